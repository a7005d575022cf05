//! Rx offload results checked against independent arithmetic: RSS (Toeplitz hash against the
//! Microsoft verification vectors, RETA queue selection, hash and type in the write-back with
//! RXCSUM.PCSD), checksum status for deliberately broken frames built by `igb_model::check`,
//! multi-descriptor Rx, injected bad write-backs, and the model's TSO checked by
//! `check::verify_lso`.

mod common;

use common::*;
use hw_platform::{DmaAllocator, DmaMemory, Mmio};
use igb_model::check::{self, Corrupt, FrameSpec, L4};
use igb_model::regs as r;
use igb_model::{Device, Generation, RxCorruption};

/// The key of "Verifying the RSS Hash Calculation" (MicrosoftDocs windows-driver-docs,
/// network/verifying-the-rss-hash-calculation.md).
const MS_KEY: [u8; 40] = [
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
    0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
    0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
];

/// One verification vector: (destination, destination port, source, source port,
/// addresses-only hash, hash with the TCP ports).
type Vector<const N: usize> = ([u8; N], u16, [u8; N], u16, u32, u32);

const MS_IPV4: [Vector<4>; 5] = [
    (
        [161, 142, 100, 80],
        1766,
        [66, 9, 149, 187],
        2794,
        0x323e_8fc2,
        0x51cc_c178,
    ),
    (
        [65, 69, 140, 83],
        4739,
        [199, 92, 111, 2],
        14230,
        0xd718_262a,
        0xc626_b0ea,
    ),
    (
        [12, 22, 207, 184],
        38024,
        [24, 19, 198, 95],
        12898,
        0xd2d0_a5de,
        0x5c2b_394a,
    ),
    (
        [209, 142, 163, 6],
        2217,
        [38, 27, 205, 30],
        48228,
        0x8298_9176,
        0xafc7_327f,
    ),
    (
        [202, 188, 127, 2],
        1303,
        [153, 39, 163, 191],
        44251,
        0x5d18_09c5,
        0x10e8_28a2,
    ),
];

fn v6(words: [u16; 8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, w) in words.iter().enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&w.to_be_bytes());
    }
    out
}

fn ms_ipv6() -> [Vector<16>; 3] {
    [
        (
            v6([0x3ffe, 0x2501, 0x200, 3, 0, 0, 0, 1]),
            1766,
            v6([0x3ffe, 0x2501, 0x200, 0x1fff, 0, 0, 0, 7]),
            2794,
            0x2cc1_8cd5,
            0x4020_7d3d,
        ),
        (
            v6([0xff02, 0, 0, 0, 0, 0, 0, 1]),
            4739,
            v6([0x3ffe, 0x501, 8, 0, 0x260, 0x97ff, 0xfe40, 0xefab]),
            14230,
            0x0f0c_461c,
            0xdde5_1bbf,
        ),
        (
            v6([0xfe80, 0, 0, 0, 0x200, 0xf8ff, 0xfe21, 0x67cf]),
            38024,
            v6([0x3ffe, 0x1900, 0x4545, 3, 0x200, 0xf8ff, 0xfe21, 0x67cf]),
            44251,
            0x4b61_e985,
            0x02d1_feef,
        ),
    ]
}

#[test]
fn the_checkers_toeplitz_matches_the_microsoft_vectors() {
    for (dst, dport, src, sport, ip, tcp) in MS_IPV4 {
        let mut input = src.to_vec();
        input.extend_from_slice(&dst);
        assert_eq!(check::toeplitz(&MS_KEY, &input), ip);
        input.extend_from_slice(&sport.to_be_bytes());
        input.extend_from_slice(&dport.to_be_bytes());
        assert_eq!(check::toeplitz(&MS_KEY, &input), tcp);
    }
    for (dst, dport, src, sport, ip, tcp) in ms_ipv6() {
        let mut input = src.to_vec();
        input.extend_from_slice(&dst);
        assert_eq!(check::toeplitz(&MS_KEY, &input), ip);
        input.extend_from_slice(&sport.to_be_bytes());
        input.extend_from_slice(&dport.to_be_bytes());
        assert_eq!(check::toeplitz(&MS_KEY, &input), tcp);
    }
}

