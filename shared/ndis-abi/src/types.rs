//! Basic Windows/NDIS scalar types and `NDIS_OBJECT_HEADER`.

use core::ffi::c_void;

/// `UCHAR`.
pub type UCHAR = u8;
/// `USHORT`.
pub type USHORT = u16;
/// `ULONG` (32 bits on Windows x64, LLP64).
pub type ULONG = u32;
/// `LONG`.
pub type LONG = i32;
/// `ULONG64` / `ULONGLONG`.
pub type ULONG64 = u64;
/// `ULONGLONG`.
pub type ULONGLONG = u64;
/// `LONGLONG` / `LARGE_INTEGER` as a scalar.
pub type LONGLONG = i64;
/// `ULONG_PTR` / `SIZE_T`.
pub type ULONG_PTR = usize;
/// `BOOLEAN` (one byte; `TRUE` = 1).
pub type BOOLEAN = u8;
/// `WCHAR` (UTF-16 code unit).
pub type WCHAR = u16;
/// `PVOID`.
pub type PVOID = *mut c_void;
/// `NDIS_HANDLE`: opaque to the miniport.
pub type NDIS_HANDLE = *mut c_void;
/// `NDIS_STATUS` (an `NTSTATUS`-compatible `int`).
pub type NDIS_STATUS = i32;
/// `NDIS_OID`.
pub type NDIS_OID = u32;
/// `NDIS_PORT_NUMBER`.
pub type NDIS_PORT_NUMBER = u32;
/// `NDIS_PHYSICAL_ADDRESS` (`PHYSICAL_ADDRESS`, a `LARGE_INTEGER`).
pub type NDIS_PHYSICAL_ADDRESS = i64;
/// `KAFFINITY`.
pub type KAFFINITY = usize;
/// `NET_IFINDEX`.
pub type NET_IFINDEX = u32;
/// `NET_IFTYPE` / `IFTYPE`.
pub type NET_IFTYPE = u16;
/// `NDIS_SRIOV_FUNCTION_ID` (VF id; `NDIS_PF_FUNCTION_ID` = 0xFFFF is the PF).
pub type NDIS_SRIOV_FUNCTION_ID = u16;
/// `NDIS_VF_RID` (PCI requestor id).
pub type NDIS_VF_RID = u32;
/// `NDIS_NIC_SWITCH_ID`.
pub type NDIS_NIC_SWITCH_ID = u32;
/// `NDIS_NIC_SWITCH_VPORT_ID`.
pub type NDIS_NIC_SWITCH_VPORT_ID = u32;
/// `NDIS_RECEIVE_QUEUE_ID`.
pub type NDIS_RECEIVE_QUEUE_ID = u32;
/// `NDIS_RECEIVE_FILTER_ID`.
pub type NDIS_RECEIVE_FILTER_ID = u32;
/// `NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE` and other C enums: `int`-sized.
pub type NDIS_ENUM = i32;
/// `NDIS_DEVICE_POWER_STATE` (`NdisDeviceStateD0` = 1 … `D3` = 4).
pub type NDIS_DEVICE_POWER_STATE = NDIS_ENUM;
/// `NDIS_MEDIUM`.
pub type NDIS_MEDIUM = NDIS_ENUM;
/// `NDIS_PHYSICAL_MEDIUM`.
pub type NDIS_PHYSICAL_MEDIUM = NDIS_ENUM;
/// `NDIS_REQUEST_TYPE`.
pub type NDIS_REQUEST_TYPE = NDIS_ENUM;
/// `NDIS_MEDIA_CONNECT_STATE`.
pub type NDIS_MEDIA_CONNECT_STATE = NDIS_ENUM;
/// `NDIS_MEDIA_DUPLEX_STATE`.
pub type NDIS_MEDIA_DUPLEX_STATE = NDIS_ENUM;
/// `NDIS_SUPPORTED_PAUSE_FUNCTIONS`.
pub type NDIS_SUPPORTED_PAUSE_FUNCTIONS = NDIS_ENUM;
/// `NDIS_HALT_ACTION`.
pub type NDIS_HALT_ACTION = NDIS_ENUM;
/// `NDIS_SHUTDOWN_ACTION`.
pub type NDIS_SHUTDOWN_ACTION = NDIS_ENUM;
/// `NDIS_DEVICE_PNP_EVENT`.
pub type NDIS_DEVICE_PNP_EVENT = NDIS_ENUM;
/// `NDIS_INTERFACE_TYPE` (`NdisInterfacePci` = 5).
pub type NDIS_INTERFACE_TYPE = NDIS_ENUM;
/// `NDIS_PARAMETER_TYPE`.
pub type NDIS_PARAMETER_TYPE = NDIS_ENUM;
/// `NDIS_NIC_SWITCH_TYPE`.
pub type NDIS_NIC_SWITCH_TYPE = NDIS_ENUM;
/// `NDIS_NIC_SWITCH_VPORT_STATE`.
pub type NDIS_NIC_SWITCH_VPORT_STATE = NDIS_ENUM;
/// `NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION`.
pub type NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION = NDIS_ENUM;
/// `NDIS_RECEIVE_FILTER_TYPE`.
pub type NDIS_RECEIVE_FILTER_TYPE = NDIS_ENUM;
/// `NDIS_FRAME_HEADER`.
pub type NDIS_FRAME_HEADER = NDIS_ENUM;
/// `NDIS_MAC_HEADER_FIELD`, `NDIS_ARP_HEADER_FIELD`, … (`int`-sized C enums).
pub type NDIS_RECEIVE_FILTER_TEST = NDIS_ENUM;
/// `NDIS_PROCESSOR_VENDOR`.
pub type NDIS_PROCESSOR_VENDOR = NDIS_ENUM;
/// `NDIS_HYPERVISOR_PARTITION_TYPE`.
pub type NDIS_HYPERVISOR_PARTITION_TYPE = NDIS_ENUM;
/// `NDIS_INTERRUPT_TYPE`.
pub type NDIS_INTERRUPT_TYPE = NDIS_ENUM;
/// `NDIS_MSIX_TABLE_OPERATION`.
pub type NDIS_MSIX_TABLE_OPERATION = NDIS_ENUM;
/// `KIRQL`.
pub type KIRQL = u8;
/// `NTSTATUS`.
pub type NTSTATUS = i32;
/// `NET_LUID` as a scalar (`ULONG64 Value`).
pub type NET_LUID = u64;

