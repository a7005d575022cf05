//! Preallocated receive NBLs: one NBL + NET_BUFFER + MDL per receive buffer, allocated once
//! (`NdisAllocateNetBufferListPool`, `NdisAllocateMdl`, `NdisAllocateNetBufferAndNetBufferList`)
//! and reused for every frame that lands in that buffer.
//!
//! [`ReceiveNbls`] keeps the table and the "lent to NDIS" state, so that an NBL is never
//! prepared or freed while NDIS holds it, and so that an NBL handed back by
//! `MiniportReturnNetBufferLists` is checked to be one of ours (its index tag in
//! `MiniportReserved[0]` and its address must both match) before its buffer is reused.
//!
//! [`NblAllocator`] abstracts where the objects come from: [`NdisReceivePool`] in the driver,
//! [`HeapNblAllocator`] in host tests (plain heap objects laid out as NDIS lays them out).

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;

use hw_platform::DmaMemory;
use ndis_abi::*;

use crate::adapter::AdapterHandle;
use crate::nbl::NblChain;
use crate::nbl_info::OwnedNbl;
use crate::status::{NdisError, NdisResult};

/// Pool tag of the receive NBL pool ('bgIR' in a pool dump: "IgbR").
pub const RECEIVE_POOL_TAG: u32 = u32::from_le_bytes(*b"IgbR");

/// One receive NBL with its single NET_BUFFER and MDL.
#[derive(Debug)]
pub struct RawReceiveNbl {
    nbl: NonNull<NET_BUFFER_LIST>,
    mdl: NonNull<MDL>,
    /// The MDL's `ByteCount` (the buffer length).
    capacity: u32,
}

// SAFETY: the objects are owned by the table; NDIS allows them on any processor.
unsafe impl Send for RawReceiveNbl {}

impl RawReceiveNbl {
    /// Wraps objects an allocator created.
    ///
    /// # Safety
    /// `nbl` is a valid NBL with exactly one NET_BUFFER whose `MdlChain` is `mdl` (one MDL of
    /// `capacity` bytes, `MappedSystemVa` valid), all owned by the caller until handed back to
    /// the allocator's `free`.
    #[must_use]
    pub const unsafe fn from_raw(
        nbl: NonNull<NET_BUFFER_LIST>,
        mdl: NonNull<MDL>,
        capacity: u32,
    ) -> Self {
        Self { nbl, mdl, capacity }
    }

    /// The NBL pointer.
    #[must_use]
    pub const fn nbl(&self) -> NonNull<NET_BUFFER_LIST> {
        self.nbl
    }

    /// The MDL pointer.
    #[must_use]
    pub const fn mdl(&self) -> NonNull<MDL> {
        self.mdl
    }
}

/// Creates and frees receive NBLs.
pub trait NblAllocator {
    /// An NBL + NB + MDL describing `len` bytes at `va` (the receive buffer's CPU address).
    fn allocate(&self, va: NonNull<u8>, len: u32) -> NdisResult<RawReceiveNbl>;
    /// Frees objects from [`NblAllocator::allocate`] (never while NDIS holds them).
    fn free(&self, nbl: RawReceiveNbl);
}

/// Receive NBLs from NDIS: an NBL pool that allocates NET_BUFFERs, MDLs from `NdisAllocateMdl`.
/// The pool is freed when dropped (after every NBL of it). PASSIVE or DISPATCH.
#[derive(Debug)]
pub struct NdisReceivePool {
    adapter: AdapterHandle,
    pool: NDIS_HANDLE,
}

// SAFETY: the pool handle is an opaque NDIS token usable from any processor at <= DISPATCH.
unsafe impl Send for NdisReceivePool {}
// SAFETY: as above; the methods only pass the token to NDIS.
unsafe impl Sync for NdisReceivePool {}

