//! Miniport driver registration: the `MINIPORT_*` handler types, `NDIS_MINIPORT_DRIVER_CHARACTERISTICS`,
//! the optional PnP / selective-suspend characteristics registered through `NdisSetOptionalHandlers`
//! from `MiniportSetOptions`, and the initialize / restart / pause / PnP-event parameters NDIS
//! passes to those handlers.
//!
//! Handler types are named exactly like the C function types (`MINIPORT_INITIALIZE`, …) and are
//! `Option<unsafe extern "system" fn(..)>`, so a zeroed characteristics structure means "no
//! handler" exactly as a NULL pointer does in C. The C `*_HANDLER` pointer typedefs are aliases.
//! Signatures: ndis.h (WDK 10.0.22621) and the DDI reference pages `nc-ndis-miniport_*`.

use crate::interrupt::NDIS_RECEIVE_THROTTLE_PARAMETERS;
use crate::nbl::NET_BUFFER_LIST;
use crate::oid::NDIS_OID_REQUEST;
use crate::resources::CM_RESOURCE_LIST;
use crate::rss::NDIS_RECEIVE_SCALE_CAPABILITIES;
use crate::types::*;

/// `DRIVER_UNLOAD` / `MINIPORT_UNLOAD`: `VOID (PDRIVER_OBJECT DriverObject)`.
pub type MINIPORT_UNLOAD = Option<unsafe extern "system" fn(DriverObject: PDRIVER_OBJECT)>;
/// `MINIPORT_DRIVER_UNLOAD` (the pointer typedef of [`MINIPORT_UNLOAD`]).
pub type MINIPORT_DRIVER_UNLOAD = MINIPORT_UNLOAD;
/// `SET_OPTIONS` (`MiniportSetOptions`): registers optional services (e.g. PnP characteristics).
pub type SET_OPTIONS = Option<
    unsafe extern "system" fn(
        NdisDriverHandle: NDIS_HANDLE,
        DriverContext: NDIS_HANDLE,
    ) -> NDIS_STATUS,
>;
/// `MINIPORT_SET_OPTIONS` (the DDI page's name of [`SET_OPTIONS`] for miniports).
pub type MINIPORT_SET_OPTIONS = SET_OPTIONS;
/// `SET_OPTIONS_HANDLER`.
pub type SET_OPTIONS_HANDLER = SET_OPTIONS;
/// `MINIPORT_INITIALIZE` (`MiniportInitializeEx`).
pub type MINIPORT_INITIALIZE = Option<
    unsafe extern "system" fn(
        NdisMiniportHandle: NDIS_HANDLE,
        MiniportDriverContext: NDIS_HANDLE,
        MiniportInitParameters: *mut NDIS_MINIPORT_INIT_PARAMETERS,
    ) -> NDIS_STATUS,
>;
/// `MINIPORT_INITIALIZE_HANDLER`.
pub type MINIPORT_INITIALIZE_HANDLER = MINIPORT_INITIALIZE;
/// `MINIPORT_HALT` (`MiniportHaltEx`).
pub type MINIPORT_HALT = Option<
    unsafe extern "system" fn(MiniportAdapterContext: NDIS_HANDLE, HaltAction: NDIS_HALT_ACTION),
>;
/// `MINIPORT_HALT_HANDLER`.
pub type MINIPORT_HALT_HANDLER = MINIPORT_HALT;
/// `MINIPORT_PAUSE` (`MiniportPause`): cannot fail; SUCCESS or PENDING.
pub type MINIPORT_PAUSE = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        PauseParameters: *mut NDIS_MINIPORT_PAUSE_PARAMETERS,
    ) -> NDIS_STATUS,
>;
/// `MINIPORT_PAUSE_HANDLER`.
pub type MINIPORT_PAUSE_HANDLER = MINIPORT_PAUSE;
/// `MINIPORT_RESTART` (`MiniportRestart`).
pub type MINIPORT_RESTART = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        RestartParameters: *mut NDIS_MINIPORT_RESTART_PARAMETERS,
    ) -> NDIS_STATUS,
>;
/// `MINIPORT_RESTART_HANDLER`.
pub type MINIPORT_RESTART_HANDLER = MINIPORT_RESTART;
/// `MINIPORT_OID_REQUEST` (`MiniportOidRequest`).
pub type MINIPORT_OID_REQUEST = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
    ) -> NDIS_STATUS,
