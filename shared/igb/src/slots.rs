//! One owner for the receive-address (RAR), VLAN pool filter (VLVF/VFTA) and multicast hash
//! (MTA) tables (issue 13 deliverable 2). The PF's default pool, PF vPort pools and every VF
//! ask [`FilterSlots`] for entries; it computes the register values and [`FilterSlots::apply`]
//! writes only the registers whose value changed since the last write.
//!
//! Rules (`igb-hardware.md` §2.3):
//! * RAR: 24 entries on the 82576, 32 on the I350. RAR0 is the PF default pool's (the NVM
//!   auto-load puts the permanent MAC there), other owners are filled from the end as Linux
//!   does. RAH.POOLSEL could let one entry serve several pools, but a MAC held by two owners
//!   would deliver one function's unicast traffic to the other (Linux igb NACKs a VF MAC
//!   already in the table), so a second owner of a MAC is refused with
//!   [`SlotError::MacInUse`].
//! * VLVF: 32 entries, VID → POOLSEL; one entry is shared by every owner of a VID through its
//!   pool bits. A VID's VFTA bit is set while its VLVF entry has a pool.
//! * MTA: 4096 hash bits shared by all pools. Each owner has its own hash set; a bit is in the
//!   hardware while at least one owner needs it ([`FilterSlots::mta_users`]).
//!
//! Per-owner caps ([`OwnerCaps`]) keep one function (a hostile VF) from taking what the others
//! need. Every index from a caller is checked; nothing panics.

use hw_platform::Mmio;

use crate::filters::{HashBit, MacAddr, RarEntry, VlanId, VlvfEntry, is_valid_unicast};
use crate::ids::Generation;
use crate::regs::pf::{self, HASH_TABLE_REGS, VLVF_ENTRIES};
use crate::regs::{GenerationTraits, PfRegisters, PoolMask};

/// The largest RAR table (I350).
pub const MAX_RAR_ENTRIES: usize = 32;

/// VMDq pools on both generations.
pub const POOLS: usize = 8;

/// Distinct multicast hashes a VF may hold: what one SET_MULTICAST message can carry (§5.3).
pub const VF_MAX_MULTICAST: u16 = crate::mailbox::message::MAX_MULTICAST_HASHES as u16;

/// A function owning filter entries; each maps to exactly one VMDq pool.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Owner {
    /// The PF's default pool (pool `num_vfs`).
    PfPool,
    /// VF `n` (pool `n`).
    Vf(u8),
    /// A PF non-default vPort on pool `p` (a pool above the PF's default one).
    VPort(u8),
}

/// Which table an error is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Table {
    /// Receive address registers.
    Rar,
    /// VLAN pool filter.
    Vlvf,
    /// Multicast hash table.
    Mta,
}

/// Why a slot request failed. [`Self::TableFull`] and [`Self::OwnerLimit`] are resource
/// shortages (NDIS_STATUS_RESOURCES / a mailbox NACK); the others are bad requests.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SlotError {
    /// The owner is not a pool of this configuration (VF index ≥ VFs, vPort on a VF pool…).
    NoSuchOwner,
    /// Not a usable unicast MAC.
    InvalidMac,
    /// Another owner holds this MAC.
    MacInUse,
    /// The owner does not hold this MAC.
    NotOwned,
    /// The owner reached its cap for the table.
    OwnerLimit(Table),
    /// No free entry in the table.
    TableFull(Table),
}

/// How many entries an owner may hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OwnerCaps {
    /// RAR entries.
    pub rar: u8,
    /// VLANs (VLVF pool bits).
    pub vlans: u8,
    /// Distinct MTA hashes.
    pub multicast: u16,
}

