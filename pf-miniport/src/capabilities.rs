//! The PF's hardware-assist capabilities: SR-IOV, NIC switch and receive filtering; and its
//! task offloads ([`PF_OFFLOAD`], reported with the offload attributes).
//!
//! Hardware capabilities are reported whatever the keywords say; current capabilities only for
//! the feature that is enabled (N/miniportinitializeex-guidelines-for-pf-miniport-drivers.md).
//! Both pointers of each kind are always passed: a disabled feature's "current" structure is a
//! valid header with zeroed capabilities. That satisfies both the structure page (no mixing of
//! NULL and non-NULL Hardware/Current pointers; SR-IOV pointers require NIC switch pointers) and
//! the conceptual pages (nothing current when `*SRIOV` = 0) — requirements doc §6 item 2.
//!
//! RSS is never reported. The PF's data path runs one receive queue, and NDIS RSS
//! capabilities promise queues, an indirection table and hash values in the NBLs that nothing
//! would program (issue 12: "if RSS is not implemented, it is not reported"). When the
//! keywords select RSS (`*RSS` on and no SR-IOV/VMQ preference) the adapter logs
//! `UNSUPPORTED_CONFIGURATION` and runs without it (`crate::hardware::event_site::RSS_UNAVAILABLE`).

use igb::ids::Generation;
use ndis_abi::*;

use crate::keywords::FeatureSelection;

/// The task offloads of the PF's queues: the igb silicon's ([`igb_datapath::offload::IGB_OFFLOAD`]:
/// IPv4 header, TCP and UDP checksums over IPv4 and IPv6 both ways, LSOv2 IPv4/IPv6; no LSOv1,
/// USO, RSC, IPsec or encapsulated-packet offload). Reported as `HardwareOffloadCapabilities`
/// whatever the keywords say.
pub const PF_OFFLOAD: ndis::offload::OffloadHardware = igb_datapath::offload::IGB_OFFLOAD;

/// igb pools: 8 on 82576 and I350 (igb-hardware.md §2.2). VF n owns pool n; the PF takes the
/// pool after the last VF, so at most 7 VFs.
pub const POOLS: u32 = 8;
/// Most VFs the silicon can expose beside the PF.
pub const MAX_VFS: u32 = POOLS - 1;

/// Silicon facts that shape the capabilities.
#[derive(Clone, Copy, Debug)]
pub struct SiliconLimits {
    /// Queue pairs in the device (82576: 16, I350: 8).
    pub queue_pairs: u32,
    /// Receive address (RAR) entries (82576: 24, I350: 32).
    pub mac_addresses: u32,
}

impl SiliconLimits {
    /// The limits of a generation (igb-hardware.md §7).
    #[must_use]
    pub const fn of(generation: Generation) -> Self {
        match generation {
            Generation::I82576 => Self {
                queue_pairs: 16,
                mac_addresses: 24,
            },
            Generation::I350 => Self {
                queue_pairs: 8,
                mac_addresses: 32,
            },
        }
    }
}

/// Every capability structure the PF reports, kept alive for `NdisMSetMiniportAttributes`
/// (and for the lab to show).
#[derive(Clone, Copy)]
pub struct PfCapabilities {
    /// `HardwareSriovCapabilities`.
    pub hardware_sriov: NDIS_SRIOV_CAPABILITIES,
    /// `CurrentSriovCapabilities`.
    pub current_sriov: NDIS_SRIOV_CAPABILITIES,
    /// `HardwareNicSwitchCapabilities`.
    pub hardware_nic_switch: NDIS_NIC_SWITCH_CAPABILITIES,
    /// `CurrentNicSwitchCapabilities`.
    pub current_nic_switch: NDIS_NIC_SWITCH_CAPABILITIES,
    /// `HardwareReceiveFilterCapabilities`.
    pub hardware_receive_filter: NDIS_RECEIVE_FILTER_CAPABILITIES,
    /// `CurrentReceiveFilterCapabilities`.
    pub current_receive_filter: NDIS_RECEIVE_FILTER_CAPABILITIES,
}

fn sriov_header() -> NDIS_OBJECT_HEADER {
    NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_DEFAULT,
        NDIS_SRIOV_CAPABILITIES_REVISION_1,
        NDIS_SIZEOF_SRIOV_CAPABILITIES_REVISION_1,
    )
}