>;
/// `MINIPORT_OID_REQUEST_HANDLER`.
pub type MINIPORT_OID_REQUEST_HANDLER = MINIPORT_OID_REQUEST;
/// `MINIPORT_SEND_NET_BUFFER_LISTS` (`MiniportSendNetBufferLists`).
pub type MINIPORT_SEND_NET_BUFFER_LISTS = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        NetBufferList: *mut NET_BUFFER_LIST,
        PortNumber: NDIS_PORT_NUMBER,
        SendFlags: ULONG,
    ),
>;
/// `MINIPORT_SEND_NET_BUFFER_LISTS_HANDLER`.
pub type MINIPORT_SEND_NET_BUFFER_LISTS_HANDLER = MINIPORT_SEND_NET_BUFFER_LISTS;
/// `MINIPORT_RETURN_NET_BUFFER_LISTS` (`MiniportReturnNetBufferLists`).
pub type MINIPORT_RETURN_NET_BUFFER_LISTS = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        NetBufferLists: *mut NET_BUFFER_LIST,
        ReturnFlags: ULONG,
    ),
>;
/// `MINIPORT_RETURN_NET_BUFFER_LISTS_HANDLER`.
pub type MINIPORT_RETURN_NET_BUFFER_LISTS_HANDLER = MINIPORT_RETURN_NET_BUFFER_LISTS;
/// `MINIPORT_CANCEL_SEND` (`MiniportCancelSend`).
pub type MINIPORT_CANCEL_SEND =
    Option<unsafe extern "system" fn(MiniportAdapterContext: NDIS_HANDLE, CancelId: PVOID)>;
/// `MINIPORT_CANCEL_SEND_HANDLER`.
pub type MINIPORT_CANCEL_SEND_HANDLER = MINIPORT_CANCEL_SEND;
/// `MINIPORT_CHECK_FOR_HANG` (`MiniportCheckForHangEx`).
pub type MINIPORT_CHECK_FOR_HANG =
    Option<unsafe extern "system" fn(MiniportAdapterContext: NDIS_HANDLE) -> BOOLEAN>;
/// `MINIPORT_CHECK_FOR_HANG_HANDLER`.
pub type MINIPORT_CHECK_FOR_HANG_HANDLER = MINIPORT_CHECK_FOR_HANG;
/// `MINIPORT_RESET` (`MiniportResetEx`).
pub type MINIPORT_RESET = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        AddressingReset: *mut BOOLEAN,
    ) -> NDIS_STATUS,
>;
/// `MINIPORT_RESET_HANDLER`.
pub type MINIPORT_RESET_HANDLER = MINIPORT_RESET;
/// `MINIPORT_DEVICE_PNP_EVENT_NOTIFY` (`MiniportDevicePnPEventNotify`).
pub type MINIPORT_DEVICE_PNP_EVENT_NOTIFY = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        NetDevicePnPEvent: *mut NET_DEVICE_PNP_EVENT,
    ),
>;
/// `MINIPORT_DEVICE_PNP_EVENT_NOTIFY_HANDLER`.
pub type MINIPORT_DEVICE_PNP_EVENT_NOTIFY_HANDLER = MINIPORT_DEVICE_PNP_EVENT_NOTIFY;
/// `MINIPORT_SHUTDOWN` (`MiniportShutdownEx`): PASSIVE for power-off, HIGH_LEVEL on bugcheck.
pub type MINIPORT_SHUTDOWN = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        ShutdownAction: NDIS_SHUTDOWN_ACTION,
    ),
>;
/// `MINIPORT_SHUTDOWN_HANDLER`.
pub type MINIPORT_SHUTDOWN_HANDLER = MINIPORT_SHUTDOWN;
/// `MINIPORT_CANCEL_OID_REQUEST` (`MiniportCancelOidRequest`).
pub type MINIPORT_CANCEL_OID_REQUEST =
    Option<unsafe extern "system" fn(MiniportAdapterContext: NDIS_HANDLE, RequestId: PVOID)>;
