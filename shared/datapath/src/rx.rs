//! The receive engine: a pool of receive buffers in shared memory, each with its preallocated
//! NBL + NET_BUFFER + MDL ([`ndis::receive::ReceiveNbls`]), on an igb Rx ring.
//!
//! A buffer is in exactly one place: posted on the ring, lent to NDIS (indicated, not yet
//! returned), or on the spare list (returned while the ring had no free slot).

use alloc::vec::Vec;

use hw_platform::DmaMemory;
use igb::ring::desc::{Checksum, RxFrameInfo};
use igb::ring::{Doorbell, RxEvent, RxRing};
use ndis::NblChain;
use ndis::offload::OffloadConfig;
use ndis::receive::{NblAllocator, ReceiveInfo, ReceiveNbls, ReclaimError};
use ndis_abi::*;

use crate::offload::VlanPolicy;

/// Engine settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RxConfig {
    /// When fewer buffers than this are posted after a pass, the indication carries
    /// `NDIS_RECEIVE_FLAGS_RESOURCES` (the NBLs come back when the indicate call returns).
    pub low_water: u32,
    /// The Rx checksum offloads enabled: a result is reported only for those (the `rx`
    /// halves). Change with [`RxEngine::set_offloads`].
    pub offloads: OffloadConfig,
    /// Which parts of a stripped 802.1Q tag are reported (`*PriorityVLANTag`). Change with
    /// [`RxEngine::set_vlan_policy`].
    pub vlan: VlanPolicy,
    /// Largest frame indicated, in bytes as they land in the buffers (CRC stripped; a VLAN
    /// tag the device left in counts). A frame longer than this — or than a hostile
    /// write-back claims — is dropped with every buffer it used. A frame may span several
    /// buffers (82576 datasheet 7.1.5); the ring must then be set to multi-buffer.
    pub max_frame: u32,
}

/// Standard Ethernet frame as the buffers hold it: 1514 + a VLAN tag left in the frame.
pub const STANDARD_MAX_FRAME: u32 = 1518;

impl Default for RxConfig {
    fn default() -> Self {
        Self {
            low_water: 8,
            offloads: OffloadConfig::ALL,
            vlan: VlanPolicy::default(),
            max_frame: STANDARD_MAX_FRAME,
        }
    }
}

/// Engine counters (wrapping).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RxCounters {
    /// Frames indicated.
    pub frames: u64,
    /// Bytes indicated.
    pub bytes: u64,
    /// Indications made with `NDIS_RECEIVE_FLAGS_RESOURCES`.
    pub low_resource_indications: u64,
    /// Frames with a bad IP or L4 checksum (indicated, flagged failed).
    pub checksum_errors: u64,
    /// NBLs handed to `return_nbls` that are not ours (left untouched, returned to the caller).
    pub foreign_returns: u64,
    /// Our NBLs returned while not lent (a double return; ignored).
    pub double_returns: u64,
    /// Buffers the ring or the NBL table refused (an engine bug; never expected).
    pub internal_errors: u64,
    /// Frames received while indications were off ([`RxEngine::set_indicate`]; NDIS packet
    /// filter 0): dropped, their buffers reposted.
    pub filtered: u64,
    /// Multi-buffer frames dropped (every buffer re-posted): a buffer of it had an error, it
    /// was longer than `max_frame`, or a non-last buffer was not full (hostile write-back).
    pub dropped_frames: u64,
    /// Frames indicated that spanned more than one buffer.
    pub multi_buffer_frames: u64,
}

/// One DPC pass's receive indication.
pub struct RxIndication {
    /// The NBLs, for one `NdisMIndicateReceiveNetBufferLists` (empty: no call).
    pub chain: NblChain,
    /// `NDIS_RECEIVE_FLAGS_*` to pass (DISPATCH_LEVEL always; RESOURCES when low: then call
    /// [`RxEngine::return_nbls`] with the chain right after the indicate call returns).
    pub flags: u32,
    /// The budget ran out: requeue the DPC.
    pub more: bool,
}

/// The receive engine of one queue.
pub struct RxEngine<D: DmaMemory, A: NblAllocator, Db: Doorbell> {
    ring: RxRing<D, u16, Db>,
    nbls: ReceiveNbls<A, D>,
    spare: Vec<u16>,
    /// The frame being assembled: buffers received so far (no EOP yet). Kept across passes,
    /// so a frame may straddle a budget boundary. Preallocated (one slot per buffer).
    assembly: Assembly,
    config: RxConfig,
    counters: RxCounters,
    indicate: bool,
}

