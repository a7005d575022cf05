//! The handle table: every handle and tracked allocation the emulator hands a driver, keyed by
//! its value. No adapter or driver state lives here, only the object each handle stands for and
//! its owner, so several drivers/adapters (PF and VF, parallel tests) coexist in one process.
//! Freed entries stay as tombstones so that a later use is reported (NDIS-HANDLE-1, NDIS-MEM-1,
//! NDIS-HALT-6) instead of touching a reused address.

use std::alloc::Layout;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::adapter::AdapterShared;
use crate::driver::DriverShared;
use crate::objects::{InterruptObj, TimerObj, WorkItemObj};

/// Locks a mutex, recovering the data if a thread panicked while holding it (a panicking test
/// must not turn every later call into a second panic).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Who owns an object (whose leak check and violation list it belongs to).
#[derive(Clone)]
pub(crate) enum Owner {
    Driver(Arc<DriverShared>),
    Adapter(Arc<AdapterShared>),
}

impl Owner {
    pub(crate) fn adapter(&self) -> Option<&Arc<AdapterShared>> {
        match self {
            Owner::Adapter(a) => Some(a),
            Owner::Driver(_) => None,
        }
    }

    pub(crate) fn violate(&self, rule: &'static str, message: String) {
        match self {
            Owner::Driver(d) => d.violate(rule, message),
            Owner::Adapter(a) => a.violate(rule, message),
        }
    }

    pub(crate) fn same(&self, other: &Owner) -> bool {
        match (self, other) {
            (Owner::Driver(a), Owner::Driver(b)) => Arc::ptr_eq(a, b),
            (Owner::Adapter(a), Owner::Adapter(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// What a handle or tracked address stands for.
#[derive(Clone)]
pub(crate) enum Kind {
    /// The fake `DRIVER_OBJECT`.
    DriverObject(Arc<DriverShared>),
    /// `NdisMiniportDriverHandle`.
    DriverHandle(Arc<DriverShared>),
    /// `MiniportAdapterHandle`.
    Adapter(Arc<AdapterShared>),
    /// `NdisOpenConfigurationEx` handle; the parameters it returned are freed on close.
    Config { params: Vec<usize> },
    /// `NdisAllocateMemoryWithTagPriority`.
    Memory { length: u32 },
    /// `NdisMAllocateSharedMemory` (VA key).
    SharedMemory { length: u32, physical: i64 },
    /// `NdisAllocateSharedMemory` handle.
    SharedMemoryEx { physical: i64, length: u32 },
    /// Scatter/gather DMA handle.
    Dma,
    /// NBL pool.
    NblPool { allocate_nb: bool, data_size: u32 },
    /// NB pool.
    NbPool,
    /// An NBL allocated from a pool (`nb`: the NB allocated with it, `data`: pool data buffer).
    Nbl { pool: usize, extras: Vec<usize> },
    /// An NB allocated from an NB pool.
    Nb { pool: usize },
    /// An MDL from `NdisAllocateMdl`.
    Mdl,
    /// Timer object.
    Timer(Arc<TimerObj>),
    /// Work item.
    WorkItem(Arc<WorkItemObj>),
    /// Interrupt registration.
    Interrupt(Arc<InterruptObj>),
    /// A mapped BAR (`NdisMMapIoSpace`).
    IoSpace { length: u32 },
}

impl Kind {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Kind::DriverObject(_) => "driver object",
            Kind::DriverHandle(_) => "driver handle",
            Kind::Adapter(_) => "adapter handle",
            Kind::Config { .. } => "configuration handle",
            Kind::Memory { .. } => "memory",
            Kind::SharedMemory { .. } => "shared memory",
            Kind::SharedMemoryEx { .. } => "shared memory (NdisAllocateSharedMemory)",
            Kind::Dma => "scatter/gather DMA handle",
            Kind::NblPool { .. } => "NBL pool",
            Kind::NbPool => "NB pool",
            Kind::Nbl { .. } => "NBL",
            Kind::Nb { .. } => "NB",
            Kind::Mdl => "MDL",
            Kind::Timer(_) => "timer object",
            Kind::WorkItem(_) => "work item",
            Kind::Interrupt(_) => "interrupt",
            Kind::IoSpace { .. } => "mapped I/O space",
        }
    }
}

/// One handle table entry.
#[derive(Clone)]
pub(crate) struct Entry {
    pub kind: Kind,
    pub owner: Owner,
    pub live: bool,
}

#[derive(Default)]
struct Table {
    entries: HashMap<usize, Entry>,
    /// Real memory behind freed addresses, kept for a while so a stale pointer never hits a
    /// reused block (bounded so a long lab run does not grow without limit).
    quarantine: VecDeque<(usize, Layout)>,
    /// Real memory behind live addresses.
    blocks: HashMap<usize, Layout>,
}

const QUARANTINE_BLOCKS: usize = 4096;

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(Table::default()))
}

/// Opaque handle values: never dereferenced by a driver, never overlapping real memory
/// (a high canonical user-space range on x86-64 Linux that mmap does not hand out by default).
fn next_opaque() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0x7E00_0000_0000);
    NEXT.fetch_add(0x40, Ordering::Relaxed)
}

