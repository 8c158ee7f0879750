"""plan --against (two versions of a spec, no devices) and the example CI pipelines under docs/,
run for real: their commands execute in a temporary git repository with a main branch and a
pull-request branch."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"
BIN = Path(sys.executable).parent
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.test", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.test", "GIT_CONFIG_GLOBAL": "/dev/null"}


def sh(cmd: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **GIT_ENV, "PATH": f"{BIN}:{os.environ['PATH']}", **(env or {})}
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", cmd], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=300)


def git(cwd: Path, *args: str) -> None:
    res = sh("git " + " ".join(args), cwd)
    assert res.returncode == 0, res.stderr


def grow_last_rack(spec: Path) -> None:
    """One GPU server more at the end of the last rack of the last SU (must renumber nothing)."""
    p = spec / "layout.yml"
    data = yaml.safe_load(p.read_text())
    data["layout"]["scalable_units"][-1]["racks"][-1]["servers"][0]["count"] += 1
    p.write_text(yaml.safe_dump(data, sort_keys=False))


def insert_in_first_rack(spec: Path) -> None:
    """One GPU server more in the first rack: shifts the servers after it (renumbering)."""
    p = spec / "layout.yml"
    data = yaml.safe_load(p.read_text())
    data["layout"]["scalable_units"][0]["racks"][0]["servers"][0]["count"] += 1
    p.write_text(yaml.safe_dump(data, sort_keys=False))


def planned_copy(dst: Path) -> None:
    """lab-mini with its SU planned for 6 servers, so that growing to 5 re-cables nothing, and a
    front-end oversubscription that leaves room for them."""
    shutil.copytree(LAB_MINI, dst)
    p = dst / "networks.yml"
    data = yaml.safe_load(p.read_text())
    data["networks"]["compute"]["servers_per_su"] = 6
    data["networks"]["business"]["oversubscription"] = "4:1"  # room for the fifth server's front-end ports
    p.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone whose origin has main (lab-mini as inventory/prod); the clone is on branch pr."""
    origin = tmp_path / "origin"
    (origin / "inventory").mkdir(parents=True)
    planned_copy(origin / "inventory" / "prod")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "lab-mini")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-qb", "pr")
    return work


def commit(repo: Path, message: str) -> None:
    git(repo, "commit", "-qam", f"'{message}'")


def test_plan_against_exit_codes_and_formats(repo: Path, tmp_path: Path) -> None:
    spec = "inventory/prod"
    same = sh(f"aidc plan {spec} --against origin/main", repo)
    assert same.returncode == 0 and "no changes" in same.stdout, same.stdout + same.stderr
    grow_last_rack(repo / spec)
    commit(repo, "grow")
    res = sh(f"aidc plan {spec} --against origin/main --format json", repo)
    assert res.returncode == 2, res.stderr
    plan = json.loads(res.stdout)
    added = [d for d in plan["devices"] if d["status"] == "added"]
    assert [d["device"] for d in added] == ["su1-r02-gpu03"]
    assert plan["renumbered"] == []
    changed = {d["device"] for d in plan["devices"] if d["status"] == "changed"}
    # the new server's leaves and OOB switch change (new cables and ports); nothing else does
    assert {"su1-leaf-rail0", "su1-leaf-rail1", "su1-r02-oob"} <= changed, changed
    assert all(d["cables_added"] or d["addresses"] or d["artifacts"] for d in plan["devices"])
    leaf = next(d for d in plan["devices"] if d["device"] == "su1-leaf-rail0")
    assert any("su1-r02-gpu03" in c for c in leaf["cables_added"])
    assert all(a["diff"].startswith("--- a/") for a in leaf["artifacts"] if a["status"] == "modified")
    md = sh(f"aidc plan {spec} --against origin/main --format markdown", repo)
    assert md.returncode == 2 and md.stdout.startswith("### aidc plan:") and "```diff" in md.stdout
    # a folder works as well as a revision, and gives the same answer
    old = tmp_path / "old"
    planned_copy(old)
    folder = sh(f"aidc plan {spec} --against {old} --format json", repo)
    assert folder.returncode == 2 and json.loads(folder.stdout)["devices"] == plan["devices"]
    # errors are 1, never 2
    bad = sh(f"aidc plan {spec} --against no-such-branch", repo)
    assert bad.returncode == 1 and "neither a folder nor a git revision" in bad.stderr, bad.stderr
    nolab = sh(f"aidc plan {spec} --target lab", repo, env={"AIDC_STATE_DIR": str(tmp_path / "state")})
    assert nolab.returncode == 1 and "no lab" in nolab.stderr, nolab.stdout + nolab.stderr


