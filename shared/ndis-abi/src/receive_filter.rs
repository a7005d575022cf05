//! Receive filtering (VMQ and the SR-IOV VPort filters): capabilities reported in the
//! hardware-assist attributes, `OID_RECEIVE_FILTER_SET_FILTER` / `CLEAR_FILTER` / `MOVE_FILTER`
//! parameters with the MAC/VLAN field tests, queue allocation / parameters / state / free, the
//! global parameters, and the enumerations those structures use.

use crate::types::*;

/// `NDIS_MAC_HEADER_FIELD` / `NDIS_ARP_HEADER_FIELD` / `NDIS_IPV4_HEADER_FIELD` /
/// `NDIS_IPV6_HEADER_FIELD` / `NDIS_UDP_HEADER_FIELD`: `int`-sized C enums.
pub type NDIS_MAC_HEADER_FIELD = NDIS_ENUM;

abi_structs! {
    /// `NDIS_RECEIVE_FILTER_CAPABILITIES` (revision 2, NDIS 6.30).
    pub struct NDIS_RECEIVE_FILTER_CAPABILITIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub EnabledFilterTypes: ULONG,
        pub EnabledQueueTypes: ULONG,
        pub NumQueues: ULONG,
        pub SupportedQueueProperties: ULONG,
        pub SupportedFilterTests: ULONG,
        pub SupportedHeaders: ULONG,
        pub SupportedMacHeaderFields: ULONG,
        pub MaxMacHeaderFilters: ULONG,
        pub MaxQueueGroups: ULONG,
        pub MaxQueuesPerQueueGroup: ULONG,
        pub MinLookaheadSplitSize: ULONG,
        pub MaxLookaheadSplitSize: ULONG,
        pub SupportedARPHeaderFields: ULONG,
        pub SupportedIPv4HeaderFields: ULONG,
        pub SupportedIPv6HeaderFields: ULONG,
        pub SupportedUdpHeaderFields: ULONG,
        pub MaxFieldTestsPerPacketCoalescingFilter: ULONG,
        pub MaxPacketCoalescingFilters: ULONG,
        pub NdisReserved: ULONG,
    }

    /// `NDIS_RECEIVE_FILTER_GLOBAL_PARAMETERS` (`OID_RECEIVE_FILTER_GLOBAL_PARAMETERS`).
    pub struct NDIS_RECEIVE_FILTER_GLOBAL_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub EnabledFilterTypes: ULONG,
        pub EnabledQueueTypes: ULONG,
    }

    /// `NDIS_RECEIVE_FILTER_PARAMETERS` (`OID_RECEIVE_FILTER_SET_FILTER`, revision 2 adds
    /// `MaxCoalescingDelay` and `VPortId`); the field-parameter array follows at
    /// `FieldParametersArrayOffset`.
    pub struct NDIS_RECEIVE_FILTER_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub FilterType: NDIS_RECEIVE_FILTER_TYPE,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub FilterId: NDIS_RECEIVE_FILTER_ID,
        pub FieldParametersArrayOffset: ULONG,
        pub FieldParametersArrayNumElements: ULONG,
        pub FieldParametersArrayElementSize: ULONG,
        pub RequestedFilterIdBitCount: ULONG,
        pub MaxCoalescingDelay: ULONG,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
    }

    /// The `HeaderField` union of `NDIS_RECEIVE_FILTER_FIELD_PARAMETERS` (selected by
    /// `FrameHeader`).
    pub union NDIS_RECEIVE_FILTER_HEADER_FIELD {
        pub MacHeaderField: NDIS_MAC_HEADER_FIELD,
        pub ArpHeaderField: NDIS_ENUM,
        pub IPv4HeaderField: NDIS_ENUM,
        pub IPv6HeaderField: NDIS_ENUM,
        pub UdpHeaderField: NDIS_ENUM,
    }

    /// The `FieldValue` / `ResultValue` unions of `NDIS_RECEIVE_FILTER_FIELD_PARAMETERS`. A MAC
    /// address test uses `FieldByteArrayValue[0..6]`; a VLAN test uses `FieldShortValue`.
    pub union NDIS_RECEIVE_FILTER_FIELD_VALUE {
        pub FieldByteValue: UCHAR,
        pub FieldShortValue: USHORT,
        pub FieldLongValue: ULONG,
        pub FieldLong64Value: ULONG64,
        pub FieldByteArrayValue: [UCHAR; 16],
    }

    /// `NDIS_RECEIVE_FILTER_FIELD_PARAMETERS`: one field test of a filter.
    pub struct NDIS_RECEIVE_FILTER_FIELD_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub FrameHeader: NDIS_FRAME_HEADER,
        pub ReceiveFilterTest: NDIS_RECEIVE_FILTER_TEST,
        pub HeaderField: NDIS_RECEIVE_FILTER_HEADER_FIELD,
        pub FieldValue: NDIS_RECEIVE_FILTER_FIELD_VALUE,
        pub ResultValue: NDIS_RECEIVE_FILTER_FIELD_VALUE,
    }

    /// `NDIS_RECEIVE_FILTER_CLEAR_PARAMETERS` (`OID_RECEIVE_FILTER_CLEAR_FILTER`).
    pub struct NDIS_RECEIVE_FILTER_CLEAR_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub FilterId: NDIS_RECEIVE_FILTER_ID,
    }

    /// `NDIS_RECEIVE_FILTER_MOVE_FILTER_PARAMETERS` (`OID_RECEIVE_FILTER_MOVE_FILTER`).
    pub struct NDIS_RECEIVE_FILTER_MOVE_FILTER_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub FilterId: NDIS_RECEIVE_FILTER_ID,
        pub SourceQueueId: NDIS_RECEIVE_QUEUE_ID,
        pub SourceVPortId: NDIS_NIC_SWITCH_VPORT_ID,
        pub DestQueueId: NDIS_RECEIVE_QUEUE_ID,
        pub DestVPortId: NDIS_NIC_SWITCH_VPORT_ID,
    }

    /// `NDIS_RECEIVE_FILTER_INFO` (element of `OID_RECEIVE_FILTER_ENUM_FILTERS`).
    pub struct NDIS_RECEIVE_FILTER_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub FilterType: NDIS_RECEIVE_FILTER_TYPE,
        pub FilterId: NDIS_RECEIVE_FILTER_ID,
    }

    /// `NDIS_RECEIVE_FILTER_INFO_ARRAY` (`OID_RECEIVE_FILTER_ENUM_FILTERS`).
    pub struct NDIS_RECEIVE_FILTER_INFO_ARRAY {
        pub Header: NDIS_OBJECT_HEADER,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub FirstElementOffset: ULONG,
        pub NumElements: ULONG,
        pub ElementSize: ULONG,
        pub Flags: ULONG,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
    }

    /// `NDIS_RECEIVE_FILTER_QUEUE_STATE_CHANGE` (`NDIS_STATUS_RECEIVE_FILTER_QUEUE_STATE_CHANGE`).
    pub struct NDIS_RECEIVE_FILTER_QUEUE_STATE_CHANGE {
        pub Header: NDIS_OBJECT_HEADER,
        pub QueueId: ULONG,
    }

    /// `NDIS_RECEIVE_QUEUE_PARAMETERS` (`OID_RECEIVE_FILTER_ALLOCATE_QUEUE`, VMQ).
    pub struct NDIS_RECEIVE_QUEUE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub QueueType: NDIS_RECEIVE_QUEUE_TYPE,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub QueueGroupId: NDIS_RECEIVE_QUEUE_GROUP_ID,
        pub ProcessorAffinity: GROUP_AFFINITY,
        pub NumSuggestedReceiveBuffers: ULONG,
        pub MSIXTableEntry: ULONG,
        pub LookaheadSize: ULONG,
        pub VmName: NDIS_VM_NAME,
        pub QueueName: NDIS_QUEUE_NAME,
        pub PortId: ULONG,
        pub InterruptCoalescingDomainId: ULONG,
        pub QosSqId: NDIS_QOS_SQ_ID,
    }

    /// `NDIS_RECEIVE_QUEUE_FREE_PARAMETERS` (`OID_RECEIVE_FILTER_FREE_QUEUE`).
    pub struct NDIS_RECEIVE_QUEUE_FREE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
    }

    /// `NDIS_RECEIVE_QUEUE_STATE` (`NDIS_STATUS_RECEIVE_QUEUE_STATE`).
    pub struct NDIS_RECEIVE_QUEUE_STATE {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub QueueState: NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE,
    }

    /// `NDIS_RECEIVE_QUEUE_INFO` (element of `OID_RECEIVE_FILTER_ENUM_QUEUES`).
    pub struct NDIS_RECEIVE_QUEUE_INFO {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub QueueType: NDIS_RECEIVE_QUEUE_TYPE,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub QueueGroupId: NDIS_RECEIVE_QUEUE_GROUP_ID,
        pub QueueState: NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE,
        pub ProcessorAffinity: GROUP_AFFINITY,
        pub NumSuggestedReceiveBuffers: ULONG,
        pub MSIXTableEntry: ULONG,
        pub LookaheadSize: ULONG,
        pub VmName: NDIS_VM_NAME,
        pub QueueName: NDIS_QUEUE_NAME,
        pub NumFilters: ULONG,
        pub InterruptCoalescingDomainId: ULONG,
    }

    /// `NDIS_RECEIVE_QUEUE_INFO_ARRAY`.
    pub struct NDIS_RECEIVE_QUEUE_INFO_ARRAY {
        pub Header: NDIS_OBJECT_HEADER,
        pub FirstElementOffset: ULONG,
        pub NumElements: ULONG,
        pub ElementSize: ULONG,
    }

    /// `NDIS_RECEIVE_QUEUE_ALLOCATION_COMPLETE_PARAMETERS`.
    pub struct NDIS_RECEIVE_QUEUE_ALLOCATION_COMPLETE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub QueueId: NDIS_RECEIVE_QUEUE_ID,
        pub CompletionStatus: NDIS_STATUS,
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_FILTER_CAPABILITIES>() == 84);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_FILTER_GLOBAL_PARAMETERS>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_FILTER_PARAMETERS>() == 44);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_FILTER_FIELD_PARAMETERS>() == 56);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_FILTER_CLEAR_PARAMETERS>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_FILTER_MOVE_FILTER_PARAMETERS>() == 24);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_FILTER_QUEUE_STATE_CHANGE>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_QUEUE_PARAMETERS>() == 1096);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_QUEUE_FREE_PARAMETERS>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_QUEUE_STATE>() == 16);

