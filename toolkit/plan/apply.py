"""apply: bring every device of a target to its desired state, restore what fails, remember it.

- One apply per target at a time: ``fcntl.flock`` (non-blocking) on
  ``targets/<target>/<cluster>/lock``; a second apply fails at once with ``ApplyLockedError``
  naming the PID that holds the lock.
- Switches in parallel (small thread pool) through the platform's driver (``toolkit.drivers``,
  on a ``toolkit.session`` session): read the running state; unchanged when the desired files
  equal the last applied ones *and* the device still runs what was recorded after that apply;
  otherwise back up, ``prepare`` (upload and validate: an invalid config fails before anything
  changes), ``activate`` (``frr``: network script, ``frr-reload.py --reload``), read the new
  running state and record it.
- Servers (concurrently with the switches) through ``toolkit.drivers.ansible_runner``: the
  rendered ``ansible/`` and ``hosts/`` trees, the network playbook limited to the servers that
  change, ``aidc_network_mode`` and SSH settings from the target. Each server's interface state
  (addresses, MTU, routes, rules, the sysctls its host_vars set) is snapshot first.
- A device that fails after something changed on it is restored to its backup (interfaces back
  to the snapshot, previous FRR config reloaded) and verified; it is reported ``restored`` (or
  ``failed`` when even the restore did not succeed). Only devices that succeeded advance their
  recorded applied state. The result fails if any device failed.
- Read back before recording: after ``activate`` the running state is read again and compared
  with the intended one -- the driver's own read-back (``verify``; ``frr``: frr-reload's
  comparison of the running config with the intended file, so a line the daemons refused fails
  the push) and, for drivers whose state holds the switch's Linux interfaces, the bridge
  membership of every host-facing port against the Fabric. Any difference fails the device and
  restores it; only a device verified to run the intended state is recorded.
- A session lost during a push (sshd killed, network cut): apply opens a new session, waits until
  what the push started on the device has ended (``settle``), restores the backup and says in
  plain words what happened; a device that cannot be reached again is reported as possibly
  half-applied.
- After MTUs changed on any device (or a push that touched one was restored), every server of
  the target flushes its cached path MTUs (``ip route flush cache``): a path MTU learnt during an
  MTU fault would otherwise stay for 10 minutes.
- Every apply (also one refused by the lock) appends one line to ``audit.jsonl``: who, when,
  which devices, result and hashes of the diffs and of the desired files -- no config text, no
  secrets.
- SIGINT / SIGTERM (when apply runs in the main thread): no device starts after the signal, a
  switch being pushed stops at its next step and is restored, servers whose playbook ran are
  restored instead of recorded, temporary files are removed, the audit line says
  ``interrupted`` with every device's status, and the exit code is 130 / 143.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from toolkit.design.model import Fabric
from toolkit.drivers import open_driver
from toolkit.drivers.linux import LinuxDriver
from toolkit.drivers.state import Backup, DriverError, RestoreReport, RunningState
from toolkit.plan.desired import SERVER_FILE, DesiredDevice, desired_state, state_sysctl_keys
from toolkit.plan.diff import redact_line, unified
from toolkit.plan.models import ApplyResult, DeviceResult, ProgressEvent, ProgressKind
from toolkit.plan.planner import plan_device
from toolkit.plan.store import (
    AppliedRecord,
    ApplyError,
    ApplyLockedError,
    TargetStore,
    iso,
    sha256,
)
from toolkit.targets import Target

ProgressCallback = Callable[[ProgressEvent], None]
DEFAULT_WORKERS = 4
HOST_PLAYBOOK = "network.yml"
RECONNECT_SECONDS = 30.0
"""How long apply tries to open a new session to a device whose session was lost mid-push."""


class Interrupted(DriverError):
    """SIGINT / SIGTERM arrived: stop before the next step of a device."""


class _Run:
    """Shared state of one apply: progress (serialised), store, ids, the stop signal."""

    def __init__(
        self,
        target: Target,
        progress: ProgressCallback | None,
        total: int,
        connect_timeout: float,
        fabric: Fabric | None = None,
    ):
        self.fabric = fabric
        self.apply_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.target = target
        self.store = TargetStore(target.root)
        self.access = target.devices()
        self.progress = progress
        self.total = total
        self.done = 0
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self.stop = threading.Event()
        self.signal: str | None = None
        self.mtu_changed: set[str] = set()
        """Devices whose interface MTUs this apply changed (or restored): hosts flush cached path MTUs."""

    def check(self) -> None:
        """Raise ``Interrupted`` once a stop signal arrived."""
        if self.stop.is_set():
            raise Interrupted(f"apply interrupted by {self.signal or 'a signal'}")

    def interrupt(self, signum: int, _frame: object) -> None:
        self.signal = signal.Signals(signum).name
        self.stop.set()

    def emit(self, device: str, kind: str | None, event: ProgressKind, message: str = "") -> None:
        with self._lock:
            if event in ("changed", "unchanged", "failed", "restored", "skipped"):
                self.done += 1
            if self.progress is None:
                return
            ev = ProgressEvent(
                device=device,
                kind=kind,
                event=event,
                message=message,
                done=self.done,
                total=self.total,
                time=time.time(),
            )
            with contextlib.suppress(Exception):  # a broken progress bar must not break an apply
                self.progress(ev)

    def driver(self, device: str) -> LinuxDriver:
        return open_driver(self.target, device, connect_timeout=self.connect_timeout)


def _desired_sha(dd: DesiredDevice) -> dict[str, str]:
    return {name: sha256(f.text) for name, f in dd.files.items()}


def _diff_sha(dd: DesiredDevice, store: TargetStore) -> str:
    dp = plan_device(dd, store, None)
    return sha256("".join(f.diff for f in dp.files))


def _record(run: _Run, dd: DesiredDevice, after: RunningState, sysctl_keys: list[str] | None = None) -> None:
    keys = sysctl_keys or []
    rec = AppliedRecord(
        device=dd.device,
        kind=dd.kind,
        apply_id=run.apply_id,
        applied_at=iso(),
        files=_desired_sha(dd),
        artifacts={n: f.artifact for n, f in dd.files.items()},
        running_fingerprint=after.fingerprint(keys),
        sysctl_keys=keys,
    )
    run.store.save_applied(rec, {n: f.text for n, f in dd.files.items()}, after)


def _is_current(run: _Run, dd: DesiredDevice, running: RunningState) -> bool:
    rec = run.store.record(dd.device)
    return rec is not None and rec.files == _desired_sha(dd) and rec.matches(running)


def _finish(run: _Run, res: DeviceResult, t0: float) -> DeviceResult:
    res.seconds = round(time.monotonic() - t0, 3)
    run.emit(res.device, res.kind, res.status, res.error or res.message)
    return res


# ------------------------------------------------------------------------------------ switches


class NotApplied(DriverError):
    """The device does not run the intended state after the push (read back and compared)."""


def _fabric_problems(run: _Run, drv: LinuxDriver, device: str, after: RunningState) -> list[str]:
    """Bridge membership of the switch's host-facing ports against the Fabric (drivers whose
    running state holds the switch's own Linux interfaces)."""
    if run.fabric is None or not getattr(drv, "checks_fabric_ports", False) or device not in run.fabric.devices:
        return []
    from toolkit.health.evaluate import bridge_membership
    from toolkit.health.expect import bridge_cases

    links = after.net.interfaces
    return [x for case in bridge_cases(run.fabric, device) for x in bridge_membership(case, links)]


