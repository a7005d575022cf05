//! Tx ring engine against a simulated NIC: property tests over random interleavings of
//! post / flush / device progress / clean, plus targeted tests.
//!
//! The simulated NIC owns descriptors [TDH, TDT) exactly as the hardware does
//! (`igb-hardware.md` §4.3): it reads them in order, checks they are well-formed, and writes DD
//! into the EOP descriptor (RS set) of each packet. It snapshots every descriptor it owns, so any
//! engine write to a descriptor the device owns (or has completed but the engine has not yet
//! cleaned) is caught.

mod support;

use hw_platform::DmaAddr;
use igb::ids::Generation;
use igb::regs::PfBar;
use igb::regs::pf;
use igb::ring::desc::{L4Type, TxContext, TxDataFlags, tx_cmd};
use igb::ring::{
    MmioDoorbell, RING_POISON, RingError, TxFragment, TxPostError, TxRequest, TxRing, ring_bytes,
};
use proptest::prelude::*;
use support::{HeapDma, RING_DMA_BASE, RecordingMmio};

const BUFFER_BASE: u64 = 0x4000_0000_0000;

/// Fragment `fragment` of packet `token` lives at a unique address the NIC can decode.
fn fragment_addr(token: u64, fragment: usize) -> DmaAddr {
    DmaAddr::new(BUFFER_BASE + (token << 16) + ((fragment as u64) << 12))
}

fn decode_addr(addr: u64) -> (u64, usize) {
    let offset = addr - BUFFER_BASE;
    (offset >> 16, ((offset >> 12) & 0xF) as usize)
}

type Ring = TxRing<HeapDma, u64, MmioDoorbell<RecordingMmio, PfBar>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    /// Software owns it.
    Free,
    /// Handed to the device by a tail write; content as handed over.
    Device([u64; 2]),
    /// The device is finished with it (DD written on EOP); the engine has not cleaned it yet.
    Done([u64; 2]),
}

struct InFlight {
    token: u64,
    next_fragment: usize,
    first: u32,
}

struct Harness {
    ring: Ring,
    mem: HeapDma,
    mmio: RecordingMmio,
    size: u32,
    tdt_offset: u32,
    // Simulated device state (free-running indices).
    head: u32,
    tail: u32,
    slots: Vec<Slot>,
    current: Option<InFlight>,
    context_at: Option<u32>,
    /// Packets the device completed, in order: (token, first descriptor, EOP descriptor).
    device_completed: Vec<(u64, u32, u32)>,
    // Model of the engine.
    next_token: u64,
    fragment_lens: std::collections::HashMap<u64, Vec<u16>>,
    posted_order: Vec<u64>,
    returned: Vec<u64>,
    descriptors_since_flush: u32,
    outstanding_descriptors: u32,
    flush_calls: u64,
}

impl Harness {
    fn new(size: u32) -> Self {
        let mem = HeapDma::new(ring_bytes(size), RING_DMA_BASE);
        let mmio = RecordingMmio::default();
        let tdt = pf::tx_queue(Generation::I82576, 0).unwrap().tdt;
        let ring = TxRing::new(mem.clone(), size, MmioDoorbell::new(mmio.clone(), tdt)).unwrap();
        Self {
            ring,
            mem,
            mmio,
            size,
            tdt_offset: tdt.offset(),
            head: 0,
            tail: 0,
            slots: vec![Slot::Free; size as usize],
            current: None,
            context_at: None,
            device_completed: Vec::new(),
            next_token: 1,
            fragment_lens: Default::default(),
            posted_order: Vec::new(),
            returned: Vec::new(),
            descriptors_since_flush: 0,
            outstanding_descriptors: 0,
            flush_calls: 0,
        }
    }

    fn mask(&self) -> u32 {
        self.size - 1
    }

    fn post(&mut self, lens: &[u16], with_context: bool) {
        let token = self.next_token;
        self.next_token += 1;
        let fragments: Vec<TxFragment> = lens
            .iter()
            .enumerate()
            .map(|(i, &len)| TxFragment {
                addr: fragment_addr(token, i),
                len,
            })
            .collect();
        let context = with_context.then_some(TxContext {
            vlan: 7,
            mac_len: 14,
            ip_len: 20,
            ipv4: true,
            l4: L4Type::Tcp,
            l4_len: 20,
            mss: 0,
        });
        let flags = TxDataFlags {
            l4_checksum: with_context,
            ip_checksum: with_context,
            ..Default::default()
        };
        let request = TxRequest {
            fragments: &fragments,
            context,
            flags,
            tso_payload_len: None,
        };
        let needed = lens.len() as u32 + u32::from(with_context);
        let free_before = self.ring.free_descriptors();
        assert_eq!(
            free_before,
            self.mask() - self.outstanding_descriptors,
            "free-descriptor accounting"
        );
        match self.ring.post(&request, token) {
            Ok(()) => {
                assert!(
                    needed <= free_before,
                    "engine accepted a packet that does not fit"
                );
                self.fragment_lens.insert(token, lens.to_vec());
                self.posted_order.push(token);
                self.descriptors_since_flush += needed;
                self.outstanding_descriptors += needed;
            }
            Err((error, back)) => {
                assert_eq!(back, token, "a refused post hands its token back");
                assert_eq!(error, TxPostError::RingFull);
                assert!(needed > free_before, "engine refused a packet that fits");
            }
        }
    }

