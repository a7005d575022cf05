//! Adapter attributes set with `NdisMSetMiniportAttributes` during `MiniportInitializeEx`
//! (registration first, then general, then hardware-assist / offload / NDK / packet-direct), the
//! `NDIS_MINIPORT_ADAPTER_ATTRIBUTES` union that function takes, and the power-management and
//! miscellaneous capability structures they point to.

use crate::miniport::PDRIVER_DISPATCH;
use crate::nic_switch::NDIS_NIC_SWITCH_CAPABILITIES;
use crate::offload::{NDIS_OFFLOAD, NDIS_TCP_CONNECTION_OFFLOAD};
use crate::receive_filter::NDIS_RECEIVE_FILTER_CAPABILITIES;
use crate::rss::NDIS_RECEIVE_SCALE_CAPABILITIES;
use crate::sriov::NDIS_SRIOV_CAPABILITIES;
use crate::types::*;

/// `PNDIS_GFT_OFFLOAD_CAPABILITIES` (GFT flow offload, NDIS 6.60; not used by these drivers, so
/// the structure is opaque here).
pub type PNDIS_GFT_OFFLOAD_CAPABILITIES = PVOID;
/// `PNDK_ADAPTER_INFO` (NDK; opaque here).
pub type PNDK_ADAPTER_INFO = PVOID;

