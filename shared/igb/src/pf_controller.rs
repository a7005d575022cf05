//! The PF's hardware sequences as one object: [`PfController`] owns the PF function
//! ([`PfDevice`]) and the PF end of the mailbox ([`PfMailbox`]) and runs, in the right order,
//! bring-up for N VFs, the "other" interrupt split by IRQL, reset under live VFs and
//! shutdown. The PF miniport and the QEMU tier's PF side both drive the device through it.
//!
//! Start order (igb-hardware.md §2.1 steps 2–6, ndis-sriov-requirements.md §0 and §1.2;
//! Linux `igb_probe` → `igb_sw_init` → `igb_open`, which enables SR-IOV only once the PF is
//! configured):
//! 1. [`PfController::bring_up`]: global reset (RSTI in every VF mailbox), link, VMDq pools
//!    for N VFs with only the PF pool open, the mailbox started (every VF pool closed and its
//!    filters cleared), the "other" causes (mailbox/VFLR = ICR.VMMB, link = ICR.LSC) routed to
//!    their MSI-X vector and unmasked.
//! 2. [`PfController::set_vf_policy`] for administratively assigned MACs/VLANs (before the
//!    VFs exist, or any time later: a running VF is told to re-run its handshake).
//! 3. The driver opens its own queues and enables SR-IOV (`NdisMEnableVirtualization`; the
//!    QEMU tier writes `sriov_numvfs`).
//! 4. [`PfController::announce_ready`]: CTRL_EXT.PFRSTD (RSTD in every VF mailbox), after
//!    which VFs may run their reset handshake.
//!
//! Interrupts, split by IRQL (a PF mailbox request can poll the buffer lock for up to
//! 10 ms, §5.4, which DISPATCH_LEVEL does not allow, ndis-sriov-requirements.md §3):
//! * [`PfController::on_other_interrupt`]: DISPATCH-safe, no poll, no delay: reads ICR (which
//!   acknowledges the causes), *reads* MBVFICR and VFLRE (their bits stay set for the
//!   mailbox service, which clears each as it handles it), re-enables the vector, and says
//!   what is pending ([`OtherCauses`]).
//! * [`PfController::service_mailbox`]: PASSIVE (a work item): FLRs, VF requests, pings
//!   owed after a link change.
//!
//! Reset under live VFs (§2.1 step 1, §5.6; `prepare_pf_reset` → MAC reset → configure →
//! PFRSTD) is two calls so the driver can rebuild its own queues in between:
//! [`PfController::begin_reset_under_vfs`] and [`PfController::complete_reset_under_vfs`].
//!
//! Filter tables (issue 13 item 2): the controller owns the one [`FilterSlots`] through which
//! the PF pool's MAC/VLAN/multicast filters, the VFs' mailbox requests and (later) the NDIS
//! receive filters all take RAR, VLVF/VFTA and MTA entries ([`PfController::add_mac`] and
//! friends). Each function owns its entries; exhaustion is a [`SlotError`] here (the miniport
//! answers NDIS_STATUS_RESOURCES) and a NACK to a VF.

use core::time::Duration;

use hw_platform::{Clock, Mmio};

use crate::filters::{MacAddr, RxMode, VlanId};
use crate::ids::Generation;
use crate::interrupts::PF_VECTOR_OTHER;
use crate::mailbox::pf::{PfMailbox, PfMailboxError, ServiceReport, VfCounters, VfPolicy, VfState};
use crate::pf_device::{LinkStatus, PfDevice, PfInitError, PfVlan, ResetReport};
use crate::regs::PfRegisters;
use crate::regs::pf::{EXTENDED_CAUSES, MBVFICR, VFLRE, icr, mbvficr};
use crate::slots::{FilterSlots, Owner, SlotError};

/// How the controller starts the link during bring-up and after a reset.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LinkStart {
    /// Leave the PHY alone: the driver configures the link itself (e.g. with [`crate::phy`]
    /// from its `*SpeedDuplex` keyword) after bring-up.
    Leave,
    /// Force link up (CTRL.SLU), restart auto-negotiation on the internal PHY and wait up to
    /// `timeout` for STATUS.LU ([`PfDevice::start_link`]). A link that stays down is
    /// reported, not an error.
    RestartAutoNegotiation {
        /// Longest wait for STATUS.LU (PASSIVE only; Linux waits up to ~5 s in
        /// `igb_open` → watchdog, the QEMU tier uses 5 s).
        timeout: Duration,
    },
}

