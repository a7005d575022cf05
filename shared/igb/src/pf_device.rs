//! PF bring-up for SR-IOV: global reset, link, VMDq pools and the switch, the PF's own pool
//! and the mailbox interrupt. The mailbox protocol itself is [`crate::mailbox::pf`]; queues
//! are [`crate::queue`].
//!
//! Sources: igb-hardware.md §2.1 (reset sequence, PFRSTD), §2.2 (VMDq, VT_CTL, VMOLR,
//! RPLOLR, DTXCTL, QDE), §2.3 (RAR0 = PF MAC with the PF pool bit), §2.4 (loopback and
//! anti-spoofing), §2.6 (queue ownership), §2.7 (MSI-X "other" cause); 82576 datasheet 4.6
//! (initialisation) and 7.8 (virtualisation). Linux `igb_reset`, `igb_vmm_control`,
//! `igb_setup_mrqc`, and DPDK's `igb_pf_host_configure` were read for the order, not copied.
//!
//! What this module owns in hardware: the global control registers, the PF pool (pool
//! `num_vfs`), MRQC/VT_CTL, the switch control register, and the PF interrupt registers. The
//! PF pool's RAR, VLVF/VFTA and MTA entries (RAR0 = its MAC, its `*VlanID` filter, its
//! multicast list) are asked for, as [`Owner::PfPool`], from the [`FilterSlots`] the caller
//! passes in, the same allocator the VFs' mailbox requests use (issue 13 item 2). Per-VF
//! state (VF pools, VFRE/VFTE bits of VF pools) belongs to [`crate::mailbox::pf::PfMailbox`].

use core::time::Duration;

use hw_platform::{Clock, Mmio};

use crate::filters::{MacAddr, RarEntry, RxMode, VlanId, Vmolr, is_valid_unicast, vmolr_bits};
use crate::ids::Generation;
use crate::interrupts::pf_ivar_misc;
use crate::regs::pf::{
    self, CTRL, CTRL_EXT, DTXCTL, EECD, EICR, EIMC, EIMS, GPIE, ICR, IMC, IMS, IVAR_MISC, MBVFICR,
    MBVFIMR, MRQC, QDE, RCTL, RLPML, STATUS, TCTL, VFLRE, VFRE, VFTE, VT_CTL, ctrl, ctrl_ext,
    dtxctl, eecd, gpie, icr, mdic, mrqc, rctl, status, tctl, txswc, vt_ctl,
};
use crate::regs::{DeviceGone, GenerationTraits, PfRegisters, PoolMask, WaitError};
use crate::slots::{FilterSlots, Owner, SlotError};

/// Settle time after quiescing DMA and before the MAC reset (Linux `igb_reset_hw_82575`
/// sleeps 10 ms so in-flight transactions finish).
const PRE_RESET_SETTLE: Duration = Duration::from_millis(10);
/// How long CTRL.RST may take to self-clear.
const RESET_TIMEOUT: Duration = Duration::from_millis(100);
/// How long the NVM auto-read may take after reset (Linux `e1000_get_auto_rd_done_generic`).
const AUTO_READ_TIMEOUT: Duration = Duration::from_millis(10);
/// How long outstanding master requests may take to drain (Linux: 800 × 100 µs).
const MASTER_DISABLE_TIMEOUT: Duration = Duration::from_millis(80);
const POLL_INTERVAL: Duration = Duration::from_micros(100);

/// Transmit collision threshold and distance, the values every e1000-family driver writes
/// (TCTL.CT = 15, COLD = 64 bytes for full duplex; 82576 datasheet 8.9.1).
const TCTL_CT: u32 = 0x0F;
const TCTL_COLD: u32 = 0x40;

/// The PF pool's frame limit: 1500-byte MTU + header + VLAN tag + CRC.
pub const PF_MAX_FRAME: u32 = 1522;

