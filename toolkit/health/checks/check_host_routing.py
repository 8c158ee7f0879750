"""Per-NIC routing on compute NICs: ``ip rule from <addr>`` selects a table whose route leaves
through the NIC's gateway, and the kernel really resolves traffic from the NIC that way; and every
route of every plane (storage, business too) is in place and really used; and every server
resolves the site's NTP and DNS servers the way the design proves it reaches them (REACH006)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check, fail_on, not_applicable
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("host-routing")


test_policy_route = fact_check("host_routes", evaluate.policy_route, "rules", "routes")


def _route_get(case: Case, facts: Facts) -> dict[str, Any]:
    """The route the kernel resolved in the case's ``ip -j route get`` probe ({} if none)."""
    res = facts.probe(case.device, case.probes[0])
    if not res.ok:
        e = case.expect
        fail_on([f"{case.where}: ip route get {e['probe_dst']} from {e['address']} failed: {res.brief()}"])
    routes = json.loads(res.output or "[]")
    return routes[0] if routes else {}


@pytest.mark.cases("host_routes")
def test_route_get(case: Case, facts: Facts) -> None:
    if not case.probes:
        pytest.skip(f"{case.where}: no other compute NIC to resolve a route to")
    fail_on(evaluate.route_get(case, _route_get(case, facts)))


test_plane_route = fact_check("plane_routes", evaluate.plane_route, "routes")


@pytest.mark.cases("plane_route_probes")
def test_plane_route_get(case: Case, facts: Facts) -> None:
    fail_on(evaluate.plane_route_get(case, _route_get(case, facts)))


@pytest.mark.cases("site_service_routes")
def test_site_service_route(case: Case, facts: Facts) -> None:
    e = case.expect
    res = facts.probe(case.device, case.probes[0])
    if not res.ok:
        fail_on([f"{case.where}: ip route get {e['dst']} ({e['service']} server) failed: {res.brief()}"])
    routes = json.loads(res.output or "[]")
    fail_on(evaluate.site_service_route(case, routes[0] if routes else {}))


@pytest.mark.cases("site_service_routes")
def test_site_service_reached(case: Case, facts: Facts) -> None:
    e = case.expect
    if len(case.probes) < 2:
        not_applicable(f"the way to {e['service']} server {e['dst']} is not part of this target")
    res = facts.probe(case.device, case.probes[1])
    fail_on(evaluate.reachable(case, res, f"ping from {e['src']} to {e['service']} server {e['dst']}"))