fn nic_switch_header() -> NDIS_OBJECT_HEADER {
    NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_DEFAULT,
        NDIS_NIC_SWITCH_CAPABILITIES_REVISION_2,
        NDIS_SIZEOF_NIC_SWITCH_CAPABILITIES_REVISION_2,
    )
}

fn receive_filter_header() -> NDIS_OBJECT_HEADER {
    NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_DEFAULT,
        NDIS_RECEIVE_FILTER_CAPABILITIES_REVISION_2,
        NDIS_SIZEOF_RECEIVE_FILTER_CAPABILITIES_REVISION_2,
    )
}

/// What the NIC switch can do. `num_vfs` is `*NumVFs` clamped to the hardware.
fn nic_switch(
    limits: SiliconLimits,
    num_vfs: u32,
    vlan_filtering: bool,
) -> NDIS_NIC_SWITCH_CAPABILITIES {
    let mut caps = NDIS_NIC_SWITCH_CAPABILITIES::zeroed();
    caps.Header = nic_switch_header();
    // NumTotalMacAddresses / NumMacAddressesPerPort / NumVlansPerPort stay 0 for revision 2+
    // (D/ntddndis/ns-ntddndis-_ndis_nic_switch_capabilities.md).
    caps.NicSwitchCapabilities = if vlan_filtering {
        NDIS_NIC_SWITCH_CAPS_VLAN_SUPPORTED
    } else {
        0
    };
    caps.MaxNumSwitches = 1;
    // The default vPort plus one per VF (MaxNumVPorts >= MaxNumVFs + 1).
    caps.MaxNumVFs = num_vfs;
    caps.MaxNumVPorts = num_vfs + 1;
    // One queue pair per pool is what VFs get (igbvf uses queue 0 of its pool; QEMU honours
    // only queue 0's VTIVAR byte, igb-hardware.md §8), a power of two as required.
    caps.MaxNumQueuePairsPerNonDefaultVPort = 1;
    caps.MaxNumQueuePairs = limits.queue_pairs.max(caps.MaxNumVPorts);
    caps.MaxNumMacAddresses = limits.mac_addresses.max(caps.MaxNumVPorts);
    caps
}

/// What receive filtering can do; `queues` is the VMQ queue count (0 with SR-IOV).
fn receive_filter(
    limits: SiliconLimits,
    enabled: bool,
    queues: u32,
    vlan_filtering: bool,
) -> NDIS_RECEIVE_FILTER_CAPABILITIES {
    let mut caps = NDIS_RECEIVE_FILTER_CAPABILITIES::zeroed();
    caps.Header = receive_filter_header();
    if !enabled {
        return caps;
    }
    caps.EnabledFilterTypes = NDIS_RECEIVE_FILTER_VMQ_FILTERS_ENABLED;
    caps.EnabledQueueTypes = NDIS_RECEIVE_FILTER_VM_QUEUES_ENABLED;
    caps.NumQueues = queues;
    caps.SupportedQueueProperties =
        NDIS_RECEIVE_FILTER_VM_QUEUE_SUPPORTED | NDIS_RECEIVE_FILTER_MSI_X_SUPPORTED;
    caps.SupportedFilterTests = NDIS_RECEIVE_FILTER_TEST_HEADER_FIELD_EQUAL_SUPPORTED;
    caps.SupportedHeaders = NDIS_RECEIVE_FILTER_MAC_HEADER_SUPPORTED;
    caps.SupportedMacHeaderFields = NDIS_RECEIVE_FILTER_MAC_HEADER_DEST_ADDR_SUPPORTED
        | if vlan_filtering {
            NDIS_RECEIVE_FILTER_MAC_HEADER_VLAN_ID_SUPPORTED
        } else {
            0
        };
    caps.MaxMacHeaderFilters = limits.mac_addresses;
    caps
}

