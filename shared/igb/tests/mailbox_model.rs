//! The mailbox protocol end to end through the device model: the PF end ([`PfMailbox`])
//! against VF ends ([`VfLink`]) on one `igb_model::Device`.
//!
//! Determinism: the VF side runs on the test thread with a [`PumpClock`]. Every time a VF
//! waits (`Clock::delay`), the PF gets one `service()` step, then virtual time advances. So
//! the PF answers exactly when a real PF's interrupt handler could, nothing runs
//! concurrently, and every wait is bounded by the (virtual) timeouts: a broken PF makes a
//! test fail with a timeout error, never hang.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use hw_platform::{Clock, Mmio};
use igb::filters::{MacAddr, RarEntry, VlanId, VlvfEntry, Vmolr, vf_rar_index};
use igb::mailbox::MailboxTimeouts;
use igb::mailbox::message::{Message, PfMessage, VfRequest, header, id, make_header};
use igb::mailbox::pf::{EventKind, NackReason, PfMailbox, VfPolicy, VfState};
use igb::mailbox::vf::{LinkState, MulticastMode, VfLink, VfLinkError, VfMailboxError};
use igb::regs::pf;
use igb::regs::{PfRegisters, PoolMask};
use igb::slots::{FilterSlots, Owner};
use igb_model::{Device, Generation, ModelClock, PfBar, PumpClock, VfBar};

const GEN: Generation = Generation::I82576;
const ADMIN_MAC: MacAddr = [0x02, 0xAD, 0x00, 0x00, 0x00, 0x01];
const OWN_MAC: MacAddr = [0x02, 0x00, 0x00, 0x00, 0x00, 0x77];

/// Test code run just before the PF reads MBVFICR.
type ReadHook = Rc<RefCell<Option<Box<dyn FnMut()>>>>;
/// Test code run before each PF service step.
type ServiceHook = RefCell<Option<Box<dyn FnMut(&Device)>>>;

/// A PF BAR wrapper that lets a test act "concurrently" with the PF: `on_mbvficr_read` runs
/// just before every PF read of MBVFICR (used by the flooding VF).
#[derive(Clone)]
struct PfView {
    bar: PfBar,
    on_mbvficr_read: ReadHook,
}

impl Mmio for PfView {
    fn read32(&self, offset: u32) -> u32 {
        if offset == pf::MBVFICR.offset() {
            if let Ok(mut hook) = self.on_mbvficr_read.try_borrow_mut() {
                if let Some(hook) = hook.as_mut() {
                    hook();
                }
            }
        }
        self.bar.read32(offset)
    }
    fn write32(&self, offset: u32, value: u32) {
        self.bar.write32(offset, value);
    }
}

/// One device, the PF mailbox serving it, and a hook run before each PF service step.
struct Rig {
    device: Device,
    clock: ModelClock,
    regs: PfRegisters<PfView>,
    pf: RefCell<PfMailbox>,
    /// The filter tables the PF shares with the VFs (the controller's, in the driver).
    slots: RefCell<FilterSlots>,
    before_service: ServiceHook,
    /// PF servicing can be paused (a PF that does not answer).
    pf_running: Cell<bool>,
    services: Cell<u32>,
}

impl Rig {
    fn new(num_vfs: u8) -> Rc<Self> {
        let device = Device::new(GEN);
        device.enable_vfs(num_vfs).unwrap();
        let view = PfView {
            bar: device.pf_bar(),
            on_mbvficr_read: Rc::new(RefCell::new(None)),
        };
        let regs = PfRegisters::new(view);
        let mut mailbox = PfMailbox::new(GEN, usize::from(num_vfs)).unwrap();
        let mut slots = FilterSlots::new(GEN, usize::from(num_vfs)).unwrap();
        // The PF pool's MAC in RAR0, as `PfDevice::configure_pools` puts it.
        slots
            .add_mac(Owner::PfPool, igb_model::DEFAULT_MAC)
            .unwrap();
        mailbox.start(&regs, &mut slots);
        // The PF is configured: tell the VFs (CTRL_EXT.PFRSTD → RSTD, §2.1 step 6).
        regs.set_bits(pf::CTRL_EXT, pf::ctrl_ext::PFRSTD);
        Rc::new(Self {
            clock: device.clock(),
            device,
            regs,
            pf: RefCell::new(mailbox),
            slots: RefCell::new(slots),
            before_service: RefCell::new(None),
            pf_running: Cell::new(true),
            services: Cell::new(0),
        })
    }

    /// One PF interrupt-handler step.
    fn pump(&self) {
        if let Some(hook) = self.before_service.borrow_mut().as_mut() {
            hook(&self.device);
        }
        if !self.pf_running.get() {
            return;
        }
        if let Ok(mut pf) = self.pf.try_borrow_mut() {
            pf.service(&self.regs, &mut self.slots.borrow_mut(), &self.clock);
            self.services.set(self.services.get() + 1);
        }
    }

    fn vf(self: &Rc<Self>, vf: u8) -> VfLink<VfBar, PumpClock> {
        VfLink::new(
            self.device.vf_bar(vf),
            {
                // Each VF delay is a moment the PF's interrupt handler runs.
                let rig = Rc::clone(self);
                PumpClock::new(self.clock.clone(), move || rig.pump())
            },
            MailboxTimeouts::LINUX,
        )
    }

    fn set_policy(&self, vf: usize, policy: VfPolicy) {
        self.pf
            .borrow_mut()
            .set_policy(vf, policy, &self.regs, &self.clock)
            .unwrap();
    }

    fn rar(&self, vf: usize) -> RarEntry {
        let index = vf_rar_index(GEN, vf).unwrap();
        RarEntry::decode(
            self.regs.read(pf::ral(GEN, index).unwrap()),
            self.regs.read(pf::rah(GEN, index).unwrap()),
        )
    }

