#!/bin/sh
# (b) Our PF side (through VFIO) against Linux igbvf on 2 VFs: igbvf must get the MACs our PF
# assigned, and pass traffic to the gateway, to our PF's responder, and between the two VFs
# through the NIC's internal switch (each VF in its own network namespace, so nothing can
# short-cut through the guest's stack).
. /mnt/host/lib.sh
MAC0=02:16:3e:00:00:b0
MAC1=02:16:3e:00:00:b1
CONTROL=/run/pf
mkdir -p "$CONTROL"

modprobe vfio-pci enable_sriov=1 disable_idle_d3=1
PF=$(pf_bdf) || fail "no 82576 PF on the bus"
check "PF bound to vfio-pci" bind "$PF" vfio-pci
"$IGBQ" pf-serve --bdf "$PF" --vf-mac "$MAC0" --vf-mac "$MAC1" --token "$VF_TOKEN" \
    --ip "$PF_IP" --control "$CONTROL" > "$H/pf.log" 2>&1 &
PF_PID=$!
"$IGBQ" wait-file "$CONTROL/ready" 60 || { cat "$H/pf.log"; fail "our PF did not come up"; }
VF0=$(vf_bdf "$PF" 0)
VF1=$(vf_bdf "$PF" 1)
modprobe igbvf
check "igbvf bound VF0" bind "$VF0" igbvf
check "igbvf bound VF1" bind "$VF1" igbvf
check "VF0 netdev" wait_for 10 netdev_of "$VF0"
check "VF1 netdev" wait_for 10 netdev_of "$VF1"
N0=$(netdev_of "$VF0")
N1=$(netdev_of "$VF1")
[ "$(cat /sys/class/net/$N0/address)" = "$MAC0" ] || fail "VF0 has $(cat /sys/class/net/$N0/address), not $MAC0"
[ "$(cat /sys/class/net/$N1/address)" = "$MAC1" ] || fail "VF1 has $(cat /sys/class/net/$N1/address), not $MAC1"
log "igbvf: $VF0=$N0 ($MAC0), $VF1=$N1 ($MAC1)"

unshare -n sleep 600 & NS0=$!
unshare -n sleep 600 & NS1=$!
sleep 0.3
ip link set "$N0" netns "$NS0" || fail "move $N0 to a namespace"
ip link set "$N1" netns "$NS1" || fail "move $N1 to a namespace"
in0() { nsenter -t "$NS0" -n "$@"; }
in1() { nsenter -t "$NS1" -n "$@"; }
in0 sh -c "ip link set lo up; ip link set $N0 up; ip addr add 10.0.2.31/24 dev $N0"
in1 sh -c "ip link set lo up; ip link set $N1 up; ip addr add 10.0.2.32/24 dev $N1"
carrier() { nsenter -t "$1" -n ip link show "$2" | grep -q LOWER_UP; }
check "VF0 carrier" wait_for 20 carrier "$NS0" "$N0"
check "VF1 carrier" wait_for 20 carrier "$NS1" "$N1"

check "VF0 -> gateway" in0 ping -c 3 -W 3 "$GATEWAY_IP"
check "VF1 -> gateway" in1 ping -c 3 -W 3 "$GATEWAY_IP"
check "VF0 -> VF1" in0 ping -c 3 -W 3 10.0.2.32
check "VF1 -> VF0" in1 ping -c 3 -W 3 10.0.2.31
check "VF0 -> our PF" in0 ping -c 3 -W 3 "$PF_IP"
# /proc/net/dev fields: 3 = rx packets, 11 = tx packets ("eth0:" is field 1).
rx0() { in0 awk -v dev="$N0:" '$1 == dev { print $3 }' /proc/net/dev; }
tx0() { in0 awk -v dev="$N0:" '$1 == dev { print $11 }' /proc/net/dev; }
rx1() { in1 awk -v dev="$N1:" '$1 == dev { print $3 }' /proc/net/dev; }
# 9 echo replies at least on VF0 (gateway, VF1, PF), plus ARP. igbvf counts a frame when it
# cleans the descriptor, so poll (bounded) instead of reading once.
wait_for 5 counter_reached rx0 0 9 || fail "igbvf $N0 rx counter $(rx0) < 9"
wait_for 5 counter_reached tx0 0 9 || fail "igbvf $N0 tx counter $(tx0) < 9"
wait_for 5 counter_reached rx1 0 6 || fail "igbvf $N1 rx counter $(rx1) < 6"
log "igbvf counters: $N0 rx=$(rx0) tx=$(tx0), $N1 rx=$(rx1)"

touch "$CONTROL/stop"
wait "$PF_PID" || { cat "$H/pf.log"; fail "our PF side reported a failure"; }
kill "$NS0" "$NS1" 2>/dev/null
cat "$H/pf.log"
report() { sed -n "s/^$1=//p" "$CONTROL/report"; }
[ "$(report vf0.state)" = "Some(Ready)" ] || fail "VF0 not Ready in our PF"
[ "$(report vf1.state)" = "Some(Ready)" ] || fail "VF1 not Ready in our PF"
[ "$(report vf0.resets)" -ge 1 ] || fail "no VF0 reset handshake served"
[ "$(report vf0.pool_tx)" -ge 9 ] || fail "VF0 pool Tx counter $(report vf0.pool_tx)"
[ "$(report vf1.pool_rx)" -ge 6 ] || fail "VF1 pool Rx counter $(report vf1.pool_rx)"
[ "$(report pf.responded)" -ge 3 ] || fail "our PF answered $(report pf.responded) frames"
[ "$(report interrupts)" -ge 1 ] || fail "no mailbox interrupt through the MSI-X eventfd"
# A well-behaved Linux VF must never be told its messages are malformed.
[ -z "$(report vf0.nacks.Malformed)$(report vf1.nacks.Malformed)" ] ||
    fail "our PF NACKed igbvf messages as malformed: $(grep '^event' "$CONTROL/report")"
pass "igbvf got our MACs; VF<->gateway, VF<->VF (internal switch), VF->PF; mailbox served on $(report interrupts) interrupts"
