//! `NDIS_OID_REQUEST` and OID codes.

use crate::types::*;

abi_structs! {
    /// `NDIS_OID_REQUEST.DATA.QUERY_INFORMATION`.
    pub struct NDIS_OID_REQUEST_QUERY_INFORMATION as "NDIS_OID_REQUEST.DATA.QUERY_INFORMATION" {
        pub Oid: NDIS_OID,
        pub InformationBuffer: PVOID,
        pub InformationBufferLength: ULONG,
        pub BytesWritten: ULONG,
        pub BytesNeeded: ULONG,
    }

    /// `NDIS_OID_REQUEST.DATA.SET_INFORMATION`.
    pub struct NDIS_OID_REQUEST_SET_INFORMATION as "NDIS_OID_REQUEST.DATA.SET_INFORMATION" {
        pub Oid: NDIS_OID,
        pub InformationBuffer: PVOID,
        pub InformationBufferLength: ULONG,
        pub BytesRead: ULONG,
        pub BytesNeeded: ULONG,
    }

    /// `NDIS_OID_REQUEST.DATA.METHOD_INFORMATION`: the buffer is input then output.
    pub struct NDIS_OID_REQUEST_METHOD_INFORMATION as "NDIS_OID_REQUEST.DATA.METHOD_INFORMATION" {
        pub Oid: NDIS_OID,
        pub InformationBuffer: PVOID,
        pub InputBufferLength: ULONG,
        pub OutputBufferLength: ULONG,
        pub MethodId: ULONG,
        pub BytesWritten: ULONG,
        pub BytesRead: ULONG,
        pub BytesNeeded: ULONG,
    }

    /// `NDIS_OID_REQUEST.DATA`.
    pub union NDIS_OID_REQUEST_DATA as "NDIS_OID_REQUEST.DATA (union)" {
        pub QUERY_INFORMATION: NDIS_OID_REQUEST_QUERY_INFORMATION,
        pub SET_INFORMATION: NDIS_OID_REQUEST_SET_INFORMATION,
        pub METHOD_INFORMATION: NDIS_OID_REQUEST_METHOD_INFORMATION,
    }

    /// `NDIS_OID_REQUEST`.
    pub struct NDIS_OID_REQUEST {
        pub Header: NDIS_OBJECT_HEADER,
        pub RequestType: NDIS_REQUEST_TYPE,
        pub PortNumber: NDIS_PORT_NUMBER,
        pub Timeout: ULONG,
        pub RequestId: PVOID,
        pub RequestHandle: NDIS_HANDLE,
        pub DATA: NDIS_OID_REQUEST_DATA,
        pub NdisReserved: [PVOID; 16],
        pub MiniportReserved: [UCHAR; 16],
        pub SourceReserved: [UCHAR; 16],
        pub SupportedRevision: UCHAR,
        pub Reserved1: UCHAR,
        pub Reserved2: USHORT,
        pub SwitchId: NDIS_NIC_SWITCH_ID,
        pub VPortId: NDIS_NIC_SWITCH_VPORT_ID,
        pub Flags: ULONG,
    } extra {
        "DATA.QUERY_INFORMATION.Oid" => DATA.QUERY_INFORMATION.Oid,
        "DATA.QUERY_INFORMATION.InformationBuffer" => DATA.QUERY_INFORMATION.InformationBuffer,
        "DATA.QUERY_INFORMATION.InformationBufferLength" => DATA.QUERY_INFORMATION.InformationBufferLength,
        "DATA.QUERY_INFORMATION.BytesWritten" => DATA.QUERY_INFORMATION.BytesWritten,
        "DATA.QUERY_INFORMATION.BytesNeeded" => DATA.QUERY_INFORMATION.BytesNeeded,
        "DATA.SET_INFORMATION.Oid" => DATA.SET_INFORMATION.Oid,
        "DATA.SET_INFORMATION.InformationBuffer" => DATA.SET_INFORMATION.InformationBuffer,
        "DATA.SET_INFORMATION.InformationBufferLength" => DATA.SET_INFORMATION.InformationBufferLength,
        "DATA.SET_INFORMATION.BytesRead" => DATA.SET_INFORMATION.BytesRead,
        "DATA.SET_INFORMATION.BytesNeeded" => DATA.SET_INFORMATION.BytesNeeded,
        "DATA.METHOD_INFORMATION.Oid" => DATA.METHOD_INFORMATION.Oid,
        "DATA.METHOD_INFORMATION.InformationBuffer" => DATA.METHOD_INFORMATION.InformationBuffer,
        "DATA.METHOD_INFORMATION.InputBufferLength" => DATA.METHOD_INFORMATION.InputBufferLength,
        "DATA.METHOD_INFORMATION.OutputBufferLength" => DATA.METHOD_INFORMATION.OutputBufferLength,
        "DATA.METHOD_INFORMATION.MethodId" => DATA.METHOD_INFORMATION.MethodId,
        "DATA.METHOD_INFORMATION.BytesWritten" => DATA.METHOD_INFORMATION.BytesWritten,
        "DATA.METHOD_INFORMATION.BytesRead" => DATA.METHOD_INFORMATION.BytesRead,
        "DATA.METHOD_INFORMATION.BytesNeeded" => DATA.METHOD_INFORMATION.BytesNeeded,
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_OID_REQUEST>() == 248);

abi_constants! {
    /// `NdisRequestQueryInformation`.
    pub const NdisRequestQueryInformation: NDIS_REQUEST_TYPE = 0;
    /// `NdisRequestSetInformation`.
    pub const NdisRequestSetInformation: NDIS_REQUEST_TYPE = 1;
    /// `NdisRequestQueryStatistics`.
    pub const NdisRequestQueryStatistics: NDIS_REQUEST_TYPE = 2;
    /// `NdisRequestMethod`.
    pub const NdisRequestMethod: NDIS_REQUEST_TYPE = 12;
    /// `OID_GEN_SUPPORTED_LIST`.
    pub const OID_GEN_SUPPORTED_LIST: NDIS_OID = 0x0001_0101;
}
