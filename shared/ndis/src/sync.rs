//! A spin lock over `NDIS_SPIN_LOCK`: `NdisAcquireSpinLock` raises to DISPATCH_LEVEL, so a
//! holder at PASSIVE cannot be preempted on its processor by a DPC that wants the same lock
//! (a plain atomic spin lock would deadlock there).

extern crate alloc;

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};

use ndis_abi::{
    NDIS_SPIN_LOCK, NdisAcquireSpinLock, NdisAllocateSpinLock, NdisFreeSpinLock,
    NdisReleaseSpinLock,
};

/// Data guarded by an NDIS spin lock. Always boxed: NDIS locks must not move once allocated.
pub struct SpinLock<T> {
    lock: UnsafeCell<NDIS_SPIN_LOCK>,
    value: UnsafeCell<T>,
}

// SAFETY: access to `value` is serialized by the NDIS spin lock; `T: Send` may be handed
// between threads through it.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: the lock owns `T`; moving the box between threads moves `T`.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// Allocates the lock in place (so its address never changes) around `value`.
    pub fn new(value: T) -> Box<Self> {
        let boxed = Box::new(Self {
            lock: UnsafeCell::new(NDIS_SPIN_LOCK {
                SpinLock: 0,
                OldIrql: 0,
            }),
            value: UnsafeCell::new(value),
        });
        // SAFETY: the lock is at its final (boxed) address and not yet in use.
        unsafe { NdisAllocateSpinLock(boxed.lock.get()) };
        boxed
    }

    /// Acquires the lock (raising to DISPATCH_LEVEL until the guard drops).
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        // SAFETY: the lock was allocated in `new` and lives as long as `self`.
        unsafe { NdisAcquireSpinLock(self.lock.get()) };
        SpinLockGuard { owner: self }
    }
}

impl<T> Drop for SpinLock<T> {
    fn drop(&mut self) {
        // SAFETY: nobody holds the lock (`&mut self`), and it was allocated in `new`.
        unsafe { NdisFreeSpinLock(self.lock.get()) };
    }
}

/// Holds the lock; releases it on drop.
pub struct SpinLockGuard<'a, T> {
    owner: &'a SpinLock<T>,
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held, so no other reference to the value exists.
        unsafe { &*self.owner.value.get() }
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held, and `&mut self` makes this the only access.
        unsafe { &mut *self.owner.value.get() }
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard acquired the lock in `SpinLock::lock`.
        unsafe { NdisReleaseSpinLock(self.owner.lock.get()) };
    }
}

/// State used only from PASSIVE_LEVEL code that NDIS already serializes (initialization, one
/// I/O work item, halt after the work item is drained), where a spin lock cannot be held (the
/// holder sleeps, e.g. in a mailbox poll). A second, concurrent user does not wait: it gets
/// `None` and skips its turn, so a mistake in that reasoning costs a retry, never a deadlock or
/// a data race.
pub struct PassiveExclusive<T> {
    busy: core::sync::atomic::AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: access to `value` is serialized by the `busy` flag (acquire on entry, release on
// exit); `T: Send` may be used from whichever thread holds it.
unsafe impl<T: Send> Sync for PassiveExclusive<T> {}

impl<T> PassiveExclusive<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        Self {
            busy: core::sync::atomic::AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` with exclusive access, or returns `None` if another user holds it.
    pub fn try_with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        use core::sync::atomic::Ordering;
        if self
            .busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return None;
        }
        struct Release<'a>(&'a core::sync::atomic::AtomicBool);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.store(false, core::sync::atomic::Ordering::Release);
            }
        }
        let _release = Release(&self.busy);
        // SAFETY: the `busy` flag was acquired above, so no other reference to `value` exists
        // until `_release` clears it.
        let value = unsafe { &mut *self.value.get() };
        Some(f(value))
    }
}
