//! Interrupt routing: IVAR encoding (82576 column-major vs I350 row-major), EITR interval
//! encoding, and MSI-X cause numbering for the PF and the VFs.
//!
//! Source: `igb-hardware.md` §1.3 (VF n's vectors are PF causes 22−3n..24−3n; QEMU
//! `igb_msix_notify`), §2.7 (IVAR layouts, EITR), §3 (VTIVAR). Linux `igb_assign_vector`.

use crate::ids::Generation;
use crate::regs::pf::{EXTENDED_CAUSES, eitr_bits, ivar, ivar_bits};
use crate::regs::vf::MSIX_VECTORS as VF_MSIX_VECTORS;
use crate::regs::{GenerationTraits, IvarLayout, PfReg};

/// Which half of a queue pair an IVAR entry routes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QueueDirection {
    /// Receive queue.
    Rx,
    /// Transmit queue.
    Tx,
}

/// MSI-X vectors a PF driver uses at most (QEMU `IGB_MSIX_VEC_NUM`, Linux `MAX_MSIX_ENTRIES`).
pub const PF_MSIX_VECTORS: u32 = 10;
/// The PF vector these drivers give the "other" causes (link, mailbox, VFLR), as Linux does.
pub const PF_VECTOR_OTHER: u32 = 0;
/// VF vector for Tx queue 0 (Linux igbvf convention, §1.3).
pub const VF_VECTOR_TX0: u32 = 0;
/// VF vector for Rx queue 0.
pub const VF_VECTOR_RX0: u32 = 1;
/// VF vector for mailbox / PF events.
pub const VF_VECTOR_OTHER: u32 = 2;

/// One byte-wide entry inside an IVAR register.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct IvarSlot {
    /// The IVAR0[i] register holding the entry.
    pub register: PfReg,
    /// Bit position of the entry's byte (0, 8, 16 or 24).
    pub shift: u32,
}

impl IvarSlot {
    /// `current` with this entry set to `vector` | VALID, or `None` if `vector` is not an
    /// extended cause (≥ 25).
    #[must_use]
    pub const fn insert(self, current: u32, vector: u32) -> Option<u32> {
        if vector >= EXTENDED_CAUSES as u32 {
            return None;
        }
        let cleared = current & !(0xFF << self.shift);
        Some(cleared | ((vector | ivar_bits::VALID) << self.shift))
    }

    /// The vector this entry routes to in `value`, or `None` if the entry is not valid.
    #[must_use]
    pub const fn vector_in(self, value: u32) -> Option<u32> {
        let entry = (value >> self.shift) & 0xFF;
        if entry & ivar_bits::VALID == 0 {
            None
        } else {
            Some(entry & ivar_bits::VECTOR_MASK)
        }
    }
}

/// Where the IVAR entry of PF queue `queue` in `direction` lives (§2.7): 82576 register
/// `q & 7`, Rx byte 0 (q < 8) or 2, Tx byte 1 or 3; I350 register `q >> 1`, Rx byte 0/2 and
/// Tx byte 1/3 by `q & 1`. `None` if the queue does not exist on this generation.
#[must_use]
pub const fn pf_ivar_slot(
    generation: Generation,
    queue: usize,
    direction: QueueDirection,
) -> Option<IvarSlot> {
    let traits = GenerationTraits::of(generation);
    if queue >= traits.queues {
        return None;
    }
    let (index, rx_shift) = match traits.ivar_layout {
        IvarLayout::ColumnMajor => (queue & 7, if queue & 8 != 0 { 16 } else { 0 }),
        IvarLayout::RowMajor => (queue >> 1, if queue & 1 != 0 { 16 } else { 0 }),
    };
    let shift = match direction {
        QueueDirection::Rx => rx_shift,
        QueueDirection::Tx => rx_shift + 8,
    };
    match ivar(index) {
        Some(register) => Some(IvarSlot { register, shift }),
        None => None,
    }
}

/// IVAR_MISC value routing the "other" causes to `vector` (byte 1 + VALID), or `None` if the
/// vector is not an extended cause.
#[must_use]
pub const fn pf_ivar_misc(vector: u32) -> Option<u32> {
    if vector >= EXTENDED_CAUSES as u32 {
        return None;
    }
    Some((vector | ivar_bits::VALID) << 8)
}

