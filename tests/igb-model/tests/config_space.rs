//! PCI configuration space: identity, BAR sizing, read-only fields, the SR-IOV capability
//! creating and destroying VFs, and FLR of a VF through its PCIe Device Control.

use hw_platform::Mmio;
use hw_platform::MsixVector;
use igb_model::config::*;
use igb_model::regs as r;
use igb_model::{Device, Function, Generation};

fn read16(dev: &Device, function: Function, offset: u32) -> u16 {
    let mut bytes = [0u8; 2];
    assert_eq!(dev.config_read(function, offset, &mut bytes), 2);
    u16::from_le_bytes(bytes)
}

fn read32(dev: &Device, function: Function, offset: u32) -> u32 {
    let mut bytes = [0u8; 4];
    assert_eq!(dev.config_read(function, offset, &mut bytes), 4);
    u32::from_le_bytes(bytes)
}

fn write16(dev: &Device, function: Function, offset: u32, value: u16) {
    assert_eq!(dev.config_write(function, offset, &value.to_le_bytes()), 2);
}

fn write32(dev: &Device, function: Function, offset: u32, value: u32) {
    assert_eq!(dev.config_write(function, offset, &value.to_le_bytes()), 4);
}

/// Walks a capability list (standard or extended) and returns the offset of `id`.
fn find_cap(dev: &Device, function: Function, id: u16, extended: bool) -> Option<u32> {
    let mut at = if extended {
        0x100
    } else {
        u32::from(read16(dev, function, 0x34) & 0xFF)
    };
    for _ in 0..64 {
        if at == 0 {
            return None;
        }
        if extended {
            let header = read32(dev, function, at);
            if header & 0xFFFF == u32::from(id) {
                return Some(at);
            }
            at = header >> 20;
        } else {
            let header = read16(dev, function, at);
            if header & 0xFF == id {
                return Some(at);
            }
            at = u32::from(header >> 8);
        }
    }
    None
}

fn enable_sriov(dev: &Device, num_vfs: u16) {
    write16(dev, Function::Pf, SRIOV_CAP + SRIOV_NUM_VFS, num_vfs);
    write16(
        dev,
        Function::Pf,
        SRIOV_CAP + SRIOV_CTRL,
        SRIOV_CTRL_VFE | SRIOV_CTRL_VF_MSE | SRIOV_CTRL_ARI,
    );
}

#[test]
fn pf_identity_and_capabilities_per_generation() {
    for (generation, pf_id, vf_id, offset, stride) in [
        (Generation::I82576, 0x10C9, 0x10CA, 0x80, 2),
        (Generation::I350, 0x1521, 0x1520, 0x180, 4),
    ] {
        let dev = Device::new(generation);
        let pf = Function::Pf;
        assert_eq!(read16(&dev, pf, 0x00), 0x8086);
        assert_eq!(read16(&dev, pf, 0x02), pf_id);
        assert_eq!(read32(&dev, pf, 0x08) >> 8, 0x02_0000, "class: Ethernet");
        let command = read16(&dev, pf, CFG_COMMAND);
        assert_eq!(
            command & (COMMAND_MSE | COMMAND_BME),
            COMMAND_MSE | COMMAND_BME
        );
        assert_eq!(find_cap(&dev, pf, 0x11, false), Some(MSIX_CAP));
        assert_eq!(
            read16(&dev, pf, MSIX_CAP + 2) & 0x7FF,
            9,
            "MSI-X table size 10"
        );
        assert_eq!(read32(&dev, pf, MSIX_CAP + 4), 3, "table in BAR3 at 0");
        assert_eq!(find_cap(&dev, pf, 0x10, false), Some(PCIE_CAP));
        assert_ne!(read32(&dev, pf, PCIE_CAP + 4) & DEVCAP_FLR, 0);
        assert_eq!(find_cap(&dev, pf, 0x000E, true), Some(ARI_CAP));
        let sriov = find_cap(&dev, pf, 0x0010, true).expect("SR-IOV capability");
        assert_eq!(sriov, 0x160);
        assert_eq!(read16(&dev, pf, sriov + SRIOV_INITIAL_VFS), 8);
        assert_eq!(read16(&dev, pf, sriov + SRIOV_TOTAL_VFS), 8);
        assert_eq!(read16(&dev, pf, sriov + SRIOV_VF_OFFSET), offset);
        assert_eq!(read16(&dev, pf, sriov + SRIOV_VF_STRIDE), stride);
        assert_eq!(read16(&dev, pf, sriov + SRIOV_VF_DEVICE_ID), vf_id);
    }
}

