//! [`AtomicDmaRegion`]: DMA memory backed by a heap slice of `AtomicU8`, for user-mode
//! backends (the in-process device model) that must share the bytes between the driver,
//! which reaches them through [`DmaMemory`]'s volatile accessors, and a device emulation
//! that reads and writes them from safe code through [`AtomicDmaRegion::bytes`].
//!
//! The one `unsafe impl` lives here, in the platform layer, so that such backends need no
//! `unsafe` of their own.

use alloc::sync::Arc;
use core::fmt;
use core::ptr::NonNull;
use core::sync::atomic::AtomicU8;

use crate::{DmaAddr, DmaMemory};

/// A DMA region over shared atomic bytes, reachable by the device at `dma_addr`. `G` is a
/// guard the backend keeps with the region (for example one that unmaps the region from the
/// device's address space when the driver drops it).
pub struct AtomicDmaRegion<G> {
    bytes: Arc<[AtomicU8]>,
    dma_addr: DmaAddr,
    guard: G,
}

impl<G> AtomicDmaRegion<G> {
    /// A region over `bytes`, which the device reaches at `dma_addr`. `None` for an empty
    /// slice (a DMA region has at least one byte).
    pub fn new(bytes: Arc<[AtomicU8]>, dma_addr: DmaAddr, guard: G) -> Option<Self> {
        if bytes.is_empty() {
            return None;
        }
        Some(Self {
            bytes,
            dma_addr,
            guard,
        })
    }

    /// The shared bytes, for the device side.
    pub const fn bytes(&self) -> &Arc<[AtomicU8]> {
        &self.bytes
    }

    /// The backend's guard.
    pub const fn guard(&self) -> &G {
        &self.guard
    }
}

impl<G> fmt::Debug for AtomicDmaRegion<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicDmaRegion")
            .field("dma_addr", &self.dma_addr)
            .field("len", &self.bytes.len())
            .finish()
    }
}

// SAFETY: `cpu_ptr` points at the first of `len()` `AtomicU8`s owned by the `Arc`, which lives
// as long as `self`. `AtomicU8` is an `UnsafeCell<u8>` with the layout of `u8`, so volatile byte
// accesses through that pointer are allowed while the device side uses the atomics, and no
// Rust reference to a plain `u8` in the slice is ever created. `new` refuses an empty slice, so
// the pointer is to a real byte; `dma_addr` is the address the backend resolves to byte 0.
unsafe impl<G> DmaMemory for AtomicDmaRegion<G> {
    fn cpu_ptr(&self) -> NonNull<u8> {
        // From the whole slice, not its first element: the pointer must be valid for every
        // byte of the region (a pointer made from `&bytes[0]` may only reach byte 0).
        NonNull::from(&*self.bytes).cast::<u8>()
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn dma_addr(&self) -> DmaAddr {
        self.dma_addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::Ordering;

    fn bytes(len: usize) -> Arc<[AtomicU8]> {
        (0..len).map(|_| AtomicU8::new(0)).collect()
    }

    #[test]
    fn empty_slice_is_refused() {
        assert!(AtomicDmaRegion::new(bytes(0), DmaAddr::new(0x1000), ()).is_none());
    }

    #[test]
    fn driver_writes_are_seen_by_the_device_side_and_back() {
        let region = AtomicDmaRegion::new(bytes(16), DmaAddr::new(0x1000), ()).unwrap();
        region.write_u32(4, 0xA1B2_C3D4).unwrap();
        assert_eq!(region.bytes()[4].load(Ordering::Relaxed), 0xD4);
        assert_eq!(region.bytes()[7].load(Ordering::Relaxed), 0xA1);
        region.bytes()[15].store(0x5A, Ordering::Relaxed);
        let mut last = [0u8; 1];
        region.read_bytes(15, &mut last).unwrap();
        assert_eq!(last, [0x5A]);
        assert!(region.write_u32(13, 0).is_err());
        assert_eq!(region.dma_addr_at(15), Some(DmaAddr::new(0x100F)));
        assert_eq!(region.dma_addr_at(16), None);
    }
}
