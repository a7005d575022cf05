//! DMA through NDIS: scatter/gather registration ([`ScatterGatherDma`]), per-NET_BUFFER
//! scatter/gather lists ([`SgList`]), and shared memory ([`SharedMemory`], [`VPortSharedMemory`])
//! as [`hw_platform::DmaMemory`], with [`SharedMemoryAllocator`] as the
//! [`hw_platform::DmaAllocator`] the igb ring engine allocates descriptor rings and receive
//! buffers from.
//!
//! Rules followed (N/registering-and-deregistering-dma-channels.md,
//! D/ndis/nf-ndis-ndismallocatesharedmemory.md): scatter/gather DMA is registered in
//! `MiniportInitializeEx` before any shared memory is allocated; shared memory is allocated and
//! freed at PASSIVE; the device address is the one NDIS returns, never derived from the CPU
//! address; memory is freed only after the device can no longer DMA into it (the ring engine
//! disables its queue first).

use core::ffi::c_void;
use core::ptr::NonNull;

use hw_platform::{DmaAddr, DmaAllocError, DmaAllocator, DmaMemory};
use ndis_abi::*;

use crate::adapter::AdapterHandle;
use crate::status::{NdisError, NdisResult, check};

/// `NDIS_SIZEOF_SG_DMA_DESCRIPTION_REVISION_1` (golden table: 40 bytes).
const SG_DMA_DESCRIPTION_SIZE_1: u16 = 40;
/// `NDIS_SIZEOF_SHARED_MEMORY_PARAMETERS_REVISION_2` (through `VPortId`: 72 bytes).
const SHARED_MEMORY_PARAMETERS_SIZE_2: u16 = 72;
const _: () = assert!(core::mem::size_of::<NDIS_SG_DMA_DESCRIPTION>() == 40);
const _: () = assert!(core::mem::size_of::<NDIS_SHARED_MEMORY_PARAMETERS>() == 72);

/// The page size NDIS shared memory is aligned to (x64: `AllocateCommonBuffer` returns
/// page-aligned memory; a larger alignment cannot be requested).
pub const SHARED_MEMORY_ALIGNMENT: usize = 4096;

/// What a driver does with a scatter/gather list NDIS built for a NET_BUFFER
/// (`MiniportProcessSGList`, called at DISPATCH, possibly before
/// `NdisMAllocateNetBufferSGList` returns).
pub trait SgListHandler: 'static {
    /// The list for the NET_BUFFER whose allocation passed `context`. The driver owns the list
    /// until it frees it with [`ScatterGatherDma::free_net_buffer_sg_list`].
    fn sg_list_ready(list: SgList, context: usize);
}

/// A scatter/gather list NDIS built (owned by the driver until freed).
#[derive(Debug)]
pub struct SgList {
    raw: NonNull<SCATTER_GATHER_LIST>,
}

// SAFETY: the list is NDIS-owned memory handed to the driver; it may be completed on another
// processor (Tx completion DPC), which NDIS allows.
unsafe impl Send for SgList {}

impl SgList {
    /// The raw list, for [`ScatterGatherDma::free_net_buffer_sg_list`].
    #[must_use]
    pub const fn as_raw(&self) -> NonNull<SCATTER_GATHER_LIST> {
        self.raw
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        // SAFETY: NDIS built the list and keeps it valid until the driver frees it.
        let count = unsafe { (*self.raw.as_ptr()).NumberOfElements };
        usize::try_from(count).unwrap_or(0)
    }

    /// Whether the list has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `index` as (device address, length), or `None` past the end.
    #[must_use]
    pub fn element(&self, index: usize) -> Option<(DmaAddr, u32)> {
        if index >= self.len() {
            return None;
        }
        // The elements follow the header in place (wdm.h `Elements[]`).
        let first = core::ptr::addr_of!(
            // SAFETY: only the field's address is taken; the list is valid (see `len`).
            unsafe { &*self.raw.as_ptr() }.Elements
        )
        .cast::<SCATTER_GATHER_ELEMENT>();
        let element_pointer = first.wrapping_add(index);
        // SAFETY: `index < NumberOfElements`, so the element is inside the list NDIS built.
        let element = unsafe { element_pointer.read_unaligned() };
        let address = u64::try_from(element.Address).ok()?;
        Some((DmaAddr::new(address), element.Length))
    }
}

/// Scatter/gather DMA registered with `NdisMRegisterScatterGatherDma`; deregistered when
/// dropped (after every shared-memory block and SG list of the adapter is freed).
pub struct ScatterGatherDma {
    handle: NDIS_HANDLE,
    adapter: AdapterHandle,
    sg_list_size: u32,
}

