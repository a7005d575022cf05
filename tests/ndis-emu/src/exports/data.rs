//! NBL/NB pools, NBLs, NBs and MDLs; send completion and receive indication.

use ndis_abi::*;

use super::core::datapath_state_ok;
use super::{adapter_of, check_irql, guard, object_of, owner_of};
use crate::adapter::{AdapterShared, ChainSnapshot, ReceivedFrame, SendCompletion};
use crate::consts::*;
use crate::irql::{self, Irql};
use crate::raw;
use crate::registry::{self, Kind, Owner};

/// `MDL_SOURCE_IS_NONPAGED_POOL` (wdm.h): `MappedSystemVa` is valid.
const MDL_SOURCE_IS_NONPAGED_POOL: i16 = 0x0004;
/// Longest chain the emulator walks (NBLs in a chain, NBs in an NBL, MDLs in an NB).
const MAX_CHAIN: usize = 65_536;

fn new_mdl(owner: &Owner, va: usize, length: u32) -> Option<usize> {
    let mdl = registry::new_block(std::mem::size_of::<MDL>(), 16, Kind::Mdl, owner.clone())?;
    let value = MDL {
        Next: std::ptr::null_mut(),
        Size: i16::try_from(std::mem::size_of::<MDL>()).unwrap_or(i16::MAX),
        MdlFlags: MDL_SOURCE_IS_NONPAGED_POOL,
        AllocationProcessorNumber: 0,
        Reserved: 0,
        Process: std::ptr::null_mut(),
        MappedSystemVa: va as PVOID,
        StartVa: (va & !0xFFF) as PVOID,
        ByteCount: length,
        ByteOffset: u32::try_from(va & 0xFFF).unwrap_or(0),
    };
    // SAFETY: `mdl` is a fresh emulator block of `size_of::<MDL>()` bytes.
    unsafe { raw::write(mdl as *mut MDL, value) };
    Some(mdl)
}

/// Locates `(CurrentMdl, CurrentMdlOffset)` for `DataOffset` bytes into an MDL chain.
fn locate(mdl_chain: *mut MDL, data_offset: u32) -> (*mut MDL, u32) {
    let mut mdl = mdl_chain;
    let mut offset = data_offset;
    let mut walked = 0;
    while !mdl.is_null() && walked < MAX_CHAIN {
        // SAFETY: MDLs in a chain the driver passes to NDIS are valid for reads.
        let m = unsafe { raw::read(mdl) };
        if offset < m.ByteCount {
            return (mdl, offset);
        }
        offset -= m.ByteCount;
        mdl = m.Next;
        walked += 1;
    }
    (mdl_chain, data_offset)
}

fn new_nb(
    owner: &Owner,
    pool: usize,
    mdl_chain: *mut MDL,
    data_offset: u32,
    data_length: usize,
) -> Option<usize> {
    let nb = registry::new_block(
        std::mem::size_of::<NET_BUFFER>(),
        16,
        Kind::Nb { pool },
        owner.clone(),
    )?;
    let (current, current_offset) = locate(mdl_chain, data_offset);
    let mut value = NET_BUFFER::zeroed();
    value.NetBufferHeader.NetBufferData = NET_BUFFER_DATA {
        Next: std::ptr::null_mut(),
        CurrentMdl: current,
        CurrentMdlOffset: current_offset,
        NbDataLength: NET_BUFFER_DATA_LENGTH {
            stDataLength: data_length,
        },
        MdlChain: mdl_chain,
        DataOffset: data_offset,
    };
    value.NdisPoolHandle = pool as NDIS_HANDLE;
    // SAFETY: `nb` is a fresh emulator block of `size_of::<NET_BUFFER>()` bytes.
    unsafe { raw::write(nb as *mut NET_BUFFER, value) };
    Some(nb)
}

