//! The VF end of the mailbox (`igb-hardware.md` §5.1, §5.4, §5.5, §3 "VF checklist").
//!
//! Two layers:
//! * [`VfMailbox`]: the register-level protocol over the VF BAR. V2PMAILBOX's PFSTS, PFACK
//!   and RSTD clear on read, so every read folds them into a software cache and the checks
//!   test-and-clear that cache (§5.1). Every wait is bounded ([`MailboxTimeouts`]); after a
//!   posted-operation timeout the mailbox refuses further posted operations until the next
//!   reset (Linux igbvf behaviour, §5.4), because a PF that stopped answering mid-exchange
//!   leaves the buffer in an unknown state.
//! * [`VfLink`]: the VF's view of its relationship with the PF: the reset handshake,
//!   configuration requests (remembered so they can be replayed after a PF reset or FLR),
//!   PF pings and PF resets.

use core::time::Duration;

use hw_platform::{Clock, Mmio, poll_until};

use super::MailboxTimeouts;
use super::message::{
    MAX_MULTICAST_HASHES, MESSAGE_WORDS, MalformedMessage, Message, MulticastHashes, PfMessage,
    VfRequest, header, header_id, id,
};
use crate::filters::{MacAddr, VlanId, is_valid_unicast, mac_hash};
use crate::regs::vf::{V2PMAILBOX, VTCTRL, v2p_mailbox_bits as bits, vmbmem, vtctrl};
use crate::regs::{DeviceGone, VfRegisters};

/// Why a register-level mailbox operation failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VfMailboxError {
    /// V2PMAILBOX read all ones: the VF was surprise-removed (or its BAR is gone).
    DeviceGone,
    /// The PF held the buffer (PFU) for the whole lock timeout.
    LockTimeout,
    /// The PF did not acknowledge a posted message in time.
    AckTimeout,
    /// The PF did not post a message in time.
    MessageTimeout,
    /// A posted operation timed out earlier; the VF must reset before using the mailbox.
    DisabledUntilReset,
}

impl From<DeviceGone> for VfMailboxError {
    fn from(_: DeviceGone) -> Self {
        Self::DeviceGone
    }
}

/// Counters of the register-level mailbox.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VfMailboxStats {
    /// Messages posted to the PF.
    pub posted: u32,
    /// Messages received from the PF.
    pub received: u32,
    /// Lock acquisitions that timed out.
    pub lock_timeouts: u32,
    /// Posted operations (ACK or message waits) that timed out.
    pub posted_timeouts: u32,
    /// "PF message waiting" flags (PFSTS) dropped once the VF held the buffer: the message
    /// they stood for was read in that same hold, or overwritten by the VF's own post. Such a
    /// flag must not satisfy a later wait for the PF's reply: a stale PFSTS once made the VF
    /// read its own request back as the reply.
    pub stale_message_flags: u32,
    /// Times the buffer, when the VF looked for the PF's reply, still held the VF's own
    /// request (no reply written yet); the VF kept waiting.
    pub own_request_seen: u32,
}

/// The register-level VF mailbox over a VF BAR (`M`) with a clock (`C`) for bounded waits.
pub struct VfMailbox<M: Mmio, C: Clock> {
    regs: VfRegisters<M>,
    clock: C,
    timeouts: MailboxTimeouts,
    /// PFSTS / PFACK / RSTD seen but not yet consumed (they clear on read, §5.1).
    cached: u32,
    disabled: bool,
    stats: VfMailboxStats,
}

impl<M: Mmio, C: Clock> VfMailbox<M, C> {
    /// A mailbox over the VF BAR `mmio`.
    pub fn new(mmio: M, clock: C, timeouts: MailboxTimeouts) -> Self {
        Self {
            regs: VfRegisters::new(mmio),
            clock,
            timeouts,
            cached: 0,
            disabled: false,
            stats: VfMailboxStats::default(),
        }
    }

    /// The VF registers.
    pub const fn registers(&self) -> &VfRegisters<M> {
        &self.regs
    }

    /// The clock.
    pub const fn clock(&self) -> &C {
        &self.clock
    }

    /// The timeouts in use.
    pub const fn timeouts(&self) -> &MailboxTimeouts {
        &self.timeouts
    }

    /// Counters.
    pub const fn stats(&self) -> VfMailboxStats {
        self.stats
    }

    /// Whether posted operations are disabled after a timeout (until [`Self::enable`]).
    pub const fn is_disabled(&self) -> bool {
        self.disabled
    }

    /// Re-enables posted operations; called by the reset handshake (Linux re-arms the mailbox
    /// timeout after VTCTRL.RST, §5.5 step 2).
    pub fn enable(&mut self) {
        self.disabled = false;
    }

