//! The adapter states NDIS defines (N/miniport-adapter-states-and-operations.md) as far as the
//! data path is concerned, and completing sends the data path refuses.

use core::sync::atomic::{AtomicU8, Ordering};

use ndis_abi::*;

use crate::nbl::NblChain;

/// Data-path state of an adapter.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum AdapterState {
    /// After `MiniportInitializeEx` and after pause completes: no sends, no receives.
    Paused = 0,
    /// Inside `MiniportRestart`.
    Restarting = 1,
    /// Sends and receives allowed.
    Running = 2,
    /// Inside `MiniportPause` until it completes: new sends are refused.
    Pausing = 3,
    /// After `MiniportHaltEx` began.
    Halted = 4,
}

impl AdapterState {
    const fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Paused,
            1 => Self::Restarting,
            2 => Self::Running,
            3 => Self::Pausing,
            _ => Self::Halted,
        }
    }
}

/// The current [`AdapterState`], readable from any handler without a lock.
#[derive(Debug)]
pub struct Lifecycle {
    state: AtomicU8,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

impl Lifecycle {
    /// A freshly initialized adapter is Paused.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            state: AtomicU8::new(AdapterState::Paused as u8),
        }
    }

    /// The current state.
    pub fn state(&self) -> AdapterState {
        AdapterState::from_u8(self.state.load(Ordering::Acquire))
    }

    /// Moves to `state`.
    pub fn set(&self, state: AdapterState) {
        self.state.store(state as u8, Ordering::Release);
    }

    /// Whether a send may be accepted now.
    pub fn accepts_sends(&self) -> bool {
        self.state() == AdapterState::Running
    }
}

/// Completes every NBL of `chain` with `status` (`NDIS_STATUS_PAUSED` while paused or pausing,
/// `NDIS_STATUS_MEDIA_DISCONNECTED` with no link, …), in one `NdisMSendNetBufferListsComplete`.
///
/// # Safety
/// `adapter_handle` is the adapter's `MiniportAdapterHandle`, and `chain` holds NBLs NDIS sent
/// to this adapter (so they must go back to it).
pub unsafe fn complete_sends(
    adapter_handle: NDIS_HANDLE,
    chain: NblChain,
    status: NDIS_STATUS,
    send_flags: ULONG,
) {
    if chain.is_empty() {
        return;
    }
    for nbl in chain.iter() {
        // SAFETY: `nbl` is a valid NBL owned by the chain (NblChain invariant), so we may write
        // its status field (a whole-union store of plain data is safe).
        unsafe { (*nbl.as_ptr()).StatusUnion = NET_BUFFER_LIST_STATUS { Status: status } };
    }
    let complete_flags = if send_flags & NDIS_SEND_FLAGS_DISPATCH_LEVEL != 0 {
        NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL
    } else {
        0
    };
    // SAFETY: caller's contract: these NBLs belong to this adapter; completing hands them back.
    unsafe { NdisMSendNetBufferListsComplete(adapter_handle, chain.into_raw(), complete_flags) };
}
