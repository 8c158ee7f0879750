"""STAND-IN for the Arista EOS CLI (see ``tests.standins``): an interactive shell on the SSH pty.

What it implements (what ``toolkit.drivers.eos`` and netmiko's ``arista_eos`` use), as EOS
prints it: privileged exec prompt ``<host>#``; ``terminal length 0`` ("Pagination disabled.";
before it, output longer than 24 lines stops at `` --More-- `` until a line is sent) and
``terminal width``; ``show hostname`` / ``version`` / ``running-config`` / ``configuration
sessions``; ``configure session <name>`` (prompt ``<host>(config-s-<name[:6]>)#``) with
``rollback clean-config``, configuration lines, ``show session-config [diffs]``, ``commit``,
``commit timer hh:mm:ss``, ``abort``, ``end``; and in exec mode ``configure session <name>
commit`` (the confirm) / ``abort`` (roll back a pending commit now).

Input is checked as far as a configuration model is needed to reject what EOS rejects: an
unknown top-level command (first word, no indentation) and an indented line with no parent
give ``% Invalid input`` and are not added to the session. Sub-mode prompts are not modelled.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.standins.core import DeviceState

TOP_LEVEL = {
    "aaa", "banner", "clock", "daemon", "dns", "dot1x", "errdisable", "event-handler", "hardware",
    "hostname", "interface", "ip", "ipv6", "lldp", "logging", "mac", "management", "mlag", "monitor",
    "no", "ntp", "peer-filter", "platform", "policy-map", "class-map", "port-channel", "priority-flow-control",
    "qos", "radius-server", "route-map", "router", "service", "snmp-server", "spanning-tree", "sflow",
    "tacacs-server", "transceiver", "username", "vlan", "vrf", "end", "dcbx", "system", "queue-monitor",
}
PAGE = 24
DIFF_HEADER = ("--- system:/running-config", "+++ session:/{name}-session-config")


def running_config_text(st: DeviceState) -> str:
    head = f"! Command: show running-config\n! device: {st.hostname} (vEOS-lab stand-in, EOS-4.31.0F)\n!\n"
    return head + st.running + "end\n"


class EosCli:
    def __init__(self, st: DeviceState) -> None:
        self.st = st
        self.length = PAGE
        self.session: str | None = None

    # -- session files

    def _sess(self, name: str) -> Path:
        d = self.st.root / "sessions"
        d.mkdir(exist_ok=True)
        return d / f"{name}.cfg"

    @property
    def prompt(self) -> str:
        if self.session is not None:
            return f"{self.st.hostname}(config-s-{self.session[:6]})#"
        return f"{self.st.hostname}#"

    # -- commands

    def handle(self, line: str) -> str:
        """Output of one input line (without the prompt); sets ``self.closed`` on exit."""
        cmd = line.rstrip("\r\n")
        if cmd.strip():
            self.st.log(cmd)
            self.st.fault(cmd)
        with self.st.locked():
            self.st.expire_if_due()
            if self.session is not None:
                return self._in_session(cmd)
            return self._exec(cmd.strip())

    def _exec(self, cmd: str) -> str:
        if not cmd:
            return ""
        words = cmd.split()
        if words[0] == "enable":
            return ""
        if words[:2] == ["terminal", "length"] and len(words) == 3 and words[2].isdigit():
            self.length = int(words[2])
            return "Pagination disabled.\n" if self.length == 0 else ""
        if words[:2] == ["terminal", "width"] and len(words) == 3:
            return f"Width set to {words[2]} columns.\n"
        if cmd == "show hostname":
            return f"Hostname: {self.st.hostname}\nFQDN:     {self.st.hostname}\n"
        if cmd == "show version":
            return "Arista vEOS-lab (aidc STAND-IN, not EOS)\nSoftware image version: 4.31.0F\n"
        if cmd in ("show running-config", "show running-config all"):
            return running_config_text(self.st)
        if cmd.startswith("show configuration sessions"):
            pend = self.st.pending()
            out = ["Name          State                 "]
            for p in sorted((self.st.root / "sessions").glob("*.cfg")) if (self.st.root / "sessions").exists() else []:
                out.append(f"{p.stem:13} pending")
            if pend:
                out.append(f"{pend['owner']:13} pending-commit-timer")
            return "\n".join(out) + "\n"
        m = re.fullmatch(r"configure session (\S+)(?: (commit|abort))?", cmd)
        if m:
            return self._configure_session(m.group(1), m.group(2))
        if words[0] in ("exit", "quit", "logout"):
            raise SystemExit(0)
        return f"% Invalid input (at token 0: '{words[0]}')\n"

    def _configure_session(self, name: str, action: str | None) -> str:
        pend = self.st.pending()
        if action == "commit":
            if pend and pend["owner"] == name:
                self.st.clear_pending()
                self.st.log(f"# confirmed: {name}")
                return ""
            if self._sess(name).exists():
                self.st.running = self._sess(name).read_text()
                self._sess(name).unlink()
                return ""
            return f"% Session {name} does not exist\n"
        if action == "abort":
            if pend and pend["owner"] == name:
                self.st.roll_back(f"session {name} aborted")
                return ""
            if self._sess(name).exists():
                self._sess(name).unlink()
                return ""
            return f"% Session {name} does not exist\n"
        if pend and pend["owner"] == name:
            return f"% Cannot enter session {name}: its commit timer is pending\n"
        if not self._sess(name).exists():
            self._sess(name).write_text(self.st.running)
        self.session = name
        return ""

    def _in_session(self, raw: str) -> str:
        assert self.session is not None
        name = self.session
        cmd = raw.strip()
        path = self._sess(name)
        if not cmd or cmd.startswith("!"):
            return ""
        if cmd == "rollback clean-config":
            path.write_text("")
            return ""
        if cmd == "show session-config diffs":
            old = self.st.running.splitlines(keepends=True)
            new = path.read_text().splitlines(keepends=True)
            a, b = DIFF_HEADER
            diff = difflib.unified_diff(old, new, a[4:], b[4:].format(name=name), n=3)
            return "".join(diff)
        if cmd == "show session-config":
            head = f"! Command: show session-config\n! device: {self.st.hostname} (vEOS-lab stand-in)\n!\n"
            return head + path.read_text() + "end\n"
        if cmd in ("end", "exit"):
            self.session = None
            return ""
        if cmd == "abort":
            path.unlink()
            self.session = None
            return ""
        if cmd == "commit":
            self.st.running = path.read_text()
            path.unlink()
            self.session = None
            return ""
        m = re.fullmatch(r"commit timer (\d\d):(\d\d):(\d\d)", cmd)
        if m:
            secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
            if secs <= 0:
                return "% Invalid input (at token 2: timer must be at least 00:00:01)\n"
            rollback = self.st.running
            self.st.running = path.read_text()
            path.unlink()
            self.st.start_pending(name, secs, rollback)
            self.session = None
            return ""
        if cmd.startswith("show "):
            return self._exec(cmd)
        text = path.read_text()
        indented = raw[:1] == " "
        if not indented and cmd.split()[0] not in TOP_LEVEL:
            return f"% Invalid input (at token 0: '{cmd.split()[0]}')\n"
        if indented and not text.strip():
            return "% Invalid input (no parent mode for an indented line)\n"
        with path.open("a") as fh:
            fh.write(raw.rstrip() + "\n")
        return ""


def paged(out: str, length: int) -> None:
    lines = out.splitlines(keepends=True)
    if length == 0 or len(lines) <= length:
        sys.stdout.write(out)
        return
    for i in range(0, len(lines), length - 1):
        sys.stdout.write("".join(lines[i : i + length - 1]))
        if i + length - 1 < len(lines):
            sys.stdout.write(" --More-- ")
            sys.stdout.flush()
            if not sys.stdin.readline():
                raise SystemExit(0)
            sys.stdout.write("\r          \r")


def main(root: str) -> None:
    st = DeviceState(root)
    cli = EosCli(st)
    sys.stdout.write(f"Last login: stand-in\n{cli.prompt}")
    sys.stdout.flush()
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        out = cli.handle(line)
        paged(out, cli.length)
        sys.stdout.flush()
        st.fault(line.strip(), when="after")
        sys.stdout.write(cli.prompt)
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