// SAFETY: the DMA handle is an opaque NDIS token usable from any thread at <= DISPATCH.
unsafe impl Send for ScatterGatherDma {}
// SAFETY: as above; the methods only pass the token to NDIS.
unsafe impl Sync for ScatterGatherDma {}

impl core::fmt::Debug for ScatterGatherDma {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ScatterGatherDma")
            .field("sg_list_size", &self.sg_list_size)
            .finish_non_exhaustive()
    }
}

unsafe extern "system" fn process_sg_list<H: SgListHandler>(
    _device_object: PDEVICE_OBJECT,
    _reserved: PVOID,
    list: *mut SCATTER_GATHER_LIST,
    context: PVOID,
) {
    if let Some(raw) = NonNull::new(list) {
        H::sg_list_ready(SgList { raw }, context as usize);
    }
}

impl ScatterGatherDma {
    /// Registers 64-bit scatter/gather DMA with lists of at most `maximum_mapping` bytes per
    /// NET_BUFFER. PASSIVE, inside `MiniportInitializeEx`.
    pub(crate) fn register<H: SgListHandler>(
        adapter: AdapterHandle,
        maximum_mapping: u32,
    ) -> NdisResult<Self> {
        let mut description = NDIS_SG_DMA_DESCRIPTION::zeroed();
        description.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_SG_DMA_DESCRIPTION,
            NDIS_SG_DMA_DESCRIPTION_REVISION_1,
            SG_DMA_DESCRIPTION_SIZE_1,
        );
        // The 82576 reaches all of memory with 64-bit descriptors (datasheet 7.1.5).
        description.Flags = NDIS_SG_DMA_64_BIT_ADDRESS;
        description.MaximumPhysicalMapping = maximum_mapping;
        description.ProcessSGListHandler = Some(process_sg_list::<H>);
        let mut handle: NDIS_HANDLE = core::ptr::null_mut();
        // SAFETY: the description is initialized and the out-pointer is a live local; the
        // adapter handle is the initializing adapter's.
        let status =
            unsafe { NdisMRegisterScatterGatherDma(adapter.raw(), &mut description, &mut handle) };
        check(status)?;
        if handle.is_null() {
            return Err(NdisError::RESOURCES);
        }
        Ok(Self {
            handle,
            adapter,
            sg_list_size: description.ScatterGatherListSize,
        })
    }

    /// The buffer size NDIS says a preallocated SG list needs (`ScatterGatherListSize`).
    #[must_use]
    pub const fn sg_list_size(&self) -> u32 {
        self.sg_list_size
    }

    /// A shared-memory allocator for this adapter (valid while DMA is registered).
    #[must_use]
    pub const fn shared_memory(&self, cached: bool) -> SharedMemoryAllocator {
        SharedMemoryAllocator {
            adapter: self.adapter,
            cached,
        }
    }

    /// Asks NDIS for the scatter/gather list of `net_buffer`; the handler registered with this
    /// DMA object receives it with `context`. `buffer` is optional preallocated list memory of at
    /// least [`Self::sg_list_size`] bytes. At <= DISPATCH.
    ///
    /// # Safety
    /// `net_buffer` is a NET_BUFFER the driver owns (from a send NBL) and stays valid until its
    /// list is freed; `buffer`, if given, stays valid and unused otherwise until then.
    pub unsafe fn allocate_net_buffer_sg_list(
        &self,
        net_buffer: NonNull<NET_BUFFER>,
        context: usize,
        buffer: Option<&mut [u8]>,
    ) -> NdisResult {
        let (pointer, length) = match buffer {
            Some(buffer) => (
                buffer.as_mut_ptr().cast::<c_void>(),
                u32::try_from(buffer.len()).unwrap_or(u32::MAX),
            ),
            None => (core::ptr::null_mut(), 0),
        };
        // SAFETY: caller's contract for the NET_BUFFER and the buffer; the DMA handle is live.
        let status = unsafe {
            NdisMAllocateNetBufferSGList(
                self.handle,
                net_buffer.as_ptr(),
                context as PVOID,
                NDIS_SG_LIST_WRITE_TO_DEVICE,
                pointer,
                length,
            )
        };
        check(status)
    }

    /// Frees a list from [`Self::allocate_net_buffer_sg_list`]. At <= DISPATCH.
    ///
    /// # Safety
    /// `list` is the list NDIS built for `net_buffer` through this DMA object, freed once, and
    /// the device no longer reads the memory it describes.
    pub unsafe fn free_net_buffer_sg_list(&self, list: SgList, net_buffer: NonNull<NET_BUFFER>) {
        // SAFETY: caller's contract.
        unsafe { NdisMFreeNetBufferSGList(self.handle, list.raw.as_ptr(), net_buffer.as_ptr()) };
    }
}

