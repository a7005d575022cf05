//! The PF's own traffic on its default queue (pool 0 / queue 0 while no VF exists) through the
//! shared engine ([`igb_datapath`]): rings and receive buffers in NDIS shared memory, the
//! transmit engine behind its queue lock with the real scatter/gather mapper, the receive
//! engine with NDIS-pool NBLs, one MSI-X vector for Rx0 + Tx0, and the pause / halt / removal
//! accounting that completes every NBL exactly once.
//!
//! Bring-up (82576 datasheet 4.5.9 Rx / 4.5.10 Tx initialization; igb-hardware.md §3): ring
//! memory and buffers are allocated, each queue is programmed and enabled with
//! `igb::queue::enable_rx_queue` / `enable_tx_queue` (bounded 10 ms waits, PASSIVE, inside
//! `MiniportInitializeEx`), then the receive buffers are posted and RDT written once. RCTL.EN
//! and TCTL.EN are already on from `PfDevice::configure_pools` (the VF pools need them
//! independently of the PF's queue); a frame that arrives before queue 0 is enabled is dropped
//! by the MAC like one for any disabled queue.
//!
//! IRQL: `send`, `return_nbls`, the DPC and the late scatter/gather callback run at <=
//! DISPATCH and never wait: each takes one engine's spin lock for the engine call only, and
//! calls NDIS (complete, indicate) after releasing it, so NDIS returning or sending inline
//! cannot deadlock on it. Pause completes from whichever of them sees the data path drained.

extern crate alloc;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use hw_platform::{DmaAllocator, MsixVector};
use igb::ids::Generation;
use igb::interrupts::QueueDirection;
use igb::pf_queue::{mask_queue_vector, route_queue_vector, unmask_queue_vector};
use igb::queue::{
    QueueError, RingPlacement, disable_rx_queue, disable_tx_queue, enable_rx_queue, enable_tx_queue,
};
use igb::regs::pf;
use igb::regs::{PfBar, PfRegisters};
use igb::ring::{MmioDoorbell, RING_ALIGN, RxRing, TxRing, ring_bytes};
use igb_datapath::{
    DpcBudget, DpcNext, ModerationSetting, RxConfig, RxEngine, TxConfig, TxEngine, eitr_value,
};
use ndis::NblChain;
use ndis::adapter::AdapterHandle;
use ndis::config::KeywordSource;
use ndis::dma::{ScatterGatherDma, SgList, SharedMemory};
use ndis::event_log::EventCode;
use ndis::interrupt::DpcContext;
use ndis::lifecycle::AdapterState;
use ndis::receive::NdisReceivePool;
use ndis::sg_mapper::{LateSgLists, SgMapper, SgMapperMonitor};
use ndis::sync::SpinLock;
use ndis::time::PassiveClock;
use ndis_abi::*;

use crate::hardware::PfIo;

/// The PF's MSI-X message for queue pair 0 (Rx0 and Tx0 causes; the "other" causes are on
/// `PF_VECTOR_OTHER` = 0, as Linux igb assigns them).
pub const QUEUE_VECTOR: u32 = 1;
/// The PF's queue with the PF alone in pool 0 (VMDq: pool n owns queues n and n + 8).
pub const PF_QUEUE: usize = 0;
/// Descriptors per ring (Linux igb's default 256).
pub const RING_SIZE: u32 = 256;
/// Receive buffers: a full ring plus spares, so the ring stays full while NDIS holds some.
pub const RX_BUFFERS: usize = 384;
/// Receive buffer size: SRRCTL 1 KiB units; 2 KiB holds a 1522-byte tagged frame.
pub const RX_BUFFER_LEN: u32 = 2048;
/// Longest wait in halt for NDIS to return indicated receives (it must have before halt).
const HALT_RETURN_WAIT: core::time::Duration = core::time::Duration::from_secs(1);
/// How long `MiniportPause` waits at PASSIVE for the data path to drain before it returns
/// `NDIS_STATUS_PENDING` ([`PfDataPath::begin_pause`]).
const PAUSE_SYNC_WAIT: core::time::Duration = core::time::Duration::from_millis(100);

