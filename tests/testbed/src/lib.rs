//! The testbed: one igb device model ([`igb_model::Device`]) behind the NDIS emulator, so the
//! real miniports run on modelled hardware through the NDIS calls they make on Windows.
//!
//! * MMIO: the emulator routes a driver's register access (the one register primitive, on an
//!   `NdisMMapIoSpace` range) to [`FunctionBackend::mmio_read32`], which reaches the model's PF
//!   or VF BAR0. The MSI-X BAR (BAR3) is not modelled: NDIS programs the MSI-X table itself.
//! * PCI configuration space: the model's, per function (the SR-IOV capability is how
//!   `NdisMEnableVirtualization` creates the VFs). A VF's vendor and device id read 0xFFFF on
//!   the bus (PCIe SR-IOV 1.1 §3.4.1.1); in a Hyper-V guest the virtual PCI bus presents the VF
//!   device id from the PF's capability instead, and so does the testbed for a VF adapter.
//! * DMA: the model's DMA goes to the emulator's one fake physical address space (shared
//!   memory and scatter/gather lists the drivers got from NDIS), through the PF adapter's
//!   [`DevicePort`] (or, before a PF adapter exists, the first VF adapter's), so a device access
//!   outside a live mapping is an emulator rule violation on that adapter.
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
    /// Register reads each function has left before it reads all-ones (see
    /// [`Testbed::remove_function_after_reads`]).
    reads_left: Mutex<BTreeMap<FunctionKey, u64>>,
    /// Functions whose interrupts are lost (see [`Testbed::lose_interrupts`]).
    losing: Mutex<std::collections::BTreeSet<FunctionKey>>,
    /// MSI-X messages handed to each function's adapter, per vector (see
    /// [`Testbed::interrupts_delivered`]).
    delivered: Mutex<BTreeMap<(FunctionKey, u32), u64>>,
}

impl Ports {
    /// Counts one BAR read of `function`; `false` once the function is gone.
    fn take_read(&self, function: FunctionKey) -> bool {
        let mut reads_left = lock(&self.reads_left);
        match reads_left.get_mut(&function) {
            None => true,
            Some(0) => false,
            Some(left) => {
                *left -= 1;
                true
            }
        }
    }

    fn is_gone(&self, function: FunctionKey) -> bool {
        lock(&self.reads_left).get(&function) == Some(&0)
    }
}

impl Ports {
    /// The port DMA goes through: the PF's if its adapter exists, else any VF's.
    fn dma_port(&self) -> Option<DevicePort> {
        lock(&self.by_function).values().next().cloned()
    }
}

/// The model's DMA bus: the emulator's address space. Called with the model's lock held; the
/// emulator's DMA never calls back into the model.
struct EmulatorDma {
    ports: Arc<Ports>,
}

impl igb_model::DmaBus for EmulatorDma {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), igb_model::DmaFault> {
        match self.ports.dma_port() {
            Some(port) if port.dma_read(addr, out) => Ok(()),
            _ => Err(igb_model::DmaFault::new(addr, out.len())),
        }
    }

    fn write(&self, addr: u64, data: &[u8]) -> Result<(), igb_model::DmaFault> {
        match self.ports.dma_port() {
            Some(port) if port.dma_write(addr, data) => Ok(()),
            _ => Err(igb_model::DmaFault::new(addr, data.len())),
        }
    }
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

/// The packet filter a bound protocol sets first (directed, multicast, broadcast): without a
/// packet filter a miniport indicates nothing.
pub const PROTOCOL_PACKET_FILTER: u32 = ndis_abi::NDIS_PACKET_TYPE_DIRECTED
    | ndis_abi::NDIS_PACKET_TYPE_MULTICAST
    | ndis_abi::NDIS_PACKET_TYPE_BROADCAST;

impl Testbed {
    /// The PF as a bound protocol sees it: added with `keywords` on this testbed, restarted,
    /// and [`PROTOCOL_PACKET_FILTER`] set. A test helper: panics if a step fails.
    #[must_use]
    pub fn running_pf(
        &self,
        driver: &ndis_emu::EmuDriver,
        keywords: &[(&str, u32)],
    ) -> ndis_emu::EmuAdapter {
        let mut config = self.pf_config();
        for (name, value) in keywords {
            config = config.keyword(name, *value);
        }
        let adapter = driver.add_adapter(config).expect("InitializeEx succeeds");
        assert_eq!(adapter.restart(), ndis_abi::NDIS_STATUS_SUCCESS, "restart");
        let set = adapter.oid_set(
            ndis_abi::OID_GEN_CURRENT_PACKET_FILTER,
            &PROTOCOL_PACKET_FILTER.to_le_bytes(),
        );
        assert_eq!(set.status, ndis_abi::NDIS_STATUS_SUCCESS, "packet filter");
        adapter
    }

