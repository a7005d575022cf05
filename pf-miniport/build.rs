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
    link_message_table();
}

/// The event-log messages (`inf/pf_miniport.mc`, see `src/diagnostics.rs`) go into the image's
/// message table: `mc -c -U` (customer bit, Unicode text) writes `pf_miniport.rc` and its
/// `.bin`, `rc` compiles them to a `.res`, and the MSVC linker takes the `.res` as an input. The
/// INF lists the image as an `EventMessageFile`. Both tools come with the Windows SDK and are
/// on PATH in the WDK build environment (eWDK `LaunchBuildEnv`).
#[cfg(all(windows, feature = "wdk-glue"))]
fn link_message_table() {
    use std::path::PathBuf;
    use std::process::Command;

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let message_file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../inf/pf_miniport.mc");
    println!("cargo::rerun-if-changed={}", message_file.display());
    let run = |command: &mut Command| {
        let status = command
            .status()
            .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
        assert!(status.success(), "{command:?} failed: {status}");
    };
    run(Command::new("mc.exe")
        .args(["-c", "-U", "-h"])
        .arg(&out_dir)
        .arg("-r")
        .arg(&out_dir)
        .arg(&message_file));
    let resources = out_dir.join("pf_miniport_messages.res");
    run(Command::new("rc.exe")
        .args(["/nologo", "/fo"])
        .arg(&resources)
        .arg(out_dir.join("pf_miniport.rc")));
    println!("cargo::rustc-link-arg={}", resources.display());
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
