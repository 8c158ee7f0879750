#!/usr/bin/env python3
"""aidc against Arista AVD (pyavd) on the same intent: final EOS config text for every switch.

The fabric: a pure L3 leaf-spine EVPN fabric, 2 spines and N leaves (N = 8, 32, 128, 512 by
default), eBGP underlay on /31 links, EVPN overlay, 2 tenant VRFs with an L3VNI and 2 VLANs /
L2VNIs / anycast-gateway SVIs each, on every leaf. It is written twice:

- as an aidc spec (``spec_for``): ``networks.business`` only — no compute plane, no OOB, no servers;
  the tenants' networks are placed on every leaf (``leaves: all``), without member servers;
- as pyavd inputs (``avd_inputs``): AVD's ``eos_designs`` inputs (one dict of variables per
  host, ``type: spine`` / ``l3leaf``), run through ``validate_inputs`` -> ``get_avd_facts`` ->
  ``get_device_structured_config`` -> ``get_device_config`` (eos_cli_config_gen).

Measured, in alternating runs (aidc first on even rounds, pyavd first on odd ones), medians:

- whole process (after one untimed run of each, so both run with their bytecode cached, as
  installed): ``aidc render SPEC --out DIR`` into an empty folder (every switch config plus
  the Ansible inventory and the documents, written to disk) against a fresh Python process that runs the stock pyavd
  pipeline on the inputs (a JSON file) and writes every config to disk;
- in process (both loaded once in this process, one warm-up run each): aidc load + validate +
  design + render of the switches; pyavd stock (the public API as documented); pyavd tuned
  (private API: schema store and templates preloaded by the warm-up, one ``Templar`` for all
  devices instead of one per ``get_device_config`` call).

Wall and CPU seconds (user + system, children included) are printed with the load average
(``os.getloadavg``) before each N: the machine is shared. Then the intent check, switch by switch
(``compare``): the sessions of the default VRF active in IPv4 unicast (underlay) and in EVPN
(overlay), peer groups resolved, routed fabric links, VLANs, SVIs, L2VNI and L3VNI mappings,
tenant VRFs and anycast gateways must be equal on every switch, else the script exits 1. The BGP
neighbour count and config length are shown, not compared: AVD runs EVPN on separate loopback
sessions (aidc on the link sessions) and adds a VTEP Loopback1; aidc prints every unused port
as shut down.

pyavd is not a dependency of aidc (it is in the test extras for the EOS cross-check, so the
project venv has it). Another interpreter can run the pyavd side::

    python3 -m venv bench/.venv && bench/.venv/bin/pip install 'pyavd==6.4.0'
    .venv/bin/python bench/compare_pyavd.py --pyavd-python bench/.venv/bin/python

Usage: ``.venv/bin/python bench/compare_pyavd.py [--n 8 32 128 512] [--runs 5] [--runs-at 512=3]
[--mode whole|inproc|both] [--pyavd-python PY] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPINES = 2
LEAF_ASN = 4200110000
SPINE_ASN = 4200100000
#: (VRF, L3VNI, [(VLAN, L2VNI, gateway/prefix)]): 2 VRFs with 2 SVIs each
TENANTS = [
    ("blue", 50100, [(100, 10100, "172.16.100.1/24"), (101, 10101, "172.16.101.1/24")]),
    ("green", 50200, [(200, 10200, "172.16.200.1/24"), (201, 10201, "172.16.201.1/24")]),
]
VMAC = "00:1c:73:00:00:01"


def leaf_name(i: int) -> str:
    return f"fe-leaf{i + 1:02d}"


def spine_name(j: int) -> str:
    return f"fe-spine{j + 1:02d}"


# --------------------------------------------------------------------------- the aidc spec


def tenant_networks() -> bool:
    """aidc's spec holds several networks per tenant VRF, placed on leaves without members."""
    sys.path.insert(0, str(ROOT))
    from toolkit.spec.models import TenantSpec

    return "networks" in TenantSpec.model_fields


