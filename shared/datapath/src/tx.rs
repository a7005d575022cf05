//! The transmit engine: NBL chains from `MiniportSendNetBufferLists` onto an igb Tx ring.
//!
//! Ownership of an NBL inside the engine (exactly one place at a time):
//! `waiting` (accepted, no descriptor yet) → `current` (being posted, NB by NB) → `in_flight`
//! (every NB posted; `MiniportReserved[0]` = sequence number of its last packet) → `done`
//! (handed back by the next [`TxEngine::send`] / [`TxEngine::complete`] /
//! [`TxEngine::drain_all`] return value). Ring tokens own per-packet resources only (a bounce
//! slot or an SG list), never an NBL, so completion order is the ring's order.

use alloc::vec::Vec;

use hw_platform::{DmaAddr, DmaMemory};
use igb::ring::desc::TxContext;
use igb::ring::{Doorbell, TxFragment, TxRequest, TxRing};
use ndis::buffer::SystemMappedMdls;
use ndis::{NblChain, NdisError, NetBufferData, OwnedNbl};
use ndis_abi::*;

use crate::offload::{
    LSO_MAX_HEADERS, LSO_MAX_OFFLOAD_SIZE, NblRequest, VlanPolicy, lso_enabled, plan,
};
use ndis::offload::OffloadConfig;

/// Largest bounce threshold (bytes copied on the stack per small frame).
pub const MAX_BOUNCE_THRESHOLD: u32 = 512;
/// Default bounce threshold: frames up to this size are copied into a preallocated buffer
/// instead of being mapped (to be re-measured with `tests/bench/datapath.sh`).
pub const DEFAULT_BOUNCE_THRESHOLD: u32 = 256;
/// Largest data per descriptor the engine writes (Linux `IGB_MAX_DATA_PER_TXD`, 32 KiB).
const MAX_DATA_PER_DESCRIPTOR: u32 = 32 * 1024;
/// Shortest frame accepted: an Ethernet header (the MAC pads to 60, TCTL.PSP).
pub const MIN_FRAME: u32 = 14;

/// A scatter/gather mapping provider (`NdisMAllocateNetBufferSGList` in the driver).
pub trait TxMapper {
    /// The mapped list.
    type List;
    /// Asks for `nb`'s list. `Ready` when it arrived during the call, `Pending` when it will
    /// arrive later through [`TxEngine::sg_list_ready`] with `tag`.
    fn map(&mut self, nb: &NetBufferData, tag: u32) -> Result<MapOutcome<Self::List>, NDIS_STATUS>;
    /// Number of elements.
    fn element_count(&self, list: &Self::List) -> usize;
    /// Element `index` as (device address, length).
    fn element(&self, list: &Self::List, index: usize) -> Option<(DmaAddr, u32)>;
    /// Frees a list (`NdisMFreeNetBufferSGList`) once the device is done with it.
    fn unmap(&mut self, list: Self::List, nb: &NetBufferData);
}

/// What [`TxMapper::map`] did.
#[derive(Debug)]
pub enum MapOutcome<L> {
    /// The list, now.
    Ready(L),
    /// The list comes later.
    Pending,
}

/// Per-packet resources held by a ring slot.
pub enum TxToken<L> {
    /// Bounce slot index.
    Bounce(u16),
    /// An SG list and the NET_BUFFER it maps.
    Mapped(L, NetBufferData),
}

/// Engine sizes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TxConfig {
    /// Largest non-LSO frame (`DataLength`, no FCS): 1514 + 4 with an in-band tag, up to the
    /// `*JumboPacket` value.
    pub max_frame: u32,
    /// Largest LSO `DataLength`: the `MaxOffLoadSize` advertised (TCP payload) plus the
    /// most header bytes in front of it.
    pub max_lso: u32,
    /// Frames up to this length are bounced (0 disables; at most [`MAX_BOUNCE_THRESHOLD`]).
    pub bounce_threshold: u32,
    /// The Tx offloads enabled (the `tx` halves and LSOv2); requests for others are not
    /// performed (see [`crate::offload`]). Change with [`TxEngine::set_offloads`].
    pub offloads: OffloadConfig,
    /// Which parts of the NBLs' 802.1Q info are inserted, and the `*VlanID` default. Change
    /// with [`TxEngine::set_vlan_policy`].
    pub vlan: VlanPolicy,
}

