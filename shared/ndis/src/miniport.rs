//! The miniport framework both drivers share: a safe trait per driver and adapter, and the
//! generic `extern "system"` trampolines NDIS calls (the same code on Windows and in the
//! user-mode NDIS emulator).
//!
//! Ownership: `MiniportInitializeEx` boxes the adapter and registers the box's pointer as the
//! `MiniportAdapterContext`; every later handler borrows it (`&A`), and `MiniportHaltEx` takes
//! the box back and drops it. NDIS never calls another handler for the adapter after halt
//! returns (N/halting-a-miniport-adapter.md), which is what makes the borrow sound. Handlers
//! run concurrently (sends at DISPATCH beside a PASSIVE OID), so adapters use interior
//! locking.

extern crate alloc;

use alloc::boxed::Box;
use core::ffi::c_void;
use core::mem::size_of;

use ndis_abi::*;

use crate::adapter::AdapterHandle;
use crate::nbl::NblChain;
use crate::oid::OidRequest;
use crate::status::{NdisError, NdisResult, to_status};

/// What `MiniportInitializeEx` gets, in safe form: the adapter being initialized, with the
/// init-time NDIS calls as safe methods. Only the framework creates one, for the duration of
/// `MiniportInitializeEx`, which is what makes the handle valid for every method.
pub struct InitContext {
    adapter: AdapterHandle,
    parameters: *const NDIS_MINIPORT_INIT_PARAMETERS,
}

/// One memory resource (a BAR) from the init parameters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MemoryResource {
    /// Bus-relative (translated) physical address.
    pub physical: u64,
    /// Length in bytes.
    pub length: u32,
}

/// The hardware-assist capability pairs (hardware, current) a miniport reports; a kind it does
/// not support is `None` in both (NDIS-ATTR-5 pairing).
#[derive(Default)]
pub struct HardwareAssist<'a> {
    /// SR-IOV capabilities.
    pub sriov: Option<(
        &'a mut NDIS_SRIOV_CAPABILITIES,
        &'a mut NDIS_SRIOV_CAPABILITIES,
    )>,
    /// NIC switch capabilities.
    pub nic_switch: Option<(
        &'a mut NDIS_NIC_SWITCH_CAPABILITIES,
        &'a mut NDIS_NIC_SWITCH_CAPABILITIES,
    )>,
    /// Receive filter capabilities.
    pub receive_filter: Option<(
        &'a mut NDIS_RECEIVE_FILTER_CAPABILITIES,
        &'a mut NDIS_RECEIVE_FILTER_CAPABILITIES,
    )>,
}

impl InitContext {
    /// The adapter's handle, to keep for calls after initialization.
    #[must_use]
    pub const fn adapter(&self) -> AdapterHandle {
        self.adapter
    }

    /// Sets the registration attributes (first, before anything that claims hardware).
    pub fn set_registration_attributes(&self, adapter_context: AdapterContext) -> NdisResult {
        // SAFETY: the handle is the initializing adapter's and the context the framework's.
        unsafe { crate::adapter::set_registration_attributes(self.adapter.raw(), adapter_context) }
    }

    /// Sets the general attributes: identity, link, `SupportedOidList` and, when given, the RSS
    /// capabilities.
    pub fn set_general_attributes(
        &self,
        identity: &crate::ethernet::AdapterIdentity,
        link: crate::ethernet::LinkState,
        oids: &[NDIS_OID],
        rss: Option<&mut NDIS_RECEIVE_SCALE_CAPABILITIES>,
    ) -> NdisResult {
        let mut general = crate::ethernet::general_attributes(identity, link, oids);
        if let Some(rss) = rss {
            general.RecvScaleCapabilities = rss;
        }
        // SAFETY: `general` points only at `oids`, `identity` data and `rss`, all borrowed for
        // the call.
        unsafe { set_attributes(self.adapter.raw(), &mut general) }
    }

