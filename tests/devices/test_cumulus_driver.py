"""The Cumulus driver (``toolkit.drivers.cumulus``) against a STAND-IN of NVUE's ``nv`` CLI, root-free.

No Cumulus Linux image can run here. ``NvueShell`` below is the device's shell session (what
``Target.open`` returns: commands with exit status, SFTP uploads) with a small model of the
``nv config`` commands the driver uses, printing what NVIDIA's NVUE command reference shows:
``nv config history`` as a YAML list newest first (``rev-id: '<n>'``), ``nv config apply
--confirm <N>s -y`` rolling back unless confirmed, ``nv config apply <rev> -y``, ``nv config
detach``, ``nv config replace <file>`` refusing a file that is not NVUE YAML. The configuration
is the startup.yaml aidc renders for lab-mini's spine01 on Cumulus. What NVUE itself accepts is
tested by tests/vendor (NVIDIA's object model); here: the commands the driver sends, what it
parses, and what it decides.
"""

from __future__ import annotations

import difflib
import shlex
from typing import Any

import pytest
import yaml

from tests.devices.standin import open_driver, push, push_then_restore, rendered
from toolkit.drivers.cumulus import CumulusDriver, diff_lines, latest_revision, normalize_nvue
from toolkit.drivers.state import DriverError
from toolkit.session import CommandResult


def startup_yaml() -> str:
    return rendered("cumulus")["startup.yaml"]


OLD = "- set:\n    system:\n      hostname: spine01\n"


class NvueShell:
    """One Cumulus switch: ``revisions`` (applied history, oldest first), ``pending``, a confirm
    waiting (the revision to go back to); ``commands`` lists every command run, in order."""

    def __init__(self) -> None:
        self.revisions: list[str] = [OLD]
        self.pending: str | None = None
        self.confirm_back: int | None = None
        self.files: dict[str, str] = {}
        self.commands: list[str] = []
        self.connected = True
        self.fail: set[str] = set()

    @property
    def applied(self) -> str:
        return self.revisions[-1]

    def history(self) -> str:
        return "".join(
            f"- apply-date: 2026-12-01 10:{i:02d}:00\n  message: Config update by cumulus\n  rev-id: '{i + 1}'\n"
            f"  state: apply\n  type: CLI\n  user: cumulus\n"
            for i in reversed(range(len(self.revisions)))
        )

    def run(self, command: str, *, timeout: float | None = None) -> CommandResult:
        self.commands.append(command)
        if not self.connected:
            return CommandResult(command=command, rc=-1, stdout="")
        argv = shlex.split(command)
        rc, out, err = 0, "", ""
        if any(command.startswith(f) for f in self.fail):
            rc, err = 1, "Error: refused by the stand-in"
        elif argv[:4] == ["nv", "config", "show", "-r"]:
            out = self.applied if argv[4] == "applied" else (self.pending or self.applied)
        elif argv == ["nv", "config", "history"]:
            out = self.history()
        elif argv[:3] == ["nv", "config", "replace"]:
            text = self.files.get(argv[3], "")
            doc = yaml.safe_load(text) if text else None
            if not isinstance(doc, list) or not all(isinstance(x, dict) for x in doc):
                rc, err = 1, f"Error: {argv[3]} is not an NVUE configuration (a list of set/unset items)"
            else:
                self.pending = text
        elif argv == ["nv", "config", "diff"]:
            out = "".join(difflib.unified_diff(self.applied.splitlines(True), (self.pending or self.applied)
                                               .splitlines(True), "applied", "pending"))
        elif argv[:3] == ["nv", "config", "apply"]:
            rc, out, err = self.apply(argv[3:])
        elif argv == ["nv", "config", "detach"]:
            self.pending = None
        elif argv[:2] == ["rm", "-f"]:
            for f in argv[2:]:
                self.files.pop(f, None)
        else:
            rc, err = 127, f"{argv[0]}: command not found"
        return CommandResult(command=command, rc=rc, stdout=out, stderr=err)

    def apply(self, args: list[str]) -> tuple[int, str, str]:
        if args == ["--confirm-status"]:
            if self.confirm_back is None:
                return 0, "No pending confirm\n", ""
            return 0, f"Pending confirm of revision {len(self.revisions)}: 212 s left\n", ""
        if args == ["-y"] and self.confirm_back is not None:
            self.confirm_back = None
            return 0, "applied\n", ""
        if len(args) == 2 and args[0].isdigit() and args[1] == "-y":
            self.revisions.append(self.revisions[int(args[0]) - 1])
            self.confirm_back = None
            return 0, "applied\n", ""
        if args[-1:] == ["-y"] and self.pending is not None:
            if args[:1] == ["--confirm"]:
                assert args[1].endswith("s") and args[1][:-1].isdigit(), args
                self.confirm_back = len(self.revisions)
            self.revisions.append(self.pending)
            self.pending = None
            return 0, "applied\n", ""
        return 1, "", "Error: nothing pending to apply"

    def expire(self) -> None:
        """The confirm time ran out: NVUE applies the revision before the commit again."""
        assert self.confirm_back is not None
        self.revisions.append(self.revisions[self.confirm_back - 1])
        self.confirm_back = None

    def put_file(self, path: str, text: str, mode: int = 0o644) -> None:
        assert mode == 0o600, "the configuration is uploaded readable by the login user only"
        self.files[path] = text

    def close(self) -> None:
        self.connected = False


