//! The guest's [`hw_platform::Clock`]: monotonic time from `std::time::Instant`.

use std::time::{Duration, Instant};

use hw_platform::Clock;

/// Below this, `delay` spins instead of sleeping: a sleep costs a scheduler round trip
/// (tens of microseconds or more), so short register settle times would stretch a lot.
pub const SPIN_BELOW: Duration = Duration::from_micros(50);

/// A monotonic clock whose origin is its creation.
#[derive(Clone, Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock reading zero now.
    #[must_use]
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn delay(&self, duration: Duration) {
        if duration >= SPIN_BELOW {
            std::thread::sleep(duration);
            return;
        }
        let start = Instant::now();
        while start.elapsed() < duration {
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_wait_at_least_as_long_as_asked_and_time_is_monotonic() {
        let clock = SystemClock::new();
        let before = clock.now();
        for wait in [
            Duration::ZERO,
            Duration::from_micros(10),
            Duration::from_millis(2),
        ] {
            let start = clock.now();
            clock.delay(wait);
            assert!(clock.now() - start >= wait, "{wait:?}");
        }
        assert!(clock.now() >= before + Duration::from_millis(2));
    }

    #[test]
    fn bounded_polls_time_out_on_the_real_clock() {
        let clock = SystemClock::new();
        let result = hw_platform::poll_until(
            &clock,
            Duration::from_millis(5),
            Duration::from_millis(1),
            || None::<()>,
        );
        assert!(result.expect_err("never ready").waited >= Duration::from_millis(5));
    }
}
