//! The testbed: one igb device model ([`igb_model::Device`]) behind the NDIS emulator, so the
//! real miniports run on modelled hardware through the NDIS calls they make on Windows.
//!
//! * MMIO: the emulator routes a driver's register access (the one register primitive, on an
//!   `NdisMMapIoSpace` range) to [`FunctionBackend::mmio_read32`], which reaches the model's PF
//!   or VF BAR0. The MSI-X BAR (BAR3) is not modelled: NDIS programs the MSI-X table itself.
//! * PCI configuration space: the model's, per function, when it has one; otherwise a header
//!   with the function's identity (vendor, device, revision), so PCI-id checks work.
//! * Interrupts: the model's MSI-X messages go to the emulator's [`ndis_emu::DevicePort`] of
//!   the function's adapter, which never blocks (a register write inside a DPC that raises an
//!   interrupt queues it).
//! * Link: [`Testbed::set_link`] flips the model's link, which raises the link-change cause.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hw_platform::Mmio;
use igb::ids::Generation;
use igb_model::{Device, Function};
use ndis_emu::{AdapterConfig, Bar, DevicePort, HardwareBackend, Partition};

/// Bus address of the PF's BAR0 in the emulated resource list.
pub const PF_BAR0: u64 = 0xF000_0000;
/// Bus address of the PF's MSI-X BAR3.
pub const PF_BAR3: u64 = 0xF002_0000;
/// Bus address of VF 0's BAR0; VF n's is `VF_BAR0 + n * VF_BAR_STRIDE`.
pub const VF_BAR0: u64 = 0xF100_0000;
/// Distance between consecutive VFs' BARs.
pub const VF_BAR_STRIDE: u64 = 0x1_0000;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Default)]
struct Ports {
    by_function: Mutex<BTreeMap<FunctionKey, DevicePort>>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum FunctionKey {
    Pf,
    Vf(u8),
}

impl From<Function> for FunctionKey {
    fn from(function: Function) -> Self {
        match function {
            Function::Pf => Self::Pf,
            Function::Vf(vf) => Self::Vf(vf),
        }
    }
}

/// The device model plus the wiring to the emulator's adapters.
#[derive(Clone)]
pub struct Testbed {
    device: Device,
    ports: Arc<Ports>,
}

impl std::fmt::Debug for Testbed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Testbed")
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

impl Testbed {
    /// A device of `generation` (default MAC, link up, no VFs), wired for interrupts.
    #[must_use]
    pub fn new(generation: Generation) -> Self {
        Self::with_device(Device::new(generation))
    }

    /// Wires an existing model device.
    #[must_use]
    pub fn with_device(device: Device) -> Self {
        let ports = Arc::new(Ports::default());
        let hook_ports = Arc::clone(&ports);
        device.set_interrupt_hook(Some(Arc::new(move |function, vector| {
            let port = lock(&hook_ports.by_function)
                .get(&FunctionKey::from(function))
                .cloned();
            if let Some(port) = port {
                port.raise(u32::from(vector.0));
            }
        })));
        Self { device, ports }
    }

    /// The model.
    #[must_use]
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Flips the model's link (the PHY's link partner appears or goes away).
    pub fn set_link(&self, up: bool) {
        self.device.set_link(up);
    }

    fn backend(&self, function: Function) -> Arc<FunctionBackend> {
        Arc::new(FunctionBackend {
            device: self.device.clone(),
            function,
            ports: Arc::clone(&self.ports),
        })
    }

    /// An emulator configuration for the PF: the generation's PCI id, BAR0 (128 KiB) and BAR3,
    /// 10 MSI-X messages, the Hyper-V parent partition, and this testbed as the backend.
    #[must_use]
    pub fn pf_config(&self) -> AdapterConfig {
        let generation = self.device.generation();
        AdapterConfig {
            device_id: pf_device_id(generation),
            bars: vec![
                Bar {
                    index: 0,
                    physical: PF_BAR0,
                    length: igb_model::PF_BAR_SIZE,
                },
                Bar {
                    index: 3,
                    physical: PF_BAR3,
                    length: 0x4000,
                },
            ],
            msix_messages: u32::from(igb_model::PF_MSIX_VECTORS),
            backend: Some(self.backend(Function::Pf)),
            ..AdapterConfig::default()
        }
    }