/// The PF pool's 802.1Q receive handling (`*PriorityVLANTag`, `*VlanID`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct PfVlan {
    /// Strip the tag into the Rx descriptor (VP + VLAN field) instead of leaving it in the
    /// frame.
    pub strip: bool,
    /// Accept tagged frames of this VLAN only (and priority-tagged VID 0 frames); untagged
    /// frames are still accepted (VMOLR.AUPE). `None`: every VLAN.
    pub filter: Option<VlanId>,
}

/// Why the PF could not be brought up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PfInitError {
    /// The device reads all ones (surprise removal, or a dead function).
    DeviceGone(DeviceGone),
    /// CTRL.RST did not self-clear.
    ResetTimeout,
    /// More VFs than the generation has pools for (one pool stays the PF's).
    TooManyVfs(u8),
    /// The permanent MAC in RAR0 after reset is not a valid unicast address and none was given.
    NoValidMac(MacAddr),
    /// The PHY did not complete a management access.
    PhyAccess,
    /// The requested MSI-X vector is not an extended cause.
    BadVector(u32),
    /// The filter tables refused the PF's MAC (another function holds it), or the
    /// [`FilterSlots`] were made for another number of VFs ([`SlotError::NoSuchOwner`]).
    Filter(SlotError),
}

impl From<DeviceGone> for PfInitError {
    fn from(gone: DeviceGone) -> Self {
        Self::DeviceGone(gone)
    }
}

/// What the reset found out, for the log and for a user looking at why things are slow.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ResetReport {
    /// Outstanding master requests did not drain in time (the reset went on anyway, as Linux
    /// does: the MAC reset clears them).
    pub master_disable_timed_out: bool,
    /// The NVM auto-read did not report completion (no NVM, or an emulation without it);
    /// not fatal, as in Linux.
    pub auto_read_timed_out: bool,
}

/// The link as STATUS reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LinkStatus {
    /// STATUS.LU.
    pub up: bool,
    /// Speed in Mb/s (10/100/1000), from STATUS.SPEED.
    pub speed_mbps: u32,
    /// STATUS.FD.
    pub full_duplex: bool,
}

impl LinkStatus {
    /// Decodes STATUS.
    #[must_use]
    pub const fn from_status(value: u32) -> Self {
        let speed_mbps = match (value & status::SPEED_MASK) >> status::SPEED_SHIFT {
            0 => 10,
            1 => 100,
            _ => 1000,
        };
        Self {
            up: value & status::LU != 0,
            speed_mbps,
            full_duplex: value & status::FD != 0,
        }
    }
}

/// One PF function after its global reset.
pub struct PfDevice<M: Mmio> {
    regs: PfRegisters<M>,
    generation: Generation,
    traits: GenerationTraits,
    mac: MacAddr,
    num_vfs: u8,
    max_frame: u32,
    /// The VLVF entries [`Self::configure_vlan`] took for the PF pool, released by the next.
    pf_vlans: [Option<VlanId>; 2],
}

