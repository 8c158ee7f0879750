"""Ansible inventory and variables: parsed by Ansible itself and compared with the Fabric."""

from __future__ import annotations

import functools
import gc
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from toolkit.design import design, policy
from toolkit.design.model import Device, Fabric
from toolkit.render import ansible, hosts
from toolkit.render.core import environment, write_atomic
from toolkit.render.storage import storage_host_vars
from toolkit.spec import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "inventory" / "examples"
# cluster-100k is designed in tests/scale (slow): a design per platform here would take minutes
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "cluster-100k")
BIN = Path(sys.executable).parent
BIG = {"cluster-16k"}
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Any:
    return yaml.load(text, Loader=Loader)


@functools.cache
def fabric(example: str) -> Fabric:
    spec = load(EXAMPLES / example).spec
    assert spec is not None
    fab = design(spec)
    gc.freeze()
    return fab


@functools.cache
def rendered(example: str) -> dict[str, str]:
    return ansible.render(fabric(example), environment())


def ip(address: str | None) -> str | None:
    return address.split("/")[0] if address else None


def group(prefix: str, value: object) -> str:
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', str(value))}"


@pytest.fixture(scope="module")
def lab_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fab = fabric("lab-mini")
    env = environment()
    out = tmp_path_factory.mktemp("render") / "lab-mini"
    write_atomic(out, {**hosts.render(fab, env), **ansible.render(fab, env)})
    return out


def ansible_inventory(inv: Path) -> dict[str, Any]:
    res = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(inv), "--list"], capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    assert "WARNING" not in res.stderr, res.stderr
    return json.loads(res.stdout)


def members(inv: dict[str, Any], name: str) -> set[str]:
    """Hosts of a group including its children, as Ansible resolves them."""
    g = inv.get(name, {})
    out = set(g.get("hosts", []))
    for child in g.get("children", []):
        out |= members(inv, child)
    return out


def expect_interfaces(dev: Device) -> list[dict[str, Any]]:
    out = []
    for p in dev.ports:
        if p.plane == "oob" or p.role == "bmc":
            continue
        table = policy.RAIL_TABLE_BASE + p.rail if p.plane == "compute" and p.address and p.rail is not None else None
        out.append({"name": p.name, "ifname": p.ifname, "plane": p.plane, "address": p.address, "gateway": p.gateway,
                    "mtu": p.mtu, "table": table, "rail": p.rail, "tenant": p.tenant, "vni": p.vni})
    return out


def check_server_vars(dev: Device, fab: Fabric, hv: dict[str, Any]) -> None:
    assert set(ansible.SERVER_KEYS) <= set(hv)
    got = [{k: i[k] for k in ("name", "ifname", "plane", "address", "gateway", "mtu", "table", "rail", "tenant", "vni")}
           for i in hv["aidc_interfaces"]]
    assert got == expect_interfaces(dev), dev.name
    for i in hv["aidc_interfaces"]:
        if i["table"] is not None:
            assert {"from": ip(i["address"]), "table": i["table"], "priority": i["table"]} in hv["aidc_rules"]
            # a default route via the rail gateway (IPoIB ports have no gateway: on-link only)
            assert not i["gateway"] or any(r["table"] == i["table"] and r["to"] == "default"
                                           and r["via"] == i["gateway"] and r["dev"] == i["ifname"]
                                           for r in hv["aidc_routes"])
    assert len(hv["aidc_rules"]) == sum(1 for i in hv["aidc_interfaces"] if i["table"] is not None)
    assert hv["aidc_ntp"] == fab.site.ntp and hv["aidc_dns"] == fab.site.dns
    assert hv["aidc_mgmt"] == {
        "port": dev.mgmt_port,
        "address": dev.mgmt_address,
        "gateway": dev.mgmt_gateway,
        "inband": dev.mgmt_inband,
    }
    if any(p.plane == "compute" for p in dev.ports):
        q = hv["aidc_qos"]
        assert q["pfc_priority"] == fab.qos.pfc_priority and q["roce_dscp"] == fab.qos.roce_dscp
        assert q["cnp_dscp"] == fab.qos.cnp_dscp and q["cnp_priority"] == fab.qos.cnp_priority
        assert q["pfc"].split(",")[fab.qos.pfc_priority] == "1" and q["pfc"].count("1") == 1
    else:
        assert hv["aidc_qos"] is None
    names = ["all"] + [p.ifname for p in dev.ports if p.plane != "oob" and p.role != "bmc"]
    assert set(hv["aidc_sysctl"]) == {f"net.ipv4.conf.{n}.{k}" for n in names
                                      for k in ("arp_ignore", "arp_announce", "rp_filter")}


