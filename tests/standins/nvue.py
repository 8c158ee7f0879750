"""STAND-IN for NVIDIA Cumulus Linux's ``nv`` CLI (NVUE), the few ``nv config`` commands the
``cumulus`` driver uses (see ``tests.standins``): ``nv <args>`` as a command in a real bash.

- ``nv config show -r applied|pending -o yaml``: the applied configuration (``running``) or the
  pending revision;
- ``nv config replace <file>``: the file becomes the pending revision; refused (exit 1, nothing
  pending) unless it is a YAML list of ``{header: ...}`` / ``{set: {...}}`` items whose top-level
  objects are NVUE's (``ROOT_OBJECTS``) and every ``set`` object is valid in the NVUE object model
  of the device's release (the ``release`` file of its state folder, default ``DEFAULT_RELEASE``):
  NVIDIA's models from PyPI ``nvueschema``, made strict by ``tests/vendor/nvue_check.py`` (unknown
  keys refused, on/off strings, no coercion) -- so a configuration written for another release
  (5.14's ``system syslog`` on a 5.11 switch) is refused as NVUE refuses it;
- ``nv config diff``: unified diff of applied against pending;
- ``nv config apply -y [--confirm <N>s]``: pending becomes applied (a new revision in ``nv config
  history``); with ``--confirm`` it rolls back to the previous revision unless ``nv config apply
  -y`` confirms within N seconds (timer in a detached process); without ``-y`` it asks ``Are you
  sure? [y/N]`` and stops on anything but ``y``;
- ``nv config apply <revision> -y``: that revision becomes applied (ends a pending confirm);
- ``nv config apply --confirm-status``, ``nv config detach``, ``nv config history``.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vendor"))  # nvue_check (strict NVUE models)

from tests.standins.core import DeviceState

DEFAULT_RELEASE = "5.14"
"""Cumulus Linux release of a stand-in without a ``release`` file."""
ROOT_OBJECTS = {
    "acl", "bridge", "evpn", "interface", "mlag", "nve", "platform", "qos", "router", "service",
    "system", "vrf", "header",
}


class NvueState(DeviceState):
    def revisions(self) -> list[dict[str, Any]]:
        return json.loads(self.read("history.json") or "[]")

    def add_revision(self, text: str, message: str) -> int:
        revs = self.revisions()
        rev = (revs[-1]["rev"] + 1) if revs else 1
        revs.append({"rev": rev, "time": time.time(), "message": message, "yaml": text})
        self.write("history.json", json.dumps(revs))
        return rev

    def on_rollback(self, pend: dict[str, Any]) -> None:
        self.add_revision(self.running, f"rollback of revision {pend['owner']} (confirm timeout)")


def check(text: str, release: str = DEFAULT_RELEASE) -> str | None:
    """Why NVUE ``release`` would refuse ``text`` (None: accepted)."""
    from nvue_check import NvueOracle, load

    try:
        doc = load(text)  # as NVUE reads it: on/off stay strings
    except yaml.YAMLError as exc:
        return f"Invalid config file: {str(exc).splitlines()[0]}"
    if not isinstance(doc, list):
        return "Invalid config file: expected a list of 'header'/'set' items"
    for item in doc:
        if not isinstance(item, dict) or not set(item) <= {"header", "set"}:
            return f"Invalid config file: unexpected item {str(item)[:60]}"
        obj = item.get("set")
        if obj is None:
            continue
        if not isinstance(obj, dict):
            return "Invalid config file: 'set' must be an object"
        bad = sorted(set(obj) - ROOT_OBJECTS)
        if bad:
            return f"Error: 'set' has unknown property '{bad[0]}' (not in the NVUE object model)"
        refused = NvueOracle(release).check_set(obj)
        if refused:
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            return f"Error: Invalid config for Cumulus Linux {release}: {refused[0]}{more}"
    return None


def nv(st: NvueState, args: list[str]) -> int:
    line = "nv " + " ".join(args)
    st.log(line)
    st.fault(line)
    with st.locked():
        st.expire_if_due()
        rc = _nv(st, args)
    st.fault(line, when="after")
    return rc


def _nv(st: NvueState, args: list[str]) -> int:
    a = " ".join(args)
    if a in ("config show -r applied -o yaml", "config show -o yaml"):
        sys.stdout.write(st.running)
        return 0
    if a == "config show -r pending -o yaml":
        sys.stdout.write(st.read("pending.yaml", st.running))
        return 0
    m = re.fullmatch(r"config replace (\S+)", a)
    if m:
        path = Path(m.group(1))
        if not path.is_file():
            sys.stderr.write(f"Error: {path}: no such file\n")
            return 1
        text = path.read_text()
        why = check(text, st.read("release").strip() or DEFAULT_RELEASE)
        if why:
            sys.stderr.write(why + "\n")
            return 1
        st.write("pending.yaml", text)
        return 0
    if a == "config diff":
        old = st.running.splitlines(keepends=True)
        new = st.read("pending.yaml", st.running).splitlines(keepends=True)
        sys.stdout.write("".join(difflib.unified_diff(old, new, "applied", "pending", n=2)))
        return 0
    if a == "config detach":
        (st.root / "pending.yaml").unlink(missing_ok=True)
        return 0
    if a == "config history":
        for r in reversed(st.revisions()):
            date = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r["time"]))
            sys.stdout.write(f"- rev-id: '{r['rev']}'\n  date: {date}\n  message: {r['message']}\n")
        return 0
    if a == "config apply --confirm-status":
        pend = st.pending()
        if pend:
            left = int(pend["deadline"] - time.time())
            sys.stdout.write(f"Pending confirm of revision {pend['owner']}: {left} s left\n")
        else:
            sys.stdout.write("No pending confirm\n")
        return 0
    m = re.fullmatch(r"config apply(?: (--confirm (\d+)s))?(?: (-y|--assume-yes))?", a)
    m_rev = re.fullmatch(r"config apply (\d+) (-y|--assume-yes)", a)
    if m_rev:
        revs = {r["rev"]: r for r in st.revisions()}
        rev = int(m_rev.group(1))
        if rev not in revs:
            sys.stderr.write(f"Error: revision {rev} does not exist\n")
            return 1
        st.clear_pending()
        st.running = revs[rev]["yaml"]
        st.add_revision(st.running, f"apply of revision {rev}")
        sys.stdout.write("applied\n")
        return 0
    if m:
        if not m.group(3):
            sys.stdout.write("Are you sure? [y/N] ")
            sys.stdout.flush()
            if sys.stdin.readline().strip().lower() != "y":
                sys.stderr.write("Declined\n")
                return 1
        pending = st.read("pending.yaml")
        pend = st.pending()
        if not pending:
            if pend and not m.group(1):
                st.clear_pending()
                st.log(f"# confirmed: revision {pend['owner']}")
                sys.stdout.write("applied\n")
                return 0
            sys.stdout.write("Warning: no pending configuration to apply\n")
            return 0
        if pend:
            sys.stderr.write(f"Error: revision {pend['owner']} is waiting for its confirm\n")
            return 1
        before = st.running
        st.running = pending
        (st.root / "pending.yaml").unlink()
        rev = st.add_revision(pending, "nv config apply")
        if m.group(1):
            st.start_pending(str(rev), int(m.group(2)), before)
        sys.stdout.write("applied\n")
        return 0
    sys.stderr.write(f"Error: unsupported command (stand-in): nv {a}\n")
    return 1


def main() -> None:
    import os

    st = NvueState(os.environ["AIDC_STANDIN_DIR"])
    args = sys.argv[2:] if len(sys.argv) > 1 and sys.argv[1] == "nv" else sys.argv[1:]
    raise SystemExit(nv(st, args))


if __name__ == "__main__":
    main()
