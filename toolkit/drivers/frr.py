"""The ``frr`` platform: a Linux box running FRR, configured over a ``Session``.

- running state: ``vtysh [-N <pathspace>] -c 'show running-config'`` plus the interface state
  (``toolkit.netstate``), read in one round trip;
- backup: the running FRR config (also kept on the device as ``<workdir>/aidc-backup.conf``) and
  the interface snapshot, taken before anything changes;
- prepare: upload ``aidc-intended.conf`` and ``aidc-network.json`` (the designed interface
  state, ``toolkit.design.netintent``) into ``<workdir>`` (SFTP) and validate both: the FRR
  config with ``frr-reload.py --test``, the interface state by reconciling it with the state
  read from the device (a designed port the box lacks stops here; nothing changed yet);
- activate: the interface state first: the device's state is read again and
  ``netstate.reconcile`` computes, here on the controller, the iproute2 / bridge / dcb / sysctl
  commands that turn it into the designed one; they run as one script (``aidc-network.sh``,
  stopping at the first failure; nothing when it already runs the designed state). Then
  ``frr-reload.py --reload`` (``--confdir /etc/frr`` and
  ``-N <pathspace>`` in the lab: frr-reload passes the base directory to vtysh, which appends
  the pathspace itself); an FRR daemon that died meanwhile is started again, as watchfrr would;
- verify (after activate): the interface state read back reconciles to no command; and
  ``frr-reload.py --test`` of the intended config once more, i.e. FRR's
  own comparison of the running config with the intended one. Lines still pending are lines the
  daemons refused (``frr-reload --reload`` exits 0 when vtysh rejects a line, e.g. an invalid
  prefix-list range, and only prints ``% Configuration failed``); the no-op lines frr-reload
  always lists (a ``no X`` whose ``X`` is not configured, e.g. ``no bgp ebgp-requires-policy``
  under ``frr defaults datacenter``, and the context lines they sit in) are not differences;
- restore: interfaces back to the backup snapshot (``netstate.reconcile``), the backup FRR
  config reloaded; both verified by reading the state again.

The network commands and frr-reload run under ``flock <workdir>/aidc-push.lock``: when the SSH
session drops during a push, the engine opens a new session and ``settle`` waits for the lock
(what the lost session started has ended) before it restores.

In the lab every session already runs in the device's network and UTS namespaces (sshd was
started there with the device's hostname) and the session verified ``AIDC_DEVICE`` /
``AIDC_NETNS`` when it opened, so the driver can never configure the wrong namespace.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from toolkit.drivers.linux import LinuxDriver, _since, net_commands, parse_net_outputs
from toolkit.drivers.state import Backup, DriverError, RestoreReport, RunningState, StepReport
from toolkit.netstate import NetIntent, Reconciliation, reconcile, shell_script
from toolkit.session import CommandResult, run_batch, tail

if TYPE_CHECKING:
    from toolkit.targets import DeviceAccess

FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
INTENDED = "aidc-intended.conf"
NETWORK_STATE = "aidc-network.json"
"""The designed interface state last prepared (the record of the device)."""
NETWORK_SCRIPT = "aidc-network.sh"
"""The commands the last activate computed and ran."""
BACKUP = "aidc-backup.conf"
PUSH_LOCK = "aidc-push.lock"
SETTLE_TIMEOUT = 180
FILES: tuple[str, ...] = ("frr.conf", "network.json")
"""The rendered files of a switch this driver applies (``switches/<device>/<name>``)."""


def vtysh_command(access: DeviceAccess, *commands: str) -> str:
    """Shell command running ``vtysh -c ...`` on the device (pathspace in the lab, sudo if needed)."""
    ns = f" -N {shlex.quote(access.frr_pathspace)}" if access.frr_pathspace else ""
    cmd = "vtysh" + ns + "".join(f" -c {shlex.quote(c)}" for c in commands)
    return f"sudo -n {cmd}" if access.sudo else cmd


def frr_reload_command(access: DeviceAccess, conf: str, mode: str = "--reload") -> str:
    ns = f" -N {shlex.quote(access.frr_pathspace)}" if access.frr_pathspace else ""
    cmd = f"{FRR_RELOAD} {mode} --stdout{ns} --confdir {shlex.quote(access.frr_confdir)} {shlex.quote(conf)}"
    return f"sudo -n {cmd}" if access.sudo else cmd


def normalize_frr(text: str) -> str:
    """`show running-config` without the banner and the version line (not configuration)."""
    out: list[str] = []
    for line in text.replace("\r", "").splitlines():
        s = line.rstrip()
        if not out and (not s or s in ("Building configuration...", "Current configuration:", "!")):
            continue
        if s.startswith("frr version "):
            continue
        out.append(s)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def frr_test_changes(output: str) -> list[str]:
    """'- line' / '+ line' entries from `frr-reload.py --test` output."""
    out: list[str] = []
    mode = ""
    lines = output.replace("\r", "").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Lines To Delete"):
            mode = "-"
            continue
        if line.startswith("Lines To Add"):
            mode = "+"
            continue
        if not mode or not line.strip() or set(line.strip()) == {"="}:
            continue
        if re.match(r"^\d{4}-\d\d-\d\d ", line) or (i + 1 < len(lines) and set(lines[i + 1].strip()) == {"="}):
            continue
        out.append(f"{mode} {line}")
    return out


def _blocks(lines: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(top-level line, its indented lines) in order."""
    out: list[tuple[str, list[str]]] = []
    for line in lines:
        if not line.strip() or line.strip() == "!":
            continue
        if line[:1] in (" ", "\t") and out:
            out[-1][1].append(line.strip())
        else:
            out.append((line.rstrip(), []))
    return out


