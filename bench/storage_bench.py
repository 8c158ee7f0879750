"""Benchmark of storage in the twin (figures, not assertions; needs root and Debian's ceph packages).

lab-mini from nothing: ``lab up``, ``apply`` of the network only, then the storage phase of
``apply`` (playbooks/ceph.yml, packages mode: mon x3, mgr x2, 3 memstore OSDs, radosgw) until
HEALTH_OK with every PG active+clean (the playbook's last task waits for it), ``check`` of every
layer, the memory of the Ceph daemons (RSS and PSS, by PID), ``lab down``.

Then where the storage phase spends its time: every playbook task's wall-clock seconds (from one
task's start to the next's; the last task of the playbook up to its end), largest first, and the
time of one S3 round trip of the storage check (a GPU server to the gateway, across the fabric).

Usage: python bench/storage_bench.py      (takes the machine-wide lab lock like the lab tests)
"""

from __future__ import annotations

import fcntl
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.design import design  # noqa: E402
from toolkit.health import run_checks  # noqa: E402
from toolkit.lab import lab_down, lab_up, load_state  # noqa: E402
from toolkit.lab import storage as lab_storage  # noqa: E402
from toolkit.lab.processes import pss_kib  # noqa: E402
from toolkit.plan import apply  # noqa: E402
from toolkit.render import render  # noqa: E402
from toolkit.spec import load  # noqa: E402
from toolkit.targets import LabTarget  # noqa: E402

LOCK = "/tmp/aidc-lab-tests.lock"


def _timed_playbooks(timeline: list[tuple[float, str]]) -> None:
    """Record every task start of the storage playbooks (the apply code is unchanged: the runner
    function it imports is wrapped)."""
    from toolkit.drivers import ansible_runner

    real = ansible_runner.run_playbook

    def run_playbook(*args, on_event=None, **kwargs):  # type: ignore[no-untyped-def]
        def hook(ev):  # type: ignore[no-untyped-def]
            if ev.kind == "task":
                timeline.append((time.monotonic(), f"{ev.play} / {ev.task}"))
            if on_event is not None:
                on_event(ev)

        timeline.append((time.monotonic(), "(ansible-playbook start: inventory, variables, first connection)"))
        try:
            return real(*args, on_event=hook, **kwargs)
        finally:
            timeline.append((time.monotonic(), "(end)"))

    ansible_runner.run_playbook = run_playbook  # type: ignore[assignment]


def _profile(timeline: list[tuple[float, str]]) -> list[tuple[str, float]]:
    per: dict[str, float] = {}
    for (t, name), (t_next, _) in itertools.pairwise(timeline):
        if name != "(end)":
            per[name] = per.get(name, 0.0) + t_next - t
    return sorted(per.items(), key=lambda kv: -kv[1])


def _s3_round_trip(fabric, state: Path) -> str:  # type: ignore[no-untyped-def]
    """One S3 round trip of the storage check, timed: first client of the cluster to its first gateway."""
    from toolkit.health import storage as hs
    from toolkit.session import Sessions

    cl = fabric.ceph[0]
    if not cl.rgw_daemons or not cl.clients:
        return "no gateway or client"
    target = Sessions(LabTarget(fabric.name, state))
    creds = hs.s3_credentials(target)
    if creds is None:
        return "no S3 keys"
    try:
        t = time.monotonic()
        res = hs.s3_round_trip(target, next(iter(cl.clients)), f"http://{cl.rgw_daemons[0].endpoint}", creds)
        return f"{time.monotonic() - t:.2f} s, {'ok' if res.get('ok') else res.get('error')}"
    finally:
        target.close()


def main() -> int:
    spec = load(ROOT / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    fabric = design(spec, platform="frr")
    artifacts = render(fabric)
    state = Path(tempfile.mkdtemp(prefix="aidc-storage-bench-"))
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        t0 = time.monotonic()
        try:
            lab_up(fabric, state)
            t_up = time.monotonic() - t0
            t = time.monotonic()
            net = apply(fabric, artifacts, LabTarget(fabric.name, state), storage=False)
            t_net = time.monotonic() - t
            assert net.ok, [d.error for d in net.devices if d.error]
            timeline: list[tuple[float, str]] = []
            _timed_playbooks(timeline)
            t = time.monotonic()
            res = apply(fabric, artifacts, LabTarget(fabric.name, state), storage=True)
            t_storage = time.monotonic() - t
            st = [d for d in res.devices if d.kind == "storage"]
            t_s3 = _s3_round_trip(fabric, state)
            t = time.monotonic()
            report = run_checks(fabric, LabTarget(fabric.name, state))
            t_check = time.monotonic() - t
            total = time.monotonic() - t0
            lab = load_state(fabric.name, state)
            assert lab is not None
            daemons = lab_storage.daemons(lab)
            rss = sum(d["rss_kib"] for d in daemons) / 1024
            pss = sum(pss_kib(d["pid"]) for d in daemons if d["alive"]) / 1024
            print("| case | lab up | apply network | apply storage (to HEALTH_OK, PGs active+clean) | check "
                  "(all layers) | total | Ceph daemons | Ceph RSS | Ceph PSS |")
            print("|---|---|---|---|---|---|---|---|---|")
            storage_state = ", ".join(f"{d.device} {d.status}" for d in st)
            print(f"| lab-mini | {t_up:.1f} s | {t_net:.1f} s | {t_storage:.1f} s ({storage_state}) | "
                  f"{t_check:.1f} s, {'ok' if report.ok else 'FAILED'} | {total:.1f} s | {len(daemons)} | "
                  f"{rss:.0f} MiB | {pss:.0f} MiB |")
            print("\nstorage phase, seconds per playbook task (wall clock, largest first):")
            for name, sec in _profile(timeline)[:30]:
                print(f"  {sec:6.1f} s  {name}")
            print(f"\nS3 round trip (bucket, put, get, delete) from a GPU server across the fabric: {t_s3}")
            if not report.ok:
                for name, lr in report.layers.items():
                    for f in lr.failures[:5]:
                        print(f"  {name}: {f}")
            return 0 if report.ok and all(d.status in ("changed", "unchanged", "skipped") for d in st) else 1
        finally:
            lab_down(fabric.name, state)
            shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