impl OwnerCaps {
    /// A VF: one unicast address (this PF grants no extra unicast filters), 8 VLANs (the
    /// mailbox's default per-VF cap), one SET_MULTICAST message's worth of hashes.
    pub const VF: Self = Self {
        rar: 1,
        vlans: 8,
        multicast: VF_MAX_MULTICAST,
    };
    /// A PF vPort: a few MAC filters and VLANs, any multicast list.
    pub const VPORT: Self = Self {
        rar: 4,
        vlans: 8,
        multicast: 4096,
    };
    /// The PF default pool: no cap beyond the tables.
    pub const PF: Self = Self {
        rar: MAX_RAR_ENTRIES as u8,
        vlans: VLVF_ENTRIES as u8,
        multicast: 4096,
    };
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct RarSlot {
    mac: MacAddr,
    pool: u8,
    /// RAH.AV: a held but disabled entry keeps the MAC reserved (PF Rx mode without directed).
    enabled: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct VlvfSlot {
    vid: VlanId,
    pools: PoolMask,
}

/// What the hardware was last given, to write only differences.
#[derive(Clone, Copy)]
struct Written {
    rar: [(u32, u32); MAX_RAR_ENTRIES],
    vlvf: [u32; VLVF_ENTRIES],
    vfta: [u32; HASH_TABLE_REGS],
    mta: [u32; HASH_TABLE_REGS],
}

/// The allocator (module docs).
pub struct FilterSlots {
    generation: Generation,
    rar_entries: usize,
    num_vfs: usize,
    rar: [Option<RarSlot>; MAX_RAR_ENTRIES],
    vlvf: [Option<VlvfSlot>; VLVF_ENTRIES],
    /// Per-pool MTA hash sets.
    mta: [[u32; HASH_TABLE_REGS]; POOLS],
    caps: [OwnerCaps; POOLS],
    /// `None`: the hardware content is unknown (after start or a MAC reset): write all.
    written: Option<Written>,
}

impl FilterSlots {
    /// An empty allocator for `num_vfs` VFs (the PF default pool is pool `num_vfs`). `None`
    /// when `num_vfs` leaves no pool for the PF.
    #[must_use]
    pub fn new(generation: Generation, num_vfs: usize) -> Option<Self> {
        let traits = GenerationTraits::of(generation);
        if num_vfs >= traits.pools || traits.pools > POOLS {
            return None;
        }
        let mut caps = [OwnerCaps::VPORT; POOLS];
        for (pool, cap) in caps.iter_mut().enumerate() {
            if pool < num_vfs {
                *cap = OwnerCaps::VF;
            } else if pool == num_vfs {
                *cap = OwnerCaps::PF;
            }
        }
        Some(Self {
            generation,
            rar_entries: traits.rar_entries.min(MAX_RAR_ENTRIES),
            num_vfs,
            rar: [None; MAX_RAR_ENTRIES],
            vlvf: [None; VLVF_ENTRIES],
            mta: [[0; HASH_TABLE_REGS]; POOLS],
            caps,
            written: None,
        })
    }

    /// VFs this allocator was made for (the PF default pool is pool `num_vfs`).
    #[must_use]
    pub const fn num_vfs(&self) -> usize {
        self.num_vfs
    }

    /// `owner`'s caps.
    #[must_use]
    pub fn caps(&self, owner: Owner) -> Option<OwnerCaps> {
        self.pool(owner)
            .and_then(|pool| self.caps.get(pool).copied())
    }

    /// The pool of `owner`, if it exists in this configuration.
    #[must_use]
    pub fn pool(&self, owner: Owner) -> Option<usize> {
        match owner {
            Owner::PfPool => Some(self.num_vfs),
            Owner::Vf(n) => (usize::from(n) < self.num_vfs).then_some(usize::from(n)),
            Owner::VPort(p) => {
                let p = usize::from(p);
                (p > self.num_vfs && p < POOLS).then_some(p)
            }
        }
    }

    fn pool_of(&self, owner: Owner) -> Result<usize, SlotError> {
        self.pool(owner).ok_or(SlotError::NoSuchOwner)
    }

    /// Replaces `owner`'s caps (the mailbox sets a VF's VLAN cap from its policy).
    pub fn set_caps(&mut self, owner: Owner, caps: OwnerCaps) -> Result<(), SlotError> {
        let pool = self.pool_of(owner)?;
        if let Some(slot) = self.caps.get_mut(pool) {
            *slot = caps;
        }
        Ok(())
    }

    // ---- RAR -------------------------------------------------------------------------

    /// The RAR index holding `mac`, if any.
    #[must_use]
    pub fn rar_index(&self, mac: &MacAddr) -> Option<usize> {
        self.rar
            .iter()
            .take(self.rar_entries)
            .position(|slot| slot.is_some_and(|slot| slot.mac == *mac))
    }

    /// The MACs `owner` holds, with their RAR index.
    pub fn macs(&self, owner: Owner) -> impl Iterator<Item = (usize, MacAddr)> + '_ {
        let pool = self.pool(owner);
        self.rar
            .iter()
            .take(self.rar_entries)
            .enumerate()
            .filter_map(move |(index, slot)| {
                slot.filter(|slot| Some(usize::from(slot.pool)) == pool)
                    .map(|slot| (index, slot.mac))
            })
    }

    /// Gives `owner` a RAR entry for `mac` (enabled) and returns its index. Idempotent for
    /// the same owner.
    pub fn add_mac(&mut self, owner: Owner, mac: MacAddr) -> Result<usize, SlotError> {
        let pool = self.pool_of(owner)?;
        if !is_valid_unicast(&mac) {
            return Err(SlotError::InvalidMac);
        }
        if let Some(index) = self.rar_index(&mac) {
            return match self.rar.get_mut(index) {
                Some(Some(slot)) if usize::from(slot.pool) == pool => {
                    slot.enabled = true;
                    Ok(index)
                }
                _ => Err(SlotError::MacInUse),
            };
        }
        let held = self.macs(owner).count();
        if held >= usize::from(self.caps[pool].rar) {
            return Err(SlotError::OwnerLimit(Table::Rar));
        }
        // RAR0 is the PF default pool's (§2.3). A VF's first entry is its Linux slot
        // `rar_entries - 1 - vf` (`filters::vf_rar_index`), further VF entries come from the
        // end; PF and vPort entries fill upwards from 1, so the two ends meet last.
        let free = |index: &usize| self.rar[*index].is_none();
        let index = match owner {
            Owner::PfPool if self.rar[0].is_none() => Some(0),
            Owner::Vf(n) => crate::filters::vf_rar_index(self.generation, usize::from(n))
                .filter(|index| *index > 0 && *index < self.rar_entries && free(index))
                .or_else(|| (1..self.rar_entries).rev().find(free)),
            _ => (1..self.rar_entries).find(free),
        };
        let index = index.ok_or(SlotError::TableFull(Table::Rar))?;
        self.rar[index] = Some(RarSlot {
            mac,
            // pool < 8.
            pool: pool as u8,
            enabled: true,
        });
        Ok(index)
    }

    /// Moves `owner`'s address from `old` to `new` in the same entry (a VF's SET_MAC_ADDR): on
    /// any error the old address stays.
    pub fn replace_mac(
        &mut self,
        owner: Owner,
        old: Option<MacAddr>,
        new: MacAddr,
    ) -> Result<usize, SlotError> {
        let pool = self.pool_of(owner)?;
        if !is_valid_unicast(&new) {
            return Err(SlotError::InvalidMac);
        }
        let old_index = old
            .and_then(|old| self.rar_index(&old))
            .filter(|index| self.rar[*index].is_some_and(|s| usize::from(s.pool) == pool));
        match (self.rar_index(&new), old_index) {
            (Some(index), _) if self.rar[index].is_some_and(|s| usize::from(s.pool) == pool) => {
                Ok(index)
            }
            (Some(_), _) => Err(SlotError::MacInUse),
            (None, Some(index)) => {
                if let Some(slot) = self.rar[index].as_mut() {
                    slot.mac = new;
                    slot.enabled = true;
                }
                Ok(index)
            }
            (None, None) => self.add_mac(owner, new),
        }
    }

    /// Enables or disables (RAH.AV) `owner`'s entry for `mac`, keeping it reserved.
    pub fn set_mac_enabled(
        &mut self,
        owner: Owner,
        mac: &MacAddr,
        enabled: bool,
    ) -> Result<(), SlotError> {
        let pool = self.pool_of(owner)?;
        let index = self.rar_index(mac).ok_or(SlotError::NotOwned)?;
        match self.rar.get_mut(index) {
            Some(Some(slot)) if usize::from(slot.pool) == pool => {
                slot.enabled = enabled;
                Ok(())
            }
            _ => Err(SlotError::NotOwned),
        }
    }

    /// Frees `owner`'s entry for `mac`.
    pub fn remove_mac(&mut self, owner: Owner, mac: &MacAddr) -> Result<(), SlotError> {
        let pool = self.pool_of(owner)?;
        let index = self.rar_index(mac).ok_or(SlotError::NotOwned)?;
        match self.rar.get_mut(index) {
            Some(entry @ Some(_)) if entry.is_some_and(|s| usize::from(s.pool) == pool) => {
                *entry = None;
                Ok(())
            }
            _ => Err(SlotError::NotOwned),
        }
    }

    // ---- VLVF ------------------------------------------------------------------------

    /// VLANs `owner` holds.
    pub fn vlans(&self, owner: Owner) -> impl Iterator<Item = VlanId> + '_ {
        let pool = self.pool(owner);
        self.vlvf.iter().flatten().filter_map(move |slot| {
            pool.filter(|pool| slot.pools.contains(*pool))
                .map(|_| slot.vid)
        })
    }

