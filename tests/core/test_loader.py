"""Loading: YAML errors, unknown keys, wrong types -> file:line:col, YAML path, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from toolkit.spec import load

AIDC = [sys.executable, "-m", "toolkit.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AIDC, *args], capture_output=True, text=True, timeout=120)


def test_examples_load_without_findings() -> None:
    for name in ("lab-mini", "superpod-1su", "cluster-16k"):
        res = load(Path("inventory/examples") / name)
        assert res.spec is not None, [f.text() for f in res.findings]
        assert res.findings == []


def test_yaml_syntax_error_points_at_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.yml"
    p.write_text("cluster:\n  name: x\nsite:\n  domain: [unclosed\n")
    res = load(p)
    assert res.spec is None
    (f,) = res.findings
    assert f.code == "LOAD002" and f.file and f.file.endswith("bad.yml")
    assert f.line is not None and f.line >= 4


def test_unknown_key_did_you_mean(lab_mini_data, write_spec) -> None:
    lab_mini_data["networks"]["compute"]["oversubscripton"] = "1:1"
    p = write_spec(lab_mini_data)
    res = load(p)
    assert res.spec is None
    f = next(f for f in res.findings if f.code == "SPEC001")
    assert f.yaml_path == "networks.compute.oversubscripton"
    assert "did you mean 'oversubscription'" in f.hint
    line = p.read_text().splitlines()[f.line - 1]  # type: ignore[operator]
    assert "oversubscripton" in line


def test_wrong_type_and_missing_key_reported_together(lab_mini_data, write_spec) -> None:
    lab_mini_data["catalog"]["servers"]["gpu-2x"]["gpus"] = "two"
    del lab_mini_data["site"]["domain"]
    res = load(write_spec(lab_mini_data))
    codes = {(f.code, f.yaml_path) for f in res.findings}
    assert ("SPEC002", "catalog.servers.gpu-2x.gpus") in codes
    assert ("SPEC003", "site.domain") in codes
    assert all(f.line for f in res.findings)


def test_duplicate_key_in_mapping(tmp_path: Path) -> None:
    p = tmp_path / "dup.yml"
    p.write_text("cluster:\n  name: a\n  name: b\n")
    res = load(p)
    assert any(f.code == "LOAD003" and f.line == 3 for f in res.findings)


def test_folder_merge_and_conflict(tmp_path: Path) -> None:
    src = Path("inventory/examples/lab-mini")
    for f in src.glob("*.yml"):
        (tmp_path / f.name).write_text(f.read_text())
    assert load(tmp_path).spec is not None
    (tmp_path / "zz-extra.yml").write_text("cluster:\n  name: other\n")
    res = load(tmp_path)
    f = next(f for f in res.findings if f.code == "LOAD005")
    assert f.file and f.file.endswith("zz-extra.yml") and f.line == 2
    assert "cluster.yml" in f.message


def test_list_merge_keeps_lines(tmp_path: Path) -> None:
    """Lists split over files concatenate and each item keeps its own file:line."""
    src = Path("inventory/examples/lab-mini")
    for f in src.glob("*.yml"):
        (tmp_path / f.name).write_text(f.read_text())
    (tmp_path / "zz-tenant.yml").write_text(
        "tenants:\n  - name: red\n    vni: 10100\n    vlan: 300\n    subnet: 172.16.30.0/24\n"
        "    gateway: 172.16.30.1\n    members: [stor-r01-stor01]\n"
    )
    from toolkit.rules import validate

    res = load(tmp_path)
    assert res.spec is not None and len(res.spec.tenants) == 3
    findings = validate(res.spec, res.sources)
    f = next(f for f in findings if f.code == "VNI001")
    assert f.yaml_path == "tenants[2].vni"
    assert f.file and f.file.endswith("zz-tenant.yml") and f.line == 3


def test_cli_validate_exit_codes_and_no_traceback(lab_mini_data, write_spec) -> None:
    ok = run("validate", "inventory/examples/lab-mini")
    assert ok.returncode == 0, ok.stderr
    lab_mini_data["qos"]["cnp_priority"] = 3
    lab_mini_data["tenants"][1]["vni"] = 10100
    bad = run("validate", str(write_spec(lab_mini_data)))
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr + bad.stdout
    assert "QOS002" in bad.stderr and "VNI001" in bad.stderr
    js = run("validate", str(write_spec(lab_mini_data)), "--format", "json")
    data = json.loads(js.stdout)
    assert {d["code"] for d in data} >= {"QOS002", "VNI001"}
    assert all(d["line"] for d in data)
    missing = run("validate", "no/such/path")
    assert missing.returncode == 2 and "LOAD000" in missing.stderr  # usage: the path is wrong
    usage = run("validate")
    assert usage.returncode == 2


def test_schema_command_is_json_schema() -> None:
    res = run("schema")
    assert res.returncode == 0
    doc = json.loads(res.stdout)
    assert doc["title"] == "aidc cluster spec"
    assert "networks" in doc["properties"]
    # every field of every model is documented
    undocumented = [f"<root>.{k}" for k, v in doc["properties"].items() if "description" not in v]
    for name, d in doc.get("$defs", {}).items():
        for field, prop in d.get("properties", {}).items():
            if "description" not in prop:
                undocumented.append(f"{name}.{field}")
    assert undocumented == []
