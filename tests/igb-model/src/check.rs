//! An independent wire checker and frame builders for tests.
//!
//! Everything here is written separately from the model's own `net.rs` (different parsing and
//! a different checksum routine), so a test can check the model's Tx offloads, and a driver's
//! Rx checksum reporting, against arithmetic the model does not share: RFC 791 (IPv4 header
//! checksum), RFC 793 / RFC 768 with RFC 1071 (TCP/UDP over the IPv4 pseudo-header),
//! RFC 8200 §8.1 (the IPv6 pseudo-header; a UDP checksum of 0 is invalid over IPv6), and the
//! 82576 TSO rules of igb-hardware.md §4.4 (headers copied, IP total/payload length and
//! IPv4 identification per segment, sequence numbers advanced by MSS, FIN/PSH only on the
//! last segment).

use std::fmt;

/// EtherType 802.1Q.
const TPID_8021Q: u16 = 0x8100;

/// RFC 1071 ones'-complement sum over `data` (odd length padded with a zero byte), added to a
/// 64-bit accumulator that is folded only at the end.
fn ones_sum(acc: u64, data: &[u8]) -> u64 {
    let mut sum = acc;
    let mut i = 0;
    while i + 1 < data.len() {
        sum += u64::from(data[i]) << 8 | u64::from(data[i + 1]);
        i += 2;
    }
    if i < data.len() {
        sum += u64::from(data[i]) << 8;
    }
    sum
}

