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

/// A [`ModelClock`] for one side of a conversation with the device (a VF driver talking to a
/// PF, say): each of its delays first runs `step`, the other side's handler, then advances
/// virtual time. The other side therefore acts exactly when a real one could (while this side
/// waits), nothing runs concurrently, and every wait stays bounded by virtual time.
#[derive(Clone)]
pub struct PumpClock {
    clock: ModelClock,
    step: std::rc::Rc<dyn Fn()>,
}

impl PumpClock {
    /// A clock over `clock` that runs `step` at every delay.
    pub fn new(clock: ModelClock, step: impl Fn() + 'static) -> Self {
        Self {
            clock,
            step: std::rc::Rc::new(step),
        }
    }
}

impl std::fmt::Debug for PumpClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PumpClock")
            .field("clock", &self.clock)
            .finish()
    }
}

impl Clock for PumpClock {
    fn now(&self) -> Duration {
        self.clock.now()
    }

    fn delay(&self, duration: Duration) {
        (self.step)();
        self.clock.advance(duration);
    }
}
