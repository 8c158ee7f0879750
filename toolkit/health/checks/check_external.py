"""The border: business hosts and border tenants reach the outside (the border's probe address,
behind the external routers); other tenants do not; no border tenant reaches another tenant
through the outside."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("external")


@pytest.mark.cases("external_reach")
def test_outside(case: Case, facts: Facts) -> None:
    e = case.expect
    what = f"{e['who']} {case.device} ping from {e['src']} to the outside ({e['dst']})"
    verdict = evaluate.reachable if e["out"] else evaluate.unreachable  # a tenant without a way out: never
    fail_on(verdict(case, facts.probe(case.device, case.probes[0]), what if e["out"] else f"{what} (no way out)"))


@pytest.mark.cases("external_isolation")
def test_no_tenant_through_the_outside(case: Case, facts: Facts) -> None:
    e = case.expect
    res = facts.probe(case.device, case.probes[0])
    peer = f"{e['peer']} ({e['dst']}, tenant {e['peer_tenant']})"
    fail_on(evaluate.unreachable(case, res, f"routed ping from tenant {e['tenant']} ({e['src']}) to {peer}"))
