"""Any Linux device over a ``Session``: interface state snapshots and their restore.

Servers are configured by the host playbook (``toolkit.drivers.ansible_runner``); this driver
reads their state before and after, and puts it back when the playbook failed. The FRR switch
driver (``toolkit.drivers.frr``) builds on it.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterable

from toolkit.drivers.state import Backup, DriverError, RestoreReport, RunningState, StepReport
from toolkit.netstate import SYSCTLS, NetSnapshot, intent_of, parse_snapshot, reconcile, shell_script
from toolkit.session import Session, run_batch, tail

RESTORE_SCRIPT = "aidc-restore.sh"


def net_commands(sysctls: Iterable[str] = (), dcb_ports: Iterable[str] = ()) -> dict[str, str]:
    """The commands whose output makes a ``NetSnapshot`` (keys: the ``parse_snapshot`` inputs;
    ``dcb_ports``: the ports whose DCB state is read too, see ``dcb_commands``)."""
    keys = list(dict.fromkeys([*SYSCTLS, *sysctls]))
    return {
        "link": "ip -j -d link show",
        "addr": "ip -j addr show",
        "route": "ip -4 -j route show table all",
        "rule": "ip -4 -j rule show",
        "sysctl": f"sysctl -e {' '.join(shlex.quote(k) for k in keys)}",
        **dcb_commands(dcb_ports),
    }


def dcb_commands(ports: Iterable[str]) -> dict[str, str]:
    """Per port ``dcb pfc show`` and ``dcb -N app show`` (numeric DSCP), keyed ``dcb-pfc:<port>`` /
    ``dcb-app:<port>``; a port without DCB fails them (``netstate.parse_dcb``: None)."""
    out = {}
    for p in ports:
        q = shlex.quote(p)
        out[f"{DCB_PFC}{p}"] = f"dcb pfc show dev {q} prio-pfc"
        out[f"{DCB_APP}{p}"] = f"dcb -N app show dev {q} dscp-prio"
    return out


DCB_PFC, DCB_APP = "dcb-pfc:", "dcb-app:"


def parse_net_outputs(device: str, got: dict[str, tuple[int, str, str]]) -> NetSnapshot:
    for key in ("link", "addr"):
        rc, _out, err = got.get(key, (255, "", "no output"))
        if rc != 0:
            raise DriverError(f"{device}: cannot read the interface state ({key}): {tail(err)}")
    dcb = {
        k[len(DCB_PFC) :]: (_ok(got[k]), _ok(got.get(DCB_APP + k[len(DCB_PFC) :], (1, "", ""))))
        for k in got
        if k.startswith(DCB_PFC)
    }
    try:
        link, addr, sysctl, route, rule = (
            got.get(k, (0, "", ""))[1] for k in ("link", "addr", "sysctl", "route", "rule")
        )
        return parse_snapshot(link, addr, sysctl, route, rule, dcb=dcb)
    except (ValueError, KeyError, TypeError) as exc:
        raise DriverError(f"{device}: cannot parse the interface state: {str(exc)[:200]}") from exc


def _ok(result: tuple[int, str, str]) -> str:
    """A command's output, or nothing when it failed."""
    return result[1] if result[0] == 0 else ""


