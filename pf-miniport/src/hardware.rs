//! The PF's hardware under NDIS: BAR0 through [`ndis::io::IoSpace`], scatter/gather DMA, the
//! MSI-X "other" cause (link changes, VF mailbox and VFLR events), the permanent MAC from the
//! NVM, link through the PHY, and the hardware statistics.
//!
//! Bring-up order (82576 datasheet 4.6; igb-hardware.md §2.1): map the BAR; check the device
//! answers; read the permanent MAC from the NVM (EERD, checksum-validated; RAL0/RAH0 as the
//! fallback); global reset; apply `*NetworkAddress`; pools (the PF alone: pool 0); link
//! configuration from `*SpeedDuplex` / `*FlowControl`; interrupt registration and the "other"
//! vector; PFRSTD. Nothing here waits for link: a PHY that never links leaves the adapter
//! initialized and media-disconnected.
//!
//! The hardware sequences are `igb::pf_controller::PfController`'s (the same ones the QEMU
//! tier runs against Linux igbvf): bring-up, the "other" interrupt split by IRQL, the mailbox
//! service, quiesce. The miniport adds what NDIS needs around them.
//!
//! IRQL: the ISR only claims the message (EIAM auto-masks the vector). The DPC runs the
//! controller's DISPATCH-safe half (`on_other_interrupt`: ICR, MBVFICR, VFLRE, STATUS, no
//! poll) and queues the I/O work item for the mailbox service, which may poll a VF's buffer
//! lock for 10 ms per request (igb-hardware.md §5.4) and so runs at PASSIVE. The controller is
//! never waited for: if the work item holds it when the DPC runs, the DPC leaves the interrupt
//! (still auto-masked, its ICR causes latched) to the work item, which handles it before it
//! releases the controller. A 2 s watchdog timer queues the same work item, which folds the
//! clear-on-read statistics registers into the 64-bit totals (a 32-bit packet counter wraps
//! in under an hour at line rate) and catches a lost link or mailbox interrupt.

extern crate alloc;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;

use hw_platform::MsixVector;
use igb::filters::{MacAddr, RxMode};
use igb::ids::Generation;
use igb::interrupts::PF_VECTOR_OTHER;
use igb::nvm::{LanFunction, MacSource, apply_override, read_pf_permanent_mac};
use igb::pf_controller::{
    LinkStart, OtherCauses, PfConfig, PfController, PfControllerError, PfControllerStats,
};
use igb::pf_device::{LinkStatus, PfInitError};
use igb::phy::{LinkSettings, configure_link};
use igb::regs::PfRegisters;
use igb::regs::pf;
use igb::removal::RemovalLatch;
use igb::stats::PfStatsAccumulator;
use igb_datapath::ModerationSetting;
use ndis::adapter::AdapterCore;

use crate::datapath::PfDataPath;
use ndis::dma::ScatterGatherDma;
use ndis::ethernet::{DeviceStatistics, LinkState, MAX_MULTICAST_ADDRESSES};
use ndis::interrupt::{DpcContext, Interrupt, InterruptHandler, IsrOutcome};
use ndis::io::IoSpace;
use ndis::miniport::InitContext;
use ndis::sync::{PassiveExclusive, SpinLock};
use ndis::time::PassiveClock;
use ndis::timer::{Timer, TimerControl, TimerHandler, WorkControl, WorkHandler, WorkItem};
use ndis::{NdisError, NdisResult};

/// The PF's register window: the BAR mapping, shared by the controller and the interrupt.
pub type PfIo = Arc<IoSpace>;

/// BAR0 of the 82576 and I350 PF: 128 KiB of registers (82576 datasheet 9.2.2).
const PF_REGISTER_BAR_SIZE: u32 = 0x2_0000;

/// The largest frame one SG list maps (a 64 KiB LSO send plus headers).
const MAX_SG_MAPPING: u32 = 0x1_0000 + 0x200;

/// How often the watchdog runs the service work item (statistics, link, mailbox).
pub const WATCHDOG_PERIOD: Duration = Duration::from_secs(2);

/// Why the PF could not come up, for the log and the status NDIS gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BringUpError {
    /// No memory resource large enough for the register BAR.
    NoRegisterBar,
    /// NDIS did not grant MSI-X messages (the driver needs the "other" vector).
    NoMsix,
    /// The hardware sequence failed.
    Hardware(PfInitError),
    /// The controller refused the configuration (a driver bug, not the device's).
    Controller(PfControllerError),
    /// Neither the NVM nor RAL0/RAH0 hold a usable MAC.
    NoPermanentMac,
    /// An NDIS call failed.
    Ndis(NdisError),
    /// The data path (rings, buffers, queue 0, its vector) could not be built.
    DataPath(crate::datapath::DataPathError),
}