    /// A device of `generation` (default MAC, link partner present, no VFs), wired for
    /// interrupts and DMA. As on hardware, the MAC link needs CTRL.SLU (a driver that never
    /// starts the link gets none).
    #[must_use]
    pub fn new(generation: Generation) -> Self {
        Self::build(Device::builder(generation))
    }

    /// A device from `builder` (e.g. a bad NVM checksum), wired like [`Self::new`]. The
    /// builder's DMA bus is replaced by the emulator's.
    #[must_use]
    pub fn build(builder: igb_model::DeviceBuilder) -> Self {
        let ports = Arc::new(Ports::default());
        let device = builder
            .dma_bus(Arc::new(EmulatorDma {
                ports: Arc::clone(&ports),
            }))
            .build();
        let hook_ports = Arc::clone(&ports);
        device.set_interrupt_hook(Some(Arc::new(move |function, vector| {
            let key = FunctionKey::from(function);
            if lock(&hook_ports.losing).contains(&key) {
                return;
            }
            let port = lock(&hook_ports.by_function).get(&key).cloned();
            if let Some(port) = port {
                *lock(&hook_ports.delivered)
                    .entry((key, u32::from(vector.0)))
                    .or_default() += 1;
                port.raise(u32::from(vector.0));
            }
        })));
        Self { device, ports }
    }

    /// From the `reads`-th BAR read of `function` on (0: at once), that function alone reads
    /// all-ones and drops writes: the VF pulled out of the guest (Hyper-V revokes the virtual
    /// PCI device; igb-hardware.md, netvsc-datapath.md) or the PF's slot removed, while the rest
    /// of the device (the host PF serving the mailbox) keeps working. Unlike
    /// [`Device::fail_reads_after`], other functions' reads (a PF thread's) do not count, so a
    /// sweep over `reads` is deterministic.
    pub fn remove_function_after_reads(&self, function: Function, reads: u64) {
        lock(&self.ports.reads_left).insert(FunctionKey::from(function), reads);
    }

    /// While `lose` is set, the model's MSI-X messages for `function` never reach its adapter
    /// (a lost interrupt, as a misprogrammed or remapped interrupt would do): what the driver's
    /// watchdog must still catch.
    pub fn lose_interrupts(&self, function: Function, lose: bool) {
        let mut losing = lock(&self.ports.losing);
        if lose {
            losing.insert(FunctionKey::from(function));
        } else {
            losing.remove(&FunctionKey::from(function));
        }
    }

