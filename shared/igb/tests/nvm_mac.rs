//! NVM reads through EERD, the checksum, the permanent-MAC policy and the `*NetworkAddress`
//! override, against a scripted BAR (`fake_nic`).

mod fake_nic;

use std::time::Duration;

use fake_nic::{EerdMode, FakeNic, StepClock};
use igb::ids::Generation;
use igb::nvm::{
    Checksum, LanFunction, MacSource, NVM_WORD_TIMEOUT, NoPermanentMac, NvmError, NvmMac,
    OverrideRejected, apply_override, choose_permanent_mac, read_permanent_mac,
    read_pf_permanent_mac, read_word, validate_checksum,
};
use igb::regs::{DeviceGone, PfRegisters};

const MAC: [u8; 6] = [0x00, 0x1B, 0x21, 0x3C, 0x4D, 0x5E];
const RAR0_MAC: [u8; 6] = [0x00, 0x1B, 0x21, 0xAA, 0xBB, 0xCC];
const RAL0: u32 = 0x5400;
const RAH0: u32 = 0x5404;

fn f0() -> LanFunction {
    LanFunction::ZERO
}

fn set_rar0(nic: &FakeNic, mac: [u8; 6]) {
    nic.set(RAL0, u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]));
    nic.set(
        RAH0,
        u32::from(mac[4]) | (u32::from(mac[5]) << 8) | 0x8000_0000,
    );
}

#[test]
fn eerd_read_returns_the_word_and_uses_the_documented_layout() {
    let nic = FakeNic::new();
    nic.state.borrow_mut().nvm[0x2A] = 0xBEEF;
    nic.state.borrow_mut().eerd_mode = EerdMode::AfterReads(3);
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    assert_eq!(read_word(&regs, 0x2A, &clock), Ok(0xBEEF));
    // START with the address in 15:2.
    assert!(
        nic.state
            .borrow()
            .writes
            .contains(&(0x0014, (0x2A << 2) | 1))
    );
    assert_eq!(
        read_word(&regs, 0x4000, &clock),
        Err(NvmError::BadAddress(0x4000))
    );
}

#[test]
fn good_checksum_gives_the_nvm_mac() {
    let nic = FakeNic::new();
    nic.program_nvm_section(0, MAC);
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    assert_eq!(validate_checksum(&regs, 0, &clock), Ok(Checksum::Good));
    assert_eq!(
        read_permanent_mac(&regs, Generation::I82576, f0(), &clock),
        NvmMac::Valid(MAC)
    );
}

#[test]
fn i82576_port_1_inverts_the_last_bit_and_i350_uses_its_own_section() {
    let nic = FakeNic::new();
    nic.program_nvm_section(0, MAC);
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    let port1 = LanFunction::new(Generation::I82576, 1).unwrap();
    let mut expected = MAC;
    expected[5] ^= 1;
    assert_eq!(
        read_permanent_mac(&regs, Generation::I82576, port1, &clock),
        NvmMac::Valid(expected)
    );

    // I350 function 2: section at word 0xC0, with its own MAC and checksum.
    let other = [0x00, 0x1B, 0x21, 0x01, 0x02, 0x03];
    nic.program_nvm_section(0xC0, other);
    let f2 = LanFunction::new(Generation::I350, 2).unwrap();
    assert_eq!(
        read_permanent_mac(&regs, Generation::I350, f2, &clock),
        NvmMac::Valid(other)
    );
    // A broken section 1 does not affect function 2, but does function 1.
    let f1 = LanFunction::new(Generation::I350, 1).unwrap();
    assert!(matches!(
        read_permanent_mac(&regs, Generation::I350, f1, &clock),
        NvmMac::BadChecksum { .. }
    ));
}

#[test]
fn bad_checksum_is_reported_with_the_sum() {
    let nic = FakeNic::new();
    nic.program_nvm_section(0, MAC);
    nic.state.borrow_mut().nvm[0x10] ^= 0x0100;
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    let result = read_permanent_mac(&regs, Generation::I82576, f0(), &clock);
    assert_eq!(
        result,
        NvmMac::BadChecksum {
            sum: 0xBABA ^ 0x0100
        }
    );
}

#[test]
fn erased_nvm_reads_all_ones_words_but_is_not_a_removed_device() {
    let nic = FakeNic::new();
    nic.state.borrow_mut().nvm.fill(0xFFFF);
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    // 64 × 0xFFFF wraps to 0xFFC0.
    assert_eq!(
        read_permanent_mac(&regs, Generation::I82576, f0(), &clock),
        NvmMac::BadChecksum { sum: 0xFFC0 }
    );
    // Even EERD reading all ones as a whole is data while STATUS says the device is there.
    nic.state.borrow_mut().eerd_mode = EerdMode::AllOnes;
    assert_eq!(read_word(&regs, 5, &clock), Ok(0xFFFF));
}

