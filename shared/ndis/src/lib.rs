//! A safe, `no_std` layer over the NDIS ABI (`ndis-abi`), shared by both miniports.
//!
//! * [`status`]: [`NdisError`] / [`NdisResult`], a `Result`-style view of `NDIS_STATUS`.
//! * [`oid`]: [`OidRequest`], a view of an `NDIS_OID_REQUEST` that validates buffer lengths and
//!   object headers and fills `BytesNeeded` / `BytesRead` / `BytesWritten` the way NDIS expects
//!   for query, set and method requests.
//! * [`nbl`]: NBL chains, queues and counted queues that own NBLs by pointer without
//!   self-referential pointers (unlike NDL's `NBL_QUEUE`, whose `Last` points into itself).
//! * [`buffer`]: bounded access to a `NET_BUFFER`'s data across its MDL chain.
//! * The NDIS-backed platform under the igb hardware layer: [`io::IoSpace`] (mapped registers
//!   through the one register primitive), [`dma`] (scatter/gather DMA and shared memory as
//!   `hw_platform::DmaMemory`), [`interrupt`] (MSI-X ISR/DPC), [`timer`] (timers, work items),
//!   [`time`] (IRQL-aware clocks), [`pci`] (configuration space).
//!
//! The raw pointers NDIS hands a miniport enter this crate only through `unsafe` constructors
//! whose contracts state what NDIS guarantees; everything above them is safe.
#![no_std]
// Matching on NDIS's C enum constants (e.g. `NdisRequestMethod`) keeps their exact names.
#![allow(non_upper_case_globals)]

pub mod adapter;
pub mod buffer;
pub mod config;
pub mod dma;
pub mod ethernet;
pub mod event_log;
pub mod interrupt;
pub mod io;
pub mod lifecycle;
pub mod miniport;
pub mod nbl;
pub mod nbl_info;
pub mod offload;
pub mod oid;
pub mod pci;
pub mod receive;
pub mod sg_mapper;
pub mod status;
pub mod sync;
pub mod test_nbl;
pub mod time;
pub mod timer;

pub use buffer::{MdlMapper, NetBufferData, SystemMappedMdls};
pub use nbl::{NblChain, NblCountedQueue, NblQueue};
pub use nbl_info::OwnedNbl;
pub use oid::{ObjectRevision, OidKind, OidRequest};
pub use status::{NdisError, NdisResult};
