//! The internal copper PHY behind MDIC (82576 datasheet 8.2.4 MDIC, ch. 10 PHY registers;
//! IEEE 802.3 clause 22 register set, 28.2.4 auto-negotiation, Annex 28B priority), and the
//! link partner a test plugs in.
//!
//! Everything completes at once: an MDIC access is done when the write returns, and a
//! (re)negotiation is resolved when BMCR is written. Changes of ANAR / 1000BASE-T control take
//! effect at the next restart (802.3 28.2.4.1.3: the advertisement is sent during
//! negotiation), exactly as on hardware.

use igb::ids::Generation;

/// PHY register numbers (clause 22).
pub(crate) mod reg {
    /// Basic mode control.
    pub const BMCR: u8 = 0;
    /// Basic mode status.
    pub const BMSR: u8 = 1;
    /// PHY identifier, high.
    pub const PHYID1: u8 = 2;
    /// PHY identifier, low (revision in bits 3:0).
    pub const PHYID2: u8 = 3;
    /// Auto-negotiation advertisement.
    pub const ANAR: u8 = 4;
    /// Link partner ability (base page).
    pub const ANLPAR: u8 = 5;
    /// Auto-negotiation expansion.
    pub const ANER: u8 = 6;
    /// 1000BASE-T control.
    pub const GTCR: u8 = 9;
    /// 1000BASE-T status.
    pub const GTSR: u8 = 10;
    /// Extended status.
    pub const ESTATUS: u8 = 15;
}

/// BMCR bits (802.3 22.2.4.1).
pub(crate) mod bmcr {
    /// PHY reset (self-clearing).
    pub const RESET: u16 = 1 << 15;
    /// Speed select, LSB (with bit 6: 00 = 10, 01 = 100, 10 = 1000 Mb/s).
    pub const SPEED_LSB: u16 = 1 << 13;
    /// Auto-negotiation enable.
    pub const AN_ENABLE: u16 = 1 << 12;
    /// Power down.
    pub const POWER_DOWN: u16 = 1 << 11;
    /// Restart auto-negotiation (self-clearing).
    pub const RESTART_AN: u16 = 1 << 9;
    /// Full duplex (forced mode).
    pub const FULL_DUPLEX: u16 = 1 << 8;
    /// Speed select, MSB.
    pub const SPEED_MSB: u16 = 1 << 6;
}

/// BMSR bits (802.3 22.2.4.2).
pub(crate) mod bmsr {
    /// Link status (latched low, 22.2.4.2.13).
    pub const LINK: u16 = 1 << 2;
    /// Auto-negotiation complete.
    pub const AN_COMPLETE: u16 = 1 << 5;
    /// Static abilities: 100BASE-TX FD/HD (14/13), 10BASE-T FD/HD (12/11), extended status
    /// (8), preamble suppression (6), auto-negotiation ability (3), extended registers (0).
    pub const ABILITIES: u16 = 0x7949;
}

/// ANAR / ANLPAR bits (802.3 28.2.4.1.3, Annex 28B.2).
pub(crate) mod anar {
    /// Selector field IEEE 802.3.
    pub const SELECTOR_802_3: u16 = 0x0001;
    /// 10BASE-T half duplex.
    pub const T10_HD: u16 = 1 << 5;
    /// 10BASE-T full duplex.
    pub const T10_FD: u16 = 1 << 6;
    /// 100BASE-TX half duplex.
    pub const TX100_HD: u16 = 1 << 7;
    /// 100BASE-TX full duplex.
    pub const TX100_FD: u16 = 1 << 8;
    /// Symmetric pause.
    pub const PAUSE: u16 = 1 << 10;
    /// Asymmetric pause.
    pub const ASM_DIR: u16 = 1 << 11;
    /// Acknowledge (ANLPAR only).
    pub const ACK: u16 = 1 << 14;
    /// Bits software may write in ANAR (bit 12 reserved, bit 14 ack is read-only).
    pub const WRITABLE: u16 = 0xAFFF;
}

