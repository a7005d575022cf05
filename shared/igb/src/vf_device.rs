//! The VF's hardware sequences as one object: [`VfDevice`] owns the VF's side of the mailbox
//! ([`VfLink`]) and its register block, and does the reset handshake with a bounded retry
//! policy ([`VfHandshakePolicy`]), MSI-X routing for the three VF vectors, and the link wait.
//! The VF miniport and the QEMU tier's VF side both drive the VF through it.
//!
//! Vectors (igb-hardware.md §1.3, §3; Linux igbvf): [`VF_VECTOR_TX0`] = 0 for Tx queue 0,
//! [`VF_VECTOR_RX0`] = 1 for Rx queue 0, [`VF_VECTOR_OTHER`] = 2 for the mailbox. QEMU's
//! igb raises mailbox events on the cause of vector `(VTIVAR_MISC & 3)` *shifted as a mask*
//! (`hw/net/igb_core.c` `mailbox_interrupt_to_vf`), so there the mailbox vector 2 shows up as
//! vector 1 (Rx): a VF must treat any vector as "maybe the mailbox too" and check the
//! mailbox on every wake-up, which it must do anyway to survive a lost interrupt.
//!
//! Handshake retry (igb-hardware.md §3 "VF checklist", §5.4, §5.5): a PF that is resetting
//! (RSTI), busy (holding the buffer), not answering yet (Linux igb re-initialises itself right
//! after SR-IOV is enabled) or asking for a new handshake (NACK without CTS) is worth another
//! try after a pause; a vanished device, a policy refusal (NACK with CTS), an undecodable
//! reply or a bad argument is not. Attempts are bounded by count *and* by time.

use core::time::Duration;

use hw_platform::{Clock, Mmio, poll_until};

use crate::ids::Generation;
use crate::interrupts::{
    QueueDirection, VF_VECTOR_OTHER, VF_VECTOR_RX0, VF_VECTOR_TX0, vf_ivar_entry, vf_ivar_shift,
};
use crate::mailbox::MailboxTimeouts;
use crate::mailbox::vf::{ResetOutcome, VfEvents, VfLink, VfLinkError, VfMailboxError};
use crate::pf_device::LinkStatus;
use crate::regs::pf::status;
use crate::regs::pf::{RxQueueRegs, TxQueueRegs};
use crate::regs::vf::{
    self, MSIX_VECTORS, VTEIAC, VTEIAM, VTEICR, VTEIMC, VTEIMS, VTIVAR, VTIVAR_MISC, VTSTATUS,
};
use crate::regs::{DeviceGone, VfBar, VfRegisters};

/// EIMS/EIAC/EIAM bits of all three VF vectors.
pub const ALL_VF_VECTORS: u32 = (1 << MSIX_VECTORS) - 1;

/// Poll interval of [`VfDevice::wait_for_link`].
const LINK_POLL_INTERVAL: Duration = Duration::from_millis(10);

/// How the VF retries its reset handshake (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VfHandshakePolicy {
    /// Attempts at most (at least 1 is always made).
    pub max_attempts: u32,
    /// No new attempt starts once this much time has passed since the first.
    pub give_up_after: Duration,
    /// Pause between attempts (lets a resetting PF finish).
    pub retry_delay: Duration,
    /// SET_LPE with this max frame after the reset handshake (the VF sends MTU + 14 + 4 CRC
    /// + 4 VLAN, §5.3), as part of the same attempt; `None` to skip.
    pub max_frame: Option<u32>,
}

impl VfHandshakePolicy {
    /// Up to 30 s and 100 attempts, 100 ms apart, with SET_LPE 1522. One attempt can itself
    /// take up to ~1 s (the posted timeout, §5.4), so the count rarely binds: the time does.
    /// The QEMU tier needs this much with a Linux PF that re-initialises after enabling
    /// SR-IOV; a miniport's initialise may choose less and leave the rest to its watchdog.
    pub const DEFAULT: Self = Self {
        max_attempts: 100,
        give_up_after: Duration::from_secs(30),
        retry_delay: Duration::from_millis(100),
        max_frame: Some(1522),
    };

    /// Whether `error` is worth another attempt (module docs).
    #[must_use]
    pub const fn is_retryable(error: &VfLinkError) -> bool {
        match error {
            VfLinkError::PfResetInProgress
            | VfLinkError::NotReady
            | VfLinkError::NoReply
            | VfLinkError::Nacked { cts: false, .. } => true,
            VfLinkError::Mailbox(mailbox) => !matches!(mailbox, VfMailboxError::DeviceGone),
            VfLinkError::Nacked { cts: true, .. }
            | VfLinkError::MalformedReply(_)
            | VfLinkError::InvalidArgument => false,
        }
    }
}

impl Default for VfHandshakePolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A completed handshake.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HandshakeOutcome {
    /// What the reset handshake returned (the assigned MAC, or none: the VF must choose one).
    pub reset: ResetOutcome,
    /// Attempts it took (1 = first try).
    pub attempts: u32,
}

