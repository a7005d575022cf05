//! Transmit ring.

use alloc::vec::Vec;
use core::sync::atomic::{Ordering, fence};

use hw_platform::{DmaAddr, DmaMemory};

use super::desc::{self, TxContext, TxDataFlags};
use super::{Doorbell, HwRing, RingError, RingStats, slots};

/// One buffer of a packet to send.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TxFragment {
    /// Device address of the bytes.
    pub addr: DmaAddr,
    /// Length in bytes (1..=65535; one descriptor each).
    pub len: u16,
}

/// A packet to post: its fragments and offloads.
#[derive(Clone, Copy, Debug)]
pub struct TxRequest<'a> {
    /// The frame's buffers, in order.
    pub fragments: &'a [TxFragment],
    /// A context descriptor to emit before the data (checksum/TSO/VLAN parameters; slot 0).
    pub context: Option<TxContext>,
    /// Offload flags for the data descriptors.
    pub flags: TxDataFlags,
    /// TSO only: L4 payload length (PAYLEN); otherwise PAYLEN is the frame length.
    pub tso_payload_len: Option<u32>,
}

impl<'a> TxRequest<'a> {
    /// A plain send of `fragments` without offloads.
    #[must_use]
    pub const fn plain(fragments: &'a [TxFragment]) -> Self {
        Self {
            fragments,
            context: None,
            flags: TxDataFlags {
                vlan_insert: false,
                tso: false,
                ip_checksum: false,
                l4_checksum: false,
            },
            tso_payload_len: None,
        }
    }

    fn descriptor_count(&self) -> usize {
        self.fragments.len() + usize::from(self.context.is_some())
    }
}

/// Why a Tx post was refused (the token is handed back with it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TxPostError {
    /// Not enough free descriptors now; retry after cleaning.
    RingFull,
    /// The packet needs more descriptors than the ring can ever hold.
    TooManyDescriptors,
    /// No fragments, or a zero-length fragment.
    BadFragment,
    /// Offload flags need a context (VLAN insert, TSO) or a context field is out of range.
    BadContext,
    /// PAYLEN does not fit its 18-bit field.
    PayloadTooLong,
    /// Descriptor memory access failed (engine bug).
    Dma,
}

struct TxSlot<T> {
    /// Set on a packet's first descriptor only.
    token: Option<T>,
    /// Free-running index of the packet's EOP descriptor (valid with `token`).
    last: u32,
}

/// A transmit ring: hardware descriptors plus the software ring of per-packet tokens.
pub struct TxRing<D, T, Db> {
    hw: HwRing<D>,
    slots: Vec<TxSlot<T>>,
    next_to_use: u32,
    next_to_clean: u32,
    tail_written: u32,
    doorbell: Db,
    stats: RingStats,
}

impl<D: DmaMemory, T, Db: Doorbell> TxRing<D, T, Db> {
    /// A ring of `size` descriptors in `memory` (poisoned here). The caller programs
    /// TDBAL/TDBAH/TDLEN from [`TxRing::dma_base`] and [`TxRing::byte_len`] and TDH = TDT = 0.
    pub fn new(memory: D, size: u32, doorbell: Db) -> Result<Self, RingError> {
        let hw = HwRing::new(memory, size)?;
        let slots = slots(size, || TxSlot {
            token: None,
            last: 0,
        })?;
        Ok(Self {
            hw,
            slots,
            next_to_use: 0,
            next_to_clean: 0,
            tail_written: 0,
            doorbell,
            stats: RingStats::default(),
        })
    }

    /// Device address of descriptor 0 (for TDBAL/TDBAH).
    pub fn dma_base(&self) -> DmaAddr {
        self.hw.memory.dma_addr()
    }

    /// Ring length in bytes (for TDLEN).
    pub const fn byte_len(&self) -> u32 {
        self.hw.size * desc::DESC_SIZE as u32
    }

    /// Ring size in descriptors.
    pub const fn size(&self) -> u32 {
        self.hw.size
    }

    /// Counters.
    pub const fn stats(&self) -> RingStats {
        self.stats
    }

