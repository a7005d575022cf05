//! PHY access through MDIC, link configuration from `*SpeedDuplex` / `*FlowControl`, flow
//! control resolution and STATUS decoding, against a scripted BAR (`fake_nic`) whose PHY is
//! a clause-22 register file behind MDIC.

mod fake_nic;

use std::time::Duration;

use fake_nic::{FakeNic, MdicMode, StepClock};
use igb::ids::Generation;
use igb::phy::{
    FlowControl, LinkMode, LinkSettings, LinkStatus, MDIC_TIMEOUT, PhyError, SpeedDuplex, anar,
    bmcr, configure_link, flow_thresholds, gtcr, phy_reg, read_link, read_phy,
    resolve_autoneg_flow_control, resolve_flow_control, write_phy,
};
use igb::regs::pf::{CTRL, FCAH, FCAL, FCRTH, FCRTL, FCT, FCTTV, RXPBS, ctrl};
use igb::regs::{PfRegisters, VfRegisters};

const GEN: Generation = Generation::I82576;
const MAX_FRAME: u32 = 1522;
const CTRL_FORCE: u32 = ctrl::FRCSPD | ctrl::FRCDPX;

fn settings(speed_duplex: u32, flow_control: u32) -> LinkSettings {
    let (settings, fallbacks) = LinkSettings::from_registry(Some(speed_duplex), Some(flow_control));
    assert_eq!(fallbacks.speed_duplex, None);
    assert_eq!(fallbacks.flow_control, None);
    settings
}

/// Runs `configure_link` on a fresh fake (RXPBS = 64 KiB, CTRL with stale forcing and FC
/// bits, PHY registers with bits the driver must keep) and returns the fake.
fn configured(settings: LinkSettings, force: bool) -> FakeNic {
    let nic = FakeNic::new();
    nic.set(RXPBS.offset(), 64);
    nic.set(
        CTRL.offset(),
        ctrl::FRCSPD | ctrl::FRCDPX | ctrl::SPEED_1000 | ctrl::RFCE | ctrl::TFCE | ctrl::FD,
    );
    {
        let mut state = nic.state.borrow_mut();
        // ANAR: next page (15) + every ability + stale selector; GTCR: manual master (12) +
        // both 1000 abilities.
        state.phy[phy_reg::ANAR as usize] = 0x8000 | 0x0DE0 | 0x001F;
        state.phy[phy_reg::GTCR as usize] = 0x1000 | 0x0300;
    }
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    configure_link(&regs, GEN, settings, force, MAX_FRAME, &clock).unwrap();
    nic
}

#[test]
fn auto_advertises_every_supported_mode_and_restarts_negotiation() {
    let nic = configured(settings(0, 3), true);
    let anar_value = nic.phy_reg(phy_reg::ANAR);
    assert_eq!(anar_value & anar::ABILITY_MASK, anar::ABILITY_MASK);
    assert_eq!(anar_value & anar::SELECTOR_MASK, anar::SELECTOR_802_3);
    assert_ne!(anar_value & 0x8000, 0, "unrelated ANAR bits are kept");
    let gtcr_value = nic.phy_reg(phy_reg::GTCR);
    assert_eq!(gtcr_value & (gtcr::FD_1000 | gtcr::HD_1000), gtcr::FD_1000);
    assert_ne!(gtcr_value & 0x1000, 0, "master/slave setting is kept");
    assert_eq!(
        nic.phy_reg(phy_reg::BMCR),
        bmcr::AN_ENABLE | bmcr::RESTART_AN
    );
    // BMCR (the restart) is the last PHY write: the advertisement is in place before it.
    assert_eq!(
        nic.state.borrow().phy_writes.last().map(|w| w.0),
        Some(phy_reg::BMCR)
    );
    let ctrl_value = nic.get(CTRL.offset());
    assert_ne!(ctrl_value & ctrl::SLU, 0);
    assert_eq!(ctrl_value & CTRL_FORCE, 0, "the MAC follows the PHY");
    assert_eq!(
        ctrl_value & (ctrl::RFCE | ctrl::TFCE),
        0,
        "pause stays off until negotiation resolves it"
    );
}

