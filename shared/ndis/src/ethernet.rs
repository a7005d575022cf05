//! What both miniports report as an Ethernet adapter: general attributes and the mandatory
//! `OID_GEN_*` / `OID_802_3_*` requests (N/mandatory-oids-for-miniport-drivers.md).
//!
//! Requests NDIS answers itself from the general attributes (e.g. `OID_GEN_SUPPORTED_LIST`,
//! `OID_GEN_MEDIA_SUPPORTED`, `OID_802_3_PERMANENT_ADDRESS` in NDIS 6) are not handled here.

use core::sync::atomic::{AtomicU64, Ordering};

use ndis_abi::*;

use crate::oid::{OidKind, OidRequest};
use crate::status::{NdisError, NdisResult};

/// `NdisHardwareStatusReady` (the first `NDIS_HARDWARE_STATUS` value, ntddndis.h).
const NDIS_HARDWARE_STATUS_READY: u32 = 0;
/// `IF_TYPE_ETHERNET_CSMACD` (ipifcons.h).
const IF_TYPE_ETHERNET_CSMACD: NET_IFTYPE = 6;

/// Ethernet header length (destination, source, EtherType).
pub const ETHERNET_HEADER_LENGTH: u32 = 14;
/// Largest multicast list accepted with `OID_802_3_MULTICAST_LIST`.
pub const MAX_MULTICAST_ADDRESSES: usize = 32;
/// Packet filters both drivers support.
pub const SUPPORTED_PACKET_FILTERS: u32 = NDIS_PACKET_TYPE_DIRECTED
    | NDIS_PACKET_TYPE_MULTICAST
    | NDIS_PACKET_TYPE_ALL_MULTICAST
    | NDIS_PACKET_TYPE_BROADCAST
    | NDIS_PACKET_TYPE_PROMISCUOUS;

/// The OIDs [`GeneralOids::handle`] answers; a driver lists these plus its own in
/// `SupportedOidList`.
pub const GENERAL_OIDS: &[NDIS_OID] = &[
    OID_GEN_HARDWARE_STATUS,
    OID_GEN_TRANSMIT_BUFFER_SPACE,
    OID_GEN_RECEIVE_BUFFER_SPACE,
    OID_GEN_TRANSMIT_BLOCK_SIZE,
    OID_GEN_RECEIVE_BLOCK_SIZE,
    OID_GEN_VENDOR_ID,
    OID_GEN_VENDOR_DESCRIPTION,
    OID_GEN_VENDOR_DRIVER_VERSION,
    OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_CURRENT_LOOKAHEAD,
    OID_GEN_MAXIMUM_TOTAL_SIZE,
    OID_GEN_MAXIMUM_FRAME_SIZE,
    OID_GEN_MAXIMUM_LOOKAHEAD,
    OID_GEN_LINK_PARAMETERS,
    OID_GEN_INTERRUPT_MODERATION,
    OID_GEN_XMIT_OK,
    OID_GEN_RCV_OK,
    OID_GEN_XMIT_ERROR,
    OID_GEN_RCV_ERROR,
    OID_GEN_RCV_NO_BUFFER,
    OID_GEN_STATISTICS,
    OID_802_3_MULTICAST_LIST,
    OID_802_3_MAXIMUM_LIST_SIZE,
    OID_802_3_CURRENT_ADDRESS,
    OID_802_3_PERMANENT_ADDRESS,
];

/// Fixed facts about the adapter, for attributes and OIDs.
#[derive(Clone, Copy, Debug)]
pub struct AdapterIdentity {
    /// Permanent MAC address.
    pub permanent_address: [u8; 6],
    /// Current MAC address (`*NetworkAddress` or the permanent one).
    pub current_address: [u8; 6],
    /// MTU (payload bytes, without the Ethernet header).
    pub mtu: u32,
    /// `OID_GEN_VENDOR_ID`: IEEE OUI in the low 3 bytes, adapter index in the high byte.
    pub vendor_id: u32,
    /// `OID_GEN_VENDOR_DESCRIPTION`: ASCII, NUL-terminated on the wire.
    pub vendor_description: &'static [u8],
    /// `OID_GEN_VENDOR_DRIVER_VERSION`: major in the high 16 bits, minor in the low.
    pub driver_version: u32,
    /// Transmit buffer space, bytes.
    pub transmit_buffer_space: u32,
    /// Receive buffer space, bytes.
    pub receive_buffer_space: u32,
    /// 802.1p priority tagging is on (`NDIS_MAC_OPTION_8021P_PRIORITY`; `*PriorityVLANTag`
    /// 1 or 3).
    pub priority_tagging: bool,
    /// 802.1Q VLAN tagging is on (`NDIS_MAC_OPTION_8021Q_VLAN`; `*PriorityVLANTag` 2 or 3).
    pub vlan_tagging: bool,
}

