//! `*JumboPacket` on the PF, on the device model through the NDIS emulator, on both the 82576
//! and the I350: jumbo frames both ways byte-exact (a received one indicated as ONE NBL over
//! several 2 KiB buffers' MDLs), the long-packet limit the keyword sets (frames above it never
//! indicated, the device counting them oversize), the standard 1514 dropping jumbo frames,
//! floods with late returns losing nothing and leaking no buffer, invalid keyword values
//! defaulted and logged.

use std::time::Duration;

use igb::ids::Generation;
use igb_testbed::Testbed;
use ndis_abi::*;
use ndis_emu::{EmuAdapter, EmuDriver, NbSpec, NblSpec, assert_no_violations};

const GENERATIONS: [Generation; 2] = [Generation::I82576, Generation::I350];
const TIMEOUT: Duration = Duration::from_secs(10);
const JUMBO: &str = "*JumboPacket";
/// The PF's receive buffers (pf-miniport `RX_BUFFER_LEN`): a 9014-byte frame needs five.
const BUFFER: usize = 2048;
/// `INVALID_VALUE_FROM_ADAPTER` in the event log, and the keyword's call site.
const INVALID_VALUE: u32 = 0xC000_1392;
const JUMBO_SITE: u32 = pf_miniport::keywords::JUMBO_PACKET_REJECTED;

fn load() -> EmuDriver {
    EmuDriver::load(pf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the PF miniport")
}

fn up(driver: &EmuDriver, testbed: &Testbed, jumbo: Option<u32>) -> EmuAdapter {
    match jumbo {
        Some(value) => testbed.running_pf(driver, &[(JUMBO, value)]),
        None => testbed.running_pf(driver, &[]),
    }
}

fn finish(adapter: EmuAdapter, driver: EmuDriver) {
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    assert_no_violations(&driver.unload());
}

/// A frame of `len` bytes (header included) from `src` to `dst`, numbered.
fn frame(dst: [u8; 6], src: [u8; 6], len: usize, number: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(len);
    frame.extend_from_slice(&dst);
    frame.extend_from_slice(&src);
    frame.extend_from_slice(&0x88B5u16.to_be_bytes());
    frame.extend_from_slice(&(number as u32).to_be_bytes());
    let mut value = (number as u8) ^ (len as u8);
    while frame.len() < len {
        frame.push(value);
        value = value.wrapping_mul(29).wrapping_add(11);
    }
    frame.truncate(len);
    frame
}

const PEER: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

fn to_pf(len: usize, number: usize) -> Vec<u8> {
    frame(igb_model::DEFAULT_MAC, PEER, len, number)
}

fn from_pf(len: usize, number: usize) -> Vec<u8> {
    frame(PEER, igb_model::DEFAULT_MAC, len, number)
}

fn query_u32(adapter: &EmuAdapter, oid: NDIS_OID) -> u32 {
    let outcome = adapter.oid_query(oid, 4);
    assert_eq!(outcome.status, NDIS_STATUS_SUCCESS, "{oid:#x}");
    u32::from_le_bytes(outcome.data[..4].try_into().expect("4 bytes"))
}

/// Sends `specs`, waits for every completion, returns their statuses in send order.
fn send(adapter: &EmuAdapter, specs: &[NblSpec]) -> Vec<NDIS_STATUS> {
    let ids = adapter.send_shaped(specs);
    let mut done = Vec::new();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while done.len() < ids.len() && std::time::Instant::now() < deadline {
        done.extend(adapter.wait_send_completions(ids.len() - done.len(), TIMEOUT));
    }
    ids.iter()
        .map(|id| {
            done.iter()
                .find(|c| c.id == *id)
                .map(|c| c.status)
                .expect("every send completes")
        })
        .collect()
}

#[test]
fn jumbo_9014_frames_go_both_ways_byte_exact_and_arrive_as_one_nbl_over_several_mdls() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, Some(9014));
        let general = adapter.attributes().general.expect("general attributes");
        assert_eq!(general.mtu, 9000, "{generation:?}: MtuSize");
        assert_eq!(query_u32(&adapter, OID_GEN_MAXIMUM_FRAME_SIZE), 9000);
        assert_eq!(query_u32(&adapter, OID_GEN_MAXIMUM_TOTAL_SIZE), 9014);

        // Tx: 9000-byte payloads, in one MDL and in an uneven MDL chain.
        let _ = testbed.device().capture();
        let sent: Vec<Vec<u8>> = (0..6).map(|n| from_pf(9014, n)).collect();
        let specs: Vec<NblSpec> = sent
            .iter()
            .enumerate()
            .map(|(n, f)| {
                if n % 2 == 0 {
                    NblSpec::contiguous(f)
                } else {
                    NblSpec::new(vec![NbSpec::split(f, 0, &[100, 4000, 3000, 1914])])
                }
            })
            .collect();
        let statuses = send(&adapter, &specs);
        assert!(
            statuses.iter().all(|s| *s == NDIS_STATUS_SUCCESS),
            "{generation:?}: {statuses:x?}"
        );
        assert!(
            testbed.device().capture() == sent,
            "{generation:?}: jumbo frames on the wire byte-exact"
        );

        // Rx: each frame in ceil(9014 / 2048) = 5 buffers, indicated as one NBL.
        let frames: Vec<Vec<u8>> = (0..8).map(|n| to_pf(9014 - n, n)).collect();
        for f in &frames {
            testbed.device().inject(f);
        }
        assert!(
            adapter.wait_for_receives(frames.len(), TIMEOUT),
            "{generation:?}"
        );
        let received = adapter.indicated_receives();
        assert_eq!(received.len(), frames.len(), "{generation:?}");
        for (got, want) in received.iter().zip(&frames) {
            assert!(
                got.data == *want,
                "{generation:?}: {} bytes",
                got.data.len()
            );
            assert_eq!(got.nb_count, 1, "{generation:?}");
            assert_eq!(got.data_length as usize, want.len(), "{generation:?}");
            assert_eq!(got.mdl_count, want.len().div_ceil(BUFFER), "{generation:?}");
        }
        adapter.return_receives();

        // Above the max (9014 + CRC + a tag's room is the limit): never indicated, the device
        // counts it oversize; the next frame still arrives.
        let oversize_before = testbed.device().counters().rx_oversize_drops;
        testbed.device().inject(&to_pf(9100, 1));
        testbed.device().inject(&to_pf(1514, 2));
        assert!(adapter.wait_for_receives(1, TIMEOUT), "{generation:?}");
        let received = adapter.indicated_receives();
        assert_eq!(
            received.len(),
            1,
            "{generation:?}: only the 1514-byte frame"
        );
        assert_eq!(received[0].data, to_pf(1514, 2), "{generation:?}");
        assert_eq!(received[0].mdl_count, 1, "{generation:?}");
        assert_eq!(
            testbed.device().counters().rx_oversize_drops,
            oversize_before + 1,
            "{generation:?}"
        );
        adapter.return_receives();
        // A Tx frame above the max is refused, not sent.
        let _ = testbed.device().capture();
        let too_big = from_pf(9100, 9);
        let statuses = send(&adapter, &[NblSpec::contiguous(&too_big)]);
        assert_ne!(statuses[0], NDIS_STATUS_SUCCESS, "{generation:?}");
        assert!(testbed.device().capture().is_empty(), "{generation:?}");
        finish(adapter, driver);
    }
}

