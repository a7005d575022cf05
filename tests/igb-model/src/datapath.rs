//! Tx descriptor processing, anti-spoofing, the internal L2 switch and Rx placement
//! (igb-hardware.md §4 descriptors, §6 switching/filtering).

use igb::ids::Generation;

use crate::net;
use crate::regs as r;
use crate::state::{MAX_TX_FRAME, NUM_POOLS, State, WIRE_LOG_LIMIT, WireDirection, WireRecord};

/// Where a frame entering the Rx classifier comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The wire port.
    Wire,
    /// The internal switch, sent by this pool.
    Pool(u8),
}

/// Result of VMDq classification.
#[derive(Clone, Copy, Debug, Default)]
struct Classification {
    /// Pools that receive a copy.
    pools: u8,
    /// Pools dropped only because of their per-pool length limit.
    oversize_pools: u8,
    /// Exact RAR hit for a unicast destination (decides "internal only" on Tx, §6).
    unicast_rar_hit: bool,
}

fn mta_hash(mac: &[u8; 6], mo: u32) -> usize {
    let (a, b) = (u16::from(mac[4]), u16::from(mac[5]));
    let value = match mo & 3 {
        0 => (a >> 4) | (b << 4),
        1 => (a >> 3) | (b << 5),
        2 => (a >> 2) | (b << 6),
        _ => a | (b << 8),
    };
    usize::from(value & 0xFFF)
}

impl State {
    fn table_bit(&self, base: u32, index: usize) -> bool {
        self.reg(base + 4 * (index as u32 >> 5)) & (1 << (index & 31)) != 0
    }

    fn rar(&self, index: usize) -> (u32, u32) {
        let ral = if index < 16 {
            r::RAL0 + 8 * index as u32
        } else {
            r::RAL16 + 8 * (index as u32 - 16)
        };
        (self.reg(ral), self.reg(ral + 4))
    }

    /// Pools (POOLSEL bits) of every valid RAR entry equal to `mac`, and whether any matched.
    fn rar_lookup(&self, mac: &[u8; 6]) -> (u8, bool) {
        let mut pools = 0u8;
        let mut hit = false;
        for index in 0..self.num_rar() {
            let (ral, rah) = self.rar(index);
            if rah & r::RAH_AV == 0 {
                continue;
            }
            let low = ral.to_le_bytes();
            let high = rah.to_le_bytes();
            if mac[..4] == low && mac[4..] == high[..2] {
                hit = true;
                pools |= ((rah >> r::RAH_POOLSEL_SHIFT) & 0xFF) as u8;
            }
        }
        (pools, hit)
    }

    fn pools_with(&self, vmolr_bit: u32) -> u8 {
        (0..NUM_POOLS as u32)
            .filter(|&p| self.reg(r::VMOLR0 + 4 * p) & vmolr_bit != 0)
            .fold(0u8, |acc, p| acc | (1 << p))
    }

    fn vlvf_pools(&self, vid: u16) -> u8 {
        (0..32u32)
            .map(|i| self.reg(r::VLVF0 + 4 * i))
            .filter(|v| v & r::VLVF_VI_EN != 0 && (v & r::VLVF_VID_MASK) as u16 == vid & 0xFFF)
            .fold(0u8, |acc, v| {
                acc | ((v >> r::VLVF_POOLSEL_SHIFT) & 0xFF) as u8
            })
    }

    fn vet(&self) -> u16 {
        (self.reg(r::VET) & 0xFFFF) as u16
    }

    fn default_max_frame(tagged: bool) -> usize {
        1518 + if tagged { 4 } else { 0 }
    }

