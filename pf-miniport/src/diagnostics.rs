//! Why SR-IOV is not active (issue 13 item 6): each reason is logged once per adapter, with its
//! own event id and message, so an administrator reading Event Viewer sees the same reasons
//! that Hyper-V's `IovSupportReasons` summarises (requirements doc §5: "reasons that depend on
//! the PF driver").
//!
//! # Event ids and message text
//! The ids are driver-defined NTSTATUS-format message ids (customer bit set, facility
//! [`FACILITY`]), so they never collide with netevent.dll's `EVENT_NDIS_*` ids. The text is in
//! `inf/pf_miniport.mc`, compiled by `mc -c` into the driver image's message table; the INF
//! lists the image as an `EventMessageFile` after netevent.dll. The `.mc` file is the single
//! source of the text: [`SriovReason::message_id`] must match it, which a test checks
//! (`tests/diagnostics.rs`), and the lab prints the text from it.
//!
//! # How it is logged
//! `NdisWriteErrorLogEntry` (the miniport's event-log call: `NdisWriteEventLogEntry` is for
//! protocol drivers, see `ndis::event_log`), with the reason's call site as the unique value
//! and its numbers (granted MSI-X messages, TotalVFs, a status) as dump data. NDIS inserts
//! the adapter's name as `%2`.

use core::sync::atomic::{AtomicU32, Ordering};

use ndis::adapter::AdapterHandle;
use ndis::event_log::{CUSTOMER_BIT, EventCode, write_event};

/// The facility of the driver's SR-IOV messages (`FacilityNames` in `inf/pf_miniport.mc`).
pub const FACILITY: u32 = 0x0A1;

/// `Severity=Informational` (the administrator chose it).
const INFORMATIONAL: u32 = 0x1;
/// `Severity=Warning` (SR-IOV was asked for and could not be given).
const WARNING: u32 = 0x2;

/// An NTSTATUS-format message id: severity 31:30, customer bit 29, facility 27:16, code 15:0.
const fn message_id(severity: u32, code: u32) -> u32 {
    (severity << 30) | CUSTOMER_BIT | (FACILITY << 16) | code
}

/// Why SR-IOV is not active, or not with every VF asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SriovReason {
    /// `*SRIOV` is 0 (Disabled in the advanced properties).
    DisabledByKeyword,
    /// `*SriovPreferred` is 0, so `*RssOrVmqPreference` picks VMQ (`vmq` true) or RSS.
    OtherFeaturePreferred {
        /// VMQ was preferred (otherwise RSS).
        vmq: bool,
    },
    /// The PF needs MSI-X with `needed` messages for SR-IOV (its mailbox and queue vectors)
    /// and was granted `granted`.
    MsixUnavailable {
        /// Messages granted.
        granted: u32,
        /// Messages needed.
        needed: u32,
    },
    /// The PF's config space shows no SR-IOV capability (the platform hides it, or the
    /// device has none enabled in its NVM).
    NoSriovCapability,
    /// `NdisMEnableVirtualization` failed (typically the BIOS's SR-IOV setting, missing ACS
    /// or not enough VF BAR space).
    VirtualizationFailed {
        /// The status NDIS returned.
        status: u32,
        /// The VF count asked for.
        num_vfs: u32,
    },
    /// `*NumVFs` is above the capability's TotalVFs: clamped to it.
    VfsClamped {
        /// `*NumVFs`.
        requested: u32,
        /// TotalVFs, the count used.
        total_vfs: u32,
    },
    /// `OID_NIC_SWITCH_ALLOCATE_VF` refused: every VF the pool budget allows is allocated.
    VfPoolsExhausted {
        /// VFs the budget allows.
        max_vfs: u32,
    },
    /// A VF was vetoed above the miniport (`NDIS_STATUS_SWITCH_PORT_REMOVE_VF`, or an extension
    /// refusing ALLOCATE_VF / CREATE_VPORT): the VM stays on the synthetic path.
    VfVetoed {
        /// The VF.
        vf: u32,
    },
}

