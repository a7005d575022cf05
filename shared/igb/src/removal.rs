//! Surprise-removal detection: deciding "the device is gone" from register reads.
//!
//! A PCIe function that was surprise-removed (or whose link died) completes every read with
//! all ones; [`hw_platform::Mmio`] promises the same for a backend that lost its mapping.
//! A single all-ones value proves nothing for a register that can legitimately hold all ones
//! (a wrapping VF counter, a data register), so the decision is made on a register that
//! cannot read all ones on a present device: STATUS on the PF, VTSTATUS on the VF (both have
//! reserved bits that read 0; 82576 datasheet 8.2.2; `igb-hardware.md` §2.1, §3). That is
//! [`Bar::STATUS`], already used by [`Registers::flush`] and
//! [`Registers::read_present`], which return the shared [`DeviceGone`] error.
//!
//! On top of that this module adds:
//! * [`confirm_all_ones`]: "this register read all ones: is the device gone, or is the value
//!   real?" (one extra STATUS read, only when the value is all ones);
//! * [`RemovalLatch`]: a sticky flag shared by the ISR, DPCs and PASSIVE paths, so that once
//!   removal is seen nobody waits on the hardware again (a wait on a removed device would
//!   only run into its timeout, and NDIS expects `MiniportHaltEx` to come quickly after
//!   surprise removal; `ndis-sriov-requirements.md`).
//!
//! Nothing here polls: every function is at most one or two register reads, so all of it is
//! safe at any IRQL (ISR included).

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use hw_platform::Mmio;

use crate::regs::{Bar, DeviceGone, Reg, Registers};

/// Whether a raw read value is what a removed device returns.
#[must_use]
pub const fn is_all_ones(value: u32) -> bool {
    value == u32::MAX
}

/// Reads the BAR's STATUS register (PF STATUS / VF VTSTATUS): `Err` if it reads all ones.
/// One read, no wait: usable in an ISR and before every wait.
pub fn check_present<M: Mmio, B: Bar>(regs: &Registers<M, B>) -> Result<u32, DeviceGone> {
    regs.read_present(B::STATUS)
}

/// Interprets `value`, just read from `reg`: any value but all ones is returned as is; all
/// ones is returned as is only if STATUS confirms the device is still there (the register
/// really holds all ones), else it is reported as [`DeviceGone`] naming `reg`.
pub fn confirm_all_ones<M: Mmio, B: Bar>(
    regs: &Registers<M, B>,
    reg: Reg<B>,
    value: u32,
) -> Result<u32, DeviceGone> {
    if !is_all_ones(value) {
        return Ok(value);
    }
    match check_present(regs) {
        Ok(_) => Ok(value),
        Err(_) => Err(DeviceGone {
            offset: reg.offset(),
        }),
    }
}

/// Reads `reg`, which may legitimately hold all ones, confirming an all-ones value with
/// STATUS ([`confirm_all_ones`]).
pub fn read_confirmed<M: Mmio, B: Bar>(
    regs: &Registers<M, B>,
    reg: Reg<B>,
) -> Result<u32, DeviceGone> {
    let value = regs.read(reg);
    confirm_all_ones(regs, reg, value)
}

/// A sticky "device gone" flag shared by every path of one function (ISR, DPC, PASSIVE work,
/// OID handlers). Lock-free; `const`-constructible so it can live in the adapter context.
///
/// The driver calls [`RemovalLatch::check`] before a wait and in its ISR, or
/// [`RemovalLatch::note`] with any result carrying a [`DeviceGone`]. Once latched, the latch
/// stays set until [`RemovalLatch::clear`] (only after a new `MiniportInitializeEx`: a
/// removed function does not come back under the same adapter). Its own `PnP` notification
/// (`NdisDevicePnPEventSurpriseRemoved`) is the other way to set it: [`RemovalLatch::set`].
#[derive(Debug, Default)]
pub struct RemovalLatch {
    gone: AtomicBool,
    offset: AtomicU32,
}

impl RemovalLatch {
    /// A latch that has seen nothing.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            gone: AtomicBool::new(false),
            offset: AtomicU32::new(0),
        }
    }

    /// Whether removal was seen. Never touches the hardware.
    #[must_use]
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }

    /// The removal seen, if any (the register whose read showed it).
    #[must_use]
    pub fn gone(&self) -> Option<DeviceGone> {
        if self.is_gone() {
            Some(DeviceGone {
                offset: self.offset.load(Ordering::Relaxed),
            })
        } else {
            None
        }
    }

    /// Records a removal (e.g. the `PnP` surprise-removal notification, or an error from
    /// another layer). Later removals keep the offset already recorded.
    pub fn set(&self, gone: DeviceGone) {
        if !self.gone.load(Ordering::Acquire) {
            // Offset first, then the flag (Release): whoever sees the flag sees an offset.
            // Two paths racing here both store a genuine removal offset.
            self.offset.store(gone.offset, Ordering::Relaxed);
            self.gone.store(true, Ordering::Release);
        }
    }

    /// Passes `result` through, latching the removal if it is one.
    pub fn note<T>(&self, result: Result<T, DeviceGone>) -> Result<T, DeviceGone> {
        if let Err(gone) = result {
            self.set(gone);
        }
        result
    }

    /// `Err` without touching the hardware if already latched; otherwise one STATUS read
    /// ([`check_present`]), latching on all ones. Returns the STATUS value.
    pub fn check<M: Mmio, B: Bar>(&self, regs: &Registers<M, B>) -> Result<u32, DeviceGone> {
        if let Some(gone) = self.gone() {
            return Err(gone);
        }
        self.note(check_present(regs))
    }

    /// Forgets a removal (a new initialisation of the function).
    pub fn clear(&self) {
        self.gone.store(false, Ordering::Release);
        self.offset.store(0, Ordering::Relaxed);
    }
}
