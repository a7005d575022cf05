//! The shared hardware sequences (`igb::pf_controller`, `igb::vf_device`, `igb::queue_pair`)
//! through the device model: what the PF and VF miniports and the QEMU tier run.
//!
//! Determinism: VF sides run on the test thread with a [`PumpClock`]. At each VF delay the
//! PF acts as its driver would: only when the model delivered a PF MSI-X message, it runs
//! the DISPATCH half (`on_other_interrupt`) and, when that says so, the PASSIVE half
//! (`service_mailbox`). So a VF's handshake completes only if the interrupt path works.
//! (The PHY is not modelled: bring-up uses `LinkStart::Leave`.)

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use hw_platform::{Clock, Mmio, MsixVector};
use igb::filters::MacAddr;
use igb::interrupts::{PF_VECTOR_OTHER, VF_VECTOR_OTHER, VF_VECTOR_RX0, VF_VECTOR_TX0};
use igb::mailbox::MailboxTimeouts;
use igb::mailbox::pf::{PfMailboxError, VfPolicy, VfState};
use igb::mailbox::vf::{LinkState, VfLinkError, VfMailboxError};
use igb::pf_controller::{LinkStart, OtherCauses, PfConfig, PfController, PfControllerError};
use igb::queue_pair::{QueuePair, QueuePairConfig, QueuePairError};
use igb::regs::pf::{self, EIMS, IMS, IVAR_MISC, MBVFIMR, VFRE, VFTE, icr};
use igb::regs::vf::{VTIVAR, VTIVAR_MISC};
use igb::regs::{PfBar as PfBarKind, VfBar as VfBarKind};
use igb::vf_device::{VfDevice, VfDeviceError, VfHandshakeError, VfHandshakePolicy};
use igb_model::{
    DEFAULT_MAC, Device, DmaArena, Function, Generation, ModelClock, PfBar, PumpClock, VfBar,
};

const GEN: Generation = Generation::I82576;
const VF_MACS: [MacAddr; 2] = [
    [0x02, 0xAD, 0x00, 0x00, 0x00, 0x01],
    [0x02, 0xAD, 0x00, 0x00, 0x00, 0x02],
];

/// One device, our PF controller on it, and the PF "driver" that runs at VF delays.
struct Rig {
    device: Device,
    clock: ModelClock,
    pf: RefCell<PfController<PfBar>>,
    /// What each `on_other_interrupt` reported.
    seen: RefCell<Vec<OtherCauses>>,
    /// Whether the PF driver reacts to interrupts (false: a PF that never answers).
    serving: Cell<bool>,
}

impl Rig {
    fn new(num_vfs: u8) -> Rc<Self> {
        let device = Device::new(GEN);
        device.enable_vfs(num_vfs).unwrap();
        let clock = device.clock();
        let mut config = PfConfig::new(GEN, num_vfs);
        config.link = LinkStart::Leave;
        let (mut pf, report) = PfController::bring_up(device.pf_bar(), config, &clock).unwrap();
        assert_eq!(report.link, None);
        for (vf, mac) in VF_MACS.iter().enumerate().take(usize::from(num_vfs)) {
            let policy = VfPolicy {
                admin_mac: Some(*mac),
                ..VfPolicy::default()
            };
            pf.set_vf_policy(vf, policy, &clock).unwrap();
        }
        pf.announce_ready().unwrap();
        Rc::new(Self {
            device,
            clock,
            pf: RefCell::new(pf),
            seen: RefCell::new(Vec::new()),
            serving: Cell::new(true),
        })
    }

    /// The PF driver: ISR/DPC half on every delivered "other" interrupt, then the work item.
    fn pump(&self) {
        if !self.serving.get() {
            return;
        }
        let interrupts = self.device.take_interrupts(Function::Pf);
        if interrupts.is_empty() {
            return;
        }
        assert!(
            interrupts
                .iter()
                .all(|vector| *vector == MsixVector(PF_VECTOR_OTHER as u16)),
            "PF interrupts arrive on the other vector: {interrupts:?}"
        );
        let Ok(mut pf) = self.pf.try_borrow_mut() else {
            return;
        };
        let causes = pf.on_other_interrupt();
        self.seen.borrow_mut().push(causes);
        if causes.needs_service() {
            // A work item re-queued while work is left, bounded.
            for _ in 0..8 {
                if !pf.service_mailbox(&self.clock).more_pending {
                    break;
                }
            }
        }
    }

