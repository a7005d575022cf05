//! The test-facing API: load a driver, add adapters, and drive them through NDIS's lifecycle.
//! Harness methods panic on *test* misuse (e.g. restarting a Running adapter); everything the
//! *driver* does wrong is recorded as a [`Violation`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ndis_abi::*;

use crate::adapter::{
    AdapterShared, AdapterState, Attributes, EventLogEntry, OidInFlight, OidStorage, Op,
    ReceiveCounts, ReceivedFrame, SendBuffers, SendCompletion, SendRecord, StatusIndication,
};
use crate::config::AdapterConfig;
use crate::consts::*;
use crate::context::{self, Handler};
use crate::driver::DriverShared;
use crate::irql::Irql;
use crate::registry::{self, lock};
use crate::rules::Violation;
use crate::shape::NblSpec;

/// A driver's `DriverEntry`.
pub type DriverEntry = unsafe extern "system" fn(
    driver_object: PDRIVER_OBJECT,
    registry_path: *mut UNICODE_STRING,
) -> NTSTATUS;

/// `DriverEntry` failed.
#[derive(Debug)]
pub struct LoadError {
    /// What `DriverEntry` returned.
    pub status: NTSTATUS,
    /// Violations found while loading.
    pub violations: Vec<Violation>,
}

/// `MiniportInitializeEx` (or `MiniportAddDevice`) failed.
#[derive(Debug)]
pub struct InitError {
    /// The failure status.
    pub status: NDIS_STATUS,
    /// Violations found (including leaks left by the failed initialization, NDIS-INIT-1).
    pub violations: Vec<Violation>,
    /// What the miniport wrote to the event log before failing (the reason an administrator
    /// would see in Event Viewer).
    pub event_log: Vec<EventLogEntry>,
}

/// A loaded miniport driver.
pub struct EmuDriver {
    shared: Arc<DriverShared>,
    _path: Box<[u16]>,
    path_string: Box<UNICODE_STRING>,
    unloaded: bool,
}

// SAFETY: `path_string` points into `_path`, owned by the same value and never mutated.
unsafe impl Send for EmuDriver {}

impl EmuDriver {
    /// Calls `DriverEntry` with a fresh driver object; the driver must register with
    /// `NdisMRegisterMiniportDriver` (checked: NDIS-DRV-1/2).
    pub fn load(entry: DriverEntry) -> Result<Self, LoadError> {
        let shared = DriverShared::create();
        let mut path: Box<[u16]> =
            "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\ndis-emu"
                .encode_utf16()
                .collect();
        let bytes = u16::try_from(path.len() * 2).unwrap_or(u16::MAX);
        let path_string = Box::new(UNICODE_STRING {
            Length: bytes,
            MaximumLength: bytes,
            Buffer: path.as_mut_ptr(),
        });
        let mut driver = Self {
            shared,
            _path: path,
            path_string,
            unloaded: false,
        };
        let owner = driver.shared.owner();
        let object = driver.shared.object as PDRIVER_OBJECT;
        let path_ptr = std::ptr::from_mut(driver.path_string.as_mut());
        let status = {
            let _irql = crate::irql::IrqlGuard::enter(Irql::Passive);
            context::with(&owner, Handler::DriverEntry, || {
                // SAFETY: calling the driver's DriverEntry with a driver object and registry
                // path as the I/O manager would.
                unsafe { entry(object, path_ptr) }
            })
        };
        let registered = driver.shared.lock().registrations > 0;
        if status != NDIS_STATUS_SUCCESS {
            let (reg, dereg) = {
                let i = driver.shared.lock();
                (i.registrations, i.deregistrations)
            };
            if reg > dereg {
                driver.shared.violate("NDIS-DRV-2", "DriverEntry failed after NdisMRegisterMiniportDriver without NdisMDeregisterMiniportDriver".into());
            }
            driver.driver_leak_check();
            driver.unloaded = true;
            return Err(LoadError {
                status,
                violations: driver.violations(),
            });
        }
        if !registered {
            driver.shared.violate(
                "NDIS-DRV-2",
                "DriverEntry returned success without NdisMRegisterMiniportDriver".into(),
            );
            driver.unloaded = true;
            return Err(LoadError {
                status: NDIS_STATUS_FAILURE,
                violations: driver.violations(),
            });
        }
        Ok(driver)
    }

    /// The `NdisMiniportDriverHandle` NDIS gave the driver.
    #[must_use]
    pub fn handle(&self) -> usize {
        self.shared.lock().handle.unwrap_or(0)
    }

    /// Driver-level violations so far.
    #[must_use]
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    fn driver_leak_check(&self) {
        let owner = self.shared.owner();
        for (addr, entry) in registry::live_owned_by(&owner) {
            match entry.kind {
                registry::Kind::DriverObject(_) | registry::Kind::DriverHandle(_) => {}
                kind => self.shared.violate(
                    "NDIS-HALT-5",
                    format!(
                        "driver-owned {} at {addr:#x} still allocated at unload",
                        kind.name()
                    ),
                ),
            }
        }
        for (addr, entry) in registry::live_owned_by(&owner) {
            if !matches!(entry.kind, registry::Kind::DriverObject(_)) {
                registry::retire(addr);
            }
        }
    }

