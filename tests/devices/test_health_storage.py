"""The ``storage`` health layer (``toolkit.health.storage``) without a Ceph cluster, root-free.

Cases come from lab-mini's design (one Ceph cluster ``ceph1``: three monitors/OSD hosts, an RGW,
three GPU servers as clients; one MinIO deployment). The Ceph answers are WRITTEN FROM CEPH'S
DOCUMENTED JSON, NOT CAPTURED (``ceph status``, ``osd pool ls detail``, ``osd crush rule
dump``, ``osd erasure-code-profile get``, ``osd dump``, ``osd tree``, all ``--format json``, in
the shape Ceph 16 prints: replicated pools with an empty ``erasure_code_profile``, CRUSH rules by
id, EC profile values as strings, ``up`` / ``in`` as 0/1): a healthy cluster built from the
design's numbers, then one fault at a time. The real Ceph runs in the lab tests
(tests/storage/test_ceph_lab.py, as root).

Run for real here, on loopback only: the client reachability script (``ip route get`` and a TCP
connect by the local shell to a listener this test opens) and the S3 probe (``python3`` running
``toolkit/health/s3probe.py`` against a small in-memory S3 stand-in on 127.0.0.1).
"""

from __future__ import annotations

import copy
import functools
import http.server
import json
import os
import shlex
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.recorded import ROOT
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.health import storage as st
from toolkit.health.model import Case, HealthError
from toolkit.session import CommandResult
from toolkit.spec import load


