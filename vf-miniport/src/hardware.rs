//! The VF's hardware under NDIS: BAR0 through [`ndis::io::IoSpace`], MSI-X with 3 vectors (Tx,
//! Rx, mailbox/other: `igb::interrupts`), the mailbox reset handshake with the PF (MAC from its
//! reply, `SET_LPE`), link from VTSTATUS, and the PF-reset cycle (RSTI → media disconnect,
//! RSTD → handshake again → media connect).
//!
//! IRQL: the mailbox polls (up to 1 s per posted message, igb-hardware.md §5.4), so every
//! mailbox exchange runs at PASSIVE: in `MiniportInitializeEx`, or in the I/O work item the
//! mailbox interrupt's DPC queues. The ISR and DPC only read/mask causes and queue the work.

extern crate alloc;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use hw_platform::MsixVector;
use igb::filters::MacAddr;
use igb::interrupts::{VF_VECTOR_OTHER, vf_ivar_entry};
use igb::mailbox::MailboxTimeouts;
use igb::mailbox::vf::{VfLink, VfLinkError};
use igb::regs::VfRegisters;
use igb::regs::vf::{VTEIAC, VTEIAM, VTEIMC, VTEIMS, VTIVAR_MISC, VTSTATUS};
use igb::removal::RemovalLatch;
use ndis::adapter::AdapterCore;
use ndis::ethernet::LinkState;
use ndis::interrupt::{DpcContext, Interrupt, InterruptHandler, IsrOutcome};
use ndis::io::IoSpace;
use ndis::miniport::InitContext;
use ndis::sync::PassiveExclusive;
use ndis::time::PassiveClock;
use ndis::timer::{Timer, TimerControl, TimerHandler, WorkHandler, WorkItem};
use ndis::{NdisError, NdisResult};

/// The VF's register window, shared by the mailbox and the interrupt.
pub type VfIo = Arc<IoSpace>;

/// VF BAR0: 16 KiB of registers (82576 datasheet 9.3).
const VF_REGISTER_BAR_SIZE: u32 = 0x4000;
/// The frame the VF asks for with `SET_LPE` after every handshake: a 1500-byte MTU with a VLAN
/// tag and CRC (the jumbo policy arrives with the VF data-path work).
const DEFAULT_MAX_FRAME: u32 = 1522;
/// MSI-X messages the VF uses: Tx, Rx, mailbox/other (igb-hardware.md §1.3).
const VF_MESSAGES: u32 = 3;
/// The mailbox/other cause bit in VTEICR/VTEIMS (the cause number is the vector number).
const OTHER_CAUSE: u32 = 1 << VF_VECTOR_OTHER;

/// Why the VF could not come up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VfBringUpError {
    /// No memory resource large enough for the register BAR.
    NoRegisterBar,
    /// Fewer than 3 MSI-X messages.
    NoMsix,
    /// The VF reads all-ones: it is not there (or was removed).
    DeviceGone,
    /// The PF did not complete the reset handshake.
    Handshake(VfLinkError),
    /// The PF assigned no MAC address.
    NoMac,
    /// An NDIS call failed.
    Ndis(NdisError),
}

impl VfBringUpError {
    /// The status `MiniportInitializeEx` returns.
    #[must_use]
    pub const fn status(self) -> NdisError {
        match self {
            Self::NoRegisterBar | Self::DeviceGone => NdisError::ADAPTER_NOT_FOUND,
            Self::NoMsix => NdisError::RESOURCES,
            Self::Handshake(_) | Self::NoMac => NdisError::DEVICE_FAILED,
            Self::Ndis(error) => error,
        }
    }
}

impl From<NdisError> for VfBringUpError {
    fn from(error: NdisError) -> Self {
        Self::Ndis(error)
    }
}

/// NDIS's view of VTSTATUS (the VF's read-only copy of the PF's STATUS).
fn link_state_of(status: u32) -> LinkState {
    let link = igb::pf_device::LinkStatus::from_status(status);
    LinkState::from_link(link.up, link.speed_mbps, link.full_duplex)
}

