"""Storage design, validation and render on the bundled examples: placement, capacity, failure
cases against the network, findings for bad storage specs, rendered artifacts."""

from __future__ import annotations

import configparser
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from toolkit.design import design
from toolkit.render import render
from toolkit.rules import validate
from toolkit.spec import load

ROOT = Path(__file__).resolve().parents[2]
D = dict[str, Any]


@pytest.fixture(scope="module")
def lab_mini():  # type: ignore[no-untyped-def]
    res = load(ROOT / "inventory" / "examples" / "lab-mini")
    assert res.spec is not None
    return design(res.spec)


def test_lab_mini_minio_matches_minio_rules(lab_mini) -> None:  # type: ignore[no-untyped-def]
    m = lab_mini.minio[0]
    p = m.pools[0]
    assert m.volumes == "http://stor-r01-stor{01...03}.storage.lab-mini.aidc.test:9000/data/disk{1...3}"
    assert (p.set_size, p.sets, p.parity, p.read_quorum, p.write_quorum) == (9, 1, 4, 5, 5)
    # drives outermost, servers fastest: each server holds 3 drives of the one set
    assert p.erasure_sets[0].drives[:3] == ["stor-r01-stor01:1", "stor-r01-stor02:1", "stor-r01-stor03:1"]
    assert p.drives_tolerated == 4 and p.servers_tolerated == 1
    assert p.raw_bytes == 9 * 3_840_000_000_000 and p.usable_bytes == p.raw_bytes * 5 // 9


def test_lab_mini_ceph_placement(lab_mini) -> None:  # type: ignore[no-untyped-def]
    c = lab_mini.ceph[0]
    assert [o.id for o in c.osd_list] == [0, 1, 2]
    assert [o.host for o in c.osd_list] == ["stor-r01-stor01", "stor-r01-stor02", "stor-r01-stor03"]
    rbd, objects, *rgw = c.pools
    assert (rbd.size, rbd.min_size, rbd.crush_rule) == (3, 2, "replicated-host")
    assert (objects.size, objects.min_size, objects.ec_profile) == (3, 2, "ec-2-1-host")
    # the gateway's zone pools are designed (and created before radosgw starts), not made lazily
    assert [p.name for p in rgw] == [
        ".rgw.root",
        "default.rgw.control",
        "default.rgw.meta",
        "default.rgw.log",
        "default.rgw.buckets.index",
        "default.rgw.buckets.data",
        "default.rgw.buckets.non-ec",
    ]
    assert {(p.origin, p.type, p.size, p.min_size, p.crush_rule, p.pg_num) for p in rgw} == {
        ("rgw", "replicated", 3, 2, "replicated-host", 8)
    }
    assert (c.default_size, c.default_min_size) == (3, 2)
    assert c.rgws == {"stor-r01-stor01": "10.120.0.1:7480"}
    assert set(c.clients) == {d.name for d in lab_mini.by_role("gpu-server")}


def test_failure_cases_follow_the_leaves(lab_mini) -> None:  # type: ignore[no-untyped-def]
    c = lab_mini.ceph[0]
    by = {(f.scenario, f.what): f for f in c.failures}
    # stor01 and stor03 hang from fe-leaf01, stor02 from fe-leaf02
    assert c.host_leaves["stor-r01-stor01"] == ["fe-leaf01"]
    leaf1 = by[("leaf", "fe-leaf01")]
    assert leaf1.lost_hosts == ["stor-r01-stor01", "stor-r01-stor03"] and not leaf1.quorum
    assert by[("leaf", "fe-leaf02")].survives
    assert all(f.survives for f in c.failures if f.scenario == "server")
    assert not by[("rack", "stor-r01")].survives
    assert not by[("leaf-pair", "fe-leaf01+fe-leaf02")].survives
    mn = {(f.scenario, f.what): f for f in lab_mini.minio[0].failures}
    assert not mn[("leaf", "fe-leaf01")].quorum  # 6 of 9 drives gone, write quorum 5
    assert mn[("server", "stor-r01-stor02")].quorum


def test_show_reports_each_failure_domain_against_the_requirement(
    lab_mini, lab_mini_data: D, write_spec: Callable[[D], Path]
) -> None:  # type: ignore[no-untyped-def]
    from toolkit.design.storage import storage_summary

    ceph, minio = storage_summary(lab_mini)
    # stor01+stor03 hang from fe-leaf01, stor02 from fe-leaf02; all three sit in rack stor-r01
    want = {"server": "survives", "leaf": "survives 1 of 2", "leaf-pair": "fails", "rack": "fails"}
    assert ceph["tolerates"] == want and minio["tolerates"] == want
    assert ceph["required"] == ["server"] and ceph["unmet"] == [] and minio["unmet"] == []
    assert ceph["usable_tb"] == {"rbd": 3.8, "objects": 7.7, "7 RGW zone pools": "size 3"}
    # asking for more than the network gives is reported as not met (and is STO011 in validate)
    lab_mini_data["storage"]["minio"][0]["survives"] = ["server", "leaf"]
    res = load(write_spec(lab_mini_data))
    assert res.spec is not None
    (_, mn) = storage_summary(design(res.spec))
    assert mn["unmet"] == ["leaf"]


