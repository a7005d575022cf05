//! One hardware Rx/Tx queue pair: descriptor rings of [`crate::ring`], brought up by
//! [`crate::queue`], with fixed-size DMA buffers (one buffer per frame, one Tx fragment per
//! frame), on whichever BAR it lives in: a PF queue in the PF BAR or a VF's queue 0/1 in the
//! VF BAR (`B`: [`PfBar`](crate::regs::PfBar) or [`VfBar`](crate::regs::VfBar)).
//!
//! This is the hardware queue pair the PF's own pool and the VF use; an NDIS data path with
//! NET_BUFFER_LIST mapping is built on top of the ring engine separately. Every allocation is
//! made once, fallibly, in [`QueuePair::open`]; the data-path calls do not allocate.
//!
//! Order (igb-hardware.md §3 "VF checklist", the same for PF queues; 82576 datasheet
//! 4.5.9/4.5.10): rings allocated, Rx queue programmed and enabled, Tx queue programmed and
//! enabled, then every Rx buffer posted and the tail written once.
//!
//! IRQL: [`QueuePair::open`] and [`QueuePair::shut_down`] poll the queue enable bits for up
//! to [`QUEUE_ENABLE_TIMEOUT`](crate::queue::QUEUE_ENABLE_TIMEOUT) (10 ms) per queue:
//! PASSIVE only. [`QueuePair::send`], [`QueuePair::clean_tx`], [`QueuePair::receive`] and
//! [`QueuePair::abandon`] never wait: DISPATCH-safe.

use alloc::vec::Vec;

use hw_platform::{Clock, DmaAllocError, DmaAllocator, DmaMemory, Mmio};

use crate::queue::{
    QueueError, RingPlacement, disable_rx_queue, disable_tx_queue, enable_rx_queue, enable_tx_queue,
};
use crate::regs::pf::{RxQueueRegs, TxQueueRegs};
use crate::regs::{Bar, Registers};
use crate::ring::{
    MmioDoorbell, RING_ALIGN, RingError, RingStats, RxRing, TxFragment, TxPostError, TxRequest,
    TxRing, ring_bytes,
};

/// Default buffer size: 2 KiB holds a 1522-byte frame (SRRCTL.BSIZEPACKET is in 1 KiB
/// units, igb-hardware.md §4.1).
pub const DEFAULT_BUFFER_LEN: u32 = 2048;
/// Default descriptors per ring.
pub const DEFAULT_RING_SIZE: u32 = 64;
/// Alignment of the data buffers (cache line; the rings need [`RING_ALIGN`]).
const BUFFER_ALIGN: usize = 128;

/// Sizes of a queue pair.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct QueuePairConfig {
    /// Descriptors per ring (power of two, 8..=4096); `descriptors - 1` buffers each way.
    pub descriptors: u32,
    /// Bytes per buffer: a multiple of 1 KiB, 1..=16 KiB, at most the largest Tx fragment
    /// (the largest frame that can be sent or received).
    pub buffer_len: u32,
}

impl Default for QueuePairConfig {
    fn default() -> Self {
        Self {
            descriptors: DEFAULT_RING_SIZE,
            buffer_len: DEFAULT_BUFFER_LEN,
        }
    }
}

/// Why a queue pair operation failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QueuePairError {
    /// Ring size or buffer length out of range (checked before anything is allocated).
    BadConfig(QueuePairConfig),
    /// DMA memory for a ring or buffer could not be allocated.
    Dma(DmaAllocError),
    /// The software ring or the buffer table could not be allocated.
    OutOfMemory,
    /// A ring refused its memory.
    Ring(RingError),
    /// Programming, enabling or disabling a queue failed (timeout, device gone).
    Queue(QueueError),
    /// A frame to send is empty or longer than a buffer.
    FrameLength(usize),
    /// Every Tx buffer is in flight: clean, then retry.
    TxFull,
    /// The Tx ring refused the frame.
    TxPost(TxPostError),
    /// Copying into a DMA buffer failed (engine bug; never expected).
    BufferAccess,
}

