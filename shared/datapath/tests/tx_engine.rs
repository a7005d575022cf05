//! Tx engine against a descriptor-consuming device: byte-exact frames for random NBL shapes,
//! validation statuses, context caching, the waiting queue, asynchronous SG lists, LSO and
//! exactly-once drain.

mod support;

use std::collections::HashMap;

use igb_datapath::tx::TxConfig;
use ndis::NblChain;
use ndis::test_nbl::{HeapNblArena, NbSpec, NblSpec};
use ndis_abi::*;
use support::{Harness, Rng, collect};

fn frame(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// A random NET_BUFFER: random MDL splits, a random unused prefix in the first MDL.
fn random_nb(rng: &mut Rng, data: &[u8]) -> NbSpec {
    let pieces = rng.below(4) as usize;
    let mut splits: Vec<usize> = (0..pieces)
        .map(|_| rng.below(data.len() as u64) as usize)
        .collect();
    splits.sort_unstable();
    let mut nb = NbSpec::split(data, &splits);
    let prefix = rng.below(9) as usize;
    if prefix > 0 {
        let mut first = vec![0xEEu8; prefix];
        first.extend_from_slice(&nb.mdls[0]);
        nb.mdls[0] = first;
        nb.offset = prefix as u32;
    }
    // Trailing junk after DataLength in the last MDL must not be sent.
    nb.mdls.last_mut().unwrap().extend_from_slice(&[0xDD; 3]);
    nb
}

fn ipv4_tcp_frame(payload: usize, vlan_in_band: bool) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    if vlan_in_band {
        f.extend_from_slice(&[0x81, 0x00, 0x00, 0x05]);
    }
    f.extend_from_slice(&[0x08, 0x00]);
    let total = (20 + 20 + payload) as u16;
    f.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0x40,
        0,
        64,
        6,
        0,
        0,
    ]);
    f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    f.extend_from_slice(&[
        0x12, 0x34, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xFF, 0xFF, 0, 0, 0, 0,
    ]);
    f.extend((0..payload).map(|i| i as u8));
    f
}

#[test]
fn random_shapes_arrive_byte_exact_and_complete_once() {
    let mut harness = Harness::new(256, TxConfig::default(), false);
    let mut rng = Rng(0x1234_5678);
    let mut arena = HeapNblArena::new();
    let mut expected: Vec<Vec<u8>> = Vec::new();
    let mut seen = HashMap::new();
    let mut nbls = 0;
    for _round in 0..300 {
        let mut chain = NblChain::new();
        let count = 1 + rng.below(4);
        for _ in 0..count {
            let nbs = 1 + rng.below(3);
            let mut spec = NblSpec::default();
            for _ in 0..nbs {
                let len = 60 + rng.below(1518 - 60 + 1) as usize;
                let data = frame(&mut rng, len);
                spec.net_buffers.push(random_nb(&mut rng, &data));
                expected.push(data);
            }
            chain.append(arena.build(&spec));
            nbls += 1;
        }
        let tails_before = harness.tails.borrow().len();
        collect(harness.engine.send(chain), &mut seen);
        assert!(
            harness.tails.borrow().len() <= tails_before + 1,
            "one tail write per send"
        );
        harness.device_run(usize::MAX);
        let (done, _) = harness.engine.complete(1024);
        collect(done, &mut seen);
    }
    for _ in 0..8 {
        harness.device_run(usize::MAX);
        collect(harness.engine.complete(1024).0, &mut seen);
    }
    assert_eq!(seen.len(), nbls);
    assert!(seen.values().all(|s| *s == NDIS_STATUS_SUCCESS));
    let wire: Vec<Vec<u8>> = harness
        .device
        .frames
        .iter()
        .map(|f| f.data.clone())
        .collect();
    assert_eq!(wire.len(), expected.len());
    for (index, (sent, want)) in wire.iter().zip(&expected).enumerate() {
        assert_eq!(sent, want, "frame {index}");
    }
    let counters = harness.engine.counters();
    assert!(counters.bounced > 0 && counters.mapped > 0, "{counters:?}");
    assert_eq!(harness.mapper.borrow().live, 0, "every SG list freed");
    assert_eq!(harness.engine.held(), 0);
}

