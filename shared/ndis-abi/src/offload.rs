//! Task offload: `NDIS_OFFLOAD` (hardware capabilities / current configuration in the offload
//! attributes, `OID_TCP_OFFLOAD_*`, `NDIS_STATUS_TASK_OFFLOAD_*`) and its sub-structures,
//! `NDIS_OFFLOAD_ENCAPSULATION` (`OID_OFFLOAD_ENCAPSULATION`) and `NDIS_OFFLOAD_PARAMETERS`
//! (`OID_TCP_OFFLOAD_PARAMETERS`).
//!
//! C bitfields are modelled as the `ULONG` word that holds them (named `bits`, as in the golden
//! table) plus `const fn` accessors; bit positions come from the table's notes and ntddndis.h.
//! `NDIS_OFFLOAD` has the 21H1 layout (sizeof 0xd8, through `UdpSegmentation`); set `Header.Size`
//! to the `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_*` of the revision actually filled in.

use crate::types::*;

/// Reads a `width`-bit field at `shift` of a bitfield word.
#[must_use]
pub const fn bitfield_get(word: ULONG, shift: u32, width: u32) -> ULONG {
    (word >> shift) & ((1 << width) - 1)
}

/// Returns `word` with the `width`-bit field at `shift` replaced by `value` (truncated to
/// `width` bits, as a C bitfield store does).
#[must_use]
pub const fn bitfield_set(word: ULONG, shift: u32, width: u32, value: ULONG) -> ULONG {
    let mask = ((1 << width) - 1) << shift;
    (word & !mask) | ((value << shift) & mask)
}