impl BringUpError {
    /// The status `MiniportInitializeEx` returns.
    #[must_use]
    pub const fn status(self) -> NdisError {
        match self {
            Self::NoRegisterBar | Self::NoPermanentMac => NdisError::ADAPTER_NOT_FOUND,
            Self::NoMsix => NdisError::RESOURCES,
            Self::Hardware(PfInitError::DeviceGone(_))
            | Self::Controller(PfControllerError::Init(PfInitError::DeviceGone(_))) => {
                NdisError::ADAPTER_NOT_FOUND
            }
            Self::Hardware(_) | Self::Controller(_) => NdisError::DEVICE_FAILED,
            Self::Ndis(error) => error,
            Self::DataPath(crate::datapath::DataPathError::Resources) => NdisError::RESOURCES,
            Self::DataPath(_) => NdisError::DEVICE_FAILED,
        }
    }
}

impl BringUpError {
    /// A number for the event log: which step failed.
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::NoRegisterBar => 1,
            Self::NoMsix => 2,
            Self::Hardware(PfInitError::DeviceGone(_)) => 3,
            Self::Hardware(PfInitError::ResetTimeout) => 4,
            Self::Hardware(_) => 5,
            Self::Controller(_) => 6,
            Self::NoPermanentMac => 7,
            Self::Ndis(_) => 8,
            Self::DataPath(error) => error.code(),
        }
    }

    /// Writes the failure to the event log with the NDIS code that matches it.
    pub fn log(self, adapter: ndis::adapter::AdapterHandle) {
        use ndis::event_log::{EventCode, write_event};
        let code = match self {
            Self::NoRegisterBar | Self::Hardware(PfInitError::DeviceGone(_)) => {
                EventCode::ADAPTER_NOT_FOUND
            }
            Self::NoMsix => EventCode::INTERRUPT_CONNECT,
            Self::NoPermanentMac => EventCode::NETWORK_ADDRESS,
            Self::Ndis(_) | Self::DataPath(crate::datapath::DataPathError::Resources) => {
                EventCode::OUT_OF_RESOURCES
            }
            Self::Hardware(_) | Self::Controller(_) | Self::DataPath(_) => {
                EventCode::HARDWARE_FAILURE
            }
        };
        let status = match self {
            Self::Ndis(error) => error.status() as u32,
            _ => 0,
        };
        write_event(
            adapter,
            code,
            event_site::INIT_FAILED,
            &[self.code(), status],
        );
    }
}

impl From<NdisError> for BringUpError {
    fn from(error: NdisError) -> Self {
        Self::Ndis(error)
    }
}

impl From<PfInitError> for BringUpError {
    fn from(error: PfInitError) -> Self {
        Self::Hardware(error)
    }
}

impl From<PfControllerError> for BringUpError {
    fn from(error: PfControllerError) -> Self {
        match error {
            PfControllerError::Init(init) => Self::Hardware(init),
            other => Self::Controller(other),
        }
    }
}

/// Which call site wrote an event-log entry: the first value of every entry the PF logs
/// (`ndis::event_log::write_event`), so a support engineer can tell the cases apart.
pub mod event_site {
    /// `*NetworkAddress` was not a usable station address and was ignored (data: the reason,
    /// 1 zero / 2 broadcast / 3 multicast).
    pub const NETWORK_ADDRESS_REJECTED: u32 = 0x0001_0001;
    /// The NVM could not be used; the MAC came from RAR0 (data: 1 bad checksum + the sum
    /// found, or 2 EERD timeout + the word address).
    pub const MAC_FROM_RAR0: u32 = 0x0001_0002;
    /// The PHY did not answer a management access; the adapter stays disconnected (data: 1
    /// timeout / 2 no response / 3 bad register, and the PHY register).
    pub const PHY_NOT_ANSWERING: u32 = 0x0001_0003;
    /// Initialization failed (data: [`super::BringUpError::code`]).
    pub const INIT_FAILED: u32 = 0x0001_0004;
    /// The keywords selected RSS, which this driver does not implement: RSS capabilities are
    /// not reported and receives use the default queue (no data).
    pub const RSS_UNAVAILABLE: u32 = 0x0001_0005;
}

