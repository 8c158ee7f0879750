# Converge the cluster to the plan (PLAN_JSON, set above): EC profiles, CRUSH rules, pools, their size/min_size/
# rule/autoscale mode/application, CephFS. One librados connection (python3-rados, which the ceph
# CLI itself uses); it reads what exists once, sends only what differs, and the commands of a step
# go to the monitors side by side, so they commit together instead of one map change each.
# Prints one line per change; exit status 1 names the command that failed.
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import rados

PLAN = json.loads(PLAN_JSON)  # noqa: F821 (set by the script around this file)

cluster = rados.Rados(conffile=os.environ.get("CEPH_CONF", "/etc/ceph/ceph.conf"))
cluster.conf_parse_env("CEPH_ARGS")
cluster.connect(timeout=60)


def mon(prefix, **args):
    ret, out, outs = cluster.mon_command(json.dumps({"prefix": prefix, "format": "json", **args}), b"")
    if ret != 0:
        raise RuntimeError(f"{prefix} {json.dumps(args)}: {outs.strip() or ret}")
    return json.loads(out) if out.strip() else None


def step(commands):
    """Send every (what, prefix, args) at once; print what changed; stop at the first error."""
    if not commands:
        return
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [(what, pool.submit(mon, prefix, **args)) for what, prefix, args in commands]
    errors = []
    for what, fut in futures:
        try:
            fut.result()
            print(what)
        except RuntimeError as exc:
            errors.append(str(exc))
    if errors:
        print("pools.sh: " + "; ".join(errors), file=sys.stderr)
        sys.exit(1)


profiles = set(mon("osd erasure-code-profile ls") or [])
rules = {r["rule_name"]: r["rule_id"] for r in mon("osd crush rule dump") or []}
step(
    [
        (f"erasure-code profile {r['profile']}", "osd erasure-code-profile set", {"name": r["profile"], "profile": r["spec"]})
        for r in PLAN["rules"]
        if r["kind"] == "erasure" and r["profile"] not in profiles
    ]
    + [
        (
            f"CRUSH rule {r['name']}",
            "osd crush rule create-replicated",
            {
                "name": r["name"],
                "root": "default",
                "type": r["failure_domain"],
                **({"class": r["device_class"]} if r["device_class"] else {}),
            },
        )
        for r in PLAN["rules"]
        if r["kind"] == "replicated" and r["name"] not in rules
    ]
)
step(
    [
        (f"CRUSH rule {r['name']}", "osd crush rule create-erasure", {"name": r["name"], "profile": r["profile"]})
        for r in PLAN["rules"]
        if r["kind"] == "erasure" and r["name"] not in rules
    ]
)
rules = {r["rule_name"]: r["rule_id"] for r in mon("osd crush rule dump") or []}
have = {p["pool_name"]: p for p in mon("osd pool ls", detail="detail") or []}
create = []
for p in PLAN["pools"]:
    if p["name"] in have:
        continue
    args = {"pool": p["name"], "pg_num": p["pg_num"], "pgp_num": p["pg_num"], "rule": p["crush_rule"], "autoscale_mode": "off"}
    if p["type"] == "erasure":
        args.update(pool_type="erasure", erasure_code_profile=p["ec_profile"])
    else:
        args.update(pool_type="replicated", size=p["size"])
    create.append((f"pool {p['name']}", "osd pool create", args))
step(create)
have = {p["pool_name"]: p for p in mon("osd pool ls", detail="detail") or []}
step(
    [
        (f"pool {p['name']} size {p['size']}", "osd pool set", {"pool": p["name"], "var": "size", "val": str(p["size"])})
        for p in PLAN["pools"]
        if p["type"] == "replicated" and have[p["name"]]["size"] != p["size"]
    ]
)
have = {p["pool_name"]: p for p in mon("osd pool ls", detail="detail") or []}
fix = []
for p in PLAN["pools"]:
    got = have[p["name"]]
    want = {"min_size": (p["min_size"], p["min_size"]), "crush_rule": (rules[p["crush_rule"]], p["crush_rule"]),
            "pg_autoscale_mode": ("off", "off")}
    for var, (val, arg) in want.items():
        if got.get(var) != val:
            fix.append((f"pool {p['name']} {var} {arg}", "osd pool set", {"pool": p["name"], "var": var, "val": str(arg)}))
    if p["application"] not in (got.get("application_metadata") or {}):
        fix.append((f"pool {p['name']} application {p['application']}", "osd pool application enable",
                    {"pool": p["name"], "app": p["application"]}))
step(fix)
fss = {f["name"] for f in mon("fs ls") or []}
step(
    [
        (f"CephFS {f['name']}", "fs new", {"fs_name": f["name"], "metadata": f["metadata_pool"], "data": f["data_pool"], "force": True})
        for f in PLAN["filesystems"]
        if f["name"] not in fss
    ]
)
cluster.shutdown()
