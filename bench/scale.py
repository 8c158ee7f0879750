"""Whole-process figures (spec -> files on disk), not assertions. Each run is a fresh `aidc`
process, timed with its children (wall, CPU, peak RSS of the largest process).

Usage: python bench/scale.py [--quick] [--load N] [--repeat R] [cases ...]
  cases: mini, 16k, 100k, validate-100k, per-device, workers, incremental, tenants, networks,
         members (default: all)
  --load N   run N busy-looping processes beside the measurement (the pool under load)
  --out DIR  where renders go (default: a temporary folder under $TMPDIR)
  --tree DIR run the aidc of another source tree (e.g. `git archive <rev> | tar -x -C DIR`) for a
             before/after comparison under the same load
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "inventory" / "examples"
AIDC = [sys.executable, "-m", "toolkit.cli"]
TREE = ROOT


def aidc(
    *args: str, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0, 2)
) -> tuple[float, float, float, str]:
    """(wall s, CPU s of the process and its children, peak RSS MB of the largest of them, stdout).

    The figures are this run's own (``os.wait4`` on the process): the RUSAGE_CHILDREN peak of
    this script would keep the largest run seen so far and print it again for every later row."""
    t = time.perf_counter()
    # bytecode caches on, as for an installed aidc (a shell with PYTHONDONTWRITEBYTECODE=1 would
    # make every run recompile each module from source: about 0.3 s CPU of a lab-mini render)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([*AIDC, *args], stdout=out, stderr=err, text=True, cwd=TREE,
                                env={**base, "PYTHONPATH": str(TREE), **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in ok:
        raise SystemExit(f"aidc {' '.join(args)} failed ({proc.returncode}):\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout


def median_run(repeat: int, *args: str, env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    runs = [aidc(*args, env=env) for _ in range(repeat)]
    walls = [r[0] for r in runs]
    i = walls.index(sorted(walls)[len(walls) // 2])
    return runs[i]


def spec_file(data: dict, tmp: Path, name: str) -> Path:
    p = tmp / f"{name}.yml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def load_example(name: str) -> dict:
    data: dict = {}
    for f in sorted((EXAMPLES / name).glob("*.yml")):
        data.update(yaml.safe_load(f.read_text()) or {})
    return data


def tenant_spec(n: int, leaves: int, tmp: Path, networks: int = 1) -> Path:
    """l3ls-evpn grown to ``leaves`` leaves with ``n`` tenants (a VRF, an L3VNI and ``networks``
    networks on every leaf each), the tenants split over files (a file holds at most 60,000 values)."""
    data = load_example("l3ls-evpn")
    data["layout"]["racks"][1]["count"] = leaves
    data["networks"]["business"]["addressing"]["hosts"] = "10.0.0.0/12"
    tenants = [{"name": f"t{i}", "l3vni": 30000 + i, "networks": [{
        "name": f"t{i}-net{j}", "vlan": 2 + k, "vni": 10000 + k, "subnet": f"172.{16 + k // 256}.{k % 256}.0/24",
        "gateway": f"172.{16 + k // 256}.{k % 256}.1", "leaves": "all"}
        for j, k in ((j, i * networks + j) for j in range(networks))]} for i in range(n)]
    folder = tmp / f"tenants-{n}x{networks}"
    folder.mkdir()
    (folder / "fabric.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    for k in range(0, n, 1000):
        (folder / f"tenants-{k // 1000:02d}.yml").write_text(yaml.safe_dump({"tenants": tenants[k:k + 1000]}))
    return folder


def member_spec(n: int, tmp: Path) -> Path:
    """cluster-16k with ``n`` tenants of two GPU servers each (their business ports in the tenant's
    VRF, one network on their two leaves): REACH004 traces every member's addresses against the
    other tenants' gateways."""
    data = load_example("cluster-16k")
    servers = [f"su{s}-r{r:02d}-gpu{g:02d}" for s in range(1, 65) for r in range(1, 9) for g in range(1, 5)]
    data["tenants"] = [{"name": f"t{i}", "l3vni": 30000 + i, "vni": 10000 + i, "vlan": 2 + i % 4000,
                        "subnet": f"172.{16 + i // 256}.{i % 256}.0/24", "gateway": f"172.{16 + i // 256}.{i % 256}.1",
                        "members": servers[2 * i : 2 * i + 2]} for i in range(n)]
    return spec_file(data, tmp, f"members-{n}")


def n_devices(spec: Path) -> int:
    import json

    tot = json.loads(aidc("bom", str(spec), "--json")[3])["totals"]
    return int(tot["switches"] + tot["servers"])


def busy() -> None:  # pragma: no cover - load generator
    while True:
        pass


def row(name: str, wall: float, cpu: float, rss: float, extra: str = "") -> None:
    print(f"{name:<34} {wall:>8.2f} {cpu:>8.2f} {rss:>8.0f}  {extra}", flush=True)


