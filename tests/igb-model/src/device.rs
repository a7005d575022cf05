//! The public face of the model: [`Device`] plus the BAR handles that implement the platform
//! seam ([`PfBar`], [`VfBar`]).

use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hw_platform::{Mmio, MsixVector};
use igb::ids::Generation;

use crate::clock::ModelClock;
use crate::config;
use crate::dma::{DmaArena, DmaBus, DmaFault};
use crate::phy::LinkPartner;
use crate::state::{
    Function, MAX_QUEUES, MAX_VFS, ModelCounters, NUM_POOLS, Options, PF_BAR_SIZE, PoolStats,
    QueueStats, State, VF_BAR_SIZE, VfCounter, WireRecord,
};

/// Callback that receives every MSI-X message the device sends (instead of it being queued
/// for [`Device::take_interrupts`]). Called without the device lock held, so it may access
/// registers (an emulator thread running an ISR).
pub type InterruptHook = Arc<dyn Fn(Function, MsixVector) + Send + Sync>;

/// A bad Rx write-back for [`Device::corrupt_next_rx_writeback`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxCorruption {
    /// Length field to write instead of the real one (e.g. larger than SRRCTL.BSIZEPKT).
    pub length: Option<u16>,
    /// Status/error bits to set (e.g. `regs::RXD_ERR_IPE`, or clear EOP below).
    pub status_set: u32,
    /// Status bits to clear (e.g. `regs::RXD_STAT_EOP`).
    pub status_clear: u32,
}

/// Errors of the model's control API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// More VFs than the model supports ([`MAX_VFS`]).
    TooManyVfs,
    /// No such VF.
    NoSuchVf,
}

struct Shared {
    state: Mutex<State>,
    hook: Mutex<Option<InterruptHook>>,
    pending: Mutex<Vec<(Function, MsixVector)>>,
}

/// Builds a [`Device`] with options beyond [`Device::new`]: another MAC, an external DMA
/// bus, a corrupt NVM checksum, the CTRL.SLU rule.
#[derive(Clone)]
pub struct DeviceBuilder {
    generation: Generation,
    mac: [u8; 6],
    bus: Option<Arc<dyn DmaBus>>,
    bad_nvm_checksum: bool,
    require_slu: bool,
    total_vfs: u16,
}

impl std::fmt::Debug for DeviceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceBuilder")
            .field("generation", &self.generation)
            .field("mac", &self.mac)
            .field("external_bus", &self.bus.is_some())
            .field("bad_nvm_checksum", &self.bad_nvm_checksum)
            .field("require_slu", &self.require_slu)
            .field("total_vfs", &self.total_vfs)
            .finish()
    }
}

impl DeviceBuilder {
    /// The permanent MAC (NVM words 0..=2, loaded into RAR0 on every reset).
    #[must_use]
    pub fn mac(mut self, mac: [u8; 6]) -> Self {
        self.mac = mac;
        self
    }

    /// Sends the device's DMA to `bus` instead of its own [`DmaArena`] (see [`DmaBus`] for
    /// the locking rule). [`Device::dma`] still returns the device's own, then unused, arena.
    #[must_use]
    pub fn dma_bus(mut self, bus: Arc<dyn DmaBus>) -> Self {
        self.bus = Some(bus);
        self
    }

    /// Makes the NVM checksum wrong (words 0x00..=0x3F no longer sum to 0xBABA).
    #[must_use]
    pub fn nvm_checksum_bad(mut self) -> Self {
        self.bad_nvm_checksum = true;
        self
    }

    /// Whether the MAC link (STATUS.LU) needs CTRL.SLU, as on hardware with the internal
    /// PHY (82576 datasheet 8.2.1; Linux sets it in `igb_setup_copper_link`). Default for a
    /// built device: `true`. [`Device::new`] / [`Device::with_mac`] use `false` (the link is
    /// up from power-on), which the older tests rely on.
    #[must_use]
    pub fn require_slu(mut self, required: bool) -> Self {
        self.require_slu = required;
        self
    }

