"""Output behaviour: atomic writes, byte-identical re-renders, template overrides."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.render.core import write_atomic

ROOT = Path(__file__).resolve().parents[2]
AIDC = [sys.executable, "-m", "toolkit.cli"]


def test_write_atomic_replaces_whole_or_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out" / "c1"
    write_atomic(out, {"a/one.txt": "1\n", "b.txt": "b\n"})
    assert (out / "a" / "one.txt").read_text() == "1\n"
    with pytest.raises(ValueError):
        write_atomic(out, {"a/one.txt": "changed\n", "../escape.txt": "x"})
    # previous output untouched, no temporary folders left behind
    assert (out / "a" / "one.txt").read_text() == "1\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["c1"]
    write_atomic(out, {"only.txt": "x\n"})
    assert sorted(p.name for p in out.iterdir()) == ["only.txt"]


def _render(spec: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AIDC, "render", str(spec), "--out", str(out), *extra], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_render_is_byte_identical_and_laid_out(tmp_path: Path) -> None:
    spec = ROOT / "inventory/examples/lab-mini"
    a, b = tmp_path / "a", tmp_path / "b"
    assert _render(spec, a).returncode == 0
    assert _render(spec, b).returncode == 0
    ta, tb = _tree(a / "lab-mini"), _tree(b / "lab-mini")
    assert ta == tb and ta
    tops = {k.split("/")[0] for k in ta}
    assert "switches" in tops
    assert all(t in {"switches", "hosts", "ansible", "docs", "infiniband", "scheduler", "storage"} for t in tops)


def test_template_override_file_by_file_and_failed_render_keeps_output(tmp_path: Path) -> None:
    spec = ROOT / "inventory/examples/lab-mini"
    out = tmp_path / "out"
    assert _render(spec, out).returncode == 0
    before = _tree(out / "lab-mini")
    bundled = sorted((ROOT / "templates").rglob("*.j2"))
    if not bundled:
        pytest.skip("no Jinja templates bundled yet")
    tpl = bundled[0]
    rel = tpl.relative_to(ROOT / "templates")
    over = tmp_path / "over"
    (over / rel).parent.mkdir(parents=True)
    (over / rel).write_text("# overridden by the user\n" + tpl.read_text())
    res = _render(spec, tmp_path / "out2", "--templates", str(over))
    assert res.returncode == 0, res.stderr
    after = _tree(tmp_path / "out2" / "lab-mini")
    changed = [k for k in after if after[k] != before.get(k)]
    assert changed and all(after[k].startswith(b"# overridden by the user") or b"# overridden" in after[k]
                           for k in changed)
    # a broken override fails the render and leaves the previous output as it was
    (over / rel).write_text("{{ no_such_variable_anywhere }}\n")
    res = _render(spec, out, "--templates", str(over))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert _tree(out / "lab-mini") == before


def test_forked_render_equals_serial_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers (switch and host pools, docs and Ansible beside them) never change a byte of the output."""
    from toolkit.design import design
    from toolkit.render import render
    from toolkit.spec import load

    spec = load(ROOT / "inventory/examples/superpod-1su").spec
    assert spec is not None
    fabric = design(spec)
    monkeypatch.setenv("AIDC_RENDER_WORKERS", "1")
    serial = render(fabric)
    monkeypatch.setenv("AIDC_RENDER_WORKERS", "3")
    forked = render(fabric)
    assert list(forked) == list(serial) and forked == serial
    assert all(any(k.startswith(f"{d}/") for k in serial) for d in ("docs", "switches", "hosts", "ansible"))


def test_streamed_render_to_equals_written_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """render_to with forked workers staging their own files (nothing travels back but names) writes
    exactly what write_output(render()) writes, and reports the same written / unchanged / removed."""
    from toolkit.design import design
    from toolkit.render import render, render_to, write_output
    from toolkit.spec import load

    spec = load(ROOT / "inventory/examples/superpod-1su").spec
    assert spec is not None
    fabric = design(spec)
    monkeypatch.setenv("AIDC_RENDER_WORKERS", "1")
    expected = write_output(tmp_path / "plain" / fabric.name, render(fabric))
    monkeypatch.setenv("AIDC_RENDER_WORKERS", "3")
    first = render_to(fabric, tmp_path / "streamed")
    assert _tree(tmp_path / "streamed" / fabric.name) == _tree(tmp_path / "plain" / fabric.name)
    assert first.written == expected.written and not first.unchanged and not first.removed
    # a re-render on the previous output: every file unchanged, none rewritten
    leaf = next(iter(sorted((tmp_path / "streamed" / fabric.name / "switches").iterdir())))
    stale = leaf / "stale.txt"
    stale.write_text("left by an older render\n")
    again = render_to(fabric, tmp_path / "streamed")
    assert not again.written and again.unchanged == expected.written
    assert again.removed == [str(stale.relative_to(tmp_path / "streamed" / fabric.name))]


def test_failing_worker_leaves_previous_output(tmp_path: Path) -> None:
    """A device whose template fails inside a forked worker aborts the whole render: the previous
    output stays byte for byte, no staging folder is left beside it."""
    spec = ROOT / "inventory/examples/lab-mini"
    out = tmp_path / "out"
    assert _render(spec, out).returncode == 0
    before = _tree(out / "lab-mini")
    over = tmp_path / "over" / "host"
    over.mkdir(parents=True)
    (over / "sysctl.conf.j2").write_text("{{ no_such_variable_anywhere }}\n")
    res = subprocess.run([*AIDC, "render", str(spec), "--out", str(out), "--templates", str(tmp_path / "over")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT,
                         env={**os.environ, "AIDC_RENDER_WORKERS": "2"})
    assert res.returncode == 1 and "no_such_variable_anywhere" in res.stderr and "Traceback" not in res.stderr
    assert _tree(out / "lab-mini") == before
    assert sorted(p.name for p in out.iterdir()) == ["lab-mini"]
