//! Shapes of send NBLs: how a protocol may lay frames out in NET_BUFFER_LISTs, NET_BUFFERs and
//! MDL chains, and the per-NBL out-of-band info it attaches.
//!
//! NDIS gives a miniport any layout N/net-buffer-architecture.md allows: several NBs per NBL
//! (one frame each), several MDLs per NB at any byte address, `DataOffset` bytes of unused
//! space at the start of the chain (so `CurrentMdl` may be a later MDL and `CurrentMdlOffset`
//! non-zero), and chains longer than `DataOffset + DataLength` (trailing slack). A driver that
//! only works with one MDL at offset 0 fails on a real stack. [`NblSpec`] describes one NBL;
//! [`crate::EmuAdapter::send_shaped`] builds and sends it. For bad-input tests a spec may also
//! claim more data than its chain holds ([`NbSpec::with_data_length`]) or carry no NB at all.
//!
//! MDLs are built as `NdisAllocateMdl` / `MmBuildMdlForNonPagedPool` leave them (wdm.h):
//! `MappedSystemVa` is the address of byte 0, `StartVa` its page, `ByteOffset` the offset in
//! that page, `MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL`. The driver walks them from
//! `MappedSystemVa` (`shared/ndis/src/buffer.rs`).

use ndis_abi::*;

/// A small deterministic PRNG (SplitMix64) for reproducible random shapes: the same seed gives
/// the same shapes on every run, so a failing case can be replayed from its seed.
#[derive(Debug, Clone)]
pub struct ShapeRng(u64);

impl ShapeRng {
    /// A generator seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// A value in `lo..=hi` (`lo` when `hi <= lo`).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// One MDL of a NET_BUFFER's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MdlSpec {
    /// `ByteCount`.
    pub len: u32,
    /// Bytes skipped in the backing store before this MDL's buffer: controls the buffer's byte
    /// alignment and where it sits in its page (the store starts page-aligned), so odd
    /// addresses and buffers crossing a page boundary are reproducible.
    pub gap: u16,
}

impl MdlSpec {
    /// An MDL of `len` bytes right after the previous one.
    #[must_use]
    pub fn new(len: u32) -> Self {
        Self { len, gap: 0 }
    }
}

/// One NET_BUFFER: its MDL chain, the unused leading bytes and the frame.
///
/// The chain's bytes are `data_offset` filler bytes, then `data`, then filler up to the
/// chain's total length (the slack). If the MDLs hold fewer bytes than that, the chain is
/// simply shorter than `DataLength` (a bad input NDIS would never pass, for robustness tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NbSpec {
    /// The MDL chain (empty: `MdlChain` NULL).
    pub mdls: Vec<MdlSpec>,
    /// `DataOffset`: bytes of the chain before the data (`CurrentMdl`/`CurrentMdlOffset` are
    /// derived from it as NDIS does).
    pub data_offset: u32,
    /// The frame (the `DataLength` bytes the device must put on the wire).
    pub data: Vec<u8>,
    /// `DataLength` when it must differ from `data.len()` (bad input).
    pub data_length: Option<u32>,
}

/// Filler for the unused bytes before the data (`DataOffset`).
pub const LEAD_FILL: u8 = 0xD0;
/// Filler for the slack after the data.
pub const SLACK_FILL: u8 = 0xE5;

impl NbSpec {
    /// The frame in one MDL, `DataOffset` 0, no slack (the shape `EmuAdapter::send` uses).
    #[must_use]
    pub fn contiguous(frame: &[u8]) -> Self {
        Self {
            mdls: vec![MdlSpec::new(len_u32(frame.len()))],
            data_offset: 0,
            data: frame.to_vec(),
            data_length: None,
        }
    }

    /// The frame after `data_offset` unused bytes, in MDLs of the given lengths (their sum
    /// should be at least `data_offset + frame.len()`; more is slack, less is a short chain).
    #[must_use]
    pub fn split(frame: &[u8], data_offset: u32, mdl_lengths: &[u32]) -> Self {
        Self {
            mdls: mdl_lengths.iter().map(|&l| MdlSpec::new(l)).collect(),
            data_offset,
            data: frame.to_vec(),
            data_length: None,
        }
    }

