//! The register primitive: `EmuReadRegisterUlong` / `EmuWriteRegisterUlong`, which the
//! driver-side `READ/WRITE_REGISTER_ULONG` seam calls off Windows (declared in `ndis-abi`).
//!
//! `NdisMMapIoSpace` hands out `PROT_NONE` memory, so these are the only way to reach a
//! register: an address inside a live mapping goes to the adapter's backend as (BAR, offset);
//! after surprise removal reads are all-ones and writes are dropped (what a driver sees from a
//! vanished PCIe device, N/handling-the-surprise-removal-of-a-nic.md); an address in no live
//! mapping is NDIS-IO-1 and reads all-ones. The address is never dereferenced.

use ndis_abi::ULONG;

use crate::context;
use crate::dma::{RegisterTarget, register_target};

use super::guard;

fn outside(va: usize, what: &str, owner: Option<usize>) {
    let message = match owner {
        Some(_) => {
            format!("register {what} at {va:#x} after NdisMUnmapIoSpace released that range")
        }
        None => format!("register {what} at {va:#x}: not inside a range NdisMMapIoSpace returned"),
    };
    match owner.and_then(|h| match crate::registry::get(h) {
        Some(crate::registry::Entry {
            kind: crate::registry::Kind::Adapter(a),
            ..
        }) => Some(a),
        _ => None,
    }) {
        Some(a) => a.violate("NDIS-IO-1", message),
        None => context::violate_current("NDIS-IO-1", message),
    }
}

/// Reads the 32-bit register at `Register`, an address inside a range `NdisMMapIoSpace`
/// returned (all-ones after surprise removal, or for any other address, which is NDIS-IO-1).
///
/// # Safety
/// None beyond the declaration's: the address is looked up, never dereferenced.
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn EmuReadRegisterUlong(Register: *const ULONG) -> ULONG {
    guard("EmuReadRegisterUlong", u32::MAX, || {
        let va = Register as usize;
        match register_target(va) {
            RegisterTarget::Mapped(adapter, bar, offset) => {
                if adapter.lock().surprise_removed {
                    return u32::MAX;
                }
                adapter
                    .config
                    .backend
                    .as_ref()
                    .map_or(0, |b| b.mmio_read32(bar, offset))
            }
            RegisterTarget::Unmapped(owner) => {
                outside(va, "read", Some(owner));
                u32::MAX
            }
            RegisterTarget::Unknown => {
                outside(va, "read", None);
                u32::MAX
            }
        }
    })
}

/// Writes the 32-bit register at `Register` (dropped after surprise removal; an address in no
/// live mapping is NDIS-IO-1 and the write is dropped).
///
/// # Safety
/// None beyond the declaration's: the address is looked up, never dereferenced.
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn EmuWriteRegisterUlong(Register: *mut ULONG, Value: ULONG) {
    guard("EmuWriteRegisterUlong", (), || {
        let va = Register as usize;
        match register_target(va) {
            RegisterTarget::Mapped(adapter, bar, offset) => {
                if adapter.lock().surprise_removed {
                    return;
                }
                if let Some(b) = adapter.config.backend.as_ref() {
                    b.mmio_write32(bar, offset, Value);
                }
            }
            RegisterTarget::Unmapped(owner) => outside(va, "write", Some(owner)),
            RegisterTarget::Unknown => outside(va, "write", None),
        }
    });
}
