//! The NDIS 6.x miniport ABI for x64 Windows, in `no_std` Rust.
//!
//! Every item carries its exact C name (hence `non_snake_case` / `non_camel_case_types`), is
//! `#[repr(C)]`, and is checked in two ways:
//! * compile time: `size_of` assertions next to each structure;
//! * test time: `tests/layouts.rs` compares every structure's size and field offsets, and every
//!   constant, with the golden table `tests/data/ndis-abi-layouts.json` (Windows PDB layouts
//!   and the WDK headers; a copy of the project's reference table).
//!
//! Structures are declared through [`abi_structs!`], which also records each structure's
//! layout (name, size, field offsets computed by `core::mem::offset_of!`) in a per-module
//! `LAYOUTS` table; [`all_layouts`] gathers them for the layout test.
//!
//! This crate has no dependency on the WDK: the same definitions compile for Linux (where a
//! user-mode NDIS emulator plays NDIS) and for `x86_64-pc-windows-msvc`.
#![no_std]
#![allow(non_snake_case, non_camel_case_types, non_upper_case_globals)]
// Fields and constants carry their exact C names; their meaning is the DDI reference's.
#![allow(missing_docs)]

#[macro_use]
mod macros;

pub mod types;
pub use types::*;

/// Marker for ABI structures that may be read from, and copied into, foreign memory byte-wise.
///
/// # Safety
/// Implementors are `#[repr(C)]` types whose fields are integers, raw pointers, `Option` of
/// function pointers, or arrays/structures/unions of `AbiPod` types: every initialized byte
/// pattern of `size_of::<Self>()` bytes that C code can produce is a valid value. (Every type
/// declared through [`abi_structs!`] implements it.)
pub unsafe trait AbiPod: Copy + 'static {}

/// The layout of one ABI structure as Rust computes it, for comparison with the golden table.
#[derive(Debug, Clone, Copy)]
pub struct StructLayout {
    /// The C name (as used in the golden table, e.g. `NDIS_OID_REQUEST`).
    pub name: &'static str,
    /// `size_of` the Rust type.
    pub size: usize,
    /// `(field path, offset)`; nested paths use the golden table's dotted spelling.
    pub fields: &'static [(&'static str, usize)],
}

/// A named constant with its value widened to `i128`, for comparison with the golden table.
#[derive(Debug, Clone, Copy)]
pub struct ConstantValue {
    /// The C name.
    pub name: &'static str,
    /// The value (signed types are sign-extended, so `NDIS_STATUS` failures compare as the
    /// table's unsigned spelling after masking to 32 bits; see the layout test).
    pub value: i128,
}

pub mod attributes;
pub use attributes::*;
pub mod config;
pub use config::*;
pub mod functions;
pub use functions::*;
pub mod indication;
pub use indication::*;
pub mod interrupt;
pub use interrupt::*;
pub mod memory;
pub use memory::*;
pub mod miniport;
pub use miniport::*;
pub mod nbl;
pub use nbl::*;
pub mod nbl_info;
pub use nbl_info::*;
pub mod nic_switch;
pub use nic_switch::*;
pub mod object;
pub use object::*;
pub mod offload;
pub use offload::*;
pub mod oid;
pub use oid::*;
pub mod receive_filter;
pub use receive_filter::*;
pub mod resources;
pub use resources::*;
pub mod rss;
pub use rss::*;
pub mod sriov;
pub use sriov::*;
pub mod stats;
pub use stats::*;
pub mod status;
pub use status::*;
pub mod timer;
pub use timer::*;

/// Every structure layout this crate declares, module by module.
pub fn all_layouts() -> impl Iterator<Item = &'static StructLayout> {
    [
        types::LAYOUTS,
        nbl::LAYOUTS,
        nbl_info::LAYOUTS,
        oid::LAYOUTS,
        miniport::LAYOUTS,
        attributes::LAYOUTS,
        config::LAYOUTS,
        indication::LAYOUTS,
        interrupt::LAYOUTS,
        memory::LAYOUTS,
        nic_switch::LAYOUTS,
        offload::LAYOUTS,
        receive_filter::LAYOUTS,
        resources::LAYOUTS,
        rss::LAYOUTS,
        sriov::LAYOUTS,
        stats::LAYOUTS,
        timer::LAYOUTS,
    ]
    .into_iter()
    .flatten()
}

/// Every constant this crate declares that is recorded for the golden-table test.
pub fn all_constants() -> impl Iterator<Item = &'static ConstantValue> {
    [
        oid::CONSTANTS,
        object::CONSTANTS,
        status::CONSTANTS,
        miniport::CONSTANTS,
        attributes::CONSTANTS,
        config::CONSTANTS,
        indication::CONSTANTS,
        interrupt::CONSTANTS,
        memory::CONSTANTS,
        nbl_info::CONSTANTS,
        nic_switch::CONSTANTS,
        offload::CONSTANTS,
        receive_filter::CONSTANTS,
        resources::CONSTANTS,
        rss::CONSTANTS,
        sriov::CONSTANTS,
        stats::CONSTANTS,
    ]
    .into_iter()
    .flatten()
}
