//! Advanced descriptor formats (16 bytes, two little-endian `u64`s) with encoders for what
//! software writes and validating decoders for what hardware writes back.
//!
//! Source: `igb-hardware.md` §4.2 (Rx read / write-back), §4.3 (Tx data), §4.4 (Tx context);
//! Linux `e1000_82575.h` `union e1000_adv_rx_desc` / `e1000_adv_tx_desc`.

use hw_platform::DmaAddr;

/// Size of every descriptor in bytes.
pub const DESC_SIZE: usize = 16;

/// A raw descriptor: `[QW0, QW1]` as the device sees them in memory (little-endian).
pub type RawDesc = [u64; 2];

// ---- Rx ----

/// Rx write-back status bits (dword 2, bits 19:0).
pub mod rx_status {
    /// Descriptor done.
    pub const DD: u32 = 1 << 0;
    /// End of packet.
    pub const EOP: u32 = 1 << 1;
    /// VLAN tag stripped into the descriptor.
    pub const VP: u32 = 1 << 3;
    /// UDP checksum computed.
    pub const UDPCS: u32 = 1 << 4;
    /// L4 (TCP/UDP) checksum computed.
    pub const L4CS: u32 = 1 << 5;
    /// IPv4 header checksum computed.
    pub const IPCS: u32 = 1 << 6;
    /// Looped back from another pool (not reported by QEMU, §8).
    pub const LB: u32 = 1 << 18;
}

/// Rx write-back error bits (dword 2, bits 31:20).
pub mod rx_error {
    /// Header buffer overflow (header split only).
    pub const HBO: u32 = 1 << 23;
    /// L4 checksum error.
    pub const L4E: u32 = 1 << 29;
    /// IPv4 checksum error.
    pub const IPE: u32 = 1 << 30;
    /// Rx data error (CRC, symbol, ...): the frame is bad.
    pub const RXE: u32 = 1 << 31;
}

/// The Rx read format: where the device may write a packet. The header address (QW1) is 0:
/// its bit 0 overlaps DD, so writing 0 also clears a stale DD (§4.2).
#[must_use]
pub const fn rx_read(buffer: DmaAddr) -> RawDesc {
    [buffer.as_u64(), 0]
}

/// Result of a checksum the device verified.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Checksum {
    /// The device did not check it.
    NotChecked,
    /// Checked and correct.
    Good,
    /// Checked and wrong.
    Bad,
}

/// A decoded Rx write-back (before validation against the posted buffer).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RxWriteBack {
    /// RSS type (dword 0 bits 3:0).
    pub rss_type: u8,
    /// Packet type (dword 0 bits 15:4).
    pub packet_type: u16,
    /// RSS hash (or IP id + checksum), dword 1.
    pub rss_hash: u32,
    /// Status bits 19:0.
    pub status: u32,
    /// Error bits 31:20 (in place).
    pub errors: u32,
    /// Bytes written into this buffer.
    pub length: u16,
    /// Stripped VLAN tag (meaningful with VP).
    pub vlan: u16,
}

impl RxWriteBack {
    /// Splits a raw write-back into its fields.
    #[must_use]
    pub const fn decode(raw: RawDesc) -> Self {
        let [qw0, qw1] = raw;
        let dword0 = qw0 as u32;
        let status_error = qw1 as u32;
        let dword3 = (qw1 >> 32) as u32;
        Self {
            rss_type: (dword0 & 0xF) as u8,
            packet_type: ((dword0 >> 4) & 0xFFF) as u16,
            rss_hash: (qw0 >> 32) as u32,
            status: status_error & 0x000F_FFFF,
            errors: status_error & 0xFFF0_0000,
            length: dword3 as u16,
            vlan: (dword3 >> 16) as u16,
        }
    }

    /// Encodes a write-back (what a device model writes).
    #[must_use]
    pub const fn encode(&self) -> RawDesc {
        let dword0 = (self.rss_type as u64 & 0xF) | ((self.packet_type as u64 & 0xFFF) << 4);
        let qw0 = dword0 | ((self.rss_hash as u64) << 32);
        let status_error = ((self.status & 0x000F_FFFF) | (self.errors & 0xFFF0_0000)) as u64;
        let dword3 = (self.length as u64) | ((self.vlan as u64) << 16);
        [qw0, status_error | (dword3 << 32)]
    }

    /// Whether the device has finished with the descriptor.
    #[must_use]
    pub const fn done(&self) -> bool {
        self.status & rx_status::DD != 0
    }

