"""What `aidc check` builds before it touches a device: every health case builder's CPU seconds and
case count for a spec, in one process (figures, not assertions).

Usage: python bench/health_cases.py SPEC [SPEC ...]   (e.g. inventory/examples/cluster-16k)

Designs the Fabric, then runs every builder of ``toolkit.health.expect`` (Ethernet, InfiniBand and
storage layers) for the whole Fabric and prints the total and the slowest builders.
"""

from __future__ import annotations

import sys
import time

from toolkit.design import design
from toolkit.health import expect
from toolkit.spec import load


def main() -> None:
    for spec in sys.argv[1:]:
        res = load(spec)
        if res.spec is None:
            print(f"{spec}: does not load")
            continue
        fabric = design(res.spec)
        names = sorted({*expect.BUILDERS, *expect._ib_builders()})
        rows = []
        for name in names:
            t = time.process_time()
            n = len(expect.cases(name, fabric))
            rows.append((time.process_time() - t, name, n))
        total = sum(r[0] for r in rows)
        print(f"{spec}: {len(fabric.devices)} devices, {sum(r[2] for r in rows)} cases in {total:.2f} s CPU")
        for dt, name, n in sorted(rows, reverse=True)[:5]:
            print(f"  {name:28s} {dt:7.2f} s  {n} cases")


if __name__ == "__main__":
    main()
