//! Timers, work items, interrupts and the emulator threads that run them.
//!
//! Each adapter owns three threads: the *interrupt/DPC* thread (ISRs at DIRQL, then their DPCs
//! and `NdisMQueueDpc` DPCs at DISPATCH), the *timer* thread (timer functions at DISPATCH) and
//! the *worker* thread (I/O work items at PASSIVE). They run concurrently with each other and
//! with the test thread, so a driver's locking is exercised for real. Every wait is bounded.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ndis_abi::*;

use crate::registry::lock;

/// A job for an emulator thread.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// A thread that runs jobs in order.
pub(crate) struct Worker {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    join: Mutex<Option<JoinHandle<()>>>,
}

impl Worker {
    pub(crate) fn start(name: &str) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let join = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    job();
                }
            })
            .ok();
        Self {
            tx: Mutex::new(Some(tx)),
            join: Mutex::new(join),
        }
    }

    /// Queues a job; false if the worker has stopped.
    pub(crate) fn submit(&self, job: Job) -> bool {
        match lock(&self.tx).as_ref() {
            Some(tx) => tx.send(job).is_ok(),
            None => false,
        }
    }

    /// Queues a job and waits (bounded) until it ran. False on timeout or if stopped.
    pub(crate) fn run_and_wait(&self, timeout: Duration, job: Job) -> bool {
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let queued = self.submit(Box::new(move || {
            job();
            let _ = done_tx.send(());
        }));
        queued && done_rx.recv_timeout(timeout).is_ok()
    }

    /// Stops the thread after the queued jobs ran (bounded wait).
    pub(crate) fn stop(&self, timeout: Duration) {
        drop(lock(&self.tx).take());
        if let Some(join) = lock(&self.join).take() {
            let deadline = Instant::now() + timeout;
            while !join.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            if join.is_finished() {
                let _ = join.join();
            }
        }
    }
}

/// A timer object's schedule.
#[derive(Default)]
pub(crate) struct TimerState {
    /// Queued: next due time, period (ms, 0 = one-shot) and the context for this arm.
    pub queued: Option<(Instant, u32, usize)>,
    /// The timer function is running right now.
    pub running: bool,
    pub freed: bool,
    pub fired: u64,
}

/// `NdisAllocateTimerObject`.
pub(crate) struct TimerObj {
    pub handle: usize,
    pub function: NDIS_TIMER_FUNCTION,
    pub default_context: usize,
    pub state: Mutex<TimerState>,
}

/// `NdisAllocateIoWorkItem`.
pub(crate) struct WorkItemObj {
    pub queued: Mutex<u32>,
}

/// `NdisMRegisterInterruptEx`.
pub(crate) struct InterruptObj {
    pub context: usize,
    pub chars: NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS,
    pub message_based: bool,
    /// The `IO_INTERRUPT_MESSAGE_INFO` table NDIS handed out (freed at deregistration).
    pub message_table: Mutex<Option<Box<[u64]>>>,
    /// Held while an ISR or a synchronize function runs (the interrupt spin lock).
    pub sync: Mutex<()>,
    pub deregistered: Mutex<bool>,
}

// SAFETY: the characteristics' only raw pointer (`MessageInfoTable`) points into
// `message_table`, owned by the same object; the driver reads it, the emulator never writes it
// after registration.
unsafe impl Send for InterruptObj {}
// SAFETY: as above; all mutable state is behind mutexes.
unsafe impl Sync for InterruptObj {}

/// The per-adapter timer queue, run by one timer thread.
pub(crate) struct TimerQueue {
    pub timers: Mutex<TimerList>,
    pub cv: Condvar,
}

#[derive(Default)]
pub(crate) struct TimerList {
    pub timers: Vec<Arc<TimerObj>>,
    pub shutdown: bool,
}

impl TimerQueue {
    pub(crate) fn new() -> Self {
        Self {
            timers: Mutex::new(TimerList::default()),
            cv: Condvar::new(),
        }
    }
}
