//! System event-log entries for the failures and fallbacks an administrator must be able to see
//! (a rejected `*NetworkAddress`, a MAC taken from RAR0 because the NVM checksum is bad, a PHY
//! that does not answer, a VF whose PF handshake gave up).
//!
//! # Which NDIS call
//! A miniport logs with `NdisWriteErrorLogEntry(MiniportAdapterHandle, ErrorCode,
//! NumberOfErrorValues, ...)` (D/ndis/nf-ndis-ndiswriteerrorlogentry.md).
//! `NdisWriteEventLogEntry` is not for miniports: its `LogHandle` is the *driver object of a
//! protocol*, and its page says "called only by protocol drivers. Miniport drivers should call
//! NdisWriteErrorLogEntry" (D/ndis/nf-ndis-ndiswriteeventlogentry.md). Passing a
//! `MiniportAdapterHandle` there would hand NDIS's miniport block to `IoAllocateErrorLogEntry` as
//! if it were a driver object.
//!
//! # What Event Viewer shows
//! NDIS fills an `IO_ERROR_LOG_PACKET` against the adapter's device object: `ErrorCode` = the
//! `NDIS_ERROR_CODE_*` value (an `EVENT_NDIS_*` id from netevent.h), the error values as dump data
//! (`UniqueErrorValue` is always 0), and one insertion string, the adapter's instance name (or
//! `\Device\{GUID}` when the name does not fit). The message text comes from netevent.dll, which
//! both INFs register as the service's `EventMessageFile` (`TypesSupported = 7`), so no message
//! file of our own is needed as long as only the standard codes below are used.
//!
//! # Size limit
//! The whole packet is limited to `ERROR_LOG_MAXIMUM_SIZE` (240 bytes: `ERROR_LOG_LIMIT_SIZE`
//! in wdm.h). NDIS sizes it as `sizeof(IO_ERROR_LOG_PACKET)` (48) + 4 × values + the name; an
//! entry that does not fit is dropped, and NDIS narrows the size to a `UCHAR` first, so a very
//! large count could even wrap to a short allocation. [`write_event`] therefore never passes more
//! than [`MAX_ERROR_VALUES`] values: 48 + 4 × 8 = 80 bytes leaves 160 bytes, i.e. instance
//! names of up to 79 characters keep the readable name.
//!
//! # Convention
//! The first error value is the driver's *unique value*: which call site logged the entry (the
//! `ERRLOG_*` convention of the e1000/e100 NDIS samples), followed by up to
//! [`MAX_DATA_VALUES`] values that help diagnose it (register contents, a status). Log only what
//! an administrator must act on, once per occurrence, not per retry (the DDI page: "logging an
//! I/O error at every possible opportunity is not particularly helpful").

use ndis_abi::{NdisWriteErrorLogEntry, ULONG};

use crate::adapter::{AdapterCore, AdapterHandle};

/// An `NDIS_ERROR_CODE_*` value (ndis.h maps each to the `EVENT_NDIS_*` message id of the same
/// value in netevent.h, whose text netevent.dll holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventCode(u32);

