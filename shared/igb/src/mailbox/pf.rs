//! The PF end of the mailbox: serves up to 7 VFs (`igb-hardware.md` §5, §2.5, §5.6).
//!
//! [`PfMailbox::service`] is called on ICR.VMMB (and periodically). It handles VF function
//! level resets first (VFLRE), then VF requests (MBVFICR.VFREQ): for each, it takes the
//! buffer with PFU (bounded), reads VMBMEM, acknowledges receipt while keeping PFU (newer
//! Linux, §5.4: the VF cannot post again in between), decodes and validates the message,
//! applies the per-VF policy, programs the filters through the register layer, and replies
//! ACK or NACK (with CTS once the VF completed its reset), which releases PFU.
//!
//! Hostile-VF rules (§5.6): nothing but VF_RESET is accepted before the VF's reset
//! handshake; unknown or malformed messages are NACKed and counted; an administratively
//! assigned MAC or port VLAN wins over the VF; every VF gets at most
//! [`PfMailbox::request_budget`] messages per `service` call and the starting VF rotates, so a
//! flooding VF cannot starve the others; NACKs are logged at most once per 2 s per VF into a
//! fixed ring (no_std: no printing).
//!
//! Hardware ownership: while VFs are enabled this module owns, for each VF `n`: pool `n`'s
//! VFRE/VFTE bits, VMOLR[n], VMVIR[n], DVMOLR[n] (I350). RAR, VLVF/VFTA and MTA entries are
//! not written here: they are asked for, as owner [`Owner::Vf`], from the one
//! [`FilterSlots`] the caller (the PF controller) passes in and shares with the PF's own
//! filters (issue 13 item 2). A refusal from it is a NACK; it never disturbs another owner.

use core::time::Duration;

use hw_platform::{Clock, Mmio, poll_until};

use super::MailboxTimeouts;
use super::message::{
    MESSAGE_WORDS, MalformedMessage, Message, PfMessage, VfRequest, header_id, header_info, id,
};
use crate::filters::{MacAddr, VlanId, Vmolr, vmolr_bits};
use crate::ids::Generation;
use crate::regs::pf::{
    self, CTRL_EXT, MBVFICR, VFLRE, VFRE, VFTE, ctrl_ext, dctl, dvmolr_bits, mbvficr,
    pf_mailbox_bits as pfbits, vmvir_bits,
};
use crate::regs::{GenerationTraits, PfRegisters};
use crate::slots::{FilterSlots, Owner, OwnerCaps, SlotError, Table, VF_MAX_MULTICAST};

/// Linux limits a port to 7 VFs so pool 7 stays with the PF (`igb-hardware.md` §1.3).
pub const MAX_VFS: usize = 7;

/// Default number of messages a VF may have handled per [`PfMailbox::service`] call.
pub const DEFAULT_REQUEST_BUDGET: u8 = 4;

/// Default cap on VLANs one VF may hold in the shared 32-entry VLVF table.
pub const DEFAULT_MAX_VLANS_PER_VF: u8 = 8;

/// NACKs of one VF for one reason are logged at most once per this interval (Linux igb
/// rate-limits its NACK messages the same way, §5.6).
pub const NACK_LOG_INTERVAL: Duration = Duration::from_secs(2);

/// Entries kept in the event log ring.
pub const EVENT_LOG_ENTRIES: usize = 16;

/// Standard frame for a pool before any SET_LPE: 1500 + 14 header + 4 VLAN + 4 CRC.
const DEFAULT_POOL_FRAME: u16 = 1522;

/// Administrative configuration of one VF (what `ip link set … vf n …` sets on Linux, or the
/// Hyper-V switch port on Windows).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VfPolicy {
    /// A MAC assigned by the administrator: returned on VF_RESET; SET_MAC_ADDR is NACKed.
    pub admin_mac: Option<MacAddr>,
    /// A port VLAN: inserted on Tx (VMVIR), stripped and filtered on Rx; SET_VLAN is NACKed.
    pub admin_vlan: Option<VlanId>,
    /// A trusted VF may turn on unicast promiscuous where the hardware has it (I350 VMOLR.UPE).
    pub trusted: bool,
    /// Whether the VF may turn on multicast promiscuous (VMOLR.MPME); Linux allows it.
    pub allow_multicast_promiscuous: bool,
    /// VLANs this VF may hold in the shared VLVF table.
    pub max_vlans: u8,
    /// Unicast filters (ADD_MAC_FILTER) on top of the VF's own address; each takes a RAR
    /// entry. Granted only without an admin MAC or to a trusted VF (Linux igb's rule).
    pub max_mac_filters: u8,
    /// Distinct multicast hashes the VF may hold (at most what one SET_MULTICAST carries).
    pub max_multicast: u8,
}

impl VfPolicy {
    /// What the shared filter tables let this VF hold (its [`OwnerCaps`]).
    #[must_use]
    pub fn caps(&self) -> OwnerCaps {
        OwnerCaps {
            rar: self.max_mac_filters.saturating_add(1),
            vlans: self.max_vlans,
            multicast: u16::from(self.max_multicast).min(VF_MAX_MULTICAST),
        }
    }
}

impl Default for VfPolicy {
    fn default() -> Self {
        Self {
            admin_mac: None,
            admin_vlan: None,
            trusted: false,
            allow_multicast_promiscuous: true,
            max_vlans: DEFAULT_MAX_VLANS_PER_VF,
            max_mac_filters: 0,
            max_multicast: VF_MAX_MULTICAST as u8,
        }
    }
}

/// Where a VF stands with the PF.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VfState {
    /// Waiting for the VF's VF_RESET (after enable, FLR or PF reset): not clear to send.
    Resetting,
    /// Handshake done: clear to send; Rx/Tx enabled for the pool.
    Ready,
}

