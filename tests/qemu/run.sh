#!/usr/bin/env bash
# QEMU igb tier: runs our igb hardware layer against QEMU's own 82576 model (an implementation
# independent of ours) and against Linux's igb (PF) and igbvf (VF) drivers, inside a TCG guest.
#
# usage: bash tests/qemu/run.sh [scenario ...]     (default: every tests/qemu/scenarios/*.sh)
# env:   IGB_QEMU_CACHE  cache for downloads, kernel, initramfs (default ~/.cache/igb-qemu-tier)
#        IGB_QEMU_FAILED where the logs of failed attempts are kept, one folder each
#                        (default $IGB_QEMU_CACHE/failed)
#        BOOT_TIMEOUT    seconds one guest may run (default 300)
# last line: "N passed, M failed, R retried" (R: scenarios rerun once for QEMU's TCG race).
#
# One guest boot per scenario (isolation: a scenario that wedges the device cannot break the
# next). Each scenario is a guest shell script (tests/qemu/scenarios/<name>.sh, sourcing
# lib.sh) that drives the static guest program `igbq` (tests/qemu/guest) and Linux's drivers,
# and writes PASS/FAIL lines to /mnt/host/result. Network traffic never leaves QEMU: the NIC's
# backend is `-netdev user,restrict=on` (slirp answers ARP/ICMP for 10.0.2.2 itself).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "${here}/../.." && pwd)
cache=${IGB_QEMU_CACHE:-${HOME}/.cache/igb-qemu-tier}
boot_timeout=${BOOT_TIMEOUT:-300}
guest_target=x86_64-unknown-linux-gnu

log() { echo "[qemu-tier] $*" >&2; }
die() { log "error: $*"; exit 2; }

apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

qemu_is_usable() {
    command -v qemu-system-x86_64 >/dev/null 2>&1 || return 1
    local major
    major=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p')
    [ -n "${major}" ] && [ "${major}" -ge 8 ] || return 1
    qemu-system-x86_64 -device help 2>/dev/null | grep -q '"igb"'
}

# The URI of the Debian archive this machine already uses for bookworm (deb822 sources in
# /etc/apt/sources.list.d/*.sources, else one-line sources in /etc/apt/sources.list), so the
# backports suite comes from the same mirror and no host name is written into this script.
debian_archive_uri() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "${file}" ] || continue
        # deb822: a stanza whose Suites include "bookworm" (the release suite itself).
        awk '
            /^[[:space:]]*$/ { if (uri != "" && suite) { found = 1; exit } uri = ""; suite = 0; next }
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
            END { if (found || (uri != "" && suite)) print uri }
        ' "${file}"
    done | head -n 1 | grep . && return 0
    # One-line sources: "deb [options] URI SUITE COMPONENT...".
    [ -f /etc/apt/sources.list ] &&
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' /etc/apt/sources.list |
        awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' | grep .
}

