//! Per-packet Tx offload decisions: NBL info (checksum, LSO, 802.1Q) + the frame's headers +
//! the enabled offloads ([`ndis::offload::OffloadConfig`]) → context descriptor and
//! data-descriptor flags (`igb-hardware.md` §4.3/§4.4, 82576 datasheet 7.2.10 "transmit
//! contexts"), and what igb can offload ([`IGB_OFFLOAD`]).
//!
//! An NBL asking for an offload that is not enabled (NDIS does not send one, a filter might):
//! * LSO: completed with `NDIS_STATUS_INVALID_PACKET`, never sent. After LSO was turned off
//!   with `OID_TCP_OFFLOAD_PARAMETERS` "the miniport shall drop all NET_BUFFER_LIST which
//!   contain any non-zero LSOv1 or LSOv2 OOB data"
//!   (N/offloading-the-segmentation-of-large-tcp-packets.md). LSOv1 is never enabled (not
//!   reported, see `ndis::offload`).
//! * A checksum: the frame is sent as the stack built it, without that checksum inserted (the
//!   other requested, enabled checksums still are). The checksum docs describe the transport
//!   asking only for offloads "on which the miniport driver will perform checksum tasks"
//!   (N/offloading-checksum-tasks.md) and give no failure for this case; sending unchanged
//!   is what a NIC without the offload would do, and keeps the frame deliverable.

use igb::ring::desc::{L4Type, TxContext, TxDataFlags};
use ndis::NetBufferData;
use ndis::buffer::SystemMappedMdls;
use ndis::offload::{Directions, LsoLimits, OffloadConfig, OffloadHardware};
use ndis_abi::*;

/// Headers parsed from at most this many leading bytes: Ethernet + VLAN (18) + IPv6 with 128
/// bytes of extension headers (the minimum NDIS requires for IPv6 checksum/LSO,
/// N/combining-types-of-task-offloads.md) + TCP with 40 bytes of options (60) = 246 fits;
/// longer headers are refused, not guessed.
pub const HEADER_WINDOW: usize = 256;
/// `MaxOffLoadSize` reported for LSOv2: TCP payload bytes per large send. The TSO PAYLEN field
/// (18 bits, `igb-hardware.md` §4.3) allows more; the IPv4 total length (16 bits) and the
/// customary 64,000 of Windows NIC drivers cap it here.
pub const LSO_MAX_OFFLOAD_SIZE: u32 = 64_000;
/// Most header bytes in front of an LSO payload ([`HEADER_WINDOW`]), so the engine's
/// `TxConfig::max_lso` (a `DataLength` bound) is `LSO_MAX_OFFLOAD_SIZE` + this.
pub const LSO_MAX_HEADERS: u32 = HEADER_WINDOW as u32;
/// `MinSegmentCount` reported: a large send must make at least two segments (a single one is
/// a plain send; Intel's and the NetAdapter drivers report 2 as well).
pub const LSO_MIN_SEGMENT_COUNT: u32 = 2;

/// What the 82576 / I350 offload (82576 datasheet 7.1.5 receive checksum, 7.2.4–7.2.5 TSO and
/// transmit checksum; `igb-hardware.md` §4.2–4.4): the IPv4 header checksum and TCP/UDP
/// checksums over IPv4 and IPv6 both ways (with IPv4 options, IPv6 extension headers and TCP
/// options: the context carries the real header lengths), TSO for IPv4 and IPv6. No UDP
/// segmentation, no encapsulated-packet (NVGRE/VXLAN) offload, no RSC, no IPsec.
pub const IGB_OFFLOAD: OffloadHardware = OffloadHardware {
    supported: OffloadConfig::ALL,
    ip_options: true,
    tcp_options: true,
    lso: LsoLimits {
        max_offload_size: LSO_MAX_OFFLOAD_SIZE,
        min_segment_count: LSO_MIN_SEGMENT_COUNT,
    },
};

/// Whether an LSO request (`(MSS, TcpHeaderOffset, v2, ipv6)`) may be performed under
/// `enabled` (LSOv2 of its family; LSOv1 never).
#[must_use]
pub const fn lso_enabled(lso: (u32, u32, bool, bool), enabled: &OffloadConfig) -> bool {
    let (_, _, v2, ipv6) = lso;
    v2 && if ipv6 {
        enabled.lso_v2_ipv6
    } else {
        enabled.lso_v2_ipv4
    }
}
const ETH_HLEN: usize = 14;
const ETHERTYPE_VLAN: u16 = 0x8100;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;