def pending_differences(test_output: str, running: str) -> list[str]:
    """What ``frr-reload.py --test`` still lists after a reload, less the no-op lines: a ``+ no X``
    whose ``X`` the running config (in the same context) does not hold, and a context line
    that the running config has and under which nothing real is pending. ``+ line``: the
    daemons do not run it (refused); ``- line``: the running config holds it but the intended
    one does not."""
    run_blocks: dict[str, set[str]] = {}
    for head, body in _blocks(running.splitlines()):
        run_blocks.setdefault(head, set()).update(body)
    top = set(run_blocks)
    changes = frr_test_changes(test_output)
    out: list[str] = []
    for sign in "+-":
        lines = [c[2:] for c in changes if c[:1] == sign]
        for head, body in _blocks(lines):
            if sign == "-":
                out.extend([f"- {head}"] if not body else [f"- {head} / {b}" for b in body])
                continue
            have = run_blocks.get(head, set())
            real = [b for b in body if not (b.startswith("no ") and b[3:] not in have)]
            if real:
                out.extend(f"+ {head} / {b}" for b in real)
            elif not body and not (head.startswith("no ") and head[3:] not in top) and head not in top:
                out.append(f"+ {head}")
    return out


def refusals(output: str) -> list[str]:
    """What FRR said when it refused lines during a reload (``% ...`` / ``Error description``)."""
    seen: list[str] = []
    for line in output.replace("\r", "").splitlines():
        s = line.strip()
        if s.startswith("Error description:"):
            s = s.split(":", 1)[1].strip()
        elif not s.startswith("% ") or s == "% Configuration failed.":
            continue
        if s not in seen:
            seen.append(s)
    return seen


def frr_errors(text: str) -> str:
    keep = [ln for ln in text.splitlines() if re.search(r"ERROR|error|Failed|failed|Unknown command|%", ln)]
    return "\n".join(keep) if keep else text


