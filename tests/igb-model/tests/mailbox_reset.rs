//! PF reset / PFRSTD → RSTI/RSTD, VTCTRL.RST → VFLRE, and the mailbox bit semantics of
//! igb-hardware.md §5.1 / §2.5 as the hardware side implements them.

mod common;

use common::*;
use hw_platform::{Mmio, MsixVector};
use igb_model::regs as r;
use igb_model::{Device, Function, Generation};

/// PF in MSI-X mode with the "other" cause on vector 0 and VMMB unmasked.
fn pf_other_vector(dev: &Device) {
    let pf = dev.pf_bar();
    pf.write32(r::GPIE, r::GPIE_MSIX_MODE | r::GPIE_PBA | r::GPIE_NSICR);
    pf.write32(r::IVAR_MISC, r::IVAR_VALID << 8);
    pf.write32(r::EIAC, 1);
    pf.write32(r::EIMS, 1);
    pf.write32(r::IMS, r::ICR_VMMB | r::ICR_LSC);
}

/// VF `vf` with its mailbox on vector 2 (Linux igbvf layout), unmasked and auto-cleared.
fn vf_other_vector(dev: &Device, vf: u8) {
    let bar = dev.vf_bar(vf);
    bar.write32(r::VTIVAR_MISC, r::IVAR_VALID | 2);
    bar.write32(r::VTEIAC, 0b111);
    bar.write32(r::VTEIMS, 0b111);
}

#[test]
fn pf_reset_sets_rsti_and_pfrstd_turns_it_into_rstd() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(2).unwrap();
    let pf = dev.pf_bar();
    let vf0 = dev.vf_bar(0);
    // Out of reset: PF not ready.
    assert_eq!(
        vf0.read32(r::V2PMAILBOX) & (r::V2P_RSTI | r::V2P_RSTD),
        r::V2P_RSTI
    );
    // RSTI is not read-to-clear.
    assert_eq!(vf0.read32(r::V2PMAILBOX) & r::V2P_RSTI, r::V2P_RSTI);

    pf.write32(r::CTRL_EXT, r::CTRL_EXT_PFRSTD);
    let value = vf0.read32(r::V2PMAILBOX);
    assert_eq!(value & (r::V2P_RSTI | r::V2P_RSTD), r::V2P_RSTD);
    assert_eq!(
        vf0.read32(r::V2PMAILBOX) & r::V2P_RSTD,
        0,
        "RSTD is read-to-clear"
    );
    assert_eq!(
        dev.vf_bar(1).read32(r::V2PMAILBOX) & r::V2P_RSTD,
        r::V2P_RSTD,
        "every VF sees it"
    );

    // PF reset: RSTI again in every VF mailbox, registers back to defaults, CTRL.RST self-clears.
    pf.write32(r::VFRE, 0xFF);
    pf.write32(r::CTRL, r::CTRL_RST);
    assert_eq!(pf.read32(r::CTRL) & r::CTRL_RST, 0);
    assert_eq!(pf.read32(r::VFRE), 0);
    assert_eq!(pf.read32(r::CTRL_EXT) & r::CTRL_EXT_PFRSTD, 0);
    assert_ne!(
        pf.read32(r::EECD) & r::EECD_AUTO_RD,
        0,
        "NVM auto-read done"
    );
    for vf in 0..2 {
        assert_eq!(
            dev.vf_bar(vf).read32(r::V2PMAILBOX) & r::V2P_RSTI,
            r::V2P_RSTI
        );
    }
    // RAR0 holds the permanent MAC again.
    let mac = igb_model::DEFAULT_MAC;
    assert_eq!(
        pf.read32(r::RAL0),
        u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]])
    );
    assert_eq!(
        pf.read32(r::RAL0 + 4),
        u32::from(u16::from_le_bytes([mac[4], mac[5]])) | r::RAH_AV
    );
    // SR-IOV config space survives: STATUS still reports IOV mode with 2 VFs.
    let status = pf.read32(r::STATUS);
    assert_ne!(status & r::STATUS_IOV_MODE, 0);
    assert_eq!((status >> r::STATUS_NUM_VFS_SHIFT) & 0xF, 2);
}

