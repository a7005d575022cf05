//! NVM (EEPROM / flash) access through EERD, its checksum, and the PF's permanent MAC policy.
//!
//! Facts (82576 datasheet 8.2.2 "EEPROM Read Register", 6.1 "NVM map"; I350 datasheet 6.1;
//! Linux `e1000_read_nvm_eerd`, `igb_validate_nvm_checksum_with_offset`,
//! `NVM_82580_LAN_FUNC_OFFSET`):
//! * EERD (0x0014): software writes the word address in bits 15:2 with START (bit 0); the
//!   hardware sets DONE (bit 1) and puts the word in bits 31:16.
//! * The words 0x00..=0x3F of a LAN function's section sum (wrapping `u16`) to 0xBABA; word
//!   0x3F is the checksum word chosen to make it so.
//! * Words 0..=2 of the section hold the MAC address, little-endian (word 0 = bytes 0, 1).
//! * 82576: one section for both ports at word 0. LAN function 1 uses the same address with
//!   bit 0 of the last byte inverted (82576 datasheet 6.2.1; Linux flips `perm_addr[5]` for
//!   `E1000_FUNC_1`).
//! * I350: one section per LAN function, at word 0 for function 0 and `0x40 + 0x40 * n` for
//!   function n > 0 (0x80, 0xC0, 0x100), each with its own MAC and its own checksum.
//! * Only the driven function's section is validated: it is the one holding our MAC. (Linux
//!   validates all four I350 sections at probe and refuses the port if any is bad; a bad
//!   neighbour section here only matters to the neighbour's driver.)
//! * The LAN function is STATUS bits 3:2 ([`LanFunction::from_status`]): it already accounts
//!   for an NVM port swap, which the PCI function number does not.
//!
//! Every EERD read polls with a timeout ([`NVM_WORD_TIMEOUT`]), so everything here that reads
//! the NVM is **PASSIVE_LEVEL only** (`MiniportInitializeEx`), never at DISPATCH_LEVEL.
//!
//! Not done: the SW/FW semaphore (SWSM / SW_FW_SYNC) Linux takes before NVM access on parts
//! with manageability firmware; without it an EERD read racing the firmware can time out,
//! which is then reported as [`NvmMac::Timeout`] and handled by the RAR0 fallback.

use core::time::Duration;

use hw_platform::{Clock, Mmio};

use crate::filters::{MacAddr, is_multicast, is_valid_unicast};
use crate::ids::Generation;
use crate::regs::pf::{EERD, STATUS, eerd, status};
use crate::regs::{DeviceGone, PfRegisters, WaitError};

/// How long one EERD word read may take. A read normally completes in microseconds; the
/// allowance covers an NVM busy with an auto-load. (Linux allows up to 100 000 × 5 µs.)
pub const NVM_WORD_TIMEOUT: Duration = Duration::from_millis(10);
/// Pause between EERD polls.
pub const NVM_POLL_INTERVAL: Duration = Duration::from_micros(5);
/// The value every checksummed section sums to.
pub const NVM_SUM: u16 = 0xBABA;
/// The checksum word, relative to its section (the section is words 0..=0x3F).
pub const NVM_CHECKSUM_WORD: u16 = 0x3F;
/// Highest word address EERD can express (14 address bits).
pub const NVM_MAX_WORD: u16 = 0x3FFF;

/// Why one NVM word could not be read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NvmError {
    /// EERD.DONE did not come within [`NVM_WORD_TIMEOUT`].
    Timeout {
        /// Word address being read.
        word: u16,
    },
    /// EERD (or STATUS) read all ones: the device is gone.
    DeviceGone(DeviceGone),
    /// The word address does not fit EERD's 14-bit field.
    BadAddress(u32),
}

/// The LAN function (port) a PF drives: 0..=1 on the 82576, 0..=3 on the I350.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LanFunction(u8);

impl LanFunction {
    /// Function 0.
    pub const ZERO: Self = Self(0);

    /// The LAN function `n`, if the generation has it (82576: 2 ports, I350: 4).
    #[must_use]
    pub const fn new(generation: Generation, n: u8) -> Option<Self> {
        let ports = match generation {
            Generation::I82576 => 2,
            Generation::I350 => 4,
        };
        if n < ports { Some(Self(n)) } else { None }
    }

    /// STATUS.FUNC_ID (bits 3:2). `None` when the value is not a port of the generation
    /// (e.g. 2 or 3 on an 82576), which a healthy device does not report.
    #[must_use]
    pub const fn from_status(generation: Generation, status_value: u32) -> Option<Self> {
        Self::new(
            generation,
            ((status_value & status::FUNC_ID_MASK) >> status::FUNC_ID_SHIFT) as u8,
        )
    }

    /// The function number.
    #[must_use]
    pub const fn index(self) -> u8 {
        self.0
    }