    fn vf(self: &Rc<Self>, vf: u8) -> VfDevice<VfBar, PumpClock> {
        let rig = Rc::clone(self);
        VfDevice::new(
            self.device.vf_bar(vf),
            GEN,
            PumpClock::new(self.clock.clone(), move || rig.pump()),
            MailboxTimeouts::LINUX,
        )
    }

    fn seen_requests_from(&self, vf: usize) -> bool {
        self.seen
            .borrow()
            .iter()
            .any(|causes| causes.mailbox_requests & (1 << vf) != 0)
    }
}

#[test]
fn bring_up_for_two_vfs_opens_only_the_pf_pool_and_routes_the_other_causes() {
    let rig = Rig::new(2);
    let pf = rig.pf.borrow();
    let regs = pf.regs();
    assert_eq!(pf.mac(), DEFAULT_MAC);
    assert_eq!(pf.device().pf_pool(), 2);
    // VF pools stay closed until each VF's handshake (§2.2).
    assert_eq!(regs.read(VFRE), 1 << 2);
    assert_eq!(regs.read(VFTE), 1 << 2);
    // Mailbox/VFLR and link causes on the other vector, every VF's mailbox unmasked.
    assert_eq!(regs.read(IVAR_MISC), (PF_VECTOR_OTHER | 0x80) << 8);
    assert_ne!(regs.read(EIMS) & (1 << PF_VECTOR_OTHER), 0);
    assert_eq!(
        regs.read(IMS) & (icr::VMMB | icr::LSC),
        icr::VMMB | icr::LSC
    );
    assert_eq!(regs.read(MBVFIMR), 0b11);
    for (vf, mac) in VF_MACS.iter().enumerate() {
        assert_eq!(pf.vf_state(vf), Ok(VfState::Resetting));
        assert_eq!(pf.vf_mac(vf), Ok(Some(*mac)));
    }
    assert!(pf.is_running());
    assert_eq!(
        pf.vf_state(2),
        Err(PfControllerError::Mailbox(PfMailboxError::NoSuchVf))
    );
}

#[test]
fn bad_configurations_are_refused_before_the_hardware_is_touched() {
    let device = Device::new(GEN);
    device.enable_vfs(2).unwrap();
    let clock = device.clock();
    let mut config = PfConfig::new(GEN, 2);
    config.link = LinkStart::Leave;
    config.other_vector = 25;
    assert!(matches!(
        PfController::bring_up(device.pf_bar(), config, &clock),
        Err(PfControllerError::BadVector(25))
    ));
    config.other_vector = PF_VECTOR_OTHER;
    config.num_vfs = 8;
    assert!(matches!(
        PfController::bring_up(device.pf_bar(), config, &clock),
        Err(PfControllerError::Mailbox(PfMailboxError::TooManyVfs))
    ));
    assert_eq!(clock.now(), Duration::ZERO, "no reset was started");
}

#[test]
fn vf_handshakes_are_served_through_the_interrupt_path_and_get_the_admin_macs() {
    let rig = Rig::new(2);
    for vf in 0..2u8 {
        let mut device = rig.vf(vf);
        let outcome = device.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
        assert_eq!(outcome.reset.assigned_mac, Some(VF_MACS[usize::from(vf)]));
        assert_eq!(outcome.attempts, 1);
        assert_eq!(device.link().state(), LinkState::Ready);
        assert!(rig.seen_requests_from(usize::from(vf)));
        let pf = rig.pf.borrow();
        assert_eq!(pf.vf_state(usize::from(vf)), Ok(VfState::Ready));
        // VF_RESET and SET_LPE, both answered.
        assert_eq!(pf.vf_counters(usize::from(vf)).unwrap().requests, 2);
    }
    let pf = rig.pf.borrow();
    assert_eq!(
        pf.regs().read(VFRE),
        0b111,
        "both VF pools open after their handshakes"
    );
    assert!(pf.stats().services > 0 && pf.stats().messages == 4);
    // The VTCTRL.RST of each handshake is an FLR the PF saw through the same interrupt.
    assert!(
        rig.seen
            .borrow()
            .iter()
            .any(|causes| causes.vf_resets == 0b01)
    );
    assert!(
        rig.seen
            .borrow()
            .iter()
            .any(|causes| causes.vf_resets == 0b10)
    );
}

