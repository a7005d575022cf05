//! Queue bring-up: programming one Rx or Tx queue's register block, wherever it lives (a PF
//! queue in the PF BAR or a VF's queue 0/1 in the VF BAR), for the descriptor rings of
//! [`crate::ring`].
//!
//! The order follows igb-hardware.md §3 "VF checklist" (the same for PF queues, 82576
//! datasheet 4.5.9/4.5.10): disable the queue and wait until the hardware reports it
//! disabled, program base/length (and SRRCTL for Rx), zero head and tail, enable and wait until
//! the enable bit reads back. Every wait is bounded; an all-ones read is a surprise removal.

use core::time::Duration;

use hw_platform::{Clock, DmaAddr, Mmio};

use crate::regs::pf::{RxQueueRegs, TxQueueRegs, dctl, srrctl};
use crate::regs::{Bar, DeviceGone, Registers, WaitError};
use crate::ring::{MAX_RING_SIZE, MIN_RING_SIZE, RING_ALIGN, ring_bytes};

/// How long a queue may take to report ENABLE set or cleared. Linux waits up to 10 ms for
/// TXDCTL/RXDCTL.ENABLE (`igb_configure_rx_ring`, `igbvf_configure_tx`).
pub const QUEUE_ENABLE_TIMEOUT: Duration = Duration::from_millis(10);
const QUEUE_ENABLE_POLL: Duration = Duration::from_micros(100);

/// Write-back threshold for Rx: 1 = write every descriptor back at once. DPDK forces it on
/// 82576 VFs because write-back is otherwise sometimes not triggered (igb-hardware.md §3).
const RX_WTHRESH: u32 = 1;
/// Tx write-back threshold: 1, so a completed send is visible without waiting for more.
const TX_WTHRESH: u32 = 1;

/// Why a queue could not be brought up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QueueError {
    /// Ring size not a power of two in 8..=4096.
    BadRingSize(u32),
    /// Ring base not 128-byte aligned (QEMU silently drops low address bits; hardware
    /// requires 128-byte alignment for the 82576's descriptor fetch).
    Misaligned(DmaAddr),
    /// Rx buffer length SRRCTL cannot express (1..=127 KiB in 1 KiB units).
    BadBufferLength(u32),
    /// The queue did not report the requested enable state in time.
    EnableTimeout {
        /// Register polled.
        offset: u32,
        /// Whether it was being enabled (true) or disabled (false).
        enabling: bool,
    },
    /// The device is gone (all-ones reads).
    DeviceGone(DeviceGone),
}

impl From<DeviceGone> for QueueError {
    fn from(gone: DeviceGone) -> Self {
        Self::DeviceGone(gone)
    }
}

/// Where and how big a descriptor ring is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RingPlacement {
    /// Device address of descriptor 0.
    pub base: DmaAddr,
    /// Number of descriptors.
    pub descriptors: u32,
}

impl RingPlacement {
    fn validate(self) -> Result<u32, QueueError> {
        let size = self.descriptors;
        if !size.is_power_of_two() || !(MIN_RING_SIZE..=MAX_RING_SIZE).contains(&size) {
            return Err(QueueError::BadRingSize(size));
        }
        if self.base.as_u64() % RING_ALIGN != 0 {
            return Err(QueueError::Misaligned(self.base));
        }
        // size ≤ 4096 descriptors of 16 bytes: 64 KiB fits in u32.
        u32::try_from(ring_bytes(size)).map_err(|_| QueueError::BadRingSize(size))
    }
}

fn wait_enable<M: Mmio, B: Bar, C: Clock + ?Sized>(
    regs: &Registers<M, B>,
    reg: crate::regs::Reg<B>,
    enabled: bool,
    clock: &C,
) -> Result<(), QueueError> {
    let expected = if enabled { dctl::ENABLE } else { 0 };
    regs.wait_for_bits(
        reg,
        dctl::ENABLE,
        expected,
        clock,
        QUEUE_ENABLE_TIMEOUT,
        QUEUE_ENABLE_POLL,
    )
    .map(|_| ())
    .map_err(|error| match error {
        WaitError::DeviceGone(gone) => QueueError::DeviceGone(gone),
        WaitError::Timeout { offset, .. } => QueueError::EnableTimeout {
            offset,
            enabling: enabled,
        },
    })
}

