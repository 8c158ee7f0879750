"""Render core: Jinja2 environment, template overrides, artifacts and atomic output.

A renderer is a function ``(fabric, env) -> dict[relative path, text]``. Templates hold syntax
only; every value they print comes from the Fabric (or from view data the renderer derives
mechanically from it). Templates are looked up first in the user's override folder, then in the
bundled ``templates/`` folder, file by file.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool
from pathlib import Path

import jinja2

from toolkit.design.model import Fabric
from toolkit.resources import templates_dir

Artifacts = dict[str, str]

PARALLEL_FROM = 200
"""Devices from which a render forks worker processes (``AIDC_RENDER_WORKERS``, default: the CPU
count, at most 8; ``1`` renders in this process). The output does not depend on the worker count."""

_FORK_JOB: tuple[Fabric, jinja2.Environment] | None = None  # what forked workers inherit


def render_workers(n_devices: int) -> int:
    wanted = os.environ.get("AIDC_RENDER_WORKERS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    if n_devices < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


@contextmanager
def fork_pool(workers: int, fabric: Fabric, env: jinja2.Environment) -> Iterator[Pool]:
    """A pool of forked workers that see ``fabric`` and ``env`` through :func:`fork_job` (shared
    copy-on-write, never pickled); functions given to the pool must be module-level."""
    global _FORK_JOB
    before, _FORK_JOB = _FORK_JOB, (fabric, env)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield pool
    finally:
        _FORK_JOB = before


def fork_job() -> tuple[Fabric, jinja2.Environment]:
    """In a worker of :func:`fork_pool`: the Fabric and template environment of the render."""
    assert _FORK_JOB is not None, "not in a fork_pool worker"
    return _FORK_JOB
Renderer = Callable[[Fabric, jinja2.Environment], Artifacts]


def environment(overrides: Iterable[Path] = ()) -> jinja2.Environment:
    paths = [str(p) for p in overrides if p and Path(p).is_dir()] + [str(templates_dir())]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(paths),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["ip"] = lambda a: a.split("/", 1)[0] if a else a
    env.filters["prefixlen"] = lambda a: int(a.split("/", 1)[1]) if a and "/" in a else 32
    return env


def write_atomic(out_dir: Path, artifacts: Artifacts) -> Path:
    """Write all artifacts into ``out_dir`` so that it is replaced whole or not at all.

    Files are written into a temporary sibling folder which then replaces ``out_dir`` by rename;
    if anything fails, the previous ``out_dir`` is left untouched.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for rel in sorted(artifacts):
            if rel.startswith("/") or ".." in Path(rel).parts:
                raise ValueError(f"artifact path escapes the output folder: {rel}")
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(artifacts[rel], encoding="utf-8")
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old.{os.getpid()}")
            os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