impl NdisReceivePool {
    /// `NdisAllocateNetBufferListPool` with `fAllocateNetBuffer` and no data or context.
    pub fn new(adapter: AdapterHandle) -> NdisResult<Self> {
        let mut parameters = NET_BUFFER_LIST_POOL_PARAMETERS {
            Header: NDIS_OBJECT_HEADER::new(
                NDIS_OBJECT_TYPE_DEFAULT,
                NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1,
                NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1,
            ),
            ProtocolId: 0,
            fAllocateNetBuffer: 1,
            ContextSize: 0,
            PoolTag: RECEIVE_POOL_TAG,
            DataSize: 0,
        };
        // SAFETY: the parameters are a live, initialized local; the handle is the adapter's.
        let pool = unsafe { NdisAllocateNetBufferListPool(adapter.raw(), &mut parameters) };
        if pool.is_null() {
            return Err(NdisError::RESOURCES);
        }
        Ok(Self { adapter, pool })
    }
}

impl NblAllocator for NdisReceivePool {
    fn allocate(&self, va: NonNull<u8>, len: u32) -> NdisResult<RawReceiveNbl> {
        // SAFETY: `va` is `len` bytes of nonpaged (shared) memory that outlives the MDL.
        let mdl = unsafe { NdisAllocateMdl(self.adapter.raw(), va.as_ptr().cast(), len) };
        let mdl = NonNull::new(mdl).ok_or(NdisError::RESOURCES)?;
        // SAFETY: the pool is live; the MDL chain is the one just built.
        let nbl = unsafe {
            NdisAllocateNetBufferAndNetBufferList(self.pool, 0, 0, mdl.as_ptr(), 0, len as usize)
        };
        let Some(nbl) = NonNull::new(nbl) else {
            // SAFETY: the MDL was just allocated and is freed once.
            unsafe { NdisFreeMdl(mdl.as_ptr()) };
            return Err(NdisError::RESOURCES);
        };
        // A miniport's receive NBLs carry its MiniportAdapterHandle in `SourceHandle`
        // (N/receiving-network-data.md, "SourceHandle ... the miniport adapter handle").
        // SAFETY: the NBL was just allocated and is owned here; NDIS reads `SourceHandle`
        // only once it is indicated.
        unsafe { (*nbl.as_ptr()).SourceHandle = self.adapter.raw() };
        Ok(RawReceiveNbl {
            nbl,
            mdl,
            capacity: len,
        })
    }

    fn free(&self, nbl: RawReceiveNbl) {
        // SAFETY: allocated above, not held by NDIS (the table's contract), freed once.
        unsafe { NdisFreeNetBufferList(nbl.nbl.as_ptr()) };
        // SAFETY: as above; the NBL that referenced the MDL is gone.
        unsafe { NdisFreeMdl(nbl.mdl.as_ptr()) };
    }
}

impl Drop for NdisReceivePool {
    fn drop(&mut self) {
        // SAFETY: the pool came from NdisAllocateNetBufferListPool and is freed once.
        unsafe { NdisFreeNetBufferListPool(self.pool) };
    }
}

/// Heap-allocated NBL + NB + MDL in NDIS's layout, for host tests of the data path without an
/// NDIS (the objects are freed by [`NblAllocator::free`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct HeapNblAllocator;