    /// Sets the hardware-assist attributes (revision 3).
    pub fn set_hardware_assist(&self, assist: HardwareAssist<'_>) -> NdisResult {
        fn pair<T>(pair: Option<(&mut T, &mut T)>) -> (*mut T, *mut T) {
            pair.map_or((core::ptr::null_mut(), core::ptr::null_mut()), |(h, c)| {
                (h as *mut T, c as *mut T)
            })
        }
        let mut attributes = NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES::zeroed();
        attributes.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES,
            NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES_REVISION_3,
            NDIS_SIZEOF_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES_REVISION_3,
        );
        (
            attributes.HardwareSriovCapabilities,
            attributes.CurrentSriovCapabilities,
        ) = pair(assist.sriov);
        (
            attributes.HardwareNicSwitchCapabilities,
            attributes.CurrentNicSwitchCapabilities,
        ) = pair(assist.nic_switch);
        (
            attributes.HardwareReceiveFilterCapabilities,
            attributes.CurrentReceiveFilterCapabilities,
        ) = pair(assist.receive_filter);
        // SAFETY: every pointer comes from a `&mut` borrowed for the call.
        unsafe { set_attributes(self.adapter.raw(), &mut attributes) }
    }

    /// Opens the adapter's registry keywords (closed when dropped).
    pub fn keywords(&self) -> NdisResult<crate::config::NdisKeywords> {
        // SAFETY: the handle is the initializing adapter's.
        unsafe { crate::config::NdisKeywords::open(self.adapter.raw()) }
    }

    /// `(vendor id, device id)` from PCI configuration space.
    #[must_use]
    pub fn pci_ids(&self) -> Option<(u16, u16)> {
        crate::pci::read_pci_ids(self.adapter)
    }

    /// The function's SR-IOV capability (TotalVFs), `None` if config space shows none.
    #[must_use]
    pub fn sriov_capability(&self) -> Option<crate::pci::SriovCapability> {
        crate::pci::sriov_capability(|offset| crate::pci::read_config_u32(self.adapter, offset))
    }

    /// The memory resources (BARs) NDIS assigned, in resource-list order.
    #[must_use]
    pub fn memory_resources(&self) -> alloc::vec::Vec<MemoryResource> {
        self.resources()
            .filter(|d| d.Type == CmResourceTypeMemory)
            .filter_map(|d| {
                // SAFETY: a CmResourceTypeMemory descriptor's union member is `Memory`.
                let memory = unsafe { d.u.Memory };
                let start = memory.Start;
                let length = memory.Length;
                Some(MemoryResource {
                    physical: u64::try_from(start).ok()?,
                    length,
                })
            })
            .collect()
    }

    /// The first memory resource of at least `length` bytes (a device's register BAR, told
    /// apart from smaller ones such as the MSI-X table BAR).
    #[must_use]
    pub fn memory_resource_at_least(&self, length: u32) -> Option<MemoryResource> {
        self.memory_resources()
            .into_iter()
            .find(|resource| resource.length >= length)
    }

    /// MSI/MSI-X messages NDIS granted (0 when only a line interrupt was assigned).
    #[must_use]
    pub fn message_count(&self) -> u32 {
        self.resources()
            .filter(|d| {
                d.Type == CmResourceTypeInterrupt && d.Flags & CM_RESOURCE_INTERRUPT_MESSAGE != 0
            })
            .map(|d| {
                // SAFETY: a message-interrupt descriptor's union member is `MessageInterrupt`.
                let message = unsafe { d.u.MessageInterrupt };
                // SAFETY: the raw view of the message union carries the count.
                let raw = unsafe { message.Raw };
                u32::from(raw.MessageCount)
            })
            .fold(0u32, u32::saturating_add)
    }

    fn resources(&self) -> impl Iterator<Item = CM_PARTIAL_RESOURCE_DESCRIPTOR> + '_ {
        // SAFETY: NDIS passes valid init parameters for the duration of MiniportInitializeEx.
        let list = unsafe { self.parameters.as_ref() }
            .map_or(core::ptr::null(), |p| p.AllocatedResources.cast_const());
        // SAFETY: when non-null, `AllocatedResources` is NDIS's resource list for the call.
        let count = unsafe { list.as_ref() }.map_or(0, |list| list.Count);
        let first = if list.is_null() {
            core::ptr::null()
        } else {
            // SAFETY: only the address of the in-place array is taken.
            unsafe { core::ptr::addr_of!((*list).PartialDescriptors) }
                .cast::<CM_PARTIAL_RESOURCE_DESCRIPTOR>()
        };
        // A resource list longer than this is corrupt; bound the walk.
        (0..count.min(64) as usize).map(move |index| {
            let descriptor = first.wrapping_add(index);
            // SAFETY: `index < Count`: the descriptor is inside NDIS's list.
            unsafe { descriptor.read_unaligned() }
        })
    }

    /// Maps memory resource `resource` (an element of [`Self::memory_resources`]).
    pub fn map_io_space(&self, resource: MemoryResource) -> NdisResult<crate::io::IoSpace> {
        crate::io::IoSpace::map(self.adapter, resource.physical, resource.length)
    }

    /// Registers scatter/gather DMA (before any shared memory).
    pub fn register_scatter_gather_dma<H: crate::dma::SgListHandler>(
        &self,
        maximum_mapping: u32,
    ) -> NdisResult<crate::dma::ScatterGatherDma> {
        crate::dma::ScatterGatherDma::register::<H>(self.adapter, maximum_mapping)
    }

    /// Registers the adapter's interrupt with `handler`.
    pub fn register_interrupt<H: crate::interrupt::InterruptHandler>(
        &self,
        handler: H,
    ) -> NdisResult<crate::interrupt::Interrupt<H>> {
        crate::interrupt::Interrupt::register(self.adapter, handler)
    }
}

