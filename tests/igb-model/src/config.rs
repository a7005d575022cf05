//! PCI configuration space of the PF and of each VF, 4 KiB each (82576 datasheet ch. 9,
//! PCI Express Base spec ch. 7, SR-IOV spec 1.1 ch. 3; igb-hardware.md §1).
//!
//! Layout (QEMU's igb uses the same offsets, igb-hardware.md §1.2):
//!
//! | Offset | PF | VF |
//! |---|---|---|
//! | 0x00 | type 0 header: 8086:10C9 (82576) / 8086:1521 (I350), class 020000, BAR0 128 KiB, BAR3 16 KiB 64-bit | vendor/device read 0xFFFF (SR-IOV 3.4.1.1/2), no BARs (they live in the PF's SR-IOV capability) |
//! | 0x70 | MSI-X, 10 vectors, table BIR 3 offset 0, PBA BIR 3 offset 0x2000 | MSI-X, 3 vectors |
//! | 0xA0 | PCIe capability v2, endpoint, FLR capable | same; Device Control bit 15 = FLR of the VF |
//! | 0x100 | AER | AER |
//! | 0x150 | ARI | ARI |
//! | 0x160 | SR-IOV | — |
//!
//! Writes go through a per-byte write mask: read-only fields ignore writes. The model plays
//! the OS's PCI bus driver too: the PF's Command register comes up with Memory Space and Bus
//! Master enabled (the function was enumerated), and a VF's Bus Master is set when the VF is
//! created (and kept over its FLR, as the bus driver restores it).

use igb::ids::Generation;

use crate::state::{Function, State};

/// Size of one function's configuration space.
pub const CONFIG_SPACE_SIZE: u32 = 0x1000;

/// Command register offset.
pub const CFG_COMMAND: u32 = 0x04;
/// Command: Memory Space Enable.
pub const COMMAND_MSE: u16 = 1 << 1;
/// Command: Bus Master Enable.
pub const COMMAND_BME: u16 = 1 << 2;

/// Offset of the MSI-X capability (PF and VF).
pub const MSIX_CAP: u32 = 0x70;
/// Offset of the PCI Express capability (PF and VF).
pub const PCIE_CAP: u32 = 0xA0;
/// Offset of the AER extended capability.
pub const AER_CAP: u32 = 0x100;
/// Offset of the ARI extended capability.
pub const ARI_CAP: u32 = 0x150;
/// Offset of the SR-IOV extended capability (PF only; 82576 datasheet 9.6.4).
pub const SRIOV_CAP: u32 = 0x160;

/// PCIe Device Control, relative to [`PCIE_CAP`].
pub const PCIE_DEVCTL: u32 = 0x08;
/// Device Control: Initiate Function Level Reset (reads 0).
pub const DEVCTL_FLR: u16 = 1 << 15;
/// PCIe Device Capabilities: FLR capable (bit 28).
pub const DEVCAP_FLR: u32 = 1 << 28;

/// SR-IOV Control, relative to [`SRIOV_CAP`].
pub const SRIOV_CTRL: u32 = 0x08;
/// SR-IOV Status.
pub const SRIOV_STATUS: u32 = 0x0A;
/// InitialVFs.
pub const SRIOV_INITIAL_VFS: u32 = 0x0C;
/// TotalVFs.
pub const SRIOV_TOTAL_VFS: u32 = 0x0E;
/// NumVFs.
pub const SRIOV_NUM_VFS: u32 = 0x10;
/// First VF Offset.
pub const SRIOV_VF_OFFSET: u32 = 0x14;
/// VF Stride.
pub const SRIOV_VF_STRIDE: u32 = 0x16;
/// VF Device ID.
pub const SRIOV_VF_DEVICE_ID: u32 = 0x1A;
/// Supported Page Sizes.
pub const SRIOV_SUPPORTED_PAGE_SIZES: u32 = 0x1C;
/// System Page Size.
pub const SRIOV_SYSTEM_PAGE_SIZE: u32 = 0x20;
/// VF BAR0 (VF BARn at `SRIOV_VF_BAR0 + 4 * n`).
pub const SRIOV_VF_BAR0: u32 = 0x24;
/// SR-IOV Control: VF Enable.
pub const SRIOV_CTRL_VFE: u16 = 1 << 0;
/// SR-IOV Control: VF Memory Space Enable.
pub const SRIOV_CTRL_VF_MSE: u16 = 1 << 3;
/// SR-IOV Control: ARI Capable Hierarchy.
pub const SRIOV_CTRL_ARI: u16 = 1 << 4;
/// TotalVFs = InitialVFs of both chips (igb-hardware.md §1.2: 8).
pub const TOTAL_VFS: u16 = 8;

