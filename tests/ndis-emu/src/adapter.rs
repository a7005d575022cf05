//! One emulated adapter: its NDIS state machine, what the miniport reported, what is in flight
//! between NDIS and the miniport, and the violations found so far.
//!
//! States and allowed operations follow N/miniport-adapter-states-and-operations.md: Halted →
//! Initializing → Paused ⇄ (Restarting → Running → Pausing → Paused) → Halted; sends and receives
//! only in Running/Pausing; OIDs in Paused/Restarting/Running/Pausing.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ndis_abi::*;

use crate::config::AdapterConfig;
use crate::context::{self, Handler};
use crate::driver::DriverShared;
use crate::irql::{Irql, IrqlGuard};
use crate::objects::{TimerQueue, Worker};
use crate::port::{DevicePort, InterruptEngine};
use crate::registry::{self, Kind, Owner, lock};
use crate::rules::Violation;

/// The adapter states of N/miniport-adapter-states-and-operations.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdapterState {
    /// Not initialized, or halted.
    Halted,
    /// `MiniportInitializeEx` is running.
    Initializing,
    /// Initialized or pause completed.
    Paused,
    /// `MiniportRestart` called, not complete.
    Restarting,
    /// Restart completed.
    Running,
    /// `MiniportPause` called, not complete.
    Pausing,
    /// `MiniportShutdownEx` called.
    Shutdown,
}

/// A handler call that may complete later (pause, restart, reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Idle,
    /// The handler is running (a completion now is premature).
    InHandler,
    /// The handler returned `NDIS_STATUS_PENDING`.
    Pending,
    /// Completed (status).
    Completed(NDIS_STATUS),
}

/// The registration attributes as set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationAttributes {
    /// `MiniportAdapterContext`.
    pub context: usize,
    /// `AttributeFlags`.
    pub attribute_flags: u32,
    /// `CheckForHangTimeInSeconds`.
    pub check_for_hang_seconds: u32,
    /// `InterfaceType`.
    pub interface_type: i32,
}

/// The general attributes as set (the parts tests look at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneralAttributes {
    /// `Header.Revision`.
    pub revision: u8,
    /// `MediaType`.
    pub media_type: i32,
    /// `MtuSize`.
    pub mtu: u32,
    /// `MaxXmitLinkSpeed`.
    pub max_xmit_link_speed: u64,
    /// `MediaConnectState`.
    pub media_connect_state: i32,
    /// `LookaheadSize`.
    pub lookahead: u32,
    /// `MacOptions`.
    pub mac_options: u32,
    /// `SupportedPacketFilters`.
    pub supported_packet_filters: u32,
    /// `MaxMulticastListSize`.
    pub max_multicast_list_size: u32,
    /// `PermanentMacAddress[..MacAddressLength]`.
    pub permanent_mac: Vec<u8>,
    /// `CurrentMacAddress[..MacAddressLength]`.
    pub current_mac: Vec<u8>,
    /// `SupportedStatistics`.
    pub supported_statistics: u32,
    /// `SupportedOidList`.
    pub supported_oids: Vec<NDIS_OID>,
    /// `RecvScaleCapabilities != NULL`.
    pub has_rss_capabilities: bool,
}

/// The hardware-assist attributes as set, with the capability structures copied.
#[derive(Clone, Copy)]
pub struct HardwareAssistAttributes {
    /// `Header.Revision`.
    pub revision: u8,
    /// `HardwareSriovCapabilities`.
    pub hardware_sriov: Option<NDIS_SRIOV_CAPABILITIES>,
    /// `CurrentSriovCapabilities`.
    pub current_sriov: Option<NDIS_SRIOV_CAPABILITIES>,
    /// `HardwareNicSwitchCapabilities`.
    pub hardware_nic_switch: Option<NDIS_NIC_SWITCH_CAPABILITIES>,
    /// `CurrentNicSwitchCapabilities`.
    pub current_nic_switch: Option<NDIS_NIC_SWITCH_CAPABILITIES>,
    /// `HardwareReceiveFilterCapabilities`.
    pub hardware_receive_filter: Option<NDIS_RECEIVE_FILTER_CAPABILITIES>,
    /// `CurrentReceiveFilterCapabilities`.
    pub current_receive_filter: Option<NDIS_RECEIVE_FILTER_CAPABILITIES>,
}