/// Why the PF refused a VF's message.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NackReason {
    /// The message could not be decoded (unknown opcode, bad count, bad flags...).
    Malformed,
    /// A request before the VF completed its reset handshake.
    NotClearToSend,
    /// SET_MAC_ADDR while the administrator assigned the MAC.
    AdminMac,
    /// SET_VLAN while the administrator assigned a port VLAN.
    AdminVlan,
    /// Not a usable unicast MAC.
    InvalidMac,
    /// The MAC is already in another RAR entry (the PF's or another VF's): RAR pool bits
    /// are ORed on a match, so accepting it would let this VF receive that function's
    /// unicast traffic.
    MacInUse,
    /// SET_LPE outside 64..=0x3F00.
    InvalidFrameSize,
    /// The VF reached its VLAN cap ([`VfPolicy::max_vlans`]).
    VlanLimit,
    /// No free VLVF entry.
    VlanTableFull,
    /// SET_MULTICAST with more distinct hashes than [`VfPolicy::max_multicast`].
    MulticastLimit,
    /// ADD_MAC_FILTER beyond [`VfPolicy::max_mac_filters`].
    MacFilterLimit,
    /// No free RAR entry (the PF and other VFs hold them all).
    MacTableFull,
    /// The request is valid but not supported or not permitted by policy (unicast
    /// promiscuous, multicast promiscuous when disallowed).
    NotPermitted,
    /// VF_RESET with no MAC to assign (not an error: the VF chooses one).
    NoMacAssigned,
}

impl NackReason {
    /// Number of reasons.
    pub const COUNT: usize = 14;

    /// Every reason, in [`Self::index`] order (for reports that walk
    /// [`VfCounters::nacks_by_reason`]).
    pub const ALL: [Self; Self::COUNT] = [
        Self::Malformed,
        Self::NotClearToSend,
        Self::AdminMac,
        Self::AdminVlan,
        Self::InvalidMac,
        Self::InvalidFrameSize,
        Self::VlanLimit,
        Self::VlanTableFull,
        Self::NotPermitted,
        Self::NoMacAssigned,
        Self::MacInUse,
        Self::MulticastLimit,
        Self::MacFilterLimit,
        Self::MacTableFull,
    ];

    /// Index into [`VfCounters::nacks_by_reason`].
    #[must_use]
    pub const fn index(self) -> usize {
        match self {
            Self::Malformed => 0,
            Self::NotClearToSend => 1,
            Self::AdminMac => 2,
            Self::AdminVlan => 3,
            Self::InvalidMac => 4,
            Self::InvalidFrameSize => 5,
            Self::VlanLimit => 6,
            Self::VlanTableFull => 7,
            Self::NotPermitted => 8,
            Self::NoMacAssigned => 9,
            Self::MacInUse => 10,
            Self::MulticastLimit => 11,
            Self::MacFilterLimit => 12,
            Self::MacTableFull => 13,
        }
    }
}

/// Per-VF counters.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VfCounters {
    /// Messages taken from the VF.
    pub requests: u32,
    /// ACK replies.
    pub acks: u32,
    /// NACK replies.
    pub nacks: u32,
    /// NACKs by [`NackReason::index`].
    pub nacks_by_reason: [u32; NackReason::COUNT],
    /// Undecodable messages (also counted in `nacks`).
    pub malformed: u32,
    /// `service` calls that left this VF's request pending because its budget was spent.
    pub budget_exhausted: u32,
    /// Completed reset handshakes.
    pub resets: u32,
    /// Function level resets seen in VFLRE.
    pub flrs: u32,
    /// Times PFU could not be taken in time (the VF held VFU).
    pub lock_timeouts: u32,
    /// ACKs the VF gave to PF messages (MBVFICR.VFACK).
    pub vf_acks: u32,
}

/// What an event-log entry records.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EventKind {
    /// A NACK sent to the VF.
    Nack {
        /// Message ID of the refused message.
        id: u16,
        /// Why.
        reason: NackReason,
        /// Decoding detail for [`NackReason::Malformed`].
        malformed: Option<MalformedMessage>,
    },
    /// A function level reset of the VF.
    Flr,
    /// The VF held the buffer past the lock timeout; RVFU released it.
    LockTimeout,
}

/// One event-log entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Event {
    /// The VF.
    pub vf: u8,
    /// When (on the clock passed to `service`).
    pub at: Duration,
    /// What.
    pub kind: EventKind,
}

/// A fixed ring of recent events, with a count of NACK events suppressed by rate limiting.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EventLog {
    entries: [Option<Event>; EVENT_LOG_ENTRIES],
    next: usize,
    /// NACK events not logged because of the per-VF rate limit.
    pub suppressed: u32,
}

impl EventLog {
    const EMPTY: Self = Self {
        entries: [None; EVENT_LOG_ENTRIES],
        next: 0,
        suppressed: 0,
    };

    fn push(&mut self, event: Event) {
        if let Some(slot) = self.entries.get_mut(self.next) {
            *slot = Some(event);
        }
        self.next = (self.next + 1) % EVENT_LOG_ENTRIES;
    }

    /// The logged events, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Event> {
        let (newer, older) = self.entries.split_at(self.next);
        older.iter().chain(newer.iter()).flatten()
    }
}

/// What one [`PfMailbox::service`] call did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ServiceReport {
    /// Messages handled.
    pub handled: u32,
    /// VFs whose FLR was handled (bit n = VF n).
    pub flrs: u8,
    /// VFs left with a pending request because their budget was spent: call again.
    pub deferred: u8,
    /// A register read all ones: the device is gone; nothing else was done.
    pub device_gone: bool,
}

/// Why a PF mailbox configuration call failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PfMailboxError {
    /// More VFs than [`MAX_VFS`] (or than the generation's pools minus the PF's).
    TooManyVfs,
    /// No such VF.
    NoSuchVf,
}

