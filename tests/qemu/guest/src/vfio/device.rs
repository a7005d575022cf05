//! A PCI function opened through VFIO: config space, BARs, MSI-X, reset and the VF token.

use std::cell::Cell;
use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::ptr::NonNull;
use std::rc::Rc;

use super::bar::VfioBar;
use super::container::{VfioContainer, VfioGroup};
use super::eventfd::EventFd;
use super::sys::{ioctl_pointer, ioctl_value, last_os_error, with_context};
use super::uapi::{
    VFIO_DEVICE_FEATURE, VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, VFIO_DEVICE_FEATURE_SET,
    VFIO_DEVICE_FLAGS_PCI, VFIO_DEVICE_FLAGS_RESET, VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_IRQ_INFO,
    VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_RESET, VFIO_DEVICE_SET_IRQS, VFIO_GROUP_GET_DEVICE_FD,
    VFIO_IRQ_INFO_EVENTFD, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_DATA_EVENTFD,
    VFIO_IRQ_SET_DATA_NONE, VFIO_PCI_BAR5_REGION_INDEX, VFIO_PCI_CONFIG_REGION_INDEX,
    VFIO_PCI_MSIX_IRQ_INDEX, VFIO_REGION_INFO_FLAG_MMAP, argsz, vfio_device_feature_vf_token,
    vfio_device_info, vfio_irq_info, vfio_irq_set, vfio_region_info,
};
use super::uuid::Uuid;
use crate::sysfs;

/// PCI COMMAND register offset in config space (PCI Local Bus spec 6.2.2).
pub const PCI_COMMAND: u16 = 0x04;
/// COMMAND bit 1: Memory Space enable (BAR decoding).
pub const PCI_COMMAND_MEMORY: u16 = 1 << 1;
/// COMMAND bit 2: Bus Master enable (the device may issue DMA and MSI-X writes).
pub const PCI_COMMAND_MASTER: u16 = 1 << 2;

/// The device fd and the group it came from. Field order matters: the device fd closes
/// before the group reference is released.
pub(crate) struct DeviceHandle {
    file: File,
    _group: Rc<VfioGroup>,
}

/// What the kernel reports about one region of the device fd.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RegionInfo {
    /// Region index (`VFIO_PCI_*_REGION_INDEX`).
    pub index: u32,
    /// `VFIO_REGION_INFO_FLAG_*`.
    pub flags: u32,
    /// Size in bytes (0: not implemented, e.g. an unused BAR).
    pub size: u64,
    /// Offset of the region within the device fd (for pread/pwrite/mmap).
    pub offset: u64,
}

/// What the kernel reports about one interrupt index.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct IrqInfo {
    /// `VFIO_IRQ_INFO_*`.
    pub flags: u32,
    /// Number of vectors in the index.
    pub count: u32,
}

/// A PCI function owned through VFIO.
///
/// Dropping it disables MSI-X (if enabled) and closes the device fd, which makes vfio-pci
/// reset the function; BAR handles keep the fd open until they are dropped too.
pub struct VfioDevice {
    handle: Rc<DeviceHandle>,
    bdf: String,
    flags: u32,
    num_regions: u32,
    num_irqs: u32,
    config: RegionInfo,
    msix_enabled: Cell<bool>,
}