    /// The doorbell (e.g. to inspect a test double).
    pub const fn doorbell(&self) -> &Db {
        &self.doorbell
    }

    /// Descriptors that can be posted now: the ring never holds more than `size - 1`.
    pub const fn free_descriptors(&self) -> u32 {
        self.hw.mask() - self.next_to_use.wrapping_sub(self.next_to_clean)
    }

    /// Descriptors posted but not yet given to the device by `flush`.
    pub const fn unflushed(&self) -> u32 {
        self.next_to_use.wrapping_sub(self.tail_written)
    }

    /// Whether no packet is outstanding.
    pub const fn is_idle(&self) -> bool {
        self.next_to_use == self.next_to_clean
    }

    /// Writes a packet's descriptors (context first, then one data descriptor per fragment,
    /// EOP + RS on the last). Nothing is visible to the device until [`TxRing::flush`].
    pub fn post(&mut self, request: &TxRequest<'_>, token: T) -> Result<(), (TxPostError, T)> {
        self.post_inner(request, token, false)
    }

    /// As [`TxRing::post`] for a request without a context whose flags (VLAN insert, TSO) use
    /// the context an earlier packet on this ring loaded into slot 0: the device keeps a
    /// queue's context until the next context descriptor (82576 datasheet 7.2.10.2; Linux and
    /// DPDK cache it the same way). The caller tracks what slot 0 holds and forgets it when the
    /// ring is drained (a reset clears it).
    pub fn post_reusing_context(
        &mut self,
        request: &TxRequest<'_>,
        token: T,
    ) -> Result<(), (TxPostError, T)> {
        self.post_inner(request, token, true)
    }

    #[inline]
    fn post_inner(
        &mut self,
        request: &TxRequest<'_>,
        token: T,
        context_loaded: bool,
    ) -> Result<(), (TxPostError, T)> {
        let count = request.descriptor_count();
        if count > self.hw.mask() as usize {
            return Err((TxPostError::TooManyDescriptors, token));
        }
        if count > self.free_descriptors() as usize {
            self.stats.ring_full = self.stats.ring_full.wrapping_add(1);
            return Err((TxPostError::RingFull, token));
        }
        let Some((paylen, context_slot)) = validate(request, context_loaded) else {
            return Err((classify(request, context_loaded), token));
        };
        let first = self.next_to_use;
        let mut index = first;
        if let Some(context) = request.context {
            let Some(raw) = context.encode(0) else {
                return Err((TxPostError::BadContext, token));
            };
            if self.hw.write(index, raw).is_err() {
                self.stats.dma_errors = self.stats.dma_errors.wrapping_add(1);
                return Err((TxPostError::Dma, token));
            }
            index = index.wrapping_add(1);
        }
        let fragments = request.fragments.len();
        for (position, fragment) in request.fragments.iter().enumerate() {
            let last = position + 1 == fragments;
            let raw = desc::tx_data(
                fragment.addr,
                fragment.len,
                last,
                request.flags,
                paylen,
                context_slot,
            );
            let written = match raw {
                Some(raw) => self.hw.write(index, raw).is_ok(),
                None => false,
            };
            if !written {
                self.stats.dma_errors = self.stats.dma_errors.wrapping_add(1);
                return Err((TxPostError::Dma, token));
            }
            index = index.wrapping_add(1);
        }
        // Commit only after every descriptor is written: a failed post leaves no trace.
        let slot = &mut self.slots[(first & self.hw.mask()) as usize];
        slot.token = Some(token);
        slot.last = index.wrapping_sub(1);
        self.next_to_use = index;
        self.stats.posted = self.stats.posted.wrapping_add(1);
        // `count` ≤ size - 1 ≤ 4095.
        self.stats.descriptors = self.stats.descriptors.wrapping_add(count as u64);
        Ok(())
    }