/// PF device ID (igb-hardware.md §1.1, copper parts).
pub fn pf_device_id(generation: Generation) -> u16 {
    match generation {
        Generation::I82576 => 0x10C9,
        Generation::I350 => 0x1521,
    }
}

/// VF device ID (igb-hardware.md §1.1).
pub fn vf_device_id(generation: Generation) -> u16 {
    match generation {
        Generation::I82576 => 0x10CA,
        Generation::I350 => 0x1520,
    }
}

/// (First VF Offset, VF Stride): 82576 0x80 / 2 (igb-hardware.md §1.2); I350 0x180 / 4
/// (what `lspci -vvv` reports for I350 ports; the I350 has up to 4 PFs).
fn vf_routing(generation: Generation) -> (u16, u16) {
    match generation {
        Generation::I82576 => (0x80, 2),
        Generation::I350 => (0x180, 4),
    }
}

/// One function's space: bytes plus a write mask (1 = software may change the bit) and a
/// write-1-to-clear mask.
#[derive(Clone)]
pub(crate) struct ConfigFn {
    bytes: Vec<u8>,
    wmask: Vec<u8>,
    w1c: Vec<u8>,
}

impl std::fmt::Debug for ConfigFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigFn").finish_non_exhaustive()
    }
}

impl ConfigFn {
    fn empty() -> Self {
        let size = CONFIG_SPACE_SIZE as usize;
        Self {
            bytes: vec![0; size],
            wmask: vec![0; size],
            w1c: vec![0; size],
        }
    }

    fn put(&mut self, offset: u32, value: &[u8], wmask: &[u8]) {
        let at = offset as usize;
        self.bytes[at..at + value.len()].copy_from_slice(value);
        self.wmask[at..at + wmask.len()].copy_from_slice(wmask);
    }

    fn put8(&mut self, offset: u32, value: u8, wmask: u8) {
        self.put(offset, &[value], &[wmask]);
    }

    fn put16(&mut self, offset: u32, value: u16, wmask: u16) {
        self.put(offset, &value.to_le_bytes(), &wmask.to_le_bytes());
    }

    fn put32(&mut self, offset: u32, value: u32, wmask: u32) {
        self.put(offset, &value.to_le_bytes(), &wmask.to_le_bytes());
    }

    fn w1c16(&mut self, offset: u32, mask: u16) {
        let at = offset as usize;
        self.w1c[at..at + 2].copy_from_slice(&mask.to_le_bytes());
    }

    pub fn get16(&self, offset: u32) -> u16 {
        let at = offset as usize;
        u16::from_le_bytes([self.bytes[at], self.bytes[at + 1]])
    }

    pub fn set16(&mut self, offset: u32, value: u16) {
        let at = offset as usize;
        self.bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
    }

    /// Copies out up to `out.len()` bytes from `offset`; returns the count (0 past 4 KiB).
    pub fn read(&self, offset: u32, out: &mut [u8]) -> usize {
        let start = offset as usize;
        let Some(available) = self.bytes.len().checked_sub(start) else {
            return 0;
        };
        let count = out.len().min(available);
        out[..count].copy_from_slice(&self.bytes[start..start + count]);
        count
    }

    /// Applies a write through the masks; returns the count (0 past 4 KiB).
    pub fn write(&mut self, offset: u32, data: &[u8]) -> usize {
        let start = offset as usize;
        let Some(available) = self.bytes.len().checked_sub(start) else {
            return 0;
        };
        let count = data.len().min(available);
        for (i, byte) in data[..count].iter().enumerate() {
            let at = start + i;
            let mask = self.wmask[at];
            let clear = self.w1c[at] & byte;
            self.bytes[at] = ((self.bytes[at] & !mask) | (byte & mask)) & !clear;
        }
        count
    }

