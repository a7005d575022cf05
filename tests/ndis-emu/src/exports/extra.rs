//! The remaining functions `ndis-abi` declares: scatter/gather lists, data-buffer access, event
//! logging, processor information and device properties. They behave as documented for the
//! cases the drivers use; where the emulator has nothing to offer (I/O ports, RSS processor
//! tables) they fail the way NDIS does on such a machine.

use std::ffi::c_void;

use ndis_abi::*;

use super::data::first_nb_data;
use super::{adapter_of, check_irql, guard, object_of, owner_of};
use crate::context::{self, Handler};
use crate::irql::Irql;
use crate::raw;
use crate::registry::{self, Kind};

const SUCCESS: NDIS_STATUS = NDIS_STATUS_SUCCESS;

/// `NdisReadNetworkAddress`: the `NetworkAddress` keyword (12 hex digits) if configured.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisReadNetworkAddress(
    Status: *mut NDIS_STATUS,
    NetworkAddress: *mut PVOID,
    NetworkAddressLength: *mut UINT,
    ConfigurationHandle: NDIS_HANDLE,
) {
    guard("NdisReadNetworkAddress", (), || {
        if Status.is_null() || NetworkAddress.is_null() || NetworkAddressLength.is_null() {
            return;
        }
        let fail = || {
            // SAFETY: checked non-NULL above.
            unsafe { raw::write(Status, NDIS_STATUS_FAILURE) };
        };
        let Some((_, owner)) = object_of(
            ConfigurationHandle as usize,
            "NdisReadNetworkAddress",
            "configuration handle",
            |k| matches!(k, Kind::Config { .. }),
        ) else {
            return fail();
        };
        check_irql(Some(&owner), "NdisReadNetworkAddress", Irql::Passive);
        let Some(adapter) = owner.adapter() else {
            return fail();
        };
        let Some(crate::KeywordValue::Str(text)) = adapter.config.lookup("NetworkAddress").cloned()
        else {
            return fail();
        };
        let hex: String = text.chars().filter(char::is_ascii_hexdigit).collect();
        if hex.len() != 12 {
            return fail();
        }
        let bytes: Vec<u8> = (0..6)
            .filter_map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok())
            .collect();
        let Some(block) = registry::new_block(6, 16, Kind::Memory { length: 0 }, owner.clone())
        else {
            return fail();
        };
        // SAFETY: fresh 6-byte emulator block.
        unsafe { raw::copy_in(block as *mut u8, &bytes) };
        registry::update(ConfigurationHandle as usize, |k| {
            if let Kind::Config { params } = k {
                params.push(block);
            }
        });
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(NetworkAddress, block as PVOID) };
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(NetworkAddressLength, 6) };
        // SAFETY: checked non-NULL above.
        unsafe { raw::write(Status, SUCCESS) };
    });
}

/// `NdisFreeMemoryWithTagPriority`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeMemoryWithTagPriority(
    NdisHandle: NDIS_HANDLE,
    VirtualAddress: PVOID,
    Tag: ULONG,
) {
    let _ = Tag;
    guard("NdisFreeMemoryWithTagPriority", (), || {
        if owner_of(NdisHandle as usize, "NdisFreeMemoryWithTagPriority").is_none() {
            return;
        }
        let Some((_, owner)) = object_of(
            VirtualAddress as usize,
            "NdisFreeMemoryWithTagPriority",
            "memory block",
            |k| matches!(k, Kind::Memory { .. }),
        ) else {
            return;
        };
        check_irql(
            Some(&owner),
            "NdisFreeMemoryWithTagPriority",
            Irql::Dispatch,
        );
        registry::retire(VirtualAddress as usize);
    });
}