/// Bit shift of the VTIVAR entry for the VF's queue `queue` (byte 0 Rx0, 1 Tx0, 2 Rx1, 3 Tx1),
/// `None` if the VF of this generation has no such queue.
#[must_use]
pub const fn vf_ivar_shift(
    generation: Generation,
    queue: usize,
    direction: QueueDirection,
) -> Option<u32> {
    if queue >= GenerationTraits::of(generation).vf_queues {
        return None;
    }
    // queue < 2.
    let base = 16 * queue as u32;
    Some(match direction {
        QueueDirection::Rx => base,
        QueueDirection::Tx => base + 8,
    })
}

/// The byte value of a VTIVAR / VTIVAR_MISC entry for VF vector `vector` (< 3).
#[must_use]
pub const fn vf_ivar_entry(vector: u32) -> Option<u32> {
    if vector >= VF_MSIX_VECTORS as u32 {
        None
    } else {
        Some(vector | ivar_bits::VALID)
    }
}

/// Largest interval EITR can hold, in µs (13-bit field).
pub const EITR_MAX_INTERVAL_US: u32 = eitr_bits::INTERVAL_MASK >> eitr_bits::INTERVAL_SHIFT;

/// EITR value for a minimum gap of `interval_us` µs between interrupts (clamped to
/// [`EITR_MAX_INTERVAL_US`]; 0 disables throttling), with CNT_IGNR as Linux writes on 82576 and
/// later.
#[must_use]
pub const fn eitr_from_interval_us(interval_us: u32) -> u32 {
    let interval = if interval_us > EITR_MAX_INTERVAL_US {
        EITR_MAX_INTERVAL_US
    } else {
        interval_us
    };
    (interval << eitr_bits::INTERVAL_SHIFT) | eitr_bits::CNT_IGNR
}

/// The interval in µs an EITR value programs.
#[must_use]
pub const fn eitr_interval_us(value: u32) -> u32 {
    (value & eitr_bits::INTERVAL_MASK) >> eitr_bits::INTERVAL_SHIFT
}

/// The PF-level extended cause of VF `vf`'s vector `vector`: 22 − 3·vf + vector (§1.3).
/// `None` unless vf < 8 and vector < 3.
#[must_use]
pub const fn vf_cause(vf: usize, vector: u32) -> Option<u32> {
    if vf >= 8 || vector >= VF_MSIX_VECTORS as u32 {
        return None;
    }
    // vf < 8: 22 - 3·7 = 1 ≥ 0.
    Some(22 - 3 * vf as u32 + vector)
}

/// EICR/EIMS bits of all three of VF `vf`'s causes.
#[must_use]
pub const fn vf_cause_mask(vf: usize) -> Option<u32> {
    match vf_cause(vf, 0) {
        Some(first) => Some(0b111 << first),
        None => None,
    }
}

/// Who an extended cause belongs to with `num_vfs` VFs enabled.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CauseOwner {
    /// A PF cause (its MSI-X vector number equals the cause number).
    Pf(u32),
    /// Vector `vector` of VF `vf`.
    Vf {
        /// VF index.
        vf: usize,
        /// The VF's vector (0..3).
        vector: u32,
    },
}

/// Who owns extended cause `cause` when `num_vfs` VFs are enabled (QEMU `igb_msix_notify`:
/// cause c belongs to VF `8 − (c + 2) / 3`, vector `(c + 2) % 3`, when that VF exists).
/// `None` for a cause ≥ 25 or `num_vfs > 8`.
#[must_use]
pub const fn cause_owner(cause: u32, num_vfs: usize) -> Option<CauseOwner> {
    if cause >= EXTENDED_CAUSES as u32 || num_vfs > 8 {
        return None;
    }
    if cause >= pf_cause_count(num_vfs) {
        let vf = 8 - (cause as usize).div_ceil(3);
        Some(CauseOwner::Vf {
            vf,
            vector: (cause + 2) % 3,
        })
    } else {
        Some(CauseOwner::Pf(cause))
    }
}

/// Extended causes left to the PF with `num_vfs` VFs (25 − 3·num_vfs; with 7 VFs that is 4),
/// saturating at 0 beyond 8 VFs.
#[must_use]
pub const fn pf_cause_count(num_vfs: usize) -> u32 {
    let taken = if num_vfs > 8 { 24 } else { 3 * num_vfs as u32 };
    EXTENDED_CAUSES as u32 - taken
}

