//! The lab scenario.
//!
//! `cargo run -p lab -- [--sriov 0|1] [--vmq 0|1] [--rss 0|1] [--vlan-filtering 0|1]
//! [--sriov-preferred 0|1] [--rss-or-vmq-preference 0|1] [--num-vfs N] [--device 0xID]`
//!
//! Applies the PF's keyword precedence to the chosen registry values and prints what
//! `Get-NetAdapterAdvancedProperty` and `Get-NetAdapterSriov` would show, with the hardware and
//! current capability structures the PF reports to NDIS. This is the PF driver's own
//! keyword/capability code (`pf_miniport::keywords`, `pf_miniport::capabilities`); running the
//! whole driver lifecycle through the NDIS emulator is the next step of the lab.

use std::collections::BTreeMap;
use std::process::ExitCode;

use igb::ids::{PF_DEVICE_IDS, pf_generation};
use ndis::config::KeywordSource;
use pf_miniport::capabilities::{MAX_VFS, pf_capabilities};
use pf_miniport::keywords::{self, requested_vfs, select_features};

/// The registry the lab reads, recording which keywords the driver read.
struct Registry {
    values: BTreeMap<&'static str, u32>,
    read: Vec<String>,
}

impl KeywordSource for Registry {
    fn read_integer(&mut self, keyword: &str) -> Option<u32> {
        self.read.push(keyword.to_string());
        self.values.get(keyword).copied()
    }
}

const OPTIONS: &[(&str, &str)] = &[
    ("--sriov", keywords::SRIOV),
    ("--vmq", keywords::VMQ),
    ("--rss", keywords::RSS),
    ("--vlan-filtering", keywords::VMQ_VLAN_FILTERING),
    ("--sriov-preferred", keywords::SRIOV_PREFERRED),
    ("--rss-or-vmq-preference", keywords::RSS_OR_VMQ_PREFERENCE),
    ("--num-vfs", keywords::NUM_VFS),
];