    /// Lowers the SR-IOV capability's TotalVFs (and InitialVFs) below the silicon's
    /// [`crate::config::TOTAL_VFS`], as a board's NVM image can; a VF Enable with NumVFs above it brings no VF up. Larger values are
    /// clamped to the silicon's.
    #[must_use]
    pub fn total_vfs(mut self, total_vfs: u16) -> Self {
        self.total_vfs = total_vfs;
        self
    }

    /// The device.
    #[must_use]
    pub fn build(self) -> Device {
        let arena = DmaArena::new();
        let bus: Arc<dyn DmaBus> = match self.bus {
            Some(bus) => bus,
            None => Arc::new(arena.clone()),
        };
        let clock = ModelClock::new();
        let options = Options {
            require_slu: self.require_slu,
            bad_nvm_checksum: self.bad_nvm_checksum,
            total_vfs: self.total_vfs,
        };
        let state = State::new(self.generation, self.mac, bus, clock.clone(), options);
        let shared = Shared {
            state: Mutex::new(state),
            hook: Mutex::new(None),
            pending: Mutex::new(Vec::new()),
        };
        Device {
            shared: Arc::new(shared),
            arena,
            clock,
        }
    }
}

/// The adapter: one PF, up to [`MAX_VFS`] VFs, a guest-memory arena, a virtual clock and a
/// wire port. Cheap to clone; all clones are the same device.
#[derive(Clone)]
pub struct Device {
    shared: Arc<Shared>,
    arena: DmaArena,
    clock: ModelClock,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The permanent MAC the model's "NVM" loads into RAR0 unless another is given.
pub const DEFAULT_MAC: [u8; 6] = [0x00, 0x1B, 0x21, 0x57, 0x60, 0x00];

impl Device {
    /// A device of `generation` with the default permanent MAC, link up, no VFs.
    #[must_use]
    pub fn new(generation: Generation) -> Self {
        Self::with_mac(generation, DEFAULT_MAC)
    }

    /// A device with the given permanent MAC (loaded into RAR0 on every reset); the link does
    /// not need CTRL.SLU ([`DeviceBuilder::require_slu`]).
    #[must_use]
    pub fn with_mac(generation: Generation, mac: [u8; 6]) -> Self {
        Self::builder(generation)
            .mac(mac)
            .require_slu(false)
            .build()
    }

    /// A builder: default MAC, own DMA arena, good NVM, link gated by CTRL.SLU.
    #[must_use]
    pub fn builder(generation: Generation) -> DeviceBuilder {
        DeviceBuilder {
            generation,
            mac: DEFAULT_MAC,
            bus: None,
            bad_nvm_checksum: false,
            require_slu: true,
            total_vfs: crate::config::TOTAL_VFS,
        }
    }

    /// Runs `f` on the state, then dispatches the interrupts it raised (after unlocking).
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let (result, raised) = {
            let mut state = lock(&self.shared.state);
            let result = f(&mut state);
            if state.removed {
                // A removed device sends no messages.
                state.outbox.clear();
            }
            (result, std::mem::take(&mut state.outbox))
        };
        if !raised.is_empty() {
            let hook = lock(&self.shared.hook).clone();
            match hook {
                Some(hook) => raised
                    .into_iter()
                    .for_each(|(function, vector)| hook(function, vector)),
                None => lock(&self.shared.pending).extend(raised),
            }
        }
        result
    }

    /// The silicon generation.
    #[must_use]
    pub fn generation(&self) -> Generation {
        lock(&self.shared.state).generation
    }

    /// The PF's BAR0.
    #[must_use]
    pub fn pf_bar(&self) -> PfBar {
        PfBar {
            device: self.clone(),
        }
    }

    /// VF `vf`'s BAR0. Accesses read all-ones / are ignored while that VF is not enabled.
    #[must_use]
    pub fn vf_bar(&self, vf: u8) -> VfBar {
        VfBar {
            device: self.clone(),
            vf,
        }
    }

