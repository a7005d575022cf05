#!/usr/bin/env bash
# Windows type-check on a Linux host: `cargo check` of the no_std crates and of both driver
# crates for x86_64-pc-windows-msvc, with the Windows-only glue (feature `wdk-glue`) off.
#
# Why this shape:
# - There is no Windows/WDK here, so the glue (wdk-sys bindgen, wdk-build) cannot build; what we
#   CAN prove is that everything else type-checks for the kernel target's cfg (windows, x86_64,
#   msvc, 64-bit pointers) and never names `std`.
# - rustup may not have the msvc target's prebuilt `core`; instead we rebuild `core`/`alloc`
#   from source with `-Zbuild-std`, which needs a nightly cargo. Debian's `cargo-web`/`rustc-web`
#   (a Rust toolchain packaged for building browsers) plus `rust-web-src` (the library sources,
#   installed under /usr/src/rustc-<version>, linked from /usr/lib/rustlib/src/rust, i.e. the
#   default location under the `/usr` sysroot) give exactly that; `RUSTC_BOOTSTRAP=1` unlocks
#   `-Z` flags on this stable toolchain. No `__CARGO_TESTS_ONLY_SRC_ROOT` is needed: cargo finds
#   the sources through `rustc --print sysroot` (= /usr) + lib/rustlib/src/rust/library.
# - The Debian toolchain is used explicitly (/usr/bin/cargo, RUSTC=/usr/bin/rustc), with
#   rustup's variables removed and /usr/bin first in PATH, so rustup's cargo/rustc are not picked.
# - The driver crates are `cdylib`+`rlib`; without the glue the cdylib has no panic handler, so
#   they are checked as an rlib (`cargo rustc --crate-type rlib --profile check`), which
#   type-checks exactly the same code.
# - `-Zbuild-std` resolves the whole standard library workspace, so the first run downloads the
#   library's crates.io dependencies (listed in library/Cargo.lock) into the cargo cache.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/.." && pwd)"
manifest="${repo_root}/Cargo.toml"
target_triple="x86_64-pc-windows-msvc"
target_dir="${WINCHECK_TARGET_DIR:-${repo_root}/target/wincheck}"
debian_packages=(rustc-web cargo-web rust-web-src)

log() { printf 'wincheck: %s\n' "$*" >&2; }

install_debian_toolchain() {
    local missing=()
    local package
    for package in "${debian_packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "${package}" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("${package}")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    log "installing ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    # One `apt-get update` first: on a fresh machine the package lists may be empty or stale.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_debian_toolchain

debian_cargo=/usr/bin/cargo
debian_rustc=/usr/bin/rustc
for tool in "${debian_cargo}" "${debian_rustc}"; do
    if [ ! -x "${tool}" ]; then
        log "FAIL: ${tool} missing after installing ${debian_packages[*]}"
        exit 1
    fi
done
sysroot="$("${debian_rustc}" --print sysroot)"
library_src="${sysroot}/lib/rustlib/src/rust/library"
if [ ! -f "${library_src}/core/Cargo.toml" ] || [ ! -f "${library_src}/alloc/Cargo.toml" ]; then
    log "FAIL: standard library sources not found under ${library_src} (rust-web-src)"
    exit 1
fi
log "toolchain: $("${debian_cargo}" --version) / $("${debian_rustc}" --version)"

# Run cargo with the Debian toolchain only. `env -u` drops rustup's overrides; PATH puts
# /usr/bin first so any `rustc` a build step spawns is Debian's too.
debian_cargo_run() {
    env -u RUSTUP_TOOLCHAIN -u RUSTUP_HOME -u RUSTC_WRAPPER -u RUSTC_WORKSPACE_WRAPPER \
        -u CARGO_BUILD_RUSTC -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS \
        PATH="/usr/bin:/bin:${PATH}" \
        RUSTC="${debian_rustc}" \
        RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_DIR="${target_dir}" \
        "${debian_cargo}" "$@"
}

common_args=(
    --manifest-path "${manifest}"
    --target "${target_triple}"
    -Zbuild-std=core,alloc
)

shared_crates=(ndis-abi ndis hw-platform igb)
driver_crates=(pf-miniport vf-miniport)

started=$(date +%s)

shared_package_args=()
for crate in "${shared_crates[@]}"; do
    shared_package_args+=(-p "${crate}")
done
log "cargo check ${shared_crates[*]} for ${target_triple}"
debian_cargo_run check "${common_args[@]}" "${shared_package_args[@]}"

for crate in "${driver_crates[@]}"; do
    log "cargo check ${crate} (--no-default-features: glue off) for ${target_triple}"
    debian_cargo_run rustc "${common_args[@]}" -p "${crate}" --lib --crate-type rlib \
        --profile check --no-default-features
done

elapsed=$(( $(date +%s) - started ))
crate_count=$(( ${#shared_crates[@]} + ${#driver_crates[@]} ))
echo "wincheck: ${crate_count} crates type-check for ${target_triple} (${elapsed}s)"