fn parse_number(text: &str) -> Option<u32> {
    match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn usage() -> String {
    let names: Vec<&str> = OPTIONS.iter().map(|(flag, _)| *flag).collect();
    format!(
        "usage: lab [{} VALUE]... [--device 0xID]",
        names.join(" VALUE] [")
    )
}

fn main() -> ExitCode {
    let mut registry = Registry {
        values: BTreeMap::new(),
        read: Vec::new(),
    };
    // What a Windows Server host with the INF defaults and SR-IOV preferred by the vSwitch has.
    registry.values.insert(keywords::SRIOV_PREFERRED, 1);
    registry.values.insert(keywords::RSS_OR_VMQ_PREFERENCE, 1);
    registry.values.insert(keywords::SRIOV, 1);
    registry.values.insert(keywords::VMQ, 1);
    registry.values.insert(keywords::VMQ_VLAN_FILTERING, 1);
    registry.values.insert(keywords::NUM_VFS, MAX_VFS);
    let mut device = 0x10C9u16;

    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next().as_deref().and_then(parse_number) else {
            eprintln!("{flag}: missing or bad value\n{}", usage());
            return ExitCode::from(2);
        };
        if flag == "--device" {
            match u16::try_from(value) {
                Ok(id) => device = id,
                Err(_) => {
                    eprintln!("--device: not a PCI device id");
                    return ExitCode::from(2);
                }
            }
            continue;
        }
        match OPTIONS.iter().find(|(name, _)| *name == flag) {
            Some((_, keyword)) => {
                registry.values.insert(keyword, value);
            }
            None => {
                eprintln!("unknown option {flag}\n{}", usage());
                return ExitCode::from(2);
            }
        }
    }
    let Some(generation) = pf_generation(device) else {
        eprintln!("device 0x{device:04X} is not a supported igb PF");
        return ExitCode::from(2);
    };
    let name = PF_DEVICE_IDS
        .iter()
        .find(|id| id.device_id == device)
        .map_or("?", |id| id.name);

    let selection = select_features(&mut registry);
    let num_vfs = if selection.sriov {
        requested_vfs(&mut registry, MAX_VFS)
    } else {
        0
    };
    let caps = pf_capabilities(generation, selection, num_vfs);

    println!("PF: {name} (8086:{device:04X}, {generation:?})");
    println!();
    println!("Get-NetAdapterAdvancedProperty (registry values the driver was given)");
    println!("{:<24} {:>8}", "RegistryKeyword", "Value");
    for (keyword, value) in &registry.values {
        println!("{keyword:<24} {value:>8}");
    }
    let mut read = registry.read.clone();
    read.dedup();
    println!("keywords read, in order: {}", read.join(", "));
    println!();
    println!(
        "Feature selected (keyword precedence): {}",
        selection.describe()
    );
    println!();
    println!("Get-NetAdapterSriov");
    let sriov_support = if caps.hardware_sriov.SriovCapabilities != 0 {
        "Supported"
    } else {
        "MissingPfDriver"
    };
    println!("{:<34} {}", "Enabled", selection.sriov);
    println!("{:<34} {}", "SriovSupport", sriov_support);
    println!(
        "{:<34} {}",
        "SwitchName",
        if selection.sriov {
            "Default Switch"
        } else {
            ""
        }
    );
    println!("{:<34} {}", "NumVFs", caps.current_nic_switch.MaxNumVFs);
    println!(
        "{:<34} {}",
        "NumVPorts", caps.current_nic_switch.MaxNumVPorts
    );
    println!(
        "{:<34} {}",
        "NumQueuePairsForNonDefaultVPorts",
        caps.current_nic_switch.MaxNumQueuePairsPerNonDefaultVPort
    );
    println!();
    println!("Capabilities reported to NDIS (hardware / current)");
    println!("{:<44} {:>10} {:>10}", "field", "hardware", "current");
    let rows: [(&str, u32, u32); 10] = [
        (
            "SRIOV.SriovCapabilities",
            caps.hardware_sriov.SriovCapabilities,
            caps.current_sriov.SriovCapabilities,
        ),
        (
            "NicSwitch.MaxNumVFs",
            caps.hardware_nic_switch.MaxNumVFs,
            caps.current_nic_switch.MaxNumVFs,
        ),
        (
            "NicSwitch.MaxNumVPorts",
            caps.hardware_nic_switch.MaxNumVPorts,
            caps.current_nic_switch.MaxNumVPorts,
        ),
        (
            "NicSwitch.MaxNumQueuePairs",
            caps.hardware_nic_switch.MaxNumQueuePairs,
            caps.current_nic_switch.MaxNumQueuePairs,
        ),
        (
            "NicSwitch.MaxNumMacAddresses",
            caps.hardware_nic_switch.MaxNumMacAddresses,
            caps.current_nic_switch.MaxNumMacAddresses,
        ),
        (
            "NicSwitch.NicSwitchCapabilities",
            caps.hardware_nic_switch.NicSwitchCapabilities,
            caps.current_nic_switch.NicSwitchCapabilities,
        ),
        (
            "ReceiveFilter.EnabledFilterTypes",
            caps.hardware_receive_filter.EnabledFilterTypes,
            caps.current_receive_filter.EnabledFilterTypes,
        ),
        (
            "ReceiveFilter.EnabledQueueTypes",
            caps.hardware_receive_filter.EnabledQueueTypes,
            caps.current_receive_filter.EnabledQueueTypes,
        ),
        (
            "ReceiveFilter.NumQueues",
            caps.hardware_receive_filter.NumQueues,
            caps.current_receive_filter.NumQueues,
        ),
        (
            "ReceiveFilter.SupportedMacHeaderFields",
            caps.hardware_receive_filter.SupportedMacHeaderFields,
            caps.current_receive_filter.SupportedMacHeaderFields,
        ),
    ];
    for (field, hardware, current) in rows {
        println!("{field:<44} {hardware:>#10x} {current:>#10x}");
    }
    match caps.rss {
        Some(rss) => println!(
            "RSS capabilities: {} receive queues, flags {:#x}",
            rss.NumberOfReceiveQueues, rss.CapabilitiesFlags
        ),
        None => println!("RSS capabilities: not reported"),
    }
    println!();
    println!("Data path: not wired to the hardware yet: the drivers report media disconnected.");
    ExitCode::SUCCESS
}