    /// Reads V2PMAILBOX, folding the read-to-clear bits into the cache. Returns the value read
    /// with the cached bits ORed in.
    pub fn read_status(&mut self) -> Result<u32, VfMailboxError> {
        let value = self.regs.read_present(V2PMAILBOX)?;
        self.cached |= value & bits::READ_TO_CLEAR;
        Ok(value | self.cached)
    }

    /// Test-and-clear of cached read-to-clear bits `mask` (after a fresh read).
    fn take(&mut self, mask: u32) -> Result<bool, VfMailboxError> {
        let status = self.read_status()?;
        self.cached &= !mask;
        Ok(status & mask != 0)
    }

    /// Whether the PF posted a message (consumes PFSTS).
    pub fn check_for_message(&mut self) -> Result<bool, VfMailboxError> {
        self.take(bits::PFSTS)
    }

    /// Whether the PF acknowledged our message (consumes PFACK).
    pub fn check_for_ack(&mut self) -> Result<bool, VfMailboxError> {
        self.take(bits::PFACK)
    }

    /// The reset indications: `(RSTI, RSTD)`; consumes RSTD.
    pub fn check_for_reset(&mut self) -> Result<(bool, bool), VfMailboxError> {
        let status = self.read_status()?;
        self.cached &= !bits::RSTD;
        Ok((status & bits::RSTI != 0, status & bits::RSTD != 0))
    }

    /// Whether a PF message is waiting, without consuming the indication.
    pub fn message_pending(&mut self) -> Result<bool, VfMailboxError> {
        Ok(self.read_status()? & bits::PFSTS != 0)
    }

    /// Takes the buffer: writes VFU and reads it back; the hardware grants it only while the
    /// PF does not hold PFU (§5.1). Bounded by the lock timeout.
    fn lock(&mut self) -> Result<(), VfMailboxError> {
        let regs = &self.regs;
        let mut gone = false;
        let mut cached = 0;
        let outcome = poll_until(
            &self.clock,
            self.timeouts.lock,
            self.timeouts.lock_interval,
            || {
                regs.write(V2PMAILBOX, bits::VFU);
                match regs.read_present(V2PMAILBOX) {
                    Err(_) => {
                        gone = true;
                        Some(())
                    }
                    Ok(value) => {
                        cached |= value & bits::READ_TO_CLEAR;
                        (value & bits::VFU != 0).then_some(())
                    }
                }
            },
        );
        self.cached |= cached;
        if gone {
            return Err(VfMailboxError::DeviceGone);
        }
        outcome.map_err(|_| {
            self.stats.lock_timeouts = self.stats.lock_timeouts.saturating_add(1);
            VfMailboxError::LockTimeout
        })
    }

    /// Posts `message`: lock, write the words, write REQ (which also drops VFU) (§5.4).
    pub fn post(&mut self, message: &Message) -> Result<(), VfMailboxError> {
        if self.disabled {
            return Err(VfMailboxError::DisabledUntilReset);
        }
        self.lock()?;
        // A PFACK left over from an earlier exchange must not satisfy this one's wait. A PFSTS
        // saved up to now (for instance while the lock was retried because the PF held the
        // buffer to write a message) stands for a message this post overwrites: it must not
        // satisfy the wait for the reply either (Linux igbvf's `e1000_write_mbx_vf` clears
        // both flags once it holds the lock).
        self.cached &= !bits::PFACK;
        self.drop_stale_message_flag();
        for (index, word) in message.words().iter().enumerate() {
            if let Some(reg) = vmbmem(index) {
                self.regs.write(reg, *word);
            }
        }
        self.regs.write(V2PMAILBOX, bits::REQ);
        self.stats.posted = self.stats.posted.saturating_add(1);
        Ok(())
    }

    /// Forgets a PFSTS saved before or while the VF took the buffer (see
    /// [`VfMailboxStats::stale_message_flags`]). Only called while the VF holds VFU, when the
    /// PF cannot write the buffer, so no newer message can be behind the flag.
    fn drop_stale_message_flag(&mut self) {
        if self.cached & bits::PFSTS != 0 {
            self.cached &= !bits::PFSTS;
            self.stats.stale_message_flags = self.stats.stale_message_flags.saturating_add(1);
        }
    }

    /// Lock, then the 16 buffer words. The caller releases the buffer (ACK or plain release).
    fn lock_and_read(&mut self) -> Result<[u32; MESSAGE_WORDS], VfMailboxError> {
        self.lock()?;
        let mut words = [0u32; MESSAGE_WORDS];
        for (index, word) in words.iter_mut().enumerate() {
            if let Some(reg) = vmbmem(index) {
                *word = self.regs.read(reg);
            }
        }
        // The flag that announced this message (or a message it replaced) is consumed by
        // this read.
        self.drop_stale_message_flag();
        Ok(words)
    }

