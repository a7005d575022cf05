//! The PF's task-offload control plane through the NDIS emulator and the igb model, on the
//! 82576 and the I350: the offload attributes NDIS receives (from the keywords), the
//! `OID_TCP_OFFLOAD_PARAMETERS` / `OID_OFFLOAD_ENCAPSULATION` path with its
//! `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` indication, and the data path following the
//! enabled set: checksums on the wire (checked with `igb_model::check`, arithmetic the model
//! does not share), LSOv2 segments, and the Rx checksum result in the indicated NBLs.

use std::time::Duration;

use igb::ids::Generation;
use igb_model::check::{FrameSpec, build_frame, internet_checksum, verify_lso, verify_segment};
use igb_testbed::Testbed;
use ndis::offload::{
    IP_CHECKSUM_OFFLOAD_IPV4, KEYWORD_SITE_BASE, LSO_V2_IPV6, TCP_CHECKSUM_OFFLOAD_IPV4,
    UDP_CHECKSUM_OFFLOAD_IPV6,
};
use ndis_abi::*;
use ndis_emu::{
    ChecksumRequest, EmuAdapter, EmuDriver, NblSpec, SendCompletion, assert_no_violations,
};

const GENERATIONS: [Generation; 2] = [Generation::I82576, Generation::I350];
const TIMEOUT: Duration = Duration::from_secs(10);

fn load() -> EmuDriver {
    EmuDriver::load(pf_miniport::miniport::portable_driver_entry)
        .expect("DriverEntry registers the PF miniport")
}

fn up(driver: &EmuDriver, testbed: &Testbed, keywords: &[(&str, u32)]) -> EmuAdapter {
    testbed.running_pf(driver, keywords)
}

fn finish(adapter: EmuAdapter, driver: EmuDriver) {
    adapter.return_receives();
    assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    assert_no_violations(&driver.unload());
}

/// The bytes of an ABI structure.
fn to_bytes<T: AbiPod>(value: &T) -> Vec<u8> {
    // SAFETY: `value` is `size_of::<T>()` readable bytes of a plain-data ABI structure.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()).to_vec() }
}

/// An ABI structure from (at most `size_of::<T>()`) bytes, the rest zero.
fn from_bytes<T: AbiPod>(bytes: &[u8]) -> T {
    let mut value = std::mem::MaybeUninit::<T>::zeroed();
    let n = bytes.len().min(size_of::<T>());
    // SAFETY: `n` bytes fit in `value`; the regions are distinct.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), value.as_mut_ptr().cast::<u8>(), n) };
    // SAFETY: `T: AbiPod` accepts any byte pattern; every byte is initialized (zeroed first).
    unsafe { value.assume_init() }
}

/// `NDIS_OFFLOAD_PARAMETERS` revision 5, everything NO_CHANGE, then `edit`.
fn parameters(edit: impl FnOnce(&mut NDIS_OFFLOAD_PARAMETERS)) -> Vec<u8> {
    let mut p = NDIS_OFFLOAD_PARAMETERS::zeroed();
    p.Header = NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_DEFAULT,
        NDIS_OFFLOAD_PARAMETERS_REVISION_5,
        size_of::<NDIS_OFFLOAD_PARAMETERS>() as u16,
    );
    edit(&mut p);
    to_bytes(&p)
}

/// The `NDIS_OFFLOAD`s of every `TASK_OFFLOAD_CURRENT_CONFIG` indication so far.
fn current_config_indications(adapter: &EmuAdapter) -> Vec<NDIS_OFFLOAD> {
    adapter
        .status_indications()
        .into_iter()
        .filter(|s| s.code == NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG)
        .map(|s| {
            assert!(
                s.buffer.len() >= 0x9c,
                "an NDIS_OFFLOAD revision 3 or later"
            );
            let offload: NDIS_OFFLOAD = from_bytes(&s.buffer);
            assert_eq!(offload.Header.Type, NDIS_OBJECT_TYPE_OFFLOAD);
            assert_eq!(usize::from(offload.Header.Size), s.buffer.len());
            offload
        })
        .collect()
}

