"""Run the bundled playbooks through ansible-runner's Python API.

    result = run_playbook(
        "network.yml",                      # a name in toolkit.resources.playbooks_dir() (or a path)
        inventory="out/lab-mini/ansible/inventory.yml",
        ssh=SshSettings(user="root", private_key_file=..., ssh_config=..., known_hosts=...),
        extravars={"aidc_network_mode": "iproute2"},
        limit="servers",
        on_event=print,                     # receives ProgressEvent objects as the run goes
    )
    result.ok, result.status, result.rc, result.hosts["su1-r01-gpu01"].changed

Progress: ``on_event`` receives a :class:`ProgressEvent` for every play start, task start (per
task and per host), per-host result (``ok``, ``changed``, ``failed``, ``unreachable``,
``skipped``) and the final ``stats``. The result holds the per-host counts of
``playbook_on_stats`` (Ansible counts a changed task also as ok).

Secrets: SSH settings are paths (user, key file, ssh_config, known_hosts) handed to Ansible
through environment variables; nothing is logged or put into events except task names, hosts
and, for failures, the module's message and the first line of stderr (hidden for ``no_log``
tasks). ansible-runner writes its artifacts (which include the environment) into a private
temporary directory (mode 0700) that is removed after the run unless ``private_data_dir`` is
given by the caller.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.resources import playbooks_dir

__all__ = [
    "HostStats",
    "PlaybookError",
    "ProgressEvent",
    "RunResult",
    "SshSettings",
    "find_playbook",
    "run_playbook",
]

_MESSAGE_MAX = 500


class PlaybookError(RuntimeError):
    """The playbook could not be started (not found, ansible-runner missing, bad arguments)."""


@dataclass(frozen=True)
class SshSettings:
    """How Ansible reaches the hosts. Only paths and names: no key material or password."""

    user: str | None = None
    private_key_file: str | None = None
    ssh_config: str | None = None
    known_hosts: str | None = None
    port: int | None = None
    connect_timeout: int | None = None
    extra_args: tuple[str, ...] = ()

    def envvars(self) -> dict[str, str]:
        env: dict[str, str] = {}
        if self.user:
            env["ANSIBLE_REMOTE_USER"] = self.user
        if self.private_key_file:
            env["ANSIBLE_PRIVATE_KEY_FILE"] = str(self.private_key_file)
        if self.port:
            env["ANSIBLE_REMOTE_PORT"] = str(self.port)
        if self.connect_timeout:
            env["ANSIBLE_TIMEOUT"] = str(self.connect_timeout)
        args = ["-o", "ControlMaster=auto", "-o", "ControlPersist=60s"]
        if self.ssh_config:
            args = ["-F", str(self.ssh_config), *args]
        if self.known_hosts:
            args += ["-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null"]
            env["ANSIBLE_HOST_KEY_CHECKING"] = "True"
        args += list(self.extra_args)
        env["ANSIBLE_SSH_ARGS"] = " ".join(shlex.quote(a) for a in args)
        return env


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a run. ``kind``: play, task, start, ok, changed, failed, unreachable, skipped, stats."""

    kind: str
    play: str | None = None
    task: str | None = None
    host: str | None = None
    message: str | None = None
    ignored: bool = False  # a failure with ignore_errors
    stats: Mapping[str, HostStats] | None = None

    def __str__(self) -> str:
        parts = [self.kind]
        if self.host:
            parts.append(self.host)
        if self.task:
            parts.append(self.task)
        elif self.play:
            parts.append(self.play)
        if self.message:
            parts.append(f"- {self.message}")
        return " ".join(parts)


@dataclass
class HostStats:
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0


@dataclass
class RunResult:
    playbook: str
    status: str  # successful, failed, timeout, canceled (ansible-runner's status)
    rc: int | None
    hosts: dict[str, HostStats] = field(default_factory=dict)
    seconds: float = 0.0
    artifacts: str | None = None  # ansible-runner's artifact folder when it is kept

    @property
    def changed(self) -> int:
        return sum(h.changed for h in self.hosts.values())

    @property
    def failed_hosts(self) -> list[str]:
        return sorted(h for h, s in self.hosts.items() if s.failed or s.unreachable)

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.rc == 0 and not self.failed_hosts


def ansible_playbook_binary() -> str:
    """The ``ansible-playbook`` next to this Python (the installation that holds ``toolkit``,
    which the playbooks' filter plugin imports), else the one on PATH."""
    local = Path(sys.executable).parent / "ansible-playbook"
    if local.is_file():
        return str(local)
    found = shutil.which("ansible-playbook")
    if found:
        return found
    raise PlaybookError("ansible-playbook not found (install ansible-core)")


def find_playbook(name: str | os.PathLike[str]) -> Path:
    """A bundled playbook by name (``network.yml``, ``network``) or an existing path."""
    p = Path(name)
    if p.is_absolute() or p.exists():
        if not p.is_file():
            raise PlaybookError(f"playbook not found: {p}")
        return p.resolve()
    base = playbooks_dir()
    for cand in (base / p, base / f"{p}.yml"):
        if cand.is_file():
            return cand
    known = ", ".join(sorted(x.name for x in base.glob("*.yml")))
    raise PlaybookError(f"no playbook {name!r} in {base} (known: {known})")


