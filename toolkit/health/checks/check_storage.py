"""Storage: Ceph HEALTH_OK, monitors in quorum as designed, OSDs up/in per host as designed, pools
as designed, PGs active+clean, RGW answers S3 from a storage client, every client reaches every
storage endpoint over the storage plane, MinIO health (see ``toolkit.health.storage``)."""

from __future__ import annotations

import pytest

from toolkit.health import storage as st
from toolkit.health.checks import fail_on, not_applicable
from toolkit.health.model import Case
from toolkit.session import Sessions

pytestmark = pytest.mark.layer("storage")


@pytest.mark.cases("ceph_clusters")
def test_ceph_health(case: Case, target: Sessions) -> None:
    fail_on(st.health(case, st.ceph_status(target, case.device)))


@pytest.mark.cases("ceph_clusters")
def test_ceph_mon_quorum(case: Case, target: Sessions) -> None:
    fail_on(st.quorum(case, st.ceph_status(target, case.device)))


@pytest.mark.cases("ceph_clusters")
def test_ceph_pgs_active_clean(case: Case, target: Sessions) -> None:
    fail_on(st.pgs(case, st.ceph_status(target, case.device)))


@pytest.mark.cases("ceph_clusters")
def test_ceph_pools(case: Case, target: Sessions) -> None:
    detail = st.ceph_json(target, case.device, "osd pool ls detail")
    rules = st.ceph_json(target, case.device, "osd crush rule dump")
    names = {p.get("erasure_code_profile") for p in detail if p.get("erasure_code_profile")}
    profiles = {n: st.ceph_json(target, case.device, f"osd erasure-code-profile get {n}") for n in sorted(names)}
    fail_on(st.pools(case, detail, rules, profiles))


@pytest.mark.cases("ceph_osd_hosts")
def test_ceph_osds_up_in(case: Case, target: Sessions) -> None:
    mon = case.expect["mon"]
    fail_on(st.osd_host(case, st.ceph_json(target, mon, "osd dump"), st.ceph_json(target, mon, "osd tree")))


@pytest.mark.cases("ceph_rgw_s3")
def test_rgw_s3_round_trip(case: Case, target: Sessions) -> None:
    creds = st.s3_credentials(target)
    if creds is None:
        not_applicable("no S3 credentials (AIDC_S3_ACCESS_KEY / AIDC_S3_SECRET_KEY)")
        return
    fail_on(st.s3(case, st.s3_round_trip(target, case.device, case.expect["endpoint"], creds)))


@pytest.mark.cases("storage_clients")
def test_client_reaches_storage(case: Case, target: Sessions) -> None:
    out = target.run(case.device, st.client_script(case.expect), timeout=60).stdout
    fail_on(st.client_reach(case, out))


@pytest.mark.cases("minio_servers")
def test_minio_health(case: Case, target: Sessions) -> None:
    if st.is_lab(target):
        not_applicable("MinIO is not deployed in the twin (no reachable registry ships the server binary)")
        return
    url = case.expect["url"]
    res = target.run(case.device, f"curl -s -o /dev/null -w '%{{http_code}}' --max-time 5 {url}", timeout=15)
    fail_on([] if res.stdout.strip() == "200" else [f"{case.device}: {url} answered {res.stdout.strip() or res.rc}"])


@pytest.mark.cases("minio_s3")
def test_minio_s3_round_trip(case: Case, target: Sessions) -> None:
    if st.is_lab(target):
        not_applicable("MinIO is not deployed in the twin; the same S3 probe runs against RGW")
        return
    creds = st.s3_credentials(target)
    if creds is None:
        not_applicable("no S3 credentials (AIDC_S3_ACCESS_KEY / AIDC_S3_SECRET_KEY)")
        return
    fail_on(st.s3(case, st.s3_round_trip(target, case.device, case.expect["endpoint"], creds)))