def _verify(run: _Run, drv: LinuxDriver, dd: DesiredDevice, files: dict[str, str], after: RunningState) -> None:
    """Raise ``NotApplied`` unless the device runs the intended state (driver read-back, Fabric)."""
    verify = getattr(drv, "verify", None)  # drivers that check their read-back in ``confirm`` have none
    own = verify(files, after) if callable(verify) else []
    problems = [*own, *_fabric_problems(run, drv, dd.device, after)]
    if problems:
        shown = "; ".join(problems[:6]) + (f"; ... ({len(problems)} in all)" if len(problems) > 6 else "")
        raise NotApplied(f"{dd.device}: not running the intended state after the push: {shown}")


def _lost(drv: LinuxDriver, exc: BaseException) -> bool:
    """The session of ``drv`` is gone (a property on ``LinuxDriver``, a method on others)."""
    flag: Any = getattr(drv, "connected", True)
    return not (flag() if callable(flag) else flag) or "SSH connection was lost" in str(exc)


def _reconnected(run: _Run, device: str, drv: LinuxDriver) -> LinuxDriver:
    """A new driver on a new session after the old one was lost; waits for the interrupted push
    to end on the device. Raises ``DriverError`` when the device cannot be reached again."""
    with contextlib.suppress(Exception):
        drv.close()
    deadline = time.monotonic() + RECONNECT_SECONDS
    while True:
        try:
            new = run.driver(device)
            break
        except DriverError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(1.0)
    new.settle()
    return new


