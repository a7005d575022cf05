//! PF BAR0 register map (82576 and I350) with bit definitions.
//!
//! Offsets: `igb-hardware.md` §2 (Linux `drivers/net/ethernet/intel/igb/e1000_regs.h`,
//! DPDK `e1000_regs.h`, QEMU `hw/net/igb_regs.h`); bits: same sections plus Linux
//! `e1000_defines.h`. Per-index registers are functions returning `Option` (run-time range
//! check against the generation); fixed ones are constants checked at compile time.

use super::{GenerationTraits, PfReg};
use crate::ids::Generation;

const fn reg(offset: u32) -> PfReg {
    PfReg::new(offset)
}

// ---- General control / status (§2.1) ----

/// Device control.
pub const CTRL: PfReg = reg(0x0000);
/// Device status.
pub const STATUS: PfReg = reg(0x0008);
/// Extended device control.
pub const CTRL_EXT: PfReg = reg(0x0018);
/// General-purpose interrupt enable (MSI-X mode selection).
pub const GPIE: PfReg = reg(0x1514);
/// EEPROM/NVM control: AUTO_RD (bit 9) reports that the post-reset NVM load finished.
pub const EECD: PfReg = reg(0x0010);
/// MDI control: the PHY's management interface (82576 datasheet 8.2.4).
pub const MDIC: PfReg = reg(0x0020);
/// EEPROM/NVM read: one 16-bit word per request (82576 datasheet 8.2.2; bits in [`eerd`]).
pub const EERD: PfReg = reg(0x0014);

// ---- Flow control (82576 datasheet 8.2.5-8.2.8, 8.10.x; Linux `e1000_setup_link_generic`) ----

/// Flow control address low: the pause-frame destination 01:80:C2:00:00:01, bytes 0-3.
pub const FCAL: PfReg = reg(0x0028);
/// Flow control address high: bytes 4-5 of the pause-frame address.
pub const FCAH: PfReg = reg(0x002C);
/// Flow control type: the pause-frame EtherType (0x8808).
pub const FCT: PfReg = reg(0x0030);
/// Flow control transmit timer value: the pause time sent in XOFF frames (512-bit-time units).
pub const FCTTV: PfReg = reg(0x0170);
/// Flow control receive threshold low (XON threshold, bytes; XONE bit 31).
pub const FCRTL: PfReg = reg(0x2160);
/// Flow control receive threshold high (XOFF threshold, bytes).
pub const FCRTH: PfReg = reg(0x2168);
/// Rx packet buffer size (82576: KiB in bits 6:0; I350: a table index in bits 3:0).
pub const RXPBS: PfReg = reg(0x2404);

/// Bits of [`EERD`] on 82575 and later, 82576 and I350 included (Linux `E1000_NVM_RW_*`).
pub mod eerd {
    /// Start a read (software sets it with the address).
    pub const START: u32 = 1 << 0;
    /// The read finished and DATA is valid (set by hardware).
    pub const DONE: u32 = 1 << 1;
    /// Word address shift (bits 15:2).
    pub const ADDR_SHIFT: u32 = 2;
    /// Word address mask (14 bits).
    pub const ADDR_MASK: u32 = 0x3FFF << ADDR_SHIFT;
    /// Read data shift (bits 31:16).
    pub const DATA_SHIFT: u32 = 16;
}

/// Bits of [`FCRTL`].
pub mod fcrtl {
    /// Send XON when the buffer drains below the low threshold.
    pub const XONE: u32 = 1 << 31;
}

/// CTRL bits.
pub mod ctrl {
    /// Block new PCIe master requests (before reset).
    pub const GIO_MASTER_DISABLE: u32 = 1 << 2;
    /// Full duplex (used by the MAC when FRCDPX is set).
    pub const FD: u32 = 1 << 0;
    /// Set link up.
    pub const SLU: u32 = 1 << 6;
    /// Speed selection shift (bits 9:8: 00 = 10, 01 = 100, 10 = 1000 Mb/s; used with FRCSPD).
    pub const SPEED_SHIFT: u32 = 8;
    /// Speed selection mask.
    pub const SPEED_MASK: u32 = 0b11 << SPEED_SHIFT;
    /// Speed selection 100 Mb/s.
    pub const SPEED_100: u32 = 0b01 << SPEED_SHIFT;
    /// Speed selection 1000 Mb/s.
    pub const SPEED_1000: u32 = 0b10 << SPEED_SHIFT;
    /// Force the MAC speed from CTRL.SPEED instead of the PHY's resolution.
    pub const FRCSPD: u32 = 1 << 11;
    /// Force the MAC duplex from CTRL.FD.
    pub const FRCDPX: u32 = 1 << 12;
    /// Honour received pause frames (Rx flow control).
    pub const RFCE: u32 = 1 << 27;
    /// Send pause frames (Tx flow control).
    pub const TFCE: u32 = 1 << 28;
    /// Full MAC reset, self-clearing.
    pub const RST: u32 = 1 << 26;
    /// Device reset.
    pub const DEV_RST: u32 = 1 << 29;
    /// VLAN mode enable (ignored for stripping in VMDq mode, §6 step 7).
    pub const VME: u32 = 1 << 30;
}

/// STATUS bits.
pub mod status {
    /// Full duplex.
    pub const FD: u32 = 1 << 0;
    /// Link up.
    pub const LU: u32 = 1 << 1;
    /// LAN function (port) this PCI function drives, bits 3:2 (after any NVM port swap;
    /// Linux `E1000_STATUS_FUNC_MASK`).
    pub const FUNC_ID_SHIFT: u32 = 2;
    /// LAN function mask.
    pub const FUNC_ID_MASK: u32 = 0b11 << FUNC_ID_SHIFT;
    /// Speed field shift (bits 7:6: 00 = 10, 01 = 100, 10 = 1000 Mb/s).
    pub const SPEED_SHIFT: u32 = 6;
    /// Speed field mask.
    pub const SPEED_MASK: u32 = 0b11 << SPEED_SHIFT;
    /// Number of enabled VFs (QEMU, IOV mode), bits 17:14.
    pub const NUM_VFS_SHIFT: u32 = 14;
    /// Number-of-VFs mask.
    pub const NUM_VFS_MASK: u32 = 0xF << NUM_VFS_SHIFT;
    /// IOV mode active.
    pub const IOV_MODE: u32 = 1 << 18;
    /// PCIe master requests still pending (clears after CTRL.GIO_MASTER_DISABLE).
    pub const GIO_MASTER_ENABLE: u32 = 1 << 19;
}