impl AdapterIdentity {
    /// A placeholder identity for an igb function whose NVM / mailbox MAC is not read yet: a
    /// locally administered address (bit 1 of the first octet set, so it is never mistaken for
    /// a burned-in one) built from the PCI device id and a per-function byte.
    #[must_use]
    pub const fn placeholder(
        device_id: u16,
        function: u8,
        vendor_description: &'static [u8],
        driver_version: (u8, u8),
    ) -> Self {
        let [high, low] = device_id.to_be_bytes();
        let address = [0x02, 0x1B, 0x21, high, low, function];
        Self {
            permanent_address: address,
            current_address: address,
            mtu: 1500,
            // Intel's OUI 00-1B-21 in the low three bytes (OID_GEN_VENDOR_ID).
            vendor_id: 0x00_1B21,
            vendor_description,
            driver_version: ((driver_version.0 as u32) << 16) | driver_version.1 as u32,
            transmit_buffer_space: 256 * 2048,
            receive_buffer_space: 256 * 2048,
            priority_tagging: true,
            vlan_tagging: true,
        }
    }
}

/// The link as the driver knows it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LinkState {
    /// `MediaConnectState*`.
    pub connect_state: NDIS_MEDIA_CONNECT_STATE,
    /// Bits per second, or `NDIS_LINK_SPEED_UNKNOWN`.
    pub speed: u64,
    /// `MediaDuplexState*`.
    pub duplex: NDIS_MEDIA_DUPLEX_STATE,
}

impl LinkState {
    /// The state of an Ethernet link the hardware reports (`speed_mbps` in Mb/s).
    #[must_use]
    pub const fn from_link(up: bool, speed_mbps: u32, full_duplex: bool) -> Self {
        if !up {
            return Self::DISCONNECTED;
        }
        Self {
            connect_state: MediaConnectStateConnected,
            speed: speed_mbps as u64 * 1_000_000,
            duplex: if full_duplex {
                MediaDuplexStateFull
            } else {
                MediaDuplexStateHalf
            },
        }
    }

    /// No hardware link known (the skeleton's honest answer before the hardware layer runs).
    pub const DISCONNECTED: Self = Self {
        connect_state: MediaConnectStateDisconnected,
        speed: NDIS_LINK_SPEED_UNKNOWN,
        duplex: MediaDuplexStateUnknown,
    };
}

/// What the device's own counters say (the hardware statistics registers, accumulated by the
/// driver across clear-on-read and 32-bit wraps). Where present, these replace the software
/// counters in `OID_GEN_STATISTICS`: the hardware also counts frames the driver never saw
/// (missed for lack of descriptors, CRC errors).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DeviceStatistics {
    /// Good unicast frames received.
    pub rx_unicast_packets: u64,
    /// Good multicast frames received.
    pub rx_multicast_packets: u64,
    /// Good broadcast frames received.
    pub rx_broadcast_packets: u64,
    /// Good octets received.
    pub rx_bytes: u64,
    /// Receive errors (CRC, symbol, length).
    pub rx_errors: u64,
    /// Frames dropped for lack of receive buffers.
    pub rx_discards: u64,
    /// Good unicast frames sent.
    pub tx_unicast_packets: u64,
    /// Good multicast frames sent.
    pub tx_multicast_packets: u64,
    /// Good broadcast frames sent.
    pub tx_broadcast_packets: u64,
    /// Good octets sent.
    pub tx_bytes: u64,
    /// Transmit errors (excess collisions, late collisions).
    pub tx_errors: u64,
}

