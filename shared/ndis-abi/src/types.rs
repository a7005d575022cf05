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
/// `NET_LUID` as a scalar (`ULONG64 Value`); see [`NET_LUID_LH`] for the bitfield view.
pub type NET_LUID = u64;
/// `NDIS_RECEIVE_QUEUE_GROUP_ID`.
pub type NDIS_RECEIVE_QUEUE_GROUP_ID = u32;
/// `NDIS_QOS_SQ_ID` (NDIS 6.50 QoS offload scheduler-queue id).
pub type NDIS_QOS_SQ_ID = u32;
/// `NDIS_SWITCH_PORT_ID`.
pub type NDIS_SWITCH_PORT_ID = u32;
/// `NDIS_SWITCH_NIC_INDEX`.
pub type NDIS_SWITCH_NIC_INDEX = u16;
/// `NDIS_NET_BUFFER_LIST_INFO`: an index into `NET_BUFFER_LIST.NetBufferListInfo` (a C enum).
pub type NDIS_NET_BUFFER_LIST_INFO = NDIS_ENUM;
/// `NDIS_PORT_TYPE`.
pub type NDIS_PORT_TYPE = NDIS_ENUM;
/// `NDIS_PORT_CONTROL_STATE`.
pub type NDIS_PORT_CONTROL_STATE = NDIS_ENUM;
/// `NDIS_PORT_AUTHORIZATION_STATE`.
pub type NDIS_PORT_AUTHORIZATION_STATE = NDIS_ENUM;
/// `NET_IF_DIRECTION_TYPE`.
pub type NET_IF_DIRECTION_TYPE = NDIS_ENUM;
/// `NET_IF_ACCESS_TYPE`.
pub type NET_IF_ACCESS_TYPE = NDIS_ENUM;
/// `NET_IF_CONNECTION_TYPE`.
pub type NET_IF_CONNECTION_TYPE = NDIS_ENUM;
/// `NET_IF_MEDIA_CONNECT_STATE` (same values as `NDIS_MEDIA_CONNECT_STATE`).
pub type NET_IF_MEDIA_CONNECT_STATE = NDIS_ENUM;
/// `NDIS_PM_WAKE_REASON_TYPE`.
pub type NDIS_PM_WAKE_REASON_TYPE = NDIS_ENUM;
/// `NDIS_INTERRUPT_MODERATION`.
pub type NDIS_INTERRUPT_MODERATION = NDIS_ENUM;
/// `NDIS_SHARED_MEMORY_USAGE`.
pub type NDIS_SHARED_MEMORY_USAGE = NDIS_ENUM;
/// `NDIS_RECEIVE_QUEUE_TYPE`.
pub type NDIS_RECEIVE_QUEUE_TYPE = NDIS_ENUM;
/// `NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE`.
pub type NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE = NDIS_ENUM;
/// `NDIS_RSS_PROFILE`.
pub type NDIS_RSS_PROFILE = NDIS_ENUM;
/// `NET_PNP_EVENT_CODE`.
pub type NET_PNP_EVENT_CODE = NDIS_ENUM;
/// `NDIS_MINIPORT_INTERRUPT_TYPE` (`NDIS_INTERRUPT_TYPE` in `NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS`).
pub type NDIS_MINIPORT_INTERRUPT_TYPE = NDIS_ENUM;
/// `INTERFACE_TYPE` (wdm.h bus type, e.g. `PCIBus` = 5).
pub type INTERFACE_TYPE = NDIS_ENUM;
/// `KINTERRUPT_MODE` (`LevelSensitive` = 0, `Latched` = 1).
pub type KINTERRUPT_MODE = NDIS_ENUM;
/// `KINTERRUPT_POLARITY`.
pub type KINTERRUPT_POLARITY = NDIS_ENUM;
/// `NDIS_PROCESSOR_TYPE`.
pub type NDIS_PROCESSOR_TYPE = NDIS_ENUM;
/// `NDIS_PM_PROTOCOL_OFFLOAD_TYPE`.
pub type NDIS_PM_PROTOCOL_OFFLOAD_TYPE = NDIS_ENUM;
/// `CCHAR`.
pub type CCHAR = i8;
/// `KPRIORITY`.
pub type KPRIORITY = LONG;
/// `PHYSICAL_ADDRESS` (a `LARGE_INTEGER`).
pub type PHYSICAL_ADDRESS = NDIS_PHYSICAL_ADDRESS;
/// `NDIS_EX_TIMER_HANDLE` / all `NDIS_*_HANDLE`s are opaque pointers.
pub type NDIS_EX_TIMER_HANDLE = NDIS_HANDLE;