def _message(res: Mapping[str, Any]) -> str | None:
    if res.get("_ansible_no_log"):
        return "output hidden (no_log)"
    parts = []
    msg = res.get("msg")
    if msg:
        parts.append(str(msg))
    stderr = res.get("stderr")
    if stderr:
        parts.append(str(stderr).strip().splitlines()[0] if str(stderr).strip() else "")
    text = ": ".join(p for p in parts if p)
    return text[:_MESSAGE_MAX] if text else None


def _stats(raw: Mapping[str, Any] | None) -> dict[str, HostStats]:
    out: dict[str, HostStats] = {}
    if not raw:
        return out
    names = {
        "ok": "ok",
        "changed": "changed",
        "failures": "failed",
        "dark": "unreachable",
        "skipped": "skipped",
        "rescued": "rescued",
        "ignored": "ignored",
    }
    hosts: set[str] = set()
    for key in (*names, "processed"):
        hosts |= set((raw.get(key) or {}).keys())
    for h in sorted(hosts):
        st = HostStats()
        for key, attr in names.items():
            setattr(st, attr, int((raw.get(key) or {}).get(h, 0)))
        out[h] = st
    return out


def _event(ev: Mapping[str, Any]) -> ProgressEvent | None:
    name = ev.get("event")
    data = ev.get("event_data") or {}
    play, task, host = data.get("play"), data.get("task"), data.get("host")
    res = data.get("res") or {}
    if name == "playbook_on_play_start":
        return ProgressEvent("play", play=play)
    if name == "playbook_on_task_start":
        return ProgressEvent("task", play=play, task=task)
    if name == "runner_on_start":
        return ProgressEvent("start", play=play, task=task, host=host)
    if name == "runner_on_ok":
        return ProgressEvent("changed" if res.get("changed") else "ok", play=play, task=task, host=host)
    if name == "runner_on_failed":
        return ProgressEvent(
            "failed", play=play, task=task, host=host, message=_message(res), ignored=bool(data.get("ignore_errors"))
        )
    if name == "runner_on_unreachable":
        return ProgressEvent("unreachable", play=play, task=task, host=host, message=_message(res))
    if name == "runner_on_skipped":
        return ProgressEvent("skipped", play=play, task=task, host=host)
    if name == "playbook_on_stats":
        raw = {k: data.get(k) for k in ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored")}
        return ProgressEvent("stats", stats=_stats(raw))
    return None


def run_playbook(
    playbook: str | os.PathLike[str],
    inventory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    ssh: SshSettings | None = None,
    extravars: Mapping[str, Any] | None = None,
    envvars: Mapping[str, str] | None = None,
    limit: str | None = None,
    tags: str | None = None,
    forks: int | None = None,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    timeout: int | None = None,
    on_event: Callable[[ProgressEvent], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    private_data_dir: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Run one playbook with ansible-runner; see the module docstring."""
    try:
        import ansible_runner
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise PlaybookError("ansible-runner is not installed") from exc
    book = find_playbook(playbook)
    inventories = [inventory] if isinstance(inventory, str | os.PathLike) else list(inventory)
    inv_paths = [str(Path(i).resolve()) for i in inventories]
    for p in inv_paths:
        if not Path(p).exists():
            raise PlaybookError(f"inventory not found: {p}")
    env: dict[str, str] = {
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_PYTHON_INTERPRETER": "auto_silent",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
    }
    binary = Path(ansible_playbook_binary())
    if shutil.which("ansible-playbook") != str(binary):
        # ansible-runner starts "ansible-playbook" from PATH: make this installation's visible
        env["PATH"] = os.pathsep.join([str(binary.parent), os.environ.get("PATH", os.defpath)])
    if ssh is not None:
        env.update(ssh.envvars())
    env.update(envvars or {})
    cmdline: list[str] = []
    if tags:
        cmdline += ["--tags", tags]
    if check:
        cmdline.append("--check")
    if diff:
        cmdline.append("--diff")

    def handler(ev: dict[str, Any]) -> bool:
        if on_event is not None:
            pe = _event(ev)
            if pe is not None:
                on_event(pe)
        return True

    own_dir = private_data_dir is None
    pdd = Path(tempfile.mkdtemp(prefix="aidc-runner-")) if own_dir else Path(private_data_dir)  # type: ignore[arg-type]
    pdd.mkdir(parents=True, exist_ok=True)
    os.chmod(pdd, 0o700)
    start = time.monotonic()
    try:
        kwargs: dict[str, Any] = {
            "private_data_dir": str(pdd),
            "project_dir": str(book.parent),
            "playbook": book.name,
            "inventory": inv_paths if len(inv_paths) > 1 else inv_paths[0],
            "extravars": dict(extravars or {}),
            "envvars": env,
            "event_handler": handler,
            "quiet": True,
            "suppress_env_files": True,
            "verbosity": verbosity or None,
        }
        if limit:
            kwargs["limit"] = limit
        if forks:
            kwargs["forks"] = forks
        if timeout:
            kwargs["timeout"] = timeout
        if cmdline:
            kwargs["cmdline"] = " ".join(shlex.quote(c) for c in cmdline)
        if cancel is not None:
            kwargs["cancel_callback"] = cancel
        r = ansible_runner.run(**kwargs)
        result = RunResult(
            playbook=str(book),
            status=str(r.status),
            rc=r.rc,
            hosts=_stats(r.stats),
            seconds=round(time.monotonic() - start, 3),
            artifacts=None if own_dir else str(r.config.artifact_dir),
        )
    finally:
        if own_dir:
            shutil.rmtree(pdd, ignore_errors=True)
    return result
