//! The device state behind the mutex: register file with side effects, interrupt logic,
//! mailbox and resets. The datapath (Tx/Rx/switch) is in `datapath.rs`.

use std::sync::Arc;
use std::time::Duration;

use hw_platform::MsixVector;
use igb::ids::Generation;

use crate::clock::ModelClock;
use crate::config::ConfigSpaces;
use crate::dma::{DmaBus, DmaFault};
use crate::nvm::Nvm;
use crate::phy::{LinkPartner, Phy, Resolved, Speed};
use crate::regs as r;

/// PF BAR0 size (128 KiB, igb-hardware.md §1.2).
pub const PF_BAR_SIZE: u32 = 0x2_0000;
/// VF BAR0 size (16 KiB).
pub const VF_BAR_SIZE: u32 = 0x4000;
/// MSI-X vectors of the PF (§1.3).
pub const PF_MSIX_VECTORS: u16 = 10;
/// MSI-X vectors of a VF (§1.3).
pub const VF_MSIX_VECTORS: u16 = 3;
/// VMDq pools.
pub const NUM_POOLS: usize = 8;
/// Most VFs the model exposes (Linux's limit; pool 7 stays with the PF, §1.3).
pub const MAX_VFS: u8 = 7;
/// Queue register blocks the model stores (82576 has 16; I350 uses the first 8).
pub const MAX_QUEUES: usize = 16;
/// Largest frame the Tx path assembles from descriptors (TSO included).
pub const MAX_TX_FRAME: usize = 256 * 1024;
/// Wire log entries kept for pcap output.
pub const WIRE_LOG_LIMIT: usize = 65536;

/// A PCI function of the adapter.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Function {
    /// The Physical Function.
    Pf,
    /// Virtual Function n (0-based, owns pool n).
    Vf(u8),
}

/// Model-internal counters for tests: what the model dropped and why, and misuse it saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModelCounters {
    /// Device accesses outside every allocated DMA region (descriptor not processed).
    pub dma_faults: u64,
    /// Tx frames dropped by MAC anti-spoofing.
    pub tx_mac_spoof_drops: u64,
    /// Tx frames dropped by VLAN anti-spoofing.
    pub tx_vlan_spoof_drops: u64,
    /// Tx frames shorter than an Ethernet header or larger than the model's limit.
    pub tx_malformed: u64,
    /// Tx frames whose offload request was inconsistent (or SCTP, not modelled).
    pub tx_offload_errors: u64,
    /// Tx descriptors that were neither advanced data nor advanced context.
    pub tx_unsupported_descriptors: u64,
    /// Frames sent out of the wire port.
    pub tx_to_wire: u64,
    /// Frames delivered to a pool by the internal switch.
    pub tx_looped_back: u64,
    /// Tx frames dropped because the link was down.
    pub tx_link_down_drops: u64,
    /// Rx frames (wire or loopback) that matched no pool / were not accepted.
    pub rx_no_match_drops: u64,
    /// Rx frames dropped by the VLAN filter table (RCTL.VFE + VFTA).
    pub rx_vlan_filter_drops: u64,
    /// Rx frames (or per-pool copies) over the length limit.
    pub rx_oversize_drops: u64,
    /// Rx copies dropped because the target ring had no free descriptor.
    pub rx_no_descriptor_drops: u64,
    /// Rx copies dropped because the queue (RXDCTL) or receiver (RCTL) was disabled.
    pub rx_disabled_drops: u64,
    /// Frames injected while the link was down.
    pub rx_link_down_drops: u64,
    /// VMBMEM writes refused because the writer did not hold the buffer (VFU/PFU).
    pub mailbox_writes_rejected: u64,
    /// IVAR writes ignored because GPIE.MSIX_MODE was clear (§2.7).
    pub ivar_writes_ignored: u64,
    /// MMIO accesses outside a BAR, unaligned, or to a VF that is not enabled.
    pub bad_mmio_accesses: u64,
    /// VF MSI-X messages withheld because the PF left GPIE.MSIX_MODE clear (as QEMU's igb:
    /// a VF's interrupts depend on its PF having put the device in MSI-X mode).
    pub vf_interrupts_withheld: u64,
    /// Interrupt causes that had no MSI-X vector to go to.
    pub undeliverable_interrupts: u64,
    /// Rings programmed with head/tail outside the ring (not processed).
    pub bad_ring_state: u64,
    /// Ring work not done because the owning function's Bus Master Enable was clear.
    pub dma_blocked: u64,
    /// Wire frames under 64 bytes (with CRC) dropped as runts (RUC).
    pub rx_undersize_drops: u64,
    /// Function-level resets done through PCIe Device Control (PF or VF).
    pub function_level_resets: u64,
    /// SR-IOV VF Enable set with NumVFs 0 or above TotalVFs (no VF created).
    pub sriov_invalid_enables: u64,
    /// MDIC accesses refused with MDIC.E (wrong PHY address or opcode).
    pub mdic_errors: u64,
    /// BAR accesses while the function's memory decoding was off (Command.MSE / VF MSE).
    pub mmio_decode_disabled: u64,
}

/// Per-queue counters kept by the model (the 82576's per-queue byte counters are not
/// register-visible in the model; RQDPC is).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Frames written to this Rx queue.
    pub rx_packets: u64,
    /// Bytes written to this Rx queue (as written, CRC included when not stripped).
    pub rx_bytes: u64,
    /// Frames dropped for lack of descriptors on this queue.
    pub rx_no_descriptor_drops: u64,
    /// Frames transmitted from this Tx queue.
    pub tx_packets: u64,
    /// Bytes transmitted from this Tx queue.
    pub tx_bytes: u64,
}

/// Per-pool statistics (the VF statistics registers of §3; 32-bit, wrapping, not clear-on-read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// VFGPRC.
    pub gprc: u32,
    /// VFGPTC.
    pub gptc: u32,
    /// VFGORC.
    pub gorc: u32,
    /// VFGOTC.
    pub gotc: u32,
    /// VFMPRC.
    pub mprc: u32,
    /// VFGPRLBC.
    pub gprlbc: u32,
    /// VFGPTLBC.
    pub gptlbc: u32,
    /// VFGORLBC.
    pub gorlbc: u32,
    /// VFGOTLBC.
    pub gotlbc: u32,
}

