# Sourced by .ci/run (bash): makes sure `cargo` on PATH can build this workspace
# (edition 2024, rust-version 1.85) and has `cargo fmt` and `cargo clippy`.
#
# The toolchain already on PATH (rustup's, for instance) is used when it is new enough and has
# both tools. Otherwise Debian 12's current toolchain is installed and put first on PATH:
# `cargo-web`/`rustc-web` (1.96 from bookworm-security; 1.85 from bookworm itself) with
# `rustfmt-web` and `rust-web-clippy`. Debian 12's plain `cargo`/`rustc` packages are 1.63,
# too old for edition 2024, so they are never installed.

required_rust_minor=85
debian_toolchain_packages=(rustc-web cargo-web rustfmt-web rust-web-clippy)

# Whether `cargo` on PATH is >= 1.85 and has fmt and clippy.
toolchain_is_usable() {
    local version major minor
    version=$(cargo --version 2>/dev/null) || return 1
    major=$(sed -n 's/^cargo \([0-9]*\)\.\([0-9]*\).*/\1/p' <<<"${version}")
    minor=$(sed -n 's/^cargo \([0-9]*\)\.\([0-9]*\).*/\2/p' <<<"${version}")
    [ -n "${major}" ] && [ -n "${minor}" ] || return 1
    if [ "${major}" -eq 1 ] && [ "${minor}" -lt "${required_rust_minor}" ]; then
        return 1
    fi
    cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1
}

ensure_toolchain() {
    if toolchain_is_usable; then
        echo "toolchain: $(cargo --version) (already on PATH)"
        return 0
    fi
    echo "toolchain: no cargo >= 1.${required_rust_minor} with fmt and clippy on PATH;" \
        "using Debian's ${debian_toolchain_packages[*]}"
    local missing=() package
    for package in "${debian_toolchain_packages[@]}"; do
        dpkg-query -W -f='${Status}' "${package}" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("${package}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        local sudo=()
        [ "$(id -u)" -eq 0 ] || sudo=(sudo)
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}" >/dev/null
    fi
    # Debian's tools live in /usr/bin; rustup's variables must not redirect them.
    unset RUSTUP_TOOLCHAIN RUSTC RUSTDOC
    export PATH="/usr/bin:${PATH}"
    if ! toolchain_is_usable; then
        echo "toolchain: FAIL: $(cargo --version 2>&1) is still not usable" >&2
        return 1
    fi
    echo "toolchain: $(cargo --version), $(rustc --version)"
}