#[test]
fn vtctrl_reset_disables_the_vf_and_reports_vflre_to_the_pf() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 2);
    pf_other_vector(&dev);
    let pf = dev.pf_bar();
    let vf1 = dev.vf_bar(1);
    let _rx = RxRing::new(&dev.dma(), dev.vf_bar(1), vf_rxq(0), 8);
    let _tx = TxRing::new(&dev.dma(), dev.vf_bar(1), vf_txq(0), 8);
    assert_ne!(vf1.read32(vf_rxq(0) + r::Q_DCTL) & r::DCTL_ENABLE, 0);
    assert!(dev.take_interrupts(Function::Pf).is_empty());

    vf1.write32(r::VTCTRL, r::CTRL_RST);
    assert_eq!(pf.read32(r::VFLRE), 1 << 1);
    assert_eq!(pf.read32(r::VFRE) & (1 << 1), 0);
    assert_eq!(pf.read32(r::VFTE) & (1 << 1), 0);
    assert_eq!(vf1.read32(vf_rxq(0) + r::Q_DCTL) & r::DCTL_ENABLE, 0);
    assert_eq!(vf1.read32(vf_txq(0) + r::Q_DCTL) & r::DCTL_ENABLE, 0);
    assert_eq!(
        pf.read32(pf_rxq(9) + r::Q_DCTL) & r::DCTL_ENABLE,
        0,
        "second queue of pool 1"
    );
    assert_ne!(pf.read32(r::VFRE) & 1, 0, "VF0 untouched");
    // VFLRE shares ICR.VMMB with the mailbox, routed to the PF's "other" vector.
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
    assert_ne!(pf.read32(r::ICR) & r::ICR_VMMB, 0);
    // W1C.
    pf.write32(r::VFLRE, 1 << 1);
    assert_eq!(pf.read32(r::VFLRE), 0);
    // A PCIe FLR of the VF has the same effect.
    dev.vf_flr(0).unwrap();
    assert_eq!(pf.read32(r::VFLRE), 1 << 0);
    assert!(dev.vf_flr(5).is_err());
}

#[test]
fn vf_message_sets_vfreq_interrupts_pf_and_pf_ack_reaches_vf() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(3).unwrap();
    pf_other_vector(&dev);
    vf_other_vector(&dev, 2);
    let pf = dev.pf_bar();
    let vf = dev.vf_bar(2);
    let _ = vf.read32(r::V2PMAILBOX);

    // VF takes the buffer, writes a message, posts REQ (which also releases VFU).
    vf.write32(r::V2PMAILBOX, r::V2P_VFU);
    assert_ne!(vf.read32(r::V2PMAILBOX) & r::V2P_VFU, 0);
    assert_ne!(pf.read32(r::P2VMAILBOX0 + 8) & r::P2V_VFU, 0, "PF sees VFU");
    vf.write32(r::VMBMEM0, 0x0000_0001);
    vf.write32(r::VMBMEM0 + 4, 0xDEAD_BEEF);
    vf.write32(r::V2PMAILBOX, r::V2P_REQ);
    assert_eq!(vf.read32(r::V2PMAILBOX) & r::V2P_VFU, 0);
    assert_eq!(pf.read32(r::MBVFICR), 1 << 2);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);

    // PF: W1C VFREQ, take PFU, read the words (PF window of VF 2), ACK.
    pf.write32(r::MBVFICR, 1 << 2);
    assert_eq!(pf.read32(r::MBVFICR), 0);
    pf.write32(r::P2VMAILBOX0 + 8, r::P2V_PFU);
    assert_ne!(pf.read32(r::P2VMAILBOX0 + 8) & r::P2V_PFU, 0);
    assert_eq!(pf.read32(r::VMBMEM0 + 2 * 64), 1);
    assert_eq!(pf.read32(r::VMBMEM0 + 2 * 64 + 4), 0xDEAD_BEEF);
    pf.write32(r::P2VMAILBOX0 + 8, r::P2V_ACK);
    assert_eq!(
        pf.read32(r::P2VMAILBOX0 + 8) & r::P2V_PFU,
        0,
        "ACK without PFU releases"
    );
    // VF: PFACK visible once (read-to-clear), interrupt on its vector 2.
    assert_eq!(dev.take_interrupts(Function::Vf(2)), vec![MsixVector(2)]);
    assert_ne!(vf.read32(r::V2PMAILBOX) & r::V2P_PFACK, 0);
    assert_eq!(vf.read32(r::V2PMAILBOX) & r::V2P_PFACK, 0);
    assert!(dev.take_interrupts(Function::Vf(0)).is_empty());

    // PF → VF: PFU, write, STS; VF sees PFSTS, reads the words, ACKs → VFACK on the PF.
    pf.write32(r::P2VMAILBOX0 + 8, r::P2V_PFU);
    pf.write32(r::VMBMEM0 + 2 * 64, 0x0100);
    pf.write32(r::P2VMAILBOX0 + 8, r::P2V_STS);
    assert_eq!(dev.take_interrupts(Function::Vf(2)), vec![MsixVector(2)]);
    assert_ne!(vf.read32(r::V2PMAILBOX) & r::V2P_PFSTS, 0);
    assert_eq!(vf.read32(r::VMBMEM0), 0x0100);
    vf.write32(r::V2PMAILBOX, r::V2P_ACK);
    assert_eq!(pf.read32(r::MBVFICR), 1 << (16 + 2));
}

