"""Fixtures for the plan/apply tests: lab-mini as a running lab, once per module.

The spec is a copy of ``inventory/examples/lab-mini`` with a unique cluster name and a free
OOB /22 (so it never collides with another lab on the machine); ``AIDC_STATE_DIR`` points at a
temporary folder for the whole module. ``lab_down`` always runs, and so does the teardown of
every process a test starts (by PID).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"


def why_no_lab() -> str | None:
    if os.geteuid() != 0:
        return "apply tests need root (network namespaces)"
    for prog in ("/usr/lib/frr/zebra", "/usr/lib/frr/bgpd", "/usr/lib/frr/frr-reload.py", "/usr/sbin/sshd"):
        if not Path(prog).exists():
            return f"apply tests need {prog} (Debian packages frr, frr-pythontools, openssh-server)"
    for prog in ("lldpd", "lldpcli", "vtysh", "ip", "unshare", "ssh"):
        if shutil.which(prog) is None:
            return f"apply tests need {prog} on PATH"
    return None


NO_LAB = why_no_lab()


def free_oob_second_octet() -> int:
    """X such that 10.X.0.0/22 (and its site services) is not routed in the root namespace."""
    routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True, text=True).stdout
    for _ in range(200):
        x = 150 + uuid.uuid4().int % 100
        if f"10.{x}." not in routes:
            return x
    raise RuntimeError("no free 10.X.0.0/22 for the OOB network")


def write_spec(dest: Path, cluster: str, octet: int, mutate: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """Copy lab-mini to ``dest`` with ``cluster`` as name and 10.<octet>.0.0/22 as OOB prefix."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(LAB_MINI, dest)
    files = {f.name: yaml.safe_load(f.read_text()) for f in sorted(dest.glob("*.yml"))}
    c = files["cluster.yml"]
    c["cluster"]["name"] = cluster
    for key in ("ntp", "dns", "syslog"):
        c["site"][key] = [str(v).replace("10.254.", f"10.{octet}.") for v in c["site"].get(key, [])]
    files["networks.yml"]["networks"]["oob"]["prefix"] = f"10.{octet}.0.0/22"
    if mutate is not None:
        merged: dict[str, Any] = {}
        for data in files.values():
            merged.update(data)
        mutate(merged)
        for data in files.values():
            for k in data:
                data[k] = merged[k]
    for name, data in files.items():
        (dest / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


@dataclass
class Lab:
    cluster: str
    state_dir: Path
    spec: Path
    octet: int
    workdir: Path
    fabric: Any
    artifacts: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)
    spawned: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def target(self) -> Any:
        from toolkit.targets import LabTarget

        return LabTarget(self.cluster, self.state_dir)

    def exec(self, device: str, *argv: str) -> subprocess.CompletedProcess[str]:
        from toolkit.lab import lab_exec

        return lab_exec(self.cluster, self.state_dir, device, list(argv))

    def design(self, mutate: Callable[[dict[str, Any]], None] | None = None) -> tuple[Any, dict[str, str]]:
        """Fabric and artifacts of this lab's spec, optionally mutated (same cluster and OOB)."""
        from toolkit.design import design
        from toolkit.render import render
        from toolkit.spec import load

        spec = self.spec
        if mutate is not None:
            spec = write_spec(self.workdir / f"spec-{uuid.uuid4().hex[:6]}", self.cluster, self.octet, mutate)
        fabric = design(load(spec).spec, platform="frr")
        return fabric, render(fabric)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if NO_LAB:
        pytest.skip(NO_LAB)
    from toolkit.design import design
    from toolkit.lab import lab_down, lab_up
    from toolkit.render import render
    from toolkit.spec import load

    work = tmp_path_factory.mktemp("apply")
    state = work / "state"
    state.mkdir()
    cluster = f"ap{uuid.uuid4().hex[:6]}"
    octet = free_oob_second_octet()
    spec = write_spec(work / "spec", cluster, octet)
    mp = pytest.MonkeyPatch()
    mp.setenv("AIDC_STATE_DIR", str(state))
    fabric = design(load(spec).spec, platform="frr")
    artifacts = render(fabric)
    handle = Lab(cluster, state, spec, octet, work, fabric, artifacts)
    try:
        t0 = time.monotonic()
        lab_up(fabric, state)
        handle.timings["lab_up"] = round(time.monotonic() - t0, 2)
        yield handle
    finally:
        for p in handle.spawned:  # processes a test started (sshd restarts): by PID
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        report = lab_down(cluster, state)
        mp.undo()
        assert not report.errors, report.errors
        timings = ", ".join(f"{k}={v}s" for k, v in handle.timings.items())
        print(f"\n[apply-lab {cluster}] {timings}")
