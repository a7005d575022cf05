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