/// A multi-buffer frame in progress (see [`RxEngine`]).
struct Assembly {
    buffers: Vec<usize>,
    length: u32,
    /// The frame is being dropped: its remaining buffers are re-posted up to its EOP.
    discarding: bool,
}

impl Assembly {
    /// Ends the frame in progress: its buffers go to `spare`.
    fn abandon(&mut self, spare: &mut Vec<u16>) {
        for index in self.buffers.drain(..) {
            if spare.len() < spare.capacity() {
                spare.push(index as u16);
            }
        }
        self.length = 0;
    }
}

impl<D: DmaMemory, A: NblAllocator, Db: Doorbell> RxEngine<D, A, Db> {
    /// An engine over `ring` (programmed by the caller with SRRCTL ≥ every buffer's length),
    /// with `buffers` (each becomes one NBL; more buffers than ring slots leave spares for
    /// when NDIS holds some). Posts as many as fit and writes the tail once. PASSIVE.
    pub fn new(
        mut ring: RxRing<D, u16, Db>,
        buffers: Vec<D>,
        allocator: A,
        config: RxConfig,
    ) -> Result<Self, NDIS_STATUS> {
        let count = buffers.len();
        if count == 0 || count > usize::from(u16::MAX) {
            return Err(NDIS_STATUS_INVALID_PARAMETER);
        }
        let mut nbls = ReceiveNbls::new(allocator, count).map_err(|e| e.status())?;
        let mut spare = Vec::new();
        spare
            .try_reserve_exact(count)
            .map_err(|_| NDIS_STATUS_RESOURCES)?;
        let mut assembly = Vec::new();
        assembly
            .try_reserve_exact(count)
            .map_err(|_| NDIS_STATUS_RESOURCES)?;
        // A frame needing more buffers than fit in the ring could never complete.
        ring.set_multi_buffer(true);
        for buffer in buffers {
            nbls.add(buffer).map_err(|e| e.status())?;
        }
        for index in (0..count as u16).rev() {
            spare.push(index);
        }
        let mut engine = Self {
            ring: {
                ring.flush();
                ring
            },
            nbls,
            spare,
            assembly: Assembly {
                buffers: assembly,
                length: 0,
                discarding: false,
            },
            config,
            counters: RxCounters::default(),
            indicate: true,
        };
        engine.refill();
        engine.ring.flush();
        Ok(engine)
    }

    /// Counters.
    pub const fn counters(&self) -> RxCounters {
        self.counters
    }

    /// The ring.
    pub const fn ring(&self) -> &RxRing<D, u16, Db> {
        &self.ring
    }

    /// Applies a new 802.1Q policy: frames indicated from the next pass on report only the
    /// enabled parts of a stripped tag. DISPATCH-safe (under the queue lock).
    pub fn set_vlan_policy(&mut self, vlan: VlanPolicy) {
        self.config.vlan = vlan;
    }

    /// Buffers held by NDIS (indicated, not returned).
    pub const fn outstanding(&self) -> usize {
        self.nbls.lent()
    }

    /// Applies a new set of enabled offloads: frames indicated from the next pass on carry
    /// checksum results only for enabled Rx offloads. DISPATCH-safe (under the queue lock).
    pub fn set_offloads(&mut self, offloads: OffloadConfig) {
        self.config.offloads = offloads;
    }

    /// Whether received frames are indicated. Off (NDIS: the packet filter is 0, when a
    /// miniport must not indicate receives, N/oid-gen-current-packet-filter.md), frames still
    /// in the ring are dropped, counted in [`RxCounters::filtered`] and their buffers
    /// reposted. DISPATCH-safe (under the queue lock).
    pub fn set_indicate(&mut self, indicate: bool) {
        self.indicate = indicate;
    }

    /// Buffers not posted and not lent.
    pub fn spare(&self) -> usize {
        self.spare.len()
    }

