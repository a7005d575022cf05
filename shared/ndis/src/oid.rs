//! A validated view of an `NDIS_OID_REQUEST`.
//!
//! NDIS's rules for the buffer bookkeeping (N/handling-oid-requests-in-a-miniport-adapter.md,
//! the `NDIS_OID_REQUEST` DDI page):
//! * Query: the miniport writes at most `InformationBufferLength` bytes and sets
//!   `BytesWritten`; if the buffer is too short it writes nothing, sets `BytesNeeded` and fails
//!   with `NDIS_STATUS_BUFFER_TOO_SHORT`.
//! * Set: the miniport reads the input and sets `BytesRead`; if the buffer is too short it sets
//!   `BytesNeeded` and fails with `NDIS_STATUS_INVALID_LENGTH`.
//! * Method: the one buffer carries `InputBufferLength` bytes in and up to `OutputBufferLength`
//!   bytes out; `BytesRead`, `BytesWritten` and `BytesNeeded` as above, with
//!   `NDIS_STATUS_INVALID_LENGTH` for a short buffer.
//!
//! Versioned objects start with an `NDIS_OBJECT_HEADER`; [`OidRequest::read_input_object`]
//! checks its `Type`, that its `Revision` is one the caller accepts, that its `Size` covers
//! that revision, and that `Size` does not claim more bytes than the buffer holds.

use core::marker::PhantomData;
use core::mem::size_of;
use core::ptr::NonNull;

use ndis_abi::*;

use crate::status::{NdisError, NdisResult};

/// What kind of request this is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OidKind {
    /// `NdisRequestQueryInformation`.
    Query,
    /// `NdisRequestQueryStatistics` (answered like a query).
    QueryStatistics,
    /// `NdisRequestSetInformation`.
    Set,
    /// `NdisRequestMethod`.
    Method,
    /// Any other `RequestType` value: rejected with `NDIS_STATUS_NOT_SUPPORTED`.
    Other(NDIS_REQUEST_TYPE),
}

impl OidKind {
    /// Whether the request returns data (query, statistics query, method).
    #[must_use]
    pub const fn has_output(self) -> bool {
        matches!(self, Self::Query | Self::QueryStatistics | Self::Method)
    }

    /// Whether the request carries input (set, method).
    #[must_use]
    pub const fn has_input(self) -> bool {
        matches!(self, Self::Set | Self::Method)
    }
}

/// One accepted revision of a versioned NDIS object: its revision number and the smallest
/// `Header.Size` valid for it (the `NDIS_SIZEOF_..._REVISION_n` value).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ObjectRevision {
    /// `Header.Revision`.
    pub revision: u8,
    /// Minimum `Header.Size` for that revision.
    pub min_size: u16,
}

/// A view of an `NDIS_OID_REQUEST` that NDIS handed to `MiniportOidRequest`.
///
/// Invariant: `raw` points to a valid `NDIS_OID_REQUEST` that this view may read and write for
/// `'a`, whose information buffer is valid for the lengths the request states (NDIS's
/// guarantee for the duration of the request; a null buffer is treated as zero-length).
pub struct OidRequest<'a> {
    raw: NonNull<NDIS_OID_REQUEST>,
    _request: PhantomData<&'a mut NDIS_OID_REQUEST>,
}

impl<'a> OidRequest<'a> {
    /// Wraps a request pointer from NDIS. Returns `None` for a null pointer.
    ///
    /// # Safety
    /// `request` is null or points to an `NDIS_OID_REQUEST` valid for reads and writes for
    /// `'a`, nothing else accesses it meanwhile, and its `InformationBuffer` is null or valid
    /// for reads and writes of the lengths the request states (`InformationBufferLength` for
    /// query/set, `max(InputBufferLength, OutputBufferLength)` for method).
    #[must_use]
    pub unsafe fn from_raw(request: *mut NDIS_OID_REQUEST) -> Option<Self> {
        NonNull::new(request).map(|raw| Self {
            raw,
            _request: PhantomData,
        })
    }

    /// The raw request pointer (for completing a pended request with
    /// `NdisMOidRequestComplete`).
    #[must_use]
    pub fn as_raw(&self) -> *mut NDIS_OID_REQUEST {
        self.raw.as_ptr()
    }

    fn request(&self) -> &NDIS_OID_REQUEST {
        // SAFETY: type invariant: `raw` is valid for reads for `'a` and not accessed by anyone
        // else meanwhile.
        unsafe { self.raw.as_ref() }
    }

    fn request_mut(&mut self) -> &mut NDIS_OID_REQUEST {
        // SAFETY: type invariant: `raw` is valid for writes for `'a`, exclusively ours.
        unsafe { self.raw.as_mut() }
    }

