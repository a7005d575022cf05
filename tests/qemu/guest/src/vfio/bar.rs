//! A PCI BAR mapped into this process through the VFIO device fd.

use std::fmt;
use std::ptr::NonNull;
use std::rc::Rc;

use hw_platform::Mmio;

use super::device::DeviceHandle;

/// One `mmap` of a BAR; unmapped when the last [`VfioBar`] handle is dropped.
struct BarMapping {
    base: NonNull<u8>,
    len: usize,
    index: u32,
    /// Keeps the device fd open while the mapping exists: vfio-pci tears the mapping's pages
    /// down when the device is released, and an access would then fault.
    _device: Option<Rc<DeviceHandle>>,
}

impl Drop for BarMapping {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` are exactly one successful mmap that nothing else unmaps.
        let result = unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
        if result != 0 {
            eprintln!(
                "qemu-guest: munmap of BAR{} ({:#x} bytes) failed: {}",
                self.index,
                self.len,
                std::io::Error::last_os_error()
            );
        }
    }
}

/// A mapped BAR with volatile 32-bit register access ([`Mmio`]).
///
/// Cloning gives another handle to the same mapping (so a register block, a doorbell and a
/// mailbox can each own one); the mapping goes away with the last handle.
///
/// vfio-pci backs the mapping only while memory decoding is enabled in the PCI COMMAND
/// register: with it off (or while the device is in reset) an access raises SIGBUS, which is
/// why [`super::VfioDevice::map_bar`] insists on it being on.
#[derive(Clone)]
pub struct VfioBar {
    mapping: Rc<BarMapping>,
}

impl VfioBar {
    /// Wraps a fresh mapping of `len` bytes at `base`.
    ///
    /// # Safety
    /// `base..base+len` must be one `mmap` result that stays mapped, readable and writable,
    /// until this handle's mapping is dropped (which unmaps it).
    pub(crate) unsafe fn from_mapping(
        base: NonNull<u8>,
        len: usize,
        index: u32,
        device: Option<Rc<DeviceHandle>>,
    ) -> Self {
        Self {
            mapping: Rc::new(BarMapping {
                base,
                len,
                index,
                _device: device,
            }),
        }
    }

    /// Size of the BAR in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.mapping.len
    }

    /// Whether the BAR has no bytes (never true for a mapped BAR).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.mapping.len == 0
    }

    /// The BAR index (0..=5).
    #[must_use]
    pub fn index(&self) -> u32 {
        self.mapping.index
    }

    /// The register at `offset` if it lies wholly inside the BAR and is 4-byte aligned.
    fn register(&self, offset: u32) -> Option<*mut u32> {
        let offset = usize::try_from(offset).ok()?;
        if offset % 4 != 0 || offset.checked_add(4)? > self.mapping.len {
            return None;
        }
        Some(self.mapping.base.as_ptr().wrapping_add(offset).cast())
    }
}

impl Mmio for VfioBar {
    fn read32(&self, offset: u32) -> u32 {
        match self.register(offset) {
            // SAFETY: `register` checked that the aligned 4 bytes are inside the live mapping.
            Some(register) => unsafe { register.read_volatile() },
            None => u32::MAX,
        }
    }

    fn write32(&self, offset: u32, value: u32) {
        if let Some(register) = self.register(offset) {
            // SAFETY: `register` checked that the aligned 4 bytes are inside the live mapping.
            unsafe { register.write_volatile(value) };
        }
    }
}

impl fmt::Debug for VfioBar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VfioBar")
            .field("index", &self.mapping.index)
            .field("base", &self.mapping.base)
            .field("len", &self.mapping.len)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BAR-shaped anonymous mapping (ordinary memory stands in for registers).
    fn anonymous_bar(len: usize) -> VfioBar {
        // SAFETY: anonymous private mapping, no pointers passed in.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED, "mmap");
        let base = NonNull::new(base.cast::<u8>()).expect("mmap result is non-null");
        // SAFETY: `base` is a fresh `len`-byte read/write mapping owned by nothing else.
        unsafe { VfioBar::from_mapping(base, len, 0, None) }
    }

    #[test]
    fn registers_inside_the_bar_read_back_what_was_written() {
        let bar = anonymous_bar(4096);
        let other_handle = bar.clone();
        bar.write32(0, 0x1234_5678);
        bar.write32(4092, 0xdead_beef);
        assert_eq!(other_handle.read32(0), 0x1234_5678);
        assert_eq!(other_handle.read32(4092), 0xdead_beef);
        assert_eq!((bar.len(), bar.index()), (4096, 0));
    }

    #[test]
    fn out_of_range_or_unaligned_offsets_read_all_ones_and_ignore_writes() {
        let bar = anonymous_bar(4096);
        for offset in [4094, 4096, u32::MAX, u32::MAX - 3, 2, 4093] {
            bar.write32(offset, 0);
            assert_eq!(bar.read32(offset), u32::MAX, "offset {offset:#x}");
        }
        assert_eq!(bar.read32(4092), 0, "the ignored writes touched nothing");
    }

    #[test]
    fn mmio_works_through_references_for_the_igb_layer() {
        fn read_status(regs: impl Mmio) -> u32 {
            regs.read32(8)
        }
        let bar = anonymous_bar(4096);
        bar.write32(8, 0x80);
        assert_eq!(read_status(&bar), 0x80);
        assert_eq!(read_status(bar.clone()), 0x80);
    }
}
