//! Rx ring engine against a simulated NIC: property tests over random interleavings of
//! refill / flush / device write-backs (good and bad) / receive, plus targeted tests of bad
//! write-backs.
//!
//! The simulated NIC owns descriptors [RDH, RDT) (`igb-hardware.md` §4.2): it reads the buffer
//! address from the read format, then writes a write-back over the descriptor. Some write-backs
//! are deliberately bad (length beyond the buffer, zero length, DD without EOP, EOP without DD,
//! RXE, all ones); the engine must count and recycle those and never hand them up.

mod support;

use std::collections::{HashSet, VecDeque};

use hw_platform::DmaAddr;
use igb::ids::Generation;
use igb::regs::{VfBar, vf};
use igb::ring::desc::{BadWriteBack, Checksum, RxWriteBack, rx_error, rx_status};
use igb::ring::{MmioDoorbell, RING_POISON, RxPostError, RxRing, ring_bytes};
use proptest::prelude::*;
use support::{HeapDma, RING_DMA_BASE, RecordingMmio};

const BUFFER_BASE: u64 = 0x2000_0000_0000;

fn buffer_addr(token: u64) -> DmaAddr {
    DmaAddr::new(BUFFER_BASE + (token << 16))
}

fn buffer_len(token: u64) -> u32 {
    [256, 1024, 2048][(token % 3) as usize]
}

type Ring = RxRing<HeapDma, u64, MmioDoorbell<RecordingMmio, VfBar>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    Free,
    /// Handed to the device; content as handed over.
    Device([u64; 2]),
    /// The device wrote a write-back; the engine has not consumed it yet.
    Written([u64; 2]),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Good,
    TooLong,
    ZeroLength,
    DoneWithoutEop,
    EopWithoutDone,
    FrameError,
    AllOnes,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Good { token: u64, len: u16, index: u32 },
    Bad { token: u64, index: u32 },
}

struct Harness {
    ring: Ring,
    mem: HeapDma,
    mmio: RecordingMmio,
    size: u32,
    rdt_offset: u32,
    head: u32,
    tail: u32,
    slots: Vec<Slot>,
    outcomes: VecDeque<Outcome>,
    next_token: u64,
    fresh_tokens: Vec<u64>,
    delivered: Vec<u64>,
    /// Tokens posted (fresh or recycled) since the last flush, in descriptor order.
    unflushed: Vec<u64>,
    /// Buffers the engine holds (posted, not delivered).
    outstanding: u32,
    expected_bad: u64,
    flush_calls: u64,
}

impl Harness {
    fn new(size: u32) -> Self {
        let mem = HeapDma::new(ring_bytes(size), RING_DMA_BASE);
        let mmio = RecordingMmio::default();
        let rdt = vf::rx_queue(Generation::I82576, 0).unwrap().rdt;
        let ring = RxRing::new(mem.clone(), size, MmioDoorbell::new(mmio.clone(), rdt)).unwrap();
        Self {
            ring,
            mem,
            mmio,
            size,
            rdt_offset: rdt.offset(),
            head: 0,
            tail: 0,
            slots: vec![Slot::Free; size as usize],
            outcomes: VecDeque::new(),
            next_token: 1,
            fresh_tokens: Vec::new(),
            delivered: Vec::new(),
            unflushed: Vec::new(),
            outstanding: 0,
            expected_bad: 0,
            flush_calls: 0,
        }
    }

    fn mask(&self) -> u32 {
        self.size - 1
    }

    fn refill(&mut self, count: u32) {
        for _ in 0..count {
            let token = self.next_token;
            self.next_token += 1;
            let free = self.ring.free_slots();
            assert_eq!(free, self.mask() - self.outstanding, "free-slot accounting");
            match self.ring.post(buffer_addr(token), buffer_len(token), token) {
                Ok(()) => {
                    assert!(free > 0);
                    self.fresh_tokens.push(token);
                    self.unflushed.push(token);
                    self.outstanding += 1;
                }
                Err((error, back)) => {
                    assert_eq!((error, back), (RxPostError::RingFull, token));
                    assert_eq!(free, 0, "refused a buffer with room");
                }
            }
        }
    }

