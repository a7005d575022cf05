//! Declarations of the NDIS (and the few kernel) functions the PF and VF miniports call, with
//! the signatures of ndis.h (WDK 10.0.22621) and the DDI reference pages. Only functions that
//! are real exports are declared here; ndis.h macros are described in [`crate::functions`] notes
//! below and, where useful, provided as Rust helpers elsewhere (e.g. `NET_BUFFER_LIST_INFO` →
//! `NET_BUFFER_LIST::info`, `NDIS_MAKE_RID` → [`crate::NDIS_MAKE_RID`]).
//!
//! On Windows the kernel build links these against ndis.lib / ntoskrnl.lib; on Linux the NDIS
//! emulator defines the same symbols with `#[unsafe(no_mangle)] extern "system"`, which is why
//! the names and signatures must be exact. No `#[link]` attribute is given here so the crate
//! stays platform-neutral.
//!
//! Macros in ndis.h (not exported, so not declared): `NdisAcquireSpinLock` /
//! `NdisReleaseSpinLock` / `NdisDprAcquireSpinLock` / `NdisDprReleaseSpinLock` (→ `KeAcquire…`),
//! `NdisStallExecution` (→ `KeStallExecutionProcessor`), `NdisGetCurrentSystemTime`
//! (→ `KeQuerySystemTime`), `NdisMoveMemory` / `NdisZeroMemory` (→ `RtlMoveMemory` /
//! `RtlZeroMemory`), `NET_BUFFER_LIST_*` / `NET_BUFFER_*` accessors. In WDK 10 headers
//! `NdisAllocateSpinLock` / `NdisFreeSpinLock` are `__inline` functions; ndis.sys also exports all
//! six spin-lock routines for binary compatibility, and the drivers bind those exports (declared
//! below) so that the emulator can implement them. That export list was not verified against an
//! ndis.sys export table in this repository.

use crate::attributes::NDIS_MINIPORT_ADAPTER_ATTRIBUTES;
use crate::config::{NDIS_CONFIGURATION_OBJECT, NDIS_CONFIGURATION_PARAMETER};
use crate::indication::NDIS_STATUS_INDICATION;
use crate::interrupt::{
    MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER, NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS,
    NDIS_MSIX_CONFIG_PARAMETERS,
};
use crate::memory::{
    NDIS_SCATTER_GATHER_LIST_PARAMETERS, NDIS_SG_DMA_DESCRIPTION, NDIS_SHARED_MEMORY_PARAMETERS,
    NET_BUFFER_LIST_POOL_PARAMETERS, NET_BUFFER_POOL_PARAMETERS, SCATTER_GATHER_LIST,
};
use crate::miniport::{
    NDIS_MINIPORT_DRIVER_CHARACTERISTICS, NET_PNP_EVENT_NOTIFICATION, PCM_RESOURCE_LIST,
};
use crate::nbl::{MDL, NET_BUFFER, NET_BUFFER_LIST};
use crate::oid::NDIS_OID_REQUEST;
use crate::rss::{NDIS_RSS_PROCESSOR_INFO, NDIS_SYSTEM_PROCESSOR_INFO};
use crate::sriov::NDIS_HYPERVISOR_INFO;
use crate::timer::{NDIS_IO_WORKITEM_ROUTINE, NDIS_TIMER_CHARACTERISTICS};
use crate::types::*;

/// `UINT`.
pub type UINT = u32;
/// `EX_POOL_PRIORITY` (`LowPoolPriority` = 0, `NormalPoolPriority` = 16, `HighPoolPriority` = 32).
pub type EX_POOL_PRIORITY = NDIS_ENUM;
/// `NDIS_ERROR_CODE` (`ULONG`).
pub type NDIS_ERROR_CODE = ULONG;
/// `KSPIN_LOCK` (`ULONG_PTR`).
pub type KSPIN_LOCK = ULONG_PTR;

