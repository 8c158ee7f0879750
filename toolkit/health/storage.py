"""The ``storage`` layer: check cases from the Fabric's Ceph and MinIO clusters, the commands that
observe them and the evaluation (pure functions of the observed JSON).

- ``ceph_clusters``: one case per Ceph cluster, observed on its first monitor: HEALTH_OK (a
  HEALTH_WARN is named with its checks), the designed monitors in quorum, every PG active+clean,
  pools with the designed size/min_size, type, EC profile (k, m, failure domain) and CRUSH rule.
- ``ceph_osd_hosts``: one case per OSD host: its designed OSDs exist under that host and are up
  and in (a stopped OSD fails naming host and ``osd.N``).
- ``ceph_rgw_s3``: one case per RADOS gateway, run from the first storage client (a GPU server):
  an S3 round trip (``toolkit.health.s3probe``: create bucket, put, get, delete) over the storage
  plane.
- ``storage_clients``: one case per storage client: a route to every storage endpoint leaves
  through its storage port, and a TCP connection to every monitor and gateway succeeds.
- ``minio_servers``: one case per MinIO server: ``/minio/health/cluster`` answers 200 (not
  applicable in the twin, where no MinIO binary can be installed).

Where the ceph CLI finds the cluster is the target's business: the lab keeps every server's files
under ``<lab run dir>/storage/<server>/`` (``toolkit.lab.storage``), real servers use /etc/ceph.
"""

from __future__ import annotations

import json
import os
import shlex
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from toolkit.design.model import CephCluster, Fabric
from toolkit.health.model import Case, HealthError
from toolkit.session import Sessions

Present = set[str] | frozenset[str] | None
MON_PORT = 3300
S3_PROBE = Path(__file__).with_name("s3probe.py")


def _has(present: Present, *names: str) -> bool:
    return present is None or all(n in present for n in names)


# ------------------------------------------------------------------------------------- cases


def _reachable_clusters(fabric: Fabric, present: Present) -> Iterator[tuple[CephCluster, str]]:
    """Each Ceph cluster with a monitor in the target, and its first such monitor (the one the
    checks ask); a cluster without one cannot be asked."""
    for c in fabric.ceph:
        mon = next((m for m in c.mons if _has(present, m)), None)
        if mon is not None:
            yield c, mon


def ceph_clusters(fabric: Fabric, present: Present) -> list[Case]:
    out = []
    for c, mon in _reachable_clusters(fabric, present):
        pools = [p.model_dump() for p in c.pools]
        out.append(
            Case(device=mon, suffix=f"ceph:{c.name}", expect={"cluster": c.name, "mons": list(c.mons), "pools": pools})
        )
    return out


def ceph_osd_hosts(fabric: Fabric, present: Present) -> list[Case]:
    out = []
    for c, mon in _reachable_clusters(fabric, present):
        for host in c.osds:
            if not _has(present, host):
                continue
            ids = [o.id for o in c.osd_list if o.host == host]
            out.append(Case(device=host, suffix=f"ceph:{c.name}", expect={"cluster": c.name, "mon": mon, "osds": ids}))
    return out


def ceph_rgw_s3(fabric: Fabric, present: Present) -> list[Case]:
    out = []
    for c in fabric.ceph:
        client = next((h for h in c.clients if _has(present, h)), None)
        for d in c.rgw_daemons:
            if client is None or not _has(present, d.host):
                continue
            out.append(
                Case(
                    device=client,
                    suffix=f"rgw:{d.name}",
                    expect={
                        "cluster": c.name,
                        "endpoint": f"http://{d.endpoint}",
                        "daemon": f"client.rgw.{d.name}",
                        "host": d.host,
                    },
                )
            )
    return out


def storage_clients(fabric: Fabric, present: Present) -> list[Case]:
    endpoints: dict[str, list[tuple[str, str, int]]] = {}
    for c in fabric.ceph:
        for h in c.clients:
            eps = endpoints.setdefault(h, [])
            eps += [(f"ceph {c.name} mon {m}", a, MON_PORT) for m, a in c.mons.items()]
            eps += [(f"ceph {c.name} rgw {d.name}", d.address, d.port or 0) for d in c.rgw_daemons]
    out = []
    for host, eps in endpoints.items():
        if not _has(present, host):
            continue
        dev = fabric.devices[host]
        port = next((p for p in dev.ports if p.plane == "storage" and p.address), None)
        if port is None:
            continue
        out.append(
            Case(
                device=host,
                port=port.name,
                suffix="storage-endpoints",
                expect={
                    "ifname": port.ifname,
                    "src": (port.address or "").split("/")[0],
                    "endpoints": [list(e) for e in eps],
                },
            )
        )
    return out


