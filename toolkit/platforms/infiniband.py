"""``infiniband``: InfiniBand switches, managed by the subnet manager (UFM / opensm).

Ports are ``<cage>`` or ``<cage>/<lane>`` (split ports, 1-based). No Ethernet limits apply: the
switch gets a note instead of a configuration; the fabric itself comes from the subnet manager.
"""

from __future__ import annotations

from toolkit.platforms import Hooks, Limits, Platform


def port_name(cage: int, lane: int, lanes: int, cage_speed: int) -> str:
    return f"{cage}/{lane + 1}" if lanes > 1 else f"{cage}"


PLATFORM = Platform(
    name="infiniband",
    title="InfiniBand (subnet manager)",
    kind="infiniband",
    port_namer=port_name,
    mgmt_port="mgmt0",
    limits=Limits(mtu=(256, 4096), vlan=(1, 4094), ifname=None, vrf_name=None, max_ecmp=1),
    hooks=Hooks(renderer="toolkit.render.platforms.infiniband:render_device"),
    unnumbered_bgp=False,
    mgmt_vrf=None,
    capabilities=frozenset({"subnet-manager"}),
)