    fn vmolr(&self, pool: usize) -> Vmolr {
        Vmolr::decode(self.regs.read(pf::vmolr(pool).unwrap()))
    }

    /// VLANs whose VLVF entry has `pool`.
    fn vlans_of(&self, pool: usize) -> Vec<u16> {
        let mut vids: Vec<u16> = (0..pf::VLVF_ENTRIES)
            .map(|index| VlvfEntry::decode(self.regs.read(pf::vlvf(index).unwrap())))
            .filter(|entry| entry.enabled && entry.pools.contains(pool))
            .map(|entry| entry.vid.get())
            .collect();
        vids.sort_unstable();
        vids
    }

    fn vfta_has(&self, vid: u16) -> bool {
        let bit = VlanId::new(vid).unwrap().vfta_bit();
        self.regs.read(pf::vfta(bit.register).unwrap()) & bit.mask() != 0
    }

    fn mta_has(&self, mac: &MacAddr) -> bool {
        let bit = igb::filters::mta_bit(mac);
        self.regs.read(pf::mta(bit.register).unwrap()) & bit.mask() != 0
    }

    fn pool_enabled(&self, pool: usize) -> (bool, bool) {
        let bit = 1 << pool;
        (
            self.regs.read(pf::VFRE) & bit != 0,
            self.regs.read(pf::VFTE) & bit != 0,
        )
    }

    fn state(&self, vf: usize) -> VfState {
        self.pf.borrow().vf_state(vf).unwrap()
    }

    fn nacks(&self, vf: usize, reason: NackReason) -> u32 {
        self.pf.borrow().counters(vf).unwrap().nacks_by_reason[reason.index()]
    }
}

fn admin_mac_policy() -> VfPolicy {
    VfPolicy {
        admin_mac: Some(ADMIN_MAC),
        ..VfPolicy::default()
    }
}

#[test]
fn reset_handshake_returns_the_administratively_set_mac() {
    let rig = Rig::new(2);
    rig.set_policy(0, admin_mac_policy());
    let mut vf0 = rig.vf(0);
    assert_eq!(rig.state(0), VfState::Resetting);
    assert_eq!(rig.pool_enabled(0), (false, false));

    let outcome = vf0.reset().expect("handshake");
    assert_eq!(outcome.assigned_mac, Some(ADMIN_MAC));
    // The reply's first word is exactly VF_RESET|ACK: Linux igbvf compares it for equality
    // and rejects a reply carrying CTS (found in the QEMU tier, scenario b).
    let word0 = rig
        .regs
        .read(pf::vmbmem(0, 0).expect("VF 0 message word 0"));
    assert_eq!(word0, 0x8000_0001, "reset reply word 0 = {word0:#x}");
    assert!(!outcome.cts);
    assert_eq!(vf0.state(), LinkState::Ready);
    assert_eq!(vf0.mac(), Some(ADMIN_MAC));
    // CTS arrives with the next reply; only then is the mailbox side of the link healthy.
    assert!(!vf0.is_healthy());
    vf0.set_lpe(1522).expect("SET_LPE");
    assert!(vf0.clear_to_send());
    assert!(vf0.is_healthy());

    // What the hardware does: the VF's RAR (filled from the end) matches the admin MAC for
    // pool 0 only, and pool 0's Rx/Tx are enabled.
    assert_eq!(
        rig.rar(0),
        RarEntry::new(ADMIN_MAC, PoolMask::single(0).unwrap())
    );
    assert_eq!(rig.pool_enabled(0), (true, true));
    assert_eq!(rig.pool_enabled(1), (false, false));
    assert_eq!(rig.state(0), VfState::Ready);
    assert_eq!(rig.pf.borrow().counters(0).unwrap().resets, 1);

    // A VF without an admin MAC gets a NACK (no MAC) and must set its own.
    let mut vf1 = rig.vf(1);
    let outcome = vf1.reset().expect("handshake");
    assert_eq!(outcome.assigned_mac, None);
    assert!(!rig.rar(1).valid, "no MAC, no RAR entry");
    vf1.set_mac(OWN_MAC).expect("own MAC accepted");
    assert_eq!(
        rig.rar(1),
        RarEntry::new(OWN_MAC, PoolMask::single(1).unwrap())
    );
    assert_eq!(rig.pf.borrow().vf_mac(1).unwrap(), Some(OWN_MAC));
    assert_eq!(vf1.mac(), Some(OWN_MAC));
    // The handshake NACK is not misbehaviour: counted by reason, never logged.
    assert_eq!(rig.nacks(1, NackReason::NoMacAssigned), 1);
    assert!(
        rig.pf
            .borrow()
            .log()
            .iter()
            .all(|event| !(event.vf == 1 && matches!(event.kind, EventKind::Nack { .. })))
    );
}

#[test]
fn set_mac_is_refused_when_the_admin_mac_is_set() {
    let rig = Rig::new(1);
    rig.set_policy(
        0,
        VfPolicy {
            admin_vlan: VlanId::new(42),
            ..admin_mac_policy()
        },
    );
    let mut vf0 = rig.vf(0);
    vf0.reset().unwrap();

    assert_eq!(
        vf0.set_mac(OWN_MAC),
        Err(VfLinkError::Nacked {
            id: id::SET_MAC_ADDR,
            cts: true
        })
    );
    // Still the admin MAC, on both sides and in the hardware.
    assert_eq!(vf0.mac(), Some(ADMIN_MAC));
    assert_eq!(vf0.state(), LinkState::Ready);
    assert_eq!(
        rig.rar(0),
        RarEntry::new(ADMIN_MAC, PoolMask::single(0).unwrap())
    );
    assert_eq!(rig.nacks(0, NackReason::AdminMac), 1);

    // The port VLAN wins too: programmed at reset (VLVF + VFTA + VMVIR insert, no untagged),
    // and the VF's own VLAN request is refused.
    assert_eq!(rig.vlans_of(0), vec![42]);
    assert!(rig.vfta_has(42));
    assert_eq!(
        rig.regs.read(pf::vmvir(0).unwrap()),
        pf::vmvir_bits::VLANA_DEFAULT | 42
    );
    assert!(!rig.vmolr(0).aupe && rig.vmolr(0).strvlan);
    assert_eq!(
        vf0.set_vlan(7, true),
        Err(VfLinkError::Nacked {
            id: id::SET_VLAN,
            cts: true
        })
    );
    assert_eq!(rig.vlans_of(0), vec![42]);
    assert_eq!(rig.nacks(0, NackReason::AdminVlan), 1);
}