/// `MINIPORT_CANCEL_OID_REQUEST_HANDLER`.
pub type MINIPORT_CANCEL_OID_REQUEST_HANDLER = MINIPORT_CANCEL_OID_REQUEST;
/// `MINIPORT_DIRECT_OID_REQUEST` (`MiniportDirectOidRequest`).
pub type MINIPORT_DIRECT_OID_REQUEST = MINIPORT_OID_REQUEST;
/// `MINIPORT_DIRECT_OID_REQUEST_HANDLER`.
pub type MINIPORT_DIRECT_OID_REQUEST_HANDLER = MINIPORT_DIRECT_OID_REQUEST;
/// `MINIPORT_CANCEL_DIRECT_OID_REQUEST` (`MiniportCancelDirectOidRequest`).
pub type MINIPORT_CANCEL_DIRECT_OID_REQUEST = MINIPORT_CANCEL_OID_REQUEST;
/// `MINIPORT_CANCEL_DIRECT_OID_REQUEST_HANDLER`.
pub type MINIPORT_CANCEL_DIRECT_OID_REQUEST_HANDLER = MINIPORT_CANCEL_DIRECT_OID_REQUEST;
/// `MINIPORT_SYNCHRONOUS_OID_REQUEST` (`MiniportSynchronousOidRequest`, NDIS 6.80).
pub type MINIPORT_SYNCHRONOUS_OID_REQUEST = MINIPORT_OID_REQUEST;
/// `MINIPORT_SYNCHRONOUS_OID_REQUEST_HANDLER`.
pub type MINIPORT_SYNCHRONOUS_OID_REQUEST_HANDLER = MINIPORT_SYNCHRONOUS_OID_REQUEST;
/// `MINIPORT_ADD_DEVICE` (`MiniportAddDevice`): must not touch hardware.
pub type MINIPORT_ADD_DEVICE = Option<
    unsafe extern "system" fn(
        NdisMiniportHandle: NDIS_HANDLE,
        MiniportDriverContext: NDIS_HANDLE,
    ) -> NDIS_STATUS,
>;
/// `MINIPORT_ADD_DEVICE_HANDLER`.
pub type MINIPORT_ADD_DEVICE_HANDLER = MINIPORT_ADD_DEVICE;
/// `MINIPORT_REMOVE_DEVICE` (`MiniportRemoveDevice`).
pub type MINIPORT_REMOVE_DEVICE =
    Option<unsafe extern "system" fn(MiniportAddDeviceContext: NDIS_HANDLE)>;
/// `MINIPORT_REMOVE_DEVICE_HANDLER`.
pub type MINIPORT_REMOVE_DEVICE_HANDLER = MINIPORT_REMOVE_DEVICE;
/// `MINIPORT_PNP_IRP`: the type of both `MiniportFilterResourceRequirements` and
/// `MiniportStartDevice`.
pub type MINIPORT_PNP_IRP = Option<
    unsafe extern "system" fn(MiniportAddDeviceContext: NDIS_HANDLE, Irp: PIRP) -> NDIS_STATUS,
>;
/// `MINIPORT_FILTER_RESOURCE_REQUIREMENTS` (`= MINIPORT_PNP_IRP`).
pub type MINIPORT_FILTER_RESOURCE_REQUIREMENTS = MINIPORT_PNP_IRP;
/// `MINIPORT_FILTER_RESOURCE_REQUIREMENTS_HANDLER`.
pub type MINIPORT_FILTER_RESOURCE_REQUIREMENTS_HANDLER = MINIPORT_PNP_IRP;
/// `MINIPORT_START_DEVICE` (`= MINIPORT_PNP_IRP`).
pub type MINIPORT_START_DEVICE = MINIPORT_PNP_IRP;
/// `MINIPORT_START_DEVICE_HANDLER`.
pub type MINIPORT_START_DEVICE_HANDLER = MINIPORT_PNP_IRP;
/// `MINIPORT_IDLE_NOTIFICATION` (`MiniportIdleNotification`, selective suspend).
pub type MINIPORT_IDLE_NOTIFICATION = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        ForceIdle: BOOLEAN,
    ) -> NDIS_STATUS,
>;
/// `MINIPORT_IDLE_NOTIFICATION_HANDLER`.
pub type MINIPORT_IDLE_NOTIFICATION_HANDLER = MINIPORT_IDLE_NOTIFICATION;
/// `MINIPORT_CANCEL_IDLE_NOTIFICATION` (`MiniportCancelIdleNotification`).
pub type MINIPORT_CANCEL_IDLE_NOTIFICATION =
    Option<unsafe extern "system" fn(MiniportAdapterContext: NDIS_HANDLE)>;
