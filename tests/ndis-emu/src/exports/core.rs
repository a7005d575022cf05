//! Registration, attributes, configuration, memory, shared memory, I/O space, status
//! indications and the pause/restart/reset/OID completion calls.

use ndis_abi::*;

use super::{adapter_of, check_irql, driver_handle_of, guard, object_of, owner_of};
use crate::adapter::{
    AdapterShared, AdapterState, GeneralAttributes, HardwareAssistAttributes, Op,
    RegistrationAttributes, StatusIndication,
};
use crate::config::{KeywordValue, Partition};
use crate::consts::*;
use crate::context::{self, Handler};
use crate::irql::Irql;
use crate::raw;
use crate::registry::{self, Kind, Owner};

const SUCCESS: NDIS_STATUS = NDIS_STATUS_SUCCESS;

// ---------------------------------------------------------------------------------------------
// Driver registration
// ---------------------------------------------------------------------------------------------

/// `NdisMRegisterMiniportDriver`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMRegisterMiniportDriver(
    DriverObject: PDRIVER_OBJECT,
    RegistryPath: *mut UNICODE_STRING,
    MiniportDriverContext: NDIS_HANDLE,
    MiniportDriverCharacteristics: *mut NDIS_MINIPORT_DRIVER_CHARACTERISTICS,
    NdisMiniportDriverHandle: *mut NDIS_HANDLE,
) -> NDIS_STATUS {
    let _ = RegistryPath;
    guard("NdisMRegisterMiniportDriver", NDIS_STATUS_FAILURE, || {
        check_irql(None, "NdisMRegisterMiniportDriver", Irql::Passive);
        let driver = match registry::get(DriverObject as usize) {
            Some(registry::Entry {
                kind: Kind::DriverObject(d),
                ..
            }) => d,
            _ => {
                context::violate_current(
                    "NDIS-HANDLE-1",
                    "NdisMRegisterMiniportDriver: DriverObject is not the one DriverEntry received"
                        .into(),
                );
                return NDIS_STATUS_INVALID_PARAMETER;
            }
        };
        if MiniportDriverCharacteristics.is_null() || NdisMiniportDriverHandle.is_null() {
            driver.violate(
                "NDIS-HANDLE-1",
                "NdisMRegisterMiniportDriver: NULL characteristics or handle pointer".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        if !context::inside(&driver.owner(), Handler::DriverEntry) {
            driver.violate(
                "NDIS-DRV-2",
                "NdisMRegisterMiniportDriver called outside DriverEntry".into(),
            );
        }
        if driver.lock().registrations > 0 {
            driver.violate(
                "NDIS-DRV-2",
                "NdisMRegisterMiniportDriver called twice for one driver object".into(),
            );
            return NDIS_STATUS_FAILURE;
        }
        // SAFETY: non-NULL, and NDIS's contract makes it point to the driver's characteristics.
        let header =
            unsafe { raw::read(MiniportDriverCharacteristics.cast::<NDIS_OBJECT_HEADER>()) };
        // SAFETY: as above; at most `Header.Size` bytes are read.
        let chars =
            unsafe { raw::read_prefix(MiniportDriverCharacteristics, usize::from(header.Size)) };
        let mut problems = Vec::new();
        if !header_ok(
            &header,
            NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS,
            DRIVER_CHARACTERISTICS_SIZES,
        ) {
            problems.push(format!(
                "Header {{Type {:#x}, Revision {}, Size {}}} is not a MINIPORT_DRIVER_CHARACTERISTICS revision 1-3 with its size",
                header.Type, header.Revision, header.Size
            ));
        }
        if (chars.MajorNdisVersion, chars.MinorNdisVersion) < (6, 30) || chars.MajorNdisVersion != 6
        {
            problems.push(format!(
                "NDIS version {}.{} (the SR-IOV drivers need 6.30 or later)",
                chars.MajorNdisVersion, chars.MinorNdisVersion
            ));
        }
        let mandatory = [
            ("InitializeHandlerEx", chars.InitializeHandlerEx.is_some()),
            ("HaltHandlerEx", chars.HaltHandlerEx.is_some()),
            ("UnloadHandler", chars.UnloadHandler.is_some()),
            ("PauseHandler", chars.PauseHandler.is_some()),
            ("RestartHandler", chars.RestartHandler.is_some()),
            ("OidRequestHandler", chars.OidRequestHandler.is_some()),
            (
                "SendNetBufferListsHandler",
                chars.SendNetBufferListsHandler.is_some(),
            ),
            (
                "ReturnNetBufferListsHandler",
                chars.ReturnNetBufferListsHandler.is_some(),
            ),
            ("CancelSendHandler", chars.CancelSendHandler.is_some()),
            (
                "DevicePnPEventNotifyHandler",
                chars.DevicePnPEventNotifyHandler.is_some(),
            ),
            ("ShutdownHandlerEx", chars.ShutdownHandlerEx.is_some()),
            (
                "CancelOidRequestHandler",
                chars.CancelOidRequestHandler.is_some(),
            ),
        ];
        for (name, present) in mandatory {
            if !present {
                problems.push(format!("{name} is NULL"));
            }
        }
        if !problems.is_empty() {
            driver.violate(
                "NDIS-DRV-1",
                format!("NdisMRegisterMiniportDriver: {}", problems.join("; ")),
            );
            return NDIS_STATUS_BAD_CHARACTERISTICS;
        }
        let handle = registry::new_handle(Kind::DriverHandle(driver.arc()), driver.owner());
        {
            let mut inner = driver.lock();
            inner.registrations += 1;
            inner.chars = Some(chars);
            inner.handle = Some(handle);
            inner.driver_context = MiniportDriverContext as usize;
        }
        // SAFETY: checked non-NULL above; the driver passes a writable handle slot.
        unsafe { raw::write(NdisMiniportDriverHandle, handle as NDIS_HANDLE) };
        // NDIS calls MiniportSetOptions within NdisMRegisterMiniportDriver.
        if let Some(set_options) = chars.SetOptionsHandler {
            let owner = driver.owner();
            let status = context::with(&owner, Handler::SetOptions, || {
                // SAFETY: calling the driver's registered MiniportSetOptions with the handle
                // and context NDIS passes.
                unsafe { set_options(handle as NDIS_HANDLE, MiniportDriverContext) }
            });
            if status != SUCCESS {
                return status;
            }
        }
        SUCCESS
    })
}

/// `NdisMDeregisterMiniportDriver`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMDeregisterMiniportDriver(NdisMiniportDriverHandle: NDIS_HANDLE) {
    guard("NdisMDeregisterMiniportDriver", (), || {
        check_irql(None, "NdisMDeregisterMiniportDriver", Irql::Passive);
        let Some(driver) = driver_handle_of(
            NdisMiniportDriverHandle as usize,
            "NdisMDeregisterMiniportDriver",
        ) else {
            return;
        };
        let in_unload = context::inside(&driver.owner(), Handler::Unload);
        let in_entry = context::inside(&driver.owner(), Handler::DriverEntry);
        if !in_unload && !in_entry {
            driver.violate(
                "NDIS-DRV-2",
                "NdisMDeregisterMiniportDriver called outside MiniportDriverUnload/DriverEntry"
                    .into(),
            );
        }
        driver.lock().deregistrations += 1;
        registry::retire(NdisMiniportDriverHandle as usize);
    });
}

/// `NdisSetOptionalHandlers`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisSetOptionalHandlers(
    NdisHandle: NDIS_HANDLE,
    OptionalHandlers: *mut NDIS_OBJECT_HEADER,
) -> NDIS_STATUS {
    guard("NdisSetOptionalHandlers", NDIS_STATUS_FAILURE, || {
        check_irql(None, "NdisSetOptionalHandlers", Irql::Passive);
        let Some(driver) = driver_handle_of(NdisHandle as usize, "NdisSetOptionalHandlers") else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        if OptionalHandlers.is_null() {
            driver.violate(
                "NDIS-HANDLE-1",
                "NdisSetOptionalHandlers: NULL handlers".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // SAFETY: non-NULL; the driver's optional-handler structure starts with a header.
        let header = unsafe { raw::read(OptionalHandlers.cast::<NDIS_OBJECT_HEADER>()) };
        match header.Type {
            NDIS_OBJECT_TYPE_MINIPORT_PNP_CHARACTERISTICS => {
                if !header_ok(
                    &header,
                    NDIS_OBJECT_TYPE_MINIPORT_PNP_CHARACTERISTICS,
                    PNP_CHARACTERISTICS_SIZES,
                ) {
                    driver.violate(
                        "NDIS-ATTR-3",
                        format!(
                            "NDIS_MINIPORT_PNP_CHARACTERISTICS header rev {} size {}",
                            header.Revision, header.Size
                        ),
                    );
                    return NDIS_STATUS_INVALID_PARAMETER;
                }
                // SAFETY: the header says this is PNP characteristics of at least 44 bytes.
                let pnp = unsafe {
                    raw::read_prefix(
                        OptionalHandlers.cast::<NDIS_MINIPORT_PNP_CHARACTERISTICS>(),
                        usize::from(header.Size),
                    )
                };
                driver.lock().pnp = Some(pnp);
                SUCCESS
            }
            NDIS_OBJECT_TYPE_MINIPORT_SS_CHARACTERISTICS => SUCCESS,
            other => {
                driver.violate(
                    "NDIS-ATTR-3",
                    format!("NdisSetOptionalHandlers: unknown Header.Type {other:#x}"),
                );
                NDIS_STATUS_INVALID_PARAMETER
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------------

fn read_caps<T: AbiPod>(
    adapter: &AdapterShared,
    ptr: *mut T,
    name: &str,
    sizes: &[(u8, u16)],
) -> Option<T> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-NULL capability pointer inside attributes the driver passed to NDIS.
    let header = unsafe { raw::read(ptr.cast::<NDIS_OBJECT_HEADER>()) };
    if !header_ok(&header, NDIS_OBJECT_TYPE_DEFAULT, sizes) {
        adapter.violate(
            "NDIS-ATTR-3",
            format!("{name}: Header {{Type {:#x}, Revision {}, Size {}}} is not NDIS_OBJECT_TYPE_DEFAULT with a known revision/size", header.Type, header.Revision, header.Size),
        );
    }
    // SAFETY: as above; at most `Header.Size` bytes.
    Some(unsafe { raw::read_prefix(ptr, usize::from(header.Size)) })
}

/// `NdisMSetMiniportAttributes`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMSetMiniportAttributes(
    NdisMiniportHandle: NDIS_HANDLE,
    MiniportAttributes: *mut NDIS_MINIPORT_ADAPTER_ATTRIBUTES,
) -> NDIS_STATUS {
    guard("NdisMSetMiniportAttributes", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(NdisMiniportHandle as usize, "NdisMSetMiniportAttributes")
        else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        let owner = adapter.owner();
        check_irql(Some(&owner), "NdisMSetMiniportAttributes", Irql::Passive);
        if MiniportAttributes.is_null() {
            adapter.violate(
                "NDIS-HANDLE-1",
                "NdisMSetMiniportAttributes: NULL attributes".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // SAFETY: non-NULL; every attribute structure starts with an NDIS_OBJECT_HEADER.
        let header = unsafe { raw::read(MiniportAttributes.cast::<NDIS_OBJECT_HEADER>()) };
        let in_init = context::inside(&owner, Handler::Initialize);
        let in_add_device = context::inside(&owner, Handler::AddDevice);
        let is_add_device_attrs =
            header.Type == NDIS_OBJECT_TYPE_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES;
        if (is_add_device_attrs && !in_add_device) || (!is_add_device_attrs && !in_init) {
            adapter.violate(
                "NDIS-ATTR-4",
                format!(
                    "NdisMSetMiniportAttributes(Type {:#x}) called outside {}",
                    header.Type,
                    if is_add_device_attrs {
                        "MiniportAddDevice"
                    } else {
                        "MiniportInitializeEx"
                    }
                ),
            );
            return NDIS_STATUS_NOT_ACCEPTED;
        }
        let ptr = MiniportAttributes;
        let size = usize::from(header.Size);
        let inner = adapter.lock();
        let already = inner.attrs.order.contains(&header.Type);
        if already && !is_add_device_attrs {
            drop(inner);
            adapter.violate(
                "NDIS-ATTR-1",
                format!("attribute type {:#x} set twice", header.Type),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        let has_registration = inner.attrs.registration.is_some();
        let has_general = inner.attrs.general.is_some();
        drop(inner);
        let bad_header = |what: &str| {
            adapter.violate(
                "NDIS-ATTR-3",
                format!(
                    "{what}: Header Revision {} Size {} is not a known revision with its size",
                    header.Revision, header.Size
                ),
            );
            NDIS_STATUS_INVALID_PARAMETER
        };
        match header.Type {
            NDIS_OBJECT_TYPE_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES => {
                if !header_ok(&header, header.Type, ADD_DEVICE_ATTRIBUTES_SIZES) {
                    return bad_header("add-device registration attributes");
                }
                // SAFETY: header checked: at least 20 bytes of add-device attributes.
                let a = unsafe {
                    raw::read_prefix(
                        ptr.cast::<NDIS_MINIPORT_ADD_DEVICE_REGISTRATION_ATTRIBUTES>(),
                        size,
                    )
                };
                let mut inner = adapter.lock();
                inner.attrs.add_device_context = Some(a.MiniportAddDeviceContext as usize);
                inner.attrs.order.push(header.Type);
                SUCCESS
            }
            NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES => {
                if !header_ok(&header, header.Type, REGISTRATION_ATTRIBUTES_SIZES) {
                    return bad_header("registration attributes");
                }
                // SAFETY: header checked: at least 28 bytes of registration attributes.
                let a = unsafe {
                    raw::read_prefix(
                        ptr.cast::<NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES>(),
                        size,
                    )
                };
                if a.AttributeFlags & NDIS_MINIPORT_ATTRIBUTES_SURPRISE_REMOVE_OK != 0 {
                    let has_pnp = adapter
                        .driver
                        .lock()
                        .chars
                        .is_some_and(|c| c.DevicePnPEventNotifyHandler.is_some());
                    if !has_pnp {
                        adapter.violate(
                            "NDIS-PNP-1",
                            "SURPRISE_REMOVE_OK set without a MiniportDevicePnPEventNotify handler"
                                .into(),
                        );
                    }
                }
                let mut inner = adapter.lock();
                inner.context = a.MiniportAdapterContext as usize;
                inner.attrs.registration = Some(RegistrationAttributes {
                    context: a.MiniportAdapterContext as usize,
                    attribute_flags: a.AttributeFlags,
                    check_for_hang_seconds: a.CheckForHangTimeInSeconds,
                    interface_type: a.InterfaceType,
                });
                inner.attrs.order.push(header.Type);
                SUCCESS
            }
            NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES => {
                if !has_registration {
                    adapter.violate(
                        "NDIS-ATTR-1",
                        "general attributes set before registration attributes".into(),
                    );
                    return NDIS_STATUS_INVALID_PARAMETER;
                }
                if !header_ok(&header, header.Type, GENERAL_ATTRIBUTES_SIZES) {
                    return bad_header("general attributes");
                }
                // SAFETY: header checked: at least 216 bytes of general attributes.
                let g = unsafe {
                    raw::read_prefix(ptr.cast::<NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES>(), size)
                };
                let mut oids = Vec::new();
                let len = g.SupportedOidListLength as usize;
                if len % 4 != 0 || (len > 0 && g.SupportedOidList.is_null()) || len > 64 * 1024 {
                    adapter.violate(
                        "NDIS-ATTR-3",
                        format!(
                            "SupportedOidListLength {len} with list pointer {:p}",
                            g.SupportedOidList
                        ),
                    );
                } else if len > 0 {
                    // SAFETY: non-NULL list of `len` bytes the driver passes in its attributes.
                    let bytes = unsafe { raw::copy_out(g.SupportedOidList.cast::<u8>(), len) };
                    oids = bytes
                        .chunks_exact(4)
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect();
                }
                let mac_len = usize::from(g.MacAddressLength).min(NDIS_MAX_PHYS_ADDRESS_LENGTH);
                let mut inner = adapter.lock();
                inner.attrs.general = Some(GeneralAttributes {
                    revision: header.Revision,
                    media_type: g.MediaType,
                    mtu: g.MtuSize,
                    max_xmit_link_speed: g.MaxXmitLinkSpeed,
                    media_connect_state: g.MediaConnectState,
                    lookahead: g.LookaheadSize,
                    mac_options: g.MacOptions,
                    supported_packet_filters: g.SupportedPacketFilters,
                    max_multicast_list_size: g.MaxMulticastListSize,
                    permanent_mac: g.PermanentMacAddress[..mac_len].to_vec(),
                    current_mac: g.CurrentMacAddress[..mac_len].to_vec(),
                    supported_statistics: g.SupportedStatistics,
                    supported_oids: oids,
                    has_rss_capabilities: !g.RecvScaleCapabilities.is_null(),
                });
                inner.attrs.order.push(header.Type);
                SUCCESS
            }
            NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES
            | NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES
            | NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_NDK_ATTRIBUTES
            | NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_PACKET_DIRECT_ATTRIBUTES => {
                if !has_registration || !has_general {
                    adapter.violate(
                        "NDIS-ATTR-1",
                        format!(
                            "attribute type {:#x} set before registration and general attributes",
                            header.Type
                        ),
                    );
                    return NDIS_STATUS_INVALID_PARAMETER;
                }
                if header.Type == NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES {
                    if !header_ok(&header, header.Type, HARDWARE_ASSIST_SIZES) {
                        return bad_header("hardware-assist attributes");
                    }
                    hardware_assist(&adapter, ptr.cast(), header)
                } else {
                    if header.Type == NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES
                        && !header_ok(&header, header.Type, OFFLOAD_ATTRIBUTES_SIZES)
                    {
                        return bad_header("offload attributes");
                    }
                    let offloads = (header.Type
                        == NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES)
                        .then(|| offload_structures(ptr.cast()));
                    let mut inner = adapter.lock();
                    if let Some((default, hardware)) = offloads {
                        inner.attrs.offload_default = default;
                        inner.attrs.offload_hardware = hardware;
                    }
                    inner.attrs.offload |=
                        header.Type == NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES;
                    inner.attrs.order.push(header.Type);
                    SUCCESS
                }
            }
            other => {
                adapter.violate(
                    "NDIS-ATTR-3",
                    format!("NdisMSetMiniportAttributes: unknown Header.Type {other:#x}"),
                );
                NDIS_STATUS_INVALID_PARAMETER
            }
        }
    })
}

/// Copies the two `NDIS_OFFLOAD`s of checked offload attributes (each `Header.Size` bytes at
/// most, the rest zero).
fn offload_structures(
    ptr: *mut NDIS_MINIPORT_ADAPTER_OFFLOAD_ATTRIBUTES,
) -> (Option<NDIS_OFFLOAD>, Option<NDIS_OFFLOAD>) {
    // SAFETY: the header was checked: a revision-1 offload attributes structure.
    let a = unsafe { raw::read(ptr) };
    let copy = |p: *mut NDIS_OFFLOAD| {
        (!p.is_null()).then(|| {
            // SAFETY: a non-NULL NDIS_OFFLOAD the driver passes in its attributes; its header
            // says how many bytes it filled in.
            let header = unsafe { raw::read(p.cast::<NDIS_OBJECT_HEADER>()) };
            // SAFETY: as above, `Header.Size` bytes (bounded by the structure's size).
            unsafe { raw::read_prefix(p, usize::from(header.Size)) }
        })
    };
    (
        copy(a.DefaultOffloadConfiguration),
        copy(a.HardwareOffloadCapabilities),
    )
}

fn hardware_assist(
    adapter: &AdapterShared,
    ptr: *mut NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES,
    header: NDIS_OBJECT_HEADER,
) -> NDIS_STATUS {
    // SAFETY: the header was checked: `Header.Size` bytes of hardware-assist attributes.
    let a = unsafe { raw::read_prefix(ptr, usize::from(header.Size)) };
    // Fields past the revision's size are not read (read_prefix zeroed them).
    let pairs: [(&str, bool, bool); 3] = [
        (
            "ReceiveFilter",
            !a.HardwareReceiveFilterCapabilities.is_null(),
            !a.CurrentReceiveFilterCapabilities.is_null(),
        ),
        (
            "NicSwitch",
            !a.HardwareNicSwitchCapabilities.is_null(),
            !a.CurrentNicSwitchCapabilities.is_null(),
        ),
        (
            "Sriov",
            !a.HardwareSriovCapabilities.is_null(),
            !a.CurrentSriovCapabilities.is_null(),
        ),
    ];
    let mut problems = Vec::new();
    for (name, hw, cur) in pairs {
        if hw != cur {
            problems.push(format!(
                "Hardware{name}Capabilities is {} but Current{name}Capabilities is {}",
                nul(hw),
                nul(cur)
            ));
        }
    }
    let sriov_any = pairs[2].1 || pairs[2].2;
    // The pairing rule "an SR-IOV pointer needs both NIC-switch pointers" is about a PF: a VF
    // miniport reports SR-IOV capabilities (VF_MINIPORT) and must NOT report a NIC switch
    // (N/initializing-a-vf-miniport-driver.md; requirements doc §2.1 and §6 item 2).
    let reports_vf = !a.HardwareSriovCapabilities.is_null() && {
        // SAFETY: non-null capability pointers of attributes being set are valid for the call.
        let caps = unsafe { *a.HardwareSriovCapabilities };
        caps.SriovCapabilities & NDIS_SRIOV_CAPS_VF_MINIPORT != 0
    };
    if sriov_any && !reports_vf && !(pairs[1].1 && pairs[1].2) {
        problems.push("an SR-IOV capability pointer is set but the NIC-switch capability pointers are not both set".into());
    }
    if !problems.is_empty() {
        adapter.violate("NDIS-ATTR-5", problems.join("; "));
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    if sriov_any && header.Revision < 3 {
        adapter.violate(
            "NDIS-ATTR-3",
            format!(
                "SR-IOV capabilities need hardware-assist attributes revision 3 (got {})",
                header.Revision
            ),
        );
    }
    let hw = HardwareAssistAttributes {
        revision: header.Revision,
        hardware_sriov: read_caps(
            adapter,
            a.HardwareSriovCapabilities,
            "HardwareSriovCapabilities",
            SRIOV_CAPABILITIES_SIZES,
        ),
        current_sriov: read_caps(
            adapter,
            a.CurrentSriovCapabilities,
            "CurrentSriovCapabilities",
            SRIOV_CAPABILITIES_SIZES,
        ),
        hardware_nic_switch: read_caps(
            adapter,
            a.HardwareNicSwitchCapabilities,
            "HardwareNicSwitchCapabilities",
            NIC_SWITCH_CAPABILITIES_SIZES,
        ),
        current_nic_switch: read_caps(
            adapter,
            a.CurrentNicSwitchCapabilities,
            "CurrentNicSwitchCapabilities",
            NIC_SWITCH_CAPABILITIES_SIZES,
        ),
        hardware_receive_filter: read_caps(
            adapter,
            a.HardwareReceiveFilterCapabilities,
            "HardwareReceiveFilterCapabilities",
            RECEIVE_FILTER_CAPABILITIES_SIZES,
        ),
        current_receive_filter: read_caps(
            adapter,
            a.CurrentReceiveFilterCapabilities,
            "CurrentReceiveFilterCapabilities",
            RECEIVE_FILTER_CAPABILITIES_SIZES,
        ),
    };
    let mut inner = adapter.lock();
    inner.attrs.hardware_assist = Some(hw);
    inner.attrs.order.push(header.Type);
    SUCCESS
}

fn nul(set: bool) -> &'static str {
    if set { "non-NULL" } else { "NULL" }
}

/// NDIS-ATTR-6: hardware claims need registration attributes first.
pub(crate) fn require_registration(adapter: &AdapterShared, name: &str) {
    if adapter.lock().attrs.registration.is_none() {
        adapter.violate(
            "NDIS-ATTR-6",
            format!("{name} called before the registration attributes were set"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// `NdisOpenConfigurationEx`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisOpenConfigurationEx(
    ConfigObject: *mut NDIS_CONFIGURATION_OBJECT,
    ConfigurationHandle: *mut NDIS_HANDLE,
) -> NDIS_STATUS {
    guard("NdisOpenConfigurationEx", NDIS_STATUS_FAILURE, || {
        if ConfigObject.is_null() || ConfigurationHandle.is_null() {
            context::violate_current(
                "NDIS-HANDLE-1",
                "NdisOpenConfigurationEx: NULL argument".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // SAFETY: non-NULL configuration object supplied by the driver.
        let obj = unsafe { raw::read(ConfigObject) };
        let Some(owner) = owner_of(obj.NdisHandle as usize, "NdisOpenConfigurationEx") else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(Some(&owner), "NdisOpenConfigurationEx", Irql::Passive);
        if !header_ok(
            &obj.Header,
            NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
            CONFIGURATION_OBJECT_SIZES,
        ) {
            owner.violate(
                "NDIS-ATTR-3",
                format!(
                    "NDIS_CONFIGURATION_OBJECT header {{Type {:#x}, Revision {}, Size {}}}",
                    obj.Header.Type, obj.Header.Revision, obj.Header.Size
                ),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        let handle = registry::new_handle(Kind::Config { params: Vec::new() }, owner);
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(ConfigurationHandle, handle as NDIS_HANDLE) };
        SUCCESS
    })
}

/// `NdisCloseConfiguration`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisCloseConfiguration(ConfigurationHandle: NDIS_HANDLE) {
    guard("NdisCloseConfiguration", (), || {
        let Some((Kind::Config { params }, owner)) = object_of(
            ConfigurationHandle as usize,
            "NdisCloseConfiguration",
            "configuration handle",
            |k| matches!(k, Kind::Config { .. }),
        ) else {
            return;
        };
        check_irql(Some(&owner), "NdisCloseConfiguration", Irql::Passive);
        for p in params {
            registry::retire(p);
        }
        registry::retire(ConfigurationHandle as usize);
    });
}

fn utf16_to_string(s: &NDIS_STRING) -> Option<String> {
    if s.Buffer.is_null() || s.Length % 2 != 0 {
        return None;
    }
    // SAFETY: a counted string the driver passes: `Length` bytes at `Buffer`.
    let bytes = unsafe { raw::copy_out(s.Buffer.cast::<u8>(), usize::from(s.Length)) };
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// `NdisReadConfiguration`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisReadConfiguration(
    Status: *mut NDIS_STATUS,
    ParameterValue: *mut *mut NDIS_CONFIGURATION_PARAMETER,
    ConfigurationHandle: NDIS_HANDLE,
    Keyword: *mut NDIS_STRING,
    ParameterType: NDIS_PARAMETER_TYPE,
) {
    guard("NdisReadConfiguration", (), || {
        if Status.is_null() || ParameterValue.is_null() || Keyword.is_null() {
            context::violate_current(
                "NDIS-HANDLE-1",
                "NdisReadConfiguration: NULL argument".into(),
            );
            return;
        }
        let set = |s: NDIS_STATUS| {
            // SAFETY: checked non-NULL above.
            unsafe { raw::write(Status, s) };
        };
        let Some((_, owner)) = object_of(
            ConfigurationHandle as usize,
            "NdisReadConfiguration",
            "configuration handle",
            |k| matches!(k, Kind::Config { .. }),
        ) else {
            set(NDIS_STATUS_FAILURE);
            return;
        };
        check_irql(Some(&owner), "NdisReadConfiguration", Irql::Passive);
        // SAFETY: non-NULL keyword string from the driver.
        let keyword = unsafe { raw::read(Keyword) };
        let Some(name) = utf16_to_string(&keyword) else {
            owner.violate(
                "NDIS-HANDLE-1",
                "NdisReadConfiguration: keyword is not a valid counted UTF-16 string".into(),
            );
            set(NDIS_STATUS_FAILURE);
            return;
        };
        let Some(adapter) = owner.adapter() else {
            set(NDIS_STATUS_FAILURE);
            return;
        };
        let value = adapter.config.lookup(&name).cloned();
        let Some(value) = value else {
            set(NDIS_STATUS_FAILURE);
            return;
        };
        let mut param = NDIS_CONFIGURATION_PARAMETER::zeroed();
        let mut string_block = 0usize;
        match (value, ParameterType) {
            (KeywordValue::Int(v), NdisParameterInteger | NdisParameterHexInteger) => {
                param.ParameterType = ParameterType;
                param.ParameterData.IntegerData = v;
            }
            (KeywordValue::Str(s), NdisParameterInteger | NdisParameterHexInteger) => {
                let radix = if ParameterType == NdisParameterHexInteger {
                    16
                } else {
                    10
                };
                let Ok(v) = u32::from_str_radix(s.trim(), radix) else {
                    set(NDIS_STATUS_FAILURE);
                    return;
                };
                param.ParameterType = ParameterType;
                param.ParameterData.IntegerData = v;
            }
            (value, _) => {
                let text = match value {
                    KeywordValue::Int(v) => v.to_string(),
                    KeywordValue::Str(s) => s,
                };
                let units: Vec<u16> = text.encode_utf16().collect();
                let bytes = units.len() * 2;
                let Some(block) =
                    registry::new_block(bytes + 2, 16, Kind::Memory { length: 0 }, owner.clone())
                else {
                    set(NDIS_STATUS_RESOURCES);
                    return;
                };
                let raw_bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
                // SAFETY: `block` is a fresh emulator allocation of `bytes + 2` bytes.
                unsafe { raw::copy_in(block as *mut u8, &raw_bytes) };
                param.ParameterType = NdisParameterString;
                param.ParameterData.StringData = NDIS_STRING {
                    Length: u16::try_from(bytes).unwrap_or(u16::MAX),
                    MaximumLength: u16::try_from(bytes + 2).unwrap_or(u16::MAX),
                    Buffer: block as *mut u16,
                };
                string_block = block;
            }
        }
        let size = std::mem::size_of::<NDIS_CONFIGURATION_PARAMETER>();
        let Some(block) = registry::new_block(size, 16, Kind::Memory { length: 0 }, owner.clone())
        else {
            set(NDIS_STATUS_RESOURCES);
            return;
        };
        // SAFETY: fresh emulator allocation of `size_of::<NDIS_CONFIGURATION_PARAMETER>()` bytes.
        unsafe { raw::write(block as *mut NDIS_CONFIGURATION_PARAMETER, param) };
        registry::update(ConfigurationHandle as usize, |k| {
            if let Kind::Config { params } = k {
                params.push(block);
                if string_block != 0 {
                    params.push(string_block);
                }
            }
        });
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(ParameterValue, block as *mut NDIS_CONFIGURATION_PARAMETER) };
        set(SUCCESS);
    });
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

/// `NdisAllocateMemoryWithTagPriority`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateMemoryWithTagPriority(
    NdisHandle: NDIS_HANDLE,
    Length: UINT,
    Tag: ULONG,
    Priority: EX_POOL_PRIORITY,
) -> PVOID {
    let _ = (Tag, Priority);
    guard(
        "NdisAllocateMemoryWithTagPriority",
        std::ptr::null_mut(),
        || {
            let Some(owner) = owner_of(NdisHandle as usize, "NdisAllocateMemoryWithTagPriority")
            else {
                return std::ptr::null_mut();
            };
            check_irql(
                Some(&owner),
                "NdisAllocateMemoryWithTagPriority",
                Irql::Dispatch,
            );
            if Length == 0 || Length > 256 * 1024 * 1024 {
                return std::ptr::null_mut();
            }
            registry::new_block(Length as usize, 16, Kind::Memory { length: Length }, owner)
                .map_or(std::ptr::null_mut(), |a| a as PVOID)
        },
    )
}

/// `NdisFreeMemory`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeMemory(
    VirtualAddress: PVOID,
    Length: UINT,
    MemoryFlags: UINT,
) {
    let _ = (Length, MemoryFlags);
    guard("NdisFreeMemory", (), || {
        let Some((_, owner)) = object_of(
            VirtualAddress as usize,
            "NdisFreeMemory",
            "memory block",
            |k| matches!(k, Kind::Memory { .. }),
        ) else {
            return;
        };
        check_irql(Some(&owner), "NdisFreeMemory", Irql::Dispatch);
        registry::retire(VirtualAddress as usize);
    });
}

/// Fake physical addresses: page-aligned, never 0, unique per process.
fn next_physical(length: usize) -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static NEXT: AtomicI64 = AtomicI64::new(0x1_0000_0000);
    let pages = i64::try_from(length.div_ceil(4096).max(1)).unwrap_or(1);
    NEXT.fetch_add(pages * 4096, Ordering::Relaxed)
}

/// `NdisMAllocateSharedMemory`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMAllocateSharedMemory(
    MiniportAdapterHandle: NDIS_HANDLE,
    Length: ULONG,
    Cached: BOOLEAN,
    VirtualAddress: *mut PVOID,
    PhysicalAddress: *mut NDIS_PHYSICAL_ADDRESS,
) {
    let _ = Cached;
    guard("NdisMAllocateSharedMemory", (), || {
        if VirtualAddress.is_null() || PhysicalAddress.is_null() {
            context::violate_current(
                "NDIS-HANDLE-1",
                "NdisMAllocateSharedMemory: NULL output pointer".into(),
            );
            return;
        }
        // SAFETY: checked non-NULL; report failure unless we succeed below.
        unsafe { raw::write(VirtualAddress, std::ptr::null_mut()) };
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMAllocateSharedMemory")
        else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMAllocateSharedMemory",
            Irql::Passive,
        );
        require_registration(&adapter, "NdisMAllocateSharedMemory");
        if adapter.lock().dma.is_none() {
            adapter.violate(
                "NDIS-DMA-1",
                "NdisMAllocateSharedMemory called without a registered scatter/gather DMA channel"
                    .into(),
            );
        }
        if Length == 0 || Length > 64 * 1024 * 1024 {
            return;
        }
        let physical = next_physical(Length as usize);
        let Some(va) = registry::new_block(
            Length as usize,
            4096,
            Kind::SharedMemory {
                length: Length,
                physical,
            },
            adapter.owner(),
        ) else {
            return;
        };
        crate::dma::map(physical, va, Length as usize, adapter.handle());
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(VirtualAddress, va as PVOID) };
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(PhysicalAddress, physical) };
    });
}

/// `NdisMFreeSharedMemory`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMFreeSharedMemory(
    MiniportAdapterHandle: NDIS_HANDLE,
    Length: ULONG,
    Cached: BOOLEAN,
    VirtualAddress: PVOID,
    PhysicalAddress: NDIS_PHYSICAL_ADDRESS,
) {
    let _ = Cached;
    guard("NdisMFreeSharedMemory", (), || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMFreeSharedMemory")
        else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMFreeSharedMemory",
            Irql::Passive,
        );
        let Some((Kind::SharedMemory { length, physical }, _)) = object_of(
            VirtualAddress as usize,
            "NdisMFreeSharedMemory",
            "shared memory block",
            |k| matches!(k, Kind::SharedMemory { .. }),
        ) else {
            return;
        };
        if length != Length || physical != PhysicalAddress {
            adapter.violate(
                "NDIS-MEM-1",
                format!("NdisMFreeSharedMemory: allocated with length {length:#x} at {physical:#x}, freed with length {Length:#x} at {PhysicalAddress:#x}"),
            );
        }
        check_device_quiet(
            &adapter,
            "NdisMFreeSharedMemory",
            physical,
            u64::from(length),
        );
        crate::dma::unmap(physical);
        registry::retire(VirtualAddress as usize);
    });
}

/// NDIS-DMA-4: the device must be stopped from DMA into a block before it is freed (MiniportHaltEx
/// stops the hardware, then frees its resources: D/ndis/nc-ndis-miniport_halt.md). The backend
/// says whether an enabled queue may still target the range. A surprise-removed device cannot.
fn check_device_quiet(adapter: &AdapterShared, name: &str, physical: i64, length: u64) {
    if adapter.lock().surprise_removed {
        return;
    }
    let Some(backend) = adapter.config.backend.as_ref() else {
        return;
    };
    let Ok(start) = u64::try_from(physical) else {
        return;
    };
    if backend.dma_may_target(start, length) {
        adapter.violate(
            "NDIS-DMA-4",
            format!("{name}: the device may still DMA into [{start:#x}, +{length:#x}) (disable the queue first)"),
        );
    }
}

/// `NdisAllocateSharedMemory` (NDIS 6.20+, VPort-aware).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateSharedMemory(
    NdisHandle: NDIS_HANDLE,
    SharedMemoryParameters: *mut NDIS_SHARED_MEMORY_PARAMETERS,
    pAllocationHandle: *mut NDIS_HANDLE,
) -> NDIS_STATUS {
    guard("NdisAllocateSharedMemory", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(NdisHandle as usize, "NdisAllocateSharedMemory") else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisAllocateSharedMemory",
            Irql::Passive,
        );
        if SharedMemoryParameters.is_null() || pAllocationHandle.is_null() {
            adapter.violate(
                "NDIS-HANDLE-1",
                "NdisAllocateSharedMemory: NULL argument".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // SAFETY: non-NULL parameters structure supplied by the driver.
        let mut p = unsafe { raw::read(SharedMemoryParameters) };
        if !header_ok(
            &p.Header,
            NDIS_OBJECT_TYPE_DEFAULT,
            SHARED_MEMORY_PARAMETERS_SIZES,
        ) {
            adapter.violate(
                "NDIS-ATTR-3",
                format!(
                    "NDIS_SHARED_MEMORY_PARAMETERS header rev {} size {}",
                    p.Header.Revision, p.Header.Size
                ),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        if p.Length == 0 || p.Length > 64 * 1024 * 1024 {
            return NDIS_STATUS_RESOURCES;
        }
        let physical = next_physical(p.Length as usize);
        // The allocation handle is the block's address (opaque to the driver).
        let Some(va) = registry::new_block(
            p.Length as usize,
            4096,
            Kind::SharedMemoryEx {
                physical,
                length: p.Length,
            },
            adapter.owner(),
        ) else {
            return NDIS_STATUS_RESOURCES;
        };
        let sg_needed = std::mem::size_of::<SCATTER_GATHER_LIST>()
            + std::mem::size_of::<SCATTER_GATHER_ELEMENT>();
        if !p.SGListBuffer.is_null() && p.SGListBufferLength as usize >= sg_needed {
            let list = SCATTER_GATHER_LIST {
                NumberOfElements: 1,
                Reserved: 0,
                Elements: [],
            };
            let element = SCATTER_GATHER_ELEMENT {
                Address: physical,
                Length: p.Length,
                Reserved: 0,
            };
            // SAFETY: the driver's SG buffer holds at least `sg_needed` bytes (checked).
            unsafe { raw::write(p.SGListBuffer, list) };
            // SAFETY: the first element directly follows the 16-byte list header, inside the buffer.
            unsafe {
                raw::write(
                    p.SGListBuffer
                        .cast::<u8>()
                        .wrapping_add(std::mem::size_of::<SCATTER_GATHER_LIST>())
                        .cast::<SCATTER_GATHER_ELEMENT>(),
                    element,
                )
            };
        }
        let handle = va;
        crate::dma::map(physical, va, p.Length as usize, adapter.handle());
        p.VirtualAddress = va as PVOID;
        p.SharedMemoryHandle = handle as NDIS_HANDLE;
        // SAFETY: non-NULL parameters structure (checked above); NDIS writes back the outputs.
        unsafe { raw::write(SharedMemoryParameters, p) };
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(pAllocationHandle, handle as NDIS_HANDLE) };
        SUCCESS
    })
}

/// `NdisFreeSharedMemory`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeSharedMemory(
    NdisHandle: NDIS_HANDLE,
    AllocationHandle: NDIS_HANDLE,
) {
    guard("NdisFreeSharedMemory", (), || {
        let Some(adapter) = adapter_of(NdisHandle as usize, "NdisFreeSharedMemory") else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisFreeSharedMemory",
            Irql::Passive,
        );
        let Some((Kind::SharedMemoryEx { physical, length }, _)) = object_of(
            AllocationHandle as usize,
            "NdisFreeSharedMemory",
            "shared memory handle",
            |k| matches!(k, Kind::SharedMemoryEx { .. }),
        ) else {
            return;
        };
        check_device_quiet(
            &adapter,
            "NdisFreeSharedMemory",
            physical,
            u64::from(length),
        );
        crate::dma::unmap(physical);
        registry::retire(AllocationHandle as usize);
    });
}

/// `NdisMRegisterScatterGatherDma`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMRegisterScatterGatherDma(
    MiniportAdapterHandle: NDIS_HANDLE,
    DmaDescription: *mut NDIS_SG_DMA_DESCRIPTION,
    NdisMiniportDmaHandle: *mut NDIS_HANDLE,
) -> NDIS_STATUS {
    guard("NdisMRegisterScatterGatherDma", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(
            MiniportAdapterHandle as usize,
            "NdisMRegisterScatterGatherDma",
        ) else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMRegisterScatterGatherDma",
            Irql::Passive,
        );
        require_registration(&adapter, "NdisMRegisterScatterGatherDma");
        if DmaDescription.is_null() || NdisMiniportDmaHandle.is_null() {
            adapter.violate(
                "NDIS-HANDLE-1",
                "NdisMRegisterScatterGatherDma: NULL argument".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // SAFETY: non-NULL DMA description from the driver.
        let header = unsafe { raw::read(DmaDescription.cast::<NDIS_OBJECT_HEADER>()) };
        if !header_ok(
            &header,
            NDIS_OBJECT_TYPE_SG_DMA_DESCRIPTION,
            SG_DMA_DESCRIPTION_SIZES,
        ) {
            adapter.violate(
                "NDIS-ATTR-3",
                format!(
                    "NDIS_SG_DMA_DESCRIPTION header rev {} size {}",
                    header.Revision, header.Size
                ),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        if adapter.lock().dma.is_some() {
            adapter.violate(
                "NDIS-DMA-1",
                "NdisMRegisterScatterGatherDma called twice".into(),
            );
            return NDIS_STATUS_FAILURE;
        }
        // SAFETY: header checked: a DMA description of at least 40 bytes.
        let mut d = unsafe { raw::read_prefix(DmaDescription, usize::from(header.Size)) };
        d.ScatterGatherListSize = 4096;
        // SAFETY: as above; NDIS writes back ScatterGatherListSize.
        unsafe { raw::write(DmaDescription, d) };
        let handle = registry::new_handle(Kind::Dma, adapter.owner());
        {
            let mut inner = adapter.lock();
            inner.dma = Some(handle);
            inner.sg_process = d.ProcessSGListHandler;
        }
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(NdisMiniportDmaHandle, handle as NDIS_HANDLE) };
        SUCCESS
    })
}

/// `NdisMDeregisterScatterGatherDma`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMDeregisterScatterGatherDma(NdisMiniportDmaHandle: NDIS_HANDLE) {
    guard("NdisMDeregisterScatterGatherDma", (), || {
        let Some((_, owner)) = object_of(
            NdisMiniportDmaHandle as usize,
            "NdisMDeregisterScatterGatherDma",
            "DMA handle",
            |k| matches!(k, Kind::Dma),
        ) else {
            return;
        };
        check_irql(
            Some(&owner),
            "NdisMDeregisterScatterGatherDma",
            Irql::Passive,
        );
        if let Some(a) = owner.adapter() {
            a.lock().dma = None;
        }
        registry::retire(NdisMiniportDmaHandle as usize);
    });
}

