#!/bin/sh
# (d, Linux PF) A PF reset while our VF is active, done by Linux igb (link down/up resets the
# MAC and pings the VFs): our VF side must see RSTI, re-run its handshake (same admin MAC,
# SET_LPE replayed), rebuild its rings, and traffic must resume.
. /mnt/host/lib.sh
VF_MAC=02:16:3e:00:00:e0
VF_IP=10.0.2.22

modprobe igb
PF=$(pf_bdf) || fail "no 82576 PF on the bus"
check "igb bound the PF" wait_for 10 netdev_of "$PF"
PFN=$(netdev_of "$PF")
ip link set "$PFN" up
ip addr add "$PF_IP/24" dev "$PFN"
check "PF link up" wait_for 15 grep -qx up "/sys/class/net/$PFN/operstate"
echo 1 > "/sys/bus/pci/devices/$PF/sriov_numvfs" || fail "sriov_numvfs=1"
VF0=$(vf_bdf "$PF" 0)
"$IPROUTE2" link set "$PFN" vf 0 mac "$VF_MAC" || fail "ip link set vf 0 mac"
modprobe vfio-pci
check "VF0 bound to vfio-pci" bind "$VF0" vfio-pci

"$IGBQ" vf --bdf "$VF0" --expect-mac "$VF_MAC" --ip "$VF_IP" \
    --peer "$GATEWAY_IP" --peer "$PF_IP" \
    --reset-pf-command "ip link set $PFN down && sleep 0.5 && ip link set $PFN up" ||
    fail "our VF through a Linux PF reset (see scenario.log)"
dmesg | grep -i igb | tail -n 5
pass "Linux igb reset the PF; our VF saw it, re-initialised and traffic resumed"
