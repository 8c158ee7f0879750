"""SONiC dynamic port breakout on apply, against the SONiC STAND-IN (``tests.standins.sonic``: the
SONiC image cannot run here; its ``config interface breakout`` re-lays the cage out from the
platform's own platform.json in ``../shared/vendor/sonic``, see ``tests/vendor/sonic_check.py``).

The switch is lab-mini's compute leaf ``su1-leaf-rail0`` (Mellanox SN2700, image default
``1x100G`` on every cage) with the compute tier designed at ``2x50G``: every cage must be broken
out before the rendered CONFIG_DB can apply (its ports Ethernet2, Ethernet6, ... exist only after
the breakout). The stand-in starts from the CONFIG_DB a fresh SN2700 image holds
(``sku-base/Mellanox-SN2700.json``). Tested: plan shows the breakout, apply breaks every cage out
inside the checkpoint and before ``config replace``, a lost session after the commit and an
expired confirm both restore the image's layout, and an apply of a switch already in the
designed modes runs no breakout at all.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.standin_apply.conftest import LAB_MINI, NO_SSHD, Vendor
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.plan.apply import apply
from toolkit.plan.planner import plan
from toolkit.plan.store import TargetStore
from toolkit.rules import validate
from toolkit.spec import load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vendor"))
from sonic_check import children
from sonic_yang import SKU_BASE

DEVICE = "su1-leaf-rail0"
HWSKU = "Mellanox-SN2700"
PLATFORM = "x86_64-mlnx_msn2700-r0"
MODE = "2x50G[25G,10G]"
IMAGE_MODE = "1x100G[50G,40G,25G,10G]"
DPB = r"^config interface breakout (Ethernet\d+) '?([^' ]+)'? -y -f$"
"""A DPB command, in breakout.sh (mode quoted) or in the stand-in's transcript (arguments joined)."""
CONFIRM = 30


def _sequence() -> list[str]:
    """One SONiC apply with a breakout of every cage, as the stand-in's transcript logs it: the
    sequence without one (test_transcripts.py) with the breakouts, in port order, after the
    checkpoint and the CONFIG_DB read again before ``config replace``."""
    from tests.standin_apply.test_transcripts import EXPECTED

    plain = EXPECTED["sonic"]
    ckpt = next(i for i, x in enumerate(plain) if x.startswith("config checkpoint")) + 1
    dpbs = [rf"config interface breakout Ethernet{4 * i} {re.escape(MODE)} -y -f" for i in range(32)]
    return [*plain[:ckpt], *dpbs, "show runningconfiguration all", *plain[ckpt:]]


pytestmark = pytest.mark.skipif(
    not (SKU_BASE / f"{HWSKU}.json").exists(), reason=f"SONiC vendor data not found: {SKU_BASE} (../shared/vendor)"
)


@functools.cache
def _fabric() -> Fabric:
    """lab-mini with the compute tier at 2x50G (server NICs at 50G): validate finds nothing."""
    import tempfile

    dest = Path(tempfile.mkdtemp(prefix="aidc-dpb-")) / "spec"
    try:
        shutil.copytree(LAB_MINI, dest)
        nets = yaml.safe_load((dest / "networks.yml").read_text())
        nets["networks"]["compute"]["leaf"]["breakout"] = "2x50G"
        nets["networks"]["compute"]["spine"]["breakout"] = "2x50G"
        (dest / "networks.yml").write_text(yaml.safe_dump(nets, sort_keys=False))
        cat = (dest / "catalog.yml").read_text().replace("speed: 100G, gpu", "speed: 50G, gpu")
        (dest / "catalog.yml").write_text(cat)
        spec = load(dest).spec
        assert spec is not None
        assert [f for f in validate(spec, platform="sonic") if f.severity == "error"] == []
        return design(spec, platform="sonic")
    finally:
        shutil.rmtree(dest.parent, ignore_errors=True)


def _image_db() -> str:
    db = json.loads((SKU_BASE / f"{HWSKU}.json").read_text())
    db["DEVICE_METADATA"]["localhost"]["hostname"] = DEVICE
    return json.dumps(db, indent=4, sort_keys=True) + "\n"


@pytest.fixture
def dpb(tmp_path: Path) -> Any:
    if NO_SSHD:
        pytest.skip(NO_SSHD)
    v = Vendor("sonic", tmp_path, _fabric())
    try:
        yield v
    finally:
        v.stop()