/// A non-VMDq PF in plain RSS mode with Rx queues 0..4, the MS key, RETA entry n = n % 4.
fn rss_pf(dev: &Device, fields: u32) -> Vec<RxRing<igb_model::PfBar>> {
    let pf = dev.pf_bar();
    set_rar(&pf, 0, PF_MAC, 0);
    pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_BAM | r::RCTL_SECRC);
    for (i, chunk) in MS_KEY.chunks(4).enumerate() {
        let word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        pf.write32(r::RSSRK0 + 4 * i as u32, word);
    }
    for i in 0..32u32 {
        pf.write32(r::RETA0 + 4 * i, 0x0302_0100);
    }
    pf.write32(r::MRQC, r::MRQC_MODE_RSS | fields);
    pf.write32(
        r::RXCSUM,
        r::RXCSUM_IPOFLD | r::RXCSUM_TUOFLD | r::RXCSUM_PCSD,
    );
    (0..4)
        .map(|q| RxRing::new(&dev.dma(), dev.pf_bar(), pf_rxq(q), 8))
        .collect()
}

/// (queue, write-back dword 0, dword 1, data) of every frame now in the rings, re-armed.
fn collect(rings: &mut [RxRing<igb_model::PfBar>]) -> Vec<(usize, u32, u32, Vec<u8>)> {
    let mut out = Vec::new();
    for (q, ring) in rings.iter_mut().enumerate() {
        let mut words = Vec::new();
        for k in 0..ring.buffers.len() {
            let i = (ring.next + k) % ring.buffers.len();
            if ring.ring.read_u32(i * 16 + 8).unwrap() & r::RXD_STAT_DD == 0 {
                break;
            }
            words.push((
                ring.ring.read_u32(i * 16).unwrap(),
                ring.ring.read_u32(i * 16 + 4).unwrap(),
            ));
        }
        let frames = ring.poll();
        assert_eq!(frames.len(), words.len());
        for ((d0, d1), got) in words.into_iter().zip(frames) {
            out.push((q, d0, d1, got.data));
        }
    }
    out
}