    /// VMDq pool selection (§6 steps 2–5).
    fn classify_vmdq(&self, frame: &[u8], source: Source) -> Classification {
        let dst = net::dst_mac(frame);
        let tci = net::vlan_tci(frame, self.vet());
        let vt_ctl = self.reg(r::VT_CTL);
        let default_pool = ((vt_ctl >> r::VT_CTL_DEF_PL_SHIFT) & 7) as u8;
        let default_enabled = vt_ctl & r::VT_CTL_DIS_DEF_POOL == 0;
        let rctl = self.reg(r::RCTL);
        let mo = (rctl >> 12) & 3;
        let mut hit_any_rar = false;
        let multicast = net::is_multicast(&dst);
        let broadcast = net::is_broadcast(&dst);
        let mut class = Classification::default();
        let mut pools;
        if broadcast {
            pools = self.pools_with(r::VMOLR_BAM);
        } else {
            let (rar_pools, hit) = self.rar_lookup(&dst);
            pools = rar_pools;
            hit_any_rar = hit;
            class.unicast_rar_hit = hit && !multicast;
            if multicast {
                if !hit && self.table_bit(r::MTA0, mta_hash(&dst, mo)) {
                    pools |= self.pools_with(r::VMOLR_ROMPE);
                }
                pools |= self.pools_with(r::VMOLR_MPME);
            } else {
                if !hit && self.table_bit(r::UTA0, mta_hash(&dst, mo)) {
                    pools |= self.pools_with(r::VMOLR_ROPE);
                }
                if self.generation == Generation::I350 {
                    pools |= self.pools_with(r::VMOLR_UPE);
                }
            }
        }
        // Step 3: per-pool VLAN filtering (applied when RCTL.VFE is set, as QEMU does).
        if self.reg(r::RCTL) & r::RCTL_VFE != 0 {
            pools &= match tci {
                Some(tci) => self.vlvf_pools(tci & 0xFFF),
                None => self.pools_with(r::VMOLR_AUPE),
            };
        }
        // Step 4: unmatched unicast from the wire goes to the default pool, but only if it
        // passed the global L2 address filter first (82576 datasheet 7.1.1: exact RAR match or
        // unicast promiscuous RCTL.UPE; 7.10.3.3: pool selection runs on packets the L2 filter
        // accepted). An unknown unicast without RCTL.UPE is dropped, not handed to the PF; a
        // RAR hit whose POOLSEL is empty did pass the L2 filter. Linux `igb_set_rx_mode` sets
        // RCTL.UPE for IFF_PROMISC for exactly this reason.
        let l2_accepted = hit_any_rar || rctl & r::RCTL_UPE != 0;
        if !multicast && pools == 0 && source == Source::Wire && default_enabled && l2_accepted {
            pools = 1 << default_pool;
        }
        // Replication off: broadcast/multicast reach the default pool only (interpretation,
        // see README).
        if multicast && self.reg(r::VT_CTL) & r::VT_CTL_REPL_EN == 0 {
            pools = if default_enabled {
                pools & (1 << default_pool)
            } else {
                0
            };
        }
        // The sender does not get its own frame back unless its local-loopback bit is set.
        if let Source::Pool(p) = source {
            if self.switch_ctl() & (1 << (r::TXSWC_LLE_SHIFT + u32::from(p))) == 0 {
                pools &= !(1 << p);
            }
        }
        pools &= (self.reg(r::VFRE) & 0xFF) as u8;
        // Step 5: per-pool long packet limits (length includes the 4-byte CRC).
        let len_with_crc = frame.len() + 4;
        for p in 0..NUM_POOLS as u32 {
            if pools & (1 << p) == 0 {
                continue;
            }
            let vmolr = self.reg(r::VMOLR0 + 4 * p);
            let max = if vmolr & r::VMOLR_LPE != 0 {
                (vmolr & r::VMOLR_RLPML_MASK) as usize
            } else {
                Self::default_max_frame(tci.is_some())
            };
            if len_with_crc > max {
                pools &= !(1 << p);
                class.oversize_pools |= 1 << p;
            }
        }
        class.pools = pools;
        class
    }

    /// Legacy (non-VMDq) acceptance: RAR / MTA / RCTL promiscuous bits.
    fn accept_legacy(&self, frame: &[u8]) -> bool {
        let dst = net::dst_mac(frame);
        let rctl = self.reg(r::RCTL);
        if net::is_broadcast(&dst) {
            return rctl & r::RCTL_BAM != 0;
        }
        let (_, hit) = self.rar_lookup(&dst);
        if hit {
            return true;
        }
        if net::is_multicast(&dst) {
            rctl & r::RCTL_MPE != 0 || self.table_bit(r::MTA0, mta_hash(&dst, (rctl >> 12) & 3))
        } else {
            rctl & r::RCTL_UPE != 0
        }
    }

    // ---- wire port ----------------------------------------------------------------------

    fn log_wire(&mut self, direction: WireDirection, data: &[u8]) {
        use hw_platform::Clock;
        if self.wire_log.len() < WIRE_LOG_LIMIT {
            let time = self.clock.now();
            self.wire_log.push(WireRecord {
                time,
                direction,
                data: data.to_vec(),
            });
        }
    }

    /// Logs an inbound frame that the MAC then drops (bad CRC).
    pub(crate) fn log_wire_inbound(&mut self, frame: &[u8]) {
        self.log_wire(WireDirection::Inbound, frame);
    }