#[test]
fn buffer_locking_excludes_the_other_side() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(1).unwrap();
    let pf = dev.pf_bar();
    let vf = dev.vf_bar(0);
    // PF holds the buffer: VF cannot take it, and its buffer writes are refused.
    pf.write32(r::P2VMAILBOX0, r::P2V_PFU);
    pf.write32(r::VMBMEM0, 0x1111);
    vf.write32(r::V2PMAILBOX, r::V2P_VFU);
    let value = vf.read32(r::V2PMAILBOX);
    assert_eq!(value & r::V2P_VFU, 0);
    assert_ne!(value & r::V2P_PFU, 0);
    vf.write32(r::VMBMEM0, 0x2222);
    assert_eq!(pf.read32(r::VMBMEM0), 0x1111);
    assert_eq!(dev.counters().mailbox_writes_rejected, 1);

    // PF releases; VF takes it; now the PF cannot.
    pf.write32(r::P2VMAILBOX0, 0);
    vf.write32(r::V2PMAILBOX, r::V2P_VFU);
    assert_ne!(vf.read32(r::V2PMAILBOX) & r::V2P_VFU, 0);
    pf.write32(r::P2VMAILBOX0, r::P2V_PFU);
    assert_eq!(pf.read32(r::P2VMAILBOX0) & r::P2V_PFU, 0);
    pf.write32(r::VMBMEM0, 0x3333);
    assert_eq!(vf.read32(r::VMBMEM0), 0x1111);
    vf.write32(r::VMBMEM0, 0x4444);
    assert_eq!(pf.read32(r::VMBMEM0), 0x4444);

    // A stuck VF lock is broken by RVFU, which also flushes that VF's VFREQ/VFACK.
    vf.write32(r::V2PMAILBOX, r::V2P_VFU | r::V2P_REQ);
    assert_eq!(pf.read32(r::MBVFICR), 1);
    pf.write32(r::P2VMAILBOX0, r::P2V_RVFU);
    assert_eq!(vf.read32(r::V2PMAILBOX) & r::V2P_VFU, 0);
    assert_eq!(pf.read32(r::MBVFICR), 0);
    pf.write32(r::P2VMAILBOX0, r::P2V_PFU);
    assert_ne!(pf.read32(r::P2VMAILBOX0) & r::P2V_PFU, 0);
}

#[test]
fn masked_vf_mailbox_interrupts_still_latch_vfreq() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(2).unwrap();
    pf_other_vector(&dev);
    let pf = dev.pf_bar();
    pf.write32(r::MBVFIMR, 0b01); // only VF0 interrupts
    dev.vf_bar(1).write32(r::V2PMAILBOX, r::V2P_REQ);
    assert_eq!(pf.read32(r::MBVFICR), 1 << 1);
    assert!(dev.take_interrupts(Function::Pf).is_empty());
    dev.vf_bar(0).write32(r::V2PMAILBOX, r::V2P_REQ);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
}

#[test]
fn link_change_raises_lsc_and_vfs_see_status() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(1).unwrap();
    pf_other_vector(&dev);
    let pf = dev.pf_bar();
    assert_ne!(dev.vf_bar(0).read32(r::VTSTATUS) & r::STATUS_LU, 0);
    dev.set_link(false);
    assert_eq!(pf.read32(r::STATUS) & r::STATUS_LU, 0);
    assert_eq!(dev.vf_bar(0).read32(r::VTSTATUS) & r::STATUS_LU, 0);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
    assert_ne!(pf.read32(r::ICR) & r::ICR_LSC, 0);
    assert_eq!(pf.read32(r::ICR), 0, "ICR is read-to-clear");
    dev.set_link(false);
    assert!(
        dev.take_interrupts(Function::Pf).is_empty(),
        "no change, no interrupt"
    );
}

#[test]
fn disabled_vf_and_out_of_bar_accesses_read_all_ones() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(1).unwrap();
    assert_eq!(dev.vf_bar(1).read32(r::V2PMAILBOX), u32::MAX);
    assert_eq!(dev.vf_bar(0).read32(0x4000), u32::MAX);
    assert_eq!(dev.pf_bar().read32(0x2_0000), u32::MAX);
    assert_eq!(dev.pf_bar().read32(0x0002), u32::MAX);
    dev.vf_bar(1).write32(r::VTCTRL, r::CTRL_RST);
    assert_eq!(dev.pf_bar().read32(r::VFLRE), 0);
    assert_eq!(dev.counters().bad_mmio_accesses, 5);
    assert!(dev.enable_vfs(8).is_err());
}
