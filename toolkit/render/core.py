"""Render core: Jinja2 environment, template overrides, artifacts and atomic output.

A renderer is a function ``(fabric, env) -> dict[relative path, text]``. Templates hold syntax
only; every value they print comes from the Fabric (or from view data the renderer derives
mechanically from it). Templates are looked up first in the user's override folder, then in the
bundled ``templates/`` folder, file by file.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from pathlib import Path
from typing import TypeVar

import jinja2

from toolkit.design.model import Device, Fabric
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


DeviceRenderer = Callable[[Device, Fabric, jinja2.Environment], dict[str, str]]
"""Renders the files of one device: file name -> text (a module-level function: the pool pickles
it by name)."""


Job = tuple[DeviceRenderer, list[str], str]  # renderer, device names, output folder


def _render_chunk(job: Job) -> list[tuple[str, dict[str, str]]]:
    render_one, names, _ = job
    fabric, env = fork_job()
    return [(n, render_one(fabric.devices[n], fabric, env)) for n in names]


def _stage_chunk(job: Job) -> list[tuple[str, bool]]:
    """Render a chunk of devices and stage their files in this worker (see :func:`streaming`)."""
    render_one, names, folder = job
    fabric, env = fork_job()
    staging = _SINK
    assert staging is not None, "not streaming"
    out = []
    for n in names:
        for fname, text in render_one(fabric.devices[n], fabric, env).items():
            rel = f"{folder}/{n}/{fname}"
            out.append((rel, staging.put(rel, text)))
    return out


def render_devices(render_one: DeviceRenderer, devices: Iterable[Device], fabric: Fabric,
                   env: jinja2.Environment, folder: str) -> Artifacts:
    """``folder/<device>/<file>`` for every device, rendered by ``render_one``: in this process,
    or by :func:`render_workers` forked workers in chunks (eight per worker, so a slow chunk does
    not hold the others up); the result does not depend on the worker count. While
    :func:`streaming`, the files are staged where they are rendered and nothing is returned."""
    names = [d.name for d in devices]
    workers = render_workers(len(names))
    staging = _SINK
    if workers == 1:
        arts = {
            f"{folder}/{n}/{fname}": text
            for n in names
            for fname, text in render_one(fabric.devices[n], fabric, env).items()
        }
        if staging is None:
            return arts
        for rel, text in arts.items():
            staging.add(rel, text)
        return {}
    size = max(1, len(names) // (workers * 8))
    jobs = [(render_one, names[i : i + size], folder) for i in range(0, len(names), size)]
    with fork_pool(workers, fabric, env) as pool:
        if staging is not None:
            for part in pool.imap(_stage_chunk, jobs):
                for rel, written in part:
                    staging.record(rel, written)
            return {}
        results = [item for part in pool.imap(_render_chunk, jobs) for item in part]
    return {f"{folder}/{name}/{fname}": text for name, files in results for fname, text in files.items()}


Renderer = Callable[[Fabric, jinja2.Environment], Artifacts]
V = TypeVar("V")


def per_fabric(build: Callable[[Fabric], V]) -> Callable[[Fabric], V]:
    """``build(fabric)`` computed once per Fabric object (the Fabric is frozen after design), cached
    by identity; the cache holds no reference to the Fabric, its entry goes when the Fabric does."""
    cache: dict[int, tuple[weakref.ref[Fabric], V]] = {}

    @functools.wraps(build)
    def cached(fabric: Fabric) -> V:
        key = id(fabric)
        hit = cache.get(key)
        if hit is not None and hit[0]() is fabric:
            return hit[1]
        value = build(fabric)
        cache[key] = (weakref.ref(fabric, lambda _ref: cache.pop(key, None)), value)
        return value

    return cached


def template_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (``AIDC_CACHE_DIR``, default ``~/.cache/aidc``;
    ``AIDC_CACHE_DIR=`` turns it off). Jinja2 keys each entry by template name and a checksum of
    its source, so an edited or overriding template is compiled afresh."""
    base = os.environ.get("AIDC_CACHE_DIR")
    if base == "":
        return None
    root = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aidc"
    folder = root / f"jinja-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def environment(overrides: Iterable[Path] = ()) -> jinja2.Environment:
    paths = [str(p) for p in overrides if p and Path(p).is_dir()] + [str(templates_dir())]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(paths),
        bytecode_cache=template_cache(),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        auto_reload=False,  # one render: a template is read once, not stat()ed per device
    )
    env.filters["ip"] = lambda a: a.split("/", 1)[0] if a else a
    env.filters["prefixlen"] = lambda a: int(a.split("/", 1)[1]) if a and "/" in a else 32
    return env


@dataclass
class WriteReport:
    """What :func:`write_output` did: every artifact is in exactly one of written / unchanged."""

    path: Path
    written: list[str] = field(default_factory=list)  # new or changed content: a new file
    unchanged: list[str] = field(default_factory=list)  # same bytes as before: the file is not touched
    removed: list[str] = field(default_factory=list)  # in the previous output, no longer rendered


