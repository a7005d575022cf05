//! The data-path test kit against the well-behaved test miniport: shaped sends reach the
//! driver byte-exact through the drivers' own MDL walker, completions are counted exactly once
//! with their status, and receives expose data, info slots and RESOURCES semantics.

mod common;

use std::time::Duration;

use common::*;
use ndis_abi::*;
use ndis_emu::{MdlSpec, NbSpec, NblSpec, ShapeLimits, ShapeRng, assert_no_violations};

fn faults(f: impl FnOnce(&mut Faults)) -> Faults {
    let mut x = Faults::default();
    f(&mut x);
    x
}

#[test]
fn random_shapes_reach_the_driver_byte_exact_and_complete_once() {
    let (_driver, adapter) = adapter_with(Faults::default());
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    let mut rng = ShapeRng::new(0x5EED);
    let limits = ShapeLimits::default();
    let mut sent = 0usize;
    let mut expected: Vec<Vec<Vec<u8>>> = Vec::new();
    for _round in 0..100 {
        let batch = rng.range(1, 12);
        let specs: Vec<NblSpec> = (0..batch)
            .map(|_| NblSpec::random_frames(&mut rng, 60..=9018, &limits))
            .collect();
        expected.extend(
            specs
                .iter()
                .map(|s| s.frames().iter().map(|f| f.to_vec()).collect()),
        );
        let ids = adapter.send_shaped(&specs);
        assert_eq!(ids.len(), batch);
        sent += batch;
        adapter.fire_interrupt(1);
    }
    let done = adapter.wait_send_completions(sent, Duration::from_secs(5));
    assert_eq!(done.len(), sent);
    let mut ids: Vec<u64> = done.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), sent, "every NBL completed exactly once");
    assert!(
        done.iter()
            .all(|c| c.status == NDIS_STATUS_SUCCESS && c.at_dispatch)
    );
    let seen = std::mem::take(&mut *state(&adapter).sent_frames.lock().unwrap());
    assert_eq!(seen.len(), sent);
    for (i, (nbl, want)) in seen.iter().zip(&expected).enumerate() {
        let got: Vec<Vec<u8>> = nbl.iter().map(|f| f.clone().expect("walkable")).collect();
        assert_eq!(&got, want, "NBL {i}");
    }
    assert_eq!(adapter.outstanding_sends(), 0);
    assert_no_violations(&adapter.finish());
}

#[test]
fn bad_shapes_are_visible_to_the_driver_as_such() {
    let (_driver, adapter) = adapter_with(Faults::default());
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    let frame = [0x42u8; 200];
    let specs = [
        NblSpec::empty(),
        // 100 bytes of chain for 200 bytes of DataLength.
        NblSpec::new(vec![NbSpec::split(&frame, 0, &[60, 40])]),
        NblSpec::new(vec![NbSpec::contiguous(&frame).with_data_length(0)]),
        // DataOffset past the first two MDLs: CurrentMdl is the third.
        NblSpec::new(vec![NbSpec {
            mdls: vec![
                MdlSpec::new(7),
                MdlSpec { len: 9, gap: 3 },
                MdlSpec::new(300),
            ],
            data_offset: 16,
            data: frame.to_vec(),
            data_length: None,
        }]),
    ];
    adapter.send_shaped(&specs);
    adapter.fire_interrupt(1);
    assert_eq!(
        adapter
            .wait_send_completions(4, Duration::from_secs(1))
            .len(),
        4
    );
    let seen = std::mem::take(&mut *state(&adapter).sent_frames.lock().unwrap());
    assert_eq!(seen[0], Vec::<Option<Vec<u8>>>::new(), "no NB");
    assert_eq!(
        seen[1],
        vec![None],
        "chain shorter than DataLength is rejected"
    );
    assert_eq!(seen[2], vec![Some(Vec::new())]);
    assert_eq!(seen[3], vec![Some(frame.to_vec())]);
    assert_no_violations(&adapter.finish());
}