#[derive(Clone, Copy, Debug)]
struct VfSlot {
    state: VfState,
    policy: VfPolicy,
    /// MAC the VF set itself (SET_MAC_ADDR); forgotten on reset and FLR.
    own_mac: Option<MacAddr>,
    multicast_promiscuous: bool,
    /// When a NACK of each reason was last logged: the rate limit is per reason, so a
    /// stream of one kind of refusal cannot hide the first instance of another.
    last_nack_log: [Option<Duration>; NackReason::COUNT],
    /// When the PF last posted a message (STS) the VF has not acknowledged yet.
    unacked_since: Option<Duration>,
    /// An unsolicited control message waiting to be delivered (its CTS flag).
    pending_control: Option<bool>,
    counters: VfCounters,
}

impl VfSlot {
    const NEW: Self = Self {
        state: VfState::Resetting,
        policy: VfPolicy {
            admin_mac: None,
            admin_vlan: None,
            trusted: false,
            allow_multicast_promiscuous: true,
            max_vlans: DEFAULT_MAX_VLANS_PER_VF,
            max_mac_filters: 0,
            max_multicast: VF_MAX_MULTICAST as u8,
        },
        own_mac: None,
        multicast_promiscuous: false,
        last_nack_log: [None; NackReason::COUNT],
        unacked_since: None,
        pending_control: None,
        counters: VfCounters {
            requests: 0,
            acks: 0,
            nacks: 0,
            nacks_by_reason: [0; NackReason::COUNT],
            malformed: 0,
            budget_exhausted: 0,
            resets: 0,
            flrs: 0,
            lock_timeouts: 0,
            vf_acks: 0,
        },
    };

    fn mac(&self) -> Option<MacAddr> {
        self.policy.admin_mac.or(self.own_mac)
    }
}

/// The decision on one message.
enum Decision {
    Ack,
    AckReset(MacAddr),
    Nack(NackReason, Option<MalformedMessage>),
}

/// The PF end of the mailbox (see module docs).
pub struct PfMailbox {
    generation: Generation,
    traits: GenerationTraits,
    num_vfs: usize,
    vfs: [VfSlot; MAX_VFS],
    budget: u8,
    next_first: usize,
    timeouts: MailboxTimeouts,
    log: EventLog,
}

impl PfMailbox {
    /// A mailbox for `num_vfs` VFs (VF n = pool n; the PF uses pool `num_vfs`).
    pub fn new(generation: Generation, num_vfs: usize) -> Result<Self, PfMailboxError> {
        let traits = GenerationTraits::of(generation);
        if num_vfs > MAX_VFS || num_vfs >= traits.pools {
            return Err(PfMailboxError::TooManyVfs);
        }
        Ok(Self {
            generation,
            traits,
            num_vfs,
            vfs: [VfSlot::NEW; MAX_VFS],
            budget: DEFAULT_REQUEST_BUDGET,
            next_first: 0,
            timeouts: MailboxTimeouts::LINUX,
            log: EventLog::EMPTY,
        })
    }

    /// Number of VFs served.
    #[must_use]
    pub const fn num_vfs(&self) -> usize {
        self.num_vfs
    }

    /// The PF's own pool.
    #[must_use]
    pub const fn pf_pool(&self) -> usize {
        self.num_vfs
    }

    /// Messages handled per VF per `service` call.
    #[must_use]
    pub const fn request_budget(&self) -> u8 {
        self.budget
    }

    /// Sets the per-VF per-call budget (at least 1).
    pub fn set_request_budget(&mut self, budget: u8) {
        self.budget = budget.max(1);
    }

    /// Replaces the timeouts (lock acquisition uses `lock` / `lock_interval`).
    pub fn set_timeouts(&mut self, timeouts: MailboxTimeouts) {
        self.timeouts = timeouts;
    }

    fn slot(&self, vf: usize) -> Result<&VfSlot, PfMailboxError> {
        if vf >= self.num_vfs {
            return Err(PfMailboxError::NoSuchVf);
        }
        self.vfs.get(vf).ok_or(PfMailboxError::NoSuchVf)
    }

    /// The VF's administrative policy.
    pub fn policy(&self, vf: usize) -> Result<VfPolicy, PfMailboxError> {
        self.slot(vf).map(|slot| slot.policy)
    }

    /// Sets a VF's administrative policy. Takes effect at the VF's next reset handshake; a
    /// VF that is already running is told to re-run it (a ping without CTS, Linux's "reload
    /// the VF driver"), so the new MAC/VLAN reaches it.
    pub fn set_policy<M: Mmio, C: Clock + ?Sized>(
        &mut self,
        vf: usize,
        policy: VfPolicy,
        regs: &PfRegisters<M>,
        clock: &C,
    ) -> Result<(), PfMailboxError> {
        self.slot(vf)?;
        let was_ready = self.vfs[vf].state == VfState::Ready;
        self.vfs[vf].policy = policy;
        if was_ready {
            self.vfs[vf].state = VfState::Resetting;
            self.send_control(vf, false, regs, clock);
        }
        Ok(())
    }

    /// The VF's state.
    pub fn vf_state(&self, vf: usize) -> Result<VfState, PfMailboxError> {
        self.slot(vf).map(|slot| slot.state)
    }

    /// The MAC the VF's pool receives on (admin MAC, else the VF's own).
    pub fn vf_mac(&self, vf: usize) -> Result<Option<MacAddr>, PfMailboxError> {
        self.slot(vf).map(VfSlot::mac)
    }

    /// The VF's counters.
    pub fn counters(&self, vf: usize) -> Result<VfCounters, PfMailboxError> {
        self.slot(vf).map(|slot| slot.counters)
    }

    /// The event log.
    #[must_use]
    pub const fn log(&self) -> &EventLog {
        &self.log
    }

