//! The slice of Linux `include/uapi/linux/vfio.h` this backend uses: ioctl numbers, flags and
//! `#[repr(C)]` argument structures with the kernel's field names.
//!
//! Every VFIO ioctl is `_IO(';', 100 + n)` (the header deliberately uses `_IO` and passes
//! `argsz` in the structures instead of encoding sizes in the number), so the number is
//! `(';' << 8) | (100 + n)`. Sizes are pinned by compile-time asserts below and the values by
//! unit tests against numbers read from the header.
#![allow(
    non_camel_case_types,
    reason = "structure names are the kernel's, so they can be grepped against vfio.h"
)]

use core::mem::size_of;

/// `VFIO_TYPE`: the ioctl type character.
const VFIO_TYPE: u32 = b';' as u32;
/// `VFIO_BASE`: the first VFIO ioctl number.
const VFIO_BASE: u32 = 100;

/// `_IO(VFIO_TYPE, VFIO_BASE + n)`: direction and size bits are zero for `_IO`.
const fn vfio_io(n: u32) -> u32 {
    (VFIO_TYPE << 8) | (VFIO_BASE + n)
}

/// The API version this code speaks (`VFIO_API_VERSION`).
pub const VFIO_API_VERSION: i32 = 0;
/// `VFIO_TYPE1v2_IOMMU`: the x86 IOMMU backend with v2 unmap semantics.
pub const VFIO_TYPE1V2_IOMMU: u32 = 3;

/// `VFIO_GET_API_VERSION` (container).
pub const VFIO_GET_API_VERSION: u32 = vfio_io(0);
/// `VFIO_CHECK_EXTENSION` (container).
pub const VFIO_CHECK_EXTENSION: u32 = vfio_io(1);
/// `VFIO_SET_IOMMU` (container).
pub const VFIO_SET_IOMMU: u32 = vfio_io(2);
/// `VFIO_GROUP_GET_STATUS` (group).
pub const VFIO_GROUP_GET_STATUS: u32 = vfio_io(3);
/// `VFIO_GROUP_SET_CONTAINER` (group).
pub const VFIO_GROUP_SET_CONTAINER: u32 = vfio_io(4);
/// `VFIO_GROUP_GET_DEVICE_FD` (group).
pub const VFIO_GROUP_GET_DEVICE_FD: u32 = vfio_io(6);
/// `VFIO_DEVICE_GET_INFO` (device).
pub const VFIO_DEVICE_GET_INFO: u32 = vfio_io(7);
/// `VFIO_DEVICE_GET_REGION_INFO` (device).
pub const VFIO_DEVICE_GET_REGION_INFO: u32 = vfio_io(8);
/// `VFIO_DEVICE_GET_IRQ_INFO` (device).
pub const VFIO_DEVICE_GET_IRQ_INFO: u32 = vfio_io(9);
/// `VFIO_DEVICE_SET_IRQS` (device).
pub const VFIO_DEVICE_SET_IRQS: u32 = vfio_io(10);
/// `VFIO_DEVICE_RESET` (device).
pub const VFIO_DEVICE_RESET: u32 = vfio_io(11);
/// `VFIO_IOMMU_MAP_DMA` (container).
pub const VFIO_IOMMU_MAP_DMA: u32 = vfio_io(13);
/// `VFIO_IOMMU_UNMAP_DMA` (container).
pub const VFIO_IOMMU_UNMAP_DMA: u32 = vfio_io(14);
/// `VFIO_DEVICE_FEATURE` (device).
pub const VFIO_DEVICE_FEATURE: u32 = vfio_io(17);