    /// Type 0 header common to PF and VF, plus the MSI-X, PCIe, AER and ARI capabilities.
    fn common(generation: Generation, msix_vectors: u16, ari_next: u32) -> Self {
        let mut cfg = Self::empty();
        // Status: capability list (bit 4); the error bits 15:11 and 8 are RW1C.
        cfg.put16(0x06, 1 << 4, 0);
        cfg.w1c16(0x06, 0xF900);
        cfg.put8(0x08, 0x01, 0); // revision (QEMU: rev 1)
        cfg.put8(0x09, 0x00, 0); // prog-if
        cfg.put8(0x0A, 0x00, 0); // Ethernet controller
        cfg.put8(0x0B, 0x02, 0); // network controller
        cfg.put8(0x0C, 0x00, 0xFF); // cache line size
        cfg.put16(0x2C, 0x8086, 0); // subsystem vendor
        cfg.put16(0x2E, pf_device_id(generation), 0);
        cfg.put8(0x34, MSIX_CAP as u8, 0);
        // MSI-X (PCI 3.0 6.8.2): table size N-1 read-only, Function Mask / Enable writable.
        cfg.put8(MSIX_CAP, 0x11, 0);
        cfg.put8(MSIX_CAP + 1, PCIE_CAP as u8, 0);
        cfg.put16(MSIX_CAP + 2, msix_vectors - 1, 0xC000);
        cfg.put32(MSIX_CAP + 4, 3, 0); // table: BIR 3, offset 0
        cfg.put32(MSIX_CAP + 8, 0x2000 | 3, 0); // PBA: BIR 3, offset 0x2000
        // PCI Express capability v2, endpoint (PCIe 3.0 7.8).
        cfg.put8(PCIE_CAP, 0x10, 0);
        cfg.put8(PCIE_CAP + 1, 0, 0);
        cfg.put16(PCIE_CAP + 2, 0x0002, 0);
        // Device Capabilities: max payload 512 B, role-based error reporting, FLR capable.
        cfg.put32(PCIE_CAP + 4, 0b010 | (1 << 15) | DEVCAP_FLR, 0);
        // Device Control: relaxed ordering, no-snoop, max read request 512 B; bit 15 (FLR)
        // is handled by the model and always reads 0.
        cfg.put16(PCIE_CAP + PCIE_DEVCTL, 0x2810, 0x7FFF);
        // Device Status: error bits 3:0 are RW1C.
        cfg.put16(PCIE_CAP + 0x0A, 0, 0);
        cfg.w1c16(PCIE_CAP + 0x0A, 0x000F);
        // Link: 2.5 GT/s x4 (82576 datasheet 1.1), ASPM L0s/L1 supported.
        cfg.put32(PCIE_CAP + 0x0C, 0x0000_0C41, 0);
        cfg.put16(PCIE_CAP + 0x10, 0, 0x01C3);
        cfg.put16(PCIE_CAP + 0x12, 0x1041, 0);
        // Device Capabilities 2: completion timeout ranges A-D and disable; Control 2 RW.
        cfg.put32(PCIE_CAP + 0x24, 0x1F, 0);
        cfg.put16(PCIE_CAP + 0x28, 0, 0x001F);
        // AER v2 → ARI.
        cfg.put32(AER_CAP, 0x0001 | (2 << 16) | (ARI_CAP << 20), 0);
        cfg.put32(AER_CAP + 0x08, 0, 0x003F_F030); // uncorrectable mask
        cfg.put32(AER_CAP + 0x0C, 0x0006_2030, 0x003F_F030); // uncorrectable severity
        cfg.put32(AER_CAP + 0x14, 0x0000_2000, 0x0000_31C1); // correctable mask
        cfg.put32(AER_CAP + 0x18, 0, 0x0000_0140); // capabilities and control
        // ARI v1: next function number 0 (the model has one PF).
        cfg.put32(ARI_CAP, 0x000E | (1 << 16) | (ari_next << 20), 0);
        cfg.put16(ARI_CAP + 4, 0, 0);
        cfg.put16(ARI_CAP + 6, 0, 0);
        cfg
    }

