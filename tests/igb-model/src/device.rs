//! The public face of the model: [`Device`] plus the BAR handles that implement the platform
//! seam ([`PfBar`], [`VfBar`]).

use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hw_platform::{Mmio, MsixVector};
use igb::ids::Generation;

use crate::clock::ModelClock;
use crate::dma::{DmaArena, DmaFault};
use crate::state::{
    Function, MAX_QUEUES, MAX_VFS, ModelCounters, NUM_POOLS, PF_BAR_SIZE, PoolStats, QueueStats,
    State, VF_BAR_SIZE, WireRecord,
};

/// Callback that receives every MSI-X message the device sends (instead of it being queued
/// for [`Device::take_interrupts`]). Called without the device lock held, so it may access
/// registers (an emulator thread running an ISR).
pub type InterruptHook = Arc<dyn Fn(Function, MsixVector) + Send + Sync>;

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

    /// A device with the given permanent MAC (loaded into RAR0 on every reset).
    #[must_use]
    pub fn with_mac(generation: Generation, mac: [u8; 6]) -> Self {
        let arena = DmaArena::new();
        let clock = ModelClock::new();
        let state = State::new(generation, mac, arena.clone(), clock.clone());
        let shared = Shared {
            state: Mutex::new(state),
            hook: Mutex::new(None),
            pending: Mutex::new(Vec::new()),
        };
        Self {
            shared: Arc::new(shared),
            arena,
            clock,
        }
    }

    /// Runs `f` on the state, then dispatches the interrupts it raised (after unlocking).
    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let (result, raised) = {
            let mut state = lock(&self.shared.state);
            let result = f(&mut state);
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
            let old = state.num_vfs;
            state.num_vfs = count;
            for vf in old.min(count)..old.max(count) {
                let vflre = state.vflre;
                let icr = state.icr;
                state.vf_reset(vf);
                // Creation/removal is not an FLR event the PF must handle.
                state.vflre = vflre;
                state.icr = icr;
            }
            state.outbox.clear();
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
            state.vf_reset(vf);
            Ok(())
        })
    }

    /// Link up/down: STATUS.LU follows and ICR.LSC is raised on a change.
    pub fn set_link(&self, up: bool) {
        self.with_state(|state| {
            if state.link_up != up {
                state.link_up = up;
                state.raise_icr(crate::regs::ICR_LSC);
            }
        });
    }

    /// Whether the link is up.
    #[must_use]
    pub fn link_up(&self) -> bool {
        lock(&self.shared.state).link_up
    }

    /// A frame (without CRC) arrives from the wire; it is classified and placed into the
    /// matching Rx queues before this returns.
    pub fn inject(&self, frame: &[u8]) {
        self.with_state(|state| state.receive_from_wire(frame));
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
            if offset >= PF_BAR_SIZE || offset % 4 != 0 {
                state.counters.bad_mmio_accesses += 1;
                return u32::MAX;
            }
            state.pf_read(offset)
        })
    }

    fn pf_write(&self, offset: u32, value: u32) {
        self.with_state(|state| {
            if offset >= PF_BAR_SIZE || offset % 4 != 0 {
                state.counters.bad_mmio_accesses += 1;
                return;
            }
            state.pf_write(offset, value);
        });
    }

    fn vf_read(&self, vf: u8, offset: u32) -> u32 {
        self.with_state(|state| {
            if vf >= state.num_vfs || offset >= VF_BAR_SIZE || offset % 4 != 0 {
                state.counters.bad_mmio_accesses += 1;
                return u32::MAX;
            }
            state.vf_read(vf, offset)
        })
    }

    fn vf_write(&self, vf: u8, offset: u32, value: u32) {
        self.with_state(|state| {
            if vf >= state.num_vfs || offset >= VF_BAR_SIZE || offset % 4 != 0 {
                state.counters.bad_mmio_accesses += 1;
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
