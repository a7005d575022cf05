//! The PF miniport on the device model through NDIS (the testbed): the MAC from the NVM, link
//! from the PHY with link-change indications, hardware statistics, bad hardware, and a clean
//! halt, on both the 82576 and the I350.

use std::time::{Duration, Instant};

use igb::ids::Generation;
use igb_testbed::Testbed;
use ndis_abi::*;
use ndis_emu::{EmuAdapter, EmuDriver, assert_no_violations};

const GENERATIONS: [Generation; 2] = [Generation::I82576, Generation::I350];
const TIMEOUT: Duration = Duration::from_secs(5);

fn load() -> EmuDriver {
    EmuDriver::load(pf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the PF miniport")
}

/// The `NDIS_LINK_STATE` indications so far, as (connect state, speed bps, duplex).
fn link_indications(adapter: &EmuAdapter) -> Vec<(i32, u64, i32)> {
    adapter
        .status_indications()
        .into_iter()
        .filter(|indication| indication.code == NDIS_STATUS_LINK_STATE)
        .filter_map(|indication| {
            let buffer = &indication.buffer;
            (buffer.len() >= 24).then(|| {
                let connect = i32::from_le_bytes(buffer[4..8].try_into().expect("4 bytes"));
                let duplex = i32::from_le_bytes(buffer[8..12].try_into().expect("4 bytes"));
                let speed = u64::from_le_bytes(buffer[16..24].try_into().expect("8 bytes"));
                (connect, speed, duplex)
            })
        })
        .collect()
}

fn wait_for_link_indications(adapter: &EmuAdapter, count: usize) -> Vec<(i32, u64, i32)> {
    let start = Instant::now();
    loop {
        let indications = link_indications(adapter);
        if indications.len() >= count || start.elapsed() > TIMEOUT {
            return indications;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn pf_reports_the_nvm_mac_and_the_models_link_then_indicates_flips_and_halts_clean() {
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
        let down = wait_for_link_indications(&adapter, 1);
        assert_eq!(
            down.last().map(|state| state.0),
            Some(MediaConnectStateDisconnected),
            "{generation:?}: {down:?}"
        );
        testbed.set_link(true);
        let up = wait_for_link_indications(&adapter, 2);
        let last = up.last().copied().expect("an up indication");
        assert_eq!(last.0, MediaConnectStateConnected, "{generation:?}: {up:?}");
        assert_eq!(last.1, 1_000_000_000, "{generation:?}: 1000 Mb/s: {up:?}");
        assert_eq!(last.2, MediaDuplexStateFull, "{generation:?}: {up:?}");

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
