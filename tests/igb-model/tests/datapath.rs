//! Rx write-back (checksum status, VLAN strip, CRC), Rx overflow, DMA faults, Tx offloads,
//! head write-back, per-pool length limits, and the pcap writer.

mod common;

use common::*;
use hw_platform::{DmaAllocator, DmaMemory, Mmio};
use igb_model::regs as r;
use igb_model::{Device, Generation};

/// A non-VMDq PF with one Rx and one Tx queue (queue 0), broadcast and PF MAC accepted.
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
fn rx_reports_checksum_status_and_errors() {
    let dev = Device::new(Generation::I82576);
    let (mut rx, _tx) = plain_pf(&dev);
    let good_udp = eth(
        PF_MAC,
        [2, 1, 1, 1, 1, 1],
        None,
        0x0800,
        &ipv4(17, &udp(b"payload"), true),
    );
    let good_tcp = eth(
        PF_MAC,
        [2, 1, 1, 1, 1, 1],
        None,
        0x0800,
        &ipv4(6, &tcp(b"data", 1, 0x18), true),
    );
    let mut bad_l4 = good_tcp.clone();
    let last = 14 + 20 + 20 + 3;
    bad_l4[last] ^= 0xFF; // corrupt payload → TCP checksum wrong
    let mut bad_ip = good_udp.clone();
    bad_ip[14 + 8] ^= 1; // TTL changed without fixing the header checksum
    for frame in [&good_udp, &good_tcp, &bad_l4, &bad_ip] {
        dev.inject(frame);
    }
    let got = rx.poll();
    assert_eq!(got.len(), 4);
    let ok = r::RXD_STAT_IPCS | r::RXD_STAT_L4CS;
    assert_eq!(
        got[0].status & (ok | r::RXD_STAT_UDPCS | r::RXD_ERR_IPE | r::RXD_ERR_L4E),
        ok | r::RXD_STAT_UDPCS
    );
    assert_eq!(got[0].pkt_info & 0xFFF0, r::RXD_PKT_IPV4 | r::RXD_PKT_UDP);
    assert_eq!(got[1].status & (ok | r::RXD_ERR_IPE | r::RXD_ERR_L4E), ok);
    assert_eq!(got[1].pkt_info & 0xFFF0, r::RXD_PKT_IPV4 | r::RXD_PKT_TCP);
    assert_eq!(
        got[2].status & (r::RXD_ERR_IPE | r::RXD_ERR_L4E),
        r::RXD_ERR_L4E
    );
    assert_eq!(
        got[3].status & (r::RXD_ERR_IPE | r::RXD_ERR_L4E),
        r::RXD_ERR_IPE
    );
    // Non-IP frames get no checksum bits.
    dev.inject(&eth(PF_MAC, [2, 1, 1, 1, 1, 1], None, 0x0806, b"arp"));
    let arp = rx.poll();
    assert_eq!(arp[0].status & (ok | r::RXD_STAT_UDPCS), 0);
    // Checksum offload off: no status bits.
    dev.pf_bar().write32(r::RXCSUM, 0);
    dev.inject(&good_tcp);
    assert_eq!(rx.poll()[0].status & ok, 0);
}

#[test]
fn rx_vlan_strip_puts_the_tag_in_the_descriptor() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 1);
    let pf = dev.pf_bar();
    pf.write32(
        r::VMOLR0,
        r::VMOLR_AUPE | r::VMOLR_BAM | r::VMOLR_STRCRC | r::VMOLR_STRVLAN,
    );
    let mut vf0 = RxRing::new(&dev.dma(), dev.vf_bar(0), vf_rxq(0), 8);
    let inner = ipv4(17, &udp(b"tagged"), true);
    dev.inject(&eth(
        vf_mac(0),
        [2, 1, 1, 1, 1, 1],
        Some(0x2064),
        0x0800,
        &inner,
    ));
    let got = vf0.poll();
    assert_eq!(got.len(), 1);
    assert_ne!(got[0].status & r::RXD_STAT_VP, 0);
    assert_eq!(got[0].vlan, 0x2064);
    assert_eq!(
        got[0].data,
        eth(vf_mac(0), [2, 1, 1, 1, 1, 1], None, 0x0800, &inner)[..got[0].data.len()]
    );
    assert_eq!(&got[0].data[12..14], &[0x08, 0x00]);
    // Checksums are still validated on the tagged frame.
    assert_ne!(got[0].status & r::RXD_STAT_L4CS, 0);
    // Without STRVLAN the tag stays in the data.
    pf.write32(r::VMOLR0, r::VMOLR_AUPE | r::VMOLR_BAM | r::VMOLR_STRCRC);
    dev.inject(&eth(vf_mac(0), [2, 1, 1, 1, 1, 1], Some(5), 0x0800, &inner));
    let got = vf0.poll();
    assert_eq!(got[0].status & r::RXD_STAT_VP, 0);
    assert_eq!(&got[0].data[12..16], &[0x81, 0x00, 0x00, 0x05]);
}

