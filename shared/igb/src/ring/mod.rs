//! The descriptor ring engine shared by the PF and VF drivers.
//!
//! Each ring is two halves (`anchors.md` §5, DPDK `igb_rxtx.c`): the *hardware ring* of 16-byte
//! advanced descriptors in DMA memory, touched only through [`hw_platform::DmaMemory`]'s
//! volatile accessors, and the *software ring*: one slot per descriptor holding the upper
//! layer's token (e.g. an NBL) and what was posted.
//!
//! Rules the engine keeps (`igb-hardware.md` §3, `anchors.md` §2 and §5):
//! * Indices are free-running `u32` counters masked by the power-of-two ring size, so
//!   "in use" is `next_to_use - next_to_clean` with no wrap special cases.
//! * At most `size - 1` descriptors are ever owned by hardware, so a tail write never makes
//!   TDT equal TDH (a full Tx ring would look empty and deadlock the NIC) and RDT never equals
//!   RDH.
//! * `post` only writes descriptors; `flush` writes the tail doorbell once for the whole batch
//!   (each MMIO write is a posted PCIe transaction, trapped under a hypervisor).
//! * Tx is cleaned in batches on DD of each packet's EOP descriptor; completed tokens come back
//!   in posting order.
//! * Fresh ring memory is poisoned ([`RING_POISON`]) so a device reading descriptors it was
//!   never given is obvious in a model or a dump.
//! * Every Rx write-back is validated (DD/EOP, 0 < length ≤ posted buffer, frame errors); a bad
//!   one is counted and its buffer re-posted, never handed up.

pub mod desc;
mod rx;
mod tx;

pub use rx::{RxEvent, RxPacket, RxPostError, RxRing};
pub use tx::{TxFragment, TxPostError, TxRequest, TxRing};

use hw_platform::{DmaAddr, DmaMemory, DmaOutOfBounds, Mmio};

use crate::regs::{Bar, Reg};
use desc::{DESC_SIZE, RawDesc};

/// Byte written over fresh ring memory.
pub const RING_POISON: u8 = 0xA5;
/// Smallest ring (RDLEN/TDLEN must be a multiple of 128 bytes = 8 descriptors).
pub const MIN_RING_SIZE: u32 = 8;
/// Largest ring (Linux `IGB_MAX_RXD` / `IGB_MAX_TXD`).
pub const MAX_RING_SIZE: u32 = 4096;
/// Required alignment of a ring's device address (QEMU drops the low address bits; 128 bytes
/// is the safe choice, `igb-hardware.md` §3).
pub const RING_ALIGN: u64 = 128;

/// Writes a ring's tail register. Called at most once per `flush`.
pub trait Doorbell {
    /// Makes descriptors up to (not including) ring index `tail` available to the device.
    fn ring(&mut self, tail: u32);
}

impl<F: FnMut(u32)> Doorbell for F {
    fn ring(&mut self, tail: u32) {
        self(tail);
    }
}

/// A doorbell writing a tail register (RDT/TDT) through MMIO.
pub struct MmioDoorbell<M, B> {
    mmio: M,
    tail: Reg<B>,
}

impl<M: Mmio, B: Bar> MmioDoorbell<M, B> {
    /// A doorbell writing `tail` (e.g. `pf::tx_queue(..).tdt`) on `mmio`.
    pub const fn new(mmio: M, tail: Reg<B>) -> Self {
        Self { mmio, tail }
    }
}

impl<M: Mmio, B: Bar> Doorbell for MmioDoorbell<M, B> {
    fn ring(&mut self, tail: u32) {
        self.mmio.write32(self.tail.offset(), tail);
    }
}

/// Why a ring could not be created.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RingError {
    /// Size not a power of two in [`MIN_RING_SIZE`]..=[`MAX_RING_SIZE`].
    BadSize(u32),
    /// The DMA region is smaller than `size * 16` bytes.
    RegionTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        given: usize,
    },
    /// The DMA region's device address is not 128-byte aligned.
    Misaligned(DmaAddr),
    /// The software ring could not be allocated.
    OutOfMemory,
}

/// Counters kept by a ring (wrapping; read them as deltas).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RingStats {
    /// Packets (Tx) or buffers (Rx) posted.
    pub posted: u64,
    /// Packets completed (Tx) or received and handed up (Rx).
    pub completed: u64,
    /// Descriptors written.
    pub descriptors: u64,
    /// Tail (doorbell) writes.
    pub doorbells: u64,
    /// `flush` calls (a doorbell is written on at most one per call).
    pub flushes: u64,
    /// Rx write-backs rejected (counted, buffer re-posted, never handed up).
    pub bad_writebacks: u64,
    /// Posts refused because the ring was full.
    pub ring_full: u64,
    /// Descriptor accesses outside the DMA region (an engine bug; never expected).
    pub dma_errors: u64,
}

/// Bytes of DMA memory a ring of `size` descriptors needs.
#[must_use]
pub const fn ring_bytes(size: u32) -> usize {
    size as usize * DESC_SIZE
}

/// The hardware half of a ring: descriptors in DMA memory.
struct HwRing<D> {
    memory: D,
    size: u32,
}

impl<D: DmaMemory> HwRing<D> {
    fn new(memory: D, size: u32) -> Result<Self, RingError> {
        if !size.is_power_of_two() || !(MIN_RING_SIZE..=MAX_RING_SIZE).contains(&size) {
            return Err(RingError::BadSize(size));
        }
        let needed = ring_bytes(size);
        if memory.len() < needed {
            return Err(RingError::RegionTooSmall {
                needed,
                given: memory.len(),
            });
        }
        if memory.dma_addr().as_u64() % RING_ALIGN != 0 {
            return Err(RingError::Misaligned(memory.dma_addr()));
        }
        memory.fill(RING_POISON);
        Ok(Self { memory, size })
    }

    const fn mask(&self) -> u32 {
        self.size - 1
    }

    fn offset(&self, index: u32) -> usize {
        (index & self.mask()) as usize * DESC_SIZE
    }

    // One bounds check per descriptor, inlined into the per-packet loops (the data path's
    // cost, `tests/bench/datapath.sh`).
    #[inline]
    fn read(&self, index: u32) -> Result<RawDesc, DmaOutOfBounds> {
        self.memory.read_u64_pair(self.offset(index))
    }

    /// The upper quadword only (an Rx write-back's status, errors and length; a Tx
    /// write-back's DD), as `[0, qw1]`.
    #[inline]
    fn read_upper(&self, index: u32) -> Result<RawDesc, DmaOutOfBounds> {
        Ok([0, self.memory.read_u64(self.offset(index) + 8)?])
    }

    #[inline]
    fn write(&self, index: u32, desc: RawDesc) -> Result<(), DmaOutOfBounds> {
        self.memory.write_u64_pair(self.offset(index), desc)
    }

    fn poison(&self) {
        self.memory.fill(RING_POISON);
    }
}

/// Allocates a software ring of `size` empty slots without aborting on allocation failure.
fn slots<S>(size: u32, empty: impl Fn() -> S) -> Result<alloc::vec::Vec<S>, RingError> {
    let mut slots = alloc::vec::Vec::new();
    slots
        .try_reserve_exact(size as usize)
        .map_err(|_| RingError::OutOfMemory)?;
    slots.extend((0..size).map(|_| empty()));
    Ok(slots)
}
