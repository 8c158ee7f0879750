"""Switch configurations: one renderer per network OS, found through the platform registry.

``toolkit.platforms.get(dev.platform).hooks.renderer`` names a
``render_device(device, fabric, env) -> dict[file name, text]`` (in
``toolkit/render/platforms/<platform>.py``); its files land in ``switches/<device>/``. Templates
live in ``templates/<platform>/``.
"""

from __future__ import annotations

import jinja2

from toolkit import platforms
from toolkit.design.model import Device, Fabric
from toolkit.render.core import Artifacts, render_devices


def render_device(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    return platforms.get(dev.platform).renderer()(dev, fabric, env)


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    return render_devices(render_device, fabric.switches(), fabric, env, "switches")
