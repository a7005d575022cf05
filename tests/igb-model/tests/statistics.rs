//! Statistics registers: the PF's are clear-on-read (82576 datasheet 8.19), the per-VF ones
//! are not and wrap at 32 bits.

mod common;

use common::*;
use hw_platform::Mmio;
use igb_model::regs as r;
use igb_model::{DEFAULT_MAC, Device, Generation, PfBar, VfCounter};

fn take(pf: &PfBar, offset: u32) -> (u32, u32) {
    (pf.read32(offset), pf.read32(offset))
}

#[test]
fn pf_statistics_count_and_clear_on_read() {
    let dev = Device::new(Generation::I82576);
    let pf = dev.pf_bar();
    pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_BAM | r::RCTL_MPE);
    pf.write32(r::TCTL, r::TCTL_EN);
    let mut rx = RxRing::new(&dev.dma(), dev.pf_bar(), pf_rxq(0), 8);
    let mut tx = TxRing::new(&dev.dma(), dev.pf_bar(), pf_txq(0), 8);
    let peer = [2, 0, 0, 0, 0, 9];
    let unicast = eth(DEFAULT_MAC, peer, None, 0x0800, &[0; 46]);
    dev.inject(&unicast);
    dev.inject(&eth(BROADCAST, peer, None, 0x0806, &[0; 46]));
    dev.inject(&eth([0x01, 0, 0x5E, 0, 0, 1], peer, None, 0x0800, &[0; 46]));
    dev.inject(&unicast[..40]); // runt
    dev.inject_bad_crc(&unicast);
    dev.inject_phy_error();
    assert_eq!(rx.poll().len(), 3);
    tx.send(&eth(peer, DEFAULT_MAC, None, 0x0800, &[0; 46]));
    tx.send(&eth(BROADCAST, DEFAULT_MAC, None, 0x0806, &[0; 46]));
    tx.send(&eth(
        [0x33, 0x33, 0, 0, 0, 1],
        DEFAULT_MAC,
        None,
        0x86DD,
        &[0; 46],
    ));
    assert_eq!(dev.capture().len(), 3);

    assert_eq!(take(&pf, r::GPRC), (3, 0));
    assert_eq!(take(&pf, r::BPRC), (1, 0));
    assert_eq!(take(&pf, r::MPRC), (1, 0));
    assert_eq!(take(&pf, r::GPTC), (3, 0));
    assert_eq!(take(&pf, r::BPTC), (1, 0));
    assert_eq!(take(&pf, r::MPTC), (1, 0));
    assert_eq!(take(&pf, r::RUC), (1, 0));
    assert_eq!(take(&pf, r::RLEC), (1, 0));
    assert_eq!(take(&pf, r::CRCERRS), (1, 0));
    assert_eq!(take(&pf, r::RXERRC), (1, 0));
    assert_eq!(take(&pf, r::COLC), (0, 0), "full duplex: no collisions");
    assert_eq!(take(&pf, r::MPC), (0, 0));
    assert_eq!(take(&pf, r::ROC), (0, 0));
    // 64-bit octet counters (with CRC): low then high; the high read clears.
    assert_eq!(pf.read32(r::GORCL), 3 * 64);
    assert_eq!(pf.read32(r::GORCH), 0);
    assert_eq!(pf.read32(r::GORCL), 0);
    assert_eq!(pf.read32(r::GOTCL), 3 * 64);
    assert_eq!(pf.read32(r::GOTCH), 0);
    assert_eq!(pf.read32(r::GOTCL), 0);

    // Oversize counts ROC and RLEC.
    dev.inject(&eth(DEFAULT_MAC, peer, None, 0x0800, &[0; 1600]));
    assert_eq!(take(&pf, r::ROC), (1, 0));
    assert_eq!(take(&pf, r::RLEC), (1, 0));
}

#[test]
fn vf_counters_are_not_clear_on_read_and_wrap() {
    let dev = Device::new(Generation::I350);
    pf_vmdq_setup(&dev, 2);
    let vf = dev.vf_bar(1);
    let mut rx = RxRing::new(&dev.dma(), dev.vf_bar(1), vf_rxq(0), 8);
    dev.preset_vf_counter(1, VfCounter::Gprc, u32::MAX).unwrap();
    dev.preset_vf_counter(1, VfCounter::Gorc, u32::MAX - 10)
        .unwrap();
    dev.preset_vf_counter(1, VfCounter::Mprc, 7).unwrap();
    assert_eq!(vf.read32(r::VFGPRC), u32::MAX);
    assert_eq!(vf.read32(r::VFGPRC), u32::MAX, "not clear-on-read");

    let frame = eth(vf_mac(1), [2, 0, 0, 0, 0, 9], None, 0x0800, &[0; 46]);
    dev.inject(&frame);
    assert_eq!(rx.poll().len(), 1);
    assert_eq!(vf.read32(r::VFGPRC), 0, "wrapped at 32 bits");
    assert_eq!(vf.read32(r::VFGORC), 60 - 11, "octets wrap too (no CRC)");
    assert_eq!(
        vf.read32(r::VFMPRC),
        7,
        "unicast does not count as multicast"
    );
    // The PF mirror reads the same, and also does not clear.
    let mirror = r::PF_VF_MIRROR0 + 0x100 + (r::VFGORC & 0xFF);
    assert_eq!(dev.pf_bar().read32(mirror), 49);
    assert_eq!(dev.pf_bar().read32(mirror), 49);
    assert!(dev.preset_vf_counter(8, VfCounter::Gptc, 0).is_err());
}