impl Default for TxConfig {
    fn default() -> Self {
        Self {
            max_frame: 1518,
            max_lso: LSO_MAX_OFFLOAD_SIZE + LSO_MAX_HEADERS,
            bounce_threshold: DEFAULT_BOUNCE_THRESHOLD,
            offloads: OffloadConfig::ALL,
            vlan: VlanPolicy::default(),
        }
    }
}

/// Why a Tx engine could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TxEngineError {
    /// The bounce region is smaller than ring slots × threshold, or the threshold too big.
    BounceRegion,
    /// Allocation of the engine's tables failed.
    OutOfMemory,
}

/// Engine counters (wrapping).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TxCounters {
    /// Packets (NET_BUFFERs) put on the ring.
    pub packets: u64,
    /// Bytes put on the ring.
    pub bytes: u64,
    /// NBLs completed with success.
    pub nbls_ok: u64,
    /// Packets copied into a bounce buffer.
    pub bounced: u64,
    /// Packets mapped with an SG list.
    pub mapped: u64,
    /// Context descriptors written.
    pub context_writes: u64,
    /// Packets that reused the loaded context.
    pub context_reuses: u64,
    /// NBLs refused: no NET_BUFFER, malformed MDL chain or LSO header (INVALID_PACKET).
    pub invalid_packet: u64,
    /// NBLs refused: zero, runt or over-long frame (INVALID_LENGTH).
    pub invalid_length: u64,
    /// Mapping failures (SG list refused, element list unusable).
    pub map_failures: u64,
    /// Ring refusals other than "full" (an engine bug; never expected).
    pub ring_errors: u64,
    /// Times sending stopped on a full ring.
    pub ring_full: u64,
    /// NBLs handed back by `drain_all`.
    pub drained: u64,
}

/// Why the posting loop stopped on a packet.
enum Stall {
    RingFull,
    Pending,
}

/// The transmit engine of one queue (see the module docs).
pub struct TxEngine<D: DmaMemory, M: TxMapper, Db: Doorbell> {
    ring: TxRing<D, TxToken<M::List>, Db>,
    mapper: M,
    config: TxConfig,
    bounce: D,
    bounce_free: Vec<u16>,
    fragments: Vec<TxFragment>,
    waiting: NblChain,
    /// The NBL being posted, its request, the next NB to post.
    current: Option<(OwnedNbl, NblRequest, Option<NetBufferData>)>,
    /// A mapped NB waiting for ring space.
    ready: Option<M::List>,
    /// Tag of the map request NDIS has not answered yet.
    awaiting: Option<u32>,
    next_tag: u32,
    /// Status for the NBL held back by a pending map during `drain_all`.
    drain_status: Option<NDIS_STATUS>,
    in_flight: NblChain,
    done: NblChain,
    posted_seq: u64,
    completed_seq: u64,
    loaded_context: Option<TxContext>,
    counters: TxCounters,
}

