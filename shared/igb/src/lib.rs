//! Intel 82576 / I350 (igb) hardware layer shared by the PF and VF drivers: device IDs,
//! register map, descriptor ring engine and the PF<->VF mailbox, all above the platform seam
//! (`hw-platform`).
//!
//! * [`ids`]: PCI device IDs and the silicon generation.
//! * [`regs`]: typed PF/VF register offsets, the 82576-vs-I350 table, register access.
//! * [`filters`]: RAR, VLVF, MTA/UTA hash and VMOLR encodings.
//! * [`interrupts`]: IVAR, EITR and MSI-X cause numbering.
//! * [`ring`]: advanced descriptor formats and the Rx/Tx ring engine (uses `alloc` for the
//!   software ring of tokens, allocated fallibly).
//! * [`queue`]: bringing one Rx/Tx queue up or down (PF or VF BAR).
//! * [`pf_device`]: PF global reset, link, VMDq pools/switch and the "other" interrupt.
//! * [`mailbox`]: the PF<->VF mailbox, both ends.
//! * [`pf_controller`]: the PF's sequences (bring-up for N VFs, the "other" interrupt split
//!   by IRQL, reset under live VFs, shutdown) over `pf_device` and the PF mailbox.
//! * [`queue_pair`]: one hardware Rx/Tx queue pair (PF or VF BAR) with its buffers.
//! * [`vf_device`]: the VF's sequences (handshake retry policy, MSI-X routing, link wait).
//! * [`vf_watchdog`]: the VF's 2 s watchdog (link, mailbox, statistics, lost interrupts).
//! * [`nvm`]: NVM words through EERD, the checksum, the permanent MAC and its fallbacks.
//! * [`phy`]: PHY access (MDIC), link configuration (`*SpeedDuplex`, `*FlowControl`).
//! * [`stats`]: PF and VF statistics accumulators.
//! * [`removal`]: surprise-removal detection.
//! * [`slots`]: the single owner of RAR, VLVF/VFTA and MTA entries.
#![forbid(unsafe_code)]
#![no_std]

extern crate alloc;

pub mod filters;
pub mod ids;
pub mod interrupts;
pub mod mailbox;
pub mod nvm;
pub mod pf_controller;
pub mod pf_device;
pub mod pf_queue;
pub mod phy;
pub mod queue;
pub mod queue_pair;
pub mod regs;
pub mod removal;
pub mod ring;
pub mod slots;
pub mod stats;
pub mod vf_device;
pub mod vf_watchdog;