impl MacChoice {
    /// Writes the fallbacks init took to the event log (Event Viewer, netevent.dll texts), so
    /// an administrator sees why the adapter runs on the permanent MAC, a RAR0 MAC or without
    /// link. PASSIVE or DISPATCH.
    pub fn log_fallbacks(&self, core: &AdapterCore) {
        use ndis::event_log::EventCode;
        if let Some(reason) = self.override_rejected {
            let reason = match reason {
                igb::nvm::OverrideRejected::Zero => 1,
                igb::nvm::OverrideRejected::Broadcast => 2,
                igb::nvm::OverrideRejected::Multicast => 3,
            };
            core.log_event(
                EventCode::NETWORK_ADDRESS,
                event_site::NETWORK_ADDRESS_REJECTED,
                &[reason],
            );
        }
        if let MacSource::Rar0 { nvm } = self.source {
            let data = match nvm {
                igb::nvm::NvmMac::BadChecksum { sum } => [1, u32::from(sum)],
                igb::nvm::NvmMac::Timeout { word } => [2, u32::from(word)],
                _ => [3, 0],
            };
            core.log_event(
                EventCode::INVALID_VALUE_FROM_ADAPTER,
                event_site::MAC_FROM_RAR0,
                &data,
            );
        }
        if let Err(error) = self.phy {
            let data = match error {
                igb::phy::PhyError::Timeout { register } => [1, u32::from(register)],
                igb::phy::PhyError::NoResponse { register } => [2, u32::from(register)],
                igb::phy::PhyError::BadRegister(register) => [3, u32::from(register)],
                _ => [4, 0],
            };
            core.log_event(
                EventCode::HARDWARE_FAILURE,
                event_site::PHY_NOT_ANSWERING,
                &data,
            );
        }
    }
}

/// What init learned about the MAC, for the identity and the log.
#[derive(Clone, Copy, Debug)]
pub struct MacChoice {
    /// Link configuration result (`Err`: the PHY did not answer; the adapter stays
    /// disconnected).
    pub phy: Result<(), igb::phy::PhyError>,
    /// The permanent address (NVM, else RAR0).
    pub permanent: MacAddr,
    /// Where it came from.
    pub source: MacSource,
    /// The current address (`*NetworkAddress` if valid, else the permanent one).
    pub current: MacAddr,
    /// Why a `*NetworkAddress` override was ignored.
    pub override_rejected: Option<igb::nvm::OverrideRejected>,
}

/// Counters of the interrupt and service paths, for diagnostics and tests.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ServiceCounters {
    /// "Other" interrupt DPC passes.
    pub other_interrupts: u64,
    /// DPC passes that found the controller in the mailbox service and left the interrupt to
    /// the work item.
    pub deferred_interrupts: u64,
    /// Work item runs.
    pub service_runs: u64,
    /// Watchdog expirations.
    pub watchdog_ticks: u64,
}

/// What the interrupt, the work item, the watchdog and the OID path share.
pub struct PfShared {
    /// NDIS-facing adapter state (link, counters, general OIDs).
    pub core: AdapterCore,
    /// Register access for what never waits (STATUS, statistics), without the controller.
    regs: PfRegisters<PfIo>,
    /// The hardware sequences: the DPC's DISPATCH-safe half and the work item's PASSIVE half
    /// take turns; neither ever waits for the other.
    controller: PassiveExclusive<PfController<PfIo>>,
    /// Latched once a register reads all-ones (surprise removal): nothing waits on the
    /// device after that.
    pub removal: RemovalLatch,
    /// Queue pair 0 with the Tx/Rx engines (the PF's own traffic).
    pub datapath: PfDataPath,
    statistics: alloc::boxed::Box<SpinLock<PfStatsAccumulator>>,
    /// The DPC found the controller busy: the work item owes an `on_other_interrupt`.
    interrupt_owed: AtomicBool,
    /// A receive filter change is not programmed yet (the controller was busy).
    filter_owed: AtomicBool,
    other_interrupts: AtomicU64,
    deferred_interrupts: AtomicU64,
    service_runs: AtomicU64,
    watchdog_ticks: AtomicU64,
}

