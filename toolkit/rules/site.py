"""PWR and SITE rules: rack power and site services."""

from __future__ import annotations

import ipaddress

from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out, pools, racks


@rule("PWR001", "warning")
def _power(c: RuleCtx) -> Out:
    """servers in a rack stay within the rack power budget"""
    for rack, path, _ in racks(c.spec):
        if rack.power_kw is None:
            continue
        watts = 0
        for g in rack.servers:
            m = c.spec.catalog.servers.get(g.model)
            if m:
                watts += m.power_w * (len(g.names) if g.names else (g.count or 0))
        if watts > rack.power_kw * 1000:
            yield (
                (*path, "power_kw"),
                f"servers draw {watts / 1000:.1f} kW, budget {rack.power_kw} kW",
                ("move servers or raise the budget"),
            )


@rule("SITE001", "warning")
def _site(c: RuleCtx) -> Out:
    """site services (NTP, DNS, syslog) are outside the fabric's own pools"""
    nets = [(label, ipaddress.IPv4Network(p)) for label, p, _ in pools(c.spec) if label != "oob"]
    for key in ("ntp", "dns", "syslog"):
        for i, a in enumerate(getattr(c.spec.site, key)):
            addr = ipaddress.IPv4Address(a)
            for label, n in nets:
                if addr in n:
                    yield ("site", key, i), f"{a} lies inside the {label} pool {n}", "services live outside the fabric"


@rule("SITE002", "error")
def _site_min(c: RuleCtx) -> Out:
    """at least one NTP and one DNS server are given"""
    if not c.spec.site.ntp:
        yield ("site", "ntp"), "no NTP server", ""
    if not c.spec.site.dns:
        yield ("site", "dns"), "no DNS server", ""
