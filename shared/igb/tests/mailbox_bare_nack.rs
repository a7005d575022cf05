//! Our VF end ([`VfLink`]) against a scripted PF that is not Linux igb: it writes a bare NACK
//! (0x40000000: no message type, no CTS) every time the VF acknowledges one of its messages,
//! and it acknowledges a request in one step and writes the reply in a later one.
//!
//! Such a PF made our VF read its own request back as the PF's reply, about one attach in
//! six: the VF's lock retried while the PF held the buffer for its NACK, the PFSTS of that
//! NACK was saved in the software copy of V2PMAILBOX, the VF's post overwrote the NACK, and
//! the wait for the reply was then satisfied at once by the stale flag.
//!
//! Determinism: everything runs on the test thread through `igb_model`. The scripted PF acts
//! (1) each time the VF delays (its "interrupt handler" runs, as in `mailbox_model.rs`), and
//! (2) just before the VF writes VFU to take the buffer, which is how the PF "wins" the race
//! for the buffer at exactly the moment that broke.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use hw_platform::{Clock, Mmio};
use igb::filters::MacAddr;
use igb::mailbox::MailboxTimeouts;
use igb::mailbox::message::{VfRequest, header, header_id, id};
use igb::mailbox::vf::{LinkState, NACK_RESET_INTERVAL, VfLink, VfLinkError, VfMailboxError};
use igb::regs::PfRegisters;
use igb::regs::pf::{self, mbvficr, pf_mailbox_bits as p2v};
use igb::regs::vf::{V2PMAILBOX, v2p_mailbox_bits as v2p};
use igb_model::{Device, Generation, ModelClock, PfBar, PumpClock, VfBar};

const VF: usize = 0;
const ASSIGNED_MAC: MacAddr = [0x02, 0x1B, 0xAD, 0x00, 0x00, 0x01];
const BARE_NACK: u32 = header::NACK;

/// The PF implementation under which our VF failed (see the module docs).
struct ScriptedPf {
    regs: PfRegisters<PfBar>,
    /// The bare NACK has been written and the PF still holds the buffer (PFU).
    holding_nack: bool,
    /// A bare NACK is owed (the VF ACKed a PF message) but not yet written.
    nack_owed: bool,
    /// Reply words to write on the next step (the PF answers "late").
    reply_due: Option<Vec<u32>>,
    /// Requests received, by message id.
    requests: Vec<u16>,
    /// Bare NACKs written.
    nacks_written: u32,
    /// Drop (never ACK nor answer) the request with this ordinal (0 = first).
    lose_request: Option<usize>,
}

impl ScriptedPf {
    fn new(device: &Device) -> Self {
        Self {
            regs: PfRegisters::new(device.pf_bar()),
            holding_nack: false,
            nack_owed: false,
            reply_due: None,
            requests: Vec::new(),
            nacks_written: 0,
            lose_request: None,
        }
    }

    fn mailbox(&self) -> igb::regs::PfReg {
        pf::pf_mailbox(VF).unwrap()
    }

    fn take_buffer(&self) -> bool {
        self.regs.write(self.mailbox(), p2v::PFU);
        self.regs.read(self.mailbox()) & p2v::PFU != 0
    }

    fn write_words(&self, words: &[u32]) {
        for (index, word) in words.iter().enumerate() {
            self.regs.write(pf::vmbmem(VF, index).unwrap(), *word);
        }
    }

    /// Takes the VF's "I read your message" (VFACK) from MBVFICR: each one owes a bare NACK.
    fn note_vf_acks(&mut self) {
        let vfack = 1 << (mbvficr::VFACK_SHIFT + VF as u32);
        if self.regs.read(pf::MBVFICR) & vfack != 0 {
            self.regs.write(pf::MBVFICR, vfack);
            self.nack_owed = true;
        }
    }

    /// Called just before the VF writes VFU: the PF grabs the buffer first and writes its
    /// bare NACK, but does not release the buffer yet.
    fn race_for_buffer(&mut self) {
        self.note_vf_acks();
        if self.nack_owed && !self.holding_nack && self.reply_due.is_none() && self.take_buffer() {
            self.write_words(&[BARE_NACK]);
            self.nack_owed = false;
            self.holding_nack = true;
        }
    }

