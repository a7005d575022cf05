//! The PHY behind MDIC and link resolution: identifiers, MDIC errors and a dead PHY,
//! auto-negotiation against a configurable partner, forced modes, BMSR's latched-low link
//! bit, CTRL.SLU, STATUS speed/duplex, and ICR.LSC on every change.

use hw_platform::{Mmio, MsixVector};
use igb_model::regs as r;
use igb_model::{Device, Function, Generation, LinkMode, LinkModes, LinkPartner, PfBar, Speed};

const BMCR: u32 = 0;
const BMSR: u32 = 1;
const ANAR: u32 = 4;
const ANLPAR: u32 = 5;
const GTCR: u32 = 9;
const GTSR: u32 = 10;

fn mdic(pf: &PfBar, command: u32) -> u32 {
    pf.write32(r::MDIC, command);
    pf.read32(r::MDIC)
}

fn phy_read(pf: &PfBar, register: u32) -> u16 {
    let value = mdic(
        pf,
        r::MDIC_OP_READ | (register << r::MDIC_REGADD_SHIFT) | (1 << r::MDIC_PHYADD_SHIFT),
    );
    assert_ne!(value & r::MDIC_READY, 0, "MDIC completes");
    assert_eq!(value & r::MDIC_ERROR, 0);
    (value & 0xFFFF) as u16
}

fn phy_write(pf: &PfBar, register: u32, data: u16) {
    let value = mdic(
        pf,
        r::MDIC_OP_WRITE
            | (register << r::MDIC_REGADD_SHIFT)
            | (1 << r::MDIC_PHYADD_SHIFT)
            | u32::from(data),
    );
    assert_ne!(value & r::MDIC_READY, 0);
    assert_eq!(value & r::MDIC_ERROR, 0);
}

/// A built device (CTRL.SLU required) with SLU set and the "other" cause on PF vector 0.
fn device(generation: Generation) -> Device {
    let dev = Device::builder(generation).build();
    let pf = dev.pf_bar();
    pf.write32(r::GPIE, r::GPIE_MSIX_MODE);
    pf.write32(r::IVAR_MISC, r::IVAR_VALID << 8);
    // Auto-clear the vector's cause, as Linux igb does: every new ICR cause sends again.
    pf.write32(r::EIAC, 1);
    pf.write32(r::EIMS, 1);
    pf.write32(r::IMS, r::ICR_LSC);
    pf.write32(r::CTRL, r::CTRL_SLU);
    let _ = pf.read32(r::ICR);
    let _ = dev.take_interrupts(Function::Pf);
    dev
}

fn status_mode(pf: &PfBar) -> Option<(u32, bool)> {
    let status = pf.read32(r::STATUS);
    (status & r::STATUS_LU != 0).then(|| {
        let speed = match (status >> 6) & 3 {
            0 => 10,
            1 => 100,
            _ => 1000,
        };
        (speed, status & r::STATUS_FD != 0)
    })
}

#[test]
fn phy_identifier_and_mdic_errors() {
    for (generation, id) in [
        (Generation::I82576, 0x02A8_0391u32),
        (Generation::I350, 0x0154_03B0),
    ] {
        let dev = device(generation);
        let pf = dev.pf_bar();
        assert_eq!(u32::from(phy_read(&pf, 2)), id >> 16);
        assert_eq!(u32::from(phy_read(&pf, 3)), id & 0xFFFF);
        // A PHY address nobody answers at: R and E.
        let bad = mdic(&pf, r::MDIC_OP_READ | (2 << r::MDIC_PHYADD_SHIFT));
        assert_eq!(
            bad & (r::MDIC_READY | r::MDIC_ERROR),
            r::MDIC_READY | r::MDIC_ERROR
        );
        // Opcode 11b: error too.
        let bad = mdic(&pf, (0b11 << 26) | (1 << r::MDIC_PHYADD_SHIFT));
        assert_ne!(bad & r::MDIC_ERROR, 0);
        assert_eq!(dev.counters().mdic_errors, 2);
    }
}

#[test]
fn a_dead_phy_never_sets_ready() {
    let dev = device(Generation::I82576);
    let pf = dev.pf_bar();
    dev.set_phy_dead(true);
    let value = mdic(
        &pf,
        r::MDIC_OP_READ | (2 << r::MDIC_REGADD_SHIFT) | (1 << r::MDIC_PHYADD_SHIFT),
    );
    assert_eq!(value & r::MDIC_READY, 0);
    dev.set_phy_dead(false);
    assert_eq!(phy_read(&pf, 2), 0x02A8);
}

