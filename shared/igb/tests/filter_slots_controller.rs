//! Issue 13 item 2 through the device model: the PF pool's filters, the VFs' mailbox requests
//! and the NDIS-side calls of [`PfController`] share one RAR/VLVF/MTA allocator with
//! per-function ownership. A VF over its caps or claiming another function's MAC is NACKed
//! and counted, nothing else is disturbed, and a VF reset or FLR frees every entry it held.
//!
//! The PF "driver" runs at VF delays as in `controller_model.rs`: only when the model
//! delivered the PF's "other" interrupt.

use std::cell::RefCell;
use std::rc::Rc;

use hw_platform::Mmio;
use igb::filters::{MacAddr, RxMode, VlanId};
use igb::mailbox::MailboxTimeouts;
use igb::mailbox::message::id;
use igb::mailbox::pf::{NackReason, VfPolicy};
use igb::mailbox::vf::VfLinkError;
use igb::pf_controller::{LinkStart, PfConfig, PfController, PfControllerError};
use igb::queue_pair::{QueuePair, QueuePairConfig};
use igb::regs::pf;
use igb::regs::{PfBar as PfBarKind, VfBar as VfBarKind};
use igb::slots::{Owner, SlotError, Table};
use igb::vf_device::{VfDevice, VfHandshakePolicy};
use igb_model::{
    DEFAULT_MAC, Device, DmaArena, Function, Generation, ModelClock, PfBar, PumpClock, VfBar,
};

const GEN: Generation = Generation::I82576;
const VF1_MAC: MacAddr = [0x02, 0xAD, 0x00, 0x00, 0x00, 0x02];
const VF0_MAC: MacAddr = [0x02, 0x00, 0x00, 0x00, 0x00, 0x70];
const GROUP_A: MacAddr = [0x01, 0x00, 0x5E, 0x00, 0x10, 0x20];
const GROUP_B: MacAddr = [0x01, 0x00, 0x5E, 0x00, 0x30, 0x40];
const GROUP_C: MacAddr = [0x01, 0x00, 0x5E, 0x00, 0x50, 0x60];

struct Rig {
    device: Device,
    clock: ModelClock,
    pf: RefCell<PfController<PfBar>>,
}

impl Rig {
    /// Two VFs: VF0 chooses its own MAC under `vf0_policy`, VF1 has an admin MAC.
    fn new(vf0_policy: VfPolicy) -> Rc<Self> {
        let device = Device::new(GEN);
        device.enable_vfs(2).unwrap();
        let clock = device.clock();
        let mut config = PfConfig::new(GEN, 2);
        config.link = LinkStart::Leave;
        let (mut pf, _) = PfController::bring_up(device.pf_bar(), config, &clock).unwrap();
        pf.set_vf_policy(0, vf0_policy, &clock).unwrap();
        let vf1 = VfPolicy {
            admin_mac: Some(VF1_MAC),
            ..VfPolicy::default()
        };
        pf.set_vf_policy(1, vf1, &clock).unwrap();
        pf.announce_ready().unwrap();
        Rc::new(Self {
            device,
            clock,
            pf: RefCell::new(pf),
        })
    }

    fn pump(&self) {
        if self.device.take_interrupts(Function::Pf).is_empty() {
            return;
        }
        let Ok(mut pf) = self.pf.try_borrow_mut() else {
            return;
        };
        if pf.on_other_interrupt().needs_service() {
            for _ in 0..8 {
                if !pf.service_mailbox(&self.clock).more_pending {
                    break;
                }
            }
        }
    }

    fn vf(self: &Rc<Self>, vf: u8) -> VfDevice<VfBar, PumpClock> {
        let rig = Rc::clone(self);
        let mut device = VfDevice::new(
            self.device.vf_bar(vf),
            GEN,
            PumpClock::new(self.clock.clone(), move || rig.pump()),
            MailboxTimeouts::LINUX,
        );
        device.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
        device
    }

    fn nacks(&self, vf: usize, reason: NackReason) -> u32 {
        self.pf.borrow().vf_counters(vf).unwrap().nacks_by_reason[reason.index()]
    }

    /// Every RAR, VLVF, VFTA and MTA register as the hardware holds it.
    fn tables(&self) -> Vec<u32> {
        let pf = self.pf.borrow();
        let regs = pf.regs();
        let mut all = Vec::new();
        for index in 0..24 {
            all.push(regs.read(pf::ral(GEN, index).unwrap()));
            all.push(regs.read(pf::rah(GEN, index).unwrap()));
        }
        for index in 0..pf::VLVF_ENTRIES {
            all.push(regs.read(pf::vlvf(index).unwrap()));
        }
        for index in 0..pf::HASH_TABLE_REGS {
            all.push(regs.read(pf::vfta(index).unwrap()));
            all.push(regs.read(pf::mta(index).unwrap()));
        }
        all
    }

