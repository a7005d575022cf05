//! One Rx/Tx queue pair driven by the project's ring engine (`igb::ring`) and brought up by
//! `igb::queue`, on whichever BAR it lives in: the PF's own queue or a VF's queue 0. Buffers
//! are 2 KiB DMA regions from the platform's allocator; one Tx fragment per frame.

use hw_platform::{Clock, DmaAllocator, DmaMemory, Mmio};
use igb::queue::{
    RingPlacement, disable_rx_queue, disable_tx_queue, enable_rx_queue, enable_tx_queue,
};
use igb::regs::pf::{RxQueueRegs, TxQueueRegs};
use igb::regs::{Bar, Registers};
use igb::ring::{MmioDoorbell, RingStats, RxRing, TxFragment, TxRequest, TxRing, ring_bytes};

/// Size of every Rx and Tx buffer (SRRCTL.BSIZEPACKET is in 1 KiB units).
pub const BUFFER_LEN: usize = 2048;
/// Descriptors per ring.
pub const RING_SIZE: u32 = 64;

/// Frames and bytes that went through the queue pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortCounters {
    /// Frames handed to the Tx ring.
    pub sent: u64,
    /// Tx completions seen (DD written back).
    pub send_completions: u64,
    /// Frames received.
    pub received: u64,
}

type Doorbell<M, B> = MmioDoorbell<M, B>;

/// A queue pair (see module docs).
pub struct Port<M: Mmio + Clone, B: Bar, A: DmaAllocator> {
    regs: Registers<M, B>,
    rx_queue: RxQueueRegs<B>,
    tx_queue: TxQueueRegs<B>,
    rx: RxRing<A::Region, usize, Doorbell<M, B>>,
    tx: TxRing<A::Region, usize, Doorbell<M, B>>,
    rx_buffers: Vec<A::Region>,
    tx_buffers: Vec<A::Region>,
    free_tx: Vec<usize>,
    counters: PortCounters,
}

impl<M: Mmio + Clone, B: Bar, A: DmaAllocator> Port<M, B, A> {
    /// Allocates rings and buffers, programs both queues and posts every Rx buffer.
    pub fn open<C: Clock + ?Sized>(
        mmio: M,
        rx_queue: RxQueueRegs<B>,
        tx_queue: TxQueueRegs<B>,
        dma: &A,
        clock: &C,
    ) -> Result<Self, String> {
        let regs = Registers::new(mmio.clone());
        let ring_memory = |what: &str| {
            dma.allocate(ring_bytes(RING_SIZE), 128)
                .map_err(|error| format!("{what} ring memory: {error:?}"))
        };
        let mut rx = RxRing::new(
            ring_memory("rx")?,
            RING_SIZE,
            MmioDoorbell::new(mmio.clone(), rx_queue.rdt),
        )
        .map_err(|error| format!("rx ring: {error:?}"))?;
        let tx = TxRing::new(
            ring_memory("tx")?,
            RING_SIZE,
            MmioDoorbell::new(mmio, tx_queue.tdt),
        )
        .map_err(|error| format!("tx ring: {error:?}"))?;
        let buffer = |what: &str| {
            dma.allocate(BUFFER_LEN, 128)
                .map_err(|error| format!("{what} buffer: {error:?}"))
        };
        let rx_buffers = (0..RING_SIZE - 1)
            .map(|_| buffer("rx"))
            .collect::<Result<Vec<_>, _>>()?;
        let tx_buffers = (0..RING_SIZE - 1)
            .map(|_| buffer("tx"))
            .collect::<Result<Vec<_>, _>>()?;

        enable_rx_queue(
            &regs,
            &rx_queue,
            RingPlacement {
                base: rx.dma_base(),
                descriptors: RING_SIZE,
            },
            BUFFER_LEN as u32,
            clock,
        )
        .map_err(|error| format!("enable rx queue: {error:?}"))?;
        enable_tx_queue(
            &regs,
            &tx_queue,
            RingPlacement {
                base: tx.dma_base(),
                descriptors: RING_SIZE,
            },
            clock,
        )
        .map_err(|error| format!("enable tx queue: {error:?}"))?;
        for (index, buffer) in rx_buffers.iter().enumerate() {
            rx.post(buffer.dma_addr(), BUFFER_LEN as u32, index)
                .map_err(|(error, _)| format!("post rx buffer {index}: {error:?}"))?;
        }
        rx.flush();
        let free_tx = (0..tx_buffers.len()).rev().collect();
        Ok(Self {
            regs,
            rx_queue,
            tx_queue,
            rx,
            tx,
            rx_buffers,
            tx_buffers,
            free_tx,
            counters: PortCounters::default(),
        })
    }