    /// A frame arriving from the wire.
    pub fn receive_from_wire(&mut self, frame: &[u8]) {
        if self.removed {
            return;
        }
        if self.link.is_none() {
            self.counters.rx_link_down_drops += 1;
            return;
        }
        self.log_wire(WireDirection::Inbound, frame);
        if frame.len() < net::ETH_ZLEN {
            // A runt (under 64 bytes with CRC): dropped by the MAC, counted in RUC and RLEC
            // (82576 datasheet 8.19.x "Receive Undersize Count", "Receive Length Error").
            self.stats.ruc += 1;
            self.stats.rlec += 1;
            self.counters.rx_undersize_drops += 1;
            return;
        }
        self.receive(frame, Source::Wire);
    }

    fn send_to_wire(&mut self, frame: Vec<u8>) {
        if self.link.is_none() {
            self.counters.tx_link_down_drops += 1;
            return;
        }
        self.log_wire(WireDirection::Outbound, &frame);
        self.counters.tx_to_wire += 1;
        self.wire_out.push(frame);
    }

    // ---- Rx -------------------------------------------------------------------------------

    /// Runs the Rx classifier and places copies in the selected queues. Returns the pools that
    /// got a copy.
    pub(crate) fn receive(&mut self, frame: &[u8], source: Source) -> u8 {
        if frame.len() < net::ETH_HLEN {
            self.counters.rx_no_match_drops += 1;
            return 0;
        }
        if self.reg(r::RCTL) & r::RCTL_EN == 0 {
            self.counters.rx_disabled_drops += 1;
            return 0;
        }
        self.stats.tpr += 1;
        let vet = self.vet();
        let tci = net::vlan_tci(frame, vet);
        let rctl = self.reg(r::RCTL);
        // §6 step 1: global length limit and VLAN filter table.
        let global_max = if rctl & r::RCTL_LPE != 0 {
            (self.reg(r::RLPML) & 0x3FFF) as usize
        } else {
            Self::default_max_frame(tci.is_some())
        };
        if frame.len() + 4 > global_max {
            self.stats.roc += 1;
            self.stats.rlec += 1;
            self.counters.rx_oversize_drops += 1;
            return 0;
        }
        if let Some(tci) = tci {
            if rctl & r::RCTL_VFE != 0 && !self.table_bit(r::VFTA0, usize::from(tci & 0xFFF)) {
                self.counters.rx_vlan_filter_drops += 1;
                return 0;
            }
        }
        let dst = net::dst_mac(frame);
        let replicated = net::is_multicast(&dst);
        let mut delivered_pools = 0u8;
        let mut delivered_any = false;
        if self.vmdq_enabled() {
            let class = self.classify_vmdq(frame, source);
            if class.pools == 0 {
                if class.oversize_pools != 0 {
                    self.stats.roc += 1;
                    self.stats.rlec += 1;
                    self.counters.rx_oversize_drops += 1;
                } else {
                    self.counters.rx_no_match_drops += 1;
                }
                return 0;
            }
            for pool in 0..NUM_POOLS as u8 {
                if class.pools & (1 << pool) == 0 {
                    continue;
                }
                // RSS inside a pool is not modelled: the pool's first queue (README).
                let Some(queue) = self.pool_queue(pool, 0) else {
                    continue;
                };
                if self.write_rx(queue, Some(pool), frame, replicated, source, None) {
                    delivered_pools |= 1 << pool;
                    delivered_any = true;
                }
            }
        } else {
            if !self.accept_legacy(frame) {
                self.counters.rx_no_match_drops += 1;
                return 0;
            }
            // Plain RSS mode: the Toeplitz hash picks the queue through RETA (§4.2 write-back
            // carries hash and type); otherwise queue 0.
            let rss = self.rss(frame);
            let queue = rss.map_or(0, |(hash, _)| self.reta_queue(hash));
            delivered_any = self.write_rx(queue, None, frame, replicated, source, rss);
        }
        if delivered_any {
            self.stats.gprc += 1;
            self.stats.gorc += frame.len() as u64 + 4;
            if net::is_broadcast(&dst) {
                self.stats.bprc += 1;
            } else if replicated {
                self.stats.mprc += 1;
            }
        }
        delivered_pools
    }

    /// Buffer length of an Rx descriptor of `queue` (for `dma_may_target`).
    pub(crate) fn rx_buffer_len(&self, queue: usize) -> u64 {
        self.rx_buffer_size(queue) as u64
    }

