#!/usr/bin/env bash
# The PF data path's cost in driver instructions per packet, under callgrind.
#
# usage: bash tests/bench/datapath.sh
#
# Runs tests/bench (crate datapath-bench: the PF miniport through the NDIS emulator and the igb
# model) under valgrind's callgrind, once per path (tx = send + completion, rx = indicate +
# return), batch (1, 32) and frame size (64, 1514 bytes). Only the driver's own instructions are
# counted: collection is on only inside the driver's NDIS entry points (send, return, ISR, DPC,
# SG-list callback; `--toggle-collect`), and from what is collected there the inclusive cost of
# every NDIS export the driver calls (`Ndis*`, `Ke*`) and of the emulator's register primitive
# (`Emu*`, which runs the device model) is subtracted. (Toggling on the exports as well does
# not work: a toggle flips, so an export called outside an entry point, from the driver's timer
# or work item, switched counting *on* until it returned; and the release profile's LTO inlined
# exports into the driver until they were made `#[inline(never)]`.) Each configuration runs
# twice, with R and 2R rounds; the difference divided by the extra packets removes fixed costs
# (bring-up, link interrupts, halt). Prints a table and the five most expensive driver
# functions per path; the last line is
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
# Release code (what ships), with symbols so callgrind can name the functions, and without
# line tables: with them callgrind_annotate splits an inlined function over one line per source
# file, each with the whole inclusive cost, and the exports' sum came out several times too big.
CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=none \
    cargo build -q --release -p datapath-bench
bench=${target}/release/datapath-bench
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT

toggles=(
    '--toggle-collect=ndis::miniport::send_net_buffer_lists*'
    '--toggle-collect=ndis::miniport::return_net_buffer_lists*'
    '--toggle-collect=ndis::interrupt::message_isr*'
    '--toggle-collect=ndis::interrupt::message_dpc*'
    '--toggle-collect=ndis::dma::process_sg_list*'
)
# NDIS, the kernel and the emulator's register primitive: what the driver calls but does not own.
not_driver='^(Ndis|Ke|Emu)[A-Za-z0-9_]*$'

# Driver instructions in one run: path batch bytes rounds -> collected total minus the
# inclusive cost of the exports called while collecting.
collected() {
    local out=${work}/callgrind.$1.$2.$3.$4 total exports
    valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="${out}" \
        "${toggles[@]}" "${bench}" "$1" "$2" "$3" "$4" 2>"${out}.log" >/dev/null || {
        echo "datapath-bench $* failed:" >&2
        grep -v '^==' "${out}.log" >&2 || true
        exit 1
    }
    total=$(callgrind_annotate "${out}" 2>/dev/null |
        sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
    exports=$(callgrind_annotate --inclusive=yes --threshold=100 "${out}" 2>/dev/null |
        awk -v pattern="${not_driver}" '
            $1 ~ /^[0-9,]+$/ && !/PROGRAM TOTALS/ {
                name = $0
                sub(/ \[.*$/, "", name)
                sub(/^.*:/, "", name)
                if (name ~ pattern) { cost = $1; gsub(/,/, "", cost); sum += cost }
            }
            END { printf "%d\n", sum }')
    echo $((total - exports))
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
    # Only functions of the driver's crates (the exports and the emulator's internals are
    # someone else's).
    callgrind_annotate --inclusive=no --threshold=100 "${work}/callgrind.${path}.32.64.40" 2>/dev/null |
        awk '/^-+$/ {dash++; next}
             dash >= 3 && NF >= 2 && $1 ~ /^[0-9,]+$/ && !/PROGRAM TOTALS/ &&
             /(pf_miniport|igb_datapath|igb|ndis|hw_platform)::/ && n < 5 {print; n++}' |
        sed 's/^/  /'
done
echo
echo "datapath: rx+tx $((result[rx.32.64] + result[tx.32.64])) instructions/packet at batch 32 (64-byte frames)"