/// The `MiniportAdapterContext` the framework registers for an adapter: opaque to drivers,
/// which only pass it to the registration attributes.
#[derive(Clone, Copy, Debug)]
pub struct AdapterContext(NDIS_HANDLE);

impl AdapterContext {
    /// The raw context value for `NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES`.
    #[must_use]
    pub const fn raw(self) -> NDIS_HANDLE {
        self.0
    }
}

/// The outcome of an operation that may complete later.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Completion {
    /// Done now with this result.
    Done(NdisResult),
    /// The handler returned `NDIS_STATUS_PENDING` and will call the completion function.
    Pending,
}

impl Completion {
    /// The status to return to NDIS.
    #[must_use]
    pub const fn status(self) -> NDIS_STATUS {
        match self {
            Self::Done(result) => to_status(result),
            Self::Pending => NDIS_STATUS_PENDING,
        }
    }
}

/// One adapter instance of a miniport.
pub trait MiniportAdapter: Send + Sync + 'static {
    /// `MiniportHaltEx`: release everything. The adapter is dropped afterwards.
    fn halt(&self, action: NDIS_HALT_ACTION);
    /// `MiniportPause`: stop the data path. Pause cannot fail; `Pending` means the adapter
    /// calls `NdisMPauseComplete` later.
    fn pause(&self) -> Completion;
    /// `MiniportRestart`.
    fn restart(&self) -> Completion;
    /// `MiniportOidRequest`.
    fn oid_request(&self, request: &mut OidRequest<'_>) -> Completion;
    /// `MiniportCancelOidRequest`.
    fn cancel_oid_request(&self, request_id: PVOID);
    /// `MiniportSendNetBufferLists`: the adapter owns `chain` and completes every NBL exactly
    /// once.
    fn send(&self, chain: NblChain, port: NDIS_PORT_NUMBER, flags: ULONG);
    /// `MiniportReturnNetBufferLists`.
    fn return_net_buffer_lists(&self, chain: NblChain, flags: ULONG);
    /// `MiniportCancelSend`.
    fn cancel_send(&self, cancel_id: PVOID);
    /// `MiniportDevicePnPEventNotify`.
    fn device_pnp_event(&self, event: NDIS_DEVICE_PNP_EVENT);
    /// `MiniportShutdownEx`.
    fn shutdown(&self, action: NDIS_SHUTDOWN_ACTION);
}

