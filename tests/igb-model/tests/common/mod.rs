//! A minimal, test-only "driver" that programs the model directly by register: rings,
//! RAR/VMOLR/VLVF, interrupts. Deliberately independent of the real ring engine.
#![allow(dead_code)]

use hw_platform::{DmaAllocator, DmaMemory, Mmio};
use igb_model::regs as r;
use igb_model::{DmaArena, DmaRegion};

pub const PF_MAC: [u8; 6] = [0x00, 0x1B, 0x21, 0x00, 0x00, 0x07];

/// MAC of VF n in the tests.
pub fn vf_mac(vf: u8) -> [u8; 6] {
    [0x02, 0x00, 0x00, 0x00, 0x00, 0x10 + vf]
}

pub const BROADCAST: [u8; 6] = [0xFF; 6];

/// Offset of RX queue block `q` in the PF BAR.
pub fn pf_rxq(q: u32) -> u32 {
    r::RXQ0 + 0x40 * q
}

/// Offset of TX queue block `q` in the PF BAR.
pub fn pf_txq(q: u32) -> u32 {
    r::TXQ0 + 0x40 * q
}

/// VF-relative Rx queue k block.
pub fn vf_rxq(k: u32) -> u32 {
    0x2800 + 0x100 * k
}

/// VF-relative Tx queue k block.
pub fn vf_txq(k: u32) -> u32 {
    0x3800 + 0x100 * k
}

pub fn set_rar(pf: &impl Mmio, index: u32, mac: [u8; 6], pools: u8) {
    let ral = if index < 16 {
        r::RAL0 + 8 * index
    } else {
        r::RAL16 + 8 * (index - 16)
    };
    pf.write32(ral, u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]));
    let rah = u32::from(u16::from_le_bytes([mac[4], mac[5]]))
        | (u32::from(pools) << r::RAH_POOLSEL_SHIFT)
        | r::RAH_AV;
    pf.write32(ral + 4, rah);
}

pub fn set_vlvf(pf: &impl Mmio, index: u32, vid: u16, pools: u8) {
    pf.write32(
        r::VLVF0 + 4 * index,
        u32::from(vid) | (u32::from(pools) << r::VLVF_POOLSEL_SHIFT) | r::VLVF_VI_EN,
    );
    let word = r::VFTA0 + 4 * (u32::from(vid) >> 5);
    let old = pf.read32(word);
    pf.write32(word, old | (1 << (vid & 31)));
}

/// PF side of VMDq with `num_vfs` VFs: PF pool = num_vfs, replication on, all pools enabled,
/// VMOLR = AUPE | BAM | STRCRC for every pool, RAR0 = PF MAC, RAR(23 - n) = VF n MAC.
pub fn pf_vmdq_setup(dev: &igb_model::Device, num_vfs: u8) {
    dev.enable_vfs(num_vfs).expect("enable VFs");
    let pf = dev.pf_bar();
    pf.write32(r::MRQC, r::MRQC_MODE_VMDQ);
    pf.write32(
        r::VT_CTL,
        (u32::from(num_vfs) << r::VT_CTL_DEF_PL_SHIFT) | r::VT_CTL_REPL_EN,
    );
    pf.write32(r::RCTL, r::RCTL_EN);
    pf.write32(r::TCTL, r::TCTL_EN);
    pf.write32(r::VFRE, 0xFF);
    pf.write32(r::VFTE, 0xFF);
    // Replicated (broadcast/multicast) copies use RPLOLR on the 82576 (§6 step 7).
    pf.write32(r::RPLOLR, r::RPLOLR_STRCRC);
    for pool in 0..8 {
        pf.write32(
            r::VMOLR0 + 4 * pool,
            r::VMOLR_AUPE | r::VMOLR_BAM | r::VMOLR_STRCRC,
        );
    }
    set_rar(&pf, 0, PF_MAC, 1 << num_vfs);
    for vf in 0..num_vfs {
        set_rar(&pf, 23 - u32::from(vf), vf_mac(vf), 1 << vf);
    }
}

/// A received frame as the descriptor reported it.
#[derive(Clone, Debug)]
pub struct Received {
    pub data: Vec<u8>,
    pub status: u32,
    pub pkt_info: u32,
    pub vlan: u16,
}

pub const BUF_SIZE: usize = 2048;

/// An Rx ring programmed through `bar` at queue block `block`.
pub struct RxRing<M: Mmio> {
    pub bar: M,
    pub block: u32,
    pub ring: DmaRegion,
    pub buffers: Vec<DmaRegion>,
    pub next: usize,
}