/// Why the handshake did not complete.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VfHandshakeError {
    /// An error retrying cannot fix (device gone, policy refusal, undecodable reply).
    Fatal {
        /// Attempts made.
        attempts: u32,
        /// The error.
        error: VfLinkError,
    },
    /// Every attempt failed with a retryable error until the policy's count or time ran out:
    /// the PF is not answering. Report link down and let the watchdog try again later.
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// Time since the first attempt started.
        waited: Duration,
        /// The last attempt's error.
        last: VfLinkError,
    },
}

impl VfHandshakeError {
    /// The last error seen.
    #[must_use]
    pub const fn last_error(&self) -> VfLinkError {
        match self {
            Self::Fatal { error, .. } => *error,
            Self::GaveUp { last, .. } => *last,
        }
    }
}

/// Why a VF register sequence failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VfDeviceError {
    /// The VF reads all ones (surprise removal).
    DeviceGone(DeviceGone),
    /// VTSTATUS.LU did not come up in time.
    LinkTimeout {
        /// How long was waited.
        waited: Duration,
    },
    /// The generation's VF has no such queue.
    NoSuchQueue(usize),
}

impl From<DeviceGone> for VfDeviceError {
    fn from(gone: DeviceGone) -> Self {
        Self::DeviceGone(gone)
    }
}

/// One VF function (see the module docs). `M` is the VF BAR; `C` the clock the mailbox
/// waits on.
pub struct VfDevice<M: Mmio + Clone, C: Clock> {
    regs: VfRegisters<M>,
    link: VfLink<M, C>,
    generation: Generation,
}

impl<M: Mmio + Clone, C: Clock> VfDevice<M, C> {
    /// A VF over its BAR; nothing is written until [`Self::handshake`].
    pub fn new(mmio: M, generation: Generation, clock: C, timeouts: MailboxTimeouts) -> Self {
        Self {
            regs: VfRegisters::new(mmio.clone()),
            link: VfLink::new(mmio, clock, timeouts),
            generation,
        }
    }

    /// The reset handshake (VTCTRL.RST, VF_RESET) and SET_LPE, retried under `policy` (module
    /// docs). A VF reset clears the VF's queue enables (igb-hardware.md §3 VTCTRL): open the
    /// queue pairs after this returns.
    ///
    /// IRQL: PASSIVE only. Longest wait: `policy.give_up_after` plus one attempt (≤ 1 ms
    /// reset-bit poll + 10 ms reply delay + 2 × 1 s posted timeouts).
    pub fn handshake(
        &mut self,
        policy: &VfHandshakePolicy,
    ) -> Result<HandshakeOutcome, VfHandshakeError> {
        let start = self.link.mailbox().clock().now();
        let max_attempts = policy.max_attempts.max(1);
        let mut attempts = 0u32;
        loop {
            attempts = attempts.saturating_add(1);
            let error = match self.attempt(policy.max_frame) {
                Ok(reset) => return Ok(HandshakeOutcome { reset, attempts }),
                Err(error) => error,
            };
            if !VfHandshakePolicy::is_retryable(&error) {
                return Err(VfHandshakeError::Fatal { attempts, error });
            }
            let waited = self.link.mailbox().clock().now().saturating_sub(start);
            let out_of_time = waited.saturating_add(policy.retry_delay) >= policy.give_up_after;
            if attempts >= max_attempts || out_of_time {
                return Err(VfHandshakeError::GaveUp {
                    attempts,
                    waited,
                    last: error,
                });
            }
            self.link.mailbox().clock().delay(policy.retry_delay);
        }
    }

    fn attempt(&mut self, max_frame: Option<u32>) -> Result<ResetOutcome, VfLinkError> {
        let outcome = self.link.reset()?;
        if let Some(max_frame) = max_frame {
            self.link.set_lpe(max_frame)?;
        }
        Ok(outcome)
    }

    /// Mailbox events (pings, PF resets and the re-handshake they need, [`VfLink::poll_events`]).
    /// Classify an error with [`VfHandshakePolicy::is_retryable`]: a retryable one means "the
    /// PF is still resetting, poll again later".
    ///
    /// IRQL: PASSIVE (a re-handshake waits like one attempt of [`Self::handshake`]); with
    /// nothing pending it only reads V2PMAILBOX.
    pub fn poll_events(&mut self) -> Result<VfEvents, VfLinkError> {
        self.link.poll_events()
    }