fn completions(adapter: &EmuAdapter, count: usize) -> Vec<SendCompletion> {
    let mut all = Vec::new();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while all.len() < count && std::time::Instant::now() < deadline {
        all.extend(adapter.wait_send_completions(count - all.len(), TIMEOUT));
    }
    assert_eq!(all.len(), count, "every send completed");
    all
}

/// IPv4/TCP frame to a peer as the stack hands it over with checksum offload: IP header
/// checksum 0, TCP checksum field = the pseudo-header sum (N/offloading-checksum-tasks.md).
/// Returns (frame as sent, the seed written).
fn stack_tcp_frame(payload: usize) -> (Vec<u8>, u16) {
    let mut frame = build_frame(&FrameSpec::ipv4_tcp(payload));
    frame[24] = 0;
    frame[25] = 0;
    let tcp_len = frame.len() - 34;
    let mut pseudo = Vec::new();
    pseudo.extend_from_slice(&frame[26..34]);
    pseudo.extend_from_slice(&[0, 6]);
    pseudo.extend_from_slice(&(tcp_len as u16).to_be_bytes());
    let seed = !internet_checksum(&pseudo);
    frame[50..52].copy_from_slice(&seed.to_be_bytes());
    (frame, seed)
}

fn checksum_request() -> ChecksumRequest {
    ChecksumRequest {
        ipv4: true,
        tcp: true,
        ip_header: true,
        tcp_header_offset: 34,
        ..ChecksumRequest::default()
    }
}

#[test]
fn offload_attributes_follow_the_keywords_and_report_the_whole_hardware() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(
            &driver,
            &testbed,
            &[
                (TCP_CHECKSUM_OFFLOAD_IPV4, 1),
                (IP_CHECKSUM_OFFLOAD_IPV4, 2),
                (LSO_V2_IPV6, 0),
                // Not a defined value: logged, the INF default (3) used.
                (UDP_CHECKSUM_OFFLOAD_IPV6, 4),
            ],
        );
        let attributes = adapter.attributes();
        assert!(attributes.offload, "{generation:?}: offload attributes set");
        let current = attributes
            .offload_default
            .expect("DefaultOffloadConfiguration");
        let hardware = attributes
            .offload_hardware
            .expect("HardwareOffloadCapabilities");
        let c = &current.Checksum;
        assert_eq!(
            c.IPv4Transmit.TcpChecksum(),
            1,
            "{generation:?}: TCPv4 = 1 → Tx"
        );
        assert_eq!(c.IPv4Receive.TcpChecksum(), 0, "{generation:?}: … not Rx");
        assert_eq!(
            c.IPv4Transmit.IpChecksum(),
            0,
            "{generation:?}: IP = 2 → not Tx"
        );
        assert_eq!(c.IPv4Receive.IpChecksum(), 1, "{generation:?}: … Rx");
        assert_eq!(
            c.IPv6Transmit.UdpChecksum(),
            1,
            "{generation:?}: invalid → default"
        );
        assert_eq!(c.IPv6Receive.UdpChecksum(), 1);
        assert_eq!(current.LsoV2.IPv4.MaxOffLoadSize, 64_000);
        assert_eq!(current.LsoV2.IPv4.MinSegmentCount, 2);
        assert_eq!(current.LsoV2.IPv6.MaxOffLoadSize, 0, "*LsoV2IPv6 = 0");
        assert_eq!(current.LsoV1.IPv4.MaxOffLoadSize, 0, "no LSOv1");
        // The hardware structure has everything, whatever the keywords say.
        let h = &hardware.Checksum;
        for direction in [
            &h.IPv4Transmit,
            &h.IPv4Receive,
            &h.IPv6Transmit,
            &h.IPv6Receive,
        ] {
            assert_eq!(direction.TcpChecksum(), 1);
            assert_eq!(direction.UdpChecksum(), 1);
            assert_eq!(direction.TcpOptionsSupported(), 1);
            assert_eq!(direction.Encapsulation, NDIS_ENCAPSULATION_IEEE_802_3);
        }
        assert_eq!(h.IPv4Receive.IpChecksum(), 1);
        assert_eq!(hardware.LsoV2.IPv6.MaxOffLoadSize, 64_000);
        assert_eq!(hardware.LsoV2.IPv6.IpExtensionHeadersSupported(), 1);
        assert_eq!(hardware.UdpSegmentation.IPv4.MaxOffLoadSize, 0, "no USO");
        // The invalid keyword is in the event log with its call site and value.
        let logged = adapter.event_log();
        assert!(
            logged.iter().any(|e| e.code == 0xC000_1392
                && e.values.first() == Some(&(KEYWORD_SITE_BASE + 4))
                && e.values.get(1) == Some(&4)),
            "{generation:?}: {logged:?}"
        );
        // Offload OIDs are listed and answered.
        let oids = attributes.general.expect("general").supported_oids;
        assert!(oids.contains(&OID_TCP_OFFLOAD_PARAMETERS));
        assert!(oids.contains(&OID_OFFLOAD_ENCAPSULATION));
        assert!(adapter.unanswered_supported_oids().is_empty());
        finish(adapter, driver);
    }
}

