//! Send NBLs built on the heap in NDIS's layout, for host tests of the data path without an
//! NDIS: any number of NET_BUFFERs, each over any MDL split with a `CurrentMdlOffset`, and the
//! out-of-band info slots set. [`HeapNblArena`] owns every object and frees them when dropped
//! (after the test got its NBLs back).

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;

use ndis_abi::*;

use crate::buffer::MDL_SOURCE_IS_NONPAGED_POOL;
use crate::nbl::NblChain;

/// One NET_BUFFER to build.
#[derive(Clone, Debug, Default)]
pub struct NbSpec {
    /// The MDLs' buffers, in order.
    pub mdls: Vec<Vec<u8>>,
    /// `CurrentMdlOffset` into the first MDL.
    pub offset: u32,
    /// `DataLength`.
    pub length: u32,
}

impl NbSpec {
    /// A NET_BUFFER whose data is exactly `frame`, split into MDLs at `splits` (byte positions).
    #[must_use]
    pub fn split(frame: &[u8], splits: &[usize]) -> Self {
        let mut mdls = Vec::new();
        let mut start = 0;
        for &split in splits {
            let split = split.clamp(start, frame.len());
            mdls.push(frame[start..split].to_vec());
            start = split;
        }
        mdls.push(frame[start..].to_vec());
        Self {
            mdls,
            offset: 0,
            length: frame.len() as u32,
        }
    }
}

/// One NBL to build.
#[derive(Clone, Debug, Default)]
pub struct NblSpec {
    /// Its NET_BUFFERs (none builds an NBL without NET_BUFFERs).
    pub net_buffers: Vec<NbSpec>,
    /// `TcpIpChecksumNetBufferListInfo` value.
    pub checksum: usize,
    /// `TcpLargeSendNetBufferListInfo` value.
    pub lso: usize,
    /// `Ieee8021QNetBufferListInfo` value.
    pub vlan: usize,
}

/// Owner of heap-built NBLs, NET_BUFFERs, MDLs and data.
#[derive(Default)]
pub struct HeapNblArena {
    nbls: Vec<NonNull<NET_BUFFER_LIST>>,
    nbs: Vec<NonNull<NET_BUFFER>>,
    mdls: Vec<NonNull<MDL>>,
    data: Vec<NonNull<[u8]>>,
}

impl HeapNblArena {
    /// An empty arena.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds one NBL (as a one-NBL chain).
    pub fn build(&mut self, spec: &NblSpec) -> NblChain {
        let mut first_nb: *mut NET_BUFFER = core::ptr::null_mut();
        let mut last_nb: Option<NonNull<NET_BUFFER>> = None;
        for nb_spec in &spec.net_buffers {
            let mut first_mdl: *mut MDL = core::ptr::null_mut();
            let mut last_mdl: Option<NonNull<MDL>> = None;
            for bytes in &nb_spec.mdls {
                let data = NonNull::from(Box::leak(bytes.clone().into_boxed_slice()));
                self.data.push(data);
                let mdl = NonNull::from(Box::leak(Box::new(MDL {
                    Next: core::ptr::null_mut(),
                    Size: 48,
                    MdlFlags: MDL_SOURCE_IS_NONPAGED_POOL,
                    AllocationProcessorNumber: 0,
                    Reserved: 0,
                    Process: core::ptr::null_mut(),
                    MappedSystemVa: data.as_ptr().cast(),
                    StartVa: core::ptr::null_mut(),
                    ByteCount: bytes.len() as u32,
                    ByteOffset: 0,
                })));
                self.mdls.push(mdl);
                match last_mdl {
                    // SAFETY: `previous` is an MDL this arena just built and owns.
                    Some(previous) => unsafe { (*previous.as_ptr()).Next = mdl.as_ptr() },
                    None => first_mdl = mdl.as_ptr(),
                }
                last_mdl = Some(mdl);
            }
            let mut nb = NET_BUFFER::zeroed();
            nb.NetBufferHeader.NetBufferData = NET_BUFFER_DATA {
                Next: core::ptr::null_mut(),
                CurrentMdl: first_mdl,
                CurrentMdlOffset: nb_spec.offset,
                NbDataLength: NET_BUFFER_DATA_LENGTH {
                    stDataLength: nb_spec.length as usize,
                },
                MdlChain: first_mdl,
                DataOffset: nb_spec.offset,
            };
            let nb = NonNull::from(Box::leak(Box::new(nb)));
            self.nbs.push(nb);
            match last_nb {
                Some(previous) => {
                    // SAFETY: `previous` is a NET_BUFFER this arena built and owns.
                    let header = unsafe { &mut (*previous.as_ptr()).NetBufferHeader };
                    // Writing a plain-data union member is safe.
                    header.NetBufferData.Next = nb.as_ptr();
                }
                None => first_nb = nb.as_ptr(),
            }
            last_nb = Some(nb);
        }
        let mut nbl = NET_BUFFER_LIST::zeroed();
        nbl.NetBufferListHeader.NetBufferListData = NET_BUFFER_LIST_DATA {
            Next: core::ptr::null_mut(),
            FirstNetBuffer: first_nb,
        };
        nbl.NetBufferListInfo[0] = core::ptr::without_provenance_mut(spec.checksum);
        nbl.NetBufferListInfo[2] = core::ptr::without_provenance_mut(spec.lso);
        nbl.NetBufferListInfo[4] = core::ptr::without_provenance_mut(spec.vlan);
        let nbl = NonNull::from(Box::leak(Box::new(nbl)));
        self.nbls.push(nbl);
        // SAFETY: a valid one-NBL chain this arena owns; the chain borrows it until the test
        // drops the arena after getting the NBL back.
        unsafe { NblChain::from_raw(nbl.as_ptr()) }.unwrap_or_default()
    }
}

impl Drop for HeapNblArena {
    fn drop(&mut self) {
        for nbl in self.nbls.drain(..) {
            // SAFETY: leaked by `build`, freed once.
            drop(unsafe { Box::from_raw(nbl.as_ptr()) });
        }
        for nb in self.nbs.drain(..) {
            // SAFETY: leaked by `build`, freed once.
            drop(unsafe { Box::from_raw(nb.as_ptr()) });
        }
        for mdl in self.mdls.drain(..) {
            // SAFETY: leaked by `build`, freed once.
            drop(unsafe { Box::from_raw(mdl.as_ptr()) });
        }
        for data in self.data.drain(..) {
            // SAFETY: leaked by `build`, freed once.
            drop(unsafe { Box::from_raw(data.as_ptr()) });
        }
    }
}
