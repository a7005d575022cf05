//! `NET_BUFFER_LIST`, `NET_BUFFER`, `MDL` and the NBL information slots.
//!
//! Only NDIS allocates NBLs, and `sizeof(NET_BUFFER_LIST)` depends on the build (the
//! `NetBufferListInfo` array length; see the golden table's notes), so code must rely on the
//! field offsets, which are identical in every build, never on `size_of::<NET_BUFFER_LIST>()`.

use crate::types::*;

/// `MaxNetBufferListInfo` as a driver built with the public WDK (NDIS ≥ 6.80, x64) sees it.
pub const MAX_NET_BUFFER_LIST_INFO: usize = 27;

abi_structs! {
    /// `SLIST_HEADER` (x64): 16 bytes, 16-byte aligned. Opaque to miniports.
    [align(16)]
    pub struct SLIST_HEADER {
        pub Alignment: ULONGLONG,
        pub Region: ULONGLONG,
    }

    /// `MDL` (wdm.h). A miniport reads `Next`, `ByteCount`, `ByteOffset`, `MappedSystemVa`
    /// (through `MmGetSystemAddressForMdlSafe`, here [`crate::MDL`] accessors in the safe layer).
    pub struct MDL {
        pub Next: *mut MDL,
        pub Size: i16,
        pub MdlFlags: i16,
        pub AllocationProcessorNumber: USHORT,
        pub Reserved: USHORT,
        pub Process: PVOID,
        pub MappedSystemVa: PVOID,
        pub StartVa: PVOID,
        pub ByteCount: ULONG,
        pub ByteOffset: ULONG,
    }

    /// The anonymous `{ULONG DataLength; SIZE_T stDataLength;}` union of `NET_BUFFER_DATA`.
    pub union NET_BUFFER_DATA_LENGTH {
        pub DataLength: ULONG,
        pub stDataLength: ULONG_PTR,
    }

    /// `NET_BUFFER_DATA`.
    pub struct NET_BUFFER_DATA {
        pub Next: *mut NET_BUFFER,
        pub CurrentMdl: *mut MDL,
        pub CurrentMdlOffset: ULONG,
        pub NbDataLength: NET_BUFFER_DATA_LENGTH,
        pub MdlChain: *mut MDL,
        pub DataOffset: ULONG,
    } extra {
        "DataLength" => NbDataLength.DataLength,
        "stDataLength" => NbDataLength.stDataLength,
    }

    /// `NET_BUFFER_HEADER`: `NET_BUFFER_DATA` overlaid with an `SLIST_HEADER`.
    pub union NET_BUFFER_HEADER {
        pub NetBufferData: NET_BUFFER_DATA,
        pub Link: SLIST_HEADER,
    }

    /// The `{SharedMemoryInfo; ScatterGatherList}` union at the end of `NET_BUFFER`.
    pub union NET_BUFFER_DMA_INFO {
        pub SharedMemoryInfo: PVOID,
        pub ScatterGatherList: PVOID,
    }

    /// `NET_BUFFER`.
    pub struct NET_BUFFER {
        pub NetBufferHeader: NET_BUFFER_HEADER,
        pub ChecksumBias: USHORT,
        pub Reserved: USHORT,
        pub NdisPoolHandle: NDIS_HANDLE,
        pub NdisReserved: [PVOID; 2],
        pub ProtocolReserved: [PVOID; 6],
        pub MiniportReserved: [PVOID; 4],
        pub DataPhysicalAddress: NDIS_PHYSICAL_ADDRESS,
        pub DmaInfo: NET_BUFFER_DMA_INFO,
    } extra {
        "Next" => NetBufferHeader.NetBufferData.Next,
        "CurrentMdl" => NetBufferHeader.NetBufferData.CurrentMdl,
        "CurrentMdlOffset" => NetBufferHeader.NetBufferData.CurrentMdlOffset,
        "DataLength" => NetBufferHeader.NetBufferData.NbDataLength.DataLength,
        "stDataLength" => NetBufferHeader.NetBufferData.NbDataLength.stDataLength,
        "MdlChain" => NetBufferHeader.NetBufferData.MdlChain,
        "DataOffset" => NetBufferHeader.NetBufferData.DataOffset,
        "Link" => NetBufferHeader.Link,
        "SharedMemoryInfo" => DmaInfo.SharedMemoryInfo,
        "ScatterGatherList" => DmaInfo.ScatterGatherList,
    }

    /// `NET_BUFFER_LIST_DATA`.
    pub struct NET_BUFFER_LIST_DATA {
        pub Next: *mut NET_BUFFER_LIST,
        pub FirstNetBuffer: *mut NET_BUFFER,
    }

    /// `NET_BUFFER_LIST_HEADER`: `NET_BUFFER_LIST_DATA` overlaid with an `SLIST_HEADER`.
    pub union NET_BUFFER_LIST_HEADER {
        pub NetBufferListData: NET_BUFFER_LIST_DATA,
        pub Link: SLIST_HEADER,
    }

    /// The `{NDIS_STATUS Status; ULONG NdisReserved2;}` union of `NET_BUFFER_LIST`.
    pub union NET_BUFFER_LIST_STATUS {
        pub Status: NDIS_STATUS,
        pub NdisReserved2: ULONG,
    }

    /// `NET_BUFFER_LIST`, as a driver built against the public WDK sees it
    /// (`NetBufferListInfo[MaxNetBufferListInfo = 27]`).
    pub struct NET_BUFFER_LIST {
        pub NetBufferListHeader: NET_BUFFER_LIST_HEADER,
        pub Context: PVOID,
        pub ParentNetBufferList: *mut NET_BUFFER_LIST,
        pub NdisPoolHandle: NDIS_HANDLE,
        /// Padding: `NdisReserved` is `DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT)` (16).
        pub AlignmentPadding: ULONG_PTR,
        pub NdisReserved: [PVOID; 2],
        pub ProtocolReserved: [PVOID; 4],
        pub MiniportReserved: [PVOID; 2],
        pub Scratch: PVOID,
        pub SourceHandle: NDIS_HANDLE,
        pub NblFlags: ULONG,
        pub ChildRefCount: LONG,
        pub Flags: ULONG,
        pub StatusUnion: NET_BUFFER_LIST_STATUS,
        pub NetBufferListInfo: [PVOID; MAX_NET_BUFFER_LIST_INFO],
    } extra {
        "Next" => NetBufferListHeader.NetBufferListData.Next,
        "FirstNetBuffer" => NetBufferListHeader.NetBufferListData.FirstNetBuffer,
        "Link" => NetBufferListHeader.Link,
        "Status" => StatusUnion.Status,
        "NdisReserved2" => StatusUnion.NdisReserved2,
    }
}

const _: () = assert!(core::mem::size_of::<MDL>() == 48);
const _: () = assert!(core::mem::size_of::<NET_BUFFER>() == 176);
const _: () = assert!(core::mem::offset_of!(NET_BUFFER_LIST, NetBufferListInfo) == 0x90);
// Public-WDK build: 0x90 + 27 * 8 = 0x168, rounded up to the 16-byte alignment.
const _: () = assert!(core::mem::size_of::<NET_BUFFER_LIST>() == 0x170);