@functools.cache
def _fabric() -> Fabric:
    spec = load(ROOT / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    return design(spec)


def fabric() -> Fabric:
    return _fabric().model_copy(deep=True)


def healthy(fab: Fabric) -> dict[str, Any]:
    """What a healthy ``ceph1`` answers, per command (Ceph 16 JSON shapes)."""
    c = fab.ceph[0]
    rules = sorted({p.crush_rule for p in c.pools})
    detail = [
        {
            "pool_id": i, "pool_name": p.name, "type": 3 if p.type == "erasure" else 1, "size": p.size,
            "min_size": p.min_size, "crush_rule": rules.index(p.crush_rule), "pg_num": p.pg_num,
            "erasure_code_profile": p.ec_profile or "", "application_metadata": {p.application: {}},
        }
        for i, p in enumerate(c.pools, 1)
    ]
    profiles = {
        p.ec_profile: {"crush-device-class": "", "crush-failure-domain": p.failure_domain, "crush-root": "default",
                       "k": str(p.k), "m": str(p.m), "plugin": "jerasure", "technique": "reed_sol_van", "w": "8"}
        for p in c.pools if p.ec_profile
    }
    hosts = sorted(c.osds)
    buckets = [-2 - i for i in range(len(hosts))]
    tree = [{"id": -1, "name": "default", "type": "root", "type_id": 11, "children": buckets}]
    for i, h in enumerate(hosts):
        ids = [o.id for o in c.osd_list if o.host == h]
        tree.append({"id": -2 - i, "name": h, "type": "host", "type_id": 1, "pool_weights": {}, "children": ids})
        tree += [{"id": o, "device_class": "ssd", "name": f"osd.{o}", "type": "osd", "type_id": 0, "exists": 1,
                  "status": "up", "reweight": 1} for o in ids]
    pgs = sum(p.pg_num for p in c.pools)
    return {
        "status": {
            "fsid": "5d4b1a7e-0c1f-4c8e-9a43-2f4f3a2b1c0d",
            "health": {"status": "HEALTH_OK", "checks": {}, "mutes": []},
            "election_epoch": 12, "quorum": [0, 1, 2], "quorum_names": sorted(c.mons), "quorum_age": 3600,
            "osdmap": {"epoch": 41, "num_osds": len(c.osd_list), "num_up_osds": len(c.osd_list),
                       "num_in_osds": len(c.osd_list)},
            "pgmap": {"pgs_by_state": [{"state_name": "active+clean", "count": pgs}], "num_pools": len(c.pools),
                      "num_pgs": pgs},
        },
        "osd pool ls detail": detail,
        "osd crush rule dump": [{"rule_id": i, "rule_name": r, "type": 3 if r.startswith("ec-") else 1}
                                for i, r in enumerate(rules)],
        **{f"osd erasure-code-profile get {n}": v for n, v in profiles.items()},
        "osd dump": {"epoch": 41, "osds": [{"osd": o.id, "up": 1, "in": 1, "weight": 1.0} for o in c.osd_list]},
        "osd tree": {"nodes": tree, "stray": []},
    }


class Ceph:
    """The check run's sessions as ``toolkit.health.storage`` uses them, the ceph CLI answered
    from ``replies`` (``asked``: (host, command) in order)."""

    alive: list[Ceph] = []
    """Every instance stays referenced: the layer caches answers per check run by ``id()`` of
    the sessions object (one per run, in its own process), which a new object could reuse."""

    def __init__(self, replies: dict[str, Any], kind: str = "inventory", run_dir: str = "/run/x", sudo: bool = True):
        Ceph.alive.append(self)
        self.replies = replies
        self.asked: list[tuple[str, str]] = []
        self.sudo = sudo
        state = type("State", (), {"run_dir": run_dir, "lab_dir": run_dir})()
        self.target = type("T", (), {"kind": kind, "state": state})()

    def privileged(self, command: str) -> str:
        return f"sudo -n {command}" if self.sudo else command

    def check_output(self, device: str, command: str, timeout: float = 30.0) -> str:
        self.asked.append((device, command))
        args = command.split("--connect-timeout 10 ", 1)[1].removesuffix(" --format json")
        reply = self.replies[args]
        return reply if isinstance(reply, str) else json.dumps(reply)


def evaluate(fab: Fabric, replies: dict[str, Any]) -> list[str]:
    """Every Ceph check of the layer, as toolkit/health/checks/check_storage.py runs them."""
    ceph = Ceph(replies)
    out: list[str] = []
    for case in st.ceph_clusters(fab, None):
        status = st.ceph_status(ceph, case.device, wait=0)  # type: ignore[arg-type]
        out += st.health(case, status) + st.quorum(case, status) + st.pgs(case, status)
        detail = st.ceph_json(ceph, case.device, "osd pool ls detail")  # type: ignore[arg-type]
        rules = st.ceph_json(ceph, case.device, "osd crush rule dump")  # type: ignore[arg-type]
        names = sorted({p["erasure_code_profile"] for p in detail if p.get("erasure_code_profile")})
        profiles = {n: st.ceph_json(ceph, case.device, f"osd erasure-code-profile get {n}") for n in names}  # type: ignore[arg-type]
        out += st.pools(case, detail, rules, profiles)
    for case in st.ceph_osd_hosts(fab, None):
        mon = case.expect["mon"]
        out += st.osd_host(case, st.ceph_json(ceph, mon, "osd dump"), st.ceph_json(ceph, mon, "osd tree"))  # type: ignore[arg-type]
    return out


MON = "stor-r01-stor01"


def test_cases_from_the_design() -> None:
    fab = fabric()
    (cluster,) = st.ceph_clusters(fab, None)
    assert cluster.device == MON and cluster.suffix == "ceph:ceph1" and len(cluster.expect["pools"]) == 9
    hosts = st.ceph_osd_hosts(fab, None)
    assert [(c.device, c.expect["osds"], c.expect["mon"]) for c in hosts] == [
        ("stor-r01-stor01", [0], MON), ("stor-r01-stor02", [1], MON), ("stor-r01-stor03", [2], MON)]
    (rgw,) = st.ceph_rgw_s3(fab, None)
    assert (rgw.device, rgw.expect["endpoint"], rgw.expect["daemon"]) == (
        "su1-r01-gpu01", "http://10.120.0.1:7480", "client.rgw.stor-r01-stor01")
    clients = st.storage_clients(fab, None)
    assert {c.device for c in clients} == set(fab.ceph[0].clients)
    one = clients[0]
    port = fab.devices[one.device].port(one.port)
    assert port.plane == "storage" and one.expect["src"] == (port.address or "").split("/")[0]
    assert [e[1:] for e in one.expect["endpoints"]] == [["10.120.0.1", 3300], ["10.120.0.93", 3300],
                                                        ["10.120.0.3", 3300], ["10.120.0.1", 7480]]
    minio = st.minio_servers(fab, None)
    assert minio[0].expect["url"] == "http://10.120.0.1:9000/minio/health/cluster" and len(minio) == 3
    (s3,) = st.minio_s3(fab, None)
    assert (s3.device, s3.expect["endpoint"], s3.expect["host"]) == ("su1-r01-gpu01", "http://10.120.0.1:9000", MON)
    assert set(st.BUILDERS) == {"ceph_clusters", "ceph_osd_hosts", "ceph_rgw_s3", "storage_clients", "minio_servers",
                                "minio_s3"}


def test_a_partial_target_asks_what_it_has() -> None:
    fab = fabric()
    present = {"stor-r01-stor02", "stor-r01-stor03", "su1-r02-gpu01"}
    (cluster,) = st.ceph_clusters(fab, present)
    assert cluster.device == "stor-r01-stor02", "the first monitor in the target is asked"
    assert [c.device for c in st.ceph_osd_hosts(fab, present)] == ["stor-r01-stor02", "stor-r01-stor03"]
    assert st.ceph_rgw_s3(fab, present) == [], "the gateway's host is not in the target"
    assert st.minio_s3(fab, present) == [], "the first MinIO server is not in the target"
    assert st.ceph_clusters(fab, {"su1-r01-gpu01"}) == [] and st.ceph_osd_hosts(fab, {"su1-r01-gpu01"}) == []


def test_a_healthy_cluster_passes() -> None:
    fab = fabric()
    assert evaluate(fab, healthy(fab)) == []


def test_each_fault_is_named() -> None:
    fab = fabric()
    base = healthy(fab)

    def fault(edit: Any) -> list[str]:
        r = copy.deepcopy(base)
        edit(r)
        return evaluate(fab, r)

    def warn(r: dict[str, Any]) -> None:
        r["status"]["health"] = {"status": "HEALTH_WARN", "checks": {
            "OSD_DOWN": {"severity": "HEALTH_WARN", "summary": {"message": "1 osds down", "count": 1}},
            "MON_CLOCK_SKEW": {"severity": "HEALTH_WARN", "summary": {"message": "clock skew detected on mon.b"}}}}

    assert fault(warn) == [f"{MON}: ceph ceph1 is HEALTH_WARN: MON_CLOCK_SKEW (clock skew detected on mon.b); "
                           "OSD_DOWN (1 osds down)"]

    def lost_mon(r: dict[str, Any]) -> None:
        r["status"]["quorum_names"] = ["stor-r01-stor01", "stor-r01-stor03", "stor-r99-stor09"]

    assert fault(lost_mon) == [f"{MON}: monitor mon.stor-r01-stor02 is not in quorum",
                               f"{MON}: monitor mon.stor-r99-stor09 in quorum is not in the design"]

    def degraded(r: dict[str, Any]) -> None:
        assert r["status"]["pgmap"]["num_pgs"] == 120  # 32 + 32 + 7 x 8
        r["status"]["pgmap"]["pgs_by_state"] = [{"state_name": "active+clean", "count": 104},
                                                {"state_name": "active+undersized+degraded", "count": 16}]

    assert fault(degraded) == [f"{MON}: ceph ceph1: 104 of 120 PGs active+clean (16 active+undersized+degraded)"]

    def pool_changed(r: dict[str, Any]) -> None:
        rbd = next(p for p in r["osd pool ls detail"] if p["pool_name"] == "rbd")
        ec_rule = next(x["rule_id"] for x in r["osd crush rule dump"] if x["rule_name"] == "ec-2-1-host")
        rbd["size"], rbd["crush_rule"] = 2, ec_rule
        r["osd pool ls detail"] = [p for p in r["osd pool ls detail"] if p["pool_name"] != ".rgw.root"]
        r["osd erasure-code-profile get ec-2-1-host"]["m"] = "2"

    assert fault(pool_changed) == [
        f"{MON}: pool rbd size 2, designed 3",
        f"{MON}: pool rbd uses CRUSH rule ec-2-1-host, designed replicated-host",
        f"{MON}: pool objects EC profile m=2, designed 1",
        f"{MON}: pool .rgw.root does not exist",
    ]

    def ec_as_replicated(r: dict[str, Any]) -> None:
        objects = next(p for p in r["osd pool ls detail"] if p["pool_name"] == "objects")
        objects["erasure_code_profile"] = ""

    assert fault(ec_as_replicated) == [f"{MON}: pool objects is replicated, designed erasure"]

    def osd_trouble(r: dict[str, Any]) -> None:
        r["osd dump"]["osds"][1].update({"up": 0, "in": 0})
        r["osd dump"]["osds"] = [o for o in r["osd dump"]["osds"] if o["osd"] != 2]
        host1 = next(n for n in r["osd tree"]["nodes"] if n["name"] == "stor-r01-stor01")
        host1["children"] = []  # osd.0 moved out of its host bucket

    assert fault(osd_trouble) == [
        "stor-r01-stor01: osd.0 sits under CRUSH host (none)",
        "stor-r01-stor02: osd.1 is down",
        "stor-r01-stor02: osd.1 is out",
        "stor-r01-stor03: osd.2 does not exist",
    ]


def test_ceph_answers_are_read_once_per_run_and_must_be_json() -> None:
    fab = fabric()
    ceph = Ceph(healthy(fab))
    a = st.ceph_json(ceph, MON, "osd dump")  # type: ignore[arg-type]
    b = st.ceph_json(ceph, MON, "osd dump")  # type: ignore[arg-type]
    assert a == b and ceph.asked == [(MON, "sudo -n ceph --connect-timeout 10 osd dump --format json")]
    bad = Ceph({"status": "Error initializing cluster client: ObjectNotFound('RADOS object not found')"})
    with pytest.raises(HealthError, match=rf"{MON}: `ceph status` printed no JSON"):
        st.ceph_status(bad, MON, wait=0)  # type: ignore[arg-type]


def test_the_lab_runs_the_ceph_cli_on_its_own_files() -> None:
    lab = Ceph({}, kind="lab", run_dir="/var/lib/aidc/lab/x")
    assert st.is_lab(lab) and not st.is_lab(Ceph({}))  # type: ignore[arg-type]
    assert st.ceph_cli(lab, "stor01") == (  # type: ignore[arg-type]
        "CEPH_CONF=/var/lib/aidc/lab/x/storage/stor01/etc/ceph.conf ceph --keyring "
        "/var/lib/aidc/lab/x/storage/stor01/etc/ceph.client.admin.keyring --connect-timeout 10"
    )
    assert st.ceph_cli(Ceph({}, sudo=False), "stor01") == "ceph --connect-timeout 10"  # type: ignore[arg-type]


def test_s3_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIDC_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("AIDC_S3_SECRET_KEY", raising=False)
    assert st.s3_credentials(Ceph({})) is None  # type: ignore[arg-type]
    monkeypatch.setenv("AIDC_S3_ACCESS_KEY", "AKIDEXAMPLE")
    assert st.s3_credentials(Ceph({})) is None, "both keys are needed"  # type: ignore[arg-type]
    monkeypatch.setenv("AIDC_S3_SECRET_KEY", "wJalrXUtnFEMI")
    assert st.s3_credentials(Ceph({})) == ("AKIDEXAMPLE", "wJalrXUtnFEMI")  # type: ignore[arg-type]
    from toolkit.lab.storage import S3_FILE

    lab = Ceph({}, kind="lab", run_dir=str(tmp_path))
    assert st.s3_credentials(lab) is None  # type: ignore[arg-type]
    (tmp_path / S3_FILE).write_text(json.dumps({"access": "labkey", "secret": "labsecret"}))
    assert st.s3_credentials(lab) == ("labkey", "labsecret")  # type: ignore[arg-type]


def test_s3_and_minio_evaluation() -> None:
    case = Case(device="su1-r01-gpu01", suffix="rgw:x",
                expect={"endpoint": "http://10.120.0.1:7480", "daemon": "client.rgw.x", "host": MON})
    assert st.s3(case, {"ok": True, "steps": [], "error": ""}) == []
    assert st.s3(case, {"ok": False, "error": "put object: HTTP 403"}) == [
        f"su1-r01-gpu01: S3 round trip to http://10.120.0.1:7480 (client.rgw.x on {MON}) failed: put object: HTTP 403"]


# ---------------------------------------------------------------- run for real, on loopback


@pytest.fixture
def listener() -> Iterator[int]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    try:
        yield int(s.getsockname()[1])
    finally:
        s.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_client_script_run_by_the_shell(listener: int) -> None:
    dead = closed_port()
    case = Case(device="su1-r01-gpu01", port="st0", suffix="storage-endpoints", expect={
        "ifname": "lo", "src": "127.0.0.1",
        "endpoints": [["ceph ceph1 mon a", "127.0.0.1", listener], ["ceph ceph1 rgw b", "127.0.0.1", dead]]})
    script = st.client_script(case.expect)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, check=False).stdout
    assert out.count("@@r") == 2 and "@@t0 0" in out and "@@t1 0" not in out
    refused = f"su1-r01-gpu01: cannot connect to 127.0.0.1:{dead} (ceph ceph1 rgw b) over lo"
    assert st.client_reach(case, out) == [refused]
    case.expect["ifname"] = "st0"  # the route leaves through lo, not the storage port
    got = st.client_reach(case, out)
    assert len(got) == 2 and got[0].startswith("su1-r01-gpu01: no route to 127.0.0.1 (ceph ceph1 mon a) from "
                                                "127.0.0.1 via st0 (storage plane): [{")
    assert st.client_reach(case, "")[0].endswith("via st0 (storage plane): no answer")


