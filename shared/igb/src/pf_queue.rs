//! The PF's own queue interrupts: routing a PF queue pair to an MSI-X vector (IVAR), its
//! moderation (EITR) and auto-clear/auto-mask (EIAC/EIAM), and masking/unmasking the vector.
//!
//! 82576 datasheet 7.3.2 / 8.8 (igb-hardware.md §2.7): in MSI-X mode (GPIE.MSIX_MODE, set with
//! the "other" vector by [`crate::pf_device::PfDevice::enable_other_interrupt`]) every queue
//! cause is routed by its IVAR byte; with GPIE.EIAME a message auto-masks the EIAM bits of its
//! vector, and EIAC auto-clears its EICR bit, so the ISR needs no register access and the DPC
//! re-arms the vector with one EIMS write when its work is done.

use hw_platform::Mmio;

use crate::ids::Generation;
use crate::interrupts::{QueueDirection, pf_ivar_slot};
use crate::regs::DeviceGone;
use crate::regs::PfRegisters;
use crate::regs::pf::{self, EIAC, EIAM, EIMC, EIMS, EXTENDED_CAUSES};

/// Why a queue vector could not be routed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QueueVectorError {
    /// The queue does not exist on this generation.
    BadQueue(usize),
    /// The vector is not an extended cause (0..25) or has no EITR.
    BadVector(u32),
    /// The device is gone (all-ones reads).
    DeviceGone(DeviceGone),
}

impl From<DeviceGone> for QueueVectorError {
    fn from(gone: DeviceGone) -> Self {
        Self::DeviceGone(gone)
    }
}

/// Routes PF queue `queue`'s Rx and Tx causes to MSI-X `vector` (`rx`/`tx` select which),
/// writes `eitr` into the vector's EITR, and makes the vector auto-clear and auto-mask. The
/// vector stays masked: [`unmask_queue_vector`] arms it. Register writes only (any IRQL).
pub fn route_queue_vector<M: Mmio>(
    regs: &PfRegisters<M>,
    generation: Generation,
    queue: usize,
    vector: u32,
    eitr: u32,
    directions: &[QueueDirection],
) -> Result<(), QueueVectorError> {
    let eitr_reg = pf::eitr(vector as usize).ok_or(QueueVectorError::BadVector(vector))?;
    if vector >= EXTENDED_CAUSES as u32 {
        return Err(QueueVectorError::BadVector(vector));
    }
    for &direction in directions {
        let slot =
            pf_ivar_slot(generation, queue, direction).ok_or(QueueVectorError::BadQueue(queue))?;
        let current = regs.read_present(slot.register)?;
        let value = slot
            .insert(current, vector)
            .ok_or(QueueVectorError::BadVector(vector))?;
        regs.write(slot.register, value);
    }
    regs.write(eitr_reg, eitr);
    let bit = 1u32 << vector;
    regs.set_bits(EIAC, bit);
    regs.set_bits(EIAM, bit);
    regs.flush()?;
    Ok(())
}

/// Arms (EIMS) queue vector `vector`. Register write only (any IRQL).
pub fn unmask_queue_vector<M: Mmio>(regs: &PfRegisters<M>, vector: u32) {
    if vector < EXTENDED_CAUSES as u32 {
        regs.write(EIMS, 1 << vector);
    }
}

/// Masks (EIMC) queue vector `vector`. Register write only (any IRQL).
pub fn mask_queue_vector<M: Mmio>(regs: &PfRegisters<M>, vector: u32) {
    if vector < EXTENDED_CAUSES as u32 {
        regs.write(EIMC, 1 << vector);
    }
}

/// Un-routes `queue`'s causes (IVAR entries invalid) and takes `vector` out of EIAC/EIAM
/// (halt, before the vector's handler goes away). Register access only.
pub fn unroute_queue_vector<M: Mmio>(
    regs: &PfRegisters<M>,
    generation: Generation,
    queue: usize,
    vector: u32,
) -> Result<(), QueueVectorError> {
    mask_queue_vector(regs, vector);
    for direction in [QueueDirection::Rx, QueueDirection::Tx] {
        let slot =
            pf_ivar_slot(generation, queue, direction).ok_or(QueueVectorError::BadQueue(queue))?;
        let current = regs.read_present(slot.register)?;
        regs.write(slot.register, current & !(0xFF << slot.shift));
    }
    if vector < EXTENDED_CAUSES as u32 {
        let bit = 1u32 << vector;
        regs.clear_bits(EIAC, bit);
        regs.clear_bits(EIAM, bit);
    }
    regs.flush()?;
    Ok(())
}
