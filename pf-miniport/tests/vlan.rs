//! 802.1Q on the PF's default queue through the NDIS emulator and the igb model, on the 82576
//! and the I350: `*PriorityVLANTag` (Standardized INF Keywords for NDIS QoS: 0 disabled,
//! 1 packet priority, 2 VLAN, 3 both) and `*VlanID` decide the tag inserted on the wire
//! (TPID 0x8100, PCP, VID; 82576 datasheet 7.2.2: VLE in the data descriptor, the tag in the
//! context descriptor), whether a received tag is stripped into the NBL's
//! `Ieee8021QNetBufferListInfo` (VMOLR/DVMOLR.STRVLAN) and which VLANs are indicated at all
//! (RCTL.VFE + VFTA/VLVF). Invalid keyword values are logged and defaulted.

use std::time::Duration;

use igb::ids::Generation;
use igb_model::check::{FrameSpec, build_frame, internet_checksum, verify_segment};
use igb_testbed::Testbed;
use ndis_abi::*;
use ndis_emu::{
    ChecksumRequest, EmuAdapter, EmuDriver, NblSpec, SendCompletion, assert_no_violations,
};
use pf_miniport::keywords::{PRIORITY_VLAN_TAG, VLAN_ID, event_site};

const GENERATIONS: [Generation; 2] = [Generation::I82576, Generation::I350];
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a frame that must not be indicated is given to show up anyway.
const QUIET: Duration = Duration::from_millis(200);
const TPID: [u8; 2] = [0x81, 0x00];
/// `NDIS_ERROR_CODE_INVALID_VALUE_FROM_ADAPTER`.
const INVALID_VALUE_FROM_ADAPTER: u32 = 0xC000_1392;