impl<M: Mmio> PfDevice<M> {
    /// Quiesces and resets the MAC (igb-hardware.md §2.1 steps 2–4) and reads the permanent
    /// MAC from RAR0 (loaded from the NVM by the reset), unless `mac` overrides it. Any PF
    /// reset sets RSTI in every VF mailbox; a PF with running VFs calls
    /// [`crate::mailbox::pf::PfMailbox::prepare_pf_reset`] first.
    pub fn reset<C: Clock + ?Sized>(
        mmio: M,
        generation: Generation,
        mac: Option<MacAddr>,
        clock: &C,
    ) -> Result<(Self, ResetReport), PfInitError> {
        let regs = PfRegisters::new(mmio);
        let mut report = ResetReport::default();
        regs.read_present(STATUS)?;

        // Stop DMA mastering and wait for outstanding requests to drain.
        regs.set_bits(CTRL, ctrl::GIO_MASTER_DISABLE);
        report.master_disable_timed_out = wait(
            &regs,
            STATUS,
            status::GIO_MASTER_ENABLE,
            0,
            MASTER_DISABLE_TIMEOUT,
            clock,
        )?
        .is_none();

        // Everything masked, Rx and Tx off, then let in-flight work settle.
        mask_all(&regs);
        regs.write(RCTL, 0);
        regs.write(TCTL, tctl::PSP);
        regs.flush()?;
        clock.delay(PRE_RESET_SETTLE);

        regs.set_bits(CTRL, ctrl::RST);
        if wait(&regs, CTRL, ctrl::RST, 0, RESET_TIMEOUT, clock)?.is_none() {
            return Err(PfInitError::ResetTimeout);
        }
        report.auto_read_timed_out = wait(
            &regs,
            EECD,
            eecd::AUTO_RD,
            eecd::AUTO_RD,
            AUTO_READ_TIMEOUT,
            clock,
        )?
        .is_none();
        // The reset may have re-armed causes: mask again and clear what is pending.
        mask_all(&regs);
        let _ = regs.read(ICR);
        let _ = regs.read(EICR);

        let traits = GenerationTraits::of(generation);
        let mac = match mac {
            Some(mac) => mac,
            None => {
                let (low, high) = (
                    regs.read(pf::ral(generation, 0).ok_or(PfInitError::NoValidMac([0; 6]))?),
                    regs.read(pf::rah(generation, 0).ok_or(PfInitError::NoValidMac([0; 6]))?),
                );
                RarEntry::decode(low, high).mac
            }
        };
        if !is_valid_unicast(&mac) {
            return Err(PfInitError::NoValidMac(mac));
        }
        Ok((
            Self {
                regs,
                generation,
                traits,
                mac,
                num_vfs: 0,
                max_frame: PF_MAX_FRAME,
                pf_vlans: [None; 2],
            },
            report,
        ))
    }

    /// Register access (for the mailbox, queues and statistics).
    pub const fn regs(&self) -> &PfRegisters<M> {
        &self.regs
    }

    /// The PF's MAC address.
    pub const fn mac(&self) -> MacAddr {
        self.mac
    }

    /// The device generation.
    pub const fn generation(&self) -> Generation {
        self.generation
    }

    /// VFs the pools are configured for.
    pub const fn num_vfs(&self) -> u8 {
        self.num_vfs
    }

    /// The PF's pool: pool `num_vfs` (VF n owns pool n; Linux and DPDK convention, §2.2).
    pub const fn pf_pool(&self) -> usize {
        self.num_vfs as usize
    }

    /// The PF's first queue: the PF pool's queue (§2.6: 82576 pool p owns queues p and p+8,
    /// I350 pool p owns queue p).
    pub const fn pf_queue(&self) -> usize {
        self.num_vfs as usize
    }

    /// Forces the link up (CTRL.SLU) and restarts auto-negotiation on the internal PHY, then
    /// waits up to `timeout` for STATUS.LU. A link that stays down is not an error: it is
    /// reported (a cable can be unplugged).
    pub fn start_link<C: Clock + ?Sized>(
        &self,
        timeout: Duration,
        clock: &C,
    ) -> Result<LinkStatus, PfInitError> {
        self.regs.set_bits(CTRL, ctrl::SLU);
        self.regs.set_bits(CTRL_EXT, ctrl_ext::DRV_LOAD);
        self.write_phy(mdic::PHY_CONTROL, mdic::PHY_CONTROL_RESTART_AUTONEG, clock)?;
        let status = wait(&self.regs, STATUS, status::LU, status::LU, timeout, clock)?
            .unwrap_or_else(|| self.regs.read(STATUS));
        Ok(LinkStatus::from_status(status))
    }

    /// The link as STATUS reports it now.
    pub fn link(&self) -> Result<LinkStatus, PfInitError> {
        Ok(LinkStatus::from_status(self.regs.read_present(STATUS)?))
    }