#[test]
fn a_keyword_disabling_tx_tcp_checksum_holds_from_the_first_send() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        // 2 = Rx only.
        let adapter = up(&driver, &testbed, &[(TCP_CHECKSUM_OFFLOAD_IPV4, 2)]);
        let _ = testbed.device().capture();
        let (frame, seed) = stack_tcp_frame(300);
        adapter.send_shaped(&[NblSpec::contiguous(&frame).with_checksum(checksum_request())]);
        assert_eq!(completions(&adapter, 1)[0].status, NDIS_STATUS_SUCCESS);
        let wire = testbed.device().capture();
        assert_eq!(&wire[0][50..52], &seed.to_be_bytes(), "{generation:?}");
        assert_eq!(
            internet_checksum(&wire[0][14..34]),
            0,
            "IP header checksum on"
        );
        finish(adapter, driver);
    }
}

#[test]
fn disabling_tx_tcp_checksum_indicates_the_new_config_and_the_wire_keeps_the_stacks_field() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[]);
        let _ = testbed.device().capture();
        let (frame, seed) = stack_tcp_frame(400);
        let send = |adapter: &EmuAdapter| {
            adapter.send_shaped(&[NblSpec::contiguous(&frame).with_checksum(checksum_request())]);
            let done = completions(adapter, 1);
            assert_eq!(done[0].status, NDIS_STATUS_SUCCESS);
            let wire = testbed.device().capture();
            assert_eq!(wire.len(), 1);
            wire.into_iter().next().unwrap()
        };
        // Enabled: the wire frame has both checksums right.
        let before = send(&adapter);
        verify_segment(&before).unwrap_or_else(|e| panic!("{generation:?}: {e}"));
        assert_ne!(&before[50..52], &seed.to_be_bytes());
        assert!(current_config_indications(&adapter).is_empty());

        // Tx TCPv4 off (Rx stays on).
        let outcome = adapter.oid_set(
            OID_TCP_OFFLOAD_PARAMETERS,
            &parameters(|p| p.TCPIPv4Checksum = NDIS_OFFLOAD_PARAMETERS_RX_ENABLED_TX_DISABLED),
        );
        assert_eq!(outcome.status, NDIS_STATUS_SUCCESS, "{generation:?}");
        let indications = current_config_indications(&adapter);
        assert_eq!(indications.len(), 1, "{generation:?}: one CURRENT_CONFIG");
        let now = &indications[0].Checksum;
        assert_eq!(now.IPv4Transmit.TcpChecksum(), 0);
        assert_eq!(now.IPv4Receive.TcpChecksum(), 1);
        assert_eq!(now.IPv4Transmit.IpChecksum(), 1, "unchanged");
        assert_eq!(
            indications[0].LsoV2.IPv4.MaxOffLoadSize, 64_000,
            "unchanged"
        );

        // Disabled: the TCP checksum field is what the stack wrote; the IP header checksum
        // (still enabled) is inserted.
        let after = send(&adapter);
        assert_eq!(&after[50..52], &seed.to_be_bytes(), "{generation:?}");
        assert_eq!(
            internet_checksum(&after[14..34]),
            0,
            "IP header checksum inserted"
        );
        assert!(
            verify_segment(&after).is_err(),
            "the TCP checksum is not right"
        );
        assert_eq!(after[..24], before[..24]);
        assert_eq!(after[52..], before[52..]);
        finish(adapter, driver);
    }
}

