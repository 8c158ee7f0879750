"""The wheel carries templates, playbooks and examples, and the installed package finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_and_finds_data(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("aidc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "toolkit/_data/inventory/examples/lab-mini/cluster.yml" in names
    assert any(n.startswith("toolkit/_data/templates/") for n in names)
    assert any(n.startswith("toolkit/_data/playbooks/") for n in names) or not (ROOT / "playbooks").glob("*.yml")

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import toolkit, toolkit.resources as r;"
        "print(toolkit.__file__); print(r.templates_dir()); print(r.examples_dir());"
        "from toolkit.spec import load; print(load(r.examples_dir() / 'lab-mini').spec.cluster.name)"
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith(str(site)), "imported the checkout, not the wheel"
    assert lines[1].startswith(str(site)) and lines[2].startswith(str(site))
    assert lines[3] == "lab-mini"