    fn write_phy<C: Clock + ?Sized>(
        &self,
        register: u32,
        value: u32,
        clock: &C,
    ) -> Result<(), PfInitError> {
        // MDIC access lives in `crate::phy` (bounded poll, error and removal checks).
        let register = u8::try_from(register).map_err(|_| PfInitError::PhyAccess)?;
        let value = u16::try_from(value).map_err(|_| PfInitError::PhyAccess)?;
        crate::phy::write_phy(&self.regs, register, value, clock).map_err(|error| match error {
            crate::phy::PhyError::DeviceGone(gone) => PfInitError::DeviceGone(gone),
            _ => PfInitError::PhyAccess,
        })
    }

    /// The PF pool's largest Rx frame (bytes incl. CRC and a VLAN tag, 64..=0x3F00; other
    /// values keep the standard [`PF_MAX_FRAME`]), applied by [`Self::configure_pools`].
    pub fn set_pf_max_frame(&mut self, max_frame: u32) {
        self.max_frame = if Vmolr::default_pool().with_max_frame(max_frame).is_some() {
            max_frame
        } else {
            PF_MAX_FRAME
        };
    }

    /// Configures VMDq for `num_vfs` VFs (0 = plain VMDq with the PF alone in pool 0) and
    /// turns Rx/Tx on for the PF pool only; VF pools stay off until their reset handshake
    /// ([`crate::mailbox::pf::PfMailbox`] owns them). `slots` is made for `num_vfs` VFs;
    /// after a MAC reset call [`FilterSlots::forget_hardware`] first (the reset cleared the
    /// tables).
    pub fn configure_pools(
        &mut self,
        num_vfs: u8,
        slots: &mut FilterSlots,
    ) -> Result<(), PfInitError> {
        if usize::from(num_vfs) >= self.traits.pools {
            return Err(PfInitError::TooManyVfs(num_vfs));
        }
        if slots.num_vfs() != usize::from(num_vfs) {
            return Err(PfInitError::Filter(SlotError::NoSuchOwner));
        }
        self.num_vfs = num_vfs;
        let generation = self.generation;
        let pf_pool = u32::from(num_vfs);
        let pf_pool_mask = PoolMask(1 << num_vfs);
        let vf_pools = PoolMask(((1u16 << num_vfs) - 1) as u8);

        // RAR0 = our MAC in the PF pool (§2.3): the PF's entry 0 moves to it (a new
        // `NetworkAddress`), and everything the slots hold is written.
        let old = slots
            .macs(Owner::PfPool)
            .find(|(index, _)| *index == 0)
            .map(|(_, mac)| mac);
        slots
            .replace_mac(Owner::PfPool, old, self.mac)
            .map_err(PfInitError::Filter)?;
        slots.apply(&self.regs);

        // VMDq: pool from the destination MAC; unmatched frames go to the PF pool;
        // broadcast/multicast replicated to every pool that accepts them (§2.2).
        self.regs
            .modify(MRQC, |value| (value & !mrqc::MODE_MASK) | mrqc::VMDQ);
        self.regs.write(
            VT_CTL,
            (pf_pool << vt_ctl::DEF_PL_SHIFT) & vt_ctl::DEF_PL_MASK | vt_ctl::REPL_EN,
        );

        // Per-pool long-packet limit (VMOLR.RLPML/LPE, §2.2) for the PF pool, and the global
        // RLPML (with RCTL.LPE, checked before the pools, §6 step 1) at the PF's value: VF
        // pools raise it with SET_LPE (PfMailbox keeps it the max over PF and VFs, as Linux
        // igb does).
        let pf_vmolr = Vmolr::default_pool()
            .with_max_frame(self.max_frame)
            .unwrap_or_else(Vmolr::default_pool);
        self.regs
            .write(RLPML, self.max_frame & vmolr_bits::RLPML_MASK);
        if let Some(reg) = pf::vmolr(usize::from(num_vfs)) {
            self.regs.write(reg, pf_vmolr.encode());
        }
        // Replicated frames: strip CRC like unicast ones (82576 only; §2.2 RPLOLR).
        if let Some(reg) = pf::rplolr(generation) {
            self.regs.write(reg, pf::dvmolr_bits::STRCRC);
        }
        // I350: CRC stripping is per pool in DVMOLR (RCTL.SECRC applies only without VMDq;
        // Linux `igb_set_vmolr` sets DVMOLR.STRCRC on i350), so the PF pool's frames would
        // otherwise reach the host with their 4 FCS bytes.
        if let Some(reg) = pf::dvmolr(generation, usize::from(num_vfs)) {
            self.regs.set_bits(reg, pf::dvmolr_bits::STRCRC);
        }

        if num_vfs > 0 {
            // Frames between pools stay inside the NIC (global loopback), and VF pools may
            // only send from their own MAC/VLAN (§2.4; the PF pool is never spoof-checked).
            self.regs.write(
                self.traits.switch_control,
                txswc::LOOPBACK_EN | txswc::with_anti_spoof(vf_pools),
            );
            // A VF whose ring is full drops instead of blocking the others (§2.2 QDE), and
            // the 82576 needs VLAN_ADDED when VFs insert tags (Linux `igb_vmm_control`).
            self.regs.write(QDE, 0xFFFF);
            self.regs.set_bits(DTXCTL, dtxctl::VLAN_ADDED);
        }

        self.regs.write(VFRE, pf_pool_mask.0.into());
        self.regs.write(VFTE, pf_pool_mask.0.into());
        self.regs
            .write(RCTL, rctl::EN | rctl::BAM | rctl::SECRC | rctl::LPE);
        self.regs.write(
            TCTL,
            tctl::EN | tctl::PSP | (TCTL_CT << tctl::CT_SHIFT) | (TCTL_COLD << tctl::COLD_SHIFT),
        );
        self.regs.flush()?;
        Ok(())
    }