/// What the PF is configured for. Kept by the controller so a reset under live VFs restores
/// exactly this.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PfConfig {
    /// Silicon generation (82576 or I350).
    pub generation: Generation,
    /// VFs to serve (0..=7, [`crate::mailbox::pf::MAX_VFS`]); VF n owns pool n, the PF pool
    /// `num_vfs` (§2.2).
    pub num_vfs: u8,
    /// A MAC that overrides the permanent one in RAR0 (the `NetworkAddress` keyword), if any.
    pub mac: Option<MacAddr>,
    /// The PF's MSI-X vector for the "other" causes (link, mailbox, VFLR).
    pub other_vector: u32,
    /// Link start policy.
    pub link: LinkStart,
    /// Unmask the "other" causes at the end of [`PfController::bring_up`]. A miniport sets this
    /// to `false` and calls [`PfController::enable_other_interrupt`] once NDIS has connected its
    /// interrupt (`NdisMRegisterInterruptEx`): before that, MSI-X is not enabled in the
    /// function's capability, and an unmasked cause could assert INTx on a line no one claims
    /// (Linux `igb_open` also enables interrupts only after `request_irq`).
    pub unmask_other_at_bring_up: bool,
    /// The PF pool's VLAN strip and filter ([`PfDevice::configure_vlan`]); default: tags
    /// left in the frame, every VLAN accepted.
    pub vlan: PfVlan,
    /// The PF pool's largest Rx frame incl. CRC and a VLAN tag (VMOLR.RLPML of the PF pool;
    /// the global RLPML is at least this). [`crate::pf_device::PF_MAX_FRAME`] without jumbo frames.
    pub max_frame: u32,
}

impl PfConfig {
    /// A configuration with the permanent MAC, the "other" causes on
    /// [`PF_VECTOR_OTHER`], and auto-negotiation awaited for up to 5 s.
    #[must_use]
    pub const fn new(generation: Generation, num_vfs: u8) -> Self {
        Self {
            generation,
            num_vfs,
            mac: None,
            other_vector: PF_VECTOR_OTHER,
            link: LinkStart::RestartAutoNegotiation {
                timeout: Duration::from_secs(5),
            },
            unmask_other_at_bring_up: true,
            vlan: PfVlan {
                strip: false,
                filter: None,
            },
            max_frame: crate::pf_device::PF_MAX_FRAME,
        }
    }
}

/// Why a controller operation failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PfControllerError {
    /// Bringing the PF function up (reset, link, pools, interrupts) failed.
    Init(PfInitError),
    /// The mailbox rejected the configuration (too many VFs, no such VF).
    Mailbox(PfMailboxError),
    /// The "other" vector is not an extended cause (0..25) and was refused before any
    /// hardware access.
    BadVector(u32),
    /// [`PfController::complete_reset_under_vfs`] without a begun reset, or another call
    /// in the middle of one.
    WrongPhase,
    /// The filter tables refused the request (an admin MAC another function holds or is
    /// assigned).
    Filter(SlotError),
}

impl From<PfInitError> for PfControllerError {
    fn from(error: PfInitError) -> Self {
        Self::Init(error)
    }
}

impl From<PfMailboxError> for PfControllerError {
    fn from(error: PfMailboxError) -> Self {
        Self::Mailbox(error)
    }
}

/// What a bring-up (or the hardware half of a reset under VFs) found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BringUpReport {
    /// What the global reset reported (timeouts that were tolerated, as Linux does).
    pub reset: ResetReport,
    /// The link after [`LinkStart::RestartAutoNegotiation`]; `None` with [`LinkStart::Leave`].
    pub link: Option<LinkStatus>,
}

/// What [`PfController::on_other_interrupt`] found pending. Bit n of each mask is VF n.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct OtherCauses {
    /// The ICR causes read (and so acknowledged).
    pub icr: u32,
    /// VFs with a mailbox request waiting (MBVFICR.VFREQ; left set for the service).
    pub mailbox_requests: u8,
    /// VFs that acknowledged a PF message (MBVFICR.VFACK; left set for the service).
    pub mailbox_acks: u8,
    /// VFs that went through a function level reset (VFLRE; left set for the service).
    pub vf_resets: u8,
    /// ICR.LSC: the link changed; the VFs are owed a ping (sent by the next service).
    pub link_changed: bool,
    /// The link as STATUS reads now, when it changed.
    pub link: Option<LinkStatus>,
    /// A register read all ones: the device is gone; the vector was not re-enabled.
    pub device_gone: bool,
}