/// Scatter/gather lists NDIS builds after the allocate call returned go to the data path,
/// which needs the adapter core to finish a pause they drain.
impl ndis::sg_mapper::LateSgLists for PfShared {
    fn late_list(&self, tag: u32, list: ndis::dma::SgList) -> Result<(), ndis::dma::SgList> {
        self.datapath.late_sg_list(tag, list, &self.core)
    }
}

impl PfShared {
    /// The link as the hardware reports it now (STATUS, no wait).
    pub fn hardware_link(&self) -> Result<LinkStatus, PfInitError> {
        Ok(LinkStatus::from_status(self.regs.read_present(pf::STATUS)?))
    }

    /// The interrupt and service counters.
    pub fn counters(&self) -> ServiceCounters {
        ServiceCounters {
            other_interrupts: self.other_interrupts.load(Ordering::Relaxed),
            deferred_interrupts: self.deferred_interrupts.load(Ordering::Relaxed),
            service_runs: self.service_runs.load(Ordering::Relaxed),
            watchdog_ticks: self.watchdog_ticks.load(Ordering::Relaxed),
        }
    }

    /// The controller's counters, unless the controller is in use right now (PASSIVE).
    pub fn controller_stats(&self) -> Option<PfControllerStats> {
        self.controller.try_with(|controller| controller.stats())
    }

    /// Reads the clear-on-read statistics registers into the totals and publishes them to
    /// `OID_GEN_STATISTICS`. At <= DISPATCH (register reads only).
    pub fn refresh_statistics(&self) -> DeviceStatistics {
        let mut accumulator = self.statistics.lock();
        if !self.removal.is_gone() {
            let _ = self.removal.note(accumulator.update(&self.regs));
        }
        let totals = accumulator.statistics();
        drop(accumulator);
        let device = DeviceStatistics {
            rx_unicast_packets: totals.rx_unicast_packets,
            rx_multicast_packets: totals.rx_multicast_packets,
            rx_broadcast_packets: totals.rx_broadcast_packets,
            rx_bytes: totals.rx_octets,
            rx_errors: totals.rx_errors,
            rx_discards: totals.rx_discards,
            tx_unicast_packets: totals.tx_unicast_packets,
            tx_multicast_packets: totals.tx_multicast_packets,
            tx_broadcast_packets: totals.tx_broadcast_packets,
            tx_bytes: totals.tx_octets,
            tx_errors: totals.tx_errors,
        };
        self.core.set_device_statistics(device);
        device
    }

    /// Reads STATUS and indicates a change to NDIS. At <= DISPATCH.
    pub fn update_link(&self) {
        if self.removal.is_gone() {
            self.core.indicate_link(LinkState::DISCONNECTED);
            return;
        }
        match self.removal.note(self.regs.read_present(pf::STATUS)) {
            Ok(status) => {
                self.core
                    .indicate_link(link_state(LinkStatus::from_status(status)));
            }
            Err(_) => {
                self.core.indicate_link(LinkState::DISCONNECTED);
            }
        }
    }

    /// What an "other" interrupt found, acted on (DPC or work item): a vanished device
    /// latches removal, a link change is indicated. `true` if the mailbox needs service.
    fn handle_causes(&self, causes: &OtherCauses) -> bool {
        if causes.device_gone {
            // Surprise removal: stop touching the device; halt cleans up.
            self.removal.set(igb::regs::DeviceGone {
                offset: pf::ICR.offset(),
            });
            self.core.indicate_link(LinkState::DISCONNECTED);
            return false;
        }
        if causes.link_changed {
            match causes.link {
                Some(link) => {
                    self.core.indicate_link(link_state(link));
                }
                None => self.update_link(),
            }
        }
        causes.needs_service()
    }

    /// Makes the NDIS packet filter and multicast list (`core.general`, already validated by
    /// `GeneralOids`) take effect: the engine stops or resumes indicating (packet filter 0:
    /// nothing is indicated, N/oid-gen-current-packet-filter.md), then the controller
    /// programs the PF pool's filters ([`PfController::set_pf_rx_filter`]). If the work item
    /// holds the controller (a VF's mailbox request can poll for 10 ms) this waits for it a
    /// bounded time; after that the work item applies it when it next runs (`filter_owed`).
    /// PASSIVE (OID path, restart, init).
    pub fn apply_receive_filter(&self) {
        let (filter, _) = self.receive_filter();
        // Before the hardware, so a filter of 0 holds back even frames already in the ring.
        self.datapath.set_receive_enabled(filter != 0);
        self.filter_owed.store(true, Ordering::Release);
        let clock = PassiveClock;
        for _ in 0..FILTER_ATTEMPTS {
            if self.removal.is_gone()
                || self
                    .controller
                    .try_with(|controller| self.program_filter(controller))
                    .is_some()
            {
                return;
            }
            hw_platform::Clock::delay(&clock, FILTER_RETRY);
        }
    }