    /// Programs what the PF pool receives (`mode`; the PF's multicast list is what `slots`
    /// holds for [`Owner::PfPool`], [`FilterSlots::set_multicast`]): RCTL.UPE/MPE,
    /// VMOLR of the PF pool (BAM/ROMPE/MPME/ROPE/UPE), the UTA, and RAR0's AV bit. With VMDq on
    /// (always, [`Self::configure_pools`]) the global L2 filter (82576 datasheet 7.1.1) runs
    /// first and the pool selection (7.10.3.3) decides whether the PF pool gets a copy; an
    /// unknown unicast reaches the default (PF) pool only with RCTL.UPE. [`RxMode::NONE`]
    /// makes the PF pool a candidate for nothing. VF pools are untouched: their VMOLR and RAR
    /// entries belong to the mailbox, and RCTL.UPE/MPE only widen the L2 filter.
    ///
    /// IRQL: any (register writes only, no wait).
    pub fn set_rx_mode(&self, mode: RxMode, slots: &mut FilterSlots) -> Result<(), PfInitError> {
        let generation = self.generation;
        let has_hashes = slots.has_multicast(Owner::PfPool);
        let pool = self.pf_pool();
        // RCTL.UPE/MPE: what the L2 filter passes.
        self.regs.modify(RCTL, |value| {
            (value & !(rctl::UPE | rctl::MPE)) | mode.rctl_bits()
        });
        let uta = mode.uta_value(generation);
        for index in 0..pf::HASH_TABLE_REGS {
            if let Some(reg) = pf::uta(index) {
                self.regs.write(reg, uta);
            }
        }
        if let Some(reg) = pf::vmolr(pool) {
            let current = Vmolr::decode(self.regs.read(reg));
            self.regs
                .write(reg, mode.pf_vmolr(generation, has_hashes, current).encode());
        }
        // RAR0: AV off makes frames to our MAC unknown unicast (dropped without UPE). The
        // entry stays the PF's while disabled, so no VF can take the PF's MAC meanwhile.
        if slots.rar_index(&self.mac).is_none() {
            slots
                .add_mac(Owner::PfPool, self.mac)
                .map_err(PfInitError::Filter)?;
        }
        slots
            .set_mac_enabled(Owner::PfPool, &self.mac, mode.pf_rar_valid())
            .map_err(PfInitError::Filter)?;
        slots.apply(&self.regs);
        self.regs.flush()?;
        Ok(())
    }

