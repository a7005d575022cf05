//! NBL chains and queues, and NET_BUFFER data access across MDL chains, on fake NDIS objects
//! allocated on the heap.
// Each fake NDIS object is boxed so its address stays fixed while pointers to it are linked.
#![allow(clippy::vec_box)]

use core::ptr::{self, NonNull};

use ndis::buffer::{MDL_SOURCE_IS_NONPAGED_POOL, SystemMappedMdls};
use ndis::nbl::{MAX_CHAIN_LENGTH, NblChain, NblCountedQueue};
use ndis::{NdisError, NetBufferData};
use ndis_abi::*;
use proptest::prelude::*;

/// Heap-allocated fake NBLs, each tagged through `Scratch` with its index.
struct Nbls {
    nbls: Vec<Box<NET_BUFFER_LIST>>,
    nbs: Vec<Box<NET_BUFFER>>,
}

impl Nbls {
    fn new(count: usize) -> Self {
        let nbls = (0..count)
            .map(|index| {
                let mut nbl = Box::new(NET_BUFFER_LIST::zeroed());
                nbl.Scratch = index as PVOID;
                nbl
            })
            .collect();
        Self {
            nbls,
            nbs: Vec::new(),
        }
    }

    fn ptr(&mut self, index: usize) -> NonNull<NET_BUFFER_LIST> {
        NonNull::from(&mut *self.nbls[index])
    }

    /// Links all NBLs in index order and returns the head.
    fn linked(&mut self) -> *mut NET_BUFFER_LIST {
        let pointers: Vec<_> = (0..self.nbls.len())
            .map(|index| self.ptr(index).as_ptr())
            .collect();
        for (index, nbl) in self.nbls.iter_mut().enumerate() {
            nbl.NetBufferListHeader.NetBufferListData.Next =
                pointers.get(index + 1).copied().unwrap_or(ptr::null_mut());
        }
        pointers.first().copied().unwrap_or(ptr::null_mut())
    }

    fn give_net_buffers(&mut self, index: usize, count: usize) {
        let mut previous: *mut NET_BUFFER = ptr::null_mut();
        for _ in 0..count {
            let mut nb = Box::new(NET_BUFFER::zeroed());
            nb.NetBufferHeader.NetBufferData.Next = previous;
            previous = &mut *nb;
            self.nbs.push(nb);
        }
        self.nbls[index]
            .NetBufferListHeader
            .NetBufferListData
            .FirstNetBuffer = previous;
    }
}

fn index_of(nbl: NonNull<NET_BUFFER_LIST>) -> usize {
    // SAFETY: test NBLs live in `Nbls` for the whole test.
    unsafe { nbl.as_ref().Scratch as usize }
}

fn order(chain: &NblChain) -> Vec<usize> {
    chain.iter().map(index_of).collect()
}

#[test]
fn adopting_a_long_chain_finds_its_length_and_tail() {
    let mut nbls = Nbls::new(5000);
    let head = nbls.linked();
    // SAFETY: `head` starts a null-terminated chain of live test NBLs.
    let mut chain = unsafe { NblChain::from_raw(head) }.expect("finite chain");
    assert_eq!(chain.len(), 5000);
    assert_eq!(order(&chain), (0..5000).collect::<Vec<_>>());
    let first = chain.pop_front().expect("non-empty");
    assert_eq!(index_of(first), 0);
    // SAFETY: reading a live test NBL.
    let header = unsafe { first.as_ref() }.NetBufferListHeader;
    // SAFETY: the data member of the plain-data header union.
    let data = unsafe { header.NetBufferListData };
    assert!(data.Next.is_null(), "popped NBL is unlinked");
    assert_eq!(chain.len(), 4999);
    assert_eq!(chain.into_raw(), nbls.ptr(1).as_ptr());
}

#[test]
fn a_cyclic_chain_is_refused_not_walked_forever() {
    let mut nbls = Nbls::new(3);
    let head = nbls.linked();
    let first = nbls.ptr(0).as_ptr();
    nbls.nbls[2].NetBufferListHeader.NetBufferListData.Next = first;
    // SAFETY: a chain of live test NBLs (cyclic on purpose).
    assert!(unsafe { NblChain::from_raw(head) }.is_none());
    const { assert!(MAX_CHAIN_LENGTH >= 1 << 16) };
}

