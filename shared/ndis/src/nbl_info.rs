//! Safe per-NBL and per-NET_BUFFER access for the data path (`igb-datapath`).
//!
//! * [`OwnedNbl`]: one NBL the driver owns exclusively (taken out of an [`NblChain`] with
//!   [`NblChain::pop_owned`]): its out-of-band info slots (checksum, LSO, 802.1Q, hash), its
//!   status, two `MiniportReserved` words, and its NET_BUFFERs.
//! * [`NetBufferData`] helpers: the next NET_BUFFER, how many data bytes the first MDL holds
//!   and whether the MDL chain covers `DataLength` (read from `ByteCount` only, so MDLs not
//!   mapped to system space are fine, as for the scatter/gather path).
//! * [`complete_send_chain`]: `NdisMSendNetBufferListsComplete` keeping each NBL's own status.
//!
//! Every NBL reached here is valid because it came out of an `NblChain` (whose invariant says
//! the holder owns valid NBLs exclusively); no field value is trusted (`NBL.Next`,
//! `NB.Next`, `MDL.Next`, lengths and offsets are bounded and checked).

use core::ptr::NonNull;

use ndis_abi::*;

use crate::buffer::{MAX_MDLS_PER_NET_BUFFER, NetBufferData};
use crate::nbl::{MAX_NET_BUFFERS_PER_NBL, NblChain};

/// One NBL the holder owns exclusively (same invariant as [`NblChain`]: valid, owned, and in no
/// chain; its `Next` link is null while it is an `OwnedNbl`).
#[derive(Debug)]
pub struct OwnedNbl {
    nbl: NonNull<NET_BUFFER_LIST>,
}

// SAFETY: an `OwnedNbl` owns its NBL exclusively; NDIS allows an NBL to be completed or returned
// on any processor.
unsafe impl Send for OwnedNbl {}

// SAFETY: `NetBufferData` is a read-only view of a NET_BUFFER of an NBL its holder owns; the NBL
// (and so the view) may move between processors with its owner, as NDIS allows.
unsafe impl Send for NetBufferData {}

impl NblChain {
    /// Detaches the first NBL as an [`OwnedNbl`].
    pub fn pop_owned(&mut self) -> Option<OwnedNbl> {
        self.pop_front().map(|nbl| OwnedNbl { nbl })
    }

    /// `MiniportReserved[index]` of the first NBL (0 or 1), without detaching it.
    #[must_use]
    pub fn front_reserved(&self, index: usize) -> Option<usize> {
        let head = self.head()?;
        // SAFETY: the head is a valid NBL the chain owns (NblChain invariant); read only.
        let nbl = unsafe { head.as_ref() };
        nbl.MiniportReserved.get(index).map(|word| word.addr())
    }

    /// Appends an [`OwnedNbl`] (ownership moves into the chain).
    pub fn push_owned(&mut self, nbl: OwnedNbl) {
        // SAFETY: an `OwnedNbl` is a valid NBL owned exclusively and in no chain.
        unsafe { self.push_back(nbl.nbl) };
    }
}

impl OwnedNbl {
    /// The raw NBL (identity only; ownership stays here).
    #[must_use]
    pub const fn as_raw(&self) -> NonNull<NET_BUFFER_LIST> {
        self.nbl
    }

    fn get(&self) -> &NET_BUFFER_LIST {
        // SAFETY: type invariant: the NBL is valid and owned exclusively by `self`.
        unsafe { self.nbl.as_ref() }
    }

    fn get_mut(&mut self) -> &mut NET_BUFFER_LIST {
        // SAFETY: type invariant: valid and exclusively owned, and `&mut self` is unique.
        unsafe { &mut *self.nbl.as_ptr() }
    }

    /// The first NET_BUFFER, if any.
    #[must_use]
    pub fn first_net_buffer(&self) -> Option<NetBufferData> {
        let header = self.get().NetBufferListHeader;
        // SAFETY: the header union's data member is the one NBLs use (plain data).
        let first = unsafe { header.NetBufferListData }.FirstNetBuffer;
        // SAFETY: the NET_BUFFERs of an owned NBL are valid while it is owned, and their MDLs
        // and data stay unchanged (NDIS does not touch an NBL the miniport owns).
        unsafe { NetBufferData::from_raw(first) }
    }

