//! Just enough Ethernet, ARP, IPv4 and ICMP echo to prove that frames crossed the NIC: build
//! requests, recognise replies (payload included), and answer requests (the PF side's
//! responder, so VFs have a peer at the PF's address).
//!
//! Every parser takes hostile bytes: lengths are checked, nothing panics on short frames.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// An Ethernet MAC address.
pub type Mac = [u8; 6];

/// The broadcast address.
pub const BROADCAST: Mac = [0xFF; 6];
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETH_HEADER: usize = 14;
/// Frames are padded to this length (the NIC appends the CRC).
const MIN_FRAME: usize = 60;
const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;
const IP_PROTO_ICMP: u8 = 1;

/// Parses `aa:bb:cc:dd:ee:ff`.
#[must_use]
pub fn parse_mac(text: &str) -> Option<Mac> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

/// Formats a MAC as `aa:bb:cc:dd:ee:ff`.
#[must_use]
pub fn format_mac(mac: &Mac) -> String {
    let mut text = String::with_capacity(17);
    for (index, byte) in mac.iter().enumerate() {
        if index > 0 {
            text.push(':');
        }
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The Internet checksum (RFC 1071) of `data`.
#[must_use]
pub fn internet_checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in data.chunks(2) {
        let word = match pair {
            [high, low] => u16::from_be_bytes([*high, *low]),
            [high] => u16::from_be_bytes([*high, 0]),
            _ => 0,
        };
        sum += u32::from(word);
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

fn ethernet(dst: Mac, src: Mac, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(ETH_HEADER + payload.len().max(MIN_FRAME));
    frame.extend_from_slice(&dst);
    frame.extend_from_slice(&src);
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame.extend_from_slice(payload);
    if frame.len() < MIN_FRAME {
        frame.resize(MIN_FRAME, 0);
    }
    frame
}

fn arp(
    operation: u16,
    dst: Mac,
    sender_mac: Mac,
    sender_ip: Ipv4Addr,
    target_mac: Mac,
    target_ip: Ipv4Addr,
) -> Vec<u8> {
    let mut body = Vec::with_capacity(28);
    // Hardware type Ethernet, protocol IPv4, address lengths 6 and 4.
    body.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4]);
    body.extend_from_slice(&operation.to_be_bytes());
    body.extend_from_slice(&sender_mac);
    body.extend_from_slice(&sender_ip.octets());
    body.extend_from_slice(&target_mac);
    body.extend_from_slice(&target_ip.octets());
    ethernet(dst, sender_mac, ETHERTYPE_ARP, &body)
}

/// A broadcast ARP request "who has `target_ip`".
#[must_use]
pub fn arp_request(sender_mac: Mac, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Vec<u8> {
    arp(1, BROADCAST, sender_mac, sender_ip, [0; 6], target_ip)
}

/// An ARP reply from `sender` to `target`.
#[must_use]
pub fn arp_reply(
    sender_mac: Mac,
    sender_ip: Ipv4Addr,
    target_mac: Mac,
    target_ip: Ipv4Addr,
) -> Vec<u8> {
    arp(2, target_mac, sender_mac, sender_ip, target_mac, target_ip)
}

/// One ICMP echo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Echo {
    /// Request (true) or reply.
    pub request: bool,
    /// Identifier.
    pub id: u16,
    /// Sequence number.
    pub seq: u16,
    /// Data after the 8-byte ICMP header.
    pub payload: Vec<u8>,
}

/// An IPv4 ICMP echo frame.
#[must_use]
pub fn icmp_echo(
    src_mac: Mac,
    dst_mac: Mac,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    echo: &Echo,
) -> Vec<u8> {
    let mut icmp = Vec::with_capacity(8 + echo.payload.len());
    icmp.push(if echo.request {
        ICMP_ECHO_REQUEST
    } else {
        ICMP_ECHO_REPLY
    });
    icmp.extend_from_slice(&[0, 0, 0]);
    icmp.extend_from_slice(&echo.id.to_be_bytes());
    icmp.extend_from_slice(&echo.seq.to_be_bytes());
    icmp.extend_from_slice(&echo.payload);
    let checksum = internet_checksum(&icmp);
    icmp[2..4].copy_from_slice(&checksum.to_be_bytes());

    let total = 20 + icmp.len();
    let total = u16::try_from(total).unwrap_or(u16::MAX);
    let mut ip = Vec::with_capacity(usize::from(total));
    ip.extend_from_slice(&[0x45, 0]);
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&echo.seq.to_be_bytes()); // identification
    ip.extend_from_slice(&[0x40, 0, 64, IP_PROTO_ICMP, 0, 0]); // DF, TTL 64
    ip.extend_from_slice(&src_ip.octets());
    ip.extend_from_slice(&dst_ip.octets());
    let checksum = internet_checksum(&ip);
    ip[10..12].copy_from_slice(&checksum.to_be_bytes());
    ip.extend_from_slice(&icmp);
    ethernet(dst_mac, src_mac, ETHERTYPE_IPV4, &ip)
}