    /// An emulator configuration for VF `vf` in a Hyper-V child partition: the VF device id,
    /// its BAR0 (16 KiB), 3 MSI-X messages, and this testbed as the backend.
    #[must_use]
    pub fn vf_config(&self, vf: u8) -> AdapterConfig {
        let generation = self.device.generation();
        let base = VF_BAR0 + u64::from(vf) * VF_BAR_STRIDE;
        AdapterConfig {
            device_id: vf_device_id(generation),
            bars: vec![
                Bar {
                    index: 0,
                    physical: base,
                    length: igb_model::VF_BAR_SIZE,
                },
                Bar {
                    index: 3,
                    physical: base + 0x8000,
                    length: 0x4000,
                },
            ],
            msix_messages: u32::from(igb_model::VF_MSIX_VECTORS),
            backend: Some(self.backend(Function::Vf(vf))),
            partition: Partition::Child,
            ..AdapterConfig::vf()
        }
    }
}

/// PCI device id of the PF (igb-hardware.md §1.1).
#[must_use]
pub const fn pf_device_id(generation: Generation) -> u16 {
    match generation {
        Generation::I82576 => 0x10C9,
        Generation::I350 => 0x1521,
    }
}

/// PCI device id of the VF.
#[must_use]
pub const fn vf_device_id(generation: Generation) -> u16 {
    match generation {
        Generation::I82576 => 0x10CA,
        Generation::I350 => 0x1520,
    }
}

/// One PCI function of the model as the emulator's hardware backend.
pub struct FunctionBackend {
    device: Device,
    function: Function,
    ports: Arc<Ports>,
}

impl FunctionBackend {
    fn identity_header(&self, offset: u32, buf: &mut [u8]) -> usize {
        let generation = self.device.generation();
        let device_id = match self.function {
            Function::Pf => pf_device_id(generation),
            Function::Vf(_) => vf_device_id(generation),
        };
        let mut header = [0u8; 64];
        header[0..2].copy_from_slice(&0x8086u16.to_le_bytes());
        header[2..4].copy_from_slice(&device_id.to_le_bytes());
        header[8] = 1;
        // Class code: Ethernet controller (02 00 00).
        header[11] = 0x02;
        let Ok(start) = usize::try_from(offset) else {
            return 0;
        };
        let Some(end) = start.checked_add(buf.len()) else {
            return 0;
        };
        if end > header.len() {
            // Beyond the synthesized header: zeros, as an absent capability list reads.
            buf.fill(0);
            return buf.len().min(4096usize.saturating_sub(start));
        }
        buf.copy_from_slice(&header[start..end]);
        buf.len()
    }
}

impl HardwareBackend for FunctionBackend {
    fn attach(&self, port: DevicePort) {
        lock(&self.ports.by_function).insert(FunctionKey::from(self.function), port);
    }

    fn mmio_read32(&self, bar: u8, offset: u64) -> u32 {
        let Ok(offset) = u32::try_from(offset) else {
            return u32::MAX;
        };
        match (bar, self.function) {
            (0, Function::Pf) => self.device.pf_bar().read32(offset),
            (0, Function::Vf(vf)) => self.device.vf_bar(vf).read32(offset),
            // The MSI-X table BAR is NDIS's; the driver never reads it.
            _ => 0,
        }
    }

    fn mmio_write32(&self, bar: u8, offset: u64, value: u32) {
        let Ok(offset) = u32::try_from(offset) else {
            return;
        };
        match (bar, self.function) {
            (0, Function::Pf) => self.device.pf_bar().write32(offset, value),
            (0, Function::Vf(vf)) => self.device.vf_bar(vf).write32(offset, value),
            _ => {}
        }
    }

    fn config_read(&self, offset: u32, buf: &mut [u8]) -> usize {
        self.identity_header(offset, buf)
    }
}

/// A real-time clock for host-side code (the PF the test plays).
#[derive(Clone, Copy, Debug, Default)]
pub struct StdClock;

impl hw_platform::Clock for StdClock {
    fn now(&self) -> std::time::Duration {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        ORIGIN.get_or_init(std::time::Instant::now).elapsed()
    }
    fn delay(&self, duration: std::time::Duration) {
        std::thread::sleep(duration);
    }
}

/// A PF driven directly by `igb` (no NDIS) on the testbed's model, serving its VFs' mailbox
/// from a thread every millisecond: the host side a VF miniport test needs.
pub struct HostPf {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    state: Arc<Mutex<HostPfState>>,
}

