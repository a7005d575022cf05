//! The VF's hardware under NDIS: BAR0 through [`ndis::io::IoSpace`], MSI-X with 3 vectors (Tx,
//! Rx, mailbox/other: `igb::interrupts`), the mailbox reset handshake with the PF (MAC from its
//! reply, `SET_LPE`), link from VTSTATUS, and the PF-reset cycle (RSTI → media disconnect,
//! RSTD → handshake again → media connect).
//!
//! The sequences are `igb::vf_device::VfDevice`'s (the same ones the QEMU tier runs against
//! Linux igb): the handshake with its bounded retry policy, interrupt routing, the link.
//!
//! IRQL: the mailbox polls (up to 1 s per posted message, igb-hardware.md §5.4), so every
//! mailbox exchange runs at PASSIVE: in `MiniportInitializeEx`, or in the I/O work item the
//! DPC and the watchdog queue. The ISR only claims; the DPC only records which vector to
//! re-arm and queues the work. Any of the three vectors may carry a mailbox event (QEMU's igb
//! raises it on the Rx vector, see `igb::vf_device`), so every one queues the mailbox work.

extern crate alloc;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use core::time::Duration;

use hw_platform::MsixVector;
use igb::filters::MacAddr;
use igb::ids::Generation;
use igb::mailbox::MailboxTimeouts;
use igb::mailbox::vf::{VfLinkError, VfMailboxError};
use igb::regs::VfRegisters;
use igb::regs::vf::{VTEIMC, VTSTATUS};
use igb::removal::RemovalLatch;
use igb::vf_device::{ALL_VF_VECTORS, VfDevice, VfHandshakeError, VfHandshakePolicy};
use ndis::adapter::AdapterCore;
use ndis::ethernet::LinkState;
use ndis::interrupt::{DpcContext, Interrupt, InterruptHandler, IsrOutcome};
use ndis::io::IoSpace;
use ndis::miniport::InitContext;
use ndis::sync::PassiveExclusive;
use ndis::time::PassiveClock;
use ndis::timer::{Timer, TimerControl, TimerHandler, WorkControl, WorkHandler, WorkItem};
use ndis::{NdisError, NdisResult};

/// The VF's register window, shared by the mailbox and the interrupt.
pub type VfIo = Arc<IoSpace>;

/// The VF as the shared sequences see it.
pub type Vf = VfDevice<VfIo, PassiveClock>;

/// VF BAR0: 16 KiB of registers (82576 datasheet 9.3).
const VF_REGISTER_BAR_SIZE: u32 = 0x4000;
/// MSI-X messages the VF uses: Tx, Rx, mailbox/other (igb-hardware.md §1.3).
const VF_MESSAGES: u32 = 3;

/// The handshake policy inside `MiniportInitializeEx`: a PF that is resetting or busy gets
/// about 3 s (a Linux or Windows PF re-initialises right after enabling SR-IOV), then
/// initialization fails with a clear status rather than holding NDIS's PnP thread for the
/// 30 s of [`VfHandshakePolicy::DEFAULT`]. `SET_LPE` asks for a 1500-byte MTU with a VLAN tag
/// and CRC (the jumbo policy arrives with the VF data path).
pub const INIT_HANDSHAKE: VfHandshakePolicy = VfHandshakePolicy {
    max_attempts: 30,
    give_up_after: Duration::from_secs(3),
    retry_delay: Duration::from_millis(100),
    max_frame: Some(1522),
};

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
    Handshake(VfHandshakeError),
    /// The PF assigned no MAC address.
    NoMac,
    /// The generation has no VF queue 0 (a driver bug).
    NoQueue,
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
            Self::Handshake(_) | Self::NoMac | Self::NoQueue => NdisError::DEVICE_FAILED,
            Self::Ndis(error) => error,
        }
    }
}

/// Which call site wrote an event-log entry (the first value of every entry the VF logs).
pub mod event_site {
    /// Initialization failed (data: [`super::VfBringUpError::code`], then for a handshake
    /// the attempts made).
    pub const INIT_FAILED: u32 = 0x0002_0001;
}

