//! The adapter's PCI identity and the partition it runs in.

use ndis_abi::*;

use crate::adapter::AdapterHandle;

/// `NDIS_SIZEOF_HYPERVISOR_INFO_REVISION_1`: through `PartitionType` (offset 8), 12 bytes.
const NDIS_SIZEOF_HYPERVISOR_INFO_REVISION_1: u16 = 12;
const _: () = assert!(core::mem::offset_of!(NDIS_HYPERVISOR_INFO, PartitionType) + 4 == 12);

/// Reads `(vendor id, device id)` from the adapter's PCI configuration space.
#[must_use]
pub fn read_pci_ids(adapter: AdapterHandle) -> Option<(u16, u16)> {
    let mut ids = [0u8; 4];
    (read_config(adapter, 0, &mut ids) == 4).then(|| {
        (
            u16::from_le_bytes([ids[0], ids[1]]),
            u16::from_le_bytes([ids[2], ids[3]]),
        )
    })
}

/// Reads `buf.len()` bytes of the adapter's PCI configuration space at `offset`
/// (`NdisMGetBusData`, <= DISPATCH). Returns the bytes read (0 when the device is gone).
pub fn read_config(adapter: AdapterHandle, offset: u32, buf: &mut [u8]) -> usize {
    let Ok(length) = u32::try_from(buf.len()) else {
        return 0;
    };
    // SAFETY: `buf` is writable for `length` bytes for the call; the handle is a live
    // adapter's.
    let read = unsafe {
        NdisMGetBusData(
            adapter.raw(),
            PCI_WHICHSPACE_CONFIG,
            offset,
            buf.as_mut_ptr().cast(),
            length,
        )
    };
    (read as usize).min(buf.len())
}

/// Writes `data` to the adapter's PCI configuration space at `offset` (`NdisMSetBusData`).
/// Returns the bytes written.
pub fn write_config(adapter: AdapterHandle, offset: u32, data: &[u8]) -> usize {
    let Ok(length) = u32::try_from(data.len()) else {
        return 0;
    };
    // SAFETY: NDIS only reads `length` bytes of `data` for the call (the declaration takes a
    // mutable pointer as the C prototype does).
    let written = unsafe {
        NdisMSetBusData(
            adapter.raw(),
            PCI_WHICHSPACE_CONFIG,
            offset,
            data.as_ptr().cast_mut().cast(),
            length,
        )
    };
    (written as usize).min(data.len())
}

/// The Hyper-V partition this driver runs in (`NdisGetHypervisorInfo`; the DDI page marks it
/// deprecated but it remains the documented check, requirements doc §1.2).
#[must_use]
pub fn partition_type() -> NDIS_HYPERVISOR_PARTITION_TYPE {
    let mut info = NDIS_HYPERVISOR_INFO::zeroed();
    info.Header = NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_DEFAULT,
        NDIS_HYPERVISOR_INFO_REVISION_1,
        NDIS_SIZEOF_HYPERVISOR_INFO_REVISION_1,
    );
    // SAFETY: `info` is a valid, initialized NDIS_HYPERVISOR_INFO for the call.
    let status = unsafe { NdisGetHypervisorInfo(&mut info) };
    if status == NDIS_STATUS_SUCCESS {
        info.PartitionType
    } else {
        NdisHypervisorPartitionTypeUnknown
    }
}

/// PCIe extended capability id of SR-IOV (PCIe base spec 7.9.3; 82576 datasheet 9.6.4).
pub const EXT_CAP_ID_SRIOV: u16 = 0x0010;
/// First extended capability header (PCIe base spec 7.6: extended config space starts at 0x100).
const EXT_CAP_START: u32 = 0x100;
/// End of PCIe configuration space.
const CONFIG_SPACE_END: u32 = 0x1000;
/// The most extended capabilities that fit (each at least one dword): the walk's bound, so a
/// config space whose next pointers form a loop cannot hang it.
const MAX_EXT_CAPS: u32 = (CONFIG_SPACE_END - EXT_CAP_START) / 4;
/// SR-IOV capability: InitialVFs and TotalVFs (PCIe SR-IOV 1.1 §3.3.6, §3.3.7).
const SRIOV_INITIAL_VFS: u32 = 0x0C;
const SRIOV_TOTAL_VFS: u32 = 0x0E;

