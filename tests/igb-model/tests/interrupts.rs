//! EICS/EIMS/EIMC/EIAC/EIAM and IVAR → MSI-X delivery for PF and VF vectors
//! (igb-hardware.md §1.3, §2.7, §3).

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use hw_platform::{Mmio, MsixVector};
use igb_model::regs as r;
use igb_model::{Device, Function, Generation};

fn msix_pf(dev: &Device) {
    dev.pf_bar().write32(
        r::GPIE,
        r::GPIE_MSIX_MODE | r::GPIE_PBA | r::GPIE_NSICR | r::GPIE_EIAME,
    );
}

#[test]
fn eics_fires_only_unmasked_causes_and_eims_releases_pending_ones() {
    let dev = Device::new(Generation::I82576);
    msix_pf(&dev);
    let pf = dev.pf_bar();
    pf.write32(r::EIMS, 0b0110);
    pf.write32(r::EICS, 0b1111);
    assert_eq!(
        dev.take_interrupts(Function::Pf),
        vec![MsixVector(1), MsixVector(2)]
    );
    // Causes 0 and 3 are latched but masked; causes 1 and 2 stay set (no auto-clear).
    // Unmasking cause 3 delivers it now.
    pf.write32(r::EIMS, 0b1000);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(3)]);
    assert_eq!(
        pf.read32(r::EICR),
        0b1111,
        "EICR read returns the latched causes"
    );
    assert_eq!(pf.read32(r::EICR), 0, "and clears them");
    pf.write32(r::EIMC, 0b0110);
    assert_eq!(pf.read32(r::EIMS), 0b1000);
    pf.write32(r::EICS, 0b0110);
    assert!(dev.take_interrupts(Function::Pf).is_empty());
}

#[test]
fn eiac_auto_clears_and_eiam_auto_masks() {
    let dev = Device::new(Generation::I82576);
    msix_pf(&dev);
    let pf = dev.pf_bar();
    pf.write32(r::EIAC, 0b01);
    pf.write32(r::EIAM, 0b10);
    pf.write32(r::EIMS, 0b11);
    pf.write32(r::EICS, 0b11);
    assert_eq!(
        dev.take_interrupts(Function::Pf),
        vec![MsixVector(0), MsixVector(1)]
    );
    // Cause 0 auto-cleared: firing again works; cause 1 auto-masked: it does not fire.
    pf.write32(r::EICS, 0b11);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
    assert_eq!(pf.read32(r::EIMS), 0b01);
}

