//! Receive-filter encodings: RAR (MAC + POOLSEL), VLVF, MTA/UTA hashing and VMOLR.
//!
//! Source: `igb-hardware.md` §2.2, §2.3 (Linux `e1000_defines.h`, `e1000_mac.c`
//! `e1000_hash_mc_addr`, QEMU `igb_core.c`). Decoders take raw register values (possibly read
//! back from a misbehaving device) and ignore reserved bits rather than trusting them.

use crate::ids::Generation;
use crate::regs::pf::{HASH_TABLE_REGS, rah_bits, vlvf_bits};
use crate::regs::{GenerationTraits, PoolMask};

/// A 6-byte Ethernet MAC address, in wire order.
pub type MacAddr = [u8; 6];

/// Whether `mac` is a multicast (or broadcast) address: I/G bit of the first byte.
#[must_use]
pub const fn is_multicast(mac: &MacAddr) -> bool {
    mac[0] & 1 != 0
}

/// Whether `mac` can be a station address: not multicast, not all zeros (Linux
/// `is_valid_ether_addr`, which the PF applies to VF SET_MAC_ADDR requests).
#[must_use]
pub const fn is_valid_unicast(mac: &MacAddr) -> bool {
    !is_multicast(mac) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0
}

/// One receive-address (RAR) entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RarEntry {
    /// The destination MAC matched.
    pub mac: MacAddr,
    /// The pools a match delivers to.
    pub pools: PoolMask,
    /// Whether the entry is enabled (RAH.AV).
    pub valid: bool,
}

impl RarEntry {
    /// An enabled entry for `mac` delivering to `pools`.
    #[must_use]
    pub const fn new(mac: MacAddr, pools: PoolMask) -> Self {
        Self {
            mac,
            pools,
            valid: true,
        }
    }

    /// The cleared (disabled) entry.
    pub const CLEARED: Self = Self {
        mac: [0; 6],
        pools: PoolMask::EMPTY,
        valid: false,
    };

    /// `(RAL, RAH)`: MAC bytes 0-3 little-endian in RAL, bytes 4-5 in RAH 15:0, POOLSEL in
    /// RAH 25:18, AV in RAH 31; ASEL = 0 (destination address).
    #[must_use]
    pub const fn encode(&self) -> (u32, u32) {
        let m = self.mac;
        let low = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
        let mut high = (m[4] as u32) | ((m[5] as u32) << 8);
        high |= (self.pools.0 as u32) << rah_bits::POOLSEL_SHIFT;
        if self.valid {
            high |= rah_bits::AV;
        }
        (low, high)
    }

    /// Decodes an entry from `(RAL, RAH)`; ASEL and reserved bits are ignored.
    #[must_use]
    pub const fn decode(low: u32, high: u32) -> Self {
        let l = low.to_le_bytes();
        let h = high.to_le_bytes();
        Self {
            mac: [l[0], l[1], l[2], l[3], h[0], h[1]],
            pools: PoolMask(((high & rah_bits::POOLSEL_MASK) >> rah_bits::POOLSEL_SHIFT) as u8),
            valid: high & rah_bits::AV != 0,
        }
    }
}

/// The RAR index Linux/DPDK give VF `vf`'s MAC: the table is filled from the end
/// (`rar_entries - 1 - vf`), RAR0 being the PF's own address (§2.3). `None` if `vf` is not a
/// pool of this generation.
#[must_use]
pub const fn vf_rar_index(generation: Generation, vf: usize) -> Option<usize> {
    let traits = GenerationTraits::of(generation);
    if vf >= traits.pools {
        return None;
    }
    Some(traits.rar_entries - 1 - vf)
}

/// A 12-bit VLAN ID (0..=4095).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct VlanId(u16);

impl VlanId {
    /// VID 0: an 802.1p priority tag, no VLAN (IEEE 802.1Q 9.6).
    pub const PRIORITY_TAG: Self = Self(0);

    /// `Some` when `vid` fits in 12 bits.
    #[must_use]
    pub const fn new(vid: u16) -> Option<Self> {
        if vid <= 0xFFF { Some(Self(vid)) } else { None }
    }

    /// The numeric ID.
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0
    }

    /// `(VFTA register index, bit)` of this VID in the global VLAN filter table.
    #[must_use]
    pub const fn vfta_bit(self) -> HashBit {
        HashBit::from_hash(self.0)
    }
}

