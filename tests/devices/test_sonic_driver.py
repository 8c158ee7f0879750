"""The SONiC driver (``toolkit.drivers.sonic``) against a STAND-IN of the SONiC host CLI, root-free.

No SONiC image can run here. ``SonicShell`` below is the device's shell session (what
``Target.open`` returns) with a small model of the commands the driver runs: ``show version`` in
SONiC's format, ``show runningconfiguration all`` (CONFIG_DB as JSON), ``config replace
[--dry-run]`` (refusing a PORT row without ``lanes``: mandatory in SONiC's YANG), ``config
checkpoint / rollback / delete-checkpoint / save``, ``config interface breakout``, ``docker cp`` /
``docker exec bgp frr-reload.py`` and ``vtysh`` in the bgp container. Its data is real: the
CONFIG_DB a fresh Mellanox-SN2700 image holds (``../shared/vendor/sonic/sku-base``, generated with
SONiC's own tools), the FRR running-config and ``frr-reload.py --test`` output recorded from the
lab's FRR (tests/fixtures), and the files aidc renders for lab-mini's spine01 on SONiC. The
rollback watchdog script is run for real by ``sh`` with logging stand-ins for ``config`` and
``docker``. What SONiC accepts is tested by tests/vendor (yanglint against SONiC's YANG models).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.devices import standin
from tests.devices.standin import open_driver, push, push_then_restore
from tests.recorded import ROOT
from tests.vendor.sonic_yang import SKU_BASE as SKU_DIR
from toolkit.drivers import sonic
from toolkit.drivers.frr import normalize_frr
from toolkit.drivers.sonic import (
    SEPARATOR,
    SonicDriver,
    breakout_changes,
    breakout_modes,
    canonical_db,
    db_diff,
    dpb_command,
    merged_db,
    sonic_release,
)
from toolkit.drivers.state import DriverError
from toolkit.session import CommandResult

SKU_BASE = SKU_DIR / "Mellanox-SN2700.json"
FRR_RUNNING = ROOT / "tests" / "fixtures" / "frr-reload" / "running.txt"
FRR_TEST = ROOT / "tests" / "fixtures" / "frr-reload" / "test-after-reload.txt"
IMAGE_MODE = "1x100G[50G,40G,25G,10G]"
MODE = "2x50G[25G,10G]"
"""Breakout modes of an SN2700 cage, as its platform.json writes them."""

pytestmark = pytest.mark.skipif(not SKU_BASE.exists(), reason=f"SONiC vendor data not found: {SKU_BASE}")


def show_version(release: str = "202311") -> str:
    return (
        f"\nSONiC Software Version: SONiC.{release}.1-8a5b2e1c3\nSONiC OS Version: 11\nDistribution: Debian 11.9\n"
        "Kernel: 5.10.0-23-2-amd64\nBuild commit: 8a5b2e1c3\nBuild date: Mon Mar 4 10:11:12 UTC 2024\n"
        "Built by: sonicbld@sonic-build\n\nPlatform: x86_64-mlnx_msn2700-r0\nHwSKU: Mellanox-SN2700\nASIC: mellanox\n"
        "ASIC Count: 1\nSerial Number: MT1822K07815\nUptime: 10:11:12 up 3 days,  2:03,  1 user,  load average: 0.5\n"
    )


def rendered() -> dict[str, str]:
    return standin.rendered("sonic")


def image_db() -> dict[str, Any]:
    db: dict[str, Any] = json.loads(SKU_BASE.read_text())
    db["DEVICE_METADATA"]["localhost"]["hostname"] = "spine01"
    return db


class SonicShell:
    """One SONiC switch; ``commands`` lists every command run (``sudo -n`` kept), in order."""

    def __init__(self, release: str = "202311") -> None:
        self.release = release
        self.db = image_db()
        self.frr = FRR_RUNNING.read_text()
        self.checkpoints: dict[str, dict[str, Any]] = {}
        self.files: dict[str, str] = {}
        self.container: dict[str, str] = {}
        self.commands: list[str] = []
        self.watchdog: dict[str, Any] | None = None  # armed: deadline seconds, marker, pid file
        self.firing = 0
        """The watchdog claimed the marker and is rolling back: it is done after this many polls."""
        self.saved = False
        self.connected = True

    def put_file(self, path: str, text: str, mode: int = 0o644) -> None:
        self.files[path] = text

    def close(self) -> None:
        self.connected = False

    def run(self, command: str, *, timeout: float | None = None) -> CommandResult:
        self.commands.append(command)
        rc, out, err = self.answer(command.removeprefix("sudo -n "))
        return CommandResult(command=command, rc=rc, stdout=out, stderr=err)

    def answer(self, command: str) -> tuple[int, str, str]:
        arm = re.match(r"^echo \$\(\( \$\(date \+%s\) \+ (\d+) \)\) > (\S+) && mv -f \2 (\S+) && touch (\S+) && "
                       r"\(setsid sh (\S+) ", command)
        if arm:
            assert arm.group(5) in self.files, "the watchdog script is uploaded before it starts"
            self.watchdog = {"seconds": int(arm.group(1)), "marker": arm.group(4)}
            return 0, "", ""
        if command.startswith("if mv -f "):  # claim the marker: says whether the commit was pending
            was = self.watchdog is not None
            self.watchdog = None
            return 0, "pending\n" if was else "firing\n" if self.firing else "", ""
        if command.startswith("[ -e "):  # is the watchdog still rolling back?
            self.firing = max(0, self.firing - 1)
            if self.firing == 0:
                return 0, "", ""
            return 0, "firing\n", ""
        if command.startswith("[ -s "):  # stop the watchdog's process group
            return 0, "", ""
        if command.startswith("rm -f "):
            for f in shlex.split(command)[2:]:
                self.files.pop(f, None)
            return 0, "", ""
        first, _, rearm = command.partition(" && ")
        argv = shlex.split(first)
        if argv == ["show", "version"]:
            return 0, show_version(self.release), ""
        if argv == ["show", "runningconfiguration", "all"]:
            return 0, json.dumps(self.db, indent=4), ""
        if argv == ["vtysh", "-c", "show running-config"]:
            return 0, self.frr, ""
        if argv == ["vtysh", "-c", "write memory"] or argv == ["config", "save", "-y"]:
            self.saved = True
            return 0, "", ""
        if argv[:2] == ["docker", "cp"]:
            self.container[argv[3].removeprefix("bgp:")] = self.files[argv[2]]
            return 0, "", ""
        if argv[:3] == ["docker", "exec", "bgp"] and argv[3] == sonic.FRR_RELOAD:
            if argv[4] == "--test":
                return 0, FRR_TEST.read_text(), ""
            self.frr = "Building configuration...\n\nfrr version 8.4.4\n" + self.container[argv[-1]]
            return 0, "", ""
        if argv[:2] == ["config", "replace"]:
            db = json.loads(self.files[argv[-1]])
            missing = sorted(p for p, row in db.get("PORT", {}).items() if "lanes" not in row)
            if missing:
                return 1, "", f"Error: PORT {missing[0]}: mandatory leaf 'lanes' is missing (sonic-port)"
            if argv[2] != "--dry-run":
                self.db = db
            return 0, "Config replaced successfully.\n", ""
        if argv[:2] == ["config", "checkpoint"]:
            self.checkpoints[argv[2]] = copy.deepcopy(self.db)
            return 0, f"Checkpoint created successfully.\n{argv[2]}\n", ""
        if argv[:2] == ["config", "rollback"]:
            self.db = copy.deepcopy(self.checkpoints[argv[2]])
            return 0, "Config rolled back successfully.\n", ""
        if argv[:2] == ["config", "delete-checkpoint"]:
            self.checkpoints.pop(argv[2], None)
            return 0, "", ""
        if argv[:3] == ["config", "interface", "breakout"]:
            self.db["BREAKOUT_CFG"][argv[3]] = {"brkout_mode": argv[4]}
            if rearm and self.watchdog is not None:
                self.watchdog["rearmed"] = int(re.findall(r"\+ (\d+) \)\)", rearm)[0])
            return 0, "Breakout process completed.\n", ""
        return 127, "", f"{argv[0]}: command not found"


def driver(shell: SonicShell, **access: Any) -> SonicDriver:
    return open_driver(SonicDriver, shell, platform="sonic", address="192.0.2.41", user="admin", **access)


# -------------------------------------------------------------------------- pure functions


def test_release_and_database_text() -> None:
    assert sonic_release(show_version("202405")) == "202405"
    assert sonic_release("SONiC Software Version: SONiC.azure_cisco_202205.1\n") == "202205", "a vendor build's prefix"
    assert sonic_release("SONiC Software Version: SONiC.master.512345-8a5b2e1c3\n") is None, "a master build has none"
    assert sonic_release("Arista Networks EOS\n") is None
    text = canonical_db('{"b": {}, "a": {"x": {"y": "1"}}}')
    assert text == '{\n "a": {\n  "x": {\n   "y": "1"\n  }\n },\n "b": {}\n}\n'
    with pytest.raises(DriverError, match="CONFIG_DB is not JSON"):
        canonical_db("Error: database not ready")


def test_merged_db_keeps_the_image_port_fields_and_untouched_tables() -> None:
    running = image_db()
    db = json.loads(rendered()["config_db.json"])
    merged = merged_db(running, db)
    assert merged["PORT"]["Ethernet0"]["lanes"] == "0,1,2,3" and merged["PORT"]["Ethernet0"]["alias"] == "etp1"
    assert merged["PORT"]["Ethernet0"]["mtu"] == db["PORT"]["Ethernet0"]["mtu"] == "9216", "rendered fields win"
    assert merged["BUFFER_PROFILE"] == running["BUFFER_PROFILE"], "a table aidc does not render stays"
    assert merged["DEVICE_METADATA"]["localhost"]["mac"] == "00:11:22:33:44:55"
    running["NTP_SERVER"] = {"192.0.2.99": {}}
    assert "192.0.2.99" not in merged_db(running, db)["NTP_SERVER"], "a rendered table replaces the running one"
    assert "BREAKOUT_CFG" in merged and running["BREAKOUT_CFG"] == merged["BREAKOUT_CFG"]


def test_db_diff_lines() -> None:
    old = {"PORT": {"Ethernet0": {"mtu": "9100", "lanes": "0,1,2,3"}}}
    new = {"PORT": {"Ethernet0": {"mtu": "9216", "lanes": "0,1,2,3"}}, "NTP": {"global": {"vrf": "mgmt", "n": 2}}}
    assert db_diff(old, new) == [
        "- PORT|Ethernet0 mtu=9100",
        "+ NTP|global n=2",
        "+ NTP|global vrf=mgmt",
        "+ PORT|Ethernet0 mtu=9216",
    ]
    assert db_diff(new, new) == []


def test_breakout_modes_from_config_db_and_script() -> None:
    db = {"BREAKOUT_CFG": {"Ethernet8": {"brkout_mode": MODE}, "Ethernet4": {}}}
    script = "\n".join(["#!/bin/sh", "set -e", "# cages re-laid out", dpb_command("Ethernet8", MODE),
                        dpb_command("Ethernet12", MODE), ""])
    assert dpb_command("Ethernet8", MODE) == f"config interface breakout Ethernet8 '{MODE}' -y -f"
    want, relaid = breakout_modes(db, script)
    assert want == {"Ethernet8": MODE, "Ethernet12": MODE} and relaid == {"Ethernet8", "Ethernet12"}
    assert breakout_modes(db, None) == ({"Ethernet8": MODE}, set())
    with pytest.raises(DriverError, match=r"breakout.sh:2: not a dynamic port breakout command: 'reboot'"):
        breakout_modes(db, "set -e\nreboot\n")
    with pytest.raises(DriverError, match=r"breakout\.sh:1: Ethernet8 .* disagrees with BREAKOUT_CFG"):
        breakout_modes(db, dpb_command("Ethernet8", IMAGE_MODE))


def test_breakout_changes_only_for_cages_in_another_mode() -> None:
    running = image_db()
    want = {"Ethernet8": MODE, "Ethernet0": IMAGE_MODE, "Ethernet100": MODE, "Ethernet300": MODE}
    # Ethernet0 is in its mode already; Ethernet300 has no cage on this device and breakout.sh does not
    # re-lay it out: left alone; the others in port order (8 before 100, not as strings)
    assert breakout_changes(running, want) == (("Ethernet8", IMAGE_MODE, MODE), ("Ethernet100", IMAGE_MODE, MODE))
    assert breakout_changes(running, want, {"Ethernet300"})[-1] == ("Ethernet300", None, MODE)


# ------------------------------------------------------------------------------- the driver


def test_connect_refuses_what_is_not_a_supported_sonic() -> None:
    shell = SonicShell(release="202012")
    with pytest.raises(DriverError, match=r"SONiC 202012 is not a release aidc supports \(202305, .*\); nothing"):
        driver(shell)
    assert not shell.connected
    shell = SonicShell()
    shell.answer = lambda command: (0, "Arista Networks EOS\n", "")  # type: ignore[method-assign]
    with pytest.raises(DriverError, match="shows no SONiC release: the device is not SONiC"):
        driver(shell)


def test_read_config_is_the_database_and_the_frr_config() -> None:
    shell = SonicShell()
    d = driver(shell)
    text = d.read_config()
    db_text, frr = text.split(SEPARATOR)
    assert json.loads(db_text) == image_db() and db_text == canonical_db(json.dumps(image_db())).rstrip("\n")
    assert frr == normalize_frr(FRR_RUNNING.read_text()) and "frr version" not in frr
    shell.answer = lambda command: (0, "Error: redis not running", "")  # type: ignore[method-assign]
    with pytest.raises(DriverError, match="the running CONFIG_DB is not JSON"):
        d.read_db()


def test_stage_checks_the_merged_database_and_the_frr_config() -> None:
    shell = SonicShell()
    d = driver(shell, sudo=True)
    plan = d.prepare(rendered())
    uploaded = json.loads(shell.files[d.path("config_db.json")])
    assert uploaded == merged_db(image_db(), json.loads(rendered()["config_db.json"]))
    assert shell.files[d.path("frr.conf")] == rendered()["frr.conf"]
    assert shell.files[d.path("frr-backup.conf")] == normalize_frr(FRR_RUNNING.read_text())
    assert f"sudo -n config replace --dry-run {d.path('config_db.json')}" in shell.commands
    assert shell.container["/etc/frr/aidc-intended.conf"] == rendered()["frr.conf"]
    assert "+ PORT|Ethernet0 mtu=9216" in plan and "- PORT|Ethernet0 mtu=9100" in plan
    assert plan[-2:] == ["+ router bgp 4200110000", "+  no bgp ebgp-requires-policy"], "frr-reload's pending lines"
    assert not any(x.startswith("~ breakout") for x in plan), "no cage changes mode"
    assert shell.db == image_db() and d.candidate is not None and d.candidate.endswith(SEPARATOR)


def test_a_refused_dry_run_cleans_up() -> None:
    shell = SonicShell()
    d = driver(shell)
    arts = rendered()
    db = json.loads(arts["config_db.json"])
    db["PORT"]["Ethernet999"] = {"mtu": "9216"}  # a port the image does not have: no lanes to keep
    arts["config_db.json"] = json.dumps(db)
    with pytest.raises(DriverError, match=r"`config replace` refused .*Ethernet999: mandatory leaf 'lanes'"):
        d.prepare(arts)
    assert shell.commands[-1].startswith("rm -f ") and d.path("config_db.json") not in shell.files
    with pytest.raises(DriverError, match=r"rendered config_db\.json is not JSON"):
        d.prepare({"config_db.json": "{", "frr.conf": ""})
    with pytest.raises(DriverError, match=r"spine01: breakout\.sh:1: not a dynamic port breakout command"):
        d.prepare({**rendered(), "breakout.sh": "config load -y other.json\n"})


def test_apply_and_confirm() -> None:
    shell = SonicShell()
    d = driver(shell, confirm_timeout=120)
    d.prepare(rendered())
    d.activate()
    assert shell.checkpoints.keys() == {d.checkpoint}
    assert shell.watchdog == {"seconds": 120, "marker": d.path("pending")}
    assert shell.db == merged_db(image_db(), json.loads(rendered()["config_db.json"]))
    assert normalize_frr(shell.frr) == normalize_frr("frr version 8.4.4\n" + rendered()["frr.conf"])
    i = shell.commands.index(f"config checkpoint {d.checkpoint}")
    assert shell.commands[i + 2:i + 4] == [f"config replace {d.path('config_db.json')}",
                                           f"docker cp {d.path('frr.conf')} bgp:/etc/frr/aidc-intended.conf"]
    d.read_running()
    d.confirm()
    assert shell.watchdog is None and shell.saved and shell.checkpoints == {}
    assert not any(k.startswith(sonic.UPLOAD_DIR) for k in shell.files), "uploads removed"


def test_a_watchdog_that_already_rolled_back_fails_the_confirm() -> None:
    shell = SonicShell()
    d = driver(shell)
    push(d, rendered())
    shell.watchdog = None  # it fired: the marker is gone
    with pytest.raises(DriverError, match="rolled the commit back before the confirm arrived"):
        d.confirm()
    assert not shell.saved


def test_a_restore_waits_for_a_watchdog_already_rolling_back() -> None:
    """The session came back after the deadline: the watchdog claimed the marker and is breaking
    the cages back. The restore waits for it rather than rolling back beside it (the device
    would run every breakout twice, the second time under a rollback already under way)."""
    shell = SonicShell()
    d = driver(shell, confirm_timeout=60)
    b = d.backup()
    d.prepare(with_breakout())
    d.activate()
    d.read_running()
    n = len(shell.commands)
    ckpt = copy.deepcopy(shell.checkpoints[d.checkpoint])
    shell.watchdog, shell.firing = None, 3  # it fired: three polls until it is done
    shell.db, shell.frr = ckpt, FRR_RUNNING.read_text()  # what it leaves once done
    rep = d.restore(b)
    assert rep.ok and rep.steps[0].detail == "rolled back by the device's commit timer", rep
    after = shell.commands[n:]
    assert sum(c.startswith("[ -e ") for c in after) == 3, after
    assert not any("config interface breakout" in c or "config rollback" in c for c in after), after
    assert shell.db == image_db()


def test_restore_rolls_back_to_the_checkpoint_and_the_backup_frr() -> None:
    shell = SonicShell()
    d = driver(shell)
    assert push_then_restore(d, rendered(), confirm=False) == ["rollback"]
    assert shell.db == image_db() and shell.watchdog is None
    assert normalize_frr(shell.frr) == normalize_frr(FRR_RUNNING.read_text())
    assert f"config rollback {d.checkpoint}" in shell.commands


def test_restore_after_a_confirm_replaces_with_the_backup() -> None:
    shell = SonicShell()
    d = driver(shell)
    assert push_then_restore(d, rendered(), confirm=True) == ["rollback", "replace"]
    assert shell.db == image_db()
    assert f"config rollback {d.checkpoint}" not in shell.commands, "nothing was pending"


def with_breakout() -> dict[str, str]:
    arts = rendered()
    db = json.loads(arts["config_db.json"])
    db["BREAKOUT_CFG"] = {"Ethernet8": {"brkout_mode": MODE}, "Ethernet0": {"brkout_mode": IMAGE_MODE}}
    arts["config_db.json"] = json.dumps(db)
    arts["breakout.sh"] = f"#!/bin/sh\nset -e\n{dpb_command('Ethernet8', MODE)}\n"
    return arts


def test_a_breakout_runs_inside_the_checkpoint_and_goes_back_on_restore() -> None:
    shell = SonicShell()
    d = driver(shell, confirm_timeout=60)
    b = d.backup()
    plan = d.prepare(with_breakout())
    assert d.breakouts == (("Ethernet8", IMAGE_MODE, MODE),)
    assert plan[0] == f"~ breakout Ethernet8 {IMAGE_MODE} -> {MODE}"
    d.activate()
    assert shell.watchdog is not None and shell.watchdog["seconds"] == 60 + sonic.DPB_SECONDS
    assert shell.watchdog["rearmed"] == 60, "the last cage re-arms the watchdog at the confirm timeout"
    ckpt = shell.commands.index(f"config checkpoint {d.checkpoint}")
    dpb = next(i for i, c in enumerate(shell.commands) if c.startswith(dpb_command("Ethernet8", MODE)))
    replace = shell.commands.index(f"config replace {d.path('config_db.json')}")
    assert ckpt < dpb < replace and shell.commands[replace - 1] == "show runningconfiguration all"
    assert shell.db["BREAKOUT_CFG"]["Ethernet8"] == {"brkout_mode": MODE}
    d.read_running()
    rep = d.restore(b)
    assert rep.ok, rep
    assert dpb_command("Ethernet8", IMAGE_MODE) in shell.commands, "the cage is broken out back"
    assert shell.db == image_db()


def test_the_watchdog_script_rolls_back_unless_confirmed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The script the device runs, run by a real ``sh``: ``config`` and ``docker`` log their
    arguments; the deadline is already past, so it acts at once."""
    monkeypatch.setattr(sonic, "UPLOAD_DIR", str(tmp_path))
    shell = SonicShell()
    d = driver(shell, sudo=True)
    d.prepare(with_breakout())
    script = d.watchdog(30)
    assert script.startswith("#!/bin/sh\n# aidc rollback watchdog for spine01: rolls back unless confirmed within 30 s")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "log"
    for tool in ("config", "docker", "sudo"):
        body = 'exec "$@"' if tool == "sudo" else f'echo "{tool} $*" >> {shlex.quote(str(log))}'
        (bin_ / tool).write_text(f"#!/bin/sh\n{'shift; ' if tool == 'sudo' else ''}{body}\n")
        (bin_ / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}"}
    (tmp_path / f"{d.tag}-deadline").write_text("1\n")

    def run() -> list[str]:
        subprocess.run(["sh", "-c", script], env=env, timeout=30, check=True)
        return log.read_text().splitlines() if log.exists() else []

    assert run() == [], "no pending marker: the commit was confirmed, nothing to do"
    (tmp_path / f"{d.tag}-pending").write_text("")
    assert run() == [
        f"config interface breakout Ethernet8 {IMAGE_MODE} -y -f",
        f"config rollback {d.checkpoint}",
        f"docker cp {d.path('frr-backup.conf')} bgp:/etc/frr/aidc-backup.conf",
        f"docker exec bgp {sonic.FRR_RELOAD} --reload --stdout /etc/frr/aidc-backup.conf",
    ]
    assert not any((tmp_path / f"{d.tag}-{f}").exists() for f in ("pending", "deadline", "firing"))
    assert (tmp_path / f"{d.tag}-fired").exists(), "a restore after it knows the device rolled back by itself"


