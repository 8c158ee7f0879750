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


def ceph_host_daemons(
    ceph: dict[str, Any], host: str, roles: tuple[str, ...] | list[str] = ("mgr", "osd", "rgw")
) -> list[dict[str, Any]]:
    """The daemons of one server (``aidc_ceph`` host var) as ``tasks/ceph_daemon.yml`` starts them:
    name (its PID file and log), systemd unit, argv; managers, then OSDs, then gateways."""
    out: list[dict[str, Any]] = []
    if "mon" in roles and ceph.get("host_mon"):
        out.append({"name": f"mon.{host}", "unit": f"ceph-mon@{host}",
                    "argv": ["ceph-mon", "-i", host, "--public-addr", ceph["host_mon"]["address"]]})
    if "mgr" in roles and ceph.get("host_mgr"):
        out.append({"name": f"mgr.{host}", "unit": f"ceph-mgr@{host}", "argv": ["ceph-mgr", "-i", host]})
    if "osd" in roles:
        out += [{"name": f"osd.{o['id']}", "unit": f"ceph-osd@{o['id']}", "argv": ["ceph-osd", "-i", str(o["id"])]}
                for o in ceph.get("host_osds") or []]
    if "rgw" in roles:
        out += [{"name": f"client.rgw.{r['name']}", "unit": f"ceph-radosgw@rgw.{r['name']}",
                 "argv": ["radosgw", "-n", f"client.rgw.{r['name']}"]} for r in ceph.get("host_rgws") or []]
    return out


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"aidc_ceph_settled": ceph_settled, "aidc_ceph_host_daemons": ceph_host_daemons}
