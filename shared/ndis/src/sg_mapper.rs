//! Mapping send NET_BUFFERs with `NdisMAllocateNetBufferSGList`, safely, for any miniport.
//!
//! NDIS hands the list to `MiniportProcessSGList` (at DISPATCH), either *inside* the allocate
//! call (the usual case: the send path still holds its queue lock) or *later*, after the call
//! returned (map registers were short; N/ndis-scatter-gather-dma.md). [`SgMapper::map`]
//! catches the first case in a small slot and returns the list at once; the second goes to the
//! [`LateSgLists`] sink the driver installed, which hands it to its transmit engine under the
//! engine's own lock. The per-allocation context NDIS carries is this module's business: the
//! driver registers DMA with [`RoutedSgLists`] and never sees a raw pointer.
//!
//! Lifetime rule: the context is the address of the mapper's router, which stays alive until
//! every list asked for has arrived (a mapper dropped with a list still owed leaks its router
//! rather than let the late callback find freed memory).

extern crate alloc;

use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU64, Ordering};

use ndis_abi::NDIS_STATUS;

use crate::buffer::NetBufferData;
use crate::dma::{ScatterGatherDma, SgList, SgListHandler};
use crate::sync::SpinLock;

/// Where a list goes that NDIS builds after [`SgMapper::map`] returned `Ok(None)`.
pub trait LateSgLists: Send + Sync {
    /// The list for the allocation tagged `tag`, at DISPATCH. `Err(list)` when nothing waits
    /// for it any more: the mapper frees it unused.
    ///
    /// # Errors
    /// The list back when no allocation with `tag` is owed.
    fn late_list(&self, tag: u32, list: SgList) -> Result<(), SgList>;
}

/// Where a list NDIS builds right now goes.
#[derive(Debug)]
enum SlotState {
    /// No allocation call in progress.
    Idle,
    /// Inside `NdisMAllocateNetBufferSGList`: a list goes here.
    InCall,
    /// A list that arrived inside the call.
    Arrived(SgList),
}

struct SgRouter {
    slot: Box<SpinLock<SlotState>>,
    /// Tag and NET_BUFFER of the allocation in progress or owed (one at a time: an engine
    /// posts nothing while a list is owed).
    pending: Box<SpinLock<Option<(u32, NetBufferData)>>>,
    late: Box<SpinLock<Option<Weak<dyn LateSgLists>>>>,
    dma: Arc<ScatterGatherDma>,
    late_lists: AtomicU64,
    stray_lists: AtomicU64,
}

impl SgRouter {
    fn route(&self, list: SgList) {
        {
            let mut slot = self.slot.lock();
            if matches!(*slot, SlotState::InCall) {
                *slot = SlotState::Arrived(list);
                return;
            }
        }
        self.late_lists.fetch_add(1, Ordering::Relaxed);
        let pending = self.pending.lock().take();
        let sink = self.late.lock().as_ref().and_then(Weak::upgrade);
        let Some((tag, nb)) = pending else {
            // Nobody asked for it: without its NET_BUFFER it cannot be freed; it is leaked
            // (counted), never used.
            self.stray_lists.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let refused = match sink {
            Some(sink) => sink.late_list(tag, list).err(),
            None => Some(list),
        };
        if let Some(list) = refused {
            self.stray_lists.fetch_add(1, Ordering::Relaxed);
            self.free(list, &nb);
        }
    }

    fn free(&self, list: SgList, nb: &NetBufferData) {
        // SAFETY: the list was built for `nb` through this DMA object (the router asked for
        // it) and is freed once; the device never saw it or is done with it (callers).
        unsafe { self.dma.free_net_buffer_sg_list(list, nb.as_non_null()) };
    }
}

/// The `MiniportProcessSGList` handler to register DMA with
/// (`InitContext::register_scatter_gather_dma::<RoutedSgLists>`) when sends are mapped with
/// [`SgMapper`].
pub struct RoutedSgLists;

impl SgListHandler for RoutedSgLists {
    fn sg_list_ready(list: SgList, context: usize) {
        let router = context as *const SgRouter;
        // SAFETY: `SgMapper::map` is the only caller that passes a context to this DMA
        // registration, and it passes its router's address; the router lives until the list
        // it asked for arrived (`SgMapper`'s drop leaks it while one is owed).
        if let Some(router) = unsafe { router.as_ref() } {
            router.route(list);
        }
    }
}

/// Maps send NET_BUFFERs for one transmit queue (see the module docs).
pub struct SgMapper {
    router: Arc<SgRouter>,
}

/// A view of an [`SgMapper`] kept beside the engine that owns the mapper: installs the late
/// sink, reads the counters.
#[derive(Clone)]
pub struct SgMapperMonitor {
    router: Arc<SgRouter>,
}

impl SgMapper {
    /// A mapper over `dma` (registered with [`RoutedSgLists`]), and its monitor.
    #[must_use]
    pub fn new(dma: Arc<ScatterGatherDma>) -> (Self, SgMapperMonitor) {
        let router = Arc::new(SgRouter {
            slot: SpinLock::new(SlotState::Idle),
            pending: SpinLock::new(None),
            late: SpinLock::new(None),
            dma,
            late_lists: AtomicU64::new(0),
            stray_lists: AtomicU64::new(0),
        });
        (
            Self {
                router: Arc::clone(&router),
            },
            SgMapperMonitor { router },
        )
    }

