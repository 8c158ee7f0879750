"""Fact readers of the vendor platforms (SONiC, Cumulus, EOS), picked by the platform registry's
``facts`` hook: their commands, and their parsers fed with the fixtures under
tests/fixtures/vendor-docs/ (WRITTEN FROM THE VENDORS' DOCUMENTED OUTPUT FORMATS, NOT CAPTURED:
no vendor switch can run here). The parsed facts are evaluated against the expectations the
Fabric gives spine01 of lab-mini designed for that platform, so the tests prove that the readers
key every port by the name the Fabric holds (SONiC Ethernet<N>, Cumulus swp<N>, EOS Ethernet<c>/<l>,
the platform's loopback interface) — and that a fault in the output is named.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from toolkit import platforms
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.health import evaluate, expect
from toolkit.health.model import Case
from toolkit.health.readers import readers_for
from toolkit.spec.loader import load_or_raise
from toolkit.targets import DeviceAccess

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "vendor-docs"
PLATFORMS = ("sonic", "cumulus", "eos")

# fact kind -> (case builder, evaluator)
CHECKS: dict[str, tuple[str, Callable[[Case, Any], list[str]]]] = {
    "links": ("switch_ports", evaluate.link_state),
    "addrs": ("switch_addresses", evaluate.has_address),
    "lldp": ("lldp_ports", evaluate.lldp_neighbor),
    "bgp": ("bgp_sessions", evaluate.bgp_session),
}


@cache
def _fabric(platform: str) -> Fabric:
    spec, _ = load_or_raise(ROOT / "inventory" / "examples" / "lab-mini")
    return design(spec, platform)


def _fixture(platform: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{platform}-spine01.json").read_text())
    assert data["about"].startswith("WRITTEN FROM DOCUMENTATION, NOT CAPTURED")
    return data


def _facts(platform: str, outputs: dict[str, Any]) -> dict[str, Any]:
    readers = readers_for(platform)
    return {kind: readers[kind].parse(json.dumps(out)) for kind, out in outputs.items()}


def _problems(platform: str, outputs: dict[str, Any], device: str = "spine01") -> dict[str, list[str]]:
    facts = _facts(platform, outputs)
    out: dict[str, list[str]] = {}
    for kind, (builder, check) in CHECKS.items():
        cases = [c for c in getattr(expect, builder)(_fabric(platform), None) if c.device == device]
        assert cases, (platform, builder)
        out[kind] = [p for c in cases for p in check(c, facts[kind])]
    return out


def _access(platform: str, sudo: bool = True) -> DeviceAccess:
    return DeviceAccess(name="spine01", kind="switch", role="spine", platform=platform, address="192.0.2.1",
                        user="admin", sudo=sudo)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_registry_hook_names_the_readers(platform: str) -> None:
    ref = platforms.get(platform).hooks.facts
    assert ref, f"{platform} has no facts hook"
    assert set(readers_for(platform)) >= set(CHECKS)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_healthy_output_passes_every_check(platform: str) -> None:
    problems = _problems(platform, _fixture(platform)["outputs"])
    assert problems == {k: [] for k in CHECKS}


def test_sonic_loopback_is_loopback0_and_ports_are_sonic_names() -> None:
    facts = _facts("sonic", _fixture("sonic")["outputs"])
    assert "10.0.0.128/32" in facts["addrs"]["Loopback0"]
    lo = next(c for c in expect.switch_addresses(_fabric("sonic"), None) if c.device == "spine01" and c.port == "lo")
    assert lo.expect["ifname"] == platforms.get("sonic").loopback == "Loopback0"
    bgp = [c for c in expect.bgp_sessions(_fabric("sonic"), None) if c.device == "spine01"]
    assert {k for c in bgp for k in c.expect["keys"]} == {"Ethernet0", "Ethernet4", "Ethernet8", "Ethernet12"}


@pytest.mark.parametrize(
    ("platform", "edit", "kind", "wanted"),
    [
        ("sonic", lambda o: o["links"][4]["flags"].remove("LOWER_UP"), "links", "Ethernet0: link down"),
        ("sonic", lambda o: o["addrs"][2]["addr_info"].clear(), "addrs", "lo: address 10.0.0.128/32 missing"),
        ("sonic", lambda o: o["bgp"]["Ethernet8"].update(bgpState="Active"), "bgp", "is Active"),
        ("cumulus", lambda o: o["links"][3].update(mtu=1500), "links", "swp2: MTU 1500, expected 9216"),
        ("cumulus", lambda o: o["lldp"]["lldp"][0]["interface"].pop(0), "lldp", "swp1: expected su1-leaf-rail0 swp29"),
        ("eos", lambda o: o["links"]["interfaces"]["Ethernet2/1"].update(interfaceStatus="disabled"), "links",
         "Ethernet2/1: administratively down"),
        ("eos", lambda o: o["links"]["interfaces"]["Ethernet3/1"].update(lineProtocolStatus="down"), "links",
         "Ethernet3/1: link down"),
        ("eos", lambda o: o["addrs"]["interfaces"]["Loopback0"]["interfaceAddress"].clear(), "addrs",
         "lo: address 10.0.0.128/32 missing"),
        ("eos", lambda o: o["bgp"][0]["vrfs"]["default"]["peers"]["10.0.4.2"].update(peerState="Idle"), "bgp",
         "10.0.4.2: session to su1-leaf-rail0 Ethernet30/1 is Idle"),
        ("eos", lambda o: o["bgp"][0]["vrfs"]["default"]["peers"]["10.0.4.8"].update(asn="65000"), "bgp",
         "remote AS 65000, expected 4200010001"),
        ("eos", lambda o: o["lldp"]["lldpNeighbors"]["Ethernet4/1"]["lldpNeighborInfo"][0].update(systemName="x"),
         "lldp", "Ethernet4/1: expected su1-leaf-rail1 Ethernet30/1, LLDP sees x Ethernet30/1"),
    ],
)
def test_a_fault_in_the_output_is_named(platform: str, edit: Callable[[Any], Any], kind: str, wanted: str) -> None:
    outputs = copy.deepcopy(_fixture(platform)["outputs"])
    edit(outputs)
    problems = _problems(platform, outputs)
    assert any(wanted in p for p in problems[kind]), problems[kind]
    assert all(not v for k, v in problems.items() if k != kind), problems


def test_eos_evpn_summary_gives_the_evpn_address_family() -> None:
    outputs = copy.deepcopy(_fixture("eos")["outputs"])
    facts = _facts("eos", outputs)
    mp = facts["bgp"]["10.0.4.0"]["neighborCapabilities"]["multiprotocolExtensions"]
    assert mp == {"ipv4Unicast": {"advertisedAndReceived": True}}
    case = Case("spine01", "10.0.4.0", {"keys": ["10.0.4.0"], "peer_device": "su1-leaf-rail0", "peer_asn": 4200010000,
                                        "local_asn": 4200000100, "afis": ["ipv4-unicast", "l2vpn-evpn"]})
    assert any("l2vpn-evpn not negotiated" in p for p in evaluate.bgp_session(case, facts["bgp"]))
    evpn_peer = dict(outputs["bgp"][0]["vrfs"]["default"]["peers"]["10.0.4.0"])
    outputs["bgp"][1]["vrfs"]["default"]["peers"]["10.0.4.0"] = evpn_peer
    assert evaluate.bgp_session(case, _facts("eos", outputs)["bgp"]) == []


def test_commands_run_the_platform_tools() -> None:
    sonic, cumulus, eos = (readers_for(p) for p in PLATFORMS)
    assert sonic["lldp"].command(_access("sonic")) == "sudo -n docker exec lldp lldpcli show neighbors -f json0"
    assert sonic["bgp"].command(_access("sonic")) == "sudo -n vtysh -c 'show bgp vrf default neighbors json'"
    assert sonic["links"].command(_access("sonic")) == "ip -j -d link show"
    assert cumulus["lldp"].command(_access("cumulus")) == "sudo -n lldpcli show neighbors -f json0"
    assert eos["links"].command(_access("eos")) == "Cli -p 15 -c 'show interfaces | json'"
    bgp = eos["bgp"].command(_access("eos"))
    assert "Cli -p 15 -c 'show ip bgp summary vrf all | json'" in bgp
    assert "Cli -p 15 -c 'show bgp evpn summary | json'" in bgp
    assert eos["lldp"].command(_access("eos")) == "Cli -p 15 -c 'show lldp neighbors detail | json'"


def test_eos_bgp_command_prints_one_json_list(tmp_path: Path) -> None:
    """The two summaries come back as one JSON document: run the command with a stand-in ``Cli``
    (EOS cannot run here) that prints each summary of the fixture."""
    import subprocess

    docs = _fixture("eos")["outputs"]["bgp"]
    cli = tmp_path / "Cli"
    cli.write_text(
        "#!/bin/sh\n"
        f"case \"$4\" in 'show ip bgp'*) cat {tmp_path / 'a.json'};; *) cat {tmp_path / 'b.json'};; esac\n"
    )
    cli.chmod(0o755)
    (tmp_path / "a.json").write_text(json.dumps(docs[0], indent=2))
    (tmp_path / "b.json").write_text(json.dumps(docs[1], indent=2))
    cmd = readers_for("eos")["bgp"].command(_access("eos"))
    out = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, check=True,
                         env={"PATH": f"{tmp_path}:/usr/bin:/bin"}).stdout
    assert json.loads(out) == docs
    assert set(readers_for("eos")["bgp"].parse(out)) == {"10.0.4.0", "10.0.4.2", "10.0.4.8", "10.0.4.10"}