abi_structs! {
    /// One direction/family of `NDIS_TCP_IP_CHECKSUM_OFFLOAD` (`IPv4Transmit`, `IPv4Receive`,
    /// `IPv6Transmit`, `IPv6Receive`): `Encapsulation` plus 2-bit fields in `bits`.
    pub struct NDIS_TCP_IP_CHECKSUM_OFFLOAD_DIRECTION {
        pub Encapsulation: ULONG,
        pub bits: ULONG,
    }

    /// `NDIS_TCP_IP_CHECKSUM_OFFLOAD`.
    pub struct NDIS_TCP_IP_CHECKSUM_OFFLOAD {
        pub IPv4Transmit: NDIS_TCP_IP_CHECKSUM_OFFLOAD_DIRECTION,
        pub IPv4Receive: NDIS_TCP_IP_CHECKSUM_OFFLOAD_DIRECTION,
        pub IPv6Transmit: NDIS_TCP_IP_CHECKSUM_OFFLOAD_DIRECTION,
        pub IPv6Receive: NDIS_TCP_IP_CHECKSUM_OFFLOAD_DIRECTION,
    } extra {
        "IPv4Transmit.Encapsulation" => IPv4Transmit.Encapsulation,
        "IPv4Transmit.bits" => IPv4Transmit.bits,
        "IPv4Receive.Encapsulation" => IPv4Receive.Encapsulation,
        "IPv4Receive.bits" => IPv4Receive.bits,
        "IPv6Transmit.Encapsulation" => IPv6Transmit.Encapsulation,
        "IPv6Transmit.bits" => IPv6Transmit.bits,
        "IPv6Receive.Encapsulation" => IPv6Receive.Encapsulation,
        "IPv6Receive.bits" => IPv6Receive.bits,
    }

    /// `NDIS_TCP_LARGE_SEND_OFFLOAD_V1.IPv4` (`bits`: `TcpOptions:2` b0, `IpOptions:2` b2).
    pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V1_IPV4 {
        pub Encapsulation: ULONG,
        pub MaxOffLoadSize: ULONG,
        pub MinSegmentCount: ULONG,
        pub bits: ULONG,
    }

    /// `NDIS_TCP_LARGE_SEND_OFFLOAD_V1`.
    pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V1 {
        pub IPv4: NDIS_TCP_LARGE_SEND_OFFLOAD_V1_IPV4,
    } extra {
        "IPv4.Encapsulation" => IPv4.Encapsulation,
        "IPv4.MaxOffLoadSize" => IPv4.MaxOffLoadSize,
        "IPv4.MinSegmentCount" => IPv4.MinSegmentCount,
        "IPv4.bits" => IPv4.bits,
    }

    /// `NDIS_TCP_LARGE_SEND_OFFLOAD_V2.IPv4`.
    pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPV4 {
        pub Encapsulation: ULONG,
        pub MaxOffLoadSize: ULONG,
        pub MinSegmentCount: ULONG,
    }

    /// `NDIS_TCP_LARGE_SEND_OFFLOAD_V2.IPv6` (`bits`: `IpExtensionHeadersSupported:2` b0,
    /// `TcpOptionsSupported:2` b2).
    pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPV6 {
        pub Encapsulation: ULONG,
        pub MaxOffLoadSize: ULONG,
        pub MinSegmentCount: ULONG,
        pub bits: ULONG,
    }

    /// `NDIS_TCP_LARGE_SEND_OFFLOAD_V2`.
    pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V2 {
        pub IPv4: NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPV4,
        pub IPv6: NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPV6,
    } extra {
        "IPv4.Encapsulation" => IPv4.Encapsulation,
        "IPv4.MaxOffLoadSize" => IPv4.MaxOffLoadSize,
        "IPv4.MinSegmentCount" => IPv4.MinSegmentCount,
        "IPv6.Encapsulation" => IPv6.Encapsulation,
        "IPv6.MaxOffLoadSize" => IPv6.MaxOffLoadSize,
        "IPv6.MinSegmentCount" => IPv6.MinSegmentCount,
        "IPv6.bits" => IPv6.bits,
    }

    /// `NDIS_IPSEC_OFFLOAD_V1.Supported`.
    pub struct NDIS_IPSEC_OFFLOAD_V1_SUPPORTED {
        pub Encapsulation: ULONG,
        pub AhEspCombined: ULONG,
        pub TransportTunnelCombined: ULONG,
        pub IPv4Options: ULONG,
        pub Flags: ULONG,
    }

    /// `NDIS_IPSEC_OFFLOAD_V1` (not offered by these drivers; the `IPv4AH` / `IPv4ESP`
    /// bitfield words are kept whole).
    pub struct NDIS_IPSEC_OFFLOAD_V1 {
        pub Supported: NDIS_IPSEC_OFFLOAD_V1_SUPPORTED,
        pub IPv4AH: ULONG,
        pub IPv4ESP: ULONG,
    }

    /// `NDIS_IPSEC_OFFLOAD_V2` (not offered by these drivers).
    pub struct NDIS_IPSEC_OFFLOAD_V2 {
        pub Encapsulation: ULONG,
        pub IPv6Supported: BOOLEAN,
        pub IPv4Options: BOOLEAN,
        pub IPv6NonIPsecExtensionHeaders: BOOLEAN,
        pub Ah: BOOLEAN,
        pub Esp: BOOLEAN,
        pub AhEspCombined: BOOLEAN,
        pub Transport: BOOLEAN,
        pub Tunnel: BOOLEAN,
        pub TransportTunnelCombined: BOOLEAN,
        pub LsoSupported: BOOLEAN,
        pub ExtendedSequenceNumbers: BOOLEAN,
        pub UdpEsp: ULONG,
        pub AuthenticationAlgorithms: ULONG,
        pub EncryptionAlgorithms: ULONG,
        pub SaOffloadCapacity: ULONG,
    }

    /// One family of `NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD`.
    pub struct NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD_FAMILY {
        pub Enabled: BOOLEAN,
    }

    /// `NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD` (RSC).
    pub struct NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD {
        pub IPv4: NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD_FAMILY,
        pub IPv6: NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD_FAMILY,
    } extra {
        "IPv4.Enabled" => IPv4.Enabled,
        "IPv6.Enabled" => IPv6.Enabled,
    }

    /// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD` (NVGRE; `bits`: six 4-bit support fields).
    pub struct NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD {
        pub bits: ULONG,
        pub MaxHeaderSizeSupported: ULONG,
    }

    /// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2` (VXLAN; `EncapsulationProtocolInfo` is the
    /// `{VxlanUDPPortNumber, VxlanUDPPortNumberConfigurable:1}` / `ULONG Value` union).
    pub struct NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2 {
        pub bits: ULONG,
        pub MaxHeaderSizeSupported: ULONG,
        pub EncapsulationProtocolInfo: ULONG,
        pub Reserved1: ULONG,
        pub Reserved2: ULONG,
    }

    /// `NDIS_RFC6877_464XLAT_OFFLOAD` (`XlatOffload` is a bitfield word).
    pub struct NDIS_RFC6877_464XLAT_OFFLOAD {
        pub XlatOffload: ULONG,
        pub Flags: ULONG,
    }

    /// `NDIS_UDP_SEGMENTATION_OFFLOAD.IPv4` (`bits`: `MinSegmentCount:6`,
    /// `SubMssFinalSegmentSupported:1`).
    pub struct NDIS_UDP_SEGMENTATION_OFFLOAD_IPV4 {
        pub Encapsulation: ULONG,
        pub MaxOffLoadSize: ULONG,
        pub bits: ULONG,
    }

    /// `NDIS_UDP_SEGMENTATION_OFFLOAD.IPv6` (`bits1` as IPv4's `bits`; `bits2`:
    /// `IpExtensionHeadersSupported:2`).
    pub struct NDIS_UDP_SEGMENTATION_OFFLOAD_IPV6 {
        pub Encapsulation: ULONG,
        pub MaxOffLoadSize: ULONG,
        pub bits1: ULONG,
        pub bits2: ULONG,
    }

    /// `NDIS_UDP_SEGMENTATION_OFFLOAD` (USO, NDIS 6.83).
    pub struct NDIS_UDP_SEGMENTATION_OFFLOAD {
        pub IPv4: NDIS_UDP_SEGMENTATION_OFFLOAD_IPV4,
        pub IPv6: NDIS_UDP_SEGMENTATION_OFFLOAD_IPV6,
    } extra {
        "IPv4.Encapsulation" => IPv4.Encapsulation,
        "IPv4.MaxOffLoadSize" => IPv4.MaxOffLoadSize,
        "IPv4.bits" => IPv4.bits,
        "IPv6.Encapsulation" => IPv6.Encapsulation,
        "IPv6.MaxOffLoadSize" => IPv6.MaxOffLoadSize,
        "IPv6.bits1" => IPv6.bits1,
        "IPv6.bits2" => IPv6.bits2,
    }

    /// `NDIS_OFFLOAD`.
    pub struct NDIS_OFFLOAD {
        pub Header: NDIS_OBJECT_HEADER,
        pub Checksum: NDIS_TCP_IP_CHECKSUM_OFFLOAD,
        pub LsoV1: NDIS_TCP_LARGE_SEND_OFFLOAD_V1,
        pub IPsecV1: NDIS_IPSEC_OFFLOAD_V1,
        pub LsoV2: NDIS_TCP_LARGE_SEND_OFFLOAD_V2,
        pub Flags: ULONG,
        pub IPsecV2: NDIS_IPSEC_OFFLOAD_V2,
        pub Rsc: NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD,
        pub EncapsulatedPacketTaskOffloadGre: NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD,
        pub EncapsulatedPacketTaskOffloadVxlan: NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2,
        pub EncapsulationTypes: UCHAR,
        pub Rfc6877Xlat: NDIS_RFC6877_464XLAT_OFFLOAD,
        pub UdpSegmentation: NDIS_UDP_SEGMENTATION_OFFLOAD,
    }

    /// `NDIS_TCP_CONNECTION_OFFLOAD` (TCP chimney; `bits` holds the support bitfields).
    pub struct NDIS_TCP_CONNECTION_OFFLOAD {
        pub Header: NDIS_OBJECT_HEADER,
        pub Encapsulation: ULONG,
        pub bits: ULONG,
        pub TcpConnectionOffloadCapacity: ULONG,
        pub Flags: ULONG,
    }

    /// One family of `NDIS_OFFLOAD_ENCAPSULATION`.
    pub struct NDIS_OFFLOAD_ENCAPSULATION_FAMILY {
        pub Enabled: ULONG,
        pub EncapsulationType: ULONG,
        pub HeaderSize: ULONG,
    }

    /// `NDIS_OFFLOAD_ENCAPSULATION` (`OID_OFFLOAD_ENCAPSULATION`).
    pub struct NDIS_OFFLOAD_ENCAPSULATION {
        pub Header: NDIS_OBJECT_HEADER,
        pub IPv4: NDIS_OFFLOAD_ENCAPSULATION_FAMILY,
        pub IPv6: NDIS_OFFLOAD_ENCAPSULATION_FAMILY,
    } extra {
        "IPv4.Enabled" => IPv4.Enabled,
        "IPv4.EncapsulationType" => IPv4.EncapsulationType,
        "IPv4.HeaderSize" => IPv4.HeaderSize,
        "IPv6.Enabled" => IPv6.Enabled,
        "IPv6.EncapsulationType" => IPv6.EncapsulationType,
        "IPv6.HeaderSize" => IPv6.HeaderSize,
    }

    /// `NDIS_OFFLOAD_PARAMETERS` (`OID_TCP_OFFLOAD_PARAMETERS`, through revision 5 /
    /// `UdpSegmentation`; ntddndis.h, not in the golden table). Each `UCHAR` is one of the
    /// `NDIS_OFFLOAD_PARAMETERS_*` values.
    pub struct NDIS_OFFLOAD_PARAMETERS {
        pub Header: NDIS_OBJECT_HEADER,
        pub IPv4Checksum: UCHAR,
        pub TCPIPv4Checksum: UCHAR,
        pub UDPIPv4Checksum: UCHAR,
        pub TCPIPv6Checksum: UCHAR,
        pub UDPIPv6Checksum: UCHAR,
        pub LsoV1: UCHAR,
        pub IPsecV1: UCHAR,
        pub LsoV2IPv4: UCHAR,
        pub LsoV2IPv6: UCHAR,
        pub TcpConnectionIPv4: UCHAR,
        pub TcpConnectionIPv6: UCHAR,
        pub Flags: ULONG,
        pub IPsecV2: UCHAR,
        pub IPsecV2IPv4: UCHAR,
        pub RscIPv4: UCHAR,
        pub RscIPv6: UCHAR,
        pub EncapsulatedPacketTaskOffload: UCHAR,
        pub EncapsulationTypes: UCHAR,
        pub EncapsulationProtocolParameters: ULONG,
        pub UdpSegmentation: NDIS_OFFLOAD_PARAMETERS_UDP_SEGMENTATION,
    }

    /// The `UdpSegmentation` member of `NDIS_OFFLOAD_PARAMETERS`.
    pub struct NDIS_OFFLOAD_PARAMETERS_UDP_SEGMENTATION {
        pub IPv4: UCHAR,
        pub IPv6: UCHAR,
    }
}

