//! The "must show" model tests: pool filtering by RAR and VLAN, broadcast replication to BAM
//! pools, VF→VF internal switching with loopback on/off, MAC/VLAN anti-spoofing.

mod common;

use common::*;
use hw_platform::Mmio;
use igb_model::regs as r;
use igb_model::{Device, Function, Generation};

fn vf_rx(dev: &Device, vf: u8) -> RxRing<igb_model::VfBar> {
    RxRing::new(&dev.dma(), dev.vf_bar(vf), vf_rxq(0), 8)
}

fn pf_rx(dev: &Device, queue: u32) -> RxRing<igb_model::PfBar> {
    RxRing::new(&dev.dma(), dev.pf_bar(), pf_rxq(queue), 8)
}

#[test]
fn wire_frame_reaches_only_pools_whose_rar_and_vlan_match() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 3);
    let pf = dev.pf_bar();
    // VLAN filtering on; VID 100 belongs to VF0 and VF1 only; no default pool, so an
    // unmatched frame is dropped rather than handed to the PF.
    pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_VFE);
    pf.write32(
        r::VT_CTL,
        (3 << r::VT_CTL_DEF_PL_SHIFT) | r::VT_CTL_REPL_EN | r::VT_CTL_DIS_DEF_POOL,
    );
    set_vlvf(&pf, 0, 100, 0b011);
    // VF1 accepts tagged frames only (no AUPE).
    pf.write32(r::VMOLR0 + 4, r::VMOLR_BAM | r::VMOLR_STRCRC);
    let mut rx: Vec<_> = (0..3).map(|vf| vf_rx(&dev, vf)).collect();
    let mut pf_ring = pf_rx(&dev, 3);

    // Untagged unicast to VF0: only VF0.
    let to_vf0 = eth(vf_mac(0), [2, 9, 9, 9, 9, 9], None, 0x0800, b"to vf0");
    dev.inject(&to_vf0);
    let got: Vec<usize> = rx.iter_mut().map(|ring| ring.poll().len()).collect();
    assert_eq!(got, vec![1, 0, 0]);
    assert!(pf_ring.poll().is_empty());

    // Untagged unicast to VF1: VF1 lacks AUPE, nobody else matches: dropped and counted.
    let before = dev.counters().rx_no_match_drops;
    dev.inject(&eth(vf_mac(1), [2, 9, 9, 9, 9, 9], None, 0x0800, b"to vf1"));
    assert!(rx.iter_mut().all(|ring| ring.poll().is_empty()));
    assert!(pf_ring.poll().is_empty());
    assert_eq!(dev.counters().rx_no_match_drops, before + 1);

    // Tagged VID 100 to VF1: VF1 gets it (tag kept in the data, STRVLAN off).
    let tagged = eth(vf_mac(1), [2, 9, 9, 9, 9, 9], Some(100), 0x0800, b"vid100");
    dev.inject(&tagged);
    let vf1 = rx[1].poll();
    assert_eq!(vf1.len(), 1);
    assert_eq!(vf1[0].data, tagged);
    assert!(rx[0].poll().is_empty() && rx[2].poll().is_empty() && pf_ring.poll().is_empty());

    // Tagged VID 100 to VF2: VF2 is not in VID 100's VLVF entry: nobody.
    dev.inject(&eth(vf_mac(2), [2, 9, 9, 9, 9, 9], Some(100), 0x0800, b"x"));
    assert!(rx.iter_mut().all(|ring| ring.poll().is_empty()));

    // VID 200 is not in the VLAN filter table: dropped before pool selection.
    dev.inject(&eth(vf_mac(0), [2, 9, 9, 9, 9, 9], Some(200), 0x0800, b"x"));
    assert!(rx.iter_mut().all(|ring| ring.poll().is_empty()));
    assert_eq!(dev.counters().rx_vlan_filter_drops, 1);

    // Per-pool statistics as the VFs read them (VFGPRC is not clear-on-read).
    assert_eq!(dev.vf_bar(0).read32(r::VFGPRC), 1);
    assert_eq!(dev.vf_bar(1).read32(r::VFGPRC), 1);
    assert_eq!(dev.vf_bar(1).read32(r::VFGPRC), 1);
    assert_eq!(dev.vf_bar(2).read32(r::VFGPRC), 0);
    assert_eq!(dev.vf_bar(1).read32(r::VFGORC), tagged.len() as u32);
}