/// `NdisAllocateNetBufferListPool`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateNetBufferListPool(
    NdisHandle: NDIS_HANDLE,
    Parameters: *mut NET_BUFFER_LIST_POOL_PARAMETERS,
) -> NDIS_HANDLE {
    guard(
        "NdisAllocateNetBufferListPool",
        std::ptr::null_mut(),
        || {
            let Some(owner) = owner_of(NdisHandle as usize, "NdisAllocateNetBufferListPool") else {
                return std::ptr::null_mut();
            };
            check_irql(
                Some(&owner),
                "NdisAllocateNetBufferListPool",
                Irql::Dispatch,
            );
            if Parameters.is_null() {
                owner.violate(
                    "NDIS-HANDLE-1",
                    "NdisAllocateNetBufferListPool: NULL parameters".into(),
                );
                return std::ptr::null_mut();
            }
            // SAFETY: non-NULL parameters from the driver.
            let p = unsafe { raw::read(Parameters) };
            if !header_ok(
                &p.Header,
                NDIS_OBJECT_TYPE_DEFAULT,
                NBL_POOL_PARAMETERS_SIZES,
            ) {
                owner.violate("NDIS-ATTR-3", format!("NET_BUFFER_LIST_POOL_PARAMETERS header {{Type {:#x}, Revision {}, Size {}}}", p.Header.Type, p.Header.Revision, p.Header.Size));
                return std::ptr::null_mut();
            }
            registry::new_handle(
                Kind::NblPool {
                    allocate_nb: p.fAllocateNetBuffer != 0,
                    data_size: p.DataSize,
                },
                owner,
            ) as NDIS_HANDLE
        },
    )
}

fn pool_in_use(pool: usize) -> usize {
    // NBLs/NBs of this pool that are still live.
    registry::count_live(
        |k| matches!(k, Kind::Nbl { pool: p, .. } | Kind::Nb { pool: p, .. } if *p == pool),
    )
}

/// `NdisFreeNetBufferListPool`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeNetBufferListPool(PoolHandle: NDIS_HANDLE) {
    guard("NdisFreeNetBufferListPool", (), || {
        let Some((_, owner)) = object_of(
            PoolHandle as usize,
            "NdisFreeNetBufferListPool",
            "NBL pool",
            |k| matches!(k, Kind::NblPool { .. }),
        ) else {
            return;
        };
        check_irql(Some(&owner), "NdisFreeNetBufferListPool", Irql::Dispatch);
        let in_use = pool_in_use(PoolHandle as usize);
        if in_use > 0 {
            owner.violate(
                "NDIS-MEM-1",
                format!("NdisFreeNetBufferListPool with {in_use} NBL(s) of the pool not freed"),
            );
        }
        registry::retire(PoolHandle as usize);
    });
}

/// `NdisAllocateNetBufferPool`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateNetBufferPool(
    NdisHandle: NDIS_HANDLE,
    Parameters: *mut NET_BUFFER_POOL_PARAMETERS,
) -> NDIS_HANDLE {
    guard("NdisAllocateNetBufferPool", std::ptr::null_mut(), || {
        let Some(owner) = owner_of(NdisHandle as usize, "NdisAllocateNetBufferPool") else {
            return std::ptr::null_mut();
        };
        check_irql(Some(&owner), "NdisAllocateNetBufferPool", Irql::Dispatch);
        if Parameters.is_null() {
            owner.violate(
                "NDIS-HANDLE-1",
                "NdisAllocateNetBufferPool: NULL parameters".into(),
            );
            return std::ptr::null_mut();
        }
        // SAFETY: non-NULL parameters from the driver.
        let p = unsafe { raw::read(Parameters) };
        if !header_ok(
            &p.Header,
            NDIS_OBJECT_TYPE_DEFAULT,
            NB_POOL_PARAMETERS_SIZES,
        ) {
            owner.violate("NDIS-ATTR-3", "NET_BUFFER_POOL_PARAMETERS header".into());
            return std::ptr::null_mut();
        }
        registry::new_handle(Kind::NbPool, owner) as NDIS_HANDLE
    })
}

/// `NdisFreeNetBufferPool`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeNetBufferPool(PoolHandle: NDIS_HANDLE) {
    guard("NdisFreeNetBufferPool", (), || {
        let Some((_, owner)) = object_of(
            PoolHandle as usize,
            "NdisFreeNetBufferPool",
            "NB pool",
            |k| matches!(k, Kind::NbPool),
        ) else {
            return;
        };
        check_irql(Some(&owner), "NdisFreeNetBufferPool", Irql::Dispatch);
        let in_use = pool_in_use(PoolHandle as usize);
        if in_use > 0 {
            owner.violate(
                "NDIS-MEM-1",
                format!("NdisFreeNetBufferPool with {in_use} NB(s) of the pool not freed"),
            );
        }
        registry::retire(PoolHandle as usize);
    });
}