impl NDIS_TCP_IP_CHECKSUM_OFFLOAD_DIRECTION {
    /// `IpOptionsSupported:2` (IPv4) / `IpExtensionHeadersSupported:2` (IPv6), bit 0.
    #[must_use]
    pub const fn IpOptionsSupported(&self) -> ULONG {
        bitfield_get(self.bits, 0, 2)
    }
    /// `TcpOptionsSupported:2`, bit 2.
    #[must_use]
    pub const fn TcpOptionsSupported(&self) -> ULONG {
        bitfield_get(self.bits, 2, 2)
    }
    /// `TcpChecksum:2`, bit 4.
    #[must_use]
    pub const fn TcpChecksum(&self) -> ULONG {
        bitfield_get(self.bits, 4, 2)
    }
    /// `UdpChecksum:2`, bit 6.
    #[must_use]
    pub const fn UdpChecksum(&self) -> ULONG {
        bitfield_get(self.bits, 6, 2)
    }
    /// `IpChecksum:2` (IPv4 only), bit 8.
    #[must_use]
    pub const fn IpChecksum(&self) -> ULONG {
        bitfield_get(self.bits, 8, 2)
    }
    /// Sets `IpOptionsSupported` / `IpExtensionHeadersSupported`.
    pub const fn set_IpOptionsSupported(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 0, 2, value);
    }
    /// Sets `TcpOptionsSupported`.
    pub const fn set_TcpOptionsSupported(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 2, 2, value);
    }
    /// Sets `TcpChecksum`.
    pub const fn set_TcpChecksum(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 4, 2, value);
    }
    /// Sets `UdpChecksum`.
    pub const fn set_UdpChecksum(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 6, 2, value);
    }
    /// Sets `IpChecksum` (IPv4 only).
    pub const fn set_IpChecksum(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 8, 2, value);
    }
}

