//! Interrupt registration (`NdisMRegisterInterruptEx`): the ISR/DPC handler types, line-based and
//! MSI/MSI-X, `NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS`, the wdm.h message-info table NDIS fills
//! in for MSI-X, and `NDIS_MSIX_CONFIG_PARAMETERS`.
//!
//! Signatures: ndis.h (WDK 10.0.22621) and the DDI pages `nc-ndis-miniport_isr`,
//! `nc-ndis-miniport_message_interrupt`, … (NDIS 6.20+ DPC signatures with receive-throttle
//! parameters).

use crate::memory::SCATTER_GATHER_LIST;
use crate::types::*;

/// `MINIPORT_ISR` (`MiniportInterrupt`, line-based).
pub type MINIPORT_ISR = Option<
    unsafe extern "system" fn(
        MiniportInterruptContext: NDIS_HANDLE,
        QueueDefaultInterruptDpc: *mut BOOLEAN,
        TargetProcessors: *mut ULONG,
    ) -> BOOLEAN,
>;
/// `MINIPORT_ISR_HANDLER`.
pub type MINIPORT_ISR_HANDLER = MINIPORT_ISR;
/// `MINIPORT_INTERRUPT_DPC` (`MiniportInterruptDPC`). `ReceiveThrottleParameters` points to an
/// [`NDIS_RECEIVE_THROTTLE_PARAMETERS`].
pub type MINIPORT_INTERRUPT_DPC = Option<
    unsafe extern "system" fn(
        MiniportInterruptContext: NDIS_HANDLE,
        MiniportDpcContext: PVOID,
        ReceiveThrottleParameters: PVOID,
        NdisReserved2: PVOID,
    ),
>;
/// `MINIPORT_INTERRUPT_DPC_HANDLER`.
pub type MINIPORT_INTERRUPT_DPC_HANDLER = MINIPORT_INTERRUPT_DPC;
/// `MINIPORT_DISABLE_INTERRUPT` (`MiniportDisableInterruptEx`).
pub type MINIPORT_DISABLE_INTERRUPT =
    Option<unsafe extern "system" fn(MiniportInterruptContext: NDIS_HANDLE)>;
/// `MINIPORT_DISABLE_INTERRUPT_HANDLER`.
pub type MINIPORT_DISABLE_INTERRUPT_HANDLER = MINIPORT_DISABLE_INTERRUPT;
/// `MINIPORT_ENABLE_INTERRUPT` (`MiniportEnableInterruptEx`).
pub type MINIPORT_ENABLE_INTERRUPT = MINIPORT_DISABLE_INTERRUPT;
/// `MINIPORT_ENABLE_INTERRUPT_HANDLER`.
pub type MINIPORT_ENABLE_INTERRUPT_HANDLER = MINIPORT_ENABLE_INTERRUPT;
/// `MINIPORT_MESSAGE_INTERRUPT` (`MiniportMessageInterrupt`, MSI/MSI-X).
pub type MINIPORT_MESSAGE_INTERRUPT = Option<
    unsafe extern "system" fn(
        MiniportInterruptContext: NDIS_HANDLE,
        MessageId: ULONG,
        QueueDefaultInterruptDpc: *mut BOOLEAN,
        TargetProcessors: *mut ULONG,
    ) -> BOOLEAN,
>;
/// `MINIPORT_MSI_ISR_HANDLER`.
pub type MINIPORT_MSI_ISR_HANDLER = MINIPORT_MESSAGE_INTERRUPT;
/// `MINIPORT_MESSAGE_INTERRUPT_DPC` (`MiniportMessageInterruptDPC`).
pub type MINIPORT_MESSAGE_INTERRUPT_DPC = Option<
    unsafe extern "system" fn(
        MiniportInterruptContext: NDIS_HANDLE,
        MessageId: ULONG,
        MiniportDpcContext: PVOID,
        ReceiveThrottleParameters: PVOID,
        NdisReserved2: PVOID,
    ),
