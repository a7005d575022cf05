//! The VFIO container: one IOMMU address space (type1 v2) that any number of groups share,
//! plus the IOVA allocator that hands out device addresses inside it.

use std::cell::{Cell, RefCell};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::rc::{Rc, Weak};

use super::sys::{ioctl_pointer, ioctl_value, with_context};
use super::uapi::{
    VFIO_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_WRITE,
    VFIO_GET_API_VERSION, VFIO_GROUP_FLAGS_VIABLE, VFIO_GROUP_GET_STATUS, VFIO_GROUP_SET_CONTAINER,
    VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_UNMAP_DMA, VFIO_SET_IOMMU, VFIO_TYPE1V2_IOMMU, argsz,
    vfio_group_status, vfio_iommu_type1_dma_map, vfio_iommu_type1_dma_unmap,
};

/// The container character device.
pub const VFIO_CONTAINER_PATH: &str = "/dev/vfio/vfio";
/// Directory of the group character devices (`/dev/vfio/<group number>`).
pub const VFIO_GROUP_DIR: &str = "/dev/vfio";

/// First IOVA handed out. Low addresses are avoided so that a device writing through a
/// zero or small garbage address faults in the IOMMU instead of hitting a real buffer.
pub const IOVA_BASE: u64 = 0x1000_0000;
/// IOVA allocation granule: one 2 MiB hugepage, so every chunk can be a single IOMMU
/// superpage and its IOVA is aligned to any alignment a DMA region may ask for.
pub const IOVA_CHUNK: u64 = 2 << 20;
/// End of the IOVA space used: 39 bits is the smallest address width QEMU's intel-iommu
/// offers (`aw-bits=39`), so every address below it is translatable.
pub const IOVA_LIMIT: u64 = 1 << 39;

/// Bump allocator of IOVA ranges in `[IOVA_BASE, IOVA_LIMIT)`, in [`IOVA_CHUNK`] granules.
/// Ranges are never reused: a test run maps far less than the 512 GiB available, and
/// never reusing an IOVA means a stale device pointer cannot reach a newer buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IovaAllocator {
    next: u64,
    limit: u64,
}

impl IovaAllocator {
    /// An allocator over `[IOVA_BASE, IOVA_LIMIT)`.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_range(IOVA_BASE, IOVA_LIMIT)
    }

    /// An allocator over `[start, limit)`; `start` is rounded up to [`IOVA_CHUNK`].
    #[must_use]
    pub const fn with_range(start: u64, limit: u64) -> Self {
        let next = match start.checked_next_multiple_of(IOVA_CHUNK) {
            Some(aligned) => aligned,
            None => limit,
        };
        Self { next, limit }
    }

    /// Reserves `len` bytes rounded up to whole chunks; `None` for `len == 0` or when the
    /// space is exhausted.
    pub fn allocate(&mut self, len: u64) -> Option<u64> {
        if len == 0 {
            return None;
        }
        let rounded = len.checked_next_multiple_of(IOVA_CHUNK)?;
        let end = self.next.checked_add(rounded)?;
        if end > self.limit {
            return None;
        }
        let start = self.next;
        self.next = end;
        Some(start)
    }
}

impl Default for IovaAllocator {
    fn default() -> Self {
        Self::new()
    }
}

/// A VFIO container (`/dev/vfio/vfio`) using the type1 v2 IOMMU backend.
///
/// Shared through `Rc`: every device opened with it keeps it alive, and so does every DMA
/// chunk mapped through it. Two processes each open their own.
pub struct VfioContainer {
    file: File,
    /// `VFIO_SET_IOMMU` can only be issued once a group is attached, and the kernel drops
    /// the IOMMU (and every mapping) when the last group leaves.
    iommu_set: Cell<bool>,
    attached_groups: Cell<usize>,
    groups: RefCell<Vec<(String, Weak<VfioGroup>)>>,
    iova: RefCell<IovaAllocator>,
}