    /// The Rx DPC's work: up to `budget` frames into one chain (checksum, VLAN, RSS hash in the
    /// NBL info), buffers re-posted from the spares, one tail write. DISPATCH.
    pub fn poll(&mut self, budget: usize) -> RxIndication {
        let mut chain = NblChain::new();
        let (nbls, spare, counters, assembly) = (
            &mut self.nbls,
            &mut self.spare,
            &mut self.counters,
            &mut self.assembly,
        );
        let config = self.config;
        let indicate = self.indicate;
        let delivered = self.ring.receive_events(budget, |event| {
            let packet = match event {
                RxEvent::Packet(packet) => packet,
                RxEvent::Rejected { end_of_packet, .. } => {
                    // The ring re-posted the bad buffer; the frame it belonged to is lost,
                    // and its later buffers (if it had no EOP) are dropped too.
                    if !assembly.buffers.is_empty() || assembly.discarding {
                        counters.dropped_frames = counters.dropped_frames.wrapping_add(1);
                    }
                    assembly.abandon(spare);
                    assembly.discarding = !end_of_packet;
                    return;
                }
            };
            let index = usize::from(packet.token);
            let eop = packet.info.end_of_packet;
            if assembly.discarding {
                if spare.len() < spare.capacity() {
                    spare.push(packet.token);
                }
                assembly.discarding = !eop;
                return;
            }
            if !indicate {
                // Packet filter 0: the frame is dropped (counted once), its buffers reposted;
                // a frame in progress goes too, and later buffers of this one are discarded.
                counters.filtered = counters.filtered.wrapping_add(1);
                assembly.abandon(spare);
                if spare.len() < spare.capacity() {
                    spare.push(packet.token);
                }
                assembly.discarding = !eop;
                return;
            }
            let capacity = nbls.region(index).map_or(0, |region| region.len());
            let length = u32::from(packet.info.length);
            let total = assembly.length.checked_add(length);
            // The device fills a buffer before it moves to the next (7.1.5): a short non-last
            // buffer is a hostile write-back, and the frame may not exceed the configured max.
            let broken = (!eop && length as usize != capacity)
                || total.is_none_or(|total| total > config.max_frame)
                || assembly.buffers.len() >= assembly.buffers.capacity();
            if broken {
                counters.dropped_frames = counters.dropped_frames.wrapping_add(1);
                assembly.abandon(spare);
                if spare.len() < spare.capacity() {
                    spare.push(packet.token);
                }
                assembly.discarding = !eop;
                return;
            }
            assembly.buffers.push(index);
            assembly.length = total.unwrap_or(0);
            if !eop {
                return;
            }
            // Status and offload results are valid in the EOP descriptor only (§4.2).
            let mut frame = packet.info;
            frame.length = 0;
            let mut info = receive_info(&frame, &config.offloads, &config.vlan);
            info.length = assembly.length;
            if packet.info.ip_checksum == Checksum::Bad || packet.info.l4_checksum == Checksum::Bad
            {
                counters.checksum_errors = counters.checksum_errors.wrapping_add(1);
            }
            if nbls.lend_chain(&assembly.buffers, &info, &mut chain) {
                counters.frames = counters.frames.wrapping_add(1);
                counters.bytes = counters.bytes.wrapping_add(u64::from(assembly.length));
                if assembly.buffers.len() > 1 {
                    counters.multi_buffer_frames = counters.multi_buffer_frames.wrapping_add(1);
                }
                assembly.buffers.clear();
                assembly.length = 0;
            } else {
                counters.internal_errors = counters.internal_errors.wrapping_add(1);
                assembly.abandon(spare);
            }
        });
        self.refill();
        self.ring.flush();
        let mut flags = NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL;
        if !chain.is_empty() && self.ring.posted() < self.config.low_water {
            flags |= NDIS_RECEIVE_FLAGS_RESOURCES;
            self.counters.low_resource_indications =
                self.counters.low_resource_indications.wrapping_add(1);
        }
        RxIndication {
            chain,
            flags,
            more: delivered >= budget,
        }
    }