    /// `NdisMAllocateNetBufferSGList` for `nb`: `Ok(Some(list))` when the list arrived during
    /// the call, `Ok(None)` when it goes to the late sink with `tag`. At <= DISPATCH.
    ///
    /// # Errors
    /// The status NDIS refused the allocation with.
    pub fn map(&mut self, nb: &NetBufferData, tag: u32) -> Result<Option<SgList>, NDIS_STATUS> {
        let router = &self.router;
        *router.pending.lock() = Some((tag, *nb));
        *router.slot.lock() = SlotState::InCall;
        let context = Arc::as_ptr(router) as usize;
        // SAFETY: `nb` is a NET_BUFFER of a send NBL the caller owns until it unmaps the list
        // (`NetBufferData`'s invariant); no preallocated list memory is passed; the context is
        // the router, which `RoutedSgLists` resolves.
        let result = unsafe {
            router
                .dma
                .allocate_net_buffer_sg_list(nb.as_non_null(), context, None)
        };
        let arrived = core::mem::replace(&mut *router.slot.lock(), SlotState::Idle);
        match (result, arrived) {
            (Ok(()), SlotState::Arrived(list)) => {
                *router.pending.lock() = None;
                Ok(Some(list))
            }
            (Ok(()), _) => Ok(None),
            (Err(error), arrived) => {
                *router.pending.lock() = None;
                if let SlotState::Arrived(list) = arrived {
                    // A list despite a failure status: given back, never used.
                    router.free(list, nb);
                }
                Err(error.status())
            }
        }
    }

    /// Frees `list`, built for `nb` by [`Self::map`] (or given to the late sink), once the
    /// device is done with it (its descriptors completed, or never posted).
    pub fn unmap(&mut self, list: SgList, nb: &NetBufferData) {
        self.router.free(list, nb);
    }
}

impl Drop for SgMapper {
    fn drop(&mut self) {
        if self.router.pending.lock().is_some() {
            // A list is still owed: NDIS will call back with this router's address.
            core::mem::forget(Arc::clone(&self.router));
        }
    }
}

impl SgMapperMonitor {
    /// Installs where late lists go (once the engine's owner exists).
    pub fn set_late_sink(&self, sink: Weak<dyn LateSgLists>) {
        *self.router.late.lock() = Some(sink);
    }

    /// Lists that arrived after the allocate call returned.
    #[must_use]
    pub fn late_lists(&self) -> u64 {
        self.router.late_lists.load(Ordering::Relaxed)
    }

    /// Lists nobody waited for (freed, or leaked without their NET_BUFFER), never used.
    #[must_use]
    pub fn stray_lists(&self) -> u64 {
        self.router.stray_lists.load(Ordering::Relaxed)
    }
}