/// One VLVF entry (VLAN → pools).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VlvfEntry {
    /// The VLAN matched.
    pub vid: VlanId,
    /// Pools accepting this VLAN.
    pub pools: PoolMask,
    /// Whether the entry is enabled (VI_EN).
    pub enabled: bool,
}

impl VlvfEntry {
    /// The register value.
    #[must_use]
    pub const fn encode(&self) -> u32 {
        let mut value = self.vid.0 as u32 | ((self.pools.0 as u32) << vlvf_bits::POOLSEL_SHIFT);
        if self.enabled {
            value |= vlvf_bits::VI_EN;
        }
        value
    }

    /// Decodes a register value (LVLAN and reserved bits ignored).
    #[must_use]
    pub const fn decode(value: u32) -> Self {
        Self {
            // Masked to 12 bits, so always a valid VlanId.
            vid: VlanId((value & vlvf_bits::VID_MASK) as u16),
            pools: PoolMask(((value & vlvf_bits::POOLSEL_MASK) >> vlvf_bits::POOLSEL_SHIFT) as u8),
            enabled: value & vlvf_bits::VI_EN != 0,
        }
    }
}

/// A bit in a 4096-bit table of 128 32-bit registers (MTA, UTA, VFTA).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HashBit {
    /// Register index (0..128).
    pub register: usize,
    /// Bit within the register (0..32).
    pub bit: u32,
}

impl HashBit {
    /// The bit for a 12-bit hash value; higher bits of `hash` (e.g. from a VF's SET_MULTICAST
    /// list) are masked off, so the result is always in range.
    #[must_use]
    pub const fn from_hash(hash: u16) -> Self {
        let hash = hash & 0xFFF;
        Self {
            register: (hash >> 5) as usize & (HASH_TABLE_REGS - 1),
            bit: (hash & 0x1F) as u32,
        }
    }

    /// The single-bit mask within the register.
    #[must_use]
    pub const fn mask(self) -> u32 {
        1 << self.bit
    }
}

/// The 12-bit MTA/UTA hash of `mac` for filter type 0 (RCTL.MO = 0, as Linux uses): DA bits
/// 47:36, i.e. `(mac[4] >> 4) | (mac[5] << 4)` (§2.3). This is also the value a VF sends in its
/// SET_MULTICAST list.
#[must_use]
pub const fn mac_hash(mac: &MacAddr) -> u16 {
    (((mac[4] >> 4) as u16) | ((mac[5] as u16) << 4)) & 0xFFF
}

/// MTA bit of a multicast address.
#[must_use]
pub const fn mta_bit(mac: &MacAddr) -> HashBit {
    HashBit::from_hash(mac_hash(mac))
}

/// UTA bit of a unicast address (same hash function as the MTA).
#[must_use]
pub const fn uta_bit(mac: &MacAddr) -> HashBit {
    HashBit::from_hash(mac_hash(mac))
}

/// VMOLR: per-pool receive offload and filter control (§2.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Vmolr {
    /// Per-pool max frame length incl. CRC (RLPML, bits 13:0), honoured with `lpe`.
    pub rlpml: u16,
    /// Long packet enable.
    pub lpe: bool,
    /// RSS inside the pool.
    pub rsse: bool,
    /// VLAN promiscuous (I350).
    pub vpe: bool,
    /// Accept untagged packets.
    pub aupe: bool,
    /// Accept MTA-hash multicast.
    pub rompe: bool,
    /// Accept UTA-hash unicast.
    pub rope: bool,
    /// Accept broadcast.
    pub bam: bool,
    /// Multicast promiscuous.
    pub mpme: bool,
    /// Unicast promiscuous (I350).
    pub upe: bool,
    /// Strip VLAN (82576; I350 uses DVMOLR).
    pub strvlan: bool,
    /// Strip CRC.
    pub strcrc: bool,
}

