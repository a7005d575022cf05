//! The device's DMA through an external [`DmaBus`] (what the NDIS emulator's "physical
//! memory" is): descriptors and buffers are fetched and written there, and faults of that
//! bus are recorded exactly like faults of the model's own arena.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use hw_platform::{DmaMemory, Mmio};
use igb_model::regs as r;
use igb_model::{DEFAULT_MAC, Device, DmaArena, DmaBus, DmaFault, Generation};

/// An external memory (another arena) that records every device access.
struct Recording {
    memory: DmaArena,
    log: Mutex<Vec<(bool, u64, usize)>>,
}

impl DmaBus for Recording {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), DmaFault> {
        self.log.lock().unwrap().push((false, addr, out.len()));
        self.memory.read(addr, out)
    }

    fn write(&self, addr: u64, data: &[u8]) -> Result<(), DmaFault> {
        self.log.lock().unwrap().push((true, addr, data.len()));
        self.memory.write(addr, data)
    }
}

/// A bus where nothing is mapped.
struct Unmapped;

impl DmaBus for Unmapped {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), DmaFault> {
        Err(DmaFault::new(addr, out.len()))
    }

    fn write(&self, addr: u64, data: &[u8]) -> Result<(), DmaFault> {
        Err(DmaFault::new(addr, data.len()))
    }
}

fn legacy_up(dev: &Device) {
    let pf = dev.pf_bar();
    pf.write32(r::CTRL, r::CTRL_SLU);
    pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_BAM);
    pf.write32(r::TCTL, r::TCTL_EN);
}

#[test]
fn rx_and_tx_go_through_the_external_bus() {
    let external = Arc::new(Recording {
        memory: DmaArena::new(),
        log: Mutex::new(Vec::new()),
    });
    let dev = Device::builder(Generation::I82576)
        .dma_bus(external.clone())
        .build();
    legacy_up(&dev);
    let mut rx = RxRing::new(&external.memory, dev.pf_bar(), pf_rxq(0), 8);
    let mut tx = TxRing::new(&external.memory, dev.pf_bar(), pf_txq(0), 8);

    let frame = eth(DEFAULT_MAC, [2, 0, 0, 0, 0, 9], None, 0x0800, &[7; 50]);
    dev.inject(&frame);
    let got = rx.poll();
    assert_eq!(
        got.len(),
        1,
        "the frame landed in memory of the external bus"
    );
    assert_eq!(&got[0].data[..frame.len()], &frame[..]);
    let rx_buffer = rx.buffers[0].dma_addr().as_u64();
    assert!(
        external
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|&(write, addr, _)| write && addr == rx_buffer),
        "the buffer write went to the bus"
    );

    let out = eth([2, 0, 0, 0, 0, 9], DEFAULT_MAC, None, 0x0800, &[1; 60]);
    let index = tx.send(&out);
    assert!(tx.done(index));
    assert_eq!(dev.capture(), vec![out]);
    assert_eq!(dev.counters().dma_faults, 0);
    // The model's own arena was never needed.
    assert_eq!(dev.dma().live_regions(), 0);
}

#[test]
fn faults_of_the_external_bus_are_recorded_and_stall_the_queue() {
    let dev = Device::builder(Generation::I350)
        .dma_bus(Arc::new(Unmapped))
        .build();
    legacy_up(&dev);
    let pf = dev.pf_bar();
    let base = 0x2_0000_0000u64;
    let tq = pf_txq(0);
    pf.write32(tq + r::Q_DCTL, 0);
    pf.write32(tq + r::Q_BAL, base as u32);
    pf.write32(tq + r::Q_BAH, (base >> 32) as u32);
    pf.write32(tq + r::Q_LEN, 8 * 16);
    pf.write32(tq + r::Q_HEAD, 0);
    pf.write32(tq + r::Q_TAIL, 0);
    pf.write32(tq + r::Q_DCTL, r::DCTL_ENABLE);
    pf.write32(tq + r::Q_TAIL, 1);
    assert_eq!(dev.last_dma_fault(), Some(DmaFault::new(base, 16)));
    assert_eq!(dev.counters().dma_faults, 1);
    assert_eq!(
        pf.read32(tq + r::Q_HEAD),
        0,
        "TDH stays at the faulting descriptor"
    );
    assert!(dev.capture().is_empty());
}
