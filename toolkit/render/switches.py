"""Switch configurations: one module per network OS under toolkit/render/platforms/.

A platform module exposes ``render_device(device, fabric, env) -> dict[file name, text]``; its
files land in ``switches/<device>/``. Templates live in ``templates/<platform>/``.
InfiniBand switches are managed by the subnet manager (UFM / opensm), so they get a short note
instead of a configuration.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from typing import Any

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


PARALLEL_FROM = 200
"""Switches from which rendering forks worker processes (``AIDC_RENDER_WORKERS``, default: the CPU
count, at most 8; ``1`` renders in this process). The output does not depend on the worker count."""

_JOB: tuple[Fabric, jinja2.Environment] | None = None  # inherited by forked workers


def _render_chunk(names: list[str]) -> list[tuple[str, dict[str, str]]]:
    assert _JOB is not None
    fabric, env = _JOB
    return [(n, render_device(fabric.devices[n], fabric, env)) for n in names]


def workers_for(n_devices: int) -> int:
    wanted = os.environ.get("AIDC_RENDER_WORKERS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    if n_devices < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    global _JOB
    names = [d.name for d in fabric.switches()]
    workers = workers_for(len(names))
    results: list[Any]
    if workers == 1:
        results = [(d.name, render_device(d, fabric, env)) for d in fabric.switches()]
    else:
        size = max(1, len(names) // (workers * 8))
        chunks = [names[i : i + size] for i in range(0, len(names), size)]
        _JOB = (fabric, env)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = [item for part in pool.imap(_render_chunk, chunks) for item in part]
        finally:
            _JOB = None
    out: Artifacts = {}
    for name, files in results:
        for fname, text in files.items():
            out[f"switches/{name}/{fname}"] = text
    return out
