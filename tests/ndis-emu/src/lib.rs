//! User-mode NDIS emulator: plays NDIS's role for the miniports and enforces NDIS's rules.
//!
//! * [`EmuDriver::load`] calls a driver's `DriverEntry`; [`EmuDriver::add_adapter`] runs
//!   `MiniportAddDevice`/`MiniportInitializeEx`; [`EmuAdapter`] drives restart, pause, OIDs,
//!   sends, receive returns, interrupts, reset, surprise removal and halt.
//! * The NDIS functions (`exports`) are defined with the exact names and signatures `ndis-abi`
//!   declares, so a driver built for Linux links against this crate.
//! * Every call is checked against the rules in [`RULES`] (also `RULES.md`); violations are
//!   recorded per adapter/driver and returned by `violations()`, `halt()`, `finish()`.
//!
//! See README.md for the threading/IRQL model and what is not modelled.

mod adapter;
mod config;
mod consts;
mod context;
mod dma;
mod driver;
pub mod exports;
mod harness;
mod irql;
pub mod message_file;
mod objects;
mod port;
mod raw;
mod registry;
mod rules;
mod shape;
mod sigcheck;

use std::sync::Mutex;

pub use adapter::{
    AdapterState, Attributes, EventLogEntry, GeneralAttributes, HardwareAssistAttributes,
    ReceiveCounts, ReceivedFrame, RegistrationAttributes, SendCompletion, StatusIndication,
};
pub use config::{AdapterConfig, Bar, HardwareBackend, KeywordValue, Partition, VfBackchannel};
pub use context::Handler;
pub use dma::{dma_read, dma_write, mmio_read32, mmio_write32};
pub use harness::{
    DriverEntry, EmuAdapter, EmuDriver, InitError, InterruptOutcome, LoadError, OidKind,
    OidOutcome, SendOptions,
};
pub use irql::Irql;
pub use port::{DevicePort, PROCESSORS, current_processor};
pub use rules::{RULES, Rule, Violation, assert_no_violations, rule};
pub use shape::{
    ChecksumRequest, LEAD_FILL, MdlSpec, NbSpec, NblSpec, SLACK_FILL, ShapeLimits, ShapeRng,
};

static ORPHANS: Mutex<Vec<Violation>> = Mutex::new(Vec::new());

pub(crate) fn push_orphan(v: Violation) {
    registry::lock(&ORPHANS).push(v);
}

/// Violations from calls that carried no usable handle on a thread the emulator was not
/// running a driver handler on (e.g. a test calling NDIS directly with a garbage handle).
/// Drains the list.
pub fn take_orphan_violations() -> Vec<Violation> {
    std::mem::take(&mut *registry::lock(&ORPHANS))
}

/// Every violation recorded for the adapter whose `MiniportAdapterHandle` was `handle`, also
/// after it was halted (e.g. to see NDIS-HALT-6 from a stale call).
#[must_use]
pub fn violations_of_handle(handle: usize) -> Vec<Violation> {
    match registry::get(handle) {
        Some(registry::Entry {
            kind: registry::Kind::Adapter(a),
            ..
        }) => a.lock().violations.clone(),
        Some(registry::Entry {
            kind: registry::Kind::DriverHandle(d),
            ..
        }) => d.lock().violations.clone(),
        _ => Vec::new(),
    }
}

/// Every event-log entry the adapter whose `MiniportAdapterHandle` was `handle` wrote, also
/// after it was halted or failed initialization.
#[must_use]
pub fn event_log_of_handle(handle: usize) -> Vec<EventLogEntry> {
    match registry::get(handle) {
        Some(registry::Entry {
            kind: registry::Kind::Adapter(a),
            ..
        }) => a.lock().event_log.clone(),
        _ => Vec::new(),
    }
}

/// The calling thread's IRQL as the emulator models it.
#[must_use]
pub fn current_irql() -> Irql {
    irql::current()
}
