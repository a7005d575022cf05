//! VF BAR0 register map (82576 and I350 VFs share it).
//!
//! Source: `igb-hardware.md` §3 (Linux `drivers/net/ethernet/intel/igbvf/regs.h`, QEMU
//! `vf_to_pf_addr()` in `hw/net/igbvf.c`). The VF sees its own queues as queue 0 and 1 (82576)
//! or queue 0 only (I350) at the PF's queue-0/1 offsets; the hardware maps them to the PF's
//! queues of the VF's pool.

use super::pf::{RxQueueRegs, TxQueueRegs};
use super::{GenerationTraits, VfBar, VfReg};
use crate::ids::Generation;

const fn reg(offset: u32) -> VfReg {
    VfReg::new(offset)
}

/// VF control (RST bit 26 = VF reset).
pub const VTCTRL: VfReg = reg(0x0000);
/// Read-only copy of the PF's STATUS (LU, speed, duplex).
pub const VTSTATUS: VfReg = reg(0x0008);
/// Free-running timer.
pub const VTFRTIMER: VfReg = reg(0x1048);
/// Extended interrupt cause set (bits 2:0).
pub const VTEICS: VfReg = reg(0x1520);
/// Extended interrupt mask set/read.
pub const VTEIMS: VfReg = reg(0x1524);
/// Extended interrupt mask clear.
pub const VTEIMC: VfReg = reg(0x1528);
/// Extended interrupt auto-clear.
pub const VTEIAC: VfReg = reg(0x152C);
/// Extended interrupt auto-mask.
pub const VTEIAM: VfReg = reg(0x1530);
/// Extended interrupt cause read (QEMU returns the last written value, §8: identify causes by
/// MSI-X vector instead).
pub const VTEICR: VfReg = reg(0x1580);
/// Queue → vector map: byte 0 Rx0, byte 1 Tx0, byte 2 Rx1, byte 3 Tx1 (vector + VALID 0x80).
pub const VTIVAR: VfReg = reg(0x1700);
/// Mailbox ("other") vector in byte 0 (+ VALID).
pub const VTIVAR_MISC: VfReg = reg(0x1740);
/// MSI-X PBA clear.
pub const VTPBACL: VfReg = reg(0x0F04);
/// This pool's header-split packet types.
pub const PSRTYPE: VfReg = reg(0x0F0C);
/// VF mailbox control (bits in [`v2p_mailbox_bits`]).
pub const V2PMAILBOX: VfReg = reg(0x0C40);

/// Good packets received (32-bit, not clear-on-read: accumulate deltas).
pub const VFGPRC: VfReg = reg(0x0F10);
/// Good packets transmitted.
pub const VFGPTC: VfReg = reg(0x0F14);
/// Good octets received.
pub const VFGORC: VfReg = reg(0x0F18);
/// Good octets transmitted.
pub const VFGOTC: VfReg = reg(0x0F34);
/// Multicast packets received.
pub const VFMPRC: VfReg = reg(0x0F3C);
/// Good packets received by loopback.
pub const VFGPRLBC: VfReg = reg(0x0F40);
/// Good packets transmitted by loopback.
pub const VFGPTLBC: VfReg = reg(0x0F44);
/// Good octets received by loopback.
pub const VFGORLBC: VfReg = reg(0x0F48);
/// Good octets transmitted by loopback.
pub const VFGOTLBC: VfReg = reg(0x0F50);

/// VTCTRL bits.
pub mod vtctrl {
    /// VF reset.
    pub const RST: u32 = 1 << 26;
}

/// Number of MSI-X vectors of a VF (§1.3: Tx0, Rx0, other).
pub const MSIX_VECTORS: usize = 3;

/// VTEITR[vector] (vector < 3).
#[must_use]
pub const fn vteitr(vector: usize) -> Option<VfReg> {
    VfReg::indexed(0x1680, 4, vector, MSIX_VECTORS)
}