/// `*InterruptModeration` (standardized: 0 disabled, 1 enabled; INF default 1).
pub const INTERRUPT_MODERATION: &str = "*InterruptModeration";
/// `*InterruptModerationRate` (interrupts per second; 0 = driver default).
pub const INTERRUPT_MODERATION_RATE: &str = "*InterruptModerationRate";
/// Smallest non-zero `*InterruptModerationRate` accepted (EITR's longest interval, 0x1FFF µs,
/// is ≈ 122 interrupts/s; below that the value cannot be programmed).
pub const MIN_MODERATION_RATE: u32 = 123;
/// Largest `*InterruptModerationRate` accepted (1 µs, EITR's shortest interval).
pub const MAX_MODERATION_RATE: u32 = 1_000_000;

/// Event-log call sites of the data path (first value of the entry).
pub mod event_site {
    /// `*InterruptModeration` had a value other than 0/1 (data: the value); 1 used.
    pub const MODERATION_REJECTED: u32 = 0x0001_0101;
    /// `*InterruptModerationRate` out of range (data: the value); the default used.
    pub const MODERATION_RATE_REJECTED: u32 = 0x0001_0102;
    /// Halt gave up waiting for NDIS to return receives (data: how many); the receive
    /// buffers were leaked rather than freed under NDIS.
    pub const RECEIVES_NOT_RETURNED: u32 = 0x0001_0103;
}

/// Reads `*InterruptModeration` / `*InterruptModerationRate` with their defaults; an invalid
/// value is reported (site, value) and replaced by the default.
pub fn read_moderation<S: KeywordSource + ?Sized>(
    source: &mut S,
    mut rejected: impl FnMut(u32, u32),
) -> ModerationSetting {
    let enabled = match source.read_integer(INTERRUPT_MODERATION) {
        None | Some(1) => true,
        Some(0) => false,
        Some(other) => {
            rejected(event_site::MODERATION_REJECTED, other);
            true
        }
    };
    let rate = match source.read_integer(INTERRUPT_MODERATION_RATE) {
        None => 0,
        Some(rate) if rate == 0 || (MIN_MODERATION_RATE..=MAX_MODERATION_RATE).contains(&rate) => {
            rate
        }
        Some(other) => {
            rejected(event_site::MODERATION_RATE_REJECTED, other);
            0
        }
    };
    ModerationSetting { enabled, rate }
}

type Bell = MmioDoorbell<PfIo, PfBar>;
/// The PF's transmit engine, mapping with NDIS's scatter/gather lists.
pub type PfTxEngine = TxEngine<SharedMemory, SgMapper, Bell>;
/// The PF's receive engine (NBLs from an NDIS pool, `SourceHandle` = the adapter).
pub type PfRxEngine = RxEngine<SharedMemory, NdisReceivePool, Bell>;

/// Why the data path could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DataPathError {
    /// Shared memory, NBLs or tables could not be allocated.
    Resources,
    /// A queue did not come up (or the device is gone).
    Queue(QueueError),
    /// The queue vector could not be routed.
    Vector(igb::pf_queue::QueueVectorError),
}

impl DataPathError {
    /// A small code for the event log.
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::Resources => 0x21,
            Self::Queue(_) => 0x22,
            Self::Vector(_) => 0x23,
        }
    }
}

/// Counters of the data path (diagnostics, lab, tests).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DataPathCounters {
    /// Transmit engine counters.
    pub tx: igb_datapath::TxCounters,
    /// Receive engine counters.
    pub rx: igb_datapath::RxCounters,
    /// Receive NBLs NDIS holds.
    pub rx_outstanding: usize,
    /// NBLs the transmit engine holds.
    pub tx_held: usize,
    /// Queue-vector DPC passes.
    pub dpc_passes: u64,
    /// Passes that requeued themselves (budget exhausted).
    pub dpc_requeues: u64,
    /// Scatter/gather lists that arrived after the allocate call returned.
    pub late_sg_lists: u64,
    /// Lists nobody asked for (leaked or freed, never used).
    pub stray_sg_lists: u64,
    /// Pauses completed later with `NdisMPauseComplete`.
    pub pauses_completed_later: u64,
}