    /// The DMA allocator / guest memory (shared by PF and VFs; the model has no IOMMU
    /// domains per function).
    #[must_use]
    pub fn dma(&self) -> DmaArena {
        self.arena.clone()
    }

    /// The virtual clock (also drives FRTIMER/VTFRTIMER and the pcap timestamps).
    #[must_use]
    pub fn clock(&self) -> ModelClock {
        self.clock.clone()
    }

    /// Sets NumVFs (what the SR-IOV capability write does). VFs beyond the new count
    /// disappear; newly created VFs start from a VF reset state (without a VFLRE event).
    ///
    /// # Errors
    /// [`ModelError::TooManyVfs`] above [`MAX_VFS`].
    pub fn enable_vfs(&self, count: u8) -> Result<(), ModelError> {
        if count > MAX_VFS {
            return Err(ModelError::TooManyVfs);
        }
        self.with_state(|state| {
            // What the OS does in the SR-IOV capability, without the "disable first" step:
            // surviving VFs keep their state.
            state.config.set_num_vfs_field(u16::from(count));
            let ctrl = if count == 0 {
                0
            } else {
                config::SRIOV_CTRL_VFE | config::SRIOV_CTRL_VF_MSE | config::SRIOV_CTRL_ARI
            };
            state.config.set_sriov_ctrl(ctrl);
            state.set_vf_count(count);
        });
        Ok(())
    }

    /// Number of enabled VFs.
    #[must_use]
    pub fn num_vfs(&self) -> u8 {
        lock(&self.shared.state).num_vfs
    }

    /// PCIe function-level reset of a VF (same effect as VTCTRL.RST, §2.5).
    ///
    /// # Errors
    /// [`ModelError::NoSuchVf`] if the VF is not enabled.
    pub fn vf_flr(&self, vf: u8) -> Result<(), ModelError> {
        self.with_state(|state| {
            if vf >= state.num_vfs {
                return Err(ModelError::NoSuchVf);
            }
            // Device Control of the VF's PCIe capability, bit 15 (Initiate FLR).
            let at = config::PCIE_CAP + config::PCIE_DEVCTL;
            let mut current = [0u8; 2];
            state.config_read(Function::Vf(vf), at, &mut current);
            let value = u16::from_le_bytes(current) | config::DEVCTL_FLR;
            state.config_write(Function::Vf(vf), at, &value.to_le_bytes());
            Ok(())
        })
    }

    /// Plugs (`true`) or pulls (`false`) the cable to the link partner. The MAC link
    /// (STATUS.LU) follows the resolution with the PHY's settings (and CTRL.SLU when
    /// required); ICR.LSC is raised when it changes.
    pub fn set_link(&self, up: bool) {
        self.with_state(|state| {
            state.cable = up;
            state.update_link();
        });
    }

    /// Whether the MAC link is up (what STATUS.LU shows).
    #[must_use]
    pub fn link_up(&self) -> bool {
        lock(&self.shared.state).link.is_some()
    }

    /// The resolved MAC link (speed, duplex), `None` while down.
    #[must_use]
    pub fn link_mode(&self) -> Option<crate::phy::LinkMode> {
        lock(&self.shared.state).link.map(|link| link.mode)
    }

    /// Replaces the link partner (what it offers); the link is re-resolved at once, as if
    /// the partner renegotiated.
    pub fn set_link_partner(&self, partner: LinkPartner) {
        self.with_state(|state| {
            state.partner = partner;
            state.update_link();
        });
    }

    /// The link partner.
    #[must_use]
    pub fn link_partner(&self) -> LinkPartner {
        lock(&self.shared.state).partner
    }

    /// A PHY that never answers: MDIC accesses never set R (the link itself is unchanged).
    pub fn set_phy_dead(&self, dead: bool) {
        self.with_state(|state| state.phy.dead = dead);
    }