    /// Queues `frame` for transmission and rings the doorbell.
    pub fn send(&mut self, frame: &[u8]) -> Result<(), String> {
        self.clean_tx();
        if frame.is_empty() || frame.len() > BUFFER_LEN {
            return Err(format!("frame of {} bytes", frame.len()));
        }
        let index = self.free_tx.pop().ok_or("no free tx buffer")?;
        let buffer = &self.tx_buffers[index];
        if let Err(error) = buffer.write_bytes(0, frame) {
            self.free_tx.push(index);
            return Err(format!("tx buffer write: {error:?}"));
        }
        let fragment = [TxFragment {
            addr: buffer.dma_addr(),
            len: frame.len() as u16,
        }];
        if let Err((error, index)) = self.tx.post(&TxRequest::plain(&fragment), index) {
            self.free_tx.push(index);
            return Err(format!("tx post: {error:?}"));
        }
        self.tx.flush();
        self.counters.sent += 1;
        Ok(())
    }

    /// Reclaims completed Tx buffers.
    pub fn clean_tx(&mut self) {
        let free = &mut self.free_tx;
        let done = self.tx.clean(RING_SIZE as usize, |index| free.push(index));
        self.counters.send_completions += done as u64;
    }

    /// Hands every received frame (up to the ring size) to `deliver` and re-posts the
    /// buffers. Returns how many frames arrived.
    pub fn receive(&mut self, mut deliver: impl FnMut(&[u8])) -> usize {
        let mut arrived = Vec::new();
        let buffers = &self.rx_buffers;
        self.rx.receive(RING_SIZE as usize, |packet| {
            let mut bytes = vec![0u8; usize::from(packet.info.length)];
            if buffers[packet.token].read_bytes(0, &mut bytes).is_ok() {
                arrived.push((packet.token, bytes));
            } else {
                arrived.push((packet.token, Vec::new()));
            }
        });
        for (token, bytes) in &arrived {
            if !bytes.is_empty() {
                deliver(bytes);
            }
            let buffer = self.rx_buffers[*token].dma_addr();
            // The slot was just freed by `receive`; a refusal would be an engine bug, and
            // the buffer then simply stays unposted (visible as a smaller ring).
            let _ = self.rx.post(buffer, BUFFER_LEN as u32, *token);
        }
        self.rx.flush();
        self.counters.received += arrived.len() as u64;
        arrived.len()
    }

    /// Counters of this port.
    pub const fn counters(&self) -> PortCounters {
        self.counters
    }

    /// The ring engine's own statistics (Rx, Tx).
    pub const fn ring_stats(&self) -> (RingStats, RingStats) {
        (self.rx.stats(), self.tx.stats())
    }

    /// Stops both queues and takes every buffer back from the rings (before a reset, or at
    /// the end). The port cannot be used afterwards.
    pub fn shut_down<C: Clock + ?Sized>(mut self, clock: &C) -> Result<PortCounters, String> {
        let rx = disable_rx_queue(&self.regs, &self.rx_queue, clock);
        let tx = disable_tx_queue(&self.regs, &self.tx_queue, clock);
        self.rx.drain(|_| {});
        self.tx.drain(|_| {});
        rx.map_err(|error| format!("disable rx: {error:?}"))?;
        tx.map_err(|error| format!("disable tx: {error:?}"))?;
        Ok(self.counters)
    }

    /// Forgets the queues without touching the registers (the device was reset under us:
    /// its queue registers are already cleared; the rings' buffers come back here).
    pub fn abandon(mut self) -> PortCounters {
        self.rx.drain(|_| {});
        self.tx.drain(|_| {});
        self.counters
    }
}