    /// Adds an adapter: `MiniportAddDevice` (if registered), then `MiniportInitializeEx` with
    /// a resource list built from `config`. On success the adapter is Paused.
    pub fn add_adapter(&self, config: AdapterConfig) -> Result<EmuAdapter, InitError> {
        let (chars, driver_context, pnp) = {
            let i = self.shared.lock();
            (i.chars, i.driver_context, i.pnp)
        };
        let chars = chars.expect("driver registered");
        let shared = AdapterShared::create(&self.shared, config);
        self.shared.lock().adapters.push(Arc::downgrade(&shared));
        let mut adapter = EmuAdapter {
            shared,
            finished: false,
            _resources: Vec::new(),
            init_params: Box::new(NDIS_MINIPORT_INIT_PARAMETERS::zeroed()),
        };
        let handle = adapter.shared.handle() as NDIS_HANDLE;
        let mut add_device_context = std::ptr::null_mut();
        if let Some(add) = pnp.and_then(|p| p.MiniportAddDeviceHandler) {
            let status = adapter.shared.call(Handler::AddDevice, Irql::Passive, || {
                // SAFETY: the driver's MiniportAddDevice with NDIS's arguments.
                unsafe { add(handle, driver_context as NDIS_HANDLE) }
            });
            if status != NDIS_STATUS_SUCCESS {
                adapter.shared.leak_check(true);
                adapter.retire();
                return Err(InitError {
                    status,
                    violations: adapter.violations(),
                    event_log: adapter.event_log(),
                });
            }
            add_device_context =
                adapter.shared.lock().attrs.add_device_context.unwrap_or(0) as NDIS_HANDLE;
        }
        adapter._resources = build_resources(&adapter.shared.config);
        let p = adapter.init_params.as_mut();
        p.Header = NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_MINIPORT_INIT_PARAMETERS,
            Revision: INIT_PARAMETERS_REVISION_1.0,
            Size: INIT_PARAMETERS_REVISION_1.1,
        };
        p.AllocatedResources = adapter._resources.as_mut_ptr().cast::<NDIS_RESOURCE_LIST>();
        p.MiniportAddDeviceContext = add_device_context;
        p.IfIndex = 10 + u32::try_from(adapter.shared.handle() % 1000).unwrap_or(0);
        p.NetLuid = 0x0006_0000_0100_0000 | adapter.shared.handle() as u64 & 0xFFFF;
        let params = std::ptr::from_mut(adapter.init_params.as_mut());
        adapter.shared.lock().state = AdapterState::Initializing;
        let init = chars.InitializeHandlerEx.expect("checked at registration");
        let status = adapter.shared.call(Handler::Initialize, Irql::Passive, || {
            // SAFETY: the driver's MiniportInitializeEx with NDIS's arguments.
            unsafe { init(handle, driver_context as NDIS_HANDLE, params) }
        });
        adapter.shared.lock().init_status = Some(status);
        let mut status = status;
        if status == NDIS_STATUS_PENDING {
            adapter.shared.violate(
                "NDIS-INIT-2",
                "MiniportInitializeEx returned NDIS_STATUS_PENDING".into(),
            );
            status = NDIS_STATUS_FAILURE;
        }
        if status == NDIS_STATUS_SUCCESS {
            let (has_reg, has_gen) = {
                let i = adapter.shared.lock();
                (i.attrs.registration.is_some(), i.attrs.general.is_some())
            };
            if has_reg && has_gen {
                adapter.shared.lock().state = AdapterState::Paused;
                return Ok(adapter);
            }
            adapter.shared.violate(
                "NDIS-ATTR-2",
                format!(
                    "MiniportInitializeEx returned success without {}",
                    if has_reg {
                        "general attributes"
                    } else {
                        "registration attributes"
                    }
                ),
            );
            // NDIS fails the initialization and halts the adapter it cannot use.
            adapter.shared.lock().state = AdapterState::Paused;
            if has_reg {
                adapter.call_halt(NdisHaltDeviceInitializationFailed);
                adapter.shared.leak_check(false);
            } else {
                adapter.shared.leak_check(true);
            }
            adapter.retire();
            return Err(InitError {
                status: NDIS_STATUS_FAILURE,
                violations: adapter.violations(),
                event_log: adapter.event_log(),
            });
        }
        adapter.shared.leak_check(true);
        adapter.retire();
        Err(InitError {
            status,
            violations: adapter.violations(),
            event_log: adapter.event_log(),
        })
    }

    /// Calls `MiniportDriverUnload` (after halting any adapter still running) and checks that
    /// the driver deregistered and freed its driver-owned memory. Returns every driver-level
    /// violation.
    pub fn unload(mut self) -> Vec<Violation> {
        self.do_unload();
        self.violations()
    }

    fn do_unload(&mut self) {
        if self.unloaded {
            return;
        }
        self.unloaded = true;
        let chars = self.shared.lock().chars;
        let object = self.shared.object as PDRIVER_OBJECT;
        if let Some(unload) = chars.and_then(|c| c.UnloadHandler) {
            let owner = self.shared.owner();
            let _irql = crate::irql::IrqlGuard::enter(Irql::Passive);
            context::with(&owner, Handler::Unload, || {
                // SAFETY: the driver's MiniportDriverUnload with its driver object.
                unsafe { unload(object) }
            });
        }
        let (reg, dereg) = {
            let i = self.shared.lock();
            (i.registrations, i.deregistrations)
        };
        if dereg != reg {
            self.shared.violate("NDIS-DRV-2", format!("MiniportDriverUnload: {reg} registration(s), {dereg} NdisMDeregisterMiniportDriver call(s)"));
        }
        self.driver_leak_check();
        self.shared.lock().unloaded = true;
    }
}

impl Drop for EmuDriver {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.do_unload();
        }
    }
}

fn build_resources(config: &AdapterConfig) -> Vec<u64> {
    let descriptor = std::mem::size_of::<CM_PARTIAL_RESOURCE_DESCRIPTOR>();
    let header = std::mem::offset_of!(CM_PARTIAL_RESOURCE_LIST, PartialDescriptors);
    let count = config.bars.len() + 1;
    let mut storage = vec![0u64; (header + descriptor * count).div_ceil(8)];
    let base = storage.as_mut_ptr().cast::<u8>();
    let mut list = CM_PARTIAL_RESOURCE_LIST::zeroed();
    list.Version = 1;
    list.Revision = 1;
    list.Count = u32::try_from(count).unwrap_or(0);
    // SAFETY: `storage` holds the list header and `count` descriptors.
    unsafe { crate::raw::write(base.cast::<CM_PARTIAL_RESOURCE_LIST>(), list) };
    let write = |i: usize, d: CM_PARTIAL_RESOURCE_DESCRIPTOR| {
        // SAFETY: descriptor `i < count` lies inside `storage`.
        unsafe {
            crate::raw::write(
                base.wrapping_add(header + i * descriptor)
                    .cast::<CM_PARTIAL_RESOURCE_DESCRIPTOR>(),
                d,
            )
        };
    };
    for (i, bar) in config.bars.iter().enumerate() {
        let mut d = CM_PARTIAL_RESOURCE_DESCRIPTOR::zeroed();
        d.Type = CmResourceTypeMemory;
        d.ShareDisposition = CmResourceShareDeviceExclusive;
        d.Flags = CM_RESOURCE_MEMORY_READ_WRITE;
        d.u.Memory = CM_PARTIAL_RESOURCE_GENERIC {
            Start: i64::try_from(bar.physical).unwrap_or(0),
            Length: bar.length,
        };
        write(i, d);
    }
    let mut d = CM_PARTIAL_RESOURCE_DESCRIPTOR::zeroed();
    d.Type = CmResourceTypeInterrupt;
    d.ShareDisposition = CmResourceShareDeviceExclusive;
    if config.msix_messages > 0 {
        d.Flags = CM_RESOURCE_INTERRUPT_LATCHED | CM_RESOURCE_INTERRUPT_MESSAGE;
        d.u.MessageInterrupt = CM_PARTIAL_RESOURCE_MESSAGE_INTERRUPT {
            Raw: CM_PARTIAL_RESOURCE_MESSAGE_INTERRUPT_RAW {
                Group: 0,
                MessageCount: u16::try_from(config.msix_messages).unwrap_or(u16::MAX),
                Vector: 0x50,
                Affinity: 3,
            },
        };
    } else {
        d.Flags = CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
        d.u.Interrupt = CM_PARTIAL_RESOURCE_INTERRUPT {
            Level: 11,
            Group: 0,
            Vector: 0x50,
            Affinity: 3,
        };
    }
    write(config.bars.len(), d);
    storage
}