impl<D: DmaMemory, M: TxMapper, Db: Doorbell> TxEngine<D, M, Db> {
    /// An engine over `ring` (already programmed and enabled by the caller), bouncing into
    /// `bounce` (at least `(ring size - 1) × bounce_threshold` bytes). PASSIVE (allocates).
    pub fn new(
        ring: TxRing<D, TxToken<M::List>, Db>,
        bounce: D,
        mapper: M,
        config: TxConfig,
    ) -> Result<Self, TxEngineError> {
        let slots = ring.size() - 1;
        let threshold = config.bounce_threshold;
        if threshold > MAX_BOUNCE_THRESHOLD
            || (slots as usize).saturating_mul(threshold as usize) > bounce.len()
        {
            return Err(TxEngineError::BounceRegion);
        }
        let mut bounce_free = Vec::new();
        let mut fragments = Vec::new();
        if threshold != 0 {
            bounce_free
                .try_reserve_exact(slots as usize)
                .map_err(|_| TxEngineError::OutOfMemory)?;
            bounce_free.extend((0..slots as u16).rev());
        }
        fragments
            .try_reserve_exact(ring.size() as usize)
            .map_err(|_| TxEngineError::OutOfMemory)?;
        Ok(Self {
            ring,
            mapper,
            config,
            bounce,
            bounce_free,
            fragments,
            waiting: NblChain::new(),
            current: None,
            ready: None,
            awaiting: None,
            next_tag: 0,
            drain_status: None,
            in_flight: NblChain::new(),
            done: NblChain::new(),
            posted_seq: 0,
            completed_seq: 0,
            loaded_context: None,
            counters: TxCounters::default(),
        })
    }

    /// Counters.
    pub const fn counters(&self) -> TxCounters {
        self.counters
    }

    /// Applies a new set of enabled offloads (after `OID_TCP_OFFLOAD_PARAMETERS`, before
    /// NDIS is told): NBLs posted from now on follow it, LSO NBLs still waiting fail when
    /// their turn comes. DISPATCH-safe (under the queue lock).
    pub fn set_offloads(&mut self, offloads: OffloadConfig) {
        self.config.offloads = offloads;
    }

    /// Applies a new 802.1Q tagging policy (`*PriorityVLANTag`, `*VlanID`): NBLs taken from
    /// the queue from now on follow it. DISPATCH-safe (under the queue lock).
    pub fn set_vlan_policy(&mut self, vlan: VlanPolicy) {
        self.config.vlan = vlan;
    }

    /// The ring (its stats, its doorbell).
    pub const fn ring(&self) -> &TxRing<D, TxToken<M::List>, Db> {
        &self.ring
    }

    /// The mapper.
    pub const fn mapper(&self) -> &M {
        &self.mapper
    }

    /// NBLs the engine holds (waiting, being posted, on the ring, completed but not handed
    /// back).
    pub fn held(&self) -> usize {
        self.waiting.len()
            + usize::from(self.current.is_some())
            + self.in_flight.len()
            + self.done.len()
    }

    /// Whether an SG list is still owed by NDIS (a drained engine must wait for it before the
    /// adapter's DMA is deregistered).
    pub const fn map_pending(&self) -> bool {
        self.awaiting.is_some()
    }

    /// `MiniportSendNetBufferLists`: validates every NBL, queues the good ones, posts as many
    /// packets as fit and writes the tail once. Returns NBLs to complete now (refused ones,
    /// with their status set). No allocation, no wait: DISPATCH-safe.
    pub fn send(&mut self, mut chain: NblChain) -> NblChain {
        while let Some(mut nbl) = chain.pop_owned() {
            match self.validate(&nbl) {
                Ok(()) => {
                    nbl.set_status(NDIS_STATUS_SUCCESS);
                    self.waiting.push_owned(nbl);
                }
                Err(status) => {
                    if status == NDIS_STATUS_INVALID_LENGTH {
                        self.counters.invalid_length = self.counters.invalid_length.wrapping_add(1);
                    } else {
                        self.counters.invalid_packet = self.counters.invalid_packet.wrapping_add(1);
                    }
                    nbl.set_status(status);
                    self.done.push_owned(nbl);
                }
            }
        }
        self.pump();
        self.ring.flush();
        core::mem::take(&mut self.done)
    }

    /// The Tx DPC's work: reclaims up to `budget` completed packets, frees their resources,
    /// resumes waiting NBLs (one tail write) and returns the NBLs to complete (one
    /// `NdisMSendNetBufferListsComplete` with `NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL`), plus
    /// whether the budget ran out (requeue the DPC).
    pub fn complete(&mut self, budget: usize) -> (NblChain, bool) {
        let (bounce_free, mapper) = (&mut self.bounce_free, &mut self.mapper);
        let cleaned = self
            .ring
            .clean(budget, |token| release(token, bounce_free, mapper));
        self.completed_seq = self.completed_seq.wrapping_add(cleaned as u64);
        self.retire_in_flight();
        self.pump();
        self.ring.flush();
        (core::mem::take(&mut self.done), cleaned == budget)
    }

