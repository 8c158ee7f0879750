"""BGP: every session of the Fabric is Established with the expected ASNs, peer and families."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("bgp")


@pytest.mark.cases("bgp_sessions")
@pytest.mark.facts("bgp")
def test_bgp_session(case: Case, facts: Facts) -> None:
    fail_on(evaluate.bgp_session(case, facts.get(case.device, "bgp")))
