"""Tenants: access ports sit in their tenant's VNI, other host-facing ports in no bridge; members
reach each other; no member reaches another tenant's members (L2 ARP probe and ping) nor other
devices' OOB addresses from the tenant interface."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check, fail_on
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("tenants")


test_access_port_vni = fact_check("tenant_access_ports", evaluate.access_port_vni, "links")
test_routed_host_port_in_no_bridge = fact_check("routed_host_ports", evaluate.routed_port_unbridged, "links")


@pytest.mark.cases("tenant_reach")
def test_member_reaches_member(case: Case, facts: Facts) -> None:
    e = case.expect
    res = facts.probe(case.device, case.probes[0])
    fail_on(evaluate.reachable(case, res, f"tenant {e['tenant']} ping from {e['src']} to {e['peer']} ({e['dst']})"))


@pytest.mark.cases("tenant_isolation")
def test_isolated_from_other_tenant(case: Case, facts: Facts) -> None:
    e = case.expect
    arp = facts.probe(case.device, case.probes[0])
    ping = facts.probe(case.device, case.probes[1])
    peer = f"{e['peer']} ({e['dst']}, tenant {e['peer_tenant']})"
    fail_on(
        [
            *evaluate.unreachable(case, arp, f"ARP probe from tenant {e['tenant']} to {peer}"),
            *evaluate.unreachable(case, ping, f"ping from tenant {e['tenant']} to {peer}"),
        ]
    )


@pytest.mark.cases("tenant_oob_isolation")
def test_no_oob_from_tenant(case: Case, facts: Facts) -> None:
    e = case.expect
    res = facts.probe(case.device, case.probes[0])
    fail_on(
        evaluate.unreachable(case, res, f"ping from tenant {e['tenant']} ({e['ifname']}) to {e['peer']} {e['dst']}")
    )