/// VMBMEM word `word` (< 16) of this VF's mailbox buffer.
#[must_use]
pub const fn vmbmem(word: usize) -> Option<VfReg> {
    VfReg::indexed(0x0800, 4, word, super::pf::MAILBOX_WORDS)
}

/// The VF-BAR registers of the VF's Rx queue `queue` (queue-0 block at 0x2800, queue 1 at
/// 0x2900), `None` if the generation's VF has no such queue.
#[must_use]
pub const fn rx_queue(generation: Generation, queue: usize) -> Option<RxQueueRegs<VfBar>> {
    if queue >= GenerationTraits::of(generation).vf_queues {
        return None;
    }
    // queue < 2.
    RxQueueRegs::at(0x2800 + 0x100 * queue as u32)
}

/// The VF-BAR registers of the VF's Tx queue `queue` (0x3800 / 0x3900).
#[must_use]
pub const fn tx_queue(generation: Generation, queue: usize) -> Option<TxQueueRegs<VfBar>> {
    if queue >= GenerationTraits::of(generation).vf_queues {
        return None;
    }
    // queue < 2.
    TxQueueRegs::at(0x3800 + 0x100 * queue as u32)
}

/// V2PMAILBOX bits (§5.1).
pub mod v2p_mailbox_bits {
    /// Message posted by the VF.
    pub const REQ: u32 = 1 << 0;
    /// VF consumed the PF's message.
    pub const ACK: u32 = 1 << 1;
    /// VF takes the buffer.
    pub const VFU: u32 = 1 << 2;
    /// PF holds the buffer (read-only).
    pub const PFU: u32 = 1 << 3;
    /// PF posted a message (read-to-clear).
    pub const PFSTS: u32 = 1 << 4;
    /// PF acknowledged the VF's message (read-to-clear).
    pub const PFACK: u32 = 1 << 5;
    /// PF reset in progress (read-only).
    pub const RSTI: u32 = 1 << 6;
    /// PF reset done (read-to-clear).
    pub const RSTD: u32 = 1 << 7;
    /// The read-to-clear bits software must cache between reads.
    pub const READ_TO_CLEAR: u32 = PFSTS | PFACK | RSTD;
}

// Compile-time checks against igb-hardware.md §3.
const _: () = assert!(VTCTRL.offset() == 0 && VTSTATUS.offset() == 8);
const _: () = assert!(V2PMAILBOX.offset() == 0x0C40 && VTIVAR.offset() == 0x1700);
const _: () = assert!(VTIVAR_MISC.offset() == 0x1740 && VTEICR.offset() == 0x1580);
const _: () = assert!(VFGOTC.offset() == 0x0F34 && VFMPRC.offset() == 0x0F3C);
const _: () = assert!(v2p_mailbox_bits::READ_TO_CLEAR == 0xB0);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Generation::{I350, I82576};

    #[test]
    fn vf_queue_blocks() {
        let rx1 = rx_queue(I82576, 1).unwrap();
        assert_eq!(
            (rx1.rdbal.offset(), rx1.rdt.offset(), rx1.rxdctl.offset()),
            (0x2900, 0x2918, 0x2928)
        );
        let tx0 = tx_queue(I82576, 0).unwrap();
        assert_eq!(
            (tx0.tdbal.offset(), tx0.tdt.offset(), tx0.tdwbah.offset()),
            (0x3800, 0x3818, 0x383C)
        );
        assert!(rx_queue(I82576, 2).is_none());
        assert!(rx_queue(I350, 1).is_none());
        assert!(tx_queue(I350, 0).is_some());
    }

    #[test]
    fn vf_indexed_registers() {
        assert_eq!(vteitr(2).map(VfReg::offset), Some(0x1688));
        assert_eq!(vteitr(3), None);
        assert_eq!(vmbmem(15).map(VfReg::offset), Some(0x083C));
        assert_eq!(vmbmem(16), None);
    }
}
