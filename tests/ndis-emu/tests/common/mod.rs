//! A test-only miniport written against the ABI types, calling NDIS only through the
//! `ndis-abi` declarations (so it links against the emulator exactly as the real drivers do).
//! With `Faults::default()` it is well behaved; each fault flag makes it break one NDIS rule.
#![allow(
    dead_code,
    non_snake_case,
    non_upper_case_globals,
    clippy::missing_safety_doc
)]

use std::cell::RefCell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use ndis_abi::*;
use ndis_emu::{AdapterConfig, EmuAdapter, EmuDriver, InitError};

/// OIDs the test miniport supports (listed in SupportedOidList); OID_GEN_VENDOR_ID is pended
/// and completed from a work item.
pub use ndis_abi::{OID_GEN_CURRENT_PACKET_FILTER, OID_GEN_MAXIMUM_TOTAL_SIZE, OID_GEN_VENDOR_ID};
/// An OID outside the supported list.
pub const OID_UNLISTED: NDIS_OID = 0xFF01_0203;
pub const SUPPORTED: [NDIS_OID; 3] = [
    OID_GEN_MAXIMUM_TOTAL_SIZE,
    OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_VENDOR_ID,
];

/// One switch per broken rule.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub old_ndis_version: bool,
    pub skip_deregister: bool,
    pub general_before_registration: bool,
    pub skip_general: bool,
    pub bad_registration_revision: bool,
    pub attributes_in_restart: bool,
    pub mismatched_hw_assist: bool,
    pub map_before_registration: bool,
    pub config_access_after_removal: bool,
    pub receive_in_init: bool,
    pub fail_init_leaking: bool,
    pub init_pending: bool,
    pub complete_paused_sends_with_success: bool,
    pub hold_sends_over_pause: bool,
    pub complete_sends_twice: bool,
    pub clobber_send_chain: bool,
    pub wrong_send_complete_flag: bool,
    pub receive_when_paused: bool,
    pub reindicate_owned: bool,
    pub wrong_source_handle: bool,
    pub wrong_receive_count: bool,
    pub wrong_receive_flag: bool,
    pub oid_complete_twice: bool,
    pub oid_complete_pending: bool,
    pub oid_no_bytes_needed: bool,
    pub oid_bytes_written_too_big: bool,
    pub accept_unlisted_oid: bool,
    pub oid_never_complete: bool,
    pub ignore_oid_cancel: bool,
    pub pause_fails: bool,
    pub pause_complete_without_pending: bool,
    pub restart_complete_without_pending: bool,
    pub reset_complete_without_pending: bool,
    pub keep_interrupt: bool,
    pub keep_timer: bool,
    pub keep_shared_memory: bool,
    pub keep_pool: bool,
    pub keep_memory: bool,
    pub keep_config_open: bool,
    pub passive_call_from_dpc: bool,
    pub leave_spin_lock_held: bool,
    pub bad_status_indication: bool,
    pub double_free_memory: bool,
    pub free_queued_timer: bool,
    pub register_interrupt_twice: bool,
    pub skip_sg_dma: bool,
    pub enable_virtualization_twice: bool,
    pub vf_bus_data_without_virtualization: bool,
    pub pf_reads_config_block: bool,
    pub keep_virtualization: bool,
    pub garbage_handle: bool,
    /// Not a fault: a PF that enables (and, in halt, disables) virtualization with 2 VFs.
    pub sriov: bool,
    pub keep_io_mapped: bool,
    pub register_access_after_unmap: bool,
    pub keep_queue_enabled: bool,
    pub bad_ring_address: bool,
    pub long_stall_in_dpc: bool,
    pub sleep_in_dpc: bool,
    /// Not a fault: MiniportInitializeEx logs NDIS_ERROR_CODE_HARDWARE_FAILURE with the values
    /// [`INIT_FAILURE_VALUES`] and fails with NDIS_STATUS_ADAPTER_NOT_FOUND before allocating
    /// anything.
    pub fail_init_with_event_log: bool,
    /// Sends arriving while paused are dropped, never completed (NDIS-SEND-6 at halt).
    pub drop_paused_sends: bool,
    /// Successful LSOv2 completions leave the transmit info in place instead of writing
    /// `LsoV2TransmitComplete` (NDIS-SEND-7).
    pub lso_complete_untouched: bool,
    /// Completions leave `NET_BUFFER_LIST.Status` as NDIS passed it (NDIS-SEND-8).
    pub skip_send_status: bool,
    /// Receive NBLs claim a `DataLength` longer than their MDL chain (NDIS-RECV-7).
    pub receive_short_chain: bool,
    /// A send completion also hands back one of the miniport's own receive NBLs (NDIS-SEND-3).
    pub complete_foreign_nbl: bool,
    /// Not a fault: receives are indicated with `NDIS_RECEIVE_FLAGS_RESOURCES`; right after the
    /// call the miniport takes the NBL back and overwrites its buffer with zeros.
    pub receive_with_resources: bool,
    /// Not a fault: receive NBLs carry [`RX_INFO`] in their checksum, 802.1Q and hash slots.
    pub receive_with_info: bool,
}

/// What `receive_with_info` stores: (checksum slot, 802.1Q slot, hash value, hash info).
pub const RX_INFO: (usize, usize, u32, u32) = (0b10_1000, 0x0123_0005, 0xDEAD_BEEF, 0x0201);

/// `NDIS_ERROR_CODE_HARDWARE_FAILURE` (`EVENT_NDIS_HARDWARE_FAILURE`, netevent.h).
pub const NDIS_ERROR_CODE_HARDWARE_FAILURE: u32 = 0xC000_138A;
/// What `fail_init_with_event_log` logs: a unique value, then two diagnostic values.
pub const INIT_FAILURE_VALUES: [u32; 3] = [0x0000_0101, 0xFFFF_FFFF, 0x0000_0042];

/// `NdisWriteErrorLogEntry(handle, code, count, values...)` passing all 24 value slots, as
/// `ndis::event_log::write_event` does (the emulator defines that fixed list).
pub fn write_error_log(handle: NDIS_HANDLE, code: u32, count: u32, values: &[u32]) {
    let mut v = [0u32; 24];
    for (slot, value) in v.iter_mut().zip(values) {
        *slot = *value;
    }
    // SAFETY: the emulator validates the handle; 24 ULONG values follow the count.
    unsafe {
        NdisWriteErrorLogEntry(
            handle, code, count, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
            v[11], v[12], v[13], v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22],
            v[23],
        );
    }
}

/// Register offsets (BAR 0) the test miniport programs, 82576-like (igb-hardware.md): the
/// receive ring base and enable, and the interrupt cause set register, through which a test
/// device raises MSI-X messages.
pub const REG_STATUS: u64 = 0x0008;
pub const REG_ICS: u64 = 0x00C8;
pub const REG_EIMC: u64 = 0x1528;
pub const REG_RDBAL: u64 = 0x2800;
pub const REG_RDBAH: u64 = 0x2804;
pub const REG_RXDCTL: u64 = 0x2828;
pub const RXDCTL_ENABLE: u32 = 1 << 25;
const BAR0: NDIS_PHYSICAL_ADDRESS = 0xF000_0000;
const BAR0_LEN: u32 = 0x2_0000;

thread_local! {
    static NEXT_FAULTS: RefCell<Faults> = RefCell::new(Faults::default());
}

struct DriverCtx {
    faults: Faults,
    handle: AtomicPtr<std::ffi::c_void>,
}