#[test]
fn the_dispatch_half_leaves_requests_for_the_passive_half() {
    let rig = Rig::new(1);
    let mut vf = rig.vf(0);
    vf.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    // The VF posts a request while the PF driver is not running (its delays pump nothing).
    rig.serving.set(false);
    let result = vf.link_mut().set_lpe(9018);
    assert_eq!(
        result,
        Err(VfLinkError::Mailbox(VfMailboxError::AckTimeout))
    );
    let mut pf = rig.pf.borrow_mut();
    assert!(!rig.device.take_interrupts(Function::Pf).is_empty());
    let causes = pf.on_other_interrupt();
    assert_eq!(causes.mailbox_requests, 0b1, "{causes:?}");
    assert!(causes.needs_service() && !causes.device_gone);
    // Reading the causes consumed nothing: the request is still there for the service.
    let again = pf.on_other_interrupt();
    assert_eq!(again.mailbox_requests, 0b1);
    let service = pf.service_mailbox(&rig.clock);
    assert_eq!(service.report.handled, 1);
    assert!(!service.more_pending);
    assert_eq!(pf.on_other_interrupt().mailbox_requests, 0);
}

#[test]
fn a_link_change_is_reported_at_dispatch_and_the_vfs_are_pinged_at_passive() {
    let rig = Rig::new(2);
    let mut vfs: Vec<_> = (0..2).map(|vf| rig.vf(vf)).collect();
    for vf in &mut vfs {
        vf.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    }
    rig.serving.set(false);
    rig.device.set_link(false);
    let mut pf = rig.pf.borrow_mut();
    assert!(!rig.device.take_interrupts(Function::Pf).is_empty());
    let causes = pf.on_other_interrupt();
    assert!(causes.link_changed && causes.needs_service());
    assert_eq!(causes.link.map(|link| link.up), Some(false));
    let service = pf.service_mailbox(&rig.clock);
    assert_eq!(service.pinged, 0b11);
    drop(pf);
    for vf in &mut vfs {
        let events = vf.poll_events().unwrap();
        assert!(events.ping, "a ready VF gets a ping with CTS: {events:?}");
        assert!(!vf.link_up(), "VTSTATUS.LU follows the PF's link");
    }
}