/// A per-VF statistics register (igb-hardware.md §3), for [`crate::Device::preset_vf_counter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VfCounter {
    /// VFGPRC.
    Gprc,
    /// VFGPTC.
    Gptc,
    /// VFGORC.
    Gorc,
    /// VFGOTC.
    Gotc,
    /// VFMPRC.
    Mprc,
    /// VFGPRLBC.
    Gprlbc,
    /// VFGPTLBC.
    Gptlbc,
    /// VFGORLBC.
    Gorlbc,
    /// VFGOTLBC.
    Gotlbc,
}

impl PoolStats {
    pub(crate) fn slot(&mut self, which: VfCounter) -> &mut u32 {
        match which {
            VfCounter::Gprc => &mut self.gprc,
            VfCounter::Gptc => &mut self.gptc,
            VfCounter::Gorc => &mut self.gorc,
            VfCounter::Gotc => &mut self.gotc,
            VfCounter::Mprc => &mut self.mprc,
            VfCounter::Gprlbc => &mut self.gprlbc,
            VfCounter::Gptlbc => &mut self.gptlbc,
            VfCounter::Gorlbc => &mut self.gorlbc,
            VfCounter::Gotlbc => &mut self.gotlbc,
        }
    }

    fn read(&self, vf_offset: u32) -> u32 {
        match vf_offset {
            r::VFGPRC => self.gprc,
            r::VFGPTC => self.gptc,
            r::VFGORC => self.gorc,
            r::VFGOTC => self.gotc,
            r::VFMPRC => self.mprc,
            r::VFGPRLBC => self.gprlbc,
            r::VFGPTLBC => self.gptlbc,
            r::VFGORLBC => self.gorlbc,
            r::VFGOTLBC => self.gotlbc,
            _ => 0,
        }
    }
}

/// Global (PF) statistics, 64-bit inside, read-to-clear through registers.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GlobalStats {
    pub crcerrs: u64,
    pub rxerrc: u64,
    pub colc: u64,
    pub rlec: u64,
    pub ruc: u64,
    pub bptc: u64,
    pub mptc: u64,
    pub mpc: u64,
    pub gprc: u64,
    pub bprc: u64,
    pub mprc: u64,
    pub gptc: u64,
    pub gorc: u64,
    pub gotc: u64,
    pub rnbc: u64,
    pub roc: u64,
    pub tpr: u64,
    pub tpt: u64,
}

/// Tx engine state that is not register-visible.
#[derive(Clone, Debug, Default)]
pub(crate) struct TxEngine {
    /// The two context slots (four dwords each).
    pub ctx: [[u32; 4]; 2],
    /// Data of a frame whose EOP descriptor has not been seen yet.
    pub partial: Vec<u8>,
    pub first_cmd: u32,
    pub first_olinfo: u32,
    pub in_frame: bool,
}

/// Direction of a frame on the wire port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireDirection {
    /// Injected by the test (received by the adapter).
    Inbound,
    /// Transmitted by the adapter.
    Outbound,
}

/// One frame seen on the wire port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireRecord {
    /// Virtual time.
    pub time: Duration,
    /// Direction.
    pub direction: WireDirection,
    /// Frame bytes (no CRC).
    pub data: Vec<u8>,
}

pub(crate) struct State {
    pub generation: Generation,
    /// Plain PF register storage, indexed by offset / 4 (side-effect registers keep their
    /// value in dedicated fields below).
    pub regs: Vec<u32>,
    pub num_vfs: u8,
    /// A cable with a partner is plugged in (`Device::set_link`).
    pub cable: bool,
    pub partner: LinkPartner,
    pub phy: Phy,
    /// What the PHY resolved (cable, partner and PHY settings).
    pub phy_link: Option<Resolved>,
    /// The MAC's link (STATUS.LU): the PHY's, gated by CTRL.SLU when `require_slu`.
    pub link: Option<Resolved>,
    pub require_slu: bool,
    pub nvm: Nvm,
    pub mdic: u32,
    pub config: ConfigSpaces,
    /// Surprise removal: all-ones reads, dropped writes, no DMA, no interrupts.
    pub removed: bool,
    /// `Device::fail_reads_after`: BAR reads left before the device behaves as removed.
    pub reads_until_removed: Option<u64>,
    pub icr: u32,
    pub ims: u32,
    pub eicr: u32,
    pub eims: u32,
    pub eiac: u32,
    pub eiam: u32,
    pub v2p: [u32; NUM_POOLS],
    pub p2v: [u32; NUM_POOLS],
    pub vmbmem: [[u32; 16]; NUM_POOLS],
    pub mbvficr: u32,
    pub vflre: u32,
    pub wvbr: u32,
    pub vf_ivar: [u32; NUM_POOLS],
    pub vf_ivar_misc: [u32; NUM_POOLS],
    pub tx: Vec<TxEngine>,
    pub queue_stats: [QueueStats; MAX_QUEUES],
    pub rqdpc: [u32; MAX_QUEUES],
    /// A corruption applied to the next Rx EOP write-back (`Device::corrupt_next_rx_writeback`).
    pub rx_corruption: Option<crate::RxCorruption>,
    pub pool_stats: [PoolStats; NUM_POOLS],
    pub stats: GlobalStats,
    pub counters: ModelCounters,
    pub last_dma_fault: Option<DmaFault>,
    /// Interrupts raised while the lock is held; dispatched after it is released.
    pub outbox: Vec<(Function, MsixVector)>,
    pub wire_out: Vec<Vec<u8>>,
    pub wire_log: Vec<WireRecord>,
    pub bus: Arc<dyn DmaBus>,
    pub clock: ModelClock,
}

/// Construction options of [`State`] (set through `DeviceBuilder`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Options {
    pub require_slu: bool,
    pub bad_nvm_checksum: bool,
    pub total_vfs: u16,
}

fn idx(offset: u32) -> usize {
    (offset / 4) as usize
}

/// 3-bit shift of VF n's causes in the shared extended-cause space (§1.3: 22 − 3n).
pub(crate) fn vf_shift(vf: u8) -> u32 {
    22 - 3 * u32::from(vf)
}

