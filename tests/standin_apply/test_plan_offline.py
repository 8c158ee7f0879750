"""``aidc plan --target inventory --no-running`` for every vendor switch platform (no device
needed): lab-mini with its management switches made EOS has Cumulus, SONiC and EOS switches,
and every one of them must be planned ``create`` from its rendered files (never "not
implemented"). The ``frr`` platform is planned the same way by the lab tests (tests/apply).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from toolkit.cli import app

ROOT = Path(__file__).resolve().parents[2]
LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"


def _spec(tmp: Path) -> Path:
    dest = tmp / "spec"
    shutil.copytree(LAB_MINI, dest)
    cat = yaml.safe_load((dest / "catalog.yml").read_text())
    cat["catalog"]["switches"]["sn2201"]["platform"] = "eos"  # the 1G management switches
    (dest / "catalog.yml").write_text(yaml.safe_dump(cat, sort_keys=False))
    return dest


def test_plan_inventory_no_running_covers_every_switch_platform(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AIDC_STATE_DIR", str(tmp_path / "state"))
    for var in ("AIDC_SSH_KEY", "AIDC_SSH_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    r = CliRunner().invoke(app, ["plan", str(_spec(tmp_path)), "--target", "inventory", "--no-running",
                                 "--format", "json", "--no-storage"])
    assert r.exit_code == 2, r.output  # changes (everything to create), no error
    p = json.loads(r.stdout)
    switches = [d for d in p["devices"] if d["kind"] == "switch"]
    assert {d["platform"] for d in switches} == {"cumulus", "sonic", "eos"}
    for d in switches:
        assert d["status"] == "create" and not d.get("error"), d
        assert d["files"] and all(f["status"] == "added" for f in d["files"]), d
    assert p["errors"] == []