#[test]
fn a_reset_under_live_vfs_makes_each_vf_see_it_and_handshake_again() {
    let rig = Rig::new(2);
    let mut vfs: Vec<_> = (0..2).map(|vf| rig.vf(vf)).collect();
    for vf in &mut vfs {
        vf.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    }
    assert_eq!(
        rig.pf.borrow_mut().complete_reset_under_vfs(),
        Err(PfControllerError::WrongPhase)
    );
    rig.pf
        .borrow_mut()
        .begin_reset_under_vfs(&rig.clock)
        .unwrap();
    {
        let pf = rig.pf.borrow();
        assert!(!pf.is_running());
        assert_eq!(
            pf.regs().read(VFRE),
            1 << 2,
            "VF pools closed during the reset"
        );
    }
    // While the PF is resetting the VF is told so (RSTI) and cannot re-handshake yet.
    for vf in &mut vfs {
        match vf.poll_events() {
            Ok(events) => assert!(events.pf_resetting || events.reset_requested, "{events:?}"),
            Err(error) => assert!(VfHandshakePolicy::is_retryable(&error), "{error:?}"),
        }
        assert_ne!(vf.link().state(), LinkState::Ready);
    }
    rig.pf.borrow_mut().complete_reset_under_vfs().unwrap();
    for (index, vf) in vfs.iter_mut().enumerate() {
        let mut reinitialised = None;
        for _ in 0..4 {
            if let Some(outcome) = vf.poll_events().unwrap().reinitialised {
                reinitialised = Some(outcome);
                break;
            }
        }
        let outcome = reinitialised.expect("the VF re-ran its handshake after RSTD");
        assert_eq!(outcome.assigned_mac, Some(VF_MACS[index]));
        assert_eq!(vf.link().state(), LinkState::Ready);
        assert!(vf.link().stats().pf_resets >= 1);
    }
    let pf = rig.pf.borrow();
    assert!(pf.is_running());
    assert_eq!(pf.stats().pf_resets, 1);
    for vf in 0..2 {
        assert_eq!(pf.vf_state(vf), Ok(VfState::Ready));
        assert_eq!(pf.vf_counters(vf).unwrap().resets, 2);
    }
    assert_eq!(pf.regs().read(VFRE), 0b111);
}

fn frame(dst: MacAddr, src: MacAddr, fill: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&dst);
    bytes.extend_from_slice(&src);
    bytes.extend_from_slice(&0x88B5u16.to_be_bytes());
    bytes.extend((0..50u8).map(|i| i ^ fill));
    bytes
}

fn receive_all<M: Mmio + Clone, B: igb::regs::Bar, A: hw_platform::DmaAllocator>(
    pair: &mut QueuePair<M, B, A>,
) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    pair.receive(|bytes| frames.push(bytes.to_vec()));
    frames
}

#[test]
fn queue_pairs_carry_traffic_on_the_pf_queue_and_between_vf_and_pf() {
    let rig = Rig::new(1);
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
    let mut vf = rig.vf(0);
    vf.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    vf.route_interrupts().unwrap();
    let (rx, tx) = vf.queue_regs(0).unwrap();
    let mut vf_pair: QueuePair<VfBar, VfBarKind, DmaArena> = QueuePair::open(
        rig.device.vf_bar(0),
        rx,
        tx,
        QueuePairConfig {
            descriptors: 16,
            buffer_len: 2048,
        },
        &arena,
        &rig.clock,
    )
    .unwrap();

    // Wire → PF queue → wire.
    let peer = [0x02, 0, 0, 0, 0, 0x99];
    let from_wire = frame(DEFAULT_MAC, peer, 0x11);
    rig.device.inject(&from_wire);
    assert_eq!(receive_all(&mut pf_pair), vec![from_wire]);
    let to_wire = frame(peer, DEFAULT_MAC, 0x22);
    pf_pair.send(&to_wire).unwrap();
    assert_eq!(rig.device.capture(), vec![to_wire]);

    // VF → PF inside the NIC (loopback, §6), and the reply back.
    let _ = rig.device.take_interrupts(Function::Vf(0));
    let up = frame(DEFAULT_MAC, VF_MACS[0], 0x33);
    vf_pair.send(&up).unwrap();
    assert_eq!(receive_all(&mut pf_pair), vec![up]);
    let down = frame(VF_MACS[0], DEFAULT_MAC, 0x44);
    pf_pair.send(&down).unwrap();
    assert_eq!(receive_all(&mut vf_pair), vec![down]);
    // Each completion reached its own vector: Tx on VF vector 0, Rx on VF vector 1.
    let vectors = rig.device.take_interrupts(Function::Vf(0));
    assert!(
        vectors.contains(&MsixVector(VF_VECTOR_TX0 as u16)),
        "{vectors:?}"
    );
    assert!(
        vectors.contains(&MsixVector(VF_VECTOR_RX0 as u16)),
        "{vectors:?}"
    );
    assert!(
        rig.device.capture().is_empty(),
        "unicast between pools stays inside"
    );

    pf_pair.clean_tx();
    vf_pair.clean_tx();
    assert_eq!(pf_pair.tx_in_flight(), 0);
    let pf_counters = pf_pair.counters();
    assert_eq!((pf_counters.sent, pf_counters.send_completions), (2, 2));
    assert_eq!(pf_counters.received, 2);
    let vf_counters = vf_pair.counters();
    assert_eq!(
        (
            vf_counters.sent,
            vf_counters.send_completions,
            vf_counters.received
        ),
        (1, 1, 1)
    );

    // Bad input is an error, not a panic or a stuck buffer.
    assert_eq!(vf_pair.send(&[]), Err(QueuePairError::FrameLength(0)));
    assert_eq!(
        vf_pair.send(&vec![0u8; 2049]),
        Err(QueuePairError::FrameLength(2049))
    );
    assert_eq!(vf_pair.counters().send_errors, 2);
    assert_eq!(vf_pair.tx_in_flight(), 0);

    // Shut down and abandon give every DMA region back.
    vf_pair.shut_down(&rig.clock).unwrap();
    let _ = pf_pair.abandon();
    assert_eq!(arena.live_regions(), 0);
}

