//! Register layer: typed register offsets for the PF BAR ([`pf`]) and the VF BAR ([`vf`]), the
//! 82576-vs-I350 difference table ([`GenerationTraits`]) and a typed access wrapper
//! ([`Registers`]) over [`hw_platform::Mmio`].
//!
//! Fixed offsets are `const` values built by [`Reg::new`], whose assertions (4-byte aligned,
//! inside the BAR) run at compile time. Computed offsets (per queue, per pool, per VF) are
//! functions returning `Option`, `None` when the index is out of range for the generation:
//! the range check runs at run time because the index usually comes from configuration or
//! from a VF. Sources: `igb-hardware.md` §2, §3 (Linux `e1000_regs.h`, `igbvf/regs.h`, DPDK
//! `e1000_regs.h`, QEMU `hw/net/igb_regs.h`).

pub mod pf;
pub mod vf;

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use hw_platform::{Clock, Mmio, poll_until};

use crate::ids::Generation;

/// A BAR a register lives in: the PF CSR BAR or the VF CSR BAR. Registers of one BAR cannot be
/// passed to the access wrapper of the other.
pub trait Bar: Copy + PartialEq + Eq + core::hash::Hash {
    /// Size of the BAR in bytes; every register offset is below it.
    const SIZE: u32;
    /// The STATUS register, read to flush posted writes.
    const STATUS: Reg<Self>;
}

/// Marker for the PF CSR BAR (BAR0, 128 KiB; `igb-hardware.md` §1.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct PfBar;

/// Marker for the VF CSR BAR (BAR0 of the VF, 16 KiB; `igb-hardware.md` §1.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct VfBar;

impl Bar for PfBar {
    const SIZE: u32 = 0x2_0000;
    const STATUS: Reg<Self> = pf::STATUS;
}

impl Bar for VfBar {
    const SIZE: u32 = 0x4000;
    const STATUS: Reg<Self> = vf::VTSTATUS;
}

/// A 32-bit register at a byte offset inside BAR `B`. Derives `PartialEq`/`Eq` so register
/// constants work as `match` patterns (the device model dispatches on them).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reg<B> {
    offset: u32,
    bar: PhantomData<B>,
}

/// A register of the PF BAR.
pub type PfReg = Reg<PfBar>;
/// A register of the VF BAR.
pub type VfReg = Reg<VfBar>;

impl<B: Bar> Reg<B> {
    /// A register at `offset`. Panics (a compile error when used in a `const`) unless the
    /// offset is 4-byte aligned and inside the BAR: the hardware (and QEMU) only implement
    /// aligned 32-bit accesses (`igb-hardware.md` §1.2).
    #[must_use]
    pub const fn new(offset: u32) -> Self {
        assert!(offset % 4 == 0, "register offset must be 4-byte aligned");
        assert!(offset < B::SIZE, "register offset outside the BAR");
        Self {
            offset,
            bar: PhantomData,
        }
    }

    /// A computed register offset: `None` unless 4-byte aligned and inside the BAR.
    #[must_use]
    pub const fn checked(offset: u32) -> Option<Self> {
        if offset % 4 == 0 && offset < B::SIZE {
            Some(Self {
                offset,
                bar: PhantomData,
            })
        } else {
            None
        }
    }

    /// `base + index * stride`, checked for overflow, alignment and the BAR size, and `None`
    /// unless `index < count`.
    #[must_use]
    pub const fn indexed(base: u32, stride: u32, index: usize, count: usize) -> Option<Self> {
        if index >= count {
            return None;
        }
        // `index < count` and every count in this crate is far below u32::MAX.
        let index = index as u32;
        match index.checked_mul(stride) {
            Some(delta) => match base.checked_add(delta) {
                Some(offset) => Self::checked(offset),
                None => None,
            },
            None => None,
        }
    }

    /// The byte offset inside the BAR.
    #[must_use]
    pub const fn offset(self) -> u32 {
        self.offset
    }

    /// The register `delta` bytes further on (e.g. the next field of a queue block).
    #[must_use]
    pub const fn plus(self, delta: u32) -> Option<Self> {
        match self.offset.checked_add(delta) {
            Some(offset) => Self::checked(offset),
            None => None,
        }
    }
}

impl<B> fmt::Debug for Reg<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reg({:#07x})", self.offset)
    }
}