/// Bits of [`EECD`].
pub mod eecd {
    /// NVM auto-read done after reset.
    pub const AUTO_RD: u32 = 1 << 9;
}

/// Fields of [`MDIC`] (82576 datasheet 8.2.4).
pub mod mdic {
    /// Data (bits 15:0).
    pub const DATA_MASK: u32 = 0xFFFF;
    /// PHY register address (bits 20:16).
    pub const REGADD_SHIFT: u32 = 16;
    /// PHY address (bits 25:21); the internal copper PHY is at address 1.
    pub const PHYADD_SHIFT: u32 = 21;
    /// Opcode "write" (bits 27:26 = 01).
    pub const OP_WRITE: u32 = 0b01 << 26;
    /// Opcode "read" (bits 27:26 = 10).
    pub const OP_READ: u32 = 0b10 << 26;
    /// Ready: the access finished (set by hardware).
    pub const READY: u32 = 1 << 28;
    /// Error: the PHY did not answer.
    pub const ERROR: u32 = 1 << 30;
    /// The internal PHY's address.
    pub const INTERNAL_PHY: u32 = 1;
    /// PHY register 0 (IEEE 802.3 clause 22 control).
    pub const PHY_CONTROL: u32 = 0;
    /// PHY control: restart auto-negotiation (bit 9), enable it (bit 12), 1000 Mb/s full
    /// duplex speed selection bits (6 and 8): 0x1340, what e1000 drivers write.
    pub const PHY_CONTROL_RESTART_AUTONEG: u32 = 0x1340;
}

/// CTRL_EXT bits.
pub mod ctrl_ext {
    /// "PF reset done": tells every VF mailbox the PF is ready (RSTD), §2.1 step 6.
    pub const PFRSTD: u32 = 1 << 14;
    /// Extended interrupt auto-mask enable.
    pub const EIAME: u32 = 1 << 24;
    /// Extended (double) VLAN.
    pub const EXT_VLAN: u32 = 1 << 26;
    /// Driver loaded (firmware handshake).
    pub const DRV_LOAD: u32 = 1 << 28;
    /// PBA clear support.
    pub const PBA_CLR: u32 = 1 << 31;
}

/// GPIE bits (Linux writes MSIX_MODE | PBA | EIAME | NSICR before IVAR, §2.7).
pub mod gpie {
    /// Non-selective interrupt clear on read.
    pub const NSICR: u32 = 1 << 0;
    /// MSI-X mode.
    pub const MSIX_MODE: u32 = 1 << 4;
    /// Extended interrupt auto-mask enable.
    pub const EIAME: u32 = 1 << 30;
    /// PBA support.
    pub const PBA: u32 = 1 << 31;
}

// ---- Statistics (82576 datasheet 8.19; Linux `e1000_regs.h`). All clear-on-read. ----

/// CRC error count.
pub const CRCERRS: PfReg = reg(0x4000);
/// Alignment error count.
pub const ALGNERRC: PfReg = reg(0x4004);
/// Symbol error count.
pub const SYMERRS: PfReg = reg(0x4008);
/// Rx error count (PHY-reported errors).
pub const RXERRC: PfReg = reg(0x400C);
/// Missed packets (no room in the Rx packet buffer).
pub const MPC: PfReg = reg(0x4010);
/// Single collision count.
pub const SCC: PfReg = reg(0x4014);
/// Excessive collisions (frame dropped after 16 attempts).
pub const ECOL: PfReg = reg(0x4018);
/// Multiple collision count.
pub const MCC: PfReg = reg(0x401C);
/// Late collision count.
pub const LATECOL: PfReg = reg(0x4020);
/// Collision count.
pub const COLC: PfReg = reg(0x4028);
/// Defer count.
pub const DC: PfReg = reg(0x4030);
/// Transmit with no carrier sense.
pub const TNCRS: PfReg = reg(0x4034);
/// Carrier extension error count.
pub const CEXTERR: PfReg = reg(0x403C);
/// Receive length error count.
pub const RLEC: PfReg = reg(0x4040);
/// XON frames received.
pub const XONRXC: PfReg = reg(0x4048);
/// XON frames sent.
pub const XONTXC: PfReg = reg(0x404C);
/// XOFF frames received.
pub const XOFFRXC: PfReg = reg(0x4050);
/// XOFF frames sent.
pub const XOFFTXC: PfReg = reg(0x4054);
/// Good packets received (all destinations).
pub const GPRC: PfReg = reg(0x4074);
/// Broadcast packets received.
pub const BPRC: PfReg = reg(0x4078);
/// Multicast packets received.
pub const MPRC: PfReg = reg(0x407C);
/// Good packets transmitted.
pub const GPTC: PfReg = reg(0x4080);
/// Good octets received, low 32 bits (read before GORCH; reading GORCH clears the pair).
pub const GORCL: PfReg = reg(0x4088);
/// Good octets received, high bits.
pub const GORCH: PfReg = reg(0x408C);
/// Good octets transmitted, low 32 bits.
pub const GOTCL: PfReg = reg(0x4090);
/// Good octets transmitted, high bits.
pub const GOTCH: PfReg = reg(0x4094);
/// Rx no-buffers count (no descriptor available; the frame may still be stored).
pub const RNBC: PfReg = reg(0x40A0);
/// Rx undersize count.
pub const RUC: PfReg = reg(0x40A4);
/// Rx fragment count.
pub const RFC: PfReg = reg(0x40A8);
/// Rx oversize count.
pub const ROC: PfReg = reg(0x40AC);
/// Rx jabber count.
pub const RJC: PfReg = reg(0x40B0);
/// Total packets received.
pub const TPR: PfReg = reg(0x40D0);
/// Total packets transmitted.
pub const TPT: PfReg = reg(0x40D4);
/// Multicast packets transmitted.
pub const MPTC: PfReg = reg(0x40F0);
/// Broadcast packets transmitted.
pub const BPTC: PfReg = reg(0x40F4);

