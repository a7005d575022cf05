//! Reading the adapter's INF keywords (the registry under the adapter's driver key).
//!
//! The driver logic reads keywords through [`KeywordSource`], so the precedence rules are
//! plain, testable Rust; the NDIS-backed source (`NdisOpenConfigurationEx` +
//! `NdisReadConfiguration`) lives with the miniport plumbing.

/// Where keyword values come from.
pub trait KeywordSource {
    /// The integer value of `keyword` (e.g. `"*SRIOV"`), or `None` if it is absent or not an
    /// integer. Implementations record which keywords were read: the precedence rules say
    /// some keywords must *not* be read in some modes.
    fn read_integer(&mut self, keyword: &str) -> Option<u32>;
}

/// An integer keyword read as a boolean enum (`0` = off, anything else = on), with the INF
/// default when absent.
pub fn read_flag<S: KeywordSource + ?Sized>(source: &mut S, keyword: &str, default: bool) -> bool {
    source
        .read_integer(keyword)
        .map_or(default, |value| value != 0)
}

/// An integer keyword clamped into `[min, max]`, with a default when absent or out of range
/// (the INF's range is advisory: the registry can hold anything).
pub fn read_ranged<S: KeywordSource + ?Sized>(
    source: &mut S,
    keyword: &str,
    min: u32,
    max: u32,
    default: u32,
) -> u32 {
    match source.read_integer(keyword) {
        Some(value) if (min..=max).contains(&value) => value,
        _ => default,
    }
}

/// Keywords read from the adapter's registry key through NDIS
/// (`NdisOpenConfigurationEx` / `NdisReadConfiguration` / `NdisCloseConfiguration`).
pub struct NdisKeywords {
    handle: ndis_abi::NDIS_HANDLE,
}

/// `NDIS_CONFIGURATION_OBJECT_REVISION_1` (ndis.h).
const NDIS_CONFIGURATION_OBJECT_REVISION_1: u8 = 1;
/// The header size passed: the whole structure. Public header copies disagree on whether
/// `NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1` is `sizeof` (24) or through `Flags` (20);
/// NDIS requires `Size >=` the revision's size, so 24 satisfies either reading.
const NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1: u16 =
    core::mem::size_of::<ndis_abi::NDIS_CONFIGURATION_OBJECT>() as u16;
const _: () = assert!(core::mem::size_of::<ndis_abi::NDIS_CONFIGURATION_OBJECT>() == 24);

/// Longest keyword name converted to UTF-16 (standardized keywords are short).
const MAX_KEYWORD_UNITS: usize = 64;

impl NdisKeywords {
    /// Opens the adapter's configuration. PASSIVE_LEVEL, inside `MiniportInitializeEx`.
    ///
    /// # Safety
    /// `adapter_handle` is the `MiniportAdapterHandle` of an adapter being initialized.
    pub unsafe fn open(adapter_handle: ndis_abi::NDIS_HANDLE) -> crate::NdisResult<Self> {
        let mut object = ndis_abi::NDIS_CONFIGURATION_OBJECT::zeroed();
        object.Header = ndis_abi::NDIS_OBJECT_HEADER::new(
            ndis_abi::NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
            NDIS_CONFIGURATION_OBJECT_REVISION_1,
            NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1,
        );
        object.NdisHandle = adapter_handle;
        object.Flags = 0;
        let mut handle: ndis_abi::NDIS_HANDLE = core::ptr::null_mut();
        // SAFETY: `object` is a fully initialized configuration object and `handle` a live
        // out-pointer, both valid for the call.
        let status = unsafe { ndis_abi::NdisOpenConfigurationEx(&mut object, &mut handle) };
        crate::status::check(status)?;
        if handle.is_null() {
            return Err(crate::NdisError::FAILURE);
        }
        Ok(Self { handle })
    }
}

impl NdisKeywords {
    /// The `NetworkAddress` override (`NdisReadNetworkAddress`): `Ok(None)` when none is
    /// configured, `Err(length)` when the registry value is not a 6-byte address (the caller
    /// logs and ignores it).
    pub fn network_address(&mut self) -> Result<Option<[u8; 6]>, usize> {
        let mut status = ndis_abi::NDIS_STATUS_FAILURE;
        let mut address: ndis_abi::PVOID = core::ptr::null_mut();
        let mut length: u32 = 0;
        // SAFETY: the handle is open (type invariant); the out-pointers are live locals.
        unsafe {
            ndis_abi::NdisReadNetworkAddress(&mut status, &mut address, &mut length, self.handle);
        }
        if status != ndis_abi::NDIS_STATUS_SUCCESS || address.is_null() {
            return Ok(None);
        }
        let length = length as usize;
        if length != 6 {
            return Err(length);
        }
        let mut mac = [0u8; 6];
        // SAFETY: NDIS returned `length` (6) readable bytes, valid until the configuration
        // is closed.
        unsafe { core::ptr::copy_nonoverlapping(address.cast::<u8>(), mac.as_mut_ptr(), 6) };
        Ok(Some(mac))
    }
}

impl KeywordSource for NdisKeywords {
    fn read_integer(&mut self, keyword: &str) -> Option<u32> {
        let mut units = [0u16; MAX_KEYWORD_UNITS];
        let mut count = 0usize;
        for unit in keyword.encode_utf16() {
            *units.get_mut(count)? = unit;
            count += 1;
        }
        let bytes = u16::try_from(count * 2).ok()?;
        let mut name = ndis_abi::UNICODE_STRING {
            Length: bytes,
            MaximumLength: bytes,
            Buffer: units.as_mut_ptr(),
        };
        let mut status = ndis_abi::NDIS_STATUS_FAILURE;
        let mut parameter: *mut ndis_abi::NDIS_CONFIGURATION_PARAMETER = core::ptr::null_mut();
        // SAFETY: the handle is open (type invariant), `name` points at `count` live UTF-16
        // units, and the out-pointers are live locals.
        unsafe {
            ndis_abi::NdisReadConfiguration(
                &mut status,
                &mut parameter,
                self.handle,
                &mut name,
                ndis_abi::NdisParameterInteger,
            );
        }
        if status != ndis_abi::NDIS_STATUS_SUCCESS || parameter.is_null() {
            return None;
        }
        // SAFETY: on success NDIS returns a parameter valid until the configuration is closed.
        let parameter = unsafe { &*parameter };
        match parameter.ParameterType {
            ndis_abi::NdisParameterInteger | ndis_abi::NdisParameterHexInteger => {
                // SAFETY: the parameter type says the union holds an integer.
                Some(unsafe { parameter.ParameterData.IntegerData })
            }
            _ => None,
        }
    }
}

impl Drop for NdisKeywords {
    fn drop(&mut self) {
        // SAFETY: the handle came from NdisOpenConfigurationEx and is closed exactly once.
        unsafe { ndis_abi::NdisCloseConfiguration(self.handle) };
    }
}
