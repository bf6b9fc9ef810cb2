"""ML2 mechanism driver for the lab: binds every port without agents and marks it ACTIVE.

Without it, ML2 with no agents fails every binding and Nova puts servers in ERROR.
"""
from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class LoopbackBindingDriver(api.MechanismDriver):
    def initialize(self):
        pass

    def bind_port(self, context):
        details = {portbindings.CAP_PORT_FILTER: True, portbindings.OVS_HYBRID_PLUG: False}
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS, details,
                                status=constants.PORT_STATUS_ACTIVE)
            return