STEP_WORDS = {
    "prepare": "while uploading and validating the files",
    "activate": "while the network script and the configuration reload ran",
    "verify": "while reading the running state back",
    "confirm": "while confirming the commit",
}


def _restore(
    run: _Run, res: DeviceResult, drv: LinuxDriver, backup: Backup, exc: BaseException, step: str
) -> LinuxDriver:
    """Restore ``backup`` after ``exc`` (in ``step``); on a lost session: reconnect first, say so."""
    t = time.monotonic()
    # a driver without ``settle`` (the commit-confirm drivers) reconnects inside its own restore
    lost = _lost(drv, exc) and hasattr(drv, "settle")
    if lost:
        res.error = (
            f"the SSH connection to {res.device} was lost during the push ("
            f"{STEP_WORDS.get(step, step)}); aidc opened a new session and waited for what the push had "
            "started on the device to end, to restore the backup"
        )
        try:
            drv = _reconnected(run, res.device, drv)
        except DriverError as again:
            res.steps["restore"] = _since(t)
            res.status = "failed"
            res.error = (
                f"the SSH connection to {res.device} was lost during the push and the restore could not "
                f"start ({again}): the device may be half-applied; check it and run apply again"
            )
            res.message = "restore not possible: device unreachable"
            return drv
    try:
        rep = drv.restore(backup)
    except DriverError as again:
        rep = RestoreReport(ok=False, errors=[str(again)])
    res.steps["restore"] = _since(t)
    res.restore_errors = rep.errors
    res.status = "restored" if rep.ok else "failed"
    if rep.message:  # the driver's own words (a commit timer that rolls the device back, ...)
        res.message = rep.message
    elif not rep.ok:
        res.message = "restore incomplete"
    else:
        res.message = ("reconnected and " if lost else "") + "restored to the previous configuration"
    return drv


