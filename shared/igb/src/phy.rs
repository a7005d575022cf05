//! PHY management (MDIC), link configuration from the registry (`*SpeedDuplex`,
//! `*FlowControl`), flow control, and the link state read from STATUS.
//!
//! Facts:
//! * MDIC (0x0020; 82576 datasheet 8.2.4): data 15:0, REGADD 20:16, PHYADD 25:21 (the
//!   internal copper PHY is address 1), OP 27:26 (01 write, 10 read), READY 28, ERROR 30.
//! * PHY registers are IEEE 802.3 clause 22 ([`phy_reg`]): BMCR 0, BMSR 1, ANAR 4, ANLPAR 5,
//!   1000BASE-T control 9. Bits as in 802.3 22.2.4 / 28.2.4.1 / 40.5.1.1 (and Linux
//!   `e1000_defines.h` `MII_CR_*`, `NWAY_AR_*`, `CR_1000T_*`).
//! * MAC side: CTRL.FRCSPD/FRCDPX force the MAC's speed/duplex from CTRL.SPEED/FD; CTRL.RFCE
//!   honours received pause frames, CTRL.TFCE sends them; FCAL/FCAH = 01:80:C2:00:00:01,
//!   FCT = 0x8808, FCTTV = pause time, FCRTH/FCRTL = XOFF/XON thresholds (82576 datasheet
//!   8.2.1, 8.2.5-8.2.8, 8.10.x; Linux `e1000_setup_link_generic`,
//!   `e1000_set_fc_watermarks_generic`, `igb_reset` for the watermark formula).
//! * STATUS: LU bit 1, FD bit 0, SPEED 7:6 (00 = 10, 01 = 100, 1x = 1000); the VF's VTSTATUS
//!   is a copy (`igb-hardware.md` §2.1, §3). Decoded by [`LinkStatus::from_status`].
//! * `*SpeedDuplex` (0 auto, 1 10H, 2 10F, 3 100H, 4 100F, 5 1000H, 6 1000F) and
//!   `*FlowControl` (0 off, 1 Tx, 2 Rx, 3 Rx & Tx, 4 auto-negotiate) are the standardized NDIS
//!   keyword values (MS docs "Enumeration keywords").
//!
//! IRQL: every function that talks to the PHY polls MDIC (up to [`MDIC_TIMEOUT`] per access),
//! so [`read_phy`], [`write_phy`], [`configure_link`] and [`resolve_autoneg_flow_control`] are
//! **PASSIVE_LEVEL only** (initialisation, or a work item queued from the link interrupt).
//! The link-change interrupt path uses only [`read_link`] / [`LinkStatus::from_status`] (one
//! STATUS read, no wait) and then queues the PASSIVE work that resolves flow control.
//!
//! Not done: the SW/FW semaphore (SW_FW_SYNC) Linux takes around PHY access on boards with
//! manageability firmware; fiber/SerDes/SGMII links (these are copper-only paths).

use core::time::Duration;

use hw_platform::{Clock, Mmio};

use crate::ids::Generation;
pub use crate::pf_device::LinkStatus;
use crate::regs::pf::{
    CTRL, FCAH, FCAL, FCRTH, FCRTL, FCT, FCTTV, MDIC, RXPBS, STATUS, ctrl, fcrtl, mdic,
};
use crate::regs::{Bar, DeviceGone, PfRegisters, Registers, WaitError};

/// How long one MDIC access may take (a clause-22 frame at 2.5 MHz MDC is ~26 µs).
pub const MDIC_TIMEOUT: Duration = Duration::from_millis(10);
/// Pause between MDIC polls.
pub const MDIC_POLL_INTERVAL: Duration = Duration::from_micros(50);

/// Clause-22 PHY register numbers.
pub mod phy_reg {
    /// Basic mode control (BMCR).
    pub const BMCR: u8 = 0;
    /// Basic mode status (BMSR).
    pub const BMSR: u8 = 1;
    /// Auto-negotiation advertisement (ANAR).
    pub const ANAR: u8 = 4;
    /// Auto-negotiation link partner ability (ANLPAR).
    pub const ANLPAR: u8 = 5;
    /// 1000BASE-T control.
    pub const GTCR: u8 = 9;
    /// Highest clause-22 register number (REGADD is 5 bits).
    pub const MAX: u8 = 31;
}