/// What the interrupt, the work item and the OID path share.
pub struct VfShared {
    /// NDIS-facing adapter state.
    pub core: AdapterCore,
    regs: VfRegisters<VfIo>,
    link: PassiveExclusive<VfLink<VfIo, PassiveClock>>,
    /// Latched on an all-ones read.
    pub removal: RemovalLatch,
    /// PF resets seen (RSTI) and handshakes redone after them.
    pub pf_resets: AtomicU64,
    /// Handshakes completed after a PF reset.
    pub reconnects: AtomicU64,
}

impl VfShared {
    /// NDIS's view of the link: up when the handshake holds and VTSTATUS says link up.
    fn current_link(&self, handshake_ready: bool) -> LinkState {
        match self.removal.note(self.regs.read_present(VTSTATUS)) {
            Ok(status) if handshake_ready => link_state_of(status),
            _ => LinkState::DISCONNECTED,
        }
    }

    /// The mailbox work (PASSIVE): PF messages, PF reset and the handshake after it.
    fn service_mailbox(&self) {
        if self.removal.is_gone() {
            return;
        }
        let outcome = self.link.try_with(|link| {
            let events = link.poll_events();
            if matches!(&events, Ok(events) if events.reinitialised.is_some()) {
                // The PF forgot everything: ask for the frame size again.
                let _ = link.set_lpe(DEFAULT_MAX_FRAME);
            }
            (events, link.state())
        });
        let Some((events, state)) = outcome else {
            return;
        };
        let ready = state == igb::mailbox::vf::LinkState::Ready;
        match events {
            Ok(events) => {
                if events.pf_resetting || events.reinitialised.is_some() {
                    // The PF went away for a while (RSTI, or a reset already finished): NDIS
                    // hears the disconnect even when the handshake already succeeded again.
                    self.core.indicate_link(LinkState::DISCONNECTED);
                }
                if events.pf_resetting {
                    self.pf_resets.fetch_add(1, Ordering::Relaxed);
                }
                if events.reinitialised.is_some() {
                    self.reconnects.fetch_add(1, Ordering::Relaxed);
                    // A PF reset also reset the VF's interrupt routing.
                    route_interrupts(&self.regs);
                }
            }
            Err(VfLinkError::Mailbox(igb::mailbox::vf::VfMailboxError::DeviceGone)) => {
                self.removal.set(igb::regs::DeviceGone {
                    offset: VTSTATUS.offset(),
                });
            }
            Err(_) => {}
        }
        self.core.indicate_link(self.current_link(ready));
    }

    fn unmask(&self) {
        if !self.removal.is_gone() {
            self.regs.write(VTEIMS, OTHER_CAUSE);
        }
    }
}

/// Mailbox/other cause → vector 2, auto-cleared and auto-masked on the message (82576
/// datasheet 7.3.4 VTEIAC/VTEIAM; igb-hardware.md §3). Redone after every PF reset, which
/// clears the VF's registers.
fn route_interrupts(regs: &VfRegisters<VfIo>) {
    if let Some(entry) = vf_ivar_entry(VF_VECTOR_OTHER) {
        regs.write(VTIVAR_MISC, entry);
    }
    regs.write(VTEIAC, OTHER_CAUSE);
    regs.write(VTEIAM, OTHER_CAUSE);
}

/// How often the watchdog looks at the mailbox without an interrupt (Linux igbvf's 2 s
/// watchdog): a PF reset clears the VF's interrupt routing, so the VF may only learn of it
/// here.
const WATCHDOG_PERIOD: core::time::Duration = core::time::Duration::from_secs(2);

/// The watchdog: queues the mailbox work every [`WATCHDOG_PERIOD`] (DISPATCH: it only
/// queues).
pub struct VfWatchdog {
    service: Arc<WorkItem<VfService>>,
}

impl TimerHandler for VfWatchdog {
    fn expired(&self, timer: &TimerControl<'_>) {
        self.service.queue();
        timer.set(WATCHDOG_PERIOD);
    }
}

/// The mailbox work item.
pub struct VfService {
    shared: Arc<VfShared>,
}

impl WorkHandler for VfService {
    fn run(&self) {
        self.shared.service_mailbox();
        // Re-arm the cause the ISR left masked (auto-mask, VTEIAM).
        self.shared.unmask();
    }
}

/// The interrupt handler.
pub struct VfInterrupts {
    shared: Arc<VfShared>,
    service: Arc<WorkItem<VfService>>,
}