#[test]
fn eerd_that_never_completes_times_out_within_the_bound() {
    let nic = FakeNic::new();
    nic.program_nvm_section(0, MAC);
    nic.state.borrow_mut().eerd_mode = EerdMode::Never;
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    assert_eq!(
        read_permanent_mac(&regs, Generation::I82576, f0(), &clock),
        NvmMac::Timeout { word: 0 }
    );
    // The first word's timeout ends the whole read: no 64 timeouts in a row.
    assert_eq!(nic.state.borrow().eerd_starts, 1);
    assert!(clock.now.get() <= NVM_WORD_TIMEOUT + Duration::from_millis(1));
    assert!(clock.now.get() >= NVM_WORD_TIMEOUT);
}

#[test]
fn removed_device_is_reported_as_gone_not_as_data() {
    let nic = FakeNic::new();
    nic.program_nvm_section(0, MAC);
    nic.remove();
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    assert!(matches!(
        read_permanent_mac(&regs, Generation::I82576, f0(), &clock),
        NvmMac::DeviceGone(_)
    ));
    // Removal in the middle of the checksum loop as well.
    let nic = FakeNic::new();
    nic.program_nvm_section(0, MAC);
    nic.state.borrow_mut().remove_after_reads = Some(20);
    let regs = PfRegisters::new(&nic);
    assert!(matches!(
        read_permanent_mac(&regs, Generation::I82576, f0(), &clock),
        NvmMac::DeviceGone(_)
    ));
}

#[test]
fn multicast_or_zero_mac_with_good_checksum_is_invalid() {
    for bad in [[0u8; 6], [0x01, 0x00, 0x5E, 0x00, 0x00, 0x01], [0xFF; 6]] {
        let nic = FakeNic::new();
        nic.program_nvm_section(0, bad);
        let regs = PfRegisters::new(&nic);
        let clock = StepClock::default();
        assert_eq!(
            read_permanent_mac(&regs, Generation::I82576, f0(), &clock),
            NvmMac::InvalidMac(bad)
        );
    }
}

#[test]
fn policy_prefers_the_nvm_then_rar0_then_fails() {
    assert_eq!(
        choose_permanent_mac(NvmMac::Valid(MAC), Some(RAR0_MAC)).map(|p| p.mac),
        Ok(MAC)
    );
    for nvm in [
        NvmMac::BadChecksum { sum: 1 },
        NvmMac::Timeout { word: 3 },
        NvmMac::InvalidMac([0; 6]),
    ] {
        let chosen = choose_permanent_mac(nvm, Some(RAR0_MAC)).unwrap();
        assert_eq!(chosen.mac, RAR0_MAC);
        assert_eq!(chosen.source, MacSource::Rar0 { nvm }, "the reason is kept");
        assert_eq!(
            choose_permanent_mac(nvm, Some([0x01, 0, 0, 0, 0, 1])),
            Err(NoPermanentMac {
                nvm,
                rar0: Some([0x01, 0, 0, 0, 0, 1])
            })
        );
        assert_eq!(
            choose_permanent_mac(nvm, None),
            Err(NoPermanentMac { nvm, rar0: None })
        );
    }
    let gone = NvmMac::DeviceGone(DeviceGone { offset: 0x14 });
    assert!(choose_permanent_mac(gone, Some(RAR0_MAC)).is_err());
}

#[test]
fn pf_permanent_mac_falls_back_to_rar0_on_a_bad_nvm() {
    let nic = FakeNic::new();
    nic.program_nvm_section(0, MAC);
    nic.state.borrow_mut().nvm[0x3F] ^= 1;
    set_rar0(&nic, RAR0_MAC);
    let regs = PfRegisters::new(&nic);
    let clock = StepClock::default();
    let chosen = read_pf_permanent_mac(&regs, Generation::I82576, f0(), &clock).unwrap();
    assert_eq!(chosen.mac, RAR0_MAC);
    assert!(matches!(
        chosen.source,
        MacSource::Rar0 {
            nvm: NvmMac::BadChecksum { .. }
        }
    ));

    // And with a good NVM the NVM wins over RAR0.
    nic.state.borrow_mut().nvm[0x3F] ^= 1;
    let chosen = read_pf_permanent_mac(&regs, Generation::I82576, f0(), &clock).unwrap();
    assert_eq!((chosen.mac, chosen.source), (MAC, MacSource::Nvm));

    // Bad NVM and an empty RAR0: a clear error.
    nic.state.borrow_mut().nvm[0x3F] ^= 1;
    set_rar0(&nic, [0; 6]);
    let error = read_pf_permanent_mac(&regs, Generation::I82576, f0(), &clock).unwrap_err();
    assert_eq!(error.rar0, Some([0; 6]));
}

#[test]
fn override_must_be_a_unicast_address() {
    let permanent = MAC;
    let wanted = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
    assert_eq!(apply_override(permanent, None), (permanent, None));
    assert_eq!(apply_override(permanent, Some(wanted)), (wanted, None));
    assert_eq!(
        apply_override(permanent, Some([0; 6])),
        (permanent, Some(OverrideRejected::Zero))
    );
    assert_eq!(
        apply_override(permanent, Some([0xFF; 6])),
        (permanent, Some(OverrideRejected::Broadcast))
    );
    assert_eq!(
        apply_override(permanent, Some([0x33, 0x33, 0, 0, 0, 1])),
        (permanent, Some(OverrideRejected::Multicast))
    );
}