/// `MINIPORT_CANCEL_IDLE_NOTIFICATION_HANDLER`.
pub type MINIPORT_CANCEL_IDLE_NOTIFICATION_HANDLER = MINIPORT_CANCEL_IDLE_NOTIFICATION;
/// `DRIVER_DISPATCH`: an IRP dispatch routine (`NDIS_DEVICE_OBJECT_ATTRIBUTES.MajorFunctions`).
pub type DRIVER_DISPATCH =
    Option<unsafe extern "system" fn(DeviceObject: PDEVICE_OBJECT, Irp: PIRP) -> NTSTATUS>;
/// `PDRIVER_DISPATCH`.
pub type PDRIVER_DISPATCH = DRIVER_DISPATCH;

abi_structs! {
    /// `NDIS_MINIPORT_DRIVER_CHARACTERISTICS` (revision 3 layout; `Header.Size` selects how much
    /// NDIS reads: `NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2` for NDIS 6.30).
    pub struct NDIS_MINIPORT_DRIVER_CHARACTERISTICS {
        pub Header: NDIS_OBJECT_HEADER,
        pub MajorNdisVersion: UCHAR,
        pub MinorNdisVersion: UCHAR,
        pub MajorDriverVersion: UCHAR,
        pub MinorDriverVersion: UCHAR,
        pub Flags: ULONG,
        pub SetOptionsHandler: SET_OPTIONS_HANDLER,
        pub InitializeHandlerEx: MINIPORT_INITIALIZE_HANDLER,
        pub HaltHandlerEx: MINIPORT_HALT_HANDLER,
        pub UnloadHandler: MINIPORT_DRIVER_UNLOAD,
        pub PauseHandler: MINIPORT_PAUSE_HANDLER,
        pub RestartHandler: MINIPORT_RESTART_HANDLER,
        pub OidRequestHandler: MINIPORT_OID_REQUEST_HANDLER,
        pub SendNetBufferListsHandler: MINIPORT_SEND_NET_BUFFER_LISTS_HANDLER,
        pub ReturnNetBufferListsHandler: MINIPORT_RETURN_NET_BUFFER_LISTS_HANDLER,
        pub CancelSendHandler: MINIPORT_CANCEL_SEND_HANDLER,
        pub CheckForHangHandlerEx: MINIPORT_CHECK_FOR_HANG_HANDLER,
        pub ResetHandlerEx: MINIPORT_RESET_HANDLER,
        pub DevicePnPEventNotifyHandler: MINIPORT_DEVICE_PNP_EVENT_NOTIFY_HANDLER,
        pub ShutdownHandlerEx: MINIPORT_SHUTDOWN_HANDLER,
        pub CancelOidRequestHandler: MINIPORT_CANCEL_OID_REQUEST_HANDLER,
        pub DirectOidRequestHandler: MINIPORT_DIRECT_OID_REQUEST_HANDLER,
        pub CancelDirectOidRequestHandler: MINIPORT_CANCEL_DIRECT_OID_REQUEST_HANDLER,
        pub SynchronousOidRequestHandler: MINIPORT_SYNCHRONOUS_OID_REQUEST_HANDLER,
    }

    /// `NDIS_MINIPORT_PNP_CHARACTERISTICS`: registered with `NdisSetOptionalHandlers` from
    /// `MiniportSetOptions` (Header.Type `NDIS_OBJECT_TYPE_MINIPORT_PNP_CHARACTERISTICS`).
    pub struct NDIS_MINIPORT_PNP_CHARACTERISTICS {
        pub Header: NDIS_OBJECT_HEADER,
        pub MiniportAddDeviceHandler: MINIPORT_ADD_DEVICE_HANDLER,
        pub MiniportRemoveDeviceHandler: MINIPORT_REMOVE_DEVICE_HANDLER,
        pub MiniportFilterResourceRequirementsHandler: MINIPORT_FILTER_RESOURCE_REQUIREMENTS_HANDLER,
        pub MiniportStartDeviceHandler: MINIPORT_START_DEVICE_HANDLER,
        pub Flags: ULONG,
    }

    /// `NDIS_MINIPORT_SS_CHARACTERISTICS` (selective suspend, NDIS 6.30).
    pub struct NDIS_MINIPORT_SS_CHARACTERISTICS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub IdleNotificationHandler: MINIPORT_IDLE_NOTIFICATION_HANDLER,
        pub CancelIdleNotificationHandler: MINIPORT_CANCEL_IDLE_NOTIFICATION_HANDLER,
    }

    /// `NDIS_MINIPORT_INIT_PARAMETERS`. `AllocatedResources` holds the BARs and interrupts
    /// (`NDIS_RESOURCE_LIST` is `CM_PARTIAL_RESOURCE_LIST`).
    pub struct NDIS_MINIPORT_INIT_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub AllocatedResources: *mut NDIS_RESOURCE_LIST,
        pub IMDeviceInstanceContext: NDIS_HANDLE,
        pub MiniportAddDeviceContext: NDIS_HANDLE,
        pub IfIndex: NET_IFINDEX,
        pub NetLuid: NET_LUID,
        pub DefaultPortAuthStates: PNDIS_PORT_AUTHENTICATION_PARAMETERS,
        pub PciDeviceCustomProperties: PNDIS_PCI_DEVICE_CUSTOM_PROPERTIES,
    }

    /// `NDIS_MINIPORT_RESTART_PARAMETERS`.
    pub struct NDIS_MINIPORT_RESTART_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub RestartAttributes: *mut NDIS_RESTART_ATTRIBUTES,
        pub Flags: ULONG,
    }

    /// `NDIS_MINIPORT_PAUSE_PARAMETERS` (`PauseReason`: `NDIS_PAUSE_*` flags).
    pub struct NDIS_MINIPORT_PAUSE_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub Flags: ULONG,
        pub PauseReason: ULONG,
    }

    /// `NDIS_RESTART_ATTRIBUTES`: a list of `{Oid, Data}` entries; `Data` is
    /// `DECLSPEC_ALIGN(MEMORY_ALLOCATION_ALIGNMENT) UCHAR Data[1]`, a variable-length tail at 16.
    pub struct NDIS_RESTART_ATTRIBUTES {
        pub Next: *mut NDIS_RESTART_ATTRIBUTES,
        pub Oid: NDIS_OID,
        pub DataLength: ULONG,
        pub Data: NDIS_RESTART_ATTRIBUTES_DATA,
    }

    /// The 16-byte-aligned `Data[1]` tail of `NDIS_RESTART_ATTRIBUTES`.
    [align(16)]
    pub struct NDIS_RESTART_ATTRIBUTES_DATA {
        pub Data: [UCHAR; 1],
    }

    /// `NDIS_RESTART_GENERAL_ATTRIBUTES` (the data of `OID_GEN_MINIPORT_RESTART_ATTRIBUTES`).
    pub struct NDIS_RESTART_GENERAL_ATTRIBUTES {
        pub Header: NDIS_OBJECT_HEADER,
        pub MtuSize: ULONG,
        pub MaxXmitLinkSpeed: ULONG64,
        pub MaxRcvLinkSpeed: ULONG64,
        pub LookaheadSize: ULONG,
        pub MacOptions: ULONG,
        pub SupportedPacketFilters: ULONG,
        pub MaxMulticastListSize: ULONG,
        pub RecvScaleCapabilities: *mut NDIS_RECEIVE_SCALE_CAPABILITIES,
        pub AccessType: NET_IF_ACCESS_TYPE,
        pub Flags: ULONG,
        pub ConnectionType: NET_IF_CONNECTION_TYPE,
        pub SupportedStatistics: ULONG,
        pub DataBackFillSize: ULONG,
        pub ContextBackFillSize: ULONG,
        pub SupportedOidList: *mut NDIS_OID,
        pub SupportedOidListLength: ULONG,
        pub MaxLookaheadSizeAccessed: ULONG,
    }

    /// `NET_DEVICE_PNP_EVENT` (argument of `MiniportDevicePnPEventNotify`).
    pub struct NET_DEVICE_PNP_EVENT {
        pub Header: NDIS_OBJECT_HEADER,
        pub PortNumber: NDIS_PORT_NUMBER,
        pub DevicePnPEvent: NDIS_DEVICE_PNP_EVENT,
        pub InformationBuffer: PVOID,
        pub InformationBufferLength: ULONG,
        pub NdisReserved: [UCHAR; 2 * core::mem::size_of::<PVOID>()],
    }

    /// `NET_PNP_EVENT` (protocol/filter PnP events; embedded in `NET_PNP_EVENT_NOTIFICATION`).
    pub struct NET_PNP_EVENT {
        pub NetEvent: NET_PNP_EVENT_CODE,
        pub Buffer: PVOID,
        pub BufferLength: ULONG,
        pub NdisReserved: [ULONG_PTR; 4],
        pub TransportReserved: [ULONG_PTR; 4],
        pub TdiReserved: [ULONG_PTR; 4],
        pub TdiClientReserved: [ULONG_PTR; 4],
    }

    /// `NET_PNP_EVENT_NOTIFICATION`.
    pub struct NET_PNP_EVENT_NOTIFICATION {
        pub Header: NDIS_OBJECT_HEADER,
        pub PortNumber: NDIS_PORT_NUMBER,
        pub NetPnPEvent: NET_PNP_EVENT,
        pub Flags: ULONG,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
    }

}