    fn rx_buffer_size(&self, queue: usize) -> usize {
        let srrctl = self.qreg(true, queue, r::Q_SRRCTL);
        let kib = (srrctl & r::SRRCTL_BSIZEPKT_MASK) as usize;
        if kib != 0 {
            return kib * 1024;
        }
        match (self.reg(r::RCTL) >> r::RCTL_BSIZE_SHIFT) & 3 {
            0 => 2048,
            1 => 1024,
            2 => 512,
            _ => 256,
        }
    }

    fn strip_vlan_for(&self, pool: Option<u8>, replicated: bool) -> bool {
        let Some(pool) = pool else {
            return self.reg(r::CTRL) & r::CTRL_VME != 0;
        };
        match self.generation {
            Generation::I82576 if replicated => self.reg(r::RPLOLR) & r::RPLOLR_STRVLAN != 0,
            Generation::I82576 => self.reg(r::VMOLR0 + 4 * u32::from(pool)) & r::VMOLR_STRVLAN != 0,
            Generation::I350 => self.qreg(true, usize::from(pool), 0x38) & r::DVMOLR_STRVLAN != 0,
        }
    }

    fn strip_crc_for(&self, pool: Option<u8>, replicated: bool) -> bool {
        let Some(pool) = pool else {
            return self.reg(r::RCTL) & r::RCTL_SECRC != 0;
        };
        match self.generation {
            Generation::I82576 if replicated => self.reg(r::RPLOLR) & r::RPLOLR_STRCRC != 0,
            Generation::I82576 => self.reg(r::VMOLR0 + 4 * u32::from(pool)) & r::VMOLR_STRCRC != 0,
            Generation::I350 => self.qreg(true, usize::from(pool), 0x38) & r::DVMOLR_STRCRC != 0,
        }
    }