impl State {
    pub fn new(
        generation: Generation,
        mac: [u8; 6],
        bus: Arc<dyn DmaBus>,
        clock: ModelClock,
        options: Options,
    ) -> Self {
        let mut state = Self {
            generation,
            regs: vec![0; idx(PF_BAR_SIZE)],
            num_vfs: 0,
            cable: true,
            partner: LinkPartner::default(),
            phy: Phy::new(generation),
            phy_link: None,
            link: None,
            require_slu: options.require_slu,
            nvm: Nvm::new(mac, options.bad_nvm_checksum),
            mdic: 0,
            config: ConfigSpaces::new(generation, options.total_vfs.min(crate::config::TOTAL_VFS)),
            removed: false,
            reads_until_removed: None,
            icr: 0,
            ims: 0,
            eicr: 0,
            eims: 0,
            eiac: 0,
            eiam: 0,
            v2p: [0; NUM_POOLS],
            p2v: [0; NUM_POOLS],
            vmbmem: [[0; 16]; NUM_POOLS],
            mbvficr: 0,
            vflre: 0,
            wvbr: 0,
            vf_ivar: [0; NUM_POOLS],
            vf_ivar_misc: [0; NUM_POOLS],
            tx: vec![TxEngine::default(); MAX_QUEUES],
            queue_stats: [QueueStats::default(); MAX_QUEUES],
            rqdpc: [0; MAX_QUEUES],
            rx_corruption: None,
            pool_stats: [PoolStats::default(); NUM_POOLS],
            stats: GlobalStats::default(),
            counters: ModelCounters::default(),
            last_dma_fault: None,
            outbox: Vec::new(),
            wire_out: Vec::new(),
            wire_log: Vec::new(),
            bus,
            clock,
        };
        state.device_reset();
        // The link that is there at power-up is not a change software must be told about.
        state.icr = 0;
        state.outbox.clear();
        state
    }

    // ---- generation-dependent facts (§7) ---------------------------------------------------

    pub fn num_queues(&self) -> usize {
        match self.generation {
            Generation::I82576 => 16,
            Generation::I350 => 8,
        }
    }

    pub fn num_rar(&self) -> usize {
        match self.generation {
            Generation::I82576 => 24,
            Generation::I350 => 32,
        }
    }

    /// Queue `k` (0 or 1) of pool `p` (§2.6): 82576 p and p+8, I350 p only.
    pub fn pool_queue(&self, pool: u8, k: u8) -> Option<usize> {
        match (self.generation, k) {
            (_, 0) => Some(usize::from(pool)),
            (Generation::I82576, 1) => Some(usize::from(pool) + 8),
            _ => None,
        }
    }

    /// Pool owning queue q.
    pub fn queue_pool(&self, queue: usize) -> u8 {
        (queue % NUM_POOLS) as u8
    }

    /// The switch control register of this generation (DTXSWC 82576 / TXSWC I350).
    pub fn switch_ctl(&self) -> u32 {
        match self.generation {
            Generation::I82576 => self.reg(r::DTXSWC),
            Generation::I350 => self.reg(r::TXSWC),
        }
    }

    pub fn reg(&self, offset: u32) -> u32 {
        self.regs.get(idx(offset)).copied().unwrap_or(0)
    }

    pub fn set_reg(&mut self, offset: u32, value: u32) {
        if let Some(slot) = self.regs.get_mut(idx(offset)) {
            *slot = value;
        }
    }

    pub fn qreg(&self, rx: bool, queue: usize, reg: u32) -> u32 {
        let base = if rx { r::RXQ0 } else { r::TXQ0 };
        self.reg(base + 0x40 * queue as u32 + reg)
    }

    pub fn set_qreg(&mut self, rx: bool, queue: usize, reg: u32, value: u32) {
        let base = if rx { r::RXQ0 } else { r::TXQ0 };
        self.set_reg(base + 0x40 * queue as u32 + reg, value);
    }

    pub fn vmdq_enabled(&self) -> bool {
        matches!(
            self.reg(r::MRQC) & 0b111,
            r::MRQC_MODE_VMDQ | r::MRQC_MODE_VMDQ_RSS
        )
    }

    pub fn status(&self) -> u32 {
        // Link down: FD and 1000 Mb/s as before (the fields are meaningless then).
        let mut status = r::STATUS_FD | r::STATUS_SPEED_1000;
        if let Some(link) = self.link {
            status = r::STATUS_LU;
            if link.mode.full_duplex {
                status |= r::STATUS_FD;
            }
            status |= match link.mode.speed {
                Speed::Mbps10 => 0,
                Speed::Mbps100 => 0b01 << 6,
                Speed::Mbps1000 => r::STATUS_SPEED_1000,
            };
        }
        if self.reg(r::CTRL) & r::CTRL_GIO_MASTER_DISABLE == 0 {
            status |= r::STATUS_GIO_MASTER_ENABLE;
        }
        if self.num_vfs > 0 {
            status |= (u32::from(self.num_vfs) << r::STATUS_NUM_VFS_SHIFT) | r::STATUS_IOV_MODE;
        }
        status
    }

    pub fn now_micros(&self) -> u32 {
        use hw_platform::Clock;
        (self.clock.now().as_micros() & 0xFFFF_FFFF) as u32
    }

    pub fn dma_fault(&mut self, fault: DmaFault) {
        self.counters.dma_faults += 1;
        self.last_dma_fault = Some(fault);
    }

    /// Accounts one BAR read for `Device::fail_reads_after`; returns whether the device is
    /// (now) removed, so the read must return all-ones.
    pub fn count_read_removed(&mut self) -> bool {
        if let Some(left) = self.reads_until_removed {
            if left == 0 {
                self.removed = true;
                self.reads_until_removed = None;
            } else {
                self.reads_until_removed = Some(left - 1);
            }
        }
        self.removed
    }

