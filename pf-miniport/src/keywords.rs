//! The PF's standardized INF keywords and their precedence.
//!
//! N/handling-sr-iov--vmq--and-rss-standardized-inf-keywords.md (requirements doc §1.3):
//! 1. read `*SriovPreferred`, then `*RssOrVmqPreference`;
//! 2. SR-IOV preferred: read `*SRIOV` (and `*VMQ`, since SR-IOV and VMQ run together), do not
//!    read the RSS keywords, but do read `*VMQVlanFiltering`;
//! 3. VMQ preferred: read `*VMQ` (and `*VMQVlanFiltering`), not the RSS or SR-IOV keywords;
//! 4. RSS preferred: read `*RSS`, not the VMQ or SR-IOV keywords.
//!
//! RSS never runs alongside SR-IOV or VMQ. `*SriovPreferred` and `*RssOrVmqPreference` are
//! hidden keywords (absent from the INF, default 0); `*SRIOV`, `*VMQ` and `*VMQVlanFiltering`
//! default to enabled, as the INF declares them. `*RSS` is not in the INF (this driver does not
//! implement RSS, `crate::capabilities`) and defaults to 0; an administrator who sets it to 1
//! gets an event-log entry saying it is unavailable.

use igb::filters::VlanId;
use igb::pf_device::PfVlan;
use igb_datapath::VlanPolicy;
use ndis::config::{KeywordSource, read_flag};
use ndis::offload::OffloadConfig;

/// `*SriovPreferred`.
pub const SRIOV_PREFERRED: &str = "*SriovPreferred";
/// `*RssOrVmqPreference`.
pub const RSS_OR_VMQ_PREFERENCE: &str = "*RssOrVmqPreference";
/// `*SRIOV`.
pub const SRIOV: &str = "*SRIOV";
/// `*VMQ`.
pub const VMQ: &str = "*VMQ";
/// `*VMQVlanFiltering`.
pub const VMQ_VLAN_FILTERING: &str = "*VMQVlanFiltering";
/// `*RSS`.
pub const RSS: &str = "*RSS";
/// `*SpeedDuplex` (standardized: 0 auto, 1 10H, 2 10F, 3 100H, 4 100F, 6 1000F).
pub const SPEED_DUPLEX: &str = "*SpeedDuplex";
/// `*FlowControl` (standardized: 0 off, 1 Tx, 2 Rx, 3 Rx & Tx).
pub const FLOW_CONTROL: &str = "*FlowControl";
/// `*NumVFs` (under `NicSwitches\0`; the emulator and NDIS expose it by that name).
pub const NUM_VFS: &str = "*NumVFs";

/// `*PriorityVLANTag` (Standardized INF Keywords for NDIS QoS: 0 disabled, 1 packet priority,
/// 2 VLAN, 3 both; default 3).
pub const PRIORITY_VLAN_TAG: &str = "*PriorityVLANTag";
/// `*VlanID` (0 = no VLAN, 1..=4094; 4095 is reserved by IEEE 802.1Q).
pub const VLAN_ID: &str = "*VlanID";

/// Event-log sites of rejected VLAN keywords (data: the value read).
pub mod event_site {
    /// `*PriorityVLANTag` above 3; 3 (priority and VLAN) used.
    pub const PRIORITY_VLAN_TAG_REJECTED: u32 = 0x0001_0201;
    /// `*VlanID` above 4094; 0 (no VLAN) used.
    pub const VLAN_ID_REJECTED: u32 = 0x0001_0202;
}

/// The 802.1Q settings of the PF's default queue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VlanSettings {
    /// `*PriorityVLANTag` (0..=3).
    pub priority_vlan_tag: u32,
    /// `*VlanID` (0..=4094).
    pub vlan_id: u16,
}

impl VlanSettings {
    /// The data-path policy: which halves of the tag are inserted and reported, and the
    /// `*VlanID` inserted into NBLs without a VLAN ID.
    #[must_use]
    pub const fn policy(&self) -> VlanPolicy {
        VlanPolicy::from_keywords(self.priority_vlan_tag, self.vlan_id)
    }