    fn flush(&mut self) {
        let writes_before = self.mmio.write_count();
        let wrote = self.ring.flush();
        self.flush_calls += 1;
        let writes = self.mmio.write_count() - writes_before;
        assert_eq!(
            writes,
            usize::from(wrote),
            "one doorbell write at most per flush"
        );
        assert_eq!(
            wrote,
            self.descriptors_since_flush > 0,
            "doorbell iff something was posted"
        );
        if !wrote {
            return;
        }
        let (offset, value) = self.mmio.last_write().unwrap();
        assert_eq!(offset, self.tdt_offset);
        assert!(value < self.size);
        let delta = value.wrapping_sub(self.tail & self.mask()) & self.mask();
        assert_eq!(
            delta, self.descriptors_since_flush,
            "tail moved by exactly the posted descriptors"
        );
        let new_tail = self.tail.wrapping_add(delta);
        // TDT ≠ TDH, and the device never owns more than size - 1 descriptors.
        assert_ne!(value, self.head & self.mask(), "TDT written equal to TDH");
        assert!(new_tail.wrapping_sub(self.head) < self.size);
        let mask = self.mask();
        for step in 0..delta {
            let index = self.tail.wrapping_add(step);
            let content = self.mem.desc(index, self.size);
            let slot = &mut self.slots[(index & mask) as usize];
            assert_eq!(
                *slot,
                Slot::Free,
                "engine handed over a descriptor it does not own"
            );
            *slot = Slot::Device(content);
        }
        self.tail = new_tail;
        self.descriptors_since_flush = 0;
    }

    /// The device processes up to `budget` descriptors.
    fn device(&mut self, budget: u32) {
        for _ in 0..budget {
            if self.head == self.tail {
                return;
            }
            let index = self.head;
            let slot_index = (index & self.mask()) as usize;
            let Slot::Device(snapshot) = self.slots[slot_index] else {
                panic!(
                    "device reached descriptor {index} it does not own: {:?}",
                    self.slots[slot_index]
                );
            };
            let raw = self.mem.desc(index, self.size);
            assert_eq!(
                raw, snapshot,
                "descriptor changed while owned by the device"
            );
            let cmd = raw[1] as u32;
            assert_ne!(cmd & tx_cmd::DEXT, 0, "advanced descriptors only");
            match (cmd >> tx_cmd::DTYP_SHIFT) & 0xF {
                0b0010 => {
                    assert!(
                        self.current.is_none() && self.context_at.is_none(),
                        "context inside a packet"
                    );
                    self.context_at = Some(index);
                    self.slots[slot_index] = Slot::Done(raw);
                }
                0b0011 => {
                    let (token, fragment) = decode_addr(raw[0]);
                    let lens = self.fragment_lens[&token].clone();
                    assert_eq!(cmd & tx_cmd::LEN_MASK, u32::from(lens[fragment]));
                    let inflight = self.current.get_or_insert(InFlight {
                        token,
                        next_fragment: 0,
                        first: index,
                    });
                    assert_eq!(
                        (inflight.token, inflight.next_fragment),
                        (token, fragment),
                        "fragment order"
                    );
                    inflight.next_fragment += 1;
                    let eop = cmd & tx_cmd::EOP != 0;
                    assert_eq!(
                        eop,
                        fragment + 1 == lens.len(),
                        "EOP exactly on the last fragment"
                    );
                    let mut written = raw;
                    if eop {
                        assert_ne!(cmd & tx_cmd::RS, 0, "RS on EOP");
                        written[1] |= 1 << 32; // DD in the status dword
                        self.mem.set_desc(index, self.size, written);
                        let first = self.context_at.take().unwrap_or(inflight.first);
                        self.device_completed.push((token, first, index));
                        self.current = None;
                    } else {
                        assert_eq!(cmd & tx_cmd::RS, 0, "RS only on EOP");
                    }
                    self.slots[slot_index] = Slot::Done(written);
                }
                other => panic!("unknown descriptor type {other:#x}"),
            }
            self.head = self.head.wrapping_add(1);
        }
    }

