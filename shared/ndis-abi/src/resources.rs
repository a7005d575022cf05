//! The hardware resources NDIS hands `MiniportInitializeEx` (`AllocatedResources`) and the PF
//! fills in for `OID_SRIOV_BAR_RESOURCES`: wdm.h `CM_*_RESOURCE_*` (x64 layouts).
//!
//! `CM_PARTIAL_RESOURCE_DESCRIPTOR` is declared under `#include "pshpack4.h"` in wdm.h, so its
//! 64-bit members are only 4-byte aligned and the descriptor is 20 bytes (`repr(packed(4))`
//! here). The layouts below follow wdm.h of WDK 10.0.22621 with `NT_PROCESSOR_GROUPS` defined (as
//! it is for every kernel-mode build), and are pinned by compile-time assertions; the golden table
//! does not list them.

use crate::types::*;

/// `PCI_TYPE0_ADDRESSES` (wdm.h): the number of BARs of a type-0 (endpoint) header, and the
/// length of the `ULONG` array of `OID_SRIOV_PROBED_BARS` / `NdisMQueryProbedBars`.
pub const PCI_TYPE0_ADDRESSES: usize = 6;

abi_structs! {
    /// `u.Generic` / `u.Port` / `u.Memory` of `CM_PARTIAL_RESOURCE_DESCRIPTOR`.
    [packed(4)]
    pub struct CM_PARTIAL_RESOURCE_GENERIC {
        pub Start: PHYSICAL_ADDRESS,
        pub Length: ULONG,
    }

    /// `u.Interrupt` (line-based or translated message) of `CM_PARTIAL_RESOURCE_DESCRIPTOR`.
    [packed(4)]
    pub struct CM_PARTIAL_RESOURCE_INTERRUPT {
        pub Level: USHORT,
        pub Group: USHORT,
        pub Vector: ULONG,
        pub Affinity: KAFFINITY,
    }

    /// `u.MessageInterrupt.Raw` of `CM_PARTIAL_RESOURCE_DESCRIPTOR`.
    [packed(4)]
    pub struct CM_PARTIAL_RESOURCE_MESSAGE_INTERRUPT_RAW {
        pub Group: USHORT,
        pub MessageCount: USHORT,
        pub Vector: ULONG,
        pub Affinity: KAFFINITY,
    }

    /// `u.MessageInterrupt` of `CM_PARTIAL_RESOURCE_DESCRIPTOR` (`Raw` in the raw list,
    /// `Translated` in the translated list NDIS gives a miniport).
    [packed(4)]
    pub union CM_PARTIAL_RESOURCE_MESSAGE_INTERRUPT {
        pub Raw: CM_PARTIAL_RESOURCE_MESSAGE_INTERRUPT_RAW,
        pub Translated: CM_PARTIAL_RESOURCE_INTERRUPT,
    }

    /// `u.Dma` / `u.DevicePrivate` / `u.BusNumber` / `u.DeviceSpecificData`: three `ULONG`s.
    pub struct CM_PARTIAL_RESOURCE_DATA {
        pub Data: [ULONG; 3],
    }

    /// `u.Memory40` / `u.Memory48` / `u.Memory64` (large-memory BARs; the length is scaled, see
    /// `CM_RESOURCE_MEMORY_LARGE_*`).
    [packed(4)]
    pub struct CM_PARTIAL_RESOURCE_MEMORY_LARGE {
        pub Start: PHYSICAL_ADDRESS,
        pub LengthShifted: ULONG,
    }

    /// The anonymous union `u` of `CM_PARTIAL_RESOURCE_DESCRIPTOR`.
    [packed(4)]
    pub union CM_PARTIAL_RESOURCE_DESCRIPTOR_U {
        pub Generic: CM_PARTIAL_RESOURCE_GENERIC,
        pub Port: CM_PARTIAL_RESOURCE_GENERIC,
        pub Interrupt: CM_PARTIAL_RESOURCE_INTERRUPT,
        pub MessageInterrupt: CM_PARTIAL_RESOURCE_MESSAGE_INTERRUPT,
        pub Memory: CM_PARTIAL_RESOURCE_GENERIC,
        pub Dma: CM_PARTIAL_RESOURCE_DATA,
        pub DevicePrivate: CM_PARTIAL_RESOURCE_DATA,
        pub BusNumber: CM_PARTIAL_RESOURCE_DATA,
        pub DeviceSpecificData: CM_PARTIAL_RESOURCE_DATA,
        pub Memory40: CM_PARTIAL_RESOURCE_MEMORY_LARGE,
        pub Memory48: CM_PARTIAL_RESOURCE_MEMORY_LARGE,
        pub Memory64: CM_PARTIAL_RESOURCE_MEMORY_LARGE,
    }

    /// `CM_PARTIAL_RESOURCE_DESCRIPTOR` (20 bytes, `#pragma pack(4)`).
    [packed(4)]
    pub struct CM_PARTIAL_RESOURCE_DESCRIPTOR {
        pub Type: UCHAR,
        pub ShareDisposition: UCHAR,
        pub Flags: USHORT,
        pub u: CM_PARTIAL_RESOURCE_DESCRIPTOR_U,
    } extra {
        "u.Memory.Start" => u.Memory.Start,
        "u.Memory.Length" => u.Memory.Length,
        "u.Interrupt.Vector" => u.Interrupt.Vector,
        "u.Interrupt.Affinity" => u.Interrupt.Affinity,
    }

    /// `CM_PARTIAL_RESOURCE_LIST` (`NDIS_RESOURCE_LIST`): `Count` descriptors follow in place of
    /// the one-element array.
    pub struct CM_PARTIAL_RESOURCE_LIST {
        pub Version: USHORT,
        pub Revision: USHORT,
        pub Count: ULONG,
        pub PartialDescriptors: [CM_PARTIAL_RESOURCE_DESCRIPTOR; 1],
    }

    /// `CM_FULL_RESOURCE_DESCRIPTOR`.
    pub struct CM_FULL_RESOURCE_DESCRIPTOR {
        pub InterfaceType: INTERFACE_TYPE,
        pub BusNumber: ULONG,
        pub PartialResourceList: CM_PARTIAL_RESOURCE_LIST,
    }

    /// `CM_RESOURCE_LIST`.
    pub struct CM_RESOURCE_LIST {
        pub Count: ULONG,
        pub List: [CM_FULL_RESOURCE_DESCRIPTOR; 1],
    }
}

