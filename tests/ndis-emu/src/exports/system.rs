//! Timers, work items, interrupts/DPCs, spin locks, SR-IOV functions, time, and the remaining
//! functions `ndis-abi` declares.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ndis_abi::*;

use super::core::require_registration;
use super::{adapter_of, check_irql, guard, object_of, owner_of};
use crate::adapter::AdapterShared;
use crate::consts::*;
use crate::context::{self, Handler};
use crate::irql::{self, Irql};
use crate::objects::{InterruptObj, TimerObj, TimerState, WorkItemObj};
use crate::raw;
use crate::registry::{self, Kind, Owner, lock};

const SUCCESS: NDIS_STATUS = NDIS_STATUS_SUCCESS;

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/// `NdisAllocateTimerObject`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateTimerObject(
    NdisHandle: NDIS_HANDLE,
    TimerCharacteristics: *mut NDIS_TIMER_CHARACTERISTICS,
    pTimerObject: *mut NDIS_HANDLE,
) -> NDIS_STATUS {
    guard("NdisAllocateTimerObject", NDIS_STATUS_FAILURE, || {
        let Some(owner) = owner_of(NdisHandle as usize, "NdisAllocateTimerObject") else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(Some(&owner), "NdisAllocateTimerObject", Irql::Passive);
        let Some(adapter) = owner.adapter().cloned() else {
            owner.violate(
                "NDIS-HANDLE-1",
                "NdisAllocateTimerObject: the emulator supports adapter-owned timers only".into(),
            );
            return NDIS_STATUS_NOT_SUPPORTED;
        };
        if TimerCharacteristics.is_null() || pTimerObject.is_null() {
            adapter.violate(
                "NDIS-HANDLE-1",
                "NdisAllocateTimerObject: NULL argument".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // SAFETY: non-NULL timer characteristics from the driver.
        let c = unsafe { raw::read(TimerCharacteristics) };
        if !header_ok(
            &c.Header,
            NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS,
            TIMER_CHARACTERISTICS_SIZES,
        ) || c.TimerFunction.is_none()
        {
            adapter.violate(
                "NDIS-ATTR-3",
                "NDIS_TIMER_CHARACTERISTICS: bad header or NULL TimerFunction".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        let handle = registry::reserve_handle();
        let timer = Arc::new(TimerObj {
            handle,
            function: c.TimerFunction,
            default_context: c.FunctionContext as usize,
            state: std::sync::Mutex::new(TimerState::default()),
        });
        registry::insert(handle, Kind::Timer(Arc::clone(&timer)), owner);
        lock(&adapter.timers.timers).timers.push(timer);
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(pTimerObject, handle as NDIS_HANDLE) };
        SUCCESS
    })
}

fn timer_of(handle: NDIS_HANDLE, name: &str) -> Option<(Arc<TimerObj>, Owner)> {
    match object_of(handle as usize, name, "timer object", |k| {
        matches!(k, Kind::Timer(_))
    }) {
        Some((Kind::Timer(t), owner)) => Some((t, owner)),
        _ => None,
    }
}

/// `NdisSetTimerObject`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisSetTimerObject(
    TimerObject: NDIS_HANDLE,
    DueTime: LONGLONG,
    MillisecondsPeriod: LONG,
    FunctionContext: PVOID,
) -> BOOLEAN {
    guard("NdisSetTimerObject", 0, || {
        let Some((timer, owner)) = timer_of(TimerObject, "NdisSetTimerObject") else {
            return 0;
        };
        check_irql(Some(&owner), "NdisSetTimerObject", Irql::Dispatch);
        // Negative: relative, in 100 ns units; positive: absolute system time.
        let relative_100ns = if DueTime < 0 {
            DueTime.unsigned_abs()
        } else {
            DueTime
                .saturating_sub(system_time_100ns())
                .max(0)
                .unsigned_abs()
        };
        let due = Instant::now()
            + Duration::from_nanos(relative_100ns.saturating_mul(100).min(3_600_000_000_000));
        let period = u32::try_from(MillisecondsPeriod.max(0)).unwrap_or(0);
        let context = if FunctionContext.is_null() {
            timer.default_context
        } else {
            FunctionContext as usize
        };
        let was_queued = {
            let mut s = lock(&timer.state);
            let was = s.queued.is_some();
            s.queued = Some((due, period, context));
            was
        };
        if let Some(a) = owner.adapter() {
            a.timers.cv.notify_all();
        }
        u8::from(was_queued)
    })
}

/// `NdisCancelTimerObject`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisCancelTimerObject(TimerObject: NDIS_HANDLE) -> BOOLEAN {
    guard("NdisCancelTimerObject", 0, || {
        let Some((timer, owner)) = timer_of(TimerObject, "NdisCancelTimerObject") else {
            return 0;
        };
        check_irql(Some(&owner), "NdisCancelTimerObject", Irql::Dispatch);
        u8::from(lock(&timer.state).queued.take().is_some())
    })
}

/// `NdisFreeTimerObject`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeTimerObject(TimerObject: NDIS_HANDLE) {
    guard("NdisFreeTimerObject", (), || {
        let Some((timer, owner)) = timer_of(TimerObject, "NdisFreeTimerObject") else {
            return;
        };
        check_irql(Some(&owner), "NdisFreeTimerObject", Irql::Passive);
        {
            let mut s = lock(&timer.state);
            if s.queued.is_some() {
                owner.violate("NDIS-TIMER-1", format!("NdisFreeTimerObject on timer {:#x} while it is still queued (cancel it first)", timer.handle));
                s.queued = None;
            }
            s.freed = true;
        }
        if let Some(a) = owner.adapter() {
            lock(&a.timers.timers)
                .timers
                .retain(|t| !Arc::ptr_eq(t, &timer));
        }
        registry::retire(TimerObject as usize);
    });
}

