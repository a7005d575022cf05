//! The model keeps its own datasheet-derived register constants (`igb_model::regs`); this
//! test proves they agree with the driver's register layer (`igb::regs`), so both sides use
//! the same names for the same offsets and bits. A disagreement is a bug in one of them.

use igb::ids::Generation;
use igb::regs::{pf, vf};
use igb_model::regs as m;

#[test]
fn pf_register_offsets_agree_with_the_driver_layer() {
    let pairs = [
        (m::CTRL, pf::CTRL.offset()),
        (m::STATUS, pf::STATUS.offset()),
        (m::EERD, pf::EERD.offset()),
        (m::MDIC, pf::MDIC.offset()),
        (m::FCTTV, pf::FCTTV.offset()),
        (m::FCRTL, pf::FCRTL.offset()),
        (m::FCRTH, pf::FCRTH.offset()),
        (m::CRCERRS, pf::CRCERRS.offset()),
        (m::RXERRC, pf::RXERRC.offset()),
        (m::COLC, pf::COLC.offset()),
        (m::RLEC, pf::RLEC.offset()),
        (m::RUC, pf::RUC.offset()),
        (m::MPTC, pf::MPTC.offset()),
        (m::BPTC, pf::BPTC.offset()),
        (m::CTRL_EXT, pf::CTRL_EXT.offset()),
        (m::GPIE, pf::GPIE.offset()),
        (m::ICR, pf::ICR.offset()),
        (m::ICS, pf::ICS.offset()),
        (m::IMS, pf::IMS.offset()),
        (m::IMC, pf::IMC.offset()),
        (m::IAM, pf::IAM.offset()),
        (m::EICS, pf::EICS.offset()),
        (m::EIMS, pf::EIMS.offset()),
        (m::EIMC, pf::EIMC.offset()),
        (m::EIAC, pf::EIAC.offset()),
        (m::EIAM, pf::EIAM.offset()),
        (m::EICR, pf::EICR.offset()),
        (m::IVAR_MISC, pf::IVAR_MISC.offset()),
        (m::RCTL, pf::RCTL.offset()),
        (m::TCTL, pf::TCTL.offset()),
        (m::RLPML, pf::RLPML.offset()),
        (m::MRQC, pf::MRQC.offset()),
        (m::QDE, pf::QDE.offset()),
        (m::DTXCTL, pf::DTXCTL.offset()),
        (m::RXCSUM, pf::RXCSUM.offset()),
        (m::VET, pf::VET.offset()),
        (m::VT_CTL, pf::VT_CTL.offset()),
        (m::VFRE, pf::VFRE.offset()),
        (m::VFTE, pf::VFTE.offset()),
        (m::IOVCTL, pf::IOVCTL.offset()),
        (m::DTXSWC, pf::DTXSWC.offset()),
        (m::TXSWC, pf::TXSWC.offset()),
        (m::WVBR, pf::WVBR.offset()),
        (m::LVMMC, pf::LVMMC.offset()),
        (m::MBVFICR, pf::MBVFICR.offset()),
        (m::MBVFIMR, pf::MBVFIMR.offset()),
        (m::VFLRE, pf::VFLRE.offset()),
    ];
    for (model, driver) in pairs {
        assert_eq!(model, driver, "offset {model:#x} vs {driver:#x}");
    }
    for i in 0..25 {
        assert_eq!(
            Some(m::EITR0 + 4 * i as u32),
            pf::eitr(i).map(|r| r.offset())
        );
    }
    for i in 0..8 {
        assert_eq!(
            Some(m::IVAR0 + 4 * i as u32),
            pf::ivar(i).map(|r| r.offset())
        );
        assert_eq!(
            Some(m::VMOLR0 + 4 * i as u32),
            pf::vmolr(i).map(|r| r.offset())
        );
        assert_eq!(
            Some(m::VMVIR0 + 4 * i as u32),
            pf::vmvir(i).map(|r| r.offset())
        );
        assert_eq!(
            Some(m::PSRTYPE0 + 4 * i as u32),
            pf::psrtype(i).map(|r| r.offset())
        );
        assert_eq!(
            Some(m::P2VMAILBOX0 + 4 * i as u32),
            pf::pf_mailbox(i).map(|r| r.offset())
        );
        assert_eq!(
            Some(m::VMBMEM0 + 64 * i as u32 + 4),
            pf::vmbmem(i, 1).map(|r| r.offset())
        );
        assert_eq!(
            Some(m::DVMOLR0 + 0x40 * i as u32),
            pf::dvmolr(Generation::I350, i).map(|r| r.offset())
        );
        let mirror = m::PF_VF_MIRROR0 + 0x100 * i as u32;
        assert_eq!(Some(mirror), pf::pvtctrl(i).map(|r| r.offset()));
        assert_eq!(
            Some(mirror + (m::VFGPRC & 0xFF)),
            pf::pvfgprc(i).map(|r| r.offset())
        );
        assert_eq!(
            Some(mirror + (m::VFMPRC & 0xFF)),
            pf::pvfmprc(i).map(|r| r.offset())
        );
        assert_eq!(
            Some(mirror + (m::VTEICS & 0xFF)),
            pf::pvteics(i).map(|r| r.offset())
        );
        assert_eq!(
            Some(mirror + (m::VTEICR & 0xFF)),
            pf::pvteicr(i).map(|r| r.offset())
        );
    }
    assert_eq!(
        Some(m::RPLOLR),
        pf::rplolr(Generation::I82576).map(|r| r.offset())
    );
    for i in 0..32 {
        assert_eq!(
            Some(m::VLVF0 + 4 * i as u32),
            pf::vlvf(i).map(|r| r.offset())
        );
        let ral = if i < 16 {
            m::RAL0 + 8 * i as u32
        } else {
            m::RAL16 + 8 * (i as u32 - 16)
        };
        assert_eq!(Some(ral), pf::ral(Generation::I350, i).map(|r| r.offset()));
        assert_eq!(
            Some(ral + 4),
            pf::rah(Generation::I350, i).map(|r| r.offset())
        );
    }
    for i in 0..128 {
        assert_eq!(Some(m::MTA0 + 4 * i as u32), pf::mta(i).map(|r| r.offset()));
        assert_eq!(Some(m::UTA0 + 4 * i as u32), pf::uta(i).map(|r| r.offset()));
    }
    for q in 0..16 {
        let rx = pf::rx_queue(Generation::I82576, q).expect("82576 has 16 queues");
        let tx = pf::tx_queue(Generation::I82576, q).expect("82576 has 16 queues");
        let (rx_base, tx_base) = if q < 4 {
            (
                m::RXQ_ALIAS0 + 0x100 * q as u32,
                m::TXQ_ALIAS0 + 0x100 * q as u32,
            )
        } else {
            (m::RXQ0 + 0x40 * q as u32, m::TXQ0 + 0x40 * q as u32)
        };
        assert_eq!(rx.rdbal.offset(), rx_base + m::Q_BAL);
        assert_eq!(rx.rdbah.offset(), rx_base + m::Q_BAH);
        assert_eq!(rx.rdlen.offset(), rx_base + m::Q_LEN);
        assert_eq!(rx.srrctl.offset(), rx_base + m::Q_SRRCTL);
        assert_eq!(rx.rdh.offset(), rx_base + m::Q_HEAD);
        assert_eq!(rx.rdt.offset(), rx_base + m::Q_TAIL);
        assert_eq!(rx.rxdctl.offset(), rx_base + m::Q_DCTL);
        assert_eq!(rx.rqdpc.offset(), rx_base + m::Q_RQDPC);
        assert_eq!(tx.tdbal.offset(), tx_base + m::Q_BAL);
        assert_eq!(tx.tdh.offset(), tx_base + m::Q_HEAD);
        assert_eq!(tx.tdt.offset(), tx_base + m::Q_TAIL);
        assert_eq!(tx.txdctl.offset(), tx_base + m::Q_DCTL);
        assert_eq!(tx.tdwbal.offset(), tx_base + m::Q_TDWBAL);
        assert_eq!(tx.tdwbah.offset(), tx_base + m::Q_TDWBAH);
    }
    assert!(
        pf::rx_queue(Generation::I350, 8).is_none(),
        "I350 has 8 queues"
    );
}

