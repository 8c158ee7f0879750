"""The playbooks: Ansible's own syntax check against a rendered inventory, and ansible-lint.

Both run hermetically: HOME, the Ansible temp and cache folders are under pytest's tmp folder,
no ANSIBLE_* variable or ansible.cfg of the caller leaks in, and ansible-lint runs offline (no
galaxy, no schema download), so the result is the same on a fresh CI machine.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.design import design
from toolkit.render import ansible, hosts
from toolkit.render.core import environment, write_atomic
from toolkit.spec import load

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = ROOT / "playbooks"
PLAYBOOK_FILES = sorted(p.name for p in PLAYBOOKS.glob("*.yml"))
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def ansible_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("ansible-env")
    for d in ("home", "tmp", "cache", "config"):
        (base / d).mkdir()
    cfg = base / "ansible.cfg"
    cfg.write_text("[defaults]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE", "XDG_"))}
    env.update(
        {
            "HOME": str(base / "home"),
            "XDG_CACHE_HOME": str(base / "cache"),
            "XDG_CONFIG_HOME": str(base / "config"),
            "ANSIBLE_CONFIG": str(cfg),  # not /etc/ansible/ansible.cfg nor one in the working folder
            "ANSIBLE_HOME": str(base / "home" / ".ansible"),
            "ANSIBLE_LOCAL_TEMP": str(base / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "NO_COLOR": "1",
            # ansible-lint warns (and strict mode may fail) when its own bin folder is not on PATH
            "PATH": os.pathsep.join([str(BIN), env.get("PATH", "/usr/bin:/bin")]),
        }
    )
    return env


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lab-mini rendered (ansible/ and hosts/): the inventory the playbooks are written for."""
    spec = load(ROOT / "inventory" / "examples" / "lab-mini").spec
    assert spec is not None
    fab = design(spec)
    env = environment()
    artifacts = {**hosts.render(fab, env), **ansible.render(fab, env)}
    out = write_atomic(tmp_path_factory.mktemp("render") / fab.name, artifacts)
    return out / "ansible" / "inventory.yml"


def syntax_check(playbook: Path, inventory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", "-i", str(inventory), str(playbook)],
                          capture_output=True, text=True, timeout=300, check=False, env=env, cwd=playbook.parent)


def ansible_lint(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """ansible-lint as its configuration says: from the playbooks folder, with no arguments."""
    return subprocess.run([str(BIN / "ansible-lint"), "--offline", "--nocolor"], capture_output=True, text=True,
                          timeout=600, check=False, env=env, cwd=folder)


def test_there_are_playbooks() -> None:
    assert "site.yml" in PLAYBOOK_FILES and len(PLAYBOOK_FILES) >= 2
    assert (PLAYBOOKS / ".ansible-lint").is_file()


@pytest.mark.parametrize("playbook", PLAYBOOK_FILES)
def test_syntax_check(playbook: str, inventory: Path, ansible_env: dict[str, str]) -> None:
    res = syntax_check(PLAYBOOKS / playbook, inventory, ansible_env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "WARNING" not in res.stderr, res.stderr


def test_syntax_check_catches_a_bad_module(tmp_path: Path, inventory: Path, ansible_env: dict[str, str]) -> None:
    broken = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, broken)
    roce = broken / "roce.yml"
    text = roce.read_text()
    assert "ansible.builtin.find:" in text
    roce.write_text(text.replace("ansible.builtin.find:", "ansible.builtin.fnd:"))
    res = syntax_check(roce, inventory, ansible_env)
    assert res.returncode != 0
    assert "ansible.builtin.fnd" in res.stdout + res.stderr


def test_filters_used_by_playbooks_exist() -> None:
    """Syntax checks do not evaluate templates: every ``| aidc_*`` filter must be in filter_plugins."""
    defined: set[str] = set()
    for plugin in sorted((PLAYBOOKS / "filter_plugins").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"{plugin.stem}_plugin", plugin)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        defined |= set(mod.FilterModule().filters())
    used = {m for f in PLAYBOOKS.rglob("*.yml") for m in re.findall(r"\|\s*(aidc_\w+)", f.read_text())}
    assert used, "no aidc filters found: the pattern is out of date"
    assert used <= defined, f"undefined filters: {sorted(used - defined)}"


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts)


@pytest.mark.slow
def test_ansible_lint_production_profile(ansible_env: dict[str, str]) -> None:
    before = _tree(PLAYBOOKS)
    res = ansible_lint(PLAYBOOKS, ansible_env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert _tree(PLAYBOOKS) == before, "ansible-lint left files in playbooks/"


@pytest.mark.slow
def test_ansible_lint_catches_a_finding(tmp_path: Path, ansible_env: dict[str, str]) -> None:
    """The same run on a copy with one ``changed_when`` removed fails: the lint really reads the files."""
    broken = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, broken, ignore=shutil.ignore_patterns("__pycache__"))
    network = broken / "network.yml"
    text = network.read_text()
    assert "      changed_when: true\n" in text
    network.write_text(text.replace("      changed_when: true\n", "", 1))
    res = ansible_lint(broken, ansible_env)
    assert res.returncode != 0
    assert "no-changed-when" in res.stdout + res.stderr