    /// Device read of a little-endian u64 through the bus.
    pub fn dma_read_u64(&self, addr: u64) -> Result<u64, DmaFault> {
        let mut bytes = [0u8; 8];
        self.bus.read(addr, &mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// The function whose DMA a queue's ring work is (the VF owning the queue's pool, else
    /// the PF).
    pub fn queue_function(&self, queue: usize) -> Function {
        let pool = self.queue_pool(queue);
        if pool < self.num_vfs {
            Function::Vf(pool)
        } else {
            Function::Pf
        }
    }

    /// Whether ring work of `queue` may touch memory: device present and the owning
    /// function's Bus Master Enable set (PCI: no bus master, no DMA).
    pub fn queue_may_dma(&self, queue: usize) -> bool {
        !self.removed && self.bus_master(self.queue_function(queue))
    }

    /// Re-resolves the link after anything it depends on changed (cable, partner, PHY
    /// control, CTRL.SLU) and raises ICR.LSC if the MAC's link changed (up/down, speed or
    /// duplex).
    pub fn update_link(&mut self) {
        let phy_link = if self.cable {
            self.phy.resolve(Some(&self.partner))
        } else {
            None
        };
        if phy_link != self.phy_link {
            if self.phy_link.is_some() {
                // Any change passes through "down" (renegotiation): BMSR latches it.
                self.phy.note_link(false);
            }
            self.phy_link = phy_link;
        }
        let slu = self.reg(r::CTRL) & r::CTRL_SLU != 0;
        let link = phy_link.filter(|_| slu || !self.require_slu);
        if link != self.link {
            self.link = link;
            self.raise_icr(r::ICR_LSC);
        }
    }

    /// MDIC write (82576 datasheet 8.2.4): completes at once with R set; E for a PHY address
    /// other than the internal PHY's (1) or an opcode other than read/write. A dead PHY
    /// never sets R.
    fn mdic_write(&mut self, value: u32) {
        const READY: u32 = 1 << 28;
        const INTERRUPT: u32 = 1 << 29;
        const ERROR: u32 = 1 << 30;
        let command = value & !(READY | ERROR);
        if self.phy.dead {
            self.mdic = command;
            return;
        }
        let register = ((value >> 16) & 0x1F) as u8;
        let phy_address = (value >> 21) & 0x1F;
        let op = (value >> 26) & 0b11;
        let mut result = command | READY;
        match (phy_address, op) {
            (1, 0b01) => {
                if self.phy.write(register, (value & 0xFFFF) as u16) {
                    self.update_link();
                }
            }
            (1, 0b10) => {
                let partner = self.cable.then_some(self.partner);
                let data = self.phy.read(register, self.phy_link, partner.as_ref());
                result = (result & !0xFFFF) | u32::from(data);
            }
            _ => {
                self.counters.mdic_errors += 1;
                result |= ERROR;
            }
        }
        self.mdic = result;
        if value & INTERRUPT != 0 {
            self.raise_icr(r::ICR_MDAC);
        }
    }

    // ---- resets ---------------------------------------------------------------------------

    /// CTRL.RST / power-on: PF state back to defaults, every VF mailbox shows RSTI (§2.1 step
    /// 6, §5.1). The SR-IOV configuration (NumVFs, in config space) and the link survive.
    pub fn device_reset(&mut self) {
        self.regs.iter_mut().for_each(|slot| *slot = 0);
        // NVM auto-load (82576 datasheet 3.3.1): the MAC comes from NVM words 0..=2.
        let mac = self.nvm.mac();
        // NVM auto-load puts the permanent MAC into RAR0 (drivers read it back from there).
        self.set_reg(
            r::RAL0,
            u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]),
        );
        self.set_reg(
            r::RAL0 + 4,
            u32::from(u16::from_le_bytes([mac[4], mac[5]])) | r::RAH_AV,
        );
        self.set_reg(r::VET, 0x8100);
        self.set_reg(r::RXCSUM, r::RXCSUM_IPOFLD | r::RXCSUM_TUOFLD);
        self.set_reg(r::RLPML, 0x2600);
        self.set_reg(r::MBVFIMR, 0xFF);
        for pool in 0..NUM_POOLS as u32 {
            // QEMU's reset value: RLPML 9728 with STRCRC (§2.2).
            self.set_reg(r::VMOLR0 + 4 * pool, 0x2600 | r::VMOLR_STRCRC);
        }
        // Queue 0 comes out of reset enabled (legacy single-queue compatibility).
        self.set_qreg(true, 0, r::Q_DCTL, r::DCTL_ENABLE);
        self.set_qreg(false, 0, r::Q_DCTL, r::DCTL_ENABLE);
        self.icr = 0;
        self.ims = 0;
        self.eicr = 0;
        self.eims = 0;
        self.eiac = 0;
        self.eiam = 0;
        self.p2v = [0; NUM_POOLS];
        self.v2p = [r::V2P_RSTI; NUM_POOLS];
        self.vmbmem = [[0; 16]; NUM_POOLS];
        self.mbvficr = 0;
        self.vflre = 0;
        self.wvbr = 0;
        self.vf_ivar = [0; NUM_POOLS];
        self.vf_ivar_misc = [0; NUM_POOLS];
        self.tx
            .iter_mut()
            .for_each(|engine| *engine = TxEngine::default());
        self.rqdpc = [0; MAX_QUEUES];
        self.pool_stats = [PoolStats::default(); NUM_POOLS];
        self.stats = GlobalStats::default();
        self.nvm.eerd = 0;
        self.mdic = 0;
        // CTRL is back to its reset value (SLU clear): the MAC link may follow.
        self.update_link();
    }

    /// VF reset (VTCTRL.RST or FLR), as QEMU `igb_core_vf_reset` plus the VF's interrupt
    /// registers (§3, §2.5): queues disabled, VFRE/VFTE cleared, VFLRE set, PF VMMB raised.
    pub fn vf_reset(&mut self, vf: u8) {
        let pool = vf;
        for k in 0..2 {
            if let Some(queue) = self.pool_queue(pool, k) {
                let rx = self.qreg(true, queue, r::Q_DCTL) & !r::DCTL_ENABLE;
                self.set_qreg(true, queue, r::Q_DCTL, rx);
                let tx = self.qreg(false, queue, r::Q_DCTL) & !r::DCTL_ENABLE;
                self.set_qreg(false, queue, r::Q_DCTL, tx);
                self.tx[queue] = TxEngine::default();
            }
        }
        let bit = 1u32 << vf;
        self.set_reg(r::VFRE, self.reg(r::VFRE) & !bit);
        self.set_reg(r::VFTE, self.reg(r::VFTE) & !bit);
        let vf_bits = 0b111 << vf_shift(vf);
        self.eims &= !vf_bits;
        self.eiac &= !vf_bits;
        self.eiam &= !vf_bits;
        self.eicr &= !vf_bits;
        self.vf_ivar[usize::from(vf)] = 0;
        self.vf_ivar_misc[usize::from(vf)] = 0;
        // A VF that reset cannot still hold the buffer.
        self.v2p[usize::from(vf)] &= !r::V2P_VFU;
        self.p2v[usize::from(vf)] &= !r::P2V_VFU;
        self.vflre |= bit;
        self.raise_icr(r::ICR_VMMB);
    }

    // ---- interrupts (§1.3, §2.7) ------------------------------------------------------------

