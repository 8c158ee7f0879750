"""The health checks, one pytest module per layer (``check_<layer>.py``), run by
``toolkit.health.runner.run_checks`` with the plugin ``toolkit.health.plugin``."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from toolkit.health.model import NOT_APPLICABLE


def fail_on(problems: Iterable[str]) -> None:
    """Fail the check with every problem (each names device and port) if there is any."""
    found = list(problems)
    if found:
        pytest.fail("; ".join(found), pytrace=False)


def not_applicable(reason: str) -> None:
    """Skip as "not applicable" (counted apart from passed and skipped checks)."""
    pytest.skip(f"{NOT_APPLICABLE}: {reason}")