impl NDIS_TCP_LARGE_SEND_OFFLOAD_V1_IPV4 {
    /// `TcpOptions:2`, bit 0.
    #[must_use]
    pub const fn TcpOptions(&self) -> ULONG {
        bitfield_get(self.bits, 0, 2)
    }
    /// `IpOptions:2`, bit 2.
    #[must_use]
    pub const fn IpOptions(&self) -> ULONG {
        bitfield_get(self.bits, 2, 2)
    }
    /// Sets `TcpOptions`.
    pub const fn set_TcpOptions(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 0, 2, value);
    }
    /// Sets `IpOptions`.
    pub const fn set_IpOptions(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 2, 2, value);
    }
}

impl NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPV6 {
    /// `IpExtensionHeadersSupported:2`, bit 0.
    #[must_use]
    pub const fn IpExtensionHeadersSupported(&self) -> ULONG {
        bitfield_get(self.bits, 0, 2)
    }
    /// `TcpOptionsSupported:2`, bit 2.
    #[must_use]
    pub const fn TcpOptionsSupported(&self) -> ULONG {
        bitfield_get(self.bits, 2, 2)
    }
    /// Sets `IpExtensionHeadersSupported`.
    pub const fn set_IpExtensionHeadersSupported(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 0, 2, value);
    }
    /// Sets `TcpOptionsSupported`.
    pub const fn set_TcpOptionsSupported(&mut self, value: ULONG) {
        self.bits = bitfield_set(self.bits, 2, 2, value);
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_TCP_IP_CHECKSUM_OFFLOAD>() == 32);
const _: () = assert!(core::mem::size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_V1>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_V2>() == 28);
const _: () = assert!(core::mem::size_of::<NDIS_IPSEC_OFFLOAD_V1>() == 28);
const _: () = assert!(core::mem::size_of::<NDIS_IPSEC_OFFLOAD_V2>() == 32);
const _: () = assert!(core::mem::size_of::<NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD>() == 2);
const _: () = assert!(core::mem::size_of::<NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD>() == 8);
const _: () = assert!(core::mem::size_of::<NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_UDP_SEGMENTATION_OFFLOAD>() == 28);
const _: () = assert!(core::mem::size_of::<NDIS_OFFLOAD>() == 216);
const _: () = assert!(core::mem::size_of::<NDIS_TCP_CONNECTION_OFFLOAD>() == 20);
const _: () = assert!(core::mem::size_of::<NDIS_OFFLOAD_ENCAPSULATION>() == 28);
const _: () = assert!(core::mem::size_of::<NDIS_OFFLOAD_PARAMETERS>() == 36);

