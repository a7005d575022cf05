//! Receive-side scaling: capabilities (`NDIS_RECEIVE_SCALE_CAPABILITIES`, advertised through the
//! general attributes), `OID_GEN_RECEIVE_SCALE_PARAMETERS` (+ the VMMQ `_V2` form and the hash
//! parameters of `OID_GEN_RECEIVE_HASH`), processor information
//! (`NdisGetRssProcessorInformation`) and `OID_GEN_RSS_SET_INDIRECTION_TABLE_ENTRIES`.

use crate::types::*;

/// `NDIS_RSS_CAPS_FLAGS` (`ULONG`).
pub type NDIS_RSS_CAPS_FLAGS = ULONG;
/// `NDIS_HASH_FLAGS` (`ULONG`).
pub type NDIS_HASH_FLAGS = ULONG;

abi_structs! {
    /// `NDIS_RECEIVE_SCALE_CAPABILITIES` (sizeof 0x14; revision 2/3 `Header.Size` 0x12).
    pub struct NDIS_RECEIVE_SCALE_CAPABILITIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub CapabilitiesFlags: NDIS_RSS_CAPS_FLAGS,
        pub NumberOfInterruptMessages: ULONG,
        pub NumberOfReceiveQueues: ULONG,
        pub NumberOfIndirectionTableEntries: USHORT,
    }

    /// `NDIS_RECEIVE_SCALE_PARAMETERS` (`OID_GEN_RECEIVE_SCALE_PARAMETERS`); the indirection
    /// table (`PROCESSOR_NUMBER`s) and the key follow at the given offsets.
    pub struct NDIS_RECEIVE_SCALE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: USHORT,
        pub BaseCpuNumber: USHORT,
        pub HashInformation: ULONG,
        pub IndirectionTableSize: USHORT,
        pub IndirectionTableOffset: ULONG,
        pub HashSecretKeySize: USHORT,
        pub HashSecretKeyOffset: ULONG,
        pub ProcessorMasksOffset: ULONG,
        pub NumberOfProcessorMasks: ULONG,
        pub ProcessorMasksEntrySize: ULONG,
        pub DefaultProcessorNumber: PROCESSOR_NUMBER,
    }

    /// `NDIS_RECEIVE_SCALE_PARAMETERS_V2` (`OID_GEN_RECEIVE_SCALE_PARAMETERS_V2`, VMMQ).
    pub struct NDIS_RECEIVE_SCALE_PARAMETERS_V2 {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub HashInformation: ULONG,
        pub HashSecretKeySize: ULONG,
        pub HashSecretKeyOffset: ULONG,
        pub NumberOfQueues: ULONG,
        pub NumberOfIndirectionTableEntries: ULONG,
    }

    /// `NDIS_RECEIVE_HASH_PARAMETERS` (`OID_GEN_RECEIVE_HASH`).
    pub struct NDIS_RECEIVE_HASH_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub HashInformation: ULONG,
        pub HashSecretKeySize: USHORT,
        pub HashSecretKeyOffset: ULONG,
    }

    /// `NDIS_RSS_PROCESSOR`.
    pub struct NDIS_RSS_PROCESSOR {
        pub ProcNum: PROCESSOR_NUMBER,
        pub PreferenceIndex: USHORT,
        pub Reserved: USHORT,
    }

    /// `NDIS_RSS_PROCESSOR_INFO` (`NdisGetRssProcessorInformation`); the `NDIS_RSS_PROCESSOR`
    /// array follows at `RssProcessorArrayOffset`.
    pub struct NDIS_RSS_PROCESSOR_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub RssBaseProcessor: PROCESSOR_NUMBER,
        pub MaxNumRssProcessors: ULONG,
        pub PreferredNumaNode: USHORT,
        pub RssProcessorArrayOffset: ULONG,
        pub RssProcessorCount: ULONG,
        pub RssProcessorEntrySize: ULONG,
        pub RssMaxProcessor: PROCESSOR_NUMBER,
        pub RssProfile: NDIS_RSS_PROFILE,
    }

    /// `NDIS_RSS_SET_INDIRECTION_ENTRY`.
    pub struct NDIS_RSS_SET_INDIRECTION_ENTRY {
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
        pub Flags: ULONG,
        pub IndirectionTableIndex: USHORT,
        pub TargetProcessorNumber: PROCESSOR_NUMBER,
        pub EntryStatus: NDIS_STATUS,
    }

    /// `NDIS_RSS_SET_INDIRECTION_ENTRIES` (`OID_GEN_RSS_SET_INDIRECTION_TABLE_ENTRIES`).
    pub struct NDIS_RSS_SET_INDIRECTION_ENTRIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub RssEntrySize: ULONG,
        pub RssEntryTableOffset: ULONG,
        pub NumberOfRssEntries: ULONG,
    }

    /// `NDIS_PROCESSOR_INFO` (element of `NDIS_SYSTEM_PROCESSOR_INFO`).
    pub struct NDIS_PROCESSOR_INFO {
        pub CpuNumber: ULONG,
        pub PhysicalPackageId: ULONG,
        pub CoreId: ULONG,
        pub HyperThreadID: ULONG,
    }

    /// `NDIS_SYSTEM_PROCESSOR_INFO` (legacy `NdisGetProcessorInformation`; x64
    /// `MAXIMUM_PROC_PER_GROUP` = 64).
    pub struct NDIS_SYSTEM_PROCESSOR_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub ProcessorVendor: NDIS_PROCESSOR_VENDOR,
        pub NumPhysicalPackages: ULONG,
        pub NumCores: ULONG,
        pub NumCoresPerPhysicalPackage: ULONG,
        pub MaxHyperThreadingCpusPerCore: ULONG,
        pub RssBaseCpu: ULONG,
        pub RssCpuCount: ULONG,
        pub RssProcessors: *mut UCHAR,
        pub CpuInfo: [NDIS_PROCESSOR_INFO; MAXIMUM_PROC_PER_GROUP],
    }
}

