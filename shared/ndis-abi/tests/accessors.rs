//! Behaviour of the helpers that replace ndis.h macros and C bitfields: NBL information slots,
//! the receive-filter VPort id, checksum/LSO/802.1Q bitfields, `NDIS_MAKE_RID`, and
//! `RTL_SIZEOF_THROUGH_FIELD`.

use ndis_abi::*;

fn empty_nbl() -> NET_BUFFER_LIST {
    NET_BUFFER_LIST::zeroed()
}

#[test]
fn vport_id_round_trips_through_the_filtering_info_slot_without_touching_the_filter_id() {
    let mut nbl = empty_nbl();
    let filtering = NDIS_NET_BUFFER_LIST_FILTERING_INFO::from_value(0).with_FilterId(0x1234);
    assert!(nbl.set_info(NetBufferListFilteringInfo, filtering.to_slot()));
    nbl.set_receive_filter_vport_id(7);
    assert_eq!(nbl.receive_filter_vport_id(), 7);
    assert_eq!(nbl.receive_filter_id(), 0x1234);
    // The VPort id shares storage with the VMQ queue id (a C union), at byte offset 2.
    assert_eq!(nbl.receive_queue_id(), 7);
    let raw = nbl
        .info(NetBufferListFilteringInfo)
        .expect("slot exists")
        .addr();
    assert_eq!(raw, 0x0007_1234);
}

#[test]
fn info_slot_indices_outside_the_array_are_refused() {
    let mut nbl = empty_nbl();
    assert_eq!(nbl.info(MaxNetBufferListInfo), None);
    assert_eq!(nbl.info(-1), None);
    assert!(!nbl.set_info(MaxNetBufferListInfo, core::ptr::null_mut()));
    assert!(nbl.info(MaxNetBufferListInfo - 1).is_some());
}

#[test]
fn checksum_receive_bits_sit_where_the_c_bitfield_puts_them() {
    let info = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(0)
        .with_Receive_TcpChecksumSucceeded(1)
        .with_Receive_IpChecksumSucceeded(1);
    assert_eq!(info.value(), (1 << 3) | (1 << 5));
    let mut nbl = empty_nbl();
    nbl.set_checksum_info(info);
    assert_eq!(nbl.checksum_info().Receive_TcpChecksumSucceeded(), 1);
    assert_eq!(nbl.checksum_info().Receive_UdpChecksumSucceeded(), 0);
    assert_eq!(
        nbl.info(TcpIpChecksumNetBufferListInfo).map(<*mut _>::addr),
        Some(0x28)
    );
}

#[test]
fn checksum_transmit_request_decodes_tcp_header_offset() {
    // IsIPv4 | TcpChecksum | TcpHeaderOffset = 34 (Ethernet 14 + IPv4 20).
    let info = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_value(1 | (1 << 2) | (34 << 16));
    assert_eq!(info.Transmit_IsIPv4(), 1);
    assert_eq!(info.Transmit_IsIPv6(), 0);
    assert_eq!(info.Transmit_TcpChecksum(), 1);
    assert_eq!(info.Transmit_UdpChecksum(), 0);
    assert_eq!(info.Transmit_TcpHeaderOffset(), 34);
}

#[test]
fn lso_v2_fields_decode_and_oversized_values_are_truncated_like_c() {
    let word: usize = 1448 | (54 << 20) | (1 << 30) | (1 << 31);
    let info = NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_value(word);
    assert_eq!(info.MSS(), 1448);
    assert_eq!(info.TcpHeaderOffset(), 54);
    assert_eq!(info.Type(), NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE);
    assert_eq!(info.IPVersion(), NDIS_TCP_LARGE_SEND_OFFLOAD_IPv6);
    // A 20-bit field keeps only the low 20 bits, and the neighbours are untouched.
    let stored = info.with_MSS(0x1F_FFFF);
    assert_eq!(stored.MSS(), 0xF_FFFF);
    assert_eq!(stored.TcpHeaderOffset(), 54);
}

