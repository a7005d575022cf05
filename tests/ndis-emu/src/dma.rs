//! The device's view of memory: shared memory by the fake physical addresses NDIS handed out,
//! and mapped BARs by virtual address (routed to the adapter's [`crate::HardwareBackend`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::adapter::AdapterShared;
use crate::raw;
use crate::registry::lock;

#[derive(Default)]
struct Maps {
    /// physical → (va, length)
    dma: BTreeMap<i64, (usize, usize)>,
    /// va → (length, adapter, bar, offset of the mapping inside the BAR)
    mmio: BTreeMap<usize, (usize, Arc<AdapterShared>, u8, u64)>,
}

fn maps() -> &'static Mutex<Maps> {
    static MAPS: OnceLock<Mutex<Maps>> = OnceLock::new();
    MAPS.get_or_init(|| Mutex::new(Maps::default()))
}

pub(crate) fn map(physical: i64, va: usize, length: usize) {
    lock(maps()).dma.insert(physical, (va, length));
}

pub(crate) fn unmap(physical: i64) {
    lock(maps()).dma.remove(&physical);
}

pub(crate) fn map_mmio(
    va: usize,
    length: usize,
    adapter: Arc<AdapterShared>,
    bar: u8,
    offset: u64,
) {
    lock(maps()).mmio.insert(va, (length, adapter, bar, offset));
}

pub(crate) fn unmap_mmio(va: usize) {
    lock(maps()).mmio.remove(&va);
}

/// Finds the shared-memory block holding `[physical, physical + len)`: its VA for `physical`.
fn resolve(physical: i64, len: usize) -> Option<usize> {
    let m = lock(maps());
    let (&base, &(va, length)) = m.dma.range(..=physical).next_back()?;
    let offset = usize::try_from(physical - base).ok()?;
    (offset.checked_add(len)? <= length).then_some(va + offset)
}

/// Device-side read of shared memory by physical address (false if not inside one block).
pub fn dma_read(physical: i64, buf: &mut [u8]) -> bool {
    match resolve(physical, buf.len()) {
        Some(va) => {
            // SAFETY: `va..va+len` lies inside a live shared-memory block (checked by `resolve`).
            let data = unsafe { raw::copy_out(va as *const u8, buf.len()) };
            buf.copy_from_slice(&data);
            true
        }
        None => false,
    }
}

/// Device-side write of shared memory by physical address.
pub fn dma_write(physical: i64, data: &[u8]) -> bool {
    match resolve(physical, data.len()) {
        Some(va) => {
            // SAFETY: `va..va+len` lies inside a live shared-memory block (checked by `resolve`).
            unsafe { raw::copy_in(va as *mut u8, data) };
            true
        }
        None => false,
    }
}

fn mmio_target(va: usize) -> Option<(Arc<AdapterShared>, u8, u64)> {
    let m = lock(maps());
    let (&base, (length, adapter, bar, offset)) = m.mmio.range(..=va).next_back()?;
    let delta = va - base;
    (delta + 4 <= *length).then(|| (Arc::clone(adapter), *bar, offset + delta as u64))
}

/// A 32-bit register read through a mapping from `NdisMMapIoSpace`: routed to the backend
/// (all-ones after surprise removal, as a vanished PCI device reads).
#[must_use]
pub fn mmio_read32(va: usize) -> u32 {
    let Some((adapter, bar, offset)) = mmio_target(va) else {
        return u32::MAX;
    };
    if adapter.lock().surprise_removed {
        return u32::MAX;
    }
    adapter
        .config
        .backend
        .as_ref()
        .map_or(0, |b| b.mmio_read32(bar, offset))
}

/// A 32-bit register write through a mapping from `NdisMMapIoSpace`.
pub fn mmio_write32(va: usize, value: u32) {
    if let Some((adapter, bar, offset)) = mmio_target(va) {
        if !adapter.lock().surprise_removed {
            if let Some(b) = adapter.config.backend.as_ref() {
                b.mmio_write32(bar, offset, value);
            }
        }
    }
}

/// The fake physical address of `va` if it lies inside a mapped shared-memory block.
pub(crate) fn physical_of(va: usize) -> Option<i64> {
    let m = lock(maps());
    m.dma
        .iter()
        .find(|(_, (base, len))| va >= *base && va < base + len)
        .map(|(p, (base, _))| p + i64::try_from(va - base).unwrap_or(0))
}

/// Gives `len` bytes at `va` (driver or emulator memory, e.g. a send buffer) a fake physical
/// address so the device side can read it. Mappings stay until the process ends (bounded by
/// the send buffers the emulator keeps).
pub(crate) fn map_temporary(va: usize, len: usize) -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static NEXT: AtomicI64 = AtomicI64::new(0x80_0000_0000);
    let pages = i64::try_from(len.div_ceil(4096).max(1)).unwrap_or(1);
    let physical = NEXT.fetch_add(pages * 4096, Ordering::Relaxed);
    map(physical, va, len);
    physical
}
