"""The Cumulus STAND-IN (``tests.standins.nvue``: Cumulus Linux cannot run here) refuses what real
NVUE refuses: ``nv config replace`` validates every ``set`` object against NVIDIA's NVUE object
model of the device's release (PyPI ``nvueschema``, made strict by ``tests/vendor/nvue_check.py``).
A configuration written for another release, or with a key the release does not know, is refused
by the device during ``prepare``; apply fails, the pending revision is dropped, nothing is
committed and the record does not advance.
"""

from __future__ import annotations

import re

import pytest

from tests.standin_apply.conftest import Vendor, switch_files
from toolkit.plan.apply import apply
from toolkit.plan.store import TargetStore

pytest.importorskip("nvueschema", reason="nvueschema (NVUE models) not installed: pip install -e '.[test]'")

DEVICE = "fe-leaf01"
INITIAL = f"- set:\n    system:\n      hostname: {DEVICE}\n"


def _startup() -> str:
    return switch_files("cumulus", DEVICE)["startup.yaml"]


def test_standin_check_is_the_release_object_model() -> None:
    from tests.standins.nvue import check

    text = _startup()  # rendered for 5.14: syslog under `system syslog`
    assert "syslog" in text
    assert check(text, "5.14") is None
    why = check(text, "5.11") or ""
    assert "Cumulus Linux 5.11" in why and "syslog" in why, why
    typo = text + "- set:\n    system:\n      hostnme: x\n"
    assert "hostnme" in (check(typo, "5.14") or ""), "an unknown key inside a known object"
    assert "not in the NVUE object model" in (check(text + "- set:\n    no-such-object: {}\n", "5.14") or "")


def _refused(v: Vendor, files: dict[str, str], release: str, words: tuple[str, ...]) -> None:
    s = v.start(DEVICE, INITIAL, release=release, confirm_timeout=20)
    before = s.state.running
    arts = {f"switches/{DEVICE}/{n}": t for n, t in files.items()}
    res = apply(v.fabric, arts, v.target())
    d = res.device(DEVICE)
    assert not res.ok and res.exit_code != 0 and d.status == "failed" and not d.applied_advanced, d
    err = d.error or ""
    assert "nv config replace" in err and all(w in err for w in words), err
    assert s.state.running == before
    assert not (s.dir / "pending.json").exists() and not (s.dir / "pending.yaml").exists()
    t = s.transcript()
    assert not any(re.match(r"^nv config apply (--confirm \d|-y)", x) for x in t), t
    assert "nv config detach" in t, "the pending revision is dropped"
    assert TargetStore(v.target().root).record(DEVICE) is None


@pytest.mark.parametrize("vendor", ["cumulus"], indirect=True)
def test_config_for_a_newer_release_is_refused_by_an_older_switch(vendor: Vendor) -> None:
    assert vendor.fabric.devices[DEVICE].os_version == "5.14"
    _refused(vendor, {"startup.yaml": _startup()}, "5.11", ("5.11", "syslog"))


@pytest.mark.parametrize("vendor", ["cumulus"], indirect=True)
def test_unknown_key_inside_a_known_object_is_refused(vendor: Vendor) -> None:
    typo = _startup() + "- set:\n    system:\n      hostnme: x\n"
    _refused(vendor, {"startup.yaml": typo}, "5.14", ("5.14", "hostnme"))
