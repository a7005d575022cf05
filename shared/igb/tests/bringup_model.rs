//! PF bring-up (`igb::pf_device`) and queue bring-up (`igb::queue`) with the ring engine,
//! through the device model: the deterministic counterpart of what the QEMU tier
//! (`tests/qemu`) runs on QEMU's 82576. (The PHY is not modelled, so `start_link` is covered
//! only by the QEMU tier.)

use hw_platform::{DmaAddr, DmaAllocator, DmaMemory, Mmio};
use igb::filters::RarEntry;
use igb::ids::Generation;
use igb::pf_device::{PfDevice, PfInitError};
use igb::queue::{QueueError, RingPlacement, enable_rx_queue, enable_tx_queue};
use igb::regs::pf::{self, MRQC, VFRE, VFTE, VT_CTL, mrqc, txswc, vt_ctl};
use igb::regs::{GenerationTraits, PfRegisters, PoolMask};
use igb::ring::{MmioDoorbell, RxRing, TxFragment, TxRequest, TxRing, ring_bytes};
use igb_model::{DEFAULT_MAC, Device};

const GEN: Generation = Generation::I82576;
const RING: u32 = 16;
const BUFFER: usize = 2048;

#[test]
fn pf_bring_up_programs_vmdq_with_only_the_pf_pool_open() {
    let device = Device::new(GEN);
    device.enable_vfs(2).unwrap();
    let clock = device.clock();
    let (mut pf, report) = PfDevice::reset(device.pf_bar(), GEN, None, &clock).unwrap();
    assert_eq!(pf.mac(), DEFAULT_MAC, "the permanent MAC comes from RAR0");
    assert!(!report.auto_read_timed_out && !report.master_disable_timed_out);

    let mut slots = igb::slots::FilterSlots::new(GEN, 2).unwrap();
    pf.configure_pools(2, &mut slots).unwrap();
    assert_eq!((pf.pf_pool(), pf.pf_queue()), (2, 2));
    let regs = pf.regs();
    assert_eq!(regs.read(MRQC) & mrqc::MODE_MASK, mrqc::VMDQ);
    let vt = regs.read(VT_CTL);
    assert_eq!((vt & vt_ctl::DEF_PL_MASK) >> vt_ctl::DEF_PL_SHIFT, 2);
    assert_ne!(vt & vt_ctl::REPL_EN, 0);
    // VF pools stay closed until their reset handshake (the mailbox opens them).
    assert_eq!(regs.read(VFRE), 1 << 2);
    assert_eq!(regs.read(VFTE), 1 << 2);
    let rar0 = RarEntry::decode(
        regs.read(pf::ral(GEN, 0).unwrap()),
        regs.read(pf::rah(GEN, 0).unwrap()),
    );
    assert_eq!(
        (rar0.mac, rar0.pools, rar0.valid),
        (DEFAULT_MAC, PoolMask(1 << 2), true)
    );
    let switch = regs.read(GenerationTraits::of(GEN).switch_control);
    assert_ne!(
        switch & txswc::LOOPBACK_EN,
        0,
        "VF<->VF traffic stays in the NIC"
    );
    assert_eq!(
        switch & 0xFF,
        0b11,
        "VF pools are MAC anti-spoof checked, the PF's is not"
    );

    // One pool always stays the PF's.
    assert_eq!(
        pf.configure_pools(8, &mut slots),
        Err(PfInitError::TooManyVfs(8))
    );
    // Slots made for another VF count are refused before any write.
    assert_eq!(
        pf.configure_pools(1, &mut slots),
        Err(PfInitError::Filter(igb::slots::SlotError::NoSuchOwner))
    );
}

