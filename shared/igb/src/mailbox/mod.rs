//! The PF↔VF mailbox protocol of the igb family, both ends, as state machines driven through
//! the register layer (`igb-hardware.md` §5, §2.5).
//!
//! * [`message`]: the 16-word message format, typed requests/replies, total decoding.
//! * [`vf`]: the VF end: [`vf::VfMailbox`] (register-level post/receive with the VFU lock
//!   and bounded waits) and [`vf::VfLink`] (reset handshake, MAC/multicast/VLAN/LPE requests,
//!   PF pings and PF resets).
//! * [`pf`]: the PF end: [`pf::PfMailbox`] serving up to 7 VFs with per-VF policy, request
//!   budget, NACK accounting and FLR handling.
//!
//! Every wait on the hardware goes through [`hw_platform::poll_until`] with the timeouts of
//! [`MailboxTimeouts`]; no loop depends on the other side behaving.

pub mod message;
pub mod pf;
pub mod vf;

use core::time::Duration;

/// Timeouts of the mailbox waits. The defaults are the values Linux igb/igbvf use
/// (`igb-hardware.md` §5.4, §3 "VF checklist").
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MailboxTimeouts {
    /// How long a VF waits for PFACK after posting, and for PFSTS when expecting a reply:
    /// Linux igbvf polls 2000 × 500 µs ≈ 1 s.
    pub posted: Duration,
    /// Poll interval of posted waits (500 µs).
    pub posted_interval: Duration,
    /// How long either side tries to take the buffer lock (VFU / PFU): 10 × 1 ms.
    pub lock: Duration,
    /// Poll interval of lock attempts (1 ms).
    pub lock_interval: Duration,
    /// How long a VF waits, after VTCTRL.RST, for the mailbox to show neither RSTI nor RSTD:
    /// Linux igbvf polls 200 × 5 µs = 1 ms.
    pub reset_bits: Duration,
    /// Poll interval of the reset-bit wait (5 µs).
    pub reset_bits_interval: Duration,
    /// Pause between posting VF_RESET and reading the reply: Linux igbvf sleeps 10 ms.
    pub reset_reply_delay: Duration,
}

impl MailboxTimeouts {
    /// The Linux values.
    pub const LINUX: Self = Self {
        posted: Duration::from_millis(1000),
        posted_interval: Duration::from_micros(500),
        lock: Duration::from_millis(10),
        lock_interval: Duration::from_millis(1),
        reset_bits: Duration::from_millis(1),
        reset_bits_interval: Duration::from_micros(5),
        reset_reply_delay: Duration::from_millis(10),
    };
}

impl Default for MailboxTimeouts {
    fn default() -> Self {
        Self::LINUX
    }
}
