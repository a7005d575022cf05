//! The NVM (EEPROM/flash) image read through EERD (82576 datasheet 8.2.2 EERD and 6.1 NVM
//! map; Linux `e1000_read_nvm_eerd`, `igb_validate_nvm_checksum`): words 0..=2 hold the
//! permanent MAC, word 0x3F makes the sum of words 0x00..=0x3F equal 0xBABA.

/// Words in the modelled image (addresses at or above read as 0xFFFF, erased flash).
pub const NVM_WORDS: usize = 0x400;
/// The checksum word (Linux `NVM_CHECKSUM_REG`).
pub const NVM_CHECKSUM_WORD: usize = 0x3F;
/// The sum words 0x00..=0x3F must have (Linux `NVM_SUM`).
pub const NVM_SUM: u16 = 0xBABA;

/// EERD.START (bit 0).
pub(crate) const EERD_START: u32 = 1 << 0;
/// EERD.DONE (bit 1).
pub(crate) const EERD_DONE: u32 = 1 << 1;
/// EERD.ADDR shift (bits 15:2).
const EERD_ADDR_SHIFT: u32 = 2;
/// EERD.ADDR mask (14 bits, before shifting).
const EERD_ADDR_MASK: u32 = 0x3FFF;
/// EERD.DATA shift (bits 31:16).
const EERD_DATA_SHIFT: u32 = 16;

/// The image plus the EERD register.
#[derive(Clone, Debug)]
pub(crate) struct Nvm {
    pub words: Vec<u16>,
    pub eerd: u32,
}

impl Nvm {
    /// An image with `mac` in words 0..=2 and a correct checksum (or a wrong one when
    /// `bad_checksum`). The other words are zero except the few a real image always has:
    /// word 0x0A (initialization control 1) with the "valid signature" 01b in bits 15:14.
    pub fn new(mac: [u8; 6], bad_checksum: bool) -> Self {
        let mut words = vec![0u16; NVM_WORDS];
        for (i, pair) in mac.chunks_exact(2).enumerate() {
            words[i] = u16::from_le_bytes([pair[0], pair[1]]);
        }
        words[0x0A] = 0x4000;
        let sum = words[..NVM_CHECKSUM_WORD]
            .iter()
            .fold(0u16, |acc, word| acc.wrapping_add(*word));
        let checksum = NVM_SUM.wrapping_sub(sum);
        words[NVM_CHECKSUM_WORD] = if bad_checksum {
            checksum.wrapping_add(1)
        } else {
            checksum
        };
        Self { words, eerd: 0 }
    }

    /// The permanent MAC (words 0..=2, little-endian).
    pub fn mac(&self) -> [u8; 6] {
        let mut mac = [0u8; 6];
        for (i, chunk) in mac.chunks_exact_mut(2).enumerate() {
            chunk.copy_from_slice(&self.words[i].to_le_bytes());
        }
        mac
    }

    /// EERD write: with START, the read completes at once (DONE + DATA); without, the value
    /// is stored and DONE stays clear (software clearing the register between reads).
    pub fn write_eerd(&mut self, value: u32) {
        if value & EERD_START == 0 {
            self.eerd = value & !EERD_DONE;
            return;
        }
        let addr = (value >> EERD_ADDR_SHIFT) & EERD_ADDR_MASK;
        let data = self.words.get(addr as usize).copied().unwrap_or(0xFFFF);
        self.eerd = (addr << EERD_ADDR_SHIFT) | EERD_DONE | (u32::from(data) << EERD_DATA_SHIFT);
    }
}
