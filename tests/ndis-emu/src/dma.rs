//! The device's view of memory and registers.
//!
//! * **DMA address space.** There is one fake physical address space: the addresses handed out
//!   by `NdisMAllocateSharedMemory`, `NdisAllocateSharedMemory` and (for data outside shared
//!   memory) `NdisMAllocateNetBufferSGList`. Addresses only grow, so a freed range is never
//!   handed out again; freed ranges stay as tombstones (bounded) so that a late device access is
//!   reported as "after free" (NDIS-DMA-3) rather than "outside any mapping" (NDIS-DMA-2).
//! * **Register space.** `NdisMMapIoSpace` returns an anonymous `PROT_NONE` mapping: a driver
//!   that dereferences it faults (SIGSEGV), as it would on a BAR it must access through
//!   `READ/WRITE_REGISTER_ULONG`. The emulator's register primitive
//!   ([`crate::exports::EmuReadRegisterUlong`]) routes an address inside a live mapping to the
//!   adapter's [`crate::HardwareBackend`] by (BAR, offset).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::adapter::AdapterShared;
use crate::raw;
use crate::registry::lock;

/// What a live DMA mapping is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapKind {
    /// Shared memory (`NdisMAllocateSharedMemory` / `NdisAllocateSharedMemory`).
    Shared,
    /// A range of an NB's data mapped for a scatter/gather list (until
    /// `NdisMFreeNetBufferSGList`).
    SgList,
}

impl MapKind {
    fn name(self) -> &'static str {
        match self {
            MapKind::Shared => "shared memory",
            MapKind::SgList => "a scatter/gather list mapping",
        }
    }
}

struct Mapping {
    va: usize,
    len: usize,
    /// `MiniportAdapterHandle` of the adapter that owns the mapping.
    owner: usize,
    kind: MapKind,
}

struct Freed {
    len: u64,
    kind: MapKind,
}

struct MmioMap {
    /// Bytes the driver mapped (register accesses must fall inside).
    len: usize,
    /// Bytes reserved with `mmap` (page-rounded).
    reserved: usize,
    adapter: Arc<AdapterShared>,
    bar: u8,
    offset: u64,
}

/// Tombstones kept for freed DMA ranges and unmapped register ranges (oldest dropped first).
const TOMBSTONES_KEPT: usize = 8192;

#[derive(Default)]
struct Maps {
    dma: BTreeMap<u64, Mapping>,
    freed: BTreeMap<u64, Freed>,
    freed_order: VecDeque<u64>,
    mmio: BTreeMap<usize, MmioMap>,
    /// va → (length, adapter handle) of unmapped register ranges.
    mmio_freed: BTreeMap<usize, (usize, usize)>,
    mmio_freed_order: VecDeque<usize>,
    /// Scatter/gather list address → the SG-list mappings it created.
    sgl: HashMap<usize, Vec<u64>>,
}

fn maps() -> MutexGuard<'static, Maps> {
    static MAPS: OnceLock<Mutex<Maps>> = OnceLock::new();
    lock(MAPS.get_or_init(|| Mutex::new(Maps::default())))
}

impl Maps {
    fn retire(&mut self, physical: u64) {
        if let Some(m) = self.dma.remove(&physical) {
            self.freed.insert(
                physical,
                Freed {
                    len: m.len as u64,
                    kind: m.kind,
                },
            );
            self.freed_order.push_back(physical);
            while self.freed_order.len() > TOMBSTONES_KEPT {
                if let Some(old) = self.freed_order.pop_front() {
                    self.freed.remove(&old);
                }
            }
        }
    }

    /// The VA for `[physical, physical + len)` if it lies inside one live mapping.
    fn resolve(&self, physical: u64, len: usize) -> Result<usize, Miss> {
        let end = physical.checked_add(len as u64).ok_or(Miss::Outside)?;
        if let Some((&base, m)) = self.dma.range(..=physical).next_back() {
            if end <= base.saturating_add(m.len as u64) {
                let offset = usize::try_from(physical - base).map_err(|_| Miss::Outside)?;
                return Ok(m.va + offset);
            }
        }
        // Not (wholly) inside a live mapping: does it touch a freed range?
        if let Some((&base, f)) = self.freed.range(..end).next_back() {
            if physical < base.saturating_add(f.len) {
                return Err(Miss::Freed(f.kind));
            }
        }
        Err(Miss::Outside)
    }
}

/// Why a device access did not resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// The range touches memory that was mapped and has been freed since.
    Freed(MapKind),
    /// No live or recently freed mapping holds the range.
    Outside,
}

/// Registers a shared-memory block.
pub(crate) fn map(physical: i64, va: usize, length: usize, owner: usize) {
    maps().dma.insert(
        physical as u64,
        Mapping {
            va,
            len: length,
            owner,
            kind: MapKind::Shared,
        },
    );
}

/// Removes a shared-memory block (kept as a tombstone).
pub(crate) fn unmap(physical: i64) {
    maps().retire(physical as u64);
}

