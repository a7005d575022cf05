#!/bin/sh
# (c) Our PF side and our VF side on the same emulated NIC, each through its own VFIO
# container (the VF opened with the PF's VF token): handshake with our admin MAC, SET_LPE,
# ARP + ICMP echo with the gateway and with our PF's responder.
. /mnt/host/lib.sh
MAC0=02:16:3e:00:00:c0
MAC1=02:16:3e:00:00:c1
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
check "VF0 bound to vfio-pci" bind "$VF0" vfio-pci
"$IGBQ" vf --bdf "$VF0" --token "$VF_TOKEN" --expect-mac "$MAC0" --ip 10.0.2.21 \
    --peer "$GATEWAY_IP" --peer "$PF_IP" ${RESET_CMD:+--reset-pf-command "$RESET_CMD"} || VF_FAILED=1
touch "$CONTROL/stop"
wait "$PF_PID" || PF_FAILED=1
cat "$H/pf.log"
[ -z "${VF_FAILED:-}" ] || fail "our VF side against our PF side (see scenario.log)"
[ -z "${PF_FAILED:-}" ] || fail "our PF side reported a failure"
report() { sed -n "s/^$1=//p" "$CONTROL/report"; }
[ "$(report vf0.resets)" -ge 1 ] || fail "no VF0 reset handshake served"
[ "$(report vf0.pool_tx)" -ge 8 ] || fail "VF0 pool Tx counter $(report vf0.pool_tx)"
[ "$(report pf.responded)" -ge 4 ] || fail "our PF answered $(report pf.responded) frames"
[ "$(report interrupts)" -ge 1 ] || fail "no mailbox interrupt through the MSI-X eventfd"
if [ -n "${RESET_CMD:-}" ]; then
    [ "$(report pf_resets)" = 1 ] || fail "our PF did $(report pf_resets) resets, expected 1"
    # Two handshakes: the first one and the one after the PF reset. (The VF's final state is
    # Resetting: vfio-pci resets the VF when our VF program closes it.)
    [ "$(report vf0.resets)" -ge 2 ] || fail "our PF served $(report vf0.resets) VF0 handshakes, expected 2"
fi
pass "${PASS_TEXT:-our VF got our PF's MAC; ARP+ICMP with the gateway and our PF; mailbox on $(report interrupts) interrupts}"