/// 802.1Q tagging as `*PriorityVLANTag` / `*VlanID` allow it (Standardized INF Keywords for
/// NDIS QoS: `*PriorityVLANTag` 0 = disabled, 1 = packet priority, 2 = VLAN, 3 = both;
/// `*VlanID` 0 = none). The default (both, no VLAN ID) tags exactly as the NBLs ask.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VlanPolicy {
    /// The 802.1p priority (PCP) is inserted on Tx and reported on Rx.
    pub priority: bool,
    /// The VLAN ID is inserted on Tx and reported on Rx.
    pub vlan: bool,
    /// `*VlanID`: inserted when VLAN tagging is on and the NBL carries no VLAN ID (what
    /// Intel's Windows drivers do with a configured VLAN ID); 0 for none.
    pub default_vid: u16,
}

impl Default for VlanPolicy {
    fn default() -> Self {
        Self {
            priority: true,
            vlan: true,
            default_vid: 0,
        }
    }
}

impl VlanPolicy {
    /// The policy of a `*PriorityVLANTag` value (0..=3; bits: 1 priority, 2 VLAN) and a
    /// `*VlanID` (masked to 12 bits; the caller validated it).
    #[must_use]
    pub const fn from_keywords(priority_vlan_tag: u32, vlan_id: u16) -> Self {
        Self {
            priority: priority_vlan_tag & 1 != 0,
            vlan: priority_vlan_tag & 2 != 0,
            default_vid: vlan_id & 0x0FFF,
        }
    }

    /// The tag (`priority << 13 | cfi << 12 | vid`) to insert for an NBL whose
    /// `Ieee8021QNetBufferListInfo` holds `(priority, cfi, vid)`, if any. Priority only: VID
    /// 0 carrying the priority (an 802.1p priority tag, IEEE 802.1Q 9.6); VLAN only: priority
    /// 0; neither, or nothing to carry: no tag.
    #[must_use]
    pub const fn tx_tag(&self, priority: u32, cfi: u32, vid: u32) -> Option<u16> {
        let priority = if self.priority { priority & 7 } else { 0 };
        let vid = if !self.vlan {
            0
        } else if vid & 0x0FFF != 0 {
            vid & 0x0FFF
        } else {
            self.default_vid as u32 & 0x0FFF
        };
        if priority == 0 && vid == 0 {
            return None;
        }
        Some(((priority << 13) | ((cfi & 1) << 12) | vid) as u16)
    }

    /// The parts of a stripped tag `tci` reported in the NBL info: `(priority, cfi, vid)`,
    /// each zero when its half is off.
    #[must_use]
    pub const fn rx_fields(&self, tci: u16) -> (u32, u32, u32) {
        let priority = if self.priority { (tci >> 13) as u32 } else { 0 };
        let vid = if self.vlan { (tci & 0x0FFF) as u32 } else { 0 };
        (priority, ((tci >> 12) & 1) as u32, vid)
    }
}

/// What an NBL asks for, read once per NBL.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct NblRequest {
    /// Raw `TcpIpChecksumNetBufferListInfo` (transmit form), 0 for none.
    pub checksum: u32,
    /// LSO: `(MSS, TcpHeaderOffset, v2, ipv6)`.
    pub lso: Option<(u32, u32, bool, bool)>,
    /// 802.1Q tag to insert (`priority << 13 | cfi << 12 | vid`), if any.
    pub vlan: Option<u16>,
}

impl NblRequest {
    /// Reads the NBL's info slots.
    #[must_use]
    pub fn from_nbl(nbl: &ndis::OwnedNbl) -> Self {
        Self::from_nbl_with(nbl, &VlanPolicy::default())
    }

