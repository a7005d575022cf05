//! The PF adapter: `MiniportInitializeEx` (attributes in NDIS's order, keyword precedence,
//! capabilities), lifecycle, and the OID control path.
//!
//! The hardware is real (see [`crate::hardware`]): MAC from the NVM, link from the PHY with
//! link-change indications, hardware statistics. The data path is not built yet, so every send
//! is completed with the status that says why it was not carried (`NDIS_STATUS_PAUSED`,
//! `NDIS_STATUS_MEDIA_DISCONNECTED`, or `NDIS_STATUS_FAILURE` with a link). The NIC-switch / SR-IOV OIDs arrive with the
//! control-plane work and are therefore not in the supported OID list yet.

extern crate alloc;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use igb::ids::{Generation, INTEL_VENDOR_ID, pf_generation};
use igb::phy::LinkSettings;
use ndis::adapter::AdapterCore;
use ndis::config::KeywordSource;
use ndis::ethernet::{AdapterIdentity, GENERAL_OIDS};
use ndis::lifecycle::AdapterState;
use ndis::miniport::{
    AdapterContext, Completion, DriverRegistrations, HardwareAssist, InitContext, MiniportAdapter,
    MiniportDriver,
};
use ndis::nbl::NblChain;
use ndis::offload::{OFFLOAD_OIDS, OffloadState};
use ndis::oid::OidRequest;
use ndis::sync::SpinLock;
use ndis::{NdisError, NdisResult};
use ndis_abi::*;

use crate::capabilities::{MAX_VFS, PF_OFFLOAD, PfCapabilities, pf_capabilities};
use crate::hardware::{MacChoice, PfHardware, PfSettings, PfShared, bring_up};
use crate::keywords::{
    FLOW_CONTROL, FeatureSelection, SPEED_DUPLEX, read_jumbo_packet, read_offloads, requested_vfs,
    select_features,
};

/// Driver version reported in `OID_GEN_VENDOR_DRIVER_VERSION` (major.minor).
pub const DRIVER_VERSION: (u8, u8) = (0, 1);

/// The OIDs this adapter answers: the list given to NDIS as `SupportedOidList`.
pub fn supported_oids() -> &'static [NDIS_OID] {
    &PF_OIDS
}

const fn concat_oids<const N: usize>(a: &[NDIS_OID], b: &[NDIS_OID]) -> [NDIS_OID; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i - a.len() < b.len() {
        out[i] = b[i - a.len()];
        i += 1;
    }
    out
}

/// General OIDs, then the task-offload OIDs (`ndis::offload`).
static PF_OIDS: [NDIS_OID; GENERAL_OIDS.len() + OFFLOAD_OIDS.len()] =
    concat_oids(GENERAL_OIDS, OFFLOAD_OIDS);

/// The PF miniport driver.
pub struct PfDriver;

/// One PF adapter.
pub struct PfAdapter {
    /// The device and everything NDIS gave for it; taken (and dropped in order) at halt.
    hardware: Box<SpinLock<Option<PfHardware>>>,
    mac: MacChoice,
    link_settings: LinkSettings,
    generation: Generation,
    features: FeatureSelection,
    num_vfs: u32,
    capabilities: Box<PfCapabilities>,
    /// Task offloads: current configuration (keywords, then OID_TCP_OFFLOAD_PARAMETERS).
    offload: OffloadState,
}

impl PfAdapter {
    /// The MAC addresses chosen at initialization and where they came from.
    #[must_use]
    pub fn mac(&self) -> MacChoice {
        self.mac
    }

    /// The link settings from `*SpeedDuplex` / `*FlowControl`.
    #[must_use]
    pub fn link_settings(&self) -> LinkSettings {
        self.link_settings
    }

    fn shared(&self) -> Option<Arc<PfShared>> {
        self.hardware
            .lock()
            .as_ref()
            .map(|hardware| Arc::clone(&hardware.shared))
    }
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