    /// Adds `owner`'s pool to `vid`'s VLVF entry, taking a free entry for a new VID.
    /// Idempotent.
    pub fn add_vlan(&mut self, owner: Owner, vid: VlanId) -> Result<(), SlotError> {
        let pool = self.pool_of(owner)?;
        let existing = self
            .vlvf
            .iter()
            .position(|s| s.is_some_and(|s| s.vid == vid));
        if existing.is_some_and(|index| self.vlvf[index].is_some_and(|s| s.pools.contains(pool))) {
            return Ok(());
        }
        if self.vlans(owner).count() >= usize::from(self.caps[pool].vlans) {
            return Err(SlotError::OwnerLimit(Table::Vlvf));
        }
        match existing {
            Some(index) => {
                if let Some(slot) = self.vlvf[index].as_mut() {
                    slot.pools = slot.pools.with(pool);
                }
            }
            None => {
                let free = self
                    .vlvf
                    .iter_mut()
                    .find(|slot| slot.is_none())
                    .ok_or(SlotError::TableFull(Table::Vlvf))?;
                *free = Some(VlvfSlot {
                    vid,
                    pools: PoolMask::EMPTY.with(pool),
                });
            }
        }
        Ok(())
    }

    /// Removes `owner`'s pool from `vid`'s entry; the entry is freed with its last pool.
    /// Removing a VLAN the owner does not hold is not an error (VFs do it routinely).
    pub fn remove_vlan(&mut self, owner: Owner, vid: VlanId) -> Result<(), SlotError> {
        let pool = self.pool_of(owner)?;
        for entry in &mut self.vlvf {
            if let Some(slot) = entry
                && slot.vid == vid
            {
                slot.pools = slot.pools.without(pool);
                if slot.pools == PoolMask::EMPTY {
                    *entry = None;
                }
            }
        }
        Ok(())
    }