/// 1000BASE-T control / status bits (802.3 40.5.1.1).
pub(crate) mod gt {
    /// Control: advertise 1000BASE-T half duplex.
    pub const CTRL_HD: u16 = 1 << 8;
    /// Control: advertise 1000BASE-T full duplex.
    pub const CTRL_FD: u16 = 1 << 9;
    /// Status: partner 1000BASE-T half duplex.
    pub const STAT_LP_HD: u16 = 1 << 10;
    /// Status: partner 1000BASE-T full duplex.
    pub const STAT_LP_FD: u16 = 1 << 11;
    /// Status: remote receiver OK.
    pub const STAT_REMOTE_OK: u16 = 1 << 12;
    /// Status: local receiver OK.
    pub const STAT_LOCAL_OK: u16 = 1 << 13;
}

/// Link speed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord, Hash)]
pub enum Speed {
    /// 10 Mb/s.
    Mbps10,
    /// 100 Mb/s.
    Mbps100,
    /// 1000 Mb/s.
    Mbps1000,
}

/// A resolved (or offered) speed and duplex.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct LinkMode {
    /// Speed.
    pub speed: Speed,
    /// Full duplex.
    pub full_duplex: bool,
}

/// A set of speed/duplex modes (what a link partner offers). Bit constants below.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct LinkModes(pub u8);

impl LinkModes {
    /// No mode.
    pub const NONE: Self = Self(0);
    /// 10 Mb/s half duplex.
    pub const HALF_10: Self = Self(1 << 0);
    /// 10 Mb/s full duplex.
    pub const FULL_10: Self = Self(1 << 1);
    /// 100 Mb/s half duplex.
    pub const HALF_100: Self = Self(1 << 2);
    /// 100 Mb/s full duplex.
    pub const FULL_100: Self = Self(1 << 3);
    /// 1000 Mb/s half duplex.
    pub const HALF_1000: Self = Self(1 << 4);
    /// 1000 Mb/s full duplex.
    pub const FULL_1000: Self = Self(1 << 5);
    /// Every mode of a 10/100/1000BASE-T port.
    pub const ALL: Self = Self(0x3F);

    /// The union of two sets.
    #[must_use]
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every mode of `other` is in the set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    const fn intersect(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// The single-mode set of `mode`.
    #[must_use]
    pub const fn of(mode: LinkMode) -> Self {
        let bit = match mode.speed {
            Speed::Mbps10 => 0,
            Speed::Mbps100 => 2,
            Speed::Mbps1000 => 4,
        };
        Self(1 << (bit + if mode.full_duplex { 1 } else { 0 }))
    }

    /// The highest-priority mode in the set (802.3 Annex 28B.3: 1000 FD > 1000 HD > 100 FD >
    /// 100 HD > 10 FD > 10 HD; 100BASE-T4 and T2 do not exist on this PHY).
    #[must_use]
    pub fn best(self) -> Option<LinkMode> {
        (0..6u8)
            .rev()
            .find(|bit| self.0 & (1 << bit) != 0)
            .map(|bit| {
                let speed = match bit / 2 {
                    0 => Speed::Mbps10,
                    1 => Speed::Mbps100,
                    _ => Speed::Mbps1000,
                };
                LinkMode {
                    speed,
                    full_duplex: bit % 2 == 1,
                }
            })
    }

    fn from_phy(anar_value: u16, gtcr: u16) -> Self {
        let mut modes = 0;
        for (bit, mode) in [
            (anar::T10_HD, Self::HALF_10),
            (anar::T10_FD, Self::FULL_10),
            (anar::TX100_HD, Self::HALF_100),
            (anar::TX100_FD, Self::FULL_100),
        ] {
            if anar_value & bit != 0 {
                modes |= mode.0;
            }
        }
        if gtcr & gt::CTRL_HD != 0 {
            modes |= Self::HALF_1000.0;
        }
        if gtcr & gt::CTRL_FD != 0 {
            modes |= Self::FULL_1000.0;
        }
        Self(modes)
    }
}

/// The other end of the cable, as a test configures it with
/// [`crate::Device::set_link_partner`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct LinkPartner {
    /// Modes it offers (auto-negotiation abilities; also the forced modes it accepts).
    pub modes: LinkModes,
    /// Symmetric pause ability (ANLPAR bit 10).
    pub pause: bool,
    /// Asymmetric pause ability (ANLPAR bit 11).
    pub asym_pause: bool,
}