fn allocate_nbl(
    pool_handle: NDIS_HANDLE,
    context_size: u16,
    with_nb: Option<(*mut MDL, u32, usize)>,
    name: &str,
) -> *mut NET_BUFFER_LIST {
    let Some((
        Kind::NblPool {
            allocate_nb,
            data_size,
            ..
        },
        owner,
    )) = object_of(pool_handle as usize, name, "NBL pool", |k| {
        matches!(k, Kind::NblPool { .. })
    })
    else {
        return std::ptr::null_mut();
    };
    check_irql(Some(&owner), name, Irql::Dispatch);
    let pool = pool_handle as usize;
    let mut extras = Vec::new();
    let mut nbl_value = NET_BUFFER_LIST::zeroed();
    nbl_value.NdisPoolHandle = pool_handle;
    if let Some((mut mdl_chain, data_offset, data_length)) = with_nb {
        if !allocate_nb {
            owner.violate(
                "NDIS-HANDLE-1",
                format!("{name}: the pool was created with fAllocateNetBuffer FALSE"),
            );
            return std::ptr::null_mut();
        }
        if mdl_chain.is_null() && data_size > 0 {
            let Some(data) =
                registry::new_block(data_size as usize, 64, Kind::Nb { pool }, owner.clone())
            else {
                return std::ptr::null_mut();
            };
            let Some(mdl) = new_mdl(&owner, data, data_size) else {
                return std::ptr::null_mut();
            };
            extras.push(data);
            extras.push(mdl);
            mdl_chain = mdl as *mut MDL;
        }
        let Some(nb) = new_nb(&owner, pool, mdl_chain, data_offset, data_length) else {
            return std::ptr::null_mut();
        };
        extras.push(nb);
        nbl_value.NetBufferListHeader.NetBufferListData = NET_BUFFER_LIST_DATA {
            Next: std::ptr::null_mut(),
            FirstNetBuffer: nb as *mut NET_BUFFER,
        };
    }
    if context_size > 0 {
        let header = std::mem::size_of::<NET_BUFFER_LIST_CONTEXT>();
        let Some(ctx) = registry::new_block(
            header + usize::from(context_size),
            16,
            Kind::Nb { pool },
            owner.clone(),
        ) else {
            return std::ptr::null_mut();
        };
        let value = NET_BUFFER_LIST_CONTEXT {
            Next: std::ptr::null_mut(),
            Size: context_size,
            Offset: 0,
            ContextData: NET_BUFFER_LIST_CONTEXT_DATA { Data: [] },
        };
        // SAFETY: fresh emulator block holding at least the context header.
        unsafe { raw::write(ctx as *mut NET_BUFFER_LIST_CONTEXT, value) };
        extras.push(ctx);
        nbl_value.Context = ctx as PVOID;
    }
    let Some(nbl) = registry::new_block(
        std::mem::size_of::<NET_BUFFER_LIST>(),
        16,
        Kind::Nbl { pool, extras },
        owner,
    ) else {
        return std::ptr::null_mut();
    };
    // SAFETY: fresh emulator block of `size_of::<NET_BUFFER_LIST>()` bytes.
    unsafe { raw::write(nbl as *mut NET_BUFFER_LIST, nbl_value) };
    nbl as *mut NET_BUFFER_LIST
}

/// `NdisAllocateNetBufferAndNetBufferList`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateNetBufferAndNetBufferList(
    PoolHandle: NDIS_HANDLE,
    ContextSize: USHORT,
    ContextBackFill: USHORT,
    MdlChain: *mut MDL,
    DataOffset: ULONG,
    DataLength: ULONG_PTR,
) -> *mut NET_BUFFER_LIST {
    let _ = ContextBackFill;
    guard(
        "NdisAllocateNetBufferAndNetBufferList",
        std::ptr::null_mut(),
        || {
            allocate_nbl(
                PoolHandle,
                ContextSize,
                Some((MdlChain, DataOffset, DataLength)),
                "NdisAllocateNetBufferAndNetBufferList",
            )
        },
    )
}

/// `NdisAllocateNetBufferList`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateNetBufferList(
    PoolHandle: NDIS_HANDLE,
    ContextSize: USHORT,
    ContextBackFill: USHORT,
) -> *mut NET_BUFFER_LIST {
    let _ = ContextBackFill;
    guard("NdisAllocateNetBufferList", std::ptr::null_mut(), || {
        allocate_nbl(PoolHandle, ContextSize, None, "NdisAllocateNetBufferList")
    })
}

