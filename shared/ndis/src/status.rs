//! `NDIS_STATUS` as a `Result`.

use core::fmt;

use ndis_abi::*;

/// A failure `NDIS_STATUS`: never `NDIS_STATUS_SUCCESS` and never `NDIS_STATUS_PENDING`
/// (a pending operation is not an error; the code paths that may pend say so in their types).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NdisError(NDIS_STATUS);

/// `Result` of an NDIS operation.
pub type NdisResult<T = ()> = Result<T, NdisError>;

impl NdisError {
    /// `NDIS_STATUS_FAILURE`.
    pub const FAILURE: Self = Self(NDIS_STATUS_FAILURE);
    /// `NDIS_STATUS_RESOURCES`.
    pub const RESOURCES: Self = Self(NDIS_STATUS_RESOURCES);
    /// `NDIS_STATUS_NOT_SUPPORTED`.
    pub const NOT_SUPPORTED: Self = Self(NDIS_STATUS_NOT_SUPPORTED);
    /// `NDIS_STATUS_INVALID_LENGTH` (set/method buffer too short or header size inconsistent).
    pub const INVALID_LENGTH: Self = Self(NDIS_STATUS_INVALID_LENGTH);
    /// `NDIS_STATUS_BUFFER_TOO_SHORT` (query buffer too short).
    pub const BUFFER_TOO_SHORT: Self = Self(NDIS_STATUS_BUFFER_TOO_SHORT);
    /// `NDIS_STATUS_INVALID_DATA`.
    pub const INVALID_DATA: Self = Self(NDIS_STATUS_INVALID_DATA);
    /// `NDIS_STATUS_INVALID_PARAMETER`.
    pub const INVALID_PARAMETER: Self = Self(NDIS_STATUS_INVALID_PARAMETER);
    /// `NDIS_STATUS_INVALID_OID`.
    pub const INVALID_OID: Self = Self(NDIS_STATUS_INVALID_OID);
    /// `NDIS_STATUS_PAUSED`.
    pub const PAUSED: Self = Self(NDIS_STATUS_PAUSED);
    /// `NDIS_STATUS_ADAPTER_REMOVED`.
    pub const ADAPTER_REMOVED: Self = Self(NDIS_STATUS_ADAPTER_REMOVED);
    /// `NDIS_STATUS_REQUEST_ABORTED`.
    pub const REQUEST_ABORTED: Self = Self(NDIS_STATUS_REQUEST_ABORTED);
    /// `NDIS_STATUS_SEND_ABORTED`.
    pub const SEND_ABORTED: Self = Self(NDIS_STATUS_SEND_ABORTED);
    /// `NDIS_STATUS_DEVICE_FAILED`.
    pub const DEVICE_FAILED: Self = Self(NDIS_STATUS_DEVICE_FAILED);
    /// `NDIS_STATUS_ADAPTER_NOT_FOUND`.
    pub const ADAPTER_NOT_FOUND: Self = Self(NDIS_STATUS_ADAPTER_NOT_FOUND);
    /// `NDIS_STATUS_MULTICAST_FULL`.
    pub const MULTICAST_FULL: Self = Self(NDIS_STATUS_MULTICAST_FULL);
    /// `NDIS_STATUS_BAD_VERSION`.
    pub const BAD_VERSION: Self = Self(NDIS_STATUS_BAD_VERSION);

    /// The error for a raw status, or `None` for `SUCCESS` and `PENDING`.
    #[must_use]
    pub const fn from_status(status: NDIS_STATUS) -> Option<Self> {
        if status == NDIS_STATUS_SUCCESS || status == NDIS_STATUS_PENDING {
            None
        } else {
            Some(Self(status))
        }
    }

    /// The raw status code.
    #[must_use]
    pub const fn status(self) -> NDIS_STATUS {
        self.0
    }

    /// The C name of well-known codes, for diagnostics.
    #[must_use]
    pub const fn name(self) -> Option<&'static str> {
        status_name(self.0)
    }
}

/// `Ok(())` → `NDIS_STATUS_SUCCESS`, `Err(e)` → `e`'s code.
#[must_use]
pub const fn to_status(result: NdisResult) -> NDIS_STATUS {
    match result {
        Ok(()) => NDIS_STATUS_SUCCESS,
        Err(error) => error.0,
    }
}

