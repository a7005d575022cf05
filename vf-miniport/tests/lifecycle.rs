//! The VF miniport through the user-mode NDIS emulator: its real trampolines, NDIS's
//! lifecycle, and NDIS's rules (tests/ndis-emu/RULES.md).

use igb::ids::Generation;
use igb_testbed::{HostPf, Testbed};
use ndis_abi::*;
use ndis_emu::{AdapterConfig, EmuDriver, Partition, assert_no_violations};

/// A VF on the model with a PF (played by the igb layer) serving its mailbox.
struct Rig {
    testbed: Testbed,
    _host: HostPf,
}

fn rig() -> Rig {
    let testbed = Testbed::new(Generation::I82576);
    let host = HostPf::start(&testbed, &[[0x02, 0, 0, 0, 0, 0x10]]).expect("host PF");
    Rig {
        testbed,
        _host: host,
    }
}

impl Rig {
    fn config(&self) -> AdapterConfig {
        self.testbed.vf_config(0)
    }
}

fn load() -> EmuDriver {
    EmuDriver::load(vf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the VF miniport")
}

#[test]
fn two_full_lifecycles_with_no_violations_and_no_leaks() {
    let driver = load();
    let rig = rig();
    for _lifecycle in 0..2 {
        let adapter = driver
            .add_adapter(rig.config())
            .expect("InitializeEx succeeds");
        adapter.restart();
        adapter.pause();
        adapter.restart();
        adapter.pause();
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    }
    assert_no_violations(&driver.unload());
}

#[test]
fn surprise_removal_mid_run_with_no_violations() {
    let driver = load();
    let rig = rig();
    let adapter = driver
        .add_adapter(rig.config())
        .expect("InitializeEx succeeds");
    adapter.restart();
    assert_no_violations(&adapter.surprise_remove());
    assert_no_violations(&driver.unload());
}

#[test]
fn reports_vf_sriov_capabilities_only() {
    let driver = load();
    let rig = rig();
    let adapter = driver
        .add_adapter(rig.config())
        .expect("InitializeEx succeeds");
    let assist = adapter
        .attributes()
        .hardware_assist
        .expect("hardware-assist attributes");
    let expected = NDIS_SRIOV_CAPS_VF_MINIPORT | NDIS_SRIOV_CAPS_SRIOV_SUPPORTED;
    assert_eq!(
        assist
            .hardware_sriov
            .expect("hardware SR-IOV")
            .SriovCapabilities,
        expected
    );
    assert_eq!(
        assist
            .current_sriov
            .expect("current SR-IOV")
            .SriovCapabilities,
        expected
    );
    assert!(
        assist.hardware_nic_switch.is_none() && assist.current_nic_switch.is_none(),
        "only the PF reports a NIC switch"
    );
    assert!(
        assist.hardware_receive_filter.is_none(),
        "only the PF reports receive filtering"
    );
    assert_no_violations(&adapter.finish());
}

#[test]
fn refuses_to_come_up_in_the_parent_partition() {
    let driver = load();
    let config = AdapterConfig {
        partition: Partition::Parent,
        ..AdapterConfig::vf()
    };
    let error = driver
        .add_adapter(config)
        .err()
        .expect("a VF does not initialize in the parent partition");
    assert_eq!(error.status, NDIS_STATUS_NOT_SUPPORTED);
    assert_no_violations(&error.violations);
}

/// Every OID in the VF's `SupportedOidList` is answered (query, set or method); an answer for
/// an unlisted OID is the emulator's NDIS-OID-5, a violation at halt.
#[test]
fn every_oid_in_the_supported_list_is_answered() {
    let driver = load();
    let rig = rig();
    let adapter = driver
        .add_adapter(rig.config())
        .expect("InitializeEx succeeds");
    adapter.restart();
    let unanswered = adapter.unanswered_supported_oids();
    assert!(
        unanswered.is_empty(),
        "listed but unanswered: {unanswered:#x?}"
    );
    adapter.pause();
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    assert_no_violations(&driver.unload());
}
