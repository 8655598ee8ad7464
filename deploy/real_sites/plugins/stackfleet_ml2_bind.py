"""ML2 mechanism driver `stackfleet_bind`: binds every port on any host, without agents.

Runs inside Debian's neutron-server (/usr/bin/python3), found through the entry point declared in
stackfleet_ml2_bind-1.0.dist-info (this directory is on neutron-server's PYTHONPATH). Neutron's
own drivers bind only hosts with a live agent; the real tier has no agents, only the APIs.
"""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class BindAllMechanismDriver(api.MechanismDriver):
    """Bind the first segment offered, as an OVS port, and mark the port ACTIVE."""

    def initialize(self):
        """Nothing to set up: no agents, no backend."""

    def bind_port(self, context):
        """Bind `context` on its first segment (ML2 calls this for each unbound host)."""
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                {portbindings.CAP_PORT_FILTER: True, portbindings.OVS_HYBRID_PLUG: False},
                status=constants.PORT_STATUS_ACTIVE,
            )
            return
