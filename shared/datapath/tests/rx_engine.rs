//! Rx engine against a device writing frames and write-backs into ring memory: byte-exact
//! indication chains with checksum/VLAN/hash info, bad write-backs dropped and re-posted, the
//! RESOURCES decision, returns re-posting, outstanding counts, foreign returns.

use std::cell::RefCell;
use std::rc::Rc;

use hw_platform::{DmaAllocator, DmaMemory};
use igb::ring::desc::{RxWriteBack, rx_error, rx_status};
use igb::ring::{RxRing, ring_bytes};
use igb_datapath::rx::{RxConfig, RxEngine};
use igb_model::{DmaArena, DmaRegion};
use ndis::NblChain;
use ndis::buffer::SystemMappedMdls;
use ndis::receive::HeapNblAllocator;
use ndis::test_nbl::{HeapNblArena, NbSpec, NblSpec};
use ndis_abi::*;

type Bell = Box<dyn FnMut(u32)>;

struct Rig {
    engine: RxEngine<DmaRegion, HeapNblAllocator, Bell>,
    arena: DmaArena,
    base: u64,
    size: u32,
    head: u32,
    tails: Rc<RefCell<Vec<u32>>>,
}

const BUFFER: usize = 2048;

impl Rig {
    fn new(size: u32, buffers: usize, low_water: u32) -> Self {
        let arena = DmaArena::new();
        let tails: Rc<RefCell<Vec<u32>>> = Rc::default();
        let record = tails.clone();
        let bell: Bell = Box::new(move |t| record.borrow_mut().push(t));
        let memory = arena.allocate(ring_bytes(size), 128).unwrap();
        let base = memory.dma_addr().as_u64();
        let ring = RxRing::new(memory, size, bell).unwrap();
        let regions = (0..buffers)
            .map(|_| arena.allocate(BUFFER, 128).unwrap())
            .collect();
        let engine = RxEngine::new(
            ring,
            regions,
            HeapNblAllocator,
            RxConfig {
                low_water,
                ..RxConfig::default()
            },
        )
        .unwrap();
        Self {
            engine,
            arena,
            base,
            size,
            head: 0,
            tails,
        }
    }

    /// The device receives `frame` into the next posted buffer; `false` if none is posted.
    fn deliver(&mut self, frame: &[u8], wb: RxWriteBack) -> bool {
        let tail = *self.tails.borrow().last().unwrap();
        if self.head == tail {
            return false;
        }
        let at = self.base + u64::from(self.head) * 16;
        let addr = self.arena.read_u64(at).unwrap();
        self.arena.write(addr, frame).unwrap();
        let raw = wb.encode();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&raw[0].to_le_bytes());
        bytes[8..].copy_from_slice(&raw[1].to_le_bytes());
        self.arena.write(at, &bytes).unwrap();
        self.head = (self.head + 1) % self.size;
        true
    }
}

fn good(len: u16) -> RxWriteBack {
    RxWriteBack {
        rss_type: 0,
        packet_type: 0,
        rss_hash: 0,
        status: rx_status::DD | rx_status::EOP,
        errors: 0,
        length: len,
        vlan: 0,
    }
}

fn frames_of(chain: &mut NblChain) -> Vec<(Vec<u8>, ndis::OwnedNbl)> {
    let mut out = Vec::new();
    while let Some(nbl) = chain.pop_owned() {
        let nb = nbl.first_net_buffer().unwrap();
        let mut data = vec![0u8; nb.data_length()];
        nb.copy_out(&SystemMappedMdls, 0, &mut data).unwrap();
        out.push((data, nbl));
    }
    out
}

#[test]
fn every_frame_size_arrives_byte_exact_and_returns_repost() {
    let mut rig = Rig::new(64, 96, 4);
    let mut outstanding_max = 0;
    for len in 60..=1518u16 {
        let frame: Vec<u8> = (0..len).map(|i| (i as u8) ^ (len as u8)).collect();
        assert!(rig.deliver(&frame, good(len)));
        let mut indication = rig.engine.poll(64);
        assert_eq!(
            indication.flags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL,
            NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL
        );
        assert_eq!(indication.chain.len(), 1);
        outstanding_max = outstanding_max.max(rig.engine.outstanding());
        let got = frames_of(&mut indication.chain);
        assert_eq!(got[0].0, frame, "length {len}");
        let mut back = NblChain::new();
        for (_, nbl) in got {
            back.push_owned(nbl);
        }
        assert!(rig.engine.return_nbls(back).is_empty());
        assert_eq!(rig.engine.outstanding(), 0);
    }
    assert_eq!(outstanding_max, 1);
    assert_eq!(rig.engine.counters().frames, 1518 - 60 + 1);
}