/// The adapter's timer thread: fires due timers at DISPATCH_LEVEL, concurrently with the
/// DPC and worker threads.
pub(crate) fn timer_thread(adapter: &Arc<AdapterShared>) {
    loop {
        let due: Vec<(Arc<TimerObj>, usize)> = {
            let mut list = lock(&adapter.timers.timers);
            if list.shutdown {
                return;
            }
            let now = Instant::now();
            let mut fire = Vec::new();
            let mut next: Option<Instant> = None;
            for t in &list.timers {
                let mut s = lock(&t.state);
                if let Some((when, period, ctx)) = s.queued {
                    if when <= now {
                        s.queued = if period > 0 {
                            Some((now + Duration::from_millis(u64::from(period)), period, ctx))
                        } else {
                            None
                        };
                        s.running = true;
                        fire.push((Arc::clone(t), ctx));
                    } else {
                        next = Some(next.map_or(when, |n: Instant| n.min(when)));
                    }
                }
            }
            if fire.is_empty() {
                let wait = next
                    .map_or(Duration::from_millis(50), |n| {
                        n.saturating_duration_since(now)
                    })
                    .min(Duration::from_millis(50));
                list = adapter
                    .timers
                    .cv
                    .wait_timeout(list, wait)
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0;
                drop(list);
                continue;
            }
            fire
        };
        for (timer, ctx) in due {
            if let Some(function) = timer.function {
                adapter.call(Handler::Timer, Irql::Dispatch, || {
                    // SAFETY: the driver's registered timer function with its context, at
                    // DISPATCH_LEVEL as NDIS calls it.
                    unsafe {
                        function(
                            std::ptr::null_mut(),
                            ctx as PVOID,
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                        )
                    }
                });
            }
            let mut s = lock(&timer.state);
            s.running = false;
            s.fired += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Work items
// ---------------------------------------------------------------------------------------------

/// `NdisAllocateIoWorkItem`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateIoWorkItem(NdisObjectHandle: NDIS_HANDLE) -> NDIS_HANDLE {
    guard("NdisAllocateIoWorkItem", std::ptr::null_mut(), || {
        let Some(owner) = owner_of(NdisObjectHandle as usize, "NdisAllocateIoWorkItem") else {
            return std::ptr::null_mut();
        };
        check_irql(Some(&owner), "NdisAllocateIoWorkItem", Irql::Dispatch);
        if owner.adapter().is_none() {
            owner.violate(
                "NDIS-HANDLE-1",
                "NdisAllocateIoWorkItem: the emulator supports adapter-owned work items only"
                    .into(),
            );
            return std::ptr::null_mut();
        }
        let handle = registry::reserve_handle();
        let item = Arc::new(WorkItemObj {
            queued: std::sync::Mutex::new(0),
        });
        registry::insert(handle, Kind::WorkItem(item), owner);
        handle as NDIS_HANDLE
    })
}

/// `NdisQueueIoWorkItem`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisQueueIoWorkItem(
    NdisIoWorkItemHandle: NDIS_HANDLE,
    Routine: NDIS_IO_WORKITEM_ROUTINE,
    WorkItemContext: PVOID,
) {
    guard("NdisQueueIoWorkItem", (), || {
        let Some((Kind::WorkItem(item), owner)) = object_of(
            NdisIoWorkItemHandle as usize,
            "NdisQueueIoWorkItem",
            "work item",
            |k| matches!(k, Kind::WorkItem(_)),
        ) else {
            return;
        };
        check_irql(Some(&owner), "NdisQueueIoWorkItem", Irql::Dispatch);
        let (Some(adapter), Some(routine)) = (owner.adapter().cloned(), Routine) else {
            owner.violate("NDIS-HANDLE-1", "NdisQueueIoWorkItem: NULL routine".into());
            return;
        };
        *lock(&item.queued) += 1;
        let ctx = WorkItemContext as usize;
        let handle = NdisIoWorkItemHandle as usize;
        let job_adapter = Arc::clone(&adapter);
        adapter.work.submit(Box::new(move || {
            *lock(&item.queued) -= 1;
            job_adapter.call(Handler::WorkItem, Irql::Passive, || {
                // SAFETY: the driver's work-item routine with its context, at PASSIVE_LEVEL.
                unsafe { routine(ctx as PVOID, handle as NDIS_HANDLE) }
            });
        }));
    });
}

/// `NdisFreeIoWorkItem`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeIoWorkItem(NdisIoWorkItemHandle: NDIS_HANDLE) {
    guard("NdisFreeIoWorkItem", (), || {
        let Some((_, owner)) = object_of(
            NdisIoWorkItemHandle as usize,
            "NdisFreeIoWorkItem",
            "work item",
            |k| matches!(k, Kind::WorkItem(_)),
        ) else {
            return;
        };
        check_irql(Some(&owner), "NdisFreeIoWorkItem", Irql::Dispatch);
        registry::retire(NdisIoWorkItemHandle as usize);
    });
}

// ---------------------------------------------------------------------------------------------
// Interrupts and DPCs
// ---------------------------------------------------------------------------------------------