/// `NDIS_RESOURCE_LIST` (`CM_PARTIAL_RESOURCE_LIST`).
pub type NDIS_RESOURCE_LIST = crate::resources::CM_PARTIAL_RESOURCE_LIST;

/// `PCM_RESOURCE_LIST` (for code that receives the full list, e.g. from a PnP IRP).
pub type PCM_RESOURCE_LIST = *mut CM_RESOURCE_LIST;

/// The receive-throttle parameters NDIS passes (as `PVOID`) to `MiniportInterruptDPC`.
pub type PNDIS_RECEIVE_THROTTLE_PARAMETERS = *mut NDIS_RECEIVE_THROTTLE_PARAMETERS;

const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_DRIVER_CHARACTERISTICS>() == 160);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_PNP_CHARACTERISTICS>() == 48);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_SS_CHARACTERISTICS>() == 24);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_INIT_PARAMETERS>() == 64);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_RESTART_PARAMETERS>() == 24);
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_PAUSE_PARAMETERS>() == 12);
const _: () = assert!(core::mem::size_of::<NDIS_RESTART_ATTRIBUTES>() == 32);
const _: () = assert!(core::mem::size_of::<NDIS_RESTART_GENERAL_ATTRIBUTES>() == 88);
const _: () = assert!(core::mem::size_of::<NET_DEVICE_PNP_EVENT>() == 48);
const _: () = assert!(core::mem::size_of::<NET_PNP_EVENT>() == 152);
const _: () = assert!(core::mem::size_of::<NET_PNP_EVENT_NOTIFICATION>() == 176);

