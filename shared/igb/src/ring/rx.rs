//! Receive ring.

use alloc::vec::Vec;
use core::sync::atomic::{Ordering, fence};

use hw_platform::{DmaAddr, DmaMemory};

use super::desc::{self, BadWriteBack, RxFrameInfo, RxWriteBack};
use super::{Doorbell, HwRing, RingError, RingStats, slots};

/// A received frame handed to the upper layer.
#[derive(Debug)]
pub struct RxPacket<T> {
    /// The token posted with the buffer.
    pub token: T,
    /// The buffer the frame is in.
    pub buffer: DmaAddr,
    /// What the validated write-back reported (length ≤ posted buffer length).
    pub info: RxFrameInfo,
}

/// What [`RxRing::receive_events`] reports for each descriptor it examined.
#[derive(Debug)]
pub enum RxEvent<T> {
    /// A valid write-back: a whole frame, or (on a multi-buffer ring) one buffer of a frame
    /// that ends at the next descriptor with [`RxFrameInfo::end_of_packet`].
    Packet(RxPacket<T>),
    /// An invalid write-back; its buffer was re-posted. A frame in progress is broken.
    Rejected {
        /// Why.
        reason: BadWriteBack,
        /// The descriptor carried EOP (so the next descriptor starts a new frame).
        end_of_packet: bool,
    },
}

/// Why an Rx post was refused (the token is handed back with it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RxPostError {
    /// `size - 1` buffers are already posted.
    RingFull,
    /// Zero-length buffer, or longer than a descriptor can describe (64 KiB).
    BadLength,
    /// Descriptor memory access failed (engine bug).
    Dma,
}

struct RxSlot<T> {
    token: Option<T>,
    buffer: DmaAddr,
    len: u32,
}

/// A receive ring: hardware descriptors plus the software ring of per-buffer tokens.
pub struct RxRing<D, T, Db> {
    hw: HwRing<D>,
    slots: Vec<RxSlot<T>>,
    next_to_use: u32,
    next_to_clean: u32,
    tail_written: u32,
    doorbell: Db,
    stats: RingStats,
    last_rejection: Option<BadWriteBack>,
    multi_buffer: bool,
}

/// Largest buffer one descriptor can take (16-bit write-back length).
const MAX_BUFFER_LEN: u32 = 0xFFFF;

impl<D: DmaMemory, T, Db: Doorbell> RxRing<D, T, Db> {
    /// A ring of `size` descriptors in `memory` (poisoned here). The caller programs
    /// RDBAL/RDBAH/RDLEN, SRRCTL (one buffer, size ≥ every posted buffer's frame limit) and
    /// RDH = RDT = 0, posts buffers and then calls [`RxRing::flush`].
    pub fn new(memory: D, size: u32, doorbell: Db) -> Result<Self, RingError> {
        let hw = HwRing::new(memory, size)?;
        let slots = slots(size, || RxSlot {
            token: None,
            buffer: DmaAddr::new(0),
            len: 0,
        })?;
        Ok(Self {
            hw,
            slots,
            next_to_use: 0,
            next_to_clean: 0,
            tail_written: 0,
            doorbell,
            stats: RingStats::default(),
            last_rejection: None,
            multi_buffer: false,
        })
    }

    /// Device address of descriptor 0 (for RDBAL/RDBAH).
    pub fn dma_base(&self) -> DmaAddr {
        self.hw.memory.dma_addr()
    }

    /// Ring length in bytes (for RDLEN).
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

    /// The most recent rejected write-back (for diagnostics).
    pub const fn last_rejection(&self) -> Option<BadWriteBack> {
        self.last_rejection
    }

    /// The doorbell (e.g. to inspect a test double).
    pub const fn doorbell(&self) -> &Db {
        &self.doorbell
    }

    /// Accept frames that span several buffers (DD without EOP delivered as a fragment), for a
    /// queue whose SRRCTL.BSIZEPACKET is below the largest frame RLPML admits. Off by default:
    /// then a missing EOP is rejected as [`BadWriteBack::MissingEop`].
    pub fn set_multi_buffer(&mut self, on: bool) {
        self.multi_buffer = on;
    }

    /// Buffers that can be posted now (at most `size - 1` are ever posted).
    pub const fn free_slots(&self) -> u32 {
        self.hw.mask() - self.next_to_use.wrapping_sub(self.next_to_clean)
    }

    /// Buffers posted (flushed or not) and not yet received.
    pub const fn posted(&self) -> u32 {
        self.next_to_use.wrapping_sub(self.next_to_clean)
    }

    /// Buffers posted but not yet given to the device by `flush`.
    pub const fn unflushed(&self) -> u32 {
        self.next_to_use.wrapping_sub(self.tail_written)
    }

    /// Posts a receive buffer of `len` bytes at `buffer`. Not visible to the device until
    /// [`RxRing::flush`].
    pub fn post(&mut self, buffer: DmaAddr, len: u32, token: T) -> Result<(), (RxPostError, T)> {
        if len == 0 || len > MAX_BUFFER_LEN {
            return Err((RxPostError::BadLength, token));
        }
        if self.free_slots() == 0 {
            self.stats.ring_full = self.stats.ring_full.wrapping_add(1);
            return Err((RxPostError::RingFull, token));
        }
        let index = self.next_to_use;
        if self.hw.write(index, desc::rx_read(buffer)).is_err() {
            self.stats.dma_errors = self.stats.dma_errors.wrapping_add(1);
            return Err((RxPostError::Dma, token));
        }
        self.slots[(index & self.hw.mask()) as usize] = RxSlot {
            token: Some(token),
            buffer,
            len,
        };
        self.next_to_use = index.wrapping_add(1);
        self.stats.descriptors = self.stats.descriptors.wrapping_add(1);
        self.stats.posted = self.stats.posted.wrapping_add(1);
        Ok(())
    }