def _standin_dpb(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``config interface breakout <args>`` on the stand-in of state folder ``folder`` (as an
    operator's shell on the device would run it)."""
    tool = Path(__file__).resolve().parents[1] / "standins" / "sonic.py"
    return subprocess.run([sys.executable, str(tool), "config", "interface", "breakout", *args],
                          env={"AIDC_STANDIN_DIR": str(folder), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, check=False)


def _modes(s: Any) -> dict[str, str]:
    return {p: r["brkout_mode"] for p, r in json.loads(s.state.running)["BREAKOUT_CFG"].items()}


def _dpb_lines(s: Any) -> list[tuple[str, str]]:
    return [m.groups() for x in s.transcript() if (m := re.match(DPB, x))]  # type: ignore[misc]


def test_rendered_switch_needs_a_breakout_of_every_cage(dpb: Vendor) -> None:
    files = dpb.files(DEVICE)
    assert "breakout.sh" in files
    assert len(re.findall(DPB, files["breakout.sh"], flags=re.M)) == 32


def test_plan_shows_the_breakout_and_apply_performs_it_before_the_config(dpb: Vendor) -> None:
    s = dpb.start(DEVICE, _image_db(), confirm_timeout=CONFIRM)
    p = plan(dpb.fabric, dpb.artifacts(), dpb.target())
    d = p.devices[0]
    assert d.status == "create", d
    shown = {f.name: f.diff for f in d.files}
    assert "breakout.sh" in shown, sorted(shown)
    assert "+config interface breakout Ethernet0 '2x50G[25G,10G]' -y -f" in shown["breakout.sh"]

    planned = len(s.transcript())
    res = apply(dpb.fabric, dpb.artifacts(), dpb.target())
    r = res.device(DEVICE)
    assert res.ok and r.status == "changed" and r.applied_advanced, r
    # the device now has the designed layout: two 50G ports per cage, lanes from platform.json
    running = json.loads(s.state.running)
    assert set(_modes(s).values()) == {MODE}
    for parent in _modes(s):
        for name, want in children(PLATFORM, parent, MODE).items():
            port = running["PORT"][name]
            assert port["lanes"] == want["lanes"] and port["alias"] == want["alias"], (name, port)
            assert port["speed"] == "50000", (name, port)
    assert all(p.get("lanes") for p in running["PORT"].values()), "no port without lanes"
    # the exact command sequence: checkpoint, every cage broken out in port order, CONFIG_DB read
    # again and replaced, FRR reloaded, read back, confirmed
    got = s.transcript()[planned:]
    want = _sequence()
    assert len(got) == len(want) and re.fullmatch("\n".join(want), "\n".join(got)), "\n".join(
        f"{g!r:70} {w}" for g, w in zip(got, want, strict=False))
    # what changed on the device names the new modes
    assert any("2x50G" in x for x in r.frr_changes), r.frr_changes[:5]

    p2 = plan(dpb.fabric, dpb.artifacts(), dpb.target())
    assert [x.status for x in p2.devices] == ["unchanged"] and p2.exit_code == 0, p2.devices


def test_reapply_is_a_noop_and_a_switch_already_broken_out_is_not_broken_out_again(dpb: Vendor) -> None:
    s = dpb.start(DEVICE, _image_db(), confirm_timeout=CONFIRM)
    assert apply(dpb.fabric, dpb.artifacts(), dpb.target()).ok
    n = len(s.transcript())
    again = apply(dpb.fabric, dpb.artifacts(), dpb.target())
    assert again.ok and again.device(DEVICE).status == "unchanged", again.device(DEVICE)
    assert not any(re.match(DPB, x) for x in s.transcript()[n:]), "no breakout on a re-apply"
    # the record lost (another operator's state dir): the driver itself skips cages in their mode
    shutil.rmtree(dpb.target().root)
    n = len(s.transcript())
    fresh = apply(dpb.fabric, dpb.artifacts(), dpb.target())
    assert fresh.ok, fresh.device(DEVICE)
    assert not any(re.match(DPB, x) for x in s.transcript()[n:]), s.transcript()[n:]
    assert set(_modes(s).values()) == {MODE}


def test_one_cage_changed_back_is_the_only_breakout(dpb: Vendor) -> None:
    """A switch whose Ethernet0 was put back into the image's mode by hand: only that cage."""
    s = dpb.start(DEVICE, _image_db(), confirm_timeout=CONFIRM)
    assert apply(dpb.fabric, dpb.artifacts(), dpb.target()).ok
    assert _standin_dpb(s.dir, "Ethernet0", IMAGE_MODE, "-y", "-f").returncode == 0
    assert _modes(s)["Ethernet0"] == IMAGE_MODE
    n = len(s.transcript())
    res = apply(dpb.fabric, dpb.artifacts(), dpb.target())
    assert res.ok and res.device(DEVICE).status == "changed", res.device(DEVICE)
    assert _dpb_lines(s)[-1:] == [("Ethernet0", MODE)]
    assert [x for x in s.transcript()[n:] if re.match(DPB, x)] == [f"config interface breakout Ethernet0 {MODE} -y -f"]
    assert _modes(s)["Ethernet0"] == MODE


def test_session_lost_after_the_commit_restores_the_image_layout(dpb: Vendor) -> None:
    s = dpb.start(DEVICE, _image_db(), confirm_timeout=CONFIRM)
    before = s.state.running
    s.inject(r"^config replace /", "drop", when="after")
    res = apply(dpb.fabric, dpb.artifacts(), dpb.target())
    d = res.device(DEVICE)
    assert not res.ok and d.status == "restored" and not d.applied_advanced, d
    assert s.state.running == before, "CONFIG_DB exactly as before (ports, buffers, cable lengths)"
    assert set(_modes(s).values()) == {IMAGE_MODE}
    back = [(p, m) for p, m in _dpb_lines(s) if m == IMAGE_MODE]
    assert len(back) == 32, "every cage broken out back to the image's mode before the rollback"
    t = s.transcript()
    assert max(i for i, x in enumerate(t) if re.match(DPB, x)) < max(
        i for i, x in enumerate(t) if x.startswith("config rollback ")
    )
    assert TargetStore(dpb.target().root).record(DEVICE) is None


def test_a_watchdog_rolling_back_while_the_session_comes_back_is_waited_for(dpb: Vendor) -> None:
    """The session drops after ``config replace`` and the device is slow to let it back in (the
    reconnect's ``show version`` answers after 10 s): the watchdog (confirm 8 s) claims the
    rollback meanwhile and breaks the cages back, its last one taking 15 s. The restore finds it
    under way and waits for it instead of rolling back beside it: every cage goes back once, one
    rollback, the device exactly as before."""
    s = dpb.start(DEVICE, _image_db(), confirm_timeout=8)
    before = s.state.running
    s.inject(r"^config replace /", "drop", when="after")
    s.inject(r"^show version", "sleep", seconds=10, skip=1)  # the first one opens the apply
    s.inject(rf"^config interface breakout Ethernet0 {re.escape(IMAGE_MODE)}", "sleep", seconds=15)
    res = apply(dpb.fabric, dpb.artifacts(), dpb.target())
    d = res.device(DEVICE)
    assert not res.ok and d.status == "restored" and not d.applied_advanced, d
    assert "the device's own commit timer had rolled it back first" in d.message, d.message
    t = s.transcript()
    assert "# fault sleep at: show version" in t, "the reconnect was slow"
    assert s.state.running == before
    assert set(_modes(s).values()) == {IMAGE_MODE}
    assert len([p for p, m in _dpb_lines(s) if m == IMAGE_MODE]) == 32, "each cage broken out back once"
    assert sum(x.startswith("config rollback ") for x in t) == 1, [x for x in t if x.startswith("config ")]


def test_device_lost_after_the_breakout_rolls_back_by_its_watchdog(dpb: Vendor) -> None:
    s = dpb.start(DEVICE, _image_db(), confirm_timeout=8)
    before = s.state.running
    s.inject(r"^config replace /", "block", when="after")
    res = apply(dpb.fabric, dpb.artifacts(), dpb.target())
    d = res.device(DEVICE)
    assert not res.ok and not d.applied_advanced and "rolls it back by itself" in d.message, d
    assert s.wait_rolled_back(120)
    assert s.state.running == before
    assert set(_modes(s).values()) == {IMAGE_MODE}


def test_a_mode_the_platform_refuses_midway_restores_every_cage(dpb: Vendor) -> None:
    """The last cage asks for a mode SN2700's platform.json does not offer: SONiC refuses that
    breakout after 31 cages were re-laid out; the restore breaks them back and rolls back."""
    s = dpb.start(DEVICE, _image_db(), confirm_timeout=CONFIRM)
    before = s.state.running
    files = dict(dpb.files(DEVICE))
    db = json.loads(files["config_db.json"])
    db["BREAKOUT_CFG"]["Ethernet124"]["brkout_mode"] = "4x25G[10G]"
    files["config_db.json"] = json.dumps(db)
    files["breakout.sh"] = files["breakout.sh"].replace(
        f"Ethernet124 '{MODE}'", "Ethernet124 '4x25G[10G]'"
    )
    arts = {f"switches/{DEVICE}/{n}": t for n, t in files.items()}
    res = apply(dpb.fabric, arts, dpb.target())
    d = res.device(DEVICE)
    assert not res.ok and d.status == "restored" and not d.applied_advanced, d
    assert "config interface breakout Ethernet124" in (d.error or "") and "4x25G" in (d.error or ""), d.error
    assert s.state.running == before
    assert len([1 for _p, m in _dpb_lines(s) if m == IMAGE_MODE]) == 31
    assert TargetStore(dpb.target().root).record(DEVICE) is None


def test_breakout_script_lines_other_than_dpb_are_refused() -> None:
    from toolkit.drivers.sonic import breakout_changes, breakout_modes
    from toolkit.drivers.state import DriverError

    rendered = {"BREAKOUT_CFG": {"Ethernet0": {"brkout_mode": MODE}, "Ethernet4": {"brkout_mode": IMAGE_MODE}}}
    script = f"#!/bin/sh\n# comment\nset -e\nconfig interface breakout Ethernet0 '{MODE}' -y -f\n"
    want, relaid = breakout_modes(rendered, script)
    assert want == {"Ethernet0": MODE, "Ethernet4": IMAGE_MODE} and relaid == {"Ethernet0"}
    running = {"BREAKOUT_CFG": {"Ethernet0": {"brkout_mode": IMAGE_MODE}, "Ethernet4": {"brkout_mode": MODE}}}
    # Ethernet4 was broken out by hand: BREAKOUT_CFG puts it back, though breakout.sh does not list it
    assert breakout_changes(running, want, relaid) == (("Ethernet0", IMAGE_MODE, MODE), ("Ethernet4", MODE, IMAGE_MODE))
    assert breakout_changes({"BREAKOUT_CFG": {"Ethernet0": {"brkout_mode": MODE}, "Ethernet4": {
        "brkout_mode": IMAGE_MODE}}}, want, relaid) == ()
    with pytest.raises(DriverError, match=r"breakout.sh:3: not a dynamic port breakout command"):
        breakout_modes(rendered, "#!/bin/sh\n\nrm -rf /\n")
    with pytest.raises(DriverError, match="disagrees with BREAKOUT_CFG"):
        breakout_modes(rendered, "config interface breakout Ethernet4 '2x50G[25G,10G]' -y -f\n")


def test_standin_refuses_a_port_or_mode_the_platform_does_not_offer(tmp_path: Path) -> None:
    """The stand-in's DPB is checked against platform.json (real SONiC refuses both)."""
    from tests.standins.core import DeviceState

    st = DeviceState(tmp_path)
    st.running = _image_db()

    def dpb_cmd(*args: str) -> subprocess.CompletedProcess[str]:
        return _standin_dpb(tmp_path, *args)

    for args in (("Ethernet0", "3x33G", "-y", "-f"), ("Ethernet2", MODE, "-y", "-f"), ("Ethernet0", MODE, "-f")):
        cp = dpb_cmd(*args)
        assert cp.returncode == 1 and st.running == _image_db(), (args, cp.stdout, cp.stderr)
    cp = dpb_cmd("Ethernet0", MODE, "-y")
    assert cp.returncode == 1 and "use -f" in cp.stderr, cp.stderr  # buffers / queues reference Ethernet0
    cp = dpb_cmd("Ethernet0", MODE, "-y", "-f")
    assert cp.returncode == 0, cp.stderr
    db = json.loads(st.running)
    assert db["BREAKOUT_CFG"]["Ethernet0"]["brkout_mode"] == MODE
    assert db["PORT"]["Ethernet0"]["lanes"] == "0,1" and db["PORT"]["Ethernet2"]["lanes"] == "2,3"