def _apply_switch(run: _Run, dd: DesiredDevice) -> DeviceResult:
    t0 = time.monotonic()
    res = DeviceResult(device=dd.device, kind="switch", status="failed", desired_sha256=_desired_sha(dd))
    res.diff_sha256 = _diff_sha(dd, run.store)
    run.emit(dd.device, "switch", "started")
    steps = res.steps
    if run.stop.is_set():
        res.status = "skipped"
        res.message = f"not started: apply interrupted by {run.signal}"
        return _finish(run, res, t0)
    try:
        t = time.monotonic()
        drv = run.driver(dd.device)
        steps["connect"] = _since(t)
    except DriverError as exc:
        res.error = f"unreachable, nothing changed: {exc}"
        return _finish(run, res, t0)
    touched = False
    backup: Backup | None = None
    files = {n: f.text for n, f in dd.files.items()}
    step = "read"
    try:
        t = time.monotonic()
        running = drv.read_running()
        steps["read"] = _since(t)
        run.check()
        if _is_current(run, dd, running):
            res.status = "unchanged"
            res.message = "runs the last applied configuration"
            return _finish(run, res, t0)
        t = time.monotonic()
        step = "prepare"
        backup = drv.backup(running)
        run.store.save_backup(run.apply_id, backup)
        res.frr_changes = [redact_line(x) for x in drv.prepare(files)]
        steps["prepare"] = _since(t)
        run.check()
        touched = True
        t = time.monotonic()
        step = "activate"
        drv.activate()
        run.check()
        steps["activate"] = _since(t)
        # read back and compare: only a device verified to run the intended state is recorded
        t = time.monotonic()
        step = "verify"
        after = drv.read_running()
        _verify(run, drv, dd, files, after)
        steps["verify"] = _since(t)
        run.check()
        t = time.monotonic()
        step = "confirm"
        drv.confirm()  # commit-confirm: verified after the push (no-op without a timer)
        steps["confirm"] = _since(t)
        t = time.monotonic()
        _record(run, dd, after)
        steps["record"] = _since(t)
        if _mtus(running) != _mtus(after):
            run.mtu_changed.add(dd.device)
        res.status = "changed"
        res.applied_advanced = True
        # what really changed in the running configuration (frr-reload's --test diff also lists
        # lines that are no-ops, e.g. defaults FRR does not print)
        diff, _added, _removed = unified(running.frr, after.frr, "before", "after", context=0)
        res.frr_changes = [
            redact_line(x) for x in diff.splitlines() if x[:1] in "+-" and not x.startswith(("+++", "---"))
        ]
        # the device's NOS configuration as it prints it: FRR, or a vendor's (EOS, NVUE, CONFIG_DB)
        res.message = f"{len(res.frr_changes)} config line(s) changed"
        return _finish(run, res, t0)
    except DriverError as exc:
        res.error = str(exc)
        if touched and backup is not None:
            run.mtu_changed.add(dd.device)  # the push may have changed MTUs for a while
            drv = _restore(run, res, drv, backup, exc, step)
        else:
            if backup is not None:
                with contextlib.suppress(DriverError):
                    drv.discard(backup)
            res.message = "nothing changed on the device"
            if isinstance(exc, Interrupted):
                res.status = "skipped"
                res.error = None
                res.message = f"{exc}: nothing changed on the device"
        return _finish(run, res, t0)
    except Exception as exc:  # unexpected (paramiko internals): still try to restore
        res.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        if touched and backup is not None:
            with contextlib.suppress(Exception):
                drv = _restore(run, res, drv, backup, exc, step)
        return _finish(run, res, t0)
    finally:
        drv.close()


# ------------------------------------------------------------------------------------- servers


def _write_tree(artifacts: dict[str, str], dest: Path) -> Path:
    for rel, text in artifacts.items():
        if not (rel.startswith("ansible/") or rel.startswith("hosts/")):
            continue
        if rel.startswith("/") or ".." in Path(rel).parts:
            continue
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return dest / "ansible" / "inventory.yml"


def _stop_control_masters(cp_dir: Path) -> None:
    """End the SSH ControlPersist masters Ansible left in ``cp_dir`` (only ours)."""
    if not cp_dir.is_dir():
        return
    for sock in cp_dir.iterdir():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "aidc-control-master"],
                capture_output=True,
                timeout=5,
                check=False,
            )


