//! Interrupts: [`Interrupt`] over `NdisMRegisterInterruptEx` / `NdisMDeregisterInterruptEx`
//! with MSI-X message handlers, and the safe [`InterruptHandler`] trait a driver implements.
//!
//! NDIS calls the message ISR at DIRQL with the MSI-X `MessageId` and, when the ISR asks for it,
//! the message's DPC at DISPATCH (D/ndis/nc-ndis-miniport_message_interrupt.md,
//! nc-ndis-miniport_message_interrupt_dpc.md). The ISR only reads and masks causes; all work
//! happens in the DPC, which may re-queue itself with [`DpcContext::requeue`] instead of looping
//! unbounded. Line-based interrupts (no MSI-X granted) arrive as message 0.

extern crate alloc;

use alloc::boxed::Box;
use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

use hw_platform::MsixVector;
use ndis_abi::*;

use crate::adapter::AdapterHandle;
use crate::status::{NdisError, NdisResult, check};
use crate::time::wait_until_idle;

/// `NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1` (golden table: 96 bytes).
const INTERRUPT_CHARACTERISTICS_SIZE_1: u16 = 96;
const _: () = assert!(core::mem::size_of::<NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS>() == 96);

/// What the ISR decided.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct IsrOutcome {
    /// The interrupt was this device's (line-based: shared lines need a truthful answer).
    pub claimed: bool,
    /// Queue the message's DPC.
    pub queue_dpc: bool,
}

impl IsrOutcome {
    /// Claimed, with the DPC queued.
    pub const CLAIMED_WITH_DPC: Self = Self {
        claimed: true,
        queue_dpc: true,
    };
    /// Not ours.
    pub const NOT_OURS: Self = Self {
        claimed: false,
        queue_dpc: false,
    };

    /// Claimed with the DPC queued when `ours`, else not ours.
    #[must_use]
    pub const fn claim_if(ours: bool) -> Self {
        if ours {
            Self::CLAIMED_WITH_DPC
        } else {
            Self::NOT_OURS
        }
    }
}

/// The interrupt work of an adapter. Implemented by the driver; runs concurrently on several
/// processors (one message per processor at a time), so implementations use interior
/// synchronization.
pub trait InterruptHandler: Send + Sync + 'static {
    /// `MiniportMessageInterrupt` at DIRQL: read/mask the causes of `message`, nothing else (no
    /// NDIS calls, no locks shared with DISPATCH code).
    fn isr(&self, message: MsixVector) -> IsrOutcome;
    /// `MiniportMessageInterruptDPC` at DISPATCH: the deferred work of `message`.
    fn dpc(&self, message: MsixVector, context: &mut DpcContext<'_>);
}

struct Shared<H> {
    handler: H,
    /// The NDIS interrupt handle, once registration returned (NDIS may run the ISR earlier).
    ndis_handle: AtomicPtr<c_void>,
    /// ISR/DPC calls in progress, so deregistration can wait for the last one before the
    /// handler is dropped.
    running: AtomicU32,
}

/// What a DPC can do besides its own work.
pub struct DpcContext<'a> {
    ndis_handle: NDIS_HANDLE,
    throttle: Option<&'a mut NDIS_RECEIVE_THROTTLE_PARAMETERS>,
}

impl DpcContext<'_> {
    /// How many receive NBLs NDIS allows this DPC to indicate (`MaxNblsToIndicate`; `u32::MAX`
    /// when NDIS passed no throttle parameters).
    #[must_use]
    pub fn receive_budget(&self) -> u32 {
        self.throttle
            .as_ref()
            .map_or(u32::MAX, |throttle| throttle.MaxNblsToIndicate)
    }

    /// Tells NDIS more receives are pending (it calls the DPC again), per
    /// N/receive-side-throttle.md.
    pub fn set_more_pending(&mut self) {
        if let Some(throttle) = self.throttle.as_mut() {
            throttle.set_MoreNblsPending(true);
        }
    }

    /// Queues the DPC of `message` again on the current processor (work left after the
    /// budget). `false` if NDIS refused (already queued, or deregistering).
    pub fn requeue(&self, message: MsixVector) -> bool {
        queue_dpc(self.ndis_handle, message)
    }
}

