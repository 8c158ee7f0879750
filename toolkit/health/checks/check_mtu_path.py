"""End-to-end MTU: a don't-fragment ping at full MTU from every compute NIC to the same-rail NIC
of another server (one leaf) and to a different-rail NIC of another server (leaf, spine, leaf)."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("mtu-path")


@pytest.mark.cases("mtu_paths")
def test_df_ping_full_mtu(case: Case, facts: Facts) -> None:
    e = case.expect
    res = facts.probe(case.device, case.probes[0])
    what = f"{e['kind']} DF ping of {e['mtu']} bytes from {e['src']} to {e['peer']} ({e['dst']})"
    fail_on(evaluate.reachable(case, res, what))