#[test]
fn bad_nbls_complete_with_a_status_that_says_why() {
    let mut harness = Harness::new(64, TxConfig::default(), false);
    let mut arena = HeapNblArena::new();
    let good = ipv4_tcp_frame(100, false);
    let lso = |mss: u32, offset: u32| {
        NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(0)
            .with_Type(NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE)
            .with_MSS(mss)
            .with_TcpHeaderOffset(offset)
            .value()
    };
    let cases: Vec<(&str, NblSpec, NDIS_STATUS)> = vec![
        (
            "no NET_BUFFER",
            NblSpec::default(),
            NDIS_STATUS_INVALID_PACKET,
        ),
        (
            "zero length",
            NblSpec {
                net_buffers: vec![NbSpec {
                    mdls: vec![vec![0; 10]],
                    offset: 0,
                    length: 0,
                }],
                ..Default::default()
            },
            NDIS_STATUS_INVALID_LENGTH,
        ),
        (
            "over the maximum frame",
            NblSpec {
                net_buffers: vec![NbSpec::split(&vec![0u8; 1519], &[])],
                ..Default::default()
            },
            NDIS_STATUS_INVALID_LENGTH,
        ),
        (
            "MDL chain shorter than DataLength",
            NblSpec {
                net_buffers: vec![NbSpec {
                    mdls: vec![vec![0; 40], vec![0; 40]],
                    offset: 0,
                    length: 100,
                }],
                ..Default::default()
            },
            NDIS_STATUS_INVALID_PACKET,
        ),
        (
            "LSO with MSS 0",
            NblSpec {
                net_buffers: vec![NbSpec::split(&good, &[])],
                lso: lso(0, 34),
                ..Default::default()
            },
            NDIS_STATUS_INVALID_PACKET,
        ),
        (
            "LSO headers not in the first MDL",
            NblSpec {
                net_buffers: vec![NbSpec::split(&good, &[40])],
                lso: lso(1460, 34),
                ..Default::default()
            },
            NDIS_STATUS_INVALID_PACKET,
        ),
    ];
    for (name, spec, status) in cases {
        let chain = arena.build(&spec);
        let mut seen = HashMap::new();
        collect(harness.engine.send(chain), &mut seen);
        assert_eq!(seen.len(), 1, "{name}: completed at once");
        assert_eq!(*seen.values().next().unwrap(), status, "{name}");
    }
    assert!(harness.device.frames.is_empty());
    assert_eq!(
        harness.tails.borrow().len(),
        0,
        "nothing posted, no tail write"
    );
    // A good NBL after them still goes out.
    let mut seen = HashMap::new();
    collect(
        harness.engine.send(arena.build(&NblSpec {
            net_buffers: vec![NbSpec::split(&good, &[])],
            ..Default::default()
        })),
        &mut seen,
    );
    harness.device_run(usize::MAX);
    collect(harness.engine.complete(64).0, &mut seen);
    assert_eq!(
        seen.values().copied().collect::<Vec<_>>(),
        vec![NDIS_STATUS_SUCCESS]
    );
}