/// `NdisGetDataBuffer`: contiguous view of the first `BytesNeeded` bytes, copied to `Storage`
/// when the data spans MDLs (or NULL without storage).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisGetDataBuffer(
    NetBuffer: *mut NET_BUFFER,
    BytesNeeded: ULONG,
    Storage: PVOID,
    AlignMultiple: UINT,
    AlignOffset: UINT,
) -> PVOID {
    let _ = (AlignMultiple, AlignOffset);
    guard("NdisGetDataBuffer", std::ptr::null_mut(), || {
        if NetBuffer.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: the driver passes a valid NET_BUFFER.
        let nb = unsafe { raw::read(NetBuffer) };
        // SAFETY: NET_BUFFER_DATA view of the header union.
        let d = unsafe { nb.NetBufferHeader.NetBufferData };
        // SAFETY: DataLength view of the length union.
        if unsafe { d.NbDataLength.DataLength } < BytesNeeded || d.CurrentMdl.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: CurrentMdl of a valid NB.
        let mdl = unsafe { raw::read(d.CurrentMdl) };
        if mdl.ByteCount.saturating_sub(d.CurrentMdlOffset) >= BytesNeeded
            && !mdl.MappedSystemVa.is_null()
        {
            // SAFETY: the offset lies inside the MDL's mapped buffer.
            return unsafe {
                mdl.MappedSystemVa
                    .cast::<u8>()
                    .add(d.CurrentMdlOffset as usize)
            }
            .cast::<c_void>();
        }
        if Storage.is_null() {
            return std::ptr::null_mut();
        }
        // Build a one-NB view to reuse the bounded copier.
        let mut nbl = NET_BUFFER_LIST::zeroed();
        nbl.NetBufferListHeader.NetBufferListData = NET_BUFFER_LIST_DATA {
            Next: std::ptr::null_mut(),
            FirstNetBuffer: NetBuffer,
        };
        let Some(data) = first_nb_data(&nbl) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the driver's storage holds at least `BytesNeeded` bytes (DDI contract).
        unsafe { raw::copy_in(Storage.cast::<u8>(), &data[..BytesNeeded as usize]) };
        Storage
    })
}

/// `NdisQueryNetBufferPhysicalCount`: the number of MDL segments covering the data.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisQueryNetBufferPhysicalCount(NetBuffer: *mut NET_BUFFER) -> ULONG {
    guard("NdisQueryNetBufferPhysicalCount", 0, || {
        if NetBuffer.is_null() {
            return 0;
        }
        // SAFETY: the driver passes a valid NET_BUFFER.
        let nb = unsafe { raw::read(NetBuffer) };
        // SAFETY: NET_BUFFER_DATA view.
        let d = unsafe { nb.NetBufferHeader.NetBufferData };
        let mut mdl = d.CurrentMdl;
        let mut count = 0;
        while !mdl.is_null() && count < 1024 {
            count += 1;
            // SAFETY: MDLs of a valid NB.
            mdl = unsafe { raw::read(mdl) }.Next;
        }
        count
    })
}

