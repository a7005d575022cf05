//! VFIO (Linux user-space device access) for the QEMU tier: open a PCI function bound to
//! vfio-pci, map its BARs as [`hw_platform::Mmio`], give it DMA memory through the IOMMU
//! (with [`crate::dma`]) and receive its MSI-X vectors as eventfds.
//!
//! Sequence (from the kernel's `Documentation/driver-api/vfio.rst` and the working C probe in
//! the QEMU recipe): container → group (viable, `SET_CONTAINER`, then `SET_IOMMU` once) →
//! device fd → config/BAR regions → COMMAND memory + bus master → mmap BARs.

mod bar;
mod container;
mod device;
mod eventfd;
mod sys;
pub mod uapi;
mod uuid;

pub use bar::VfioBar;
pub use container::{
    IOVA_BASE, IOVA_CHUNK, IOVA_LIMIT, IovaAllocator, VFIO_CONTAINER_PATH, VFIO_GROUP_DIR,
    VfioContainer,
};
pub use device::{
    IrqInfo, PCI_COMMAND, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY, RegionInfo, VfioDevice,
};
pub use eventfd::EventFd;
pub use uapi::VFIO_PCI_MSIX_IRQ_INDEX;
pub use uuid::{Uuid, UuidParseError};

pub(crate) use sys::with_context;