/// A miniport driver: how to bring up an adapter.
pub trait MiniportDriver: 'static {
    /// The adapter type.
    type Adapter: MiniportAdapter;
    /// Driver version (major, minor) given to NDIS at registration.
    const VERSION: (u8, u8);
    /// Where the driver's `NdisMRegisterMiniportDriver` handles are kept for unload.
    fn registrations() -> &'static DriverRegistrations;
    /// `MiniportInitializeEx`: set the attributes (registration first; the framework passes
    /// the context pointer the registration attributes must carry) and bring the adapter up
    /// Paused. On failure everything allocated must already be released.
    fn initialize(
        context: &InitContext,
        adapter_context: AdapterContext,
        adapter: &mut Option<Box<Self::Adapter>>,
    ) -> NdisResult;
}

/// Allocates the adapter box before initialization so its address (the
/// `MiniportAdapterContext`) is known when the registration attributes are set.
unsafe extern "system" fn initialize_ex<D: MiniportDriver>(
    adapter_handle: NDIS_HANDLE,
    _driver_context: NDIS_HANDLE,
    parameters: *mut NDIS_MINIPORT_INIT_PARAMETERS,
) -> NDIS_STATUS {
    let context = InitContext {
        // SAFETY: the handle NDIS passed to MiniportInitializeEx for this adapter.
        adapter: unsafe { AdapterHandle::new(adapter_handle) },
        parameters,
    };
    // The adapter is boxed inside an outer box so the context pointer is stable before the
    // adapter itself exists.
    let mut slot: Box<Option<Box<D::Adapter>>> = Box::new(None);
    let slot_ptr: *mut Option<Box<D::Adapter>> = &mut *slot;
    match D::initialize(
        &context,
        AdapterContext(slot_ptr.cast::<c_void>()),
        &mut slot,
    ) {
        Ok(()) if slot.is_some() => {
            let _ = Box::into_raw(slot);
            NDIS_STATUS_SUCCESS
        }
        Ok(()) => NDIS_STATUS_FAILURE,
        Err(error) => error.status(),
    }
}

/// The adapter behind a `MiniportAdapterContext`, or `None` for a bad context.
///
/// # Safety
/// `context` is null or the context `initialize_ex::<D>` registered, not yet halted.
unsafe fn adapter<'a, D: MiniportDriver>(context: NDIS_HANDLE) -> Option<&'a D::Adapter> {
    let slot = context.cast::<Option<Box<D::Adapter>>>();
    if slot.is_null() {
        return None;
    }
    // SAFETY: caller's contract: `slot` is the live slot leaked by `initialize_ex::<D>`, which
    // only `halt_ex` frees, after NDIS's last call for the adapter.
    unsafe { (*slot).as_deref() }
}

unsafe extern "system" fn halt_ex<D: MiniportDriver>(
    context: NDIS_HANDLE,
    action: NDIS_HALT_ACTION,
) {
    let slot = context.cast::<Option<Box<D::Adapter>>>();
    if slot.is_null() {
        return;
    }
    // SAFETY: NDIS passes the context registered at initialization, and calls halt once, last.
    let slot = unsafe { Box::from_raw(slot) };
    if let Some(adapter) = slot.as_deref() {
        adapter.halt(action);
    }
    drop(slot);
}

unsafe extern "system" fn pause<D: MiniportDriver>(
    context: NDIS_HANDLE,
    _parameters: *mut NDIS_MINIPORT_PAUSE_PARAMETERS,
) -> NDIS_STATUS {
    // SAFETY: NDIS passes the registered context of a live adapter.
    match unsafe { adapter::<D>(context) } {
        Some(adapter) => adapter.pause().status(),
        // Pause cannot fail (D/ndis/nc-ndis-miniport_pause.md); nothing to pause.
        None => NDIS_STATUS_SUCCESS,
    }
}

