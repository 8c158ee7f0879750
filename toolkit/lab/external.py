"""The outside world of the twin: one FRR namespace per external router of the border.

The router holds the border's probe address on its loopback, peers eBGP (numbered, IPv4 unicast)
with every border leaf port the Fabric cables to it (``LabExternal.links``) and announces the
default route and the probe /32 as ``network`` statements: a border leaf that accepts only the
default route (the design's default ``accept``) reaches the probe through it, so withdrawing the
default (``no network 0.0.0.0/0``, as when the upstream loses its own way out) makes the outside
unreachable (graceful restart off, so the leaves do not keep it as a stale path).

The default is a ``network`` route rather than ``neighbor … default-originate``. A border leaf
asks for a route refresh when its inbound policy is applied; FRR 8.4 answered it without sending
the originated default again, so the leaf kept it marked stale, and a later
``no … default-originate`` did not take it away (the leaf kept it for over 90 s, on the first fault
after bring-up in 3 of 7 runs). A ``network`` default is re-sent in the refresh and withdrawn
through the ordinary per-prefix path (12 of 12 faults under load left both leaves in < 1 s).

It is a stand-in for a router that is not part of the fabric: aidc never applies configuration to
it, the lab writes it once.
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
        # announced without a route to 0.0.0.0/0 of its own: the stand-in has no upstream
        " no bgp network import-check",
    ]
    for xl in x.links:
        lines += [
            f" neighbor {xl.leaf_ip} remote-as {xl.leaf_asn}",
            f" neighbor {xl.leaf_ip} description {xl.leaf} {xl.leaf_ifname} ({xl.vrf})",
        ]
    lines += [" !", " address-family ipv4 unicast", "  network 0.0.0.0/0", f"  network {x.probe}/32"]
    lines += [f"  neighbor {xl.leaf_ip} activate" for xl in x.links]
    lines += [" exit-address-family", "exit", "!", ""]
    return "\n".join(lines)