// ---------------------------------------------------------------------------------------------
// I/O space
// ---------------------------------------------------------------------------------------------

/// `NdisMMapIoSpace`: maps (part of) a BAR from the resource list. The returned range is
/// page-rounded `PROT_NONE` address space; registers are reached through
/// [`super::EmuReadRegisterUlong`] / [`super::EmuWriteRegisterUlong`], routed to the backend.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMMapIoSpace(
    VirtualAddress: *mut PVOID,
    MiniportAdapterHandle: NDIS_HANDLE,
    PhysicalAddress: NDIS_PHYSICAL_ADDRESS,
    Length: UINT,
) -> NDIS_STATUS {
    guard("NdisMMapIoSpace", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMMapIoSpace") else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(Some(&adapter.owner()), "NdisMMapIoSpace", Irql::Passive);
        require_registration(&adapter, "NdisMMapIoSpace");
        if VirtualAddress.is_null() {
            adapter.violate(
                "NDIS-HANDLE-1",
                "NdisMMapIoSpace: NULL VirtualAddress".into(),
            );
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        let phys = PhysicalAddress as u64;
        let bar = adapter.config.bars.iter().find(|b| {
            phys >= b.physical
                && phys
                    .checked_add(u64::from(Length))
                    .is_some_and(|end| end <= b.physical + u64::from(b.length))
        });
        let Some(bar) = bar.copied() else {
            adapter.violate("NDIS-HANDLE-1", format!("NdisMMapIoSpace: {phys:#x}+{Length:#x} is not inside a memory BAR of the resource list"));
            return NDIS_STATUS_RESOURCE_CONFLICT;
        };
        if Length == 0 {
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // PROT_NONE address space: a driver that dereferences it instead of using the register
        // primitive faults, as it would bypassing READ/WRITE_REGISTER_ULONG on a real BAR.
        let Some(va) = crate::dma::map_mmio(
            Length as usize,
            adapter.arc(),
            bar.index,
            phys - bar.physical,
        ) else {
            return NDIS_STATUS_RESOURCES;
        };
        registry::insert(va, Kind::IoSpace { length: Length }, adapter.owner());
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(VirtualAddress, va as PVOID) };
        SUCCESS
    })
}