// ---- Interrupts (§2.7) ----

/// Interrupt cause read (legacy causes; read-clear).
pub const ICR: PfReg = reg(0x00C0);
/// Interrupt cause set.
pub const ICS: PfReg = reg(0x00C8);
/// Interrupt mask set/read.
pub const IMS: PfReg = reg(0x00D0);
/// Interrupt mask clear.
pub const IMC: PfReg = reg(0x00D8);
/// Interrupt auto-mask.
pub const IAM: PfReg = reg(0x00E0);
/// Extended interrupt cause set.
pub const EICS: PfReg = reg(0x1520);
/// Extended interrupt mask set/read.
pub const EIMS: PfReg = reg(0x1524);
/// Extended interrupt mask clear.
pub const EIMC: PfReg = reg(0x1528);
/// Extended interrupt auto-clear.
pub const EIAC: PfReg = reg(0x152C);
/// Extended interrupt auto-mask.
pub const EIAM: PfReg = reg(0x1530);
/// Extended interrupt cause read (read-clear).
pub const EICR: PfReg = reg(0x1580);
/// IVAR_MISC: byte 0 TCP timer, byte 1 "other" (ICR) causes.
pub const IVAR_MISC: PfReg = reg(0x1740);

/// Legacy ICR/IMS bits.
pub mod icr {
    /// Link status change.
    pub const LSC: u32 = 1 << 2;
    /// VF mailbox or VFLR event.
    pub const VMMB: u32 = 1 << 8;
    /// Spoof / malicious driver event in IOV mode (DOUTSYNC/MDDET).
    pub const DOUTSYNC: u32 = 1 << 28;
    /// Device reset asserted.
    pub const DRSTA: u32 = 1 << 30;
    /// Interrupt asserted.
    pub const INT_ASSERTED: u32 = 1 << 31;
}

/// Number of extended interrupt causes (EICR bits 24:0 in MSI-X mode, §1.3).
pub const EXTENDED_CAUSES: usize = 25;
/// Valid EICR/EIMS bits in MSI-X mode.
pub const EICR_MSIX_MASK: u32 = (1 << EXTENDED_CAUSES) - 1;
/// Number of EITR registers.
pub const EITR_COUNT: usize = 25;
/// Number of IVAR0 registers.
pub const IVAR_COUNT: usize = 8;

/// EITR[n]: interrupt throttle for extended cause / MSI-X vector `n` (n < 25).
#[must_use]
pub const fn eitr(vector: usize) -> Option<PfReg> {
    PfReg::indexed(0x1680, 4, vector, EITR_COUNT)
}

/// IVAR0[i]: queue → vector map (layout per generation, see `crate::interrupts`).
#[must_use]
pub const fn ivar(index: usize) -> Option<PfReg> {
    PfReg::indexed(0x1700, 4, index, IVAR_COUNT)
}

/// EITR bits.
pub mod eitr_bits {
    /// Interval field (bits 14:2, ~1 µs units).
    pub const INTERVAL_MASK: u32 = 0x7FFC;
    /// Interval shift.
    pub const INTERVAL_SHIFT: u32 = 2;
    /// Don't reset the counter on write (Linux sets it on 82576 and later).
    pub const CNT_IGNR: u32 = 1 << 31;
}

/// IVAR entry bits.
pub mod ivar_bits {
    /// Entry valid.
    pub const VALID: u32 = 0x80;
    /// Vector field (bits 4:0).
    pub const VECTOR_MASK: u32 = 0x1F;
}

// ---- Receive / transmit control ----

/// Receive control.
pub const RCTL: PfReg = reg(0x0100);
/// Transmit control.
pub const TCTL: PfReg = reg(0x0400);
/// Global long-packet max length (with RCTL.LPE).
pub const RLPML: PfReg = reg(0x5004);
/// Multiple receive queues command (VMDq / RSS mode).
pub const MRQC: PfReg = reg(0x5818);
/// Per-queue "drop when no descriptors" enable.
pub const QDE: PfReg = reg(0x2408);
/// DMA Tx control.
pub const DTXCTL: PfReg = reg(0x3590);
/// Rx checksum control.
pub const RXCSUM: PfReg = reg(0x5000);
/// VLAN EtherType.
pub const VET: PfReg = reg(0x0038);

/// RCTL bits (Linux `e1000_defines.h`).
pub mod rctl {
    /// Receiver enable.
    pub const EN: u32 = 1 << 1;
    /// Store bad packets.
    pub const SBP: u32 = 1 << 2;
    /// Unicast promiscuous.
    pub const UPE: u32 = 1 << 3;
    /// Multicast promiscuous.
    pub const MPE: u32 = 1 << 4;
    /// Long packet enable.
    pub const LPE: u32 = 1 << 5;
    /// Multicast offset (MTA hash filter type) shift, bits 13:12; these drivers use type 0.
    pub const MO_SHIFT: u32 = 12;
    /// Broadcast accept.
    pub const BAM: u32 = 1 << 15;
    /// VLAN filter enable.
    pub const VFE: u32 = 1 << 18;
    /// Strip Ethernet CRC.
    pub const SECRC: u32 = 1 << 26;
}

/// TCTL bits.
pub mod tctl {
    /// Transmitter enable.
    pub const EN: u32 = 1 << 1;
    /// Pad short packets.
    pub const PSP: u32 = 1 << 3;
    /// Collision threshold shift (bits 11:4).
    pub const CT_SHIFT: u32 = 4;
    /// Collision distance shift (bits 21:12).
    pub const COLD_SHIFT: u32 = 12;
    /// Re-transmit on late collision.
    pub const RTLC: u32 = 1 << 24;
}

/// MRQC modes (bits 2:0, §2.2).
pub mod mrqc {
    /// Mode field mask.
    pub const MODE_MASK: u32 = 0b111;
    /// RSS only.
    pub const RSS: u32 = 0b010;
    /// VMDq.
    pub const VMDQ: u32 = 0b011;
    /// VMDq + RSS (2 RSS queues per pool on 82576).
    pub const VMDQ_RSS: u32 = 0b101;
}