impl InterruptHandler for VfInterrupts {
    fn isr(&self, message: MsixVector) -> IsrOutcome {
        // Queue vectors are armed by the data path.
        IsrOutcome::claim_if(u32::from(message.0) == VF_VECTOR_OTHER)
    }

    fn dpc(&self, message: MsixVector, _context: &mut DpcContext<'_>) {
        if u32::from(message.0) == VF_VECTOR_OTHER && !self.shared.removal.is_gone() {
            // Everything the mailbox needs may wait: PASSIVE, in the work item. If it is
            // already queued, that run sees this event too and unmasks after.
            self.service.queue();
        }
    }
}

/// Everything the VF holds; dropped in field order at halt after [`VfHardware::quiesce`].
pub struct VfHardware {
    watchdog: Timer<VfWatchdog>,
    interrupt: Interrupt<VfInterrupts>,
    service: Arc<WorkItem<VfService>>,
    /// Shared with the handlers.
    pub shared: Arc<VfShared>,
}

impl VfHardware {
    /// Masks the VF's interrupts (nothing else to stop before the data path exists).
    pub fn quiesce(&self) {
        if !self.shared.removal.is_gone() {
            self.shared.regs.write(VTEIMC, u32::MAX);
        }
    }

    /// The watchdog timer.
    #[must_use]
    pub fn watchdog(&self) -> &Timer<VfWatchdog> {
        &self.watchdog
    }

    /// The mailbox work item.
    #[must_use]
    pub fn service(&self) -> &WorkItem<VfService> {
        &self.service
    }

    /// The interrupt registration.
    #[must_use]
    pub fn interrupt(&self) -> &Interrupt<VfInterrupts> {
        &self.interrupt
    }
}

/// Maps BAR0, does the reset handshake with the PF (MAC from its reply), asks for the frame
/// size, and routes the mailbox interrupt. `make_core` builds the NDIS-facing state once the
/// MAC is known (and sets the general attributes). PASSIVE, inside `MiniportInitializeEx`.
pub fn bring_up(
    context: &InitContext,
    make_core: impl FnOnce(MacAddr, LinkState) -> NdisResult<AdapterCore>,
) -> Result<(VfHardware, MacAddr), VfBringUpError> {
    let bar = context
        .memory_resource_at_least(VF_REGISTER_BAR_SIZE)
        .ok_or(VfBringUpError::NoRegisterBar)?;
    if context.message_count() < VF_MESSAGES {
        return Err(VfBringUpError::NoMsix);
    }
    let io: VfIo = Arc::new(context.map_io_space(bar)?);
    let regs = VfRegisters::new(Arc::clone(&io));
    regs.read_present(VTSTATUS)
        .map_err(|_| VfBringUpError::DeviceGone)?;

    let mut link = VfLink::new(Arc::clone(&io), PassiveClock, MailboxTimeouts::LINUX);
    let outcome = link.reset().map_err(VfBringUpError::Handshake)?;
    let mac = outcome.assigned_mac.ok_or(VfBringUpError::NoMac)?;
    // A PF that refuses the frame size leaves the default; not fatal.
    let _ = link.set_lpe(DEFAULT_MAX_FRAME);

    route_interrupts(&regs);

    let status = regs
        .read_present(VTSTATUS)
        .map_err(|_| VfBringUpError::DeviceGone)?;
    let shared = Arc::new(VfShared {
        core: make_core(mac, link_state_of(status))?,
        regs,
        link: PassiveExclusive::new(link),
        removal: RemovalLatch::new(),
        pf_resets: AtomicU64::new(0),
        reconnects: AtomicU64::new(0),
    });

    let service = Arc::new(WorkItem::allocate(
        context.adapter(),
        VfService {
            shared: Arc::clone(&shared),
        },
    )?);
    let interrupt = context.register_interrupt(VfInterrupts {
        shared: Arc::clone(&shared),
        service: Arc::clone(&service),
    })?;
    if !interrupt.is_message_based() {
        return Err(VfBringUpError::NoMsix);
    }
    shared.unmask();
    let watchdog = Timer::allocate(
        context.adapter(),
        VfWatchdog {
            service: Arc::clone(&service),
        },
    )?;
    watchdog.set(WATCHDOG_PERIOD);
    Ok((
        VfHardware {
            watchdog,
            interrupt,
            service,
            shared,
        },
        mac,
    ))
}
