//! The per-NBL out-of-band information slots (`NET_BUFFER_LIST.NetBufferListInfo[]`) the drivers
//! use: slot indices (`NDIS_NET_BUFFER_LIST_INFO`), the 8-byte bitfield unions stored in a slot
//! (checksum, LSO, 802.1Q, receive-filter/VPort id, virtual subnet, media-specific), and safe
//! accessors on `NET_BUFFER_LIST` that replace the ndis.h macros (`NET_BUFFER_LIST_INFO`,
//! `NET_BUFFER_LIST_RECEIVE_FILTER_VPORT_ID`, `NET_BUFFER_LIST_SET_HASH_VALUE`, …).
//!
//! Each info union is declared with its C member names (so the golden table can check them) and
//! `Value: ULONG_PTR` in place of `PVOID Value` (same size and offset). Bitfields are read and
//! written through `const fn`s on `Value`, with bit positions from the golden table's notes
//! (nbl.h / ndis.h). x64 is little-endian, so a `ULONG` member is the low 32 bits of `Value`.

use core::ffi::c_void;

use crate::nbl::{MAX_NET_BUFFER_LIST_INFO, NET_BUFFER_LIST};
use crate::offload::{bitfield_get, bitfield_set};
use crate::types::*;

abi_structs! {
    /// `NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO` (slot `TcpIpChecksumNetBufferListInfo`).
    pub union NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO {
        pub Transmit: ULONG,
        pub Receive: ULONG,
        pub Value: ULONG_PTR,
    }

    /// `NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO` (slot `TcpLargeSendNetBufferListInfo`).
    pub union NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO {
        pub Transmit: ULONG,
        pub LsoV1Transmit: ULONG,
        pub LsoV1TransmitComplete: ULONG,
        pub LsoV2Transmit: ULONG,
        pub LsoV2TransmitComplete: ULONG,
        pub Value: ULONG_PTR,
    }

    /// `NDIS_NET_BUFFER_LIST_8021Q_INFO` (slot `Ieee8021QNetBufferListInfo`).
    pub union NDIS_NET_BUFFER_LIST_8021Q_INFO {
        pub TagHeader: ULONG,
        pub WLanTagHeader: ULONG,
        pub Value: ULONG_PTR,
    }

    /// `FilteringInfo.QueueVPortInfo` of `NDIS_NET_BUFFER_LIST_FILTERING_INFO`.
    pub union NDIS_NET_BUFFER_LIST_QUEUE_VPORT_INFO {
        pub QueueId: USHORT,
        pub VPortId: USHORT,
    }

    /// `FilteringInfo` of `NDIS_NET_BUFFER_LIST_FILTERING_INFO`.
    pub struct NDIS_NET_BUFFER_LIST_FILTERING_INFO_FIELDS {
        pub FilterId: USHORT,
        pub QueueVPortInfo: NDIS_NET_BUFFER_LIST_QUEUE_VPORT_INFO,
    }

    /// `NDIS_NET_BUFFER_LIST_FILTERING_INFO` (slot `NetBufferListFilteringInfo`): the receive
    /// filter id and the queue id (VMQ) or VPort id (SR-IOV / NIC switch, NDIS 6.30).
    pub union NDIS_NET_BUFFER_LIST_FILTERING_INFO {
        pub FilteringInfo: NDIS_NET_BUFFER_LIST_FILTERING_INFO_FIELDS,
        pub Value: ULONG_PTR,
    } extra {
        "FilteringInfo.FilterId" => FilteringInfo.FilterId,
        "FilteringInfo.QueueVPortInfo.QueueId" => FilteringInfo.QueueVPortInfo.QueueId,
        "FilteringInfo.QueueVPortInfo.VPortId" => FilteringInfo.QueueVPortInfo.VPortId,
    }

    /// `NDIS_NET_BUFFER_LIST_VIRTUAL_SUBNET_INFO` (slot `VirtualSubnetInfo`;
    /// `VirtualSubnetId:24` b0, `ReservedVsidBits:8` b24).
    pub union NDIS_NET_BUFFER_LIST_VIRTUAL_SUBNET_INFO {
        pub Bits: ULONG,
        pub Value: ULONG_PTR,
    }

    /// `NDIS_NET_BUFFER_LIST_MEDIA_SPECIFIC_INFO` (slot `MediaSpecificInformation`).
    pub union NDIS_NET_BUFFER_LIST_MEDIA_SPECIFIC_INFO {
        pub MediaSpecificInfo: PVOID,
        pub NativeWifiSpecificInfo: PVOID,
        pub Value: PVOID,
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO>() == 8);
const _: () =
    assert!(core::mem::size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_NET_BUFFER_LIST_8021Q_INFO>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_NET_BUFFER_LIST_FILTERING_INFO>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_NET_BUFFER_LIST_VIRTUAL_SUBNET_INFO>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_NET_BUFFER_LIST_MEDIA_SPECIFIC_INFO>() == 8);

/// Declares `from_value` / `value` / slot conversions for an info union whose `Value` member is
/// a `ULONG_PTR` covering the whole union.
macro_rules! info_value_accessors {
    ($($name:ident),* $(,)?) => {
        $(
            impl $name {
                /// Builds the info from the raw slot value.
                #[must_use]
                pub const fn from_value(Value: ULONG_PTR) -> Self {
                    Self { Value }
                }

                /// The raw slot value.
                #[must_use]
                pub const fn value(&self) -> ULONG_PTR {
                    // SAFETY: `Value` spans the whole 8-byte union and every member is a plain
                    // integer, so any bytes stored through any member are a valid `ULONG_PTR`.
                    unsafe { self.Value }
                }

                /// Builds the info from an NBL slot (`NetBufferListInfo[id]`).
                #[must_use]
                pub fn from_slot(slot: PVOID) -> Self {
                    Self { Value: slot.addr() }
                }

                /// The value to store in an NBL slot.
                #[must_use]
                pub const fn to_slot(&self) -> PVOID {
                    core::ptr::without_provenance_mut::<c_void>(self.value())
                }

                /// The low 32 bits of `Value` (the C `ULONG` bitfield word on x64).
                const fn word(&self) -> ULONG {
                    self.value() as ULONG
                }

                /// Replaces the low 32 bits of `Value`, keeping the upper half.
                const fn with_word(&self, word: ULONG) -> Self {
                    Self { Value: (self.value() & !(ULONG::MAX as ULONG_PTR)) | word as ULONG_PTR }
                }
            }
        )*
    };
}

info_value_accessors!(
    NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO,
    NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO,
    NDIS_NET_BUFFER_LIST_8021Q_INFO,
    NDIS_NET_BUFFER_LIST_FILTERING_INFO,
    NDIS_NET_BUFFER_LIST_VIRTUAL_SUBNET_INFO,
);

/// Declares a one-bit / multi-bit getter and a `with_` builder over the low `ULONG` word.
macro_rules! word_fields {
    ($ty:ident { $($(#[$doc:meta])* $get:ident / $with:ident : $shift:literal, $width:literal;)* }) => {
        impl $ty {
            $(
                $(#[$doc])*
                #[must_use]
                pub const fn $get(&self) -> ULONG {
                    bitfield_get(self.word(), $shift, $width)
                }

                $(#[$doc])*
                #[must_use]
                pub const fn $with(&self, value: ULONG) -> Self {
                    self.with_word(bitfield_set(self.word(), $shift, $width, value))
                }
            )*
        }
    };
}

word_fields!(NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO {
    /// `Transmit.IsIPv4` (bit 0).
    Transmit_IsIPv4 / with_Transmit_IsIPv4: 0, 1;
    /// `Transmit.IsIPv6` (bit 1).
    Transmit_IsIPv6 / with_Transmit_IsIPv6: 1, 1;
    /// `Transmit.TcpChecksum` (bit 2).
    Transmit_TcpChecksum / with_Transmit_TcpChecksum: 2, 1;
    /// `Transmit.UdpChecksum` (bit 3).
    Transmit_UdpChecksum / with_Transmit_UdpChecksum: 3, 1;
    /// `Transmit.IpHeaderChecksum` (bit 4).
    Transmit_IpHeaderChecksum / with_Transmit_IpHeaderChecksum: 4, 1;
    /// `Transmit.TcpHeaderOffset` (10 bits at 16).
    Transmit_TcpHeaderOffset / with_Transmit_TcpHeaderOffset: 16, 10;
    /// `Receive.TcpChecksumFailed` (bit 0).
    Receive_TcpChecksumFailed / with_Receive_TcpChecksumFailed: 0, 1;
    /// `Receive.UdpChecksumFailed` (bit 1).
    Receive_UdpChecksumFailed / with_Receive_UdpChecksumFailed: 1, 1;
    /// `Receive.IpChecksumFailed` (bit 2).
    Receive_IpChecksumFailed / with_Receive_IpChecksumFailed: 2, 1;
    /// `Receive.TcpChecksumSucceeded` (bit 3).
    Receive_TcpChecksumSucceeded / with_Receive_TcpChecksumSucceeded: 3, 1;
    /// `Receive.UdpChecksumSucceeded` (bit 4).
    Receive_UdpChecksumSucceeded / with_Receive_UdpChecksumSucceeded: 4, 1;
    /// `Receive.IpChecksumSucceeded` (bit 5).
    Receive_IpChecksumSucceeded / with_Receive_IpChecksumSucceeded: 5, 1;
    /// `Receive.Loopback` (bit 6).
    Receive_Loopback / with_Receive_Loopback: 6, 1;
    /// `Receive.TcpChecksumValueInvalid` (bit 7).
    Receive_TcpChecksumValueInvalid / with_Receive_TcpChecksumValueInvalid: 7, 1;
    /// `Receive.IpChecksumValueInvalid` (bit 8).
    Receive_IpChecksumValueInvalid / with_Receive_IpChecksumValueInvalid: 8, 1;
});

word_fields!(NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO {
    /// `Transmit.Type` (bit 30): `NDIS_TCP_LARGE_SEND_OFFLOAD_V1_TYPE` / `_V2_TYPE`.
    Type / with_Type: 30, 1;
    /// `LsoV1Transmit.MSS` / `LsoV2Transmit.MSS` (20 bits at 0).
    MSS / with_MSS: 0, 20;
    /// `LsoV1Transmit.TcpHeaderOffset` / `LsoV2Transmit.TcpHeaderOffset` (10 bits at 20).
    TcpHeaderOffset / with_TcpHeaderOffset: 20, 10;
    /// `LsoV2Transmit.IPVersion` (bit 31): `NDIS_TCP_LARGE_SEND_OFFLOAD_IPv4` / `_IPv6`.
    IPVersion / with_IPVersion: 31, 1;
    /// `LsoV1TransmitComplete.TcpPayload` (30 bits at 0), written by the miniport on completion.
    TcpPayload / with_TcpPayload: 0, 30;
});

word_fields!(NDIS_NET_BUFFER_LIST_8021Q_INFO {
    /// `TagHeader.UserPriority` (3 bits at 0).
    UserPriority / with_UserPriority: 0, 3;
    /// `TagHeader.CanonicalFormatId` (bit 3).
    CanonicalFormatId / with_CanonicalFormatId: 3, 1;
    /// `TagHeader.VlanId` (12 bits at 4).
    VlanId / with_VlanId: 4, 12;
});

word_fields!(NDIS_NET_BUFFER_LIST_FILTERING_INFO {
    /// `FilteringInfo.FilterId` (16 bits at 0).
    FilterId / with_FilterId: 0, 16;
    /// `FilteringInfo.QueueVPortInfo.QueueId` (16 bits at 16).
    QueueId / with_QueueId: 16, 16;
    /// `FilteringInfo.QueueVPortInfo.VPortId` (16 bits at 16, same storage as `QueueId`).
    VPortId / with_VPortId: 16, 16;
});

word_fields!(NDIS_NET_BUFFER_LIST_VIRTUAL_SUBNET_INFO {
    /// `VirtualSubnetId` (24 bits at 0).
    VirtualSubnetId / with_VirtualSubnetId: 0, 24;
});

impl NET_BUFFER_LIST {
    /// `NET_BUFFER_LIST_INFO(Nbl, Id)`: the slot, or `None` for an index outside the
    /// public-WDK array (`MaxNetBufferListInfo`).
    #[must_use]
    pub fn info(&self, id: NDIS_NET_BUFFER_LIST_INFO) -> Option<PVOID> {
        let index = usize::try_from(id).ok()?;
        self.NetBufferListInfo.get(index).copied()
    }

    /// Writes `NET_BUFFER_LIST_INFO(Nbl, Id)`; returns `false` (and writes nothing) for an index
    /// outside the array.
    pub fn set_info(&mut self, id: NDIS_NET_BUFFER_LIST_INFO, value: PVOID) -> bool {
        let Ok(index) = usize::try_from(id) else {
            return false;
        };
        match self.NetBufferListInfo.get_mut(index) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// `NET_BUFFER_LIST_RECEIVE_FILTER_VPORT_ID(Nbl)`.
    #[must_use]
    pub fn receive_filter_vport_id(&self) -> NDIS_NIC_SWITCH_VPORT_ID {
        self.filtering_info().VPortId()
    }

    /// `NET_BUFFER_LIST_RECEIVE_FILTER_VPORT_ID(Nbl) = VPortId` (a PF stamps this on receive).
    /// The C field is a `USHORT`; ids above 0xFFFF are truncated exactly as the macro does, so
    /// callers must only pass VPort ids they validated.
    pub fn set_receive_filter_vport_id(&mut self, vport_id: NDIS_NIC_SWITCH_VPORT_ID) {
        let info = self.filtering_info().with_VPortId(vport_id);
        self.NetBufferListInfo[NET_BUFFER_LIST_FILTERING_INFO_SLOT] = info.to_slot();
    }

    /// `NET_BUFFER_LIST_RECEIVE_FILTER_ID(Nbl)`.
    #[must_use]
    pub fn receive_filter_id(&self) -> NDIS_RECEIVE_FILTER_ID {
        self.filtering_info().FilterId()
    }

    /// `NET_BUFFER_LIST_RECEIVE_QUEUE_ID(Nbl)`.
    #[must_use]
    pub fn receive_queue_id(&self) -> NDIS_RECEIVE_QUEUE_ID {
        self.filtering_info().QueueId()
    }

    /// The `NetBufferListFilteringInfo` slot.
    #[must_use]
    pub fn filtering_info(&self) -> NDIS_NET_BUFFER_LIST_FILTERING_INFO {
        NDIS_NET_BUFFER_LIST_FILTERING_INFO::from_slot(
            self.NetBufferListInfo[NET_BUFFER_LIST_FILTERING_INFO_SLOT],
        )
    }

    /// The `TcpIpChecksumNetBufferListInfo` slot.
    #[must_use]
    pub fn checksum_info(&self) -> NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO {
        NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::from_slot(self.NetBufferListInfo[0])
    }

    /// Writes the `TcpIpChecksumNetBufferListInfo` slot (receive checksum results).
    pub fn set_checksum_info(&mut self, info: NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO) {
        self.NetBufferListInfo[0] = info.to_slot();
    }

    /// The `TcpLargeSendNetBufferListInfo` slot.
    #[must_use]
    pub fn lso_info(&self) -> NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO {
        NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO::from_slot(self.NetBufferListInfo[2])
    }

    /// Writes the `TcpLargeSendNetBufferListInfo` slot (LSO v1 `TcpPayload` on completion).
    pub fn set_lso_info(&mut self, info: NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO) {
        self.NetBufferListInfo[2] = info.to_slot();
    }

    /// The `Ieee8021QNetBufferListInfo` slot.
    #[must_use]
    pub fn ieee8021q_info(&self) -> NDIS_NET_BUFFER_LIST_8021Q_INFO {
        NDIS_NET_BUFFER_LIST_8021Q_INFO::from_slot(self.NetBufferListInfo[4])
    }

    /// Writes the `Ieee8021QNetBufferListInfo` slot (a stripped VLAN tag on receive).
    pub fn set_ieee8021q_info(&mut self, info: NDIS_NET_BUFFER_LIST_8021Q_INFO) {
        self.NetBufferListInfo[4] = info.to_slot();
    }

    /// `NET_BUFFER_LIST_GET_HASH_VALUE(Nbl)`.
    #[must_use]
    pub fn hash_value(&self) -> ULONG {
        self.NetBufferListInfo[8].addr() as ULONG
    }

    /// `NET_BUFFER_LIST_SET_HASH_VALUE(Nbl, HashValue)`.
    pub fn set_hash_value(&mut self, hash_value: ULONG) {
        self.NetBufferListInfo[8] = core::ptr::without_provenance_mut(hash_value as usize);
    }

    /// `NET_BUFFER_LIST_SET_HASH_TYPE` + `NET_BUFFER_LIST_SET_HASH_FUNCTION`: writes the
    /// `NetBufferListHashInfo` slot as `NDIS_RSS_HASH_INFO_FROM_TYPE_AND_FUNC`.
    pub fn set_hash_info(&mut self, hash_info: ULONG) {
        self.NetBufferListInfo[9] = core::ptr::without_provenance_mut(hash_info as usize);
    }

    /// The `NetBufferListHashInfo` slot (hash type | hash function).
    #[must_use]
    pub fn hash_info(&self) -> ULONG {
        self.NetBufferListInfo[9].addr() as ULONG
    }
}

/// `NetBufferListFilteringInfo` as an array index.
const NET_BUFFER_LIST_FILTERING_INFO_SLOT: usize = 14;
const _: () = assert!(NET_BUFFER_LIST_FILTERING_INFO_SLOT == NetBufferListFilteringInfo as usize);
const _: () = assert!(TcpIpChecksumNetBufferListInfo == 0);
const _: () = assert!(TcpLargeSendNetBufferListInfo == 2);
const _: () = assert!(Ieee8021QNetBufferListInfo == 4);
const _: () = assert!(NetBufferListHashValue == 8);
const _: () = assert!(NetBufferListHashInfo == 9);
const _: () = assert!(MaxNetBufferListInfo as usize == MAX_NET_BUFFER_LIST_INFO);

abi_constants! {
    // NDIS_NET_BUFFER_LIST_INFO slot indices (golden table; public WDK, x64, NDIS >= 6.80).
    pub const TcpIpChecksumNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0;
    pub const TcpOffloadBytesTransferred: NDIS_NET_BUFFER_LIST_INFO = 0;
    pub const IPsecOffloadV1NetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 1;
    pub const IPsecOffloadV2NetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 1;
    pub const TcpLargeSendNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 2;
    pub const TcpReceiveNoPush: NDIS_NET_BUFFER_LIST_INFO = 2;
    pub const ClassificationHandleNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 3;
    pub const Ieee8021QNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 4;
    pub const NetBufferListCancelId: NDIS_NET_BUFFER_LIST_INFO = 5;
    pub const MediaSpecificInformation: NDIS_NET_BUFFER_LIST_INFO = 6;
    pub const NetBufferListFrameType: NDIS_NET_BUFFER_LIST_INFO = 7;
    pub const NetBufferListProtocolId: NDIS_NET_BUFFER_LIST_INFO = 7;
    pub const NetBufferListHashValue: NDIS_NET_BUFFER_LIST_INFO = 8;
    pub const NetBufferListHashInfo: NDIS_NET_BUFFER_LIST_INFO = 9;
    pub const WfpNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0xa;
    pub const IPsecOffloadV2TunnelNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0xb;
    pub const IPsecOffloadV2HeaderNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0xc;
    pub const NetBufferListCorrelationId: NDIS_NET_BUFFER_LIST_INFO = 0xd;
    pub const NetBufferListFilteringInfo: NDIS_NET_BUFFER_LIST_INFO = 0xe;
    pub const MediaSpecificInformationEx: NDIS_NET_BUFFER_LIST_INFO = 0xf;
    pub const NblOriginalInterfaceIfIndex: NDIS_NET_BUFFER_LIST_INFO = 0x10;
    pub const NblReAuthWfpFlowContext: NDIS_NET_BUFFER_LIST_INFO = 0x10;
    pub const NrtNameResolutionId: NDIS_NET_BUFFER_LIST_INFO = 0x11;
    pub const TcpReceiveBytesTransferred: NDIS_NET_BUFFER_LIST_INFO = 0x11;
    pub const UdpRecvSegCoalesceOffloadInfo: NDIS_NET_BUFFER_LIST_INFO = 0x11;
    pub const SwitchForwardingReserved: NDIS_NET_BUFFER_LIST_INFO = 0x12;
    pub const SwitchForwardingDetail: NDIS_NET_BUFFER_LIST_INFO = 0x13;
    pub const VirtualSubnetInfo: NDIS_NET_BUFFER_LIST_INFO = 0x14;
    pub const IMReserved: NDIS_NET_BUFFER_LIST_INFO = 0x15;
    pub const TcpRecvSegCoalesceInfo: NDIS_NET_BUFFER_LIST_INFO = 0x16;
    pub const UdpSegmentationOffloadInfo: NDIS_NET_BUFFER_LIST_INFO = 0x16;
    pub const RscTcpTimestampDelta: NDIS_NET_BUFFER_LIST_INFO = 0x17;
    pub const TcpSendOffloadsSupplementalNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0x17;
    pub const GftOffloadInformation: NDIS_NET_BUFFER_LIST_INFO = 0x18;
    pub const GftFlowEntryId: NDIS_NET_BUFFER_LIST_INFO = 0x19;
    pub const NetBufferListInfoReserved3: NDIS_NET_BUFFER_LIST_INFO = 0x1a;
    pub const MaxNetBufferListInfo: NDIS_NET_BUFFER_LIST_INFO = 0x1b;
    // NDIS_TCP_LARGE_SEND_OFFLOAD_NET_BUFFER_LIST_INFO.Type / IPVersion (source: ndis.h).
    pub const NDIS_TCP_LARGE_SEND_OFFLOAD_V1_TYPE: ULONG = 0;
    pub const NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE: ULONG = 1;
    pub const NDIS_TCP_LARGE_SEND_OFFLOAD_IPv4: ULONG = 0;
    pub const NDIS_TCP_LARGE_SEND_OFFLOAD_IPv6: ULONG = 1;
}