    fn clean(&mut self, budget: usize) {
        let mut got = Vec::new();
        let count = self.ring.clean(budget, |token| got.push(token));
        assert_eq!(count, got.len());
        assert!(count <= budget);
        let start = self.returned.len();
        for (offset, token) in got.iter().enumerate() {
            let Some(&(expected, first, last)) = self.device_completed.get(start + offset) else {
                panic!("engine completed token {token} the device never finished");
            };
            assert_eq!(*token, expected, "completions in posting order, each once");
            let mask = self.mask();
            for step in 0..=last.wrapping_sub(first) {
                let slot = &mut self.slots[(first.wrapping_add(step) & mask) as usize];
                assert!(matches!(slot, Slot::Done(_)));
                *slot = Slot::Free;
            }
            self.outstanding_descriptors -= last - first + 1;
        }
        self.returned.extend(got);
        // A budget not used up means nothing more was complete.
        if count < budget {
            assert_eq!(
                self.returned.len(),
                self.device_completed.len(),
                "a completed packet was left behind"
            );
        }
    }

    fn check_ownership(&self) {
        for index in 0..self.size {
            match self.slots[index as usize] {
                Slot::Device(snapshot) | Slot::Done(snapshot) => {
                    assert_eq!(
                        self.mem.desc(index, self.size),
                        snapshot,
                        "slot {index} reused before completion"
                    );
                }
                Slot::Free => {}
            }
        }
        let stats = self.ring.stats();
        assert!(stats.doorbells <= stats.flushes && stats.flushes == self.flush_calls);
        assert_eq!(stats.doorbells as usize, self.mmio.write_count());
    }
}

