//! The NDIS functions, defined with the exact names and signatures `ndis-abi` declares, so that
//! a driver built for Linux links against the emulator. Every definition:
//! * never unwinds (a panic is caught and recorded as an emulator error),
//! * finds its adapter/driver from the handle (no global adapter state),
//! * checks the caller's IRQL against the DDI maximum (NDIS-IRQL-1) and the rules of its area;
//! * is `#[inline(never)]`: on Windows NDIS is an import the driver can never inline, and the
//!   release profile's LTO would otherwise inline these into the driver, where the data-path
//!   benchmark's callgrind toggles (which switch counting off by export name) could not see
//!   them: the emulator's handle lookups were counted as driver instructions.
//!
//! Parameter names are the DDI's, hence the non-snake-case allowance.
#![allow(non_snake_case, non_upper_case_globals)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::adapter::AdapterShared;
use crate::context;
use crate::driver::DriverShared;
use crate::irql::{self, Irql};
use crate::registry::{self, Kind, Owner};

mod core;
mod data;
mod extra;
mod register;
mod system;

pub use self::core::*;
pub use self::data::*;
pub(crate) use self::data::{link_chain, snapshot_of};
pub use self::extra::*;
pub use self::register::*;
pub use self::system::*;
pub(crate) use self::system::{call_isr, run_dpc, timer_thread};

/// Runs an export body, turning a panic into a recorded error and `default`.
pub(crate) fn guard<R>(name: &'static str, default: R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(_) => {
            context::violate_current(
                "NDIS-HANDLE-1",
                format!(
                    "{name}: emulator caught a panic while checking this call (malformed arguments?)"
                ),
            );
            default
        }
    }
}

/// NDIS-IRQL-1: `name` may be called at most at `max`.
pub(crate) fn check_irql(owner: Option<&Owner>, name: &str, max: Irql) {
    let now = irql::current();
    if now > max {
        let message = format!("{name} called at {} (maximum {})", now.name(), max.name());
        match owner {
            Some(o) => o.violate("NDIS-IRQL-1", message),
            None => context::violate_current("NDIS-IRQL-1", message),
        }
    }
}

/// Resolves an adapter handle; reports NULL/unknown handles (NDIS-HANDLE-1) and use after halt
/// (NDIS-HALT-6).
pub(crate) fn adapter_of(handle: usize, name: &str) -> Option<Arc<AdapterShared>> {
    match registry::get(handle) {
        Some(entry) => {
            match entry.kind {
                Kind::Adapter(a) => {
                    if entry.live {
                        Some(a)
                    } else {
                        a.violate("NDIS-HALT-6", format!("{name} called with the adapter handle after MiniportHaltEx returned"));
                        None
                    }
                }
                other => {
                    entry.owner.violate(
                        "NDIS-HANDLE-1",
                        format!("{name}: expected an adapter handle, got a {}", other.name()),
                    );
                    None
                }
            }
        }
        None => {
            context::violate_current(
                "NDIS-HANDLE-1",
                format!("{name}: {handle:#x} is not a handle NDIS gave out"),
            );
            None
        }
    }
}

/// Resolves a handle that may be an adapter or driver handle (allocation functions).
pub(crate) fn owner_of(handle: usize, name: &str) -> Option<Owner> {
    match registry::get(handle) {
        Some(entry) => match entry.kind {
            Kind::Adapter(a) if entry.live => Some(Owner::Adapter(a)),
            Kind::Adapter(a) => {
                a.violate(
                    "NDIS-HALT-6",
                    format!("{name} called with the adapter handle after MiniportHaltEx returned"),
                );
                None
            }
            Kind::DriverHandle(d) if entry.live => Some(Owner::Driver(d)),
            other => {
                entry.owner.violate(
                    "NDIS-HANDLE-1",
                    format!(
                        "{name}: expected an adapter or driver handle, got a {}{}",
                        other.name(),
                        if entry.live { "" } else { " (freed)" }
                    ),
                );
                None
            }
        },
        None => {
            context::violate_current(
                "NDIS-HANDLE-1",
                format!("{name}: {handle:#x} is not a handle NDIS gave out"),
            );
            None
        }
    }
}

/// Resolves a handle of an expected kind owned by a live adapter; reports freed handles as
/// use-after-free (NDIS-MEM-1, or NDIS-HALT-6 when the owner is halted).
pub(crate) fn object_of(
    handle: usize,
    name: &str,
    want: &str,
    matches: impl Fn(&Kind) -> bool,
) -> Option<(Kind, Owner)> {
    match registry::get(handle) {
        Some(entry) if matches(&entry.kind) => {
            if entry.live {
                Some((entry.kind, entry.owner))
            } else {
                let halted = entry.owner.adapter().is_some_and(|a| a.lock().halted);
                if halted {
                    entry.owner.violate(
                        "NDIS-HALT-6",
                        format!("{name}: {want} {handle:#x} used after MiniportHaltEx returned"),
                    );
                } else {
                    entry.owner.violate(
                        "NDIS-MEM-1",
                        format!("{name}: {want} {handle:#x} was already freed"),
                    );
                }
                None
            }
        }
        Some(entry) => {
            entry.owner.violate(
                "NDIS-HANDLE-1",
                format!("{name}: expected a {want}, got a {}", entry.kind.name()),
            );
            None
        }
        None => {
            context::violate_current(
                "NDIS-HANDLE-1",
                format!("{name}: {handle:#x} is not a {want} NDIS gave out"),
            );
            None
        }
    }
}

pub(crate) fn driver_handle_of(handle: usize, name: &str) -> Option<Arc<DriverShared>> {
    match registry::get(handle) {
        Some(entry) => match entry.kind {
            Kind::DriverHandle(d) if entry.live => Some(d),
            other => {
                entry.owner.violate(
                    "NDIS-DRV-2",
                    format!("{name}: {} is not a registered driver handle", other.name()),
                );
                None
            }
        },
        None => {
            context::violate_current(
                "NDIS-HANDLE-1",
                format!("{name}: {handle:#x} is not a driver handle"),
            );
            None
        }
    }
}