impl NblAllocator for HeapNblAllocator {
    fn allocate(&self, va: NonNull<u8>, len: u32) -> NdisResult<RawReceiveNbl> {
        let mdl = Box::new(MDL {
            Next: core::ptr::null_mut(),
            Size: 48,
            MdlFlags: crate::buffer::MDL_SOURCE_IS_NONPAGED_POOL,
            AllocationProcessorNumber: 0,
            Reserved: 0,
            Process: core::ptr::null_mut(),
            MappedSystemVa: va.as_ptr().cast(),
            StartVa: core::ptr::null_mut(),
            ByteCount: len,
            ByteOffset: 0,
        });
        let mdl = NonNull::from(Box::leak(mdl));
        let mut nb = Box::new(NET_BUFFER::zeroed());
        nb.NetBufferHeader.NetBufferData = NET_BUFFER_DATA {
            Next: core::ptr::null_mut(),
            CurrentMdl: mdl.as_ptr(),
            CurrentMdlOffset: 0,
            NbDataLength: NET_BUFFER_DATA_LENGTH {
                stDataLength: len as usize,
            },
            MdlChain: mdl.as_ptr(),
            DataOffset: 0,
        };
        let nb = Box::leak(nb);
        let mut nbl = Box::new(NET_BUFFER_LIST::zeroed());
        nbl.NetBufferListHeader.NetBufferListData = NET_BUFFER_LIST_DATA {
            Next: core::ptr::null_mut(),
            FirstNetBuffer: nb,
        };
        let nbl = NonNull::from(Box::leak(nbl));
        Ok(RawReceiveNbl {
            nbl,
            mdl,
            capacity: len,
        })
    }

    fn free(&self, nbl: RawReceiveNbl) {
        // SAFETY: `allocate` leaked these boxes; the table frees each once.
        let list = unsafe { Box::from_raw(nbl.nbl.as_ptr()) };
        // SAFETY: the plain-data header union's NBL member holds the NB pointer we stored.
        let nb = unsafe { list.NetBufferListHeader.NetBufferListData }.FirstNetBuffer;
        if !nb.is_null() {
            // SAFETY: leaked by `allocate`, freed once.
            drop(unsafe { Box::from_raw(nb) });
        }
        // SAFETY: leaked by `allocate`, freed once.
        drop(unsafe { Box::from_raw(nbl.mdl.as_ptr()) });
    }
}

/// What one received frame puts into its NBL.
#[derive(Clone, Copy)]
pub struct ReceiveInfo {
    /// Frame length (`DataLength`), 1..=the buffer length.
    pub length: u32,
    /// `TcpIpChecksumNetBufferListInfo` (receive form).
    pub checksum: NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO,
    /// `Ieee8021QNetBufferListInfo` (a stripped tag, or 0).
    pub vlan: NDIS_NET_BUFFER_LIST_8021Q_INFO,
    /// RSS hash value (0 with `hash_info` 0 when there is none).
    pub hash_value: u32,
    /// RSS hash type | function (`NDIS_RSS_HASH_INFO_FROM_TYPE_AND_FUNC`), or 0.
    pub hash_info: u32,
}

struct Entry<R> {
    raw: Option<RawReceiveNbl>,
    region: R,
    lent: bool,
    /// The next buffer of the frame this entry's NBL carries (a multi-buffer frame lent with
    /// [`ReceiveNbls::lend_chain`]: only the first entry's NBL is indicated, the others
    /// contribute their MDLs), or [`NO_NEXT`].
    next: usize,
}

const NO_NEXT: usize = usize::MAX;

/// Why an NBL handed back to [`ReceiveNbls::reclaim`] was refused.
#[derive(Debug)]
pub enum ReclaimError {
    /// Not one of this table's NBLs (tag or address mismatch): it is handed back untouched.
    Foreign(OwnedNbl),
    /// One of ours, but not lent (returned twice): dropped from the chain, counted.
    NotLent(usize),
}

/// The table of preallocated receive NBLs (see the module docs).
/// It owns the receive buffers (`R`), so an MDL never outlives the memory it describes.
pub struct ReceiveNbls<A: NblAllocator, R: DmaMemory> {
    allocator: A,
    entries: Vec<Entry<R>>,
    lent: usize,
}

impl<A: NblAllocator, R: DmaMemory> ReceiveNbls<A, R> {
    /// An empty table with room for `capacity` NBLs (allocated now, fallibly).
    pub fn new(allocator: A, capacity: usize) -> NdisResult<Self> {
        let mut entries = Vec::new();
        entries
            .try_reserve_exact(capacity)
            .map_err(|_| NdisError::RESOURCES)?;
        Ok(Self {
            allocator,
            entries,
            lent: 0,
        })
    }

