//! The QEMU igb tier, guest side: everything here runs inside a QEMU guest on QEMU's own
//! 82576 model (an implementation independent of ours), as a static Linux binary.
//!
//! * [`vfio`], [`dma`], [`clock`]: the VFIO backend of the platform seam (`hw_platform`), so
//!   the same `igb` hardware layer the drivers use drives QEMU's device.
//! * [`sysfs`]: PCI/SR-IOV plumbing (driver binding, VF creation).
//! * [`net`]: just enough Ethernet/ARP/IPv4/ICMP to prove that frames crossed.
//! * [`vf_side`], [`pf_side`]: our VF and PF sides as the scenarios run them, on the
//!   drivers' own sequences (`igb::vf_device`, `igb::pf_controller`, `igb::queue_pair`).
pub mod clock;
pub mod dma;
pub mod net;
pub mod pf_side;
pub mod sysfs;
pub mod vf_side;
pub mod vfio;

/// Adds what was being done to an I/O error, for the scenario's one-line failure report.
pub(crate) fn io<T>(what: &str, result: std::io::Result<T>) -> Result<T, String> {
    result.map_err(|error| format!("{what}: {error}"))
}
