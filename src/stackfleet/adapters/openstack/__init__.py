"""The OpenStack adapter: the only package that imports openstacksdk and keystoneauth1.

`OpenStackGateway` reaches sites for the sites service (discovery, probes) and the inventory
service (listings, live lookups); `bootstrap.py` builds one and hands it to both.
"""

from stackfleet.adapters.openstack.gateway import OpenStackGateway

__all__ = ["OpenStackGateway"]
