//! Test support: a device that consumes Tx descriptors from ring memory the way the 82576
//! does (contexts per queue, data gathered from the buffers, DD written into the EOP
//! descriptor), a mapper that maps NET_BUFFER data into DMA memory, NBL helpers.
#![allow(dead_code, missing_docs)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use hw_platform::{DmaAddr, DmaAllocator, DmaMemory};
use igb::ring::{TxRing, ring_bytes};
use igb_datapath::tx::{MapOutcome, TxConfig, TxEngine, TxMapper, TxToken};
use igb_model::{DmaArena, DmaRegion};
use ndis::NetBufferData;
use ndis::buffer::SystemMappedMdls;
use ndis_abi::*;

pub type Tail = Rc<RefCell<Vec<u32>>>;
pub type Bell = Box<dyn FnMut(u32)>;

/// A mapped list: the data copied into DMA memory (like an IOMMU would map it), in elements.
pub struct FakeList {
    pub region: DmaRegion,
    pub elements: Vec<(DmaAddr, u32)>,
    pub tag: u32,
}

#[derive(Default)]
pub struct MapperState {
    pub live: usize,
    pub maps: usize,
    pub unmaps: usize,
    pub pending: Vec<(u32, NetBufferData)>,
}

pub struct FakeMapper {
    pub arena: DmaArena,
    pub asynchronous: bool,
    pub fail: bool,
    pub element_len: u32,
    pub state: Rc<RefCell<MapperState>>,
}

impl FakeMapper {
    pub fn build(&self, nb: &NetBufferData, tag: u32) -> FakeList {
        let len = nb.data_length();
        let region = self.arena.allocate(len.max(1), 64).unwrap();
        let mut data = vec![0u8; len];
        assert_eq!(nb.copy_out(&SystemMappedMdls, 0, &mut data).unwrap(), len);
        region.write_bytes(0, &data).unwrap();
        let mut elements = Vec::new();
        let mut at = 0u32;
        while (at as usize) < len {
            let take = self.element_len.min(len as u32 - at);
            elements.push((region.dma_addr_at(at as usize).unwrap(), take));
            at += take;
        }
        self.state.borrow_mut().live += 1;
        FakeList {
            region,
            elements,
            tag,
        }
    }
}

impl TxMapper for FakeMapper {
    type List = FakeList;
    fn map(&mut self, nb: &NetBufferData, tag: u32) -> Result<MapOutcome<FakeList>, NDIS_STATUS> {
        if self.fail {
            return Err(NDIS_STATUS_RESOURCES);
        }
        self.state.borrow_mut().maps += 1;
        if self.asynchronous {
            self.state.borrow_mut().pending.push((tag, *nb));
            return Ok(MapOutcome::Pending);
        }
        Ok(MapOutcome::Ready(self.build(nb, tag)))
    }
    fn element_count(&self, list: &FakeList) -> usize {
        list.elements.len()
    }
    fn element(&self, list: &FakeList, index: usize) -> Option<(DmaAddr, u32)> {
        list.elements.get(index).copied()
    }
    fn unmap(&mut self, _list: FakeList, _nb: &NetBufferData) {
        let mut state = self.state.borrow_mut();
        state.live -= 1;
        state.unmaps += 1;
    }
}

/// One frame the device sent.
#[derive(Clone, Debug)]
pub struct WireFrame {
    pub data: Vec<u8>,
    /// cmd_type_len of the first data descriptor.
    pub cmd: u32,
    /// olinfo_status of the first data descriptor.
    pub olinfo: u32,
    /// The context slot 0 at the time: [vlan_macip_lens, seqnum, type_tucmd_mlhl, mss_l4len_idx].
    pub context: [u32; 4],
    pub descriptors: usize,
}

/// The device side of one Tx queue.
pub struct Device {
    pub arena: DmaArena,
    pub ring_base: u64,
    pub size: u32,
    pub head: u32,
    pub context: [u32; 4],
    pub context_descriptors: usize,
    pub frames: Vec<WireFrame>,
}