unsafe extern "system" fn restart<D: MiniportDriver>(
    context: NDIS_HANDLE,
    _parameters: *mut NDIS_MINIPORT_RESTART_PARAMETERS,
) -> NDIS_STATUS {
    // SAFETY: NDIS passes the registered context of a live adapter.
    match unsafe { adapter::<D>(context) } {
        Some(adapter) => adapter.restart().status(),
        None => NDIS_STATUS_FAILURE,
    }
}

unsafe extern "system" fn oid_request<D: MiniportDriver>(
    context: NDIS_HANDLE,
    request: *mut NDIS_OID_REQUEST,
) -> NDIS_STATUS {
    // SAFETY: NDIS passes the registered context of a live adapter.
    let Some(adapter) = (unsafe { adapter::<D>(context) }) else {
        return NDIS_STATUS_FAILURE;
    };
    // SAFETY: NDIS hands the miniport a valid request whose buffer is valid for the stated
    // lengths until the request completes.
    let Some(mut request) = (unsafe { OidRequest::from_raw(request) }) else {
        return NDIS_STATUS_INVALID_PARAMETER;
    };
    adapter.oid_request(&mut request).status()
}

unsafe extern "system" fn cancel_oid_request<D: MiniportDriver>(
    context: NDIS_HANDLE,
    request_id: PVOID,
) {
    // SAFETY: NDIS passes the registered context of a live adapter.
    if let Some(adapter) = unsafe { adapter::<D>(context) } {
        adapter.cancel_oid_request(request_id);
    }
}

unsafe extern "system" fn send_net_buffer_lists<D: MiniportDriver>(
    context: NDIS_HANDLE,
    net_buffer_lists: *mut NET_BUFFER_LIST,
    port: NDIS_PORT_NUMBER,
    flags: ULONG,
) {
    // SAFETY: NDIS passes the registered context of a live adapter.
    let Some(adapter) = (unsafe { adapter::<D>(context) }) else {
        return;
    };
    // SAFETY: NDIS hands over a null-terminated chain of valid NBLs that the miniport now owns.
    if let Some(chain) = unsafe { NblChain::from_raw(net_buffer_lists) } {
        adapter.send(chain, port, flags);
    }
}

unsafe extern "system" fn return_net_buffer_lists<D: MiniportDriver>(
    context: NDIS_HANDLE,
    net_buffer_lists: *mut NET_BUFFER_LIST,
    flags: ULONG,
) {
    // SAFETY: NDIS passes the registered context of a live adapter.
    let Some(adapter) = (unsafe { adapter::<D>(context) }) else {
        return;
    };
    // SAFETY: NDIS returns a chain of NBLs the miniport indicated; ownership comes back.
    if let Some(chain) = unsafe { NblChain::from_raw(net_buffer_lists) } {
        adapter.return_net_buffer_lists(chain, flags);
    }
}

unsafe extern "system" fn cancel_send<D: MiniportDriver>(context: NDIS_HANDLE, cancel_id: PVOID) {
    // SAFETY: NDIS passes the registered context of a live adapter.
    if let Some(adapter) = unsafe { adapter::<D>(context) } {
        adapter.cancel_send(cancel_id);
    }
}

unsafe extern "system" fn device_pnp_event_notify<D: MiniportDriver>(
    context: NDIS_HANDLE,
    event: *mut NET_DEVICE_PNP_EVENT,
) {
    if event.is_null() {
        return;
    }
    // SAFETY: NDIS passes a valid event structure for the duration of the call.
    let event = unsafe { (*event).DevicePnPEvent };
    // SAFETY: NDIS passes the registered context of a live adapter.
    if let Some(adapter) = unsafe { adapter::<D>(context) } {
        adapter.device_pnp_event(event);
    }
}

unsafe extern "system" fn shutdown_ex<D: MiniportDriver>(
    context: NDIS_HANDLE,
    action: NDIS_SHUTDOWN_ACTION,
) {
    // SAFETY: NDIS passes the registered context of a live adapter.
    if let Some(adapter) = unsafe { adapter::<D>(context) } {
        adapter.shutdown(action);
    }
}

