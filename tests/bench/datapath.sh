#!/usr/bin/env bash
# The PF data path's cost in driver instructions per packet, under callgrind.
#
# usage: bash tests/bench/datapath.sh
#
# Runs tests/bench (crate datapath-bench: the PF miniport through the NDIS emulator and the igb
# model) under valgrind's callgrind, once per path (tx = send + completion, rx = indicate +
# return), batch (1, 32) and frame size (64, 1514 bytes). Only the driver's own instructions are
# counted: `--toggle-collect` on the driver's NDIS entry points (send, return, ISR, DPC, SG-list
# callback) switches collection on, and on every NDIS export (`Ndis*`, `Ke*`) and the
# emulator's register primitive (`Emu*`, which runs the device model) switches it off again
# (toggles nest). Each configuration runs twice, with R and 2R rounds; the difference divided
# by the extra packets removes fixed costs (bring-up, link interrupts, halt). Prints a table and
# the five most expensive driver functions per path; the last line is
#   datapath: rx+tx N instructions/packet at batch 32 (64-byte frames)
# Installs valgrind from Debian if it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq valgrind >/dev/null
fi
# shellcheck source=../toolchain.sh
source tests/toolchain.sh
ensure_toolchain >&2

target=${CARGO_TARGET_DIR:-${repo}/target}
# Release code (what ships), with symbols so callgrind can name the functions.
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build -q --release -p datapath-bench
bench=${target}/release/datapath-bench
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT

toggles=(
    '--toggle-collect=ndis::miniport::send_net_buffer_lists*'
    '--toggle-collect=ndis::miniport::return_net_buffer_lists*'
    '--toggle-collect=ndis::interrupt::message_isr*'
    '--toggle-collect=ndis::interrupt::message_dpc*'
    '--toggle-collect=ndis::dma::process_sg_list*'
    '--toggle-collect=Ndis*'
    '--toggle-collect=Ke*'
    '--toggle-collect=Emu*'
)

# Instructions collected in one run: path batch bytes rounds -> total
collected() {
    local out=${work}/callgrind.$1.$2.$3.$4
    valgrind --tool=callgrind --callgrind-out-file="${out}" "${toggles[@]}" \
        "${bench}" "$1" "$2" "$3" "$4" 2>"${out}.log" >/dev/null || {
        echo "datapath-bench $* failed:" >&2
        grep -v '^==' "${out}.log" >&2 || true
        exit 1
    }
    callgrind_annotate "${out}" 2>/dev/null |
        sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
}

# Per packet: (I(2R) - I(R)) / (R * batch)
per_packet() {
    local path=$1 batch=$2 bytes=$3 rounds=$4 one two
    one=$(collected "${path}" "${batch}" "${bytes}" "${rounds}")
    two=$(collected "${path}" "${batch}" "${bytes}" $((rounds * 2)))
    echo $(((two - one) / (rounds * batch)))
}

declare -A result
printf '%-4s %6s %7s %22s\n' path batch bytes 'instructions/packet'
for path in tx rx; do
    for batch in 1 32; do
        rounds=$((batch == 1 ? 200 : 20))
        for bytes in 64 1514; do
            n=$(per_packet "${path}" "${batch}" "${bytes}" "${rounds}")
            result[${path}.${batch}.${bytes}]=${n}
            printf '%-4s %6s %7s %22s\n' "${path}" "${batch}" "${bytes}" "${n}"
        done
    done
done

for path in tx rx; do
    echo
    echo "${path}: the five most expensive driver functions (batch 32, 64-byte frames, self cost)"
    callgrind_annotate --inclusive=no "${work}/callgrind.${path}.32.64.40" 2>/dev/null |
        awk '/^-+$/ {dash++; next} dash >= 3 && NF >= 2 && $1 ~ /^[0-9,]+$/ && !/PROGRAM TOTALS/ && n < 5 {print; n++}' |
        sed 's/^/  /'
done
echo
echo "datapath: rx+tx $((result[rx.32.64] + result[tx.32.64])) instructions/packet at batch 32 (64-byte frames)"