    fn mta_has(&self, mac: &MacAddr) -> bool {
        let bit = igb::filters::mta_bit(mac);
        self.pf.borrow().regs().read(pf::mta(bit.register).unwrap()) & bit.mask() != 0
    }
}

fn nacked(code: u16) -> Result<(), VfLinkError> {
    Err(VfLinkError::Nacked {
        id: code,
        cts: true,
    })
}

fn frame(dst: MacAddr, fill: u8) -> Vec<u8> {
    let mut bytes = dst.to_vec();
    bytes.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x99]);
    bytes.extend_from_slice(&0x88B5u16.to_be_bytes());
    bytes.extend((0..50u8).map(|i| i ^ fill));
    bytes
}

fn received<M: Mmio + Clone, B: igb::regs::Bar, A: hw_platform::DmaAllocator>(
    pair: &mut QueuePair<M, B, A>,
) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    pair.receive(|bytes| frames.push(bytes.to_vec()));
    frames
}

#[test]
fn a_vf_over_its_caps_is_nacked_and_counted_while_the_other_vf_works() {
    let rig = Rig::new(VfPolicy {
        max_vlans: 2,
        max_multicast: 2,
        ..VfPolicy::default()
    });
    let mut vf0 = rig.vf(0);
    vf0.link_mut().set_mac(VF0_MAC).unwrap();
    // VLANs: two fit, the third is over VF0's cap.
    vf0.link_mut().set_vlan(10, true).unwrap();
    vf0.link_mut().set_vlan(11, true).unwrap();
    assert_eq!(vf0.link_mut().set_vlan(12, true), nacked(id::SET_VLAN));
    assert_eq!(rig.nacks(0, NackReason::VlanLimit), 1);
    // Multicast: three distinct hashes are over a cap of two; the old list stays.
    vf0.link_mut().set_multicast(&[GROUP_A]).unwrap();
    assert_eq!(
        vf0.link_mut()
            .set_multicast(&[GROUP_A, GROUP_B, GROUP_C])
            .map(|_| ()),
        nacked(id::SET_MULTICAST)
    );
    assert_eq!(rig.nacks(0, NackReason::MulticastLimit), 1);
    assert!(rig.mta_has(&GROUP_A) && !rig.mta_has(&GROUP_B));

    // RAR: the NDIS side fills the table for the PF pool until it is full (a distinct
    // TableFull, which the miniport maps to NDIS_STATUS_RESOURCES); VF0 keeps its entry and
    // may still move its address within it.
    let mut added = 0;
    let full = loop {
        let mac = [0x02, 0x50, 0, 0, 0, added];
        match rig.pf.borrow_mut().add_mac(Owner::PfPool, mac) {
            Ok(_) => added += 1,
            Err(error) => break error,
        }
        assert!(added < 30, "the table must fill up");
    };
    assert_eq!(full, SlotError::TableFull(Table::Rar));
    // 24 entries on the 82576: RAR0 (the PF's MAC) and VF0's; VF1 has not handshaken yet.
    assert_eq!(added, 22);
    let moved: MacAddr = [0x02, 0x00, 0x00, 0x00, 0x00, 0x71];
    vf0.link_mut().set_mac(moved).unwrap();
    // VF1's handshake finds no free entry for its admin MAC: it still completes (the
    // administrator's MAC is reported) ...
    let mut vf1 = rig.vf(1);
    assert_eq!(rig.pf.borrow().vf_mac(1), Ok(Some(VF1_MAC)));
    // ... and once the PF frees one entry, VF1's next handshake gets it, and its requests
    // are served while VF0 keeps being refused.
    rig.pf
        .borrow_mut()
        .remove_mac(Owner::PfPool, &[0x02, 0x50, 0, 0, 0, 0])
        .unwrap();
    vf1.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    assert!(
        rig.pf
            .borrow()
            .filter_slots()
            .macs(Owner::Vf(1))
            .any(|(_, mac)| mac == VF1_MAC)
    );
    vf1.link_mut().set_vlan(12, true).unwrap();
    assert_eq!(vf0.link_mut().set_vlan(13, true), nacked(id::SET_VLAN));
    assert_eq!(rig.nacks(0, NackReason::VlanLimit), 2);
    assert_eq!(rig.pf.borrow().vf_counters(1).unwrap().nacks, 0);
}