/// `MAXIMUM_PROC_PER_GROUP` on x64 (ntdef.h).
pub const MAXIMUM_PROC_PER_GROUP: usize = 64;

/// `NDIS_RSS_HASH_FUNC_FROM_HASH_INFO` (ntddndis.h inline function).
#[must_use]
pub const fn NDIS_RSS_HASH_FUNC_FROM_HASH_INFO(HashInfo: ULONG) -> ULONG {
    HashInfo & NDIS_HASH_FUNCTION_MASK
}

/// `NDIS_RSS_HASH_TYPE_FROM_HASH_INFO` (ntddndis.h inline function).
#[must_use]
pub const fn NDIS_RSS_HASH_TYPE_FROM_HASH_INFO(HashInfo: ULONG) -> ULONG {
    HashInfo & NDIS_HASH_TYPE_MASK
}

/// `NDIS_RSS_HASH_INFO_FROM_TYPE_AND_FUNC` (ntddndis.h inline function).
#[must_use]
pub const fn NDIS_RSS_HASH_INFO_FROM_TYPE_AND_FUNC(HashType: ULONG, HashFunction: ULONG) -> ULONG {
    (HashType & NDIS_HASH_TYPE_MASK) | (HashFunction & NDIS_HASH_FUNCTION_MASK)
}

const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_SCALE_CAPABILITIES>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_SCALE_PARAMETERS>() == 44);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_SCALE_PARAMETERS_V2>() == 28);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_HASH_PARAMETERS>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_RSS_PROCESSOR>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_RSS_PROCESSOR_INFO>() == 40);
const _: () = assert!(core::mem::size_of::<NDIS_RSS_SET_INDIRECTION_ENTRY>() == 24);
const _: () = assert!(core::mem::size_of::<NDIS_RSS_SET_INDIRECTION_ENTRIES>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_SYSTEM_PROCESSOR_INFO>() == 1072);