    /// Routes the VF's interrupts (igb-hardware.md §3 "Interrupts"): Rx queue 0 →
    /// [`VF_VECTOR_RX0`], Tx queue 0 → [`VF_VECTOR_TX0`] (VTIVAR), mailbox →
    /// [`VF_VECTOR_OTHER`] (VTIVAR_MISC); auto-clear and auto-mask for all three (VTEIAC,
    /// VTEIAM), all unmasked (VTEIMS); VTEICR read once to drop stale causes.
    ///
    /// IRQL: any (register accesses only).
    pub fn route_interrupts(&self) -> Result<(), VfDeviceError> {
        let generation = self.generation;
        let rx_shift = vf_ivar_shift(generation, 0, QueueDirection::Rx)
            .ok_or(VfDeviceError::NoSuchQueue(0))?;
        let tx_shift = vf_ivar_shift(generation, 0, QueueDirection::Tx)
            .ok_or(VfDeviceError::NoSuchQueue(0))?;
        // The three vectors are < MSIX_VECTORS, so the entries exist; 0 (invalid) otherwise.
        let entry = |vector| vf_ivar_entry(vector).unwrap_or(0);
        self.regs.write(
            VTIVAR,
            (entry(VF_VECTOR_RX0) << rx_shift) | (entry(VF_VECTOR_TX0) << tx_shift),
        );
        self.regs.write(VTIVAR_MISC, entry(VF_VECTOR_OTHER));
        self.regs.write(VTEIAC, ALL_VF_VECTORS);
        self.regs.write(VTEIAM, ALL_VF_VECTORS);
        self.regs.write(VTEIMS, ALL_VF_VECTORS);
        self.regs.read_present(VTEICR)?;
        Ok(())
    }

    /// Re-enables `vectors` (VTEIMS bits; auto-mask masked them on delivery), after their DPC
    /// did its work (Linux igbvf re-arms after NAPI).
    ///
    /// IRQL: any.
    pub fn rearm(&self, vectors: u32) {
        self.regs.write(VTEIMS, vectors & ALL_VF_VECTORS);
    }

    /// Masks every VF vector (halt, reset, or before a PF-reset recovery).
    ///
    /// IRQL: any.
    pub fn mask_interrupts(&self) {
        self.regs.write(VTEIMC, ALL_VF_VECTORS);
    }

    /// The link as VTSTATUS reports it (a copy of the PF's STATUS; one read, no wait).
    ///
    /// IRQL: any.
    pub fn link_status(&self) -> Result<LinkStatus, DeviceGone> {
        Ok(LinkStatus::from_status(self.regs.read_present(VTSTATUS)?))
    }

    /// Whether the VF's link is up: VTSTATUS.LU **and** a healthy mailbox relationship
    /// (handshake done, CTS seen, mailbox not timed out; Linux `check_for_link_vf`,
    /// igb-hardware.md §3 "Link").
    ///
    /// IRQL: any (one register read).
    pub fn link_up(&self) -> bool {
        self.link.is_healthy() && self.link_status().is_ok_and(|link| link.up)
    }

    /// Waits (bounded) for VTSTATUS.LU, polling every 10 ms.
    ///
    /// IRQL: PASSIVE only. Longest wait: `timeout`.
    pub fn wait_for_link(&self, timeout: Duration) -> Result<LinkStatus, VfDeviceError> {
        let mut gone = None;
        let clock = self.link.mailbox().clock();
        let result = poll_until(clock, timeout, LINK_POLL_INTERVAL, || {
            match self.regs.read_present(VTSTATUS) {
                Err(error) => {
                    gone = Some(error);
                    Some(None)
                }
                Ok(value) => (value & status::LU != 0).then_some(Some(value)),
            }
        });
        if let Some(error) = gone {
            return Err(VfDeviceError::DeviceGone(error));
        }
        match result {
            Ok(Some(value)) => Ok(LinkStatus::from_status(value)),
            Ok(None) => Err(VfDeviceError::LinkTimeout { waited: timeout }),
            Err(timeout) => Err(VfDeviceError::LinkTimeout {
                waited: timeout.waited,
            }),
        }
    }

    /// The register blocks of the VF's queue `queue` (0, and 1 on the 82576).
    pub fn queue_regs(
        &self,
        queue: usize,
    ) -> Result<(RxQueueRegs<VfBar>, TxQueueRegs<VfBar>), VfDeviceError> {
        match (
            vf::rx_queue(self.generation, queue),
            vf::tx_queue(self.generation, queue),
        ) {
            (Some(rx), Some(tx)) => Ok((rx, tx)),
            _ => Err(VfDeviceError::NoSuchQueue(queue)),
        }
    }

    /// The VF's side of the mailbox (state, MAC, CTS, counters, configuration requests).
    pub const fn link(&self) -> &VfLink<M, C> {
        &self.link
    }

    /// The VF's side of the mailbox, for requests (MAC, multicast, VLAN, LPE).
    pub fn link_mut(&mut self) -> &mut VfLink<M, C> {
        &mut self.link
    }

    /// Register access to the VF BAR.
    pub const fn regs(&self) -> &VfRegisters<M> {
        &self.regs
    }

    /// The generation.
    pub const fn generation(&self) -> Generation {
        self.generation
    }
}