fn load() -> EmuDriver {
    EmuDriver::load(pf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the PF miniport")
}

fn up(driver: &EmuDriver, testbed: &Testbed, keywords: &[(&str, u32)]) -> EmuAdapter {
    testbed.running_pf(driver, keywords)
}

fn finish(adapter: EmuAdapter, driver: EmuDriver) {
    adapter.return_receives();
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    assert_no_violations(&driver.unload());
}

fn completions(adapter: &EmuAdapter, count: usize) -> Vec<SendCompletion> {
    let mut all = Vec::new();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while all.len() < count && std::time::Instant::now() < deadline {
        all.extend(adapter.wait_send_completions(count - all.len(), TIMEOUT));
    }
    assert_eq!(all.len(), count, "every send completed");
    all
}

/// Sends one NBL and returns the frames the wire saw.
fn send(adapter: &EmuAdapter, testbed: &Testbed, spec: NblSpec) -> Vec<Vec<u8>> {
    let _ = testbed.device().capture();
    adapter.send_shaped(&[spec]);
    for done in completions(adapter, 1) {
        assert_eq!(done.status, NDIS_STATUS_SUCCESS);
    }
    testbed.device().capture()
}

/// `frame` with an 802.1Q tag `tci` after the MAC addresses.
fn tagged(frame: &[u8], tci: u16) -> Vec<u8> {
    let mut out = frame[..12].to_vec();
    out.extend_from_slice(&TPID);
    out.extend_from_slice(&tci.to_be_bytes());
    out.extend_from_slice(&frame[12..]);
    out
}

/// A frame to the PF (its MAC, or broadcast), optionally tagged.
fn to_pf(vlan: Option<u16>, broadcast: bool) -> Vec<u8> {
    let mut spec = FrameSpec::ipv4_tcp(120);
    spec.dst = if broadcast {
        [0xFF; 6]
    } else {
        igb_model::DEFAULT_MAC
    };
    spec.vlan = vlan;
    build_frame(&spec)
}

/// Injects `frames` in order and returns what was indicated once `expected` arrived (and a
/// quiet period passed, so a frame that should have been dropped had its chance).
fn receive(
    adapter: &EmuAdapter,
    testbed: &Testbed,
    frames: &[Vec<u8>],
    expected: usize,
) -> Vec<ndis_emu::ReceivedFrame> {
    for frame in frames {
        testbed.device().inject(frame);
    }
    assert!(
        adapter.wait_for_receives(expected, TIMEOUT),
        "{expected} indicated"
    );
    std::thread::sleep(QUIET);
    let got = adapter.indicated_receives();
    adapter.return_receives();
    got
}

#[test]
fn tx_tag_on_the_wire_follows_priority_vlan_tag() {
    let frame = build_frame(&FrameSpec::ipv4_tcp(200));
    // (*PriorityVLANTag or None = absent, expected TCI for an NBL asking VID 42 / PCP 5).
    let cases: [(Option<u32>, Option<u16>); 5] = [
        (None, Some((5 << 13) | 42)),
        (Some(3), Some((5 << 13) | 42)),
        (Some(2), Some(42)),
        (Some(1), Some(5 << 13)),
        (Some(0), None),
    ];
    for generation in GENERATIONS {
        for (keyword, expected) in cases {
            let driver = load();
            let testbed = Testbed::new(generation);
            let keywords: Vec<(&str, u32)> = keyword
                .map(|v| (PRIORITY_VLAN_TAG, v))
                .into_iter()
                .collect();
            let adapter = up(&driver, &testbed, &keywords);
            // MacOptions say which tagging is performed (bit 1 priority, bit 2 VLAN).
            let options = adapter
                .attributes()
                .general
                .expect("general attributes")
                .mac_options;
            let tag = keyword.unwrap_or(3);
            assert_eq!(
                options & NDIS_MAC_OPTION_8021P_PRIORITY != 0,
                tag & 1 != 0,
                "{generation:?} {keyword:?}"
            );
            assert_eq!(
                options & NDIS_MAC_OPTION_8021Q_VLAN != 0,
                tag & 2 != 0,
                "{generation:?} {keyword:?}"
            );
            let wire = send(
                &adapter,
                &testbed,
                NblSpec::contiguous(&frame).with_vlan(42, 5),
            );
            assert_eq!(wire.len(), 1, "{generation:?} {keyword:?}");
            let want = expected.map_or_else(|| frame.clone(), |tci| tagged(&frame, tci));
            assert_eq!(wire[0], want, "{generation:?} *PriorityVLANTag {keyword:?}");
            // A frame without 802.1Q info goes out untagged whatever the keyword.
            let plain = send(&adapter, &testbed, NblSpec::contiguous(&frame));
            assert_eq!(
                plain,
                std::slice::from_ref(&frame),
                "{generation:?} {keyword:?}"
            );
            finish(adapter, driver);
        }
    }
}

/// (*PriorityVLANTag, the NBL's (VlanId, UserPriority) or none, the TCI expected on the wire).
type TagCase = (u32, Option<(u32, u32)>, Option<u16>);

#[test]
fn vlan_id_keyword_tags_nbls_without_a_vlan_id_while_vlan_tagging_is_on() {
    let frame = build_frame(&FrameSpec::ipv4_tcp(64));
    for generation in GENERATIONS {
        // (*PriorityVLANTag, NBL (vid, pcp) or None, expected TCI) with *VlanID 100.
        let cases: [TagCase; 7] = [
            (3, None, Some(100)),
            (3, Some((0, 3)), Some((3 << 13) | 100)),
            (3, Some((7, 1)), Some((1 << 13) | 7)),
            (2, Some((0, 3)), Some(100)),
            (1, Some((0, 4)), Some(4 << 13)),
            (1, None, None),
            (0, Some((7, 4)), None),
        ];
        for (tag, nbl, expected) in cases {
            let driver = load();
            let testbed = Testbed::new(generation);
            let adapter = up(
                &driver,
                &testbed,
                &[(PRIORITY_VLAN_TAG, tag), (VLAN_ID, 100)],
            );
            let spec = NblSpec::contiguous(&frame);
            let spec = match nbl {
                Some((vid, pcp)) => spec.with_vlan(vid, pcp),
                None => spec,
            };
            let wire = send(&adapter, &testbed, spec);
            let want = expected.map_or_else(|| frame.clone(), |tci| tagged(&frame, tci));
            assert_eq!(wire, [want], "{generation:?} tag {tag} nbl {nbl:?}");
            finish(adapter, driver);
        }
    }
}

#[test]
fn a_received_tag_is_stripped_into_the_nbl_info_only_when_enabled() {
    for generation in GENERATIONS {
        // (*PriorityVLANTag, reported (vid, pcp) or None = tag left in the frame).
        let cases: [(u32, Option<(u32, u32)>); 4] = [
            (3, Some((42, 5))),
            (2, Some((42, 0))),
            (1, Some((0, 5))),
            (0, None),
        ];
        for (tag, reported) in cases {
            let driver = load();
            let testbed = Testbed::new(generation);
            let adapter = up(&driver, &testbed, &[(PRIORITY_VLAN_TAG, tag)]);
            // Unicast to the PF and broadcast (the 82576 strips replicated frames by RPLOLR).
            for broadcast in [false, true] {
                let wire = to_pf(Some((5 << 13) | 42), broadcast);
                let got = receive(&adapter, &testbed, std::slice::from_ref(&wire), 1);
                assert_eq!(got.len(), 1, "{generation:?} tag {tag} bcast {broadcast}");
                let info = got[0].ieee8021q_info();
                match reported {
                    Some((vid, pcp)) => {
                        assert_eq!(
                            got[0].data,
                            to_pf(None, broadcast),
                            "{generation:?} tag {tag} bcast {broadcast}: tag stripped"
                        );
                        assert_eq!(
                            (info.VlanId(), info.UserPriority()),
                            (vid, pcp),
                            "{generation:?} tag {tag} bcast {broadcast}"
                        );
                    }
                    None => {
                        assert_eq!(got[0].data, wire, "{generation:?}: tag left in the frame");
                        assert_eq!(info.value(), 0);
                    }
                }
                // The Rx checksum result survives the strip (the model checks the frame it
                // received, before the tag is removed).
                assert_eq!(got[0].checksum_info().Receive_TcpChecksumSucceeded(), 1);
            }
            // Untagged frames carry no 802.1Q info.
            let got = receive(&adapter, &testbed, &[to_pf(None, false)], 1);
            assert_eq!(got[0].ieee8021q_info().value(), 0, "{generation:?}");
            finish(adapter, driver);
        }
    }
}

#[test]
fn vlan_id_filter_indicates_only_its_vlan_untagged_and_priority_tagged_frames() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[(VLAN_ID, 100)]);
        // Other VLANs first: had they passed they would be indicated before the good one.
        let got = receive(
            &adapter,
            &testbed,
            &[
                to_pf(Some(200), false),
                to_pf(Some(101), true),
                to_pf(Some((2 << 13) | 100), false),
            ],
            1,
        );
        assert_eq!(got.len(), 1, "{generation:?}: only VLAN 100 indicated");
        assert_eq!(got[0].ieee8021q_info().VlanId(), 100);
        assert_eq!(got[0].ieee8021q_info().UserPriority(), 2);
        let got = receive(
            &adapter,
            &testbed,
            &[
                to_pf(None, false),
                to_pf(Some(6 << 13), false),
                to_pf(Some(100), true),
            ],
            3,
        );
        assert_eq!(
            got.len(),
            3,
            "{generation:?}: untagged, VID 0 and VLAN 100 broadcast"
        );
        assert_eq!(got[1].ieee8021q_info().UserPriority(), 6);
        assert_eq!(got[2].ieee8021q_info().VlanId(), 100);
        finish(adapter, driver);

        // VLAN tagging off (priority only): *VlanID does not filter.
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[(PRIORITY_VLAN_TAG, 1), (VLAN_ID, 100)]);
        let got = receive(&adapter, &testbed, &[to_pf(Some(200), false)], 1);
        assert_eq!(
            got.len(),
            1,
            "{generation:?}: no filter with VLAN tagging off"
        );
        finish(adapter, driver);
    }
}