    /// Owner of extended cause `bit`: a VF's vector when the bit is in an enabled VF's window,
    /// otherwise the PF's vector `bit` if the PF has that many vectors.
    pub fn cause_owner(&self, bit: u32) -> Option<(Function, u16)> {
        if bit >= 25 {
            return None;
        }
        for vf in 0..self.num_vfs {
            let base = vf_shift(vf);
            if (base..base + 3).contains(&bit) {
                return Some((Function::Vf(vf), (bit - base) as u16));
            }
        }
        (bit < u32::from(PF_MSIX_VECTORS)).then_some((Function::Pf, bit as u16))
    }

    /// Extended-cause bits the PF owns (register views of the PF are masked to these).
    pub fn pf_cause_mask(&self) -> u32 {
        let mut mask = (1u32 << PF_MSIX_VECTORS) - 1;
        for vf in 0..self.num_vfs {
            mask &= !(0b111 << vf_shift(vf));
        }
        mask
    }

    pub fn msix_mode(&self) -> bool {
        self.reg(r::GPIE) & r::GPIE_MSIX_MODE != 0
    }

    /// Sets extended causes and sends an MSI-X message for every cause that became pending
    /// and unmasked; then applies EIAC auto-clear and EIAM auto-mask.
    pub fn raise_ecause(&mut self, bits: u32) {
        let bits = bits & r::EICR_MSIX_MASK;
        let old = self.eicr & self.eims;
        self.eicr |= bits;
        let newly = self.eicr & self.eims & !old;
        self.fire(newly);
    }

    fn fire(&mut self, causes: u32) {
        for bit in 0..25 {
            let mask = 1u32 << bit;
            if causes & mask == 0 {
                continue;
            }
            match self.cause_owner(bit) {
                Some((Function::Vf(_), _)) if !self.msix_mode() => {
                    // The cause stays set in EICR (the VF sees it in VTEICR); only the
                    // message is not sent.
                    self.counters.vf_interrupts_withheld += 1;
                }
                Some((function, vector)) => {
                    self.outbox.push((function, MsixVector(vector)));
                    if self.eiac & mask != 0 {
                        self.eicr &= !mask;
                    }
                    // Auto-mask: the PF opts in with GPIE.EIAME; VF vectors honour VTEIAM
                    // directly (a VF cannot reach GPIE).
                    let is_vf = matches!(function, Function::Vf(_));
                    let eiame = self.reg(r::GPIE) & r::GPIE_EIAME != 0;
                    if self.eiam & mask != 0 && (eiame || is_vf) {
                        self.eims &= !mask;
                    }
                }
                None => self.counters.undeliverable_interrupts += 1,
            }
        }
    }

    /// Sets legacy (ICR) causes; in MSI-X mode newly pending, unmasked causes are routed to the
    /// "other" vector of IVAR_MISC byte 1, otherwise to PF vector 0 (MSI-like).
    pub fn raise_icr(&mut self, bits: u32) {
        let old = self.icr & self.ims;
        self.icr |= bits;
        let newly = self.icr & self.ims & !old;
        self.route_icr(newly);
    }

    fn route_icr(&mut self, newly: u32) {
        if newly == 0 {
            return;
        }
        if self.msix_mode() {
            let entry = (self.reg(r::IVAR_MISC) >> 8) & 0xFF;
            if entry & r::IVAR_VALID != 0 {
                self.raise_ecause(1 << (entry & 0x1F));
            } else {
                self.counters.undeliverable_interrupts += 1;
            }
        } else {
            self.outbox.push((Function::Pf, MsixVector(0)));
        }
    }

    /// Raises the interrupt of Rx (`rx`) or Tx queue `queue` according to IVAR (PF-owned
    /// queues) or VTIVAR (queues of an enabled VF's pool).
    pub fn raise_queue_interrupt(&mut self, rx: bool, queue: usize) {
        let pool = self.queue_pool(queue);
        if pool < self.num_vfs {
            let k = queue / NUM_POOLS; // VF-relative queue index (0 or 1)
            let byte = 2 * k + usize::from(!rx);
            let entry = (self.vf_ivar[usize::from(pool)] >> (8 * byte)) & 0xFF;
            if entry & r::IVAR_VALID != 0 && entry & 0x7F < u32::from(VF_MSIX_VECTORS) {
                self.raise_ecause(1 << (vf_shift(pool) + (entry & 0x3)));
            } else {
                self.counters.undeliverable_interrupts += 1;
            }
            return;
        }
        if !self.msix_mode() {
            // Legacy causes RXDW (bit 7) / TXDW (bit 0).
            self.raise_icr(if rx { 1 << 7 } else { 1 << 0 });
            return;
        }
        let (register, byte) = match self.generation {
            Generation::I82576 => (queue & 7, if queue < 8 { 0 } else { 2 } + usize::from(!rx)),
            Generation::I350 => (queue >> 1, (queue & 1) * 2 + usize::from(!rx)),
        };
        let entry = (self.reg(r::IVAR0 + 4 * register as u32) >> (8 * byte)) & 0xFF;
        if entry & r::IVAR_VALID != 0 {
            self.raise_ecause(1 << (entry & 0x1F));
        } else {
            self.counters.undeliverable_interrupts += 1;
        }
    }

    /// Mailbox interrupt to VF n on its VTIVAR_MISC vector (§5.1).
    fn mailbox_interrupt_to_vf(&mut self, vf: u8) {
        let entry = self.vf_ivar_misc[usize::from(vf)] & 0xFF;
        if entry & r::IVAR_VALID != 0 && entry & 0x7F < u32::from(VF_MSIX_VECTORS) {
            self.raise_ecause(1 << (vf_shift(vf) + (entry & 0x3)));
        } else {
            self.counters.undeliverable_interrupts += 1;
        }
    }

    // ---- mailbox (§2.5, §5.1) ---------------------------------------------------------------

    pub fn pf_mailbox_write(&mut self, vf: u8, value: u32) {
        let n = usize::from(vf);
        if value & r::P2V_STS != 0 {
            self.v2p[n] |= r::V2P_PFSTS;
            self.mailbox_interrupt_to_vf(vf);
        }
        if value & r::P2V_ACK != 0 {
            self.v2p[n] |= r::V2P_PFACK;
            self.mailbox_interrupt_to_vf(vf);
        }
        if value & r::P2V_PFU != 0 {
            // Granted only while the VF does not hold the buffer.
            if self.p2v[n] & r::P2V_VFU == 0 {
                self.p2v[n] |= r::P2V_PFU;
                self.v2p[n] |= r::V2P_PFU;
            }
        } else {
            self.p2v[n] &= !r::P2V_PFU;
            self.v2p[n] &= !r::V2P_PFU;
        }
        if value & r::P2V_RVFU != 0 {
            self.v2p[n] &= !r::V2P_VFU;
            self.p2v[n] &= !r::P2V_VFU;
            self.mbvficr &= !((1 << vf) | (1 << (16 + vf)));
        }
    }

