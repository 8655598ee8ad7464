"""Stackfleet: one control plane over many independent OpenStack clouds."""
