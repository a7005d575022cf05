//! Guest memory for the model: a DMA allocator whose regions are reachable both by the driver
//! (through [`DmaMemory`]) and by the device model (by bus address, through [`DmaArena`]).
//!
//! Every device access is checked against the live regions, like an IOMMU: an access that
//! does not fall entirely inside one allocated region is a DMA fault. Regions are spaced with
//! an unmapped guard gap so that running off the end of a ring or buffer faults instead of
//! silently touching a neighbour. Bus addresses start above 4 GiB so that drivers that lose
//! the high half of an address (RDBAH/TDBAH, descriptor address words) are caught.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use hw_platform::{AtomicDmaRegion, DmaAddr, DmaAllocError, DmaAllocator};

/// First bus address handed out (above 4 GiB on purpose, see module docs).
pub const DMA_BASE: u64 = 0x1_0000_0000;
/// Unmapped gap between regions.
pub const GUARD_GAP: u64 = 0x1000;
/// Default limit of live allocated bytes.
pub const DEFAULT_LIMIT: usize = 256 << 20;

/// The bytes of one region. `AtomicU8` gives the interior mutability that the device (model)
/// and the CPU (driver, through the volatile accessors of [`AtomicDmaRegion`]) both need.
type Backing = Arc<[AtomicU8]>;

fn new_backing(len: usize) -> Backing {
    (0..len).map(|_| AtomicU8::new(0)).collect()
}

#[derive(Default)]
struct ArenaState {
    /// Live regions by start bus address.
    regions: BTreeMap<u64, Backing>,
    next_addr: u64,
    live_bytes: usize,
    limit: usize,
}

/// An access by the device outside every allocated region.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DmaFault {
    /// Bus address of the access.
    pub addr: u64,
    /// Length of the access.
    pub len: usize,
}

impl DmaFault {
    /// A fault of the `len`-byte access at `addr` (what a [`DmaBus`] returns).
    #[must_use]
    pub const fn new(addr: u64, len: usize) -> Self {
        Self { addr, len }
    }
}

/// Where the device's DMA goes: the model's own [`DmaArena`] by default, or an external
/// address space (an emulator's "physical memory") given to
/// [`crate::DeviceBuilder::dma_bus`].
///
/// The model calls the bus **with its state lock held** (a descriptor fetch happens inside
/// a register write). An implementation must therefore never call back into the
/// [`crate::Device`] (registers, `inject`, config space): that would deadlock. It may take
/// its own locks. Every call is one access that must fall entirely inside mapped memory;
/// an `Err` is recorded by the device as a DMA fault (`last_dma_fault`,
/// `ModelCounters::dma_faults`) and the descriptor is not processed, whatever the bus.
pub trait DmaBus: Send + Sync {
    /// Device read of `out.len()` bytes at bus address `addr`.
    ///
    /// # Errors
    /// [`DmaFault`] when the range is not mapped.
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), DmaFault>;

    /// Device write of `data` at bus address `addr`.
    ///
    /// # Errors
    /// [`DmaFault`] when the range is not mapped.
    fn write(&self, addr: u64, data: &[u8]) -> Result<(), DmaFault>;
}

impl DmaBus for DmaArena {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), DmaFault> {
        DmaArena::read(self, addr, out)
    }

    fn write(&self, addr: u64, data: &[u8]) -> Result<(), DmaFault> {
        DmaArena::write(self, addr, data)
    }
}

/// The model's guest memory: allocates [`DmaRegion`]s and lets the device model access them
/// by bus address. Cloning shares the same memory.
#[derive(Clone)]
pub struct DmaArena {
    state: Arc<Mutex<ArenaState>>,
}

impl Default for DmaArena {
    fn default() -> Self {
        Self::new()
    }
}