    fn acknowledge(&mut self, words: &[u32; MESSAGE_WORDS]) -> Result<Message, VfMailboxError> {
        self.regs.write(V2PMAILBOX, bits::ACK);
        self.stats.received = self.stats.received.saturating_add(1);
        // 16 words: always a valid length.
        Message::from_words(words).ok_or(VfMailboxError::DeviceGone)
    }

    /// Reads the PF's message: lock, read all 16 words, write ACK (drops VFU) (§5.4).
    pub fn receive(&mut self) -> Result<Message, VfMailboxError> {
        let words = self.lock_and_read()?;
        self.acknowledge(&words)
    }

    /// Reads the PF's reply to the request with id `awaited`, like [`Self::receive`], except
    /// when the buffer still holds that request itself (its id with neither ACK nor NACK: the
    /// PF has not written its reply yet). Then the buffer is released without ACK, counted in
    /// [`VfMailboxStats::own_request_seen`], and `None` is returned: keep waiting.
    pub fn receive_reply(&mut self, awaited: u16) -> Result<Option<Message>, VfMailboxError> {
        let words = self.lock_and_read()?;
        let head = words[0];
        if header_id(head) == awaited && head & (header::ACK | header::NACK) == 0 {
            // Writing neither ACK nor VFU drops the lock (§5.1); the PF sees no ACK for a
            // message it did not send.
            self.regs.write(V2PMAILBOX, 0);
            self.stats.own_request_seen = self.stats.own_request_seen.saturating_add(1);
            return Ok(None);
        }
        self.acknowledge(&words).map(Some)
    }

    fn wait_for(
        &mut self,
        mask: u32,
        error: VfMailboxError,
        timeout: Duration,
    ) -> Result<(), VfMailboxError> {
        if self.disabled {
            return Err(VfMailboxError::DisabledUntilReset);
        }
        let interval = self.timeouts.posted_interval;
        let start = self.clock.now();
        let max_tries = timeout.as_nanos() / interval.as_nanos().max(1) + 2;
        let mut tries: u128 = 0;
        // Same bound as `poll_until`; written out because the condition needs `&mut self`.
        loop {
            if self.take(mask)? {
                return Ok(());
            }
            tries += 1;
            let waited = self.clock.now().saturating_sub(start);
            if waited >= timeout || tries >= max_tries {
                if self.take(mask)? {
                    return Ok(());
                }
                self.disabled = true;
                self.stats.posted_timeouts = self.stats.posted_timeouts.saturating_add(1);
                return Err(error);
            }
            self.clock.delay(interval.min(timeout - waited));
        }
    }

    /// Waits (bounded) for the PF to acknowledge our posted message.
    pub fn wait_for_ack(&mut self) -> Result<(), VfMailboxError> {
        self.wait_for(
            bits::PFACK,
            VfMailboxError::AckTimeout,
            self.timeouts.posted,
        )
    }

    /// Waits (bounded by the posted timeout) for the PF to post a message.
    pub fn wait_for_message(&mut self) -> Result<(), VfMailboxError> {
        self.wait_for_message_within(self.timeouts.posted)
    }

    /// Waits at most `timeout` for the PF to post a message.
    pub fn wait_for_message_within(&mut self, timeout: Duration) -> Result<(), VfMailboxError> {
        self.wait_for(bits::PFSTS, VfMailboxError::MessageTimeout, timeout)
    }

    /// Posts and waits for the PF's ACK (Linux `write_posted`).
    pub fn write_posted(&mut self, message: &Message) -> Result<(), VfMailboxError> {
        self.post(message)?;
        self.wait_for_ack()
    }

    /// Waits for a PF message and reads it (Linux `read_posted`).
    pub fn read_posted(&mut self) -> Result<Message, VfMailboxError> {
        self.wait_for_message()?;
        self.receive()
    }

    /// Forgets cached indications (used by the reset handshake).
    fn clear_cache(&mut self) {
        self.cached = 0;
    }
}

/// Where the VF stands with the PF.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LinkState {
    /// No reset handshake yet.
    Uninitialised,
    /// Handshake done; requests may be sent.
    Ready,
    /// The PF asked for a new handshake (ping or NACK without CTS) or an FLR happened.
    ResetRequired,
    /// The PF is resetting (RSTI): wait, then re-initialise.
    PfResetting,
}

