//! What a test configures for one adapter: registry keywords, PCI identity, resources, the
//! Hyper-V partition type, SR-IOV facts, the optional hardware backend and the time bounds.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ndis_abi::NDIS_STATUS;

use crate::port::DevicePort;

/// A registry value for `NdisReadConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeywordValue {
    /// `REG_DWORD`.
    Int(u32),
    /// `REG_SZ`. INF enum keywords are strings; NDIS converts them when a driver asks for an
    /// integer, as the emulator does.
    Str(String),
}

/// `NdisGetHypervisorInfo`'s partition type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// No hypervisor (`NdisHypervisorPartitionTypeUnknown`).
    None,
    /// Hyper-V root (`NdisHypervisorPartitionTypeMsHvParent`).
    Parent,
    /// Hyper-V guest (`NdisHypervisorPartitionTypeMsHvChild`).
    Child,
}

/// One memory BAR handed to the adapter in its resource list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar {
    /// BAR index (0..6).
    pub index: u8,
    /// Bus-relative physical address.
    pub physical: u64,
    /// Length in bytes.
    pub length: u32,
}

/// The device side (a device model): register access by BAR offset, PCI config space, VF
/// config space. [`HardwareBackend::attach`] hands it the adapter's [`DevicePort`], through
/// which it raises interrupts and reads/writes the driver's DMA memory by the fake physical
/// addresses the emulator handed out. Calls come from any emulator thread (the driver's ISR,
/// DPC, timer, work item or the test thread), possibly concurrently; the emulator holds none
/// of its locks while calling, so the backend may call back into the port.
pub trait HardwareBackend: Send + Sync {
    /// Called once when the adapter is created (before MiniportInitializeEx); the backend keeps
    /// the port to raise interrupts and to do DMA.
    fn attach(&self, _port: DevicePort) {}
    /// Whether the device may still DMA into [physical, physical+len) (an enabled queue uses
    /// it). Asked when the driver frees shared memory (NDIS-DMA-4).
    fn dma_may_target(&self, _physical: u64, _len: u64) -> bool {
        false
    }
    /// A 32-bit register read at `offset` in BAR `bar`.
    fn mmio_read32(&self, bar: u8, offset: u64) -> u32;
    /// A 32-bit register write.
    fn mmio_write32(&self, bar: u8, offset: u64, value: u32);
    /// PCI config-space read (`NdisMGetBusData`); returns bytes read.
    fn config_read(&self, _offset: u32, _buf: &mut [u8]) -> usize {
        0
    }
    /// PCI config-space write (`NdisMSetBusData`); returns bytes written.
    fn config_write(&self, _offset: u32, _data: &[u8]) -> usize {
        0
    }
    /// A VF's config space as the PF sees it (`NdisMGetVirtualFunctionBusData`).
    fn vf_config_read(&self, _vf: u16, _offset: u32, _buf: &mut [u8]) -> usize {
        0
    }
    /// `NdisMSetVirtualFunctionBusData`.
    fn vf_config_write(&self, _vf: u16, _offset: u32, _data: &[u8]) -> usize {
        0
    }
}

/// The VF's backchannel to its PF (`NdisMReadConfigBlock` / `NdisMWriteConfigBlock`). The lab
/// routes these to the PF adapter's `OID_SRIOV_READ/WRITE_VF_CONFIG_BLOCK`.
pub trait VfBackchannel: Send + Sync {
    /// Reads block `block_id` into `buf`.
    fn read_block(&self, block_id: u32, buf: &mut [u8]) -> NDIS_STATUS;
    /// Writes block `block_id`.
    fn write_block(&self, block_id: u32, data: &[u8]) -> NDIS_STATUS;
}

