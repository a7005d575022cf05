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
//! IRQL: the ISR only claims the message (EIAM auto-masks the vector); the DPC reads ICR and
//! STATUS (no polling) and queues a work item for anything that may wait (the mailbox service
//! polls up to 10 ms per request), which runs at PASSIVE.

extern crate alloc;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use hw_platform::MsixVector;
use igb::filters::MacAddr;
use igb::ids::Generation;
use igb::interrupts::PF_VECTOR_OTHER;
use igb::nvm::{LanFunction, MacSource, apply_override, read_pf_permanent_mac};
use igb::pf_device::{LinkStatus, PfDevice, PfInitError};
use igb::phy::{LinkSettings, configure_link};
use igb::regs::pf::{self, icr};
use igb::removal::RemovalLatch;
use igb::stats::PfStatsAccumulator;
use ndis::adapter::AdapterCore;
use ndis::dma::{ScatterGatherDma, SgList, SgListHandler};
use ndis::ethernet::{DeviceStatistics, LinkState};
use ndis::interrupt::{DpcContext, Interrupt, InterruptHandler, IsrOutcome};
use ndis::io::IoSpace;
use ndis::miniport::InitContext;
use ndis::sync::SpinLock;
use ndis::time::PassiveClock;
use ndis::timer::{WorkHandler, WorkItem};
use ndis::{NdisError, NdisResult};

/// The PF's register window: the BAR mapping, shared by the controller and the interrupt.
pub type PfIo = Arc<IoSpace>;

/// BAR0 of the 82576 and I350 PF: 128 KiB of registers (82576 datasheet 9.2.2).
const PF_REGISTER_BAR_SIZE: u32 = 0x2_0000;

/// The largest frame one SG list maps (a 64 KiB LSO send plus headers).
const MAX_SG_MAPPING: u32 = 0x1_0000 + 0x200;

/// Why the PF could not come up, for the log and the status NDIS gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BringUpError {
    /// No memory resource large enough for the register BAR.
    NoRegisterBar,
    /// NDIS did not grant MSI-X messages (the driver needs the "other" vector).
    NoMsix,
    /// The hardware sequence failed.
    Hardware(PfInitError),
    /// Neither the NVM nor RAL0/RAH0 hold a usable MAC.
    NoPermanentMac,
    /// An NDIS call failed.
    Ndis(NdisError),
}

