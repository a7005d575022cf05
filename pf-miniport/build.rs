//! Build script. Only a build of the Windows driver image (target OS Windows, feature
//! `wdk-glue`) configures the WDK (include and library paths, the `/DRIVER` `/ENTRY:DriverEntry`
//! link flags) and links `ndis.lib`; everywhere else it does nothing, so the crate builds on
//! Linux for the NDIS emulator tests and for the Windows type-check (`tests/wincheck.sh`).
//!
//! Host versus target: a build script is compiled for, and runs on, the HOST. So `cfg(windows)`
//! in this file means "the build machine is Windows", not "the driver is for Windows". Cargo
//! resolves `[target.'cfg(windows)'.build-dependencies]` against the host as well, which is
//! exactly when `wdk_build` is available (it refuses to compile on other hosts). What the crate
//! is being built FOR is read at run time from `CARGO_CFG_TARGET_OS`, and the feature from
//! `CARGO_FEATURE_WDK_GLUE`.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let target_is_windows = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "windows");
    let glue_enabled = std::env::var_os("CARGO_FEATURE_WDK_GLUE").is_some();
    if target_is_windows && glue_enabled {
        configure_driver_image();
    }
}

/// Windows host with `wdk-build` available: configure the WDM driver link.
#[cfg(all(windows, feature = "wdk-glue"))]
fn configure_driver_image() {
    // NDIS entry points (NdisMRegisterMiniportDriver, ...) come from ndis.sys through ndis.lib,
    // which wdk-build does not link for a WDM driver (wdk-sys links only the Base subset:
    // ntoskrnl, hal, wmilib, ...). The km library directory is on the search path that
    // configure_wdk_binary_build emits.
    println!("cargo::rustc-link-lib=ndis");
    // wdk-build 0.6: `configure_wdk_binary_build() -> Result<(), ConfigError>`. It also requires
    // the static CRT (`-C target-feature=+crt-static`, set by Makefile.toml).
    if let Err(error) = wdk_build::configure_wdk_binary_build() {
        panic!("wdk-build could not configure the driver build: {error:?}");
    }
}

/// Any other host: the driver image cannot be linked here.
#[cfg(not(all(windows, feature = "wdk-glue")))]
fn configure_driver_image() {
    panic!(
        "feature `wdk-glue` builds the Windows driver image, which needs a Windows host with the \
         WDK (windows-drivers-rs does not cross-compile). To type-check for Windows from this \
         host, build with --no-default-features (see tests/wincheck.sh)."
    );
}