    // ---- MTA -------------------------------------------------------------------------

    /// Replaces `owner`'s multicast hashes (12-bit MO = 0 hashes; higher bits are masked).
    /// Refused as a whole when it holds more distinct hashes than the owner's cap.
    pub fn set_multicast(&mut self, owner: Owner, hashes: &[u16]) -> Result<(), SlotError> {
        self.set_hash_bits(owner, hashes.iter().map(|hash| HashBit::from_hash(*hash)))
    }

    /// As [`Self::set_multicast`], from group addresses (their RCTL.MO = 0 hashes, §2.3);
    /// unicast entries are ignored.
    pub fn set_multicast_addresses(
        &mut self,
        owner: Owner,
        addresses: &[MacAddr],
    ) -> Result<(), SlotError> {
        self.set_hash_bits(
            owner,
            addresses
                .iter()
                .filter(|mac| crate::filters::is_multicast(mac))
                .map(crate::filters::mta_bit),
        )
    }

    fn set_hash_bits(
        &mut self,
        owner: Owner,
        bits: impl Iterator<Item = HashBit>,
    ) -> Result<(), SlotError> {
        let pool = self.pool_of(owner)?;
        let mut table = [0u32; HASH_TABLE_REGS];
        let mut distinct: u32 = 0;
        let cap = u32::from(self.caps[pool].multicast);
        for bit in bits {
            if let Some(word) = table.get_mut(bit.register)
                && *word & bit.mask() == 0
            {
                *word |= bit.mask();
                distinct = distinct.saturating_add(1);
                if distinct > cap {
                    return Err(SlotError::OwnerLimit(Table::Mta));
                }
            }
        }
        if let Some(slot) = self.mta.get_mut(pool) {
            *slot = table;
        }
        Ok(())
    }

