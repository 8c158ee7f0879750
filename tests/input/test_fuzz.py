"""Fuzz: structural mutations of every bundled example never crash, hang or slip through.

Each case takes a bundled example (cluster-16k cut to its first SU, so a render fits the CI
budget), applies one or two mutations — delete a key, nudge a number, swap two values of a type,
duplicate a key (in the text), duplicate a list item, a value of the wrong type, a huge or negative
number, a garbage string, an empty or truncated file — and then requires:

- loading and validating never raise, and finish within a generous guard (``GUARD_S``; the
  product's own budget is enforced by its bounds, see ``toolkit/spec``);
- every finding names a file and line, no finding is an internal error of a rule or of the design;
- the text printer prints every message literally;
- a spec that validates designs for every platform and renders (on one platform drawn per case,
  so a few hundred cases cover every platform many times).

``AIDC_FUZZ_SCALE`` multiplies the number of cases (300 in all by default; 0.2 for a quick run,
10 for a long one); ``AIDC_FUZZ_RANDOM=1`` draws new cases instead of CI's fixed ones.
"""

from __future__ import annotations

import copy
import io
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rich.console import Console

from tests.conftest import EXAMPLE_NAMES, example_data
from toolkit import cli
from toolkit.design import design
from toolkit.render import render
from toolkit.rules import validate
from toolkit.spec import load

# cases per example: the larger examples render for seconds, so they get fewer
CASES = {"lab-mini": 150, "superpod-1su": 100, "cluster-16k": 50}
SCALE = float(os.environ.get("AIDC_FUZZ_SCALE", "1"))
GUARD_S = 20  # per step; a hang shows as a clear failure, never as a stuck CI job
PLATFORMS = cli.PLATFORMS

Path_ = tuple[str | int, ...]


class Hang(AssertionError):
    pass


@contextmanager
def guard(what: str, seconds: int = GUARD_S) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"{what} took more than {seconds} s: a hang (the spec is in the falsifying example)")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def base(name: str) -> dict[str, Any]:
    data = example_data(name)
    if name == "cluster-16k":
        data["layout"]["scalable_units"] = data["layout"]["scalable_units"][:1]
    return data


BASES = {name: base(name) for name in EXAMPLE_NAMES}


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    out: list[Path_] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out += paths(v, (*prefix, i))
    return out


def get(data: Any, path: Path_) -> Any:
    for p in path:
        data = data[p]
    return data


GARBAGE = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "[/red]",
            "[bold]x",
            ":100:",
            "fd00:100::/64",
            "^[a-z][a-z0-9]{0,7}$",
            "{{ x }}",
            "{% raw %}",
            "a\nb",
            "Svc_",
            "a/b",
            "../../etc/passwd",
            "Europe/Berln",
            "x" * 300,
            "10.0.300.0/24",
            "10.0.0.1/24",
            "0x400G",
            "999999999G",
            "2:1",
            "null",
            "\x00",
            "\u202e",
        ]
    ),
    st.text(max_size=40),
)
NUMBERS = st.sampled_from([-(10**9), -1, 0, 1, 2, 3, 64, 4095, 4096, 65535, 2**31, 2**32 + 5, 2**63, 10**30])
OTHER = st.one_of(
    NUMBERS,
    GARBAGE,
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just([]),
    st.just({}),
    st.just([1, "a"]),
    st.just({"k": 1}),
)


