"""``infiniband`` platform: InfiniBand switches are managed by the subnet manager (UFM / opensm),
so each gets a short note instead of a configuration."""

from __future__ import annotations

import jinja2

from toolkit.design.model import Device, Fabric


def render_device(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    return {
        "README.txt": f"{dev.name}: InfiniBand switch ({dev.model}); fabric managed by the subnet "
        f"manager. Cabling in docs/cabling.csv.\n"
    }