#[test]
fn bars_size_and_read_only_fields_ignore_writes() {
    let dev = Device::new(Generation::I82576);
    let pf = Function::Pf;
    // BAR sizing: write all-ones, read back the size mask.
    write32(&dev, pf, 0x10, u32::MAX);
    assert_eq!(read32(&dev, pf, 0x10), 0xFFFE_0000, "BAR0: 128 KiB memory");
    write32(&dev, pf, 0x1C, u32::MAX);
    assert_eq!(read32(&dev, pf, 0x1C), 0xFFFF_C004, "BAR3: 16 KiB, 64-bit");
    write32(&dev, pf, SRIOV_CAP + SRIOV_VF_BAR0, u32::MAX);
    assert_eq!(
        read32(&dev, pf, SRIOV_CAP + SRIOV_VF_BAR0),
        0xFFFF_C00C,
        "VF BAR0: 16 KiB, 64-bit prefetchable"
    );
    // Read-only: IDs, TotalVFs, VF offset/stride, VF device ID.
    write32(&dev, pf, 0x00, 0x1234_5678);
    assert_eq!(read32(&dev, pf, 0x00), 0x10C9_8086);
    write16(&dev, pf, SRIOV_CAP + SRIOV_TOTAL_VFS, 64);
    write16(&dev, pf, SRIOV_CAP + SRIOV_VF_OFFSET, 1);
    write16(&dev, pf, SRIOV_CAP + SRIOV_VF_DEVICE_ID, 0);
    assert_eq!(read16(&dev, pf, SRIOV_CAP + SRIOV_TOTAL_VFS), 8);
    assert_eq!(read16(&dev, pf, SRIOV_CAP + SRIOV_VF_OFFSET), 0x80);
    assert_eq!(read16(&dev, pf, SRIOV_CAP + SRIOV_VF_DEVICE_ID), 0x10CA);
    // Past 4 KiB nothing is done; a partial access at the end is clipped.
    let mut out = [0u8; 4];
    assert_eq!(dev.config_read(pf, 0x1000, &mut out), 0);
    assert_eq!(dev.config_write(pf, 0x2000, &[1, 2]), 0);
    assert_eq!(dev.config_read(pf, 0xFFE, &mut out), 2);
    // A VF that does not exist has no config space.
    assert_eq!(dev.config_read(Function::Vf(0), 0, &mut out), 0);
}

#[test]
fn vf_enable_creates_and_disable_destroys_vfs() {
    let dev = Device::new(Generation::I82576);
    enable_sriov(&dev, 3);
    assert_eq!(dev.num_vfs(), 3);
    let pf_status = dev.pf_bar().read32(r::STATUS);
    assert_eq!((pf_status >> r::STATUS_NUM_VFS_SHIFT) & 0xF, 3);
    // A VF's config space: Vendor/Device ID read 0xFFFF (SR-IOV 3.4.1.1), MSI-X with 3.
    let vf = Function::Vf(2);
    assert_eq!(read32(&dev, vf, 0x00), 0xFFFF_FFFF);
    assert_eq!(find_cap(&dev, vf, 0x11, false), Some(MSIX_CAP));
    assert_eq!(read16(&dev, vf, MSIX_CAP + 2) & 0x7FF, 2);
    assert_eq!(find_cap(&dev, vf, 0x10, false), Some(PCIE_CAP));
    let mut none = [0u8; 4];
    assert_eq!(dev.config_read(Function::Vf(3), 0, &mut none), 0);
    // The VF's BAR decodes: VTSTATUS mirrors the PF's STATUS.
    let bar = dev.vf_bar(2);
    assert_ne!(bar.read32(r::VTSTATUS) & r::STATUS_LU, 0);

    // VF MSE off: the VF BAR stops decoding.
    write16(
        &dev,
        Function::Pf,
        SRIOV_CAP + SRIOV_CTRL,
        SRIOV_CTRL_VFE | SRIOV_CTRL_ARI,
    );
    assert_eq!(bar.read32(r::VTSTATUS), u32::MAX);
    assert_eq!(dev.num_vfs(), 3);

    // VF Enable off: the VFs are gone, their BARs read all-ones, no config space.
    write16(&dev, Function::Pf, SRIOV_CAP + SRIOV_CTRL, 0);
    assert_eq!(dev.num_vfs(), 0);
    assert_eq!(bar.read32(r::VTSTATUS), u32::MAX);
    assert_eq!(dev.config_read(vf, 0, &mut none), 0);
    assert_eq!(dev.pf_bar().read32(r::STATUS) & r::STATUS_IOV_MODE, 0);
}