fn queue_dpc(ndis_handle: NDIS_HANDLE, message: MsixVector) -> bool {
    if ndis_handle.is_null() {
        return false;
    }
    // SAFETY: the handle is a live interrupt registration; a null target means the current
    // processor (D/ndis/nf-ndis-ndismqueuedpcex.md); no DPC context is passed.
    let queued = unsafe {
        NdisMQueueDpcEx(
            ndis_handle,
            u32::from(message.0),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        )
    };
    queued != 0
}

struct Running<'a>(&'a AtomicU32);

impl<'a> Running<'a> {
    fn enter(counter: &'a AtomicU32) -> Self {
        counter.fetch_add(1, Ordering::AcqRel);
        Self(counter)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// # Safety
/// `context` is the `Shared<H>` an `Interrupt<H>` registered, alive until deregistration and
/// the drain in `Interrupt::drop`.
unsafe fn shared<'a, H>(context: NDIS_HANDLE) -> Option<&'a Shared<H>> {
    // SAFETY: caller's contract.
    unsafe { context.cast::<Shared<H>>().as_ref() }
}

unsafe extern "system" fn message_isr<H: InterruptHandler>(
    context: NDIS_HANDLE,
    message_id: ULONG,
    queue_default_dpc: *mut BOOLEAN,
    target_processors: *mut ULONG,
) -> BOOLEAN {
    // SAFETY: NDIS passes the context registered by `Interrupt::<H>::register`.
    let Some(shared) = (unsafe { shared::<H>(context) }) else {
        return 0;
    };
    let _running = Running::enter(&shared.running);
    let Ok(message) = u16::try_from(message_id) else {
        return 0;
    };
    let outcome = shared.handler.isr(MsixVector(message));
    if let Some(queue) = NonNull::new(queue_default_dpc) {
        // SAFETY: NDIS passes a writable BOOLEAN for the call.
        unsafe { queue.as_ptr().write(BOOLEAN::from(outcome.queue_dpc)) };
    }
    if let Some(targets) = NonNull::new(target_processors) {
        // No extra processors: the DPC runs where the message landed.
        // SAFETY: NDIS passes a writable ULONG for the call.
        unsafe { targets.as_ptr().write(0) };
    }
    BOOLEAN::from(outcome.claimed)
}

use core::ptr::NonNull;

unsafe extern "system" fn message_dpc<H: InterruptHandler>(
    context: NDIS_HANDLE,
    message_id: ULONG,
    _dpc_context: PVOID,
    throttle: PVOID,
    _reserved: PVOID,
) {
    // SAFETY: NDIS passes the context registered by `Interrupt::<H>::register`.
    let Some(shared) = (unsafe { shared::<H>(context) }) else {
        return;
    };
    let _running = Running::enter(&shared.running);
    let Ok(message) = u16::try_from(message_id) else {
        return;
    };
    // SAFETY: when non-null, NDIS passes its NDIS_RECEIVE_THROTTLE_PARAMETERS for the call
    // (NDIS 6.20+ DPC signature).
    let throttle = unsafe { throttle.cast::<NDIS_RECEIVE_THROTTLE_PARAMETERS>().as_mut() };
    let mut dpc = DpcContext {
        ndis_handle: shared.ndis_handle.load(Ordering::Acquire),
        throttle,
    };
    shared.handler.dpc(MsixVector(message), &mut dpc);
}

unsafe extern "system" fn line_isr<H: InterruptHandler>(
    context: NDIS_HANDLE,
    queue_default_dpc: *mut BOOLEAN,
    target_processors: *mut ULONG,
) -> BOOLEAN {
    // SAFETY: same contract as the message ISR; a line interrupt is message 0.
    unsafe { message_isr::<H>(context, 0, queue_default_dpc, target_processors) }
}

unsafe extern "system" fn line_dpc<H: InterruptHandler>(
    context: NDIS_HANDLE,
    dpc_context: PVOID,
    throttle: PVOID,
    reserved: PVOID,
) {
    // SAFETY: same contract as the message DPC; a line interrupt is message 0.
    unsafe { message_dpc::<H>(context, 0, dpc_context, throttle, reserved) }
}

/// The adapter's registered interrupt; deregistered when dropped (PASSIVE, in halt or on an
/// initialization failure), after which no ISR or DPC of it runs.
pub struct Interrupt<H: InterruptHandler> {
    shared: Option<Box<Shared<H>>>,
    message_based: bool,
    message_count: u32,
}

// SAFETY: the NDIS handle inside is an opaque token; the handler is Send + Sync.
unsafe impl<H: InterruptHandler> Send for Interrupt<H> {}
// SAFETY: as above.
unsafe impl<H: InterruptHandler> Sync for Interrupt<H> {}

impl<H: InterruptHandler> core::fmt::Debug for Interrupt<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Interrupt")
            .field("message_based", &self.message_based)
            .field("message_count", &self.message_count)
            .finish_non_exhaustive()
    }
}