#[test]
fn a_frame_from_the_wire_reaches_the_pf_queue_and_the_reply_leaves_it() {
    let device = Device::new(GEN);
    device.enable_vfs(1).unwrap();
    let clock = device.clock();
    let (mut pf, _) = PfDevice::reset(device.pf_bar(), GEN, None, &clock).unwrap();
    pf.configure_pools(1, &mut igb::slots::FilterSlots::new(GEN, 1).unwrap())
        .unwrap();
    let queue = pf.pf_queue();
    let rx_regs = pf::rx_queue(GEN, queue).unwrap();
    let tx_regs = pf::tx_queue(GEN, queue).unwrap();
    let arena = device.dma();
    let ring_memory = || arena.allocate(ring_bytes(RING), 128).unwrap();
    let mut rx = RxRing::new(
        ring_memory(),
        RING,
        MmioDoorbell::new(device.pf_bar(), rx_regs.rdt),
    )
    .unwrap();
    let mut tx = TxRing::new(
        ring_memory(),
        RING,
        MmioDoorbell::new(device.pf_bar(), tx_regs.tdt),
    )
    .unwrap();
    let placement = |base: DmaAddr| RingPlacement {
        base,
        descriptors: RING,
    };
    enable_rx_queue(
        pf.regs(),
        &rx_regs,
        placement(rx.dma_base()),
        BUFFER as u32,
        &clock,
    )
    .unwrap();
    enable_tx_queue(pf.regs(), &tx_regs, placement(tx.dma_base()), &clock).unwrap();
    let buffers: Vec<_> = (0..RING - 1)
        .map(|_| arena.allocate(BUFFER, 128).unwrap())
        .collect();
    for (index, buffer) in buffers.iter().enumerate() {
        rx.post(buffer.dma_addr(), BUFFER as u32, index).unwrap();
    }
    rx.flush();

    // A unicast frame to the PF's MAC lands in the PF pool's queue.
    let mut frame = Vec::new();
    frame.extend_from_slice(&DEFAULT_MAC);
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x99]);
    frame.extend_from_slice(&0x88B5u16.to_be_bytes());
    frame.extend((0..46u8).map(|i| i.wrapping_mul(7)));
    device.inject(&frame);
    let mut received = Vec::new();
    rx.receive(RING as usize, |packet| {
        let mut bytes = vec![0u8; usize::from(packet.info.length)];
        buffers[packet.token].read_bytes(0, &mut bytes).unwrap();
        received.push(bytes);
    });
    assert_eq!(received, vec![frame.clone()]);

    // And a frame posted on the PF's Tx ring leaves on the wire, byte for byte.
    let tx_buffer = arena.allocate(BUFFER, 128).unwrap();
    let mut reply = frame.clone();
    reply[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x99]);
    reply[6..12].copy_from_slice(&DEFAULT_MAC);
    tx_buffer.write_bytes(0, &reply).unwrap();
    let fragment = [TxFragment {
        addr: tx_buffer.dma_addr(),
        len: reply.len() as u16,
    }];
    tx.post(&TxRequest::plain(&fragment), 7u32).unwrap();
    tx.flush();
    assert_eq!(device.capture(), vec![reply]);
    let mut completed = Vec::new();
    tx.clean(RING as usize, |token| completed.push(token));
    assert_eq!(completed, vec![7]);
}

/// A BAR of a device that is gone: every read is all ones.
struct GoneBar;

impl Mmio for GoneBar {
    fn read32(&self, _offset: u32) -> u32 {
        u32::MAX
    }
    fn write32(&self, _offset: u32, _value: u32) {}
}

#[test]
fn bad_queue_parameters_and_a_vanished_device_are_errors_not_hangs() {
    let device = Device::new(GEN);
    let clock = device.clock();
    let regs = PfRegisters::new(device.pf_bar());
    let rx_regs = pf::rx_queue(GEN, 0).unwrap();
    let good = RingPlacement {
        base: DmaAddr::new(0x1_0000_0000),
        descriptors: RING,
    };
    assert_eq!(
        enable_rx_queue(
            &regs,
            &rx_regs,
            RingPlacement {
                descriptors: 12,
                ..good
            },
            2048,
            &clock
        ),
        Err(QueueError::BadRingSize(12))
    );
    let misaligned = DmaAddr::new(0x1_0000_0040);
    assert_eq!(
        enable_rx_queue(
            &regs,
            &rx_regs,
            RingPlacement {
                base: misaligned,
                ..good
            },
            2048,
            &clock
        ),
        Err(QueueError::Misaligned(misaligned))
    );
    assert_eq!(
        enable_rx_queue(&regs, &rx_regs, good, 0, &clock),
        Err(QueueError::BadBufferLength(0))
    );

    let gone = PfRegisters::new(GoneBar);
    assert!(matches!(
        enable_rx_queue(&gone, &rx_regs, good, 2048, &clock),
        Err(QueueError::DeviceGone(_))
    ));
    assert!(matches!(
        PfDevice::reset(GoneBar, GEN, None, &clock),
        Err(PfInitError::DeviceGone(_))
    ));
}
