//! Frame-level helpers: parsing of the L2/L3/L4 headers the device looks at, Internet
//! checksums, the Ethernet CRC, VLAN tag insertion/removal, and Tx checksum/TSO offloads
//! (igb-hardware.md §4.3/§4.4).

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86DD;
/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;
/// Ethernet header length without VLAN tag.
pub const ETH_HLEN: usize = 14;
/// Most segments one TSO request may produce (the model's bound on hostile MSS values).
pub const MAX_TSO_SEGMENTS: usize = 1024;
/// Minimum frame length without CRC.
pub const ETH_ZLEN: usize = 60;

/// Destination MAC of a frame (the caller guarantees `frame.len() >= 14`).
#[must_use]
pub fn dst_mac(frame: &[u8]) -> [u8; 6] {
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&frame[0..6]);
    mac
}

/// Source MAC of a frame (the caller guarantees `frame.len() >= 14`).
#[must_use]
pub fn src_mac(frame: &[u8]) -> [u8; 6] {
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&frame[6..12]);
    mac
}

/// Whether `mac` is the broadcast address.
#[must_use]
pub fn is_broadcast(mac: &[u8; 6]) -> bool {
    mac.iter().all(|&b| b == 0xFF)
}

/// Whether `mac` is a multicast (group) address, broadcast included.
#[must_use]
pub fn is_multicast(mac: &[u8; 6]) -> bool {
    mac[0] & 1 == 1
}

/// The 802.1Q tag control information if the frame carries a tag with EtherType `vet`.
#[must_use]
pub fn vlan_tci(frame: &[u8], vet: u16) -> Option<u16> {
    if frame.len() >= 18 && u16::from_be_bytes([frame[12], frame[13]]) == vet {
        Some(u16::from_be_bytes([frame[14], frame[15]]))
    } else {
        None
    }
}

/// Removes the VLAN tag (bytes 12..16) and returns it.
pub fn strip_vlan(frame: &mut Vec<u8>, vet: u16) -> Option<u16> {
    let tci = vlan_tci(frame, vet)?;
    frame.drain(12..16);
    Some(tci)
}

/// Inserts a VLAN tag after the MAC addresses.
pub fn insert_vlan(frame: &mut Vec<u8>, vet: u16, tci: u16) {
    if frame.len() < 12 {
        return;
    }
    let mut tag = [0u8; 4];
    tag[0..2].copy_from_slice(&vet.to_be_bytes());
    tag[2..4].copy_from_slice(&tci.to_be_bytes());
    frame.splice(12..12, tag);
}

/// Adds `data` to a ones'-complement running sum.
#[must_use]
pub fn sum16(mut acc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        acc = acc.wrapping_add(u32::from(u16::from_be_bytes([pair[0], pair[1]])));
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    if let [last] = chunks.remainder() {
        acc = acc.wrapping_add(u32::from(*last) << 8);
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    acc
}

/// Folds a running sum and complements it.
#[must_use]
pub fn fold(mut acc: u32) -> u16 {
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    // `acc <= 0xFFFF` after folding, so the cast cannot truncate.
    !(acc as u16)
}

/// Ethernet CRC-32 (IEEE 802.3, reflected, as appended to frames little-endian).
#[must_use]
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// L3/L4 layout of a frame as the Rx parser sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Offset of the L3 header.
    pub l3: usize,
    /// EtherType after any VLAN tag.
    pub ethertype: u16,
    /// IPv4 header length when IPv4.
    pub ipv4_hlen: Option<usize>,
    /// Whether IPv6 (no extension headers followed).
    pub ipv6: bool,
    /// L4 protocol and offset when the L4 header is reachable (not a fragment).
    pub l4: Option<(u8, usize)>,
}

/// Parses Ethernet (+ one VLAN tag) / IPv4 / IPv6 / TCP / UDP headers.
#[must_use]
pub fn parse(frame: &[u8], vet: u16) -> Layout {
    let mut layout = Layout::default();
    if frame.len() < ETH_HLEN {
        return layout;
    }
    let mut l3 = ETH_HLEN;
    let mut ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    if ethertype == vet && frame.len() >= 18 {
        ethertype = u16::from_be_bytes([frame[16], frame[17]]);
        l3 = 18;
    }
    layout.l3 = l3;
    layout.ethertype = ethertype;
    let ip = &frame[l3..];
    match ethertype {
        ETHERTYPE_IPV4 if ip.len() >= 20 && ip[0] >> 4 == 4 => {
            let hlen = usize::from(ip[0] & 0xF) * 4;
            if hlen < 20 || ip.len() < hlen {
                return layout;
            }
            layout.ipv4_hlen = Some(hlen);
            let frag = u16::from_be_bytes([ip[6], ip[7]]);
            let fragmented = frag & 0x3FFF != 0;
            if !fragmented {
                layout.l4 = Some((ip[9], l3 + hlen));
            }
        }
        ETHERTYPE_IPV6 if ip.len() >= 40 && ip[0] >> 4 == 6 => {
            layout.ipv6 = true;
            if ip[6] == PROTO_TCP || ip[6] == PROTO_UDP {
                layout.l4 = Some((ip[6], l3 + 40));
            }
        }
        _ => {}
    }
    layout
}

