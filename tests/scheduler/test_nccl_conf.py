"""Each GPU server's ``nccl.env`` as NCCL itself reads it, and the playbook that installs it.

NCCL reads a configuration file of ``KEY=VALUE`` lines at initialisation (``/etc/nccl.conf``, or
the file ``NCCL_CONF_FILE`` names) and sets each variable it finds unless the job already set it.
That reader runs without a GPU: the real ``libnccl.so.2`` (PyPI ``nvidia-nccl-cu12``, test extra)
is loaded in a child process with an empty environment, ``ncclGetUniqueId`` makes it initialise
(it may then fail to find a socket interface of the file's names on this machine — the file has
been read by then), and the child prints the environment NCCL left. What NCCL set must be exactly
the Fabric's NCCL settings (``HostView.nccl``): nothing lost, nothing extra, no comment read as a
variable. Loading the topology file (``NCCL_TOPO_FILE``) needs a CUDA GPU and is not proven here
(tests/scheduler/test_nccl.py checks it against NCCL's reader rules).

The install is ``playbooks/roce.yml``'s ``nccl`` play, run for real on localhost into a staging
root (``aidc_nccl_root``) from a rendered lab-mini output.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.scheduler.conftest import fabric_of
from tests.test_playbooks import BIN, PLAYBOOKS, ansible_env  # noqa: F401  (the fixture)
from toolkit.design.model import Device
from toolkit.render import hosts, render_to
from toolkit.render.core import environment

CHILD = r"""
import ctypes, json, sys
lib = ctypes.CDLL(sys.argv[1])
uid = ctypes.create_string_buffer(128)
rc = lib.ncclGetUniqueId(uid)
environ = ctypes.POINTER(ctypes.c_char_p).in_dll(ctypes.CDLL(None), "environ")
out, i = {}, 0
while environ[i]:
    k, _, v = environ[i].decode().partition("=")
    out[k] = v
    i += 1
print(json.dumps({"rc": rc, "env": out}))
"""
# the variables of the child's own environment: not read from the file
OWN = {"NCCL_CONF_FILE", "HOME", "PATH", "LC_CTYPE"}


def libnccl() -> Path:
    spec = importlib.util.find_spec("nvidia.nccl")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("nvidia-nccl-cu12 (test extra) is not installed: run `make test`, which installs it")
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib" / "libnccl.so.2"
    assert lib.is_file(), lib
    return lib


def nccl_reads(conf: Path, home: Path) -> dict[str, str]:
    """The variables NCCL set from ``conf`` (a child process with nothing else in its environment)."""
    env = {"NCCL_CONF_FILE": str(conf), "HOME": str(home), "PATH": "/usr/bin:/bin"}
    res = subprocess.run([sys.executable, "-c", CHILD, str(libnccl())], capture_output=True, text=True,
                         env=env, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.splitlines()[-1])["env"]
    return {k: v for k, v in got.items() if k not in OWN}


def gpu_servers(example: str) -> list[Device]:
    """One GPU server per server model of the example."""
    by_model: dict[str, Device] = {}
    for d in fabric_of(example).servers():
        if any(p.plane == "compute" for p in d.ports):
            by_model.setdefault(d.model, d)
    return list(by_model.values())


@pytest.mark.parametrize("example", ["lab-mini", "superpod-1su", "superpod-ib-4su"])
def test_nccl_reads_exactly_the_fabric_settings(example: str, tmp_path: Path) -> None:
    fab = fabric_of(example)
    files = hosts.render(fab, environment())
    servers = gpu_servers(example)
    assert servers, example
    for dev in servers:
        conf = tmp_path / f"{dev.name}.conf"
        conf.write_text(files[f"hosts/{dev.name}/nccl.env"])
        want = dict(hosts.host_view(dev, fab).nccl)
        assert "NCCL_IB_HCA" in want and "NCCL_SOCKET_IFNAME" in want, (dev.name, want)
        assert nccl_reads(conf, tmp_path) == want, dev.name


def test_a_line_nccl_does_not_read_is_caught(tmp_path: Path) -> None:
    fab = fabric_of("lab-mini")
    dev = gpu_servers("lab-mini")[0]
    text = hosts.render(fab, environment())[f"hosts/{dev.name}/nccl.env"]
    want = dict(hosts.host_view(dev, fab).nccl)
    conf = tmp_path / "bad.conf"
    # a ':' instead of '=': NCCL skips the line, so the traffic class would silently be NCCL's default
    conf.write_text(text.replace("NCCL_IB_TC=", "NCCL_IB_TC: "))
    got = nccl_reads(conf, tmp_path)
    assert "NCCL_IB_TC" not in got and got != want
    # a comment with an equals sign: read as a variable by the releases that do not skip '#'
    conf.write_text(text + "# NCCL_IB_TC=0\n")
    assert nccl_reads(conf, tmp_path).get("NCCL_IB_TC") == want["NCCL_IB_TC"]  # this NCCL skips it


def _play(out: Path, root: Path, host: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    extra = {"ansible_connection": "local", "ansible_python_interpreter": str(BIN / "python"),
             "aidc_nccl_root": str(root)}
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(out / "ansible" / "inventory.yml"), "--tags", "nccl",
         "-l", host, "-e", json.dumps(extra), "roce.yml"],
        capture_output=True, text=True, timeout=300, check=False, env=env, cwd=PLAYBOOKS,
    )


def _changed(out: str, host: str) -> int:
    line = next(x for x in out.splitlines() if x.startswith(host) and "changed=" in x)
    return int(line.split("changed=")[1].split()[0])


@pytest.mark.slow
def test_roce_playbook_installs_the_nccl_files(tmp_path: Path, ansible_env: dict[str, str]) -> None:  # noqa: F811
    out = render_to(fabric_of("lab-mini"), tmp_path / "out").path
    gpu = gpu_servers("lab-mini")[0].name
    hv = yaml.safe_load((out / "ansible" / "host_vars" / f"{gpu}.yml").read_text())
    inst = hv["aidc_nccl_install"]
    root = tmp_path / "root"
    res = _play(out, root, gpu, ansible_env)
    assert res.returncode == 0, res.stdout + res.stderr
    conf = root / inst["conf"].lstrip("/")
    topo = root / inst["topology"]["path"].lstrip("/")
    assert conf.read_text() == (out / "hosts" / gpu / "nccl.env").read_text()
    assert topo.read_text() == (out / inst["topology"]["file"]).read_text()
    assert conf.stat().st_mode & 0o777 == 0o644 and topo.stat().st_mode & 0o777 == 0o644
    # the installed file is what NCCL reads, and its NCCL_TOPO_FILE names the installed topology
    assert nccl_reads(conf, tmp_path)["NCCL_TOPO_FILE"] == inst["topology"]["path"]
    again = _play(out, root, gpu, ansible_env)
    assert again.returncode == 0 and _changed(again.stdout, gpu) == 0, again.stdout  # idempotent
    # a storage server has no NCCL settings to install
    stor = next(d.name for d in fabric_of("lab-mini").servers() if d.role == "storage-server")
    other = tmp_path / "root-storage"
    res = _play(out, other, stor, ansible_env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert not other.exists() or not any(other.rglob("*")), sorted(other.rglob("*"))