/// The PF's queue pair 0 with its engines.
pub struct PfDataPath {
    tx: Box<SpinLock<PfTxEngine>>,
    rx: Box<SpinLock<PfRxEngine>>,
    sg_lists: SgMapperMonitor,
    regs: PfRegisters<PfIo>,
    generation: Generation,
    adapter: AdapterHandle,
    budget: DpcBudget,
    /// Set once a pause is waiting for the data path to drain; cleared by whoever completes it.
    pause_pending: AtomicBool,
    /// Receives are not indicated (paused, halting, removed).
    rx_stopped: AtomicBool,
    /// The device is gone or the queues are stopped: nothing is posted or polled.
    stopped: AtomicBool,
    /// Calls in progress that may hand NBLs back to NDIS (send, DPC, removal): a pause
    /// completes only when none is (an NBL taken out of an engine is not yet completed).
    busy: AtomicUsize,
    dpc_passes: AtomicU64,
    dpc_requeues: AtomicU64,
    pauses_completed_later: AtomicU64,
}

impl PfDataPath {
    /// Allocates rings, bounce region and receive buffers, programs and enables queue 0 (Rx
    /// first), routes it to [`QUEUE_VECTOR`] with `moderation`'s EITR (left masked until
    /// [`Self::arm`]), and posts the receive buffers. PASSIVE, in `MiniportInitializeEx`,
    /// after the controller's bring-up (GPIE MSI-X mode is set with the "other" vector later,
    /// so IVAR is written again by [`Self::arm`]).
    pub fn open(
        adapter: AdapterHandle,
        io: &PfIo,
        generation: Generation,
        dma: Arc<ScatterGatherDma>,
        moderation: ModerationSetting,
        jumbo_packet: u32,
    ) -> Result<Self, DataPathError> {
        let clock = PassiveClock;
        let regs = PfRegisters::new(Arc::clone(io));
        let rx_queue = pf::rx_queue(generation, PF_QUEUE)
            .ok_or(DataPathError::Queue(QueueError::BadRingSize(0)))?;
        let tx_queue = pf::tx_queue(generation, PF_QUEUE)
            .ok_or(DataPathError::Queue(QueueError::BadRingSize(0)))?;
        let allocator = dma.shared_memory(true);
        let ring_memory = || {
            allocator
                .allocate(ring_bytes(RING_SIZE), RING_ALIGN as usize)
                .map_err(|_| DataPathError::Resources)
        };
        let rx_ring = RxRing::new(
            ring_memory()?,
            RING_SIZE,
            MmioDoorbell::new(Arc::clone(io), rx_queue.rdt),
        )
        .map_err(|_| DataPathError::Resources)?;
        let tx_ring = TxRing::new(
            ring_memory()?,
            RING_SIZE,
            MmioDoorbell::new(Arc::clone(io), tx_queue.tdt),
        )
        .map_err(|_| DataPathError::Resources)?;
        // Frames up to *JumboPacket (+ an in-band VLAN tag) go out; those above the bounce
        // threshold take the SG path, whose MDL chains have no length limit of their own.
        let tx_config = TxConfig {
            max_frame: jumbo_packet.saturating_add(4),
            ..TxConfig::default()
        };
        let bounce_len = (RING_SIZE as usize - 1) * tx_config.bounce_threshold as usize;
        let bounce = allocator
            .allocate(bounce_len.max(1), 64)
            .map_err(|_| DataPathError::Resources)?;
        let mut buffers = Vec::new();
        buffers
            .try_reserve_exact(RX_BUFFERS)
            .map_err(|_| DataPathError::Resources)?;
        for _ in 0..RX_BUFFERS {
            buffers.push(
                allocator
                    .allocate(RX_BUFFER_LEN as usize, 128)
                    .map_err(|_| DataPathError::Resources)?,
            );
        }
        let (mapper, sg_lists) = SgMapper::new(dma);

        // 82576 datasheet 4.5.9 / 4.5.10: queue programmed and enabled before buffers are
        // posted (the tail stays 0 until RxEngine::new writes it once).
        enable_rx_queue(
            &regs,
            &rx_queue,
            RingPlacement {
                base: rx_ring.dma_base(),
                descriptors: RING_SIZE,
            },
            RX_BUFFER_LEN,
            &clock,
        )
        .map_err(DataPathError::Queue)?;
        if let Err(error) = enable_tx_queue(
            &regs,
            &tx_queue,
            RingPlacement {
                base: tx_ring.dma_base(),
                descriptors: RING_SIZE,
            },
            &clock,
        ) {
            // Nothing may keep pointing at memory that is about to be freed.
            let _ = disable_rx_queue(&regs, &rx_queue, &clock);
            return Err(DataPathError::Queue(error));
        }
        let stop_queues = |regs: &PfRegisters<PfIo>| {
            let _ = disable_rx_queue(regs, &rx_queue, &clock);
            let _ = disable_tx_queue(regs, &tx_queue, &clock);
        };
        let pool = match NdisReceivePool::new(adapter) {
            Ok(pool) => pool,
            Err(_) => {
                stop_queues(&regs);
                return Err(DataPathError::Resources);
            }
        };
        // Buffers stay 2 KiB whatever *JumboPacket says (as Linux igb's 2 KiB Rx buffers): a
        // jumbo frame spans several descriptors (82576 datasheet 7.1.5) and is indicated as
        // one NBL over their MDLs, so no large contiguous shared memory is needed. The engine
        // drops anything beyond the frame plus a VLAN tag left in it.
        let rx_config = RxConfig {
            max_frame: jumbo_packet.saturating_add(4),
            ..RxConfig::default()
        };
        let rx = match RxEngine::new(rx_ring, buffers, pool, rx_config) {
            Ok(rx) => rx,
            Err(_) => {
                stop_queues(&regs);
                return Err(DataPathError::Resources);
            }
        };
        let tx = match TxEngine::new(tx_ring, bounce, mapper, tx_config) {
            Ok(tx) => tx,
            Err(_) => {
                stop_queues(&regs);
                return Err(DataPathError::Resources);
            }
        };
        let path = Self {
            tx: SpinLock::new(tx),
            rx: SpinLock::new(rx),
            sg_lists,
            regs,
            generation,
            adapter,
            budget: DpcBudget::default(),
            pause_pending: AtomicBool::new(false),
            rx_stopped: AtomicBool::new(true),
            stopped: AtomicBool::new(false),
            busy: AtomicUsize::new(0),
            dpc_passes: AtomicU64::new(0),
            dpc_requeues: AtomicU64::new(0),
            pauses_completed_later: AtomicU64::new(0),
        };
        path.route(moderation)?;
        Ok(path)
    }

