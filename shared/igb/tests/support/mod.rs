//! Test doubles for the ring engine: heap-backed DMA memory shared between the engine and a
//! simulated NIC, and an MMIO BAR that records register writes.

#![allow(dead_code)]

use std::cell::{RefCell, UnsafeCell};
use std::ptr::NonNull;
use std::rc::Rc;

use hw_platform::{DmaAddr, DmaMemory, Mmio};

/// Device address the test rings pretend to live at (128-byte aligned).
pub const RING_DMA_BASE: u64 = 0x10_0000;

/// Heap memory standing in for DMA memory. Cloning shares the bytes, so the simulated NIC
/// reaches the same descriptors as the engine (both only through the volatile accessors).
#[derive(Clone)]
pub struct HeapDma {
    bytes: Rc<[UnsafeCell<u8>]>,
    dma: DmaAddr,
}

impl HeapDma {
    pub fn new(len: usize, dma: u64) -> Self {
        Self {
            bytes: (0..len).map(|_| UnsafeCell::new(0)).collect(),
            dma: DmaAddr::new(dma),
        }
    }

    pub fn desc(&self, index: u32, size: u32) -> [u64; 2] {
        let offset = (index & (size - 1)) as usize * 16;
        [
            self.read_u64(offset).unwrap(),
            self.read_u64(offset + 8).unwrap(),
        ]
    }

    pub fn set_desc(&self, index: u32, size: u32, desc: [u64; 2]) {
        let offset = (index & (size - 1)) as usize * 16;
        self.write_u64(offset, desc[0]).unwrap();
        self.write_u64(offset + 8, desc[1]).unwrap();
    }
}

// SAFETY: `cpu_ptr` points at the first of `len()` bytes owned by the `Rc<[UnsafeCell<u8>]>`,
// which lives as long as `self`; `UnsafeCell` makes writes through a pointer derived from a
// shared reference allowed; no code forms a Rust reference into the bytes (every access goes
// through the trait's volatile methods); `dma_addr` is the fixed address the test chose.
unsafe impl DmaMemory for HeapDma {
    fn cpu_ptr(&self) -> NonNull<u8> {
        NonNull::new(UnsafeCell::raw_get(self.bytes.as_ptr())).expect("Rc data pointer is non-null")
    }
    fn len(&self) -> usize {
        self.bytes.len()
    }
    fn dma_addr(&self) -> DmaAddr {
        self.dma
    }
}

/// An MMIO BAR that records every write (offset, value) and reads back the last value written.
#[derive(Clone, Default)]
pub struct RecordingMmio {
    writes: Rc<RefCell<Vec<(u32, u32)>>>,
}

impl RecordingMmio {
    pub fn writes(&self) -> Vec<(u32, u32)> {
        self.writes.borrow().clone()
    }
    pub fn write_count(&self) -> usize {
        self.writes.borrow().len()
    }
    pub fn last_write(&self) -> Option<(u32, u32)> {
        self.writes.borrow().last().copied()
    }
}

impl Mmio for RecordingMmio {
    fn read32(&self, offset: u32) -> u32 {
        self.writes
            .borrow()
            .iter()
            .rev()
            .find(|(at, _)| *at == offset)
            .map_or(0, |(_, value)| *value)
    }
    fn write32(&self, offset: u32, value: u32) {
        self.writes.borrow_mut().push((offset, value));
    }
}