abi_constants! {
    // NDIS_RECEIVE_SCALE_CAPABILITIES.CapabilitiesFlags (golden table).
    pub const NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV4: ULONG = 0x100;
    pub const NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6: ULONG = 0x200;
    pub const NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6_EX: ULONG = 0x400;
    pub const NDIS_RSS_CAPS_HASH_TYPE_UDP_IPV4: ULONG = 0x800;
    pub const NDIS_RSS_CAPS_HASH_TYPE_UDP_IPV6: ULONG = 0x1000;
    pub const NDIS_RSS_CAPS_HASH_TYPE_UDP_IPV6_EX: ULONG = 0x2000;
    pub const NDIS_RSS_CAPS_MESSAGE_SIGNALED_INTERRUPTS: ULONG = 0x1000000;
    pub const NDIS_RSS_CAPS_CLASSIFICATION_AT_ISR: ULONG = 0x2000000;
    pub const NDIS_RSS_CAPS_CLASSIFICATION_AT_DPC: ULONG = 0x4000000;
    pub const NDIS_RSS_CAPS_USING_MSI_X: ULONG = 0x8000000;
    pub const NDIS_RSS_CAPS_RSS_AVAILABLE_ON_PORTS: ULONG = 0x10000000;
    pub const NDIS_RSS_CAPS_SUPPORTS_MSI_X: ULONG = 0x20000000;
    pub const NDIS_RSS_CAPS_SUPPORTS_INDEPENDENT_ENTRY_MOVE: ULONG = 0x40000000;
    // NDIS_RECEIVE_SCALE_PARAMETERS.Flags (golden table; the Flags member is a USHORT).
    pub const NDIS_RSS_PARAM_FLAG_BASE_CPU_UNCHANGED: USHORT = 1;
    pub const NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED: USHORT = 2;
    pub const NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED: USHORT = 4;
    pub const NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED: USHORT = 8;
    pub const NDIS_RSS_PARAM_FLAG_DISABLE_RSS: USHORT = 0x10;
    pub const NDIS_RSS_PARAM_FLAG_DEFAULT_PROCESSOR_UNCHANGED: USHORT = 0x20;
    // Table sizes (golden table).
    pub const NDIS_RSS_HASH_SECRET_KEY_MAX_SIZE_REVISION_1: USHORT = 0x28;
    pub const NDIS_RSS_HASH_SECRET_KEY_MAX_SIZE_REVISION_2: USHORT = 0x28;
    pub const NDIS_RSS_HASH_SECRET_KEY_MAX_SIZE_REVISION_3: USHORT = 0x28;
    pub const NDIS_RSS_HASH_SECRET_KEY_SIZE_REVISION_1: USHORT = 0x28;
    pub const NDIS_RSS_INDIRECTION_TABLE_MAX_SIZE_REVISION_1: USHORT = 0x80;
    pub const NDIS_RSS_INDIRECTION_TABLE_MAX_SIZE_REVISION_2: USHORT = 0x200;
    pub const NDIS_RSS_INDIRECTION_TABLE_MAX_SIZE_REVISION_3: USHORT = 0x200;
    pub const NDIS_RSS_INDIRECTION_TABLE_SIZE_REVISION_1: USHORT = 0x80;
    // NDIS_RSS_SET_INDIRECTION_ENTRY.Flags (golden table).
    pub const NDIS_RSS_SET_INDIRECTION_ENTRY_FLAG_PRIMARY_PROCESSOR: ULONG = 1;
    pub const NDIS_RSS_SET_INDIRECTION_ENTRY_FLAG_DEFAULT_PROCESSOR: ULONG = 2;
    // Hash function / type bits of HashInformation (source: a WDK ntddndis.h copy found with the
    // search tool, and the Linux netvsc/mana NDIS definitions, which agree).
    pub const NdisHashFunctionToeplitz: ULONG = 0x0000_0001;
    pub const NDIS_HASH_FUNCTION_MASK: ULONG = 0x0000_00FF;
    pub const NDIS_HASH_TYPE_MASK: ULONG = 0x00FF_FF00;
    pub const NDIS_HASH_IPV4: ULONG = 0x0000_0100;
    pub const NDIS_HASH_TCP_IPV4: ULONG = 0x0000_0200;
    pub const NDIS_HASH_IPV6: ULONG = 0x0000_0400;
    pub const NDIS_HASH_IPV6_EX: ULONG = 0x0000_0800;
    pub const NDIS_HASH_TCP_IPV6: ULONG = 0x0000_1000;
    pub const NDIS_HASH_TCP_IPV6_EX: ULONG = 0x0000_2000;
    pub const NDIS_HASH_UDP_IPV4: ULONG = 0x0000_4000;
    pub const NDIS_HASH_UDP_IPV6: ULONG = 0x0000_8000;
    pub const NDIS_HASH_UDP_IPV6_EX: ULONG = 0x0001_0000;
    // NDIS_RECEIVE_SCALE_PARAMETERS_V2.Flags / NDIS_RECEIVE_HASH_PARAMETERS.Flags
    // (source: ntddndis.h).
    pub const NDIS_RECEIVE_SCALE_PARAM_ENABLE_RSS: ULONG = 0x1;
    pub const NDIS_RECEIVE_SCALE_PARAM_HASH_INFO_CHANGED: ULONG = 0x2;
    pub const NDIS_RECEIVE_SCALE_PARAM_HASH_KEY_CHANGED: ULONG = 0x4;
    pub const NDIS_RECEIVE_SCALE_PARAM_NUMBER_OF_QUEUES_CHANGED: ULONG = 0x8;
    pub const NDIS_RECEIVE_SCALE_PARAM_NUMBER_OF_ENTRIES_CHANGED: ULONG = 0x10;
    pub const NDIS_RECEIVE_HASH_FLAG_ENABLE_HASH: ULONG = 0x1;
    pub const NDIS_RECEIVE_HASH_FLAG_HASH_INFO_UNCHANGED: ULONG = 0x2;
    pub const NDIS_RECEIVE_HASH_FLAG_HASH_KEY_UNCHANGED: ULONG = 0x4;
    // NDIS_RSS_PROFILE (source: ntddndis.h).
    pub const NdisRssProfileClosest: NDIS_RSS_PROFILE = 1;
    pub const NdisRssProfileClosestStatic: NDIS_RSS_PROFILE = 2;
    pub const NdisRssProfileNuma: NDIS_RSS_PROFILE = 3;
    pub const NdisRssProfileNumaStatic: NDIS_RSS_PROFILE = 4;
    pub const NdisRssProfileConservative: NDIS_RSS_PROFILE = 5;
    // NDIS_PROCESSOR_VENDOR (source: ntddndis.h).
    pub const NdisProcessorVendorUnknown: NDIS_PROCESSOR_VENDOR = 0;
    pub const NdisProcessorVendorGenuineIntel: NDIS_PROCESSOR_VENDOR = 1;
    pub const NdisProcessorVendorAuthenticAMD: NDIS_PROCESSOR_VENDOR = 2;
}