impl BringUpError {
    /// The status `MiniportInitializeEx` returns.
    #[must_use]
    pub const fn status(self) -> NdisError {
        match self {
            Self::NoRegisterBar | Self::NoPermanentMac => NdisError::ADAPTER_NOT_FOUND,
            Self::NoMsix => NdisError::RESOURCES,
            Self::Hardware(PfInitError::DeviceGone(_)) => NdisError::ADAPTER_NOT_FOUND,
            Self::Hardware(_) => NdisError::DEVICE_FAILED,
            Self::Ndis(error) => error,
        }
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

/// What the interrupt, the work item and the OID path share.
pub struct PfShared {
    /// NDIS-facing adapter state (link, counters, general OIDs).
    pub core: AdapterCore,
    /// The controller over BAR0.
    pub device: PfDevice<PfIo>,
    /// Latched once a register reads all-ones (surprise removal): nothing waits on the
    /// device after that.
    pub removal: RemovalLatch,
    statistics: alloc::boxed::Box<SpinLock<PfStatsAccumulator>>,
    /// "Other" interrupts handled (DPC passes), for diagnostics.
    pub other_interrupts: AtomicU64,
    /// Mailbox/VFLR events deferred to PASSIVE.
    pub mailbox_events: AtomicU64,
}

impl PfShared {
    /// The link as the hardware reports it now (STATUS, no wait).
    pub fn hardware_link(&self) -> Result<LinkStatus, PfInitError> {
        self.device.link()
    }

    /// Reads the clear-on-read statistics registers into the totals and publishes them to
    /// `OID_GEN_STATISTICS`. At <= DISPATCH (register reads only).
    pub fn refresh_statistics(&self) -> DeviceStatistics {
        let mut accumulator = self.statistics.lock();
        if !self.removal.is_gone() {
            let _ = self.removal.note(accumulator.update(self.device.regs()));
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
        match self
            .removal
            .note(self.device.regs().read_present(pf::STATUS))
        {
            Ok(status) => {
                self.core
                    .indicate_link(link_state(LinkStatus::from_status(status)));
            }
            Err(_) => {
                self.core.indicate_link(LinkState::DISCONNECTED);
            }
        }
    }
}

/// NDIS's view of an igb link.
#[must_use]
pub const fn link_state(link: LinkStatus) -> LinkState {
    LinkState::from_link(link.up, link.speed_mbps, link.full_duplex)
}

/// The PASSIVE work the DPC defers: VF mailbox and VFLR service. The PF serves no VFs until
/// the SR-IOV control plane enables them, so today a run only records that events arrived.
pub struct PfService {
    shared: Arc<PfShared>,
}

impl WorkHandler for PfService {
    fn run(&self) {
        self.shared.mailbox_events.fetch_add(1, Ordering::Relaxed);
    }
}

/// The interrupt handler.
pub struct PfInterrupts {
    shared: Arc<PfShared>,
    service: Arc<WorkItem<PfService>>,
}

impl InterruptHandler for PfInterrupts {
    fn isr(&self, message: MsixVector) -> IsrOutcome {
        // EIAM auto-masked the vector (enable_other_interrupt sets GPIE.EIAME): the DPC reads
        // and clears the causes and unmasks it. No queue vectors are armed before the data
        // path exists.
        IsrOutcome::claim_if(u32::from(message.0) == PF_VECTOR_OTHER)
    }

    fn dpc(&self, message: MsixVector, _context: &mut DpcContext<'_>) {
        if u32::from(message.0) != PF_VECTOR_OTHER || self.shared.removal.is_gone() {
            return;
        }
        self.shared.other_interrupts.fetch_add(1, Ordering::Relaxed);
        let causes = match self
            .shared
            .device
            .acknowledge_other_interrupt(PF_VECTOR_OTHER)
        {
            Ok(causes) => causes,
            Err(PfInitError::DeviceGone(gone)) => {
                // Surprise removal: stop touching the device; halt cleans up.
                self.shared.removal.set(gone);
                self.shared.core.indicate_link(LinkState::DISCONNECTED);
                return;
            }
            Err(_) => return,
        };
        if causes & icr::LSC != 0 {
            self.shared.update_link();
        }
        if causes & icr::VMMB != 0 {
            self.service.queue();
        }
    }
}

/// Scatter/gather lists for sends arrive with the data path; none is requested yet.
pub struct PfSgLists;

impl SgListHandler for PfSgLists {
    fn sg_list_ready(_list: SgList, _context: usize) {}
}

/// Everything the PF holds from NDIS and the device. Dropped in field order at halt (after
/// [`PfHardware::quiesce`]): the interrupt first (no ISR/DPC after), then the work item
/// (drained), then the registers, and scatter/gather DMA last.
pub struct PfHardware {
    interrupt: Interrupt<PfInterrupts>,
    service: Arc<WorkItem<PfService>>,
    /// Shared with the handlers (which are gone by the time this drops).
    pub shared: Arc<PfShared>,
    _dma: ScatterGatherDma,
}

impl PfHardware {
    /// Stops the device: interrupts masked, receive and transmit disabled, so no DMA is in
    /// flight when memory is freed. Skipped when the device is gone (nothing to stop, and
    /// nothing may wait on it).
    pub fn quiesce(&self) {
        if !self.shared.removal.is_gone() {
            if let Err(PfInitError::DeviceGone(gone)) = self.shared.device.quiesce() {
                self.shared.removal.set(gone);
            }
        }
    }

    /// The "other" vector's interrupt registration.
    #[must_use]
    pub fn interrupt(&self) -> &Interrupt<PfInterrupts> {
        &self.interrupt
    }

    /// The mailbox service work item.
    #[must_use]
    pub fn service(&self) -> &WorkItem<PfService> {
        &self.service
    }
}

/// Maps BAR0 and brings the PF up; `make_core` builds the NDIS-facing state once the MAC is
/// known (and sets the general attributes). PASSIVE, inside `MiniportInitializeEx`.
pub fn bring_up(
    context: &InitContext,
    generation: Generation,
    network_address: Option<MacAddr>,
    link_settings: LinkSettings,
    make_core: impl FnOnce(&MacChoice, LinkState) -> NdisResult<AdapterCore>,
) -> Result<(PfHardware, MacChoice), BringUpError> {
    let clock = PassiveClock;
    // The register BAR is the first memory resource of at least the generation's BAR size
    // (82576 datasheet 9.2.2: BAR0 128 KiB memory; the MSI-X BAR3 is 16 KiB).
    let bar = context
        .memory_resource_at_least(PF_REGISTER_BAR_SIZE)
        .ok_or(BringUpError::NoRegisterBar)?;
    if context.message_count() == 0 {
        return Err(BringUpError::NoMsix);
    }
    let dma = context.register_scatter_gather_dma::<PfSgLists>(MAX_SG_MAPPING)?;
    let io: PfIo = Arc::new(context.map_io_space(bar)?);

    let probe = igb::regs::PfRegisters::new(Arc::clone(&io));
    let status = probe.read_present(pf::STATUS).map_err(PfInitError::from)?;
    let function = LanFunction::from_status(generation, status).unwrap_or(LanFunction::ZERO);
    let permanent = read_pf_permanent_mac(&probe, generation, function, &clock)
        .map_err(|_| BringUpError::NoPermanentMac)?;
    let (current, override_rejected) = apply_override(permanent.mac, network_address);
    let mut mac = MacChoice {
        phy: Ok(()),
        permanent: permanent.mac,
        source: permanent.source,
        current,
        override_rejected,
    };

    let (mut device, _report) =
        PfDevice::reset(Arc::clone(&io), generation, Some(current), &clock)?;
    device.configure_pools(0)?;
    // A PHY that does not answer leaves the adapter up without link (media disconnected),
    // rather than failing the whole device: the error is kept for the log.
    let phy = configure_link(
        device.regs(),
        generation,
        link_settings,
        false,
        igb::pf_device::PF_MAX_FRAME,
        &clock,
    );
    mac.phy = phy.map(|_| ());
    if let Err(igb::phy::PhyError::DeviceGone(gone)) = mac.phy {
        return Err(BringUpError::Hardware(PfInitError::DeviceGone(gone)));
    }
    let link = LinkStatus::from_status(
        device
            .regs()
            .read_present(pf::STATUS)
            .map_err(PfInitError::from)?,
    );
    let core = make_core(&mac, link_state(link))?;
    let shared = Arc::new(PfShared {
        core,
        device,
        removal: RemovalLatch::new(),
        statistics: SpinLock::new(PfStatsAccumulator::new()),
        other_interrupts: AtomicU64::new(0),
        mailbox_events: AtomicU64::new(0),
    });
    let service = Arc::new(WorkItem::allocate(
        context.adapter(),
        PfService {
            shared: Arc::clone(&shared),
        },
    )?);
    let interrupt = context.register_interrupt(PfInterrupts {
        shared: Arc::clone(&shared),
        service: Arc::clone(&service),
    })?;
    if !interrupt.is_message_based() {
        return Err(BringUpError::NoMsix);
    }
    shared.device.enable_other_interrupt(PF_VECTOR_OTHER)?;
    shared.device.announce_ready()?;
    // Statistics start from zero at bring-up (the reset cleared the counters; this read
    // drops anything counted since).
    shared.refresh_statistics();
    Ok((
        PfHardware {
            interrupt,
            service,
            shared,
            _dma: dma,
        },
        mac,
    ))
}