abi_constants! {
    // Capability values of the 2-bit fields (source: a WDK ntddndis.h copy found with the
    // search tool; 0 / 1).
    pub const NDIS_OFFLOAD_NOT_SUPPORTED: ULONG = 0;
    pub const NDIS_OFFLOAD_SUPPORTED: ULONG = 1;
    pub const NDIS_OFFLOAD_SET_NO_CHANGE: ULONG = 0;
    pub const NDIS_OFFLOAD_SET_ON: ULONG = 1;
    pub const NDIS_OFFLOAD_SET_OFF: ULONG = 2;
    // Encapsulation flags (same source).
    pub const NDIS_ENCAPSULATION_NOT_SUPPORTED: ULONG = 0x0000_0000;
    pub const NDIS_ENCAPSULATION_NULL: ULONG = 0x0000_0001;
    pub const NDIS_ENCAPSULATION_IEEE_802_3: ULONG = 0x0000_0002;
    pub const NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q: ULONG = 0x0000_0004;
    pub const NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q_IN_OOB: ULONG = 0x0000_0008;
    pub const NDIS_ENCAPSULATION_IEEE_LLC_SNAP_ROUTED: ULONG = 0x0000_0010;
    // NDIS_OFFLOAD.Flags / EncapsulationTypes (source: ntddndis.h).
    pub const NDIS_OFFLOAD_FLAGS_GROUP_CHECKSUM_CAPABILITIES: ULONG = 0x1;
    pub const NDIS_ENCAPSULATION_TYPE_GRE_MAC: UCHAR = 0x1;
    pub const NDIS_ENCAPSULATION_TYPE_VXLAN: UCHAR = 0x2;
    // NDIS_OFFLOAD_PARAMETERS values (source: ntddndis.h).
    pub const NDIS_OFFLOAD_PARAMETERS_NO_CHANGE: UCHAR = 0;
    pub const NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED: UCHAR = 1;
    pub const NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED: UCHAR = 2;
    pub const NDIS_OFFLOAD_PARAMETERS_RX_ENABLED_TX_DISABLED: UCHAR = 3;
    pub const NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED: UCHAR = 4;
    pub const NDIS_OFFLOAD_PARAMETERS_LSOV1_DISABLED: UCHAR = 1;
    pub const NDIS_OFFLOAD_PARAMETERS_LSOV1_ENABLED: UCHAR = 2;
    pub const NDIS_OFFLOAD_PARAMETERS_LSOV2_DISABLED: UCHAR = 1;
    pub const NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED: UCHAR = 2;
    pub const NDIS_OFFLOAD_PARAMETERS_RSC_DISABLED: UCHAR = 1;
    pub const NDIS_OFFLOAD_PARAMETERS_RSC_ENABLED: UCHAR = 2;
    pub const NDIS_OFFLOAD_PARAMETERS_USO_DISABLED: UCHAR = 1;
    pub const NDIS_OFFLOAD_PARAMETERS_USO_ENABLED: UCHAR = 2;
    pub const NDIS_OFFLOAD_PARAMETERS_SKIP_REGISTRY_UPDATE: ULONG = 0x1;
}
