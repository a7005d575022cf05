//! Mailbox message encoding and decoding (`igb-hardware.md` §5.2, §5.3).
//!
//! A message is at most 16 dwords. Word 0 is the header: message ID in bits 15:0, MSGINFO
//! (count / sub-command / flags) in bits 23:16, CTS bit 29, NACK bit 30, ACK bit 31. Words
//! 1.. carry the payload. Everything here is pure data: decoding is total (any input gives a
//! typed value or a [`MalformedMessage`] reason, never a panic) because the other end of the
//! mailbox is untrusted in both directions (a VF can be hostile; a VF must not trust a
//! confused or malicious PF either).

use crate::filters::{MacAddr, VlanId};

/// Dwords in one mailbox buffer (VMBMEM, `igb-hardware.md` §2.5).
pub const MESSAGE_WORDS: usize = 16;

/// At most this many multicast hashes fit in one SET_MULTICAST message: 15 payload words of
/// two 16-bit hashes each (`igb-hardware.md` §5.3).
pub const MAX_MULTICAST_HASHES: usize = 30;

/// Header word bits and fields (`igb-hardware.md` §5.2).
pub mod header {
    /// Message ID (bits 15:0).
    pub const ID_MASK: u32 = 0xFFFF;
    /// MSGINFO shift (bits 23:16).
    pub const INFO_SHIFT: u32 = 16;
    /// MSGINFO mask.
    pub const INFO_MASK: u32 = 0xFF << INFO_SHIFT;
    /// "Clear to send": the PF says the VF completed its reset handshake.
    pub const CTS: u32 = 1 << 29;
    /// Negative acknowledgement.
    pub const NACK: u32 = 1 << 30;
    /// Positive acknowledgement.
    pub const ACK: u32 = 1 << 31;
    /// Bits 28:24 are reserved: neither side sets them.
    pub const RESERVED_MASK: u32 = 0x1F << 24;
}

/// Message IDs (`igb-hardware.md` §5.3).
pub mod id {
    /// VF → PF: the VF reset itself; PF replies with the MAC (ACK) or no MAC (NACK).
    pub const RESET: u16 = 0x01;
    /// VF → PF: set the primary MAC (MSGINFO 0).
    pub const SET_MAC_ADDR: u16 = 0x02;
    /// VF → PF: multicast hash list (MSGINFO = count).
    pub const SET_MULTICAST: u16 = 0x03;
    /// VF → PF: add (MSGINFO 1) or remove (0) a VLAN.
    pub const SET_VLAN: u16 = 0x04;
    /// VF → PF: per-pool max Rx frame length.
    pub const SET_LPE: u16 = 0x05;
    /// VF → PF: promiscuous flags (MSGINFO bit 0 unicast, bit 1 multicast).
    pub const SET_PROMISC: u16 = 0x06;
    /// PF → VF: "ping" on link change or before a PF reset; carries CTS only if the VF is CTS.
    pub const PF_CONTROL: u16 = 0x0100;
}

/// SET_MULTICAST MSGINFO flag a DPDK VF sets when it has more than 30 addresses
/// (`igb-hardware.md` §5.3): the PF should turn on multicast promiscuous for the pool.
pub const MULTICAST_OVERFLOW: u8 = 0x80;
/// SET_MULTICAST MSGINFO count field: bits 6:0 (bit 7 is [`MULTICAST_OVERFLOW`]); values above
/// 30 are malformed.
const MULTICAST_COUNT_MASK: u8 = 0x7F;

/// SET_PROMISC MSGINFO flags (`igb-hardware.md` §5.3).
pub mod promisc {
    /// Unicast promiscuous (the igb PF does not support it: NACK).
    pub const UNICAST: u8 = 0x01;
    /// Multicast promiscuous (VMOLR.MPME).
    pub const MULTICAST: u8 = 0x02;
}

/// Largest Rx frame a VF may ask for with SET_LPE (Linux caps at 0x3F00, `igb-hardware.md`
/// §5.3; same as [`crate::filters::MAX_POOL_FRAME`]).
pub const MAX_LPE_FRAME: u32 = crate::filters::MAX_POOL_FRAME as u32;
/// Smallest Rx frame that makes sense (Ethernet minimum).
pub const MIN_LPE_FRAME: u32 = 64;

/// A mailbox message: up to 16 words, with the number of words that are meaningful.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Message {
    words: [u32; MESSAGE_WORDS],
    len: usize,
}