/// DTXCTL bits.
pub mod dtxctl {
    /// 802.3 LL.
    pub const LL8023: u32 = 1 << 2;
    /// VLAN already added (Linux sets it on 82576 with VFs).
    pub const VLAN_ADDED: u32 = 1 << 3;
    /// Out-of-sync enable.
    pub const OOS_ENABLE: u32 = 1 << 4;
    /// Malicious driver protection enable.
    pub const MDP_EN: u32 = 1 << 5;
    /// Spoof interrupt enable.
    pub const SPOOF_INT: u32 = 1 << 6;
}

// ---- Per-queue registers ----

/// The registers of one Rx queue, wherever the queue block lives (PF or VF BAR).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RxQueueRegs<B: super::Bar> {
    /// Descriptor base address, low 32 bits.
    pub rdbal: super::Reg<B>,
    /// Descriptor base address, high 32 bits.
    pub rdbah: super::Reg<B>,
    /// Ring length in bytes (multiple of 128).
    pub rdlen: super::Reg<B>,
    /// Split and replication control (buffer sizes, descriptor type, DROP_EN).
    pub srrctl: super::Reg<B>,
    /// Head (written by hardware).
    pub rdh: super::Reg<B>,
    /// DCA control (RXCTL).
    pub rxctl: super::Reg<B>,
    /// Tail (the doorbell).
    pub rdt: super::Reg<B>,
    /// Descriptor control (thresholds, ENABLE).
    pub rxdctl: super::Reg<B>,
    /// Rx queue drop packet count.
    pub rqdpc: super::Reg<B>,
}

/// The registers of one Tx queue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TxQueueRegs<B: super::Bar> {
    /// Descriptor base address, low 32 bits.
    pub tdbal: super::Reg<B>,
    /// Descriptor base address, high 32 bits.
    pub tdbah: super::Reg<B>,
    /// Ring length in bytes (multiple of 128).
    pub tdlen: super::Reg<B>,
    /// Head (written by hardware).
    pub tdh: super::Reg<B>,
    /// DCA control (TXCTL).
    pub txctl: super::Reg<B>,
    /// Tail (the doorbell).
    pub tdt: super::Reg<B>,
    /// Descriptor control (thresholds, ENABLE).
    pub txdctl: super::Reg<B>,
    /// Head write-back address low (bit 0 enables it).
    pub tdwbal: super::Reg<B>,
    /// Head write-back address high.
    pub tdwbah: super::Reg<B>,
}

impl<B: super::Bar> RxQueueRegs<B> {
    /// The Rx register block starting at `base` (RDBAL), if it fits in the BAR.
    #[must_use]
    pub const fn at(base: u32) -> Option<Self> {
        // Offsets inside a queue block: igb-hardware.md §3 "Rx queue 0" row.
        if base > u32::MAX - 0x30 {
            return None;
        }
        let (Some(rdbal), Some(rdbah), Some(rdlen), Some(srrctl)) = (
            super::Reg::checked(base),
            super::Reg::checked(base.wrapping_add(0x04)),
            super::Reg::checked(base.wrapping_add(0x08)),
            super::Reg::checked(base.wrapping_add(0x0C)),
        ) else {
            return None;
        };
        let (Some(rdh), Some(rxctl), Some(rdt), Some(rxdctl), Some(rqdpc)) = (
            super::Reg::checked(base.wrapping_add(0x10)),
            super::Reg::checked(base.wrapping_add(0x14)),
            super::Reg::checked(base.wrapping_add(0x18)),
            super::Reg::checked(base.wrapping_add(0x28)),
            super::Reg::checked(base.wrapping_add(0x30)),
        ) else {
            return None;
        };
        Some(Self {
            rdbal,
            rdbah,
            rdlen,
            srrctl,
            rdh,
            rxctl,
            rdt,
            rxdctl,
            rqdpc,
        })
    }
}

impl<B: super::Bar> TxQueueRegs<B> {
    /// The Tx register block starting at `base` (TDBAL), if it fits in the BAR.
    #[must_use]
    pub const fn at(base: u32) -> Option<Self> {
        // Offsets inside a queue block: igb-hardware.md §3 "Tx queue 0" row.
        if base > u32::MAX - 0x3C {
            return None;
        }
        let (Some(tdbal), Some(tdbah), Some(tdlen), Some(tdh), Some(txctl)) = (
            super::Reg::checked(base),
            super::Reg::checked(base.wrapping_add(0x04)),
            super::Reg::checked(base.wrapping_add(0x08)),
            super::Reg::checked(base.wrapping_add(0x10)),
            super::Reg::checked(base.wrapping_add(0x14)),
        ) else {
            return None;
        };
        let (Some(tdt), Some(txdctl), Some(tdwbal), Some(tdwbah)) = (
            super::Reg::checked(base.wrapping_add(0x18)),
            super::Reg::checked(base.wrapping_add(0x28)),
            super::Reg::checked(base.wrapping_add(0x38)),
            super::Reg::checked(base.wrapping_add(0x3C)),
        ) else {
            return None;
        };
        Some(Self {
            tdbal,
            tdbah,
            tdlen,
            tdh,
            txctl,
            tdt,
            txdctl,
            tdwbal,
            tdwbah,
        })
    }
}

/// PF queue block base: queues 0..3 at `low + 0x100 n`, queues 4.. at `high + 0x40 n`
/// (Linux `E1000_RDBAL(_n)` / `E1000_TDBAL(_n)`).
const fn queue_base(generation: Generation, queue: usize, low: u32, high: u32) -> Option<u32> {
    if queue >= GenerationTraits::of(generation).queues {
        return None;
    }
    // queue < 16.
    let queue = queue as u32;
    if queue < 4 {
        Some(low + 0x100 * queue)
    } else {
        Some(high + 0x40 * queue)
    }
}

/// The PF registers of Rx queue `queue`, `None` if the generation has no such queue.
#[must_use]
pub const fn rx_queue(generation: Generation, queue: usize) -> Option<RxQueueRegs<super::PfBar>> {
    match queue_base(generation, queue, 0x2800, 0xC000) {
        Some(base) => RxQueueRegs::at(base),
        None => None,
    }
}

