//! Statistics accumulators (PF clear-on-read, VF wrapping) and surprise-removal detection,
//! against a scripted BAR (`fake_nic`).

mod fake_nic;

use fake_nic::FakeNic;
use igb::regs::pf::{self, STATUS};
use igb::regs::{PfRegisters, VfRegisters, vf};
use igb::removal::{RemovalLatch, check_present, confirm_all_ones, read_confirmed};
use igb::stats::{PfStatsAccumulator, VfCounterSample, VfStatsAccumulator};

fn count(nic: &FakeNic, reg: igb::regs::PfReg, delta: u32) {
    nic.count(reg.offset(), delta);
}

#[test]
fn pf_counters_accumulate_across_clear_on_read_snapshots() {
    let nic = FakeNic::new();
    let regs = PfRegisters::new(&nic);
    let mut stats = PfStatsAccumulator::new();

    count(&nic, pf::GPRC, 100);
    count(&nic, pf::BPRC, 10);
    count(&nic, pf::MPRC, 5);
    count(&nic, pf::GPTC, 50);
    count(&nic, pf::MPTC, 2);
    count(&nic, pf::BPTC, 1);
    count(&nic, pf::GORCL, 0xFFFF_FFF0);
    count(&nic, pf::GORCH, 1);
    count(&nic, pf::GOTCL, 6400);
    count(&nic, pf::CRCERRS, 3);
    count(&nic, pf::MPC, 7);
    count(&nic, pf::ECOL, 1);
    stats.update(&regs).unwrap();

    // A second snapshot: the hardware restarted from 0 after the reads.
    count(&nic, pf::GPRC, 20);
    count(&nic, pf::GORCL, 0x20);
    count(&nic, pf::ROC, 2);
    count(&nic, pf::LATECOL, 1);
    stats.update(&regs).unwrap();
    // A third with nothing new must not double count.
    stats.update(&regs).unwrap();

    let t = stats.totals();
    assert_eq!(t.gprc, 120);
    assert_eq!(t.gorc, 0x1_FFFF_FFF0 + 0x20, "GORCH carries the high half");
    let s = stats.statistics();
    assert_eq!(s.rx_unicast_packets, 120 - 10 - 5);
    assert_eq!((s.rx_multicast_packets, s.rx_broadcast_packets), (5, 10));
    assert_eq!(s.tx_unicast_packets, 47);
    assert_eq!(
        s.tx_octets,
        6400 - 4 * 50,
        "GOTC counts each frame's CRC; NDIS does not"
    );
    assert_eq!(s.rx_errors, 3 + 2, "CRC errors and oversize");
    assert_eq!(s.rx_discards, 7);
    assert_eq!(s.tx_errors, 2, "excessive and late collisions");
    assert!(s.valid.rx_broadcast_packets && !s.valid.tx_discards);
    assert_eq!(stats.discarded_reads(), 0);
}

#[test]
fn pf_snapshot_from_a_removed_device_adds_nothing() {
    let nic = FakeNic::new();
    let regs = PfRegisters::new(&nic);
    let mut stats = PfStatsAccumulator::new();
    count(&nic, pf::GPRC, 10);
    stats.update(&regs).unwrap();
    let before = *stats.totals();

    nic.remove();
    assert!(stats.update(&regs).is_err());
    assert_eq!(
        *stats.totals(),
        before,
        "all-ones reads never become counts"
    );

    // Removal in the middle of the snapshot: STATUS (read last) catches it.
    let nic = FakeNic::new();
    let regs = PfRegisters::new(&nic);
    let mut stats = PfStatsAccumulator::new();
    count(&nic, pf::GPRC, 10);
    nic.state.borrow_mut().remove_after_reads = Some(25);
    assert!(stats.update(&regs).is_err());
    assert_eq!(stats.totals().gprc, 0);
    assert_eq!(stats.totals().gotc, 0);
}

#[test]
fn pf_single_all_ones_counter_is_dropped_while_present() {
    let nic = FakeNic::new();
    let regs = PfRegisters::new(&nic);
    let mut stats = PfStatsAccumulator::new();
    count(&nic, pf::GPRC, u32::MAX);
    count(&nic, pf::GPTC, 4);
    count(&nic, pf::GOTCL, u32::MAX);
    let outcome = stats.update(&regs).unwrap();
    assert_eq!(outcome.discarded_reads, 2);
    assert_eq!(stats.totals().gprc, 0);
    assert_eq!(stats.totals().gotc, 0);
    assert_eq!(stats.totals().gptc, 4, "the other counters still count");
}

fn vf_sample(nic: &FakeNic) -> VfCounterSample {
    VfCounterSample::read_vf(&VfRegisters::new(nic)).unwrap()
}