    /// Puts the hardware in the "no VF handshake yet" state: every VF pool's Rx/Tx disabled
    /// and everything it held in `slots` released. Call once after enabling SR-IOV.
    pub fn start<M: Mmio>(&mut self, regs: &PfRegisters<M>, slots: &mut FilterSlots) {
        for vf in 0..self.num_vfs {
            self.clear_vf(vf, regs, slots);
            self.vfs[vf].state = VfState::Resetting;
        }
        slots.apply(regs);
    }

    /// VFs disabled (SR-IOV off, or the PF stopping): every VF pool closed, everything the VFs
    /// held in `slots` released, every VF back to [`VfState::Resetting`].
    pub fn stop<M: Mmio>(&mut self, regs: &PfRegisters<M>, slots: &mut FilterSlots) {
        self.start(regs, slots);
        for slot in self.vfs.iter_mut().take(self.num_vfs) {
            slot.own_mac = None;
            slot.unacked_since = None;
            slot.pending_control = None;
        }
    }

    /// Handles VFLREs and VF messages (see module docs). Never blocks for longer than the lock
    /// timeout per VF with a pending message.
    pub fn service<M: Mmio, C: Clock + ?Sized>(
        &mut self,
        regs: &PfRegisters<M>,
        slots: &mut FilterSlots,
        clock: &C,
    ) -> ServiceReport {
        let mut report = ServiceReport::default();
        if self.num_vfs == 0 {
            return report;
        }
        let vf_bits = (1u32 << self.num_vfs) - 1;

        // 1. Function level resets first: a message posted before an FLR is stale.
        let Ok(flr) = regs.read_present(VFLRE) else {
            report.device_gone = true;
            return report;
        };
        if flr & 0xFF != 0 {
            regs.write(VFLRE, flr & 0xFF);
        }
        for vf in 0..self.num_vfs {
            if flr & (1 << vf) != 0 {
                self.handle_flr(vf, regs, slots, clock);
                report.flrs |= 1 << vf;
            }
        }

        // 2. Requests, round-robin from a rotating first VF, at most `budget` per VF.
        let mut served = [0u8; MAX_VFS];
        let rounds = usize::from(self.budget);
        for _ in 0..rounds {
            let Ok(cause) = regs.read_present(MBVFICR) else {
                report.device_gone = true;
                return report;
            };
            // VFREQ bits of VFs that do not exist are cleared so they cannot re-trigger.
            let stray = (cause >> mbvficr::VFREQ_SHIFT) & 0xFF & !vf_bits;
            if stray != 0 {
                regs.write(MBVFICR, stray << mbvficr::VFREQ_SHIFT);
            }
            let pending = (cause >> mbvficr::VFREQ_SHIFT) & vf_bits;
            if pending == 0 {
                break;
            }
            for step in 0..self.num_vfs {
                let vf = (self.next_first + step) % self.num_vfs;
                if pending & (1 << vf) == 0 || served[vf] >= self.budget {
                    continue;
                }
                served[vf] = served[vf].saturating_add(1);
                if self.handle_request(vf, regs, slots, clock) {
                    report.handled = report.handled.saturating_add(1);
                }
            }
        }
        self.next_first = (self.next_first + 1) % self.num_vfs;

        // 3. ACKs of our messages, and budget accounting.
        let Ok(cause) = regs.read_present(MBVFICR) else {
            report.device_gone = true;
            return report;
        };
        self.note_acks(cause, regs);
        let budget = self.budget;
        for (vf, (slot, served)) in self
            .vfs
            .iter_mut()
            .zip(served)
            .enumerate()
            .take(self.num_vfs)
        {
            let still_pending = (cause >> mbvficr::VFREQ_SHIFT) & (1 << vf) != 0;
            if still_pending && served >= budget {
                slot.counters.budget_exhausted = slot.counters.budget_exhausted.saturating_add(1);
                report.deferred |= 1 << vf;
            }
        }

        // 4. Control messages that had to wait for the buffer.
        for vf in 0..self.num_vfs {
            let Some(cts) = self.vfs[vf].pending_control else {
                continue;
            };
            let ready = self.vfs[vf].state == VfState::Ready;
            if !cts && ready {
                // "Reset, please" overtaken by a completed handshake: obsolete.
                self.vfs[vf].pending_control = None;
                continue;
            }
            self.send_control(vf, ready, regs, clock);
        }
        report
    }

    /// Consumes MBVFICR.VFACK bits (W1C): the VF read the PF's last message.
    fn note_acks<M: Mmio>(&mut self, cause: u32, regs: &PfRegisters<M>) {
        let vf_bits = (1u32 << self.num_vfs) - 1;
        let acks = (cause >> mbvficr::VFACK_SHIFT) & vf_bits;
        if acks == 0 {
            return;
        }
        regs.write(MBVFICR, acks << mbvficr::VFACK_SHIFT);
        for (vf, slot) in self.vfs.iter_mut().enumerate().take(self.num_vfs) {
            if acks & (1 << vf) != 0 {
                slot.counters.vf_acks = slot.counters.vf_acks.saturating_add(1);
                slot.unacked_since = None;
            }
        }
    }

