#!/bin/sh
# fe-leaf02: NVUE configuration rendered by aidc (Cumulus Linux 5.x).
# The same configuration as startup.yaml, as ordered nv set commands. They add to the pending
# revision: start from a clean one (or use `nv config replace startup.yaml`) to replace a whole
# configuration.
set -e
nv set system hostname fe-leaf02
nv set system timezone Etc/UTC
nv set service dns mgmt server 10.254.0.11
nv set service dns mgmt search lab-mini.aidc.test
nv set service ntp mgmt server 10.254.0.10
nv set system syslog server 10.254.0.12 vrf mgmt
nv set service lldp state enabled
nv set acl AIDC-MGMT type ipv4
nv set acl AIDC-MGMT rule 10 match ip protocol tcp
nv set acl AIDC-MGMT rule 10 match ip source-ip 10.254.0.0/22
nv set acl AIDC-MGMT rule 10 match ip tcp dest-port 22
nv set acl AIDC-MGMT rule 10 action permit
nv set acl AIDC-MGMT rule 20 match ip protocol tcp
nv set acl AIDC-MGMT rule 20 match ip tcp dest-port 22
nv set acl AIDC-MGMT rule 20 action deny
nv set acl AIDC-MGMT rule 30 match ip protocol udp
nv set acl AIDC-MGMT rule 30 match ip source-ip 10.254.0.0/22
nv set acl AIDC-MGMT rule 30 match ip udp dest-port 161
nv set acl AIDC-MGMT rule 30 action permit
nv set acl AIDC-MGMT rule 40 match ip protocol udp
nv set acl AIDC-MGMT rule 40 match ip udp dest-port 161
nv set acl AIDC-MGMT rule 40 action deny
nv set interface lo type loopback
nv set interface lo ip address 10.10.0.1/32
nv set interface eth0 type eth
nv set interface eth0 description stor-r01-oob:swp46
nv set interface eth0 link mtu 1500
nv set interface eth0 ip vrf mgmt
nv set interface eth0 ip address 10.254.0.94/22
nv set interface eth0 acl AIDC-MGMT inbound control-plane
nv set interface swp1 type swp
nv set interface swp1 link breakout 4x
nv set interface swp2 type swp
nv set interface swp2 link breakout 4x
nv set interface swp3 type swp
nv set interface swp3 link breakout 4x
nv set interface swp4 type swp
nv set interface swp4 link breakout 4x
nv set interface swp5 type swp
nv set interface swp5 link breakout 4x
nv set interface swp6 type swp
nv set interface swp6 link breakout 4x
nv set interface swp7 type swp
nv set interface swp7 link breakout 4x
nv set interface swp8 type swp
nv set interface swp8 link breakout 4x
nv set interface swp9 type swp
nv set interface swp9 link breakout 4x
nv set interface swp10 type swp
nv set interface swp10 link breakout 4x
nv set interface swp11 type swp
nv set interface swp11 link breakout 4x
nv set interface swp12 type swp
nv set interface swp12 link breakout 4x
nv set interface swp13 type swp
nv set interface swp13 link breakout 4x
nv set interface swp14 type swp
nv set interface swp14 link breakout 4x
nv set interface swp15 type swp
nv set interface swp15 link breakout 4x
nv set interface swp16 type swp
nv set interface swp16 link breakout 4x
nv set interface swp17 type swp
nv set interface swp17 link breakout 4x
nv set interface swp18 type swp
nv set interface swp18 link breakout 4x
nv set interface swp19 type swp
nv set interface swp19 link breakout 4x
nv set interface swp20 type swp
nv set interface swp20 link breakout 4x
nv set interface swp21 type swp
nv set interface swp21 link breakout 4x
nv set interface swp22 type swp
nv set interface swp22 link breakout 4x
nv set interface swp23 type swp
nv set interface swp23 link breakout 4x
nv set interface swp24 type swp
nv set interface swp24 link breakout 4x
nv set interface swp25 type swp
nv set interface swp25 link breakout 4x
nv set interface swp26 type swp
nv set interface swp26 link breakout 4x
nv set interface swp27 type swp
nv set interface swp27 link breakout 4x
nv set interface swp28 type swp
nv set interface swp28 link breakout 4x
nv set interface swp29 type swp
nv set interface swp29 link breakout 4x
nv set interface swp30 type swp
nv set interface swp30 link breakout 4x
nv set interface swp31 type swp
nv set interface swp31 link breakout 4x
nv set interface swp32 type swp
nv set interface swp32 link breakout 4x
nv set interface swp33 type swp
nv set interface swp33 link breakout 4x
nv set interface swp34 type swp
nv set interface swp34 link breakout 4x
nv set interface swp35 type swp
nv set interface swp35 link breakout 4x
nv set interface swp36 type swp
nv set interface swp36 link breakout 4x
nv set interface swp37 type swp
nv set interface swp37 link breakout 4x
nv set interface swp38 type swp
nv set interface swp38 link breakout 4x
nv set interface swp39 type swp
nv set interface swp39 link breakout 4x
nv set interface swp40 type swp
nv set interface swp40 link breakout 4x
nv set interface swp41 type swp
nv set interface swp41 link breakout 4x
nv set interface swp42 type swp
nv set interface swp42 link breakout 4x
nv set interface swp43 type swp
nv set interface swp43 link breakout 4x
nv set interface swp44 type swp
nv set interface swp44 link breakout 4x
nv set interface swp45 type swp
nv set interface swp45 link breakout 4x
nv set interface swp46 type swp
nv set interface swp46 link breakout 4x
nv set interface swp1s0 type swp
nv set interface swp1s0 description stor-r01-stor02:st0
nv set interface swp1s0 link state up
nv set interface swp1s0 link mtu 9216
nv set interface swp1s0 link speed 25G
nv set interface swp1s0 ip address 10.120.1.112/31
nv set interface swp1s1 type swp
nv set interface swp1s1 description 'su1-r01-gpu01:fe0 tenant blue'
nv set interface swp1s1 link state up
nv set interface swp1s1 link mtu 9216
nv set interface swp1s1 link speed 25G
nv set interface swp1s1 bridge domain br_default access 100
nv set interface swp1s2 type swp
nv set interface swp1s2 description su1-r01-gpu02:st0
nv set interface swp1s2 link state up
nv set interface swp1s2 link mtu 9216
nv set interface swp1s2 link speed 25G
nv set interface swp1s2 ip address 10.120.1.116/31
nv set interface swp1s3 type swp
nv set interface swp1s3 description 'su1-r02-gpu01:fe0 tenant blue'
nv set interface swp1s3 link state up
nv set interface swp1s3 link mtu 9216
nv set interface swp1s3 link speed 25G
nv set interface swp1s3 bridge domain br_default access 100
nv set interface swp2s0 type swp
nv set interface swp2s0 description su1-r02-gpu02:st0
nv set interface swp2s0 link state up
nv set interface swp2s0 link mtu 9216
nv set interface swp2s0 link speed 25G
nv set interface swp2s0 ip address 10.120.1.120/31
nv set interface swp47 type swp
nv set interface swp47 description fe-spine01:swp2
nv set interface swp47 link state up
nv set interface swp47 link mtu 9216
nv set interface swp47 link speed 100G
nv set interface swp47 ip address 10.10.4.4/31
nv set interface swp48 type swp
nv set interface swp48 description fe-spine02:swp2
nv set interface swp48 link state up
nv set interface swp48 link mtu 9216
nv set interface swp48 link speed 100G
nv set interface swp48 ip address 10.10.4.6/31
nv set interface swp2s1 type swp
nv set interface swp2s1 link state down
nv set interface swp2s2 type swp
nv set interface swp2s2 link state down
nv set interface swp2s3 type swp
nv set interface swp2s3 link state down
nv set interface swp3s0 type swp
nv set interface swp3s0 link state down
nv set interface swp3s1 type swp
nv set interface swp3s1 link state down
nv set interface swp3s2 type swp
nv set interface swp3s2 link state down
nv set interface swp3s3 type swp
nv set interface swp3s3 link state down
nv set interface swp4s0 type swp
nv set interface swp4s0 link state down
nv set interface swp4s1 type swp
nv set interface swp4s1 link state down
nv set interface swp4s2 type swp
nv set interface swp4s2 link state down
nv set interface swp4s3 type swp
nv set interface swp4s3 link state down
nv set interface swp5s0 type swp
nv set interface swp5s0 link state down
nv set interface swp5s1 type swp
nv set interface swp5s1 link state down
nv set interface swp5s2 type swp
nv set interface swp5s2 link state down
nv set interface swp5s3 type swp
nv set interface swp5s3 link state down
nv set interface swp6s0 type swp
nv set interface swp6s0 link state down
nv set interface swp6s1 type swp
nv set interface swp6s1 link state down
nv set interface swp6s2 type swp
nv set interface swp6s2 link state down
nv set interface swp6s3 type swp
nv set interface swp6s3 link state down
nv set interface swp7s0 type swp
nv set interface swp7s0 link state down
nv set interface swp7s1 type swp
nv set interface swp7s1 link state down
nv set interface swp7s2 type swp
nv set interface swp7s2 link state down
nv set interface swp7s3 type swp
nv set interface swp7s3 link state down
nv set interface swp8s0 type swp
nv set interface swp8s0 link state down
nv set interface swp8s1 type swp
nv set interface swp8s1 link state down
nv set interface swp8s2 type swp
nv set interface swp8s2 link state down
nv set interface swp8s3 type swp
nv set interface swp8s3 link state down
nv set interface swp9s0 type swp
nv set interface swp9s0 link state down
nv set interface swp9s1 type swp
nv set interface swp9s1 link state down
nv set interface swp9s2 type swp
nv set interface swp9s2 link state down
nv set interface swp9s3 type swp
nv set interface swp9s3 link state down
nv set interface swp10s0 type swp
nv set interface swp10s0 link state down
nv set interface swp10s1 type swp
nv set interface swp10s1 link state down
nv set interface swp10s2 type swp
nv set interface swp10s2 link state down
nv set interface swp10s3 type swp
nv set interface swp10s3 link state down
nv set interface swp11s0 type swp
nv set interface swp11s0 link state down
nv set interface swp11s1 type swp
nv set interface swp11s1 link state down
nv set interface swp11s2 type swp
nv set interface swp11s2 link state down
nv set interface swp11s3 type swp
nv set interface swp11s3 link state down
nv set interface swp12s0 type swp
nv set interface swp12s0 link state down
nv set interface swp12s1 type swp
nv set interface swp12s1 link state down
nv set interface swp12s2 type swp
nv set interface swp12s2 link state down
nv set interface swp12s3 type swp
nv set interface swp12s3 link state down
nv set interface swp13s0 type swp
nv set interface swp13s0 link state down
nv set interface swp13s1 type swp
nv set interface swp13s1 link state down
nv set interface swp13s2 type swp
nv set interface swp13s2 link state down
nv set interface swp13s3 type swp
nv set interface swp13s3 link state down
nv set interface swp14s0 type swp
nv set interface swp14s0 link state down
nv set interface swp14s1 type swp
nv set interface swp14s1 link state down
nv set interface swp14s2 type swp
nv set interface swp14s2 link state down
nv set interface swp14s3 type swp
nv set interface swp14s3 link state down
nv set interface swp15s0 type swp
nv set interface swp15s0 link state down
nv set interface swp15s1 type swp
nv set interface swp15s1 link state down
nv set interface swp15s2 type swp
nv set interface swp15s2 link state down
nv set interface swp15s3 type swp
nv set interface swp15s3 link state down
nv set interface swp16s0 type swp
nv set interface swp16s0 link state down
nv set interface swp16s1 type swp
nv set interface swp16s1 link state down
nv set interface swp16s2 type swp
nv set interface swp16s2 link state down
nv set interface swp16s3 type swp
nv set interface swp16s3 link state down
nv set interface swp17s0 type swp
nv set interface swp17s0 link state down
nv set interface swp17s1 type swp
nv set interface swp17s1 link state down
nv set interface swp17s2 type swp
nv set interface swp17s2 link state down
nv set interface swp17s3 type swp
nv set interface swp17s3 link state down
nv set interface swp18s0 type swp
nv set interface swp18s0 link state down
nv set interface swp18s1 type swp
nv set interface swp18s1 link state down
nv set interface swp18s2 type swp
nv set interface swp18s2 link state down
nv set interface swp18s3 type swp
nv set interface swp18s3 link state down
nv set interface swp19s0 type swp
nv set interface swp19s0 link state down
nv set interface swp19s1 type swp
nv set interface swp19s1 link state down
nv set interface swp19s2 type swp
nv set interface swp19s2 link state down
nv set interface swp19s3 type swp
nv set interface swp19s3 link state down
nv set interface swp20s0 type swp
nv set interface swp20s0 link state down
nv set interface swp20s1 type swp
nv set interface swp20s1 link state down
nv set interface swp20s2 type swp
nv set interface swp20s2 link state down
nv set interface swp20s3 type swp
nv set interface swp20s3 link state down
nv set interface swp21s0 type swp
nv set interface swp21s0 link state down
nv set interface swp21s1 type swp
nv set interface swp21s1 link state down
nv set interface swp21s2 type swp
nv set interface swp21s2 link state down
nv set interface swp21s3 type swp
nv set interface swp21s3 link state down
nv set interface swp22s0 type swp
nv set interface swp22s0 link state down
nv set interface swp22s1 type swp
nv set interface swp22s1 link state down
nv set interface swp22s2 type swp
nv set interface swp22s2 link state down
nv set interface swp22s3 type swp
nv set interface swp22s3 link state down
nv set interface swp23s0 type swp
nv set interface swp23s0 link state down
nv set interface swp23s1 type swp
nv set interface swp23s1 link state down
nv set interface swp23s2 type swp
nv set interface swp23s2 link state down
nv set interface swp23s3 type swp
nv set interface swp23s3 link state down
nv set interface swp24s0 type swp
nv set interface swp24s0 link state down
nv set interface swp24s1 type swp
nv set interface swp24s1 link state down
nv set interface swp24s2 type swp
nv set interface swp24s2 link state down
nv set interface swp24s3 type swp
nv set interface swp24s3 link state down
nv set interface swp25s0 type swp
nv set interface swp25s0 link state down
nv set interface swp25s1 type swp
nv set interface swp25s1 link state down
nv set interface swp25s2 type swp
nv set interface swp25s2 link state down
nv set interface swp25s3 type swp
nv set interface swp25s3 link state down
nv set interface swp26s0 type swp
nv set interface swp26s0 link state down
nv set interface swp26s1 type swp
nv set interface swp26s1 link state down
nv set interface swp26s2 type swp
nv set interface swp26s2 link state down
nv set interface swp26s3 type swp
nv set interface swp26s3 link state down
nv set interface swp27s0 type swp
nv set interface swp27s0 link state down
nv set interface swp27s1 type swp
nv set interface swp27s1 link state down
nv set interface swp27s2 type swp
nv set interface swp27s2 link state down
nv set interface swp27s3 type swp
nv set interface swp27s3 link state down
nv set interface swp28s0 type swp
nv set interface swp28s0 link state down
nv set interface swp28s1 type swp
nv set interface swp28s1 link state down
nv set interface swp28s2 type swp
nv set interface swp28s2 link state down
nv set interface swp28s3 type swp
nv set interface swp28s3 link state down
nv set interface swp29s0 type swp
nv set interface swp29s0 link state down
nv set interface swp29s1 type swp
nv set interface swp29s1 link state down
nv set interface swp29s2 type swp
nv set interface swp29s2 link state down
nv set interface swp29s3 type swp
nv set interface swp29s3 link state down
nv set interface swp30s0 type swp
nv set interface swp30s0 link state down
nv set interface swp30s1 type swp
nv set interface swp30s1 link state down
nv set interface swp30s2 type swp
nv set interface swp30s2 link state down
nv set interface swp30s3 type swp
nv set interface swp30s3 link state down
nv set interface swp31s0 type swp
nv set interface swp31s0 link state down
nv set interface swp31s1 type swp
nv set interface swp31s1 link state down
nv set interface swp31s2 type swp
nv set interface swp31s2 link state down
nv set interface swp31s3 type swp
nv set interface swp31s3 link state down
nv set interface swp32s0 type swp
nv set interface swp32s0 link state down
nv set interface swp32s1 type swp
nv set interface swp32s1 link state down
nv set interface swp32s2 type swp
nv set interface swp32s2 link state down
nv set interface swp32s3 type swp
nv set interface swp32s3 link state down
nv set interface swp33s0 type swp
nv set interface swp33s0 link state down
nv set interface swp33s1 type swp
nv set interface swp33s1 link state down
nv set interface swp33s2 type swp
nv set interface swp33s2 link state down
nv set interface swp33s3 type swp
nv set interface swp33s3 link state down
nv set interface swp34s0 type swp
nv set interface swp34s0 link state down
nv set interface swp34s1 type swp
nv set interface swp34s1 link state down
nv set interface swp34s2 type swp
nv set interface swp34s2 link state down
nv set interface swp34s3 type swp
nv set interface swp34s3 link state down
nv set interface swp35s0 type swp
nv set interface swp35s0 link state down
nv set interface swp35s1 type swp
nv set interface swp35s1 link state down
nv set interface swp35s2 type swp
nv set interface swp35s2 link state down
nv set interface swp35s3 type swp
nv set interface swp35s3 link state down
nv set interface swp36s0 type swp
nv set interface swp36s0 link state down
nv set interface swp36s1 type swp
nv set interface swp36s1 link state down
nv set interface swp36s2 type swp
nv set interface swp36s2 link state down
nv set interface swp36s3 type swp
nv set interface swp36s3 link state down
nv set interface swp37s0 type swp
nv set interface swp37s0 link state down
nv set interface swp37s1 type swp
nv set interface swp37s1 link state down
nv set interface swp37s2 type swp
nv set interface swp37s2 link state down
nv set interface swp37s3 type swp
nv set interface swp37s3 link state down
nv set interface swp38s0 type swp
nv set interface swp38s0 link state down
nv set interface swp38s1 type swp
nv set interface swp38s1 link state down
nv set interface swp38s2 type swp
nv set interface swp38s2 link state down
nv set interface swp38s3 type swp
nv set interface swp38s3 link state down
nv set interface swp39s0 type swp
nv set interface swp39s0 link state down
nv set interface swp39s1 type swp
nv set interface swp39s1 link state down
nv set interface swp39s2 type swp
nv set interface swp39s2 link state down
nv set interface swp39s3 type swp
nv set interface swp39s3 link state down
nv set interface swp40s0 type swp
nv set interface swp40s0 link state down
nv set interface swp40s1 type swp
nv set interface swp40s1 link state down
nv set interface swp40s2 type swp
nv set interface swp40s2 link state down
nv set interface swp40s3 type swp
nv set interface swp40s3 link state down
nv set interface swp41s0 type swp
nv set interface swp41s0 link state down
nv set interface swp41s1 type swp
nv set interface swp41s1 link state down
nv set interface swp41s2 type swp
nv set interface swp41s2 link state down
nv set interface swp41s3 type swp
nv set interface swp41s3 link state down
nv set interface swp42s0 type swp
nv set interface swp42s0 link state down
nv set interface swp42s1 type swp
nv set interface swp42s1 link state down
nv set interface swp42s2 type swp
nv set interface swp42s2 link state down
nv set interface swp42s3 type swp
nv set interface swp42s3 link state down
nv set interface swp43s0 type swp
nv set interface swp43s0 link state down
nv set interface swp43s1 type swp
nv set interface swp43s1 link state down
nv set interface swp43s2 type swp
nv set interface swp43s2 link state down
nv set interface swp43s3 type swp
nv set interface swp43s3 link state down
nv set interface swp44s0 type swp
nv set interface swp44s0 link state down
nv set interface swp44s1 type swp
nv set interface swp44s1 link state down
nv set interface swp44s2 type swp
nv set interface swp44s2 link state down
nv set interface swp44s3 type swp
nv set interface swp44s3 link state down
nv set interface swp45s0 type swp
nv set interface swp45s0 link state down
nv set interface swp45s1 type swp
nv set interface swp45s1 link state down
nv set interface swp45s2 type swp
nv set interface swp45s2 link state down
nv set interface swp45s3 type swp
nv set interface swp45s3 link state down
nv set interface swp46s0 type swp
nv set interface swp46s0 link state down
nv set interface swp46s1 type swp
nv set interface swp46s1 link state down
nv set interface swp46s2 type swp
nv set interface swp46s2 link state down
nv set interface swp46s3 type swp
nv set interface swp46s3 link state down
nv set interface vlan100 type svi
nv set interface vlan100 vlan 100
nv set interface vlan100 description blue
nv set interface vlan100 link mtu 9000
nv set interface vlan100 ip vrf blue
nv set interface vlan100 ip vrr enable on
nv set interface vlan100 ip vrr address 172.16.100.1/24
nv set interface vlan100 ip vrr mac-address 02:00:00:00:00:01
nv set interface vlan100 ip vrr state up
nv set bridge domain br_default vlan 100 vni 10100
nv set nve vxlan enable on
nv set nve vxlan source address 10.10.0.1
nv set nve vxlan port 4789
nv set nve vxlan mtu 9000
nv set evpn enable on
nv set router bgp enable on
nv set router bgp autonomous-system 4200110001
nv set router bgp router-id 10.10.0.1
nv set router policy prefix-list AIDC-ADVERTISE type ipv4
nv set router policy prefix-list AIDC-ADVERTISE rule 10 match 10.10.0.1/32
nv set router policy prefix-list AIDC-ADVERTISE rule 10 action permit
nv set router policy prefix-list AIDC-ADVERTISE rule 20 match 10.120.1.112/31
nv set router policy prefix-list AIDC-ADVERTISE rule 20 action permit
nv set router policy prefix-list AIDC-ADVERTISE rule 30 match 10.120.1.116/31
nv set router policy prefix-list AIDC-ADVERTISE rule 30 action permit
nv set router policy prefix-list AIDC-ADVERTISE rule 40 match 10.120.1.120/31
nv set router policy prefix-list AIDC-ADVERTISE rule 40 action permit
nv set router policy route-map AIDC-CONNECTED rule 10 match ip-prefix-list AIDC-ADVERTISE
nv set router policy route-map AIDC-CONNECTED rule 10 action permit
nv set router vrr enable on
nv set vrf mgmt router static 0.0.0.0/0 via 10.254.0.1
nv set vrf default router bgp enable on
nv set vrf default router bgp path-selection multipath aspath-ignore on
nv set vrf default router bgp address-family ipv4-unicast enable on
nv set vrf default router bgp address-family ipv4-unicast multipaths ebgp 2
nv set vrf default router bgp address-family ipv4-unicast redistribute connected enable on
nv set vrf default router bgp address-family ipv4-unicast redistribute connected route-map AIDC-CONNECTED
nv set vrf default router bgp address-family l2vpn-evpn enable on
nv set vrf default router bgp neighbor swp47 type unnumbered
nv set vrf default router bgp neighbor swp47 remote-as 4200100000
nv set vrf default router bgp neighbor swp47 description fe-spine01:swp2
nv set vrf default router bgp neighbor swp47 address-family ipv4-unicast enable on
nv set vrf default router bgp neighbor swp47 address-family l2vpn-evpn enable on
nv set vrf default router bgp neighbor swp48 type unnumbered
nv set vrf default router bgp neighbor swp48 remote-as 4200100000
nv set vrf default router bgp neighbor swp48 description fe-spine02:swp2
nv set vrf default router bgp neighbor swp48 address-family ipv4-unicast enable on
nv set vrf default router bgp neighbor swp48 address-family l2vpn-evpn enable on
nv set vrf blue evpn enable on
nv set vrf blue evpn vni 50100
nv set vrf blue router bgp enable on
nv set vrf blue router bgp autonomous-system 4200110001
nv set vrf blue router bgp router-id 10.10.0.1
nv set vrf blue router bgp address-family ipv4-unicast enable on
nv set vrf blue router bgp address-family ipv4-unicast redistribute connected enable on
nv set vrf blue router bgp address-family ipv4-unicast route-export to-evpn enable on
nv config apply -y