    fn flush(&mut self) {
        let before = self.mmio.write_count();
        let wrote = self.ring.flush();
        self.flush_calls += 1;
        assert_eq!(
            self.mmio.write_count() - before,
            usize::from(wrote),
            "at most one doorbell per flush"
        );
        assert_eq!(
            wrote,
            !self.unflushed.is_empty(),
            "doorbell iff something was posted"
        );
        if !wrote {
            return;
        }
        let (offset, value) = self.mmio.last_write().unwrap();
        assert_eq!(offset, self.rdt_offset);
        let delta = value.wrapping_sub(self.tail & self.mask()) & self.mask();
        assert_eq!(
            delta as usize,
            self.unflushed.len(),
            "tail moved by exactly the posted buffers"
        );
        assert_ne!(value, self.head & self.mask(), "RDT written equal to RDH");
        let new_tail = self.tail.wrapping_add(delta);
        assert!(
            new_tail.wrapping_sub(self.head) < self.size,
            "device owns at most size - 1"
        );
        let mask = self.mask();
        for (step, token) in std::mem::take(&mut self.unflushed).into_iter().enumerate() {
            let index = self.tail.wrapping_add(step as u32);
            let content = self.mem.desc(index, self.size);
            assert_eq!(
                content,
                [buffer_addr(token).as_u64(), 0],
                "read format with DD cleared"
            );
            let slot = &mut self.slots[(index & mask) as usize];
            assert_eq!(
                *slot,
                Slot::Free,
                "engine handed over a descriptor it does not own"
            );
            *slot = Slot::Device(content);
        }
        self.tail = new_tail;
        // No buffer is owned by the device twice.
        let mut seen = HashSet::new();
        for slot in &self.slots {
            if let Slot::Device([addr, _]) = slot {
                assert!(seen.insert(*addr), "buffer {addr:#x} posted twice");
            }
        }
    }

    fn device(&mut self, kind: Kind, seed: u16) {
        if self.head == self.tail {
            return;
        }
        let index = self.head;
        let slot_index = (index & self.mask()) as usize;
        let Slot::Device(snapshot) = self.slots[slot_index] else {
            panic!("device reached descriptor {index} it does not own");
        };
        let raw = self.mem.desc(index, self.size);
        assert_eq!(
            raw, snapshot,
            "descriptor changed while owned by the device"
        );
        let token = (raw[0] - BUFFER_BASE) >> 16;
        let capacity = buffer_len(token);
        let good_len = (1 + u32::from(seed) % capacity) as u16;
        let base = RxWriteBack {
            rss_type: 0,
            packet_type: 0x11,
            rss_hash: u32::from(seed).wrapping_mul(2_654_435_761),
            status: rx_status::DD | rx_status::EOP,
            errors: 0,
            length: good_len,
            vlan: 0,
        };
        let write_back = match kind {
            Kind::Good => {
                let vlan = seed % 2 == 0;
                RxWriteBack {
                    status: base.status | if vlan { rx_status::VP } else { 0 } | rx_status::IPCS,
                    vlan: if vlan { seed & 0xFFF } else { 0 },
                    ..base
                }
                .encode()
            }
            Kind::TooLong => RxWriteBack {
                length: (capacity + 1 + u32::from(seed % 64)) as u16,
                ..base
            }
            .encode(),
            Kind::ZeroLength => RxWriteBack { length: 0, ..base }.encode(),
            Kind::DoneWithoutEop => RxWriteBack {
                status: rx_status::DD,
                ..base
            }
            .encode(),
            Kind::EopWithoutDone => RxWriteBack {
                status: rx_status::EOP,
                ..base
            }
            .encode(),
            Kind::FrameError => RxWriteBack {
                errors: rx_error::RXE,
                ..base
            }
            .encode(),
            Kind::AllOnes => [u64::MAX; 2],
        };
        self.mem.set_desc(index, self.size, write_back);
        self.slots[slot_index] = Slot::Written(write_back);
        self.outcomes.push_back(match kind {
            Kind::Good => Outcome::Good {
                token,
                len: good_len,
                index,
            },
            _ => Outcome::Bad { token, index },
        });
        self.head = self.head.wrapping_add(1);
    }

    fn receive(&mut self, budget: usize) {
        let bad_before = self.ring.stats().bad_writebacks;
        let mut got = Vec::new();
        let delivered = self.ring.receive(budget, |packet| got.push(packet));
        assert_eq!(delivered, got.len());
        let bad = (self.ring.stats().bad_writebacks - bad_before) as usize;
        let consumed = delivered + bad;
        assert!(consumed <= budget);
        assert!(
            consumed <= self.outcomes.len(),
            "engine consumed a descriptor the device never wrote"
        );
        let mut packets = got.into_iter();
        let mask = self.mask();
        for _ in 0..consumed {
            let outcome = self.outcomes.pop_front().unwrap();
            let index = match outcome {
                Outcome::Good { token, len, index } => {
                    let packet = packets.next().expect("a good write-back was not delivered");
                    assert_eq!(
                        packet.token, token,
                        "delivered in ring order with the right token"
                    );
                    assert_eq!(packet.buffer, buffer_addr(token));
                    assert_eq!(packet.info.length, len);
                    assert!(u32::from(packet.info.length) <= buffer_len(token));
                    assert_eq!(packet.info.ip_checksum, Checksum::Good);
                    self.delivered.push(token);
                    self.outstanding -= 1;
                    index
                }
                Outcome::Bad { token, index } => {
                    // Counted and re-posted with the same token, visible at the next flush.
                    self.expected_bad += 1;
                    self.unflushed.push(token);
                    index
                }
            };
            self.slots[(index & mask) as usize] = Slot::Free;
        }
        assert!(packets.next().is_none(), "a bad write-back was handed up");
        if consumed < budget {
            assert!(
                self.outcomes.is_empty(),
                "engine stopped before a finished descriptor"
            );
        }
    }

