//! A scripted PF/VF BAR for the NVM, PHY, statistics and removal tests: plain registers plus
//! the few side effects those paths depend on, written from the datasheet contract (EERD,
//! MDIC, clear-on-read counters, all-ones after removal), not from the code under test.

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use hw_platform::{Clock, Mmio};

pub const EERD: u32 = 0x0014;
pub const MDIC: u32 = 0x0020;
pub const STATUS: u32 = 0x0008;

/// How EERD behaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EerdMode {
    /// DONE and data on the first read after START.
    Immediate,
    /// DONE after this many reads.
    AfterReads(u32),
    /// Never DONE.
    Never,
    /// The whole register reads all ones (DONE set, data 0xFFFF) on a present device.
    AllOnes,
}

/// How MDIC behaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MdicMode {
    /// READY immediately, reads/writes the PHY register file.
    Normal,
    /// READY never comes.
    NeverReady,
    /// READY with ERROR set.
    Error,
}

pub struct State {
    pub regs: HashMap<u32, u32>,
    pub nvm: Vec<u16>,
    pub eerd_mode: EerdMode,
    eerd_reads_left: u32,
    eerd_word: Option<u16>,
    pub eerd_starts: u32,
    pub phy: [u16; 32],
    pub mdic_mode: MdicMode,
    pub phy_writes: Vec<(u8, u16)>,
    pub clear_on_read: HashSet<u32>,
    pub removed: bool,
    /// Becomes removed after this many more reads.
    pub remove_after_reads: Option<u32>,
    pub writes: Vec<(u32, u32)>,
    pub reads: u64,
}

pub struct FakeNic {
    pub state: RefCell<State>,
}

impl Default for FakeNic {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeNic {
    pub fn new() -> Self {
        let mut regs = HashMap::new();
        // STATUS of a present 82576 with link down.
        regs.insert(STATUS, 0x0008_0000);
        Self {
            state: RefCell::new(State {
                regs,
                nvm: vec![0; 0x200],
                eerd_mode: EerdMode::Immediate,
                eerd_reads_left: 0,
                eerd_word: None,
                eerd_starts: 0,
                phy: [0; 32],
                mdic_mode: MdicMode::Normal,
                phy_writes: Vec::new(),
                clear_on_read: HashSet::new(),
                removed: false,
                remove_after_reads: None,
                writes: Vec::new(),
                reads: 0,
            }),
        }
    }

    pub fn set(&self, offset: u32, value: u32) {
        self.state.borrow_mut().regs.insert(offset, value);
    }

    pub fn get(&self, offset: u32) -> u32 {
        self.state.borrow().regs.get(&offset).copied().unwrap_or(0)
    }

    /// Makes `offset` a clear-on-read counter and adds `delta` to it.
    pub fn count(&self, offset: u32, delta: u32) {
        let mut state = self.state.borrow_mut();
        state.clear_on_read.insert(offset);
        let value = state.regs.entry(offset).or_insert(0);
        *value = value.wrapping_add(delta);
    }

    pub fn remove(&self) {
        self.state.borrow_mut().removed = true;
    }

    /// Writes a checksummed 64-word section at `base` with `mac` in words 0..=2.
    pub fn program_nvm_section(&self, base: usize, mac: [u8; 6]) {
        let mut state = self.state.borrow_mut();
        for (i, word) in state.nvm[base..base + 0x40].iter_mut().enumerate() {
            *word = (0x1111u16).wrapping_mul(i as u16 + 1);
        }
        for i in 0..3 {
            state.nvm[base + i] = u16::from_le_bytes([mac[2 * i], mac[2 * i + 1]]);
        }
        let sum = state.nvm[base..base + 0x3F]
            .iter()
            .fold(0u16, |sum, word| sum.wrapping_add(*word));
        state.nvm[base + 0x3F] = 0xBABAu16.wrapping_sub(sum);
    }

    pub fn phy_reg(&self, register: u8) -> u16 {
        self.state.borrow().phy[register as usize]
    }
}

impl Mmio for FakeNic {
    fn read32(&self, offset: u32) -> u32 {
        let mut state = self.state.borrow_mut();
        state.reads += 1;
        if let Some(left) = state.remove_after_reads {
            if left == 0 {
                state.removed = true;
            } else {
                state.remove_after_reads = Some(left - 1);
            }
        }
        if state.removed {
            return u32::MAX;
        }
        if offset == EERD {
            let Some(word) = state.eerd_word else {
                return state.regs.get(&EERD).copied().unwrap_or(0);
            };
            let done = match state.eerd_mode {
                EerdMode::Immediate => true,
                EerdMode::Never => false,
                EerdMode::AllOnes => return u32::MAX,
                EerdMode::AfterReads(_) => {
                    if state.eerd_reads_left == 0 {
                        true
                    } else {
                        state.eerd_reads_left -= 1;
                        false
                    }
                }
            };
            let request = (u32::from(word) << 2) | 1;
            if !done {
                return request;
            }
            let data = state.nvm.get(word as usize).copied().unwrap_or(0xFFFF);
            return (u32::from(data) << 16) | (u32::from(word) << 2) | 0b10;
        }
        let value = state.regs.get(&offset).copied().unwrap_or(0);
        if state.clear_on_read.contains(&offset) {
            state.regs.insert(offset, 0);
        }
        value
    }

    fn write32(&self, offset: u32, value: u32) {
        let mut state = self.state.borrow_mut();
        state.writes.push((offset, value));
        if state.removed {
            return;
        }
        match offset {
            EERD if value & 1 != 0 => {
                state.eerd_starts += 1;
                state.eerd_word = Some(((value >> 2) & 0x3FFF) as u16);
                if let EerdMode::AfterReads(n) = state.eerd_mode {
                    state.eerd_reads_left = n;
                }
            }
            MDIC => {
                let register = ((value >> 16) & 0x1F) as u8;
                let phy_address = (value >> 21) & 0x1F;
                let op = (value >> 26) & 0b11;
                let result = match state.mdic_mode {
                    MdicMode::NeverReady => value & !(1 << 28),
                    MdicMode::Error => value | (1 << 28) | (1 << 30),
                    MdicMode::Normal if phy_address != 1 => value | (1 << 28) | (1 << 30),
                    MdicMode::Normal => {
                        if op == 0b01 {
                            let data = (value & 0xFFFF) as u16;
                            state.phy[register as usize] = data;
                            state.phy_writes.push((register, data));
                            value | (1 << 28)
                        } else {
                            (value & !0xFFFF) | u32::from(state.phy[register as usize]) | (1 << 28)
                        }
                    }
                };
                state.regs.insert(MDIC, result);
            }
            _ => {
                state.regs.insert(offset, value);
            }
        }
    }
}

/// Virtual time advancing only by delays.
#[derive(Default)]
pub struct StepClock {
    pub now: Cell<Duration>,
}

impl Clock for StepClock {
    fn now(&self) -> Duration {
        self.now.get()
    }
    fn delay(&self, duration: Duration) {
        self.now.set(self.now.get() + duration);
    }
}