/// What the reset handshake returned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ResetOutcome {
    /// The MAC the PF assigned (ACK), or `None` (NACK: the VF must choose one and send
    /// SET_MAC_ADDR, §5.3).
    pub assigned_mac: Option<MacAddr>,
    /// Whether the reply carried CTS (a Linux PF does not set it on the reset reply; the first
    /// reply to a later request does).
    pub cts: bool,
}

/// Why a [`VfLink`] operation failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VfLinkError {
    /// The register-level mailbox failed.
    Mailbox(VfMailboxError),
    /// The PF is resetting (RSTI stayed set, or the handshake found it so); retry later.
    PfResetInProgress,
    /// No reset handshake (or the PF asked for a new one): call [`VfLink::reset`].
    NotReady,
    /// The PF refused the request. Without CTS it also means "reset first".
    Nacked {
        /// The request's message ID.
        id: u16,
        /// Whether the NACK carried CTS.
        cts: bool,
    },
    /// The PF's reply could not be decoded.
    MalformedReply(MalformedMessage),
    /// No reply to our request arrived within the posted timeout (only other messages did).
    NoReply,
    /// The argument cannot be sent (multicast/zero MAC, VID > 4095, frame out of range,
    /// too many VLANs remembered).
    InvalidArgument,
}

impl From<VfMailboxError> for VfLinkError {
    fn from(error: VfMailboxError) -> Self {
        Self::Mailbox(error)
    }
}

/// How the VF's multicast list ended up being filtered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MulticastMode {
    /// Exact hash filtering with this many distinct hashes (≤ 30).
    Filtered(usize),
    /// Too many distinct hashes: the pool is multicast promiscuous.
    Promiscuous,
}

/// What [`VfLink::poll_events`] observed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VfEvents {
    /// A PF ping with CTS (link change notification; the relationship is healthy).
    pub ping: bool,
    /// A PF ping or NACK without CTS: the PF wants a new reset handshake.
    pub reset_requested: bool,
    /// RSTI was set: the PF is resetting.
    pub pf_resetting: bool,
    /// The VF re-ran its reset handshake (and replayed its configuration) with this outcome.
    pub reinitialised: Option<ResetOutcome>,
}

/// Counters of [`VfLink`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VfLinkStats {
    /// Completed reset handshakes.
    pub resets: u32,
    /// PF pings with CTS.
    pub pings: u32,
    /// PF pings / NACKs without CTS.
    pub reset_requests: u32,
    /// Times RSTI was observed.
    pub pf_resets: u32,
    /// Messages from the PF that were not the awaited reply nor a ping.
    pub stray_messages: u32,
    /// Undecodable PF messages.
    pub malformed: u32,
    /// Unsolicited NACKs without CTS (a "bare" NACK, not the reply to a request of ours).
    /// Linux igb uses one to say "reset first" after a PF reset; some PFs send one after
    /// every VF ACK.
    pub bare_nacks: u32,
    /// Bare NACKs that did not cause a new handshake because one had run less than
    /// [`NACK_RESET_INTERVAL`] earlier.
    pub bare_nacks_ignored: u32,
}

/// The shortest time between two reset handshakes caused by bare NACKs (Linux igbvf's
/// `igbvf_has_link` schedules its reset task only when 10 s have passed since the last
/// reset). A PF that NACKs after every ACK then costs one handshake per 10 s, not a storm.
pub const NACK_RESET_INTERVAL: Duration = Duration::from_secs(10);

/// VLANs a VF remembers for replay (the PF's VLVF has 32 entries for everyone).
pub const MAX_VF_VLANS: usize = 32;

/// Configuration the VF asked for, replayed after a re-initialisation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct DesiredConfig {
    /// A MAC the VF chose itself (not the PF-assigned one).
    mac: Option<MacAddr>,
    multicast: MulticastHashes,
    multicast_promiscuous: bool,
    vlans: [Option<VlanId>; MAX_VF_VLANS],
    max_frame: Option<u32>,
}

impl DesiredConfig {
    const EMPTY: Self = Self {
        mac: None,
        multicast: MulticastHashes::EMPTY,
        multicast_promiscuous: false,
        vlans: [None; MAX_VF_VLANS],
        max_frame: None,
    };
}

/// The VF's side of the relationship with the PF (see module docs).
pub struct VfLink<M: Mmio, C: Clock> {
    mailbox: VfMailbox<M, C>,
    state: LinkState,
    assigned_mac: Option<MacAddr>,
    current_mac: Option<MacAddr>,
    cts: bool,
    desired: DesiredConfig,
    stats: VfLinkStats,
    /// When the last reset handshake was started (clock time), for [`NACK_RESET_INTERVAL`].
    last_reset_at: Option<Duration>,
}