#[test]
fn invalid_vlan_keywords_are_logged_and_defaulted() {
    let frame = build_frame(&FrameSpec::ipv4_tcp(64));
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(
            &driver,
            &testbed,
            &[(PRIORITY_VLAN_TAG, 5), (VLAN_ID, 4095)],
        );
        let logged = adapter.event_log();
        for (site, value) in [
            (event_site::PRIORITY_VLAN_TAG_REJECTED, 5),
            (event_site::VLAN_ID_REJECTED, 4095),
        ] {
            assert!(
                logged.iter().any(|e| e.code == INVALID_VALUE_FROM_ADAPTER
                    && e.values.first() == Some(&site)
                    && e.values.get(1) == Some(&value)),
                "{generation:?}: {value} logged: {logged:?}"
            );
        }
        // Defaults: priority and VLAN tagging (3), no VLAN ID (every VLAN, none inserted).
        let wire = send(
            &adapter,
            &testbed,
            NblSpec::contiguous(&frame).with_vlan(9, 7),
        );
        assert_eq!(wire, [tagged(&frame, (7 << 13) | 9)], "{generation:?}");
        let wire = send(&adapter, &testbed, NblSpec::contiguous(&frame));
        assert_eq!(
            wire,
            std::slice::from_ref(&frame),
            "{generation:?}: no VLAN ID inserted"
        );
        let got = receive(&adapter, &testbed, &[to_pf(Some(300), false)], 1);
        assert_eq!(got[0].ieee8021q_info().VlanId(), 300, "{generation:?}");
        finish(adapter, driver);
    }
}

