"""Shared helpers for the platform render tests (frr, sonic).

- designed Fabrics per (example, platform) and rendered files per device, cached for the session;
- ``sample``: every switch of the small examples, the first and last switch of each role for
  cluster-16k;
- small parsers for what the renderers write (FRR configuration, ifupdown2 interfaces), so the
  tests compare *facts* read back from the text with the Fabric;
- ``vtysh --dryrun`` (the real FRR parser, no daemons needed).

The helpers are exposed as session fixtures (``frr_tools``) so that test modules do not import
this file.
"""

from __future__ import annotations

import functools
import gc
import ipaddress
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from tests.forced import sonic_stand_ins
from toolkit.design import design
from toolkit.design.model import BgpNeighbor, Device, Fabric
from toolkit.render.core import environment
from toolkit.render.switches import render_device
from toolkit.spec import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "inventory" / "examples"
# cluster-100k is designed in tests/scale (slow): a design per platform here would take minutes
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "cluster-100k")
GOLDEN = ROOT / "tests" / "golden"
BIG = {"cluster-16k"}
VTYSH = shutil.which("vtysh")


@functools.cache
def fabric(example: str, platform: str) -> Fabric:
    spec = load(EXAMPLES / example).spec
    assert spec is not None
    if platform == "sonic":  # cluster-16k's OOB chassis has no SONiC SKU: a stand-in (tests/forced.py)
        sonic_stand_ins(spec)
    fab = design(spec, platform=platform)
    # the Fabric lives for the whole session: keep its objects out of every later full garbage
    # collection (several seconds each for cluster-16k)
    gc.freeze()
    return fab


@functools.lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    return environment()


_RENDERED: dict[tuple[str, str, str], dict[str, str]] = {}


def rendered(example: str, platform: str, device: str) -> dict[str, str]:
    key = (example, platform, device)
    if key not in _RENDERED:
        fab = fabric(example, platform)
        _RENDERED[key] = render_device(fab.devices[device], fab, env())
    return _RENDERED[key]


def sample(example: str, platform: str) -> list[str]:
    """Switch names to check: all of them, or for the big example the first and last per role
    (InfiniBand switches have no NOS configuration: the subnet manager renders their fabric)."""
    fab = fabric(example, platform)
    switches = [d for d in fab.switches() if d.platform != "infiniband"]
    if example not in BIG:
        return [d.name for d in switches]
    by_role: dict[str, list[str]] = {}
    for d in switches:
        by_role.setdefault(d.role, []).append(d.name)
    out: list[str] = []
    for names in by_role.values():
        out += [names[0]] if len(names) == 1 else [names[0], names[-1]]
    return out


# --- FRR configuration parser -------------------------------------------------------------------


@dataclass
class Bgp:
    asn: int
    vrf: str | None
    router_id: str | None = None
    globals: list[str] = field(default_factory=list)  # "bgp ..." / "no bgp ..." lines
    neighbors: dict[str, dict[str, Any]] = field(default_factory=dict)  # peer -> remote_as, interface, ...
    afs: dict[str, dict[str, Any]] = field(default_factory=dict)  # "ipv4 unicast" -> facts


@dataclass
class FrrConf:
    lines: list[str]
    hostname: str | None = None
    defaults: str | None = None
    interfaces: dict[str, dict[str, str]] = field(default_factory=dict)
    prefix_lists: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)  # seq, action, prefix
    route_maps: dict[str, list[str]] = field(default_factory=dict)
    vrfs: dict[str, int | None] = field(default_factory=dict)  # vrf -> vni
    bgp: dict[str | None, Bgp] = field(default_factory=dict)  # by VRF (None = default)