/// What a received frame is, as far as these scenarios care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// ARP request or reply.
    Arp {
        /// 1 = request, 2 = reply.
        operation: u16,
        /// Sender hardware address.
        sender_mac: Mac,
        /// Sender protocol address.
        sender_ip: Ipv4Addr,
        /// Target hardware address.
        target_mac: Mac,
        /// Target protocol address.
        target_ip: Ipv4Addr,
    },
    /// ICMP echo over IPv4 with valid IP and ICMP checksums.
    Echo {
        /// Source IP.
        src_ip: Ipv4Addr,
        /// Destination IP.
        dst_ip: Ipv4Addr,
        /// The echo.
        echo: Echo,
    },
    /// Anything else (or a malformed ARP/IPv4/ICMP frame).
    Other,
}

/// A parsed frame with its Ethernet addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// Destination MAC.
    pub dst: Mac,
    /// Source MAC.
    pub src: Mac,
    /// Payload classification.
    pub frame: Frame,
}

fn mac_at(bytes: &[u8], at: usize) -> Option<Mac> {
    bytes.get(at..at + 6)?.try_into().ok()
}

fn ip_at(bytes: &[u8], at: usize) -> Option<Ipv4Addr> {
    let octets: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(Ipv4Addr::from(octets))
}

/// Parses a frame; `None` if it is shorter than an Ethernet header.
#[must_use]
pub fn parse(bytes: &[u8]) -> Option<Parsed> {
    let dst = mac_at(bytes, 0)?;
    let src = mac_at(bytes, 6)?;
    let ethertype = u16::from_be_bytes([*bytes.get(12)?, *bytes.get(13)?]);
    let payload = &bytes[ETH_HEADER..];
    let frame = match ethertype {
        ETHERTYPE_ARP => parse_arp(payload),
        ETHERTYPE_IPV4 => parse_ipv4_echo(payload),
        _ => None,
    }
    .unwrap_or(Frame::Other);
    Some(Parsed { dst, src, frame })
}

fn parse_arp(body: &[u8]) -> Option<Frame> {
    if body.get(0..6)? != [0, 1, 0x08, 0x00, 6, 4] {
        return None;
    }
    Some(Frame::Arp {
        operation: u16::from_be_bytes([*body.get(6)?, *body.get(7)?]),
        sender_mac: mac_at(body, 8)?,
        sender_ip: ip_at(body, 14)?,
        target_mac: mac_at(body, 18)?,
        target_ip: ip_at(body, 24)?,
    })
}