#[test]
fn a_vf_cannot_take_another_functions_mac_and_frames_still_reach_the_owner() {
    let rig = Rig::new(VfPolicy::default());
    let arena: DmaArena = rig.device.dma();
    let pf_queue = rig.pf.borrow().device().pf_queue();
    let mut pf_pair: QueuePair<PfBar, PfBarKind, DmaArena> = QueuePair::open(
        rig.device.pf_bar(),
        pf::rx_queue(GEN, pf_queue).unwrap(),
        pf::tx_queue(GEN, pf_queue).unwrap(),
        QueuePairConfig::default(),
        &arena,
        &rig.clock,
    )
    .unwrap();
    rig.pf
        .borrow_mut()
        .set_pf_rx_filter(
            RxMode {
                directed: true,
                broadcast: true,
                ..RxMode::NONE
            },
            &[],
        )
        .unwrap();
    let mut vfs: Vec<_> = (0..2).map(|vf| rig.vf(vf)).collect();
    let mut pairs: Vec<QueuePair<VfBar, VfBarKind, DmaArena>> = (0..2u8)
        .map(|vf| {
            let (rx, tx) = vfs[usize::from(vf)].queue_regs(0).unwrap();
            QueuePair::open(
                rig.device.vf_bar(vf),
                rx,
                tx,
                QueuePairConfig {
                    descriptors: 16,
                    buffer_len: 2048,
                },
                &arena,
                &rig.clock,
            )
            .unwrap()
        })
        .collect();

    // VF0 asks for VF1's MAC, then the PF's: both NACKed and counted.
    for stolen in [VF1_MAC, DEFAULT_MAC] {
        assert_eq!(vfs[0].link_mut().set_mac(stolen), nacked(id::SET_MAC_ADDR));
    }
    assert_eq!(rig.nacks(0, NackReason::MacInUse), 2);
    // The NDIS side is refused the same way.
    assert_eq!(
        rig.pf.borrow_mut().add_mac(Owner::PfPool, VF1_MAC),
        Err(SlotError::MacInUse)
    );
    // Frames still reach their owners, and only them.
    let to_vf1 = frame(VF1_MAC, 0x11);
    let to_pf = frame(DEFAULT_MAC, 0x22);
    rig.device.inject(&to_vf1);
    rig.device.inject(&to_pf);
    assert_eq!(received(&mut pairs[1]), vec![to_vf1]);
    assert_eq!(received(&mut pf_pair), vec![to_pf]);
    assert!(received(&mut pairs[0]).is_empty());
    // VF0 with its own MAC works.
    vfs[0].link_mut().set_mac(VF0_MAC).unwrap();
    let to_vf0 = frame(VF0_MAC, 0x33);
    rig.device.inject(&to_vf0);
    assert_eq!(received(&mut pairs[0]), vec![to_vf0]);

    for (vf, pair) in pairs.drain(..).enumerate() {
        let _ = pair.abandon();
        let _ = vf;
    }
    let _ = pf_pair.abandon();
}

#[test]
fn vf_reset_and_flr_free_every_slot_the_vf_held() {
    let rig = Rig::new(VfPolicy::default());
    // The PF holds VLAN 10 too: the shared VLVF entry must keep the PF's pool.
    rig.pf
        .borrow_mut()
        .add_vlan(Owner::PfPool, VlanId::new(10).unwrap())
        .unwrap();
    rig.pf
        .borrow_mut()
        .set_pf_rx_filter(
            RxMode {
                directed: true,
                multicast: true,
                ..RxMode::NONE
            },
            &[GROUP_A],
        )
        .unwrap();
    let mut vf0 = rig.vf(0);
    let idle = rig.tables();
    for round in 0..2 {
        vf0.link_mut().set_mac(VF0_MAC).unwrap();
        vf0.link_mut().set_vlan(10, true).unwrap();
        vf0.link_mut().set_vlan(20, true).unwrap();
        vf0.link_mut().set_multicast(&[GROUP_A, GROUP_B]).unwrap();
        assert_ne!(rig.tables(), idle, "round {round}: VF0 took entries");
        if round == 0 {
            // VF_RESET (the VF driver reloading).
            vf0.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
        } else {
            // A function level reset, then the VF's new handshake.
            rig.device.vf_flr(0).unwrap();
            rig.pf.borrow_mut().service_mailbox(&rig.clock);
        }
        assert_eq!(
            rig.tables(),
            idle,
            "round {round}: every entry back to idle"
        );
        let pf = rig.pf.borrow();
        let slots = pf.filter_slots();
        assert_eq!(slots.macs(Owner::Vf(0)).count(), 0);
        assert_eq!(slots.vlans(Owner::Vf(0)).count(), 0);
        assert!(!slots.has_multicast(Owner::Vf(0)));
        drop(pf);
        if round == 1 {
            vf0.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
        }
    }
    // VF disable (quiesce) releases the VFs as well.
    let mut vf1 = rig.vf(1);
    vf1.link_mut().set_vlan(30, true).unwrap();
    rig.pf.borrow_mut().quiesce().unwrap();
    let pf = rig.pf.borrow();
    assert_eq!(pf.filter_slots().macs(Owner::Vf(1)).count(), 0);
    assert_eq!(pf.filter_slots().vlans(Owner::Vf(1)).count(), 0);
    assert_eq!(pf.filter_slots().rar_index(&DEFAULT_MAC), Some(0));
}