/// Builds every capability structure for the selected features.
#[must_use]
pub fn pf_capabilities(
    generation: Generation,
    selection: FeatureSelection,
    num_vfs: u32,
) -> PfCapabilities {
    let limits = SiliconLimits::of(generation);
    let num_vfs = num_vfs.min(MAX_VFS);

    let mut hardware_sriov = NDIS_SRIOV_CAPABILITIES::zeroed();
    hardware_sriov.Header = sriov_header();
    hardware_sriov.SriovCapabilities =
        NDIS_SRIOV_CAPS_SRIOV_SUPPORTED | NDIS_SRIOV_CAPS_PF_MINIPORT;
    let mut current_sriov = NDIS_SRIOV_CAPABILITIES::zeroed();
    current_sriov.Header = sriov_header();
    if selection.sriov {
        current_sriov.SriovCapabilities = hardware_sriov.SriovCapabilities;
    }

    let hardware_nic_switch = nic_switch(limits, MAX_VFS, true);
    let current_nic_switch = if selection.sriov {
        nic_switch(limits, num_vfs, selection.vlan_filtering)
    } else {
        let mut caps = NDIS_NIC_SWITCH_CAPABILITIES::zeroed();
        caps.Header = nic_switch_header();
        caps
    };

    // VMQ alone: one queue per pool other than the PF's default pool. With SR-IOV, NumQueues
    // must be 0 (N/determining-receive-filtering-capabilities.md).
    let vmq_queues = POOLS - 1;
    let hardware_receive_filter = receive_filter(limits, true, vmq_queues, true);
    let current_receive_filter = receive_filter(
        limits,
        selection.sriov || selection.vmq,
        if selection.sriov { 0 } else { vmq_queues },
        selection.vlan_filtering,
    );

    PfCapabilities {
        hardware_sriov,
        current_sriov,
        hardware_nic_switch,
        current_nic_switch,
        hardware_receive_filter,
        current_receive_filter,
    }
}

#[cfg(test)]
mod tests {
    //! The keyword matrix of N/handling-sr-iov--vmq--and-rss-standardized-inf-keywords.md
    //! (requirements doc §1.3), one test per row, checked on the capability structures the PF
    //! reports.
    extern crate std;
    use std::collections::BTreeMap;
    use std::string::{String, ToString};

    use super::*;
    use crate::keywords::{self, select_features};
    use ndis::config::KeywordSource;

    struct Registry(BTreeMap<String, u32>);
    impl KeywordSource for Registry {
        fn read_integer(&mut self, keyword: &str) -> Option<u32> {
            self.0.get(keyword).copied()
        }
    }

    /// Runs one row: `None` = keyword absent.
    fn row(
        sriov_preferred: Option<u32>,
        rss_or_vmq: Option<u32>,
        sriov: Option<u32>,
        vmq: Option<u32>,
        rss: Option<u32>,
    ) -> PfCapabilities {
        let selection = selection_of(sriov_preferred, rss_or_vmq, sriov, vmq, rss);
        pf_capabilities(Generation::I82576, selection, MAX_VFS)
    }

    /// The feature selection of one row.
    fn selection_of(
        sriov_preferred: Option<u32>,
        rss_or_vmq: Option<u32>,
        sriov: Option<u32>,
        vmq: Option<u32>,
        rss: Option<u32>,
    ) -> FeatureSelection {
        let mut values = BTreeMap::new();
        for (name, value) in [
            (keywords::SRIOV_PREFERRED, sriov_preferred),
            (keywords::RSS_OR_VMQ_PREFERENCE, rss_or_vmq),
            (keywords::SRIOV, sriov),
            (keywords::VMQ, vmq),
            (keywords::RSS, rss),
        ] {
            if let Some(value) = value {
                values.insert(name.to_string(), value);
            }
        }
        select_features(&mut Registry(values))
    }

    fn sriov_on(caps: &PfCapabilities) -> bool {
        caps.current_sriov.SriovCapabilities & NDIS_SRIOV_CAPS_SRIOV_SUPPORTED != 0
            && caps.current_nic_switch.MaxNumVFs > 0
    }

    fn vmq_filters_on(caps: &PfCapabilities) -> bool {
        caps.current_receive_filter.EnabledFilterTypes & NDIS_RECEIVE_FILTER_VMQ_FILTERS_ENABLED
            != 0
    }

