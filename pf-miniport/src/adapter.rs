//! The PF adapter: `MiniportInitializeEx` (attributes in NDIS's order, keyword precedence,
//! capabilities), lifecycle, and the OID control path.
//!
//! Walking-skeleton status: the hardware layer is not wired into the driver yet, so the
//! adapter reports media disconnected with an unknown link speed and completes every send
//! with `NDIS_STATUS_MEDIA_DISCONNECTED` — it says so rather than pretending to carry traffic.
//! The NIC-switch / SR-IOV OIDs arrive with the control-plane work and are therefore not in
//! the supported OID list yet.

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;

use igb::ids::{Generation, INTEL_VENDOR_ID, pf_generation};
use ndis::adapter::{AdapterCore, AdapterHandle};
use ndis::config::NdisKeywords;
use ndis::ethernet::{AdapterIdentity, GENERAL_OIDS, LinkState, general_attributes};
use ndis::miniport::{
    AdapterContext, Completion, InitContext, MiniportAdapter, MiniportDriver, set_attributes,
};
use ndis::nbl::NblChain;
use ndis::oid::OidRequest;
use ndis::{NdisError, NdisResult};
use ndis_abi::*;

use crate::capabilities::{MAX_VFS, PfCapabilities, pf_capabilities};
use crate::keywords::{FeatureSelection, requested_vfs, select_features};

/// Driver version reported in `OID_GEN_VENDOR_DRIVER_VERSION` (major.minor).
pub const DRIVER_VERSION: (u8, u8) = (0, 1);

/// The OIDs this adapter answers: the list given to NDIS as `SupportedOidList`.
pub fn supported_oids() -> &'static [NDIS_OID] {
    GENERAL_OIDS
}

/// The PF miniport driver.
pub struct PfDriver;

/// One PF adapter.
pub struct PfAdapter {
    core: AdapterCore,
    generation: Generation,
    features: FeatureSelection,
    num_vfs: u32,
    capabilities: Box<PfCapabilities>,
}

impl PfAdapter {
    /// Features selected from the keywords.
    #[must_use]
    pub fn features(&self) -> FeatureSelection {
        self.features
    }

    /// The silicon generation.
    #[must_use]
    pub fn generation(&self) -> Generation {
        self.generation
    }

    /// `*NumVFs`, clamped.
    #[must_use]
    pub fn num_vfs(&self) -> u32 {
        self.num_vfs
    }

    /// The capability structures reported at initialization.
    #[must_use]
    pub fn capabilities(&self) -> &PfCapabilities {
        &self.capabilities
    }
}

impl MiniportDriver for PfDriver {
    type Adapter = PfAdapter;

