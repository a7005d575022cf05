//! Registry configuration (`NdisOpenConfigurationEx` / `NdisReadConfiguration`):
//! `NDIS_CONFIGURATION_OBJECT`, `NDIS_CONFIGURATION_PARAMETER` and `NDIS_PARAMETER_TYPE`
//! (ndis.h WDK 10.0.22621; not in the golden table, pinned by compile-time assertions).

use crate::types::*;

abi_structs! {
    /// `NDIS_CONFIGURATION_OBJECT` (Header.Type `NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT`).
    pub struct NDIS_CONFIGURATION_OBJECT {
        pub Header: NDIS_OBJECT_HEADER,
        pub NdisHandle: NDIS_HANDLE,
        pub Flags: ULONG,
    }

    /// `BINARY_DATA`: `{USHORT Length; PVOID Buffer;}`.
    pub struct BINARY_DATA {
        pub Length: USHORT,
        pub Buffer: PVOID,
    }

    /// The `ParameterData` union of `NDIS_CONFIGURATION_PARAMETER`.
    pub union NDIS_CONFIGURATION_PARAMETER_DATA {
        pub IntegerData: ULONG,
        pub StringData: NDIS_STRING,
        pub BinaryData: BINARY_DATA,
    }

    /// `NDIS_CONFIGURATION_PARAMETER` (NDIS owns the memory `NdisReadConfiguration` returns).
    pub struct NDIS_CONFIGURATION_PARAMETER {
        pub ParameterType: NDIS_PARAMETER_TYPE,
        pub ParameterData: NDIS_CONFIGURATION_PARAMETER_DATA,
    } extra {
        "ParameterData.IntegerData" => ParameterData.IntegerData,
        "ParameterData.StringData" => ParameterData.StringData,
        "ParameterData.BinaryData" => ParameterData.BinaryData,
    }
}

const _: () = assert!(core::mem::size_of::<NDIS_CONFIGURATION_OBJECT>() == 24);
const _: () = assert!(core::mem::size_of::<BINARY_DATA>() == 16);
const _: () = assert!(core::mem::size_of::<NDIS_CONFIGURATION_PARAMETER>() == 24);
const _: () = assert!(core::mem::offset_of!(NDIS_CONFIGURATION_PARAMETER, ParameterData) == 8);

abi_constants! {
    // NDIS_PARAMETER_TYPE (source: ndis.h WDK 10.0.22621).
    pub const NdisParameterInteger: NDIS_PARAMETER_TYPE = 0;
    pub const NdisParameterHexInteger: NDIS_PARAMETER_TYPE = 1;
    pub const NdisParameterString: NDIS_PARAMETER_TYPE = 2;
    pub const NdisParameterMultiString: NDIS_PARAMETER_TYPE = 3;
    pub const NdisParameterBinary: NDIS_PARAMETER_TYPE = 4;
    // NDIS_CONFIGURATION_OBJECT.Flags (source: ndis.h).
    pub const NDIS_CONFIG_FLAG_FILTER_INSTANCE_CONFIGURATION: ULONG = 0x1;
}