#[test]
fn fixed_10_and_100_are_forced_on_mac_and_phy() {
    // (*SpeedDuplex, BMCR, CTRL speed, full duplex)
    let cases = [
        (1, 0, 0, false),
        (2, bmcr::FULL_DUPLEX, 0, true),
        (3, bmcr::SPEED_LSB, ctrl::SPEED_100, false),
        (
            4,
            bmcr::SPEED_LSB | bmcr::FULL_DUPLEX,
            ctrl::SPEED_100,
            true,
        ),
    ];
    for (value, bmcr_value, speed, full) in cases {
        let nic = configured(settings(value, 3), true);
        assert_eq!(
            nic.phy_reg(phy_reg::BMCR),
            bmcr_value,
            "*SpeedDuplex {value}"
        );
        let ctrl_value = nic.get(CTRL.offset());
        assert_eq!(ctrl_value & CTRL_FORCE, CTRL_FORCE, "*SpeedDuplex {value}");
        assert_eq!(ctrl_value & ctrl::SPEED_MASK, speed, "*SpeedDuplex {value}");
        assert_eq!(ctrl_value & ctrl::FD != 0, full, "*SpeedDuplex {value}");
        assert_ne!(ctrl_value & ctrl::SLU, 0);
        // Pause frames only on full duplex; forced mode programs them directly.
        let fc = if full { ctrl::RFCE | ctrl::TFCE } else { 0 };
        assert_eq!(
            ctrl_value & (ctrl::RFCE | ctrl::TFCE),
            fc,
            "*SpeedDuplex {value}"
        );
    }
}

#[test]
fn fixed_speeds_can_be_advertised_instead_of_forced() {
    let nic = configured(settings(4, 0), false);
    assert_eq!(
        nic.phy_reg(phy_reg::ANAR) & (anar::ABILITY_MASK | anar::PAUSE_MASK),
        anar::TX100_FD
    );
    assert_eq!(
        nic.phy_reg(phy_reg::GTCR) & (gtcr::FD_1000 | gtcr::HD_1000),
        0
    );
    assert_eq!(
        nic.phy_reg(phy_reg::BMCR),
        bmcr::AN_ENABLE | bmcr::RESTART_AN
    );
    assert_eq!(nic.get(CTRL.offset()) & CTRL_FORCE, 0);
}

#[test]
fn gigabit_full_is_advertise_only_never_forced() {
    for force in [true, false] {
        let nic = configured(settings(6, 3), force);
        assert_eq!(nic.phy_reg(phy_reg::ANAR) & anar::ABILITY_MASK, 0);
        assert_eq!(
            nic.phy_reg(phy_reg::GTCR) & (gtcr::FD_1000 | gtcr::HD_1000),
            gtcr::FD_1000
        );
        assert_eq!(
            nic.phy_reg(phy_reg::BMCR),
            bmcr::AN_ENABLE | bmcr::RESTART_AN
        );
        assert_eq!(nic.get(CTRL.offset()) & CTRL_FORCE, 0);
    }
}

#[test]
fn unsupported_registry_values_fall_back_and_are_reported() {
    let (parsed, fallbacks) = LinkSettings::from_registry(Some(5), Some(9));
    assert_eq!(parsed, LinkSettings::DEFAULT);
    assert_eq!(
        (fallbacks.speed_duplex, fallbacks.flow_control),
        (Some(5), Some(9))
    );
    let (parsed, fallbacks) = LinkSettings::from_registry(Some(10_000), None);
    assert_eq!(parsed.speed_duplex, SpeedDuplex::Auto);
    assert_eq!(fallbacks.speed_duplex, Some(10_000));
    assert_eq!(fallbacks.flow_control, None, "absent is not a fallback");
    assert_eq!(FlowControl::from_registry(4), Ok(FlowControl::Full));
}

#[test]
fn flow_control_programs_pause_bits_frame_registers_and_thresholds() {
    // (*FlowControl, ANAR pause bits, thresholds written)
    let cases = [
        (0, 0, false),
        (1, anar::ASM_DIR, true),
        (2, anar::PAUSE | anar::ASM_DIR, false),
        (3, anar::PAUSE | anar::ASM_DIR, true),
    ];
    for (value, pause, tx) in cases {
        let nic = configured(settings(0, value), true);
        assert_eq!(
            nic.phy_reg(phy_reg::ANAR) & anar::PAUSE_MASK,
            pause,
            "*FlowControl {value}"
        );
        assert_eq!(nic.get(FCAL.offset()), 0x00C2_8001);
        assert_eq!(nic.get(FCAH.offset()), 0x0100);
        assert_eq!(nic.get(FCT.offset()), 0x8808);
        assert_eq!(nic.get(FCTTV.offset()), 0xFFFF);
        // 64 KiB buffer, 1522-byte frames: high = min(90 %, 64 KiB - 2 frames) rounded down
        // to 16 bytes = 58976, low = high - 16, with XON enabled.
        let (high, low) = if tx {
            (58976, 58960 | (1 << 31))
        } else {
            (0, 0)
        };
        assert_eq!(nic.get(FCRTH.offset()), high, "*FlowControl {value}");
        assert_eq!(nic.get(FCRTL.offset()), low, "*FlowControl {value}");
    }
}