    fn route(&self, moderation: ModerationSetting) -> Result<(), DataPathError> {
        route_queue_vector(
            &self.regs,
            self.generation,
            PF_QUEUE,
            QUEUE_VECTOR,
            eitr_value(moderation),
            &[QueueDirection::Rx, QueueDirection::Tx],
        )
        .map_err(DataPathError::Vector)
    }

    /// Routes (again, now that GPIE is in MSI-X mode: IVAR writes before it do not stick, 82576
    /// datasheet 8.8.15) and unmasks the queue vector. After NDIS connected the interrupt.
    pub fn arm(&self, moderation: ModerationSetting) -> Result<(), DataPathError> {
        self.route(moderation)?;
        unmask_queue_vector(&self.regs, QUEUE_VECTOR);
        Ok(())
    }

    /// Where scatter/gather lists that arrive after the allocate call go: `sink` (the adapter
    /// state this data path lives in) calls [`Self::late_sg_list`]. Called once, right after
    /// the shared state is created, before any send.
    pub fn attach(&self, sink: alloc::sync::Weak<dyn LateSgLists>) {
        self.sg_lists.set_late_sink(sink);
    }

    /// A list NDIS built after `NdisMAllocateNetBufferSGList` returned (DISPATCH): the Tx
    /// engine takes it under its lock and posts what waited for it; what that completes is
    /// completed now. The pass counts as busy, and may finish a pause it drained.
    ///
    /// # Errors
    /// The list back when the engine owes nothing with `tag` (the router frees it).
    pub fn late_sg_list(
        &self,
        tag: u32,
        list: SgList,
        core: &ndis::adapter::AdapterCore,
    ) -> Result<(), SgList> {
        self.busy.fetch_add(1, Ordering::SeqCst);
        let result = self.tx.lock().sg_list_ready(tag, list);
        let result = result.map(|done| self.adapter.complete_sends(done, true));
        self.busy.fetch_sub(1, Ordering::SeqCst);
        self.complete_pause_if_drained(core);
        result
    }

