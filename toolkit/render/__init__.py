"""Render: the Fabric in, artifacts (relative path -> text) out.

Output layout under ``<out>/<cluster>/``:
  switches/<device>/...   per-platform switch configuration (see toolkit/render/platforms)
  hosts/<host>/...        netplan, sysctl, RoCE NIC script, NCCL environment
  ansible/...             inventory (groups by role, plane, rack, SU, rail) and host_vars
  docs/...                cabling plan, IP plan, BOM, rack elevations, topology picture
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterable
from pathlib import Path

from toolkit.design.model import Fabric
from toolkit.render.core import Artifacts, environment, write_atomic

# each module exposes ``render(fabric, env) -> Artifacts``; a missing module is skipped so the
# stages can land one by one
STAGES = ("toolkit.render.switches", "toolkit.render.hosts", "toolkit.render.ansible", "toolkit.render.docs")


def render(fabric: Fabric, overrides: Iterable[Path] = ()) -> Artifacts:
    # the Fabric is millions of long-lived objects: keep the cyclic GC from rescanning them
    gc.freeze()
    try:
        return _render(fabric, overrides)
    finally:
        gc.unfreeze()


def _render(fabric: Fabric, overrides: Iterable[Path]) -> Artifacts:
    env = environment(overrides)
    out: Artifacts = {}
    for name in STAGES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for path, text in mod.render(fabric, env).items():
            if path in out:
                raise ValueError(f"two renderers write {path}")
            out[path] = text
    return dict(sorted(out.items()))


def render_to(fabric: Fabric, out_dir: Path, overrides: Iterable[Path] = ()) -> Path:
    """Render and write ``out_dir/<cluster>/`` atomically; returns that folder."""
    artifacts = render(fabric, overrides)
    return write_atomic(Path(out_dir) / fabric.name, artifacts)


__all__ = ["Artifacts", "render", "render_to", "write_atomic"]