/// Builds a SCATTER_GATHER_LIST for an NB's data in `buffer` (fake physical addresses the
/// device resolves through its [`crate::DevicePort`]). Data inside shared memory keeps its
/// shared-memory address; any other range gets an SG-list mapping owned by `owner` until
/// `NdisMFreeNetBufferSGList(buffer)`. Returns the bytes needed; maps nothing (and writes
/// nothing) when `buffer` is 0 or `size` is too small.
fn build_sgl(nb: *mut NET_BUFFER, buffer: usize, size: usize, owner: usize) -> Option<usize> {
    // SAFETY: valid NET_BUFFER from the driver.
    let v = unsafe { raw::read(nb) };
    // SAFETY: NET_BUFFER_DATA view.
    let d = unsafe { v.NetBufferHeader.NetBufferData };
    // SAFETY: DataLength view.
    let mut remaining = unsafe { d.NbDataLength.DataLength } as usize;
    let mut mdl = d.CurrentMdl;
    let mut offset = d.CurrentMdlOffset as usize;
    let mut segments: Vec<(usize, usize)> = Vec::new();
    while remaining > 0 && segments.len() < 1024 {
        if mdl.is_null() {
            return None;
        }
        // SAFETY: MDLs of a valid NB.
        let m = unsafe { raw::read(mdl) };
        let take = (m.ByteCount as usize).checked_sub(offset)?.min(remaining);
        let va = (m.MappedSystemVa as usize).checked_add(offset)?;
        if take > 0 {
            segments.push((va, take));
        }
        remaining -= take;
        mdl = m.Next;
        offset = 0;
    }
    if remaining > 0 {
        return None;
    }
    let needed = std::mem::size_of::<SCATTER_GATHER_LIST>()
        + segments.len() * std::mem::size_of::<SCATTER_GATHER_ELEMENT>();
    if buffer == 0 || size < needed {
        return Some(needed);
    }
    let mut elements = Vec::with_capacity(segments.len());
    for (va, take) in segments {
        let physical = crate::dma::physical_of(va, take)
            .unwrap_or_else(|| crate::dma::map_sg(buffer, va, take, owner));
        elements.push(SCATTER_GATHER_ELEMENT {
            Address: physical,
            Length: u32::try_from(take).ok()?,
            Reserved: 0,
        });
    }
    let list = SCATTER_GATHER_LIST {
        NumberOfElements: u32::try_from(elements.len()).ok()?,
        Reserved: 0,
        Elements: [],
    };
    // SAFETY: `buffer` holds `size >= needed` bytes.
    unsafe { raw::write(buffer as *mut SCATTER_GATHER_LIST, list) };
    for (i, e) in elements.into_iter().enumerate() {
        let at = buffer
            + std::mem::size_of::<SCATTER_GATHER_LIST>()
            + i * std::mem::size_of::<SCATTER_GATHER_ELEMENT>();
        // SAFETY: element `i` lies inside the `needed` bytes.
        unsafe { raw::write(at as *mut SCATTER_GATHER_ELEMENT, e) };
    }
    Some(needed)
}

/// `NdisMAllocateNetBufferSGList`: builds the list and calls the driver's
/// `MiniportProcessSGList` synchronously (as NDIS may).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMAllocateNetBufferSGList(
    NdisMiniportDmaHandle: NDIS_HANDLE,
    NetBuffer: *mut NET_BUFFER,
    Context: PVOID,
    Flags: ULONG,
    ScatterGatherListBuffer: PVOID,
    ScatterGatherListBufferSize: ULONG,
) -> NDIS_STATUS {
    let _ = Flags;
    guard("NdisMAllocateNetBufferSGList", NDIS_STATUS_FAILURE, || {
        let Some((_, owner)) = object_of(
            NdisMiniportDmaHandle as usize,
            "NdisMAllocateNetBufferSGList",
            "DMA handle",
            |k| matches!(k, Kind::Dma),
        ) else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(Some(&owner), "NdisMAllocateNetBufferSGList", Irql::Dispatch);
        let Some(adapter) = owner.adapter().cloned() else {
            return NDIS_STATUS_FAILURE;
        };
        if NetBuffer.is_null() {
            return NDIS_STATUS_INVALID_PARAMETER;
        }
        let Some(handler) = adapter.sg_handler() else {
            adapter.violate(
                "NDIS-DMA-1",
                "NdisMAllocateNetBufferSGList without a ProcessSGListHandler".into(),
            );
            return NDIS_STATUS_FAILURE;
        };
        let owner_handle = adapter.handle();
        let (buffer, own) = if ScatterGatherListBuffer.is_null() {
            let Some(needed) = build_sgl(NetBuffer, 0, 0, owner_handle) else {
                return NDIS_STATUS_INVALID_PARAMETER;
            };
            let Some(block) = registry::new_block(
                needed.max(16),
                16,
                Kind::Memory { length: 0 },
                owner.clone(),
            ) else {
                return NDIS_STATUS_RESOURCES;
            };
            (block, true)
        } else {
            (ScatterGatherListBuffer as usize, false)
        };
        let size = if own {
            usize::MAX
        } else {
            ScatterGatherListBufferSize as usize
        };
        match build_sgl(NetBuffer, buffer, size, owner_handle) {
            Some(needed) if needed <= size => {}
            result => {
                if own {
                    registry::retire(buffer);
                }
                return if result.is_none() {
                    NDIS_STATUS_INVALID_PARAMETER
                } else {
                    NDIS_STATUS_BUFFER_TOO_SHORT
                };
            }
        }
        {
            let mut inner = adapter.lock();
            if inner.defer_sg_lists {
                // As NDIS does when map registers are short: the list comes later, from
                // `EmuAdapter::deliver_deferred_sg_lists`, at DISPATCH.
                inner.deferred_sg_lists.push((buffer, Context as usize));
                return SUCCESS;
            }
        }
        let current = crate::irql::current();
        adapter.call(Handler::Dpc, current, || {
            // SAFETY: the driver's ProcessSGList handler with the list NDIS built.
            unsafe {
                handler(
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    buffer as *mut SCATTER_GATHER_LIST,
                    Context,
                )
            }
        });
        SUCCESS
    })
}

