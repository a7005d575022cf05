//! Windows-only glue for the PF (Physical Function) miniport: the `DriverEntry` export,
//! the kernel pool allocator and the bugcheck-on-panic handler, following the
//! windows-drivers-rs WDM driver shape (`crates/cargo-wdk/templates/wdm/lib.rs.tmp`,
//! `examples/sample-wdm-driver`).
//!
//! This is the only module that names `wdk-*` crates. It is compiled only for a Windows target
//! with the `wdk-glue` feature (see `lib.rs`), never on the Linux test host and not in the
//! Linux-hosted type-check (`tests/wincheck.sh`). Everything it calls is portable code that the
//! NDIS emulator tests on Linux. Test builds (`cfg(test)`) link `std`, which brings its own
//! panic handler and allocator, so the kernel ones are left out there (as the upstream samples
//! do).

use ndis_abi::{
    NDIS_STATUS, PDRIVER_OBJECT as NdisDriverObject, UNICODE_STRING as NdisUnicodeString,
};
use wdk_sys::{NTSTATUS, PCUNICODE_STRING, PDRIVER_OBJECT, UNICODE_STRING};

// wdk-panic: on panic, bugcheck 0x52504E43 ("RPNC") with the source location in the
// parameters. A kernel driver must never unwind (the release profile sets panic = "abort").
#[cfg(not(test))]
extern crate wdk_panic;

/// Kernel pool allocator (`ExAllocatePool2`, non-paged, tag "rust"). It ignores alignment
/// above the pool's natural alignment, so descriptor rings and packet buffers never come from
/// here: they use NDIS shared memory (anchors.md §1).
#[cfg(not(test))]
#[global_allocator]
static GLOBAL_ALLOCATOR: wdk_alloc::WdkAllocator = wdk_alloc::WdkAllocator;

// The OS hands us the WDK's types; the portable driver uses ndis-abi's. They must be the same
// ABI: NTSTATUS and NDIS_STATUS are both `i32` (this line does not compile otherwise), and the
// UNICODE_STRING layouts must match (16 bytes on x64, ndis-abi-layouts.json).
const _: fn(NDIS_STATUS) -> NTSTATUS = |status| status;
const _: () = assert!(size_of::<UNICODE_STRING>() == size_of::<NdisUnicodeString>());
const _: () = assert!(align_of::<UNICODE_STRING>() == align_of::<NdisUnicodeString>());

/// `DriverEntry`: converts the WDK pointer types to ndis-abi's and hands over to the portable
/// `crate::miniport::driver_entry`, which registers the miniport with NDIS.
///
/// # Safety
///
/// Called once by the I/O manager with a valid `DRIVER_OBJECT` and the driver's registry path,
/// both alive for the duration of the call (and the driver object until unload).
// SAFETY: "DriverEntry" is the entry-point symbol the WDM link (/ENTRY:DriverEntry, set by
// wdk-build) expects; nothing else in this crate exports that name. Test builds skip the export
// so a test harness never defines a second `DriverEntry`.
#[cfg_attr(not(test), unsafe(export_name = "DriverEntry"))]
pub unsafe extern "system" fn driver_entry(
    driver: PDRIVER_OBJECT,
    registry_path: PCUNICODE_STRING,
) -> NTSTATUS {
    let driver_object: NdisDriverObject = driver.cast();
    let registry_path: *const NdisUnicodeString = registry_path.cast();
    // Both pointers come straight from the I/O manager and satisfy this function's own
    // contract (valid for the call); the casts only change the pointee type to ndis-abi's
    // identical layout (asserted above).
    // SAFETY: valid-for-the-call driver object and registry path, as `driver_entry` requires.
    unsafe { crate::miniport::driver_entry(driver_object, registry_path) }
}