def spec_for(n: int, tenants: bool = True) -> dict[str, Any]:
    """The aidc spec of the fabric with ``n`` leaves (one leaf per rack, spines in a network rack)."""
    spec: dict[str, Any] = {
        "cluster": {"name": f"l3ls-{n}", "description": f"pure L3 leaf-spine EVPN fabric, {n} leaves"},
        "site": {"domain": "l3ls.example.net", "ntp": ["192.0.2.10"], "dns": ["192.0.2.11"]},
        "catalog": {
            "switches": {
                # 48 x 25G + 8 x 100G uplink cages (a 7050SX3-48YC8-class leaf)
                "dcs-7050sx3": {"vendor": "arista", "platform": "eos", "ports": 48, "speed": "25G",
                                "uplink_cages": {"ports": 8, "speed": "100G"}},
                # a modular spine with a 100G port per leaf (7800R3-class)
                "dcs-7800r3": {"vendor": "arista", "platform": "eos", "ports": 576, "speed": "100G"},
            }
        },
        "layout": {"racks": [{"name": "net-r01", "role": "network"}, {"name": "rack", "count": n, "role": "mixed"}]},
        "networks": {
            "business": {
                "leaf": {"model": "dcs-7050sx3"},
                "spine": {"model": "dcs-7800r3", "count": SPINES},
                "leaves_per_group": 1,
                "underlay": "numbered",
                "addressing": {"loopbacks": "10.255.0.0/21", "p2p": "10.254.0.0/20", "hosts": "10.192.0.0/16"},
                "asn": {"spine": SPINE_ASN, "leaf_base": LEAF_ASN},
            }
        },
        "tenants": [
            {
                "name": vrf,
                "l3vni": l3vni,
                "networks": [
                    {"name": f"{vrf}-{vlan}", "vni": vni, "vlan": vlan, "subnet": _net(gw), "gateway": gw.split("/")[0],
                     "leaves": "all"}
                    for vlan, vni, gw in svis
                ],
            }
            for vrf, l3vni, svis in TENANTS
        ],
    }
    if not tenants:
        del spec["tenants"]
    return spec


def _net(gw: str) -> str:
    import ipaddress

    return str(ipaddress.ip_interface(gw).network)


# --------------------------------------------------------------------------- the AVD inputs


def avd_inputs(n: int, tenants: bool = True) -> dict[str, dict[str, Any]]:
    """AVD eos_designs inputs, one dict of variables per host (what an Ansible inventory's group
    and host vars merge to): the same fabric, names, ASNs and port names as the aidc design."""
    common: dict[str, Any] = {
        "fabric_name": "L3LS",
        "underlay_routing_protocol": "ebgp",
        "overlay_routing_protocol": "ebgp",
        "mgmt_interface_vrf": "MGMT",
        "dns_settings": {"domain": "l3ls.example.net", "servers": [{"ip_address": "192.0.2.11", "vrf": "MGMT"}]},
        "ntp_settings": {"server_vrf": "MGMT", "servers": [{"name": "192.0.2.10"}]},
        "bgp_peer_groups": {},
        "p2p_uplinks_mtu": 9214,
        "spine": {
            "defaults": {"platform": "7800R3", "bgp_as": str(SPINE_ASN), "loopback_ipv4_pool": "10.255.4.0/24"},
            "nodes": [{"name": spine_name(j), "id": j + 1} for j in range(SPINES)],
        },
        "l3leaf": {
            "defaults": {
                "platform": "7050X3",
                "loopback_ipv4_pool": "10.255.0.0/22",
                "vtep_loopback_ipv4_pool": "10.255.8.0/22",
                "uplink_switches": [spine_name(j) for j in range(SPINES)],
                "uplink_interfaces": [f"Ethernet{49 + j}/1" for j in range(SPINES)],
                "uplink_ipv4_pool": "10.254.0.0/20",
                "virtual_router_mac_address": VMAC,
            },
            "nodes": [
                {"name": leaf_name(i), "id": i + 1, "bgp_as": str(LEAF_ASN + i),
                 "uplink_switch_interfaces": [f"Ethernet{i + 1}/1"] * SPINES}
                for i in range(n)
            ],
        },
        "tenants": [
            {
                "name": "TENANTS",
                "mac_vrf_vni_base": 0,
                "vrfs": [
                    {
                        "name": vrf,
                        "vrf_vni": l3vni,
                        "svis": [{"id": vlan, "name": f"{vrf}-{vlan}", "enabled": True, "ip_address_virtual": gw}
                                 for vlan, _vni, gw in svis],
                    }
                    for vrf, l3vni, svis in TENANTS
                ],
            }
        ],
    }
    # L2VNIs as aidc numbers them (AVD: mac_vrf_vni_base + VLAN unless given per SVI)
    for t, (_vrf, _l3, svis) in zip(common["tenants"][0]["vrfs"], TENANTS, strict=True):
        for svi, (_vlan, vni, _gw) in zip(t["svis"], svis, strict=True):
            svi["vni_override"] = vni
    if not tenants:
        del common["tenants"]
    hosts = {spine_name(j): "spine" for j in range(SPINES)} | {leaf_name(i): "l3leaf" for i in range(n)}
    return {h: {**common, "type": t} for h, t in hosts.items()}


