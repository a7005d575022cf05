//! `DriverEntry` and unload: registration with NDIS through the shared framework (portable:
//! the Windows glue's `DriverEntry` export and the NDIS emulator both call [`driver_entry`]).

use ndis_abi::*;

use crate::adapter::VfDriver;

/// The portable `DriverEntry` body.
///
/// # Safety
/// Called once per driver load with the kernel's (or the emulator's) driver object and
/// registry path.
pub unsafe fn driver_entry(
    driver_object: PDRIVER_OBJECT,
    registry_path: *const UNICODE_STRING,
) -> NDIS_STATUS {
    // SAFETY: forwarded caller contract.
    unsafe { ndis::miniport::driver_entry::<VfDriver>(driver_object, registry_path) }
}

/// [`driver_entry`] with the exact `DriverEntry` ABI, for hosts that load the portable driver
/// the way the I/O manager would (the user-mode NDIS emulator).
///
/// # Safety
/// As [`driver_entry`].
pub unsafe extern "system" fn portable_driver_entry(
    driver_object: PDRIVER_OBJECT,
    registry_path: *mut UNICODE_STRING,
) -> NDIS_STATUS {
    // SAFETY: forwarded caller contract.
    unsafe { driver_entry(driver_object, registry_path) }
}