abi_structs! {
    /// `NDIS_OBJECT_HEADER`: `{UCHAR Type; UCHAR Revision; USHORT Size;}` at the head of every
    /// versioned NDIS structure. 2-byte aligned, which is why several SR-IOV structures have
    /// odd sizes (e.g. `NDIS_SRIOV_RESET_VF_PARAMETERS` is 6 bytes).
    pub struct NDIS_OBJECT_HEADER {
        pub Type: UCHAR,
        pub Revision: UCHAR,
        pub Size: USHORT,
    }

    /// `UNICODE_STRING` / `NDIS_STRING`: counted UTF-16, lengths in bytes.
    pub struct UNICODE_STRING {
        pub Length: USHORT,
        pub MaximumLength: USHORT,
        pub Buffer: *mut WCHAR,
    }

    /// `GROUP_AFFINITY`.
    pub struct GROUP_AFFINITY {
        pub Mask: KAFFINITY,
        pub Group: USHORT,
        pub Reserved: [USHORT; 3],
    }

    /// `PROCESSOR_NUMBER`.
    pub struct PROCESSOR_NUMBER {
        pub Group: USHORT,
        pub Number: UCHAR,
        pub Reserved: UCHAR,
    }

    /// `LUID`.
    pub struct LUID {
        pub LowPart: ULONG,
        pub HighPart: LONG,
    }
}

/// `NDIS_STRING`.
pub type NDIS_STRING = UNICODE_STRING;

const _: () = assert!(core::mem::size_of::<NDIS_OBJECT_HEADER>() == 4);
const _: () = assert!(core::mem::size_of::<UNICODE_STRING>() == 16);
const _: () = assert!(core::mem::size_of::<GROUP_AFFINITY>() == 16);

impl NDIS_OBJECT_HEADER {
    /// Builds a header.
    #[must_use]
    pub const fn new(Type: UCHAR, Revision: UCHAR, Size: USHORT) -> Self {
        Self { Type, Revision, Size }
    }
}