    /// Programs the PF pool's VLAN receive handling, replacing any earlier setting (call
    /// after [`Self::configure_pools`]).
    ///
    /// * Strip: in VMDq mode CTRL.VME does not strip (§6 step 7); the PF pool strips with
    ///   VMOLR.STRVLAN on the 82576 and DVMOLR.STRVLAN on the I350 (§2.2, §7), and the 82576's
    ///   replicated broadcast/multicast copies follow RPLOLR.STRVLAN instead of the pool's
    ///   VMOLR. CTRL.VME follows as well, for the non-VMDq path (Linux `igb_vlan_mode`).
    /// * Filter: RCTL.VFE turns on the VFTA check for every tagged frame (§6 step 1) and the
    ///   VLVF pool check (step 3); the PF pool gets a VLVF entry (and VFTA bit) for the VLAN and
    ///   for VID 0, so 802.1p priority-tagged frames still arrive. Untagged frames stay accepted
    ///   through VMOLR.AUPE. VF pools keep what their SET_VLAN requests put in VLVF.
    ///
    /// Returns whether the filter could be installed (false: no free VLVF entry; every VLAN
    /// is then accepted).
    pub fn configure_vlan(
        &mut self,
        vlan: PfVlan,
        slots: &mut FilterSlots,
    ) -> Result<bool, PfInitError> {
        let pool = self.pf_pool();
        let strip = |reg, bit| {
            if vlan.strip {
                self.regs.set_bits(reg, bit);
            } else {
                self.regs.clear_bits(reg, bit);
            }
        };
        strip(CTRL, ctrl::VME);
        if self.traits.has_dvmolr {
            if let Some(reg) = pf::dvmolr(self.generation, pool) {
                strip(reg, pf::dvmolr_bits::STRVLAN);
            }
        } else if let Some(reg) = pf::vmolr(pool) {
            strip(reg, crate::filters::vmolr_bits::STRVLAN);
        }
        if let Some(reg) = pf::rplolr(self.generation) {
            strip(reg, pf::dvmolr_bits::STRVLAN);
        }

        // The PF pool leaves the VLANs this call installed last time, then joins the new
        // one; VLANs the PF pool holds for other reasons (NDIS filters) are kept.
        for vid in self.pf_vlans.iter().flatten() {
            let _ = slots.remove_vlan(Owner::PfPool, *vid);
        }
        self.pf_vlans = [None; 2];
        let mut installed = true;
        match vlan.filter {
            Some(vid) => {
                let wanted = [vid, VlanId::PRIORITY_TAG];
                let mut added = [false; 2];
                for (vid, added) in wanted.iter().zip(added.iter_mut()) {
                    let held = slots.vlans(Owner::PfPool).any(|held| held == *vid);
                    if !held && slots.add_vlan(Owner::PfPool, *vid).is_err() {
                        installed = false;
                        break;
                    }
                    *added = !held;
                }
                if installed {
                    self.pf_vlans = wanted.map(Some);
                    self.regs.set_bits(RCTL, rctl::VFE);
                } else {
                    // Not both entries: filtering off rather than losing VID 0 or the VLAN.
                    for (vid, added) in wanted.iter().zip(added) {
                        if added {
                            let _ = slots.remove_vlan(Owner::PfPool, *vid);
                        }
                    }
                    self.regs.clear_bits(RCTL, rctl::VFE);
                }
            }
            None => {
                self.regs.clear_bits(RCTL, rctl::VFE);
            }
        }
        slots.apply(&self.regs);
        self.regs.flush()?;
        Ok(installed)
    }