impl VfioContainer {
    /// Opens a container and checks that the kernel speaks VFIO API version 0 with the
    /// type1 v2 IOMMU.
    pub fn open() -> io::Result<Rc<Self>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(VFIO_CONTAINER_PATH)
            .map_err(|error| {
                with_context(
                    error,
                    format!("open {VFIO_CONTAINER_PATH} (is the vfio module loaded?)"),
                )
            })?;
        let version = ioctl_value(
            file.as_fd(),
            VFIO_GET_API_VERSION,
            0,
            "VFIO_GET_API_VERSION",
        )?;
        if version != VFIO_API_VERSION {
            return Err(io::Error::other(format!(
                "{VFIO_CONTAINER_PATH}: VFIO API version {version}, expected {VFIO_API_VERSION}"
            )));
        }
        let type1v2 = ioctl_value(
            file.as_fd(),
            VFIO_CHECK_EXTENSION,
            libc::c_ulong::from(VFIO_TYPE1V2_IOMMU),
            "VFIO_CHECK_EXTENSION(TYPE1v2)",
        )?;
        if type1v2 <= 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "{VFIO_CONTAINER_PATH}: no VFIO_TYPE1v2_IOMMU (modprobe vfio_iommu_type1; \
                     boot with intel_iommu=on)"
                ),
            ));
        }
        Ok(Rc::new(Self {
            file,
            iommu_set: Cell::new(false),
            attached_groups: Cell::new(0),
            groups: RefCell::new(Vec::new()),
            iova: RefCell::new(IovaAllocator::new()),
        }))
    }

    /// Reserves an IOVA range of `len` bytes (rounded up to 2 MiB, 2 MiB aligned).
    pub fn allocate_iova(&self, len: u64) -> io::Result<u64> {
        self.iova.borrow_mut().allocate(len).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::OutOfMemory,
                format!("IOVA space exhausted (or empty request) allocating {len:#x} bytes"),
            )
        })
    }

    /// Maps `len` bytes of this process at `vaddr` so the devices of this container reach
    /// them at `iova` (read and write). The kernel pins the pages.
    ///
    /// # Safety
    /// `vaddr..vaddr+len` must be memory of this process that stays mapped until
    /// [`Self::unmap_dma`] is called for the same range, and that no Rust reference points
    /// into while it is mapped (the device may write it at any time).
    pub unsafe fn map_dma(&self, vaddr: *mut u8, iova: u64, len: u64) -> io::Result<()> {
        if !self.iommu_set.get() {
            return Err(io::Error::other(
                "VFIO_IOMMU_MAP_DMA before any group was attached (open a VfioDevice first)",
            ));
        }
        if len == 0 || iova.checked_add(len).is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("VFIO_IOMMU_MAP_DMA: bad range iova {iova:#x} len {len:#x}"),
            ));
        }
        let mut map = vfio_iommu_type1_dma_map {
            argsz: argsz::<vfio_iommu_type1_dma_map>(),
            flags: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
            vaddr: vaddr as u64,
            iova,
            size: len,
        };
        let what = format!("VFIO_IOMMU_MAP_DMA vaddr {vaddr:p} iova {iova:#x} len {len:#x}");
        // SAFETY: `map` is a `vfio_iommu_type1_dma_map` with `argsz` set; the caller
        // guarantees the range stays valid while mapped.
        unsafe { ioctl_pointer(self.file.as_fd(), VFIO_IOMMU_MAP_DMA, &raw mut map, what) }?;
        Ok(())
    }

    /// Removes the IOMMU mapping of `iova..iova+len` (which must be exactly one earlier
    /// [`Self::map_dma`] range).
    pub fn unmap_dma(&self, iova: u64, len: u64) -> io::Result<()> {
        let mut unmap = vfio_iommu_type1_dma_unmap {
            argsz: argsz::<vfio_iommu_type1_dma_unmap>(),
            flags: 0,
            iova,
            size: len,
        };
        let what = format!("VFIO_IOMMU_UNMAP_DMA iova {iova:#x} len {len:#x}");
        // SAFETY: `unmap` is a `vfio_iommu_type1_dma_unmap` without the dirty-bitmap tail
        // (flags 0), with `argsz` set.
        unsafe {
            ioctl_pointer(
                self.file.as_fd(),
                VFIO_IOMMU_UNMAP_DMA,
                &raw mut unmap,
                &what,
            )
        }?;
        if unmap.size != len {
            return Err(io::Error::other(format!(
                "{what}: kernel unmapped {:#x} bytes",
                unmap.size
            )));
        }
        Ok(())
    }

    /// Whether the IOMMU is set (at least one group attached).
    #[must_use]
    pub fn iommu_ready(&self) -> bool {
        self.iommu_set.get()
    }

    /// The group `group_id` attached to this container: the existing one if a device of it
    /// is already open through this container, else newly opened, checked viable and
    /// attached (setting the IOMMU on the first attach).
    pub(crate) fn group(self: &Rc<Self>, group_id: &str) -> io::Result<Rc<VfioGroup>> {
        let mut groups = self.groups.borrow_mut();
        groups.retain(|(_, group)| group.strong_count() > 0);
        let existing = groups
            .iter()
            .filter(|(id, _)| id == group_id)
            .find_map(|(_, group)| group.upgrade());
        if let Some(group) = existing {
            return Ok(group);
        }
        let group = Rc::new(VfioGroup::attach(self, group_id)?);
        groups.push((group_id.to_owned(), Rc::downgrade(&group)));
        Ok(group)
    }
}

/// An open VFIO group attached to a container. Closing its fd detaches it.
pub(crate) struct VfioGroup {
    file: File,
    container: Rc<VfioContainer>,
}

