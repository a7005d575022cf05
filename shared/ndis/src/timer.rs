//! Deferred work: one-shot [`Timer`]s (NDIS timer objects; the function runs at DISPATCH) and
//! [`WorkItem`]s (NDIS I/O work items; the routine runs at PASSIVE, where the hardware layer may
//! poll for milliseconds, e.g. the PF's mailbox service).
//!
//! Both own their context and, when dropped (PASSIVE, in halt), make sure no callback is queued
//! or running before the context is freed (D/ndis/nf-ndis-ndisfreetimerobject.md: a timer must
//! not be freed while queued; NDIS-TIMER-1 / NDIS-HALT-2 / NDIS-HALT-7 in the emulator). Timers
//! are one-shot: a periodic job re-arms from its function, so a cancelled timer can never fire
//! again behind the driver's back.

extern crate alloc;

use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use core::time::Duration;

use ndis_abi::*;

use crate::adapter::AdapterHandle;
use crate::status::{NdisError, NdisResult, check};
use crate::time::wait_until_idle;

/// `NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1` (golden table: 24 bytes).
const TIMER_CHARACTERISTICS_SIZE_1: u16 = 24;
const _: () = assert!(core::mem::size_of::<NDIS_TIMER_CHARACTERISTICS>() == 24);
/// Pool tag of the timer objects ("igbT").
const TIMER_TAG: ULONG = u32::from_le_bytes(*b"igbT");

/// A timer's function (DISPATCH_LEVEL).
pub trait TimerHandler: Send + Sync + 'static {
    /// The timer expired; `timer` can arm it again (a periodic job).
    fn expired(&self, timer: &TimerControl<'_>);
}

/// Re-arming a timer from its own function.
pub struct TimerControl<'a> {
    handle: NDIS_HANDLE,
    outstanding: &'a AtomicU32,
    closed: &'a AtomicBool,
    context: PVOID,
}

impl TimerControl<'_> {
    /// Arms the timer to expire once after `due` (no-op once the timer is being freed).
    pub fn set(&self, due: Duration) {
        arm(
            self.handle,
            self.outstanding,
            self.closed,
            self.context,
            due,
        );
    }
}

fn arm(
    handle: NDIS_HANDLE,
    outstanding: &AtomicU32,
    closed: &AtomicBool,
    context: PVOID,
    due: Duration,
) {
    if closed.load(Ordering::Acquire) || handle.is_null() {
        return;
    }
    // Relative due time in 100 ns units is negative (D/ndis/nf-ndis-ndissettimerobject.md).
    let ticks = i64::try_from(due.as_nanos() / 100)
        .unwrap_or(i64::MAX)
        .max(1);
    outstanding.fetch_add(1, Ordering::AcqRel);
    // SAFETY: the timer object is live (freed only after `outstanding` drains); the context
    // is the timer's own shared state.
    let was_queued = unsafe { NdisSetTimerObject(handle, -ticks, 0, context) };
    if was_queued != 0 {
        // The earlier arming was replaced and will not fire.
        outstanding.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A work item's routine (PASSIVE_LEVEL).
pub trait WorkHandler: Send + Sync + 'static {
    /// The queued work runs (PASSIVE). `work` queues another run, e.g. when this one stopped
    /// at its budget with work left.
    fn run(&self, work: &WorkControl<'_>);
}

/// What a running work routine may do to its own work item.
pub struct WorkControl<'a> {
    handle: NDIS_HANDLE,
    state: &'a WorkState,
    routine: NDIS_IO_WORKITEM_FUNCTION,
    context: PVOID,
}

impl WorkControl<'_> {
    /// Queues another run after this one (coalesced like [`WorkItem::queue`]; refused once the
    /// work item is being freed). `true` if this call queued it.
    pub fn requeue(&self) -> bool {
        queue_work(self.handle, self.state, self.routine, self.context)
    }
}

struct Shared<H> {
    handler: H,
    handle: core::sync::atomic::AtomicPtr<core::ffi::c_void>,
    /// Expirations queued in NDIS plus functions running: the timer may be freed at zero.
    outstanding: AtomicU32,
    closed: AtomicBool,
}

/// A one-shot NDIS timer object; cancelled and freed when dropped (PASSIVE).
pub struct Timer<H: TimerHandler> {
    handle: NDIS_HANDLE,
    shared: Option<Box<Shared<H>>>,
}