    /// The request kind.
    #[must_use]
    pub fn kind(&self) -> OidKind {
        match self.request().RequestType {
            NdisRequestQueryInformation => OidKind::Query,
            NdisRequestQueryStatistics => OidKind::QueryStatistics,
            NdisRequestSetInformation => OidKind::Set,
            NdisRequestMethod => OidKind::Method,
            other => OidKind::Other(other),
        }
    }

    /// The OID code (the `Oid` field sits at the same offset in all three request forms).
    #[must_use]
    pub fn oid(&self) -> NDIS_OID {
        // SAFETY: every member of the DATA union starts with `NDIS_OID Oid` at offset 0, and the
        // union is plain data, so reading through the query member is valid for any kind.
        unsafe { self.request().DATA.QUERY_INFORMATION.Oid }
    }

    /// `PortNumber`.
    #[must_use]
    pub fn port_number(&self) -> NDIS_PORT_NUMBER {
        self.request().PortNumber
    }

    /// `SwitchId` (NIC switch OIDs).
    #[must_use]
    pub fn switch_id(&self) -> NDIS_NIC_SWITCH_ID {
        self.request().SwitchId
    }

    /// `VPortId` (NIC switch / receive filter OIDs).
    #[must_use]
    pub fn vport_id(&self) -> NDIS_NIC_SWITCH_VPORT_ID {
        self.request().VPortId
    }

    /// `RequestId`, for matching `MiniportCancelOidRequest`.
    #[must_use]
    pub fn request_id(&self) -> PVOID {
        self.request().RequestId
    }

    /// Records `SupportedRevision` (NDIS asks miniports to set it on successful sets of
    /// versioned objects).
    pub fn set_supported_revision(&mut self, revision: u8) {
        self.request_mut().SupportedRevision = revision;
    }

    /// `(buffer, input length, output capacity)` per kind; a null buffer has no bytes.
    fn buffer_geometry(&self) -> (*mut u8, usize, usize) {
        let request = self.request();
        let (buffer, input, output) = match self.kind() {
            OidKind::Query | OidKind::QueryStatistics => {
                // SAFETY: RequestType selects the QUERY_INFORMATION member.
                let query = unsafe { request.DATA.QUERY_INFORMATION };
                (query.InformationBuffer, 0, query.InformationBufferLength)
            }
            OidKind::Set => {
                // SAFETY: RequestType selects the SET_INFORMATION member.
                let set = unsafe { request.DATA.SET_INFORMATION };
                (set.InformationBuffer, set.InformationBufferLength, 0)
            }
            OidKind::Method => {
                // SAFETY: RequestType selects the METHOD_INFORMATION member.
                let method = unsafe { request.DATA.METHOD_INFORMATION };
                (
                    method.InformationBuffer,
                    method.InputBufferLength,
                    method.OutputBufferLength,
                )
            }
            OidKind::Other(_) => (core::ptr::null_mut(), 0, 0),
        };
        if buffer.is_null() {
            (core::ptr::null_mut(), 0, 0)
        } else {
            (buffer.cast(), input as usize, output as usize)
        }
    }

    /// Number of input bytes (set/method), 0 otherwise.
    #[must_use]
    pub fn input_len(&self) -> usize {
        self.buffer_geometry().1
    }

    /// Output capacity in bytes (query/method), 0 otherwise.
    #[must_use]
    pub fn output_capacity(&self) -> usize {
        self.buffer_geometry().2
    }

    pub(crate) fn set_bytes_needed(&mut self, needed: usize) {
        let needed = u32::try_from(needed).unwrap_or(u32::MAX);
        let kind = self.kind();
        let request = self.request_mut();
        match kind {
            OidKind::Query | OidKind::QueryStatistics => {
                request.DATA.QUERY_INFORMATION.BytesNeeded = needed;
            }
            OidKind::Set => request.DATA.SET_INFORMATION.BytesNeeded = needed,
            OidKind::Method => request.DATA.METHOD_INFORMATION.BytesNeeded = needed,
            OidKind::Other(_) => {}
        }
    }

    fn set_bytes_read(&mut self, read: usize) {
        let read = u32::try_from(read).unwrap_or(u32::MAX);
        let kind = self.kind();
        let request = self.request_mut();
        match kind {
            OidKind::Set => request.DATA.SET_INFORMATION.BytesRead = read,
            OidKind::Method => request.DATA.METHOD_INFORMATION.BytesRead = read,
            _ => {}
        }
    }

    fn set_bytes_written(&mut self, written: usize) {
        let written = u32::try_from(written).unwrap_or(u32::MAX);
        let kind = self.kind();
        let request = self.request_mut();
        match kind {
            OidKind::Query | OidKind::QueryStatistics => {
                request.DATA.QUERY_INFORMATION.BytesWritten = written;
            }
            OidKind::Method => request.DATA.METHOD_INFORMATION.BytesWritten = written,
            _ => {}
        }
    }