/// IPv4/TCP as the stack hands it over with checksum offload: IP header checksum 0, TCP
/// checksum field = the pseudo-header sum (N/offloading-checksum-tasks.md).
fn stack_tcp(payload: usize) -> Vec<u8> {
    let mut frame = build_frame(&FrameSpec::ipv4_tcp(payload));
    frame[24..26].copy_from_slice(&[0, 0]);
    let tcp_len = (frame.len() - 34) as u16;
    let mut pseudo = frame[26..34].to_vec();
    pseudo.extend_from_slice(&[0, 6]);
    pseudo.extend_from_slice(&tcp_len.to_be_bytes());
    let seed = !internet_checksum(&pseudo);
    frame[50..52].copy_from_slice(&seed.to_be_bytes());
    frame
}

#[test]
fn vlan_insertion_with_checksum_offload_and_lso_keeps_the_checksums_right() {
    let checksum = ChecksumRequest {
        ipv4: true,
        tcp: true,
        ip_header: true,
        tcp_header_offset: 34,
        ..ChecksumRequest::default()
    };
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[(VLAN_ID, 100)]);
        let frame = stack_tcp(500);
        let wire = send(
            &adapter,
            &testbed,
            NblSpec::contiguous(&frame)
                .with_checksum(checksum)
                .with_vlan(0, 3),
        );
        assert_eq!(wire.len(), 1);
        assert_eq!(&wire[0][12..16], &[0x81, 0x00, 0x60, 100], "{generation:?}");
        let segment = verify_segment(&wire[0]).unwrap_or_else(|e| panic!("{generation:?}: {e}"));
        assert_eq!(segment.payload_of(&wire[0]), &frame[54..]);

        // LSOv2 with a tag: every segment tagged, every segment's checksums right.
        let large = build_frame(&FrameSpec::ipv4_tcp(6000));
        let wire = send(
            &adapter,
            &testbed,
            NblSpec::contiguous(&large)
                .with_lso_v2(1000, 34, false)
                .with_vlan(7, 2),
        );
        assert_eq!(wire.len(), 6, "{generation:?}");
        let mut payload = Vec::new();
        for segment in &wire {
            assert_eq!(&segment[12..16], &[0x81, 0x00, 0x40, 7], "{generation:?}");
            let parsed = verify_segment(segment).unwrap_or_else(|e| panic!("{generation:?}: {e}"));
            payload.extend_from_slice(parsed.payload_of(segment));
        }
        assert_eq!(payload, &large[54..]);
        finish(adapter, driver);
    }
}