#[test]
fn offload_results_go_into_the_nbl_info() {
    let mut rig = Rig::new(16, 24, 2);
    let frame = vec![0xAB; 100];
    let mut wb = good(100);
    wb.status |= rx_status::IPCS | rx_status::L4CS | rx_status::VP;
    wb.errors = rx_error::L4E;
    wb.vlan = (5 << 13) | 42;
    wb.packet_type = 0x10 | 0x1; // TCP over IPv4
    wb.rss_type = 1;
    wb.rss_hash = 0xCAFE_F00D;
    rig.deliver(&frame, wb);
    let mut indication = rig.engine.poll(16);
    let got = frames_of(&mut indication.chain);
    let nbl = &got[0].1;
    let csum = nbl.checksum_info();
    assert_eq!(csum.Receive_IpChecksumSucceeded(), 1);
    assert_eq!(csum.Receive_TcpChecksumFailed(), 1);
    assert_eq!(csum.Receive_TcpChecksumSucceeded(), 0);
    assert_eq!(
        csum.Receive_UdpChecksumFailed(),
        0,
        "TCP frame: UDP flags untouched"
    );
    let q = nbl.ieee8021q_info();
    assert_eq!((q.VlanId(), q.UserPriority()), (42, 5));
    assert_eq!(
        nbl.hash(),
        (0xCAFE_F00D, 0x200 | 1),
        "TCP/IPv4 Toeplitz hash"
    );
    assert_eq!(rig.engine.counters().checksum_errors, 1);
}

#[test]
fn bad_write_backs_are_counted_dropped_and_reposted() {
    let mut rig = Rig::new(16, 15, 0);
    let frame = vec![1u8; 64];
    let mut too_long = good(64);
    too_long.length = (BUFFER + 1) as u16; // more than the buffer holds
    let mut crc = good(64);
    crc.errors = rx_error::RXE;
    rig.deliver(&frame, too_long);
    rig.deliver(&frame, crc);
    rig.deliver(&frame, good(64));
    let posted_before = rig.engine.ring().posted();
    let mut indication = rig.engine.poll(16);
    assert_eq!(
        indication.chain.len(),
        1,
        "only the good frame is indicated"
    );
    assert_eq!(rig.engine.ring().stats().bad_writebacks, 2);
    assert_eq!(
        rig.engine.ring().posted(),
        posted_before - 1,
        "bad buffers went back on the ring"
    );
    assert_eq!(frames_of(&mut indication.chain)[0].0, frame);
}

#[test]
fn low_pool_indicates_with_resources_and_budget_requeues() {
    // 8-descriptor ring (7 posted), exactly 7 buffers: NDIS holding them empties the ring.
    let mut rig = Rig::new(8, 7, 5);
    for _ in 0..5 {
        assert!(rig.deliver(&[7u8; 60], good(60)));
    }
    let indication = rig.engine.poll(3);
    assert!(indication.more, "budget of 3 with 5 waiting: requeue");
    assert_eq!(indication.chain.len(), 3);
    assert_eq!(
        indication.flags & NDIS_RECEIVE_FLAGS_RESOURCES,
        NDIS_RECEIVE_FLAGS_RESOURCES
    );
    // With RESOURCES the NBLs are back at once: return them, the ring fills again.
    assert!(rig.engine.return_nbls(indication.chain).is_empty());
    assert_eq!(rig.engine.outstanding(), 0);
    let indication = rig.engine.poll(8);
    assert!(!indication.more);
    assert_eq!(indication.chain.len(), 2);
    assert_eq!(
        indication.flags & NDIS_RECEIVE_FLAGS_RESOURCES,
        0,
        "7 - 2 = 5 posted, not below 5"
    );
    assert_eq!(rig.engine.outstanding(), 2);
    let chain = indication.chain;
    assert!(rig.engine.return_nbls(chain).is_empty());
}

#[test]
fn foreign_and_double_returns_are_refused() {
    let mut rig = Rig::new(8, 7, 0);
    rig.deliver(&[1u8; 60], good(60));
    let indication = rig.engine.poll(8);
    let ours = indication.chain.head().unwrap();
    let mut arena = HeapNblArena::new();
    let mut chain = arena.build(&NblSpec {
        net_buffers: vec![NbSpec::split(&[0u8; 60], &[])],
        ..Default::default()
    });
    chain.append(indication.chain);
    let foreign = rig.engine.return_nbls(chain);
    assert_eq!(foreign.len(), 1);
    assert_ne!(foreign.head().unwrap(), ours);
    assert_eq!(rig.engine.counters().foreign_returns, 1);
    assert_eq!(rig.engine.outstanding(), 0);
}

/// A write-back for one buffer of a multi-buffer frame (DD, no EOP).
fn fragment(len: u16) -> RxWriteBack {
    RxWriteBack {
        status: rx_status::DD,
        ..good(len)
    }
}

fn jumbo_rig(buffers: usize, max_frame: u32) -> Rig {
    let mut rig = Rig::new(32, buffers, 0);
    rig.engine = {
        // Rebuild with a jumbo limit (the ring the rig records tails for is the new one).
        let arena = rig.arena.clone();
        let tails = rig.tails.clone();
        tails.borrow_mut().clear();
        let record = tails.clone();
        let bell: Bell = Box::new(move |t| record.borrow_mut().push(t));
        let memory = arena.allocate(ring_bytes(32), 128).unwrap();
        rig.base = memory.dma_addr().as_u64();
        let ring = RxRing::new(memory, 32, bell).unwrap();
        let regions = (0..buffers)
            .map(|_| arena.allocate(BUFFER, 128).unwrap())
            .collect();
        RxEngine::new(
            ring,
            regions,
            HeapNblAllocator,
            RxConfig {
                low_water: 0,
                max_frame,
                ..RxConfig::default()
            },
        )
        .unwrap()
    };
    rig.head = 0;
    rig
}

