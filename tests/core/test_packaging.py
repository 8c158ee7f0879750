"""The wheel carries templates, playbooks and examples, and the installed package finds them."""

from __future__ import annotations

import os
import re
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
    assert {"toolkit/platforms/frr.yml", "toolkit/platforms/sonic.yml"} <= set(names)  # the platforms' data
    assert any(n.startswith("toolkit/_data/playbooks/") for n in names) or not (ROOT / "playbooks").glob("*.yml")

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import toolkit, toolkit.resources as r;"
        "print(toolkit.__file__); print(r.templates_dir()); print(r.examples_dir());"
        "from toolkit.spec import load; print(load(r.examples_dir() / 'lab-mini').spec.cluster.name);"
        "from toolkit import platforms; print(','.join(platforms.names()))"
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith(str(site)), "imported the checkout, not the wheel"
    assert lines[1].startswith(str(site)) and lines[2].startswith(str(site))
    assert lines[3] == "lab-mini"
    assert lines[4] == "cumulus,eos,frr,infiniband,sonic"


def test_building_leaves_the_source_tree_as_it_was(tmp_path: Path) -> None:
    """`pip install .` / `pip wheel .` put build/ and aidc.egg-info in a temporary folder."""
    src = tmp_path / "src"
    files = subprocess.run(["git", "ls-files", "-z"], capture_output=True, text=True, cwd=ROOT, check=True)
    for rel in filter(None, files.stdout.split("\0")):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes((ROOT / rel).read_bytes())
    before = sorted(p.name for p in src.iterdir())
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "w"),
         str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    assert list((tmp_path / "w").glob("aidc-*.whl"))
    assert sorted(p.name for p in src.iterdir()) == before


CHILD = """
import sys
from toolkit import cli
sys.argv = ["aidc", *sys.argv[1:]]
try:
    cli.main()
except SystemExit as exc:
    assert not exc.code, exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"ansible", "ansible_runner", "netmiko", "paramiko",
                                                         "pytest", "testinfra", "_pytest"})
print("HEAVY", ",".join(heavy))
"""


def test_validate_and_render_import_no_ansible_netmiko_or_pytest(tmp_path: Path) -> None:
    spec = str(ROOT / "inventory/examples/lab-mini")
    for args in (["validate", spec], ["render", spec, "--out", str(tmp_path / "out")], ["show", spec]):
        res = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=tmp_path,
                             timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert res.returncode == 0, res.stderr
        (line,) = [x for x in res.stdout.splitlines() if x.startswith("HEAVY")]
        assert line == "HEAVY ", f"aidc {args[0]} imported {line[6:]}"


def test_runtime_dependencies_cover_what_check_runs() -> None:
    """What the product imports at run time (pytest for `aidc check`, testinfra if it is used) is a
    runtime dependency, not a test extra."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split("[")[0].strip() for d in deps}
    sources = "\n".join(p.read_text() for p in (ROOT / "toolkit").rglob("*.py"))
    needed = {"pytest": r"^\s*import pytest|^\s*from pytest|\"pytest\"|'pytest'|pytest\.main",
              "pytest-testinfra": r"^\s*import testinfra|^\s*from testinfra"}
    for dist, pattern in needed.items():
        if re.search(pattern, sources, re.M):
            assert dist in names, f"toolkit uses {dist} at run time: make it a runtime dependency"
    assert "pytest" in names
