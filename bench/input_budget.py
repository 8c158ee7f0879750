"""How long aidc takes to refuse adversarial specs (the 1 s budget for any spec under 1 MB).

Usage: python bench/input_budget.py

Each case is a spec file built to be expensive: an alias bomb, a flat list of a million bytes,
deep nesting, a layout with more servers than aidc designs, numbers at 2^32. Prints per case the
file size, the seconds `load` + `validate` took (best of three, in process: wall clock, and CPU
time, which on a busy machine is what the same run costs on an idle one) and the finding code
that refused it. Figures only: the budget is enforced by the product's bounds, not here.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.rules import validate  # noqa: E402
from toolkit.spec import load  # noqa: E402

LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"


def lab_mini() -> dict:
    data: dict = {}
    for f in sorted(LAB_MINI.glob("*.yml")):
        data.update(yaml.safe_load(f.read_text()) or {})
    return data


def laughs() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def flat_list(size: int) -> str:
    n = size // 2
    return "site:\n  ntp: [" + ",".join(["1"] * n) + "]\n"


def under_value_limit() -> str:
    """The largest flat list the value limit lets through: composed, walked, then typed."""
    from toolkit.spec.loader import MAX_VALUES

    return "site:\n  ntp: [" + ", ".join(["10.0.0.1"] * (MAX_VALUES - 10)) + "]\n"


def too_many_servers() -> str:
    d = lab_mini()
    d["layout"]["racks"] += [{"name": f"r{i:04d}", "servers": [{"model": "stor-1u", "count": 128}]} for i in range(300)]
    return yaml.safe_dump(d, sort_keys=False)


def huge(path: tuple, value: int) -> str:
    d = lab_mini()
    node = d
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return yaml.safe_dump(d, sort_keys=False)


CASES = {
    "alias bomb (9^9)": laughs,
    "flat list, 1 MB": lambda: flat_list(1_000_000),
    "flat list under the value limit": under_value_limit,
    "nesting 10,000 deep": lambda: "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "block nesting 70 deep": lambda: "- " * 70 + "x\n",
    "300 racks x 128 servers": too_many_servers,
    "count: 4294967295": lambda: huge(("layout", "racks", 1, "servers", 0, "count"), 4294967295),
    "drives: 4294967295": lambda: huge(("catalog", "servers", "stor-1u", "drives"), 4294967295),
    "servers_per_su: 10^9": lambda: huge(("networks", "compute", "servers_per_su"), 10**9),
}


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="aidc-budget-"))
    print(f"{'case':<34} {'bytes':>9} {'wall s':>7} {'CPU s':>6}  refused by")
    for name, make in CASES.items():
        p = tmp / "spec.yml"
        p.write_text(make())
        best = cpu = float("inf")
        codes: set[str] = set()
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            res = load(p)
            findings = list(res.findings)
            if res.spec is not None:
                findings += validate(res.spec, res.sources)
            best = min(best, time.perf_counter() - t)
            cpu = min(cpu, time.process_time() - c)
            codes = {f.code for f in findings if f.severity == "error"}
        refused = ", ".join(sorted(codes)) or "ACCEPTED"
        print(f"{name:<34} {p.stat().st_size:>9} {best:>7.3f} {cpu:>6.3f}  {refused}")


if __name__ == "__main__":
    main()