/// Per-adapter state of the test miniport.
pub struct Adapter {
    pub handle: NDIS_HANDLE,
    faults: Faults,
    pool: NDIS_HANDLE,
    timer: NDIS_HANDLE,
    interrupt: NDIS_HANDLE,
    dma: NDIS_HANDLE,
    work_item: NDIS_HANDLE,
    config: NDIS_HANDLE,
    memory: PVOID,
    shared_va: PVOID,
    shared_pa: NDIS_PHYSICAL_ADDRESS,
    /// Receive NBLs the miniport owns (free), and those indicated.
    rx_free: Mutex<Vec<usize>>,
    /// Sends queued until the next interrupt DPC completes them.
    tx_queue: Mutex<Vec<usize>>,
    paused: AtomicBool,
    pending_oid: AtomicPtr<NDIS_OID_REQUEST>,
    lock: Mutex<NDIS_SPIN_LOCK>,
    pub timer_fired: AtomicUsize,
    pub dpcs: AtomicUsize,
    /// BAR 0 as NdisMMapIoSpace returned it.
    pub bar0: AtomicPtr<std::ffi::c_void>,
    /// STATUS read in the surprise-removal notification.
    pub status_after_removal: AtomicUsize,
    /// NdisMEnableVirtualization(TRUE)'s status and VF 1's (segment, bus, function).
    pub sriov_result: Mutex<Option<(NDIS_STATUS, VfLocation)>>,
    /// Per message: DPC runs, the processor of the last run, and whether a run overlapped
    /// another run of the same message.
    pub dpc_runs: [AtomicUsize; 4],
    pub dpc_processor: [AtomicUsize; 4],
    dpc_running: [AtomicUsize; 4],
    pub same_message_overlap: AtomicBool,
    /// Test hooks: message-2 DPCs re-raise message 2 through REG_ICS this many more times; the
    /// first message-3 DPC (processor 1) re-queues itself on processor 0 and holds 30 ms; message-0/1 DPCs
    /// wait (bounded) until the other one runs when `rendezvous` is set.
    pub chain: AtomicUsize,
    pub requeue_once: AtomicBool,
    pub rendezvous: AtomicBool,
    pub met: [AtomicBool; 2],
    pub overlapped: [AtomicBool; 2],
    pub isr_register_writes: AtomicUsize,
    /// Per send NBL handed to MiniportSendNetBufferLists: each NB's data as the shared
    /// `ndis::buffer::NetBufferData` walker reads it (`None` for an NB it rejects), in order.
    pub sent_frames: Mutex<Vec<Vec<Option<Vec<u8>>>>>,
}

/// (segment, bus, function) from `NdisMGetVirtualFunctionLocation`.
pub type VfLocation = (u16, u8, u8);

/// The test miniport's per-adapter state for an adapter's `MiniportAdapterContext`.
pub fn state(adapter: &EmuAdapter) -> &'static Adapter {
    adapter_ref(adapter.context() as NDIS_HANDLE)
}

fn adapter_ref(ctx: NDIS_HANDLE) -> &'static Adapter {
    // SAFETY: `ctx` is the MiniportAdapterContext this miniport registered: a leaked `Adapter`
    // that lives until MiniportHaltEx frees it (tests only look while the adapter lives).
    unsafe { &*(ctx as *const Adapter) }
}

fn reg_read(a: &Adapter, offset: u64) -> u32 {
    let base = a.bar0.load(Ordering::SeqCst) as usize;
    // SAFETY: the register primitive looks the address up; it never dereferences it.
    unsafe { EmuReadRegisterUlong((base + offset as usize) as *const ULONG) }
}

fn reg_write(a: &Adapter, offset: u64, value: u32) {
    let base = a.bar0.load(Ordering::SeqCst) as usize;
    // SAFETY: as in `reg_read`.
    unsafe { EmuWriteRegisterUlong((base + offset as usize) as *mut ULONG, value) };
}

// SAFETY: the raw handles are opaque values NDIS gave out; mutable state is behind atomics and
// mutexes.
unsafe impl Send for Adapter {}
// SAFETY: as above.
unsafe impl Sync for Adapter {}

fn adapter<'a>(ctx: NDIS_HANDLE) -> &'a Adapter {
    // SAFETY: `ctx` is the MiniportAdapterContext this miniport registered: a leaked `Adapter`
    // that lives until MiniportHaltEx frees it.
    unsafe { &*(ctx as *const Adapter) }
}

fn header(ty: u8, revision: u8, size: usize) -> NDIS_OBJECT_HEADER {
    NDIS_OBJECT_HEADER {
        Type: ty,
        Revision: revision,
        Size: u16::try_from(size).unwrap(),
    }
}

/// Loads the test miniport with `faults`.
pub fn load(faults: Faults) -> EmuDriver {
    NEXT_FAULTS.with(|f| *f.borrow_mut() = faults);
    EmuDriver::load(driver_entry).expect("test miniport loads")
}

/// Tries to load the test miniport with `faults`.
pub fn try_load(faults: Faults) -> Result<EmuDriver, ndis_emu::LoadError> {
    NEXT_FAULTS.with(|f| *f.borrow_mut() = faults);
    EmuDriver::load(driver_entry)
}

/// Loads and adds one adapter with the default configuration.
pub fn adapter_with(faults: Faults) -> (EmuDriver, EmuAdapter) {
    let driver = load(faults);
    let adapter = driver
        .add_adapter(AdapterConfig::default())
        .expect("initializes");
    (driver, adapter)
}

/// Loads and tries to add one adapter.
pub fn try_adapter(
    faults: Faults,
    config: AdapterConfig,
) -> (EmuDriver, Result<EmuAdapter, InitError>) {
    let driver = load(faults);
    let result = driver.add_adapter(config);
    (driver, result)
}

/// Whether `rule` is among the violations.
pub fn fired(violations: &[ndis_emu::Violation], rule: &str) -> bool {
    violations.iter().any(|v| v.rule == rule)
}

pub unsafe extern "system" fn driver_entry(
    driver_object: PDRIVER_OBJECT,
    registry_path: *mut UNICODE_STRING,
) -> NTSTATUS {
    let faults = NEXT_FAULTS.with(|f| *f.borrow());
    let ctx = Box::into_raw(Box::new(DriverCtx {
        faults,
        handle: AtomicPtr::new(std::ptr::null_mut()),
    }));
    DRIVERS
        .lock()
        .unwrap()
        .push((driver_object as usize, ctx as usize));
    let mut chars = NDIS_MINIPORT_DRIVER_CHARACTERISTICS::zeroed();
    chars.Header = header(NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS, 2, 152);
    chars.MajorNdisVersion = 6;
    chars.MinorNdisVersion = if faults.old_ndis_version { 20 } else { 30 };
    chars.InitializeHandlerEx = Some(initialize);
    chars.HaltHandlerEx = Some(halt);
    chars.UnloadHandler = Some(unload);
    chars.PauseHandler = Some(pause);
    chars.RestartHandler = Some(restart);
    chars.OidRequestHandler = Some(oid_request);
    chars.SendNetBufferListsHandler = Some(send);
    chars.ReturnNetBufferListsHandler = Some(return_nbls);
    chars.CancelSendHandler = Some(cancel_send);
    chars.DevicePnPEventNotifyHandler = Some(pnp_event);
    chars.ShutdownHandlerEx = Some(shutdown);
    chars.CancelOidRequestHandler = Some(cancel_oid);
    chars.ResetHandlerEx = Some(reset);
    let mut handle: NDIS_HANDLE = std::ptr::null_mut();
    // SAFETY: registering with NDIS from DriverEntry with valid characteristics.
    let status = unsafe {
        NdisMRegisterMiniportDriver(
            driver_object,
            registry_path,
            ctx.cast(),
            &mut chars,
            &mut handle,
        )
    };
    // SAFETY: `ctx` was just leaked above and is only read.
    unsafe { &*ctx }.handle.store(handle, Ordering::Relaxed);
    status
}