    /// Takes one message from VF `vf` and answers it. Returns whether a message was handled.
    fn handle_request<M: Mmio, C: Clock + ?Sized>(
        &mut self,
        vf: usize,
        regs: &PfRegisters<M>,
        slots: &mut FilterSlots,
        clock: &C,
    ) -> bool {
        let Some(control) = pf::pf_mailbox(vf) else {
            return false;
        };
        if !self.lock(vf, regs, clock) {
            return false;
        }
        // Clear VFREQ only once we hold the buffer, so a lock failure leaves it pending.
        regs.write(MBVFICR, 1 << (mbvficr::VFREQ_SHIFT as usize + vf));
        let mut words = [0u32; MESSAGE_WORDS];
        for (index, word) in words.iter_mut().enumerate() {
            if let Some(reg) = pf::vmbmem(vf, index) {
                *word = regs.read(reg);
            }
        }
        // Receipt acknowledged; PFU kept until the reply (§5.4, newer Linux).
        regs.write(control, pfbits::ACK | pfbits::PFU);
        self.vfs[vf].counters.requests = self.vfs[vf].counters.requests.saturating_add(1);

        let head = words[0];
        let (decision, info) = match VfRequest::decode(&words) {
            Err(reason) => (
                Decision::Nack(NackReason::Malformed, Some(reason)),
                header_info(head),
            ),
            Ok(request) => {
                let info = header_info(head);
                (self.decide(vf, &request, regs, slots), info)
            }
        };
        // The filter tables before the reply: once ACKed, the VF may rely on them.
        slots.apply(regs);
        let message_id = header_id(head);
        // A VF "request" carrying the PF's own control ID gets its NACK without MSGINFO, so
        // the reply is still a well-formed (NACK-flavoured) control message for the VF.
        let info = if message_id == id::PF_CONTROL {
            0
        } else {
            info
        };
        let reply = match decision {
            Decision::Ack => {
                let counters = &mut self.vfs[vf].counters;
                counters.acks = counters.acks.saturating_add(1);
                PfMessage::Reply {
                    id: message_id,
                    info,
                    accepted: true,
                    cts: self.vfs[vf].state == VfState::Ready,
                }
            }
            Decision::AckReset(mac) => {
                let counters = &mut self.vfs[vf].counters;
                counters.acks = counters.acks.saturating_add(1);
                // Word 0 is exactly VF_RESET|ACK, without CTS: Linux igbvf compares it for
                // equality (`e1000_reset_hw_vf`) and treats anything else as a failed reset
                // (random MAC, "PF still in reset state"). Found against igbvf in the QEMU
                // tier; Linux igb's PF replies the same way. CTS rides on the next reply.
                PfMessage::ResetAck { mac, cts: false }
            }
            Decision::Nack(reason, malformed) => {
                self.record_nack(vf, message_id, reason, malformed, clock);
                PfMessage::Reply {
                    id: message_id,
                    info,
                    accepted: false,
                    cts: self.vfs[vf].state == VfState::Ready,
                }
            }
        };
        self.write_message(vf, &reply, regs, clock.now());
        true
    }

    fn record_nack<C: Clock + ?Sized>(
        &mut self,
        vf: usize,
        message_id: u16,
        reason: NackReason,
        malformed: Option<MalformedMessage>,
        clock: &C,
    ) {
        let slot = &mut self.vfs[vf];
        let counters = &mut slot.counters;
        counters.nacks = counters.nacks.saturating_add(1);
        if let Some(count) = counters.nacks_by_reason.get_mut(reason.index()) {
            *count = count.saturating_add(1);
        }
        if reason == NackReason::Malformed {
            counters.malformed = counters.malformed.saturating_add(1);
        }
        if reason == NackReason::NoMacAssigned {
            // Part of the normal handshake, not misbehaviour: not logged.
            return;
        }
        let now = clock.now();
        let last_logged = slot.last_nack_log.get_mut(reason.index());
        let due = last_logged.as_ref().is_some_and(|last| {
            last.is_none_or(|last| now.saturating_sub(last) >= NACK_LOG_INTERVAL)
        });
        if due {
            if let Some(last) = last_logged {
                *last = Some(now);
            }
            self.log.push(Event {
                // vf < 7.
                vf: vf as u8,
                at: now,
                kind: EventKind::Nack {
                    id: message_id,
                    reason,
                    malformed,
                },
            });
        } else {
            self.log.suppressed = self.log.suppressed.saturating_add(1);
        }
    }