#[test]
fn the_pf_and_a_vf_share_mta_bits_and_removing_one_keeps_the_others() {
    let rig = Rig::new(VfPolicy::default());
    let mode = RxMode {
        directed: true,
        multicast: true,
        ..RxMode::NONE
    };
    let mut vf0 = rig.vf(0);
    vf0.link_mut().set_multicast(&[GROUP_A, GROUP_C]).unwrap();
    rig.pf
        .borrow_mut()
        .set_pf_rx_filter(mode, &[GROUP_A, GROUP_B])
        .unwrap();
    assert!(rig.mta_has(&GROUP_A) && rig.mta_has(&GROUP_B) && rig.mta_has(&GROUP_C));
    // The PF drops A: VF0 still needs it.
    rig.pf
        .borrow_mut()
        .set_pf_rx_filter(mode, &[GROUP_B])
        .unwrap();
    assert!(rig.mta_has(&GROUP_A), "VF0 still needs group A");
    // The PF takes A back, VF0 drops everything: A and B are the PF's, C goes.
    rig.pf
        .borrow_mut()
        .set_pf_rx_filter(mode, &[GROUP_A, GROUP_B])
        .unwrap();
    vf0.link_mut().set_multicast(&[]).unwrap();
    assert!(rig.mta_has(&GROUP_A) && rig.mta_has(&GROUP_B) && !rig.mta_has(&GROUP_C));
    // A VF reset releases VF0's share only.
    vf0.link_mut().set_multicast(&[GROUP_A, GROUP_C]).unwrap();
    vf0.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    assert!(rig.mta_has(&GROUP_A) && rig.mta_has(&GROUP_B) && !rig.mta_has(&GROUP_C));
}

#[test]
fn an_admin_mac_another_function_has_is_refused_with_a_clear_error() {
    let rig = Rig::new(VfPolicy::default());
    let mut vf0 = rig.vf(0);
    vf0.link_mut().set_mac(VF0_MAC).unwrap();
    let clock = rig.clock.clone();
    // The PF's MAC, VF0's own, and VF1's assigned one (VF1 has not handshaken yet).
    for taken in [DEFAULT_MAC, VF0_MAC, VF1_MAC] {
        let policy = VfPolicy {
            admin_mac: Some(taken),
            ..VfPolicy::default()
        };
        let vf = if taken == VF0_MAC { 1 } else { 0 };
        assert_eq!(
            rig.pf.borrow_mut().set_vf_policy(vf, policy, &clock),
            Err(PfControllerError::Filter(SlotError::MacInUse)),
            "{taken:02x?}"
        );
    }
    // Nothing changed: VF0 keeps its MAC and policy, VF1 gets its admin MAC.
    assert_eq!(rig.pf.borrow().vf_policy(0).unwrap().admin_mac, None);
    assert_eq!(rig.pf.borrow().vf_mac(0), Ok(Some(VF0_MAC)));
    let _vf1 = rig.vf(1);
    assert!(
        rig.pf
            .borrow()
            .filter_slots()
            .macs(Owner::Vf(1))
            .any(|(_, mac)| mac == VF1_MAC)
    );
    // A VF may be given the MAC it already holds.
    let own = VfPolicy {
        admin_mac: Some(VF0_MAC),
        ..VfPolicy::default()
    };
    assert_eq!(rig.pf.borrow_mut().set_vf_policy(0, own, &clock), Ok(()));
}