impl OtherCauses {
    /// Whether [`PfController::service_mailbox`] has work: requests, acks, FLRs or owed pings.
    #[must_use]
    pub const fn needs_service(&self) -> bool {
        self.mailbox_requests != 0
            || self.mailbox_acks != 0
            || self.vf_resets != 0
            || self.link_changed
    }
}

/// What one [`PfController::service_mailbox`] call did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct MailboxService {
    /// The mailbox's own report (messages handled, FLRs, deferred VFs, device gone).
    pub report: ServiceReport,
    /// VFs pinged because the link changed (bit n = VF n); pings that had to wait for a VF's
    /// buffer are sent by a later service.
    pub pinged: u8,
    /// Work is left (a VF spent its per-call budget): queue the work item again.
    pub more_pending: bool,
}

/// Counters of the controller (for diagnostics and the QEMU tier's report).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct PfControllerStats {
    /// Calls of [`PfController::on_other_interrupt`].
    pub other_interrupts: u64,
    /// Of those, calls that found nothing pending (shared or lost-and-found interrupts).
    pub spurious_interrupts: u64,
    /// Calls of [`PfController::service_mailbox`].
    pub services: u64,
    /// Mailbox messages handled.
    pub messages: u64,
    /// Link changes seen.
    pub link_changes: u32,
    /// Completed resets under live VFs.
    pub pf_resets: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Configured; PFRSTD not yet set.
    Configured,
    /// PFRSTD set: VFs may handshake.
    Running,
    /// Between `begin_reset_under_vfs` and `complete_reset_under_vfs`.
    Resetting,
    /// Interrupts masked and pools off.
    Quiesced,
}

/// The PF (see the module docs). `M` is the PF BAR; it is cloned once per MAC reset.
pub struct PfController<M: Mmio + Clone> {
    mmio: M,
    config: PfConfig,
    device: PfDevice<M>,
    mailbox: PfMailbox,
    /// The one allocator of RAR, VLVF/VFTA and MTA entries (module docs).
    slots: FilterSlots,
    phase: Phase,
    link: Option<LinkStatus>,
    ping_owed: bool,
    stats: PfControllerStats,
    /// The PF pool's receive filter once the driver set one ([`Self::set_pf_rx_filter`]);
    /// re-applied after a MAC reset.
    rx_mode: Option<RxMode>,
}

impl<M: Mmio + Clone> PfController<M> {
    /// Step 1 of the start order (module docs): validates `config` (before touching the
    /// hardware), resets the PF, starts the link as configured, configures the pools for
    /// `config.num_vfs` VFs, starts the mailbox and unmasks the "other" causes.
    ///
    /// IRQL: PASSIVE only. Longest wait: the reset's bounded polls (≈ 80 ms master disable
    /// + 10 ms settle + 100 ms CTRL.RST + 10 ms NVM auto-read) plus the link timeout.
    pub fn bring_up<C: Clock + ?Sized>(
        mmio: M,
        config: PfConfig,
        clock: &C,
    ) -> Result<(Self, BringUpReport), PfControllerError> {
        if config.other_vector >= EXTENDED_CAUSES as u32 {
            return Err(PfControllerError::BadVector(config.other_vector));
        }
        let mailbox = PfMailbox::new(config.generation, usize::from(config.num_vfs))?;
        let mut slots = FilterSlots::new(config.generation, usize::from(config.num_vfs))
            .ok_or(PfMailboxError::TooManyVfs)?;
        let (device, report) = configure(mmio.clone(), &config, &mut slots, clock)?;
        let mut controller = Self {
            mmio,
            config,
            device,
            mailbox,
            slots,
            phase: Phase::Configured,
            link: report.link,
            ping_owed: false,
            stats: PfControllerStats::default(),
            rx_mode: None,
        };
        controller
            .mailbox
            .start(controller.device.regs(), &mut controller.slots);
        if controller.config.unmask_other_at_bring_up {
            controller
                .device
                .enable_other_interrupt(controller.config.other_vector)?;
        }
        Ok((controller, report))
    }