def _apply_hosts(
    run: _Run,
    hosts: list[DesiredDevice],
    artifacts: dict[str, str],
    *,
    workers: int,
    playbook: str,
    forks: int | None,
) -> list[DeviceResult]:
    results: dict[str, DeviceResult] = {}
    t0s: dict[str, float] = {}
    running: dict[str, RunningState] = {}
    backups: dict[str, Backup] = {}
    keys: dict[str, list[str]] = {}

    def prepare(dd: DesiredDevice) -> None:
        t0s[dd.device] = time.monotonic()
        run.emit(dd.device, "server", "started")
        res = DeviceResult(device=dd.device, kind="server", status="failed", desired_sha256=_desired_sha(dd))
        res.diff_sha256 = _diff_sha(dd, run.store)
        results[dd.device] = res
        if run.stop.is_set():
            res.status = "skipped"
            res.message = f"not started: apply interrupted by {run.signal}"
            return
        keys[dd.device] = state_sysctl_keys(dd, run.store.applied_text(dd.device, SERVER_FILE))
        try:
            with run.driver(dd.device) as drv:
                cur = drv.read_running(keys[dd.device])
        except DriverError as exc:
            res.error = f"unreachable, nothing changed: {exc}"
            return
        except Exception as exc:
            res.error = f"unreachable, nothing changed: {type(exc).__name__}: {str(exc)[:200]}"
            return
        running[dd.device] = cur
        if _is_current(run, dd, cur):
            res.status = "unchanged"
            res.message = "runs the last applied configuration"
        else:
            backups[dd.device] = Backup(device=dd.device, taken=time.time(), running=cur)
            run.store.save_backup(run.apply_id, backups[dd.device])

    if not hosts:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(hosts)))) as pool:
        list(pool.map(prepare, hosts))
    by_name = {dd.device: dd for dd in hosts}
    if run.stop.is_set():  # interrupted while the states were read: no playbook starts
        for name in backups:
            results[name].status = "skipped"
            results[name].message = f"not started: apply interrupted by {run.signal}"
        backups.clear()
    todo = sorted(backups)
    for name, res in results.items():
        if name not in backups:  # unchanged or unreachable: finished here
            _finish(run, res, t0s[name])
    if not todo:
        return [results[dd.device] for dd in hosts]

    from toolkit.drivers.ansible_runner import PlaybookError, SshSettings, run_playbook

    work = Path(tempfile.mkdtemp(prefix="aidc-apply-"))
    cp_dir = work / "cp"
    cp_dir.mkdir()
    failed_hosts: dict[str, str] = {}
    changed_tasks: dict[str, int] = {}
    task_errors: dict[str, str] = {}

    def on_event(ev: Any) -> None:
        if getattr(ev, "host", None) in backups and ev.kind in ("failed", "unreachable") and not ev.ignored:
            task_errors.setdefault(ev.host, f"{ev.task}: {ev.message or ev.kind}")

    t_ans = time.monotonic()
    try:
        inventory = _write_tree(artifacts, work / "tree")
        ssh = SshSettings(**run.target.ansible_ssh())
        out = run_playbook(
            playbook,
            inventory,
            ssh=ssh,
            extravars=run.target.ansible_extravars(),
            envvars={"ANSIBLE_SSH_CONTROL_PATH_DIR": str(cp_dir), "ANSIBLE_PIPELINING": "True"},
            limit=",".join(todo),
            forks=forks or min(10, len(todo)),
            on_event=on_event,
        )
        for name in todo:
            st = out.hosts.get(name)
            if st is None:
                failed_hosts[name] = f"ansible did not run on it (status {out.status}, rc {out.rc})"
            elif st.failed or st.unreachable:
                failed_hosts[name] = task_errors.get(name) or ("unreachable" if st.unreachable else "a task failed")
            else:
                changed_tasks[name] = st.changed
    except (PlaybookError, OSError, ValueError) as exc:
        for name in todo:
            failed_hosts[name] = f"ansible: {exc}"
    finally:
        _stop_control_masters(cp_dir)
        shutil.rmtree(work, ignore_errors=True)
    ansible_seconds = _since(t_ans)

    def finish(name: str) -> None:
        res = results[name]
        res.steps["ansible"] = ansible_seconds
        dd = by_name[name]
        if run.stop.is_set() and name not in failed_hosts:
            failed_hosts[name] = f"apply interrupted by {run.signal}"
        try:
            with run.driver(name) as drv:
                if name in failed_hosts:
                    res.error = failed_hosts[name]
                    rep = drv.restore(backups[name])
                    res.restore_errors = rep.errors
                    res.status = "restored" if rep.ok else "failed"
                    res.message = "restored to the previous configuration" if rep.ok else "restore incomplete"
                else:
                    after = drv.read_running(keys[name])
                    _record(run, dd, after, keys[name])
                    if _mtus(backups[name].running) != _mtus(after):
                        run.mtu_changed.add(name)
                    res.status = "changed"
                    res.applied_advanced = True
                    res.message = f"ansible: {changed_tasks.get(name, 0)} task(s) changed"
        except DriverError as exc:
            res.status = "failed"
            res.error = (res.error + "; " if res.error else "") + str(exc)
        _finish(run, res, t0s[name])

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
        list(pool.map(finish, todo))
    return [results[dd.device] for dd in hosts]


