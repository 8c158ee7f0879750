"""The ``sonic`` platform: SONiC through its host CLI on the device's shell session
(``toolkit.session``: exec channels with exit status, SFTP; identity verified on open).

- identity and version first: ``show version`` must say SONiC, and a release of
  ``toolkit/platforms/sonic.yml`` (``os_versions``); anything else is refused before a change;
- running state: ``show runningconfiguration all`` (CONFIG_DB, canonical JSON) and the FRR
  running config of the ``bgp`` container (``vtysh -c 'show running-config'``, split-unified
  mode: FRR is configured through vtysh, not from CONFIG_DB);
- prepare: the rendered ``config_db.json`` merged into the running CONFIG_DB (:func:`merged_db`:
  a rendered table replaces the running one key by key, a rendered row keeps the fields of the
  running row it does not set -- the image's ``lanes`` / ``alias`` / ``index`` of a PORT --, tables
  aidc does not render stay as they are) is uploaded and checked with ``config replace
  --dry-run`` (Generic Config Updater + YANG); the rendered ``frr.conf`` goes into the container
  (``docker cp``) and is checked by ``frr-reload.py --test``; the cages whose breakout mode must
  change (:func:`breakout_changes`: the modes of the rendered BREAKOUT_CFG and ``breakout.sh``
  against the device's BREAKOUT_CFG; a cage already in its mode is left alone) are listed; the
  plan of the device is the breakout changes, the table/field diff and frr-reload's pending lines;
- activate: ``config checkpoint aidc-<id>``, a rollback watchdog started on the device itself
  (``setsid`` shell: after the confirm timeout it breaks the changed cages out back to their
  previous modes, runs ``config rollback aidc-<id>`` and reloads the backup FRR config unless
  the confirm claimed its pending marker first, whether or not the SSH session is still there;
  both claim the marker by a rename, so exactly one of them acts, and a restore that finds the
  watchdog rolling back waits for it instead of rolling back beside it), then
  SONiC's dynamic port breakout of each changed cage (``config interface breakout <parent>
  '<mode>' -y -f``: the cage's old ports go with everything that references them, the mode's
  ports are created from the platform's platform.json), the CONFIG_DB read again and the
  rendered tables merged onto what the breakout left, ``config replace`` and ``frr-reload.py
  --reload``;
- confirm: the marker removed and the watchdog stopped, ``config save -y``, ``vtysh -c 'write
  memory'``, the checkpoint deleted;
- restore: watchdog stopped, the changed cages broken out back to their previous modes, ``config
  rollback aidc-<id>``, the backup FRR config reloaded; a device that cannot be reached is rolled
  back by the watchdog (``toolkit.drivers.confirm``).
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Collection, Iterable
from typing import Any

from toolkit.drivers.confirm import ConfirmDriver, first_group
from toolkit.drivers.frr import frr_test_changes, normalize_frr
from toolkit.drivers.state import DriverError

FILES: tuple[str, ...] = ("config_db.json", "frr.conf")
BREAKOUT_FILE = "breakout.sh"
"""Rendered only for a switch with re-laid out cages (``toolkit.render.platforms.sonic``)."""
UPLOAD_DIR = "/tmp"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
DPB_SECONDS = 30
"""Time the rollback watchdog allows per cage broken out, before the confirm timeout counts."""
WATCHDOG_GRACE = 120
"""Time a watchdog already rolling back gets for its rollback and FRR reload, beyond its
breakouts (``DPB_SECONDS`` each), before the restore stops it and finishes the job itself."""
SEPARATOR = "\n!! FRR (bgp container) running-config\n"
_VERSION = re.compile(r"SONiC Software Version:\s*SONiC\.(?:[A-Za-z_-]*)?(\d{6})")
_DPB = re.compile(r"^config interface breakout (Ethernet\d+) '([^']+)' -y -f$")


def canonical_db(text: str) -> str:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise DriverError(f"CONFIG_DB is not JSON: {str(exc)[:200]}") from exc
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def merged_db(running: dict[str, Any], rendered: dict[str, Any]) -> dict[str, Any]:
    """The running CONFIG_DB with every table aidc renders replaced by the rendered one, key by
    key (a key aidc no longer renders goes); a rendered row keeps the running row's fields it does
    not set (the image's lanes / alias / index of a PORT: mandatory in SONiC's YANG)."""
    out = dict(running)
    for table, rows in rendered.items():
        old = running.get(table, {})
        out[table] = {k: {**old.get(k, {}), **row} for k, row in rows.items()}
    return out


def _port_no(name: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", name)
    return (int(digits) if digits else -1, name)


def breakout_modes(rendered: dict[str, Any], script: str | None) -> tuple[dict[str, str], set[str]]:
    """(parent port -> breakout mode aidc wants, the parents ``breakout.sh`` re-lays out): the
    rendered BREAKOUT_CFG and the DPB commands of ``breakout.sh``, which must agree; any other
    line of the script is refused (the driver runs SONiC's breakout command, never the script)."""
    want = {p: str(row["brkout_mode"]) for p, row in rendered.get("BREAKOUT_CFG", {}).items() if row.get("brkout_mode")}
    relaid: set[str] = set()
    for n, line in enumerate((script or "").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#") or text == "set -e":
            continue
        m = _DPB.match(text)
        if m is None:
            raise DriverError(f"{BREAKOUT_FILE}:{n}: not a dynamic port breakout command: {text[:120]!r}")
        parent, mode = m.groups()
        if want.setdefault(parent, mode) != mode:
            raise DriverError(
                f"{BREAKOUT_FILE}:{n}: {parent} {mode!r} disagrees with BREAKOUT_CFG of config_db.json "
                f"({want[parent]!r}): render the switch again"
            )
        relaid.add(parent)
    return want, relaid


def breakout_changes(
    running: dict[str, Any], want: dict[str, str], relaid: Collection[str] = ()
) -> tuple[tuple[str, str | None, str], ...]:
    """(parent, current mode, wanted mode) of every cage whose mode must change, in port order: a
    cage already in its mode is skipped; a cage without a BREAKOUT_CFG entry on the device only
    when ``breakout.sh`` re-lays it out (then the device says whether it can)."""
    have = {p: row.get("brkout_mode") for p, row in running.get("BREAKOUT_CFG", {}).items()}
    return tuple(
        (p, have.get(p), mode)
        for p, mode in sorted(want.items(), key=lambda kv: _port_no(kv[0]))
        if have.get(p) != mode and (have.get(p) is not None or p in relaid)
    )


def dpb_command(parent: str, mode: str) -> str:
    """SONiC's dynamic port breakout of one cage (``-f``: remove what references its old ports)."""
    return f"config interface breakout {parent} {shlex.quote(mode)} -y -f"


def db_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``- TABLE|key field=value`` / ``+ ...`` lines between two CONFIG_DBs."""
    def flat(db: dict[str, Any]) -> set[str]:
        return {
            f"{t}|{k} {f}={json.dumps(v) if not isinstance(v, str) else v}"
            for t, rows in db.items()
            for k, row in rows.items()
            for f, v in row.items()
        }

    a, b = flat(old), flat(new)
    return [f"- {x}" for x in sorted(a - b)] + [f"+ {x}" for x in sorted(b - a)]


def sonic_release(show_version: str) -> str | None:
    """The release (YYYYMM) in `show version` output."""
    return first_group(_VERSION, show_version)


class SonicDriver(ConfirmDriver):
    """One SONiC switch through its host CLI."""

    files = FILES
    optional_files = (BREAKOUT_FILE,)
    config_name = "SONiC CONFIG_DB and FRR configuration"
    rendered: dict[str, Any] | None = None
    """The rendered CONFIG_DB tables (``stage``), merged again after a breakout."""
    breakouts: tuple[tuple[str, str | None, str], ...] = ()
    """(parent, previous mode, new mode) of the cages this apply breaks out (``stage``)."""

    def sudo(self, command: str) -> str:
        return f"sudo -n {command}" if self.access.sudo else command

    def path(self, what: str) -> str:
        return f"{UPLOAD_DIR}/{self.tag}-{what}"

    @property
    def checkpoint(self) -> str:
        return self.tag

    def connect(self) -> None:
        super().connect()
        from toolkit.platforms import get

        shown = self.run("show version").stdout
        release = sonic_release(shown)
        known = get("sonic").os_versions
        if release is None:
            self.close()
            raise DriverError(f"{self.access.name}: `show version` shows no SONiC release: the device is not SONiC")
        if known and release not in known:
            self.close()
            raise DriverError(
                f"{self.access.name}: SONiC {release} is not a release aidc supports ({', '.join(known)}); "
                "nothing changed"
            )

    # -- reading

    def read_db(self) -> dict[str, Any]:
        text = self.run(self.sudo("show runningconfiguration all")).stdout
        try:
            doc: dict[str, Any] = json.loads(text)
        except ValueError as exc:
            raise DriverError(f"{self.access.name}: the running CONFIG_DB is not JSON: {str(exc)[:200]}") from exc
        return doc

    def read_frr(self) -> str:
        raw = self.run(self.sudo("vtysh -c 'show running-config'")).stdout
        return normalize_frr(raw)

    def read_config(self) -> str:
        return json.dumps(self.read_db(), indent=1, sort_keys=True) + SEPARATOR + self.read_frr()

    def runs_candidate(self, read_back: str) -> bool:
        """CONFIG_DB must be the merged one (FRR prints its own normal form: not compared)."""
        return self.candidate is None or read_back.split(SEPARATOR, 1)[0] == self.candidate.split(SEPARATOR, 1)[0]

    # -- steps

    def _frr(self, local: str, name: str, mode: str) -> str:
        self.run(self.sudo(f"docker cp {shlex.quote(local)} bgp:/etc/frr/{name}"), what="docker cp")
        res = self.run(
            self.sudo(f"docker exec bgp {FRR_RELOAD} {mode} --stdout /etc/frr/{name}"), what=f"frr-reload.py {mode}"
        )
        return res.stdout

    def stage(self, files: dict[str, str]) -> list[str]:
        try:
            rendered = json.loads(files["config_db.json"])
        except ValueError as exc:
            raise DriverError(f"{self.access.name}: rendered config_db.json is not JSON: {exc}") from exc
        running = self.read_db()
        try:
            want, relaid = breakout_modes(rendered, files.get(BREAKOUT_FILE))
        except DriverError as exc:
            raise DriverError(f"{self.access.name}: {exc}") from exc
        self.rendered = rendered
        self.breakouts = breakout_changes(running, want, relaid)
        merged = merged_db(running, rendered)
        self._put_db(merged)
        self.conn.put_file(self.path("frr.conf"), files["frr.conf"], 0o600)
        self.conn.put_file(self.path("frr-backup.conf"), self.read_frr(), 0o600)
        try:
            self.run(self.sudo(f"config replace --dry-run {self.path('config_db.json')}"), what="config replace")
            pending = frr_test_changes(self._frr(self.path("frr.conf"), "aidc-intended.conf", "--test"))
        except DriverError:
            self._cleanup()
            raise
        plan = [f"~ breakout {p} {old or '(none)'} -> {new}" for p, old, new in self.breakouts]
        return plan + db_diff(running, merged) + pending

    def _put_db(self, merged: dict[str, Any]) -> None:
        """Upload the CONFIG_DB to replace the running one; it is what must run after the commit."""
        text = json.dumps(merged, indent=1, sort_keys=True)
        self.conn.put_file(self.path("config_db.json"), text + "\n", 0o600)
        self.candidate = text + SEPARATOR

    def _breakout(self, changes: Iterable[tuple[str, str]]) -> None:
        for parent, mode in changes:
            self.run(self.sudo(dpb_command(parent, mode)), what=f"config interface breakout {parent} {mode}")

    def _breakout_back(self, db: dict[str, Any]) -> None:
        """Break the cages this apply changed out again to their modes in ``db`` (a backup)."""
        if not self.breakouts:
            return
        want = {p: str(r["brkout_mode"]) for p, r in db.get("BREAKOUT_CFG", {}).items() if r.get("brkout_mode")}
        now = self.read_db()
        self._breakout([(p, m) for p, _o, m in breakout_changes(now, want) if any(p == b[0] for b in self.breakouts)])

    def watchdog(self, seconds: int) -> str:
        """Shell script rolling the device back once the device's clock passes the deadline in
        its ``deadline`` file (``_arm``) unless the confirm claimed the marker first."""
        s = self.sudo
        marker = shlex.quote(self.path("pending"))
        firing = shlex.quote(self.path("firing"))
        deadline = shlex.quote(self.path("deadline"))
        return "\n".join(
            [
                "#!/bin/sh",
                f"# aidc rollback watchdog for {self.access.name}: rolls back unless confirmed within {seconds} s",
                "# of the end of the push (the deadline file holds the device time it fires at)",
                "while :; do",
                f"  d=$(cat {deadline} 2>/dev/null) || exit 0  # no deadline: confirmed or cancelled",
                "  case $d in ''|*[!0-9]*) sleep 1; continue ;; esac  # never read as passed",
                '  [ "$(date +%s)" -ge "$d" ] && break',
                "  sleep 1",
                "done",
                "# claim the rollback by a rename: the confirm or the restore claims it the same way,",
                "# so exactly one of them acts",
                f"mv -f {marker} {firing} 2>/dev/null || exit 0",
                *(s(dpb_command(p, old)) for p, old, _new in reversed(self.breakouts) if old is not None),
                s(f"config rollback {self.checkpoint}"),
                s(f"docker cp {shlex.quote(self.path('frr-backup.conf'))} bgp:/etc/frr/aidc-backup.conf"),
                s(f"docker exec bgp {FRR_RELOAD} --reload --stdout /etc/frr/aidc-backup.conf"),
                f"touch {shlex.quote(self.path('fired'))}; rm -f {deadline} {firing}",
                "",
            ]
        )

    def _arm(self, seconds: int) -> str:
        """Shell command setting the watchdog's deadline ``seconds`` from now (device clock). The
        new deadline is written beside the file and renamed over it: a watchdog reading while
        ``>`` truncates the file would see no deadline at all and roll back in the middle of
        the push (it did, under load, once in about five re-arms)."""
        new = shlex.quote(self.path("deadline.new"))
        return f"echo $(( $(date +%s) + {int(seconds)} )) > {new} && mv -f {new} {shlex.quote(self.path('deadline'))}"

    def commit_with_timer(self, seconds: int) -> None:
        self.run(self.sudo(f"config checkpoint {self.checkpoint}"), what="config checkpoint")
        self.conn.put_file(self.path("watchdog.sh"), self.watchdog(seconds), 0o700)
        marker = shlex.quote(self.path("pending"))
        # SONiC takes seconds per cage it breaks out: the watchdog allows DPB_SECONDS for each
        # one on top of the confirm timeout, re-armed after each cage (a device lost in the middle
        # of the breakout still rolls back soon)
        self.run(
            f"{self._arm(seconds + (DPB_SECONDS if self.breakouts else 0))} && touch {marker} && "
            f"(setsid sh {shlex.quote(self.path('watchdog.sh'))} </dev/null >/dev/null 2>&1 & "
            f"echo $! > {shlex.quote(self.path('watchdog.pid'))})",
            what="start the rollback watchdog",
        )
        if self.breakouts:  # DPB first: the rendered ports exist only once their cage is re-laid out
            for i, (parent, _old, mode) in enumerate(self.breakouts, 1):
                more = DPB_SECONDS if i < len(self.breakouts) else 0
                self.run(
                    f"{self.sudo(dpb_command(parent, mode))} && {self._arm(seconds + more)}",
                    what=f"config interface breakout {parent} {mode}",
                )
                self.deadline = time.time() + seconds + more
            assert self.rendered is not None
            self._put_db(merged_db(self.read_db(), self.rendered))
        self.run(self.sudo(f"config replace {self.path('config_db.json')}"), what="config replace")
        self._frr(self.path("frr.conf"), "aidc-intended.conf", "--reload")

    def _stop_watchdog(self) -> bool:
        """Stop the watchdog; True when a commit was still waiting for its confirm (then nothing
        was rolled back). The pending marker is claimed by a rename, as the watchdog claims it:
        when the watchdog won, it is rolling the device back already and this waits until it
        is done (at most the time its breakouts may take) instead of rolling back beside it."""
        marker = shlex.quote(self.path("pending"))
        claimed = shlex.quote(self.path("claimed"))
        firing = shlex.quote(self.path("firing"))
        pidf = shlex.quote(self.path("watchdog.pid"))
        running = f"[ -e {firing} ] && [ -s {pidf} ] && kill -0 $(cat {pidf}) 2>/dev/null && echo firing"
        out = self.run(
            f"if mv -f {marker} {claimed} 2>/dev/null; then rm -f {claimed}; echo pending; "
            f"elif [ -e {shlex.quote(self.path('fired'))} ]; then echo fired; else {running}; fi; true",
            what="stop the rollback watchdog",
        ).stdout
        pending = "pending" in out
        self.rolled_back_by_device = "fired" in out or "firing" in out
        if not pending and "firing" in out:
            until = time.monotonic() + WATCHDOG_GRACE + DPB_SECONDS * len(self.breakouts)
            while time.monotonic() < until and "firing" in self.run(
                f"{running}; true", what="wait for the rollback watchdog"
            ).stdout:
                time.sleep(1)
        # a watchdog still rolling back after that is stopped: the restore compares the device
        # with the backup and puts back whatever it left undone
        self.run(
            f"[ -s {pidf} ] && kill -- -$(cat {pidf}) 2>/dev/null; rm -f {pidf} {firing}; true",
            what="stop the rollback watchdog",
        )
        return pending

    def commit_confirm(self) -> None:
        if not self._stop_watchdog():
            raise DriverError(
                f"{self.access.name}: the device rolled the commit back before the confirm arrived (its rollback "
                f"watchdog ran after {self.confirm_seconds} s)"
            )
        self.run(self.sudo("config save -y"), what="config save")
        self.run(self.sudo("vtysh -c 'write memory'"), what="vtysh write memory")
        self.run(self.sudo(f"config delete-checkpoint {self.checkpoint}"), check=False)
        self._cleanup()

    def cancel_pending(self) -> None:
        if self._stop_watchdog():
            self._breakout_back({"BREAKOUT_CFG": {p: {"brkout_mode": old} for p, old, _n in self.breakouts if old}})
            self.run(self.sudo(f"config rollback {self.checkpoint}"), what="config rollback")
            self._frr(self.path("frr-backup.conf"), "aidc-backup.conf", "--reload")
        self.run(self.sudo(f"config delete-checkpoint {self.checkpoint}"), check=False)
        self._cleanup()

    def replace_config(self, text: str) -> None:
        db, _sep, frr = text.partition(SEPARATOR)
        self._breakout_back(json.loads(db))
        self.conn.put_file(self.path("restore.json"), db, 0o600)
        self.run(self.sudo(f"config replace {self.path('restore.json')}"), what="config replace")
        self.conn.put_file(self.path("frr-restore.conf"), frr, 0o600)
        self._frr(self.path("frr-restore.conf"), "aidc-backup.conf", "--reload")
        self._cleanup()

    def _cleanup(self) -> None:
        if self.conn is not None:
            names = " ".join(
                shlex.quote(self.path(n))
                for n in ("config_db.json", "frr.conf", "frr-backup.conf", "restore.json", "frr-restore.conf",
                          "watchdog.sh", "deadline", "deadline.new", "firing", "claimed", "fired")
            )
            self.run(f"rm -f {names}", check=False)