    /// A random legal layout of `frame`: `DataOffset`, 1..=`max_mdls` MDLs with random
    /// lengths and byte alignments (some crossing page boundaries), and trailing slack, all
    /// within `limits`. Every byte of the frame is covered exactly once.
    #[must_use]
    pub fn random(rng: &mut ShapeRng, frame: &[u8], limits: &ShapeLimits) -> Self {
        let data_offset = if limits.max_data_offset == 0 || rng.chance(1, 3) {
            0
        } else {
            rng.range(1, limits.max_data_offset as usize) as u32
        };
        let slack = if limits.max_slack == 0 || rng.chance(1, 2) {
            0
        } else {
            rng.range(1, limits.max_slack as usize) as u32
        };
        let total = data_offset as usize + frame.len() + slack as usize;
        let max_mdls = limits.max_mdls.max(1).min(total.max(1));
        let count = rng.range(1, max_mdls);
        // `count - 1` distinct cut points in 1..total give `count` non-empty MDLs.
        let mut cuts: Vec<usize> = Vec::with_capacity(count + 1);
        if total > 1 {
            while cuts.len() < count - 1 {
                let c = rng.range(1, total - 1);
                if !cuts.contains(&c) {
                    cuts.push(c);
                }
            }
        }
        cuts.sort_unstable();
        cuts.push(total);
        let mut mdls = Vec::with_capacity(count);
        let mut start = 0;
        for end in cuts {
            let gap = if rng.chance(1, 8) {
                // Somewhere in the page: buffers that start near its end cross into the next.
                rng.below(usize::from(limits.max_gap).max(1)) as u16
            } else {
                rng.below(8) as u16
            };
            mdls.push(MdlSpec {
                len: len_u32(end - start),
                gap,
            });
            start = end;
        }
        Self {
            mdls,
            data_offset,
            data: frame.to_vec(),
            data_length: None,
        }
    }

    /// Claims `DataLength = length` regardless of `data` (bad-input tests: a chain shorter
    /// than `DataLength`, or a zero length).
    #[must_use]
    pub fn with_data_length(mut self, length: u32) -> Self {
        self.data_length = Some(length);
        self
    }

    /// The `DataLength` the NB will carry.
    #[must_use]
    pub fn data_length(&self) -> u32 {
        self.data_length.unwrap_or_else(|| len_u32(self.data.len()))
    }

    /// Bytes the MDL chain holds.
    #[must_use]
    pub fn chain_len(&self) -> usize {
        self.mdls.iter().map(|m| m.len as usize).sum()
    }

    /// The chain's bytes: lead filler, data, slack filler, cut to the chain's length.
    pub(crate) fn chain_bytes(&self) -> Vec<u8> {
        let total = self.chain_len();
        let mut bytes = Vec::with_capacity(total);
        bytes.resize((self.data_offset as usize).min(total), LEAD_FILL);
        let room = total - bytes.len();
        bytes.extend_from_slice(&self.data[..self.data.len().min(room)]);
        bytes.resize(total, SLACK_FILL);
        bytes
    }
}

/// Bounds for [`NbSpec::random`] / [`NblSpec::random`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeLimits {
    /// Most MDLs per NB.
    pub max_mdls: usize,
    /// Largest `DataOffset`.
    pub max_data_offset: u32,
    /// Largest trailing slack.
    pub max_slack: u32,
    /// Largest gap before a buffer (4095 reaches every position in a page).
    pub max_gap: u16,
    /// Most NBs per NBL for [`NblSpec::random_frames`].
    pub max_nbs: usize,
}

impl Default for ShapeLimits {
    fn default() -> Self {
        Self {
            max_mdls: 6,
            max_data_offset: 128,
            max_slack: 96,
            max_gap: 4095,
            max_nbs: 4,
        }
    }
}

/// One send NBL: its NBs and the per-NBL info a protocol sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NblSpec {
    /// The NBs in order (empty: `FirstNetBuffer` NULL, a bad input).
    pub nbs: Vec<NbSpec>,
    /// `NetBufferListInfo` slots to set (`NDIS_NET_BUFFER_LIST_INFO` index, raw value).
    pub info: Vec<(NDIS_NET_BUFFER_LIST_INFO, usize)>,
}

impl NblSpec {
    /// An NBL with these NBs and no info.
    #[must_use]
    pub fn new(nbs: Vec<NbSpec>) -> Self {
        Self {
            nbs,
            info: Vec::new(),
        }
    }

