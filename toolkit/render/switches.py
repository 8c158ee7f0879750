"""Switch configurations: one module per network OS under toolkit/render/platforms/.

A platform module exposes ``render_device(device, fabric, env) -> dict[file name, text]``; its
files land in ``switches/<device>/``. Templates live in ``templates/<platform>/``.
InfiniBand switches are managed by the subnet manager (UFM / opensm), so they get a short note
instead of a configuration.
"""

from __future__ import annotations

import importlib

import jinja2

from toolkit.design.model import Device, Fabric
from toolkit.render.core import Artifacts

PLATFORMS = ("frr", "sonic", "cumulus", "eos")


def platform_module(platform: str):
    if platform not in PLATFORMS:
        raise ValueError(f"no renderer for platform {platform!r}; known: {', '.join(PLATFORMS)}")
    return importlib.import_module(f"toolkit.render.platforms.{platform}")


def render_device(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    if dev.platform == "infiniband":
        return {
            "README.txt": f"{dev.name}: InfiniBand switch ({dev.model}); fabric managed by the subnet "
            f"manager. Cabling in docs/cabling.csv.\n"
        }
    return platform_module(dev.platform).render_device(dev, fabric, env)


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    out: Artifacts = {}
    for dev in fabric.switches():
        for fname, text in render_device(dev, fabric, env).items():
            out[f"switches/{dev.name}/{fname}"] = text
    return out