    /// The packet filter and the multicast list as the general OIDs hold them.
    fn receive_filter(&self) -> (u32, ([MacAddr; MAX_MULTICAST_ADDRESSES], usize)) {
        let general = self.core.general.lock();
        let count = general.multicast_count.min(MAX_MULTICAST_ADDRESSES);
        (general.packet_filter, (general.multicast, count))
    }

    /// Programs the owed filter with the controller held (OID path or work item).
    fn program_filter(&self, controller: &mut PfController<PfIo>) {
        if !self.filter_owed.swap(false, Ordering::AcqRel) {
            return;
        }
        let (filter, (list, count)) = self.receive_filter();
        let mode = rx_mode(filter);
        let multicast = list.get(..count).unwrap_or(&[]);
        if let Err(PfControllerError::Init(PfInitError::DeviceGone(gone))) =
            controller.set_pf_rx_filter(mode, multicast)
        {
            self.removal.set(gone);
        }
    }

    /// Stops the device's interrupts without the controller (register writes only, any
    /// IRQL): the first step of halt, before the interrupt is deregistered.
    fn mask_interrupts(&self) {
        if !self.removal.is_gone() {
            self.regs.write(pf::IMC, u32::MAX);
            self.regs.write(pf::EIMC, u32::MAX);
        }
    }
}

/// How often, and how far apart, [`PfShared::apply_receive_filter`] tries to take the
/// controller from the work item before leaving the filter to it (≈ 20 ms, two mailbox
/// requests' lock polls).
const FILTER_ATTEMPTS: u32 = 20;
const FILTER_RETRY: Duration = Duration::from_millis(1);

/// The PF pool's receive mode for an NDIS packet filter (`OID_GEN_CURRENT_PACKET_FILTER`
/// bits, validated against `SUPPORTED_PACKET_FILTERS` by `GeneralOids`).
#[must_use]
pub const fn rx_mode(filter: u32) -> RxMode {
    RxMode {
        directed: filter & ndis_abi::NDIS_PACKET_TYPE_DIRECTED != 0,
        multicast: filter & ndis_abi::NDIS_PACKET_TYPE_MULTICAST != 0,
        all_multicast: filter & ndis_abi::NDIS_PACKET_TYPE_ALL_MULTICAST != 0,
        broadcast: filter & ndis_abi::NDIS_PACKET_TYPE_BROADCAST != 0,
        promiscuous: filter & ndis_abi::NDIS_PACKET_TYPE_PROMISCUOUS != 0,
    }
}

/// NDIS's view of an igb link.
#[must_use]
pub const fn link_state(link: LinkStatus) -> LinkState {
    LinkState::from_link(link.up, link.speed_mbps, link.full_duplex)
}

/// The PASSIVE work: the "other" interrupt the DPC could not take, the VF mailbox and VFLR
/// service (no VFs are served before the SR-IOV control plane enables them, so today the
/// service finds none), the watchdog's statistics and link check.
pub struct PfService {
    shared: Arc<PfShared>,
    watchdog_due: AtomicBool,
}

impl WorkHandler for PfService {
    fn run(&self, work: &WorkControl<'_>) {
        let shared = &self.shared;
        shared.service_runs.fetch_add(1, Ordering::Relaxed);
        if shared.removal.is_gone() {
            return;
        }
        if self.watchdog_due.swap(false, Ordering::AcqRel) {
            shared.refresh_statistics();
            // A lost link-change interrupt is caught here (indicate_link only reports changes).
            shared.update_link();
        }
        let clock = PassiveClock;
        let outcome = shared.controller.try_with(|controller| {
            let causes = shared
                .interrupt_owed
                .swap(false, Ordering::AcqRel)
                .then(|| controller.on_other_interrupt());
            if let Some(causes) = causes {
                shared.handle_causes(&causes);
            }
            shared.program_filter(controller);
            controller.service_mailbox(&clock)
        });
        match outcome {
            // A VF spent its per-call budget: the rest in another run, so one hostile VF
            // cannot hold the work item (and the system worker thread) indefinitely.
            Some(service) if service.more_pending => {
                work.requeue();
            }
            Some(service) if service.report.device_gone => {
                shared.removal.set(igb::regs::DeviceGone {
                    offset: pf::MBVFICR.offset(),
                });
                shared.core.indicate_link(LinkState::DISCONNECTED);
            }
            Some(_) => {}
            // Another PASSIVE user (an OID) holds the controller: try again after it.
            None => {
                work.requeue();
            }
        }
    }
}