#[test]
fn mac_filter_clears_are_acked_and_extra_filters_refused() {
    // Linux igbvf sends SET_MAC_ADDR/MSGINFO 1 ("clear extra unicast filters") on every
    // Rx-mode change; a PF that NACKs it logs a well-behaved VF as misbehaving (seen against
    // igbvf in the QEMU tier). This PF grants no extra filters, so ADD is refused by policy.
    let rig = Rig::new(1);
    rig.set_policy(0, admin_mac_policy());
    let mut vf0 = rig.vf(0);
    vf0.reset().expect("handshake");
    assert_eq!(
        raw_exchange(&mut vf0, &VfRequest::ClearMacFilters.encode()),
        PfMessage::Reply {
            id: id::SET_MAC_ADDR,
            info: 1,
            accepted: true,
            cts: true
        }
    );
    assert_eq!(
        raw_exchange(&mut vf0, &VfRequest::AddMacFilter(OWN_MAC).encode()),
        PfMessage::Reply {
            id: id::SET_MAC_ADDR,
            info: 2,
            accepted: false,
            cts: true
        }
    );
    assert_eq!(rig.nacks(0, NackReason::Malformed), 0);
    assert_eq!(rig.nacks(0, NackReason::NotPermitted), 1);
    // Only the admin MAC's RAR entry exists for pool 0.
    assert_eq!(rig.rar(0).mac, ADMIN_MAC);
}

#[test]
fn extra_mac_filters_stop_at_the_vfs_rar_cap_and_clear_frees_them() {
    // max_mac_filters = 1: the VF's own address plus one filter, each a RAR entry of pool 0.
    let rig = Rig::new(2);
    rig.set_policy(
        0,
        VfPolicy {
            max_mac_filters: 1,
            ..VfPolicy::default()
        },
    );
    let mut vf0 = rig.vf(0);
    vf0.reset().unwrap();
    let filter_a: MacAddr = [0x02, 0, 0, 0, 0, 0xA1];
    let filter_b: MacAddr = [0x02, 0, 0, 0, 0, 0xB1];
    let reply = |vf0: &mut VfLink<VfBar, PumpClock>, request: VfRequest| match raw_exchange(
        vf0,
        &request.encode(),
    ) {
        PfMessage::Reply { accepted, .. } => accepted,
        other => panic!("{other:?}"),
    };
    let pool0_entries = || {
        (0..24)
            .map(|index| {
                RarEntry::decode(
                    rig.regs.read(pf::ral(GEN, index).unwrap()),
                    rig.regs.read(pf::rah(GEN, index).unwrap()),
                )
            })
            .filter(|entry| entry.valid && entry.pools == PoolMask(1))
            .map(|entry| entry.mac)
            .collect::<Vec<_>>()
    };
    // Before the VF set its own address: one filter, and the second is refused although the
    // pool's two RAR entries are not both used, so the VF's own address keeps its entry.
    assert!(reply(&mut vf0, VfRequest::AddMacFilter(filter_a)));
    assert!(!reply(&mut vf0, VfRequest::AddMacFilter(filter_b)));
    assert_eq!(rig.nacks(0, NackReason::MacFilterLimit), 1);
    vf0.set_mac(OWN_MAC).unwrap();
    assert!(!reply(&mut vf0, VfRequest::AddMacFilter(filter_b)));
    assert_eq!(rig.nacks(0, NackReason::MacFilterLimit), 2);
    // Another function's MAC is refused as a filter too.
    assert!(!reply(
        &mut vf0,
        VfRequest::AddMacFilter(igb_model::DEFAULT_MAC)
    ));
    assert_eq!(rig.nacks(0, NackReason::MacInUse), 1);
    let mut held = pool0_entries();
    held.sort_unstable();
    assert_eq!(held, vec![OWN_MAC, filter_a]);
    // CLEAR drops the filter, keeps the VF's own address; the freed cap takes B.
    assert!(reply(&mut vf0, VfRequest::ClearMacFilters));
    assert_eq!(pool0_entries(), vec![OWN_MAC]);
    assert!(reply(&mut vf0, VfRequest::AddMacFilter(filter_b)));
    // VF1 (no extra filters by policy) is refused and still served.
    let mut vf1 = rig.vf(1);
    vf1.reset().unwrap();
    assert!(!reply(&mut vf1, VfRequest::AddMacFilter(filter_a)));
    assert_eq!(rig.nacks(1, NackReason::NotPermitted), 1);
    assert_eq!(vf1.set_mac([0x02, 0, 0, 0, 0, 0xC1]), Ok(()));
}