#[test]
fn queue_pair_configuration_is_checked_before_anything_is_allocated() {
    let device = Device::new(GEN);
    let arena = device.dma();
    let clock = device.clock();
    for config in [
        QueuePairConfig {
            descriptors: 12,
            buffer_len: 2048,
        },
        QueuePairConfig {
            descriptors: 16,
            buffer_len: 1500,
        },
        QueuePairConfig {
            descriptors: 16,
            buffer_len: 0,
        },
    ] {
        let result: Result<QueuePair<PfBar, PfBarKind, DmaArena>, _> = QueuePair::open(
            device.pf_bar(),
            pf::rx_queue(GEN, 0).unwrap(),
            pf::tx_queue(GEN, 0).unwrap(),
            config,
            &arena,
            &clock,
        );
        assert!(matches!(result, Err(QueuePairError::BadConfig(_))));
    }
    assert_eq!(arena.live_regions(), 0);
}

#[test]
fn vf_routing_programs_vtivar_with_the_shared_vector_numbers() {
    let rig = Rig::new(1);
    let mut vf = rig.vf(0);
    vf.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    vf.route_interrupts().unwrap();
    // Byte 0 = Rx queue 0, byte 1 = Tx queue 0, each vector | VALID (§3 VTIVAR).
    let expected = (VF_VECTOR_RX0 | 0x80) | ((VF_VECTOR_TX0 | 0x80) << 8);
    assert_eq!(vf.regs().read(VTIVAR), expected);
    assert_eq!(expected, 0x8081);
    assert_eq!(vf.regs().read(VTIVAR_MISC), VF_VECTOR_OTHER | 0x80);
    // A PF message raises the mailbox vector (the model follows the datasheet here; QEMU
    // does not, see tests/qemu/README.md).
    let _ = rig.device.take_interrupts(Function::Vf(0));
    rig.pf.borrow_mut().service_mailbox(&rig.clock);
    rig.device.set_link(false);
    rig.pump();
    let vectors = rig.device.take_interrupts(Function::Vf(0));
    assert_eq!(vectors, vec![MsixVector(VF_VECTOR_OTHER as u16)]);
}