def parse_frr(text: str) -> FrrConf:
    """A small, strict parser for the subset of FRR syntax the renderers write.

    Unknown top-level statements fail the parse, so a template typo cannot slip through."""
    conf = FrrConf(lines=text.splitlines())
    block: str | None = None
    name: str | None = None
    bgp: Bgp | None = None
    af: dict[str, Any] | None = None
    for raw in conf.lines:
        line = raw.rstrip()
        if not line.strip() or line.strip() == "!":
            continue
        words = line.split()
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            af = None
            if words[0] in ("exit", "exit-vrf", "end"):
                block = name = None
                bgp = None
                continue
            if words[:2] == ["frr", "defaults"]:
                conf.defaults = words[2]
            elif words[0] == "hostname":
                conf.hostname = words[1]
            elif words == ["service", "integrated-vtysh-config"]:
                pass
            elif words[0] == "interface":
                block, name = "interface", words[1]
                conf.interfaces.setdefault(name, {})
            elif words[:2] == ["ip", "prefix-list"]:
                # ip prefix-list NAME seq N permit PREFIX
                assert words[3] == "seq", line
                conf.prefix_lists.setdefault(words[2], []).append((int(words[4]), words[5], words[6]))
            elif words[0] == "route-map":
                block, name = "route-map", words[1]
                conf.route_maps.setdefault(name, [])
            elif words[0] == "vrf":
                block, name = "vrf", words[1]
                conf.vrfs[name] = None
            elif words[:2] == ["router", "bgp"]:
                vrf = words[4] if len(words) > 4 and words[3] == "vrf" else None
                bgp = Bgp(asn=int(words[2]), vrf=vrf)
                assert vrf not in conf.bgp, f"two router bgp blocks for VRF {vrf}"
                conf.bgp[vrf] = bgp
                block = "bgp"
            else:
                raise AssertionError(f"unexpected top-level FRR line: {line!r}")
            continue
        if block == "interface":
            assert name is not None
            if words[0] == "description":
                conf.interfaces[name]["description"] = line.strip()[len("description "):]
            elif words[:2] == ["evpn", "mh"]:  # EVPN multihoming: es-id N, es-sys-mac MAC, uplink
                conf.interfaces[name].setdefault("evpn_mh", {})[words[2]] = words[3] if len(words) > 3 else True
            else:
                raise AssertionError(f"unexpected interface line: {line!r}")
        elif block == "route-map":
            assert name is not None
            conf.route_maps[name].append(line.strip())
        elif block == "vrf":
            assert name is not None and words[0] == "vni", line
            conf.vrfs[name] = int(words[1])
        elif block == "bgp":
            assert bgp is not None
            if words[0] == "address-family":
                af = {"activate": [], "lines": []}
                bgp.afs[" ".join(words[1:])] = af
            elif words[0] == "exit-address-family":
                af = None
            elif af is not None:
                af["lines"].append(line.strip())
                if words[0] == "neighbor" and words[2:] == ["activate"]:
                    af["activate"].append(words[1])
                elif words[0] == "maximum-paths":
                    af["maximum_paths"] = int(words[1])
            elif words[:2] == ["bgp", "router-id"]:
                bgp.router_id = words[2]
            elif words[0] in ("bgp", "no"):
                bgp.globals.append(line.strip())
            elif words[0] == "neighbor":
                peer = words[1]
                n = bgp.neighbors.setdefault(peer, {})
                rest = words[2:]
                if rest[:1] == ["interface"]:
                    n["interface"] = True
                    rest = rest[1:]
                if rest[:1] == ["remote-as"]:
                    assert "remote_as" not in n, f"neighbor {peer} defined twice"
                    n["remote_as"] = int(rest[1])
                    n.setdefault("interface", False)
                elif rest[:1] == ["description"]:
                    n["description"] = " ".join(rest[1:])
                else:
                    raise AssertionError(f"unexpected neighbor line: {line!r}")
            else:
                raise AssertionError(f"unexpected router bgp line: {line!r}")
        else:
            raise AssertionError(f"indented line outside a block: {line!r}")
    return conf


def check_frr_consistency(conf: FrrConf) -> None:
    """What vtysh --dryrun does not check: references between statements."""
    for b in conf.bgp.values():
        for af in b.afs.values():
            for peer in af["activate"]:
                assert peer in b.neighbors, f"activate of undefined neighbor {peer}"
            for line in af["lines"]:
                m = re.match(r"redistribute connected route-map (\S+)$", line)
                if m:
                    assert m.group(1) in conf.route_maps, f"undefined route-map {m.group(1)}"
        if b.vrf is not None:
            assert b.vrf in conf.vrfs, f"router bgp for undefined vrf {b.vrf}"
    for rm, lines in conf.route_maps.items():
        for line in lines:
            m = re.match(r"match ip address prefix-list (\S+)$", line)
            if m:
                assert m.group(1) in conf.prefix_lists, f"route-map {rm}: undefined prefix-list {m.group(1)}"
    for pl, entries in conf.prefix_lists.items():
        seqs = [s for s, _, _ in entries]
        assert len(seqs) == len(set(seqs)), f"prefix-list {pl}: duplicate seq"


# --- expectations computed from the Fabric alone --------------------------------------------------

LEAF_ROLES = {"leaf", "business-leaf", "storage-leaf"}


def neighbor_key(dev: Device, b: BgpNeighbor, ifnames: bool) -> str:
    """How FRR names the neighbor: the local interface (unnumbered) or the peer address."""
    if not b.unnumbered:
        assert b.peer_address
        return b.peer_address
    assert b.interface
    return dev.port(b.interface).ifname if ifnames else b.interface


def expected_advertise(dev: Device, fab: Fabric) -> set[str]:
    """The Fabric's decision (``Device.advertise``; its derivation is tested in tests/core/test_policy.py)."""
    return set(dev.advertise)