    /// Hands every posted buffer to the device with one tail write; returns whether the
    /// doorbell was written.
    pub fn flush(&mut self) -> bool {
        self.stats.flushes = self.stats.flushes.wrapping_add(1);
        if self.next_to_use == self.tail_written {
            return false;
        }
        fence(Ordering::Release);
        self.doorbell.ring(self.next_to_use & self.hw.mask());
        self.tail_written = self.next_to_use;
        self.stats.doorbells = self.stats.doorbells.wrapping_add(1);
        true
    }

    /// Examines up to `budget` descriptors the device was given, in order. Each valid
    /// write-back is handed to `deliver`; each invalid one is counted, remembered in
    /// [`RxRing::last_rejection`], and its buffer re-posted with the same token (visible to the
    /// device at the next [`RxRing::flush`]). Stops at the first descriptor not yet done.
    /// Returns the number of frames delivered.
    pub fn receive(&mut self, budget: usize, mut deliver: impl FnMut(RxPacket<T>)) -> usize {
        self.receive_events(budget, |event| {
            if let RxEvent::Packet(packet) = event {
                deliver(packet);
            }
        })
    }

    /// As [`RxRing::receive`], reporting rejected write-backs too (after re-posting their
    /// buffers), so that a caller assembling multi-buffer frames can drop the frame a
    /// rejected buffer belonged to.
    pub fn receive_events(&mut self, budget: usize, mut deliver: impl FnMut(RxEvent<T>)) -> usize {
        let mut examined = 0;
        let mut delivered = 0;
        while examined < budget && self.next_to_clean != self.tail_written {
            let index = self.next_to_clean;
            let Some(raw) = self.read_write_back(index) else {
                self.stats.dma_errors = self.stats.dma_errors.wrapping_add(1);
                break;
            };
            let write_back = RxWriteBack::decode(raw);
            let verdict = if write_back.done() {
                let slot = &self.slots[(index & self.hw.mask()) as usize];
                if self.multi_buffer {
                    write_back.validate_fragment(slot.len)
                } else {
                    write_back.validate(slot.len)
                }
            } else if write_back.status & desc::rx_status::EOP != 0 {
                // Hardware writes DD and EOP in the same byte, so EOP alone is corruption.
                Err(BadWriteBack::EopWithoutDone)
            } else {
                break;
            };
            let mask = self.hw.mask();
            if verdict.is_err() {
                // Re-post the buffer before touching the software ring, so a failed descriptor
                // write leaves everything as it was. The slot at `next_to_use` differs from
                // this one because at most `size - 1` buffers are ever posted.
                let buffer = self.slots[(index & mask) as usize].buffer;
                if self
                    .hw
                    .write(self.next_to_use, desc::rx_read(buffer))
                    .is_err()
                {
                    self.stats.dma_errors = self.stats.dma_errors.wrapping_add(1);
                    break;
                }
            }
            examined += 1;
            let slot = &mut self.slots[(index & mask) as usize];
            let Some(token) = slot.token.take() else {
                // Every flushed slot holds a token; a missing one is an engine bug.
                self.stats.dma_errors = self.stats.dma_errors.wrapping_add(1);
                break;
            };
            let (buffer, len) = (slot.buffer, slot.len);
            self.next_to_clean = index.wrapping_add(1);
            match verdict {
                Ok(info) => {
                    self.stats.completed = self.stats.completed.wrapping_add(1);
                    delivered += 1;
                    deliver(RxEvent::Packet(RxPacket {
                        token,
                        buffer,
                        info,
                    }));
                }
                Err(reason) => {
                    self.stats.bad_writebacks = self.stats.bad_writebacks.wrapping_add(1);
                    self.last_rejection = Some(reason);
                    let reposted = self.next_to_use;
                    self.slots[(reposted & mask) as usize] = RxSlot {
                        token: Some(token),
                        buffer,
                        len,
                    };
                    self.next_to_use = reposted.wrapping_add(1);
                    self.stats.descriptors = self.stats.descriptors.wrapping_add(1);
                    deliver(RxEvent::Rejected {
                        reason,
                        end_of_packet: write_back.status & desc::rx_status::EOP != 0,
                    });
                }
            }
        }
        delivered
    }

    /// Reads descriptor `index`; once DD is seen, orders the following reads after it and reads
    /// the whole descriptor again, so length and errors come from the same write-back as DD
    /// (the Linux `dma_rmb()` after the status check).
    /// The first read takes only the status quadword (DD, EOP): a descriptor not yet done is
    /// returned as `[0, qw1]`, which is all the caller looks at then.
    fn read_write_back(&self, index: u32) -> Option<desc::RawDesc> {
        let raw = self.hw.read_upper(index).ok()?;
        if !RxWriteBack::decode(raw).done() {
            return Some(raw);
        }
        fence(Ordering::Acquire);
        self.hw.read(index).ok()
    }

    /// After the device's queue is stopped (RXDCTL.ENABLE clear or reset): hands back every
    /// posted token in order, re-poisons the ring and restarts at index 0. The caller then
    /// reprograms RDH = RDT = 0.
    pub fn drain(&mut self, mut outstanding: impl FnMut(T)) {
        let mut index = self.next_to_clean;
        while index != self.next_to_use {
            if let Some(token) = self.slots[(index & self.hw.mask()) as usize].token.take() {
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
