"""How many public functions of the device side run in a root-free test run.

    .venv/bin/python bench/device_functions.py            # runs pytest -m "not lab" under coverage
    .venv/bin/python bench/device_functions.py --list     # and names the functions never run

Public function: a module-level function or a method (of a module-level class) whose name does
not start with ``_`` (dunder methods excluded), in toolkit/health, toolkit/plan, toolkit/drivers,
toolkit/targets.py, toolkit/session.py, toolkit/netstate.py and toolkit/lldp.py. It counts as run
when its code ran: at least one line of its body executed, or (for a body that is only a
docstring, such as a no-op hook, which has no line of its own to record) coverage's branch data
shows the function's code object was entered (an arc from ``-<first line>``). Abstract methods
(``@abstractmethod``: the protocol's declaration, never called; their overrides are counted) are
left out. The health check
modules (toolkit/health/checks) are pytest test functions run by the checks' own plugin: counted
apart. Prints figures, asserts nothing.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCOPE = [
    "toolkit/health",
    "toolkit/plan",
    "toolkit/drivers",
    "toolkit/targets.py",
    "toolkit/session.py",
    "toolkit/netstate.py",
    "toolkit/lldp.py",
]


Function = tuple[str, set[int], set[int]]
"""(qualified name, lines of its body, lines its code object may start at: def and decorators)"""


def public_functions(path: Path) -> list[Function]:
    tree = ast.parse(path.read_text())
    out: list[Function] = []

    def body_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
        first = fn.body[0]
        start = (
            (first.end_lineno or first.lineno) + 1
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and len(fn.body) > 1
            else first.lineno
        )
        return set(range(start, (fn.end_lineno or start) + 1))

    def abstract(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        return any(isinstance(d, (ast.Name, ast.Attribute)) and ast.unparse(d).endswith("abstractmethod")
                   for d in fn.decorator_list)

    def starts(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
        return {fn.lineno, *(d.lineno for d in fn.decorator_list)}

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            out.append((node.name, body_lines(node), starts(node)))
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for sub in node.body:
                if (isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and not sub.name.startswith("_")
                        and not abstract(sub)):
                    out.append((f"{node.name}.{sub.name}", body_lines(sub), starts(sub)))
    return out


def main() -> int:
    import coverage

    listing = "--list" in sys.argv
    files = sorted(p for s in SCOPE for p in ([ROOT / s] if s.endswith(".py") else (ROOT / s).rglob("*.py")))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / ".coverage"
        rcfile = Path(tmp) / "coveragerc"
        # subprocesses too: the health checks run in a pytest child process
        # branch data: the entry arc of a function whose body is only a docstring
        rcfile.write_text(
            f"[run]\nsource = toolkit\nparallel = true\nbranch = true\npatch = subprocess\ndata_file = {data}\n"
        )
        args = [a for a in sys.argv[1:] if a != "--list"]
        argv = [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", "-m", "pytest", "-q"]
        argv += ["-m", "not lab", "-p", "no:cacheprovider", *args]
        rc = subprocess.run(argv, cwd=ROOT, check=False).returncode
        combine = [sys.executable, "-m", "coverage", "combine", f"--rcfile={rcfile}", "-q"]
        subprocess.run(combine, cwd=ROOT, check=False)
        cov = coverage.Coverage(data_file=str(data), config_file=str(rcfile))
        cov.load()
        cdata = cov.get_data()
        total = hit = 0
        checks_total = checks_hit = 0
        missing: list[str] = []
        for f in files:
            executed = set(cdata.lines(str(f)) or [])
            entered = {-a for a, _ in cdata.arcs(str(f)) or [] if a < 0}
            for name, lines, first in public_functions(f):
                ran = bool(executed & lines or entered & first)
                if "/health/checks/" in str(f):
                    checks_total += 1
                    checks_hit += ran
                    continue
                total += 1
                hit += ran
                if not ran:
                    missing.append(f"{f.relative_to(ROOT)}:{name}")
    print(f"pytest exit status {rc}")
    print(f"public functions run without root: {hit} of {total} ({100 * hit / max(total, 1):.0f} %)")
    print(f"health check functions run (by the recorded-device tests): {checks_hit} of {checks_total}")
    if listing:
        for m in missing:
            print("  not run:", m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
