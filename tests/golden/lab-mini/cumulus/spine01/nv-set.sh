#!/bin/sh
# spine01: NVUE configuration rendered by aidc (Cumulus Linux 5.x).
# The same configuration as startup.yaml, as ordered nv set commands. They add to the pending
# revision: start from a clean one (or use `nv config replace startup.yaml`) to replace a whole
# configuration.
set -e
nv set system hostname spine01
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
nv set qos roce enable on
nv set qos roce mode lossless
nv set qos mapping default-global trust l3
nv set qos mapping default-global dscp 0 switch-priority 0
nv set qos mapping default-global dscp 1 switch-priority 0
nv set qos mapping default-global dscp 2 switch-priority 0
nv set qos mapping default-global dscp 3 switch-priority 0
nv set qos mapping default-global dscp 4 switch-priority 0
nv set qos mapping default-global dscp 5 switch-priority 0
nv set qos mapping default-global dscp 6 switch-priority 0
nv set qos mapping default-global dscp 7 switch-priority 0
nv set qos mapping default-global dscp 8 switch-priority 0
nv set qos mapping default-global dscp 9 switch-priority 0
nv set qos mapping default-global dscp 10 switch-priority 0
nv set qos mapping default-global dscp 11 switch-priority 0
nv set qos mapping default-global dscp 12 switch-priority 0
nv set qos mapping default-global dscp 13 switch-priority 0
nv set qos mapping default-global dscp 14 switch-priority 0
nv set qos mapping default-global dscp 15 switch-priority 0
nv set qos mapping default-global dscp 16 switch-priority 0
nv set qos mapping default-global dscp 17 switch-priority 0
nv set qos mapping default-global dscp 18 switch-priority 0
nv set qos mapping default-global dscp 19 switch-priority 0
nv set qos mapping default-global dscp 20 switch-priority 0
nv set qos mapping default-global dscp 21 switch-priority 0
nv set qos mapping default-global dscp 22 switch-priority 0
nv set qos mapping default-global dscp 23 switch-priority 0
nv set qos mapping default-global dscp 24 switch-priority 0
nv set qos mapping default-global dscp 25 switch-priority 0
nv set qos mapping default-global dscp 26 switch-priority 3
nv set qos mapping default-global dscp 27 switch-priority 0
nv set qos mapping default-global dscp 28 switch-priority 0
nv set qos mapping default-global dscp 29 switch-priority 0
nv set qos mapping default-global dscp 30 switch-priority 0
nv set qos mapping default-global dscp 31 switch-priority 0
nv set qos mapping default-global dscp 32 switch-priority 0
nv set qos mapping default-global dscp 33 switch-priority 0
nv set qos mapping default-global dscp 34 switch-priority 0
nv set qos mapping default-global dscp 35 switch-priority 0
nv set qos mapping default-global dscp 36 switch-priority 0
nv set qos mapping default-global dscp 37 switch-priority 0
nv set qos mapping default-global dscp 38 switch-priority 0
nv set qos mapping default-global dscp 39 switch-priority 0
nv set qos mapping default-global dscp 40 switch-priority 0
nv set qos mapping default-global dscp 41 switch-priority 0
nv set qos mapping default-global dscp 42 switch-priority 0
nv set qos mapping default-global dscp 43 switch-priority 0
nv set qos mapping default-global dscp 44 switch-priority 0
nv set qos mapping default-global dscp 45 switch-priority 0
nv set qos mapping default-global dscp 46 switch-priority 0
nv set qos mapping default-global dscp 47 switch-priority 0
nv set qos mapping default-global dscp 48 switch-priority 6
nv set qos mapping default-global dscp 49 switch-priority 0
nv set qos mapping default-global dscp 50 switch-priority 0
nv set qos mapping default-global dscp 51 switch-priority 0
nv set qos mapping default-global dscp 52 switch-priority 0
nv set qos mapping default-global dscp 53 switch-priority 0
nv set qos mapping default-global dscp 54 switch-priority 0
nv set qos mapping default-global dscp 55 switch-priority 0
nv set qos mapping default-global dscp 56 switch-priority 0
nv set qos mapping default-global dscp 57 switch-priority 0
nv set qos mapping default-global dscp 58 switch-priority 0
nv set qos mapping default-global dscp 59 switch-priority 0
nv set qos mapping default-global dscp 60 switch-priority 0
nv set qos mapping default-global dscp 61 switch-priority 0
nv set qos mapping default-global dscp 62 switch-priority 0
nv set qos mapping default-global dscp 63 switch-priority 0
nv set qos egress-queue-mapping default-global switch-priority 0 traffic-class 0
nv set qos egress-queue-mapping default-global switch-priority 3 traffic-class 3
nv set qos egress-queue-mapping default-global switch-priority 6 traffic-class 6
nv set qos pfc default-global switch-priority 3
nv set qos pfc default-global tx enable
nv set qos pfc default-global rx enable
nv set qos congestion-control default-global traffic-class 3 ecn enable
nv set qos congestion-control default-global traffic-class 3 min-threshold 153600
nv set qos congestion-control default-global traffic-class 3 max-threshold 1536000
nv set qos congestion-control default-global traffic-class 3 probability 100
nv set qos egress-scheduler default-global traffic-class 6 mode strict
nv set interface lo type loopback
nv set interface lo ip address 10.0.0.128/32
nv set interface eth0 type eth
nv set interface eth0 description net-r01-oob:swp46
nv set interface eth0 link mtu 1500
nv set interface eth0 ip vrf mgmt
nv set interface eth0 ip address 10.254.0.63/22
nv set interface eth0 acl AIDC-MGMT inbound control-plane
nv set interface swp1 type swp
nv set interface swp1 description su1-leaf-rail0:swp29
nv set interface swp1 link state up
nv set interface swp1 link mtu 9216
nv set interface swp1 link speed 100G
nv set interface swp1 ip address 10.0.4.1/31
nv set interface swp1 qos pfc-watchdog state enable
nv set interface swp2 type swp
nv set interface swp2 description su1-leaf-rail0:swp30
nv set interface swp2 link state up
nv set interface swp2 link mtu 9216
nv set interface swp2 link speed 100G
nv set interface swp2 ip address 10.0.4.3/31
nv set interface swp2 qos pfc-watchdog state enable
nv set interface swp3 type swp
nv set interface swp3 description su1-leaf-rail1:swp29
nv set interface swp3 link state up
nv set interface swp3 link mtu 9216
nv set interface swp3 link speed 100G
nv set interface swp3 ip address 10.0.4.9/31
nv set interface swp3 qos pfc-watchdog state enable
nv set interface swp4 type swp
nv set interface swp4 description su1-leaf-rail1:swp30
nv set interface swp4 link state up
nv set interface swp4 link mtu 9216
nv set interface swp4 link speed 100G
nv set interface swp4 ip address 10.0.4.11/31
nv set interface swp4 qos pfc-watchdog state enable
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
nv set router bgp enable on
nv set router bgp autonomous-system 4200000100
nv set router bgp router-id 10.0.0.128
nv set router policy prefix-list AIDC-ADVERTISE type ipv4
nv set router policy prefix-list AIDC-ADVERTISE rule 10 match 10.0.0.128/32
nv set router policy prefix-list AIDC-ADVERTISE rule 10 action permit
nv set router policy route-map AIDC-CONNECTED rule 10 match ip-prefix-list AIDC-ADVERTISE
nv set router policy route-map AIDC-CONNECTED rule 10 action permit
nv set vrf mgmt router static 0.0.0.0/0 via 10.254.0.1
nv set vrf default router bgp enable on
nv set vrf default router bgp path-selection multipath aspath-ignore on
nv set vrf default router bgp address-family ipv4-unicast multipaths ebgp 4
nv set vrf default router bgp address-family ipv4-unicast redistribute connected enable on
nv set vrf default router bgp address-family ipv4-unicast redistribute connected route-map AIDC-CONNECTED
nv set vrf default router bgp neighbor swp1 type unnumbered
nv set vrf default router bgp neighbor swp1 remote-as 4200010000
nv set vrf default router bgp neighbor swp1 description su1-leaf-rail0:swp29
nv set vrf default router bgp neighbor swp2 type unnumbered
nv set vrf default router bgp neighbor swp2 remote-as 4200010000
nv set vrf default router bgp neighbor swp2 description su1-leaf-rail0:swp30
nv set vrf default router bgp neighbor swp3 type unnumbered
nv set vrf default router bgp neighbor swp3 remote-as 4200010001
nv set vrf default router bgp neighbor swp3 description su1-leaf-rail1:swp29
nv set vrf default router bgp neighbor swp4 type unnumbered
nv set vrf default router bgp neighbor swp4 remote-as 4200010001
nv set vrf default router bgp neighbor swp4 description su1-leaf-rail1:swp30
nv config apply -y
