"""The plan's running-state check (toolkit.plan.planner.running_check), without a device: the
running state is built the way the drivers build it. Issue #12 ("an engine that never lies"):
a vendor switch's running text is never diffed against frr.conf under the name frr.conf."""

from __future__ import annotations

from pathlib import Path

from toolkit.drivers.state import RunningState
from toolkit.netstate import NetSnapshot
from toolkit.plan.desired import DesiredDevice, DesiredFile
from toolkit.plan.planner import running_check
from toolkit.plan.store import AppliedRecord, TargetStore, iso, sha256

FRR = "frr version 8.4\nhostname leaf1\nrouter bgp 65101\n bgp router-id 10.0.0.1\nexit\n"


def _device(platform: str) -> DesiredDevice:
    files = {"frr.conf": DesiredFile(artifact="switches/leaf1/frr.conf", text=FRR)}
    if platform == "sonic":
        files["config_db.json"] = DesiredFile(artifact="switches/leaf1/config_db.json", text="{}\n")
    return DesiredDevice(device="leaf1", kind="switch", role="leaf", platform=platform, files=files)


def test_never_applied_frr_switch_shows_what_frr_reload_faces(tmp_path: Path) -> None:
    chk = running_check(_device("frr"), TargetStore(tmp_path), RunningState(frr="hostname leaf1\n", net=NetSnapshot()))
    assert chk is not None and chk.readable
    assert "desired/leaf1/frr.conf" in chk.diff and "+router bgp 65101" in chk.diff and chk.added > 0


def test_never_applied_vendor_switch_is_not_diffed_against_frr_conf(tmp_path: Path) -> None:
    running = RunningState(frr='{"DEVICE_METADATA": {}}\nhostname leaf1\n', net=NetSnapshot())
    chk = running_check(_device("sonic"), TargetStore(tmp_path), running)
    assert chk is not None and chk.readable and chk.fingerprint
    assert chk.diff == "" and chk.added == chk.removed == 0


def test_drift_of_a_vendor_switch_is_named_as_its_running_config(tmp_path: Path) -> None:
    store = TargetStore(tmp_path)
    before = RunningState(frr="hostname leaf1\n", net=NetSnapshot())
    rec = AppliedRecord(
        device="leaf1",
        kind="switch",
        apply_id="a",
        applied_at=iso(),
        files={"frr.conf": sha256(FRR)},
        running_fingerprint=before.fingerprint(),
    )
    store.save_applied(rec, {"frr.conf": FRR}, before)
    now = RunningState(frr="hostname leaf1\nlogging host 192.0.2.9\n", net=NetSnapshot())
    chk = running_check(_device("eos"), store, now)
    assert chk is not None and chk.matches_applied is False
    assert "running/leaf1/running-config" in chk.diff and "frr.conf" not in chk.diff
    assert "+logging host 192.0.2.9" in chk.diff and chk.added == 1
    frr = running_check(_device("frr"), store, now)
    assert frr is not None and "running/leaf1/frr.conf" in frr.diff