    /// The NET_BUFFERs in order (at most [`MAX_NET_BUFFERS_PER_NBL`]).
    pub fn net_buffers(&self) -> impl Iterator<Item = NetBufferData> + '_ {
        let mut cursor = self.first_net_buffer();
        let mut remaining = MAX_NET_BUFFERS_PER_NBL;
        core::iter::from_fn(move || {
            let current = cursor?;
            if remaining == 0 {
                return None;
            }
            remaining -= 1;
            cursor = current.next_in_list();
            Some(current)
        })
    }

    /// `NetBufferListInfo[TcpIpChecksumNetBufferListInfo]`.
    #[must_use]
    pub fn checksum_info(&self) -> NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO {
        self.get().checksum_info()
    }

    /// Writes the checksum slot (receive results).
    pub fn set_checksum_info(&mut self, info: NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO) {
        self.get_mut().set_checksum_info(info);
    }

    /// `NetBufferListInfo[TcpLargeSendNetBufferListInfo]`.
    #[must_use]
    pub fn lso_info(&self) -> NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO {
        self.get().lso_info()
    }

    /// Writes the LSO slot (the transmit-complete form before completion).
    pub fn set_lso_info(&mut self, info: NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO) {
        self.get_mut().set_lso_info(info);
    }

    /// `NetBufferListInfo[Ieee8021QNetBufferListInfo]`.
    #[must_use]
    pub fn ieee8021q_info(&self) -> NDIS_NET_BUFFER_LIST_8021Q_INFO {
        self.get().ieee8021q_info()
    }

    /// Writes the 802.1Q slot (a stripped tag on receive).
    pub fn set_ieee8021q_info(&mut self, info: NDIS_NET_BUFFER_LIST_8021Q_INFO) {
        self.get_mut().set_ieee8021q_info(info);
    }

    /// The RSS hash value and hash info (type | function) slots.
    #[must_use]
    pub fn hash(&self) -> (u32, u32) {
        (self.get().hash_value(), self.get().hash_info())
    }

    /// Writes the RSS hash value and hash info slots.
    pub fn set_hash(&mut self, value: u32, info: u32) {
        let nbl = self.get_mut();
        nbl.set_hash_value(value);
        nbl.set_hash_info(info);
    }

    /// `NET_BUFFER_LIST_STATUS`.
    #[must_use]
    pub fn status(&self) -> NDIS_STATUS {
        // SAFETY: the status union is plain data; `Status` is its NDIS_STATUS view.
        unsafe { self.get().StatusUnion.Status }
    }

    /// Sets `NET_BUFFER_LIST_STATUS`.
    pub fn set_status(&mut self, status: NDIS_STATUS) {
        self.get_mut().StatusUnion = NET_BUFFER_LIST_STATUS { Status: status };
    }

    /// `MiniportReserved[index]` as an integer (index 0 or 1; `None` otherwise).
    #[must_use]
    pub fn miniport_reserved(&self, index: usize) -> Option<usize> {
        self.get()
            .MiniportReserved
            .get(index)
            .map(|word| word.addr())
    }

    /// Stores an integer in `MiniportReserved[index]`; `false` for an index outside 0..2.
    pub fn set_miniport_reserved(&mut self, index: usize, value: usize) -> bool {
        match self.get_mut().MiniportReserved.get_mut(index) {
            Some(word) => {
                *word = core::ptr::without_provenance_mut(value);
                true
            }
            None => false,
        }
    }
}

/// How a NET_BUFFER's MDL chain covers its data (from `ByteCount`s only).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MdlCoverage {
    /// Data bytes in the first MDL (from `CurrentMdlOffset`), at most `DataLength`.
    pub first_mdl_bytes: usize,
    /// Whether the chain holds at least `DataLength` bytes from `CurrentMdlOffset`.
    pub covers_data: bool,
    /// MDLs holding data bytes (bounded by [`MAX_MDLS_PER_NET_BUFFER`]).
    pub mdls: usize,
}

impl NetBufferData {
    /// The NET_BUFFER after this one in its NBL.
    #[must_use]
    pub fn next_in_list(&self) -> Option<NetBufferData> {
        // SAFETY: type invariant: the NET_BUFFER is valid for reads.
        let header = unsafe { (*self.as_raw()).NetBufferHeader };
        // SAFETY: NET_BUFFER_DATA is the header union member NET_BUFFERs use (plain data).
        let next = unsafe { header.NetBufferData }.Next;
        // SAFETY: the next NET_BUFFER belongs to the same owned NBL, valid like this one.
        unsafe { NetBufferData::from_raw(next) }
    }

    /// The NET_BUFFER as a non-null pointer (for `NdisMAllocateNetBufferSGList`).
    #[must_use]
    pub fn as_non_null(&self) -> NonNull<NET_BUFFER> {
        // `as_raw` of a view built by `from_raw` is never null.
        NonNull::new(self.as_raw()).unwrap_or(NonNull::dangling())
    }

