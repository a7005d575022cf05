//! The PF miniport on the device model through NDIS (the testbed): the MAC from the NVM, link
//! from the PHY with link-change indications, hardware statistics, bad hardware, and a clean
//! halt, on both the 82576 and the I350.

use std::time::Duration;

use igb::ids::Generation;
use igb_testbed::{Testbed, wait_for_link_indications};
use ndis_abi::*;
use ndis_emu::{EmuDriver, assert_no_violations};
use pf_miniport::hardware::event_site::{
    INIT_FAILED, MAC_FROM_RAR0, NETWORK_ADDRESS_REJECTED, PHY_NOT_ANSWERING,
};

const GENERATIONS: [Generation; 2] = [Generation::I82576, Generation::I350];
const TIMEOUT: Duration = Duration::from_secs(5);

/// The entries logged from `site` (the first value of each), as (code, data).
fn logged(log: &[ndis_emu::EventLogEntry], site: u32) -> Vec<(u32, Vec<u32>)> {
    log.iter()
        .filter(|entry| entry.unique_value() == Some(site))
        .map(|entry| (entry.code, entry.data().to_vec()))
        .collect()
}

const NDIS_ERROR_CODE_NETWORK_ADDRESS: u32 = 0xC000_1390;
const NDIS_ERROR_CODE_INVALID_VALUE_FROM_ADAPTER: u32 = 0xC000_1392;
const NDIS_ERROR_CODE_HARDWARE_FAILURE: u32 = 0xC000_138A;