// SAFETY: the timer handle is an opaque NDIS token usable at <= DISPATCH from any thread.
unsafe impl<H: TimerHandler> Send for Timer<H> {}
// SAFETY: as above; the handler is Sync.
unsafe impl<H: TimerHandler> Sync for Timer<H> {}

unsafe extern "system" fn timer_function<H: TimerHandler>(
    _system_specific1: PVOID,
    context: PVOID,
    _system_specific2: PVOID,
    _system_specific3: PVOID,
) {
    // SAFETY: the context is the `Shared<H>` of a `Timer<H>`, freed only after `outstanding`
    // (which counts this expiration) drops to zero.
    let Some(shared) = (unsafe { context.cast::<Shared<H>>().as_ref() }) else {
        return;
    };
    if !shared.closed.load(Ordering::Acquire) {
        let control = TimerControl {
            handle: shared.handle.load(Ordering::Acquire),
            outstanding: &shared.outstanding,
            closed: &shared.closed,
            context,
        };
        shared.handler.expired(&control);
    }
    // Last access to `shared`: after this the owner may free it.
    shared.outstanding.fetch_sub(1, Ordering::AcqRel);
}

impl<H: TimerHandler> Timer<H> {
    /// Allocates a timer object for the adapter. PASSIVE.
    pub fn allocate(adapter: AdapterHandle, handler: H) -> NdisResult<Self> {
        let shared = Box::new(Shared {
            handler,
            handle: core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
            outstanding: AtomicU32::new(0),
            closed: AtomicBool::new(false),
        });
        let mut characteristics = NDIS_TIMER_CHARACTERISTICS::zeroed();
        characteristics.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS,
            NDIS_TIMER_CHARACTERISTICS_REVISION_1,
            TIMER_CHARACTERISTICS_SIZE_1,
        );
        characteristics.AllocationTag = TIMER_TAG;
        characteristics.TimerFunction = Some(timer_function::<H>);
        let context: *const Shared<H> = &*shared;
        characteristics.FunctionContext = context.cast_mut().cast();
        let mut handle: NDIS_HANDLE = core::ptr::null_mut();
        // SAFETY: initialized characteristics and a live out-pointer; the context outlives
        // the timer object (freed after it in `drop`).
        let status =
            unsafe { NdisAllocateTimerObject(adapter.raw(), &mut characteristics, &mut handle) };
        check(status)?;
        if handle.is_null() {
            return Err(NdisError::RESOURCES);
        }
        shared.handle.store(handle, Ordering::Release);
        Ok(Self {
            handle,
            shared: Some(shared),
        })
    }

    fn shared(&self) -> Option<&Shared<H>> {
        self.shared.as_deref()
    }

    /// Arms the timer to expire once after `due` (replacing an earlier arming). At <= DISPATCH.
    pub fn set(&self, due: Duration) {
        let Some(shared) = self.shared() else {
            return;
        };
        let context: *const Shared<H> = shared;
        arm(
            self.handle,
            &shared.outstanding,
            &shared.closed,
            context.cast_mut().cast(),
            due,
        );
    }

    /// Cancels a pending expiration. `true` if one was dequeued (its function will not run);
    /// `false` if none was queued or it is already running. At <= DISPATCH.
    pub fn cancel(&self) -> bool {
        let Some(shared) = self.shared() else {
            return false;
        };
        // SAFETY: the timer object is live.
        let dequeued = unsafe { NdisCancelTimerObject(self.handle) } != 0;
        if dequeued {
            shared.outstanding.fetch_sub(1, Ordering::AcqRel);
        }
        dequeued
    }
}

impl<H: TimerHandler> Drop for Timer<H> {
    fn drop(&mut self) {
        let Some(shared) = self.shared.as_deref() else {
            return;
        };
        shared.closed.store(true, Ordering::Release);
        self.cancel();
        if wait_until_idle(&shared.outstanding) {
            // SAFETY: nothing is queued or running; the object is freed once.
            unsafe { NdisFreeTimerObject(self.handle) };
        } else if let Some(shared) = self.shared.take() {
            // A function still runs after the bound: leak rather than free under it.
            Box::leak(shared);
        }
    }
}