impl VfioDevice {
    /// Opens the PCI function `bdf` (e.g. `0000:01:00.0`, bound to vfio-pci) through
    /// `container`. A VF of a PF that vfio-pci owns needs the PF's VF token.
    pub fn open(
        container: &Rc<VfioContainer>,
        bdf: &str,
        vf_token: Option<&Uuid>,
    ) -> io::Result<Self> {
        sysfs::check_bdf(bdf)?;
        let group_id = sysfs::iommu_group_of(bdf)?;
        let group = container.group(&group_id)?;
        let name = match vf_token {
            Some(token) => format!("{bdf} vf_token={token}"),
            None => bdf.to_owned(),
        };
        let what = format!("VFIO_GROUP_GET_DEVICE_FD {name:?} (group {group_id})");
        let c_name = CString::new(name).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: NUL in name"))
        })?;
        // SAFETY: the argument of VFIO_GROUP_GET_DEVICE_FD is a NUL-terminated device name,
        // which `c_name` is; the kernel only reads it.
        let raw = unsafe {
            ioctl_pointer(
                group.file().as_fd(),
                VFIO_GROUP_GET_DEVICE_FD,
                c_name.as_ptr().cast_mut(),
                &what,
            )
        }?;
        // SAFETY: a successful VFIO_GROUP_GET_DEVICE_FD returns a new fd owned by the caller.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let handle = Rc::new(DeviceHandle {
            file: File::from(fd),
            _group: group,
        });

        let mut info = vfio_device_info {
            argsz: argsz::<vfio_device_info>(),
            ..vfio_device_info::default()
        };
        let what = format!("VFIO_DEVICE_GET_INFO {bdf}");
        // SAFETY: `info` is a `vfio_device_info` with `argsz` set.
        unsafe {
            ioctl_pointer(
                handle.file.as_fd(),
                VFIO_DEVICE_GET_INFO,
                &raw mut info,
                what,
            )
        }?;
        if info.flags & VFIO_DEVICE_FLAGS_PCI == 0 {
            return Err(io::Error::other(format!(
                "{bdf}: VFIO device is not a vfio-pci device (flags {:#x})",
                info.flags
            )));
        }
        let config = region_info_of(&handle, bdf, VFIO_PCI_CONFIG_REGION_INDEX)?;
        if config.size < 0x40 {
            return Err(io::Error::other(format!(
                "{bdf}: config region is only {:#x} bytes",
                config.size
            )));
        }
        Ok(Self {
            handle,
            bdf: bdf.to_owned(),
            flags: info.flags,
            num_regions: info.num_regions,
            num_irqs: info.num_irqs,
            config,
            msix_enabled: Cell::new(false),
        })
    }

    /// The PCI address this device was opened with.
    #[must_use]
    pub fn bdf(&self) -> &str {
        &self.bdf
    }

    /// `VFIO_DEVICE_FLAGS_*` from `VFIO_DEVICE_GET_INFO`.
    #[must_use]
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// Number of regions (max region index + 1).
    #[must_use]
    pub fn num_regions(&self) -> u32 {
        self.num_regions
    }

    /// Number of interrupt indexes (max IRQ index + 1).
    #[must_use]
    pub fn num_irqs(&self) -> u32 {
        self.num_irqs
    }

    /// `VFIO_DEVICE_GET_REGION_INFO` for `index`.
    pub fn region_info(&self, index: u32) -> io::Result<RegionInfo> {
        region_info_of(&self.handle, &self.bdf, index)
    }

    /// `VFIO_DEVICE_GET_IRQ_INFO` for `index` (e.g. `VFIO_PCI_MSIX_IRQ_INDEX` = 2).
    pub fn irq_info(&self, index: u32) -> io::Result<IrqInfo> {
        let mut info = vfio_irq_info {
            argsz: argsz::<vfio_irq_info>(),
            index,
            ..vfio_irq_info::default()
        };
        let what = format!("VFIO_DEVICE_GET_IRQ_INFO {} index {index}", self.bdf);
        // SAFETY: `info` is a `vfio_irq_info` with `argsz` set.
        unsafe {
            ioctl_pointer(
                self.handle.file.as_fd(),
                VFIO_DEVICE_GET_IRQ_INFO,
                &raw mut info,
                what,
            )
        }?;
        Ok(IrqInfo {
            flags: info.flags,
            count: info.count,
        })
    }

    /// Number of MSI-X vectors the function offers.
    pub fn msix_vector_count(&self) -> io::Result<u32> {
        Ok(self.irq_info(VFIO_PCI_MSIX_IRQ_INDEX)?.count)
    }

    /// Reads `N` bytes of config space at `offset` after checking the range.
    fn config_read<const N: usize>(&self, offset: u16) -> io::Result<[u8; N]> {
        let position = self.config_position(offset, N)?;
        let mut bytes = [0u8; N];
        self.handle
            .file
            .read_exact_at(&mut bytes, position)
            .map_err(|error| {
                with_context(error, format!("{}: config read {offset:#x}", self.bdf))
            })?;
        Ok(bytes)
    }

    /// Writes `bytes` to config space at `offset` after checking the range.
    fn config_write(&self, offset: u16, bytes: &[u8]) -> io::Result<()> {
        let position = self.config_position(offset, bytes.len())?;
        self.handle
            .file
            .write_all_at(bytes, position)
            .map_err(|error| with_context(error, format!("{}: config write {offset:#x}", self.bdf)))
    }

    /// The device-fd position of config bytes `offset..offset+len`, if inside the region.
    fn config_position(&self, offset: u16, len: usize) -> io::Result<u64> {
        let end = u64::from(offset) + len as u64;
        if end > self.config.size || offset as usize % len != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{}: config access {offset:#x}+{len} outside {:#x} bytes or unaligned",
                    self.bdf, self.config.size
                ),
            ));
        }
        self.config
            .offset
            .checked_add(u64::from(offset))
            .ok_or_else(|| io::Error::other(format!("{}: config offset overflows", self.bdf)))
    }

    /// Reads the config byte at `offset`.
    pub fn config_read8(&self, offset: u16) -> io::Result<u8> {
        Ok(u8::from_le_bytes(self.config_read(offset)?))
    }

    /// Reads the little-endian config word at `offset` (2-byte aligned).
    pub fn config_read16(&self, offset: u16) -> io::Result<u16> {
        Ok(u16::from_le_bytes(self.config_read(offset)?))
    }

    /// Reads the little-endian config dword at `offset` (4-byte aligned).
    pub fn config_read32(&self, offset: u16) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.config_read(offset)?))
    }

    /// Writes the config byte at `offset`.
    pub fn config_write8(&self, offset: u16, value: u8) -> io::Result<()> {
        self.config_write(offset, &[value])
    }

    /// Writes the little-endian config word at `offset` (2-byte aligned).
    pub fn config_write16(&self, offset: u16, value: u16) -> io::Result<()> {
        self.config_write(offset, &value.to_le_bytes())
    }

    /// Writes the little-endian config dword at `offset` (4-byte aligned).
    pub fn config_write32(&self, offset: u16, value: u32) -> io::Result<()> {
        self.config_write(offset, &value.to_le_bytes())
    }

    /// Sets Memory Space and Bus Master in COMMAND, so BARs decode and the device may DMA.
    pub fn enable_memory_and_bus_master(&self) -> io::Result<()> {
        let command = self.config_read16(PCI_COMMAND)?;
        let wanted = command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
        if wanted != command {
            self.config_write16(PCI_COMMAND, wanted)?;
        }
        let now = self.config_read16(PCI_COMMAND)?;
        if now & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)
            != PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER
        {
            return Err(io::Error::other(format!(
                "{}: COMMAND reads {now:#06x} after setting memory + bus master",
                self.bdf
            )));
        }
        Ok(())
    }

    /// Maps BAR `index` (0..=5) read/write. Memory decoding must already be on
    /// ([`Self::enable_memory_and_bus_master`]): vfio-pci faults accesses otherwise (SIGBUS).
    pub fn map_bar(&self, index: u32) -> io::Result<VfioBar> {
        if index > VFIO_PCI_BAR5_REGION_INDEX {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: BAR index {index} (0..=5)", self.bdf),
            ));
        }
        let region = self.region_info(index)?;
        if region.size == 0 {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: BAR{index} is not implemented", self.bdf),
            ));
        }
        if region.flags & VFIO_REGION_INFO_FLAG_MMAP == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "{}: BAR{index} cannot be mmapped (flags {:#x}; I/O BAR?)",
                    self.bdf, region.flags
                ),
            ));
        }
        let command = self.config_read16(PCI_COMMAND)?;
        if command & PCI_COMMAND_MEMORY == 0 {
            return Err(io::Error::other(format!(
                "{}: memory decoding is off (COMMAND {command:#06x}); call \
                 enable_memory_and_bus_master() before map_bar({index})",
                self.bdf
            )));
        }
        let len = usize::try_from(region.size).map_err(|_| {
            io::Error::other(format!("{}: BAR{index} size {:#x}", self.bdf, region.size))
        })?;
        let file_offset = libc::off_t::try_from(region.offset).map_err(|_| {
            io::Error::other(format!(
                "{}: BAR{index} offset {:#x}",
                self.bdf, region.offset
            ))
        })?;
        // SAFETY: a new shared mapping of the device fd at the region's offset; no existing
        // memory is touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                self.handle.file.as_raw_fd(),
                file_offset,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(last_os_error(format!(
                "{}: mmap BAR{index} ({len:#x} bytes)",
                self.bdf
            )));
        }
        let base = NonNull::new(base.cast::<u8>())
            .ok_or_else(|| io::Error::other(format!("{}: mmap BAR{index} gave null", self.bdf)))?;
        // SAFETY: `base..base+len` is the fresh read/write mapping made above, owned by the
        // returned handle from now on.
        Ok(unsafe { VfioBar::from_mapping(base, len, index, Some(Rc::clone(&self.handle))) })
    }

    /// Sets the VF token on this PF (`VFIO_DEVICE_FEATURE_PCI_VF_TOKEN`): VFs of a PF owned
    /// by vfio-pci can then be opened with `vf_token=<uuid>`.
    pub fn set_vf_token(&self, token: &Uuid) -> io::Result<()> {
        let mut feature = vfio_device_feature_vf_token {
            argsz: argsz::<vfio_device_feature_vf_token>(),
            flags: VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
            uuid: *token.as_bytes(),
        };
        let what = format!(
            "{}: VFIO_DEVICE_FEATURE set VF token (vfio-pci loaded with enable_sriov=1? \
             VFs already open?)",
            self.bdf
        );
        // SAFETY: `feature` is a `vfio_device_feature` followed by its 16-byte UUID payload,
        // `argsz` covering both.
        unsafe {
            ioctl_pointer(
                self.handle.file.as_fd(),
                VFIO_DEVICE_FEATURE,
                &raw mut feature,
                what,
            )
        }?;
        Ok(())
    }

    /// Enables MSI-X with `count` vectors, each signalling its own eventfd (index = vector).
    pub fn enable_msix(&self, count: u32) -> io::Result<Vec<EventFd>> {
        let info = self.irq_info(VFIO_PCI_MSIX_IRQ_INDEX)?;
        if count == 0 || count > info.count {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{}: {count} MSI-X vectors requested, device has {}",
                    self.bdf, info.count
                ),
            ));
        }
        if info.flags & VFIO_IRQ_INFO_EVENTFD == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{}: MSI-X index cannot signal eventfds", self.bdf),
            ));
        }
        let events = (0..count)
            .map(|_| EventFd::new())
            .collect::<io::Result<Vec<_>>>()?;
        let fds: Vec<i32> = events.iter().map(AsRawFd::as_raw_fd).collect();
        let mut words = irq_set_words(
            VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
            VFIO_PCI_MSIX_IRQ_INDEX,
            &fds,
        );
        let what = format!("{}: VFIO_DEVICE_SET_IRQS enable {count} MSI-X", self.bdf);
        // SAFETY: `words` is a `vfio_irq_set` header followed by `count` eventfds, and its
        // `argsz` is the length of the whole buffer.
        unsafe {
            ioctl_pointer(
                self.handle.file.as_fd(),
                VFIO_DEVICE_SET_IRQS,
                words.as_mut_ptr(),
                what,
            )
        }?;
        self.msix_enabled.set(true);
        Ok(events)
    }

    /// Disables MSI-X (all vectors); the eventfds get no more signals.
    pub fn disable_msix(&self) -> io::Result<()> {
        let mut words = irq_set_words(
            VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
            VFIO_PCI_MSIX_IRQ_INDEX,
            &[],
        );
        let what = format!("{}: VFIO_DEVICE_SET_IRQS disable MSI-X", self.bdf);
        // SAFETY: `words` is a bare `vfio_irq_set` (count 0, no data) with `argsz` set.
        unsafe {
            ioctl_pointer(
                self.handle.file.as_fd(),
                VFIO_DEVICE_SET_IRQS,
                words.as_mut_ptr(),
                what,
            )
        }?;
        self.msix_enabled.set(false);
        Ok(())
    }

    /// Function-level reset through vfio-pci (`VFIO_DEVICE_RESET`), which saves and restores
    /// config space around it. Fails clearly if the device reports no reset method.
    pub fn reset(&self) -> io::Result<()> {
        if self.flags & VFIO_DEVICE_FLAGS_RESET == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "{}: device does not report VFIO_DEVICE_FLAGS_RESET (flags {:#x})",
                    self.bdf, self.flags
                ),
            ));
        }
        ioctl_value(
            self.handle.file.as_fd(),
            VFIO_DEVICE_RESET,
            0,
            format!("{}: VFIO_DEVICE_RESET", self.bdf),
        )?;
        Ok(())
    }
}