    /// The PF's space.
    pub fn pf(generation: Generation, total_vfs: u16) -> Self {
        let mut cfg = Self::common(generation, crate::state::PF_MSIX_VECTORS, SRIOV_CAP);
        cfg.put16(0x00, 0x8086, 0);
        cfg.put16(0x02, pf_device_id(generation), 0);
        // Command: memory space, bus master, parity, SERR, INTx disable are writable; the
        // model comes up enumerated (memory space and bus master on).
        cfg.put16(CFG_COMMAND, COMMAND_MSE | COMMAND_BME, 0x0546);
        // BAR0: 32-bit non-prefetchable memory, 128 KiB (size bits read-only zero).
        cfg.put32(0x10, 0, 0xFFFE_0000);
        // BAR3 (+BAR4 high half): 64-bit memory, 16 KiB, the MSI-X table and PBA.
        cfg.put32(0x1C, 0b100, 0xFFFF_C000);
        cfg.put32(0x20, 0, 0xFFFF_FFFF);
        cfg.put8(0x3C, 0, 0xFF); // interrupt line
        cfg.put8(0x3D, 1, 0); // INTA
        // SR-IOV v1 (SR-IOV spec 3.3), last in the list.
        let (offset, stride) = vf_routing(generation);
        cfg.put32(SRIOV_CAP, 0x0010 | (1 << 16), 0);
        cfg.put32(SRIOV_CAP + 0x04, 0, 0); // no VF migration
        cfg.put16(
            SRIOV_CAP + SRIOV_CTRL,
            0,
            SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE | SRIOV_CTRL_ARI,
        );
        cfg.put16(SRIOV_CAP + SRIOV_STATUS, 0, 0);
        cfg.put16(SRIOV_CAP + SRIOV_INITIAL_VFS, total_vfs, 0);
        cfg.put16(SRIOV_CAP + SRIOV_TOTAL_VFS, total_vfs, 0);
        cfg.put16(SRIOV_CAP + SRIOV_NUM_VFS, 0, 0xFFFF);
        cfg.put8(SRIOV_CAP + 0x12, 0, 0); // function dependency link
        cfg.put16(SRIOV_CAP + SRIOV_VF_OFFSET, offset, 0);
        cfg.put16(SRIOV_CAP + SRIOV_VF_STRIDE, stride, 0);
        cfg.put16(SRIOV_CAP + SRIOV_VF_DEVICE_ID, vf_device_id(generation), 0);
        // 4K, 8K, 64K, 256K, 1M, 4M supported; the system page size defaults to 4 KiB.
        cfg.put32(SRIOV_CAP + SRIOV_SUPPORTED_PAGE_SIZES, 0x553, 0);
        cfg.put32(SRIOV_CAP + SRIOV_SYSTEM_PAGE_SIZE, 1, 0x553);
        // VF BAR0 and VF BAR3: 64-bit prefetchable, 16 KiB per VF (igb-hardware.md §1.2).
        cfg.put32(SRIOV_CAP + SRIOV_VF_BAR0, 0b1100, 0xFFFF_C000);
        cfg.put32(SRIOV_CAP + SRIOV_VF_BAR0 + 4, 0, 0xFFFF_FFFF);
        cfg.put32(SRIOV_CAP + SRIOV_VF_BAR0 + 12, 0b1100, 0xFFFF_C000);
        cfg.put32(SRIOV_CAP + SRIOV_VF_BAR0 + 16, 0, 0xFFFF_FFFF);
        cfg.put32(SRIOV_CAP + 0x3C, 0, 0); // VF migration state array: none
        cfg
    }

