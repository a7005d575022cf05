//! Bounded access to a `NET_BUFFER`'s data across its MDL chain.
//!
//! A NET_BUFFER's data starts `CurrentMdlOffset` bytes into `CurrentMdl` and runs for
//! `DataLength` bytes across the MDLs linked from there (N/net-buffer-architecture.md). Every
//! field is checked before use: an offset beyond its MDL, a chain that ends before
//! `DataLength` bytes, an unmapped MDL or an over-long chain is reported as
//! `NDIS_STATUS_INVALID_DATA` (or `RESOURCES` when mapping fails), never followed blindly.

use core::ptr::NonNull;

use ndis_abi::{MDL, NET_BUFFER};

use crate::status::{NdisError, NdisResult};

/// `MDL_MAPPED_TO_SYSTEM_VA` (wdm.h): `MappedSystemVa` is valid.
pub const MDL_MAPPED_TO_SYSTEM_VA: i16 = 0x0001;
/// `MDL_SOURCE_IS_NONPAGED_POOL` (wdm.h): `MappedSystemVa` is valid (built by
/// `NdisAllocateMdl` / `MmBuildMdlForNonPagedPool`).
pub const MDL_SOURCE_IS_NONPAGED_POOL: i16 = 0x0004;

/// Longest MDL chain walked for one NET_BUFFER.
pub const MAX_MDLS_PER_NET_BUFFER: usize = 1024;

/// Gives the system virtual address of an MDL's first byte (the `MmGetSystemAddressForMdlSafe`
/// role). The kernel backend may map on demand; tests use [`SystemMappedMdls`].
pub trait MdlMapper {
    /// The address of byte 0 of the MDL's buffer (`ByteCount` bytes long), or `None` if it
    /// cannot be mapped.
    fn system_address(&self, mdl: NonNull<MDL>) -> Option<NonNull<u8>>;
}

/// Uses `MappedSystemVa` when the MDL's flags say it is valid; fails otherwise. This is what
/// `MmGetSystemAddressForMdlSafe` does before it would map, and all NDIS-allocated receive
/// MDLs and almost all send MDLs take this path.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemMappedMdls;

impl MdlMapper for SystemMappedMdls {
    fn system_address(&self, mdl: NonNull<MDL>) -> Option<NonNull<u8>> {
        // SAFETY: `MdlMapper` callers pass MDLs of a NetBufferData, valid for reads (its
        // invariant).
        let mdl = unsafe { mdl.as_ref() };
        if mdl.MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL) == 0 {
            return None;
        }
        NonNull::new(mdl.MappedSystemVa.cast::<u8>())
    }
}

/// A read-only view of a NET_BUFFER's data.
///
/// Invariant: `nb` is a valid NET_BUFFER whose MDL chain and mapped buffers stay valid and
/// unchanged while the view exists (the miniport owns the NBL).
#[derive(Clone, Copy, Debug)]
pub struct NetBufferData {
    nb: NonNull<NET_BUFFER>,
}

/// One contiguous piece of a NET_BUFFER's data.
#[derive(Clone, Copy, Debug)]
pub struct DataSegment {
    /// First byte.
    pub start: NonNull<u8>,
    /// Length in bytes.
    pub len: usize,
}

impl NetBufferData {
    /// Wraps a NET_BUFFER. `None` for null.
    ///
    /// # Safety
    /// `nb` is null or a valid NET_BUFFER whose MDLs and their mapped buffers are valid for
    /// reads and unchanged while the view is used.
    #[must_use]
    pub unsafe fn from_raw(nb: *mut NET_BUFFER) -> Option<Self> {
        NonNull::new(nb).map(|nb| Self { nb })
    }

    /// The raw pointer.
    #[must_use]
    pub fn as_raw(&self) -> *mut NET_BUFFER {
        self.nb.as_ptr()
    }

    fn fields(&self) -> (*mut MDL, u32, u32) {
        // SAFETY: type invariant: `nb` is valid for reads.
        let header = unsafe { self.nb.as_ref() }.NetBufferHeader;
        // SAFETY: NET_BUFFER_DATA is the header union member NET_BUFFERs use (plain data).
        let data = unsafe { header.NetBufferData };
        // SAFETY: `NbDataLength` is a plain-data union; `DataLength` is its ULONG view.
        let length = unsafe { data.NbDataLength.DataLength };
        (data.CurrentMdl, data.CurrentMdlOffset, length)
    }