/// `NdisMUnmapIoSpace`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMUnmapIoSpace(
    MiniportAdapterHandle: NDIS_HANDLE,
    VirtualAddress: PVOID,
    Length: UINT,
) {
    guard("NdisMUnmapIoSpace", (), || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMUnmapIoSpace") else {
            return;
        };
        check_irql(Some(&adapter.owner()), "NdisMUnmapIoSpace", Irql::Passive);
        let Some((Kind::IoSpace { length, .. }, _)) = object_of(
            VirtualAddress as usize,
            "NdisMUnmapIoSpace",
            "mapped I/O range",
            |k| matches!(k, Kind::IoSpace { .. }),
        ) else {
            return;
        };
        if length != Length {
            adapter.violate(
                "NDIS-MEM-1",
                format!("NdisMUnmapIoSpace: mapped {length:#x} bytes, unmapped {Length:#x}"),
            );
        }
        crate::dma::unmap_mmio(VirtualAddress as usize);
        registry::retire(VirtualAddress as usize);
    });
}

/// `NdisMGetBusData`: PCI config space of this adapter.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMGetBusData(
    NdisMiniportHandle: NDIS_HANDLE,
    WhichSpace: ULONG,
    Offset: ULONG,
    Buffer: PVOID,
    Length: ULONG,
) -> ULONG {
    let _ = WhichSpace;
    guard("NdisMGetBusData", 0, || {
        let Some(adapter) = adapter_of(NdisMiniportHandle as usize, "NdisMGetBusData") else {
            return 0;
        };
        check_irql(Some(&adapter.owner()), "NdisMGetBusData", Irql::Dispatch);
        removed_device_access(&adapter, "NdisMGetBusData");
        if Buffer.is_null() || Length > 4096 {
            return 0;
        }
        let mut data = vec![0u8; Length as usize];
        let n = match &adapter.config.backend {
            Some(b) => b.config_read(Offset, &mut data),
            None => default_config_space(&adapter, Offset, &mut data),
        };
        // SAFETY: the driver's buffer holds `Length >= n` bytes.
        unsafe { raw::copy_in(Buffer.cast::<u8>(), &data[..n.min(data.len())]) };
        u32::try_from(n).unwrap_or(0)
    })
}