#[test]
fn thresholds_come_from_rxpbs_with_a_fallback() {
    let t = flow_thresholds(Generation::I82576, 32, 1522).unwrap();
    assert_eq!((t.packet_buffer_kib, t.assumed_default_buffer), (32, false));
    assert_eq!(t.high, 29488);
    // I350: bits 3:0 index the size table (2 => 144 KiB); 0xF is not a size.
    let t = flow_thresholds(Generation::I350, 2, 1522).unwrap();
    assert_eq!(t.packet_buffer_kib, 144);
    let t = flow_thresholds(Generation::I350, 0xF, 1522).unwrap();
    assert_eq!((t.packet_buffer_kib, t.assumed_default_buffer), (36, true));
    // A buffer that cannot hold two frames gives no thresholds at all.
    assert_eq!(flow_thresholds(Generation::I350, 0, 20_000), None);
    assert_eq!(flow_thresholds(Generation::I82576, 64, u32::MAX), None);
}

#[test]
fn tx_pause_is_dropped_when_no_threshold_fits() {
    let nic = FakeNic::new();
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    let done = configure_link(
        &regs,
        Generation::I350,
        settings(0, 3),
        true,
        20_000,
        &clock,
    )
    .unwrap();
    assert!(done.tx_pause_dropped);
    assert_eq!(done.plan.flow_control, FlowControl::RxOnly);
    assert_eq!(nic.get(FCRTH.offset()), 0);
}

#[test]
fn negotiated_pause_follows_the_annex_28b_table() {
    use FlowControl::{Disabled, Full, RxOnly, TxOnly};
    let (p, a) = (anar::PAUSE, anar::ASM_DIR);
    // (requested, local, partner, result)
    let table = [
        (Full, p | a, p, Full),
        (Full, p | a, p | a, Full),
        (RxOnly, p | a, p, RxOnly),
        (Full, p | a, a, RxOnly),
        (TxOnly, a, p | a, TxOnly),
        (TxOnly, a, p, Disabled),
        (TxOnly, a, a, Disabled),
        (Full, p | a, 0, Disabled),
        (Disabled, 0, p | a, Disabled),
    ];
    for (requested, local, partner, expected) in table {
        assert_eq!(
            resolve_flow_control(requested, local, partner, true),
            expected,
            "{requested:?} {local:#x} {partner:#x}"
        );
    }
    assert_eq!(resolve_flow_control(Full, p | a, p | a, false), Disabled);
}

#[test]
fn resolution_after_link_up_programs_ctrl() {
    let plan = igb::phy::plan_link(settings(0, 3), true);
    let nic = configured(settings(0, 3), true);
    nic.state.borrow_mut().phy[phy_reg::ANLPAR as usize] = anar::PAUSE | anar::TX100_FD;
    // Link up, full duplex, 1000.
    nic.set(0x0008, 0b10 << 6 | 0b11);
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    assert_eq!(
        resolve_autoneg_flow_control(&regs, &plan, &clock),
        Ok(FlowControl::Full)
    );
    assert_eq!(
        nic.get(CTRL.offset()) & (ctrl::RFCE | ctrl::TFCE),
        ctrl::RFCE | ctrl::TFCE
    );
    // Partner without pause: both off again.
    nic.state.borrow_mut().phy[phy_reg::ANLPAR as usize] = anar::TX100_FD;
    assert_eq!(
        resolve_autoneg_flow_control(&regs, &plan, &clock),
        Ok(FlowControl::Disabled)
    );
    assert_eq!(nic.get(CTRL.offset()) & (ctrl::RFCE | ctrl::TFCE), 0);
    // Link down: off, and no PHY access needed.
    nic.set(0x0008, 0);
    assert_eq!(
        resolve_autoneg_flow_control(&regs, &plan, &clock),
        Ok(FlowControl::Disabled)
    );

    // A forced plan keeps its own mode without reading the PHY (which here would fail).
    let forced = igb::phy::plan_link(settings(4, 2), true);
    nic.state.borrow_mut().mdic_mode = MdicMode::NeverReady;
    nic.set(0x0008, 0b01 << 6 | 0b11);
    assert_eq!(
        resolve_autoneg_flow_control(&regs, &forced, &clock),
        Ok(FlowControl::RxOnly)
    );
    assert_eq!(
        nic.get(CTRL.offset()) & (ctrl::RFCE | ctrl::TFCE),
        ctrl::RFCE
    );
}