/// The flags a work item and its running routine share.
struct WorkState {
    queued: AtomicBool,
    outstanding: AtomicU32,
    closed: AtomicBool,
}

struct WorkShared<H> {
    handler: H,
    handle: NDIS_HANDLE,
    state: WorkState,
}

/// Queues `routine(context)` on the work item `handle` unless it is queued or closed.
fn queue_work(
    handle: NDIS_HANDLE,
    state: &WorkState,
    routine: NDIS_IO_WORKITEM_FUNCTION,
    context: PVOID,
) -> bool {
    if state.closed.load(Ordering::Acquire)
        || state
            .queued
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    {
        return false;
    }
    state.outstanding.fetch_add(1, Ordering::AcqRel);
    // SAFETY: the work item is live and not queued (the flag says so); the context outlives
    // the run (the owner's `drop` waits for `outstanding` to reach zero).
    unsafe { NdisQueueIoWorkItem(handle, routine, context) };
    true
}

/// An NDIS I/O work item with its handler; freed when dropped (PASSIVE) after the queued or
/// running routine finished. Queuing while queued coalesces into one run (the routine clears the
/// flag before it starts, so work that arrives during a run queues another).
pub struct WorkItem<H: WorkHandler> {
    handle: NDIS_HANDLE,
    shared: Option<Box<WorkShared<H>>>,
}

// SAFETY: the work item handle is an opaque NDIS token usable at <= DISPATCH from any thread.
unsafe impl<H: WorkHandler> Send for WorkItem<H> {}
// SAFETY: as above; the handler is Sync.
unsafe impl<H: WorkHandler> Sync for WorkItem<H> {}

unsafe extern "system" fn work_routine<H: WorkHandler>(context: PVOID, _handle: NDIS_HANDLE) {
    // SAFETY: the context is the `WorkShared<H>` of a `WorkItem<H>`, freed only after
    // `outstanding` (which counts this run) drops to zero.
    let Some(shared) = (unsafe { context.cast::<WorkShared<H>>().as_ref() }) else {
        return;
    };
    shared.state.queued.store(false, Ordering::Release);
    if !shared.state.closed.load(Ordering::Acquire) {
        let work = WorkControl {
            handle: shared.handle,
            state: &shared.state,
            routine: Some(work_routine::<H>),
            context,
        };
        shared.handler.run(&work);
    }
    shared.state.outstanding.fetch_sub(1, Ordering::AcqRel);
}

impl<H: WorkHandler> WorkItem<H> {
    /// Allocates a work item for the adapter. PASSIVE.
    pub fn allocate(adapter: AdapterHandle, handler: H) -> NdisResult<Self> {
        // SAFETY: the adapter handle is live.
        let handle = unsafe { NdisAllocateIoWorkItem(adapter.raw()) };
        if handle.is_null() {
            return Err(NdisError::RESOURCES);
        }
        Ok(Self {
            handle,
            shared: Some(Box::new(WorkShared {
                handler,
                handle,
                state: WorkState {
                    queued: AtomicBool::new(false),
                    outstanding: AtomicU32::new(0),
                    closed: AtomicBool::new(false),
                },
            })),
        })
    }

    /// The handler.
    #[must_use]
    pub fn handler(&self) -> Option<&H> {
        self.shared.as_deref().map(|shared| &shared.handler)
    }

    /// Queues the routine unless it is already queued. `true` if this call queued it. At
    /// <= DISPATCH.
    pub fn queue(&self) -> bool {
        let Some(shared) = self.shared.as_deref() else {
            return false;
        };
        let context: *const WorkShared<H> = shared;
        queue_work(
            self.handle,
            &shared.state,
            Some(work_routine::<H>),
            context.cast_mut().cast(),
        )
    }
}

impl<H: WorkHandler> Drop for WorkItem<H> {
    fn drop(&mut self) {
        let Some(shared) = self.shared.as_deref() else {
            return;
        };
        shared.state.closed.store(true, Ordering::Release);
        if wait_until_idle(&shared.state.outstanding) {
            // SAFETY: the item is neither queued nor running; freed once.
            unsafe { NdisFreeIoWorkItem(self.handle) };
        } else if let Some(shared) = self.shared.take() {
            Box::leak(shared);
        }
    }
}