    /// Routes the "other" causes (mailbox/VFLR = ICR.VMMB, link = ICR.LSC) to MSI-X `vector`
    /// with auto-clear, and unmasks them and every VF's mailbox interrupt (§2.5, §2.7). MSI-X
    /// mode must be on before IVAR writes stick.
    pub fn enable_other_interrupt(&self, vector: u32) -> Result<(), PfInitError> {
        let ivar_misc = pf_ivar_misc(vector).ok_or(PfInitError::BadVector(vector))?;
        let vector_bit = 1u32 << vector;
        self.regs.write(
            GPIE,
            gpie::MSIX_MODE | gpie::PBA | gpie::EIAME | gpie::NSICR,
        );
        self.regs.write(IVAR_MISC, ivar_misc);
        self.regs.write(pf::EIAC, vector_bit);
        self.regs.write(pf::EIAM, vector_bit);
        let vf_bits = (1u32 << self.num_vfs) - 1;
        self.regs.write(MBVFIMR, vf_bits);
        self.regs.write(IMS, icr::VMMB | icr::LSC);
        self.regs.write(EIMS, vector_bit);
        self.regs.flush()?;
        Ok(())
    }

    /// Acknowledges the "other" interrupt: reads (and so clears) ICR and re-enables the
    /// vector. Returns the ICR causes that were pending.
    pub fn acknowledge_other_interrupt(&self, vector: u32) -> Result<u32, PfInitError> {
        let causes = self.regs.read_present(ICR)?;
        if vector < pf::EXTENDED_CAUSES as u32 {
            self.regs.write(EIMS, 1 << vector);
        }
        Ok(causes)
    }

    /// Tells the VFs the PF is ready (CTRL_EXT.PFRSTD → RSTD in every VF mailbox, §2.1 step 6).
    /// Call after the mailbox is started.
    pub fn announce_ready(&self) -> Result<(), PfInitError> {
        self.regs.set_bits(CTRL_EXT, ctrl_ext::PFRSTD);
        self.regs.flush()?;
        Ok(())
    }

    /// Masks every interrupt and clears pending mailbox/VFLR indications (before disabling
    /// SR-IOV or handing the device back).
    pub fn quiesce(&self) -> Result<(), PfInitError> {
        mask_all(&self.regs);
        self.regs.write(MBVFIMR, 0);
        self.regs.write(MBVFICR, u32::MAX);
        self.regs.write(VFLRE, u32::MAX);
        self.regs.write(VFRE, 0);
        self.regs.write(VFTE, 0);
        self.regs.write(RCTL, 0);
        self.regs.write(TCTL, tctl::PSP);
        self.regs.flush()?;
        Ok(())
    }
}

fn mask_all<M: Mmio>(regs: &PfRegisters<M>) {
    regs.write(IMC, u32::MAX);
    regs.write(EIMC, u32::MAX);
}

/// Polls `reg` until `(value & mask) == expected`. `Ok(Some(value))` when reached,
/// `Ok(None)` on timeout, `Err` if the device is gone.
fn wait<M: Mmio, C: Clock + ?Sized>(
    regs: &PfRegisters<M>,
    reg: crate::regs::PfReg,
    mask: u32,
    expected: u32,
    timeout: Duration,
    clock: &C,
) -> Result<Option<u32>, PfInitError> {
    match regs.wait_for_bits(reg, mask, expected, clock, timeout, POLL_INTERVAL) {
        Ok(value) => Ok(Some(value)),
        Err(WaitError::Timeout { .. }) => Ok(None),
        Err(WaitError::DeviceGone(gone)) => Err(PfInitError::DeviceGone(gone)),
    }
}
