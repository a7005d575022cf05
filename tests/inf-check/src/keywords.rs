//! The standardized NDIS keywords our INFs carry, with the values Microsoft defines for them.
//!
//! Sources (windows-driver-docs, network/): "Enumeration Keywords" (enum values and defaults),
//! "Keywords That Can Be Edited" (*JumboPacket, *ReceiveBuffers, *TransmitBuffers,
//! NetworkAddress), "Standardized INF Keywords for SR-IOV" (*SRIOV), "Standardized INF Keywords
//! for VMQ" (*VMQ, *VMQVlanFiltering).

/// What kind of `Ndi\params` entry a keyword is (its `Type` value).
#[derive(Clone, Copy, Debug)]
pub enum KeywordKind {
    /// `Type = "enum"`: a `\enum` subkey lists the allowed values; `is_standard_value` says
    /// which values Microsoft defines.
    Enum {
        /// Whether a value is one Microsoft defines for this keyword.
        is_standard_value: fn(&str) -> bool,
    },
    /// `Type = "int"` with `Min`/`Max`; `min_floor` is the smallest `Min` Microsoft allows.
    Int {
        /// Lowest allowed `Min`.
        min_floor: i64,
    },
    /// `Type = "edit"`: free text.
    Edit,
}

impl KeywordKind {
    /// The `Type` string the INF must use.
    #[must_use]
    pub const fn type_name(self) -> &'static str {
        match self {
            Self::Enum { .. } => "enum",
            Self::Int { .. } => "int",
            Self::Edit => "edit",
        }
    }
}

/// One standardized keyword.
#[derive(Clone, Copy, Debug)]
pub struct StandardKeyword {
    /// The keyword (registry subkey under `Ndi\params`).
    pub name: &'static str,
    /// Its kind and allowed values.
    pub kind: KeywordKind,
    /// The default Microsoft prescribes, where it prescribes one unconditionally.
    pub required_default: Option<&'static str>,
}

fn zero_or_one(value: &str) -> bool {
    matches!(value, "0" | "1")
}

fn zero_to_three(value: &str) -> bool {
    matches!(value, "0" | "1" | "2" | "3")
}

fn flow_control_value(value: &str) -> bool {
    // 0 disabled, 1 Tx, 2 Rx, 3 Rx & Tx, 4 auto-negotiation.
    matches!(value, "0" | "1" | "2" | "3" | "4")
}

fn speed_duplex_value(value: &str) -> bool {
    // 0..=10 are the enumerated modes; larger values are a speed in Mb/s, at least 1000.
    value
        .parse::<u32>()
        .is_ok_and(|number| number <= 10 || number >= 1000)
}

const fn enumeration(is_standard_value: fn(&str) -> bool) -> KeywordKind {
    KeywordKind::Enum { is_standard_value }
}

/// Every standardized keyword this project knows how to check.
pub const STANDARD_KEYWORDS: &[StandardKeyword] = &[
    StandardKeyword {
        name: "*SpeedDuplex",
        kind: enumeration(speed_duplex_value),
        required_default: Some("0"),
    },
    // The *FlowControl default differs between client and server SKUs, so none is imposed.
    StandardKeyword {
        name: "*FlowControl",
        kind: enumeration(flow_control_value),
        required_default: None,
    },
    StandardKeyword {
        name: "*PriorityVLANTag",
        kind: enumeration(zero_to_three),
        required_default: Some("3"),
    },
    // *VlanID: 0 (no VLAN) .. 4094 (4095 is reserved by IEEE 802.1Q).
    StandardKeyword {
        name: "*VlanID",
        kind: KeywordKind::Int { min_floor: 0 },
        required_default: Some("0"),
    },
    StandardKeyword {
        name: "*InterruptModeration",
        kind: enumeration(zero_or_one),
        required_default: Some("1"),
    },
    StandardKeyword {
        name: "*JumboPacket",
        kind: KeywordKind::Int { min_floor: 1514 },
        required_default: Some("1514"),
    },
    StandardKeyword {
        name: "*ReceiveBuffers",
        kind: KeywordKind::Int { min_floor: 1 },
        required_default: None,
    },
    StandardKeyword {
        name: "*TransmitBuffers",
        kind: KeywordKind::Int { min_floor: 0 },
        required_default: None,
    },
    StandardKeyword {
        name: "NetworkAddress",
        kind: KeywordKind::Edit,
        required_default: None,
    },
    StandardKeyword {
        name: "*IPChecksumOffloadIPv4",
        kind: enumeration(zero_to_three),
        required_default: Some("3"),
    },
    StandardKeyword {
        name: "*TCPChecksumOffloadIPv4",
        kind: enumeration(zero_to_three),
        required_default: Some("3"),
    },
    StandardKeyword {
        name: "*TCPChecksumOffloadIPv6",
        kind: enumeration(zero_to_three),
        required_default: Some("3"),
    },
    StandardKeyword {
        name: "*UDPChecksumOffloadIPv4",
        kind: enumeration(zero_to_three),
        required_default: Some("3"),
    },
    StandardKeyword {
        name: "*UDPChecksumOffloadIPv6",
        kind: enumeration(zero_to_three),
        required_default: Some("3"),
    },
    StandardKeyword {
        name: "*LsoV2IPv4",
        kind: enumeration(zero_or_one),
        required_default: Some("1"),
    },
    StandardKeyword {
        name: "*LsoV2IPv6",
        kind: enumeration(zero_or_one),
        required_default: Some("1"),
    },
    StandardKeyword {
        name: "*SRIOV",
        kind: enumeration(zero_or_one),
        required_default: Some("1"),
    },
    StandardKeyword {
        name: "*VMQ",
        kind: enumeration(zero_or_one),
        required_default: Some("1"),
    },
    StandardKeyword {
        name: "*VMQVlanFiltering",
        kind: enumeration(zero_or_one),
        required_default: Some("1"),
    },
];

/// The standardized keyword called `name` (ignoring case).
#[must_use]
pub fn standard_keyword(name: &str) -> Option<&'static StandardKeyword> {
    STANDARD_KEYWORDS
        .iter()
        .find(|keyword| keyword.name.eq_ignore_ascii_case(name))
}

/// Keywords both INFs must carry.
pub const COMMON_REQUIRED: &[&str] = &[
    "*PriorityVLANTag",
    "*InterruptModeration",
    "*JumboPacket",
    "*ReceiveBuffers",
    "*TransmitBuffers",
    "*IPChecksumOffloadIPv4",
    "*TCPChecksumOffloadIPv4",
    "*TCPChecksumOffloadIPv6",
    "*UDPChecksumOffloadIPv4",
    "*UDPChecksumOffloadIPv6",
    "*LsoV2IPv4",
    "*LsoV2IPv6",
];

/// Keywords only the PF INF carries: link control, the MAC address, SR-IOV and VMQ
/// (HLK Device.Network.LAN.SRIOV.SRIOV: an SR-IOV device also advertises VMQ).
pub const PF_ONLY_REQUIRED: &[&str] = &[
    "*SpeedDuplex",
    "*FlowControl",
    "*VlanID",
    "NetworkAddress",
    "*SRIOV",
    "*VMQ",
    "*VMQVlanFiltering",
];

/// Hidden keywords that must never appear in an INF ("Standardized INF Keywords for SR-IOV":
/// *SriovPreferred "must not be specified in the INF file"; *RssOrVmqPreference is the hidden
/// VMQ/RSS preference, set by the administrator only).
pub const HIDDEN_KEYWORDS: &[&str] = &["*SriovPreferred", "*RssOrVmqPreference"];