    /// One step of the PF's interrupt handler.
    fn step(&mut self) {
        if self.holding_nack {
            // STS without PFU: message posted, buffer released.
            self.regs.write(self.mailbox(), p2v::STS);
            self.holding_nack = false;
            self.nacks_written += 1;
            return;
        }
        if let Some(words) = self.reply_due.take() {
            if self.take_buffer() {
                self.write_words(&words);
                self.regs.write(self.mailbox(), p2v::STS);
            } else {
                self.reply_due = Some(words);
            }
            return;
        }
        let vfreq = 1 << (mbvficr::VFREQ_SHIFT + VF as u32);
        if self.regs.read(pf::MBVFICR) & vfreq != 0 {
            self.regs.write(pf::MBVFICR, vfreq);
            if !self.take_buffer() {
                return;
            }
            let head = self.regs.read(pf::vmbmem(VF, 0).unwrap());
            let ordinal = self.requests.len();
            self.requests.push(header_id(head));
            if self.lose_request == Some(ordinal) {
                // Lost: the buffer is released without ACK, and no reply follows.
                self.regs.write(self.mailbox(), 0);
                return;
            }
            // ACK now (releases the buffer), the reply on a later step.
            self.regs.write(self.mailbox(), p2v::ACK);
            self.reply_due = Some(if header_id(head) == id::RESET {
                let [a, b, c, d, e, f] = ASSIGNED_MAC;
                vec![
                    u32::from(id::RESET) | header::ACK,
                    u32::from_le_bytes([a, b, c, d]),
                    u32::from_le_bytes([e, f, 0, 0]),
                ]
            } else {
                vec![(head & 0x00FF_FFFF) | header::ACK | header::CTS]
            });
            return;
        }
        self.note_vf_acks();
        if self.nack_owed && self.take_buffer() {
            self.write_words(&[BARE_NACK]);
            self.regs.write(self.mailbox(), p2v::STS);
            self.nack_owed = false;
            self.nacks_written += 1;
        }
    }
}

struct Rig {
    clock: ModelClock,
    pf: RefCell<ScriptedPf>,
}

/// The VF BAR, with the PF's race for the buffer just before every VFU write.
#[derive(Clone)]
struct VfView {
    bar: VfBar,
    rig: Rc<Rig>,
}

impl Mmio for VfView {
    fn read32(&self, offset: u32) -> u32 {
        self.bar.read32(offset)
    }
    fn write32(&self, offset: u32, value: u32) {
        if offset == V2PMAILBOX.offset() && value & v2p::VFU != 0 {
            self.rig.pf.borrow_mut().race_for_buffer();
        }
        self.bar.write32(offset, value);
    }
}

fn rig() -> (Device, Rc<Rig>, VfLink<VfView, PumpClock>) {
    let device = Device::new(Generation::I82576);
    device.enable_vfs(1).unwrap();
    let regs = PfRegisters::new(device.pf_bar());
    // PF ready: RSTD for the VF (§2.1 step 6).
    regs.set_bits(pf::CTRL_EXT, pf::ctrl_ext::PFRSTD);
    let rig = Rc::new(Rig {
        clock: device.clock(),
        pf: RefCell::new(ScriptedPf::new(&device)),
    });
    let link = VfLink::new(
        VfView {
            bar: device.vf_bar(VF as u8),
            rig: Rc::clone(&rig),
        },
        {
            // Each VF delay is one PF step, then virtual time advances.
            let rig = Rc::clone(&rig);
            PumpClock::new(rig.clock.clone(), move || rig.pf.borrow_mut().step())
        },
        MailboxTimeouts::LINUX,
    );
    (device, rig, link)
}

/// The exact interleaving of the field failure: reset reply ACKed → the PF grabs the buffer
/// for its bare NACK while our SET_LPE's lock retries → the PF ACKs SET_LPE and replies late.
/// Before the fix: `SET_LPE 1522: MalformedReply(BadReplyFlags(5))` (our own request read
/// back). After it: the reply is awaited and SET_LPE succeeds.
#[test]
fn bare_nack_during_the_lock_retry_does_not_make_our_request_look_like_the_reply() {
    let (_device, rig, mut link) = rig();
    let outcome = link.reset().expect("reset handshake");
    assert_eq!(outcome.assigned_mac, Some(ASSIGNED_MAC));
    let before = link.mailbox().stats();

    assert_eq!(link.set_lpe(1522), Ok(()));

    let after = link.mailbox().stats();
    let pf = rig.pf.borrow();
    assert_eq!(pf.requests, vec![id::RESET, id::SET_LPE]);
    // The race happened: the lock was retried once while the PF held the buffer, and the
    // NACK it wrote was overwritten by SET_LPE. Its flag was dropped, not taken as a reply.
    assert_eq!(
        pf.nacks_written, 1,
        "the PF wrote its bare NACK during our lock retry"
    );
    assert_eq!(after.stale_message_flags - before.stale_message_flags, 1);
    assert_eq!(link.state(), LinkState::Ready);
    assert_eq!(link.stats().malformed, 0);
}

