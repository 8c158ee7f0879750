"""InfiniBand twin benchmark: design + render, ibsim + opensm to SUBNET UP, the standby SM,
one `infiniband` health check run; prints figures (no asserts).

    python bench/ib_twin_bench.py [SPEC ...]      (default: inventory/examples/superpod-ib-4su)

Needs Debian's ibsim-utils, opensm and infiniband-diags (make apt); no root.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.design import design  # noqa: E402
from toolkit.health.ib import IbLabTarget  # noqa: E402
from toolkit.health.runner import run_checks  # noqa: E402
from toolkit.lab import ib as twin  # noqa: E402
from toolkit.render import infiniband  # noqa: E402
from toolkit.render.core import environment  # noqa: E402
from toolkit.spec.loader import load_or_raise  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench(spec_path: str) -> None:
    t0 = time.monotonic()
    spec, _ = load_or_raise(spec_path)
    fabric = design(spec)
    arts = infiniband.render(fabric, environment())
    t_design = time.monotonic() - t0
    ib = fabric.infiniband
    assert ib is not None
    hcas = sum(1 for n in ib.nodes.values() if n.kind == "hca")
    switches = len(ib.nodes) - hcas
    with tempfile.TemporaryDirectory(prefix="aidc-ib-bench-") as state:
        t1 = time.monotonic()
        st = twin.ib_up(fabric, arts, state)
        t_up = time.monotonic() - t1
        try:
            for sm in ib.subnet_managers:
                if sm.role == "standby":
                    twin.wait_standby(st, sm.device)
            t_standby = time.monotonic() - t1
            rss = {name: rss_mib(pid) for name, pid in st.pids.items() if name != "holder"}
            t2 = time.monotonic()
            report = run_checks(fabric, IbLabTarget(fabric.name, state).spec(), layers=["infiniband"], timeout=1800)
            t_check = time.monotonic() - t2
        finally:
            twin.ib_down(st)
    lr = report.layers["infiniband"]
    print(f"{fabric.name}: {switches} switches, {hcas} HCAs, {len(ib.subnet_managers)} SMs")
    print(f"  design + render IB files  {t_design:6.2f} s")
    print(f"  twin up to SUBNET UP      {t_up:6.2f} s  (ibsim start + master opensm, QoS {'on' if ib.qos else 'off'})")
    print(f"  standby SM in STANDBY     {t_standby:6.2f} s from start")
    print(f"  infiniband check          {t_check:6.2f} s  {lr.passed} passed, {lr.failed} failed")
    print("  memory (RSS)              " + ", ".join(f"{k} {v:.0f} MiB" for k, v in rss.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("specs", nargs="*", default=[str(ROOT / "inventory/examples/superpod-ib-4su")])
    for s in ap.parse_args().specs:
        bench(s)


if __name__ == "__main__":
    main()
