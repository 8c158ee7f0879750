"""A corpus of realistic mistakes, one test per class of bad input (see issue 8).

Crashes, mangled messages, hangs, valid YAML rejected, accepted-then-broken, exit codes,
findings without a place, root cause first, messages. The fuzz in test_fuzz.py keeps the
classes fixed for random mutations; these tests pin the exact behaviour of each class.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from tests.input.test_fuzz import guard
from toolkit import cli
from toolkit.findings import Finding
from toolkit.rules import validate
from toolkit.rules.registry import RULES, Rule
from toolkit.spec import load

D = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"
AIDC = [sys.executable, "-m", "toolkit.cli"]


def aidc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AIDC, *args], capture_output=True, text=True, timeout=120, cwd=cwd or ROOT)


def findings_of(path: Path) -> list[Finding]:
    with guard(f"validate {path}"):
        res = load(path)
        out = list(res.findings)
        if res.spec is not None:
            out += validate(res.spec, res.sources)
    return out


def codes(fs: list[Finding]) -> set[str]:
    return {f.code for f in fs}


def one(fs: list[Finding], code: str) -> Finding:
    hits = [f for f in fs if f.code == code]
    assert hits, f"no {code} in {[f.text() for f in fs]}"
    return hits[0]


def copy_lab_mini(tmp_path: Path) -> Path:
    dest = tmp_path / "lab-mini"
    shutil.copytree(LAB_MINI, dest)
    return dest


def edited(tmp_path: Path, change: Callable[[D], None], data: D) -> Path:
    change(data)
    p = tmp_path / "spec.yml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


# --------------------------------------------------------------------------- crashes


@pytest.mark.parametrize("text", ["", "# notes about the site\n", "---\n", "null\n", "~\n", "--- # empty\n"])
def test_a_file_without_a_document_next_to_the_spec_is_ignored(tmp_path: Path, text: str) -> None:
    spec = copy_lab_mini(tmp_path)
    (spec / "notes.yml").write_text(text)
    assert findings_of(spec) == []


def test_an_empty_spec_file_reports_the_missing_sections_at_its_line_1(tmp_path: Path) -> None:
    p = tmp_path / "empty.yml"
    p.write_text("# nothing yet\n")
    fs = findings_of(p)
    missing = {f.path[0] for f in fs if f.code == "SPEC003"}
    assert missing == {"cluster", "site", "catalog", "layout", "networks"}
    assert all(f.file and f.file.endswith("empty.yml") and f.line == 1 for f in fs)


@pytest.mark.parametrize("role", ["[/red]", "[bold]compute", "[link=x]y[/link]", ":100:"])
def test_brackets_and_colons_in_a_value_print_literally(tmp_path: Path, lab_mini_data: D, role: str) -> None:
    p = edited(tmp_path, lambda d: d["catalog"]["servers"]["gpu-2x"]["nics"][0].update(role=role), lab_mini_data)
    res = aidc("validate", str(p))
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert repr(role) in res.stderr
    assert "catalog.servers.gpu-2x.nics[0].role" in res.stderr


@pytest.mark.parametrize(
    "value",
    ["1" + "0" * 5000, "2024-13-45", "2024-02-30", "!!binary 'zz!'", "!!float abc", "!!int 0x",
     "2001-12-14t21:59:43.10-99:00"],
    ids=["5001-digit-int", "month-13", "feb-30", "bad-base64", "float-tag", "int-tag", "tz-offset"],
)
def test_a_value_yaml_cannot_construct_is_a_finding_at_its_line(tmp_path: Path, value: str) -> None:
    """Integers past Python's 4,300 digits, impossible dates, tagged values that do not parse:
    PyYAML raises while building them (a traceback, before this was caught)."""
    spec = copy_lab_mini(tmp_path)
    layout = spec / "layout.yml"
    lines = layout.read_text().splitlines()
    n = next(i for i, line in enumerate(lines) if "power_kw:" in line)
    lines[n] = lines[n].split("power_kw:")[0] + f"power_kw: {value}"
    layout.write_text("\n".join(lines) + "\n")
    res = aidc("validate", str(spec))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr
    assert f"layout.yml:{n + 1}:" in res.stderr and "LOAD002" in res.stderr, res.stderr
    assert len(res.stderr) < 2000, "the value is clipped in the message, not printed whole"


# --------------------------------------------------------------------------- mangled messages


@pytest.mark.parametrize(
    "message",
    ["'^[a-z][a-z0-9]{0,7}$'", "fd00:100::/64 :thumbs_up: :100:", "[red]x[/red] [/] [", "path a[key].b"],
)
def test_the_text_printer_prints_every_message_literally(message: str) -> None:
    f = Finding(code="X001", severity="error", message=message, path=["a", "key", 0], hint="[dim]h[/dim]",
                file="f.yml", line=3, col=1)
    buf = io.StringIO()
    saved = cli.err
    cli.err = Console(file=buf, width=10_000, soft_wrap=True, emoji=False, highlight=False)
    try:
        cli._print_findings([f], "text")
    finally:
        cli.err = saved
    text = buf.getvalue()
    assert f"f.yml:3:1  a.key[0]  error X001: {message}  ([dim]h[/dim])" in text


def test_a_control_character_in_a_value_prints_as_its_escape(tmp_path: Path, lab_mini_data: D) -> None:
    # found by the random fuzz: a MinIO server named "\r" printed STO012's message with a bare carriage
    # return, which a terminal shows as the message's start overwritten
    f = Finding(code="X001", severity="error", message="a\rb\x00c\u2028d\te", hint="h\n", path=["a"])
    assert (f.message, f.hint) == ("a\\rb\\x00c\\u2028d\\te", "h\\n")
    lab_mini_data["storage"]["minio"][0]["pools"][0]["servers"][0] = "\r"
    res = aidc("validate", str(edited(tmp_path, lambda d: None, lab_mini_data)))
    assert res.returncode == 1 and "\r" not in res.stdout + res.stderr
    line = next(x for x in res.stderr.splitlines() if "STO012" in x)
    assert "servers \\r, stor-r01-stor02" in line, res.stderr


# --------------------------------------------------------------------------- hangs


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d["catalog"]["servers"]["stor-1u"].update(drives=4294967295), "catalog.servers.stor-1u.drives",
         "densest storage servers"),
        (lambda d: d["layout"]["racks"][1]["servers"][0].update(count=4294967295),
         "layout.racks[1].servers[0].count", "no rack holds more than 128"),
        (lambda d: d["layout"]["racks"][1]["servers"][0].update(count=100000), "layout.racks[1].servers[0].count",
         "no rack holds more than 128"),
        (lambda d: d["networks"]["compute"].update(servers_per_su=10**9), "networks.compute.servers_per_su",
         "rail leaf has at most 8192 ports"),
        (lambda d: d["networks"]["compute"]["spine"].update(count=10**6), "networks.compute.spine.count", "1024 ports"),
        (lambda d: d["qos"].setdefault("ecn", {}).update(max_kbytes=10**9), "qos.ecn.max_kbytes", "64 MiB"),
    ],
)
def test_huge_numbers_are_refused_by_the_schema_saying_why(
    tmp_path: Path, lab_mini_data: D, change: Callable[[D], None], path: str, words: str
) -> None:
    f = one(findings_of(edited(tmp_path, change, lab_mini_data)), "SPEC002")
    assert f.yaml_path == path and "too large" in f.message and words in f.message
    assert f.hint.startswith("use at most")


def test_too_many_servers_in_all_is_refused_before_design(tmp_path: Path, lab_mini_data: D) -> None:
    racks = [{"name": f"r{i:03d}", "servers": [{"model": "stor-1u", "count": 128}]} for i in range(300)]
    f = one(findings_of(edited(tmp_path, lambda d: d["layout"]["racks"].extend(racks), lab_mini_data)), "SPEC002")
    assert "aidc designs at most 32768" in f.message and f.yaml_path == "layout"


def test_an_alias_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        lines.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{', '.join([f'*{prev}'] * 9)}]")
    p = tmp_path / "laughs.yml"
    p.write_text("\n".join(lines) + "\n")
    f = one(findings_of(p), "LOAD006")
    assert "alias" in f.message and f.line is not None and f.line > 1


@pytest.mark.parametrize(
    ("text", "words"),
    [("a: &a [*a]\n", "refers to itself"), ("a: " + "[" * 100 + "]" * 100 + "\n", "deeper than 64"),
     ("- " * 70 + "x\n", "deeper than 64")],
)
def test_recursive_and_deep_documents_are_refused(tmp_path: Path, text: str, words: str) -> None:
    p = tmp_path / "x.yml"
    p.write_text(text)
    fs = findings_of(p)
    assert any(words in f.message for f in fs), [f.text() for f in fs]


def test_a_flat_list_over_the_value_limit_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.yml"
    p.write_text("site:\n  ntp: [" + ", ".join(["10.0.0.1"] * 150_000) + "]\n")
    assert "LOAD006" in codes(findings_of(p))


# --------------------------------------------------------------------------- valid YAML rejected

def test_merge_keys_with_overrides_are_valid(tmp_path: Path) -> None:
    spec = copy_lab_mini(tmp_path)
    cat = spec / "catalog.yml"
    text = cat.read_text().replace("    stor-1u:\n", "    stor-1u: &stor\n", 1)
    merged = "    stor-2u:\n      <<: *stor\n      drives: 8\n"
    text = text.replace("      power_w: 600\n", "      power_w: 600\n" + merged, 1)
    cat.write_text(text)
    lines = text.splitlines()
    res = load(spec)
    assert res.spec is not None, [f.text() for f in res.findings]
    small, big = res.spec.catalog.servers["stor-1u"], res.spec.catalog.servers["stor-2u"]
    assert (big.vendor, big.drives, big.power_w, big.nics) == (small.vendor, 8, small.power_w, small.nics)
    assert small.drives == 4 and small.power_w == 600
    marks = res.sources.marks
    assert lines[marks[("catalog", "servers", "stor-2u", "drives")].line - 1] == "      drives: 8"
    assert lines[marks[("catalog", "servers", "stor-2u", "power_w")].line - 1] == "      power_w: 600"
    assert findings_of(spec) == []


def test_two_explicit_equal_keys_next_to_a_merge_are_still_duplicates(tmp_path: Path) -> None:
    p = tmp_path / "dup.yml"
    p.write_text("base: &b {x: 1}\nother:\n  <<: *b\n  x: 2\n  x: 3\n")
    (f,) = [f for f in load(p).findings if f.code == "LOAD003"]
    assert f.line == 5 and "first at line 4" in f.message


# --------------------------------------------------------------------------- accepted, then broken


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (lambda d: d["storage"]["ceph"][0].update(mons=["stor-r01-stor01"] * 3), "NAME007", "storage.ceph[0].mons[1]"),
        (lambda d: d["storage"]["ceph"][0]["pools"].append(dict(d["storage"]["ceph"][0]["pools"][0])), "NAME007",
         "storage.ceph[0].pools[2].name"),
        (lambda d: d["storage"]["ceph"][0]["osd_hosts"].append("stor-r01-stor01"), "NAME007",
         "storage.ceph[0].osd_hosts[3]"),
        (lambda d: d["storage"]["minio"][0]["pools"].append(dict(d["storage"]["minio"][0]["pools"][0])), "NAME007",
         "storage.minio[0].pools[1].servers[0]"),
        (lambda d: d["site"].update(dns=["10.254.0.11", "10.254.0.11"]), "NAME008", "site.dns[1]"),
        (lambda d: d["site"].update(syslog=["10.254.0.12", "10.254.0.12"]), "NAME008", "site.syslog[1]"),
        (lambda d: d["layout"]["racks"][1]["servers"][0].update(prefix="Svc_"), "SPEC002",
         "layout.racks[1].servers[0].prefix"),
        (lambda d: d["layout"]["racks"][1]["servers"][0].update(prefix="a/b"), "SPEC002",
         "layout.racks[1].servers[0].prefix"),
        (lambda d: d["site"].update(timezone="Europe/Berln"), "SPEC002", "site.timezone"),
        (lambda d: d["storage"]["ceph"][0]["pools"][0].update(pg_num=True), "SPEC002",
         "storage.ceph[0].pools[0].pg_num"),
        (lambda d: d["qos"].setdefault("ecn", {}).update(max_kbytes=2**40), "SPEC002", "qos.ecn.max_kbytes"),
        (lambda d: d["site"].update(domain="Lab Mini!"), "SPEC002", "site.domain"),
        (lambda d: d["cluster"].update(description="two\nlines"), "SPEC002", "cluster.description"),
    ],
)
def test_what_used_to_break_later_is_a_finding(
    tmp_path: Path, lab_mini_data: D, change: Callable[[D], None], code: str, path: str
) -> None:
    fs = findings_of(edited(tmp_path, change, lab_mini_data))
    f = one(fs, code)
    assert f.yaml_path == path and f.file and f.line


def test_a_layout_without_racks_is_lay005_not_a_design_crash(tmp_path: Path) -> None:
    # found by the random fuzz: l3ls-evpn (no SUs) without layout.racks designed no rack for its spines
    from tests.conftest import example_data

    fs = findings_of(edited(tmp_path, lambda d: d["layout"].pop("racks"), example_data("l3ls-evpn")))
    errors = [f for f in fs if f.severity == "error"]
    assert [f.code for f in errors] == ["LAY005"], [f.text() for f in fs]
    assert errors[0].yaml_path == "layout" and errors[0].line and "no rack" in errors[0].message


def test_a_misspelt_time_zone_gets_a_suggestion(tmp_path: Path, lab_mini_data: D) -> None:
    f = one(findings_of(edited(tmp_path, lambda d: d["site"].update(timezone="Europe/Berln"), lab_mini_data)),
            "SPEC002")
    assert "did you mean 'Europe/Berlin'" in f.message


# --------------------------------------------------------------------------- exit codes


def test_exit_codes(tmp_path: Path, lab_mini_data: D) -> None:
    assert aidc("validate", str(LAB_MINI)).returncode == 0
    assert aidc("validate", "no/such/spec").returncode == 2
    assert aidc("validate", str(LAB_MINI), "--format", "xml").returncode == 2
    assert aidc("show", str(LAB_MINI), "--platform", "bogus").returncode == 2
    # plan follows the GitOps convention: 2 is "changes pending" only, so a usage error is 1
    for args in (["no/such/spec"], [str(LAB_MINI), "--format", "xml"], [str(LAB_MINI), "--target", "nowhere"],
                 [str(LAB_MINI), "--against", "HEAD", "--platform", "bogus"]):
        res = aidc("plan", *args)
        assert res.returncode == 1, (args, res.returncode, res.stderr)
        assert res.stderr.strip(), args  # and it says why
    version = aidc("--version")
    assert version.returncode == 0 and version.stdout.startswith("aidc ")
    lab_mini_data["networks"]["business"]["asn"]["spine"] = 3356  # ASN003 (a public ASN), a warning only
    p = tmp_path / "warn.yml"
    p.write_text(yaml.safe_dump(lab_mini_data))
    assert aidc("validate", str(p)).returncode == 0
    strict = aidc("validate", str(p), "--strict")
    assert strict.returncode == 1
    assert "spec is valid" not in strict.stdout and "--strict fails on warnings" in strict.stdout


CRASH = (
    "import sys\n"
    "import toolkit.cli as c\n"
    "@c.app.command()\n"
    "def boom() -> None:\n"
    "    raise KeyError('no such thing')\n"
    "sys.argv = ['aidc', *sys.argv[1:]]\n"
    "c.main()\n"
)


def test_an_internal_error_exits_3_with_one_line_and_the_traceback_only_under_debug() -> None:
    plain = subprocess.run([sys.executable, "-c", CRASH, "boom"], capture_output=True, text=True, cwd=ROOT,
                           timeout=60)
    assert plain.returncode == 3
    assert "Traceback" not in plain.stderr
    lines = [line for line in plain.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("internal error: KeyError") and "--debug" in lines[0]
    debug = subprocess.run([sys.executable, "-c", CRASH, "--debug", "boom"], capture_output=True, text=True,
                           cwd=ROOT, timeout=60)
    assert debug.returncode == 3 and "Traceback" in debug.stderr


def test_help_reads_like_a_usage_line() -> None:
    res = aidc("validate", "--help")
    assert "Usage: aidc validate [OPTIONS] PATH" in res.stdout
    assert "<bool>" not in res.stdout and "{path}" not in res.stdout
    render_help = " ".join(aidc("render", "--help").stdout.replace("│", " ").split())
    assert all(p in render_help for p in cli.PLATFORMS)  # the help names every value --platform accepts
    plan_help = " ".join(aidc("plan", "--help").stdout.replace("│", " ").split())
    assert f"apply reaches {', '.join(cli._DRIVEN)} switches" in plan_help and "not implemented" in plan_help


# --------------------------------------------------------------------------- findings without a place


def test_a_missing_section_in_a_folder_points_at_its_first_file(tmp_path: Path) -> None:
    spec = copy_lab_mini(tmp_path)
    (spec / "networks.yml").unlink()
    f = one(findings_of(spec), "SPEC003")
    assert f.yaml_path == "networks" and f.file and f.file.endswith("catalog.yml") and f.line == 1
    assert "top-level `networks:`" in f.hint


def test_a_rule_that_crashes_is_reported_with_a_place_even_beside_other_errors(lab_mini_data: D,
                                                                                  write_spec: Any) -> None:
    def broken(_: Any) -> Any:
        raise ZeroDivisionError("division by zero")
        yield  # pragma: no cover

    lab_mini_data["qos"]["cnp_priority"] = 3  # QOS002: another rule fails too
    res = load(write_spec(lab_mini_data))
    assert res.spec is not None
    RULES["ZZZ999"] = Rule("ZZZ999", "error", "a broken rule", broken)
    try:
        fs = validate(res.spec, res.sources)
    finally:
        del RULES["ZZZ999"]
    assert "QOS002" in codes(fs)
    f = one(fs, "ZZZ999")
    assert "internal error in this rule: ZeroDivisionError" in f.message and f.file and f.line == 1


# --------------------------------------------------------------------------- root cause first


def test_a_misspelt_server_model_is_one_finding_with_a_suggestion(tmp_path: Path, lab_mini_data: D) -> None:
    def rename(d: D) -> None:
        d["layout"]["racks"][1]["servers"][0]["model"] = "stor-1U"

    fs = [f for f in findings_of(edited(tmp_path, rename, lab_mini_data)) if f.severity == "error"]
    assert [f.code for f in fs] == ["REF001"], [f.text() for f in fs]
    assert "did you mean 'stor-1u'?" in fs[0].hint and "suppressed" in fs[0].hint


def test_an_unsupported_breakout_is_reported_before_what_follows(tmp_path: Path, lab_mini_data: D) -> None:
    fs = findings_of(edited(tmp_path, lambda d: d["networks"]["compute"]["leaf"].update(breakout="8x50G"),
                            lab_mini_data))
    errors = [f for f in fs if f.severity == "error"]
    assert [f.code for f in errors] == ["REF006"], [f.text() for f in errors]


@pytest.mark.parametrize(
    ("change", "code", "suggestion"),
    [
        (lambda d: d["tenants"][0]["members"].__setitem__(0, "su1-r01-gpu1"), "REF003", "su1-r01-gpu01"),
        (lambda d: d["storage"]["ceph"][0]["mons"].__setitem__(0, "stor-r01-stor1"), "REF004", "stor-r01-stor01"),
        (lambda d: d["layout"].update(network_rack="net-r1"), "REF005", "net-r01"),
        (lambda d: d["networks"]["compute"]["spine"].update(model="sn270"), "REF002", "sn2700"),
    ],
)
def test_references_get_did_you_mean(
    tmp_path: Path, lab_mini_data: D, change: Callable[[D], None], code: str, suggestion: str
) -> None:
    f = one(findings_of(edited(tmp_path, change, lab_mini_data)), code)
    assert f"did you mean {suggestion!r}?" in f.hint


# --------------------------------------------------------------------------- messages


def test_an_unquoted_ratio_is_explained(tmp_path: Path) -> None:
    spec = copy_lab_mini(tmp_path)
    net = spec / "networks.yml"
    net.write_text(net.read_text().replace('oversubscription: "1:1"', "oversubscription: 2:1", 1))
    f = one(findings_of(spec), "SPEC002")
    assert f.yaml_path == "networks.compute.oversubscription"
    assert "2:1" in f.message and "121" in f.message and f.hint == "quote it: '2:1'"


def test_an_octet_over_255_is_not_called_host_bits(tmp_path: Path, lab_mini_data: D) -> None:
    def bad(d: D) -> None:
        d["tenants"][0]["subnet"] = "172.16.300.0/24"

    f = one(findings_of(edited(tmp_path, bad, lab_mini_data)), "SPEC002")
    assert "300" in f.message and "host bits" not in f.message and "write it like" in f.message


def test_host_bits_are_called_host_bits_with_the_network(tmp_path: Path, lab_mini_data: D) -> None:
    f = one(findings_of(edited(tmp_path, lambda d: d["tenants"][0].update(subnet="172.16.10.1/24"), lab_mini_data)),
            "SPEC002")
    assert "host bits set" in f.message and "172.16.10.0/24" in f.message


def test_a_duplicate_names_the_file_and_line_of_the_first(tmp_path: Path, lab_mini_data: D) -> None:
    lab_mini_data["tenants"][1]["vni"] = lab_mini_data["tenants"][0]["vni"]
    p = tmp_path / "spec.yml"
    p.write_text(yaml.safe_dump(lab_mini_data, sort_keys=False))
    f = one(findings_of(p), "VNI001")
    first_line = next(i for i, line in enumerate(p.read_text().splitlines(), 1) if "vni:" in line)
    assert f.message.startswith("VNI 10100 is already used at tenants[0].vni (")
    assert f.message.endswith(f"spec.yml:{first_line})")


def test_an_asn_past_the_last_one_is_not_called_public(tmp_path: Path, lab_mini_data: D) -> None:
    fs = findings_of(edited(tmp_path, lambda d: d["networks"]["business"]["asn"].update(leaf_base=4294967000),
                            lab_mini_data))
    assert "ASN001" in codes(fs)
    assert not [f for f in fs if f.code == "ASN003" and "4294967" in f.message]


def test_a_bound_says_the_value_the_limit_and_why(tmp_path: Path, lab_mini_data: D) -> None:
    f = one(findings_of(edited(tmp_path, lambda d: d["catalog"]["servers"]["stor-1u"].update(drives=500),
                               lab_mini_data)), "SPEC002")
    assert f.message.startswith("500 is too large: less than or equal to 256")
    assert "OSD" in f.message and f.hint == "use at most 256"


def test_a_quoted_number_says_to_drop_the_quotes(tmp_path: Path, lab_mini_data: D) -> None:
    f = one(findings_of(edited(tmp_path, lambda d: d["layout"]["racks"][1]["servers"][0].update(count="3"),
                               lab_mini_data)), "SPEC002")
    assert "got the text '3'" in f.message and f.hint == "write it without quotes"


# --------------------------------------------------------------------------- first contact


def tour_commands() -> list[list[str]]:
    """The commands of the README's short tour, as written."""
    text = (ROOT / "README.md").read_text()
    block = text.split("## A short tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    out = []
    for line in block.splitlines():
        cmd = line.split("#", 1)[0].strip()
        for part in cmd.split("&&"):
            if part.strip().startswith("aidc "):
                out.append(part.replace("[--json]", "").split()[1:])
    return out


def test_the_readme_tour_works_from_any_folder(tmp_path: Path) -> None:
    commands = tour_commands()
    assert ["examples", "lab-mini"] in commands and len(commands) >= 8
    for args in commands:
        res = aidc(*args, cwd=tmp_path)
        assert res.returncode == 0, f"aidc {' '.join(args)}: {res.stderr}"
    assert (tmp_path / "out" / "lab-mini").is_dir() and (tmp_path / "aidc.schema.json").is_file()


def test_a_leaf_range_spanning_a_reserved_asn_is_an_error(tmp_path: Path, lab_mini_data: D) -> None:
    """65500 + 1024 leaves crosses 65535 (reserved, RFC 7300): a leaf would get it. Neither end of
    the range is reserved, so checking only the ends let it through (with a mere warning)."""
    fs = findings_of(edited(tmp_path, lambda d: d["networks"]["business"]["asn"].update(leaf_base=65500),
                            lab_mini_data))
    f = one(fs, "ASN001")
    assert "65500-66523" in f.message and tuple(f.path) == ("networks", "business", "asn", "leaf_base")