    /// Checks a done write-back against the buffer that was posted (`posted_len` bytes). The
    /// engine posts one buffer per frame (SRRCTL one-buffer, RLPML ≤ buffer), so EOP must be
    /// set; the length must be non-zero and fit the buffer; the frame must not carry RXE/HBO.
    pub const fn validate(&self, posted_len: u32) -> Result<RxFrameInfo, BadWriteBack> {
        if self.done() && self.status & rx_status::EOP == 0 {
            return Err(BadWriteBack::MissingEop);
        }
        self.validate_fragment(posted_len)
    }

    /// As [`RxWriteBack::validate`], but a done descriptor without EOP is accepted as one
    /// buffer of a frame that spans several (82576 datasheet 7.1.4/7.1.5: a frame larger than
    /// SRRCTL.BSIZEPACKET continues in the next descriptors, EOP only on the last);
    /// [`RxFrameInfo::end_of_packet`] tells which. Only the EOP descriptor's status and
    /// offload fields mean anything (§4.2 of igb-hardware.md); RXE/HBO on any buffer rejects
    /// it, so the caller drops the whole frame.
    pub const fn validate_fragment(&self, posted_len: u32) -> Result<RxFrameInfo, BadWriteBack> {
        if !self.done() {
            return Err(BadWriteBack::NotDone);
        }
        if self.length == 0 || self.length as u32 > posted_len {
            return Err(BadWriteBack::BadLength {
                length: self.length,
                posted: posted_len,
            });
        }
        if self.errors & (rx_error::RXE | rx_error::HBO) != 0 {
            return Err(BadWriteBack::FrameError {
                errors: self.errors,
            });
        }
        let ip_checksum = if self.status & rx_status::IPCS == 0 {
            Checksum::NotChecked
        } else if self.errors & rx_error::IPE != 0 {
            Checksum::Bad
        } else {
            Checksum::Good
        };
        let l4_checksum = if self.status & (rx_status::L4CS | rx_status::UDPCS) == 0 {
            Checksum::NotChecked
        } else if self.errors & rx_error::L4E != 0 {
            Checksum::Bad
        } else {
            Checksum::Good
        };
        Ok(RxFrameInfo {
            length: self.length,
            vlan: if self.status & rx_status::VP != 0 {
                Some(self.vlan)
            } else {
                None
            },
            rss_hash: self.rss_hash,
            rss_type: self.rss_type,
            packet_type: self.packet_type,
            ip_checksum,
            l4_checksum,
            looped_back: self.status & rx_status::LB != 0,
            end_of_packet: self.status & rx_status::EOP != 0,
        })
    }
}

/// What a validated Rx write-back tells the upper layer about a frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RxFrameInfo {
    /// Frame length in the buffer (≤ the posted buffer length, > 0).
    pub length: u16,
    /// Stripped VLAN tag, if the device stripped one (raw; the I350 byte-swaps it on
    /// loop-backed frames, `GenerationTraits::rx_loopback_vlan_byteswap`).
    pub vlan: Option<u16>,
    /// RSS hash.
    pub rss_hash: u32,
    /// RSS type.
    pub rss_type: u8,
    /// Packet type bits.
    pub packet_type: u16,
    /// IPv4 header checksum result.
    pub ip_checksum: Checksum,
    /// TCP/UDP checksum result.
    pub l4_checksum: Checksum,
    /// Looped back from another pool.
    pub looped_back: bool,
    /// The frame's last buffer (EOP). Always set from [`RxWriteBack::validate`]; clear only
    /// from [`RxWriteBack::validate_fragment`] for a buffer a frame continues after.
    pub end_of_packet: bool,
}

/// Why an Rx write-back was rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BadWriteBack {
    /// DD clear (not a write-back at all).
    NotDone,
    /// DD without EOP on a ring that does not take multi-buffer frames.
    MissingEop,
    /// EOP without DD: hardware never writes that; the descriptor is corrupt.
    EopWithoutDone,
    /// Length 0 or longer than the posted buffer.
    BadLength {
        /// Length claimed.
        length: u16,
        /// Buffer length posted.
        posted: u32,
    },
    /// RXE or HBO set.
    FrameError {
        /// The error bits.
        errors: u32,
    },
}

// ---- Tx ----