    /// As [`Self::from_nbl`], with the tag to insert decided by `vlan`.
    #[must_use]
    pub fn from_nbl_with(nbl: &ndis::OwnedNbl, vlan: &VlanPolicy) -> Self {
        let checksum = nbl.checksum_info();
        let lso = nbl.lso_info();
        let q = nbl.ieee8021q_info();
        let checksum_word = checksum.value() as u32;
        let lso = (lso.value() as u32 != 0).then(|| {
            (
                lso.MSS(),
                lso.TcpHeaderOffset(),
                lso.Type() == NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE,
                lso.Type() == NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE
                    && lso.IPVersion() == NDIS_TCP_LARGE_SEND_OFFLOAD_IPv6,
            )
        });
        Self {
            // Only the transmit bits the engine acts on.
            checksum: checksum_word & 0x1F,
            lso,
            vlan: vlan.tx_tag(q.UserPriority(), q.CanonicalFormatId(), q.VlanId()),
        }
    }

    /// Whether the frame's headers must be parsed.
    #[must_use]
    pub const fn needs_headers(&self) -> bool {
        self.lso.is_some() || self.checksum & 0x1C != 0
    }
}

/// The offload plan of one NET_BUFFER.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Plan {
    /// The context the data descriptors need (None: no offload at all).
    pub context: Option<TxContext>,
    /// Data descriptor flags.
    pub flags: TxDataFlags,
    /// TSO: the TCP payload bytes (PAYLEN).
    pub tso_payload: Option<u32>,
}

/// The part of `request` that `enabled` allows: checksums not enabled for Tx are dropped from
/// the request (sent as built); LSO is kept (the caller refuses it, see [`lso_enabled`]).
#[must_use]
pub fn allowed(request: &NblRequest, enabled: &OffloadConfig) -> NblRequest {
    let mut out = *request;
    if request.checksum == 0 {
        return out;
    }
    let info = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(request.checksum as usize);
    let (tcp, udp, ip): (Directions, Directions, Directions) = if info.Transmit_IsIPv4() != 0 {
        (enabled.tcp_ipv4, enabled.udp_ipv4, enabled.ipv4_header)
    } else if info.Transmit_IsIPv6() != 0 {
        (enabled.tcp_ipv6, enabled.udp_ipv6, Directions::NONE)
    } else {
        return out;
    };
    // Transmit bits (nblchecksum.h): IsIPv4 0, IsIPv6 1, TcpChecksum 2, UdpChecksum 3,
    // IpHeaderChecksum 4.
    let mut word = request.checksum;
    if !tcp.tx {
        word &= !(1 << 2);
    }
    if !udp.tx {
        word &= !(1 << 3);
    }
    if !ip.tx {
        word &= !(1 << 4);
    }
    // Nothing left to compute: no checksum offload at all (a VLAN-only context at most).
    out.checksum = if word & 0x1C == 0 { 0 } else { word };
    out
}