#[test]
fn unmatched_unicast_reaches_default_pool_only_in_unicast_promiscuous() {
    for generation in [Generation::I82576, Generation::I350] {
        let dev = Device::new(generation);
        pf_vmdq_setup(&dev, 2);
        let pf = dev.pf_bar();
        let mut vf0 = vf_rx(&dev, 0);
        let mut pf_ring = pf_rx(&dev, 2);
        let stranger = eth([2, 7, 7, 7, 7, 7], [2, 9, 9, 9, 9, 9], None, 0x0800, b"?");
        // 82576 datasheet 7.1.1: without RCTL.UPE an unknown unicast fails the L2 filter, so
        // the default pool never sees it.
        dev.inject(&stranger);
        assert!(
            pf_ring.poll().is_empty(),
            "{generation:?}: L2 filter drops it"
        );
        assert_eq!(dev.counters().rx_no_match_drops, 1);
        pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_UPE);
        dev.inject(&stranger);
        assert_eq!(
            pf_ring.poll().len(),
            1,
            "{generation:?}: default pool (PF pool 2) takes unmatched unicast with UPE"
        );
        assert!(vf0.poll().is_empty());
        pf.write32(
            r::VT_CTL,
            (2 << r::VT_CTL_DEF_PL_SHIFT) | r::VT_CTL_REPL_EN | r::VT_CTL_DIS_DEF_POOL,
        );
        dev.inject(&stranger);
        assert!(pf_ring.poll().is_empty());
    }
}

#[test]
fn rar_without_pool_bits_still_passes_the_l2_filter_to_the_default_pool() {
    let dev = Device::new(Generation::I350);
    pf_vmdq_setup(&dev, 2);
    let mut pf_ring = pf_rx(&dev, 2);
    set_rar(&dev.pf_bar(), 5, [2, 5, 5, 5, 5, 5], 0);
    dev.inject(&eth(
        [2, 5, 5, 5, 5, 5],
        [2, 9, 9, 9, 9, 9],
        None,
        0x0800,
        b"?",
    ));
    assert_eq!(pf_ring.poll().len(), 1);
}

#[test]
fn multicast_reaches_pools_by_mta_rompe_and_mpme() {
    for generation in [Generation::I82576, Generation::I350] {
        let dev = Device::new(generation);
        pf_vmdq_setup(&dev, 2);
        let pf = dev.pf_bar();
        let mut vf0 = vf_rx(&dev, 0);
        let mut vf1 = vf_rx(&dev, 1);
        let mut pf_ring = pf_rx(&dev, 2);
        // 01:00:5E:00:00:01: MO = 0 hash = DA bits 47:36 = 0x010 -> MTA[0] bit 16.
        let group = [0x01, 0x00, 0x5E, 0x00, 0x00, 0x01];
        let other = [0x01, 0x00, 0x5E, 0x00, 0x01, 0x02];
        pf.write32(r::MTA0, 1 << 16);
        pf.write32(r::VMOLR0, r::VMOLR_AUPE | r::VMOLR_ROMPE | r::VMOLR_STRCRC);
        pf.write32(
            r::VMOLR0 + 4,
            r::VMOLR_AUPE | r::VMOLR_MPME | r::VMOLR_STRCRC,
        );
        pf.write32(r::VMOLR0 + 8, r::VMOLR_AUPE | r::VMOLR_STRCRC);
        dev.inject(&eth(group, [2, 9, 9, 9, 9, 9], None, 0x0800, b"g"));
        assert_eq!(vf0.poll().len(), 1, "{generation:?}: MTA hit, ROMPE");
        assert_eq!(vf1.poll().len(), 1, "{generation:?}: MPME");
        assert!(pf_ring.poll().is_empty(), "{generation:?}: neither");
        dev.inject(&eth(other, [2, 9, 9, 9, 9, 9], None, 0x0800, b"o"));
        assert!(vf0.poll().is_empty(), "{generation:?}: MTA miss");
        assert_eq!(vf1.poll().len(), 1);
        assert!(pf_ring.poll().is_empty());
        // The MTA hash honours RCTL.MO: type 3 uses DA bits 43:32 (0x201 for `other`).
        pf.write32(r::RCTL, r::RCTL_EN | (3 << 12));
        pf.write32(r::MTA0, 0);
        pf.write32(r::MTA0 + 4 * (0x201 >> 5), 1 << (0x201 & 31));
        dev.inject(&eth(other, [2, 9, 9, 9, 9, 9], None, 0x0800, b"o"));
        assert_eq!(vf0.poll().len(), 1, "{generation:?}: MO = 3 hash");
        assert_eq!(vf1.poll().len(), 1);
    }
}