#[test]
fn queue_interrupts_follow_ivar_and_vtivar() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 2);
    msix_pf(&dev);
    let pf = dev.pf_bar();
    // PF pool 2: Rx queue 2 → vector 3, Tx queue 2 → vector 4 (82576 column-major: IVAR0[2]
    // bytes 0/1).
    pf.write32(
        r::IVAR0 + 4 * 2,
        (r::IVAR_VALID | 3) | ((r::IVAR_VALID | 4) << 8),
    );
    pf.write32(r::EIAC, 0b11000);
    pf.write32(r::EIMS, 0b11000);
    // VF1: Rx queue 0 → VF vector 1, Tx queue 0 → VF vector 0.
    let vf1 = dev.vf_bar(1);
    vf1.write32(r::VTIVAR, (r::IVAR_VALID | 1) | (r::IVAR_VALID << 8));
    vf1.write32(r::VTEIAC, 0b111);
    vf1.write32(r::VTEIMS, 0b111);
    assert_eq!(vf1.read32(r::VTEIMS), 0b111);
    // PF view of EIMS excludes the VF's causes (19..21 for VF1).
    assert_eq!(pf.read32(r::EIMS), 0b11000);

    let mut pf_rx = RxRing::new(&dev.dma(), dev.pf_bar(), pf_rxq(2), 8);
    let mut pf_tx = TxRing::new(&dev.dma(), dev.pf_bar(), pf_txq(2), 8);
    let mut vf1_rx = RxRing::new(&dev.dma(), dev.vf_bar(1), vf_rxq(0), 8);
    let mut vf1_tx = TxRing::new(&dev.dma(), dev.vf_bar(1), vf_txq(0), 8);

    dev.inject(&eth(PF_MAC, [2, 1, 1, 1, 1, 1], None, 0x0800, b"pf"));
    assert_eq!(pf_rx.poll().len(), 1);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(3)]);
    pf_tx.send(&eth([2, 1, 1, 1, 1, 1], PF_MAC, None, 0x0800, b"pf out"));
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(4)]);

    dev.inject(&eth(vf_mac(1), [2, 1, 1, 1, 1, 1], None, 0x0800, b"vf1"));
    assert_eq!(vf1_rx.poll().len(), 1);
    assert_eq!(dev.take_interrupts(Function::Vf(1)), vec![MsixVector(1)]);
    assert!(dev.take_interrupts(Function::Pf).is_empty());
    vf1_tx.send(&eth(
        [2, 1, 1, 1, 1, 1],
        vf_mac(1),
        None,
        0x0800,
        b"vf1 out",
    ));
    assert_eq!(dev.take_interrupts(Function::Vf(1)), vec![MsixVector(0)]);

    // VF software-triggered interrupt (VTEICS) lands on the VF's own vector.
    vf1.write32(r::VTEICS, 0b100);
    assert_eq!(dev.take_interrupts(Function::Vf(1)), vec![MsixVector(2)]);
    assert!(dev.take_interrupts(Function::Vf(0)).is_empty());
    // VF masked: nothing is sent, the cause stays readable in VTEICR.
    vf1.write32(r::VTEIAC, 0);
    vf1.write32(r::VTEIMC, 0b111);
    vf1.write32(r::VTEICS, 0b001);
    assert!(dev.take_interrupts(Function::Vf(1)).is_empty());
    assert_eq!(vf1.read32(r::VTEICR), 0b001);
    assert_eq!(vf1.read32(r::VTEICR), 0);
}

#[test]
fn ivar_writes_do_not_stick_outside_msix_mode() {
    let dev = Device::new(Generation::I82576);
    let pf = dev.pf_bar();
    pf.write32(r::IVAR0, r::IVAR_VALID | 1);
    assert_eq!(pf.read32(r::IVAR0), 0);
    assert_eq!(dev.counters().ivar_writes_ignored, 1);
    msix_pf(&dev);
    pf.write32(r::IVAR0, r::IVAR_VALID | 1);
    assert_eq!(pf.read32(r::IVAR0), r::IVAR_VALID | 1);
}

#[test]
fn pf_vector_budget_shrinks_with_vfs() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(7).unwrap();
    msix_pf(&dev);
    let pf = dev.pf_bar();
    // With 7 VFs the PF keeps causes 0..3 (§1.3); VF6 owns 4..6.
    pf.write32(r::EIMS, 0x1FF_FFFF);
    assert_eq!(pf.read32(r::EIMS), 0b1111);
    dev.vf_bar(6).write32(r::VTEIMS, 0b001);
    dev.vf_bar(6).write32(r::VTEICS, 0b001);
    assert_eq!(dev.take_interrupts(Function::Vf(6)), vec![MsixVector(0)]);
    assert!(dev.take_interrupts(Function::Pf).is_empty());
}

#[test]
fn interrupt_hook_receives_messages_without_holding_the_lock() {
    let dev = Device::new(Generation::I82576);
    msix_pf(&dev);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let isr_dev = dev.clone();
    dev.set_interrupt_hook(Some(Arc::new(move |function, vector| {
        // An ISR reads EICR: the hook runs unlocked, so register access must not deadlock.
        let eicr = isr_dev.pf_bar().read32(r::EICR);
        log.lock().unwrap().push((function, vector, eicr));
    })));
    let pf = dev.pf_bar();
    pf.write32(r::EIMS, 0b100);
    pf.write32(r::EICS, 0b100);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(Function::Pf, MsixVector(2), 0b100)]
    );
    assert!(dev.take_interrupts(Function::Pf).is_empty());
}