/// `VFIO_GROUP_FLAGS_VIABLE`: every device of the group is bound to a VFIO driver (or none).
pub const VFIO_GROUP_FLAGS_VIABLE: u32 = 1 << 0;
/// `VFIO_DEVICE_FLAGS_RESET`: the device supports `VFIO_DEVICE_RESET`.
pub const VFIO_DEVICE_FLAGS_RESET: u32 = 1 << 0;
/// `VFIO_DEVICE_FLAGS_PCI`: a vfio-pci device.
pub const VFIO_DEVICE_FLAGS_PCI: u32 = 1 << 1;
/// `VFIO_REGION_INFO_FLAG_READ`.
pub const VFIO_REGION_INFO_FLAG_READ: u32 = 1 << 0;
/// `VFIO_REGION_INFO_FLAG_WRITE`.
pub const VFIO_REGION_INFO_FLAG_WRITE: u32 = 1 << 1;
/// `VFIO_REGION_INFO_FLAG_MMAP`.
pub const VFIO_REGION_INFO_FLAG_MMAP: u32 = 1 << 2;
/// `VFIO_IRQ_INFO_EVENTFD`: the index can signal through eventfds.
pub const VFIO_IRQ_INFO_EVENTFD: u32 = 1 << 0;
/// `VFIO_IRQ_SET_DATA_NONE`.
pub const VFIO_IRQ_SET_DATA_NONE: u32 = 1 << 0;
/// `VFIO_IRQ_SET_DATA_EVENTFD`.
pub const VFIO_IRQ_SET_DATA_EVENTFD: u32 = 1 << 2;
/// `VFIO_IRQ_SET_ACTION_TRIGGER`.
pub const VFIO_IRQ_SET_ACTION_TRIGGER: u32 = 1 << 5;
/// `VFIO_DEVICE_FEATURE_SET`.
pub const VFIO_DEVICE_FEATURE_SET: u32 = 1 << 17;
/// `VFIO_DEVICE_FEATURE_PCI_VF_TOKEN` (feature index 0).
pub const VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: u32 = 0;
/// `VFIO_DMA_MAP_FLAG_READ`: the device may read the mapping.
pub const VFIO_DMA_MAP_FLAG_READ: u32 = 1 << 0;
/// `VFIO_DMA_MAP_FLAG_WRITE`: the device may write the mapping.
pub const VFIO_DMA_MAP_FLAG_WRITE: u32 = 1 << 1;

/// `VFIO_PCI_BAR0_REGION_INDEX` .. BAR5 are regions 0..=5.
pub const VFIO_PCI_BAR5_REGION_INDEX: u32 = 5;
/// `VFIO_PCI_CONFIG_REGION_INDEX`.
pub const VFIO_PCI_CONFIG_REGION_INDEX: u32 = 7;
/// `VFIO_PCI_MSIX_IRQ_INDEX`.
pub const VFIO_PCI_MSIX_IRQ_INDEX: u32 = 2;

/// `struct vfio_group_status`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vfio_group_status {
    /// Size of this structure.
    pub argsz: u32,
    /// `VFIO_GROUP_FLAGS_*`.
    pub flags: u32,
}

/// `struct vfio_device_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vfio_device_info {
    /// Size of this structure.
    pub argsz: u32,
    /// `VFIO_DEVICE_FLAGS_*`.
    pub flags: u32,
    /// Max region index + 1.
    pub num_regions: u32,
    /// Max IRQ index + 1.
    pub num_irqs: u32,
    /// Offset of the first capability (unused here).
    pub cap_offset: u32,
}

/// `struct vfio_region_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vfio_region_info {
    /// Size of this structure.
    pub argsz: u32,
    /// `VFIO_REGION_INFO_FLAG_*`.
    pub flags: u32,
    /// Region index.
    pub index: u32,
    /// Offset of the first capability (unused here).
    pub cap_offset: u32,
    /// Region size in bytes.
    pub size: u64,
    /// Region offset from the start of the device fd.
    pub offset: u64,
}

/// `struct vfio_irq_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vfio_irq_info {
    /// Size of this structure.
    pub argsz: u32,
    /// `VFIO_IRQ_INFO_*`.
    pub flags: u32,
    /// IRQ index.
    pub index: u32,
    /// Number of IRQs within this index.
    pub count: u32,
}

/// `struct vfio_irq_set` without its flexible `data[]` tail (the eventfds follow it).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vfio_irq_set {
    /// Size of this structure plus the data that follows.
    pub argsz: u32,
    /// `VFIO_IRQ_SET_DATA_*` | `VFIO_IRQ_SET_ACTION_*`.
    pub flags: u32,
    /// IRQ index.
    pub index: u32,
    /// First sub-index.
    pub start: u32,
    /// Number of sub-indexes.
    pub count: u32,
}

/// `struct vfio_device_feature` with the 16-byte UUID payload of
/// `VFIO_DEVICE_FEATURE_PCI_VF_TOKEN` as its `data[]`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vfio_device_feature_vf_token {
    /// Size of this structure.
    pub argsz: u32,
    /// Feature index | `VFIO_DEVICE_FEATURE_{GET,SET,PROBE}`.
    pub flags: u32,
    /// The UUID bytes.
    pub uuid: [u8; 16],
}