    /// Replaces the PF pool's VLAN strip/filter setting ([`PfDevice::configure_vlan`]) and
    /// keeps it for resets under VFs. Returns whether the filter was installed.
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn set_pf_vlan(&mut self, vlan: PfVlan) -> Result<bool, PfControllerError> {
        self.config.vlan = vlan;
        Ok(self.device.configure_vlan(vlan, &mut self.slots)?)
    }

    /// Gives `owner` a RAR entry for `mac` (the PF pool, a vPort pool, or a VF's pool on the
    /// NDIS side) and writes it. Returns the RAR index. [`SlotError::TableFull`] and
    /// [`SlotError::OwnerLimit`] are resource shortages (NDIS_STATUS_RESOURCES);
    /// [`SlotError::MacInUse`]: another function receives on `mac`.
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn add_mac(&mut self, owner: Owner, mac: MacAddr) -> Result<usize, SlotError> {
        let index = self.slots.add_mac(owner, mac)?;
        self.slots.apply(self.device.regs());
        Ok(index)
    }

    /// Frees `owner`'s RAR entry for `mac`.
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn remove_mac(&mut self, owner: Owner, mac: &MacAddr) -> Result<(), SlotError> {
        self.slots.remove_mac(owner, mac)?;
        self.slots.apply(self.device.regs());
        Ok(())
    }

    /// Adds `owner`'s pool to `vid`'s VLVF entry (and the VFTA bit).
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn add_vlan(&mut self, owner: Owner, vid: VlanId) -> Result<(), SlotError> {
        self.slots.add_vlan(owner, vid)?;
        self.slots.apply(self.device.regs());
        Ok(())
    }

    /// Removes `owner`'s pool from `vid`'s VLVF entry (the entry and VFTA bit go with the
    /// last pool).
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn remove_vlan(&mut self, owner: Owner, vid: VlanId) -> Result<(), SlotError> {
        self.slots.remove_vlan(owner, vid)?;
        self.slots.apply(self.device.regs());
        Ok(())
    }

    /// Replaces `owner`'s multicast list (group addresses; unicast ones ignored). The MTA
    /// stays the union over every owner.
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn set_multicast(&mut self, owner: Owner, addresses: &[MacAddr]) -> Result<(), SlotError> {
        self.slots.set_multicast_addresses(owner, addresses)?;
        self.slots.apply(self.device.regs());
        Ok(())
    }

    /// Frees everything `owner` holds (a deleted vPort).
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn release_filters(&mut self, owner: Owner) -> Result<(), SlotError> {
        self.slots.release_all(owner)?;
        self.slots.apply(self.device.regs());
        Ok(())
    }

    /// The filter tables as allocated (who holds what, register values).
    pub const fn filter_slots(&self) -> &FilterSlots {
        &self.slots
    }

    /// Routes and unmasks the "other" causes (link, mailbox, VFLR) on the configured vector:
    /// the last step of bring-up when [`PfConfig::unmask_other_at_bring_up`] is `false`.
    /// Refused after [`Self::quiesce`].
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn enable_other_interrupt(&mut self) -> Result<(), PfControllerError> {
        if self.phase == Phase::Quiesced {
            return Err(PfControllerError::WrongPhase);
        }
        self.device
            .enable_other_interrupt(self.config.other_vector)?;
        Ok(())
    }

    /// Step 4 of the start order: sets CTRL_EXT.PFRSTD (RSTD in every VF mailbox, §2.1 step
    /// 6). Call once the PF's own queues are up and SR-IOV is enabled.
    ///
    /// IRQL: any (two register accesses, no wait).
    pub fn announce_ready(&mut self) -> Result<(), PfControllerError> {
        if self.phase != Phase::Configured && self.phase != Phase::Running {
            return Err(PfControllerError::WrongPhase);
        }
        self.device.announce_ready()?;
        self.phase = Phase::Running;
        Ok(())
    }