#[test]
fn checksum_context_is_written_once_and_rewritten_on_change() {
    let mut harness = Harness::new(64, TxConfig::default(), false);
    let mut arena = HeapNblArena::new();
    let checksum = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(0)
        .with_Transmit_IsIPv4(1)
        .with_Transmit_TcpChecksum(1)
        .with_Transmit_IpHeaderChecksum(1)
        .value();
    let vlan = |vid: u32| {
        NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(0)
            .with_VlanId(vid)
            .with_UserPriority(3)
            .value()
    };
    let mut chain = NblChain::new();
    for (n, vid) in [(0usize, 0u32), (1, 0), (2, 0), (3, 7), (4, 7)] {
        let data = ipv4_tcp_frame(100 + n * 300, false);
        chain.append(arena.build(&NblSpec {
            net_buffers: vec![NbSpec::split(&data, &[])],
            checksum,
            vlan: if vid == 0 { 0 } else { vlan(vid) },
            ..Default::default()
        }));
    }
    let mut seen = HashMap::new();
    collect(harness.engine.send(chain), &mut seen);
    harness.device_run(usize::MAX);
    collect(harness.engine.complete(64).0, &mut seen);
    assert_eq!(seen.len(), 5);
    assert_eq!(
        harness.device.context_descriptors, 2,
        "one per distinct context"
    );
    let counters = harness.engine.counters();
    assert_eq!((counters.context_writes, counters.context_reuses), (2, 3));
    for (index, f) in harness.device.frames.iter().enumerate() {
        // IXSM | TXSM, MACLEN 14, IPLEN 20, TUCMD IPv4 + TCP.
        assert_eq!(f.olinfo & 0x300, 0x300, "frame {index}");
        assert_eq!(f.context[0] & 0xFFFF, 20 | (14 << 9));
        assert_eq!(f.context[2] & (0b111 << 10), (1 << 10) | (1 << 11));
        let vle = f.cmd & (1 << 30) != 0;
        assert_eq!(vle, index >= 3, "VLE on the tagged frames only");
        if vle {
            assert_eq!(f.context[0] >> 16, (3 << 13) | 7, "tag = priority 3, VID 7");
        }
    }
}

#[test]
fn lso_v2_descriptors_and_completion_info() {
    let mut harness = Harness::new(64, TxConfig::default(), false);
    let mut arena = HeapNblArena::new();
    let data = ipv4_tcp_frame(8000, false);
    let lso = NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(0)
        .with_Type(NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE)
        .with_MSS(1448)
        .with_TcpHeaderOffset(34)
        .value();
    let chain = arena.build(&NblSpec {
        net_buffers: vec![NbSpec::split(&data, &[54, 3000])],
        lso,
        ..Default::default()
    });
    let nbl = chain.head().unwrap();
    let mut seen = HashMap::new();
    collect(harness.engine.send(chain), &mut seen);
    harness.device_run(usize::MAX);
    let (mut done, _) = harness.engine.complete(64);
    let owned = done.pop_owned().unwrap();
    assert_eq!(owned.as_raw(), nbl);
    assert_eq!(owned.status(), NDIS_STATUS_SUCCESS);
    let info = owned.lso_info();
    assert_eq!(info.Type(), NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE);
    assert_eq!(
        info.value() as u32 & 0x3FFF_FFFF,
        0,
        "V2 complete: Reserved bits 0"
    );
    let f = &harness.device.frames[0];
    assert_eq!(f.data, data);
    assert_ne!(f.cmd & (1 << 31), 0, "TSE");
    assert_eq!(f.olinfo >> 14, 8000, "PAYLEN = TCP payload");
    assert_eq!(f.context[3] >> 16, 1448, "MSS");
    assert_eq!((f.context[3] >> 8) & 0xFF, 20, "L4LEN");
}

#[test]
fn nbls_wait_for_descriptors_and_resume_in_order() {
    // 8 descriptors: at most 7 owned by the device.
    let mut harness = Harness::new(
        8,
        TxConfig {
            bounce_threshold: 0,
            ..TxConfig::default()
        },
        false,
    );
    let mut arena = HeapNblArena::new();
    let mut rng = Rng(99);
    let mut chain = NblChain::new();
    let mut expected = Vec::new();
    for _ in 0..30 {
        let len = 1000 + rng.below(500) as usize;
        let data = frame(&mut rng, len); // 2 elements of 700
        expected.push(data.clone());
        chain.append(arena.build(&NblSpec {
            net_buffers: vec![NbSpec::split(&data, &[])],
            ..Default::default()
        }));
    }
    let mut seen = HashMap::new();
    collect(harness.engine.send(chain), &mut seen);
    assert!(seen.is_empty());
    assert_eq!(harness.engine.held(), 30);
    let mut passes = 0;
    while seen.len() < 30 {
        passes += 1;
        assert!(passes < 100, "no progress");
        harness.device_run(2);
        collect(harness.engine.complete(4).0, &mut seen);
    }
    let wire: Vec<_> = harness
        .device
        .frames
        .iter()
        .map(|f| f.data.clone())
        .collect();
    assert_eq!(wire, expected, "order kept across the wait");
    assert!(harness.engine.counters().ring_full > 0);
    assert_eq!(harness.mapper.borrow().live, 0);
}