>;
/// `MINIPORT_MSI_INTERRUPT_DPC_HANDLER`.
pub type MINIPORT_MSI_INTERRUPT_DPC_HANDLER = MINIPORT_MESSAGE_INTERRUPT_DPC;
/// `MINIPORT_DISABLE_MESSAGE_INTERRUPT` (`MiniportDisableMessageInterrupt`).
pub type MINIPORT_DISABLE_MESSAGE_INTERRUPT =
    Option<unsafe extern "system" fn(MiniportInterruptContext: NDIS_HANDLE, MessageId: ULONG)>;
/// `MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER`.
pub type MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER = MINIPORT_DISABLE_MESSAGE_INTERRUPT;
/// `MINIPORT_ENABLE_MESSAGE_INTERRUPT` (`MiniportEnableMessageInterrupt`).
pub type MINIPORT_ENABLE_MESSAGE_INTERRUPT = MINIPORT_DISABLE_MESSAGE_INTERRUPT;
/// `MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER`.
pub type MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER = MINIPORT_ENABLE_MESSAGE_INTERRUPT;
/// `MINIPORT_SYNCHRONIZE_INTERRUPT` (`MiniportSynchronizeInterrupt`, run at DIRQL by
/// `NdisMSynchronizeWithInterruptEx`).
pub type MINIPORT_SYNCHRONIZE_INTERRUPT =
    Option<unsafe extern "system" fn(SynchronizeContext: NDIS_HANDLE) -> BOOLEAN>;
/// `MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER`.
pub type MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER = MINIPORT_SYNCHRONIZE_INTERRUPT;
/// `MINIPORT_SYNCHRONIZE_MESSAGE_INTERRUPT` (same type).
pub type MINIPORT_SYNCHRONIZE_MESSAGE_INTERRUPT = MINIPORT_SYNCHRONIZE_INTERRUPT;
/// `MINIPORT_PROCESS_SG_LIST` (`MiniportProcessSGList`): scatter/gather list ready.
pub type MINIPORT_PROCESS_SG_LIST = Option<
    unsafe extern "system" fn(
        pDO: PDEVICE_OBJECT,
        Reserved: PVOID,
        pSGL: *mut SCATTER_GATHER_LIST,
        Context: PVOID,
    ),
>;
/// `MINIPORT_PROCESS_SG_LIST_HANDLER`.
pub type MINIPORT_PROCESS_SG_LIST_HANDLER = MINIPORT_PROCESS_SG_LIST;
/// `MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE` (`MiniportSharedMemoryAllocateComplete`).
pub type MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE = Option<
    unsafe extern "system" fn(
        MiniportAdapterContext: NDIS_HANDLE,
        VirtualAddress: PVOID,
        PhysicalAddress: *mut NDIS_PHYSICAL_ADDRESS,
        Length: ULONG,
        Context: PVOID,
    ),
>;
/// `MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE_HANDLER`.
pub type MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE_HANDLER = MINIPORT_ALLOCATE_SHARED_MEM_COMPLETE;
/// `PKINTERRUPT`: opaque.
pub type PKINTERRUPT = PVOID;