    /// The task-offload state (current configuration, encapsulation).
    #[must_use]
    pub fn offload(&self) -> &OffloadState {
        &self.offload
    }
}

impl MiniportDriver for PfDriver {
    type Adapter = PfAdapter;
    const VERSION: (u8, u8) = DRIVER_VERSION;

    fn registrations() -> &'static DriverRegistrations {
        static REGISTRATIONS: DriverRegistrations = DriverRegistrations::new();
        &REGISTRATIONS
    }

    fn initialize(
        context: &InitContext,
        adapter_context: AdapterContext,
        slot: &mut Option<Box<PfAdapter>>,
    ) -> NdisResult {
        // 1. Registration attributes, before anything that claims hardware.
        context.set_registration_attributes(adapter_context)?;

        // A PF belongs in the Hyper-V parent partition; in a child it must not come up as a
        // PF (N/miniportinitializeex-guidelines-for-pf-miniport-drivers.md). Outside Hyper-V
        // (Unknown) it runs as a plain NIC.
        if ndis::pci::partition_type() == NdisHypervisorPartitionMsHvChild {
            return Err(NdisError::NOT_SUPPORTED);
        }

        let (vendor, device) = context.pci_ids().ok_or(NdisError::ADAPTER_NOT_FOUND)?;
        let generation = if vendor == INTEL_VENDOR_ID {
            pf_generation(device)
        } else {
            None
        };
        let generation = generation.ok_or(NdisError::ADAPTER_NOT_FOUND)?;

        // 2. Keywords, with the precedence rules.
        let mut moderation_rejected: Vec<(u32, u32)> = Vec::new();
        let mut offload_rejected: Vec<(u32, u32)> = Vec::new();
        let jumbo;
        let (features, num_vfs, link_settings, network_address, moderation, offloads) = {
            let mut keywords = context.keywords()?;
            let features = select_features(&mut keywords);
            let num_vfs = if features.sriov {
                requested_vfs(&mut keywords, MAX_VFS)
            } else {
                0
            };
            let (link_settings, _rejected) = LinkSettings::from_registry(
                keywords.read_integer(SPEED_DUPLEX),
                keywords.read_integer(FLOW_CONTROL),
            );
            // A malformed *NetworkAddress is ignored (the permanent address is used).
            let network_address = keywords.network_address().unwrap_or(None);
            let moderation = crate::datapath::read_moderation(&mut keywords, |site, value| {
                moderation_rejected.push((site, value));
            });
            let offloads = read_offloads(&mut keywords, |site, value| {
                offload_rejected.push((site, value));
            });
            jumbo = read_jumbo_packet(&mut keywords, |site, value| {
                offload_rejected.push((site, value));
            });
            (
                features,
                num_vfs,
                link_settings,
                network_address,
                moderation,
                offloads,
            )
        };
        // 802.1Q keywords (*PriorityVLANTag, *VlanID): the pool's strip and filter are part of
        // the controller's configuration (bring-up and every reset apply them), the tagging
        // policy goes to the engines.
        let mut vlan_rejected: Vec<(u32, u32)> = Vec::new();
        let vlan = crate::keywords::read_vlan(&mut context.keywords()?, |site, value| {
            vlan_rejected.push((site, value));
        });
        let mut capabilities = Box::new(pf_capabilities(generation, features, num_vfs));

        // 3. Hardware, then the general attributes with the real MAC and link.
        let oids: Vec<NDIS_OID> = supported_oids().to_vec();
        let settings = PfSettings {
            generation,
            network_address,
            link_settings,
            moderation,
            vlan: vlan.pf_vlan(),
            jumbo_packet: jumbo,
        };
        let (hardware, mac) = bring_up(
            context,
            settings,
            |mac: &MacChoice, link: ndis::ethernet::LinkState| {
                let mut identity = AdapterIdentity::placeholder(
                    device,
                    0x00,
                    b"Intel igb SR-IOV Physical Function (Rust NDIS miniport)\0",
                    DRIVER_VERSION,
                );
                identity.permanent_address = mac.permanent;
                identity.current_address = mac.current;
                identity.priority_tagging = vlan.policy().priority;
                identity.vlan_tagging = vlan.policy().vlan;
                // OID_GEN_MAXIMUM_FRAME_SIZE and MtuSize: *JumboPacket less the header.
                identity.mtu = jumbo.saturating_sub(ndis::ethernet::ETHERNET_HEADER_LENGTH);
                context.set_general_attributes(
                    &identity, link, &oids,
                    // Never reported: see `crate::capabilities` (RSS is not implemented).
                    None,
                )?;
                Ok(AdapterCore::new(context.adapter(), identity, link))
            },
        )
        .map_err(|error| {
            error.log(context.adapter());
            error.status()
        })?;
        mac.log_fallbacks(&hardware.shared.core);
        if features.rss {
            hardware.shared.core.log_event(
                ndis::event_log::EventCode::UNSUPPORTED_CONFIGURATION,
                crate::hardware::event_site::RSS_UNAVAILABLE,
                &[],
            );
        }
        hardware.shared.datapath.set_vlan_policy(vlan.policy());
        for (site, value) in moderation_rejected
            .into_iter()
            .chain(offload_rejected)
            .chain(vlan_rejected)
        {
            // An invalid keyword value is replaced by the default and reported.
            hardware.shared.core.log_event(
                ndis::event_log::EventCode::INVALID_VALUE_FROM_ADAPTER,
                site,
                &[value],
            );
        }

        // 4. Hardware-assist attributes (revision 3): both pointers of every kind, always.
        let caps = &mut *capabilities;
        context.set_hardware_assist(HardwareAssist {
            sriov: Some((&mut caps.hardware_sriov, &mut caps.current_sriov)),
            nic_switch: Some((&mut caps.hardware_nic_switch, &mut caps.current_nic_switch)),
            receive_filter: Some((
                &mut caps.hardware_receive_filter,
                &mut caps.current_receive_filter,
            )),
        })?;

        // 5. Offload attributes: current = keywords, hardware = everything igb can do. The
        // engine starts with the same set (no traffic runs before MiniportRestart).
        let offload = OffloadState::new(PF_OFFLOAD, offloads);
        ndis::offload::set_offload_attributes(context, &offload.current(), offload.hardware())?;
        hardware.shared.datapath.set_offloads(offload.effective());
        // Packet filter 0 until a protocol sets one: the PF pool accepts nothing yet.
        hardware.shared.apply_receive_filter();

        *slot = Some(Box::new(PfAdapter {
            hardware: SpinLock::new(Some(hardware)),
            generation,
            features,
            num_vfs,
            mac,
            link_settings,
            capabilities,
            offload,
        }));
        Ok(())
    }
}