/// The watchdog: marks the periodic work due and queues the work item (DISPATCH: it only
/// queues).
pub struct PfWatchdog {
    service: Arc<WorkItem<PfService>>,
}

impl TimerHandler for PfWatchdog {
    fn expired(&self, timer: &TimerControl<'_>) {
        if let Some(service) = self.service.handler() {
            service
                .shared
                .watchdog_ticks
                .fetch_add(1, Ordering::Relaxed);
            service.watchdog_due.store(true, Ordering::Release);
        }
        self.service.queue();
        timer.set(WATCHDOG_PERIOD);
    }
}

/// The interrupt handler.
pub struct PfInterrupts {
    shared: Arc<PfShared>,
    service: Arc<WorkItem<PfService>>,
}

impl InterruptHandler for PfInterrupts {
    fn isr(&self, message: MsixVector) -> IsrOutcome {
        // EIAM auto-masked the vector (enable_other_interrupt sets GPIE.EIAME; the queue
        // vector is in EIAM too): the DPC does the work and unmasks it. No register access.
        IsrOutcome::claim_if(
            u32::from(message.0) == PF_VECTOR_OTHER || crate::datapath::is_queue_vector(message),
        )
    }

    fn dpc(&self, message: MsixVector, context: &mut DpcContext<'_>) {
        let shared = &self.shared;
        if crate::datapath::is_queue_vector(message) {
            shared
                .datapath
                .dpc(context, shared.removal.is_gone(), &shared.core);
            return;
        }
        if u32::from(message.0) != PF_VECTOR_OTHER || shared.removal.is_gone() {
            return;
        }
        shared.other_interrupts.fetch_add(1, Ordering::Relaxed);
        match shared
            .controller
            .try_with(|controller| controller.on_other_interrupt())
        {
            Some(causes) => {
                if shared.handle_causes(&causes) {
                    self.service.queue();
                }
            }
            None => {
                // The work item is in the mailbox service (PASSIVE, possibly polling). The
                // vector stays auto-masked and ICR keeps its causes until the work item runs
                // `on_other_interrupt` for us; nothing is lost and nothing waits.
                shared.deferred_interrupts.fetch_add(1, Ordering::Relaxed);
                shared.interrupt_owed.store(true, Ordering::Release);
                self.service.queue();
            }
        }
    }
}

/// Everything the PF holds from NDIS and the device. Released by [`PfHardware::halt`] in the
/// order the device needs.
pub struct PfHardware {
    watchdog: Timer<PfWatchdog>,
    interrupt: Interrupt<PfInterrupts>,
    service: Arc<WorkItem<PfService>>,
    /// Shared with the handlers (which are gone by the time this drops).
    pub shared: Arc<PfShared>,
    /// Shared with the data path's SG mapper; deregistered after the data path is freed.
    dma: Arc<ScatterGatherDma>,
}

impl PfHardware {
    /// Stops the device's DMA and interrupts without waiting for anything (shutdown, which
    /// may run at high IRQL, and surprise removal): register writes only, no controller.
    pub fn stop_now(&self) {
        if self.shared.removal.is_gone() {
            return;
        }
        self.shared.mask_interrupts();
        let regs = &self.shared.regs;
        regs.write(pf::RCTL, 0);
        regs.write(pf::TCTL, igb::regs::pf::tctl::PSP);
        let _ = self.shared.removal.note(regs.read_present(pf::STATUS));
    }

