"""playbooks/ceph.yml in cephadm mode (production), run in Ansible's check mode against lab-mini's
three Ceph servers on this machine (local connection).

What cannot run here: ``cephadm bootstrap`` and every ``ceph orch`` step need a container engine
(podman or docker) and systemd, neither of which this machine has, and there is no cluster to wait
for. Check mode is the furthest the play can go: every variable, path and conditional of the mode
is evaluated for real (Ansible 2.19 rejects a non-boolean condition), the commands report what
they would do without running, the files to copy are read from the rendered tree, and nothing is
written. The packages mode runs for real in the twin (tests/storage/test_ceph_lab.py).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.storage.test_minio_playbook import rendered  # noqa: F401  (the fixture)
from tests.test_playbooks import BIN, PLAYBOOKS, ansible_env  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow
SERVERS = ["stor-r01-stor01", "stor-r01-stor02", "stor-r01-stor03"]


def _check(tree: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    extra = {
        "ansible_connection": "local",
        "ansible_python_interpreter": str(BIN / "python"),
        "aidc_ceph_mode": "cephadm",
        "aidc_ceph_install": False,  # apt is not asked for cephadm here
    }
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(tree / "ansible" / "inventory.yml"), "--limit", ",".join(SERVERS),
         "--check", "-e", json.dumps(extra), "ceph.yml"],
        capture_output=True, text=True, timeout=300, check=False, cwd=PLAYBOOKS,
        env={**env, "AIDC_S3_ACCESS_KEY": "AIDCCHECKMODE", "AIDC_S3_SECRET_KEY": "not-a-real-secret"},
    )


def _tasks(out: str) -> dict[str, str]:
    """task name -> the result lines of the bootstrap monitor (changed/ok/skipping/failed)."""
    got: dict[str, str] = {}
    for block in out.split("TASK [")[1:]:
        name = block.split("]", 1)[0]
        lines = [x for x in block.splitlines() if re.match(rf"^(\w+): \[{SERVERS[0]}\]", x)]
        got[name] = " ".join(x.split(":", 1)[0] for x in lines)
    return got


def test_cephadm_mode_runs_through_in_check_mode(rendered: Path, ansible_env: dict[str, str]) -> None:  # noqa: F811
    written = [Path("/etc/ceph/aidc-cluster.yml"), Path("/etc/ceph/aidc-gateways.yml")]
    before = [p.exists() for p in written]
    res = _check(rendered, ansible_env)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "not-a-real-secret" not in res.stdout + res.stderr
    tasks = _tasks(res.stdout)
    assert tasks["Bootstrap the cluster"] == "changed"  # would bootstrap (--mon-ip on the storage plane)
    assert tasks["Copy the service specs"] == "changed changed"  # both rendered spec files found, would be copied
    for name in ("Apply the service specs", "Create the designed EC profiles, CRUSH rules and pools (RGW's too, "
                 "before any gateway)", "Apply the gateway specs (rgw, mds)",
                 "Create the S3 user the health checks use, with those keys",
                 "Wait for HEALTH_OK with every PG active+clean"):
        assert tasks[name] == "skipping", (name, tasks[name])
    # the packages-mode plays are skipped as a whole
    assert tasks["Keys, monitor map and monitors"] == "skipping"
    assert [p.exists() for p in written] == before  # check mode wrote nothing


def test_check_mode_finds_a_missing_service_spec(rendered: Path, tmp_path: Path, ansible_env: dict[str, str]) -> None:  # noqa: F811
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(rendered, tree)
    (tree / "storage" / "ceph" / "ceph1" / "cephadm" / "cluster.yml").unlink()
    res = _check(tree, ansible_env)
    assert res.returncode != 0
    assert _tasks(res.stdout)["Copy the service specs"].startswith("failed")
    assert "cephadm/cluster.yml" in res.stdout + res.stderr