impl Drop for VfioDevice {
    fn drop(&mut self) {
        if self.msix_enabled.get()
            && let Err(error) = self.disable_msix()
        {
            eprintln!("qemu-guest: {error}");
        }
    }
}

/// A `vfio_irq_set` for `index` starting at vector 0 with `fds` as its data, as 32-bit words
/// (header fields in declaration order, then one `__s32` per vector).
fn irq_set_words(flags: u32, index: u32, fds: &[i32]) -> Vec<u32> {
    let header_words = argsz::<vfio_irq_set>() as usize / 4;
    let count = u32::try_from(fds.len()).unwrap_or(u32::MAX);
    let total_bytes = argsz::<vfio_irq_set>().saturating_add(count.saturating_mul(4));
    let mut words = Vec::with_capacity(header_words + fds.len());
    words.extend_from_slice(&[total_bytes, flags, index, 0, count]);
    words.extend(fds.iter().map(|&fd| fd as u32));
    words
}

fn region_info_of(handle: &DeviceHandle, bdf: &str, index: u32) -> io::Result<RegionInfo> {
    let mut info = vfio_region_info {
        argsz: argsz::<vfio_region_info>(),
        index,
        ..vfio_region_info::default()
    };
    let what = format!("VFIO_DEVICE_GET_REGION_INFO {bdf} index {index}");
    // SAFETY: `info` is a `vfio_region_info` with `argsz` set.
    unsafe {
        ioctl_pointer(
            handle.file.as_fd(),
            VFIO_DEVICE_GET_REGION_INFO,
            &raw mut info,
            what,
        )
    }?;
    Ok(RegionInfo {
        index,
        flags: info.flags,
        size: info.size,
        offset: info.offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irq_set_for_eventfds_has_the_kernel_layout() {
        let words = irq_set_words(
            VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
            VFIO_PCI_MSIX_IRQ_INDEX,
            &[7, 9, -1],
        );
        // argsz = 20-byte header + 3 * 4-byte fds; start 0; count 3.
        assert_eq!(words, [32, 0x24, 2, 0, 3, 7, 9, u32::MAX]);
    }

    #[test]
    fn irq_set_for_disable_has_no_data() {
        let words = irq_set_words(
            VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
            VFIO_PCI_MSIX_IRQ_INDEX,
            &[],
        );
        assert_eq!(words, [20, 0x21, 2, 0, 0]);
    }
}