def main() -> None:
    args = sys.argv[1:]
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else (1 if "--quick" in args else 3)
    load = int(args[args.index("--load") + 1]) if "--load" in args else 0
    out_base = Path(args[args.index("--out") + 1]) if "--out" in args else None
    global TREE, EXAMPLES
    TREE = Path(args[args.index("--tree") + 1]).resolve() if "--tree" in args else ROOT
    EXAMPLES = TREE / "inventory" / "examples"  # each tree renders its own examples
    cases = [a for i, a in enumerate(args) if not a.startswith("--") and (i == 0 or args[i - 1] not in (
        "--repeat", "--load", "--out", "--tree"))] or ["mini", "16k", "100k", "validate-100k", "per-device", "workers",
                                               "incremental", "tenants", "networks", "members"]
    tmp = Path(tempfile.mkdtemp(prefix="aidc-scale-", dir=out_base))
    loaders = [multiprocessing.Process(target=busy, daemon=True) for _ in range(load)]
    for loader in loaders:
        loader.start()
    print(f"# {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, {load} busy processes beside; "
          f"median of {repeat}; output under {tmp}")
    print(f"{'case':<34} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8}  notes")
    try:
        out = str(tmp / "out")
        if "mini" in cases:
            row("render lab-mini", *median_run(repeat, "render", str(EXAMPLES / "lab-mini"), "--out", out)[:3])
        if "16k" in cases:
            w, c, r, so = median_run(repeat, "render", str(EXAMPLES / "cluster-16k"), "--out", out)
            row("render cluster-16k", w, c, r, so.strip().split(" (")[0][-60:])
        if "validate-100k" in cases:
            w, c, r, so = aidc("validate", str(EXAMPLES / "cluster-100k"), "--format", "json", ok=(0, 1))
            codes = sorted({f["code"] for f in __import__("json").loads(so) if f["severity"] == "error"})
            row("validate cluster-100k", w, c, r, f"errors: {', '.join(codes) or 'none'}")
        if "100k" in cases:
            w, c, r, so = median_run(1, "render", str(EXAMPLES / "cluster-100k"), "--out", out)
            row("render cluster-100k", w, c, r, so.strip().split(" (")[0][-60:])
        if "per-device" in cases:
            data = load_example("cluster-16k")
            for n in (1, 16, 64):
                d = copy.deepcopy(data)
                d["layout"]["scalable_units"] = d["layout"]["scalable_units"][:n]
                p = spec_file(d, tmp, f"c16k-{n}su")
                w, c, r, so = median_run(repeat, "render", str(p), "--out", out)
                shutil.rmtree(out, ignore_errors=True)
                devices = n_devices(p)
                row(f"render 16k cut to {n} SU", w, c, r, f"{devices} devices, {1000 * c / devices:.2f} ms CPU/device")
            w, c, r, _ = median_run(1, "render", str(EXAMPLES / "cluster-100k"), "--out", out)
            shutil.rmtree(out, ignore_errors=True)
            devices = n_devices(EXAMPLES / "cluster-100k")
            row("render cluster-100k", w, c, r, f"{devices} devices, {1000 * c / devices:.2f} ms CPU/device")
        if "workers" in cases:
            for workers in ("1", "2"):
                w, c, r, _ = median_run(repeat, "render", str(EXAMPLES / "cluster-16k"), "--out", out,
                                        env={"AIDC_RENDER_WORKERS": workers})
                row(f"render cluster-16k, {workers} worker(s)", w, c, r)
        if "incremental" in cases:
            # the last GPU rack of the last SU, listed last (after the SU's network rack) in both
            # versions, as tests/scale/test_incremental.py grows it: a rack appended to its SU
            # moves no existing rack's OOB block (inserted before the network rack, it would
            # renumber that rack's devices, which the plan flags)
            data = load_example("cluster-16k")
            last_su = data["layout"]["scalable_units"][-1]
            gpu = [r for r in last_su["racks"] if r.get("role", "gpu") == "gpu"]
            last_su["racks"] = [r for r in last_su["racks"] if r is not gpu[-1]] + [gpu[-1]]
            small = copy.deepcopy(data)
            small["layout"]["scalable_units"][-1]["racks"].pop()
            p_small, p_full = spec_file(small, tmp, "c16k-minus-rack"), spec_file(data, tmp, "c16k")
            aidc("render", str(p_small), "--out", out)
            w, c, r, so = aidc("render", str(p_full), "--out", out)
            row("render 16k after adding a rack", w, c, r, so.strip().split(" (", 1)[-1].rstrip(")"))
            w, c, r, so = aidc("plan", str(p_full), "--against", str(p_small), "--format", "json")
            import json

            plan = json.loads(so)
            row("plan --against (one rack added)", w, c, r,
                f"{len(plan['devices'])} devices named, {len(plan['renumbered'])} renumbered")
        if "tenants" in cases:
            for n in (250, 1000, 3000):  # tenant attachments grow as tenants x leaves, and nothing faster
                w, c, r, so = median_run(repeat, "validate", str(tenant_spec(n, 64, tmp)))
                row(f"validate {n} tenants on 64 leaves", w, c, r, f"{1e6 * c / (n * 64):.0f} us CPU per tenant-leaf")
        if "networks" in cases:
            for n in (250, 1000):  # one tenant VRF with n networks: each leaf's attachments looked up by VNI
                spec = str(tenant_spec(1, 64, tmp, networks=n))
                w, c, r, so = median_run(repeat, "validate", spec)
                row(f"validate 1 tenant x {n} networks", w, c, r, f"{1e6 * c / (n * 64):.0f} us CPU per network-leaf")
                w, c, r, so = median_run(repeat, "render", spec, "--out", out)
                row(f"render 1 tenant x {n} networks", w, c, r, f"{1e6 * c / (n * 64):.0f} us CPU per network-leaf")
        if "members" in cases:
            for n in (100, 400, 1000):  # REACH004: members x other tenants' gateways, traced only where they arrive
                w, c, r, so = median_run(repeat, "validate", str(member_spec(n, tmp)))
                row(f"validate cluster-16k, {n} tenants", w, c, r, f"{2 * n} members")
    finally:
        for loader in loaders:
            loader.terminate()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