impl<M: Mmio> RxRing<M> {
    pub fn new(arena: &DmaArena, bar: M, block: u32, count: usize) -> Self {
        let ring = arena.allocate(count * 16, 128).expect("ring");
        let buffers: Vec<DmaRegion> = (0..count)
            .map(|_| arena.allocate(BUF_SIZE, 128).expect("buffer"))
            .collect();
        for (i, buffer) in buffers.iter().enumerate() {
            ring.write_u64(i * 16, buffer.dma_addr().as_u64()).unwrap();
            ring.write_u64(i * 16 + 8, 0).unwrap();
        }
        let base = ring.dma_addr().as_u64();
        bar.write32(block + r::Q_DCTL, 0);
        bar.write32(block + r::Q_BAL, base as u32);
        bar.write32(block + r::Q_BAH, (base >> 32) as u32);
        bar.write32(block + r::Q_LEN, (count * 16) as u32);
        bar.write32(block + r::Q_SRRCTL, 2 | (1 << 25) | r::SRRCTL_DROP_EN);
        bar.write32(block + r::Q_HEAD, 0);
        bar.write32(block + r::Q_TAIL, 0);
        bar.write32(block + r::Q_DCTL, r::DCTL_ENABLE);
        bar.write32(block + r::Q_TAIL, (count - 1) as u32);
        Self {
            bar,
            block,
            ring,
            buffers,
            next: 0,
        }
    }

    fn count(&self) -> usize {
        self.buffers.len()
    }

    /// Collects completed frames (DD set) and gives the descriptors back.
    pub fn poll(&mut self) -> Vec<Received> {
        let mut out = Vec::new();
        for _ in 0..self.count() {
            let i = self.next;
            let status = self.ring.read_u32(i * 16 + 8).unwrap();
            if status & r::RXD_STAT_DD == 0 {
                break;
            }
            assert!(status & r::RXD_STAT_EOP != 0, "test frames fit one buffer");
            let word3 = self.ring.read_u32(i * 16 + 12).unwrap();
            let len = (word3 & 0xFFFF) as usize;
            let mut data = vec![0u8; len];
            self.buffers[i].read_bytes(0, &mut data).unwrap();
            out.push(Received {
                data,
                status,
                pkt_info: self.ring.read_u32(i * 16).unwrap(),
                vlan: (word3 >> 16) as u16,
            });
            // Re-arm: buffer address back, status cleared.
            self.ring
                .write_u64(i * 16, self.buffers[i].dma_addr().as_u64())
                .unwrap();
            self.ring.write_u64(i * 16 + 8, 0).unwrap();
            self.bar.write32(self.block + r::Q_TAIL, i as u32);
            self.next = (i + 1) % self.count();
        }
        out
    }
}

/// A Tx ring programmed through `bar` at queue block `block`.
pub struct TxRing<M: Mmio> {
    pub bar: M,
    pub block: u32,
    pub ring: DmaRegion,
    pub buffers: Vec<DmaRegion>,
    pub tail: usize,
}

/// Per-frame Tx options.
#[derive(Clone, Copy, Debug, Default)]
pub struct TxOptions {
    /// Context dwords to put before the data descriptor.
    pub context: Option<[u32; 4]>,
    /// Extra cmd bits (VLE, TSE).
    pub cmd: u32,
    /// olinfo (POPTS, IDX); PAYLEN is filled in.
    pub olinfo: u32,
}

impl<M: Mmio> TxRing<M> {
    pub fn new(arena: &DmaArena, bar: M, block: u32, count: usize) -> Self {
        let ring = arena.allocate(count * 16, 128).expect("ring");
        let buffers: Vec<DmaRegion> = (0..count)
            .map(|_| arena.allocate(16384, 128).expect("buffer"))
            .collect();
        ring.fill(0);
        let base = ring.dma_addr().as_u64();
        bar.write32(block + r::Q_DCTL, 0);
        bar.write32(block + r::Q_BAL, base as u32);
        bar.write32(block + r::Q_BAH, (base >> 32) as u32);
        bar.write32(block + r::Q_LEN, (count * 16) as u32);
        bar.write32(block + r::Q_HEAD, 0);
        bar.write32(block + r::Q_TAIL, 0);
        bar.write32(block + r::Q_DCTL, r::DCTL_ENABLE);
        Self {
            bar,
            block,
            ring,
            buffers,
            tail: 0,
        }
    }

    fn count(&self) -> usize {
        self.buffers.len()
    }

    pub fn send(&mut self, frame: &[u8]) -> usize {
        self.send_with(frame, TxOptions::default())
    }