impl Default for LinkPartner {
    /// A 10/100/1000 switch port with symmetric pause (what the model's default cable
    /// connects to).
    fn default() -> Self {
        Self {
            modes: LinkModes::ALL,
            pause: true,
            asym_pause: false,
        }
    }
}

impl LinkPartner {
    fn anlpar(&self) -> u16 {
        let mut value = anar::SELECTOR_802_3 | anar::ACK;
        for (mode, bit) in [
            (LinkModes::HALF_10, anar::T10_HD),
            (LinkModes::FULL_10, anar::T10_FD),
            (LinkModes::HALF_100, anar::TX100_HD),
            (LinkModes::FULL_100, anar::TX100_FD),
        ] {
            if self.modes.contains(mode) {
                value |= bit;
            }
        }
        if self.pause {
            value |= anar::PAUSE;
        }
        if self.asym_pause {
            value |= anar::ASM_DIR;
        }
        value
    }
}

/// The PHY identifier (registers 2/3) of the generation's internal PHY: 82576 = IGP3-type
/// 0x02A8_0391 (Linux `IGP03E1000_E_PHY_ID` 0x02A80390 + revision 1, what QEMU's igb reports
/// as `E1000_PHY_ID2_82576x`), I350 = `I350_I_PHY_ID` 0x0154_03B0 (Linux e1000_defines.h).
pub(crate) fn phy_id(generation: Generation) -> u32 {
    match generation {
        Generation::I82576 => 0x02A8_0391,
        Generation::I350 => 0x0154_03B0,
    }
}

/// The PHY's register state.
#[derive(Clone, Debug)]
pub(crate) struct Phy {
    regs: [u16; 32],
    id: u32,
    /// BMSR link status as software will read it next (latched low).
    latched_link: bool,
    /// A dead PHY never answers MDIC (R stays clear).
    pub dead: bool,
}

/// What the PHY resolved: the link mode and whether it came from auto-negotiation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Resolved {
    pub mode: LinkMode,
    pub autoneg: bool,
}

impl Phy {
    pub fn new(generation: Generation) -> Self {
        let mut phy = Self {
            regs: [0; 32],
            id: phy_id(generation),
            latched_link: false,
            dead: false,
        };
        phy.reset();
        phy
    }

    /// PHY reset defaults: auto-negotiation on, advertising every mode and symmetric +
    /// asymmetric pause (the 82576 NVM default), 1000BASE-T FD+HD.
    pub fn reset(&mut self) {
        self.regs = [0; 32];
        self.regs[usize::from(reg::BMCR)] = bmcr::AN_ENABLE | bmcr::FULL_DUPLEX | bmcr::SPEED_MSB;
        self.regs[usize::from(reg::ANAR)] = anar::SELECTOR_802_3
            | anar::T10_HD
            | anar::T10_FD
            | anar::TX100_HD
            | anar::TX100_FD
            | anar::PAUSE
            | anar::ASM_DIR;
        self.regs[usize::from(reg::GTCR)] = gt::CTRL_FD | gt::CTRL_HD;
        // Extended status: 1000BASE-T FD/HD capable (802.3 22.2.4.4).
        self.regs[usize::from(reg::ESTATUS)] = 0x3000;
        self.latched_link = false;
    }

    fn bmcr(&self) -> u16 {
        self.regs[usize::from(reg::BMCR)]
    }