#[test]
fn a_multi_buffer_frame_with_an_error_is_dropped_whole_and_its_buffers_come_back() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, Some(9014));
        // RXE on the frame's last (EOP) descriptor: the four buffers before it were fine.
        testbed
            .device()
            .corrupt_next_rx_writeback(igb_model::RxCorruption {
                status_set: igb_model::regs::RXD_ERR_RXE,
                ..igb_model::RxCorruption::default()
            });
        testbed.device().inject(&to_pf(9014, 1));
        testbed.device().inject(&to_pf(9014, 2));
        assert!(adapter.wait_for_receives(1, TIMEOUT), "{generation:?}");
        let received = adapter.indicated_receives();
        assert_eq!(received.len(), 1, "{generation:?}: only the good frame");
        assert_eq!(received[0].data, to_pf(9014, 2), "{generation:?}");
        adapter.return_receives();
        // A longer EOP length than its buffer (hostile): dropped whole too.
        testbed
            .device()
            .corrupt_next_rx_writeback(igb_model::RxCorruption {
                length: Some(4000),
                ..igb_model::RxCorruption::default()
            });
        testbed.device().inject(&to_pf(9014, 3));
        testbed.device().inject(&to_pf(5000, 4));
        assert!(adapter.wait_for_receives(1, TIMEOUT), "{generation:?}");
        let received = adapter.indicated_receives();
        assert_eq!(received.len(), 1, "{generation:?}");
        assert_eq!(received[0].data, to_pf(5000, 4), "{generation:?}");
        adapter.return_receives();
        // Every buffer of the dropped frames is back: ring-fulls of jumbo frames still arrive.
        for round in 0..6 {
            let frames: Vec<Vec<u8>> = (0..50).map(|n| to_pf(9014, round * 50 + n)).collect();
            for f in &frames {
                testbed.device().inject(f);
            }
            assert!(
                adapter.wait_for_receives(50, TIMEOUT),
                "{generation:?} {round}"
            );
            let got: Vec<Vec<u8>> = adapter
                .indicated_receives()
                .into_iter()
                .map(|r| r.data)
                .collect();
            assert!(got == frames, "{generation:?} round {round}");
            adapter.return_receives();
        }
        finish(adapter, driver);
    }
}

