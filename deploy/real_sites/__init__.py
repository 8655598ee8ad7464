"""Harness that installs Debian Zed OpenStack and runs N real sites on loopback (see README.md)."""