    /// Adds a receive buffer and an NBL over all of it; returns its index.
    pub fn add(&mut self, region: R) -> NdisResult<usize> {
        let len = u32::try_from(region.len()).map_err(|_| NdisError::INVALID_LENGTH)?;
        if self.entries.len() == self.entries.capacity() || len == 0 {
            return Err(NdisError::RESOURCES);
        }
        let raw = self.allocator.allocate(region.cpu_ptr(), len)?;
        self.entries.push(Entry {
            raw: Some(raw),
            region,
            lent: false,
            next: NO_NEXT,
        });
        Ok(self.entries.len() - 1)
    }

    /// The receive buffer of entry `index`.
    #[must_use]
    pub fn region(&self, index: usize) -> Option<&R> {
        self.entries.get(index).map(|entry| &entry.region)
    }

    /// Number of NBLs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// NBLs held by NDIS now.
    #[must_use]
    pub const fn lent(&self) -> usize {
        self.lent
    }

    /// Whether NBL `index` is held by NDIS.
    #[must_use]
    pub fn is_lent(&self, index: usize) -> bool {
        self.entries.get(index).is_some_and(|entry| entry.lent)
    }

    /// Fills NBL `index` for a frame and appends it to `chain` (lent to NDIS from now on).
    /// `false` (nothing done) if the index is unknown, the NBL is already lent, or the length
    /// is 0 or larger than the buffer.
    pub fn lend(&mut self, index: usize, info: &ReceiveInfo, chain: &mut NblChain) -> bool {
        self.lend_chain(&[index], info, chain)
    }

    /// Lends one frame held in the buffers `indices` (in frame order): the first entry's NBL
    /// is filled with `info` and its NET_BUFFER's MDL chain links every buffer's MDL, so NDIS
    /// sees ONE NBL whose `DataLength` (`info.length`) spans several MDLs. Every buffer but
    /// the last must be full (the device fills a buffer before it moves on, 82576 datasheet
    /// 7.1.5), which the caller checked. All entries are lent until the first one's NBL comes
    /// back through [`ReceiveNbls::reclaim`]. `false` (nothing done) if `indices` is empty,
    /// an index is unknown, repeated or lent, or the length is 0 or beyond the buffers.
    pub fn lend_chain(
        &mut self,
        indices: &[usize],
        info: &ReceiveInfo,
        chain: &mut NblChain,
    ) -> bool {
        let Some((&head, _)) = indices.split_first() else {
            return false;
        };
        if let [index] = *indices {
            // One buffer (every frame up to the buffer size): the checks below without the
            // duplicate search and the MDL linking loop.
            let Some(entry) = self.entries.get_mut(index) else {
                return false;
            };
            let Some(raw) = entry.raw.as_ref() else {
                return false;
            };
            if entry.lent || info.length == 0 || info.length > raw.capacity {
                return false;
            }
            // SAFETY: the table owns the MDL (its entry is not lent); only `Next` changes,
            // as NDIS drivers chain MDLs they own (a frame of one buffer ends at it).
            unsafe { (*raw.mdl.as_ptr()).Next = core::ptr::null_mut() };
            entry.next = NO_NEXT;
            entry.lent = true;
            self.lent += 1;
            return self.finish_lend(index, indices.len(), info, chain);
        }
        let mut capacity: u64 = 0;
        for (position, &index) in indices.iter().enumerate() {
            let Some(entry) = self.entries.get(index) else {
                return false;
            };
            let Some(raw) = entry.raw.as_ref() else {
                return false;
            };
            if entry.lent || indices[..position].contains(&index) {
                return false;
            }
            capacity += u64::from(raw.capacity);
        }
        if info.length == 0 || u64::from(info.length) > capacity {
            return false;
        }
        // Link the MDLs (and the entries, for reclaim) in frame order; the last ends both.
        for (position, &index) in indices.iter().enumerate() {
            let next = indices.get(position + 1).copied();
            let next_mdl = next
                .and_then(|n| self.entries[n].raw.as_ref())
                .map_or(core::ptr::null_mut(), |raw| raw.mdl.as_ptr());
            let entry = &mut self.entries[index];
            let Some(raw) = entry.raw.as_ref() else {
                return false;
            };
            // SAFETY: the table owns the MDL (its entry is not lent); only `Next` changes,
            // as NDIS drivers chain MDLs they own.
            unsafe { (*raw.mdl.as_ptr()).Next = next_mdl };
            entry.next = next.unwrap_or(NO_NEXT);
            entry.lent = true;
        }
        self.lent += indices.len();
        self.finish_lend(head, indices.len(), info, chain)
    }