impl<M: Mmio, C: Clock> VfLink<M, C> {
    /// A link over the VF BAR `mmio`; call [`Self::reset`] before anything else.
    pub fn new(mmio: M, clock: C, timeouts: MailboxTimeouts) -> Self {
        Self {
            mailbox: VfMailbox::new(mmio, clock, timeouts),
            state: LinkState::Uninitialised,
            assigned_mac: None,
            current_mac: None,
            cts: false,
            desired: DesiredConfig::EMPTY,
            stats: VfLinkStats::default(),
            last_reset_at: None,
        }
    }

    /// The register-level mailbox.
    pub const fn mailbox(&self) -> &VfMailbox<M, C> {
        &self.mailbox
    }

    /// The register-level mailbox (e.g. to inspect or drive it in tests).
    pub fn mailbox_mut(&mut self) -> &mut VfMailbox<M, C> {
        &mut self.mailbox
    }

    /// Current state.
    pub const fn state(&self) -> LinkState {
        self.state
    }

    /// The MAC the VF uses: the one it set, else the one the PF assigned.
    pub const fn mac(&self) -> Option<MacAddr> {
        self.current_mac
    }

    /// The MAC the PF assigned in the last handshake.
    pub const fn assigned_mac(&self) -> Option<MacAddr> {
        self.assigned_mac
    }

    /// Whether the PF's last message carried CTS.
    pub const fn clear_to_send(&self) -> bool {
        self.cts
    }

    /// Whether the mailbox side of the link is healthy: handshake done, a CTS-bearing message
    /// seen, mailbox not timed out (Linux `check_for_link_vf`, `igb-hardware.md` §3). The
    /// driver ANDs this with VTSTATUS.LU.
    pub const fn is_healthy(&self) -> bool {
        matches!(self.state, LinkState::Ready) && self.cts && !self.mailbox.is_disabled()
    }

    /// Counters.
    pub const fn stats(&self) -> VfLinkStats {
        self.stats
    }

    /// The reset handshake (§5.5): VTCTRL.RST; wait (bounded) until the mailbox shows
    /// neither RSTI nor RSTD; VF_RESET; after 10 ms read the 3-word reply: ACK → the MAC,
    /// NACK → no MAC assigned.
    pub fn reset(&mut self) -> Result<ResetOutcome, VfLinkError> {
        let was_pf_resetting = self.state == LinkState::PfResetting;
        self.state = LinkState::ResetRequired;
        self.cts = false;
        self.last_reset_at = Some(self.mailbox.clock.now());
        self.mailbox.regs.write(VTCTRL, vtctrl::RST);
        self.mailbox.clear_cache();
        let settled = {
            let mailbox = &mut self.mailbox;
            let timeouts = mailbox.timeouts;
            let regs = &mailbox.regs;
            let mut gone = false;
            let mut rsti = false;
            let outcome = poll_until(
                &mailbox.clock,
                timeouts.reset_bits,
                timeouts.reset_bits_interval,
                || match regs.read_present(V2PMAILBOX) {
                    Err(_) => {
                        gone = true;
                        Some(())
                    }
                    // RSTD clears on read: the next read shows it gone unless the PF resets
                    // again; RSTI stays while the PF is resetting.
                    Ok(value) => {
                        rsti = value & bits::RSTI != 0;
                        (value & (bits::RSTI | bits::RSTD) == 0).then_some(())
                    }
                },
            );
            if gone {
                Err(VfLinkError::Mailbox(VfMailboxError::DeviceGone))
            } else if outcome.is_err() {
                Err(if rsti {
                    VfLinkError::PfResetInProgress
                } else {
                    VfLinkError::Mailbox(VfMailboxError::MessageTimeout)
                })
            } else {
                Ok(())
            }
        };
        if let Err(error) = settled {
            if error == VfLinkError::PfResetInProgress {
                // RSTI seen here counts like RSTI seen by `poll_events`: a handshake started
                // by a CTS-less ping can run into the PF reset that the ping announced
                // (seen on QEMU), and then no later poll sees the reset begin.
                if !was_pf_resetting {
                    self.stats.pf_resets = self.stats.pf_resets.saturating_add(1);
                }
                self.state = LinkState::PfResetting;
            }
            return Err(error);
        }
        self.mailbox.clear_cache();
        self.mailbox.enable();
        self.mailbox.write_posted(&VfRequest::Reset.encode())?;
        self.mailbox
            .clock
            .delay(self.mailbox.timeouts.reset_reply_delay);
        let reply = self.await_reply(id::RESET)?;
        let outcome = match reply {
            PfMessage::ResetAck { mac, cts } => ResetOutcome {
                assigned_mac: Some(mac),
                cts,
            },
            PfMessage::Reply {
                accepted: false,
                cts,
                ..
            } => ResetOutcome {
                assigned_mac: None,
                cts,
            },
            // An ACK without the MAC words cannot be produced by the decoder for VF_RESET;
            // anything else is a confused PF.
            PfMessage::Reply { .. } | PfMessage::Control { .. } => {
                return Err(VfLinkError::MalformedReply(
                    MalformedMessage::BadReplyFlags(u32::from(id::RESET)),
                ));
            }
        };
        self.assigned_mac = outcome.assigned_mac;
        self.current_mac = outcome.assigned_mac;
        self.cts = outcome.cts;
        self.state = LinkState::Ready;
        self.stats.resets = self.stats.resets.saturating_add(1);
        Ok(outcome)
    }