    /// The task offloads the engines perform from now on (`ndis::offload`; both locks briefly).
    pub fn set_offloads(&self, offloads: ndis::offload::OffloadConfig) {
        self.tx.lock().set_offloads(offloads);
        self.rx.lock().set_offloads(offloads);
    }

    /// Whether received frames are indicated (off while the NDIS packet filter is 0; frames
    /// are then dropped in the engine and counted in `rx.filtered`).
    pub fn set_receive_enabled(&self, enabled: bool) {
        self.rx.lock().set_indicate(enabled);
    }

    /// The 802.1Q tagging policy the engines follow from now on (`*PriorityVLANTag`,
    /// `*VlanID`; both locks briefly).
    pub fn set_vlan_policy(&self, vlan: igb_datapath::VlanPolicy) {
        self.tx.lock().set_vlan_policy(vlan);
        self.rx.lock().set_vlan_policy(vlan);
    }

    /// Counters.
    pub fn counters(&self) -> DataPathCounters {
        let (tx, tx_held) = {
            let tx = self.tx.lock();
            (tx.counters(), tx.held())
        };
        let (rx, rx_outstanding) = {
            let rx = self.rx.lock();
            (rx.counters(), rx.outstanding())
        };
        DataPathCounters {
            tx,
            rx,
            rx_outstanding,
            tx_held,
            dpc_passes: self.dpc_passes.load(Ordering::Relaxed),
            dpc_requeues: self.dpc_requeues.load(Ordering::Relaxed),
            late_sg_lists: self.sg_lists.late_lists(),
            stray_sg_lists: self.sg_lists.stray_lists(),
            pauses_completed_later: self.pauses_completed_later.load(Ordering::Relaxed),
        }
    }

    /// `MiniportSendNetBufferLists`: with the device gone every NBL completes with
    /// `NDIS_STATUS_ADAPTER_REMOVED`; not Running or no link → `core.refuse_sends`
    /// (`NDIS_STATUS_PAUSED` / `NDIS_STATUS_MEDIA_DISCONNECTED`); otherwise into the engine
    /// under its queue lock, refused NBLs completed now with the IRQL flag the send carried.
    pub fn send(
        &self,
        chain: NblChain,
        send_flags: ULONG,
        core: &ndis::adapter::AdapterCore,
        removed: bool,
    ) {
        let dispatch = send_flags & NDIS_SEND_FLAGS_DISPATCH_LEVEL != 0;
        // Counted before the state is read, so a pause that starts now sees this send in
        // `drained` (both sides use SeqCst).
        self.busy.fetch_add(1, Ordering::SeqCst);
        if removed || self.stopped.load(Ordering::SeqCst) {
            self.complete_all(chain, NDIS_STATUS_ADAPTER_REMOVED, dispatch);
        } else if !core.lifecycle.accepts_sends()
            || core.link().connect_state != MediaConnectStateConnected
        {
            core.refuse_sends(chain, send_flags);
        } else {
            let done = self.tx.lock().send(chain);
            self.adapter.complete_sends(done, dispatch);
        }
        self.busy.fetch_sub(1, Ordering::SeqCst);
        self.complete_pause_if_drained(core);
    }

    fn complete_all(&self, mut chain: NblChain, status: NDIS_STATUS, dispatch: bool) {
        let mut out = NblChain::new();
        while let Some(mut nbl) = chain.pop_owned() {
            nbl.set_status(status);
            out.push_owned(nbl);
        }
        self.adapter.complete_sends(out, dispatch);
    }

    /// `MiniportReturnNetBufferLists`: buffers back onto the ring; completes a pause waiting
    /// for them.
    pub fn return_nbls(&self, chain: NblChain, core: &ndis::adapter::AdapterCore) {
        let foreign = self.rx.lock().return_nbls(chain);
        // NDIS returns only what the miniport indicated; anything else is not ours to free.
        let _ = foreign;
        self.complete_pause_if_drained(core);
    }