/// Folds a 64-bit ones'-complement accumulator to 16 bits (not complemented).
fn fold64(mut sum: u64) -> u16 {
    while sum >> 16 != 0 {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum as u16
}

/// The Internet checksum of `data` (the value to store: complemented fold).
#[must_use]
pub fn internet_checksum(data: &[u8]) -> u16 {
    !fold64(ones_sum(0, data))
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// What went wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// Too short for the headers it claims, or a length field beyond the frame.
    Truncated(&'static str),
    /// Not IPv4/IPv6 (or a version nibble that does not match the EtherType).
    NotIp,
    /// The IPv4 header checksum does not verify.
    IpHeaderChecksum,
    /// The TCP checksum does not verify.
    TcpChecksum,
    /// The UDP checksum does not verify (or is 0 over IPv6).
    UdpChecksum,
    /// A header field is inconsistent (UDP length, TCP data offset, …).
    Malformed(&'static str),
    /// LSO: a segment differs from what the large send implies.
    Lso(String),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// The headers of a verified frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Offset of the IP header (14, or 18 with an 802.1Q tag).
    pub l3: usize,
    /// The 802.1Q TCI when tagged.
    pub vlan_tci: Option<u16>,
    /// IPv6 (else IPv4).
    pub ipv6: bool,
    /// IPv4 identification.
    pub ip_id: Option<u16>,
    /// End of the IP packet (padding after it excluded).
    pub ip_end: usize,
    /// IP protocol / next header.
    pub protocol: u8,
    /// Offset of the L4 header, when it was reachable (not a fragment).
    pub l4: Option<usize>,
    /// Offset of the L4 payload.
    pub payload: usize,
    /// TCP: sequence number, acknowledgement number, flags, window.
    pub tcp: Option<(u32, u32, u8, u16)>,
    /// The L4 checksum was verified (false for IPv4 UDP with checksum 0, fragments, other
    /// protocols).
    pub l4_checked: bool,
}

impl Segment {
    /// The L4 payload bytes of `frame`.
    #[must_use]
    pub fn payload_of<'a>(&self, frame: &'a [u8]) -> &'a [u8] {
        &frame[self.payload.min(self.ip_end)..self.ip_end]
    }
}

/// Parses `frame` and verifies its IPv4 header checksum and TCP/UDP checksum.
///
/// # Errors
/// [`CheckError`] naming the first check that failed.
pub fn verify_segment(frame: &[u8]) -> Result<Segment, CheckError> {
    if frame.len() < 14 {
        return Err(CheckError::Truncated("Ethernet header"));
    }
    let mut l3 = 14;
    let mut ethertype = be16(frame, 12);
    let mut vlan_tci = None;
    if ethertype == TPID_8021Q {
        if frame.len() < 18 {
            return Err(CheckError::Truncated("802.1Q tag"));
        }
        vlan_tci = Some(be16(frame, 14));
        ethertype = be16(frame, 16);
        l3 = 18;
    }
    let (ipv6, ip_id, ip_end, protocol, l4, pseudo) = match ethertype {
        0x0800 => {
            let h = frame
                .get(l3..)
                .filter(|h| h.len() >= 20)
                .ok_or(CheckError::Truncated("IPv4 header"))?;
            if h[0] >> 4 != 4 {
                return Err(CheckError::NotIp);
            }
            let ihl = usize::from(h[0] & 0x0F) * 4;
            if ihl < 20 || h.len() < ihl {
                return Err(CheckError::Truncated("IPv4 options"));
            }
            let total = usize::from(be16(h, 2));
            if total < ihl || total > h.len() {
                return Err(CheckError::Truncated("IPv4 total length"));
            }
            if fold64(ones_sum(0, &h[..ihl])) != 0xFFFF {
                return Err(CheckError::IpHeaderChecksum);
            }
            let fragment = be16(h, 6) & 0x3FFF != 0;
            let protocol = h[9];
            // Pseudo-header: source, destination, zero, protocol, L4 length (RFC 793 §3.1).
            let l4_len = (total - ihl) as u64;
            let pseudo = ones_sum(0, &h[12..20]) + u64::from(protocol) + l4_len;
            (
                false,
                Some(be16(h, 4)),
                l3 + total,
                protocol,
                (!fragment).then_some(l3 + ihl),
                pseudo,
            )
        }
        0x86DD => {
            let h = frame
                .get(l3..)
                .filter(|h| h.len() >= 40)
                .ok_or(CheckError::Truncated("IPv6 header"))?;
            if h[0] >> 4 != 6 {
                return Err(CheckError::NotIp);
            }
            let plen = usize::from(be16(h, 4));
            if 40 + plen > h.len() {
                return Err(CheckError::Truncated("IPv6 payload length"));
            }
            let protocol = h[6];
            // RFC 8200 §8.1: source, destination, upper-layer length (32 bits), next header.
            let pseudo = ones_sum(0, &h[8..40]) + plen as u64 + u64::from(protocol);
            let l4 = matches!(protocol, 6 | 17).then_some(l3 + 40);
            (true, None, l3 + 40 + plen, protocol, l4, pseudo)
        }
        _ => return Err(CheckError::NotIp),
    };
    let mut seg = Segment {
        l3,
        vlan_tci,
        ipv6,
        ip_id,
        ip_end,
        protocol,
        l4,
        payload: l4.unwrap_or(ip_end),
        tcp: None,
        l4_checked: false,
    };
    let Some(l4) = l4 else {
        return Ok(seg);
    };
    let body = &frame[l4..ip_end];
    match protocol {
        6 => {
            if body.len() < 20 {
                return Err(CheckError::Truncated("TCP header"));
            }
            let doff = usize::from(body[12] >> 4) * 4;
            if doff < 20 || doff > body.len() {
                return Err(CheckError::Malformed("TCP data offset"));
            }
            if fold64(ones_sum(pseudo, body)) != 0xFFFF {
                return Err(CheckError::TcpChecksum);
            }
            seg.payload = l4 + doff;
            seg.tcp = Some((be32(body, 4), be32(body, 8), body[13], be16(body, 14)));
            seg.l4_checked = true;
        }
        17 => {
            if body.len() < 8 {
                return Err(CheckError::Truncated("UDP header"));
            }
            if usize::from(be16(body, 4)) != body.len() {
                return Err(CheckError::Malformed("UDP length"));
            }
            seg.payload = l4 + 8;
            let stored = be16(body, 6);
            if stored == 0 {
                if ipv6 {
                    return Err(CheckError::UdpChecksum);
                }
                return Ok(seg);
            }
            if fold64(ones_sum(pseudo, body)) != 0xFFFF {
                return Err(CheckError::UdpChecksum);
            }
            seg.l4_checked = true;
        }
        _ => {}
    }
    Ok(seg)
}

/// Checks the segments a TSO/LSO of `original` (the large frame the driver handed over, with
/// its headers as the stack built them) produced with `mss`.
///
/// # Errors
/// [`CheckError::Lso`] (or a [`verify_segment`] error of a segment) describing the first
/// difference.
pub fn verify_lso(original: &[u8], segments: &[Vec<u8>], mss: usize) -> Result<(), CheckError> {
    let lso = |m: String| Err(CheckError::Lso(m));
    if mss == 0 {
        return lso("MSS 0".into());
    }
    let (l3, ipv6, ihl, l4) = lso_layout(original)?;
    let doff = original
        .get(l4 + 12)
        .map(|b| usize::from(b >> 4) * 4)
        .ok_or(CheckError::Truncated("TCP header"))?;
    let headers = l4 + doff;
    if doff < 20 || headers > original.len() {
        return lso("original TCP header".into());
    }
    let payload = &original[headers..];
    let expected = payload.len().div_ceil(mss).max(1);
    if segments.len() != expected {
        return lso(format!(
            "{} segments for {} payload bytes at MSS {mss} (expected {expected})",
            segments.len(),
            payload.len()
        ));
    }
    let seq0 = be32(original, l4 + 4);
    let flags0 = original[l4 + 13];
    let id0 = (!ipv6).then(|| be16(original, l3 + 4));
    for (i, s) in segments.iter().enumerate() {
        let seg = verify_segment(s).map_err(|e| CheckError::Lso(format!("segment {i}: {e}")))?;
        let last = i + 1 == segments.len();
        let chunk = &payload[(i * mss).min(payload.len())..((i + 1) * mss).min(payload.len())];
        if s.len() < headers || s[..l3] != original[..l3] {
            return lso(format!("segment {i}: MAC/VLAN header differs"));
        }
        if seg.payload != headers || seg.payload_of(s) != chunk {
            return lso(format!(
                "segment {i}: payload differs ({} bytes, expected {})",
                seg.payload_of(s).len(),
                chunk.len()
            ));
        }
        if seg.ip_end != s.len() {
            return lso(format!(
                "segment {i}: {} bytes after the IP packet",
                s.len() - seg.ip_end
            ));
        }
        // IP header: only lengths, identification and checksum may change.
        let (a, b) = (&s[l3..l3 + ihl], &original[l3..l3 + ihl]);
        let same_ip = if ipv6 {
            a[..4] == b[..4] && a[6..] == b[6..]
        } else {
            a[..2] == b[..2] && a[6..10] == b[6..10] && a[12..] == b[12..]
        };
        if !same_ip {
            return lso(format!(
                "segment {i}: IP header fields differ from the original"
            ));
        }
        if let (Some(id0), Some(id)) = (id0, seg.ip_id) {
            if id != id0.wrapping_add(i as u16) {
                return lso(format!(
                    "segment {i}: IP id {id:#x}, expected {:#x}",
                    id0.wrapping_add(i as u16)
                ));
            }
        }
        let Some((seq, _, flags, _)) = seg.tcp else {
            return lso(format!("segment {i}: not TCP"));
        };
        let want_seq = seq0.wrapping_add((i * mss) as u32);
        if seq != want_seq {
            return lso(format!("segment {i}: sequence {seq}, expected {want_seq}"));
        }
        // FIN and PSH only on the last segment; CWR only on the first (igb-hardware.md §4.4).
        let mut want = flags0;
        if !last {
            want &= !0x09;
        }
        if i > 0 {
            want &= !0x80;
        }
        if flags != want {
            return lso(format!(
                "segment {i}: TCP flags {flags:#04x}, expected {want:#04x}"
            ));
        }
        // The rest of the TCP header (ports, ack, window, urgent, options) is copied.
        let (ta, tb) = (&s[l4..headers], &original[l4..headers]);
        if ta[..4] != tb[..4]
            || ta[8..13] != tb[8..13]
            || ta[14..16] != tb[14..16]
            || ta[18..] != tb[18..]
        {
            return lso(format!(
                "segment {i}: TCP header fields differ from the original"
            ));
        }
    }
    Ok(())
}

/// (l3, ipv6, IP header length, l4) of a TCP frame, without verifying checksums (the large
/// send's checksums are the hardware's to fill in).
fn lso_layout(frame: &[u8]) -> Result<(usize, bool, usize, usize), CheckError> {
    if frame.len() < 14 {
        return Err(CheckError::Truncated("Ethernet header"));
    }
    let (l3, ethertype) = if be16(frame, 12) == TPID_8021Q && frame.len() >= 18 {
        (18, be16(frame, 16))
    } else {
        (14, be16(frame, 12))
    };
    match ethertype {
        0x0800 if frame.len() >= l3 + 20 && frame[l3 + 9] == 6 => {
            let ihl = usize::from(frame[l3] & 0x0F) * 4;
            Ok((l3, false, ihl, l3 + ihl))
        }
        0x86DD if frame.len() >= l3 + 40 && frame[l3 + 6] == 6 => Ok((l3, true, 40, l3 + 40)),
        _ => Err(CheckError::Lso(
            "the large send is not TCP over IPv4/IPv6".into(),
        )),
    }
}

// ---- frame builders -------------------------------------------------------------------

/// L4 of a built frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L4 {
    /// TCP with sequence number and flags (data offset 5, ack 0, window 0xFFFF).
    Tcp {
        /// Sequence number.
        seq: u32,
        /// Flags byte (0x10 ACK, 0x08 PSH, 0x01 FIN, ...).
        flags: u8,
    },
    /// UDP.
    Udp,
}

