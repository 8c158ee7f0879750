#!/bin/sh
# su1-r01-oob (oob): interface state of the frr platform, iproute2 only.
# Rendered by aidc from the Fabric. Idempotent (a second run changes nothing); stops with a
# non-zero exit status at the first error. Same state as the ifupdown2 "interfaces" file except
# the management VRF and its default route (no VRF devices in the lab kernel).
set -eu

have() { ip link show dev "$1" >/dev/null 2>&1; }

# port IFNAME MTU [DESCRIPTION]: an existing port with its MTU (and alias), up
port() {
	if [ $# -gt 2 ]; then
		ip link set dev "$1" mtu "$2" alias "$3" up
	else
		ip link set dev "$1" mtu "$2" up
	fi
}

# addr IFNAME ADDRESS: ADDRESS becomes the only global IPv4 address of IFNAME
addr() {
	ip -4 -o addr show dev "$1" scope global | while read -r _ _ _ a _; do
		[ "$a" = "$2" ] || ip addr del "$a" dev "$1"
	done
	ip addr replace "$2" dev "$1"
}

# setproc FILE VALUE: write a sysctl under /proc/sys only when it differs (sysctl files end a
# byte-wise read early, so read's status is ignored: it has read the value)
setproc() {
	cur=""
	read -r cur < "$1" || :
	[ "$cur" = "$2" ] || echo "$2" > "$1"
}

# bridge_dev NAME [MTU]: a Linux bridge without STP, up
bridge_dev() {
	if have "$1"; then
		case "$(ip -d -o link show dev "$1")" in
		*" bridge forward_delay "*) ;;
		*) echo "network.sh: $1 exists and is not a bridge" >&2; exit 1 ;;
		esac
	else
		ip link add "$1" type bridge stp_state 0
	fi
	if [ $# -gt 1 ]; then
		ip link set dev "$1" mtu "$2" up
	else
		ip link set dev "$1" up
	fi
}

# vxlan NAME VNI LOCAL DSTPORT MTU BRIDGE: a VXLAN device (re-created if its parameters differ)
vxlan() {
	if have "$1"; then
		case "$(ip -d -o link show dev "$1")" in
		*" vxlan id $2 local $3 "*" dstport $4 nolearning "*) ;;
		*) ip link del dev "$1" ;;
		esac
	fi
	have "$1" || ip link add "$1" type vxlan id "$2" local "$3" dstport "$4" nolearning
	ip link set dev "$1" mtu "$5" master "$6" up
	bridge link set dev "$1" learning off
}

# stp BRIDGE PRIORITY: spanning tree on, this bridge priority (loop protection of the OOB network)
stp() { ip link set dev "$1" type bridge stp_state 1 priority "$2"; }

# bpdu_guard IFNAME: a bridge port facing one end device; a BPDU received on it blocks the port
bpdu_guard() { ip link set dev "$1" type bridge_slave guard on; }

# enslave IFNAME BRIDGE
enslave() { ip link set dev "$1" master "$2"; }

# routed IFNAME: a port that belongs to no bridge leaves any bridge it was put into
routed() {
	case "$(ip -o link show dev "$1")" in
	*" master "*) ip link set dev "$1" nomaster ;;
	esac
}

# prune KEEP...: VXLAN devices, and bridges named br<digits>, that are not in KEEP are deleted
# (a VXLAN device the design does not hold joins its VNI: another tenant's traffic)
prune() {
	for d in $(ip -o link show type vxlan | sed -n 's/^[0-9]*: \([^:@]*\)[:@].*/\1/p') \
		$(ip -o link show type bridge | sed -n 's/^[0-9]*: \(br[0-9][0-9]*\)[:@].*/\1/p'); do
		case " $* " in
		*" $d "*) ;;
		*) ip link del dev "$d" ;;
		esac
	done
}

# shut IFNAME: an unused port goes down, if the box has it
shut() { if have "$1"; then ip link set dev "$1" down; fi; }

no_dcb=""
# qos IFNAME: lossless RoCE (trust DSCP map, PFC) where the driver supports DCB (not on veth)
qos() {
	if dcb pfc show dev "$1" >/dev/null 2>&1; then
		dcb app replace dev "$1" dscp-prio 0:0 1:0 2:0 3:0 4:0 5:0 6:0 7:0 8:0 9:0 10:0 11:0 12:0 13:0 14:0 15:0 16:0 17:0 18:0 19:0 20:0 21:0 22:0 23:0 24:0 25:0 26:3 27:0 28:0 29:0 30:0 31:0 32:0 33:0 34:0 35:0 36:0 37:0 38:0 39:0 40:0 41:0 42:0 43:0 44:0 45:0 46:0 47:0 48:6 49:0 50:0 51:0 52:0 53:0 54:0 55:0 56:0 57:0 58:0 59:0 60:0 61:0 62:0 63:0
		dcb pfc set dev "$1" prio-pfc all:off 3:on
	else
		no_dcb="$no_dcb $1"
	fi
}

# loopback
ip link set dev lo up

# management
port eth0 1500

# ports
port swp1 1500 su1-r01-gpu01:bmc
port swp2 1500 su1-r01-gpu01:mgmt0
port swp3 1500 su1-r01-gpu02:bmc
port swp4 1500 su1-r01-gpu02:mgmt0
port swp45 1500 su1-leaf-rail1:eth0
port swp46 1500 su1-leaf-rail0:eth0
port swp47 1500 oob-agg02:swp3
port swp48 1500 oob-agg01:swp3

# bridges and VXLAN devices: only the designed ones
prune

# out-of-band management: one flat L2 domain
bridge_dev bridge
enslave swp1 bridge
enslave swp2 bridge
enslave swp3 bridge
enslave swp4 bridge
enslave swp45 bridge
enslave swp46 bridge
enslave swp47 bridge
enslave swp48 bridge
stp bridge 32768
bpdu_guard swp1
bpdu_guard swp2
bpdu_guard swp3
bpdu_guard swp4
bpdu_guard swp45
bpdu_guard swp46
# management (in-band, OOB VLAN)
ip addr replace 10.254.0.96/22 dev bridge

# unused ports
shut swp5
shut swp6
shut swp7
shut swp8
shut swp9
shut swp10
shut swp11
shut swp12
shut swp13
shut swp14
shut swp15
shut swp16
shut swp17
shut swp18
shut swp19
shut swp20
shut swp21
shut swp22
shut swp23
shut swp24
shut swp25
shut swp26
shut swp27
shut swp28
shut swp29
shut swp30
shut swp31
shut swp32
shut swp33
shut swp34
shut swp35
shut swp36
shut swp37
shut swp38
shut swp39
shut swp40
shut swp41
shut swp42
shut swp43
shut swp44

if [ -n "$no_dcb" ]; then
	echo "network.sh: no DCB support, RoCE QoS left to the driver on:$no_dcb" >&2
fi
exit 0