/// Every attribute the miniport set during `MiniportInitializeEx` (and `MiniportAddDevice`).
#[derive(Clone, Default)]
pub struct Attributes {
    /// Registration attributes.
    pub registration: Option<RegistrationAttributes>,
    /// General attributes.
    pub general: Option<GeneralAttributes>,
    /// Hardware-assist attributes.
    pub hardware_assist: Option<HardwareAssistAttributes>,
    /// Offload attributes were set.
    pub offload: bool,
    /// The offload attributes' `DefaultOffloadConfiguration` (`Header.Size` bytes copied, the
    /// rest zero), if the pointer was not NULL.
    pub offload_default: Option<NDIS_OFFLOAD>,
    /// The offload attributes' `HardwareOffloadCapabilities`, as above.
    pub offload_hardware: Option<NDIS_OFFLOAD>,
    /// `MiniportAddDeviceContext` from the add-device registration attributes.
    pub add_device_context: Option<usize>,
    /// The `Header.Type`s in the order they were set.
    pub order: Vec<u8>,
}

/// A status indication the miniport made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusIndication {
    /// `StatusCode`.
    pub code: NDIS_STATUS,
    /// `PortNumber`.
    pub port: u32,
    /// A copy of `StatusBuffer[..StatusBufferSize]`.
    pub buffer: Vec<u8>,
}

/// One entry the miniport wrote to the system event log with `NdisWriteErrorLogEntry`, as NDIS
/// passes it to the I/O manager: `ErrorCode` and the `NumberOfErrorValues` dump values. (NDIS
/// itself adds the adapter's name as the only insertion string and sets `UniqueErrorValue` to
/// 0, so neither is the driver's to record.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLogEntry {
    /// The `NDIS_ERROR_CODE_*` (`ErrorCode`).
    pub code: u32,
    /// The error values in the order passed (the entry's dump data).
    pub values: Vec<u32>,
}

impl EventLogEntry {
    /// The first error value, which `ndis::event_log::write_event` reserves for the driver's
    /// unique value (which call site logged); `None` for an entry without values.
    #[must_use]
    pub fn unique_value(&self) -> Option<u32> {
        self.values.first().copied()
    }

    /// The values after the unique value.
    #[must_use]
    pub fn data(&self) -> &[u32] {
        self.values.get(1..).unwrap_or(&[])
    }
}

/// A frame the miniport indicated, copied while the indication call ran (so it stays valid
/// when the miniport regains the NBL, e.g. at once with `NDIS_RECEIVE_FLAGS_RESOURCES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFrame {
    /// The NBL's address.
    pub nbl: usize,
    /// The frame bytes: the first NB's `DataLength` bytes from `CurrentMdl`/`CurrentMdlOffset`,
    /// concatenated across its MDL chain (a jumbo frame in several MDLs is one frame here).
    /// Empty when the chain was malformed (NDIS-RECV-7).
    pub data: Vec<u8>,
    /// `ReceiveFlags`.
    pub flags: u32,
    /// `PortNumber`.
    pub port: u32,
    /// `NDIS_RECEIVE_FLAGS_RESOURCES` was set: the miniport owned the NBL again when the call
    /// returned, and NDIS never returns it.
    pub resources: bool,
    /// NET_BUFFERs in the NBL (an Ethernet miniport indicates exactly one).
    pub nb_count: usize,
    /// MDLs holding the first NB's data (from `CurrentMdl` on).
    pub mdl_count: usize,
    /// The first NB's `DataLength` (0 without an NB).
    pub data_length: u32,
    /// Raw `TcpIpChecksumNetBufferListInfo` slot (see [`Self::checksum_info`]).
    pub checksum: usize,
    /// Raw `Ieee8021QNetBufferListInfo` slot (see [`Self::ieee8021q_info`]).
    pub ieee8021q: usize,
    /// `NetBufferListHashValue` (`NET_BUFFER_LIST_GET_HASH_VALUE`).
    pub hash_value: u32,
    /// `NetBufferListHashInfo` (hash type | hash function).
    pub hash_info: u32,
    /// Raw `NetBufferListFilteringInfo` slot (filter id, queue / VPort id).
    pub filtering: usize,
}