impl VfBringUpError {
    /// A number for the event log: which step failed.
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::NoRegisterBar => 1,
            Self::NoMsix => 2,
            Self::DeviceGone => 3,
            Self::Handshake(VfHandshakeError::GaveUp { .. }) => 4,
            Self::Handshake(VfHandshakeError::Fatal { .. }) => 5,
            Self::NoMac => 6,
            Self::NoQueue => 7,
            Self::Ndis(_) => 8,
        }
    }

    /// Writes the failure to the event log: a PF that never answered is a timeout (the
    /// administrator looks at the host), a refusal or a vanished VF what it is.
    pub fn log(self, adapter: ndis::adapter::AdapterHandle) {
        use ndis::event_log::{EventCode, write_event};
        let (code, detail) = match self {
            Self::Handshake(VfHandshakeError::GaveUp { attempts, .. }) => {
                (EventCode::TIMEOUT, attempts)
            }
            Self::Handshake(VfHandshakeError::Fatal { attempts, .. }) => {
                (EventCode::HARDWARE_FAILURE, attempts)
            }
            Self::NoRegisterBar | Self::DeviceGone => (EventCode::ADAPTER_NOT_FOUND, 0),
            Self::NoMsix => (EventCode::INTERRUPT_CONNECT, 0),
            Self::NoMac => (EventCode::NETWORK_ADDRESS, 0),
            Self::NoQueue => (EventCode::DRIVER_FAILURE, 0),
            Self::Ndis(error) => (EventCode::OUT_OF_RESOURCES, error.status() as u32),
        };
        write_event(
            adapter,
            code,
            event_site::INIT_FAILED,
            &[self.code(), detail],
        );
    }
}

impl From<NdisError> for VfBringUpError {
    fn from(error: NdisError) -> Self {
        Self::Ndis(error)
    }
}

/// Whether a mailbox error means the VF is gone.
const fn is_device_gone(error: &VfLinkError) -> bool {
    matches!(error, VfLinkError::Mailbox(VfMailboxError::DeviceGone))
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
    /// Register access for what never waits (VTSTATUS, VTEIMS/VTEIMC).
    regs: VfRegisters<VfIo>,
    device: PassiveExclusive<Vf>,
    /// Latched on an all-ones read.
    pub removal: RemovalLatch,
    /// Vectors the DPC left masked (auto-mask) for the work item to re-arm.
    rearm: AtomicU32,
    /// PF resets seen (RSTI).
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

    fn latch_removal(&self) {
        self.removal.set(igb::regs::DeviceGone {
            offset: VTSTATUS.offset(),
        });
        self.core.indicate_link(LinkState::DISCONNECTED);
    }

    /// The mailbox work (PASSIVE): PF messages, PF reset and the handshake after it. A PF
    /// still resetting is retried by the next run (the watchdog's, at the latest).
    fn service_mailbox(&self) {
        if self.removal.is_gone() {
            return;
        }
        let outcome = self.device.try_with(|device| {
            let events = device.poll_events();
            let mut rerouted = Ok(());
            if let Ok(events) = &events {
                if events.reinitialised.is_some() {
                    // The PF forgot everything: ask for the frame size again (a refusal
                    // leaves the PF's default, not fatal), and route the interrupts again,
                    // which the PF reset cleared.
                    if let Some(max_frame) = INIT_HANDSHAKE.max_frame {
                        let _ = device.link_mut().set_lpe(max_frame);
                    }
                    rerouted = device.route_interrupts();
                }
            }
            (events, rerouted, device.link_up())
        });
        let Some((events, rerouted, link_up)) = outcome else {
            return;
        };
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
                }
            }
            Err(error) if is_device_gone(&error) => {
                self.latch_removal();
                return;
            }
            Err(_) => {}
        }
        if rerouted.is_err() {
            self.latch_removal();
            return;
        }
        self.core.indicate_link(self.current_link(link_up));
    }

    /// Re-arms the vectors the DPC left auto-masked.
    fn rearm(&self) {
        let vectors = self.rearm.swap(0, Ordering::AcqRel);
        if vectors != 0 && !self.removal.is_gone() {
            self.regs
                .write(igb::regs::vf::VTEIMS, vectors & ALL_VF_VECTORS);
        }
    }
}