/// BMCR bits (802.3 22.2.4.1).
pub mod bmcr {
    /// Speed selection LSB (with MSB: 00 = 10, 01 = 100, 10 = 1000).
    pub const SPEED_LSB: u16 = 1 << 13;
    /// Auto-negotiation enable.
    pub const AN_ENABLE: u16 = 1 << 12;
    /// Restart auto-negotiation (self-clearing).
    pub const RESTART_AN: u16 = 1 << 9;
    /// Full duplex (forced mode).
    pub const FULL_DUPLEX: u16 = 1 << 8;
    /// Speed selection MSB.
    pub const SPEED_MSB: u16 = 1 << 6;
}

/// BMSR bits.
pub mod bmsr {
    /// Auto-negotiation complete.
    pub const AN_COMPLETE: u16 = 1 << 5;
}

/// ANAR / ANLPAR bits (802.3 28.2.4.1.3, Annex 28B).
pub mod anar {
    /// Selector field: IEEE 802.3.
    pub const SELECTOR_802_3: u16 = 0x0001;
    /// Selector field mask.
    pub const SELECTOR_MASK: u16 = 0x001F;
    /// 10BASE-T half duplex.
    pub const T10_HD: u16 = 1 << 5;
    /// 10BASE-T full duplex.
    pub const T10_FD: u16 = 1 << 6;
    /// 100BASE-TX half duplex.
    pub const TX100_HD: u16 = 1 << 7;
    /// 100BASE-TX full duplex.
    pub const TX100_FD: u16 = 1 << 8;
    /// Symmetric pause (PAUSE, bit 10).
    pub const PAUSE: u16 = 1 << 10;
    /// Asymmetric pause direction (ASM_DIR, bit 11).
    pub const ASM_DIR: u16 = 1 << 11;
    /// The 10/100 abilities.
    pub const ABILITY_MASK: u16 = T10_HD | T10_FD | TX100_HD | TX100_FD;
    /// The pause bits.
    pub const PAUSE_MASK: u16 = PAUSE | ASM_DIR;
}

/// 1000BASE-T control bits (802.3 40.5.1.1).
pub mod gtcr {
    /// Advertise 1000BASE-T half duplex (never advertised: the igb MACs do not support it).
    pub const HD_1000: u16 = 1 << 8;
    /// Advertise 1000BASE-T full duplex.
    pub const FD_1000: u16 = 1 << 9;
}

/// Flow-control frame constants (802.3 Annex 31B; Linux `FLOW_CONTROL_*`).
pub mod pause_frame {
    /// FCAL: 01:80:C2:00:00:01 bytes 0-3, little-endian.
    pub const FCAL_VALUE: u32 = 0x00C2_8001;
    /// FCAH: bytes 4-5.
    pub const FCAH_VALUE: u32 = 0x0100;
    /// FCT: the MAC-control EtherType.
    pub const FCT_VALUE: u32 = 0x8808;
    /// FCTTV: the pause time sent in XOFF frames (the maximum, as Linux igb).
    pub const PAUSE_TIME: u32 = 0xFFFF;
}

/// Why a PHY access failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PhyError {
    /// MDIC.READY did not come within [`MDIC_TIMEOUT`].
    Timeout {
        /// PHY register accessed.
        register: u8,
    },
    /// MDIC.ERROR: the PHY did not answer.
    NoResponse {
        /// PHY register accessed.
        register: u8,
    },
    /// The register number does not fit REGADD (5 bits).
    BadRegister(u8),
    /// The device is gone.
    DeviceGone(DeviceGone),
}

impl From<DeviceGone> for PhyError {
    fn from(gone: DeviceGone) -> Self {
        Self::DeviceGone(gone)
    }
}