/// A frame description for [`build_frame`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSpec {
    /// Destination MAC.
    pub dst: [u8; 6],
    /// Source MAC.
    pub src: [u8; 6],
    /// An 802.1Q tag (TCI) after the MAC addresses.
    pub vlan: Option<u16>,
    /// IPv6 (else IPv4).
    pub ipv6: bool,
    /// Source address (first 4 bytes used for IPv4).
    pub src_ip: [u8; 16],
    /// Destination address (first 4 bytes used for IPv4).
    pub dst_ip: [u8; 16],
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// TCP or UDP.
    pub l4: L4,
    /// IPv4 identification.
    pub ip_id: u16,
    /// The payload.
    pub payload: Vec<u8>,
    /// Leave the UDP checksum 0 (IPv4: "not computed").
    pub udp_checksum_zero: bool,
}

impl FrameSpec {
    /// IPv4 TCP between two fixed hosts, `payload` bytes of pattern.
    #[must_use]
    pub fn ipv4_tcp(payload: usize) -> Self {
        Self::base(
            false,
            L4::Tcp {
                seq: 0x1000_0000,
                flags: 0x18,
            },
            payload,
        )
    }

    /// IPv4 UDP.
    #[must_use]
    pub fn ipv4_udp(payload: usize) -> Self {
        Self::base(false, L4::Udp, payload)
    }

