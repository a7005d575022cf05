//! The VF miniport on the device model through NDIS (the testbed), with a PF played by the
//! shared igb layer on the same model: the reset handshake gives the admin MAC, a PF reset
//! mid-run disconnects and reconnects the media, and a PF that never answers fails
//! initialization cleanly.

use std::time::{Duration, Instant};

use igb_testbed::wait_for_link_indications;

use igb::ids::Generation;
use igb_testbed::{HostPf, Testbed};
use ndis_abi::*;
use ndis_emu::{EmuAdapter, EmuDriver, assert_no_violations};

const ADMIN_MAC: [u8; 6] = [0x02, 0x00, 0x5E, 0x10, 0x00, 0x01];
const TIMEOUT: Duration = Duration::from_secs(10);

fn load() -> EmuDriver {
    EmuDriver::load(vf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the VF miniport")
}

fn connect_states(adapter: &EmuAdapter, done: impl Fn(&[i32]) -> bool) -> Vec<i32> {
    let states = |indications: &[igb_testbed::LinkIndication]| -> Vec<i32> {
        indications.iter().map(|i| i.connect_state).collect()
    };
    states(&wait_for_link_indications(adapter, TIMEOUT, |i| {
        done(&states(i))
    }))
}

#[test]
fn vf_gets_the_admin_mac_from_the_handshake_and_survives_a_pf_reset() {
    for generation in [Generation::I82576, Generation::I350] {
        let testbed = Testbed::new(generation);
        let host = HostPf::start(&testbed, &[ADMIN_MAC]).expect("host PF with one VF");
        let driver = load();
        let adapter = driver
            .add_adapter(testbed.vf_config(0))
            .unwrap_or_else(|error| panic!("{generation:?}: InitializeEx: {error:?}"));
        let general = adapter.attributes().general.expect("general attributes");
        assert_eq!(general.current_mac, ADMIN_MAC, "{generation:?}");
        assert_eq!(
            general.media_connect_state, MediaConnectStateConnected,
            "{generation:?}"
        );
        adapter.restart();

        host.reset_pf(&testbed).expect("PF reset under the VF");
        let states = connect_states(&adapter, |states| {
            states
                .iter()
                .position(|state| *state == MediaConnectStateDisconnected)
                .is_some_and(|down| states[down..].contains(&MediaConnectStateConnected))
        });
        let down = states
            .iter()
            .position(|state| *state == MediaConnectStateDisconnected);
        assert!(
            down.is_some_and(|down| states[down..].contains(&MediaConnectStateConnected)),
            "{generation:?}: expected disconnect then connect, got {states:?}"
        );
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
        drop(host);
    }
}

#[test]
fn a_pf_that_never_answers_fails_initialization_cleanly() {
    let testbed = Testbed::new(Generation::I82576);
    let host = HostPf::start(&testbed, &[ADMIN_MAC]).expect("host PF with one VF");
    host.set_serving(false);
    let driver = load();
    let started = Instant::now();
    let result = driver.add_adapter(testbed.vf_config(0));
    let error = result.err().expect("no handshake, no adapter");
    assert_eq!(error.status, NDIS_STATUS_DEVICE_FAILED);
    // NDIS_ERROR_CODE_TIMEOUT from the init-failure site, step 4 (the handshake gave up).
    let entry = error
        .event_log
        .iter()
        .find(|entry| entry.unique_value() == Some(vf_miniport::hardware::event_site::INIT_FAILED))
        .expect("the reason is in the event log");
    assert_eq!(entry.code, 0x8000_138F);
    assert_eq!(entry.data().first(), Some(&4));
    assert!(entry.data().get(1).is_some_and(|attempts| *attempts >= 1));
    assert_no_violations(&error.violations);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded: {:?}",
        started.elapsed()
    );
    assert_no_violations(&driver.unload());
}

/// The VF is pulled out of the guest at every point of initialization (its BAR reads all-ones
/// from the n-th read on, the host PF keeps serving): each attempt fails with a clear status
/// having released everything, or comes up, sees the removal and halts cleanly. Nothing
/// panics or hangs; the mailbox's bounded polls keep each attempt short.
#[test]
fn vf_removed_at_any_register_read_during_init_fails_cleanly_or_halts_cleanly() {
    let testbed = Testbed::new(Generation::I82576);
    let host = HostPf::start(&testbed, &[ADMIN_MAC]).expect("host PF with one VF");
    let driver = load();
    let mut failures = 0;
    let mut successes = 0;
    let mut in_a_row = 0;
    let mut reads = 0u64;
    loop {
        testbed.remove_function_after_reads(igb_model::Function::Vf(0), reads);
        match driver.add_adapter(testbed.vf_config(0)) {
            Ok(adapter) => {
                successes += 1;
                in_a_row += 1;
                adapter.restart();
                assert_no_violations(&adapter.halt(NdisHaltDeviceSurpriseRemoved));
            }
            Err(error) => {
                failures += 1;
                in_a_row = 0;
                assert!(
                    [NDIS_STATUS_ADAPTER_NOT_FOUND, NDIS_STATUS_DEVICE_FAILED]
                        .contains(&error.status),
                    "after {reads} reads: status {:#x}",
                    error.status
                );
                assert_no_violations(&error.violations);
            }
        }
        // Past the end of initialization every later cut-off comes up too: a few in a row
        // end the sweep.
        if in_a_row >= 5 || reads > 400 {
            break;
        }
        reads += 1;
    }
    eprintln!("VF removal sweep: {reads} cut-offs, {failures} failed, {successes} came up");
    assert!(
        failures > 0 && successes > 0 && reads <= 400,
        "{failures} failed, {successes} came up, {reads} cut-offs"
    );
    assert_no_violations(&driver.unload());
    drop(host);
}
