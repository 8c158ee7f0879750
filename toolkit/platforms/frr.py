"""``frr``: a Linux white box (or a lab namespace) running FRR; ifupdown2 / iproute2 for links.

Limits: Linux interface and VRF names are interfaces (IFNAMSIZ - 1 = 15 characters); the kernel
accepts MTUs 68-65535 (the NIC driver may allow less); FRR as packaged by Debian and most
distributions is built with ``--enable-multipath=256`` (``maximum-paths`` up to 256).
"""

from __future__ import annotations

from toolkit.platforms import Hooks, Limits, Platform, linux_port_name

OOB_BRIDGE = "bridge"
"""Name of the one Linux bridge of an OOB switch (platform convention)."""
TENANT_BRIDGES = r"br[0-9]+"
"""Tenant bridges are ``br<L2VNI>`` and their VXLAN devices ``vx<L2VNI>`` (platform convention)."""

PLATFORM = Platform(
    name="frr",
    title="Linux + FRR (white box, lab)",
    kind="ethernet",
    port_namer=linux_port_name,
    mgmt_port="eth0",
    limits=Limits(mtu=(68, 65535), vlan=(1, 4094), max_ecmp=256),
    hooks=Hooks(
        renderer="toolkit.render.platforms.frr:render_device",
        driver="toolkit.drivers.frr:FrrDriver",
        facts="toolkit.health.readers:frr_readers",
    ),
    unnumbered_bgp=True,
    mgmt_vrf="mgmt",
    os_versions=("FRR 8.4 (Debian 12)", "FRR 8.x-10.x"),
    capabilities=frozenset({"evpn", "evpn-mh", "border", "breakout", "mgmt-vrf", "lldp", "pfc"}),
)