/// What an OID request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OidKind {
    /// `NdisRequestQueryInformation` with an output buffer of this many bytes.
    Query(usize),
    /// `NdisRequestSetInformation` with these bytes.
    Set(Vec<u8>),
    /// `NdisRequestMethod` with this input and an in/out buffer of at least `usize` bytes.
    Method(Vec<u8>, usize),
}

/// The result of an OID request as the issuer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidOutcome {
    /// The final status (`NDIS_STATUS_PENDING` if the miniport never completed it in time).
    pub status: NDIS_STATUS,
    /// Output bytes (`BytesWritten` of the buffer) for query/method.
    pub data: Vec<u8>,
    /// `BytesWritten`.
    pub bytes_written: u32,
    /// `BytesRead`.
    pub bytes_read: u32,
    /// `BytesNeeded`.
    pub bytes_needed: u32,
    /// `MiniportOidRequest` returned `NDIS_STATUS_PENDING`.
    pub pended: bool,
    /// `SupportedRevision` the miniport set.
    pub supported_revision: u8,
}

/// Options for [`EmuAdapter::send_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SendOptions {
    /// Call `MiniportSendNetBufferLists` at DISPATCH_LEVEL with `NDIS_SEND_FLAGS_DISPATCH_LEVEL`.
    pub dispatch_level: bool,
    /// `PortNumber`.
    pub port: u32,
}

/// What [`EmuAdapter::fire_interrupt`] observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterruptOutcome {
    /// The ISR returned TRUE.
    pub claimed: bool,
    /// The ISR asked for its DPC (which then ran).
    pub dpc_ran: bool,
}

/// One adapter of a loaded driver.
pub struct EmuAdapter {
    shared: Arc<AdapterShared>,
    finished: bool,
    _resources: Vec<u64>,
    init_params: Box<NDIS_MINIPORT_INIT_PARAMETERS>,
}

// SAFETY: `init_params` points into `_resources`, owned by the same value; the driver only
// reads them.
unsafe impl Send for EmuAdapter {}

static NEXT_REQUEST_ID: AtomicUsize = AtomicUsize::new(1);

impl EmuAdapter {
    /// The `MiniportAdapterHandle` NDIS gave the miniport.
    #[must_use]
    pub fn handle(&self) -> usize {
        self.shared.handle()
    }

    /// The `MiniportAdapterContext` from the registration attributes.
    #[must_use]
    pub fn context(&self) -> usize {
        self.shared.lock().context
    }

    /// The current NDIS state.
    #[must_use]
    pub fn state(&self) -> AdapterState {
        self.shared.lock().state
    }

    /// What the miniport set with `NdisMSetMiniportAttributes`.
    #[must_use]
    pub fn attributes(&self) -> Attributes {
        self.shared.lock().attrs.clone()
    }

    /// Violations recorded for this adapter so far.
    #[must_use]
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    /// Every entry the miniport wrote with `NdisWriteErrorLogEntry`, oldest first (not drained).
    /// After `halt`/`finish` consumed the adapter, read it with
    /// [`crate::event_log_of_handle`]`(handle)`.
    #[must_use]
    pub fn event_log(&self) -> Vec<EventLogEntry> {
        self.shared.lock().event_log.clone()
    }

    /// `Some(NumVFs)` while the PF has virtualization enabled.
    #[must_use]
    pub fn virtualization(&self) -> Option<u16> {
        self.shared.lock().virtualization
    }

    /// Config blocks the PF invalidated with `NdisMInvalidateConfigBlock` (OR of masks), cleared.
    pub fn take_invalidated_config_blocks(&self) -> u64 {
        std::mem::take(&mut self.shared.lock().invalidated_blocks)
    }

    fn chars(&self) -> NDIS_MINIPORT_DRIVER_CHARACTERISTICS {
        self.shared.driver.lock().chars.expect("driver registered")
    }

    fn timeout(&self) -> Duration {
        self.shared.config.completion_timeout
    }

    fn expect_state(&self, allowed: &[AdapterState], what: &str) -> AdapterState {
        let state = self.state();
        assert!(
            allowed.contains(&state),
            "ndis-emu: {what} is not allowed in state {state:?} (test misuse)"
        );
        state
    }