    /// IPv6 TCP.
    #[must_use]
    pub fn ipv6_tcp(payload: usize) -> Self {
        Self::base(
            true,
            L4::Tcp {
                seq: 0x2000_0000,
                flags: 0x18,
            },
            payload,
        )
    }

    /// IPv6 UDP.
    #[must_use]
    pub fn ipv6_udp(payload: usize) -> Self {
        Self::base(true, L4::Udp, payload)
    }

    fn base(ipv6: bool, l4: L4, payload: usize) -> Self {
        let mut src_ip = [0u8; 16];
        let mut dst_ip = [0u8; 16];
        if ipv6 {
            src_ip = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
            dst_ip = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        } else {
            src_ip[..4].copy_from_slice(&[192, 168, 1, 1]);
            dst_ip[..4].copy_from_slice(&[192, 168, 1, 2]);
        }
        Self {
            dst: [0x02, 0, 0, 0, 0, 0x02],
            src: [0x02, 0, 0, 0, 0, 0x01],
            vlan: None,
            ipv6,
            src_ip,
            dst_ip,
            src_port: 40000,
            dst_port: 5001,
            l4,
            ip_id: 0x4242,
            payload: (0..payload).map(|i| (i * 7 + 3) as u8).collect(),
            udp_checksum_zero: false,
        }
    }
}