    /// The hardware setting: the tag is stripped into the NBL info whenever priority or VLAN
    /// tagging is on (with both off it stays in the frame); the `*VlanID` filter applies only
    /// while VLAN tagging is on (2 or 3).
    #[must_use]
    pub fn pf_vlan(&self) -> PfVlan {
        let policy = self.policy();
        PfVlan {
            strip: policy.priority || policy.vlan,
            filter: if policy.vlan && self.vlan_id != 0 {
                VlanId::new(self.vlan_id)
            } else {
                None
            },
        }
    }
}

/// Reads `*PriorityVLANTag` and `*VlanID`; an invalid value is passed to `rejected(site,
/// value)` for the event log and replaced by the default (3, 0).
pub fn read_vlan<S: KeywordSource + ?Sized>(
    source: &mut S,
    mut rejected: impl FnMut(u32, u32),
) -> VlanSettings {
    let priority_vlan_tag = match source.read_integer(PRIORITY_VLAN_TAG) {
        None => 3,
        Some(value @ 0..=3) => value,
        Some(other) => {
            rejected(event_site::PRIORITY_VLAN_TAG_REJECTED, other);
            3
        }
    };
    let vlan_id = match source.read_integer(VLAN_ID) {
        None => 0,
        // 0..=4094 fits in u16.
        Some(value @ 0..=4094) => value as u16,
        Some(other) => {
            rejected(event_site::VLAN_ID_REJECTED, other);
            0
        }
    };
    VlanSettings {
        priority_vlan_tag,
        vlan_id,
    }
}

/// `*JumboPacket`: the largest frame in bytes, Ethernet header included, CRC and VLAN tag
/// not (N/standardized-inf-keywords-for-network-devices.md: 1514 = no jumbo frames).
pub const JUMBO_PACKET: &str = "*JumboPacket";
/// `*JumboPacket` default and minimum.
pub const STANDARD_PACKET: u32 = 1514;
/// Largest `*JumboPacket`: the 82576/I350 long-packet limit of 9728 bytes incl. CRC (RLPML
/// reset value 0x2600, igb-hardware.md §2.2) less the CRC and a VLAN tag (RLPML counts both).
pub const MAX_JUMBO_PACKET: u32 = 9728 - 4 - 4;
/// Event-log call site of a rejected `*JumboPacket` (data: the value); 1514 used.
pub const JUMBO_PACKET_REJECTED: u32 = 0x0001_0204;

/// `*JumboPacket` within [`STANDARD_PACKET`]..=[`MAX_JUMBO_PACKET`]; absent → 1514; any other
/// value is passed to `rejected(site, value)` for the event log and replaced by 1514. Read at
/// init only (NDIS restarts the adapter when an advanced property changes).
pub fn read_jumbo_packet<S: KeywordSource + ?Sized>(
    source: &mut S,
    mut rejected: impl FnMut(u32, u32),
) -> u32 {
    match source.read_integer(JUMBO_PACKET) {
        None => STANDARD_PACKET,
        Some(value) if (STANDARD_PACKET..=MAX_JUMBO_PACKET).contains(&value) => value,
        Some(value) => {
            rejected(JUMBO_PACKET_REJECTED, value);
            STANDARD_PACKET
        }
    }
}

/// The task-offload keywords (`*IPChecksumOffloadIPv4`, `*TCP/UDPChecksumOffloadIPv4/6`,
/// `*LsoV2IPv4/6`; N/using-registry-values-to-enable-and-disable-task-offloading.md) against
/// [`crate::capabilities::PF_OFFLOAD`]. Absent keywords take the INF default (checksums 3,
/// LSOv2 1); an invalid value is passed to `rejected(site, value)` for the event log and
/// replaced by that default.
pub fn read_offloads<S: KeywordSource + ?Sized>(
    source: &mut S,
    rejected: impl FnMut(u32, u32),
) -> OffloadConfig {
    OffloadConfig::from_keywords(source, &crate::capabilities::PF_OFFLOAD, rejected)
}

/// Which hardware-assist feature the adapter runs with, after the precedence rules.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FeatureSelection {
    /// SR-IOV (NIC switch + VFs) is enabled.
    pub sriov: bool,
    /// VMQ is enabled (alone, or beside SR-IOV where non-default PF vPorts stand in for VM
    /// queues).
    pub vmq: bool,
    /// RSS is enabled (never together with SR-IOV or VMQ).
    pub rss: bool,
    /// Per-vPort / per-queue VLAN filtering (`*VMQVlanFiltering`), meaningful with SR-IOV or VMQ.
    pub vlan_filtering: bool,
}

