"""A real Ceph in the twin: ``apply`` (packages mode, Debian's ceph 16.2 packages, no systemd)
brings up mon x3, mgr x2, 3 memstore OSDs and radosgw on lab-mini's storage servers, each in its
own namespace with its storage-plane address and its own folders; the ``storage`` health layer
then passes, with the S3 round trip run from a GPU server across the fabric. Faults: a stopped
OSD, a stopped gateway and a removed client route each fail the layer naming what broke.

No mocks: every expectation is checked against the running Ceph.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.health.labkit import HealthLab, configure_with_apply, free_oob_prefix, make_spec, why_no_lab
from toolkit.design import design
from toolkit.design.storage import default_min_size
from toolkit.lab import lab_down, lab_exec, lab_up
from toolkit.lab import storage as lab_storage
from toolkit.spec import load
from toolkit.spec.models import CephPoolSpec

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def ceph_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HealthLab]:
    reason = why_no_lab()
    if reason:
        pytest.skip(reason)
    if shutil.which("ceph-mon") is None or shutil.which("radosgw") is None:
        pytest.skip("needs the Debian ceph packages (ceph-mon, ceph-mgr, ceph-osd, radosgw, ceph-common)")
    work = tmp_path_factory.mktemp("ceph-lab")
    rng = random.Random(os.getpid() ^ time.time_ns())
    cluster = f"st{rng.randrange(16**5):05x}"
    res = load(make_spec(work / "spec", cluster, free_oob_prefix(rng)))
    assert res.spec is not None, res.findings
    fabric = design(res.spec, platform="frr")
    state = work / "state"
    old_env = os.environ.get("AIDC_STATE_DIR")
    os.environ["AIDC_STATE_DIR"] = str(state)
    timings: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        lab_up(fabric, state)
        timings["lab_up"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        configure_with_apply(fabric, state)  # network, then storage (ceph.yml, packages mode)
        timings["apply"] = round(time.monotonic() - t0, 1)
        lab = HealthLab(fabric=fabric, state_dir=state, work=work, setup="apply", timings=timings)
        yield lab
        print(f"\nceph lab {cluster}: timings={timings} check runs={lab.runs}")
    finally:
        report = lab_down(cluster, state)
        if old_env is None:
            os.environ.pop("AIDC_STATE_DIR", None)
        else:
            os.environ["AIDC_STATE_DIR"] = old_env
        assert not report.errors, report.errors


def _ceph(lab: HealthLab, host: str, *args: str, parse: bool = True) -> Any:
    from toolkit.lab import load_state

    st = load_state(lab.cluster, lab.state_dir)
    assert st is not None
    root = lab_storage.server_root(st, host) / "etc"
    argv = [
        "env",
        f"CEPH_CONF={root}/ceph.conf",
        "ceph",
        "--keyring",
        f"{root}/ceph.client.admin.keyring",
        "--connect-timeout",
        "10",
        *args,
        "--format",
        "json",
    ]
    cp = lab_exec(lab.cluster, str(lab.state_dir), host, argv, check=True)
    return json.loads(cp.stdout) if parse else cp.stdout


def _failures(report: Any, check: str) -> list[str]:
    return [r.message for r in report.results if r.check == check and r.outcome == "failed"]


def test_real_ceph_is_up_as_designed(ceph_lab: HealthLab) -> None:
    c = ceph_lab.fabric.ceph[0]
    mon = next(iter(c.mons))
    meta = _ceph(ceph_lab, mon, "osd", "metadata")
    assert sorted(m["id"] for m in meta) == [o.id for o in c.osd_list]
    assert {m["osd_objectstore"] for m in meta} == {"memstore"}  # not a silent bluestore fallback
    assert {m["id"]: m["hostname"] for m in meta} == {o.id: o.host for o in c.osd_list}
    # each OSD binds its host's storage-plane address
    addr = {h: a for h, a in ((o.host, ceph_lab.fabric.devices[o.host]) for o in c.osd_list)}
    for m in meta:
        want = next(p.address.split("/")[0] for p in addr[m["hostname"]].ports if p.plane == "storage" and p.address)
        assert f"{want}:" in m["front_addr"], (m["id"], m["front_addr"], want)
    dump = _ceph(ceph_lab, mon, "mon", "dump")
    assert {m["name"]: m["public_addr"].split(":")[0] for m in dump["mons"]} == dict(c.mons)
    # Ceph's own default min_size for an erasure pool equals the design's rule
    _ceph(ceph_lab, mon, "osd", "pool", "create", "aidc-mintest", "8", "8", "erasure", "ec-2-1-host", parse=False)
    _ceph(ceph_lab, mon, "osd", "pool", "application", "enable", "aidc-mintest", "rbd", parse=False)
    got = _ceph(ceph_lab, mon, "osd", "pool", "get", "aidc-mintest", "min_size")
    assert got["min_size"] == default_min_size(CephPoolSpec(name="x", type="erasure", k=2, m=1))
    daemons = lab_storage.daemons(_state(ceph_lab))
    assert {d["daemon"] for d in daemons} >= {"osd.0", "osd.1", "osd.2", "client.rgw.stor-r01-stor01"}
    assert all(d["alive"] for d in daemons)


def _state(lab: HealthLab) -> Any:
    from toolkit.lab import load_state

    st = load_state(lab.cluster, lab.state_dir)
    assert st is not None
    return st


def test_storage_layer_passes(ceph_lab: HealthLab) -> None:
    report = ceph_lab.settle(["storage"], timeout=120, label="storage")
    lr = report.layers["storage"]
    assert report.ok, lr.failures
    checks = {r.check for r in report.results if r.outcome == "passed"}
    assert {
        "test_ceph_health",
        "test_ceph_mon_quorum",
        "test_ceph_pgs_active_clean",
        "test_ceph_pools",
        "test_ceph_osds_up_in",
        "test_rgw_s3_round_trip",
        "test_client_reaches_storage",
    } <= checks
    s3 = [r for r in report.results if r.check == "test_rgw_s3_round_trip"]
    assert s3 and all(r.device in ceph_lab.fabric.ceph[0].clients for r in s3)  # from a GPU server
    assert lr.not_applicable >= 1  # MinIO: no binary in the twin


def test_stopped_osd_fails_naming_host_and_osd(ceph_lab: HealthLab) -> None:
    st = _state(ceph_lab)
    pid = lab_storage.stop_daemon(st, "stor-r01-stor02", "osd.1")
    assert pid is not None
    mon = next(iter(ceph_lab.fabric.ceph[0].mons))
    ceph_lab.wait("osd.1 down", lambda: _ceph(ceph_lab, mon, "osd", "dump")["osds"][1]["up"] == 0, timeout=60)
    report = ceph_lab.check(["storage"], label="osd down")
    osd = _failures(report, "test_ceph_osds_up_in")
    assert any("stor-r01-stor02: osd.1 is down" in m for m in osd), osd
    health = _failures(report, "test_ceph_health")
    assert health and "HEALTH_WARN" in health[0] and "OSD_DOWN" in health[0], health
    configure_with_apply(ceph_lab.fabric, ceph_lab.state_dir)  # apply starts it again
    assert ceph_lab.settle(["storage"], timeout=120, label="osd back").ok


def test_stopped_gateway_fails_s3_naming_endpoint(ceph_lab: HealthLab) -> None:
    st = _state(ceph_lab)
    d = ceph_lab.fabric.ceph[0].rgw_daemons[0]
    assert lab_storage.stop_daemon(st, d.host, f"client.rgw.{d.name}") is not None
    time.sleep(1)
    report = ceph_lab.check(["storage"], label="rgw down")
    s3 = _failures(report, "test_rgw_s3_round_trip")
    assert s3 and f"http://{d.endpoint}" in s3[0] and f"client.rgw.{d.name}" in s3[0], s3
    configure_with_apply(ceph_lab.fabric, ceph_lab.state_dir)
    assert ceph_lab.settle(["storage"], timeout=120, label="rgw back").ok


def test_removed_client_route_fails_naming_host_and_route(ceph_lab: HealthLab) -> None:
    c = ceph_lab.fabric.ceph[0]
    client = c.clients[0]
    mon_addr = next(iter(c.mons.values()))
    route = json.loads(ceph_lab.sh(client, f"ip -j route get {mon_addr}").stdout)[0]
    dst = ceph_lab.fabric.devices[client]
    port = next(p for p in dst.ports if p.plane == "storage" and p.address)
    ceph_lab.sh(client, f"ip route show dev {port.ifname} > /tmp/aidc-{ceph_lab.cluster}-routes")
    ceph_lab.sh(client, f"ip route flush dev {port.ifname} scope global")
    try:
        report = ceph_lab.check(["storage"], label="client route")
        msgs = _failures(report, "test_client_reaches_storage")
        assert any(m.startswith(f"{client}: no route to {mon_addr}") and port.ifname in m for m in msgs), (route, msgs)
    finally:
        ceph_lab.sh(
            client,
            f"ip route flush dev {port.ifname} scope global; "
            f"while read -r r; do ip route replace $r dev {port.ifname} 2>/dev/null || true; done "
            f"< /tmp/aidc-{ceph_lab.cluster}-routes; rm -f /tmp/aidc-{ceph_lab.cluster}-routes",
            check=False,
        )
    configure_with_apply(ceph_lab.fabric, ceph_lab.state_dir)
    assert ceph_lab.settle(["storage"], timeout=60, label="route back").ok


def test_minio_s3_check_code_runs_against_rgw(ceph_lab: HealthLab) -> None:
    """The MinIO server binary cannot be installed here (no reachable registry ships it since the
    community project stopped publishing binaries): the MinIO S3 check's code path (the case
    builder's client and the shared SigV4 probe) runs against the RGW endpoint instead."""
    from toolkit.health import storage as hs
    from toolkit.health.model import Case

    fab = ceph_lab.fabric
    minio_case = hs.minio_s3(fab, None)[0]
    rgw = fab.ceph[0].rgw_daemons[0]
    case = Case(
        device=minio_case.device,
        suffix="minio-via-rgw",
        expect={**minio_case.expect, "endpoint": f"http://{rgw.endpoint}"},
    )
    from toolkit.session import Sessions

    target = Sessions(ceph_lab.target())
    commands: list[str] = []
    real_run = target.run

    def run(device: str, command: str, timeout: float = 30.0) -> Any:
        commands.append(command)
        return real_run(device, command, timeout)

    target.run = run  # type: ignore[method-assign]
    mon = next(iter(fab.ceph[0].mons))
    pools_before = sorted(p["pool_name"] for p in _ceph(ceph_lab, mon, "osd", "pool", "ls", "detail"))
    try:
        creds = hs.s3_credentials(target)
        assert creds is not None
        res = hs.s3_round_trip(target, case.device, case.expect["endpoint"], creds)
        assert hs.s3(case, res) == [], res
        # the keys never were on a command line, and their 0600 file is gone from the client
        assert commands and not any(creds[0] in c or creds[1] in c for c in commands)
        assert ceph_lab.sh(case.device, "ls -d /tmp/aidc-s3.* 2>/dev/null || true").stdout.strip() == ""
        # bucket, object and delete made no pool: every pool RGW uses was created before it started
        assert sorted(p["pool_name"] for p in _ceph(ceph_lab, mon, "osd", "pool", "ls", "detail")) == pools_before
        assert {p.name for p in fab.ceph[0].pools if p.origin == "rgw"} <= set(pools_before)
        assert [s[0] for s in res["steps"]] == [
            "create bucket",
            "put object",
            "get object",
            "delete object",
            "delete bucket",
        ]
        bad = hs.s3_round_trip(target, case.device, case.expect["endpoint"], (creds[0], "wrong-secret"))
        msgs = hs.s3(case, bad)
        assert msgs and "HTTP 403" in msgs[0] and case.expect["endpoint"] in msgs[0], bad
    finally:
        target.close()