/// Builds a frame with correct IPv4 header and TCP/UDP checksums (no CRC).
#[must_use]
pub fn build_frame(spec: &FrameSpec) -> Vec<u8> {
    let mut l4 = match spec.l4 {
        L4::Tcp { seq, flags } => {
            let mut h = vec![0u8; 20];
            h[4..8].copy_from_slice(&seq.to_be_bytes());
            h[12] = 5 << 4;
            h[13] = flags;
            h[14..16].copy_from_slice(&0xFFFFu16.to_be_bytes());
            h
        }
        L4::Udp => vec![0u8; 8],
    };
    l4[0..2].copy_from_slice(&spec.src_port.to_be_bytes());
    l4[2..4].copy_from_slice(&spec.dst_port.to_be_bytes());
    l4.extend_from_slice(&spec.payload);
    let l4_len = l4.len();
    if spec.l4 == L4::Udp {
        l4[4..6].copy_from_slice(&(l4_len as u16).to_be_bytes());
    }
    let protocol: u8 = if spec.l4 == L4::Udp { 17 } else { 6 };
    let mut frame = Vec::with_capacity(18 + 40 + l4_len);
    frame.extend_from_slice(&spec.dst);
    frame.extend_from_slice(&spec.src);
    if let Some(tci) = spec.vlan {
        frame.extend_from_slice(&TPID_8021Q.to_be_bytes());
        frame.extend_from_slice(&tci.to_be_bytes());
    }
    let pseudo = if spec.ipv6 {
        frame.extend_from_slice(&0x86DDu16.to_be_bytes());
        let mut ip = vec![0x60, 0, 0, 0];
        ip.extend_from_slice(&(l4_len as u16).to_be_bytes());
        ip.extend_from_slice(&[protocol, 64]);
        ip.extend_from_slice(&spec.src_ip);
        ip.extend_from_slice(&spec.dst_ip);
        frame.extend_from_slice(&ip);
        ones_sum(0, &ip[8..40]) + l4_len as u64 + u64::from(protocol)
    } else {
        frame.extend_from_slice(&0x0800u16.to_be_bytes());
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&((20 + l4_len) as u16).to_be_bytes());
        ip.extend_from_slice(&spec.ip_id.to_be_bytes());
        ip.extend_from_slice(&[0x40, 0, 64, protocol, 0, 0]);
        ip.extend_from_slice(&spec.src_ip[..4]);
        ip.extend_from_slice(&spec.dst_ip[..4]);
        let c = internet_checksum(&ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        frame.extend_from_slice(&ip);
        ones_sum(0, &ip[12..20]) + u64::from(protocol) + l4_len as u64
    };
    let at = if spec.l4 == L4::Udp { 6 } else { 16 };
    if !(spec.l4 == L4::Udp && spec.udp_checksum_zero) {
        let mut c = !fold64(ones_sum(pseudo, &l4));
        if spec.l4 == L4::Udp && c == 0 {
            c = 0xFFFF;
        }
        l4[at..at + 2].copy_from_slice(&c.to_be_bytes());
    }
    frame.extend_from_slice(&l4);
    frame
}

/// Which checksum [`corrupt_checksum`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corrupt {
    /// The IPv4 header checksum.
    IpHeader,
    /// The TCP or UDP checksum.
    L4,
}

/// Flips bits of one stored checksum so it no longer verifies (the rest stays intact).
/// Returns false when the frame has no such checksum (e.g. IPv6 has no header checksum).
pub fn corrupt_checksum(frame: &mut [u8], which: Corrupt) -> bool {
    let Ok(seg) = verify_segment(frame) else {
        return false;
    };
    let at = match which {
        Corrupt::IpHeader if !seg.ipv6 => seg.l3 + 10,
        Corrupt::L4 => match (seg.protocol, seg.l4) {
            (6, Some(l4)) => l4 + 16,
            (17, Some(l4)) => l4 + 6,
            _ => return false,
        },
        Corrupt::IpHeader => return false,
    };
    frame[at] ^= 0x5A;
    frame[at + 1] ^= 0xA5;
    true
}