abi_constants! {
    // Default ids (golden table).
    pub const NDIS_DEFAULT_RECEIVE_QUEUE_ID: NDIS_RECEIVE_QUEUE_ID = 0;
    pub const NDIS_DEFAULT_RECEIVE_QUEUE_GROUP_ID: NDIS_RECEIVE_QUEUE_GROUP_ID = 0;
    pub const NDIS_DEFAULT_RECEIVE_FILTER_ID: NDIS_RECEIVE_FILTER_ID = 0;
    // NDIS_RECEIVE_FILTER_TYPE (source: ntddndis.h).
    pub const NdisReceiveFilterTypeUndefined: NDIS_RECEIVE_FILTER_TYPE = 0;
    pub const NdisReceiveFilterTypeVMQueue: NDIS_RECEIVE_FILTER_TYPE = 1;
    pub const NdisReceiveFilterTypePacketCoalescing: NDIS_RECEIVE_FILTER_TYPE = 2;
    // NDIS_FRAME_HEADER (source: ntddndis.h).
    pub const NdisFrameHeaderUndefined: NDIS_FRAME_HEADER = 0;
    pub const NdisFrameHeaderMac: NDIS_FRAME_HEADER = 1;
    pub const NdisFrameHeaderArp: NDIS_FRAME_HEADER = 2;
    pub const NdisFrameHeaderIPv4: NDIS_FRAME_HEADER = 3;
    pub const NdisFrameHeaderIPv6: NDIS_FRAME_HEADER = 4;
    pub const NdisFrameHeaderUdp: NDIS_FRAME_HEADER = 5;
    // NDIS_RECEIVE_FILTER_TEST (source: ntddndis.h).
    pub const NdisReceiveFilterTestUndefined: NDIS_RECEIVE_FILTER_TEST = 0;
    pub const NdisReceiveFilterTestEqual: NDIS_RECEIVE_FILTER_TEST = 1;
    pub const NdisReceiveFilterTestMaskEqual: NDIS_RECEIVE_FILTER_TEST = 2;
    pub const NdisReceiveFilterTestNotEqual: NDIS_RECEIVE_FILTER_TEST = 3;
    // NDIS_MAC_HEADER_FIELD (source: ntddndis.h).
    pub const NdisMacHeaderFieldUndefined: NDIS_MAC_HEADER_FIELD = 0;
    pub const NdisMacHeaderFieldDestinationAddress: NDIS_MAC_HEADER_FIELD = 1;
    pub const NdisMacHeaderFieldSourceAddress: NDIS_MAC_HEADER_FIELD = 2;
    pub const NdisMacHeaderFieldProtocol: NDIS_MAC_HEADER_FIELD = 3;
    pub const NdisMacHeaderFieldVlanId: NDIS_MAC_HEADER_FIELD = 4;
    pub const NdisMacHeaderFieldPriority: NDIS_MAC_HEADER_FIELD = 5;
    pub const NdisMacHeaderFieldPacketType: NDIS_MAC_HEADER_FIELD = 6;
    // NDIS_RECEIVE_QUEUE_TYPE / NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE (source: ntddndis.h).
    pub const NdisReceiveQueueTypeUnspecified: NDIS_RECEIVE_QUEUE_TYPE = 0;
    pub const NdisReceiveQueueTypeVMQueue: NDIS_RECEIVE_QUEUE_TYPE = 1;
    pub const NdisReceiveQueueOperationalStateUndefined: NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE = 0;
    pub const NdisReceiveQueueOperationalStateRunning: NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE = 1;
    pub const NdisReceiveQueueOperationalStatePaused: NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE = 2;
    pub const NdisReceiveQueueOperationalStateDmaStopped: NDIS_RECEIVE_QUEUE_OPERATIONAL_STATE = 3;
    // Capability / parameter flags (source: ntddndis.h).
    pub const NDIS_RECEIVE_FILTER_ANY_VLAN_SUPPORTED: ULONG = 0x20;
    pub const NDIS_RECEIVE_FILTER_ARP_HEADER_OPERATION_SUPPORTED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_ARP_HEADER_SPA_SUPPORTED: ULONG = 2;
    pub const NDIS_RECEIVE_FILTER_ARP_HEADER_SUPPORTED: ULONG = 8;
    pub const NDIS_RECEIVE_FILTER_ARP_HEADER_TPA_SUPPORTED: ULONG = 4;
    pub const NDIS_RECEIVE_FILTER_DYNAMIC_PROCESSOR_AFFINITY_CHANGE_FOR_DEFAULT_QUEUE_SUPPORTED: ULONG = 0x40;
    pub const NDIS_RECEIVE_FILTER_DYNAMIC_PROCESSOR_AFFINITY_CHANGE_SUPPORTED: ULONG = 8;
    pub const NDIS_RECEIVE_FILTER_FIELD_MAC_HEADER_VLAN_UNTAGGED_OR_ZERO: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_FLAGS_RESERVED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_IMPLAT_MIN_OF_QUEUES_MODE: ULONG = 0x40;
    pub const NDIS_RECEIVE_FILTER_IMPLAT_SUM_OF_QUEUES_MODE: ULONG = 0x80;
    pub const NDIS_RECEIVE_FILTER_INFO_ARRAY_VPORT_ID_SPECIFIED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_INTERRUPT_VECTOR_COALESCING_SUPPORTED: ULONG = 0x10;
    pub const NDIS_RECEIVE_FILTER_IPV4_HEADER_PROTOCOL_SUPPORTED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_IPV4_HEADER_SUPPORTED: ULONG = 2;
    pub const NDIS_RECEIVE_FILTER_IPV6_HEADER_PROTOCOL_SUPPORTED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_IPV6_HEADER_SUPPORTED: ULONG = 4;
    pub const NDIS_RECEIVE_FILTER_LOOKAHEAD_SPLIT_SUPPORTED: ULONG = 4;
    pub const NDIS_RECEIVE_FILTER_MAC_HEADER_DEST_ADDR_SUPPORTED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_MAC_HEADER_PACKET_TYPE_SUPPORTED: ULONG = 0x20;
    pub const NDIS_RECEIVE_FILTER_MAC_HEADER_PRIORITY_SUPPORTED: ULONG = 0x10;
    pub const NDIS_RECEIVE_FILTER_MAC_HEADER_PROTOCOL_SUPPORTED: ULONG = 4;
    pub const NDIS_RECEIVE_FILTER_MAC_HEADER_SOURCE_ADDR_SUPPORTED: ULONG = 2;
    pub const NDIS_RECEIVE_FILTER_MAC_HEADER_SUPPORTED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_MAC_HEADER_VLAN_ID_SUPPORTED: ULONG = 8;
    pub const NDIS_RECEIVE_FILTER_MSI_X_SUPPORTED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_PACKET_COALESCING_FILTERS_ENABLED: ULONG = 2;
    pub const NDIS_RECEIVE_FILTER_PACKET_COALESCING_SUPPORTED_ON_DEFAULT_QUEUE: ULONG = 0x100;
    pub const NDIS_RECEIVE_FILTER_PACKET_ENCAPSULATION: ULONG = 2;
    pub const NDIS_RECEIVE_FILTER_PACKET_ENCAPSULATION_GRE: ULONG = 2;
    pub const NDIS_RECEIVE_FILTER_RESERVED: ULONG = 0xFE;
    pub const NDIS_RECEIVE_FILTER_TEST_HEADER_FIELD_EQUAL_SUPPORTED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_TEST_HEADER_FIELD_MASK_EQUAL_SUPPORTED: ULONG = 2;
    pub const NDIS_RECEIVE_FILTER_TEST_HEADER_FIELD_NOT_EQUAL_SUPPORTED: ULONG = 4;
    pub const NDIS_RECEIVE_FILTER_UDP_HEADER_DEST_PORT_SUPPORTED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_UDP_HEADER_SUPPORTED: ULONG = 0x10;
    pub const NDIS_RECEIVE_FILTER_VMQ_FILTERS_ENABLED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_VM_QUEUES_ENABLED: ULONG = 1;
    pub const NDIS_RECEIVE_FILTER_VM_QUEUE_SUPPORTED: ULONG = 2;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_CHANGE_MASK: ULONG = 0xFFFF0000;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_FLAGS_CHANGED: ULONG = 0x10000;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_INTERRUPT_COALESCING_DOMAIN_ID_CHANGED: ULONG = 0x100000;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_LOOKAHEAD_SPLIT_REQUIRED: ULONG = 2;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_NAME_CHANGED: ULONG = 0x80000;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_PER_QUEUE_RECEIVE_INDICATION: ULONG = 1;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_PROCESSOR_AFFINITY_CHANGED: ULONG = 0x20000;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_QOS_SQ_ID_CHANGED: ULONG = 0x200000;
    pub const NDIS_RECEIVE_QUEUE_PARAMETERS_SUGGESTED_RECV_BUFFER_NUMBERS_CHANGED: ULONG = 0x40000;
}