/// Finds extended capability `id` through `read32` (a dword of config space, `None` when it
/// cannot be read): the header is ID 15:0, version 19:16, next 31:20 (PCIe base spec 7.6.3).
/// Stops at a zero or all-ones header (no extended space, or a removed device), a next pointer
/// outside 0x100..0x1000 and, for a looping list, after [`MAX_EXT_CAPS`] headers.
pub fn find_extended_capability(
    mut read32: impl FnMut(u32) -> Option<u32>,
    id: u16,
) -> Option<u32> {
    let mut offset = EXT_CAP_START;
    for _ in 0..MAX_EXT_CAPS {
        if !(EXT_CAP_START..CONFIG_SPACE_END).contains(&offset) {
            return None;
        }
        let header = read32(offset)?;
        if header == 0 || header == u32::MAX {
            return None;
        }
        if header & 0xFFFF == u32::from(id) {
            return Some(offset);
        }
        // Dword aligned: the two low bits of the pointer are reserved.
        offset = (header >> 20) & 0xFFC;
        if offset == 0 {
            return None;
        }
    }
    None
}

/// What the PF's SR-IOV capability says about VFs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SriovCapability {
    /// Offset of the capability header in config space.
    pub offset: u32,
    /// InitialVFs.
    pub initial_vfs: u16,
    /// TotalVFs: the most VFs `NdisMEnableVirtualization` can enable.
    pub total_vfs: u16,
}

/// Reads the SR-IOV capability through `read32` (see [`find_extended_capability`]); `None`
/// when the function has none (not SR-IOV capable, or hidden by the platform).
pub fn sriov_capability(mut read32: impl FnMut(u32) -> Option<u32>) -> Option<SriovCapability> {
    let offset = find_extended_capability(&mut read32, EXT_CAP_ID_SRIOV)?;
    // InitialVFs (0x0C) and TotalVFs (0x0E) share one dword.
    let vfs = read32(offset.checked_add(SRIOV_INITIAL_VFS)?)?;
    const _: () = assert!(SRIOV_TOTAL_VFS == SRIOV_INITIAL_VFS + 2);
    Some(SriovCapability {
        offset,
        initial_vfs: (vfs & 0xFFFF) as u16,
        total_vfs: (vfs >> 16) as u16,
    })
}

/// A dword of the adapter's config space (`NdisMGetBusData`), `None` if it cannot be read.
#[must_use]
pub fn read_config_u32(adapter: AdapterHandle, offset: u32) -> Option<u32> {
    let mut bytes = [0u8; 4];
    (read_config(adapter, offset, &mut bytes) == 4).then(|| u32::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config space of dwords from 0x100; offsets past its end read as `None`.
    fn space(dwords: &[(u32, u32)]) -> impl FnMut(u32) -> Option<u32> + '_ {
        move |offset| {
            dwords
                .iter()
                .find(|(at, _)| *at == offset)
                .map(|(_, value)| *value)
                .or(Some(0))
        }
    }

    #[test]
    fn finds_sriov_after_other_capabilities() {
        // AER at 0x100 -> ARI at 0x140 -> SR-IOV at 0x160 (the igb layout).
        let dwords = [
            (0x100, 0x0001 | (1 << 16) | (0x140 << 20)),
            (0x140, 0x000E | (1 << 16) | (0x160 << 20)),
            (0x160, 0x0010 | (1 << 16)),
            (0x16C, 8 | (8 << 16)),
        ];
        let cap = sriov_capability(space(&dwords)).expect("found");
        assert_eq!(
            cap,
            SriovCapability {
                offset: 0x160,
                initial_vfs: 8,
                total_vfs: 8
            }
        );
    }

    #[test]
    fn hostile_lists_end_without_a_capability() {
        // A loop 0x100 -> 0x140 -> 0x100.
        let looping = [
            (0x100, 0x0001 | (0x140 << 20)),
            (0x140, 0x000E | (0x100 << 20)),
        ];
        let mut reads = 0u32;
        let mut counting = {
            let mut inner = space(&looping);
            move |offset| {
                reads += 1;
                assert!(reads <= MAX_EXT_CAPS, "bounded");
                inner(offset)
            }
        };
        assert_eq!(
            find_extended_capability(&mut counting, EXT_CAP_ID_SRIOV),
            None
        );
        // A pointer into legacy space, all-ones (device gone), nothing there, unreadable.
        assert_eq!(
            sriov_capability(space(&[(0x100, 0x0001 | (0x40 << 20))])),
            None
        );
        assert_eq!(sriov_capability(|_| Some(u32::MAX)), None);
        assert_eq!(sriov_capability(|_| Some(0)), None);
        assert_eq!(sriov_capability(|_| None), None);
    }
}