abi_structs! {
    /// `NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS` (argument of `NdisMRegisterInterruptEx`).
    /// NDIS writes `InterruptType` and, for MSI, `MessageInfoTable`.
    pub struct NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS {
        pub Header: NDIS_OBJECT_HEADER,
        pub InterruptHandler: MINIPORT_ISR_HANDLER,
        pub InterruptDpcHandler: MINIPORT_INTERRUPT_DPC_HANDLER,
        pub DisableInterruptHandler: MINIPORT_DISABLE_INTERRUPT_HANDLER,
        pub EnableInterruptHandler: MINIPORT_ENABLE_INTERRUPT_HANDLER,
        pub MsiSupported: BOOLEAN,
        pub MsiSyncWithAllMessages: BOOLEAN,
        pub MessageInterruptHandler: MINIPORT_MSI_ISR_HANDLER,
        pub MessageInterruptDpcHandler: MINIPORT_MSI_INTERRUPT_DPC_HANDLER,
        pub DisableMessageInterruptHandler: MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER,
        pub EnableMessageInterruptHandler: MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER,
        pub InterruptType: NDIS_INTERRUPT_TYPE,
        pub MessageInfoTable: *mut IO_INTERRUPT_MESSAGE_INFO,
    }

    /// `IO_INTERRUPT_MESSAGE_INFO_ENTRY` (wdm.h): one MSI/MSI-X message.
    pub struct IO_INTERRUPT_MESSAGE_INFO_ENTRY {
        pub MessageAddress: PHYSICAL_ADDRESS,
        pub TargetProcessorSet: KAFFINITY,
        pub InterruptObject: PKINTERRUPT,
        pub MessageData: ULONG,
        pub Vector: ULONG,
        pub Irql: KIRQL,
        pub Mode: KINTERRUPT_MODE,
        pub Polarity: KINTERRUPT_POLARITY,
    }

    /// `IO_INTERRUPT_MESSAGE_INFO` (wdm.h): `MessageCount` entries follow in place of the
    /// one-element array.
    pub struct IO_INTERRUPT_MESSAGE_INFO {
        pub UnifiedIrql: KIRQL,
        pub MessageCount: ULONG,
        pub MessageInfo: [IO_INTERRUPT_MESSAGE_INFO_ENTRY; 1],
    }

    /// `NDIS_RECEIVE_THROTTLE_PARAMETERS`: `{ULONG MaxNblsToIndicate; ULONG MoreNblsPending:1;}`.
    pub struct NDIS_RECEIVE_THROTTLE_PARAMETERS {
        pub MaxNblsToIndicate: ULONG,
        /// Bit 0: `MoreNblsPending` (set by the miniport when it stopped early).
        pub Flags: ULONG,
    }

    /// `NDIS_MSIX_CONFIG_PARAMETERS` (argument of `NdisMConfigMSIXTableEntry`).
    pub struct NDIS_MSIX_CONFIG_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub ConfigOperation: NDIS_MSIX_TABLE_OPERATION,
        pub TableEntry: ULONG,
        pub MessageNumber: ULONG,
    }
}

impl NDIS_RECEIVE_THROTTLE_PARAMETERS {
    /// Reads the `MoreNblsPending:1` bit.
    #[must_use]
    pub const fn MoreNblsPending(&self) -> bool {
        self.Flags & 1 != 0
    }

    /// Writes the `MoreNblsPending:1` bit.
    pub const fn set_MoreNblsPending(&mut self, pending: bool) {
        self.Flags = (self.Flags & !1) | pending as ULONG;
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS>() == 96);
const _: () = assert!(core::mem::size_of::<IO_INTERRUPT_MESSAGE_INFO_ENTRY>() == 48);
const _: () = assert!(core::mem::size_of::<IO_INTERRUPT_MESSAGE_INFO>() == 56);
const _: () = assert!(core::mem::size_of::<NDIS_RECEIVE_THROTTLE_PARAMETERS>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_MSIX_CONFIG_PARAMETERS>() == 16);

abi_constants! {
    // NDIS_INTERRUPT_TYPE (source: ndis.h WDK 10.0.22621).
    pub const NDIS_CONNECT_LINE_BASED: NDIS_INTERRUPT_TYPE = 1;
    pub const NDIS_CONNECT_MESSAGE_BASED: NDIS_INTERRUPT_TYPE = 2;
    // NDIS_INTERRUPT_MODERATION (source: ntddndis.h).
    pub const NdisInterruptModerationUnknown: NDIS_INTERRUPT_MODERATION = 0;
    pub const NdisInterruptModerationNotSupported: NDIS_INTERRUPT_MODERATION = 1;
    pub const NdisInterruptModerationEnabled: NDIS_INTERRUPT_MODERATION = 2;
    pub const NdisInterruptModerationDisabled: NDIS_INTERRUPT_MODERATION = 3;
    // NDIS_INTERRUPT_MODERATION_PARAMETERS.Flags (source: ntddndis.h).
    pub const NDIS_INTERRUPT_MODERATION_CHANGE_NEEDS_RESET: ULONG = 0x1;
    pub const NDIS_INTERRUPT_MODERATION_CHANGE_NEEDS_REINITIALIZE: ULONG = 0x2;
    // KINTERRUPT_MODE (source: wdm.h).
    pub const LevelSensitive: KINTERRUPT_MODE = 0;
    pub const Latched: KINTERRUPT_MODE = 1;
}