/// `NdisMSetBusData`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMSetBusData(
    NdisMiniportHandle: NDIS_HANDLE,
    WhichSpace: ULONG,
    Offset: ULONG,
    Buffer: PVOID,
    Length: ULONG,
) -> ULONG {
    let _ = WhichSpace;
    guard("NdisMSetBusData", 0, || {
        let Some(adapter) = adapter_of(NdisMiniportHandle as usize, "NdisMSetBusData") else {
            return 0;
        };
        check_irql(Some(&adapter.owner()), "NdisMSetBusData", Irql::Dispatch);
        removed_device_access(&adapter, "NdisMSetBusData");
        if Buffer.is_null() || Length > 4096 {
            return 0;
        }
        // SAFETY: the driver's buffer holds `Length` bytes.
        let data = unsafe { raw::copy_out(Buffer.cast::<u8>(), Length as usize) };
        let n = adapter
            .config
            .backend
            .as_ref()
            .map_or(data.len(), |b| b.config_write(Offset, &data));
        u32::try_from(n).unwrap_or(0)
    })
}

/// NDIS-PNP-1: no device access after surprise removal.
pub(crate) fn removed_device_access(adapter: &AdapterShared, name: &str) {
    if adapter.lock().surprise_removed {
        adapter.violate(
            "NDIS-PNP-1",
            format!("{name} called after the device was surprise-removed"),
        );
    }
}