    /// `MiniportRestart` (Paused → Running). Returns the restart status.
    pub fn restart(&self) -> NDIS_STATUS {
        self.expect_state(&[AdapterState::Paused], "restart");
        {
            let mut i = self.shared.lock();
            i.state = AdapterState::Restarting;
            i.restart = Op::InHandler;
            i.ever_restarted = true;
        }
        let ctx = self.context() as NDIS_HANDLE;
        let mut params = NDIS_MINIPORT_RESTART_PARAMETERS::zeroed();
        params.Header = NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_DEFAULT,
            Revision: RESTART_PARAMETERS_REVISION_1.0,
            Size: RESTART_PARAMETERS_REVISION_1.1,
        };
        let restart = self
            .chars()
            .RestartHandler
            .expect("checked at registration");
        let returned = self.shared.call(Handler::Restart, Irql::Passive, || {
            // SAFETY: the driver's MiniportRestart with NDIS's arguments.
            unsafe { restart(ctx, &mut params) }
        });
        let status = if returned == NDIS_STATUS_PENDING {
            let early = matches!(self.shared.lock().restart, Op::Completed(_));
            if !early {
                self.shared.lock().restart = Op::Pending;
            }
            if self
                .shared
                .wait_until(self.timeout(), |i| matches!(i.restart, Op::Completed(_)))
            {
                match self.shared.lock().restart {
                    Op::Completed(s) => s,
                    _ => NDIS_STATUS_FAILURE,
                }
            } else {
                self.shared.violate(
                    "NDIS-RESTART-1",
                    "MiniportRestart returned PENDING and NdisMRestartComplete never came".into(),
                );
                NDIS_STATUS_FAILURE
            }
        } else {
            if matches!(self.shared.lock().restart, Op::Completed(_))
                && !self.violations().iter().any(|v| v.rule == "NDIS-RESTART-1")
            {
                self.shared.violate("NDIS-RESTART-1", format!("NdisMRestartComplete called although MiniportRestart returned {returned:#x}"));
            }
            returned
        };
        let mut i = self.shared.lock();
        i.restart = Op::Idle;
        i.state = if status == NDIS_STATUS_SUCCESS {
            AdapterState::Running
        } else {
            AdapterState::Paused
        };
        status
    }

    /// `MiniportPause` (Running → Paused); first returns held receives unless configured not to.
    pub fn pause(&self) {
        self.expect_state(&[AdapterState::Running], "pause");
        {
            let mut i = self.shared.lock();
            i.state = AdapterState::Pausing;
            i.pause = Op::InHandler;
        }
        if self.shared.config.return_receives_on_pause {
            self.return_receives();
        }
        let ctx = self.context() as NDIS_HANDLE;
        let mut params = NDIS_MINIPORT_PAUSE_PARAMETERS::zeroed();
        params.Header = NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_DEFAULT,
            Revision: PAUSE_PARAMETERS_REVISION_1.0,
            Size: PAUSE_PARAMETERS_REVISION_1.1,
        };
        params.PauseReason = NDIS_PAUSE_NDIS_INTERNAL;
        let pause = self.chars().PauseHandler.expect("checked at registration");
        let returned = self.shared.call(Handler::Pause, Irql::Passive, || {
            // SAFETY: the driver's MiniportPause with NDIS's arguments.
            unsafe { pause(ctx, &mut params) }
        });
        if returned == NDIS_STATUS_PENDING {
            let early = matches!(self.shared.lock().pause, Op::Completed(_));
            if !early {
                self.shared.lock().pause = Op::Pending;
                if !self.wait_for_pause_complete() {
                    self.shared.violate(
                        "NDIS-PAUSE-2",
                        "MiniportPause returned PENDING and NdisMPauseComplete never came".into(),
                    );
                }
            }
        } else if returned != NDIS_STATUS_SUCCESS {
            self.shared.violate(
                "NDIS-PAUSE-1",
                format!(
                    "MiniportPause returned {returned:#x} (only SUCCESS or PENDING are allowed)"
                ),
            );
        }
        let mut i = self.shared.lock();
        i.pause = Op::Idle;
        self.shared.pause_completed(&mut i);
    }

    /// Waits for `NdisMPauseComplete`. Unless configured to hold receives, NDIS keeps returning
    /// what the miniport indicates while the pause is pending, as protocols return NBLs on
    /// their own: a DPC pass that was already indicating when MiniportPause ran hands its NBLs
    /// up during the pause, and the pause can only complete once they come back
    /// (N/pausing-an-adapter.md).
    fn wait_for_pause_complete(&self) -> bool {
        let deadline = std::time::Instant::now() + self.timeout();
        loop {
            let now = std::time::Instant::now();
            let slice = deadline
                .saturating_duration_since(now)
                .min(Duration::from_millis(10));
            if self
                .shared
                .wait_until(slice, |i| matches!(i.pause, Op::Completed(_)))
            {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            if self.shared.config.return_receives_on_pause {
                self.return_receives();
            }
        }
    }

    fn call_halt(&self, action: NDIS_HALT_ACTION) {
        let ctx = self.context() as NDIS_HANDLE;
        let halt = self.chars().HaltHandlerEx.expect("checked at registration");
        self.shared.call(Handler::Halt, Irql::Passive, || {
            // SAFETY: the driver's MiniportHaltEx with NDIS's arguments.
            unsafe { halt(ctx, action) }
        });
    }

    fn retire(&mut self) {
        {
            let mut i = self.shared.lock();
            i.halted = true;
            i.state = AdapterState::Halted;
        }
        self.shared.stop_threads();
        registry::retire(self.shared.handle());
        let add_device_context = self.shared.lock().attrs.add_device_context;
        let remove = self
            .shared
            .driver
            .lock()
            .pnp
            .and_then(|p| p.MiniportRemoveDeviceHandler);
        if let (Some(remove), Some(ctx)) = (remove, add_device_context) {
            self.shared.call(Handler::RemoveDevice, Irql::Passive, || {
                // SAFETY: the driver's MiniportRemoveDevice with its add-device context.
                unsafe { remove(ctx as NDIS_HANDLE) }
            });
        }
        self.finished = true;
    }

    /// Pauses (if Running) and calls `MiniportHaltEx(action)`, then runs the leak check.
    /// Returns every violation of this adapter.
    pub fn halt(mut self, action: NDIS_HALT_ACTION) -> Vec<Violation> {
        self.do_halt(action);
        self.violations()
    }

    fn do_halt(&mut self, action: NDIS_HALT_ACTION) {
        if self.finished {
            return;
        }
        if self.state() == AdapterState::Running {
            self.pause();
        }
        let shared = Arc::clone(&self.shared);
        let gate = lock(&shared.oid_gate);
        self.call_halt(action);
        let outstanding: Vec<u64> = {
            let i = self.shared.lock();
            let mut ids: Vec<u64> = i.sends.values().map(|r| r.id).collect();
            ids.sort_unstable();
            ids
        };
        if !outstanding.is_empty() {
            self.shared.violate(
                "NDIS-SEND-6",
                format!(
                    "MiniportHaltEx returned with {} send NBL(s) never completed (ids {:?})",
                    outstanding.len(),
                    &outstanding[..outstanding.len().min(16)]
                ),
            );
        }
        let owned = self.shared.lock().owned_receives.len();
        if owned > 0 {
            self.shared.violate(
                "NDIS-RECV-2",
                format!("MiniportHaltEx returned while NDIS still owns {owned} receive NBL(s)"),
            );
        }
        self.shared.leak_check(false);
        drop(gate);
        self.retire();
    }

    /// Surprise removal as NDIS 6.x does it: `MiniportDevicePnPEventNotify(SurpriseRemoved)`,
    /// then pause, then `MiniportHaltEx(NdisHaltDeviceSurpriseRemoved)`. Register reads return
    /// all-ones from the notification on.
    pub fn surprise_remove(mut self) -> Vec<Violation> {
        // The device is gone before NDIS tells the miniport.
        self.shared.lock().surprise_removed = true;
        self.pnp_event(NdisDevicePnPEventSurpriseRemoved);
        self.do_halt(NdisHaltDeviceSurpriseRemoved);
        self.violations()
    }

    /// Calls `MiniportDevicePnPEventNotify` with `event`.
    pub fn pnp_event(&self, event: NDIS_DEVICE_PNP_EVENT) {
        let ctx = self.context() as NDIS_HANDLE;
        let Some(notify) = self.chars().DevicePnPEventNotifyHandler else {
            return;
        };
        let mut e = NET_DEVICE_PNP_EVENT::zeroed();
        e.Header = NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_DEFAULT,
            Revision: 1,
            Size: u16::try_from(std::mem::size_of::<NET_DEVICE_PNP_EVENT>()).unwrap_or(0),
        };
        e.DevicePnPEvent = event;
        self.shared.call(Handler::PnpEvent, Irql::Passive, || {
            // SAFETY: the driver's MiniportDevicePnPEventNotify with NDIS's arguments.
            unsafe { notify(ctx, &mut e) }
        });
    }

    /// `MiniportResetEx`; waits (bounded) for `NdisMResetComplete` if it pends. Returns the
    /// status, or `None` if the driver has no reset handler.
    pub fn reset(&self) -> Option<NDIS_STATUS> {
        let reset = self.chars().ResetHandlerEx?;
        let ctx = self.context() as NDIS_HANDLE;
        self.shared.lock().reset = Op::InHandler;
        let mut addressing: BOOLEAN = 0;
        let returned = self.shared.call(Handler::Reset, Irql::Dispatch, || {
            // SAFETY: the driver's MiniportResetEx with NDIS's arguments.
            unsafe { reset(ctx, &mut addressing) }
        });
        let status = if returned == NDIS_STATUS_PENDING {
            if !matches!(self.shared.lock().reset, Op::Completed(_)) {
                self.shared.lock().reset = Op::Pending;
            }
            if self
                .shared
                .wait_until(self.timeout(), |i| matches!(i.reset, Op::Completed(_)))
            {
                match self.shared.lock().reset {
                    Op::Completed(s) => s,
                    _ => NDIS_STATUS_FAILURE,
                }
            } else {
                self.shared.violate(
                    "NDIS-RESET-1",
                    "MiniportResetEx returned PENDING and NdisMResetComplete never came".into(),
                );
                NDIS_STATUS_FAILURE
            }
        } else {
            if matches!(self.shared.lock().reset, Op::Completed(_))
                && !self.violations().iter().any(|v| v.rule == "NDIS-RESET-1")
            {
                self.shared.violate(
                    "NDIS-RESET-1",
                    format!(
                        "NdisMResetComplete called although MiniportResetEx returned {returned:#x}"
                    ),
                );
            }
            returned
        };
        self.shared.lock().reset = Op::Idle;
        Some(status)
    }

    /// `MiniportCheckForHangEx` at DISPATCH; `None` without a handler.
    pub fn check_for_hang(&self) -> Option<bool> {
        let cfh = self.chars().CheckForHangHandlerEx?;
        let ctx = self.context() as NDIS_HANDLE;
        Some(self.shared.call(Handler::CheckForHang, Irql::Dispatch, || {
            // SAFETY: the driver's MiniportCheckForHangEx.
            unsafe { cfh(ctx) != 0 }
        }))
    }

    /// Query OID with an output buffer of `len` bytes.
    pub fn oid_query(&self, oid: NDIS_OID, len: usize) -> OidOutcome {
        self.oid(oid, OidKind::Query(len), false)
    }

    /// The OIDs of `SupportedOidList` the miniport does not answer: each is tried as a query
    /// (8 KiB buffer), a set with an empty buffer and a method with no input, and is
    /// unanswered when all three come back `NDIS_STATUS_NOT_SUPPORTED` or
    /// `NDIS_STATUS_INVALID_OID`. NDIS sends a listed OID to the miniport and expects an answer
    /// (N/mandatory-oids-for-miniport-drivers.md); the converse (a success for an unlisted OID)
    /// is rule NDIS-OID-5. An empty set buffer changes nothing in a miniport that validates
    /// its input.
    pub fn unanswered_supported_oids(&self) -> Vec<NDIS_OID> {
        const PROBE_OUTPUT: usize = 8192;
        let listed = self
            .shared
            .lock()
            .attrs
            .general
            .as_ref()
            .map(|g| g.supported_oids.clone())
            .unwrap_or_default();
        let refused = |o: &OidOutcome| {
            o.status == NDIS_STATUS_NOT_SUPPORTED || o.status == NDIS_STATUS_INVALID_OID
        };
        listed
            .into_iter()
            .filter(|&oid| {
                refused(&self.oid_query(oid, PROBE_OUTPUT))
                    && refused(&self.oid_set(oid, &[]))
                    && refused(&self.oid_method(oid, &[], PROBE_OUTPUT))
            })
            .collect()
    }

    /// Set OID.
    pub fn oid_set(&self, oid: NDIS_OID, data: &[u8]) -> OidOutcome {
        self.oid(oid, OidKind::Set(data.to_vec()), false)
    }

    /// Method OID.
    pub fn oid_method(&self, oid: NDIS_OID, input: &[u8], out_len: usize) -> OidOutcome {
        self.oid(oid, OidKind::Method(input.to_vec(), out_len), false)
    }

    /// Issues an OID request; with `cancel`, calls `MiniportCancelOidRequest` as soon as the
    /// request pends. Waits (bounded) for a pending completion.
    pub fn oid(&self, oid: NDIS_OID, kind: OidKind, cancel: bool) -> OidOutcome {
        let _gate = lock(&self.shared.oid_gate);
        self.expect_state(
            &[
                AdapterState::Paused,
                AdapterState::Restarting,
                AdapterState::Running,
                AdapterState::Pausing,
            ],
            "an OID request",
        );
        let (ty, mut buffer, out_len) = match &kind {
            OidKind::Query(n) => (NdisRequestQueryInformation, vec![0u8; *n], *n),
            OidKind::Set(d) => (NdisRequestSetInformation, d.clone(), d.len()),
            OidKind::Method(i, n) => {
                let mut b = i.clone();
                b.resize((*n).max(i.len()), 0);
                (NdisRequestMethod, b, (*n).max(i.len()))
            }
        };
        let mut request = Box::new(NDIS_OID_REQUEST::zeroed());
        request.Header = NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_OID_REQUEST,
            Revision: OID_REQUEST_REVISION_2.0,
            Size: OID_REQUEST_REVISION_2.1,
        };
        request.RequestType = ty;
        let request_id = NEXT_REQUEST_ID.fetch_add(1, Ordering::Relaxed);
        request.RequestId = request_id as PVOID;
        request.RequestHandle = self.handle() as NDIS_HANDLE;
        let buf_ptr = if buffer.is_empty() {
            std::ptr::null_mut()
        } else {
            buffer.as_mut_ptr().cast()
        };
        let len = u32::try_from(out_len).unwrap_or(u32::MAX);
        match &kind {
            OidKind::Query(_) => {
                request.DATA.QUERY_INFORMATION = NDIS_OID_REQUEST_QUERY_INFORMATION {
                    Oid: oid,
                    InformationBuffer: buf_ptr,
                    InformationBufferLength: len,
                    BytesWritten: 0,
                    BytesNeeded: 0,
                }
            }
            OidKind::Set(_) => {
                request.DATA.SET_INFORMATION = NDIS_OID_REQUEST_SET_INFORMATION {
                    Oid: oid,
                    InformationBuffer: buf_ptr,
                    InformationBufferLength: len,
                    BytesRead: 0,
                    BytesNeeded: 0,
                }
            }
            OidKind::Method(i, _) => {
                request.DATA.METHOD_INFORMATION = NDIS_OID_REQUEST_METHOD_INFORMATION {
                    Oid: oid,
                    InformationBuffer: buf_ptr,
                    InputBufferLength: u32::try_from(i.len()).unwrap_or(u32::MAX),
                    OutputBufferLength: len,
                    MethodId: 0,
                    BytesWritten: 0,
                    BytesRead: 0,
                    BytesNeeded: 0,
                }
            }
        }
        let mut storage = OidStorage { request, buffer };
        let ptr = std::ptr::from_mut(storage.request.as_mut());
        self.shared.lock().oid = Some(OidInFlight {
            request: ptr as usize,
            phase: Op::InHandler,
            cancelled: false,
        });
        let ctx = self.context() as NDIS_HANDLE;
        let handler = self
            .chars()
            .OidRequestHandler
            .expect("checked at registration");
        let returned = self.shared.call(Handler::OidRequest, Irql::Passive, || {
            // SAFETY: the driver's MiniportOidRequest with a request NDIS owns until completion.
            unsafe { handler(ctx, ptr) }
        });
        let mut pended = false;
        let status = if returned == NDIS_STATUS_PENDING {
            pended = true;
            let early = {
                let mut i = self.shared.lock();
                let oid_state = i.oid.as_mut().expect("in flight");
                match oid_state.phase {
                    Op::Completed(s) => Some(s),
                    _ => {
                        oid_state.phase = Op::Pending;
                        None
                    }
                }
            };
            match early {
                Some(s) => s,
                None => {
                    if cancel {
                        if let Some(cancel_handler) = self.chars().CancelOidRequestHandler {
                            if let Some(o) = self.shared.lock().oid.as_mut() {
                                o.cancelled = true;
                            }
                            self.shared.call(Handler::CancelOid, Irql::Passive, || {
                                // SAFETY: the driver's MiniportCancelOidRequest with the RequestId.
                                unsafe { cancel_handler(ctx, request_id as PVOID) }
                            });
                        }
                    }
                    if self.shared.wait_until(self.timeout(), |i| {
                        matches!(i.oid.as_ref().map(|o| o.phase), Some(Op::Completed(_)))
                    }) {
                        match self.shared.lock().oid.as_ref().map(|o| o.phase) {
                            Some(Op::Completed(s)) => s,
                            _ => NDIS_STATUS_FAILURE,
                        }
                    } else {
                        let (rule, what) = if cancel {
                            ("NDIS-OID-7", "cancelled")
                        } else {
                            ("NDIS-OID-6", "pending")
                        };
                        self.shared.violate(
                            rule,
                            format!(
                                "{what} OID {oid:#x} not completed within {:?}",
                                self.timeout()
                            ),
                        );
                        let mut i = self.shared.lock();
                        i.oid = None;
                        i.abandoned_oids.push((ptr as usize, storage));
                        return OidOutcome {
                            status: NDIS_STATUS_PENDING,
                            data: Vec::new(),
                            bytes_written: 0,
                            bytes_read: 0,
                            bytes_needed: 0,
                            pended,
                            supported_revision: 0,
                        };
                    }
                }
            }
        } else {
            if matches!(
                self.shared.lock().oid.as_ref().map(|o| o.phase),
                Some(Op::Completed(_))
            ) && !self.violations().iter().any(|v| v.rule == "NDIS-OID-1")
            {
                self.shared.violate("NDIS-OID-1", format!("OID {oid:#x} completed with NdisMOidRequestComplete and also by MiniportOidRequest returning {returned:#x}"));
            }
            returned
        };
        self.shared.lock().oid = None;
        self.finish_oid(oid, &kind, status, pended, &storage)
    }

    fn finish_oid(
        &self,
        oid: NDIS_OID,
        kind: &OidKind,
        status: NDIS_STATUS,
        pended: bool,
        storage: &OidStorage,
    ) -> OidOutcome {
        let r = storage.request.as_ref();
        let len = storage.buffer.len();
        let (written, read, needed) = match kind {
            OidKind::Query(_) => {
                // SAFETY: the union view matching the request type the emulator built.
                let q = unsafe { r.DATA.QUERY_INFORMATION };
                (q.BytesWritten, 0, q.BytesNeeded)
            }
            OidKind::Set(_) => {
                // SAFETY: as above.
                let q = unsafe { r.DATA.SET_INFORMATION };
                (0, q.BytesRead, q.BytesNeeded)
            }
            OidKind::Method(..) => {
                // SAFETY: as above.
                let q = unsafe { r.DATA.METHOD_INFORMATION };
                (q.BytesWritten, q.BytesRead, q.BytesNeeded)
            }
        };
        if (status == NDIS_STATUS_INVALID_LENGTH || status == NDIS_STATUS_BUFFER_TOO_SHORT)
            && (needed as usize) <= len
        {
            self.shared.violate("NDIS-OID-3", format!("OID {oid:#x} failed with {status:#x} but BytesNeeded is {needed} for a {len}-byte buffer"));
        }
        if written as usize > len || read as usize > len {
            self.shared.violate("NDIS-OID-4", format!("OID {oid:#x}: BytesWritten {written} / BytesRead {read} exceed the {len}-byte buffer"));
        }
        if status == NDIS_STATUS_SUCCESS {
            let listed = self
                .shared
                .lock()
                .attrs
                .general
                .as_ref()
                .map(|g| g.supported_oids.contains(&oid));
            if listed == Some(false) {
                self.shared.violate(
                    "NDIS-OID-5",
                    format!("OID {oid:#x} accepted (SUCCESS) but not in SupportedOidList"),
                );
            }
        }
        let n = (written as usize).min(len);
        let data = if matches!(kind, OidKind::Set(_)) {
            Vec::new()
        } else {
            storage.buffer[..n].to_vec()
        };
        OidOutcome {
            status,
            data,
            bytes_written: written,
            bytes_read: read,
            bytes_needed: needed,
            pended,
            supported_revision: r.SupportedRevision,
        }
    }

    /// Sends one NBL per frame (one NB, one MDL each) in a single call at PASSIVE_LEVEL.
    /// Returns the send ids.
    pub fn send(&self, frames: &[&[u8]]) -> Vec<u64> {
        self.send_with(frames, SendOptions::default())
    }

    /// Sends with options (one NBL per frame, one NB and one MDL each).
    pub fn send_with(&self, frames: &[&[u8]], options: SendOptions) -> Vec<u64> {
        let specs: Vec<NblSpec> = frames.iter().map(|f| NblSpec::contiguous(f)).collect();
        self.send_shaped_with(&specs, options)
    }

    /// Sends one NBL per spec (several NBs, MDL chains at odd addresses, `DataOffset`, slack,
    /// per-NBL info; see [`NblSpec`]) as one chain in a single `MiniportSendNetBufferLists`
    /// call at PASSIVE_LEVEL. Returns the send ids in spec order.
    pub fn send_shaped(&self, specs: &[NblSpec]) -> Vec<u64> {
        self.send_shaped_with(specs, SendOptions::default())
    }

    /// As [`Self::send_shaped`] with options. Each NBL's `Status` starts as
    /// `NDIS_STATUS_PENDING`, so a completion whose status the miniport never set is seen
    /// (NDIS-SEND-8).
    pub fn send_shaped_with(&self, specs: &[NblSpec], options: SendOptions) -> Vec<u64> {
        let state = self.expect_state(
            &[
                AdapterState::Running,
                AdapterState::Pausing,
                AdapterState::Paused,
            ],
            "a send",
        );
        if specs.is_empty() {
            return Vec::new();
        }
        let mut buffers: Vec<(SendBuffers, bool)> = specs
            .iter()
            .map(|spec| {
                let built = crate::shape::build(spec);
                let mut nbl = built.nbl;
                nbl.SourceHandle = 0x5EED_0000 as NDIS_HANDLE;
                nbl.StatusUnion.Status = NDIS_STATUS_PENDING;
                (
                    SendBuffers {
                        nbl,
                        _nbs: built.nbs,
                        _mdls: built.mdls,
                        data: built.store,
                    },
                    spec.is_lso_v2(),
                )
            })
            .collect();
        for i in (0..buffers.len().saturating_sub(1)).rev() {
            let next = std::ptr::from_mut(buffers[i + 1].0.nbl.as_mut());
            buffers[i].0.nbl.NetBufferListHeader.NetBufferListData.Next = next;
        }
        let head = std::ptr::from_mut(buffers[0].0.nbl.as_mut());
        let expect_paused = matches!(state, AdapterState::Paused | AdapterState::Pausing);
        let mut ids = Vec::new();
        {
            let mut i = self.shared.lock();
            for (b, lso_v2) in buffers {
                let id = i.next_send_id;
                i.next_send_id += 1;
                ids.push(id);
                let addr = std::ptr::from_ref(b.nbl.as_ref()) as usize;
                let snapshot = crate::exports::snapshot_of(addr);
                i.sends.insert(
                    addr,
                    SendRecord {
                        id,
                        snapshot,
                        expect_paused,
                        lso_v2,
                        buffers: b,
                    },
                );
            }
        }
        let ctx = self.context() as NDIS_HANDLE;
        let send = self
            .chars()
            .SendNetBufferListsHandler
            .expect("checked at registration");
        let (irql, flags) = if options.dispatch_level {
            (Irql::Dispatch, NDIS_SEND_FLAGS_DISPATCH_LEVEL)
        } else {
            (Irql::Passive, 0)
        };
        self.shared.call(Handler::Send, irql, || {
            // SAFETY: the driver's MiniportSendNetBufferLists with NBLs NDIS owns until completion.
            unsafe { send(ctx, head, options.port, flags) }
        });
        ids
    }

    /// Waits (bounded) until at least `count` send completions are recorded, then drains them.
    pub fn wait_send_completions(&self, count: usize, timeout: Duration) -> Vec<SendCompletion> {
        self.shared
            .wait_until(timeout, |i| i.completions.len() >= count);
        std::mem::take(&mut self.shared.lock().completions)
    }

    /// Sends still outstanding at the miniport.
    #[must_use]
    pub fn outstanding_sends(&self) -> usize {
        self.shared.lock().sends.len()
    }

    /// Waits (bounded) until at least `count` frames were indicated in total (not drained).
    pub fn wait_for_receives(&self, count: usize, timeout: Duration) -> bool {
        self.shared
            .wait_until(timeout, |i| i.received.len() >= count)
    }

    /// Drains the frames indicated so far.
    pub fn indicated_receives(&self) -> Vec<ReceivedFrame> {
        std::mem::take(&mut self.shared.lock().received)
    }

    /// Receive NBLs NDIS currently owns.
    #[must_use]
    pub fn owned_receives(&self) -> usize {
        self.shared.lock().owned_receives.len()
    }

    /// Receive NBLs indicated, indicated with `NDIS_RECEIVE_FLAGS_RESOURCES`, returned, and
    /// owned by NDIS now, over the adapter's life (exactly-once accounting for receives:
    /// `indicated == with_resources + returned + owned`).
    #[must_use]
    pub fn receive_counts(&self) -> ReceiveCounts {
        let i = self.shared.lock();
        ReceiveCounts {
            owned: i.owned_receives.len(),
            ..i.receive_counts
        }
    }

    /// Returns every receive NBL NDIS owns via `MiniportReturnNetBufferLists` (one chain, at
    /// PASSIVE). Returns how many.
    pub fn return_receives(&self) -> usize {
        self.return_receives_at(false)
    }

    /// As [`Self::return_receives`], at DISPATCH_LEVEL with `NDIS_RETURN_FLAGS_DISPATCH_LEVEL`
    /// when `dispatch_level`.
    pub fn return_receives_at(&self, dispatch_level: bool) -> usize {
        let nbls: Vec<usize> = {
            let mut i = self.shared.lock();
            let order = std::mem::take(&mut i.owned_order);
            let list: Vec<usize> = order
                .into_iter()
                .filter(|n| i.owned_receives.contains_key(n))
                .collect();
            i.owned_receives.clear();
            i.receive_counts.returned += list.len() as u64;
            list
        };
        if nbls.is_empty() {
            return 0;
        }
        crate::exports::link_chain(&nbls);
        let ctx = self.context() as NDIS_HANDLE;
        let ret = self
            .chars()
            .ReturnNetBufferListsHandler
            .expect("checked at registration");
        let (irql, flags) = if dispatch_level {
            (Irql::Dispatch, NDIS_RETURN_FLAGS_DISPATCH_LEVEL)
        } else {
            (Irql::Passive, 0)
        };
        let head = nbls[0] as *mut NET_BUFFER_LIST;
        self.shared.call(Handler::Return, irql, || {
            // SAFETY: the driver's MiniportReturnNetBufferLists with its own NBLs.
            unsafe { ret(ctx, head, flags) }
        });
        nbls.len()
    }

    /// Status indications so far (not drained).
    #[must_use]
    pub fn status_indications(&self) -> Vec<StatusIndication> {
        self.shared.lock().status_log.clone()
    }

    /// Fires MSI-X message `message_id` (or the line interrupt) from the test thread and waits
    /// (bounded): the ISR runs at DIRQL on the adapter's interrupt thread, then its DPC at
    /// DISPATCH on the target processor's DPC thread if the ISR asked for it. For a device model
    /// use [`crate::DevicePort::raise`] (non-blocking) instead.
    pub fn fire_interrupt(&self, message_id: u32) -> InterruptOutcome {
        let Some(obj) = crate::port::live_interrupt(&self.shared) else {
            return InterruptOutcome {
                claimed: false,
                dpc_ran: false,
            };
        };
        let message = if obj.message_based { message_id } else { 0 };
        let result = Arc::new(Mutex::new((false, false)));
        let out = Arc::clone(&result);
        let adapter = Arc::clone(&self.shared);
        self.shared.intr.run_on_isr_thread(
            self.timeout(),
            Box::new(move || {
                *lock(&out) = crate::port::run_isr(&adapter, &obj, message);
            }),
        );
        let (claimed, dpc_queued) = *lock(&result);
        let dpc_ran = dpc_queued && self.shared.intr.wait_dpc_idle(message, self.timeout());
        InterruptOutcome { claimed, dpc_ran }
    }

    /// The device side of this adapter (what [`crate::HardwareBackend::attach`] receives).
    #[must_use]
    pub fn device_port(&self) -> crate::DevicePort {
        crate::DevicePort::new(&self.shared)
    }

    /// Interrupt messages raised through a [`crate::DevicePort`] that were dropped (no
    /// interrupt registered, deregistered, halted, or not a granted message).
    #[must_use]
    pub fn dropped_interrupts(&self) -> u64 {
        self.shared
            .intr
            .dropped
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// From now on `NdisMAllocateNetBufferSGList` builds each list but hands it to the
    /// driver's `MiniportProcessSGList` only when [`Self::deliver_deferred_sg_lists`] runs, as
    /// NDIS does when it is short of map registers (the call returns first).
    pub fn defer_sg_lists(&self, defer: bool) {
        self.shared.lock().defer_sg_lists = defer;
    }

    /// Lists built but not yet handed over.
    #[must_use]
    pub fn deferred_sg_lists(&self) -> usize {
        self.shared.lock().deferred_sg_lists.len()
    }

    /// Hands every owed list to `MiniportProcessSGList`, oldest first, at DISPATCH (as NDIS's
    /// DMA callback runs). Returns how many.
    pub fn deliver_deferred_sg_lists(&self) -> usize {
        let (owed, handler) = {
            let mut inner = self.shared.lock();
            (
                std::mem::take(&mut inner.deferred_sg_lists),
                inner.sg_process,
            )
        };
        let Some(handler) = handler else {
            return 0;
        };
        for (list, context) in &owed {
            self.shared.call(Handler::Dpc, Irql::Dispatch, || {
                // SAFETY: the driver's ProcessSGList handler with a list the emulator built for
                // one of its allocations and the context that allocation passed.
                unsafe {
                    handler(
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                        *list as *mut SCATTER_GATHER_LIST,
                        *context as PVOID,
                    );
                }
            });
        }
        owed.len()
    }

    /// Waits (bounded) until pending interrupts, queued DPCs and the work items queued so far
    /// have run.
    pub fn wait_idle(&self) {
        self.shared.intr.wait_idle(self.timeout());
        self.shared
            .work
            .run_and_wait(self.timeout(), Box::new(|| {}));
    }

    /// Halts (if not yet) with `NdisHaltDeviceDisabled` and returns every violation.
    pub fn finish(mut self) -> Vec<Violation> {
        self.do_halt(NdisHaltDeviceDisabled);
        self.violations()
    }
}

impl Drop for EmuAdapter {
    fn drop(&mut self) {
        if !self.finished && !std::thread::panicking() {
            self.do_halt(NdisHaltDeviceDisabled);
        } else if !self.finished {
            self.shared.stop_threads();
        }
    }
}