impl EventCode {
    /// `NDIS_ERROR_CODE_RESOURCE_CONFLICT` (`EVENT_NDIS_RESOURCE_CONFLICT`): a required
    /// resource (BAR, interrupt) was not granted.
    pub const RESOURCE_CONFLICT: Self = Self(0xC000_1388);
    /// `NDIS_ERROR_CODE_OUT_OF_RESOURCES` (`EVENT_NDIS_OUT_OF_RESOURCE`): memory, pools or
    /// shared memory could not be allocated.
    pub const OUT_OF_RESOURCES: Self = Self(0xC000_1389);
    /// `NDIS_ERROR_CODE_HARDWARE_FAILURE` (`EVENT_NDIS_HARDWARE_FAILURE`): the device misbehaves
    /// (PHY not answering, reset never completes, device gone).
    pub const HARDWARE_FAILURE: Self = Self(0xC000_138A);
    /// `NDIS_ERROR_CODE_ADAPTER_NOT_FOUND` (`EVENT_NDIS_ADAPTER_NOT_FOUND`): the expected device
    /// is not there (unknown device id, no register BAR).
    pub const ADAPTER_NOT_FOUND: Self = Self(0xC000_138B);
    /// `NDIS_ERROR_CODE_INTERRUPT_CONNECT` (`EVENT_NDIS_INTERRUPT_CONNECT`): interrupt
    /// registration failed.
    pub const INTERRUPT_CONNECT: Self = Self(0xC000_138C);
    /// `NDIS_ERROR_CODE_DRIVER_FAILURE` (`EVENT_NDIS_DRIVER_FAILURE`): a failure no other code
    /// describes.
    pub const DRIVER_FAILURE: Self = Self(0xC000_138D);
    /// `NDIS_ERROR_CODE_BAD_VERSION` (`EVENT_NDIS_BAD_VERSION`): a version mismatch (e.g. the
    /// PF speaks no mailbox API version the VF knows).
    pub const BAD_VERSION: Self = Self(0xC000_138E);
    /// `NDIS_ERROR_CODE_TIMEOUT` (`EVENT_NDIS_TIMEOUT`, warning severity): a timeout expired
    /// (e.g. the VF's PF handshake gave up).
    pub const TIMEOUT: Self = Self(0x8000_138F);
    /// `NDIS_ERROR_CODE_NETWORK_ADDRESS` (`EVENT_NDIS_NETWORK_ADDRESS`): a network address is
    /// invalid (a rejected `*NetworkAddress`, an unusable NVM MAC).
    pub const NETWORK_ADDRESS: Self = Self(0xC000_1390);
    /// `NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION` (`EVENT_NDIS_UNSUPPORTED_CONFIGURATION`): a
    /// configured value is not supported (ndis.h has no "bad configuration" code; this is it).
    pub const UNSUPPORTED_CONFIGURATION: Self = Self(0xC000_1391);
    /// `NDIS_ERROR_CODE_INVALID_VALUE_FROM_ADAPTER` (`EVENT_NDIS_INVALID_VALUE_FROM_ADAPTER`):
    /// the hardware returned an invalid value (e.g. a bad NVM checksum).
    pub const INVALID_VALUE_FROM_ADAPTER: Self = Self(0xC000_1392);
    /// `NDIS_ERROR_CODE_MISSING_CONFIGURATION_PARAMETER`
    /// (`EVENT_NDIS_MISSING_CONFIGURATION_PARAMETER`): a required registry parameter is missing.
    pub const MISSING_CONFIGURATION_PARAMETER: Self = Self(0xC000_1393);
    /// `NDIS_ERROR_CODE_BAD_IO_BASE_ADDRESS` (`EVENT_NDIS_BAD_IO_BASE_ADDRESS`): the register
    /// base address is invalid (BAR too small, mapping failed).
    pub const BAD_IO_BASE_ADDRESS: Self = Self(0xC000_1394);
    /// `NDIS_ERROR_CODE_RECEIVE_SPACE_SMALL` (`EVENT_NDIS_RECEIVE_SPACE_SMALL`, informational):
    /// receive buffer memory is too small.
    pub const RECEIVE_SPACE_SMALL: Self = Self(0x4000_1395);
    /// `NDIS_ERROR_CODE_ADAPTER_DISABLED` (`EVENT_NDIS_ADAPTER_DISABLED`, warning): the
    /// adapter hardware is disabled.
    pub const ADAPTER_DISABLED: Self = Self(0x8000_1396);

    /// A message id from the driver's own message table: its `.mc` file compiled into the
    /// driver image, which the INF lists as an `EventMessageFile` after netevent.dll. `raw`
    /// must have the customer bit (29) set: in the NTSTATUS message-id format that bit marks a
    /// non-Microsoft definition ([MS-ERREF] 2.3, the "C" bit), so such an id can never collide
    /// with an `EVENT_NDIS_*` id. Without it, `None`.
    #[must_use]
    pub const fn driver_defined(raw: u32) -> Option<Self> {
        if raw & CUSTOMER_BIT == 0 {
            None
        } else {
            Some(Self(raw))
        }
    }