    /// One frame in one MDL.
    #[must_use]
    pub fn contiguous(frame: &[u8]) -> Self {
        Self::new(vec![NbSpec::contiguous(frame)])
    }

    /// An NBL without any NB (bad input).
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// One NB per frame, each laid out by [`NbSpec::random`].
    #[must_use]
    pub fn random(rng: &mut ShapeRng, frames: &[&[u8]], limits: &ShapeLimits) -> Self {
        Self::new(
            frames
                .iter()
                .map(|f| NbSpec::random(rng, f, limits))
                .collect(),
        )
    }

    /// 1..=`limits.max_nbs` NBs of random frames with lengths in `lengths` (inclusive), random
    /// content, random layouts. Returns the spec; its frames are `spec.frames()`.
    #[must_use]
    pub fn random_frames(
        rng: &mut ShapeRng,
        lengths: std::ops::RangeInclusive<usize>,
        limits: &ShapeLimits,
    ) -> Self {
        let count = rng.range(1, limits.max_nbs.max(1));
        let nbs = (0..count)
            .map(|_| {
                let len = rng.range(*lengths.start(), *lengths.end());
                let frame = rng.bytes(len);
                NbSpec::random(rng, &frame, limits)
            })
            .collect();
        Self::new(nbs)
    }

    /// The frames (one per NB) the wire should see, in order.
    #[must_use]
    pub fn frames(&self) -> Vec<&[u8]> {
        self.nbs.iter().map(|nb| nb.data.as_slice()).collect()
    }

    /// Sets a raw `NetBufferListInfo` slot (replacing an earlier value for the same slot).
    #[must_use]
    pub fn with_info(mut self, slot: NDIS_NET_BUFFER_LIST_INFO, value: usize) -> Self {
        self.info.retain(|(s, _)| *s != slot);
        self.info.push((slot, value));
        self
    }

    /// The raw value of a slot this spec sets.
    #[must_use]
    pub fn info_value(&self, slot: NDIS_NET_BUFFER_LIST_INFO) -> Option<usize> {
        self.info.iter().find(|(s, _)| *s == slot).map(|(_, v)| *v)
    }

    /// Transmit checksum request (`NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO.Transmit`).
    #[must_use]
    pub fn with_checksum(self, request: ChecksumRequest) -> Self {
        let b = u32::from;
        let info = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(0)
            .with_Transmit_IsIPv4(b(request.ipv4))
            .with_Transmit_IsIPv6(b(request.ipv6))
            .with_Transmit_TcpChecksum(b(request.tcp))
            .with_Transmit_UdpChecksum(b(request.udp))
            .with_Transmit_IpHeaderChecksum(b(request.ip_header))
            .with_Transmit_TcpHeaderOffset(request.tcp_header_offset);
        self.with_info(TcpIpChecksumNetBufferListInfo, info.value())
    }

    /// LSOv2 request (`LsoV2Transmit`: Type V2, `MSS`, `TcpHeaderOffset`, `IPVersion`).
    /// N/offloading-the-segmentation-of-large-tcp-packets.md: such an NBL has one NB.
    #[must_use]
    pub fn with_lso_v2(self, mss: u32, tcp_header_offset: u32, ipv6: bool) -> Self {
        let info = NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(0)
            .with_Type(NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE)
            .with_MSS(mss)
            .with_TcpHeaderOffset(tcp_header_offset)
            .with_IPVersion(if ipv6 {
                NDIS_TCP_LARGE_SEND_OFFLOAD_IPv6
            } else {
                NDIS_TCP_LARGE_SEND_OFFLOAD_IPv4
            });
        self.with_info(TcpLargeSendNetBufferListInfo, info.value())
    }

    /// LSOv1 request (`LsoV1Transmit`: Type V1, `MSS`, `TcpHeaderOffset`).
    #[must_use]
    pub fn with_lso_v1(self, mss: u32, tcp_header_offset: u32) -> Self {
        let info = NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(0)
            .with_Type(NDIS_TCP_LARGE_SEND_OFFLOAD_V1_TYPE)
            .with_MSS(mss)
            .with_TcpHeaderOffset(tcp_header_offset);
        self.with_info(TcpLargeSendNetBufferListInfo, info.value())
    }