/// A buffer that still holds our own request when we look for the reply means "not yet":
/// released without ACK (the PF sent nothing to acknowledge), and the wait goes on.
#[test]
fn a_buffer_still_holding_our_request_is_not_a_reply_and_is_not_acknowledged() {
    let (device, _rig, mut link) = rig();
    let mailbox = link.mailbox_mut();
    mailbox
        .post(&VfRequest::SetLpe { max_frame: 1522 }.encode())
        .unwrap();
    let regs = PfRegisters::new(device.pf_bar());
    regs.write(pf::MBVFICR, u32::MAX);

    assert_eq!(mailbox.receive_reply(id::SET_LPE), Ok(None));
    assert_eq!(mailbox.stats().own_request_seen, 1);
    assert_eq!(
        regs.read(pf::MBVFICR) & (1 << (mbvficr::VFACK_SHIFT + VF as u32)),
        0,
        "no VFACK for a message the PF never sent"
    );
    // The buffer was released: the PF can take it.
    regs.write(pf::pf_mailbox(VF).unwrap(), p2v::PFU);
    assert_ne!(regs.read(pf::pf_mailbox(VF).unwrap()) & p2v::PFU, 0);
}

/// 100 request/reply exchanges with a PF that sends a bare NACK after every VF ACK, with
/// traffic time (200 ms) between exchanges and the driver's event poll after each: every
/// request succeeds, the VF stays Ready, and the NACKs cause at most one handshake per 10 s.
#[test]
fn bare_nack_after_every_ack_for_100_exchanges_keeps_the_vf_ready_and_resets_rate_limited() {
    let (_device, rig, mut link) = rig();
    link.reset().expect("reset handshake");
    let start = link.mailbox().clock().now();
    for exchange in 0..100u32 {
        let result = if exchange % 2 == 0 {
            link.set_lpe(1522 + exchange)
        } else {
            link.set_vlan(100 + u16::try_from(exchange).unwrap(), true)
                .and_then(|()| link.set_vlan(100 + u16::try_from(exchange).unwrap(), false))
        };
        assert_eq!(result, Ok(()), "exchange {exchange}");
        // Traffic time: the PF's handler runs meanwhile (and writes the NACK it owes).
        for _ in 0..4 {
            rig.pf.borrow_mut().step();
            rig.clock.advance(Duration::from_millis(50));
        }
        link.poll_events().expect("event poll");
        assert_eq!(link.state(), LinkState::Ready, "after exchange {exchange}");
    }
    let elapsed = link.mailbox().clock().now() - start;
    let pf = rig.pf.borrow();
    let handshakes = pf.requests.iter().filter(|id| **id == id::RESET).count();
    let allowed = 1 + (elapsed.as_nanos() / NACK_RESET_INTERVAL.as_nanos()) as usize;
    let stats = link.stats();
    assert!(elapsed >= Duration::from_secs(20), "elapsed {elapsed:?}");
    // A bare NACK once the interval has passed still asks for a handshake (Linux igb sends
    // one after a PF reset), so there are some, but no more than one per interval.
    assert!(
        (2..=allowed).contains(&handshakes),
        "{handshakes} handshakes in {elapsed:?}: between 2 and {allowed} expected"
    );
    assert!(
        stats.bare_nacks >= 100,
        "bare NACKs counted: {}",
        stats.bare_nacks
    );
    assert!(
        stats.bare_nacks_ignored >= stats.bare_nacks - 3,
        "only rate-limited NACKs may cause a handshake: {stats:?}"
    );
    assert_eq!(stats.malformed, 0);
    assert_eq!(usize::try_from(stats.resets).unwrap(), handshakes);
}

/// The same PF sometimes loses a request that arrives just before it writes its NACK: the
/// VF's wait for PFACK times out, and a new handshake (what the driver's retry policy does on
/// an AckTimeout) brings the link back.
#[test]
fn a_lost_request_times_out_and_a_new_handshake_recovers() {
    let (_device, rig, mut link) = rig();
    link.reset().expect("reset handshake");
    rig.pf.borrow_mut().lose_request = Some(1);

    assert_eq!(
        link.set_lpe(1522),
        Err(VfLinkError::Mailbox(VfMailboxError::AckTimeout))
    );
    assert!(link.mailbox().is_disabled());
    link.reinitialise().expect("new handshake");
    assert_eq!(link.set_lpe(1522), Ok(()));
    assert_eq!(link.state(), LinkState::Ready);
}