#[test]
fn replicated_frames_strip_by_rplolr_not_the_pools_vmolr_on_the_82576() {
    // igb-hardware.md §6 step 7 / §2.2: on the 82576 the replicated broadcast/multicast copies
    // take their offloads from RPLOLR, so VMOLR.STRVLAN of the pool does not strip them.
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 1);
    let pf = dev.pf_bar();
    pf.write32(
        r::VMOLR0,
        r::VMOLR_AUPE | r::VMOLR_BAM | r::VMOLR_STRCRC | r::VMOLR_STRVLAN,
    );
    let mut vf0 = RxRing::new(&dev.dma(), dev.vf_bar(0), vf_rxq(0), 8);
    let inner = ipv4(17, &udp(b"everyone"), true);
    let broadcast = eth([0xFF; 6], [2, 1, 1, 1, 1, 1], Some(0x6007), 0x0800, &inner);
    dev.inject(&broadcast);
    let got = vf0.poll();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].status & r::RXD_STAT_VP, 0, "RPLOLR.STRVLAN clear");
    assert_eq!(&got[0].data[12..16], &[0x81, 0x00, 0x60, 0x07]);
    pf.write32(r::RPLOLR, r::RPLOLR_STRCRC | r::RPLOLR_STRVLAN);
    dev.inject(&broadcast);
    let got = vf0.poll();
    assert_ne!(got[0].status & r::RXD_STAT_VP, 0);
    assert_eq!(got[0].vlan, 0x6007);
    assert_eq!(&got[0].data[12..14], &[0x08, 0x00]);
}

#[test]
fn rx_without_crc_strip_appends_the_ethernet_crc() {
    let dev = Device::new(Generation::I82576);
    let (mut rx, _tx) = plain_pf(&dev);
    dev.pf_bar().write32(r::RCTL, r::RCTL_EN | r::RCTL_BAM);
    let frame = eth(PF_MAC, [2, 1, 1, 1, 1, 1], None, 0x0800, b"crc please");
    dev.inject(&frame);
    let got = rx.poll();
    assert_eq!(got[0].data.len(), frame.len() + 4);
    // The CRC-32 of a frame followed by its CRC (little-endian) is the fixed residue.
    assert_eq!(igb_model::crc32(&got[0].data), 0x2144_DF1C);
}

#[test]
fn rx_overflow_drops_and_counts() {
    let dev = Device::new(Generation::I82576);
    let (mut rx, _tx) = plain_pf(&dev);
    let pf = dev.pf_bar();
    let frame = eth(PF_MAC, [2, 1, 1, 1, 1, 1], None, 0x0800, b"flood");
    // 8 descriptors, tail = 7: 7 frames fit, the 8th and 9th are dropped.
    for _ in 0..9 {
        dev.inject(&frame);
    }
    assert_eq!(pf.read32(r::RNBC), 2);
    assert_eq!(pf.read32(r::RNBC), 0, "read-to-clear");
    assert_eq!(
        pf.read32(pf_rxq(0) + r::Q_RQDPC),
        2,
        "SRRCTL.DROP_EN → per-queue drop count"
    );
    assert_eq!(pf.read32(r::MPC), 0);
    assert_eq!(dev.queue_stats(0).rx_no_descriptor_drops, 2);
    assert_eq!(rx.poll().len(), 7);
    assert_eq!(pf.read32(r::GPRC), 7);
    // Without DROP_EN the same overflow is a missed packet (no FIFO is modelled).
    pf.write32(pf_rxq(0) + r::Q_SRRCTL, 2 | (1 << 25));
    for _ in 0..8 {
        dev.inject(&frame);
    }
    assert_eq!(pf.read32(r::MPC), 1);
    assert_eq!(pf.read32(pf_rxq(0) + r::Q_RQDPC), 0);
}