/// `struct vfio_iommu_type1_dma_map`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vfio_iommu_type1_dma_map {
    /// Size of this structure.
    pub argsz: u32,
    /// `VFIO_DMA_MAP_FLAG_*`.
    pub flags: u32,
    /// Process virtual address.
    pub vaddr: u64,
    /// IO virtual address (what the device uses).
    pub iova: u64,
    /// Length in bytes.
    pub size: u64,
}

/// `struct vfio_iommu_type1_dma_unmap` without its flexible `data[]` tail.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vfio_iommu_type1_dma_unmap {
    /// Size of this structure.
    pub argsz: u32,
    /// `VFIO_DMA_UNMAP_FLAG_*`.
    pub flags: u32,
    /// IO virtual address.
    pub iova: u64,
    /// Length in bytes; the kernel writes back how much it unmapped.
    pub size: u64,
}

// Sizes as `sizeof` reports them for the kernel header (x86-64; flexible arrays add nothing).
const _: () = assert!(size_of::<vfio_group_status>() == 8);
const _: () = assert!(size_of::<vfio_device_info>() == 20);
const _: () = assert!(size_of::<vfio_region_info>() == 32);
const _: () = assert!(size_of::<vfio_irq_info>() == 16);
const _: () = assert!(size_of::<vfio_irq_set>() == 20);
const _: () = assert!(size_of::<vfio_device_feature_vf_token>() == 8 + 16);
const _: () = assert!(size_of::<vfio_iommu_type1_dma_map>() == 32);
const _: () = assert!(size_of::<vfio_iommu_type1_dma_unmap>() == 24);

/// `argsz` for a structure (all are far below `u32::MAX`).
pub const fn argsz<T>() -> u32 {
    size_of::<T>() as u32
}

#[cfg(test)]
mod tests {
    use core::mem::offset_of;

    use super::*;

    /// Numbers as the C preprocessor expands them from `linux/vfio.h` (checked with a probe
    /// compiled against the host's header).
    #[test]
    fn ioctl_numbers_match_the_kernel_header() {
        let expected = [
            (VFIO_GET_API_VERSION, 0x3b64),
            (VFIO_CHECK_EXTENSION, 0x3b65),
            (VFIO_SET_IOMMU, 0x3b66),
            (VFIO_GROUP_GET_STATUS, 0x3b67),
            (VFIO_GROUP_SET_CONTAINER, 0x3b68),
            (VFIO_GROUP_GET_DEVICE_FD, 0x3b6a),
            (VFIO_DEVICE_GET_INFO, 0x3b6b),
            (VFIO_DEVICE_GET_REGION_INFO, 0x3b6c),
            (VFIO_DEVICE_GET_IRQ_INFO, 0x3b6d),
            (VFIO_DEVICE_SET_IRQS, 0x3b6e),
            (VFIO_DEVICE_RESET, 0x3b6f),
            (VFIO_IOMMU_MAP_DMA, 0x3b71),
            (VFIO_IOMMU_UNMAP_DMA, 0x3b72),
            (VFIO_DEVICE_FEATURE, 0x3b75),
        ];
        for (actual, header) in expected {
            assert_eq!(actual, header, "ioctl {actual:#x} should be {header:#x}");
        }
    }

    #[test]
    fn field_offsets_match_the_kernel_header() {
        assert_eq!(offset_of!(vfio_device_info, num_irqs), 12);
        assert_eq!(offset_of!(vfio_region_info, size), 16);
        assert_eq!(offset_of!(vfio_region_info, offset), 24);
        assert_eq!(offset_of!(vfio_irq_set, count), 16);
        assert_eq!(offset_of!(vfio_device_feature_vf_token, uuid), 8);
        assert_eq!(offset_of!(vfio_iommu_type1_dma_map, vaddr), 8);
        assert_eq!(offset_of!(vfio_iommu_type1_dma_map, size), 24);
        assert_eq!(offset_of!(vfio_iommu_type1_dma_unmap, size), 16);
    }

    #[test]
    fn flag_values_match_the_kernel_header() {
        assert_eq!(VFIO_TYPE1V2_IOMMU, 3);
        assert_eq!(VFIO_PCI_CONFIG_REGION_INDEX, 7);
        assert_eq!(VFIO_PCI_MSIX_IRQ_INDEX, 2);
        assert_eq!(
            VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
            0x2_0000
        );
        assert_eq!(
            VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
            0x24
        );
        assert_eq!(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0x21);
    }
}