def test_plan_against_flags_renumbering_loudly(repo: Path) -> None:
    insert_in_first_rack(repo / "inventory" / "prod")
    commit(repo, "insert")
    res = sh("aidc plan inventory/prod --against origin/main", repo)
    assert res.returncode == 2
    assert "RENUMBERING" in res.stdout.splitlines()[1]
    data = json.loads(sh("aidc plan inventory/prod --against origin/main --format json", repo).stdout)
    assert data["renumbered"], data["renumbered"]


def _github_steps(job: str) -> list[str]:
    wf = yaml.safe_load((ROOT / "docs" / "gitops" / "github-actions.yml").read_text())
    return [s["run"] for s in wf["jobs"][job]["steps"] if "run" in s and s.get("name") != "install aidc"]


def _gitlab_script(job: str) -> list[str]:
    ci = yaml.safe_load((ROOT / "docs" / "gitops" / "gitlab-ci.yml").read_text())
    return list(ci[job]["script"])


PIPELINES = {
    "github": (_github_steps, {"SPEC": "inventory/prod", "GITHUB_BASE_REF": "main"}),
    "gitlab": (_gitlab_script, {"SPEC": "inventory/prod", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}),
}


@pytest.mark.parametrize("ci", sorted(PIPELINES))
def test_pipeline_plan_job_runs(ci: str, repo: Path) -> None:
    steps, env = PIPELINES[ci]
    grow_last_rack(repo / "inventory" / "prod")
    commit(repo, "grow")
    for cmd in steps("plan"):
        res = sh(cmd, repo, env)
        assert res.returncode == 0, f"{cmd}\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    assert (repo / "out" / "lab-mini" / "switches").is_dir()
    md = (repo / "plan.md").read_text()
    assert md.startswith("### aidc plan:") and "su1-r02-gpu03" in md
    assert json.loads((repo / "plan.json").read_text())["renumbered"] == []


@pytest.mark.parametrize("ci", sorted(PIPELINES))
def test_pipeline_plan_job_stops_renumbering(ci: str, repo: Path) -> None:
    steps, env = PIPELINES[ci]
    insert_in_first_rack(repo / "inventory" / "prod")
    commit(repo, "insert")
    results = [sh(cmd, repo, env) for cmd in steps("plan")]
    failed = [r for r in results if r.returncode != 0]
    assert failed and "renumbered" in failed[0].stderr


@pytest.mark.parametrize("ci", sorted(PIPELINES))
def test_pipeline_apply_job_commands_exist(ci: str, repo: Path) -> None:
    """The apply job needs real devices; here its first step runs and every aidc command it uses
    is a real subcommand with those options (``--help`` parses them)."""
    steps, env = PIPELINES[ci]
    cmds = steps("apply")
    assert sh(cmds[0], repo, env).returncode == 0  # validate
    for cmd in cmds:
        for m in re.finditer(r"aidc (\w+) \"\$SPEC\"((?: --[\w-]+(?: [^-\s>|]\S*)?)*)", cmd):
            sub, opts = m.group(1), m.group(2)
            helptext = sh(f"aidc {sub} --help", repo).stdout
            for opt in re.findall(r"--[\w-]+", opts):
                assert opt in helptext, (sub, opt)