impl DeviceStatistics {
    fn fill(&self, statistics: &mut NDIS_STATISTICS_INFO) {
        statistics.ifInDiscards = self.rx_discards.saturating_add(self.rx_errors);
        statistics.ifInErrors = self.rx_errors;
        statistics.ifHCInOctets = self.rx_bytes;
        statistics.ifHCInUcastPkts = self.rx_unicast_packets;
        statistics.ifHCInMulticastPkts = self.rx_multicast_packets;
        statistics.ifHCInBroadcastPkts = self.rx_broadcast_packets;
        statistics.ifHCOutOctets = self.tx_bytes;
        statistics.ifHCOutUcastPkts = self.tx_unicast_packets;
        statistics.ifHCOutMulticastPkts = self.tx_multicast_packets;
        statistics.ifHCOutBroadcastPkts = self.tx_broadcast_packets;
        statistics.ifOutErrors = self.tx_errors;
        statistics.SupportedStatistics |= NDIS_STATISTICS_FLAGS_VALID_MULTICAST_FRAMES_RCV
            | NDIS_STATISTICS_FLAGS_VALID_BROADCAST_FRAMES_RCV
            | NDIS_STATISTICS_FLAGS_VALID_MULTICAST_FRAMES_XMIT
            | NDIS_STATISTICS_FLAGS_VALID_BROADCAST_FRAMES_XMIT;
    }
}

/// Data-path counters (updated from the data path, read by OIDs).
#[derive(Debug, Default)]
pub struct Counters {
    /// Frames sent.
    pub transmitted: AtomicU64,
    /// Frames received and indicated.
    pub received: AtomicU64,
    /// Sends that failed.
    pub transmit_errors: AtomicU64,
    /// Received frames dropped for errors.
    pub receive_errors: AtomicU64,
    /// Received frames dropped for lack of buffers.
    pub receive_no_buffer: AtomicU64,
    /// Bytes sent.
    pub transmitted_bytes: AtomicU64,
    /// Bytes received.
    pub received_bytes: AtomicU64,
}