/// Computes the plan for `nb` (`len` data bytes, validated) with the offloads `enabled`.
/// `Err(status)` says why not: `NDIS_STATUS_INVALID_PACKET` for headers that contradict the
/// request (LSO MSS 0, headers outside the first MDL or the parse window, non-TCP LSO) and for
/// an LSO that is not enabled (dropped, see the module docs), `NDIS_STATUS_RESOURCES` when
/// the headers cannot be read (MDL not mapped to system space).
pub fn plan(
    request: &NblRequest,
    nb: &NetBufferData,
    len: usize,
    enabled: &OffloadConfig,
) -> Result<Plan, NDIS_STATUS> {
    if let Some(lso) = request.lso {
        if !lso_enabled(lso, enabled) {
            return Err(NDIS_STATUS_INVALID_PACKET);
        }
    }
    let request = &allowed(request, enabled);
    let vlan = request.vlan.unwrap_or(0);
    let vlan_insert = request.vlan.is_some();
    if !request.needs_headers() {
        if !vlan_insert {
            return Ok(Plan::default());
        }
        // VLAN only: the context carries just the tag (checksum fields unused).
        return Ok(Plan {
            context: Some(TxContext {
                vlan,
                mac_len: ETH_HLEN as u8,
                ip_len: 0,
                ipv4: false,
                l4: L4Type::Udp,
                l4_len: 0,
                mss: 0,
            }),
            flags: TxDataFlags {
                vlan_insert: true,
                ..TxDataFlags::default()
            },
            tso_payload: None,
        });
    }
    let mut header = [0u8; HEADER_WINDOW];
    let window = len.min(HEADER_WINDOW);
    let copied = nb
        .copy_out(&SystemMappedMdls, 0, &mut header[..window])
        .map_err(|_| NDIS_STATUS_RESOURCES)?;
    let header = &header[..copied];
    let byte = |at: usize| header.get(at).copied().ok_or(NDIS_STATUS_INVALID_PACKET);
    let ethertype_at = |at: usize| -> Result<u16, NDIS_STATUS> {
        Ok(u16::from_be_bytes([byte(at)?, byte(at + 1)?]))
    };
    let mac_len = if ethertype_at(12)? == ETHERTYPE_VLAN {
        ETH_HLEN + 4
    } else {
        ETH_HLEN
    };
    if let Some((mss, tcp_offset, _v2, ipv6)) = request.lso {
        // LSO (D/ndis "TCP segmentation offload"): MSS from the NBL, TCP header at
        // TcpHeaderOffset, all headers in the first MDL.
        let tcp_offset = tcp_offset as usize;
        if mss == 0 || mss > u32::from(u16::MAX) || tcp_offset <= mac_len {
            return Err(NDIS_STATUS_INVALID_PACKET);
        }
        let tcp_len = usize::from(byte(tcp_offset + 12)? >> 4) * 4;
        let headers = tcp_offset + tcp_len;
        if tcp_len < 20 || headers >= len || headers > nb.mdl_coverage().first_mdl_bytes {
            return Err(NDIS_STATUS_INVALID_PACKET);
        }
        let ip_len = u16::try_from(tcp_offset - mac_len).map_err(|_| NDIS_STATUS_INVALID_PACKET)?;
        let payload = u32::try_from(len - headers).map_err(|_| NDIS_STATUS_INVALID_PACKET)?;
        return Ok(Plan {
            context: Some(TxContext {
                vlan,
                mac_len: mac_len as u8,
                ip_len,
                ipv4: !ipv6,
                l4: L4Type::Tcp,
                l4_len: tcp_len as u8,
                mss: mss as u16,
            }),
            flags: TxDataFlags {
                vlan_insert,
                tso: true,
                ip_checksum: !ipv6,
                l4_checksum: true,
            },
            tso_payload: Some(payload),
        });
    }
    let info = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(request.checksum as usize);
    let ipv4 = info.Transmit_IsIPv4() != 0;
    let tcp = info.Transmit_TcpChecksum() != 0;
    let udp = info.Transmit_UdpChecksum() != 0;
    let ip_header = ipv4 && info.Transmit_IpHeaderChecksum() != 0;
    let ip_len = if ipv4 {
        let ihl = usize::from(byte(mac_len)? & 0x0F) * 4;
        if ihl < 20 {
            return Err(NDIS_STATUS_INVALID_PACKET);
        }
        ihl
    } else if info.Transmit_IsIPv6() != 0 {
        ipv6_header_len(header, mac_len)?
    } else {
        // Checksum bits without an IP version: nothing sensible to offload.
        return Err(NDIS_STATUS_INVALID_PACKET);
    };
    Ok(Plan {
        context: Some(TxContext {
            vlan,
            mac_len: mac_len as u8,
            ip_len: ip_len as u16,
            ipv4,
            l4: if udp && !tcp {
                L4Type::Udp
            } else {
                L4Type::Tcp
            },
            l4_len: 0,
            mss: 0,
        }),
        flags: TxDataFlags {
            vlan_insert,
            tso: false,
            ip_checksum: ip_header,
            l4_checksum: tcp || udp,
        },
        tso_payload: None,
    })
}