/// Removes every DMA mapping `owner` still has (leak check at halt / failed init).
pub(crate) fn unmap_owned_by(owner: usize) {
    let mut m = maps();
    let stale: Vec<u64> = m
        .dma
        .iter()
        .filter(|(_, v)| v.owner == owner)
        .map(|(p, _)| *p)
        .collect();
    for p in stale {
        m.retire(p);
    }
    m.sgl.retain(|_, list| !list.is_empty());
}

/// The fake physical address of `va` if `[va, va + len)` lies inside one live shared-memory
/// block.
pub(crate) fn physical_of(va: usize, len: usize) -> Option<i64> {
    let m = maps();
    m.dma
        .iter()
        .find(|(_, v)| {
            v.kind == MapKind::Shared
                && va >= v.va
                && (va - v.va).checked_add(len).is_some_and(|end| end <= v.len)
        })
        .and_then(|(p, v)| i64::try_from(p + (va - v.va) as u64).ok())
}

/// Gives `len` bytes at `va` (driver or emulator memory, e.g. a send buffer) a fake physical
/// address for the scatter/gather list at `sgl`; [`release_sg_list`] removes it.
pub(crate) fn map_sg(sgl: usize, va: usize, len: usize, owner: usize) -> i64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0x80_0000_0000);
    let pages = (len.div_ceil(4096).max(1)) as u64;
    let physical = NEXT.fetch_add(pages * 4096, Ordering::Relaxed);
    let mut m = maps();
    m.dma.insert(
        physical,
        Mapping {
            va,
            len,
            owner,
            kind: MapKind::SgList,
        },
    );
    m.sgl.entry(sgl).or_default().push(physical);
    i64::try_from(physical).unwrap_or(i64::MAX)
}

/// `NdisMFreeNetBufferSGList`: the list's mappings go away (tombstones).
pub(crate) fn release_sg_list(sgl: usize) {
    let mut m = maps();
    if let Some(list) = m.sgl.remove(&sgl) {
        for p in list {
            m.retire(p);
        }
    }
}

/// Retires every SG-list mapping inside `[va, va + len)` (memory about to be freed).
pub(crate) fn forget_sg_range(va: usize, len: usize) {
    let mut m = maps();
    let stale: Vec<u64> = m
        .dma
        .iter()
        .filter(|(_, v)| v.kind == MapKind::SgList && v.va >= va && v.va - va < len.max(1))
        .map(|(p, _)| *p)
        .collect();
    for p in stale {
        m.retire(p);
    }
}

/// Device-side copy out of the DMA address space (under the map lock, so a concurrent free
/// cannot retire the memory mid-copy).
pub(crate) fn device_read(physical: u64, buf: &mut [u8]) -> Result<(), Miss> {
    let m = maps();
    let va = m.resolve(physical, buf.len())?;
    // SAFETY: `va..va+len` lies inside a live mapping (checked by `resolve`), and the map lock
    // keeps it live for the copy.
    let data = unsafe { raw::copy_out(va as *const u8, buf.len()) };
    buf.copy_from_slice(&data);
    Ok(())
}

/// Device-side copy into the DMA address space.
pub(crate) fn device_write(physical: u64, data: &[u8]) -> Result<(), Miss> {
    let m = maps();
    let va = m.resolve(physical, data.len())?;
    // SAFETY: `va..va+len` lies inside a live mapping (checked by `resolve`), and the map lock
    // keeps it live for the copy.
    unsafe { raw::copy_in(va as *mut u8, data) };
    Ok(())
}

/// Describes a miss for a violation message.
pub(crate) fn miss_text(miss: Miss) -> String {
    match miss {
        Miss::Freed(kind) => format!("the range belonged to {} that has been freed", kind.name()),
        Miss::Outside => "no shared memory or scatter/gather mapping holds the range".into(),
    }
}

/// Device-side read of the DMA address space by physical address, without an adapter to
/// report to (false if the range is not inside one live mapping). Prefer
/// [`crate::DevicePort::dma_read`], which records a violation on the adapter.
pub fn dma_read(physical: i64, buf: &mut [u8]) -> bool {
    u64::try_from(physical).is_ok_and(|p| device_read(p, buf).is_ok())
}

/// Device-side write of the DMA address space by physical address (see [`dma_read`]).
pub fn dma_write(physical: i64, data: &[u8]) -> bool {
    u64::try_from(physical).is_ok_and(|p| device_write(p, data).is_ok())
}

// ---------------------------------------------------------------------------------------------
// Register space
// ---------------------------------------------------------------------------------------------

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|n| *n > 0).unwrap_or(4096)
}

