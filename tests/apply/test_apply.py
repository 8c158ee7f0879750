"""plan and apply against a real lab (lab-mini): FRR, sshd, Ansible over SSH in namespaces.

One lab per module (fixture ``lab``); the tests run in file order and build on each other:
plan -> apply -> BGP up -> plan clean -> apply again unchanged -> drift -> lock -> rollback.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from toolkit.drivers import frr as frr_driver
from toolkit.drivers import open_driver
from toolkit.lab import load_state, wait_bgp
from toolkit.netstate import NetIntent, intent_json
from toolkit.plan import (
    ApplyLockedError,
    ApplyResult,
    ProgressEvent,
    TargetStore,
    apply,
    format_apply,
    format_plan,
    plan,
)
from toolkit.plan.format import plan_markdown

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _switches(lab: Any) -> list[str]:
    st = load_state(lab.cluster, lab.state_dir)
    assert st is not None
    return [n.device for n in st.topology.nodes if n.frr]


def _servers(lab: Any) -> list[str]:
    st = load_state(lab.cluster, lab.state_dir)
    assert st is not None
    return [n.device for n in st.topology.nodes if not n.frr]


def _bgp_peers(fabric: Any, devices: list[str]) -> dict[str, list[str]]:
    """Every BGP session of the Fabric on ``devices``, named as `show bgp summary` names them."""
    out: dict[str, list[str]] = {}
    for name in devices:
        dev = fabric.devices[name]
        peers = []
        for n in dev.bgp:
            if n.unnumbered and n.interface:
                peers.append(dev.port(n.interface).ifname)
            else:
                assert n.peer_address, n
                peers.append(n.peer_address)
        out[name] = peers
    return out


def _wait_bgp(lab: Any, fabric: Any, timeout: float = 90.0) -> Any:
    sw = _switches(lab)
    peers = _bgp_peers(fabric, sw)
    assert all(peers.values()), peers
    return wait_bgp(lab.cluster, lab.state_dir, sw, timeout=timeout, peers=peers)


def _addresses(lab: Any, device: str) -> dict[str, set[str]]:
    cp = lab.exec(device, "ip", "-j", "addr", "show")
    assert cp.returncode == 0, cp.stderr
    out: dict[str, set[str]] = {}
    for link in json.loads(cp.stdout):
        out[link["ifname"]] = {
            f"{a['local']}/{a['prefixlen']}" for a in link.get("addr_info", []) if a.get("family") == "inet"
        }
    return out


def _collect() -> tuple[list[ProgressEvent], Any]:
    events: list[ProgressEvent] = []
    return events, events.append


def _store(lab: Any) -> TargetStore:
    return TargetStore(lab.target().root)


# ------------------------------------------------------------------------------------ the tests


def test_plan_before_apply_shows_every_device(lab: Any) -> None:
    target = lab.target()
    p = plan(lab.fabric, lab.artifacts, target)
    names = set(_switches(lab)) | set(_servers(lab))
    assert {d.device for d in p.devices} == names
    assert all(d.status == "create" for d in p.devices), [(d.device, d.status, d.error) for d in p.devices]
    assert p.changes == len(names)
    assert p.exit_code == 2
    for d in p.devices:
        assert d.added > 0 and d.running is not None and d.running.readable, d
        if d.kind == "switch":
            assert {f.name for f in d.files} == {"frr.conf", "network.json"}
        else:
            assert [f.name for f in d.files] == ["host_vars.yml"]
    # OOB switches and PDUs are not part of the lab target
    assert p.skipped and all(lab.fabric.devices[n].role in ("oob", "pdu") for n in p.skipped)

    data = json.loads(format_plan(p, "json"))
    assert data["changes"] == len(names) and data["exit_code"] == 2
    assert {d["device"] for d in data["devices"]} == names
    md = format_plan(p, "markdown")
    assert md.startswith("### ") and "| Device |" in md
    # a PR comment has a size limit: every device is in the table; diffs that do not fit are
    # left out with a note, and without the limit every device has its diff
    shown = md.count("<details>")
    assert shown == len(names) or ("left out to fit a comment" in md and 0 < shown < len(names)), shown
    assert plan_markdown(p, limit=10**8).count("<details>") == len(names)
    for n in names:
        assert f"`{n}`" in md
    text = format_plan(p, "text")
    assert all(n in text for n in names) and "to change" in text
    # nothing secret: no key material or key paths in any format
    key = Path(load_state(lab.cluster, lab.state_dir).ssh.private_key).read_text()  # type: ignore[union-attr]
    for out in (md, text, format_plan(p, "json")):
        assert key.strip().splitlines()[1] not in out and "PRIVATE KEY" not in out


def test_apply_brings_the_lab_to_the_design(lab: Any) -> None:
    events, cb = _collect()
    t0 = time.monotonic()
    res = apply(lab.fabric, lab.artifacts, lab.target(), progress=cb)
    lab.timings["apply_first"] = round(time.monotonic() - t0, 2)
    print(format_apply(res))
    assert res.ok, format_apply(res)
    assert res.exit_code == 0
    names = set(_switches(lab)) | set(_servers(lab))
    assert {d.device for d in res.devices} == names
    assert all(d.status == "changed" and d.applied_advanced for d in res.devices)
    # progress: every device started and finished, counts up to the total
    started = {e.device for e in events if e.event == "started"}
    changed = {e.device for e in events if e.event == "changed"}
    assert started == names and changed == names
    assert events[-1].done == events[-1].total == len(names)
    # proof the configs loaded: every BGP session of the Fabric comes up
    t1 = time.monotonic()
    bgp = _wait_bgp(lab, lab.fabric)
    lab.timings["bgp_established_after_apply"] = round(time.monotonic() - t1, 2)
    lab.timings["lab_up_plus_apply"] = round(lab.timings["lab_up"] + lab.timings["apply_first"], 2)
    assert bgp.ok, bgp.peers
    # host addresses as designed
    for host in _servers(lab):
        have = _addresses(lab, host)
        for port in lab.fabric.devices[host].ports:
            if port.address and port.plane != "oob":
                assert port.address in have.get(port.ifname, set()), (host, port.ifname, have)
    # switch loopbacks
    for sw in _switches(lab):
        lo = lab.fabric.devices[sw].loopback
        if lo:
            assert lo in _addresses(lab, sw)["lo"], sw


def test_plan_after_apply_is_clean(lab: Any) -> None:
    p = plan(lab.fabric, lab.artifacts, lab.target())
    assert p.changes == 0, format_plan(p, "text")
    assert p.exit_code == 0
    assert all(d.status == "unchanged" and d.running and d.running.matches_applied for d in p.devices)
    assert "0 device(s) to change" in format_plan(p, "text")


def test_second_apply_changes_nothing(lab: Any) -> None:
    events, cb = _collect()
    t0 = time.monotonic()
    res = apply(lab.fabric, lab.artifacts, lab.target(), progress=cb)
    lab.timings["apply_second"] = round(time.monotonic() - t0, 2)
    assert res.ok, format_apply(res)
    assert all(d.status == "unchanged" and not d.applied_advanced for d in res.devices), format_apply(res)
    assert {e.device for e in events if e.event == "unchanged"} == {d.device for d in res.devices}
    assert not any(e.event in ("changed", "failed", "restored") for e in events)
    # a forced push would run no network command either: the FRR driver's reconcile of every
    # switch's real interfaces (read over its session) with network.json is empty
    for sw in _switches(lab):
        with open_driver(lab.target(), sw) as drv:
            assert isinstance(drv, frr_driver.FrrDriver)
            drv.intent = NetIntent.model_validate_json(lab.artifacts[f"switches/{sw}/network.json"])
            plan_now = drv.network_plan()
            assert plan_now.commands == [] and not plan_now.errors, (sw, plan_now)


def test_audit_and_recorded_state(lab: Any) -> None:
    store = _store(lab)
    audit = store.audit()
    assert len(audit) >= 2
    first, second = audit[0], audit[1]
    assert first["result"] == "ok" and second["result"] == "ok"
    assert first["cluster"] == lab.cluster and first["target"] == "lab"
    assert first["who"]["pid"] and first["who"].get("user")
    assert set(first["devices"]) == set(_switches(lab)) | set(_servers(lab))
    assert all(d["status"] == "changed" and len(d["diff_sha256"]) == 64 for d in first["devices"].values())
    assert all(d["status"] == "unchanged" for d in second["devices"].values())
    raw = (store.root / "audit.jsonl").read_text()
    assert "PRIVATE KEY" not in raw and "router bgp" not in raw  # hashes, not configs
    for sw in _switches(lab):
        rec = store.record(sw)
        assert rec is not None and set(rec.files) == {"frr.conf", "network.json"}
        assert store.applied_text(sw, "frr.conf") == lab.artifacts[f"switches/{sw}/frr.conf"]


def test_drift_is_planned_and_repaired(lab: Any) -> None:
    sw = "spine01"
    cp = lab.exec(
        sw,
        "vtysh",
        "-N",
        load_state(lab.cluster, lab.state_dir).node(sw).namespace,  # type: ignore[union-attr]
        "-c",
        "configure terminal",
        "-c",
        "interface swp1",
        "-c",
        "description hand-made",
    )
    assert cp.returncode == 0, cp.stderr
    p = plan(lab.fabric, lab.artifacts, lab.target())
    assert [d.device for d in p.devices if d.changed] == [sw], format_plan(p, "text")
    d = p.device(sw)
    assert d.status == "drift" and d.running is not None and d.running.matches_applied is False
    assert "hand-made" in d.running.diff and p.exit_code == 2
    res = apply(lab.fabric, lab.artifacts, lab.target())
    assert res.ok and res.device(sw).status == "changed", format_apply(res)
    assert [x.device for x in res.devices if x.status == "changed"] == [sw]
    assert plan(lab.fabric, lab.artifacts, lab.target()).exit_code == 0


def test_second_apply_fails_at_once_while_one_holds_the_lock(lab: Any) -> None:
    holding = threading.Event()
    release = threading.Event()
    first: dict[str, ApplyResult] = {}

    def hold(ev: ProgressEvent) -> None:
        if ev.event == "started":
            holding.set()
            release.wait(60)

    th = threading.Thread(
        target=lambda: first.setdefault("r", apply(lab.fabric, lab.artifacts, lab.target(), hold, devices=["spine02"]))
    )
    th.start()
    try:
        assert holding.wait(60), "first apply never started"
        t0 = time.monotonic()
        with pytest.raises(ApplyLockedError) as err:
            apply(lab.fabric, lab.artifacts, lab.target())
        assert time.monotonic() - t0 < 2.0
        assert err.value.holder_pid == os.getpid()
        assert f"pid {os.getpid()}" in str(err.value) and "another apply" in str(err.value)
    finally:
        release.set()
        th.join(120)
    assert first["r"].ok
    assert _store(lab).audit()[-2]["result"] == "refused"
    # the lock is free again
    assert apply(lab.fabric, lab.artifacts, lab.target(), devices=["spine02"]).ok


def _kill_sshd(lab: Any, device: str) -> Any:
    st = load_state(lab.cluster, lab.state_dir)
    assert st is not None
    rec = next(r for r in st.processes if r.device == device and r.name == "sshd")
    cmdline = Path(f"/proc/{rec.pid}/cmdline").read_bytes()
    assert b"sshd" in cmdline
    _kill_and_wait(rec.pid, signal.SIGTERM)
    return rec


def _kill_and_wait(pid: int, sig: int) -> None:
    """Signal ``pid`` and wait (10 s at most) until it is gone or a zombie."""
    os.kill(pid, sig)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
        if not stat or stat[stat.rindex(")") + 2] in "ZX":
            break
        time.sleep(0.05)


def _restart_sshd(lab: Any, rec: Any) -> None:
    """Start sshd again with its recorded command line; the fixture stops it by PID."""
    log = open(rec.log or os.devnull, "ab")  # noqa: SIM115 - the child keeps it
    p = subprocess.Popen(
        rec.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    lab.spawned.append(p)
    ip = load_state(lab.cluster, lab.state_dir).ssh.hosts[rec.device]  # type: ignore[union-attr]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((ip, 22), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"sshd of {rec.device} did not come back")


def _changed_design(data: dict[str, Any]) -> None:
    """Every switch changes: new leaf ASN bases (leaves and, through remote-as, spines) and new
    business loopbacks (business leaves' lo and VTEP address change in network.json too)."""
    nets = data["networks"]
    nets["compute"]["asn"]["leaf_base"] = int(nets["compute"]["asn"]["leaf_base"]) + 10000
    nets["business"]["asn"]["leaf_base"] = int(nets["business"]["asn"]["leaf_base"]) + 10000
    lo = ipaddress.ip_network(nets["business"]["addressing"]["loopbacks"])
    moved = ipaddress.ip_network((int(lo.network_address) + 65536, lo.prefixlen))
    nets["business"]["addressing"]["loopbacks"] = str(moved)


def test_failure_mid_apply_is_restored_and_not_recorded(lab: Any) -> None:
    fabric2, art2 = lab.design(_changed_design)
    store = _store(lab)
    switches = _switches(lab)
    p = plan(fabric2, art2, lab.target(), read_running=False)
    assert {d.device for d in p.devices if d.status == "update"} == set(switches), format_plan(p, "text", diffs=False)

    broken, unreachable = "fe-leaf01", "spine02"
    old_records = {sw: store.record(sw) for sw in switches}
    ns = load_state(lab.cluster, lab.state_dir).node(broken).namespace  # type: ignore[union-attr]
    vtysh = ["vtysh", "-N", ns, "-c", "show running-config"]
    frr_before = lab.exec(broken, *vtysh).stdout
    # a tenant port of the box is a bridge (an impostor): the network commands fail when they
    # put it into the tenant bridge (a bridge cannot join a bridge), after they already changed
    # the loopback (before the ports: links in name order)
    links = NetIntent.model_validate_json(art2[f"switches/{broken}/network.json"]).links
    missing = next(n for n, w in links.items() if w.kind is None and (w.master or "").startswith("br"))
    assert links["lo"].addresses and links["lo"].addresses != [lab.fabric.devices[broken].loopback]
    assert lab.exec(broken, "ip", "link", "set", "dev", missing, "down").returncode == 0
    assert lab.exec(broken, "ip", "link", "set", "dev", missing, "name", "gone0").returncode == 0
    assert lab.exec(broken, "ip", "link", "add", missing, "type", "bridge").returncode == 0
    addr_before = _addresses(lab, broken)
    sshd = _kill_sshd(lab, unreachable)
    try:
        events, cb = _collect()
        res = apply(fabric2, art2, lab.target(), progress=cb)
        print(format_apply(res))
    finally:
        _restart_sshd(lab, sshd)
        lab.exec(broken, "ip", "link", "del", "dev", missing)
        lab.exec(broken, "ip", "link", "set", "dev", "gone0", "name", missing)
    assert not res.ok and res.exit_code == 1
    r_broken, r_unreach = res.device(broken), res.device(unreachable)
    assert r_broken.status == "restored", format_apply(res)
    assert "network commands failed" in (r_broken.error or "") and not r_broken.restore_errors
    assert "Can not enslave a bridge to a bridge" in (r_broken.error or ""), r_broken.error
    assert r_unreach.status == "failed" and "unreachable" in (r_unreach.error or "")
    others = [s for s in switches if s not in (broken, unreachable)]
    assert all(res.device(s).status == "changed" for s in others), format_apply(res)
    assert {e.device for e in events if e.event == "restored"} == {broken}
    # the broken switch runs exactly what it ran before: loopback back, FRR config back
    after = _addresses(lab, broken)
    after[missing] = after.pop(missing, set())
    addr_before[missing] = addr_before.pop("gone0", set())
    assert after == addr_before
    assert lab.exec(broken, *vtysh).stdout == frr_before
    # recorded state advanced only where the apply succeeded
    for sw in switches:
        rec = store.record(sw)
        assert rec is not None
        want = {n: res.device(sw).desired_sha256[n] for n in ("frr.conf", "network.json")}
        if sw in (broken, unreachable):
            assert rec == old_records[sw], sw
            assert rec.files != want
        else:
            assert rec.files == want and rec.apply_id == res.apply_id
    assert store.audit()[-1]["result"] == "failed"
    assert store.audit()[-1]["devices"][broken]["status"] == "restored"

    # with the box repaired, the same apply converges; every session of the new design comes up
    res2 = apply(fabric2, art2, lab.target())
    assert res2.ok, format_apply(res2)
    assert {d.device for d in res2.devices if d.status == "changed"} == {broken, unreachable}
    bgp = _wait_bgp(lab, fabric2)
    assert bgp.ok, bgp.peers
    assert plan(fabric2, art2, lab.target()).exit_code == 0



def test_crashed_frr_daemon_is_started_again_by_apply(lab: Any) -> None:
    """bgpd dies on a switch (as an FRR crash would): the next apply sees the drift, starts the
    daemon again inside the device (watchfrr's job on a real switch), reloads the config, and
    every session of the design comes back."""
    fabric, artifacts = lab.fabric, lab.artifacts
    assert apply(fabric, artifacts, lab.target()).ok  # a known state, whatever earlier tests applied
    st = load_state(lab.cluster, lab.state_dir)
    assert st is not None
    victim = "spine01"
    ns = st.node(victim).namespace
    pid = int(Path(f"/var/run/frr/{ns}/bgpd.pid").read_text().strip())
    assert b"bgpd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    _kill_and_wait(pid, signal.SIGKILL)
    p = plan(fabric, artifacts, lab.target())
    assert p.device(victim).status == "drift", format_plan(p, "text", diffs=False)
    res = apply(fabric, artifacts, lab.target(), devices=[victim])
    assert res.ok and res.device(victim).status == "changed", format_apply(res)
    new_pid = int(Path(f"/var/run/frr/{ns}/bgpd.pid").read_text().strip())
    assert new_pid != pid and Path(f"/proc/{new_pid}").exists()
    bgp = _wait_bgp(lab, fabric)
    assert bgp.ok, bgp.peers

def _running_frr(lab: Any, device: str) -> str:
    ns = load_state(lab.cluster, lab.state_dir).node(device).namespace  # type: ignore[union-attr]
    cp = lab.exec(device, "vtysh", "-N", ns, "-c", "show running-config")
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


def _links(lab: Any, device: str) -> dict[str, dict[str, Any]]:
    cp = lab.exec(device, "ip", "-j", "-d", "link", "show")
    assert cp.returncode == 0, cp.stderr
    return {x["ifname"]: x for x in json.loads(cp.stdout)}


def test_a_config_the_daemons_refuse_is_restored_not_recorded(lab: Any) -> None:
    """Issue #12: a prefix-list range bgpd refuses passes `frr-reload --test` and `--reload` exits 0
    (FRR only prints "% Configuration failed"); before the fix apply said "changed" and recorded
    it, and the next plan showed nothing. Now the read-back finds the refused line: restored,
    exit 1, record unchanged, plan still shows the change."""
    fabric, artifacts = lab.fabric, lab.artifacts
    assert apply(fabric, artifacts, lab.target()).ok
    sw = "spine01"
    store = _store(lab)
    rec = store.record(sw)
    before = _running_frr(lab, sw)
    bad = dict(artifacts)
    bad[f"switches/{sw}/frr.conf"] += "ip prefix-list AIDC-BAD seq 5 permit 10.0.0.0/16 ge 8\n"
    res = apply(fabric, bad, lab.target(), devices=[sw])
    print(format_apply(res))
    d = res.device(sw)
    assert not res.ok and res.exit_code == 1
    assert d.status == "restored" and not d.applied_advanced and not d.restore_errors, format_apply(res)
    assert "ip prefix-list AIDC-BAD seq 5 permit 10.0.0.0/16 ge 8" in (d.error or "")
    assert "Invalid prefix range" in (d.error or ""), d.error
    assert store.record(sw) == rec
    assert _running_frr(lab, sw) == before
    assert store.audit()[-1]["devices"][sw]["status"] == "restored"
    p = plan(fabric, bad, lab.target())
    assert p.device(sw).changed and p.exit_code == 2, format_plan(p, "text", diffs=False)


def test_a_host_port_in_a_tenant_bridge_is_repaired_and_verified_before_it_is_recorded(lab: Any) -> None:
    """Issue #12: a routed host port (storage) put into the tenant's bridge and a VXLAN bridge of
    another tenant added on the leaf. Before the fix apply said "changed", left the port in the
    bridge, recorded that state and the next plan showed 0 changes. Now apply takes the port out
    and removes the foreign VNI; and a network script that leaves a port in a bridge is caught by
    the read-back against the Fabric: restored, not recorded."""
    fabric, artifacts = lab.fabric, lab.artifacts
    assert apply(fabric, artifacts, lab.target()).ok
    tenant = next(t for t in fabric.tenants if t.leaves)
    other = next(t for t in fabric.tenants if t.name != tenant.name)
    leaf = fabric.devices[tenant.leaves[0]]
    routed = next(
        p for p in leaf.ports if p.vni is None and p.address and fabric.devices[p.peer_device or ""].is_server
    )
    vtep = leaf.loopback.split("/")[0]  # type: ignore[union-attr]
    cp = lab.exec(
        leaf.name,
        "sh",
        "-c",
        f"ip link set {routed.ifname} master br{tenant.vni} && ip link add br{other.vni} type bridge && "
        f"ip link add vx{other.vni} type vxlan id {other.vni} local {vtep} dstport 4789 nolearning && "
        f"ip link set vx{other.vni} master br{other.vni} up && ip link set br{other.vni} up",
    )
    assert cp.returncode == 0, cp.stderr
    p = plan(fabric, artifacts, lab.target())
    assert p.device(leaf.name).status == "drift", format_plan(p, "text", diffs=False)
    res = apply(fabric, artifacts, lab.target(), devices=[leaf.name])
    assert res.ok and res.device(leaf.name).status == "changed", format_apply(res)
    links = _links(lab, leaf.name)
    assert "master" not in links[routed.ifname], links[routed.ifname]
    assert f"vx{other.vni}" not in links and f"br{other.vni}" not in links
    assert plan(fabric, artifacts, lab.target()).exit_code == 0

    # a designed state that puts the routed port into the bridge (a rendering bug): the read-back
    # against the Fabric fails the push, the leaf is restored and the record stays
    rec = _store(lab).record(leaf.name)
    wrong = dict(artifacts)
    key = f"switches/{leaf.name}/network.json"
    intent = NetIntent.model_validate_json(wrong[key])
    intent.links[routed.ifname] = intent.links[routed.ifname].model_copy(update={"master": f"br{tenant.vni}"})
    wrong[key] = intent_json(intent)
    assert wrong[key] != artifacts[key]
    bad = apply(fabric, wrong, lab.target(), devices=[leaf.name])
    d = bad.device(leaf.name)
    assert d.status == "restored" and not d.applied_advanced and bad.exit_code == 1, format_apply(bad)
    assert f"{leaf.name} {routed.name}: in bridge br{tenant.vni} with VNI {tenant.vni}" in (d.error or ""), d.error
    assert "master" not in _links(lab, leaf.name)[routed.ifname]
    assert _store(lab).record(leaf.name) == rec


def _sshd_sessions(lab: Any, device: str) -> list[int]:
    """PIDs of the per-connection sshd processes of ``device`` (children of its listener)."""
    st = load_state(lab.cluster, lab.state_dir)
    assert st is not None
    listener = next(r for r in st.processes if r.device == device and r.name == "sshd").pid
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            if int(text[text.rindex(")") + 2 :].split()[1]) == listener:
                out.append(int(stat.parent.name))
    return out


def test_a_dropped_ssh_session_during_a_push_reconnects_and_restores(
    lab: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #12: the device's sshd session is killed while the network commands run (they
    changed the loopback and wait). Before the fix the restore failed on the dead session
    ("Socket is closed"). Now apply reconnects, waits for the interrupted script to end, restores,
    and says in plain words what happened; nothing is recorded."""
    fabric, artifacts = lab.fabric, lab.artifacts
    assert apply(fabric, artifacts, lab.target()).ok
    sw = "fe-leaf02"
    store = _store(lab)
    rec = store.record(sw)
    fabric2, art2 = lab.design(_changed_design)
    lo = fabric2.devices[sw].loopback
    assert lo and lo != fabric.devices[sw].loopback
    assert NetIntent.model_validate_json(art2[f"switches/{sw}/network.json"]).links["lo"].addresses == [lo]
    marker = tmp_path / "pushing"
    # the driver's network script, pausing after the loopback changed so the test can cut it
    real_script = frr_driver.shell_script

    def pausing(commands: list[list[str]], what: str, **kw: Any) -> str:
        text = real_script(commands, what, **kw)
        at = text.index(f"ip addr replace {lo} dev lo")
        at = text.index("\n", at) + 1
        return f"{text[:at]}touch {marker}\nsleep 3\n{text[at:]}"

    monkeypatch.setattr(frr_driver, "shell_script", pausing)
    addr_before, frr_before = _addresses(lab, sw), _running_frr(lab, sw)
    killed: list[int] = []

    def cut() -> None:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in _sshd_sessions(lab, sw):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    th = threading.Thread(target=cut)
    th.start()
    res = apply(fabric2, art2, lab.target(), devices=[sw])
    th.join(60)
    print(format_apply(res))
    d = res.device(sw)
    assert killed, "no sshd session was cut"
    assert d.status == "restored" and not d.applied_advanced and res.exit_code == 1, format_apply(res)
    assert f"the SSH connection to {sw} was lost during the push" in (d.error or "")
    assert d.message == "reconnected and restored to the previous configuration"
    assert "Socket is closed" not in (d.error or "") and "pattern" not in (d.error or "")
    assert _addresses(lab, sw) == addr_before
    assert _running_frr(lab, sw) == frr_before
    assert store.record(sw) == rec
    assert apply(fabric, artifacts, lab.target(), devices=[sw]).ok


def test_an_mtu_repair_flushes_the_path_mtus_hosts_learnt(lab: Any) -> None:
    """Issue #12: a leaf's uplinks at MTU 1500 make a server learn a path MTU of 1500 (ICMP
    "fragmentation needed", cached for 10 minutes). Before the fix the DF ping at full MTU kept
    failing after apply repaired the leaf; now apply flushes the hosts' cached path MTUs."""
    fabric, artifacts = lab.fabric, lab.artifacts
    assert apply(fabric, artifacts, lab.target()).ok
    leaf = fabric.devices["su1-leaf-rail0"]
    uplinks = [p.ifname for p in leaf.ports if p.role == "uplink"]
    nics = [
        (d, p)
        for d in fabric.servers()
        for p in d.ports
        if p.plane == "compute" and p.address and p.gateway and p.rail is not None
    ]
    src_dev, src = next((d, p) for d, p in nics if p.peer_device == leaf.name)
    _dst_dev, dst = next((d, p) for d, p in nics if d.name != src_dev.name and p.rail != src.rail)
    s_ip, d_ip = src.address.split("/")[0], dst.address.split("/")[0]  # type: ignore[union-attr]
    size = str(min(src.mtu, dst.mtu) - 28)
    ping = ["ping", "-c", "1", "-W", "1", "-M", "do", "-s", size, "-I", s_ip, d_ip]
    for u in uplinks:
        assert lab.exec(leaf.name, "ip", "link", "set", "dev", u, "mtu", "1500").returncode == 0
    assert lab.exec(src_dev.name, *ping).returncode != 0
    assert lab.exec(src_dev.name, *ping).returncode != 0  # the second one fails locally: cached
    cached = lab.exec(src_dev.name, "ip", "route", "get", d_ip, "from", s_ip).stdout
    assert "mtu 1500" in cached, cached
    res = apply(fabric, artifacts, lab.target())
    assert res.ok and res.device(leaf.name).status == "changed", format_apply(res)
    assert "pmtu_flush" in res.timings and "pmtu_flush" in res.device(src_dev.name).steps
    after = lab.exec(src_dev.name, "ip", "route", "get", d_ip, "from", s_ip).stdout
    assert "mtu 1500" not in after, after
    assert lab.exec(src_dev.name, *ping).returncode == 0, "a full-size DF ping passes right after the repair"


