"""Issue #13: the applied state a team shares lives on a git ref (``--shared-state git:<repo>``),
with a lock, so a plan in CI compares with what was really applied — not with a laptop's folder.

Real git throughout: a bare repository plays the team's remote, two state folders play two
machines (a laptop that applied, a CI runner that plans).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.plan.shared import SharedState, SharedStateError, applying, parse
from toolkit.plan.store import AppliedRecord, ApplyLockedError, TargetStore, iso, sha256

ROOT = Path(__file__).resolve().parents[2]
LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    repo = tmp_path / "team.git"
    subprocess.run(["git", "init", "--bare", "-q", str(repo)], check=True)
    return repo


def _record(store: TargetStore, device: str, text: str, apply_id: str = "a1") -> None:
    rec = AppliedRecord(
        device=device,
        kind="switch",
        apply_id=apply_id,
        applied_at=iso(),
        files={"frr.conf": sha256(text)},
        running_fingerprint="f" * 64,
    )
    store.save_applied(rec, {"frr.conf": text}, None)


def _state(base: Path, spec: str) -> tuple[SharedState, Path]:
    st = SharedState(spec, "inventory", "c1", base)
    return st, base / "targets" / "inventory" / "c1"


def test_parse_spec() -> None:
    assert parse("git:../infra.git") == ("../infra.git", "refs/aidc/state")
    assert parse("git:ssh://git@example/infra.git#refs/aidc/prod") == ("ssh://git@example/infra.git", "refs/aidc/prod")
    for bad in ("../infra.git", "git:", "git:x#main", "git:x#refs/a b"):
        with pytest.raises(SharedStateError, match="--shared-state"):
            parse(bad)


def test_record_published_by_one_machine_is_read_by_another(tmp_path: Path, remote: Path) -> None:
    spec = f"git:{remote}"
    a, root_a = _state(tmp_path / "laptop", spec)
    b, root_b = _state(tmp_path / "ci", spec)
    assert b.pull(root_b) is None  # nothing applied yet
    store_a = TargetStore(root_a)
    _record(store_a, "leaf1", "hostname leaf1\n")
    _record(store_a, "spine1", "hostname spine1\n")
    (root_a / "applied" / "leaf1" / "running").mkdir()
    (root_a / "applied" / "leaf1" / "running" / "frr.conf").write_text("device output stays local\n")
    store_a.append_audit({"apply_id": "a1", "result": "ok"})
    c1 = a.push(root_a, None, "aidc apply a1")
    assert b.pull(root_b) == c1
    store_b = TargetStore(root_b)
    assert store_b.record("leaf1") == store_a.record("leaf1")
    assert store_b.applied_text("spine1", "frr.conf") == "hostname spine1\n"
    assert store_b.audit() == [{"apply_id": "a1", "result": "ok"}]
    assert not (root_b / "applied" / "leaf1" / "running").exists()  # running output is never shared
    # the ref holds exactly the records, the applied files and the audit log
    names = subprocess.run(
        ["git", "--git-dir", str(remote), "ls-tree", "-r", "--name-only", "refs/aidc/state"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(names) == sorted(
        f"targets/inventory/c1/{n}"
        for n in (
            "audit.jsonl",
            "applied/leaf1/record.json",
            "applied/leaf1/files/frr.conf",
            "applied/spine1/record.json",
            "applied/spine1/files/frr.conf",
        )
    )
    # a second apply on the laptop drops spine1 and changes leaf1; the CI runner follows
    shutil.rmtree(root_a / "applied" / "spine1")
    _record(store_a, "leaf1", "hostname leaf1\n!\n", apply_id="a2")
    c2 = a.push(root_a, c1, "aidc apply a2")
    assert b.pull(root_b) == c2
    assert store_b.record("spine1") is None
    assert store_b.applied_text("leaf1", "frr.conf") == "hostname leaf1\n!\n"
    log = subprocess.run(
        ["git", "--git-dir", str(remote), "log", "--format=%s", "refs/aidc/state"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert log == ["aidc apply a2", "aidc apply a1"]


def test_an_apply_from_an_older_state_cannot_overwrite_a_newer_one(tmp_path: Path, remote: Path) -> None:
    spec = f"git:{remote}"
    a, root_a = _state(tmp_path / "a", spec)
    b, root_b = _state(tmp_path / "b", spec)
    _record(TargetStore(root_a), "leaf1", "one\n")
    base = a.push(root_a, None, "first")
    assert a.pull(root_a) == base and b.pull(root_b) == base
    _record(TargetStore(root_b), "leaf1", "two\n", apply_id="b")
    b.push(root_b, base, "b wins")
    _record(TargetStore(root_a), "leaf1", "three\n", apply_id="a")
    with pytest.raises(SharedStateError, match="moved while this apply ran"):
        a.push(root_a, base, "a is late")
    assert b.pull(root_b) and TargetStore(root_b).applied_text("leaf1", "frr.conf") == "two\n"


def test_lock_is_exclusive_and_names_its_holder(tmp_path: Path, remote: Path) -> None:
    spec = f"git:{remote}#refs/aidc/prod"
    a, _ = _state(tmp_path / "a", spec)
    b, _ = _state(tmp_path / "b", spec)
    assert b.holder() is None
    a.acquire()
    holder = b.holder()
    assert holder is not None and " pid " in holder
    with pytest.raises(ApplyLockedError, match=r"shared lock .*refs/aidc/prod-lock/inventory/c1.*pid"):
        b.acquire()
    a.release()
    assert b.holder() is None
    b.acquire()
    b.release()


class _Target:
    name, cluster = "inventory", "c1"

    def __init__(self, base: Path) -> None:
        self.state_base = base
        self.root = base / "targets" / "inventory" / "c1"


def test_applying_publishes_even_a_failed_apply_and_always_unlocks(tmp_path: Path, remote: Path) -> None:
    spec = f"git:{remote}"
    laptop, ci = _Target(tmp_path / "laptop"), _Target(tmp_path / "ci")
    with pytest.raises(RuntimeError, match="device lost"), applying(spec, laptop) as publish_as:  # type: ignore[arg-type]
        assert SharedState(spec, "inventory", "c1", ci.state_base).holder()  # locked while it runs
        _record(TargetStore(laptop.root), "leaf1", "applied before the failure\n")
        publish_as("aidc apply x: failed")
        raise RuntimeError("device lost")
    st = SharedState(spec, "inventory", "c1", ci.state_base)
    assert st.holder() is None
    st.pull(ci.root)
    assert TargetStore(ci.root).applied_text("leaf1", "frr.conf") == "applied before the failure\n"
    with applying(None, laptop) as publish_as:  # type: ignore[arg-type]
        publish_as("no shared state: nothing happens")


def _spec(tmp: Path) -> Path:
    dest = tmp / "spec"
    shutil.copytree(LAB_MINI, dest)
    cat = yaml.safe_load((dest / "catalog.yml").read_text())
    cat["catalog"]["switches"]["sn2201"]["platform"] = "eos"
    (dest / "catalog.yml").write_text(yaml.safe_dump(cat, sort_keys=False))
    return dest


def _plan(spec: Path, state: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    monkeypatch.setenv("AIDC_STATE_DIR", str(state))
    r = CliRunner().invoke(
        app, ["plan", str(spec), "--target", "inventory", "--no-running", "--format", "json", "--no-storage", *extra]
    )
    assert r.exit_code in (0, 2), r.output
    return r.exit_code, json.loads(r.stdout)


def test_plan_in_ci_compares_with_what_the_team_applied(tmp_path: Path, remote: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`aidc plan --shared-state` on a machine that never applied sees the records another machine
    published: devices applied there are unchanged, the rest still to create."""
    from toolkit.design import design
    from toolkit.plan.desired import desired_state
    from toolkit.render import render
    from toolkit.spec import load
    from toolkit.targets import get_target

    for var in ("AIDC_SSH_KEY", "AIDC_SSH_PASSWORD", "AIDC_SHARED_STATE"):
        monkeypatch.delenv(var, raising=False)
    spec = _spec(tmp_path)
    shared = f"git:{remote}"
    code, before = _plan(spec, tmp_path / "ci", monkeypatch, "--shared-state", shared)
    assert code == 2 and {d["status"] for d in before["devices"]} == {"create"}
    # the laptop applied every switch: publish records of exactly the files the plan would push
    fab = design(load(spec).spec)
    tgt = get_target("inventory", fab, tmp_path / "laptop")
    desired, _ = desired_state(fab, render(fab, []), tgt)
    switches = sorted(n for n, dd in desired.items() if dd.kind == "switch" and not dd.error)
    assert switches
    store = TargetStore(tgt.root)
    for name in switches:
        dd = desired[name]
        rec = AppliedRecord(
            device=name,
            kind=dd.kind,
            apply_id="laptop",
            applied_at=iso(),
            files={n: sha256(f.text) for n, f in dd.files.items()},
        )
        store.save_applied(rec, {n: f.text for n, f in dd.files.items()}, None)
    SharedState(shared, tgt.name, tgt.cluster, tgt.state_base).push(tgt.root, None, "aidc apply laptop")
    code, after = _plan(spec, tmp_path / "ci", monkeypatch, "--shared-state", shared)
    status = {d["device"]: d["status"] for d in after["devices"]}
    assert {status[n] for n in switches} == {"unchanged"}, status
    assert code == 2 and any(s == "create" for s in status.values())  # the servers were not applied
    # without the shared state the same CI machine knows nothing
    _code, local = _plan(spec, tmp_path / "ci2", monkeypatch)
    assert {d["status"] for d in local["devices"] if d["device"] in switches} == {"create"}
