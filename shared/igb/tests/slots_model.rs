//! `FilterSlots::apply` against the device model: the registers the hardware holds follow the
//! allocator, only changed registers are written, and `release_all` of a VF restores exactly
//! the registers from before it took anything.

use igb::filters::{RarEntry, VlanId, VlvfEntry};
use igb::regs::pf;
use igb::regs::{PfRegisters, PoolMask};
use igb::slots::{FilterSlots, Owner};
use igb_model::{Device, Generation};

const GEN: Generation = Generation::I350;

fn snapshot(regs: &PfRegisters<igb_model::PfBar>) -> Vec<u32> {
    let mut all = Vec::new();
    for index in 0..32 {
        all.push(regs.read(pf::ral(GEN, index).unwrap()));
        all.push(regs.read(pf::rah(GEN, index).unwrap()));
        all.push(regs.read(pf::vlvf(index).unwrap()));
    }
    for index in 0..pf::HASH_TABLE_REGS {
        all.push(regs.read(pf::vfta(index).unwrap()));
        all.push(regs.read(pf::mta(index).unwrap()));
    }
    all
}

#[test]
fn apply_writes_the_allocation_and_release_all_restores_it() {
    let device = Device::new(GEN);
    let regs = PfRegisters::new(device.pf_bar());
    let mut slots = FilterSlots::new(GEN, 2).unwrap();
    let pf_mac = [0x02, 0, 0, 0, 0, 0x10];
    slots.add_mac(Owner::PfPool, pf_mac).unwrap();
    slots
        .add_vlan(Owner::PfPool, VlanId::new(7).unwrap())
        .unwrap();
    slots.set_multicast(Owner::PfPool, &[0x010]).unwrap();
    assert!(slots.apply(&regs) > 0);
    assert_eq!(
        RarEntry::decode(
            regs.read(pf::ral(GEN, 0).unwrap()),
            regs.read(pf::rah(GEN, 0).unwrap())
        ),
        RarEntry::new(pf_mac, PoolMask::single(2).unwrap())
    );
    assert_eq!(slots.apply(&regs), 0, "nothing changed, nothing written");
    let before = snapshot(&regs);

    let vf_mac = [0x02, 0, 0, 0, 0, 0x21];
    let rar = slots.add_mac(Owner::Vf(1), vf_mac).unwrap();
    slots
        .add_vlan(Owner::Vf(1), VlanId::new(7).unwrap())
        .unwrap();
    slots
        .add_vlan(Owner::Vf(1), VlanId::new(300).unwrap())
        .unwrap();
    slots.set_multicast(Owner::Vf(1), &[0x010, 0x123]).unwrap();
    slots.apply(&regs);
    assert_eq!(
        RarEntry::decode(
            regs.read(pf::ral(GEN, rar).unwrap()),
            regs.read(pf::rah(GEN, rar).unwrap())
        ),
        RarEntry::new(vf_mac, PoolMask::single(1).unwrap())
    );
    let shared = VlvfEntry::decode(regs.read(pf::vlvf(0).unwrap()));
    assert_eq!(shared.pools, PoolMask(0b110), "VLAN 7 shared by PF and VF1");
    assert_ne!(snapshot(&regs), before);

    slots.release_all(Owner::Vf(1)).unwrap();
    slots.apply(&regs);
    assert_eq!(snapshot(&regs), before);
    // The PF's hash 0x010 survived VF1's release (MTA[0] bit 16).
    assert_eq!(regs.read(pf::mta(0).unwrap()), 1 << 16);

    // After a MAC reset the hardware is unknown: everything is written again.
    slots.forget_hardware();
    assert!(slots.apply(&regs) >= 32 * 3 + 32 + 2 * pf::HASH_TABLE_REGS);
    assert_eq!(snapshot(&regs), before);
}
