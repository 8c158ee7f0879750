"""pytest plugin of the health checks (``-p toolkit.health.plugin``).

Options: ``--aidc-fabric FILE`` (Fabric JSON: the only source of expected values),
``--aidc-target FILE`` (TargetSpec JSON), ``--aidc-report FILE`` (CheckReport JSON written at the
end), ``--aidc-layers a,b`` (run only these layers), ``--aidc-width N`` (parallel devices).

Check modules (``toolkit/health/checks/check_*.py``) mark themselves with ``layer(name)``; a check
function taking ``case`` names a builder of ``toolkit.health.expect`` with ``cases(name)`` and
the observations it reads per device with ``facts(kind, ...)``. The plugin parametrises, fetches
every observation and runs every probe in parallel before the first check, and collects one
result per check (passed / failed / not applicable / skipped) into the report; layer, device,
port and case also go into the JUnit XML as properties.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from toolkit.design.model import Fabric
from toolkit.health import expect
from toolkit.health.facts import Facts
from toolkit.health.model import (
    EMPTY,
    LAYERS,
    NOT_APPLICABLE,
    Case,
    CheckReport,
    CheckResult,
    HealthError,
    LayerReport,
)
from toolkit.session import DeviceError, Sessions
from toolkit.targets import TargetSpec, target_from_spec


class _State:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.fabric = Fabric.model_validate_json(Path(config.getoption("aidc_fabric")).read_text())
        spec = TargetSpec.model_validate_json(Path(config.getoption("aidc_target")).read_text())
        self.target = Sessions(target_from_spec(spec, self.fabric))
        self.present: frozenset[str] | None = frozenset(self.target.target.devices())
        self.facts = Facts(self.target, width=int(config.getoption("aidc_width")))
        raw = config.getoption("aidc_layers")
        self.layers = [x.strip() for x in raw.split(",") if x.strip()] if raw else list(LAYERS)
        unknown = [x for x in self.layers if x not in LAYERS]
        if unknown:
            raise pytest.UsageError(f"unknown layer(s) {', '.join(unknown)}; known: {', '.join(LAYERS)}")
        self.needs: set[tuple[str, str]] = set()
        self.items: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, tuple[str, str]] = {}
        self.errors: list[str] = []
        self.t0 = time.monotonic()
        self.timings: dict[str, float] = {}


_KEY = pytest.StashKey[_State]()
_CURRENT: list[_State] = []
"""The state of this process's session, for the hooks that get no config (one session per process)."""


def _state(config: pytest.Config) -> _State:
    return config.stash[_KEY]


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("aidc", "aidc health checks")
    g.addoption("--aidc-fabric", dest="aidc_fabric", help="Fabric JSON (expected values)")
    g.addoption("--aidc-target", dest="aidc_target", help="TargetSpec JSON")
    g.addoption("--aidc-report", dest="aidc_report", help="write the CheckReport JSON here")
    g.addoption("--aidc-layers", dest="aidc_layers", default="", help="comma list of layers to run")
    g.addoption("--aidc-width", dest="aidc_width", default=8, type=int, help="devices observed in parallel")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "layer(name): health-check layer of the checks in a module")
    config.addinivalue_line("markers", "cases(builder): toolkit.health.expect builder that parametrises `case`")
    config.addinivalue_line("markers", "facts(*kinds): observations (toolkit.health.readers) read per device")
    if not config.getoption("aidc_fabric") or not config.getoption("aidc_target"):
        raise pytest.UsageError("the health checks need --aidc-fabric and --aidc-target")
    st = _State(config)
    config.stash[_KEY] = st
    _CURRENT[:] = [st]


def pytest_unconfigure(config: pytest.Config) -> None:
    st = config.stash.get(_KEY, None)
    if st is not None:
        st.target.close()


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def fabric(request: pytest.FixtureRequest) -> Fabric:
    return _state(request.config).fabric


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Sessions:
    return _state(request.config).target


@pytest.fixture(scope="session")
def facts(request: pytest.FixtureRequest) -> Facts:
    return _state(request.config).facts


# --------------------------------------------------------------------------- collection


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    st = _state(metafunc.config)
    marker = metafunc.definition.get_closest_marker("cases")
    if marker is None:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: takes `case` but has no cases() marker")
    found = expect.cases(marker.args[0], st.fabric, st.present)
    if not found:
        reason = f"{EMPTY}: the Fabric has no {marker.args[0].replace('_', ' ')}"
        metafunc.parametrize("case", [pytest.param(None, marks=pytest.mark.skip(reason=reason))], ids=["none"])
        return
    metafunc.parametrize("case", found, ids=[c.id for c in found])


def _layer(item: pytest.Item) -> str:
    m = item.get_closest_marker("layer")
    return str(m.args[0]) if m and m.args else "other"