    /// A VF's space.
    pub fn vf(generation: Generation) -> Self {
        let mut cfg = Self::common(generation, crate::state::VF_MSIX_VECTORS, 0);
        // SR-IOV 3.4.1.1/3.4.1.2: a VF's Vendor and Device ID registers read 0xFFFF.
        cfg.put16(0x00, 0xFFFF, 0);
        cfg.put16(0x02, 0xFFFF, 0);
        // SR-IOV 3.4.1.3: only Bus Master is writable in a VF's Command register (memory
        // decoding is the PF's VF MSE).
        cfg.put16(CFG_COMMAND, COMMAND_BME, COMMAND_BME);
        cfg
    }
}

/// The configuration spaces of the adapter.
#[derive(Clone, Debug)]
pub(crate) struct ConfigSpaces {
    pub pf: ConfigFn,
    pub vfs: Vec<ConfigFn>,
    /// The capability's TotalVFs (read-only; [`TOTAL_VFS`] unless the builder lowered it).
    pub total_vfs: u16,
}

impl ConfigSpaces {
    pub fn new(generation: Generation, total_vfs: u16) -> Self {
        Self {
            pf: ConfigFn::pf(generation, total_vfs),
            vfs: Vec::new(),
            total_vfs,
        }
    }

    pub fn sriov_ctrl(&self) -> u16 {
        self.pf.get16(SRIOV_CAP + SRIOV_CTRL)
    }

    pub fn set_sriov_ctrl(&mut self, value: u16) {
        self.pf.set16(SRIOV_CAP + SRIOV_CTRL, value);
    }

    pub fn num_vfs_field(&self) -> u16 {
        self.pf.get16(SRIOV_CAP + SRIOV_NUM_VFS)
    }

    pub fn set_num_vfs_field(&mut self, value: u16) {
        self.pf.set16(SRIOV_CAP + SRIOV_NUM_VFS, value);
    }

    pub fn command(&self, function: Function) -> u16 {
        match function {
            Function::Pf => self.pf.get16(CFG_COMMAND),
            Function::Vf(vf) => self
                .vfs
                .get(usize::from(vf))
                .map_or(0, |cfg| cfg.get16(CFG_COMMAND)),
        }
    }
}

/// Whether a write of `data` at `offset` sets Device Control bit 15 (Initiate FLR). The bit
/// is not stored (it always reads 0), so the written bytes decide.
fn writes_flr(offset: u32, data: &[u8]) -> bool {
    let high_byte = PCIE_CAP + PCIE_DEVCTL + 1;
    high_byte
        .checked_sub(offset)
        .and_then(|index| data.get(index as usize))
        .is_some_and(|byte| byte & 0x80 != 0)
}

fn overlaps(offset: u32, len: usize, field: u32, field_len: u32) -> bool {
    let end = u64::from(offset) + len as u64;
    u64::from(offset) < u64::from(field) + u64::from(field_len) && end > u64::from(field)
}

impl State {
    /// Config read of `function`; 0 bytes for a VF that does not exist.
    pub fn config_read(&self, function: Function, offset: u32, out: &mut [u8]) -> usize {
        match function {
            Function::Pf => self.config.pf.read(offset, out),
            Function::Vf(vf) => self
                .config
                .vfs
                .get(usize::from(vf))
                .map_or(0, |cfg| cfg.read(offset, out)),
        }
    }

    /// Config write of `function` with its side effects (FLR, SR-IOV enable/disable).
    pub fn config_write(&mut self, function: Function, offset: u32, data: &[u8]) -> usize {
        match function {
            Function::Pf => self.pf_config_write(offset, data),
            Function::Vf(vf) => {
                let Some(cfg) = self.config.vfs.get_mut(usize::from(vf)) else {
                    return 0;
                };
                let done = cfg.write(offset, data);
                if writes_flr(offset, &data[..done]) {
                    self.function_level_reset(function);
                }
                done
            }
        }
    }

