"""The health checks, one pytest module per layer (``check_<layer>.py``), run by
``toolkit.health.runner.run_checks`` with the plugin ``toolkit.health.plugin``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from toolkit.health.facts import Facts
from toolkit.health.model import NOT_APPLICABLE, Case


def fail_on(problems: Iterable[str]) -> None:
    """Fail the check with every problem (each names device and port) if there is any."""
    found = list(problems)
    if found:
        pytest.fail("; ".join(found), pytrace=False)


def not_applicable(reason: str) -> None:
    """Skip as "not applicable" (counted apart from passed and skipped checks)."""
    pytest.skip(f"{NOT_APPLICABLE}: {reason}")


def fact_check(cases: str, evaluator: Callable[..., Iterable[str]], *kinds: str) -> Callable[[Case, Facts], None]:
    """The check of a module-level ``test_<name> = fact_check(...)``: for every case of the
    ``toolkit.health.expect`` builder ``cases``, ``evaluator(case, *observations)`` judges the
    device's observations of ``kinds`` (declared once: the plugin prefetches exactly these)."""

    @pytest.mark.cases(cases)
    @pytest.mark.facts(*kinds)
    def check(case: Case, facts: Facts) -> None:
        fail_on(evaluator(case, *(facts.get(case.device, kind) for kind in kinds)))

    return check