class S3Store(http.server.BaseHTTPRequestHandler):
    """An in-memory S3 stand-in: PUT stores, GET returns, DELETE drops (no signature check; it
    records the Authorization headers it saw)."""

    objects: dict[str, bytes] = {}
    auth: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def _done(self, code: int, body: bytes = b"") -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        self.auth.append(self.headers.get("Authorization", ""))
        self.objects[self.path] = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._done(200)

    def do_GET(self) -> None:
        self._done(200, self.objects[self.path]) if self.path in self.objects else self._done(404)

    def do_DELETE(self) -> None:
        self.objects.pop(self.path, None)
        self._done(204)


class LocalSessions:
    """The check run's sessions on this machine's shell (the probe's commands run for real)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.commands: list[str] = []

    def run(self, device: str, command: str, timeout: float = 60) -> CommandResult:
        self.commands.append(command)
        cp = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=timeout, check=False)
        return CommandResult(command=command, rc=cp.returncode, stdout=cp.stdout, stderr=cp.stderr)

    def check_output(self, device: str, command: str, timeout: float = 60) -> str:
        return self.run(device, command, timeout).stdout

    def session(self, device: str) -> Any:
        outer = self

        class Files:
            def put_file(self, path: str, text: str, mode: int = 0o644) -> None:
                outer.commands.append(f"(sftp) {path} {oct(mode)}")
                Path(path).write_text(text)
                os.chmod(path, mode)

        return Files()


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    S3Store.objects, S3Store.auth = {}, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), S3Store)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_s3_round_trip_runs_the_probe_with_the_keys_in_a_file(tmp_path: Path, s3_endpoint: str) -> None:
    sessions = LocalSessions(tmp_path)
    res = st.s3_round_trip(sessions, "su1-r01-gpu01", s3_endpoint, ("AKIDPROBE", "s3cr3t-never-on-a-command-line"))  # type: ignore[arg-type]
    assert res["ok"] is True, res
    assert [s[0] for s in res["steps"]] == ["create bucket", "put object", "get object", "delete object",
                                            "delete bucket"]
    assert S3Store.objects == {}, "the probe removed what it created"
    assert all("Credential=AKIDPROBE/" in a for a in S3Store.auth) and S3Store.auth
    assert not any("s3cr3t" in c for c in sessions.commands), "the secret never appears in a command"
    folder = sessions.commands[0]
    assert folder.startswith("umask 077 && mktemp -d /tmp/aidc-s3.")
    made = next(c.split()[1] for c in sessions.commands if c.startswith("(sftp) "))
    assert made.endswith("/keys.json") and " 0o600" in next(c for c in sessions.commands if c.startswith("(sftp)"))
    assert not Path(made).parent.exists(), "the key folder is removed afterwards"
    assert sessions.commands[-1] == f"rm -rf {shlex.quote(str(Path(made).parent))}"


def test_s3_round_trip_reports_an_unreachable_gateway(tmp_path: Path) -> None:
    res = st.s3_round_trip(LocalSessions(tmp_path), "su1-r01-gpu01", f"http://127.0.0.1:{closed_port()}",  # type: ignore[arg-type]
                           ("a", "b"))
    assert res["ok"] is False and res["error"].startswith("create bucket: ") and "refused" in res["error"].lower()


def test_the_probe_in_process_signs_every_request(tmp_path: Path, s3_endpoint: str) -> None:
    """``toolkit.health.s3probe`` imported (the same code the client runs from stdin)."""
    import datetime
    import hashlib

    from toolkit.health import s3probe

    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"access": "AKIDPROBE", "secret": "s3cr3t"}))
    assert s3probe.read_keys(str(keys)) == ("AKIDPROBE", "s3cr3t") and not keys.exists(), "read once, then deleted"
    now = datetime.datetime(2026, 12, 1, 10, 11, 12, tzinfo=datetime.UTC)
    req = s3probe.signed_request("PUT", "http://127.0.0.1:7480", "/b/k y.txt", "AKIDPROBE", "s3cr3t", b"body", now)
    assert req.full_url == "http://127.0.0.1:7480/b/k%20y.txt" and req.get_method() == "PUT"
    assert req.get_header("X-amz-date") == "20261201T101112Z"
    assert req.get_header("X-amz-content-sha256") == hashlib.sha256(b"body").hexdigest()
    auth = req.get_header("Authorization")
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDPROBE/20261201/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=")
    again = s3probe.signed_request("PUT", "http://127.0.0.1:7480", "/b/k y.txt", "AKIDPROBE", "s3cr3t", b"body", now)
    other = s3probe.signed_request("PUT", "http://127.0.0.1:7480", "/b/k y.txt", "AKIDPROBE", "other", b"body", now)
    assert again.get_header("Authorization") == auth != other.get_header("Authorization"), "the secret signs"
    assert "s3cr3t" not in auth
    res = s3probe.round_trip(s3_endpoint, "AKIDPROBE", "s3cr3t")
    assert res["ok"] is True and [s[1] for s in res["steps"]] == [200, 200, 200, 204, 204]  # type: ignore[union-attr]

    class Corrupting(S3Store):
        def do_GET(self) -> None:
            self._done(200, b"other bytes")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Corrupting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bad = s3probe.round_trip(f"http://127.0.0.1:{server.server_address[1]}", "a", "b")
    finally:
        server.shutdown()
        server.server_close()
    assert bad == {"ok": False, "steps": [["create bucket", 200], ["put object", 200], ["get object", 200]],
                   "error": "get object returned other bytes than put"}
