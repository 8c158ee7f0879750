"""Per-NIC routing on compute NICs: ``ip rule from <addr>`` selects a table whose route leaves
through the NIC's gateway, and the kernel really resolves traffic from the NIC that way; and every
route of every plane (storage, business too) is in place and really used."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check, fail_on
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