#[test]
fn empty_chain_round_trips_null() {
    // SAFETY: null is an empty chain.
    let chain = unsafe { NblChain::from_raw(ptr::null_mut()) }.expect("empty");
    assert!(chain.is_empty());
    assert!(chain.into_raw().is_null());
}

#[test]
fn counted_queue_counts_net_buffers() {
    let mut nbls = Nbls::new(3);
    nbls.give_net_buffers(0, 2);
    nbls.give_net_buffers(1, 1);
    nbls.give_net_buffers(2, 4);
    let mut queue = NblCountedQueue::new();
    for index in 0..3 {
        let nbl = nbls.ptr(index);
        // SAFETY: a live test NBL, not in any chain.
        unsafe { queue.push_back(nbl) };
    }
    assert_eq!((queue.len(), queue.net_buffer_count()), (3, 7));
    let first = queue.pop_front().expect("non-empty");
    assert_eq!(index_of(first), 0);
    assert_eq!((queue.len(), queue.net_buffer_count()), (2, 5));
    let rest = queue.take_all();
    assert_eq!(order(&rest), vec![1, 2]);
    assert_eq!((queue.len(), queue.net_buffer_count()), (0, 0));
}

proptest! {
    /// Any sequence of pushes, pops, appends and partitions keeps every NBL exactly once and in
    /// FIFO order (checked against a VecDeque model).
    #[test]
    fn queue_operations_match_a_fifo_model(operations in proptest::collection::vec((0u8..4, 1usize..6), 1..60)) {
        let mut nbls = Nbls::new(400);
        let mut next_fresh = 0usize;
        let mut queue = NblChain::new();
        let mut model = std::collections::VecDeque::new();
        let mut popped = Vec::new();
        for (operation, amount) in operations {
            match operation {
                0 => for _ in 0..amount {
                    if next_fresh < 400 {
                        let nbl = nbls.ptr(next_fresh);
                        // SAFETY: a live test NBL never pushed before.
                        unsafe { queue.push_back(nbl) };
                        model.push_back(next_fresh);
                        next_fresh += 1;
                    }
                },
                1 => for _ in 0..amount {
                    let got = queue.pop_front().map(index_of);
                    prop_assert_eq!(got, model.pop_front());
                    if let Some(index) = got { popped.push(index); }
                },
                2 => {
                    let mut other = NblChain::new();
                    for _ in 0..amount {
                        if next_fresh < 400 {
                            let nbl = nbls.ptr(next_fresh);
                            // SAFETY: a live test NBL never pushed before.
                            unsafe { other.push_back(nbl) };
                            model.push_back(next_fresh);
                            next_fresh += 1;
                        }
                    }
                    queue.append(other);
                },
                _ => {
                    let (even, odd) = std::mem::take(&mut queue).partition(|nbl| index_of(nbl) % 2 == 0);
                    let (model_even, model_odd): (Vec<usize>, Vec<usize>) = model.iter().partition(|&&i| i % 2 == 0);
                    prop_assert_eq!(order(&even), model_even.clone());
                    prop_assert_eq!(order(&odd), model_odd.clone());
                    queue = even;
                    queue.append(odd);
                    model = model_even.into_iter().chain(model_odd).collect();
                }
            }
            prop_assert_eq!(queue.len(), model.len());
            prop_assert_eq!(order(&queue), model.iter().copied().collect::<Vec<_>>());
        }
        let mut seen: Vec<usize> = popped.into_iter().chain(model.iter().copied()).collect();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..next_fresh).collect::<Vec<_>>());
    }
}

/// A NET_BUFFER over MDLs holding `pieces`, starting `offset` bytes into the first MDL.
struct FakeNetBuffer {
    _storage: Vec<Vec<u8>>,
    mdls: Vec<Box<MDL>>,
    nb: Box<NET_BUFFER>,
}