    /// Surprise removal (`true`): every BAR read returns all-ones, writes are dropped, the
    /// device does no DMA and sends no interrupts, config reads return all-ones. `false`
    /// brings it back (state as it was; a countdown of [`Device::fail_reads_after`] is
    /// cancelled).
    pub fn set_removed(&self, removed: bool) {
        self.with_state(|state| {
            state.removed = removed;
            state.reads_until_removed = None;
        });
    }

    /// Whether the device behaves as removed.
    #[must_use]
    pub fn is_removed(&self) -> bool {
        lock(&self.shared.state).removed
    }

    /// After `reads` more BAR reads (PF or VF) the device behaves as removed: read number
    /// `reads + 1` already returns all-ones. Sweeping `reads` over 0..N shows a driver's
    /// init handling "the device vanished" at every point.
    pub fn fail_reads_after(&self, reads: u64) {
        self.with_state(|state| state.reads_until_removed = Some(reads));
    }

    /// PCI configuration read of `function` at `offset` into `out`; returns the bytes read
    /// (0 past 4 KiB or for a VF that does not exist). All-ones while removed.
    #[must_use]
    pub fn config_read(&self, function: Function, offset: u32, out: &mut [u8]) -> usize {
        let state = lock(&self.shared.state);
        let done = state.config_read(function, offset, out);
        if state.removed {
            out[..done].fill(0xFF);
        }
        done
    }

    /// PCI configuration write of `function` at `offset`; returns the bytes written (0 past
    /// 4 KiB, for a VF that does not exist, or while removed). Read-only fields ignore the
    /// write; VF Enable, NumVFs and Initiate FLR have their SR-IOV / PCIe effects.
    pub fn config_write(&self, function: Function, offset: u32, data: &[u8]) -> usize {
        self.with_state(|state| {
            if state.removed {
                return 0;
            }
            state.config_write(function, offset, data)
        })
    }

    /// A frame with a bad CRC arrives: the MAC drops it and counts CRCERRS.
    pub fn inject_bad_crc(&self, frame: &[u8]) {
        self.with_state(|state| {
            if !state.removed && state.link.is_some() {
                state.log_wire_inbound(frame);
                state.stats.crcerrs += 1;
            }
        });
    }

    /// The PHY reports a receive error (RX_ER) for a frame: dropped, counted in RXERRC.
    pub fn inject_phy_error(&self) {
        self.with_state(|state| {
            if !state.removed && state.link.is_some() {
                state.stats.rxerrc += 1;
            }
        });
    }

    /// Sets VF `vf`'s statistics register `which` (32-bit, wrapping, not clear-on-read) to
    /// `value`, so a test can start a counter just below the wrap.
    ///
    /// # Errors
    /// [`ModelError::NoSuchVf`] for a VF index beyond the pools.
    pub fn preset_vf_counter(
        &self,
        vf: u8,
        which: VfCounter,
        value: u32,
    ) -> Result<(), ModelError> {
        self.with_state(|state| {
            let stats = state
                .pool_stats
                .get_mut(usize::from(vf))
                .ok_or(ModelError::NoSuchVf)?;
            *stats.slot(which) = value;
            Ok(())
        })
    }

    /// Whether the device may still DMA into `addr..addr + len`: an enabled (RXDCTL /
    /// TXDCTL.ENABLE, PF or VF queue) ring's descriptors, an enabled Tx queue's head
    /// write-back address, or the buffer of an Rx descriptor hardware owns (head up to tail)
    /// overlaps the range.
    #[must_use]
    pub fn dma_may_target(&self, addr: u64, len: u64) -> bool {
        let state = lock(&self.shared.state);
        !state.removed && state.dma_may_target(addr, len)
    }

    /// The permanent MAC (NVM words 0..=2; RAR0 after every reset).
    #[must_use]
    pub fn permanent_mac(&self) -> [u8; 6] {
        lock(&self.shared.state).nvm.mac()
    }