def mutate(data: dict[str, Any], draw: Any) -> dict[str, Any]:
    """One structural mutation of the data (in place), drawn by hypothesis. Half of the kinds keep
    the schema's types (nudge a number, swap two scalars of one type, repeat a list item), so many
    cases reach the semantic rules, the design and the renderers."""
    kind = draw(st.sampled_from(["delete", "dup_item", "nudge", "nudge", "swap", "swap", "type", "number", "garbage"]))
    every = paths(data)
    fits = {
        "dup_item": [p for p in every if isinstance(p[-1], int)],
        "nudge": [p for p in every if type(get(data, p)) is int],
        "swap": [p for p in every if type(get(data, p)) in (int, str)],
    }.get(kind, every)
    if not fits:
        return data
    path = draw(st.sampled_from(fits))
    parent = get(data, path[:-1])
    key = path[-1]
    value = parent[key]
    if kind == "delete":
        del parent[key]
    elif kind == "dup_item":
        parent.insert(key, copy.deepcopy(value))
    elif kind == "nudge":
        parent[key] = draw(st.sampled_from([value + 1, value - 1, value * 2, value // 2, 0, 1]))
    elif kind == "swap":
        same = [p for p in fits if type(get(data, p)) is type(value) and p != path]
        if same:
            parent[key] = get(data, draw(st.sampled_from(same)))
    elif kind == "number":
        parent[key] = draw(NUMBERS)
    elif kind == "garbage":
        parent[key] = draw(GARBAGE)
    else:
        parent[key] = draw(OTHER)
    return data


def text_mutation(text: str, draw: Any) -> str:
    kind = draw(st.sampled_from(["none"] * 9 + ["dup_key", "truncate", "empty"]))
    if kind == "empty":
        return draw(st.sampled_from(["", "# only a comment\n", "---\n", "null\n", "~\n"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    if kind == "dup_key":
        lines = text.splitlines(keepends=True)
        keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("-")]
        if keyed:
            i = draw(st.sampled_from(keyed))
            lines.insert(i, lines[i])
            return "".join(lines)
    return text


def check_case(name: str, draw: Any) -> None:
    data = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 2))):
        data = mutate(data, draw)
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return  # not every Python value has a YAML form; nothing to test
    text = text_mutation(text, draw)
    with tempfile.TemporaryDirectory(prefix="aidc-fuzz-") as tmp:
        spec_file = Path(tmp) / "spec.yml"
        spec_file.write_text(text, encoding="utf-8")
        with guard("load + validate"):
            res = load(spec_file)
            findings = list(res.findings)
            if res.spec is not None:
                findings += validate(res.spec, res.sources, try_design=True)
        for f in findings:
            assert f.file and f.line, f"finding without a place: {f.text()}"
            assert "internal error" not in f.message, f"a rule or the design crashed: {f.text()}"
        printed = io.StringIO()
        saved = cli.err
        cli.err = Console(file=printed, width=10_000, soft_wrap=True, emoji=False, highlight=False)
        try:
            cli._print_findings(findings, "text")
        finally:
            cli.err = saved
        for f in findings:
            assert f.message in printed.getvalue(), f"printer changed the message {f.message!r}"
        if res.spec is None or any(f.severity == "error" for f in findings):
            event("rejected: " + ",".join(sorted({f.code for f in findings if f.severity == "error"})[:3]))
            return
        event("accepted, designed and rendered")
        # a spec valid for its models' platforms may still break a limit of another NOS: `validate
        # --platform P` must then say so (placed), and what it accepts must design for P
        fabrics = {}
        with guard("validate and design for every platform"):
            for p in PLATFORMS:
                limits = validate(res.spec, res.sources, platform=p)
                for f in limits:
                    assert f.file and f.line and "internal error" not in f.message, f.text()
                if not any(f.severity == "error" for f in limits):
                    fabrics[p] = design(res.spec, p)
        platform = draw(st.sampled_from([None, *fabrics]))
        with guard(f"render for {platform or 'the models platforms'}", seconds=3 * GUARD_S):
            fab = design(res.spec) if platform is None else fabrics[platform]
            assert render(fab)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_mutated_examples(name: str) -> None:
    @settings(
        max_examples=max(1, int(CASES.get(name, 50) * SCALE)),
        deadline=None,
        derandomize=not os.environ.get("AIDC_FUZZ_RANDOM"),  # CI runs the same cases every time
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        check_case(name, data.draw)

    run()
