//! The device side of an adapter ([`DevicePort`]) and the interrupt/DPC engine behind it.
//!
//! Model (README "Threading and IRQL model"):
//! * [`PROCESSORS`] modelled processors, each with its own DPC thread; one interrupt thread per
//!   adapter runs ISRs at DIRQL under the interrupt lock.
//! * MSI-X message `m` targets processor `m % PROCESSORS` (the `TargetProcessorSet` the
//!   emulator reports in `IO_INTERRUPT_MESSAGE_INFO`); its ISR reports that processor and its
//!   default DPC runs there. A line-based interrupt is message 0.
//! * One DPC object per message, as NDIS has: queuing a DPC that is already queued is a no-op,
//!   and a DPC re-queued while it runs runs again afterwards on its (new) target processor, so
//!   one message's DPC never runs twice concurrently. DPCs of different messages on different
//!   processors run concurrently.
//! * [`DevicePort::raise`] never blocks: it sets the message's pending bit (raising a message
//!   that is already pending coalesces with it, as the MSI-X pending-bit array does) and queues
//!   the ISR on the interrupt thread. It is safe from any thread, including the adapter's own
//!   ISR or DPC. A message raised while no interrupt is registered, after deregistration or
//!   halt, or outside the granted messages is dropped and counted.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::adapter::AdapterShared;
use crate::objects::{InterruptObj, Worker};
use crate::registry::{self, Kind, lock};

/// Processors the emulator models (each runs its own DPC thread).
pub const PROCESSORS: u32 = 2;

thread_local! {
    static PROCESSOR: std::cell::Cell<Option<u32>> = const { std::cell::Cell::new(None) };
}

/// The modelled processor the calling thread is running on: `Some(n)` on a DPC thread of
/// processor `n` or inside an ISR for a message targeted at `n`; `None` elsewhere.
#[must_use]
pub fn current_processor() -> Option<u32> {
    PROCESSOR.with(std::cell::Cell::get)
}

struct ProcessorGuard(Option<u32>);

impl ProcessorGuard {
    fn enter(n: u32) -> Self {
        Self(PROCESSOR.with(|p| p.replace(Some(n))))
    }
}

impl Drop for ProcessorGuard {
    fn drop(&mut self) {
        PROCESSOR.with(|p| p.set(self.0));
    }
}

/// The processor message `message` targets.
pub(crate) fn processor_of(message: u32) -> u32 {
    message % PROCESSORS
}

/// One DPC object (per message).
#[derive(Default)]
struct DpcState {
    /// Queued: (processor, MiniportDpcContext).
    queued: Option<(u32, usize)>,
    running: bool,
}

#[derive(Default)]
struct EngineState {
    pending: BTreeSet<u32>,
    dpcs: HashMap<u32, DpcState>,
}

/// Per-adapter interrupt thread, DPC threads and DPC objects.
pub(crate) struct InterruptEngine {
    isr: Worker,
    cpus: Vec<Worker>,
    state: Mutex<EngineState>,
    cv: Condvar,
    pub(crate) dropped: Arc<AtomicU64>,
}