#[test]
fn set_lpe_raises_the_pools_rlpml() {
    let rig = Rig::new(2);
    let mut vf1 = rig.vf(1);
    vf1.reset().unwrap();
    assert_eq!(rig.vmolr(1).rlpml, 1522);

    vf1.set_lpe(9018).expect("jumbo accepted");
    let vmolr = rig.vmolr(1);
    assert_eq!(vmolr.rlpml, 9018);
    assert!(vmolr.lpe);
    // Only the VF's own pool changed.
    assert_ne!(rig.vmolr(0).rlpml, 9018);

    // Out of range: the VF API refuses locally; a raw request is NACKed by the PF.
    assert_eq!(vf1.set_lpe(0x4000), Err(VfLinkError::InvalidArgument));
    let reply = raw_exchange(&mut vf1, &VfRequest::SetLpe { max_frame: 0x4000 }.encode());
    assert_eq!(
        reply,
        PfMessage::Reply {
            id: id::SET_LPE,
            info: 0,
            accepted: false,
            cts: true
        }
    );
    assert_eq!(rig.vmolr(1).rlpml, 9018);
    assert_eq!(rig.nacks(1, NackReason::InvalidFrameSize), 1);
}

#[test]
fn multicast_lists_program_the_mta_and_overflow_becomes_promiscuous() {
    let rig = Rig::new(1);
    let mut vf0 = rig.vf(0);
    vf0.reset().unwrap();
    let groups: Vec<MacAddr> = (0..40u16)
        .map(|n| [0x01, 0x00, 0x5E, 0x00, (n << 4) as u8, (n >> 4) as u8 + 1])
        .collect();
    assert_eq!(
        vf0.set_multicast(&groups[..3]),
        Ok(MulticastMode::Filtered(3))
    );
    assert!(groups[..3].iter().all(|mac| rig.mta_has(mac)));
    assert!(!rig.mta_has(&groups[3]));
    assert!(rig.vmolr(0).rompe && !rig.vmolr(0).mpme);

    // 40 distinct hashes do not fit in one message: multicast promiscuous instead.
    assert_eq!(vf0.set_multicast(&groups), Ok(MulticastMode::Promiscuous));
    assert!(rig.vmolr(0).mpme);
    // Back to a short list: promiscuous off again.
    assert_eq!(
        vf0.set_multicast(&groups[5..6]),
        Ok(MulticastMode::Filtered(1))
    );
    assert!(!rig.vmolr(0).mpme);
    assert!(rig.mta_has(&groups[5]) && !rig.mta_has(&groups[0]));

    // A PF policy without multicast promiscuous refuses the overflow.
    rig.set_policy(
        0,
        VfPolicy {
            allow_multicast_promiscuous: false,
            ..VfPolicy::default()
        },
    );
    // The policy change told the running VF to re-run its handshake.
    let events = vf0.poll_events().unwrap();
    assert!(events.reset_requested && events.reinitialised.is_some());
    assert_eq!(
        vf0.set_multicast(&groups),
        Err(VfLinkError::Nacked {
            id: id::SET_PROMISC,
            cts: true
        })
    );
    assert!(!rig.vmolr(0).mpme);
}

/// Posts a raw message from the VF and returns the PF's decoded reply.
fn raw_exchange(vf: &mut VfLink<VfBar, PumpClock>, message: &Message) -> PfMessage {
    let mailbox = vf.mailbox_mut();
    mailbox.write_posted(message).expect("PF acknowledged");
    let reply = mailbox.read_posted().expect("PF replied");
    PfMessage::decode(reply.words()).expect("well-formed reply")
}

#[test]
fn malformed_messages_are_nacked_and_counted() {
    let rig = Rig::new(2);
    let mut vf0 = rig.vf(0);
    vf0.reset().unwrap();

    // Unknown opcode.
    let unknown = Message::from_words(&[0x0000_0042]).unwrap();
    assert_eq!(
        raw_exchange(&mut vf0, &unknown),
        PfMessage::Reply {
            id: 0x42,
            info: 0,
            accepted: false,
            cts: true
        }
    );
    // SET_MULTICAST claiming 31 hashes.
    let mut words = [0u32; 16];
    words[0] = make_header(id::SET_MULTICAST, 31);
    let too_many = Message::from_words(&words).unwrap();
    assert_eq!(
        raw_exchange(&mut vf0, &too_many),
        PfMessage::Reply {
            id: id::SET_MULTICAST,
            info: 31,
            accepted: false,
            cts: true
        }
    );
    // A request carrying reply flags.
    let flagged = Message::from_words(&[u32::from(id::SET_LPE) | header::ACK, 1500]).unwrap();
    let reply = raw_exchange(&mut vf0, &flagged);
    assert!(matches!(
        reply,
        PfMessage::Reply {
            accepted: false,
            ..
        }
    ));

    let counters = rig.pf.borrow().counters(0).unwrap();
    assert_eq!(counters.malformed, 3);
    assert_eq!(counters.nacks_by_reason[NackReason::Malformed.index()], 3);
    // The VF is still in good standing: malformed input is refused, not punished.
    assert_eq!(rig.state(0), VfState::Ready);
    assert_eq!(vf0.set_lpe(1522), Ok(()));

    // A message before the reset handshake: VF1 never reset. NACK without CTS.
    let mut vf1 = rig.vf(1);
    let early = VfRequest::SetMacAddr(OWN_MAC).encode();
    assert_eq!(
        raw_exchange(&mut vf1, &early),
        PfMessage::Reply {
            id: id::SET_MAC_ADDR,
            info: 0,
            accepted: false,
            cts: false
        }
    );
    assert_eq!(rig.nacks(1, NackReason::NotClearToSend), 1);
    assert!(!rig.rar(1).valid, "nothing was programmed");
    assert_eq!(vf1.set_mac(OWN_MAC), Err(VfLinkError::NotReady));

    // NACK logging is rate-limited per VF and reason: VF0's three NACKs within 2 s gave one entry.
    let log_entries = |vf: u8| {
        rig.pf
            .borrow()
            .log()
            .iter()
            .filter(|event| event.vf == vf && matches!(event.kind, EventKind::Nack { .. }))
            .count()
    };
    assert_eq!(log_entries(0), 1);
    assert_eq!(log_entries(1), 1);
    assert_eq!(rig.pf.borrow().log().suppressed, 2);
    let first = *rig
        .pf
        .borrow()
        .log()
        .iter()
        .find(|event| event.vf == 0 && matches!(event.kind, EventKind::Nack { .. }))
        .unwrap();
    assert!(matches!(
        first.kind,
        EventKind::Nack {
            id: 0x42,
            reason: NackReason::Malformed,
            malformed: Some(_)
        }
    ));
    rig.clock.advance(Duration::from_secs(2));
    raw_exchange(&mut vf0, &unknown);
    assert_eq!(log_entries(0), 2, "logged again after the interval");
}