impl Device {
    /// Processes descriptors up to `tail` (at most `limit` packets).
    pub fn run(&mut self, tail: u32, limit: usize) {
        let mut sent = 0;
        let mut frame = Vec::new();
        let mut first: Option<(u32, u32)> = None;
        let mut descriptors = 0;
        let mut start = self.head;
        while self.head != tail && sent < limit {
            let at = self.ring_base + u64::from(self.head) * 16;
            let mut raw = [0u8; 16];
            self.arena.read(at, &mut raw).unwrap();
            let word = |i: usize| u32::from_le_bytes(raw[i * 4..i * 4 + 4].try_into().unwrap());
            let dtyp = (word(2) >> 20) & 0xF;
            descriptors += 1;
            if dtyp == 0b0010 {
                self.context = [word(0), word(1), word(2), word(3)];
                self.context_descriptors += 1;
            } else {
                assert_eq!(dtyp, 0b0011, "data descriptor type");
                let addr = u64::from_le_bytes(raw[0..8].try_into().unwrap());
                let len = (word(2) & 0xFFFF) as usize;
                let mut bytes = vec![0u8; len];
                self.arena.read(addr, &mut bytes).unwrap();
                frame.extend_from_slice(&bytes);
                if first.is_none() {
                    first = Some((word(2), word(3)));
                }
                if word(2) & (1 << 24) != 0 {
                    let (cmd, olinfo) = first.take().unwrap();
                    self.frames.push(WireFrame {
                        data: std::mem::take(&mut frame),
                        cmd,
                        olinfo,
                        context: self.context,
                        descriptors,
                    });
                    descriptors = 0;
                    // DD in the EOP descriptor's status (dword 3 bit 0).
                    self.arena.write_u32(at + 12, word(3) | 1).unwrap();
                    sent += 1;
                    self.head = (self.head + 1) % self.size;
                    start = self.head;
                    continue;
                }
            }
            self.head = (self.head + 1) % self.size;
        }
        // A partial packet is not consumed.
        self.head = start;
    }
}

pub struct Harness {
    pub engine: TxEngine<DmaRegion, FakeMapper, Bell>,
    pub device: Device,
    pub tails: Tail,
    pub mapper: Rc<RefCell<MapperState>>,
    pub arena: DmaArena,
}

impl Harness {
    pub fn new(size: u32, config: TxConfig, asynchronous: bool) -> Self {
        let arena = DmaArena::new();
        let tails: Tail = Rc::default();
        let record = tails.clone();
        let bell: Bell = Box::new(move |tail| record.borrow_mut().push(tail));
        let memory = arena.allocate(ring_bytes(size), 128).unwrap();
        let ring_base = memory.dma_addr().as_u64();
        let ring = TxRing::<DmaRegion, TxToken<FakeList>, Bell>::new(memory, size, bell).unwrap();
        let bounce = arena
            .allocate(((size - 1) * config.bounce_threshold.max(1)) as usize, 128)
            .unwrap();
        let state = Rc::new(RefCell::new(MapperState::default()));
        let mapper = FakeMapper {
            arena: arena.clone(),
            asynchronous,
            fail: false,
            element_len: 700,
            state: state.clone(),
        };
        let engine = TxEngine::new(ring, bounce, mapper, config).unwrap();
        Self {
            engine,
            device: Device {
                arena: arena.clone(),
                ring_base,
                size,
                head: 0,
                context: [0; 4],
                context_descriptors: 0,
                frames: Vec::new(),
            },
            tails,
            mapper: state,
            arena,
        }
    }

    /// Lets the device send everything the last tail write gave it (up to `limit` packets).
    pub fn device_run(&mut self, limit: usize) {
        if let Some(&tail) = self.tails.borrow().last() {
            self.device.run(tail, limit);
        }
    }
}

/// xorshift64*.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Drains a completion chain into (nbl address → status), asserting each NBL once.
pub fn collect(chain: ndis::NblChain, seen: &mut HashMap<usize, NDIS_STATUS>) {
    let mut chain = chain;
    while let Some(nbl) = chain.pop_owned() {
        let key = nbl.as_raw().as_ptr() as usize;
        assert!(
            seen.insert(key, nbl.status()).is_none(),
            "NBL {key:#x} completed twice"
        );
    }
}