unsafe extern "system" fn unload(_driver_object: PDRIVER_OBJECT) {
    // Driver-global state is released by the driver's own unload path (NdisMDeregisterMiniportDriver).
}

/// The characteristics table for driver `D` (NDIS 6.30, revision 2).
#[must_use]
pub fn characteristics<D: MiniportDriver>(
    driver_major: u8,
    driver_minor: u8,
    unload_handler: MINIPORT_DRIVER_UNLOAD,
) -> NDIS_MINIPORT_DRIVER_CHARACTERISTICS {
    let mut table = NDIS_MINIPORT_DRIVER_CHARACTERISTICS::zeroed();
    table.Header = NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS,
        NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2,
        NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2,
    );
    table.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;
    table.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;
    table.MajorDriverVersion = driver_major;
    table.MinorDriverVersion = driver_minor;
    table.InitializeHandlerEx = Some(initialize_ex::<D>);
    table.HaltHandlerEx = Some(halt_ex::<D>);
    table.UnloadHandler = unload_handler.or(Some(unload));
    table.PauseHandler = Some(pause::<D>);
    table.RestartHandler = Some(restart::<D>);
    table.OidRequestHandler = Some(oid_request::<D>);
    table.SendNetBufferListsHandler = Some(send_net_buffer_lists::<D>);
    table.ReturnNetBufferListsHandler = Some(return_net_buffer_lists::<D>);
    table.CancelSendHandler = Some(cancel_send::<D>);
    table.DevicePnPEventNotifyHandler = Some(device_pnp_event_notify::<D>);
    table.ShutdownHandlerEx = Some(shutdown_ex::<D>);
    table.CancelOidRequestHandler = Some(cancel_oid_request::<D>);
    // No CheckForHang / Reset: "drivers for Windows Server systems must not implement" them
    // from NDIS 6.83 (N/miniport-adapter-check-for-hang-and-reset-operations.md).
    table
}

/// `DriverEntry` body: registers driver `D` with NDIS. Returns the driver handle.
///
/// # Safety
/// `driver_object` and `registry_path` are the values the kernel (or the emulator) passed to
/// `DriverEntry`.
pub unsafe fn register<D: MiniportDriver>(
    driver_object: PDRIVER_OBJECT,
    registry_path: *const UNICODE_STRING,
    driver_major: u8,
    driver_minor: u8,
    unload_handler: MINIPORT_DRIVER_UNLOAD,
) -> NdisResult<NDIS_HANDLE> {
    let mut table = characteristics::<D>(driver_major, driver_minor, unload_handler);
    let mut handle: NDIS_HANDLE = core::ptr::null_mut();
    // SAFETY: the table is fully initialized and outlives the call (NDIS copies it); the
    // out-pointer is a live local.
    let status = unsafe {
        NdisMRegisterMiniportDriver(
            driver_object,
            registry_path.cast_mut(),
            core::ptr::null_mut(),
            &mut table,
            &mut handle,
        )
    };
    crate::status::check(status)?;
    if handle.is_null() {
        return Err(NdisError::FAILURE);
    }
    Ok(handle)
}

/// `MiniportDriverUnload` for driver `D`: deregisters what [`driver_entry`] registered.
unsafe extern "system" fn driver_unload<D: MiniportDriver>(driver_object: PDRIVER_OBJECT) {
    if let Some(handle) = D::registrations().remove(driver_object) {
        // SAFETY: `handle` came from a successful NdisMRegisterMiniportDriver for this driver
        // object and is deregistered once (`remove` clears it).
        unsafe { NdisMDeregisterMiniportDriver(handle) };
    }
}