    /// Policy and hardware programming for one decoded request. Filter-table changes go to
    /// `slots` (written by the caller before the reply).
    fn decide<M: Mmio>(
        &mut self,
        vf: usize,
        request: &VfRequest,
        regs: &PfRegisters<M>,
        slots: &mut FilterSlots,
    ) -> Decision {
        if *request == VfRequest::Reset {
            return self.vf_reset(vf, regs, slots);
        }
        if self.vfs[vf].state != VfState::Ready {
            return Decision::Nack(NackReason::NotClearToSend, None);
        }
        let owner = vf_owner(vf);
        match *request {
            VfRequest::Reset => self.vf_reset(vf, regs, slots),
            VfRequest::SetMacAddr(mac) => {
                if self.vfs[vf].policy.admin_mac.is_some() {
                    return Decision::Nack(NackReason::AdminMac, None);
                }
                // The VF's address moves within its entry; a MAC another function holds is
                // refused (RAR pool bits are ORed on a match, so this VF would receive that
                // function's unicast traffic), and the old address stays on any refusal.
                match slots.replace_mac(owner, self.vfs[vf].own_mac, mac) {
                    Ok(_) => {
                        self.vfs[vf].own_mac = Some(mac);
                        Decision::Ack
                    }
                    Err(error) => Decision::Nack(nack_of(error), None),
                }
            }
            // Drops every extra unicast filter, keeping the VF's own address. igbvf sends it
            // on every Rx-mode change, so a VF without filters gets an ACK too, as Linux igb
            // does (a NACK would be logged as misbehaviour; found against igbvf in the QEMU
            // tier).
            VfRequest::ClearMacFilters => {
                let own = self.vfs[vf].mac();
                let mut extra = [None; crate::slots::MAX_RAR_ENTRIES];
                for (slot, (_, mac)) in extra
                    .iter_mut()
                    .zip(slots.macs(owner).filter(|(_, mac)| Some(*mac) != own))
                {
                    *slot = Some(mac);
                }
                for mac in extra.iter().flatten() {
                    let _ = slots.remove_mac(owner, mac);
                }
                Decision::Ack
            }
            VfRequest::AddMacFilter(mac) => {
                let policy = self.vfs[vf].policy;
                // Linux igb: no extra filters for an untrusted VF with an admin MAC.
                if policy.max_mac_filters == 0 || (policy.admin_mac.is_some() && !policy.trusted) {
                    return Decision::Nack(NackReason::NotPermitted, None);
                }
                let own = self.vfs[vf].mac();
                let extra = slots.macs(owner).filter(|(_, m)| Some(*m) != own).count();
                // A MAC in the table already is ours (idempotent) or another function's
                // (MacInUse from `add_mac`); the cap counts filters only: the VF's own
                // address keeps its entry.
                let new = slots.rar_index(&mac).is_none();
                if new && extra >= usize::from(policy.max_mac_filters) {
                    return Decision::Nack(NackReason::MacFilterLimit, None);
                }
                match slots.add_mac(owner, mac) {
                    Ok(_) => Decision::Ack,
                    Err(error) => Decision::Nack(nack_of(error), None),
                }
            }
            VfRequest::SetMulticast { hashes, overflow } => {
                if overflow && !self.vfs[vf].policy.allow_multicast_promiscuous {
                    return Decision::Nack(NackReason::NotPermitted, None);
                }
                if let Err(error) = slots.set_multicast(owner, hashes.as_slice()) {
                    return Decision::Nack(nack_of(error), None);
                }
                if overflow {
                    self.vfs[vf].multicast_promiscuous = true;
                }
                self.update_vmolr(vf, regs, slots, |_| {});
                Decision::Ack
            }
            VfRequest::SetPromisc { unicast, multicast } => {
                let policy = self.vfs[vf].policy;
                let unicast_possible = policy.trusted && self.generation == Generation::I350;
                if (unicast && !unicast_possible)
                    || (multicast && !policy.allow_multicast_promiscuous)
                {
                    return Decision::Nack(NackReason::NotPermitted, None);
                }
                self.vfs[vf].multicast_promiscuous = multicast;
                self.update_vmolr(vf, regs, slots, |vmolr| vmolr.upe = unicast);
                Decision::Ack
            }
            VfRequest::SetVlan { vid, add } => self.vf_vlan(vf, vid, add, slots),
            VfRequest::SetLpe { max_frame } => {
                let Some(updated) =
                    Vmolr::decode(self.read_vmolr(vf, regs)).with_max_frame(max_frame)
                else {
                    return Decision::Nack(NackReason::InvalidFrameSize, None);
                };
                if let Some(reg) = pf::vmolr(vf) {
                    regs.write(reg, updated.encode());
                }
                // The global RLPML is checked before the pool limits (§6 step 1): raise it to
                // the VF's frame, never lowering it below the PF's (or another VF's) own.
                regs.modify(pf::RLPML, |value| {
                    let current = value & crate::filters::vmolr_bits::RLPML_MASK;
                    if max_frame > current {
                        max_frame
                    } else {
                        value
                    }
                });
                Decision::Ack
            }
        }
    }

    /// VF_RESET (§5.3): reset the VF's filters to defaults, program its MAC, enable its pool,
    /// mark it clear to send; reply with the MAC, or NACK when none is assigned.
    fn vf_reset<M: Mmio>(
        &mut self,
        vf: usize,
        regs: &PfRegisters<M>,
        slots: &mut FilterSlots,
    ) -> Decision {
        self.clear_vf(vf, regs, slots);
        let owner = vf_owner(vf);
        // The policy's caps take effect with the handshake, like the rest of the policy.
        let _ = slots.set_caps(owner, self.vfs[vf].policy.caps());
        let slot = &mut self.vfs[vf];
        slot.own_mac = None;
        slot.state = VfState::Ready;
        slot.counters.resets = slot.counters.resets.saturating_add(1);
        let mac = slot.mac();
        let admin_vlan = slot.policy.admin_vlan;
        if let Some(mac) = mac {
            // Only an admin MAC is here (own_mac was just forgotten). One that another
            // function holds is not installed: the VF still learns it (the administrator's
            // choice) but its pool receives no unicast until the holder lets it go.
            let _ = slots.add_mac(owner, mac);
        }
        if let Some(vid) = admin_vlan {
            // The VF's VLVF entries were just released by `clear_vf`, so this only fails
            // when other pools filled the table; the VF then gets no VLAN traffic but the
            // handshake still completes.
            let _ = slots.add_vlan(owner, vid);
            if let Some(reg) = pf::vmvir(vf) {
                regs.write(reg, vmvir_bits::VLANA_DEFAULT | u32::from(vid.get()));
            }
            if let Some(reg) = pf::dvmolr(self.generation, vf) {
                regs.set_bits(reg, dvmolr_bits::STRVLAN);
            }
        }
        self.update_vmolr(vf, regs, slots, |_| {});
        let pool = 1u32 << vf;
        regs.set_bits(VFRE, pool);
        regs.set_bits(VFTE, pool);
        match mac {
            Some(mac) => Decision::AckReset(mac),
            None => Decision::Nack(NackReason::NoMacAssigned, None),
        }
    }

    fn vf_vlan(&mut self, vf: usize, vid: VlanId, add: bool, slots: &mut FilterSlots) -> Decision {
        if self.vfs[vf].policy.admin_vlan.is_some() {
            return Decision::Nack(NackReason::AdminVlan, None);
        }
        let owner = vf_owner(vf);
        let result = if add {
            slots.add_vlan(owner, vid)
        } else {
            slots.remove_vlan(owner, vid)
        };
        match result {
            Ok(()) => Decision::Ack,
            Err(error) => Decision::Nack(nack_of(error), None),
        }
    }