#[test]
fn a_flooding_vf_does_not_delay_another_vfs_reset_beyond_its_timeout() {
    let rig = Rig::new(3);
    // VF0 floods: every time the PF looks at MBVFICR, VF0 has posted another request (the
    // worst case: it re-posts faster than the PF can serve). It never resets, so each is also
    // a "message before reset".
    // Each flooder message costs the PF 100 µs of (virtual) time, and the flood stops after
    // 20 000 messages, so a PF without a per-call budget makes this test fail on time (or on
    // the budget counters) instead of hanging.
    let flood_bar = rig.device.vf_bar(0);
    let flood_clock = rig.clock.clone();
    let posted = Rc::new(Cell::new(0u32));
    let posted_in_hook = Rc::clone(&posted);
    *rig.regs.mmio().on_mbvficr_read.borrow_mut() = Some(Box::new(move || {
        use igb::regs::vf::{V2PMAILBOX, v2p_mailbox_bits as bits, vmbmem};
        if posted_in_hook.get() >= 20_000 {
            return;
        }
        flood_clock.advance(Duration::from_micros(100));
        flood_bar.write32(V2PMAILBOX.offset(), bits::VFU);
        if flood_bar.read32(V2PMAILBOX.offset()) & bits::VFU != 0 {
            let words = VfRequest::SetVlan {
                vid: VlanId::new(5).unwrap(),
                add: true,
            }
            .encode();
            for (index, word) in words.words().iter().enumerate() {
                flood_bar.write32(vmbmem(index).unwrap().offset(), *word);
            }
            flood_bar.write32(V2PMAILBOX.offset(), bits::REQ);
            posted_in_hook.set(posted_in_hook.get() + 1);
        }
    }));

    let mut vf2 = rig.vf(2);
    let started = rig.clock.now();
    let outcome = vf2.reset();
    let took = rig.clock.now() - started;
    assert!(outcome.is_ok(), "VF2's handshake failed: {outcome:?}");
    assert_eq!(rig.state(2), VfState::Ready);
    assert!(
        took < MailboxTimeouts::LINUX.posted,
        "VF2 waited {took:?} (virtual), its timeout is 1 s"
    );
    // The flood was real and was contained by the per-VF budget.
    let flooder = rig.pf.borrow().counters(0).unwrap();
    let budget = u32::from(rig.pf.borrow().request_budget());
    assert!(posted.get() > budget);
    assert!(flooder.budget_exhausted >= 1);
    assert!(flooder.requests >= budget);
    assert_eq!(
        flooder.nacks_by_reason[NackReason::NotClearToSend.index()],
        flooder.requests
    );
    assert!(
        rig.vlans_of(0).is_empty(),
        "nothing the flooder asked for was applied"
    );

    // VF2 keeps working while the flood goes on.
    vf2.set_lpe(2000).unwrap();
    assert_eq!(rig.vmolr(2).rlpml, 2000);
    *rig.regs.mmio().on_mbvficr_read.borrow_mut() = None;
}

#[test]
fn an_flr_in_the_middle_of_a_conversation_leaves_both_sides_consistent() {
    let rig = Rig::new(2);
    let mut vf0 = rig.vf(0);
    let mut vf1 = rig.vf(1);
    vf0.reset().unwrap();
    vf1.reset().unwrap();
    vf0.set_mac(OWN_MAC).unwrap();
    vf0.set_vlan(100, true).unwrap();
    vf0.set_lpe(9018).unwrap();
    let group: MacAddr = [0x01, 0x00, 0x5E, 0x00, 0x10, 0x22];
    vf0.set_multicast(&[group]).unwrap();
    vf1.set_vlan(100, true).unwrap();
    assert_eq!(rig.vlans_of(0), vec![100]);
    // Each handshake's VTCTRL.RST was itself a VF level reset the PF saw.
    let flrs_before = rig.pf.borrow().counters(0).unwrap().flrs;

    // VF0 asks for VLAN 200; the FLR hits after it posted, before the PF serviced it.
    let fired = Rc::new(Cell::new(false));
    let fired_in_hook = Rc::clone(&fired);
    *rig.before_service.borrow_mut() = Some(Box::new(move |device: &Device| {
        if !fired_in_hook.replace(true) {
            device.vf_flr(0).unwrap();
        }
    }));
    assert_eq!(
        vf0.set_vlan(200, true),
        Err(VfLinkError::Nacked {
            id: id::SET_VLAN,
            cts: false
        })
    );
    assert!(fired.get());
    *rig.before_service.borrow_mut() = None;

    // PF side after the FLR: VF0 forgotten and its filters gone; VF1 untouched.
    assert_eq!(rig.state(0), VfState::Resetting);
    assert_eq!(rig.pf.borrow().counters(0).unwrap().flrs, flrs_before + 1);
    assert!(!rig.rar(0).valid);
    assert!(rig.vlans_of(0).is_empty());
    assert_eq!(rig.vlans_of(1), vec![100]);
    assert!(rig.vfta_has(100), "VF1 still needs VLAN 100");
    assert!(!rig.vfta_has(200));
    assert_eq!(rig.pool_enabled(0), (false, false));
    assert_eq!(rig.pool_enabled(1), (true, true));
    assert_eq!(rig.vmolr(0).rlpml, 1522);
    assert!(!rig.mta_has(&group));
    assert_eq!(rig.nacks(0, NackReason::NotClearToSend), 1);
    // VF side: it knows it must reset.
    assert_eq!(vf0.state(), LinkState::ResetRequired);
    assert!(!vf0.is_healthy());
    assert_eq!(vf0.set_lpe(1522), Err(VfLinkError::NotReady));

    // The VF re-initialises on its next poll and replays what it had asked for, including
    // the VLAN whose request the FLR interrupted.
    let events = vf0.poll_events().unwrap();
    assert!(events.reinitialised.is_some());
    assert_eq!(vf0.state(), LinkState::Ready);
    assert_eq!(rig.state(0), VfState::Ready);
    assert_eq!(vf0.mac(), Some(OWN_MAC));
    assert_eq!(rig.pf.borrow().vf_mac(0).unwrap(), Some(OWN_MAC));
    assert_eq!(
        rig.rar(0),
        RarEntry::new(OWN_MAC, PoolMask::single(0).unwrap())
    );
    assert_eq!(rig.vlans_of(0), vec![100, 200]);
    assert!(rig.vfta_has(200));
    assert_eq!(rig.vmolr(0).rlpml, 9018);
    assert!(rig.mta_has(&group) && rig.vmolr(0).rompe);
    assert_eq!(rig.pool_enabled(0), (true, true));
    // VF1 never noticed.
    assert_eq!(vf1.state(), LinkState::Ready);
    assert_eq!(vf1.set_lpe(1600), Ok(()));
}

