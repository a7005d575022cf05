//! NBL chains and queues.
//!
//! NDIS hands a miniport a chain of `NET_BUFFER_LIST`s linked through `Next`; the miniport
//! owns them until it completes or returns them. These types own NBLs by raw pointer and keep
//! head and tail separately, so they can be moved freely (no self-referential `Last` pointer as
//! in ndis-driver-library's `NBL_QUEUE`).
//!
//! Invariant shared by all types here: every NBL reachable from a chain or queue is a valid
//! `NET_BUFFER_LIST` that the holder of the chain/queue owns exclusively, and the `Next` links
//! of the NBLs form exactly the chain described (the tail's `Next` is null).

use core::ptr::{self, NonNull};

use ndis_abi::NET_BUFFER_LIST;

/// Longest chain walked when adopting a chain from NDIS. Longer (or cyclic) chains are refused
/// instead of hanging the caller.
pub const MAX_CHAIN_LENGTH: usize = 1 << 20;

/// Reads an NBL's `Next` link.
///
/// # Safety
/// `nbl` is a valid `NET_BUFFER_LIST` that the caller may read.
unsafe fn next_of(nbl: NonNull<NET_BUFFER_LIST>) -> Option<NonNull<NET_BUFFER_LIST>> {
    // SAFETY: the caller guarantees `nbl` is valid for reads.
    let header = unsafe { nbl.as_ref() }.NetBufferListHeader;
    // SAFETY: the header union is plain data; `NetBufferListData` is the member chains use.
    NonNull::new(unsafe { header.NetBufferListData }.Next)
}

/// Writes an NBL's `Next` link.
///
/// # Safety
/// `nbl` is a valid `NET_BUFFER_LIST` that the caller owns exclusively.
unsafe fn set_next(nbl: NonNull<NET_BUFFER_LIST>, next: Option<NonNull<NET_BUFFER_LIST>>) {
    let next = next.map_or(ptr::null_mut(), NonNull::as_ptr);
    // SAFETY: the caller guarantees `nbl` is valid for writes and exclusively owned.
    let header = unsafe { &mut (*nbl.as_ptr()).NetBufferListHeader };
    // SAFETY: the header union is plain data; `NetBufferListData` is the member chains use.
    let data = unsafe { &mut header.NetBufferListData };
    data.Next = next;
}

/// A null-terminated chain of NBLs with its head, tail and length.
#[derive(Debug, Default)]
pub struct NblChain {
    ends: Option<(NonNull<NET_BUFFER_LIST>, NonNull<NET_BUFFER_LIST>)>,
    len: usize,
}

// SAFETY: an `NblChain` owns its NBLs exclusively (module invariant); NBLs may be handed between
// processors (NDIS completes sends and returns receives on any processor).
unsafe impl Send for NblChain {}

impl NblChain {
    /// An empty chain.
    #[must_use]
    pub const fn new() -> Self {
        Self { ends: None, len: 0 }
    }

    /// Adopts a chain NDIS handed over (e.g. in `MiniportSendNetBufferLists`), walking it once
    /// to find the tail and length. Returns `None` if the chain is longer than
    /// [`MAX_CHAIN_LENGTH`] (or cyclic), leaving it untouched.
    ///
    /// # Safety
    /// `head` is null or the first NBL of a null-terminated chain of valid NBLs whose ownership
    /// passes to the returned chain.
    #[must_use]
    pub unsafe fn from_raw(head: *mut NET_BUFFER_LIST) -> Option<Self> {
        let Some(head) = NonNull::new(head) else {
            return Some(Self::new());
        };
        let mut tail = head;
        let mut len = 1usize;
        // SAFETY: every NBL of the chain is valid for reads (caller's contract).
        while let Some(next) = unsafe { next_of(tail) } {
            len += 1;
            if len > MAX_CHAIN_LENGTH {
                return None;
            }
            tail = next;
        }
        Some(Self {
            ends: Some((head, tail)),
            len,
        })
    }

    /// Gives the chain back as a raw head pointer (null when empty), e.g. to complete it.
    #[must_use]
    pub fn into_raw(self) -> *mut NET_BUFFER_LIST {
        self.ends.map_or(ptr::null_mut(), |(head, _)| head.as_ptr())
    }

    /// The head pointer without giving up ownership.
    #[must_use]
    pub fn head(&self) -> Option<NonNull<NET_BUFFER_LIST>> {
        self.ends.map(|(head, _)| head)
    }