    /// Whether `owner` has any multicast hash (its VMOLR.ROMPE).
    #[must_use]
    pub fn has_multicast(&self, owner: Owner) -> bool {
        self.pool(owner)
            .and_then(|pool| self.mta.get(pool))
            .is_some_and(|table| table.iter().any(|word| *word != 0))
    }

    /// How many owners need the MTA bit of `hash`.
    #[must_use]
    pub fn mta_users(&self, hash: u16) -> usize {
        let bit = HashBit::from_hash(hash);
        self.mta
            .iter()
            .filter(|table| table.get(bit.register).is_some_and(|w| w & bit.mask() != 0))
            .count()
    }

    // ---- ownership as a whole -----------------------------------------------------------

    /// Frees everything `owner` holds (FLR, VF free, vPort delete).
    pub fn release_all(&mut self, owner: Owner) -> Result<(), SlotError> {
        let pool = self.pool_of(owner)?;
        for entry in &mut self.rar {
            if entry.is_some_and(|slot| usize::from(slot.pool) == pool) {
                *entry = None;
            }
        }
        for entry in &mut self.vlvf {
            if let Some(slot) = entry {
                slot.pools = slot.pools.without(pool);
                if slot.pools == PoolMask::EMPTY {
                    *entry = None;
                }
            }
        }
        if let Some(table) = self.mta.get_mut(pool) {
            *table = [0; HASH_TABLE_REGS];
        }
        Ok(())
    }

    // ---- register values -------------------------------------------------------------

    /// `(RAL, RAH)` of RAR `index`.
    #[must_use]
    pub fn rar_value(&self, index: usize) -> (u32, u32) {
        match self.rar.get(index).copied().flatten() {
            Some(slot) => RarEntry {
                mac: slot.mac,
                pools: PoolMask::single(usize::from(slot.pool)).unwrap_or(PoolMask::EMPTY),
                valid: slot.enabled,
            }
            .encode(),
            None => RarEntry::CLEARED.encode(),
        }
    }

    /// VLVF `index`.
    #[must_use]
    pub fn vlvf_value(&self, index: usize) -> u32 {
        self.vlvf.get(index).copied().flatten().map_or(0, |slot| {
            VlvfEntry {
                vid: slot.vid,
                pools: slot.pools,
                enabled: true,
            }
            .encode()
        })
    }

