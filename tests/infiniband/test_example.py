"""The InfiniBand example (superpod-ib-4su) renders its subnet manager files and host files, read
back and compared with the spec: one opensm.conf per subnet manager (its HCA port GUID, its
priority, ftree with the GUID files), partitions.conf (Default=0x7fff with every HCA port, one
partition per tenant with exactly its members' compute ports), the QoS policy on the compute SL,
IPoIB on every compute port from the spec's prefix, NCCL_IB_HCA per rail and no RoCE settings.
(opensm itself reads these files in tests/infiniband/test_twin.py and bench/ib_twin_bench.py.)"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.render import hosts, infiniband
from toolkit.render.core import environment
from toolkit.spec.loader import load_or_raise

EXAMPLE = EXAMPLES / "superpod-ib-4su"


@cache
def _built() -> tuple[dict[str, Any], Fabric, dict[str, str]]:
    raw = yaml.safe_load((EXAMPLE / "cluster.yml").read_text())
    spec, _ = load_or_raise(EXAMPLE)
    fab = design(spec)
    env = environment()
    return raw, fab, {**infiniband.render(fab, env), **hosts.render(fab, env)}


def _ib_spec() -> dict[str, Any]:
    return _built()[0]["networks"]["compute"]["infiniband"]


def _compute_ports(raw: dict[str, Any]) -> list[str]:
    nics = raw["catalog"]["servers"]["dgx-h100"]["nics"]
    return [n["name"] for n in nics if n["role"] == "compute"]


def _servers(fab: Fabric) -> list[str]:
    return [d.name for d in fab.servers() if any(p.plane == "compute" for p in d.ports)]


def _port_guid(fab: Fabric, server: str, port: str) -> str:
    assert fab.infiniband is not None
    return fab.infiniband.nodes[f"{server}:{port}"].port_guid


def _conf(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(" ")
            assert key not in out, f"{key} twice"
            out[key] = value
    return out


def _partitions(text: str) -> dict[str, tuple[int, list[str], dict[str, str]]]:
    """opensm partitions.conf -> name: (pkey, flags, {member: membership})."""
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    out: dict[str, tuple[int, list[str], dict[str, str]]] = {}
    for stmt in (s.strip() for s in body.split(";")):
        if not stmt:
            continue
        head, _, members = stmt.partition(":")
        name, _, rest = head.partition("=")
        pkey, *flags = (x.strip() for x in rest.split(","))
        parsed = {}
        for m in (x.strip() for x in members.split(",")):
            who, _, how = m.partition("=")
            assert who not in parsed, f"{name}: {who} twice"
            parsed[who] = how
        out[name.strip()] = (int(pkey, 16), flags, parsed)
    return out


def test_one_opensm_conf_per_subnet_manager() -> None:
    raw, fab, out = _built()
    sms = _ib_spec()["subnet_managers"]
    confs = {k.split("/")[1]: _conf(v) for k, v in out.items() if k.endswith("/opensm.conf")}
    assert sorted(confs) == sorted(sm["host"] for sm in sms)
    top = max(sm["priority"] for sm in sms)
    for sm in sms:
        c = confs[sm["host"]]
        # a server SM binds to its rail-0 HCA port
        assert c["guid"] == _port_guid(fab, sm["host"], _compute_ports(raw)[0])
        assert int(c["sm_priority"]) == sm["priority"]
        assert (sm["priority"] == top) == ("(master)" in out[f"infiniband/{sm['host']}/opensm.conf"])
        assert c["routing_engine"] == _ib_spec()["routing_engine"] == "ftree"
        assert c["lmc"] == str(_ib_spec()["lmc"])
        assert c["root_guid_file"].endswith("/root_guids.conf") and c["cn_guid_file"].endswith("/cn_guids.conf")
        assert c["partition_config_file"].endswith("/partitions.conf")
        assert c["qos"] == "TRUE" and c["qos_policy_file"].endswith("/qos-policy.conf")
        sl2vl = [int(x) for x in c["qos_sl2vl"].split(",")]
        assert len(sl2vl) == 16 and sl2vl[_ib_spec()["compute_sl"]] != 0
        assert sum(1 for vl in sl2vl if vl != 0) == 1  # only the compute SL leaves VL 0
        assert c["qos_vlarb_high"].startswith(f"{sl2vl[_ib_spec()['compute_sl']]}:")


def test_partitions_hold_exactly_the_tenants_ports() -> None:
    raw, fab, out = _built()
    parts = _partitions(out["infiniband/partitions.conf"])
    ports = _compute_ports(raw)
    every = {_port_guid(fab, s, p) for s in _servers(fab) for p in ports}
    assert len(every) == len(_servers(fab)) * len(ports) == 1024
    tenants = raw["tenants"]
    assert sorted(parts) == sorted(["Default", *(t["name"] for t in tenants)])
    pkey, flags, members = parts["Default"]
    assert pkey == 0x7FFF and "ipoib" in flags
    assert members.pop("ALL_SWITCHES") == "full" and members.pop("SELF") == "full"
    assert set(members) == every
    in_tenant = set()
    for t in tenants:
        tp, tflags, tmembers = parts[t["name"]]
        assert tp == t["pkey"], t["name"]
        assert "ipoib" in tflags  # IPoIB is designed (networks.compute.infiniband.ipoib)
        want = {_port_guid(fab, s, p) for s in t["members"] for p in ports}
        assert tmembers == dict.fromkeys(want, "full"), t["name"]
        in_tenant |= want
    # tenant members reach the SM through the default partition, not the other servers
    assert {g for g, how in members.items() if how == "limited"} == in_tenant
    assert {g for g, how in members.items() if how == "full"} == every - in_tenant


def test_qos_policy_and_ftree_guid_files() -> None:
    raw, fab, out = _built()
    ports = _compute_ports(raw)
    every = [_port_guid(fab, s, p) for s in _servers(fab) for p in ports]
    qos = out["infiniband/qos-policy.conf"]
    group = re.findall(r"port-guid: (0x[0-9a-f]{16})", qos)
    assert sorted(group) == sorted(every)
    assert re.search(rf"name: compute\s+use: [^\n]*\s+sl: {_ib_spec()['compute_sl']}\s", qos)
    assert re.search(r"source: compute-hcas\s+destination: compute-hcas\s+qos-level-name: compute", qos)
    cn = [x for x in out["infiniband/cn_guids.conf"].splitlines() if x and not x.startswith("#")]
    assert sorted(cn) == sorted(every)
    roots = [x for x in out["infiniband/root_guids.conf"].splitlines() if x and not x.startswith("#")]
    assert fab.infiniband is not None
    spines = sorted(d.name for d in fab.switches() if d.plane == "compute" and d.role == "spine")
    assert len(spines) == 16  # the SuperPOD table for 4 SUs: 2 tiers, 16 spines
    assert sorted(roots) == sorted(fab.infiniband.nodes[s].node_guid for s in spines)
    guids = yaml.safe_load(out["infiniband/guids.yaml"])["guids"]
    assert {guids[f"{s}:{p}"] for s in _servers(fab) for p in ports} == set(every)


def test_hosts_have_ipoib_nccl_per_rail_and_no_roce() -> None:
    raw, fab, out = _built()
    ipoib = ipaddress.ip_network(_ib_spec()["ipoib"]["prefix"])
    ports = _compute_ports(raw)
    nics = {n["name"]: n for n in raw["catalog"]["servers"]["dgx-h100"]["nics"]}
    seen: set[ipaddress.IPv4Address] = set()
    for srv in _servers(fab):
        eth = yaml.safe_load(out[f"hosts/{srv}/netplan.yaml"])["network"]["ethernets"]
        for rail, port in enumerate(ports):
            iface = eth[port]
            (addr,) = iface["addresses"]
            ip = ipaddress.ip_interface(addr)
            assert ip.ip in ipoib and ip.ip not in seen, (srv, port, addr)
            seen.add(ip.ip)
            assert iface["mtu"] == 4092  # datagram IPoIB: IB MTU 4096 less the 4-byte header
            assert iface["infiniband-mode"] == _ib_spec()["ipoib"]["mode"]
            assert all("via" not in r for r in iface.get("routes", [])), "IPoIB has no gateway"
            assert f"compute rail {rail} " in out[f"hosts/{srv}/netplan.yaml"]
        env = dict(
            line.split("=", 1) for line in out[f"hosts/{srv}/nccl.env"].splitlines() if line and line[0] != "#"
        )
        # GPU g uses the NIC the catalogue pairs with it; its rail is its position among the compute NICs
        by_gpu = {nics[p]["gpu"]: ports.index(p) for p in ports}
        assert env["NCCL_IB_HCA"] == "=" + ",".join(f"mlx5_{by_gpu[g]}:1" for g in sorted(by_gpu))
        assert env["NCCL_IB_SL"] == str(_ib_spec()["compute_sl"])
        assert env["NCCL_IB_ADAPTIVE_ROUTING"] == "1"
        assert "NCCL_IB_TC" not in env and "NCCL_IB_GID_INDEX" not in env
    assert len(seen) == 1024


def test_roce_script_changes_nothing_on_infiniband(tmp_path: Path) -> None:
    """roce.sh run against a host with the RDMA devices and RoCE knobs present: no setting written."""
    raw, fab, out = _built()
    ports = _compute_ports(raw)
    sysfs = tmp_path / "sys"
    for rail, port in enumerate(ports):
        tc = sysfs / "class/infiniband" / f"mlx5_{rail}" / "tc/1"
        tc.mkdir(parents=True)
        (tc / "traffic_class").write_text("0\n")
        (sysfs / "class/net" / port / "ecn/roce_np/enable").mkdir(parents=True)
    before = {p: p.read_bytes() for p in sysfs.rglob("*") if p.is_file()}
    srv = _servers(fab)[0]
    script = tmp_path / "roce.sh"
    script.write_text(out[f"hosts/{srv}/roce.sh"])
    res = subprocess.run(["sh", str(script)], env={"AIDC_SYSFS": str(sysfs), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=30, check=False)
    assert res.returncode == 0, res.stderr
    assert "changed" not in res.stdout
    assert res.stdout.count("compute plane is infiniband, no RoCE settings") == len(ports)
    assert {p: p.read_bytes() for p in sysfs.rglob("*") if p.is_file()} == before


def test_example_is_documented() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "superpod-ib-4su" in readme


NETPLAN = shutil.which("netplan")


@pytest.mark.skipif(NETPLAN is None, reason="netplan not installed (Debian netplan.io: make apt)")
def test_netplan_generates_the_ipoib_ports(tmp_path: Path) -> None:
    """Debian's netplan (0.106) reads the host file of a plain server and a tenant member and
    writes systemd-networkd units with the IPoIB mode, MTU and address of each compute port;
    it refuses a mode it does not know (so the check can fail)."""
    raw, fab, out = _built()
    assert fab.infiniband is not None
    mode = _ib_spec()["ipoib"]["mode"]
    for srv in (_servers(fab)[0], raw["tenants"][0]["members"][0]):
        root = tmp_path / srv
        (root / "etc/netplan").mkdir(parents=True)
        plan = root / "etc/netplan/90-aidc.yaml"
        plan.write_text(out[f"hosts/{srv}/netplan.yaml"])
        plan.chmod(0o600)
        res = subprocess.run([str(NETPLAN), "generate", "--root-dir", str(root)], capture_output=True, text=True,
                             timeout=120, check=False)
        assert res.returncode == 0, res.stderr
        for port in _compute_ports(raw):
            unit = (root / f"run/systemd/network/10-netplan-{port}.network").read_text()
            assert f"[IPoIB]\nMode={mode}" in unit, (srv, port)
            assert "MTUBytes=4092" in unit
            assert f"Address={fab.infiniband.ipoib[f'{srv}:{port}']}" in unit
        plan.write_text(plan.read_text().replace(f"infiniband-mode: {mode}", "infiniband-mode: reliable"))
        res = subprocess.run([str(NETPLAN), "generate", "--root-dir", str(root)], capture_output=True, text=True,
                             timeout=120, check=False)
        assert res.returncode != 0 and "infiniband-mode" in res.stderr