#[test]
fn with_the_standard_1514_a_jumbo_frame_is_dropped_both_ways() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, None);
        assert_eq!(adapter.attributes().general.expect("general").mtu, 1500);
        assert_eq!(query_u32(&adapter, OID_GEN_MAXIMUM_FRAME_SIZE), 1500);
        let oversize_before = testbed.device().counters().rx_oversize_drops;
        testbed.device().inject(&to_pf(9014, 1));
        testbed.device().inject(&to_pf(2000, 2));
        testbed.device().inject(&to_pf(1514, 3));
        assert!(adapter.wait_for_receives(1, TIMEOUT), "{generation:?}");
        std::thread::sleep(Duration::from_millis(100));
        let received = adapter.indicated_receives();
        assert_eq!(received.len(), 1, "{generation:?}");
        assert_eq!(received[0].data, to_pf(1514, 3), "{generation:?}");
        assert_eq!(
            testbed.device().counters().rx_oversize_drops,
            oversize_before + 2,
            "{generation:?}: the device dropped both by length"
        );
        adapter.return_receives();
        let _ = testbed.device().capture();
        let statuses = send(&adapter, &[NblSpec::contiguous(&from_pf(9014, 1))]);
        assert_ne!(statuses[0], NDIS_STATUS_SUCCESS, "{generation:?}");
        assert!(testbed.device().capture().is_empty(), "{generation:?}");
        finish(adapter, driver);
    }
}

#[test]
fn a_jumbo_flood_with_late_returns_loses_nothing_and_leaks_no_buffer() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, Some(9014));
        // 20 batches of 30 jumbo frames (150 buffers each, 3000 buffers in all, many times
        // the 256-descriptor ring): each batch's NBLs are returned only after the next batch
        // has been indicated, so NDIS holds up to 300 buffers at a time.
        const BATCH: usize = 30;
        let mut held_frames = 0;
        let mut total = 0;
        for batch in 0..20 {
            let frames: Vec<Vec<u8>> = (0..BATCH)
                .map(|n| to_pf(9014 - (n % 7) * 300, batch * BATCH + n))
                .collect();
            for f in &frames {
                testbed.device().inject(f);
            }
            assert!(
                adapter.wait_for_receives(BATCH, TIMEOUT),
                "{generation:?}: batch {batch}"
            );
            let received = adapter.indicated_receives();
            let got: Vec<&Vec<u8>> = received.iter().map(|r| &r.data).collect();
            let want: Vec<&Vec<u8>> = frames.iter().collect();
            assert!(
                got == want,
                "{generation:?}: batch {batch} byte-exact, in order"
            );
            total += received.len();
            if held_frames > 0 {
                // Return the previous batch's (and, with them, this one's: the emulator
                // returns everything it owns) only every other batch.
                adapter.return_receives();
                held_frames = 0;
            } else {
                held_frames = received.len();
            }
        }
        adapter.return_receives();
        assert_eq!(total, 20 * BATCH, "{generation:?}");
        let counts = adapter.receive_counts();
        assert_eq!(counts.indicated, total as u64, "{generation:?}");
        assert_eq!(counts.owned, 0, "{generation:?}");
        assert_eq!(
            counts.indicated,
            counts.with_resources + counts.returned,
            "{generation:?}"
        );
        assert_eq!(
            testbed.device().counters().rx_no_descriptor_drops,
            0,
            "{generation:?}: the device always had buffers"
        );
        // The engine's outstanding count is 0: pause (which waits for it) completes.
        adapter.pause();
        assert_eq!(adapter.state(), ndis_emu::AdapterState::Paused);
        assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
        finish(adapter, driver);
    }
}

#[test]
fn invalid_jumbo_packet_values_are_defaulted_to_1514_and_logged() {
    for generation in GENERATIONS {
        for bad in [0, 1500, 9721, u32::MAX] {
            let driver = load();
            let testbed = Testbed::new(generation);
            let adapter = up(&driver, &testbed, Some(bad));
            assert_eq!(
                adapter.attributes().general.expect("general").mtu,
                1500,
                "{generation:?} {bad}"
            );
            assert_eq!(query_u32(&adapter, OID_GEN_MAXIMUM_FRAME_SIZE), 1500);
            let logged = adapter.event_log();
            assert!(
                logged.iter().any(|e| e.code == INVALID_VALUE
                    && e.values.first() == Some(&JUMBO_SITE)
                    && e.values.get(1) == Some(&bad)),
                "{generation:?} {bad}: {logged:?}"
            );
            // The standard limit holds: a 2000-byte frame is dropped, 1514 arrives.
            testbed.device().inject(&to_pf(2000, 1));
            testbed.device().inject(&to_pf(1514, 2));
            assert!(adapter.wait_for_receives(1, TIMEOUT));
            let received = adapter.indicated_receives();
            assert_eq!(received.len(), 1, "{generation:?} {bad}");
            assert_eq!(received[0].data, to_pf(1514, 2));
            adapter.return_receives();
            finish(adapter, driver);
        }
        // The largest valid value is taken as is.
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, Some(9720));
        assert_eq!(adapter.attributes().general.expect("general").mtu, 9706);
        assert!(
            !adapter
                .event_log()
                .iter()
                .any(|e| e.values.first() == Some(&JUMBO_SITE)),
            "{generation:?}"
        );
        let biggest = to_pf(9720, 1);
        testbed.device().inject(&biggest);
        assert!(adapter.wait_for_receives(1, TIMEOUT));
        assert_eq!(adapter.indicated_receives()[0].data, biggest);
        adapter.return_receives();
        finish(adapter, driver);
    }
}