impl Message {
    /// A message of `len` words (clamped to 16), all zero.
    #[must_use]
    pub const fn zeroed(len: usize) -> Self {
        Self {
            words: [0; MESSAGE_WORDS],
            len: if len > MESSAGE_WORDS {
                MESSAGE_WORDS
            } else {
                len
            },
        }
    }

    /// A message from raw words; `None` if `words` is empty or longer than 16.
    #[must_use]
    pub fn from_words(words: &[u32]) -> Option<Self> {
        if words.is_empty() || words.len() > MESSAGE_WORDS {
            return None;
        }
        let mut message = Self::zeroed(words.len());
        message.words[..words.len()].copy_from_slice(words);
        Some(message)
    }

    /// The meaningful words.
    #[must_use]
    pub fn words(&self) -> &[u32] {
        &self.words[..self.len]
    }

    /// The header word (0 for an empty message).
    #[must_use]
    pub const fn header(&self) -> u32 {
        self.words[0]
    }

    /// Number of meaningful words.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the message has no words.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn set(&mut self, index: usize, value: u32) {
        if let Some(word) = self.words.get_mut(index) {
            *word = value;
            if index >= self.len {
                self.len = index + 1;
            }
        }
    }
}

/// Builds a header word.
#[must_use]
pub const fn make_header(message_id: u16, info: u8) -> u32 {
    message_id as u32 | ((info as u32) << header::INFO_SHIFT)
}

/// The message ID of a header word.
#[must_use]
pub const fn header_id(word: u32) -> u16 {
    (word & header::ID_MASK) as u16
}

/// The MSGINFO field of a header word.
#[must_use]
pub const fn header_info(word: u32) -> u8 {
    ((word & header::INFO_MASK) >> header::INFO_SHIFT) as u8
}

/// Packs a MAC into words 1-2: byte-packed little-endian (`igb-hardware.md` §5.3).
const fn mac_words(mac: &MacAddr) -> (u32, u32) {
    (
        u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]),
        u32::from_le_bytes([mac[4], mac[5], 0, 0]),
    )
}

const fn mac_from_words(low: u32, high: u32) -> MacAddr {
    let l = low.to_le_bytes();
    let h = high.to_le_bytes();
    [l[0], l[1], l[2], l[3], h[0], h[1]]
}

/// A list of at most [`MAX_MULTICAST_HASHES`] 12-bit MTA hash values
/// (`crate::filters::mac_hash`), fixed-size so no allocation is needed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MulticastHashes {
    hashes: [u16; MAX_MULTICAST_HASHES],
    len: u8,
}

impl Default for MulticastHashes {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl MulticastHashes {
    /// The empty list.
    pub const EMPTY: Self = Self {
        hashes: [0; MAX_MULTICAST_HASHES],
        len: 0,
    };

    /// The list of `hashes`, or `None` when there are more than 30.
    #[must_use]
    pub fn new(hashes: &[u16]) -> Option<Self> {
        if hashes.len() > MAX_MULTICAST_HASHES {
            return None;
        }
        let mut list = Self::EMPTY;
        list.hashes[..hashes.len()].copy_from_slice(hashes);
        // len <= 30.
        list.len = hashes.len() as u8;
        Some(list)
    }

    /// The hashes.
    #[must_use]
    pub fn as_slice(&self) -> &[u16] {
        &self.hashes[..usize::from(self.len)]
    }