# --------------------------------------------------------------------------- the pyavd pipelines


def pyavd_stock(inputs: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Stock pyavd, as its documentation shows: validate every host's inputs, the facts, then the
    structured config and the EOS config of each device."""
    from pyavd import get_avd_facts, get_device_config, get_device_structured_config, validate_inputs
    from pyavd.api.schemas import AVDDesign

    validated: dict[str, Any] = {}
    for host, hv in inputs.items():
        res = validate_inputs(hv)
        if res.validated_data is None or res.validation_result.violations:
            bad = [(v.path, v.message) for v in res.validation_result.violations[:3]]
            raise SystemExit(f"pyavd refused the inputs of {host}: {bad}")
        validated[host] = AVDDesign._from_dict(res.validated_data)
    facts = get_avd_facts(validated)
    return {h: get_device_config(get_device_structured_config(h, validated[h], facts)) for h in validated}


def pyavd_tuned(inputs: dict[str, dict[str, Any]]) -> dict[str, str]:
    """pyavd with its private-API tuning: one Templar for every device (its compiled templates
    loaded once); run after a warm-up, so the schema store and modules are preloaded."""
    from pyavd import get_avd_facts, get_device_structured_config, validate_inputs
    from pyavd.api.schemas import AVDDesign
    from pyavd.constants import (
        EOS_CLI_CONFIG_GEN_JINJA2_CONFIG_TEMPLATE,
        EOS_CLI_CONFIG_GEN_JINJA2_PRECOMPILED_TEMPLATE_PATH,
    )
    from pyavd.templater import Templar

    templar = _TEMPLAR.get("t")
    if templar is None:
        templar = Templar(precompiled_templates_path=EOS_CLI_CONFIG_GEN_JINJA2_PRECOMPILED_TEMPLATE_PATH)
        _TEMPLAR["t"] = templar
    validated = {h: AVDDesign._from_dict(validate_inputs(hv).validated_data) for h, hv in inputs.items()}
    facts = get_avd_facts(validated)
    out = {}
    for h in validated:
        sc = get_device_structured_config(h, validated[h], facts)._as_dict()
        out[h] = templar.render_template_from_file(template_file=EOS_CLI_CONFIG_GEN_JINJA2_CONFIG_TEMPLATE,
                                                   template_vars=sc)
    return out


_TEMPLAR: dict[str, Any] = {}


def pyavd_worker(inputs_file: str, out_dir: str) -> None:
    """The whole-process pyavd run: inputs from JSON, every config written to ``out_dir``."""
    inputs = json.loads(Path(inputs_file).read_text())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for host, text in pyavd_stock(inputs).items():
        (out / f"{host}.cfg").write_text(text)


# --------------------------------------------------------------------------- aidc in process


def aidc_inproc(spec_file: Path) -> dict[str, str]:
    """aidc in process: load, validate (with the trial design, which is the design), render the
    switches."""
    from toolkit.render.core import environment
    from toolkit.render.switches import render as render_switches
    from toolkit.rules import load_and_design

    _spec, findings, fabric = load_and_design(spec_file)
    if fabric is None:
        raise SystemExit("aidc refused the spec: " + "; ".join(f.text() for f in findings if f.severity == "error"))
    files = render_switches(fabric, environment())
    return {path.split("/")[1]: text for path, text in files.items() if path.endswith("/startup-config")}


# --------------------------------------------------------------------------- content


SECTIONS: list[tuple[str, re.Pattern[str]]] = [
    ("routed links (ip address on Ethernet)", re.compile(r"^interface Ethernet\S+\n(?:   .*\n)*?   ip address ", re.M)),
    ("VLANs", re.compile(r"^vlan \d+", re.M)),
    ("SVIs (interface Vlan)", re.compile(r"^interface Vlan\d+", re.M)),
    ("L2VNI mappings (vxlan vlan)", re.compile(r"^   vxlan vlan \d+ vni ", re.M)),
    ("L3VNI mappings (vxlan vrf)", re.compile(r"^   vxlan vrf \S+ vni ", re.M)),
    ("tenant VRFs (vrf instance, MGMT excluded)", re.compile(r"^vrf instance (?!MGMT$)\S+$", re.M)),
    ("anycast gateways (ip address virtual)", re.compile(r"^   ip address virtual ", re.M)),
]
#: the rows that must be equal, switch by switch, for both tools to express the same intent
INTENT = [
    "IPv4 unicast sessions (underlay)",
    "EVPN sessions (overlay)",
    *[lab for lab, _ in SECTIONS],
]
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def bgp_sessions(text: str) -> dict[str, set[str]]:
    """The neighbours of ``router bgp`` (the default VRF) and those active in the IPv4 unicast and
    EVPN address families, peer groups resolved: AVD activates a peer group, aidc each neighbour."""
    m = re.search(r"^router bgp \S+\n((?:[ !].*\n)*)", text, re.M)
    if not m:
        return {"all": set(), "ipv4": set(), "evpn": set()}
    group: dict[str, str] = {}
    peers: set[str] = set()
    on: dict[str, dict[str, bool]] = {"ipv4": {}, "evpn": {}}
    af = None
    for line in m.group(1).splitlines():
        if line.startswith("   ") and not line.startswith("    "):  # router-level line
            af = None
            words = line.split()
            if words[:2] == ["address-family", "ipv4"] and len(words) == 2:
                af = "ipv4"
            elif words[:2] == ["address-family", "evpn"]:
                af = "evpn"
            elif words[0] == "neighbor" and _IP.match(words[1]):
                peers.add(words[1])
                if words[2:4] == ["peer", "group"] and len(words) == 5:
                    group[words[1]] = words[4]
            elif words[0] == "vrf":
                af = "vrf"  # a VRF block: its lines are not the default VRF's
        elif af in on and line.startswith("      "):
            words = line.split()
            neg = words[0] == "no"
            words = words[1:] if neg else words
            if words[0] == "neighbor" and words[-1] == "activate":
                on[af][words[1]] = not neg
    out = {"all": peers}
    for fam, act in on.items():
        out[fam] = {p for p in peers if act.get(p, act.get(group.get(p, ""), False))}
    return out


def content(text: str) -> Counter[str]:
    """The intent rows of one switch's configuration."""
    c: Counter[str] = Counter()
    s = bgp_sessions(text)
    c["BGP neighbours"] = len(s["all"])
    c["IPv4 unicast sessions (underlay)"] = len(s["ipv4"])
    c["EVPN sessions (overlay)"] = len(s["evpn"])
    for label, pat in SECTIONS:
        c[label] = len(pat.findall(text))
    c["config lines"] = text.count("\n")
    return c


def compare(aidc: dict[str, str], avd: dict[str, str]) -> tuple[Counter[str], Counter[str], list[str]]:
    """Totals of each tool and the differences switch by switch (empty: the same intent)."""
    ta: Counter[str] = Counter(switches=len(aidc))
    tb: Counter[str] = Counter(switches=len(avd))
    diffs = [f"only aidc: {h}" for h in sorted(aidc.keys() - avd.keys())]
    diffs += [f"only pyavd: {h}" for h in sorted(avd.keys() - aidc.keys())]
    for host in sorted(aidc.keys() | avd.keys()):
        a = content(aidc[host]) if host in aidc else Counter()
        b = content(avd[host]) if host in avd else Counter()
        ta.update(a)
        tb.update(b)
        if host in aidc and host in avd:
            diffs += [f"{host}: {row} aidc {a[row]}, pyavd {b[row]}" for row in INTENT if a[row] != b[row]]
    return ta, tb, diffs


# --------------------------------------------------------------------------- measuring


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process and its children, result)."""
    c0, w0 = _cpu(), time.perf_counter()
    res = fn()
    return time.perf_counter() - w0, _cpu() - c0, res


def _cpu() -> float:
    """User + system seconds of this process and of every child it waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if p.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")


