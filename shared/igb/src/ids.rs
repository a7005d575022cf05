//! PCI identity of the igb family: the single source of truth for the device IDs the drivers
//! bind to. The INF files list exactly these (checked by `tests/inf-check`).
//!
//! Source: `igb-hardware.md` §1.1 (82576 and I350 datasheets; DPDK `e1000_hw.h` for the
//! Hyper-V VF IDs 0x152D / 0x152F).

/// Intel's PCI vendor ID.
pub const INTEL_VENDOR_ID: u16 = 0x8086;

/// The silicon generation, where it changes driver behaviour.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Generation {
    /// 82576 (QEMU's igb model): 8 pools, 16 queues.
    I82576,
    /// I350: 8 pools, 8 queues.
    I350,
}

/// One PCI device ID with what it is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DeviceId {
    /// PCI device ID (vendor [`INTEL_VENDOR_ID`]).
    pub device_id: u16,
    /// Silicon generation.
    pub generation: Generation,
    /// Human-readable name (as the INF's device description).
    pub name: &'static str,
}

/// Physical Function device IDs (bound by `pf-miniport`).
pub const PF_DEVICE_IDS: &[DeviceId] = &[
    DeviceId {
        device_id: 0x10C9,
        generation: Generation::I82576,
        name: "Intel 82576 Gigabit Network Connection (copper)",
    },
    DeviceId {
        device_id: 0x10E6,
        generation: Generation::I82576,
        name: "Intel 82576 Gigabit Network Connection (fiber)",
    },
    DeviceId {
        device_id: 0x10E7,
        generation: Generation::I82576,
        name: "Intel 82576 Gigabit Network Connection (SerDes)",
    },
    DeviceId {
        device_id: 0x10E8,
        generation: Generation::I82576,
        name: "Intel 82576 Gigabit Network Connection (quad copper)",
    },
    DeviceId {
        device_id: 0x1526,
        generation: Generation::I82576,
        name: "Intel 82576 Gigabit Network Connection (quad copper ET2)",
    },
    DeviceId {
        device_id: 0x150A,
        generation: Generation::I82576,
        name: "Intel 82576NS Gigabit Network Connection",
    },
    DeviceId {
        device_id: 0x1518,
        generation: Generation::I82576,
        name: "Intel 82576NS Gigabit Network Connection (SerDes)",
    },
    DeviceId {
        device_id: 0x150D,
        generation: Generation::I82576,
        name: "Intel 82576 Gigabit Network Connection (SerDes quad)",
    },
    DeviceId {
        device_id: 0x1521,
        generation: Generation::I350,
        name: "Intel I350 Gigabit Network Connection (copper)",
    },
    DeviceId {
        device_id: 0x1522,
        generation: Generation::I350,
        name: "Intel I350 Gigabit Network Connection (fiber)",
    },
    DeviceId {
        device_id: 0x1523,
        generation: Generation::I350,
        name: "Intel I350 Gigabit Network Connection (SerDes)",
    },
    DeviceId {
        device_id: 0x1524,
        generation: Generation::I350,
        name: "Intel I350 Gigabit Network Connection (SGMII)",
    },
    DeviceId {
        device_id: 0x1546,
        generation: Generation::I350,
        name: "Intel I350 Gigabit Network Connection (DA4)",
    },
];

/// Virtual Function device IDs (bound by `vf-miniport`), including the Hyper-V variants.
pub const VF_DEVICE_IDS: &[DeviceId] = &[
    DeviceId {
        device_id: 0x10CA,
        generation: Generation::I82576,
        name: "Intel 82576 Virtual Function",
    },
    DeviceId {
        device_id: 0x152D,
        generation: Generation::I82576,
        name: "Intel 82576 Virtual Function (Hyper-V)",
    },
    DeviceId {
        device_id: 0x1520,
        generation: Generation::I350,
        name: "Intel I350 Virtual Function",
    },
    DeviceId {
        device_id: 0x152F,
        generation: Generation::I350,
        name: "Intel I350 Virtual Function (Hyper-V)",
    },
];

/// The generation of a PF device ID, or `None` if the drivers do not support it.
#[must_use]
pub fn pf_generation(device_id: u16) -> Option<Generation> {
    PF_DEVICE_IDS
        .iter()
        .find(|id| id.device_id == device_id)
        .map(|id| id.generation)
}

/// The generation of a VF device ID, or `None` if the drivers do not support it.
#[must_use]
pub fn vf_generation(device_id: u16) -> Option<Generation> {
    VF_DEVICE_IDS
        .iter()
        .find(|id| id.device_id == device_id)
        .map(|id| id.generation)
}

/// The VF device ID a PF of `generation` exposes (what `OID_SRIOV_VF_VENDOR_DEVICE_ID` reports).
#[must_use]
pub const fn vf_device_id_for(generation: Generation) -> u16 {
    match generation {
        Generation::I82576 => 0x10CA,
        Generation::I350 => 0x1520,
    }
}
