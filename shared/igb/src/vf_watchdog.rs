//! The VF's periodic watchdog (Linux igbvf's `igbvf_watchdog_task`, every 2 s): it checks the
//! link and the mailbox, updates the statistics, and notices interrupts that are not being
//! delivered.
//!
//! Why the last part: a VF depends on its PF for interrupt delivery. QEMU's igb model raises
//! no VF MSI-X message while the PF leaves GPIE.MSIX_MODE clear, and at least one PF
//! implementation does leave it clear. Such a VF still has completed descriptors and mailbox
//! messages, but its ISR never runs. When the device shows completed work and no interrupt
//! has arrived for [`QUIET_PERIODS_BEFORE_POLLING`] periods in a row, the watchdog has the
//! driver process the work itself, on every period from then on, and logs once that
//! interrupts are not delivered. An interrupt arriving again ends the polling.
//!
//! The watchdog is policy only: what "check the link", "work pending" and "process the work"
//! mean is the driver's ([`VfWatchdogTarget`]), so the same type serves the VF miniport (a
//! timer at DISPATCH queueing its work) and the tests.

use core::time::Duration;

/// How often the watchdog runs (Linux igbvf: `round_jiffies(jiffies + 2 * HZ)`).
pub const WATCHDOG_PERIOD: Duration = Duration::from_secs(2);

/// Consecutive periods with pending work and no interrupt before the watchdog polls. One
/// period is not enough: the work may have completed just before the tick, with its
/// interrupt on the way.
pub const QUIET_PERIODS_BEFORE_POLLING: u32 = 3;

/// What the watchdog asks of the VF driver.
pub trait VfWatchdogTarget {
    /// Total interrupts the driver's ISR has taken so far (any vector; wraps).
    fn interrupts_taken(&self) -> u64;
    /// Whether the device shows work an interrupt should have announced: a completed Rx or Tx
    /// descriptor not yet processed, or a PF message waiting in the mailbox. Must not consume
    /// anything.
    fn work_pending(&mut self) -> bool;
    /// Processes that work as the interrupt's DPC would (bounded by the driver's budgets).
    fn process_work(&mut self);
    /// Checks the link: mailbox events (pings, PF resets, re-handshake) and VTSTATUS.LU.
    fn check_link(&mut self);
    /// Folds the VF's 32-bit statistics registers into 64-bit counters (they wrap).
    fn update_statistics(&mut self);
    /// Logs, once, that interrupts are not being delivered and the VF now polls.
    fn log_interrupts_not_delivered(&mut self);
}

/// What one [`VfWatchdog::tick`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TickOutcome {
    /// The watchdog processed pending work itself (interrupts are not delivered).
    pub polled: bool,
    /// This tick logged the "interrupts not delivered" message.
    pub logged: bool,
}

/// Counters of the watchdog.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VfWatchdogStats {
    /// Ticks run.
    pub ticks: u64,
    /// Ticks on which the watchdog processed work itself.
    pub polled_ticks: u64,
    /// Times polling started after interrupts stopped.
    pub polling_episodes: u32,
}

/// The watchdog's state (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct VfWatchdog {
    interrupts_at_last_tick: Option<u64>,
    quiet_periods_with_work: u32,
    polling: bool,
    logged: bool,
    stats: VfWatchdogStats,
}