class FrrDriver(LinuxDriver):
    """One ``frr`` switch through an open session."""

    files = FILES
    checks_fabric_ports = True
    refused: list[str]
    """What FRR printed when it refused lines during the last reload (see ``refusals``)."""
    intent: NetIntent | None = None
    """The designed interface state (``network.json``) once ``prepare`` read it."""
    network_notes: tuple[str, ...] = ()
    """What the last network step could not do and went on without (no DCB on a port)."""

    def locked(self, command: str) -> str:
        """``command`` under the push lock of the device (see ``settle``)."""
        lock = shlex.quote(self.path(PUSH_LOCK))
        return f"if command -v flock >/dev/null; then flock {lock} sh -c {shlex.quote(command)}; else {command}; fi"

    def settle(self) -> None:
        """Wait until a push started by a lost session has ended (its lock is free)."""
        lock = shlex.quote(self.path(PUSH_LOCK))
        res = self.session.run(
            f"if [ -e {lock} ] && command -v flock >/dev/null; then flock -w {SETTLE_TIMEOUT} {lock} true; fi",
            timeout=SETTLE_TIMEOUT + 30,
        )
        if res.rc != 0:
            raise DriverError(
                f"{self.access.name}: the interrupted push still runs after {SETTLE_TIMEOUT} s "
                f"(lock {self.path(PUSH_LOCK)})"
            )

    def vtysh(self, *commands: str) -> str:
        return vtysh_command(self.access, *commands)

    def frr_reload(self, conf: str, mode: str = "--reload") -> str:
        return frr_reload_command(self.access, conf, mode)

    # -- state

    def read_running(self, sysctls: Iterable[str] = ()) -> RunningState:
        """FRR running config and the interface snapshot; ``sysctls``: extra keys to hold."""
        commands = {"frr": self.vtysh("show running-config"), **net_commands(sysctls, self.dcb_ports())}
        got = run_batch(self.session, commands, timeout=self.timeout)
        net = parse_net_outputs(self.access.name, got)
        rc, raw, err = got["frr"]
        if rc != 0 or ("Current configuration" not in raw and "hostname" not in raw):
            raise DriverError(f"{self.access.name}: vtysh gave no running config: {tail(err or raw)}")
        return RunningState(frr=normalize_frr(raw), net=net)

    def backup(self, running: RunningState | None = None) -> Backup:
        """Snapshot before any change (the FRR part is also kept on the device)."""
        running = running or self.read_running()
        self.session.run(f"mkdir -p {shlex.quote(self.workdir)}", check=True)
        if running.frr is not None:
            self.session.put_file(self.path(BACKUP), running.frr)
        prev = self.session.read_file(self.path(NETWORK_STATE))
        return Backup(device=self.access.name, taken=time.time(), running=running, previous_network=prev)

    # -- apply steps

    def dcb_ports(self) -> list[str]:
        """Ports whose DCB state a read includes: the lossless ones of the designed state."""
        return sorted(self.intent.dcb) if self.intent is not None else []

    def prepare(self, files: dict[str, str]) -> list[str]:
        """Upload the rendered files and validate them; the pending FRR changes. Nothing runs yet."""
        try:
            self.intent = NetIntent.model_validate_json(files["network.json"])
        except ValidationError as exc:
            raise DriverError(f"{self.access.name}: network.json is not an interface state: {str(exc)[:300]}") from exc
        self.session.put_file(self.path(INTENDED), files["frr.conf"], 0o644)
        self.session.put_file(self.path(NETWORK_STATE), files["network.json"], 0o644)
        self.network_plan()
        return self.validate_frr()

    def network_plan(self) -> Reconciliation:
        """The commands that turn the device's interface state (read now) into the designed one;
        raises when the designed state cannot be reached (a designed port the box lacks)."""
        if self.intent is None:
            raise DriverError(f"{self.access.name}: no designed interface state prepared")
        now = self.read_running().net
        plan = reconcile(self.intent, now)
        if plan.errors:
            raise DriverError(
                f"{self.access.name}: the designed interface state cannot be applied: {'; '.join(plan.errors[:5])}"
            )
        return plan

    def validate_frr(self) -> list[str]:
        """``frr-reload.py --test``: raises if the intended config does not parse; the pending lines."""
        res = self.session.run(self.frr_reload(self.path(INTENDED), "--test"), timeout=self.timeout)
        if res.rc != 0:
            raise DriverError(f"{self.access.name}: intended FRR config rejected: {tail(frr_errors(res.output))}")
        return frr_test_changes(res.output)

    def activate(self) -> None:
        """Make the prepared files the running state: interfaces, then FRR reload."""
        self.run_network()
        self.reload_frr()

    def discard(self, backup: Backup) -> None:
        """Nothing was activated: put the previous designed state back (the record of the device)."""
        if backup.previous_network is not None:
            self.session.put_file(self.path(NETWORK_STATE), backup.previous_network, 0o644)

    def run_network(self) -> CommandResult | None:
        """Reconcile the interfaces with the designed state: the commands, computed from the state
        read now, run as one script under the push lock (stops at the first failure); None when
        there is nothing to change."""
        plan = self.network_plan()
        self.network_notes = tuple(plan.warnings)
        if not plan.commands:
            return None
        script = shell_script(plan.commands, "interfaces to the designed state (aidc-network.json)", stop_on_error=True)
        self.session.put_file(self.path(NETWORK_SCRIPT), script, 0o755)
        res = self.session.run(self.locked(f"sh {shlex.quote(self.path(NETWORK_SCRIPT))} 2>&1"), timeout=self.timeout)
        if res.rc != 0:
            raise DriverError(f"{self.access.name}: network commands failed ({res.rc}): {tail(res.output)}")
        return res

    def reload_frr(self, conf: str | None = None) -> CommandResult:
        """frr-reload the config; a daemon that died meanwhile (an FRR crash) is started again and
        the config reloaded once more, as watchfrr and the frr service would on a switch."""
        conf = conf or self.path(INTENDED)
        reload = self.locked(self.frr_reload(conf))
        res = self.session.run(reload, timeout=max(self.timeout, 120.0))
        dead = self.dead_daemons()
        if dead:
            self.revive(dead)
            res = self.session.run(reload, timeout=max(self.timeout, 120.0))
            still = self.dead_daemons()
            if still:
                raise DriverError(f"{self.access.name}: FRR daemon(s) {', '.join(still)} died and did not restart")
        if res.rc != 0:
            raise DriverError(f"{self.access.name}: frr-reload failed ({res.rc}): {tail(frr_errors(res.output))}")
        self.refused = refusals(res.output)
        return res

    def verify(self, files: dict[str, str], running: RunningState) -> list[str]:
        """The interface state read back reconciles to no command; FRR's own comparison of the
        running config with the intended one, after the reload (see the module docstring): the
        lines the daemons do not run, with what FRR said."""
        out = []
        if self.intent is not None:
            left = reconcile(self.intent, running.net)
            if left.commands or left.errors:
                shown = "; ".join(" ".join(c) for c in left.commands[:5]) or "; ".join(left.errors[:5])
                out.append(f"the interfaces differ from the designed state after the push (still to run: {shown})")
        return out + self.verify_frr(running)

    def verify_frr(self, running: RunningState) -> list[str]:
        res = self.session.run(self.frr_reload(self.path(INTENDED), "--test"), timeout=self.timeout)
        if res.rc != 0:
            return [f"frr-reload --test of the intended config failed after the reload: {tail(frr_errors(res.output))}"]
        diff = pending_differences(res.stdout, running.frr or "")
        if not diff:
            return []
        shown = "; ".join(diff[:5]) + (f"; ... ({len(diff)} in all)" if len(diff) > 5 else "")
        said = getattr(self, "refused", [])
        why = f" (FRR: {'; '.join(said[:3])})" if said else ""
        return [f"the running FRR config differs from the intended one after the reload{why}: {shown}"]

    def dead_daemons(self) -> list[str]:
        """FRR daemons of this device whose pid file names no live process (a zombie is dead)."""
        a = self.access
        rundir = f"{a.frr_rundir}/{a.frr_pathspace}" if a.frr_pathspace else a.frr_rundir
        names = " ".join(shlex.quote(d) for d in a.frr_daemons)
        out = self.session.run(
            f"for d in {names}; do p=$(cat {shlex.quote(rundir)}/$d.pid 2>/dev/null); "
            f'[ -n "$p" ] && kill -0 "$p" 2>/dev/null && ! grep -q "^[0-9]* ([^)]*) [ZX]" /proc/$p/stat 2>/dev/null '
            f'|| echo "dead:$d"; done'
        ).stdout
        return [line[5:] for line in out.splitlines() if line.startswith("dead:")]

    def revive(self, daemons: list[str]) -> None:
        if self.access.frr_start is None:  # a real switch: the frr service restarts (watchfrr, systemd)
            self.session.run(self.session.privileged("systemctl restart frr"), check=True, timeout=120.0)
            return
        for d in daemons:
            self.session.run(self.access.frr_start[d], check=True)
        deadline = time.monotonic() + 20
        while self.dead_daemons() and time.monotonic() < deadline:
            time.sleep(0.5)

    # -- restore

    config_name = "FRR running config"

    def restore_config(self, backup: Backup, now: RunningState, rep: RestoreReport) -> None:
        """The backup FRR config reloaded, if the running one differs."""
        if backup.running.frr is None or now.frr == backup.running.frr:
            return
        t0 = time.monotonic()
        try:
            self.session.put_file(self.path(BACKUP), backup.running.frr)
            self.reload_frr(self.path(BACKUP))
            rep.steps.append(StepReport(step="frr", ok=True, seconds=_since(t0), detail="backup reloaded"))
        except DriverError as exc:
            rep.errors.append(str(exc))
            rep.steps.append(StepReport(step="frr", ok=False, seconds=_since(t0), detail=str(exc)))