/// The pseudo-header sum of the IP header at `l3` for an L4 segment of `l4_len` bytes.
#[must_use]
pub fn pseudo_header_sum(frame: &[u8], layout: &Layout, proto: u8, l4_len: usize) -> u32 {
    let l3 = layout.l3;
    if layout.ipv4_hlen.is_some() {
        let mut acc = sum16(0, &frame[l3 + 12..l3 + 20]);
        acc = sum16(acc, &[0, proto]);
        // L4 length of an IPv4 packet fits 16 bits (bounded by the total length field).
        sum16(acc, &(l4_len as u16).to_be_bytes())
    } else {
        let mut acc = sum16(0, &frame[l3 + 8..l3 + 40]);
        acc = sum16(acc, &(l4_len as u32).to_be_bytes());
        sum16(acc, &[0, 0, 0, proto])
    }
}

/// Rx checksum verdicts for one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxChecksum {
    /// IPv4 header checksum was checked.
    pub ip_checked: bool,
    /// ... and was wrong.
    pub ip_bad: bool,
    /// L4 (TCP/UDP) checksum was checked.
    pub l4_checked: bool,
    /// ... and was wrong.
    pub l4_bad: bool,
    /// The L4 protocol is UDP.
    pub udp: bool,
}

/// Verifies the IPv4 header and TCP/UDP checksums of a received frame.
#[must_use]
pub fn check_rx(frame: &[u8], layout: &Layout) -> RxChecksum {
    let mut verdict = RxChecksum::default();
    if let Some(hlen) = layout.ipv4_hlen {
        verdict.ip_checked = true;
        verdict.ip_bad = fold(sum16(0, &frame[layout.l3..layout.l3 + hlen])) != 0;
    }
    let Some((proto, l4)) = layout.l4 else {
        return verdict;
    };
    let end = match l3_end(frame, layout) {
        Some(end) if end >= l4 => end,
        _ => return verdict,
    };
    let segment = &frame[l4..end];
    match proto {
        PROTO_TCP if segment.len() >= 20 => {}
        PROTO_UDP if segment.len() >= 8 => {
            verdict.udp = true;
            // An IPv4 UDP checksum of zero means "not computed": nothing to verify.
            if layout.ipv4_hlen.is_some() && segment[6] == 0 && segment[7] == 0 {
                return verdict;
            }
        }
        _ => return verdict,
    }
    verdict.l4_checked = true;
    let acc = pseudo_header_sum(frame, layout, proto, segment.len());
    verdict.l4_bad = fold(sum16(acc, segment)) != 0;
    verdict
}

/// End of the L3 packet according to its length field (padding excluded).
#[must_use]
pub fn l3_end(frame: &[u8], layout: &Layout) -> Option<usize> {
    let l3 = layout.l3;
    let end = if layout.ipv4_hlen.is_some() {
        l3 + usize::from(u16::from_be_bytes([frame[l3 + 2], frame[l3 + 3]]))
    } else if layout.ipv6 {
        l3 + 40 + usize::from(u16::from_be_bytes([frame[l3 + 4], frame[l3 + 5]]))
    } else {
        return None;
    };
    (end <= frame.len()).then_some(end)
}

/// Tx offload request decoded from the context and first data descriptor.
#[derive(Clone, Copy, Debug, Default)]
pub struct TxOffload {
    /// MACLEN from the context.
    pub maclen: usize,
    /// IPLEN from the context.
    pub iplen: usize,
    /// TUCMD.IPV4.
    pub ipv4: bool,
    /// TUCMD.L4T (0 UDP, 1 TCP, 2 SCTP).
    pub l4t: u32,
    /// POPTS.IXSM.
    pub ixsm: bool,
    /// POPTS.TXSM.
    pub txsm: bool,
    /// TSE with MSS and L4LEN.
    pub tso: Option<(usize, usize)>,
}

/// Why an offload could not be applied (the frame is dropped and counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffloadError {
    /// Header lengths do not fit the frame.
    BadHeaderLengths,
    /// SCTP CRC32c insertion is not modelled.
    SctpNotModelled,
    /// TSO with MSS 0 or a non-TCP L4 type.
    BadTso,
}

fn insert_ipv4_csum(frame: &mut [u8], l3: usize, iplen: usize) {
    frame[l3 + 10] = 0;
    frame[l3 + 11] = 0;
    let csum = fold(sum16(0, &frame[l3..l3 + iplen]));
    frame[l3 + 10..l3 + 12].copy_from_slice(&csum.to_be_bytes());
}