impl FakeNetBuffer {
    fn new(pieces: &[&[u8]], offset: u32, length: u32) -> Self {
        let mut storage: Vec<Vec<u8>> = pieces.iter().map(|piece| piece.to_vec()).collect();
        let mut mdls: Vec<Box<MDL>> = storage
            .iter_mut()
            .map(|bytes| {
                let mut mdl = Box::new(MDL::zeroed());
                mdl.MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL;
                mdl.MappedSystemVa = bytes.as_mut_ptr().cast();
                mdl.ByteCount = bytes.len() as u32;
                mdl
            })
            .collect();
        for index in (0..mdls.len().saturating_sub(1)).rev() {
            let next: *mut MDL = &mut *mdls[index + 1];
            mdls[index].Next = next;
        }
        let mut nb = Box::new(NET_BUFFER::zeroed());
        let first: *mut MDL = mdls.first_mut().map_or(ptr::null_mut(), |mdl| &mut **mdl);
        nb.NetBufferHeader.NetBufferData.MdlChain = first;
        nb.NetBufferHeader.NetBufferData.CurrentMdl = first;
        nb.NetBufferHeader.NetBufferData.CurrentMdlOffset = offset;
        nb.NetBufferHeader.NetBufferData.NbDataLength.DataLength = length;
        Self {
            _storage: storage,
            mdls,
            nb,
        }
    }

    fn data(&mut self) -> NetBufferData {
        // SAFETY: the NET_BUFFER and its MDLs live as long as `self`.
        unsafe { NetBufferData::from_raw(&mut *self.nb) }.expect("non-null")
    }
}

#[test]
fn copy_out_spans_mdls_and_honours_the_current_offset() {
    let mut nb = FakeNetBuffer::new(&[b"xxHEAD", b"ER", b"PAYLOAD!"], 2, 14);
    let data = nb.data();
    assert_eq!(data.data_length(), 14);
    let mut out = [0u8; 32];
    let copied = data
        .copy_out(&SystemMappedMdls, 0, &mut out)
        .expect("well formed");
    assert_eq!(&out[..copied], b"HEADERPAYLOAD!");
    let copied = data
        .copy_out(&SystemMappedMdls, 4, &mut out[..5])
        .expect("well formed");
    assert_eq!(&out[..copied], b"ERPAY");
    assert_eq!(
        data.copy_out(&SystemMappedMdls, 40, &mut out)
            .expect("past the end"),
        0
    );
}

#[test]
fn data_length_beyond_the_mdl_chain_is_invalid_data() {
    let mut nb = FakeNetBuffer::new(&[b"abc", b"de"], 0, 9);
    let mut out = [0u8; 16];
    assert_eq!(
        nb.data().copy_out(&SystemMappedMdls, 0, &mut out),
        Err(NdisError::INVALID_DATA)
    );
}

#[test]
fn current_offset_beyond_the_first_mdl_is_invalid_data() {
    let mut nb = FakeNetBuffer::new(&[b"abc", b"de"], 7, 1);
    let mut out = [0u8; 4];
    assert_eq!(
        nb.data().copy_out(&SystemMappedMdls, 0, &mut out),
        Err(NdisError::INVALID_DATA)
    );
}

#[test]
fn an_unmapped_mdl_is_not_dereferenced() {
    let mut nb = FakeNetBuffer::new(&[b"abc"], 0, 3);
    nb.mdls[0].MdlFlags = 0;
    let mut out = [0u8; 4];
    assert_eq!(
        nb.data().copy_out(&SystemMappedMdls, 0, &mut out),
        Err(NdisError::RESOURCES)
    );
}

proptest! {
    /// Splitting a frame across MDLs in any way and starting anywhere yields the same bytes as
    /// a flat copy.
    #[test]
    fn copy_out_matches_a_flat_copy(frame in proptest::collection::vec(any::<u8>(), 1..200),
                                    cuts in proptest::collection::vec(0usize..200, 0..6),
                                    lead in 0usize..8, from in 0usize..220, want in 0usize..220) {
        let mut padded = vec![0xAAu8; lead];
        padded.extend_from_slice(&frame);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut % padded.len()).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut pieces = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([padded.len()]) {
            pieces.push(&padded[start..cut]);
            start = cut;
        }
        // Empty pieces become zero-length MDLs, which are legal and skipped. The frame starts
        // `lead` bytes into the data.
        let mut nb = FakeNetBuffer::new(&pieces, 0, padded.len() as u32);
        let mut out = vec![0u8; want];
        let copied = nb.data().copy_out(&SystemMappedMdls, lead + from, &mut out).expect("well formed");
        let expected: Vec<u8> = frame.iter().copied().skip(from).take(want).collect();
        prop_assert_eq!(&out[..copied], &expected[..]);
    }
}
