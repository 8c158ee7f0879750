"""MinIO's erasure arithmetic against the sizes and tolerances MinIO documents.

The MinIO server binary cannot be installed here (the community project stopped publishing
binaries in October 2025 and no reachable registry ships it), so these figures are checked against
MinIO's published rules: the erasure-coding documentation (parity EC:N, quorums, usable capacity)
and the set-size selection of ``cmd/endpoint-ellipses.go`` (supported sizes 2-16, the greatest
divisor symmetric with the host range).
"""

from __future__ import annotations

import pytest

from toolkit.design.storage import (
    ellipsis_of,
    expand_ellipsis,
    minio_default_parity,
    minio_quorums,
    minio_set_size,
)


@pytest.mark.parametrize(
    ("total", "hosts", "size"),
    [
        (64, 64, 16),  # {1...64}: 4 sets of 16
        (24, 24, 12),  # 2 sets of 12
        (88, 88, 11),  # 8 sets of 11
        (4, 4, 4),
        (16, 4, 16),  # 4 servers x 4 drives: one set of 16
        (128, 8, 16),  # 8 servers x 16 drives: 8 sets of 16
        (12, 3, 12),  # 3 x 4: 4 is not symmetric with 3 hosts, 12 is
        (9, 3, 9),  # lab-mini: 3 x 3
        (48, 4, 16),  # 4 x 12: 3 sets of 16
        (6, 6, 6),
    ],
)
def test_set_size_is_the_greatest_symmetric_divisor(total: int, hosts: int, size: int) -> None:
    assert minio_set_size(total, hosts) == size


@pytest.mark.parametrize(("total", "hosts"), [(1, 1), (17, 1), (17, 17), (19, 19), (23, 23)])
def test_no_valid_set_size(total: int, hosts: int) -> None:
    assert minio_set_size(total, hosts) is None


@pytest.mark.parametrize(
    ("size", "parity"),
    [(2, 1), (3, 1), (4, 2), (5, 2), (6, 3), (7, 3), (8, 4), (12, 4), (16, 4)],
)
def test_default_parity(size: int, parity: int) -> None:
    assert minio_default_parity(size) == parity
    assert parity <= size // 2


@pytest.mark.parametrize(
    ("size", "parity", "read_q", "write_q"),
    [
        (16, 4, 12, 12),  # EC:4 on 16: 12 data drives, up to 4 drives lost
        (16, 8, 8, 9),  # parity = half: write quorum is data + 1
        (8, 4, 4, 5),
        (12, 4, 8, 8),
        (9, 4, 5, 5),
        (4, 2, 2, 3),
    ],
)
def test_quorums(size: int, parity: int, read_q: int, write_q: int) -> None:
    assert minio_quorums(size, parity) == (read_q, write_q)


def test_ellipsis_round_trip() -> None:
    names = [f"stor-r01-stor{i:02d}.storage.x.test" for i in range(1, 4)]
    expr = ellipsis_of(names)
    assert expr == "stor-r01-stor{01...03}.storage.x.test"
    assert expand_ellipsis(expr) == names
    two = [f"s-r{r:02d}-n{n}" for r in (1, 2) for n in (1, 2, 3)]
    # MinIO expands the leftmost range fastest: r01-n1, r02-n1, r01-n2, ... is one expression,
    # rack-major order is not
    assert ellipsis_of(two) is None
    fast = [f"s-r{r:02d}-n{n}" for n in (1, 2, 3) for r in (1, 2)]
    assert ellipsis_of(fast) == "s-r{01...02}-n{1...3}"
    assert ellipsis_of(["a1", "a3"]) is None
    assert ellipsis_of(["a2", "a1"]) is None
    assert expand_ellipsis("http://h{1...2}:9000/d{1...2}") == [
        "http://h1:9000/d1", "http://h2:9000/d1", "http://h1:9000/d2", "http://h2:9000/d2"
    ]
