"""The storage phase of plan and apply (``toolkit.plan.storage_apply``) for an inventory target,
root-free.

The Fabric and its rendered files are the recorded lab-mini's (one Ceph cluster, one MinIO
deployment on three storage servers). The storage playbooks cannot run here (they configure real
servers over SSH; the lab test runs them in the twin, as root): ``run_playbook`` is replaced by
``Playbooks``, a STAND-IN for ansible-runner that records how it was called, looks at the tree it
was given, reports ansible-runner's per-host stats and task events, and can fail a host. What is
tested: one job per cluster, what the playbook is given (the rendered ansible/, hosts/ and
storage/ trees only, the hosts of that cluster, the S3 keys from the environment), the record of
a successful run, and plan's create / update / unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import recorded
from toolkit.drivers import ansible_runner
from toolkit.drivers.ansible_runner import HostStats, ProgressEvent, RunResult
from toolkit.plan import storage_apply as sa
from toolkit.targets import InventoryTarget


class Playbooks:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_host: str | None = None
        self.changed = 2

    def __call__(self, playbook: str, inventory: Path, **kw: Any) -> RunResult:
        tree = Path(inventory).parent.parent
        files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
        self.calls.append({"playbook": playbook, "inventory": Path(inventory), "files": files, **kw})
        hosts = kw["limit"].split(",")
        stats = {h: HostStats(ok=5, changed=self.changed) for h in hosts}
        if self.fail_host in stats:
            stats[self.fail_host] = HostStats(ok=1, failed=1)
            kw["on_event"](ProgressEvent(kind="failed", task="ceph : create OSD", host=self.fail_host,
                                         message="ceph-volume: no such device /dev/nvme0n1", ignored=False))
            return RunResult(playbook=playbook, status="failed", rc=2, hosts=stats)
        kw["on_event"](ProgressEvent(kind="failed", task="probe", host=hosts[0], message="ignored", ignored=True))
        return RunResult(playbook=playbook, status="successful", rc=0, hosts=stats)


@pytest.fixture
def books(monkeypatch: pytest.MonkeyPatch) -> Playbooks:
    stand_in = Playbooks()
    monkeypatch.setattr(ansible_runner, "run_playbook", stand_in)
    return stand_in


@pytest.fixture
def target(tmp_path: Path) -> InventoryTarget:
    key = tmp_path / "id"
    key.write_text("not a real key\n")
    return InventoryTarget(recorded.fabric(), tmp_path, environ={"AIDC_SSH_KEY": str(key), "AIDC_SSH_USER": "ops"})


STORAGE = ["stor-r01-stor01", "stor-r01-stor02", "stor-r01-stor03"]


def test_plan_then_apply_then_nothing_to_do(target: InventoryTarget, books: Playbooks,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDC_S3_ACCESS_KEY", "AKIDHEALTH")
    monkeypatch.setenv("AIDC_S3_SECRET_KEY", "s3cr3t")
    monkeypatch.delenv("AIDC_CEPH_MODE", raising=False)
    fab, arts = recorded.fabric(), recorded.artifacts()
    plans = sa.plan_storage(fab, arts, target)
    assert [(p.device, p.status, p.platform) for p in plans] == [("ceph/ceph1", "create", "ceph.yml"),
                                                                  ("minio/minio1", "create", "minio.yml")]
    assert plans[0].files[0].artifact == "storage/ceph/ceph1/" and plans[0].files[0].applied_sha256 is None
    results = sa.apply_storage(fab, arts, target)
    assert [(r.device, r.kind, r.status) for r in results] == [("ceph/ceph1", "storage", "changed"),
                                                                ("minio/minio1", "storage", "changed")]
    assert results[0].message == "ceph.yml: 6 task(s) changed on 3 host(s)" and results[0].error is None
    ceph = books.calls[0]
    assert ceph["playbook"] == "ceph.yml" and ceph["limit"] == ",".join(STORAGE) and ceph["forks"] == 3
    assert all(f.startswith(("ansible/", "hosts/", "storage/")) for f in ceph["files"])
    assert "ansible/inventory.yml" in ceph["files"] and any(f.startswith("storage/ceph/ceph1/") for f in ceph["files"])
    assert not any(f.startswith("switches/") for f in ceph["files"]), "only the trees the playbook reads"
    assert ceph["extravars"]["aidc_ceph_mode"] == "cephadm" and ceph["extravars"]["aidc_network_mode"] == "netplan"
    assert ceph["envvars"]["AIDC_S3_ACCESS_KEY"] == "AKIDHEALTH" and ceph["envvars"]["ANSIBLE_PIPELINING"] == "True"
    assert ceph["ssh"].user == "ops" and ceph["ssh"].private_key_file == target.ansible_ssh()["private_key_file"]
    assert not ceph["inventory"].exists(), "the private tree is removed afterwards"
    assert (target.root / "storage" / "ceph-ceph1.sha256").read_text().strip() == sa.desired_sha(
        arts, "ceph", "ceph1", STORAGE)
    # nothing changed since: plan says unchanged, apply runs no playbook
    assert [p.status for p in sa.plan_storage(fab, arts, target)] == ["unchanged", "unchanged"]
    again = sa.apply_storage(fab, arts, target)
    assert [r.status for r in again] == ["unchanged", "unchanged"] and len(books.calls) == 2
    assert again[0].message == "runs the last applied storage configuration"


def test_a_changed_input_is_an_update_and_only_its_cluster(target: InventoryTarget, books: Playbooks) -> None:
    fab, arts = recorded.fabric(), recorded.artifacts()
    sa.apply_storage(fab, arts, target)
    path = next(p for p in sorted(arts) if p.startswith("storage/ceph/ceph1/"))
    changed = {**arts, path: arts[path] + "# changed\n"}
    plans = {p.device: p for p in sa.plan_storage(fab, changed, target)}
    assert plans["ceph/ceph1"].status == "update" and plans["ceph/ceph1"].files[0].status == "modified"
    assert plans["minio/minio1"].status == "unchanged"
    hv = "ansible/host_vars/stor-r01-stor02.yml"
    host_vars = {**arts, hv: arts[hv] + "x: 1\n"}
    assert sa.desired_sha(host_vars, "ceph", "ceph1", STORAGE) != sa.desired_sha(arts, "ceph", "ceph1", STORAGE)
    assert sa.desired_sha(host_vars, "ceph", "ceph1", ["stor-r01-stor01"]) == sa.desired_sha(
        arts, "ceph", "ceph1", ["stor-r01-stor01"]), "another host's variables are not this input"
    only = sa.apply_storage(fab, changed, target, devices={"stor-r01-stor01"})
    assert [r.device for r in only] == ["ceph/ceph1", "minio/minio1"]
    assert sa.apply_storage(fab, changed, target, devices={"spine01"}) == [], "no storage host asked for"


def test_a_failing_host_fails_its_cluster_and_forgets_the_record(target: InventoryTarget, books: Playbooks) -> None:
    fab, arts = recorded.fabric(), recorded.artifacts()
    sa.apply_storage(fab, arts, target)
    books.fail_host = "stor-r01-stor02"
    changed = {**arts, "storage/ceph/ceph1/zz-extra.conf": "x\n"}
    ceph, minio = sa.apply_storage(fab, changed, target)
    assert ceph.status == "failed"
    assert ceph.error == "stor-r01-stor02: ceph : create OSD: ceph-volume: no such device /dev/nvme0n1"
    assert not (target.root / "storage" / "ceph-ceph1.sha256").exists(), "a failed run leaves no record"
    assert minio.status == "unchanged", "the other cluster's inputs did not change"
    assert sa.plan_storage(fab, changed, target)[0].status == "create"


def test_paths_outside_the_trees_are_never_written(tmp_path: Path) -> None:
    inv = sa._write({"ansible/inventory.yml": "all: {}\n", "../escape": "x", "storage/../../up": "x",
                     "/etc/passwd": "x", "switches/spine01/frr.conf": "x"}, tmp_path / "tree")
    assert inv == tmp_path / "tree" / "ansible" / "inventory.yml" and inv.read_text() == "all: {}\n"
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["tree/ansible/inventory.yml"]


def test_storage_variables_of_an_inventory_target(target: InventoryTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDC_CEPH_MODE", "packages")
    monkeypatch.delenv("AIDC_S3_ACCESS_KEY", raising=False)
    monkeypatch.setenv("AIDC_S3_SECRET_KEY", "only-one")
    assert sa.storage_extravars(target) == {"aidc_ceph_mode": "packages"}
    assert sa.storage_envvars(target) == {"AIDC_S3_SECRET_KEY": "only-one"}


def test_the_plan_names_the_storage_clusters_beside_the_devices(target: InventoryTarget, books: Playbooks) -> None:
    from toolkit.plan.planner import plan

    fab, arts = recorded.fabric(), recorded.artifacts()
    p = plan(fab, arts, target, read_running=False, storage=True)
    assert p.device("ceph/ceph1").kind == "storage" and p.device("ceph/ceph1").status == "create"
    assert p.device("spine01").kind == "switch" and p.device("spine01").status == "create"
    with pytest.raises(KeyError, match="ceph/nope"):
        p.device("ceph/nope")
    sa.apply_storage(fab, arts, target)
    again = plan(fab, arts, target, read_running=False, storage=True)
    assert again.device("ceph/ceph1").status == "unchanged" and again.device("minio/minio1").status == "unchanged"
    assert "ceph/ceph1" not in {d.device for d in plan(fab, arts, target, read_running=False).devices}