def _case(item: pytest.Item) -> Case | None:
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("case") if callspec is not None else None
    return value if isinstance(value, Case) else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    st = _state(config)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (keep if _layer(item) in st.layers else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    for item in keep:
        case = _case(item)
        layer = _layer(item)
        name = getattr(item, "originalname", None) or item.name
        st.items[item.nodeid] = {
            "layer": layer,
            "check": name,
            "case": case.id if case else "",
            "device": case.device if case else None,
            "port": case.port if case else None,
        }
        item.user_properties.append(("layer", layer))
        if case is None:
            continue
        item.user_properties += [("device", case.device), ("port", case.port or ""), ("case", case.id)]
        st.facts.register(case.device, case.probes)
        m = item.get_closest_marker("facts")
        for kind in m.args if m else ():
            st.needs.add((case.device, str(kind)))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed and _CURRENT:
        text = str(report.longrepr).strip().splitlines()
        _CURRENT[0].errors.append(f"collecting {report.nodeid or 'checks'}: {' / '.join(text[-3:])}")


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    st = _state(session.config)
    st.timings["collect"] = round(time.monotonic() - st.t0, 3)
    if not session.config.option.collectonly and session.items:
        t0 = time.monotonic()
        st.facts.prefetch(st.needs)
        st.timings["observe"] = round(time.monotonic() - t0, 3)
    t0 = time.monotonic()
    try:
        return (yield)
    finally:
        st.timings["evaluate"] = round(time.monotonic() - t0, 3)


# ------------------------------------------------------------------------------- results


def _message(excinfo: pytest.ExceptionInfo[BaseException], item: pytest.Item) -> str:
    exc = excinfo.value
    msg = getattr(exc, "msg", None)
    if isinstance(msg, str) and msg:
        return msg
    if isinstance(exc, (HealthError, DeviceError)):
        return str(exc)
    case = _case(item)
    where = f"{case.where}: " if case else ""
    text = str(exc).strip().splitlines()
    return f"{where}{type(exc).__name__}: {text[0] if text else ''}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if call.excinfo is not None:
        st = _state(item.config)
        st.messages.setdefault(f"{item.nodeid}::{call.when}", (report.outcome, _message(call.excinfo, item)))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    st = _CURRENT[0] if _CURRENT else None
    if st is None or report.nodeid not in st.items:
        return
    rec = st.items[report.nodeid]
    rec["seconds"] = rec.get("seconds", 0.0) + report.duration
    msg = st.messages.get(f"{report.nodeid}::{report.when}", ("", ""))[1]
    if report.failed:
        if rec.get("outcome") != "failed":
            rec["outcome"], rec["message"] = "failed", msg or str(report.longrepr)[-500:]
    elif report.skipped:
        if rec.get("outcome") is None:
            reason = msg
            if not reason and isinstance(report.longrepr, tuple):
                reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            rec["outcome"] = "not-applicable" if reason.startswith(NOT_APPLICABLE) else "skipped"
            rec["message"] = reason
    elif report.when == "call" and rec.get("outcome") is None:
        rec["outcome"] = "passed"


def build_report(st: _State, exit_code: int) -> CheckReport:
    layers = {name: LayerReport(layer=name) for name in st.layers}
    results = []
    for nodeid, rec in st.items.items():
        outcome = rec.get("outcome")
        if outcome is None:
            continue  # not run (interrupted)
        message = rec.get("message", "")
        if outcome == "skipped" and message.startswith(EMPTY):
            continue  # the Fabric has nothing of that kind: not a check
        res = CheckResult(
            nodeid=nodeid,
            layer=rec["layer"],
            check=rec["check"],
            case=rec["case"],
            device=rec["device"],
            port=rec["port"],
            outcome=outcome,
            message=message,
            seconds=round(rec.get("seconds", 0.0), 4),
        )
        results.append(res)
        lr = layers.setdefault(res.layer, LayerReport(layer=res.layer))
        if outcome == "passed":
            lr.passed += 1
        elif outcome == "failed":
            lr.failed += 1
            lr.failures.append(message)
        elif outcome == "not-applicable":
            lr.not_applicable += 1
            if message not in lr.not_applicable_reasons:
                lr.not_applicable_reasons.append(message)
        else:
            lr.skipped += 1
    return CheckReport(
        fabric=st.fabric.name,
        target=st.target.name,
        layers=layers,
        results=results,
        seconds=round(time.monotonic() - st.t0, 3),
        pytest_exit_code=exit_code,
        errors=list(st.errors),
        timings=dict(st.timings),
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    st = session.config.stash.get(_KEY, None)
    if st is None:
        return
    path = session.config.getoption("aidc_report")
    report = build_report(st, int(exitstatus))
    if path:
        Path(path).write_text(report.model_dump_json(indent=1))
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.write_line("")
        for line in report.summary().splitlines():
            terminal.write_line(line)