    /// `MiniportProcessSGList` for a list the engine asked for and that arrived after the map
    /// call returned: posts it (and what waited behind it), writes the tail, returns NBLs to
    /// complete. A list with an unknown tag is handed back (`Err`) for the caller to free.
    pub fn sg_list_ready(&mut self, tag: u32, list: M::List) -> Result<NblChain, M::List> {
        if self.awaiting != Some(tag) {
            return Err(list);
        }
        self.awaiting = None;
        if let Some(status) = self.drain_status.take() {
            // Drained while NDIS was still building the list: free it and complete the NBL.
            if let Some((mut nbl, _, cursor)) = self.current.take() {
                if let Some(nb) = cursor {
                    self.mapper.unmap(list, &nb);
                }
                nbl.set_status(status);
                self.counters.drained = self.counters.drained.wrapping_add(1);
                self.done.push_owned(nbl);
            }
            return Ok(core::mem::take(&mut self.done));
        }
        self.ready = Some(list);
        self.pump();
        self.ring.flush();
        Ok(core::mem::take(&mut self.done))
    }

    /// Pause, reset, surprise removal, after the caller stopped the queue (TXDCTL.ENABLE clear
    /// or the device reset/gone): returns every NBL the engine holds with `status` (successful
    /// completions keep their success), frees every bounce slot and SG list, and restarts the
    /// ring at 0. An NBL whose SG list NDIS still owes is completed when the list arrives
    /// ([`TxEngine::map_pending`]).
    pub fn drain_all(&mut self, status: NDIS_STATUS) -> NblChain {
        let (bounce_free, mapper) = (&mut self.bounce_free, &mut self.mapper);
        self.ring.drain(|token| release(token, bounce_free, mapper));
        self.loaded_context = None;
        self.posted_seq = 0;
        self.completed_seq = 0;
        let mut out = core::mem::take(&mut self.done);
        let mut returned = 0u64;
        let mut fail = |mut nbl: OwnedNbl, out: &mut NblChain| {
            nbl.set_status(status);
            returned += 1;
            out.push_owned(nbl);
        };
        while let Some(nbl) = self.in_flight.pop_owned() {
            fail(nbl, &mut out);
        }
        if let Some(list) = self.ready.take() {
            if let Some((_, _, Some(nb))) = &self.current {
                self.mapper.unmap(list, nb);
            }
        }
        if self.awaiting.is_some() {
            self.drain_status = Some(status);
        } else if let Some((nbl, _, _)) = self.current.take() {
            fail(nbl, &mut out);
        }
        while let Some(nbl) = self.waiting.pop_owned() {
            fail(nbl, &mut out);
        }
        self.counters.drained = self.counters.drained.wrapping_add(returned);
        out
    }

    fn validate(&self, nbl: &OwnedNbl) -> Result<(), NDIS_STATUS> {
        let request = NblRequest::from_nbl(nbl);
        if let Some(lso) = request.lso {
            // LSO off: dropped, never sent (N/offloading-the-segmentation-of-large-tcp-packets.md).
            if !lso_enabled(lso, &self.config.offloads) {
                return Err(NDIS_STATUS_INVALID_PACKET);
            }
        }
        let max = if request.lso.is_some() {
            self.config.max_lso
        } else {
            self.config.max_frame
        };
        let mut any = false;
        for nb in nbl.net_buffers() {
            any = true;
            let len = nb.data_length();
            if len < MIN_FRAME as usize || len > max as usize {
                return Err(NDIS_STATUS_INVALID_LENGTH);
            }
            if !nb.mdl_coverage().covers_data {
                return Err(NDIS_STATUS_INVALID_PACKET);
            }
            if let Some((mss, tcp_offset, _, _)) = request.lso {
                // Checked again with the headers when posting; these need no header bytes.
                let coverage = nb.mdl_coverage();
                if mss == 0 || (tcp_offset as usize).saturating_add(20) > coverage.first_mdl_bytes {
                    return Err(NDIS_STATUS_INVALID_PACKET);
                }
            }
        }
        if any {
            Ok(())
        } else {
            Err(NDIS_STATUS_INVALID_PACKET)
        }
    }

