"""STAND-IN for the SONiC host CLI (see ``tests.standins``): ``config``, ``show``, ``vtysh`` and
``docker`` as commands in a real bash, the few the ``sonic`` driver uses.

- ``show version`` (``SONiC Software Version: SONiC.202311...``), ``show runningconfiguration
  all`` (the running CONFIG_DB as JSON: ``running``);
- ``config checkpoint <name>`` / ``config rollback <name>`` / ``config delete-checkpoint
  <name>`` (Generic Config Updater checkpoints of CONFIG_DB), ``config save -y``;
- ``config interface breakout <parent> <mode> -y -f`` (dynamic port breakout): the cage's ports
  of its current mode are deleted with every entry that references them, the mode's ports are
  created as the platform's ``platform.json`` describes them and BREAKOUT_CFG records the mode --
  the DPB stand-in of ``tests/vendor/sonic_check.py`` on the vendor data of the platform the
  running DEVICE_METADATA names (``../shared/vendor/sonic/platform``); a parent or mode the
  platform does not offer is refused (exit 1, nothing changed), as is a missing ``-y``
  (SONiC asks first) or a breakout that would remove references without ``-f``; a cage already
  in the mode is left alone;
- ``config replace [--dry-run] <file>``: the file becomes the running CONFIG_DB; refused (exit 1,
  nothing changed) unless every table has SONiC's shape: ``{"TABLE": {"key": {"field": "string"
  or ["strings"]}}}`` with upper-case table names and ``DEVICE_METADATA|localhost`` present
  (the stand-in's check; the real YANG models are applied to the rendered files by tests/vendor);
- FRR of the ``bgp`` container (split-unified mode): ``docker cp <file> bgp:/etc/frr/<name>``,
  ``docker exec bgp /usr/lib/frr/frr-reload.py --test|--reload --stdout <file>`` (checked by the
  REAL FRR parser, ``vtysh --dryrun``, when it is installed), ``vtysh -c 'show running-config'``
  and ``vtysh -c 'write memory'``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vendor"))  # sonic_check (DPB on vendor data)

from tests.standins.core import DeviceState

REAL_VTYSH = "/usr/bin/vtysh"


def shape_error(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return "config_db must be a JSON object of tables"
    for table, rows in doc.items():
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", str(table)):
            return f"table {table!r}: not a CONFIG_DB table name"
        if not isinstance(rows, dict):
            return f"table {table}: must map keys to rows"
        for key, row in rows.items():
            if not isinstance(row, dict):
                return f"{table}|{key}: a row must be an object of fields"
            for field, value in row.items():
                ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
                if not ok:
                    return f"{table}|{key}|{field}: values are strings (or lists of strings), not {value!r}"
    if "localhost" not in doc.get("DEVICE_METADATA", {}):
        return "DEVICE_METADATA|localhost is missing"
    return None


class Sonic:
    def __init__(self, st: DeviceState) -> None:
        self.st = st
        self.frr = st.root / "frr"
        self.frr.mkdir(exist_ok=True)
        self.ckpt = st.root / "checkpoints"
        self.ckpt.mkdir(exist_ok=True)

    def out(self, text: str) -> int:
        sys.stdout.write(text)
        return 0

    def fail(self, text: str) -> int:
        sys.stderr.write(text.rstrip("\n") + "\n")
        return 1

    def show(self, args: list[str]) -> int:
        a = " ".join(args)
        if a == "version":
            return self.out(
                "\nSONiC Software Version: SONiC.202311.1-aidc-standin\nDistribution: Debian 12\n"
                f"Platform: x86_64-standin\nHwSKU: standin\nHostname: {self.st.hostname}\n"
            )
        if a == "runningconfiguration all":
            return self.out(self.st.running or "{}\n")
        return self.fail(f"Error: unsupported (stand-in): show {a}")

    def config(self, args: list[str]) -> int:
        a = " ".join(args)
        m = re.fullmatch(r"checkpoint (\S+)", a)
        if m:
            (self.ckpt / f"{m.group(1)}.json").write_text(self.st.running)
            return self.out(f"Config Checkpoint {m.group(1)} created successfully.\n")
        m = re.fullmatch(r"rollback (\S+)", a)
        if m:
            p = self.ckpt / f"{m.group(1)}.json"
            if not p.exists():
                return self.fail(f"Error: checkpoint {m.group(1)} does not exist")
            self.st.running = p.read_text()
            self.st.log(f"# rolled back: config rollback {m.group(1)}")
            return self.out("Config rolled back successfully.\n")
        m = re.fullmatch(r"delete-checkpoint (\S+)", a)
        if m:
            (self.ckpt / f"{m.group(1)}.json").unlink(missing_ok=True)
            return 0
        if a == "save -y":
            (self.st.root / "saved_config_db.json").write_text(self.st.running)
            return 0
        if args[:2] == ["interface", "breakout"]:
            return self.breakout(args[2:])
        m = re.fullmatch(r"replace( --dry-run| -d)? (\S+)", a)
        if m:
            path = Path(m.group(2))
            try:
                doc = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                return self.fail(f"Error: {path}: {exc}")
            why = shape_error(doc)
            if why:
                return self.fail(f"Error: Failed to apply patch: YANG validation failed: {why}")
            if m.group(1):
                return self.out("Config replaced successfully (dry run).\n")
            self.st.running = json.dumps(doc, indent=4, sort_keys=True) + "\n"
            return self.out("Config replaced successfully.\n")
        return self.fail(f"Error: unsupported (stand-in): config {a}")

    def breakout(self, args: list[str]) -> int:
        from sonic_check import dynamic_breakout

        flags = {x for x in args if x.startswith("-")}
        pos = [x for x in args if not x.startswith("-")]
        if len(pos) != 2 or not flags <= {"-y", "-f", "--yes", "--force-remove-dependencies"}:
            return self.fail("Usage: config interface breakout <interface_name> <mode> [-y] [-f]")
        parent, mode = pos
        db = json.loads(self.st.running or "{}")
        current = db.get("BREAKOUT_CFG", {}).get(parent, {}).get("brkout_mode")
        if current == mode:
            return self.out(f"[WARNING] {parent} is already in breakout mode {mode}: nothing to do\n")
        platform = db.get("DEVICE_METADATA", {}).get("localhost", {}).get("platform", "")
        new, refused = dynamic_breakout(db, platform, [(parent, mode)])
        if refused:
            return self.fail(f"[ERROR] {refused[0]} (platform {platform or '?'})")
        if not flags & {"-y", "--yes"}:
            return self.fail("Do you want to Breakout the port, continue? [y/N]: Aborted!")
        dependents = {t for t in db if t not in ("PORT", "BREAKOUT_CFG") and db[t] != new.get(t)}
        if dependents and not flags & {"-f", "--force-remove-dependencies"}:
            return self.fail(f"[ERROR] ports of {parent} are referenced by {', '.join(sorted(dependents))}: use -f")
        self.st.running = json.dumps(new, indent=4, sort_keys=True) + "\n"
        return self.out(f"Breakout process got successfully completed.\n{parent} is now in mode {mode}\n")

    def _in_container(self, path: str) -> Path:
        if not path.startswith("/etc/frr/"):
            raise ValueError(f"{path}: not under /etc/frr of the bgp container")
        return self.frr / path[len("/etc/frr/"):]

    def docker(self, args: list[str]) -> int:
        if len(args) == 3 and args[0] == "cp" and args[2].startswith("bgp:"):
            shutil.copyfile(args[1], self._in_container(args[2][4:]))
            return 0
        if args[:3] == ["exec", "bgp", "/usr/lib/frr/frr-reload.py"]:
            mode = next((x for x in args if x in ("--test", "--reload")), None)
            conf = self._in_container(args[-1])
            if mode is None or not conf.is_file():
                return self.fail(f"frr-reload.py: bad arguments {args[3:]}")
            if Path(REAL_VTYSH).exists():
                cp = subprocess.run([REAL_VTYSH, "--dryrun", "-f", str(conf)], capture_output=True, text=True)
                if cp.returncode != 0:
                    return self.fail(f"ERROR: vtysh failed to process new configuration: {cp.stdout}{cp.stderr}")
            if mode == "--reload":  # FRR prints the configuration once, with one final `end`
                lines = conf.read_text().rstrip("\n").splitlines()
                while lines and lines[-1].strip() in ("end", ""):
                    lines.pop()
                (self.st.root / "frr_running").write_text("".join(f"{ln}\n" for ln in lines))
            return self.out("Lines To Add\n============\n" if mode == "--test" else "")
        return self.fail(f"Error: unsupported (stand-in): docker {' '.join(args)}")

    def vtysh(self, args: list[str]) -> int:
        if args == ["-c", "show running-config"]:
            text = (self.st.root / "frr_running").read_text() if (self.st.root / "frr_running").exists() else ""
            return self.out("Building configuration...\n\nCurrent configuration:\n!\nfrr version 8.5-sonic\n"
                            + text + "end\n")
        if args == ["-c", "write memory"]:
            return self.out("Building Configuration...\n[OK]\n")
        return self.fail(f"% Unknown command (stand-in): vtysh {' '.join(args)}")


def main() -> None:
    st = DeviceState(os.environ["AIDC_STANDIN_DIR"])
    tool, args = sys.argv[1], sys.argv[2:]
    line = " ".join([tool, *args])
    st.log(line)
    st.fault(line)
    with st.locked():
        rc = getattr(Sonic(st), tool)(args)
    st.fault(line, when="after")
    raise SystemExit(rc)


if __name__ == "__main__":
    main()