/// The PF registers of Tx queue `queue`, `None` if the generation has no such queue.
#[must_use]
pub const fn tx_queue(generation: Generation, queue: usize) -> Option<TxQueueRegs<super::PfBar>> {
    match queue_base(generation, queue, 0x3800, 0xE000) {
        Some(base) => TxQueueRegs::at(base),
        None => None,
    }
}

/// SRRCTL bits (§4.1).
pub mod srrctl {
    /// Packet buffer size field (bits 6:0, 1 KiB units).
    pub const BSIZEPACKET_MASK: u32 = 0x7F;
    /// Shift from bytes to the packet-size field (1 KiB units).
    pub const BSIZEPACKET_SHIFT_BYTES: u32 = 10;
    /// Header buffer size field (bits 11:8, 64-byte units).
    pub const BSIZEHEADER_MASK: u32 = 0xF << 8;
    /// Descriptor type shift (bits 27:25).
    pub const DESCTYPE_SHIFT: u32 = 25;
    /// Descriptor type mask.
    pub const DESCTYPE_MASK: u32 = 0b111 << DESCTYPE_SHIFT;
    /// Advanced descriptors, one buffer.
    pub const DESCTYPE_ADV_ONEBUF: u32 = 0b001 << DESCTYPE_SHIFT;
    /// Drop when no descriptors (needed for untrusted VFs, §5.6).
    pub const DROP_EN: u32 = 1 << 31;

    /// SRRCTL for an advanced one-buffer queue with `buffer_len` bytes per buffer (rounded
    /// down to whole KiB), or `None` if that is 0 KiB or more than the field holds.
    #[must_use]
    pub const fn one_buffer(buffer_len: u32, drop_when_full: bool) -> Option<u32> {
        let kib = buffer_len >> BSIZEPACKET_SHIFT_BYTES;
        if kib == 0 || kib > BSIZEPACKET_MASK {
            return None;
        }
        let drop = if drop_when_full { DROP_EN } else { 0 };
        Some(kib | DESCTYPE_ADV_ONEBUF | drop)
    }
}

/// RXDCTL / TXDCTL bits.
pub mod dctl {
    /// Prefetch threshold (bits 4:0).
    pub const PTHRESH_SHIFT: u32 = 0;
    /// Host threshold (bits 12:8).
    pub const HTHRESH_SHIFT: u32 = 8;
    /// Write-back threshold (bits 20:16). DPDK clamps it to 1 on 82576 (erratum, §3).
    pub const WTHRESH_SHIFT: u32 = 16;
    /// Threshold field mask (5 bits).
    pub const THRESH_MASK: u32 = 0x1F;
    /// Queue enable.
    pub const ENABLE: u32 = 1 << 25;
    /// Rx software flush (RXDCTL only).
    pub const SWFLSH: u32 = 1 << 26;
}

/// TXCTL (DCA) bits.
pub mod txctl {
    /// Tx descriptor write-back relaxed ordering; Linux igbvf clears it with head write-back.
    pub const DESC_WB_RELAXED_ORDER: u32 = 1 << 11;
}

// ---- VMDq / pools (§2.2) ----

/// Number of VMDq pools on both generations.
pub const POOLS: usize = 8;

/// Virtualization control (default pool, replication).
pub const VT_CTL: PfReg = reg(0x581C);
/// Per-pool Rx enable.
pub const VFRE: PfReg = reg(0x0C8C);
/// Per-pool Tx enable.
pub const VFTE: PfReg = reg(0x0C90);
/// Replicated-packet offload (82576 only; use [`rplolr`]).
const RPLOLR: PfReg = reg(0x5AF0);
/// IOV control (REUSE_VFQ).
pub const IOVCTL: PfReg = reg(0x5BBC);

/// VT_CTL bits.
pub mod vt_ctl {
    /// Default pool shift (bits 9:7).
    pub const DEF_PL_SHIFT: u32 = 7;
    /// Default pool mask.
    pub const DEF_PL_MASK: u32 = 0b111 << DEF_PL_SHIFT;
    /// Ignore MAC for pool selection.
    pub const IGNORE_MAC: u32 = 1 << 28;
    /// Disable the default pool.
    pub const DIS_DEF_POOL: u32 = 1 << 29;
    /// Replicate broadcast/multicast to every matching pool.
    pub const REPL_EN: u32 = 1 << 30;
}

/// VMOLR[pool]: per-pool Rx offload/filter control (bits in `crate::filters::Vmolr`).
#[must_use]
pub const fn vmolr(pool: usize) -> Option<PfReg> {
    PfReg::indexed(0x5AD0, 4, pool, POOLS)
}

/// VMVIR[pool]: per-pool VLAN insert.
#[must_use]
pub const fn vmvir(pool: usize) -> Option<PfReg> {
    PfReg::indexed(0x3700, 4, pool, POOLS)
}

/// PSRTYPE[pool]: per-pool header-split packet types.
#[must_use]
pub const fn psrtype(pool: usize) -> Option<PfReg> {
    PfReg::indexed(0x5480, 4, pool, POOLS)
}

/// DVMOLR[pool] (I350 only: per-pool STRVLAN/HIDEVLAN/STRCRC, replacing VMOLR.STRVLAN).
#[must_use]
pub const fn dvmolr(generation: Generation, pool: usize) -> Option<PfReg> {
    if !GenerationTraits::of(generation).has_dvmolr {
        return None;
    }
    PfReg::indexed(0xC038, 0x40, pool, POOLS)
}

/// RPLOLR (82576 only): offloads for replicated broadcast/multicast frames.
#[must_use]
pub const fn rplolr(generation: Generation) -> Option<PfReg> {
    if GenerationTraits::of(generation).has_rplolr {
        Some(RPLOLR)
    } else {
        None
    }
}

/// VMVIR bits.
pub mod vmvir_bits {
    /// Default VLAN tag (bits 15:0).
    pub const TAG_MASK: u32 = 0xFFFF;
    /// Always insert the default tag.
    pub const VLANA_DEFAULT: u32 = 0b01 << 30;
    /// Never insert.
    pub const VLANA_NEVER: u32 = 0b10 << 30;
}