fn default_config_space(adapter: &AdapterShared, offset: u32, out: &mut [u8]) -> usize {
    let mut space = [0u8; 4096];
    space[0..2].copy_from_slice(&adapter.config.vendor_id.to_le_bytes());
    space[2..4].copy_from_slice(&adapter.config.device_id.to_le_bytes());
    space[8] = adapter.config.revision_id;
    space[0x0B] = 0x02; // class: network controller
    if adapter.config.total_vfs > 0 {
        // An SR-IOV capability (v1, last in the list) at the start of extended space, with
        // InitialVFs = TotalVFs = the configured count (PCIe SR-IOV 1.1 §3.3).
        space[0x100..0x104].copy_from_slice(&(0x0001_0010u32).to_le_bytes());
        space[0x10C..0x10E].copy_from_slice(&adapter.config.total_vfs.to_le_bytes());
        space[0x10E..0x110].copy_from_slice(&adapter.config.total_vfs.to_le_bytes());
    }
    let start = offset as usize;
    if start >= space.len() {
        return 0;
    }
    let n = out.len().min(space.len() - start);
    out[..n].copy_from_slice(&space[start..start + n]);
    n
}

/// `NdisGetHypervisorInfo`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisGetHypervisorInfo(
    HypervisorInfo: *mut NDIS_HYPERVISOR_INFO,
) -> NDIS_STATUS {
    guard("NdisGetHypervisorInfo", NDIS_STATUS_FAILURE, || {
        if HypervisorInfo.is_null() {
            context::violate_current("NDIS-HANDLE-1", "NdisGetHypervisorInfo: NULL".into());
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        // SAFETY: non-NULL structure from the driver.
        let mut info = unsafe { raw::read(HypervisorInfo) };
        let owner = context::current().map(|(o, _)| o);
        if !header_ok(
            &info.Header,
            NDIS_OBJECT_TYPE_DEFAULT,
            HYPERVISOR_INFO_SIZES,
        ) {
            let message = format!(
                "NDIS_HYPERVISOR_INFO header must be initialised (got Type {:#x} Revision {} Size {})",
                info.Header.Type, info.Header.Revision, info.Header.Size
            );
            match &owner {
                Some(o) => o.violate("NDIS-ATTR-3", message),
                None => context::violate_current("NDIS-ATTR-3", message),
            }
        }
        let partition = owner
            .as_ref()
            .and_then(Owner::adapter)
            .map_or(Partition::None, |a| a.config.partition);
        let (flags, ty) = match partition {
            Partition::None => (0, NdisHypervisorPartitionTypeUnknown),
            Partition::Parent => (
                NDIS_HYPERVISOR_INFO_FLAG_HYPERVISOR_PRESENT,
                NdisHypervisorPartitionTypeMsHvParent,
            ),
            Partition::Child => (
                NDIS_HYPERVISOR_INFO_FLAG_HYPERVISOR_PRESENT,
                NdisHypervisorPartitionMsHvChild,
            ),
        };
        info.Flags = flags;
        info.PartitionType = ty;
        // SAFETY: non-NULL structure from the driver.
        unsafe { raw::write(HypervisorInfo, info) };
        SUCCESS
    })
}

// ---------------------------------------------------------------------------------------------
// Status indications and completions
// ---------------------------------------------------------------------------------------------

/// `NdisMIndicateStatusEx`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMIndicateStatusEx(
    MiniportAdapterHandle: NDIS_HANDLE,
    StatusIndication: *mut NDIS_STATUS_INDICATION,
) {
    guard("NdisMIndicateStatusEx", (), || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMIndicateStatusEx")
        else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMIndicateStatusEx",
            Irql::Dispatch,
        );
        if StatusIndication.is_null() {
            adapter.violate(
                "NDIS-STATUS-1",
                "NdisMIndicateStatusEx: NULL indication".into(),
            );
            return;
        }
        // SAFETY: non-NULL indication from the driver.
        let s = unsafe { raw::read(StatusIndication) };
        let mut problems = Vec::new();
        if !header_ok(
            &s.Header,
            NDIS_OBJECT_TYPE_STATUS_INDICATION,
            STATUS_INDICATION_SIZES,
        ) {
            problems.push(format!(
                "Header {{Type {:#x}, Revision {}, Size {}}}",
                s.Header.Type, s.Header.Revision, s.Header.Size
            ));
        }
        if s.SourceHandle as usize != adapter.handle() {
            problems.push(format!(
                "SourceHandle {:p} is not the MiniportAdapterHandle",
                s.SourceHandle
            ));
        }
        if s.StatusBufferSize > 0 && s.StatusBuffer.is_null() {
            problems.push("StatusBufferSize > 0 with a NULL StatusBuffer".into());
        }
        if s.StatusCode == NDIS_STATUS_LINK_STATE {
            if (s.StatusBufferSize as usize) < 40 || s.StatusBuffer.is_null() {
                problems.push(format!(
                    "NDIS_STATUS_LINK_STATE needs an NDIS_LINK_STATE (40 bytes), got {}",
                    s.StatusBufferSize
                ));
            } else {
                // SAFETY: at least 40 bytes at a non-NULL status buffer.
                let ls = unsafe { raw::read(s.StatusBuffer.cast::<NDIS_LINK_STATE>()) };
                if !header_ok(&ls.Header, NDIS_OBJECT_TYPE_DEFAULT, LINK_STATE_SIZES) {
                    problems.push(format!(
                        "NDIS_LINK_STATE header {{Type {:#x}, Revision {}, Size {}}}",
                        ls.Header.Type, ls.Header.Revision, ls.Header.Size
                    ));
                }
                if !(0..=2).contains(&ls.MediaConnectState) {
                    problems.push(format!(
                        "MediaConnectState {} is not Unknown/Connected/Disconnected",
                        ls.MediaConnectState
                    ));
                }
            }
        }
        if !problems.is_empty() {
            adapter.violate(
                "NDIS-STATUS-1",
                format!(
                    "NdisMIndicateStatusEx({:#x}): {}",
                    s.StatusCode,
                    problems.join("; ")
                ),
            );
        }
        let len = (s.StatusBufferSize as usize).min(64 * 1024);
        let buffer = if s.StatusBuffer.is_null() || len == 0 {
            Vec::new()
        } else {
            // SAFETY: `StatusBufferSize` bytes at the driver's non-NULL buffer.
            unsafe { raw::copy_out(s.StatusBuffer.cast::<u8>(), len) }
        };
        let mut inner = adapter.lock();
        inner.status_log.push(StatusIndication {
            code: s.StatusCode,
            port: s.PortNumber,
            buffer,
        });
        adapter.cv.notify_all();
    });
}