fn mdic_access<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    register: u8,
    command: u32,
    clock: &C,
) -> Result<u32, PhyError> {
    if register > phy_reg::MAX {
        return Err(PhyError::BadRegister(register));
    }
    regs.write(
        MDIC,
        command
            | (u32::from(register) << mdic::REGADD_SHIFT)
            | (mdic::INTERNAL_PHY << mdic::PHYADD_SHIFT),
    );
    let done = match regs.wait_for_bits(
        MDIC,
        mdic::READY,
        mdic::READY,
        clock,
        MDIC_TIMEOUT,
        MDIC_POLL_INTERVAL,
    ) {
        Ok(value) => value,
        Err(WaitError::Timeout { .. }) => return Err(PhyError::Timeout { register }),
        Err(WaitError::DeviceGone(gone)) => return Err(PhyError::DeviceGone(gone)),
    };
    // All ones has READY set: a removed device, unless STATUS says otherwise.
    if done == u32::MAX {
        regs.read_present(STATUS)?;
    }
    if done & mdic::ERROR != 0 {
        return Err(PhyError::NoResponse { register });
    }
    Ok(done)
}

/// Reads PHY register `register` of the internal PHY through MDIC. PASSIVE_LEVEL only (polls
/// up to [`MDIC_TIMEOUT`]).
pub fn read_phy<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    register: u8,
    clock: &C,
) -> Result<u16, PhyError> {
    mdic_access(regs, register, mdic::OP_READ, clock).map(|value| (value & mdic::DATA_MASK) as u16)
}

/// Writes PHY register `register` of the internal PHY through MDIC. PASSIVE_LEVEL only.
pub fn write_phy<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    register: u8,
    value: u16,
    clock: &C,
) -> Result<(), PhyError> {
    mdic_access(regs, register, mdic::OP_WRITE | u32::from(value), clock).map(|_| ())
}

/// The link state from the BAR's STATUS (PF STATUS or VF VTSTATUS): one read, no wait, any
/// IRQL (the link-change ISR/DPC uses this).
pub fn read_link<M: Mmio, B: Bar>(regs: &Registers<M, B>) -> Result<LinkStatus, DeviceGone> {
    regs.read_present(B::STATUS).map(LinkStatus::from_status)
}

/// `*SpeedDuplex`, restricted to what the 82576/I350 copper PHY supports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpeedDuplex {
    /// 0: auto-negotiate everything.
    Auto,
    /// 1: 10 Mb/s half duplex.
    Half10,
    /// 2: 10 Mb/s full duplex.
    Full10,
    /// 3: 100 Mb/s half duplex.
    Half100,
    /// 4: 100 Mb/s full duplex.
    Full100,
    /// 6: 1000 Mb/s full duplex (always auto-negotiated: 802.3 40.5.1 requires it on
    /// 1000BASE-T, so it advertises 1000 full only).
    Full1000,
}

impl SpeedDuplex {
    /// The registry value, or `Err(value)` for values the hardware cannot do (5 = 1000 half,
    /// 7+ = 10 Gb/s and direct Mb/s values).
    pub const fn from_registry(value: u32) -> Result<Self, u32> {
        match value {
            0 => Ok(Self::Auto),
            1 => Ok(Self::Half10),
            2 => Ok(Self::Full10),
            3 => Ok(Self::Half100),
            4 => Ok(Self::Full100),
            6 => Ok(Self::Full1000),
            other => Err(other),
        }
    }
}

/// `*FlowControl`, in the driver's terms.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FlowControl {
    /// 0: no pause frames sent or honoured.
    Disabled,
    /// 1: send pause frames (TFCE) but ignore received ones.
    TxOnly,
    /// 2: honour received pause frames (RFCE) but never send.
    RxOnly,
    /// 3 (and 4, "auto-negotiate"): both, as negotiated.
    Full,
}

impl FlowControl {
    /// The registry value, or `Err(value)` if not 0..=4. 4 ("auto negotiation") advertises
    /// both directions and uses what negotiation resolves, which is what `Full` does.
    pub const fn from_registry(value: u32) -> Result<Self, u32> {
        match value {
            0 => Ok(Self::Disabled),
            1 => Ok(Self::TxOnly),
            2 => Ok(Self::RxOnly),
            3 | 4 => Ok(Self::Full),
            other => Err(other),
        }
    }

    const fn rx(self) -> bool {
        matches!(self, Self::RxOnly | Self::Full)
    }

    const fn tx(self) -> bool {
        matches!(self, Self::TxOnly | Self::Full)
    }

