//! DMA memory for the VFIO backend: 2 MiB chunks of pinned memory mapped through the
//! container's IOMMU, carved into regions by bump allocation.
//!
//! Hugepages are preferred: their physical pages never move or split, and one chunk is one
//! IOMMU superpage. If the guest has none reserved (`vm.nr_hugepages`), locked ordinary pages
//! are used instead (VFIO pins them while mapped, so they do not move either).
//!
//! Regions are never recycled inside a chunk; a chunk is unmapped from the IOMMU and then
//! from the process when the allocator and every region carved from it are gone.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use hw_platform::{DmaAddr, DmaAllocError, DmaAllocator, DmaMemory};

use crate::vfio::{VfioContainer, with_context};

/// Size of one chunk: one x86 2 MiB hugepage. Also the largest region and alignment served.
pub const CHUNK_SIZE: usize = 2 << 20;

/// Set once the hugepage fallback has been reported, so the log says it once per process.
static FALLBACK_REPORTED: AtomicBool = AtomicBool::new(false);

/// Makes host memory reachable by the device: the IOMMU side of a DMA allocator. Implemented
/// by [`VfioContainer`]; tests substitute a recorder.
pub trait IommuMapper {
    /// Reserves a device address range of `len` bytes, aligned to [`CHUNK_SIZE`].
    fn allocate_iova(&self, len: u64) -> io::Result<u64>;

    /// Maps `len` bytes at `vaddr` to device address `iova`.
    ///
    /// # Safety
    /// The range must stay mapped in this process until [`IommuMapper::unmap_dma`] is
    /// called for it, and no Rust reference may point into it meanwhile.
    unsafe fn map_dma(&self, vaddr: *mut u8, iova: u64, len: u64) -> io::Result<()>;

    /// Removes the mapping made for exactly `iova..iova+len`.
    fn unmap_dma(&self, iova: u64, len: u64) -> io::Result<()>;
}

impl IommuMapper for VfioContainer {
    fn allocate_iova(&self, len: u64) -> io::Result<u64> {
        VfioContainer::allocate_iova(self, len)
    }

    unsafe fn map_dma(&self, vaddr: *mut u8, iova: u64, len: u64) -> io::Result<()> {
        // SAFETY: the caller upholds the same contract `VfioContainer::map_dma` requires.
        unsafe { VfioContainer::map_dma(self, vaddr, iova, len) }
    }

    fn unmap_dma(&self, iova: u64, len: u64) -> io::Result<()> {
        VfioContainer::unmap_dma(self, iova, len)
    }
}

/// Checks an allocation request against what chunks can serve.
fn check_request(len: usize, align: usize) -> Result<(), DmaAllocError> {
    if len == 0 || len > CHUNK_SIZE || !align.is_power_of_two() || align > CHUNK_SIZE {
        return Err(DmaAllocError::Unsupported);
    }
    Ok(())
}

/// Bump allocation inside one chunk of `capacity` bytes whose device address is aligned to
/// at least every alignment asked for (chunks are [`CHUNK_SIZE`]-aligned in IOVA space), so an
/// aligned offset is an aligned device address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BumpArena {
    used: usize,
    capacity: usize,
}

impl BumpArena {
    /// An empty arena of `capacity` bytes.
    #[must_use]
    pub const fn new(capacity: usize) -> Self {
        Self { used: 0, capacity }
    }

    /// Bytes handed out so far, including alignment padding.
    #[must_use]
    pub const fn used(&self) -> usize {
        self.used
    }

    /// The offset of a new `len`-byte region aligned to `align` (a power of two), or `None`
    /// if it does not fit (or `align` is not a power of two). A failed request uses nothing.
    pub fn carve(&mut self, len: usize, align: usize) -> Option<usize> {
        if !align.is_power_of_two() {
            return None;
        }
        let start = self.used.checked_next_multiple_of(align)?;
        let end = start.checked_add(len)?;
        if end > self.capacity {
            return None;
        }
        self.used = end;
        Some(start)
    }
}

/// Where a chunk's memory came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backing {
    /// A 2 MiB hugepage.
    HugePage,
    /// Locked ordinary pages (no hugepages were available).
    LockedPages,
}

/// An anonymous shared mapping of this process; munmapped on drop.
struct HostMemory {
    base: NonNull<u8>,
    len: usize,
    backing: Backing,
}