impl FeatureSelection {
    /// A short name for diagnostics and the lab's table ("SR-IOV + VMQ", "VMQ", "RSS", "none").
    #[must_use]
    pub const fn describe(&self) -> &'static str {
        match (self.sriov, self.vmq, self.rss) {
            (true, true, _) => "SR-IOV + VMQ",
            (true, false, _) => "SR-IOV",
            (false, true, _) => "VMQ",
            (false, false, true) => "RSS",
            (false, false, false) => "none",
        }
    }
}

/// Applies the keyword precedence rules.
pub fn select_features<S: KeywordSource + ?Sized>(source: &mut S) -> FeatureSelection {
    let sriov_preferred = read_flag(source, SRIOV_PREFERRED, false);
    let vmq_preferred = read_flag(source, RSS_OR_VMQ_PREFERENCE, false);
    if sriov_preferred {
        let sriov = read_flag(source, SRIOV, true);
        let vmq = read_flag(source, VMQ, true);
        let vlan_filtering = read_flag(source, VMQ_VLAN_FILTERING, true);
        FeatureSelection {
            sriov,
            vmq,
            rss: false,
            vlan_filtering: (sriov || vmq) && vlan_filtering,
        }
    } else if vmq_preferred {
        let vmq = read_flag(source, VMQ, true);
        let vlan_filtering = vmq && read_flag(source, VMQ_VLAN_FILTERING, true);
        FeatureSelection {
            sriov: false,
            vmq,
            rss: false,
            vlan_filtering,
        }
    } else {
        let rss = read_flag(source, RSS, false);
        FeatureSelection {
            sriov: false,
            vmq: false,
            rss,
            vlan_filtering: false,
        }
    }
}