/// `NdisFreeNetBufferList`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeNetBufferList(NetBufferList: *mut NET_BUFFER_LIST) {
    guard("NdisFreeNetBufferList", (), || {
        let nbl = NetBufferList as usize;
        let Some((Kind::Nbl { extras, .. }, owner)) =
            object_of(nbl, "NdisFreeNetBufferList", "NBL", |k| {
                matches!(k, Kind::Nbl { .. })
            })
        else {
            return;
        };
        check_irql(Some(&owner), "NdisFreeNetBufferList", Irql::Dispatch);
        if let Some(a) = owner.adapter() {
            if a.lock().owned_receives.contains_key(&nbl) {
                a.violate(
                    "NDIS-RECV-3",
                    format!(
                        "NBL {nbl:#x} freed while NDIS still owns it (indicated, not yet returned)"
                    ),
                );
            }
        }
        for e in extras {
            registry::retire(e);
        }
        registry::retire(nbl);
    });
}

/// `NdisAllocateNetBuffer`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateNetBuffer(
    PoolHandle: NDIS_HANDLE,
    MdlChain: *mut MDL,
    DataOffset: ULONG,
    DataLength: ULONG_PTR,
) -> *mut NET_BUFFER {
    guard("NdisAllocateNetBuffer", std::ptr::null_mut(), || {
        let Some((_, owner)) = object_of(
            PoolHandle as usize,
            "NdisAllocateNetBuffer",
            "NB pool",
            |k| matches!(k, Kind::NbPool),
        ) else {
            return std::ptr::null_mut();
        };
        check_irql(Some(&owner), "NdisAllocateNetBuffer", Irql::Dispatch);
        new_nb(
            &owner,
            PoolHandle as usize,
            MdlChain,
            DataOffset,
            DataLength,
        )
        .map_or(std::ptr::null_mut(), |nb| nb as *mut NET_BUFFER)
    })
}

/// `NdisFreeNetBuffer`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeNetBuffer(NetBuffer: *mut NET_BUFFER) {
    guard("NdisFreeNetBuffer", (), || {
        let Some((_, owner)) = object_of(NetBuffer as usize, "NdisFreeNetBuffer", "NB", |k| {
            matches!(k, Kind::Nb { .. })
        }) else {
            return;
        };
        check_irql(Some(&owner), "NdisFreeNetBuffer", Irql::Dispatch);
        registry::retire(NetBuffer as usize);
    });
}

/// `NdisAllocateMdl`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisAllocateMdl(
    NdisHandle: NDIS_HANDLE,
    VirtualAddress: PVOID,
    Length: UINT,
) -> *mut MDL {
    guard("NdisAllocateMdl", std::ptr::null_mut(), || {
        let Some(owner) = owner_of(NdisHandle as usize, "NdisAllocateMdl") else {
            return std::ptr::null_mut();
        };
        check_irql(Some(&owner), "NdisAllocateMdl", Irql::Dispatch);
        if VirtualAddress.is_null() {
            owner.violate(
                "NDIS-HANDLE-1",
                "NdisAllocateMdl: NULL VirtualAddress".into(),
            );
            return std::ptr::null_mut();
        }
        new_mdl(&owner, VirtualAddress as usize, Length)
            .map_or(std::ptr::null_mut(), |m| m as *mut MDL)
    })
}

/// `NdisFreeMdl`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisFreeMdl(Mdl: *mut MDL) {
    guard("NdisFreeMdl", (), || {
        let Some((_, owner)) = object_of(Mdl as usize, "NdisFreeMdl", "MDL", |k| {
            matches!(k, Kind::Mdl)
        }) else {
            return;
        };
        check_irql(Some(&owner), "NdisFreeMdl", Irql::Dispatch);
        registry::retire(Mdl as usize);
    });
}

