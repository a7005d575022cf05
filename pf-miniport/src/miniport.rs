//! `DriverEntry` and unload: registration with NDIS (portable: the Windows glue's
//! `DriverEntry` export and the NDIS emulator both call [`driver_entry`]).

use ndis_abi::*;

use crate::adapter::{DRIVER_VERSION, PfDriver};

/// The handles `NdisMRegisterMiniportDriver` returned, for deregistration at unload.
static REGISTRATIONS: ndis::miniport::DriverRegistrations =
    ndis::miniport::DriverRegistrations::new();

/// `MiniportDriverUnload`: deregisters the driver.
unsafe extern "system" fn driver_unload(driver_object: PDRIVER_OBJECT) {
    if let Some(handle) = REGISTRATIONS.remove(driver_object) {
        // SAFETY: `handle` came from a successful NdisMRegisterMiniportDriver for this driver
        // object and is deregistered once (`remove` clears it).
        unsafe { NdisMDeregisterMiniportDriver(handle) };
    }
}

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
    match unsafe {
        ndis::miniport::register::<PfDriver>(
            driver_object,
            registry_path,
            DRIVER_VERSION.0,
            DRIVER_VERSION.1,
            Some(driver_unload),
        )
    } {
        Ok(handle) => {
            if REGISTRATIONS.insert(driver_object, handle) {
                NDIS_STATUS_SUCCESS
            } else {
                // No slot to remember the handle for unload: undo the registration.
                // SAFETY: `handle` was just registered and is not used elsewhere.
                unsafe { NdisMDeregisterMiniportDriver(handle) };
                NDIS_STATUS_RESOURCES
            }
        }
        Err(error) => error.status(),
    }
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