impl ReceivedFrame {
    /// The receive checksum result (`Receive.*ChecksumSucceeded/Failed` bits).
    #[must_use]
    pub fn checksum_info(&self) -> NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO {
        NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(self.checksum)
    }

    /// The 802.1Q info (a tag the hardware stripped: `VlanId()`, `UserPriority()`).
    #[must_use]
    pub fn ieee8021q_info(&self) -> NDIS_NET_BUFFER_LIST_8021Q_INFO {
        NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(self.ieee8021q)
    }

    /// `NET_BUFFER_LIST_GET_HASH_TYPE` (`NDIS_HASH_*`, 0 = no hash).
    #[must_use]
    pub fn hash_type(&self) -> u32 {
        self.hash_info & NDIS_HASH_TYPE_MASK
    }

    /// `NET_BUFFER_LIST_GET_HASH_FUNCTION` (`NdisHashFunctionToeplitz` or 0).
    #[must_use]
    pub fn hash_function(&self) -> u32 {
        self.hash_info & NDIS_HASH_FUNCTION_MASK
    }
}

/// Receive NBLs counted over the adapter's life (see [`crate::EmuAdapter::receive_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiveCounts {
    /// NBLs indicated in total (accepted by NDIS: Running/Pausing).
    pub indicated: u64,
    /// Of those, indicated with `NDIS_RECEIVE_FLAGS_RESOURCES` (never returned).
    pub with_resources: u64,
    /// NBLs returned through `MiniportReturnNetBufferLists`.
    pub returned: u64,
    /// NBLs NDIS owns right now (indicated without RESOURCES, not yet returned).
    pub owned: usize,
}

/// One send completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendCompletion {
    /// The id `EmuAdapter::send` returned.
    pub id: u64,
    /// The NBL status the miniport set (`NET_BUFFER_LIST.Status`).
    pub status: NDIS_STATUS,
    /// The NBL's address.
    pub nbl: usize,
    /// Raw `TcpLargeSendNetBufferListInfo` slot at completion (what the miniport wrote back:
    /// `LsoV1TransmitComplete.TcpPayload` or `LsoV2TransmitComplete.Type`).
    pub lso_info: usize,
    /// `SendCompleteFlags` of the `NdisMSendNetBufferListsComplete` call.
    pub complete_flags: u32,
    /// The completing call ran at DISPATCH_LEVEL or above.
    pub at_dispatch: bool,
}

impl SendCompletion {
    /// The LSO info as written back by the miniport.
    #[must_use]
    pub fn lso_complete_info(&self) -> NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO {
        NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(self.lso_info)
    }
}

/// The emulator-owned memory of one send NBL (as a protocol would own it).
/// `nbl` is read, `data` bounds the frame memory (see `retire_send`); the other fields keep
/// the memory the NBL points to alive.
#[allow(
    clippy::vec_box,
    reason = "each NB/MDL needs a stable address while the vectors grow (the NBL links them)"
)]
pub(crate) struct SendBuffers {
    pub nbl: Box<NET_BUFFER_LIST>,
    pub _nbs: Vec<Box<NET_BUFFER>>,
    pub _mdls: Vec<Box<MDL>>,
    /// The backing store every MDL of the NBL points into.
    pub data: Box<[u8]>,
}

// SAFETY: the buffers are plain heap memory handed to the miniport by address; the emulator
// only touches them under the adapter lock or after the miniport completed them.
unsafe impl Send for SendBuffers {}

/// The chain NDIS handed over with a send NBL, to compare at completion (NDIS-SEND-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainSnapshot {
    pub first_nb: usize,
    /// Per NB: (address, MdlChain, DataLength, DataOffset).
    pub nbs: Vec<(usize, usize, u32, u32)>,
}

pub(crate) struct SendRecord {
    pub id: u64,
    pub snapshot: ChainSnapshot,
    /// Submitted while Paused/Pausing: must complete with NDIS_STATUS_PAUSED (NDIS-SEND-1).
    pub expect_paused: bool,
    /// The NBL carried LSOv2 info: a successful completion must write
    /// `LsoV2TransmitComplete` back (NDIS-SEND-7).
    pub lso_v2: bool,
    /// Keeps the NBL memory alive until the record is dropped.
    pub buffers: SendBuffers,
}

