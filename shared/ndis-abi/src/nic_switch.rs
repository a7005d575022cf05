//! The NIC switch (SR-IOV PF, NDIS 6.30+): capabilities, `OID_NIC_SWITCH_CREATE_SWITCH` /
//! `DELETE_SWITCH` / `CREATE_VPORT` / `VPORT_PARAMETERS` / `DELETE_VPORT` / `ALLOCATE_VF` /
//! `FREE_VF` payloads, the enumeration arrays NDIS answers from its cache, and the flags and
//! enumerations they use (ntddndis.h; sizes pinned by the golden table).

use crate::attributes::NDIS_NDK_CAPABILITIES;
use crate::types::*;

abi_structs! {
    /// `NDIS_NIC_SWITCH_CAPABILITIES` (revision 2 = NDIS 6.30 ends at `NdisReserved17`,
    /// revision 3 = 6.60 adds the VMMQ fields).
    pub struct NDIS_NIC_SWITCH_CAPABILITIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub NdisReserved1: ULONG,
        pub NumTotalMacAddresses: ULONG,
        pub NumMacAddressesPerPort: ULONG,
        pub NumVlansPerPort: ULONG,
        pub NdisReserved2: ULONG,
        pub NdisReserved3: ULONG,
        pub NicSwitchCapabilities: ULONG,
        pub MaxNumSwitches: ULONG,
        pub MaxNumVPorts: ULONG,
        pub NdisReserved4: ULONG,
        pub MaxNumVFs: ULONG,
        pub MaxNumQueuePairs: ULONG,
        pub NdisReserved5: ULONG,
        pub NdisReserved6: ULONG,
        pub NdisReserved7: ULONG,
        pub MaxNumQueuePairsPerNonDefaultVPort: ULONG,
        pub NdisReserved8: ULONG,
        pub NdisReserved9: ULONG,
        pub NdisReserved10: ULONG,
        pub NdisReserved11: ULONG,
        pub NdisReserved12: ULONG,
        pub MaxNumMacAddresses: ULONG,
        pub NdisReserved13: ULONG,
        pub NdisReserved14: ULONG,
        pub NdisReserved15: ULONG,
        pub NdisReserved16: ULONG,
        pub NdisReserved17: ULONG,
        pub MaxNumRssCapableNonDefaultPFVPorts: ULONG,
        pub NumberOfIndirectionTableEntriesForDefaultVPort: ULONG,
        pub NumberOfIndirectionTableEntriesPerNonDefaultPFVPort: ULONG,
        pub MaxNumQueuePairsForDefaultVPort: ULONG,
    }

    /// `NDIS_NIC_SWITCH_PARAMETERS` (`OID_NIC_SWITCH_CREATE_SWITCH`, `OID_NIC_SWITCH_PARAMETERS`).
    pub struct NDIS_NIC_SWITCH_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SwitchType: NDIS_NIC_SWITCH_TYPE,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub SwitchFriendlyName: NDIS_NIC_SWITCH_FRIENDLYNAME,
        pub NumVFs: ULONG,
        pub NdisReserved1: ULONG,
        pub NdisReserved2: ULONG,
        pub NdisReserved3: ULONG,
        pub NumQueuePairsForDefaultVPort: ULONG,
    }

    /// `NDIS_NIC_SWITCH_DELETE_SWITCH_PARAMETERS` (`OID_NIC_SWITCH_DELETE_SWITCH`).
    pub struct NDIS_NIC_SWITCH_DELETE_SWITCH_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
    }

    /// `NDIS_NDK_REQUEST_PARAMETERS` (NDIS 6.50 VPort NDK request).
    pub struct NDIS_NDK_REQUEST_PARAMETERS {
        pub RdmaRequested: BOOLEAN,
        pub SwitchPortId: NDIS_SWITCH_PORT_ID,
        pub IfIndex: NET_IFINDEX,
        pub MacAddress: [UCHAR; NDIS_MAX_PHYS_ADDRESS_LENGTH],
        pub VlanId: ULONG,
        pub NdkReserved: NDIS_NDK_CAPABILITIES,
    }

    /// `NDIS_NDK_RESPONSE_PARAMETERS`.
    pub struct NDIS_NDK_RESPONSE_PARAMETERS {
        pub CapabilitiesAvailable: BOOLEAN,
        pub ReceivedCapabilities: NDIS_NDK_CAPABILITIES,
    }

    /// `NDIS_NDK_PARAMETERS` (`NDIS_NIC_SWITCH_VPORT_PARAMETERS.NdkParams`).
    pub struct NDIS_NDK_PARAMETERS {
        pub NdkRequest: NDIS_NDK_REQUEST_PARAMETERS,
        pub NdkResponse: NDIS_NDK_RESPONSE_PARAMETERS,
    }

    /// `NDIS_NIC_SWITCH_VPORT_PARAMETERS` (`OID_NIC_SWITCH_CREATE_VPORT`,
    /// `OID_NIC_SWITCH_VPORT_PARAMETERS`); revision 1 (NDIS 6.30) ends at `LookaheadSize`.
    pub struct NDIS_NIC_SWITCH_VPORT_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
        pub VPortName: NDIS_VPORT_NAME,
        pub AttachedFunctionId: NDIS_SRIOV_FUNCTION_ID,
        pub NumQueuePairs: ULONG,
        pub InterruptModeration: NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION,
        pub VPortState: NDIS_NIC_SWITCH_VPORT_STATE,
        pub ProcessorAffinity: GROUP_AFFINITY,
        pub LookaheadSize: ULONG,
        pub NdkParams: NDIS_NDK_PARAMETERS,
        pub QosSqId: NDIS_QOS_SQ_ID,
    }

    /// `NDIS_NIC_SWITCH_DELETE_VPORT_PARAMETERS` (`OID_NIC_SWITCH_DELETE_VPORT`).
    pub struct NDIS_NIC_SWITCH_DELETE_VPORT_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
    }

    /// `NDIS_NIC_SWITCH_VF_PARAMETERS` (`OID_NIC_SWITCH_ALLOCATE_VF`): NDIS passes
    /// `VFId = NDIS_INVALID_VF_FUNCTION_ID`, `RequestorId = NDIS_INVALID_RID`; the PF fills both.
    pub struct NDIS_NIC_SWITCH_VF_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub VMName: NDIS_VM_NAME,
        pub VMFriendlyName: NDIS_VM_FRIENDLYNAME,
        pub NicName: NDIS_SWITCH_NIC_NAME,
        pub MacAddressLength: USHORT,
        pub PermanentMacAddress: [UCHAR; NDIS_MAX_PHYS_ADDRESS_LENGTH],
        pub CurrentMacAddress: [UCHAR; NDIS_MAX_PHYS_ADDRESS_LENGTH],
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub RequestorId: NDIS_VF_RID,
    }

    /// `NDIS_NIC_SWITCH_FREE_VF_PARAMETERS` (`OID_NIC_SWITCH_FREE_VF`; sizeof 12, header size
    /// 0x0a).
    pub struct NDIS_NIC_SWITCH_FREE_VF_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
    }

    /// `NDIS_NIC_SWITCH_INFO` (element of `OID_NIC_SWITCH_ENUM_SWITCHES`).
    pub struct NDIS_NIC_SWITCH_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SwitchType: NDIS_NIC_SWITCH_TYPE,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub SwitchFriendlyName: NDIS_NIC_SWITCH_FRIENDLYNAME,
        pub NumVFs: ULONG,
        pub NumAllocatedVFs: ULONG,
        pub NumVPorts: ULONG,
        pub NumActiveVPorts: ULONG,
        pub NumQueuePairsForDefaultVPort: ULONG,
        pub NumQueuePairsForNonDefaultVPorts: ULONG,
        pub NumActiveDefaultVPortMacAddresses: ULONG,
        pub NumActiveNonDefaultVPortMacAddresses: ULONG,
        pub NumActiveDefaultVPortVlanIds: ULONG,
        pub NumActiveNonDefaultVPortVlanIds: ULONG,
    }

    /// `NDIS_NIC_SWITCH_INFO_ARRAY`.
    pub struct NDIS_NIC_SWITCH_INFO_ARRAY {
        pub Header: NDIS_OBJECT_HEADER,
        pub FirstElementOffset: ULONG,
        pub NumElements: ULONG,
        pub ElementSize: ULONG,
    }

    /// `NDIS_NIC_SWITCH_VF_INFO` (element of `OID_NIC_SWITCH_ENUM_VFS`).
    pub struct NDIS_NIC_SWITCH_VF_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub VMName: NDIS_VM_NAME,
        pub VMFriendlyName: NDIS_VM_FRIENDLYNAME,
        pub NicName: NDIS_SWITCH_NIC_NAME,
        pub MacAddressLength: USHORT,
        pub PermanentMacAddress: [UCHAR; NDIS_MAX_PHYS_ADDRESS_LENGTH],
        pub CurrentMacAddress: [UCHAR; NDIS_MAX_PHYS_ADDRESS_LENGTH],
        pub VFId: NDIS_SRIOV_FUNCTION_ID,
        pub RequestorId: NDIS_VF_RID,
    }

    /// `NDIS_NIC_SWITCH_VF_INFO_ARRAY`.
    pub struct NDIS_NIC_SWITCH_VF_INFO_ARRAY {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub FirstElementOffset: ULONG,
        pub NumElements: ULONG,
        pub ElementSize: ULONG,
    }

    /// `NDIS_NIC_SWITCH_VPORT_INFO` (element of `OID_NIC_SWITCH_ENUM_VPORTS`).
    pub struct NDIS_NIC_SWITCH_VPORT_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
        pub Flags: ULONG,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub VPortName: NDIS_VPORT_NAME,
        pub AttachedFunctionId: NDIS_SRIOV_FUNCTION_ID,
        pub NumQueuePairs: ULONG,
        pub InterruptModeration: NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION,
        pub VPortState: NDIS_NIC_SWITCH_VPORT_STATE,
        pub ProcessorAffinity: GROUP_AFFINITY,
        pub LookaheadSize: ULONG,
        pub NumFilters: ULONG,
    }

    /// `NDIS_NIC_SWITCH_VPORT_INFO_ARRAY`.
    pub struct NDIS_NIC_SWITCH_VPORT_INFO_ARRAY {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub AttachedFunctionId: NDIS_SRIOV_FUNCTION_ID,
        pub FirstElementOffset: ULONG,
        pub NumElements: ULONG,
        pub ElementSize: ULONG,
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_CAPABILITIES>() == 132);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_PARAMETERS>() == 552);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_DELETE_SWITCH_PARAMETERS>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_NDK_REQUEST_PARAMETERS>() == 104);
const _: () = assert!(core::mem::size_of::<NDIS_NDK_RESPONSE_PARAMETERS>() == 64);
const _: () = assert!(core::mem::size_of::<NDIS_NDK_PARAMETERS>() == 168);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_VPORT_PARAMETERS>() == 752);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_DELETE_VPORT_PARAMETERS>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_VF_PARAMETERS>() == 1632);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_FREE_VF_PARAMETERS>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_INFO>() == 572);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_INFO_ARRAY>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_VF_INFO>() == 1632);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_VF_INFO_ARRAY>() == 24);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_VPORT_INFO>() == 576);
const _: () = assert!(core::mem::size_of::<NDIS_NIC_SWITCH_VPORT_INFO_ARRAY>() == 28);