    /// The rest of [`Self::lend_chain`] once the `count` buffers from `head` are linked and
    /// marked lent: the NBL's NET_BUFFER, status and info slots, then onto `chain` (undone if
    /// the NBL turns out not to be the allocator's).
    #[inline]
    fn finish_lend(
        &mut self,
        head: usize,
        count: usize,
        info: &ReceiveInfo,
        chain: &mut NblChain,
    ) -> bool {
        let entry = &self.entries[head];
        let Some(raw) = entry.raw.as_ref() else {
            return false;
        };
        let nbl = raw.nbl.as_ptr();
        let mdl = raw.mdl.as_ptr();
        // SAFETY: the table owns the NBL (it was not lent), allocated with exactly one
        // NET_BUFFER (RawReceiveNbl contract).
        let list = unsafe { &mut *nbl };
        // SAFETY: the header union's data member is the one NBLs use (plain data).
        let nb = unsafe { list.NetBufferListHeader.NetBufferListData }.FirstNetBuffer;
        if !nb.is_null() {
            // SAFETY: the NBL's only NET_BUFFER, owned with it.
            let buffer = unsafe { &mut *nb };
            buffer.NetBufferHeader.NetBufferData = NET_BUFFER_DATA {
                Next: core::ptr::null_mut(),
                CurrentMdl: mdl,
                CurrentMdlOffset: 0,
                NbDataLength: NET_BUFFER_DATA_LENGTH {
                    stDataLength: info.length as usize,
                },
                MdlChain: mdl,
                DataOffset: 0,
            };
        }
        list.StatusUnion = NET_BUFFER_LIST_STATUS {
            Status: NDIS_STATUS_SUCCESS,
        };
        list.set_checksum_info(info.checksum);
        list.set_ieee8021q_info(info.vlan);
        list.set_hash_value(info.hash_value);
        list.set_hash_info(info.hash_info);
        // Tag = index + 1 (0 never matches, so a zeroed foreign NBL is not mistaken for ours).
        list.MiniportReserved[0] = core::ptr::without_provenance_mut(head + 1);
        let handle = raw.nbl;
        if nb.is_null() {
            // Not an NBL the allocator built (contract broken): undo, lend nothing.
            let mut index = head;
            let mut steps = 0;
            while index != NO_NEXT && steps < self.entries.len() {
                let entry = &mut self.entries[index];
                entry.lent = false;
                index = core::mem::replace(&mut entry.next, NO_NEXT);
                steps += 1;
            }
            self.lent -= count;
            return false;
        }
        // SAFETY: a valid NBL the table owns and that is in no chain (not lent before this);
        // from here NDIS (or the chain's holder) owns it until `reclaim`.
        unsafe { chain.push_back(handle) };
        true
    }