impl From<QueueError> for QueuePairError {
    fn from(error: QueueError) -> Self {
        Self::Queue(error)
    }
}

impl From<RingError> for QueuePairError {
    fn from(error: RingError) -> Self {
        Self::Ring(error)
    }
}

impl From<DmaAllocError> for QueuePairError {
    fn from(error: DmaAllocError) -> Self {
        Self::Dma(error)
    }
}

/// Frames that went through the queue pair (wrapping counters).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct QueuePairCounters {
    /// Frames handed to the Tx ring.
    pub sent: u64,
    /// Bytes handed to the Tx ring.
    pub sent_bytes: u64,
    /// Tx completions seen (DD written back).
    pub send_completions: u64,
    /// Frames delivered by [`QueuePair::receive`].
    pub received: u64,
    /// Bytes delivered.
    pub received_bytes: u64,
    /// Frames that arrived but could not be copied out (counted, buffer re-posted).
    pub receive_errors: u64,
    /// Sends refused (full, bad length, ring refusal).
    pub send_errors: u64,
}

type Doorbell<M, B> = MmioDoorbell<M, B>;

/// A hardware queue pair (see the module docs).
pub struct QueuePair<M: Mmio + Clone, B: Bar, A: DmaAllocator> {
    regs: Registers<M, B>,
    rx_queue: RxQueueRegs<B>,
    tx_queue: TxQueueRegs<B>,
    config: QueuePairConfig,
    rx: RxRing<A::Region, usize, Doorbell<M, B>>,
    tx: TxRing<A::Region, usize, Doorbell<M, B>>,
    rx_buffers: Vec<A::Region>,
    tx_buffers: Vec<A::Region>,
    free_tx: Vec<usize>,
    /// Re-post list of one `receive` call (allocated once).
    arrived: Vec<usize>,
    /// One buffer's bytes, copied out of DMA memory for delivery (allocated once).
    scratch: Vec<u8>,
    counters: QueuePairCounters,
}

impl<M: Mmio + Clone, B: Bar, A: DmaAllocator> QueuePair<M, B, A> {
    /// Allocates rings and buffers, programs and enables both queues (Rx first), posts every
    /// Rx buffer and writes the Rx tail once.
    ///
    /// IRQL: PASSIVE only (allocations; the enable polls wait up to 10 ms per queue).
    pub fn open<C: Clock + ?Sized>(
        mmio: M,
        rx_queue: RxQueueRegs<B>,
        tx_queue: TxQueueRegs<B>,
        config: QueuePairConfig,
        dma: &A,
        clock: &C,
    ) -> Result<Self, QueuePairError> {
        let size = config.descriptors;
        let buffer_len = config.buffer_len;
        let config_ok = size.is_power_of_two()
            && (crate::ring::MIN_RING_SIZE..=crate::ring::MAX_RING_SIZE).contains(&size)
            && buffer_len != 0
            && buffer_len % 1024 == 0
            && buffer_len <= 16 * 1024;
        if !config_ok {
            return Err(QueuePairError::BadConfig(config));
        }
        let buffers = (size - 1) as usize;
        let buffer_bytes = buffer_len as usize;
        let regs = Registers::new(mmio.clone());
        let ring_align = RING_ALIGN as usize;
        let mut rx = RxRing::new(
            dma.allocate(ring_bytes(size), ring_align)?,
            size,
            MmioDoorbell::new(mmio.clone(), rx_queue.rdt),
        )?;
        let tx = TxRing::new(
            dma.allocate(ring_bytes(size), ring_align)?,
            size,
            MmioDoorbell::new(mmio, tx_queue.tdt),
        )?;
        let rx_buffers = allocate_buffers(dma, buffers, buffer_bytes)?;
        let tx_buffers = allocate_buffers(dma, buffers, buffer_bytes)?;
        let mut free_tx = Vec::new();
        free_tx
            .try_reserve_exact(buffers)
            .map_err(|_| QueuePairError::OutOfMemory)?;
        free_tx.extend((0..buffers).rev());
        let mut arrived = Vec::new();
        arrived
            .try_reserve_exact(size as usize)
            .map_err(|_| QueuePairError::OutOfMemory)?;
        let mut scratch = Vec::new();
        scratch
            .try_reserve_exact(buffer_bytes)
            .map_err(|_| QueuePairError::OutOfMemory)?;
        scratch.resize(buffer_bytes, 0);

        enable_rx_queue(
            &regs,
            &rx_queue,
            RingPlacement {
                base: rx.dma_base(),
                descriptors: size,
            },
            buffer_len,
            clock,
        )?;
        if let Err(error) = enable_tx_queue(
            &regs,
            &tx_queue,
            RingPlacement {
                base: tx.dma_base(),
                descriptors: size,
            },
            clock,
        ) {
            // Leave nothing running that points at memory about to be freed.
            let _ = disable_rx_queue(&regs, &rx_queue, clock);
            return Err(error.into());
        }
        for (index, buffer) in rx_buffers.iter().enumerate() {
            // size - 1 buffers of a valid length always fit; a refusal is an engine bug and
            // leaves that buffer unposted (visible as a smaller ring in the ring stats).
            let _ = rx.post(buffer.dma_addr(), buffer_len, index);
        }
        rx.flush();
        Ok(Self {
            regs,
            rx_queue,
            tx_queue,
            config,
            rx,
            tx,
            rx_buffers,
            tx_buffers,
            free_tx,
            arrived,
            scratch,
            counters: QueuePairCounters::default(),
        })
    }