    /// Programs the PF's own receive filter: `multicast` (group addresses; their MTA hashes,
    /// RCTL.MO = 0) becomes the PF pool's share of the MTA, which stays the union with every
    /// VF's SET_MULTICAST hashes ([`FilterSlots`]), then RCTL/VMOLR/UTA/RAR0 follow
    /// `mode` ([`PfDevice::set_rx_mode`]). Unicast entries in `multicast` are ignored. Kept and
    /// re-applied after a reset under VFs.
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn set_pf_rx_filter(
        &mut self,
        mode: RxMode,
        multicast: &[MacAddr],
    ) -> Result<(), PfControllerError> {
        if self.phase == Phase::Quiesced {
            return Err(PfControllerError::WrongPhase);
        }
        // The PF pool has no multicast cap (`OwnerCaps::PF`): this cannot fail.
        let _ = self.slots.set_multicast_addresses(Owner::PfPool, multicast);
        self.rx_mode = Some(mode);
        self.device.set_rx_mode(mode, &mut self.slots)?;
        Ok(())
    }

    /// The PF pool's receive filter last set with [`Self::set_pf_rx_filter`].
    pub const fn pf_rx_mode(&self) -> Option<RxMode> {
        self.rx_mode
    }

    /// Sets VF `vf`'s administrative policy (admin MAC, port VLAN, trust, VLAN cap;
    /// [`VfPolicy`]). Takes effect at the VF's next reset handshake; a VF already running is
    /// pinged without CTS so it re-runs the handshake and picks the new MAC/VLAN up.
    ///
    /// IRQL: PASSIVE. Longest wait: one buffer-lock poll of 10 ms (the ping).
    pub fn set_vf_policy<C: Clock + ?Sized>(
        &mut self,
        vf: usize,
        policy: VfPolicy,
        clock: &C,
    ) -> Result<(), PfControllerError> {
        // An admin MAC another function receives on (or is assigned) would be refused at the
        // VF's handshake, leaving its pool without unicast: refuse it here, visibly.
        if let Some(mac) = policy.admin_mac {
            let held_by_other = self.slots.rar_index(&mac).is_some()
                && !self
                    .slots
                    .macs(Owner::Vf(u8::try_from(vf).unwrap_or(u8::MAX)))
                    .any(|(_, held)| held == mac);
            let assigned_to_other = (0..self.mailbox.num_vfs())
                .filter(|other| *other != vf)
                .any(|other| {
                    self.mailbox
                        .policy(other)
                        .is_ok_and(|p| p.admin_mac == Some(mac))
                });
            if held_by_other || assigned_to_other {
                return Err(PfControllerError::Filter(SlotError::MacInUse));
            }
        }
        self.mailbox
            .set_policy(vf, policy, self.device.regs(), clock)?;
        Ok(())
    }

    /// VF `vf`'s administrative policy.
    pub fn vf_policy(&self, vf: usize) -> Result<VfPolicy, PfControllerError> {
        Ok(self.mailbox.policy(vf)?)
    }

    /// Whether VF `vf` completed its reset handshake.
    pub fn vf_state(&self, vf: usize) -> Result<VfState, PfControllerError> {
        Ok(self.mailbox.vf_state(vf)?)
    }

    /// The MAC VF `vf`'s pool receives on (admin MAC, else the VF's own).
    pub fn vf_mac(&self, vf: usize) -> Result<Option<MacAddr>, PfControllerError> {
        Ok(self.mailbox.vf_mac(vf)?)
    }

    /// VF `vf`'s mailbox counters.
    pub fn vf_counters(&self, vf: usize) -> Result<VfCounters, PfControllerError> {
        Ok(self.mailbox.counters(vf)?)
    }