    pub fn vf_mailbox_write(&mut self, vf: u8, value: u32) {
        let n = usize::from(vf);
        let enabled = self.reg(r::MBVFIMR) & (1 << vf) != 0;
        if value & r::V2P_REQ != 0 {
            self.mbvficr |= 1 << vf;
            if enabled {
                self.raise_icr(r::ICR_VMMB);
            }
        }
        if value & r::V2P_ACK != 0 {
            self.mbvficr |= 1 << (16 + vf);
            if enabled {
                self.raise_icr(r::ICR_VMMB);
            }
        }
        if value & r::V2P_VFU != 0 {
            if self.v2p[n] & r::V2P_PFU == 0 {
                self.v2p[n] |= r::V2P_VFU;
                self.p2v[n] |= r::P2V_VFU;
            }
        } else {
            self.v2p[n] &= !r::V2P_VFU;
            self.p2v[n] &= !r::P2V_VFU;
        }
    }

    pub fn vf_mailbox_read(&mut self, vf: u8) -> u32 {
        let n = usize::from(vf);
        let value = self.v2p[n];
        self.v2p[n] &= !(r::V2P_PFSTS | r::V2P_PFACK | r::V2P_RSTD);
        value
    }

    // ---- PF register access -----------------------------------------------------------------

    pub fn pf_read(&mut self, offset: u32) -> u32 {
        let pf_mask = self.pf_cause_mask();
        match offset {
            r::CTRL | r::CTRL_DUP => self.reg(r::CTRL),
            r::STATUS => self.status(),
            r::EECD => self.reg(r::EECD) | r::EECD_AUTO_RD | r::EECD_PRES,
            r::EERD => self.nvm.eerd,
            r::MDIC => self.mdic,
            r::FRTIMER => self.now_micros(),
            r::ICR => {
                let mut value = self.icr;
                if self.icr & self.ims != 0 {
                    value |= 1 << 31; // INT_ASSERTED
                }
                self.icr = 0;
                value
            }
            r::IMS => self.ims,
            r::EICR => {
                let value = self.eicr & pf_mask;
                self.eicr &= !pf_mask;
                value
            }
            r::EIMS => self.eims & pf_mask,
            r::EIAC => self.eiac & pf_mask,
            r::EIAM => self.eiam & pf_mask,
            r::MBVFICR => self.mbvficr,
            r::VFLRE => self.vflre,
            r::WVBR => std::mem::take(&mut self.wvbr),
            o if (r::P2VMAILBOX0..r::P2VMAILBOX0 + 32).contains(&o) => {
                self.p2v[((o - r::P2VMAILBOX0) / 4) as usize] & (r::P2V_VFU | r::P2V_PFU)
            }
            o if (r::VMBMEM0..r::VMBMEM0 + 64 * NUM_POOLS as u32).contains(&o) => {
                let rel = o - r::VMBMEM0;
                self.vmbmem[(rel / 64) as usize][((rel % 64) / 4) as usize]
            }
            o if (0x4000..0x4100).contains(&o) => self.read_global_stat(o),
            o if o >= r::PF_VF_MIRROR0 => self.pf_mirror_read(o),
            o => match self.canonical_queue_reg(o) {
                Some((rx, queue, reg)) => self.queue_read(rx, queue, reg),
                None => self.reg(o),
            },
        }
    }

    fn read_global_stat(&mut self, offset: u32) -> u32 {
        fn take32(counter: &mut u64) -> u32 {
            let value = (*counter).min(u64::from(u32::MAX)) as u32;
            *counter = 0;
            value
        }
        let s = &mut self.stats;
        match offset {
            r::CRCERRS => take32(&mut s.crcerrs),
            r::RXERRC => take32(&mut s.rxerrc),
            r::COLC => take32(&mut s.colc),
            r::RLEC => take32(&mut s.rlec),
            r::RUC => take32(&mut s.ruc),
            r::BPTC => take32(&mut s.bptc),
            r::MPTC => take32(&mut s.mptc),
            r::MPC => take32(&mut s.mpc),
            r::GPRC => take32(&mut s.gprc),
            r::BPRC => take32(&mut s.bprc),
            r::MPRC => take32(&mut s.mprc),
            r::GPTC => take32(&mut s.gptc),
            r::RNBC => take32(&mut s.rnbc),
            r::ROC => take32(&mut s.roc),
            r::TPR => take32(&mut s.tpr),
            r::TPT => take32(&mut s.tpt),
            // 64-bit octet counters: low half reads without clearing, high half clears.
            r::GORCL => (s.gorc & 0xFFFF_FFFF) as u32,
            r::GORCH => (std::mem::take(&mut s.gorc) >> 32) as u32,
            r::GOTCL => (s.gotc & 0xFFFF_FFFF) as u32,
            r::GOTCH => (std::mem::take(&mut s.gotc) >> 32) as u32,
            _ => 0,
        }
    }

    fn pf_mirror_read(&mut self, offset: u32) -> u32 {
        let rel = offset - r::PF_VF_MIRROR0;
        let vf = (rel / 0x100) as u8;
        if usize::from(vf) >= NUM_POOLS {
            return 0;
        }
        match rel % 0x100 {
            0x00 => 0,
            0x20..=0x30 => self.vf_interrupt_read(vf, 0x1500 + rel % 0x100, false),
            0x80 => self.vf_interrupt_read(vf, r::VTEICR, false),
            low => self.pool_stats[usize::from(vf)].read(0xF00 + low),
        }
    }

    /// Maps a PF offset in a queue register block to (is_rx, queue, register-in-block).
    pub fn canonical_queue_reg(&self, offset: u32) -> Option<(bool, usize, u32)> {
        let queues = self.num_queues();
        let decode = |base: u32, stride: u32, count: usize| -> Option<(usize, u32)> {
            if offset < base {
                return None;
            }
            let queue = ((offset - base) / stride) as usize;
            let reg = (offset - base) % stride;
            (queue < count && reg < 0x40).then_some((queue, reg))
        };
        if let Some((queue, reg)) = decode(r::RXQ_ALIAS0, 0x100, 4) {
            return Some((true, queue, reg));
        }
        if let Some((queue, reg)) = decode(r::TXQ_ALIAS0, 0x100, 4) {
            return Some((false, queue, reg));
        }
        if let Some((queue, reg)) = decode(r::RXQ0, 0x40, MAX_QUEUES) {
            return (queue < queues || reg == 0x38).then_some((true, queue, reg));
        }
        if let Some((queue, reg)) = decode(r::TXQ0, 0x40, MAX_QUEUES) {
            return (queue < queues).then_some((false, queue, reg));
        }
        None
    }