    /// Hardware capabilities are reported whatever the keywords say.
    fn assert_hardware_always(caps: &PfCapabilities) {
        assert_eq!(
            caps.hardware_sriov.SriovCapabilities,
            NDIS_SRIOV_CAPS_SRIOV_SUPPORTED | NDIS_SRIOV_CAPS_PF_MINIPORT
        );
        assert_eq!(caps.hardware_nic_switch.MaxNumVFs, MAX_VFS);
        assert!(caps.hardware_nic_switch.MaxNumVPorts > caps.hardware_nic_switch.MaxNumVFs);
        assert!(caps.hardware_nic_switch.MaxNumQueuePairs >= caps.hardware_nic_switch.MaxNumVPorts);
        assert!(
            caps.hardware_nic_switch.MaxNumMacAddresses >= caps.hardware_nic_switch.MaxNumVPorts
        );
        assert!(
            caps.hardware_nic_switch
                .MaxNumQueuePairsPerNonDefaultVPort
                .is_power_of_two()
        );
        assert_eq!(
            caps.hardware_nic_switch.NumTotalMacAddresses, 0,
            "must be 0 for revision 2+"
        );
    }

    #[test]
    fn row1_sriov_preferred_with_sriov_and_vmq_gives_sriov_plus_vmq() {
        let caps = row(Some(1), Some(1), Some(1), Some(1), None);
        assert_hardware_always(&caps);
        assert!(sriov_on(&caps));
        assert!(vmq_filters_on(&caps));
        assert_eq!(
            caps.current_receive_filter.NumQueues, 0,
            "NumQueues must be 0 with SR-IOV"
        );
    }

    #[test]
    fn row2_sriov_preferred_without_sriov_gives_vmq() {
        let caps = row(Some(1), Some(1), Some(0), Some(1), None);
        assert_hardware_always(&caps);
        assert!(!sriov_on(&caps));
        assert!(vmq_filters_on(&caps));
        assert!(
            caps.current_receive_filter.NumQueues > 0,
            "VMQ needs queues"
        );
    }

    #[test]
    fn row3_sriov_preferred_with_nothing_enabled_gives_none() {
        for rss_or_vmq in [None, Some(0), Some(1)] {
            let caps = row(Some(1), rss_or_vmq, Some(0), Some(0), Some(1));
            assert_hardware_always(&caps);
            assert!(!sriov_on(&caps));
            assert!(!vmq_filters_on(&caps));
            assert!(
                !selection_of(Some(1), rss_or_vmq, Some(0), Some(0), Some(1)).rss,
                "RSS keywords are not read when SR-IOV is preferred"
            );
        }
    }

    #[test]
    fn row4_vmq_preferred_with_vmq_gives_vmq() {
        let caps = row(None, Some(1), Some(1), Some(1), Some(1));
        assert_hardware_always(&caps);
        assert!(!sriov_on(&caps), "*SRIOV is not read when VMQ is preferred");
        assert!(vmq_filters_on(&caps));
    }

    #[test]
    fn row5_vmq_preferred_without_vmq_gives_none() {
        let caps = row(Some(0), Some(1), Some(1), Some(0), Some(1));
        assert_hardware_always(&caps);
        assert!(!sriov_on(&caps));
        assert!(!vmq_filters_on(&caps));
    }

    #[test]
    fn row6_rss_preferred_with_rss_selects_rss_but_reports_none() {
        let caps = row(None, None, Some(1), Some(1), Some(1));
        assert_hardware_always(&caps);
        assert!(!sriov_on(&caps));
        assert!(!vmq_filters_on(&caps));
        // Selected, but not reported: see `pf_capabilities` (RSS is not implemented).
        assert!(selection_of(None, None, Some(1), Some(1), Some(1)).rss);
    }

    #[test]
    fn row7_rss_preferred_without_rss_gives_none() {
        let caps = row(Some(0), Some(0), Some(1), Some(1), Some(0));
        assert_hardware_always(&caps);
        assert!(!sriov_on(&caps));
        assert!(!vmq_filters_on(&caps));
    }

    #[test]
    fn current_vf_count_follows_num_vfs_and_the_hardware_limit() {
        let selection = FeatureSelection {
            sriov: true,
            vmq: true,
            rss: false,
            vlan_filtering: true,
        };
        assert_eq!(
            pf_capabilities(Generation::I350, selection, 3)
                .current_nic_switch
                .MaxNumVFs,
            3
        );
        assert_eq!(
            pf_capabilities(Generation::I350, selection, 30)
                .current_nic_switch
                .MaxNumVFs,
            MAX_VFS
        );
        assert_eq!(
            pf_capabilities(Generation::I350, selection, 3)
                .current_nic_switch
                .MaxNumMacAddresses,
            32
        );
    }
}