    /// First word of this function's NVM section: 0 on the 82576 (one shared section);
    /// on the I350 0 for function 0, `0x40 + 0x40 * n` otherwise.
    #[must_use]
    pub const fn section_base(self, generation: Generation) -> u16 {
        match generation {
            Generation::I82576 => 0,
            Generation::I350 => {
                if self.0 == 0 {
                    0
                } else {
                    // n <= 3, so at most 0x100.
                    0x40 + 0x40 * self.0 as u16
                }
            }
        }
    }
}

/// Reads NVM word `word` through EERD: at most [`NVM_WORD_TIMEOUT`]. PASSIVE_LEVEL only.
pub fn read_word<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    word: u16,
    clock: &C,
) -> Result<u16, NvmError> {
    if word > NVM_MAX_WORD {
        return Err(NvmError::BadAddress(word.into()));
    }
    regs.write(EERD, (u32::from(word) << eerd::ADDR_SHIFT) | eerd::START);
    match regs.wait_for_bits(
        EERD,
        eerd::DONE,
        eerd::DONE,
        clock,
        NVM_WORD_TIMEOUT,
        NVM_POLL_INTERVAL,
    ) {
        // All ones has DONE set: tell a removed device from a word that is really 0xFFFF
        // (an erased NVM reads that way) by STATUS, which cannot read all ones.
        Ok(u32::MAX) => match regs.read_present(STATUS) {
            Ok(_) => Ok(u16::MAX),
            Err(gone) => Err(NvmError::DeviceGone(gone)),
        },
        Ok(value) => Ok((value >> eerd::DATA_SHIFT) as u16),
        Err(WaitError::Timeout { .. }) => Err(NvmError::Timeout { word }),
        Err(WaitError::DeviceGone(gone)) => Err(NvmError::DeviceGone(gone)),
    }
}

/// The outcome of checking a section's checksum.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Checksum {
    /// Words `base..=base + 0x3F` sum to [`NVM_SUM`].
    Good,
    /// They sum to `sum` instead.
    Bad {
        /// The wrapping sum found.
        sum: u16,
    },
}

/// Sums words `base..=base + 0x3F` (wrapping) and compares with [`NVM_SUM`]. Stops at the
/// first word that cannot be read. PASSIVE_LEVEL only (up to 64 bounded EERD reads).
pub fn validate_checksum<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    base: u16,
    clock: &C,
) -> Result<Checksum, NvmError> {
    let mut sum: u16 = 0;
    for offset in 0..=NVM_CHECKSUM_WORD {
        let word = base
            .checked_add(offset)
            .filter(|word| *word <= NVM_MAX_WORD)
            .ok_or(NvmError::BadAddress(u32::from(base) + u32::from(offset)))?;
        sum = sum.wrapping_add(read_word(regs, word, clock)?);
    }
    if sum == NVM_SUM {
        Ok(Checksum::Good)
    } else {
        Ok(Checksum::Bad { sum })
    }
}

/// What the NVM says about the permanent MAC.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NvmMac {
    /// Good checksum and a valid unicast address.
    Valid(MacAddr),
    /// The section's checksum is wrong: its contents are not trusted.
    BadChecksum {
        /// The wrapping sum found (expected [`NVM_SUM`]).
        sum: u16,
    },
    /// An EERD read did not complete.
    Timeout {
        /// Word address that timed out.
        word: u16,
    },
    /// The device stopped answering.
    DeviceGone(DeviceGone),
    /// The checksum is good but the address is zero, multicast or broadcast.
    InvalidMac(MacAddr),
}

/// Reads the permanent MAC of `function` from the NVM: validates the section checksum, then
/// reads words 0..=2 of the section (see the module documentation for the 82576 port-1 and
/// I350 per-function rules). PASSIVE_LEVEL only.
pub fn read_permanent_mac<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    generation: Generation,
    function: LanFunction,
    clock: &C,
) -> NvmMac {
    let base = function.section_base(generation);
    let to_nvm_mac = |error: NvmError| match error {
        NvmError::Timeout { word } => NvmMac::Timeout { word },
        NvmError::DeviceGone(gone) => NvmMac::DeviceGone(gone),
        // Unreachable: section bases are at most 0x100, far below the 14-bit limit; were it
        // reached, "that word could not be read" is what Timeout reports.
        NvmError::BadAddress(word) => NvmMac::Timeout {
            word: u16::try_from(word).unwrap_or(u16::MAX),
        },
    };
    match validate_checksum(regs, base, clock) {
        Ok(Checksum::Good) => {}
        Ok(Checksum::Bad { sum }) => return NvmMac::BadChecksum { sum },
        Err(error) => return to_nvm_mac(error),
    }
    let mut mac = [0u8; 6];
    for (index, pair) in mac.chunks_exact_mut(2).enumerate() {
        // index <= 2 and base <= 0x100.
        let word = match read_word(regs, base + index as u16, clock) {
            Ok(word) => word,
            Err(error) => return to_nvm_mac(error),
        };
        pair.copy_from_slice(&word.to_le_bytes());
    }
    if generation == Generation::I82576 && function.index() == 1 {
        mac[5] ^= 1;
    }
    if is_valid_unicast(&mac) {
        NvmMac::Valid(mac)
    } else {
        NvmMac::InvalidMac(mac)
    }
}