    /// The CTRL bits for this (resolved) mode: RFCE for Rx, TFCE for Tx.
    #[must_use]
    pub const fn ctrl_bits(self) -> u32 {
        let mut bits = 0;
        if self.rx() {
            bits |= ctrl::RFCE;
        }
        if self.tx() {
            bits |= ctrl::TFCE;
        }
        bits
    }

    /// The ANAR pause bits advertising this mode (Linux `e1000_phy_setup_autoneg`; 802.3
    /// Annex 28B): Tx-only = ASM_DIR; Rx-only cannot be advertised alone, so it advertises
    /// PAUSE | ASM_DIR and [`resolve_flow_control`] drops Tx afterwards; Full = both.
    #[must_use]
    pub const fn anar_pause_bits(self) -> u16 {
        match self {
            Self::Disabled => 0,
            Self::TxOnly => anar::ASM_DIR,
            Self::RxOnly | Self::Full => anar::PAUSE | anar::ASM_DIR,
        }
    }
}

/// The link settings the driver asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LinkSettings {
    /// Speed and duplex.
    pub speed_duplex: SpeedDuplex,
    /// Flow control.
    pub flow_control: FlowControl,
}

/// Registry values that were not usable and were replaced by the default (log them).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RegistryFallbacks {
    /// The rejected `*SpeedDuplex` value (auto-negotiation used instead).
    pub speed_duplex: Option<u32>,
    /// The rejected `*FlowControl` value (Rx & Tx used instead).
    pub flow_control: Option<u32>,
}

impl LinkSettings {
    /// Auto-negotiation with Rx & Tx flow control (the igb default).
    pub const DEFAULT: Self = Self {
        speed_duplex: SpeedDuplex::Auto,
        flow_control: FlowControl::Full,
    };

    /// Parses the two registry values; unusable ones fall back to [`LinkSettings::DEFAULT`]'s
    /// and are returned for the log. `None` = keyword absent (default, not a fallback).
    #[must_use]
    pub const fn from_registry(
        speed_duplex: Option<u32>,
        flow_control: Option<u32>,
    ) -> (Self, RegistryFallbacks) {
        let mut settings = Self::DEFAULT;
        let mut fallbacks = RegistryFallbacks {
            speed_duplex: None,
            flow_control: None,
        };
        if let Some(value) = speed_duplex {
            match SpeedDuplex::from_registry(value) {
                Ok(parsed) => settings.speed_duplex = parsed,
                Err(rejected) => fallbacks.speed_duplex = Some(rejected),
            }
        }
        if let Some(value) = flow_control {
            match FlowControl::from_registry(value) {
                Ok(parsed) => settings.flow_control = parsed,
                Err(rejected) => fallbacks.flow_control = Some(rejected),
            }
        }
        (settings, fallbacks)
    }
}

/// How the link is brought up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LinkMode {
    /// Auto-negotiation advertising `anar_abilities` (ANAR 8:5) and `gtcr` (register 9).
    Autoneg {
        /// ANAR 10/100 ability bits.
        anar_abilities: u16,
        /// 1000BASE-T control ability bits.
        gtcr: u16,
    },
    /// Forced speed and duplex, no negotiation.
    Forced {
        /// 10 or 100.
        speed_mbps: u32,
        /// Full duplex.
        full_duplex: bool,
    },
}

/// Everything [`configure_link`] programs, computed without touching hardware.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LinkPlan {
    /// Negotiated or forced.
    pub mode: LinkMode,
    /// The ANAR pause bits (auto-negotiation only; 0 when forced).
    pub anar_pause: u16,
    /// The BMCR value written last (restart negotiation, or the forced speed/duplex).
    pub bmcr: u16,
    /// CTRL bits set (SLU always; FRCSPD/FRCDPX/SPEED/FD and RFCE/TFCE when forced).
    pub ctrl_set: u32,
    /// CTRL bits cleared.
    pub ctrl_clear: u32,
    /// The flow control asked for (what is programmed before negotiation resolves it).
    pub flow_control: FlowControl,
}

/// CTRL bits this module owns.
const CTRL_LINK_BITS: u32 =
    ctrl::FD | ctrl::SPEED_MASK | ctrl::FRCSPD | ctrl::FRCDPX | ctrl::RFCE | ctrl::TFCE;