impl MiniportAdapter for PfAdapter {
    fn halt(&self, _action: NDIS_HALT_ACTION) {
        let hardware = self.hardware.lock().take();
        if let Some(hardware) = hardware {
            hardware.shared.core.lifecycle.set(AdapterState::Halted);
            // Interrupts off, handlers gone, device quiesced (no DMA in flight), then the
            // registers and DMA released (see PfHardware::halt).
            hardware.halt();
        }
    }

    fn pause(&self) -> Completion {
        let Some(shared) = self.shared() else {
            return Completion::Done(Ok(()));
        };
        // New sends are refused from here (NDIS_STATUS_PAUSED); the pause completes once no
        // send is held and no receive is out (N/pausing-an-adapter.md).
        shared.core.lifecycle.set(AdapterState::Pausing);
        if shared.datapath.begin_pause() {
            shared.core.lifecycle.set(AdapterState::Paused);
            Completion::Done(Ok(()))
        } else {
            Completion::Pending
        }
    }

    fn restart(&self) -> Completion {
        match self.shared() {
            Some(shared) => {
                let completion = shared.core.restart();
                shared.datapath.restart();
                // The filter NDIS set (kept across pause) is in force again before traffic.
                shared.apply_receive_filter();
                // Whatever changed while paused is indicated now, and frames that arrived
                // while paused are picked up by one DPC pass.
                shared.update_link();
                if let Some(hardware) = self.hardware.lock().as_ref() {
                    hardware.interrupt().queue_dpc(hw_platform::MsixVector(
                        crate::datapath::QUEUE_VECTOR as u16,
                    ));
                }
                completion
            }
            None => Completion::Done(Err(NdisError::ADAPTER_REMOVED)),
        }
    }