/// Reads the snapshot of an NBL's NB/MDL chain.
pub(crate) fn snapshot(nbl: *const NET_BUFFER_LIST) -> ChainSnapshot {
    // SAFETY: NBLs in a chain exchanged with NDIS are valid for reads.
    let value = unsafe { raw::read(nbl) };
    // SAFETY: reading the NBL_DATA view of the header union (plain pointers).
    let first = unsafe { value.NetBufferListHeader.NetBufferListData.FirstNetBuffer };
    let mut nbs = Vec::new();
    let mut nb = first;
    while !nb.is_null() && nbs.len() < MAX_CHAIN {
        // SAFETY: NBs linked from a valid NBL are valid for reads.
        let v = unsafe { raw::read(nb) };
        // SAFETY: reading the NET_BUFFER_DATA view of the header union.
        let d = unsafe { v.NetBufferHeader.NetBufferData };
        // SAFETY: the union's DataLength view (the low 32 bits of a SIZE_T).
        let len = unsafe { d.NbDataLength.DataLength };
        nbs.push((nb as usize, d.MdlChain as usize, len, d.DataOffset));
        nb = d.Next;
    }
    ChainSnapshot {
        first_nb: first as usize,
        nbs,
    }
}

/// Copies the first NB's data of an NBL (bounded; `None` on a malformed chain).
pub(crate) fn first_nb_data(nbl: *const NET_BUFFER_LIST) -> Option<Vec<u8>> {
    // SAFETY: NBLs exchanged with NDIS are valid for reads.
    let value = unsafe { raw::read(nbl) };
    // SAFETY: NBL_DATA view of the header union.
    let nb = unsafe { value.NetBufferListHeader.NetBufferListData.FirstNetBuffer };
    if nb.is_null() {
        return Some(Vec::new());
    }
    // SAFETY: the first NB of a valid NBL.
    let v = unsafe { raw::read(nb) };
    // SAFETY: NET_BUFFER_DATA view of the header union.
    let d = unsafe { v.NetBufferHeader.NetBufferData };
    // SAFETY: DataLength view of the length union.
    let mut remaining = unsafe { d.NbDataLength.DataLength } as usize;
    if remaining > 1 << 20 {
        return None;
    }
    let mut out = Vec::with_capacity(remaining);
    let mut mdl = d.CurrentMdl;
    let mut offset = d.CurrentMdlOffset as usize;
    let mut walked = 0;
    while remaining > 0 {
        if mdl.is_null() || walked > 1024 {
            return None;
        }
        walked += 1;
        // SAFETY: MDLs of a valid NB are valid for reads.
        let m = unsafe { raw::read(mdl) };
        let count = m.ByteCount as usize;
        if offset > count || m.MappedSystemVa.is_null() {
            return None;
        }
        let take = (count - offset).min(remaining);
        // SAFETY: `MappedSystemVa` maps `ByteCount` bytes; `offset + take <= ByteCount`.
        let bytes =
            unsafe { raw::copy_out(m.MappedSystemVa.cast::<u8>().wrapping_add(offset), take) };
        out.extend_from_slice(&bytes);
        remaining -= take;
        mdl = m.Next;
        offset = 0;
    }
    Some(out)
}

/// What a receive indication carries in one NBL.
pub(crate) struct ReceiveView {
    pub data: Vec<u8>,
    pub nb_count: usize,
    pub mdl_count: usize,
    pub data_length: u32,
}