    /// Number of hashes.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the list is empty.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A request a VF sends to the PF (`igb-hardware.md` §5.3).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VfRequest {
    /// VF_RESET: the VF reset itself and asks for its MAC.
    Reset,
    /// SET_MAC_ADDR with MSGINFO 0: set the VF's primary MAC.
    SetMacAddr(MacAddr),
    /// SET_MAC_ADDR with MSGINFO 1 (`E1000_VF_MAC_FILTER_CLR`): drop every extra unicast
    /// filter of the VF. Linux igbvf sends it on every Rx-mode change (§5.3).
    ClearMacFilters,
    /// SET_MAC_ADDR with MSGINFO 2 (`E1000_VF_MAC_FILTER_ADD`): add an extra unicast filter.
    AddMacFilter(MacAddr),
    /// SET_MULTICAST: the VF's multicast hash list; `overflow` (the DPDK VF's MSGINFO bit 7)
    /// asks for multicast promiscuous because the VF had more than 30 addresses.
    SetMulticast {
        /// The hashes (≤ 30).
        hashes: MulticastHashes,
        /// The VF has more addresses than fit.
        overflow: bool,
    },
    /// SET_VLAN: add or remove a VLAN filter for the VF's pool.
    SetVlan {
        /// The VLAN.
        vid: VlanId,
        /// Add (true) or remove (false).
        add: bool,
    },
    /// SET_LPE: the largest Rx frame (incl. CRC and a VLAN tag) the VF wants.
    SetLpe {
        /// Max frame length in bytes, as sent (range-checked by the PF's policy).
        max_frame: u32,
    },
    /// SET_PROMISC: promiscuous flags (all false = leave promiscuous mode).
    SetPromisc {
        /// Unicast promiscuous.
        unicast: bool,
        /// Multicast promiscuous.
        multicast: bool,
    },
}

/// Why a message could not be decoded. Every variant is a protocol violation by the sender.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MalformedMessage {
    /// No words at all, or more than 16.
    BadLength {
        /// Words supplied.
        len: usize,
    },
    /// The message ID is not one this side accepts.
    UnknownOpcode(u16),
    /// A request carried reply bits (ACK/NACK/CTS) or reserved header bits.
    BadHeaderFlags(u32),
    /// MSGINFO holds a value the message type does not define.
    BadInfo {
        /// Message ID.
        id: u16,
        /// The MSGINFO byte.
        info: u8,
    },
    /// SET_MULTICAST with more than 30 hashes.
    MulticastCountTooLarge(u8),
    /// SET_VLAN with a VID above 4095.
    BadVlanId(u32),
    /// Fewer words than the message type needs.
    Truncated {
        /// Message ID.
        id: u16,
        /// Words needed.
        needed: usize,
        /// Words supplied.
        got: usize,
    },
    /// A reply with both ACK and NACK, or with neither.
    BadReplyFlags(u32),
}

/// SET_MAC_ADDR MSGINFO: set the primary MAC.
const MAC_INFO_PRIMARY: u8 = 0;
/// SET_MAC_ADDR MSGINFO: clear the extra unicast filters (Linux `E1000_VF_MAC_FILTER_CLR`).
const MAC_INFO_FILTER_CLEAR: u8 = 1;
/// SET_MAC_ADDR MSGINFO: add an extra unicast filter (Linux `E1000_VF_MAC_FILTER_ADD`).
const MAC_INFO_FILTER_ADD: u8 = 2;

/// Words a request of `message_id` occupies (header included), `None` for unknown IDs.
#[must_use]
pub const fn request_len(message_id: u16) -> Option<usize> {
    match message_id {
        id::RESET | id::SET_PROMISC => Some(1),
        id::SET_MAC_ADDR => Some(3),
        // Header + 15 words of hashes at most; the exact count depends on MSGINFO.
        id::SET_MULTICAST => Some(1),
        id::SET_VLAN | id::SET_LPE => Some(2),
        _ => None,
    }
}

impl VfRequest {
    /// The message ID.
    #[must_use]
    pub const fn id(&self) -> u16 {
        match self {
            Self::Reset => id::RESET,
            Self::SetMacAddr(_) | Self::ClearMacFilters | Self::AddMacFilter(_) => id::SET_MAC_ADDR,
            Self::SetMulticast { .. } => id::SET_MULTICAST,
            Self::SetVlan { .. } => id::SET_VLAN,
            Self::SetLpe { .. } => id::SET_LPE,
            Self::SetPromisc { .. } => id::SET_PROMISC,
        }
    }