#[derive(Clone, Debug)]
enum Op {
    Post { lens: Vec<u16>, context: bool },
    Flush,
    Device(u32),
    Clean(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (prop::collection::vec(1u16..=1514, 1..=4), any::<bool>())
            .prop_map(|(lens, context)| Op::Post { lens, context }),
        2 => Just(Op::Flush),
        2 => (1u32..=40).prop_map(Op::Device),
        2 => (1usize..=32).prop_map(Op::Clean),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn tx_ring_never_loses_reuses_or_overfills(
        size_log2 in 3u32..=6,
        ops in prop::collection::vec(op(), 1..200),
        drain_at_end in any::<bool>(),
    ) {
        let mut harness = Harness::new(1 << size_log2);
        for op in &ops {
            match op {
                Op::Post { lens, context } => harness.post(lens, *context),
                Op::Flush => harness.flush(),
                Op::Device(budget) => harness.device(*budget),
                Op::Clean(budget) => harness.clean(*budget),
            }
            harness.check_ownership();
        }
        if drain_at_end {
            // Device stopped: every token not completed comes back exactly once, in order.
            let mut drained = Vec::new();
            harness.ring.drain(|token| drained.push(token));
            let mut all = harness.returned.clone();
            all.extend(drained);
            prop_assert_eq!(all, harness.posted_order.clone());
            prop_assert!(harness.ring.is_idle());
            prop_assert_eq!(harness.ring.free_descriptors(), harness.size - 1);
        } else {
            harness.flush();
            harness.device(u32::MAX);
            harness.clean(usize::MAX);
            harness.check_ownership();
            prop_assert_eq!(harness.returned.clone(), harness.posted_order.clone());
            prop_assert!(harness.ring.is_idle());
        }
        let stats = harness.ring.stats();
        prop_assert!(stats.doorbells <= stats.flushes);
        prop_assert_eq!(stats.posted as usize, harness.posted_order.len());
    }
}

fn plain(token: u64, len: u16) -> Vec<TxFragment> {
    vec![TxFragment {
        addr: fragment_addr(token, 0),
        len,
    }]
}

#[test]
fn fresh_ring_memory_is_poisoned_and_drain_re_poisons() {
    let mut harness = Harness::new(8);
    for index in 0..8 {
        assert_eq!(
            harness.mem.desc(index, 8),
            [u64::from_le_bytes([RING_POISON; 8]); 2]
        );
    }
    harness.post(&[60], false);
    assert_ne!(
        harness.mem.desc(0, 8)[0],
        u64::from_le_bytes([RING_POISON; 8])
    );
    harness.ring.drain(|_| {});
    assert_eq!(
        harness.mem.desc(0, 8),
        [u64::from_le_bytes([RING_POISON; 8]); 2]
    );
}

#[test]
fn ring_keeps_one_descriptor_empty() {
    let mut harness = Harness::new(8);
    for _ in 0..7 {
        harness.post(&[60], false);
    }
    assert_eq!(harness.ring.free_descriptors(), 0);
    let fragments = plain(99, 60);
    let refused = harness.ring.post(&TxRequest::plain(&fragments), 99);
    assert_eq!(refused, Err((TxPostError::RingFull, 99)));
    assert_eq!(harness.ring.stats().ring_full, 1);
    harness.flush();
    // Seven descriptors in flight on an 8-entry ring: TDT = 7, TDH = 0.
    assert_eq!(harness.mmio.last_write().unwrap().1, 7);
}

#[test]
fn malformed_requests_hand_the_token_back() {
    let mut harness = Harness::new(16);
    let empty = TxRequest::plain(&[]);
    assert_eq!(
        harness.ring.post(&empty, 1),
        Err((TxPostError::BadFragment, 1))
    );
    let zero = [TxFragment {
        addr: fragment_addr(2, 0),
        len: 0,
    }];
    assert_eq!(
        harness.ring.post(&TxRequest::plain(&zero), 2),
        Err((TxPostError::BadFragment, 2))
    );
    let fragments = plain(3, 100);
    let vlan_without_context = TxRequest {
        flags: TxDataFlags {
            vlan_insert: true,
            ..Default::default()
        },
        ..TxRequest::plain(&fragments)
    };
    assert_eq!(
        harness.ring.post(&vlan_without_context, 3),
        Err((TxPostError::BadContext, 3))
    );
    let many: Vec<TxFragment> = (0..16)
        .map(|i| TxFragment {
            addr: fragment_addr(4, i),
            len: 64,
        })
        .collect();
    assert_eq!(
        harness.ring.post(&TxRequest::plain(&many), 4),
        Err((TxPostError::TooManyDescriptors, 4))
    );
    let huge: Vec<TxFragment> = (0..5)
        .map(|i| TxFragment {
            addr: fragment_addr(5, i),
            len: u16::MAX,
        })
        .collect();
    assert_eq!(
        harness.ring.post(&TxRequest::plain(&huge), 5),
        Err((TxPostError::PayloadTooLong, 5))
    );
    // Nothing was written or counted.
    assert_eq!(harness.ring.stats().posted, 0);
    assert!(harness.ring.is_idle());
    assert!(!harness.ring.flush());
}

#[test]
fn dd_on_a_descriptor_never_handed_over_is_ignored() {
    let mut harness = Harness::new(8);
    harness.post(&[60], false);
    // A rogue DMA write of DD before the tail moved must not complete the packet.
    let mut raw = harness.mem.desc(0, 8);
    raw[1] |= 1 << 32;
    harness.mem.set_desc(0, 8, raw);
    let mut got = Vec::new();
    assert_eq!(harness.ring.clean(8, |token| got.push(token)), 0);
    assert!(got.is_empty());
}

#[test]
fn clean_stops_at_first_incomplete_packet() {
    let mut harness = Harness::new(16);
    harness.post(&[60, 60], false);
    harness.post(&[60], true);
    harness.flush();
    harness.device(1); // first fragment of packet 1 only
    harness.clean(8);
    assert!(harness.returned.is_empty());
    harness.device(2); // finish packet 1, context of packet 2
    harness.clean(8);
    assert_eq!(harness.returned, vec![1]);
    harness.device(1);
    harness.clean(8);
    assert_eq!(harness.returned, vec![1, 2]);
    harness.check_ownership();
}

#[test]
fn construction_rejects_bad_geometry() {
    let doorbell = |_tail: u32| {};
    let small = HeapDma::new(ring_bytes(8) - 1, RING_DMA_BASE);
    assert!(matches!(
        TxRing::<_, u64, _>::new(small, 8, doorbell).err(),
        Some(RingError::RegionTooSmall { .. })
    ));
    let odd = HeapDma::new(ring_bytes(16), RING_DMA_BASE);
    assert_eq!(
        TxRing::<_, u64, _>::new(odd, 12, doorbell).err(),
        Some(RingError::BadSize(12))
    );
    let tiny = HeapDma::new(ring_bytes(16), RING_DMA_BASE);
    assert_eq!(
        TxRing::<_, u64, _>::new(tiny, 4, doorbell).err(),
        Some(RingError::BadSize(4))
    );
    let misaligned = HeapDma::new(ring_bytes(8), RING_DMA_BASE + 64);
    assert!(matches!(
        TxRing::<_, u64, _>::new(misaligned, 8, doorbell).err(),
        Some(RingError::Misaligned(_))
    ));
}