fn load() -> EmuDriver {
    EmuDriver::load(pf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the PF miniport")
}

#[test]
fn pf_reports_its_permanent_mac_and_the_models_link_then_indicates_flips_and_halts_clean() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = driver
            .add_adapter(testbed.pf_config())
            .unwrap_or_else(|error| panic!("{generation:?}: InitializeEx: {error:?}"));
        let general = adapter.attributes().general.expect("general attributes");
        assert_eq!(
            general.permanent_mac,
            igb_model::DEFAULT_MAC,
            "{generation:?}"
        );
        assert_eq!(
            general.current_mac,
            igb_model::DEFAULT_MAC,
            "{generation:?}"
        );
        assert_eq!(
            general.media_connect_state, MediaConnectStateConnected,
            "{generation:?}"
        );
        adapter.restart();

        testbed.set_link(false);
        let down = wait_for_link_indications(&adapter, TIMEOUT, |s| !s.is_empty());
        assert_eq!(
            down.last().map(|state| state.connect_state),
            Some(MediaConnectStateDisconnected),
            "{generation:?}: {down:?}"
        );
        testbed.set_link(true);
        let up = wait_for_link_indications(&adapter, TIMEOUT, |s| s.len() >= 2);
        let last = up.last().copied().expect("an up indication");
        assert_eq!(
            last.connect_state, MediaConnectStateConnected,
            "{generation:?}: {up:?}"
        );
        assert_eq!(
            last.speed, 1_000_000_000,
            "{generation:?}: 1000 Mb/s: {up:?}"
        );
        assert_eq!(last.duplex, MediaDuplexStateFull, "{generation:?}: {up:?}");

        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn network_address_overrides_the_current_mac_and_a_multicast_one_is_ignored() {
    let driver = load();
    let testbed = Testbed::new(Generation::I82576);
    let adapter = driver
        .add_adapter(
            testbed
                .pf_config()
                .keyword_str("NetworkAddress", "02-11-22-33-44-55"),
        )
        .expect("InitializeEx succeeds");
    let general = adapter.attributes().general.expect("general attributes");
    assert_eq!(general.current_mac, [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
    assert_eq!(general.permanent_mac, igb_model::DEFAULT_MAC);
    // Informational entries (severity 01, e.g. "SR-IOV not preferred" without a vSwitch)
    // are not problems; no warning or error is.
    let problems: Vec<_> = adapter
        .event_log()
        .into_iter()
        .filter(|entry| entry.code >> 30 != 0b01)
        .collect();
    assert_eq!(problems, Vec::new(), "nothing to report");
    assert_no_violations(&adapter.finish());

    let adapter = driver
        .add_adapter(
            Testbed::new(Generation::I82576)
                .pf_config()
                .keyword_str("NetworkAddress", "01-11-22-33-44-55"),
        )
        .expect("InitializeEx succeeds with the override ignored");
    let general = adapter.attributes().general.expect("general attributes");
    assert_eq!(general.current_mac, igb_model::DEFAULT_MAC);
    // Ignored, and logged: an administrator sees why the address did not take.
    assert_eq!(
        logged(&adapter.event_log(), NETWORK_ADDRESS_REJECTED),
        vec![(NDIS_ERROR_CODE_NETWORK_ADDRESS, vec![3])]
    );
    assert_no_violations(&adapter.finish());
    assert_no_violations(&driver.unload());
}

#[test]
fn a_phy_that_does_not_answer_leaves_the_adapter_up_disconnected_and_logged() {
    let driver = load();
    let testbed = Testbed::new(Generation::I82576);
    testbed.device().set_phy_dead(true);
    let adapter = driver
        .add_adapter(testbed.pf_config())
        .expect("InitializeEx succeeds without a PHY");
    let general = adapter.attributes().general.expect("general attributes");
    assert_eq!(general.media_connect_state, MediaConnectStateDisconnected);
    let entries = logged(&adapter.event_log(), PHY_NOT_ANSWERING);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].0, NDIS_ERROR_CODE_HARDWARE_FAILURE);
    assert_no_violations(&adapter.finish());
    assert_no_violations(&driver.unload());
}

#[test]
fn a_phy_that_never_links_leaves_the_adapter_up_and_disconnected() {
    let driver = load();
    let testbed = Testbed::new(Generation::I350);
    testbed.set_link(false);
    let adapter = driver
        .add_adapter(testbed.pf_config())
        .expect("InitializeEx succeeds without link");
    let general = adapter.attributes().general.expect("general attributes");
    assert_eq!(general.media_connect_state, MediaConnectStateDisconnected);
    adapter.restart();
    assert_no_violations(&adapter.finish());
    assert_no_violations(&driver.unload());
}

#[test]
fn surprise_removal_while_running_releases_everything() {
    let driver = load();
    let testbed = Testbed::new(Generation::I82576);
    let adapter = driver
        .add_adapter(testbed.pf_config())
        .expect("InitializeEx succeeds");
    adapter.restart();
    assert_no_violations(&adapter.surprise_remove());
    assert_no_violations(&driver.unload());
}

/// Puts `mac` into RAR0, as a stale or different auto-loaded address, before the driver runs.
fn write_rar0(testbed: &Testbed, mac: [u8; 6]) {
    use hw_platform::Mmio;
    let generation = testbed.device().generation();
    let (low, high) = igb::filters::RarEntry::new(mac, igb::regs::PoolMask(1)).encode();
    let bar = testbed.device().pf_bar();
    let ral = igb::regs::pf::ral(generation, 0).expect("RAR0");
    let rah = igb::regs::pf::rah(generation, 0).expect("RAR0");
    bar.write32(ral.offset(), low);
    bar.write32(rah.offset(), high);
}

const STALE_RAR0: [u8; 6] = [0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE];

#[test]
fn the_permanent_mac_comes_from_the_nvm_and_rar0_only_when_the_nvm_checksum_is_bad() {
    let driver = load();
    for generation in GENERATIONS {
        // A good NVM wins over whatever RAR0 holds.
        let testbed = Testbed::new(generation);
        write_rar0(&testbed, STALE_RAR0);
        let adapter = driver
            .add_adapter(testbed.pf_config())
            .expect("InitializeEx succeeds");
        let general = adapter.attributes().general.expect("general attributes");
        assert_eq!(
            general.permanent_mac,
            igb_model::DEFAULT_MAC,
            "{generation:?}"
        );
        assert_eq!(logged(&adapter.event_log(), MAC_FROM_RAR0), Vec::new());
        assert_no_violations(&adapter.finish());

        // A bad checksum: the NVM is not trusted; the auto-loaded RAR0 is the fallback.
        let testbed = Testbed::build(igb_model::Device::builder(generation).nvm_checksum_bad());
        write_rar0(&testbed, STALE_RAR0);
        let adapter = driver
            .add_adapter(testbed.pf_config())
            .expect("InitializeEx succeeds with the RAR0 fallback");
        let general = adapter.attributes().general.expect("general attributes");
        assert_eq!(general.permanent_mac, STALE_RAR0, "{generation:?}");
        assert_eq!(general.current_mac, STALE_RAR0, "{generation:?}");
        let entries = logged(&adapter.event_log(), MAC_FROM_RAR0);
        assert_eq!(entries.len(), 1, "{generation:?}: {entries:?}");
        assert_eq!(entries[0].0, NDIS_ERROR_CODE_INVALID_VALUE_FROM_ADAPTER);
        assert_eq!(entries[0].1[0], 1, "reason: bad checksum");
        assert_no_violations(&adapter.finish());

        // Neither: initialization fails with a clear status and releases everything.
        let testbed = Testbed::build(igb_model::Device::builder(generation).nvm_checksum_bad());
        write_rar0(&testbed, [0xFF; 6]);
        let error = driver
            .add_adapter(testbed.pf_config())
            .err()
            .expect("no usable MAC, no adapter");
        assert_eq!(
            error.status, NDIS_STATUS_ADAPTER_NOT_FOUND,
            "{generation:?}"
        );
        assert_eq!(
            logged(&error.event_log, INIT_FAILED),
            vec![(NDIS_ERROR_CODE_NETWORK_ADDRESS, vec![7, 0])],
            "{generation:?}: the reason is logged"
        );
        assert_no_violations(&error.violations);
    }
    assert_no_violations(&driver.unload());
}

/// Registers read all-ones from the n-th read on (surprise removal at every point of
/// initialization, and past it): each attempt either fails with a clear status having
/// released everything, or comes up and halts cleanly. Nothing panics or hangs.
#[test]
fn all_ones_at_any_register_read_during_init_fails_cleanly_or_halts_cleanly() {
    let driver = load();
    let mut failures = 0;
    let mut successes = 0;
    for reads in 0..400u64 {
        let testbed = Testbed::new(Generation::I82576);
        testbed.device().fail_reads_after(reads);
        match driver.add_adapter(testbed.pf_config()) {
            Ok(adapter) => {
                successes += 1;
                adapter.restart();
                assert_no_violations(&adapter.halt(NdisHaltDeviceSurpriseRemoved));
            }
            Err(error) => {
                failures += 1;
                assert!(
                    [NDIS_STATUS_ADAPTER_NOT_FOUND, NDIS_STATUS_DEVICE_FAILED]
                        .contains(&error.status),
                    "after {reads} reads: status {:#x}",
                    error.status
                );
                assert_no_violations(&error.violations);
            }
        }
    }
    // The sweep covered the whole initialization: early cut-offs fail, late ones succeed.
    assert!(
        failures > 0 && successes > 0,
        "{failures} failed, {successes} came up"
    );
    assert_no_violations(&driver.unload());
}

/// A link change whose interrupt is lost still reaches NDIS: the 2 s watchdog reads STATUS
/// (and refreshes the statistics) through the service work item. Without it the adapter would
/// report a dead link as connected forever.
#[test]
fn a_lost_link_interrupt_is_caught_by_the_watchdog() {
    let driver = load();
    let testbed = Testbed::new(Generation::I350);
    let adapter = driver
        .add_adapter(testbed.pf_config())
        .expect("InitializeEx");
    adapter.restart();
    testbed.lose_interrupts(igb_model::Function::Pf, true);
    testbed.set_link(false);
    // Two watchdog periods and some slack for a loaded machine; the wait ends at the
    // indication.
    let down = wait_for_link_indications(&adapter, Duration::from_secs(10), |s| !s.is_empty());
    assert_eq!(
        down.last().map(|state| state.connect_state),
        Some(MediaConnectStateDisconnected),
        "{down:?}"
    );
    testbed.lose_interrupts(igb_model::Function::Pf, false);
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    assert_no_violations(&driver.unload());
}