#[test]
fn vlan_tag_fields_of_8021q_info() {
    let tag = NDIS_NET_BUFFER_LIST_8021Q_INFO::from_value(0)
        .with_VlanId(100)
        .with_UserPriority(5);
    assert_eq!(tag.value(), (100 << 4) | 5);
    let mut nbl = empty_nbl();
    nbl.set_ieee8021q_info(tag);
    assert_eq!(nbl.ieee8021q_info().VlanId(), 100);
    assert_eq!(nbl.ieee8021q_info().UserPriority(), 5);
    assert_eq!(nbl.ieee8021q_info().CanonicalFormatId(), 0);
}

#[test]
fn hash_slots_hold_32_bit_values() {
    let mut nbl = empty_nbl();
    nbl.set_hash_value(0xDEAD_BEEF);
    nbl.set_hash_info(NDIS_RSS_HASH_INFO_FROM_TYPE_AND_FUNC(
        NDIS_HASH_TCP_IPV4,
        NdisHashFunctionToeplitz,
    ));
    assert_eq!(nbl.hash_value(), 0xDEAD_BEEF);
    assert_eq!(
        NDIS_RSS_HASH_TYPE_FROM_HASH_INFO(nbl.hash_info()),
        NDIS_HASH_TCP_IPV4
    );
    assert_eq!(
        NDIS_RSS_HASH_FUNC_FROM_HASH_INFO(nbl.hash_info()),
        NdisHashFunctionToeplitz
    );
}

#[test]
fn make_rid_packs_segment_bus_function() {
    assert_eq!(NDIS_MAKE_RID(0, 3, 0x81), 0x0000_0381);
    assert_eq!(NDIS_MAKE_RID(0xFFFF, 0xFF, 0xFF), 0xFFFF_FFFF);
    assert_eq!(NDIS_MAKE_RID(1, 0, 0), 0x0001_0000);
}

#[test]
fn header_sizes_follow_the_through_field_rule() {
    // Tail padding is excluded: the registration attributes are 0x20 bytes but Size is 0x1c.
    assert_eq!(
        core::mem::size_of::<NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES>(),
        0x20
    );
    assert_eq!(
        NDIS_SIZEOF_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES_REVISION_1,
        0x1c
    );
    // Hardware-assist revision 3 (NDIS 6.30) ends at the QoS pointers.
    assert_eq!(
        NDIS_SIZEOF_MINIPORT_ADAPTER_HARDWARE_ASSIST_ATTRIBUTES_REVISION_3,
        0x50
    );
    assert_eq!(
        RTL_SIZEOF_THROUGH_FIELD!(NDIS_SRIOV_RESET_VF_PARAMETERS, VFId),
        core::mem::size_of::<NDIS_SRIOV_RESET_VF_PARAMETERS>()
    );
}

#[test]
fn offload_bitfield_setters_only_change_their_field() {
    let mut ipv4 = NDIS_TCP_IP_CHECKSUM_OFFLOAD_DIRECTION::zeroed();
    ipv4.set_TcpChecksum(NDIS_OFFLOAD_SUPPORTED);
    ipv4.set_IpChecksum(NDIS_OFFLOAD_SUPPORTED);
    assert_eq!(ipv4.bits, (1 << 4) | (1 << 8));
    ipv4.set_TcpChecksum(NDIS_OFFLOAD_NOT_SUPPORTED);
    assert_eq!(ipv4.bits, 1 << 8);
    assert_eq!(ipv4.IpChecksum(), NDIS_OFFLOAD_SUPPORTED);
}

#[test]
fn status_codes_are_negative_failures_and_nonnegative_successes() {
    assert!(NT_SUCCESS(NDIS_STATUS_SUCCESS));
    assert!(NT_SUCCESS(NDIS_STATUS_PENDING));
    assert!(!NT_SUCCESS(NDIS_STATUS_FAILURE));
    assert_eq!(NDIS_STATUS_PAUSED as u32, 0xC023_002A);
    assert_eq!(NDIS_STATUS_INVALID_PARAMETER as u32, 0xC000_000D);
}