    /// The raw `NDIS_ERROR_CODE`.
    #[must_use]
    pub const fn raw(self) -> u32 {
        self.0
    }
}

/// Bit 29 of an NTSTATUS-format message id: customer-defined ([MS-ERREF] 2.3).
pub const CUSTOMER_BIT: u32 = 1 << 29;

/// The most error values one entry carries (the unique value included); see the module docs
/// for why 8 fits `ERROR_LOG_MAXIMUM_SIZE` with the adapter's name.
pub const MAX_ERROR_VALUES: usize = 8;

/// The most diagnostic values after the unique value; longer `data` is truncated.
pub const MAX_DATA_VALUES: usize = MAX_ERROR_VALUES - 1;

/// How many variadic `ULONG`s [`write_event`] always passes (zero-padded past
/// `NumberOfErrorValues`, which NDIS's `va_arg` loop never reads). One fixed argument list keeps
/// a single call site (Rust cannot build a `va_list`), and it is exactly the fixed parameter list
/// the user-mode emulator defines in place of the variadic function (`ndis-emu`'s
/// `NdisWriteErrorLogEntry`, which also allows NDIS's own maximum of 24 values).
pub const PASSED_VALUE_SLOTS: usize = 24;

/// The error values for one entry: `unique_value` first, then at most [`MAX_DATA_VALUES`] of
/// `data`, zero-padded to [`PASSED_VALUE_SLOTS`]; and how many of them are meaningful
/// (`NumberOfErrorValues`).
#[must_use]
pub fn error_values(unique_value: u32, data: &[u32]) -> ([u32; PASSED_VALUE_SLOTS], u32) {
    let mut values = [0u32; PASSED_VALUE_SLOTS];
    values[0] = unique_value;
    let kept = data.len().min(MAX_DATA_VALUES);
    for (slot, value) in values[1..].iter_mut().zip(&data[..kept]) {
        *slot = *value;
    }
    // kept <= 7, so the count is at most 8 and the cast is lossless.
    (values, (kept + 1) as u32)
}

/// Writes an entry to the system event log for `adapter` (`NdisWriteErrorLogEntry`): `code`,
/// then `unique_value` and the first [`MAX_DATA_VALUES`] values of `data` as dump data (the
/// rest is dropped, never passed over-long). IRQL <= DISPATCH_LEVEL
/// (D/ndis/nf-ndis-ndiswriteerrorlogentry.md), so it may be called from a DPC or with a spin
/// lock held; it does not wait. Not after `MiniportHaltEx` returned (the handle is dead then).
/// NDIS gives no result: a failed allocation drops the entry silently.
pub fn write_event(adapter: AdapterHandle, code: EventCode, unique_value: u32, data: &[u32]) {
    let (v, count) = error_values(unique_value, data);
    let count: ULONG = count;
    // SAFETY: `adapter` wraps the MiniportAdapterHandle NDIS passed to MiniportInitializeEx
    // (`AdapterHandle::new`'s contract), live until MiniportHaltEx returns; `count` <= 8 values
    // follow, all `ULONG`s as the variadic contract requires (the extra zero slots are never
    // read by NDIS); the function is callable at <= DISPATCH_LEVEL, which is the caller's IRQL.
    unsafe {
        NdisWriteErrorLogEntry(
            adapter.raw(),
            code.raw(),
            count,
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[5],
            v[6],
            v[7],
            v[8],
            v[9],
            v[10],
            v[11],
            v[12],
            v[13],
            v[14],
            v[15],
            v[16],
            v[17],
            v[18],
            v[19],
            v[20],
            v[21],
            v[22],
            v[23],
        );
    }
}