/// Computes the programming for `settings`. 10 and 100 Mb/s settings force the speed and
/// duplex when `force_fixed_speeds` (what Intel's Windows drivers do for a fixed
/// `*SpeedDuplex`), else advertise only that mode. 1000 full is always "advertise only
/// 1000 full": forcing 1000BASE-T is not allowed (802.3 40.5.1).
#[must_use]
pub const fn plan_link(settings: LinkSettings, force_fixed_speeds: bool) -> LinkPlan {
    let fixed = match settings.speed_duplex {
        SpeedDuplex::Auto => None,
        SpeedDuplex::Half10 => Some((10, false, anar::T10_HD)),
        SpeedDuplex::Full10 => Some((10, true, anar::T10_FD)),
        SpeedDuplex::Half100 => Some((100, false, anar::TX100_HD)),
        SpeedDuplex::Full100 => Some((100, true, anar::TX100_FD)),
        SpeedDuplex::Full1000 => {
            return autoneg_plan(0, gtcr::FD_1000, settings.flow_control);
        }
    };
    match fixed {
        None => autoneg_plan(anar::ABILITY_MASK, gtcr::FD_1000, settings.flow_control),
        Some((_, _, ability)) if !force_fixed_speeds => {
            autoneg_plan(ability, 0, settings.flow_control)
        }
        Some((speed_mbps, full_duplex, _)) => {
            let mut bmcr_value = 0;
            let mut ctrl_set = ctrl::SLU | ctrl::FRCSPD | ctrl::FRCDPX;
            if speed_mbps == 100 {
                bmcr_value |= bmcr::SPEED_LSB;
                ctrl_set |= ctrl::SPEED_100;
            }
            // Pause frames exist only on full-duplex links (802.3 Annex 31B).
            let flow_control = if full_duplex {
                bmcr_value |= bmcr::FULL_DUPLEX;
                ctrl_set |= ctrl::FD;
                settings.flow_control
            } else {
                FlowControl::Disabled
            };
            ctrl_set |= flow_control.ctrl_bits();
            LinkPlan {
                mode: LinkMode::Forced {
                    speed_mbps,
                    full_duplex,
                },
                anar_pause: 0,
                bmcr: bmcr_value,
                ctrl_set,
                ctrl_clear: CTRL_LINK_BITS & !ctrl_set,
                flow_control,
            }
        }
    }
}

const fn autoneg_plan(anar_abilities: u16, gtcr_bits: u16, flow_control: FlowControl) -> LinkPlan {
    LinkPlan {
        mode: LinkMode::Autoneg {
            anar_abilities,
            gtcr: gtcr_bits,
        },
        anar_pause: flow_control.anar_pause_bits(),
        bmcr: bmcr::AN_ENABLE | bmcr::RESTART_AN,
        // The MAC takes speed/duplex from the PHY; RFCE/TFCE stay off until negotiation
        // resolves them (resolve_autoneg_flow_control).
        ctrl_set: ctrl::SLU,
        ctrl_clear: CTRL_LINK_BITS,
        flow_control,
    }
}

/// The XOFF/XON receive thresholds, in bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FlowThresholds {
    /// FCRTH: send XOFF above this buffer fill.
    pub high: u32,
    /// FCRTL: send XON below this (with XONE).
    pub low: u32,
    /// Rx packet buffer size used, KiB.
    pub packet_buffer_kib: u32,
    /// RXPBS did not give a usable size, so the generation's reset default was assumed.
    pub assumed_default_buffer: bool,
}

/// The Rx packet buffer size in KiB from RXPBS: 82576 bits 6:0 in KiB; I350 bits 3:0 index
/// a size table (Linux `igb_rxpbs_adjust_82580`). `None` for an unusable encoding.
#[must_use]
pub const fn rx_packet_buffer_kib(generation: Generation, rxpbs: u32) -> Option<u32> {
    const I350_TABLE: [u32; 11] = [36, 72, 144, 1, 2, 4, 8, 16, 35, 70, 140];
    let kib = match generation {
        Generation::I82576 => rxpbs & 0x7F,
        Generation::I350 => {
            let index = (rxpbs & 0xF) as usize;
            if index < I350_TABLE.len() {
                I350_TABLE[index]
            } else {
                0
            }
        }
    };
    if kib == 0 { None } else { Some(kib) }
}