def check_bgp(dev: Device, fab: Fabric, conf: FrrConf, *, ifnames: bool) -> None:
    """BGP facts of a parsed frr.conf against the Fabric (frr platform: Linux ifnames; sonic: native)."""
    check_frr_consistency(conf)
    assert conf.hostname == dev.name
    assert conf.defaults == "datacenter"
    if dev.asn is None or not dev.bgp:
        assert not conf.bgp, f"{dev.name}: no BGP in the Fabric but router bgp rendered"
        return
    b = conf.bgp[None]
    assert b.asn == dev.asn, f"{dev.name}: local AS"
    assert dev.loopback
    assert b.router_id == str(ipaddress.ip_interface(dev.loopback).ip)
    assert "bgp bestpath as-path multipath-relax" in b.globals
    default = [n for n in dev.bgp if n.vrf is None]  # tenant-VRF border sessions live in their VRF's block
    want = {neighbor_key(dev, n, ifnames): (n.peer_asn, n.unnumbered) for n in default}
    got = {peer: (n.get("remote_as"), n.get("interface")) for peer, n in b.neighbors.items()}
    assert got == want, f"{dev.name}: neighbors (remote AS, unnumbered) differ"
    for n in default:
        desc = f"{n.peer_device}:{n.peer_interface}" if n.peer_interface else n.peer_device
        assert b.neighbors[neighbor_key(dev, n, ifnames)].get("description") == desc
    v4 = b.afs["ipv4 unicast"]
    assert sorted(v4["activate"]) == sorted(neighbor_key(dev, n, ifnames) for n in default if "ipv4-unicast" in n.afis)
    assert v4["maximum_paths"] == dev.ecmp
    (rm,) = [line.split()[-1] for line in v4["lines"] if line.startswith("redistribute connected route-map")]
    (pl,) = [line.split()[-1] for line in conf.route_maps[rm] if line.startswith("match ip address prefix-list")]
    assert {prefix for _, action, prefix in conf.prefix_lists[pl] if action == "permit"} == expected_advertise(dev, fab)
    evpn = [neighbor_key(dev, n, ifnames) for n in dev.bgp if "l2vpn-evpn" in n.afis]
    if evpn:
        af = b.afs["l2vpn evpn"]
        assert sorted(af["activate"]) == sorted(evpn)
        assert ("advertise-all-vni" in af["lines"]) == (dev.role in LEAF_ROLES)
    else:
        assert "l2vpn evpn" not in b.afs


# --- ifupdown2 interfaces parser ------------------------------------------------------------------


def parse_interfaces(text: str) -> dict[str, dict[str, list[str]]]:
    """``iface NAME`` stanzas -> {attribute: [values]}; ``auto`` lines must match the stanzas."""
    out: dict[str, dict[str, list[str]]] = {}
    autos: list[str] = []
    cur: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            words = raw.split()
            if words[0] == "auto":
                autos += words[1:]
                cur = None
            elif words[0] == "iface":
                assert words[1] not in out, f"iface {words[1]} twice"
                cur = out[words[1]] = {}
                if len(words) > 2:
                    cur["inet"] = words[2:]
            else:
                raise AssertionError(f"unexpected interfaces line: {raw!r}")
            continue
        assert cur is not None, f"attribute outside a stanza: {raw!r}"
        key, _, value = raw.strip().partition(" ")
        cur.setdefault(key, []).append(value)
    assert sorted(autos) == sorted(out), "auto lines and iface stanzas differ"
    return out


# --- real FRR -----------------------------------------------------------------------------------


def vtysh_dryrun(path: Path) -> subprocess.CompletedProcess[str]:
    """``vtysh --dryrun --inputfile PATH``: FRR's own parser, no daemon needed. Exit status 0
    and nothing on stdout/stderr mean every line was accepted."""
    assert VTYSH is not None
    return subprocess.run([VTYSH, "--dryrun", "--inputfile", str(path)], capture_output=True, text=True,
                          timeout=60)


def update_golden() -> bool:
    return os.environ.get("AIDC_UPDATE_GOLDEN") == "1"


def check_golden(platform: str) -> None:
    """lab-mini on ``platform`` byte-for-byte against tests/golden/lab-mini/<platform>/
    (AIDC_UPDATE_GOLDEN=1 rewrites them); a stale or missing golden file fails."""
    root = GOLDEN / "lab-mini" / platform
    fab = fabric("lab-mini", platform)
    want = {f"{d.name}/{f}": text for d in fab.switches() for f, text in rendered("lab-mini", platform, d.name).items()}
    if update_golden():
        shutil.rmtree(root, ignore_errors=True)
        for rel, text in want.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
    have = {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}
    assert sorted(have) == sorted(want), "golden file set differs (stale or missing; AIDC_UPDATE_GOLDEN=1 regenerates)"
    for rel in want:
        assert have[rel] == want[rel], f"{rel} differs from its golden file (AIDC_UPDATE_GOLDEN=1 to regenerate)"


@pytest.fixture(scope="session")
def frr_tools() -> SimpleNamespace:
    return SimpleNamespace(
        parse_frr=parse_frr,
        check_frr_consistency=check_frr_consistency,
        check_bgp=check_bgp,
        expected_advertise=expected_advertise,
        neighbor_key=neighbor_key,
        parse_interfaces=parse_interfaces,
        vtysh_dryrun=vtysh_dryrun,
    )


@pytest.fixture(scope="session")
def render_cache() -> SimpleNamespace:
    return SimpleNamespace(fabric=fabric, rendered=rendered, sample=sample, env=env, examples=EXAMPLE_NAMES,
                           golden=GOLDEN, update_golden=update_golden, check_golden=check_golden)


@pytest.fixture
def require_vtysh() -> None:
    if VTYSH is None:
        pytest.skip("vtysh not installed (Debian package frr): cannot check configs with the real FRR parser")