unsafe extern "system" fn unload(driver_object: PDRIVER_OBJECT) {
    // NDIS hands back only the driver object at unload: find our context by it.
    let ctx = DRIVERS
        .lock()
        .unwrap()
        .iter()
        .find(|(o, _)| *o == driver_object as usize)
        .map(|(_, c)| *c as *mut DriverCtx);
    let Some(ctx) = ctx else { return };
    // SAFETY: the leaked DriverCtx of this driver (see `initialize`).
    let d = unsafe { &*ctx };
    if !d.faults.skip_deregister {
        // SAFETY: deregistering the handle NDIS gave at registration.
        unsafe { NdisMDeregisterMiniportDriver(d.handle.load(Ordering::Relaxed)) };
    }
}

/// (adapter handle, STATUS register read in the surprise-removal notification): outlives the
/// adapter state, which halt frees.
pub static REMOVAL_STATUS: Mutex<Vec<(usize, u32)>> = Mutex::new(Vec::new());

/// Driver object → leaked driver context (tests load many drivers in parallel).
static DRIVERS: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());

fn set_registration(handle: NDIS_HANDLE, ctx: *mut Adapter, revision: u8) -> NDIS_STATUS {
    let mut reg = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES::zeroed();
    reg.Header = header(
        NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES,
        revision,
        28,
    );
    reg.MiniportAdapterContext = ctx.cast();
    reg.AttributeFlags = NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE
        | NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER
        | NDIS_MINIPORT_ATTRIBUTES_SURPRISE_REMOVE_OK;
    reg.InterfaceType = NdisInterfacePci;
    // SAFETY: valid attributes for the adapter being initialized.
    unsafe { NdisMSetMiniportAttributes(handle, std::ptr::from_mut(&mut reg).cast()) }
}

