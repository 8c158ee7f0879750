"""plan: what apply would change on each device of a target.

Per device the desired files (see toolkit.plan.desired) are compared with the files recorded at
the last successful apply, and the device's running state (read over SSH, where readable) with
the running state recorded right after that apply:

- ``create``: never applied to this target;
- ``update``: a desired file differs from the last applied one;
- ``drift``: the files are as applied, but the device no longer runs what was applied
  (someone changed it, or the lab was rebuilt);
- ``unchanged``; ``error``: the device cannot be planned (artifact missing, unsupported platform).

Nothing is changed anywhere by a plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from toolkit.design.model import Fabric
from toolkit.drivers import open_driver
from toolkit.drivers.frr import normalize_frr
from toolkit.drivers.state import DriverError, RunningState
from toolkit.plan.desired import SERVER_FILE, DesiredDevice, desired_state, state_sysctl_keys
from toolkit.plan.diff import unified
from toolkit.plan.models import DevicePlan, FileDiff, Plan, RunningCheck
from toolkit.plan.store import TargetStore, iso, sha256
from toolkit.targets import Target, TargetError

DEFAULT_WORKERS = 4


def read_running_all(
    target: Target,
    devices: Iterable[str],
    *,
    sysctl_keys: dict[str, list[str]] | None = None,
    workers: int = DEFAULT_WORKERS,
    connect_timeout: float = 10.0,
) -> dict[str, RunningState | str]:
    """device -> RunningState, or an error message when it cannot be read."""
    names = list(devices)
    keys = sysctl_keys or {}

    def one(name: str) -> RunningState | str:
        try:
            with open_driver(target, name, connect_timeout=connect_timeout) as drv:
                return drv.read_running(keys.get(name, []))
        except DriverError as exc:
            return str(exc)
        except Exception as exc:  # anything else from paramiko/netmiko: unreadable, not fatal
            return f"{name}: {type(exc).__name__}: {str(exc)[:200]}"

    if not names:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(names)))) as pool:
        return dict(zip(names, pool.map(one, names), strict=True))


def running_config_name(platform: str) -> str:
    """What a platform's running text is, as the plan names it."""
    return "frr.conf" if platform == "frr" else "running-config"


def running_check(dd: DesiredDevice, store: TargetStore, running: RunningState | str | None) -> RunningCheck | None:
    if running is None:
        return None
    if isinstance(running, str):
        return RunningCheck(readable=False, error=running)
    rec = store.record(dd.device)
    keys = rec.sysctl_keys if rec is not None else None
    chk = RunningCheck(readable=True, fingerprint=running.fingerprint(keys))
    if rec is not None and rec.running_fingerprint:
        chk.matches_applied = rec.matches(running)
        if not chk.matches_applied:
            frr_old, net_old = store.recorded_running(dd.device)
            parts = []
            for old, new, name in (
                (frr_old, running.frr, running_config_name(dd.platform)),
                (net_old, running.net.restricted(keys).text(), "interfaces"),
            ):
                if new is None and old is None:
                    continue
                d, a, r = unified(old, new, f"applied/{dd.device}/running/{name}", f"running/{dd.device}/{name}")
                parts.append(d)
                chk.added += a
                chk.removed += r
            chk.diff = "".join(parts)
    elif running.frr is not None and "frr.conf" in dd.files and dd.platform == "frr":
        # never applied here: show what frr-reload would face (informative). A vendor NOS's running
        # text (EOS/NVUE/CONFIG_DB + FRR) is not comparable with frr.conf: its own diff (session
        # diffs, nv config diff, the CONFIG_DB change set) is the device's pending diff
        desired = normalize_frr(dd.files["frr.conf"].text)
        d, a, r = unified(running.frr, desired, f"running/{dd.device}/frr.conf", f"desired/{dd.device}/frr.conf")
        chk.diff, chk.added, chk.removed = d, a, r
    return chk


def plan_device(dd: DesiredDevice, store: TargetStore, running: RunningState | str | None) -> DevicePlan:
    dp = DevicePlan(device=dd.device, kind=dd.kind, role=dd.role, platform=dd.platform, status="unchanged")
    if dd.error:
        dp.status = "error"
        dp.error = dd.error
        return dp
    rec = store.record(dd.device)
    if rec is not None:
        dp.last_applied = rec.applied_at
    for name, f in dd.files.items():
        old = store.applied_text(dd.device, name) if rec is not None else None
        d, a, r = unified(old, f.text, f"applied/{f.artifact}", f"desired/{f.artifact}")
        status = "added" if old is None else ("modified" if d else "unchanged")
        applied_sha = rec.files.get(name) if rec is not None else None
        dp.files.append(
            FileDiff(
                name=name,
                artifact=f.artifact,
                status=status,
                added=a,
                removed=r,
                diff=d,
                desired_sha256=sha256(f.text),
                applied_sha256=applied_sha,
            )
        )
    dp.running = running_check(dd, store, running)
    if rec is None:
        dp.status = "create"
    elif any(f.status != "unchanged" for f in dp.files) or set(rec.files) != set(dd.files):
        dp.status = "update"
    elif dp.running is not None and dp.running.matches_applied is False:
        dp.status = "drift"
    return dp


def plan(
    fabric: Fabric,
    artifacts: dict[str, str],
    target: Target,
    *,
    read_running: bool = True,
    workers: int = DEFAULT_WORKERS,
    connect_timeout: float = 10.0,
    storage: bool = False,
) -> Plan:
    """Compare desired, last applied and (``read_running``) running state of every target device;
    ``storage``: also what the storage phase of apply would do per Ceph/MinIO cluster."""
    out = Plan(cluster=fabric.name, target=target.name, target_kind=target.kind, created=iso())
    if fabric.name != target.cluster:
        out.errors.append(f"the Fabric is {fabric.name!r} but the target is for cluster {target.cluster!r}")
        return out
    try:
        desired, skipped = desired_state(fabric, artifacts, target)
    except TargetError as exc:
        out.errors.append(str(exc))
        return out
    out.skipped = skipped
    store = TargetStore(target.root)
    running: dict[str, RunningState | str] = {}
    if read_running:
        names = [n for n, d in desired.items() if not d.error]
        keys = {n: state_sysctl_keys(desired[n], store.applied_text(n, SERVER_FILE)) for n in names}
        running = read_running_all(target, names, sysctl_keys=keys, workers=workers, connect_timeout=connect_timeout)
    for name, dd in desired.items():
        out.devices.append(plan_device(dd, store, running.get(name)))
    if storage and (fabric.ceph or fabric.minio):
        from toolkit.plan.storage_apply import plan_storage

        out.devices += plan_storage(fabric, artifacts, target)
    # a device whose running state cannot be read makes the plan incomplete: an error, named
    for d in out.devices:
        if d.running is not None and not d.running.readable:
            out.errors.append(f"{d.device}: unreachable, its running state was not read: {d.running.error}")
    return out