/// The portable `DriverEntry` body of driver `D`: registers it with NDIS and remembers the
/// handle for unload.
///
/// # Safety
/// Called once per driver load with the kernel's (or the emulator's) driver object and
/// registry path.
pub unsafe fn driver_entry<D: MiniportDriver>(
    driver_object: PDRIVER_OBJECT,
    registry_path: *const UNICODE_STRING,
) -> NDIS_STATUS {
    // SAFETY: forwarded caller contract.
    let registered = unsafe {
        register::<D>(
            driver_object,
            registry_path,
            D::VERSION.0,
            D::VERSION.1,
            Some(driver_unload::<D>),
        )
    };
    match registered {
        Ok(handle) if D::registrations().insert(driver_object, handle) => NDIS_STATUS_SUCCESS,
        Ok(handle) => {
            // No slot to remember the handle for unload: undo the registration.
            // SAFETY: `handle` was just registered and is not used elsewhere.
            unsafe { NdisMDeregisterMiniportDriver(handle) };
            NDIS_STATUS_RESOURCES
        }
        Err(error) => error.status(),
    }
}

/// Sets one attribute structure with `NdisMSetMiniportAttributes`.
///
/// # Safety
/// `adapter_handle` is the `MiniportAdapterHandle` of an adapter inside `MiniportInitializeEx`,
/// and every pointer inside `attributes` is valid for the duration of the call.
pub unsafe fn set_attributes<T: AbiPod>(
    adapter_handle: NDIS_HANDLE,
    attributes: &mut T,
) -> NdisResult {
    const { assert!(size_of::<T>() <= size_of::<NDIS_MINIPORT_ADAPTER_ATTRIBUTES>()) };
    let pointer = (attributes as *mut T).cast::<NDIS_MINIPORT_ADAPTER_ATTRIBUTES>();
    // SAFETY: `T` is one member of the attributes union (starts with its NDIS_OBJECT_HEADER);
    // NDIS reads only as many bytes as the header's Size says; caller's contract for the rest.
    let status = unsafe { NdisMSetMiniportAttributes(adapter_handle, pointer) };
    crate::status::check(status)
}

/// Remembers the `NdisMiniportDriverHandle` of each driver object, for deregistration in
/// `MiniportDriverUnload`. On Windows a driver image is loaded once, so one slot is used; a
/// host that loads the same image for several driver objects at once (the NDIS emulator's
/// parallel tests) gets one slot each, so an unload never deregisters another load's handle.
pub struct DriverRegistrations {
    slots: [(
        core::sync::atomic::AtomicPtr<c_void>,
        core::sync::atomic::AtomicPtr<c_void>,
    ); 64],
}

impl Default for DriverRegistrations {
    fn default() -> Self {
        Self::new()
    }
}

impl DriverRegistrations {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        // A `const` item is the way to repeat a non-Copy initializer in an array expression;
        // each array element is a fresh pair of atomics.
        #[allow(clippy::declare_interior_mutable_const)]
        const EMPTY: (
            core::sync::atomic::AtomicPtr<c_void>,
            core::sync::atomic::AtomicPtr<c_void>,
        ) = (
            core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
            core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
        );
        Self { slots: [EMPTY; 64] }
    }

    /// Records `handle` for `driver_object`. `false` if the table is full.
    pub fn insert(&self, driver_object: PDRIVER_OBJECT, handle: NDIS_HANDLE) -> bool {
        use core::sync::atomic::Ordering;
        for (object, slot_handle) in &self.slots {
            if object
                .compare_exchange(
                    core::ptr::null_mut(),
                    driver_object,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
            {
                slot_handle.store(handle, Ordering::Release);
                return true;
            }
        }
        false
    }

    /// Removes and returns the handle recorded for `driver_object`.
    pub fn remove(&self, driver_object: PDRIVER_OBJECT) -> Option<NDIS_HANDLE> {
        use core::sync::atomic::Ordering;
        for (object, slot_handle) in &self.slots {
            if !driver_object.is_null() && object.load(Ordering::Acquire) == driver_object {
                let handle = slot_handle.swap(core::ptr::null_mut(), Ordering::AcqRel);
                object.store(core::ptr::null_mut(), Ordering::Release);
                return (!handle.is_null()).then_some(handle);
            }
        }
        None
    }
}