/// VMOLR bit positions.
pub mod vmolr_bits {
    /// RLPML field mask (bits 13:0).
    pub const RLPML_MASK: u32 = 0x3FFF;
    /// Long packet enable.
    pub const LPE: u32 = 1 << 16;
    /// RSS enable in the pool.
    pub const RSSE: u32 = 1 << 17;
    /// VLAN promiscuous (I350).
    pub const VPE: u32 = 1 << 23;
    /// Accept untagged.
    pub const AUPE: u32 = 1 << 24;
    /// Accept MTA-hash multicast.
    pub const ROMPE: u32 = 1 << 25;
    /// Accept UTA-hash unicast.
    pub const ROPE: u32 = 1 << 26;
    /// Broadcast accept.
    pub const BAM: u32 = 1 << 27;
    /// Multicast promiscuous.
    pub const MPME: u32 = 1 << 28;
    /// Unicast promiscuous (I350).
    pub const UPE: u32 = 1 << 29;
    /// Strip VLAN.
    pub const STRVLAN: u32 = 1 << 30;
    /// Strip CRC.
    pub const STRCRC: u32 = 1 << 31;
}

const fn flag(on: bool, bit: u32) -> u32 {
    if on { bit } else { 0 }
}

/// Largest per-pool frame Linux lets a VF ask for with SET_LPE (§5.3).
pub const MAX_POOL_FRAME: u16 = 0x3F00;

impl Vmolr {
    /// The usual VF/PF pool setting: accept broadcast, untagged and MTA-hash multicast, strip
    /// CRC, standard 1522-byte frames (1500 + header + VLAN + CRC).
    #[must_use]
    pub const fn default_pool() -> Self {
        Self {
            rlpml: 1522,
            lpe: true,
            rsse: false,
            vpe: false,
            aupe: true,
            rompe: true,
            rope: false,
            bam: true,
            mpme: false,
            upe: false,
            strvlan: false,
            strcrc: true,
        }
    }

    /// This setting with the max frame length set to `max_frame` (as a VF's SET_LPE asks).
    /// `None` when `max_frame` is below the Ethernet minimum (64) or above [`MAX_POOL_FRAME`].
    #[must_use]
    pub const fn with_max_frame(self, max_frame: u32) -> Option<Self> {
        if max_frame < 64 || max_frame > MAX_POOL_FRAME as u32 {
            return None;
        }
        // max_frame <= 0x3F00 fits in u16 and in the 14-bit field.
        Some(Self {
            rlpml: max_frame as u16,
            lpe: true,
            ..self
        })
    }

    /// The register value.
    #[must_use]
    pub const fn encode(&self) -> u32 {
        use vmolr_bits::*;
        (self.rlpml as u32 & RLPML_MASK)
            | flag(self.lpe, LPE)
            | flag(self.rsse, RSSE)
            | flag(self.vpe, VPE)
            | flag(self.aupe, AUPE)
            | flag(self.rompe, ROMPE)
            | flag(self.rope, ROPE)
            | flag(self.bam, BAM)
            | flag(self.mpme, MPME)
            | flag(self.upe, UPE)
            | flag(self.strvlan, STRVLAN)
            | flag(self.strcrc, STRCRC)
    }

    /// Decodes a register value.
    #[must_use]
    pub const fn decode(value: u32) -> Self {
        use vmolr_bits::*;
        Self {
            rlpml: (value & RLPML_MASK) as u16,
            lpe: value & LPE != 0,
            rsse: value & RSSE != 0,
            vpe: value & VPE != 0,
            aupe: value & AUPE != 0,
            rompe: value & ROMPE != 0,
            rope: value & ROPE != 0,
            bam: value & BAM != 0,
            mpme: value & MPME != 0,
            upe: value & UPE != 0,
            strvlan: value & STRVLAN != 0,
            strcrc: value & STRCRC != 0,
        }
    }
}

/// What the PF's own pool accepts: the receive filter an upper layer asks for (NDIS
/// `OID_GEN_CURRENT_PACKET_FILTER` bits map one to one), independent of NDIS.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RxMode {
    /// Unicast to the PF's own MAC (RAR0).
    pub directed: bool,
    /// Multicast whose MTA hash is in the PF's multicast list.
    pub multicast: bool,
    /// Every multicast.
    pub all_multicast: bool,
    /// Broadcast.
    pub broadcast: bool,
    /// Every frame the port sees that no VF pool claims exclusively.
    pub promiscuous: bool,
}

impl RxMode {
    /// Accept nothing: the PF pool is not a candidate for any frame.
    pub const NONE: Self = Self {
        directed: false,
        multicast: false,
        all_multicast: false,
        broadcast: false,
        promiscuous: false,
    };

    /// Whether any frame can reach the PF pool.
    #[must_use]
    pub const fn accepts_anything(&self) -> bool {
        self.directed || self.multicast || self.all_multicast || self.broadcast || self.promiscuous
    }

