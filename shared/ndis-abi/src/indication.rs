//! Status indications (`NdisMIndicateStatusEx`) and the link/port state they carry:
//! `NDIS_STATUS_INDICATION`, `NDIS_LINK_STATE` (`NDIS_STATUS_LINK_STATE`, `OID_GEN_LINK_STATE`),
//! `NDIS_LINK_PARAMETERS` (`OID_GEN_LINK_PARAMETERS`), `NDIS_INTERRUPT_MODERATION_PARAMETERS`
//! (`OID_GEN_INTERRUPT_MODERATION`), and the NDIS port structures.

use crate::types::*;

abi_structs! {
    /// `NDIS_STATUS_INDICATION`. `Guid` is at 0x3c because `GUID` is 4-byte aligned.
    pub struct NDIS_STATUS_INDICATION {
        pub Header: NDIS_OBJECT_HEADER,
        pub SourceHandle: NDIS_HANDLE,
        pub PortNumber: NDIS_PORT_NUMBER,
        pub StatusCode: NDIS_STATUS,
        pub Flags: ULONG,
        pub DestinationHandle: NDIS_HANDLE,
        pub RequestId: PVOID,
        pub StatusBuffer: PVOID,
        pub StatusBufferSize: ULONG,
        pub Guid: GUID,
        pub NdisReserved: [PVOID; 4],
    }

    /// `NDIS_LINK_STATE`.
    pub struct NDIS_LINK_STATE {
        pub Header: NDIS_OBJECT_HEADER,
        pub MediaConnectState: NDIS_MEDIA_CONNECT_STATE,
        pub MediaDuplexState: NDIS_MEDIA_DUPLEX_STATE,
        pub XmitLinkSpeed: ULONG64,
        pub RcvLinkSpeed: ULONG64,
        pub PauseFunctions: NDIS_SUPPORTED_PAUSE_FUNCTIONS,
        pub AutoNegotiationFlags: ULONG,
    }

    /// `NDIS_LINK_PARAMETERS`.
    pub struct NDIS_LINK_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub MediaDuplexState: NDIS_MEDIA_DUPLEX_STATE,
        pub XmitLinkSpeed: ULONG64,
        pub RcvLinkSpeed: ULONG64,
        pub PauseFunctions: NDIS_SUPPORTED_PAUSE_FUNCTIONS,
        pub AutoNegotiationFlags: ULONG,
    }

    /// `NDIS_INTERRUPT_MODERATION_PARAMETERS`.
    pub struct NDIS_INTERRUPT_MODERATION_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub InterruptModeration: NDIS_INTERRUPT_MODERATION,
    }

    /// `NDIS_PORT_STATE`.
    pub struct NDIS_PORT_STATE {
        pub Header: NDIS_OBJECT_HEADER,
        pub MediaConnectState: NDIS_MEDIA_CONNECT_STATE,
        pub XmitLinkSpeed: ULONG64,
        pub RcvLinkSpeed: ULONG64,
        pub Direction: NET_IF_DIRECTION_TYPE,
        pub SendControlState: NDIS_PORT_CONTROL_STATE,
        pub RcvControlState: NDIS_PORT_CONTROL_STATE,
        pub SendAuthorizationState: NDIS_PORT_AUTHORIZATION_STATE,
        pub RcvAuthorizationState: NDIS_PORT_AUTHORIZATION_STATE,
        pub Flags: ULONG,
    }

    /// `NDIS_PORT_CHARACTERISTICS`.
    pub struct NDIS_PORT_CHARACTERISTICS {
        pub Header: NDIS_OBJECT_HEADER,
        pub PortNumber: NDIS_PORT_NUMBER,
        pub Flags: ULONG,
        pub Type: NDIS_PORT_TYPE,
        pub MediaConnectState: NDIS_MEDIA_CONNECT_STATE,
        pub XmitLinkSpeed: ULONG64,
        pub RcvLinkSpeed: ULONG64,
        pub Direction: NET_IF_DIRECTION_TYPE,
        pub SendControlState: NDIS_PORT_CONTROL_STATE,
        pub RcvControlState: NDIS_PORT_CONTROL_STATE,
        pub SendAuthorizationState: NDIS_PORT_AUTHORIZATION_STATE,
        pub RcvAuthorizationState: NDIS_PORT_AUTHORIZATION_STATE,
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_STATUS_INDICATION>() == 112);
const _: () = assert!(core::mem::offset_of!(NDIS_STATUS_INDICATION, Guid) == 0x3c);
const _: () = assert!(core::mem::size_of::<NDIS_LINK_STATE>() == 40);
const _: () = assert!(core::mem::size_of::<NDIS_LINK_PARAMETERS>() == 32);
const _: () = assert!(core::mem::size_of::<NDIS_INTERRUPT_MODERATION_PARAMETERS>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_PORT_STATE>() == 48);
const _: () = assert!(core::mem::size_of::<NDIS_PORT_CHARACTERISTICS>() == 64);

