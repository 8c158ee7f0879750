"""Run the health checks: ``run_checks(fabric, target, junit, layers) -> CheckReport``.

pytest runs in a child process (its own module cache and plugin state, safe to call from inside
another pytest run) with ``toolkit.health.plugin``; the Fabric and the target go to it as JSON
files, the report comes back as JSON.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from toolkit.design.model import Fabric
from toolkit.health.model import LAYERS, CheckReport, LayerReport
from toolkit.state import state_dir
from toolkit.targets import Target, TargetError, TargetSpec, get_target

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]

_INI = """[pytest]
python_files = check_*.py
python_classes =
python_functions = test_*
addopts =
junit_family = xunit2
junit_suite_name = aidc-health
junit_duration_report = call
console_output_style = classic
"""


def resolve_target(target: str | Target | TargetSpec, fabric: Fabric) -> TargetSpec:
    """``"lab"`` or ``"inventory"``: the target of that kind for ``fabric`` under the AIDC state
    directory (the same target plan and apply use); a Target or TargetSpec as is."""
    if isinstance(target, TargetSpec):
        return target
    if isinstance(target, Target):
        return target.spec()
    try:
        return get_target(target, fabric, state_dir()).spec()
    except TargetError:
        if target != "lab":
            raise
        from toolkit.health.ib import IbLabTarget

        try:  # an InfiniBand twin without an Ethernet lab
            return IbLabTarget(fabric.name, state_dir()).spec()
        except TargetError:
            pass
        raise


def run_checks(
    fabric: Fabric,
    target: str | Target | TargetSpec,
    junit: Path | None = None,
    layers: Iterable[str] | None = None,
    *,
    timeout: float = 1800.0,
    width: int = 8,
    pytest_args: Sequence[str] = (),
) -> CheckReport:
    """Run the checks of ``layers`` (default all) against ``target``; never raises for failing checks."""
    t0 = time.monotonic()
    wanted = list(layers) if layers is not None else list(LAYERS)
    unknown = [x for x in wanted if x not in LAYERS]
    if unknown:
        raise ValueError(f"unknown layer(s) {', '.join(unknown)}; known: {', '.join(LAYERS)}")
    spec = resolve_target(target, fabric)
    with tempfile.TemporaryDirectory(prefix="aidc-health-") as tmp:
        work = Path(tmp)
        (work / "fabric.json").write_text(fabric.model_dump_json())
        (work / "target.json").write_text(spec.model_dump_json())
        (work / "pytest.ini").write_text(_INI)
        report_path = work / "report.json"
        argv = [
            sys.executable,
            "-m",
            "pytest",
            str(CHECKS_DIR),
            "-c",
            str(work / "pytest.ini"),
            "--rootdir",
            str(CHECKS_DIR),
            "-p",
            "toolkit.health.plugin",
            "-p",
            "no:cacheprovider",
            "--aidc-fabric",
            str(work / "fabric.json"),
            "--aidc-target",
            str(work / "target.json"),
            "--aidc-report",
            str(report_path),
            "--aidc-layers",
            ",".join(wanted),
            "--aidc-width",
            str(width),
            "-q",
            "--no-header",
            "-rN",
            "--tb=no",
        ]
        if junit is not None:
            Path(junit).parent.mkdir(parents=True, exist_ok=True)
            argv += ["--junitxml", str(Path(junit).resolve())]
        argv += list(pytest_args)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(x for x in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if x)
        env.pop("PYTEST_ADDOPTS", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        try:
            cp = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout, check=False)
            out, code = (cp.stdout or "") + (cp.stderr or ""), cp.returncode
        except subprocess.TimeoutExpired as exc:
            out, code = f"health checks timed out after {timeout:.0f} s: {exc}", -1
        if report_path.is_file():
            report = CheckReport.model_validate_json(report_path.read_text())
        else:
            tail = " / ".join(x for x in out.strip().splitlines()[-8:] if x.strip())
            report = CheckReport(
                fabric=fabric.name,
                target=spec.name,
                layers={name: LayerReport(layer=name) for name in wanted},
                pytest_exit_code=code,
                errors=[f"pytest exited with {code} without a report: {tail[:1500]}"],
            )
    report.junit = str(Path(junit).resolve()) if junit is not None else None
    report.seconds = round(time.monotonic() - t0, 3)
    report.timings["total"] = report.seconds
    return report