install_packages() {
    if ! qemu_is_usable; then
        # bookworm's own QEMU (7.2) has no igb model; bookworm-backports has QEMU 10.
        local sources=/etc/apt/sources.list.d/bookworm-backports.sources
        if [ ! -f "${sources}" ] && ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
            local uri
            uri=$(debian_archive_uri) || die "no bookworm source in /etc/apt to take the archive URI from"
            log "adding bookworm-backports from ${uri}"
            printf '%s\n' 'Types: deb' "URIs: ${uri}" 'Suites: bookworm-backports' \
                'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > "${sources}"
        fi
        log "installing QEMU from bookworm-backports"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -t bookworm-backports qemu-system-x86 >/dev/null
        qemu_is_usable || die "QEMU >= 8 with the igb device is still missing"
    fi
    local missing=()
    # busybox must be the static build: it is the whole guest user land.
    if ! { [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; }; then
        missing+=(busybox-static)
    fi
    command -v file >/dev/null || missing+=(file)
    [ -x /usr/sbin/ip ] && ldd /usr/sbin/ip >/dev/null 2>&1 || missing+=(iproute2)
    command -v depmod >/dev/null || missing+=(kmod)
    command -v cpio >/dev/null || missing+=(cpio)
    command -v xz >/dev/null || missing+=(xz-utils)
    command -v zstd >/dev/null || missing+=(zstd)
    [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(libc6-dev)
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing ${missing[*]}"
        apt-get update -qq
        apt_install "${missing[@]}"
    fi
    # `file` may just have been installed: check busybox again.
    file -L /bin/busybox | grep -q 'statically linked' || apt_install busybox-static
}

# A Debian kernel, unpacked (not installed) into the cache.
fetch_kernel() {
    local package
    package=${KERNEL_PACKAGE:-$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }')}
    [ -n "${package}" ] || die "cannot find the Debian kernel package behind linux-image-amd64"
    kernel_version=${package#linux-image-}
    kernel_root=${cache}/kernel-${kernel_version}
    if [ ! -f "${kernel_root}/boot/vmlinuz-${kernel_version}" ]; then
        mkdir -p "${cache}/debs"
        if ! ls "${cache}/debs/${package}"_*.deb >/dev/null 2>&1; then
            log "downloading ${package}"
            (cd "${cache}/debs" && apt-get download "${package}" >/dev/null 2>&1) ||
                { apt-get update -qq; (cd "${cache}/debs" && apt-get download "${package}" >/dev/null); }
        fi
        log "unpacking ${package}"
        rm -rf "${kernel_root}.tmp"
        dpkg -x "$(ls "${cache}/debs/${package}"_*.deb | head -n 1)" "${kernel_root}.tmp"
        mv "${kernel_root}.tmp" "${kernel_root}"
    fi
}

# Modules the guest needs (their dependencies are added from modules.dep).
guest_modules="igb igbvf vfio vfio_iommu_type1 vfio-pci 9p 9pnet_virtio virtio_pci"

build_initramfs() {
    local key
    key=$(cat "${here}/guest-init.sh" "${BASH_SOURCE[0]}" <(echo "${kernel_version} ${guest_modules}") \
        /bin/busybox "$(readlink -f /usr/sbin/ip)" |
        sha256sum | cut -c1-16)
    initramfs=${cache}/initramfs-${kernel_version}-${key}.cpio.gz
    [ -f "${initramfs}" ] && return
    log "building the initramfs (${kernel_version})"
    local modules_dir=${kernel_root}/lib/modules/${kernel_version}
    [ -f "${modules_dir}/modules.dep" ] || depmod -b "${kernel_root}" "${kernel_version}"
    local stage
    stage=$(mktemp -d "${TMPDIR:-/tmp}/igb-initramfs.XXXXXX")
    mkdir -p "${stage}"/{bin,sbin,proc,sys,dev,tmp,run,mnt/host,hugepages,lib/modules/${kernel_version}}
    cp /bin/busybox "${stage}/bin/busybox"
    ln -s busybox "${stage}/bin/sh"
    declare -A added=()
    add_module_file() {
        local relative=$1
        [ -n "${added[${relative}]:-}" ] && return
        added[${relative}]=1
        local target=${stage}/lib/modules/${kernel_version}/${relative}
        mkdir -p "$(dirname "${target}")"
        case ${relative} in
            *.ko.xz) xz -dc "${modules_dir}/${relative}" > "${target%.xz}" ;;
            *.ko.zst) zstd -qdc "${modules_dir}/${relative}" > "${target%.zst}" ;;
            *) cp "${modules_dir}/${relative}" "${target}" ;;
        esac
    }
    local module path relative dependency
    for module in ${guest_modules}; do
        path=$(modinfo -b "${kernel_root}" -k "${kernel_version}" -n "${module}" 2>/dev/null) ||
            die "module ${module} not found in ${kernel_version}"
        case ${path} in /*) ;; *) continue ;; esac # built in
        relative=${path#"${modules_dir}"/}
        add_module_file "${relative}"
        for dependency in $(grep "^${relative}:" "${modules_dir}/modules.dep" | cut -d: -f2); do
            add_module_file "${dependency}"
        done
    done
    cp "${modules_dir}/modules.builtin" "${modules_dir}/modules.builtin.modinfo" "${modules_dir}/modules.order" \
        "${stage}/lib/modules/${kernel_version}/" 2>/dev/null || true
    depmod -b "${stage}" "${kernel_version}"
    # iproute2's ip (busybox's cannot set VF attributes: `ip link set <pf> vf 0 mac`), with
    # the shared libraries it needs, at /opt/iproute2/ip.
    mkdir -p "${stage}/opt/iproute2"
    cp "$(readlink -f /usr/sbin/ip)" "${stage}/opt/iproute2/ip"
    local library
    for library in $(ldd /usr/sbin/ip | grep -o '/[^ ]*'); do
        mkdir -p "${stage}$(dirname "${library}")"
        cp -L "${library}" "${stage}${library}"
    done
    install -m 0755 "${here}/guest-init.sh" "${stage}/init"
    (cd "${stage}" && find . | cpio -o -H newc --quiet | gzip -1) > "${initramfs}.tmp"
    mv "${initramfs}.tmp" "${initramfs}"
    rm -rf "${stage}"
}

build_guest_program() {
    log "building igbq (static, ${guest_target})"
    # --target keeps RUSTFLAGS away from build scripts; glibc's static libc.a makes a binary
    # that needs nothing from the guest's (nonexistent) /lib.
    (cd "${repo}" && RUSTFLAGS="-C target-feature=+crt-static" \
        cargo build -q --release -p qemu-guest --bin igbq --target "${guest_target}")
    local target_dir
    target_dir=$(cd "${repo}" && cargo metadata --format-version 1 --no-deps |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    guest_program=${target_dir}/${guest_target}/release/igbq
    file -L "${guest_program}" | grep -Eq 'statically linked|static-pie linked' ||
        die "${guest_program} is not statically linked"
}

# What aborts QEMU's TCG when a vCPU's TLB still holds section numbers of a memory map that
# another thread has just replaced (see README.md, "The QEMU TCG race"). Only this gets a retry.
readonly QEMU_TCG_RACE='iotlb_to_section: Assertion'

# Boots one guest for scenario $1 (attempt $2). Prints the scenario's result lines on stdout,
# with a FAIL line for anything that went wrong; returns 0 when the scenario passed, 3 when
# QEMU died of the known TCG race (the caller may retry), 1 for any other failure.
run_scenario() {
    local name=$1 attempt=$2 script=${here}/scenarios/$1.sh
    local share=${cache}/runs/${name}
    rm -rf "${share}"
    mkdir -p "${share}"
    cp "${guest_program}" "${share}/igbq"
    # Every scenario file goes along: one scenario may build on another.
    cp "${here}"/scenarios/*.sh "${share}/"
    install -m 0755 "${script}" "${share}/run.sh"
    local start rc=0
    start=$(date +%s)
    # eim=on (with intremap) lets the guest run its local APIC in x2APIC mode (MSRs, not
    # MMIO), and clocksource=tsc replaces the HPET: the guest's hottest MMIO goes away, which
    # leaves QEMU's TCG race (README.md) almost nothing to hit. Two vCPUs stay: with one,
    # Linux igbvf's probe busy-waits while our user-space PF cannot answer.
    timeout --kill-after=10 "${boot_timeout}" qemu-system-x86_64 \
        -accel tcg -machine q35 -cpu max -smp 2 -m 1024 \
        -display none -no-reboot -serial "file:${share}/console.log" -monitor none \
        -kernel "${kernel_root}/boot/vmlinuz-${kernel_version}" -initrd "${initramfs}" \
        -append "console=ttyS0 panic=-1 quiet loglevel=4 intel_iommu=on iommu=pt tsc=reliable clocksource=tsc" \
        -device intel-iommu,intremap=on,eim=on \
        -device pcie-root-port,id=rp0,chassis=1,slot=0 \
        -netdev user,id=n0,restrict=on \
        -device igb,netdev=n0,bus=rp0,mac=52:54:00:12:34:56 \
        -virtfs "local,path=${share},mount_tag=host0,security_model=none,id=fs0" \
        </dev/null >"${share}/qemu.log" 2>&1 || rc=$?
    local elapsed=$(( $(date +%s) - start ))
    local verdict=0
    if [ -s "${share}/result" ]; then
        sed "s/^\(PASS\|FAIL\) /\1 ${name}: /" "${share}/result"
    fi
    if grep -q "${QEMU_TCG_RACE}" "${share}/qemu.log" 2>/dev/null; then
        echo "FAIL ${name}: QEMU aborted (rc=${rc}): $(grep -m1 "${QEMU_TCG_RACE}" "${share}/qemu.log")"
        verdict=3
    elif [ "${rc}" -eq 124 ] || [ "${rc}" -eq 137 ]; then
        echo "FAIL ${name}: guest timed out after ${elapsed}s"
        verdict=1
    elif [ "${rc}" -ne 0 ]; then
        # A crash or abort is a failure even after the scenario's PASS line.
        echo "FAIL ${name}: qemu exited with status ${rc} after ${elapsed}s (see qemu.log)"
        verdict=1
    elif [ ! -s "${share}/result" ]; then
        echo "FAIL ${name}: no result (${elapsed}s)"
        verdict=1
    elif grep -q '^FAIL' "${share}/result" || ! grep -q '^PASS ' "${share}/result"; then
        grep -q '^PASS ' "${share}/result" || echo "FAIL ${name}: result has no PASS line"
        verdict=1
    elif ! grep -q '^\[init\] scenario exit=0' "${share}/console.log"; then
        echo "FAIL ${name}: the guest did not report the scenario's exit status 0 (see console.log)"
        verdict=1
    fi
    log "${name} (attempt ${attempt}): guest ran ${elapsed}s, qemu rc=${rc}," \
        "$(grep -m1 -o 'clocksource .*' "${share}/console.log" 2>/dev/null || echo 'clocksource unknown');" \
        "logs in ${share}"
    if [ "${verdict}" -ne 0 ]; then
        keep_logs "${name}" "${attempt}"
    fi
    return "${verdict}"
}

# Keeps every log of a failed attempt (both sides: scenario.log has the VF side and the
# scenario's checks, pf.log our PF side; console.log the guest kernel; qemu.log QEMU) in a
# folder of its own that no later run overwrites, and prints them.
keep_logs() {
    local name=$1 attempt=$2 share=${cache}/runs/$1
    local kept
    kept=${failed_root}/$(date -u +%Y%m%dT%H%M%SZ)-$$-${name}-attempt${attempt}
    mkdir -p "${kept}"
    find "${share}" -maxdepth 1 -type f ! -name igbq -exec cp {} "${kept}/" \;
    log "kept the logs of ${name} (attempt ${attempt}) in ${kept}"
    local file
    for file in scenario.log pf.log; do
        [ -f "${kept}/${file}" ] || continue
        log "---- ${name}: ${file} (complete) ----"
        cat "${kept}/${file}" >&2
    done
    for file in console.log qemu.log; do
        [ -f "${kept}/${file}" ] || continue
        log "---- ${name}: last 30 lines of ${file} ----"
        tail -n 30 "${kept}/${file}" >&2
    done
}

main() {
    local scenarios=("$@")
    if [ "${#scenarios[@]}" -eq 0 ]; then
        local file
        for file in "${here}"/scenarios/*.sh; do
            [ "$(basename "${file}")" = lib.sh ] && continue
            scenarios+=("$(basename "${file}" .sh)")
        done
    fi
    mkdir -p "${cache}"
    failed_root=${IGB_QEMU_FAILED:-${cache}/failed}
    install_packages
    fetch_kernel
    build_initramfs
    build_guest_program
    log "qemu: $(qemu-system-x86_64 --version | head -n 1); kernel ${kernel_version}"

    local passed=0 failed=0 retried=0 name lines verdict
    for name in "${scenarios[@]}"; do
        [ -f "${here}/scenarios/${name}.sh" ] || die "no scenario ${name}"
        verdict=0
        lines=$(run_scenario "${name}" 1) || verdict=$?
        echo "${lines}"
        if [ "${verdict}" -eq 3 ]; then
            # Once, and only for QEMU's own TCG race; the retry must pass in full.
            echo "RETRY ${name}: QEMU TCG iotlb_to_section race (known QEMU bug)"
            retried=$((retried + 1))
            verdict=0
            lines=$(run_scenario "${name}" 2) || verdict=$?
            echo "${lines}"
        fi
        if [ "${verdict}" -eq 0 ]; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
        fi
    done
    echo "${passed} passed, ${failed} failed, ${retried} retried"
    [ "${failed}" -eq 0 ]
}

main "$@"