/// `NdisMFreeNetBufferSGList`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMFreeNetBufferSGList(
    NdisMiniportDmaHandle: NDIS_HANDLE,
    pSGL: *mut SCATTER_GATHER_LIST,
    NetBuffer: *mut NET_BUFFER,
) {
    let _ = NetBuffer;
    guard("NdisMFreeNetBufferSGList", (), || {
        let Some((_, owner)) = object_of(
            NdisMiniportDmaHandle as usize,
            "NdisMFreeNetBufferSGList",
            "DMA handle",
            |k| matches!(k, Kind::Dma),
        ) else {
            return;
        };
        check_irql(Some(&owner), "NdisMFreeNetBufferSGList", Irql::Dispatch);
        // The device may no longer reach the list's data (later access is NDIS-DMA-3).
        crate::dma::release_sg_list(pSGL as usize);
        if matches!(
            registry::get(pSGL as usize),
            Some(registry::Entry {
                kind: Kind::Memory { length: 0 },
                live: true,
                ..
            })
        ) {
            registry::retire(pSGL as usize);
        }
    });
}

/// `NdisMAllocateSharedMemoryAsyncEx`: allocates on the worker thread and calls the driver's
/// `MiniportSharedMemoryAllocateComplete`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMAllocateSharedMemoryAsyncEx(
    MiniportDmaHandle: NDIS_HANDLE,
    Length: ULONG,
    Cached: BOOLEAN,
    Context: PVOID,
) -> NDIS_STATUS {
    let _ = (Length, Cached, Context);
    guard(
        "NdisMAllocateSharedMemoryAsyncEx",
        NDIS_STATUS_FAILURE,
        || {
            let Some((_, owner)) = object_of(
                MiniportDmaHandle as usize,
                "NdisMAllocateSharedMemoryAsyncEx",
                "DMA handle",
                |k| matches!(k, Kind::Dma),
            ) else {
                return NDIS_STATUS_INVALID_PARAMETER;
            };
            check_irql(
                Some(&owner),
                "NdisMAllocateSharedMemoryAsyncEx",
                Irql::Dispatch,
            );
            // Not modelled: no driver in this project uses asynchronous shared memory.
            NDIS_STATUS_NOT_SUPPORTED
        },
    )
}

/// `NdisBuildScatterGatherList`: not modelled (the drivers use NdisMAllocateNetBufferSGList).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisBuildScatterGatherList(
    NdisHandle: NDIS_HANDLE,
    SGListParameters: *mut NDIS_SCATTER_GATHER_LIST_PARAMETERS,
) -> NDIS_STATUS {
    let _ = SGListParameters;
    guard("NdisBuildScatterGatherList", NDIS_STATUS_FAILURE, || {
        let _ = adapter_of(NdisHandle as usize, "NdisBuildScatterGatherList");
        NDIS_STATUS_NOT_SUPPORTED
    })
}

