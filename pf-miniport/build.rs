//! Build script. Only a Windows build with the `wdk-glue` feature configures the WDK (include
//! paths, `/DRIVER` link flags) and links `ndis.lib`; everywhere else it does nothing, so the
//! crate builds on Linux for the NDIS emulator and for the Windows type-check.

fn main() {
    #[cfg(all(windows, feature = "wdk-glue"))]
    {
        // NDIS entry points (NdisMRegisterMiniportDriver, …) come from ndis.sys via ndis.lib,
        // which wdk-build's configuration does not add for a WDM driver.
        println!("cargo:rustc-link-lib=ndis");
        if let Err(error) = wdk_build::configure_wdk_binary_build() {
            panic!("wdk-build could not configure the driver build: {error:?}");
        }
    }
}