/// `NdisMRegisterInterruptEx`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMRegisterInterruptEx(
    MiniportAdapterHandle: NDIS_HANDLE,
    MiniportInterruptContext: NDIS_HANDLE,
    MiniportInterruptCharacteristics: *mut NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS,
    NdisInterruptHandle: *mut NDIS_HANDLE,
) -> NDIS_STATUS {
    guard("NdisMRegisterInterruptEx", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMRegisterInterruptEx")
        else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        let owner = adapter.owner();
        check_irql(Some(&owner), "NdisMRegisterInterruptEx", Irql::Passive);
        require_registration(&adapter, "NdisMRegisterInterruptEx");
        if !context::inside(&owner, Handler::Initialize) {
            adapter.violate(
                "NDIS-INT-1",
                "NdisMRegisterInterruptEx called outside MiniportInitializeEx".into(),
            );
        }
        if MiniportInterruptCharacteristics.is_null() || NdisInterruptHandle.is_null() {
            adapter.violate(
                "NDIS-INT-1",
                "NdisMRegisterInterruptEx: NULL argument".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        if adapter.lock().interrupt.is_some() {
            adapter.violate(
                "NDIS-INT-1",
                "NdisMRegisterInterruptEx called twice for one adapter".into(),
            );
            return NDIS_STATUS_FAILURE;
        }
        // SAFETY: non-NULL characteristics from the driver.
        let mut c = unsafe { raw::read(MiniportInterruptCharacteristics) };
        let mut problems = Vec::new();
        if !header_ok(
            &c.Header,
            NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT,
            INTERRUPT_CHARACTERISTICS_SIZES,
        ) {
            problems.push(format!(
                "Header {{Type {:#x}, Revision {}, Size {}}}",
                c.Header.Type, c.Header.Revision, c.Header.Size
            ));
        }
        if c.InterruptHandler.is_none() || c.InterruptDpcHandler.is_none() {
            problems.push("line-based InterruptHandler/InterruptDpcHandler are NULL".into());
        }
        let message_based = c.MsiSupported != 0 && adapter.config.msix_messages > 0;
        if c.MsiSupported != 0
            && (c.MessageInterruptHandler.is_none() || c.MessageInterruptDpcHandler.is_none())
        {
            problems.push(
                "MsiSupported with NULL MessageInterruptHandler/MessageInterruptDpcHandler".into(),
            );
        }
        if !problems.is_empty() {
            adapter.violate(
                "NDIS-INT-1",
                format!("NdisMRegisterInterruptEx: {}", problems.join("; ")),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        let owner2 = adapter.owner();
        let mut table: Option<Box<[u64]>> = None;
        if message_based {
            let count = adapter.config.msix_messages as usize;
            let size = std::mem::size_of::<IO_INTERRUPT_MESSAGE_INFO>()
                + count.saturating_sub(1) * std::mem::size_of::<IO_INTERRUPT_MESSAGE_INFO_ENTRY>();
            // The table belongs to the interrupt registration (freed with it), 8-byte aligned.
            let mut buffer = vec![0u64; size.div_ceil(8)].into_boxed_slice();
            let block = buffer.as_mut_ptr() as usize;
            let info = IO_INTERRUPT_MESSAGE_INFO {
                UnifiedIrql: 5,
                MessageCount: adapter.config.msix_messages,
                MessageInfo: [IO_INTERRUPT_MESSAGE_INFO_ENTRY::zeroed()],
            };
            // SAFETY: `buffer` is sized for the header and `count` entries.
            unsafe { raw::write(block as *mut IO_INTERRUPT_MESSAGE_INFO, info) };
            let entries = block + std::mem::offset_of!(IO_INTERRUPT_MESSAGE_INFO, MessageInfo);
            for i in 0..count {
                let e = IO_INTERRUPT_MESSAGE_INFO_ENTRY {
                    MessageAddress: 0xFEE0_0000,
                    TargetProcessorSet: 1 << (i % 2),
                    InterruptObject: std::ptr::null_mut(),
                    MessageData: u32::try_from(0x4000 + i).unwrap_or(0),
                    Vector: u32::try_from(0x50 + i).unwrap_or(0),
                    Irql: 5,
                    Mode: Latched,
                    Polarity: 0,
                };
                // SAFETY: entry `i < count` lies inside `buffer`.
                unsafe {
                    raw::write(
                        (entries + i * std::mem::size_of::<IO_INTERRUPT_MESSAGE_INFO_ENTRY>())
                            as *mut IO_INTERRUPT_MESSAGE_INFO_ENTRY,
                        e,
                    )
                };
            }
            c.InterruptType = NDIS_CONNECT_MESSAGE_BASED;
            c.MessageInfoTable = block as *mut IO_INTERRUPT_MESSAGE_INFO;
            table = Some(buffer);
        } else {
            c.InterruptType = NDIS_CONNECT_LINE_BASED;
            c.MessageInfoTable = std::ptr::null_mut();
        }
        // SAFETY: non-NULL characteristics; NDIS writes back InterruptType/MessageInfoTable.
        unsafe { raw::write(MiniportInterruptCharacteristics, c) };
        let handle = registry::reserve_handle();
        let obj = Arc::new(InterruptObj {
            context: MiniportInterruptContext as usize,
            chars: c,
            message_based,
            message_table: std::sync::Mutex::new(table),
            sync: std::sync::Mutex::new(()),
            deregistered: std::sync::Mutex::new(false),
        });
        registry::insert(handle, Kind::Interrupt(obj), owner2);
        adapter.lock().interrupt = Some(handle);
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(NdisInterruptHandle, handle as NDIS_HANDLE) };
        SUCCESS
    })
}

fn interrupt_of(handle: NDIS_HANDLE, name: &str) -> Option<(Arc<InterruptObj>, Owner)> {
    match object_of(handle as usize, name, "interrupt handle", |k| {
        matches!(k, Kind::Interrupt(_))
    }) {
        Some((Kind::Interrupt(i), owner)) => Some((i, owner)),
        _ => None,
    }
}

/// `NdisMDeregisterInterruptEx`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMDeregisterInterruptEx(NdisInterruptHandle: NDIS_HANDLE) {
    guard("NdisMDeregisterInterruptEx", (), || {
        let Some((obj, owner)) = interrupt_of(NdisInterruptHandle, "NdisMDeregisterInterruptEx")
        else {
            return;
        };
        check_irql(Some(&owner), "NdisMDeregisterInterruptEx", Irql::Passive);
        *lock(&obj.deregistered) = true;
        // An ISR in progress finishes under the interrupt lock; NDIS returns from
        // deregistration only when the interrupt's ISR and DPCs are done
        // (D/ndis/nf-ndis-ndismderegisterinterruptex.md), so the driver may free their context.
        drop(lock(&obj.sync));
        if let Some(a) = owner.adapter() {
            a.lock().interrupt = None;
            if !a.intr.quiesce(a.config.completion_timeout) {
                // A DPC that never returns is a hang the test will see anyway; say why here.
                eprintln!(
                    "ndis-emu: NdisMDeregisterInterruptEx on adapter {:#x}: a DPC did not return within {:?}; deregistering anyway",
                    a.handle(),
                    a.config.completion_timeout
                );
            }
        }
        lock(&obj.message_table).take();
        registry::retire(NdisInterruptHandle as usize);
    });
}

pub(crate) fn run_dpc(
    adapter: &AdapterShared,
    obj: &InterruptObj,
    message: u32,
    dpc_context: usize,
) {
    if *lock(&obj.deregistered) {
        return;
    }
    let mut throttle = NDIS_RECEIVE_THROTTLE_PARAMETERS {
        MaxNblsToIndicate: u32::MAX,
        Flags: 0,
    };
    let throttle_ptr = std::ptr::from_mut(&mut throttle).cast::<std::ffi::c_void>();
    adapter.call(Handler::Dpc, Irql::Dispatch, || {
        if obj.message_based {
            if let Some(dpc) = obj.chars.MessageInterruptDpcHandler {
                // SAFETY: the driver's registered message DPC with NDIS's arguments.
                unsafe {
                    dpc(
                        obj.context as NDIS_HANDLE,
                        message,
                        dpc_context as PVOID,
                        throttle_ptr,
                        std::ptr::null_mut(),
                    )
                }
            }
        } else if let Some(dpc) = obj.chars.InterruptDpcHandler {
            // SAFETY: the driver's registered DPC with NDIS's arguments.
            unsafe {
                dpc(
                    obj.context as NDIS_HANDLE,
                    dpc_context as PVOID,
                    throttle_ptr,
                    std::ptr::null_mut(),
                )
            }
        }
    });
}

/// Calls the ISR for `message` at DIRQL under the interrupt lock. Returns (claimed,
/// QueueDefaultInterruptDpc, TargetProcessors).
pub(crate) fn call_isr(
    adapter: &AdapterShared,
    obj: &InterruptObj,
    message: u32,
) -> (bool, bool, ULONG) {
    if *lock(&obj.deregistered) {
        return (false, false, 0);
    }
    let mut queue_dpc_flag: BOOLEAN = 0;
    let mut targets: ULONG = 0;
    let claimed = {
        let _sync = lock(&obj.sync);
        adapter.call(Handler::Isr, Irql::Device, || {
            if obj.message_based {
                obj.chars.MessageInterruptHandler.is_some_and(|isr| {
                    // SAFETY: the driver's registered message ISR with NDIS's arguments.
                    unsafe {
                        isr(
                            obj.context as NDIS_HANDLE,
                            message,
                            &mut queue_dpc_flag,
                            &mut targets,
                        ) != 0
                    }
                })
            } else {
                obj.chars.InterruptHandler.is_some_and(|isr| {
                    // SAFETY: the driver's registered line ISR with NDIS's arguments.
                    unsafe {
                        isr(
                            obj.context as NDIS_HANDLE,
                            &mut queue_dpc_flag,
                            &mut targets,
                        ) != 0
                    }
                })
            }
        })
    };
    (claimed, queue_dpc_flag != 0, targets)
}

/// Checks `MessageId` for `NdisMQueueDpc[Ex]`: one of the granted messages (0 for a line-based
/// interrupt).
fn dpc_message_ok(adapter: &AdapterShared, obj: &InterruptObj, message: u32, name: &str) -> bool {
    let count = if obj.message_based {
        adapter.config.msix_messages
    } else {
        1
    };
    if message >= count {
        adapter.violate(
            "NDIS-HANDLE-1",
            format!("{name}: MessageId {message} is not one of the {count} interrupt message(s) NDIS granted"),
        );
        return false;
    }
    true
}

/// `NdisMQueueDpc`: queues `MessageId`'s DPC on the lowest modelled processor in
/// `TargetProcessors` (one DPC object per message). Returns the processor bit it was queued
/// on, 0 if it was already queued.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMQueueDpc(
    NdisInterruptHandle: NDIS_HANDLE,
    MessageId: ULONG,
    TargetProcessors: ULONG,
    MiniportDpcContext: PVOID,
) -> ULONG {
    guard("NdisMQueueDpc", 0, || {
        let Some((obj, owner)) = interrupt_of(NdisInterruptHandle, "NdisMQueueDpc") else {
            return 0;
        };
        check_irql(Some(&owner), "NdisMQueueDpc", Irql::Device);
        let Some(adapter) = owner.adapter().cloned() else {
            return 0;
        };
        if !dpc_message_ok(&adapter, &obj, MessageId, "NdisMQueueDpc") {
            return 0;
        }
        let Some(p) = crate::port::lowest_processor(TargetProcessors as usize) else {
            return 0;
        };
        if crate::port::queue_dpc(&adapter, MessageId, p, MiniportDpcContext as usize) {
            1 << p
        } else {
            0
        }
    })
}

