//! IRQL-aware clocks for the hardware layer's bounded polls ([`hw_platform::Clock`]):
//!
//! * [`PassiveClock`]: for PASSIVE_LEVEL code (initialization, halt, OIDs, work items). Delays
//!   of 1 ms or more sleep with `NdisMSleep`; shorter ones stall.
//! * [`DispatchClock`]: for DISPATCH_LEVEL code (DPCs, timers, sends). It never sleeps, and all
//!   its stalls together never exceed [`DISPATCH_STALL_BUDGET`] (50 µs: "drivers should stall
//!   for no more than 50 microseconds", D/wdm/nf-wdm-kestallexecutionprocessor.md). A poll
//!   that needs longer simply times out early, and the caller defers the work to PASSIVE.
//!
//! Time comes from `KeQueryUnbiasedInterruptTime` (monotonic, 100 ns units).

use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use ndis_abi::*;

/// The most a [`DispatchClock`] stalls in total.
pub const DISPATCH_STALL_BUDGET: Duration = Duration::from_micros(50);

/// Below this a PASSIVE delay stalls instead of sleeping (a sleep rounds up to a timer tick).
const SLEEP_THRESHOLD: Duration = Duration::from_millis(1);

fn monotonic_now() -> Duration {
    // SAFETY: no arguments; callable at any IRQL.
    let ticks = unsafe { KeQueryUnbiasedInterruptTime() };
    Duration::from_nanos(ticks.saturating_mul(100))
}

fn micros(duration: Duration) -> ULONG {
    ULONG::try_from(duration.as_micros()).unwrap_or(ULONG::MAX)
}

/// The clock of PASSIVE_LEVEL code.
#[derive(Clone, Copy, Debug, Default)]
pub struct PassiveClock;

impl hw_platform::Clock for PassiveClock {
    fn now(&self) -> Duration {
        monotonic_now()
    }

    fn delay(&self, duration: Duration) {
        if duration.is_zero() {
            return;
        }
        if duration >= SLEEP_THRESHOLD {
            // SAFETY: PASSIVE_LEVEL by this type's contract (NdisMSleep's requirement).
            unsafe { NdisMSleep(micros(duration)) };
        } else {
            // SAFETY: any IRQL.
            unsafe { KeStallExecutionProcessor(micros(duration)) };
        }
    }
}

/// The clock of DISPATCH_LEVEL code: at most [`DISPATCH_STALL_BUDGET`] of stalling over its
/// whole life. Make one per DPC pass.
#[derive(Debug, Default)]
pub struct DispatchClock {
    stalled_us: AtomicU32,
}

impl DispatchClock {
    /// A clock with the full budget.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            stalled_us: AtomicU32::new(0),
        }
    }

    /// Microseconds of budget left.
    #[must_use]
    pub fn remaining(&self) -> Duration {
        let used = self.stalled_us.load(Ordering::Relaxed);
        DISPATCH_STALL_BUDGET.saturating_sub(Duration::from_micros(u64::from(used)))
    }
}

impl hw_platform::Clock for DispatchClock {
    fn now(&self) -> Duration {
        monotonic_now()
    }

    fn delay(&self, duration: Duration) {
        let stall = duration.min(self.remaining());
        let stall_us = micros(stall);
        if stall_us == 0 {
            return;
        }
        self.stalled_us.fetch_add(stall_us, Ordering::Relaxed);
        // SAFETY: any IRQL; the budget keeps the total at or under 50 µs.
        unsafe { KeStallExecutionProcessor(stall_us) };
    }
}

/// How long teardown waits for a callback that is still running (a DPC, timer function or work
/// item finishing on another processor) before giving up and leaking its context.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
const DRAIN_INTERVAL: Duration = Duration::from_millis(1);

/// Waits at PASSIVE (bounded) until `running` is zero. `false` if it never got there: the
/// caller must then leak, not free, what the callback uses.
pub(crate) fn wait_until_idle(running: &AtomicU32) -> bool {
    hw_platform::poll_until(&PassiveClock, DRAIN_TIMEOUT, DRAIN_INTERVAL, || {
        (running.load(Ordering::Acquire) == 0).then_some(())
    })
    .is_ok()
}