#[test]
fn lso_v2_of_30_kb_becomes_mss_segments_with_correct_checksums_and_stops_when_disabled() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[]);
        let _ = testbed.device().capture();
        let large = build_frame(&FrameSpec::ipv4_tcp(30_000));
        let mss = 1448;
        adapter.send_shaped(&[NblSpec::contiguous(&large).with_lso_v2(mss, 34, false)]);
        let done = completions(&adapter, 1);
        assert_eq!(done[0].status, NDIS_STATUS_SUCCESS, "{generation:?}");
        // LsoV2TransmitComplete: Type V2, Reserved (the bits LSOv1 uses for TcpPayload) 0
        // (N/offloading-the-segmentation-of-large-tcp-packets.md).
        let info = done[0].lso_complete_info();
        assert_eq!(info.Type(), NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE);
        assert_eq!(info.TcpPayload(), 0);
        let wire = testbed.device().capture();
        assert_eq!(
            wire.len(),
            30_000usize.div_ceil(mss as usize),
            "{generation:?}"
        );
        for segment in &wire {
            verify_segment(segment).unwrap_or_else(|e| panic!("{generation:?}: {e}"));
        }
        verify_lso(&large, &wire, mss as usize).unwrap_or_else(|e| panic!("{generation:?}: {e}"));

        // LSOv2 IPv4 off: such NBLs are dropped, nothing reaches the wire.
        let outcome = adapter.oid_set(
            OID_TCP_OFFLOAD_PARAMETERS,
            &parameters(|p| p.LsoV2IPv4 = NDIS_OFFLOAD_PARAMETERS_LSOV2_DISABLED),
        );
        assert_eq!(outcome.status, NDIS_STATUS_SUCCESS);
        assert_eq!(
            current_config_indications(&adapter)[0]
                .LsoV2
                .IPv4
                .MaxOffLoadSize,
            0
        );
        adapter.send_shaped(&[NblSpec::contiguous(&large).with_lso_v2(mss, 34, false)]);
        let done = completions(&adapter, 1);
        assert_eq!(done[0].status, NDIS_STATUS_INVALID_PACKET, "{generation:?}");
        assert!(testbed.device().capture().is_empty());
        finish(adapter, driver);
    }
}