impl Drop for ScatterGatherDma {
    fn drop(&mut self) {
        // SAFETY: the handle came from NdisMRegisterScatterGatherDma and is deregistered once.
        unsafe { NdisMDeregisterScatterGatherDma(self.handle) };
    }
}

/// Allocates shared memory with `NdisMAllocateSharedMemory` (PASSIVE). Obtained from
/// [`ScatterGatherDma::shared_memory`], so DMA is registered first.
#[derive(Clone, Copy, Debug)]
pub struct SharedMemoryAllocator {
    adapter: AdapterHandle,
    cached: bool,
}

impl SharedMemoryAllocator {
    /// Allocates `len` bytes.
    pub fn allocate_block(&self, len: usize) -> NdisResult<SharedMemory> {
        let length = u32::try_from(len).map_err(|_| NdisError::INVALID_PARAMETER)?;
        if length == 0 {
            return Err(NdisError::INVALID_PARAMETER);
        }
        let mut virtual_address: PVOID = core::ptr::null_mut();
        let mut physical: NDIS_PHYSICAL_ADDRESS = 0;
        // SAFETY: out-pointers are live locals; the handle is a live adapter's.
        unsafe {
            NdisMAllocateSharedMemory(
                self.adapter.raw(),
                length,
                BOOLEAN::from(self.cached),
                &mut virtual_address,
                &mut physical,
            );
        };
        let cpu = NonNull::new(virtual_address.cast::<u8>()).ok_or(NdisError::RESOURCES)?;
        let block = SharedMemory {
            adapter: self.adapter,
            cpu,
            physical,
            length,
            cached: self.cached,
        };
        if physical <= 0 {
            // A bus address of 0 (or a negative one) cannot be programmed into a descriptor.
            return Err(NdisError::RESOURCES);
        }
        Ok(block)
    }
}

impl DmaAllocator for SharedMemoryAllocator {
    type Region = SharedMemory;

    fn allocate(&self, len: usize, align: usize) -> Result<SharedMemory, DmaAllocError> {
        if !align.is_power_of_two() || align > SHARED_MEMORY_ALIGNMENT {
            return Err(DmaAllocError::Unsupported);
        }
        let block = self
            .allocate_block(len)
            .map_err(|_| DmaAllocError::OutOfMemory)?;
        if block.dma_addr().as_u64() % align as u64 != 0 {
            // Dropping frees it; NDIS broke its page-alignment promise, so refuse.
            return Err(DmaAllocError::Unsupported);
        }
        Ok(block)
    }
}

/// One block of shared memory; freed with `NdisMFreeSharedMemory` when dropped (PASSIVE).
/// The owner must have stopped the device's DMA into it first (a disabled queue).
pub struct SharedMemory {
    adapter: AdapterHandle,
    cpu: NonNull<u8>,
    physical: NDIS_PHYSICAL_ADDRESS,
    length: u32,
    cached: bool,
}

// SAFETY: shared memory is not tied to a thread; all access is volatile through `DmaMemory`.
unsafe impl Send for SharedMemory {}
// SAFETY: `&SharedMemory` only allows volatile byte/word access (the device changes the memory
// concurrently anyway, so no Rust reference into it is ever formed).
unsafe impl Sync for SharedMemory {}

impl core::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("physical", &self.physical)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

// SAFETY: NDIS returned `cpu` valid for `length` bytes until NdisMFreeSharedMemory, which only
// `drop` calls; the driver never forms references into it; `physical` is the device address of
// byte 0 as NDIS returned it.
unsafe impl DmaMemory for SharedMemory {
    fn cpu_ptr(&self) -> NonNull<u8> {
        self.cpu
    }
    fn len(&self) -> usize {
        self.length as usize
    }
    fn dma_addr(&self) -> DmaAddr {
        DmaAddr::new(self.physical.unsigned_abs())
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: the values are exactly those the allocation returned and the block is freed
        // once.
        unsafe {
            NdisMFreeSharedMemory(
                self.adapter.raw(),
                self.length,
                BOOLEAN::from(self.cached),
                self.cpu.as_ptr().cast(),
                self.physical,
            );
        };
    }
}

/// Shared memory for a vPort's queues from `NdisAllocateSharedMemory` (NDIS 6.30: the
/// `VPortId` lets Hyper-V allocate it from the VM's memory for a VMQ/vPort queue;
/// D/ndis/nf-ndis-ndisallocatesharedmemory.md). Contiguous, for descriptor rings and receive
/// buffers. Freed with `NdisFreeSharedMemory` when dropped.
pub struct VPortSharedMemory {
    adapter: AdapterHandle,
    allocation: NDIS_HANDLE,
    cpu: NonNull<u8>,
    physical: DmaAddr,
    length: u32,
}