    /// Walks the MDL chain from `CurrentMdl` reading `ByteCount`s (no mapping), bounded.
    #[must_use]
    pub fn mdl_coverage(&self) -> MdlCoverage {
        // SAFETY: type invariant: the NET_BUFFER is valid for reads.
        let header = unsafe { (*self.as_raw()).NetBufferHeader };
        // SAFETY: NET_BUFFER_DATA is the union member NET_BUFFERs use (plain data).
        let data = unsafe { header.NetBufferData };
        // SAFETY: `DataLength` is the ULONG view of a plain-data union.
        let mut remaining = unsafe { data.NbDataLength.DataLength } as usize;
        let mut offset = data.CurrentMdlOffset as usize;
        let mut mdl = data.CurrentMdl;
        let mut coverage = MdlCoverage {
            first_mdl_bytes: 0,
            covers_data: remaining == 0,
            mdls: 0,
        };
        let mut first = true;
        let mut walked = 0usize;
        while remaining > 0 && !mdl.is_null() && walked < MAX_MDLS_PER_NET_BUFFER {
            walked += 1;
            // SAFETY: the MDLs of an owned NET_BUFFER are valid for reads (type invariant).
            let current = unsafe { &*mdl };
            let byte_count = current.ByteCount as usize;
            let available = byte_count.saturating_sub(offset);
            if offset > byte_count {
                // CurrentMdlOffset beyond its MDL: malformed.
                return MdlCoverage {
                    covers_data: false,
                    ..coverage
                };
            }
            let take = available.min(remaining);
            if first {
                coverage.first_mdl_bytes = take;
                first = false;
            }
            if take > 0 {
                coverage.mdls += 1;
            }
            remaining -= take;
            offset = 0;
            mdl = current.Next;
        }
        coverage.covers_data = remaining == 0;
        coverage
    }
}

/// Completes `chain` with one `NdisMSendNetBufferListsComplete`, keeping every NBL's own status
/// (set with [`OwnedNbl::set_status`]). `dispatch_level` sets
/// `NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL` (the caller runs at DISPATCH, e.g. in its DPC).
///
/// # Safety
/// `adapter_handle` is the adapter's `MiniportAdapterHandle` and `chain` holds NBLs NDIS sent
/// to this adapter.
pub unsafe fn complete_send_chain(
    adapter_handle: NDIS_HANDLE,
    chain: NblChain,
    dispatch_level: bool,
) {
    if chain.is_empty() {
        return;
    }
    let flags = if dispatch_level {
        NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL
    } else {
        0
    };
    // SAFETY: caller's contract: these NBLs belong to this adapter; completing hands them back.
    unsafe { NdisMSendNetBufferListsComplete(adapter_handle, chain.into_raw(), flags) };
}

/// Indicates `chain` (`count` NBLs) with one `NdisMIndicateReceiveNetBufferLists` on the
/// default port. With `NDIS_RECEIVE_FLAGS_RESOURCES` in `flags` the NBLs are the driver's again
/// when this returns and the caller reclaims them at once.
///
/// # Safety
/// `adapter_handle` is the adapter's `MiniportAdapterHandle`; the chain's NBLs were allocated by
/// this adapter from its receive pool, and their data stays valid until they come back.
pub unsafe fn indicate_receive_chain(
    adapter_handle: NDIS_HANDLE,
    chain: NblChain,
    flags: ULONG,
) -> NblChain {
    let count = u32::try_from(chain.len()).unwrap_or(u32::MAX);
    if count == 0 {
        return NblChain::new();
    }
    let head = chain.head();
    let keep = flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0;
    // Walk before handing over: with RESOURCES the same chain is ours again afterwards.
    let raw = chain.into_raw();
    // SAFETY: caller's contract.
    unsafe {
        NdisMIndicateReceiveNetBufferLists(
            adapter_handle,
            raw,
            NDIS_DEFAULT_PORT_NUMBER,
            count,
            flags,
        )
    };
    if keep {
        // SAFETY: with NDIS_RECEIVE_FLAGS_RESOURCES NDIS gives the chain back on return
        // (D/ndis/nf-ndis-ndismindicatereceivenetbufferlists.md), links unchanged.
        unsafe { NblChain::from_raw(head.map_or(core::ptr::null_mut(), NonNull::as_ptr)) }
            .unwrap_or_default()
    } else {
        NblChain::new()
    }
}
