//! Per-packet Tx offload decisions: NBL info (checksum, LSO, 802.1Q) + the frame's headers →
//! context descriptor and data-descriptor flags (`igb-hardware.md` §4.3/§4.4, 82576 datasheet
//! 7.2.10 "transmit contexts").

use igb::ring::desc::{L4Type, TxContext, TxDataFlags};
use ndis::NetBufferData;
use ndis::buffer::SystemMappedMdls;
use ndis_abi::*;

/// Headers parsed from at most this many leading bytes (Ethernet + VLAN + IPv6 with a few
/// extension headers + TCP with options fits; longer headers are refused, not guessed).
pub const HEADER_WINDOW: usize = 192;
const ETH_HLEN: usize = 14;
const ETHERTYPE_VLAN: u16 = 0x8100;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;

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
        let tag = (q.UserPriority() << 13) | (q.CanonicalFormatId() << 12) | q.VlanId();
        Self {
            // Only the transmit bits the engine acts on.
            checksum: checksum_word & 0x1F,
            lso,
            vlan: (tag != 0).then_some(tag as u16),
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

/// Computes the plan for `nb` (`len` data bytes, validated). `Err(status)` says why not:
/// `NDIS_STATUS_INVALID_PACKET` for headers that contradict the request (LSO MSS 0, headers
/// outside the first MDL or the parse window, non-TCP LSO), `NDIS_STATUS_RESOURCES` when the
/// headers cannot be read (MDL not mapped to system space).
pub fn plan(request: &NblRequest, nb: &NetBufferData, len: usize) -> Result<Plan, NDIS_STATUS> {
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