    /// Whether RAR0 (the PF's MAC) stays valid: for directed frames, and in promiscuous mode
    /// so that frames from the VFs to the PF are still switched internally (§6).
    #[must_use]
    pub const fn pf_rar_valid(&self) -> bool {
        self.directed || self.promiscuous
    }

    /// The global RCTL.UPE / RCTL.MPE bits (82576 datasheet 7.1.1: the L2 filter passes
    /// unknown unicast only with UPE and every multicast with MPE; Linux `igb_set_rx_mode` sets
    /// UPE|MPE for promiscuous and MPE for all-multicast).
    #[must_use]
    pub const fn rctl_bits(&self) -> u32 {
        use crate::regs::pf::rctl;
        let mut bits = 0;
        if self.promiscuous {
            bits |= rctl::UPE | rctl::MPE;
        }
        if self.all_multicast {
            bits |= rctl::MPE;
        }
        bits
    }

    /// The PF pool's VMOLR with this mode's accept bits (82576 datasheet 7.10.3.3 pool
    /// selection): BAM for broadcast; ROMPE for the MTA hash only while the PF has hashes
    /// (`has_hashes`: the MTA is shared with the VFs, so an empty PF list must not accept the
    /// VFs' groups); MPME for all-multicast; in promiscuous mode ROPE with an all-ones UTA on
    /// the 82576 (Linux `igb_set_rx_mode`: "use of UTA filter to force packets to default
    /// pool") and VMOLR.UPE on the I350. Every other field is kept.
    #[must_use]
    pub const fn pf_vmolr(&self, generation: Generation, has_hashes: bool, base: Vmolr) -> Vmolr {
        let i350 = matches!(generation, Generation::I350);
        Vmolr {
            bam: self.broadcast || self.promiscuous,
            rompe: self.multicast && has_hashes,
            mpme: self.all_multicast || self.promiscuous,
            rope: self.promiscuous && !i350,
            upe: self.promiscuous && i350,
            ..base
        }
    }

    /// The value every UTA register gets: all ones while the 82576 PF pool uses ROPE for
    /// promiscuous mode, else zero (nothing else in these drivers uses unicast hashing).
    #[must_use]
    pub const fn uta_value(&self, generation: Generation) -> u32 {
        if self.promiscuous && !matches!(generation, Generation::I350) {
            u32::MAX
        } else {
            0
        }
    }
}