const fn thresholds_for(kib: u32, max_frame: u32) -> Option<(u32, u32)> {
    // Linux igb_reset: high = min(90 % of the buffer, buffer - 2 max frames), 16-byte
    // granularity; low = high - 16.
    let Some(bytes) = kib.checked_mul(1024) else {
        return None;
    };
    let Some(two_frames) = max_frame.checked_mul(2) else {
        return None;
    };
    let Some(room) = bytes.checked_sub(two_frames) else {
        return None;
    };
    let Some(ninety) = bytes.checked_mul(9) else {
        return None;
    };
    let ninety = ninety / 10;
    let high = (if ninety < room { ninety } else { room }) & !0xF;
    match high.checked_sub(16) {
        Some(low) if low > 0 => Some((high, low)),
        _ => None,
    }
}

/// The flow-control thresholds for a buffer read from RXPBS and frames up to `max_frame`
/// bytes. Falls back to the generation's reset-default buffer (82576 64 KiB, I350 36 KiB)
/// when RXPBS is unusable; `None` when even that cannot hold two frames (then the driver
/// cannot send pause frames: [`configure_link`] disables Tx flow control).
#[must_use]
pub const fn flow_thresholds(
    generation: Generation,
    rxpbs: u32,
    max_frame: u32,
) -> Option<FlowThresholds> {
    if let Some(kib) = rx_packet_buffer_kib(generation, rxpbs) {
        if let Some((high, low)) = thresholds_for(kib, max_frame) {
            return Some(FlowThresholds {
                high,
                low,
                packet_buffer_kib: kib,
                assumed_default_buffer: false,
            });
        }
    }
    let kib = match generation {
        Generation::I82576 => 64,
        Generation::I350 => 36,
    };
    match thresholds_for(kib, max_frame) {
        Some((high, low)) => Some(FlowThresholds {
            high,
            low,
            packet_buffer_kib: kib,
            assumed_default_buffer: true,
        }),
        None => None,
    }
}

/// What [`configure_link`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LinkConfigured {
    /// The plan programmed (after any Tx-pause downgrade).
    pub plan: LinkPlan,
    /// The thresholds programmed into FCRTH/FCRTL (`None`: Tx pause was not possible).
    pub thresholds: Option<FlowThresholds>,
    /// Tx flow control was asked for but no thresholds fit the buffer: it was dropped.
    pub tx_pause_dropped: bool,
}

/// Programs the link for `settings` ([`plan_link`]) and flow control: the pause-frame
/// registers (FCAL/FCAH/FCT/FCTTV), the thresholds (FCRTH/FCRTL, only when Tx pause is
/// wanted, as Linux), ANAR/1000BASE-T control (read-modify-write of the bits this module
/// owns) and BMCR, and CTRL. `max_frame` is the largest frame the PF accepts (bytes, with
/// CRC). PASSIVE_LEVEL only (MDIC polls). After the link comes up with auto-negotiation,
/// call [`resolve_autoneg_flow_control`] (from a PASSIVE work item).
pub fn configure_link<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    generation: Generation,
    settings: LinkSettings,
    force_fixed_speeds: bool,
    max_frame: u32,
    clock: &C,
) -> Result<LinkConfigured, PhyError> {
    regs.read_present(STATUS)?;
    let mut plan = plan_link(settings, force_fixed_speeds);
    let thresholds = flow_thresholds(generation, regs.read(RXPBS), max_frame);
    let tx_pause_dropped = plan.flow_control.tx() && thresholds.is_none();
    if tx_pause_dropped {
        plan.flow_control = match plan.flow_control {
            FlowControl::Full => FlowControl::RxOnly,
            _ => FlowControl::Disabled,
        };
        plan.ctrl_set &= !ctrl::TFCE;
        plan.ctrl_clear |= ctrl::TFCE;
        if matches!(plan.mode, LinkMode::Autoneg { .. }) {
            plan.anar_pause = plan.flow_control.anar_pause_bits();
        }
    }

    regs.write(FCAL, pause_frame::FCAL_VALUE);
    regs.write(FCAH, pause_frame::FCAH_VALUE);
    regs.write(FCT, pause_frame::FCT_VALUE);
    regs.write(FCTTV, pause_frame::PAUSE_TIME);
    match thresholds {
        Some(limits) if plan.flow_control.tx() => {
            regs.write(FCRTL, limits.low | fcrtl::XONE);
            regs.write(FCRTH, limits.high);
        }
        _ => {
            regs.write(FCRTL, 0);
            regs.write(FCRTH, 0);
        }
    }

    if let LinkMode::Autoneg {
        anar_abilities,
        gtcr: gtcr_bits,
    } = plan.mode
    {
        let old = read_phy(regs, phy_reg::ANAR, clock)?;
        let keep = old & !(anar::ABILITY_MASK | anar::PAUSE_MASK | anar::SELECTOR_MASK);
        write_phy(
            regs,
            phy_reg::ANAR,
            keep | anar_abilities | plan.anar_pause | anar::SELECTOR_802_3,
            clock,
        )?;
        let old = read_phy(regs, phy_reg::GTCR, clock)?;
        let keep = old & !(gtcr::FD_1000 | gtcr::HD_1000);
        write_phy(regs, phy_reg::GTCR, keep | gtcr_bits, clock)?;
    }
    regs.modify(CTRL, |value| (value & !plan.ctrl_clear) | plan.ctrl_set);
    write_phy(regs, phy_reg::BMCR, plan.bmcr, clock)?;
    regs.flush()?;
    Ok(LinkConfigured {
        plan,
        thresholds,
        tx_pause_dropped,
    })
}