    /// VFTA word `register`: the VIDs with a VLVF entry.
    #[must_use]
    pub fn vfta_value(&self, register: usize) -> u32 {
        self.vlvf
            .iter()
            .flatten()
            .map(|slot| slot.vid.vfta_bit())
            .filter(|bit| bit.register == register)
            .fold(0, |word, bit| word | bit.mask())
    }

    /// MTA word `register`: the union of every owner's hashes.
    #[must_use]
    pub fn mta_value(&self, register: usize) -> u32 {
        self.mta.iter().fold(0, |word, table| {
            word | table.get(register).copied().unwrap_or(0)
        })
    }

    /// Forgets what the hardware holds (after a MAC reset): the next [`Self::apply`] writes
    /// every register.
    pub fn forget_hardware(&mut self) {
        self.written = None;
    }

    /// Writes the registers whose value differs from the last write (all of them after
    /// [`Self::new`] or [`Self::forget_hardware`]). RAH is written with AV clear before RAL so
    /// a half-written entry never matches. Returns the number of register writes.
    pub fn apply<M: Mmio>(&mut self, regs: &PfRegisters<M>) -> usize {
        let mut written = self.written.unwrap_or(Written {
            rar: [(u32::MAX, u32::MAX); MAX_RAR_ENTRIES],
            vlvf: [u32::MAX; VLVF_ENTRIES],
            vfta: [u32::MAX; HASH_TABLE_REGS],
            mta: [u32::MAX; HASH_TABLE_REGS],
        });
        let fresh = self.written.is_none();
        let mut writes = 0usize;
        for index in 0..self.rar_entries {
            let value = self.rar_value(index);
            let Some(last) = written.rar.get_mut(index) else {
                continue;
            };
            if fresh || *last != value {
                if let (Some(ral), Some(rah)) = (
                    pf::ral(self.generation, index),
                    pf::rah(self.generation, index),
                ) {
                    regs.write(rah, 0);
                    regs.write(ral, value.0);
                    regs.write(rah, value.1);
                    writes = writes.saturating_add(3);
                }
                *last = value;
            }
        }
        for index in 0..VLVF_ENTRIES {
            let value = self.vlvf_value(index);
            if fresh || written.vlvf[index] != value {
                if let Some(reg) = pf::vlvf(index) {
                    regs.write(reg, value);
                    writes = writes.saturating_add(1);
                }
                written.vlvf[index] = value;
            }
        }
        for index in 0..HASH_TABLE_REGS {
            let vfta = self.vfta_value(index);
            if fresh || written.vfta[index] != vfta {
                if let Some(reg) = pf::vfta(index) {
                    regs.write(reg, vfta);
                    writes = writes.saturating_add(1);
                }
                written.vfta[index] = vfta;
            }
            let mta = self.mta_value(index);
            if fresh || written.mta[index] != mta {
                if let Some(reg) = pf::mta(index) {
                    regs.write(reg, mta);
                    writes = writes.saturating_add(1);
                }
                written.mta[index] = mta;
            }
        }
        self.written = Some(written);
        writes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(last: u8) -> MacAddr {
        [0x52, 0x54, 0x00, 0x00, 0x01, last]
    }

    fn vid(v: u16) -> VlanId {
        VlanId::new(v).unwrap()
    }

    #[test]
    fn rar_exhaustion_and_caps() {
        for (generation, entries) in [(Generation::I82576, 24), (Generation::I350, 32)] {
            let mut slots = FilterSlots::new(generation, 2).unwrap();
            assert_eq!(
                slots.add_mac(Owner::PfPool, mac(0)),
                Ok(0),
                "RAR0 is the PF's"
            );
            // A VF gets one address (cap), from the end of the table.
            assert_eq!(slots.add_mac(Owner::Vf(0), mac(1)), Ok(entries - 1));
            assert_eq!(
                slots.add_mac(Owner::Vf(0), mac(2)),
                Err(SlotError::OwnerLimit(Table::Rar))
            );
            for n in 1..entries {
                let r = slots.add_mac(Owner::PfPool, mac(100 + n as u8));
                if n < entries - 1 {
                    assert!(r.is_ok(), "{n}");
                } else {
                    assert_eq!(r, Err(SlotError::TableFull(Table::Rar)));
                }
            }
            assert_eq!(
                slots.add_mac(Owner::Vf(1), mac(3)),
                Err(SlotError::TableFull(Table::Rar))
            );
            assert_eq!(
                slots.add_mac(Owner::Vf(9), mac(3)),
                Err(SlotError::NoSuchOwner)
            );
            assert_eq!(
                slots.add_mac(Owner::VPort(1), mac(3)),
                Err(SlotError::NoSuchOwner)
            );
            assert_eq!(
                slots.add_mac(Owner::Vf(1), [1, 0, 0, 0, 0, 0]),
                Err(SlotError::InvalidMac)
            );
        }
    }

    #[test]
    fn two_owners_cannot_share_a_mac() {
        let mut slots = FilterSlots::new(Generation::I350, 3).unwrap();
        slots.add_mac(Owner::PfPool, mac(0)).unwrap();
        let index = slots.add_mac(Owner::Vf(0), mac(1)).unwrap();
        assert_eq!(
            slots.add_mac(Owner::Vf(1), mac(1)),
            Err(SlotError::MacInUse)
        );
        assert_eq!(
            slots.replace_mac(Owner::Vf(1), None, mac(0)),
            Err(SlotError::MacInUse)
        );
        assert_eq!(slots.add_mac(Owner::Vf(0), mac(1)), Ok(index), "idempotent");
        // SET_MAC_ADDR of VF0 to a taken MAC keeps its old one.
        assert_eq!(
            slots.replace_mac(Owner::Vf(0), Some(mac(1)), mac(0)),
            Err(SlotError::MacInUse)
        );
        assert_eq!(slots.rar_index(&mac(1)), Some(index));
        assert_eq!(
            slots.replace_mac(Owner::Vf(0), Some(mac(1)), mac(5)),
            Ok(index)
        );
        assert_eq!(
            slots.remove_mac(Owner::Vf(1), &mac(5)),
            Err(SlotError::NotOwned)
        );
        // A disabled PF entry still reserves the PF's MAC.
        slots
            .set_mac_enabled(Owner::PfPool, &mac(0), false)
            .unwrap();
        assert_eq!(
            slots.add_mac(Owner::Vf(1), mac(0)),
            Err(SlotError::MacInUse)
        );
        assert_eq!(slots.rar_value(0).1 & crate::regs::pf::rah_bits::AV, 0);
    }

    #[test]
    fn vlan_shared_then_released_by_one() {
        let mut slots = FilterSlots::new(Generation::I82576, 2).unwrap();
        slots.add_vlan(Owner::PfPool, vid(100)).unwrap();
        slots.add_vlan(Owner::Vf(1), vid(100)).unwrap();
        assert_eq!(slots.vlvf_value(0), 0x8000_0000 | (0b110 << 12) | 100);
        assert_eq!(slots.vlvf_value(1), 0, "one entry for both owners");
        slots.remove_vlan(Owner::PfPool, vid(100)).unwrap();
        assert_eq!(slots.vlvf_value(0), 0x8000_0000 | (0b010 << 12) | 100);
        let bit = vid(100).vfta_bit();
        assert_ne!(
            slots.vfta_value(bit.register) & bit.mask(),
            0,
            "VF1 still needs it"
        );
        slots.remove_vlan(Owner::Vf(1), vid(100)).unwrap();
        assert_eq!(
            (slots.vlvf_value(0), slots.vfta_value(bit.register)),
            (0, 0)
        );
    }

    #[test]
    fn vlvf_exhaustion_and_hostile_vf_cap() {
        let mut slots = FilterSlots::new(Generation::I82576, 2).unwrap();
        // A hostile VF loops SET_VLAN: it stops at its cap.
        let mut refused = 0;
        for v in 1..=200 {
            if slots.add_vlan(Owner::Vf(0), vid(v)) == Err(SlotError::OwnerLimit(Table::Vlvf)) {
                refused += 1;
            }
        }
        assert_eq!((slots.vlans(Owner::Vf(0)).count(), refused), (8, 192));
        // ... and the other VF still gets its VLANs.
        for v in 1000..1008 {
            slots.add_vlan(Owner::Vf(1), vid(v)).unwrap();
        }
        // The PF fills the rest: 32 entries, then a distinct TableFull.
        for v in 2000..2016 {
            slots.add_vlan(Owner::PfPool, vid(v)).unwrap();
        }
        assert_eq!(
            slots.add_vlan(Owner::PfPool, vid(3000)),
            Err(SlotError::TableFull(Table::Vlvf))
        );
        // Sharing an existing VID needs no new entry.
        assert_eq!(slots.add_vlan(Owner::PfPool, vid(1000)), Ok(()));
    }

    #[test]
    fn mta_bit_kept_while_another_owner_needs_it_and_caps() {
        let mut slots = FilterSlots::new(Generation::I350, 2).unwrap();
        slots.set_multicast(Owner::PfPool, &[0x010, 0xEFC]).unwrap();
        slots.set_multicast(Owner::Vf(0), &[0x010]).unwrap();
        assert_eq!(slots.mta_users(0x010), 2);
        slots.set_multicast(Owner::PfPool, &[0xEFC]).unwrap();
        assert_eq!(slots.mta_value(0), 1 << 16, "VF0 still needs hash 0x010");
        slots.release_all(Owner::Vf(0)).unwrap();
        assert_eq!(slots.mta_value(0), 0);
        // A VF may hold at most 30 distinct hashes; a refused list leaves the old one.
        let many: [u16; 31] = core::array::from_fn(|n| n as u16);
        slots.set_multicast(Owner::Vf(1), &[7]).unwrap();
        assert_eq!(
            slots.set_multicast(Owner::Vf(1), &many),
            Err(SlotError::OwnerLimit(Table::Mta))
        );
        assert_eq!(slots.mta_users(7), 1);
        assert!(slots.set_multicast(Owner::Vf(1), &many[..30]).is_ok());
    }

    #[test]
    fn release_all_only_touches_the_owner() {
        let mut slots = FilterSlots::new(Generation::I350, 2).unwrap();
        slots.add_mac(Owner::PfPool, mac(0)).unwrap();
        slots.add_vlan(Owner::PfPool, vid(5)).unwrap();
        slots.add_mac(Owner::VPort(4), mac(4)).unwrap();
        let before: ([(u32, u32); 32], [u32; 32], [u32; 128]) = (
            core::array::from_fn(|i| slots.rar_value(i)),
            core::array::from_fn(|i| slots.vlvf_value(i)),
            core::array::from_fn(|i| slots.mta_value(i) ^ slots.vfta_value(i)),
        );
        slots.add_mac(Owner::Vf(1), mac(1)).unwrap();
        slots.add_vlan(Owner::Vf(1), vid(5)).unwrap();
        slots.add_vlan(Owner::Vf(1), vid(6)).unwrap();
        slots.set_multicast(Owner::Vf(1), &[1, 2, 3]).unwrap();
        slots.release_all(Owner::Vf(1)).unwrap();
        let after: ([(u32, u32); 32], [u32; 32], [u32; 128]) = (
            core::array::from_fn(|i| slots.rar_value(i)),
            core::array::from_fn(|i| slots.vlvf_value(i)),
            core::array::from_fn(|i| slots.mta_value(i) ^ slots.vfta_value(i)),
        );
        assert!(before == after);
        assert_eq!(slots.release_all(Owner::Vf(7)), Err(SlotError::NoSuchOwner));
    }
}
