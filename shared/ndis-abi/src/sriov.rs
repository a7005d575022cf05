//! SR-IOV (NDIS 6.30+): capabilities, the `OID_SRIOV_*` payloads the PF handles (VF config space
//! and config blocks, reset, power, vendor/device id, probed BARs, BAR resources, PF LUID, VF
//! serial number) and the VF's `OID_SRIOV_VF_INVALIDATE_CONFIG_BLOCK`, the function/requestor
//! ids, `NDIS_MAKE_RID`, and `NDIS_HYPERVISOR_INFO` (`NdisGetHypervisorInfo`, used to decide
//! PF-in-parent versus VF-in-child).
//!
//! Most of these structures start with a 2-byte-aligned `NDIS_OBJECT_HEADER` followed by
//! `USHORT`s, which is why some have odd sizes (`NDIS_SRIOV_RESET_VF_PARAMETERS` is 6 bytes).

use crate::types::*;

abi_structs! {
    /// `NDIS_SRIOV_CAPABILITIES` (hardware-assist attributes revision 3).
    pub struct NDIS_SRIOV_CAPABILITIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SriovCapabilities: ULONG,
    }

    /// `NDIS_SRIOV_READ_VF_CONFIG_SPACE_PARAMETERS` (`OID_SRIOV_READ_VF_CONFIG_SPACE`).
    pub struct NDIS_SRIOV_READ_VF_CONFIG_SPACE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub Offset: ULONG,
        pub Length: ULONG,
        pub BufferOffset: ULONG,
    }

    /// `NDIS_SRIOV_WRITE_VF_CONFIG_SPACE_PARAMETERS` (`OID_SRIOV_WRITE_VF_CONFIG_SPACE`).
    pub struct NDIS_SRIOV_WRITE_VF_CONFIG_SPACE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub Offset: ULONG,
        pub Length: ULONG,
        pub BufferOffset: ULONG,
    }

    /// `NDIS_SRIOV_READ_VF_CONFIG_BLOCK_PARAMETERS` (`OID_SRIOV_READ_VF_CONFIG_BLOCK`).
    pub struct NDIS_SRIOV_READ_VF_CONFIG_BLOCK_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub BlockId: ULONG,
        pub Length: ULONG,
        pub BufferOffset: ULONG,
    }

    /// `NDIS_SRIOV_WRITE_VF_CONFIG_BLOCK_PARAMETERS` (`OID_SRIOV_WRITE_VF_CONFIG_BLOCK`).
    pub struct NDIS_SRIOV_WRITE_VF_CONFIG_BLOCK_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub BlockId: ULONG,
        pub Length: ULONG,
        pub BufferOffset: ULONG,
    }

    /// `NDIS_SRIOV_RESET_VF_PARAMETERS` (`OID_SRIOV_RESET_VF`; sizeof 6).
    pub struct NDIS_SRIOV_RESET_VF_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
    }

    /// `NDIS_SRIOV_SET_VF_POWER_STATE_PARAMETERS` (`OID_SRIOV_SET_VF_POWER_STATE`).
    pub struct NDIS_SRIOV_SET_VF_POWER_STATE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub PowerState: NDIS_DEVICE_POWER_STATE,
        pub WakeEnable: BOOLEAN,
    }

    /// `NDIS_SRIOV_VF_VENDOR_DEVICE_ID_INFO` (`OID_SRIOV_VF_VENDOR_DEVICE_ID`; sizeof 10).
    pub struct NDIS_SRIOV_VF_VENDOR_DEVICE_ID_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub VendorId: USHORT,
        pub DeviceId: USHORT,
    }

    /// `NDIS_SRIOV_PROBED_BARS_INFO` (`OID_SRIOV_PROBED_BARS`): `ULONG[PCI_TYPE0_ADDRESSES]` at
    /// `BaseRegisterValuesOffset`.
    pub struct NDIS_SRIOV_PROBED_BARS_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub BaseRegisterValuesOffset: ULONG,
    }

    /// `NDIS_SRIOV_BAR_RESOURCES_INFO` (`OID_SRIOV_BAR_RESOURCES`): a
    /// `CM_PARTIAL_RESOURCE_DESCRIPTOR` at `BarResourcesOffset`.
    pub struct NDIS_SRIOV_BAR_RESOURCES_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub BarIndex: USHORT,
        pub BarResourcesOffset: ULONG,
    }

    /// `NDIS_SRIOV_PF_LUID_INFO` (`OID_SRIOV_PF_LUID`); `Luid` is at 4 (LUID is 4-aligned).
    pub struct NDIS_SRIOV_PF_LUID_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Luid: LUID,
    }

    /// `NDIS_SRIOV_VF_SERIAL_NUMBER_INFO` (`OID_SRIOV_VF_SERIAL_NUMBER`).
    pub struct NDIS_SRIOV_VF_SERIAL_NUMBER_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub SerialNumber: ULONG,
    }

    /// `NDIS_SRIOV_VF_INVALIDATE_CONFIG_BLOCK_INFO` (`OID_SRIOV_VF_INVALIDATE_CONFIG_BLOCK`, at
    /// the VF): one bit per invalidated block.
    pub struct NDIS_SRIOV_VF_INVALIDATE_CONFIG_BLOCK_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub BlockMask: ULONG64,
    }

    /// `NDIS_SRIOV_CONFIG_STATE_PARAMETERS` (`OID_SRIOV_CONFIG_STATE`).
    pub struct NDIS_SRIOV_CONFIG_STATE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub BlockId: ULONG,
        pub Length: ULONG,
    }

    /// `NDIS_SRIOV_VF_CONFIG_STATE` (an internal ndis.sys type in the PDB; kept for layout
    /// checks, the public OID payload is `NDIS_SRIOV_CONFIG_STATE_PARAMETERS`).
    pub struct NDIS_SRIOV_VF_CONFIG_STATE {
        pub Header: NDIS_OBJECT_HEADER,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub BlockId: ULONG,
        pub Length: ULONG,
    }

    /// `NDIS_SRIOV_OVERLYING_ADAPTER_INFO` (`OID_SRIOV_OVERLYING_ADAPTER_INFO`, NDIS 6.70).
    pub struct NDIS_SRIOV_OVERLYING_ADAPTER_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub IfIndex: ULONG,
        pub NdisReserved1: ULONG,
        pub NdisReserved2: ULONG,
    }

    /// `NDIS_HYPERVISOR_INFO` (`NdisGetHypervisorInfo`; ntddndis.h, not in the golden table).
    pub struct NDIS_HYPERVISOR_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub PartitionType: NDIS_HYPERVISOR_PARTITION_TYPE,
    }
}

