//! DMA and memory: scatter/gather DMA registration (`NDIS_SG_DMA_DESCRIPTION`), the wdm.h
//! `SCATTER_GATHER_LIST`, shared memory (`NDIS_SHARED_MEMORY_PARAMETERS`, VPort-aware in NDIS
//! 6.30), NBL/NB pool parameters, `NET_BUFFER_SHARED_MEMORY` and `NET_BUFFER_LIST_CONTEXT`.

use crate::interrupt::{
    MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE_HANDLER, MINIPORT_PROCESS_SG_LIST_HANDLER,
};
use crate::nbl::MDL;
use crate::types::*;

/// `NODE_REQUIREMENT` (wdm.h; `MM_ANY_NODE_OK` = 0x80000000).
pub type NODE_REQUIREMENT = ULONG;

/// `NDIS_PROCESS_SG_LIST` (callback of `NdisBuildScatterGatherList`, same shape as
/// `MINIPORT_PROCESS_SG_LIST`).
pub type NDIS_PROCESS_SG_LIST = MINIPORT_PROCESS_SG_LIST_HANDLER;
/// `NDIS_PROCESS_SG_LIST_HANDLER`.
pub type NDIS_PROCESS_SG_LIST_HANDLER = NDIS_PROCESS_SG_LIST;
/// `ALLOCATE_SHARED_MEMORY_HANDLER` (shared-memory provider, ndis.h).
pub type ALLOCATE_SHARED_MEMORY_HANDLER = Option<
    unsafe extern "system" fn(
        ProviderContext: NDIS_HANDLE,
        SharedMemoryParameters: *mut NDIS_SHARED_MEMORY_PARAMETERS,
        pSharedMemoryProviderContext: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS,
>;
/// `FREE_SHARED_MEMORY_HANDLER` (shared-memory provider, ndis.h).
pub type FREE_SHARED_MEMORY_HANDLER = Option<
    unsafe extern "system" fn(
        ProviderContext: NDIS_HANDLE,
        SharedMemoryProviderContext: NDIS_HANDLE,
    ),
>;

abi_structs! {
    /// `SCATTER_GATHER_ELEMENT` (wdm.h).
    pub struct SCATTER_GATHER_ELEMENT {
        pub Address: PHYSICAL_ADDRESS,
        pub Length: ULONG,
        pub Reserved: ULONG_PTR,
    }

    /// `SCATTER_GATHER_LIST` (wdm.h; NDIS has no `NDIS_SCATTER_GATHER_LIST` type).
    /// `Elements[NumberOfElements]` is a flexible array member at offset 16.
    pub struct SCATTER_GATHER_LIST {
        pub NumberOfElements: ULONG,
        pub Reserved: ULONG_PTR,
        pub Elements: [SCATTER_GATHER_ELEMENT; 0],
    }

    /// `NDIS_SG_DMA_DESCRIPTION` (argument of `NdisMRegisterScatterGatherDma`). This is the
    /// revision-1 layout of the golden table (sizeof 40); WDK 10.0.22621 appends
    /// `PDEVICE_OBJECT PdoOverride` for revision 2 (NDIS 6.85), which an NDIS 6.30 driver does
    /// not use. Set `Header.Size` to `NDIS_SIZEOF_SG_DMA_DESCRIPTION_REVISION_1`.
    pub struct NDIS_SG_DMA_DESCRIPTION {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub MaximumPhysicalMapping: ULONG,
        pub ProcessSGListHandler: MINIPORT_PROCESS_SG_LIST_HANDLER,
        pub SharedMemAllocateCompleteHandler: MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE_HANDLER,
        pub ScatterGatherListSize: ULONG,
    }

    /// `NDIS_SCATTER_GATHER_LIST_PARAMETERS` (argument of `NdisBuildScatterGatherList`).
    pub struct NDIS_SCATTER_GATHER_LIST_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub SharedMemoryUsage: NDIS_SHARED_MEMORY_USAGE,
        pub Mdl: *mut MDL,
        pub CurrentVa: PVOID,
        pub Length: ULONG,
        pub ProcessSGListHandler: NDIS_PROCESS_SG_LIST_HANDLER,
        pub Context: PVOID,
        pub ScatterGatherListBuffer: *mut SCATTER_GATHER_LIST,
        pub ScatterGatherListBufferSize: ULONG,
        pub ScatterGatherListBufferSizeNeeded: ULONG,
    }

    /// `NDIS_SHARED_MEMORY_PARAMETERS` (`NdisAllocateSharedMemory`); `VPortId` is the NDIS 6.30
    /// revision-2 member a PF uses for memory of a non-default PF VPort.
    pub struct NDIS_SHARED_MEMORY_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub SharedMemoryHandle: NDIS_HANDLE,
        pub PreferredNode: NODE_REQUIREMENT,
        pub Usage: NDIS_SHARED_MEMORY_USAGE,
        pub Length: ULONG,
        pub VirtualAddress: PVOID,
        pub SGListBufferLength: ULONG,
        pub SGListBuffer: *mut SCATTER_GATHER_LIST,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
    }

    /// `NDIS_SHARED_MEMORY_PROVIDER_CHARACTERISTICS`.
    pub struct NDIS_SHARED_MEMORY_PROVIDER_CHARACTERISTICS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub ProviderContext: NDIS_HANDLE,
        pub AllocateSharedMemoryHandler: ALLOCATE_SHARED_MEMORY_HANDLER,
        pub FreeSharedMemoryHandler: FREE_SHARED_MEMORY_HANDLER,
    }

    /// `NDIS_PHYSICAL_ADDRESS_UNIT` (`NdisMStartBufferPhysicalMapping`-era physical ranges).
    pub struct NDIS_PHYSICAL_ADDRESS_UNIT {
        pub PhysicalAddress: NDIS_PHYSICAL_ADDRESS,
        pub Length: ULONG,
    }

    /// `NET_BUFFER_SHARED_MEMORY` (`NET_BUFFER.SharedMemoryInfo` chain).
    pub struct NET_BUFFER_SHARED_MEMORY {
        pub NextSharedMemorySegment: *mut NET_BUFFER_SHARED_MEMORY,
        pub SharedMemoryFlags: ULONG,
        pub SharedMemoryHandle: NDIS_HANDLE,
        pub SharedMemoryOffset: ULONG,
        pub SharedMemoryLength: ULONG,
    }

    /// `NET_BUFFER_LIST_CONTEXT`: `ContextData[]` is a 16-byte-aligned flexible array at 16.
    pub struct NET_BUFFER_LIST_CONTEXT {
        pub Next: *mut NET_BUFFER_LIST_CONTEXT,
        pub Size: USHORT,
        pub Offset: USHORT,
        pub ContextData: NET_BUFFER_LIST_CONTEXT_DATA,
    }

    /// The `DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) UCHAR ContextData[]` tail.
    [align(16)]
    pub struct NET_BUFFER_LIST_CONTEXT_DATA {
        pub Data: [UCHAR; 0],
    }

    /// `NET_BUFFER_LIST_POOL_PARAMETERS` (`NdisAllocateNetBufferListPool`), revision-1 layout
    /// (the golden table's 16 bytes; WDK 10.0.22621 appends `ULONG Flags` for revision 2).
    pub struct NET_BUFFER_LIST_POOL_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub ProtocolId: UCHAR,
        pub fAllocateNetBuffer: BOOLEAN,
        pub ContextSize: USHORT,
        pub PoolTag: ULONG,
        pub DataSize: ULONG,
    }

    /// `NET_BUFFER_POOL_PARAMETERS` (`NdisAllocateNetBufferPool`), revision-1 layout (12 bytes;
    /// revision 2 appends `ULONG Flags`).
    pub struct NET_BUFFER_POOL_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub PoolTag: ULONG,
        pub DataSize: ULONG,
    }
}

