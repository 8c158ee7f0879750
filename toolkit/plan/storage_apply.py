"""The storage phase of apply: ``playbooks/ceph.yml`` (and ``minio.yml``) through ansible-runner,
after the network phase succeeded.

- One result per storage cluster (``ceph/<name>``, ``minio/<name>``, kind ``storage``): changed
  when the playbook changed something, failed with the first failing task and host.
- The tree the playbook reads is the rendered ``ansible/``, ``hosts/`` and ``storage/`` folders in
  a private temporary folder, removed afterwards.
- Variables: the target's (SSH, interpreter) plus the storage mode: the lab deploys Ceph from the
  Debian packages with daemons in the foreground on memstore (``toolkit.lab.storage``); other
  targets use ``AIDC_CEPH_MODE`` (default ``cephadm``). MinIO is not deployed in the lab: no
  registry reachable here ships the server binary (the community project stopped publishing them
  in October 2025).
- A cluster whose desired inputs (its ``storage/`` files and the storage host_vars of its hosts)
  equal those of the last successful storage apply, and whose daemons still run (the lab: every
  recorded PID alive; elsewhere: trusted), is ``unchanged`` without running Ansible. The record
  is ``<target root>/storage/<kind>-<name>.sha256``.
- S3 keys of the health-check user come from ``AIDC_S3_ACCESS_KEY`` / ``AIDC_S3_SECRET_KEY`` (the
  lab makes its own and keeps them in its state folder), never from rendered files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from toolkit.design.model import Fabric
from toolkit.plan.models import DevicePlan, DeviceResult, FileDiff
from toolkit.targets import Target

CEPH_PLAYBOOK = "ceph.yml"
MINIO_PLAYBOOK = "minio.yml"
TREES = ("ansible/", "hosts/", "storage/")


def storage_extravars(target: Target) -> dict[str, Any]:
    if target.kind == "lab":
        from toolkit.lab.storage import lab_storage_extravars

        return lab_storage_extravars(target)
    return {"aidc_ceph_mode": os.environ.get("AIDC_CEPH_MODE", "cephadm")}


def storage_envvars(target: Target) -> dict[str, str]:
    if target.kind == "lab":
        from toolkit.lab.storage import lab_s3_credentials

        access, secret = lab_s3_credentials(target)
        return {"AIDC_S3_ACCESS_KEY": access, "AIDC_S3_SECRET_KEY": secret}
    return {k: os.environ[k] for k in ("AIDC_S3_ACCESS_KEY", "AIDC_S3_SECRET_KEY") if k in os.environ}


def desired_sha(artifacts: dict[str, str], kind: str, name: str, hosts: list[str]) -> str:
    """Hash of what the storage playbook of one cluster reads: its rendered files and the host_vars
    of its hosts (storage keys and addresses live there)."""
    import hashlib

    h = hashlib.sha256()
    prefix = f"storage/{kind}/{name}/"
    for rel in sorted(artifacts):
        if rel.startswith(prefix) or rel in {f"ansible/host_vars/{x}.yml" for x in hosts}:
            h.update(rel.encode() + b"\0" + artifacts[rel].encode() + b"\0")
    return h.hexdigest()


def _record_path(target: Target, job: str) -> Path:
    return target.root / "storage" / (job.replace("/", "-") + ".sha256")


def _still_running(target: Target, job: str) -> bool:
    if target.kind != "lab":
        return True
    from toolkit.lab.storage import daemons

    found = daemons(target.state)  # type: ignore[attr-defined]
    return bool(found) and all(d["alive"] for d in found)


def _write(artifacts: dict[str, str], dest: Path) -> Path:
    for rel, text in artifacts.items():
        if not rel.startswith(TREES) or rel.startswith("/") or ".." in Path(rel).parts:
            continue
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return dest / "ansible" / "inventory.yml"


def apply_storage(
    fabric: Fabric, artifacts: dict[str, str], target: Target, devices: set[str] | None = None
) -> list[DeviceResult]:
    """Run the storage playbooks for every cluster whose hosts the target has."""
    from toolkit.drivers.ansible_runner import PlaybookError, SshSettings, run_playbook

    jobs = [j for j in _jobs(fabric, target) if devices is None or devices & set(j[2])]
    results: list[DeviceResult] = []
    for name, playbook, hosts in jobs:
        t0 = time.monotonic()
        res = DeviceResult(device=name, kind="storage", status="failed")
        if playbook == MINIO_PLAYBOOK and target.kind == "lab":
            res.status = "skipped"
            res.message = "MinIO is not deployed in the twin: no reachable registry ships the server binary"
            results.append(res)
            continue
        kind, cname = name.split("/", 1)
        want = desired_sha(artifacts, kind, cname, hosts)
        rec = _record_path(target, name)
        if rec.exists() and rec.read_text().strip() == want and _still_running(target, name):
            res.status = "unchanged"
            res.message = "runs the last applied storage configuration"
            results.append(res)
            continue
        work = Path(tempfile.mkdtemp(prefix="aidc-storage-"))
        cp_dir = work / "cp"
        cp_dir.mkdir()
        errors: list[str] = []

        def on_event(ev: Any, errors: list[str] = errors) -> None:
            if ev.kind in ("failed", "unreachable") and not ev.ignored:
                errors.append(f"{ev.host}: {ev.task}: {ev.message or ev.kind}")

        try:
            inventory = _write(artifacts, work / "tree")
            out = run_playbook(
                playbook,
                inventory,
                ssh=SshSettings(**target.ansible_ssh()),
                extravars={**target.ansible_extravars(), **storage_extravars(target)},
                envvars={
                    "ANSIBLE_SSH_CONTROL_PATH_DIR": str(cp_dir),
                    "ANSIBLE_PIPELINING": "True",
                    **storage_envvars(target),
                },
                limit=",".join(hosts),
                forks=min(10, len(hosts)),
                on_event=on_event,
            )
            failed = [h for h, st in out.hosts.items() if st.failed or st.unreachable]
            if failed or out.rc != 0:
                res.error = errors[0] if errors else f"ansible failed on {', '.join(failed) or '?'} (rc {out.rc})"
            else:
                changed = sum(st.changed for st in out.hosts.values())
                res.status = "changed" if changed else "unchanged"
                res.message = f"{playbook}: {changed} task(s) changed on {len(hosts)} host(s)"
                rec.parent.mkdir(parents=True, exist_ok=True)
                rec.write_text(want + "\n")
        except (PlaybookError, OSError, ValueError) as exc:
            res.error = f"ansible: {exc}"
        finally:
            from toolkit.plan.apply import _stop_control_masters

            _stop_control_masters(cp_dir)
            shutil.rmtree(work, ignore_errors=True)
        if res.status == "failed":
            rec.unlink(missing_ok=True)
        res.seconds = round(time.monotonic() - t0, 3)
        res.steps["ansible"] = res.seconds
        results.append(res)
    return results


def _jobs(fabric: Fabric, target: Target) -> list[tuple[str, str, list[str]]]:
    have = set(target.devices())
    out = [(f"ceph/{c.name}", CEPH_PLAYBOOK, [h for h in c.host_racks if h in have]) for c in fabric.ceph]
    out += [(f"minio/{m.name}", MINIO_PLAYBOOK, [h for h in m.addresses if h in have]) for m in fabric.minio]
    return [j for j in out if j[2]]


def plan_storage(fabric: Fabric, artifacts: dict[str, str], target: Target) -> list[DevicePlan]:
    """What the storage phase of apply would do, per cluster: create (never applied), update (its
    inputs changed), drift (same inputs, a daemon no longer runs) or unchanged."""
    out = []
    for name, playbook, hosts in _jobs(fabric, target):
        kind, cname = name.split("/", 1)
        if kind == "minio" and target.kind == "lab":
            continue  # never deployed in the twin (see apply_storage)
        want = desired_sha(artifacts, kind, cname, hosts)
        rec = _record_path(target, name)
        have = rec.read_text().strip() if rec.exists() else None
        if have is None:
            status, fstatus = "create", "added"
        elif have != want:
            status, fstatus = "update", "modified"
        else:
            status, fstatus = ("unchanged" if _still_running(target, name) else "drift"), "unchanged"
        out.append(
            DevicePlan(
                device=name,
                kind="storage",
                role=kind,
                platform=playbook,
                status=status,
                files=[
                    FileDiff(
                        name=f"{kind} inputs",
                        artifact=f"storage/{kind}/{cname}/",
                        status=fstatus,
                        desired_sha256=want,
                        applied_sha256=have,
                    )
                ],
            )
        )
    return out