    /// Hands every posted descriptor to the device with one tail write; returns whether the
    /// doorbell was written (not when nothing was posted since the last flush).
    pub fn flush(&mut self) -> bool {
        self.stats.flushes = self.stats.flushes.wrapping_add(1);
        if self.next_to_use == self.tail_written {
            return false;
        }
        // Descriptor writes must be visible to the device before the tail moves.
        fence(Ordering::Release);
        self.doorbell.ring(self.next_to_use & self.hw.mask());
        self.tail_written = self.next_to_use;
        self.stats.doorbells = self.stats.doorbells.wrapping_add(1);
        true
    }

    /// Reclaims up to `budget` completed packets, in posting order, calling `completed` with
    /// each token. A packet is complete when its EOP descriptor has DD. Only descriptors
    /// already handed to the device are examined. Returns how many packets completed.
    pub fn clean(&mut self, budget: usize, mut completed: impl FnMut(T)) -> usize {
        let mut done = 0;
        while done < budget && self.next_to_clean != self.tail_written {
            let slot_index = (self.next_to_clean & self.hw.mask()) as usize;
            let last = self.slots[slot_index].last;
            // The EOP must lie inside the flushed region; anything else is an engine bug.
            let span = last.wrapping_sub(self.next_to_clean);
            if self.slots[slot_index].token.is_none()
                || span >= self.tail_written.wrapping_sub(self.next_to_clean)
            {
                self.stats.dma_errors = self.stats.dma_errors.wrapping_add(1);
                break;
            }
            // DD is in the upper quadword (7.2.3.2.4 write-back); the lower one is not read.
            match self.hw.read_upper(last) {
                Ok(raw) if desc::tx_done(raw) => {}
                Ok(_) => break,
                Err(_) => {
                    self.stats.dma_errors = self.stats.dma_errors.wrapping_add(1);
                    break;
                }
            }
            if let Some(token) = self.slots[slot_index].token.take() {
                completed(token);
            }
            self.next_to_clean = last.wrapping_add(1);
            self.stats.completed = self.stats.completed.wrapping_add(1);
            done += 1;
        }
        done
    }

    /// After the device's queue is stopped (TXDCTL.ENABLE clear or reset): hands back every
    /// outstanding token in order, re-poisons the ring and restarts at index 0. The caller then
    /// reprograms TDH = TDT = 0.
    pub fn drain(&mut self, mut outstanding: impl FnMut(T)) {
        for slot in self.slots.iter_mut() {
            slot.last = 0;
        }
        let mut index = self.next_to_clean;
        while index != self.next_to_use {
            let slot = &mut self.slots[(index & self.hw.mask()) as usize];
            if let Some(token) = slot.token.take() {
                outstanding(token);
            }
            index = index.wrapping_add(1);
        }
        self.hw.poison();
        self.next_to_use = 0;
        self.next_to_clean = 0;
        self.tail_written = 0;
    }
}

/// `(PAYLEN, context slot)` for a well-formed request.
#[inline]
fn validate(request: &TxRequest<'_>, context_loaded: bool) -> Option<(u32, Option<u8>)> {
    // One pass: no zero-length fragment, and the frame length.
    let mut total = 0u32;
    for fragment in request.fragments {
        if fragment.len == 0 {
            return None;
        }
        total = total.checked_add(u32::from(fragment.len))?;
    }
    if request.fragments.is_empty() {
        return None;
    }
    let needs_context = request.flags.vlan_insert || request.flags.tso;
    if needs_context && request.context.is_none() && !context_loaded {
        return None;
    }
    let paylen = if request.flags.tso {
        request.tso_payload_len?
    } else {
        total
    };
    if paylen > desc::tx_olinfo::PAYLEN_MAX {
        return None;
    }
    Some((paylen, request.context.map(|_| 0)))
}

/// Which rule a request failed (called only when [`validate`] rejected it).
fn classify(request: &TxRequest<'_>, context_loaded: bool) -> TxPostError {
    if request.fragments.is_empty() || request.fragments.iter().any(|fragment| fragment.len == 0) {
        TxPostError::BadFragment
    } else if (request.flags.vlan_insert || request.flags.tso)
        && request.context.is_none()
        && !context_loaded
        || request.flags.tso && request.tso_payload_len.is_none()
    {
        TxPostError::BadContext
    } else {
        TxPostError::PayloadTooLong
    }
}