#[test]
fn autonegotiation_picks_the_highest_common_mode() {
    let dev = device(Generation::I82576);
    let pf = dev.pf_bar();
    assert_eq!(
        status_mode(&pf),
        Some((1000, true)),
        "default partner: 1000 full"
    );
    assert_eq!(
        dev.link_mode(),
        Some(LinkMode {
            speed: Speed::Mbps1000,
            full_duplex: true
        })
    );
    assert_ne!(phy_read(&pf, GTSR) & (1 << 11), 0, "partner 1000 FD");

    // Partner offers 10/100 only (with asymmetric pause).
    dev.set_link_partner(LinkPartner {
        modes: LinkModes::HALF_10
            .with(LinkModes::FULL_10)
            .with(LinkModes::HALF_100)
            .with(LinkModes::FULL_100),
        pause: false,
        asym_pause: true,
    });
    assert_eq!(status_mode(&pf), Some((100, true)));
    let anlpar = phy_read(&pf, ANLPAR);
    assert_ne!(anlpar & (1 << 8), 0, "100 FD");
    assert_eq!(anlpar & (1 << 10), 0, "no symmetric pause");
    assert_ne!(anlpar & (1 << 11), 0, "asymmetric pause");

    // We advertise 10 half only: the new advertisement counts after a restart.
    phy_write(&pf, ANAR, 0x0021);
    phy_write(&pf, GTCR, 0);
    assert_eq!(status_mode(&pf), Some((100, true)), "not before a restart");
    phy_write(&pf, BMCR, 0x1200);
    assert_eq!(status_mode(&pf), Some((10, false)));
    assert_eq!(phy_read(&pf, BMCR) & (1 << 9), 0, "restart self-clears");

    // Nothing in common: no link.
    dev.set_link_partner(LinkPartner {
        modes: LinkModes::FULL_1000,
        pause: true,
        asym_pause: false,
    });
    assert_eq!(status_mode(&pf), None);

    // PHY reset: defaults again (advertise everything), bit 15 self-clears.
    phy_write(&pf, BMCR, 0x8000);
    assert_eq!(phy_read(&pf, BMCR) & 0x8000, 0);
    assert_ne!(phy_read(&pf, GTCR) & (1 << 9), 0);
    assert_eq!(status_mode(&pf), Some((1000, true)));
}

#[test]
fn forced_mode_needs_the_partner_to_accept_it() {
    let dev = device(Generation::I350);
    let pf = dev.pf_bar();
    // Autoneg off, 100 Mb/s (bit 13), full duplex (bit 8).
    phy_write(&pf, BMCR, 0x2100);
    assert_eq!(status_mode(&pf), Some((100, true)));
    assert_eq!(
        phy_read(&pf, BMSR) & (1 << 5),
        0,
        "no autoneg complete when forced"
    );
    // 10 half.
    phy_write(&pf, BMCR, 0x0000);
    assert_eq!(status_mode(&pf), Some((10, false)));
    // 1000BASE-T cannot be forced (802.3 40.5.1).
    phy_write(&pf, BMCR, 0x0140);
    assert_eq!(status_mode(&pf), None);
    // A 1000-only partner does not accept forced 100 full.
    dev.set_link_partner(LinkPartner {
        modes: LinkModes::FULL_1000,
        pause: false,
        asym_pause: false,
    });
    phy_write(&pf, BMCR, 0x2100);
    assert_eq!(status_mode(&pf), None);
}

#[test]
fn bmsr_link_status_is_latched_low() {
    let dev = device(Generation::I82576);
    let pf = dev.pf_bar();
    // Power-up counts as "was down": the first read shows it, the second the present state.
    assert_eq!(phy_read(&pf, BMSR) & (1 << 2), 0);
    let bmsr = phy_read(&pf, BMSR);
    assert_ne!(bmsr & (1 << 2), 0);
    assert_ne!(bmsr & (1 << 5), 0, "autoneg complete");
    // A short drop (down and up again before software looks) stays visible once.
    dev.set_link(false);
    dev.set_link(true);
    assert_eq!(phy_read(&pf, BMSR) & (1 << 2), 0, "the drop is latched");
    assert_ne!(phy_read(&pf, BMSR) & (1 << 2), 0, "then the current state");
    // While down it reads 0 every time.
    dev.set_link(false);
    assert_eq!(phy_read(&pf, BMSR) & (1 << 2), 0);
    assert_eq!(phy_read(&pf, BMSR) & (1 << 2), 0);
}