impl Counters {
    fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Settable state of the general OIDs.
#[derive(Clone, Copy, Debug)]
pub struct GeneralOids {
    /// `OID_GEN_CURRENT_PACKET_FILTER`.
    pub packet_filter: u32,
    /// `OID_GEN_CURRENT_LOOKAHEAD`.
    pub lookahead: u32,
    /// `OID_802_3_MULTICAST_LIST`.
    pub multicast: [[u8; 6]; MAX_MULTICAST_ADDRESSES],
    /// Entries used in `multicast`.
    pub multicast_count: usize,
    /// Interrupt moderation enabled (`OID_GEN_INTERRUPT_MODERATION`).
    pub interrupt_moderation: bool,
}

impl Default for GeneralOids {
    fn default() -> Self {
        Self {
            packet_filter: 0,
            lookahead: 0,
            multicast: [[0; 6]; MAX_MULTICAST_ADDRESSES],
            multicast_count: 0,
            interrupt_moderation: true,
        }
    }
}

impl GeneralOids {
    /// Answers a general OID. `None` if `request.oid()` is not one of [`GENERAL_OIDS`] (the
    /// driver answers it, or rejects it).
    pub fn handle(
        &mut self,
        request: &mut OidRequest<'_>,
        identity: &AdapterIdentity,
        counters: &Counters,
        link: LinkState,
        device: Option<&DeviceStatistics>,
    ) -> Option<NdisResult> {
        let oid = request.oid();
        if !GENERAL_OIDS.contains(&oid) {
            return None;
        }
        let kind = request.kind();
        let is_query = matches!(kind, OidKind::Query | OidKind::QueryStatistics);
        let frame_size = identity.mtu;
        let result = match (oid, is_query, kind) {
            (OID_GEN_HARDWARE_STATUS, true, _) => request.write_u32(NDIS_HARDWARE_STATUS_READY),
            (OID_GEN_TRANSMIT_BUFFER_SPACE, true, _) => {
                request.write_u32(identity.transmit_buffer_space)
            }
            (OID_GEN_RECEIVE_BUFFER_SPACE, true, _) => {
                request.write_u32(identity.receive_buffer_space)
            }
            (
                OID_GEN_TRANSMIT_BLOCK_SIZE
                | OID_GEN_RECEIVE_BLOCK_SIZE
                | OID_GEN_MAXIMUM_TOTAL_SIZE,
                true,
                _,
            ) => request.write_u32(frame_size + ETHERNET_HEADER_LENGTH),
            (OID_GEN_MAXIMUM_FRAME_SIZE | OID_GEN_MAXIMUM_LOOKAHEAD, true, _) => {
                request.write_u32(frame_size)
            }
            (OID_GEN_VENDOR_ID, true, _) => request.write_u32(identity.vendor_id),
            (OID_GEN_VENDOR_DESCRIPTION, true, _) => {
                request.write_output(identity.vendor_description)
            }
            (OID_GEN_VENDOR_DRIVER_VERSION, true, _) => request.write_u32(identity.driver_version),
            (OID_GEN_CURRENT_PACKET_FILTER, true, _) => request.write_u32(self.packet_filter),
            (OID_GEN_CURRENT_PACKET_FILTER, false, OidKind::Set) => {
                request.read_u32().and_then(|filter| {
                    // Unsupported filter bits are refused, not silently dropped.
                    if filter & !SUPPORTED_PACKET_FILTERS != 0 {
                        return Err(NdisError::NOT_SUPPORTED);
                    }
                    self.packet_filter = filter;
                    Ok(())
                })
            }
            (OID_GEN_CURRENT_LOOKAHEAD, true, _) => request.write_u32(self.lookahead),
            (OID_GEN_CURRENT_LOOKAHEAD, false, OidKind::Set) => {
                request.read_u32().and_then(|lookahead| {
                    if lookahead > frame_size {
                        return Err(NdisError::INVALID_DATA);
                    }
                    self.lookahead = lookahead;
                    Ok(())
                })
            }
            (OID_GEN_LINK_PARAMETERS, false, OidKind::Set) => self.set_link_parameters(request),
            (OID_GEN_INTERRUPT_MODERATION, true, _) => self.query_interrupt_moderation(request),
            (OID_GEN_INTERRUPT_MODERATION, false, OidKind::Set) => {
                self.set_interrupt_moderation(request)
            }
            (OID_GEN_XMIT_OK, true, _) => {
                request.write_counter(Counters::get(&counters.transmitted))
            }
            (OID_GEN_RCV_OK, true, _) => request.write_counter(Counters::get(&counters.received)),
            (OID_GEN_XMIT_ERROR, true, _) => {
                request.write_counter(Counters::get(&counters.transmit_errors))
            }
            (OID_GEN_RCV_ERROR, true, _) => {
                request.write_counter(Counters::get(&counters.receive_errors))
            }
            (OID_GEN_RCV_NO_BUFFER, true, _) => {
                request.write_counter(Counters::get(&counters.receive_no_buffer))
            }
            (OID_GEN_STATISTICS, true, _) => Self::query_statistics(request, counters, device),
            (OID_802_3_MULTICAST_LIST, true, _) => {
                let mut bytes = [0u8; 6 * MAX_MULTICAST_ADDRESSES];
                for (index, address) in self.multicast[..self.multicast_count].iter().enumerate() {
                    bytes[index * 6..index * 6 + 6].copy_from_slice(address);
                }
                request.write_output(&bytes[..self.multicast_count * 6])
            }
            (OID_802_3_MULTICAST_LIST, false, OidKind::Set) => self.set_multicast_list(request),
            (OID_802_3_MAXIMUM_LIST_SIZE, true, _) => {
                request.write_u32(MAX_MULTICAST_ADDRESSES as u32)
            }
            (OID_802_3_CURRENT_ADDRESS, true, _) => request.write_output(&identity.current_address),
            (OID_802_3_PERMANENT_ADDRESS, true, _) => {
                request.write_output(&identity.permanent_address)
            }
            _ => Err(NdisError::NOT_SUPPORTED),
        };
        let _ = link;
        Some(result)
    }

