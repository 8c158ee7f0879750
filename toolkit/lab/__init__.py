"""The digital twin: a Fabric as Linux network namespaces with real sshd, FRR and lldpd.

Everything the lab creates is recorded in ``<state_dir>/lab/<cluster>/state.json`` *before* it
is created (processes right after they are spawned), so ``lab_down`` can remove a partial lab;
``lab_up`` rolls back on any failure. Processes are only ever signalled by recorded PID (checked
against the recorded start time) or because they live inside one of the lab's own namespaces.

Command lines that work on Debian 12 (FRR 8.4.4, OpenSSH 9.2, lldpd 1.0.16); ``WRAP`` stands for
``ip netns exec <ns> unshare --uts -- sh -c 'hostname "$0" && exec "$@"' <device>`` (own network
namespace and own hostname, same PID as the daemon, so the recorded PID is the daemon's):

- FRR per switch (pathspace ``-N <ns>``: config ``/etc/frr/<ns>/``, sockets ``/var/run/frr/<ns>/``)::

    WRAP /usr/lib/frr/zebra   -N <ns> -F datacenter -P 0 --log stdout   (stdout -> <lab>/log/<dev>.frr.log)
    WRAP /usr/lib/frr/bgpd    -N <ns> -F datacenter -P 0 --log stdout
    WRAP /usr/lib/frr/staticd -N <ns> -F datacenter -P 0 --log stdout
    WRAP vtysh -N <ns> -b                                     (loads /etc/frr/<ns>/frr.conf)
    WRAP vtysh -N <ns> -c 'show running-config'
    WRAP /usr/lib/frr/frr-reload.py --reload --stdout -N <ns> --confdir /etc/frr <new.conf>

  ``--confdir`` of frr-reload.py is the *base* directory: frr-reload passes it to vtysh as
  ``--config_dir`` next to ``-N <ns>`` and vtysh appends the pathspace itself. With
  ``--confdir /etc/frr/<ns>`` vtysh looks for ``/etc/frr/<ns>/<ns>/vtysh.conf``, misses
  ``service integrated-vtysh-config`` and the final ``write`` leaves per-daemon files
  (zebra.conf, bgpd.conf) behind. The daemons run in the foreground (no ``-d``), so their PID is
  known; ``-P 0`` disables the TCP vty. ``-F datacenter`` (``frr defaults datacenter``, which can
  only be chosen at daemon start, so rendered configs should carry that line) gives 3/9 s BGP
  timers and a 10 s connect retry: unnumbered sessions come up in about 1.5 s instead of 10 s.
- sshd per device (one host key and one client key per lab)::

    WRAP /usr/sbin/sshd -D -e -f <lab>/ssh/sshd_config -o ListenAddress=<mgmt-ip>:22
         -o "SetEnv=AIDC_DEVICE=<device> AIDC_NETNS=<ns>"

  (``/run/sshd`` must exist; ``PidFile none``; ``StrictModes no``; ``UsePAM no``.)
  From the root namespace: ``ssh -F <lab>/ssh/ssh_config <device> hostname``.
- lldpd per device (``<run>`` is ``/run/aidc-lab/<cluster>-<hash>``: lldpd runs as ``_lldpd``
  and must reach its socket and ``-O`` file whatever the modes of ``state_dir`` are)::

    WRAP lldpd -d -u <run>/<device>.lldpd.sock -p <run>/<device>.lldpd.pid -O <run>/<device>.lldpd.conf
         -m <mgmt-ip>
    lldpcli -u <run>/<device>.lldpd.sock show neighbors -f json0

  with ``configure system hostname <device>``, ``configure lldp portidsubtype ifname``,
  ``configure lldp tx-interval 1`` and ``configure lldp tx-hold 10`` in the ``-O`` file (lldpd
  runs it through lldpcli at start). ``/run/lldpd`` (privilege separation chroot) must exist.

Modules: ``topology`` (the Fabric as namespaces and links), ``state`` (what is recorded),
``processes``, ``netns``, ``daemons``, ``lifecycle`` (up / down / status), ``restart`` (one dead
daemon started again), ``access`` (argv,
shell, ssh, vtysh, frr-reload on a device) and ``observe`` (LLDP, BGP).
"""

from toolkit.lab.access import device_argv, frr_reload, frr_reload_argv, lab_exec, lab_shell_argv, ssh_argv, vtysh_argv
from toolkit.lab.lifecycle import lab_down, lab_status, lab_up
from toolkit.lab.observe import BgpReport, LldpReport, bgp_peers, lldp_neighbors, wait_bgp, wait_lldp
from toolkit.lab.restart import lab_restart_daemon
from toolkit.lab.state import DownReport, LabError, LabState, LabStatus, SshAccess, frr_conf_path, load_state
from toolkit.lab.topology import LabLink, LabNode, LabTopology, LabTopologyError, lab_topology

__all__ = [
    "BgpReport",
    "DownReport",
    "LabError",
    "LabLink",
    "LabNode",
    "LabState",
    "LabStatus",
    "LabTopology",
    "LabTopologyError",
    "LldpReport",
    "SshAccess",
    "bgp_peers",
    "device_argv",
    "frr_conf_path",
    "frr_reload",
    "frr_reload_argv",
    "lab_down",
    "lab_exec",
    "lab_restart_daemon",
    "lab_shell_argv",
    "lab_status",
    "lab_topology",
    "lab_up",
    "lldp_neighbors",
    "load_state",
    "ssh_argv",
    "vtysh_argv",
    "wait_bgp",
    "wait_lldp",
]
