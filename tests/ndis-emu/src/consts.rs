//! Object-header types, revisions and sizes the emulator checks.
//!
//! LOCAL PLACEHOLDERS: `ndis-abi` does not export the `*_REVISION_*` / `NDIS_SIZEOF_*` pairs in
//! this form yet. Values from the golden table
//! `shared/reference/ndis-abi-layouts.json` (WDK ndis.h); replace with the ABI names when they
//! land.

/// `(revision, minimum Header.Size)` pairs.
pub(crate) const DRIVER_CHARACTERISTICS_SIZES: &[(u8, u16)] = &[(1, 136), (2, 152), (3, 160)];
pub(crate) const REGISTRATION_ATTRIBUTES_SIZES: &[(u8, u16)] = &[(1, 28), (2, 28)];
pub(crate) const GENERAL_ATTRIBUTES_SIZES: &[(u8, u16)] = &[(1, 216), (2, 224)];
pub(crate) const HARDWARE_ASSIST_SIZES: &[(u8, u16)] = &[(1, 16), (2, 48), (3, 80), (4, 96)];
pub(crate) const OFFLOAD_ATTRIBUTES_SIZES: &[(u8, u16)] = &[(1, 40)];
pub(crate) const ADD_DEVICE_ATTRIBUTES_SIZES: &[(u8, u16)] = &[(1, 20)];
pub(crate) const PNP_CHARACTERISTICS_SIZES: &[(u8, u16)] = &[(1, 44)];
pub(crate) const SRIOV_CAPABILITIES_SIZES: &[(u8, u16)] = &[(1, 12)];
pub(crate) const NIC_SWITCH_CAPABILITIES_SIZES: &[(u8, u16)] = &[(1, 32), (2, 116), (3, 132)];
pub(crate) const RECEIVE_FILTER_CAPABILITIES_SIZES: &[(u8, u16)] = &[(1, 56), (2, 84)];
pub(crate) const INTERRUPT_CHARACTERISTICS_SIZES: &[(u8, u16)] = &[(1, 96)];
pub(crate) const TIMER_CHARACTERISTICS_SIZES: &[(u8, u16)] = &[(1, 24)];
pub(crate) const STATUS_INDICATION_SIZES: &[(u8, u16)] = &[(1, 112)];
pub(crate) const LINK_STATE_SIZES: &[(u8, u16)] = &[(1, 40)];
pub(crate) const SG_DMA_DESCRIPTION_SIZES: &[(u8, u16)] = &[(1, 40), (2, 48)];
pub(crate) const SHARED_MEMORY_PARAMETERS_SIZES: &[(u8, u16)] = &[(1, 64), (2, 68)];
pub(crate) const NBL_POOL_PARAMETERS_SIZES: &[(u8, u16)] = &[(1, 16)];
pub(crate) const NB_POOL_PARAMETERS_SIZES: &[(u8, u16)] = &[(1, 12)];
pub(crate) const CONFIGURATION_OBJECT_SIZES: &[(u8, u16)] = &[(1, 24)];
pub(crate) const HYPERVISOR_INFO_SIZES: &[(u8, u16)] = &[(1, 12)];

/// `NDIS_SIZEOF_OID_REQUEST_REVISION_2` / `NDIS_OID_REQUEST_REVISION_2` (NDIS 6.30).
pub(crate) const OID_REQUEST_REVISION_2: (u8, u16) = (2, 248);
/// `NDIS_MINIPORT_INIT_PARAMETERS_REVISION_1`.
pub(crate) const INIT_PARAMETERS_REVISION_1: (u8, u16) = (1, 64);
/// `NDIS_MINIPORT_PAUSE_PARAMETERS_REVISION_1`.
pub(crate) const PAUSE_PARAMETERS_REVISION_1: (u8, u16) = (1, 12);
/// `NDIS_MINIPORT_RESTART_PARAMETERS_REVISION_1` (size through `Flags`).
pub(crate) const RESTART_PARAMETERS_REVISION_1: (u8, u16) = (1, 20);

/// Checks a header against `(revision, min size)` pairs.
pub(crate) fn header_ok(
    header: &ndis_abi::NDIS_OBJECT_HEADER,
    ty: u8,
    sizes: &[(u8, u16)],
) -> bool {
    header.Type == ty
        && sizes
            .iter()
            .any(|&(rev, size)| header.Revision == rev && header.Size >= size)
}