    /// The NVM word at `address` (0xFFFF beyond the image), as EERD would return it.
    #[must_use]
    pub fn nvm_word(&self, address: u16) -> u16 {
        lock(&self.shared.state)
            .nvm
            .words
            .get(usize::from(address))
            .copied()
            .unwrap_or(0xFFFF)
    }

    /// A frame (without CRC) arrives from the wire; it is classified and placed into the
    /// matching Rx queues before this returns.
    pub fn inject(&self, frame: &[u8]) {
        // (A removed device ignores the wire: `receive_from_wire` checks.)
        self.with_state(|state| state.receive_from_wire(frame));
    }

    /// Corrupts the next Rx write-back the device makes (its last, EOP descriptor): a length
    /// that claims more than the buffer holds, status bits set or cleared. One-shot; a driver
    /// must count and drop such a write-back, not trust it.
    pub fn corrupt_next_rx_writeback(&self, corruption: RxCorruption) {
        self.with_state(|state| state.rx_corruption = Some(corruption));
    }

    /// Takes the frames the adapter sent out of the wire port (oldest first).
    #[must_use]
    pub fn capture(&self) -> Vec<Vec<u8>> {
        self.with_state(|state| std::mem::take(&mut state.wire_out))
    }

    /// Everything that crossed the wire port so far, both directions (bounded log).
    #[must_use]
    pub fn wire_log(&self) -> Vec<WireRecord> {
        lock(&self.shared.state).wire_log.clone()
    }

    /// Writes the wire log as a classic pcap file (LINKTYPE_ETHERNET, microsecond stamps).
    ///
    /// # Errors
    /// Any I/O error from creating or writing the file.
    pub fn write_pcap(&self, path: &Path) -> io::Result<()> {
        let log = self.wire_log();
        let mut out = io::BufWriter::new(std::fs::File::create(path)?);
        write_pcap_to(&mut out, &log)?;
        out.flush()
    }

    /// Takes the MSI-X messages delivered to `function` since the last call (in order).
    /// Empty while an interrupt hook is installed.
    #[must_use]
    pub fn take_interrupts(&self, function: Function) -> Vec<MsixVector> {
        let mut pending = lock(&self.shared.pending);
        let mut taken = Vec::new();
        pending.retain(|&(owner, vector)| {
            if owner == function {
                taken.push(vector);
                false
            } else {
                true
            }
        });
        taken
    }

    /// Installs (or removes) a hook that receives MSI-X messages as they are sent.
    pub fn set_interrupt_hook(&self, hook: Option<InterruptHook>) {
        *lock(&self.shared.hook) = hook;
    }

    /// Model-internal counters.
    #[must_use]
    pub fn counters(&self) -> ModelCounters {
        lock(&self.shared.state).counters
    }

    /// The most recent DMA fault.
    #[must_use]
    pub fn last_dma_fault(&self) -> Option<DmaFault> {
        lock(&self.shared.state).last_dma_fault
    }

    /// Model-kept counters of PF queue `queue` (0..16).
    #[must_use]
    pub fn queue_stats(&self, queue: usize) -> QueueStats {
        lock(&self.shared.state)
            .queue_stats
            .get(queue.min(MAX_QUEUES - 1))
            .copied()
            .unwrap_or_default()
    }

    /// The statistics registers of pool `pool` (what VF `pool` reads at VFGPRC..).
    #[must_use]
    pub fn pool_stats(&self, pool: u8) -> PoolStats {
        let state = lock(&self.shared.state);
        state
            .pool_stats
            .get(usize::from(pool) % NUM_POOLS)
            .copied()
            .unwrap_or_default()
    }

    fn pf_read(&self, offset: u32) -> u32 {
        self.with_state(|state| {
            if state.count_read_removed() {
                return u32::MAX;
            }
            if !state.mmio_enabled(Function::Pf) {
                state.counters.mmio_decode_disabled += 1;
                return u32::MAX;
            }
            if offset >= PF_BAR_SIZE || offset % 4 != 0 {
                state.counters.bad_mmio_accesses += 1;
                return u32::MAX;
            }
            state.pf_read(offset)
        })
    }