/// `NdisMQueueDpcEx`: as [`NdisMQueueDpc`] with a `GROUP_AFFINITY` (group 0 only). A NULL
/// affinity queues on the message's own processor.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMQueueDpcEx(
    NdisInterruptHandle: NDIS_HANDLE,
    MessageId: ULONG,
    TargetProcessors: *mut GROUP_AFFINITY,
    MiniportDpcContext: PVOID,
) -> KAFFINITY {
    guard("NdisMQueueDpcEx", 0, || {
        let Some((obj, owner)) = interrupt_of(NdisInterruptHandle, "NdisMQueueDpcEx") else {
            return 0;
        };
        check_irql(Some(&owner), "NdisMQueueDpcEx", Irql::Device);
        let Some(adapter) = owner.adapter().cloned() else {
            return 0;
        };
        if !dpc_message_ok(&adapter, &obj, MessageId, "NdisMQueueDpcEx") {
            return 0;
        }
        let processor = if TargetProcessors.is_null() {
            Some(crate::port::processor_of(MessageId))
        } else {
            // SAFETY: non-NULL GROUP_AFFINITY from the driver.
            let affinity = unsafe { raw::read(TargetProcessors) };
            if affinity.Group == 0 {
                crate::port::lowest_processor(affinity.Mask)
            } else {
                None
            }
        };
        let Some(p) = processor else {
            return 0;
        };
        if crate::port::queue_dpc(&adapter, MessageId, p, MiniportDpcContext as usize) {
            1 << p
        } else {
            0
        }
    })
}

/// `NdisMSynchronizeWithInterruptEx`: runs the function at DIRQL under the interrupt lock.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMSynchronizeWithInterruptEx(
    NdisInterruptHandle: NDIS_HANDLE,
    MessageId: ULONG,
    SynchronizeFunction: MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER,
    SynchronizeContext: PVOID,
) -> BOOLEAN {
    let _ = MessageId;
    guard("NdisMSynchronizeWithInterruptEx", 0, || {
        let Some((obj, owner)) =
            interrupt_of(NdisInterruptHandle, "NdisMSynchronizeWithInterruptEx")
        else {
            return 0;
        };
        let (Some(adapter), Some(f)) = (owner.adapter().cloned(), SynchronizeFunction) else {
            return 0;
        };
        if irql::current() == Irql::Device {
            // Already inside the ISR (holding the interrupt lock): run directly.
            // SAFETY: the driver's synchronize function with its context.
            return unsafe { f(SynchronizeContext) };
        }
        let _sync = lock(&obj.sync);
        adapter.call(Handler::Synchronize, Irql::Device, || {
            // SAFETY: the driver's synchronize function with its context, at DIRQL.
            unsafe { f(SynchronizeContext) }
        })
    })
}