fn tcp_v4(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Vec<u8> {
    let mut spec = FrameSpec::ipv4_tcp(20);
    spec.dst = PF_MAC;
    spec.src_ip[..4].copy_from_slice(&src);
    spec.dst_ip[..4].copy_from_slice(&dst);
    spec.src_port = sport;
    spec.dst_port = dport;
    check::build_frame(&spec)
}

#[test]
fn rss_hash_type_and_queue_follow_the_microsoft_vectors() {
    for generation in [Generation::I82576, Generation::I350] {
        let dev = Device::new(generation);
        let mut rings = rss_pf(&dev, r::MRQC_RSS_FIELD_IPV4_TCP | r::MRQC_RSS_FIELD_IPV4);
        for (dst, dport, src, sport, _, tcp) in MS_IPV4 {
            dev.inject(&tcp_v4(src, sport, dst, dport));
            let got = collect(&mut rings);
            assert_eq!(got.len(), 1);
            let (queue, d0, d1, _) = &got[0];
            assert_eq!(*d1, tcp, "hash in dword 1 with PCSD");
            assert_eq!(d0 & 0xF, r::RXD_RSS_TCPV4);
            assert_eq!(*queue, (tcp & 0x7F) as usize % 4, "RETA[hash & 127]");
        }
        // UDP without the UDP field enabled: the IPv4 (addresses-only) hash.
        let (dst, _, src, _, ip, _) = MS_IPV4[0];
        let mut spec = FrameSpec::ipv4_udp(20);
        spec.dst = PF_MAC;
        spec.src_ip[..4].copy_from_slice(&src);
        spec.dst_ip[..4].copy_from_slice(&dst);
        dev.inject(&check::build_frame(&spec));
        let got = collect(&mut rings);
        assert_eq!((got[0].2, got[0].1 & 0xF), (ip, r::RXD_RSS_IPV4));
    }
}

#[test]
fn rss_over_ipv6_tcp() {
    let dev = Device::new(Generation::I82576);
    let mut rings = rss_pf(&dev, r::MRQC_RSS_FIELD_IPV6_TCP | r::MRQC_RSS_FIELD_IPV6);
    for (dst, dport, src, sport, ip, tcp) in ms_ipv6() {
        let mut spec = FrameSpec::ipv6_tcp(8);
        spec.dst = PF_MAC;
        spec.src_ip = src;
        spec.dst_ip = dst;
        spec.src_port = sport;
        spec.dst_port = dport;
        dev.inject(&check::build_frame(&spec));
        spec.l4 = L4::Udp;
        dev.inject(&check::build_frame(&spec));
        let got = collect(&mut rings);
        assert_eq!(got.len(), 2);
        let mut seen: Vec<(u32, u32)> = got.iter().map(|g| (g.2, g.1 & 0xF)).collect();
        seen.sort_unstable();
        let mut want = vec![(tcp, r::RXD_RSS_TCPV6), (ip, r::RXD_RSS_IPV6)];
        want.sort_unstable();
        assert_eq!(seen, want);
    }
}

#[test]
fn without_rss_mode_everything_lands_in_queue_0_without_a_hash() {
    let dev = Device::new(Generation::I82576);
    let mut rings = rss_pf(&dev, r::MRQC_RSS_FIELD_IPV4_TCP);
    dev.pf_bar().write32(r::MRQC, r::MRQC_RSS_FIELD_IPV4_TCP); // mode 000
    for (dst, dport, src, sport, _, _) in MS_IPV4 {
        dev.inject(&tcp_v4(src, sport, dst, dport));
    }
    let got = collect(&mut rings);
    assert_eq!(got.len(), 5);
    assert!(
        got.iter()
            .all(|(q, d0, d1, _)| *q == 0 && d0 & 0xF == 0 && *d1 == 0)
    );
}

fn plain_pf(dev: &Device) -> (RxRing<igb_model::PfBar>, TxRing<igb_model::PfBar>) {
    let pf = dev.pf_bar();
    set_rar(&pf, 0, PF_MAC, 0);
    pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_BAM | r::RCTL_SECRC);
    pf.write32(r::TCTL, r::TCTL_EN | r::TCTL_PSP);
    let rx = RxRing::new(&dev.dma(), dev.pf_bar(), pf_rxq(0), 8);
    let tx = TxRing::new(&dev.dma(), dev.pf_bar(), pf_txq(0), 8);
    (rx, tx)
}