    /// The status for "your buffer is too short": `BUFFER_TOO_SHORT` for queries,
    /// `INVALID_LENGTH` for sets and methods.
    fn too_short(&mut self, needed: usize) -> NdisError {
        self.set_bytes_needed(needed);
        match self.kind() {
            OidKind::Query | OidKind::QueryStatistics => NdisError::BUFFER_TOO_SHORT,
            _ => NdisError::INVALID_LENGTH,
        }
    }

    /// Copies `out.len()` input bytes starting at `offset` (set/method). Fails with
    /// `INVALID_LENGTH` and `BytesNeeded` if the input is shorter than `offset + out.len()`.
    /// Records `BytesRead` as the end of the range read.
    pub fn read_input_bytes(&mut self, offset: usize, out: &mut [u8]) -> NdisResult {
        if !self.kind().has_input() {
            return Err(NdisError::NOT_SUPPORTED);
        }
        let (buffer, input_len, _) = self.buffer_geometry();
        let end = offset
            .checked_add(out.len())
            .ok_or(NdisError::INVALID_PARAMETER)?;
        if end > input_len {
            return Err(self.too_short(end));
        }
        if !out.is_empty() {
            // SAFETY: `offset < end <= input_len`: inside the buffer (type invariant).
            let source = unsafe { buffer.add(offset) };
            // SAFETY: `out.len()` bytes from `source` end at `end <= input_len`, readable by the
            // type invariant; `out` is a distinct Rust buffer.
            unsafe { core::ptr::copy_nonoverlapping(source, out.as_mut_ptr(), out.len()) };
        }
        self.set_bytes_read(end);
        Ok(())
    }

    /// Reads a plain value of type `T` from the start of the input.
    pub fn read_input<T: AbiPod>(&mut self) -> NdisResult<T> {
        self.read_input_at(0)
    }

    /// Reads a plain value of type `T` at `offset` in the input (offsets come from hostile
    /// buffers too: any `offset + size_of::<T>()` beyond the input is `INVALID_LENGTH`).
    pub fn read_input_at<T: AbiPod>(&mut self, offset: usize) -> NdisResult<T> {
        let mut value = core::mem::MaybeUninit::<T>::zeroed();
        // SAFETY: `value` is `size_of::<T>()` writable bytes; viewing them as a byte slice is
        // valid because they are zero-initialized.
        let bytes = unsafe {
            core::slice::from_raw_parts_mut(value.as_mut_ptr().cast::<u8>(), size_of::<T>())
        };
        self.read_input_bytes(offset, bytes)?;
        // SAFETY: all `size_of::<T>()` bytes were written from the input, and `T: AbiPod`
        // accepts any byte pattern.
        Ok(unsafe { value.assume_init() })
    }

    /// Reads a versioned object that starts with an `NDIS_OBJECT_HEADER`.
    ///
    /// `revisions` lists the accepted revisions; the highest one not above `Header.Revision`
    /// is chosen (a newer caller revision is accepted as the newest one we know, as NDIS
    /// objects only append fields). Errors, with `BytesNeeded` set where a length is at fault:
    /// * input shorter than the header → `INVALID_LENGTH`;
    /// * `Header.Type != object_type` → `INVALID_PARAMETER`;
    /// * `Header.Revision` below every accepted revision → `INVALID_PARAMETER`;
    /// * `Header.Size` below the chosen revision's minimum → `INVALID_PARAMETER`;
    /// * `Header.Size` above the input length → `INVALID_LENGTH` (needed: `Header.Size`).
    ///
    /// Bytes of `T` beyond `Header.Size` (fields of revisions the caller did not send) read as
    /// zero.
    pub fn read_input_object<T: AbiPod>(
        &mut self,
        object_type: u8,
        revisions: &[ObjectRevision],
    ) -> NdisResult<(T, ObjectRevision)> {
        let header: NDIS_OBJECT_HEADER = self.read_input()?;
        if header.Type != object_type {
            return Err(NdisError::INVALID_PARAMETER);
        }
        let chosen = revisions
            .iter()
            .filter(|candidate| candidate.revision <= header.Revision)
            .max_by_key(|candidate| candidate.revision)
            .copied()
            .ok_or(NdisError::INVALID_PARAMETER)?;
        let declared = usize::from(header.Size);
        if declared < usize::from(chosen.min_size) {
            return Err(NdisError::INVALID_PARAMETER);
        }
        if declared > self.input_len() {
            return Err(self.too_short(declared));
        }
        let mut value = core::mem::MaybeUninit::<T>::zeroed();
        let copy_len = declared.min(size_of::<T>());
        // SAFETY: `value` has `size_of::<T>()` zero-initialized bytes; `copy_len` is at most that.
        let bytes =
            unsafe { core::slice::from_raw_parts_mut(value.as_mut_ptr().cast::<u8>(), copy_len) };
        self.read_input_bytes(0, bytes)?;
        self.set_bytes_read(declared);
        // SAFETY: every byte of `value` is initialized (zeroed, then partly overwritten from the
        // input) and `T: AbiPod` accepts any byte pattern.
        Ok((unsafe { value.assume_init() }, chosen))
    }

