"""Where `aidc validate` spends its time, stage by stage, in one process (figures, not assertions).

Usage: python bench/stages.py SPEC [SPEC ...]   (e.g. inventory/examples/cluster-16k)

Prints CPU seconds (process time) for: imports, load (YAML + spec models), the spec rules, every
design step (the functions ``toolkit.design._design`` calls, timed by wrapping them in this
process only), every fabric rule, and the total; then peak RSS. `bench/scale.py stages` runs it
for cluster-16k and cluster-100k, each in a fresh process.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

T0 = time.process_time()

import toolkit.design as design_mod  # noqa: E402
from toolkit.rules import RULES, validate  # noqa: E402
from toolkit.rules.fabric import FABRIC_RULES, FabricRule  # noqa: E402
from toolkit.rules.registry import RuleCtx  # noqa: E402
from toolkit.spec import load  # noqa: E402

IMPORTS = time.process_time() - T0
STEPS = ("build_inventory", "mark_members", "build_compute", "build_frontends", "build_oob", "place_racks",
         "finalize_ports", "finalize_cables", "build_tenants", "build_ceph", "build_minio", "apply_policy",
         "build_scheduler", "check_limits")


def timed(table: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*a: Any, **kw: Any) -> Any:
        t = time.process_time()
        try:
            return fn(*a, **kw)
        finally:
            table[name] = table.get(name, 0.0) + time.process_time() - t

    return run


def drain(table: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A fabric rule is a generator: time it to exhaustion."""
    def run(*a: Any, **kw: Any) -> Any:
        t = time.process_time()
        out = list(fn(*a, **kw))
        table[name] = table.get(name, 0.0) + time.process_time() - t
        return iter(out)

    return run


def main(paths: list[str]) -> None:
    for path in paths:
        table: dict[str, float] = {"imports": IMPORTS}
        steps: dict[str, float] = {}
        rules: dict[str, float] = {}
        for name in STEPS:
            if hasattr(design_mod, name):
                setattr(design_mod, name, timed(steps, name, getattr(design_mod, name)))
        for code, r in list(FABRIC_RULES.items()):
            FABRIC_RULES[code] = FabricRule(r.code, r.severity, r.doc, drain(rules, code, r.fn))
        t = time.process_time()
        res = load(path)
        table["load"] = time.process_time() - t
        assert res.spec is not None, [f.text() for f in res.findings]
        t = time.process_time()
        ctx = RuleCtx(res.spec)
        for r in RULES.values():
            r.run(ctx)
        table["spec rules (alone)"] = time.process_time() - t
        t = time.process_time()
        findings = validate(res.spec, res.sources)
        table["validate (spec rules + design + fabric rules)"] = time.process_time() - t
        errors = sorted({f.code for f in findings if f.severity == "error"})
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"# {Path(path).name}: errors {', '.join(errors) or 'none'}; peak RSS {rss:.0f} MB")
        for k, v in table.items():
            print(f"{k:<50} {v:7.2f} s")
        print("design steps:")
        for k, v in sorted(steps.items(), key=lambda kv: -kv[1]):
            print(f"  {k:<48} {v:7.2f} s")
        print(f"  {'(sum)':<48} {sum(steps.values()):7.2f} s")
        print("fabric rules (> 0.05 s):")
        for k, v in sorted(rules.items(), key=lambda kv: -kv[1]):
            if v > 0.05:
                print(f"  {k:<48} {v:7.2f} s")
        print(f"  {'(sum)':<48} {sum(rules.values()):7.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:] or ["inventory/examples/cluster-16k"])