/// Disables an Rx queue and waits until the hardware reports it stopped.
pub fn disable_rx_queue<M: Mmio, B: Bar, C: Clock + ?Sized>(
    regs: &Registers<M, B>,
    queue: &RxQueueRegs<B>,
    clock: &C,
) -> Result<(), QueueError> {
    regs.clear_bits(queue.rxdctl, dctl::ENABLE);
    wait_enable(regs, queue.rxdctl, false, clock)
}

/// Disables a Tx queue and waits until the hardware reports it stopped.
pub fn disable_tx_queue<M: Mmio, B: Bar, C: Clock + ?Sized>(
    regs: &Registers<M, B>,
    queue: &TxQueueRegs<B>,
    clock: &C,
) -> Result<(), QueueError> {
    regs.clear_bits(queue.txdctl, dctl::ENABLE);
    wait_enable(regs, queue.txdctl, false, clock)
}

/// Programs and enables an Rx queue for advanced one-buffer descriptors of `buffer_len`
/// bytes, dropping frames when no descriptor is free (SRRCTL.DROP_EN: a stalled VF must not
/// block the shared packet buffer, igb-hardware.md §2.2 QDE). The tail is left at 0: the ring
/// engine posts buffers and rings the doorbell ([`crate::ring::RxRing::flush`]).
pub fn enable_rx_queue<M: Mmio, B: Bar, C: Clock + ?Sized>(
    regs: &Registers<M, B>,
    queue: &RxQueueRegs<B>,
    ring: RingPlacement,
    buffer_len: u32,
    clock: &C,
) -> Result<(), QueueError> {
    let ring_len = ring.validate()?;
    let srrctl_value =
        srrctl::one_buffer(buffer_len, true).ok_or(QueueError::BadBufferLength(buffer_len))?;
    disable_rx_queue(regs, queue, clock)?;
    let base = ring.base.as_u64();
    regs.write(queue.rdbal, base as u32);
    regs.write(queue.rdbah, (base >> 32) as u32);
    regs.write(queue.rdlen, ring_len);
    regs.write(queue.srrctl, srrctl_value);
    regs.write(queue.rdh, 0);
    regs.write(queue.rdt, 0);
    regs.write(
        queue.rxdctl,
        dctl::ENABLE | (RX_WTHRESH << dctl::WTHRESH_SHIFT),
    );
    regs.flush()?;
    wait_enable(regs, queue.rxdctl, true, clock)
}

/// Programs and enables a Tx queue (descriptor write-back, no head write-back).
pub fn enable_tx_queue<M: Mmio, B: Bar, C: Clock + ?Sized>(
    regs: &Registers<M, B>,
    queue: &TxQueueRegs<B>,
    ring: RingPlacement,
    clock: &C,
) -> Result<(), QueueError> {
    let ring_len = ring.validate()?;
    disable_tx_queue(regs, queue, clock)?;
    let base = ring.base.as_u64();
    regs.write(queue.tdbal, base as u32);
    regs.write(queue.tdbah, (base >> 32) as u32);
    regs.write(queue.tdlen, ring_len);
    regs.write(queue.tdh, 0);
    regs.write(queue.tdt, 0);
    // Head write-back off: completions come from the descriptors' DD bits.
    regs.write(queue.tdwbal, 0);
    regs.write(queue.tdwbah, 0);
    regs.write(
        queue.txdctl,
        dctl::ENABLE | (TX_WTHRESH << dctl::WTHRESH_SHIFT),
    );
    regs.flush()?;
    wait_enable(regs, queue.txdctl, true, clock)
}
