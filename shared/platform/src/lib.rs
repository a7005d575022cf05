//! The platform seam: the few things the igb hardware layer needs from whatever it runs on.
//!
//! * [`Mmio`]: 32-bit volatile register access to one BAR.
//! * [`DmaMemory`] / [`DmaAllocator`]: memory the device can reach, with the device-visible
//!   address as a [`DmaAddr`] that never mixes with CPU pointers.
//! * [`MsixVector`]: the identity of an MSI-X message (the driver's ISR is called by the
//!   platform with it; the seam only names it).
//! * [`Clock`]: a monotonic clock and delays, so every poll of hardware is bounded
//!   ([`poll_until`]).
//!
//! Backends: the in-process device model (`tests/igb-model`), VFIO inside a QEMU guest
//! (`tests/qemu`), and the Windows kernel through NDIS (the drivers' Windows glue).
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
mod atomic_region;
#[cfg(feature = "alloc")]
pub use atomic_region::AtomicDmaRegion;

use core::fmt;
use core::ptr::NonNull;
use core::time::Duration;

/// A bus address as the device sees it (after any IOMMU translation). Deliberately not
/// convertible to or from a CPU pointer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct DmaAddr(u64);

impl DmaAddr {
    /// Wraps a device-visible address.
    #[must_use]
    pub const fn new(bus_address: u64) -> Self {
        Self(bus_address)
    }

    /// The raw value to program into a device register or descriptor.
    #[must_use]
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// `self + offset`, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, offset: u64) -> Option<Self> {
        match self.0.checked_add(offset) {
            Some(sum) => Some(Self(sum)),
            None => None,
        }
    }
}

impl fmt::Display for DmaAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dma:{:#x}", self.0)
    }
}

/// 32-bit memory-mapped register access to one BAR. Offsets are in bytes from the BAR start.
///
/// Implementations must be volatile (no caching, merging or elision) and must not fault on an
/// offset outside the BAR: they return all-ones for such reads and ignore such writes, which
/// is also what a surprise-removed PCIe device looks like.
pub trait Mmio {
    /// Reads the 32-bit register at `offset`.
    fn read32(&self, offset: u32) -> u32;
    /// Writes the 32-bit register at `offset`.
    fn write32(&self, offset: u32, value: u32);
}

impl<T: Mmio + ?Sized> Mmio for &T {
    fn read32(&self, offset: u32) -> u32 {
        (**self).read32(offset)
    }
    fn write32(&self, offset: u32, value: u32) {
        (**self).write32(offset, value);
    }
}

#[cfg(feature = "alloc")]
impl<T: Mmio + ?Sized> Mmio for alloc::sync::Arc<T> {
    fn read32(&self, offset: u32) -> u32 {
        (**self).read32(offset)
    }
    fn write32(&self, offset: u32, value: u32) {
        (**self).write32(offset, value);
    }
}

/// An access outside a DMA region.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DmaOutOfBounds {
    /// Requested offset.
    pub offset: usize,
    /// Requested length.
    pub len: usize,
    /// Region length.
    pub region_len: usize,
}

/// Memory that the device can read and write by DMA.
///
/// # Safety
/// Implementors guarantee that [`DmaMemory::cpu_ptr`] is valid for reads and writes of
/// [`DmaMemory::len`] bytes for as long as `self` lives, that nothing else in the program holds
/// a Rust reference into those bytes (the device may change them at any time, so all access
/// goes through the volatile methods below), and that [`DmaMemory::dma_addr`] is the address
/// at which the device reaches the first byte.
pub unsafe trait DmaMemory {
    /// CPU address of the first byte.
    fn cpu_ptr(&self) -> NonNull<u8>;
    /// Length in bytes.
    fn len(&self) -> usize;
    /// Device-visible address of the first byte.
    fn dma_addr(&self) -> DmaAddr;

    /// Whether the region is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Device-visible address of byte `offset`, if it is inside the region.
    fn dma_addr_at(&self, offset: usize) -> Option<DmaAddr> {
        if offset >= self.len() {
            return None;
        }
        self.dma_addr().checked_add(offset as u64)
    }

