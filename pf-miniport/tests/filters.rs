//! The PF's receive filter in the hardware (issue 12): `OID_GEN_CURRENT_PACKET_FILTER` and
//! `OID_802_3_MULTICAST_LIST` programme RCTL / VMOLR / MTA / UTA / RAR0 of the device model,
//! on the 82576 and the I350. What is checked is what NDIS sees: exactly which injected frames
//! are indicated (directed to us, directed to another station, broadcast, multicast in the
//! list, multicast not in the list), and the OID status and data.

use std::time::Duration;

use igb::ids::Generation;
use igb_testbed::Testbed;
use ndis_abi::*;
use ndis_emu::{EmuAdapter, EmuDriver, assert_no_violations};

const GENERATIONS: [Generation; 2] = [Generation::I82576, Generation::I350];
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a frame that must not be indicated is given to show up anyway.
const QUIET: Duration = Duration::from_millis(300);

const US: [u8; 6] = igb_model::DEFAULT_MAC;
const OTHER: [u8; 6] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
const BROADCAST: [u8; 6] = [0xFF; 6];

/// Group `i` of the list: its MTA hash (DA bits 47:36) is `(i & 0xF) | (i << 4)`, distinct for
/// every `i` in 0..64, so the hardware cannot confuse two of them.
fn group(i: u8) -> [u8; 6] {
    [0x01, 0x00, 0x5E, 0x00, (i & 0x0F) << 4, i]
}

/// A group whose hash (0xC80) is none of [`group`]'s.
const NOT_LISTED: [u8; 6] = [0x01, 0x00, 0x5E, 0x7F, 0x00, 0xC8];

