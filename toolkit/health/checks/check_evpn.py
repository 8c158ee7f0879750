"""EVPN: each VTEP leaf carries its tenants' L2VNIs (and no others) with the expected remote
VTEPs: the loopbacks of the other leaves of the tenant."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("evpn")


@pytest.mark.cases("evpn_vnis")
@pytest.mark.facts("evpn")
def test_vni(case: Case, facts: Facts) -> None:
    fail_on(evaluate.evpn_vni(case, facts.get(case.device, "evpn")))


@pytest.mark.cases("evpn_leaves")
@pytest.mark.facts("evpn")
def test_no_foreign_vni(case: Case, facts: Facts) -> None:
    fail_on(evaluate.evpn_vni_set(case, facts.get(case.device, "evpn")))
