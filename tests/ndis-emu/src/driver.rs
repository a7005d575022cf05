//! One loaded miniport driver: the fake `DRIVER_OBJECT`, what `NdisMRegisterMiniportDriver`
//! recorded, and driver-level violations.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use ndis_abi::*;

use crate::adapter::AdapterShared;
use crate::registry::{Owner, lock};
use crate::rules::Violation;

pub(crate) struct DriverInner {
    /// `NdisMiniportDriverHandle` once registered.
    pub handle: Option<usize>,
    pub chars: Option<NDIS_MINIPORT_DRIVER_CHARACTERISTICS>,
    pub driver_context: usize,
    pub pnp: Option<NDIS_MINIPORT_PNP_CHARACTERISTICS>,
    pub registrations: u32,
    pub deregistrations: u32,
    pub violations: Vec<Violation>,
    pub adapters: Vec<Weak<AdapterShared>>,
    pub unloaded: bool,
}

pub(crate) struct DriverShared {
    /// The fake `DRIVER_OBJECT` value.
    pub object: usize,
    pub inner: Mutex<DriverInner>,
    pub weak_self: Weak<DriverShared>,
}

impl DriverShared {
    pub(crate) fn create() -> Arc<Self> {
        let object = crate::registry::reserve_handle();
        let driver = Arc::new_cyclic(|weak| DriverShared {
            object,
            inner: Mutex::new(DriverInner {
                handle: None,
                chars: None,
                driver_context: 0,
                pnp: None,
                registrations: 0,
                deregistrations: 0,
                violations: Vec::new(),
                adapters: Vec::new(),
                unloaded: false,
            }),
            weak_self: weak.clone(),
        });
        crate::registry::insert(
            object,
            crate::registry::Kind::DriverObject(Arc::clone(&driver)),
            Owner::Driver(Arc::clone(&driver)),
        );
        driver
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, DriverInner> {
        lock(&self.inner)
    }

    pub(crate) fn arc(&self) -> Arc<DriverShared> {
        self.weak_self.upgrade().expect("driver alive while in use")
    }

    pub(crate) fn owner(&self) -> Owner {
        Owner::Driver(self.arc())
    }

    pub(crate) fn violate(&self, rule: &'static str, message: String) {
        let v = Violation::new(rule, message);
        if std::env::var_os("NDIS_EMU_TRACE").is_some() {
            eprintln!("ndis-emu: {v}");
        }
        lock(&self.inner).violations.push(v);
    }
}
