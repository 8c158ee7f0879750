"""Benchmarks (figures, not assertions): load, validate, design per example; peak memory.

Each example runs in a fresh subprocess so its peak RSS is its own.
Usage: python bench/bench.py [example ...] [--no-render] [--scaling]
  --scaling  also cluster-16k cut to 1, 16 and 64 SUs (render time against size)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "inventory" / "examples"

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from toolkit.spec import load
from toolkit.rules import validate
from toolkit.design import design
t_import = time.perf_counter()
res = load(sys.argv[1]); t_load = time.perf_counter()
findings = validate(res.spec, res.sources, try_design=False); t_val = time.perf_counter()
fab = design(res.spec); t_design = time.perf_counter()
out = {"load_s": t_load - t_import, "validate_s": t_val - t_load, "design_s": t_design - t_val,
       "total_s": t_design - t_import, "devices": len(fab.devices), "cables": len(fab.cables),
       "findings": len(findings)}
if "--render" in sys.argv:
    from toolkit.render import render
    t = time.perf_counter(); arts = render(fab); out["render_s"] = time.perf_counter() - t
    out["files"] = len(arts); out["render_mb"] = sum(len(v) for v in arts.values()) / 1e6
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def run(example: Path, render: bool) -> dict[str, float]:
    args = [sys.executable, "-c", CHILD, str(example)] + (["--render"] if render else [])
    res = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def su_slices(counts: tuple[int, ...] = (1, 16, 64)) -> list[tuple[str, Path]]:
    """cluster-16k cut to its first N SUs (same plan), to show render time is linear in devices."""
    import tempfile

    import yaml

    data = yaml.safe_load((EXAMPLES / "cluster-16k" / "cluster.yml").read_text())
    tmp = Path(tempfile.mkdtemp(prefix="aidc-bench-"))
    out = []
    for n in counts:
        d = dict(data)
        d["layout"] = dict(data["layout"], scalable_units=data["layout"]["scalable_units"][:n])
        p = tmp / f"c16k-{n}su.yml"
        p.write_text(yaml.safe_dump(d, sort_keys=False))
        out.append((f"16k/{n}su", p))
    return out


def main() -> None:
    args = sys.argv[1:]
    render = "--no-render" not in args
    names = [n for n in args if not n.startswith("--")] or sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    print(
        f"{'example':<14} {'devices':>7} {'cables':>7} {'load':>6} {'valid':>6} {'design':>7} {'total':>6}"
        f" {'render':>7} {'files':>6} {'peak MB':>8}"
    )
    targets = [(n, EXAMPLES / n) for n in names]
    if "--scaling" in args:
        targets += su_slices()
    for name, path in targets:
        r = run(path, render)
        print(
            f"{name:<14} {r['devices']:>7} {r['cables']:>7} {r['load_s']:>6.2f} {r['validate_s']:>6.2f}"
            f" {r['design_s']:>7.2f} {r['total_s']:>6.2f} {r.get('render_s', 0):>7.2f} {r.get('files', 0):>6}"
            f" {r['peak_rss_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()