abi_structs! {
    /// `NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES` (sizeof 0x20; `Header.Size` is
    /// `NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1` = 0x1c).
    pub struct NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub MiniportAdapterContext: NDIS_HANDLE,
        pub AttributeFlags: ULONG,
        pub CheckForHangTimeInSeconds: ULONG,
        pub InterfaceType: NDIS_INTERFACE_TYPE,
    }

    /// `NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES` (revision 2).
    pub struct NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub MediaType: NDIS_MEDIUM,
        pub PhysicalMediumType: NDIS_PHYSICAL_MEDIUM,
        pub MtuSize: ULONG,
        pub MaxXmitLinkSpeed: ULONG64,
        pub XmitLinkSpeed: ULONG64,
        pub MaxRcvLinkSpeed: ULONG64,
        pub RcvLinkSpeed: ULONG64,
        pub MediaConnectState: NDIS_MEDIA_CONNECT_STATE,
        pub MediaDuplexState: NDIS_MEDIA_DUPLEX_STATE,
        pub LookaheadSize: ULONG,
        pub PowerManagementCapabilities: *mut NDIS_PNP_CAPABILITIES,
        pub MacOptions: ULONG,
        pub SupportedPacketFilters: ULONG,
        pub MaxMulticastListSize: ULONG,
        pub MacAddressLength: USHORT,
        pub PermanentMacAddress: [UCHAR; NDIS_MAX_PHYS_ADDRESS_LENGTH],
        pub CurrentMacAddress: [UCHAR; NDIS_MAX_PHYS_ADDRESS_LENGTH],
        pub RecvScaleCapabilities: *mut NDIS_RECEIVE_SCALE_CAPABILITIES,
        pub AccessType: NET_IF_ACCESS_TYPE,
        pub DirectionType: NET_IF_DIRECTION_TYPE,
        pub ConnectionType: NET_IF_CONNECTION_TYPE,
        pub IfType: NET_IFTYPE,
        pub IfConnectorPresent: BOOLEAN,
        pub SupportedStatistics: ULONG,
        pub SupportedPauseFunctions: ULONG,
        pub DataBackFillSize: ULONG,
        pub ContextBackFillSize: ULONG,
        pub SupportedOidList: *mut NDIS_OID,
        pub SupportedOidListLength: ULONG,
        pub AutoNegotiationFlags: ULONG,
        pub PowerManagementCapabilitiesEx: *mut NDIS_PM_CAPABILITIES,
    }

    /// `NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES`.
    pub struct NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub DefaultOffloadConfiguration: *mut NDIS_OFFLOAD,
        pub HardwareOffloadCapabilities: *mut NDIS_OFFLOAD,
        pub DefaultTcpConnectionOffloadConfiguration: *mut NDIS_TCP_CONNECTION_OFFLOAD,
        pub TcpConnectionOffloadHardwareCapabilities: *mut NDIS_TCP_CONNECTION_OFFLOAD,
    }

    /// `NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES`. Revision 3 (NDIS 6.30,
    /// `Header.Size` = `NDIS_SIZEOF_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES_REVISION_3`) ends
    /// at `CurrentSriovCapabilities`; the QoS (rev 3 header size 0x50 includes them) and GFT
    /// pointers follow.
    pub struct NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub HDSplitAttributes: *mut NDIS_HD_SPLIT_ATTRIBUTES,
        pub HardwareReceiveFilterCapabilities: *mut NDIS_RECEIVE_FILTER_CAPABILITIES,
        pub CurrentReceiveFilterCapabilities: *mut NDIS_RECEIVE_FILTER_CAPABILITIES,
        pub HardwareNicSwitchCapabilities: *mut NDIS_NIC_SWITCH_CAPABILITIES,
        pub CurrentNicSwitchCapabilities: *mut NDIS_NIC_SWITCH_CAPABILITIES,
        pub HardwareSriovCapabilities: *mut NDIS_SRIOV_CAPABILITIES,
        pub CurrentSriovCapabilities: *mut NDIS_SRIOV_CAPABILITIES,
        pub HardwareQosCapabilities: *mut NDIS_QOS_CAPABILITIES,
        pub CurrentQosCapabilities: *mut NDIS_QOS_CAPABILITIES,
        pub HardwareGftOffloadCapabilities: PNDIS_GFT_OFFLOAD_CAPABILITIES,
        pub CurrentGftOffloadCapabilities: PNDIS_GFT_OFFLOAD_CAPABILITIES,
    }

    /// `NDIS_MINIPORT_ADAPTER_NDK_ATTRIBUTES`.
    pub struct NDIS_MINIPORT_ADAPTER_NDK_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Enabled: BOOLEAN,
        pub NdkCapabilities: *mut NDIS_NDK_CAPABILITIES,
    }

    /// `NDIS_MINIPORT_ADAPTER_PACKET_DIRECT_ATTRIBUTES` (NDIS 6.50).
    pub struct NDIS_MINIPORT_ADAPTER_PACKET_DIRECT_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub DmaAddressWidth: UCHAR,
    }

    /// `NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES` (set from `MiniportAddDevice`).
    pub struct NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub MiniportAddDeviceContext: NDIS_HANDLE,
        pub Flags: ULONG,
    }

    /// `NDIS_MINIPORT_ADAPTER_ATTRIBUTES`: the union `NdisMSetMiniportAttributes` takes; NDIS
    /// reads `Header.Type` to know which member is meant. (The native 802.11 member is omitted;
    /// it does not change the union's size, which is that of the general attributes.)
    pub union NDIS_MINIPORT_ADAPTER_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub AddDeviceRegistrationAttributes: NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES,
        pub RegistrationAttributes: NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES,
        pub GeneralAttributes: NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES,
        pub OffloadAttributes: NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES,
        pub HardwareAssistAttributes: NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES,
        pub NDKAttributes: NDIS_MINIPORT_ADAPTER_NDK_ATTRIBUTES,
        pub PacketDirectAttributes: NDIS_MINIPORT_ADAPTER_PACKET_DIRECT_ATTRIBUTES,
    }

    /// `NDIS_PM_WAKE_UP_CAPABILITIES` (legacy).
    pub struct NDIS_PM_WAKE_UP_CAPABILITIES {
        pub MinMagicPacketWakeUp: NDIS_DEVICE_POWER_STATE,
        pub MinPatternWakeUp: NDIS_DEVICE_POWER_STATE,
        pub MinLinkChangeWakeUp: NDIS_DEVICE_POWER_STATE,
    }

    /// `NDIS_PNP_CAPABILITIES` (legacy, no object header; `OID_PNP_CAPABILITIES`).
    pub struct NDIS_PNP_CAPABILITIES {
        pub Flags: ULONG,
        pub WakeUpCapabilities: NDIS_PM_WAKE_UP_CAPABILITIES,
    } extra {
        "WakeUpCapabilities.MinMagicPacketWakeUp" => WakeUpCapabilities.MinMagicPacketWakeUp,
        "WakeUpCapabilities.MinPatternWakeUp" => WakeUpCapabilities.MinPatternWakeUp,
        "WakeUpCapabilities.MinLinkChangeWakeUp" => WakeUpCapabilities.MinLinkChangeWakeUp,
    }

    /// `NDIS_PM_CAPABILITIES` (revision 2, NDIS 6.30).
    pub struct NDIS_PM_CAPABILITIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub SupportedWoLPacketPatterns: ULONG,
        pub NumTotalWoLPatterns: ULONG,
        pub MaxWoLPatternSize: ULONG,
        pub MaxWoLPatternOffset: ULONG,
        pub MaxWoLPacketSaveBuffer: ULONG,
        pub SupportedProtocolOffloads: ULONG,
        pub NumArpOffloadIPv4Addresses: ULONG,
        pub NumNSOffloadIPv6Addresses: ULONG,
        pub MinMagicPacketWakeUp: NDIS_DEVICE_POWER_STATE,
        pub MinPatternWakeUp: NDIS_DEVICE_POWER_STATE,
        pub MinLinkChangeWakeUp: NDIS_DEVICE_POWER_STATE,
        pub SupportedWakeUpEvents: ULONG,
        pub MediaSpecificWakeUpEvents: ULONG,
    }

    /// `NDIS_PM_PARAMETERS` (`OID_PM_PARAMETERS`).
    pub struct NDIS_PM_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub EnabledWoLPacketPatterns: ULONG,
        pub EnabledProtocolOffloads: ULONG,
        pub WakeUpFlags: ULONG,
        pub MediaSpecificWakeUpEvents: ULONG,
    }

    /// `NDIS_HD_SPLIT_ATTRIBUTES` (header-data split; not in the golden table).
    pub struct NDIS_HD_SPLIT_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub HardwareCapabilities: ULONG,
        pub CurrentCapabilities: ULONG,
        pub HDSplitFlags: ULONG,
        pub BackfillSize: ULONG,
        pub MaxHeaderSize: ULONG,
    }

    /// `NDIS_QOS_CAPABILITIES` (DCB; `OID_QOS_HARDWARE_CAPABILITIES`).
    pub struct NDIS_QOS_CAPABILITIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub MaxNumTrafficClasses: ULONG,
        pub MaxNumEtsCapableTrafficClasses: ULONG,
        pub MaxNumPfcEnabledTrafficClasses: ULONG,
    }

    /// `NDIS_NDK_CAPABILITIES` (NetworkDirect kernel; the drivers do not offer NDK).
    pub struct NDIS_NDK_CAPABILITIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub MaxQpCount: ULONG,
        pub MaxCqCount: ULONG,
        pub MaxMrCount: ULONG,
        pub MaxPdCount: ULONG,
        pub MaxInboundReadLimit: ULONG,
        pub MaxOutboundReadLimit: ULONG,
        pub MaxMwCount: ULONG,
        pub MaxSrqCount: ULONG,
        pub MissingCounterMask: ULONG64,
        pub NdkInfo: PNDK_ADAPTER_INFO,
    }

    /// `NDIS_TIMESTAMP_CAPABILITY_FLAGS` (14 BOOLEANs).
    pub struct NDIS_TIMESTAMP_CAPABILITY_FLAGS {
        pub PtpV2OverUdpIPv4EventMsgReceiveHw: BOOLEAN,
        pub PtpV2OverUdpIPv4AllMsgReceiveHw: BOOLEAN,
        pub PtpV2OverUdpIPv4EventMsgTransmitHw: BOOLEAN,
        pub PtpV2OverUdpIPv4AllMsgTransmitHw: BOOLEAN,
        pub PtpV2OverUdpIPv6EventMsgReceiveHw: BOOLEAN,
        pub PtpV2OverUdpIPv6AllMsgReceiveHw: BOOLEAN,
        pub PtpV2OverUdpIPv6EventMsgTransmitHw: BOOLEAN,
        pub PtpV2OverUdpIPv6AllMsgTransmitHw: BOOLEAN,
        pub AllReceiveHw: BOOLEAN,
        pub AllTransmitHw: BOOLEAN,
        pub TaggedTransmitHw: BOOLEAN,
        pub AllReceiveSw: BOOLEAN,
        pub AllTransmitSw: BOOLEAN,
        pub TaggedTransmitSw: BOOLEAN,
    }

    /// `NDIS_TIMESTAMP_CAPABILITIES` (NDIS 6.82 hardware timestamping).
    pub struct NDIS_TIMESTAMP_CAPABILITIES {
        pub Header: NDIS_OBJECT_HEADER,
        pub HardwareClockFrequencyHz: ULONG64,
        pub CrossTimestamp: BOOLEAN,
        pub Reserved1: ULONG64,
        pub Reserved2: ULONG64,
        pub TimestampFlags: NDIS_TIMESTAMP_CAPABILITY_FLAGS,
    }

    /// `NDIS_DEVICE_OBJECT_ATTRIBUTES` (`NdisRegisterDeviceEx`).
    pub struct NDIS_DEVICE_OBJECT_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub DeviceName: *mut NDIS_STRING,
        pub SymbolicName: *mut NDIS_STRING,
        pub MajorFunctions: *mut PDRIVER_DISPATCH,
        pub ExtensionSize: ULONG,
        pub DefaultSDDLString: *const UNICODE_STRING,
        pub DeviceClassGuid: *const GUID,
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES>() == 32);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES>() == 224);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES>() == 40);
const _: () =
    assert!(core::mem::size_of::<NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES>() == 96);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_ADAPTER_NDK_ATTRIBUTES>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_ADAPTER_PACKET_DIRECT_ATTRIBUTES>() == 12);
