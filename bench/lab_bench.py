"""Benchmark of the digital twin (figures, not assertions; needs root, FRR, sshd, lldpd).

For each case: design + render (frr platform), ``lab up``, ``apply`` (switches over SSH,
hosts through Ansible), time until every expected BGP session of the scope is Established,
``check`` (all layers), memory of the lab (RSS and PSS of every process in its namespaces), and
``lab down``. Each case runs in its own state directory and is torn down even when it fails.

Usage: python bench/lab_bench.py [lab-mini] [superpod-1su:su1] ...   (default: both)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.design import design  # noqa: E402
from toolkit.design.model import Fabric  # noqa: E402
from toolkit.health import LAYERS, run_checks  # noqa: E402
from toolkit.lab import lab_down, lab_status, lab_up  # noqa: E402
from toolkit.lab.observe import wait_bgp  # noqa: E402
from toolkit.plan import apply  # noqa: E402
from toolkit.render import render  # noqa: E402
from toolkit.spec import load  # noqa: E402
from toolkit.targets import LabTarget  # noqa: E402

EXAMPLES = ROOT / "inventory" / "examples"
DEFAULT = ("lab-mini", "superpod-1su:su1")


def expected_peers(fabric: Fabric, devices: set[str]) -> dict[str, list[str]]:
    """BGP sessions of the switches in the lab whose peer is in the lab too, named as
    ``show bgp summary`` names them (the port's ifname when unnumbered, else the peer address)."""
    out: dict[str, list[str]] = {}
    for name in sorted(devices):
        dev = fabric.devices[name]
        if not dev.is_switch:
            continue
        peers = []
        for n in dev.bgp:
            if n.peer_device not in devices:
                continue
            peers.append(dev.port(n.interface).ifname if n.unnumbered and n.interface else str(n.peer_address))
        if peers:
            out[name] = peers
    return out


def run_case(example: str, scope: str | None) -> dict[str, Any]:
    fig: dict[str, Any] = {"case": f"{example}{':' + scope if scope else ''}"}
    state = Path(tempfile.mkdtemp(prefix="aidc-labbench-"))
    t = time.monotonic()
    spec = load(EXAMPLES / example).spec
    assert spec is not None, f"{example} does not load: run aidc validate"
    fabric = design(spec, platform="frr")
    artifacts = render(fabric)
    fig["design_render_s"] = round(time.monotonic() - t, 1)
    cluster = fabric.name
    try:
        t0 = time.monotonic()
        st = lab_up(fabric, state, scope)
        fig["lab_up_s"] = round(time.monotonic() - t0, 1)
        names = {n.device for n in st.topology.nodes}
        fig["devices"] = len(names)
        fig["cables"] = len(st.topology.links)
        t = time.monotonic()
        res = apply(fabric, artifacts, LabTarget(cluster, state))
        fig["apply_s"] = round(time.monotonic() - t, 1)
        fig["apply_ok"] = res.ok
        peers = expected_peers(fabric, names)
        bgp = wait_bgp(cluster, state, list(peers), timeout=120, peers=peers)
        fig["bgp_sessions"] = sum(len(v) for v in peers.values())
        fig["bgp_established"] = bgp.ok
        fig["bgp_established_after_up_s"] = round(time.monotonic() - t0, 1)
        t = time.monotonic()
        # the network flow: apply pushes no storage here, so the storage layer is left out
        # (bench/storage_bench.py measures Ceph from apply to HEALTH_OK and its checks)
        report = run_checks(fabric, LabTarget(cluster, state), None, [la for la in LAYERS if la != "storage"])
        fig["check_s"] = round(time.monotonic() - t, 1)
        fig["checks_passed"] = report.passed
        fig["checks_failed"] = report.failed
        fig["checks_not_applicable"] = report.not_applicable
        fig["nothing_to_green_s"] = round(time.monotonic() - t0, 1)
        status = lab_status(cluster, state)
        fig["lab_rss_mib"] = round(sum(n.rss_kib for n in status.nodes) / 1024)
        fig["lab_pss_mib"] = round(sum(n.pss_kib for n in status.nodes) / 1024)
        if report.failed:
            fig["failures"] = [r.message for r in report.failures()][:5]
    finally:
        t = time.monotonic()
        down = lab_down(cluster, state)
        fig["lab_down_s"] = round(time.monotonic() - t, 1)
        fig["down_errors"] = down.errors
        shutil.rmtree(state, ignore_errors=True)
    return fig


def main() -> None:
    cases = [a for a in sys.argv[1:] if not a.startswith("-")] or list(DEFAULT)
    for case in cases:
        example, _, scope = case.partition(":")
        fig = run_case(example, scope or None)
        print("  ".join(f"{k}={v}" for k, v in fig.items()), flush=True)


if __name__ == "__main__":
    main()