    fn oid_request(&self, request: &mut OidRequest<'_>) -> Completion {
        let Some(shared) = self.shared() else {
            return Completion::Done(Err(NdisError::ADAPTER_REMOVED));
        };
        if request.oid() == OID_GEN_STATISTICS {
            shared.refresh_statistics();
        }
        // Task offloads (ndis::offload): the engine takes the new set before NDIS is told.
        let offload = self.offload.oid_request(
            request,
            |change| shared.datapath.set_offloads(change.effective),
            |current| ndis::offload::indicate_current_config(shared.core.handle, current),
        );
        let result = match offload.or_else(|| shared.core.general_oid(request)) {
            Some(result) => result,
            // Not in SupportedOidList: refused, never half-handled.
            None => Err(NdisError::NOT_SUPPORTED),
        };
        // A packet filter or multicast list NDIS accepted takes effect in the hardware before
        // the request completes; a refused one changed nothing (GeneralOids validates first).
        if result.is_ok()
            && request.kind() == ndis::oid::OidKind::Set
            && matches!(
                request.oid(),
                OID_GEN_CURRENT_PACKET_FILTER | OID_802_3_MULTICAST_LIST
            )
        {
            shared.apply_receive_filter();
        }
        Completion::Done(result)
    }

    fn cancel_oid_request(&self, _request_id: PVOID) {
        // Every OID completes synchronously: nothing is ever pending to cancel.
    }

    fn send(&self, chain: NblChain, _port: NDIS_PORT_NUMBER, flags: ULONG) {
        match self.shared() {
            Some(shared) => {
                shared
                    .datapath
                    .send(chain, flags, &shared.core, shared.removal.is_gone())
            }
            // Only after halt, when NDIS sends nothing more (N/halting-a-miniport-adapter.md).
            None => {
                let _ = chain;
            }
        }
    }

    fn return_net_buffer_lists(&self, chain: NblChain, _flags: ULONG) {
        if let Some(shared) = self.shared() {
            shared.datapath.return_nbls(chain, &shared.core);
        }
        // After halt NDIS holds nothing of ours (halt waited for every return).
    }

    fn cancel_send(&self, _cancel_id: PVOID) {
        // Sends are completed inside MiniportSendNetBufferLists: nothing is queued to cancel.
    }

    fn device_pnp_event(&self, event: NDIS_DEVICE_PNP_EVENT) {
        if event == NdisDevicePnPEventSurpriseRemoved {
            // Nothing may touch or wait on the device from here on; halt still releases
            // everything (N/handling-surprise-removal... requirements doc §1.5).
            if let Some(shared) = self.shared() {
                shared.removal.set(igb::regs::DeviceGone { offset: 0 });
                shared
                    .core
                    .indicate_link(ndis::ethernet::LinkState::DISCONNECTED);
                // Every send the engine holds completes now with ADAPTER_REMOVED.
                shared.datapath.on_removed(&shared.core);
            }
        }
    }

    fn shutdown(&self, _action: NDIS_SHUTDOWN_ACTION) {
        // Shutdown may run at high IRQL: only stop the device's DMA (no waits).
        if let Some(hardware) = self.hardware.lock().as_ref() {
            hardware.stop_now();
        }
    }
}