/// `NDIS_STATUS_SUCCESS` → `Ok`, anything else (including `PENDING`) → `Err`.
/// Use where a pending status is not allowed by the contract of the call.
pub fn check(status: NDIS_STATUS) -> NdisResult {
    if status == NDIS_STATUS_SUCCESS {
        Ok(())
    } else {
        // A PENDING where it is not allowed is itself a failure of the callee.
        Err(NdisError::from_status(status).unwrap_or(NdisError::FAILURE))
    }
}

/// The C name of a well-known `NDIS_STATUS`.
#[must_use]
pub const fn status_name(status: NDIS_STATUS) -> Option<&'static str> {
    Some(match status {
        NDIS_STATUS_SUCCESS => "NDIS_STATUS_SUCCESS",
        NDIS_STATUS_PENDING => "NDIS_STATUS_PENDING",
        NDIS_STATUS_FAILURE => "NDIS_STATUS_FAILURE",
        NDIS_STATUS_RESOURCES => "NDIS_STATUS_RESOURCES",
        NDIS_STATUS_NOT_SUPPORTED => "NDIS_STATUS_NOT_SUPPORTED",
        NDIS_STATUS_INVALID_LENGTH => "NDIS_STATUS_INVALID_LENGTH",
        NDIS_STATUS_BUFFER_TOO_SHORT => "NDIS_STATUS_BUFFER_TOO_SHORT",
        NDIS_STATUS_INVALID_DATA => "NDIS_STATUS_INVALID_DATA",
        NDIS_STATUS_INVALID_PARAMETER => "NDIS_STATUS_INVALID_PARAMETER",
        NDIS_STATUS_INVALID_OID => "NDIS_STATUS_INVALID_OID",
        NDIS_STATUS_PAUSED => "NDIS_STATUS_PAUSED",
        NDIS_STATUS_ADAPTER_REMOVED => "NDIS_STATUS_ADAPTER_REMOVED",
        NDIS_STATUS_REQUEST_ABORTED => "NDIS_STATUS_REQUEST_ABORTED",
        NDIS_STATUS_SEND_ABORTED => "NDIS_STATUS_SEND_ABORTED",
        NDIS_STATUS_DEVICE_FAILED => "NDIS_STATUS_DEVICE_FAILED",
        NDIS_STATUS_BAD_VERSION => "NDIS_STATUS_BAD_VERSION",
        NDIS_STATUS_MULTICAST_FULL => "NDIS_STATUS_MULTICAST_FULL",
        NDIS_STATUS_ADAPTER_NOT_FOUND => "NDIS_STATUS_ADAPTER_NOT_FOUND",
        NDIS_STATUS_MEDIA_DISCONNECTED => "NDIS_STATUS_MEDIA_DISCONNECTED",
        NDIS_STATUS_NOT_ACCEPTED => "NDIS_STATUS_NOT_ACCEPTED",
        NDIS_STATUS_REINIT_REQUIRED => "NDIS_STATUS_REINIT_REQUIRED",
        _ => return None,
    })
}

impl fmt::Debug for NdisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            #[allow(clippy::cast_sign_loss)]
            None => write!(f, "NDIS_STATUS({:#010x})", self.0 as u32),
        }
    }
}

impl fmt::Display for NdisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_pending_are_not_errors() {
        assert_eq!(NdisError::from_status(NDIS_STATUS_SUCCESS), None);
        assert_eq!(NdisError::from_status(NDIS_STATUS_PENDING), None);
        assert_eq!(
            NdisError::from_status(NDIS_STATUS_FAILURE),
            Some(NdisError::FAILURE)
        );
    }

    #[test]
    fn check_treats_pending_as_failure() {
        assert_eq!(check(NDIS_STATUS_SUCCESS), Ok(()));
        assert_eq!(check(NDIS_STATUS_PENDING), Err(NdisError::FAILURE));
        assert_eq!(check(NDIS_STATUS_RESOURCES), Err(NdisError::RESOURCES));
    }

    #[test]
    fn round_trip_through_raw_status() {
        assert_eq!(to_status(Ok(())), NDIS_STATUS_SUCCESS);
        assert_eq!(
            to_status(Err(NdisError::INVALID_LENGTH)),
            NDIS_STATUS_INVALID_LENGTH
        );
    }
}
