//! The VF adapter: `MiniportInitializeEx` (attributes in NDIS's order, VF SR-IOV capabilities
//! only), lifecycle, and the OID control path.
//!
//! The VF reads no SR-IOV keyword and reports neither NIC-switch nor receive-filter
//! capabilities, only `NDIS_SRIOV_CAPABILITIES` with `VF_MINIPORT | SRIOV_SUPPORTED` in both
//! the hardware and the current pointer (N/initializing-a-vf-miniport-driver.md; requirements
//! doc §2.1 and §6 item 1 on the conflicting flag guidance).
//!
//! The hardware is real (see [`crate::hardware`]): the mailbox handshake gives the MAC, the
//! link follows VTSTATUS and PF resets. The data path is not built yet, so sends are refused
//! with the status that says why (`NDIS_STATUS_PAUSED`, `NDIS_STATUS_MEDIA_DISCONNECTED`, or
//! `NDIS_STATUS_FAILURE` with a link).

extern crate alloc;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use igb::ids::{Generation, INTEL_VENDOR_ID, vf_generation};
use ndis::adapter::AdapterCore;
use ndis::ethernet::{AdapterIdentity, GENERAL_OIDS, LinkState};
use ndis::lifecycle::AdapterState;
use ndis::miniport::{
    AdapterContext, Completion, DriverRegistrations, HardwareAssist, InitContext, MiniportAdapter,
    MiniportDriver,
};
use ndis::nbl::NblChain;
use ndis::sync::SpinLock;

use crate::hardware::{VfHardware, VfShared, bring_up};
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
    /// The device and everything NDIS gave for it; taken (and dropped in order) at halt.
    hardware: Box<SpinLock<Option<VfHardware>>>,
    generation: Generation,
    sriov: Box<[NDIS_SRIOV_CAPABILITIES; 2]>,
}

impl VfAdapter {
    fn shared(&self) -> Option<Arc<VfShared>> {
        self.hardware
            .lock()
            .as_ref()
            .map(|hardware| Arc::clone(&hardware.shared))
    }
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
    const VERSION: (u8, u8) = DRIVER_VERSION;

    fn registrations() -> &'static DriverRegistrations {
        static REGISTRATIONS: DriverRegistrations = DriverRegistrations::new();
        &REGISTRATIONS
    }

    fn initialize(
        context: &InitContext,
        adapter_context: AdapterContext,
        slot: &mut Option<Box<VfAdapter>>,
    ) -> NdisResult {
        context.set_registration_attributes(adapter_context)?;

        // A VF belongs in a child partition; in the parent it should come up as a PF instead
        // (N/initializing-a-vf-miniport-driver.md), which this driver is not.
        if ndis::pci::partition_type() == NdisHypervisorPartitionTypeMsHvParent {
            return Err(NdisError::NOT_SUPPORTED);
        }
        let (vendor, device) = context.pci_ids().ok_or(NdisError::ADAPTER_NOT_FOUND)?;
        let generation = if vendor == INTEL_VENDOR_ID {
            vf_generation(device)
        } else {
            None
        };
        let generation = generation.ok_or(NdisError::ADAPTER_NOT_FOUND)?;

        let oids: Vec<NDIS_OID> = supported_oids().to_vec();
        let (hardware, _mac) = bring_up(context, generation, |mac, link| {
            let mut identity = AdapterIdentity::placeholder(
                device,
                0x01,
                b"Intel igb SR-IOV Virtual Function (Rust NDIS miniport)\0",
                DRIVER_VERSION,
            );
            // The handshake's MAC is the VF's address (the PF owns the permanent one).
            identity.permanent_address = mac;
            identity.current_address = mac;
            context.set_general_attributes(&identity, link, &oids, None)?;
            Ok(AdapterCore::new(context.adapter(), identity, link))
        })
        .map_err(|error| {
            error.log(context.adapter());
            error.status()
        })?;

        let mut sriov_caps = NDIS_SRIOV_CAPABILITIES::zeroed();
        sriov_caps.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_DEFAULT,
            NDIS_SRIOV_CAPABILITIES_REVISION_1,
            NDIS_SIZEOF_SRIOV_CAPABILITIES_REVISION_1,
        );
        sriov_caps.SriovCapabilities =
            NDIS_SRIOV_CAPS_VF_MINIPORT | NDIS_SRIOV_CAPS_SRIOV_SUPPORTED;
        let mut sriov = Box::new([sriov_caps, sriov_caps]);
        let [hardware_caps, current_caps] = &mut *sriov;
        context.set_hardware_assist(HardwareAssist {
            sriov: Some((hardware_caps, current_caps)),
            ..HardwareAssist::default()
        })?;

        *slot = Some(Box::new(VfAdapter {
            hardware: SpinLock::new(Some(hardware)),
            generation,
            sriov,
        }));
        Ok(())
    }
}

impl MiniportAdapter for VfAdapter {
    fn halt(&self, _action: NDIS_HALT_ACTION) {
        let hardware = self.hardware.lock().take();
        if let Some(hardware) = hardware {
            hardware.shared.core.lifecycle.set(AdapterState::Halted);
            hardware.halt();
        }
    }

    fn pause(&self) -> Completion {
        self.shared()
            .map_or(Completion::Done(Ok(())), |shared| shared.core.pause())
    }

    fn restart(&self) -> Completion {
        self.shared().map_or(
            Completion::Done(Err(NdisError::ADAPTER_REMOVED)),
            |shared| shared.core.restart(),
        )
    }

    fn oid_request(&self, request: &mut OidRequest<'_>) -> Completion {
        let Some(shared) = self.shared() else {
            return Completion::Done(Err(NdisError::ADAPTER_REMOVED));
        };
        Completion::Done(
            shared
                .core
                .general_oid(request)
                .unwrap_or(Err(NdisError::NOT_SUPPORTED)),
        )
    }

    fn cancel_oid_request(&self, _request_id: PVOID) {
        // Every OID completes synchronously.
    }

    fn send(&self, chain: NblChain, _port: NDIS_PORT_NUMBER, flags: ULONG) {
        match self.shared() {
            // No data path yet: refused with the status that says why.
            Some(shared) => shared.core.refuse_sends(chain, flags),
            // Only after halt, when NDIS sends nothing more (N/halting-a-miniport-adapter.md).
            None => {
                let _ = chain;
            }
        }
    }

    fn return_net_buffer_lists(&self, _chain: NblChain, _flags: ULONG) {
        // No receives are indicated yet.
    }

    fn cancel_send(&self, _cancel_id: PVOID) {}

    fn device_pnp_event(&self, event: NDIS_DEVICE_PNP_EVENT) {
        if event == NdisDevicePnPEventSurpriseRemoved {
            if let Some(shared) = self.shared() {
                shared.removal.set(igb::regs::DeviceGone { offset: 0 });
                shared.core.indicate_link(LinkState::DISCONNECTED);
            }
        }
    }

    fn shutdown(&self, _action: NDIS_SHUTDOWN_ACTION) {
        if let Some(hardware) = self.hardware.lock().as_ref() {
            hardware.stop_now();
        }
    }
}