abi_constants! {
    // NDIS_MEDIA_CONNECT_STATE / NET_IF_MEDIA_CONNECT_STATE (source: ifdef.h).
    pub const MediaConnectStateUnknown: NDIS_MEDIA_CONNECT_STATE = 0;
    pub const MediaConnectStateConnected: NDIS_MEDIA_CONNECT_STATE = 1;
    pub const MediaConnectStateDisconnected: NDIS_MEDIA_CONNECT_STATE = 2;
    // NDIS_MEDIA_DUPLEX_STATE (source: ifdef.h).
    pub const MediaDuplexStateUnknown: NDIS_MEDIA_DUPLEX_STATE = 0;
    pub const MediaDuplexStateHalf: NDIS_MEDIA_DUPLEX_STATE = 1;
    pub const MediaDuplexStateFull: NDIS_MEDIA_DUPLEX_STATE = 2;
    // NDIS_SUPPORTED_PAUSE_FUNCTIONS (source: ntddndis.h).
    pub const NdisPauseFunctionsUnsupported: NDIS_SUPPORTED_PAUSE_FUNCTIONS = 0;
    pub const NdisPauseFunctionsSendOnly: NDIS_SUPPORTED_PAUSE_FUNCTIONS = 1;
    pub const NdisPauseFunctionsReceiveOnly: NDIS_SUPPORTED_PAUSE_FUNCTIONS = 2;
    pub const NdisPauseFunctionsSendAndReceive: NDIS_SUPPORTED_PAUSE_FUNCTIONS = 3;
    pub const NdisPauseFunctionsUnknown: NDIS_SUPPORTED_PAUSE_FUNCTIONS = 4;
    // NDIS_LINK_SPEED_UNKNOWN = NET_IF_LINK_SPEED_UNKNOWN = (ULONG64)-1 (source: ifdef.h).
    pub const NDIS_LINK_SPEED_UNKNOWN: ULONG64 = u64::MAX;
    // NDIS_LINK_STATE.AutoNegotiationFlags (source: ntddndis.h).
    pub const NDIS_LINK_STATE_XMIT_LINK_SPEED_AUTO_NEGOTIATED: ULONG = 0x1;
    pub const NDIS_LINK_STATE_RCV_LINK_SPEED_AUTO_NEGOTIATED: ULONG = 0x2;
    pub const NDIS_LINK_STATE_DUPLEX_AUTO_NEGOTIATED: ULONG = 0x4;
    pub const NDIS_LINK_STATE_PAUSE_FUNCTIONS_AUTO_NEGOTIATED: ULONG = 0x8;
    // NDIS_STATUS_INDICATION.Flags (source: ndis.h).
    pub const NDIS_STATUS_INDICATION_FLAGS_NDIS_RESERVED: ULONG = 0xFFF;
    pub const NDIS_STATUS_INDICATION_FLAGS_MEDIA_CONNECT_TO_CONNECT: ULONG = 0x1000;
    // NDIS_PORT_AUTHORIZATION_STATE / NDIS_PORT_CONTROL_STATE (source: ntddndis.h).
    pub const NdisPortAuthorizationUnknown: NDIS_PORT_AUTHORIZATION_STATE = 0;
    pub const NdisPortAuthorized: NDIS_PORT_AUTHORIZATION_STATE = 1;
    pub const NdisPortUnauthorized: NDIS_PORT_AUTHORIZATION_STATE = 2;
    pub const NdisPortReauthorizing: NDIS_PORT_AUTHORIZATION_STATE = 3;
    pub const NdisPortControlStateUnknown: NDIS_PORT_CONTROL_STATE = 0;
    pub const NdisPortControlStateControlled: NDIS_PORT_CONTROL_STATE = 1;
    pub const NdisPortControlStateUncontrolled: NDIS_PORT_CONTROL_STATE = 2;
    // NET_IF_DIRECTION_TYPE / NET_IF_ACCESS_TYPE / NET_IF_CONNECTION_TYPE (source: ifdef.h).
    pub const NET_IF_DIRECTION_SENDRECEIVE: NET_IF_DIRECTION_TYPE = 0;
    pub const NET_IF_DIRECTION_SENDONLY: NET_IF_DIRECTION_TYPE = 1;
    pub const NET_IF_DIRECTION_RECEIVEONLY: NET_IF_DIRECTION_TYPE = 2;
    pub const NET_IF_ACCESS_LOOPBACK: NET_IF_ACCESS_TYPE = 1;
    pub const NET_IF_ACCESS_BROADCAST: NET_IF_ACCESS_TYPE = 2;
    pub const NET_IF_ACCESS_POINT_TO_POINT: NET_IF_ACCESS_TYPE = 3;
    pub const NET_IF_ACCESS_POINT_TO_MULTI_POINT: NET_IF_ACCESS_TYPE = 4;
    pub const NET_IF_CONNECTION_DEDICATED: NET_IF_CONNECTION_TYPE = 1;
    pub const NET_IF_CONNECTION_PASSIVE: NET_IF_CONNECTION_TYPE = 2;
    pub const NET_IF_CONNECTION_DEMAND: NET_IF_CONNECTION_TYPE = 3;
    // The default NDIS port. NOT verified against a header copy here (it lives in
    // ndis/ndisport.h, absent from the copies used); the DDI pages state port 0 is the default.
    pub const NDIS_DEFAULT_PORT_NUMBER: NDIS_PORT_NUMBER = 0;
}
