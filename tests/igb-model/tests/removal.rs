//! Surprise removal and "vanishes after n reads": all-ones reads, dropped writes, no DMA,
//! no interrupts, config space all-ones; the driver's init sees a clean error at any point.

mod common;

use common::*;
use hw_platform::{DmaMemory, Mmio};
use igb_model::regs as r;
use igb_model::{DEFAULT_MAC, Device, Function, Generation};

#[test]
fn a_removed_device_reads_all_ones_and_does_nothing() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(1).unwrap();
    let pf = dev.pf_bar();
    pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_BAM);
    pf.write32(r::TCTL, r::TCTL_EN);
    pf.write32(r::IMS, r::ICR_LSC);
    let mut rx = RxRing::new(&dev.dma(), dev.pf_bar(), pf_rxq(0), 8);
    let mut tx = TxRing::new(&dev.dma(), dev.pf_bar(), pf_txq(0), 8);
    let _ = dev.take_interrupts(Function::Pf);

    dev.set_removed(true);
    assert!(dev.is_removed());
    assert_eq!(pf.read32(r::STATUS), u32::MAX);
    assert_eq!(pf.read32(r::CTRL), u32::MAX);
    assert_eq!(dev.vf_bar(0).read32(r::VTSTATUS), u32::MAX);
    let mut config = [0u8; 4];
    assert_eq!(dev.config_read(Function::Pf, 0, &mut config), 4);
    assert_eq!(config, [0xFF; 4]);
    assert_eq!(dev.config_write(Function::Pf, 0x04, &[0, 0]), 0);

    // Writes are dropped: the transmit never happens, nothing is received, no interrupt.
    let out = eth([2, 0, 0, 0, 0, 9], DEFAULT_MAC, None, 0x0800, &[1; 60]);
    let index = tx.send(&out);
    dev.inject(&eth(
        DEFAULT_MAC,
        [2, 0, 0, 0, 0, 9],
        None,
        0x0800,
        &[2; 60],
    ));
    pf.write32(r::ICS, r::ICR_LSC);
    dev.set_link(false);
    assert!(!tx.done(index));
    assert!(dev.capture().is_empty());
    assert!(rx.poll().is_empty());
    assert!(dev.take_interrupts(Function::Pf).is_empty());
    assert!(!dev.dma_may_target(rx.ring.dma_addr().as_u64(), 64));

    // Back: the state is what it was (the dropped TDT write never happened).
    dev.set_removed(false);
    assert_eq!(pf.read32(r::CTRL) & r::CTRL_RST, 0);
    assert_eq!(pf.read32(pf_txq(0) + r::Q_TAIL), 0);
}

#[test]
fn fail_reads_after_counts_bar_reads() {
    let dev = Device::new(Generation::I350);
    let pf = dev.pf_bar();
    dev.fail_reads_after(2);
    assert_ne!(pf.read32(r::STATUS), u32::MAX);
    assert_ne!(pf.read32(r::STATUS), u32::MAX);
    assert_eq!(pf.read32(r::STATUS), u32::MAX, "read 3 already fails");
    assert!(dev.is_removed());
    pf.write32(r::CTRL, r::CTRL_SLU);
    dev.set_removed(false);
    assert_eq!(pf.read32(r::CTRL) & r::CTRL_SLU, 0, "the write was dropped");
}

/// The driver's PF reset + NVM + PHY path must fail cleanly (an error, not a hang or a
/// panic) whichever read is the first to return all-ones.
#[test]
fn driver_init_sees_removal_at_every_read() {
    // How many reads a clean bring-up needs.
    let full = {
        let dev = Device::builder(Generation::I82576).build();
        let clock = dev.clock();
        let reads = count_reads(&dev, &clock);
        assert!(reads.1.is_ok(), "a healthy device comes up: {:?}", reads.1);
        reads.0
    };
    assert!(full > 10, "init does real work ({full} reads)");
    for n in 0..full {
        let dev = Device::builder(Generation::I82576).build();
        dev.fail_reads_after(n);
        let clock = dev.clock();
        let (_, result) = count_reads(&dev, &clock);
        assert!(result.is_err(), "vanishing after {n} reads is reported");
    }
}

/// Runs reset, NVM MAC read and link start; returns (BAR reads used, outcome).
fn count_reads(dev: &Device, clock: &igb_model::ModelClock) -> (u64, Result<(), String>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    struct Counting<'a> {
        bar: igb_model::PfBar,
        reads: &'a AtomicU64,
    }
    impl Mmio for Counting<'_> {
        fn read32(&self, offset: u32) -> u32 {
            self.reads.fetch_add(1, Ordering::Relaxed);
            self.bar.read32(offset)
        }
        fn write32(&self, offset: u32, value: u32) {
            self.bar.write32(offset, value);
        }
    }
    let reads = AtomicU64::new(0);
    let bar = Counting {
        bar: dev.pf_bar(),
        reads: &reads,
    };
    let outcome = (|| {
        let (pf, _) = igb::pf_device::PfDevice::reset(bar, Generation::I82576, None, clock)
            .map_err(|error| format!("reset: {error:?}"))?;
        let link = pf
            .start_link(std::time::Duration::from_millis(100), clock)
            .map_err(|error| format!("link: {error:?}"))?;
        if !link.up {
            return Err("link down".to_string());
        }
        pf.link().map_err(|error| format!("link read: {error:?}"))?;
        Ok(())
    })();
    (reads.load(Ordering::Relaxed), outcome)
}