    /// Resolution with `partner` on the cable (`None` = no cable): the highest common mode of
    /// the advertisement and the partner's, or the forced mode if the partner accepts it.
    pub fn resolve(&self, partner: Option<&LinkPartner>) -> Option<Resolved> {
        let partner = partner?;
        let control = self.bmcr();
        if control & bmcr::POWER_DOWN != 0 {
            return None;
        }
        if control & bmcr::AN_ENABLE != 0 {
            let local = LinkModes::from_phy(
                self.regs[usize::from(reg::ANAR)],
                self.regs[usize::from(reg::GTCR)],
            );
            let mode = local.intersect(partner.modes).best()?;
            return Some(Resolved {
                mode,
                autoneg: true,
            });
        }
        let speed = match (
            control & bmcr::SPEED_MSB != 0,
            control & bmcr::SPEED_LSB != 0,
        ) {
            (false, false) => Speed::Mbps10,
            (false, true) => Speed::Mbps100,
            // 1000BASE-T cannot be forced (802.3 40.5.1 requires auto-negotiation), and 11b
            // is reserved: no link either way.
            _ => return None,
        };
        let mode = LinkMode {
            speed,
            full_duplex: control & bmcr::FULL_DUPLEX != 0,
        };
        partner
            .modes
            .contains(LinkModes::of(mode))
            .then_some(Resolved {
                mode,
                autoneg: false,
            })
    }

    /// Called whenever the PHY-level link changes: a drop latches BMSR.LINK low until read.
    pub fn note_link(&mut self, up: bool) {
        if !up {
            self.latched_link = false;
        }
    }

    /// MDIC read of register `register` with the current resolution.
    pub fn read(
        &mut self,
        register: u8,
        resolved: Option<Resolved>,
        partner: Option<&LinkPartner>,
    ) -> u16 {
        let up = resolved.is_some();
        match register {
            reg::BMSR => {
                let mut value = bmsr::ABILITIES;
                if self.latched_link {
                    value |= bmsr::LINK;
                }
                if resolved.is_some_and(|r| r.autoneg) {
                    value |= bmsr::AN_COMPLETE;
                }
                // 22.2.4.2.13: the latch reflects the current state again once read.
                self.latched_link = up;
                value
            }
            reg::PHYID1 => (self.id >> 16) as u16,
            reg::PHYID2 => (self.id & 0xFFFF) as u16,
            reg::ANLPAR => match (resolved, partner) {
                (Some(r), Some(p)) if r.autoneg => p.anlpar(),
                _ => 0,
            },
            // Partner was able to negotiate (bit 0), page received (bit 1).
            reg::ANER => match resolved {
                Some(r) if r.autoneg => 0b11,
                _ => 0,
            },
            reg::GTSR => match (resolved, partner) {
                (Some(r), Some(p)) if r.autoneg => {
                    let mut value = gt::STAT_LOCAL_OK | gt::STAT_REMOTE_OK;
                    if p.modes.contains(LinkModes::FULL_1000) {
                        value |= gt::STAT_LP_FD;
                    }
                    if p.modes.contains(LinkModes::HALF_1000) {
                        value |= gt::STAT_LP_HD;
                    }
                    value
                }
                _ => 0,
            },
            other => self.regs.get(usize::from(other)).copied().unwrap_or(0),
        }
    }

    /// MDIC write. Returns whether the link must be re-resolved (BMCR written).
    pub fn write(&mut self, register: u8, value: u16) -> bool {
        match register {
            reg::BMCR => {
                if value & bmcr::RESET != 0 {
                    // Self-clearing; the PHY comes back with its defaults (802.3 22.2.4.1.1).
                    self.reset();
                } else {
                    // Restart is self-clearing: the model renegotiates right away.
                    self.regs[usize::from(reg::BMCR)] = value & !bmcr::RESTART_AN;
                }
                true
            }
            reg::ANAR => {
                self.regs[usize::from(reg::ANAR)] = value & anar::WRITABLE;
                false
            }
            reg::GTCR => {
                self.regs[usize::from(reg::GTCR)] = value & 0xFF00;
                false
            }
            // Read-only (status, identifier, partner, expansion).
            reg::BMSR
            | reg::PHYID1
            | reg::PHYID2
            | reg::ANLPAR
            | reg::ANER
            | reg::GTSR
            | reg::ESTATUS => false,
            other => {
                if let Some(slot) = self.regs.get_mut(usize::from(other)) {
                    *slot = value;
                }
                false
            }
        }
    }
}