def minio_servers(fabric: Fabric, present: Present) -> list[Case]:
    return [
        Case(device=h, suffix=f"minio:{m.name}", expect={"url": f"http://{a}:{m.port}/minio/health/cluster"})
        for m in fabric.minio
        for h, a in m.addresses.items()
        if _has(present, h)
    ]


def minio_s3(fabric: Fabric, present: Present) -> list[Case]:
    """One S3 round trip per MinIO deployment, from its first storage client (any server serves
    every bucket: the first server's endpoint)."""
    out = []
    for m in fabric.minio:
        client = next((h for h in m.clients if _has(present, h)), None)
        host, addr = next(iter(m.addresses.items()))
        if client is None or not _has(present, host):
            continue
        out.append(
            Case(
                device=client,
                suffix=f"minio:{m.name}",
                expect={"endpoint": f"http://{addr}:{m.port}", "daemon": f"minio {m.name}", "host": host},
            )
        )
    return out


BUILDERS = {
    "ceph_clusters": ceph_clusters,
    "ceph_osd_hosts": ceph_osd_hosts,
    "ceph_rgw_s3": ceph_rgw_s3,
    "storage_clients": storage_clients,
    "minio_servers": minio_servers,
    "minio_s3": minio_s3,
}


# ---------------------------------------------------------------------------------- observing


def is_lab(target: Sessions) -> bool:
    return target.target.kind == "lab"


def ceph_cli(target: Sessions, host: str) -> str:
    """Shell prefix that runs the ceph CLI against the cluster on ``host``."""
    if is_lab(target):
        root = Path(target.target.state.run_dir) / "storage" / host  # type: ignore[attr-defined]
        conf, keyring = root / "etc" / "ceph.conf", root / "etc" / "ceph.client.admin.keyring"
        return f"CEPH_CONF={shlex.quote(str(conf))} ceph --keyring {shlex.quote(str(keyring))} --connect-timeout 10"
    return target.privileged("ceph --connect-timeout 10")


_CACHE: dict[tuple[int, str, str], Any] = {}
_LOCK = threading.Lock()


def ceph_json(target: Sessions, host: str, args: str) -> Any:
    """``ceph <args> --format json`` on ``host`` (cached for this check run)."""
    key = (id(target), host, args)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    data = _ceph_json_now(target, host, args)
    with _LOCK:
        _CACHE[key] = data
    return data


def _ceph_json_now(target: Sessions, host: str, args: str) -> Any:
    text = target.check_output(host, f"{ceph_cli(target, host)} {args} --format json", timeout=30)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise HealthError(f"{host}: `ceph {args}` printed no JSON: {exc}") from None


PG_SETTLE_WAIT = 30.0
"""Seconds a check run waits for placement groups that are only being created or peering (a pool
made a moment ago, an OSD that just restarted) before it reports them; anything else not
active+clean (degraded, undersized, down, stale, ...) is reported at once."""
_TRANSIENT = frozenset({"creating", "peering", "activating", "unknown", "active", "clean"})
_CLEAN_EXTRA = frozenset({"scrubbing", "deep", "snaptrim", "snaptrim_wait", "scrub_wait"})


def pg_states(status: dict[str, Any]) -> dict[str, int]:
    return {s["state_name"]: int(s["count"]) for s in (status.get("pgmap") or {}).get("pgs_by_state", [])}


def is_clean(state: str) -> bool:
    """active+clean, also while scrubbing or trimming snapshots (normal upkeep of a clean PG)."""
    parts = set(state.split("+"))
    return {"active", "clean"} <= parts and parts - {"active", "clean"} <= _CLEAN_EXTRA


def settling(status: dict[str, Any]) -> bool:
    """Some PGs are not clean, and every one of them is only being created or peering."""
    bad = [k for k in pg_states(status) if not is_clean(k)]
    return bool(bad) and all(set(k.split("+")) <= _TRANSIENT for k in bad)


def ceph_status(target: Sessions, host: str, wait: float = PG_SETTLE_WAIT) -> dict[str, Any]:
    """``ceph status`` of the cluster (cached for this check run), read again for up to ``wait``
    seconds while its only unclean PGs are being created or peering. If they still are, the
    status names their pools (``aidc_settling``: pool -> {state: count}, ``aidc_waited``)."""
    key = (id(target), host, "aidc-settled-status")
    with _LOCK:
        if key in _CACHE:
            return dict(_CACHE[key])
    status = dict(ceph_json(target, host, "status"))
    t0 = time.monotonic()
    while settling(status) and time.monotonic() - t0 < wait:
        time.sleep(1.0)
        status = dict(_ceph_json_now(target, host, "status"))
    if settling(status):
        status["aidc_waited"] = round(time.monotonic() - t0, 1)
        status["aidc_settling"] = _unclean_by_pool(target, host)
    with _LOCK:
        _CACHE[key] = status
    return dict(status)