    /// Encodes the request (header without reply flags).
    #[must_use]
    pub fn encode(&self) -> Message {
        let mut message = Message::zeroed(1);
        match *self {
            Self::Reset => message.set(0, make_header(id::RESET, 0)),
            Self::SetMacAddr(mac) | Self::AddMacFilter(mac) => {
                let info = if matches!(self, Self::SetMacAddr(_)) {
                    MAC_INFO_PRIMARY
                } else {
                    MAC_INFO_FILTER_ADD
                };
                let (low, high) = mac_words(&mac);
                message.set(0, make_header(id::SET_MAC_ADDR, info));
                message.set(1, low);
                message.set(2, high);
            }
            // Three words like every SET_MAC_ADDR (igbvf sends a zero address).
            Self::ClearMacFilters => {
                message.set(0, make_header(id::SET_MAC_ADDR, MAC_INFO_FILTER_CLEAR));
                message.set(1, 0);
                message.set(2, 0);
            }
            Self::SetMulticast { hashes, overflow } => {
                let flag = if overflow { MULTICAST_OVERFLOW } else { 0 };
                // len <= 30 fits the 7-bit count field below the overflow flag.
                let info = hashes.len | flag;
                message.set(0, make_header(id::SET_MULTICAST, info));
                for (index, hash) in hashes.as_slice().iter().enumerate() {
                    let word = 1 + index / 2;
                    let shift = (index % 2) * 16;
                    let current = message.words.get(word).copied().unwrap_or(0);
                    message.set(word, current | (u32::from(*hash) << shift));
                }
            }
            Self::SetVlan { vid, add } => {
                message.set(0, make_header(id::SET_VLAN, u8::from(add)));
                message.set(1, u32::from(vid.get()));
            }
            Self::SetLpe { max_frame } => {
                message.set(0, make_header(id::SET_LPE, 0));
                message.set(1, max_frame);
            }
            Self::SetPromisc { unicast, multicast } => {
                let mut info = 0;
                if unicast {
                    info |= promisc::UNICAST;
                }
                if multicast {
                    info |= promisc::MULTICAST;
                }
                message.set(0, make_header(id::SET_PROMISC, info));
            }
        }
        message
    }

    /// Decodes a request from the words a VF left in its mailbox buffer. Total: every input
    /// yields a request or the reason it is malformed. Words past what the message type needs
    /// are ignored (a real VF only writes the words it sends; the rest of VMBMEM is stale).
    pub fn decode(words: &[u32]) -> Result<Self, MalformedMessage> {
        if words.is_empty() || words.len() > MESSAGE_WORDS {
            return Err(MalformedMessage::BadLength { len: words.len() });
        }
        let head = words[0];
        let message_id = header_id(head);
        let info = header_info(head);
        let Some(base_len) = request_len(message_id) else {
            return Err(MalformedMessage::UnknownOpcode(message_id));
        };
        if head & (header::ACK | header::NACK | header::CTS | header::RESERVED_MASK) != 0 {
            return Err(MalformedMessage::BadHeaderFlags(head));
        }
        let needed = match message_id {
            id::SET_MULTICAST => {
                let count = info & MULTICAST_COUNT_MASK;
                if usize::from(count) > MAX_MULTICAST_HASHES {
                    return Err(MalformedMessage::MulticastCountTooLarge(count));
                }
                1 + usize::from(count).div_ceil(2)
            }
            _ => base_len,
        };
        if words.len() < needed {
            return Err(MalformedMessage::Truncated {
                id: message_id,
                needed,
                got: words.len(),
            });
        }
        let bad_info = MalformedMessage::BadInfo {
            id: message_id,
            info,
        };
        match message_id {
            id::RESET if info == 0 => Ok(Self::Reset),
            id::SET_MAC_ADDR if info == MAC_INFO_PRIMARY => {
                Ok(Self::SetMacAddr(mac_from_words(words[1], words[2])))
            }
            id::SET_MAC_ADDR if info == MAC_INFO_FILTER_CLEAR => Ok(Self::ClearMacFilters),
            id::SET_MAC_ADDR if info == MAC_INFO_FILTER_ADD => {
                Ok(Self::AddMacFilter(mac_from_words(words[1], words[2])))
            }
            id::SET_MULTICAST => {
                let count = usize::from(info & MULTICAST_COUNT_MASK);
                let mut hashes = MulticastHashes::EMPTY;
                for (index, slot) in hashes.hashes.iter_mut().take(count).enumerate() {
                    let word = words.get(1 + index / 2).copied().unwrap_or(0);
                    // Truncation to the 16-bit half is the wire format.
                    *slot = (word >> ((index % 2) * 16)) as u16;
                }
                // count <= 30.
                hashes.len = count as u8;
                Ok(Self::SetMulticast {
                    hashes,
                    overflow: info & MULTICAST_OVERFLOW != 0,
                })
            }
            id::SET_VLAN if info <= 1 => {
                let raw = words[1];
                let vid = u16::try_from(raw)
                    .ok()
                    .and_then(VlanId::new)
                    .ok_or(MalformedMessage::BadVlanId(raw))?;
                Ok(Self::SetVlan {
                    vid,
                    add: info == 1,
                })
            }
            id::SET_LPE if info == 0 => Ok(Self::SetLpe {
                max_frame: words[1],
            }),
            id::SET_PROMISC if info & !(promisc::UNICAST | promisc::MULTICAST) == 0 => {
                Ok(Self::SetPromisc {
                    unicast: info & promisc::UNICAST != 0,
                    multicast: info & promisc::MULTICAST != 0,
                })
            }
            _ => Err(bad_info),
        }
    }
}