#[test]
fn per_nbl_info_reaches_the_driver() {
    let spec = NblSpec::contiguous(&[0u8; 100])
        .with_vlan(100, 5)
        .with_checksum(ndis_emu::ChecksumRequest {
            ipv4: true,
            tcp: true,
            ip_header: true,
            tcp_header_offset: 34,
            ..Default::default()
        })
        .with_lso_v2(1000, 34, true);
    let vlan = NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(
        spec.info_value(Ieee8021QNetBufferListInfo).unwrap(),
    );
    assert_eq!((vlan.VlanId(), vlan.UserPriority()), (100, 5));
    let csum = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(
        spec.info_value(TcpIpChecksumNetBufferListInfo).unwrap(),
    );
    assert_eq!(
        (
            csum.Transmit_IsIPv4(),
            csum.Transmit_TcpChecksum(),
            csum.Transmit_IpHeaderChecksum(),
            csum.Transmit_TcpHeaderOffset()
        ),
        (1, 1, 1, 34)
    );
    let lso = NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(
        spec.info_value(TcpLargeSendNetBufferListInfo).unwrap(),
    );
    assert_eq!(
        (
            lso.Type(),
            lso.MSS(),
            lso.TcpHeaderOffset(),
            lso.IPVersion()
        ),
        (1, 1000, 34, 1)
    );
    assert!(spec.is_lso_v2());
}

#[test]
fn resources_receives_are_copied_during_the_call_and_never_returned() {
    let (_driver, adapter) = adapter_with(faults(|f| {
        f.receive_with_resources = true;
        f.receive_with_info = true;
    }));
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    adapter.fire_interrupt(0);
    adapter.fire_interrupt(0);
    let rx = adapter.indicated_receives();
    assert_eq!(rx.len(), 2);
    for f in &rx {
        assert!(f.resources);
        // The miniport zeroed the buffer right after the call: the copy predates that.
        assert_eq!(f.data, vec![0xA5; 64]);
        assert_eq!((f.nb_count, f.mdl_count, f.data_length), (1, 1, 64));
        assert_eq!(f.checksum, RX_INFO.0);
        assert_eq!(f.checksum_info().Receive_TcpChecksumSucceeded(), 1);
        assert_eq!(f.checksum_info().Receive_IpChecksumSucceeded(), 1);
        assert_eq!(f.ieee8021q_info().VlanId(), 0x0123_0005 >> 4 & 0xFFF);
        assert_eq!(f.hash_value, RX_INFO.2);
        assert_eq!(f.hash_type(), NDIS_HASH_TCP_IPV4);
        assert_eq!(f.hash_function(), NdisHashFunctionToeplitz);
    }
    assert_eq!(adapter.owned_receives(), 0);
    assert_eq!(
        adapter.return_receives(),
        0,
        "NDIS never returns RESOURCES NBLs"
    );
    let c = adapter.receive_counts();
    assert_eq!(
        (c.indicated, c.with_resources, c.returned, c.owned),
        (2, 2, 0, 0)
    );
    assert_no_violations(&adapter.finish());
}

#[test]
fn ordinary_receives_are_counted_until_returned() {
    let (_driver, adapter) = adapter_with(Faults::default());
    assert_eq!(adapter.restart(), NDIS_STATUS_SUCCESS);
    adapter.fire_interrupt(0);
    adapter.fire_interrupt(0);
    let c = adapter.receive_counts();
    assert_eq!(
        (c.indicated, c.with_resources, c.returned, c.owned),
        (2, 0, 0, 2)
    );
    let rx = adapter.indicated_receives();
    assert!(rx.iter().all(|f| !f.resources && f.data == vec![0xA5; 64]));
    assert_eq!(adapter.return_receives(), 2);
    let c = adapter.receive_counts();
    assert_eq!((c.returned, c.owned), (2, 0));
    assert_no_violations(&adapter.finish());
}