    fn set_multicast_list(&mut self, request: &mut OidRequest<'_>) -> NdisResult {
        let length = request.input_len();
        if length % 6 != 0 {
            // NDIS wants BytesNeeded with INVALID_LENGTH: the next whole number of addresses
            // (N/handling-oid-requests-in-a-miniport-adapter.md).
            request.set_bytes_needed(length.div_ceil(6).saturating_mul(6));
            return Err(NdisError::INVALID_LENGTH);
        }
        let count = length / 6;
        if count > MAX_MULTICAST_ADDRESSES {
            return Err(NdisError::MULTICAST_FULL);
        }
        let mut list = [[0u8; 6]; MAX_MULTICAST_ADDRESSES];
        for (index, entry) in list.iter_mut().take(count).enumerate() {
            request.read_input_bytes(index * 6, entry)?;
            // The group bit must be set: a unicast address is not a multicast list entry.
            if entry[0] & 1 == 0 {
                return Err(NdisError::INVALID_DATA);
            }
        }
        self.multicast = list;
        self.multicast_count = count;
        Ok(())
    }

    fn set_link_parameters(&mut self, request: &mut OidRequest<'_>) -> NdisResult {
        let revisions = [crate::oid::ObjectRevision {
            revision: NDIS_LINK_PARAMETERS_REVISION_1,
            min_size: NDIS_SIZEOF_LINK_PARAMETERS_REVISION_1,
        }];
        let (parameters, _) = request
            .read_input_object::<NDIS_LINK_PARAMETERS>(NDIS_OBJECT_TYPE_DEFAULT, &revisions)?;
        // The igb PHY is autonegotiated by the hardware layer; a request for a fixed speed or
        // duplex the adapter cannot honour is refused rather than ignored.
        if parameters.MediaDuplexState != MediaDuplexStateUnknown
            || parameters.XmitLinkSpeed != NDIS_LINK_SPEED_UNKNOWN
        {
            return Err(NdisError::NOT_SUPPORTED);
        }
        request.set_supported_revision(NDIS_LINK_PARAMETERS_REVISION_1);
        Ok(())
    }

    fn query_interrupt_moderation(&self, request: &mut OidRequest<'_>) -> NdisResult {
        let mut parameters = NDIS_INTERRUPT_MODERATION_PARAMETERS::zeroed();
        parameters.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_DEFAULT,
            NDIS_INTERRUPT_MODERATION_PARAMETERS_REVISION_1,
            NDIS_SIZEOF_INTERRUPT_MODERATION_PARAMETERS_REVISION_1,
        );
        parameters.InterruptModeration = if self.interrupt_moderation {
            NdisInterruptModerationEnabled
        } else {
            NdisInterruptModerationDisabled
        };
        request.write_output_object(
            &parameters,
            usize::from(NDIS_SIZEOF_INTERRUPT_MODERATION_PARAMETERS_REVISION_1),
        )
    }

    fn set_interrupt_moderation(&mut self, request: &mut OidRequest<'_>) -> NdisResult {
        let revisions = [crate::oid::ObjectRevision {
            revision: NDIS_INTERRUPT_MODERATION_PARAMETERS_REVISION_1,
            min_size: NDIS_SIZEOF_INTERRUPT_MODERATION_PARAMETERS_REVISION_1,
        }];
        let (parameters, _) = request.read_input_object::<NDIS_INTERRUPT_MODERATION_PARAMETERS>(
            NDIS_OBJECT_TYPE_DEFAULT,
            &revisions,
        )?;
        self.interrupt_moderation = match parameters.InterruptModeration {
            NdisInterruptModerationEnabled => true,
            NdisInterruptModerationDisabled => false,
            _ => return Err(NdisError::INVALID_DATA),
        };
        request.set_supported_revision(NDIS_INTERRUPT_MODERATION_PARAMETERS_REVISION_1);
        Ok(())
    }

    fn query_statistics(
        request: &mut OidRequest<'_>,
        counters: &Counters,
        device: Option<&DeviceStatistics>,
    ) -> NdisResult {
        let mut statistics = NDIS_STATISTICS_INFO::zeroed();
        statistics.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_DEFAULT,
            NDIS_STATISTICS_INFO_REVISION_1,
            NDIS_SIZEOF_STATISTICS_INFO_REVISION_1,
        );
        statistics.SupportedStatistics = SUPPORTED_STATISTICS;
        statistics.ifInDiscards =
            Counters::get(&counters.receive_errors) + Counters::get(&counters.receive_no_buffer);
        statistics.ifInErrors = Counters::get(&counters.receive_errors);
        statistics.ifHCInOctets = Counters::get(&counters.received_bytes);
        statistics.ifHCInUcastPkts = Counters::get(&counters.received);
        statistics.ifHCOutOctets = Counters::get(&counters.transmitted_bytes);
        statistics.ifHCOutUcastPkts = Counters::get(&counters.transmitted);
        statistics.ifOutErrors = Counters::get(&counters.transmit_errors);
        if let Some(device) = device {
            device.fill(&mut statistics);
        }
        request.write_output_object(
            &statistics,
            usize::from(NDIS_SIZEOF_STATISTICS_INFO_REVISION_1),
        )
    }
}