    /// Places one copy of `frame` into Rx queue `queue`. Returns whether it was written.
    fn write_rx(
        &mut self,
        queue: usize,
        pool: Option<u8>,
        frame: &[u8],
        replicated: bool,
        source: Source,
        rss: Option<(u32, u32)>,
    ) -> bool {
        if self.qreg(true, queue, r::Q_DCTL) & r::DCTL_ENABLE == 0 {
            self.counters.rx_disabled_drops += 1;
            return false;
        }
        if !self.queue_may_dma(queue) {
            self.counters.dma_blocked += 1;
            return false;
        }
        let vet = self.vet();
        let layout = net::parse(frame, vet);
        let csum = net::check_rx(frame, &layout);
        let mut data = frame.to_vec();
        let mut status = r::RXD_STAT_DD | r::RXD_STAT_EOP;
        let mut vlan_field = 0u16;
        if self.strip_vlan_for(pool, replicated) {
            if let Some(tci) = net::strip_vlan(&mut data, vet) {
                status |= r::RXD_STAT_VP;
                vlan_field = tci;
            }
        }
        let looped_back = matches!(source, Source::Pool(_));
        if looped_back {
            status |= r::RXD_STAT_LB;
            if self.generation == Generation::I350 {
                // I350 quirk (§4.2): loop-backed frames carry the VLAN byte-swapped.
                vlan_field = vlan_field.swap_bytes();
            }
        }
        if !self.strip_crc_for(pool, replicated) {
            let crc = net::crc32(&data);
            data.extend_from_slice(&crc.to_le_bytes());
        }
        let rxcsum = self.reg(r::RXCSUM);
        let mut pkt_type = 0u32;
        if layout.ipv4_hlen.is_some() {
            pkt_type |= r::RXD_PKT_IPV4;
        } else if layout.ipv6 {
            pkt_type |= r::RXD_PKT_IPV6;
        }
        match layout.l4 {
            Some((net::PROTO_TCP, _)) => pkt_type |= r::RXD_PKT_TCP,
            Some((net::PROTO_UDP, _)) => pkt_type |= r::RXD_PKT_UDP,
            _ => {}
        }
        if csum.ip_checked && rxcsum & r::RXCSUM_IPOFLD != 0 {
            status |= r::RXD_STAT_IPCS;
            if csum.ip_bad {
                status |= r::RXD_ERR_IPE;
            }
        }
        if csum.l4_checked && rxcsum & r::RXCSUM_TUOFLD != 0 {
            status |= r::RXD_STAT_L4CS;
            if csum.udp {
                status |= r::RXD_STAT_UDPCS;
            }
            if csum.l4_bad {
                status |= r::RXD_ERR_L4E;
            }
        }

        // Ring state; hostile values (head/tail outside the ring) stop processing.
        let base = u64::from(self.qreg(true, queue, r::Q_BAL))
            | (u64::from(self.qreg(true, queue, r::Q_BAH)) << 32);
        let count = (self.qreg(true, queue, r::Q_LEN) / 16) as usize;
        let head = self.qreg(true, queue, r::Q_HEAD) as usize;
        let tail = self.qreg(true, queue, r::Q_TAIL) as usize;
        if count == 0 || head >= count || tail >= count {
            self.counters.bad_ring_state += 1;
            self.rx_no_descriptor(queue);
            return false;
        }
        let available = (tail + count - head) % count;
        let buffer = self.rx_buffer_size(queue);
        let needed = data.len().div_ceil(buffer).max(1);
        if needed > available {
            self.rx_no_descriptor(queue);
            return false;
        }
        let mut position = head;
        let chunks: Vec<&[u8]> = data.chunks(buffer).collect();
        let last_index = chunks.len().saturating_sub(1);
        for (index, chunk) in chunks.iter().enumerate() {
            let desc = base + 16 * position as u64;
            let buffer_addr = match self.dma_read_u64(desc) {
                Ok(addr) => addr,
                Err(fault) => {
                    self.dma_fault(fault);
                    return false;
                }
            };
            if let Err(fault) = self.bus.write(buffer_addr, chunk) {
                self.dma_fault(fault);
                return false;
            }
            let last = index == last_index;
            let mut chunk_status = if last { status } else { r::RXD_STAT_DD };
            // Buffer sizes are at most 127 KiB, but a length field is 16 bits: chunks are
            // bounded by `buffer`, and a > 64 KiB buffer would need a > 64 KiB frame (refused
            // by the length checks above).
            let mut chunk_len = chunk.len() as u16;
            let mut wb = [0u8; 16];
            let (rss_type, rss_hash) = rss.map_or((0, 0), |(hash, ty)| (ty, hash));
            let dword0 = if last { pkt_type | rss_type } else { 0 };
            wb[0..4].copy_from_slice(&dword0.to_le_bytes());
            // Dword 1: the RSS hash with RXCSUM.PCSD; without it the fragment checksum / IP id
            // (not modelled: 0).
            if last && rxcsum & r::RXCSUM_PCSD != 0 {
                wb[4..8].copy_from_slice(&rss_hash.to_le_bytes());
            }
            if last {
                // A test-injected bad write-back (the driver must validate, not trust, it).
                if let Some(c) = self.rx_corruption.take() {
                    chunk_len = c.length.unwrap_or(chunk_len);
                    chunk_status = (chunk_status | c.status_set) & !c.status_clear;
                }
            }
            wb[8..12].copy_from_slice(&chunk_status.to_le_bytes());
            wb[12..14].copy_from_slice(&chunk_len.to_le_bytes());
            let vlan = if last { vlan_field } else { 0 };
            wb[14..16].copy_from_slice(&vlan.to_le_bytes());
            if let Err(fault) = self.bus.write(desc, &wb) {
                self.dma_fault(fault);
                return false;
            }
            position = (position + 1) % count;
        }
        self.set_qreg(true, queue, r::Q_HEAD, position as u32);
        let qstats = &mut self.queue_stats[queue];
        qstats.rx_packets += 1;
        qstats.rx_bytes += data.len() as u64;
        if let Some(pool) = pool {
            let stats = &mut self.pool_stats[usize::from(pool)];
            let octets = frame.len() as u32;
            stats.gprc = stats.gprc.wrapping_add(1);
            stats.gorc = stats.gorc.wrapping_add(octets);
            if replicated {
                stats.mprc = stats.mprc.wrapping_add(1);
            }
            if looped_back {
                stats.gprlbc = stats.gprlbc.wrapping_add(1);
                stats.gorlbc = stats.gorlbc.wrapping_add(octets);
            }
        }
        self.raise_queue_interrupt(true, queue);
        true
    }

