"""Fixtures of the health-check tests (helpers in ``labkit``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.health.labkit import (
    HealthLab,
    configure_manually,
    configure_with_apply,
    free_oob_prefix,
    lab_workspace,
    make_spec,
)
from toolkit.design import design
from toolkit.lab import lab_down, lab_up
from toolkit.spec import load


@pytest.fixture(scope="module")
def health_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HealthLab]:
    work, rng, cluster = lab_workspace(tmp_path_factory, "health-lab", "hc")
    spec = make_spec(work / "spec", cluster, free_oob_prefix(rng))
    res = load(spec)
    assert res.spec is not None, res.findings
    fabric = design(res.spec, platform="frr")
    state = work / "state"
    old_env = os.environ.get("AIDC_STATE_DIR")
    os.environ["AIDC_STATE_DIR"] = str(state)
    timings: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        lab_up(fabric, state)
        timings["lab_up"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        setup = os.environ.get("AIDC_HEALTH_SETUP", "apply")
        if setup == "apply":
            try:
                configure_with_apply(fabric, state)
            except ImportError:
                setup = "manual"
        if setup == "manual":
            configure_manually(fabric, state)
        timings["configure"] = round(time.monotonic() - t0, 1)
        lab = HealthLab(fabric=fabric, state_dir=state, work=work, setup=setup, timings=timings)
        t0 = time.monotonic()
        lab.wait_converged()
        timings["converge"] = round(time.monotonic() - t0, 1)
        yield lab
        print(f"\nhealth lab {cluster}: setup={setup} timings={timings} check runs={lab.runs}")
    finally:
        report = lab_down(cluster, state)
        if old_env is None:
            os.environ.pop("AIDC_STATE_DIR", None)
        else:
            os.environ["AIDC_STATE_DIR"] = old_env
        assert not report.errors, report.errors
