"""FRR truth for the running-config form: the rendered frr.conf of a switch, loaded into real FRR
daemons the way the ``frr`` apply driver loads it (``frr-reload.py --reload``), must be exactly
what ``show running-config`` prints back, compared the way ``aidc plan`` compares them
(``toolkit.plan.planner.running_check``: the normalised running text against the normalised
desired frr.conf). Any line FRR reorders, rewrites or leaves out (a default, e.g.
``no bgp ebgp-requires-policy`` under ``frr defaults datacenter``) would be a permanent
difference in every plan of a device that was never applied by this target.

Cases: every switch of lab-mini forced to ``--platform frr`` (what the twin runs) and the first switch of each role of
superpod-1su forced to ``--platform frr`` (business leaves with external route-maps, OOB
switches without BGP), and the SONiC frr.conf (same template, FRR in the bgp container) of the
first switch of each role of lab-mini and superpod-1su that has no tenant VRF (the VRF of an L3VNI
needs a kernel VRF device, which this machine cannot create). Daemons run in namespaces this
test makes and removes (frr_running.py).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from toolkit.drivers.frr import normalize_frr
from toolkit.drivers.state import RunningState
from toolkit.netstate import NetSnapshot
from toolkit.plan.desired import DesiredDevice, DesiredFile
from toolkit.plan.planner import running_check
from toolkit.plan.store import TargetStore

corpus = pytest.importorskip("corpus")
frr_running = pytest.importorskip("frr_running")

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(frr_running.available() is not None, reason=str(frr_running.available())),
]


def _case(label: str, files: dict[str, str]) -> tuple[str, str, str]:
    conf = files["frr.conf"]
    m = re.search(r"^hostname (\S+)$", conf, re.M)
    assert m, label
    return label, m.group(1), conf


def _cases() -> list[tuple[str, str, str]]:
    """(label, hostname, frr.conf) of the switches checked."""
    out = []
    fab = corpus.fabric("lab-mini", "frr")
    for dev in fab.switches():
        if dev.platform == "frr":
            out.append(_case(f"lab-mini/frr/{dev.name}", corpus.render_device(dev, fab, corpus.env())))
    for example, mode, platform in (("superpod-1su", "frr", "frr"), ("lab-mini", corpus.NATIVE, "sonic"),
                                    ("superpod-1su", corpus.NATIVE, "sonic")):
        fab = corpus.fabric(example, mode)
        seen: set[str] = set()
        for dev in fab.switches():
            if dev.platform != platform or dev.role in seen:
                continue
            case = _case(f"{example}/{mode}/{dev.name}", corpus.render_device(dev, fab, corpus.env()))
            if re.search(r"^vrf ", case[2], re.M):  # tenant VRFs need VRF devices: not on this kernel
                continue
            seen.add(dev.role)
            out.append(case)
    return out


def plan_difference(device: str, conf: str, shown: str, tmp: Path) -> str:
    """The diff ``aidc plan`` prints for a never-applied frr switch running ``shown``."""
    dd = DesiredDevice(device=device, kind="switch", role="leaf", platform="frr",
                       files={"frr.conf": DesiredFile(artifact=f"switches/{device}/frr.conf", text=conf)})
    chk = running_check(dd, TargetStore(tmp), RunningState(frr=normalize_frr(shown), net=NetSnapshot()))
    assert chk is not None and chk.readable
    return chk.diff


def test_running_config_is_the_rendered_frr_conf(tmp_path: Path) -> None:
    cases = _cases()
    assert len(cases) >= 14 + 5, [c[0] for c in cases]
    with ThreadPoolExecutor(max_workers=2) as pool:
        shown = list(pool.map(lambda c: frr_running.running_config(c[2], c[1])[0], cases))
    bad = {}
    for (label, _host, conf), text in zip(cases, shown, strict=True):
        diff = plan_difference(label.rsplit("/", 1)[1], conf, text, tmp_path)
        if diff:
            bad[label] = diff
    shown_diffs = "\n".join(f"{k}:\n{v}" for k, v in list(bad.items())[:3])
    assert not bad, f"FRR prints {len(bad)}/{len(cases)} configs back differently ({sorted(bad)}):\n{shown_diffs}"


# lines FRR accepts but prints differently or not at all (frr defaults datacenter, FRR 8.4)
REWRITTEN = [
    (" bgp router-id ", " no bgp ebgp-requires-policy\n", "a default under frr defaults datacenter"),
    (" bgp router-id ", " timers bgp 3 9\n", "the datacenter profile's BGP timers"),
    ("  redistribute connected", "  maximum-paths 64\n", "FRR prints maximum-paths after the neighbors"),
]


@pytest.mark.parametrize(("after", "line", "why"), REWRITTEN, ids=[r[2] for r in REWRITTEN])
def test_a_line_frr_rewrites_is_a_difference(tmp_path: Path, after: str, line: str, why: str) -> None:
    """The comparison is able to fail: inject a line FRR accepts but does not print as written."""
    _label, host, conf = next(c for c in _cases() if c[0] == "lab-mini/frr/fe-leaf01")
    at = conf.index("\n", conf.index(after)) + 1
    bad = conf[:at] + line + conf[at:]
    if "maximum-paths 64" in line:
        bad = bad.replace("  maximum-paths 2\n", "", 1)
    shown, _ = frr_running.running_config(bad, host)
    diff = plan_difference("fe-leaf01", bad, shown, tmp_path)
    assert diff, f"{why}: no difference found"
    assert any(ln[1:] == line.rstrip("\n") for ln in diff.splitlines() if ln[:1] in "+-"), diff