    /// Hash value and write-back RSS type of `frame` when MRQC selects plain RSS mode and one
    /// of its field enables matches (Microsoft RSS spec input order: source address,
    /// destination address, then source and destination port for TCP/UDP; fragments hash the
    /// addresses only).
    fn rss(&self, frame: &[u8]) -> Option<(u32, u32)> {
        let mrqc = self.reg(r::MRQC);
        if mrqc & 0b111 != r::MRQC_MODE_RSS {
            return None;
        }
        let layout = net::parse(frame, self.vet());
        let l3 = layout.l3;
        let (addrs, fields) = if layout.ipv4_hlen.is_some() {
            (
                frame.get(l3 + 12..l3 + 20)?,
                [
                    (r::MRQC_RSS_FIELD_IPV4_TCP, r::RXD_RSS_TCPV4),
                    (r::MRQC_RSS_FIELD_IPV4_UDP, r::RXD_RSS_UDPV4),
                    (r::MRQC_RSS_FIELD_IPV4, r::RXD_RSS_IPV4),
                ],
            )
        } else if layout.ipv6 {
            (
                frame.get(l3 + 8..l3 + 40)?,
                [
                    (r::MRQC_RSS_FIELD_IPV6_TCP, r::RXD_RSS_TCPV6),
                    (r::MRQC_RSS_FIELD_IPV6_UDP, r::RXD_RSS_UDPV6),
                    (r::MRQC_RSS_FIELD_IPV6, r::RXD_RSS_IPV6),
                ],
            )
        } else {
            return None;
        };
        let ports = match layout.l4 {
            Some((net::PROTO_TCP, l4)) => frame.get(l4..l4 + 4).map(|p| (0usize, p)),
            Some((net::PROTO_UDP, l4)) => frame.get(l4..l4 + 4).map(|p| (1usize, p)),
            _ => None,
        };
        let mut key = [0u8; 40];
        for (i, chunk) in key.chunks_mut(4).enumerate() {
            chunk.copy_from_slice(&self.reg(r::RSSRK0 + 4 * i as u32).to_le_bytes());
        }
        if let Some((which, p)) = ports {
            let (field, ty) = fields[which];
            if mrqc & field != 0 {
                let mut input = addrs.to_vec();
                input.extend_from_slice(p);
                return Some((toeplitz(&key, &input), ty));
            }
        }
        let (field, ty) = fields[2];
        (mrqc & field != 0).then(|| (toeplitz(&key, addrs), ty))
    }

    /// The Rx queue RETA maps `hash` to: entry `hash & 127`, low 3 bits (8 RSS queues on
    /// both generations; Linux igb `max_rss_queues`), within the queues that exist.
    fn reta_queue(&self, hash: u32) -> usize {
        let index = (hash & 0x7F) as usize;
        let word = self.reg(r::RETA0 + 4 * (index as u32 / 4));
        let entry = (word >> (8 * (index % 4))) & 0x7;
        (entry as usize).min(self.num_queues().saturating_sub(1))
    }

    fn rx_no_descriptor(&mut self, queue: usize) {
        self.counters.rx_no_descriptor_drops += 1;
        self.queue_stats[queue].rx_no_descriptor_drops += 1;
        self.stats.rnbc += 1;
        let drop_enabled = self.qreg(true, queue, r::Q_SRRCTL) & r::SRRCTL_DROP_EN != 0
            || self.reg(r::QDE) & (1 << queue) != 0;
        if drop_enabled {
            self.rqdpc[queue] = self.rqdpc[queue].wrapping_add(1);
        } else {
            // No FIFO is modelled: without drop enable the frame is a missed packet.
            self.stats.mpc += 1;
        }
    }

    // ---- Tx -------------------------------------------------------------------------------

    fn tx_allowed(&self, queue: usize) -> bool {
        if queue >= self.num_queues()
            || self.reg(r::TCTL) & r::TCTL_EN == 0
            || self.qreg(false, queue, r::Q_DCTL) & r::DCTL_ENABLE == 0
        {
            return false;
        }
        !self.vmdq_enabled() || self.reg(r::VFTE) & (1 << self.queue_pool(queue)) != 0
    }