#[test]
fn rx_tcp_checksum_success_is_reported_only_while_rx_checksum_is_enabled() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[]);
        let mut spec = FrameSpec::ipv4_tcp(200);
        spec.dst = igb_model::DEFAULT_MAC;
        let frame = build_frame(&spec);
        let receive = |adapter: &EmuAdapter| {
            testbed.device().inject(&frame);
            assert!(adapter.wait_for_receives(1, TIMEOUT), "{generation:?}");
            let got = adapter.indicated_receives();
            adapter.return_receives();
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].data, frame);
            got[0].checksum_info()
        };
        let on = receive(&adapter);
        assert_eq!(on.Receive_TcpChecksumSucceeded(), 1, "{generation:?}");
        assert_eq!(on.Receive_IpChecksumSucceeded(), 1);
        let outcome = adapter.oid_set(
            OID_TCP_OFFLOAD_PARAMETERS,
            &parameters(|p| p.TCPIPv4Checksum = NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED),
        );
        assert_eq!(outcome.status, NDIS_STATUS_SUCCESS);
        let off = receive(&adapter);
        assert_eq!(off.Receive_TcpChecksumSucceeded(), 0, "{generation:?}");
        assert_eq!(off.Receive_TcpChecksumFailed(), 0);
        assert_eq!(
            off.Receive_IpChecksumSucceeded(),
            1,
            "IPv4 header Rx still on"
        );
        // Back on.
        let outcome = adapter.oid_set(
            OID_TCP_OFFLOAD_PARAMETERS,
            &parameters(|p| p.TCPIPv4Checksum = NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED),
        );
        assert_eq!(outcome.status, NDIS_STATUS_SUCCESS);
        assert_eq!(receive(&adapter).Receive_TcpChecksumSucceeded(), 1);
        assert_eq!(current_config_indications(&adapter).len(), 2);
        finish(adapter, driver);
    }
}

#[test]
fn malformed_or_unsupported_offload_oids_change_nothing_and_indicate_nothing() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[]);
        let disable_tx = parameters(|p| {
            p.TCPIPv4Checksum = NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED;
            p.IPv4Checksum = NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED;
        });
        let mut cases: Vec<(&str, Vec<u8>, NDIS_STATUS)> = vec![
            ("empty", Vec::new(), NDIS_STATUS_INVALID_LENGTH),
            (
                "3 bytes",
                disable_tx[..3].to_vec(),
                NDIS_STATUS_INVALID_LENGTH,
            ),
            (
                "Size beyond the buffer",
                disable_tx[..20].to_vec(),
                NDIS_STATUS_INVALID_LENGTH,
            ),
            (
                "undefined checksum value",
                parameters(|p| {
                    p.IPv4Checksum = NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED;
                    p.UDPIPv6Checksum = 9;
                }),
                NDIS_STATUS_INVALID_DATA,
            ),
            (
                "LSOv1 on",
                parameters(|p| {
                    p.IPv4Checksum = NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED;
                    p.LsoV1 = NDIS_OFFLOAD_PARAMETERS_LSOV1_ENABLED;
                }),
                NDIS_STATUS_INVALID_PARAMETER,
            ),
            (
                "USO on",
                parameters(|p| {
                    p.IPv4Checksum = NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED;
                    p.UdpSegmentation.IPv6 = NDIS_OFFLOAD_PARAMETERS_USO_ENABLED;
                }),
                NDIS_STATUS_INVALID_PARAMETER,
            ),
        ];
        let mut bad_type = disable_tx.clone();
        bad_type[0] = NDIS_OBJECT_TYPE_OFFLOAD;
        cases.push(("wrong Header.Type", bad_type, NDIS_STATUS_INVALID_PARAMETER));
        let mut revision_0 = disable_tx.clone();
        revision_0[1] = 0;
        cases.push(("revision 0", revision_0, NDIS_STATUS_INVALID_PARAMETER));
        let mut small = disable_tx.clone();
        small[2..4].copy_from_slice(&12u16.to_le_bytes());
        cases.push((
            "Size below revision 1",
            small,
            NDIS_STATUS_INVALID_PARAMETER,
        ));
        for (name, data, status) in &cases {
            let outcome = adapter.oid_set(OID_TCP_OFFLOAD_PARAMETERS, data);
            assert_eq!(outcome.status, *status, "{generation:?}: {name}");
        }
        // A query of the set-only OID is refused.
        assert_eq!(
            adapter.oid_query(OID_TCP_OFFLOAD_PARAMETERS, 64).status,
            NDIS_STATUS_NOT_SUPPORTED
        );
        // Encapsulation: only Ethernet with a 14-byte header.
        let mut encapsulation = NDIS_OFFLOAD_ENCAPSULATION::zeroed();
        encapsulation.Header =
            NDIS_OBJECT_HEADER::new(NDIS_OBJECT_TYPE_OFFLOAD_ENCAPSULATION, 1, 28);
        encapsulation.IPv4.Enabled = NDIS_OFFLOAD_SET_ON;
        encapsulation.IPv4.EncapsulationType = NDIS_ENCAPSULATION_IEEE_802_3;
        encapsulation.IPv4.HeaderSize = 18;
        assert_eq!(
            adapter
                .oid_set(OID_OFFLOAD_ENCAPSULATION, &to_bytes(&encapsulation))
                .status,
            NDIS_STATUS_INVALID_PARAMETER
        );
        assert!(
            current_config_indications(&adapter).is_empty(),
            "{generation:?}: nothing indicated"
        );
        // Nothing changed: the TCP checksum is still inserted.
        let (frame, _) = stack_tcp_frame(100);
        let _ = testbed.device().capture();
        adapter.send_shaped(&[NblSpec::contiguous(&frame).with_checksum(checksum_request())]);
        assert_eq!(completions(&adapter, 1)[0].status, NDIS_STATUS_SUCCESS);
        let wire = testbed.device().capture();
        verify_segment(&wire[0]).unwrap_or_else(|e| panic!("{generation:?}: {e}"));
        // A good encapsulation set succeeds, indicates, and reads back.
        encapsulation.IPv4.HeaderSize = 14;
        encapsulation.IPv6 = encapsulation.IPv4;
        assert_eq!(
            adapter
                .oid_set(OID_OFFLOAD_ENCAPSULATION, &to_bytes(&encapsulation))
                .status,
            NDIS_STATUS_SUCCESS
        );
        assert_eq!(current_config_indications(&adapter).len(), 1);
        let query = adapter.oid_query(OID_OFFLOAD_ENCAPSULATION, 64);
        assert_eq!(query.status, NDIS_STATUS_SUCCESS);
        let read: NDIS_OFFLOAD_ENCAPSULATION = from_bytes(&query.data);
        assert_eq!(read.IPv6.Enabled, NDIS_OFFLOAD_SET_ON);
        assert_eq!(read.IPv6.HeaderSize, 14);
        finish(adapter, driver);
    }
}