    /// Takes back an NBL NDIS returned (or that came back from an indication with
    /// `NDIS_RECEIVE_FLAGS_RESOURCES`); returns its index. `each` is called with the index of
    /// every buffer the frame occupied, in order (the NBL's own first; more than one for a
    /// frame lent with [`ReceiveNbls::lend_chain`]), all no longer lent.
    pub fn reclaim(
        &mut self,
        nbl: OwnedNbl,
        mut each: impl FnMut(usize),
    ) -> Result<usize, ReclaimError> {
        let tag = nbl.miniport_reserved(0).unwrap_or(0);
        let Some(index) = tag.checked_sub(1) else {
            return Err(ReclaimError::Foreign(nbl));
        };
        let matches = self
            .entries
            .get(index)
            .and_then(|entry| entry.raw.as_ref())
            .is_some_and(|raw| raw.nbl == nbl.as_raw());
        if !matches {
            return Err(ReclaimError::Foreign(nbl));
        }
        if !self.entries[index].lent {
            return Err(ReclaimError::NotLent(index));
        }
        // Walk the frame's buffers; bounded by the table size, so a corrupted link cannot loop.
        let mut current = index;
        let mut steps = 0;
        while current != NO_NEXT && steps < self.entries.len() {
            let Some(entry) = self.entries.get_mut(current) else {
                break;
            };
            if !entry.lent {
                break;
            }
            entry.lent = false;
            self.lent -= 1;
            let next = core::mem::replace(&mut entry.next, NO_NEXT);
            if let Some(raw) = entry.raw.as_ref() {
                // SAFETY: the table owns the MDL again (no longer lent); unlink it.
                unsafe { (*raw.mdl.as_ptr()).Next = core::ptr::null_mut() };
            }
            each(current);
            current = next;
            steps += 1;
        }
        Ok(index)
    }
}

impl<A: NblAllocator, R: DmaMemory> Drop for ReceiveNbls<A, R> {
    fn drop(&mut self) {
        for entry in &mut self.entries {
            if let Some(raw) = entry.raw.take() {
                // An NBL NDIS still holds cannot be freed (NDIS-RECV-3); it is leaked instead,
                // which the caller prevents by waiting for `lent() == 0` (pause, halt).
                if !entry.lent {
                    self.allocator.free(raw);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use core::sync::atomic::AtomicU8;

    use hw_platform::{AtomicDmaRegion, DmaAddr};

    use super::*;

    fn table() -> ReceiveNbls<HeapNblAllocator, AtomicDmaRegion<()>> {
        let mut nbls = ReceiveNbls::new(HeapNblAllocator, 2).expect("table");
        for base in [0x1000u64, 0x2000] {
            let bytes: alloc::sync::Arc<[AtomicU8]> = (0..64).map(|_| AtomicU8::new(0)).collect();
            let region = AtomicDmaRegion::new(bytes, DmaAddr::new(base), ()).expect("region");
            nbls.add(region).expect("entry");
        }
        nbls
    }

    fn info(length: u32) -> ReceiveInfo {
        ReceiveInfo {
            length,
            checksum: NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(0),
            vlan: NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(0),
            hash_value: 0,
            hash_info: 0,
        }
    }

    #[test]
    fn a_single_buffer_is_lent_once_with_a_length_that_fits() {
        let mut nbls = table();
        let mut chain = NblChain::new();
        assert!(!nbls.lend(0, &info(0), &mut chain), "empty frame");
        assert!(
            !nbls.lend(0, &info(65), &mut chain),
            "longer than the buffer"
        );
        assert!(!nbls.lend(2, &info(60), &mut chain), "unknown index");
        assert!(chain.is_empty() && nbls.lent() == 0);
        assert!(nbls.lend(0, &info(64), &mut chain));
        assert!(!nbls.lend(0, &info(60), &mut chain), "already lent");
        assert_eq!((chain.len(), nbls.lent()), (1, 1));
        let nbl = chain.pop_owned().expect("lent NBL");
        let nb = nbl.first_net_buffer().expect("its NET_BUFFER");
        assert_eq!(nb.data_length(), 64);
        assert_eq!(nbls.reclaim(nbl, |_| {}).ok(), Some(0));
        assert_eq!(nbls.lent(), 0);
    }
}