def _unclean_by_pool(target: Sessions, host: str) -> dict[str, dict[str, int]]:
    names = {str(p.get("pool_id")): str(p.get("pool_name")) for p in _ceph_json_now(target, host, "osd pool ls detail")}
    listed = _ceph_json_now(target, host, "pg ls")
    stats = listed.get("pg_stats", []) if isinstance(listed, dict) else listed
    out: dict[str, dict[str, int]] = {}
    for pg in stats or []:
        state = str(pg.get("state", ""))
        if is_clean(state):
            continue
        pool = names.get(str(pg.get("pgid", "")).split(".")[0], str(pg.get("pgid", "?")))
        out.setdefault(pool, {})
        out[pool][state] = out[pool].get(state, 0) + 1
    return out


def s3_credentials(target: Sessions) -> tuple[str, str] | None:
    if is_lab(target):
        from toolkit.lab.storage import s3_credentials_of

        return s3_credentials_of(target.target.state.lab_dir)  # type: ignore[attr-defined]
    access, secret = os.environ.get("AIDC_S3_ACCESS_KEY"), os.environ.get("AIDC_S3_SECRET_KEY")
    return (access, secret) if access and secret else None


def s3_round_trip(target: Sessions, device: str, endpoint: str, creds: tuple[str, str]) -> dict[str, Any]:
    """Run the S3 probe on ``device`` (python3 there, the script on stdin of a heredoc). The keys
    never appear on a command line: they go by SFTP into a 0600 file of a fresh 0700 folder
    (``mktemp -d``), the probe reads and deletes it, and the folder is removed afterwards."""
    script = S3_PROBE.read_text()
    folder = target.check_output(device, "umask 077 && mktemp -d /tmp/aidc-s3.XXXXXXXX", timeout=15).strip()
    if not folder.startswith("/tmp/aidc-s3."):
        return {"ok": False, "steps": [], "error": f"mktemp printed {folder[:80]!r}"}
    keys = f"{folder}/keys.json"
    try:
        target.session(device).put_file(keys, json.dumps({"access": creds[0], "secret": creds[1]}), mode=0o600)
        cmd = (
            f"AIDC_S3_KEYS_FILE={shlex.quote(keys)} python3 - {shlex.quote(endpoint)} <<'AIDC_S3_EOF'\n"
            f"{script}\nAIDC_S3_EOF"
        )
        res = target.run(device, cmd, timeout=60)
    finally:
        target.run(device, f"rm -rf {shlex.quote(folder)}", timeout=15)
    try:
        return dict(json.loads(res.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"ok": False, "steps": [], "error": (res.stderr or res.stdout).strip()[-300:]}


def client_script(expect: dict[str, Any]) -> str:
    """For every endpoint: the route from the storage address, then a TCP connect (2 s)."""
    lines = []
    for i, (_, addr, port) in enumerate(expect["endpoints"]):
        a, p, s = shlex.quote(addr), int(port), shlex.quote(expect["src"])
        lines.append(f"echo \"@@r{i} $(ip -j route get {a} from {s} 2>&1 | tr -d '\\n')\"")
        lines.append(f"timeout 2 bash -c 'exec 3<>/dev/tcp/{addr}/{p}' 2>/dev/null; echo \"@@t{i} $?\"")
    return "\n".join(lines)


# --------------------------------------------------------------------------------- evaluation


def health(case: Case, status: dict[str, Any]) -> list[str]:
    h = status.get("health") or {}
    if h.get("status") == "HEALTH_OK":
        return []
    checks = h.get("checks") or {}
    named = [f"{k} ({(v.get('summary') or {}).get('message', '')})" for k, v in sorted(checks.items())]
    return [f"{case.device}: ceph {case.expect['cluster']} is {h.get('status', 'unknown')}: {'; '.join(named)}"]


def quorum(case: Case, status: dict[str, Any]) -> list[str]:
    want = list(case.expect["mons"])
    have = list(status.get("quorum_names") or [])
    missing = [m for m in want if m not in have]
    extra = [m for m in have if m not in want]
    out = [f"{case.device}: monitor mon.{m} is not in quorum" for m in missing]
    out += [f"{case.device}: monitor mon.{m} in quorum is not in the design" for m in extra]
    return out


def pgs(case: Case, status: dict[str, Any]) -> list[str]:
    total = int((status.get("pgmap") or {}).get("num_pgs", 0))
    states = pg_states(status)
    clean = sum(n for k, n in states.items() if is_clean(k))
    if total and clean == total:
        return []
    other = ", ".join(f"{n} {k}" for k, n in sorted(states.items()) if not is_clean(k))
    msg = f"{case.device}: ceph {case.expect['cluster']}: {clean} of {total} PGs active+clean ({other or 'no PGs'})"
    settling_pools = status.get("aidc_settling")
    if settling_pools:
        named = "; ".join(
            f"{pool}: " + ", ".join(f"{n} {k}" for k, n in sorted(st.items()))
            for pool, st in sorted(settling_pools.items())
        )
        msg += f"; still being created or peering after {status.get('aidc_waited')} s: {named}"
    return [msg]


def pools(
    case: Case, detail: list[dict[str, Any]], rules: list[dict[str, Any]], profiles: dict[str, dict[str, str]]
) -> list[str]:
    by_name = {p.get("pool_name"): p for p in detail}
    rule_names = {r.get("rule_id"): r.get("rule_name") for r in rules}
    out = []
    for want in case.expect["pools"]:
        name = want["name"]
        got = by_name.get(name)
        if got is None:
            out.append(f"{case.device}: pool {name} does not exist")
            continue
        kind = "erasure" if got.get("erasure_code_profile") else "replicated"
        if kind != want["type"]:
            out.append(f"{case.device}: pool {name} is {kind}, designed {want['type']}")
        for key in ("size", "min_size"):
            if int(got.get(key, -1)) != want[key]:
                out.append(f"{case.device}: pool {name} {key} {got.get(key)}, designed {want[key]}")
        rule = rule_names.get(got.get("crush_rule"))
        if rule != want["crush_rule"]:
            out.append(f"{case.device}: pool {name} uses CRUSH rule {rule}, designed {want['crush_rule']}")
        if want["type"] == "erasure" and kind == "erasure":  # a replicated pool has no profile to compare
            prof = profiles.get(got.get("erasure_code_profile", ""), {})
            for key, val in (("k", want["k"]), ("m", want["m"]), ("crush-failure-domain", want["failure_domain"])):
                if str(prof.get(key)) != str(val):
                    out.append(f"{case.device}: pool {name} EC profile {key}={prof.get(key)}, designed {val}")
    return out


def osd_host(case: Case, dump: dict[str, Any], tree: dict[str, Any]) -> list[str]:
    state = {o["osd"]: o for o in dump.get("osds", [])}
    host_of: dict[int, str] = {}
    for node in tree.get("nodes", []):
        if node.get("type") == "host":
            for child in node.get("children", []):
                host_of[child] = node.get("name", "")
    out = []
    for i in case.expect["osds"]:
        o = state.get(i)
        if o is None:
            out.append(f"{case.device}: osd.{i} does not exist")
            continue
        if host_of.get(i) != case.device:
            out.append(f"{case.device}: osd.{i} sits under CRUSH host {host_of.get(i) or '(none)'}")
        if not o.get("up"):
            out.append(f"{case.device}: osd.{i} is down")
        if not o.get("in"):
            out.append(f"{case.device}: osd.{i} is out")
    return out


def s3(case: Case, res: dict[str, Any]) -> list[str]:
    if res.get("ok"):
        return []
    e = case.expect
    return [
        f"{case.device}: S3 round trip to {e['endpoint']} ({e['daemon']} on {e['host']}) failed: {res.get('error')}"
    ]


def client_reach(case: Case, output: str) -> list[str]:
    got = dict(line[2:].split(" ", 1) for line in output.splitlines() if line.startswith("@@") and " " in line)
    out = []
    for i, (what, addr, port) in enumerate(case.expect["endpoints"]):
        route = got.get(f"r{i}", "")
        try:
            dev = (json.loads(route) or [{}])[0].get("dev")
        except (ValueError, AttributeError, IndexError):
            dev = None
        if dev != case.expect["ifname"]:
            out.append(
                f"{case.device}: no route to {addr} ({what}) from {case.expect['src']} via "
                f"{case.expect['ifname']} (storage plane): {route[:120] or 'no answer'}"
            )
            continue
        if got.get(f"t{i}") != "0":
            out.append(f"{case.device}: cannot connect to {addr}:{port} ({what}) over {case.expect['ifname']}")
    return out