/// `NdisFreeScatterGatherList`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeScatterGatherList(
    NdisHandle: NDIS_HANDLE,
    ScatterGatherListBuffer: *mut SCATTER_GATHER_LIST,
    WriteToDevice: BOOLEAN,
) {
    let _ = (ScatterGatherListBuffer, WriteToDevice);
    guard("NdisFreeScatterGatherList", (), || {
        let _ = adapter_of(NdisHandle as usize, "NdisFreeScatterGatherList");
    });
}

/// `NdisMNetPnPEvent`: accepted.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMNetPnPEvent(
    MiniportAdapterHandle: NDIS_HANDLE,
    NetPnPEventNotification: *mut NET_PNP_EVENT_NOTIFICATION,
) -> NDIS_STATUS {
    let _ = NetPnPEventNotification;
    guard("NdisMNetPnPEvent", NDIS_STATUS_FAILURE, || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMNetPnPEvent") else {
            return NDIS_STATUS_INVALID_PARAMETER;
        };
        check_irql(Some(&adapter.owner()), "NdisMNetPnPEvent", Irql::Passive);
        SUCCESS
    })
}

/// `NdisMRegisterIoPortRange`: the emulated devices have no I/O ports.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMRegisterIoPortRange(
    PortOffset: *mut PVOID,
    MiniportAdapterHandle: NDIS_HANDLE,
    InitialPort: UINT,
    NumberOfPorts: UINT,
) -> NDIS_STATUS {
    let _ = (PortOffset, InitialPort, NumberOfPorts);
    guard("NdisMRegisterIoPortRange", NDIS_STATUS_FAILURE, || {
        let _ = adapter_of(MiniportAdapterHandle as usize, "NdisMRegisterIoPortRange");
        NDIS_STATUS_RESOURCE_CONFLICT
    })
}

/// `NdisMDeregisterIoPortRange`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMDeregisterIoPortRange(
    MiniportAdapterHandle: NDIS_HANDLE,
    InitialPort: UINT,
    NumberOfPorts: UINT,
    PortOffset: PVOID,
) {
    let _ = (InitialPort, NumberOfPorts, PortOffset);
    guard("NdisMDeregisterIoPortRange", (), || {
        let _ = adapter_of(MiniportAdapterHandle as usize, "NdisMDeregisterIoPortRange");
    });
}

/// `NdisMGetDeviceProperty`: fake device objects; no resource lists.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMGetDeviceProperty(
    MiniportAdapterHandle: NDIS_HANDLE,
    PhysicalDeviceObject: *mut PDEVICE_OBJECT,
    FunctionalDeviceObject: *mut PDEVICE_OBJECT,
    NextDeviceObject: *mut PDEVICE_OBJECT,
    AllocatedResources: *mut PCM_RESOURCE_LIST,
    AllocatedResourcesTranslated: *mut PCM_RESOURCE_LIST,
) {
    guard("NdisMGetDeviceProperty", (), || {
        let Some(adapter) = adapter_of(MiniportAdapterHandle as usize, "NdisMGetDeviceProperty")
        else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMGetDeviceProperty",
            Irql::Passive,
        );
        let fake = adapter.handle() as PDEVICE_OBJECT;
        for out in [
            PhysicalDeviceObject,
            FunctionalDeviceObject,
            NextDeviceObject,
        ] {
            if !out.is_null() {
                // SAFETY: non-NULL output pointer from the driver.
                unsafe { raw::write(out, fake) };
            }
        }
        for out in [AllocatedResources, AllocatedResourcesTranslated] {
            if !out.is_null() {
                // SAFETY: non-NULL output pointer from the driver.
                unsafe { raw::write(out, std::ptr::null_mut()) };
            }
        }
    });
}

/// `NdisGetRssProcessorInformation`: not modelled (no RSS processor set on the emulator).
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisGetRssProcessorInformation(
    NdisHandle: NDIS_HANDLE,
    RssProcessorInfo: *mut NDIS_RSS_PROCESSOR_INFO,
    Size: *mut ULONG_PTR,
) -> NDIS_STATUS {
    let _ = (RssProcessorInfo, Size);
    guard(
        "NdisGetRssProcessorInformation",
        NDIS_STATUS_FAILURE,
        || {
            let _ = owner_of(NdisHandle as usize, "NdisGetRssProcessorInformation");
            NDIS_STATUS_NOT_SUPPORTED
        },
    )
}