    /// Copies `frame` into a free Tx buffer, posts it and rings the doorbell (completed
    /// buffers are reclaimed first).
    ///
    /// IRQL: DISPATCH-safe (no wait, no allocation).
    pub fn send(&mut self, frame: &[u8]) -> Result<(), QueuePairError> {
        self.clean_tx();
        let result = self.post_frame(frame);
        if result.is_err() {
            self.counters.send_errors = self.counters.send_errors.wrapping_add(1);
        }
        result
    }

    fn post_frame(&mut self, frame: &[u8]) -> Result<(), QueuePairError> {
        let len = u16::try_from(frame.len())
            .ok()
            .filter(|len| *len != 0 && u32::from(*len) <= self.config.buffer_len)
            .ok_or(QueuePairError::FrameLength(frame.len()))?;
        let index = self.free_tx.pop().ok_or(QueuePairError::TxFull)?;
        let Some(buffer) = self.tx_buffers.get(index) else {
            return Err(QueuePairError::BufferAccess);
        };
        if buffer.write_bytes(0, frame).is_err() {
            self.free_tx.push(index);
            return Err(QueuePairError::BufferAccess);
        }
        let fragment = [TxFragment {
            addr: buffer.dma_addr(),
            len,
        }];
        if let Err((error, index)) = self.tx.post(&TxRequest::plain(&fragment), index) {
            self.free_tx.push(index);
            return Err(QueuePairError::TxPost(error));
        }
        self.tx.flush();
        self.counters.sent = self.counters.sent.wrapping_add(1);
        self.counters.sent_bytes = self.counters.sent_bytes.wrapping_add(u64::from(len));
        Ok(())
    }

    /// Reclaims completed Tx buffers; returns how many completed.
    ///
    /// IRQL: DISPATCH-safe.
    pub fn clean_tx(&mut self) -> usize {
        let free = &mut self.free_tx;
        let done = self
            .tx
            .clean(self.config.descriptors as usize, |index| free.push(index));
        self.counters.send_completions = self.counters.send_completions.wrapping_add(done as u64);
        done
    }