/// What the Rx checksum info of one indicated frame says, as booleans (IP ok, IP failed,
/// TCP ok, TCP failed, UDP ok, UDP failed).
fn rx_verdict(info: &NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO) -> [u32; 6] {
    [
        info.Receive_IpChecksumSucceeded(),
        info.Receive_IpChecksumFailed(),
        info.Receive_TcpChecksumSucceeded(),
        info.Receive_TcpChecksumFailed(),
        info.Receive_UdpChecksumSucceeded(),
        info.Receive_UdpChecksumFailed(),
    ]
}

#[test]
fn rx_frames_with_broken_checksums_are_indicated_intact_and_marked_failed() {
    use igb_model::check::{Corrupt, corrupt_checksum};
    // (frame, which checksum is broken, expected [IP ok, IP bad, TCP ok, TCP bad, UDP ok,
    // UDP bad]). Each result is what the hardware verified: a broken IPv4 header checksum
    // does not touch the TCP checksum (the pseudo-header holds addresses, not the header
    // checksum), so that one is still reported good; the stack drops the frame for its IP
    // header either way.
    type Case = (FrameSpec, Option<Corrupt>, [u32; 6]);
    let cases: [Case; 6] = [
        (FrameSpec::ipv4_tcp(300), None, [1, 0, 1, 0, 0, 0]),
        (
            FrameSpec::ipv4_tcp(300),
            Some(Corrupt::L4),
            [1, 0, 0, 1, 0, 0],
        ),
        (
            FrameSpec::ipv4_udp(300),
            Some(Corrupt::L4),
            [1, 0, 0, 0, 0, 1],
        ),
        (FrameSpec::ipv6_udp(300), None, [0, 0, 0, 0, 1, 0]),
        (
            FrameSpec::ipv6_tcp(300),
            Some(Corrupt::L4),
            [0, 0, 0, 1, 0, 0],
        ),
        (
            FrameSpec::ipv4_tcp(300),
            Some(Corrupt::IpHeader),
            [0, 1, 1, 0, 0, 0],
        ),
    ];
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[]);
        for (index, (spec, corruption, expected)) in cases.iter().enumerate() {
            let mut spec = spec.clone();
            spec.dst = igb_model::DEFAULT_MAC;
            let mut frame = build_frame(&spec);
            if let Some(which) = corruption {
                assert!(corrupt_checksum(&mut frame, *which), "case {index}");
            }
            testbed.device().inject(&frame);
            assert!(
                adapter.wait_for_receives(1, TIMEOUT),
                "{generation:?} case {index}"
            );
            let got = adapter.indicated_receives();
            adapter.return_receives();
            assert_eq!(got.len(), 1, "{generation:?} case {index}");
            // Indicated as received, bad checksum and all: the stack decides what to drop.
            assert_eq!(got[0].data, frame, "{generation:?} case {index}");
            assert_eq!(
                rx_verdict(&got[0].checksum_info()),
                *expected,
                "{generation:?} case {index}: {corruption:?}"
            );
        }
        finish(adapter, driver);
    }
}

