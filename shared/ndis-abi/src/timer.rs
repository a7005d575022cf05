//! Timers and work items: `NDIS_TIMER_CHARACTERISTICS` (`NdisAllocateTimerObject`) and the
//! `NDIS_TIMER_FUNCTION` / `NDIS_IO_WORKITEM_FUNCTION` callback types (ndis.h).

use crate::types::*;

/// `NDIS_TIMER_FUNCTION` (`NdisTimerFunction`, runs at DISPATCH_LEVEL).
pub type NDIS_TIMER_FUNCTION = Option<
    unsafe extern "system" fn(
        SystemSpecific1: PVOID,
        FunctionContext: PVOID,
        SystemSpecific2: PVOID,
        SystemSpecific3: PVOID,
    ),
>;
/// `PNDIS_TIMER_FUNCTION`.
pub type PNDIS_TIMER_FUNCTION = NDIS_TIMER_FUNCTION;
/// `NDIS_IO_WORKITEM_FUNCTION` (`NdisIoWorkItem`, runs at PASSIVE_LEVEL).
pub type NDIS_IO_WORKITEM_FUNCTION =
    Option<unsafe extern "system" fn(WorkItemContext: PVOID, NdisIoWorkItemHandle: NDIS_HANDLE)>;
/// `NDIS_IO_WORKITEM_ROUTINE`.
pub type NDIS_IO_WORKITEM_ROUTINE = NDIS_IO_WORKITEM_FUNCTION;

abi_structs! {
    /// `NDIS_TIMER_CHARACTERISTICS` (Header.Type `NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS`).
    pub struct NDIS_TIMER_CHARACTERISTICS {
        pub Header: NDIS_OBJECT_HEADER,
        pub AllocationTag: ULONG,
        pub TimerFunction: PNDIS_TIMER_FUNCTION,
        pub FunctionContext: PVOID,
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_TIMER_CHARACTERISTICS>() == 24);