/// MSI-X vectors the PF can use with `num_vfs` VFs: its causes, capped at [`PF_MSIX_VECTORS`].
#[must_use]
pub const fn pf_vector_budget(num_vfs: usize) -> u32 {
    let causes = pf_cause_count(num_vfs);
    if causes < PF_MSIX_VECTORS {
        causes
    } else {
        PF_MSIX_VECTORS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Generation::{I350, I82576};

    #[test]
    fn ivar_82576_is_column_major() {
        let rx9 = pf_ivar_slot(I82576, 9, QueueDirection::Rx).unwrap();
        assert_eq!((rx9.register.offset(), rx9.shift), (0x1704, 16));
        let tx9 = pf_ivar_slot(I82576, 9, QueueDirection::Tx).unwrap();
        assert_eq!((tx9.register.offset(), tx9.shift), (0x1704, 24));
        let tx1 = pf_ivar_slot(I82576, 1, QueueDirection::Tx).unwrap();
        assert_eq!((tx1.register.offset(), tx1.shift), (0x1704, 8));
        assert!(pf_ivar_slot(I82576, 16, QueueDirection::Rx).is_none());
    }

    #[test]
    fn ivar_i350_is_row_major() {
        let rx3 = pf_ivar_slot(I350, 3, QueueDirection::Rx).unwrap();
        assert_eq!((rx3.register.offset(), rx3.shift), (0x1704, 16));
        let tx2 = pf_ivar_slot(I350, 2, QueueDirection::Tx).unwrap();
        assert_eq!((tx2.register.offset(), tx2.shift), (0x1704, 8));
        assert!(pf_ivar_slot(I350, 8, QueueDirection::Tx).is_none());
    }

    #[test]
    fn every_queue_direction_has_its_own_ivar_entry() {
        for generation in [I82576, I350] {
            let queues = GenerationTraits::of(generation).queues;
            let mut seen = alloc::vec::Vec::new();
            for queue in 0..queues {
                for direction in [QueueDirection::Rx, QueueDirection::Tx] {
                    let slot = pf_ivar_slot(generation, queue, direction).unwrap();
                    assert!(
                        !seen.contains(&slot),
                        "{generation:?} queue {queue} {direction:?} shares an entry"
                    );
                    seen.push(slot);
                }
            }
            assert_eq!(seen.len(), 2 * queues);
        }
    }

    #[test]
    fn ivar_insert_and_read_back() {
        let slot = pf_ivar_slot(I82576, 9, QueueDirection::Tx).unwrap();
        let value = slot.insert(0xFFFF_FFFF, 3).unwrap();
        assert_eq!(value, 0x83FF_FFFF);
        assert_eq!(slot.vector_in(value), Some(3));
        assert_eq!(slot.vector_in(0), None);
        assert_eq!(slot.insert(0, 25), None);
        assert_eq!(pf_ivar_misc(0), Some(0x8000));
        assert_eq!(vf_ivar_shift(I82576, 1, QueueDirection::Tx), Some(24));
        assert_eq!(vf_ivar_shift(I350, 1, QueueDirection::Rx), None);
        assert_eq!(vf_ivar_entry(2), Some(0x82));
        assert_eq!(vf_ivar_entry(3), None);
    }

    #[test]
    fn eitr_encoding() {
        assert_eq!(eitr_from_interval_us(125), (125 << 2) | 0x8000_0000);
        assert_eq!(eitr_interval_us(eitr_from_interval_us(125)), 125);
        assert_eq!(eitr_interval_us(eitr_from_interval_us(1_000_000)), 0x1FFF);
    }

    #[test]
    fn vf_causes_follow_qemu_numbering() {
        assert_eq!(vf_cause(0, 0), Some(22));
        assert_eq!(vf_cause(0, 2), Some(24));
        assert_eq!(vf_cause(7, 0), Some(1));
        assert_eq!(vf_cause(8, 0), None);
        assert_eq!(vf_cause(0, 3), None);
        assert_eq!(vf_cause_mask(1), Some(0b111 << 19));
        for vf in 0..8 {
            for vector in 0..3 {
                let cause = vf_cause(vf, vector).unwrap();
                assert_eq!(cause_owner(cause, 8), Some(CauseOwner::Vf { vf, vector }));
            }
        }
        assert_eq!(pf_cause_count(7), 4);
        assert_eq!(cause_owner(3, 7), Some(CauseOwner::Pf(3)));
        assert_eq!(cause_owner(4, 7), Some(CauseOwner::Vf { vf: 6, vector: 0 }));
        assert_eq!(cause_owner(25, 0), None);
        assert_eq!(pf_vector_budget(0), 10);
        assert_eq!(pf_vector_budget(7), 4);
    }
}
