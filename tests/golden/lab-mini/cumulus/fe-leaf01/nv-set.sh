#!/bin/sh
# fe-leaf01: NVUE configuration rendered by aidc (Cumulus Linux 5.x).
# The same configuration as startup.yaml, as ordered nv set commands. They add to the pending
# revision: start from a clean one (or use `nv config replace startup.yaml`) to replace a whole
# configuration.
set -e
nv set system hostname fe-leaf01
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
nv set interface lo ip address 10.10.0.0/32
nv set interface eth0 type eth
nv set interface eth0 description stor-r01-oob:swp46
nv set interface eth0 link mtu 1500
nv set interface eth0 ip vrf mgmt
nv set interface eth0 ip address 10.254.0.95/22
nv set interface eth0 acl AIDC-MGMT inbound control-plane
nv set interface swp1 type swp
nv set interface swp1 description stor-r01-stor01:st0
nv set interface swp1 link state up
nv set interface swp1 link mtu 9216
nv set interface swp1 link speed 25G
nv set interface swp1 ip address 10.120.0.0/31
nv set interface swp2 type swp
nv set interface swp2 description stor-r01-stor03:st0
nv set interface swp2 link state up
nv set interface swp2 link mtu 9216
nv set interface swp2 link speed 25G
nv set interface swp2 ip address 10.120.0.2/31
nv set interface swp3 type swp
nv set interface swp3 description su1-r01-gpu01:st0
nv set interface swp3 link state up
nv set interface swp3 link mtu 9216
nv set interface swp3 link speed 25G
nv set interface swp3 ip address 10.120.0.4/31
nv set interface swp4 type swp
nv set interface swp4 description 'su1-r01-gpu02:fe0 tenant green'
nv set interface swp4 link state up
nv set interface swp4 link mtu 9216
nv set interface swp4 link speed 25G
nv set interface swp4 bridge domain br_default access 200
nv set interface swp5 type swp
nv set interface swp5 description su1-r02-gpu01:st0
nv set interface swp5 link state up
nv set interface swp5 link mtu 9216
nv set interface swp5 link speed 25G
nv set interface swp5 ip address 10.120.0.8/31
nv set interface swp6 type swp
nv set interface swp6 description 'su1-r02-gpu02:fe0 tenant green'
nv set interface swp6 link state up
nv set interface swp6 link mtu 9216
nv set interface swp6 link speed 25G
nv set interface swp6 bridge domain br_default access 200
nv set interface swp47 type swp
nv set interface swp47 description fe-spine01:swp1
nv set interface swp47 link state up
nv set interface swp47 link mtu 9216
nv set interface swp47 link speed 25G
nv set interface swp47 ip address 10.10.4.0/31
nv set interface swp48 type swp
nv set interface swp48 description fe-spine02:swp1
nv set interface swp48 link state up
nv set interface swp48 link mtu 9216
nv set interface swp48 link speed 25G
nv set interface swp48 ip address 10.10.4.2/31
nv set interface swp7 type swp
nv set interface swp7 link state down
nv set interface swp8 type swp
nv set interface swp8 link state down
nv set interface swp9 type swp
nv set interface swp9 link state down
nv set interface swp10 type swp
nv set interface swp10 link state down
nv set interface swp11 type swp
nv set interface swp11 link state down
nv set interface swp12 type swp
nv set interface swp12 link state down
nv set interface swp13 type swp
nv set interface swp13 link state down
nv set interface swp14 type swp
nv set interface swp14 link state down
nv set interface swp15 type swp
nv set interface swp15 link state down
nv set interface swp16 type swp
nv set interface swp16 link state down
nv set interface swp17 type swp
nv set interface swp17 link state down
nv set interface swp18 type swp
nv set interface swp18 link state down
nv set interface swp19 type swp
nv set interface swp19 link state down
nv set interface swp20 type swp
nv set interface swp20 link state down
nv set interface swp21 type swp
nv set interface swp21 link state down
nv set interface swp22 type swp
nv set interface swp22 link state down
nv set interface swp23 type swp
nv set interface swp23 link state down
nv set interface swp24 type swp
nv set interface swp24 link state down
nv set interface swp25 type swp
nv set interface swp25 link state down
nv set interface swp26 type swp
nv set interface swp26 link state down
nv set interface swp27 type swp
nv set interface swp27 link state down
nv set interface swp28 type swp
nv set interface swp28 link state down
nv set interface swp29 type swp
nv set interface swp29 link state down
nv set interface swp30 type swp
nv set interface swp30 link state down
nv set interface swp31 type swp
nv set interface swp31 link state down
nv set interface swp32 type swp
nv set interface swp32 link state down
nv set interface swp33 type swp
nv set interface swp33 link state down
nv set interface swp34 type swp
nv set interface swp34 link state down
nv set interface swp35 type swp
nv set interface swp35 link state down
nv set interface swp36 type swp
nv set interface swp36 link state down
nv set interface swp37 type swp
nv set interface swp37 link state down
nv set interface swp38 type swp
nv set interface swp38 link state down
nv set interface swp39 type swp
nv set interface swp39 link state down
nv set interface swp40 type swp
nv set interface swp40 link state down
nv set interface swp41 type swp
nv set interface swp41 link state down
nv set interface swp42 type swp
nv set interface swp42 link state down
nv set interface swp43 type swp
nv set interface swp43 link state down
nv set interface swp44 type swp
nv set interface swp44 link state down
nv set interface swp45 type swp
nv set interface swp45 link state down
nv set interface swp46 type swp
nv set interface swp46 link state down
nv set interface vlan200 type svi
nv set interface vlan200 vlan 200
nv set interface vlan200 description green
nv set interface vlan200 link mtu 9000
nv set interface vlan200 ip vrf green
nv set interface vlan200 ip vrr enable on
nv set interface vlan200 ip vrr address 172.16.200.1/24
nv set interface vlan200 ip vrr mac-address 02:00:00:00:00:01
nv set interface vlan200 ip vrr state up
nv set bridge domain br_default vlan 200 vni 10200
nv set nve vxlan enable on
nv set nve vxlan source address 10.10.0.0
nv set nve vxlan mtu 9000
nv set evpn enable on
nv set router bgp enable on
nv set router bgp autonomous-system 4200110000
nv set router bgp router-id 10.10.0.0
nv set router policy prefix-list AIDC-ADVERTISE type ipv4
nv set router policy prefix-list AIDC-ADVERTISE rule 10 match 10.10.0.0/32
nv set router policy prefix-list AIDC-ADVERTISE rule 10 action permit
nv set router policy prefix-list AIDC-ADVERTISE rule 20 match 10.120.0.0/31
nv set router policy prefix-list AIDC-ADVERTISE rule 20 action permit
nv set router policy prefix-list AIDC-ADVERTISE rule 30 match 10.120.0.2/31
nv set router policy prefix-list AIDC-ADVERTISE rule 30 action permit
nv set router policy prefix-list AIDC-ADVERTISE rule 40 match 10.120.0.4/31
nv set router policy prefix-list AIDC-ADVERTISE rule 40 action permit
nv set router policy prefix-list AIDC-ADVERTISE rule 50 match 10.120.0.8/31
nv set router policy prefix-list AIDC-ADVERTISE rule 50 action permit
nv set router policy route-map AIDC-CONNECTED rule 10 match ip-prefix-list AIDC-ADVERTISE
nv set router policy route-map AIDC-CONNECTED rule 10 action permit
nv set router vrr enable on
nv set vrf mgmt router static 0.0.0.0/0 via 10.254.0.1
nv set vrf default router bgp enable on
nv set vrf default router bgp path-selection multipath aspath-ignore on
nv set vrf default router bgp address-family ipv4-unicast multipaths ebgp 2
nv set vrf default router bgp address-family ipv4-unicast redistribute connected enable on
nv set vrf default router bgp address-family ipv4-unicast redistribute connected route-map AIDC-CONNECTED
nv set vrf default router bgp address-family l2vpn-evpn enable on
nv set vrf default router bgp neighbor swp47 type unnumbered
nv set vrf default router bgp neighbor swp47 remote-as 4200100000
nv set vrf default router bgp neighbor swp47 description fe-spine01:swp1
nv set vrf default router bgp neighbor swp47 address-family l2vpn-evpn enable on
nv set vrf default router bgp neighbor swp48 type unnumbered
nv set vrf default router bgp neighbor swp48 remote-as 4200100000
nv set vrf default router bgp neighbor swp48 description fe-spine02:swp1
nv set vrf default router bgp neighbor swp48 address-family l2vpn-evpn enable on
nv set vrf green evpn enable on
nv set vrf green evpn vni 50200
nv set vrf green router bgp enable on
nv set vrf green router bgp autonomous-system 4200110000
nv set vrf green router bgp router-id 10.10.0.0
nv set vrf green router bgp address-family ipv4-unicast redistribute connected enable on
nv set vrf green router bgp address-family ipv4-unicast route-export to-evpn enable on
nv config apply -y
