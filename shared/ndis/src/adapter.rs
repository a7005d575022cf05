//! The part of an adapter both miniports share: lifecycle state, identity, counters, the
//! general OIDs and the sends the data path cannot take.

extern crate alloc;

use alloc::boxed::Box;

use ndis_abi::*;

use crate::ethernet::{AdapterIdentity, Counters, DeviceStatistics, GeneralOids, LinkState};
use crate::lifecycle::{AdapterState, Lifecycle, complete_sends};
use crate::miniport::Completion;
use crate::nbl::NblChain;
use crate::oid::OidRequest;
use crate::status::NdisResult;
use crate::sync::SpinLock;

/// NDIS's `MiniportAdapterHandle`, shareable between the handlers that NDIS runs concurrently.
#[derive(Clone, Copy, Debug)]
pub struct AdapterHandle(NDIS_HANDLE);

// SAFETY: the handle is an opaque token NDIS accepts from any thread and IRQL for the calls
// that allow it; it is never dereferenced by the driver.
unsafe impl Send for AdapterHandle {}
// SAFETY: as above; sharing the token is sharing an integer.
unsafe impl Sync for AdapterHandle {}

impl AdapterHandle {
    /// Wraps the handle NDIS passed to `MiniportInitializeEx`.
    ///
    /// # Safety
    /// `handle` is the `MiniportAdapterHandle` NDIS passed to `MiniportInitializeEx` (or, in
    /// tests, one the NDIS emulator issued), used only until `MiniportHaltEx` returns: the
    /// safe methods below and [`crate::event_log::write_event`] pass it to NDIS as such.
    #[must_use]
    pub const unsafe fn new(handle: NDIS_HANDLE) -> Self {
        Self(handle)
    }

    /// The raw handle for NDIS calls.
    #[must_use]
    pub const fn raw(self) -> NDIS_HANDLE {
        self.0
    }

    /// Completes send NBLs with one `NdisMSendNetBufferListsComplete`, each NBL with the
    /// status it carries. `dispatch_level`: the caller runs at DISPATCH (a DPC, a send with
    /// `NDIS_SEND_FLAGS_DISPATCH_LEVEL`, an SG callback), which sets
    /// `NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL`. `chain` holds NBLs NDIS sent to this adapter
    /// (what a data-path engine hands back from its send path); an empty chain is a no-op.
    pub fn complete_sends(self, chain: NblChain, dispatch_level: bool) {
        // SAFETY: the handle is this adapter's (`new`'s contract); send chains come from this
        // adapter's MiniportSendNetBufferLists, and completing hands each NBL back once.
        unsafe { crate::nbl_info::complete_send_chain(self.0, chain, dispatch_level) };
    }

    /// Indicates receive NBLs with one `NdisMIndicateReceiveNetBufferLists` on the default
    /// port. With `NDIS_RECEIVE_FLAGS_RESOURCES` in `flags` the NBLs are returned at once (the
    /// chain given back); otherwise NDIS keeps them until `MiniportReturnNetBufferLists` and
    /// the chain returned is empty. `chain` holds NBLs from this adapter's receive pool
    /// ([`crate::receive::NdisReceivePool`]), whose buffers stay valid until they come back.
    #[must_use]
    pub fn indicate_receives(self, chain: NblChain, flags: ULONG) -> NblChain {
        // SAFETY: the handle is this adapter's; receive chains are built from this adapter's
        // receive pool over buffers the engine keeps until the NBLs are returned.
        unsafe { crate::nbl_info::indicate_receive_chain(self.0, chain, flags) }
    }

    /// `NdisMPauseComplete`: completes the pause `MiniportPause` returned
    /// `NDIS_STATUS_PENDING` for. Call once per pending pause, at <= DISPATCH.
    pub fn pause_complete(self) {
        // SAFETY: the handle is this adapter's; NDIS accepts the call at <= DISPATCH.
        unsafe { NdisMPauseComplete(self.0) };
    }
}

/// Shared adapter state.
pub struct AdapterCore {
    /// NDIS's handle for the adapter.
    pub handle: AdapterHandle,
    /// Data-path state.
    pub lifecycle: Lifecycle,
    /// MAC addresses, MTU, vendor strings.
    pub identity: AdapterIdentity,
    /// Data-path counters.
    pub counters: Counters,
    /// Settable general-OID state.
    pub general: Box<SpinLock<GeneralOids>>,
    /// The link as last reported to NDIS.
    link: Box<SpinLock<LinkState>>,
    /// Statistics the device counts (hardware counters), preferred over the software
    /// counters for `OID_GEN_STATISTICS` when the driver provides them.
    device_statistics: Box<SpinLock<Option<DeviceStatistics>>>,
}

impl AdapterCore {
    /// A paused adapter.
    #[must_use]
    pub fn new(handle: AdapterHandle, identity: AdapterIdentity, link: LinkState) -> Self {
        Self {
            handle,
            lifecycle: Lifecycle::new(),
            identity,
            counters: Counters::default(),
            general: SpinLock::new(GeneralOids::default()),
            link: SpinLock::new(link),
            device_statistics: SpinLock::new(None),
        }
    }

    /// The link as last reported to NDIS.
    pub fn link(&self) -> LinkState {
        *self.link.lock()
    }