#[test]
fn the_handshake_gives_up_cleanly_against_a_pf_that_never_answers() {
    let rig = Rig::new(1);
    rig.serving.set(false);
    let mut vf = rig.vf(0);
    let policy = VfHandshakePolicy {
        max_attempts: 3,
        give_up_after: Duration::from_secs(600),
        retry_delay: Duration::from_millis(100),
        max_frame: Some(1522),
    };
    let start = rig.clock.now();
    match vf.handshake(&policy) {
        Err(VfHandshakeError::GaveUp {
            attempts: 3,
            last: VfLinkError::Mailbox(VfMailboxError::AckTimeout),
            ..
        }) => {}
        other => panic!("expected a clean give-up after 3 attempts, got {other:?}"),
    }
    // Three ~1 s posted timeouts and two pauses, nothing unbounded.
    let waited = rig.clock.now() - start;
    assert!(waited < Duration::from_secs(5), "{waited:?}");

    // The time bound binds too: many attempts allowed, 2.5 s given.
    let policy = VfHandshakePolicy {
        max_attempts: 1000,
        give_up_after: Duration::from_millis(2500),
        ..policy
    };
    let start = rig.clock.now();
    match vf.handshake(&policy) {
        Err(VfHandshakeError::GaveUp {
            attempts, waited, ..
        }) => {
            // An attempt starts only before the deadline; the last may run past it.
            assert!((2..=3).contains(&attempts), "{attempts} attempts");
            assert!(waited < Duration::from_millis(2500) + Duration::from_millis(1100));
        }
        other => panic!("expected a give-up, got {other:?}"),
    }
    assert!(rig.clock.now() - start < Duration::from_secs(4));

    // Once the PF answers again, the same VF handshakes normally.
    rig.serving.set(true);
    let _ = rig.device.take_interrupts(Function::Pf);
    rig.pf.borrow_mut().on_other_interrupt();
    let outcome = vf.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    assert_eq!(outcome.reset.assigned_mac, Some(VF_MACS[0]));
}

/// A BAR of a device that is gone: every read is all ones.
#[derive(Clone)]
struct GoneBar;

impl Mmio for GoneBar {
    fn read32(&self, _offset: u32) -> u32 {
        u32::MAX
    }
    fn write32(&self, _offset: u32, _value: u32) {}
}

#[test]
fn a_vanished_device_is_fatal_at_once_not_retried() {
    let clock = ModelClock::new();
    let mut vf = VfDevice::new(GoneBar, GEN, clock.clone(), MailboxTimeouts::LINUX);
    match vf.handshake(&VfHandshakePolicy::DEFAULT) {
        Err(VfHandshakeError::Fatal {
            attempts: 1,
            error: VfLinkError::Mailbox(VfMailboxError::DeviceGone),
        }) => {}
        other => panic!("expected a fatal DeviceGone on the first attempt, got {other:?}"),
    }
    assert!(matches!(
        vf.wait_for_link(Duration::from_secs(1)),
        Err(VfDeviceError::DeviceGone(_))
    ));
    assert!(!vf.link_up());

    let mut config = PfConfig::new(GEN, 1);
    config.link = LinkStart::Leave;
    assert!(matches!(
        PfController::bring_up(GoneBar, config, &clock),
        Err(PfControllerError::Init(_))
    ));
}

#[test]
fn the_link_wait_is_bounded_and_reports_the_link_once_up() {
    let rig = Rig::new(1);
    let vf = rig.vf(0);
    rig.device.set_link(false);
    let start = rig.clock.now();
    assert!(matches!(
        vf.wait_for_link(Duration::from_millis(200)),
        Err(VfDeviceError::LinkTimeout { .. })
    ));
    let waited = rig.clock.now() - start;
    assert!(waited >= Duration::from_millis(200) && waited < Duration::from_millis(300));
    rig.device.set_link(true);
    assert!(vf.wait_for_link(Duration::from_millis(200)).unwrap().up);
    assert!(
        !vf.link_up(),
        "no handshake yet: the mailbox side is not healthy"
    );
}

#[test]
fn retry_classification_matches_the_policy() {
    use VfLinkError as E;
    for retryable in [
        E::PfResetInProgress,
        E::NotReady,
        E::NoReply,
        E::Nacked { id: 1, cts: false },
        E::Mailbox(VfMailboxError::AckTimeout),
        E::Mailbox(VfMailboxError::LockTimeout),
        E::Mailbox(VfMailboxError::MessageTimeout),
        E::Mailbox(VfMailboxError::DisabledUntilReset),
    ] {
        assert!(VfHandshakePolicy::is_retryable(&retryable), "{retryable:?}");
    }
    for fatal in [
        E::Mailbox(VfMailboxError::DeviceGone),
        E::Nacked { id: 5, cts: true },
        E::InvalidArgument,
    ] {
        assert!(!VfHandshakePolicy::is_retryable(&fatal), "{fatal:?}");
    }
}

