//! The IRQL model: every thread carries a current IRQL. The emulator raises it while it calls a
//! handler from an ISR (DIRQL), DPC/timer (DISPATCH) or a DISPATCH-level send/return, spin-lock
//! acquisition raises it to DISPATCH, and every NDIS function compares it with its documented
//! maximum (rule NDIS-IRQL-1).

use std::cell::Cell;

/// An interrupt request level, as the DDI pages name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Irql {
    /// `PASSIVE_LEVEL` (0).
    Passive = 0,
    /// `APC_LEVEL` (1).
    Apc = 1,
    /// `DISPATCH_LEVEL` (2).
    Dispatch = 2,
    /// A device IRQL (an ISR runs here).
    Device = 5,
}

impl Irql {
    /// The `KIRQL` value.
    #[must_use]
    pub const fn as_kirql(self) -> u8 {
        self as u8
    }

    /// The level for a `KIRQL` value (anything above DISPATCH counts as a device level).
    #[must_use]
    pub const fn from_kirql(value: u8) -> Self {
        match value {
            0 => Self::Passive,
            1 => Self::Apc,
            2 => Self::Dispatch,
            _ => Self::Device,
        }
    }

    /// The DDI spelling.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Passive => "PASSIVE_LEVEL",
            Self::Apc => "APC_LEVEL",
            Self::Dispatch => "DISPATCH_LEVEL",
            Self::Device => "DIRQL",
        }
    }
}

thread_local! {
    static CURRENT: Cell<Irql> = const { Cell::new(Irql::Passive) };
}

/// The calling thread's IRQL.
#[must_use]
pub fn current() -> Irql {
    CURRENT.with(Cell::get)
}

/// Sets the calling thread's IRQL (spin-lock acquire/release use this).
pub fn set(level: Irql) {
    CURRENT.with(|c| c.set(level));
}

/// Runs at `level` until dropped, then restores the previous IRQL.
#[must_use = "the IRQL is restored when the guard is dropped"]
pub struct IrqlGuard {
    previous: Irql,
    level: Irql,
}

impl IrqlGuard {
    /// Raises (or lowers) the calling thread to `level`.
    pub fn enter(level: Irql) -> Self {
        let previous = current();
        set(level);
        Self { previous, level }
    }

    /// The IRQL the guard entered.
    #[must_use]
    pub fn level(&self) -> Irql {
        self.level
    }
}

impl Drop for IrqlGuard {
    fn drop(&mut self) {
        set(self.previous);
    }
}