    /// Records `link` and, if it differs from what NDIS was last told, indicates
    /// `NDIS_STATUS_LINK_STATE` (N/link-state-indications.md; <= DISPATCH). Returns whether it
    /// indicated.
    pub fn indicate_link(&self, link: LinkState) -> bool {
        {
            let mut current = self.link.lock();
            if *current == link {
                return false;
            }
            *current = link;
        }
        let mut state = NDIS_LINK_STATE::zeroed();
        state.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_DEFAULT,
            NDIS_LINK_STATE_REVISION_1,
            NDIS_SIZEOF_LINK_STATE_REVISION_1,
        );
        state.MediaConnectState = link.connect_state;
        state.MediaDuplexState = link.duplex;
        state.XmitLinkSpeed = link.speed;
        state.RcvLinkSpeed = link.speed;
        state.PauseFunctions = NdisPauseFunctionsUnknown;
        state.AutoNegotiationFlags = NDIS_LINK_STATE_DUPLEX_AUTO_NEGOTIATED;
        let mut indication = NDIS_STATUS_INDICATION::zeroed();
        indication.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_STATUS_INDICATION,
            NDIS_STATUS_INDICATION_REVISION_1,
            NDIS_SIZEOF_STATUS_INDICATION_REVISION_1,
        );
        indication.SourceHandle = self.handle.raw();
        indication.StatusCode = NDIS_STATUS_LINK_STATE;
        indication.StatusBuffer = (&raw mut state).cast();
        indication.StatusBufferSize = u32::from(NDIS_SIZEOF_LINK_STATE_REVISION_1);
        // SAFETY: the indication and its buffer are live locals for the call; the handle is
        // this adapter's.
        unsafe { NdisMIndicateStatusEx(self.handle.raw(), &mut indication) };
        true
    }

    /// Replaces the device statistics reported by `OID_GEN_STATISTICS`.
    pub fn set_device_statistics(&self, statistics: DeviceStatistics) {
        *self.device_statistics.lock() = Some(statistics);
    }

    /// `MiniportPause`. Nothing is in flight in a data path that owns no rings yet, so pause
    /// completes at once; a data path with rings waits for its sends and indicated receives.
    pub fn pause(&self) -> Completion {
        self.lifecycle.set(AdapterState::Pausing);
        self.lifecycle.set(AdapterState::Paused);
        Completion::Done(Ok(()))
    }

    /// `MiniportRestart`.
    pub fn restart(&self) -> Completion {
        self.lifecycle.set(AdapterState::Restarting);
        self.lifecycle.set(AdapterState::Running);
        Completion::Done(Ok(()))
    }

    /// Completes sends the data path cannot carry: `NDIS_STATUS_PAUSED` while not running
    /// (N/pausing-an-adapter.md), `NDIS_STATUS_MEDIA_DISCONNECTED` without a link, and
    /// `NDIS_STATUS_FAILURE` with a link but no data path to carry them.
    pub fn refuse_sends(&self, chain: NblChain, flags: ULONG) {
        let status = if !self.lifecycle.accepts_sends() {
            NDIS_STATUS_PAUSED
        } else if self.link().connect_state != MediaConnectStateConnected {
            NDIS_STATUS_MEDIA_DISCONNECTED
        } else {
            NDIS_STATUS_FAILURE
        };
        let refused = chain.len() as u64;
        self.counters
            .transmit_errors
            .fetch_add(refused, core::sync::atomic::Ordering::Relaxed);
        // SAFETY: the chain came from this adapter's MiniportSendNetBufferLists.
        unsafe { complete_sends(self.handle.raw(), chain, status, flags) };
    }

    /// Answers a general OID, or `None` if it is not one.
    pub fn general_oid(&self, request: &mut OidRequest<'_>) -> Option<NdisResult> {
        let link = self.link();
        let device = *self.device_statistics.lock();
        let mut general = self.general.lock();
        general.handle(
            request,
            &self.identity,
            &self.counters,
            link,
            device.as_ref(),
        )
    }
}

/// Sets the registration attributes of a bus-mastering PCI NIC: the first attributes call of
/// `MiniportInitializeEx`, before anything that claims hardware
/// (D/ndis/nf-ndis-ndismsetminiportattributes.md). No check-for-hang: drivers for Windows
/// Server must not implement it from NDIS 6.83 (requirements doc §3).
///
/// # Safety
/// `handle` is the `MiniportAdapterHandle` passed to `MiniportInitializeEx`, and
/// `adapter_context` the context the framework registers for the adapter.
pub unsafe fn set_registration_attributes(
    handle: NDIS_HANDLE,
    adapter_context: crate::miniport::AdapterContext,
) -> NdisResult {
    let mut registration = NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES::zeroed();
    registration.Header = NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES,
        NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_2,
        NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_2,
    );
    registration.MiniportAdapterContext = adapter_context.raw();
    registration.AttributeFlags = NDIS_MINIPORT_ATTRIBUTES_HARDWARE_DEVICE
        | NDIS_MINIPORT_ATTRIBUTES_BUS_MASTER
        | NDIS_MINIPORT_ATTRIBUTES_SURPRISE_REMOVE_OK;
    registration.CheckForHangTimeInSeconds = 0;
    registration.InterfaceType = NdisInterfacePci;
    // SAFETY: caller's contract.
    unsafe { crate::miniport::set_attributes(handle, &mut registration) }
}