    /// 802.1Q tag to insert (`NDIS_NET_BUFFER_LIST_8021Q_INFO.TagHeader`).
    #[must_use]
    pub fn with_vlan(self, vlan_id: u32, user_priority: u32) -> Self {
        let info = NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(0)
            .with_VlanId(vlan_id)
            .with_UserPriority(user_priority);
        self.with_info(Ieee8021QNetBufferListInfo, info.value())
    }

    /// True when the spec carries an LSOv2 request.
    #[must_use]
    pub fn is_lso_v2(&self) -> bool {
        self.info_value(TcpLargeSendNetBufferListInfo)
            .is_some_and(|v| {
                NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(v).Type()
                    == NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE
            })
    }
}

/// What a transmit checksum request asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChecksumRequest {
    /// `IsIPv4`.
    pub ipv4: bool,
    /// `IsIPv6`.
    pub ipv6: bool,
    /// `TcpChecksum`.
    pub tcp: bool,
    /// `UdpChecksum`.
    pub udp: bool,
    /// `IpHeaderChecksum`.
    pub ip_header: bool,
    /// `TcpHeaderOffset` (set by the stack for TCP).
    pub tcp_header_offset: u32,
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `MDL_SOURCE_IS_NONPAGED_POOL` (wdm.h).
const MDL_SOURCE_IS_NONPAGED_POOL: i16 = 0x0004;
const PAGE: usize = 4096;

/// The memory of one built NBL, before it is handed to the miniport.
#[allow(
    clippy::vec_box,
    reason = "each NB/MDL needs a stable address while the vectors grow (the NBL links them)"
)]
pub(crate) struct BuiltNbl {
    pub nbl: Box<NET_BUFFER_LIST>,
    pub nbs: Vec<Box<NET_BUFFER>>,
    pub mdls: Vec<Box<MDL>>,
    pub store: Box<[u8]>,
}