def _aidc_cmd() -> list[str]:
    script = Path(sys.executable).with_name("aidc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "toolkit.cli"]


def _alternate(
    runs: int, a: Callable[[], Any], b: Callable[[], Any], fresh: tuple[Path | None, Path | None] = (None, None)
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """``runs`` timings of each, ``a`` first on even rounds, ``b`` first on odd ones; ``fresh``: the
    output folder of each, removed before each of its runs (untimed), so every run writes all its
    files (and the folder is left whole after it for the content check)."""
    ta: list[tuple[float, float]] = []
    tb: list[tuple[float, float]] = []
    for i in range(runs):
        order = [(a, ta, fresh[0]), (b, tb, fresh[1])]
        for fn, acc, out in order if i % 2 == 0 else order[::-1]:
            if out is not None:
                shutil.rmtree(out, ignore_errors=True)
            w, c, _ = _timed(fn)
            acc.append((w, c))
    return ta, tb


def _med(xs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in xs), statistics.median(c for _, c in xs)


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[8, 32, 128, 512], help="leaf counts")
    ap.add_argument("--runs", type=int, default=5, help="alternating runs per tool and N (median)")
    ap.add_argument("--runs-at", action="append", default=[], metavar="N=RUNS",
                    help="fewer (or more) runs at one leaf count, e.g. 512=3 (repeatable)")
    ap.add_argument("--mode", choices=("whole", "inproc", "both"), default="both")
    ap.add_argument("--pyavd-python", default=sys.executable, help="interpreter with pyavd (default: this one)")
    ap.add_argument("--keep", type=Path, help="keep specs, inputs and outputs here")
    ap.add_argument("--pyavd-worker", nargs=2, metavar=("INPUTS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pyavd_worker:
        pyavd_worker(*args.pyavd_worker)
        return
    runs_at = {int(k): int(v) for k, v in (x.split("=", 1) for x in args.runs_at)}
    args.tenants = tenant_networks()
    if not args.tenants:
        print("this aidc has one network per tenant: the fabric is measured without tenants on both sides",
              file=sys.stderr)
    work = args.keep or Path(tempfile.mkdtemp(prefix="aidc-vs-avd-"))
    work.mkdir(parents=True, exist_ok=True)
    whole: list[Any] = []
    inproc: list[Any] = []
    contents: list[Any] = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for n in args.n:
        w, i, c = _measure(n, runs_at.get(n, args.runs), args, work / f"n{n}")
        whole += w
        inproc += i
        contents += c
    print(f"\n{started}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}, pyavd {_pyavd_version(args)}; "
          f"command: {' '.join(sys.argv)}")
    _report(whole, inproc, contents)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    if any(diffs for *_, diffs in contents):
        raise SystemExit("the two tools' configurations differ in intent (see above)")


def _pyavd_version(args: argparse.Namespace) -> str:
    p = subprocess.run([args.pyavd_python, "-c", "import importlib.metadata as m; print(m.version('pyavd'))"],
                       capture_output=True, text=True, check=False)
    return p.stdout.strip() or "?"


def _measure(n: int, runs: int, args: argparse.Namespace, d: Path) -> tuple[list[Any], list[Any], list[Any]]:
    import yaml

    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    spec_file = d / "spec.yml"
    spec_file.write_text(yaml.safe_dump(spec_for(n, args.tenants), sort_keys=False))
    inputs = avd_inputs(n, args.tenants)
    inputs_file = d / "avd-inputs.json"
    inputs_file.write_text(json.dumps(inputs))
    aidc_out, avd_out = d / "aidc-out", d / "avd-out"
    # bytecode cached as in any installation (pip compiles site-packages; this machine's
    # environment may say PYTHONDONTWRITEBYTECODE, which would recompile aidc's modules every run)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPATH": str(ROOT)}
    aidc_cmd = [*_aidc_cmd(), "render", str(spec_file), "--out", str(aidc_out)]
    avd_cmd = [args.pyavd_python, str(Path(__file__).resolve()), "--pyavd-worker", str(inputs_file), str(avd_out)]
    whole, inproc, contents = [], [], []
    aidc_cfg: dict[str, str] = {}
    avd_cfg: dict[str, str] = {}
    if args.mode in ("whole", "both"):
        if not _WARM:  # one untimed run of each first: the bytecode caches are written
            _alternate(1, lambda: _run(aidc_cmd, env), lambda: _run(avd_cmd, env), (aidc_out, avd_out))
            _WARM.append(n)
        load = _load()
        ta, tb = _alternate(runs, lambda: _run(aidc_cmd, env), lambda: _run(avd_cmd, env), (aidc_out, avd_out))
        whole.append((n, runs, load, _med(ta), _med(tb)))
        print(f"whole process N={n}: aidc {_med(ta)}, pyavd {_med(tb)} (load {load})", file=sys.stderr)
        switches = aidc_out / f"l3ls-{n}" / "switches"
        aidc_cfg = {p.parent.name: p.read_text() for p in switches.glob("*/startup-config")}
        avd_cfg = {p.stem: p.read_text() for p in avd_out.glob("*.cfg")}
    if args.mode in ("inproc", "both"):
        sys.path.insert(0, str(ROOT))
        in_aidc = aidc_inproc(spec_file)  # warm-up: imports, template cache
        in_avd = pyavd_stock(inputs)  # warm-up: imports, schema store
        in_tuned = pyavd_tuned(inputs)  # and its Templar
        if in_tuned != in_avd:
            raise SystemExit(f"N={n}: pyavd tuned renders other configs than stock pyavd")
        if aidc_cfg and in_aidc != aidc_cfg:
            raise SystemExit(f"N={n}: aidc in process renders other configs than aidc render")
        aidc_cfg, avd_cfg = aidc_cfg or in_aidc, avd_cfg or in_avd
        load = _load()
        ta, tb = _alternate(runs, lambda: aidc_inproc(spec_file), lambda: pyavd_stock(inputs))
        ta2, tt = _alternate(runs, lambda: aidc_inproc(spec_file), lambda: pyavd_tuned(inputs))
        inproc.append((n, runs, load, _med(ta + ta2), _med(tb), _med(tt)))
        print(f"in process N={n}: aidc {_med(ta + ta2)}, pyavd {_med(tb)}, tuned {_med(tt)} (load {load})",
              file=sys.stderr)
    contents.append((n, *compare(aidc_cfg, avd_cfg)))
    return whole, inproc, contents


_WARM: list[int] = []


def _report(whole: list[Any], inproc: list[Any], contents: list[Any]) -> None:
    if whole:
        print("\nWhole process (spec / inputs to config files on disk), medians: wall s / CPU s")
        print("| leaves | runs | load avg (1/5/15 min) | aidc | pyavd stock | ratio wall | ratio CPU |")
        print("|---:|---:|---|---:|---:|---:|---:|")
        for n, runs, load, a, b in whole:
            print(f"| {n} | {runs} | {load} | {a[0]:.2f} / {a[1]:.2f} | {b[0]:.2f} / {b[1]:.2f} | "
                  f"{b[0] / a[0]:.1f}x | {b[1] / a[1]:.1f}x |")
    if inproc:
        print("\nIn process (after a warm-up run of each), medians: wall s / CPU s; ratios wall / CPU")
        print("| leaves | runs | load avg | aidc | pyavd stock | pyavd tuned | stock/aidc | tuned/aidc |")
        print("|---:|---:|---|---:|---:|---:|---:|---:|")
        for n, runs, load, a, b, t in inproc:
            print(f"| {n} | {runs} | {load} | {a[0]:.3f} / {a[1]:.3f} | {b[0]:.3f} / {b[1]:.3f} | "
                  f"{t[0]:.3f} / {t[1]:.3f} | {b[0] / a[0]:.1f}x / {b[1] / a[1]:.1f}x | "
                  f"{t[0] / a[0]:.1f}x / {t[1] / a[1]:.1f}x |")
    if contents:
        print("\nContent over all switches (aidc / pyavd); the rows above 'BGP neighbours' must match switch by switch")
        labels = ["switches", *INTENT, "BGP neighbours", "config lines"]
        print("| section | " + " | ".join(f"N={n}" for n, *_ in contents) + " |")
        print("|---|" + "---:|" * len(contents))
        for lab in labels:
            print(f"| {lab} | " + " | ".join(f"{a[lab]} / {b[lab]}" for _, a, b, _ in contents) + " |")
        for n, _, _, diffs in contents:
            verdict = f"{len(diffs)} difference(s): " + "; ".join(diffs[:8]) if diffs else "same intent on every switch"
            print(f"N={n}: {verdict}")


if __name__ == "__main__":
    main()