    /// Processes Tx queue `queue` from TDH up to TDT (called on TDT/TXDCTL/TCTL/VFTE writes).
    pub(crate) fn kick_tx(&mut self, queue: usize) {
        if !self.tx_allowed(queue) {
            return;
        }
        if !self.queue_may_dma(queue) {
            // Bus Master off (or the device is gone): the ring is not fetched.
            self.counters.dma_blocked += 1;
            return;
        }
        let base = u64::from(self.qreg(false, queue, r::Q_BAL))
            | (u64::from(self.qreg(false, queue, r::Q_BAH)) << 32);
        let count = (self.qreg(false, queue, r::Q_LEN) / 16) as usize;
        let mut head = self.qreg(false, queue, r::Q_HEAD) as usize;
        let tail = self.qreg(false, queue, r::Q_TAIL) as usize;
        if count == 0 {
            return;
        }
        if head >= count || tail >= count {
            self.counters.bad_ring_state += 1;
            return;
        }
        let mut reported = false;
        // Bounded: at most one pass over the ring.
        for _ in 0..count {
            if head == tail {
                break;
            }
            let desc = base + 16 * head as u64;
            let mut raw = [0u8; 16];
            if let Err(fault) = self.bus.read(desc, &mut raw) {
                // Like an IOMMU fault: the descriptor is not processed and the queue stalls.
                self.dma_fault(fault);
                break;
            }
            let word = |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
            let addr = u64::from(word(0)) | (u64::from(word(4)) << 32);
            let cmd = word(8);
            let olinfo = word(12);
            let dtyp = (cmd >> r::TXD_DTYP_SHIFT) & 0xF;
            let extended = cmd & r::TXD_CMD_DEXT != 0;
            if extended && dtyp == r::TXD_DTYP_CONTEXT {
                let slot = ((olinfo >> 4) & 1) as usize;
                self.tx[queue].ctx[slot] = [word(0), word(4), word(8), word(12)];
            } else if extended && dtyp == r::TXD_DTYP_DATA {
                let len = (cmd & 0xFFFF) as usize;
                let mut data = vec![0u8; len];
                if let Err(fault) = self.bus.read(addr, &mut data) {
                    self.dma_fault(fault);
                    break;
                }
                let engine = &mut self.tx[queue];
                if !engine.in_frame {
                    engine.in_frame = true;
                    engine.first_cmd = cmd;
                    engine.first_olinfo = olinfo;
                    engine.partial.clear();
                }
                if engine.partial.len() + len > MAX_TX_FRAME {
                    self.counters.tx_malformed += 1;
                    engine.partial = Vec::new();
                    engine.in_frame = false;
                } else {
                    engine.partial.extend_from_slice(&data);
                    if cmd & r::TXD_CMD_EOP != 0 {
                        self.finish_tx_frame(queue);
                    }
                }
            } else {
                self.counters.tx_unsupported_descriptors += 1;
            }
            if cmd & r::TXD_CMD_RS != 0 {
                reported = true;
                if self.qreg(false, queue, r::Q_TDWBAL) & 1 == 0 {
                    if let Err(fault) = self
                        .bus
                        .write(desc + 12, &(olinfo | r::TXD_STA_DD).to_le_bytes())
                    {
                        self.dma_fault(fault);
                    }
                }
            }
            head = (head + 1) % count;
            self.set_qreg(false, queue, r::Q_HEAD, head as u32);
        }
        if reported {
            let wbal = self.qreg(false, queue, r::Q_TDWBAL);
            if wbal & 1 != 0 {
                let addr =
                    u64::from(wbal & !3) | (u64::from(self.qreg(false, queue, r::Q_TDWBAH)) << 32);
                if let Err(fault) = self.bus.write(addr, &(head as u32).to_le_bytes()) {
                    self.dma_fault(fault);
                }
            }
            self.raise_queue_interrupt(false, queue);
        }
    }