/// `NdisGetProcessorInformationEx`: not modelled.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisGetProcessorInformationEx(
    NdisHandle: NDIS_HANDLE,
    SystemProcessorInfo: *mut NDIS_SYSTEM_PROCESSOR_INFO,
    Size: *mut ULONG_PTR,
) -> NDIS_STATUS {
    let _ = (NdisHandle, SystemProcessorInfo, Size);
    NDIS_STATUS_NOT_SUPPORTED
}

/// `NdisGroupMaxProcessorCount`: two processors in group 0.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisGroupMaxProcessorCount(Group: USHORT) -> ULONG {
    if Group == 0 { 2 } else { 0 }
}

/// `MAX_EVENT_LOG_DATA_SIZE` (NDIS): `(ERROR_LOG_MAXIMUM_SIZE - sizeof(IO_ERROR_LOG_PACKET) +
/// sizeof(ULONG)) & ~3` = (240 - 48 + 4) & !3 on x64: strings plus padded dump data.
const MAX_EVENT_LOG_DATA_SIZE: usize = 196;

/// The most error values `NdisWriteErrorLogEntry` can log: NDIS sizes the packet as
/// `sizeof(IO_ERROR_LOG_PACKET)` (48) + 4 per value + the adapter's name, falling back to the
/// `\Device\{GUID}` name (46 characters + NUL) when the instance name does not fit
/// `ERROR_LOG_MAXIMUM_SIZE` (240): (240 - 48 - 94) / 4 = 24. Beyond that the entry is dropped
/// (or, as NDIS narrows the size to a `UCHAR`, allocated too short and overrun).
pub(crate) const MAX_ERROR_VALUES: u32 = 24;

/// `NdisWriteEventLogEntry`: for protocol drivers only. Its `LogHandle` is a driver object and
/// "miniport drivers should call NdisWriteErrorLogEntry" (D/ndis/nf-ndis-ndiswriteeventlogentry.md),
/// so any call from a miniport is NDIS-LOG-2; the arguments are checked against the DDI's own
/// consistency rules as well. Nothing is recorded: on Windows the entry would be written against
/// whatever `LogHandle` really points to, not the adapter.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisWriteEventLogEntry(
    LogHandle: PVOID,
    EventCode: NDIS_STATUS,
    UniqueEventValue: ULONG,
    NumStrings: USHORT,
    StringsList: PVOID,
    DataSize: ULONG,
    Data: PVOID,
) -> NDIS_STATUS {
    guard("NdisWriteEventLogEntry", NDIS_STATUS_FAILURE, || {
        let name = "NdisWriteEventLogEntry";
        let mut problems = Vec::new();
        match registry::get(LogHandle as usize) {
            Some(entry) if matches!(entry.kind, Kind::Adapter(_)) => {
                problems
                    .push("LogHandle is a MiniportAdapterHandle, not a driver object".to_string());
            }
            _ => {}
        }
        if StringsList.is_null() && NumStrings != 0 {
            problems.push(format!("NumStrings {NumStrings} with a NULL StringsList"));
        }
        if Data.is_null() && DataSize != 0 {
            problems.push(format!("DataSize {DataSize} with a NULL Data"));
        }
        let padded = (DataSize as usize).div_ceil(4) * 4;
        if padded > MAX_EVENT_LOG_DATA_SIZE {
            problems.push(format!(
                "DataSize {DataSize} exceeds MAX_EVENT_LOG_DATA_SIZE ({MAX_EVENT_LOG_DATA_SIZE})"
            ));
        }
        let detail = if problems.is_empty() {
            String::new()
        } else {
            format!("; {}", problems.join("; "))
        };
        let message = format!(
            "{name}(code {EventCode:#010x}, unique {UniqueEventValue:#x}) called by a \
             miniport: miniports log with NdisWriteErrorLogEntry{detail}"
        );
        // Charged to whoever the handle belongs to, else to the running handler.
        match registry::get(LogHandle as usize) {
            Some(entry) => entry.owner.violate("NDIS-LOG-2", message),
            None => context::violate_current("NDIS-LOG-2", message),
        }
        if padded > MAX_EVENT_LOG_DATA_SIZE {
            NDIS_STATUS_BUFFER_TOO_SHORT
        } else {
            NDIS_STATUS_FAILURE
        }
    })
}