impl AdapterCore {
    /// [`write_event`] for this adapter.
    pub fn log_event(&self, code: EventCode, unique_value: u32, data: &[u32]) {
        write_event(self.handle, code, unique_value, data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_netevent_ids_ndis_h_maps_them_to() {
        // netevent.h: EVENT_NDIS_RESOURCE_CONFLICT 0xC0001388 ... EVENT_NDIS_ADAPTER_DISABLED
        // 0x80001396, consecutive message ids with their severities.
        let table = [
            (EventCode::RESOURCE_CONFLICT, 0xC000_1388),
            (EventCode::OUT_OF_RESOURCES, 0xC000_1389),
            (EventCode::HARDWARE_FAILURE, 0xC000_138A),
            (EventCode::ADAPTER_NOT_FOUND, 0xC000_138B),
            (EventCode::INTERRUPT_CONNECT, 0xC000_138C),
            (EventCode::DRIVER_FAILURE, 0xC000_138D),
            (EventCode::BAD_VERSION, 0xC000_138E),
            (EventCode::TIMEOUT, 0x8000_138F),
            (EventCode::NETWORK_ADDRESS, 0xC000_1390),
            (EventCode::UNSUPPORTED_CONFIGURATION, 0xC000_1391),
            (EventCode::INVALID_VALUE_FROM_ADAPTER, 0xC000_1392),
            (EventCode::MISSING_CONFIGURATION_PARAMETER, 0xC000_1393),
            (EventCode::BAD_IO_BASE_ADDRESS, 0xC000_1394),
            (EventCode::RECEIVE_SPACE_SMALL, 0x4000_1395),
            (EventCode::ADAPTER_DISABLED, 0x8000_1396),
        ];
        for (i, (code, raw)) in table.iter().enumerate() {
            assert_eq!(code.raw(), *raw);
            // Message id (low 16 bits) 5000 + i: one consecutive block in netevent.h.
            assert_eq!(code.raw() & 0xFFFF, 0x1388 + i as u32);
            // Facility 0, customer bit clear: system messages netevent.dll holds.
            assert_eq!(code.raw() & 0x3FFF_0000, 0);
        }
    }

    #[test]
    fn unique_value_first_then_data() {
        let (v, n) = error_values(0xAB, &[1, 2, 3]);
        assert_eq!(n, 4);
        assert_eq!(&v[..4], &[0xAB, 1, 2, 3]);
        assert!(v[4..].iter().all(|&x| x == 0));
    }

    #[test]
    fn no_data_is_one_value() {
        let (v, n) = error_values(7, &[]);
        assert_eq!(n, 1);
        assert_eq!(v[0], 7);
        assert!(v[1..].iter().all(|&x| x == 0));
    }

    #[test]
    fn over_long_data_is_truncated_to_the_maximum() {
        let data: [u32; 40] = core::array::from_fn(|i| i as u32 + 100);
        let (v, n) = error_values(1, &data);
        assert_eq!(n as usize, MAX_ERROR_VALUES);
        assert_eq!(&v[1..MAX_ERROR_VALUES], &data[..MAX_DATA_VALUES]);
        // Nothing past the count is passed with a value that could be mistaken for data.
        assert!(v[MAX_ERROR_VALUES..].iter().all(|&x| x == 0));
    }

    #[test]
    fn the_largest_entry_fits_error_log_maximum_size_with_a_79_character_name() {
        // wdm.h ERROR_LOG_MAXIMUM_SIZE = 240; NDIS: sizeof(IO_ERROR_LOG_PACKET) (48) + 4 per
        // value + the name's UNICODE_STRING MaximumLength (characters + NUL, UTF-16).
        let name_bytes = (79 + 1) * 2;
        assert!(48 + 4 * MAX_ERROR_VALUES + name_bytes <= 240);
        // The emulator's fixed-parameter stand-in reads PASSED_VALUE_SLOTS values, NDIS's own
        // maximum with the \Device\{GUID} fallback name (46 characters + NUL).
        assert_eq!(PASSED_VALUE_SLOTS, (240 - 48 - (46 + 1) * 2) / 4);
    }
}