/// IPv6 header + extension headers (hop-by-hop, routing, destination options) up to TCP/UDP,
/// bounded by the parse window.
fn ipv6_header_len(header: &[u8], mac_len: usize) -> Result<usize, NDIS_STATUS> {
    let mut next = *header.get(mac_len + 6).ok_or(NDIS_STATUS_INVALID_PACKET)?;
    let mut len = 40usize;
    for _ in 0..4 {
        match next {
            IPPROTO_TCP | IPPROTO_UDP => return Ok(len),
            0 | 43 | 60 => {
                let at = mac_len + len;
                let (Some(&n), Some(&l)) = (header.get(at), header.get(at + 1)) else {
                    return Err(NDIS_STATUS_INVALID_PACKET);
                };
                next = n;
                len += (usize::from(l) + 1) * 8;
            }
            _ => return Err(NDIS_STATUS_INVALID_PACKET),
        }
    }
    Err(NDIS_STATUS_INVALID_PACKET)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(bits: u32, lso: Option<(u32, u32, bool, bool)>) -> NblRequest {
        NblRequest {
            checksum: bits,
            lso,
            vlan: None,
        }
    }

    #[test]
    fn vlan_policy_inserts_only_the_enabled_halves_and_the_default_vid() {
        let both = VlanPolicy::from_keywords(3, 0);
        assert_eq!(both, VlanPolicy::default());
        assert_eq!(both.tx_tag(5, 0, 42), Some((5 << 13) | 42));
        assert_eq!(both.tx_tag(0, 0, 0), None, "nothing to carry");
        let priority = VlanPolicy::from_keywords(1, 7);
        assert_eq!(
            priority.tx_tag(5, 0, 42),
            Some(5 << 13),
            "VID 0 carries the priority"
        );
        assert_eq!(priority.tx_tag(0, 0, 42), None);
        let vlan = VlanPolicy::from_keywords(2, 7);
        assert_eq!(vlan.tx_tag(5, 0, 42), Some(42));
        assert_eq!(
            vlan.tx_tag(5, 0, 0),
            Some(7),
            "*VlanID when the NBL has none"
        );
        assert_eq!(
            VlanPolicy::from_keywords(3, 7).tx_tag(6, 0, 0),
            Some((6 << 13) | 7)
        );
        let off = VlanPolicy::from_keywords(0, 7);
        assert_eq!(off.tx_tag(5, 0, 42), None);
        assert_eq!(
            off.tx_tag(0, 0, 0),
            None,
            "*VlanID ignored with tagging off"
        );
        assert_eq!(priority.rx_fields((5 << 13) | 42), (5, 0, 0));
        assert_eq!(vlan.rx_fields((5 << 13) | 42), (0, 0, 42));
        assert_eq!(both.rx_fields((5 << 13) | 42), (5, 0, 42));
    }

    // Transmit bits: IsIPv4 1, IsIPv6 2, Tcp 4, Udp 8, IpHeader 0x10.
    #[test]
    fn disabled_tx_checksums_are_dropped_from_the_request_and_the_rest_kept() {
        let mut enabled = OffloadConfig::ALL;
        assert_eq!(allowed(&request(0x15, None), &enabled).checksum, 0x15);
        enabled.tcp_ipv4.tx = false;
        assert_eq!(allowed(&request(0x15, None), &enabled).checksum, 0x11);
        enabled.ipv4_header.tx = false;
        assert_eq!(allowed(&request(0x15, None), &enabled).checksum, 0);
        // Rx-only changes nothing for Tx; IPv6 follows its own keywords.
        let mut enabled = OffloadConfig::ALL;
        enabled.tcp_ipv4.rx = false;
        enabled.udp_ipv6.tx = false;
        assert_eq!(allowed(&request(0x15, None), &enabled).checksum, 0x15);
        assert_eq!(allowed(&request(0x06, None), &enabled).checksum, 0x06);
        assert_eq!(allowed(&request(0x0A, None), &enabled).checksum, 0);
    }

    #[test]
    fn lso_runs_only_for_an_enabled_v2_family() {
        let mut enabled = OffloadConfig::ALL;
        assert!(lso_enabled((1460, 34, true, false), &enabled));
        assert!(
            !lso_enabled((1460, 34, false, false), &enabled),
            "LSOv1 never"
        );
        enabled.lso_v2_ipv6 = false;
        assert!(!lso_enabled((1440, 54, true, true), &enabled));
        assert!(lso_enabled((1460, 34, true, false), &enabled));
    }

    #[test]
    fn the_lso_bound_leaves_room_for_the_largest_headers() {
        assert!(LSO_MAX_OFFLOAD_SIZE + LSO_MAX_HEADERS <= u32::from(u16::MAX));
        assert_eq!(IGB_OFFLOAD.lso.max_offload_size, LSO_MAX_OFFLOAD_SIZE);
    }
}
