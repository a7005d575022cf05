//! Hostile drivers and hostile frames must not crash or hang the model: random register
//! writes through a VF BAR, random Tx descriptors (including TSO/checksum contexts) and
//! random frames on the wire. Deterministic (fixed-seed xorshift) so failures reproduce.

mod common;

use common::*;
use hw_platform::{DmaAllocator, DmaMemory, Mmio};
use igb_model::regs as r;
use igb_model::{Device, Generation};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

#[test]
fn random_vf_register_writes_do_not_break_the_pf() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 2);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let vf = dev.vf_bar(1);
    for _ in 0..20_000 {
        let offset = (rng.below(0x4000) as u32) & !3;
        let value = rng.next() as u32;
        vf.write32(offset, value);
        let _ = vf.read32((rng.below(0x4000) as u32) & !3);
    }
    // The PF and VF0 are unaffected: VF0 still receives its frames.
    let mut vf0 = RxRing::new(&dev.dma(), dev.vf_bar(0), vf_rxq(0), 8);
    dev.inject(&eth(
        vf_mac(0),
        [2, 1, 1, 1, 1, 1],
        None,
        0x0800,
        b"still alive",
    ));
    assert_eq!(vf0.poll().len(), 1);
    assert_eq!(dev.pf_bar().read32(r::VFRE) & 1, 1);
}

#[test]
fn random_tx_descriptors_and_contexts_are_survived() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 1);
    let arena = dev.dma();
    let ring = arena.allocate(64 * 16, 128).unwrap();
    let buffer = arena.allocate(65536, 128).unwrap();
    let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
    for i in 0..65536 {
        buffer.write_bytes(i, &[rng.next() as u8]).unwrap();
    }
    let vf = dev.vf_bar(0);
    let base = ring.dma_addr().as_u64();
    vf.write32(vf_txq(0) + r::Q_BAL, base as u32);
    vf.write32(vf_txq(0) + r::Q_BAH, (base >> 32) as u32);
    vf.write32(vf_txq(0) + r::Q_LEN, 64 * 16);
    vf.write32(vf_txq(0) + r::Q_DCTL, r::DCTL_ENABLE);
    for round in 0..200u32 {
        for i in 0..64 {
            let addr = if rng.below(8) == 0 {
                rng.next()
            } else {
                buffer.dma_addr().as_u64() + rng.below(4096)
            };
            let dtyp = if rng.below(2) == 0 {
                r::TXD_DTYP_DATA
            } else {
                r::TXD_DTYP_CONTEXT
            };
            let cmd =
                (rng.next() as u32 & 0xDF0F_FFFF) | (dtyp << r::TXD_DTYP_SHIFT) | r::TXD_CMD_DEXT;
            ring.write_u64(i * 16, addr).unwrap();
            ring.write_u32(i * 16 + 8, cmd).unwrap();
            ring.write_u32(i * 16 + 12, rng.next() as u32).unwrap();
        }
        // Reset the queue state (a stalled queue stays stalled otherwise) and run it.
        vf.write32(vf_txq(0) + r::Q_DCTL, 0);
        vf.write32(vf_txq(0) + r::Q_HEAD, 0);
        vf.write32(vf_txq(0) + r::Q_TAIL, 0);
        vf.write32(vf_txq(0) + r::Q_DCTL, r::DCTL_ENABLE);
        vf.write32(vf_txq(0) + r::Q_TAIL, 1 + round % 63);
        let _ = dev.capture();
    }
    let counters = dev.counters();
    assert!(
        counters.dma_faults > 0,
        "random addresses must have faulted: {counters:?}"
    );
}

#[test]
fn random_frames_from_the_wire_are_survived() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 1);
    let pf = dev.pf_bar();
    pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_LPE);
    pf.write32(r::RLPML, 0x3FFF);
    let mut vf0 = RxRing::new(&dev.dma(), dev.vf_bar(0), vf_rxq(0), 16);
    let mut rng = XorShift(0xDEAD_BEEF_CAFE_F00D);
    for _ in 0..5000 {
        let len = rng.below(1600) as usize;
        let mut frame: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if len >= 14 {
            frame[..6].copy_from_slice(&vf_mac(0));
            let ethertype: u16 = match rng.below(4) {
                0 => 0x0800,
                1 => 0x86DD,
                2 => 0x8100,
                _ => rng.next() as u16,
            };
            frame[12..14].copy_from_slice(&ethertype.to_be_bytes());
            if len > 18 && ethertype == 0x8100 {
                frame[16..18].copy_from_slice(&0x0800u16.to_be_bytes());
            }
            if len > 15 && ethertype == 0x0800 {
                frame[14] = 0x40 | (rng.below(16) as u8);
            }
        }
        dev.inject(&frame);
        let _ = vf0.poll();
    }
    assert!(dev.pf_bar().read32(r::GPRC) > 0);
}
