//! The VF adapter: `MiniportInitializeEx` (attributes in NDIS's order, VF SR-IOV capabilities
//! only), lifecycle, and the OID control path.
//!
//! The VF reads no SR-IOV keyword and reports neither NIC-switch nor receive-filter
//! capabilities, only `NDIS_SRIOV_CAPABILITIES` with `VF_MINIPORT | SRIOV_SUPPORTED` in both
//! the hardware and the current pointer (N/initializing-a-vf-miniport-driver.md; requirements
//! doc §2.1 and §6 item 1 on the conflicting flag guidance).
//!
//! Walking-skeleton status: no hardware yet; media disconnected, sends refused with
//! `NDIS_STATUS_MEDIA_DISCONNECTED`.

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;

use igb::ids::{Generation, INTEL_VENDOR_ID, vf_generation};
use ndis::adapter::{AdapterCore, AdapterHandle};
use ndis::ethernet::{AdapterIdentity, GENERAL_OIDS, LinkState, general_attributes};
use ndis::miniport::{
    AdapterContext, Completion, InitContext, MiniportAdapter, MiniportDriver, set_attributes,
};
use ndis::nbl::NblChain;
use ndis::oid::OidRequest;
use ndis::{NdisError, NdisResult};
use ndis_abi::*;

/// Driver version reported in `OID_GEN_VENDOR_DRIVER_VERSION` (major.minor).
pub const DRIVER_VERSION: (u8, u8) = (0, 1);

/// The OIDs this adapter answers: the list given to NDIS as `SupportedOidList`.
pub fn supported_oids() -> &'static [NDIS_OID] {
    GENERAL_OIDS
}

/// The VF miniport driver.
pub struct VfDriver;

/// One VF adapter.
pub struct VfAdapter {
    core: AdapterCore,
    generation: Generation,
    sriov: Box<[NDIS_SRIOV_CAPABILITIES; 2]>,
}

impl VfAdapter {
    /// The silicon generation.
    #[must_use]
    pub fn generation(&self) -> Generation {
        self.generation
    }

    /// The SR-IOV capabilities reported (hardware, current).
    #[must_use]
    pub fn sriov_capabilities(&self) -> &[NDIS_SRIOV_CAPABILITIES; 2] {
        &self.sriov
    }
}

impl MiniportDriver for VfDriver {
    type Adapter = VfAdapter;

    fn initialize(
        context: &InitContext,
        adapter_context: AdapterContext,
        slot: &mut Option<Box<VfAdapter>>,
    ) -> NdisResult {
        let handle = context.adapter_handle;
        // SAFETY: `handle` is the adapter handle NDIS passed to MiniportInitializeEx and
        // `adapter_context` the framework's context for it.
        unsafe { ndis::adapter::set_registration_attributes(handle, adapter_context) }?;

        // A VF belongs in a child partition; in the parent it should come up as a PF instead
        // (N/initializing-a-vf-miniport-driver.md), which this driver is not.
        if ndis::pci::partition_type() == NdisHypervisorPartitionTypeMsHvParent {
            return Err(NdisError::NOT_SUPPORTED);
        }
        // SAFETY: `handle` is the adapter being initialized.
        let (vendor, device) =
            unsafe { ndis::pci::read_pci_ids(handle) }.ok_or(NdisError::ADAPTER_NOT_FOUND)?;
        let generation = if vendor == INTEL_VENDOR_ID {
            vf_generation(device)
        } else {
            None
        };
        let generation = generation.ok_or(NdisError::ADAPTER_NOT_FOUND)?;

        let identity = AdapterIdentity::placeholder(
            device,
            0x01,
            b"Intel igb SR-IOV Virtual Function (Rust NDIS miniport)\0",
            DRIVER_VERSION,
        );
        let link = LinkState::DISCONNECTED;
        let oids: Vec<NDIS_OID> = supported_oids().to_vec();
        let mut general = general_attributes(&identity, link, &oids);
        // SAFETY: `general` and the OID list live across the call.
        unsafe { set_attributes(handle, &mut general) }?;

        let mut sriov_caps = NDIS_SRIOV_CAPABILITIES::zeroed();
        sriov_caps.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_DEFAULT,
            NDIS_SRIOV_CAPABILITIES_REVISION_1,
            NDIS_SIZEOF_SRIOV_CAPABILITIES_REVISION_1,
        );
        sriov_caps.SriovCapabilities =
            NDIS_SRIOV_CAPS_VF_MINIPORT | NDIS_SRIOV_CAPS_SRIOV_SUPPORTED;
        let mut sriov = Box::new([sriov_caps, sriov_caps]);
        let mut assist = NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES::zeroed();
        assist.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES,
            NDIS_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES_REVISION_3,
            NDIS_SIZEOF_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES_REVISION_3,
        );
        let [hardware, current] = &mut *sriov;
        assist.HardwareSriovCapabilities = hardware;
        assist.CurrentSriovCapabilities = current;
        // SAFETY: the boxed capabilities outlive the call.
        unsafe { set_attributes(handle, &mut assist) }?;

        *slot = Some(Box::new(VfAdapter {
            core: AdapterCore::new(AdapterHandle::new(handle), identity, link),
            generation,
            sriov,
        }));
        Ok(())
    }
}

impl MiniportAdapter for VfAdapter {
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
        Completion::Done(
            self.core
                .general_oid(request)
                .unwrap_or(Err(NdisError::NOT_SUPPORTED)),
        )
    }

    fn cancel_oid_request(&self, _request_id: PVOID) {
        // Every OID completes synchronously.
    }

    fn send(&self, chain: NblChain, _port: NDIS_PORT_NUMBER, flags: ULONG) {
        self.core.refuse_sends(chain, flags);
    }

    fn return_net_buffer_lists(&self, _chain: NblChain, _flags: ULONG) {
        // No receives are indicated yet.
    }

    fn cancel_send(&self, _cancel_id: PVOID) {}

    fn device_pnp_event(&self, _event: NDIS_DEVICE_PNP_EVENT) {
        // Surprise removal: nothing touches hardware yet; pause and halt follow.
    }

    fn shutdown(&self, _action: NDIS_SHUTDOWN_ACTION) {}
}