    /// Posts from `current`/`waiting` until the ring is full, a map is pending or nothing waits.
    fn pump(&mut self) {
        while self.awaiting.is_none() {
            if self.current.is_none() {
                let Some(mut nbl) = self.waiting.pop_owned() else {
                    return;
                };
                let request = NblRequest::from_nbl_with(&nbl, &self.config.vlan);
                let first = nbl.first_net_buffer();
                // [0] = last packet's sequence + 1 (0: none posted), [1] = payload bytes.
                nbl.set_miniport_reserved(0, 0);
                nbl.set_miniport_reserved(1, 0);
                self.current = Some((nbl, request, first));
            }
            let Some((_, request, cursor)) = self.current.as_ref() else {
                return;
            };
            let request = *request;
            let Some(nb) = *cursor else {
                self.finish_current();
                continue;
            };
            match self.post_one(&request, &nb) {
                Ok(payload) => {
                    if let Some((nbl, _, cursor)) = self.current.as_mut() {
                        let total = nbl_total_payload(nbl).wrapping_add(payload as usize);
                        nbl.set_miniport_reserved(1, total);
                        *cursor = nb.next_in_list();
                    }
                }
                Err(Ok(Stall::RingFull)) => {
                    self.counters.ring_full = self.counters.ring_full.wrapping_add(1);
                    return;
                }
                Err(Ok(Stall::Pending)) => return,
                Err(Err(status)) => {
                    // This NB cannot go: the NBL fails; NBs already posted still complete first.
                    if let Some((nbl, _, cursor)) = self.current.as_mut() {
                        nbl.set_status(status);
                        *cursor = None;
                    }
                }
            }
        }
    }

    /// `current` has no NB left to post: to `in_flight` (behind its last packet) or `done`.
    fn finish_current(&mut self) {
        let Some((mut nbl, request, _)) = self.current.take() else {
            return;
        };
        let payload = nbl_total_payload(&nbl);
        let posted_any = nbl.miniport_reserved(0).is_some_and(|seq| seq != 0);
        if let Some((_, _, v2, _)) = request.lso {
            // LsoV1TransmitComplete.TcpPayload / LsoV2TransmitComplete.Type (nbllso.h; the V2
            // form has no payload count, its Reserved bits stay 0).
            let info = NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(0);
            let info = if v2 {
                info.with_Type(NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE)
            } else {
                info.with_TcpPayload(payload as u32)
            };
            nbl.set_lso_info(info);
        }
        if posted_any {
            self.in_flight.push_owned(nbl);
            self.retire_in_flight();
        } else {
            self.done.push_owned(nbl);
        }
    }

    /// Moves in-flight NBLs whose last packet completed to `done`.
    fn retire_in_flight(&mut self) {
        while let Some(last) = self.in_flight.front_reserved(0) {
            // Stored as (1-based sequence of the NBL's last packet) + 1, 0 = none posted.
            // Done once `completed_seq` (packets completed) reached it; wrapping-safe.
            let last = (last as u64).wrapping_sub(1);
            if (self.completed_seq.wrapping_sub(last) as i64) < 0 {
                return;
            }
            if let Some(nbl) = self.in_flight.pop_owned() {
                if nbl.status() == NDIS_STATUS_SUCCESS {
                    self.counters.nbls_ok = self.counters.nbls_ok.wrapping_add(1);
                }
                self.done.push_owned(nbl);
            }
        }
    }