fn parse_ipv4_echo(ip: &[u8]) -> Option<Frame> {
    let version_ihl = *ip.first()?;
    let header_len = usize::from(version_ihl & 0x0F) * 4;
    if version_ihl >> 4 != 4 || header_len < 20 || *ip.get(9)? != IP_PROTO_ICMP {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    let header = ip.get(..header_len)?;
    if internet_checksum(header) != 0 || total < header_len {
        return None;
    }
    let icmp = ip.get(header_len..total)?;
    if icmp.len() < 8 || internet_checksum(icmp) != 0 {
        return None;
    }
    let request = match icmp[0] {
        ICMP_ECHO_REQUEST => true,
        ICMP_ECHO_REPLY => false,
        _ => return None,
    };
    Some(Frame::Echo {
        src_ip: ip_at(ip, 12)?,
        dst_ip: ip_at(ip, 16)?,
        echo: Echo {
            request,
            id: u16::from_be_bytes([icmp[4], icmp[5]]),
            seq: u16::from_be_bytes([icmp[6], icmp[7]]),
            payload: icmp[8..].to_vec(),
        },
    })
}

/// The answer a host at `my_mac`/`my_ip` gives to `bytes`: an ARP reply to a request for
/// `my_ip`, an echo reply (same id, sequence and payload) to an echo request to `my_ip`.
#[must_use]
pub fn respond(bytes: &[u8], my_mac: Mac, my_ip: Ipv4Addr) -> Option<Vec<u8>> {
    let parsed = parse(bytes)?;
    match parsed.frame {
        Frame::Arp {
            operation: 1,
            sender_mac,
            sender_ip,
            target_ip,
            ..
        } if target_ip == my_ip => Some(arp_reply(my_mac, my_ip, sender_mac, sender_ip)),
        Frame::Echo {
            src_ip,
            dst_ip,
            echo,
        } if echo.request && dst_ip == my_ip && parsed.dst == my_mac => {
            let reply = Echo {
                request: false,
                ..echo
            };
            Some(icmp_echo(my_mac, parsed.src, my_ip, src_ip, &reply))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Mac = [0x02, 0, 0, 0, 0, 0x0A];
    const B: Mac = [0x02, 0, 0, 0, 0, 0x0B];
    const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 21);
    const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 15);

    #[test]
    fn checksum_matches_the_rfc_1071_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement 220d).
        assert_eq!(
            internet_checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
    }

    #[test]
    fn macs_parse_and_format() {
        assert_eq!(parse_mac("02:00:00:00:00:0a"), Some(A));
        assert_eq!(format_mac(&A), "02:00:00:00:00:0a");
        assert_eq!(parse_mac("02:00:00:00:00"), None);
        assert_eq!(parse_mac("02:00:00:00:00:0a:01"), None);
        assert_eq!(parse_mac("zz:00:00:00:00:0a"), None);
    }

    #[test]
    fn an_arp_request_is_answered_only_for_our_address() {
        let request = arp_request(A, IP_A, IP_B);
        assert_eq!(request.len(), MIN_FRAME);
        let reply = respond(&request, B, IP_B).expect("answered");
        let parsed = parse(&reply).unwrap();
        assert_eq!(parsed.dst, A);
        assert_eq!(
            parsed.frame,
            Frame::Arp {
                operation: 2,
                sender_mac: B,
                sender_ip: IP_B,
                target_mac: A,
                target_ip: IP_A
            }
        );
        assert!(respond(&request, B, Ipv4Addr::new(10, 0, 2, 99)).is_none());
    }

    #[test]
    fn an_echo_request_gets_the_same_payload_back() {
        let echo = Echo {
            request: true,
            id: 0x1234,
            seq: 7,
            payload: (0..=255).collect(),
        };
        let request = icmp_echo(A, B, IP_A, IP_B, &echo);
        let reply = respond(&request, B, IP_B).expect("answered");
        let parsed = parse(&reply).unwrap();
        assert_eq!((parsed.dst, parsed.src), (A, B));
        let Frame::Echo {
            src_ip,
            dst_ip,
            echo: answered,
        } = parsed.frame
        else {
            panic!("not an echo: {parsed:?}");
        };
        assert_eq!((src_ip, dst_ip), (IP_B, IP_A));
        assert!(!answered.request);
        assert_eq!((answered.id, answered.seq), (0x1234, 7));
        assert_eq!(answered.payload, echo.payload);
    }

    #[test]
    fn corrupted_or_truncated_frames_are_not_misread() {
        let echo = Echo {
            request: true,
            id: 1,
            seq: 1,
            payload: vec![0xAB; 32],
        };
        let mut frame = icmp_echo(A, B, IP_A, IP_B, &echo);
        frame[ETH_HEADER + 20 + 9] ^= 0xFF; // payload byte: ICMP checksum now wrong
        assert_eq!(parse(&frame).unwrap().frame, Frame::Other);
        for len in 0..frame.len() {
            let _ = parse(&frame[..len]);
            let _ = respond(&frame[..len], B, IP_B);
        }
        assert!(parse(&frame[..10]).is_none());
    }
}