/// A message the PF sends to a VF.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PfMessage {
    /// Reply to VF_RESET with ACK: the VF's MAC.
    ResetAck {
        /// The MAC the VF must use.
        mac: MacAddr,
        /// Clear to send.
        cts: bool,
    },
    /// Reply to a request: ACK (`accepted`) or NACK, echoing the request's header (ID and
    /// MSGINFO). A VF_RESET NACK means "no MAC assigned: pick one and send SET_MAC_ADDR".
    Reply {
        /// The request's message ID.
        id: u16,
        /// The request's MSGINFO.
        info: u8,
        /// ACK (true) or NACK (false).
        accepted: bool,
        /// Clear to send.
        cts: bool,
    },
    /// PF_CONTROL_MSG "ping". Without CTS it tells the VF to re-run its reset.
    Control {
        /// Clear to send.
        cts: bool,
    },
}

impl PfMessage {
    /// Encodes the message.
    #[must_use]
    pub fn encode(&self) -> Message {
        let cts_bit = |cts: bool| if cts { header::CTS } else { 0 };
        let mut message = Message::zeroed(1);
        match *self {
            Self::ResetAck { mac, cts } => {
                let (low, high) = mac_words(&mac);
                message.set(0, make_header(id::RESET, 0) | header::ACK | cts_bit(cts));
                message.set(1, low);
                message.set(2, high);
            }
            Self::Reply {
                id: message_id,
                info,
                accepted,
                cts,
            } => {
                let flag = if accepted { header::ACK } else { header::NACK };
                message.set(0, make_header(message_id, info) | flag | cts_bit(cts));
                // A VF_RESET reply is 3 words even when NACKed (Linux reads 3 words).
                if message_id == id::RESET {
                    message.set(2, 0);
                }
            }
            Self::Control { cts } => message.set(0, make_header(id::PF_CONTROL, 0) | cts_bit(cts)),
        }
        message
    }

