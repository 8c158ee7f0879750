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
from toolkit.render.core import Artifacts, fork_job, fork_pool, render_workers


def render_device(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    return platforms.get(dev.platform).renderer()(dev, fabric, env)


def _render_chunk(names: list[str]) -> list[tuple[str, dict[str, str]]]:
    fabric, env = fork_job()
    return [(n, render_device(fabric.devices[n], fabric, env)) for n in names]


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    names = [d.name for d in fabric.switches()]
    workers = render_workers(len(names))
    results: list[tuple[str, dict[str, str]]]
    if workers == 1:
        results = [(d.name, render_device(d, fabric, env)) for d in fabric.switches()]
    else:
        size = max(1, len(names) // (workers * 8))
        chunks = [names[i : i + size] for i in range(0, len(names), size)]
        with fork_pool(workers, fabric, env) as pool:
            results = [item for part in pool.imap(_render_chunk, chunks) for item in part]
    out: Artifacts = {}
    for name, files in results:
        for fname, text in files.items():
            out[f"switches/{name}/{fname}"] = text
    return out