/// DVMOLR / RPLOLR bits.
pub mod dvmolr_bits {
    /// Hide VLAN (I350 DVMOLR).
    pub const HIDEVLAN: u32 = 1 << 29;
    /// Strip VLAN.
    pub const STRVLAN: u32 = 1 << 30;
    /// Strip CRC.
    pub const STRCRC: u32 = 1 << 31;
}

// ---- Address and VLAN filters (§2.3) ----

/// Number of MTA / UTA / VFTA registers (4096-bit tables).
pub const HASH_TABLE_REGS: usize = 128;
/// Number of VLVF entries.
pub const VLVF_ENTRIES: usize = 32;

/// RAL[i]: receive address low (MAC bytes 0-3). Entries 0-15 at 0x5400 + 8i, 16.. at
/// 0x54E0 + 8(i - 16); 24 entries on 82576, 32 on I350.
#[must_use]
pub const fn ral(generation: Generation, index: usize) -> Option<PfReg> {
    if index >= GenerationTraits::of(generation).rar_entries {
        return None;
    }
    if index < 16 {
        PfReg::indexed(0x5400, 8, index, 16)
    } else {
        PfReg::indexed(0x54E0, 8, index - 16, 16)
    }
}

/// RAH[i]: receive address high (MAC bytes 4-5, POOLSEL, AV).
#[must_use]
pub const fn rah(generation: Generation, index: usize) -> Option<PfReg> {
    match ral(generation, index) {
        Some(low) => low.plus(4),
        None => None,
    }
}

/// MTA[i]: multicast hash table.
#[must_use]
pub const fn mta(index: usize) -> Option<PfReg> {
    PfReg::indexed(0x5200, 4, index, HASH_TABLE_REGS)
}

/// UTA[i]: unicast hash table.
#[must_use]
pub const fn uta(index: usize) -> Option<PfReg> {
    PfReg::indexed(0xA000, 4, index, HASH_TABLE_REGS)
}

/// VFTA[i]: global VLAN filter bitmap.
#[must_use]
pub const fn vfta(index: usize) -> Option<PfReg> {
    PfReg::indexed(0x5600, 4, index, HASH_TABLE_REGS)
}

/// VLVF[i]: VLAN → pools filter.
#[must_use]
pub const fn vlvf(index: usize) -> Option<PfReg> {
    PfReg::indexed(0x5D00, 4, index, VLVF_ENTRIES)
}

/// RAH bits.
pub mod rah_bits {
    /// MAC bytes 4-5.
    pub const ADDR_HIGH_MASK: u32 = 0xFFFF;
    /// Address select (bits 17:16; 0 = destination address).
    pub const ASEL_MASK: u32 = 0b11 << 16;
    /// Pool select bitmap shift (bit 18 = pool 0 … bit 25 = pool 7).
    pub const POOLSEL_SHIFT: u32 = 18;
    /// Pool select mask.
    pub const POOLSEL_MASK: u32 = 0xFF << POOLSEL_SHIFT;
    /// Address valid.
    pub const AV: u32 = 1 << 31;
}

/// VLVF bits.
pub mod vlvf_bits {
    /// VLAN ID (bits 11:0).
    pub const VID_MASK: u32 = 0xFFF;
    /// Pool select shift (bits 19:12).
    pub const POOLSEL_SHIFT: u32 = 12;
    /// Pool select mask.
    pub const POOLSEL_MASK: u32 = 0xFF << POOLSEL_SHIFT;
    /// Local VLAN.
    pub const LVLAN: u32 = 1 << 20;
    /// Entry enable.
    pub const VI_EN: u32 = 1 << 31;
}

// ---- Switch, anti-spoof (§2.4) ----

/// DTXSWC: 82576 switch control (use `GenerationTraits::switch_control`).
pub const DTXSWC: PfReg = reg(0x3500);
/// TXSWC: I350 switch control (same bits as DTXSWC).
pub const TXSWC: PfReg = reg(0x5ACC);
/// Wrong VM behaviour (spoof events, read-clear).
pub const WVBR: PfReg = reg(0x3554);
/// Last malformed-Tx cause (I350).
pub const LVMMC: PfReg = reg(0x3548);
/// Tx rate scheduler queue select.
pub const RTTDQSEL: PfReg = reg(0x3604);
/// Tx rate limiter burst/normal.
pub const RTTBCNRM: PfReg = reg(0x3690);
/// Tx rate limiter rate control.
pub const RTTBCNRC: PfReg = reg(0x36B0);

/// DTXSWC / TXSWC bits.
pub mod txswc {
    /// MAC anti-spoof enable per pool (bits 7:0).
    pub const MAC_SPOOF_SHIFT: u32 = 0;
    /// VLAN anti-spoof enable per pool (bits 15:8).
    pub const VLAN_SPOOF_SHIFT: u32 = 8;
    /// Local loopback enable per pool (bits 23:16).
    pub const LLE_SHIFT: u32 = 16;
    /// Global VMDq loopback enable.
    pub const LOOPBACK_EN: u32 = 1 << 31;

    /// The value enabling MAC and VLAN anti-spoof for every pool in `spoof_checked` and
    /// VMDq loopback. Takes a bitmap, so the Linux `pf + 7` slip (§2.4) cannot happen here.
    #[must_use]
    pub const fn with_anti_spoof(spoof_checked: crate::regs::PoolMask) -> u32 {
        let pools = spoof_checked.0 as u32;
        (pools << MAC_SPOOF_SHIFT) | (pools << VLAN_SPOOF_SHIFT) | LOOPBACK_EN
    }
}

// ---- Mailbox and VF events (§2.5) ----

/// Number of VF mailboxes.
pub const MAILBOXES: usize = 8;
/// Dwords in one mailbox message buffer.
pub const MAILBOX_WORDS: usize = 16;

/// Mailbox VF interrupt cause (VFREQ bits 7:0, VFACK bits 23:16; write-1-to-clear).
pub const MBVFICR: PfReg = reg(0x0C80);
/// Per-VF mailbox interrupt mask.
pub const MBVFIMR: PfReg = reg(0x0C84);
/// VF level reset events (write-1-to-clear).
pub const VFLRE: PfReg = reg(0x0C88);

