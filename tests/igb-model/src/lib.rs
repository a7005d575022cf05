//! In-process device model of the Intel 82576 (and I350 differences) PF with its SR-IOV VFs,
//! behind the platform seam (`hw-platform`).
//!
//! * [`Device`]: the adapter (register files with side effects, mailbox, interrupts, DMA,
//!   internal L2 switch, wire port). Processing is synchronous and deterministic: Tx runs
//!   when the driver writes TDT (or enables the queue / TCTL / VFTE), Rx runs inside
//!   [`Device::inject`] or when the internal switch loops a frame back.
//! * [`PfBar`] / [`VfBar`]: the BARs as [`hw_platform::Mmio`].
//! * [`DmaArena`]: the [`hw_platform::DmaAllocator`] whose memory the device reaches by bus
//!   address, with IOMMU-like fault checking.
//! * [`ModelClock`]: virtual time for [`hw_platform::Clock`].
//! * [`DmaBus`]: where the device's DMA goes ([`DmaArena`] unless [`DeviceBuilder::dma_bus`]).
//! * PCI configuration space ([`config`]), the PHY behind MDIC ([`LinkPartner`]), the NVM
//!   behind EERD ([`nvm`]), surprise removal and statistics registers.
//!
//! See README.md for the exact semantics and the deliberate differences from QEMU's igb.
#![forbid(unsafe_code)]

pub mod check;
mod clock;
pub mod config;
mod datapath;
mod device;
mod dma;
mod net;
pub mod nvm;
mod phy;
pub mod regs;
mod state;

pub use clock::{ModelClock, PumpClock};
pub use device::{
    DEFAULT_MAC, Device, DeviceBuilder, InterruptHook, ModelError, PfBar, RxCorruption, VfBar,
    write_pcap_to,
};
pub use dma::{DMA_BASE, DmaArena, DmaBus, DmaFault, DmaRegion, GUARD_GAP, RegionGuard};
pub use igb::ids::Generation;
pub use net::crc32;
pub use phy::{LinkMode, LinkModes, LinkPartner, Speed};
pub use state::{
    Function, MAX_VFS, ModelCounters, NUM_POOLS, PF_BAR_SIZE, PF_MSIX_VECTORS, PoolStats,
    QueueStats, VF_BAR_SIZE, VF_MSIX_VECTORS, VfCounter, WireDirection, WireRecord,
};