/// Where the PF's permanent MAC came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MacSource {
    /// The NVM (checksum good, valid unicast).
    Nvm,
    /// RAR0 as the hardware auto-loaded it, because the NVM could not be used: `nvm` says
    /// why (for the log).
    Rar0 {
        /// What the NVM read gave.
        nvm: NvmMac,
    },
}

/// The permanent MAC chosen by [`choose_permanent_mac`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PermanentMac {
    /// The address.
    pub mac: MacAddr,
    /// Where it came from (log [`MacSource::Rar0`]: it means the NVM is damaged or busy).
    pub source: MacSource,
}

/// No usable permanent MAC: the NVM failed and RAR0 holds no valid unicast address either.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NoPermanentMac {
    /// What the NVM read gave.
    pub nvm: NvmMac,
    /// What RAR0 held (`None` if it could not be read: device gone).
    pub rar0: Option<MacAddr>,
}

/// The PF's permanent-MAC policy: the NVM's address if the checksum is good and it is a valid
/// unicast; else RAR0 (what the hardware auto-loaded after reset) if that is a valid unicast,
/// with the NVM outcome kept for the log; else an error. `rar0` is `None` when it could not be
/// read. A device gone during the NVM read is still an error even if an earlier RAR0 read
/// looked fine: nothing from a vanished device is trusted.
pub fn choose_permanent_mac(
    nvm: NvmMac,
    rar0: Option<MacAddr>,
) -> Result<PermanentMac, NoPermanentMac> {
    match nvm {
        NvmMac::Valid(mac) => Ok(PermanentMac {
            mac,
            source: MacSource::Nvm,
        }),
        NvmMac::DeviceGone(_) => Err(NoPermanentMac { nvm, rar0 }),
        _ => match rar0 {
            Some(mac) if is_valid_unicast(&mac) => Ok(PermanentMac {
                mac,
                source: MacSource::Rar0 { nvm },
            }),
            _ => Err(NoPermanentMac { nvm, rar0 }),
        },
    }
}

/// Reads the NVM, then RAR0 ([`crate::regs::pf::ral`] / [`crate::regs::pf::rah`] entry 0),
/// and applies [`choose_permanent_mac`]. Call after the PF reset (the reset's auto-load fills
/// RAR0) and before anything rewrites RAR0. PASSIVE_LEVEL only.
pub fn read_pf_permanent_mac<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    generation: Generation,
    function: LanFunction,
    clock: &C,
) -> Result<PermanentMac, NoPermanentMac> {
    let nvm = read_permanent_mac(regs, generation, function, clock);
    let rar0 = match (
        crate::regs::pf::ral(generation, 0),
        crate::regs::pf::rah(generation, 0),
    ) {
        (Some(ral), Some(rah)) => {
            let (low, high) = (regs.read(ral), regs.read(rah));
            match regs.read_present(STATUS) {
                Ok(_) => Some(crate::filters::RarEntry::decode(low, high).mac),
                Err(_) => None,
            }
        }
        _ => None,
    };
    choose_permanent_mac(nvm, rar0)
}

/// Why a `*NetworkAddress` override was not used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OverrideRejected {
    /// All zeros.
    Zero,
    /// FF:FF:FF:FF:FF:FF.
    Broadcast,
    /// The I/G bit is set (a group address cannot be a station address).
    Multicast,
}

/// Applies the registry's `*NetworkAddress` (read by the driver with
/// `NdisReadNetworkAddress`): the override if it is a valid unicast address, else the
/// permanent address and the reason to log. `None` means no override configured.
#[must_use]
pub fn apply_override(
    permanent: MacAddr,
    override_mac: Option<MacAddr>,
) -> (MacAddr, Option<OverrideRejected>) {
    match override_mac {
        None => (permanent, None),
        Some(mac) if mac == [0; 6] => (permanent, Some(OverrideRejected::Zero)),
        Some(mac) if mac == [0xFF; 6] => (permanent, Some(OverrideRejected::Broadcast)),
        Some(mac) if is_multicast(&mac) => (permanent, Some(OverrideRejected::Multicast)),
        Some(mac) => (mac, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_bases_follow_the_lan_function_rule() {
        let f = |generation, n| LanFunction::new(generation, n).map(|f| f.section_base(generation));
        assert_eq!(f(Generation::I82576, 0), Some(0));
        assert_eq!(f(Generation::I82576, 1), Some(0));
        assert_eq!(f(Generation::I82576, 2), None);
        assert_eq!(f(Generation::I350, 0), Some(0));
        assert_eq!(f(Generation::I350, 1), Some(0x80));
        assert_eq!(f(Generation::I350, 2), Some(0xC0));
        assert_eq!(f(Generation::I350, 3), Some(0x100));
        assert_eq!(f(Generation::I350, 4), None);
        assert_eq!(
            LanFunction::from_status(Generation::I350, 0b1100 | 0x2),
            LanFunction::new(Generation::I350, 3)
        );
        assert_eq!(LanFunction::from_status(Generation::I82576, 0b1000), None);
    }
}