/// PFMAILBOX / P2VMAILBOX[vf]: the PF's control register of VF `vf`'s mailbox.
#[must_use]
pub const fn pf_mailbox(vf: usize) -> Option<PfReg> {
    PfReg::indexed(0x0C00, 4, vf, MAILBOXES)
}

/// VMBMEM[vf] word `word`: the message buffer shared with VF `vf`.
#[must_use]
pub const fn vmbmem(vf: usize, word: usize) -> Option<PfReg> {
    if vf >= MAILBOXES || word >= MAILBOX_WORDS {
        return None;
    }
    // vf < 8, word < 16.
    PfReg::checked(0x0800 + 64 * vf as u32 + 4 * word as u32)
}

/// PFMAILBOX bits (§2.5).
pub mod pf_mailbox_bits {
    /// Message ready for the VF.
    pub const STS: u32 = 1 << 0;
    /// Acknowledge the VF's message.
    pub const ACK: u32 = 1 << 1;
    /// VF holds the buffer (read-only).
    pub const VFU: u32 = 1 << 2;
    /// PF takes the buffer.
    pub const PFU: u32 = 1 << 3;
    /// Force-clear a stuck VFU.
    pub const RVFU: u32 = 1 << 4;
}

/// MBVFICR fields.
pub mod mbvficr {
    /// VF n posted a message: bit n.
    pub const VFREQ_SHIFT: u32 = 0;
    /// VF n acknowledged a PF message: bit 16 + n.
    pub const VFACK_SHIFT: u32 = 16;
}

// ---- Per-VF mirror registers and per-pool statistics (PF view, §2.5) ----

const fn vf_mirror(vf: usize, field: u32) -> Option<PfReg> {
    if vf >= POOLS {
        return None;
    }
    // vf < 8, so 0x10000 + 0x100 * vf + field (< 0x100) stays far inside the 128 KiB BAR.
    PfReg::checked(0x1_0000 + 0x100 * vf as u32 + field)
}

/// PVTCTRL[vf]: mirror of VF `vf`'s VTCTRL.
#[must_use]
pub const fn pvtctrl(vf: usize) -> Option<PfReg> {
    vf_mirror(vf, 0x00)
}
/// PVTEICS[vf].
#[must_use]
pub const fn pvteics(vf: usize) -> Option<PfReg> {
    vf_mirror(vf, 0x20)
}
/// PVTEIMS[vf].
#[must_use]
pub const fn pvteims(vf: usize) -> Option<PfReg> {
    vf_mirror(vf, 0x24)
}
/// PVTEIMC[vf].
#[must_use]
pub const fn pvteimc(vf: usize) -> Option<PfReg> {
    vf_mirror(vf, 0x28)
}
/// PVTEIAC[vf].
#[must_use]
pub const fn pvteiac(vf: usize) -> Option<PfReg> {
    vf_mirror(vf, 0x2C)
}
/// PVTEIAM[vf].
#[must_use]
pub const fn pvteiam(vf: usize) -> Option<PfReg> {
    vf_mirror(vf, 0x30)
}
/// PVTEICR[vf].
#[must_use]
pub const fn pvteicr(vf: usize) -> Option<PfReg> {
    vf_mirror(vf, 0x80)
}
/// PVFGPRC[pool]: good packets received by the pool.
#[must_use]
pub const fn pvfgprc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x10)
}
/// PVFGPTC[pool]: good packets transmitted by the pool.
#[must_use]
pub const fn pvfgptc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x14)
}
/// PVFGORC[pool]: good octets received.
#[must_use]
pub const fn pvfgorc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x18)
}
/// PVFGOTC[pool]: good octets transmitted.
#[must_use]
pub const fn pvfgotc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x34)
}
/// PVFMPRC[pool]: multicast packets received.
#[must_use]
pub const fn pvfmprc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x3C)
}
/// PVFGPRLBC[pool]: good packets received by loopback.
#[must_use]
pub const fn pvfgprlbc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x40)
}
/// PVFGPTLBC[pool]: good packets transmitted by loopback.
#[must_use]
pub const fn pvfgptlbc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x44)
}
/// PVFGORLBC[pool]: good octets received by loopback.
#[must_use]
pub const fn pvfgorlbc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x48)
}
/// PVFGOTLBC[pool]: good octets transmitted by loopback.
#[must_use]
pub const fn pvfgotlbc(pool: usize) -> Option<PfReg> {
    vf_mirror(pool, 0x50)
}