struct HostPfState {
    device: igb::pf_device::PfDevice<igb_model::PfBar>,
    mailbox: igb::mailbox::pf::PfMailbox,
    serving: bool,
}

/// Why the host PF could not start.
#[derive(Debug)]
pub enum HostPfError {
    /// The model refused the VF count.
    Model(igb_model::ModelError),
    /// PF bring-up failed.
    Bringup(igb::pf_device::PfInitError),
    /// The mailbox refused the VF count or policy.
    Mailbox(igb::mailbox::pf::PfMailboxError),
}

impl HostPf {
    /// Creates `admin_macs.len()` VFs, brings the PF up with them (admin MAC per VF), announces
    /// PFRSTD and starts serving the mailbox.
    pub fn start(testbed: &Testbed, admin_macs: &[[u8; 6]]) -> Result<Self, HostPfError> {
        let device = testbed.device();
        let generation = device.generation();
        let num_vfs = u8::try_from(admin_macs.len()).unwrap_or(u8::MAX);
        device.enable_vfs(num_vfs).map_err(HostPfError::Model)?;
        let clock = StdClock;
        let (mut pf, _) =
            igb::pf_device::PfDevice::reset(device.pf_bar(), generation, None, &clock)
                .map_err(HostPfError::Bringup)?;
        pf.configure_pools(num_vfs).map_err(HostPfError::Bringup)?;
        let mut mailbox = igb::mailbox::pf::PfMailbox::new(generation, usize::from(num_vfs))
            .map_err(HostPfError::Mailbox)?;
        mailbox.start(pf.regs());
        for (vf, mac) in admin_macs.iter().enumerate() {
            let policy = igb::mailbox::pf::VfPolicy {
                admin_mac: Some(*mac),
                ..igb::mailbox::pf::VfPolicy::default()
            };
            mailbox
                .set_policy(vf, policy, pf.regs(), &clock)
                .map_err(HostPfError::Mailbox)?;
        }
        // MSI-X mode on the PF (GPIE.MSIX_MODE): without it the VFs' messages are withheld.
        pf.enable_other_interrupt(0).map_err(HostPfError::Bringup)?;
        pf.announce_ready().map_err(HostPfError::Bringup)?;
        let state = Arc::new(Mutex::new(HostPfState {
            device: pf,
            mailbox,
            serving: true,
        }));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Acquire) {
                    {
                        let mut state = lock(&state);
                        if state.serving {
                            let HostPfState {
                                device, mailbox, ..
                            } = &mut *state;
                            let _ = mailbox.service(device.regs(), &StdClock);
                        }
                    }
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            })
        };
        Ok(Self {
            stop,
            thread: Some(thread),
            state,
        })
    }

    /// Stops or resumes answering the VFs (a PF that never answers).
    pub fn set_serving(&self, serving: bool) {
        lock(&self.state).serving = serving;
    }

    /// Resets the PF under its live VFs: global reset (the VFs see RSTI), pools and mailbox
    /// again, then PFRSTD (the VFs see RSTD and must handshake again).
    pub fn reset_pf(&self, testbed: &Testbed) -> Result<(), HostPfError> {
        let mut state = lock(&self.state);
        let generation = testbed.device().generation();
        let num_vfs = state.device.num_vfs();
        let mac = state.device.mac();
        let clock = StdClock;
        let (mut pf, _) = igb::pf_device::PfDevice::reset(
            testbed.device().pf_bar(),
            generation,
            Some(mac),
            &clock,
        )
        .map_err(HostPfError::Bringup)?;
        // Let the VFs notice the reset before the PF is ready again.
        std::thread::sleep(std::time::Duration::from_millis(50));
        pf.configure_pools(num_vfs).map_err(HostPfError::Bringup)?;
        state.mailbox.start(pf.regs());
        pf.enable_other_interrupt(0).map_err(HostPfError::Bringup)?;
        pf.announce_ready().map_err(HostPfError::Bringup)?;
        // As Linux igb after a reset: a control message to every VF, which raises their
        // mailbox interrupt (RSTD alone does not, 82576 datasheet 7.8.2.9).
        state.mailbox.ping_all(pf.regs(), &clock);
        state.device = pf;
        Ok(())
    }
}

impl Drop for HostPf {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