/// `NdisMOidRequestComplete`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMOidRequestComplete(
    MiniportAdapterHandle: NDIS_HANDLE,
    OidRequest: *mut NDIS_OID_REQUEST,
    Status: NDIS_STATUS,
) {
    guard("NdisMOidRequestComplete", (), || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMOidRequestComplete")
        else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMOidRequestComplete",
            Irql::Dispatch,
        );
        let mut inner = adapter.lock();
        if Status == NDIS_STATUS_PENDING {
            inner.violations.push(crate::Violation::new(
                "NDIS-OID-2",
                "NdisMOidRequestComplete called with NDIS_STATUS_PENDING".into(),
            ));
        }
        let request = OidRequest as usize;
        if let Some(pos) = inner.abandoned_oids.iter().position(|(r, _)| *r == request) {
            // A late completion of a request the emulator already reported as timed out.
            inner.abandoned_oids.remove(pos);
            return;
        }
        match inner.oid.as_mut() {
            Some(oid) if oid.request == request => match oid.phase {
                Op::Pending => oid.phase = Op::Completed(Status),
                Op::InHandler => {
                    // Another thread may complete before the handler returns PENDING (NDIS
                    // copes); completing from inside the handler itself is the bug.
                    oid.phase = Op::Completed(Status);
                    if context::inside(&adapter.owner(), Handler::OidRequest) {
                        inner.violations.push(crate::Violation::new(
                            "NDIS-OID-1",
                            "NdisMOidRequestComplete called inside MiniportOidRequest before it returned NDIS_STATUS_PENDING".into(),
                        ));
                    }
                }
                Op::Completed(_) | Op::Idle => {
                    inner.violations.push(crate::Violation::new("NDIS-OID-1", "OID request completed twice".into()));
                }
            },
            _ => inner.violations.push(crate::Violation::new(
                "NDIS-OID-1",
                format!("NdisMOidRequestComplete for request {request:#x}, which is not outstanding (completed already or never issued)"),
            )),
        }
        adapter.cv.notify_all();
    });
}