const _: () = assert!(core::mem::size_of::<CM_PARTIAL_RESOURCE_DESCRIPTOR>() == 20);
const _: () = assert!(core::mem::align_of::<CM_PARTIAL_RESOURCE_DESCRIPTOR>() == 4);
const _: () = assert!(core::mem::offset_of!(CM_PARTIAL_RESOURCE_DESCRIPTOR, u) == 4);
const _: () = assert!(core::mem::size_of::<CM_PARTIAL_RESOURCE_LIST>() == 28);
const _: () = assert!(core::mem::offset_of!(CM_PARTIAL_RESOURCE_LIST, PartialDescriptors) == 8);
const _: () = assert!(core::mem::size_of::<CM_FULL_RESOURCE_DESCRIPTOR>() == 36);
const _: () = assert!(core::mem::size_of::<CM_RESOURCE_LIST>() == 40);

abi_constants! {
    // CM_PARTIAL_RESOURCE_DESCRIPTOR.Type (source: wdm.h WDK 10.0.22621).
    pub const CmResourceTypeNull: UCHAR = 0;
    pub const CmResourceTypePort: UCHAR = 1;
    pub const CmResourceTypeInterrupt: UCHAR = 2;
    pub const CmResourceTypeMemory: UCHAR = 3;
    pub const CmResourceTypeDma: UCHAR = 4;
    pub const CmResourceTypeDeviceSpecific: UCHAR = 5;
    pub const CmResourceTypeBusNumber: UCHAR = 6;
    pub const CmResourceTypeMemoryLarge: UCHAR = 7;
    pub const CmResourceTypeNonArbitrated: UCHAR = 128;
    pub const CmResourceTypeConfigData: UCHAR = 128;
    pub const CmResourceTypeDevicePrivate: UCHAR = 129;
    pub const CmResourceTypePcCardConfig: UCHAR = 130;
    pub const CmResourceTypeMfCardConfig: UCHAR = 131;
    pub const CmResourceTypeConnection: UCHAR = 132;
    // CM_SHARE_DISPOSITION (source: wdm.h).
    pub const CmResourceShareUndetermined: UCHAR = 0;
    pub const CmResourceShareDeviceExclusive: UCHAR = 1;
    pub const CmResourceShareDriverExclusive: UCHAR = 2;
    pub const CmResourceShareShared: UCHAR = 3;
    // Flags of an interrupt descriptor (source: wdm.h).
    pub const CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE: USHORT = 0x00;
    pub const CM_RESOURCE_INTERRUPT_LATCHED: USHORT = 0x01;
    pub const CM_RESOURCE_INTERRUPT_MESSAGE: USHORT = 0x02;
    pub const CM_RESOURCE_INTERRUPT_POLICY_INCLUDED: USHORT = 0x04;
    pub const CM_RESOURCE_INTERRUPT_SECONDARY_INTERRUPT: USHORT = 0x10;
    pub const CM_RESOURCE_INTERRUPT_WAKE_HINT: USHORT = 0x20;
    // Flags of a memory descriptor (source: wdm.h).
    pub const CM_RESOURCE_MEMORY_READ_WRITE: USHORT = 0x0000;
    pub const CM_RESOURCE_MEMORY_READ_ONLY: USHORT = 0x0001;
    pub const CM_RESOURCE_MEMORY_WRITE_ONLY: USHORT = 0x0002;
    pub const CM_RESOURCE_MEMORY_WRITEABILITY_MASK: USHORT = 0x0003;
    pub const CM_RESOURCE_MEMORY_PREFETCHABLE: USHORT = 0x0004;
    pub const CM_RESOURCE_MEMORY_COMBINEDWRITE: USHORT = 0x0008;
    pub const CM_RESOURCE_MEMORY_24: USHORT = 0x0010;
    pub const CM_RESOURCE_MEMORY_CACHEABLE: USHORT = 0x0020;
    pub const CM_RESOURCE_MEMORY_WINDOW_DECODE: USHORT = 0x0040;
    pub const CM_RESOURCE_MEMORY_BAR: USHORT = 0x0080;
    pub const CM_RESOURCE_MEMORY_LARGE: USHORT = 0x0E00;
    pub const CM_RESOURCE_MEMORY_LARGE_40: USHORT = 0x0200;
    pub const CM_RESOURCE_MEMORY_LARGE_48: USHORT = 0x0400;
    pub const CM_RESOURCE_MEMORY_LARGE_64: USHORT = 0x0800;
    // Flags of a port descriptor (source: wdm.h).
    pub const CM_RESOURCE_PORT_MEMORY: USHORT = 0x0000;
    pub const CM_RESOURCE_PORT_IO: USHORT = 0x0001;
    // INTERFACE_TYPE (source: wdm.h).
    pub const Internal: INTERFACE_TYPE = 0;
    pub const PCIBus: INTERFACE_TYPE = 5;
}
