//! `DriverEntry` and unload: registration with NDIS (portable: the Windows glue's
//! `DriverEntry` export and the NDIS emulator both call [`driver_entry`]).

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use ndis_abi::*;

use crate::adapter::{DRIVER_VERSION, VfDriver};

/// The handle `NdisMRegisterMiniportDriver` returned, for deregistration at unload.
static DRIVER_HANDLE: AtomicPtr<core::ffi::c_void> = AtomicPtr::new(ptr::null_mut());

/// `MiniportDriverUnload`: deregisters the driver.
unsafe extern "system" fn driver_unload(_driver_object: PDRIVER_OBJECT) {
    let handle = DRIVER_HANDLE.swap(ptr::null_mut(), Ordering::AcqRel);
    if !handle.is_null() {
        // SAFETY: `handle` came from a successful NdisMRegisterMiniportDriver and is
        // deregistered once (the swap clears it).
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
        ndis::miniport::register::<VfDriver>(
            driver_object,
            registry_path,
            DRIVER_VERSION.0,
            DRIVER_VERSION.1,
            Some(driver_unload),
        )
    } {
        Ok(handle) => {
            DRIVER_HANDLE.store(handle, Ordering::Release);
            NDIS_STATUS_SUCCESS
        }
        Err(error) => error.status(),
    }
}