/// How the IVAR table maps queues to entries (`igb-hardware.md` §2.7).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IvarLayout {
    /// 82576: queue `q` lives in IVAR0[`q & 7`]; Rx in byte 0 (q < 8) or 2, Tx in byte 1 or 3.
    ColumnMajor,
    /// I350: queue `q` lives in IVAR0[`q >> 1`]; Rx in byte 0/2 and Tx in byte 1/3 by `q & 1`.
    RowMajor,
}

/// Everything that differs between the 82576 and the I350 and matters to these drivers
/// (`igb-hardware.md` §7, §2.6, §2.4, §2.2, §2.3).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct GenerationTraits {
    /// Rx (and Tx) queues on the PF.
    pub queues: usize,
    /// VMDq pools (= VFs the hardware can host, each VF owning pool n).
    pub pools: usize,
    /// Queues each pool owns: 82576 pool p owns queues p and p + 8; I350 pool p owns queue p.
    pub queues_per_pool: usize,
    /// Rx/Tx queue pairs a VF sees through its own BAR.
    pub vf_queues: usize,
    /// Receive address (RAR) entries.
    pub rar_entries: usize,
    /// Switch control register: DTXSWC (0x3500) on 82576, TXSWC (0x5ACC) on I350.
    pub switch_control: PfReg,
    /// Whether per-pool VLAN stripping is in DVMOLR (I350) rather than VMOLR.STRVLAN (82576).
    pub has_dvmolr: bool,
    /// Whether RPLOLR (offloads for replicated frames) exists (82576 only).
    pub has_rplolr: bool,
    /// IVAR table layout.
    pub ivar_layout: IvarLayout,
    /// Whether loop-backed Rx frames report the VLAN tag byte-swapped (I350 and later).
    pub rx_loopback_vlan_byteswap: bool,
    /// Whether Linux supports the per-VF Tx rate limiter (RTTBCNRC) on this part.
    pub has_vf_rate_limiter: bool,
}

impl GenerationTraits {
    /// The difference table for `generation`.
    #[must_use]
    pub const fn of(generation: Generation) -> Self {
        match generation {
            Generation::I82576 => Self {
                queues: 16,
                pools: 8,
                queues_per_pool: 2,
                vf_queues: 2,
                rar_entries: 24,
                switch_control: pf::DTXSWC,
                has_dvmolr: false,
                has_rplolr: true,
                ivar_layout: IvarLayout::ColumnMajor,
                rx_loopback_vlan_byteswap: false,
                has_vf_rate_limiter: true,
            },
            Generation::I350 => Self {
                queues: 8,
                pools: 8,
                queues_per_pool: 1,
                vf_queues: 1,
                rar_entries: 32,
                switch_control: pf::TXSWC,
                has_dvmolr: true,
                has_rplolr: false,
                ivar_layout: IvarLayout::RowMajor,
                rx_loopback_vlan_byteswap: true,
                has_vf_rate_limiter: false,
            },
        }
    }

    /// The PF queue index of a pool's `nth` queue (`igb-hardware.md` §2.6): 82576 pool p owns
    /// p and p + 8, I350 pool p owns p. `None` when pool or nth is out of range.
    #[must_use]
    pub const fn pool_queue(&self, pool: usize, nth: usize) -> Option<usize> {
        if pool >= self.pools || nth >= self.queues_per_pool {
            return None;
        }
        let queue = pool + nth * self.pools;
        if queue < self.queues {
            Some(queue)
        } else {
            None
        }
    }

    /// The pool owning PF queue `queue` (queue modulo the pool count), if the queue exists.
    #[must_use]
    pub const fn queue_pool(&self, queue: usize) -> Option<usize> {
        if queue < self.queues {
            Some(queue % self.pools)
        } else {
            None
        }
    }
}

/// The device no longer answers: a register read returned all ones, which is what a
/// surprise-removed PCIe function (or an out-of-BAR access) looks like (`hw_platform::Mmio`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DeviceGone {
    /// The register whose read returned all ones.
    pub offset: u32,
}

/// Why [`Registers::wait_for_bits`] failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WaitError {
    /// The bits did not reach the expected value in time; `last` is the last value read.
    Timeout {
        /// Register polled.
        offset: u32,
        /// Last value read.
        last: u32,
        /// How long was waited.
        waited: Duration,
    },
    /// The register read all ones (surprise removal).
    DeviceGone(DeviceGone),
}

/// Typed register access to one BAR through the platform's [`Mmio`].
pub struct Registers<M, B> {
    mmio: M,
    bar: PhantomData<B>,
}