# --------------------------------------------------------------------------------------- apply


def _mtus(state: RunningState) -> dict[str, int]:
    return {name: i.mtu for name, i in state.net.interfaces.items()}


def _flush_path_mtus(run: _Run, results: list[DeviceResult], workers: int) -> None:
    """After MTUs changed somewhere: every server of the target (not only those this apply
    touched: a leaf's MTU is on their paths) forgets the path MTUs it learnt
    (``ip route flush cache``), else it keeps a lowered one for up to 10 minutes and the MTU
    checks stay red after the repair. Noted in the server's result when it was part of the apply;
    a server that failed in this apply is left alone."""
    by_name = {d.device: d for d in results}
    todo = [
        name
        for name, acc in sorted(run.access.items())
        if acc.kind == "server" and (name not in by_name or by_name[name].status != "failed")
    ]

    def flush(name: str) -> None:
        t = time.monotonic()
        res = by_name.get(name)
        try:
            with run.driver(name) as drv:
                drv.flush_path_mtu()
            if res is not None:
                res.steps["pmtu_flush"] = _since(t)
        except DriverError as exc:
            if res is not None:
                res.restore_errors.append(f"cached path MTUs not flushed: {exc}")

    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            list(pool.map(flush, todo))


def _who() -> dict[str, Any]:
    who: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(), "uid": os.getuid()}
    with contextlib.suppress(Exception):
        who["user"] = getpass.getuser()
    for env in ("SUDO_USER", "AIDC_ACTOR", "GITHUB_ACTOR", "CI_COMMIT_SHA", "GITHUB_SHA"):
        if os.environ.get(env):
            who[env.lower()] = os.environ[env]
    return who