fn complete_op(
    adapter: &AdapterShared,
    name: &str,
    rule: &'static str,
    which: fn(&mut crate::adapter::AdapterInner) -> &mut Op,
    status: NDIS_STATUS,
) -> bool {
    let mut inner = adapter.lock();
    let op = which(&mut inner);
    let outcome = match *op {
        Op::Pending => {
            *op = Op::Completed(status);
            None
        }
        Op::InHandler => {
            *op = Op::Completed(status);
            Some(format!(
                "{name} called before the handler returned NDIS_STATUS_PENDING"
            ))
        }
        Op::Completed(_) => Some(format!("{name} called twice")),
        Op::Idle => Some(format!("{name} called with no operation outstanding")),
    };
    let ok = outcome.is_none();
    if let Some(message) = outcome {
        inner.violations.push(crate::Violation::new(rule, message));
    }
    adapter.cv.notify_all();
    ok
}

/// `NdisMPauseComplete`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMPauseComplete(MiniportAdapterHandle: NDIS_HANDLE) {
    guard("NdisMPauseComplete", (), || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMPauseComplete") else {
            return;
        };
        check_irql(Some(&adapter.owner()), "NdisMPauseComplete", Irql::Dispatch);
        complete_op(
            &adapter,
            "NdisMPauseComplete",
            "NDIS-PAUSE-2",
            |i| &mut i.pause,
            SUCCESS,
        );
    });
}