    fn initialize(
        context: &InitContext,
        adapter_context: AdapterContext,
        slot: &mut Option<Box<PfAdapter>>,
    ) -> NdisResult {
        let handle = context.adapter_handle;

        // 1. Registration attributes, before anything that claims hardware.
        // SAFETY: `handle` is the adapter handle NDIS passed to MiniportInitializeEx and
        // `adapter_context` the framework's context for it.
        unsafe { ndis::adapter::set_registration_attributes(handle, adapter_context) }?;

        // A PF belongs in the Hyper-V parent partition; in a child it must not come up as a
        // PF (N/miniportinitializeex-guidelines-for-pf-miniport-drivers.md). Outside Hyper-V
        // (Unknown) it runs as a plain NIC.
        if ndis::pci::partition_type() == NdisHypervisorPartitionMsHvChild {
            return Err(NdisError::NOT_SUPPORTED);
        }

        // SAFETY: `handle` is the adapter being initialized.
        let (vendor, device) =
            unsafe { ndis::pci::read_pci_ids(handle) }.ok_or(NdisError::ADAPTER_NOT_FOUND)?;
        let generation = if vendor == INTEL_VENDOR_ID {
            pf_generation(device)
        } else {
            None
        };
        let generation = generation.ok_or(NdisError::ADAPTER_NOT_FOUND)?;

        // 2. Keywords, with the precedence rules.
        let (features, num_vfs) = {
            // SAFETY: `handle` is the adapter being initialized.
            let mut keywords = unsafe { NdisKeywords::open(handle) }?;
            let features = select_features(&mut keywords);
            let num_vfs = if features.sriov {
                requested_vfs(&mut keywords, MAX_VFS)
            } else {
                0
            };
            (features, num_vfs)
        };
        let mut capabilities = Box::new(pf_capabilities(generation, features, num_vfs));

        // 3. General attributes.
        let identity = AdapterIdentity::placeholder(
            device,
            0x00,
            b"Intel igb SR-IOV Physical Function (Rust NDIS miniport)\0",
            DRIVER_VERSION,
        );
        let link = LinkState::DISCONNECTED;
        let oids: Vec<NDIS_OID> = supported_oids().to_vec();
        let mut general = general_attributes(&identity, link, &oids);
        if let Some(rss) = capabilities.rss.as_mut() {
            general.RecvScaleCapabilities = rss;
        }
        // SAFETY: `general` and everything it points to (the OID list, RSS capabilities) live
        // across the call.
        unsafe { set_attributes(handle, &mut general) }?;

        // 4. Hardware-assist attributes (revision 3): both pointers of every kind, always.
        let mut assist = NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES::zeroed();
        assist.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES,
            NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES_REVISION_3,
            NDIS_SIZEOF_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES_REVISION_3,
        );
        let caps = &mut *capabilities;
        assist.HardwareSriovCapabilities = &mut caps.hardware_sriov;
        assist.CurrentSriovCapabilities = &mut caps.current_sriov;
        assist.HardwareNicSwitchCapabilities = &mut caps.hardware_nic_switch;
        assist.CurrentNicSwitchCapabilities = &mut caps.current_nic_switch;
        assist.HardwareReceiveFilterCapabilities = &mut caps.hardware_receive_filter;
        assist.CurrentReceiveFilterCapabilities = &mut caps.current_receive_filter;
        // SAFETY: the capability structures are boxed and outlive the call.
        unsafe { set_attributes(handle, &mut assist) }?;

        *slot = Some(Box::new(PfAdapter {
            core: AdapterCore::new(AdapterHandle::new(handle), identity, link),
            generation,
            features,
            num_vfs,
            capabilities,
        }));
        Ok(())
    }
}

impl MiniportAdapter for PfAdapter {
    fn halt(&self, _action: NDIS_HALT_ACTION) {
        self.core
            .lifecycle
            .set(ndis::lifecycle::AdapterState::Halted);
    }

    fn pause(&self) -> Completion {
        self.core.pause()
    }

    fn restart(&self) -> Completion {
        self.core.restart()
    }

    fn oid_request(&self, request: &mut OidRequest<'_>) -> Completion {
        let result = match self.core.general_oid(request) {
            Some(result) => result,
            // Not in SupportedOidList: refused, never half-handled.
            None => Err(NdisError::NOT_SUPPORTED),
        };
        Completion::Done(result)
    }

    fn cancel_oid_request(&self, _request_id: PVOID) {
        // Every OID completes synchronously: nothing is ever pending to cancel.
    }

    fn send(&self, chain: NblChain, _port: NDIS_PORT_NUMBER, flags: ULONG) {
        self.core.refuse_sends(chain, flags);
    }

    fn return_net_buffer_lists(&self, _chain: NblChain, _flags: ULONG) {
        // The skeleton indicates no receives, so NDIS has nothing to return.
    }

    fn cancel_send(&self, _cancel_id: PVOID) {
        // Sends are completed inside MiniportSendNetBufferLists: nothing is queued to cancel.
    }

    fn device_pnp_event(&self, _event: NDIS_DEVICE_PNP_EVENT) {
        // Surprise removal: nothing touches hardware yet, so there is nothing to stop; the
        // pause and halt that follow release everything.
    }

    fn shutdown(&self, _action: NDIS_SHUTDOWN_ACTION) {}
}