    /// Reset handshake followed by a replay of the configuration asked for earlier (own MAC,
    /// multicast, VLANs, max frame), which the PF forgot in the reset or FLR. A refused replay
    /// item is dropped from the remembered configuration; other failures are returned.
    pub fn reinitialise(&mut self) -> Result<ResetOutcome, VfLinkError> {
        let outcome = self.reset()?;
        let desired = self.desired;
        if let Some(mac) = desired.mac {
            if outcome.assigned_mac != Some(mac) {
                self.replay(VfRequest::SetMacAddr(mac))?;
                if self.desired.mac == Some(mac) {
                    self.current_mac = Some(mac);
                }
            }
        }
        if desired.multicast_promiscuous {
            self.replay(VfRequest::SetPromisc {
                unicast: false,
                multicast: true,
            })?;
        } else if !desired.multicast.is_empty() {
            self.replay(VfRequest::SetMulticast {
                hashes: desired.multicast,
                overflow: false,
            })?;
        }
        for vid in desired.vlans.iter().flatten() {
            self.replay(VfRequest::SetVlan {
                vid: *vid,
                add: true,
            })?;
        }
        if let Some(max_frame) = desired.max_frame {
            self.replay(VfRequest::SetLpe { max_frame })?;
        }
        Ok(outcome)
    }