    /// Halt (PASSIVE): interrupts masked at the device, then the watchdog cancelled, the
    /// interrupt deregistered (no ISR/DPC after), the work item drained; then the controller
    /// quiesces the device (pools closed, Rx/Tx off: no DMA in flight) before the register
    /// mapping and the DMA registration are released. With the device gone nothing touches
    /// it, and everything is still released.
    pub fn halt(self) {
        let Self {
            watchdog,
            interrupt,
            service,
            shared,
            dma,
        } = self;
        shared.mask_interrupts();
        drop(watchdog);
        drop(interrupt);
        drop(service);
        // No ISR/DPC from here on: stop queue 0, complete what the engine holds, wait
        // (bounded) for the receives NDIS holds.
        let gone = shared.removal.is_gone();
        let status = if gone {
            ndis_abi::NDIS_STATUS_ADAPTER_REMOVED
        } else {
            ndis_abi::NDIS_STATUS_REQUEST_ABORTED
        };
        let held = shared.datapath.halt(gone, status);
        if !shared.removal.is_gone() {
            let quiesced = shared
                .controller
                .try_with(|controller| controller.quiesce());
            if let Some(Err(PfControllerError::Init(PfInitError::DeviceGone(gone)))) = quiesced {
                shared.removal.set(gone);
            }
        }
        if held != 0 {
            // Buffers NDIS still holds must not be freed under it: leak the data path (and
            // the DMA registration its memory needs) rather than corrupt memory.
            shared.datapath.log_unreturned(&shared.core, held);
            core::mem::forget(shared);
            core::mem::forget(dma);
            return;
        }
        drop(shared);
        drop(dma);
    }

    /// The "other" vector's interrupt registration.
    #[must_use]
    pub fn interrupt(&self) -> &Interrupt<PfInterrupts> {
        &self.interrupt
    }

    /// The service work item.
    #[must_use]
    pub fn service(&self) -> &WorkItem<PfService> {
        &self.service
    }

    /// The watchdog timer.
    #[must_use]
    pub fn watchdog(&self) -> &Timer<PfWatchdog> {
        &self.watchdog
    }
}

/// The PF pool's RLPML for `*JumboPacket` (header included): + CRC + a VLAN tag, as RLPML
/// counts both (Linux igb: max_frame = MTU + ETH_HLEN + ETH_FCS_LEN + VLAN_HLEN).
pub const fn pool_max_frame(jumbo_packet: u32) -> u32 {
    jumbo_packet.saturating_add(8)
}

/// What the PF's bring-up takes from the device identity and the registry keywords.
pub struct PfSettings {
    /// The controller generation, from the PCI device id.
    pub generation: Generation,
    /// `NetworkAddress`, if set (applied only when it is a valid unicast address).
    pub network_address: Option<MacAddr>,
    /// `*SpeedDuplex` and flow control.
    pub link_settings: LinkSettings,
    /// `*InterruptModeration`.
    pub moderation: ModerationSetting,
    /// `*PriorityVLANTag` / `*VlanID`: the pool's strip and filter.
    pub vlan: igb::pf_device::PfVlan,
    /// `*JumboPacket` (header included, no CRC).
    pub jumbo_packet: u32,
}