def test_the_watchdog_never_reads_a_deadline_being_re_armed_as_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each cage broken out re-arms the deadline while the watchdog polls it. A reader must never
    find the file empty (``>`` truncates first: the watchdog then took the deadline as passed
    and rolled the device back in the middle of the push, under load about one read in five)."""
    monkeypatch.setattr(sonic, "UPLOAD_DIR", str(tmp_path))
    d = driver(SonicShell())
    deadline = tmp_path / f"{d.tag}-deadline"
    subprocess.run(["sh", "-c", d._arm(3600)], check=True)
    writer = subprocess.Popen(["sh", "-c", f"i=0; while [ $i -lt 1500 ]; do {d._arm(3600)}; i=$((i+1)); done"])
    seen: list[str] = []
    try:
        while writer.poll() is None:
            seen.append(deadline.read_text().strip())
    finally:
        writer.wait(60)
    assert writer.returncode == 0 and len(seen) > 100, len(seen)
    assert [x for x in seen if not x.isdigit()] == [], "the deadline was read while being rewritten"


def test_the_watchdog_waits_on_an_unreadable_deadline_and_exits_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sonic, "UPLOAD_DIR", str(tmp_path))
    d = driver(SonicShell())
    script = tmp_path / "watchdog.sh"
    script.write_text(d.watchdog(30))
    (tmp_path / f"{d.tag}-pending").write_text("")
    (tmp_path / f"{d.tag}-deadline").write_text("")
    proc = subprocess.Popen(["sh", str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(2.5)
        assert (tmp_path / f"{d.tag}-pending").exists(), "an empty deadline is not a passed one"
        (tmp_path / f"{d.tag}-deadline").unlink()  # the confirm's clean-up: nothing left to guard
        assert proc.wait(5) == 0
    finally:
        proc.kill()
        proc.wait()
    assert (tmp_path / f"{d.tag}-pending").exists() and not (tmp_path / f"{d.tag}-firing").exists()