const _: () = assert!(vmolr_bits::BAM == 0x0800_0000 && vmolr_bits::ROMPE == 0x0200_0000);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rar_round_trip_and_layout() {
        let mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
        let entry = RarEntry::new(mac, PoolMask::single(3).unwrap());
        let (low, high) = entry.encode();
        assert_eq!(low, 0x1200_5452);
        assert_eq!(high, 0x8000_0000 | (1 << 21) | 0x5634);
        assert_eq!(RarEntry::decode(low, high), entry);
        // ASEL bits from hardware are ignored rather than folded into the MAC.
        assert_eq!(RarEntry::decode(low, high | 0x3_0000), entry);
        assert_eq!(RarEntry::CLEARED.encode(), (0, 0));
        assert!(!RarEntry::decode(0, 0).valid);
    }

    #[test]
    fn vf_rar_slots_fill_from_the_end() {
        assert_eq!(vf_rar_index(Generation::I82576, 0), Some(23));
        assert_eq!(vf_rar_index(Generation::I350, 6), Some(25));
        assert_eq!(vf_rar_index(Generation::I350, 8), None);
    }

    #[test]
    fn vlvf_round_trip() {
        let entry = VlvfEntry {
            vid: VlanId::new(100).unwrap(),
            pools: PoolMask(0x81),
            enabled: true,
        };
        assert_eq!(entry.encode(), 0x8000_0000 | (0x81 << 12) | 100);
        assert_eq!(VlvfEntry::decode(entry.encode()), entry);
        assert_eq!(VlanId::new(4096), None);
        let vid = VlanId::new(4095).unwrap();
        assert_eq!(
            vid.vfta_bit(),
            HashBit {
                register: 127,
                bit: 31
            }
        );
    }

    #[test]
    fn multicast_hash_matches_linux_filter_type_0() {
        // 01:00:5E:00:00:01 → (0x00 >> 4) | (0x01 << 4) = 0x010 → MTA[0] bit 16.
        let all_hosts = [0x01, 0x00, 0x5E, 0x00, 0x00, 0x01];
        assert_eq!(mac_hash(&all_hosts), 0x010);
        assert_eq!(
            mta_bit(&all_hosts),
            HashBit {
                register: 0,
                bit: 16
            }
        );
        // 33:33:FF:AB:CD:EF → (0xCD >> 4) | (0xEF << 4) = 0xC | 0xEF0 = 0xEFC → MTA[0x77] bit 28.
        let solicited = [0x33, 0x33, 0xFF, 0xAB, 0xCD, 0xEF];
        assert_eq!(mac_hash(&solicited), 0xEFC);
        assert_eq!(
            mta_bit(&solicited),
            HashBit {
                register: 0x77,
                bit: 28
            }
        );
        assert_eq!(
            HashBit::from_hash(0xFFFF),
            HashBit {
                register: 127,
                bit: 31
            }
        );
        assert_eq!(uta_bit(&[0x52, 0x54, 0, 0, 0x10, 0x02]).register, 1);
        assert!(is_multicast(&all_hosts) && !is_multicast(&[0x52, 0, 0, 0, 0, 1]));
        assert!(!is_valid_unicast(&[0; 6]) && is_valid_unicast(&[0x52, 0, 0, 0, 0, 1]));
    }

    #[test]
    fn rx_mode_register_bits() {
        use crate::regs::pf::rctl;
        let base = Vmolr::default_pool();
        assert_eq!(RxMode::NONE.rctl_bits(), 0);
        let none = RxMode::NONE.pf_vmolr(Generation::I82576, true, base);
        assert!(!none.bam && !none.rompe && !none.mpme && !none.rope && !none.upe);
        assert_eq!(
            (none.rlpml, none.aupe, none.strcrc),
            (base.rlpml, true, true)
        );
        assert!(!RxMode::NONE.accepts_anything() && !RxMode::NONE.pf_rar_valid());

        let listed = RxMode {
            directed: true,
            multicast: true,
            broadcast: true,
            ..RxMode::NONE
        };
        assert_eq!(listed.rctl_bits(), 0);
        let vmolr = listed.pf_vmolr(Generation::I350, true, base);
        assert!(vmolr.bam && vmolr.rompe && !vmolr.mpme);
        // An empty PF list must not take the VFs' MTA hashes.
        assert!(!listed.pf_vmolr(Generation::I350, false, base).rompe);
        assert!(listed.pf_rar_valid());

        let all_multi = RxMode {
            all_multicast: true,
            ..RxMode::NONE
        };
        assert_eq!(all_multi.rctl_bits(), rctl::MPE);
        assert!(all_multi.pf_vmolr(Generation::I82576, false, base).mpme);

        let promiscuous = RxMode {
            promiscuous: true,
            ..RxMode::NONE
        };
        assert_eq!(promiscuous.rctl_bits(), rctl::UPE | rctl::MPE);
        let old = promiscuous.pf_vmolr(Generation::I82576, false, base);
        assert!(old.rope && !old.upe && old.bam && old.mpme);
        let new = promiscuous.pf_vmolr(Generation::I350, false, base);
        assert!(!new.rope && new.upe);
        assert_eq!(promiscuous.uta_value(Generation::I82576), u32::MAX);
        assert_eq!(promiscuous.uta_value(Generation::I350), 0);
        assert_eq!(listed.uta_value(Generation::I82576), 0);
        assert!(promiscuous.pf_rar_valid());
    }

    #[test]
    fn vmolr_builder() {
        let vmolr = Vmolr::default_pool().with_max_frame(9018).unwrap();
        let bits = vmolr.encode();
        assert_eq!(bits & vmolr_bits::RLPML_MASK, 9018);
        assert_ne!(bits & vmolr_bits::LPE, 0);
        assert_ne!(bits & vmolr_bits::BAM, 0);
        assert_eq!(bits & vmolr_bits::MPME, 0);
        assert_eq!(Vmolr::decode(bits), vmolr);
        assert_eq!(Vmolr::default_pool().with_max_frame(0x3F01), None);
        assert_eq!(Vmolr::default_pool().with_max_frame(10), None);
        // QEMU reset value: RLPML 0x2600 with STRCRC.
        let reset = Vmolr::decode(0x8000_2600);
        assert_eq!(
            (reset.rlpml, reset.strcrc, reset.bam),
            (0x2600, true, false)
        );
    }
}