/// The memory of one OID request (request structure and information buffer).
pub(crate) struct OidStorage {
    pub request: Box<NDIS_OID_REQUEST>,
    pub buffer: Vec<u8>,
}

// SAFETY: the request's pointers refer to `buffer`, owned by the same value; the emulator only
// reads them under the adapter lock or after the miniport completed the request.
unsafe impl Send for OidStorage {}

pub(crate) struct OidInFlight {
    pub request: usize,
    pub phase: Op,
    pub cancelled: bool,
}

/// Mutable adapter state.
pub(crate) struct AdapterInner {
    pub state: AdapterState,
    pub ever_restarted: bool,
    pub context: usize,
    pub attrs: Attributes,
    pub pause: Op,
    pub restart: Op,
    pub reset: Op,
    pub oid: Option<OidInFlight>,
    /// Requests whose wait timed out (kept alive; a late completion is accepted quietly).
    pub abandoned_oids: Vec<(usize, OidStorage)>,
    pub sends: HashMap<usize, SendRecord>,
    pub completed_sends: HashMap<usize, SendRecord>,
    pub completed_order: Vec<usize>,
    pub completions: Vec<SendCompletion>,
    pub next_send_id: u64,
    /// Receive NBLs NDIS owns (indicated without RESOURCES, not yet returned) → port.
    pub owned_receives: HashMap<usize, u32>,
    pub owned_order: Vec<usize>,
    pub received: Vec<ReceivedFrame>,
    pub receive_counts: ReceiveCounts,
    pub status_log: Vec<StatusIndication>,
    /// `NdisWriteErrorLogEntry` entries, kept after halt.
    pub event_log: Vec<EventLogEntry>,
    pub violations: Vec<Violation>,
    pub interrupt: Option<usize>,
    pub dma: Option<usize>,
    /// `Some(NumVFs)` while virtualization is enabled.
    pub virtualization: Option<u16>,
    pub halted: bool,
    pub surprise_removed: bool,
    pub invalidated_blocks: u64,
    pub init_status: Option<NDIS_STATUS>,
    /// `ProcessSGListHandler` from the scatter/gather DMA registration.
    pub sg_process: MINIPORT_PROCESS_SG_LIST_HANDLER,
    /// Build SG lists but hand them over later (map registers short), not inside
    /// `NdisMAllocateNetBufferSGList`.
    pub defer_sg_lists: bool,
    /// Lists built and owed to the driver: (list address, the allocation's `Context`).
    pub deferred_sg_lists: Vec<(usize, usize)>,
}

/// One adapter, shared by the harness, the emulator threads and the NDIS entry points.
pub(crate) struct AdapterShared {
    pub handle: usize,
    pub driver: Arc<DriverShared>,
    pub config: AdapterConfig,
    pub inner: Mutex<AdapterInner>,
    pub cv: Condvar,
    /// Interrupt thread, per-processor DPC threads and DPC objects.
    pub intr: InterruptEngine,
    pub work: Worker,
    pub timers: TimerQueue,
    pub timer_thread: Mutex<Option<JoinHandle<()>>>,
    pub oid_gate: Mutex<()>,
    pub weak_self: Weak<AdapterShared>,
}

const RETIRED_SENDS_KEPT: usize = 4096;