fn set_general(handle: NDIS_HANDLE, oids: &mut [NDIS_OID]) -> NDIS_STATUS {
    let mut gen_attrs = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES::zeroed();
    gen_attrs.Header = header(NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES, 2, 224);
    gen_attrs.MediaType = NdisMedium802_3;
    gen_attrs.PhysicalMediumType = NdisPhysicalMedium802_3;
    gen_attrs.MtuSize = 1500;
    gen_attrs.MaxXmitLinkSpeed = 1_000_000_000;
    gen_attrs.MediaConnectState = 1;
    gen_attrs.MacAddressLength = 6;
    gen_attrs.PermanentMacAddress[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    gen_attrs.CurrentMacAddress[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
    gen_attrs.SupportedOidList = oids.as_mut_ptr();
    gen_attrs.SupportedOidListLength = u32::try_from(oids.len() * 4).unwrap();
    // SAFETY: valid attributes for the adapter being initialized.
    unsafe { NdisMSetMiniportAttributes(handle, std::ptr::from_mut(&mut gen_attrs).cast()) }
}

fn set_hardware_assist(handle: NDIS_HANDLE, mismatched: bool) -> NDIS_STATUS {
    let mut sriov = NDIS_SRIOV_CAPABILITIES::zeroed();
    sriov.Header = header(NDIS_OBJECT_TYPE_DEFAULT, 1, 12);
    sriov.SriovCapabilities = 0x3;
    let mut switch = NDIS_NIC_SWITCH_CAPABILITIES::zeroed();
    switch.Header = header(NDIS_OBJECT_TYPE_DEFAULT, 2, 116);
    let mut hw = NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES::zeroed();
    hw.Header = header(
        NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES,
        3,
        80,
    );
    hw.HardwareSriovCapabilities = &mut sriov;
    hw.CurrentSriovCapabilities = if mismatched {
        std::ptr::null_mut()
    } else {
        &mut sriov
    };
    hw.HardwareNicSwitchCapabilities = &mut switch;
    hw.CurrentNicSwitchCapabilities = &mut switch;
    // SAFETY: valid attributes for the adapter being initialized.
    unsafe { NdisMSetMiniportAttributes(handle, std::ptr::from_mut(&mut hw).cast()) }
}

fn ndis_string(text: &str) -> (Vec<u16>, NDIS_STRING) {
    let mut units: Vec<u16> = text.encode_utf16().collect();
    let len = u16::try_from(units.len() * 2).unwrap();
    let s = NDIS_STRING {
        Length: len,
        MaximumLength: len,
        Buffer: units.as_mut_ptr(),
    };
    (units, s)
}

unsafe extern "system" fn initialize(
    handle: NDIS_HANDLE,
    driver_context: NDIS_HANDLE,
    _params: *mut NDIS_MINIPORT_INIT_PARAMETERS,
) -> NDIS_STATUS {
    let dctx = driver_context.cast::<DriverCtx>();
    // SAFETY: the DriverCtx leaked in DriverEntry.
    let f = unsafe { &*dctx }.faults;
    if f.init_pending {
        return NDIS_STATUS_PENDING;
    }
    if f.fail_init_with_event_log {
        write_error_log(
            handle,
            NDIS_ERROR_CODE_HARDWARE_FAILURE,
            INIT_FAILURE_VALUES.len() as u32,
            &INIT_FAILURE_VALUES,
        );
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
    if f.map_before_registration {
        let mut va: PVOID = std::ptr::null_mut();
        // SAFETY: mapping BAR 0 (deliberately too early).
        unsafe { NdisMMapIoSpace(&mut va, handle, 0xF000_0000, 0x2_0000) };
    }
    let ctx = Box::into_raw(Box::new(Adapter {
        handle,
        faults: f,
        pool: std::ptr::null_mut(),
        timer: std::ptr::null_mut(),
        interrupt: std::ptr::null_mut(),
        dma: std::ptr::null_mut(),
        work_item: std::ptr::null_mut(),
        config: std::ptr::null_mut(),
        memory: std::ptr::null_mut(),
        shared_va: std::ptr::null_mut(),
        shared_pa: 0,
        rx_free: Mutex::new(Vec::new()),
        tx_queue: Mutex::new(Vec::new()),
        sent_frames: Mutex::new(Vec::new()),
        paused: AtomicBool::new(true),
        pending_oid: AtomicPtr::new(std::ptr::null_mut()),
        lock: Mutex::new(NDIS_SPIN_LOCK::default()),
        timer_fired: AtomicUsize::new(0),
        dpcs: AtomicUsize::new(0),
        bar0: AtomicPtr::new(std::ptr::null_mut()),
        status_after_removal: AtomicUsize::new(0),
        sriov_result: Mutex::new(None),
        dpc_runs: Default::default(),
        dpc_processor: Default::default(),
        dpc_running: Default::default(),
        same_message_overlap: AtomicBool::new(false),
        chain: AtomicUsize::new(0),
        requeue_once: AtomicBool::new(false),
        rendezvous: AtomicBool::new(false),
        met: Default::default(),
        overlapped: Default::default(),
        isr_register_writes: AtomicUsize::new(0),
    }));
    // SAFETY: freshly leaked, exclusively ours during initialization.
    let a = unsafe { &mut *ctx };
    let mut oids = SUPPORTED;
    if f.general_before_registration {
        set_general(handle, &mut oids);
    }
    let status = set_registration(handle, ctx, if f.bad_registration_revision { 9 } else { 1 });
    if status != NDIS_STATUS_SUCCESS && !f.bad_registration_revision {
        return status;
    }
    if !f.skip_general {
        set_general(handle, &mut oids);
    }
    // Registers.
    let mut bar0: PVOID = std::ptr::null_mut();
    // SAFETY: mapping BAR 0 of our resource list.
    if unsafe { NdisMMapIoSpace(&mut bar0, handle, BAR0, BAR0_LEN) } == NDIS_STATUS_SUCCESS {
        a.bar0.store(bar0, Ordering::SeqCst);
    }
    if f.sriov || f.mismatched_hw_assist {
        set_hardware_assist(handle, f.mismatched_hw_assist);
    }
    // Configuration.
    let mut cfg_obj = NDIS_CONFIGURATION_OBJECT::zeroed();
    cfg_obj.Header = header(NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT, 1, 24);
    cfg_obj.NdisHandle = handle;
    // SAFETY: valid configuration object.
    unsafe { NdisOpenConfigurationEx(&mut cfg_obj, &mut a.config) };
    let (_keep, mut keyword) = ndis_string("*NumRssQueues");
    let mut value: *mut NDIS_CONFIGURATION_PARAMETER = std::ptr::null_mut();
    let mut st = NDIS_STATUS_FAILURE;
    // SAFETY: valid out pointers and an open configuration handle.
    unsafe {
        NdisReadConfiguration(
            &mut st,
            &mut value,
            a.config,
            &mut keyword,
            NdisParameterInteger,
        )
    };
    if !f.keep_config_open {
        // SAFETY: closing the handle opened above.
        unsafe { NdisCloseConfiguration(a.config) };
    }
    // Memory.
    // SAFETY: allocation with our adapter handle.
    a.memory =
        unsafe { NdisAllocateMemoryWithTagPriority(handle, 256, 0x7473_6554, NormalPoolPriority) };
    if f.fail_init_leaking {
        return NDIS_STATUS_RESOURCES;
    }
    // NBL pool and receive NBLs.
    let mut pool_params = NET_BUFFER_LIST_POOL_PARAMETERS::zeroed();
    pool_params.Header = header(NDIS_OBJECT_TYPE_DEFAULT, 1, 16);
    pool_params.fAllocateNetBuffer = 1;
    pool_params.DataSize = 2048;
    // SAFETY: valid pool parameters.
    a.pool = unsafe { NdisAllocateNetBufferListPool(handle, &mut pool_params) };
    for _ in 0..4 {
        // SAFETY: allocating from our pool; the pool supplies data and MDL.
        let nbl = unsafe {
            NdisAllocateNetBufferAndNetBufferList(a.pool, 0, 0, std::ptr::null_mut(), 0, 64)
        };
        // SAFETY: `nbl` is a fresh NBL from our pool.
        unsafe {
            (*nbl).SourceHandle = if f.wrong_source_handle {
                0x1234 as NDIS_HANDLE
            } else {
                handle
            }
        };
        a.rx_free.lock().unwrap().push(nbl as usize);
    }
    // DMA and shared memory.
    if !f.skip_sg_dma {
        let mut dma = NDIS_SG_DMA_DESCRIPTION::zeroed();
        dma.Header = header(NDIS_OBJECT_TYPE_SG_DMA_DESCRIPTION, 1, 40);
        dma.Flags = NDIS_SG_DMA_64_BIT_ADDRESS;
        dma.MaximumPhysicalMapping = 65536;
        // SAFETY: valid DMA description.
        unsafe { NdisMRegisterScatterGatherDma(handle, &mut dma, &mut a.dma) };
    }
    // SAFETY: valid out pointers.
    unsafe { NdisMAllocateSharedMemory(handle, 4096, 0, &mut a.shared_va, &mut a.shared_pa) };
    if f.passive_call_from_dpc || f.sriov || f.enable_virtualization_twice || f.keep_virtualization
    {
        // nothing here; see DPC / SR-IOV below.
    }
    // Timer.
    let mut timer_chars = NDIS_TIMER_CHARACTERISTICS::zeroed();
    timer_chars.Header = header(NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS, 1, 24);
    timer_chars.TimerFunction = Some(timer_fn);
    timer_chars.FunctionContext = ctx.cast();
    // SAFETY: valid timer characteristics.
    unsafe { NdisAllocateTimerObject(handle, &mut timer_chars, &mut a.timer) };
    // Work item.
    // SAFETY: allocation with our adapter handle.
    a.work_item = unsafe { NdisAllocateIoWorkItem(handle) };
    // Interrupt.
    let mut ic = NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS::zeroed();
    ic.Header = header(NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT, 1, 96);
    ic.InterruptHandler = Some(isr);
    ic.InterruptDpcHandler = Some(dpc);
    ic.MsiSupported = 1;
    ic.MessageInterruptHandler = Some(msi_isr);
    ic.MessageInterruptDpcHandler = Some(msi_dpc);
    // SAFETY: valid interrupt characteristics.
    unsafe { NdisMRegisterInterruptEx(handle, ctx.cast(), &mut ic, &mut a.interrupt) };
    if f.register_interrupt_twice {
        let mut second: NDIS_HANDLE = std::ptr::null_mut();
        // SAFETY: deliberately registering a second time.
        unsafe { NdisMRegisterInterruptEx(handle, ctx.cast(), &mut ic, &mut second) };
    }
    // SR-IOV.
    if f.sriov || f.enable_virtualization_twice || f.keep_virtualization {
        // SAFETY: PF enabling 2 VFs.
        let status = unsafe { NdisMEnableVirtualization(handle, 2, 0, 0, 1) };
        let (mut seg, mut bus, mut func) = (0u16, 0u8, 0u8);
        if status == NDIS_STATUS_SUCCESS {
            // SAFETY: valid out pointers; VF 1 exists.
            unsafe { NdisMGetVirtualFunctionLocation(handle, 1, &mut seg, &mut bus, &mut func) };
        }
        *a.sriov_result.lock().unwrap() = Some((status, (seg, bus, func)));
        if f.enable_virtualization_twice {
            // SAFETY: deliberately enabling twice.
            unsafe { NdisMEnableVirtualization(handle, 2, 0, 0, 1) };
        }
    }
    if f.vf_bus_data_without_virtualization {
        let mut buf = [0u8; 4];
        // SAFETY: valid buffer; virtualization deliberately not enabled.
        unsafe { NdisMGetVirtualFunctionBusData(handle, 0, buf.as_mut_ptr().cast(), 0, 4) };
    }
    if f.pf_reads_config_block {
        let mut buf = [0u8; 8];
        // SAFETY: valid buffer; deliberately called by a PF.
        unsafe { NdisMReadConfigBlock(handle, 1, buf.as_mut_ptr().cast(), 8) };
    }
    if f.receive_in_init {
        indicate_one(a, 0);
    }
    NDIS_STATUS_SUCCESS
}

unsafe extern "system" fn halt(ctx: NDIS_HANDLE, _action: NDIS_HALT_ACTION) {
    let a = adapter(ctx);
    let f = a.faults;
    if !f.keep_interrupt && !a.interrupt.is_null() {
        // SAFETY: deregistering our interrupt.
        unsafe { NdisMDeregisterInterruptEx(a.interrupt) };
    }
    if !a.timer.is_null() {
        if f.free_queued_timer {
            // SAFETY: arm the timer far in the future, then (wrongly) free it while queued.
            unsafe { NdisSetTimerObject(a.timer, -10_000_000_000, 0, std::ptr::null_mut()) };
            // SAFETY: freeing our timer object.
            unsafe { NdisFreeTimerObject(a.timer) };
        } else if !f.keep_timer {
            // SAFETY: cancel then free our timer object.
            unsafe { NdisCancelTimerObject(a.timer) };
            // SAFETY: as above.
            unsafe { NdisFreeTimerObject(a.timer) };
        }
    }
    if !a.work_item.is_null() {
        // SAFETY: freeing our work item.
        unsafe { NdisFreeIoWorkItem(a.work_item) };
    }
    if f.garbage_handle {
        // SAFETY: deliberately passing a handle NDIS never gave out.
        unsafe { NdisFreeIoWorkItem(0xDEAD_BEEF as NDIS_HANDLE) };
    }
    if !f.keep_shared_memory && !a.shared_va.is_null() {
        // SAFETY: freeing the block allocated in initialize with the same values.
        unsafe { NdisMFreeSharedMemory(a.handle, 4096, 0, a.shared_va, a.shared_pa) };
    }
    if !a.dma.is_null() {
        // SAFETY: deregistering our DMA handle.
        unsafe { NdisMDeregisterScatterGatherDma(a.dma) };
    }
    if !f.keep_pool {
        for nbl in a.rx_free.lock().unwrap().drain(..) {
            // SAFETY: our own receive NBLs, all returned by NDIS.
            unsafe { NdisFreeNetBufferList(nbl as *mut NET_BUFFER_LIST) };
        }
        if !a.pool.is_null() {
            // SAFETY: freeing our pool after its NBLs.
            unsafe { NdisFreeNetBufferListPool(a.pool) };
        }
    }
    if !f.keep_memory && !a.memory.is_null() {
        // SAFETY: freeing the block from initialize.
        unsafe { NdisFreeMemory(a.memory, 256, 0) };
        if f.double_free_memory {
            // SAFETY: deliberately freeing twice.
            unsafe { NdisFreeMemory(a.memory, 256, 0) };
        }
    }
    let bar0 = a.bar0.load(Ordering::SeqCst);
    if !bar0.is_null() && !f.keep_io_mapped {
        // SAFETY: unmapping the range mapped in initialize, with its length.
        unsafe { NdisMUnmapIoSpace(a.handle, bar0, BAR0_LEN) };
        if f.register_access_after_unmap {
            // Deliberately touching a register of the released range.
            reg_read(a, REG_STATUS);
        }
    }
    let enabled = a
        .sriov_result
        .lock()
        .unwrap()
        .is_some_and(|(s, _)| s == NDIS_STATUS_SUCCESS);
    if (f.sriov || f.enable_virtualization_twice) && !f.keep_virtualization && enabled {
        // SAFETY: static-creation PF disables virtualization in halt.
        unsafe { NdisMEnableVirtualization(a.handle, 0, 0, 0, 0) };
    }
    // SAFETY: the Adapter leaked in initialize; nothing references it after halt.
    drop(unsafe { Box::from_raw(ctx.cast::<Adapter>()) });
}

unsafe extern "system" fn pause(
    ctx: NDIS_HANDLE,
    _p: *mut NDIS_MINIPORT_PAUSE_PARAMETERS,
) -> NDIS_STATUS {
    let a = adapter(ctx);
    a.paused.store(true, Ordering::SeqCst);
    if !a.faults.keep_queue_enabled {
        // Stop receive DMA before anything that backs the ring can be freed.
        reg_write(a, REG_RXDCTL, 0);
    }
    if a.faults.pause_fails {
        return NDIS_STATUS_FAILURE;
    }
    if a.faults.pause_complete_without_pending {
        // SAFETY: deliberately completing a pause that did not pend.
        unsafe { NdisMPauseComplete(a.handle) };
        return NDIS_STATUS_SUCCESS;
    }
    if !a.faults.hold_sends_over_pause {
        complete_queued_sends(a, NDIS_STATUS_PAUSED, false);
    }
    NDIS_STATUS_SUCCESS
}

unsafe extern "system" fn restart(
    ctx: NDIS_HANDLE,
    _p: *mut NDIS_MINIPORT_RESTART_PARAMETERS,
) -> NDIS_STATUS {
    let a = adapter(ctx);
    if a.faults.attributes_in_restart {
        let mut oids = SUPPORTED;
        set_general(a.handle, &mut oids);
    }
    a.paused.store(false, Ordering::SeqCst);
    // Receive ring in the shared-memory block, then enable the queue.
    let ring = if a.faults.bad_ring_address {
        a.shared_pa + 0x100_0000
    } else {
        a.shared_pa
    };
    reg_write(a, REG_RDBAL, ring as u32);
    reg_write(a, REG_RDBAH, (ring as u64 >> 32) as u32);
    reg_write(a, REG_RXDCTL, RXDCTL_ENABLE);
    if a.faults.restart_complete_without_pending {
        // SAFETY: deliberately completing a restart that did not pend.
        unsafe { NdisMRestartComplete(a.handle, NDIS_STATUS_SUCCESS) };
    }
    // Periodic housekeeping timer (cancelled in halt).
    // SAFETY: arming our timer: 5 ms, period 5 ms.
    unsafe { NdisSetTimerObject(a.timer, -50_000, 5, std::ptr::null_mut()) };
    // Link-state indication.
    indicate_link(a);
    NDIS_STATUS_SUCCESS
}

fn indicate_link(a: &Adapter) {
    let mut ls = NDIS_LINK_STATE::zeroed();
    ls.Header = header(NDIS_OBJECT_TYPE_DEFAULT, 1, 40);
    ls.MediaConnectState = 1;
    ls.XmitLinkSpeed = 1_000_000_000;
    ls.RcvLinkSpeed = 1_000_000_000;
    let mut si = NDIS_STATUS_INDICATION::zeroed();
    si.Header = header(NDIS_OBJECT_TYPE_STATUS_INDICATION, 1, 112);
    si.SourceHandle = if a.faults.bad_status_indication {
        std::ptr::null_mut()
    } else {
        a.handle
    };
    si.StatusCode = NDIS_STATUS_LINK_STATE;
    si.StatusBuffer = std::ptr::from_mut(&mut ls).cast();
    si.StatusBufferSize = 40;
    // SAFETY: a valid indication for our adapter.
    unsafe { NdisMIndicateStatusEx(a.handle, &mut si) };
}

unsafe extern "system" fn shutdown(_ctx: NDIS_HANDLE, _action: NDIS_SHUTDOWN_ACTION) {}

unsafe extern "system" fn pnp_event(ctx: NDIS_HANDLE, event: *mut NET_DEVICE_PNP_EVENT) {
    let a = adapter(ctx);
    // SAFETY: NDIS passes a valid event.
    let e = unsafe { (*event).DevicePnPEvent };
    if e == NdisDevicePnPEventSurpriseRemoved {
        let status = reg_read(a, REG_STATUS);
        a.status_after_removal
            .store(status as usize, Ordering::SeqCst);
        REMOVAL_STATUS
            .lock()
            .unwrap()
            .push((a.handle as usize, status));
    }
    if e == NdisDevicePnPEventSurpriseRemoved && a.faults.config_access_after_removal {
        let mut buf = [0u8; 4];
        // SAFETY: valid buffer; the device is gone (deliberate fault).
        unsafe {
            NdisMGetBusData(
                a.handle,
                PCI_WHICHSPACE_CONFIG,
                0,
                buf.as_mut_ptr().cast(),
                4,
            )
        };
    }
}

unsafe extern "system" fn cancel_send(_ctx: NDIS_HANDLE, _id: PVOID) {}

unsafe extern "system" fn reset(ctx: NDIS_HANDLE, addressing: *mut BOOLEAN) -> NDIS_STATUS {
    let a = adapter(ctx);
    // SAFETY: NDIS passes a valid out pointer.
    unsafe { *addressing = 0 };
    if a.faults.reset_complete_without_pending {
        // SAFETY: deliberately completing a reset that did not pend.
        unsafe { NdisMResetComplete(a.handle, NDIS_STATUS_SUCCESS, 0) };
    }
    NDIS_STATUS_SUCCESS
}

fn set_query_result(req: &mut NDIS_OID_REQUEST, value: u32, f: &Faults) -> NDIS_STATUS {
    // SAFETY: a query request: the QUERY_INFORMATION view is the active one.
    let q = unsafe { &mut req.DATA.QUERY_INFORMATION };
    if q.InformationBufferLength < 4 {
        q.BytesNeeded = if f.oid_no_bytes_needed { 0 } else { 4 };
        return NDIS_STATUS_INVALID_LENGTH;
    }
    // SAFETY: the buffer holds at least 4 bytes.
    unsafe { q.InformationBuffer.cast::<u32>().write_unaligned(value) };
    q.BytesWritten = if f.oid_bytes_written_too_big {
        q.InformationBufferLength + 8
    } else {
        4
    };
    NDIS_STATUS_SUCCESS
}

unsafe extern "system" fn complete_oid_work(ctx: PVOID, _wi: NDIS_HANDLE) {
    let a = adapter(ctx);
    let req = a.pending_oid.swap(std::ptr::null_mut(), Ordering::SeqCst);
    if req.is_null() {
        return;
    }
    // SAFETY: the pended request stays valid until completed.
    let r = unsafe { &mut *req };
    let status = set_query_result(r, 0x8086, &a.faults);
    let status = if a.faults.oid_complete_pending {
        NDIS_STATUS_PENDING
    } else {
        status
    };
    // SAFETY: completing the request that pended.
    unsafe { NdisMOidRequestComplete(a.handle, req, status) };
    if a.faults.oid_complete_twice {
        // SAFETY: deliberately completing twice.
        unsafe { NdisMOidRequestComplete(a.handle, req, status) };
    }
}

unsafe extern "system" fn oid_request(ctx: NDIS_HANDLE, req: *mut NDIS_OID_REQUEST) -> NDIS_STATUS {
    let a = adapter(ctx);
    let f = a.faults;
    // SAFETY: NDIS passes a valid request.
    let r = unsafe { &mut *req };
    // SAFETY: every request type starts with the OID at the same offset.
    let oid = unsafe { r.DATA.QUERY_INFORMATION.Oid };
    if f.leave_spin_lock_held {
        let mut l = a.lock.lock().unwrap();
        // SAFETY: our spin lock storage.
        unsafe { NdisAllocateSpinLock(&mut *l) };
        // SAFETY: acquiring (and deliberately never releasing) our spin lock.
        unsafe { NdisAcquireSpinLock(&mut *l) };
    }
    match (r.RequestType, oid) {
        (NdisRequestQueryInformation, OID_GEN_MAXIMUM_TOTAL_SIZE) => set_query_result(r, 1514, &f),
        (NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER) => {
            // SAFETY: a set request.
            let s = unsafe { &mut r.DATA.SET_INFORMATION };
            if s.InformationBufferLength < 4 {
                s.BytesNeeded = 4;
                return NDIS_STATUS_INVALID_LENGTH;
            }
            s.BytesRead = 4;
            NDIS_STATUS_SUCCESS
        }
        (NdisRequestQueryInformation, OID_GEN_VENDOR_ID) => {
            a.pending_oid.store(req, Ordering::SeqCst);
            if !(f.oid_never_complete || f.ignore_oid_cancel) {
                // SAFETY: queueing our work item to complete the request at PASSIVE.
                unsafe { NdisQueueIoWorkItem(a.work_item, Some(complete_oid_work), ctx) };
            }
            NDIS_STATUS_PENDING
        }
        (_, OID_UNLISTED) if f.accept_unlisted_oid => NDIS_STATUS_SUCCESS,
        _ => NDIS_STATUS_NOT_SUPPORTED,
    }
}

unsafe extern "system" fn cancel_oid(ctx: NDIS_HANDLE, _request_id: PVOID) {
    let a = adapter(ctx);
    if a.faults.ignore_oid_cancel {
        return;
    }
    let req = a.pending_oid.swap(std::ptr::null_mut(), Ordering::SeqCst);
    if !req.is_null() {
        // SAFETY: completing the cancelled request.
        unsafe { NdisMOidRequestComplete(a.handle, req, NDIS_STATUS_REQUEST_ABORTED) };
    }
}

fn read_nbl(p: *mut NET_BUFFER_LIST) -> NET_BUFFER_LIST {
    // SAFETY: every NBL this miniport touches is valid (its own, or one NDIS handed over).
    unsafe { p.read() }
}

fn write_nbl(p: *mut NET_BUFFER_LIST, v: NET_BUFFER_LIST) {
    // SAFETY: as in `read_nbl`; the miniport owns the NBL while it writes it.
    unsafe { p.write(v) }
}

fn nbl_next(p: *mut NET_BUFFER_LIST) -> *mut NET_BUFFER_LIST {
    let v = read_nbl(p);
    // SAFETY: the NBL_DATA view of the header union (plain pointers).
    unsafe { v.NetBufferListHeader.NetBufferListData }.Next
}

fn set_nbl_next(p: *mut NET_BUFFER_LIST, next: *mut NET_BUFFER_LIST) {
    let mut v = read_nbl(p);
    v.NetBufferListHeader.NetBufferListData.Next = next;
    write_nbl(p, v);
}

fn set_status(nbl: usize, status: NDIS_STATUS) {
    let p = nbl as *mut NET_BUFFER_LIST;
    let mut v = read_nbl(p);
    v.StatusUnion.Status = status;
    write_nbl(p, v);
}

fn complete_list(a: &Adapter, nbls: &[usize], status: NDIS_STATUS, at_dispatch: bool) {
    if nbls.is_empty() {
        return;
    }
    for (i, &nbl) in nbls.iter().enumerate() {
        if !a.faults.skip_send_status {
            set_status(nbl, status);
        }
        let p = nbl as *mut NET_BUFFER_LIST;
        let lso = read_nbl(p).lso_info();
        if status == NDIS_STATUS_SUCCESS
            && lso.Type() == NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE
            && !a.faults.lso_complete_untouched
        {
            // LsoV2TransmitComplete: Type V2, Reserved 0 (nbllso.h).
            let mut v = read_nbl(p);
            v.set_lso_info(
                NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(0)
                    .with_Type(NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE),
            );
            write_nbl(p, v);
        }
        let next = nbls.get(i + 1).copied().unwrap_or(0) as *mut NET_BUFFER_LIST;
        set_nbl_next(nbl as *mut NET_BUFFER_LIST, next);
        if a.faults.clobber_send_chain {
            // Deliberately drop the NB chain of an owned NBL.
            let mut v = read_nbl(nbl as *mut NET_BUFFER_LIST);
            v.NetBufferListHeader.NetBufferListData.FirstNetBuffer = std::ptr::null_mut();
            write_nbl(nbl as *mut NET_BUFFER_LIST, v);
        }
    }
    let mut flags = if at_dispatch {
        NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL
    } else {
        0
    };
    if a.faults.wrong_send_complete_flag {
        flags ^= NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL;
    }
    // SAFETY: completing NBLs NDIS sent us.
    unsafe { NdisMSendNetBufferListsComplete(a.handle, nbls[0] as *mut NET_BUFFER_LIST, flags) };
    if a.faults.complete_foreign_nbl {
        let own = a.rx_free.lock().unwrap().last().copied();
        if let Some(own) = own {
            set_nbl_next(own as *mut NET_BUFFER_LIST, std::ptr::null_mut());
            // SAFETY: deliberately "completing" an NBL NDIS never sent (our receive NBL).
            unsafe {
                NdisMSendNetBufferListsComplete(a.handle, own as *mut NET_BUFFER_LIST, flags)
            };
        }
    }
    if a.faults.complete_sends_twice {
        // SAFETY: deliberately completing again.
        unsafe {
            NdisMSendNetBufferListsComplete(a.handle, nbls[0] as *mut NET_BUFFER_LIST, flags)
        };
    }
}

fn complete_queued_sends(a: &Adapter, status: NDIS_STATUS, at_dispatch: bool) {
    let nbls: Vec<usize> = a.tx_queue.lock().unwrap().drain(..).collect();
    complete_list(a, &nbls, status, at_dispatch);
}

unsafe extern "system" fn send(
    ctx: NDIS_HANDLE,
    nbl: *mut NET_BUFFER_LIST,
    _port: NDIS_PORT_NUMBER,
    flags: ULONG,
) {
    let a = adapter(ctx);
    let mut list = Vec::new();
    let mut cur = nbl;
    while !cur.is_null() {
        list.push(cur as usize);
        cur = nbl_next(cur);
    }
    let at_dispatch = flags & NDIS_SEND_FLAGS_DISPATCH_LEVEL != 0;
    for &n in &list {
        a.sent_frames
            .lock()
            .unwrap()
            .push(nb_frames(n as *mut NET_BUFFER_LIST));
    }
    if a.paused.load(Ordering::SeqCst) {
        if a.faults.drop_paused_sends {
            return;
        }
        let status = if a.faults.complete_paused_sends_with_success {
            NDIS_STATUS_SUCCESS
        } else {
            NDIS_STATUS_PAUSED
        };
        complete_list(a, &list, status, at_dispatch);
        return;
    }
    // Queued until the transmit interrupt's DPC completes them.
    a.tx_queue.lock().unwrap().extend(list);
}

/// Each NB's data of a send NBL, read with the drivers' own MDL walker.
fn nb_frames(nbl: *mut NET_BUFFER_LIST) -> Vec<Option<Vec<u8>>> {
    let v = read_nbl(nbl);
    // SAFETY: the NBL_DATA view of the header union.
    let mut nb = unsafe { v.NetBufferListHeader.NetBufferListData }.FirstNetBuffer;
    let mut out = Vec::new();
    while !nb.is_null() && out.len() < 64 {
        // SAFETY: an NB of an NBL NDIS handed over, valid until completion.
        let Some(view) = (unsafe { ndis::buffer::NetBufferData::from_raw(nb) }) else {
            break;
        };
        let mut data = vec![0u8; view.data_length().min(1 << 20)];
        let copied = view.copy_out(&ndis::buffer::SystemMappedMdls, 0, &mut data);
        out.push(match copied {
            Ok(n) if n == data.len() => Some(data),
            _ => None,
        });
        // SAFETY: as above.
        let header = unsafe { nb.read() }.NetBufferHeader;
        // SAFETY: the NET_BUFFER_DATA view of the header union (plain pointers).
        nb = unsafe { header.NetBufferData }.Next;
    }
    out
}

unsafe extern "system" fn return_nbls(ctx: NDIS_HANDLE, nbl: *mut NET_BUFFER_LIST, _flags: ULONG) {
    let a = adapter(ctx);
    let mut cur = nbl;
    while !cur.is_null() {
        let next = nbl_next(cur);
        a.rx_free.lock().unwrap().push(cur as usize);
        cur = next;
    }
}

/// Indicates one receive NBL (frame byte pattern `tag`) if one is free.
fn indicate_one(a: &Adapter, tag: u8) {
    let f = a.faults;
    let nbl = if f.reindicate_owned {
        a.rx_free.lock().unwrap().last().copied()
    } else {
        a.rx_free.lock().unwrap().pop()
    };
    let Some(nbl) = nbl else { return };
    let p = nbl as *mut NET_BUFFER_LIST;
    let v = read_nbl(p);
    // SAFETY: the NBL_DATA view; the pool gave this NBL one NB with a 2048-byte data buffer.
    let nb = unsafe { v.NetBufferListHeader.NetBufferListData }.FirstNetBuffer;
    // SAFETY: the NB of our NBL is valid.
    let nb_value = unsafe { nb.read() };
    // SAFETY: the NET_BUFFER_DATA view of the header union.
    let mdl = unsafe { nb_value.NetBufferHeader.NetBufferData }.MdlChain;
    // SAFETY: the pool's MDL is valid.
    let va = unsafe { mdl.read() }.MappedSystemVa.cast::<u8>();
    // SAFETY: writing 64 bytes into the 2048-byte buffer.
    unsafe { std::ptr::write_bytes(va, tag, 64) };
    // DataLength 64 (the pool NB was allocated with it), or a claim beyond the 2048-byte MDL.
    let mut nbv = nb_value;
    nbv.NetBufferHeader.NetBufferData.NbDataLength = NET_BUFFER_DATA_LENGTH {
        stDataLength: if f.receive_short_chain { 4096 } else { 64 },
    };
    // SAFETY: our own NB.
    unsafe { nb.write(nbv) };
    set_nbl_next(p, std::ptr::null_mut());
    let at_dispatch = ndis_emu::current_irql() >= ndis_emu::Irql::Dispatch;
    let mut flags = if at_dispatch {
        NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL
    } else {
        0
    };
    if f.wrong_receive_flag {
        flags ^= NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL;
    }
    if f.receive_with_resources {
        flags |= NDIS_RECEIVE_FLAGS_RESOURCES;
    }
    let mut v = read_nbl(p);
    let (checksum, vlan, hash, hash_info) = if f.receive_with_info {
        RX_INFO
    } else {
        (0, 0, 0, 0)
    };
    v.set_checksum_info(NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(
        checksum,
    ));
    v.set_ieee8021q_info(NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(vlan));
    v.set_hash_value(hash);
    v.set_hash_info(hash_info);
    write_nbl(p, v);
    let count = if f.wrong_receive_count { 2 } else { 1 };
    // SAFETY: indicating our own NBL.
    unsafe { NdisMIndicateReceiveNetBufferLists(a.handle, p, 0, count, flags) };
    if f.reindicate_owned {
        // SAFETY: deliberately indicating the same NBL again while NDIS owns it.
        unsafe { NdisMIndicateReceiveNetBufferLists(a.handle, p, 0, count, flags) };
    }
    if f.receive_with_resources {
        // NDIS_RECEIVE_FLAGS_RESOURCES: ours again now. Reuse the buffer at once, as a driver
        // short of buffers does; NDIS must have copied what it needed during the call.
        // SAFETY: our own 2048-byte receive buffer.
        unsafe { std::ptr::write_bytes(va, 0, 64) };
        a.rx_free.lock().unwrap().push(nbl);
    }
}

unsafe extern "system" fn timer_fn(_s1: PVOID, ctx: PVOID, _s2: PVOID, _s3: PVOID) {
    adapter(ctx).timer_fired.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "system" fn isr(
    _ctx: NDIS_HANDLE,
    queue_dpc: *mut BOOLEAN,
    _targets: *mut ULONG,
) -> BOOLEAN {
    // SAFETY: NDIS passes a valid out pointer.
    unsafe { *queue_dpc = 1 };
    1
}

unsafe extern "system" fn dpc(ctx: NDIS_HANDLE, _dpc_ctx: PVOID, _throttle: PVOID, _r: PVOID) {
    service(adapter(ctx), 0);
}

unsafe extern "system" fn msi_isr(
    ctx: NDIS_HANDLE,
    message: ULONG,
    queue_dpc: *mut BOOLEAN,
    _targets: *mut ULONG,
) -> BOOLEAN {
    let a = adapter(ctx);
    if !a.bar0.load(Ordering::SeqCst).is_null() {
        // Mask the message's cause until the DPC ran (a register write at DIRQL).
        reg_write(a, REG_EIMC, 1 << (message % 32));
        a.isr_register_writes.fetch_add(1, Ordering::SeqCst);
    }
    // SAFETY: NDIS passes a valid out pointer.
    unsafe { *queue_dpc = 1 };
    1
}

unsafe extern "system" fn msi_dpc(
    ctx: NDIS_HANDLE,
    message: ULONG,
    _dpc_ctx: PVOID,
    _throttle: PVOID,
    _r: PVOID,
) {
    service(adapter(ctx), message);
}

fn test_hooks(a: &Adapter, message: u32) {
    match message {
        0 | 1 if a.rendezvous.load(Ordering::SeqCst) => {
            // Each waits (bounded) for the other: both finish early only if they overlap.
            a.met[message as usize].store(true, Ordering::SeqCst);
            let other = &a.met[1 - message as usize];
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
            while !other.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                std::thread::yield_now();
            }
            // Saw the other while still running: the two DPCs overlapped.
            a.overlapped[message as usize].store(other.load(Ordering::SeqCst), Ordering::SeqCst);
        }
        2 => {
            let left = a.chain.load(Ordering::SeqCst);
            if left > 0 {
                a.chain.store(left - 1, Ordering::SeqCst);
                // The device raises message 2 synchronously inside this register write.
                reg_write(a, REG_ICS, 2);
            }
        }
        3 if a.requeue_once.swap(false, Ordering::SeqCst) => {
            let mut affinity = GROUP_AFFINITY {
                Mask: 1 << 0,
                Group: 0,
                Reserved: [0; 3],
            };
            // SAFETY: our interrupt handle; queues this message's DPC on processor 0 while it
            // runs on processor 1 (it must not start until this run returns).
            unsafe { NdisMQueueDpcEx(a.interrupt, 3, &mut affinity, std::ptr::null_mut()) };
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
        _ => {}
    }
}

/// The DPC: message 0 = receive one frame, message 1 = transmit completions.
fn service(a: &Adapter, message: u32) {
    a.dpcs.fetch_add(1, Ordering::SeqCst);
    let m = (message as usize).min(3);
    if a.dpc_running[m].fetch_add(1, Ordering::SeqCst) != 0 {
        a.same_message_overlap.store(true, Ordering::SeqCst);
    }
    if let Some(p) = ndis_emu::current_processor() {
        a.dpc_processor[m].store(p as usize, Ordering::SeqCst);
    }
    a.dpc_runs[m].fetch_add(1, Ordering::SeqCst);
    test_hooks(a, message);
    a.dpc_running[m].fetch_sub(1, Ordering::SeqCst);
    if a.faults.long_stall_in_dpc {
        // SAFETY: a stall at DISPATCH_LEVEL, deliberately longer than 50 µs.
        unsafe { KeStallExecutionProcessor(200) };
    }
    if a.faults.sleep_in_dpc {
        // SAFETY: deliberately a PASSIVE-only wait at DISPATCH_LEVEL.
        unsafe { NdisMSleep(10) };
    }
    if a.faults.passive_call_from_dpc {
        let mut va: PVOID = std::ptr::null_mut();
        let mut pa: NDIS_PHYSICAL_ADDRESS = 0;
        // SAFETY: valid out pointers; deliberately a PASSIVE-only call at DISPATCH.
        unsafe { NdisMAllocateSharedMemory(a.handle, 64, 0, &mut va, &mut pa) };
        if !va.is_null() {
            // SAFETY: freeing what was just allocated.
            unsafe { NdisMFreeSharedMemory(a.handle, 64, 0, va, pa) };
        }
    }
    match message {
        0 => {
            if !a.paused.load(Ordering::SeqCst) || a.faults.receive_when_paused {
                indicate_one(a, 0xA5);
            }
        }
        _ => complete_queued_sends(a, NDIS_STATUS_SUCCESS, true),
    }
}

/// A small device model for the test miniport: BAR 0 registers in a map, a PCI config space
/// (4 KiB, optionally with an SR-IOV capability), interrupts raised by writing a message number
/// to `REG_ICS`, and receive DMA into the ring `REG_RDBAL/H` points at while `REG_RXDCTL` is
/// enabled.
pub struct TestDevice {
    regs: Mutex<std::collections::HashMap<(u8, u64), u32>>,
    config: Mutex<Vec<u8>>,
    port: Mutex<Option<ndis_emu::DevicePort>>,
    pub attached: AtomicUsize,
}

impl Default for TestDevice {
    fn default() -> Self {
        Self {
            regs: Mutex::new(std::collections::HashMap::new()),
            config: Mutex::new(vec![0; 4096]),
            port: Mutex::new(None),
            attached: AtomicUsize::new(0),
        }
    }
}

/// The SR-IOV capability offset [`TestDevice::with_sriov`] uses (after AER at 0x100 and ARI at
/// 0x150, as on the 82576: igb-hardware.md).
pub const SRIOV_CAP: usize = 0x160;

impl TestDevice {
    /// A device whose config space has AER → ARI → SR-IOV (TotalVFs `total`, First VF Offset
    /// `first`, VF Stride `stride`, ARI Capable Hierarchy set in SR-IOV Control).
    pub fn with_sriov(total: u16, first: u16, stride: u16) -> Self {
        let d = Self::default();
        {
            let mut c = d.config.lock().unwrap();
            let mut put32 = |off: usize, v: u32| c[off..off + 4].copy_from_slice(&v.to_le_bytes());
            put32(0x100, 0x0001 | (1 << 16) | (0x150 << 20)); // AER, next 0x150
            put32(0x150, 0x000E | (1 << 16) | ((SRIOV_CAP as u32) << 20)); // ARI, next SR-IOV
            put32(SRIOV_CAP, 0x0010 | (1 << 16)); // SR-IOV, last
            put32(SRIOV_CAP + 0x08, 1 << 4); // Control: ARI Capable Hierarchy
            put32(
                SRIOV_CAP + 0x0C,
                u32::from(total) | (u32::from(total) << 16),
            ); // Initial/Total
            put32(
                SRIOV_CAP + 0x14,
                u32::from(first) | (u32::from(stride) << 16),
            );
        }
        d
    }

    pub fn config_u16(&self, offset: usize) -> u16 {
        let c = self.config.lock().unwrap();
        u16::from_le_bytes([c[offset], c[offset + 1]])
    }

    pub fn reg(&self, offset: u64) -> u32 {
        self.regs
            .lock()
            .unwrap()
            .get(&(0, offset))
            .copied()
            .unwrap_or(0)
    }

    pub fn port(&self) -> ndis_emu::DevicePort {
        self.port.lock().unwrap().clone().expect("attached")
    }

    fn ring(&self) -> u64 {
        u64::from(self.reg(REG_RDBAL)) | (u64::from(self.reg(REG_RDBAH)) << 32)
    }

    /// The device writes `data` at the start of the receive ring (a receive descriptor
    /// write-back), whether or not the driver still owns that memory.
    pub fn receive_into_ring(&self, data: &[u8]) -> bool {
        self.port().dma_write(self.ring(), data)
    }

    /// The device reads the start of the receive ring.
    pub fn read_ring(&self, buf: &mut [u8]) -> bool {
        self.port().dma_read(self.ring(), buf)
    }
}

impl ndis_emu::HardwareBackend for TestDevice {
    fn attach(&self, port: ndis_emu::DevicePort) {
        self.attached.fetch_add(1, Ordering::SeqCst);
        *self.port.lock().unwrap() = Some(port);
    }

    fn dma_may_target(&self, physical: u64, len: u64) -> bool {
        let ring = self.ring();
        self.reg(REG_RXDCTL) & RXDCTL_ENABLE != 0 && physical < ring + 4096 && ring < physical + len
    }

    fn mmio_read32(&self, bar: u8, offset: u64) -> u32 {
        self.regs
            .lock()
            .unwrap()
            .get(&(bar, offset))
            .copied()
            .unwrap_or(0)
    }

    fn mmio_write32(&self, bar: u8, offset: u64, value: u32) {
        self.regs.lock().unwrap().insert((bar, offset), value);
        if bar == 0 && offset == REG_ICS {
            // Synchronously, on whatever thread wrote the register (the driver's DPC/ISR too).
            self.port().raise(value);
        }
    }

    fn config_read(&self, offset: u32, buf: &mut [u8]) -> usize {
        let c = self.config.lock().unwrap();
        let start = offset as usize;
        if start >= c.len() {
            return 0;
        }
        let n = buf.len().min(c.len() - start);
        buf[..n].copy_from_slice(&c[start..start + n]);
        n
    }

    fn config_write(&self, offset: u32, data: &[u8]) -> usize {
        let mut c = self.config.lock().unwrap();
        let start = offset as usize;
        if start >= c.len() {
            return 0;
        }
        let n = data.len().min(c.len() - start);
        c[start..start + n].copy_from_slice(&data[..n]);
        n
    }
}

/// Loads the test miniport with `faults` and adds an adapter backed by `device`.
pub fn adapter_on(faults: Faults, device: &std::sync::Arc<TestDevice>) -> (EmuDriver, EmuAdapter) {
    let driver = load(faults);
    let config = AdapterConfig {
        backend: Some(device.clone()),
        ..AdapterConfig::default()
    };
    let adapter = driver.add_adapter(config).expect("initializes");
    (driver, adapter)
}
