//! The NDIS data path on igb rings, shared unchanged by the PF and the VF miniport (they
//! differ only in the queue registers, doorbells and vectors they hand in).
//!
//! * [`tx::TxEngine`]: `MiniportSendNetBufferLists` → validated NBLs → bounce copy or SG list
//!   → advanced data descriptors with a cached context descriptor (checksum, LSOv2, VLAN),
//!   one tail write per call; completion chains for one `NdisMSendNetBufferListsComplete` per
//!   DPC pass; `drain_all` for pause/reset/removal.
//! * [`rx::RxEngine`]: preallocated receive buffers with their NBLs; `poll(budget)` builds one
//!   indication chain with checksum/VLAN/hash info and the `RESOURCES` decision;
//!   `return_nbls` re-posts.
//! * [`moderation`]: EITR from `*InterruptModeration(Rate)`, the DPC budget decision.
//!
//! See README.md for IRQLs, NBL ownership and the status of every bad input.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod moderation;
pub mod offload;
pub mod rx;
pub mod tx;

pub use moderation::{DpcBudget, DpcNext, ModerationSetting, eitr_value};
pub use offload::VlanPolicy;
pub use rx::{RxConfig, RxCounters, RxEngine, RxIndication};
pub use tx::{MapOutcome, TxConfig, TxCounters, TxEngine, TxMapper, TxToken};
