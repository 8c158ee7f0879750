"""The ``sonic`` platform: SONiC through its host CLI on the device's shell session
(``toolkit.session``: exec channels with exit status, SFTP; identity verified on open).

- identity and version first: ``show version`` must say SONiC, and a release of
  ``toolkit.platforms.sonic`` (``os_versions``); anything else is refused before a change;
- running state: ``show runningconfiguration all`` (CONFIG_DB, canonical JSON) and the FRR
  running config of the ``bgp`` container (``vtysh -c 'show running-config'``, split-unified
  mode: FRR is configured through vtysh, not from CONFIG_DB);
- prepare: the rendered ``config_db.json`` merged into the running CONFIG_DB (a rendered table
  replaces the running one, tables aidc does not render stay as they are) is uploaded and
  checked with ``config replace --dry-run`` (Generic Config Updater + YANG); the rendered
  ``frr.conf`` goes into the container (``docker cp``) and is checked by ``frr-reload.py --test``;
  the plan of the device is the table/field diff plus frr-reload's pending lines;
- activate: ``config checkpoint aidc-<id>``, a rollback watchdog started on the device itself
  (``setsid`` shell: after the confirm timeout it runs ``config rollback aidc-<id>`` and reloads
  the backup FRR config unless the confirm removed its pending marker, whether or not the SSH
  session is still there), then ``config replace`` and ``frr-reload.py --reload``;
- confirm: the marker removed and the watchdog stopped, ``config save -y``, ``vtysh -c 'write
  memory'``, the checkpoint deleted;
- restore: watchdog stopped, ``config rollback aidc-<id>``, the backup FRR config reloaded; a
  device that cannot be reached is rolled back by the watchdog (``toolkit.drivers.confirm``).
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from toolkit.drivers.confirm import ConfirmDriver, first_group
from toolkit.drivers.frr import frr_test_changes, normalize_frr
from toolkit.drivers.state import DriverError

FILES: tuple[str, ...] = ("config_db.json", "frr.conf")
UPLOAD_DIR = "/tmp"
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"
SEPARATOR = "\n!! FRR (bgp container) running-config\n"
_VERSION = re.compile(r"SONiC Software Version:\s*SONiC\.(?:[A-Za-z_-]*)?(\d{6})")


def canonical_db(text: str) -> str:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise DriverError(f"CONFIG_DB is not JSON: {str(exc)[:200]}") from exc
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def merged_db(running: dict[str, Any], rendered: dict[str, Any]) -> dict[str, Any]:
    """The running CONFIG_DB with every table aidc renders replaced by the rendered one."""
    return {**running, **rendered}


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
    config_name = "SONiC CONFIG_DB and FRR configuration"

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
        merged = merged_db(running, rendered)
        self.conn.put_file(self.path("config_db.json"), json.dumps(merged, indent=1, sort_keys=True) + "\n", 0o600)
        self.conn.put_file(self.path("frr.conf"), files["frr.conf"], 0o600)
        self.conn.put_file(self.path("frr-backup.conf"), self.read_frr(), 0o600)
        try:
            self.run(self.sudo(f"config replace --dry-run {self.path('config_db.json')}"), what="config replace")
            pending = frr_test_changes(self._frr(self.path("frr.conf"), "aidc-intended.conf", "--test"))
        except DriverError:
            self._cleanup()
            raise
        self.candidate = json.dumps(merged, indent=1, sort_keys=True) + SEPARATOR
        return db_diff(running, merged) + pending

    def watchdog(self, seconds: int) -> str:
        """Shell script rolling the device back after ``seconds`` unless the marker is gone."""
        s = self.sudo
        marker = shlex.quote(self.path("pending"))
        return "\n".join(
            [
                "#!/bin/sh",
                f"# aidc rollback watchdog for {self.access.name}: rolls back unless confirmed within {seconds} s",
                f"sleep {int(seconds)}",
                f"[ -e {marker} ] || exit 0",
                s(f"config rollback {self.checkpoint}"),
                s(f"docker cp {shlex.quote(self.path('frr-backup.conf'))} bgp:/etc/frr/aidc-backup.conf"),
                s(f"docker exec bgp {FRR_RELOAD} --reload --stdout /etc/frr/aidc-backup.conf"),
                f"rm -f {marker}",
                "",
            ]
        )

    def commit_with_timer(self, seconds: int) -> None:
        self.run(self.sudo(f"config checkpoint {self.checkpoint}"), what="config checkpoint")
        self.conn.put_file(self.path("watchdog.sh"), self.watchdog(seconds), 0o700)
        marker = shlex.quote(self.path("pending"))
        self.run(
            f"touch {marker} && (setsid sh {shlex.quote(self.path('watchdog.sh'))} </dev/null >/dev/null 2>&1 & "
            f"echo $! > {shlex.quote(self.path('watchdog.pid'))})",
            what="start the rollback watchdog",
        )
        self.run(self.sudo(f"config replace {self.path('config_db.json')}"), what="config replace")
        self._frr(self.path("frr.conf"), "aidc-intended.conf", "--reload")

    def _stop_watchdog(self) -> bool:
        """Stop the watchdog; True when a commit was still waiting for its confirm."""
        marker = shlex.quote(self.path("pending"))
        pidf = shlex.quote(self.path("watchdog.pid"))
        out = self.run(
            f"if [ -e {marker} ]; then echo pending; fi; rm -f {marker}; "
            f"[ -s {pidf} ] && kill -- -$(cat {pidf}) 2>/dev/null; rm -f {pidf}; true",
            what="stop the rollback watchdog",
        ).stdout
        return "pending" in out

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
            self.run(self.sudo(f"config rollback {self.checkpoint}"), what="config rollback")
            self._frr(self.path("frr-backup.conf"), "aidc-backup.conf", "--reload")
        self.run(self.sudo(f"config delete-checkpoint {self.checkpoint}"), check=False)
        self._cleanup()

    def replace_config(self, text: str) -> None:
        db, _sep, frr = text.partition(SEPARATOR)
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
                          "watchdog.sh")
            )
            self.run(f"rm -f {names}", check=False)
