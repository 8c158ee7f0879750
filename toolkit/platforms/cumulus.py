"""``cumulus``: NVIDIA Cumulus Linux 5.x configured through NVUE.

Limits: NVUE ``link mtu`` accepts 552-9216; VLANs 3725-3999 are Cumulus' reserved internal range
(``system global reserved vlan internal range``, the default); VRF and interface names are Linux
devices (15 characters); ``qos roce`` is switch-wide. ECMP: NVUE's
``router bgp address-family ipv4-unicast multipaths ebgp`` accepts 1-128 (the NVUE schema of
5.11-5.14; the Spectrum ASIC's group size is per SKU).
"""

from __future__ import annotations

from toolkit.platforms import Hooks, Limits, Platform, linux_port_name

PLATFORM = Platform(
    name="cumulus",
    title="NVIDIA Cumulus Linux (NVUE)",
    kind="ethernet",
    port_namer=linux_port_name,
    mgmt_port="eth0",
    limits=Limits(mtu=(552, 9216), vlan=(1, 4094), vlan_reserved=((3725, 3999),), max_ecmp=128),
    # Linux ports, FRR and lldpd underneath: the FRR readers observe it; apply: toolkit.drivers.cumulus
    hooks=Hooks(
        renderer="toolkit.render.platforms.cumulus:render_device",
        facts="toolkit.health.readers:frr_readers",
        driver="toolkit.drivers.cumulus:CumulusDriver",
    ),
    unnumbered_bgp=True,
    mgmt_vrf="mgmt",
    switch_wide_roce=True,
    os_versions=("5.11", "5.12", "5.13", "5.14"),
    capabilities=frozenset(
        {"evpn", "l3vni", "anycast-gateway", "breakout", "mgmt-vrf", "lldp", "pfc", "ecn", "evpn-mh",
         "border", "border-vrf"}
    ),
)
