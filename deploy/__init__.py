"""Deployment tooling: the real-OpenStack sites the real test tier runs against."""
