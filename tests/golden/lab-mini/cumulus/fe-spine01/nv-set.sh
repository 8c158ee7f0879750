#!/bin/sh
# fe-spine01: NVUE configuration rendered by aidc (Cumulus Linux 5.x).
# The same configuration as startup.yaml, as ordered nv set commands. They add to the pending
# revision: start from a clean one (or use `nv config replace startup.yaml`) to replace a whole
# configuration.
set -e
nv set system hostname fe-spine01
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
nv set interface lo ip address 10.10.0.128/32
nv set interface eth0 type eth
nv set interface eth0 description net-r01-oob:swp44
nv set interface eth0 link mtu 1500
nv set interface eth0 ip vrf mgmt
nv set interface eth0 ip address 10.254.0.61/22
nv set interface eth0 acl AIDC-MGMT inbound control-plane
nv set interface swp1 type swp
nv set interface swp1 description fe-leaf01:swp47
nv set interface swp1 link state up
nv set interface swp1 link mtu 9216
nv set interface swp1 link speed 25G
nv set interface swp1 ip address 10.10.4.1/31
nv set interface swp2 type swp
nv set interface swp2 description fe-leaf02:swp47
nv set interface swp2 link state up
nv set interface swp2 link mtu 9216
nv set interface swp2 link speed 25G
nv set interface swp2 ip address 10.10.4.5/31
nv set interface swp3 type swp
nv set interface swp3 link state down
nv set interface swp4 type swp
nv set interface swp4 link state down
nv set interface swp5 type swp
nv set interface swp5 link state down
nv set interface swp6 type swp
nv set interface swp6 link state down
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
nv set interface swp47 type swp
nv set interface swp47 link state down
nv set interface swp48 type swp
nv set interface swp48 link state down
nv set router bgp enable on
nv set router bgp autonomous-system 4200100000
nv set router bgp router-id 10.10.0.128
nv set router policy prefix-list AIDC-ADVERTISE type ipv4
nv set router policy prefix-list AIDC-ADVERTISE rule 10 match 10.10.0.128/32
nv set router policy prefix-list AIDC-ADVERTISE rule 10 action permit
nv set router policy route-map AIDC-CONNECTED rule 10 match ip-prefix-list AIDC-ADVERTISE
nv set router policy route-map AIDC-CONNECTED rule 10 action permit
nv set vrf mgmt router static 0.0.0.0/0 via 10.254.0.1
nv set vrf default router bgp enable on
nv set vrf default router bgp path-selection multipath aspath-ignore on
nv set vrf default router bgp address-family ipv4-unicast multipaths ebgp 2
nv set vrf default router bgp address-family ipv4-unicast redistribute connected enable on
nv set vrf default router bgp address-family ipv4-unicast redistribute connected route-map AIDC-CONNECTED
nv set vrf default router bgp address-family l2vpn-evpn enable on
nv set vrf default router bgp neighbor swp1 type unnumbered
nv set vrf default router bgp neighbor swp1 remote-as 4200110000
nv set vrf default router bgp neighbor swp1 description fe-leaf01:swp47
nv set vrf default router bgp neighbor swp1 address-family l2vpn-evpn enable on
nv set vrf default router bgp neighbor swp2 type unnumbered
nv set vrf default router bgp neighbor swp2 remote-as 4200110001
nv set vrf default router bgp neighbor swp2 description fe-leaf02:swp47
nv set vrf default router bgp neighbor swp2 address-family l2vpn-evpn enable on
nv config apply -y