#[test]
fn every_link_change_raises_lsc_on_the_other_vector() {
    let dev = device(Generation::I82576);
    let pf = dev.pf_bar();
    dev.set_link(false);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
    assert_ne!(pf.read32(r::ICR) & r::ICR_LSC, 0);
    dev.set_link(false);
    assert!(
        dev.take_interrupts(Function::Pf).is_empty(),
        "no change, no LSC"
    );
    dev.set_link(true);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
    let _ = pf.read32(r::ICR);
    // A speed change is a link change too.
    dev.set_link_partner(LinkPartner {
        modes: LinkModes::FULL_100,
        pause: false,
        asym_pause: false,
    });
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
    assert_ne!(pf.read32(r::ICR) & r::ICR_LSC, 0);
    // Masked LSC: the cause is latched, no message.
    pf.write32(r::IMC, r::ICR_LSC);
    dev.set_link(false);
    assert!(dev.take_interrupts(Function::Pf).is_empty());
    assert_ne!(pf.read32(r::ICR) & r::ICR_LSC, 0);
}

#[test]
fn the_mac_link_needs_ctrl_slu() {
    let dev = device(Generation::I82576);
    let pf = dev.pf_bar();
    assert!(dev.link_up());
    pf.write32(r::CTRL, 0);
    assert!(!dev.link_up());
    assert_eq!(pf.read32(r::STATUS) & r::STATUS_LU, 0);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
    // The PHY still has link: BMSR says so (after the latch is read once).
    let _ = phy_read(&pf, BMSR);
    assert_ne!(phy_read(&pf, BMSR) & (1 << 2), 0);
    // CTRL.RST clears SLU as well.
    pf.write32(r::CTRL, r::CTRL_SLU);
    assert!(dev.link_up());
    pf.write32(r::CTRL, r::CTRL_SLU | r::CTRL_RST);
    assert!(!dev.link_up());
    // Device::new keeps the old behaviour: link up from power-on without SLU.
    let legacy = Device::new(Generation::I82576);
    assert_ne!(legacy.pf_bar().read32(r::STATUS) & r::STATUS_LU, 0);
}

#[test]
fn flow_control_registers_read_back() {
    let dev = device(Generation::I350);
    let pf = dev.pf_bar();
    pf.write32(r::CTRL, r::CTRL_SLU | r::CTRL_RFCE | r::CTRL_TFCE);
    pf.write32(r::FCRTL, 0x8000_4000);
    pf.write32(r::FCRTH, 0x0000_5000);
    pf.write32(r::FCTTV, 0xFFFF);
    assert_eq!(
        pf.read32(r::CTRL) & (r::CTRL_RFCE | r::CTRL_TFCE),
        r::CTRL_RFCE | r::CTRL_TFCE
    );
    assert_eq!(pf.read32(r::FCRTL), 0x8000_4000);
    assert_eq!(pf.read32(r::FCRTH), 0x0000_5000);
    assert_eq!(pf.read32(r::FCTTV), 0xFFFF);
    assert!(dev.link_up(), "flow-control bits do not disturb the link");
}

/// The driver's own PHY code (igb::phy) against the model: configure_link for a fixed
/// 100 full, then the partner's abilities resolve flow control.
#[test]
fn the_drivers_phy_layer_works_against_the_model() {
    use igb::phy::{FlowControl, LinkSettings, SpeedDuplex, configure_link};
    let dev = Device::builder(Generation::I82576).build();
    let regs = igb::regs::PfRegisters::new(dev.pf_bar());
    let settings = LinkSettings {
        speed_duplex: SpeedDuplex::Full100,
        flow_control: FlowControl::Full,
    };
    let clock = dev.clock();
    configure_link(&regs, Generation::I82576, settings, false, 1522, &clock).unwrap();
    assert_eq!(
        dev.link_mode(),
        Some(LinkMode {
            speed: Speed::Mbps100,
            full_duplex: true
        }),
        "advertising only 100 full against an all-modes partner"
    );
    let plan = igb::phy::plan_link(settings, false);
    let mode = igb::phy::resolve_autoneg_flow_control(&regs, &plan, &clock).unwrap();
    assert_eq!(mode, FlowControl::Full, "both sides symmetric pause");
    assert_eq!(
        dev.pf_bar().read32(r::CTRL) & (r::CTRL_RFCE | r::CTRL_TFCE),
        r::CTRL_RFCE | r::CTRL_TFCE
    );
}