#[test]
fn a_handshake_that_runs_into_a_pf_reset_counts_the_reset() {
    let rig = Rig::new(1);
    let mut vf = rig.vf(0);
    vf.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    // The PF announces its reset with a CTS-less ping; a VF that re-handshakes at once meets
    // RSTI in its own reset handshake, not in a poll (scenario d on QEMU).
    rig.pf
        .borrow_mut()
        .begin_reset_under_vfs(&rig.clock)
        .unwrap();
    assert_eq!(vf.link_mut().reset(), Err(VfLinkError::PfResetInProgress));
    assert_eq!(
        vf.link().stats().pf_resets,
        1,
        "RSTI seen by the handshake counts"
    );
    // Still resetting: seen again, not counted again.
    let _ = vf.poll_events();
    assert_eq!(vf.link().stats().pf_resets, 1);
    rig.pf.borrow_mut().complete_reset_under_vfs().unwrap();
    let mut reinitialised = None;
    for _ in 0..4 {
        if let Some(outcome) = vf.poll_events().unwrap().reinitialised {
            reinitialised = Some(outcome);
            break;
        }
    }
    assert_eq!(
        reinitialised.and_then(|outcome| outcome.assigned_mac),
        Some(VF_MACS[0])
    );
    assert_eq!(vf.link().stats().pf_resets, 1);
}

#[test]
fn a_pf_reset_over_before_a_owed_handshake_still_counts() {
    let rig = Rig::new(1);
    let mut vf = rig.vf(0);
    vf.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    // A handshake is owed (here: one the silent PF never answered)...
    rig.serving.set(false);
    assert!(vf.link_mut().reset().is_err());
    assert_eq!(vf.link().state(), LinkState::ResetRequired);
    // ...and the PF resets completely before the VF looks again: only RSTD is left.
    rig.pf.borrow_mut().reset_under_vfs(&rig.clock).unwrap();
    rig.serving.set(true);
    let _ = rig.device.take_interrupts(Function::Pf);
    rig.pf.borrow_mut().on_other_interrupt();
    let events = vf.poll_events().unwrap();
    assert!(events.reinitialised.is_some());
    assert_eq!(
        vf.link().stats().pf_resets,
        1,
        "RSTD while a handshake was owed counts"
    );
}

/// A miniport unmasks the "other" causes only once NDIS has connected its interrupt
/// (`unmask_other_at_bring_up: false`), and a DPC that runs after halt's quiesce must not
/// re-enable the vector the quiesce masked.
#[test]
fn the_other_vector_is_unmasked_on_request_and_stays_masked_after_quiesce() {
    let device = Device::new(GEN);
    let clock = device.clock();
    let config = PfConfig {
        link: LinkStart::Leave,
        unmask_other_at_bring_up: false,
        ..PfConfig::new(GEN, 0)
    };
    let (mut pf, _) = PfController::bring_up(device.pf_bar(), config, &clock).unwrap();
    let other = 1u32 << PF_VECTOR_OTHER;
    assert_eq!(pf.regs().read(EIMS) & other, 0, "masked until asked");
    assert_eq!(pf.regs().read(IMS) & icr::LSC, 0, "no cause unmasked yet");

    pf.enable_other_interrupt().unwrap();
    assert_ne!(pf.regs().read(EIMS) & other, 0);
    assert_eq!(pf.regs().read(IMS) & icr::LSC, icr::LSC);

    pf.quiesce().unwrap();
    assert_eq!(pf.regs().read(EIMS) & other, 0);
    // The late DPC: reports nothing, touches nothing.
    device.set_link(false);
    let causes = pf.on_other_interrupt();
    assert_eq!(causes, OtherCauses::default());
    assert_eq!(
        pf.regs().read(EIMS) & other,
        0,
        "quiesce undone by a late DPC"
    );
    assert_eq!(
        pf.enable_other_interrupt(),
        Err(PfControllerError::WrongPhase)
    );
}