/// Tx data/context command bits (cmd_type_len).
pub mod tx_cmd {
    /// Descriptor type field shift (bits 23:20).
    pub const DTYP_SHIFT: u32 = 20;
    /// Data descriptor type.
    pub const DTYP_DATA: u32 = 0b0011 << DTYP_SHIFT;
    /// Context descriptor type.
    pub const DTYP_CONTEXT: u32 = 0b0010 << DTYP_SHIFT;
    /// End of packet.
    pub const EOP: u32 = 1 << 24;
    /// Insert FCS.
    pub const IFCS: u32 = 1 << 25;
    /// Report status (write DD back).
    pub const RS: u32 = 1 << 27;
    /// Extended (advanced) descriptor.
    pub const DEXT: u32 = 1 << 29;
    /// Insert VLAN from the context.
    pub const VLE: u32 = 1 << 30;
    /// TCP segmentation.
    pub const TSE: u32 = 1 << 31;
    /// Buffer length mask (bits 15:0).
    pub const LEN_MASK: u32 = 0xFFFF;
}

/// Tx olinfo_status bits.
pub mod tx_olinfo {
    /// Descriptor done (written back).
    pub const DD: u32 = 1 << 0;
    /// Context slot index shift (bit 4).
    pub const IDX_SHIFT: u32 = 4;
    /// Insert IPv4 header checksum.
    pub const IXSM: u32 = 1 << 8;
    /// Insert L4 checksum.
    pub const TXSM: u32 = 1 << 9;
    /// PAYLEN shift (bits 31:14).
    pub const PAYLEN_SHIFT: u32 = 14;
    /// Largest PAYLEN (18 bits).
    pub const PAYLEN_MAX: u32 = (1 << 18) - 1;
}

/// L4 protocol for a Tx context (TUCMD.L4T).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum L4Type {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
    /// SCTP.
    Sctp,
}

/// A Tx context descriptor (§4.4): header lengths, VLAN, checksum/TSO parameters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TxContext {
    /// VLAN tag inserted when a data descriptor sets VLE.
    pub vlan: u16,
    /// L2 header length (≤ 127).
    pub mac_len: u8,
    /// L3 header length (≤ 511).
    pub ip_len: u16,
    /// IPv4 (true) or IPv6.
    pub ipv4: bool,
    /// L4 protocol.
    pub l4: L4Type,
    /// TCP header length (TSO).
    pub l4_len: u8,
    /// Maximum segment size (TSO).
    pub mss: u16,
}

impl TxContext {
    /// The raw descriptor for context slot `slot` (0 or 1), or `None` if a field exceeds its
    /// width (MACLEN 7 bits, IPLEN 9 bits; Linux limits, §4.4).
    #[must_use]
    pub const fn encode(&self, slot: u8) -> Option<RawDesc> {
        if self.mac_len > 127 || self.ip_len > 511 || slot > 1 {
            return None;
        }
        let vlan_macip_lens =
            (self.ip_len as u32) | ((self.mac_len as u32) << 9) | ((self.vlan as u32) << 16);
        let l4t = match self.l4 {
            L4Type::Udp => 0b00,
            L4Type::Tcp => 0b01,
            L4Type::Sctp => 0b10,
        };
        let ipv4 = if self.ipv4 { 1 << 10 } else { 0 };
        let type_tucmd_mlhl = ipv4 | (l4t << 11) | tx_cmd::DTYP_CONTEXT | tx_cmd::DEXT;
        let mss_l4len_idx =
            ((slot as u32) << 4) | ((self.l4_len as u32) << 8) | ((self.mss as u32) << 16);
        // seqnum_seed (dword 1) is 0 for normal use.
        Some([
            vlan_macip_lens as u64,
            (type_tucmd_mlhl as u64) | ((mss_l4len_idx as u64) << 32),
        ])
    }
}

/// Offload requests carried by a Tx data descriptor.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TxDataFlags {
    /// Insert the context's VLAN tag.
    pub vlan_insert: bool,
    /// TCP segmentation.
    pub tso: bool,
    /// Insert the IPv4 header checksum.
    pub ip_checksum: bool,
    /// Insert the L4 checksum.
    pub l4_checksum: bool,
}

/// Encodes a Tx data descriptor. `paylen` goes into every descriptor (only the first one's
/// olinfo matters to the hardware, §4.3); `last` sets EOP and RS. `None` if `len` is 0 or
/// `paylen` exceeds 18 bits.
#[must_use]
pub const fn tx_data(
    buffer: DmaAddr,
    len: u16,
    last: bool,
    flags: TxDataFlags,
    paylen: u32,
    context_slot: Option<u8>,
) -> Option<RawDesc> {
    if len == 0 || paylen > tx_olinfo::PAYLEN_MAX {
        return None;
    }
    let mut cmd = (len as u32) | tx_cmd::DTYP_DATA | tx_cmd::IFCS | tx_cmd::DEXT;
    if last {
        cmd |= tx_cmd::EOP | tx_cmd::RS;
    }
    if flags.vlan_insert {
        cmd |= tx_cmd::VLE;
    }
    if flags.tso {
        cmd |= tx_cmd::TSE;
    }
    let mut olinfo = paylen << tx_olinfo::PAYLEN_SHIFT;
    if flags.ip_checksum {
        olinfo |= tx_olinfo::IXSM;
    }
    if flags.l4_checksum {
        olinfo |= tx_olinfo::TXSM;
    }
    if let Some(slot) = context_slot {
        olinfo |= ((slot & 1) as u32) << tx_olinfo::IDX_SHIFT;
    }
    Some([buffer.as_u64(), (cmd as u64) | ((olinfo as u64) << 32)])
}