    /// Number of NBLs.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the chain is empty.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.ends.is_none()
    }

    /// Detaches and returns the first NBL (its `Next` is cleared).
    pub fn pop_front(&mut self) -> Option<NonNull<NET_BUFFER_LIST>> {
        let (head, tail) = self.ends?;
        // SAFETY: `head` is a valid NBL we own (module invariant).
        let next = unsafe { next_of(head) };
        self.ends = next.map(|next| (next, tail));
        self.len -= 1;
        // SAFETY: `head` is a valid NBL we own; it leaves the chain.
        unsafe { set_next(head, None) };
        Some(head)
    }

    /// Appends one NBL.
    ///
    /// # Safety
    /// `nbl` is a valid NBL whose ownership passes to the chain, not already in any chain.
    pub unsafe fn push_back(&mut self, nbl: NonNull<NET_BUFFER_LIST>) {
        // SAFETY: the caller passes ownership of a valid NBL.
        unsafe { set_next(nbl, None) };
        self.link_back(nbl, nbl, 1);
    }

    /// Appends another chain in O(1).
    pub fn append(&mut self, other: NblChain) {
        if let Some((head, tail)) = other.ends {
            self.link_back(head, tail, other.len);
        }
    }

    fn link_back(
        &mut self,
        head: NonNull<NET_BUFFER_LIST>,
        tail: NonNull<NET_BUFFER_LIST>,
        count: usize,
    ) {
        match &mut self.ends {
            None => self.ends = Some((head, tail)),
            Some((_, old_tail)) => {
                // SAFETY: `old_tail` is a valid NBL we own (module invariant).
                unsafe { set_next(*old_tail, Some(head)) };
                *old_tail = tail;
            }
        }
        self.len += count;
    }

    /// Iterates over the NBLs (read-only walk of the links).
    pub fn iter(&self) -> impl Iterator<Item = NonNull<NET_BUFFER_LIST>> + '_ {
        let mut cursor = self.head();
        let mut remaining = self.len;
        core::iter::from_fn(move || {
            let current = cursor?;
            if remaining == 0 {
                return None;
            }
            remaining -= 1;
            // SAFETY: `current` is a valid NBL of this chain (module invariant).
            cursor = unsafe { next_of(current) };
            Some(current)
        })
    }

    /// Splits the chain into `(matching, rest)` by a predicate, keeping the order in each
    /// (NDL's `NdisClassifyNblChain` with two classes).
    pub fn partition(
        mut self,
        mut predicate: impl FnMut(NonNull<NET_BUFFER_LIST>) -> bool,
    ) -> (Self, Self) {
        let mut matching = Self::new();
        let mut rest = Self::new();
        while let Some(nbl) = self.pop_front() {
            let target = if predicate(nbl) {
                &mut matching
            } else {
                &mut rest
            };
            // SAFETY: `nbl` was just detached from a chain we owned.
            unsafe { target.push_back(nbl) };
        }
        (matching, rest)
    }
}

/// A FIFO of NBLs (O(1) push, pop and append); [`NblChain`] under a queue-shaped name.
pub type NblQueue = NblChain;

/// A FIFO of NBLs that also counts the `NET_BUFFER`s it holds (for send queues, where work is
/// counted in packets, not lists).
#[derive(Debug, Default)]
pub struct NblCountedQueue {
    chain: NblChain,
    net_buffers: usize,
}

impl NblCountedQueue {
    /// An empty queue.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            chain: NblChain::new(),
            net_buffers: 0,
        }
    }

    /// Number of NBLs.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.chain.len()
    }

    /// Whether the queue is empty.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.chain.is_empty()
    }

    /// Number of NET_BUFFERs across all queued NBLs.
    #[must_use]
    pub const fn net_buffer_count(&self) -> usize {
        self.net_buffers
    }

    /// Appends one NBL, counting its NET_BUFFERs.
    ///
    /// # Safety
    /// As [`NblChain::push_back`].
    pub unsafe fn push_back(&mut self, nbl: NonNull<NET_BUFFER_LIST>) {
        // SAFETY: forwarded caller contract: `nbl` is valid and now ours.
        let count = unsafe { net_buffer_count(nbl) };
        // SAFETY: forwarded caller contract.
        unsafe { self.chain.push_back(nbl) };
        self.net_buffers = self.net_buffers.saturating_add(count);
    }

    /// Appends a whole chain.
    pub fn append(&mut self, chain: NblChain) {
        for nbl in chain.iter() {
            // SAFETY: `nbl` belongs to `chain`, which we own (module invariant).
            let count = unsafe { net_buffer_count(nbl) };
            self.net_buffers = self.net_buffers.saturating_add(count);
        }
        self.chain.append(chain);
    }

    /// Removes the first NBL.
    pub fn pop_front(&mut self) -> Option<NonNull<NET_BUFFER_LIST>> {
        let nbl = self.chain.pop_front()?;
        // SAFETY: `nbl` was ours (module invariant) and is valid.
        let count = unsafe { net_buffer_count(nbl) };
        self.net_buffers = self.net_buffers.saturating_sub(count);
        Some(nbl)
    }

    /// Takes everything as a chain, leaving the queue empty.
    pub fn take_all(&mut self) -> NblChain {
        self.net_buffers = 0;
        core::mem::take(&mut self.chain)
    }
}

/// Longest NET_BUFFER list walked in one NBL; longer (or cyclic) lists count as this many.
pub const MAX_NET_BUFFERS_PER_NBL: usize = 1 << 16;

/// Counts the NET_BUFFERs of an NBL (bounded by [`MAX_NET_BUFFERS_PER_NBL`]).
///
/// # Safety
/// `nbl` is a valid NBL whose NET_BUFFER list the caller may read.
pub unsafe fn net_buffer_count(nbl: NonNull<NET_BUFFER_LIST>) -> usize {
    // SAFETY: caller's contract: `nbl` is valid for reads.
    let header = unsafe { nbl.as_ref() }.NetBufferListHeader;
    // SAFETY: the header union's data member is the one NBLs use (plain data).
    let mut cursor = unsafe { header.NetBufferListData }.FirstNetBuffer;
    let mut count = 0usize;
    while !cursor.is_null() && count < MAX_NET_BUFFERS_PER_NBL {
        count += 1;
        // SAFETY: `cursor` is a NET_BUFFER of a valid NBL (caller's contract).
        let nb_header = unsafe { (*cursor).NetBufferHeader };
        // SAFETY: NET_BUFFER_DATA is the member NET_BUFFERs use (plain data).
        cursor = unsafe { nb_header.NetBufferData }.Next;
    }
    count
}