    /// Sends one replayed request; a NACK with CTS (policy refusal) forgets the item.
    fn replay(&mut self, request: VfRequest) -> Result<(), VfLinkError> {
        match self.request(request) {
            Ok(()) => Ok(()),
            Err(VfLinkError::Nacked { cts: true, .. }) => {
                self.forget(&request);
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    fn forget(&mut self, request: &VfRequest) {
        match *request {
            VfRequest::SetMacAddr(_) => self.desired.mac = None,
            // Never remembered for replay.
            VfRequest::ClearMacFilters | VfRequest::AddMacFilter(_) => {}
            VfRequest::SetMulticast { .. } => self.desired.multicast = MulticastHashes::EMPTY,
            VfRequest::SetPromisc { .. } => self.desired.multicast_promiscuous = false,
            VfRequest::SetVlan { vid, .. } => {
                for slot in &mut self.desired.vlans {
                    if *slot == Some(vid) {
                        *slot = None;
                    }
                }
            }
            VfRequest::SetLpe { .. } => self.desired.max_frame = None,
            VfRequest::Reset => {}
        }
    }

    /// Sets the VF's MAC (SET_MAC_ADDR, MSGINFO 0). A NACK (e.g. the administrator assigned
    /// the MAC) leaves the current MAC unchanged.
    pub fn set_mac(&mut self, mac: MacAddr) -> Result<(), VfLinkError> {
        if !is_valid_unicast(&mac) {
            return Err(VfLinkError::InvalidArgument);
        }
        self.request(VfRequest::SetMacAddr(mac))?;
        self.current_mac = Some(mac);
        self.desired.mac = Some(mac);
        Ok(())
    }

    /// Sets the multicast filter for `addresses`: their MTA hashes, de-duplicated; if more
    /// than 30 distinct hashes remain, asks for multicast promiscuous (SET_PROMISC) instead,
    /// and fails with the PF's NACK if that is refused (§5.3).
    pub fn set_multicast(&mut self, addresses: &[MacAddr]) -> Result<MulticastMode, VfLinkError> {
        let mut hashes = [0u16; MAX_MULTICAST_HASHES];
        let mut count = 0usize;
        let mut overflow = false;
        for address in addresses {
            let hash = mac_hash(address);
            if hashes[..count].contains(&hash) {
                continue;
            }
            match hashes.get_mut(count) {
                Some(slot) => {
                    *slot = hash;
                    count += 1;
                }
                None => {
                    overflow = true;
                    break;
                }
            }
        }
        if overflow {
            self.request(VfRequest::SetPromisc {
                unicast: false,
                multicast: true,
            })?;
            self.desired.multicast_promiscuous = true;
            return Ok(MulticastMode::Promiscuous);
        }
        let list = MulticastHashes::new(&hashes[..count]).ok_or(VfLinkError::InvalidArgument)?;
        self.request(VfRequest::SetMulticast {
            hashes: list,
            overflow: false,
        })?;
        self.desired.multicast = list;
        if self.desired.multicast_promiscuous {
            self.request(VfRequest::SetPromisc {
                unicast: false,
                multicast: false,
            })?;
            self.desired.multicast_promiscuous = false;
        }
        Ok(MulticastMode::Filtered(count))
    }

    /// Adds or removes a VLAN filter for the VF's pool (SET_VLAN).
    pub fn set_vlan(&mut self, vid: u16, add: bool) -> Result<(), VfLinkError> {
        let vid = VlanId::new(vid).ok_or(VfLinkError::InvalidArgument)?;
        let known = self.desired.vlans.contains(&Some(vid));
        if add && !known && !self.desired.vlans.contains(&None) {
            return Err(VfLinkError::InvalidArgument);
        }
        // Remember the intent before asking: if the PF NACKs without CTS (FLR or PF reset in
        // between), the item is replayed after the re-initialisation.
        if add && !known {
            if let Some(slot) = self.desired.vlans.iter_mut().find(|slot| slot.is_none()) {
                *slot = Some(vid);
            }
        }
        let request = VfRequest::SetVlan { vid, add };
        match self.request(request) {
            Ok(()) => {
                if !add {
                    self.forget(&request);
                }
                Ok(())
            }
            Err(error) => {
                if add && !known && !matches!(error, VfLinkError::Nacked { cts: false, .. }) {
                    self.forget(&request);
                }
                Err(error)
            }
        }
    }

    /// Sets the largest Rx frame (SET_LPE; the VF sends MTU + 14 + 4 CRC + 4 VLAN, §5.3).
    pub fn set_lpe(&mut self, max_frame: u32) -> Result<(), VfLinkError> {
        if !(super::message::MIN_LPE_FRAME..=super::message::MAX_LPE_FRAME).contains(&max_frame) {
            return Err(VfLinkError::InvalidArgument);
        }
        self.request(VfRequest::SetLpe { max_frame })?;
        self.desired.max_frame = Some(max_frame);
        Ok(())
    }

    /// Handles what the PF signalled since the last call: its messages (pings with or
    /// without CTS), RSTI (PF resetting) and RSTD (PF reset done). When the PF asked for a
    /// new handshake, or finished a reset, re-initialises ([`Self::reinitialise`]). Call it
    /// from the mailbox interrupt and periodically (Linux igbvf's watchdog).
    pub fn poll_events(&mut self) -> Result<VfEvents, VfLinkError> {
        let mut events = VfEvents::default();
        // Bounded: a PF that keeps posting cannot keep us here.
        for _ in 0..4 {
            if !self.mailbox.check_for_message()? {
                break;
            }
            let message = self.mailbox.receive()?;
            self.note_unsolicited(&message, &mut events);
        }
        let (rsti, rstd) = self.mailbox.check_for_reset()?;
        if rsti {
            if self.state != LinkState::PfResetting {
                self.stats.pf_resets = self.stats.pf_resets.saturating_add(1);
            }
            self.state = LinkState::PfResetting;
            self.cts = false;
            events.pf_resetting = true;
            return Ok(events);
        }
        if rstd && matches!(self.state, LinkState::Ready | LinkState::ResetRequired) {
            // RSTI came and went between two polls: the PF reset all the same. (Also while a
            // handshake is owed: the PF's CTS-less ping announcing its reset can be handled
            // after the reset is already over, seen on QEMU.)
            self.stats.pf_resets = self.stats.pf_resets.saturating_add(1);
            self.state = LinkState::PfResetting;
        }
        if matches!(
            self.state,
            LinkState::PfResetting | LinkState::ResetRequired
        ) {
            events.reinitialised = Some(self.reinitialise()?);
        }
        Ok(events)
    }

    /// Handles a PF message that is not a reply we wait for.
    fn note_unsolicited(&mut self, message: &Message, events: &mut VfEvents) {
        match PfMessage::decode(message.words()) {
            Ok(PfMessage::Control { cts: true }) => {
                self.cts = true;
                events.ping = true;
                self.stats.pings = self.stats.pings.saturating_add(1);
            }
            Ok(PfMessage::Control { cts: false }) => {
                self.cts = false;
                self.require_reset(events);
            }
            Ok(PfMessage::Reply {
                accepted: false,
                cts: false,
                ..
            }) => {
                self.stats.bare_nacks = self.stats.bare_nacks.saturating_add(1);
                let now = self.mailbox.clock.now();
                let recent = self
                    .last_reset_at
                    .is_some_and(|at| now.saturating_sub(at) < NACK_RESET_INTERVAL);
                if recent {
                    // Linux igbvf's rate limit: the handshake that just ran is trusted; CTS
                    // is kept, so a PF that NACKs after every ACK does not unsettle the link.
                    self.stats.bare_nacks_ignored = self.stats.bare_nacks_ignored.saturating_add(1);
                } else {
                    self.cts = false;
                    self.require_reset(events);
                }
            }
            Ok(_) => self.stats.stray_messages = self.stats.stray_messages.saturating_add(1),
            Err(_) => self.stats.malformed = self.stats.malformed.saturating_add(1),
        }
    }

    /// The PF asked for a new handshake (a ping without CTS, or a bare NACK past the rate
    /// limit): [`Self::poll_events`] runs it.
    fn require_reset(&mut self, events: &mut VfEvents) {
        if self.state == LinkState::Ready {
            self.state = LinkState::ResetRequired;
        }
        events.reset_requested = true;
        self.stats.reset_requests = self.stats.reset_requests.saturating_add(1);
    }

    /// Sends `request` and waits for its reply: ACK → Ok, NACK → [`VfLinkError::Nacked`]
    /// (and, without CTS, a new handshake is required).
    fn request(&mut self, request: VfRequest) -> Result<(), VfLinkError> {
        if self.state != LinkState::Ready {
            return Err(VfLinkError::NotReady);
        }
        // A PF message already waiting (a ping) would be overwritten by our post: take it.
        let mut events = VfEvents::default();
        if self.mailbox.check_for_message()? {
            let message = self.mailbox.receive()?;
            self.note_unsolicited(&message, &mut events);
            if self.state != LinkState::Ready {
                return Err(VfLinkError::NotReady);
            }
        }
        self.mailbox.write_posted(&request.encode())?;
        match self.await_reply(request.id())? {
            PfMessage::Reply {
                accepted: true,
                cts,
                ..
            } => {
                self.cts = cts;
                Ok(())
            }
            PfMessage::Reply {
                accepted: false,
                cts,
                id: reply_id,
                ..
            } => {
                self.cts = cts;
                if !cts {
                    self.state = LinkState::ResetRequired;
                    self.stats.reset_requests = self.stats.reset_requests.saturating_add(1);
                }
                Err(VfLinkError::Nacked { id: reply_id, cts })
            }
            PfMessage::ResetAck { .. } | PfMessage::Control { .. } => Err(VfLinkError::NoReply),
        }
    }

    /// Reads PF messages until the reply to `awaited` arrives, noting pings and bare NACKs
    /// that arrive in between. A buffer that still holds our own request is "not yet", not a
    /// malformed reply. Bounded by the posted timeout overall and by a message count.
    fn await_reply(&mut self, awaited: u16) -> Result<PfMessage, VfLinkError> {
        let start = self.mailbox.clock.now();
        let posted = self.mailbox.timeouts.posted;
        for _ in 0..8 {
            let waited: Duration = self.mailbox.clock.now().saturating_sub(start);
            let Some(remaining) = posted.checked_sub(waited).filter(|left| !left.is_zero()) else {
                break;
            };
            self.mailbox.wait_for_message_within(remaining)?;
            let Some(message) = self.mailbox.receive_reply(awaited)? else {
                continue;
            };
            match PfMessage::decode(message.words()) {
                Ok(reply @ PfMessage::ResetAck { .. }) if awaited == id::RESET => return Ok(reply),
                Ok(reply @ PfMessage::Reply { id: reply_id, .. }) if reply_id == awaited => {
                    return Ok(reply);
                }
                // A ping or a bare NACK overtook the reply: note it and keep waiting for the
                // reply, which the PF sends after it. (During our own handshake the state is
                // already ResetRequired, so a CTS-less ping changes nothing.)
                Ok(
                    unsolicited @ (PfMessage::Control { .. }
                    | PfMessage::Reply {
                        accepted: false,
                        cts: false,
                        ..
                    }),
                ) => {
                    let mut events = VfEvents::default();
                    self.note_unsolicited(&unsolicited.encode(), &mut events);
                }
                Ok(_) => self.stats.stray_messages = self.stats.stray_messages.saturating_add(1),
                Err(reason) => {
                    self.stats.malformed = self.stats.malformed.saturating_add(1);
                    return Err(VfLinkError::MalformedReply(reason));
                }
            }
        }
        Err(VfLinkError::NoReply)
    }
}