@pytest.fixture
def shell() -> NvueShell:
    return NvueShell()


def driver(shell: NvueShell, **access: Any) -> CumulusDriver:
    return open_driver(CumulusDriver, shell, platform="cumulus", address="192.0.2.31", user="cumulus", **access)


def test_text_helpers(shell: NvueShell) -> None:
    assert normalize_nvue("- set:\r\n    system: {}\r\n\n\n") == "- set:\n    system: {}\n"
    assert normalize_nvue("\n\n") == ""
    shell.revisions += ["- set: {}\n", "- set: {}\n"]
    assert latest_revision(shell.history()) == "3", "the newest revision is listed first"
    assert latest_revision("rev-id: 12\n") == "12" and latest_revision("No revisions\n") is None
    diff = "--- applied\n+++ pending\n@@ -1 +1 @@\n-      hostname: a\n+      hostname: b\n"
    assert diff_lines(diff) == ["-      hostname: a", "+      hostname: b"]


def test_stage_uploads_replaces_and_shows_the_plan(shell: NvueShell) -> None:
    d = driver(shell)
    assert d.read_config() == OLD
    plan = d.prepare({"startup.yaml": startup_yaml()})
    assert shell.commands[:2] == ["nv config show -r applied -o yaml", f"nv config replace {d.upload}"]
    assert d.upload.startswith("/tmp/aidc-") and d.upload.endswith(".yaml")
    assert shell.files[d.upload] == startup_yaml()
    assert shell.commands[-2:] == ["nv config show -r pending -o yaml", "nv config diff"]
    assert d.candidate == normalize_nvue(startup_yaml())
    assert "+    acl:" in plan and "-      hostname: spine01" not in plan and "+      hostname: spine01" not in plan
    assert shell.applied == OLD, "nothing applied before activate"


def test_a_refused_file_is_detached_and_removed(shell: NvueShell) -> None:
    d = driver(shell)
    with pytest.raises(DriverError, match=r"`nv config replace` refused \(1\): Error: .* not an NVUE configuration"):
        d.prepare({"startup.yaml": "hostname: spine01\n"})
    assert shell.commands[-2:] == ["nv config detach", f"rm -f {d.upload}"]
    assert shell.pending is None and d.upload not in shell.files


def test_apply_with_confirm_then_confirm(shell: NvueShell) -> None:
    d = driver(shell, confirm_timeout=240)
    d.prepare({"startup.yaml": startup_yaml()})
    d.activate()
    assert d.revision_before == "1"
    assert "nv config apply --confirm 240s -y" in shell.commands and shell.confirm_back == 1
    d.read_running()
    d.confirm()
    assert shell.confirm_back is None and d.revision == "2"
    assert shell.applied == startup_yaml() and d.upload not in shell.files


def test_restore_goes_back_to_the_revision_noted_before(shell: NvueShell) -> None:
    d = driver(shell)
    assert push_then_restore(d, {"startup.yaml": startup_yaml()}, confirm=False) == ["rollback"]
    i = shell.commands.index("nv config apply --confirm-status")
    assert shell.commands[i + 1:i + 4] == ["nv config apply 1 -y", "nv config detach", f"rm -f {d.upload}"]
    assert shell.applied == OLD


def test_restore_without_a_pending_confirm_replaces_the_backup(shell: NvueShell) -> None:
    d = driver(shell)
    assert push_then_restore(d, {"startup.yaml": startup_yaml()}, confirm=True) == ["rollback", "replace"]
    assert "nv config apply 1 -y" not in shell.commands, "no confirm was pending: no revision to go back to"
    assert shell.applied == OLD and shell.revisions[-1] == OLD and len(shell.revisions) == 3


def test_an_expired_confirm_is_named(shell: NvueShell) -> None:
    d = driver(shell)
    push(d, {"startup.yaml": startup_yaml()})
    shell.expire()
    with pytest.raises(DriverError, match="rolled the commit back before the confirm arrived"):
        d.confirm()


def test_a_lost_session_is_named(shell: NvueShell) -> None:
    d = driver(shell)
    shell.connected = False
    with pytest.raises(DriverError, match="SSH connection was lost during `nv config show -r applied -o yaml`"):
        d.read_config()