/// `NdisMConfigMSIXTableEntry`: accepted (the emulator has no MSI-X table to mask).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMConfigMSIXTableEntry(
    NdisMiniportHandle: NDIS_HANDLE,
    MSIXConfigParameters: *mut NDIS_MSIX_CONFIG_PARAMETERS,
) -> NDIS_STATUS {
    let _ = MSIXConfigParameters;
    guard("NdisMConfigMSIXTableEntry", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(NdisMiniportHandle as usize, "NdisMConfigMSIXTableEntry")
        else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMConfigMSIXTableEntry",
            Irql::Dispatch,
        );
        SUCCESS
    })
}

// ---------------------------------------------------------------------------------------------
// Spin locks: a real lock word in the driver's NDIS_SPIN_LOCK, IRQL raised to DISPATCH.
// ---------------------------------------------------------------------------------------------

fn thread_token() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    thread_local! { static TOKEN: usize = NEXT.fetch_add(1, Ordering::Relaxed); }
    TOKEN.with(|t| *t)
}

fn lock_word<'a>(lock: *mut NDIS_SPIN_LOCK) -> &'a AtomicUsize {
    // The driver's NDIS_SPIN_LOCK starts with a pointer-sized, pointer-aligned KSPIN_LOCK that
    // only these functions touch.
    // SAFETY: so viewing that word as an AtomicUsize is sound for the lock's lifetime.
    unsafe { AtomicUsize::from_ptr(lock.cast::<usize>()) }
}

fn acquire(lock: *mut NDIS_SPIN_LOCK, name: &str) {
    let word = lock_word(lock);
    let me = thread_token();
    if word.load(Ordering::Relaxed) == me {
        context::violate_current(
            "NDIS-IRQL-2",
            format!("{name}: spin lock already held by this thread (deadlock on Windows)"),
        );
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while word
        .compare_exchange_weak(0, me, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        if Instant::now() > deadline {
            context::violate_current(
                "NDIS-IRQL-2",
                format!("{name}: spin lock not released for 5 s"),
            );
            return;
        }
        std::thread::yield_now();
    }
}

fn release(lock: *mut NDIS_SPIN_LOCK, name: &str) -> bool {
    let word = lock_word(lock);
    if word
        .compare_exchange(thread_token(), 0, Ordering::Release, Ordering::Relaxed)
        .is_err()
    {
        context::violate_current(
            "NDIS-IRQL-2",
            format!("{name}: spin lock released by a thread that does not hold it"),
        );
        return false;
    }
    true
}

/// `NdisAllocateSpinLock`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateSpinLock(SpinLock: *mut NDIS_SPIN_LOCK) {
    guard("NdisAllocateSpinLock", (), || {
        if SpinLock.is_null() {
            context::violate_current("NDIS-HANDLE-1", "NdisAllocateSpinLock: NULL".into());
            return;
        }
        // SAFETY: non-NULL lock storage owned by the driver.
        unsafe {
            raw::write(
                SpinLock,
                NDIS_SPIN_LOCK {
                    SpinLock: 0,
                    OldIrql: 0,
                },
            )
        };
    });
}

/// `NdisFreeSpinLock`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeSpinLock(SpinLock: *mut NDIS_SPIN_LOCK) {
    guard("NdisFreeSpinLock", (), || {
        if !SpinLock.is_null() && lock_word(SpinLock).load(Ordering::Relaxed) != 0 {
            context::violate_current("NDIS-IRQL-2", "NdisFreeSpinLock on a held spin lock".into());
        }
    });
}

/// `NdisAcquireSpinLock`: raises to DISPATCH and saves the old IRQL in the lock.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAcquireSpinLock(SpinLock: *mut NDIS_SPIN_LOCK) {
    guard("NdisAcquireSpinLock", (), || {
        if SpinLock.is_null() {
            context::violate_current("NDIS-HANDLE-1", "NdisAcquireSpinLock: NULL".into());
            return;
        }
        check_irql(None, "NdisAcquireSpinLock", Irql::Dispatch);
        let old = irql::current();
        acquire(SpinLock, "NdisAcquireSpinLock");
        irql::set(Irql::Dispatch);
        // SAFETY: the driver's lock; `OldIrql` is written only by the holder.
        let mut value = unsafe { raw::read(SpinLock) };
        value.OldIrql = old.as_kirql();
        // SAFETY: as above.
        unsafe {
            raw::write(
                SpinLock
                    .cast::<u8>()
                    .wrapping_add(std::mem::offset_of!(NDIS_SPIN_LOCK, OldIrql)),
                value.OldIrql,
            )
        };
    });
}

/// `NdisReleaseSpinLock`: restores the IRQL saved by the acquire.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisReleaseSpinLock(SpinLock: *mut NDIS_SPIN_LOCK) {
    guard("NdisReleaseSpinLock", (), || {
        if SpinLock.is_null() {
            return;
        }
        // SAFETY: the driver's lock, held by this thread.
        let value = unsafe { raw::read(SpinLock) };
        if release(SpinLock, "NdisReleaseSpinLock") {
            irql::set(Irql::from_kirql(value.OldIrql));
        }
    });
}

/// `NdisDprAcquireSpinLock`: caller must already run at DISPATCH.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisDprAcquireSpinLock(SpinLock: *mut NDIS_SPIN_LOCK) {
    guard("NdisDprAcquireSpinLock", (), || {
        if SpinLock.is_null() {
            return;
        }
        if irql::current() != Irql::Dispatch {
            context::violate_current(
                "NDIS-IRQL-2",
                format!(
                    "NdisDprAcquireSpinLock called at {} (must be DISPATCH_LEVEL)",
                    irql::current().name()
                ),
            );
        }
        acquire(SpinLock, "NdisDprAcquireSpinLock");
    });
}

/// `NdisDprReleaseSpinLock`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisDprReleaseSpinLock(SpinLock: *mut NDIS_SPIN_LOCK) {
    guard("NdisDprReleaseSpinLock", (), || {
        if !SpinLock.is_null() {
            release(SpinLock, "NdisDprReleaseSpinLock");
        }
    });
}

// ---------------------------------------------------------------------------------------------
// SR-IOV
// ---------------------------------------------------------------------------------------------

/// PCIe extended capability ID of SR-IOV (PCIe base spec 7.9.3; 82576 datasheet 9.6.4).
const PCI_EXT_CAP_ID_SRIOV: u16 = 0x0010;
/// SR-IOV capability register offsets (PCIe SR-IOV 1.1 §3.3).
const SRIOV_CONTROL: u32 = 0x08;
const SRIOV_TOTAL_VFS: u32 = 0x0E;
const SRIOV_NUM_VFS: u32 = 0x10;
const SRIOV_FIRST_VF_OFFSET: u32 = 0x14;
const SRIOV_VF_STRIDE: u32 = 0x16;
/// SR-IOV Control: VF Enable (bit 0) and VF MSE (bit 3); ARI Capable Hierarchy (bit 4) is left
/// as read.
const SRIOV_CTRL_VFE: u16 = 1 << 0;
const SRIOV_CTRL_MSE: u16 = 1 << 3;