def apply(
    fabric: Fabric,
    artifacts: dict[str, str],
    target: Target,
    progress: ProgressCallback | None = None,
    *,
    devices: Iterable[str] | None = None,
    workers: int = DEFAULT_WORKERS,
    host_playbook: str = HOST_PLAYBOOK,
    forks: int | None = None,
    connect_timeout: float = 10.0,
    storage: bool = False,
) -> ApplyResult:
    """Apply ``artifacts`` (rendered from ``fabric``) to ``target``; see the module docstring.

    ``devices`` limits the apply to some devices. ``storage``: after the network succeeded, deploy
    the Ceph and MinIO clusters (``toolkit.plan.storage_apply``; ``aidc apply`` does by default).
    Raises ``ApplyLockedError`` when another apply holds the target and ``ApplyError`` when the
    Fabric does not belong to the target.
    """
    if fabric.name != target.cluster:
        raise ApplyError(f"the Fabric is {fabric.name!r} but target {target.name} is for {target.cluster!r}")
    store = TargetStore(target.root)
    started = time.time()
    t_start = time.monotonic()
    lock = store.lock()
    try:
        lock.acquire()
    except ApplyLockedError as exc:
        store.append_audit(
            {
                "apply_id": None,
                "time": iso(started),
                "who": _who(),
                "target": target.name,
                "target_kind": target.kind,
                "cluster": target.cluster,
                "result": "refused",
                "error": str(exc),
            }
        )
        raise
    result: ApplyResult | None = None
    old_handlers: dict[signal.Signals, Any] = {}
    run: _Run | None = None
    try:
        desired, _skipped = desired_state(fabric, artifacts, target)
        if devices is not None:
            wanted = set(devices)
            unknown = sorted(wanted - set(desired))
            if unknown:
                raise ApplyError(f"not devices of target {target.name}: {', '.join(unknown)}")
            desired = {k: v for k, v in desired.items() if k in wanted}
        run = _Run(target, progress, len(desired), connect_timeout, fabric)
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                old_handlers[sig] = signal.signal(sig, run.interrupt)
        result = ApplyResult(
            apply_id=run.apply_id,
            cluster=target.cluster,
            target=target.name,
            target_kind=target.kind,
            started=iso(started),
            finished=iso(started),
            seconds=0.0,
        )
        bad = [dd for dd in desired.values() if dd.error]
        switches = [dd for dd in desired.values() if not dd.error and dd.kind == "switch"]
        hosts = [dd for dd in desired.values() if not dd.error and dd.kind == "server"]
        collected: dict[str, DeviceResult] = {}
        for dd in bad:
            res = DeviceResult(device=dd.device, kind=dd.kind, status="failed", error=dd.error)
            collected[dd.device] = res
            run.emit(dd.device, dd.kind, "failed", dd.error or "")
        timings: dict[str, float] = {}

        def host_phase() -> list[DeviceResult]:
            t = time.monotonic()
            try:
                return _apply_hosts(run, hosts, artifacts, workers=workers, playbook=host_playbook, forks=forks)
            finally:
                timings["servers"] = _since(t)

        with ThreadPoolExecutor(max_workers=1) as host_pool:
            host_future = host_pool.submit(host_phase)
            t = time.monotonic()
            if switches:
                with ThreadPoolExecutor(max_workers=max(1, min(workers, len(switches)))) as pool:
                    for res in pool.map(lambda dd: _apply_switch(run, dd), switches):
                        collected[res.device] = res
            timings["switches"] = _since(t)
            for res in host_future.result():
                collected[res.device] = res
        result.devices = [collected[name] for name in desired if name in collected]
        if run.mtu_changed and not run.stop.is_set():
            t = time.monotonic()
            _flush_path_mtus(run, result.devices, workers)
            timings["pmtu_flush"] = _since(t)
        network_ok = all(d.status in ("changed", "unchanged") for d in result.devices)
        if (fabric.ceph or fabric.minio) and storage and network_ok:
            from toolkit.plan.storage_apply import apply_storage

            t = time.monotonic()
            for res in apply_storage(fabric, artifacts, target, set(devices) if devices is not None else None):
                run.emit(res.device, res.kind, res.status, res.error or res.message)
                result.devices.append(res)
            timings["storage"] = _since(t)
        timings["total"] = _since(t_start)
        result.timings = timings
        return result
    except ApplyError:
        raise
    except Exception as exc:
        if result is None:
            raise
        result.errors.append(f"{type(exc).__name__}: {str(exc)[:500]}")
        return result
    finally:
        for sig, old in old_handlers.items():
            signal.signal(sig, old)
        if result is not None:
            if run is not None and run.signal:
                result.interrupted = run.signal
            result.finished = iso()
            result.seconds = _since(t_start)
            with contextlib.suppress(Exception):
                store.append_audit(_audit_entry(result, target, started))
            with contextlib.suppress(Exception):
                store.prune_backups()
        lock.release()


def _audit_entry(result: ApplyResult, target: Target, started: float) -> dict[str, Any]:
    return {
        "apply_id": result.apply_id,
        "time": iso(started),
        "finished": result.finished,
        "seconds": result.seconds,
        "who": _who(),
        "target": target.name,
        "target_kind": target.kind,
        "cluster": target.cluster,
        "result": "interrupted" if result.interrupted else ("ok" if result.ok else "failed"),
        "interrupted": result.interrupted,
        "summary": result.summary,
        "devices": {
            d.device: {
                "kind": d.kind,
                "status": d.status,
                "applied_advanced": d.applied_advanced,
                "desired_sha256": d.desired_sha256,
                "diff_sha256": d.diff_sha256,
                "error": (d.error or "")[:300] or None,
            }
            for d in result.devices
        },
        "errors": [e[:300] for e in result.errors],
    }


def _since(t0: float) -> float:
    return round(time.monotonic() - t0, 3)