impl<H: InterruptHandler> Interrupt<H> {
    /// Registers `handler` for the adapter's interrupt (MSI-X preferred). PASSIVE, inside
    /// `MiniportInitializeEx`. The handler may be called before this returns.
    pub(crate) fn register(adapter: AdapterHandle, handler: H) -> NdisResult<Self> {
        let shared = Box::new(Shared {
            handler,
            ndis_handle: AtomicPtr::new(core::ptr::null_mut()),
            running: AtomicU32::new(0),
        });
        let mut characteristics = NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS::zeroed();
        characteristics.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT,
            NDIS_MINIPORT_INTERRUPT_REVISION_1,
            INTERRUPT_CHARACTERISTICS_SIZE_1,
        );
        characteristics.InterruptHandler = Some(line_isr::<H>);
        characteristics.InterruptDpcHandler = Some(line_dpc::<H>);
        characteristics.MsiSupported = 1;
        // Each message has its own cause registers (EICR bits): no cross-message lock.
        characteristics.MsiSyncWithAllMessages = 0;
        characteristics.MessageInterruptHandler = Some(message_isr::<H>);
        characteristics.MessageInterruptDpcHandler = Some(message_dpc::<H>);
        let context: *const Shared<H> = &*shared;
        let mut handle: NDIS_HANDLE = core::ptr::null_mut();
        // SAFETY: the characteristics are initialized; the context is the boxed `Shared`,
        // which outlives the registration (dropped only after deregistration and the drain);
        // the out-pointer is a live local.
        let status = unsafe {
            NdisMRegisterInterruptEx(
                adapter.raw(),
                context.cast_mut().cast(),
                &mut characteristics,
                &mut handle,
            )
        };
        check(status)?;
        if handle.is_null() {
            return Err(NdisError::RESOURCES);
        }
        shared.ndis_handle.store(handle, Ordering::Release);
        let message_based = characteristics.InterruptType == NDIS_CONNECT_MESSAGE_BASED;
        let message_count = if message_based {
            // SAFETY: for a message-based connection NDIS sets MessageInfoTable to its table,
            // valid while the interrupt is registered.
            unsafe { characteristics.MessageInfoTable.as_ref() }
                .map_or(0, |table| table.MessageCount)
        } else {
            1
        };
        Ok(Self {
            shared: Some(shared),
            message_based,
            message_count,
        })
    }

    /// Whether NDIS connected MSI/MSI-X messages (else a line interrupt, as message 0).
    #[must_use]
    pub const fn is_message_based(&self) -> bool {
        self.message_based
    }

    /// Messages granted (1 for a line interrupt).
    #[must_use]
    pub const fn message_count(&self) -> u32 {
        self.message_count
    }

    /// The handler.
    #[must_use]
    pub fn handler(&self) -> Option<&H> {
        self.shared.as_deref().map(|shared| &shared.handler)
    }

    /// Queues `message`'s DPC from outside an interrupt (e.g. a watchdog that found work
    /// without an interrupt). At <= DISPATCH.
    pub fn queue_dpc(&self, message: MsixVector) -> bool {
        self.shared
            .as_deref()
            .is_some_and(|shared| queue_dpc(shared.ndis_handle.load(Ordering::Acquire), message))
    }
}

impl<H: InterruptHandler> Drop for Interrupt<H> {
    fn drop(&mut self) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        let handle = shared
            .ndis_handle
            .swap(core::ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: the handle came from NdisMRegisterInterruptEx and is deregistered once.
        unsafe { NdisMDeregisterInterruptEx(handle) };
        // NDIS runs no new ISR after deregistration; a DPC already running finishes first.
        if !wait_until_idle(&shared.running) {
            // Still running after the bound: leaking the handler is safe, freeing it is not.
            Box::leak(shared);
        }
    }
}