fn config_u32(backend: &dyn crate::HardwareBackend, offset: u32) -> Option<u32> {
    let mut b = [0u8; 4];
    (backend.config_read(offset, &mut b) == 4).then(|| u32::from_le_bytes(b))
}

fn config_u16(backend: &dyn crate::HardwareBackend, offset: u32) -> Option<u16> {
    let mut b = [0u8; 2];
    (backend.config_read(offset, &mut b) == 2).then(|| u16::from_le_bytes(b))
}

fn config_write_u16(backend: &dyn crate::HardwareBackend, offset: u32, value: u16) -> bool {
    backend.config_write(offset, &value.to_le_bytes()) == 2
}

/// The SR-IOV extended capability's offset in the backend's PF config space: walks the
/// extended capability list from 0x100 (header: ID 15:0, version 19:16, next 31:20), bounded
/// and refusing loops or offsets outside 0x100..0x1000 (a hostile config space cannot hang it).
pub(crate) fn sriov_capability(backend: &dyn crate::HardwareBackend) -> Option<u32> {
    let mut offset = 0x100u32;
    let mut seen = std::collections::BTreeSet::new();
    // At most (0x1000 - 0x100) / 4 capabilities fit in extended config space.
    for _ in 0..((0x1000 - 0x100) / 4) {
        if !(0x100..0x1000).contains(&offset) || !seen.insert(offset) {
            return None;
        }
        let header = config_u32(backend, offset)?;
        if header == 0 || header == u32::MAX {
            return None;
        }
        if header & 0xFFFF == u32::from(PCI_EXT_CAP_ID_SRIOV) {
            return Some(offset);
        }
        offset = (header >> 20) & 0xFFC;
        if offset == 0 {
            return None;
        }
    }
    None
}

/// Programs the SR-IOV capability for `NdisMEnableVirtualization`: enabling writes NumVFs then
/// VF Enable | VF MSE; disabling clears VF Enable | VF MSE, then NumVFs = 0 (the order PCIe
/// SR-IOV 1.1 §3.3.3.1 / §3.3.7 requires: NumVFs may change only while VF Enable is clear).
fn program_sriov(
    backend: &dyn crate::HardwareBackend,
    cap: u32,
    num_vfs: u16,
    enable: bool,
) -> bool {
    let Some(control) = config_u16(backend, cap + SRIOV_CONTROL) else {
        return false;
    };
    if enable {
        config_write_u16(backend, cap + SRIOV_NUM_VFS, num_vfs)
            && config_write_u16(
                backend,
                cap + SRIOV_CONTROL,
                control | SRIOV_CTRL_VFE | SRIOV_CTRL_MSE,
            )
    } else {
        config_write_u16(
            backend,
            cap + SRIOV_CONTROL,
            control & !(SRIOV_CTRL_VFE | SRIOV_CTRL_MSE),
        ) && config_write_u16(backend, cap + SRIOV_NUM_VFS, 0)
    }
}

/// `NdisMEnableVirtualization`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMEnableVirtualization(
    NdisMiniportHandle: NDIS_HANDLE,
    NumVFs: USHORT,
    EnableVFMigration: BOOLEAN,
    EnableMigrationInterrupt: BOOLEAN,
    EnableVirtualization: BOOLEAN,
) -> NDIS_STATUS {
    guard("NdisMEnableVirtualization", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(NdisMiniportHandle as usize, "NdisMEnableVirtualization")
        else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMEnableVirtualization",
            Irql::Passive,
        );
        require_registration(&adapter, "NdisMEnableVirtualization");
        if adapter.config.is_vf {
            adapter.violate(
                "NDIS-SRIOV-2",
                "NdisMEnableVirtualization called by a VF miniport".into(),
            );
            return NDIS_STATUS_NOT_SUPPORTED;
        }
        if EnableVFMigration != 0 || EnableMigrationInterrupt != 0 {
            adapter.violate("NDIS-SRIOV-1", "NdisMEnableVirtualization: EnableVFMigration and EnableMigrationInterrupt must be FALSE".into());
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        if EnableVirtualization != 0 {
            super::core::removed_device_access(&adapter, "NdisMEnableVirtualization(TRUE)");
        }
        let (current, removed) = {
            let inner = adapter.lock();
            (inner.virtualization, inner.surprise_removed)
        };
        if EnableVirtualization != 0 {
            if let Some(n) = current {
                adapter.violate("NDIS-SRIOV-1", format!("NdisMEnableVirtualization(TRUE) while virtualization is already enabled ({n} VFs); disable first"));
                return NDIS_STATUS_FAILURE;
            }
        } else if NumVFs != 0 {
            adapter.violate(
                "NDIS-SRIOV-1",
                format!("NdisMEnableVirtualization(FALSE) with NumVFs {NumVFs} (must be 0)"),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // With a backend whose config space has the SR-IOV capability, NDIS (the PCI bus
        // driver) programs it; its TotalVFs bounds NumVFs. A removed device is not touched.
        let backend = adapter.config.backend.clone().filter(|_| !removed);
        let cap = backend.as_deref().and_then(sriov_capability);
        let total_vfs = match (backend.as_deref(), cap) {
            (Some(b), Some(c)) => config_u16(b, c + SRIOV_TOTAL_VFS).unwrap_or(0),
            _ => adapter.config.total_vfs,
        };
        if EnableVirtualization != 0 && (NumVFs == 0 || NumVFs > total_vfs) {
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        if let (Some(b), Some(c)) = (backend.as_deref(), cap) {
            if !program_sriov(b, c, NumVFs, EnableVirtualization != 0) {
                return NDIS_STATUS_FAILURE;
            }
        }
        adapter.lock().virtualization = (EnableVirtualization != 0).then_some(NumVFs);
        SUCCESS
    })
}

fn vf_ok(adapter: &AdapterShared, vf: NDIS_SRIOV_FUNCTION_ID, name: &str) -> bool {
    if adapter.config.is_vf {
        adapter.violate(
            "NDIS-SRIOV-2",
            format!("{name} called by a VF miniport (PF only)"),
        );
        return false;
    }
    let virtualization = adapter.lock().virtualization;
    match virtualization {
        None => {
            adapter.violate(
                "NDIS-SRIOV-2",
                format!("{name}(VF {vf}) while virtualization is not enabled"),
            );
            false
        }
        Some(n) if vf >= n => {
            adapter.violate(
                "NDIS-SRIOV-2",
                format!("{name}: VFId {vf} is not below NumVFs {n}"),
            );
            false
        }
        Some(_) => true,
    }
}

/// `NdisMGetVirtualFunctionBusData`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMGetVirtualFunctionBusData(
    NdisMiniportHandle: NDIS_HANDLE,
    VFId: NDIS_SRIOV_FUNCTION_ID,
    Buffer: PVOID,
    Offset: ULONG,
    Length: ULONG,
) -> ULONG {
    guard("NdisMGetVirtualFunctionBusData", 0, || {
        let Some(adapter) = adapter_of(
            NdisMiniportHandle as usize,
            "NdisMGetVirtualFunctionBusData",
        ) else {
            return 0;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMGetVirtualFunctionBusData",
            Irql::Dispatch,
        );
        if !vf_ok(&adapter, VFId, "NdisMGetVirtualFunctionBusData")
            || Buffer.is_null()
            || Length > 4096
        {
            return 0;
        }
        let mut data = vec![0u8; Length as usize];
        let n = adapter
            .config
            .backend
            .as_ref()
            .map_or(0, |b| b.vf_config_read(VFId, Offset, &mut data))
            .min(data.len());
        // SAFETY: the driver's buffer holds `Length >= n` bytes.
        unsafe { raw::copy_in(Buffer.cast::<u8>(), &data[..n]) };
        u32::try_from(n).unwrap_or(0)
    })
}

/// `NdisMSetVirtualFunctionBusData`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMSetVirtualFunctionBusData(
    NdisMiniportHandle: NDIS_HANDLE,
    VFId: NDIS_SRIOV_FUNCTION_ID,
    Buffer: PVOID,
    Offset: ULONG,
    Length: ULONG,
) -> ULONG {
    guard("NdisMSetVirtualFunctionBusData", 0, || {
        let Some(adapter) = adapter_of(
            NdisMiniportHandle as usize,
            "NdisMSetVirtualFunctionBusData",
        ) else {
            return 0;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMSetVirtualFunctionBusData",
            Irql::Dispatch,
        );
        if !vf_ok(&adapter, VFId, "NdisMSetVirtualFunctionBusData")
            || Buffer.is_null()
            || Length > 4096
        {
            return 0;
        }
        // SAFETY: the driver's buffer holds `Length` bytes.
        let data = unsafe { raw::copy_out(Buffer.cast::<u8>(), Length as usize) };
        let n = adapter
            .config
            .backend
            .as_ref()
            .map_or(0, |b| b.vf_config_write(VFId, Offset, &data));
        u32::try_from(n).unwrap_or(0)
    })
}