/// MTA bit of a group address (MO = 0: DA bits 47:36), read back from the model.
fn mta_has(pf: &PfController<PfBar>, mac: &MacAddr) -> bool {
    let bit = igb::filters::mta_bit(mac);
    pf.regs().read(pf::mta(bit.register).unwrap()) & bit.mask() != 0
}

#[test]
fn the_pf_filter_shares_the_mta_with_the_vfs_and_survives_a_reset_under_vfs() {
    use igb::filters::{RxMode, Vmolr};
    let rig = Rig::new(2);
    let mut vf0 = rig.vf(0);
    vf0.handshake(&VfHandshakePolicy::DEFAULT).unwrap();
    let vf_group: MacAddr = [0x01, 0x00, 0x5E, 0x00, 0x10, 0x20];
    let pf_group: MacAddr = [0x01, 0x00, 0x5E, 0x00, 0x30, 0x40];
    vf0.link_mut().set_multicast(&[vf_group]).unwrap();
    assert!(mta_has(&rig.pf.borrow(), &vf_group));

    let mode = RxMode {
        directed: true,
        multicast: true,
        broadcast: true,
        ..RxMode::NONE
    };
    let all_multicast = RxMode {
        all_multicast: true,
        ..RxMode::NONE
    };
    let pf_pool = 2;
    {
        let mut pf = rig.pf.borrow_mut();
        pf.set_pf_rx_filter(mode, &[pf_group]).unwrap();
        // The union: the PF's list did not wipe the VF's group.
        assert!(mta_has(&pf, &pf_group) && mta_has(&pf, &vf_group));
        let vmolr = Vmolr::decode(pf.regs().read(pf::vmolr(pf_pool).unwrap()));
        assert!(vmolr.rompe && vmolr.bam && !vmolr.mpme);
        // A new PF list replaces only the PF's share.
        pf.set_pf_rx_filter(mode, &[]).unwrap();
        assert!(!mta_has(&pf, &pf_group) && mta_has(&pf, &vf_group));
        let vmolr = Vmolr::decode(pf.regs().read(pf::vmolr(pf_pool).unwrap()));
        assert!(
            !vmolr.rompe,
            "no PF hashes: the VFs' groups are not the PF's"
        );
        // Filter 0: the PF pool is a candidate for nothing, RAR0 invalid.
        pf.set_pf_rx_filter(RxMode::NONE, &[pf_group]).unwrap();
        let vmolr = Vmolr::decode(pf.regs().read(pf::vmolr(pf_pool).unwrap()));
        assert!(!vmolr.rompe && !vmolr.bam && !vmolr.mpme);
        let rah0 = pf.regs().read(pf::rah(GEN, 0).unwrap());
        assert_eq!(rah0 & pf::rah_bits::AV, 0);
        // The VF's own pool is untouched.
        let vf_vmolr = Vmolr::decode(pf.regs().read(pf::vmolr(0).unwrap()));
        assert!(vf_vmolr.rompe);
        pf.set_pf_rx_filter(all_multicast, &[pf_group]).unwrap();
    }

    // A MAC reset restores the default pool setup (BAM, ROMPE, RAR0 valid) and clears the
    // MTA; the PF's own filter (all-multicast only) must come back on top of it.
    rig.pf
        .borrow_mut()
        .begin_reset_under_vfs(&rig.clock)
        .unwrap();
    let pf = rig.pf.borrow();
    assert_eq!(pf.pf_rx_mode(), Some(all_multicast));
    assert!(mta_has(&pf, &pf_group));
    let vmolr = Vmolr::decode(pf.regs().read(pf::vmolr(pf_pool).unwrap()));
    assert!(vmolr.mpme && !vmolr.bam);
    assert_ne!(pf.regs().read(pf::RCTL) & pf::rctl::MPE, 0);
    let rah0 = pf.regs().read(pf::rah(GEN, 0).unwrap());
    assert_eq!(rah0 & pf::rah_bits::AV, 0);
}