    /// Whether nothing is in flight: no send call inside, no send held, no SG list owed, no
    /// receive lent.
    fn drained(&self) -> bool {
        if self.busy.load(Ordering::SeqCst) != 0 {
            return false;
        }
        let tx_idle = {
            let tx = self.tx.lock();
            tx.held() == 0 && !tx.map_pending()
        };
        tx_idle && self.rx.lock().outstanding() == 0
    }

    /// `MiniportPause` (PASSIVE): new sends are refused by the caller (Pausing), receives stop
    /// being indicated. `true` if the data path drains within [`PAUSE_SYNC_WAIT`] (the pause
    /// completes synchronously); else the pause is completed with `NdisMPauseComplete` by the
    /// DPC or return path that drains it.
    ///
    /// Why wait first: what is in flight at a pause is nearly always a DPC pass or a send call
    /// a few microseconds from its end. Marking the pause pending at once let that DPC finish
    /// the drain and call `NdisMPauseComplete` while `MiniportPause` had not yet returned
    /// `NDIS_STATUS_PENDING`, a completion NDIS only accepts for a pause it was told is pending
    /// (D/ndis/nf-ndis-ndismpausecomplete.md). While the handler waits, no other path can
    /// complete the pause (`pause_pending` is still clear); only a drain slower than the wait
    /// (receives held by a protocol, sends stuck on a stalled ring) is completed later.
    pub fn begin_pause(&self) -> bool {
        self.rx_stopped.store(true, Ordering::Release);
        let drained_in_time = hw_platform::poll_until(
            &PassiveClock,
            PAUSE_SYNC_WAIT,
            core::time::Duration::from_millis(1),
            || self.drained().then_some(()),
        );
        if drained_in_time.is_ok() {
            return true;
        }
        self.pause_pending.store(true, Ordering::SeqCst);
        self.drained() && self.pause_pending.swap(false, Ordering::SeqCst)
    }

    /// Whether a pause is waiting for the data path.
    pub fn pause_pending(&self) -> bool {
        self.pause_pending.load(Ordering::Acquire)
    }

    /// Completes a pending pause once nothing is in flight: Paused, then
    /// `NdisMPauseComplete` (the one completion of the pause `MiniportPause` returned
    /// PENDING for; `pause_pending` is taken by exactly one caller).
    fn complete_pause_if_drained(&self, core: &ndis::adapter::AdapterCore) {
        if self.pause_pending.load(Ordering::Acquire)
            && self.drained()
            && self.pause_pending.swap(false, Ordering::AcqRel)
        {
            self.pauses_completed_later.fetch_add(1, Ordering::Relaxed);
            core.lifecycle.set(AdapterState::Paused);
            self.adapter.pause_complete();
        }
    }

    /// `MiniportRestart`: receives are indicated again.
    pub fn restart(&self) {
        self.rx_stopped.store(false, Ordering::Release);
    }

    /// The queue vector's DPC: Tx completions (one `NdisMSendNetBufferListsComplete`), one
    /// receive indication of at most the budget, then requeue or re-arm. Never waits.
    pub fn dpc(
        &self,
        context: &mut DpcContext<'_>,
        removed: bool,
        core: &ndis::adapter::AdapterCore,
    ) {
        self.busy.fetch_add(1, Ordering::SeqCst);
        let next = self.dpc_pass(context, removed);
        self.busy.fetch_sub(1, Ordering::SeqCst);
        self.complete_pause_if_drained(core);
        match next {
            Some(DpcNext::Requeue) if context.requeue(MsixVector(QUEUE_VECTOR as u16)) => {
                self.dpc_requeues.fetch_add(1, Ordering::Relaxed);
            }
            // Done, or NDIS refused the requeue: re-arm so the next cause interrupts again.
            Some(_) => unmask_queue_vector(&self.regs, QUEUE_VECTOR),
            None => {}
        }
    }