#[test]
fn broadcast_is_replicated_to_bam_pools_only() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 3);
    let pf = dev.pf_bar();
    pf.write32(r::VMOLR0 + 4, r::VMOLR_AUPE | r::VMOLR_STRCRC); // VF1: no BAM
    let mut rx: Vec<_> = (0..3).map(|vf| vf_rx(&dev, vf)).collect();
    let mut pf_ring = pf_rx(&dev, 3);
    let bcast = eth(BROADCAST, [2, 9, 9, 9, 9, 9], None, 0x0806, b"arp who-has");
    dev.inject(&bcast);
    let vf0 = rx[0].poll();
    assert_eq!(vf0.len(), 1);
    assert_eq!(vf0[0].data, bcast);
    assert!(rx[1].poll().is_empty(), "VF1 has no BAM");
    assert_eq!(rx[2].poll().len(), 1);
    assert_eq!(pf_ring.poll().len(), 1);
    // Broadcast counts as multicast in the per-pool statistics.
    assert_eq!(dev.vf_bar(0).read32(r::VFMPRC), 1);
    assert_eq!(dev.vf_bar(1).read32(r::VFMPRC), 0);
    // Global statistics are read-to-clear.
    assert_eq!(pf.read32(r::BPRC), 1);
    assert_eq!(pf.read32(r::BPRC), 0);
}

#[test]
fn vf_to_vf_frames_are_switched_internally_only_with_loopback_on() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 2);
    let pf = dev.pf_bar();
    let mut vf0_tx = TxRing::new(&dev.dma(), dev.vf_bar(0), vf_txq(0), 8);
    let mut vf0_rx = vf_rx(&dev, 0);
    let mut vf1_rx = vf_rx(&dev, 1);
    let frame = eth(vf_mac(1), vf_mac(0), None, 0x0800, b"hello vf1");

    // Loopback on: delivered to VF1 with the LB status bit, not sent to the wire.
    pf.write32(r::DTXSWC, r::TXSWC_LOOPBACK_EN);
    let index = vf0_tx.send(&frame);
    assert!(vf0_tx.done(index));
    let got = vf1_rx.poll();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, frame);
    assert_ne!(got[0].status & r::RXD_STAT_LB, 0);
    assert!(dev.capture().is_empty());
    assert_eq!(dev.vf_bar(0).read32(r::VFGPTLBC), 1);
    assert_eq!(dev.vf_bar(1).read32(r::VFGPRLBC), 1);

    // Broadcast with loopback on: to VF1 and to the wire, not back to the sender.
    let bcast = eth(BROADCAST, vf_mac(0), None, 0x0806, b"bcast");
    vf0_tx.send(&bcast);
    assert_eq!(vf1_rx.poll().len(), 1);
    assert!(
        vf0_rx.poll().is_empty(),
        "sender excluded without its local-loopback bit"
    );
    assert_eq!(dev.capture(), vec![bcast.clone()]);

    // Loopback off: the same unicast goes to the wire and VF1 sees nothing.
    pf.write32(r::DTXSWC, 0);
    let index = vf0_tx.send(&frame);
    assert!(vf0_tx.done(index));
    assert!(vf1_rx.poll().is_empty());
    assert_eq!(dev.capture(), vec![frame]);
}

