//! The device side of the emulator as a device model sees it: registers routed by (BAR, offset)
//! and faulting on direct access, interrupts raised from any thread (also from inside the
//! adapter's own ISR/DPC) on the modelled processors, DMA into the driver's memory, and SR-IOV
//! programmed through the backend's config space.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use ndis_abi::{NDIS_STATUS_INVALID_PARAMETER, NDIS_STATUS_SUCCESS, NdisHaltDeviceDisabled};
use ndis_emu::{AdapterConfig, assert_no_violations};

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn registers_reach_the_backend_by_bar_and_offset() {
    let device = Arc::new(TestDevice::default());
    let (_driver, adapter) = adapter_on(Faults::default(), &device);
    assert_eq!(device.attached.load(Ordering::SeqCst), 1, "attached once");
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    // Restart programmed the receive ring at the shared-memory block and enabled the queue.
    assert_ne!(device.reg(REG_RDBAL), 0);
    assert_eq!(device.reg(REG_RXDCTL), RXDCTL_ENABLE);
    // The device reads what the ring holds, by the physical address the driver programmed.
    let mut head = [0xFFu8; 8];
    assert!(device.read_ring(&mut head));
    assert_eq!(head, [0; 8], "fresh shared memory is zeroed");
    assert!(device.receive_into_ring(&[1, 2, 3, 4]));
    assert!(device.read_ring(&mut head));
    assert_eq!(&head[..4], &[1, 2, 3, 4]);
    adapter.pause();
    assert_eq!(device.reg(REG_RXDCTL), 0, "pause disabled the queue");
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
}

#[test]
fn registers_read_all_ones_after_surprise_removal() {
    let device = Arc::new(TestDevice::default());
    let (_driver, adapter) = adapter_on(Faults::default(), &device);
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    let handle = adapter.handle();
    assert_no_violations(&adapter.surprise_remove());
    let seen: Vec<u32> = REMOVAL_STATUS
        .lock()
        .unwrap()
        .iter()
        .filter(|(h, _)| *h == handle)
        .map(|(_, s)| *s)
        .collect();
    // The device model answers 0 for STATUS; a removed device reads all-ones.
    assert_eq!(seen, vec![u32::MAX]);
    // Writes after removal are dropped: pause's queue disable never reached the device.
    assert_eq!(device.reg(REG_RXDCTL), RXDCTL_ENABLE);
}

#[test]
fn direct_access_to_a_mapped_bar_faults() {
    let (_driver, adapter) = adapter_with(Faults::default());
    let bar0 = state(&adapter).bar0.load(Ordering::SeqCst) as usize;
    assert_ne!(bar0, 0);
    // SAFETY: fork in a test process; the child only performs one volatile read (no
    // allocation, no locks) and then exits with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: deliberately dereferencing the PROT_NONE mapping: the child must die here.
        let _ = unsafe { std::ptr::read_volatile(bar0 as *const u32) };
        // SAFETY: leaving the child without running the parent's destructors.
        unsafe { libc::_exit(0) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid);
    assert!(
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSEGV,
        "a direct read of the BAR must fault with SIGSEGV (status {status:#x})"
    );
    assert_no_violations(&adapter.finish());
}

#[test]
fn raise_runs_isr_and_dpc_on_the_message_processor() {
    let device = Arc::new(TestDevice::default());
    let (_driver, adapter) = adapter_on(Faults::default(), &device);
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    let a = state(&adapter);
    let port = device.port();
    port.raise(3);
    wait_for("message 3's DPC", || {
        a.dpc_runs[3].load(Ordering::SeqCst) == 1
    });
    // Message m targets processor m % 2.
    assert_eq!(a.dpc_processor[3].load(Ordering::SeqCst), 1);
    port.raise(2);
    wait_for("message 2's DPC", || {
        a.dpc_runs[2].load(Ordering::SeqCst) == 1
    });
    assert_eq!(a.dpc_processor[2].load(Ordering::SeqCst), 0);
    assert!(a.isr_register_writes.load(Ordering::SeqCst) >= 2);
    assert_eq!(port.dropped_interrupts(), 0);
    assert_no_violations(&adapter.finish());
}

#[test]
fn a_register_write_inside_the_dpc_may_raise_an_interrupt_synchronously() {
    let device = Arc::new(TestDevice::default());
    let (_driver, adapter) = adapter_on(Faults::default(), &device);
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    let a = state(&adapter);
    // Each message-2 DPC writes REG_ICS, on which the device raises message 2 again at once.
    a.chain.store(5, Ordering::SeqCst);
    device.port().raise(2);
    wait_for("the chain of 6 DPCs", || {
        a.dpc_runs[2].load(Ordering::SeqCst) == 6
    });
    adapter.wait_idle();
    assert_eq!(a.dpc_runs[2].load(Ordering::SeqCst), 6);
    assert!(!a.same_message_overlap.load(Ordering::SeqCst));
    assert_no_violations(&adapter.finish());
}

#[test]
fn dpcs_of_different_processors_run_concurrently() {
    let device = Arc::new(TestDevice::default());
    let (_driver, adapter) = adapter_on(Faults::default(), &device);
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    let a = state(&adapter);
    a.rendezvous.store(true, Ordering::SeqCst);
    let port = device.port();
    port.raise(0);
    port.raise(1);
    wait_for("both DPCs", || {
        a.dpc_runs[0].load(Ordering::SeqCst) == 1 && a.dpc_runs[1].load(Ordering::SeqCst) == 1
    });
    adapter.wait_idle();
    // Each DPC waits (bounded) for the other to start and records whether it saw it while
    // still running: serialised DPCs would leave the first one's flag false.
    assert!(
        a.overlapped[0].load(Ordering::SeqCst) && a.overlapped[1].load(Ordering::SeqCst),
        "the DPCs of messages 0 (processor 0) and 1 (processor 1) did not overlap"
    );
    a.rendezvous.store(false, Ordering::SeqCst);
    assert_no_violations(&adapter.finish());
}