#[test]
fn dma_outside_allocated_memory_faults_and_is_not_processed() {
    let dev = Device::new(Generation::I82576);
    let (_rx, tx) = plain_pf(&dev);
    let pf = dev.pf_bar();
    // A Tx data descriptor pointing at an address nobody allocated.
    let i = tx.tail;
    tx.ring.write_u64(i * 16, 0xDEAD_0000).unwrap();
    let cmd = 60
        | (r::TXD_DTYP_DATA << r::TXD_DTYP_SHIFT)
        | r::TXD_CMD_DEXT
        | r::TXD_CMD_EOP
        | r::TXD_CMD_RS;
    tx.ring.write_u32(i * 16 + 8, cmd).unwrap();
    tx.ring.write_u32(i * 16 + 12, 60 << 14).unwrap();
    pf.write32(pf_txq(0) + r::Q_TAIL, 1);
    assert_eq!(dev.counters().dma_faults, 1);
    assert_eq!(dev.last_dma_fault().map(|f| f.addr), Some(0xDEAD_0000));
    assert!(!tx.done(i), "no DD for a faulted descriptor");
    assert_eq!(
        pf.read32(pf_txq(0) + r::Q_HEAD),
        0,
        "the queue stalls at the fault"
    );
    assert!(dev.capture().is_empty());

    // An Rx ring freed by the driver: the device can no longer reach it.
    let arena = dev.dma();
    let ring = arena.allocate(8 * 16, 128).unwrap();
    let base = ring.dma_addr().as_u64();
    pf.write32(pf_rxq(0) + r::Q_BAL, base as u32);
    pf.write32(pf_rxq(0) + r::Q_BAH, (base >> 32) as u32);
    pf.write32(pf_rxq(0) + r::Q_HEAD, 0);
    pf.write32(pf_rxq(0) + r::Q_TAIL, 7);
    drop(ring);
    dev.inject(&eth(PF_MAC, [2, 1, 1, 1, 1, 1], None, 0x0800, b"late"));
    assert_eq!(dev.counters().dma_faults, 2);
    // Running off the end of a region is also a fault (guard gap), not a neighbour write.
    let small = arena.allocate(64, 64).unwrap();
    assert!(
        arena
            .write(small.dma_addr().as_u64() + 60, &[0; 8])
            .is_err()
    );
}

#[test]
fn tx_checksum_offload_and_tso() {
    let dev = Device::new(Generation::I82576);
    let (_rx, mut tx) = plain_pf(&dev);
    let dst = [2, 1, 1, 1, 1, 1];
    // Checksum insertion: context MACLEN 14, IPLEN 20, IPv4 + TCP; data IXSM | TXSM.
    let mut frame = eth(
        dst,
        PF_MAC,
        None,
        0x0800,
        &ipv4(6, &tcp(b"0123456789", 7, 0x18), false),
    );
    frame[14 + 10] = 0; // IP header checksum left to the hardware
    frame[14 + 11] = 0;
    let ctx = [
        20 | (14 << 9),
        0,
        r::TXCTX_TUCMD_IPV4
            | (1 << r::TXCTX_TUCMD_L4T_SHIFT)
            | (r::TXD_DTYP_CONTEXT << r::TXD_DTYP_SHIFT)
            | r::TXD_CMD_DEXT,
        0,
    ];
    tx.send_with(
        &frame,
        TxOptions {
            context: Some(ctx),
            cmd: 0,
            olinfo: r::TXD_POPTS_IXSM | r::TXD_POPTS_TXSM,
        },
    );
    let out = dev.capture();
    assert_eq!(out.len(), 1);
    assert_eq!(checksums_ok(&out[0]), (true, true));

    // TSO: 3000 bytes of payload, MSS 1000 → three segments with correct lengths, sequence
    // numbers and checksums; PSH/FIN only on the last.
    let payload: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
    let big = eth(
        dst,
        PF_MAC,
        None,
        0x0800,
        &ipv4(6, &tcp(&payload, 1000, 0x19), false),
    );
    let tso_ctx = [ctx[0], 0, ctx[2], (20 << 8) | (1000 << 16)];
    let index = tx.send_with(
        &big,
        TxOptions {
            context: Some(tso_ctx),
            cmd: r::TXD_CMD_TSE,
            olinfo: r::TXD_POPTS_IXSM | r::TXD_POPTS_TXSM,
        },
    );
    assert!(tx.done(index));
    let segments = dev.capture();
    assert_eq!(segments.len(), 3);
    for (k, seg) in segments.iter().enumerate() {
        assert_eq!(seg.len(), 14 + 20 + 20 + 1000);
        assert_eq!(checksums_ok(seg), (true, true), "segment {k}");
        let seq = u32::from_be_bytes([seg[38], seg[39], seg[40], seg[41]]);
        assert_eq!(seq, 1000 + 1000 * k as u32);
        let flags = seg[47];
        assert_eq!(
            flags & 0x09 != 0,
            k == 2,
            "PSH/FIN only on the last segment"
        );
        assert_eq!(&seg[54..], &payload[1000 * k..1000 * (k + 1)]);
    }
    assert_eq!(dev.pf_bar().read32(r::GPTC), 4);
}