impl InterruptEngine {
    pub(crate) fn new() -> Self {
        Self {
            isr: Worker::start("ndis-emu-isr"),
            cpus: (0..PROCESSORS)
                .map(|n| Worker::start(&format!("ndis-emu-dpc{n}")))
                .collect(),
            state: Mutex::new(EngineState::default()),
            cv: Condvar::new(),
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    pub(crate) fn stop(&self, timeout: Duration) {
        self.isr.stop(timeout);
        for cpu in &self.cpus {
            cpu.stop(timeout);
        }
        let mut s = lock(&self.state);
        s.pending.clear();
        for d in s.dpcs.values_mut() {
            d.queued = None;
        }
        self.cv.notify_all();
    }

    fn drop_one(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Drops every queued DPC and waits (bounded) until none runs (NdisMDeregisterInterruptEx
    /// returns only when the interrupt's DPCs are done). Not to be called from a DPC.
    pub(crate) fn quiesce(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.state);
        s.pending.clear();
        for d in s.dpcs.values_mut() {
            d.queued = None;
        }
        loop {
            if s.dpcs.values().all(|d| !d.running) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            s = self
                .cv
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// Waits (bounded) until `message`'s DPC is neither queued nor running.
    pub(crate) fn wait_dpc_idle(&self, message: u32, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.state);
        loop {
            let busy = s
                .dpcs
                .get(&message)
                .is_some_and(|d| d.running || d.queued.is_some());
            if !busy {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            s = self
                .cv
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// Waits (bounded) until no interrupt is pending and no DPC is queued or running.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            self.isr.run_and_wait(remaining, Box::new(|| {}));
            for cpu in &self.cpus {
                let remaining = deadline.saturating_duration_since(Instant::now());
                cpu.run_and_wait(remaining, Box::new(|| {}));
            }
            {
                let s = lock(&self.state);
                if s.pending.is_empty() && s.dpcs.values().all(|d| !d.running && d.queued.is_none())
                {
                    return true;
                }
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Runs `job` on the interrupt thread and waits (bounded).
    pub(crate) fn run_on_isr_thread(&self, timeout: Duration, job: crate::objects::Job) -> bool {
        self.isr.run_and_wait(timeout, job)
    }
}

/// The live interrupt object of `adapter`, if one is registered.
pub(crate) fn live_interrupt(adapter: &AdapterShared) -> Option<Arc<InterruptObj>> {
    let handle = adapter.lock().interrupt?;
    match registry::get(handle) {
        Some(registry::Entry {
            kind: Kind::Interrupt(o),
            live: true,
            ..
        }) if !*lock(&o.deregistered) => Some(o),
        _ => None,
    }
}

/// Queues `message`'s DPC on `processor` (one DPC object per message). Returns false when the
/// DPC was already queued (NDIS/KeInsertQueueDpc: no-op) or the engine stopped.
pub(crate) fn queue_dpc(
    adapter: &Arc<AdapterShared>,
    message: u32,
    processor: u32,
    dpc_context: usize,
) -> bool {
    let engine = &adapter.intr;
    let processor = processor % PROCESSORS;
    {
        let mut s = lock(&engine.state);
        let d = s.dpcs.entry(message).or_default();
        if d.queued.is_some() {
            return false;
        }
        d.queued = Some((processor, dpc_context));
        if d.running {
            // Runs again when the current run ends (see `dpc_job`).
            return true;
        }
    }
    submit_dpc(adapter, message, processor)
}

fn submit_dpc(adapter: &Arc<AdapterShared>, message: u32, processor: u32) -> bool {
    let job_adapter = Arc::clone(adapter);
    let queued = adapter.intr.cpus[processor as usize]
        .submit(Box::new(move || dpc_job(&job_adapter, message, processor)));
    if !queued {
        let mut s = lock(&adapter.intr.state);
        if let Some(d) = s.dpcs.get_mut(&message) {
            d.queued = None;
        }
        adapter.intr.cv.notify_all();
    }
    queued
}

fn dpc_job(adapter: &Arc<AdapterShared>, message: u32, processor: u32) {
    let engine = &adapter.intr;
    let context = {
        let mut s = lock(&engine.state);
        let Some(d) = s.dpcs.get_mut(&message) else {
            return;
        };
        // A stale job (the DPC was re-targeted, dropped or already run) does nothing.
        match d.queued {
            Some((p, ctx)) if p == processor && !d.running => {
                d.queued = None;
                d.running = true;
                ctx
            }
            _ => return,
        }
    };
    if let Some(obj) = live_interrupt(adapter) {
        let _cpu = ProcessorGuard::enter(processor);
        crate::exports::run_dpc(adapter, &obj, message, context);
    }
    let again = {
        let mut s = lock(&engine.state);
        let d = s.dpcs.entry(message).or_default();
        d.running = false;
        engine.cv.notify_all();
        d.queued.map(|(p, _)| p)
    };
    if let Some(p) = again {
        submit_dpc(adapter, message, p);
    }
}

/// Runs `message`'s ISR at DIRQL under the interrupt lock and queues its DPC as the ISR asks.
/// Returns (claimed, DPC queued).
pub(crate) fn run_isr(
    adapter: &Arc<AdapterShared>,
    obj: &Arc<InterruptObj>,
    message: u32,
) -> (bool, bool) {
    let processor = processor_of(message);
    let (claimed, queue_default, targets) = {
        let _cpu = ProcessorGuard::enter(processor);
        crate::exports::call_isr(adapter, obj, message)
    };
    if !claimed {
        return (false, false);
    }
    // QueueDefaultInterruptDpc: the DPC runs on the processor the ISR ran on; otherwise
    // TargetProcessors names the processors (D/ndis/nc-ndis-miniport_message_interrupt.md).
    let target = if queue_default {
        Some(processor)
    } else {
        lowest_processor(targets as usize)
    };
    let queued = target.is_some_and(|p| queue_dpc(adapter, message, p, 0));
    (
        true,
        queued || (target.is_some() && dpc_pending(adapter, message)),
    )
}

fn dpc_pending(adapter: &AdapterShared, message: u32) -> bool {
    lock(&adapter.intr.state)
        .dpcs
        .get(&message)
        .is_some_and(|d| d.queued.is_some())
}

/// The lowest modelled processor in `mask`.
pub(crate) fn lowest_processor(mask: usize) -> Option<u32> {
    (0..PROCESSORS).find(|p| mask & (1usize << p) != 0)
}

/// The device side of one adapter: raise its interrupts, access its DMA memory. Handed to the
/// backend by [`crate::HardwareBackend::attach`], or taken with
/// [`crate::EmuAdapter::device_port`]. Holds the adapter weakly: once the adapter is gone,
/// interrupts are dropped (counted) and DMA fails.
#[derive(Clone)]
pub struct DevicePort {
    adapter: Weak<AdapterShared>,
    handle: usize,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for DevicePort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevicePort")
            .field("adapter", &format_args!("{:#x}", self.handle))
            .field("dropped", &self.dropped_interrupts())
            .finish()
    }
}

impl DevicePort {
    pub(crate) fn new(adapter: &Arc<AdapterShared>) -> Self {
        Self {
            adapter: Arc::downgrade(adapter),
            handle: adapter.handle(),
            dropped: Arc::clone(&adapter.intr.dropped),
        }
    }

    /// The `MiniportAdapterHandle` of the adapter this port belongs to.
    #[must_use]
    pub fn adapter_handle(&self) -> usize {
        self.handle
    }

    /// Raises MSI-X message `message_id` (any value for a line-based interrupt, which is
    /// message 0). Never blocks: the ISR runs on the adapter's interrupt thread, its DPC on the
    /// target processor's DPC thread. Dropped (and counted) when no interrupt is registered,
    /// after deregistration or halt, or for a message outside the granted ones.
    pub fn raise(&self, message_id: u32) {
        let Some(adapter) = self.adapter.upgrade() else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if adapter.lock().halted {
            adapter.intr.drop_one();
            return;
        }
        let Some(obj) = live_interrupt(&adapter) else {
            adapter.intr.drop_one();
            return;
        };
        let message = if obj.message_based {
            if message_id >= adapter.config.msix_messages {
                adapter.intr.drop_one();
                return;
            }
            message_id
        } else {
            0
        };
        {
            let mut s = lock(&adapter.intr.state);
            if !s.pending.insert(message) {
                return; // Coalesced with the pending raise.
            }
        }
        let job_adapter = Arc::clone(&adapter);
        let queued = adapter.intr.isr.submit(Box::new(move || {
            lock(&job_adapter.intr.state).pending.remove(&message);
            match live_interrupt(&job_adapter) {
                Some(obj) if !job_adapter.lock().halted => {
                    run_isr(&job_adapter, &obj, message);
                }
                _ => job_adapter.intr.drop_one(),
            }
            job_adapter.intr.cv.notify_all();
        }));
        if !queued {
            lock(&adapter.intr.state).pending.remove(&message);
            adapter.intr.drop_one();
        }
    }

    /// Messages raised that were dropped (no interrupt registered, deregistered, halted, or an
    /// unknown message).
    #[must_use]
    pub fn dropped_interrupts(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Device read of `buf.len()` bytes at fake physical address `physical`. An access outside
    /// every live shared-memory / scatter-gather mapping is recorded on the adapter
    /// (NDIS-DMA-3 if the range was freed, NDIS-DMA-2 otherwise) and returns false.
    pub fn dma_read(&self, physical: u64, buf: &mut [u8]) -> bool {
        match crate::dma::device_read(physical, buf) {
            Ok(()) => true,
            Err(miss) => {
                self.report(miss, "read", physical, buf.len());
                false
            }
        }
    }

    /// Device write of `data` at fake physical address `physical` (see [`Self::dma_read`]).
    pub fn dma_write(&self, physical: u64, data: &[u8]) -> bool {
        match crate::dma::device_write(physical, data) {
            Ok(()) => true,
            Err(miss) => {
                self.report(miss, "write", physical, data.len());
                false
            }
        }
    }

    fn report(&self, miss: crate::dma::Miss, what: &str, physical: u64, len: usize) {
        let rule = match miss {
            crate::dma::Miss::Freed(_) => "NDIS-DMA-3",
            crate::dma::Miss::Outside => "NDIS-DMA-2",
        };
        let message = format!(
            "device DMA {what} of {len:#x} bytes at {physical:#x}: {}",
            crate::dma::miss_text(miss)
        );
        match self.adapter.upgrade() {
            Some(a) => a.violate(rule, message),
            None => crate::push_orphan(crate::Violation::new(rule, message)),
        }
    }
}
