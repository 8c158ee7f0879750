"""startup.yaml is printed from the sorted NVUE paths without building the tree
(``cumulus.nvue_yaml``): whatever the lines, a YAML parser must read back exactly the tree the
lines describe (``cumulus._build_tree``), and contradicting lines fail the render naming the path."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.render.platforms import cumulus


def _doc(lines: list[str]) -> str:
    return cumulus.nvue_yaml(cumulus._parse_all("\n".join(lines)))


def _tree(lines: list[str]) -> dict:
    return cumulus._build_tree(cumulus._parse_all("\n".join(lines)))


def test_nested_paths_print_as_nvue_does() -> None:
    lines = [
        "interface swp2 link mtu = 9216",
        "interface swp1 link state = up",
        "interface swp1",
        "interface swp10 type = swp",
        "router bgp autonomous-system = 65001",
        "service lldp",
        "system hostname = leaf01",
    ]
    assert _doc(lines) == (
        "- set:\n"
        "    interface:\n"
        "      swp1:\n"
        "        link:\n"
        "          state: up\n"
        "      swp10:\n"
        "        type: swp\n"
        "      swp2:\n"
        "        link:\n"
        "          mtu: 9216\n"
        "    router:\n"
        "      bgp:\n"
        "        autonomous-system: 65001\n"
        "    service:\n"
        "      lldp: {}\n"
        "    system:\n"
        "      hostname: leaf01\n"
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["system hostname = a", "system hostname = b"], "system hostname set twice"),
        (["interface swp1 link = up", "interface swp1 link mtu = 9216"], "link already holds the value 'up'"),
        (["interface swp1 link", "interface swp1 link = up"], "interface swp1 link set twice"),
        (["service lldp = on", "service lldp"], "service lldp already holds the value True"),
    ],
)
def test_contradicting_lines_fail_naming_the_path(lines: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _doc(lines)


def test_a_line_set_twice_is_named_by_its_number() -> None:
    with pytest.raises(ValueError, match=r"line 3: system hostname = a set twice"):
        cumulus._parse_all("system hostname = a\n# comment\nsystem hostname = a\n")
    with pytest.raises(ValueError, match=r"line 2: expected 'PATH... = VALUE'"):
        cumulus._parse_all("system hostname = a\n= b\n")
    with pytest.raises(ValueError, match=r"line 1: NUL character in a path"):  # NUL joins the sort key
        cumulus._parse_all('system "host\\u0000name" = a\n')


_WORD = st.sampled_from(["a", "b", "ab", "a-b", "10", "2", "swp1", "swp10", "on", "x:y", "yes", "1.5", "vrf"])
_VALUE = st.one_of(st.none(), st.sampled_from(["on", "off", "7", "0", "up", '"on"', '"007"', "text", '"a b"']))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(_WORD, min_size=1, max_size=4), _VALUE), min_size=1, max_size=25))
def test_any_consistent_lines_read_back_as_their_tree(items: list[tuple[list[str], str | None]]) -> None:
    lines = list(dict.fromkeys(" ".join(path) + ("" if value is None else f" = {value}") for path, value in items))
    try:
        tree = _tree(lines)
    except ValueError:  # contradicting lines: the printer must refuse them too
        with pytest.raises(ValueError):
            _doc(lines)
        return
    doc = yaml.safe_load(_doc(lines))
    assert doc == [{"set": tree}]