/// Reserves `length` bytes of address space that fault on any access, routed to `adapter`'s
/// BAR `bar` from `offset`. None if the kernel refuses the reservation.
pub(crate) fn map_mmio(
    length: usize,
    adapter: Arc<AdapterShared>,
    bar: u8,
    offset: u64,
) -> Option<usize> {
    let page = page_size();
    let reserved = length.max(1).checked_next_multiple_of(page)?;
    // SAFETY: an anonymous private mapping at an address the kernel chooses: it cannot alias
    // any existing Rust object.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            reserved,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED || ptr.is_null() {
        return None;
    }
    let va = ptr as usize;
    let mut m = maps();
    // The kernel may hand out a range that held an unmapped BAR before: forget those tombstones.
    let stale: Vec<usize> = m
        .mmio_freed
        .range(..va + reserved)
        .filter(|(base, (len, _))| **base + *len > va)
        .map(|(base, _)| *base)
        .collect();
    for base in stale {
        m.mmio_freed.remove(&base);
    }
    m.mmio.insert(
        va,
        MmioMap {
            len: length,
            reserved,
            adapter,
            bar,
            offset,
        },
    );
    Some(va)
}

/// Removes the register mapping at `va` and returns its address space to the kernel.
pub(crate) fn unmap_mmio(va: usize) {
    let removed = {
        let mut m = maps();
        let removed = m.mmio.remove(&va);
        if let Some(r) = &removed {
            m.mmio_freed.insert(va, (r.reserved, r.adapter.handle()));
            m.mmio_freed_order.push_back(va);
            while m.mmio_freed_order.len() > TOMBSTONES_KEPT {
                if let Some(old) = m.mmio_freed_order.pop_front() {
                    m.mmio_freed.remove(&old);
                }
            }
        }
        removed
    };
    if let Some(r) = removed {
        // SAFETY: `va..va+reserved` is exactly a mapping `map_mmio` created and nothing else
        // refers to it as memory (it was PROT_NONE); it was removed from the table above, so it
        // is unmapped once.
        unsafe { libc::munmap(va as *mut libc::c_void, r.reserved) };
    }
}

/// Every register mapping `adapter` still has (leak check).
pub(crate) fn mmio_owned_by(adapter: usize) -> Vec<usize> {
    maps()
        .mmio
        .iter()
        .filter(|(_, m)| m.adapter.handle() == adapter)
        .map(|(va, _)| *va)
        .collect()
}

/// Where a register address goes.
pub(crate) enum RegisterTarget {
    /// A live mapping: the adapter, BAR and offset inside the BAR.
    Mapped(Arc<AdapterShared>, u8, u64),
    /// Inside a range that was unmapped (adapter handle).
    Unmapped(usize),
    /// Never mapped.
    Unknown,
}

pub(crate) fn register_target(va: usize) -> RegisterTarget {
    let m = maps();
    if let Some((&base, r)) = m.mmio.range(..=va).next_back() {
        let delta = va - base;
        if delta.checked_add(4).is_some_and(|end| end <= r.len) {
            return RegisterTarget::Mapped(Arc::clone(&r.adapter), r.bar, r.offset + delta as u64);
        }
    }
    if let Some((&base, &(len, owner))) = m.mmio_freed.range(..=va).next_back() {
        if va - base < len {
            return RegisterTarget::Unmapped(owner);
        }
    }
    RegisterTarget::Unknown
}

/// A 32-bit register read through a mapping from `NdisMMapIoSpace` (the same routing as
/// [`crate::exports::EmuReadRegisterUlong`], which drivers call).
#[must_use]
pub fn mmio_read32(va: usize) -> u32 {
    // SAFETY: the register primitive never dereferences the address; it only looks it up.
    unsafe { crate::exports::EmuReadRegisterUlong(va as *const u32) }
}

/// A 32-bit register write through a mapping from `NdisMMapIoSpace`.
pub fn mmio_write32(va: usize, value: u32) {
    // SAFETY: as in `mmio_read32`.
    unsafe { crate::exports::EmuWriteRegisterUlong(va as *mut u32, value) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_memory_resolves_until_freed_then_reads_as_after_free() {
        let mut block = vec![0u8; 64];
        let va = block.as_mut_ptr() as usize;
        let physical = 0x7_0000_0000i64;
        map(physical, va, 64, 1);
        assert!(dma_write(physical + 8, &[1, 2, 3]));
        assert_eq!(&block[8..11], &[1, 2, 3]);
        // Straddling the end of the block is not inside one mapping.
        assert_eq!(
            device_read(0x7_0000_0000 + 60, &mut [0; 8]),
            Err(Miss::Outside)
        );
        unmap(physical);
        assert_eq!(
            device_read(0x7_0000_0000, &mut [0; 4]),
            Err(Miss::Freed(MapKind::Shared))
        );
        assert_eq!(device_read(0x7_1000_0000, &mut [0; 4]), Err(Miss::Outside));
        assert_eq!(device_read(u64::MAX - 1, &mut [0; 4]), Err(Miss::Outside));
    }

    #[test]
    fn sg_list_mappings_end_at_free() {
        let data = [0x5Au8; 100];
        let sgl = 0x1234_5000usize;
        let physical = map_sg(sgl, data.as_ptr() as usize, data.len(), 2) as u64;
        let mut out = [0u8; 100];
        assert_eq!(device_read(physical, &mut out), Ok(()));
        assert_eq!(out, data);
        release_sg_list(sgl);
        assert_eq!(
            device_read(physical, &mut out),
            Err(Miss::Freed(MapKind::SgList))
        );
    }
}