    /// One pass; `None` when the data path is stopped (no re-arm).
    fn dpc_pass(&self, context: &mut DpcContext<'_>, removed: bool) -> Option<DpcNext> {
        if removed || self.stopped.load(Ordering::Acquire) {
            // Nothing touches a vanished device; removal/halt complete what is held.
            return None;
        }
        self.dpc_passes.fetch_add(1, Ordering::Relaxed);
        let (done, tx_more) = self.tx.lock().complete(self.budget.tx);
        // The DPC runs at DISPATCH.
        self.adapter.complete_sends(done, true);

        let mut rx_more = false;
        if !self.rx_stopped.load(Ordering::Acquire) {
            let throttle = usize::try_from(context.receive_budget()).unwrap_or(usize::MAX);
            let budget = self.budget.rx.min(throttle).max(1);
            let indication = self.rx.lock().poll(budget);
            rx_more = indication.more;
            if !indication.chain.is_empty() {
                let back = self
                    .adapter
                    .indicate_receives(indication.chain, indication.flags);
                if indication.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0 {
                    let foreign = self.rx.lock().return_nbls(back);
                    let _ = foreign;
                }
            }
            if rx_more {
                context.set_more_pending();
            }
        }
        Some(DpcBudget::next(rx_more, tx_more))
    }

    /// Surprise removal: the device is gone; every NBL the engine holds completes with
    /// `NDIS_STATUS_ADAPTER_REMOVED` now (no wait on the device), once.
    pub fn on_removed(&self, core: &ndis::adapter::AdapterCore) {
        self.busy.fetch_add(1, Ordering::SeqCst);
        self.stopped.store(true, Ordering::SeqCst);
        self.rx_stopped.store(true, Ordering::Release);
        let done = self.tx.lock().drain_all(NDIS_STATUS_ADAPTER_REMOVED);
        // PnP runs at PASSIVE.
        self.adapter.complete_sends(done, false);
        self.busy.fetch_sub(1, Ordering::SeqCst);
        self.complete_pause_if_drained(core);
    }

    /// Halt, after the interrupt is deregistered: queues stopped (bounded waits, skipped when
    /// the device is gone), every held send completed with `status`, receives waited for
    /// (bounded). Returns the receives NDIS still holds (0 when the memory may be freed).
    pub fn halt(&self, device_gone: bool, status: NDIS_STATUS) -> usize {
        self.stopped.store(true, Ordering::Release);
        self.rx_stopped.store(true, Ordering::Release);
        mask_queue_vector(&self.regs, QUEUE_VECTOR);
        if !device_gone {
            let clock = PassiveClock;
            if let Some(queue) = pf::rx_queue(self.generation, PF_QUEUE) {
                let _ = disable_rx_queue(&self.regs, &queue, &clock);
            }
            if let Some(queue) = pf::tx_queue(self.generation, PF_QUEUE) {
                let _ = disable_tx_queue(&self.regs, &queue, &clock);
            }
        }
        let done = self.tx.lock().drain_all(status);
        // Halt runs at PASSIVE.
        self.adapter.complete_sends(done, false);
        self.rx.lock().drain();
        // NDIS returns every indicated receive before MiniportHaltEx (and an owed SG list
        // arrives once NDIS finishes it): a bounded wait, then the caller leaks what is left.
        let held = || {
            let outstanding = self.rx.lock().outstanding();
            outstanding + usize::from(self.tx.lock().map_pending())
        };
        let _ = hw_platform::poll_until(
            &PassiveClock,
            HALT_RETURN_WAIT,
            core::time::Duration::from_millis(1),
            || (held() == 0).then_some(()),
        );
        held()
    }
}

impl PfDataPath {
    /// Logs a halt that had to leak the receive buffers.
    pub fn log_unreturned(&self, core: &ndis::adapter::AdapterCore, outstanding: usize) {
        core.log_event(
            EventCode::DRIVER_FAILURE,
            event_site::RECEIVES_NOT_RETURNED,
            &[u32::try_from(outstanding).unwrap_or(u32::MAX)],
        );
    }
}

/// Whether `message` is the queue vector.
#[must_use]
pub const fn is_queue_vector(message: MsixVector) -> bool {
    message.0 as u32 == QUEUE_VECTOR
}