#[test]
fn mdic_commands_use_the_documented_layout() {
    let nic = FakeNic::new();
    nic.state.borrow_mut().phy[5] = 0x45E1;
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    assert_eq!(read_phy(&regs, 5, &clock), Ok(0x45E1));
    // REGADD 5 in 20:16, PHYADD 1 in 25:21, OP read (10) in 27:26.
    assert!(
        nic.state
            .borrow()
            .writes
            .contains(&(0x20, (5 << 16) | (1 << 21) | (0b10 << 26)))
    );
    write_phy(&regs, 9, 0x0200, &clock).unwrap();
    assert!(
        nic.state
            .borrow()
            .writes
            .contains(&(0x20, 0x0200 | (9 << 16) | (1 << 21) | (0b01 << 26)))
    );
    assert_eq!(read_phy(&regs, 32, &clock), Err(PhyError::BadRegister(32)));
}

#[test]
fn mdic_failures_are_bounded_and_reported() {
    let nic = FakeNic::new();
    nic.state.borrow_mut().mdic_mode = MdicMode::NeverReady;
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    assert_eq!(
        read_phy(&regs, 1, &clock),
        Err(PhyError::Timeout { register: 1 })
    );
    assert!(clock.now.get() >= MDIC_TIMEOUT);
    assert!(clock.now.get() <= MDIC_TIMEOUT + Duration::from_millis(1));
    assert!(matches!(
        configure_link(&regs, GEN, LinkSettings::DEFAULT, true, MAX_FRAME, &clock),
        Err(PhyError::Timeout { .. })
    ));

    nic.state.borrow_mut().mdic_mode = MdicMode::Error;
    assert_eq!(
        write_phy(&regs, 0, 0, &clock),
        Err(PhyError::NoResponse { register: 0 })
    );

    nic.state.borrow_mut().mdic_mode = MdicMode::Normal;
    nic.remove();
    assert!(matches!(
        read_phy(&regs, 1, &clock),
        Err(PhyError::DeviceGone(_))
    ));
    assert!(matches!(
        configure_link(&regs, GEN, LinkSettings::DEFAULT, true, MAX_FRAME, &clock),
        Err(PhyError::DeviceGone(_))
    ));
}

#[test]
fn status_decoding_matches_the_datasheet() {
    let up = |value| LinkStatus::from_status(value);
    assert_eq!(
        up(0b10),
        LinkStatus {
            up: true,
            speed_mbps: 10,
            full_duplex: false
        }
    );
    assert_eq!(up(0b01 << 6 | 0b11).speed_mbps, 100);
    assert_eq!(up(0b10 << 6 | 0b11).speed_mbps, 1000);
    assert_eq!(up(0b11 << 6 | 0b11).speed_mbps, 1000);
    assert!(!up(0b10 << 6 | 0b01).up);
    assert!(up(0b10 << 6 | 0b01).full_duplex);

    let nic = FakeNic::new();
    nic.set(0x0008, 0b01 << 6 | 0b11);
    assert_eq!(
        read_link(&PfRegisters::new(&nic)),
        Ok(LinkStatus {
            up: true,
            speed_mbps: 100,
            full_duplex: true
        })
    );
    // The VF's VTSTATUS is at the same offset and decodes the same way.
    assert_eq!(
        read_link(&VfRegisters::new(&nic)).map(|l| l.speed_mbps),
        Ok(100)
    );
    nic.remove();
    assert!(read_link(&PfRegisters::new(&nic)).is_err());
}

#[test]
fn the_plan_names_the_mode() {
    let plan = igb::phy::plan_link(settings(3, 3), true);
    assert_eq!(
        plan.mode,
        LinkMode::Forced {
            speed_mbps: 100,
            full_duplex: false
        }
    );
    assert_eq!(
        plan.flow_control,
        FlowControl::Disabled,
        "no pause on half duplex"
    );
}
