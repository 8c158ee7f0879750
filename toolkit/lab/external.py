"""The outside world of the twin: one FRR namespace per external router of the border.

The router holds the border's probe address on its loopback, peers eBGP (numbered, IPv4 unicast)
with every border leaf port the Fabric cables to it (``LabExternal.links``), announces the
default route to each (``default-originate``) and the probe /32 (``network``): a border leaf that
accepts only the default route (the design's default ``accept``) reaches the probe through it,
so taking the default route away makes the outside unreachable (graceful restart off, so the
leaves do not keep it as a stale path). It is a stand-in for a router
that is not part of the fabric: aidc never applies configuration to it, the lab writes it once.
"""

from __future__ import annotations

from toolkit.lab.topology import LabExternal


def external_frr_conf(x: LabExternal, profile: str) -> str:
    """frr.conf of the upstream router namespace (read by ``vtysh -b`` at boot)."""
    lines = [
        f"frr defaults {profile}",
        f"hostname {x.hostname}",
        "log stdout informational",
        "service integrated-vtysh-config",
        "!",
        f"router bgp {x.asn}",
        f" bgp router-id {x.router_id}",
        " no bgp ebgp-requires-policy",
        " no bgp default ipv4-unicast",
        # a stand-in upstream: without graceful restart a withdrawn default leaves the border
        # leaves at once (as a GR helper they kept it stale for minutes after a session reset)
        " bgp graceful-restart-disable",
    ]
    for xl in x.links:
        lines += [
            f" neighbor {xl.leaf_ip} remote-as {xl.leaf_asn}",
            f" neighbor {xl.leaf_ip} description {xl.leaf} {xl.leaf_ifname} ({xl.vrf})",
        ]
    lines += [" !", " address-family ipv4 unicast", f"  network {x.probe}/32"]
    for xl in x.links:
        lines += [f"  neighbor {xl.leaf_ip} activate", f"  neighbor {xl.leaf_ip} default-originate"]
    lines += [" exit-address-family", "exit", "!", ""]
    return "\n".join(lines)