const _: () =
    assert!(core::mem::size_of::<NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES>() == 24);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_ADAPTER_ATTRIBUTES>() == 224);
const _: () = assert!(core::mem::size_of::<NDIS_PM_WAKE_UP_CAPABILITIES>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_PNP_CAPABILITIES>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_PM_CAPABILITIES>() == 60);
const _: () = assert!(core::mem::size_of::<NDIS_PM_PARAMETERS>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_HD_SPLIT_ATTRIBUTES>() == 24);
const _: () = assert!(core::mem::size_of::<NDIS_QOS_CAPABILITIES>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_NDK_CAPABILITIES>() == 56);
const _: () = assert!(core::mem::size_of::<NDIS_TIMESTAMP_CAPABILITY_FLAGS>() == 14);
const _: () = assert!(core::mem::size_of::<NDIS_TIMESTAMP_CAPABILITIES>() == 56);
const _: () = assert!(core::mem::size_of::<NDIS_DEVICE_OBJECT_ATTRIBUTES>() == 56);

abi_constants! {
    // NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES.AttributeFlags, NDIS_MAC_OPTION_*
    // (general attributes MacOptions) and NDIS_PACKET_TYPE_* (packet filter bits): golden table.
    pub const NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA: ULONG = 1;
    pub const NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE: ULONG = 1;
    pub const NDIS_PACKET_TYPE_DIRECTED: ULONG = 1;
    pub const NDIS_MAC_OPTION_RECEIVE_SERIALIZED: ULONG = 2;
    pub const NDIS_MINIPORT_ATTRIBUTES_NDIS_WDM: ULONG = 2;
    pub const NDIS_PACKET_TYPE_MULTICAST: ULONG = 2;
    pub const NDIS_MAC_OPTION_TRANSFERS_NOT_PEND: ULONG = 4;
    pub const NDIS_MINIPORT_ATTRIBUTES_SURPRISE_REMOVE_OK: ULONG = 4;
    pub const NDIS_PACKET_TYPE_ALL_MULTICAST: ULONG = 4;
    pub const NDIS_MAC_OPTION_NO_LOOPBACK: ULONG = 8;
    pub const NDIS_MINIPORT_ATTRIBUTES_NOT_CO_NDIS: ULONG = 8;
    pub const NDIS_PACKET_TYPE_BROADCAST: ULONG = 8;
    pub const NDIS_MAC_OPTION_FULL_DUPLEX: ULONG = 0x10;
    pub const NDIS_MINIPORT_ATTRIBUTES_DO_NOT_BIND_TO_ALL_CO: ULONG = 0x10;
    pub const NDIS_PACKET_TYPE_SOURCE_ROUTING: ULONG = 0x10;
    pub const NDIS_MAC_OPTION_EOTX_INDICATION: ULONG = 0x20;
    pub const NDIS_MINIPORT_ATTRIBUTES_NO_HALT_ON_SUSPEND: ULONG = 0x20;
    pub const NDIS_PACKET_TYPE_PROMISCUOUS: ULONG = 0x20;
    pub const NDIS_MAC_OPTION_8021P_PRIORITY: ULONG = 0x40;
    pub const NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER: ULONG = 0x40;
    pub const NDIS_PACKET_TYPE_SMT: ULONG = 0x40;
    pub const NDIS_MAC_OPTION_SUPPORTS_MAC_ADDRESS_OVERWRITE: ULONG = 0x80;
    pub const NDIS_MINIPORT_ATTRIBUTES_CONTROLS_DEFAULT_PORT: ULONG = 0x80;
    pub const NDIS_PACKET_TYPE_ALL_LOCAL: ULONG = 0x80;
    pub const NDIS_MAC_OPTION_RECEIVE_AT_DPC: ULONG = 0x100;
    pub const NDIS_MINIPORT_ATTRIBUTES_NO_PAUSE_ON_SUSPEND: ULONG = 0x100;
    pub const NDIS_MAC_OPTION_8021Q_VLAN: ULONG = 0x200;
    pub const NDIS_MINIPORT_ATTRIBUTES_NO_OID_INTERCEPT_ON_NONDEFAULT_PORTS: ULONG = 0x200;
    pub const NDIS_MINIPORT_ATTRIBUTES_REGISTER_BUGCHECK_CALLBACK: ULONG = 0x400;
    pub const NDIS_PACKET_TYPE_GROUP: ULONG = 0x1000;
    pub const NDIS_PACKET_TYPE_ALL_FUNCTIONAL: ULONG = 0x2000;
    pub const NDIS_PACKET_TYPE_FUNCTIONAL: ULONG = 0x4000;
    pub const NDIS_PACKET_TYPE_MAC_FRAME: ULONG = 0x8000;
    pub const NDIS_PACKET_TYPE_NO_LOCAL: ULONG = 0x10000;
    pub const NDIS_MAC_OPTION_RESERVED: ULONG = 0x80000000;
    // NDIS_INTERFACE_TYPE (source: ndis.h WDK 10.0.22621, = wdm.h INTERFACE_TYPE).
    pub const NdisInterfaceInternal: NDIS_INTERFACE_TYPE = 0;
    pub const NdisInterfaceIsa: NDIS_INTERFACE_TYPE = 1;
    pub const NdisInterfacePci: NDIS_INTERFACE_TYPE = 5;
    pub const NdisInterfacePNPBus: NDIS_INTERFACE_TYPE = 15;
    // NDIS_MEDIUM (source: ntddndis.h).
    pub const NdisMedium802_3: NDIS_MEDIUM = 0;
    pub const NdisMediumLoopback: NDIS_MEDIUM = 17;
    pub const NdisMediumIP: NDIS_MEDIUM = 19;
    // NDIS_PHYSICAL_MEDIUM (source: ntddndis.h).
    pub const NdisPhysicalMediumUnspecified: NDIS_PHYSICAL_MEDIUM = 0;
    pub const NdisPhysicalMedium802_3: NDIS_PHYSICAL_MEDIUM = 14;
    pub const NdisPhysicalMediumOther: NDIS_PHYSICAL_MEDIUM = 19;
    // NDIS_DEVICE_POWER_STATE (source: ntddndis.h).
    pub const NdisDeviceStateUnspecified: NDIS_DEVICE_POWER_STATE = 0;
    pub const NdisDeviceStateD0: NDIS_DEVICE_POWER_STATE = 1;
    pub const NdisDeviceStateD1: NDIS_DEVICE_POWER_STATE = 2;
    pub const NdisDeviceStateD2: NDIS_DEVICE_POWER_STATE = 3;
    pub const NdisDeviceStateD3: NDIS_DEVICE_POWER_STATE = 4;
    // NDIS_PNP_CAPABILITIES.Flags (source: ntddndis.h).
    pub const NDIS_DEVICE_WAKE_UP_ENABLE: ULONG = 0x1;
    pub const NDIS_DEVICE_WAKE_ON_PATTERN_MATCH_ENABLE: ULONG = 0x2;
    pub const NDIS_DEVICE_WAKE_ON_MAGIC_PACKET_ENABLE: ULONG = 0x4;
    // NDIS_PM_CAPABILITIES.Flags / SupportedWoLPacketPatterns / SupportedProtocolOffloads /
    // SupportedWakeUpEvents (source: ntddndis.h).
    pub const NDIS_PM_WAKE_PACKET_INDICATION_SUPPORTED: ULONG = 0x1;
    pub const NDIS_PM_SELECTIVE_SUSPEND_SUPPORTED: ULONG = 0x2;
    pub const NDIS_PM_WOL_BITMAP_PATTERN_SUPPORTED: ULONG = 0x1;
    pub const NDIS_PM_WOL_MAGIC_PACKET_SUPPORTED: ULONG = 0x2;
    pub const NDIS_PM_WOL_IPV4_TCP_SYN_SUPPORTED: ULONG = 0x4;
    pub const NDIS_PM_WOL_IPV6_TCP_SYN_SUPPORTED: ULONG = 0x8;
    pub const NDIS_PM_WOL_IPV4_DEST_ADDR_WILDCARD_SUPPORTED: ULONG = 0x200;
    pub const NDIS_PM_WOL_IPV6_DEST_ADDR_WILDCARD_SUPPORTED: ULONG = 0x800;
    pub const NDIS_PM_WOL_EAPOL_REQUEST_ID_MESSAGE_SUPPORTED: ULONG = 0x10000;
    pub const NDIS_PM_PROTOCOL_OFFLOAD_ARP_SUPPORTED: ULONG = 0x1;
    pub const NDIS_PM_PROTOCOL_OFFLOAD_NS_SUPPORTED: ULONG = 0x2;
    pub const NDIS_PM_WAKE_ON_MEDIA_CONNECT_SUPPORTED: ULONG = 0x1;
    pub const NDIS_PM_WAKE_ON_MEDIA_DISCONNECT_SUPPORTED: ULONG = 0x2;
    // NDIS_PM_PARAMETERS.WakeUpFlags (source: ntddndis.h).
    pub const NDIS_PM_WAKE_ON_LINK_CHANGE_ENABLED: ULONG = 0x1;
    pub const NDIS_PM_WAKE_ON_MEDIA_DISCONNECT_ENABLED: ULONG = 0x2;
    // NDIS_HD_SPLIT_ATTRIBUTES capabilities (source: ntddndis.h).
    pub const NDIS_HD_SPLIT_CAPS_SUPPORTS_HEADER_DATA_SPLIT: ULONG = 0x1;
    pub const NDIS_HD_SPLIT_CAPS_SUPPORTS_IPV4_OPTIONS: ULONG = 0x2;
    pub const NDIS_HD_SPLIT_CAPS_SUPPORTS_IPV6_EXTENSION_HEADERS: ULONG = 0x4;
    pub const NDIS_HD_SPLIT_CAPS_SUPPORTS_TCP_OPTIONS: ULONG = 0x8;
    // NDIS_QOS_CAPABILITIES.Flags (source: ntddndis.h).
    pub const NDIS_QOS_CAPABILITIES_STRICT_TSA_SUPPORTED: ULONG = 0x1;
    pub const NDIS_QOS_CAPABILITIES_MACSEC_BYPASS_SUPPORTED: ULONG = 0x2;
    pub const NDIS_QOS_CAPABILITIES_CEE_DCBX_SUPPORTED: ULONG = 0x4;
    pub const NDIS_QOS_CAPABILITIES_IEEE_DCBX_SUPPORTED: ULONG = 0x8;
}
