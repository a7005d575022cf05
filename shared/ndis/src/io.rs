//! Mapped device registers: [`IoSpace`] over `NdisMMapIoSpace` / `NdisMUnmapIoSpace`,
//! implementing [`hw_platform::Mmio`] for the igb hardware layer.
//!
//! Every register access of both drivers goes through one primitive, [`read_register`] /
//! [`write_register`]:
//! * on Windows it is what wdm.h's `READ_REGISTER_ULONG` / `WRITE_REGISTER_ULONG` do on x64: a
//!   32-bit volatile access fenced so that neither the compiler nor the CPU moves other memory
//!   accesses across it (a descriptor written to shared memory is visible to the device before
//!   the tail write that hands it over; 82576 datasheet 7.1.4.1 / 7.2.1.2);
//! * elsewhere it calls `EmuReadRegisterUlong` / `EmuWriteRegisterUlong`, which the user-mode
//!   NDIS emulator defines and routes to the device model by mapped address. The emulator's
//!   mapping faults on any direct access, so code that bypasses the primitive crashes in tests.

use core::ptr::NonNull;
use core::sync::atomic::{Ordering, compiler_fence, fence};

use ndis_abi::*;

use crate::adapter::AdapterHandle;
use crate::status::{NdisError, NdisResult, check};

/// Reads the 32-bit device register at `register` (`READ_REGISTER_ULONG`).
///
/// # Safety
/// `register` is a 4-byte aligned address inside a live mapping from `NdisMMapIoSpace`.
#[inline]
pub unsafe fn read_register(register: NonNull<u32>) -> u32 {
    compiler_fence(Ordering::SeqCst);
    #[cfg(windows)]
    // SAFETY: caller's contract: the address is a mapped, aligned device register.
    let value = unsafe { register.as_ptr().read_volatile() };
    #[cfg(not(windows))]
    // SAFETY: the emulator's primitive takes any address (it routes mapped ones to the
    // device and reports the rest); caller's contract makes this one mapped.
    let value = unsafe { EmuReadRegisterUlong(register.as_ptr()) };
    // A read completes before later accesses (the x64 READ_REGISTER_ULONG is a serialising
    // volatile load; Acquire keeps the compiler and weaker CPUs from hoisting past it).
    fence(Ordering::Acquire);
    value
}

/// Writes the 32-bit device register at `register` (`WRITE_REGISTER_ULONG`).
///
/// # Safety
/// As [`read_register`].
#[inline]
pub unsafe fn write_register(register: NonNull<u32>, value: u32) {
    // Everything written before (descriptors in shared memory) is visible first.
    fence(Ordering::SeqCst);
    #[cfg(windows)]
    // SAFETY: caller's contract: the address is a mapped, aligned device register.
    unsafe {
        register.as_ptr().write_volatile(value);
    }
    #[cfg(not(windows))]
    // SAFETY: as in `read_register`.
    unsafe {
        EmuWriteRegisterUlong(register.as_ptr(), value);
    }
    fence(Ordering::SeqCst);
}

/// One memory BAR mapped with `NdisMMapIoSpace`; unmapped when dropped.
///
/// Offsets outside the mapping, or not 4-byte aligned, read all-ones and drop writes (the
/// [`hw_platform::Mmio`] contract, and what a removed PCIe device looks like), so a hostile or
/// corrupt offset computed from hardware state can never reach memory outside the BAR.
pub struct IoSpace {
    adapter: AdapterHandle,
    base: NonNull<u32>,
    length: u32,
}

// SAFETY: the mapping is device memory, not Rust-owned data; every access is a single volatile
// register access through the primitive, which the hardware serialises. NDIS allows register
// access from any thread at any IRQL.
unsafe impl Send for IoSpace {}
// SAFETY: as above; `&IoSpace` only permits register reads and writes.
unsafe impl Sync for IoSpace {}

impl core::fmt::Debug for IoSpace {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IoSpace")
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl IoSpace {
    /// Maps `length` bytes of device memory at bus-relative `physical` (a memory resource from
    /// the init parameters). PASSIVE, inside `MiniportInitializeEx`.
    pub(crate) fn map(adapter: AdapterHandle, physical: u64, length: u32) -> NdisResult<Self> {
        if length < 4 {
            return Err(NdisError::INVALID_PARAMETER);
        }
        let physical = i64::try_from(physical).map_err(|_| NdisError::INVALID_PARAMETER)?;
        let mut virtual_address: PVOID = core::ptr::null_mut();
        // SAFETY: the handle is the initializing adapter's; the out-pointer is a live local.
        let status =
            unsafe { NdisMMapIoSpace(&mut virtual_address, adapter.raw(), physical, length) };
        check(status)?;
        let base = NonNull::new(virtual_address.cast::<u32>()).ok_or(NdisError::RESOURCES)?;
        if !base.as_ptr().is_aligned() {
            // SAFETY: the mapping was just created with these values and is not used again.
            unsafe { NdisMUnmapIoSpace(adapter.raw(), virtual_address, length) };
            return Err(NdisError::RESOURCES);
        }
        Ok(Self {
            adapter,
            base,
            length,
        })
    }

    /// The mapped length in bytes.
    #[must_use]
    pub const fn len(&self) -> u32 {
        self.length
    }

    /// Whether the mapping is empty (never: `map` refuses that).
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.length == 0
    }

    fn register(&self, offset: u32) -> Option<NonNull<u32>> {
        if offset % 4 != 0 || offset.checked_add(4)? > self.length {
            return None;
        }
        let index = usize::try_from(offset / 4).ok()?;
        // `wrapping_add` computes the address only; it is dereferenced through the primitive,
        // and `index` is inside the mapping (checked above).
        NonNull::new(self.base.as_ptr().wrapping_add(index))
    }
}

impl hw_platform::Mmio for IoSpace {
    fn read32(&self, offset: u32) -> u32 {
        match self.register(offset) {
            // SAFETY: `register` returned an aligned address inside the live mapping.
            Some(register) => unsafe { read_register(register) },
            None => u32::MAX,
        }
    }

    fn write32(&self, offset: u32, value: u32) {
        if let Some(register) = self.register(offset) {
            // SAFETY: `register` returned an aligned address inside the live mapping.
            unsafe { write_register(register, value) };
        }
    }
}

impl Drop for IoSpace {
    fn drop(&mut self) {
        // SAFETY: the mapping came from NdisMMapIoSpace with this handle and length and is
        // unmapped once; no reference into it outlives `self`.
        unsafe {
            NdisMUnmapIoSpace(self.adapter.raw(), self.base.as_ptr().cast(), self.length);
        }
    }
}