/// Everything a test sets for one adapter. `Default` gives a PF-looking 82576 in the Hyper-V
/// parent partition with one 128 KiB BAR and 10 MSI-X messages.
#[derive(Clone)]
pub struct AdapterConfig {
    /// Registry keywords (case-insensitive names, as in the registry).
    pub keywords: BTreeMap<String, KeywordValue>,
    /// PCI vendor id.
    pub vendor_id: u16,
    /// PCI device id.
    pub device_id: u16,
    /// PCI revision id.
    pub revision_id: u8,
    /// Memory BARs in the resource list.
    pub bars: Vec<Bar>,
    /// MSI-X messages granted (0: line-based interrupt).
    pub msix_messages: u32,
    /// This adapter is an SR-IOV virtual function (it may use the config-block backchannel).
    pub is_vf: bool,
    /// What `NdisGetHypervisorInfo` reports.
    pub partition: Partition,
    /// The most VFs `NdisMEnableVirtualization` accepts when the backend's config space has no
    /// SR-IOV capability (with one, its TotalVFs field decides).
    pub total_vfs: u16,
    /// PCI segment of the PF and its VFs.
    pub segment: u16,
    /// PCI bus of the PF and its VFs.
    pub bus: u8,
    /// Without an SR-IOV capability in the backend's config space: the routing-id low byte
    /// (device/function) of VF 0; VF n is at `first_vf_function + 2n` (82576 VF stride 2).
    pub first_vf_function: u8,
    /// Routing-id low byte (device << 3 | function) of the PF; with an SR-IOV capability VF n
    /// is at `PF RID + First VF Offset + n * VF Stride` (PCIe SR-IOV 1.1 §2.1.2).
    pub pf_function: u8,
    /// What `NdisMQueryProbedBars` returns.
    pub probed_bars: [u32; 6],
    /// Register/config access target; `None` = registers read as zero and writes are dropped.
    pub backend: Option<Arc<dyn HardwareBackend>>,
    /// VF backchannel; `None` = `NdisMReadConfigBlock` fails.
    pub backchannel: Option<Arc<dyn VfBackchannel>>,
    /// Bound for a pending OID, pause, restart or reset before the emulator reports it.
    pub completion_timeout: Duration,
    /// Return indicated receive NBLs before calling `MiniportPause`, and those indicated while
    /// the pause is pending (what the protocols above do); `false` keeps them to check that
    /// pause waits for them.
    pub return_receives_on_pause: bool,
}

impl Default for AdapterConfig {
    fn default() -> Self {
        Self {
            keywords: BTreeMap::new(),
            vendor_id: 0x8086,
            device_id: 0x10C9,
            revision_id: 1,
            bars: vec![Bar {
                index: 0,
                physical: 0xF000_0000,
                length: 0x2_0000,
            }],
            msix_messages: 10,
            is_vf: false,
            partition: Partition::Parent,
            total_vfs: 7,
            segment: 0,
            bus: 3,
            first_vf_function: 0x80,
            pf_function: 0,
            probed_bars: [0xFFFE_0000, 0, 0, 0xFFFF_C000, 0, 0],
            backend: None,
            backchannel: None,
            completion_timeout: Duration::from_secs(2),
            return_receives_on_pause: true,
        }
    }
}

impl AdapterConfig {
    /// Adds an integer keyword.
    #[must_use]
    pub fn keyword(mut self, name: &str, value: u32) -> Self {
        self.keywords
            .insert(name.to_ascii_lowercase(), KeywordValue::Int(value));
        self
    }

    /// Adds a string keyword.
    #[must_use]
    pub fn keyword_str(mut self, name: &str, value: &str) -> Self {
        self.keywords.insert(
            name.to_ascii_lowercase(),
            KeywordValue::Str(value.to_string()),
        );
        self
    }

    /// A VF in a Hyper-V child partition (82576 VF id 0x10CA), 16 KiB BAR, 3 MSI-X messages.
    #[must_use]
    pub fn vf() -> Self {
        Self {
            device_id: 0x10CA,
            bars: vec![Bar {
                index: 0,
                physical: 0xF100_0000,
                length: 0x4000,
            }],
            msix_messages: 3,
            is_vf: true,
            partition: Partition::Child,
            total_vfs: 0,
            ..Self::default()
        }
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&KeywordValue> {
        self.keywords.get(&name.to_ascii_lowercase())
    }
}