    /// The DISPATCH-safe half of the "other" interrupt (call it from the ISR or its DPC, and
    /// from a lost-interrupt timer): reads ICR, which acknowledges its causes; reads
    /// MBVFICR and VFLRE without clearing them (the mailbox service consumes each bit as it
    /// handles it, so a request seen here cannot be lost); re-enables the vector (EIMS;
    /// EIAC/EIAM auto-cleared and auto-masked it on delivery, §2.7). EICR is not read: in
    /// MSI-X mode a read would clear the queue vectors' causes too.
    ///
    /// IRQL: DISPATCH_LEVEL or below (also DIRQL). Waits: none — four or five register
    /// accesses. Queue [`Self::service_mailbox`] when [`OtherCauses::needs_service`].
    pub fn on_other_interrupt(&mut self) -> OtherCauses {
        self.stats.other_interrupts = self.stats.other_interrupts.saturating_add(1);
        let regs = self.device.regs();
        let mut causes = OtherCauses::default();
        if self.phase == Phase::Quiesced {
            // A DPC that was already queued when the device was stopped: re-enabling the
            // vector now would undo the quiesce.
            self.stats.spurious_interrupts = self.stats.spurious_interrupts.saturating_add(1);
            return causes;
        }
        let Ok(icr_value) = self
            .device
            .acknowledge_other_interrupt(self.config.other_vector)
        else {
            causes.device_gone = true;
            return causes;
        };
        causes.icr = icr_value;
        let (Ok(mbvficr_value), Ok(vflre)) = (regs.read_present(MBVFICR), regs.read_present(VFLRE))
        else {
            causes.device_gone = true;
            return causes;
        };
        let vf_bits = vf_mask(self.config.num_vfs);
        causes.mailbox_requests = ((mbvficr_value >> mbvficr::VFREQ_SHIFT) & vf_bits) as u8;
        causes.mailbox_acks = ((mbvficr_value >> mbvficr::VFACK_SHIFT) & vf_bits) as u8;
        causes.vf_resets = (vflre & vf_bits) as u8;
        if icr_value & icr::LSC != 0 {
            causes.link_changed = true;
            self.ping_owed = true;
            self.stats.link_changes = self.stats.link_changes.saturating_add(1);
            causes.link = self.device.link().ok();
            self.link = causes.link.or(self.link);
        }
        if !causes.needs_service() {
            self.stats.spurious_interrupts = self.stats.spurious_interrupts.saturating_add(1);
        }
        causes
    }

    /// The PASSIVE half of the "other" interrupt (a work item, and a periodic tick as the
    /// lost-interrupt safety net): VF FLRs, VF requests (each VF at most
    /// [`PfMailbox::request_budget`] per call, round-robin), owed pings after a link change.
    /// Does nothing between [`Self::begin_reset_under_vfs`] and its completion, or after
    /// [`Self::quiesce`].
    ///
    /// IRQL: PASSIVE only. Longest wait: every request and ping may poll a VF's buffer lock
    /// for 10 ms (§5.4), so at most (budget + 2) × VFs × 10 ms (≈ 420 ms with 7 VFs, when
    /// every VF holds its lock); microseconds when the VFs behave.
    pub fn service_mailbox<C: Clock + ?Sized>(&mut self, clock: &C) -> MailboxService {
        let mut service = MailboxService::default();
        if matches!(self.phase, Phase::Resetting | Phase::Quiesced) {
            return service;
        }
        self.stats.services = self.stats.services.saturating_add(1);
        service.report = self
            .mailbox
            .service(self.device.regs(), &mut self.slots, clock);
        self.stats.messages = self
            .stats
            .messages
            .saturating_add(u64::from(service.report.handled));
        if service.report.device_gone {
            return service;
        }
        if self.ping_owed {
            self.ping_owed = false;
            let missed = self.mailbox.ping_all(self.device.regs(), clock);
            service.pinged = (vf_mask(self.config.num_vfs) as u8) & !missed;
        }
        service.more_pending = service.report.deferred != 0;
        service
    }

    /// Reset under live VFs, hardware half (§2.1 steps 1–5): pings every VF without CTS and
    /// closes their pools ([`PfMailbox::prepare_pf_reset`]), resets the MAC (RSTI in every VF
    /// mailbox; every queue register is cleared, so the driver abandons its queue pairs
    /// first, [`crate::queue_pair::QueuePair::abandon`]), then restores link, pools and the
    /// "other" interrupt. The driver then reopens its queues and calls
    /// [`Self::complete_reset_under_vfs`]. The mailbox is not serviced in between.
    ///
    /// IRQL: PASSIVE only. Longest wait: VFs × 10 ms (pings) + the reset and link waits of
    /// [`Self::bring_up`].
    pub fn begin_reset_under_vfs<C: Clock + ?Sized>(
        &mut self,
        clock: &C,
    ) -> Result<BringUpReport, PfControllerError> {
        if self.phase == Phase::Resetting {
            return Err(PfControllerError::WrongPhase);
        }
        self.mailbox.prepare_pf_reset(self.device.regs(), clock);
        self.phase = Phase::Resetting;
        // The MAC reset clears RAR, VLVF, VFTA, MTA, UTA and VMOLR: `configure` writes every
        // table entry again from the slots, then the PF's receive mode.
        let (device, report) = configure(self.mmio.clone(), &self.config, &mut self.slots, clock)?;
        self.device = device;
        self.link = report.link;
        if let Some(mode) = self.rx_mode {
            self.device.set_rx_mode(mode, &mut self.slots)?;
        }
        self.device
            .enable_other_interrupt(self.config.other_vector)?;
        Ok(report)
    }

