"""The rendered ``pools.sh`` against a real Ceph monitor (Debian's ceph-mon on loopback, its own
folder and free ports, stopped by PID): a fresh cluster gets every designed profile, rule and
pool (RGW's too) with size, min_size, rule, autoscale mode and application; a second run changes
nothing; drift is put back; a bad plan fails naming the command. No OSD is needed for this: pool
metadata lives in the monitors' OSD map."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.design import design
from toolkit.render import render
from toolkit.spec import load

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def mon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if shutil.which("ceph-mon") is None or os.geteuid() != 0:
        pytest.skip("needs root and the Debian ceph packages (ceph-mon, ceph-common)")
    d = tmp_path_factory.mktemp("mon")
    fsid, v2, v1 = str(uuid.uuid4()), _free_port(), _free_port()
    addr = f"[v2:127.0.0.1:{v2},v1:127.0.0.1:{v1}]"
    (d / "ceph.conf").write_text(
        f"[global]\nfsid = {fsid}\nmon host = {addr}\nms bind ipv6 = false\n"
        "auth allow insecure global id reclaim = false\nmon max pg per osd = 1000\n"
        f"run dir = {d}\nlog file = {d}/$name.log\nadmin socket = {d}/$name.asok\n"
        f"[mon.a]\nmon data = {d}/mon-a\npublic addr = 127.0.0.1\n"
    )
    env = {**os.environ, "CEPH_CONF": str(d / "ceph.conf"), "CEPH_ARGS": f"--keyring={d}/admin.keyring"}

    def sh(*argv: str) -> None:
        subprocess.run(argv, check=True, capture_output=True, env=env, timeout=60)

    sh("ceph-authtool", "--create-keyring", f"{d}/mon.keyring", "--gen-key", "-n", "mon.", "--cap", "mon", "allow *")
    sh("ceph-authtool", "--create-keyring", f"{d}/admin.keyring", "--gen-key", "-n", "client.admin",
       "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *")
    sh("ceph-authtool", f"{d}/mon.keyring", "--import-keyring", f"{d}/admin.keyring")
    sh("monmaptool", "--create", "--fsid", fsid, "--addv", "a", addr, "--set-min-mon-release", "pacific",
       f"{d}/monmap")
    sh("ceph-mon", "--mkfs", "-i", "a", "--monmap", f"{d}/monmap", "--keyring", f"{d}/mon.keyring")
    with open(d / "mon.out", "w") as out:
        proc = subprocess.Popen(["ceph-mon", "-i", "a", "-f"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(["ceph", "--connect-timeout", "5", "mon", "stat"], env=env, capture_output=True,
                             check=False, timeout=30).returncode != 0:
            assert proc.poll() is None and time.monotonic() < deadline, (d / "mon.out").read_text()
            time.sleep(0.5)
        yield {"CEPH_CONF": env["CEPH_CONF"], "CEPH_ARGS": env["CEPH_ARGS"]}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _pools_sh(tmp: Path) -> Path:
    spec = load(ROOT / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    fab = design(spec, platform="frr")
    script = tmp / "pools.sh"
    script.write_text(render(fab)["storage/ceph/ceph1/pools.sh"])
    return script


def _run(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(script)], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=180, check=False)


def _pools(env: dict[str, str]) -> dict[str, dict[str, object]]:
    out = subprocess.run(["ceph", "osd", "pool", "ls", "detail", "--format", "json"], env={**os.environ, **env},
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return {p["pool_name"]: p for p in json.loads(out)}


def test_pools_script_converges_a_real_monitor(mon: dict[str, str], tmp_path: Path) -> None:
    script = _pools_sh(tmp_path)
    first = _run(script, mon)
    assert first.returncode == 0, first.stderr
    pools = _pools(mon)
    spec = load(ROOT / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    designed = design(spec, platform="frr").ceph[0].pools
    assert set(pools) == {p.name for p in designed}
    for p in designed:
        got = pools[p.name]
        assert (got["size"], got["min_size"], got["pg_num"], got["pg_autoscale_mode"]) == (
            p.size, p.min_size, p.pg_num, "off"), p.name
        assert p.application in got["application_metadata"], p.name
        assert bool(got.get("erasure_code_profile")) == (p.type == "erasure")
    assert f"pool {designed[-1].name}" in first.stdout.splitlines()
    # a second run finds nothing to do
    again = _run(script, mon)
    assert again.returncode == 0 and again.stdout.strip() == "", again.stdout + again.stderr
    # drift is put back: a smaller size, a lowered min_size, the autoscaler on
    env = {**os.environ, **mon}
    for argv in (["default.rgw.log", "size", "2"], ["rbd", "min_size", "1"], ["rbd", "pg_autoscale_mode", "on"]):
        subprocess.run(["ceph", "osd", "pool", "set", *argv], env=env, check=True, capture_output=True, timeout=60)
    fixed = _run(script, mon)
    assert fixed.returncode == 0, fixed.stderr
    assert {"pool default.rgw.log size 3", "pool rbd min_size 2", "pool rbd pg_autoscale_mode off"} <= set(
        fixed.stdout.splitlines()), fixed.stdout
    pools = _pools(mon)
    assert (pools["default.rgw.log"]["size"], pools["rbd"]["min_size"], pools["rbd"]["pg_autoscale_mode"]) == (
        3, 2, "off")


def test_pools_script_names_a_failing_command(mon: dict[str, str], tmp_path: Path) -> None:
    script = _pools_sh(tmp_path)
    text = script.read_text()
    bad = tmp_path / "bad.sh"
    bad.write_text(text.replace('"crush_rule": "replicated-host", "ec_profile": null, "min_size": 2, "name": "rbd"',
                                '"crush_rule": "no-such-rule", "ec_profile": null, "min_size": 2, "name": "rbd2"'))
    assert bad.read_text() != text
    res = _run(bad, mon)
    assert res.returncode == 1
    assert 'osd pool create {"pool": "rbd2"' in res.stderr and "no-such-rule" in res.stderr, res.stderr