def write_atomic(out_dir: Path, artifacts: Artifacts) -> Path:
    """Write all artifacts into ``out_dir`` (see :func:`write_output`); returns its path."""
    return write_output(out_dir, artifacts).path


def _same(old: str, data: bytes) -> bool:
    try:
        if os.stat(old).st_size != len(data):
            return False
        with open(old, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False


def _check_path(rel: str) -> None:
    if rel.startswith("/") or (".." in rel and ".." in Path(rel).parts):
        raise ValueError(f"artifact path escapes the output folder: {rel}")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _write_new(path: str, data: bytes) -> None:
    """Write a file in three system calls (open, write, close: ``open()`` adds fstat, ioctl and
    lseek, and a buffered file object around the descriptor)."""
    fd = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class Staging:
    """The new output of one folder while it is written: every new or changed file goes into a
    temporary sibling folder (from this process, or from forked render workers while
    :func:`streaming`), and :meth:`commit` moves them into place once all are written.

    A file whose bytes equal the previous output's is not staged (it keeps its inode and
    modification time); files of the previous output that are not recorded are removed on commit.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir).resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.previous = self.path.is_dir()
        self.old = set(_files(self.path)) if self.previous else set()
        self.tmp = tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        self._made: set[str] = set()
        self._files: dict[str, bool] = {}  # relative path -> written (False: unchanged)

    def put(self, rel: str, text: str) -> bool:
        """Stage one file (from any process sharing this staging); True: new or changed content.
        The process that commits must :meth:`record` it."""
        _check_path(rel)
        data = text.encode("utf-8")
        if rel in self.old and _same(f"{self.path}/{rel}", data):
            return False
        parent = os.path.dirname(rel)
        if parent and parent not in self._made:
            os.makedirs(f"{self.tmp}/{parent}", exist_ok=True)
            self._made.add(parent)
        _write_new(f"{self.tmp}/{rel}", data)
        return True

    def record(self, rel: str, written: bool) -> None:
        """Count a file staged by :meth:`put`."""
        if rel in self._files:
            raise ValueError(f"two renderers write {rel}")
        self._files[rel] = written

    def add(self, rel: str, text: str) -> None:
        """Stage and record one file (in the process that commits)."""
        self.record(rel, self.put(rel, text))

    def abort(self) -> None:
        """Drop everything staged; the previous output stays as it was."""
        shutil.rmtree(self.tmp, ignore_errors=True)

    def commit(self) -> WriteReport:
        """Move the staged files into place: the folder then holds exactly the recorded files."""
        base = str(self.path)
        report = WriteReport(self.path)
        for rel in sorted(self._files):
            (report.written if self._files[rel] else report.unchanged).append(rel)
        report.removed = sorted(self.old - self._files.keys())
        if not self.previous:
            os.rename(self.tmp, self.path)
            return report
        try:
            for parent in sorted({os.path.dirname(r) for r in report.written} - {""}):
                os.makedirs(f"{base}/{parent}", exist_ok=True)
            for rel in report.written:
                os.replace(f"{self.tmp}/{rel}", f"{base}/{rel}")
            for rel in report.removed:
                os.unlink(f"{base}/{rel}")
            emptied = {p for r in report.removed for p in _parents(r)}
            for parent in sorted(emptied, key=len, reverse=True):  # deepest first; never out_dir itself
                with contextlib.suppress(OSError):  # only folders left empty go
                    os.rmdir(f"{base}/{parent}")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return report


_SINK: Staging | None = None  # where a render streams device files (forked workers inherit it)


@contextmanager
def streaming(staging: Staging) -> Iterator[Staging]:
    """While active, :func:`render_devices` stages each device's files where they are rendered
    (in a forked worker: the text never travels back to this process) instead of returning them."""
    global _SINK
    before, _SINK = _SINK, staging
    try:
        yield staging
    finally:
        _SINK = before


def sink() -> Staging | None:
    """The staging of the enclosing :func:`streaming`, if any."""
    return _SINK


def write_output(out_dir: Path, artifacts: Artifacts) -> WriteReport:
    """Write all artifacts into ``out_dir``, reusing the previous output: a file whose bytes are
    unchanged is not touched (same inode, same modification time), files no longer rendered are
    removed, so the folder afterwards holds exactly ``artifacts``.

    Every new or changed file is first written into a temporary sibling folder; only when all of
    them are written do they move into place (a rename each; a first render renames the whole
    folder). A failure while writing leaves the previous ``out_dir`` untouched.
    """
    for rel in artifacts:
        _check_path(rel)
    staging = Staging(out_dir)
    try:
        for rel in sorted(artifacts):
            staging.add(rel, artifacts[rel])
    except BaseException:
        staging.abort()
        raise
    return staging.commit()


def _parents(rel: str) -> list[str]:
    """``a/b/c.txt`` -> [``a/b``, ``a``]."""
    out = []
    while (rel := os.path.dirname(rel)) != "":
        out.append(rel)
    return out


def _files(root: Path) -> list[str]:
    out = []
    for dirpath, _, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        out += [name if rel == "." else f"{rel}/{name}" for name in files]
    return out
