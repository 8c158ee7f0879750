"""Render: the Fabric in, artifacts (relative path -> text) out.

Output layout under ``<out>/<cluster>/``:
  switches/<device>/...   per-platform switch configuration (see toolkit/render/platforms)
  hosts/<host>/...        netplan, sysctl, RoCE NIC script, NCCL environment
  ansible/...             inventory (groups by role, plane, rack, SU, rail) and host_vars
  docs/...                cabling plan, IP plan, BOM, rack elevations, topology picture
  infiniband/...          opensm.conf, partitions.conf, qos-policy.conf, GUID files (InfiniBand)
  scheduler/...           Slurm topology/gres/nodes, Kubernetes labels, Kueue, Volcano, SR-IOV, NADs
  storage/...             Ceph (ceph.conf, keyring layout, pools script, cephadm specs), MinIO
"""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Iterable
from pathlib import Path

import jinja2

from toolkit.design.model import Fabric
from toolkit.render.core import (
    Artifacts,
    Staging,
    WriteReport,
    environment,
    fork_job,
    fork_pool,
    render_workers,
    sink,
    streaming,
    write_atomic,
    write_output,
)

# each module exposes ``render(fabric, env) -> Artifacts``
STAGES = (
    "toolkit.render.switches",
    "toolkit.render.hosts",
    "toolkit.render.ansible",
    "toolkit.render.docs",
    "toolkit.render.infiniband",
    "toolkit.render.scheduler",
    "toolkit.render.storage",
)
PENDING_STAGES = frozenset({"toolkit.render.infiniband"})
"""Stages announced but not landed yet: skipped while their module is absent. Every other stage is
imported strictly, so a typo in a stage name fails the render instead of dropping its files."""


def render(fabric: Fabric, overrides: Iterable[Path] = ()) -> Artifacts:
    # the Fabric is millions of long-lived objects: keep the cyclic GC from rescanning them
    gc.freeze()
    try:
        return _render(fabric, overrides)
    finally:
        gc.unfreeze()


BACKGROUND_STAGES = ("toolkit.render.ansible", "toolkit.render.docs")
"""Stages a large render runs in a forked process while this one renders switches and hosts."""


def _run_stage(name: str, fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name and name in PENDING_STAGES:
            return {}
        raise
    return dict(mod.render(fabric, env))


def _run_background(names: tuple[str, ...]) -> tuple[list[Artifacts], list[tuple[str, bool]]]:
    """(artifacts, staged files): while streaming, the files are staged here instead of returned."""
    fabric, env = fork_job()
    parts = [_run_stage(n, fabric, env) for n in names]
    staging = sink()
    if staging is None:
        return parts, []
    return [], [(rel, staging.put(rel, text)) for part in parts for rel, text in part.items()]


def _render(fabric: Fabric, overrides: Iterable[Path]) -> Artifacts:
    env = environment(overrides)
    background: tuple[str, ...] = ()
    if render_workers(len(fabric.devices)) > 1:
        background = tuple(n for n in STAGES if n in BACKGROUND_STAGES)
    parts: list[Artifacts] = []
    with contextlib.ExitStack() as stack:
        pending = None
        if background:
            pool = stack.enter_context(fork_pool(1, fabric, env))
            pending = pool.apply_async(_run_background, (background,))
        for name in STAGES:
            if name not in background:
                parts.append(_run_stage(name, fabric, env))
        if pending is not None:
            unstaged, staged = pending.get()
            parts += unstaged
            staging = sink()
            for rel, written in staged:  # only while streaming
                assert staging is not None
                staging.record(rel, written)
    out: Artifacts = {}
    for part in parts:
        for path, text in part.items():
            if path in out:
                raise ValueError(f"two renderers write {path}")
            out[path] = text
    return dict(sorted(out.items()))


def render_to(fabric: Fabric, out_dir: Path, overrides: Iterable[Path] = ()) -> WriteReport:
    """Render and write ``out_dir/<cluster>/`` atomically, rewriting only files whose content
    changed (see :func:`toolkit.render.core.write_output`)."""
    staging = Staging(Path(out_dir) / fabric.name)
    try:
        with streaming(staging):  # device files are staged by the render workers themselves
            rest = render(fabric, overrides)
        for rel, text in rest.items():
            staging.add(rel, text)
    except BaseException:
        staging.abort()
        raise
    return staging.commit()


__all__ = ["Artifacts", "WriteReport", "render", "render_to", "write_atomic", "write_output"]