/// `NDIS_MAKE_RID(Segment, Bus, Function)` (ndis.h): the PCI requestor id of a VF as
/// `(Segment << 16) | (Bus << 8) | Function`, from `NdisMGetVirtualFunctionLocation`.
#[must_use]
pub const fn NDIS_MAKE_RID(Segment: USHORT, Bus: UCHAR, Function: UCHAR) -> NDIS_VF_RID {
    ((Segment as NDIS_VF_RID) << 16) | ((Bus as NDIS_VF_RID) << 8) | Function as NDIS_VF_RID
}

const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_CAPABILITIES>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_READ_VF_CONFIG_SPACE_PARAMETERS>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_WRITE_VF_CONFIG_SPACE_PARAMETERS>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_READ_VF_CONFIG_BLOCK_PARAMETERS>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_WRITE_VF_CONFIG_BLOCK_PARAMETERS>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_RESET_VF_PARAMETERS>() == 6);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_SET_VF_POWER_STATE_PARAMETERS>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_VF_VENDOR_DEVICE_ID_INFO>() == 10);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_PROBED_BARS_INFO>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_BAR_RESOURCES_INFO>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_PF_LUID_INFO>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_VF_SERIAL_NUMBER_INFO>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_VF_INVALIDATE_CONFIG_BLOCK_INFO>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_CONFIG_STATE_PARAMETERS>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_VF_CONFIG_STATE>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_SRIOV_OVERLYING_ADAPTER_INFO>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_HYPERVISOR_INFO>() == 12);

abi_constants! {
    // Function / requestor ids (golden table).
    pub const NDIS_PF_FUNCTION_ID: NDIS_SRIOV_FUNCTION_ID = 0xFFFF;
    pub const NDIS_INVALID_VF_FUNCTION_ID: NDIS_SRIOV_FUNCTION_ID = 0xFFFF;
    pub const NDIS_INVALID_RID: NDIS_VF_RID = 0xFFFF_FFFF;
    // NDIS_SRIOV_CAPABILITIES.SriovCapabilities (golden table).
    pub const NDIS_SRIOV_CAPS_SRIOV_SUPPORTED: ULONG = 0x1;
    pub const NDIS_SRIOV_CAPS_PF_MINIPORT: ULONG = 0x2;
    pub const NDIS_SRIOV_CAPS_VF_MINIPORT: ULONG = 0x4;
    // NDIS_HYPERVISOR_PARTITION_TYPE (source: ntddndis.h; note the child value's name lacks
    // "Type", exactly as in the header).
    pub const NdisHypervisorPartitionTypeUnknown: NDIS_HYPERVISOR_PARTITION_TYPE = 0;
    pub const NdisHypervisorPartitionTypeMsHvParent: NDIS_HYPERVISOR_PARTITION_TYPE = 1;
    pub const NdisHypervisorPartitionMsHvChild: NDIS_HYPERVISOR_PARTITION_TYPE = 2;
    // NDIS_HYPERVISOR_INFO.Flags (source: ntddndis.h).
    pub const NDIS_HYPERVISOR_INFO_FLAG_HYPERVISOR_PRESENT: ULONG = 0x1;
}