    fn pf_write(&self, offset: u32, value: u32) {
        self.with_state(|state| {
            if state.removed {
                return;
            }
            if !state.mmio_enabled(Function::Pf) {
                state.counters.mmio_decode_disabled += 1;
                return;
            }
            if offset >= PF_BAR_SIZE || offset % 4 != 0 {
                state.counters.bad_mmio_accesses += 1;
                return;
            }
            state.pf_write(offset, value);
        });
    }

    fn vf_read(&self, vf: u8, offset: u32) -> u32 {
        self.with_state(|state| {
            if state.count_read_removed() {
                return u32::MAX;
            }
            if vf >= state.num_vfs || offset >= VF_BAR_SIZE || offset % 4 != 0 {
                state.counters.bad_mmio_accesses += 1;
                return u32::MAX;
            }
            if !state.mmio_enabled(Function::Vf(vf)) {
                state.counters.mmio_decode_disabled += 1;
                return u32::MAX;
            }
            state.vf_read(vf, offset)
        })
    }

    fn vf_write(&self, vf: u8, offset: u32, value: u32) {
        self.with_state(|state| {
            if state.removed {
                return;
            }
            if vf >= state.num_vfs || offset >= VF_BAR_SIZE || offset % 4 != 0 {
                state.counters.bad_mmio_accesses += 1;
                return;
            }
            if !state.mmio_enabled(Function::Vf(vf)) {
                state.counters.mmio_decode_disabled += 1;
                return;
            }
            state.vf_write(vf, offset, value);
        });
    }
}

/// Serialises `log` in classic pcap format.
///
/// # Errors
/// Any error from `out`.
pub fn write_pcap_to(out: &mut impl Write, log: &[WireRecord]) -> io::Result<()> {
    const SNAPLEN: u32 = 65535;
    out.write_all(&0xA1B2_C3D4u32.to_le_bytes())?;
    out.write_all(&2u16.to_le_bytes())?;
    out.write_all(&4u16.to_le_bytes())?;
    out.write_all(&0i32.to_le_bytes())?; // thiszone
    out.write_all(&0u32.to_le_bytes())?; // sigfigs
    out.write_all(&SNAPLEN.to_le_bytes())?;
    out.write_all(&1u32.to_le_bytes())?; // LINKTYPE_ETHERNET
    for record in log {
        let secs = u32::try_from(record.time.as_secs()).unwrap_or(u32::MAX);
        let len = u32::try_from(record.data.len()).unwrap_or(u32::MAX);
        let captured = len.min(SNAPLEN);
        out.write_all(&secs.to_le_bytes())?;
        out.write_all(&record.time.subsec_micros().to_le_bytes())?;
        out.write_all(&captured.to_le_bytes())?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(&record.data[..captured as usize])?;
    }
    Ok(())
}

/// The PF's BAR0 (128 KiB CSR space) as a platform [`Mmio`].
#[derive(Clone, Debug)]
pub struct PfBar {
    device: Device,
}

impl Mmio for PfBar {
    fn read32(&self, offset: u32) -> u32 {
        self.device.pf_read(offset)
    }

    fn write32(&self, offset: u32, value: u32) {
        self.device.pf_write(offset, value);
    }
}

/// A VF's BAR0 (16 KiB, register map of igb-hardware.md §3) as a platform [`Mmio`].
#[derive(Clone, Debug)]
pub struct VfBar {
    device: Device,
    vf: u8,
}

impl VfBar {
    /// The VF index.
    #[must_use]
    pub fn vf(&self) -> u8 {
        self.vf
    }
}

impl Mmio for VfBar {
    fn read32(&self, offset: u32) -> u32 {
        self.device.vf_read(self.vf, offset)
    }

    fn write32(&self, offset: u32, value: u32) {
        self.device.vf_write(self.vf, offset, value);
    }
}