def test_inventory_parsed_by_ansible_matches_fabric(lab_tree: Path) -> None:
    fab = fabric("lab-mini")
    inv = ansible_inventory(lab_tree / "ansible" / "inventory.yml")
    hostvars = inv["_meta"]["hostvars"]
    with_mgmt = {d.name for d in fab.devices.values() if d.mgmt_address}
    assert set(hostvars) == with_mgmt
    for name in with_mgmt:
        assert hostvars[name]["ansible_host"] == ip(fab.devices[name].mgmt_address)
    roles = {"gpu_servers": "gpu-server", "storage_servers": "storage-server", "leaves": "leaf", "spines": "spine",
             "business_leaves": "business-leaf", "business_spines": "business-spine", "oob_switches": "oob",
             "pdus": "pdu"}
    for g, role in roles.items():
        assert members(inv, g) == {d.name for d in fab.by_role(role)}, g
    assert members(inv, "servers") == {d.name for d in fab.servers()}
    assert members(inv, "switches") == {d.name for d in fab.switches()}
    racks = {d.rack for d in fab.devices.values()}
    for rack in racks:
        assert members(inv, group("rack", rack)) == {d.name for d in fab.devices.values() if d.rack == rack}
    for su in fab.sus:
        assert members(inv, group("su", su)) == {d.name for d in fab.devices.values() if d.su == su}
        assert f"su_{su}" in inv
    rails = {d.rail for d in fab.by_role("leaf")}
    assert rails
    for rail in rails:
        assert members(inv, f"rail_{rail}") == {d.name for d in fab.by_role("leaf") if d.rail == rail}
    for plane in fab.planes:
        want = {d.name for d in fab.devices.values() if d.plane == plane}
        if want:
            assert members(inv, f"plane_{plane}") == want
    # host_vars and group_vars as Ansible merges them
    out = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(lab_tree / "ansible" / "inventory.yml"),
                          "--host", "su1-r01-gpu01"], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    hv = json.loads(out.stdout)
    assert hv["aidc_network_mode"] == "netplan" and hv["aidc_cluster"] == "lab-mini"
    assert hv["aidc_site"]["ntp"] == fab.site.ntp
    check_server_vars(fab.devices["su1-r01-gpu01"], fab, hv)
    sw = json.loads(subprocess.run([str(BIN / "ansible-inventory"), "-i", str(lab_tree / "ansible" / "inventory.yml"),
                                    "--host", "spine01"], capture_output=True, text=True, timeout=120,
                                   check=True).stdout)
    spine = fab.devices["spine01"]
    assert (sw["aidc_platform"], sw["aidc_asn"], sw["aidc_loopback"]) == (spine.platform, spine.asn, spine.loopback)


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_host_vars_match_fabric(example: str) -> None:
    fab = fabric(example)
    out = rendered(example)
    n = 0
    devices = list(fab.devices.values())
    for dev in devices[:: 7 if example in BIG else 1]:
        path = f"ansible/host_vars/{dev.name}.yml"
        if dev.is_server:
            hv = read_yaml(out[path])
            # exactly these keys, in this order, then the storage ones of servers storage touches
            assert tuple(hv)[: len(ansible.SERVER_KEYS)] == ansible.SERVER_KEYS
            assert {k: hv[k] for k in tuple(hv)[len(ansible.SERVER_KEYS) :]} == storage_host_vars(fab, dev)
            check_server_vars(dev, fab, hv)
            n += 1
        elif dev.is_switch:
            hv = read_yaml(out[path])
            assert tuple(hv) == ansible.SWITCH_KEYS
            assert (hv["aidc_platform"], hv["aidc_asn"], hv["aidc_loopback"]) == (dev.platform, dev.asn, dev.loopback)
            assert (hv["aidc_role"], hv["aidc_rack"], hv["aidc_pod"], hv["aidc_rail"]) == (dev.role, dev.rack, dev.pod,
                                                                                           dev.rail)
        else:
            assert path not in out
    assert n == len([d for d in devices[:: 7 if example in BIG else 1] if d.is_server])
    assert sum(1 for k in out if k.startswith("ansible/host_vars/")) == len(fab.servers()) + len(fab.switches())
    inv = read_yaml(out["ansible/inventory.yml"])
    top = inv["all"]["children"]
    gpu = top["servers"]["children"].get("gpu_servers", {"hosts": {}})["hosts"]  # l3ls-evpn: no servers
    assert list(gpu) == [d.name for d in fab.by_role("gpu-server")]
    for name, hv in gpu.items():
        assert hv["ansible_host"] == ip(fab.devices[name].mgmt_address)
    gv = read_yaml(out["ansible/group_vars/all.yml"])
    assert gv["aidc_network_mode"] == "netplan" and gv["aidc_cluster"] == fab.name


def test_no_secrets_rendered() -> None:
    for path, text in rendered("lab-mini").items():
        low = text.lower()
        for word in ("password", "private_key", "ansible_ssh_pass", "become_pass", "vault"):
            assert word not in low, (path, word)


def test_fast_yaml_writer_reads_back_identically() -> None:
    tricky = {
        "plain": ["cx0", "10.0.0.1/31", "=mlx5_0:1,mlx5_1:1", "net.ipv4.conf.all.rp_filter", "su1-r01-gpu01"],
        "quoted": ["yes", "no", "on", "off", "true", "null", "~", "", "1e3", "1.5", "100", "0x1f", "1:20", "a: b",
                   "x:", "#c", "-", "a b", "@x", "é", "2024-01-01", "'q'", '"d"', "[x]", "{y}", "*a", "&b", "!t", "%p"],
        "nested": [[1, 2], [3], [{"k": []}], {}, [], None, True, False, 0, -3],
        "true": 1,
        "1": "x",
        "empty": {},
        "deep": {"a": {"b": {"c": [1, {"d": None}]}}},
    }
    text = ansible.dump_yaml(tricky)
    assert yaml.safe_load(text) == tricky
    for value in tricky["plain"]:
        assert f"- {value}\n" in text  # kept plain (readable)