/// Copies a receive NBL's frame (first NB, across its MDL chain) and checks its shape: an
/// Ethernet miniport indicates one NB per NBL (N/receiving-network-data.md) with a non-zero
/// `DataLength`, all present in the chain from `CurrentMdl`/`CurrentMdlOffset`
/// (N/net-buffer-architecture.md). On a bad shape returns what could be read and why.
pub(crate) fn receive_view(
    nbl: *const NET_BUFFER_LIST,
) -> Result<ReceiveView, (ReceiveView, String)> {
    // SAFETY: NBLs exchanged with NDIS are valid for reads.
    let value = unsafe { raw::read(nbl) };
    // SAFETY: NBL_DATA view of the header union.
    let first = unsafe { value.NetBufferListHeader.NetBufferListData.FirstNetBuffer };
    let mut view = ReceiveView {
        data: Vec::new(),
        nb_count: 0,
        mdl_count: 0,
        data_length: 0,
    };
    let mut nb = first;
    while !nb.is_null() && view.nb_count < MAX_CHAIN {
        view.nb_count += 1;
        // SAFETY: NBs linked from a valid NBL are valid for reads.
        let v = unsafe { raw::read(nb) };
        // SAFETY: NET_BUFFER_DATA view of the header union.
        nb = unsafe { v.NetBufferHeader.NetBufferData }.Next;
    }
    if first.is_null() {
        return Err((view, "no NET_BUFFER (FirstNetBuffer NULL)".into()));
    }
    // SAFETY: the first NB of a valid NBL.
    let v = unsafe { raw::read(first) };
    // SAFETY: NET_BUFFER_DATA view of the header union.
    let d = unsafe { v.NetBufferHeader.NetBufferData };
    // SAFETY: DataLength view of the length union.
    view.data_length = unsafe { d.NbDataLength.DataLength };
    let mut remaining = view.data_length as usize;
    if remaining == 0 {
        return Err((view, "DataLength is 0".into()));
    }
    if remaining > 1 << 20 {
        let n = view.data_length;
        return Err((view, format!("DataLength {n} is beyond any frame")));
    }
    let mut out = Vec::with_capacity(remaining);
    let mut mdl = d.CurrentMdl;
    let mut offset = d.CurrentMdlOffset as usize;
    while remaining > 0 {
        if mdl.is_null() || view.mdl_count >= 1024 {
            let (n, got) = (view.data_length, out.len());
            view.data = out;
            return Err((
                view,
                format!("the MDL chain ends after {got} of DataLength {n} bytes"),
            ));
        }
        view.mdl_count += 1;
        // SAFETY: MDLs of a valid NB are valid for reads.
        let m = unsafe { raw::read(mdl) };
        let count = m.ByteCount as usize;
        if offset > count || m.MappedSystemVa.is_null() {
            view.data = out;
            return Err((
                view,
                format!("offset {offset} beyond an MDL of {count} bytes, or an unmapped MDL"),
            ));
        }
        let take = (count - offset).min(remaining);
        // SAFETY: `MappedSystemVa` maps `ByteCount` bytes; `offset + take <= ByteCount`.
        let bytes =
            unsafe { raw::copy_out(m.MappedSystemVa.cast::<u8>().wrapping_add(offset), take) };
        out.extend_from_slice(&bytes);
        remaining -= take;
        mdl = m.Next;
        offset = 0;
    }
    view.data = out;
    if view.nb_count != 1 {
        let n = view.nb_count;
        return Err((
            view,
            format!("{n} NET_BUFFERs (an Ethernet miniport indicates one per NBL)"),
        ));
    }
    Ok(view)
}

fn nbl_next(nbl: *const NET_BUFFER_LIST) -> *mut NET_BUFFER_LIST {
    // SAFETY: NBLs exchanged with NDIS are valid for reads.
    let value = unsafe { raw::read(nbl) };
    // SAFETY: NBL_DATA view of the header union.
    unsafe { value.NetBufferListHeader.NetBufferListData.Next }
}

/// `NdisMSendNetBufferListsComplete`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMSendNetBufferListsComplete(
    MiniportAdapterHandle: NDIS_HANDLE,
    NetBufferList: *mut NET_BUFFER_LIST,
    SendCompleteFlags: ULONG,
) {
    guard("NdisMSendNetBufferListsComplete", (), || {
        let Some(adapter) = adapter_of(
            MiniportAdapterHandle as usize,
            "NdisMSendNetBufferListsComplete",
        ) else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMSendNetBufferListsComplete",
            Irql::Dispatch,
        );
        let at_dispatch = irql::current() >= Irql::Dispatch;
        let flag = SendCompleteFlags & NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL != 0;
        if at_dispatch != flag {
            adapter.violate(
                "NDIS-SEND-5",
                format!(
                    "NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL is {} but the caller runs at {}",
                    if flag { "set" } else { "clear" },
                    irql::current().name()
                ),
            );
        }
        if NetBufferList.is_null() {
            adapter.violate(
                "NDIS-HANDLE-1",
                "NdisMSendNetBufferListsComplete with a NULL chain".into(),
            );
            return;
        }
        complete_chain(&adapter, NetBufferList, SendCompleteFlags, at_dispatch);
    });
}