    /// `MiniportReturnNetBufferLists` (or the chain of a RESOURCES indication): re-posts the
    /// buffers, one tail write. NBLs that are not ours come back untouched. DISPATCH-safe.
    pub fn return_nbls(&mut self, mut chain: NblChain) -> NblChain {
        let mut foreign = NblChain::new();
        while let Some(nbl) = chain.pop_owned() {
            let spare = &mut self.spare;
            // Every buffer of the frame (one NBL may carry several) goes back to the spares,
            // posted below.
            match self.nbls.reclaim(nbl, |index| {
                if spare.len() < spare.capacity() {
                    spare.push(index as u16);
                }
            }) {
                Ok(_) => {}
                Err(ReclaimError::Foreign(nbl)) => {
                    self.counters.foreign_returns = self.counters.foreign_returns.wrapping_add(1);
                    foreign.push_owned(nbl);
                }
                Err(ReclaimError::NotLent(_)) => {
                    self.counters.double_returns = self.counters.double_returns.wrapping_add(1);
                }
            }
        }
        self.refill();
        self.ring.flush();
        foreign
    }

    /// After the queue is stopped (reset, removal, re-configuration): takes every posted buffer
    /// off the ring (to the spares) and restarts it at 0; lent buffers stay lent. Then
    /// [`RxEngine::restart`] once the queue is programmed again.
    pub fn drain(&mut self) {
        // A frame half-received when the queue stopped never completes.
        self.assembly.abandon(&mut self.spare);
        self.assembly.discarding = false;
        let spare = &mut self.spare;
        self.ring.drain(|index| {
            if spare.len() < spare.capacity() {
                spare.push(index);
            }
        });
    }

    /// Posts the spares onto the (re-programmed) ring, one tail write.
    pub fn restart(&mut self) {
        self.refill();
        self.ring.flush();
    }

    fn refill(&mut self) {
        while self.ring.free_slots() > 0 {
            let Some(index) = self.spare.pop() else {
                return;
            };
            if !self.post(index) {
                self.spare.push(index);
                return;
            }
        }
    }

    fn post(&mut self, index: u16) -> bool {
        let Some(region) = self.nbls.region(usize::from(index)) else {
            self.counters.internal_errors = self.counters.internal_errors.wrapping_add(1);
            return false;
        };
        let (addr, len) = (region.dma_addr(), region.len() as u32);
        match self.ring.post(addr, len, index) {
            Ok(()) => true,
            Err(_) => {
                self.counters.internal_errors = self.counters.internal_errors.wrapping_add(1);
                false
            }
        }
    }
}

/// NDIS RSS hash types (ntddndis.h `NDIS_HASH_*`) and the Toeplitz function.
const NDIS_HASH_FUNCTION_TOEPLITZ: u32 = 0x1;
const NDIS_HASH_IPV4: u32 = 0x100;
const NDIS_HASH_TCP_IPV4: u32 = 0x200;
const NDIS_HASH_IPV6: u32 = 0x400;
const NDIS_HASH_IPV6_EX: u32 = 0x800;
const NDIS_HASH_TCP_IPV6: u32 = 0x1000;
const NDIS_HASH_TCP_IPV6_EX: u32 = 0x2000;

/// Packet-type bits of the write-back (dword 0 bits 15:4, Linux `E1000_RXDADV_PKTTYPE_*`
/// shifted down by 4).
const PKTTYPE_TCP: u16 = 0x10;
const PKTTYPE_UDP: u16 = 0x20;

/// Packet-type bits for the IP version (Linux `E1000_RXDADV_PKTTYPE_IPV4/_EX`, `_IPV6/_EX`,
/// shifted down by 4 like [`PKTTYPE_TCP`]).
const PKTTYPE_IPV4_ANY: u16 = 0x01 | 0x02;
const PKTTYPE_IPV6_ANY: u16 = 0x04 | 0x08;

/// The write-back's checksum results limited to the Rx offloads `enabled`. The family comes
/// from the packet type; without one (QEMU does not report it) a frame with an IPv4 header
/// checksum result is IPv4, and otherwise an L4 result is kept only if it is enabled for both
/// families (never a result for an offload that is off).
fn enabled_results(frame: &RxFrameInfo, enabled: &OffloadConfig) -> RxFrameInfo {
    let mut frame = *frame;
    let reported_v4 = frame.packet_type & PKTTYPE_IPV4_ANY != 0;
    let reported_v6 = frame.packet_type & PKTTYPE_IPV6_ANY != 0;
    let ipv4 = reported_v4 || (!reported_v6 && frame.ip_checksum != Checksum::NotChecked);
    let ipv6 = reported_v6;
    if !(ipv4 && enabled.ipv4_header.rx) {
        frame.ip_checksum = Checksum::NotChecked;
    }
    let tcp = frame.packet_type & PKTTYPE_TCP != 0;
    let udp = frame.packet_type & PKTTYPE_UDP != 0;
    let (tcp, udp) = if tcp || udp { (tcp, udp) } else { (true, true) };
    let rx = |v4: bool, v6: bool| {
        if ipv4 {
            v4
        } else if ipv6 {
            v6
        } else {
            v4 && v6
        }
    };
    let tcp_on = rx(enabled.tcp_ipv4.rx, enabled.tcp_ipv6.rx);
    let udp_on = rx(enabled.udp_ipv4.rx, enabled.udp_ipv6.rx);
    // Protocol unknown (both flags): only when both are on.
    let l4_on = match (tcp, udp) {
        (true, false) => tcp_on,
        (false, true) => udp_on,
        _ => tcp_on && udp_on,
    };
    if !l4_on {
        frame.l4_checksum = Checksum::NotChecked;
    }
    frame
}