/// Call sites of the diagnostics (the entry's unique value), one per reason.
pub mod event_site {
    /// [`super::SriovReason::DisabledByKeyword`].
    pub const DISABLED_BY_KEYWORD: u32 = 0x0001_0301;
    /// [`super::SriovReason::OtherFeaturePreferred`].
    pub const OTHER_FEATURE_PREFERRED: u32 = 0x0001_0302;
    /// [`super::SriovReason::MsixUnavailable`].
    pub const MSIX_UNAVAILABLE: u32 = 0x0001_0303;
    /// [`super::SriovReason::NoSriovCapability`].
    pub const NO_SRIOV_CAPABILITY: u32 = 0x0001_0304;
    /// [`super::SriovReason::VirtualizationFailed`].
    pub const VIRTUALIZATION_FAILED: u32 = 0x0001_0305;
    /// [`super::SriovReason::VfsClamped`].
    pub const VFS_CLAMPED: u32 = 0x0001_0306;
    /// [`super::SriovReason::VfPoolsExhausted`].
    pub const VF_POOLS_EXHAUSTED: u32 = 0x0001_0307;
    /// [`super::SriovReason::VfVetoed`].
    pub const VF_VETOED: u32 = 0x0001_0308;
}

/// Every reason's message id and symbolic name, as `inf/pf_miniport.mc` defines them.
pub const MESSAGES: [(u32, &str); 8] = [
    (
        message_id(INFORMATIONAL, 1),
        "IGB_PF_SRIOV_DISABLED_BY_KEYWORD",
    ),
    (
        message_id(INFORMATIONAL, 2),
        "IGB_PF_SRIOV_OTHER_FEATURE_PREFERRED",
    ),
    (message_id(WARNING, 3), "IGB_PF_SRIOV_MSIX_UNAVAILABLE"),
    (message_id(WARNING, 4), "IGB_PF_SRIOV_NO_CAPABILITY"),
    (message_id(WARNING, 5), "IGB_PF_SRIOV_VIRTUALIZATION_FAILED"),
    (message_id(WARNING, 6), "IGB_PF_SRIOV_VFS_CLAMPED"),
    (message_id(WARNING, 7), "IGB_PF_SRIOV_VF_POOLS_EXHAUSTED"),
    (message_id(WARNING, 8), "IGB_PF_SRIOV_VF_VETOED"),
];

impl SriovReason {
    /// The reason's index in [`MESSAGES`] (and its bit in the logged-once set).
    #[must_use]
    pub const fn index(&self) -> usize {
        match self {
            Self::DisabledByKeyword => 0,
            Self::OtherFeaturePreferred { .. } => 1,
            Self::MsixUnavailable { .. } => 2,
            Self::NoSriovCapability => 3,
            Self::VirtualizationFailed { .. } => 4,
            Self::VfsClamped { .. } => 5,
            Self::VfPoolsExhausted { .. } => 6,
            Self::VfVetoed { .. } => 7,
        }
    }

    /// The event's message id (see the module docs).
    #[must_use]
    pub const fn message_id(&self) -> u32 {
        MESSAGES[self.index()].0
    }

    /// The call site logged as the entry's unique value.
    #[must_use]
    pub const fn site(&self) -> u32 {
        match self {
            Self::DisabledByKeyword => event_site::DISABLED_BY_KEYWORD,
            Self::OtherFeaturePreferred { .. } => event_site::OTHER_FEATURE_PREFERRED,
            Self::MsixUnavailable { .. } => event_site::MSIX_UNAVAILABLE,
            Self::NoSriovCapability => event_site::NO_SRIOV_CAPABILITY,
            Self::VirtualizationFailed { .. } => event_site::VIRTUALIZATION_FAILED,
            Self::VfsClamped { .. } => event_site::VFS_CLAMPED,
            Self::VfPoolsExhausted { .. } => event_site::VF_POOLS_EXHAUSTED,
            Self::VfVetoed { .. } => event_site::VF_VETOED,
        }
    }

    /// The values after the site (dump data), and how many there are.
    #[must_use]
    pub const fn data(&self) -> ([u32; 2], usize) {
        match *self {
            Self::DisabledByKeyword | Self::NoSriovCapability => ([0, 0], 0),
            Self::OtherFeaturePreferred { vmq } => ([vmq as u32, 0], 1),
            Self::MsixUnavailable { granted, needed } => ([granted, needed], 2),
            Self::VirtualizationFailed { status, num_vfs } => ([status, num_vfs], 2),
            Self::VfsClamped {
                requested,
                total_vfs,
            } => ([requested, total_vfs], 2),
            Self::VfPoolsExhausted { max_vfs } => ([max_vfs, 0], 1),
            Self::VfVetoed { vf } => ([vf, 0], 1),
        }
    }

