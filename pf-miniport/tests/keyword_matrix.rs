//! The keyword matrix of N/handling-sr-iov--vmq--and-rss-standardized-inf-keywords.md
//! (requirements doc §1.3), one test per row, through the NDIS emulator: the registry values
//! go in through NdisReadConfiguration and the capability reports come out of
//! NdisMSetMiniportAttributes, as NDIS would see them.

use ndis_abi::*;
use ndis_emu::{EmuDriver, assert_no_violations};
use pf_miniport::keywords::{RSS, RSS_OR_VMQ_PREFERENCE, SRIOV, SRIOV_PREFERRED, VMQ};

/// What NDIS saw for one row.
struct Reported {
    sriov: bool,
    vmq: bool,
    rss: bool,
    /// The adapter logged that the keywords asked for RSS, which it does not implement.
    rss_unavailable_logged: bool,
    hardware_sriov: bool,
}

fn run(row: &[(&str, u32)]) -> Reported {
    let driver =
        EmuDriver::load(pf_miniport::miniport::portable_driver_entry).expect("DriverEntry");
    let mut config = igb_testbed::Testbed::new(igb::ids::Generation::I82576).pf_config();
    for (keyword, value) in row {
        config = config.keyword(keyword, *value);
    }
    let adapter = driver.add_adapter(config).expect("InitializeEx succeeds");
    let attributes = adapter.attributes();
    let assist = attributes
        .hardware_assist
        .expect("hardware-assist attributes are always set by the PF");
    let current_sriov = assist
        .current_sriov
        .expect("current SR-IOV pointer is always paired");
    let current_switch = assist
        .current_nic_switch
        .expect("current NIC switch pointer is always paired");
    let current_filter = assist
        .current_receive_filter
        .expect("current receive filter pointer is always paired");
    let reported = Reported {
        sriov: current_sriov.SriovCapabilities & NDIS_SRIOV_CAPS_SRIOV_SUPPORTED != 0
            && current_switch.MaxNumVFs > 0,
        vmq: current_filter.EnabledFilterTypes & NDIS_RECEIVE_FILTER_VMQ_FILTERS_ENABLED != 0,
        rss: attributes
            .general
            .expect("general attributes")
            .has_rss_capabilities,
        rss_unavailable_logged: adapter.event_log().iter().any(|entry| {
            entry.code == ndis::event_log::EventCode::UNSUPPORTED_CONFIGURATION.raw()
                && entry.values.first() == Some(&pf_miniport::hardware::event_site::RSS_UNAVAILABLE)
        }),
        hardware_sriov: assist
            .hardware_sriov
            .expect("hardware SR-IOV")
            .SriovCapabilities
            & NDIS_SRIOV_CAPS_SRIOV_SUPPORTED
            != 0,
    };
    if reported.sriov {
        assert_eq!(
            current_filter.NumQueues, 0,
            "NumQueues must be 0 when SR-IOV is enabled"
        );
    } else if reported.vmq {
        assert!(current_filter.NumQueues > 0, "VMQ reports its queues");
    }
    assert_no_violations(&adapter.finish());
    reported
}

/// `rss_selected`: the row selects RSS. RSS is never reported (the PF does not implement it,
/// `pf_miniport::capabilities`); a selected RSS is logged instead.
fn expect(row: &[(&str, u32)], sriov: bool, vmq: bool, rss_selected: bool) {
    let reported = run(row);
    assert!(
        reported.hardware_sriov,
        "hardware SR-IOV capabilities are reported whatever the keywords say"
    );
    assert_eq!(
        (
            reported.sriov,
            reported.vmq,
            reported.rss,
            reported.rss_unavailable_logged
        ),
        (sriov, vmq, false, rss_selected),
        "row {row:?}"
    );
}

#[test]
fn row1_sriov_preferred_sriov_and_vmq_on_reports_sriov_plus_vmq() {
    expect(
        &[
            (SRIOV_PREFERRED, 1),
            (RSS_OR_VMQ_PREFERENCE, 1),
            (SRIOV, 1),
            (VMQ, 1),
        ],
        true,
        true,
        false,
    );
}

#[test]
fn row2_sriov_preferred_sriov_off_vmq_on_reports_vmq() {
    expect(
        &[
            (SRIOV_PREFERRED, 1),
            (RSS_OR_VMQ_PREFERENCE, 1),
            (SRIOV, 0),
            (VMQ, 1),
        ],
        false,
        true,
        false,
    );
}

#[test]
fn row3_sriov_preferred_sriov_and_vmq_off_reports_none() {
    expect(
        &[
            (SRIOV_PREFERRED, 1),
            (RSS_OR_VMQ_PREFERENCE, 0),
            (SRIOV, 0),
            (VMQ, 0),
            (RSS, 1),
        ],
        false,
        false,
        false,
    );
}

#[test]
fn row4_vmq_preferred_vmq_on_reports_vmq() {
    expect(
        &[(RSS_OR_VMQ_PREFERENCE, 1), (VMQ, 1), (SRIOV, 1)],
        false,
        true,
        false,
    );
}

#[test]
fn row5_vmq_preferred_vmq_off_reports_none() {
    expect(
        &[
            (SRIOV_PREFERRED, 0),
            (RSS_OR_VMQ_PREFERENCE, 1),
            (VMQ, 0),
            (RSS, 1),
        ],
        false,
        false,
        false,
    );
}

#[test]
fn row6_rss_preferred_rss_on_selects_rss_which_is_logged_not_reported() {
    expect(&[(RSS, 1), (SRIOV, 1), (VMQ, 1)], false, false, true);
}

#[test]
fn row7_rss_preferred_rss_off_reports_none() {
    expect(
        &[
            (SRIOV_PREFERRED, 0),
            (RSS_OR_VMQ_PREFERENCE, 0),
            (RSS, 0),
            (VMQ, 1),
        ],
        false,
        false,
        false,
    );
}