/// Toeplitz hash of `input` with `key` (Microsoft RSS spec, "Verifying the RSS Hash
/// Calculation"): for every set bit of the input, XOR in the 32 key bits starting at that bit
/// position. `key` must hold at least `input.len() + 4` bytes (the RSS key is 40 bytes).
#[must_use]
pub fn toeplitz(key: &[u8], input: &[u8]) -> u32 {
    let mut result = 0u32;
    for (i, &byte) in input.iter().enumerate() {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                // The 32-bit window of the key starting at bit i*8+bit.
                let start = i * 8 + bit;
                let mut window = 0u32;
                for k in 0..32 {
                    let pos = start + k;
                    let key_bit = key.get(pos / 8).map_or(0, |b| (b >> (7 - pos % 8)) & 1);
                    window = window << 1 | u32::from(key_bit);
                }
                result ^= window;
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_frames_verify_and_corruptions_are_caught() {
        for spec in [
            FrameSpec::ipv4_tcp(100),
            FrameSpec::ipv4_udp(33),
            FrameSpec::ipv6_tcp(1),
            FrameSpec::ipv6_udp(200),
        ] {
            let frame = build_frame(&spec);
            let seg = verify_segment(&frame).expect("valid");
            assert!(seg.l4_checked);
            assert_eq!(seg.payload_of(&frame), &spec.payload[..]);
            let mut bad = frame.clone();
            assert!(corrupt_checksum(&mut bad, Corrupt::L4));
            assert!(matches!(
                verify_segment(&bad),
                Err(CheckError::TcpChecksum | CheckError::UdpChecksum)
            ));
            let mut bad = frame.clone();
            assert_eq!(corrupt_checksum(&mut bad, Corrupt::IpHeader), !spec.ipv6);
            if !spec.ipv6 {
                assert_eq!(verify_segment(&bad), Err(CheckError::IpHeaderChecksum));
            }
            // One flipped payload bit is caught by the L4 checksum.
            let mut bad = frame.clone();
            let last = bad.len() - 1;
            bad[last] ^= 0x04;
            assert!(verify_segment(&bad).is_err());
        }
    }

    #[test]
    fn udp_checksum_zero_means_unchecked_over_ipv4_only() {
        let mut spec = FrameSpec::ipv4_udp(10);
        spec.udp_checksum_zero = true;
        let seg = verify_segment(&build_frame(&spec)).expect("IPv4 UDP checksum 0 is allowed");
        assert!(!seg.l4_checked);
        let mut spec = FrameSpec::ipv6_udp(10);
        spec.udp_checksum_zero = true;
        assert_eq!(
            verify_segment(&build_frame(&spec)),
            Err(CheckError::UdpChecksum)
        );
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 example bytes: sum 0xddf2, checksum 0x220d.
        assert_eq!(
            internet_checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
    }

    fn segment_by_hand(original: &[u8], mss: usize) -> Vec<Vec<u8>> {
        // A reference segmentation built from FrameSpec, independent of the model.
        let payload = &original[54..];
        payload
            .chunks(mss)
            .enumerate()
            .map(|(i, chunk)| {
                let mut spec = FrameSpec::ipv4_tcp(0);
                let last = (i + 1) * mss >= payload.len();
                spec.l4 = L4::Tcp {
                    seq: 0x1000_0000 + (i * mss) as u32,
                    flags: if last { 0x18 } else { 0x10 },
                };
                spec.ip_id = 0x4242 + i as u16;
                spec.payload = chunk.to_vec();
                build_frame(&spec)
            })
            .collect()
    }

    #[test]
    fn lso_checker_accepts_a_correct_segmentation_and_rejects_each_defect() {
        let original = build_frame(&FrameSpec::ipv4_tcp(3000));
        let good = segment_by_hand(&original, 1000);
        assert_eq!(verify_lso(&original, &good, 1000), Ok(()));
        // Wrong segment count.
        assert!(verify_lso(&original, &good[..2], 1000).is_err());
        // PSH on a middle segment (with a recomputed checksum so only the flag is wrong).
        let mut bad = good.clone();
        let mut spec = FrameSpec::ipv4_tcp(0);
        spec.l4 = L4::Tcp {
            seq: 0x1000_0000 + 1000,
            flags: 0x18,
        };
        spec.ip_id = 0x4243;
        spec.payload = original[54 + 1000..54 + 2000].to_vec();
        bad[1] = build_frame(&spec);
        assert!(verify_lso(&original, &bad, 1000).is_err());
        // Wrong sequence number.
        let mut bad = good.clone();
        spec.l4 = L4::Tcp {
            seq: 0x1000_0000,
            flags: 0x10,
        };
        bad[1] = build_frame(&spec);
        assert!(verify_lso(&original, &bad, 1000).is_err());
        // Same IP id twice.
        let mut bad = good.clone();
        spec.l4 = L4::Tcp {
            seq: 0x1000_0000 + 1000,
            flags: 0x10,
        };
        spec.ip_id = 0x4242;
        bad[1] = build_frame(&spec);
        assert!(verify_lso(&original, &bad, 1000).is_err());
        // A bad checksum.
        let mut bad = good.clone();
        corrupt_checksum(&mut bad[2], Corrupt::L4);
        assert!(verify_lso(&original, &bad, 1000).is_err());
    }
}
