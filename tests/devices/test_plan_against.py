"""``aidc plan --against`` (``toolkit.plan.against``) in-process, root-free: two versions of
lab-mini designed and rendered for real, compared per device; the previous version from a folder
or from a git revision of a real repository in a temporary folder (git's own CLI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from toolkit.plan.against import (
    AgainstError,
    compare,
    device_of,
    format_against,
    plan_against,
    previous_spec,
)
from toolkit.render import render
from toolkit.rules import load_and_design

ROOT = Path(__file__).resolve().parents[2]
LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.test", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.test", "GIT_CONFIG_GLOBAL": "/dev/null"}


def copy_spec(dest: Path, **replace: str) -> Path:
    """lab-mini copied to ``dest`` with text replaced in networks.yml (old=new pairs as a dict)."""
    shutil.copytree(LAB_MINI, dest)
    nets = dest / "networks.yml"
    text = nets.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    nets.write_text(text)
    return dest


def designed(spec: Path):  # type: ignore[no-untyped-def]
    _, findings, fab = load_and_design(spec, None)
    assert fab is not None, [f.text() for f in findings if f.severity == "error"]
    return fab, render(fab)


def git(cwd: Path, *args: str) -> str:
    cp = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True,
                        check=True)
    return cp.stdout


def test_device_of_artifact_paths() -> None:
    assert device_of("switches/spine01/frr.conf") == "spine01"
    assert device_of("hosts/su1-r01-gpu01/network.json") == "su1-r01-gpu01"
    assert device_of("ansible/host_vars/su1-r01-gpu01.yml") == "su1-r01-gpu01"
    assert device_of("ansible/inventory.yml") is None and device_of("docs/cabling.md") is None
    assert device_of("switches/readme") is None


def test_the_same_spec_changes_nothing(tmp_path: Path) -> None:
    fab, arts = designed(LAB_MINI)
    plan = compare(fab, arts, fab, dict(arts), "HEAD")
    assert not plan.changed and plan.exit_code == 0 and plan.devices == [] and plan.renumbered == []
    text = format_against(plan, "text")
    assert text.splitlines() == [f"{fab.name} against HEAD: 0 devices added, 0 removed, 0 changed "
                                 f"({len(fab.devices)} -> {len(fab.devices)} devices)", "no changes"]


def test_a_new_spine_asn_is_renumbering(tmp_path: Path) -> None:
    before, a = designed(LAB_MINI)
    after, b = designed(copy_spec(tmp_path / "new", **{"spine_base: 4200000100": "spine_base: 4200000200"}))
    plan = compare(before, a, after, b, "origin/main")
    assert plan.changed and plan.exit_code == 2
    spine = next(d for d in plan.devices if d.device == "spine01")
    assert spine.status == "changed" and [(r.what, r.old, r.new) for r in spine.renumbered] == [
        ("asn", "4200000100", "4200000200")]
    assert "asn: 4200000100 -> 4200000200" in spine.addresses
    assert any(x.path == "switches/spine01/startup.yaml" and x.status == "modified" for x in spine.artifacts)
    leaf = next(d for d in plan.devices if d.device == "su1-leaf-rail0")
    assert leaf.renumbered == [], "the leaf keeps its numbers; only its sessions to the spines change"
    assert any("spine01 AS4200000200" in s for s in leaf.sessions_added)
    assert any("spine01 AS4200000100" in s for s in leaf.sessions_removed)
    assert {d.device for d in plan.renumbered} == {"spine01", "spine02"}
    text = format_against(plan, "text")
    assert "!!! RENUMBERING: 2 existing device(s) change an address or ASN they already have" in text
    assert "  spine01 asn: 4200000100 -> 4200000200" in text and "\nchanged  spine01 (spine)" in text
    assert "    session + spine01 AS4200000200" in text and "      +++ b/switches/spine01/startup.yaml" in text
    md = format_against(plan, "markdown")
    assert md.startswith("### aidc plan: ") and "> **RENUMBERING: 2 existing device(s)" in md
    assert "#### spine01 (spine): changed" in md and "```diff\n--- a/switches/spine01/nv-set.sh" in md
    data = json.loads(format_against(plan, "json"))
    assert data["changed"] is True and data["renumbered"] == ["spine01", "spine02"]
    assert data["against"] == "origin/main"


def test_a_removed_spine_is_removed_with_its_cables_and_sessions(tmp_path: Path) -> None:
    before, a = designed(LAB_MINI)
    after, b = designed(copy_spec(tmp_path / "new", **{"spine: {model: sn2700, count: 2}":
                                                       "spine: {model: sn2700, count: 1}"}))
    plan = compare(before, a, after, b, "v1")
    gone = next(d for d in plan.devices if d.device == "spine02")
    assert gone.status == "removed" and gone.cables_removed and gone.sessions_removed
    assert all(x.status == "removed" for x in gone.artifacts) and gone.artifacts
    assert plan.devices_before == plan.devices_after + 1
    assert f"{plan.cluster} against v1: 0 devices added, 1 removed" in format_against(plan, "text")
    back = compare(after, b, before, a, "v2")  # the other way round, the spine is added
    added = next(d for d in back.devices if d.device == "spine02")
    assert added.status == "added" and added.cables_added == gone.cables_removed
    assert added.sessions_added == gone.sessions_removed
    # a second spine takes addresses other devices had (their numbers are allocated after it):
    # growth that renumbers, which the plan must flag, each with the address line it comes from
    assert back.renumbered and "spine02" not in {d.device for d in back.renumbered}
    for d in back.renumbered:
        assert all(f"{r.what}: {r.old} -> {r.new}" in d.addresses for r in d.renumbered)
    assert "!!! RENUMBERING" in format_against(back, "text")


def test_against_a_folder(tmp_path: Path) -> None:
    old = copy_spec(tmp_path / "old", **{"spine_base: 4200000100": "spine_base: 4200000200"})
    plan = plan_against(LAB_MINI, str(old))
    assert plan.against == str(old) and {d.device for d in plan.renumbered} == {"spine01", "spine02"}
    assert previous_spec(LAB_MINI, str(old), tmp_path) == old


def test_against_a_git_revision(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    spec = copy_spec(repo / "inventory" / "prod")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "prod")
    nets = spec / "networks.yml"
    nets.write_text(nets.read_text().replace("spine_base: 4200000100", "spine_base: 4200000200"))
    extracted = previous_spec(spec, "main", tmp_path / "work")
    assert extracted == tmp_path / "work" / "inventory" / "prod"
    assert "spine_base: 4200000100" in (extracted / "networks.yml").read_text(), "the committed version"
    assert "4200000200" in nets.read_text(), "the working tree is untouched"
    plan = plan_against(spec, "main")
    assert {d.device for d in plan.renumbered} == {"spine01", "spine02"} and plan.against == "main"
    with pytest.raises(AgainstError, match=r"^'nope' is neither a folder nor a git revision$"):
        previous_spec(spec, "nope", tmp_path / "w2")
    (spec.parent / "staging").mkdir()
    with pytest.raises(AgainstError, match="inventory/staging does not exist at revision main"):
        previous_spec(spec.parent / "staging", "main", tmp_path / "w3")
    outside = copy_spec(tmp_path / "loose")
    with pytest.raises(AgainstError, match="not a git repository"):
        previous_spec(outside, "main", tmp_path / "w4")


def test_a_previous_spec_that_does_not_validate(tmp_path: Path) -> None:
    bad = copy_spec(tmp_path / "bad", **{"loopbacks: 10.0.0.0/24": "loopbacks: 10.0.0.0/40"})
    with pytest.raises(AgainstError, match=r"^the spec at .*bad does not validate: "):
        plan_against(LAB_MINI, str(bad))
