"""Desired state per device, taken from the rendered artifacts.

- switches: ``switches/<device>/<name>`` for every file the platform's apply driver applies
  (``files`` of the driver class, see ``toolkit.drivers``; ``frr``: frr.conf and network.json; the
  lab always runs FRR, a real target uses the device's own platform), and each of its
  ``optional_files`` the renderer wrote for that device (SONiC: ``breakout.sh``, only for a
  switch with re-laid out cages);
- servers: ``ansible/host_vars/<host>.yml``, the data the network playbook applies.
"""

from __future__ import annotations

import yaml
from pydantic import BaseModel, ConfigDict, Field

from toolkit.design.model import Fabric
from toolkit.drivers import driver_for
from toolkit.targets import Target

SERVER_FILE = "host_vars.yml"


class DesiredFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    artifact: str
    text: str


class DesiredDevice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str
    kind: str
    role: str
    platform: str
    files: dict[str, DesiredFile] = Field(default_factory=dict)
    error: str | None = None


def artifact_paths(device: str, kind: str, platform: str) -> dict[str, str]:
    """File name -> artifact path of what the device's driver applies."""
    if kind == "switch":
        cls = driver_for(platform)
        return {name: f"switches/{device}/{name}" for name in getattr(cls, "files", ())}
    return {SERVER_FILE: f"ansible/host_vars/{device}.yml"}


def desired_state(
    fabric: Fabric, artifacts: dict[str, str], target: Target
) -> tuple[dict[str, DesiredDevice], dict[str, str]]:
    """(device -> desired state for every device of the target, skipped Fabric devices -> why)."""
    access = target.devices()
    out: dict[str, DesiredDevice] = {}
    skipped: dict[str, str] = {}
    for name, dev in fabric.devices.items():
        if name not in access:
            skipped[name] = f"{dev.role}: not part of target {target.name}"
    for name, acc in access.items():
        dd = DesiredDevice(device=name, kind=acc.kind, role=acc.role, platform=acc.platform)
        out[name] = dd
        if name not in fabric.devices:
            dd.error = f"{name} is in target {target.name} but not in the Fabric of {fabric.name}"
            continue
        if acc.unsupported:
            dd.error = acc.unsupported
            continue
        missing = []
        for fname, path in artifact_paths(name, acc.kind, acc.platform).items():
            if path in artifacts:
                dd.files[fname] = DesiredFile(artifact=path, text=artifacts[path])
            else:
                missing.append(path)
        if missing:
            hint = (
                f" (render the switches with platform {acc.platform})"
                if acc.kind == "switch"
                else " (the host/ansible renderers produce it)"
            )
            dd.error = "missing rendered artifact(s): " + ", ".join(missing) + hint
        for fname in optional_files(acc.kind, acc.platform):
            path = f"switches/{name}/{fname}"
            if path in artifacts:
                dd.files[fname] = DesiredFile(artifact=path, text=artifacts[path])
    return out, skipped


def optional_files(kind: str, platform: str) -> tuple[str, ...]:
    """Files the device's driver applies when the renderer wrote them (not every switch has them)."""
    if kind != "switch":
        return ()
    return tuple(getattr(driver_for(platform), "optional_files", ()))


def host_sysctl_keys(*texts: str | None) -> list[str]:
    """The sysctl names the host_vars texts set (``aidc_sysctl``): part of a server's state."""
    keys: list[str] = []
    for text in texts:
        if not text:
            continue
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and isinstance(data.get("aidc_sysctl"), dict):
            keys.extend(str(k) for k in data["aidc_sysctl"])
    return list(dict.fromkeys(keys))


def state_sysctl_keys(dd: DesiredDevice, applied_text: str | None) -> list[str]:
    """Sysctls to read for ``dd``: those its desired and its last applied host_vars set."""
    if dd.kind != "server" or SERVER_FILE not in dd.files:
        return []
    return host_sysctl_keys(dd.files[SERVER_FILE].text, applied_text)