/// Whether a Tx descriptor's write-back has DD (olinfo/status dword, bit 0).
#[must_use]
pub const fn tx_done(raw: RawDesc) -> bool {
    ((raw[1] >> 32) as u32) & tx_olinfo::DD != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rx_writeback_round_trip_and_validation() {
        let wb = RxWriteBack {
            rss_type: 1,
            packet_type: 0x11,
            rss_hash: 0xDEAD_BEEF,
            status: rx_status::DD
                | rx_status::EOP
                | rx_status::VP
                | rx_status::IPCS
                | rx_status::L4CS,
            errors: rx_error::L4E,
            length: 60,
            vlan: 100,
        };
        assert_eq!(RxWriteBack::decode(wb.encode()), wb);
        let info = wb.validate(2048).unwrap();
        assert_eq!(info.length, 60);
        assert_eq!(info.vlan, Some(100));
        assert_eq!(
            (info.ip_checksum, info.l4_checksum),
            (Checksum::Good, Checksum::Bad)
        );
        assert_eq!(
            wb.validate(59),
            Err(BadWriteBack::BadLength {
                length: 60,
                posted: 59
            })
        );
        let no_eop = RxWriteBack {
            status: rx_status::DD,
            ..wb
        };
        assert_eq!(no_eop.validate(2048), Err(BadWriteBack::MissingEop));
        let crc = RxWriteBack {
            errors: rx_error::RXE,
            ..wb
        };
        assert!(matches!(
            crc.validate(2048),
            Err(BadWriteBack::FrameError { .. })
        ));
        let zero = RxWriteBack { length: 0, ..wb };
        assert!(matches!(
            zero.validate(2048),
            Err(BadWriteBack::BadLength { .. })
        ));
        // The read format clears DD.
        assert!(!RxWriteBack::decode(rx_read(DmaAddr::new(0x1000))).done());
    }

    #[test]
    fn tx_descriptor_layout() {
        let flags = TxDataFlags {
            l4_checksum: true,
            ip_checksum: true,
            ..TxDataFlags::default()
        };
        let raw = tx_data(DmaAddr::new(0xABC0), 60, true, flags, 60, Some(0)).unwrap();
        assert_eq!(raw[0], 0xABC0);
        let cmd = raw[1] as u32;
        assert_eq!(cmd & 0xFFFF, 60);
        assert_eq!(cmd & 0x00F0_0000, 0x0030_0000);
        assert_ne!(cmd & tx_cmd::EOP, 0);
        assert_ne!(cmd & tx_cmd::RS, 0);
        assert_ne!(cmd & tx_cmd::DEXT, 0);
        let olinfo = (raw[1] >> 32) as u32;
        assert_eq!(olinfo >> 14, 60);
        assert_eq!(olinfo & 0x300, 0x300);
        assert!(!tx_done(raw));
        assert!(tx_data(DmaAddr::new(0), 0, true, flags, 0, None).is_none());
        assert!(tx_data(DmaAddr::new(0), 1, true, flags, 1 << 18, None).is_none());
        let context = TxContext {
            vlan: 5,
            mac_len: 14,
            ip_len: 20,
            ipv4: true,
            l4: L4Type::Tcp,
            l4_len: 20,
            mss: 1448,
        };
        let raw = context.encode(1).unwrap();
        assert_eq!(raw[0] as u32, 20 | (14 << 9) | (5 << 16));
        let tucmd = raw[1] as u32;
        assert_eq!(
            tucmd,
            (1 << 10) | (1 << 11) | tx_cmd::DTYP_CONTEXT | tx_cmd::DEXT
        );
        assert_eq!((raw[1] >> 32) as u32, (1 << 4) | (20 << 8) | (1448 << 16));
        assert!(
            TxContext {
                mac_len: 128,
                ..context
            }
            .encode(0)
            .is_none()
        );
    }
}