impl AdapterShared {
    /// Creates the adapter, its handle and its threads.
    pub(crate) fn create(driver: &Arc<DriverShared>, config: AdapterConfig) -> Arc<Self> {
        let handle = registry::reserve_handle();
        let adapter = Arc::new_cyclic(|weak| AdapterShared {
            handle,
            driver: Arc::clone(driver),
            config,
            inner: Mutex::new(AdapterInner {
                state: AdapterState::Halted,
                ever_restarted: false,
                context: 0,
                attrs: Attributes::default(),
                pause: Op::Idle,
                restart: Op::Idle,
                reset: Op::Idle,
                oid: None,
                abandoned_oids: Vec::new(),
                sends: HashMap::new(),
                completed_sends: HashMap::new(),
                completed_order: Vec::new(),
                completions: Vec::new(),
                next_send_id: 1,
                owned_receives: HashMap::new(),
                owned_order: Vec::new(),
                received: Vec::new(),
                receive_counts: ReceiveCounts::default(),
                status_log: Vec::new(),
                event_log: Vec::new(),
                violations: Vec::new(),
                interrupt: None,
                dma: None,
                virtualization: None,
                halted: false,
                surprise_removed: false,
                invalidated_blocks: 0,
                init_status: None,
                sg_process: None,
                defer_sg_lists: false,
                deferred_sg_lists: Vec::new(),
            }),
            cv: Condvar::new(),
            intr: InterruptEngine::new(),
            work: Worker::start("ndis-emu-worker"),
            timers: TimerQueue::new(),
            timer_thread: Mutex::new(None),
            oid_gate: Mutex::new(()),
            weak_self: weak.clone(),
        });
        registry::insert(
            handle,
            Kind::Adapter(Arc::clone(&adapter)),
            Owner::Adapter(Arc::clone(&adapter)),
        );
        let timer_adapter = Arc::clone(&adapter);
        let join = std::thread::Builder::new()
            .name("ndis-emu-timer".to_string())
            .spawn(move || crate::exports::timer_thread(&timer_adapter))
            .ok();
        *lock(&adapter.timer_thread) = join;
        if let Some(backend) = adapter.config.backend.clone() {
            backend.attach(DevicePort::new(&adapter));
        }
        adapter
    }

    /// The `MiniportAdapterHandle` value.
    pub(crate) fn handle(&self) -> usize {
        self.handle
    }

    pub(crate) fn arc(&self) -> Arc<AdapterShared> {
        self.weak_self
            .upgrade()
            .expect("adapter alive while in use")
    }

