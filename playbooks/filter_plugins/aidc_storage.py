"""Jinja filters of the storage playbooks (ceph.yml, minio.yml)."""

from __future__ import annotations

from typing import Any


def ceph_settled(status: dict[str, Any]) -> bool:
    """``ceph status --format json``: HEALTH_OK and every PG active+clean (not only the health
    string: a cluster still peering can report HEALTH_OK for a moment)."""
    health = (status.get("health") or {}).get("status")
    pgmap = status.get("pgmap") or {}
    total = int(pgmap.get("num_pgs", 0))
    clean = sum(int(s.get("count", 0)) for s in pgmap.get("pgs_by_state", []) if s.get("state_name") == "active+clean")
    return health == "HEALTH_OK" and total > 0 and clean == total


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"aidc_ceph_settled": ceph_settled}
