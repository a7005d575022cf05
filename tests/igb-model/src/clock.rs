//! Virtual time for the model: [`Clock::delay`] advances time instantly, so bounded polls in
//! the drivers are deterministic and fast. All clones share one timeline.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hw_platform::Clock;

/// A virtual monotonic clock (see module docs).
#[derive(Clone, Debug, Default)]
pub struct ModelClock {
    nanos: Arc<AtomicU64>,
}

impl ModelClock {
    /// A clock at time zero.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves time forward by `duration` (what a test does to let "time pass").
    pub fn advance(&self, duration: Duration) {
        let step = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        // Saturate instead of wrapping: a monotonic clock must never go backwards.
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(step))
            });
    }
}

impl Clock for ModelClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn delay(&self, duration: Duration) {
        self.advance(duration);
    }
}
