"""Where `aidc render` spends its CPU, stage by stage, in one process (figures, not assertions).

Usage: python bench/render_stages.py SPEC [--repeat N] [--write DIR]
       (e.g. inventory/examples/cluster-16k)

Designs the Fabric once, then renders every stage of ``toolkit.render.STAGES`` in this process
(``AIDC_RENDER_WORKERS=1``), ``--repeat`` times, and prints the best CPU seconds (process time)
per stage, the switches per platform and, with ``--write``, the time to stage and commit every
file into DIR (a fresh folder each repeat). A repeat reuses the renderers' caches (cumulus
parses a line once per process), so the first round is what a real render costs: compare
before / after with the default ``--repeat 1``, each in a fresh process, alternating. Run it
from outside the tree under test (``python /path/to/bench/render_stages.py``, ``PYTHONPATH`` =
that tree): ``python -m`` from a checkout imports the checkout's toolkit whatever PYTHONPATH says.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

os.environ["AIDC_RENDER_WORKERS"] = "1"

from toolkit.render import STAGES, _run_stage
from toolkit.render.core import Staging, environment
from toolkit.rules import load_and_design


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("spec", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--only", action="append", help="stage name suffix (repeatable)")
    a = ap.parse_args()
    t = time.process_time()
    _, _, fabric = load_and_design(a.spec, None)
    print(f"{'design':24s} {time.process_time() - t:7.2f} s CPU  ({len(fabric.devices)} devices)")
    env = environment([])
    stages = [s for s in STAGES if not a.only or any(s.endswith(o) for o in a.only)]
    best: dict[str, float] = {}
    files: dict[str, str] = {}
    for _ in range(a.repeat):
        files = {}
        for name in stages:
            t = time.process_time()
            part = _run_stage(name, fabric, env)
            dt = time.process_time() - t
            best[name] = min(best.get(name, dt), dt)
            files.update(part)
    for name in stages:
        print(f"{name.rsplit('.', 1)[1]:24s} {best[name]:7.2f} s CPU")
    print(f"{'render total':24s} {sum(best.values()):7.2f} s CPU  ({len(files)} files)")
    if a.write:
        wbest = None
        for _ in range(a.repeat):
            shutil.rmtree(a.write, ignore_errors=True)
            t = time.process_time()
            staging = Staging(a.write)
            for rel, text in files.items():
                staging.add(rel, text)
            staging.commit()
            dt = time.process_time() - t
            wbest = dt if wbest is None else min(wbest, dt)
        print(f"{'write (Staging)':24s} {wbest:7.2f} s CPU")


if __name__ == "__main__":
    main()