    /// Checks that `[offset, offset + len)` lies inside the input (for objects that carry
    /// offsets to trailing data). Returns `INVALID_LENGTH` with `BytesNeeded` otherwise.
    pub fn check_input_range(&mut self, offset: usize, len: usize) -> NdisResult {
        let end = offset
            .checked_add(len)
            .ok_or(NdisError::INVALID_PARAMETER)?;
        if end > self.input_len() {
            return Err(self.too_short(end));
        }
        Ok(())
    }

    /// Writes `data` as the whole output (query/method). Too short: nothing is written,
    /// `BytesNeeded` = `data.len()`, and the size error for this kind is returned.
    pub fn write_output(&mut self, data: &[u8]) -> NdisResult {
        self.write_output_at(0, data)?;
        self.set_bytes_written(data.len());
        Ok(())
    }

    /// Writes `data` at `offset` in the output (methods whose objects point at trailing
    /// data). Checks the whole range first; writes nothing on failure. Does not change
    /// `BytesWritten` (use [`OidRequest::finish_output`]).
    pub fn write_output_at(&mut self, offset: usize, data: &[u8]) -> NdisResult {
        if !self.kind().has_output() {
            return Err(NdisError::NOT_SUPPORTED);
        }
        let (buffer, _, capacity) = self.buffer_geometry();
        let end = offset
            .checked_add(data.len())
            .ok_or(NdisError::INVALID_PARAMETER)?;
        if end > capacity {
            return Err(self.too_short(end));
        }
        if !data.is_empty() {
            // SAFETY: `offset < end <= capacity`: inside the buffer (type invariant).
            let destination = unsafe { buffer.add(offset) };
            // SAFETY: `data.len()` bytes from `destination` end at `end <= capacity`, writable
            // by the type invariant; `data` is a distinct Rust buffer.
            unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), destination, data.len()) };
        }
        Ok(())
    }

    /// Writes the first `size` bytes of `value` as the whole output (`size` is the
    /// `NDIS_SIZEOF_…` of the revision filled in, which may be less than `size_of::<T>()`).
    pub fn write_output_object<T: AbiPod>(&mut self, value: &T, size: usize) -> NdisResult {
        let size = size.min(size_of::<T>());
        if !self.kind().has_output() {
            return Err(NdisError::NOT_SUPPORTED);
        }
        let (buffer, _, capacity) = self.buffer_geometry();
        if size > capacity {
            return Err(self.too_short(size));
        }
        if size > 0 {
            // SAFETY: `size <= capacity` (valid output bytes) and `size <= size_of::<T>()`
            // (readable bytes of `value`); an untyped byte copy is fine for padding too.
            unsafe {
                core::ptr::copy_nonoverlapping((value as *const T).cast::<u8>(), buffer, size)
            };
        }
        self.set_bytes_written(size);
        Ok(())
    }

    /// Records `BytesWritten` after a series of [`OidRequest::write_output_at`] calls.
    pub fn finish_output(&mut self, written: usize) {
        self.set_bytes_written(written);
    }

    /// Answers a 32-bit query.
    pub fn write_u32(&mut self, value: u32) -> NdisResult {
        self.write_output(&value.to_le_bytes())
    }

    /// Answers a statistics counter: NDIS accepts a 64-bit counter in a 4-byte buffer (the low
    /// 32 bits; N/mandatory-oids: "OID_GEN_XMIT_OK … ULONG or ULONG64"), and `BytesNeeded` is 8
    /// when the buffer is shorter than 4.
    pub fn write_counter(&mut self, value: u64) -> NdisResult {
        let capacity = self.output_capacity();
        if capacity >= 8 {
            self.write_output(&value.to_le_bytes())
        } else if capacity >= 4 {
            #[allow(clippy::cast_possible_truncation)]
            let low = value as u32;
            self.write_output(&low.to_le_bytes())
        } else {
            Err(self.too_short(8))
        }
    }

    /// Reads a 32-bit set value.
    pub fn read_u32(&mut self) -> NdisResult<u32> {
        let mut bytes = [0u8; 4];
        self.read_input_bytes(0, &mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }
}