fn lock(state: &Mutex<ArenaState>) -> MutexGuard<'_, ArenaState> {
    // A panic while holding the lock (a failed test assertion) must not cascade.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl DmaArena {
    /// An empty arena with the default limit.
    #[must_use]
    pub fn new() -> Self {
        Self::with_limit(DEFAULT_LIMIT)
    }

    /// An empty arena that refuses to hold more than `limit` live bytes.
    #[must_use]
    pub fn with_limit(limit: usize) -> Self {
        let state = ArenaState {
            next_addr: DMA_BASE,
            limit,
            ..ArenaState::default()
        };
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// Number of live regions (freed regions disappear, so a test can check for leaks).
    #[must_use]
    pub fn live_regions(&self) -> usize {
        lock(&self.state).regions.len()
    }

    /// Bytes held by live regions.
    #[must_use]
    pub fn live_bytes(&self) -> usize {
        lock(&self.state).live_bytes
    }

    fn find(&self, addr: u64, len: usize) -> Result<(Backing, usize), DmaFault> {
        let fault = DmaFault { addr, len };
        let state = lock(&self.state);
        let (start, backing) = state.regions.range(..=addr).next_back().ok_or(fault)?;
        let offset = usize::try_from(addr - start).map_err(|_| fault)?;
        let end = offset.checked_add(len).ok_or(fault)?;
        if end > backing.len() {
            return Err(fault);
        }
        Ok((Arc::clone(backing), offset))
    }

    /// Device read of `out.len()` bytes at bus address `addr`.
    ///
    /// # Errors
    /// [`DmaFault`] if the range is not inside one live region.
    pub fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), DmaFault> {
        let (backing, offset) = self.find(addr, out.len())?;
        for (slot, cell) in out.iter_mut().zip(&backing[offset..]) {
            *slot = cell.load(Ordering::Relaxed);
        }
        Ok(())
    }

    /// Device write of `data` at bus address `addr`.
    ///
    /// # Errors
    /// [`DmaFault`] if the range is not inside one live region.
    pub fn write(&self, addr: u64, data: &[u8]) -> Result<(), DmaFault> {
        let (backing, offset) = self.find(addr, data.len())?;
        for (byte, cell) in data.iter().zip(&backing[offset..]) {
            cell.store(*byte, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Device read of a little-endian u64.
    ///
    /// # Errors
    /// [`DmaFault`] as for [`DmaArena::read`].
    pub fn read_u64(&self, addr: u64) -> Result<u64, DmaFault> {
        let mut bytes = [0u8; 8];
        self.read(addr, &mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Device write of a little-endian u32.
    ///
    /// # Errors
    /// [`DmaFault`] as for [`DmaArena::write`].
    pub fn write_u32(&self, addr: u64, value: u32) -> Result<(), DmaFault> {
        self.write(addr, &value.to_le_bytes())
    }
}

impl DmaAllocator for DmaArena {
    type Region = DmaRegion;

    fn allocate(&self, len: usize, align: usize) -> Result<DmaRegion, DmaAllocError> {
        if len == 0 || align == 0 || !align.is_power_of_two() || align > (1 << 30) {
            return Err(DmaAllocError::Unsupported);
        }
        let mut state = lock(&self.state);
        let new_live = state
            .live_bytes
            .checked_add(len)
            .ok_or(DmaAllocError::OutOfMemory)?;
        if new_live > state.limit {
            return Err(DmaAllocError::OutOfMemory);
        }
        let align = align as u64;
        let start = state
            .next_addr
            .checked_add(align - 1)
            .map(|a| a & !(align - 1))
            .ok_or(DmaAllocError::OutOfMemory)?;
        let next = start
            .checked_add(len as u64)
            .and_then(|end| end.checked_add(GUARD_GAP))
            .ok_or(DmaAllocError::OutOfMemory)?;
        let backing = new_backing(len);
        state.regions.insert(start, Arc::clone(&backing));
        state.next_addr = next;
        state.live_bytes = new_live;
        let guard = RegionGuard {
            arena: Arc::clone(&self.state),
            start,
            len,
        };
        // `len` > 0 was checked above, so the region is never refused as empty.
        AtomicDmaRegion::new(backing, DmaAddr::new(start), guard).ok_or(DmaAllocError::Unsupported)
    }
}

/// One allocation from a [`DmaArena`]. Dropping it unmaps it: later device accesses fault.
pub type DmaRegion = AtomicDmaRegion<RegionGuard>;

/// Unmaps its region from the arena when the driver drops the region.
pub struct RegionGuard {
    arena: Arc<Mutex<ArenaState>>,
    start: u64,
    len: usize,
}

impl Drop for RegionGuard {
    fn drop(&mut self) {
        let mut state = lock(&self.arena);
        if state.regions.remove(&self.start).is_some() {
            state.live_bytes = state.live_bytes.saturating_sub(self.len);
        }
    }
}