#[test]
fn tx_vlan_insertion_and_vmvir_override() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 1);
    let pf = dev.pf_bar();
    let mut tx = TxRing::new(&dev.dma(), dev.vf_bar(0), vf_txq(0), 8);
    let frame = eth(BROADCAST, vf_mac(0), None, 0x0800, b"vlan me");
    let vle_ctx = [
        14 << 9 | (42 << 16),
        0,
        (r::TXD_DTYP_CONTEXT << r::TXD_DTYP_SHIFT) | r::TXD_CMD_DEXT,
        0,
    ];
    tx.send_with(
        &frame,
        TxOptions {
            context: Some(vle_ctx),
            cmd: r::TXD_CMD_VLE,
            olinfo: 0,
        },
    );
    let out = dev.capture();
    assert_eq!(&out[0][12..16], &[0x81, 0x00, 0x00, 42]);
    // Port VLAN: VMVIR "always insert default" replaces whatever the VF asked for.
    pf.write32(r::VMVIR0, r::VMVIR_VLANA_DEFAULT | 7);
    tx.send(&frame);
    assert_eq!(&dev.capture()[0][12..16], &[0x81, 0x00, 0x00, 7]);
}

#[test]
fn tx_head_write_back_replaces_dd() {
    let dev = Device::new(Generation::I82576);
    let (_rx, mut tx) = plain_pf(&dev);
    let arena = dev.dma();
    let head_wb = arena.allocate(64, 64).unwrap();
    head_wb.fill(0xAA);
    let addr = head_wb.dma_addr().as_u64();
    let pf = dev.pf_bar();
    pf.write32(pf_txq(0) + r::Q_TDWBAH, (addr >> 32) as u32);
    pf.write32(pf_txq(0) + r::Q_TDWBAL, addr as u32 | 1);
    let i = tx.send(&eth([2, 1, 1, 1, 1, 1], PF_MAC, None, 0x0800, b"x"));
    tx.send(&eth([2, 1, 1, 1, 1, 1], PF_MAC, None, 0x0800, b"y"));
    assert_eq!(head_wb.read_u32(0).unwrap(), 2);
    assert!(!tx.done(i), "no DD write-back with head write-back on");
    assert_eq!(dev.capture().len(), 2);
}

#[test]
fn per_pool_long_packet_limit() {
    let dev = Device::new(Generation::I82576);
    pf_vmdq_setup(&dev, 2);
    let pf = dev.pf_bar();
    pf.write32(r::RCTL, r::RCTL_EN | r::RCTL_LPE);
    pf.write32(r::RLPML, 9018);
    // VF0 allows 3000-byte frames, VF1 keeps the 1518 default.
    pf.write32(
        r::VMOLR0,
        r::VMOLR_AUPE | r::VMOLR_BAM | r::VMOLR_STRCRC | r::VMOLR_LPE | 3000,
    );
    let mut vf0 = RxRing::new(&dev.dma(), dev.vf_bar(0), vf_rxq(0), 8);
    let mut vf1 = RxRing::new(&dev.dma(), dev.vf_bar(1), vf_rxq(0), 8);
    let jumbo = eth(BROADCAST, [2, 1, 1, 1, 1, 1], None, 0x0800, &[0u8; 1900]);
    dev.inject(&jumbo);
    // 1914 + 4 bytes fits VF0's 3000-byte limit (and its 2 KiB buffer); VF1 and the PF pool
    // keep the 1518 default and drop it by length.
    assert_eq!(vf0.poll().len(), 1);
    assert!(vf1.poll().is_empty());
    let too_big = eth(BROADCAST, [2, 1, 1, 1, 1, 1], None, 0x0800, &[0u8; 3000]);
    dev.inject(&too_big);
    assert!(vf0.poll().is_empty());
    assert_eq!(pf.read32(r::ROC), 1);
}

#[test]
fn pcap_file_holds_both_directions() {
    let dev = Device::new(Generation::I82576);
    let (_rx, mut tx) = plain_pf(&dev);
    let inbound = eth(PF_MAC, [2, 1, 1, 1, 1, 1], None, 0x0800, b"in");
    let outbound = eth([2, 1, 1, 1, 1, 1], PF_MAC, None, 0x0800, b"out");
    dev.inject(&inbound);
    dev.clock().advance(std::time::Duration::from_millis(1500));
    tx.send(&outbound);
    let path = std::env::temp_dir().join(format!("igb-model-{}.pcap", std::process::id()));
    dev.write_pcap(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(&bytes[0..4], &0xA1B2_C3D4u32.to_le_bytes());
    assert_eq!(
        u32::from_le_bytes(bytes[20..24].try_into().unwrap()),
        1,
        "LINKTYPE_ETHERNET"
    );
    let first_len = u32::from_le_bytes(bytes[32..36].try_into().unwrap()) as usize;
    assert_eq!(&bytes[40..40 + first_len], &inbound[..]);
    let second = 40 + first_len;
    assert_eq!(
        u32::from_le_bytes(bytes[second..second + 4].try_into().unwrap()),
        1,
        "1 s"
    );
    assert_eq!(
        u32::from_le_bytes(bytes[second + 4..second + 8].try_into().unwrap()),
        500_000
    );
    assert_eq!(&bytes[second + 16..], &outbound[..]);
}