fn insert_l4_csum(frame: &mut [u8], off: &TxOffload) -> Result<(), OffloadError> {
    let l3 = off.maclen;
    let l4 = l3 + off.iplen;
    let (proto, csum_at) = match off.l4t {
        0 => (PROTO_UDP, l4 + 6),
        1 => (PROTO_TCP, l4 + 16),
        _ => return Err(OffloadError::SctpNotModelled),
    };
    if csum_at + 2 > frame.len() {
        return Err(OffloadError::BadHeaderLengths);
    }
    let layout = Layout {
        l3,
        ethertype: 0,
        ipv4_hlen: off.ipv4.then_some(off.iplen),
        ipv6: !off.ipv4,
        l4: Some((proto, l4)),
    };
    let l4_len = frame.len() - l4;
    frame[csum_at] = 0;
    frame[csum_at + 1] = 0;
    let acc = pseudo_header_sum(frame, &layout, proto, l4_len);
    let mut csum = fold(sum16(acc, &frame[l4..]));
    if proto == PROTO_UDP && csum == 0 {
        csum = 0xFFFF;
    }
    frame[csum_at..csum_at + 2].copy_from_slice(&csum.to_be_bytes());
    Ok(())
}

/// Applies checksum insertion or TSO; returns the frames to send.
///
/// # Errors
/// [`OffloadError`] when the descriptors ask for something inconsistent.
pub fn apply_tx_offload(frame: Vec<u8>, off: &TxOffload) -> Result<Vec<Vec<u8>>, OffloadError> {
    let l3 = off.maclen;
    let needs_headers = off.ixsm || off.txsm || off.tso.is_some();
    let min_iplen = if off.ipv4 { 20 } else { 40 };
    if needs_headers && (l3 < ETH_HLEN || l3 + off.iplen > frame.len() || off.iplen < min_iplen) {
        return Err(OffloadError::BadHeaderLengths);
    }
    let Some((mss, l4len)) = off.tso else {
        let mut frame = frame;
        if off.ixsm && off.ipv4 {
            insert_ipv4_csum(&mut frame, l3, off.iplen);
        }
        if off.txsm {
            insert_l4_csum(&mut frame, off)?;
        }
        return Ok(vec![frame]);
    };
    if mss == 0 || off.l4t != 1 || l4len < 20 {
        return Err(OffloadError::BadTso);
    }
    // A hostile MSS of a few bytes must not turn one frame into an unbounded burst.
    if frame.len().div_ceil(mss) > MAX_TSO_SEGMENTS {
        return Err(OffloadError::BadTso);
    }
    let hdr_len = l3 + off.iplen + l4len;
    if hdr_len > frame.len() {
        return Err(OffloadError::BadHeaderLengths);
    }
    let l4 = l3 + off.iplen;
    let payload = &frame[hdr_len..];
    let chunks: Vec<&[u8]> = if payload.is_empty() {
        vec![&[]]
    } else {
        payload.chunks(mss).collect()
    };
    let base_seq = u32::from_be_bytes([frame[l4 + 4], frame[l4 + 5], frame[l4 + 6], frame[l4 + 7]]);
    let base_id = u16::from_be_bytes([frame[l3 + 4], frame[l3 + 5]]);
    let flags = frame[l4 + 13];
    let count = chunks.len();
    let mut out = Vec::with_capacity(count);
    let mut offset = 0usize;
    for (index, chunk) in chunks.into_iter().enumerate() {
        let mut seg = Vec::with_capacity(hdr_len + chunk.len());
        seg.extend_from_slice(&frame[..hdr_len]);
        seg.extend_from_slice(chunk);
        let ip_payload = seg.len() - l3;
        if off.ipv4 {
            // Frame lengths are bounded by the Tx path (< 256 KiB), and an IPv4 total length
            // that does not fit 16 bits is what the hardware would also emit truncated.
            seg[l3 + 2..l3 + 4].copy_from_slice(&(ip_payload as u16).to_be_bytes());
            let id = base_id.wrapping_add(index as u16);
            seg[l3 + 4..l3 + 6].copy_from_slice(&id.to_be_bytes());
            insert_ipv4_csum(&mut seg, l3, off.iplen);
        } else {
            let plen = (ip_payload - 40) as u16;
            seg[l3 + 4..l3 + 6].copy_from_slice(&plen.to_be_bytes());
        }
        let seq = base_seq.wrapping_add(offset as u32);
        seg[l4 + 4..l4 + 8].copy_from_slice(&seq.to_be_bytes());
        let last = index + 1 == count;
        let mut seg_flags = flags;
        if !last {
            seg_flags &= !(0x01 | 0x08); // FIN, PSH only on the last segment
        }
        if index > 0 {
            seg_flags &= !0x80; // CWR only on the first segment
        }
        seg[l4 + 13] = seg_flags;
        insert_l4_csum(&mut seg, off)?;
        offset += chunk.len();
        out.push(seg);
    }
    Ok(out)
}