    /// Volatile read of the little-endian `u32` at `offset`.
    fn read_u32(&self, offset: usize) -> Result<u32, DmaOutOfBounds> {
        let base = checked_range(offset, 4, self.len())?;
        let word = byte_ptr(self, base).cast::<u32>();
        if word.is_aligned() {
            // SAFETY: the 4 bytes at `word` are inside the region (checked) and aligned; one
            // volatile access so the device's write of a descriptor word is seen whole.
            return Ok(u32::from_le(unsafe { word.read_volatile() }));
        }
        let mut bytes = [0u8; 4];
        self.read_bytes(offset, &mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    /// Volatile read of the little-endian `u64` at `offset`.
    fn read_u64(&self, offset: usize) -> Result<u64, DmaOutOfBounds> {
        let base = checked_range(offset, 8, self.len())?;
        let word = byte_ptr(self, base).cast::<u64>();
        if word.is_aligned() {
            // SAFETY: the 8 bytes at `word` are inside the region (checked) and aligned.
            return Ok(u64::from_le(unsafe { word.read_volatile() }));
        }
        let mut bytes = [0u8; 8];
        self.read_bytes(offset, &mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Volatile reads of the two little-endian `u64`s at `offset` and `offset + 8` (one
    /// 16-byte descriptor) with one bounds check, for the rings' per-packet accesses.
    #[inline]
    fn read_u64_pair(&self, offset: usize) -> Result<[u64; 2], DmaOutOfBounds> {
        let base = checked_range(offset, 16, self.len())?;
        let word = byte_ptr(self, base).cast::<u64>();
        if !word.is_aligned() {
            return Ok([self.read_u64(offset)?, self.read_u64(offset + 8)?]);
        }
        // SAFETY: the 16 bytes at `word` are inside the region (checked) and 8-byte aligned.
        let low = unsafe { word.read_volatile() };
        // SAFETY: as above; the second word is the upper 8 of the checked 16 bytes.
        let high = unsafe { word.wrapping_add(1).read_volatile() };
        Ok([u64::from_le(low), u64::from_le(high)])
    }

    /// Volatile writes of `values` as little-endian `u64`s at `offset` and `offset + 8`, in
    /// that order, with one bounds check (see [`Self::read_u64_pair`]).
    #[inline]
    fn write_u64_pair(&self, offset: usize, values: [u64; 2]) -> Result<(), DmaOutOfBounds> {
        let base = checked_range(offset, 16, self.len())?;
        let word = byte_ptr(self, base).cast::<u64>();
        if !word.is_aligned() {
            self.write_u64(offset, values[0])?;
            return self.write_u64(offset + 8, values[1]);
        }
        // SAFETY: the 16 bytes at `word` are inside the region (checked) and 8-byte aligned.
        unsafe { word.write_volatile(values[0].to_le()) };
        // SAFETY: as above; the second word is the upper 8 of the checked 16 bytes.
        unsafe { word.wrapping_add(1).write_volatile(values[1].to_le()) };
        Ok(())
    }

    /// Volatile write of `value` as little-endian at `offset`.
    fn write_u32(&self, offset: usize, value: u32) -> Result<(), DmaOutOfBounds> {
        let base = checked_range(offset, 4, self.len())?;
        let word = byte_ptr(self, base).cast::<u32>();
        if word.is_aligned() {
            // SAFETY: the 4 bytes at `word` are inside the region (checked) and aligned.
            unsafe { word.write_volatile(value.to_le()) };
            return Ok(());
        }
        self.write_bytes(offset, &value.to_le_bytes())
    }

    /// Volatile write of `value` as little-endian at `offset`.
    fn write_u64(&self, offset: usize, value: u64) -> Result<(), DmaOutOfBounds> {
        let base = checked_range(offset, 8, self.len())?;
        let word = byte_ptr(self, base).cast::<u64>();
        if word.is_aligned() {
            // SAFETY: the 8 bytes at `word` are inside the region (checked) and aligned.
            unsafe { word.write_volatile(value.to_le()) };
            return Ok(());
        }
        self.write_bytes(offset, &value.to_le_bytes())
    }

    /// Volatile copy of `out.len()` bytes starting at `offset` into `out`: byte accesses up to
    /// the first 8-byte boundary of the region, aligned 8-byte accesses, then bytes (every access
    /// stays volatile, since the device may write the memory at any time; whole words cut the
    /// per-byte cost of a frame copy about eightfold). The split is computed once, not per
    /// word, so the loop is a load, a store and a pointer step per 8 bytes
    /// (`tests/bench/datapath.sh`).
    fn read_bytes(&self, offset: usize, out: &mut [u8]) -> Result<(), DmaOutOfBounds> {
        let base = checked_range(offset, out.len(), self.len())?;
        let start = byte_ptr(self, base);
        let head_len = start.align_offset(8).min(out.len());
        let (head, rest) = out.split_at_mut(head_len);
        for (index, slot) in head.iter_mut().enumerate() {
            // SAFETY: `checked_range` proved `offset + out.len() <= len()` and
            // `index < out.len()`, so the byte is inside the region (valid for reads).
            *slot = unsafe { start.wrapping_add(index).read_volatile() };
        }
        // SAFETY: `head_len <= out.len()`, inside the checked range.
        let mut at = unsafe { start.add(head_len) };
        let mut words = rest.chunks_exact_mut(8);
        for chunk in &mut words {
            // SAFETY: `at` is 8-byte aligned (past the head) and its 8 bytes lie inside the
            // checked range (a whole chunk of `out` remains).
            let value = unsafe { at.cast::<u64>().read_volatile() };
            chunk.copy_from_slice(&value.to_ne_bytes());
            // SAFETY: at most one past the checked range's end.
            at = unsafe { at.add(8) };
        }
        for (index, slot) in words.into_remainder().iter_mut().enumerate() {
            // SAFETY: the remainder's bytes follow `at` inside the checked range.
            *slot = unsafe { at.wrapping_add(index).read_volatile() };
        }
        Ok(())
    }

    /// Volatile copy of `data` into the region starting at `offset` (bytes up to an 8-byte
    /// boundary, aligned 8-byte words, then bytes; see [`Self::read_bytes`]).
    fn write_bytes(&self, offset: usize, data: &[u8]) -> Result<(), DmaOutOfBounds> {
        let base = checked_range(offset, data.len(), self.len())?;
        let start = byte_ptr(self, base);
        let head_len = start.align_offset(8).min(data.len());
        let (head, rest) = data.split_at(head_len);
        for (index, &byte) in head.iter().enumerate() {
            // SAFETY: `checked_range` proved `offset + data.len() <= len()` and
            // `index < data.len()`, so the byte is inside the region (valid for writes).
            unsafe { start.wrapping_add(index).write_volatile(byte) };
        }
        // SAFETY: `head_len <= data.len()`, inside the checked range.
        let mut at = unsafe { start.add(head_len) };
        let words = rest.chunks_exact(8);
        let tail = words.remainder();
        for chunk in words {
            let mut value = [0u8; 8];
            value.copy_from_slice(chunk);
            // SAFETY: `at` is 8-byte aligned (past the head) and its 8 bytes lie inside the
            // checked range (a whole chunk of `data` remains).
            unsafe { at.cast::<u64>().write_volatile(u64::from_ne_bytes(value)) };
            // SAFETY: at most one past the checked range's end.
            at = unsafe { at.add(8) };
        }
        for (index, &byte) in tail.iter().enumerate() {
            // SAFETY: the tail's bytes follow `at` inside the checked range.
            unsafe { at.wrapping_add(index).write_volatile(byte) };
        }
        Ok(())
    }

    /// Fills the region with `byte` (used to poison fresh ring memory).
    fn fill(&self, byte: u8) {
        for index in 0..self.len() {
            let target = byte_ptr(self, index);
            // SAFETY: `index < len()`, so `target` is inside the region, valid for writes.
            unsafe { target.write_volatile(byte) };
        }
    }
}

/// The address of byte `index` of the region, computed without dereferencing (callers check
/// `index` against the region's length before accessing it).
fn byte_ptr<D: DmaMemory + ?Sized>(region: &D, index: usize) -> *mut u8 {
    region.cpu_ptr().as_ptr().wrapping_add(index)
}

fn checked_range(offset: usize, len: usize, region_len: usize) -> Result<usize, DmaOutOfBounds> {
    match offset.checked_add(len) {
        Some(end) if end <= region_len => Ok(offset),
        _ => Err(DmaOutOfBounds {
            offset,
            len,
            region_len,
        }),
    }
}

/// Why a DMA allocation failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DmaAllocError {
    /// The platform has no memory (or no IOMMU mapping space) left.
    OutOfMemory,
    /// The requested size or alignment is not supported.
    Unsupported,
}

/// Allocates DMA memory. Fresh memory's contents are unspecified: the ring engine poisons it.
pub trait DmaAllocator {
    /// The region type handed out; freed when dropped.
    type Region: DmaMemory;
    /// Allocates `len` bytes whose device address is aligned to `align` (a power of two).
    fn allocate(&self, len: usize, align: usize) -> Result<Self::Region, DmaAllocError>;
}

/// An MSI-X table entry index (the `MessageId` NDIS passes to `MiniportMessageInterrupt`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct MsixVector(pub u16);

/// A monotonic clock with delays, for bounded polling.
pub trait Clock {
    /// Monotonic time since an arbitrary origin.
    fn now(&self) -> Duration;
    /// Waits at least `duration` (busy-wait or sleep, as the platform allows at that IRQL).
    fn delay(&self, duration: Duration);
}

impl<T: Clock + ?Sized> Clock for &T {
    fn now(&self) -> Duration {
        (**self).now()
    }
    fn delay(&self, duration: Duration) {
        (**self).delay(duration);
    }
}

/// A bounded poll ran out of time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PollTimeout {
    /// How long was waited.
    pub waited: Duration,
}

/// Calls `condition` until it returns `Some`, waiting `interval` between tries, for at most
/// `timeout` (measured on `clock`). The condition is always tried at least once, and once more
/// after the deadline passes, so a slow clock cannot make a ready condition time out. The loop
/// is also bounded by a try count (`timeout / interval + 2`), so a clock that does not advance
/// (a broken or frozen backend) cannot make it spin forever.
pub fn poll_until<C: Clock + ?Sized, T>(
    clock: &C,
    timeout: Duration,
    interval: Duration,
    mut condition: impl FnMut() -> Option<T>,
) -> Result<T, PollTimeout> {
    let start = clock.now();
    let interval_nanos = interval.as_nanos().max(1);
    let max_tries = (timeout.as_nanos() / interval_nanos).saturating_add(2);
    let mut tries: u128 = 0;
    loop {
        if let Some(value) = condition() {
            return Ok(value);
        }
        tries += 1;
        let waited = clock.now().saturating_sub(start);
        if waited >= timeout || tries >= max_tries {
            return condition().ok_or(PollTimeout { waited });
        }
        clock.delay(interval.min(timeout - waited));
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use core::cell::Cell;
    use std::vec::Vec;

    use super::*;

    /// A clock that never advances, like a broken backend.
    struct FrozenClock;
    impl Clock for FrozenClock {
        fn now(&self) -> Duration {
            Duration::ZERO
        }
        fn delay(&self, _: Duration) {}
    }

    /// A virtual clock that advances only by delays.
    struct VirtualClock(Cell<Duration>);
    impl Clock for VirtualClock {
        fn now(&self) -> Duration {
            self.0.get()
        }
        fn delay(&self, duration: Duration) {
            self.0.set(self.0.get() + duration);
        }
    }

    #[test]
    fn poll_is_bounded_even_when_the_clock_is_frozen() {
        let mut tries = 0u32;
        let result = poll_until(
            &FrozenClock,
            Duration::from_millis(10),
            Duration::from_millis(1),
            || {
                tries += 1;
                None::<()>
            },
        );
        assert!(result.is_err());
        assert!(tries <= 13, "{tries} tries for a 10 ms / 1 ms poll");
    }

    #[test]
    fn poll_returns_the_value_once_ready_and_times_out_otherwise() {
        let clock = VirtualClock(Cell::new(Duration::ZERO));
        let mut countdown = 3;
        let ready = poll_until(
            &clock,
            Duration::from_millis(10),
            Duration::from_millis(1),
            || {
                countdown -= 1;
                (countdown == 0).then_some(7)
            },
        );
        assert_eq!(ready, Ok(7));
        let timeout = poll_until(
            &clock,
            Duration::from_millis(5),
            Duration::from_millis(1),
            || None::<()>,
        );
        assert!(timeout.expect_err("never ready").waited >= Duration::from_millis(5));
    }

    /// A heap region for tests.
    struct HeapRegion(Vec<u64>);
    // SAFETY: the vector's buffer is valid for its length in bytes while `self` lives, and
    // nothing else references it; the fake device address is the CPU address.
    unsafe impl DmaMemory for HeapRegion {
        fn cpu_ptr(&self) -> NonNull<u8> {
            NonNull::new(self.0.as_ptr().cast_mut().cast()).expect("vec pointer is non-null")
        }
        fn len(&self) -> usize {
            self.0.len() * 8
        }
        fn dma_addr(&self) -> DmaAddr {
            DmaAddr::new(0x1000)
        }
    }

    #[test]
    fn descriptor_pairs_match_two_word_accesses_and_are_bounds_checked() {
        // Aligned (the one-check fast path) and unaligned (the fallback) offsets.
        for offset in [0usize, 8, 3, 13] {
            let region = HeapRegion(std::vec![0; 4]);
            region.fill(0xEE);
            let pair = [0x0102_0304_0506_0708, 0x1112_1314_1516_1718];
            region.write_u64_pair(offset, pair).expect("inside");
            assert_eq!(region.read_u64(offset), Ok(pair[0]));
            assert_eq!(region.read_u64(offset + 8), Ok(pair[1]));
            assert_eq!(region.read_u64_pair(offset), Ok(pair));
            let mut all = [0u8; 32];
            region.read_bytes(0, &mut all).expect("whole region");
            let outside = all
                .iter()
                .enumerate()
                .filter(|(index, _)| !(offset..offset + 16).contains(index));
            assert!(outside.into_iter().all(|(_, byte)| *byte == 0xEE));
        }
        let region = HeapRegion(std::vec![0; 4]);
        assert!(region.read_u64_pair(17).is_err());
        assert!(region.write_u64_pair(24, [1, 2]).is_err());
        assert!(region.write_u64_pair(usize::MAX - 3, [1, 2]).is_err());
        assert_eq!(region.read_u64_pair(16), Ok([0, 0]));
    }

    #[test]
    fn dma_accesses_are_bounds_checked() {
        let region = HeapRegion(std::vec![0; 4]);
        region
            .write_u64(24, 0x1122_3344_5566_7788)
            .expect("last word");
        assert_eq!(region.read_u32(24), Ok(0x5566_7788));
        assert_eq!(region.read_u32(27).expect("unaligned read"), 0x2233_4455);
        assert!(region.read_u64(25).is_err());
        assert!(region.write_bytes(usize::MAX, &[1]).is_err());
        assert_eq!(region.dma_addr_at(31), Some(DmaAddr::new(0x1000 + 31)));
        assert_eq!(region.dma_addr_at(32), None);
        region.fill(0xA5);
        assert_eq!(region.read_u64(0), Ok(0xA5A5_A5A5_A5A5_A5A5));
    }

    #[test]
    fn byte_copies_at_every_offset_and_length_touch_exactly_their_bytes() {
        // The word-wise copy has a head, a body and a tail: every split of them, in a region
        // whose bytes outside the copy must stay as they were.
        for offset in 0..17 {
            for len in 0..41 {
                let region = HeapRegion(std::vec![0; 8]);
                region.fill(0xEE);
                let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(7) ^ 0x5C).collect();
                region.write_bytes(offset, &data).expect("inside");
                let mut all = [0u8; 64];
                region.read_bytes(0, &mut all).expect("whole region");
                for (index, byte) in all.iter().enumerate() {
                    let expected = if (offset..offset + len).contains(&index) {
                        data[index - offset]
                    } else {
                        0xEE
                    };
                    assert_eq!(*byte, expected, "offset {offset} len {len} byte {index}");
                }
                let mut back = std::vec![0u8; len];
                region.read_bytes(offset, &mut back).expect("inside");
                assert_eq!(back, data, "offset {offset} len {len}");
            }
        }
    }
}