    /// Hands every received frame (at most one ring's worth) to `deliver`, then re-posts the
    /// buffers and writes the tail once. Returns how many frames were delivered.
    ///
    /// IRQL: DISPATCH-safe (the bytes are copied into a buffer allocated at open).
    pub fn receive(&mut self, mut deliver: impl FnMut(&[u8])) -> usize {
        self.arrived.clear();
        let budget = self.config.descriptors as usize;
        let (buffers, scratch, arrived) = (&self.rx_buffers, &mut self.scratch, &mut self.arrived);
        let counters = &mut self.counters;
        let delivered = self.rx.receive(budget, |packet| {
            let length = usize::from(packet.info.length);
            let copied = match (buffers.get(packet.token), scratch.get_mut(..length)) {
                (Some(buffer), Some(bytes)) => buffer.read_bytes(0, bytes).is_ok(),
                _ => false,
            };
            if copied {
                if let Some(bytes) = scratch.get(..length) {
                    deliver(bytes);
                }
                counters.received = counters.received.wrapping_add(1);
                counters.received_bytes = counters.received_bytes.wrapping_add(length as u64);
            } else {
                counters.receive_errors = counters.receive_errors.wrapping_add(1);
            }
            // Reserved to the ring size at open; a ring never delivers more than its budget.
            if arrived.len() < arrived.capacity() {
                arrived.push(packet.token);
            }
        });
        for token in &self.arrived {
            if let Some(buffer) = self.rx_buffers.get(*token) {
                // The slot was just freed by `receive`; a refusal would be an engine bug,
                // and the buffer then stays unposted (visible as a smaller ring).
                let _ = self
                    .rx
                    .post(buffer.dma_addr(), self.config.buffer_len, *token);
            }
        }
        self.rx.flush();
        delivered
    }

    /// Tx buffers in flight (posted, not yet completed).
    pub fn tx_in_flight(&self) -> usize {
        self.tx_buffers.len().saturating_sub(self.free_tx.len())
    }

    /// Counters of this pair.
    pub const fn counters(&self) -> QueuePairCounters {
        self.counters
    }

    /// The ring engine's own statistics (Rx, Tx).
    pub const fn ring_stats(&self) -> (RingStats, RingStats) {
        (self.rx.stats(), self.tx.stats())
    }

    /// The sizes in use.
    pub const fn config(&self) -> QueuePairConfig {
        self.config
    }

    /// Stops both queues (waiting until the hardware reports them stopped), takes every
    /// buffer back from the rings and frees the memory. Both queues are disabled even if the
    /// first one times out; the first error is returned, with the counters lost.
    ///
    /// IRQL: PASSIVE only (up to 10 ms per queue).
    pub fn shut_down<C: Clock + ?Sized>(
        mut self,
        clock: &C,
    ) -> Result<QueuePairCounters, QueuePairError> {
        let rx = disable_rx_queue(&self.regs, &self.rx_queue, clock);
        let tx = disable_tx_queue(&self.regs, &self.tx_queue, clock);
        self.rx.drain(|_| {});
        self.tx.drain(|_| {});
        rx?;
        tx?;
        Ok(self.counters)
    }

    /// Forgets the queues without touching the registers: the device was reset under us (a
    /// PF reset, a VF reset) and its queue registers are already cleared. The buffers come
    /// back and are freed.
    ///
    /// IRQL: DISPATCH-safe (no register access, no wait).
    pub fn abandon(mut self) -> QueuePairCounters {
        self.rx.drain(|_| {});
        self.tx.drain(|_| {});
        self.counters
    }
}

fn allocate_buffers<A: DmaAllocator>(
    dma: &A,
    count: usize,
    len: usize,
) -> Result<Vec<A::Region>, QueuePairError> {
    let mut buffers = Vec::new();
    buffers
        .try_reserve_exact(count)
        .map_err(|_| QueuePairError::OutOfMemory)?;
    for _ in 0..count {
        buffers.push(dma.allocate(len, BUFFER_ALIGN)?);
    }
    Ok(buffers)
}
