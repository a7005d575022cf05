//! Why SR-IOV is not active (issue 13 item 6), as an administrator reads it in the event log:
//! each keyword set and platform limit gives exactly the documented reasons, with the numbers
//! that explain them, and the capabilities NDIS sees agree. The message file shipped in the
//! package (`inf/pf_miniport.mc`) defines exactly the ids the driver logs.

use igb::ids::Generation;
use igb_testbed::Testbed;
use ndis_abi::*;
use ndis_emu::{EmuDriver, assert_no_violations};
use pf_miniport::diagnostics::{FACILITY, MESSAGES, SriovReason};
use pf_miniport::keywords::{NUM_VFS, RSS_OR_VMQ_PREFERENCE, SRIOV, SRIOV_PREFERRED};

/// The package's message file.
const MESSAGE_FILE: &str = include_str!("../../inf/pf_miniport.mc");

/// What NDIS and the event log show after `MiniportInitializeEx`.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    /// Current SR-IOV capabilities report SR-IOV.
    sriov: bool,
    /// Current NIC switch `MaxNumVFs`.
    max_vfs: u32,
    /// The SR-IOV reasons in the event log, in order.
    reasons: Vec<SriovReason>,
}

fn initialize(
    builder: igb_model::DeviceBuilder,
    keywords: &[(&str, u32)],
    msix_messages: Option<u32>,
) -> Seen {
    let driver =
        EmuDriver::load(pf_miniport::miniport::portable_driver_entry).expect("DriverEntry");
    let testbed = Testbed::build(builder);
    let mut config = testbed.pf_config();
    for (name, value) in keywords {
        config = config.keyword(name, *value);
    }
    if let Some(messages) = msix_messages {
        config.msix_messages = messages;
    }
    let adapter = driver.add_adapter(config).expect("InitializeEx succeeds");
    let assist = adapter
        .attributes()
        .hardware_assist
        .expect("hardware assist");
    let seen = Seen {
        sriov: assist
            .current_sriov
            .expect("current SR-IOV")
            .SriovCapabilities
            & NDIS_SRIOV_CAPS_SRIOV_SUPPORTED
            != 0,
        max_vfs: assist.current_nic_switch.expect("current switch").MaxNumVFs,
        reasons: adapter
            .event_log()
            .iter()
            .filter_map(|entry| SriovReason::from_event(entry.code, &entry.values))
            .collect(),
    };
    assert_no_violations(&adapter.finish());
    assert_no_violations(&driver.unload());
    seen
}

const SRIOV_ON: [(&str, u32); 2] = [(SRIOV_PREFERRED, 1), (SRIOV, 1)];

#[test]
fn each_keyword_set_and_platform_limit_logs_its_reason_once() {
    for generation in [Generation::I82576, Generation::I350] {
        let device = || igb_model::Device::builder(generation);
        let rows: Vec<(&str, Seen, Seen)> = vec![
            (
                "SR-IOV preferred and enabled",
                initialize(device(), &SRIOV_ON, None),
                Seen {
                    sriov: true,
                    max_vfs: 7,
                    reasons: vec![],
                },
            ),
            (
                "*SRIOV = 0",
                initialize(device(), &[(SRIOV_PREFERRED, 1), (SRIOV, 0)], None),
                Seen {
                    sriov: false,
                    max_vfs: 0,
                    reasons: vec![SriovReason::DisabledByKeyword],
                },
            ),
            (
                "*SriovPreferred absent, VMQ preferred",
                initialize(device(), &[(RSS_OR_VMQ_PREFERENCE, 1), (SRIOV, 1)], None),
                Seen {
                    sriov: false,
                    max_vfs: 0,
                    reasons: vec![SriovReason::OtherFeaturePreferred { vmq: true }],
                },
            ),
            (
                "*SriovPreferred = 0, RSS preferred",
                initialize(device(), &[(SRIOV_PREFERRED, 0), (SRIOV, 1)], None),
                Seen {
                    sriov: false,
                    max_vfs: 0,
                    reasons: vec![SriovReason::OtherFeaturePreferred { vmq: false }],
                },
            ),
            (
                "one MSI-X message",
                initialize(device(), &SRIOV_ON, Some(1)),
                Seen {
                    sriov: false,
                    max_vfs: 0,
                    reasons: vec![SriovReason::MsixUnavailable {
                        granted: 1,
                        needed: 2,
                    }],
                },
            ),
            (
                "TotalVFs 3 below *NumVFs 7",
                initialize(device().total_vfs(3), &SRIOV_ON, None),
                Seen {
                    sriov: true,
                    max_vfs: 3,
                    reasons: vec![SriovReason::VfsClamped {
                        requested: 7,
                        total_vfs: 3,
                    }],
                },
            ),
            (
                "TotalVFs 3, *NumVFs 2",
                initialize(
                    device().total_vfs(3),
                    &[(SRIOV_PREFERRED, 1), (SRIOV, 1), (NUM_VFS, 2)],
                    None,
                ),
                Seen {
                    sriov: true,
                    max_vfs: 2,
                    reasons: vec![],
                },
            ),
            (
                "TotalVFs 0",
                initialize(device().total_vfs(0), &SRIOV_ON, None),
                Seen {
                    sriov: false,
                    max_vfs: 0,
                    reasons: vec![SriovReason::VfsClamped {
                        requested: 7,
                        total_vfs: 0,
                    }],
                },
            ),
        ];
        for (row, seen, expected) in rows {
            assert_eq!(seen, expected, "{generation:?}: {row}");
        }
    }
}

#[test]
fn the_message_file_defines_exactly_the_ids_the_driver_logs() {
    let file = ndis_emu::message_file::MessageFile::parse(MESSAGE_FILE)
        .expect("inf/pf_miniport.mc parses");
    assert_eq!(
        file.facilities.values().copied().collect::<Vec<_>>(),
        vec![FACILITY]
    );
    assert_eq!(file.messages.len(), MESSAGES.len(), "{:?}", file.messages);
    for (id, name) in MESSAGES {
        let message = file
            .messages
            .iter()
            .find(|message| message.symbolic_name == name)
            .unwrap_or_else(|| panic!("{name} is in inf/pf_miniport.mc"));
        assert_eq!(
            message.id, id,
            "{name}: {:#x} in the file, {id:#x} logged",
            message.id
        );
        assert!(
            message.text.starts_with("%2: "),
            "{name}: NDIS inserts the adapter name as %2"
        );
    }
}