    /// Reset under live VFs, completion (§2.1 step 6): forgets what the VFs had configured
    /// (the reset cleared the filters) and sets PFRSTD, so every VF sees RSTD and runs its
    /// handshake again.
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn complete_reset_under_vfs(&mut self) -> Result<(), PfControllerError> {
        if self.phase != Phase::Resetting {
            return Err(PfControllerError::WrongPhase);
        }
        self.mailbox
            .complete_pf_reset(self.device.regs(), &mut self.slots);
        self.device.regs().flush().map_err(PfInitError::from)?;
        self.phase = Phase::Running;
        self.stats.pf_resets = self.stats.pf_resets.saturating_add(1);
        Ok(())
    }

    /// Both halves of the reset under live VFs, for a driver whose own queues are not
    /// affected (or rebuilt afterwards).
    ///
    /// IRQL: PASSIVE only (see [`Self::begin_reset_under_vfs`]).
    pub fn reset_under_vfs<C: Clock + ?Sized>(
        &mut self,
        clock: &C,
    ) -> Result<BringUpReport, PfControllerError> {
        let report = self.begin_reset_under_vfs(clock)?;
        self.complete_reset_under_vfs()?;
        Ok(report)
    }

    /// Shutdown: masks every interrupt, clears pending mailbox/VFLR indications, closes every
    /// pool and stops Rx/Tx ([`PfDevice::quiesce`]). Call after SR-IOV is disabled and the
    /// driver's queues are shut down (halt, or before handing the device back).
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn quiesce(&mut self) -> Result<(), PfControllerError> {
        self.phase = Phase::Quiesced;
        // The VFs are gone: what they held in the filter tables is free again.
        self.mailbox.stop(self.device.regs(), &mut self.slots);
        self.device.quiesce()?;
        Ok(())
    }

    /// The PF function (MAC, pools, PF queue, register access).
    pub const fn device(&self) -> &PfDevice<M> {
        &self.device
    }

    /// Register access to the PF BAR.
    pub const fn regs(&self) -> &PfRegisters<M> {
        self.device.regs()
    }

    /// The PF end of the mailbox (state, counters, event log).
    pub const fn mailbox(&self) -> &PfMailbox {
        &self.mailbox
    }

    /// The configuration in force.
    pub const fn config(&self) -> &PfConfig {
        &self.config
    }

    /// The link as last seen (bring-up, reset or a link-change interrupt).
    pub const fn link(&self) -> Option<LinkStatus> {
        self.link
    }

    /// The PF's MAC address.
    pub const fn mac(&self) -> MacAddr {
        self.device.mac()
    }

    /// Whether PFRSTD is set and no reset is in progress (VFs may handshake).
    pub fn is_running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// Counters.
    pub const fn stats(&self) -> PfControllerStats {
        self.stats
    }
}

/// Bits of the VFs that exist (`num_vfs` ≤ 7 was checked by [`PfMailbox::new`]).
const fn vf_mask(num_vfs: u8) -> u32 {
    if num_vfs >= 8 {
        0xFF
    } else {
        (1u32 << num_vfs) - 1
    }
}

/// Reset, link and pools: what bring-up and a reset under VFs share.
fn configure<M: Mmio, C: Clock + ?Sized>(
    mmio: M,
    config: &PfConfig,
    slots: &mut FilterSlots,
    clock: &C,
) -> Result<(PfDevice<M>, BringUpReport), PfInitError> {
    let (mut device, reset) = PfDevice::reset(mmio, config.generation, config.mac, clock)?;
    // The reset cleared every filter table: the next `apply` writes all of it.
    slots.forget_hardware();
    let link = match config.link {
        LinkStart::Leave => None,
        LinkStart::RestartAutoNegotiation { timeout } => Some(device.start_link(timeout, clock)?),
    };
    device.set_pf_max_frame(config.max_frame);
    device.configure_pools(config.num_vfs, slots)?;
    // The PF pool's VLANs come first at bring-up, so the filter fits; if it did not, every
    // VLAN is accepted.
    let _ = device.configure_vlan(config.vlan, slots)?;
    Ok((device, BringUpReport { reset, link }))
}
