"""The health checks on recorded devices: expectations from the Fabric, facts read through the
real ``Facts`` engine and fact readers (tests/recorded.py answers their commands with what the
lab's iproute2, FRR and lldpd printed), evaluation by the check modules themselves. No root.

The recording was taken from a healthy twin: every fact-based check passes on it; faults are
made by editing the recorded facts, and the checks must name them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import recorded
from toolkit.health import checks as checks_pkg
from toolkit.health import evaluate, expect
from toolkit.health.eos import EOS
from toolkit.health.facts import Facts, ProbeResult, parse_probe_output, probe_script
from toolkit.health.model import Case, HealthError, Probe
from toolkit.health.readers import FRR, LINUX, SONIC, parse_evpn, readers_for, remote_vteps
from toolkit.lldp import lldp_command, parse_lldp
from toolkit.netstate import parse_links
from toolkit.session import DeviceError, Sessions

Check = tuple[str, Callable[..., None], str, tuple[str, ...]]


def fact_checks() -> list[Check]:
    """(name, function, case builder, fact kinds) of every check that reads facts only."""
    out: list[Check] = []
    for info in pkgutil.iter_modules(checks_pkg.__path__):
        mod = importlib.import_module(f"toolkit.health.checks.{info.name}")
        for name in sorted(dir(mod)):
            fn = getattr(mod, name)
            if not name.startswith("test_") or not callable(fn):
                continue
            marks = {m.name: m for m in getattr(fn, "pytestmark", [])}
            if "cases" in marks and "facts" in marks:
                out.append((f"{info.name}.{name}", fn, marks["cases"].args[0], tuple(marks["facts"].args)))
    return out


@pytest.fixture
def sessions(tmp_path: Path) -> Sessions:
    s = Sessions(recorded.RecordedTarget(recorded.fabric(), tmp_path))
    yield s
    s.close()


def run_check(fn: Callable[..., None], case: Case, facts: Facts) -> str | None:
    try:
        fn(case=case, facts=facts)
    except pytest.fail.Exception as exc:
        return str(exc)
    return None


def test_every_fact_check_passes_on_the_recorded_twin(sessions: Sessions) -> None:
    fab = recorded.fabric()
    present = set(sessions.target.devices())
    facts = Facts(sessions, width=4)
    found = fact_checks()
    assert {b for _, _, b, _ in found} >= {"switch_ports", "lldp_ports", "bgp_sessions", "evpn_vnis", "host_ports"}
    facts.prefetch((c.device, k) for _, _, b, kinds in found for c in expect.cases(b, fab, present) for k in kinds)
    ran: dict[str, int] = {}
    problems = []
    for name, fn, builder, _ in found:
        for case in expect.cases(builder, fab, present):
            ran[name] = ran.get(name, 0) + 1
            problem = run_check(fn, case, facts)
            if problem:
                problems.append(f"{name}[{case.id}]: {problem}")
    assert problems == []
    assert sum(ran.values()) >= 40 and len(ran) >= 8, ran


def case_of(builder: str, device_role: str, pred: Callable[[Case], bool] = lambda c: True) -> Case:
    fab = recorded.fabric()
    dev = recorded.device(device_role)
    present = set(recorded.meta()["devices"].values())
    return next(c for c in expect.cases(builder, fab, present) if c.device == dev and pred(c))


def facts_of(sessions: Sessions, role: str, kind: str) -> Any:
    return Facts(sessions).get(recorded.device(role), kind)


def test_a_swapped_cable_is_named_by_lldp(sessions: Sessions) -> None:
    case = case_of("lldp_ports", "leaf")
    lldp = facts_of(sessions, "leaf", "lldp")
    assert evaluate.lldp_neighbor(case, lldp) == []
    other = next(v for k, v in lldp.items() if k != case.expect["ifname"])
    lldp[case.expect["ifname"]] = other
    (problem,) = evaluate.lldp_neighbor(case, lldp)
    assert problem.startswith(case.where) and f"expected {case.expect['peer_device']}" in problem
    lldp[case.expect["ifname"]] = []
    assert "LLDP sees no neighbour" in evaluate.lldp_neighbor(case, lldp)[0]


def test_a_link_down_or_wrong_mtu_is_named(sessions: Sessions) -> None:
    case = case_of("switch_ports", "spine")
    links = facts_of(sessions, "spine", "links")
    assert evaluate.link_state(case, links) == []
    link = links[case.expect["ifname"]]
    assert evaluate.link_state(case, {**links, case.expect["ifname"]: link.model_copy(update={"up": False})})[
        0
    ].endswith(f"administratively down ({case.expect['ifname']} operstate UP)")
    nocarrier = link.model_copy(update={"carrier": False, "operstate": "LOWERLAYERDOWN"})
    assert "no carrier" in evaluate.link_state(case, {**links, case.expect["ifname"]: nocarrier})[0]
    assert (
        "MTU 1500, expected"
        in evaluate.link_state(case, {**links, case.expect["ifname"]: link.model_copy(update={"mtu": 1500})})[0]
    )
    assert evaluate.link_state(case, {}) == [f"{case.where}: no interface {case.expect['ifname']}"]


def test_a_port_in_another_bridge_is_named(sessions: Sessions) -> None:
    case = case_of("tenant_access_ports", "vtep")
    links = facts_of(sessions, "vtep", "links")
    assert evaluate.access_port_vni(case, links) == []
    port = links[case.expect["ifname"]]
    assert (
        "not in any bridge"
        in evaluate.access_port_vni(case, {**links, case.expect["ifname"]: port.model_copy(update={"master": None})})[0]
    )
    vx = next(n for n, i in links.items() if i.kind == "vxlan")
    wrong = links[vx].model_copy(update={"vxlan": {**(links[vx].vxlan or {}), "id": 4242}})
    assert "with VNI 4242" in evaluate.access_port_vni(case, {**links, vx: wrong})[0]


def test_wrong_asn_and_missing_session_are_named(sessions: Sessions) -> None:
    case = case_of("bgp_sessions", "spine")
    bgp = facts_of(sessions, "spine", "bgp")
    assert evaluate.bgp_session(case, bgp) == []
    key = next(k for k in case.expect["keys"] if k in bgp)
    bgp[key] = {**bgp[key], "remoteAs": 1}
    assert any("AS" in p or "ASN" in p or "remote" in p.lower() for p in evaluate.bgp_session(case, bgp))
    del bgp[key]
    assert evaluate.bgp_session(case, bgp), "a missing session is a problem"


def test_evpn_facts_of_the_vtep(sessions: Sessions) -> None:
    vnis = facts_of(sessions, "vtep", "evpn")
    assert vnis and all(isinstance(v, int) for v in vnis)
    case = case_of("evpn_vnis", "vtep")
    assert evaluate.evpn_vni(case, vnis) == []
    assert evaluate.evpn_vni(case, {}), "a missing VNI is a problem"
    assert parse_evpn('{"10": {"vni": 10, "remoteVteps": ["10.0.0.1"]}}')[10]["vni"] == 10
    assert remote_vteps({"remoteVteps": [{"ip": "10.0.0.1"}, "10.0.0.2"]}) == {"10.0.0.1", "10.0.0.2"}
    assert remote_vteps({"numRemoteVteps": {"10.0.0.3": 1}}) == {"10.0.0.3"}


def test_policy_routes_of_the_server(sessions: Sessions) -> None:
    case = case_of("host_routes", "server")
    rules, routes = facts_of(sessions, "server", "rules"), facts_of(sessions, "server", "routes")
    assert evaluate.policy_route(case, rules, routes) == []
    assert any(r.table == "local" for r in routes), "health sees every table"
    table = next(r.table for r in rules if r.src == case.expect["address"])
    assert "has no route via" in evaluate.policy_route(case, rules, [r for r in routes if r.table != table])[0]
    assert "no ip rule" in evaluate.policy_route(case, [r for r in rules if r.table != table], routes)[0]


def test_readers_per_platform(sessions: Sessions) -> None:
    assert readers_for("frr") is FRR and readers_for("linux") is LINUX and readers_for("sonic") is SONIC
    assert readers_for("cumulus") is FRR and readers_for("eos") is EOS and readers_for("no-such-os") == {}
    assert readers_for("infiniband") == {}
    assert set(FRR) - set(LINUX) == {"bgp", "evpn", "frr_config"}
    acc = sessions.target.device(recorded.device("leaf"))
    assert FRR["lldp"].command(acc.model_copy(update={"lldp_socket": "/run/x.sock", "sudo": True})) == (
        "sudo -n lldpcli -u /run/x.sock show neighbors -f json0"
    )
    assert lldp_command() == "lldpcli show neighbors -f json0"
    assert parse_lldp("") == {} and parse_links("[]") == {}


def test_a_platform_without_readers_is_an_error_per_fact(sessions: Sessions) -> None:
    name = recorded.device("spine")
    t = sessions.target
    assert isinstance(t, recorded.RecordedTarget)
    t._devices[name] = t.device(name).model_copy(update={"platform": "eos"})
    facts = Facts(sessions)
    with pytest.raises(HealthError, match="no 'evpn' reader for platform 'eos'"):
        facts.get(name, "evpn")  # EOS has no VNI reader yet
    with pytest.raises(HealthError, match="not a device"):
        facts.get("no-such-device", "links")


def test_an_unreachable_device_fails_its_facts_once(tmp_path: Path) -> None:
    leaf = recorded.device("leaf")
    s = Sessions(recorded.RecordedTarget(recorded.fabric(), tmp_path, unreachable={leaf}))
    facts = Facts(s)
    with pytest.raises(HealthError, match="cannot connect"):
        facts.get(leaf, "links")
    with pytest.raises(DeviceError, match="cannot connect"):
        s.run(leaf, "true")
    with pytest.raises(HealthError, match="cannot connect"):
        facts.get(leaf, "addrs")


def test_a_failing_reader_command_is_named(sessions: Sessions) -> None:
    name = recorded.device("leaf")
    dev = sessions.session(name)
    assert isinstance(dev, recorded.RecordedDevice)
    dev.rc = {"ip -j addr show": 3}
    with pytest.raises(HealthError, match=r"`ip -j addr show` failed \(3\)"):
        Facts(sessions).get(name, "addrs")


def test_sessions_run_and_check_output(sessions: Sessions) -> None:
    name = recorded.device("server")
    assert sessions.check_output(name, "echo hi") == "hi\n"
    assert sessions.run(name, "exit 3").rc == 3
    with pytest.raises(DeviceError, match=r"failed \(3\)"):
        sessions.check_output(name, "echo oops >&2; exit 3")
    with pytest.raises(DeviceError, match="timed out after 1 s"):
        sessions.run(name, "sleep 5", timeout=1)
    assert sessions.privileged("dcb x") == "dcb x" and sessions.hardware is False and sessions.name == "recorded"


def test_probe_script_and_its_output() -> None:
    probes = [
        Probe("ping", ("10.0.0.1", "10.0.0.2", "8972", "df,retry")),
        Probe("route", ("10.0.0.2", "10.0.0.1")),
        Probe("arp", ("cx0", "10.0.0.3")),
        Probe("arp", ("cx0", "10.0.0.4")),
    ]
    script, keys = probe_script(probes)
    assert "ping -n -c 1 -W 1 -s 8972 -I 10.0.0.1 -M do 10.0.0.2" in script and script.startswith("ARP=")
    assert "ip -j route get 10.0.0.2 from 10.0.0.1" in script and set(keys) == {"p0", "p1", "a0"}
    # a route probe without a source lets the kernel pick it (site services: chronyd, the resolver)
    assert "ip -j route get 10.254.0.10 &" in probe_script([Probe("route", ("10.254.0.10", ""))])[0]
    import base64

    def line(key: str, rc: int, text: str) -> str:
        return f"@@{key} {rc} {base64.b64encode(text.encode()).decode()}"

    out = "\n".join(
        [
            line("p0", 1, "1 packets transmitted, 0 received, 100% packet loss"),
            line("p1", 0, '[{"dst":"10.0.0.2","gateway":"10.0.0.0","dev":"cx0"}]'),
            line("a0", 0, "10.0.0.3 aa:bb:cc:dd:ee:ff\n10.0.0.4 -"),
        ]
    )
    res = parse_probe_output(out, keys)
    assert res[probes[0]] == ProbeResult(False, 1, "1 packets transmitted, 0 received, 100% packet loss")
    assert res[probes[0]].brief() == "1 packets transmitted, 0 received, 100% packet loss"
    assert res[probes[1]].ok and res[probes[2]].ok and not res[probes[3]].ok and not res[probes[3]].error
    missing = parse_probe_output("", keys)
    assert all(r.error for r in missing.values())


def test_run_checks_on_the_recorded_twin(tmp_path: Path) -> None:
    """The real runner: a pytest child process with the aidc plugin, the target rebuilt there
    from its TargetSpec (``impl`` names the recorded stand-in), a JUnit file and the report."""
    from toolkit.health import run_checks

    fab = recorded.fabric()
    t = recorded.RecordedTarget(fab, tmp_path)
    assert t.spec().impl == "tests.recorded:RecordedTarget"
    junit = tmp_path / "junit.xml"
    fact_layers = ["switch-links", "lldp", "bgp", "evpn", "host-addresses", "qos", "hardware"]
    report = run_checks(fab, t, junit, fact_layers, width=2)
    assert report.errors == [] and report.ok, report.summary()
    assert report.passed >= 40 and report.layers["hardware"].not_applicable > 0
    assert "not applicable" in report.layers["qos"].not_applicable_reasons[0] or report.layers["qos"].not_applicable
    assert junit.is_file() and "aidc-health" in junit.read_text()
    devices = set(t.devices())
    assert {r.device for r in report.results if r.device} <= devices
    with pytest.raises(ValueError, match="unknown layer"):
        run_checks(fab, t, None, ["nope"])


def test_probes_run_in_one_batch_and_fail_honestly_on_a_stand_in(sessions: Sessions) -> None:
    """A recorded device sends no traffic: its ping and route probes fail as "could not test"."""
    server = recorded.device("server")
    facts = Facts(sessions)
    ping = Probe("ping", ("10.100.0.1", "10.100.0.0", "8972", "df"))
    route = Probe("route", ("10.100.0.0", "10.100.0.1"))
    facts.register(server, [ping, route])
    res = facts.probe(server, route)
    assert res.error and "stand-in" in res.output
    assert facts.probe(server, ping).error, "ran in the same batch as the route probe"
    c = Case(device=server, port="cx0", expect={})
    assert evaluate.unreachable(c, facts.probe(server, ping), "ping")[0].startswith(f"{server} cx0: cannot test ping")