    /// Decodes a message from the PF. Total, like [`VfRequest::decode`].
    pub fn decode(words: &[u32]) -> Result<Self, MalformedMessage> {
        if words.is_empty() || words.len() > MESSAGE_WORDS {
            return Err(MalformedMessage::BadLength { len: words.len() });
        }
        let head = words[0];
        let message_id = header_id(head);
        let info = header_info(head);
        let cts = head & header::CTS != 0;
        let ack = head & header::ACK != 0;
        let nack = head & header::NACK != 0;
        if head & header::RESERVED_MASK != 0 {
            return Err(MalformedMessage::BadHeaderFlags(head));
        }
        if message_id == id::PF_CONTROL {
            // Linux igb may send a control message with NACK (and no CTS) to a VF that is
            // not CTS; treat it like a plain ping.
            if ack || info != 0 {
                return Err(MalformedMessage::BadHeaderFlags(head));
            }
            return Ok(Self::Control { cts });
        }
        // A reply may echo an ID this side does not know (the PF NACKs unknown requests
        // by echoing them); the waiting VF matches on the ID, so it is not rejected here.
        if ack == nack {
            return Err(MalformedMessage::BadReplyFlags(head));
        }
        if message_id == id::RESET && ack {
            if words.len() < 3 {
                return Err(MalformedMessage::Truncated {
                    id: message_id,
                    needed: 3,
                    got: words.len(),
                });
            }
            return Ok(Self::ResetAck {
                mac: mac_from_words(words[1], words[2]),
                cts,
            });
        }
        Ok(Self::Reply {
            id: message_id,
            info,
            accepted: ack,
            cts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout_matches_the_reference() {
        assert_eq!(header::ACK, 0x8000_0000);
        assert_eq!(header::NACK, 0x4000_0000);
        assert_eq!(header::CTS, 0x2000_0000);
        assert_eq!(make_header(id::SET_MULTICAST, 30), 0x001E_0003);
        assert_eq!(header_id(0x2003_0100), id::PF_CONTROL);
        assert_eq!(header_info(0x001E_0003), 30);
    }

    #[test]
    fn mac_is_byte_packed_little_endian() {
        let mac = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
        let message = VfRequest::SetMacAddr(mac).encode();
        assert_eq!(message.words(), &[0x0000_0002, 0x3322_1102, 0x0000_5544]);
        assert_eq!(
            VfRequest::decode(message.words()),
            Ok(VfRequest::SetMacAddr(mac))
        );
        let reply = PfMessage::ResetAck { mac, cts: true }.encode();
        assert_eq!(reply.words(), &[0xA000_0001, 0x3322_1102, 0x0000_5544]);
    }

    #[test]
    fn multicast_hashes_pack_two_per_word() {
        let hashes = MulticastHashes::new(&[0x010, 0xEFC, 0x123]).unwrap();
        let message = VfRequest::SetMulticast {
            hashes,
            overflow: false,
        }
        .encode();
        assert_eq!(message.words(), &[0x0003_0003, 0x0EFC_0010, 0x0000_0123]);
        assert!(MulticastHashes::new(&[0; 31]).is_none());
        let full = MulticastHashes::new(&[7; 30]).unwrap();
        let message = VfRequest::SetMulticast {
            hashes: full,
            overflow: true,
        }
        .encode();
        assert_eq!(message.len(), 16);
        assert_eq!(header_info(message.header()), 30 | MULTICAST_OVERFLOW);
    }

    #[test]
    fn hostile_requests_are_classified() {
        assert_eq!(
            VfRequest::decode(&[0x0000_0042]),
            Err(MalformedMessage::UnknownOpcode(0x42))
        );
        assert_eq!(
            VfRequest::decode(&[make_header(id::SET_MULTICAST, 31); 16]),
            Err(MalformedMessage::MulticastCountTooLarge(31))
        );
        assert_eq!(
            VfRequest::decode(&[make_header(id::SET_VLAN, 1), 4096]),
            Err(MalformedMessage::BadVlanId(4096))
        );
        assert_eq!(
            VfRequest::decode(&[make_header(id::SET_VLAN, 2), 5]),
            Err(MalformedMessage::BadInfo {
                id: id::SET_VLAN,
                info: 2
            })
        );
        // Linux igbvf's MAC-filter sub-commands decode; any other MSGINFO does not.
        assert_eq!(
            VfRequest::decode(&[make_header(id::SET_MAC_ADDR, 1), 0, 0]),
            Ok(VfRequest::ClearMacFilters)
        );
        assert_eq!(
            VfRequest::decode(&[make_header(id::SET_MAC_ADDR, 2), 0x0300_0002, 0x0504]),
            Ok(VfRequest::AddMacFilter([2, 0, 0, 3, 4, 5]))
        );
        assert_eq!(
            VfRequest::decode(&[make_header(id::SET_MAC_ADDR, 3), 0, 0]),
            Err(MalformedMessage::BadInfo {
                id: id::SET_MAC_ADDR,
                info: 3
            })
        );
        assert_eq!(
            VfRequest::decode(&[make_header(id::SET_MAC_ADDR, 0), 1]),
            Err(MalformedMessage::Truncated {
                id: id::SET_MAC_ADDR,
                needed: 3,
                got: 2
            })
        );
        assert_eq!(
            VfRequest::decode(&[id::RESET as u32 | header::ACK]),
            Err(MalformedMessage::BadHeaderFlags(0x8000_0001))
        );
        assert_eq!(
            VfRequest::decode(&[]),
            Err(MalformedMessage::BadLength { len: 0 })
        );
        assert_eq!(
            VfRequest::decode(&[0; 17]),
            Err(MalformedMessage::BadLength { len: 17 })
        );
    }

    #[test]
    fn pf_messages_round_trip() {
        for message in [
            PfMessage::ResetAck {
                mac: [2, 0, 0, 0, 0, 9],
                cts: false,
            },
            PfMessage::Reply {
                id: id::RESET,
                info: 0,
                accepted: false,
                cts: true,
            },
            PfMessage::Reply {
                id: id::SET_VLAN,
                info: 1,
                accepted: true,
                cts: true,
            },
            PfMessage::Control { cts: true },
            PfMessage::Control { cts: false },
        ] {
            assert_eq!(PfMessage::decode(message.encode().words()), Ok(message));
        }
        assert_eq!(
            PfMessage::decode(&[0xC000_0002]),
            Err(MalformedMessage::BadReplyFlags(0xC000_0002))
        );
        assert_eq!(
            PfMessage::decode(&[0x0000_0002]),
            Err(MalformedMessage::BadReplyFlags(0x0000_0002))
        );
        // A Linux PF's NACK-flavoured ping to a VF that is not CTS is still a ping.
        assert_eq!(
            PfMessage::decode(&[0x4000_0100]),
            Ok(PfMessage::Control { cts: false })
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn any_request() -> impl Strategy<Value = VfRequest> {
            prop_oneof![
                Just(VfRequest::Reset),
                any::<[u8; 6]>().prop_map(VfRequest::SetMacAddr),
                Just(VfRequest::ClearMacFilters),
                any::<[u8; 6]>().prop_map(VfRequest::AddMacFilter),
                (
                    proptest::collection::vec(0u16..0x1000, 0..=30),
                    any::<bool>()
                )
                    .prop_map(|(hashes, overflow)| VfRequest::SetMulticast {
                        hashes: MulticastHashes::new(&hashes).unwrap(),
                        overflow
                    }),
                (0u16..0x1000, any::<bool>()).prop_map(|(vid, add)| VfRequest::SetVlan {
                    vid: VlanId::new(vid).unwrap(),
                    add
                }),
                any::<u32>().prop_map(|max_frame| VfRequest::SetLpe { max_frame }),
                (any::<bool>(), any::<bool>())
                    .prop_map(|(unicast, multicast)| VfRequest::SetPromisc { unicast, multicast }),
            ]
        }

        proptest! {
            #[test]
            fn decoding_random_words_never_panics(words in proptest::collection::vec(any::<u32>(), 0..=20)) {
                let request = VfRequest::decode(&words);
                let reply = PfMessage::decode(&words);
                // Whatever decodes must re-encode to a message that decodes to the same value
                // (decoding is a function of the meaningful words only).
                if let Ok(request) = request {
                    prop_assert_eq!(VfRequest::decode(request.encode().words()), Ok(request));
                }
                if let Ok(reply) = reply {
                    prop_assert_eq!(PfMessage::decode(reply.encode().words()), Ok(reply));
                }
            }

            #[test]
            fn near_valid_headers_decode_totally_and_consistently(
                message_id in prop_oneof![0u16..8, Just(id::PF_CONTROL), any::<u16>()],
                info in any::<u8>(),
                flags in 0u32..8,
                payload in any::<[u32; 15]>(),
                len in 1usize..=16,
            ) {
                let mut words = [0u32; 16];
                words[0] = make_header(message_id, info) | (flags << 29);
                words[1..].copy_from_slice(&payload);
                let words = &words[..len];
                match VfRequest::decode(words) {
                    Ok(request) => {
                        prop_assert_eq!(request.id(), message_id);
                        prop_assert_eq!(flags, 0, "requests never carry reply flags");
                        prop_assert_eq!(VfRequest::decode(request.encode().words()), Ok(request));
                        if let VfRequest::SetMulticast { hashes, .. } = request {
                            prop_assert!(hashes.len() <= MAX_MULTICAST_HASHES);
                        }
                    }
                    Err(MalformedMessage::Truncated { needed, got, .. }) => {
                        prop_assert!(got < needed && needed <= MESSAGE_WORDS);
                    }
                    Err(MalformedMessage::MulticastCountTooLarge(count)) => {
                        prop_assert!(usize::from(count) > MAX_MULTICAST_HASHES);
                    }
                    Err(_) => {}
                }
                if let Ok(reply) = PfMessage::decode(words) {
                    prop_assert_eq!(PfMessage::decode(reply.encode().words()), Ok(reply));
                }
            }

            #[test]
            fn valid_requests_round_trip(request in any_request(), stale in any::<[u32; 16]>()) {
                let encoded = request.encode();
                prop_assert_eq!(VfRequest::decode(encoded.words()), Ok(request));
                // Stale words after the message (what VMBMEM really holds) do not matter.
                let mut buffer = stale;
                buffer[..encoded.len()].copy_from_slice(encoded.words());
                prop_assert_eq!(VfRequest::decode(&buffer), Ok(request));
            }
        }
    }
}
