//! `Device::dma_may_target`: which memory the device may still write (the emulator's
//! "shared memory freed while the queue is not disabled" rule).

mod common;

use common::*;
use hw_platform::{DmaAllocator, DmaMemory, Mmio};
use igb_model::regs as r;
use igb_model::{Device, Generation};

#[test]
fn enabled_rings_writeback_and_hardware_owned_buffers_are_targets() {
    let dev = Device::new(Generation::I82576);
    let arena = dev.dma();
    let pf = dev.pf_bar();
    // Queue 0's TXDCTL/RXDCTL.ENABLE come out of reset set: disable everything first.
    pf.write32(pf_rxq(0) + r::Q_DCTL, 0);
    pf.write32(pf_txq(0) + r::Q_DCTL, 0);
    let unrelated = arena.allocate(4096, 128).unwrap();
    let unrelated_addr = unrelated.dma_addr().as_u64();
    assert!(!dev.dma_may_target(unrelated_addr, 4096));

    // Rx ring of 8 (RDLEN is a multiple of 128 bytes): RxRing posts descriptors 0..=6
    // (tail 7); all buffers are hardware-owned except the one at tail.
    let mut rx = RxRing::new(&arena, dev.pf_bar(), pf_rxq(1), 8);
    let ring = rx.ring.dma_addr().as_u64();
    assert!(
        dev.dma_may_target(ring, 1),
        "descriptor ring of an enabled queue"
    );
    assert!(dev.dma_may_target(ring + 127, 1));
    assert!(
        !dev.dma_may_target(ring + 128, 64),
        "past the ring (guard gap)"
    );
    let buffers: Vec<u64> = rx.buffers.iter().map(|b| b.dma_addr().as_u64()).collect();
    let buffer = |i: usize| buffers[i];
    assert!(dev.dma_may_target(buffer(0), 1));
    assert!(dev.dma_may_target(buffer(6) + 2047, 1));
    assert!(
        !dev.dma_may_target(buffer(7), 2048),
        "descriptor at tail: software's"
    );

    // Hardware moved past descriptor 0 (as after a receive): it is software's now.
    pf.write32(pf_rxq(1) + r::Q_HEAD, 1);
    assert!(
        !dev.dma_may_target(buffer(0), 2048),
        "between tail and head"
    );
    assert!(dev.dma_may_target(buffer(1), 2048));
    assert!(rx.poll().is_empty());

    // Disabling the queue ends it.
    pf.write32(pf_rxq(1) + r::Q_DCTL, 0);
    assert!(!dev.dma_may_target(ring, 128));
    assert!(!dev.dma_may_target(buffer(1), 2048));

    // Tx ring (VF queue through the VF BAR) plus head write-back.
    dev.enable_vfs(1).unwrap();
    let tx = TxRing::new(&arena, dev.vf_bar(0), vf_txq(0), 8);
    let tx_ring = tx.ring.dma_addr().as_u64();
    assert!(dev.dma_may_target(tx_ring, 128));
    let wb = arena.allocate(128, 128).unwrap();
    let wb_addr = wb.dma_addr().as_u64();
    assert!(!dev.dma_may_target(wb_addr, 4));
    let vf = dev.vf_bar(0);
    vf.write32(vf_txq(0) + r::Q_TDWBAL, wb_addr as u32 | 1);
    vf.write32(vf_txq(0) + r::Q_TDWBAH, (wb_addr >> 32) as u32);
    assert!(dev.dma_may_target(wb_addr, 4));
    assert!(
        dev.dma_may_target(wb_addr + 3, 100),
        "overlap at the last byte"
    );
    assert!(!dev.dma_may_target(wb_addr + 4, 100));
    // Write-back disabled (bit 0 clear): no longer a target.
    vf.write32(vf_txq(0) + r::Q_TDWBAL, wb_addr as u32);
    assert!(!dev.dma_may_target(wb_addr, 4));
    // VF FLR disables the VF's queues.
    dev.vf_flr(0).unwrap();
    assert!(!dev.dma_may_target(tx_ring, 128));
    // Hostile lengths do not overflow.
    assert!(!dev.dma_may_target(u64::MAX - 1, u64::MAX));
    assert!(!dev.dma_may_target(unrelated_addr, 0));
}