/// Opaque kernel objects a miniport only passes through (pointer-sized, never dereferenced).
/// `PDRIVER_OBJECT`.
pub type PDRIVER_OBJECT = *mut c_void;
/// `PDEVICE_OBJECT`.
pub type PDEVICE_OBJECT = *mut c_void;
/// `PIRP`.
pub type PIRP = *mut c_void;
/// `PKDPC`.
pub type PKDPC = *mut c_void;
/// `PIO_RESOURCE_REQUIREMENTS_LIST` (only handed to `MINIPORT_FILTER_RESOURCE_REQUIREMENTS` via
/// the IRP).
pub type PIO_RESOURCE_REQUIREMENTS_LIST = *mut c_void;
/// `PNDIS_PORT_AUTHENTICATION_PARAMETERS` (only passed through in init parameters).
pub type PNDIS_PORT_AUTHENTICATION_PARAMETERS = *mut c_void;
/// `PNDIS_PCI_DEVICE_CUSTOM_PROPERTIES` (only passed through in init parameters).
pub type PNDIS_PCI_DEVICE_CUSTOM_PROPERTIES = *mut c_void;

/// `IF_MAX_STRING_SIZE` (ifdef.h): capacity, in WCHARs, of an `IF_COUNTED_STRING` less one.
pub const IF_MAX_STRING_SIZE: usize = 256;
/// `IF_MAX_PHYS_ADDRESS_LENGTH` (ifdef.h).
pub const IF_MAX_PHYS_ADDRESS_LENGTH: usize = 32;
/// `NDIS_MAX_PHYS_ADDRESS_LENGTH` (ntddndis.h: `= IF_MAX_PHYS_ADDRESS_LENGTH`): the length of
/// every MAC-address array in NDIS structures.
pub const NDIS_MAX_PHYS_ADDRESS_LENGTH: usize = IF_MAX_PHYS_ADDRESS_LENGTH;
/// `NDIS_IF_MAX_STRING_SIZE` (ntddndis.h).
pub const NDIS_IF_MAX_STRING_SIZE: usize = IF_MAX_STRING_SIZE;

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

    /// `NET_LUID_LH`: a union of `ULONG64 Value` and the bitfield `Info {Reserved:24,
    /// NetLuidIndex:24, IfType:16}`; see the accessors.
    pub struct NET_LUID_LH {
        pub Value: ULONG64,
    }

    /// `IF_COUNTED_STRING_LH` (`NDIS_IF_COUNTED_STRING`): `Length` in bytes, not terminated.
    pub struct IF_COUNTED_STRING_LH {
        pub Length: USHORT,
        pub String: [WCHAR; IF_MAX_STRING_SIZE + 1],
    }

    /// `GUID`.
    pub struct GUID {
        pub Data1: ULONG,
        pub Data2: USHORT,
        pub Data3: USHORT,
        pub Data4: [UCHAR; 8],
    }
}

/// `NDIS_IF_COUNTED_STRING` (ntddndis.h).
pub type NDIS_IF_COUNTED_STRING = IF_COUNTED_STRING_LH;
/// `IF_COUNTED_STRING`.
pub type IF_COUNTED_STRING = IF_COUNTED_STRING_LH;
/// `NDIS_NIC_SWITCH_FRIENDLYNAME`.
pub type NDIS_NIC_SWITCH_FRIENDLYNAME = NDIS_IF_COUNTED_STRING;
/// `NDIS_VPORT_NAME`.
pub type NDIS_VPORT_NAME = NDIS_IF_COUNTED_STRING;
/// `NDIS_VM_NAME`.
pub type NDIS_VM_NAME = NDIS_IF_COUNTED_STRING;
/// `NDIS_VM_FRIENDLYNAME`.
pub type NDIS_VM_FRIENDLYNAME = NDIS_IF_COUNTED_STRING;
/// `NDIS_SWITCH_NIC_NAME`.
pub type NDIS_SWITCH_NIC_NAME = NDIS_IF_COUNTED_STRING;
/// `NDIS_QUEUE_NAME`.
pub type NDIS_QUEUE_NAME = NDIS_IF_COUNTED_STRING;

impl NET_LUID_LH {
    /// `Info.NetLuidIndex` (bits 24..48).
    #[must_use]
    pub const fn NetLuidIndex(&self) -> u32 {
        ((self.Value >> 24) & 0x00FF_FFFF) as u32
    }

    /// `Info.IfType` (bits 48..64).
    #[must_use]
    pub const fn IfType(&self) -> u16 {
        (self.Value >> 48) as u16
    }
}

/// `NDIS_STRING`.
pub type NDIS_STRING = UNICODE_STRING;

const _: () = assert!(core::mem::size_of::<NDIS_OBJECT_HEADER>() == 4);
const _: () = assert!(core::mem::size_of::<UNICODE_STRING>() == 16);
const _: () = assert!(core::mem::size_of::<GROUP_AFFINITY>() == 16);
const _: () = assert!(core::mem::size_of::<PROCESSOR_NUMBER>() == 4);
const _: () = assert!(core::mem::size_of::<LUID>() == 8);
const _: () = assert!(core::mem::size_of::<NET_LUID_LH>() == 8);
const _: () = assert!(core::mem::size_of::<IF_COUNTED_STRING_LH>() == 516);
const _: () = assert!(core::mem::size_of::<GUID>() == 16);

impl NDIS_OBJECT_HEADER {
    /// Builds a header.
    #[must_use]
    pub const fn new(Type: UCHAR, Revision: UCHAR, Size: USHORT) -> Self {
        Self {
            Type,
            Revision,
            Size,
        }
    }
}
