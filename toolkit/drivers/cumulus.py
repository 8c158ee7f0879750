"""The ``cumulus`` platform: NVIDIA Cumulus Linux 5.x through NVUE's ``nv`` CLI, on the device's
shell session (``toolkit.session``: exec channels with exit status, SFTP; identity verified).

- running state: ``nv config show -r applied -o yaml`` (the applied revision, as NVUE prints it);
- prepare: upload the rendered ``startup.yaml`` and ``nv config replace`` it into the pending
  revision (NVUE validates it against its object model: a refused file changes nothing);
  ``nv config diff`` is the plan of the device, ``nv config show -r pending -o yaml`` what must
  be applied after the commit (checked before the confirm);
- activate: note the applied revision (``nv config history``), then ``nv config apply --confirm
  <N>s -y``: NVUE applies it and rolls back to the previous revision by itself unless it is
  confirmed within N seconds (the per-platform confirm timeout);
- confirm: ``nv config apply -y`` once the device answered after the push; the new revision of
  ``nv config history`` is kept in ``revision``;
- restore: with a confirm pending (``nv config apply --confirm-status``) the revision noted
  before is applied again (``nv config apply <rev> -y``), the pending revision is dropped
  (``nv config detach``); a device still differing from the backup gets the backup YAML
  replaced and applied. A device that cannot be reached rolls back by itself when the confirm
  time runs out (``toolkit.drivers.confirm``).
"""

from __future__ import annotations

import re
import shlex

from toolkit.drivers.confirm import ConfirmDriver, first_group
from toolkit.drivers.state import DriverError

FILES: tuple[str, ...] = ("startup.yaml",)
UPLOAD_DIR = "/tmp"
_REV = re.compile(r"rev-id:\s*'?(\d+)'?")


def normalize_nvue(text: str) -> str:
    """NVUE YAML as printed, without carriage returns and trailing blank lines."""
    lines = [ln.rstrip() for ln in text.replace("\r", "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def diff_lines(diff: str) -> list[str]:
    return [x for x in diff.splitlines() if x[:1] in "+-" and not x.startswith(("+++", "---"))]


def latest_revision(history: str) -> str | None:
    """The newest revision id in ``nv config history`` output (listed first)."""
    return first_group(_REV, history)


class CumulusDriver(ConfirmDriver):
    """One Cumulus Linux switch through ``nv``."""

    files = FILES
    config_name = "NVUE applied configuration"
    revision: str | None = None
    """The revision ``nv config history`` shows after the confirm."""
    revision_before: str | None = None

    @property
    def upload(self) -> str:
        return f"{UPLOAD_DIR}/{self.tag}.yaml"

    def read_config(self) -> str:
        return normalize_nvue(self.run("nv config show -r applied -o yaml").stdout)

    def _revision(self) -> str | None:
        return latest_revision(self.run("nv config history").stdout)

    def _replace(self, text: str) -> None:
        self.conn.put_file(self.upload, text, 0o600)
        self.run(f"nv config replace {shlex.quote(self.upload)}", what="nv config replace")

    def _cleanup(self) -> None:
        if self.conn is not None:
            self.run(f"rm -f {shlex.quote(self.upload)}", check=False)

    def stage(self, files: dict[str, str]) -> list[str]:
        try:
            self._replace(files["startup.yaml"])
        except DriverError:
            self.run("nv config detach", check=False)
            self._cleanup()
            raise
        self.candidate = normalize_nvue(self.run("nv config show -r pending -o yaml").stdout)
        return diff_lines(self.run("nv config diff").stdout)

    def commit_with_timer(self, seconds: int) -> None:
        self.revision_before = self._revision()
        self.run(f"nv config apply --confirm {int(seconds)}s -y")

    def commit_confirm(self) -> None:
        self.run("nv config apply -y")
        self.revision = self._revision()
        self._cleanup()

    def cancel_pending(self) -> None:
        status = self.run("nv config apply --confirm-status", check=False).stdout
        if self.revision_before and re.search(r"\bpending\b", status, flags=re.I) and "No pending" not in status:
            self.run(f"nv config apply {shlex.quote(self.revision_before)} -y")
        self.run("nv config detach", check=False)
        self._cleanup()

    def replace_config(self, text: str) -> None:
        self._replace(text)
        self.run("nv config apply -y")
        self._cleanup()