    fn check(&self) {
        for index in 0..self.size {
            if let Slot::Device(snapshot) | Slot::Written(snapshot) = self.slots[index as usize] {
                assert_eq!(
                    self.mem.desc(index, self.size),
                    snapshot,
                    "slot {index} reused before completion"
                );
            }
        }
        let stats = self.ring.stats();
        assert_eq!(stats.bad_writebacks, self.expected_bad);
        assert_eq!(stats.flushes, self.flush_calls);
        assert!(stats.doorbells <= stats.flushes);
        assert_eq!(stats.doorbells as usize, self.mmio.write_count());
        assert_eq!(stats.dma_errors, 0);
    }
}

#[derive(Clone, Debug)]
enum Op {
    Refill(u32),
    Flush,
    Device(Vec<(Kind, u16)>),
    Receive(usize),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        12 => Just(Kind::Good),
        1 => Just(Kind::TooLong),
        1 => Just(Kind::ZeroLength),
        1 => Just(Kind::DoneWithoutEop),
        1 => Just(Kind::EopWithoutDone),
        1 => Just(Kind::FrameError),
        1 => Just(Kind::AllOnes),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u32..=24).prop_map(Op::Refill),
        2 => Just(Op::Flush),
        3 => prop::collection::vec((kind(), any::<u16>()), 1..=12).prop_map(Op::Device),
        2 => (1usize..=32).prop_map(Op::Receive),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn rx_ring_never_loses_reuses_or_trusts_bad_writebacks(
        size_log2 in 3u32..=6,
        ops in prop::collection::vec(op(), 1..200),
        drain_at_end in any::<bool>(),
    ) {
        let mut harness = Harness::new(1 << size_log2);
        for op in &ops {
            match op {
                Op::Refill(count) => harness.refill(*count),
                Op::Flush => harness.flush(),
                Op::Device(writes) => {
                    for (kind, seed) in writes {
                        harness.device(*kind, *seed);
                    }
                }
                Op::Receive(budget) => harness.receive(*budget),
            }
            harness.check();
        }
        let mut accounted = harness.delivered.clone();
        if drain_at_end {
            harness.ring.drain(|token| accounted.push(token));
            prop_assert_eq!(harness.ring.posted(), 0);
            prop_assert_eq!(harness.ring.free_slots(), harness.size - 1);
        } else {
            // Let the device deliver everything that is left, good this time.
            loop {
                harness.flush();
                while harness.head != harness.tail {
                    harness.device(Kind::Good, 7);
                }
                harness.receive(usize::MAX);
                harness.check();
                if harness.unflushed.is_empty() {
                    break;
                }
            }
            prop_assert_eq!(harness.ring.posted(), 0);
            accounted = harness.delivered.clone();
        }
        // Every token comes back exactly once.
        let mut sorted = accounted.clone();
        sorted.sort_unstable();
        sorted.dedup();
        prop_assert_eq!(sorted.len(), accounted.len(), "a token was duplicated");
        let mut fresh = harness.fresh_tokens.clone();
        fresh.sort_unstable();
        prop_assert_eq!(sorted, fresh, "a token was lost");
    }
}

fn harness_with_buffers(size: u32, count: u32) -> Harness {
    let mut harness = Harness::new(size);
    harness.refill(count);
    harness.flush();
    harness
}

#[test]
fn length_beyond_buffer_is_dropped_counted_and_recycled() {
    let mut harness = harness_with_buffers(8, 3);
    harness.device(Kind::TooLong, 5);
    harness.device(Kind::Good, 5);
    harness.receive(8);
    assert_eq!(harness.delivered, vec![2]);
    assert_eq!(harness.ring.stats().bad_writebacks, 1);
    assert!(matches!(
        harness.ring.last_rejection(),
        Some(BadWriteBack::BadLength { .. })
    ));
    // The buffer of token 1 goes back to the device at the next flush, at the old tail.
    assert_eq!(harness.ring.unflushed(), 1);
    harness.flush();
    assert_eq!(harness.mem.desc(3, 8), [buffer_addr(1).as_u64(), 0]);
    harness.check();
}