#[test]
fn pf_register_bits_agree_with_the_driver_layer() {
    let pairs = [
        (m::CTRL_RST, pf::ctrl::RST),
        (m::CTRL_DEV_RST, pf::ctrl::DEV_RST),
        (m::CTRL_GIO_MASTER_DISABLE, pf::ctrl::GIO_MASTER_DISABLE),
        (m::CTRL_SLU, pf::ctrl::SLU),
        (m::CTRL_RFCE, pf::ctrl::RFCE),
        (m::CTRL_TFCE, pf::ctrl::TFCE),
        (m::MDIC_READY, pf::mdic::READY),
        (m::MDIC_ERROR, pf::mdic::ERROR),
        (m::MDIC_OP_READ, pf::mdic::OP_READ),
        (m::MDIC_OP_WRITE, pf::mdic::OP_WRITE),
        (m::MDIC_REGADD_SHIFT, pf::mdic::REGADD_SHIFT),
        (m::MDIC_PHYADD_SHIFT, pf::mdic::PHYADD_SHIFT),
        (m::EERD_START, pf::eerd::START),
        (m::EERD_DONE, pf::eerd::DONE),
        (m::EERD_ADDR_SHIFT, pf::eerd::ADDR_SHIFT),
        (m::EERD_DATA_SHIFT, pf::eerd::DATA_SHIFT),
        (m::CTRL_VME, pf::ctrl::VME),
        (m::STATUS_LU, pf::status::LU),
        (m::STATUS_FD, pf::status::FD),
        (m::STATUS_IOV_MODE, pf::status::IOV_MODE),
        (m::STATUS_GIO_MASTER_ENABLE, pf::status::GIO_MASTER_ENABLE),
        (m::STATUS_NUM_VFS_SHIFT, pf::status::NUM_VFS_SHIFT),
        (m::CTRL_EXT_PFRSTD, pf::ctrl_ext::PFRSTD),
        (m::GPIE_MSIX_MODE, pf::gpie::MSIX_MODE),
        (m::GPIE_EIAME, pf::gpie::EIAME),
        (m::GPIE_NSICR, pf::gpie::NSICR),
        (m::GPIE_PBA, pf::gpie::PBA),
        (m::ICR_LSC, pf::icr::LSC),
        (m::ICR_VMMB, pf::icr::VMMB),
        (m::ICR_DOUTSYNC, pf::icr::DOUTSYNC),
        (m::EICR_MSIX_MASK, pf::EICR_MSIX_MASK),
        (m::IVAR_VALID, pf::ivar_bits::VALID),
        (m::RCTL_EN, pf::rctl::EN),
        (m::RCTL_UPE, pf::rctl::UPE),
        (m::RCTL_MPE, pf::rctl::MPE),
        (m::RCTL_LPE, pf::rctl::LPE),
        (m::RCTL_BAM, pf::rctl::BAM),
        (m::RCTL_VFE, pf::rctl::VFE),
        (m::RCTL_SECRC, pf::rctl::SECRC),
        (m::TCTL_EN, pf::tctl::EN),
        (m::TCTL_PSP, pf::tctl::PSP),
        (m::MRQC_MODE_VMDQ, pf::mrqc::VMDQ),
        (m::MRQC_MODE_VMDQ_RSS, pf::mrqc::VMDQ_RSS),
        (m::DCTL_ENABLE, pf::dctl::ENABLE),
        (m::SRRCTL_DROP_EN, pf::srrctl::DROP_EN),
        (m::SRRCTL_BSIZEPKT_MASK, pf::srrctl::BSIZEPACKET_MASK),
        (m::VT_CTL_DEF_PL_SHIFT, pf::vt_ctl::DEF_PL_SHIFT),
        (m::VT_CTL_DIS_DEF_POOL, pf::vt_ctl::DIS_DEF_POOL),
        (m::VT_CTL_REPL_EN, pf::vt_ctl::REPL_EN),
        (m::VMVIR_VLANA_DEFAULT, pf::vmvir_bits::VLANA_DEFAULT),
        (m::VMVIR_VLANA_NEVER, pf::vmvir_bits::VLANA_NEVER),
        (m::DVMOLR_STRVLAN, pf::dvmolr_bits::STRVLAN),
        (m::DVMOLR_STRCRC, pf::dvmolr_bits::STRCRC),
        (m::RAH_POOLSEL_SHIFT, pf::rah_bits::POOLSEL_SHIFT),
        (m::RAH_AV, pf::rah_bits::AV),
        (m::VLVF_VID_MASK, pf::vlvf_bits::VID_MASK),
        (m::VLVF_POOLSEL_SHIFT, pf::vlvf_bits::POOLSEL_SHIFT),
        (m::VLVF_VI_EN, pf::vlvf_bits::VI_EN),
        (m::TXSWC_VLAN_SPOOF_SHIFT, pf::txswc::VLAN_SPOOF_SHIFT),
        (m::TXSWC_LLE_SHIFT, pf::txswc::LLE_SHIFT),
        (m::TXSWC_LOOPBACK_EN, pf::txswc::LOOPBACK_EN),
        (m::P2V_STS, pf::pf_mailbox_bits::STS),
        (m::P2V_ACK, pf::pf_mailbox_bits::ACK),
        (m::P2V_VFU, pf::pf_mailbox_bits::VFU),
        (m::P2V_PFU, pf::pf_mailbox_bits::PFU),
        (m::P2V_RVFU, pf::pf_mailbox_bits::RVFU),
    ];
    for (index, (model, driver)) in pairs.into_iter().enumerate() {
        assert_eq!(model, driver, "pair {index}: {model:#x} vs {driver:#x}");
    }
}