abi_constants! {
    // The NDIS version the drivers register as (source: requirement "NDIS 6.30+ SR-IOV"; the WDK
    // macros NDIS_MINIPORT_MAJOR/MINOR_VERSION follow the build's NDIS version instead, so these
    // are this project's choice, documented in README.md).
    pub const NDIS_MINIPORT_MAJOR_VERSION: UCHAR = 6;
    pub const NDIS_MINIPORT_MINOR_VERSION: UCHAR = 30;
    // NDIS_MINIPORT_DRIVER_CHARACTERISTICS.Flags (golden table).
    pub const NDIS_INTERMEDIATE_DRIVER: ULONG = 0x1;
    pub const NDIS_WDM_DRIVER: ULONG = 0x2;
    pub const NDIS_DRIVER_FLAGS_RESERVED: ULONG = 0x8;
    // NDIS_HALT_ACTION (source: ndis.h WDK 10.0.22621).
    pub const NdisHaltDeviceDisabled: NDIS_HALT_ACTION = 0;
    pub const NdisHaltDeviceInstanceDeInitialized: NDIS_HALT_ACTION = 1;
    pub const NdisHaltDevicePoweredDown: NDIS_HALT_ACTION = 2;
    pub const NdisHaltDeviceSurpriseRemoved: NDIS_HALT_ACTION = 3;
    pub const NdisHaltDeviceFailed: NDIS_HALT_ACTION = 4;
    pub const NdisHaltDeviceInitializationFailed: NDIS_HALT_ACTION = 5;
    pub const NdisHaltDeviceStopped: NDIS_HALT_ACTION = 6;
    // NDIS_DEVICE_PNP_EVENT (source: ndis.h WDK 10.0.22621).
    pub const NdisDevicePnPEventQueryRemoved: NDIS_DEVICE_PNP_EVENT = 0;
    pub const NdisDevicePnPEventRemoved: NDIS_DEVICE_PNP_EVENT = 1;
    pub const NdisDevicePnPEventSurpriseRemoved: NDIS_DEVICE_PNP_EVENT = 2;
    pub const NdisDevicePnPEventQueryStopped: NDIS_DEVICE_PNP_EVENT = 3;
    pub const NdisDevicePnPEventStopped: NDIS_DEVICE_PNP_EVENT = 4;
    pub const NdisDevicePnPEventPowerProfileChanged: NDIS_DEVICE_PNP_EVENT = 5;
    pub const NdisDevicePnPEventFilterListChanged: NDIS_DEVICE_PNP_EVENT = 6;
    // NDIS_SHUTDOWN_ACTION (source: ndis.h WDK 10.0.22621).
    pub const NdisShutdownPowerOff: NDIS_SHUTDOWN_ACTION = 0;
    pub const NdisShutdownBugCheck: NDIS_SHUTDOWN_ACTION = 1;
    // NDIS_MINIPORT_PAUSE_PARAMETERS.PauseReason (source: ndis.h WDK 10.0.22621).
    pub const NDIS_PAUSE_NDIS_INTERNAL: ULONG = 0x1;
    pub const NDIS_PAUSE_LOW_POWER: ULONG = 0x2;
    pub const NDIS_PAUSE_BIND_PROTOCOL: ULONG = 0x4;
    pub const NDIS_PAUSE_UNBIND_PROTOCOL: ULONG = 0x8;
    pub const NDIS_PAUSE_ATTACH_FILTER: ULONG = 0x10;
    pub const NDIS_PAUSE_DETACH_FILTER: ULONG = 0x20;
    pub const NDIS_PAUSE_FILTER_RESTART_STACK: ULONG = 0x40;
    pub const NDIS_PAUSE_MINIPORT_DEVICE_REMOVE: ULONG = 0x80;
    // NDIS_RESTART_GENERAL_ATTRIBUTES.Flags (source: ndis.h WDK 10.0.22621).
    pub const NDIS_RESTART_GENERAL_ATTRIBUTES_MAX_LOOKAHEAD_ACCESSED_DEFINED: ULONG = 0x1;
    // Send / send-complete / receive / return flags (source: ndis.h WDK 10.0.22621).
    pub const NDIS_SEND_FLAGS_DISPATCH_LEVEL: ULONG = 0x1;
    pub const NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK: ULONG = 0x2;
    pub const NDIS_SEND_FLAGS_SINGLE_QUEUE: ULONG = 0x4;
    pub const NDIS_SEND_FLAGS_SWITCH_DESTINATION_GROUP: ULONG = 0x10;
    pub const NDIS_SEND_FLAGS_SWITCH_SINGLE_SOURCE: ULONG = 0x20;
    pub const NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL: ULONG = 0x1;
    pub const NDIS_SEND_COMPLETE_FLAGS_SINGLE_QUEUE: ULONG = 0x2;
    pub const NDIS_SEND_COMPLETE_FLAGS_SWITCH_SINGLE_SOURCE: ULONG = 0x4;
    pub const NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL: ULONG = 0x1;
    pub const NDIS_RECEIVE_FLAGS_RESOURCES: ULONG = 0x2;
    pub const NDIS_RECEIVE_FLAGS_SINGLE_ETHER_TYPE: ULONG = 0x100;
    pub const NDIS_RECEIVE_FLAGS_SINGLE_VLAN: ULONG = 0x200;
    pub const NDIS_RECEIVE_FLAGS_PERFECT_FILTERED: ULONG = 0x400;
    pub const NDIS_RECEIVE_FLAGS_SINGLE_QUEUE: ULONG = 0x800;
    pub const NDIS_RECEIVE_FLAGS_SHARED_MEMORY_INFO_VALID: ULONG = 0x1000;
    pub const NDIS_RECEIVE_FLAGS_MORE_NBLS: ULONG = 0x2000;
    pub const NDIS_RECEIVE_FLAGS_SWITCH_DESTINATION_GROUP: ULONG = 0x4000;
    pub const NDIS_RECEIVE_FLAGS_SWITCH_SINGLE_SOURCE: ULONG = 0x8000;
    pub const NDIS_RETURN_FLAGS_DISPATCH_LEVEL: ULONG = 0x1;
    pub const NDIS_RETURN_FLAGS_SINGLE_QUEUE: ULONG = 0x2;
    pub const NDIS_RETURN_FLAGS_SWITCH_SINGLE_SOURCE: ULONG = 0x4;
}
