# Shared helpers of the guest-side scenario scripts (busybox sh). Sourced by each scenario.
# Results go to /mnt/host/result, one line each: "PASS <what>" or "FAIL <what>"; the host
# counts a scenario as passed only if it has a PASS line and no FAIL line.
H=/mnt/host
RESULT=$H/result
IGBQ=$H/igbq
# The VF token that lets a second VFIO user open VFs of a PF owned by vfio-pci.
VF_TOKEN=6b1f4f2e-33c1-4b5e-9a1d-3f2c8e0d7a51
PF_IP=10.0.2.15
GATEWAY_IP=10.0.2.2

# iproute2's ip: busybox's cannot set VF attributes.
IPROUTE2=/opt/iproute2/ip

log() { echo "[scenario] $*"; }
fail() {
    log "FAIL: $*"
    echo "FAIL $*" >> "$RESULT"
    log "kernel messages about the NIC:"
    dmesg | grep -iE 'igb|vfio|dmar' | tail -n 25
    exit 1
}
pass() { log "PASS: $*"; echo "PASS $*" >> "$RESULT"; }
# check "what" command...: runs the command, fails the scenario with "what" if it fails.
check() {
    what=$1
    shift
    "$@" || fail "$what (command: $*)"
}

pf_bdf() {
    for dev in /sys/bus/pci/devices/*; do
        if [ "$(cat "$dev/vendor")" = 0x8086 ] && [ "$(cat "$dev/device")" = 0x10c9 ]; then
            basename "$dev"
            return 0
        fi
    done
    return 1
}

vf_bdf() { basename "$(readlink "/sys/bus/pci/devices/$1/virtfn$2")"; }

netdev_of() { ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -n 1; }

# wait_for SECONDS command...: polls the command every 0.2 s until it succeeds.
wait_for() {
    tries=$(($1 * 5))
    shift
    while [ "$tries" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
        tries=$((tries - 1))
    done
    return 1
}

# bind BDF DRIVER: hand a function to a driver through driver_override.
bind() {
    echo "$2" > "/sys/bus/pci/devices/$1/driver_override"
    if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
        echo "$1" > "/sys/bus/pci/devices/$1/driver/unbind"
    fi
    echo "$1" > /sys/bus/pci/drivers_probe
    [ "$(basename "$(readlink "/sys/bus/pci/devices/$1/driver")")" = "$2" ]
}

rx_packets() { cat "/sys/class/net/$1/statistics/rx_packets"; }
tx_packets() { cat "/sys/class/net/$1/statistics/tx_packets"; }

# counter_reached COMMAND BASE N: the number COMMAND prints has grown by at least N since BASE.
# Linux drivers count a frame when they clean its descriptor (NAPI), which can be after the
# peer already saw it: scenarios poll this with wait_for, never read a counter once.
counter_reached() { [ $(($($1) - $2)) -ge "$3" ]; }

: > "$RESULT"
log "kernel $(uname -r)"