#[test]
fn a_pf_reset_makes_the_vf_side_reinitialise() {
    let rig = Rig::new(2);
    rig.set_policy(1, admin_mac_policy());
    let mut vf0 = rig.vf(0);
    let mut vf1 = rig.vf(1);
    vf0.reset().unwrap();
    vf0.set_mac(OWN_MAC).unwrap();
    vf0.set_vlan(300, true).unwrap();
    vf0.set_lpe(4000).unwrap();
    vf1.reset().unwrap();

    // PF reset: ping without CTS, pools off, CTRL.RST (→ RSTI in every VF mailbox).
    rig.pf.borrow_mut().prepare_pf_reset(&rig.regs, &rig.clock);
    assert_eq!(rig.pool_enabled(0), (false, false));
    rig.regs.write(pf::CTRL, pf::ctrl::RST);

    let events = vf0.poll_events().unwrap();
    assert!(events.pf_resetting);
    assert_eq!(vf0.state(), LinkState::PfResetting);
    assert!(!vf0.is_healthy());
    assert_eq!(vf0.set_lpe(1522), Err(VfLinkError::NotReady));
    // While RSTI stays, a handshake attempt gives up within its bound.
    assert_eq!(vf0.reset(), Err(VfLinkError::PfResetInProgress));
    // Polling again while RSTI stays does not re-initialise.
    let events = vf0.poll_events().unwrap();
    assert!(events.pf_resetting && events.reinitialised.is_none());

    // The PF finishes (PFRSTD → RSTI clear, RSTD set): the VFs re-initialise.
    rig.pf
        .borrow_mut()
        .complete_pf_reset(&rig.regs, &mut rig.slots.borrow_mut());
    let events = vf0.poll_events().unwrap();
    let outcome = events.reinitialised.expect("re-initialised");
    assert_eq!(outcome.assigned_mac, None);
    assert_eq!(vf0.state(), LinkState::Ready);
    assert_eq!(vf0.mac(), Some(OWN_MAC));
    assert_eq!(
        rig.rar(0),
        RarEntry::new(OWN_MAC, PoolMask::single(0).unwrap())
    );
    assert_eq!(rig.vlans_of(0), vec![300]);
    assert_eq!(rig.vmolr(0).rlpml, 4000);
    assert_eq!(rig.pool_enabled(0), (true, true));

    let events = vf1.poll_events().unwrap();
    assert_eq!(
        events.reinitialised.map(|outcome| outcome.assigned_mac),
        Some(Some(ADMIN_MAC))
    );
    assert_eq!(
        rig.rar(1),
        RarEntry::new(ADMIN_MAC, PoolMask::single(1).unwrap())
    );
    assert_eq!(vf0.stats().pf_resets, 1);
    assert_eq!(vf1.stats().pf_resets, 1);
}

#[test]
fn pings_with_cts_keep_the_link_and_without_cts_force_a_handshake() {
    let rig = Rig::new(1);
    let mut vf0 = rig.vf(0);
    vf0.reset().unwrap();
    // The reset reply was acknowledged by the VF, so the ping goes out at once.
    assert_eq!(rig.pf.borrow_mut().ping_all(&rig.regs, &rig.clock), 0);
    let acks_before = rig.pf.borrow().counters(0).unwrap().vf_acks;
    let events = vf0.poll_events().unwrap();
    assert!(events.ping && !events.reset_requested && events.reinitialised.is_none());
    assert!(vf0.is_healthy());
    rig.pump();
    assert_eq!(
        rig.pf.borrow().counters(0).unwrap().vf_acks,
        acks_before + 1,
        "the VF acknowledged the ping"
    );

    // A ping the PF wants to send while the VF's request sits unread in the buffer is
    // queued, not written over the request; the VF gets its reply, then the ping.
    let queued = Rc::new(Cell::new(None));
    let queued_in_hook = Rc::clone(&queued);
    let rig_for_hook = Rc::downgrade(&rig);
    *rig.before_service.borrow_mut() = Some(Box::new(move |_device: &Device| {
        if queued_in_hook.get().is_none() {
            if let Some(rig) = rig_for_hook.upgrade() {
                if let Ok(mut pf) = rig.pf.try_borrow_mut() {
                    queued_in_hook.set(Some(pf.ping_all(&rig.regs, &rig.clock)));
                }
            }
        }
    }));
    assert_eq!(vf0.set_lpe(1600), Ok(()));
    *rig.before_service.borrow_mut() = None;
    assert_eq!(
        queued.get(),
        Some(0b1),
        "the ping was queued behind the request"
    );
    assert_eq!(rig.vmolr(0).rlpml, 1600);
    rig.pump();
    let events = vf0.poll_events().unwrap();
    assert!(events.ping, "the queued ping was delivered after the reply");
    assert!(vf0.is_healthy());

    // An administrative change pings without CTS: the VF re-runs its handshake and gets the
    // new MAC.
    rig.set_policy(0, admin_mac_policy());
    assert_eq!(rig.state(0), VfState::Resetting);
    let events = vf0.poll_events().unwrap();
    assert!(events.reset_requested);
    assert_eq!(
        events.reinitialised.map(|outcome| outcome.assigned_mac),
        Some(Some(ADMIN_MAC))
    );
    assert_eq!(vf0.mac(), Some(ADMIN_MAC));
    assert_eq!(
        rig.rar(0),
        RarEntry::new(ADMIN_MAC, PoolMask::single(0).unwrap())
    );
}

