"""The keys and OSD stores of one Ceph server (playbooks/ceph.yml, packages mode), in one process.

Input: the JSON in AIDC_CEPH_HOST (no secrets: the keys are made here and written 0600):
  data, log        this server's data and log folders
  client_env       CEPH_CONF / CEPH_ARGS of the admin client (its keyring)
  daemon_env       CEPH_CONF / CEPH_ARGS of the daemons (their folders)
  mgr              this server's manager name, or null
  osds             [{id, uuid, device_class}] to register and build (memstore); [] when
                   ceph-volume builds them (bluestore)
  rgws             [names] of this server's gateways
  config           [{who, name, value}] to set in the monitors' config database (the bootstrap
                   server passes them, before any manager starts)

One librados connection sends every monitor command (one ``ceph`` CLI call costs a Python start
and a connection each): manager and gateway keys (``auth get-or-create``), every OSD registered
with its key (``osd new`` with a cephx secret, as ceph-volume does) and its device class, then
every OSD store built side by side (``ceph-osd --mkfs``). Idempotent: an existing key is read,
never replaced; a built store has its ``aidc-created`` marker. Prints one line per change; a
failure exits 1 naming the command.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import rados

SPEC = json.loads(os.environ["AIDC_CEPH_HOST"])
MGR_CAPS = ["mon", "allow profile mgr", "osd", "allow *", "mds", "allow *"]
RGW_CAPS = ["mon", "allow rw", "osd", "allow rwx", "mgr", "allow rw"]


def connect():
    env = SPEC["client_env"]
    cluster = rados.Rados(conffile=env["CEPH_CONF"])
    os.environ["AIDC_CEPH_CLIENT_ARGS"] = env["CEPH_ARGS"]
    cluster.conf_parse_env("AIDC_CEPH_CLIENT_ARGS")
    cluster.connect(timeout=60)
    return cluster


def fail(text):
    """Stop, naming what failed (on stdout too: Ansible's script module merges the streams on a tty)."""
    print(f"ceph_host.py: {text}", flush=True)
    sys.exit(f"ceph_host.py: {text}")


def mon(cluster, prefix, inbuf=b"", ok=(0,), **args):
    ret, out, outs = cluster.mon_command(json.dumps({"prefix": prefix, **args}), inbuf)
    if ret not in ok:
        fail(f"{prefix} {json.dumps(args)}: {outs.strip() or ret}")
    return ret, out


def write_keyring(path, entity, key):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"[{entity}]\n\tkey = {key}\n")


def entity_key(cluster, entity, caps=None):
    """The key of ``entity``: read when it exists; made with ``caps`` when given (else None)."""
    ret, out = mon(cluster, "auth get", entity=entity, format="json", ok=(0, -2))
    if ret == 0:
        return json.loads(out)[0]["key"], False
    if caps is None:
        return None, False
    _, out = mon(cluster, "auth get-or-create", entity=entity, caps=caps, format="json")
    return json.loads(out)[0]["key"], True


def new_key():
    cp = subprocess.run(["ceph-authtool", "--gen-print-key"], capture_output=True, text=True, check=True)
    return cp.stdout.strip()


def main():
    data = Path(SPEC["data"])
    cluster = connect()
    for c in SPEC.get("config") or []:
        # force: a manager module's option is unknown to the monitors until a manager reports it
        mon(cluster, "config set", who=c["who"], name=c["name"], value=str(c["value"]), force=True)
    daemons = []
    if SPEC.get("mgr"):
        daemons.append((f"mgr.{SPEC['mgr']}", MGR_CAPS, data / "mgr" / f"ceph-{SPEC['mgr']}" / "keyring"))
    for name in SPEC.get("rgws") or []:
        daemons.append((f"client.rgw.{name}", RGW_CAPS, data / "radosgw" / f"ceph-rgw.{name}" / "keyring"))
    for entity, caps, path in daemons:
        if path.exists():
            continue
        key, made = entity_key(cluster, entity, caps)
        write_keyring(path, entity, key)
        print(f"{entity} key {'made' if made else 'installed'}")
    builds = []
    for o in SPEC.get("osds") or []:
        d = data / "osd" / f"ceph-{o['id']}"
        if (d / "aidc-created").exists():
            continue
        entity = f"osd.{o['id']}"
        key, _ = entity_key(cluster, entity)
        secret = json.dumps({"cephx_secret": key or new_key()}).encode()
        mon(cluster, "osd new", inbuf=secret, uuid=o["uuid"], id=o["id"])
        if o.get("device_class"):
            mon(cluster, "osd crush rm-device-class", ids=[entity], ok=(0, -2, -22))
            mon(cluster, "osd crush set-device-class", **{"class": o["device_class"]}, ids=[entity])
        key, _ = entity_key(cluster, entity)
        d.mkdir(parents=True, exist_ok=True)
        write_keyring(d / "keyring", entity, key)
        builds.append((o, d))
    cluster.shutdown()
    env = {**os.environ, **SPEC["daemon_env"]}
    log = Path(SPEC["log"])
    procs = []
    for o, d in builds:
        out = open(log / f"osd.{o['id']}.mkfs", "a")  # noqa: SIM115 (closed below)
        argv = ["ceph-osd", "-i", str(o["id"]), "--mkfs", "--osd-uuid", o["uuid"], "--no-mon-config"]
        procs.append((o, d, out, subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env)))
    failed = []
    for o, d, out, p in procs:
        rc = p.wait()
        out.close()
        if rc != 0:
            failed.append(f"osd.{o['id']} (ceph-osd --mkfs exit {rc}, see {log}/osd.{o['id']}.mkfs)")
            continue
        (d / "aidc-created").touch()
        print(f"osd.{o['id']} registered and built")
    if failed:
        fail("; ".join(failed))


main()