/// `NdisWriteErrorLogEntry` is variadic in C (`NumberOfErrorValues` `ULONG`s follow); stable
/// Rust cannot define a variadic function, so this definition takes the three fixed arguments
/// and [`MAX_ERROR_VALUES`] fixed `ULONG`s. On x86-64 System V a variadic call passes integer
/// arguments in the same registers and stack slots as a call to this fixed list, so the values
/// a caller passed are read exactly; `ndis::event_log::write_event` always passes all 24 slots
/// (zero-padded), so its calls match this list one for one. Values past
/// `NumberOfErrorValues` are never looked at. Not covered by the signature check for that
/// reason.
///
/// Records the entry on the adapter ([`crate::EventLogEntry`]); a handle that is no adapter
/// handle or a count above [`MAX_ERROR_VALUES`] is NDIS-LOG-1 (nothing recorded, as NDIS drops
/// such an entry). IRQL <= DISPATCH_LEVEL.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn NdisWriteErrorLogEntry(
    NdisAdapterHandle: NDIS_HANDLE,
    ErrorCode: NDIS_ERROR_CODE,
    NumberOfErrorValues: ULONG,
    v0: ULONG,
    v1: ULONG,
    v2: ULONG,
    v3: ULONG,
    v4: ULONG,
    v5: ULONG,
    v6: ULONG,
    v7: ULONG,
    v8: ULONG,
    v9: ULONG,
    v10: ULONG,
    v11: ULONG,
    v12: ULONG,
    v13: ULONG,
    v14: ULONG,
    v15: ULONG,
    v16: ULONG,
    v17: ULONG,
    v18: ULONG,
    v19: ULONG,
    v20: ULONG,
    v21: ULONG,
    v22: ULONG,
    v23: ULONG,
) {
    let values = [
        v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18, v19,
        v20, v21, v22, v23,
    ];
    guard("NdisWriteErrorLogEntry", (), || {
        let name = "NdisWriteErrorLogEntry";
        let handle = NdisAdapterHandle as usize;
        let is_adapter = matches!(
            registry::get(handle),
            Some(registry::Entry {
                kind: Kind::Adapter(_),
                ..
            })
        );
        if !is_adapter {
            let message = format!(
                "{name}(code {ErrorCode:#010x}): {handle:#x} is not a MiniportAdapterHandle \
                 (NDIS treats it as its miniport block)"
            );
            match registry::get(handle) {
                Some(entry) => entry.owner.violate("NDIS-LOG-1", message),
                None => crate::context::violate_current("NDIS-LOG-1", message),
            }
            return;
        }
        // Halted adapters are NDIS-HALT-6 (reported by the lookup).
        let Some(adapter) = adapter_of(handle, name) else {
            return;
        };
        let owner = crate::registry::Owner::Adapter(std::sync::Arc::clone(&adapter));
        check_irql(Some(&owner), name, Irql::Dispatch);
        if NumberOfErrorValues > MAX_ERROR_VALUES {
            adapter.violate(
                "NDIS-LOG-1",
                format!(
                    "{name}(code {ErrorCode:#010x}): NumberOfErrorValues {NumberOfErrorValues} \
                     does not fit ERROR_LOG_MAXIMUM_SIZE (at most {MAX_ERROR_VALUES})"
                ),
            );
            return;
        }
        let values = values[..NumberOfErrorValues as usize].to_vec();
        adapter.lock().event_log.push(crate::EventLogEntry {
            code: ErrorCode,
            values,
        });
    });
}
