"""What a driver reads from and reports about a device (the contract with plan, apply, store).

The steps of a switch apply, in the order the engine (``toolkit.plan.apply``) calls them on a
driver (``toolkit.drivers.linux.LinuxDriver`` and its subclasses):

``read_running`` -> ``backup`` -> ``prepare(files)`` (upload and validate; nothing runs yet) ->
``activate()`` -> ``read_running`` (the device answers and its state is read back) ->
``confirm()`` -> the record advances. On failure after ``prepare``: ``restore(backup)``.

``confirm()`` is the optional commit-confirm step: a driver whose ``activate`` committed with a
rollback timer (EOS ``commit timer``, NVUE ``apply --confirm``, a SONiC checkpoint with a
rollback timer) makes the commit permanent there, once the device is reachable and healthy
after the push; a device that stops answering is never confirmed and rolls back by itself when
the timer expires (``RestoreReport.pending_rollback`` says so). Drivers without a timer keep the
no-op of ``LinuxDriver.confirm``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pydantic import BaseModel, Field

from toolkit.netstate import NetSnapshot
from toolkit.session import DeviceError

DriverError = DeviceError
"""A device operation failed (the session's error type: one family for every device error)."""


class RunningState(BaseModel):
    """What a device runs now: its NOS configuration (FRR on a switch) and interface state."""

    frr: str | None = Field(default=None, description="normalised `show running-config` (None on servers)")
    net: NetSnapshot

    def fingerprint(self, sysctl_keys: Iterable[str] | None = None) -> str:
        """Hash of the FRR config and the interface state (sysctls: base + ``sysctl_keys``)."""
        h = hashlib.sha256()
        h.update((self.frr or "").encode())
        h.update(b"\0")
        h.update(self.net.restricted(sysctl_keys).canonical().encode())
        return h.hexdigest()


class Backup(BaseModel):
    device: str
    taken: float
    running: RunningState
    previous_network: str | None = Field(
        default=None, description="the aidc-network.json found on the device (last prepared), if any"
    )


class StepReport(BaseModel):
    step: str
    ok: bool
    seconds: float
    detail: str = ""


class RestoreReport(BaseModel):
    ok: bool
    steps: list[StepReport] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    message: str | None = Field(default=None, description="what happened, in plain words (None: the default)")
    pending_rollback: bool = Field(
        default=False,
        description="the device could not be restored now but was never confirmed: its commit timer rolls "
        "it back by itself (``message`` says when)",
    )