impl VfWatchdog {
    /// A watchdog that has not run yet.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            interrupts_at_last_tick: None,
            quiet_periods_with_work: 0,
            polling: false,
            logged: false,
            stats: VfWatchdogStats {
                ticks: 0,
                polled_ticks: 0,
                polling_episodes: 0,
            },
        }
    }

    /// Whether the watchdog is processing work itself because interrupts stopped.
    pub const fn is_polling(&self) -> bool {
        self.polling
    }

    /// Counters.
    pub const fn stats(&self) -> VfWatchdogStats {
        self.stats
    }

    /// One period: the interrupt-delivery check, the link and mailbox check, statistics.
    /// Pending work is sampled before the link check, which itself reads mailbox messages.
    pub fn tick(&mut self, target: &mut impl VfWatchdogTarget) -> TickOutcome {
        self.stats.ticks = self.stats.ticks.saturating_add(1);
        let interrupts = target.interrupts_taken();
        let pending = target.work_pending();
        target.check_link();
        target.update_statistics();
        let interrupted = self
            .interrupts_at_last_tick
            .is_none_or(|before| interrupts != before);
        self.interrupts_at_last_tick = Some(interrupts);
        if interrupted {
            // Interrupts arrive: whatever is pending now is theirs to announce.
            self.quiet_periods_with_work = 0;
            self.polling = false;
            return TickOutcome::default();
        }
        if !pending {
            // Nothing to announce: silence proves nothing.
            self.quiet_periods_with_work = 0;
            return TickOutcome::default();
        }
        self.quiet_periods_with_work = self.quiet_periods_with_work.saturating_add(1);
        if self.quiet_periods_with_work < QUIET_PERIODS_BEFORE_POLLING {
            return TickOutcome::default();
        }
        let mut outcome = TickOutcome {
            polled: true,
            logged: false,
        };
        if !self.polling {
            self.polling = true;
            self.stats.polling_episodes = self.stats.polling_episodes.saturating_add(1);
        }
        if !self.logged {
            self.logged = true;
            outcome.logged = true;
            target.log_interrupts_not_delivered();
        }
        target.process_work();
        self.stats.polled_ticks = self.stats.polled_ticks.saturating_add(1);
        outcome
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    #[derive(Default)]
    struct Fake {
        interrupts: u64,
        pending: bool,
        processed: u32,
        link_checks: u32,
        stats_updates: u32,
        logs: u32,
    }

    impl VfWatchdogTarget for Fake {
        fn interrupts_taken(&self) -> u64 {
            self.interrupts
        }
        fn work_pending(&mut self) -> bool {
            self.pending
        }
        fn process_work(&mut self) {
            self.processed += 1;
            self.pending = false;
        }
        fn check_link(&mut self) {
            self.link_checks += 1;
        }
        fn update_statistics(&mut self) {
            self.stats_updates += 1;
        }
        fn log_interrupts_not_delivered(&mut self) {
            self.logs += 1;
        }
    }

    #[test]
    fn every_tick_checks_link_and_statistics() {
        let mut watchdog = VfWatchdog::new();
        let mut fake = Fake::default();
        for _ in 0..5 {
            watchdog.tick(&mut fake);
        }
        assert_eq!((fake.link_checks, fake.stats_updates), (5, 5));
        assert_eq!(fake.processed, 0, "nothing pending, nothing processed");
    }

    #[test]
    fn work_without_interrupts_is_processed_after_the_quiet_periods_and_logged_once() {
        let mut watchdog = VfWatchdog::new();
        let mut fake = Fake::default();
        watchdog.tick(&mut fake); // first tick: baseline
        for tick in 1..=10u32 {
            fake.pending = true;
            let outcome = watchdog.tick(&mut fake);
            assert_eq!(
                outcome.polled,
                tick >= QUIET_PERIODS_BEFORE_POLLING,
                "tick {tick}"
            );
        }
        assert_eq!(fake.processed, 10 - QUIET_PERIODS_BEFORE_POLLING + 1);
        assert_eq!(fake.logs, 1);
        assert!(watchdog.is_polling());
    }

    #[test]
    fn pending_work_with_interrupts_arriving_is_left_to_the_interrupts() {
        let mut watchdog = VfWatchdog::new();
        let mut fake = Fake::default();
        for _ in 0..10 {
            fake.pending = true;
            fake.interrupts += 1;
            assert_eq!(watchdog.tick(&mut fake), TickOutcome::default());
        }
        assert_eq!((fake.processed, fake.logs), (0, 0));
    }

    #[test]
    fn an_interrupt_ends_polling_and_a_later_stop_is_not_logged_again() {
        let mut watchdog = VfWatchdog::new();
        let mut fake = Fake::default();
        watchdog.tick(&mut fake);
        for _ in 0..QUIET_PERIODS_BEFORE_POLLING {
            fake.pending = true;
            watchdog.tick(&mut fake);
        }
        assert!(watchdog.is_polling());
        fake.interrupts += 1;
        watchdog.tick(&mut fake);
        assert!(!watchdog.is_polling());
        for _ in 0..QUIET_PERIODS_BEFORE_POLLING {
            fake.pending = true;
            watchdog.tick(&mut fake);
        }
        assert!(watchdog.is_polling());
        assert_eq!(fake.logs, 1);
        assert_eq!(watchdog.stats().polling_episodes, 2);
    }

    #[test]
    fn quiet_periods_must_be_consecutive() {
        let mut watchdog = VfWatchdog::new();
        let mut fake = Fake::default();
        watchdog.tick(&mut fake);
        for _ in 0..10 {
            fake.pending = true;
            watchdog.tick(&mut fake);
            fake.pending = false;
            watchdog.tick(&mut fake);
        }
        assert_eq!(fake.processed, 0, "idle periods in between reset the count");
    }
}