/// `*NumVFs` clamped to what the hardware can give (`max_vfs`); absent → `max_vfs`
/// (N/standardized-inf-keywords-for-sr-iov.md: `MaxNumVFs` may be lower than `*NumVFs`).
pub fn requested_vfs<S: KeywordSource + ?Sized>(source: &mut S, max_vfs: u32) -> u32 {
    source
        .read_integer(NUM_VFS)
        .map_or(max_vfs, |value| value.min(max_vfs))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::collections::BTreeMap;
    use std::string::{String, ToString};
    use std::vec::Vec;

    use super::*;

    /// A registry with some keywords set, recording every keyword read.
    struct Registry {
        values: BTreeMap<String, u32>,
        read: Vec<String>,
    }

    impl Registry {
        fn new(entries: &[(&str, u32)]) -> Self {
            Self {
                values: entries
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), *v))
                    .collect(),
                read: Vec::new(),
            }
        }
        fn was_read(&self, keyword: &str) -> bool {
            self.read.iter().any(|read| read == keyword)
        }
    }

    impl KeywordSource for Registry {
        fn read_integer(&mut self, keyword: &str) -> Option<u32> {
            self.read.push(keyword.to_string());
            self.values.get(keyword).copied()
        }
    }

    #[test]
    fn rss_keywords_are_not_read_when_sriov_is_preferred() {
        let mut registry = Registry::new(&[(SRIOV_PREFERRED, 1), (SRIOV, 1), (RSS, 1)]);
        let selection = select_features(&mut registry);
        assert!(selection.sriov);
        assert!(!selection.rss);
        assert!(!registry.was_read(RSS));
        assert!(
            registry.was_read(VMQ_VLAN_FILTERING),
            "*VMQVlanFiltering is read with SR-IOV preferred"
        );
    }

    #[test]
    fn sriov_and_rss_keywords_are_not_read_when_vmq_is_preferred() {
        let mut registry =
            Registry::new(&[(RSS_OR_VMQ_PREFERENCE, 1), (VMQ, 1), (SRIOV, 1), (RSS, 1)]);
        let selection = select_features(&mut registry);
        assert_eq!(selection.describe(), "VMQ");
        assert!(!registry.was_read(SRIOV));
        assert!(!registry.was_read(RSS));
    }

    #[test]
    fn vmq_and_sriov_keywords_are_not_read_when_rss_is_preferred() {
        let mut registry = Registry::new(&[(SRIOV, 1), (VMQ, 1), (RSS, 1)]);
        let selection = select_features(&mut registry);
        assert_eq!(selection.describe(), "RSS");
        assert!(!registry.was_read(SRIOV));
        assert!(!registry.was_read(VMQ));
    }

    #[test]
    fn offload_keywords_are_read_and_bad_values_reported() {
        use ndis::offload::{Directions, TCP_CHECKSUM_OFFLOAD_IPV4, UDP_CHECKSUM_OFFLOAD_IPV6};
        let mut registry = Registry::new(&[
            (TCP_CHECKSUM_OFFLOAD_IPV4, 1),
            (UDP_CHECKSUM_OFFLOAD_IPV6, 9),
        ]);
        let mut rejected = Vec::new();
        let config = read_offloads(&mut registry, |site, value| rejected.push((site, value)));
        assert_eq!(
            config.tcp_ipv4,
            Directions {
                tx: true,
                rx: false
            }
        );
        assert_eq!(config.udp_ipv6, Directions::BOTH);
        assert_eq!(rejected, [(ndis::offload::KEYWORD_SITE_BASE + 4, 9)]);
        assert!(registry.was_read("*LsoV2IPv6"));
    }

    #[test]
    fn vlan_keywords_are_validated_and_mapped() {
        let mut rejected = Vec::new();
        let settings = read_vlan(
            &mut Registry::new(&[(PRIORITY_VLAN_TAG, 5), (VLAN_ID, 4095)]),
            |site, value| rejected.push((site, value)),
        );
        assert_eq!((settings.priority_vlan_tag, settings.vlan_id), (3, 0));
        assert_eq!(
            rejected,
            [
                (event_site::PRIORITY_VLAN_TAG_REJECTED, 5),
                (event_site::VLAN_ID_REJECTED, 4095)
            ]
        );
        let read = |tag, vid| {
            read_vlan(
                &mut Registry::new(&[(PRIORITY_VLAN_TAG, tag), (VLAN_ID, vid)]),
                |_, _| panic!("valid"),
            )
        };
        let hw = read(3, 4094).pf_vlan();
        assert!(hw.strip);
        assert_eq!(hw.filter.map(VlanId::get), Some(4094));
        assert_eq!(
            read(1, 10).pf_vlan().filter,
            None,
            "VLAN off: *VlanID ignored"
        );
        assert!(read(1, 10).pf_vlan().strip);
        assert_eq!(
            read(0, 10).pf_vlan(),
            PfVlan {
                strip: false,
                filter: None
            }
        );
        assert_eq!(read(2, 0).pf_vlan().filter, None);
    }

    #[test]
    fn jumbo_packet_is_range_checked() {
        let mut rejected = Vec::new();
        let mut read = |entries: &[(&str, u32)]| {
            read_jumbo_packet(&mut Registry::new(entries), |site, value| {
                rejected.push((site, value))
            })
        };
        assert_eq!(read(&[]), 1514);
        assert_eq!(read(&[(JUMBO_PACKET, 9014)]), 9014);
        assert_eq!(read(&[(JUMBO_PACKET, MAX_JUMBO_PACKET)]), MAX_JUMBO_PACKET);
        assert_eq!(read(&[(JUMBO_PACKET, MAX_JUMBO_PACKET + 1)]), 1514);
        assert_eq!(read(&[(JUMBO_PACKET, 1500)]), 1514);
        assert_eq!(
            rejected,
            [
                (JUMBO_PACKET_REJECTED, MAX_JUMBO_PACKET + 1),
                (JUMBO_PACKET_REJECTED, 1500)
            ]
        );
    }

    #[test]
    fn num_vfs_is_clamped_to_the_hardware() {
        assert_eq!(requested_vfs(&mut Registry::new(&[(NUM_VFS, 32)]), 7), 7);
        assert_eq!(requested_vfs(&mut Registry::new(&[(NUM_VFS, 2)]), 7), 2);
        assert_eq!(requested_vfs(&mut Registry::new(&[]), 7), 7);
    }
}