/// `NdisMGetVirtualFunctionLocation`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMGetVirtualFunctionLocation(
    NdisMiniportHandle: NDIS_HANDLE,
    VFId: NDIS_SRIOV_FUNCTION_ID,
    SegmentNumber: *mut USHORT,
    BusNumber: *mut UCHAR,
    FunctionNumber: *mut UCHAR,
) {
    guard("NdisMGetVirtualFunctionLocation", (), || {
        let Some(adapter) = adapter_of(
            NdisMiniportHandle as usize,
            "NdisMGetVirtualFunctionLocation",
        ) else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMGetVirtualFunctionLocation",
            Irql::Passive,
        );
        if SegmentNumber.is_null() || BusNumber.is_null() || FunctionNumber.is_null() {
            adapter.violate(
                "NDIS-HANDLE-1",
                "NdisMGetVirtualFunctionLocation: NULL output pointer".into(),
            );
            return;
        }
        if !vf_ok(&adapter, VFId, "NdisMGetVirtualFunctionLocation") {
            return;
        }
        let Some(rid) = vf_routing_id(&adapter, VFId) else {
            adapter.violate(
                "NDIS-SRIOV-2",
                format!(
                    "NdisMGetVirtualFunctionLocation: VF {VFId}'s routing id is beyond bus 255"
                ),
            );
            return;
        };
        // SAFETY: non-NULL output pointers (checked above).
        unsafe { raw::write(SegmentNumber, adapter.config.segment) };
        // SAFETY: as above.
        unsafe { raw::write(BusNumber, u8::try_from(rid >> 8).unwrap_or(u8::MAX)) };
        // SAFETY: as above.
        unsafe { raw::write(FunctionNumber, u8::try_from(rid & 0xFF).unwrap_or(0)) };
    });
}

/// VF `vf`'s routing id (bus << 8 | device << 3 | function): PF RID + First VF Offset +
/// vf * VF Stride from the SR-IOV capability (PCIe SR-IOV 1.1 §3.3.9–3.3.10), or, without one,
/// `first_vf_function + 2 * vf` on the PF's bus. None past bus 255.
fn vf_routing_id(adapter: &AdapterShared, vf: u16) -> Option<u32> {
    let base = u32::from(adapter.config.bus) << 8;
    let from_cap = adapter.config.backend.as_deref().and_then(|b| {
        let cap = sriov_capability(b)?;
        let first = config_u16(b, cap + SRIOV_FIRST_VF_OFFSET)?;
        let stride = config_u16(b, cap + SRIOV_VF_STRIDE)?;
        Some(
            base + u32::from(adapter.config.pf_function)
                + u32::from(first)
                + u32::from(vf) * u32::from(stride),
        )
    });
    let rid =
        from_cap.unwrap_or(base + u32::from(adapter.config.first_vf_function) + u32::from(vf) * 2);
    (rid <= 0xFFFF).then_some(rid)
}

/// `NdisMQueryProbedBars`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMQueryProbedBars(
    NdisMiniportHandle: NDIS_HANDLE,
    BaseRegisterValues: *mut ULONG,
) -> NDIS_STATUS {
    guard("NdisMQueryProbedBars", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(NdisMiniportHandle as usize, "NdisMQueryProbedBars") else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMQueryProbedBars",
            Irql::Passive,
        );
        if adapter.config.is_vf {
            adapter.violate(
                "NDIS-SRIOV-2",
                "NdisMQueryProbedBars called by a VF miniport".into(),
            );
            return NDIS_STATUS_NOT_SUPPORTED;
        }
        if BaseRegisterValues.is_null() {
            adapter.violate("NDIS-HANDLE-1", "NdisMQueryProbedBars: NULL buffer".into());
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        let bytes: Vec<u8> = adapter
            .config
            .probed_bars
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        // SAFETY: the caller supplies PCI_TYPE0_ADDRESSES (6) ULONGs.
        unsafe { raw::copy_in(BaseRegisterValues.cast::<u8>(), &bytes) };
        SUCCESS
    })
}