impl VfioGroup {
    fn attach(container: &Rc<VfioContainer>, group_id: &str) -> io::Result<Self> {
        if group_id.is_empty() || !group_id.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad IOMMU group name {group_id:?}"),
            ));
        }
        let path = format!("{VFIO_GROUP_DIR}/{group_id}");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|error| {
                with_context(
                    error,
                    format!("open {path} (is the device bound to vfio-pci? is the group in use?)"),
                )
            })?;
        let mut status = vfio_group_status {
            argsz: argsz::<vfio_group_status>(),
            flags: 0,
        };
        let what = format!("VFIO_GROUP_GET_STATUS {path}");
        // SAFETY: `status` is a `vfio_group_status` with `argsz` set.
        unsafe { ioctl_pointer(file.as_fd(), VFIO_GROUP_GET_STATUS, &raw mut status, what) }?;
        if status.flags & VFIO_GROUP_FLAGS_VIABLE == 0 {
            return Err(io::Error::other(format!(
                "{path}: group not viable (every device in IOMMU group {group_id} must be \
                 bound to vfio-pci or to no driver)"
            )));
        }
        let mut container_fd: libc::c_int = container.file.as_raw_fd();
        let what = format!("VFIO_GROUP_SET_CONTAINER {path}");
        // SAFETY: the argument of VFIO_GROUP_SET_CONTAINER is a pointer to the container fd.
        unsafe {
            ioctl_pointer(
                file.as_fd(),
                VFIO_GROUP_SET_CONTAINER,
                &raw mut container_fd,
                what,
            )
        }?;
        container
            .attached_groups
            .set(container.attached_groups.get() + 1);
        // From here on dropping `group` detaches it again (and keeps the count right).
        let group = Self {
            file,
            container: Rc::clone(container),
        };
        if !container.iommu_set.get() {
            ioctl_value(
                container.file.as_fd(),
                VFIO_SET_IOMMU,
                libc::c_ulong::from(VFIO_TYPE1V2_IOMMU),
                "VFIO_SET_IOMMU(TYPE1v2)",
            )?;
            container.iommu_set.set(true);
        }
        Ok(group)
    }

    /// The group fd, for `VFIO_GROUP_GET_DEVICE_FD`.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }
}

impl Drop for VfioGroup {
    fn drop(&mut self) {
        // Closing the fd (after this body) detaches the group; when the last one leaves, the
        // kernel releases the IOMMU with all its mappings, so a later attach must set it again.
        let remaining = self.container.attached_groups.get().saturating_sub(1);
        self.container.attached_groups.set(remaining);
        if remaining == 0 {
            self.container.iommu_set.set(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iova_allocation_is_chunk_aligned_and_starts_at_the_base() {
        let mut iova = IovaAllocator::new();
        assert_eq!(iova.allocate(1), Some(IOVA_BASE));
        assert_eq!(iova.allocate(IOVA_CHUNK), Some(IOVA_BASE + IOVA_CHUNK));
        assert_eq!(
            iova.allocate(IOVA_CHUNK + 1),
            Some(IOVA_BASE + 2 * IOVA_CHUNK)
        );
        assert_eq!(iova.allocate(4096), Some(IOVA_BASE + 4 * IOVA_CHUNK));
        assert_eq!(iova.allocate(0), None);
    }

    #[test]
    fn iova_allocation_stops_at_the_limit_and_never_overflows() {
        let mut iova = IovaAllocator::with_range(IOVA_BASE, IOVA_BASE + 3 * IOVA_CHUNK);
        assert_eq!(iova.allocate(2 * IOVA_CHUNK), Some(IOVA_BASE));
        assert_eq!(iova.allocate(2 * IOVA_CHUNK), None, "only one chunk left");
        assert_eq!(iova.allocate(IOVA_CHUNK), Some(IOVA_BASE + 2 * IOVA_CHUNK));
        assert_eq!(iova.allocate(1), None);

        let mut near_top = IovaAllocator::with_range(u64::MAX - IOVA_CHUNK, u64::MAX);
        assert_eq!(
            near_top.allocate(1),
            None,
            "no whole chunk fits below the top"
        );
        let mut huge = IovaAllocator::new();
        assert_eq!(huge.allocate(u64::MAX), None);
        assert_eq!(
            huge.allocate(IOVA_LIMIT),
            None,
            "larger than the whole space"
        );
        assert_eq!(
            huge.allocate(1),
            Some(IOVA_BASE),
            "failed requests use nothing"
        );
    }

    #[test]
    fn iova_start_is_rounded_up_to_a_chunk() {
        let mut iova = IovaAllocator::with_range(IOVA_BASE + 1, IOVA_LIMIT);
        assert_eq!(iova.allocate(1), Some(IOVA_BASE + IOVA_CHUNK));
    }
}