/// Delivers `frame` over as many 2 KiB buffers as it needs (EOP on the last), with
/// `last_errors` on the EOP write-back.
fn deliver_jumbo(rig: &mut Rig, frame: &[u8], last_errors: u32) {
    let chunks: Vec<&[u8]> = frame.chunks(BUFFER).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let wb = if i + 1 == chunks.len() {
            RxWriteBack {
                errors: last_errors,
                ..good(chunk.len() as u16)
            }
        } else {
            fragment(chunk.len() as u16)
        };
        assert!(rig.deliver(chunk, wb));
    }
}

#[test]
fn a_frame_over_several_buffers_is_one_nbl_over_their_mdls_even_across_passes() {
    let mut rig = jumbo_rig(40, 9018);
    let frame: Vec<u8> = (0..9014u32).map(|i| (i * 7) as u8).collect();
    deliver_jumbo(&mut rig, &frame, 0);
    // A budget of 3 descriptors ends the first pass in the middle of the frame.
    let first = rig.engine.poll(3);
    assert!(first.chain.is_empty(), "no EOP yet");
    assert!(first.more);
    let mut second = rig.engine.poll(16);
    let got = frames_of(&mut second.chain);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, frame);
    assert_eq!(
        rig.engine.outstanding(),
        5,
        "every buffer of the frame is lent"
    );
    assert_eq!(rig.engine.counters().multi_buffer_frames, 1);
    let mut back = NblChain::new();
    for (_, nbl) in got {
        back.push_owned(nbl);
    }
    assert!(rig.engine.return_nbls(back).is_empty());
    assert_eq!(rig.engine.outstanding(), 0);
    assert_eq!(
        rig.engine.ring().posted() as usize + rig.engine.spare(),
        40,
        "every returned buffer is posted or spare"
    );
    // The buffers are reusable for single-buffer frames (their MDLs unlinked).
    let small = vec![9u8; 100];
    for _ in 0..60 {
        assert!(rig.deliver(&small, good(100)));
        let mut indication = rig.engine.poll(16);
        let got = frames_of(&mut indication.chain);
        assert_eq!(got[0].0, small);
        let mut back = NblChain::new();
        for (_, nbl) in got {
            back.push_owned(nbl);
        }
        let _ = rig.engine.return_nbls(back);
    }
}

#[test]
fn broken_multi_buffer_frames_are_dropped_whole_and_every_buffer_reposted() {
    let mut rig = jumbo_rig(31, 9018);
    let frame: Vec<u8> = (0..9014u32).map(|i| i as u8).collect();
    // An error on the EOP descriptor.
    deliver_jumbo(&mut rig, &frame, rx_error::RXE);
    // A short non-last buffer (the device always fills a buffer before moving on).
    assert!(rig.deliver(&frame[..1000], fragment(1000)));
    assert!(rig.deliver(&frame[..1000], good(1000)));
    // Longer than max_frame (9018): 5 × 2048.
    let long = vec![3u8; 5 * BUFFER];
    deliver_jumbo(&mut rig, &long, 0);
    let indication = rig.engine.poll(32);
    assert!(indication.chain.is_empty(), "nothing indicated");
    assert_eq!(rig.engine.counters().dropped_frames, 3);
    assert_eq!(rig.engine.outstanding(), 0);
    assert_eq!(rig.engine.spare(), 0, "every buffer back on the ring");
    // And a good jumbo frame still arrives.
    deliver_jumbo(&mut rig, &frame, 0);
    let mut indication = rig.engine.poll(32);
    let got = frames_of(&mut indication.chain);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, frame);
}

#[test]
fn indications_off_drops_and_reposts_every_frame() {
    // Fewer buffers than frames: the test only passes if each dropped buffer is reposted.
    let mut rig = Rig::new(8, 8, 1);
    rig.engine.set_indicate(false);
    for number in 0..40u8 {
        let frame = vec![number; 64];
        assert!(
            rig.deliver(&frame, good(64)),
            "frame {number}: a buffer is posted"
        );
        let indication = rig.engine.poll(64);
        assert!(indication.chain.is_empty(), "frame {number} indicated");
    }
    assert_eq!(rig.engine.outstanding(), 0);
    assert_eq!(rig.engine.counters().filtered, 40);
    assert_eq!(rig.engine.counters().frames, 0);
    rig.engine.set_indicate(true);
    let frame = vec![0xAB; 64];
    assert!(rig.deliver(&frame, good(64)));
    let mut indication = rig.engine.poll(64);
    let got = frames_of(&mut indication.chain);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, frame);
    let mut back = NblChain::new();
    for (_, nbl) in got {
        back.push_owned(nbl);
    }
    assert!(rig.engine.return_nbls(back).is_empty());
}