#[test]
fn a_dpc_requeued_on_another_processor_while_it_runs_does_not_run_concurrently() {
    let device = Arc::new(TestDevice::default());
    let (_driver, adapter) = adapter_on(Faults::default(), &device);
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    let a = state(&adapter);
    a.requeue_once.store(true, Ordering::SeqCst);
    // Message 3's DPC runs on processor 1; it re-queues itself with NdisMQueueDpcEx for
    // processor 0 and holds 30 ms: the second run waits for the first, then runs on 0.
    device.port().raise(3);
    wait_for("the re-queued DPC", || {
        a.dpc_runs[3].load(Ordering::SeqCst) == 2
    });
    adapter.wait_idle();
    assert!(!a.same_message_overlap.load(Ordering::SeqCst));
    assert_eq!(a.dpc_processor[3].load(Ordering::SeqCst), 0);
    assert_no_violations(&adapter.finish());
}

#[test]
fn interrupts_without_a_registered_interrupt_are_dropped_and_counted() {
    let device = Arc::new(TestDevice::default());
    let (_driver, adapter) = adapter_on(Faults::default(), &device);
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    let a = state(&adapter);
    let port = device.port();
    // Message 10 was never granted (10 messages: 0..9).
    port.raise(10);
    assert_eq!(port.dropped_interrupts(), 1);
    assert_eq!(adapter.dropped_interrupts(), 1);
    adapter.wait_idle();
    let dpcs = a.dpcs.load(Ordering::SeqCst);
    assert_eq!(dpcs, 0, "no DPC for a dropped message");
    let handle = adapter.handle();
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    // After halt (interrupt deregistered, adapter gone) nothing runs.
    port.raise(0);
    assert_eq!(port.dropped_interrupts(), 2);
    assert_no_violations(&ndis_emu::violations_of_handle(handle));
}

#[test]
fn device_dma_after_halt_or_to_unknown_addresses_is_reported() {
    let device = Arc::new(TestDevice::default());
    let (_driver, adapter) = adapter_on(Faults::default(), &device);
    let handle = adapter.handle();
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    assert!(device.receive_into_ring(&[7; 4]));
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    // The ring was freed in halt (after the queue was disabled): a late device write is
    // "after free", not a silent write into freed memory.
    assert!(!device.receive_into_ring(&[8; 4]));
    let v = ndis_emu::violations_of_handle(handle);
    assert!(v.iter().any(|x| x.rule == "NDIS-DMA-3"), "{v:#?}");
    // An address nobody ever handed out.
    assert!(!device.port().dma_write(0x10, &[0; 4]));
    let v = ndis_emu::violations_of_handle(handle);
    assert!(v.iter().any(|x| x.rule == "NDIS-DMA-2"), "{v:#?}");
}

fn sriov_adapter(device: &Arc<TestDevice>) -> (ndis_emu::EmuDriver, ndis_emu::EmuAdapter) {
    let driver = load(Faults {
        sriov: true,
        ..Faults::default()
    });
    let adapter = driver
        .add_adapter(AdapterConfig {
            backend: Some(device.clone()),
            ..AdapterConfig::default()
        })
        .expect("initializes");
    (driver, adapter)
}

#[test]
fn enabling_virtualization_programs_the_sriov_capability() {
    let device = Arc::new(TestDevice::with_sriov(8, 0x80, 4));
    let (_driver, adapter) = sriov_adapter(&device);
    let (status, location) = state(&adapter).sriov_result.lock().unwrap().unwrap();
    assert_eq!(status, NDIS_STATUS_SUCCESS);
    assert_eq!(device.config_u16(SRIOV_CAP + 0x10), 2, "NumVFs");
    // VF Enable | VF MSE, ARI Capable Hierarchy kept.
    assert_eq!(device.config_u16(SRIOV_CAP + 0x08), 0x19);
    // VF 1 = PF RID (bus 3, devfn 0) + First VF Offset 0x80 + 1 * stride 4.
    assert_eq!(location, (0, 3, 0x84));
    assert_eq!(adapter.virtualization(), Some(2));
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    assert_eq!(device.config_u16(SRIOV_CAP + 0x08), 0x10, "VFE/MSE cleared");
    assert_eq!(device.config_u16(SRIOV_CAP + 0x10), 0, "NumVFs cleared");
}

#[test]
fn more_vfs_than_total_vfs_is_refused() {
    let device = Arc::new(TestDevice::with_sriov(1, 0x80, 2));
    let (_driver, adapter) = sriov_adapter(&device);
    let (status, _) = state(&adapter).sriov_result.lock().unwrap().unwrap();
    assert_eq!(status, NDIS_STATUS_INVALID_PARAMETER);
    assert_eq!(device.config_u16(SRIOV_CAP + 0x10), 0);
    assert_eq!(device.config_u16(SRIOV_CAP + 0x08), 0x10);
    assert_eq!(adapter.virtualization(), None);
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
}

#[test]
fn without_a_capability_the_location_comes_from_the_config() {
    let (_driver, adapter) = adapter_with(Faults {
        sriov: true,
        ..Faults::default()
    });
    let (status, location) = state(&adapter).sriov_result.lock().unwrap().unwrap();
    assert_eq!(status, NDIS_STATUS_SUCCESS);
    assert_eq!(location, (0, 3, 0x82));
    assert_no_violations(&adapter.finish());
}