#[test]
fn eop_without_dd_is_dropped_and_counted() {
    let mut harness = harness_with_buffers(8, 2);
    harness.device(Kind::EopWithoutDone, 1);
    harness.receive(8);
    assert!(harness.delivered.is_empty());
    assert_eq!(harness.ring.stats().bad_writebacks, 1);
    assert_eq!(
        harness.ring.last_rejection(),
        Some(BadWriteBack::EopWithoutDone)
    );
    harness.check();
}

#[test]
fn dd_without_eop_and_frame_errors_are_dropped() {
    let mut harness = harness_with_buffers(16, 4);
    harness.device(Kind::DoneWithoutEop, 1);
    harness.device(Kind::FrameError, 1);
    harness.device(Kind::ZeroLength, 1);
    harness.device(Kind::Good, 1);
    harness.receive(16);
    assert_eq!(harness.delivered, vec![4]);
    assert_eq!(harness.ring.stats().bad_writebacks, 3);
    harness.check();
}

#[test]
fn garbage_after_reset_is_never_handed_up() {
    // The device comes back from a reset and scribbles all ones over every descriptor it owns.
    let mut harness = harness_with_buffers(8, 7);
    for index in 0..7 {
        harness.mem.set_desc(index, 8, [u64::MAX; 2]);
    }
    let mut got = 0;
    harness.ring.receive(64, |_| got += 1);
    assert_eq!(got, 0);
    assert_eq!(harness.ring.stats().bad_writebacks, 7);
    // Every buffer is still owned by the ring (re-posted), none lost.
    let mut drained = Vec::new();
    harness.ring.drain(|token| drained.push(token));
    drained.sort_unstable();
    assert_eq!(drained, (1..=7).collect::<Vec<_>>());
}

#[test]
fn nothing_is_read_before_the_tail_moves() {
    let mut harness = Harness::new(8);
    harness.refill(2);
    // A write-back appearing on a descriptor never handed to the device is ignored.
    harness.mem.set_desc(
        0,
        8,
        RxWriteBack {
            rss_type: 0,
            packet_type: 0,
            rss_hash: 0,
            status: rx_status::DD | rx_status::EOP,
            errors: 0,
            length: 60,
            vlan: 0,
        }
        .encode(),
    );
    let mut got = 0;
    assert_eq!(harness.ring.receive(8, |_| got += 1), 0);
    assert_eq!(harness.ring.stats().bad_writebacks, 0);
}

#[test]
fn fresh_memory_is_poisoned_and_buffers_are_validated() {
    let mut harness = Harness::new(8);
    for index in 0..8 {
        assert_eq!(
            harness.mem.desc(index, 8),
            [u64::from_le_bytes([RING_POISON; 8]); 2]
        );
    }
    assert_eq!(
        harness.ring.post(buffer_addr(1), 0, 1),
        Err((RxPostError::BadLength, 1))
    );
    assert_eq!(
        harness.ring.post(buffer_addr(1), 0x1_0000, 1),
        Err((RxPostError::BadLength, 1))
    );
    harness.refill(10);
    assert_eq!(harness.ring.posted(), 7, "one slot always stays empty");
    assert_eq!(harness.ring.stats().ring_full, 3);
    harness.flush();
    assert_eq!(harness.mmio.writes(), vec![(harness.rdt_offset, 7)]);
    assert!(!harness.ring.flush(), "no doorbell without new buffers");
    let stats = harness.ring.stats();
    assert_eq!((stats.doorbells, stats.flushes), (1, 2));
}

#[test]
fn vlan_and_checksum_reporting() {
    let mut harness = harness_with_buffers(8, 1);
    harness.mem.set_desc(
        0,
        8,
        RxWriteBack {
            rss_type: 1,
            packet_type: 0x11,
            rss_hash: 0x1234_5678,
            status: rx_status::DD
                | rx_status::EOP
                | rx_status::VP
                | rx_status::IPCS
                | rx_status::L4CS,
            errors: rx_error::L4E,
            length: 200,
            vlan: 42,
        }
        .encode(),
    );
    let mut packets = Vec::new();
    harness.ring.receive(8, |packet| packets.push(packet));
    let packet = packets.pop().unwrap();
    assert_eq!(packet.token, 1);
    assert_eq!(packet.info.vlan, Some(42));
    assert_eq!(packet.info.rss_hash, 0x1234_5678);
    assert_eq!(
        (packet.info.ip_checksum, packet.info.l4_checksum),
        (Checksum::Good, Checksum::Bad)
    );
}