/// `SupportedStatistics` flags matching what [`GeneralOids`] fills in `OID_GEN_STATISTICS`.
pub const SUPPORTED_STATISTICS: u32 = NDIS_STATISTICS_FLAGS_VALID_RCV_DISCARDS
    | NDIS_STATISTICS_FLAGS_VALID_RCV_ERROR
    | NDIS_STATISTICS_FLAGS_VALID_BYTES_RCV
    | NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_RCV
    | NDIS_STATISTICS_FLAGS_VALID_BYTES_XMIT
    | NDIS_STATISTICS_FLAGS_VALID_DIRECTED_FRAMES_XMIT
    | NDIS_STATISTICS_FLAGS_VALID_XMIT_ERROR;

/// General attributes for an Ethernet adapter. `supported_oids` must outlive the
/// `NdisMSetMiniportAttributes` call (NDIS copies the list).
#[must_use]
pub fn general_attributes(
    identity: &AdapterIdentity,
    link: LinkState,
    supported_oids: &[NDIS_OID],
) -> NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES {
    let mut attributes = NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES::zeroed();
    attributes.Header = NDIS_OBJECT_HEADER::new(
        NDIS_OBJECT_TYPE_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES,
        NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2,
        NDIS_SIZEOF_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES_REVISION_2,
    );
    attributes.MediaType = NdisMedium802_3;
    attributes.PhysicalMediumType = NdisPhysicalMedium802_3;
    attributes.MtuSize = identity.mtu;
    attributes.MaxXmitLinkSpeed = 1_000_000_000;
    attributes.MaxRcvLinkSpeed = 1_000_000_000;
    attributes.XmitLinkSpeed = link.speed;
    attributes.RcvLinkSpeed = link.speed;
    attributes.MediaConnectState = link.connect_state;
    attributes.MediaDuplexState = link.duplex;
    attributes.LookaheadSize = identity.mtu;
    attributes.MacOptions = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA
        | NDIS_MAC_OPTION_TRANSFERS_NOT_PEND
        | NDIS_MAC_OPTION_NO_LOOPBACK;
    // What the tagging keyword leaves on (MacOptions: "the miniport supports 802.1p priority /
    // 802.1Q VLAN"; with `*PriorityVLANTag` 0 neither is performed).
    if identity.priority_tagging {
        attributes.MacOptions |= NDIS_MAC_OPTION_8021P_PRIORITY;
    }
    if identity.vlan_tagging {
        attributes.MacOptions |= NDIS_MAC_OPTION_8021Q_VLAN;
    }
    attributes.SupportedPacketFilters = SUPPORTED_PACKET_FILTERS;
    attributes.MaxMulticastListSize = MAX_MULTICAST_ADDRESSES as u32;
    attributes.MacAddressLength = 6;
    attributes.PermanentMacAddress[..6].copy_from_slice(&identity.permanent_address);
    attributes.CurrentMacAddress[..6].copy_from_slice(&identity.current_address);
    attributes.AccessType = NET_IF_ACCESS_BROADCAST;
    attributes.DirectionType = NET_IF_DIRECTION_SENDRECEIVE;
    attributes.ConnectionType = NET_IF_CONNECTION_DEDICATED;
    attributes.IfType = IF_TYPE_ETHERNET_CSMACD;
    attributes.IfConnectorPresent = 1;
    attributes.SupportedStatistics = SUPPORTED_STATISTICS;
    attributes.SupportedPauseFunctions = NdisPauseFunctionsUnsupported as u32;
    attributes.AutoNegotiationFlags = NDIS_LINK_STATE_DUPLEX_AUTO_NEGOTIATED;
    attributes.SupportedOidList = supported_oids.as_ptr().cast_mut();
    attributes.SupportedOidListLength =
        u32::try_from(core::mem::size_of_val(supported_oids)).unwrap_or(0);
    attributes
}