/// `NDIS_SPIN_LOCK`: `{KSPIN_LOCK SpinLock; KIRQL OldIrql;}`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct NDIS_SPIN_LOCK {
    /// The kernel spin lock.
    pub SpinLock: KSPIN_LOCK,
    /// The IRQL saved by `NdisAcquireSpinLock`.
    pub OldIrql: KIRQL,
}

const _: () = assert!(core::mem::size_of::<NDIS_SPIN_LOCK>() == 16);

/// `LowPoolPriority` (wdm.h `EX_POOL_PRIORITY`).
pub const LowPoolPriority: EX_POOL_PRIORITY = 0;
/// `NormalPoolPriority`.
pub const NormalPoolPriority: EX_POOL_PRIORITY = 16;
/// `HighPoolPriority`.
pub const HighPoolPriority: EX_POOL_PRIORITY = 32;
/// `PCI_WHICHSPACE_CONFIG` (wdm.h; `NdisMGetBusData` / `NdisMSetBusData` `WhichSpace`).
pub const PCI_WHICHSPACE_CONFIG: ULONG = 0x0;
/// `PCI_WHICHSPACE_ROM`.
pub const PCI_WHICHSPACE_ROM: ULONG = 0x5269_6350;

unsafe extern "system" {
    // Registration and attributes.
    /// `NdisMRegisterMiniportDriver` (DriverEntry, PASSIVE).
    pub fn NdisMRegisterMiniportDriver(
        DriverObject: PDRIVER_OBJECT,
        RegistryPath: *mut UNICODE_STRING,
        MiniportDriverContext: NDIS_HANDLE,
        MiniportDriverCharacteristics: *mut NDIS_MINIPORT_DRIVER_CHARACTERISTICS,
        NdisMiniportDriverHandle: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// `NdisMDeregisterMiniportDriver`.
    pub fn NdisMDeregisterMiniportDriver(NdisMiniportDriverHandle: NDIS_HANDLE);
    /// `NdisSetOptionalHandlers` (from `MiniportSetOptions`; `OptionalHandlers` points to e.g.
    /// an `NDIS_MINIPORT_PNP_CHARACTERISTICS`, identified by its header).
    pub fn NdisSetOptionalHandlers(
        NdisHandle: NDIS_HANDLE,
        OptionalHandlers: *mut NDIS_OBJECT_HEADER,
    ) -> NDIS_STATUS;
    /// `NdisMSetMiniportAttributes`.
    pub fn NdisMSetMiniportAttributes(
        NdisMiniportHandle: NDIS_HANDLE,
        MiniportAttributes: *mut NDIS_MINIPORT_ADAPTER_ATTRIBUTES,
    ) -> NDIS_STATUS;

    // Configuration.
    /// `NdisOpenConfigurationEx`.
    pub fn NdisOpenConfigurationEx(
        ConfigObject: *mut NDIS_CONFIGURATION_OBJECT,
        ConfigurationHandle: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// `NdisReadConfiguration`.
    pub fn NdisReadConfiguration(
        Status: *mut NDIS_STATUS,
        ParameterValue: *mut *mut NDIS_CONFIGURATION_PARAMETER,
        ConfigurationHandle: NDIS_HANDLE,
        Keyword: *mut NDIS_STRING,
        ParameterType: NDIS_PARAMETER_TYPE,
    );
    /// `NdisCloseConfiguration`.
    pub fn NdisCloseConfiguration(ConfigurationHandle: NDIS_HANDLE);
    /// `NdisReadNetworkAddress` (the `NetworkAddress` registry override).
    pub fn NdisReadNetworkAddress(
        Status: *mut NDIS_STATUS,
        NetworkAddress: *mut PVOID,
        NetworkAddressLength: *mut UINT,
        ConfigurationHandle: NDIS_HANDLE,
    );

    // Memory.
    /// `NdisAllocateMemoryWithTagPriority`.
    pub fn NdisAllocateMemoryWithTagPriority(
        NdisHandle: NDIS_HANDLE,
        Length: UINT,
        Tag: ULONG,
        Priority: EX_POOL_PRIORITY,
    ) -> PVOID;
    /// `NdisFreeMemoryWithTagPriority`.
    pub fn NdisFreeMemoryWithTagPriority(
        NdisHandle: NDIS_HANDLE,
        VirtualAddress: PVOID,
        Tag: ULONG,
    );
    /// `NdisFreeMemory` (`MemoryFlags` = 0 for `NdisAllocateMemoryWithTagPriority` memory).
    pub fn NdisFreeMemory(VirtualAddress: PVOID, Length: UINT, MemoryFlags: UINT);
    /// `NdisAllocateMdl`.
    pub fn NdisAllocateMdl(
        NdisHandle: NDIS_HANDLE,
        VirtualAddress: PVOID,
        Length: UINT,
    ) -> *mut MDL;
    /// `NdisFreeMdl`.
    pub fn NdisFreeMdl(Mdl: *mut MDL);

    // NET_BUFFER_LIST / NET_BUFFER pools.
    /// `NdisAllocateNetBufferListPool`.
    pub fn NdisAllocateNetBufferListPool(
        NdisHandle: NDIS_HANDLE,
        Parameters: *mut NET_BUFFER_LIST_POOL_PARAMETERS,
    ) -> NDIS_HANDLE;
    /// `NdisFreeNetBufferListPool`.
    pub fn NdisFreeNetBufferListPool(PoolHandle: NDIS_HANDLE);
    /// `NdisAllocateNetBufferPool`.
    pub fn NdisAllocateNetBufferPool(
        NdisHandle: NDIS_HANDLE,
        Parameters: *mut NET_BUFFER_POOL_PARAMETERS,
    ) -> NDIS_HANDLE;
    /// `NdisFreeNetBufferPool`.
    pub fn NdisFreeNetBufferPool(PoolHandle: NDIS_HANDLE);
    /// `NdisAllocateNetBufferAndNetBufferList`.
    pub fn NdisAllocateNetBufferAndNetBufferList(
        PoolHandle: NDIS_HANDLE,
        ContextSize: USHORT,
        ContextBackFill: USHORT,
        MdlChain: *mut MDL,
        DataOffset: ULONG,
        DataLength: ULONG_PTR,
    ) -> *mut NET_BUFFER_LIST;
    /// `NdisAllocateNetBufferList`.
    pub fn NdisAllocateNetBufferList(
        PoolHandle: NDIS_HANDLE,
        ContextSize: USHORT,
        ContextBackFill: USHORT,
    ) -> *mut NET_BUFFER_LIST;
    /// `NdisFreeNetBufferList`.
    pub fn NdisFreeNetBufferList(NetBufferList: *mut NET_BUFFER_LIST);
    /// `NdisAllocateNetBuffer`.
    pub fn NdisAllocateNetBuffer(
        PoolHandle: NDIS_HANDLE,
        MdlChain: *mut MDL,
        DataOffset: ULONG,
        DataLength: ULONG_PTR,
    ) -> *mut NET_BUFFER;
    /// `NdisFreeNetBuffer`.
    pub fn NdisFreeNetBuffer(NetBuffer: *mut NET_BUFFER);
    /// `NdisGetDataBuffer`.
    pub fn NdisGetDataBuffer(
        NetBuffer: *mut NET_BUFFER,
        BytesNeeded: ULONG,
        Storage: PVOID,
        AlignMultiple: UINT,
        AlignOffset: UINT,
    ) -> PVOID;
    /// `NdisQueryNetBufferPhysicalCount`.
    pub fn NdisQueryNetBufferPhysicalCount(NetBuffer: *mut NET_BUFFER) -> ULONG;

    // Shared memory and scatter/gather DMA.
    /// `NdisMAllocateSharedMemory` (PASSIVE; `PhysicalAddress` receives the bus address).
    pub fn NdisMAllocateSharedMemory(
        MiniportAdapterHandle: NDIS_HANDLE,
        Length: ULONG,
        Cached: BOOLEAN,
        VirtualAddress: *mut PVOID,
        PhysicalAddress: *mut NDIS_PHYSICAL_ADDRESS,
    );
    /// `NdisMFreeSharedMemory`.
    pub fn NdisMFreeSharedMemory(
        MiniportAdapterHandle: NDIS_HANDLE,
        Length: ULONG,
        Cached: BOOLEAN,
        VirtualAddress: PVOID,
        PhysicalAddress: NDIS_PHYSICAL_ADDRESS,
    );
    /// `NdisMAllocateSharedMemoryAsyncEx`.
    pub fn NdisMAllocateSharedMemoryAsyncEx(
        MiniportDmaHandle: NDIS_HANDLE,
        Length: ULONG,
        Cached: BOOLEAN,
        Context: PVOID,
    ) -> NDIS_STATUS;
    /// `NdisAllocateSharedMemory` (NDIS 6.20+, VPort-aware in 6.30).
    pub fn NdisAllocateSharedMemory(
        NdisHandle: NDIS_HANDLE,
        SharedMemoryParameters: *mut NDIS_SHARED_MEMORY_PARAMETERS,
        pAllocationHandle: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// `NdisFreeSharedMemory`.
    pub fn NdisFreeSharedMemory(NdisHandle: NDIS_HANDLE, AllocationHandle: NDIS_HANDLE);
    /// `NdisMRegisterScatterGatherDma`.
    pub fn NdisMRegisterScatterGatherDma(
        MiniportAdapterHandle: NDIS_HANDLE,
        DmaDescription: *mut NDIS_SG_DMA_DESCRIPTION,
        NdisMiniportDmaHandle: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// `NdisMDeregisterScatterGatherDma`.
    pub fn NdisMDeregisterScatterGatherDma(NdisMiniportDmaHandle: NDIS_HANDLE);
    /// `NdisMAllocateNetBufferSGList` (`MiniportProcessSGList` is called with the list).
    pub fn NdisMAllocateNetBufferSGList(
        NdisMiniportDmaHandle: NDIS_HANDLE,
        NetBuffer: *mut NET_BUFFER,
        Context: PVOID,
        Flags: ULONG,
        ScatterGatherListBuffer: PVOID,
        ScatterGatherListBufferSize: ULONG,
    ) -> NDIS_STATUS;
    /// `NdisMFreeNetBufferSGList`.
    pub fn NdisMFreeNetBufferSGList(
        NdisMiniportDmaHandle: NDIS_HANDLE,
        pSGL: *mut SCATTER_GATHER_LIST,
        NetBuffer: *mut NET_BUFFER,
    );
    /// `NdisBuildScatterGatherList`.
    pub fn NdisBuildScatterGatherList(
        NdisHandle: NDIS_HANDLE,
        SGListParameters: *mut NDIS_SCATTER_GATHER_LIST_PARAMETERS,
    ) -> NDIS_STATUS;
    /// `NdisFreeScatterGatherList`.
    pub fn NdisFreeScatterGatherList(
        NdisHandle: NDIS_HANDLE,
        ScatterGatherListBuffer: *mut SCATTER_GATHER_LIST,
        WriteToDevice: BOOLEAN,
    );

    // Timers and work items.
    /// `NdisAllocateTimerObject`.
    pub fn NdisAllocateTimerObject(
        NdisHandle: NDIS_HANDLE,
        TimerCharacteristics: *mut NDIS_TIMER_CHARACTERISTICS,
        pTimerObject: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// `NdisSetTimerObject` (`DueTime` in 100 ns units, negative = relative).
    pub fn NdisSetTimerObject(
        TimerObject: NDIS_HANDLE,
        DueTime: LONGLONG,
        MillisecondsPeriod: LONG,
        FunctionContext: PVOID,
    ) -> BOOLEAN;
    /// `NdisCancelTimerObject`.
    pub fn NdisCancelTimerObject(TimerObject: NDIS_HANDLE) -> BOOLEAN;
    /// `NdisFreeTimerObject`.
    pub fn NdisFreeTimerObject(TimerObject: NDIS_HANDLE);
    /// `NdisAllocateIoWorkItem`.
    pub fn NdisAllocateIoWorkItem(NdisObjectHandle: NDIS_HANDLE) -> NDIS_HANDLE;
    /// `NdisQueueIoWorkItem`.
    pub fn NdisQueueIoWorkItem(
        NdisIoWorkItemHandle: NDIS_HANDLE,
        Routine: NDIS_IO_WORKITEM_ROUTINE,
        WorkItemContext: PVOID,
    );
    /// `NdisFreeIoWorkItem`.
    pub fn NdisFreeIoWorkItem(NdisIoWorkItemHandle: NDIS_HANDLE);

    // Interrupts.
    /// `NdisMRegisterInterruptEx`.
    pub fn NdisMRegisterInterruptEx(
        MiniportAdapterHandle: NDIS_HANDLE,
        MiniportInterruptContext: NDIS_HANDLE,
        MiniportInterruptCharacteristics: *mut NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS,
        NdisInterruptHandle: *mut NDIS_HANDLE,
    ) -> NDIS_STATUS;
    /// `NdisMDeregisterInterruptEx`.
    pub fn NdisMDeregisterInterruptEx(NdisInterruptHandle: NDIS_HANDLE);
    /// `NdisMQueueDpcEx` (NDIS 6.20).
    pub fn NdisMQueueDpcEx(
        NdisInterruptHandle: NDIS_HANDLE,
        MessageId: ULONG,
        TargetProcessors: *mut GROUP_AFFINITY,
        MiniportDpcContext: PVOID,
    ) -> KAFFINITY;
    /// `NdisMQueueDpc`.
    pub fn NdisMQueueDpc(
        NdisInterruptHandle: NDIS_HANDLE,
        MessageId: ULONG,
        TargetProcessors: ULONG,
        MiniportDpcContext: PVOID,
    ) -> ULONG;
    /// `NdisMSynchronizeWithInterruptEx`.
    pub fn NdisMSynchronizeWithInterruptEx(
        NdisInterruptHandle: NDIS_HANDLE,
        MessageId: ULONG,
        SynchronizeFunction: MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER,
        SynchronizeContext: PVOID,
    ) -> BOOLEAN;
    /// `NdisMConfigMSIXTableEntry`.
    pub fn NdisMConfigMSIXTableEntry(
        NdisMiniportHandle: NDIS_HANDLE,
        MSIXConfigParameters: *mut NDIS_MSIX_CONFIG_PARAMETERS,
    ) -> NDIS_STATUS;

    // Data path and completions.
    /// `NdisMIndicateStatusEx`.
    pub fn NdisMIndicateStatusEx(
        MiniportAdapterHandle: NDIS_HANDLE,
        StatusIndication: *mut NDIS_STATUS_INDICATION,
    );
    /// `NdisMOidRequestComplete`.
    pub fn NdisMOidRequestComplete(
        MiniportAdapterHandle: NDIS_HANDLE,
        OidRequest: *mut NDIS_OID_REQUEST,
        Status: NDIS_STATUS,
    );
    /// `NdisMSendNetBufferListsComplete`.
    pub fn NdisMSendNetBufferListsComplete(
        MiniportAdapterHandle: NDIS_HANDLE,
        NetBufferList: *mut NET_BUFFER_LIST,
        SendCompleteFlags: ULONG,
    );
    /// `NdisMIndicateReceiveNetBufferLists`.
    pub fn NdisMIndicateReceiveNetBufferLists(
        MiniportAdapterHandle: NDIS_HANDLE,
        NetBufferList: *mut NET_BUFFER_LIST,
        PortNumber: NDIS_PORT_NUMBER,
        NumberOfNetBufferLists: ULONG,
        ReceiveFlags: ULONG,
    );
    /// `NdisMPauseComplete`.
    pub fn NdisMPauseComplete(MiniportAdapterHandle: NDIS_HANDLE);
    /// `NdisMRestartComplete`.
    pub fn NdisMRestartComplete(MiniportAdapterHandle: NDIS_HANDLE, Status: NDIS_STATUS);
    /// `NdisMResetComplete`.
    pub fn NdisMResetComplete(
        MiniportAdapterHandle: NDIS_HANDLE,
        Status: NDIS_STATUS,
        AddressingReset: BOOLEAN,
    );
    /// `NdisMNetPnPEvent`.
    pub fn NdisMNetPnPEvent(
        MiniportAdapterHandle: NDIS_HANDLE,
        NetPnPEventNotification: *mut NET_PNP_EVENT_NOTIFICATION,
    ) -> NDIS_STATUS;

    // Bus access.
    /// `NdisMGetBusData` (`WhichSpace` = `PCI_WHICHSPACE_CONFIG`; returns bytes read).
    pub fn NdisMGetBusData(
        NdisMiniportHandle: NDIS_HANDLE,
        WhichSpace: ULONG,
        Offset: ULONG,
        Buffer: PVOID,
        Length: ULONG,
    ) -> ULONG;
    /// `NdisMSetBusData` (returns bytes written).
    pub fn NdisMSetBusData(
        NdisMiniportHandle: NDIS_HANDLE,
        WhichSpace: ULONG,
        Offset: ULONG,
        Buffer: PVOID,
        Length: ULONG,
    ) -> ULONG;
    /// `NdisMMapIoSpace`.
    pub fn NdisMMapIoSpace(
        VirtualAddress: *mut PVOID,
        MiniportAdapterHandle: NDIS_HANDLE,
        PhysicalAddress: NDIS_PHYSICAL_ADDRESS,
        Length: UINT,
    ) -> NDIS_STATUS;
    /// `NdisMUnmapIoSpace`.
    pub fn NdisMUnmapIoSpace(
        MiniportAdapterHandle: NDIS_HANDLE,
        VirtualAddress: PVOID,
        Length: UINT,
    );
    /// `NdisMRegisterIoPortRange`.
    pub fn NdisMRegisterIoPortRange(
        PortOffset: *mut PVOID,
        MiniportAdapterHandle: NDIS_HANDLE,
        InitialPort: UINT,
        NumberOfPorts: UINT,
    ) -> NDIS_STATUS;
    /// `NdisMDeregisterIoPortRange`.
    pub fn NdisMDeregisterIoPortRange(
        MiniportAdapterHandle: NDIS_HANDLE,
        InitialPort: UINT,
        NumberOfPorts: UINT,
        PortOffset: PVOID,
    );
    /// `NdisMGetDeviceProperty`.
    pub fn NdisMGetDeviceProperty(
        MiniportAdapterHandle: NDIS_HANDLE,
        PhysicalDeviceObject: *mut PDEVICE_OBJECT,
        FunctionalDeviceObject: *mut PDEVICE_OBJECT,
        NextDeviceObject: *mut PDEVICE_OBJECT,
        AllocatedResources: *mut PCM_RESOURCE_LIST,
        AllocatedResourcesTranslated: *mut PCM_RESOURCE_LIST,
    );

    // Processors, RSS, hypervisor.
    /// `NdisGetHypervisorInfo` (marked deprecated in the DDI; `Header` must be initialised).
    pub fn NdisGetHypervisorInfo(HypervisorInfo: *mut NDIS_HYPERVISOR_INFO) -> NDIS_STATUS;
    /// `NdisGetRssProcessorInformation` (`Size` in/out).
    pub fn NdisGetRssProcessorInformation(
        NdisHandle: NDIS_HANDLE,
        RssProcessorInfo: *mut NDIS_RSS_PROCESSOR_INFO,
        Size: *mut ULONG_PTR,
    ) -> NDIS_STATUS;
    /// `NdisGetProcessorInformationEx`.
    pub fn NdisGetProcessorInformationEx(
        NdisHandle: NDIS_HANDLE,
        SystemProcessorInfo: *mut NDIS_SYSTEM_PROCESSOR_INFO,
        Size: *mut ULONG_PTR,
    ) -> NDIS_STATUS;
    /// `NdisGroupMaxProcessorCount`.
    pub fn NdisGroupMaxProcessorCount(Group: USHORT) -> ULONG;

    // SR-IOV (PF).
    /// `NdisMEnableVirtualization` (PASSIVE; FALSE/0 disables; fails if already enabled).
    pub fn NdisMEnableVirtualization(
        NdisMiniportHandle: NDIS_HANDLE,
        NumVFs: USHORT,
        EnableVFMigration: BOOLEAN,
        EnableMigrationInterrupt: BOOLEAN,
        EnableVirtualization: BOOLEAN,
    ) -> NDIS_STATUS;
    /// `NdisMGetVirtualFunctionBusData` (returns bytes read; 0 = failure).
    pub fn NdisMGetVirtualFunctionBusData(
        NdisMiniportHandle: NDIS_HANDLE,
        VFId: NDIS_SRIOV_FUNCTION_ID,
        Buffer: PVOID,
        Offset: ULONG,
        Length: ULONG,
    ) -> ULONG;
    /// `NdisMSetVirtualFunctionBusData` (returns bytes written).
    pub fn NdisMSetVirtualFunctionBusData(
        NdisMiniportHandle: NDIS_HANDLE,
        VFId: NDIS_SRIOV_FUNCTION_ID,
        Buffer: PVOID,
        Offset: ULONG,
        Length: ULONG,
    ) -> ULONG;
    /// `NdisMGetVirtualFunctionLocation`.
    pub fn NdisMGetVirtualFunctionLocation(
        NdisMiniportHandle: NDIS_HANDLE,
        VFId: NDIS_SRIOV_FUNCTION_ID,
        SegmentNumber: *mut USHORT,
        BusNumber: *mut UCHAR,
        FunctionNumber: *mut UCHAR,
    );
    /// `NdisMQueryProbedBars` (`BaseRegisterValues` has `PCI_TYPE0_ADDRESSES` entries).
    pub fn NdisMQueryProbedBars(
        NdisMiniportHandle: NDIS_HANDLE,
        BaseRegisterValues: *mut ULONG,
    ) -> NDIS_STATUS;
    /// `NdisMInvalidateConfigBlock`.
    pub fn NdisMInvalidateConfigBlock(
        NdisMiniportHandle: NDIS_HANDLE,
        VFId: NDIS_SRIOV_FUNCTION_ID,
        BlockMask: ULONGLONG,
    );

    // SR-IOV (VF backchannel).
    /// `NdisMReadConfigBlock` (≤ APC_LEVEL, synchronous round trip to the PF).
    pub fn NdisMReadConfigBlock(
        NdisMiniportHandle: NDIS_HANDLE,
        BlockId: ULONG,
        Buffer: PVOID,
        Length: ULONG,
    ) -> NDIS_STATUS;
    /// `NdisMWriteConfigBlock`.
    pub fn NdisMWriteConfigBlock(
        NdisMiniportHandle: NDIS_HANDLE,
        BlockId: ULONG,
        Buffer: PVOID,
        Length: ULONG,
    ) -> NDIS_STATUS;

    // Spin locks (ndis.sys exports; see the module notes).
    /// `NdisAllocateSpinLock`.
    pub fn NdisAllocateSpinLock(SpinLock: *mut NDIS_SPIN_LOCK);
    /// `NdisFreeSpinLock`.
    pub fn NdisFreeSpinLock(SpinLock: *mut NDIS_SPIN_LOCK);
    /// `NdisAcquireSpinLock` (raises to DISPATCH_LEVEL, saves the IRQL in `OldIrql`).
    pub fn NdisAcquireSpinLock(SpinLock: *mut NDIS_SPIN_LOCK);
    /// `NdisReleaseSpinLock`.
    pub fn NdisReleaseSpinLock(SpinLock: *mut NDIS_SPIN_LOCK);
    /// `NdisDprAcquireSpinLock` (caller already at DISPATCH_LEVEL).
    pub fn NdisDprAcquireSpinLock(SpinLock: *mut NDIS_SPIN_LOCK);
    /// `NdisDprReleaseSpinLock`.
    pub fn NdisDprReleaseSpinLock(SpinLock: *mut NDIS_SPIN_LOCK);

    // Time and logging.
    /// `NdisGetCurrentSystemTime` (ndis.sys export; the WDK macro maps to `KeQuerySystemTime`).
    pub fn NdisGetCurrentSystemTime(pSystemTime: *mut LONGLONG);
    /// `NdisMSleep` (PASSIVE).
    pub fn NdisMSleep(MicrosecondsToSleep: ULONG);
    /// `KeStallExecutionProcessor` (what the `NdisStallExecution` macro expands to).
    pub fn KeStallExecutionProcessor(MicroSeconds: ULONG);
    /// `KeQueryUnbiasedInterruptTime` (ntoskrnl export, any IRQL): monotonic time in 100 ns
    /// units since boot, excluding sleep; the clock for bounded hardware polls.
    pub fn KeQueryUnbiasedInterruptTime() -> ULONGLONG;
    /// `NdisWriteEventLogEntry` (non-variadic event log entry).
    pub fn NdisWriteEventLogEntry(
        LogHandle: PVOID,
        EventCode: NDIS_STATUS,
        UniqueEventValue: ULONG,
        NumStrings: USHORT,
        StringsList: PVOID,
        DataSize: ULONG,
        Data: PVOID,
    ) -> NDIS_STATUS;
}

unsafe extern "C" {
    /// `NdisWriteErrorLogEntry` (`__cdecl`, variadic: `NumberOfErrorValues` `ULONG`s follow).
    /// Stable Rust cannot define a variadic function, so an emulator cannot provide this symbol;
    /// drivers should prefer `NdisWriteEventLogEntry`.
    pub fn NdisWriteErrorLogEntry(
        NdisAdapterHandle: NDIS_HANDLE,
        ErrorCode: NDIS_ERROR_CODE,
        NumberOfErrorValues: ULONG,
        ...
    );
}

// The one register-access primitive that differs between Windows and the user-mode NDIS
// emulator. On Windows a driver reads and writes its mapped BAR with `READ_REGISTER_ULONG` /
// `WRITE_REGISTER_ULONG` (wdm.h inlines: a volatile access between full compiler and CPU
// barriers), which `ndis::io` implements in Rust. Off Windows, `NdisMMapIoSpace` in the emulator
// returns a range that faults on any direct access, and these two functions, which the emulator
// defines, route an access at a mapped address to the device backend. They are not NDIS or
// kernel exports and are declared only off Windows.
#[cfg(not(windows))]
unsafe extern "system" {
    /// Reads the 32-bit register at `Register`, an address inside a range `NdisMMapIoSpace`
    /// returned (all-ones for any other address, as a removed PCIe device reads).
    pub fn EmuReadRegisterUlong(Register: *const ULONG) -> ULONG;
    /// Writes the 32-bit register at `Register` (dropped for an unmapped address).
    pub fn EmuWriteRegisterUlong(Register: *mut ULONG, Value: ULONG);
}

/// `NdisStallExecution(MicroSecondsToStall)` (ndis.h macro → `KeStallExecutionProcessor`).
///
/// # Safety
/// Must run in kernel mode (or under the emulator) where `KeStallExecutionProcessor` exists.
pub unsafe fn NdisStallExecution(MicroSecondsToStall: ULONG) {
    // SAFETY: forwarded to the kernel routine the macro names; the caller upholds its contract.
    unsafe { KeStallExecutionProcessor(MicroSecondsToStall) }
}