/// Register access to a PF BAR.
pub type PfRegisters<M> = Registers<M, PfBar>;
/// Register access to a VF BAR.
pub type VfRegisters<M> = Registers<M, VfBar>;

impl<M: Mmio, B: Bar> Registers<M, B> {
    /// Wraps the MMIO mapping of a BAR of kind `B`.
    pub const fn new(mmio: M) -> Self {
        Self {
            mmio,
            bar: PhantomData,
        }
    }

    /// The underlying MMIO mapping.
    pub const fn mmio(&self) -> &M {
        &self.mmio
    }

    /// Reads `reg`.
    #[must_use]
    pub fn read(&self, reg: Reg<B>) -> u32 {
        self.mmio.read32(reg.offset())
    }

    /// Writes `value` to `reg`.
    pub fn write(&self, reg: Reg<B>, value: u32) {
        self.mmio.write32(reg.offset(), value);
    }

    /// Reads `reg`, treating all ones as surprise removal. Use it for registers that can never
    /// legitimately read all ones (STATUS, CTRL, mailbox control).
    pub fn read_present(&self, reg: Reg<B>) -> Result<u32, DeviceGone> {
        match self.read(reg) {
            u32::MAX => Err(DeviceGone {
                offset: reg.offset(),
            }),
            value => Ok(value),
        }
    }

    /// Read-modify-write of `reg`; returns the value written.
    pub fn modify(&self, reg: Reg<B>, change: impl FnOnce(u32) -> u32) -> u32 {
        let value = change(self.read(reg));
        self.write(reg, value);
        value
    }

    /// Sets `bits` in `reg` (read-modify-write).
    pub fn set_bits(&self, reg: Reg<B>, bits: u32) -> u32 {
        self.modify(reg, |value| value | bits)
    }

    /// Clears `bits` in `reg` (read-modify-write).
    pub fn clear_bits(&self, reg: Reg<B>, bits: u32) -> u32 {
        self.modify(reg, |value| value & !bits)
    }

    /// Flushes posted writes by reading STATUS (the Linux `wrfl()` idiom). Reports surprise
    /// removal if STATUS reads all ones.
    pub fn flush(&self) -> Result<(), DeviceGone> {
        self.read_present(B::STATUS).map(|_| ())
    }

    /// Polls `reg` until `(value & mask) == expected`, for at most `timeout`, waiting
    /// `interval` between reads (bounded by [`poll_until`]). An all-ones read is reported as
    /// [`WaitError::DeviceGone`] unless all ones is itself the awaited value.
    pub fn wait_for_bits<C: Clock + ?Sized>(
        &self,
        reg: Reg<B>,
        mask: u32,
        expected: u32,
        clock: &C,
        timeout: Duration,
        interval: Duration,
    ) -> Result<u32, WaitError> {
        let mut last = 0;
        let mut gone = false;
        let polled = poll_until(clock, timeout, interval, || {
            let value = self.read(reg);
            last = value;
            if value & mask == expected & mask {
                return Some(Ok(value));
            }
            if value == u32::MAX {
                gone = true;
                return Some(Err(()));
            }
            None
        });
        match polled {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(())) => Err(WaitError::DeviceGone(DeviceGone {
                offset: reg.offset(),
            })),
            Err(timeout) => {
                debug_assert!(!gone);
                Err(WaitError::Timeout {
                    offset: reg.offset(),
                    last,
                    waited: timeout.waited,
                })
            }
        }
    }
}

/// A bitmap of VMDq pools (bit p = pool p), as used by RAH.POOLSEL, VLVF.POOLSEL, VFRE/VFTE.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct PoolMask(pub u8);

impl PoolMask {
    /// No pool.
    pub const EMPTY: Self = Self(0);

    /// The mask holding only `pool`, or `None` if `pool >= 8`.
    #[must_use]
    pub const fn single(pool: usize) -> Option<Self> {
        if pool < 8 {
            Some(Self(1 << pool))
        } else {
            None
        }
    }

    /// Whether `pool` is in the mask.
    #[must_use]
    pub const fn contains(self, pool: usize) -> bool {
        pool < 8 && self.0 & (1 << pool) != 0
    }

    /// The mask with `pool` added (unchanged if `pool >= 8`).
    #[must_use]
    pub const fn with(self, pool: usize) -> Self {
        if pool < 8 {
            Self(self.0 | (1 << pool))
        } else {
            self
        }
    }