#[test]
fn spoofed_source_mac_is_dropped_and_counted_with_anti_spoof_on() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 2);
    let pf = dev.pf_bar();
    // PF "other" interrupt routing so the spoof event is visible as an interrupt.
    pf.write32(r::GPIE, r::GPIE_MSIX_MODE | r::GPIE_PBA | r::GPIE_NSICR);
    pf.write32(r::IVAR_MISC, r::IVAR_VALID << 8);
    pf.write32(r::EIMS, 1 << 0);
    pf.write32(r::IMS, r::ICR_DOUTSYNC);
    let mut vf0_tx = TxRing::new(&dev.dma(), dev.vf_bar(0), vf_txq(0), 8);
    let spoofed = eth([2, 5, 5, 5, 5, 5], vf_mac(1), None, 0x0800, b"i am vf1");
    let honest = eth([2, 5, 5, 5, 5, 5], vf_mac(0), None, 0x0800, b"i am vf0");

    // Anti-spoof on for pool 0 (MAC bit 0).
    pf.write32(r::DTXSWC, 1 << 0);
    let index = vf0_tx.send(&spoofed);
    assert!(vf0_tx.done(index), "the descriptor still completes");
    assert!(dev.capture().is_empty(), "spoofed frame must not leave");
    assert_eq!(dev.counters().tx_mac_spoof_drops, 1);
    assert_eq!(pf.read32(r::WVBR), 1 << 0);
    assert_eq!(pf.read32(r::WVBR), 0, "WVBR is read-to-clear");
    assert_ne!(pf.read32(r::ICR) & r::ICR_DOUTSYNC, 0);
    assert_eq!(
        dev.take_interrupts(Function::Pf),
        vec![hw_platform::MsixVector(0)]
    );
    assert_eq!(
        dev.vf_bar(0).read32(r::VFGPTC),
        0,
        "dropped frames are not counted as sent"
    );

    // The VF's own MAC passes.
    vf0_tx.send(&honest);
    assert_eq!(dev.capture(), vec![honest]);

    // Anti-spoof off: the spoofed frame goes out.
    pf.write32(r::DTXSWC, 0);
    vf0_tx.send(&spoofed);
    assert_eq!(dev.capture(), vec![spoofed]);
    assert_eq!(dev.counters().tx_mac_spoof_drops, 1);
}

#[test]
fn vlan_anti_spoof_drops_tags_the_pool_does_not_own() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 2);
    let pf = dev.pf_bar();
    set_vlvf(&pf, 0, 10, 1 << 0);
    set_vlvf(&pf, 1, 20, 1 << 1);
    pf.write32(r::DTXSWC, 1 << (r::TXSWC_VLAN_SPOOF_SHIFT));
    let mut vf0_tx = TxRing::new(&dev.dma(), dev.vf_bar(0), vf_txq(0), 8);
    let own = eth(BROADCAST, vf_mac(0), Some(10), 0x0800, b"vid 10");
    let foreign = eth(BROADCAST, vf_mac(0), Some(20), 0x0800, b"vid 20");
    vf0_tx.send(&own);
    vf0_tx.send(&foreign);
    assert_eq!(dev.capture(), vec![own]);
    assert_eq!(dev.counters().tx_vlan_spoof_drops, 1);
    assert_eq!(pf.read32(r::WVBR), 1 << 8);
}