    pub(crate) fn owner(&self) -> Owner {
        Owner::Adapter(self.arc())
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, AdapterInner> {
        lock(&self.inner)
    }

    /// The driver's `MiniportProcessSGList`, if scatter/gather DMA is registered.
    pub(crate) fn sg_handler(&self) -> MINIPORT_PROCESS_SG_LIST_HANDLER {
        self.lock().sg_process
    }

    /// Records a violation.
    pub(crate) fn violate(&self, rule: &'static str, message: String) {
        let v = Violation::new(rule, message);
        if std::env::var_os("NDIS_EMU_TRACE").is_some() {
            eprintln!("ndis-emu: {v}");
        }
        lock(&self.inner).violations.push(v);
        self.cv.notify_all();
    }

    /// Runs a miniport handler at `irql` with this adapter as the thread's context, then checks
    /// the handler returned at the IRQL it was called at (NDIS-IRQL-2).
    pub(crate) fn call<R>(&self, handler: Handler, irql: Irql, f: impl FnOnce() -> R) -> R {
        let owner = self.owner();
        let guard = IrqlGuard::enter(irql);
        let result = context::with(&owner, handler, f);
        let now = crate::irql::current();
        if now != guard.level() {
            self.violate(
                "NDIS-IRQL-2",
                format!("{handler:?} handler returned at {} but was called at {} (a spin lock left held or released twice?)", now.name(), irql.name()),
            );
        }
        drop(guard);
        result
    }

    /// Waits (bounded) until `done(inner)` holds. Returns false on timeout.
    pub(crate) fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&AdapterInner) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        let mut inner = self.lock();
        loop {
            if done(&inner) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            inner = self
                .cv
                .wait_timeout(inner, deadline - now)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// Bookkeeping when pause completes: everything must be back (NDIS-SEND-2, NDIS-RECV-2).
    pub(crate) fn pause_completed(&self, inner: &mut AdapterInner) {
        if !inner.sends.is_empty() {
            let n = inner.sends.len();
            inner.violations.push(Violation::new(
                "NDIS-SEND-2",
                format!("pause completed with {n} send NBL(s) not yet completed"),
            ));
        }
        if !inner.owned_receives.is_empty() {
            let n = inner.owned_receives.len();
            inner.violations.push(Violation::new(
                "NDIS-RECV-2",
                format!("pause completed while NDIS still owns {n} indicated receive NBL(s)"),
            ));
        }
        inner.state = AdapterState::Paused;
        self.cv.notify_all();
    }

    /// Moves a completed send to the bounded "retired" set.
    pub(crate) fn retire_send(inner: &mut AdapterInner, nbl: usize, record: SendRecord) {
        inner.completed_sends.insert(nbl, record);
        inner.completed_order.push(nbl);
        if inner.completed_order.len() > RETIRED_SENDS_KEPT {
            let old = inner.completed_order.remove(0);
            if let Some(record) = inner.completed_sends.remove(&old) {
                // The frame memory goes away now: a scatter/gather mapping the driver never
                // freed must not let the device reach it (later access is NDIS-DMA-3).
                let data = &record.buffers.data;
                crate::dma::forget_sg_range(data.as_ptr() as usize, data.len());
            }
        }
    }

    /// Reports every live object of this adapter under the rule its kind belongs to (or
    /// `NDIS-INIT-1` after a failed initialization), then reclaims them.
    pub(crate) fn leak_check(&self, after_failed_init: bool) {
        let owner = self.owner();
        for (addr, entry) in registry::live_owned_by(&owner) {
            let rule = if after_failed_init {
                match entry.kind {
                    Kind::Adapter(_) => continue,
                    _ => "NDIS-INIT-1",
                }
            } else {
                match entry.kind {
                    Kind::Adapter(_) | Kind::DriverObject(_) | Kind::DriverHandle(_) => continue,
                    Kind::Interrupt(_) => "NDIS-HALT-1",
                    Kind::Timer(_) => "NDIS-HALT-2",
                    Kind::SharedMemory { .. } | Kind::SharedMemoryEx { .. } | Kind::Dma => {
                        "NDIS-HALT-3"
                    }
                    Kind::NblPool { .. }
                    | Kind::NbPool
                    | Kind::Nbl { .. }
                    | Kind::Nb { .. }
                    | Kind::Mdl => "NDIS-HALT-4",
                    Kind::Memory { .. } => "NDIS-HALT-5",
                    Kind::IoSpace { .. } | Kind::WorkItem(_) | Kind::Config { .. } => "NDIS-HALT-7",
                }
            };
            let when = if after_failed_init {
                "MiniportInitializeEx failed"
            } else {
                "MiniportHaltEx returned"
            };
            self.violate(
                rule,
                format!(
                    "{} at {addr:#x} still allocated when {when}",
                    entry.kind.name()
                ),
            );
        }
        // Reclaim; mark tombstones so later use is reported. Device-visible memory leaves the
        // DMA address space first (later device access is "after free", NDIS-DMA-3) and register
        // ranges are unmapped (later access is NDIS-IO-1).
        for (addr, entry) in registry::live_owned_by(&owner) {
            match &entry.kind {
                Kind::Adapter(_) => continue,
                Kind::Timer(t) => lock(&t.state).queued = None,
                Kind::SharedMemory { physical, .. } | Kind::SharedMemoryEx { physical, .. } => {
                    crate::dma::unmap(*physical);
                }
                Kind::IoSpace { .. } => crate::dma::unmap_mmio(addr),
                _ => {}
            }
            registry::retire(addr);
        }
        crate::dma::unmap_owned_by(self.handle);
        for va in crate::dma::mmio_owned_by(self.handle) {
            crate::dma::unmap_mmio(va);
        }
        let virt = self.lock().virtualization;
        if let Some(n) = virt {
            if !after_failed_init {
                self.violate(
                    "NDIS-SRIOV-4",
                    format!("virtualization still enabled ({n} VFs) when MiniportHaltEx returned"),
                );
            } else {
                self.violate(
                    "NDIS-INIT-1",
                    format!(
                        "virtualization still enabled ({n} VFs) when MiniportInitializeEx failed"
                    ),
                );
            }
            self.lock().virtualization = None;
        }
    }

    /// Stops the adapter's threads (bounded).
    pub(crate) fn stop_threads(&self) {
        {
            let mut t = lock(&self.timers.timers);
            t.shutdown = true;
            self.timers.cv.notify_all();
        }
        if let Some(join) = lock(&self.timer_thread).take() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !join.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            if join.is_finished() {
                let _ = join.join();
            }
        }
        self.intr.stop(Duration::from_secs(2));
        self.work.stop(Duration::from_secs(2));
    }
}
