"""``sonic``: SONiC (CONFIG_DB + FRR in split-unified mode).

Port names are ``Ethernet<first SerDes lane index>`` (0-based over the front panel): a cage of
``n`` lanes split in ``k`` ports names its ports every ``n / k`` lanes. Real SKUs with mixed port
types cannot be named by this formula: a switch model with SKU data (``PLATFORM.skus``, from
``_sonic_skus.py``) takes its port names, lanes and breakout mode strings from it, and its
HwSKU and platform string go into ``DEVICE_METADATA``.

Limits from the SONiC YANG models (sonic-buildimage ``src/sonic-yang-models``): ``PORT.mtu``
68..9216; VLAN ids 2..4094 (``Vlan1`` is refused); VRF names match ``Vrf[a-zA-Z0-9_-]+`` and are
interface names (1..15 characters, the ``Vrf`` prefix included). ECMP: FRR inside SONiC
(``maximum-paths`` up to 256).
"""

from __future__ import annotations

from types import MappingProxyType

from toolkit.platforms import Hooks, Limits, Platform, serdes_lanes
from toolkit.platforms._sonic_skus import SKUS


def port_name(cage: int, lane: int, lanes: int, cage_speed: int) -> str:
    serdes = serdes_lanes(cage_speed)
    step = max(serdes // lanes, 1)
    return f"Ethernet{(cage - 1) * serdes + lane * step}"


PLATFORM = Platform(
    name="sonic",
    title="SONiC",
    kind="ethernet",
    port_namer=port_name,
    mgmt_port="eth0",
    limits=Limits(mtu=(68, 9216), vlan=(2, 4094), vrf_name=15, max_ecmp=256),
    # Linux ports, FRR, lldpd in its container: the SONiC readers observe it; apply: toolkit.drivers.sonic
    hooks=Hooks(
        renderer="toolkit.render.platforms.sonic:render_device",
        facts="toolkit.health.readers:sonic_readers",
        driver="toolkit.drivers.sonic:SonicDriver",
    ),
    unnumbered_bgp=True,
    vrf_prefix="Vrf",
    mgmt_vrf="mgmt",
    lag_prefix="PortChannel",
    os_versions=("202305", "202311", "202405", "202411"),
    capabilities=frozenset(
        {"evpn", "l3vni", "l3vni-vlan", "anycast-gateway", "breakout", "mgmt-vrf", "lldp", "pfc", "ecn", "evpn-mh",
         "border", "border-vrf"}
    ),
    skus=MappingProxyType(SKUS),
    loopback="Loopback0",
)