#[test]
fn a_silent_pf_times_out_every_wait_and_the_vf_stays_usable_after_reset() {
    let rig = Rig::new(1);
    rig.pf_running.set(false);
    let mut vf0 = rig.vf(0);
    let started = rig.clock.now();
    assert_eq!(
        vf0.reset(),
        Err(VfLinkError::Mailbox(VfMailboxError::AckTimeout))
    );
    let waited = rig.clock.now() - started;
    assert!(waited >= MailboxTimeouts::LINUX.posted);
    assert!(waited < MailboxTimeouts::LINUX.posted * 2);
    assert!(vf0.mailbox().is_disabled());
    // Posted operations stay off until the next handshake.
    assert_eq!(
        vf0.mailbox_mut().write_posted(&VfRequest::Reset.encode()),
        Err(VfMailboxError::DisabledUntilReset)
    );
    rig.pf_running.set(true);
    assert!(vf0.reset().is_ok());
    assert!(vf0.is_healthy());
}

#[test]
fn hostile_pf_messages_are_rejected_without_hanging() {
    let rig = Rig::new(1);
    let mut vf0 = rig.vf(0);
    vf0.reset().unwrap();
    // The "PF" posts garbage (both ACK and NACK set) as unsolicited messages.
    let control = pf::pf_mailbox(0).unwrap();
    for _ in 0..3 {
        rig.regs.write(control, pf::pf_mailbox_bits::PFU);
        rig.regs.write(pf::vmbmem(0, 0).unwrap(), 0xC000_0003);
        rig.regs.write(control, pf::pf_mailbox_bits::STS);
        let events = vf0.poll_events().unwrap();
        assert!(!events.ping && events.reinitialised.is_none());
    }
    assert_eq!(vf0.stats().malformed, 3);
    assert_eq!(vf0.state(), LinkState::Ready);

    // The PF holding PFU forever: the VF's lock attempt gives up within its bound.
    rig.pf_running.set(false);
    rig.regs.write(control, pf::pf_mailbox_bits::PFU);
    let started = rig.clock.now();
    assert_eq!(
        vf0.set_lpe(2000),
        Err(VfLinkError::Mailbox(VfMailboxError::LockTimeout))
    );
    assert!(rig.clock.now() - started <= MailboxTimeouts::LINUX.lock * 2);
    rig.regs.write(control, 0);
}

#[test]
fn the_pf_breaks_a_vfs_stuck_buffer_lock() {
    let rig = Rig::new(2);
    let mut vf1 = rig.vf(1);
    vf1.reset().unwrap();
    // VF0 takes its buffer, posts (REQ drops VFU)... then takes VFU again and sits on it.
    let vf0_bar = rig.device.vf_bar(0);
    use igb::regs::vf::{V2PMAILBOX, v2p_mailbox_bits as bits};
    vf0_bar.write32(V2PMAILBOX.offset(), bits::VFU);
    vf0_bar.write32(V2PMAILBOX.offset(), bits::REQ);
    vf0_bar.write32(V2PMAILBOX.offset(), bits::VFU);
    let report = rig
        .pf
        .borrow_mut()
        .service(&rig.regs, &mut rig.slots.borrow_mut(), &rig.clock);
    assert_eq!(report.handled, 0);
    let counters = rig.pf.borrow().counters(0).unwrap();
    assert_eq!(counters.lock_timeouts, 1);
    assert_eq!(
        vf0_bar.read32(V2PMAILBOX.offset()) & bits::VFU,
        0,
        "RVFU released the stuck lock"
    );
    assert!(
        rig.pf
            .borrow()
            .log()
            .iter()
            .any(|event| event.vf == 0 && event.kind == EventKind::LockTimeout)
    );
    // VF1 is served normally.
    assert_eq!(vf1.set_lpe(3000), Ok(()));
}

#[test]
fn a_vf_cannot_claim_a_mac_another_function_receives_on() {
    let rig = Rig::new(2);
    let mut vf0 = rig.vf(0);
    let mut vf1 = rig.vf(1);
    vf0.reset().unwrap();
    vf1.reset().unwrap();
    vf1.set_mac(OWN_MAC).unwrap();
    // VF1's MAC and the PF's own (RAR0) are refused: RAR pool bits are ORed on a match, so
    // VF0 would receive their unicast traffic.
    for stolen in [OWN_MAC, igb_model::DEFAULT_MAC] {
        assert_eq!(
            vf0.set_mac(stolen),
            Err(VfLinkError::Nacked {
                id: id::SET_MAC_ADDR,
                cts: true
            })
        );
    }
    assert_eq!(rig.nacks(0, NackReason::MacInUse), 2);
    assert!(!rig.rar(0).valid);
    // Setting its own current MAC again is fine.
    assert_eq!(vf1.set_mac(OWN_MAC), Ok(()));
}