    fn read_vmolr<M: Mmio>(&self, vf: usize, regs: &PfRegisters<M>) -> u32 {
        pf::vmolr(vf).map_or(0, |reg| regs.read(reg))
    }

    /// Rewrites VMOLR[vf] from the VF's state: ROMPE while it has multicast hashes, MPME while
    /// multicast promiscuous, AUPE unless a port VLAN, STRVLAN (82576) with a port VLAN; the
    /// max frame is kept. `extra` adjusts the rest.
    fn update_vmolr<M: Mmio>(
        &self,
        vf: usize,
        regs: &PfRegisters<M>,
        slots: &FilterSlots,
        extra: impl FnOnce(&mut Vmolr),
    ) {
        let Some(reg) = pf::vmolr(vf) else { return };
        let slot = &self.vfs[vf];
        let mut vmolr = Vmolr::decode(regs.read(reg));
        vmolr.rompe = slots.has_multicast(vf_owner(vf));
        vmolr.mpme = slot.multicast_promiscuous;
        vmolr.bam = true;
        vmolr.strcrc = true;
        vmolr.aupe = slot.policy.admin_vlan.is_none();
        vmolr.strvlan = slot.policy.admin_vlan.is_some() && !self.traits.has_dvmolr;
        extra(&mut vmolr);
        regs.write(reg, vmolr.encode());
    }

    /// Releases everything VF `vf` held in `slots` (RAR, VLVF pool bits and the VFTA bits
    /// nobody else needs, multicast hashes; written by the next `apply`) and disables its
    /// pool: VMOLR/VMVIR to defaults, VFRE/VFTE bits, the queue enables of the pool's queues.
    fn clear_vf<M: Mmio>(&mut self, vf: usize, regs: &PfRegisters<M>, slots: &mut FilterSlots) {
        let pool = 1u32 << vf;
        regs.clear_bits(VFRE, pool);
        regs.clear_bits(VFTE, pool);
        for nth in 0..self.traits.queues_per_pool {
            let Some(queue) = self.traits.pool_queue(vf, nth) else {
                continue;
            };
            if let Some(rx) = pf::rx_queue(self.generation, queue) {
                regs.clear_bits(rx.rxdctl, dctl::ENABLE);
            }
            if let Some(tx) = pf::tx_queue(self.generation, queue) {
                regs.clear_bits(tx.txdctl, dctl::ENABLE);
            }
        }
        // NoSuchOwner only when `slots` was made for fewer VFs: it then holds nothing of ours.
        let _ = slots.release_all(vf_owner(vf));
        self.vfs[vf].multicast_promiscuous = false;
        if let Some(reg) = pf::vmvir(vf) {
            regs.write(reg, 0);
        }
        if let Some(reg) = pf::dvmolr(self.generation, vf) {
            regs.clear_bits(reg, dvmolr_bits::STRVLAN);
        }
        if let Some(reg) = pf::vmolr(vf) {
            let defaults = Vmolr {
                rlpml: DEFAULT_POOL_FRAME,
                lpe: true,
                rompe: false,
                ..Vmolr::default_pool()
            };
            regs.write(reg, defaults.encode() & !vmolr_bits::MPME);
        }
    }

    /// VFLRE for `vf` (§5.6): forget and clear everything the VF set up; it must send VF_RESET
    /// again. The admin policy stays.
    fn handle_flr<M: Mmio, C: Clock + ?Sized>(
        &mut self,
        vf: usize,
        regs: &PfRegisters<M>,
        slots: &mut FilterSlots,
        clock: &C,
    ) {
        self.clear_vf(vf, regs, slots);
        slots.apply(regs);
        let slot = &mut self.vfs[vf];
        slot.own_mac = None;
        slot.state = VfState::Resetting;
        // The reset VF will not acknowledge what we posted before; it re-handshakes anyway.
        slot.unacked_since = None;
        slot.pending_control = None;
        slot.counters.flrs = slot.counters.flrs.saturating_add(1);
        self.log.push(Event {
            // vf < 7.
            vf: vf as u8,
            at: clock.now(),
            kind: EventKind::Flr,
        });
    }

    /// Takes PFU of VF `vf`'s mailbox (bounded, §5.4). On timeout a VF that sits on VFU is
    /// forced off with RVFU and the failure is counted.
    fn lock<M: Mmio, C: Clock + ?Sized>(
        &mut self,
        vf: usize,
        regs: &PfRegisters<M>,
        clock: &C,
    ) -> bool {
        let Some(control) = pf::pf_mailbox(vf) else {
            return false;
        };
        let taken = poll_until(
            clock,
            self.timeouts.lock,
            self.timeouts.lock_interval,
            || {
                regs.write(control, pfbits::PFU);
                (regs.read(control) & pfbits::PFU != 0).then_some(())
            },
        );
        if taken.is_ok() {
            return true;
        }
        regs.write(control, pfbits::RVFU);
        let slot = &mut self.vfs[vf];
        slot.counters.lock_timeouts = slot.counters.lock_timeouts.saturating_add(1);
        self.log.push(Event {
            // vf < 7.
            vf: vf as u8,
            at: clock.now(),
            kind: EventKind::LockTimeout,
        });
        false
    }

    /// Writes `message` into VF `vf`'s buffer (PFU already held) and sets STS, which also
    /// releases PFU.
    fn write_message<M: Mmio>(
        &mut self,
        vf: usize,
        message: &PfMessage,
        regs: &PfRegisters<M>,
        now: Duration,
    ) {
        let encoded: Message = message.encode();
        for (index, word) in encoded.words().iter().enumerate() {
            if let Some(reg) = pf::vmbmem(vf, index) {
                regs.write(reg, *word);
            }
        }
        if let Some(control) = pf::pf_mailbox(vf) {
            regs.write(control, pfbits::STS);
        }
        self.vfs[vf].unacked_since = Some(now);
    }

