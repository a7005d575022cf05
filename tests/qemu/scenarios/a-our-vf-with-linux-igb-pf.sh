#!/bin/sh
# (a) Our VF side against Linux igb on the PF: the administrator's MAC (ip link set ... vf 0
# mac) must come back in our reset handshake, SET_LPE must be accepted, and ARP + ICMP echo
# must cross to the slirp gateway and to the PF's own Linux stack, seen on both ends.
. /mnt/host/lib.sh
VF_MAC=02:16:3e:00:00:a0
VF_IP=10.0.2.21

modprobe igb
PF=$(pf_bdf) || fail "no 82576 PF on the bus"
check "igb bound the PF" wait_for 10 netdev_of "$PF"
PFN=$(netdev_of "$PF")
ip link set "$PFN" up
ip addr add "$PF_IP/24" dev "$PFN"
check "PF link up" wait_for 15 grep -qx up "/sys/class/net/$PFN/operstate"
# The PF must be up before VFs exist (qemu-recipe README).
echo 1 > "/sys/bus/pci/devices/$PF/sriov_numvfs" || fail "sriov_numvfs=1"
VF0=$(vf_bdf "$PF" 0)
"$IPROUTE2" link set "$PFN" vf 0 mac "$VF_MAC" || fail "ip link set vf 0 mac"
modprobe vfio-pci
check "VF0 bound to vfio-pci" bind "$VF0" vfio-pci
log "PF $PF ($PFN), VF0 $VF0"

PF_RX0=$(rx_packets "$PFN")
PF_TX0=$(tx_packets "$PFN")
"$IGBQ" vf --bdf "$VF0" --expect-mac "$VF_MAC" --ip "$VF_IP" \
    --peer "$GATEWAY_IP" --peer "$PF_IP" --max-frame 1526 ||
    fail "our VF against Linux igb (see scenario.log)"
# ARP request + 3 echo requests reached the PF's stack, and its replies went out (our VF has
# already checked each reply byte for byte; the counters show Linux's side of it).
pf_rx() { rx_packets "$PFN"; }
pf_tx() { tx_packets "$PFN"; }
wait_for 5 counter_reached pf_rx "$PF_RX0" 4 ||
    fail "Linux PF received only $(($(pf_rx) - PF_RX0)) frames from our VF"
wait_for 5 counter_reached pf_tx "$PF_TX0" 4 || fail "Linux PF sent only $(($(pf_tx) - PF_TX0)) frames"
PF_RX=$(($(pf_rx) - PF_RX0))
PF_TX=$(($(pf_tx) - PF_TX0))
log "Linux PF counters: rx +$PF_RX tx +$PF_TX"
"$IPROUTE2" link show "$PFN" | grep -i "vf 0" | grep -qi "$VF_MAC" || fail "ip link does not show the VF MAC"
pass "admin MAC received, SET_LPE accepted, ARP+ICMP with 10.0.2.2 and the Linux PF (PF rx +$PF_RX tx +$PF_TX)"