/// How often the watchdog looks at the mailbox without an interrupt (Linux igbvf's 2 s
/// watchdog): a PF reset clears the VF's interrupt routing, so the VF may only learn of it
/// here.
pub const WATCHDOG_PERIOD: Duration = Duration::from_secs(2);

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
    fn run(&self, _work: &WorkControl<'_>) {
        self.shared.service_mailbox();
        // Re-arm what the ISR's vectors left masked (auto-mask, VTEIAM) only now, so a
        // mailbox event during the run raises a new interrupt rather than being missed.
        self.shared.rearm();
    }
}

/// The interrupt handler.
pub struct VfInterrupts {
    shared: Arc<VfShared>,
    service: Arc<WorkItem<VfService>>,
}

impl InterruptHandler for VfInterrupts {
    fn isr(&self, message: MsixVector) -> IsrOutcome {
        // MSI-X messages are never shared: all three are ours.
        IsrOutcome::claim_if(u32::from(message.0) < VF_MESSAGES)
    }

    fn dpc(&self, message: MsixVector, _context: &mut DpcContext<'_>) {
        let vector = u32::from(message.0);
        if vector >= VF_MESSAGES || self.shared.removal.is_gone() {
            return;
        }
        self.shared.rearm.fetch_or(1 << vector, Ordering::AcqRel);
        // Everything the mailbox needs may wait: PASSIVE, in the work item. If it is already
        // queued, that run sees this event too and re-arms after.
        self.service.queue();
    }
}

/// Everything the VF holds; released by [`VfHardware::halt`].
pub struct VfHardware {
    watchdog: Timer<VfWatchdog>,
    interrupt: Interrupt<VfInterrupts>,
    service: Arc<WorkItem<VfService>>,
    /// Shared with the handlers.
    pub shared: Arc<VfShared>,
}

impl VfHardware {
    /// Masks the VF's interrupts (register write only, any IRQL; nothing else to stop before
    /// the data path exists).
    pub fn stop_now(&self) {
        if !self.shared.removal.is_gone() {
            self.shared.regs.write(VTEIMC, ALL_VF_VECTORS);
        }
    }

    /// Halt (PASSIVE): interrupts masked, then the watchdog cancelled, the interrupt
    /// deregistered and the work item drained, before the register mapping is released.
    pub fn halt(self) {
        self.stop_now();
        let Self {
            watchdog,
            interrupt,
            service,
            shared,
        } = self;
        drop(watchdog);
        drop(interrupt);
        drop(service);
        drop(shared);
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

/// Maps BAR0, does the reset handshake with the PF (MAC from its reply, SET_LPE) under
/// [`INIT_HANDSHAKE`], and routes the interrupts once NDIS has connected them. `make_core`
/// builds the NDIS-facing state once the MAC is known (and sets the general attributes).
/// PASSIVE, inside `MiniportInitializeEx`.
pub fn bring_up(
    context: &InitContext,
    generation: Generation,
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

    let mut device = VfDevice::new(
        Arc::clone(&io),
        generation,
        PassiveClock,
        MailboxTimeouts::LINUX,
    );
    let outcome = device.handshake(&INIT_HANDSHAKE).map_err(|error| {
        if is_device_gone(&error.last_error()) {
            VfBringUpError::DeviceGone
        } else {
            VfBringUpError::Handshake(error)
        }
    })?;
    let mac = outcome.reset.assigned_mac.ok_or(VfBringUpError::NoMac)?;

    let status = regs
        .read_present(VTSTATUS)
        .map_err(|_| VfBringUpError::DeviceGone)?;
    let ready = device.link().is_healthy();
    let shared = Arc::new(VfShared {
        core: make_core(
            mac,
            if ready {
                link_state_of(status)
            } else {
                LinkState::DISCONNECTED
            },
        )?,
        regs,
        device: PassiveExclusive::new(device),
        removal: RemovalLatch::new(),
        rearm: AtomicU32::new(0),
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
    // Interrupts are routed and unmasked only once NDIS has connected the messages. Init is
    // serialized by NDIS: no one else holds the device yet.
    let routed = shared
        .device
        .try_with(|device| device.route_interrupts())
        .ok_or(VfBringUpError::NoQueue)?;
    routed.map_err(|error| match error {
        igb::vf_device::VfDeviceError::DeviceGone(_) => VfBringUpError::DeviceGone,
        _ => VfBringUpError::NoQueue,
    })?;
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