/// Maps BAR0 and brings the PF up; `make_core` builds the NDIS-facing state once the MAC is
/// known (and sets the general attributes). PASSIVE, inside `MiniportInitializeEx`.
pub fn bring_up(
    context: &InitContext,
    settings: PfSettings,
    make_core: impl FnOnce(&MacChoice, LinkState) -> NdisResult<AdapterCore>,
) -> Result<(PfHardware, MacChoice), BringUpError> {
    let PfSettings {
        generation,
        network_address,
        link_settings,
        moderation,
        vlan,
        jumbo_packet,
    } = settings;
    let clock = PassiveClock;
    // The register BAR is the first memory resource of at least the generation's BAR size
    // (82576 datasheet 9.2.2: BAR0 128 KiB memory; the MSI-X BAR3 is 16 KiB).
    let bar = context
        .memory_resource_at_least(PF_REGISTER_BAR_SIZE)
        .ok_or(BringUpError::NoRegisterBar)?;
    if context.message_count() == 0 {
        return Err(BringUpError::NoMsix);
    }
    let dma = Arc::new(
        context.register_scatter_gather_dma::<ndis::sg_mapper::RoutedSgLists>(MAX_SG_MAPPING)?,
    );
    let io: PfIo = Arc::new(context.map_io_space(bar)?);

    let regs = PfRegisters::new(Arc::clone(&io));
    let status = regs.read_present(pf::STATUS).map_err(PfInitError::from)?;
    let function = LanFunction::from_status(generation, status).unwrap_or(LanFunction::ZERO);
    let permanent = read_pf_permanent_mac(&regs, generation, function, &clock)
        .map_err(|_| BringUpError::NoPermanentMac)?;
    let (current, override_rejected) = apply_override(permanent.mac, network_address);
    let mut mac = MacChoice {
        phy: Ok(()),
        permanent: permanent.mac,
        source: permanent.source,
        current,
        override_rejected,
    };

    // The controller's start order (reset, pools, mailbox) with the PF alone; the link is
    // configured here from the keywords, and the "other" causes are unmasked only once NDIS
    // has connected the interrupt.
    let config = PfConfig {
        mac: Some(current),
        link: LinkStart::Leave,
        unmask_other_at_bring_up: false,
        // Applied by the bring-up itself (and by every reset under VFs), before any handler
        // can hold the controller: a setting made after init could find it busy.
        vlan,
        max_frame: pool_max_frame(jumbo_packet),
        ..PfConfig::new(generation, 0)
    };
    let (controller, _report) = PfController::bring_up(Arc::clone(&io), config, &clock)?;
    // A PHY that does not answer leaves the adapter up without link (media disconnected),
    // rather than failing the whole device: the error is kept for the log.
    let phy = configure_link(
        controller.regs(),
        generation,
        link_settings,
        false,
        pool_max_frame(jumbo_packet),
        &clock,
    );
    mac.phy = phy.map(|_| ());
    if let Err(igb::phy::PhyError::DeviceGone(gone)) = mac.phy {
        return Err(BringUpError::Hardware(PfInitError::DeviceGone(gone)));
    }
    let link = LinkStatus::from_status(regs.read_present(pf::STATUS).map_err(PfInitError::from)?);
    let core = make_core(&mac, link_state(link))?;
    let datapath = PfDataPath::open(
        context.adapter(),
        &io,
        generation,
        Arc::clone(&dma),
        moderation,
        jumbo_packet,
    )
    .map_err(BringUpError::DataPath)?;
    let shared = Arc::new(PfShared {
        core,
        datapath,
        regs,
        controller: PassiveExclusive::new(controller),
        removal: RemovalLatch::new(),
        statistics: SpinLock::new(PfStatsAccumulator::new()),
        interrupt_owed: AtomicBool::new(false),
        filter_owed: AtomicBool::new(false),
        other_interrupts: AtomicU64::new(0),
        deferred_interrupts: AtomicU64::new(0),
        service_runs: AtomicU64::new(0),
        watchdog_ticks: AtomicU64::new(0),
    });
    // Weak: the SG router must not keep the adapter state alive (it lives in the Tx engine,
    // which lives in this state).
    let late_sink: alloc::sync::Weak<PfShared> = Arc::downgrade(&shared);
    shared.datapath.attach(late_sink);
    let handlers = (|| -> Result<_, BringUpError> {
        let service = Arc::new(WorkItem::allocate(
            context.adapter(),
            PfService {
                shared: Arc::clone(&shared),
                watchdog_due: AtomicBool::new(false),
            },
        )?);
        let interrupt = context.register_interrupt(PfInterrupts {
            shared: Arc::clone(&shared),
            service: Arc::clone(&service),
        })?;
        if !interrupt.is_message_based() {
            return Err(BringUpError::NoMsix);
        }
        let watchdog = Timer::allocate(
            context.adapter(),
            PfWatchdog {
                service: Arc::clone(&service),
            },
        )?;
        // Init is serialized by NDIS: no one else holds the controller yet.
        shared
            .controller
            .try_with(|controller| -> Result<(), PfControllerError> {
                controller.enable_other_interrupt()?;
                controller.announce_ready()
            })
            .unwrap_or(Err(PfControllerError::WrongPhase))?;
        // GPIE is in MSI-X mode now: route and arm queue pair 0's vector.
        shared
            .datapath
            .arm(moderation)
            .map_err(BringUpError::DataPath)?;
        Ok((service, interrupt, watchdog))
    })();
    let (service, interrupt, watchdog) = match handlers {
        Ok(handlers) => handlers,
        Err(error) => {
            // The handlers are gone (dropped above): stop queue 0 before its memory is freed.
            let _ = shared
                .datapath
                .halt(shared.removal.is_gone(), ndis_abi::NDIS_STATUS_FAILURE);
            let _ = shared
                .controller
                .try_with(|controller| controller.quiesce());
            return Err(error);
        }
    };
    // Statistics start from zero at bring-up (the reset cleared the counters; this read
    // drops anything counted since).
    shared.refresh_statistics();
    watchdog.set(WATCHDOG_PERIOD);
    Ok((
        PfHardware {
            watchdog,
            interrupt,
            service,
            shared,
            dma,
        },
        mac,
    ))
}