// Compile-time checks of fixed offsets against igb-hardware.md §2 (a wrong edit fails the build).
const _: () = assert!(CTRL.offset() == 0x0000 && STATUS.offset() == 0x0008);
const _: () = assert!(CTRL_EXT.offset() == 0x0018 && GPIE.offset() == 0x1514);
const _: () = assert!(EICS.offset() == 0x1520 && EIMS.offset() == 0x1524);
const _: () = assert!(EIMC.offset() == 0x1528 && EIAC.offset() == 0x152C);
const _: () = assert!(EIAM.offset() == 0x1530 && EICR.offset() == 0x1580);
const _: () = assert!(IVAR_MISC.offset() == 0x1740);
const _: () = assert!(EERD.offset() == 0x0014 && MDIC.offset() == 0x0020);
const _: () = assert!(FCAL.offset() == 0x0028 && FCAH.offset() == 0x002C);
const _: () = assert!(FCT.offset() == 0x0030 && FCTTV.offset() == 0x0170);
const _: () = assert!(FCRTL.offset() == 0x2160 && FCRTH.offset() == 0x2168);
const _: () = assert!(RXPBS.offset() == 0x2404);
const _: () = assert!(CRCERRS.offset() == 0x4000 && RXERRC.offset() == 0x400C);
const _: () = assert!(MPC.offset() == 0x4010 && COLC.offset() == 0x4028);
const _: () = assert!(RLEC.offset() == 0x4040 && GPRC.offset() == 0x4074);
const _: () = assert!(BPRC.offset() == 0x4078 && MPRC.offset() == 0x407C);
const _: () = assert!(GPTC.offset() == 0x4080 && GORCL.offset() == 0x4088);
const _: () = assert!(GORCH.offset() == 0x408C && GOTCL.offset() == 0x4090);
const _: () = assert!(GOTCH.offset() == 0x4094 && RUC.offset() == 0x40A4);
const _: () = assert!(ROC.offset() == 0x40AC && MPTC.offset() == 0x40F0);
const _: () = assert!(BPTC.offset() == 0x40F4);
const _: () = assert!(ctrl::FRCSPD == 0x800 && ctrl::FRCDPX == 0x1000);
const _: () = assert!(ctrl::RFCE == 0x0800_0000 && ctrl::TFCE == 0x1000_0000);
const _: () = assert!(VT_CTL.offset() == 0x581C && MRQC.offset() == 0x5818);
const _: () = assert!(VFRE.offset() == 0x0C8C && VFTE.offset() == 0x0C90);
const _: () = assert!(MBVFICR.offset() == 0x0C80 && MBVFIMR.offset() == 0x0C84);
const _: () = assert!(VFLRE.offset() == 0x0C88 && WVBR.offset() == 0x3554);
const _: () = assert!(DTXSWC.offset() == 0x3500 && TXSWC.offset() == 0x5ACC);
const _: () = assert!(QDE.offset() == 0x2408 && RPLOLR.offset() == 0x5AF0);
const _: () = assert!(rah_bits::POOLSEL_SHIFT == 18 && rah_bits::AV == 0x8000_0000);
const _: () = assert!(vlvf_bits::VI_EN == 0x8000_0000 && vlvf_bits::POOLSEL_SHIFT == 12);
// The per-VF mirror block must fit in the BAR for every VF.
const _: () = assert!(0x1_0000 + 0x100 * (POOLS as u32) <= 0x2_0000);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Generation::{I350, I82576};

    fn off(reg: Option<PfReg>) -> Option<u32> {
        reg.map(PfReg::offset)
    }

    #[test]
    fn queue_blocks_match_linux_layout() {
        let q0 = rx_queue(I82576, 0).unwrap();
        assert_eq!(q0.rdbal.offset(), 0x2800);
        assert_eq!(q0.rdt.offset(), 0x2818);
        assert_eq!(q0.rxdctl.offset(), 0x2828);
        assert_eq!(q0.srrctl.offset(), 0x280C);
        let q3 = rx_queue(I82576, 3).unwrap();
        assert_eq!(q3.rdbal.offset(), 0x2B00);
        let q4 = rx_queue(I82576, 4).unwrap();
        assert_eq!(q4.rdbal.offset(), 0xC100);
        let q15 = rx_queue(I82576, 15).unwrap();
        assert_eq!(q15.rdt.offset(), 0xC3D8);
        assert!(rx_queue(I82576, 16).is_none());
        assert!(rx_queue(I350, 8).is_none());
        assert!(rx_queue(I350, 7).is_some());
        let t1 = tx_queue(I82576, 1).unwrap();
        assert_eq!(
            (t1.tdbal.offset(), t1.tdt.offset(), t1.txdctl.offset()),
            (0x3900, 0x3918, 0x3928)
        );
        let t8 = tx_queue(I82576, 8).unwrap();
        assert_eq!(
            (t8.tdbal.offset(), t8.tdh.offset(), t8.tdwbal.offset()),
            (0xE200, 0xE210, 0xE238)
        );
    }

    #[test]
    fn filter_tables() {
        assert_eq!(off(ral(I82576, 0)), Some(0x5400));
        assert_eq!(off(rah(I82576, 0)), Some(0x5404));
        assert_eq!(off(ral(I82576, 15)), Some(0x5478));
        assert_eq!(off(ral(I82576, 16)), Some(0x54E0));
        assert_eq!(off(rah(I82576, 23)), Some(0x551C));
        assert_eq!(off(ral(I82576, 24)), None);
        assert_eq!(off(rah(I350, 31)), Some(0x555C));
        assert_eq!(off(ral(I350, 32)), None);
        assert_eq!(off(mta(127)), Some(0x53FC));
        assert_eq!(off(mta(128)), None);
        assert_eq!(off(uta(1)), Some(0xA004));
        assert_eq!(off(vfta(2)), Some(0x5608));
        assert_eq!(off(vlvf(31)), Some(0x5D7C));
        assert_eq!(off(vlvf(32)), None);
    }

    #[test]
    fn pool_and_vf_registers() {
        assert_eq!(off(vmolr(7)), Some(0x5AEC));
        assert_eq!(off(vmolr(8)), None);
        assert_eq!(off(vmvir(1)), Some(0x3704));
        assert_eq!(off(dvmolr(I350, 2)), Some(0xC0B8));
        assert_eq!(off(dvmolr(I82576, 2)), None);
        assert_eq!(off(rplolr(I82576)), Some(0x5AF0));
        assert_eq!(off(rplolr(I350)), None);
        assert_eq!(off(pf_mailbox(7)), Some(0x0C1C));
        assert_eq!(off(pf_mailbox(8)), None);
        assert_eq!(off(vmbmem(1, 15)), Some(0x087C));
        assert_eq!(off(vmbmem(1, 16)), None);
        assert_eq!(off(pvfgprc(2)), Some(0x10210));
        assert_eq!(off(pvfgotc(0)), Some(0x10034));
        assert_eq!(off(pvteicr(7)), Some(0x10780));
        assert_eq!(off(pvtctrl(8)), None);
        assert_eq!(off(eitr(0)), Some(0x1680));
        assert_eq!(off(ivar(7)), Some(0x171C));
        assert_eq!(off(ivar(8)), None);
    }

    #[test]
    fn srrctl_and_switch_helpers() {
        assert_eq!(srrctl::one_buffer(2048, true), Some(0x8200_0002));
        assert_eq!(srrctl::one_buffer(512, false), None);
        assert_eq!(srrctl::one_buffer(128 * 1024, false), None);
        let all_vfs = crate::regs::PoolMask(0b0111_1111);
        assert_eq!(txswc::with_anti_spoof(all_vfs), 0x8000_7F7F);
    }
}
