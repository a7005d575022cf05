//! INF parser and rule checks for the PF and VF INFs (`inf/pf_miniport.inx`,
//! `inf/vf_miniport.inx`).
//!
//! * [`parse`]: a small INF parser (sections, `key = value` lines, AddReg-style field lists,
//!   quoted strings, `;` comments, `\` continuations, `%strkey%` tokens).
//! * [`keywords`]: the standardized NDIS keywords and their Microsoft-defined values.
//! * [`rules`]: the checks. [`check_inf`] returns every [`Violation`]; it never panics.
//!
//! The hardware IDs are checked against `igb::ids::PF_DEVICE_IDS` / `VF_DEVICE_IDS`, the one
//! source of truth shared with the drivers.
#![forbid(unsafe_code)]

pub mod keywords;
pub mod parse;
pub mod rules;

pub use parse::InfFile;
pub use rules::{DriverRole, Rule, Violation, check_inf};

/// Path of a driver's INX file relative to the workspace root.
#[must_use]
pub const fn inx_path(role: DriverRole) -> &'static str {
    match role {
        DriverRole::Pf => "inf/pf_miniport.inx",
        DriverRole::Vf => "inf/vf_miniport.inx",
    }
}
