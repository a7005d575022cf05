//! The PF's own traffic through the shared data-path engine, on the device model through the
//! NDIS emulator (the testbed), on both the 82576 and the I350: what NDIS sees (completions,
//! indications) and what the wire sees (the model's capture), with zero rule violations and
//! zero leaks (the emulator's halt check).

use std::collections::HashSet;
use std::time::Duration;

use igb::ids::Generation;
use igb_testbed::Testbed;
use ndis_abi::*;
use ndis_emu::{EmuAdapter, EmuDriver, SendCompletion, SendOptions, assert_no_violations};
use ndis_emu::{NbSpec, NblSpec, ShapeLimits, ShapeRng};

const GENERATIONS: [Generation; 2] = [Generation::I82576, Generation::I350];
const TIMEOUT: Duration = Duration::from_secs(10);

fn load() -> EmuDriver {
    EmuDriver::load(pf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the PF miniport")
}

/// A running PF with link.
fn up(driver: &EmuDriver, testbed: &Testbed) -> EmuAdapter {
    testbed.running_pf(driver, &[])
}

/// A frame to the PF's MAC, numbered, of `len` bytes.
fn frame_to_pf(len: usize, number: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(len);
    frame.extend_from_slice(&igb_model::DEFAULT_MAC);
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
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

/// Waits for `count` completions; asserts each send id is completed exactly once.
fn completions(adapter: &EmuAdapter, ids: &[u64], context: &str) -> Vec<SendCompletion> {
    let mut all = Vec::new();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while all.len() < ids.len() && std::time::Instant::now() < deadline {
        all.extend(adapter.wait_send_completions(ids.len() - all.len(), TIMEOUT));
    }
    let mut seen = HashSet::new();
    for completion in &all {
        assert!(
            seen.insert(completion.id),
            "{context}: send {} completed twice",
            completion.id
        );
    }
    let expected: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(seen, expected, "{context}: every send completed once");
    all
}

#[test]
fn tx_random_shapes_arrive_byte_exact_and_complete_once_with_success() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let _ = testbed.device().capture();
        let mut rng = ShapeRng::new(0x5EED_0000 + generation as u64);
        let limits = ShapeLimits::default();
        let mut sent_total = 0;
        for batch in 0..40 {
            let size = 1 + batch % 24;
            let specs: Vec<NblSpec> = (0..size)
                .map(|_| NblSpec::random_frames(&mut rng, 60..=1514, &limits))
                .collect();
            let expected: Vec<Vec<u8>> = specs
                .iter()
                .flat_map(|spec| spec.frames().into_iter().map(<[u8]>::to_vec))
                .collect();
            // Half the batches at DISPATCH_LEVEL: completions made inside the send call carry
            // the flag the send had.
            let options = SendOptions {
                dispatch_level: batch % 2 == 1,
                ..SendOptions::default()
            };
            let ids = adapter.send_shaped_with(&specs, options);
            let done = completions(&adapter, &ids, &format!("{generation:?} batch {batch}"));
            for completion in &done {
                assert_eq!(
                    completion.status, NDIS_STATUS_SUCCESS,
                    "{generation:?} batch {batch}: {completion:?}"
                );
            }
            // The last completion has been made after its frame left: the wire has them all.
            let wire = testbed.device().capture();
            assert_eq!(
                wire.len(),
                expected.len(),
                "{generation:?} batch {batch}: frames on the wire"
            );
            for (index, (got, want)) in wire.iter().zip(&expected).enumerate() {
                assert!(
                    got == want,
                    "{generation:?} batch {batch} frame {index}: {} bytes on the wire, {} sent",
                    got.len(),
                    want.len()
                );
            }
            sent_total += expected.len();
        }
        assert!(sent_total > 400, "{sent_total} frames");
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn tx_a_batch_larger_than_the_ring_waits_and_resumes_in_order() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let _ = testbed.device().capture();
        // 700 frames, one descriptor each, in one call: the 256-descriptor ring takes 255.
        let frames: Vec<Vec<u8>> = (0..700).map(|n| frame_to_pf(60 + n % 1400, n)).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let ids = adapter.send(&refs);
        let done = completions(&adapter, &ids, &format!("{generation:?}"));
        assert!(
            done.iter().all(|c| c.status == NDIS_STATUS_SUCCESS),
            "{generation:?}"
        );
        assert!(
            done.iter().any(|c| c.at_dispatch
                && c.complete_flags & NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL != 0),
            "{generation:?}: completions from the DPC carry DISPATCH_LEVEL"
        );
        let wire = testbed.device().capture();
        assert_eq!(wire.len(), frames.len(), "{generation:?}");
        assert!(wire == frames, "{generation:?}: byte-exact, in order");
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn rx_every_frame_size_arrives_byte_exact_and_buffers_come_back() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let sizes: Vec<usize> = (60..=1514).collect();
        // More frames than the driver has receive buffers (384): only recycled buffers can
        // carry them all.
        for (chunk_index, chunk) in sizes.chunks(32).enumerate() {
            let frames: Vec<Vec<u8>> = chunk
                .iter()
                .map(|&len| frame_to_pf(len, chunk_index * 32 + len))
                .collect();
            for frame in &frames {
                testbed.device().inject(frame);
            }
            assert!(
                adapter.wait_for_receives(frames.len(), TIMEOUT),
                "{generation:?}: chunk {chunk_index} indicated"
            );
            let received = adapter.indicated_receives();
            assert_eq!(received.len(), frames.len(), "{generation:?}");
            for (got, want) in received.iter().zip(&frames) {
                assert!(
                    got.data == *want,
                    "{generation:?}: a {}-byte frame arrived as {} bytes",
                    want.len(),
                    got.data.len()
                );
                assert_eq!(got.nb_count, 1);
                assert_ne!(got.flags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL, 0);
            }
            adapter.return_receives();
        }
        let counts = adapter.receive_counts();
        assert_eq!(counts.indicated, sizes.len() as u64, "{generation:?}");
        assert_eq!(counts.owned, 0, "{generation:?}");
        assert_eq!(
            counts.indicated,
            counts.with_resources + counts.returned,
            "{generation:?}"
        );
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn bad_sends_complete_with_the_engines_statuses_and_good_ones_still_go() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let _ = testbed.device().capture();
        let good = frame_to_pf(100, 1);
        let specs = vec![
            NblSpec::empty(),
            NblSpec::new(vec![NbSpec::contiguous(&good).with_data_length(0)]),
            NblSpec::contiguous(&frame_to_pf(1600, 2)),
            NblSpec::contiguous(&good),
            // Two NBs, the second over-long: the whole NBL is refused, nothing of it sent.
            NblSpec::new(vec![
                NbSpec::contiguous(&good),
                NbSpec::contiguous(&frame_to_pf(9000, 3)),
            ]),
        ];
        let ids = adapter.send_shaped(&specs);
        let done = completions(&adapter, &ids, &format!("{generation:?}"));
        let status = |index: usize| {
            done.iter()
                .find(|c| c.id == ids[index])
                .map(|c| c.status)
                .expect("completed")
        };
        assert_eq!(
            status(0),
            NDIS_STATUS_INVALID_PACKET,
            "{generation:?}: no NB"
        );
        assert_eq!(
            status(1),
            NDIS_STATUS_INVALID_LENGTH,
            "{generation:?}: 0 bytes"
        );
        assert_eq!(
            status(2),
            NDIS_STATUS_INVALID_LENGTH,
            "{generation:?}: too long"
        );
        assert_eq!(status(3), NDIS_STATUS_SUCCESS, "{generation:?}: good");
        assert_eq!(
            status(4),
            NDIS_STATUS_INVALID_LENGTH,
            "{generation:?}: second NB"
        );
        assert_eq!(
            testbed.device().capture(),
            vec![good],
            "{generation:?}: wire"
        );
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn pause_in_the_middle_of_traffic_completes_every_send_once_then_restart_resumes() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let _ = testbed.device().capture();
        let frames: Vec<Vec<u8>> = (0..600).map(|n| frame_to_pf(1514, n)).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        for frame in frames.iter().take(40) {
            testbed.device().inject(frame);
        }
        let ids = adapter.send(&refs);
        // Pause while most of the batch waits for descriptors and receives are out: it
        // completes only once the engine holds nothing (the emulator flags a pause that
        // completes with sends outstanding or never completes).
        adapter.pause();
        assert_eq!(adapter.outstanding_sends(), 0, "{generation:?}");
        let done = completions(&adapter, &ids, &format!("{generation:?}"));
        assert!(
            done.iter().all(|c| c.status == NDIS_STATUS_SUCCESS),
            "{generation:?}: accepted before the pause, carried"
        );
        assert_eq!(testbed.device().capture().len(), frames.len());
        assert_eq!(adapter.receive_counts().owned, 0);

        // Paused: refused with PAUSED, nothing on the wire.
        let refused = adapter.send(&refs[..3]);
        let done = completions(&adapter, &refused, "paused");
        assert!(
            done.iter().all(|c| c.status == NDIS_STATUS_PAUSED),
            "{done:?}"
        );
        assert!(testbed.device().capture().is_empty());

        assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
        let again = adapter.send(&refs[..5]);
        let done = completions(&adapter, &again, "restarted");
        assert!(
            done.iter().all(|c| c.status == NDIS_STATUS_SUCCESS),
            "{done:?}"
        );
        assert_eq!(testbed.device().capture().len(), 5);
        // Receives flow again after the restart.
        let _ = adapter.indicated_receives();
        testbed.device().inject(&frames[0]);
        assert!(adapter.wait_for_receives(1, TIMEOUT), "{generation:?}");
        adapter.return_receives();
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn surprise_removal_mid_traffic_completes_every_send_once() {
    for generation in GENERATIONS {
        for sent_before in [0usize, 1, 100, 300] {
            let driver = load();
            let testbed = Testbed::new(generation);
            let adapter = up(&driver, &testbed);
            let frames: Vec<Vec<u8>> = (0..600).map(|n| frame_to_pf(1000, n)).collect();
            let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
            let mut ids = adapter.send(&refs[..sent_before]);
            testbed.device().set_removed(true);
            ids.extend(adapter.send(&refs[sent_before..]));
            adapter.pnp_event(NdisDevicePnPEventSurpriseRemoved);
            let done = completions(&adapter, &ids, &format!("{generation:?} {sent_before}"));
            assert!(
                done.iter()
                    .all(|c| c.status == NDIS_STATUS_SUCCESS
                        || c.status == NDIS_STATUS_ADAPTER_REMOVED),
                "{generation:?}: {done:?}"
            );
            assert_no_violations(&adapter.halt(NdisHaltDeviceSurpriseRemoved));
            assert_no_violations(&driver.unload());
        }
    }
}

/// Keywords, the EITR interval field expected, the event-log sites expected.
type Case<'a> = (&'a [(&'a str, u32)], u32, &'a [u32]);

/// EITR of the queue vector as the device holds it.
fn queue_eitr(testbed: &Testbed) -> u32 {
    use hw_platform::Mmio;
    let offset = igb::regs::pf::eitr(pf_miniport::datapath::QUEUE_VECTOR as usize)
        .expect("EITR exists")
        .offset();
    testbed.device().pf_bar().read32(offset)
}

#[test]
fn interrupt_moderation_keywords_set_the_queue_vectors_eitr_and_bad_values_are_logged() {
    use pf_miniport::datapath::{INTERRUPT_MODERATION, INTERRUPT_MODERATION_RATE, event_site};
    const INTERVAL: u32 = 0x7FFC;
    for generation in GENERATIONS {
        let driver = load();
        let cases: [Case; 5] = [
            // Default: moderation on at 20,000 interrupts/s = 50 µs (<< 2).
            (&[], 200, &[]),
            (&[(INTERRUPT_MODERATION_RATE, 4000)], 1000, &[]),
            (&[(INTERRUPT_MODERATION, 0)], 0, &[]),
            // Invalid values: the default, and an event-log entry naming the keyword.
            (
                &[(INTERRUPT_MODERATION, 7)],
                200,
                &[event_site::MODERATION_REJECTED],
            ),
            (
                &[(INTERRUPT_MODERATION_RATE, 5)],
                200,
                &[event_site::MODERATION_RATE_REJECTED],
            ),
        ];
        for (keywords, interval, logged) in cases {
            let testbed = Testbed::new(generation);
            let mut config = testbed.pf_config();
            for (name, value) in keywords {
                config = config.keyword(name, *value);
            }
            let adapter = driver.add_adapter(config).expect("InitializeEx succeeds");
            assert_eq!(
                queue_eitr(&testbed) & INTERVAL,
                interval,
                "{generation:?} {keywords:?}"
            );
            let sites: Vec<u32> = adapter
                .event_log()
                .iter()
                .filter_map(|entry| entry.unique_value())
                .filter(|site| *site >> 8 == 0x0000_0101)
                .collect();
            assert_eq!(sites, logged, "{generation:?} {keywords:?}");
            assert_no_violations(&adapter.finish());
        }
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn pause_stays_pending_while_sends_are_on_the_ring_and_completes_when_they_complete() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        // One send through first, so the DPC the restart queued has run.
        let first = adapter.send(&[&frame_to_pf(60, 0)[..]]);
        let _ = completions(&adapter, &first, "first");
        // No queue interrupt reaches the driver: the sends stay on the ring, uncompleted.
        testbed.lose_interrupts(igb_model::Function::Pf, true);
        let frames: Vec<Vec<u8>> = (0..300).map(|n| frame_to_pf(200, n)).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let ids = adapter.send(&refs);
        assert!(
            adapter.outstanding_sends() > 0,
            "{generation:?}: sends held"
        );
        std::thread::scope(|scope| {
            let across = Across(&adapter);
            let pausing = scope.spawn(move || across.get().pause());
            std::thread::sleep(Duration::from_millis(300));
            assert_eq!(
                adapter.state(),
                ndis_emu::AdapterState::Pausing,
                "{generation:?}: pause pending while sends are held"
            );
            // New sends during the pause are refused with PAUSED.
            let refused = adapter.send(&refs[..1]);
            testbed.lose_interrupts(igb_model::Function::Pf, false);
            let _ = adapter.fire_interrupt(pf_miniport::datapath::QUEUE_VECTOR);
            pausing.join().expect("pause returns");
            let all: Vec<u64> = ids.iter().chain(&refused).copied().collect();
            let done = completions(&adapter, &all, &format!("{generation:?}"));
            for completion in done {
                let expected = if completion.id == refused[0] {
                    NDIS_STATUS_PAUSED
                } else {
                    NDIS_STATUS_SUCCESS
                };
                assert_eq!(
                    completion.status, expected,
                    "{generation:?}: {completion:?}"
                );
            }
        });
        assert_eq!(adapter.state(), ndis_emu::AdapterState::Paused);
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

#[test]
fn pause_stays_pending_while_receives_are_out_and_completes_on_their_return() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let mut config = testbed.pf_config();
        config.return_receives_on_pause = false;
        let adapter = driver.add_adapter(config).expect("InitializeEx succeeds");
        assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
        let filter = NDIS_PACKET_TYPE_DIRECTED.to_le_bytes();
        let set = adapter.oid_set(OID_GEN_CURRENT_PACKET_FILTER, &filter);
        assert_eq!(set.status, NDIS_STATUS_SUCCESS);
        for n in 0..10 {
            testbed.device().inject(&frame_to_pf(300, n));
        }
        assert!(adapter.wait_for_receives(10, TIMEOUT), "{generation:?}");
        assert_eq!(adapter.owned_receives(), 10);
        std::thread::scope(|scope| {
            let across = Across(&adapter);
            let pausing = scope.spawn(move || across.get().pause());
            std::thread::sleep(Duration::from_millis(300));
            assert_eq!(
                adapter.state(),
                ndis_emu::AdapterState::Pausing,
                "{generation:?}: pause pending while NDIS holds receives"
            );
            adapter.return_receives();
            pausing.join().expect("pause returns");
        });
        assert_eq!(adapter.state(), ndis_emu::AdapterState::Paused);
        // Paused: frames are not indicated until restart, then they are.
        let _ = adapter.indicated_receives();
        testbed.device().inject(&frame_to_pf(100, 99));
        std::thread::sleep(Duration::from_millis(100));
        assert!(adapter.indicated_receives().is_empty(), "{generation:?}");
        assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
        assert!(adapter.wait_for_receives(1, TIMEOUT), "{generation:?}");
        assert_eq!(adapter.indicated_receives()[0].data, frame_to_pf(100, 99));
        adapter.return_receives();
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

/// Lets a scoped thread sit in the emulator's blocking `pause` while the test drives the
/// adapter from the main thread (NDIS itself calls a miniport from several threads at once).
#[derive(Clone, Copy)]
struct Across<'a>(&'a EmuAdapter);

// SAFETY: every piece of EmuAdapter's state is behind its own Mutex/Condvar (the emulator's ISR,
// DPC and timer threads share it the same way); only the boxed init parameters, which nothing
// writes after MiniportInitializeEx, keep the type from being Sync.
unsafe impl Sync for Across<'_> {}
// SAFETY: as above (a shared reference to a Sync-in-practice value).
unsafe impl Send for Across<'_> {}

impl Across<'_> {
    fn get(&self) -> &EmuAdapter {
        self.0
    }
}

/// The queue pair's causes go to the queue vector only, and the "other" vector (link, mailbox)
/// keeps working beside it: traffic both ways raises no "other" message (IVAR routed Rx0/Tx0
/// to vector 1, not 0), and a link drop in the middle of traffic still arrives as an "other"
/// message (not the 2 s watchdog) and reaches NDIS as a disconnect. Routing Rx0/Tx0 to vector
/// 0 in `igb::pf_queue::route_queue_vector` makes it fail.
#[test]
fn queue_interrupts_leave_the_other_vector_alone_and_a_link_drop_during_traffic_arrives() {
    use igb_model::Function;
    use pf_miniport::datapath::QUEUE_VECTOR;
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let first = adapter.send(&[&frame_to_pf(60, 0)[..]]);
        let _ = completions(&adapter, &first, "first");
        let other_before = testbed.interrupts_delivered(Function::Pf, 0);
        let queue_before = testbed.interrupts_delivered(Function::Pf, QUEUE_VECTOR);

        let frames: Vec<Vec<u8>> = (0..200).map(|n| frame_to_pf(300, n)).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let ids = adapter.send(&refs);
        for frame in &frames {
            testbed.device().inject(frame);
        }
        let _ = completions(&adapter, &ids, &format!("{generation:?}"));
        assert!(
            adapter.wait_for_receives(frames.len(), TIMEOUT),
            "{generation:?}"
        );
        adapter.return_receives();
        assert!(
            testbed.interrupts_delivered(Function::Pf, QUEUE_VECTOR) > queue_before,
            "{generation:?}: traffic interrupts on the queue vector"
        );
        assert_eq!(
            testbed.interrupts_delivered(Function::Pf, 0),
            other_before,
            "{generation:?}: no queue cause raised the other vector"
        );

        // A link drop while frames still move.
        let more = adapter.send(&refs[..50]);
        testbed.set_link(false);
        let _ = completions(&adapter, &more, &format!("{generation:?} during the drop"));
        let down = igb_testbed::wait_for_link_indications(&adapter, TIMEOUT, |states| {
            states
                .iter()
                .any(|s| s.connect_state == MediaConnectStateDisconnected)
        });
        assert!(
            down.iter()
                .any(|s| s.connect_state == MediaConnectStateDisconnected),
            "{generation:?}: {down:?}"
        );
        assert!(
            testbed.interrupts_delivered(Function::Pf, 0) > other_before,
            "{generation:?}: the link change came on the other vector, not the watchdog"
        );
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

/// Issue 12's count: at least 10,000 random NBL shapes (several NBs per NBL, several MDLs per
/// NB, odd MDL offsets and lengths, data offsets, 60..=1514-byte frames) through the engine on
/// each generation, every frame byte-exact on the wire, in order, every NBL completed once.
#[test]
fn tx_ten_thousand_random_nbl_shapes_arrive_byte_exact_in_order() {
    const NBLS: usize = 10_000;
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let _ = testbed.device().capture();
        let mut rng = ShapeRng::new(0x1_0000 + generation as u64);
        let limits = ShapeLimits::default();
        let (mut nbls, mut frames, mut batch) = (0, 0, 0usize);
        while nbls < NBLS {
            let size = (1 + rng.below(64)).min(NBLS - nbls);
            let specs: Vec<NblSpec> = (0..size)
                .map(|_| NblSpec::random_frames(&mut rng, 60..=1514, &limits))
                .collect();
            let expected: Vec<Vec<u8>> = specs
                .iter()
                .flat_map(|spec| spec.frames().into_iter().map(<[u8]>::to_vec))
                .collect();
            let options = SendOptions {
                dispatch_level: batch % 3 == 0,
                ..SendOptions::default()
            };
            let ids = adapter.send_shaped_with(&specs, options);
            let context = format!("{generation:?} batch {batch}");
            for completion in completions(&adapter, &ids, &context) {
                assert_eq!(completion.status, NDIS_STATUS_SUCCESS, "{context}");
            }
            let wire = testbed.device().capture();
            assert_eq!(wire.len(), expected.len(), "{context}: frames on the wire");
            if let Some(index) = wire
                .iter()
                .zip(&expected)
                .position(|(got, want)| got != want)
            {
                panic!("{context} frame {index}: not the bytes sent");
            }
            nbls += size;
            frames += expected.len();
            batch += 1;
        }
        assert!(
            frames > nbls,
            "{generation:?}: several NBs per NBL ({frames} frames)"
        );
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

/// Issue 12's removal count: 1,000 trials (500 per generation) of the device vanishing at a
/// random register read of the driver while sends and receives are in flight. Every send completes exactly once with SUCCESS or ADAPTER_REMOVED, every
/// indicated receive comes back, and halt finds no leak and no rule violation.
#[test]
fn surprise_removal_at_random_points_completes_every_nbl_once_in_1000_trials() {
    const TRIALS_PER_GENERATION: usize = 500;
    for generation in GENERATIONS {
        let mut rng = ShapeRng::new(0xDEAD_0000 + generation as u64);
        let driver = load();
        let frames: Vec<Vec<u8>> = (0..64).map(|n| frame_to_pf(60 + n * 23, n)).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let mut removed_mid_traffic = 0;
        for trial in 0..TRIALS_PER_GENERATION {
            let context = format!("{generation:?} trial {trial}");
            let testbed = Testbed::new(generation);
            let adapter = up(&driver, &testbed);
            // The PF's own register reads from here on; the device is gone after `reads`.
            let reads = rng.below(400) as u64;
            testbed.remove_function_after_reads(igb_model::Function::Pf, reads);
            let mut ids = adapter.send(&refs[..rng.range(1, refs.len())]);
            for frame in &refs[..rng.below(32)] {
                testbed.device().inject(frame);
            }
            ids.extend(adapter.send(&refs[..rng.range(1, refs.len())]));
            // By the time NDIS reports the removal the whole device is gone (no more DMA);
            // the driver's own view broke at the random read before that.
            testbed.device().set_removed(true);
            adapter.pnp_event(NdisDevicePnPEventSurpriseRemoved);
            let done = completions(&adapter, &ids, &context);
            let removed = done
                .iter()
                .filter(|c| c.status == NDIS_STATUS_ADAPTER_REMOVED)
                .count();
            assert!(
                done.iter()
                    .all(|c| c.status == NDIS_STATUS_SUCCESS
                        || c.status == NDIS_STATUS_ADAPTER_REMOVED),
                "{context}: {done:?}"
            );
            if removed > 0 && removed < done.len() {
                removed_mid_traffic += 1;
            }
            adapter.return_receives();
            let violations = adapter.halt(NdisHaltDeviceSurpriseRemoved);
            assert!(
                violations.is_empty(),
                "{context} (reads {reads}): {:#?}",
                &violations[..violations.len().min(6)]
            );
        }
        // The sweep really cut traffic in the middle, not only before or after it.
        assert!(
            removed_mid_traffic > TRIALS_PER_GENERATION / 10,
            "{generation:?}: {removed_mid_traffic} trials removed mid-traffic"
        );
        assert_no_violations(&driver.unload());
    }
}

/// Issue 12's remaining bad inputs through the whole PF: an MDL chain shorter than
/// `DataLength`, an LSOv2 NBL with MSS 0 or with its headers beyond the first MDL (each
/// completed at once with `NDIS_STATUS_INVALID_PACKET`, nothing of it on the wire), and a
/// receive write-back that claims more bytes than its buffer holds (dropped, the buffer
/// reposted, the next frame indicated normally).
#[test]
fn short_mdl_chains_bad_lso_and_overlong_write_backs_are_refused_and_nothing_is_lost() {
    use igb_model::check::{FrameSpec, build_frame};
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let _ = testbed.device().capture();
        let mut tcp = FrameSpec::ipv4_tcp(3000);
        tcp.dst = [0x02, 0, 0, 0, 0, 0x02];
        tcp.src = igb_model::DEFAULT_MAC;
        let lso_frame = build_frame(&tcp);
        let good = frame_to_pf(200, 7);
        let specs = vec![
            NblSpec::new(vec![NbSpec::contiguous(&good).with_data_length(300)]),
            NblSpec::contiguous(&lso_frame).with_lso_v2(0, 34, false),
            // Ethernet + IPv4 + TCP headers are 54 bytes; the first MDL holds 40.
            NblSpec::new(vec![NbSpec::split(
                &lso_frame,
                0,
                &[40, (lso_frame.len() - 40) as u32],
            )])
            .with_lso_v2(1460, 34, false),
            NblSpec::contiguous(&good),
        ];
        let ids = adapter.send_shaped(&specs);
        let done = completions(&adapter, &ids, &format!("{generation:?}"));
        let status = |index: usize| {
            done.iter()
                .find(|c| c.id == ids[index])
                .map(|c| c.status)
                .expect("completed")
        };
        for (index, what) in [(0, "short MDL chain"), (1, "MSS 0"), (2, "split headers")] {
            assert_eq!(
                status(index),
                NDIS_STATUS_INVALID_PACKET,
                "{generation:?}: {what}"
            );
        }
        assert_eq!(status(3), NDIS_STATUS_SUCCESS, "{generation:?}: good");
        assert_eq!(
            testbed.device().capture(),
            vec![good.clone()],
            "{generation:?}: wire"
        );

        // Rx: the model claims 16 KiB for the next frame (the buffers are 2 KiB).
        testbed
            .device()
            .corrupt_next_rx_writeback(igb_model::RxCorruption {
                length: Some(16 * 1024),
                ..igb_model::RxCorruption::default()
            });
        testbed.device().inject(&frame_to_pf(100, 1));
        testbed.device().inject(&frame_to_pf(101, 2));
        // In order: had the bad frame been indicated, it would be the first.
        assert!(adapter.wait_for_receives(1, TIMEOUT), "{generation:?}");
        let indicated = adapter.indicated_receives();
        assert_eq!(indicated.len(), 1, "{generation:?}: only the good frame");
        assert_eq!(indicated[0].data, frame_to_pf(101, 2), "{generation:?}");
        adapter.return_receives();
        // The dropped frame's buffer went back on the ring: a full ring's worth still arrives.
        for n in 0..400 {
            testbed.device().inject(&frame_to_pf(64, n));
            if n % 100 == 99 {
                assert!(
                    adapter.wait_for_receives(100, TIMEOUT),
                    "{generation:?} {n}"
                );
                let got = adapter.indicated_receives().len();
                assert_eq!(got, 100, "{generation:?}: {n}");
                adapter.return_receives();
            }
        }
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}

/// Hands over the lists the emulator deferred until `done` holds (bounded): each delivery
/// lets the engine post what waited and ask for the next list, which is deferred again.
fn deliver_lists_until(adapter: &EmuAdapter, mut done: impl FnMut() -> bool) -> usize {
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut delivered = 0;
    while !done() && std::time::Instant::now() < deadline {
        delivered += adapter.deliver_deferred_sg_lists();
        std::thread::sleep(Duration::from_millis(1));
    }
    delivered
}

#[test]
fn sg_lists_that_arrive_after_the_allocate_call_still_send_every_frame_in_order_and_hold_a_pause() {
    // NDIS may build a list after NdisMAllocateNetBufferSGList returned (map registers short,
    // N/ndis-scatter-gather-dma.md): the late MiniportProcessSGList path must post the frame,
    // keep the order, and count as in flight for a pause.
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed);
        let _ = testbed.device().capture();
        adapter.defer_sg_lists(true);
        // Above the bounce threshold, so every frame is mapped with an SG list.
        let frames: Vec<Vec<u8>> = (0..40).map(|n| frame_to_pf(1000 + n, n)).collect();
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let ids = adapter.send(&refs);
        assert_eq!(
            adapter.deferred_sg_lists(),
            1,
            "{generation:?}: one list owed; the rest wait behind it"
        );
        let delivered = deliver_lists_until(&adapter, || adapter.outstanding_sends() == 0);
        assert_eq!(
            delivered,
            frames.len(),
            "{generation:?}: one late list per frame"
        );
        for completion in completions(&adapter, &ids, &format!("{generation:?}")) {
            assert_eq!(completion.status, NDIS_STATUS_SUCCESS, "{generation:?}");
        }
        assert_eq!(
            testbed.device().capture(),
            frames,
            "{generation:?}: wire order"
        );

        // A pause while a list is owed stays pending until the list arrived and its frame
        // completed.
        let ids = adapter.send(&refs[..1]);
        assert_eq!(adapter.deferred_sg_lists(), 1);
        std::thread::scope(|scope| {
            let across = Across(&adapter);
            let pausing = scope.spawn(move || across.get().pause());
            std::thread::sleep(Duration::from_millis(300));
            assert_eq!(
                adapter.state(),
                ndis_emu::AdapterState::Pausing,
                "{generation:?}: pause pending while a list is owed"
            );
            assert_eq!(adapter.deliver_deferred_sg_lists(), 1);
            pausing.join().expect("pause returns");
        });
        let done = completions(&adapter, &ids, &format!("{generation:?} during pause"));
        assert_eq!(done[0].status, NDIS_STATUS_SUCCESS, "{generation:?}");
        assert_eq!(adapter.state(), ndis_emu::AdapterState::Paused);
        assert_eq!(testbed.device().capture(), frames[..1], "{generation:?}");
        assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
        assert_no_violations(&driver.unload());
    }
}
