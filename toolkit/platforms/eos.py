"""``eos``: Arista EOS, one ``startup-config`` (plain EOS CLI).

Port names: ``Ethernet<cage>`` for single-lane cages (25G and below), ``Ethernet<cage>/<lane>``
otherwise (lane = first SerDes lane of the port, 1-based). Management port ``Management1``.

Limits: the interface ``mtu`` is the IP MTU, 68-9214 bytes (the design clamps a larger designed
MTU to 9214); ``maximum-paths`` / ``ecmp`` accept 1-600 (Arista AVD's schema of the EOS CLI; the
hardware's group size is per model: ``catalog.switches.<model>.max_ecmp``, by default 32 — the
``ecmp`` default is the platform maximum that ``show bgp instance`` reports as "Maximum ECMP", 32
on the switch of the EOS note "BGP maximum-paths x ecmp y" (kevin-wang-xin.medium.com, 2020), and
the first 7050 series (7050S) datasheet gives "32-way ECMP"; a model whose datasheet says more
sets its own figure, e.g. ``max_ecmp: 128`` for the 7050X series ("up to 128-way ECMP routing")
— the CLI's 600 is never a hardware figure; ECMP001 warns when a switch has more equal-cost
uplinks than its model installs); one ``ip virtual-router mac-address`` per switch; the design's
route distinguishers / targets ``<router-id>:<VNI>`` / ``<VNI>:<VNI>`` need the VNI in 16 bits.
BGP sessions are rendered numbered (the /31 of every fabric link): EOS' RFC 5549 interface
peering is not used, so the design makes every session with an EOS end numbered.
"""

from __future__ import annotations

from toolkit.platforms import Hooks, Limits, Platform, serdes_lanes


def port_name(cage: int, lane: int, lanes: int, cage_speed: int) -> str:
    if cage_speed <= 25:
        return f"Ethernet{cage}"
    step = max(serdes_lanes(cage_speed) // lanes, 1)
    return f"Ethernet{cage}/{lane * step + 1}"


PLATFORM = Platform(
    name="eos",
    title="Arista EOS",
    kind="ethernet",
    port_namer=port_name,
    mgmt_port="Management1",
    limits=Limits(mtu=(68, 9214), vlan=(1, 4094), ifname=None, vrf_name=None, max_ecmp=600,
                  ecmp_default=32, rt_vni_bits=16, anycast_macs=1, lag_id=2000),
    hooks=Hooks(
        renderer="toolkit.render.platforms.eos:render_device",
        driver="toolkit.drivers.eos:EosDriver",
        facts="toolkit.health.eos:eos_readers",
    ),
    mtu_kind="ip",
    loopback="Loopback0",
    unnumbered_bgp=False,
    mgmt_vrf="MGMT",
    lag_prefix="Port-Channel",
    os_versions=("4.30", "4.31", "4.32"),
    capabilities=frozenset(
        {"evpn", "l3vni", "anycast-gateway", "breakout", "mgmt-vrf", "lldp", "pfc", "ecn", "evpn-mh",
         "border", "border-vrf"}
    ),
)