    /// Device Control bit 15 written as 1 (PCIe 6.6.2): the function is reset.
    fn function_level_reset(&mut self, function: Function) {
        let cfg = match function {
            Function::Pf => &mut self.config.pf,
            Function::Vf(vf) => match self.config.vfs.get_mut(usize::from(vf)) {
                Some(cfg) => cfg,
                None => return,
            },
        };
        match function {
            Function::Vf(vf) => {
                // PCIe 6.6.2: the function's state returns to its reset values; the bus
                // driver restores the Command register (see the module docs).
                let command = cfg.get16(CFG_COMMAND);
                let generation = self.generation;
                *cfg = ConfigFn::vf(generation);
                cfg.set16(CFG_COMMAND, command);
                self.counters.function_level_resets += 1;
                self.vf_reset(vf);
            }
            Function::Pf => {
                // A PF FLR resets the whole adapter including the SR-IOV capability (VF
                // Enable cleared: every VF goes away, SR-IOV spec 3.3.3.1).
                let command = cfg.get16(CFG_COMMAND);
                let generation = self.generation;
                *cfg = ConfigFn::pf(generation, self.config.total_vfs);
                cfg.set16(CFG_COMMAND, command);
                self.counters.function_level_resets += 1;
                self.set_vf_count(0);
                self.device_reset();
            }
        }
    }

    fn pf_config_write(&mut self, offset: u32, data: &[u8]) -> usize {
        let ctrl_at = SRIOV_CAP + SRIOV_CTRL;
        let num_at = SRIOV_CAP + SRIOV_NUM_VFS;
        let old_ctrl = self.config.sriov_ctrl();
        let old_num = self.config.num_vfs_field();
        let done = self.config.pf.write(offset, data);
        if overlaps(offset, done, num_at, 2) && old_ctrl & SRIOV_CTRL_VFE != 0 {
            // SR-IOV 3.3.10: NumVFs may not change while VF Enable is set.
            self.config.set_num_vfs_field(old_num);
        }
        if overlaps(offset, done, ctrl_at, 2) {
            let new_ctrl = self.config.sriov_ctrl();
            let was = old_ctrl & SRIOV_CTRL_VFE != 0;
            let now = new_ctrl & SRIOV_CTRL_VFE != 0;
            if !was && now {
                let requested = self.config.num_vfs_field();
                if requested == 0 || requested > self.config.total_vfs {
                    // Invalid NumVFs: VF Enable is set but no VF appears.
                    self.counters.sriov_invalid_enables += 1;
                } else {
                    self.set_vf_count(requested as u8);
                }
            } else if was && !now {
                self.set_vf_count(0);
            }
        }
        if writes_flr(offset, &data[..done]) {
            self.function_level_reset(Function::Pf);
        }
        done
    }

    /// Creates or destroys VFs so that `count` exist (VF 0..count). Created/removed VFs are
    /// put into the VF reset state without a VFLRE event (creation is not an FLR the PF
    /// must handle); surviving VFs keep their state.
    pub fn set_vf_count(&mut self, count: u8) {
        let old = self.num_vfs;
        self.num_vfs = count;
        for vf in old.min(count)..old.max(count) {
            let vflre = self.vflre;
            let icr = self.icr;
            let outbox = self.outbox.len();
            self.vf_reset(vf);
            self.vflre = vflre;
            self.icr = icr;
            self.outbox.truncate(outbox);
        }
        let generation = self.generation;
        self.config.vfs.truncate(usize::from(count));
        while self.config.vfs.len() < usize::from(count) {
            self.config.vfs.push(ConfigFn::vf(generation));
        }
    }

    /// Whether `function` may decode its BAR0: PF Command.MSE; a VF exists and the PF's
    /// SR-IOV Control has VF Enable and VF MSE (SR-IOV 3.3.3.4).
    pub fn mmio_enabled(&self, function: Function) -> bool {
        match function {
            Function::Pf => self.config.command(Function::Pf) & COMMAND_MSE != 0,
            Function::Vf(vf) => {
                let ctrl = self.config.sriov_ctrl();
                vf < self.num_vfs && ctrl & SRIOV_CTRL_VFE != 0 && ctrl & SRIOV_CTRL_VF_MSE != 0
            }
        }
    }

    /// Whether `function` may master the bus (Command.BME).
    pub fn bus_master(&self, function: Function) -> bool {
        self.config.command(function) & COMMAND_BME != 0
    }
}