def _aidc(lab: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AIDC_STATE_DIR": str(lab.state_dir)}
    return subprocess.run(
        [sys.executable, "-m", "toolkit.cli", *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


def test_cli_plan_apply_check(lab: Any, tmp_path: Path) -> None:
    """The command line end to end: plan exit codes (2 changes / 0 none), JSON and Markdown plans,
    apply with per-device progress, check with a JUnit report."""
    spec = str(lab.spec)
    # drift on one switch, whatever earlier tests left: the plan must show a change
    port = next(p for p in lab.fabric.devices["fe-spine01"].ports if p.role == "downlink").ifname
    assert lab.exec("fe-spine01", "ip", "link", "set", "dev", port, "mtu", "1500").returncode == 0
    p = _aidc(lab, "plan", spec, "--target", "lab", "--format", "json")
    assert p.returncode == 2, p.stderr
    data = json.loads(p.stdout)
    s = data["summary"]
    assert data["changes"] >= 1 and s["create"] + s["update"] + s["drift"] == data["changes"]
    assert any(d["device"] == "fe-spine01" and d["status"] != "unchanged" for d in data["devices"])
    md = _aidc(lab, "plan", spec, "--target", "lab", "--format", "markdown")
    assert md.returncode == 2 and "| `fe-spine01`" in md.stdout, md.stdout[:800]
    a = _aidc(lab, "apply", spec, "--target", "lab")
    assert a.returncode == 0, a.stdout + a.stderr
    assert "OK:" in a.stdout and "fe-leaf01" in a.stderr  # per-device progress lines go to stderr
    again = _aidc(lab, "plan", spec, "--target", "lab")
    assert again.returncode == 0, again.stdout
    junit = tmp_path / "health.xml"
    c = _aidc(lab, "check", spec, "--target", "lab", "--layer", "bgp", "--layer", "switch-links", "--junit", str(junit))
    assert c.returncode == 0, c.stdout + c.stderr
    cases = ET.parse(junit).getroot().findall(".//testcase")
    assert len(cases) >= 20 and not ET.parse(junit).getroot().findall(".//failure")
    # an unknown target is refused by the option parser, naming the targets there are; for plan
    # that is an error (1), never 2 (which means "changes pending")
    bad = _aidc(lab, "plan", spec, "--target", "nowhere")
    assert bad.returncode == 1 and "is not one of lab, inventory" in bad.stderr, bad.stderr


def test_cli_lab_restart_daemon(lab: Any) -> None:
    """Issue #12: `aidc lab status` shows a dead lldpd (exit 1); `aidc lab restart-daemon` starts
    it again (exit 0, new PID) and the status shows it alive; a running daemon is left alone (exit 1)."""
    spec = str(lab.spec)
    st = load_state(lab.cluster, lab.state_dir)
    assert st is not None
    rec = next(r for r in st.processes if r.device == "fe-spine02" and r.name == "lldpd")
    _kill_and_wait(rec.pid, signal.SIGKILL)
    dead = _aidc(lab, "lab", "status", spec)
    assert dead.returncode == 1 and "lldpd(dead)" in dead.stdout, dead.stdout
    r = _aidc(lab, "lab", "restart-daemon", spec, "fe-spine02", "lldpd")
    assert r.returncode == 0 and "fe-spine02: lldpd restarted (pid " in r.stdout, r.stdout + r.stderr
    again = _aidc(lab, "lab", "status", spec)
    row = next(line for line in again.stdout.splitlines() if "fe-spine02" in line)
    assert "lldpd" in row and "(dead)" not in row, again.stdout  # (earlier tests left other daemons dead)
    busy = _aidc(lab, "lab", "restart-daemon", spec, "fe-spine02", "lldpd")
    assert busy.returncode == 1 and "is running" in busy.stderr, busy.stderr