// SAFETY: as for `SharedMemory`.
unsafe impl Send for VPortSharedMemory {}
// SAFETY: as for `SharedMemory`.
unsafe impl Sync for VPortSharedMemory {}

impl VPortSharedMemory {
    /// Allocates `len` contiguous bytes for `usage` on vPort `vport_id` (receive queue
    /// `queue_id`). PASSIVE.
    pub fn allocate(
        allocator: &SharedMemoryAllocator,
        len: usize,
        usage: NDIS_SHARED_MEMORY_USAGE,
        vport_id: NDIS_NIC_SWITCH_VPORT_ID,
        queue_id: NDIS_RECEIVE_QUEUE_ID,
    ) -> NdisResult<Self> {
        let length = u32::try_from(len).map_err(|_| NdisError::INVALID_PARAMETER)?;
        if length == 0 {
            return Err(NdisError::INVALID_PARAMETER);
        }
        // One element suffices for contiguous memory; NDIS fills it in.
        let mut list = [0u8; core::mem::size_of::<SCATTER_GATHER_LIST>()
            + core::mem::size_of::<SCATTER_GATHER_ELEMENT>()];
        let mut parameters = NDIS_SHARED_MEMORY_PARAMETERS::zeroed();
        parameters.Header = NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_DEFAULT,
            NDIS_SHARED_MEMORY_PARAMETERS_REVISION_2,
            SHARED_MEMORY_PARAMETERS_SIZE_2,
        );
        parameters.Flags = NDIS_SHARED_MEM_PARAMETERS_CONTIGUOUS;
        parameters.QueueId = queue_id;
        parameters.Usage = usage;
        parameters.Length = length;
        parameters.SGListBufferLength = list.len() as u32;
        parameters.SGListBuffer = list.as_mut_ptr().cast();
        parameters.VPortId = vport_id;
        let mut allocation: NDIS_HANDLE = core::ptr::null_mut();
        // SAFETY: the parameters and the list buffer are live locals for the call; the handle
        // is a live adapter's.
        let status = unsafe {
            NdisAllocateSharedMemory(allocator.adapter.raw(), &mut parameters, &mut allocation)
        };
        check(status)?;
        let free = |allocation: NDIS_HANDLE| {
            // SAFETY: the allocation just succeeded and is freed once, on this error path.
            unsafe { NdisFreeSharedMemory(allocator.adapter.raw(), allocation) };
        };
        let Some(cpu) = NonNull::new(parameters.VirtualAddress.cast::<u8>()) else {
            free(allocation);
            return Err(NdisError::RESOURCES);
        };
        // SAFETY: NDIS wrote a SCATTER_GATHER_LIST into `list` (the buffer we gave it).
        let header = unsafe { list.as_ptr().cast::<SCATTER_GATHER_LIST>().read_unaligned() };
        let element_offset = core::mem::size_of::<SCATTER_GATHER_LIST>();
        let element_pointer = list
            .as_ptr()
            .wrapping_add(element_offset)
            .cast::<SCATTER_GATHER_ELEMENT>();
        // SAFETY: the element lies inside `list` (sized for one element).
        let element = unsafe { element_pointer.read_unaligned() };
        let contiguous = header.NumberOfElements == 1 && element.Length >= length;
        let physical = u64::try_from(element.Address).ok().filter(|a| *a != 0);
        let (true, Some(physical)) = (contiguous, physical) else {
            free(allocation);
            return Err(NdisError::RESOURCES);
        };
        Ok(Self {
            adapter: allocator.adapter,
            allocation,
            cpu,
            physical: DmaAddr::new(physical),
            length,
        })
    }
}

// SAFETY: NDIS returned `cpu` valid for `length` contiguous bytes until NdisFreeSharedMemory,
// which only `drop` calls; `physical` is the single SG element's address (contiguity checked).
unsafe impl DmaMemory for VPortSharedMemory {
    fn cpu_ptr(&self) -> NonNull<u8> {
        self.cpu
    }
    fn len(&self) -> usize {
        self.length as usize
    }
    fn dma_addr(&self) -> DmaAddr {
        self.physical
    }
}

impl Drop for VPortSharedMemory {
    fn drop(&mut self) {
        // SAFETY: the allocation handle came from NdisAllocateSharedMemory and is freed once.
        unsafe { NdisFreeSharedMemory(self.adapter.raw(), self.allocation) };
    }
}