/// Builds the NBL/NB/MDL structures of `spec` over one page-aligned backing store.
pub(crate) fn build(spec: &NblSpec) -> BuiltNbl {
    let payload: usize = spec
        .nbs
        .iter()
        .flat_map(|nb| nb.mdls.iter())
        .map(|m| usize::from(m.gap) + m.len as usize)
        .sum();
    let mut store = vec![0u8; payload + PAGE].into_boxed_slice();
    let align = (PAGE - (store.as_ptr() as usize % PAGE)) % PAGE;
    let mut cursor = align;
    let mut mdls: Vec<Box<MDL>> = Vec::new();
    let mut nbs: Vec<Box<NET_BUFFER>> = Vec::new();
    for nb_spec in &spec.nbs {
        let bytes = nb_spec.chain_bytes();
        let first_mdl = mdls.len();
        let mut at = 0usize;
        for m in &nb_spec.mdls {
            cursor += usize::from(m.gap);
            let len = m.len as usize;
            store[cursor..cursor + len].copy_from_slice(&bytes[at..at + len]);
            let va = store.as_mut_ptr().wrapping_add(cursor) as usize;
            let mut mdl = Box::new(MDL::zeroed());
            mdl.Size = i16::try_from(std::mem::size_of::<MDL>()).unwrap_or(i16::MAX);
            mdl.MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL;
            mdl.MappedSystemVa = va as PVOID;
            mdl.StartVa = (va & !(PAGE - 1)) as PVOID;
            mdl.ByteOffset = u32::try_from(va & (PAGE - 1)).unwrap_or(0);
            mdl.ByteCount = m.len;
            mdls.push(mdl);
            cursor += len;
            at += len;
        }
        for i in first_mdl..mdls.len().saturating_sub(1) {
            let next = std::ptr::from_mut(mdls[i + 1].as_mut());
            mdls[i].Next = next;
        }
        let chain: *mut MDL = if mdls.len() > first_mdl {
            std::ptr::from_mut(mdls[first_mdl].as_mut())
        } else {
            std::ptr::null_mut()
        };
        // CurrentMdl / CurrentMdlOffset for DataOffset bytes into the chain (NDIS keeps them
        // consistent: N/net-buffer-architecture.md). Past the chain's end: NULL.
        let mut current: *mut MDL = std::ptr::null_mut();
        let mut current_offset = 0u32;
        let mut left = nb_spec.data_offset;
        for m in &mut mdls[first_mdl..] {
            if left < m.ByteCount {
                current = std::ptr::from_mut(m.as_mut());
                current_offset = left;
                break;
            }
            left -= m.ByteCount;
        }
        let mut nb = Box::new(NET_BUFFER::zeroed());
        nb.NetBufferHeader.NetBufferData = NET_BUFFER_DATA {
            Next: std::ptr::null_mut(),
            CurrentMdl: current,
            CurrentMdlOffset: current_offset,
            NbDataLength: NET_BUFFER_DATA_LENGTH {
                stDataLength: nb_spec.data_length() as usize,
            },
            MdlChain: chain,
            DataOffset: nb_spec.data_offset,
        };
        nbs.push(nb);
    }
    for i in 0..nbs.len().saturating_sub(1) {
        let next = std::ptr::from_mut(nbs[i + 1].as_mut());
        nbs[i].NetBufferHeader.NetBufferData.Next = next;
    }
    let mut nbl = Box::new(NET_BUFFER_LIST::zeroed());
    nbl.NetBufferListHeader.NetBufferListData = NET_BUFFER_LIST_DATA {
        Next: std::ptr::null_mut(),
        FirstNetBuffer: nbs
            .first_mut()
            .map_or(std::ptr::null_mut(), |nb| std::ptr::from_mut(nb.as_mut())),
    };
    for &(slot, value) in &spec.info {
        nbl.set_info(slot, core::ptr::without_provenance_mut(value));
    }
    BuiltNbl {
        nbl,
        nbs,
        mdls,
        store,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_layouts_cover_the_frame_exactly() {
        let mut rng = ShapeRng::new(7);
        let limits = ShapeLimits::default();
        for _ in 0..2000 {
            let len = rng.range(1, 9018);
            let frame = rng.bytes(len);
            let nb = NbSpec::random(&mut rng, &frame, &limits);
            assert!(nb.mdls.len() <= limits.max_mdls && !nb.mdls.is_empty());
            assert!(nb.mdls.iter().all(|m| m.len > 0));
            let bytes = nb.chain_bytes();
            let start = nb.data_offset as usize;
            assert_eq!(&bytes[start..start + frame.len()], &frame[..]);
            assert!(bytes.len() >= start + frame.len());
        }
    }

    #[test]
    fn built_mdls_follow_the_ndis_layout() {
        let frame: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let spec = NblSpec::new(vec![NbSpec {
            mdls: vec![
                MdlSpec { len: 10, gap: 4093 },
                MdlSpec { len: 200, gap: 1 },
                MdlSpec { len: 150, gap: 3 },
            ],
            data_offset: 14,
            data: frame.clone(),
            data_length: None,
        }]);
        let built = build(&spec);
        // SAFETY: the NET_BUFFER_DATA view of the header union, which `build` wrote.
        let d = unsafe { built.nbs[0].NetBufferHeader.NetBufferData };
        // 14 leading bytes: past the 10-byte first MDL, 4 into the second.
        assert_eq!(
            d.CurrentMdl,
            std::ptr::from_ref(built.mdls[1].as_ref()).cast_mut()
        );
        assert_eq!(d.CurrentMdlOffset, 4);
        assert_eq!(
            d.MdlChain,
            std::ptr::from_ref(built.mdls[0].as_ref()).cast_mut()
        );
        for m in &built.mdls {
            let va = m.MappedSystemVa as usize;
            assert_eq!(m.StartVa as usize + m.ByteOffset as usize, va);
            assert_eq!(m.StartVa as usize % PAGE, 0);
        }
        // The first buffer starts 3 bytes before a page end: it crosses into the next page.
        assert_eq!(built.mdls[0].ByteOffset, 4093);
        // Concatenating from CurrentMdl/CurrentMdlOffset gives the frame back.
        let mut out = Vec::new();
        let mut offset = d.CurrentMdlOffset as usize;
        for m in &built.mdls[1..] {
            // SAFETY: `MappedSystemVa` points at `ByteCount` bytes of `built.store`.
            let s = unsafe {
                std::slice::from_raw_parts(m.MappedSystemVa.cast::<u8>(), m.ByteCount as usize)
            };
            out.extend_from_slice(&s[offset..]);
            offset = 0;
        }
        assert_eq!(&out[..frame.len()], &frame[..]);
        assert!(out[frame.len()..].iter().all(|&b| b == SLACK_FILL));
    }
}