    /// The mask with `pool` removed.
    #[must_use]
    pub const fn without(self, pool: usize) -> Self {
        if pool < 8 {
            Self(self.0 & !(1 << pool))
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    #[test]
    fn computed_offsets_reject_bad_values() {
        assert_eq!(PfReg::checked(0x2_0000), None);
        assert_eq!(PfReg::checked(0x1_FFFC).map(Reg::offset), Some(0x1_FFFC));
        assert_eq!(PfReg::checked(0x5402), None);
        assert_eq!(VfReg::checked(0x4000), None);
        assert_eq!(PfReg::indexed(0x1680, 4, 25, 25), None);
        assert_eq!(
            PfReg::indexed(0x1680, 4, 24, 25).map(Reg::offset),
            Some(0x16E0)
        );
        assert_eq!(PfReg::indexed(0xFFFF_FFF0, 0x100, 3, 8), None);
    }

    #[test]
    fn generation_table_matches_the_reference() {
        let i82576 = GenerationTraits::of(Generation::I82576);
        let i350 = GenerationTraits::of(Generation::I350);
        assert_eq!((i82576.queues, i350.queues), (16, 8));
        assert_eq!((i82576.rar_entries, i350.rar_entries), (24, 32));
        assert_eq!(i82576.switch_control.offset(), 0x3500);
        assert_eq!(i350.switch_control.offset(), 0x5ACC);
        assert_eq!(i82576.pool_queue(3, 0), Some(3));
        assert_eq!(i82576.pool_queue(3, 1), Some(11));
        assert_eq!(i82576.pool_queue(3, 2), None);
        assert_eq!(i350.pool_queue(3, 0), Some(3));
        assert_eq!(i350.pool_queue(3, 1), None);
        assert_eq!(i350.pool_queue(8, 0), None);
        assert_eq!(i82576.queue_pool(11), Some(3));
        assert_eq!(i82576.queue_pool(16), None);
    }

    struct FakeBar {
        value: Cell<u32>,
        reads: Cell<u32>,
    }
    impl Mmio for FakeBar {
        fn read32(&self, _offset: u32) -> u32 {
            self.reads.set(self.reads.get() + 1);
            self.value.get()
        }
        fn write32(&self, _offset: u32, value: u32) {
            self.value.set(value);
        }
    }
    struct StepClock(Cell<Duration>);
    impl Clock for StepClock {
        fn now(&self) -> Duration {
            self.0.get()
        }
        fn delay(&self, duration: Duration) {
            self.0.set(self.0.get() + duration);
        }
    }

    #[test]
    fn wait_for_bits_times_out_and_detects_removal() {
        let clock = StepClock(Cell::new(Duration::ZERO));
        let bar = FakeBar {
            value: Cell::new(0x10),
            reads: Cell::new(0),
        };
        let regs = PfRegisters::new(&bar);
        let ms = Duration::from_millis(1);
        assert_eq!(
            regs.wait_for_bits(pf::CTRL, 0x10, 0x10, &clock, ms * 10, ms),
            Ok(0x10)
        );
        let timed_out = regs.wait_for_bits(pf::CTRL, 0x10, 0, &clock, ms * 10, ms);
        assert!(matches!(
            timed_out,
            Err(WaitError::Timeout { last: 0x10, .. })
        ));
        assert!(bar.reads.get() <= 14, "the poll must be bounded");
        regs.write(pf::CTRL, u32::MAX);
        assert_eq!(
            regs.wait_for_bits(pf::CTRL, 0x10, 0, &clock, ms * 10, ms),
            Err(WaitError::DeviceGone(DeviceGone { offset: 0 }))
        );
        assert_eq!(regs.flush(), Err(DeviceGone { offset: 8 }));
        assert_eq!(regs.set_bits(pf::CTRL, 0), u32::MAX);
    }

    #[test]
    fn registers_match_as_patterns() {
        // The device model dispatches on offsets; consts of `Reg` work as match patterns.
        let name = match PfReg::checked(0x0008) {
            Some(pf::STATUS) => "status",
            _ => "other",
        };
        assert_eq!(name, "status");
    }

    #[test]
    fn pool_mask_operations() {
        assert_eq!(PoolMask::single(8), None);
        let mask = PoolMask::EMPTY.with(0).with(7);
        assert_eq!(mask, PoolMask(0x81));
        assert!(mask.contains(7) && !mask.contains(3) && !mask.contains(9));
        assert_eq!(mask.without(0), PoolMask(0x80));
    }
}
