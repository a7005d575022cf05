//! Intel 82576 / I350 (igb) hardware layer shared by the PF and VF drivers: device IDs,
//! register map, descriptor ring engine and the PF<->VF mailbox, all above the platform seam
//! (`hw-platform`).
#![no_std]

pub mod ids;