/// Resolves flow control from our advertisement and the partner's (802.3 Annex 28B.3 table,
/// plus the Linux rule that a requested Rx-only never sends): the mode to program.
#[must_use]
pub const fn resolve_flow_control(
    requested: FlowControl,
    local_anar: u16,
    partner_anlpar: u16,
    full_duplex: bool,
) -> FlowControl {
    if !full_duplex {
        return FlowControl::Disabled;
    }
    let (lp, la) = (
        local_anar & anar::PAUSE != 0,
        local_anar & anar::ASM_DIR != 0,
    );
    let (pp, pa) = (
        partner_anlpar & anar::PAUSE != 0,
        partner_anlpar & anar::ASM_DIR != 0,
    );
    if lp && pp {
        // Symmetric: both directions, unless only Rx was asked for.
        match requested {
            FlowControl::Full => FlowControl::Full,
            FlowControl::RxOnly => FlowControl::RxOnly,
            _ => FlowControl::Disabled,
        }
    } else if !lp && la && pp && pa {
        FlowControl::TxOnly
    } else if lp && la && !pp && pa {
        FlowControl::RxOnly
    } else {
        FlowControl::Disabled
    }
}

/// Programs CTRL.RFCE/TFCE for a resolved mode. One read-modify-write, no wait: any IRQL.
pub fn apply_flow_control<M: Mmio>(
    regs: &PfRegisters<M>,
    mode: FlowControl,
) -> Result<(), DeviceGone> {
    let value = regs.read_present(CTRL)?;
    regs.write(
        CTRL,
        (value & !(ctrl::RFCE | ctrl::TFCE)) | mode.ctrl_bits(),
    );
    Ok(())
}

/// After the link came up: programs CTRL.RFCE/TFCE for the mode in effect. For a forced
/// `plan` that is the plan's own mode (no PHY access). For an auto-negotiated one it reads
/// STATUS, ANAR and ANLPAR and resolves ([`resolve_flow_control`]); `Disabled` while the link
/// is down. Returns the mode programmed. PASSIVE_LEVEL only (MDIC polls): queue it as a work
/// item from the link-change interrupt. `plan` is [`LinkConfigured::plan`].
pub fn resolve_autoneg_flow_control<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    plan: &LinkPlan,
    clock: &C,
) -> Result<FlowControl, PhyError> {
    let link = read_link(regs)?;
    let mode = match plan.mode {
        LinkMode::Forced { .. } => plan.flow_control,
        LinkMode::Autoneg { .. } if link.up => {
            let local = read_phy(regs, phy_reg::ANAR, clock)?;
            let partner = read_phy(regs, phy_reg::ANLPAR, clock)?;
            resolve_flow_control(plan.flow_control, local, partner, link.full_duplex)
        }
        LinkMode::Autoneg { .. } => FlowControl::Disabled,
    };
    apply_flow_control(regs, mode)?;
    Ok(mode)
}