#[test]
fn invalid_num_vfs_enables_nothing_and_num_vfs_is_frozen_while_enabled() {
    let dev = Device::new(Generation::I350);
    enable_sriov(&dev, 9);
    assert_eq!(dev.num_vfs(), 0, "NumVFs above TotalVFs enables nothing");
    assert_eq!(dev.counters().sriov_invalid_enables, 1);
    write16(&dev, Function::Pf, SRIOV_CAP + SRIOV_CTRL, 0);

    enable_sriov(&dev, 2);
    assert_eq!(dev.num_vfs(), 2);
    // SR-IOV 3.3.10: NumVFs may not change while VF Enable is set.
    write16(&dev, Function::Pf, SRIOV_CAP + SRIOV_NUM_VFS, 5);
    assert_eq!(read16(&dev, Function::Pf, SRIOV_CAP + SRIOV_NUM_VFS), 2);
    assert_eq!(dev.num_vfs(), 2);
    // All 8 VFs (TotalVFs) can be created through config space.
    write16(&dev, Function::Pf, SRIOV_CAP + SRIOV_CTRL, 0);
    enable_sriov(&dev, 8);
    assert_eq!(dev.num_vfs(), 8);
}

#[test]
fn enable_vfs_is_mirrored_in_the_capability() {
    let dev = Device::new(Generation::I82576);
    dev.enable_vfs(4).unwrap();
    assert_eq!(read16(&dev, Function::Pf, SRIOV_CAP + SRIOV_NUM_VFS), 4);
    assert_ne!(
        read16(&dev, Function::Pf, SRIOV_CAP + SRIOV_CTRL) & SRIOV_CTRL_VFE,
        0
    );
    dev.enable_vfs(0).unwrap();
    assert_eq!(
        read16(&dev, Function::Pf, SRIOV_CAP + SRIOV_CTRL) & SRIOV_CTRL_VFE,
        0
    );
}

#[test]
fn flr_through_vf_device_control_resets_that_vf() {
    let dev = Device::new(Generation::I82576);
    enable_sriov(&dev, 2);
    let pf = dev.pf_bar();
    pf.write32(r::GPIE, r::GPIE_MSIX_MODE);
    pf.write32(r::IVAR_MISC, r::IVAR_VALID << 8);
    pf.write32(r::IMS, r::ICR_VMMB);
    pf.write32(r::EIMS, 1);
    pf.write32(r::VFRE, 0b11);
    pf.write32(r::VFTE, 0b11);
    let vf1 = dev.vf_bar(1);
    vf1.write32(0x2800 + r::Q_DCTL, r::DCTL_ENABLE);
    // The MSI-X enable bit of VF 1 is set by its driver; FLR clears it.
    write16(&dev, Function::Vf(1), MSIX_CAP + 2, 0x8000);
    assert!(dev.take_interrupts(Function::Pf).is_empty());

    let devctl = PCIE_CAP + PCIE_DEVCTL;
    let before = read16(&dev, Function::Vf(1), devctl);
    write16(&dev, Function::Vf(1), devctl, before | DEVCTL_FLR);
    assert_eq!(
        read16(&dev, Function::Vf(1), devctl) & DEVCTL_FLR,
        0,
        "Initiate FLR reads back 0"
    );
    assert_eq!(pf.read32(r::VFLRE), 1 << 1, "the PF sees VF 1's FLR");
    assert_eq!(pf.read32(r::VFRE), 0b01);
    assert_eq!(vf1.read32(0x2800 + r::Q_DCTL) & r::DCTL_ENABLE, 0);
    assert_eq!(read16(&dev, Function::Vf(1), MSIX_CAP + 2) & 0x8000, 0);
    assert_eq!(dev.take_interrupts(Function::Pf), vec![MsixVector(0)]);
    // VF 0 untouched; writing Device Control without bit 15 resets nothing.
    write16(&dev, Function::Vf(0), devctl, before);
    assert_eq!(pf.read32(r::VFLRE), 1 << 1);
    assert_eq!(dev.counters().function_level_resets, 1);
}