    /// How many MSI-X messages of `vector` the model has delivered to `function`'s adapter
    /// (lost ones, see [`Self::lose_interrupts`], are not counted): which vector a cause was
    /// routed to, as the driver's IVAR programming decided.
    #[must_use]
    pub fn interrupts_delivered(&self, function: Function, vector: u32) -> u64 {
        lock(&self.ports.delivered)
            .get(&(FunctionKey::from(function), vector))
            .copied()
            .unwrap_or(0)
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

/// Offset of a type-0 header's vendor id and device id (PCI 3.0 §6.2.1).
const ID_REGISTERS: std::ops::Range<usize> = 0..4;

/// What a Hyper-V guest's virtual PCI bus shows as a VF's vendor/device id (the VF's own
/// registers read 0xFFFF).
fn guest_visible_ids(generation: Generation) -> [u8; 4] {
    let mut ids = [0u8; 4];
    ids[..2].copy_from_slice(&igb::ids::INTEL_VENDOR_ID.to_le_bytes());
    ids[2..].copy_from_slice(&vf_device_id(generation).to_le_bytes());
    ids
}

impl HardwareBackend for FunctionBackend {
    fn attach(&self, port: DevicePort) {
        lock(&self.ports.by_function).insert(FunctionKey::from(self.function), port);
    }

    fn mmio_read32(&self, bar: u8, offset: u64) -> u32 {
        let Ok(offset) = u32::try_from(offset) else {
            return u32::MAX;
        };
        if !self.ports.take_read(FunctionKey::from(self.function)) {
            return u32::MAX;
        }
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
        if self.ports.is_gone(FunctionKey::from(self.function)) {
            return;
        }
        match (bar, self.function) {
            (0, Function::Pf) => self.device.pf_bar().write32(offset, value),
            (0, Function::Vf(vf)) => self.device.vf_bar(vf).write32(offset, value),
            _ => {}
        }
    }

    fn config_read(&self, offset: u32, buf: &mut [u8]) -> usize {
        if self.ports.is_gone(FunctionKey::from(self.function)) {
            // A removed function answers configuration reads with all-ones too.
            buf.fill(0xFF);
            return buf.len();
        }
        let read = self.device.config_read(self.function, offset, buf);
        if let Function::Vf(_) = self.function {
            // The guest's view: overlay the ids on whatever part of bytes 0..4 was read.
            let ids = guest_visible_ids(self.device.generation());
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            for (index, byte) in buf.iter_mut().take(read).enumerate() {
                let Some(position) = start.checked_add(index) else {
                    break;
                };
                if ID_REGISTERS.contains(&position) {
                    *byte = ids[position];
                }
            }
        }
        read
    }

    fn config_write(&self, offset: u32, data: &[u8]) -> usize {
        self.device.config_write(self.function, offset, data)
    }

    /// The PF's access to its VF's configuration space (`NdisMGetVirtualFunctionBusData`): the
    /// raw VF function, as the bus shows it.
    fn vf_config_read(&self, vf: u16, offset: u32, buf: &mut [u8]) -> usize {
        match (self.function, u8::try_from(vf)) {
            (Function::Pf, Ok(vf)) => self.device.config_read(Function::Vf(vf), offset, buf),
            _ => 0,
        }
    }

    fn vf_config_write(&self, vf: u16, offset: u32, data: &[u8]) -> usize {
        match (self.function, u8::try_from(vf)) {
            (Function::Pf, Ok(vf)) => self.device.config_write(Function::Vf(vf), offset, data),
            _ => 0,
        }
    }

    fn dma_may_target(&self, physical: u64, len: u64) -> bool {
        self.device.dma_may_target(physical, len)
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
    /// The filter tables the PF pool and the VFs share.
    slots: igb::slots::FilterSlots,
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
        let mut slots = igb::slots::FilterSlots::new(generation, usize::from(num_vfs)).ok_or(
            HostPfError::Mailbox(igb::mailbox::pf::PfMailboxError::TooManyVfs),
        )?;
        pf.configure_pools(num_vfs, &mut slots)
            .map_err(HostPfError::Bringup)?;
        // CTRL.SLU and autonegotiation; not waiting (the VF test waits for VTSTATUS itself).
        pf.start_link(std::time::Duration::ZERO, &clock)
            .map_err(HostPfError::Bringup)?;
        let mut mailbox = igb::mailbox::pf::PfMailbox::new(generation, usize::from(num_vfs))
            .map_err(HostPfError::Mailbox)?;
        mailbox.start(pf.regs(), &mut slots);
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
            slots,
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
                                device,
                                mailbox,
                                slots,
                                ..
                            } = &mut *state;
                            let _ = mailbox.service(device.regs(), slots, &StdClock);
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
        // The reset cleared the tables: everything the slots hold is written again.
        state.slots.forget_hardware();
        let HostPfState { mailbox, slots, .. } = &mut *state;
        pf.configure_pools(num_vfs, slots)
            .map_err(HostPfError::Bringup)?;
        pf.start_link(std::time::Duration::ZERO, &clock)
            .map_err(HostPfError::Bringup)?;
        mailbox.start(pf.regs(), slots);
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

/// One `NDIS_STATUS_LINK_STATE` indication, decoded from its `NDIS_LINK_STATE` buffer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LinkIndication {
    /// `MediaConnectState`.
    pub connect_state: i32,
    /// `MediaDuplexState`.
    pub duplex: i32,
    /// `XmitLinkSpeed` (bits per second).
    pub speed: u64,
}

/// The link-state indications an adapter made so far, in order.
#[must_use]
pub fn link_indications(adapter: &ndis_emu::EmuAdapter) -> Vec<LinkIndication> {
    use std::mem::offset_of;
    adapter
        .status_indications()
        .into_iter()
        .filter(|indication| indication.code == ndis_abi::NDIS_STATUS_LINK_STATE)
        .filter_map(|indication| {
            let buffer = &indication.buffer;
            let field = |offset: usize, len: usize| buffer.get(offset..offset + len);
            let connect = field(offset_of!(ndis_abi::NDIS_LINK_STATE, MediaConnectState), 4)?;
            let duplex = field(offset_of!(ndis_abi::NDIS_LINK_STATE, MediaDuplexState), 4)?;
            let speed = field(offset_of!(ndis_abi::NDIS_LINK_STATE, XmitLinkSpeed), 8)?;
            Some(LinkIndication {
                connect_state: i32::from_le_bytes(connect.try_into().ok()?),
                duplex: i32::from_le_bytes(duplex.try_into().ok()?),
                speed: u64::from_le_bytes(speed.try_into().ok()?),
            })
        })
        .collect()
}

/// Waits (bounded by `timeout`) until the adapter's link indications satisfy `done`; returns
/// them either way, for the assertion.
pub fn wait_for_link_indications(
    adapter: &ndis_emu::EmuAdapter,
    timeout: std::time::Duration,
    done: impl Fn(&[LinkIndication]) -> bool,
) -> Vec<LinkIndication> {
    let start = std::time::Instant::now();
    loop {
        let indications = link_indications(adapter);
        if done(&indications) || start.elapsed() > timeout {
            return indications;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}