/// `NdisMRestartComplete`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMRestartComplete(
    MiniportAdapterHandle: NDIS_HANDLE,
    Status: NDIS_STATUS,
) {
    guard("NdisMRestartComplete", (), || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMRestartComplete")
        else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMRestartComplete",
            Irql::Dispatch,
        );
        if Status == NDIS_STATUS_PENDING {
            adapter.violate(
                "NDIS-RESTART-1",
                "NdisMRestartComplete called with NDIS_STATUS_PENDING".into(),
            );
        }
        complete_op(
            &adapter,
            "NdisMRestartComplete",
            "NDIS-RESTART-1",
            |i| &mut i.restart,
            Status,
        );
    });
}

/// `NdisMResetComplete`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMResetComplete(
    MiniportAdapterHandle: NDIS_HANDLE,
    Status: NDIS_STATUS,
    AddressingReset: BOOLEAN,
) {
    let _ = AddressingReset;
    guard("NdisMResetComplete", (), || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMResetComplete") else {
            return;
        };
        check_irql(Some(&adapter.owner()), "NdisMResetComplete", Irql::Dispatch);
        complete_op(
            &adapter,
            "NdisMResetComplete",
            "NDIS-RESET-1",
            |i| &mut i.reset,
            Status,
        );
    });
}

/// Whether the adapter is in a state where a receive indication or send completion is legal;
/// reports NDIS-STATE-1 / NDIS-RECV-1 / NDIS-SEND-2 otherwise.
pub(crate) fn datapath_state_ok(
    adapter: &AdapterShared,
    what: &str,
    paused_rule: &'static str,
) -> bool {
    let (state, restarted) = {
        let inner = adapter.lock();
        (inner.state, inner.ever_restarted)
    };
    match state {
        AdapterState::Running | AdapterState::Pausing | AdapterState::Restarting => true,
        AdapterState::Initializing => {
            adapter.violate(
                "NDIS-STATE-1",
                format!("{what} during MiniportInitializeEx (the adapter is not started)"),
            );
            false
        }
        AdapterState::Paused if !restarted => {
            adapter.violate(
                "NDIS-STATE-1",
                format!("{what} while Paused after MiniportInitializeEx, before MiniportRestart"),
            );
            false
        }
        AdapterState::Paused => {
            adapter.violate(
                paused_rule,
                format!("{what} after pause completed (adapter Paused)"),
            );
            false
        }
        AdapterState::Halted | AdapterState::Shutdown => {
            adapter.violate(
                "NDIS-HALT-6",
                format!("{what} after the adapter was halted"),
            );
            false
        }
    }
}
