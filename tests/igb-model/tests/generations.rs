//! 82576 vs I350 differences the model implements (igb-hardware.md §7).

mod common;

use common::*;
use hw_platform::{Mmio, MsixVector};
use igb_model::regs as r;
use igb_model::{Device, Function, Generation};

#[test]
fn second_vf_queue_exists_only_on_82576() {
    for (generation, expect_second) in [(Generation::I82576, true), (Generation::I350, false)] {
        let dev = Device::new(generation);
        dev.enable_vfs(2).unwrap();
        let vf1 = dev.vf_bar(1);
        vf1.write32(vf_rxq(1) + r::Q_LEN, 4096);
        let seen_by_pf = dev.pf_bar().read32(pf_rxq(9) + r::Q_LEN);
        assert_eq!(
            vf1.read32(vf_rxq(1) + r::Q_LEN) == 4096,
            expect_second,
            "{generation:?}"
        );
        assert_eq!(
            seen_by_pf == 4096,
            expect_second,
            "{generation:?}: VF1 queue 1 is PF queue 9"
        );
    }
}

#[test]
fn loopback_enable_lives_in_dtxswc_on_82576_and_txswc_on_i350() {
    for generation in [Generation::I82576, Generation::I350] {
        let dev = Device::new(generation);
        pf_vmdq_setup(&dev, 2);
        let pf = dev.pf_bar();
        let (right, wrong) = match generation {
            Generation::I82576 => (r::DTXSWC, r::TXSWC),
            Generation::I350 => (r::TXSWC, r::DTXSWC),
        };
        let mut tx = TxRing::new(&dev.dma(), dev.vf_bar(0), vf_txq(0), 8);
        let mut vf1 = RxRing::new(&dev.dma(), dev.vf_bar(1), vf_rxq(0), 8);
        let frame = eth(vf_mac(1), vf_mac(0), None, 0x0800, b"x");
        pf.write32(wrong, r::TXSWC_LOOPBACK_EN);
        tx.send(&frame);
        assert!(
            vf1.poll().is_empty(),
            "{generation:?}: the other generation's register does nothing"
        );
        assert_eq!(dev.capture().len(), 1);
        pf.write32(wrong, 0);
        pf.write32(right, r::TXSWC_LOOPBACK_EN);
        tx.send(&frame);
        assert_eq!(vf1.poll().len(), 1, "{generation:?}");
        assert!(dev.capture().is_empty());
    }
}

#[test]
fn i350_ivar_is_row_major() {
    let dev = Device::new(Generation::I350);
    let pf = dev.pf_bar();
    pf.write32(r::GPIE, r::GPIE_MSIX_MODE | r::GPIE_PBA);
    set_rar(&pf, 0, PF_MAC, 0);
    pf.write32(r::RCTL, r::RCTL_EN);
    // Queue 1 Rx is IVAR0[0] byte 2 on the I350 (it would be IVAR0[1] byte 0 on the 82576).
    pf.write32(r::IVAR0, (r::IVAR_VALID | 5) << 16);
    pf.write32(r::IVAR0 + 4, r::IVAR_VALID | 6);
    pf.write32(r::EIMS, 0x3FF);
    // Non-VMDq mode places frames in queue 0; use VMDq with the PF as pool 1 → queue 1.
    pf.write32(r::MRQC, r::MRQC_MODE_VMDQ);
    pf.write32(r::VFRE, 0xFF);
    set_rar(&pf, 0, PF_MAC, 1 << 1);
    pf.write32(r::VMOLR0 + 4, r::VMOLR_AUPE | r::VMOLR_STRCRC);
    let mut rx = RxRing::new(&dev.dma(), dev.pf_bar(), pf_rxq(1), 8);
    dev.inject(&eth(PF_MAC, [2, 1, 1, 1, 1, 1], None, 0x0800, b"q1"));
    assert_eq!(rx.poll().len(), 1);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(5)]);
}

#[test]
fn i350_strips_vlan_by_dvmolr_and_byte_swaps_loopback_tags() {
    let dev = Device::new(Generation::I350);
    pf_vmdq_setup(&dev, 2);
    let pf = dev.pf_bar();
    // VMOLR.STRVLAN is the 82576's bit; on the I350 it is DVMOLR.
    pf.write32(
        r::VMOLR0 + 4,
        r::VMOLR_AUPE | r::VMOLR_BAM | r::VMOLR_STRVLAN,
    );
    let mut vf1 = RxRing::new(&dev.dma(), dev.vf_bar(1), vf_rxq(0), 8);
    let tagged = eth(vf_mac(1), [2, 1, 1, 1, 1, 1], Some(0x0123), 0x0800, b"t");
    dev.inject(&tagged);
    assert_eq!(vf1.poll()[0].status & r::RXD_STAT_VP, 0);
    pf.write32(r::DVMOLR0 + 0x40, r::DVMOLR_STRVLAN | r::DVMOLR_STRCRC);
    dev.inject(&tagged);
    let got = vf1.poll();
    assert_ne!(got[0].status & r::RXD_STAT_VP, 0);
    assert_eq!(got[0].vlan, 0x0123);
    assert_eq!(got[0].data.len(), tagged.len() - 4, "tag and CRC stripped");
    // Looped back from VF0: LB set and (I350 quirk) the VLAN field byte-swapped.
    pf.write32(r::TXSWC, r::TXSWC_LOOPBACK_EN);
    let mut tx = TxRing::new(&dev.dma(), dev.vf_bar(0), vf_txq(0), 8);
    tx.send(&eth(vf_mac(1), vf_mac(0), Some(0x0123), 0x0800, b"lb"));
    let got = vf1.poll();
    assert_ne!(got[0].status & r::RXD_STAT_LB, 0);
    assert_eq!(got[0].vlan, 0x2301);
}

#[test]
fn rar_table_has_24_entries_on_82576_and_32_on_i350() {
    for (generation, matches) in [(Generation::I82576, false), (Generation::I350, true)] {
        let dev = Device::new(generation);
        let pf = dev.pf_bar();
        set_rar(&pf, 30, [2, 3, 3, 3, 3, 3], 0);
        pf.write32(r::RCTL, r::RCTL_EN);
        let mut rx = RxRing::new(&dev.dma(), dev.pf_bar(), pf_rxq(0), 8);
        dev.inject(&eth(
            [2, 3, 3, 3, 3, 3],
            [2, 1, 1, 1, 1, 1],
            None,
            0x0800,
            b"r",
        ));
        assert_eq!(rx.poll().len() == 1, matches, "{generation:?}");
    }
}