#[test]
fn lso_v2_over_ipv6_becomes_mss_segments_and_udp_ipv6_checksum_is_inserted() {
    for generation in GENERATIONS {
        let driver = load();
        let testbed = Testbed::new(generation);
        let adapter = up(&driver, &testbed, &[]);
        let _ = testbed.device().capture();
        let large = build_frame(&FrameSpec::ipv6_tcp(20_000));
        let mss = 1428;
        // TCP header after 14 bytes of Ethernet and 40 of IPv6.
        adapter.send_shaped(&[NblSpec::contiguous(&large).with_lso_v2(mss, 54, true)]);
        let done = completions(&adapter, 1);
        assert_eq!(done[0].status, NDIS_STATUS_SUCCESS, "{generation:?}");
        assert_eq!(
            done[0].lso_complete_info().Type(),
            NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE
        );
        let wire = testbed.device().capture();
        assert_eq!(
            wire.len(),
            20_000usize.div_ceil(mss as usize),
            "{generation:?}"
        );
        verify_lso(&large, &wire, mss as usize).unwrap_or_else(|e| panic!("{generation:?}: {e}"));

        // A UDP/IPv6 datagram as the stack hands it over: the checksum field holds the
        // pseudo-header sum (source, destination, upper-layer length, next header 17;
        // RFC 8200 8.1); the wire must carry the full checksum.
        let mut udp = build_frame(&FrameSpec::ipv6_udp(500));
        let checksum_at = 14 + 40 + 6;
        let correct = [udp[checksum_at], udp[checksum_at + 1]];
        let udp_len = u32::try_from(udp.len() - 54).expect("small");
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&udp[22..54]);
        pseudo.extend_from_slice(&udp_len.to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, 17]);
        let seed = !internet_checksum(&pseudo);
        udp[checksum_at..checksum_at + 2].copy_from_slice(&seed.to_be_bytes());
        let request = ChecksumRequest {
            ipv4: false,
            ipv6: true,
            tcp: false,
            udp: true,
            ip_header: false,
            tcp_header_offset: 54,
        };
        adapter.send_shaped(&[NblSpec::contiguous(&udp).with_checksum(request)]);
        assert_eq!(completions(&adapter, 1)[0].status, NDIS_STATUS_SUCCESS);
        let wire = testbed.device().capture();
        assert_eq!(wire.len(), 1, "{generation:?}");
        verify_segment(&wire[0]).unwrap_or_else(|e| panic!("{generation:?}: {e}"));
        assert_eq!(
            wire[0][checksum_at..checksum_at + 2],
            correct,
            "{generation:?}"
        );
        finish(adapter, driver);
    }
}