    pub fn queue_read(&mut self, rx: bool, queue: usize, reg: u32) -> u32 {
        if rx && reg == r::Q_RQDPC {
            return std::mem::take(&mut self.rqdpc[queue]);
        }
        self.qreg(rx, queue, reg)
    }

    pub fn queue_write(&mut self, rx: bool, queue: usize, reg: u32, value: u32) {
        let stored = match reg {
            // Ring bases are 128-byte aligned: the low 7 bits are ignored (§3 ring checklist).
            r::Q_BAL => value & !0x7F,
            // Ring length: multiple of 128 bytes, at most 20 bits.
            r::Q_LEN => value & 0x000F_FF80,
            r::Q_HEAD | r::Q_TAIL => value & 0xFFFF,
            r::Q_RQDPC if rx => return,
            _ => value,
        };
        self.set_qreg(rx, queue, reg, stored);
        if !rx && matches!(reg, r::Q_TAIL | r::Q_DCTL) {
            self.kick_tx(queue);
        }
    }

    pub fn pf_write(&mut self, offset: u32, value: u32) {
        let pf_mask = self.pf_cause_mask();
        match offset {
            r::CTRL | r::CTRL_DUP => {
                if value & (r::CTRL_RST | r::CTRL_DEV_RST) != 0 {
                    self.device_reset();
                } else {
                    self.set_reg(r::CTRL, value);
                    self.update_link();
                }
            }
            r::STATUS | r::EECD | r::FRTIMER => {}
            r::EERD => self.nvm.write_eerd(value),
            r::MDIC => self.mdic_write(value),
            r::CTRL_EXT => {
                self.set_reg(r::CTRL_EXT, value);
                if value & r::CTRL_EXT_PFRSTD != 0 {
                    // §2.1 step 6: PF ready → every VF mailbox: RSTI off, RSTD on.
                    for mailbox in &mut self.v2p {
                        *mailbox = (*mailbox & !r::V2P_RSTI) | r::V2P_RSTD;
                    }
                }
            }
            r::ICR => self.icr &= !value,
            r::ICS => self.raise_icr(value),
            r::IMS => {
                let old = self.icr & self.ims;
                self.ims |= value;
                let newly = self.icr & self.ims & !old;
                self.route_icr(newly);
            }
            r::IMC => self.ims &= !value,
            r::EICS => self.raise_ecause(value & pf_mask),
            r::EIMS => self.set_eims(value & pf_mask),
            r::EIMC => self.eims &= !(value & pf_mask),
            r::EIAC => self.eiac = (self.eiac & !pf_mask) | (value & pf_mask),
            r::EIAM => self.eiam = (self.eiam & !pf_mask) | (value & pf_mask),
            r::EICR => self.eicr &= !(value & pf_mask),
            o if (r::IVAR0..=r::IVAR_MISC).contains(&o) && o % 4 == 0 => {
                if self.msix_mode() {
                    self.set_reg(o, value);
                } else {
                    self.counters.ivar_writes_ignored += 1;
                }
            }
            r::MBVFICR => self.mbvficr &= !value,
            r::VFLRE => self.vflre &= !value,
            r::WVBR => self.wvbr &= !value,
            r::TCTL | r::VFTE => {
                self.set_reg(offset, value);
                for queue in 0..self.num_queues() {
                    self.kick_tx(queue);
                }
            }
            r::DTXSWC if self.generation == Generation::I350 => {}
            r::TXSWC if self.generation == Generation::I82576 => {}
            o if (r::P2VMAILBOX0..r::P2VMAILBOX0 + 32).contains(&o) => {
                self.pf_mailbox_write(((o - r::P2VMAILBOX0) / 4) as u8, value);
            }
            o if (r::VMBMEM0..r::VMBMEM0 + 64 * NUM_POOLS as u32).contains(&o) => {
                let rel = o - r::VMBMEM0;
                let vf = (rel / 64) as usize;
                if self.p2v[vf] & r::P2V_PFU != 0 {
                    self.vmbmem[vf][((rel % 64) / 4) as usize] = value;
                } else {
                    self.counters.mailbox_writes_rejected += 1;
                }
            }
            o if (0x4000..0x4100).contains(&o) => {}
            o if o >= r::PF_VF_MIRROR0 => {
                let rel = o - r::PF_VF_MIRROR0;
                let vf = (rel / 0x100) as u8;
                if vf < self.num_vfs {
                    match rel % 0x100 {
                        0x00 => self.vf_write(vf, r::VTCTRL, value),
                        0x20..=0x30 => self.vf_write(vf, 0x1500 + rel % 0x100, value),
                        0x80 => self.vf_write(vf, r::VTEICR, value),
                        _ => {}
                    }
                }
            }
            o => match self.canonical_queue_reg(o) {
                Some((rx, queue, reg)) => self.queue_write(rx, queue, reg, value),
                None => self.set_reg(o, value),
            },
        }
    }

    fn set_eims(&mut self, bits: u32) {
        let old = self.eicr & self.eims;
        self.eims |= bits;
        let newly = self.eicr & self.eims & !old;
        self.fire(newly);
    }

    // ---- VF register access (§3) ------------------------------------------------------------

    fn vf_interrupt_read(&mut self, vf: u8, offset: u32, clear: bool) -> u32 {
        let shift = vf_shift(vf);
        let window = |value: u32| (value >> shift) & 0b111;
        match offset {
            r::VTEIMS => window(self.eims),
            r::VTEIAC => window(self.eiac),
            r::VTEIAM => window(self.eiam),
            r::VTEICR => {
                let value = window(self.eicr);
                if clear {
                    self.eicr &= !(0b111 << shift);
                }
                value
            }
            _ => 0,
        }
    }