const _: () = assert!(core::mem::size_of::<SCATTER_GATHER_ELEMENT>() == 24);
const _: () = assert!(core::mem::size_of::<SCATTER_GATHER_LIST>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_SG_DMA_DESCRIPTION>() == 40);
const _: () = assert!(core::mem::size_of::<NDIS_SCATTER_GATHER_LIST_PARAMETERS>() == 72);
const _: () = assert!(core::mem::size_of::<NDIS_SHARED_MEMORY_PARAMETERS>() == 72);
const _: () = assert!(core::mem::size_of::<NDIS_SHARED_MEMORY_PROVIDER_CHARACTERISTICS>() == 32);
const _: () = assert!(core::mem::size_of::<NDIS_PHYSICAL_ADDRESS_UNIT>() == 16);
const _: () = assert!(core::mem::size_of::<NET_BUFFER_SHARED_MEMORY>() == 32);
const _: () = assert!(core::mem::size_of::<NET_BUFFER_LIST_CONTEXT>() == 16);
const _: () = assert!(core::mem::size_of::<NET_BUFFER_LIST_POOL_PARAMETERS>() == 16);
const _: () = assert!(core::mem::size_of::<NET_BUFFER_POOL_PARAMETERS>() == 12);

abi_constants! {
    // NDIS_SG_DMA_DESCRIPTION.Flags (golden table).
    pub const NDIS_SG_DMA_64_BIT_ADDRESS: ULONG = 0x1;
    pub const NDIS_SG_DMA_V3_HAL_API: ULONG = 0x2;
    pub const NDIS_SG_DMA_HYBRID_DMA: ULONG = 0x4;
    // NDIS_SCATTER_GATHER_LIST_PARAMETERS.Flags (source: ndis.h WDK 10.0.22621).
    pub const NDIS_SG_LIST_WRITE_TO_DEVICE: ULONG = 0x1;
    // NDIS_SHARED_MEMORY_PARAMETERS.Flags (source: ndis.h; CONTIGOUS is the header's spelling).
    pub const NDIS_SHARED_MEM_PARAMETERS_CONTIGOUS: ULONG = 0x1;
    pub const NDIS_SHARED_MEM_PARAMETERS_CONTIGUOUS: ULONG = 0x1;
    pub const NDIS_SHARED_MEMORY_PROVIDER_CHAR_SUPPORTS_PF_VPORTS: ULONG = 0x1;
    // NDIS_SHARED_MEMORY_USAGE (source: ndis.h).
    pub const NdisSharedMemoryUsageUndefined: NDIS_SHARED_MEMORY_USAGE = 0;
    pub const NdisSharedMemoryUsageXmit: NDIS_SHARED_MEMORY_USAGE = 1;
    pub const NdisSharedMemoryUsageXmitHeader: NDIS_SHARED_MEMORY_USAGE = 2;
    pub const NdisSharedMemoryUsageXmitData: NDIS_SHARED_MEMORY_USAGE = 3;
    pub const NdisSharedMemoryUsageReceive: NDIS_SHARED_MEMORY_USAGE = 4;
    pub const NdisSharedMemoryUsageReceiveLookahead: NDIS_SHARED_MEMORY_USAGE = 5;
    pub const NdisSharedMemoryUsageReceivePostLookahead: NDIS_SHARED_MEMORY_USAGE = 6;
    pub const NdisSharedMemoryUsageReceiveHeader: NDIS_SHARED_MEMORY_USAGE = 7;
    pub const NdisSharedMemoryUsageReceiveData: NDIS_SHARED_MEMORY_USAGE = 8;
    pub const NdisSharedMemoryUsageOther: NDIS_SHARED_MEMORY_USAGE = 9;
    // NdisAllocateMemoryWithTagPriority / legacy memory flags (source: ndis.h).
    pub const NDIS_MEMORY_CONTIGUOUS: ULONG = 0x1;
    pub const NDIS_MEMORY_NONCACHED: ULONG = 0x2;
    // NET_BUFFER_LIST_POOL_PARAMETERS.ProtocolId (source: ndis.h).
    pub const NDIS_PROTOCOL_ID_DEFAULT: UCHAR = 0x00;
    pub const NDIS_PROTOCOL_ID_TCP_IP: UCHAR = 0x02;
    pub const NDIS_PROTOCOL_ID_IP6: UCHAR = 0x03;
    pub const NDIS_PROTOCOL_ID_IPX: UCHAR = 0x06;
    pub const NDIS_PROTOCOL_ID_NBF: UCHAR = 0x07;
    pub const NDIS_PROTOCOL_ID_MAX: UCHAR = 0x0F;
    pub const NDIS_PROTOCOL_ID_MASK: UCHAR = 0x0F;
    // NET_BUFFER_LIST.NblFlags (source: nbl.h WDK 10.0.22621).
    pub const NDIS_NBL_FLAGS_SEND_READ_ONLY: ULONG = 0x1;
    pub const NDIS_NBL_FLAGS_RECV_READ_ONLY: ULONG = 0x2;
    pub const NDIS_NBL_FLAGS_HD_SPLIT: ULONG = 0x100;
    pub const NDIS_NBL_FLAGS_IS_IPV4: ULONG = 0x200;
    pub const NDIS_NBL_FLAGS_IS_IPV6: ULONG = 0x400;
    pub const NDIS_NBL_FLAGS_IS_TCP: ULONG = 0x800;
    pub const NDIS_NBL_FLAGS_IS_UDP: ULONG = 0x1000;
    pub const NDIS_NBL_FLAGS_SPLIT_AT_UPPER_LAYER_PROTOCOL_HEADER: ULONG = 0x2000;
    pub const NDIS_NBL_FLAGS_SPLIT_AT_UPPER_LAYER_PROTOCOL_PAYLOAD: ULONG = 0x4000;
    pub const NDIS_NBL_FLAGS_IS_LOOPBACK_PACKET: ULONG = 0x8000;
    pub const NDIS_NBL_FLAGS_CAPTURE_TIMESTAMP_ON_TRANSMIT: ULONG = 0x10000;
    // NET_BUFFER_LIST.Flags ranges (source: nbl.h).
    pub const NBL_FLAGS_PROTOCOL_RESERVED: ULONG = 0xFFF0_0003;
    pub const NBL_FLAGS_NDIS_RESERVED: ULONG = 0x0000_0FFC;
    pub const NBL_FLAGS_MINIPORT_RESERVED: ULONG = 0x0000_F000;
    pub const NBL_FLAGS_SCRATCH: ULONG = 0x000F_0000;
}