    /// Posts one NET_BUFFER; returns its TCP payload (LSO) or frame length.
    fn post_one(
        &mut self,
        request: &NblRequest,
        nb: &NetBufferData,
    ) -> Result<u32, Result<Stall, NDIS_STATUS>> {
        let len = nb.data_length() as u32;
        let plan = match plan(request, nb, len as usize, &self.config.offloads) {
            Ok(plan) => plan,
            Err(status) => {
                if let Some(list) = self.ready.take() {
                    self.mapper.unmap(list, nb);
                }
                return Err(Err(status));
            }
        };
        let reuse = plan.context.is_some() && plan.context == self.loaded_context;
        let context_descriptors = u32::from(plan.context.is_some() && !reuse);
        // Bounce: small, not LSO, a slot free, room for context + 1 data descriptor.
        if self.ready.is_none()
            && plan.tso_payload.is_none()
            && len <= self.config.bounce_threshold
            && !self.bounce_free.is_empty()
        {
            if self.ring.free_descriptors() < 1 + context_descriptors {
                return Err(Ok(Stall::RingFull));
            }
            if let Some(slot) = self.bounce_free.pop() {
                match self.copy_to_bounce(slot, nb, len) {
                    Some(addr) => {
                        self.fragments.clear();
                        self.fragments.push(TxFragment {
                            addr,
                            len: len as u16,
                        });
                        self.counters.bounced = self.counters.bounced.wrapping_add(1);
                        return self
                            .post_fragments(&plan, reuse, TxToken::Bounce(slot), len)
                            .map_err(Err);
                    }
                    // MDL not mapped to system space: map it instead.
                    None => self.bounce_free.push(slot),
                }
            }
        }
        let list = match self.ready.take() {
            Some(list) => list,
            None => {
                if self.ring.free_descriptors() < 1 + context_descriptors {
                    return Err(Ok(Stall::RingFull));
                }
                let tag = self.next_tag;
                self.next_tag = self.next_tag.wrapping_add(1);
                self.awaiting = Some(tag);
                match self.mapper.map(nb, tag) {
                    Ok(MapOutcome::Ready(list)) => {
                        self.awaiting = None;
                        list
                    }
                    Ok(MapOutcome::Pending) => return Err(Ok(Stall::Pending)),
                    Err(status) => {
                        self.awaiting = None;
                        self.counters.map_failures = self.counters.map_failures.wrapping_add(1);
                        return Err(Err(status));
                    }
                }
            }
        };
        // Elements → fragments of at most 32 KiB each, covering exactly DataLength bytes.
        self.fragments.clear();
        let mut total = 0u32;
        let mut fits = true;
        let count = self.mapper.element_count(&list);
        for index in 0..count {
            let Some((addr, mut element_len)) = self.mapper.element(&list, index) else {
                fits = false;
                break;
            };
            let mut addr = addr;
            while element_len > 0 && total < len {
                let take = element_len.min(MAX_DATA_PER_DESCRIPTOR).min(len - total);
                if self.fragments.len() == self.fragments.capacity() {
                    fits = false;
                    break;
                }
                self.fragments.push(TxFragment {
                    addr,
                    len: take as u16,
                });
                total += take;
                element_len -= take;
                addr = addr.checked_add(u64::from(take)).unwrap_or(addr);
            }
        }
        let needed = self.fragments.len() as u32 + context_descriptors;
        if !fits || total != len || needed >= self.ring.size() {
            self.mapper.unmap(list, nb);
            self.counters.map_failures = self.counters.map_failures.wrapping_add(1);
            return Err(Err(NDIS_STATUS_INVALID_PACKET));
        }
        if self.ring.free_descriptors() < needed {
            self.ready = Some(list);
            return Err(Ok(Stall::RingFull));
        }
        self.counters.mapped = self.counters.mapped.wrapping_add(1);
        self.post_fragments(&plan, reuse, TxToken::Mapped(list, *nb), len)
            .map_err(Err)
    }