    /// Sends a PF_CONTROL_MSG to VF `vf`, or queues it (returning false) while the buffer is
    /// not free for it: the PF never overwrites a VF request it has not read (VFREQ pending)
    /// nor, for up to the posted timeout, a PF message the VF has not acknowledged yet
    /// (VFACK). Linux overwrites both; a lost request or reply costs the VF a 1 s timeout and
    /// a reset. Queued messages are delivered by a later [`Self::service`]; a queued message
    /// without CTS wins over one with CTS.
    fn send_control<M: Mmio, C: Clock + ?Sized>(
        &mut self,
        vf: usize,
        cts: bool,
        regs: &PfRegisters<M>,
        clock: &C,
    ) -> bool {
        let queue = |slot: &mut VfSlot| {
            slot.pending_control = Some(slot.pending_control.map_or(cts, |queued| queued && cts));
        };
        let request_bit = 1u32 << (mbvficr::VFREQ_SHIFT as usize + vf);
        let cause = regs.read(MBVFICR);
        if cause != u32::MAX {
            self.note_acks(cause, regs);
        }
        let now = clock.now();
        let posted_timeout = self.timeouts.posted;
        let slot = &mut self.vfs[vf];
        let unacked = slot
            .unacked_since
            .is_some_and(|since| now.saturating_sub(since) < posted_timeout);
        if cause == u32::MAX || cause & request_bit != 0 || unacked {
            queue(slot);
            return false;
        }
        if !self.lock(vf, regs, clock) {
            queue(&mut self.vfs[vf]);
            return false;
        }
        // The VF may have posted between our MBVFICR read and taking PFU.
        if regs.read(MBVFICR) & request_bit != 0 {
            if let Some(control) = pf::pf_mailbox(vf) {
                regs.write(control, 0);
            }
            queue(&mut self.vfs[vf]);
            return false;
        }
        self.vfs[vf].pending_control = None;
        self.write_message(vf, &PfMessage::Control { cts }, regs, now);
        true
    }

    /// PF_CONTROL_MSG "ping" to every VF (link change, §5.3): with CTS to VFs that completed
    /// their handshake, without CTS to the others (which tells them to reset). Returns the
    /// VFs whose ping was queued rather than sent (bit n = VF n; see `send_control`).
    pub fn ping_all<M: Mmio, C: Clock + ?Sized>(&mut self, regs: &PfRegisters<M>, clock: &C) -> u8 {
        let mut missed = 0;
        for vf in 0..self.num_vfs {
            let cts = self.vfs[vf].state == VfState::Ready;
            if !self.send_control(vf, cts, regs, clock) {
                missed |= 1 << vf;
            }
        }
        missed
    }

    /// Before a PF reset (§2.1 step 1): ping every VF without CTS, mark all not clear to send,
    /// disable every VF pool's Rx/Tx. The PF driver then resets the MAC (which sets RSTI in
    /// every VF mailbox) and, once configured again, calls [`Self::complete_pf_reset`].
    pub fn prepare_pf_reset<M: Mmio, C: Clock + ?Sized>(
        &mut self,
        regs: &PfRegisters<M>,
        clock: &C,
    ) {
        for vf in 0..self.num_vfs {
            self.vfs[vf].state = VfState::Resetting;
            self.send_control(vf, false, regs, clock);
        }
        let vf_pools = (1u32 << self.num_vfs) - 1;
        regs.clear_bits(VFRE, vf_pools);
        regs.clear_bits(VFTE, vf_pools);
    }

    /// After the PF reset and the PF's own re-configuration: forget what the VFs had set (the
    /// reset cleared the filter tables), rewrite the MTA with the PF's hashes, and set
    /// CTRL_EXT.PFRSTD, which clears RSTI and sets RSTD in every VF mailbox (§2.1 step 6) so
    /// the VFs re-run their handshake.
    pub fn complete_pf_reset<M: Mmio>(&mut self, regs: &PfRegisters<M>, slots: &mut FilterSlots) {
        for vf in 0..self.num_vfs {
            self.clear_vf(vf, regs, slots);
            let slot = &mut self.vfs[vf];
            slot.own_mac = None;
            slot.state = VfState::Resetting;
            // The MAC reset cleared the mailboxes: nothing posted before is outstanding.
            slot.unacked_since = None;
            slot.pending_control = None;
        }
        slots.apply(regs);
        regs.set_bits(CTRL_EXT, ctrl_ext::PFRSTD);
    }
}

/// VF `vf`'s owner in the shared filter tables (`vf` < [`MAX_VFS`] everywhere it is used).
const fn vf_owner(vf: usize) -> Owner {
    Owner::Vf(vf as u8)
}

/// The NACK for a refusal of the shared filter tables (issue 13: exhaustion is a NACK to the
/// VF, NDIS_STATUS_RESOURCES on the NDIS side).
const fn nack_of(error: SlotError) -> NackReason {
    match error {
        SlotError::InvalidMac => NackReason::InvalidMac,
        SlotError::MacInUse => NackReason::MacInUse,
        SlotError::OwnerLimit(Table::Vlvf) => NackReason::VlanLimit,
        SlotError::TableFull(Table::Vlvf) => NackReason::VlanTableFull,
        SlotError::OwnerLimit(Table::Mta) | SlotError::TableFull(Table::Mta) => {
            NackReason::MulticastLimit
        }
        SlotError::OwnerLimit(Table::Rar) => NackReason::MacFilterLimit,
        SlotError::TableFull(Table::Rar) => NackReason::MacTableFull,
        // The slots were made for fewer VFs than the mailbox serves, or a removal of
        // something never held: the request cannot be honoured.
        SlotError::NoSuchOwner | SlotError::NotOwned => NackReason::NotPermitted,
    }
}
