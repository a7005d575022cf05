//! Which driver handler the calling thread is running (set by the emulator around every call
//! into a driver). Used to attribute violations when a call carries no usable handle and to
//! check "only from MiniportInitializeEx"-style rules.

use std::cell::RefCell;

use crate::registry::Owner;

/// The driver entry point the emulator is running on this thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// `DriverEntry`.
    DriverEntry,
    /// `MiniportSetOptions`.
    SetOptions,
    /// `MiniportAddDevice`.
    AddDevice,
    /// `MiniportRemoveDevice`.
    RemoveDevice,
    /// `MiniportInitializeEx`.
    Initialize,
    /// `MiniportHaltEx`.
    Halt,
    /// `MiniportPause`.
    Pause,
    /// `MiniportRestart`.
    Restart,
    /// `MiniportOidRequest`.
    OidRequest,
    /// `MiniportCancelOidRequest`.
    CancelOid,
    /// `MiniportSendNetBufferLists`.
    Send,
    /// `MiniportCancelSend`.
    CancelSend,
    /// `MiniportReturnNetBufferLists`.
    Return,
    /// An ISR (line or message).
    Isr,
    /// A DPC.
    Dpc,
    /// A timer function.
    Timer,
    /// An I/O work item.
    WorkItem,
    /// `MiniportDevicePnPEventNotify`.
    PnpEvent,
    /// `MiniportResetEx`.
    Reset,
    /// `MiniportCheckForHangEx`.
    CheckForHang,
    /// `MiniportShutdownEx`.
    Shutdown,
    /// `MiniportDriverUnload`.
    Unload,
    /// A synchronize function (`NdisMSynchronizeWithInterruptEx`).
    Synchronize,
}

thread_local! {
    static STACK: RefCell<Vec<(Owner, Handler)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with `(owner, handler)` pushed on this thread's context stack.
pub(crate) fn with<R>(owner: &Owner, handler: Handler, f: impl FnOnce() -> R) -> R {
    STACK.with(|s| s.borrow_mut().push((owner.clone(), handler)));
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            STACK.with(|s| {
                s.borrow_mut().pop();
            });
        }
    }
    let _pop = Pop;
    f()
}

/// The innermost context on this thread.
pub(crate) fn current() -> Option<(Owner, Handler)> {
    STACK.with(|s| s.borrow().last().cloned())
}

/// Whether this thread is inside `handler` for the adapter/driver `owner`.
pub(crate) fn inside(owner: &Owner, handler: Handler) -> bool {
    STACK.with(|s| {
        s.borrow()
            .iter()
            .any(|(o, h)| *h == handler && o.same(owner))
    })
}

/// Records a violation against the current context's owner, or the orphan list when the call
/// came from a thread the emulator does not know (e.g. a test calling NDIS directly with a bad
/// handle).
pub(crate) fn violate_current(rule: &'static str, message: String) {
    match current() {
        Some((owner, _)) => owner.violate(rule, message),
        None => crate::push_orphan(crate::Violation::new(rule, message)),
    }
}