#[test]
fn vf_register_map_agrees_with_the_driver_layer() {
    let pairs = [
        (m::VTCTRL, vf::VTCTRL.offset()),
        (m::VTSTATUS, vf::VTSTATUS.offset()),
        (m::VTFRTIMER, vf::VTFRTIMER.offset()),
        (m::VTEICS, vf::VTEICS.offset()),
        (m::VTEIMS, vf::VTEIMS.offset()),
        (m::VTEIMC, vf::VTEIMC.offset()),
        (m::VTEIAC, vf::VTEIAC.offset()),
        (m::VTEIAM, vf::VTEIAM.offset()),
        (m::VTEICR, vf::VTEICR.offset()),
        (m::VTIVAR, vf::VTIVAR.offset()),
        (m::VTIVAR_MISC, vf::VTIVAR_MISC.offset()),
        (m::VTPBACL, vf::VTPBACL.offset()),
        (m::VF_PSRTYPE, vf::PSRTYPE.offset()),
        (m::V2PMAILBOX, vf::V2PMAILBOX.offset()),
        (m::VFGPRC, vf::VFGPRC.offset()),
        (m::VFGPTC, vf::VFGPTC.offset()),
        (m::VFGORC, vf::VFGORC.offset()),
        (m::VFGOTC, vf::VFGOTC.offset()),
        (m::VFMPRC, vf::VFMPRC.offset()),
        (m::VFGPRLBC, vf::VFGPRLBC.offset()),
        (m::VFGPTLBC, vf::VFGPTLBC.offset()),
        (m::VFGORLBC, vf::VFGORLBC.offset()),
        (m::VFGOTLBC, vf::VFGOTLBC.offset()),
        (m::CTRL_RST, vf::vtctrl::RST),
        (m::V2P_REQ, vf::v2p_mailbox_bits::REQ),
        (m::V2P_ACK, vf::v2p_mailbox_bits::ACK),
        (m::V2P_VFU, vf::v2p_mailbox_bits::VFU),
        (m::V2P_PFU, vf::v2p_mailbox_bits::PFU),
        (m::V2P_PFSTS, vf::v2p_mailbox_bits::PFSTS),
        (m::V2P_PFACK, vf::v2p_mailbox_bits::PFACK),
        (m::V2P_RSTI, vf::v2p_mailbox_bits::RSTI),
        (m::V2P_RSTD, vf::v2p_mailbox_bits::RSTD),
    ];
    for (index, (model, driver)) in pairs.into_iter().enumerate() {
        assert_eq!(model, driver, "pair {index}: {model:#x} vs {driver:#x}");
    }
    for k in 0..3 {
        assert_eq!(
            Some(m::VTEITR0 + 4 * k as u32),
            vf::vteitr(k).map(|r| r.offset())
        );
    }
    assert_eq!(Some(m::VMBMEM0 + 60), vf::vmbmem(15).map(|r| r.offset()));
    for k in 0..2 {
        let rx = vf::rx_queue(Generation::I82576, k).expect("two VF queues on 82576");
        let tx = vf::tx_queue(Generation::I82576, k).expect("two VF queues on 82576");
        assert_eq!(rx.rdbal.offset(), m::RXQ_ALIAS0 + 0x100 * k as u32);
        assert_eq!(
            rx.rdt.offset(),
            m::RXQ_ALIAS0 + 0x100 * k as u32 + m::Q_TAIL
        );
        assert_eq!(
            tx.tdt.offset(),
            m::TXQ_ALIAS0 + 0x100 * k as u32 + m::Q_TAIL
        );
        assert_eq!(
            tx.tdwbal.offset(),
            m::TXQ_ALIAS0 + 0x100 * k as u32 + m::Q_TDWBAL
        );
    }
    assert!(
        vf::rx_queue(Generation::I350, 1).is_none(),
        "one VF queue on I350"
    );
}