    /// VF queue register (VF offset) → (is_rx, PF queue, register-in-block).
    fn vf_queue_reg(&self, vf: u8, offset: u32) -> Option<(bool, usize, u32)> {
        let (rx, base) = match offset {
            0x2800..=0x29FF => (true, 0x2800),
            0x3800..=0x39FF => (false, 0x3800),
            _ => return None,
        };
        let k = ((offset - base) / 0x100) as u8;
        let reg = (offset - base) % 0x100;
        if reg >= 0x40 {
            return None;
        }
        self.pool_queue(vf, k).map(|queue| (rx, queue, reg))
    }

    pub fn vf_read(&mut self, vf: u8, offset: u32) -> u32 {
        match offset {
            r::VTCTRL => 0,
            r::VTSTATUS => self.status(),
            r::VTFRTIMER => self.now_micros(),
            r::VTEICS | r::VTEIMC => 0,
            r::VTEIMS | r::VTEIAC | r::VTEIAM | r::VTEICR => {
                self.vf_interrupt_read(vf, offset, true)
            }
            o if (r::VTEITR0..r::VTEITR0 + 12).contains(&o) => {
                self.reg(r::EITR0 + 4 * (vf_shift(vf) + (o - r::VTEITR0) / 4))
            }
            r::VTIVAR => self.vf_ivar[usize::from(vf)],
            r::VTIVAR_MISC => self.vf_ivar_misc[usize::from(vf)],
            r::V2PMAILBOX => self.vf_mailbox_read(vf),
            o if (r::VMBMEM0..r::VMBMEM0 + 64).contains(&o) => {
                self.vmbmem[usize::from(vf)][((o - r::VMBMEM0) / 4) as usize]
            }
            r::VF_PSRTYPE => self.reg(r::PSRTYPE0 + 4 * u32::from(vf)),
            o if (r::VFGPRC..=r::VFGOTLBC).contains(&o) => self.pool_stats[usize::from(vf)].read(o),
            o => match self.vf_queue_reg(vf, o) {
                Some((rx, queue, reg)) => self.queue_read(rx, queue, reg),
                None => 0,
            },
        }
    }

    pub fn vf_write(&mut self, vf: u8, offset: u32, value: u32) {
        let shift = vf_shift(vf);
        let bits = (value & 0b111) << shift;
        match offset {
            r::VTCTRL => {
                if value & r::CTRL_RST != 0 {
                    self.vf_reset(vf);
                }
            }
            r::VTEICS => self.raise_ecause(bits),
            r::VTEIMS => self.set_eims(bits),
            r::VTEIMC => self.eims &= !bits,
            r::VTEIAC => self.eiac = (self.eiac & !(0b111 << shift)) | bits,
            r::VTEIAM => self.eiam = (self.eiam & !(0b111 << shift)) | bits,
            r::VTEICR => self.eicr &= !bits,
            o if (r::VTEITR0..r::VTEITR0 + 12).contains(&o) => {
                self.set_reg(r::EITR0 + 4 * (shift + (o - r::VTEITR0) / 4), value);
            }
            r::VTIVAR => self.vf_ivar[usize::from(vf)] = value & 0x8383_8383,
            r::VTIVAR_MISC => self.vf_ivar_misc[usize::from(vf)] = value & 0x83,
            r::V2PMAILBOX => self.vf_mailbox_write(vf, value),
            o if (r::VMBMEM0..r::VMBMEM0 + 64).contains(&o) => {
                if self.v2p[usize::from(vf)] & r::V2P_VFU != 0 {
                    self.vmbmem[usize::from(vf)][((o - r::VMBMEM0) / 4) as usize] = value;
                } else {
                    self.counters.mailbox_writes_rejected += 1;
                }
            }
            r::VF_PSRTYPE => self.set_reg(r::PSRTYPE0 + 4 * u32::from(vf), value),
            o => {
                if let Some((rx, queue, reg)) = self.vf_queue_reg(vf, o) {
                    self.queue_write(rx, queue, reg, value);
                }
            }
        }
    }
}

fn ranges_overlap(start: u64, len: u64, other: u64, other_len: u64) -> bool {
    if len == 0 || other_len == 0 {
        return false;
    }
    let end = start.saturating_add(len);
    let other_end = other.saturating_add(other_len);
    start < other_end && other < end
}

impl State {
    /// Whether the device may still DMA into `addr..addr+len`: an enabled ring's
    /// descriptors, an enabled Tx queue's head write-back dword, or the buffer of an Rx
    /// descriptor hardware still owns (head up to tail) overlaps it.
    pub fn dma_may_target(&self, addr: u64, len: u64) -> bool {
        for queue in 0..self.num_queues() {
            for rx in [true, false] {
                if self.qreg(rx, queue, r::Q_DCTL) & r::DCTL_ENABLE == 0 {
                    continue;
                }
                let base = u64::from(self.qreg(rx, queue, r::Q_BAL))
                    | (u64::from(self.qreg(rx, queue, r::Q_BAH)) << 32);
                let ring_len = u64::from(self.qreg(rx, queue, r::Q_LEN));
                if ranges_overlap(base, ring_len, addr, len) {
                    return true;
                }
                if !rx {
                    let wbal = self.qreg(false, queue, r::Q_TDWBAL);
                    if wbal & 1 != 0 {
                        let wb = u64::from(wbal & !3)
                            | (u64::from(self.qreg(false, queue, r::Q_TDWBAH)) << 32);
                        if ranges_overlap(wb, 4, addr, len) {
                            return true;
                        }
                    }
                    continue;
                }
                if self.rx_buffers_overlap(queue, base, ring_len, addr, len) {
                    return true;
                }
            }
        }
        false
    }

    /// Rx descriptors from head up to (not including) tail belong to hardware; their buffer
    /// addresses are read from the ring (a ring that cannot be read owns nothing).
    fn rx_buffers_overlap(
        &self,
        queue: usize,
        base: u64,
        ring_len: u64,
        addr: u64,
        len: u64,
    ) -> bool {
        let count = ring_len / 16;
        let head = u64::from(self.qreg(true, queue, r::Q_HEAD));
        let tail = u64::from(self.qreg(true, queue, r::Q_TAIL));
        if count == 0 || head >= count || tail >= count {
            return false;
        }
        let buffer = self.rx_buffer_len(queue);
        let mut position = head;
        // Bounded by the ring size.
        for _ in 0..count {
            if position == tail {
                break;
            }
            let Some(desc) = base.checked_add(16 * position) else {
                return false;
            };
            if let Ok(buffer_addr) = self.dma_read_u64(desc) {
                if ranges_overlap(buffer_addr, buffer, addr, len) {
                    return true;
                }
            }
            position = (position + 1) % count;
        }
        false
    }
}