#[test]
fn vf_counters_accumulate_across_a_32_bit_wrap() {
    let nic = FakeNic::new();
    nic.set(vf::VFGPRC.offset(), 0xFFFF_FFF0);
    nic.set(vf::VFGORC.offset(), 0xFFFF_0000);
    nic.set(vf::VFMPRC.offset(), u32::MAX);
    let mut stats = VfStatsAccumulator::new();
    stats.update(vf_sample(&nic));
    assert_eq!(
        stats.totals().gprc,
        0,
        "the first sample is only a baseline"
    );

    nic.set(vf::VFGPRC.offset(), 0x10);
    nic.set(vf::VFGORC.offset(), 0x0001_0000);
    nic.set(vf::VFMPRC.offset(), 2);
    nic.set(vf::VFGPTC.offset(), 9);
    stats.update(vf_sample(&nic));
    let t = stats.totals();
    assert_eq!(t.gprc, 0x20);
    assert_eq!(t.gorc, 0x2_0000);
    assert_eq!(t.mprc, 3, "all ones was a real value, and it wrapped");
    assert_eq!(t.gptc, 9);
    // Not clear-on-read: reading again without traffic adds nothing.
    stats.update(vf_sample(&nic));
    assert_eq!(stats.totals().gprc, 0x20);
    let s = stats.statistics();
    assert_eq!(s.rx_unicast_packets, 0x20 - 3);
    assert!(!s.valid.rx_broadcast_packets);
}

#[test]
fn vf_reset_restarts_the_baseline_without_losing_totals() {
    let nic = FakeNic::new();
    let mut stats = VfStatsAccumulator::new();
    nic.set(vf::VFGPTC.offset(), 1000);
    stats.update(vf_sample(&nic));
    nic.set(vf::VFGPTC.offset(), 1500);
    stats.update(vf_sample(&nic));
    assert_eq!(stats.totals().gptc, 500);

    // The VF's own reset: counters restart at 0; the driver rebases on a fresh sample.
    nic.set(vf::VFGPTC.offset(), 0);
    stats.restart(vf_sample(&nic));
    nic.set(vf::VFGPTC.offset(), 40);
    stats.update(vf_sample(&nic));
    assert_eq!(stats.totals().gptc, 540, "no 2^32 jump across the reset");

    // An FLR the PF learns about later: traffic since the FLR counts from zero.
    nic.set(vf::VFGPTC.offset(), 7);
    stats.restart_at_zero();
    stats.update(vf_sample(&nic));
    assert_eq!(stats.totals().gptc, 547);
}

#[test]
fn vf_sample_from_a_removed_device_is_refused() {
    let nic = FakeNic::new();
    let mut stats = VfStatsAccumulator::new();
    nic.set(vf::VFGPRC.offset(), 5);
    stats.update(vf_sample(&nic));
    nic.remove();
    assert!(stats.update_from_vf(&VfRegisters::new(&nic)).is_err());
    assert_eq!(stats.totals().gprc, 0);
    // And once the device answers again (same values), nothing jumps.
    nic.state.borrow_mut().removed = false;
    stats.update_from_vf(&VfRegisters::new(&nic)).unwrap();
    assert_eq!(stats.totals().gprc, 0);
}

#[test]
fn pf_mirror_of_vf_counters_reads_the_pool_block() {
    let nic = FakeNic::new();
    nic.set(pf::pvfgprc(3).unwrap().offset(), 11);
    nic.set(pf::pvfgotc(3).unwrap().offset(), 22);
    let regs = PfRegisters::new(&nic);
    let sample = VfCounterSample::read_pf_mirror(&regs, 3).unwrap().unwrap();
    assert_eq!((sample.gprc, sample.gotc), (11, 22));
    assert_eq!(VfCounterSample::read_pf_mirror(&regs, 8), Ok(None));
    nic.remove();
    assert!(VfCounterSample::read_pf_mirror(&regs, 3).is_err());
}

#[test]
fn removal_is_decided_by_status_and_latched() {
    let nic = FakeNic::new();
    let regs = PfRegisters::new(&nic);
    let latch = RemovalLatch::new();
    assert!(check_present(&regs).is_ok());
    assert!(latch.check(&regs).is_ok());
    // A register really holding all ones on a present device is data.
    nic.set(pf::MPC.offset(), u32::MAX);
    assert_eq!(read_confirmed(&regs, pf::MPC), Ok(u32::MAX));
    assert_eq!(confirm_all_ones(&regs, pf::MPC, 5), Ok(5));

    nic.remove();
    assert_eq!(
        read_confirmed(&regs, pf::MPC).map_err(|g| g.offset),
        Err(pf::MPC.offset())
    );
    assert_eq!(
        latch.check(&regs).map_err(|g| g.offset),
        Err(STATUS.offset())
    );
    assert!(latch.is_gone());
    // Latched: no further hardware access.
    let reads = nic.state.borrow().reads;
    assert!(latch.check(&regs).is_err());
    assert_eq!(nic.state.borrow().reads, reads);
    latch.clear();
    assert!(!latch.is_gone());

    // VF: VTSTATUS decides.
    let vf_nic = FakeNic::new();
    let vf_regs = VfRegisters::new(&vf_nic);
    assert!(check_present(&vf_regs).is_ok());
    vf_nic.remove();
    assert_eq!(
        check_present(&vf_regs).map_err(|g| g.offset),
        Err(vf::VTSTATUS.offset())
    );
}
