//! The NDIS rules the emulator enforces, and the violations it records.
//!
//! Every rule has a stable id (`NDIS-<AREA>-<n>`), a one-line statement and the document it
//! comes from (paths as in `shared/reference/ndis-sriov-requirements.md`: `N/…` = the network
//! conceptual guide, `D/ndis/…`, `D/wdm/…` = the DDI reference, `SDV …` / `DV …` = Static Driver Verifier /
//! Driver Verifier NDIS rule names). `RULES.md` lists exactly this table (a test checks it).

use std::fmt;

/// One NDIS rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. `NDIS-OID-2`.
    pub id: &'static str,
    /// The rule in one line.
    pub text: &'static str,
    /// Where the rule comes from.
    pub source: &'static str,
}

macro_rules! rules {
    ($($id:literal | $text:literal | $source:literal;)*) => {
        /// Every rule the emulator checks, in `RULES.md` order.
        pub const RULES: &[Rule] = &[$(Rule { id: $id, text: $text, source: $source }),*];
    };
}

rules! {
    "NDIS-DRV-1" | "NDIS_MINIPORT_DRIVER_CHARACTERISTICS must have Header.Type MINIPORT_DRIVER_CHARACTERISTICS with a matching revision/size, NDIS version >= 6.30, and non-NULL mandatory handlers (InitializeEx, HaltEx, Unload, Pause, Restart, OidRequest, SendNetBufferLists, ReturnNetBufferLists, CancelSend, DevicePnPEventNotify, ShutdownEx, CancelOidRequest)" | "D/ndis/ns-ndis-_ndis_miniport_driver_characteristics.md";
    "NDIS-DRV-2" | "NdisMRegisterMiniportDriver is called once per driver object from DriverEntry, and NdisMDeregisterMiniportDriver exactly once (from MiniportDriverUnload or a failing DriverEntry)" | "D/ndis/nf-ndis-ndismregisterminiportdriver.md";
    "NDIS-ATTR-1" | "Adapter attributes are set in order: registration attributes first, then general attributes, then the others; each attribute type at most once per MiniportInitializeEx" | "D/ndis/nf-ndis-ndismsetminiportattributes.md";
    "NDIS-ATTR-2" | "MiniportInitializeEx must set registration and general attributes before returning NDIS_STATUS_SUCCESS" | "D/ndis/nf-ndis-ndismsetminiportattributes.md";
    "NDIS-ATTR-3" | "Each attribute structure (and the capability structures it points to) carries the right Header.Type and a known Revision with its matching Size" | "D/ndis/ns-ndis-_ndis_miniport_adapter_hardware_assist_attributes.md";
    "NDIS-ATTR-4" | "NdisMSetMiniportAttributes is called only from MiniportInitializeEx (add-device registration attributes only from MiniportAddDevice)" | "D/ndis/nf-ndis-ndismsetminiportattributes.md";
    "NDIS-ATTR-5" | "Hardware-assist pointer pairing: a non-NULL Hardware* capability pointer needs a non-NULL Current* pointer of the same kind (and vice versa), and a non-NULL SR-IOV pointer needs both NIC-switch pointers" | "D/ndis/ns-ndis-_ndis_miniport_adapter_hardware_assist_attributes.md";
    "NDIS-ATTR-6" | "Registration attributes are set before any call that claims hardware (NdisMMapIoSpace, NdisMRegisterInterruptEx, NdisMRegisterScatterGatherDma, NdisMAllocateSharedMemory, NdisMEnableVirtualization)" | "D/ndis/nf-ndis-ndismsetminiportattributes.md";
    "NDIS-PNP-1" | "After MiniportDevicePnPEventNotify(NdisDevicePnPEventSurpriseRemoved) the miniport does not access the removed device (PCI configuration space, enabling virtualization)" | "N/handling-the-surprise-removal-of-a-nic.md";
    "NDIS-STATE-1" | "A successfully initialized adapter is Paused: no receive indication or send completion before MiniportRestart is called" | "N/miniport-adapter-states-and-operations.md";
    "NDIS-INIT-1" | "When MiniportInitializeEx fails it must release every resource it allocated before returning" | "N/initializing-a-miniport-adapter.md";
    "NDIS-INIT-2" | "MiniportInitializeEx is synchronous: it returns NDIS_STATUS_SUCCESS or a failure status, never NDIS_STATUS_PENDING" | "D/ndis/nc-ndis-miniport_initialize.md";
    "NDIS-SEND-1" | "Sends that arrive while the adapter is Paused or Pausing are completed with NDIS_STATUS_PAUSED" | "N/pausing-an-adapter.md";
    "NDIS-SEND-2" | "Every outstanding send is completed before pause completes, and no send completion happens after pause completed" | "N/pausing-an-adapter.md";
    "NDIS-SEND-3" | "Every send NBL is completed exactly once with NdisMSendNetBufferListsComplete, and only NBLs that NDIS gave the miniport" | "D/ndis/nf-ndis-ndismsendnetbufferlistscomplete.md";
    "NDIS-SEND-4" | "A send NBL is completed with its original NET_BUFFER/MDL chain (FirstNetBuffer, NB links, MdlChain, DataLength, DataOffset unchanged)" | "N/sending-network-data.md";
    "NDIS-SEND-5" | "NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL is set exactly when the caller runs at DISPATCH_LEVEL" | "D/ndis/nf-ndis-ndismsendnetbufferlistscomplete.md";
    "NDIS-SEND-6" | "Every send NBL is completed before MiniportHaltEx returns (none is lost, also after a surprise removal)" | "N/halting-a-miniport-adapter.md";
    "NDIS-SEND-7" | "A successfully sent LSOv2 NBL is completed with LsoV2TransmitComplete.Type = NDIS_TCP_LARGE_SEND_OFFLOAD_V2_TYPE and LsoV2TransmitComplete.Reserved = 0" | "D/nbllso/ns-nbllso-ndis_tcp_large_send_offload_net_buffer_list_info.md";
    "NDIS-SEND-8" | "The miniport sets each completed send NBL's final Status (never NDIS_STATUS_PENDING)" | "D/ndis/nf-ndis-ndismsendnetbufferlistscomplete.md";
    "NDIS-RECV-1" | "No receive indication after pause completed (Paused) or before restart" | "N/pausing-an-adapter.md";
    "NDIS-RECV-2" | "Pause must not complete (and halt must not be reached) while indicated receive NBLs are still owned by NDIS" | "N/pausing-an-adapter.md";
    "NDIS-RECV-3" | "An NBL is not indicated again while NDIS still owns it from an earlier indication; NBLs indicated with NDIS_RECEIVE_FLAGS_RESOURCES are owned by the miniport again when the call returns" | "D/ndis/nf-ndis-ndismindicatereceivenetbufferlists.md";
    "NDIS-RECV-4" | "Each indicated receive NBL has SourceHandle set to the MiniportAdapterHandle" | "N/receiving-network-data.md";
    "NDIS-RECV-5" | "NumberOfNetBufferLists equals the number of NBLs in the indicated chain" | "D/ndis/nf-ndis-ndismindicatereceivenetbufferlists.md";
    "NDIS-RECV-6" | "NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL is set exactly when the caller runs at DISPATCH_LEVEL" | "D/ndis/nf-ndis-ndismindicatereceivenetbufferlists.md";
    "NDIS-RECV-7" | "Each indicated receive NBL has exactly one NET_BUFFER whose MDL chain holds its DataLength (> 0) bytes from CurrentMdl/CurrentMdlOffset" | "N/receiving-network-data.md";
    "NDIS-OID-1" | "An OID request is completed exactly once: NdisMOidRequestComplete only for the outstanding request after MiniportOidRequest returned NDIS_STATUS_PENDING" | "DV NdisOidDoubleComplete";
    "NDIS-OID-2" | "An OID request is never completed with NDIS_STATUS_PENDING through NdisMOidRequestComplete" | "DV NdisOidComplete";
    "NDIS-OID-3" | "An OID completed with NDIS_STATUS_INVALID_LENGTH or NDIS_STATUS_BUFFER_TOO_SHORT sets BytesNeeded larger than the buffer supplied" | "N/handling-oid-requests-in-a-miniport-adapter.md";
    "NDIS-OID-4" | "BytesWritten/BytesRead never exceed the buffer supplied" | "N/handling-oid-requests-in-a-miniport-adapter.md";
    "NDIS-OID-5" | "SupportedOidList lists every OID the miniport answers with success, and an OID outside the list is not accepted" | "N/mandatory-oids-for-miniport-drivers.md";
    "NDIS-OID-6" | "A pending OID request is completed within the time bound" | "DV NdisTimedOidComplete";
    "NDIS-OID-7" | "A cancelled pending OID request is still completed (normally with NDIS_STATUS_REQUEST_ABORTED) within the time bound" | "D/ndis/nc-ndis-miniport_cancel_oid_request.md";
    "NDIS-PAUSE-1" | "MiniportPause cannot fail: it returns NDIS_STATUS_SUCCESS or NDIS_STATUS_PENDING" | "SDV MiniportPause_Return";
    "NDIS-PAUSE-2" | "NdisMPauseComplete is called once, only after MiniportPause returned NDIS_STATUS_PENDING" | "D/ndis/nf-ndis-ndismpausecomplete.md";
    "NDIS-RESTART-1" | "NdisMRestartComplete is called once, only after MiniportRestart returned NDIS_STATUS_PENDING, and never with NDIS_STATUS_PENDING" | "D/ndis/nf-ndis-ndismrestartcomplete.md";
    "NDIS-RESET-1" | "NdisMResetComplete is called once, only after MiniportResetEx returned NDIS_STATUS_PENDING" | "D/ndis/nf-ndis-ndismresetcomplete.md";
    "NDIS-HALT-1" | "The interrupt is deregistered (NdisMDeregisterInterruptEx) before MiniportHaltEx returns" | "SDV NdisMDeregisterInterruptEx";
    "NDIS-HALT-2" | "Every timer object is cancelled and freed before MiniportHaltEx returns" | "SDV CancelTimerObject";
    "NDIS-HALT-3" | "Shared memory is freed and scatter/gather DMA deregistered before MiniportHaltEx returns" | "SDV NdisMFreeSharedMemory";
    "NDIS-HALT-4" | "NBL/NB pools, NBLs and MDLs are freed before MiniportHaltEx returns" | "SDV NdisAllocateNetBuffer";
    "NDIS-HALT-5" | "Memory from NdisAllocateMemoryWithTagPriority is freed before MiniportHaltEx returns (driver-owned memory before unload)" | "SDV NdisAllocateMemoryWithTagPriority";
    "NDIS-HALT-6" | "No NDIS call uses an adapter's handles after MiniportHaltEx returned" | "N/halting-a-miniport-adapter.md";
    "NDIS-HALT-7" | "I/O space is unmapped, work items freed and configuration handles closed before MiniportHaltEx returns" | "SDV NdisMMapIoSpace";
    "NDIS-IRQL-1" | "Each NDIS function is called at or below its maximum IRQL (PASSIVE-only functions never from an ISR, DPC, timer or spin-lock-held path)" | "SDV Irql_Miniport_Driver_Function";
    "NDIS-IRQL-2" | "A handler returns at the IRQL it was called at, and spin locks are released by the matching call at the right IRQL" | "SDV SpinLockBalanced";
    "NDIS-IRQL-3" | "KeStallExecutionProcessor (NdisStallExecution) stalls at most 50 microseconds when called at DISPATCH_LEVEL or above" | "D/wdm/nf-wdm-kestallexecutionprocessor.md";
    "NDIS-STATUS-1" | "NdisMIndicateStatusEx gets a valid NDIS_STATUS_INDICATION: right header, SourceHandle = MiniportAdapterHandle, a status buffer of the documented size (NDIS_LINK_STATE for NDIS_STATUS_LINK_STATE)" | "D/ndis/nf-ndis-ndismindicatestatusex.md";
    "NDIS-LOG-1" | "NdisWriteErrorLogEntry gets the MiniportAdapterHandle and at most 24 error values (the entry with the adapter's name must fit ERROR_LOG_MAXIMUM_SIZE, 240 bytes)" | "D/ndis/nf-ndis-ndiswriteerrorlogentry.md";
    "NDIS-LOG-2" | "A miniport logs with NdisWriteErrorLogEntry, never NdisWriteEventLogEntry (protocol drivers only, LogHandle a driver object); that call also needs NumStrings 0 for a NULL StringsList, DataSize 0 for a NULL Data and data within MAX_EVENT_LOG_DATA_SIZE" | "D/ndis/nf-ndis-ndiswriteeventlogentry.md";
    "NDIS-MEM-1" | "Memory, shared memory, NBLs and MDLs are freed once, with the values they were allocated with" | "SDV NdisMFreeSharedMemory";
    "NDIS-TIMER-1" | "A timer object is not freed while it is queued and is not used after it was freed" | "D/ndis/nf-ndis-ndisfreetimerobject.md";
    "NDIS-INT-1" | "NdisMRegisterInterruptEx is called once per adapter from MiniportInitializeEx with a valid characteristics header and the handlers its interrupt type needs" | "SDV Init_RegisterInterrupt";
    "NDIS-DMA-1" | "NdisMAllocateSharedMemory needs a prior NdisMRegisterScatterGatherDma on the adapter" | "N/registering-and-deregistering-dma-channels.md";
    "NDIS-DMA-2" | "The device accesses memory only inside live shared memory and scatter/gather mappings of the fake physical address space (the addresses NDIS handed out)" | "D/ndis/nf-ndis-ndismallocatesharedmemory.md";
    "NDIS-DMA-3" | "The device does not access shared memory or scatter/gather mappings after they were freed (NdisMFreeSharedMemory, NdisFreeSharedMemory, NdisMFreeNetBufferSGList, halt)" | "D/ndis/nf-ndis-ndismfreesharedmemory.md";
    "NDIS-DMA-4" | "Shared memory is not freed while the device may still DMA into it: stop the hardware (disable the queue) first" | "D/ndis/nc-ndis-miniport_halt.md";
    "NDIS-IO-1" | "Registers are accessed only inside a range NdisMMapIoSpace returned and before NdisMUnmapIoSpace released it" | "D/ndis/nf-ndis-ndismunmapiospace.md";
    "NDIS-SRIOV-1" | "NdisMEnableVirtualization: not enabled twice without disabling in between, migration arguments FALSE, and NumVFs 0 when disabling" | "D/ndis/nf-ndis-ndismenablevirtualization.md";
    "NDIS-SRIOV-2" | "VF bus data and location functions are used only by a PF with virtualization enabled and a VFId below NumVFs" | "D/ndis/nf-ndis-ndismgetvirtualfunctionbusdata.md";
    "NDIS-SRIOV-3" | "NdisMReadConfigBlock/NdisMWriteConfigBlock are called only by a VF miniport; NdisMInvalidateConfigBlock only by a PF" | "D/ndis/nf-ndis-ndismreadconfigblock.md";
    "NDIS-SRIOV-4" | "Virtualization is disabled (NdisMEnableVirtualization FALSE) before MiniportHaltEx returns" | "N/halting-a-pf-miniport-driver.md";
    "NDIS-HANDLE-1" | "Every handle and pointer passed to NDIS is one NDIS gave the driver and still valid (no NULL, unknown or freed handles)" | "SDV NullCheck";
}

/// Looks a rule up by id.
#[must_use]
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule id (e.g. `NDIS-OID-2`).
    pub rule: &'static str,
    /// What happened.
    pub message: String,
    /// Where the rule comes from.
    pub source: &'static str,
}

impl Violation {
    /// Builds a violation of rule `id`; an unknown id is an emulator bug and is reported as such.
    #[must_use]
    pub fn new(id: &'static str, message: String) -> Self {
        match rule(id) {
            Some(r) => Self {
                rule: r.id,
                message,
                source: r.source,
            },
            None => Self {
                rule: id,
                message: format!("(unknown rule id) {message}"),
                source: "ndis-emu",
            },
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {} (source: {})",
            self.rule, self.message, self.source
        )
    }
}

/// Panics with every violation listed when `violations` is not empty (for tests).
#[track_caller]
pub fn assert_no_violations(violations: &[Violation]) {
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        panic!(
            "{} NDIS rule violation(s):\n  {}",
            violations.len(),
            list.join("\n  ")
        );
    }
}