#[test]
fn rx_checksum_status_for_frames_broken_by_the_checker() {
    let dev = Device::new(Generation::I82576);
    let (mut rx, _tx) = plain_pf(&dev);
    let ok_bits = r::RXD_STAT_IPCS | r::RXD_STAT_L4CS | r::RXD_STAT_UDPCS;
    let err_bits = r::RXD_ERR_IPE | r::RXD_ERR_L4E;
    let cases: Vec<(FrameSpec, Option<Corrupt>, u32, u32)> = vec![
        (
            FrameSpec::ipv4_tcp(64),
            None,
            r::RXD_STAT_IPCS | r::RXD_STAT_L4CS,
            0,
        ),
        (
            FrameSpec::ipv4_tcp(64),
            Some(Corrupt::L4),
            r::RXD_STAT_IPCS | r::RXD_STAT_L4CS,
            r::RXD_ERR_L4E,
        ),
        (
            FrameSpec::ipv4_udp(64),
            Some(Corrupt::IpHeader),
            ok_bits,
            r::RXD_ERR_IPE,
        ),
        (
            FrameSpec::ipv4_udp(64),
            Some(Corrupt::L4),
            ok_bits,
            r::RXD_ERR_L4E,
        ),
        (
            FrameSpec::ipv6_tcp(64),
            Some(Corrupt::L4),
            r::RXD_STAT_L4CS,
            r::RXD_ERR_L4E,
        ),
        (
            FrameSpec::ipv6_udp(64),
            None,
            r::RXD_STAT_L4CS | r::RXD_STAT_UDPCS,
            0,
        ),
    ];
    for (spec, corrupt, want_ok, want_err) in cases {
        let mut spec = spec;
        spec.dst = PF_MAC;
        let mut frame = check::build_frame(&spec);
        if let Some(c) = corrupt {
            assert!(check::corrupt_checksum(&mut frame, c));
        }
        dev.inject(&frame);
        let got = rx.poll();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].status & (ok_bits | err_bits),
            want_ok | want_err,
            "{spec:?} {corrupt:?}"
        );
        let want_type = if spec.ipv6 {
            r::RXD_PKT_IPV6
        } else {
            r::RXD_PKT_IPV4
        } | if spec.l4 == L4::Udp {
            r::RXD_PKT_UDP
        } else {
            r::RXD_PKT_TCP
        };
        assert_eq!(got[0].pkt_info & 0xFFF0, want_type);
        assert_eq!(got[0].data, frame);
    }
    // IPv4 UDP with checksum 0: not checked (no L4CS, no error).
    let mut spec = FrameSpec::ipv4_udp(64);
    spec.dst = PF_MAC;
    spec.udp_checksum_zero = true;
    dev.inject(&check::build_frame(&spec));
    let got = rx.poll();
    assert_eq!(got[0].status & (ok_bits | err_bits), r::RXD_STAT_IPCS);
}

/// Rx ring on queue 0 with 1 KiB buffers (SRRCTL.BSIZEPKT = 1) and long packets allowed.
fn small_buffer_ring(dev: &Device) -> (igb_model::DmaRegion, Vec<igb_model::DmaRegion>) {
    let pf = dev.pf_bar();
    set_rar(&pf, 0, PF_MAC, 0);
    pf.write32(r::RLPML, 9022);
    pf.write32(
        r::RCTL,
        r::RCTL_EN | r::RCTL_BAM | r::RCTL_SECRC | r::RCTL_LPE,
    );
    let arena = dev.dma();
    let ring = arena.allocate(16 * 16, 128).unwrap();
    let buffers: Vec<_> = (0..16)
        .map(|_| arena.allocate(1024, 128).unwrap())
        .collect();
    for (i, b) in buffers.iter().enumerate() {
        ring.write_u64(i * 16, b.dma_addr().as_u64()).unwrap();
        ring.write_u64(i * 16 + 8, 0).unwrap();
    }
    let q = pf_rxq(0);
    let base = ring.dma_addr().as_u64();
    pf.write32(q + r::Q_DCTL, 0);
    pf.write32(q + r::Q_BAL, base as u32);
    pf.write32(q + r::Q_BAH, (base >> 32) as u32);
    pf.write32(q + r::Q_LEN, 16 * 16);
    pf.write32(q + r::Q_SRRCTL, 1 | (1 << 25) | r::SRRCTL_DROP_EN);
    pf.write32(q + r::Q_HEAD, 0);
    pf.write32(q + r::Q_TAIL, 0);
    pf.write32(q + r::Q_DCTL, r::DCTL_ENABLE);
    pf.write32(q + r::Q_TAIL, 15);
    (ring, buffers)
}