mod hostile_vf {
    use super::*;
    use proptest::prelude::*;

    /// Words a hostile VF might leave in its buffer: mostly near-valid headers (known IDs,
    /// any MSGINFO, sometimes reply flags) with random payload, sometimes pure noise.
    fn hostile_message() -> impl Strategy<Value = [u32; 16]> {
        let header = prop_oneof![
            (0u32..8, any::<u8>(), 0u32..8).prop_map(|(id, info, flags)| {
                id | (u32::from(info) << 16) | if flags == 0 { header::ACK } else { 0 }
            }),
            (Just(0x100u32), any::<u8>()).prop_map(|(id, info)| id | (u32::from(info) << 16)),
            any::<u32>(),
        ];
        (header, any::<[u32; 16]>(), 0u32..3).prop_map(|(head, mut words, small_payload)| {
            words[0] = head;
            if small_payload == 0 {
                // Plausible VIDs / frame sizes instead of huge numbers.
                words[1] &= 0x3FFF;
            }
            words
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn hostile_vf_messages_are_answered_and_never_disturb_others(
            messages in proptest::collection::vec(hostile_message(), 1..24)
        ) {
            let rig = Rig::new(2);
            let mut vf0 = rig.vf(0);
            let mut vf1 = rig.vf(1);
            vf1.reset().unwrap();
            vf1.set_mac(OWN_MAC).unwrap();
            vf1.set_vlan(10, true).unwrap();
            vf1.set_lpe(3000).unwrap();
            vf0.reset().unwrap();
            let vf1_view = (rig.rar(1), rig.vlans_of(1), rig.vmolr(1), rig.pool_enabled(1));
            let requests_before = rig.pf.borrow().counters(0).unwrap().requests;

            for words in &messages {
                let message = Message::from_words(words).unwrap();
                let mailbox = vf0.mailbox_mut();
                mailbox.enable();
                prop_assert_eq!(mailbox.write_posted(&message), Ok(()));
                let reply = mailbox.read_posted().expect("the PF answers every message");
                let reply = PfMessage::decode(reply.words()).expect("well-formed reply");
                match reply {
                    PfMessage::Reply { id: reply_id, .. } => {
                        prop_assert_eq!(reply_id, igb::mailbox::message::header_id(words[0]));
                    }
                    PfMessage::ResetAck { .. } => {
                        prop_assert_eq!(VfRequest::decode(words), Ok(VfRequest::Reset));
                    }
                    PfMessage::Control { .. } => prop_assert_eq!(
                        igb::mailbox::message::header_id(words[0]),
                        id::PF_CONTROL,
                        "a reply, not a ping"
                    ),
                }
            }

            let counters = rig.pf.borrow().counters(0).unwrap();
            prop_assert_eq!(counters.requests - requests_before, messages.len() as u32);
            prop_assert_eq!(
                counters.acks + counters.nacks - requests_before,
                messages.len() as u32
            );
            // VF1 and the PF's own filters are untouched; VF0 stays inside its caps.
            prop_assert_eq!(
                (rig.rar(1), rig.vlans_of(1), rig.vmolr(1), rig.pool_enabled(1)),
                vf1_view
            );
            prop_assert!(rig.vlans_of(0).len() <= usize::from(VfPolicy::default().max_vlans));
            let rar0 = RarEntry::decode(
                rig.regs.read(pf::ral(GEN, 0).unwrap()),
                rig.regs.read(pf::rah(GEN, 0).unwrap()),
            );
            prop_assert_eq!(rar0.mac, igb_model::DEFAULT_MAC);
            prop_assert!(rig.vmolr(0).rlpml <= 0x3F00);
            // And VF1 is still served.
            prop_assert_eq!(vf1.set_lpe(2000), Ok(()));
        }
    }
}

#[test]
fn surprise_removal_is_reported_on_both_ends_without_waiting_out_timeouts() {
    let rig = Rig::new(1);
    let mut vf0 = rig.vf(0);
    vf0.reset().unwrap();
    // The VF disappears (NumVFs = 0): its BAR reads all ones.
    rig.device.enable_vfs(0).unwrap();
    let started = rig.clock.now();
    assert_eq!(
        vf0.set_lpe(2000),
        Err(VfLinkError::Mailbox(VfMailboxError::DeviceGone))
    );
    assert_eq!(
        vf0.poll_events(),
        Err(VfLinkError::Mailbox(VfMailboxError::DeviceGone))
    );
    assert_eq!(
        vf0.reset(),
        Err(VfLinkError::Mailbox(VfMailboxError::DeviceGone))
    );
    assert!(rig.clock.now() - started < MailboxTimeouts::LINUX.lock);

    // A PF BAR that reads all ones (surprise-removed PF): service gives up at once.
    struct Removed;
    impl Mmio for Removed {
        fn read32(&self, _offset: u32) -> u32 {
            u32::MAX
        }
        fn write32(&self, _offset: u32, _value: u32) {}
    }
    let mut mailbox = PfMailbox::new(GEN, 2).unwrap();
    let mut slots = FilterSlots::new(GEN, 2).unwrap();
    let report = mailbox.service(&PfRegisters::new(Removed), &mut slots, &rig.clock);
    assert!(report.device_gone);
    assert_eq!(report.handled, 0);
    assert_eq!(mailbox.counters(0).unwrap().requests, 0);
}

#[test]
fn nack_reasons_list_every_reason_once_in_index_order() {
    for (position, reason) in NackReason::ALL.iter().enumerate() {
        assert_eq!(reason.index(), position, "{reason:?}");
    }
}