    /// `DataLength`: bytes of packet data.
    #[must_use]
    pub fn data_length(&self) -> usize {
        self.fields().2 as usize
    }

    /// Calls `visit` with each contiguous data segment in order, covering exactly
    /// `DataLength` bytes. Fails without visiting further on a malformed chain.
    pub fn for_each_segment<M: MdlMapper>(
        &self,
        mapper: &M,
        mut visit: impl FnMut(DataSegment) -> NdisResult,
    ) -> NdisResult {
        let (first_mdl, first_offset, data_length) = self.fields();
        let mut remaining = data_length as usize;
        let mut mdl = NonNull::new(first_mdl);
        let mut offset_in_mdl = first_offset as usize;
        let mut walked = 0usize;
        while remaining > 0 {
            let current = mdl.ok_or(NdisError::INVALID_DATA)?;
            walked += 1;
            if walked > MAX_MDLS_PER_NET_BUFFER {
                return Err(NdisError::INVALID_DATA);
            }
            // SAFETY: type invariant: every MDL of the chain is valid for reads.
            let current_mdl = unsafe { current.as_ref() };
            let (byte_count, next) = (current_mdl.ByteCount as usize, current_mdl.Next);
            if offset_in_mdl > byte_count {
                return Err(NdisError::INVALID_DATA);
            }
            let available = byte_count - offset_in_mdl;
            if available > 0 {
                let base = mapper.system_address(current).ok_or(NdisError::RESOURCES)?;
                let take = available.min(remaining);
                // SAFETY: `offset_in_mdl < byte_count` and the mapped buffer is `byte_count`
                // bytes long (MdlMapper contract), so the offset stays inside it.
                let start = unsafe { base.add(offset_in_mdl) };
                visit(DataSegment { start, len: take })?;
                remaining -= take;
            }
            mdl = NonNull::new(next);
            offset_in_mdl = 0;
        }
        Ok(())
    }

    /// Calls `visit` with each contiguous piece of the data, in order, as a byte slice
    /// (covering exactly `DataLength` bytes; see [`Self::for_each_segment`]).
    pub fn for_each_slice<M: MdlMapper>(
        &self,
        mapper: &M,
        mut visit: impl FnMut(&[u8]) -> NdisResult,
    ) -> NdisResult {
        self.for_each_segment(mapper, |segment| {
            // SAFETY: the segment is `len` readable bytes of the NET_BUFFER's data
            // (for_each_segment's guarantee), which the type invariant keeps valid and
            // unchanged while this view exists; the slice does not outlive the call.
            let bytes = unsafe { core::slice::from_raw_parts(segment.start.as_ptr(), segment.len) };
            visit(bytes)
        })
    }

    /// Copies data bytes `[offset, offset + out.len())` into `out`, stopping at the end of the
    /// data. Returns the number of bytes copied (0 if `offset` is past the end).
    pub fn copy_out<M: MdlMapper>(
        &self,
        mapper: &M,
        offset: usize,
        out: &mut [u8],
    ) -> NdisResult<usize> {
        let mut skip = offset;
        let mut copied = 0usize;
        self.for_each_segment(mapper, |segment| {
            if copied == out.len() {
                return Ok(());
            }
            if skip >= segment.len {
                skip -= segment.len;
                return Ok(());
            }
            let take = (segment.len - skip).min(out.len() - copied);
            let destination = &mut out[copied..copied + take];
            // SAFETY: `skip < segment.len`, inside the segment (for_each_segment's guarantee).
            let source = unsafe { segment.start.as_ptr().add(skip) };
            // `take <= segment.len - skip` bytes are readable at `source`, and the destination
            // slice is exactly `take` bytes long.
            // SAFETY: both ranges are valid and distinct (one is foreign NET_BUFFER memory).
            unsafe { core::ptr::copy_nonoverlapping(source, destination.as_mut_ptr(), take) };
            copied += take;
            skip = 0;
            Ok(())
        })?;
        Ok(copied)
    }
}
