//! The NVM behind EERD: the permanent MAC words, the 0xBABA checksum, a corrupted checksum,
//! and RAR0 loaded from the NVM at reset.

use hw_platform::Mmio;
use igb_model::regs as r;
use igb_model::{DEFAULT_MAC, Device, Generation, PfBar};

fn eerd(pf: &PfBar, word: u32) -> u16 {
    pf.write32(r::EERD, (word << r::EERD_ADDR_SHIFT) | r::EERD_START);
    let value = pf.read32(r::EERD);
    assert_ne!(value & r::EERD_DONE, 0, "the read completes at once");
    assert_eq!(
        (value >> r::EERD_ADDR_SHIFT) & 0x3FFF,
        word,
        "ADDR echoes the request"
    );
    (value >> r::EERD_DATA_SHIFT) as u16
}

fn section_sum(pf: &PfBar) -> u16 {
    (0..=0x3F).fold(0u16, |sum, word| sum.wrapping_add(eerd(pf, word)))
}

#[test]
fn mac_words_and_checksum() {
    let mac = [0x00, 0x1B, 0x21, 0xAA, 0xBB, 0xCC];
    let dev = Device::builder(Generation::I82576).mac(mac).build();
    let pf = dev.pf_bar();
    assert_eq!(eerd(&pf, 0), 0x1B00);
    assert_eq!(eerd(&pf, 1), 0xAA21);
    assert_eq!(eerd(&pf, 2), 0xCCBB);
    assert_eq!(section_sum(&pf), 0xBABA);
    assert_eq!(dev.permanent_mac(), mac);
    // Without START the register just holds the value: DONE stays clear.
    pf.write32(r::EERD, 5 << r::EERD_ADDR_SHIFT);
    assert_eq!(pf.read32(r::EERD) & r::EERD_DONE, 0);
    // Beyond the image: erased flash.
    assert_eq!(eerd(&pf, 0x3FFF), 0xFFFF);
}

#[test]
fn corrupted_checksum_is_visible_and_the_driver_rejects_it() {
    let dev = Device::builder(Generation::I350).nvm_checksum_bad().build();
    let pf = dev.pf_bar();
    assert_ne!(section_sum(&pf), 0xBABA);
    let regs = igb::regs::PfRegisters::new(dev.pf_bar());
    let clock = dev.clock();
    let got =
        igb::nvm::read_permanent_mac(&regs, Generation::I350, igb::nvm::LanFunction::ZERO, &clock);
    assert!(
        matches!(got, igb::nvm::NvmMac::BadChecksum { .. }),
        "{got:?}"
    );

    let good = Device::new(Generation::I350);
    let regs = igb::regs::PfRegisters::new(good.pf_bar());
    let got = igb::nvm::read_permanent_mac(
        &regs,
        Generation::I350,
        igb::nvm::LanFunction::ZERO,
        &good.clock(),
    );
    assert_eq!(got, igb::nvm::NvmMac::Valid(DEFAULT_MAC));
}

#[test]
fn reset_loads_rar0_from_the_nvm() {
    let mac = [0x00, 0x1B, 0x21, 0x01, 0x02, 0x03];
    let dev = Device::with_mac(Generation::I82576, mac);
    let pf = dev.pf_bar();
    pf.write32(r::RAL0, 0);
    pf.write32(r::RAL0 + 4, 0);
    pf.write32(r::CTRL, r::CTRL_RST);
    assert_eq!(pf.read32(r::RAL0), 0x0121_1B00);
    assert_eq!(pf.read32(r::RAL0 + 4), 0x0302 | r::RAH_AV);
    assert_ne!(pf.read32(r::EECD) & r::EECD_AUTO_RD, 0);
}