fn complete_chain(
    adapter: &AdapterShared,
    head: *mut NET_BUFFER_LIST,
    complete_flags: ULONG,
    at_dispatch: bool,
) {
    let mut nbl = head;
    let mut walked = 0;
    while !nbl.is_null() && walked < MAX_CHAIN {
        walked += 1;
        let addr = nbl as usize;
        let mut inner = adapter.lock();
        let Some(record) = inner.sends.remove(&addr) else {
            let twice = inner.completed_sends.contains_key(&addr);
            drop(inner);
            if twice {
                adapter.violate("NDIS-SEND-3", format!("send NBL {addr:#x} completed twice"));
                // Our own memory: the link is still readable.
                nbl = nbl_next(nbl);
                continue;
            }
            adapter.violate("NDIS-SEND-3", format!("NdisMSendNetBufferListsComplete for NBL {addr:#x}, which NDIS never sent to this miniport"));
            return;
        };
        let next = nbl_next(nbl);
        let now = snapshot(nbl);
        // SAFETY: our own send NBL (still alive in `record.buffers`).
        let value = unsafe { raw::read(nbl) };
        // SAFETY: the Status view of the status union.
        let status = unsafe { value.StatusUnion.Status };
        let lso_info = value
            .info(TcpLargeSendNetBufferListInfo)
            .map_or(0, |slot| slot.addr());
        let expect_paused = record.expect_paused;
        let lso_v2 = record.lso_v2;
        let id = record.id;
        let state = inner.state;
        let original = record.snapshot.clone();
        inner.completions.push(SendCompletion {
            id,
            status,
            nbl: addr,
            lso_info,
            complete_flags,
            at_dispatch,
        });
        AdapterShared::retire_send(&mut inner, addr, record);
        adapter.cv.notify_all();
        drop(inner);
        // A send NDIS handed over while paused may be rejected in any state but Halted; any
        // other completion needs a started data path.
        if !expect_paused || state == crate::adapter::AdapterState::Halted {
            datapath_state_ok(adapter, "send completion", "NDIS-SEND-2");
        }
        if now != original {
            adapter.violate("NDIS-SEND-4", format!("send NBL {addr:#x} completed with a different NB/MDL chain than NDIS sent ({now:?} vs {original:?})"));
        }
        if status == NDIS_STATUS_PENDING {
            adapter.violate("NDIS-SEND-8", format!("send NBL {addr:#x} (id {id}) completed with NDIS_STATUS_PENDING: the miniport never set its final Status"));
        }
        if lso_v2 && status == NDIS_STATUS_SUCCESS {
            let info = NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(lso_info);
            // LsoV2TransmitComplete: Reserved (bits 0..30) zero, Type (bit 30) V2.
            if info.Type() != NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE || info.TcpPayload() != 0 {
                adapter.violate("NDIS-SEND-7", format!("LSOv2 send NBL {addr:#x} (id {id}) completed with LSO info {lso_info:#x}: LsoV2TransmitComplete needs Type = NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE and Reserved = 0"));
            }
        }
        if expect_paused && status != NDIS_STATUS_PAUSED {
            adapter.violate("NDIS-SEND-1", format!("send NBL {addr:#x} given while paused/pausing completed with {status:#x}, not NDIS_STATUS_PAUSED"));
        }
        nbl = next;
    }
}