/// `NdisMInvalidateConfigBlock` (PF).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMInvalidateConfigBlock(
    NdisMiniportHandle: NDIS_HANDLE,
    VFId: NDIS_SRIOV_FUNCTION_ID,
    BlockMask: ULONGLONG,
) {
    guard("NdisMInvalidateConfigBlock", (), || {
        let Some(adapter) = adapter_of(NdisMiniportHandle as usize, "NdisMInvalidateConfigBlock")
        else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMInvalidateConfigBlock",
            Irql::Dispatch,
        );
        if adapter.config.is_vf {
            adapter.violate(
                "NDIS-SRIOV-3",
                "NdisMInvalidateConfigBlock called by a VF miniport (PF only)".into(),
            );
            return;
        }
        if vf_ok(&adapter, VFId, "NdisMInvalidateConfigBlock") {
            adapter.lock().invalidated_blocks |= BlockMask;
        }
    });
}

fn config_block(
    handle: NDIS_HANDLE,
    block: ULONG,
    buffer: PVOID,
    length: ULONG,
    write: bool,
) -> NDIS_STATUS {
    let name = if write {
        "NdisMWriteConfigBlock"
    } else {
        "NdisMReadConfigBlock"
    };
    let Some(adapter) = adapter_of(handle as usize, name) else {
        return NDIS_STATUS_INVALID_PARAMETER;
    };
    check_irql(Some(&adapter.owner()), name, Irql::Apc);
    if !adapter.config.is_vf {
        adapter.violate(
            "NDIS-SRIOV-3",
            format!("{name} called by a PF miniport (VF only)"),
        );
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    if buffer.is_null() || length == 0 || length > 64 * 1024 {
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    let Some(channel) = adapter.config.backchannel.clone() else {
        return NDIS_STATUS_FAILURE;
    };
    if write {
        // SAFETY: the driver's buffer holds `length` bytes.
        let data = unsafe { raw::copy_out(buffer.cast::<u8>(), length as usize) };
        channel.write_block(block, &data)
    } else {
        let mut data = vec![0u8; length as usize];
        let status = channel.read_block(block, &mut data);
        if status == SUCCESS {
            // SAFETY: the driver's buffer holds `length` bytes.
            unsafe { raw::copy_in(buffer.cast::<u8>(), &data) };
        }
        status
    }
}

/// `NdisMReadConfigBlock` (VF backchannel).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMReadConfigBlock(
    NdisMiniportHandle: NDIS_HANDLE,
    BlockId: ULONG,
    Buffer: PVOID,
    Length: ULONG,
) -> NDIS_STATUS {
    guard("NdisMReadConfigBlock", NDIS_STATUS_FAILURE, || {
        config_block(NdisMiniportHandle, BlockId, Buffer, Length, false)
    })
}

/// `NdisMWriteConfigBlock` (VF backchannel).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMWriteConfigBlock(
    NdisMiniportHandle: NDIS_HANDLE,
    BlockId: ULONG,
    Buffer: PVOID,
    Length: ULONG,
) -> NDIS_STATUS {
    guard("NdisMWriteConfigBlock", NDIS_STATUS_FAILURE, || {
        config_block(NdisMiniportHandle, BlockId, Buffer, Length, true)
    })
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

fn system_time_100ns() -> i64 {
    // 100 ns units since 1601 (KeQuerySystemTime's epoch).
    const EPOCH_DIFF_100NS: i64 = 116_444_736_000_000_000;
    let since_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    EPOCH_DIFF_100NS + i64::try_from(since_unix.as_nanos() / 100).unwrap_or(0)
}

/// `NdisGetCurrentSystemTime`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisGetCurrentSystemTime(pSystemTime: *mut LONGLONG) {
    guard("NdisGetCurrentSystemTime", (), || {
        if !pSystemTime.is_null() {
            // SAFETY: non-NULL output from the driver.
            unsafe { raw::write(pSystemTime, system_time_100ns()) };
        }
    });
}

/// `NdisMSleep` (PASSIVE only).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMSleep(MicrosecondsToSleep: ULONG) {
    guard("NdisMSleep", (), || {
        check_irql(None, "NdisMSleep", Irql::Passive);
        std::thread::sleep(Duration::from_micros(u64::from(
            MicrosecondsToSleep.min(1_000_000),
        )));
    });
}

/// `KeQueryUnbiasedInterruptTime`: monotonic 100 ns units since the emulator's first call.
///
/// # Safety
/// No pointer arguments; callable at any IRQL.
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn KeQueryUnbiasedInterruptTime() -> ULONGLONG {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    u64::try_from(origin.elapsed().as_nanos() / 100).unwrap_or(u64::MAX)
}

/// The longest stall the DDI allows at DISPATCH_LEVEL or above: "minimize the stall interval,
/// typically to less than 50 microseconds" (D/wdm/nf-wdm-kestallexecutionprocessor.md; SDV
/// NdisStallExecution_Delay has the same bound).
pub(crate) const MAX_STALL_AT_DISPATCH_US: ULONG = 50;

/// `KeStallExecutionProcessor` (busy wait, any IRQL; bounded to 1 ms per call). More than
/// 50 µs at DISPATCH_LEVEL or above is NDIS-IRQL-3.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn KeStallExecutionProcessor(MicroSeconds: ULONG) {
    guard("KeStallExecutionProcessor", (), || {
        let now = irql::current();
        if now >= Irql::Dispatch && MicroSeconds > MAX_STALL_AT_DISPATCH_US {
            context::violate_current(
                "NDIS-IRQL-3",
                format!(
                    "KeStallExecutionProcessor({MicroSeconds}) at {}: at most {MAX_STALL_AT_DISPATCH_US} µs at DISPATCH_LEVEL or above",
                    now.name()
                ),
            );
        }
        let end = Instant::now() + Duration::from_micros(u64::from(MicroSeconds.min(1000)));
        while Instant::now() < end {
            std::hint::spin_loop();
        }
    });
}
