"""The lab as a check target: everything lab-specific about running checks lives here.

- SSH: the lab's own ssh_config (per-lab client key and known_hosts), over the OOB bridge from the
  controller address in the root namespace; sessions run as root inside the device's namespace.
- vtysh: FRR runs with the pathspace ``-N <namespace>``; the lab's sshd puts ``AIDC_NETNS`` (and
  ``AIDC_DEVICE``) into every session, so the command is ``vtysh -N "$AIDC_NETNS" ...``.
  The first command of every device also checks that ``AIDC_DEVICE``/``AIDC_NETNS`` name the
  device and namespace the connection was opened to.
- lldpcli: one lldpd per device with its control socket under the lab's run directory.
- no hardware: namespaces have no GPUs, NVLink, RDMA devices or DCB-capable ports, so those
  checks report "not applicable".
"""

from __future__ import annotations

import shlex
from pathlib import Path

from toolkit.health.model import HealthError
from toolkit.health.target import Target, TargetSpec
from toolkit.lab.runtime import LabState, lldp_socket, load_state


class LabTarget(Target):
    name = "lab"

    def __init__(self, cluster: str, state_dir: str | Path) -> None:
        st = load_state(cluster, state_dir)
        if st is None:
            raise HealthError(f"no lab {cluster!r} under {state_dir} (run `aidc lab up` first)")
        if st.status != "up":
            raise HealthError(f"lab {cluster!r} is {st.status}, not up")
        super().__init__(ssh_config=st.ssh.config, sudo=False, hardware=False)
        self.cluster = cluster
        self.state_dir = str(Path(state_dir).resolve())
        self.state: LabState = st
        self.name = f"lab {cluster}"

    def spec(self) -> TargetSpec:
        return TargetSpec(
            kind="lab",
            name=self.name,
            ssh_config=self.ssh_config,
            sudo=False,
            hardware=False,
            cluster=self.cluster,
            state_dir=self.state_dir,
        )

    def devices(self) -> set[str] | None:
        return {n.device for n in self.state.topology.nodes}

    def vtysh(self, device: str, *commands: str) -> str:
        args = " ".join(f"-c {shlex.quote(c)}" for c in commands)
        return f'vtysh -N "$AIDC_NETNS" {args}'

    def lldp_neighbors(self, device: str) -> str:
        return f"lldpcli -u {shlex.quote(lldp_socket(self.state, device))} show neighbors -f json0"

    def session_command(self, device: str) -> str | None:
        return 'printf "%s %s" "$AIDC_DEVICE" "$AIDC_NETNS"'

    def verify_session(self, device: str, output: str) -> str | None:
        want = [device, self.state.node(device).namespace]
        seen = output.split()
        if seen == want:
            return None
        return (
            f"{device}: the lab session reports AIDC_DEVICE/AIDC_NETNS {' '.join(seen) or '(unset)'}, "
            f"expected {' '.join(want)}"
        )