/// Reserves an opaque handle value (registered later with [`insert`]).
pub(crate) fn reserve_handle() -> usize {
    next_opaque()
}

/// Registers `handle` (from [`reserve_handle`]).
pub(crate) fn insert(handle: usize, kind: Kind, owner: Owner) {
    lock(table()).entries.insert(
        handle,
        Entry {
            kind,
            owner,
            live: true,
        },
    );
}

/// Registers a new opaque handle.
pub(crate) fn new_handle(kind: Kind, owner: Owner) -> usize {
    let handle = next_opaque();
    lock(table()).entries.insert(
        handle,
        Entry {
            kind,
            owner,
            live: true,
        },
    );
    handle
}

/// Allocates `size` zeroed bytes (at least 1) aligned to `align` and registers them.
pub(crate) fn new_block(size: usize, align: usize, kind: Kind, owner: Owner) -> Option<usize> {
    let layout = Layout::from_size_align(size.max(1), align.max(16)).ok()?;
    // SAFETY: the layout has a non-zero size (`max(1)`).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return None;
    }
    let addr = ptr as usize;
    let mut t = lock(table());
    t.blocks.insert(addr, layout);
    t.entries.insert(
        addr,
        Entry {
            kind,
            owner,
            live: true,
        },
    );
    Some(addr)
}

/// Looks an entry up (live or tombstone).
pub(crate) fn get(handle: usize) -> Option<Entry> {
    lock(table()).entries.get(&handle).cloned()
}

/// Replaces the kind of a live entry (e.g. to record the parameters of a configuration handle).
pub(crate) fn update(handle: usize, f: impl FnOnce(&mut Kind)) {
    if let Some(e) = lock(table()).entries.get_mut(&handle) {
        f(&mut e.kind);
    }
}

/// Marks an entry freed; its memory (if any) goes to the quarantine. Returns the entry as it was.
pub(crate) fn retire(handle: usize) -> Option<Entry> {
    let mut t = lock(table());
    let before = t.entries.get(&handle).cloned()?;
    if let Some(e) = t.entries.get_mut(&handle) {
        e.live = false;
    }
    if let Some(layout) = t.blocks.remove(&handle) {
        t.quarantine.push_back((handle, layout));
        while t.quarantine.len() > QUARANTINE_BLOCKS {
            if let Some((addr, layout)) = t.quarantine.pop_front() {
                t.entries.remove(&addr);
                // SAFETY: `addr` came from `alloc_zeroed(layout)` in `new_block` and was removed
                // from `blocks` when retired, so it is deallocated exactly once.
                unsafe { std::alloc::dealloc(addr as *mut u8, layout) };
            }
        }
    }
    Some(before)
}

/// Every live entry owned by `owner` (for leak checks).
pub(crate) fn live_owned_by(owner: &Owner) -> Vec<(usize, Entry)> {
    let t = lock(table());
    let mut out: Vec<(usize, Entry)> = t
        .entries
        .iter()
        .filter(|(_, e)| e.live && e.owner.same(owner))
        .map(|(k, e)| (*k, e.clone()))
        .collect();
    out.sort_by_key(|(k, _)| *k);
    out
}

/// Counts live entries matching `f`.
pub(crate) fn count_live(f: impl Fn(&Kind) -> bool) -> usize {
    lock(table())
        .entries
        .values()
        .filter(|e| e.live && f(&e.kind))
        .count()
}
