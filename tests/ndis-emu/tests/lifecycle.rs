//! The well-behaved test miniport through two full lifecycles, OIDs (sync, pending, cancelled),
//! sends, receives, interrupts on the emulator's DPC thread, a timer, a reset and a surprise
//! removal: no rule may fire and nothing may leak.

mod common;

use std::time::Duration;

use common::*;
use ndis_abi::{
    NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL, NDIS_STATUS_INVALID_LENGTH, NDIS_STATUS_LINK_STATE,
    NDIS_STATUS_NOT_SUPPORTED, NDIS_STATUS_PAUSED, NDIS_STATUS_REQUEST_ABORTED,
    NDIS_STATUS_SUCCESS, NdisHaltDeviceDisabled,
};
use ndis_emu::{AdapterConfig, AdapterState, OidKind, assert_no_violations};

fn exercise(adapter: &ndis_emu::EmuAdapter) {
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    assert_eq!(adapter.state(), AdapterState::Running);
    // Link state was indicated on restart.
    assert!(
        adapter
            .status_indications()
            .iter()
            .any(|s| s.code == NDIS_STATUS_LINK_STATE && s.buffer.len() == 40)
    );
    // Synchronous query.
    let q = adapter.oid_query(OID_GEN_MAXIMUM_TOTAL_SIZE, 4);
    assert_eq!(q.status, NDIS_STATUS_SUCCESS);
    assert_eq!(q.data, 1514u32.to_le_bytes());
    // Too-short buffer: INVALID_LENGTH with BytesNeeded.
    let short = adapter.oid_query(OID_GEN_MAXIMUM_TOTAL_SIZE, 2);
    assert_eq!(short.status, NDIS_STATUS_INVALID_LENGTH);
    assert_eq!(short.bytes_needed, 4);
    // Set.
    assert_eq!(
        adapter
            .oid_set(OID_GEN_CURRENT_PACKET_FILTER, &1u32.to_le_bytes())
            .status,
        NDIS_STATUS_SUCCESS
    );
    // Pending query completed from a work item on the emulator's worker thread.
    let pending = adapter.oid_query(OID_GEN_VENDOR_ID, 4);
    assert!(pending.pended);
    assert_eq!(pending.status, NDIS_STATUS_SUCCESS);
    assert_eq!(pending.data, 0x8086u32.to_le_bytes());
    // Cancelled pending query completes with REQUEST_ABORTED.
    let cancelled = adapter.oid(OID_GEN_VENDOR_ID, OidKind::Query(4), true);
    assert!(
        cancelled.status == NDIS_STATUS_REQUEST_ABORTED || cancelled.status == NDIS_STATUS_SUCCESS
    );
    // Unlisted OID is refused.
    assert_eq!(
        adapter.oid_query(OID_UNLISTED, 4).status,
        NDIS_STATUS_NOT_SUPPORTED
    );
    // Sends complete on the transmit interrupt's DPC (message 1), at DISPATCH.
    let frame = [0x11u8; 60];
    let ids = adapter.send(&[&frame, &frame, &frame]);
    assert_eq!(adapter.outstanding_sends(), 3);
    let outcome = adapter.fire_interrupt(1);
    assert!(outcome.claimed && outcome.dpc_ran);
    let done = adapter.wait_send_completions(3, Duration::from_secs(2));
    assert_eq!(done.iter().map(|c| c.id).collect::<Vec<_>>(), ids);
    assert!(done.iter().all(|c| c.status == NDIS_STATUS_SUCCESS));
    // Receives indicated from the receive DPC (message 0); returned by NDIS.
    adapter.fire_interrupt(0);
    adapter.fire_interrupt(0);
    assert!(adapter.wait_for_receives(2, Duration::from_secs(2)));
    let frames = adapter.indicated_receives();
    assert_eq!(frames.len(), 2);
    assert!(
        frames
            .iter()
            .all(|f| f.data == vec![0xA5; 64] && f.flags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL != 0)
    );
    assert_eq!(adapter.owned_receives(), 2);
    assert_eq!(adapter.return_receives(), 2);
    // One more indication left with NDIS: pause returns it before calling MiniportPause.
    adapter.fire_interrupt(0);
    // A send queued at pause time is completed with NDIS_STATUS_PAUSED by MiniportPause.
    adapter.send(&[&frame]);
    adapter.pause();
    assert_eq!(adapter.state(), AdapterState::Paused);
    let paused = adapter.wait_send_completions(1, Duration::from_secs(2));
    assert_eq!(paused.len(), 1);
    assert_eq!(paused[0].status, NDIS_STATUS_PAUSED);
    // A send while Paused is rejected with NDIS_STATUS_PAUSED.
    adapter.send(&[&frame]);
    let rejected = adapter.wait_send_completions(1, Duration::from_secs(2));
    assert_eq!(rejected[0].status, NDIS_STATUS_PAUSED);
    // OIDs still work while Paused.
    assert_eq!(
        adapter.oid_query(OID_GEN_MAXIMUM_TOTAL_SIZE, 4).status,
        NDIS_STATUS_SUCCESS
    );
}

#[test]
fn well_behaved_miniport_two_lifecycles_and_surprise_removal_without_violations() {
    let driver = load(Faults::default());
    for round in 0..2 {
        let adapter = driver
            .add_adapter(AdapterConfig::default().keyword("*NumRssQueues", 2))
            .expect("initializes");
        assert_eq!(
            adapter.state(),
            AdapterState::Paused,
            "round {round}: Paused after InitializeEx"
        );
        let attrs = adapter.attributes();
        assert_eq!(
            attrs.general.as_ref().map(|g| g.supported_oids.clone()),
            Some(SUPPORTED.to_vec())
        );
        exercise(&adapter);
        // Restart again, let the periodic timer run on the timer thread, reset, then halt.
        assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(adapter.reset(), Some(NDIS_STATUS_SUCCESS));
        let violations = adapter.halt(NdisHaltDeviceDisabled);
        assert_no_violations(&violations);
    }
    // Surprise removal: PnP notify, pause, halt(SurpriseRemoved).
    let adapter = driver
        .add_adapter(AdapterConfig::default())
        .expect("initializes");
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    adapter.fire_interrupt(0);
    let violations = adapter.surprise_remove();
    assert_no_violations(&violations);
    assert_no_violations(&driver.unload());
}

#[test]
fn sriov_pf_enables_and_disables_virtualization_and_reports_capabilities() {
    let (driver, adapter) = adapter_with(Faults {
        sriov: true,
        ..Faults::default()
    });
    assert_eq!(adapter.virtualization(), Some(2));
    let hw = adapter
        .attributes()
        .hardware_assist
        .expect("hardware-assist attributes");
    assert_eq!(hw.hardware_sriov.map(|c| c.SriovCapabilities), Some(0x3));
    assert!(hw.current_nic_switch.is_some());
    assert_no_violations(&adapter.finish());
    assert_no_violations(&driver.unload());
}

#[test]
fn two_drivers_in_one_process_keep_separate_state() {
    let (d1, a1) = adapter_with(Faults::default());
    let (d2, a2) = adapter_with(Faults {
        keep_memory: true,
        ..Faults::default()
    });
    assert_ne!(a1.handle(), a2.handle());
    let v2 = a2.finish();
    assert!(fired(&v2, "NDIS-HALT-5"));
    assert_no_violations(&a1.finish());
    assert_no_violations(&d1.unload());
    drop(d2);
}