    fn finish_tx_frame(&mut self, queue: usize) {
        let engine = &mut self.tx[queue];
        let frame = std::mem::take(&mut engine.partial);
        engine.in_frame = false;
        let cmd = engine.first_cmd;
        let olinfo = engine.first_olinfo;
        let ctx = engine.ctx[((olinfo >> 4) & 1) as usize];
        if frame.len() < net::ETH_HLEN {
            self.counters.tx_malformed += 1;
            return;
        }
        let vet = self.vet();
        let pool = self.vmdq_enabled().then(|| self.queue_pool(queue));

        // VLAN insertion: descriptor VLE, overridden per pool by VMVIR (§2.2).
        let mut insert: Option<u16> = (cmd & r::TXD_CMD_VLE != 0).then_some((ctx[0] >> 16) as u16);
        let mut vf_supplied_tag = insert.or_else(|| net::vlan_tci(&frame, vet));
        if let Some(p) = pool {
            let vmvir = self.reg(r::VMVIR0 + 4 * u32::from(p));
            if vmvir & r::VMVIR_VLANA_DEFAULT != 0 {
                insert = Some((vmvir & 0xFFFF) as u16);
                vf_supplied_tag = net::vlan_tci(&frame, vet);
            } else if vmvir & r::VMVIR_VLANA_NEVER != 0 {
                insert = None;
            }
        }

        // Anti-spoofing (§2.4, §6): source MAC must be one of the pool's RAR entries, the
        // VLAN must be one of the pool's VLVF entries.
        if let Some(p) = pool {
            let txswc = self.switch_ctl();
            if txswc & (1 << p) != 0 {
                let (pools, _) = self.rar_lookup(&net::src_mac(&frame));
                if pools & (1 << p) == 0 {
                    self.spoof_event(p, false);
                    return;
                }
            }
            if txswc & (1 << (r::TXSWC_VLAN_SPOOF_SHIFT + u32::from(p))) != 0 {
                if let Some(tci) = vf_supplied_tag {
                    if self.vlvf_pools(tci & 0xFFF) & (1 << p) == 0 {
                        self.spoof_event(p, true);
                        return;
                    }
                }
            }
        }

        let offload = net::TxOffload {
            maclen: ((ctx[0] >> 9) & 0x7F) as usize,
            iplen: (ctx[0] & 0x1FF) as usize,
            ipv4: ctx[2] & r::TXCTX_TUCMD_IPV4 != 0,
            l4t: (ctx[2] >> r::TXCTX_TUCMD_L4T_SHIFT) & 3,
            ixsm: olinfo & r::TXD_POPTS_IXSM != 0,
            txsm: olinfo & r::TXD_POPTS_TXSM != 0,
            tso: (cmd & r::TXD_CMD_TSE != 0).then_some((
                ((ctx[3] >> 16) & 0xFFFF) as usize,
                ((ctx[3] >> 8) & 0xFF) as usize,
            )),
        };
        let frames = match net::apply_tx_offload(frame, &offload) {
            Ok(frames) => frames,
            Err(_) => {
                self.counters.tx_offload_errors += 1;
                return;
            }
        };
        let pad = self.reg(r::TCTL) & r::TCTL_PSP != 0;
        for mut out in frames {
            if let Some(tci) = insert {
                net::insert_vlan(&mut out, vet, tci);
            }
            if pad && out.len() < net::ETH_ZLEN {
                out.resize(net::ETH_ZLEN, 0);
            }
            let qstats = &mut self.queue_stats[queue];
            qstats.tx_packets += 1;
            qstats.tx_bytes += out.len() as u64;
            self.stats.gptc += 1;
            self.stats.tpt += 1;
            self.stats.gotc += out.len() as u64 + 4;
            let dst = net::dst_mac(&out);
            if net::is_broadcast(&dst) {
                self.stats.bptc += 1;
            } else if net::is_multicast(&dst) {
                self.stats.mptc += 1;
            }
            if let Some(p) = pool {
                let stats = &mut self.pool_stats[usize::from(p)];
                stats.gptc = stats.gptc.wrapping_add(1);
                stats.gotc = stats.gotc.wrapping_add(out.len() as u32);
            }
            self.switch_tx(pool, out);
        }
    }

    fn spoof_event(&mut self, pool: u8, vlan: bool) {
        if vlan {
            self.counters.tx_vlan_spoof_drops += 1;
            self.wvbr |= 1 << (8 + u32::from(pool));
        } else {
            self.counters.tx_mac_spoof_drops += 1;
            self.wvbr |= 1 << pool;
        }
        self.raise_icr(r::ICR_DOUTSYNC);
    }

    /// The Tx side of the internal switch (§6 "Tx switching").
    fn switch_tx(&mut self, pool: Option<u8>, frame: Vec<u8>) {
        let loopback = self.switch_ctl() & r::TXSWC_LOOPBACK_EN != 0;
        let Some(p) = pool.filter(|_| loopback) else {
            self.send_to_wire(frame);
            return;
        };
        let class = self.classify_vmdq(&frame, Source::Pool(p));
        let delivered = if class.pools != 0 {
            self.receive(&frame, Source::Pool(p))
        } else {
            0
        };
        if delivered != 0 {
            self.counters.tx_looped_back += u64::from(delivered.count_ones());
            let stats = &mut self.pool_stats[usize::from(p)];
            stats.gptlbc = stats.gptlbc.wrapping_add(1);
            stats.gotlbc = stats.gotlbc.wrapping_add(frame.len() as u32);
        }
        // Unicast to a RAR of some pool stays inside; everything else also goes out.
        if !class.unicast_rar_hit {
            self.send_to_wire(frame);
        }
    }
}

/// Toeplitz hash (Microsoft RSS spec): a 64-bit window slides over the key one bit per input
/// bit; each set input bit XORs in the window's top 32 bits.
fn toeplitz(key: &[u8; 40], input: &[u8]) -> u32 {
    let mut window = u64::from_be_bytes([
        key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
    ]);
    let mut hash = 0u32;
    // Key byte `next` enters the window after input byte `next - 8`.
    for (next, &byte) in (8usize..).zip(input) {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                hash ^= (window >> 32) as u32;
            }
            window <<= 1;
        }
        // After each input byte, the next key byte enters the window's low end.
        window |= u64::from(key.get(next).copied().unwrap_or(0));
    }
    hash
}