impl HostMemory {
    /// `len` bytes of hugepage memory, or of locked pages if the hugepage pool is empty.
    fn allocate(len: usize) -> io::Result<Self> {
        let hugepage_flags = libc::MAP_SHARED
            | libc::MAP_ANONYMOUS
            | libc::MAP_HUGETLB
            | libc::MAP_HUGE_2MB
            | libc::MAP_POPULATE;
        let error = match Self::map(len, hugepage_flags, Backing::HugePage) {
            Ok(memory) => return Ok(memory),
            Err(error) => error,
        };
        // ENOMEM is what an empty (or exhausted) hugepage pool gives; anything else is a
        // real failure worth reporting as is.
        if error.raw_os_error() != Some(libc::ENOMEM) {
            return Err(with_context(
                error,
                format!("mmap {len:#x} bytes of hugepages"),
            ));
        }
        if !FALLBACK_REPORTED.swap(true, Ordering::Relaxed) {
            eprintln!(
                "qemu-guest: no 2 MiB hugepages available (set vm.nr_hugepages); DMA memory \
                 falls back to locked 4 KiB pages"
            );
        }
        let locked_flags =
            libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_LOCKED | libc::MAP_POPULATE;
        Self::map(len, locked_flags, Backing::LockedPages).map_err(|error| {
            with_context(
                error,
                format!("mmap {len:#x} bytes of locked pages (no hugepages either)"),
            )
        })
    }

    /// One anonymous mapping; the error is the bare OS error (callers add context).
    fn map(len: usize, flags: libc::c_int, backing: Backing) -> io::Result<Self> {
        // SAFETY: a new anonymous mapping at an address of the kernel's choosing; no existing
        // memory is touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                flags,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base = NonNull::new(base.cast::<u8>())
            .ok_or_else(|| io::Error::other("mmap of DMA memory returned null"))?;
        Ok(Self { base, len, backing })
    }
}

