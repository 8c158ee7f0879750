"""Host files (netplan, sysctl, RoCE script, NCCL environment) read back and compared with the Fabric."""

from __future__ import annotations

import functools
import gc
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from toolkit.design import design, policy
from toolkit.design.model import Device, Fabric, Port
from toolkit.render import hosts
from toolkit.render.core import environment
from toolkit.spec import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "inventory" / "examples"
# cluster-100k is designed in tests/scale (slow): a design per platform here would take minutes
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "cluster-100k")
BIG = {"cluster-16k"}


@functools.cache
def fabric(example: str) -> Fabric:
    spec = load(EXAMPLES / example).spec
    assert spec is not None
    fab = design(spec)
    gc.freeze()  # the Fabric lives for the session: keep it out of later full collections
    return fab


@functools.cache
def templates() -> dict[str, Any]:
    env = environment()
    return {fname: env.get_template(tpl) for fname, tpl in hosts._FILES}


def sample(example: str) -> list[Device]:
    servers = fabric(example).servers()
    if example not in BIG:
        return servers
    by_role: dict[str, list[Device]] = {}
    for d in servers:
        by_role.setdefault(d.role, []).append(d)
    out: list[Device] = []
    for devs in by_role.values():
        out += [*devs[:: max(1, len(devs) // 16)], devs[-1]]
    return out


def files(example: str, dev: Device) -> dict[str, str]:
    return hosts.render_host(dev, fabric(example), templates())


def data_ports(dev: Device) -> list[Port]:
    return [p for p in dev.ports if p.plane != "oob" and p.role != "bmc"]


def parse_env(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key] = value
    return out


def parse_sysctl(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_netplan_matches_fabric(example: str) -> None:
    fab = fabric(example)
    storage_prefixes = [p.prefix for p in fab.pools if p.plane == "storage" and p.purpose.startswith("host")]
    for dev in sample(example):
        plan = yaml.safe_load(files(example, dev)["netplan.yaml"])
        eth = plan["network"]["ethernets"]
        ports = [p for p in data_ports(dev) if p.role != "bond"]  # bonds: under "bonds" (test_multihoming)
        # every data port, and nothing else (the BMC is out-of-band)
        assert list(eth) == [p.name for p in ports], dev.name
        assert dev.mgmt_port not in eth
        for p in ports:
            cfg = eth[p.name]
            assert cfg["mtu"] == p.mtu
            assert cfg.get("addresses", []) == ([p.address] if p.address else []), (dev.name, p.name)
            routes = cfg.get("routes", [])
            rules = cfg.get("routing-policy", [])
            ip = p.address.split("/")[0] if p.address else None
            if p.plane == "compute" and p.address:
                table = policy.RAIL_TABLE_BASE + p.rail
                if p.gateway:  # IPoIB ports have no gateway: on-link only
                    assert {"to": "default", "via": p.gateway, "table": table} in routes, (dev.name, p.name)
                net = hosts.split_address(p.address)[2]
                assert {"to": net, "scope": "link", "from": ip, "table": table} in routes
                assert rules == [{"from": ip, "table": table, "priority": table}]
            elif p.address and p.gateway and p.plane == "business":
                assert not rules
                assert next(r for r in routes if r["to"] == "default")["via"] == p.gateway
                assert all("table" not in r for r in routes)
            elif p.address and p.gateway and p.plane == "storage":
                assert sorted(r["to"] for r in routes) == sorted(storage_prefixes)
                assert all(r["via"] == p.gateway for r in routes)
            else:
                assert not routes and not rules
        # one table per rail, distinct
        tables = [r["table"] for c in eth.values() for r in c.get("routing-policy", [])]
        assert len(tables) == len(set(tables))


def test_tenant_ports_carry_tenant_address_and_gateway() -> None:
    fab = fabric("lab-mini")
    seen = 0
    for t, net in [(x, n) for x in fab.tenants for n in x.networks]:
        for m in net.members:
            dev = fab.devices[m.server]
            eth = yaml.safe_load(files("lab-mini", dev)["netplan.yaml"])["network"]["ethernets"]
            assert eth[m.port]["addresses"] == [m.address]
            assert {"to": "default", "via": net.gateway, "metric": 0} in eth[m.port]["routes"]
            assert f"tenant {t.name}" in files("lab-mini", dev)["netplan.yaml"]
            seen += 1
    assert seen == sum(len(t.members) for t in fab.tenants) > 0


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_nccl_env_follows_gpu_order(example: str) -> None:
    fab = fabric(example)
    qos = fab.qos
    for dev in sample(example):
        compute = [p for p in dev.ports if p.plane == "compute"]
        out = files(example, dev)
        if not compute:
            assert "nccl.env" not in out and "roce.sh" not in out
            continue
        env = parse_env(out["nccl.env"])
        by_gpu = {p.gpu: p for p in compute}
        want = [f"mlx5_{by_gpu[g].rail}:1" for g in range(dev.gpus)]
        assert env["NCCL_IB_HCA"] == "=" + ",".join(want), dev.name
        if fab.infiniband is not None:
            # InfiniBand: the subnet manager's compute SL; no RoCE GID index or traffic class
            assert env["NCCL_IB_SL"] == str(fab.infiniband.compute_sl)
            assert "NCCL_IB_GID_INDEX" not in env and "NCCL_IB_TC" not in env
        else:
            assert env["NCCL_IB_GID_INDEX"] == "3"
            # one RoCE traffic class everywhere: DSCP in the upper six ToS bits, ECT(0) in the lower two
            assert env["NCCL_IB_TC"] == str(qos.roce_dscp * 4 + 2)
            assert env["NCCL_IB_SL"] == str(qos.roce_priority)
        assert env["NCCL_NET_GDR_LEVEL"] == "PHB"
        business = [p.ifname for p in dev.ports if p.plane == "business" and p.address]
        storage = [p.ifname for p in dev.ports if p.plane == "storage" and p.address]
        assert env["NCCL_SOCKET_IFNAME"] == "=" + ",".join(business or storage)


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_sysctl_keys(example: str) -> None:
    for dev in sample(example):
        got = parse_sysctl(files(example, dev)["sysctl.conf"])
        names = ["all"] + [p.ifname for p in data_ports(dev)]
        want = {f"net.ipv4.conf.{n}.{k}": str(v) for n in names for k, v in
                (("arp_ignore", 1), ("arp_announce", 2), ("rp_filter", 2))}
        assert got == want, dev.name


def test_render_writes_every_server_and_only_servers() -> None:
    fab = fabric("lab-mini")
    out = hosts.render(fab, environment())
    hosts_dirs = {k.split("/")[1] for k in out}
    assert hosts_dirs == {d.name for d in fab.servers()}
    for d in fab.servers():
        assert f"hosts/{d.name}/netplan.yaml" in out and f"hosts/{d.name}/sysctl.conf" in out


def test_infiniband_compute_has_no_roce_lines(lab_mini_data: dict[str, Any],
                                              write_spec: Callable[[dict[str, Any]], Path]) -> None:
    lab_mini_data["networks"]["compute"]["kind"] = "infiniband"
    spec = load(write_spec(lab_mini_data)).spec
    assert spec is not None
    fab = design(spec)
    env = environment()
    out = hosts.render(fab, env)
    gpu = next(d for d in fab.servers() if d.role == "gpu-server")
    nccl = parse_env(out[f"hosts/{gpu.name}/nccl.env"])
    assert "NCCL_IB_TC" not in nccl and "NCCL_IB_GID_INDEX" not in nccl
    assert fab.infiniband is not None and nccl["NCCL_IB_SL"] == str(fab.infiniband.compute_sl)
    assert nccl["NCCL_IB_HCA"] == "=mlx5_0:1,mlx5_1:1"
    eth = yaml.safe_load(out[f"hosts/{gpu.name}/netplan.yaml"])["network"]["ethernets"]
    assert "addresses" not in eth["cx0"] and "routing-policy" not in eth["cx0"]
    assert "no RoCE settings" in out[f"hosts/{gpu.name}/roce.sh"]


# --- the RoCE script, executed against a fake sysfs -------------------------------------------


def _fake_sysfs(root: Path, nics: list[tuple[str, str]], prio: int) -> None:
    for ifname, dev in nics:
        ecn = root / "class/net" / ifname / "ecn"
        for side in ("roce_np", "roce_rp"):
            (ecn / side / "enable").mkdir(parents=True)
            (ecn / side / "enable" / str(prio)).write_text("0\n")
        (ecn / "roce_np" / "cnp_dscp").write_text("0\n")
        (ecn / "roce_np" / "cnp_802p_prio").write_text("0\n")
        tc = root / "class/infiniband" / dev / "tc/1"
        tc.mkdir(parents=True)
        (tc / "traffic_class").write_text("0\n")


def _run(script: Path, sysfs: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "AIDC_SYSFS": str(sysfs)}
    return subprocess.run(["sh", str(script)], capture_output=True, text=True, env=env, timeout=60, check=False)


def test_roce_script_is_idempotent_on_fake_sysfs(tmp_path: Path) -> None:
    fab = fabric("lab-mini")
    dev = next(d for d in fab.servers() if d.role == "gpu-server")
    text = files("lab-mini", dev)["roce.sh"]
    assert text.startswith("#!/bin/sh\n") and "set -eu" in text
    script = tmp_path / "roce.sh"
    script.write_text(text)
    assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0
    if shutil.which("mlnx_qos") or shutil.which("cma_roce_tos"):
        pytest.skip("NVIDIA tools installed: this test expects them absent")
    # no RDMA devices at all: nothing to do, success
    res = _run(script, tmp_path / "empty")
    assert res.returncode == 0 and "nothing to do" in res.stdout
    q = fab.qos
    nics = [(p.ifname, f"mlx5_{p.rail}") for p in dev.ports if p.plane == "compute"]
    sysfs = tmp_path / "sys"
    _fake_sysfs(sysfs, nics, q.roce_priority)
    res = _run(script, sysfs)
    assert res.returncode == 0, res.stderr
    assert "mlnx_qos not installed" in res.stdout and "cma_roce_tos not installed" in res.stdout
    for ifname, rdma in nics:
        ecn = sysfs / "class/net" / ifname / "ecn"
        assert (ecn / "roce_np/enable" / str(q.roce_priority)).read_text().strip() == "1"
        assert (ecn / "roce_rp/enable" / str(q.roce_priority)).read_text().strip() == "1"
        assert (ecn / "roce_np/cnp_dscp").read_text().strip() == str(q.cnp_dscp)
        assert (ecn / "roce_np/cnp_802p_prio").read_text().strip() == str(q.cnp_priority)
        tclass = (sysfs / "class/infiniband" / rdma / "tc/1/traffic_class").read_text().strip()
        assert tclass == str((q.roce_dscp << 2) | 2)
    assert res.stdout.count("aidc-roce: changed") == 5 * len(nics)
    # the kernel reads the traffic class back as "Global tclass=N": still no change
    for _ifname, rdma in nics:
        tclass = (q.roce_dscp << 2) | 2
        (sysfs / "class/infiniband" / rdma / "tc/1/traffic_class").write_text(f"Global tclass={tclass}\n")
    again = _run(script, sysfs)
    assert again.returncode == 0 and "aidc-roce: changed" not in again.stdout
    # a missing interface is skipped, not an error
    shutil.rmtree(sysfs / "class/net" / nics[0][0])
    res = _run(script, sysfs)
    assert res.returncode == 0 and f"skip {nics[0][0]} (no such interface)" in res.stdout
    assert os.access(script, os.R_OK)