    /// The reason an event-log entry (message id, error values) records; `None` for any other
    /// entry. What the lab and tests use to read the reasons back.
    #[must_use]
    pub fn from_event(code: u32, values: &[u32]) -> Option<Self> {
        let (&site, data) = values.split_first()?;
        let at = |i: usize| data.get(i).copied().unwrap_or(0);
        let reason = match site {
            event_site::DISABLED_BY_KEYWORD => Self::DisabledByKeyword,
            event_site::OTHER_FEATURE_PREFERRED => Self::OtherFeaturePreferred { vmq: at(0) != 0 },
            event_site::MSIX_UNAVAILABLE => Self::MsixUnavailable {
                granted: at(0),
                needed: at(1),
            },
            event_site::NO_SRIOV_CAPABILITY => Self::NoSriovCapability,
            event_site::VIRTUALIZATION_FAILED => Self::VirtualizationFailed {
                status: at(0),
                num_vfs: at(1),
            },
            event_site::VFS_CLAMPED => Self::VfsClamped {
                requested: at(0),
                total_vfs: at(1),
            },
            event_site::VF_POOLS_EXHAUSTED => Self::VfPoolsExhausted { max_vfs: at(0) },
            event_site::VF_VETOED => Self::VfVetoed { vf: at(0) },
            _ => return None,
        };
        (reason.message_id() == code).then_some(reason)
    }
}

/// The reasons an adapter has logged: each at most once per adapter lifetime (the DDI page on
/// error logging: "logging an I/O error at every possible opportunity is not particularly
/// helpful"). Any IRQL up to DISPATCH.
#[derive(Debug, Default)]
pub struct SriovDiagnostics {
    logged: AtomicU32,
}

impl SriovDiagnostics {
    /// Nothing logged yet.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            logged: AtomicU32::new(0),
        }
    }

    /// Logs `reason` for `adapter` unless a reason of its kind was already logged. Returns
    /// whether it was written.
    pub fn report(&self, adapter: AdapterHandle, reason: SriovReason) -> bool {
        let bit = 1u32 << reason.index();
        if self.logged.fetch_or(bit, Ordering::AcqRel) & bit != 0 {
            return false;
        }
        let (data, len) = reason.data();
        let code = EventCode::driver_defined(reason.message_id());
        if let Some(code) = code {
            write_event(adapter, code, reason.site(), &data[..len]);
        }
        true
    }

    /// Whether a reason of `reason`'s kind has been logged.
    #[must_use]
    pub fn has_logged(&self, reason: &SriovReason) -> bool {
        self.logged.load(Ordering::Acquire) & (1 << reason.index()) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [SriovReason; 8] = [
        SriovReason::DisabledByKeyword,
        SriovReason::OtherFeaturePreferred { vmq: true },
        SriovReason::MsixUnavailable {
            granted: 1,
            needed: 2,
        },
        SriovReason::NoSriovCapability,
        SriovReason::VirtualizationFailed {
            status: 0xC000_0001,
            num_vfs: 7,
        },
        SriovReason::VfsClamped {
            requested: 7,
            total_vfs: 4,
        },
        SriovReason::VfPoolsExhausted { max_vfs: 7 },
        SriovReason::VfVetoed { vf: 3 },
    ];

    #[test]
    fn every_reason_round_trips_through_its_event_entry() {
        for reason in ALL {
            let (data, len) = reason.data();
            let mut values = [0u32; 3];
            values[0] = reason.site();
            values[1..=len].copy_from_slice(&data[..len]);
            assert_eq!(
                SriovReason::from_event(reason.message_id(), &values[..=len]),
                Some(reason)
            );
            // Another message id with the same site is not this reason.
            assert_eq!(
                SriovReason::from_event(reason.message_id() ^ 1, &values[..=len]),
                None
            );
            assert!(EventCode::driver_defined(reason.message_id()).is_some());
        }
        assert_eq!(SriovReason::from_event(MESSAGES[0].0, &[]), None);
    }

    #[test]
    fn ids_are_distinct_and_indices_cover_the_table() {
        for (i, reason) in ALL.iter().enumerate() {
            assert_eq!(reason.index(), i);
            for other in &ALL[i + 1..] {
                assert_ne!(reason.message_id(), other.message_id());
                assert_ne!(reason.site(), other.site());
            }
        }
    }
}