    /// Queues a frame (with an optional context descriptor) and bumps TDT. Returns the index
    /// of the data descriptor.
    pub fn send_with(&mut self, frame: &[u8], options: TxOptions) -> usize {
        if let Some(ctx) = options.context {
            let i = self.tail;
            for (k, word) in ctx.iter().enumerate() {
                self.ring.write_u32(i * 16 + 4 * k, *word).unwrap();
            }
            self.tail = (i + 1) % self.count();
        }
        let i = self.tail;
        self.buffers[i].write_bytes(0, frame).unwrap();
        let cmd = frame.len() as u32
            | (r::TXD_DTYP_DATA << r::TXD_DTYP_SHIFT)
            | r::TXD_CMD_DEXT
            | r::TXD_CMD_EOP
            | r::TXD_CMD_IFCS
            | r::TXD_CMD_RS
            | options.cmd;
        self.ring
            .write_u64(i * 16, self.buffers[i].dma_addr().as_u64())
            .unwrap();
        self.ring.write_u32(i * 16 + 8, cmd).unwrap();
        self.ring
            .write_u32(i * 16 + 12, options.olinfo | ((frame.len() as u32) << 14))
            .unwrap();
        self.tail = (i + 1) % self.count();
        self.bar.write32(self.block + r::Q_TAIL, self.tail as u32);
        i
    }

    pub fn done(&self, index: usize) -> bool {
        self.ring.read_u32(index * 16 + 12).unwrap() & r::TXD_STA_DD != 0
    }
}

/// An Ethernet frame: dst, src, optional VLAN TCI, EtherType, payload (padded to 60 bytes).
pub fn eth(
    dst: [u8; 6],
    src: [u8; 6],
    vlan: Option<u16>,
    ethertype: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut frame = Vec::new();
    frame.extend_from_slice(&dst);
    frame.extend_from_slice(&src);
    if let Some(tci) = vlan {
        frame.extend_from_slice(&0x8100u16.to_be_bytes());
        frame.extend_from_slice(&tci.to_be_bytes());
    }
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame.extend_from_slice(payload);
    if frame.len() < 60 {
        frame.resize(60, 0);
    }
    frame
}

fn csum(data: &[u8], mut acc: u32) -> u16 {
    for pair in data.chunks(2) {
        let word = if pair.len() == 2 {
            u16::from_be_bytes([pair[0], pair[1]])
        } else {
            u16::from(pair[0]) << 8
        };
        acc += u32::from(word);
    }
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    !(acc as u16)
}

/// IPv4 packet (20-byte header) carrying `proto` with `l4` bytes (L4 checksum computed and
/// inserted when `fill_l4_csum`), header checksum correct.
pub fn ipv4(proto: u8, l4: &[u8], fill_l4_csum: bool) -> Vec<u8> {
    let src = [10, 0, 0, 1];
    let dst = [10, 0, 0, 2];
    let total = 20 + l4.len();
    let mut ip = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0x12,
        0x34,
        0x40,
        0,
        64,
        proto,
        0,
        0,
    ];
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let hc = csum(&ip, 0);
    ip[10..12].copy_from_slice(&hc.to_be_bytes());
    let mut seg = l4.to_vec();
    if fill_l4_csum {
        let at = if proto == 6 { 16 } else { 6 };
        seg[at] = 0;
        seg[at + 1] = 0;
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&src);
        pseudo.extend_from_slice(&dst);
        pseudo.extend_from_slice(&[0, proto, (seg.len() >> 8) as u8, seg.len() as u8]);
        pseudo.extend_from_slice(&seg);
        let c = csum(&pseudo, 0);
        seg[at..at + 2].copy_from_slice(&c.to_be_bytes());
    }
    ip.extend_from_slice(&seg);
    ip
}

/// A UDP segment (8-byte header + payload), checksum field zero.
pub fn udp(payload: &[u8]) -> Vec<u8> {
    let len = 8 + payload.len();
    let mut seg = vec![0x30, 0x39, 0x00, 0x35, (len >> 8) as u8, len as u8, 0, 0];
    seg.extend_from_slice(payload);
    seg
}

/// A TCP segment (20-byte header + payload), checksum field zero.
pub fn tcp(payload: &[u8], seq: u32, flags: u8) -> Vec<u8> {
    let mut seg = vec![0x30, 0x39, 0x00, 0x50];
    seg.extend_from_slice(&seq.to_be_bytes());
    seg.extend_from_slice(&[0, 0, 0, 0, 0x50, flags, 0xFF, 0xFF, 0, 0, 0, 0]);
    seg.extend_from_slice(payload);
    seg
}

/// Verifies IPv4 header and L4 checksums of an untagged frame (test-side, independent code).
pub fn checksums_ok(frame: &[u8]) -> (bool, bool) {
    let ip = &frame[14..];
    let hlen = usize::from(ip[0] & 0xF) * 4;
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    let ip_ok = csum(&ip[..hlen], 0) == 0;
    let seg = &ip[hlen..total];
    let mut pseudo = Vec::new();
    pseudo.extend_from_slice(&ip[12..20]);
    pseudo.extend_from_slice(&[0, ip[9], (seg.len() >> 8) as u8, seg.len() as u8]);
    pseudo.extend_from_slice(seg);
    (ip_ok, csum(&pseudo, 0) == 0)
}