class LinuxDriver:
    """Interface state of one device through an open ``Session``; the base of every apply driver.

    The steps the apply engine calls on a switch, in order: ``read_running`` -> ``backup`` ->
    ``prepare(files)`` -> ``activate`` -> ``read_running`` -> ``verify(files, running)`` (read-back:
    differences in plain words, empty = runs the intended state) -> ``confirm`` -> record. On any
    failure after ``prepare``: ``restore(backup)``; when the session was lost (``connected`` is
    False) the engine opens a new driver, calls ``settle`` (wait for the interrupted push to
    end) and restores through it. ``discard`` when nothing was activated; ``flush_path_mtu`` on
    servers after an MTU change. Every step but ``prepare``/``activate`` has a default here, so
    a driver only adds what its platform needs.
    """

    def __init__(self, session: Session, *, timeout: float = 60.0) -> None:
        self.session = session
        self.access = session.access
        self.timeout = timeout

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> LinuxDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def workdir(self) -> str:
        return self.access.workdir

    def path(self, name: str) -> str:
        return f"{self.workdir}/{name}"

    def read_net(self, sysctls: Iterable[str] = (), extra: dict[str, str] | None = None) -> tuple[NetSnapshot, dict]:
        """Interface snapshot, plus the raw results of ``extra`` commands run in the same batch."""
        commands = {**net_commands(sysctls), **(extra or {})}
        got = run_batch(self.session, commands, timeout=self.timeout)
        return parse_net_outputs(self.access.name, got), got

    def read_running(self, sysctls: Iterable[str] = ()) -> RunningState:
        net, _ = self.read_net(sysctls)
        return RunningState(net=net)

    def backup(self, running: RunningState | None = None) -> Backup:
        running = running or self.read_running()
        return Backup(device=self.access.name, taken=time.time(), running=running)

    # -- apply steps: a plain Linux device is configured by the host playbook, not by a driver

    files: tuple[str, ...] = ()

    def prepare(self, files: dict[str, str]) -> list[str]:
        """Upload and validate ``files``; the pending changes (nothing runs yet)."""
        raise DriverError(f"{self.access.name}: {self.access.platform} devices are configured by the host playbook")

    def activate(self) -> None:
        """Make the prepared files the running state."""
        raise DriverError(f"{self.access.name}: {self.access.platform} devices are configured by the host playbook")

    def verify(self, files: dict[str, str], running: RunningState) -> list[str]:
        """Read-back after ``activate``: how the device (``running``, read again after the push)
        differs from the intended ``files``, in plain words; ``[]``: it runs them. The engine
        records nothing and restores the backup when this is not empty. (A driver without a
        read-back of its own keeps this default; the engine still compares the interfaces with
        the Fabric where ``checks_fabric_ports``.)"""
        return []

    def confirm(self) -> None:
        """After ``verify`` found nothing: make the activated state permanent. A platform with a
        confirmed commit (EOS ``commit timer``, NVUE ``apply --confirm``) confirms it here; until
        then the device rolls back by itself (see ``toolkit.drivers.state``). Linux/FRR: nothing
        to confirm."""

    checks_fabric_ports = False
    """The running state's ``net`` is the switch's own Linux interfaces (named as in the Fabric):
    the engine checks the bridge membership of its host-facing ports against the Fabric."""

    @property
    def connected(self) -> bool:
        """The session still answers (False after the SSH connection was lost)."""
        flag = getattr(self.session, "connected", None)
        return True if flag is None else bool(flag)

    def settle(self) -> None:
        """On a new session after the previous one was lost during a push: wait until what that
        push started on the device has ended (so a restore is not undone by it)."""

    def flush_path_mtu(self) -> None:
        """Forget the path MTUs the kernel learnt (after an MTU change on the path)."""
        cmd = "ip -4 route flush cache; ip -6 route flush cache"
        self.session.run(self.session.privileged(f"sh -c {shlex.quote(cmd)}"), check=True, timeout=self.timeout)

    def discard(self, backup: Backup) -> None:
        """Nothing was activated: forget what ``prepare`` uploaded."""

    def restore_net(self, backup: Backup, now: RunningState, rep: RestoreReport) -> None:
        """Interfaces back to the backup snapshot: one generated script, run once."""
        t0 = time.monotonic()
        plan = reconcile(intent_of(backup.running.net), now.net)
        rep.errors.extend(plan.warnings)
        if not plan.commands:
            rep.steps.append(StepReport(step="network", ok=True, seconds=_since(t0), detail="already as before"))
            return
        try:
            self.session.run(f"mkdir -p {shlex.quote(self.workdir)}", check=True)
            self.session.put_file(self.path(RESTORE_SCRIPT), shell_script(plan.commands), 0o755)
            res = self.session.run(f"sh {shlex.quote(self.path(RESTORE_SCRIPT))} 2>&1", timeout=self.timeout)
            detail = f"{len(plan.commands)} commands"
            rep.steps.append(StepReport(step="network", ok=res.rc == 0, seconds=_since(t0), detail=detail))
            if res.rc != 0:
                rep.errors.append(f"network restore: {tail(res.output)}")
        except DriverError as exc:
            rep.errors.append(str(exc))
            rep.steps.append(StepReport(step="network", ok=False, seconds=_since(t0), detail=str(exc)))

    def restore(self, backup: Backup) -> RestoreReport:
        """Interfaces (and the NOS configuration, see ``restore_config``) back to the backup;
        verified by reading the state again."""
        keys = list(backup.running.net.sysctl)
        try:
            now = self.read_running(keys)
        except DriverError as exc:
            return RestoreReport(ok=False, errors=[str(exc)])
        rep = RestoreReport(ok=True)
        self.restore_net(backup, now, rep)
        self.restore_config(backup, now, rep)
        after = self.verify_restore(backup, keys, rep)
        if after is not None and after.frr != backup.running.frr:
            rep.ok = False
            rep.errors.append(f"{self.config_name} differs from the backup after restore")
        try:
            self.discard(backup)
        except DriverError as exc:
            rep.errors.append(str(exc))
        return rep

    config_name = "configuration"
    """What the NOS configuration is called in messages."""

    def restore_config(self, backup: Backup, now: RunningState, rep: RestoreReport) -> None:
        """The NOS configuration back to the backup (a plain Linux device has none)."""

    def verify_restore(self, backup: Backup, keys: list[str], rep: RestoreReport) -> RunningState | None:
        try:
            after = self.read_running(keys)
        except DriverError as exc:
            rep.ok = False
            rep.errors.append(f"verify: {exc}")
            return None
        if after.net.canonical() != backup.running.net.canonical():
            rep.ok = False
            rep.errors.append("interfaces differ from the backup after restore")
        return after


def _since(t0: float) -> float:
    return round(time.monotonic() - t0, 3)