#[test]
fn a_jumbo_frame_spans_descriptors_with_eop_and_status_on_the_last() {
    let dev = Device::new(Generation::I82576);
    let (ring, buffers) = small_buffer_ring(&dev);
    let mut spec = FrameSpec::ipv4_tcp(3000 - 54);
    spec.dst = PF_MAC;
    let frame = check::build_frame(&spec);
    dev.inject(&frame);
    let mut data = Vec::new();
    for (i, buffer) in buffers.iter().enumerate().take(3) {
        let status = ring.read_u32(i * 16 + 8).unwrap();
        let len = (ring.read_u32(i * 16 + 12).unwrap() & 0xFFFF) as usize;
        assert_ne!(status & r::RXD_STAT_DD, 0);
        assert_eq!(
            status & r::RXD_STAT_EOP != 0,
            i == 2,
            "EOP only on the last"
        );
        assert_eq!(
            status & r::RXD_STAT_L4CS != 0,
            i == 2,
            "offload status only on EOP"
        );
        assert_eq!(len, if i < 2 { 1024 } else { 3000 - 2048 });
        let mut chunk = vec![0u8; len];
        buffer.read_bytes(0, &mut chunk).unwrap();
        data.extend_from_slice(&chunk);
    }
    assert_eq!(data, frame);
    assert_eq!(ring.read_u32(3 * 16 + 8).unwrap() & r::RXD_STAT_DD, 0);
}

#[test]
fn an_injected_bad_writeback_claims_more_than_the_buffer_once() {
    let dev = Device::new(Generation::I350);
    let (ring, _buffers) = small_buffer_ring(&dev);
    dev.corrupt_next_rx_writeback(RxCorruption {
        length: Some(4000),
        status_set: r::RXD_ERR_IPE,
        status_clear: 0,
    });
    let mut spec = FrameSpec::ipv4_udp(100);
    spec.dst = PF_MAC;
    let frame = check::build_frame(&spec);
    dev.inject(&frame);
    dev.inject(&frame);
    let len0 = ring.read_u32(12).unwrap() & 0xFFFF;
    let st0 = ring.read_u32(8).unwrap();
    assert_eq!(len0, 4000, "longer than the 1 KiB buffer");
    assert_ne!(st0 & r::RXD_ERR_IPE, 0);
    // One-shot: the next write-back is genuine.
    assert_eq!(ring.read_u32(16 + 12).unwrap() & 0xFFFF, frame.len() as u32);
    assert_eq!(ring.read_u32(16 + 8).unwrap() & r::RXD_ERR_IPE, 0);
}

#[test]
fn model_tso_passes_the_independent_lso_checker() {
    for (ipv6, mss, payload) in [
        (false, 1000, 3000),
        (false, 1448, 7001),
        (true, 1220, 5000),
        (true, 536, 536),
    ] {
        let dev = Device::new(Generation::I82576);
        let (_rx, mut tx) = plain_pf(&dev);
        let mut spec = if ipv6 {
            FrameSpec::ipv6_tcp(payload)
        } else {
            FrameSpec::ipv4_tcp(payload)
        };
        spec.l4 = L4::Tcp {
            seq: 0xFFFF_F000,
            flags: 0x19,
        }; // wraps; ACK|PSH|FIN
        let original = check::build_frame(&spec);
        let iplen: u32 = if ipv6 { 40 } else { 20 };
        let ctx = [
            iplen | (14 << 9),
            0,
            if ipv6 { 0 } else { r::TXCTX_TUCMD_IPV4 }
                | (1 << r::TXCTX_TUCMD_L4T_SHIFT)
                | (r::TXD_DTYP_CONTEXT << r::TXD_DTYP_SHIFT)
                | r::TXD_CMD_DEXT,
            (20 << 8) | (mss << 16),
        ];
        tx.send_with(
            &original,
            TxOptions {
                context: Some(ctx),
                cmd: r::TXD_CMD_TSE,
                olinfo: r::TXD_POPTS_TXSM | if ipv6 { 0 } else { r::TXD_POPTS_IXSM },
            },
        );
        let segments = dev.capture();
        check::verify_lso(&original, &segments, mss as usize)
            .unwrap_or_else(|e| panic!("ipv6 {ipv6} mss {mss}: {e}"));
        // A segment list with one segment's payload altered is rejected.
        let mut bad = segments.clone();
        let last = bad.len() - 1;
        let end = bad[last].len() - 1;
        bad[last][end] ^= 1;
        assert!(check::verify_lso(&original, &bad, mss as usize).is_err());
    }
}