fn load() -> EmuDriver {
    EmuDriver::load(pf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the PF miniport")
}

fn up(driver: &EmuDriver, testbed: &Testbed) -> EmuAdapter {
    let adapter = driver
        .add_adapter(testbed.pf_config())
        .expect("InitializeEx succeeds");
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    adapter
}

fn frame(dst: [u8; 6], number: u32) -> Vec<u8> {
    let mut frame = Vec::with_capacity(64);
    frame.extend_from_slice(&dst);
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    frame.extend_from_slice(&0x88B5u16.to_be_bytes());
    frame.extend_from_slice(&number.to_be_bytes());
    frame.resize(64, 0x5A);
    frame
}

fn set_filter(adapter: &EmuAdapter, filter: u32) -> NDIS_STATUS {
    adapter
        .oid_set(OID_GEN_CURRENT_PACKET_FILTER, &filter.to_le_bytes())
        .status
}

fn set_list(adapter: &EmuAdapter, list: &[[u8; 6]]) -> NDIS_STATUS {
    adapter
        .oid_set(OID_802_3_MULTICAST_LIST, &list.concat())
        .status
}

/// Injects `frames` and returns what was indicated for them, in order. `sentinel` is a frame
/// the filter accepts, injected last: once it is indicated every earlier frame has been
/// classified (the ring is in order). Without one, the frames are given [`QUIET`] and the
/// model must have dropped them all.
fn indicated(
    adapter: &EmuAdapter,
    testbed: &Testbed,
    frames: &[Vec<u8>],
    sentinel: Option<Vec<u8>>,
) -> Vec<Vec<u8>> {
    let _ = adapter.indicated_receives();
    adapter.return_receives();
    let dropped_before = testbed.device().counters().rx_no_match_drops;
    for frame in frames {
        testbed.device().inject(frame);
    }
    let mut got = Vec::new();
    match sentinel {
        Some(sentinel) => {
            testbed.device().inject(&sentinel);
            let deadline = std::time::Instant::now() + TIMEOUT;
            while !got.contains(&sentinel) && std::time::Instant::now() < deadline {
                adapter.wait_for_receives(1, Duration::from_millis(50));
                got.extend(adapter.indicated_receives().into_iter().map(|f| f.data));
            }
            assert_eq!(got.pop(), Some(sentinel), "the sentinel is indicated last");
        }
        None => {
            std::thread::sleep(QUIET);
            got.extend(adapter.indicated_receives().into_iter().map(|f| f.data));
            if got.is_empty() {
                // Not merely slow: the device dropped every one of them.
                assert_eq!(
                    testbed.device().counters().rx_no_match_drops - dropped_before,
                    frames.len() as u64
                );
            }
        }
    }
    adapter.return_receives();
    got
}

/// The five kinds of frame, numbered from `base`.
fn kinds(base: u32, listed: [u8; 6]) -> [Vec<u8>; 5] {
    [
        frame(US, base),
        frame(OTHER, base + 1),
        frame(BROADCAST, base + 2),
        frame(listed, base + 3),
        frame(NOT_LISTED, base + 4),
    ]
}

/// Which of [`kinds`] NDIS semantics let through `filter`.
fn expected_kinds(filter: u32) -> [bool; 5] {
    let promiscuous = filter & NDIS_PACKET_TYPE_PROMISCUOUS != 0;
    let all_multicast = filter & NDIS_PACKET_TYPE_ALL_MULTICAST != 0;
    [
        promiscuous || filter & NDIS_PACKET_TYPE_DIRECTED != 0,
        promiscuous,
        promiscuous || filter & NDIS_PACKET_TYPE_BROADCAST != 0,
        promiscuous || all_multicast || filter & NDIS_PACKET_TYPE_MULTICAST != 0,
        promiscuous || all_multicast,
    ]
}

const FILTER_BITS: [u32; 5] = [
    NDIS_PACKET_TYPE_DIRECTED,
    NDIS_PACKET_TYPE_MULTICAST,
    NDIS_PACKET_TYPE_ALL_MULTICAST,
    NDIS_PACKET_TYPE_BROADCAST,
    NDIS_PACKET_TYPE_PROMISCUOUS,
];

#[test]
fn every_packet_filter_combination_indicates_exactly_its_frames() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        assert_eq!(set_list(&adapter, &[group(1), group(2), group(3)]), 0);
        for combination in 0..32u32 {
            let filter = FILTER_BITS
                .iter()
                .enumerate()
                .filter(|(bit, _)| combination & (1 << bit) != 0)
                .fold(0, |acc, (_, value)| acc | value);
            assert_eq!(set_filter(&adapter, filter), NDIS_STATUS_SUCCESS);
            let frames = kinds(combination * 16, group(2));
            let want = expected_kinds(filter);
            let expected: Vec<Vec<u8>> = frames
                .iter()
                .zip(want)
                .filter(|(_, accepted)| *accepted)
                .map(|(frame, _)| frame.clone())
                .collect();
            // A second copy of the first accepted kind, numbered apart.
            let sentinel = want.iter().position(|accepted| *accepted).map(|kind| {
                let mut copy = frames[kind].clone();
                copy[14..18].copy_from_slice(&(combination * 16 + 15).to_be_bytes());
                copy
            });
            let got = indicated(&adapter, &testbed, &frames, sentinel);
            assert_eq!(
                got, expected,
                "{generation:?} filter {filter:#x}: indicated frames (us, other, broadcast, \
                 listed, not listed) = {want:?}"
            );
        }
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn a_full_list_of_32_groups_is_received_and_list_changes_take_effect() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        assert_eq!(set_filter(&adapter, NDIS_PACKET_TYPE_MULTICAST), 0);
        let full: Vec<[u8; 6]> = (0..32).map(group).collect();
        assert_eq!(set_list(&adapter, &full), NDIS_STATUS_SUCCESS);
        let query = adapter.oid_query(OID_802_3_MULTICAST_LIST, 6 * 32);
        assert_eq!(query.data, full.concat(), "{generation:?}");
        let mut frames: Vec<Vec<u8>> = (0..32).map(|i| frame(group(i), i.into())).collect();
        frames.push(frame(NOT_LISTED, 100));
        frames.push(frame(group(40), 101));
        let got = indicated(&adapter, &testbed, &frames, Some(frame(group(5), 102)));
        assert_eq!(
            got,
            frames[..32].to_vec(),
            "{generation:?}: all 32, nothing else"
        );

        // A new list replaces the old one: the old groups are no longer received.
        assert_eq!(set_list(&adapter, &[group(40), NOT_LISTED]), 0);
        let frames = vec![frame(group(0), 200), frame(group(31), 201)];
        let got = indicated(&adapter, &testbed, &frames, Some(frame(NOT_LISTED, 202)));
        assert!(
            got.is_empty(),
            "{generation:?}: old groups after the change"
        );
        let got = indicated(&adapter, &testbed, &[], Some(frame(group(40), 203)));
        assert!(got.is_empty());

        // Across pause and restart the filter stays in force.
        adapter.pause();
        assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
        let frames = vec![frame(group(7), 300)];
        let got = indicated(&adapter, &testbed, &frames, Some(frame(NOT_LISTED, 301)));
        assert!(got.is_empty(), "{generation:?}: after restart");

        // An empty list: MULTICAST alone receives no group at all.
        assert_eq!(set_list(&adapter, &[]), NDIS_STATUS_SUCCESS);
        let frames = vec![frame(group(40), 400), frame(NOT_LISTED, 401)];
        assert!(indicated(&adapter, &testbed, &frames, None).is_empty());
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn packet_filter_zero_indicates_nothing_until_a_filter_is_set_again() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        // No protocol has set a filter yet: 0, nothing indicated.
        assert!(
            indicated(&adapter, &testbed, &kinds(0, group(1)), None).is_empty(),
            "{generation:?}: before any filter"
        );
        assert_eq!(set_list(&adapter, &[group(1)]), 0);
        let all = NDIS_PACKET_TYPE_DIRECTED
            | NDIS_PACKET_TYPE_MULTICAST
            | NDIS_PACKET_TYPE_BROADCAST
            | NDIS_PACKET_TYPE_PROMISCUOUS;
        assert_eq!(set_filter(&adapter, all), 0);
        let got = indicated(
            &adapter,
            &testbed,
            &kinds(10, group(1)),
            Some(frame(US, 19)),
        );
        assert_eq!(got.len(), 5, "{generation:?}: promiscuous takes all five");
        assert_eq!(set_filter(&adapter, 0), NDIS_STATUS_SUCCESS);
        assert!(
            indicated(&adapter, &testbed, &kinds(20, group(1)), None).is_empty(),
            "{generation:?}: filter 0"
        );
        assert_eq!(set_filter(&adapter, NDIS_PACKET_TYPE_DIRECTED), 0);
        let got = indicated(
            &adapter,
            &testbed,
            &kinds(30, group(1)),
            Some(frame(US, 39)),
        );
        assert_eq!(got, vec![frame(US, 30)], "{generation:?}");
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn refused_filter_and_list_requests_change_nothing() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST;
        assert_eq!(set_filter(&adapter, filter), 0);
        assert_eq!(set_list(&adapter, &[group(1), group(2)]), 0);

        // Length not a multiple of 6.
        let short = [group(3).as_slice(), &[0x01]].concat();
        let outcome = adapter.oid_set(OID_802_3_MULTICAST_LIST, &short);
        assert_eq!(outcome.status, NDIS_STATUS_INVALID_LENGTH, "{generation:?}");
        assert_eq!(
            outcome.bytes_needed, 12,
            "{generation:?}: two whole addresses"
        );
        // 33 addresses: more than MaxMulticastListSize.
        let too_many: Vec<[u8; 6]> = (0..33).map(group).collect();
        assert_eq!(set_list(&adapter, &too_many), NDIS_STATUS_MULTICAST_FULL);
        // A unicast address is not a group.
        assert_eq!(
            set_list(&adapter, &[group(4), OTHER]),
            NDIS_STATUS_INVALID_DATA
        );
        // Filter bits the adapter does not support (NDIS_PACKET_TYPE_ALL_LOCAL, SMT,
        // FUNCTIONAL, ...).
        for bad in [0x80u32, 0x0000_1000, 0x8000_0000, filter | 0x100] {
            assert_eq!(
                set_filter(&adapter, bad),
                NDIS_STATUS_NOT_SUPPORTED,
                "{bad:#x}"
            );
        }
        let status = adapter
            .oid_set(OID_GEN_CURRENT_PACKET_FILTER, &[0xFF, 0xFF])
            .status;
        assert_ne!(status, NDIS_STATUS_SUCCESS, "a 2-byte packet filter");

        // Nothing changed: the stored values and what the hardware lets through.
        let query = adapter.oid_query(OID_GEN_CURRENT_PACKET_FILTER, 4);
        assert_eq!(query.data, filter.to_le_bytes(), "{generation:?}");
        let query = adapter.oid_query(OID_802_3_MULTICAST_LIST, 6 * 32);
        assert_eq!(query.data, [group(1), group(2)].concat(), "{generation:?}");
        let frames = vec![
            frame(group(3), 1),
            frame(group(4), 2),
            frame(BROADCAST, 3),
            frame(OTHER, 4),
            frame(group(2), 5),
        ];
        let got = indicated(&adapter, &testbed, &frames, Some(frame(US, 6)));
        assert_eq!(got, vec![frame(group(2), 5)], "{generation:?}");
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}