def _findings(data: D, write_spec: Callable[[D], Path]) -> list[Any]:
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return validate(res.spec, res.sources)


def test_leaf_loss_losing_quorum_is_a_finding(lab_mini_data: D, write_spec: Callable[[D], Path]) -> None:
    lab_mini_data["storage"]["ceph"][0].pop("survives")  # default: server and leaf
    found = [f for f in _findings(lab_mini_data, write_spec) if f.code == "STO011"]
    assert found and found[0].severity == "error"
    text = found[0].text()
    assert "storage.ceph[0].survives" in text and "fe-leaf01" in text and "no quorum" in text
    assert found[0].line


def test_bad_storage_specs_fail(lab_mini_data: D, write_spec: Callable[[D], Path]) -> None:
    ceph = lab_mini_data["storage"]["ceph"][0]
    ceph["mons"] = ceph["mons"][:2]
    ceph["pools"].append({"name": "wide", "type": "erasure", "k": 4, "m": 2, "pg_num": 32})
    lab_mini_data["storage"]["minio"][0]["parity"] = 5
    codes = {f.code: f for f in _findings(lab_mini_data, write_spec) if f.severity == "error"}
    assert {"STO003", "STO004", "STO008"} <= set(codes)
    assert "6 hosts" in codes["STO003"].message and "9-drive" in codes["STO008"].message


def test_render_artifacts(lab_mini) -> None:  # type: ignore[no-untyped-def]
    out = render(lab_mini)
    conf = configparser.ConfigParser(interpolation=None)
    conf.read_string(out["storage/ceph/ceph1/ceph.conf"])
    g = conf["global"]
    c = lab_mini.ceph[0]
    assert g["mon host"] == ",".join(c.mons.values()) and len(c.mons) == 3
    assert g["ms bind ipv6"] == "false" and "keyring" not in g
    assert conf["client.rgw.stor-r01-stor01"]["rgw frontends"] == "beast endpoint=10.120.0.1:7480"
    assert conf["osd.1"]["crush location"] == "root=default rack=stor-r01 host=stor-r01-stor02"
    specs = list(yaml.safe_load_all(out["storage/ceph/ceph1/cephadm/cluster.yml"]))
    kinds = [s["service_type"] for s in specs]
    assert kinds == ["host", "host", "host", "mon", "mgr", "osd"]
    # gateways come after pools.sh (bootstrap.sh and the playbook apply them last)
    gw = list(yaml.safe_load_all(out["storage/ceph/ceph1/cephadm/gateways.yml"]))
    assert [s["service_type"] for s in gw] == ["rgw"]
    boot = out["storage/ceph/ceph1/cephadm/bootstrap.sh"]
    assert boot.index("cluster.yml") < boot.index("pools.sh") < boot.index("gateways.yml")
    pools_sh = out["storage/ceph/ceph1/pools.sh"]
    plan = json.loads(pools_sh.split('PLAN_JSON = r"""', 1)[1].split('"""', 1)[0])
    assert [p["name"] for p in plan["pools"]] == [p.name for p in c.pools]
    assert [r["name"] for r in plan["rules"]] == ["replicated-host", "ec-2-1-host"]  # each rule once
    assert plan["rules"][1]["spec"] == ["k=2", "m=1", "crush-failure-domain=host"]
    assert specs[0]["addr"] == c.mons["stor-r01-stor01"] and "mon" in specs[0]["labels"]
    assert specs[5]["spec"]["data_devices"] == {"paths": ["/dev/nvme0n1"]}
    env = out["storage/minio/minio1/minio.env"]
    assert 'MINIO_VOLUMES="http://stor-r01-stor{01...03}.storage.lab-mini.aidc.test:9000/data/disk{1...3}"' in env
    assert 'MINIO_STORAGE_CLASS_STANDARD="EC:4"' in env and "MINIO_OPTS=" in env
    unit = out["storage/minio/minio1/minio.service"]
    assert "ExecStart=/usr/local/bin/minio server $MINIO_OPTS $MINIO_VOLUMES" in unit
    hv = yaml.safe_load(out["ansible/host_vars/su1-r01-gpu01.yml"])
    assert hv["aidc_storage"]["ceph"][0]["rgw"] == ["http://10.120.0.1:7480"]
    inv = yaml.safe_load(out["ansible/inventory.yml"])["all"]["children"]
    assert set(inv["ceph_mons"]["hosts"]) == {"stor-r01-stor01", "stor-r01-stor02", "stor-r01-stor03"}
    assert set(inv["storage_clients"]["hosts"]) == set(lab_mini.ceph[0].clients)
    assert not any("key = " in t for p, t in out.items() if p.startswith("storage/"))