impl Drop for HostMemory {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` are exactly one successful mmap that nothing else unmaps, and
        // the IOMMU mapping (if any) was removed before this runs.
        let result = unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
        if result != 0 {
            eprintln!(
                "qemu-guest: munmap of DMA chunk failed: {}",
                io::Error::last_os_error()
            );
        }
    }
}

/// One chunk: host memory mapped at `iova` for the device. Dropping it unmaps the IOMMU
/// side first (this body), then the host memory (the field).
struct Chunk<M: IommuMapper> {
    memory: HostMemory,
    iova: u64,
    mapper: Rc<M>,
}

impl<M: IommuMapper> Chunk<M> {
    fn new(mapper: &Rc<M>) -> io::Result<Self> {
        let memory = HostMemory::allocate(CHUNK_SIZE)?;
        let len = CHUNK_SIZE as u64;
        let iova = mapper.allocate_iova(len)?;
        // SAFETY: `memory` is a fresh mapping owned by the chunk, which unmaps it from the
        // IOMMU before munmapping it; no reference into it exists (regions use raw pointers).
        unsafe { mapper.map_dma(memory.base.as_ptr(), iova, len) }?;
        Ok(Self {
            memory,
            iova,
            mapper: Rc::clone(mapper),
        })
    }
}

impl<M: IommuMapper> Drop for Chunk<M> {
    fn drop(&mut self) {
        if let Err(error) = self.mapper.unmap_dma(self.iova, self.memory.len as u64) {
            eprintln!("qemu-guest: DMA chunk at iova {:#x}: {error}", self.iova);
        }
    }
}

/// A region of DMA memory handed out by [`HugePageDma`]; keeps its chunk mapped.
pub struct DmaRegion<M: IommuMapper = VfioContainer> {
    chunk: Rc<Chunk<M>>,
    /// CPU address of byte 0 (chunk base + `offset`).
    start: NonNull<u8>,
    offset: usize,
    len: usize,
}

// SAFETY: the region is `len` bytes at `offset` inside a chunk that stays mapped (host and
// IOMMU) while this `Rc` holds it; regions of a chunk never overlap (bump allocation) and the
// allocator keeps no references into them; the device reaches byte 0 at chunk IOVA + offset.
unsafe impl<M: IommuMapper> DmaMemory for DmaRegion<M> {
    fn cpu_ptr(&self) -> NonNull<u8> {
        self.start
    }

    fn len(&self) -> usize {
        self.len
    }

    fn dma_addr(&self) -> DmaAddr {
        DmaAddr::new(self.chunk.iova + self.offset as u64)
    }
}

impl<M: IommuMapper> fmt::Debug for DmaRegion<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DmaRegion")
            .field("cpu", &self.cpu_ptr())
            .field("dma", &self.dma_addr())
            .field("len", &self.len)
            .field("backing", &self.chunk.memory.backing)
            .finish()
    }
}

/// The DMA allocator of the VFIO backend (see the module documentation).
///
/// Fresh regions are zero-filled. Requests larger than [`CHUNK_SIZE`], alignments above it or
/// not a power of two, and empty requests are `Unsupported`; failing to get or map memory is
/// `OutOfMemory`, with the cause printed to stderr and kept in [`HugePageDma::last_failure`].
pub struct HugePageDma<M: IommuMapper = VfioContainer> {
    mapper: Rc<M>,
    current: RefCell<Option<(Rc<Chunk<M>>, BumpArena)>>,
    chunks_mapped: Cell<usize>,
    last_failure: RefCell<Option<String>>,
}

impl<M: IommuMapper> HugePageDma<M> {
    /// An allocator mapping its chunks through `mapper` (normally the device's container).
    #[must_use]
    pub fn new(mapper: Rc<M>) -> Self {
        Self {
            mapper,
            current: RefCell::new(None),
            chunks_mapped: Cell::new(0),
            last_failure: RefCell::new(None),
        }
    }

    /// How many chunks this allocator has mapped so far.
    #[must_use]
    pub fn chunks_mapped(&self) -> usize {
        self.chunks_mapped.get()
    }

    /// What the backing of the current chunk is, if there is one.
    #[must_use]
    pub fn current_backing(&self) -> Option<Backing> {
        self.current
            .borrow()
            .as_ref()
            .map(|(chunk, _)| chunk.memory.backing)
    }

    /// Why the last `OutOfMemory` happened.
    #[must_use]
    pub fn last_failure(&self) -> Option<String> {
        self.last_failure.borrow().clone()
    }

    /// The region `offset..offset+len` of `chunk` (which the caller carved for it), zeroed.
    fn region_in(
        chunk: &Rc<Chunk<M>>,
        offset: usize,
        len: usize,
    ) -> Result<DmaRegion<M>, DmaAllocError> {
        let in_chunk = offset
            .checked_add(len)
            .is_some_and(|end| end <= chunk.memory.len);
        let start = NonNull::new(chunk.memory.base.as_ptr().wrapping_add(offset));
        let (true, Some(start)) = (in_chunk, start) else {
            return Err(DmaAllocError::Unsupported);
        };
        // SAFETY: `start..start+len` is inside the chunk's live mapping (checked above) and
        // was carved for this region only; zeroing through the raw pointer makes no reference.
        unsafe { start.as_ptr().write_bytes(0, len) };
        Ok(DmaRegion {
            chunk: Rc::clone(chunk),
            start,
            offset,
            len,
        })
    }
}

impl<M: IommuMapper> DmaAllocator for HugePageDma<M> {
    type Region = DmaRegion<M>;

    fn allocate(&self, len: usize, align: usize) -> Result<DmaRegion<M>, DmaAllocError> {
        check_request(len, align)?;
        let mut current = self.current.borrow_mut();
        if let Some((chunk, arena)) = current.as_mut()
            && let Some(offset) = arena.carve(len, align)
        {
            return Self::region_in(chunk, offset, len);
        }
        let chunk = match Chunk::new(&self.mapper) {
            Ok(chunk) => Rc::new(chunk),
            Err(error) => {
                let error = with_context(error, format!("DMA allocation of {len:#x} bytes"));
                eprintln!("qemu-guest: {error}");
                *self.last_failure.borrow_mut() = Some(error.to_string());
                return Err(DmaAllocError::OutOfMemory);
            }
        };
        self.chunks_mapped.set(self.chunks_mapped.get() + 1);
        let mut arena = BumpArena::new(CHUNK_SIZE);
        // `check_request` bounds len and align by the chunk size, so offset 0 always fits.
        let offset = arena.carve(len, align).ok_or(DmaAllocError::Unsupported)?;
        let region = Self::region_in(&chunk, offset, len)?;
        *current = Some((chunk, arena));
        Ok(region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfio::IovaAllocator;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Call {
        Map { iova: u64, len: u64 },
        Unmap { iova: u64, len: u64 },
    }

    /// Records IOMMU calls instead of making them.
    #[derive(Default)]
    struct RecordingMapper {
        iova: RefCell<IovaAllocator>,
        calls: RefCell<Vec<Call>>,
        refuse_maps: Cell<bool>,
    }

    impl IommuMapper for RecordingMapper {
        fn allocate_iova(&self, len: u64) -> io::Result<u64> {
            self.iova
                .borrow_mut()
                .allocate(len)
                .ok_or_else(|| io::Error::other("iova exhausted"))
        }

        unsafe fn map_dma(&self, _vaddr: *mut u8, iova: u64, len: u64) -> io::Result<()> {
            if self.refuse_maps.get() {
                return Err(io::Error::from_raw_os_error(libc::ENOSPC));
            }
            self.calls.borrow_mut().push(Call::Map { iova, len });
            Ok(())
        }

        fn unmap_dma(&self, iova: u64, len: u64) -> io::Result<()> {
            self.calls.borrow_mut().push(Call::Unmap { iova, len });
            Ok(())
        }
    }

    const BASE: u64 = crate::vfio::IOVA_BASE;
    const CHUNK: u64 = CHUNK_SIZE as u64;

    #[test]
    fn bump_arena_aligns_and_packs() {
        let mut arena = BumpArena::new(4096);
        assert_eq!(arena.carve(10, 1), Some(0));
        assert_eq!(
            arena.carve(16, 16),
            Some(16),
            "rounded up past the first region"
        );
        assert_eq!(arena.carve(1, 1024), Some(1024));
        assert_eq!(
            arena.carve(3072, 1024),
            None,
            "1025 + padding + 3072 > 4096"
        );
        assert_eq!(arena.used(), 1025, "failed requests use nothing");
        assert_eq!(arena.carve(3071, 1), Some(1025), "exact fit");
        assert_eq!(arena.carve(1, 1), None, "full");
        assert_eq!(
            arena.carve(0, 1),
            Some(4096),
            "an empty carve fits at the end"
        );
    }

    #[test]
    fn bump_arena_rejects_overflow_and_bad_alignment() {
        let mut arena = BumpArena::new(CHUNK_SIZE);
        assert_eq!(arena.carve(8, 1), Some(0));
        assert_eq!(arena.carve(usize::MAX, 1), None);
        assert_eq!(arena.carve(1, 1 << (usize::BITS - 1)), None);
        assert_eq!(arena.carve(1, 3), None);
        assert_eq!(arena.carve(1, 0), None);
        assert_eq!(arena.used(), 8);
    }

    #[test]
    fn requests_the_chunks_cannot_serve_are_unsupported() {
        let dma = HugePageDma::new(Rc::new(RecordingMapper::default()));
        for (len, align) in [
            (0, 8),
            (CHUNK_SIZE + 1, 8),
            (64, 3),
            (64, 0),
            (64, 2 * CHUNK_SIZE),
        ] {
            assert_eq!(
                dma.allocate(len, align).map(|_| ()),
                Err(DmaAllocError::Unsupported),
                "len {len:#x} align {align:#x}"
            );
        }
        assert_eq!(
            dma.chunks_mapped(),
            0,
            "nothing was mapped for refused requests"
        );
    }

    #[test]
    fn regions_are_aligned_disjoint_zeroed_and_at_their_chunk_iova() {
        let mapper = Rc::new(RecordingMapper::default());
        let dma = HugePageDma::new(Rc::clone(&mapper));
        let ring = dma.allocate(16 * 256, 128).expect("ring");
        let header = dma.allocate(3, 1).expect("header");
        let buffer = dma.allocate(2048, 4096).expect("buffer");
        assert_eq!(ring.dma_addr(), DmaAddr::new(BASE));
        assert_eq!(header.dma_addr(), DmaAddr::new(BASE + 4096));
        assert_eq!(buffer.dma_addr(), DmaAddr::new(BASE + 8192));
        assert_eq!(buffer.dma_addr().as_u64() % 4096, 0);
        assert!(dma.current_backing().is_some());
        // CPU and device views agree: same offsets within the chunk.
        let cpu_delta = buffer.cpu_ptr().as_ptr() as usize - ring.cpu_ptr().as_ptr() as usize;
        assert_eq!(cpu_delta, 8192);
        for region in [&ring, &buffer] {
            let mut bytes = vec![0xffu8; region.len()];
            region.read_bytes(0, &mut bytes).expect("read");
            assert!(bytes.iter().all(|&byte| byte == 0), "fresh memory is zero");
        }
        ring.fill(0xa5);
        header.write_bytes(0, &[1, 2, 3]).expect("header");
        assert_eq!(buffer.read_u64(0), Ok(0), "writes stay inside their region");
        assert_eq!(ring.read_u32(4092), Ok(0xa5a5_a5a5));
        assert!(
            header.read_u32(0).is_err(),
            "bounds are the region's, not the chunk's"
        );
        assert_eq!(
            *mapper.calls.borrow(),
            [Call::Map {
                iova: BASE,
                len: CHUNK
            }]
        );
    }

    #[test]
    fn a_full_chunk_starts_a_new_one_and_regions_never_span_chunks() {
        let mapper = Rc::new(RecordingMapper::default());
        let dma = HugePageDma::new(Rc::clone(&mapper));
        let first = dma.allocate(CHUNK_SIZE / 2 + 1, 8).expect("first");
        let second = dma.allocate(CHUNK_SIZE / 2, 8).expect("second");
        let whole = dma.allocate(CHUNK_SIZE, CHUNK_SIZE).expect("whole chunk");
        assert_eq!(first.dma_addr(), DmaAddr::new(BASE));
        assert_eq!(second.dma_addr(), DmaAddr::new(BASE + CHUNK));
        assert_eq!(whole.dma_addr(), DmaAddr::new(BASE + 2 * CHUNK));
        assert_eq!(dma.chunks_mapped(), 3);
        whole.write_u32(CHUNK_SIZE - 4, 7).expect("last word");
        assert_eq!(whole.read_u32(CHUNK_SIZE - 4), Ok(7));
    }

    #[test]
    fn chunks_are_unmapped_only_after_the_allocator_and_all_regions_are_gone() {
        let mapper = Rc::new(RecordingMapper::default());
        let dma = HugePageDma::new(Rc::clone(&mapper));
        let first = dma.allocate(64, 64).expect("first");
        let second = dma.allocate(64, 64).expect("second");
        let unmaps = || {
            mapper
                .calls
                .borrow()
                .iter()
                .filter(|call| matches!(call, Call::Unmap { .. }))
                .count()
        };
        drop(first);
        drop(dma);
        assert_eq!(unmaps(), 0, "a region still uses the chunk");
        second.write_u64(0, u64::MAX).expect("still usable");
        drop(second);
        assert_eq!(
            mapper.calls.borrow().last(),
            Some(&Call::Unmap {
                iova: BASE,
                len: CHUNK
            })
        );
        assert_eq!(unmaps(), 1);
    }

    #[test]
    fn mapping_failures_are_out_of_memory_with_the_cause_kept() {
        let mapper = Rc::new(RecordingMapper::default());
        mapper.refuse_maps.set(true);
        let dma = HugePageDma::new(Rc::clone(&mapper));
        assert_eq!(
            dma.allocate(64, 64).map(|_| ()),
            Err(DmaAllocError::OutOfMemory)
        );
        let cause = dma.last_failure().expect("cause kept");
        assert!(cause.contains("0x40 bytes"), "{cause}");
        assert_eq!(dma.chunks_mapped(), 0);
        assert!(
            mapper.calls.borrow().is_empty(),
            "no unmap for a failed map"
        );
        mapper.refuse_maps.set(false);
        let region = dma.allocate(64, 64).expect("recovers");
        assert_eq!(
            region.dma_addr(),
            DmaAddr::new(BASE + CHUNK),
            "failed IOVA not reused"
        );
    }

    #[test]
    fn iova_exhaustion_is_out_of_memory() {
        let mapper = Rc::new(RecordingMapper {
            iova: RefCell::new(IovaAllocator::with_range(BASE, BASE + CHUNK)),
            ..RecordingMapper::default()
        });
        let dma = HugePageDma::new(Rc::clone(&mapper));
        let _only = dma.allocate(CHUNK_SIZE, 8).expect("the one chunk");
        assert_eq!(
            dma.allocate(8, 8).map(|_| ()),
            Err(DmaAllocError::OutOfMemory)
        );
        assert!(dma.last_failure().expect("cause").contains("exhausted"));
    }
}
