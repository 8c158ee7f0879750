#!/bin/sh
# fe-leaf02 (business-leaf): interface state of the frr platform, iproute2 only.
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

# enslave IFNAME BRIDGE
enslave() { ip link set dev "$1" master "$2"; }

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

# routing
setproc /proc/sys/net/ipv4/ip_forward 1
setproc /proc/sys/net/ipv6/conf/all/forwarding 1

# loopback
ip link set dev lo up
addr lo 10.10.0.1/32

# management
port eth0 1500 stor-r01-oob:swp46
ip addr replace 10.254.0.94/22 dev eth0

# ports
port swp1s0 9216 stor-r01-stor02:st0
addr swp1s0 10.120.1.112/31
port swp1s1 9216 'su1-r01-gpu01:fe0 tenant blue'
port swp1s2 9216 su1-r01-gpu02:st0
addr swp1s2 10.120.1.116/31
port swp1s3 9216 'su1-r02-gpu01:fe0 tenant blue'
port swp2s0 9216 su1-r02-gpu02:st0
addr swp2s0 10.120.1.120/31
port swp47 9216 fe-spine01:swp2
addr swp47 10.10.4.4/31
port swp48 9216 fe-spine02:swp2
addr swp48 10.10.4.6/31

# tenant blue: L2VNI 10100
bridge_dev br10100 9000
vxlan vx10100 10100 10.10.0.1 4789 9000 br10100
enslave swp1s1 br10100
enslave swp1s3 br10100

# unused ports
shut swp2s1
shut swp2s2
shut swp2s3
shut swp3s0
shut swp3s1
shut swp3s2
shut swp3s3
shut swp4s0
shut swp4s1
shut swp4s2
shut swp4s3
shut swp5s0
shut swp5s1
shut swp5s2
shut swp5s3
shut swp6s0
shut swp6s1
shut swp6s2
shut swp6s3
shut swp7s0
shut swp7s1
shut swp7s2
shut swp7s3
shut swp8s0
shut swp8s1
shut swp8s2
shut swp8s3
shut swp9s0
shut swp9s1
shut swp9s2
shut swp9s3
shut swp10s0
shut swp10s1
shut swp10s2
shut swp10s3
shut swp11s0
shut swp11s1
shut swp11s2
shut swp11s3
shut swp12s0
shut swp12s1
shut swp12s2
shut swp12s3
shut swp13s0
shut swp13s1
shut swp13s2
shut swp13s3
shut swp14s0
shut swp14s1
shut swp14s2
shut swp14s3
shut swp15s0
shut swp15s1
shut swp15s2
shut swp15s3
shut swp16s0
shut swp16s1
shut swp16s2
shut swp16s3
shut swp17s0
shut swp17s1
shut swp17s2
shut swp17s3
shut swp18s0
shut swp18s1
shut swp18s2
shut swp18s3
shut swp19s0
shut swp19s1
shut swp19s2
shut swp19s3
shut swp20s0
shut swp20s1
shut swp20s2
shut swp20s3
shut swp21s0
shut swp21s1
shut swp21s2
shut swp21s3
shut swp22s0
shut swp22s1
shut swp22s2
shut swp22s3
shut swp23s0
shut swp23s1
shut swp23s2
shut swp23s3
shut swp24s0
shut swp24s1
shut swp24s2
shut swp24s3
shut swp25s0
shut swp25s1
shut swp25s2
shut swp25s3
shut swp26s0
shut swp26s1
shut swp26s2
shut swp26s3
shut swp27s0
shut swp27s1
shut swp27s2
shut swp27s3
shut swp28s0
shut swp28s1
shut swp28s2
shut swp28s3
shut swp29s0
shut swp29s1
shut swp29s2
shut swp29s3
shut swp30s0
shut swp30s1
shut swp30s2
shut swp30s3
shut swp31s0
shut swp31s1
shut swp31s2
shut swp31s3
shut swp32s0
shut swp32s1
shut swp32s2
shut swp32s3
shut swp33s0
shut swp33s1
shut swp33s2
shut swp33s3
shut swp34s0
shut swp34s1
shut swp34s2
shut swp34s3
shut swp35s0
shut swp35s1
shut swp35s2
shut swp35s3
shut swp36s0
shut swp36s1
shut swp36s2
shut swp36s3
shut swp37s0
shut swp37s1
shut swp37s2
shut swp37s3
shut swp38s0
shut swp38s1
shut swp38s2
shut swp38s3
shut swp39s0
shut swp39s1
shut swp39s2
shut swp39s3
shut swp40s0
shut swp40s1
shut swp40s2
shut swp40s3
shut swp41s0
shut swp41s1
shut swp41s2
shut swp41s3
shut swp42s0
shut swp42s1
shut swp42s2
shut swp42s3
shut swp43s0
shut swp43s1
shut swp43s2
shut swp43s3
shut swp44s0
shut swp44s1
shut swp44s2
shut swp44s3
shut swp45s0
shut swp45s1
shut swp45s2
shut swp45s3
shut swp46s0
shut swp46s1
shut swp46s2
shut swp46s3

if [ -n "$no_dcb" ]; then
	echo "network.sh: no DCB support, RoCE QoS left to the driver on:$no_dcb" >&2
fi
exit 0