abi_constants! {
    // Ids (golden table).
    pub const NDIS_DEFAULT_SWITCH_ID: NDIS_NIC_SWITCH_ID = 0;
    pub const NDIS_INVALID_SWITCH_ID: NDIS_NIC_SWITCH_ID = 0xFFFF_FFFF;
    pub const NDIS_DEFAULT_VPORT_ID: NDIS_NIC_SWITCH_VPORT_ID = 0;
    pub const NDIS_INVALID_VPORT_ID: NDIS_NIC_SWITCH_VPORT_ID = 0xFFFF_FFFF;
    pub const NDIS_NIC_SWITCH_PARAMETERS_DEFAULT_NUMBER_OF_QUEUE_PAIRS_FOR_DEFAULT_VPORT: ULONG = 1;
    // NDIS_NIC_SWITCH_TYPE (source: ntddndis.h).
    pub const NdisNicSwitchTypeUnspecified: NDIS_NIC_SWITCH_TYPE = 0;
    pub const NdisNicSwitchTypeExternal: NDIS_NIC_SWITCH_TYPE = 1;
    // NDIS_NIC_SWITCH_VPORT_STATE (source: ntddndis.h).
    pub const NdisNicSwitchVPortStateUndefined: NDIS_NIC_SWITCH_VPORT_STATE = 0;
    pub const NdisNicSwitchVPortStateActivated: NDIS_NIC_SWITCH_VPORT_STATE = 1;
    pub const NdisNicSwitchVPortStateDeactivated: NDIS_NIC_SWITCH_VPORT_STATE = 2;
    // NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION (source: ntddndis.h).
    pub const NdisNicSwitchVPortInterruptModerationUndefined: NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION = 0;
    pub const NdisNicSwitchVPortInterruptModerationAdaptive: NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION = 1;
    pub const NdisNicSwitchVPortInterruptModerationOff: NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION = 2;
    pub const NdisNicSwitchVPortInterruptModerationLow: NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION = 100;
    pub const NdisNicSwitchVPortInterruptModerationMedium: NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION = 200;
    pub const NdisNicSwitchVPortInterruptModerationHigh: NDIS_NIC_SWITCH_VPORT_INTERRUPT_MODERATION = 300;
    // Capability, parameter-change and enumeration flags (source: ntddndis.h).
    pub const NDIS_NIC_SWITCH_CAPS_ASYMMETRIC_QUEUE_PAIRS_FOR_NONDEFAULT_VPORT_SUPPORTED: ULONG = 4;
    pub const NDIS_NIC_SWITCH_CAPS_NIC_SWITCH_WITHOUT_IOV_SUPPORTED: ULONG = 0x40;
    pub const NDIS_NIC_SWITCH_CAPS_PER_VPORT_INTERRUPT_MODERATION_SUPPORTED: ULONG = 2;
    pub const NDIS_NIC_SWITCH_CAPS_RSS_ON_PF_VPORTS_SUPPORTED: ULONG = 0x80;
    pub const NDIS_NIC_SWITCH_CAPS_RSS_PARAMETERS_PER_PF_VPORT_SUPPORTED: ULONG = 0x20;
    pub const NDIS_NIC_SWITCH_CAPS_RSS_PER_PF_VPORT_HASH_FUNCTION_SUPPORTED: ULONG = 0x200;
    pub const NDIS_NIC_SWITCH_CAPS_RSS_PER_PF_VPORT_HASH_KEY_SUPPORTED: ULONG = 0x800;
    pub const NDIS_NIC_SWITCH_CAPS_RSS_PER_PF_VPORT_HASH_TYPE_SUPPORTED: ULONG = 0x400;
    pub const NDIS_NIC_SWITCH_CAPS_RSS_PER_PF_VPORT_INDIRECTION_TABLE_SIZE_RESTRICTED: ULONG = 0x1000;
    pub const NDIS_NIC_SWITCH_CAPS_RSS_PER_PF_VPORT_INDIRECTION_TABLE_SUPPORTED: ULONG = 0x100;
    pub const NDIS_NIC_SWITCH_CAPS_RSS_PER_PF_VPORT_MASK: ULONG = 0xF00;
    pub const NDIS_NIC_SWITCH_CAPS_SINGLE_VPORT_POOL: ULONG = 0x10;
    pub const NDIS_NIC_SWITCH_CAPS_VF_RSS_SUPPORTED: ULONG = 8;
    pub const NDIS_NIC_SWITCH_CAPS_VLAN_SUPPORTED: ULONG = 1;
    pub const NDIS_NIC_SWITCH_PARAMETERS_CHANGE_MASK: ULONG = 0xFFFF0000;
    pub const NDIS_NIC_SWITCH_PARAMETERS_SWITCH_NAME_CHANGED: ULONG = 0x10000;
    pub const NDIS_NIC_SWITCH_VF_INFO_ARRAY_ENUM_ON_SPECIFIC_SWITCH: ULONG = 1;
    pub const NDIS_NIC_SWITCH_VPORT_INFO_ARRAY_ENUM_ON_SPECIFIC_FUNCTION: ULONG = 1;
    pub const NDIS_NIC_SWITCH_VPORT_INFO_ARRAY_ENUM_ON_SPECIFIC_SWITCH: ULONG = 2;
    pub const NDIS_NIC_SWITCH_VPORT_INFO_GFT_ENABLED: ULONG = 4;
    pub const NDIS_NIC_SWITCH_VPORT_INFO_LOOKAHEAD_SPLIT_ENABLED: ULONG = 1;
    pub const NDIS_NIC_SWITCH_VPORT_INFO_PACKET_DIRECT_RX_ONLY: ULONG = 2;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_CHANGE_MASK: ULONG = 0xFFFF0000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_ENFORCE_MAX_SG_LIST: ULONG = 0x8000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_FLAGS_CHANGED: ULONG = 0x10000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_INT_MOD_CHANGED: ULONG = 0x40000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_LOOKAHEAD_SPLIT_ENABLED: ULONG = 1;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_NAME_CHANGED: ULONG = 0x20000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_NDK_PARAMS_CHANGED: ULONG = 0x200000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_NUM_QUEUE_PAIRS_CHANGED: ULONG = 0x800000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_PACKET_DIRECT_RX_ONLY: ULONG = 2;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_PROCESSOR_AFFINITY_CHANGED: ULONG = 0x100000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_QOS_SQ_ID_CHANGED: ULONG = 0x400000;
    pub const NDIS_NIC_SWITCH_VPORT_PARAMS_STATE_CHANGED: ULONG = 0x80000;
}