/// The NBL info for a validated write-back.
fn receive_info(frame: &RxFrameInfo, enabled: &OffloadConfig, vlan: &VlanPolicy) -> ReceiveInfo {
    if frame.ip_checksum == Checksum::NotChecked
        && frame.l4_checksum == Checksum::NotChecked
        && frame.vlan.is_none()
        && frame.rss_type == 0
    {
        // Nothing reported (no checksum result, no stripped tag, no RSS type): every slot is
        // 0, as the full path below would compute, without its per-field decisions.
        return ReceiveInfo {
            length: u32::from(frame.length),
            checksum: NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(0),
            vlan: NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(0),
            hash_value: 0,
            hash_info: 0,
        };
    }
    let frame = &enabled_results(frame, enabled);
    let mut checksum = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(0);
    match frame.ip_checksum {
        Checksum::Good => checksum = checksum.with_Receive_IpChecksumSucceeded(1),
        Checksum::Bad => checksum = checksum.with_Receive_IpChecksumFailed(1),
        Checksum::NotChecked => {}
    }
    // TCP vs UDP from the packet type; when the device did not report it (QEMU, the model),
    // both flags are set: the stack reads the one of the frame's protocol.
    let tcp = frame.packet_type & PKTTYPE_TCP != 0;
    let udp = frame.packet_type & PKTTYPE_UDP != 0;
    let (tcp, udp) = if tcp || udp { (tcp, udp) } else { (true, true) };
    match frame.l4_checksum {
        Checksum::Good => {
            if tcp {
                checksum = checksum.with_Receive_TcpChecksumSucceeded(1);
            }
            if udp {
                checksum = checksum.with_Receive_UdpChecksumSucceeded(1);
            }
        }
        Checksum::Bad => {
            if tcp {
                checksum = checksum.with_Receive_TcpChecksumFailed(1);
            }
            if udp {
                checksum = checksum.with_Receive_UdpChecksumFailed(1);
            }
        }
        Checksum::NotChecked => {}
    }
    let vlan = match frame.vlan {
        Some(tci) => {
            let (priority, cfi, vid) = vlan.rx_fields(tci);
            NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(0)
                .with_VlanId(vid)
                .with_CanonicalFormatId(cfi)
                .with_UserPriority(priority)
        }
        None => NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(0),
    };
    // RSS type (82576 datasheet 7.1.2.8 / 8.10 write-back RSS Type): 1 TCP/IPv4, 2 IPv4,
    // 3 TCP/IPv6, 4 IPv6Ex, 5 IPv6, 6 TCP/IPv6Ex, 7..9 UDP (reported as the IP type).
    let hash_type = match frame.rss_type {
        1 => NDIS_HASH_TCP_IPV4,
        2 | 7 => NDIS_HASH_IPV4,
        3 => NDIS_HASH_TCP_IPV6,
        4 | 9 => NDIS_HASH_IPV6_EX,
        5 | 8 => NDIS_HASH_IPV6,
        6 => NDIS_HASH_TCP_IPV6_EX,
        _ => 0,
    };
    let (hash_value, hash_info) = if hash_type == 0 {
        (0, 0)
    } else {
        (frame.rss_hash, hash_type | NDIS_HASH_FUNCTION_TOEPLITZ)
    };
    ReceiveInfo {
        length: u32::from(frame.length),
        checksum,
        vlan,
        hash_value,
        hash_info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(packet_type: u16, ip: Checksum, l4: Checksum) -> RxFrameInfo {
        RxFrameInfo {
            length: 60,
            vlan: None,
            rss_hash: 0,
            rss_type: 0,
            packet_type,
            ip_checksum: ip,
            l4_checksum: l4,
            looped_back: false,
            end_of_packet: true,
        }
    }

    #[test]
    fn results_are_reported_only_for_enabled_rx_offloads() {
        let tcp_v4 = frame(0x11, Checksum::Good, Checksum::Good);
        let all = receive_info(&tcp_v4, &OffloadConfig::ALL, &VlanPolicy::default()).checksum;
        assert_eq!(all.Receive_TcpChecksumSucceeded(), 1);
        assert_eq!(all.Receive_IpChecksumSucceeded(), 1);
        let mut enabled = OffloadConfig::ALL;
        enabled.tcp_ipv4.rx = false;
        let info = receive_info(&tcp_v4, &enabled, &VlanPolicy::default()).checksum;
        assert_eq!(info.Receive_TcpChecksumSucceeded(), 0);
        assert_eq!(info.Receive_IpChecksumSucceeded(), 1);
        // IPv6 TCP still reported with IPv4 TCP off.
        let tcp_v6 = frame(0x14, Checksum::NotChecked, Checksum::Bad);
        assert_eq!(
            receive_info(&tcp_v6, &enabled, &VlanPolicy::default())
                .checksum
                .Receive_TcpChecksumFailed(),
            1
        );
        enabled.tcp_ipv6.rx = false;
        assert_eq!(
            receive_info(&tcp_v6, &enabled, &VlanPolicy::default())
                .checksum
                .value(),
            0
        );
        // No packet type (QEMU): an IP result makes it IPv4; an L4-only result needs both
        // families on.
        let mut enabled = OffloadConfig::ALL;
        enabled.udp_ipv6.rx = false;
        let bare = frame(0, Checksum::NotChecked, Checksum::Good);
        let info = receive_info(&bare, &enabled, &VlanPolicy::default()).checksum;
        assert_eq!(info.Receive_UdpChecksumSucceeded(), 0);
        assert_eq!(info.Receive_TcpChecksumSucceeded(), 0);
        assert_eq!(
            receive_info(&bare, &OffloadConfig::ALL, &VlanPolicy::default())
                .checksum
                .Receive_TcpChecksumSucceeded(),
            1
        );
        enabled.ipv4_header.rx = false;
        let v4 = frame(0, Checksum::Good, Checksum::NotChecked);
        assert_eq!(
            receive_info(&v4, &enabled, &VlanPolicy::default())
                .checksum
                .value(),
            0
        );
    }
    #[test]
    fn each_reported_field_alone_leaves_the_nothing_reported_path() {
        let policy = VlanPolicy::default();
        let none = frame(0, Checksum::NotChecked, Checksum::NotChecked);
        let info = receive_info(&none, &OffloadConfig::ALL, &policy);
        assert_eq!(
            (info.length, info.checksum.value(), info.vlan.value()),
            (60, 0, 0)
        );
        assert_eq!((info.hash_value, info.hash_info), (0, 0));
        let tagged = RxFrameInfo {
            vlan: Some(0x2005),
            ..none
        };
        let info = receive_info(&tagged, &OffloadConfig::ALL, &policy);
        assert_eq!((info.vlan.VlanId(), info.vlan.UserPriority()), (5, 1));
        let hashed = RxFrameInfo {
            rss_type: 2,
            rss_hash: 0xABCD,
            ..none
        };
        let info = receive_info(&hashed, &OffloadConfig::ALL, &policy);
        assert_eq!(
            (info.hash_value, info.hash_info),
            (0xABCD, NDIS_HASH_IPV4 | NDIS_HASH_FUNCTION_TOEPLITZ)
        );
        let ip_only = frame(0, Checksum::Bad, Checksum::NotChecked);
        let info = receive_info(&ip_only, &OffloadConfig::ALL, &policy);
        assert_eq!(info.checksum.Receive_IpChecksumFailed(), 1);
        let l4_only = frame(0, Checksum::NotChecked, Checksum::Good);
        let info = receive_info(&l4_only, &OffloadConfig::ALL, &policy);
        assert_eq!(info.checksum.Receive_UdpChecksumSucceeded(), 1);
    }
}
