//! The adapter's PCI identity and the partition it runs in.

use ndis_abi::*;

/// `NDIS_SIZEOF_HYPERVISOR_INFO_REVISION_1`: through `PartitionType` (offset 8), 12 bytes.
const NDIS_SIZEOF_HYPERVISOR_INFO_REVISION_1: u16 = 12;
const _: () = assert!(core::mem::offset_of!(NDIS_HYPERVISOR_INFO, PartitionType) + 4 == 12);

/// Reads `(vendor id, device id)` from the adapter's PCI configuration space.
///
/// # Safety
/// `adapter_handle` is the `MiniportAdapterHandle` of an initialized or initializing adapter.
pub unsafe fn read_pci_ids(adapter_handle: NDIS_HANDLE) -> Option<(u16, u16)> {
    let mut ids = [0u8; 4];
    // SAFETY: `ids` is 4 writable bytes for the call (caller's contract for the handle).
    let read = unsafe {
        NdisMGetBusData(
            adapter_handle,
            PCI_WHICHSPACE_CONFIG,
            0,
            ids.as_mut_ptr().cast(),
            4,
        )
    };
    (read == 4).then(|| {
        (
            u16::from_le_bytes([ids[0], ids[1]]),
            u16::from_le_bytes([ids[2], ids[3]]),
        )
    })
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
