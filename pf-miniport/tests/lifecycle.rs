//! The PF miniport through the user-mode NDIS emulator: its real trampolines, NDIS's
//! lifecycle, and NDIS's rules (tests/ndis-emu/RULES.md).

use igb::ids::Generation;
use igb_testbed::Testbed;
use ndis_abi::*;
use ndis_emu::{AdapterConfig, EmuDriver, assert_no_violations};
use pf_miniport::keywords;

/// A PF on a fresh 82576 model.
fn config() -> AdapterConfig {
    Testbed::new(Generation::I82576).pf_config()
}

fn load() -> EmuDriver {
    EmuDriver::load(pf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the PF miniport")
}

#[test]
fn two_full_lifecycles_with_no_violations_and_no_leaks() {
    let driver = load();
    for _lifecycle in 0..2 {
        let adapter = driver.add_adapter(config()).expect("InitializeEx succeeds");
        adapter.restart();
        adapter.pause();
        adapter.restart();
        adapter.pause();
        let violations = adapter.halt(NdisHaltDeviceDisabled);
        assert_no_violations(&violations);
    }
    assert_no_violations(&driver.unload());
}

#[test]
fn surprise_removal_with_no_violations() {
    let driver = load();
    let adapter = driver.add_adapter(config()).expect("InitializeEx succeeds");
    adapter.restart();
    assert_no_violations(&adapter.surprise_remove());
    assert_no_violations(&driver.unload());
}

#[test]
fn sends_are_refused_honestly_while_paused_and_without_a_link_and_carried_with_one() {
    let driver = load();
    let testbed = Testbed::new(Generation::I82576);
    testbed.set_link(false);
    let adapter = driver
        .add_adapter(testbed.pf_config())
        .expect("InitializeEx succeeds");
    let frame = [0xFFu8; 60];
    let timeout = std::time::Duration::from_secs(5);
    adapter.send(&[&frame[..]]);
    let paused = adapter.wait_send_completions(1, timeout);
    assert_eq!(paused.len(), 1);
    assert!(
        paused
            .iter()
            .all(|completion| completion.status == NDIS_STATUS_PAUSED),
        "{paused:?}"
    );
    adapter.restart();
    adapter.send(&[&frame[..], &frame[..]]);
    let running = adapter.wait_send_completions(2, timeout);
    assert_eq!(running.len(), 2);
    assert!(
        running
            .iter()
            .all(|completion| completion.status == NDIS_STATUS_MEDIA_DISCONNECTED),
        "{running:?}"
    );
    // With a link the data path carries it.
    testbed.set_link(true);
    let up = igb_testbed::wait_for_link_indications(&adapter, timeout, |s| {
        s.last()
            .is_some_and(|state| state.connect_state == MediaConnectStateConnected)
    });
    assert!(!up.is_empty(), "link up indicated");
    adapter.send(&[&frame[..]]);
    let linked = adapter.wait_send_completions(1, timeout);
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].status, NDIS_STATUS_SUCCESS, "{linked:?}");
    assert_no_violations(&adapter.finish());
}

#[test]
fn attributes_report_sriov_capabilities_and_the_supported_oids() {
    let driver = load();
    let adapter = driver
        .add_adapter(
            config()
                .keyword(keywords::SRIOV_PREFERRED, 1)
                .keyword(keywords::NUM_VFS, 3),
        )
        .expect("InitializeEx succeeds");
    let attributes = adapter.attributes();
    let general = attributes.general.expect("general attributes");
    assert!(general.supported_oids.contains(&OID_GEN_STATISTICS));
    assert_eq!(
        general.media_connect_state, MediaConnectStateConnected,
        "the model's link is up at initialization"
    );
    let assist = attributes
        .hardware_assist
        .expect("hardware-assist attributes");
    let current_switch = assist
        .current_nic_switch
        .expect("current NIC switch capabilities");
    assert_eq!(current_switch.MaxNumVFs, 3);
    assert_eq!(
        assist
            .current_sriov
            .expect("current SR-IOV")
            .SriovCapabilities,
        NDIS_SRIOV_CAPS_SRIOV_SUPPORTED | NDIS_SRIOV_CAPS_PF_MINIPORT
    );
    // Every mandatory general OID answers.
    let statistics = adapter.oid_query(OID_GEN_STATISTICS, 256);
    assert_eq!(statistics.status, NDIS_STATUS_SUCCESS);
    let short = adapter.oid_query(OID_GEN_XMIT_OK, 2);
    assert_ne!(short.status, NDIS_STATUS_SUCCESS);
    assert_eq!(short.bytes_needed, 8);
    assert_no_violations(&adapter.finish());
}

/// `SupportedOidList` is exact both ways: every OID listed is answered (query, set or method),
/// on both generations and with SR-IOV on or off; an answer for an unlisted OID is the
/// emulator's NDIS-OID-5, which would show up as a violation at halt. The probes' empty sets
/// and short buffers leave the adapter working.
#[test]
fn every_oid_in_the_supported_list_is_answered_and_the_adapter_keeps_working() {
    let driver = load();
    for generation in [Generation::I82576, Generation::I350] {
        for sriov in [0, 1] {
            let testbed = Testbed::new(generation);
            let adapter = driver
                .add_adapter(testbed.pf_config().keyword(keywords::SRIOV, sriov))
                .expect("InitializeEx succeeds");
            adapter.restart();
            let unanswered = adapter.unanswered_supported_oids();
            assert!(
                unanswered.is_empty(),
                "{generation:?} *SRIOV={sriov}: listed but unanswered: {unanswered:#x?}"
            );
            let sent = adapter.send(&[&[0xFFu8; 60][..]]);
            let done =
                adapter.wait_send_completions(sent.len(), std::time::Duration::from_secs(10));
            assert_eq!(
                done.len(),
                1,
                "{generation:?}: a send after the probes completes"
            );
            adapter.pause();
            assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        }
    }
    assert_no_violations(&driver.unload());
}