    /// Copies the NB's `len` data bytes straight from its MDLs into bounce slot `slot` (no
    /// staging buffer: a zeroed stack frame and a second copy cost more than the copy itself).
    /// `None` if an MDL is not mapped or the chain is shorter than `len`.
    fn copy_to_bounce(&self, slot: u16, nb: &NetBufferData, len: u32) -> Option<DmaAddr> {
        let offset = usize::from(slot).checked_mul(self.config.bounce_threshold as usize)?;
        let len = len as usize;
        let mut copied = 0usize;
        nb.for_each_slice(&SystemMappedMdls, |bytes| {
            let take = bytes.len().min(len - copied);
            let at = offset.checked_add(copied).ok_or(NdisError::INVALID_DATA)?;
            self.bounce
                .write_bytes(at, &bytes[..take])
                .map_err(|_| NdisError::INVALID_DATA)?;
            copied += take;
            Ok(())
        })
        .ok()?;
        if copied != len {
            return None;
        }
        self.bounce.dma_addr_at(offset)
    }

    #[inline]
    fn post_fragments(
        &mut self,
        plan: &crate::offload::Plan,
        reuse: bool,
        token: TxToken<M::List>,
        len: u32,
    ) -> Result<u32, NDIS_STATUS> {
        let request = TxRequest {
            fragments: &self.fragments,
            context: if reuse { None } else { plan.context },
            flags: plan.flags,
            tso_payload_len: plan.tso_payload,
        };
        let result = if reuse {
            self.ring.post_reusing_context(&request, token)
        } else {
            self.ring.post(&request, token)
        };
        match result {
            Ok(()) => {
                if reuse {
                    self.counters.context_reuses = self.counters.context_reuses.wrapping_add(1);
                } else if plan.context.is_some() {
                    self.counters.context_writes = self.counters.context_writes.wrapping_add(1);
                    self.loaded_context = plan.context;
                }
                self.posted_seq = self.posted_seq.wrapping_add(1);
                if let Some((nbl, _, _)) = self.current.as_mut() {
                    // +1 so that 0 means "nothing posted".
                    nbl.set_miniport_reserved(0, self.posted_seq.wrapping_add(1) as usize);
                }
                self.counters.packets = self.counters.packets.wrapping_add(1);
                self.counters.bytes = self.counters.bytes.wrapping_add(u64::from(len));
                Ok(plan.tso_payload.unwrap_or(len))
            }
            Err((_, token)) => {
                self.counters.ring_errors = self.counters.ring_errors.wrapping_add(1);
                release(token, &mut self.bounce_free, &mut self.mapper);
                Err(NDIS_STATUS_FAILURE)
            }
        }
    }
}

fn release<M: TxMapper>(token: TxToken<M::List>, bounce_free: &mut Vec<u16>, mapper: &mut M) {
    match token {
        TxToken::Bounce(slot) => {
            if bounce_free.len() < bounce_free.capacity() {
                bounce_free.push(slot);
            }
        }
        TxToken::Mapped(list, nb) => mapper.unmap(list, &nb),
    }
}

fn nbl_total_payload(nbl: &OwnedNbl) -> usize {
    nbl.miniport_reserved(1).unwrap_or(0)
}

/// NDIS's own mapping: [`ndis::sg_mapper::SgMapper`] (`NdisMAllocateNetBufferSGList`, lists
/// that arrive late go to its sink, which calls [`TxEngine::sg_list_ready`]). Both miniports
/// use it.
impl TxMapper for ndis::sg_mapper::SgMapper {
    type List = ndis::dma::SgList;

    fn map(&mut self, nb: &NetBufferData, tag: u32) -> Result<MapOutcome<Self::List>, NDIS_STATUS> {
        Ok(match ndis::sg_mapper::SgMapper::map(self, nb, tag)? {
            Some(list) => MapOutcome::Ready(list),
            None => MapOutcome::Pending,
        })
    }

    fn element_count(&self, list: &Self::List) -> usize {
        list.len()
    }

    fn element(&self, list: &Self::List, index: usize) -> Option<(DmaAddr, u32)> {
        list.element(index)
    }

    fn unmap(&mut self, list: Self::List, nb: &NetBufferData) {
        ndis::sg_mapper::SgMapper::unmap(self, list, nb);
    }
}
