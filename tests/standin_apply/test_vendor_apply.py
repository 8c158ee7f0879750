"""apply and plan of EOS, Cumulus (NVUE) and SONiC switches against their STAND-INS.

The vendor images cannot run here: each switch is a stand-in (``tests.standins``, an emulator of
the NOS commands the driver uses) behind a real sshd on 127.0.0.1. What is tested is the driver
and the engine: the command sequence (read from the stand-in's transcript), the commit-confirm
(commit with a timer, confirm only after the device answered), and what happens when the
configuration is refused, when the SSH session is lost after the commit, when the device stops
answering (its own commit timer rolls back) and on SIGINT during the push. Every test also
checks the stand-in's running configuration afterwards and that the applied record advanced
only on success.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.standin_apply.conftest import Vendor
from toolkit.plan.apply import apply
from toolkit.plan.planner import plan
from toolkit.plan.store import TargetStore

DEVICE = "fe-leaf01"
ROLLED_BY_TIMER = {
    "eos": "# rolled back: commit timer expired without confirm",
    "cumulus": "# rolled back: commit timer expired without confirm",
    "sonic": "# rolled back: config rollback aidc-",
}
"""How the stand-in logs a rollback its own timer made (SONiC: the watchdog aidc started on it)."""
SKIP_READS = {"eos": 1, "cumulus": 1, "sonic": 2}
"""Reads of the running configuration before the read-back after the commit (SONiC also reads
CONFIG_DB to merge the rendered tables into it)."""
CONFIRM = 20
"""Seconds of the commit timer in these tests (DeviceAccess.confirm_timeout)."""


@dataclass(frozen=True)
class Case:
    initial: Callable[[str], str]
    """Running configuration of a stand-in before the first apply."""
    expected: Callable[[dict[str, str]], str]
    """What the stand-in runs after an apply of these rendered files."""
    broken: Callable[[dict[str, str]], dict[str, str]]
    """Rendered files the device refuses."""
    commit: str
    """Regex of the command that commits with a timer."""
    confirm: str
    """Regex of the confirm command."""


def _eos_expected(files: dict[str, str]) -> str:
    from toolkit.drivers.eos import normalize_eos

    return normalize_eos(files["startup-config"])


def _nvue_expected(files: dict[str, str]) -> str:
    from toolkit.drivers.cumulus import normalize_nvue

    return normalize_nvue(files["startup.yaml"])


def _sonic_initial(dev: str) -> str:
    db = {
        "DEVICE_METADATA": {"localhost": {"hostname": dev}},
        "FLEX_COUNTER_TABLE": {"PORT": {"FLEX_COUNTER_STATUS": "enable"}},  # not rendered by aidc: kept
    }
    return json.dumps(db, indent=4, sort_keys=True) + "\n"


def _sonic_expected(files: dict[str, str]) -> str:
    db = json.loads(_sonic_initial(DEVICE))
    db.update(json.loads(files["config_db.json"]))  # rendered tables replace, the others stay
    return json.dumps(db, indent=4, sort_keys=True) + "\n"


def _sonic_broken(files: dict[str, str]) -> dict[str, str]:
    db = json.loads(files["config_db.json"])
    first = next(iter(db["PORT"]))
    db["PORT"][first]["mtu"] = 9100  # a number where CONFIG_DB holds strings
    return {**files, "config_db.json": json.dumps(db)}


CASES: dict[str, Case] = {
    "sonic": Case(
        initial=_sonic_initial,
        expected=_sonic_expected,
        broken=_sonic_broken,
        commit=r"^config replace /",
        confirm=r"^config save -y$",
    ),
    "cumulus": Case(
        initial=lambda dev: f"- set:\n    system:\n      hostname: {dev}\n",
        expected=_nvue_expected,
        broken=lambda f: {**f, "startup.yaml": f["startup.yaml"] + "- set:\n    no-such-object:\n      x: 1\n"},
        commit=r"^nv config apply --confirm \d+s -y$",
        confirm=r"^nv config apply -y$",
    ),
    "eos": Case(
        initial=lambda dev: f"hostname {dev}\ninterface Management1\n   description before-aidc\n",
        expected=_eos_expected,
        broken=lambda f: {**f, "startup-config": f["startup-config"].replace("\nend", "\nbogus-command 1\nend")},
        commit=r"^commit timer \d\d:\d\d:\d\d$",
        confirm=r"^configure session aidc-\S+ commit$",
    ),
}


def _platforms() -> list[str]:
    return sorted(CASES)


def _apply(v: Vendor, **kw: Any) -> Any:
    return apply(v.fabric, v.artifacts(), v.target(), **kw)


def _start(v: Vendor) -> Any:
    return v.start(DEVICE, CASES[v.platform].initial(DEVICE), confirm_timeout=CONFIRM)


def _record(v: Vendor) -> Any:
    return TargetStore(v.target().root).record(DEVICE)


def _index(lines: list[str], pattern: str) -> int:
    for i, line in enumerate(lines):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"no {pattern!r} in transcript: {lines}")


@pytest.mark.parametrize("vendor", _platforms(), indirect=True)
def test_apply_commits_with_a_timer_confirms_and_plan_is_clean(vendor: Vendor) -> None:
    case = CASES[vendor.platform]
    s = _start(vendor)
    p = plan(vendor.fabric, vendor.artifacts(), vendor.target())
    assert [d.status for d in p.devices] == ["create"], p.devices
    assert p.errors == [] and p.devices[0].running is not None and p.devices[0].running.readable

    res = _apply(vendor)
    d = res.device(DEVICE)
    assert res.ok and d.status == "changed" and d.applied_advanced, d
    assert d.frr_changes, "the device's own diff is reported"
    # the count is of the NOS's own configuration lines, not FRR's (issue #12, platform-neutral)
    assert re.fullmatch(r"\d+ config line\(s\) changed", d.message) and int(d.message.split()[0]) == len(
        d.frr_changes), d.message
    assert s.state.running == case.expected(switch_files_of(vendor))
    assert not (s.dir / "pending.json").exists(), "the commit was confirmed"
    t = s.transcript()
    assert _index(t, case.commit) < _index(t, case.confirm), t
    assert _record(vendor) is not None

    # after the confirm the timer changes nothing, and plan reads the device: no change
    time.sleep(CONFIRM + 0.5)
    assert s.state.running == case.expected(switch_files_of(vendor))
    p2 = plan(vendor.fabric, vendor.artifacts(), vendor.target())
    assert [d.status for d in p2.devices] == ["unchanged"], p2.devices
    assert p2.errors == [] and p2.exit_code == 0


@pytest.mark.parametrize("vendor", _platforms(), indirect=True)
def test_a_timer_that_expires_before_the_confirm_is_a_failure_not_a_success(vendor: Vendor) -> None:
    case = CASES[vendor.platform]
    s = vendor.start(DEVICE, case.initial(DEVICE), confirm_timeout=1)
    before = s.state.running
    s.inject(r"show running-config|nv config show -r applied|show runningconfiguration", "sleep", when="after",
             seconds=2, skip=SKIP_READS[vendor.platform])
    res = _apply(vendor)
    d = res.device(DEVICE)
    assert not res.ok and not d.applied_advanced and d.status in ("restored", "failed"), d
    err = d.error or ""
    assert "before the confirm" in err or "does not run the configuration that was pushed" in err, err
    assert s.state.running == before
    assert _record(vendor) is None


@pytest.mark.parametrize("vendor", _platforms(), indirect=True)
def test_rejected_config_changes_nothing_and_fails(vendor: Vendor) -> None:
    case = CASES[vendor.platform]
    s = _start(vendor)
    before = s.state.running
    files = case.broken(switch_files_of(vendor))
    arts = {f"switches/{DEVICE}/{n}": t for n, t in files.items()}
    res = apply(vendor.fabric, arts, vendor.target())
    d = res.device(DEVICE)
    assert not res.ok and res.exit_code != 0
    assert d.status == "failed" and not d.applied_advanced, d
    assert "refused" in (d.error or "") or "rejected" in (d.error or ""), d.error
    assert s.state.running == before
    assert not (s.dir / "pending.json").exists()
    assert not any(re.search(case.commit, x) for x in s.transcript()), "nothing was committed"
    assert _record(vendor) is None


@pytest.mark.parametrize("vendor", _platforms(), indirect=True)
def test_session_lost_after_the_commit_reconnects_and_rolls_back(vendor: Vendor) -> None:
    case = CASES[vendor.platform]
    s = _start(vendor)
    before = s.state.running
    s.inject(case.commit, "drop", when="after")
    res = _apply(vendor)
    d = res.device(DEVICE)
    assert d.status == "restored" and not d.applied_advanced, d
    assert "lost" in (d.error or "") and "reconnected and rolled back" in d.message, (d.error, d.message)
    assert "Socket is closed" not in (d.error or "") and "pattern" not in (d.error or "")
    assert s.state.running == before
    assert not (s.dir / "pending.json").exists()
    assert not any(re.search(case.confirm, x) for x in s.transcript()), "never confirmed"
    assert _record(vendor) is None and not res.ok


@pytest.mark.parametrize("vendor", _platforms(), indirect=True)
def test_device_that_stops_answering_rolls_back_by_its_own_timer(vendor: Vendor) -> None:
    case = CASES[vendor.platform]
    s = _start(vendor)
    before = s.state.running
    s.inject(case.commit, "block", when="after")
    res = _apply(vendor)
    d = res.device(DEVICE)
    assert d.status == "failed" and not d.applied_advanced and not res.ok, d
    assert "never confirmed" in d.message and "rolls it back by itself" in d.message, d.message
    # the stand-in runs the new configuration until its commit timer expires, then the old one
    assert s.wait_rolled_back(CONFIRM + 15), "the device rolled back by itself"
    assert s.state.running == before
    rolled = [x for x in s.transcript() if x.startswith("# rolled back:")]
    assert len(rolled) == 1 and rolled[0].startswith(ROLLED_BY_TIMER[vendor.platform]), rolled
    assert _record(vendor) is None


@pytest.mark.parametrize("vendor", _platforms(), indirect=True)
def test_sigint_during_the_push_rolls_back_and_says_so(vendor: Vendor) -> None:
    case = CASES[vendor.platform]
    s = _start(vendor)
    before = s.state.running
    s.inject(case.commit, "signal", when="after", pid=os.getpid(), signal=int(signal.SIGINT))
    res = _apply(vendor)
    d = res.device(DEVICE)
    assert res.interrupted == "SIGINT" and res.exit_code == 130, (res.interrupted, res.exit_code)
    assert d.status == "restored" and not d.applied_advanced, d
    assert "interrupted" in (d.error or ""), d.error
    assert s.state.running == before
    assert not (s.dir / "pending.json").exists()
    assert _record(vendor) is None
    audit = [json.loads(x) for x in (vendor.target().root / "audit.jsonl").read_text().splitlines()]
    assert audit[-1]["result"] == "interrupted" and audit[-1]["devices"][DEVICE]["status"] == "restored"


def switch_files_of(v: Vendor) -> dict[str, str]:
    from tests.standin_apply.conftest import switch_files

    return switch_files(v.platform, DEVICE)