#[test]
fn asynchronous_sg_lists_post_when_they_arrive() {
    let mut harness = Harness::new(
        64,
        TxConfig {
            bounce_threshold: 0,
            ..TxConfig::default()
        },
        true,
    );
    let mut arena = HeapNblArena::new();
    let mut rng = Rng(5);
    let mut chain = NblChain::new();
    for _ in 0..3 {
        let data = frame(&mut rng, 300);
        chain.append(arena.build(&NblSpec {
            net_buffers: vec![NbSpec::split(&data, &[100])],
            ..Default::default()
        }));
    }
    let mut seen = HashMap::new();
    collect(harness.engine.send(chain), &mut seen);
    assert!(harness.engine.map_pending());
    assert!(harness.tails.borrow().is_empty());
    for _ in 0..3 {
        let (tag, nb) = harness.mapper.borrow_mut().pending.remove(0);
        let list = harness.engine.mapper().build(&nb, tag);
        // A stale tag is refused and handed back.
        let list = match harness.engine.sg_list_ready(tag.wrapping_add(77), list) {
            Err(list) => list,
            Ok(_) => panic!("stale tag accepted"),
        };
        collect(
            harness.engine.sg_list_ready(tag, list).ok().unwrap(),
            &mut seen,
        );
    }
    harness.device_run(usize::MAX);
    collect(harness.engine.complete(64).0, &mut seen);
    assert_eq!(seen.len(), 3);
    assert_eq!(harness.device.frames.len(), 3);
}

#[test]
fn drain_all_returns_every_nbl_exactly_once() {
    for seed in 1..=200u64 {
        let mut rng = Rng(seed * 7919);
        let size = [8u32, 16, 64][rng.below(3) as usize];
        let asynchronous = rng.below(4) == 0;
        let mut harness = Harness::new(size, TxConfig::default(), asynchronous);
        let mut arena = HeapNblArena::new();
        let mut total = 0;
        let mut seen = HashMap::new();
        for _ in 0..(1 + rng.below(6)) {
            let mut chain = NblChain::new();
            for _ in 0..(1 + rng.below(6)) {
                let mut spec = NblSpec::default();
                for _ in 0..(1 + rng.below(3)) {
                    let len = 60 + rng.below(1400) as usize;
                    let data = frame(&mut rng, len);
                    spec.net_buffers.push(random_nb(&mut rng, &data));
                }
                if rng.below(10) == 0 {
                    spec.net_buffers.clear(); // a bad one among them
                }
                chain.append(arena.build(&spec));
                total += 1;
            }
            collect(harness.engine.send(chain), &mut seen);
            harness.device_run(rng.below(5) as usize);
            collect(harness.engine.complete(rng.below(4) as usize).0, &mut seen);
        }
        collect(harness.engine.drain_all(NDIS_STATUS_PAUSED), &mut seen);
        // A list NDIS still owed arrives after the drain: its NBL completes then.
        loop {
            let next = harness.mapper.borrow_mut().pending.pop();
            let Some((tag, nb)) = next else {
                break;
            };
            let list = harness.engine.mapper().build(&nb, tag);
            match harness.engine.sg_list_ready(tag, list) {
                Ok(chain) => collect(chain, &mut seen),
                Err(list) => {
                    drop(list);
                    harness.mapper.borrow_mut().live -= 1;
                }
            }
        }
        assert_eq!(seen.len(), total, "seed {seed}: every NBL exactly once");
        assert_eq!(harness.engine.held(), 0, "seed {seed}");
        assert!(!harness.engine.map_pending());
        assert_eq!(
            harness.mapper.borrow().live,
            0,
            "seed {seed}: SG lists freed"
        );
        assert!(seen.values().all(|s| {
            [
                NDIS_STATUS_SUCCESS,
                NDIS_STATUS_PAUSED,
                NDIS_STATUS_INVALID_PACKET,
            ]
            .contains(s)
        }));
    }
}