/// `NdisMIndicateReceiveNetBufferLists`.
///
/// # Safety
/// The function's DDI contract: pointer arguments are valid for the accesses its DDI page
/// describes (the emulator validates handles and structure headers, not raw pointers).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "system" fn NdisMIndicateReceiveNetBufferLists(
    MiniportAdapterHandle: NDIS_HANDLE,
    NetBufferList: *mut NET_BUFFER_LIST,
    PortNumber: NDIS_PORT_NUMBER,
    NumberOfNetBufferLists: ULONG,
    ReceiveFlags: ULONG,
) {
    guard("NdisMIndicateReceiveNetBufferLists", (), || {
        let Some(adapter) = adapter_of(
            MiniportAdapterHandle as usize,
            "NdisMIndicateReceiveNetBufferLists",
        ) else {
            return;
        };
        check_irql(
            Some(&adapter.owner()),
            "NdisMIndicateReceiveNetBufferLists",
            Irql::Dispatch,
        );
        let at_dispatch = irql::current() >= Irql::Dispatch;
        let flag = ReceiveFlags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL != 0;
        if at_dispatch != flag {
            adapter.violate(
                "NDIS-RECV-6",
                format!(
                    "NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL is {} but the caller runs at {}",
                    if flag { "set" } else { "clear" },
                    irql::current().name()
                ),
            );
        }
        if NetBufferList.is_null() {
            adapter.violate(
                "NDIS-HANDLE-1",
                "NdisMIndicateReceiveNetBufferLists with a NULL chain".into(),
            );
            return;
        }
        if !datapath_state_ok(&adapter, "receive indication", "NDIS-RECV-1") {
            // NDIS drops it; the miniport keeps ownership.
            return;
        }
        let resources = ReceiveFlags & NDIS_RECEIVE_FLAGS_RESOURCES != 0;
        let mut nbl = NetBufferList;
        let mut count = 0u32;
        let mut frames = Vec::new();
        while !nbl.is_null() && (count as usize) < MAX_CHAIN {
            let addr = nbl as usize;
            let known = matches!(
                registry::get(addr),
                Some(registry::Entry {
                    kind: Kind::Nbl { .. },
                    live: true,
                    ..
                })
            );
            if !known {
                adapter.violate("NDIS-HANDLE-1", format!("receive NBL {addr:#x} was not allocated from an NDIS NBL pool (or was freed)"));
                return;
            }
            count += 1;
            // SAFETY: a live NBL from an emulator pool.
            let source = unsafe { raw::read(nbl) }.SourceHandle as usize;
            if source != adapter.handle() {
                adapter.violate("NDIS-RECV-4", format!("receive NBL {addr:#x} has SourceHandle {source:#x}, not the MiniportAdapterHandle"));
            }
            if adapter.lock().owned_receives.contains_key(&addr) {
                adapter.violate(
                    "NDIS-RECV-3",
                    format!("receive NBL {addr:#x} indicated again while NDIS still owns it"),
                );
            }
            let frame = match receive_view(nbl) {
                Ok(view) => view,
                Err((view, why)) => {
                    adapter.violate("NDIS-RECV-7", format!("receive NBL {addr:#x}: {why}"));
                    view
                }
            };
            // SAFETY: a live NBL from an emulator pool.
            let value = unsafe { raw::read(nbl) };
            let slot = |id| value.info(id).map_or(0, |p: PVOID| p.addr());
            frames.push(ReceivedFrame {
                nbl: addr,
                data: frame.data,
                flags: ReceiveFlags,
                port: PortNumber,
                resources,
                nb_count: frame.nb_count,
                mdl_count: frame.mdl_count,
                data_length: frame.data_length,
                checksum: slot(TcpIpChecksumNetBufferListInfo),
                ieee8021q: slot(Ieee8021QNetBufferListInfo),
                hash_value: slot(NetBufferListHashValue) as u32,
                hash_info: slot(NetBufferListHashInfo) as u32,
                filtering: slot(NetBufferListFilteringInfo),
            });
            nbl = nbl_next(nbl);
        }
        if count != NumberOfNetBufferLists {
            adapter.violate("NDIS-RECV-5", format!("NumberOfNetBufferLists is {NumberOfNetBufferLists} but the chain holds {count} NBL(s)"));
        }
        let mut inner = adapter.lock();
        inner.receive_counts.indicated += frames.len() as u64;
        if resources {
            inner.receive_counts.with_resources += frames.len() as u64;
        }
        for f in &frames {
            if !resources {
                inner.owned_receives.insert(f.nbl, PortNumber);
                inner.owned_order.push(f.nbl);
            }
        }
        inner.received.extend(frames);
        adapter.cv.notify_all();
    });
}

/// Snapshot of a send NBL's chain (for the harness).
pub(crate) fn snapshot_of(nbl: usize) -> ChainSnapshot {
    snapshot(nbl as *const NET_BUFFER_LIST)
}

/// Links NBLs into one chain through `Next` (NDIS does this when returning NBLs).
pub(crate) fn link_chain(nbls: &[usize]) {
    for (i, &nbl) in nbls.iter().enumerate() {
        let next = nbls.get(i + 1).copied().unwrap_or(0) as *mut NET_BUFFER_LIST;
        // SAFETY: a live NBL from an emulator pool (the miniport's receive NBL), whose `Next`
        // link NDIS owns while the NBL is being returned.
        let mut value = unsafe { raw::read(nbl as *const NET_BUFFER_LIST) };
        value.NetBufferListHeader.NetBufferListData.Next = next;
        // SAFETY: as above.
        unsafe { raw::write(nbl as *mut NET_BUFFER_LIST, value) };
    }
}
