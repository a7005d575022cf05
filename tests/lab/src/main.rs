//! The lab scenario: loads both miniports into the user-mode NDIS emulator, runs their
//! lifecycle (DriverEntry → InitializeEx → Restart → OIDs → Pause → Halt → Unload) with a chosen
//! keyword set, and prints what Windows would show.
//!
//! `cargo run -p lab -- [--sriov 0|1] [--vmq 0|1] [--rss 0|1] [--vlan-filtering 0|1]
//! [--sriov-preferred 0|1] [--rss-or-vmq-preference 0|1] [--num-vfs N] [--device 0xID]
//! [--msix N] [--total-vfs N]`
//!
//! `--msix` is how many MSI-X messages the platform grants the PF, `--total-vfs` the SR-IOV
//! capability's TotalVFs: the platform limits behind the diagnostics (`pf_miniport::diagnostics`).
//!
//! Exit status: 0 when both drivers ran with no NDIS rule violation, 1 otherwise, 2 for bad
//! arguments.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::process::ExitCode;

use igb::ids::{PF_DEVICE_IDS, pf_generation};
use ndis_abi::*;
use ndis_emu::{AdapterConfig, EmuAdapter, EmuDriver, Violation};
use pf_miniport::keywords;

const OPTIONS: &[(&str, &str)] = &[
    ("--sriov", keywords::SRIOV),
    ("--vmq", keywords::VMQ),
    ("--rss", keywords::RSS),
    ("--vlan-filtering", keywords::VMQ_VLAN_FILTERING),
    ("--sriov-preferred", keywords::SRIOV_PREFERRED),
    ("--rss-or-vmq-preference", keywords::RSS_OR_VMQ_PREFERENCE),
    ("--num-vfs", keywords::NUM_VFS),
];

/// OIDs the lab asks each adapter, with a query buffer size.
const PROBED_OIDS: &[(&str, NDIS_OID, usize)] = &[
    (
        "OID_GEN_VENDOR_DESCRIPTION",
        OID_GEN_VENDOR_DESCRIPTION,
        128,
    ),
    (
        "OID_GEN_VENDOR_DRIVER_VERSION",
        OID_GEN_VENDOR_DRIVER_VERSION,
        4,
    ),
    ("OID_GEN_MAXIMUM_TOTAL_SIZE", OID_GEN_MAXIMUM_TOTAL_SIZE, 4),
    (
        "OID_GEN_CURRENT_PACKET_FILTER",
        OID_GEN_CURRENT_PACKET_FILTER,
        4,
    ),
    ("OID_GEN_XMIT_OK", OID_GEN_XMIT_OK, 8),
    ("OID_GEN_STATISTICS", OID_GEN_STATISTICS, 256),
    ("OID_802_3_CURRENT_ADDRESS", OID_802_3_CURRENT_ADDRESS, 6),
    (
        "OID_NIC_SWITCH_CREATE_SWITCH (not yet supported)",
        OID_NIC_SWITCH_CREATE_SWITCH,
        600,
    ),
];

/// Reads one field of NIC switch capabilities.
type SwitchField = fn(&NDIS_NIC_SWITCH_CAPABILITIES) -> u32;
/// Reads one field of receive filter capabilities.
type FilterField = fn(&NDIS_RECEIVE_FILTER_CAPABILITIES) -> u32;

fn parse_number(text: &str) -> Option<u32> {
    match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn usage() -> String {
    let names: Vec<&str> = OPTIONS.iter().map(|(flag, _)| *flag).collect();
    format!(
        "usage: lab [{} VALUE]... [--device 0xID] [--msix N] [--total-vfs N]",
        names.join(" VALUE] [")
    )
}

fn status_text(status: NDIS_STATUS) -> String {
    ndis::status::status_name(status).map_or_else(
        || format!("{:#010x}", u32::from_ne_bytes(status.to_ne_bytes())),
        str::to_string,
    )
}

fn print_oids(adapter: &EmuAdapter) {
    println!("  {:<50} {:<32} bytes", "OID", "status");
    for (name, oid, length) in PROBED_OIDS {
        let outcome = adapter.oid_query(*oid, *length);
        let bytes = if outcome.status == NDIS_STATUS_SUCCESS {
            outcome.bytes_written
        } else {
            outcome.bytes_needed
        };
        println!("  {name:<50} {:<32} {bytes}", status_text(outcome.status));
    }
}

/// The admin MAC the lab's host PF gives VF 0.
const VF_ADMIN_MAC: [u8; 6] = [0x02, 0x15, 0x5D, 0x00, 0x00, 0x01];

fn mac_text(mac: &[u8]) -> String {
    mac.iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join("-")
}

fn print_violations(who: &str, violations: &[Violation]) -> bool {
    if violations.is_empty() {
        println!("{who}: no NDIS rule violations");
        return true;
    }
    println!("{who}: {} NDIS rule violation(s):", violations.len());
    for violation in violations {
        println!(
            "  {} {} ({})",
            violation.rule, violation.message, violation.source
        );
    }
    false
}

/// What the platform gives the PF, beside its keywords.
#[derive(Clone, Copy, Default)]
struct Platform {
    /// MSI-X messages granted (default: the device's table size).
    msix: Option<u32>,
    /// The SR-IOV capability's TotalVFs (default: the silicon's).
    total_vfs: Option<u16>,
}

/// The SR-IOV diagnostics in the adapter's event log, as Event Viewer shows them with the
/// package's message file.
fn print_sriov_reasons(adapter: &EmuAdapter) {
    use pf_miniport::diagnostics::SriovReason;
    let messages =
        ndis_emu::message_file::MessageFile::parse(include_str!("../../../inf/pf_miniport.mc"));
    println!();
    println!("Why SR-IOV is not (fully) active: System event log, source pf_miniport");
    let mut any = false;
    for entry in adapter.event_log() {
        let Some(reason) = SriovReason::from_event(entry.code, &entry.values) else {
            continue;
        };
        any = true;
        let text = messages
            .as_ref()
            .ok()
            .and_then(|file| file.render(entry.code, "Ethernet"))
            .unwrap_or_else(|| format!("{reason:?}"));
        let level = if entry.code >> 30 == 2 {
            "Warning"
        } else {
            "Information"
        };
        println!(
            "  {level:<12} {:#010x}  {}",
            entry.code,
            text.replace('\n', "\n               ")
        );
        if entry.values.len() > 1 {
            println!("  {:<25}data: {:?}", "", &entry.values[1..]);
        }
    }
    if !any {
        println!("  (none: SR-IOV is active with every VF asked for)");
    }
}

fn run_pf(keywords_set: &BTreeMap<&'static str, u32>, device: u16, platform: Platform) -> bool {
    let name = PF_DEVICE_IDS
        .iter()
        .find(|id| id.device_id == device)
        .map_or("?", |id| id.name);
    println!("== PF: {name} (PCI\\VEN_8086&DEV_{device:04X}), Hyper-V parent partition");
    let driver = match EmuDriver::load(pf_miniport::miniport::portable_driver_entry) {
        Ok(driver) => driver,
        Err(error) => {
            return print_violations(
                &format!("PF DriverEntry failed ({})", status_text(error.status)),
                &error.violations,
            );
        }
    };
    let generation = igb::ids::pf_generation(device).unwrap_or(igb::ids::Generation::I82576);
    let mut builder = igb_model::Device::builder(generation);
    if let Some(total_vfs) = platform.total_vfs {
        builder = builder.total_vfs(total_vfs);
    }
    let testbed = igb_testbed::Testbed::build(builder);
    let mut config = AdapterConfig {
        device_id: device,
        ..testbed.pf_config()
    };
    if let Some(msix) = platform.msix {
        config.msix_messages = msix;
    }
    for (keyword, value) in keywords_set {
        config = config.keyword(keyword, *value);
    }
    let adapter = match driver.add_adapter(config) {
        Ok(adapter) => adapter,
        Err(error) => {
            return print_violations(
                &format!("PF InitializeEx failed ({})", status_text(error.status)),
                &error.violations,
            );
        }
    };
    println!();
    println!("Get-NetAdapterAdvancedProperty");
    println!("  {:<24} {:>8}", "RegistryKeyword", "RegistryValue");
    for (keyword, value) in keywords_set {
        println!("  {keyword:<24} {value:>8}");
    }
    let attributes = adapter.attributes();
    if let Some(general) = attributes.general.as_ref() {
        println!();
        println!("Get-NetAdapter (from the device model through NDIS)");
        println!(
            "  {:<34} {}",
            "PermanentAddress",
            mac_text(&general.permanent_mac)
        );
        println!("  {:<34} {}", "MacAddress", mac_text(&general.current_mac));
        println!(
            "  {:<34} {}",
            "MediaConnectState",
            if general.media_connect_state == MediaConnectStateConnected {
                "Connected"
            } else {
                "Disconnected"
            }
        );
        println!(
            "  {:<34} {} Mbps",
            "LinkSpeed",
            general.max_xmit_link_speed / 1_000_000
        );
    }
    let assist = attributes.hardware_assist;
    let current_sriov = assist
        .and_then(|a| a.current_sriov)
        .map_or(0, |c| c.SriovCapabilities);
    let hardware_sriov = assist
        .and_then(|a| a.hardware_sriov)
        .map_or(0, |c| c.SriovCapabilities);
    let current_switch = assist.and_then(|a| a.current_nic_switch);
    let hardware_switch = assist.and_then(|a| a.hardware_nic_switch);
    let current_filter = assist.and_then(|a| a.current_receive_filter);
    let enabled = current_sriov & NDIS_SRIOV_CAPS_SRIOV_SUPPORTED != 0;
    println!();
    println!("Get-NetAdapterSriov");
    println!("  {:<34} {}", "Enabled", enabled);
    println!(
        "  {:<34} {}",
        "SriovSupport",
        if hardware_sriov & NDIS_SRIOV_CAPS_PF_MINIPORT != 0 {
            "Supported"
        } else {
            "MissingPfDriver"
        }
    );
    println!(
        "  {:<34} {}",
        "SwitchName",
        if enabled { "Default Switch" } else { "" }
    );
    println!(
        "  {:<34} {}",
        "NumVFs",
        current_switch.map_or(0, |c| c.MaxNumVFs)
    );
    println!(
        "  {:<34} {}",
        "NumVPorts",
        current_switch.map_or(0, |c| c.MaxNumVPorts)
    );
    println!(
        "  {:<34} {}",
        "NumQueuePairsForNonDefaultVPorts",
        current_switch.map_or(0, |c| c.MaxNumQueuePairsPerNonDefaultVPort)
    );
    print_sriov_reasons(&adapter);
    println!();
    println!("Capabilities reported in NdisMSetMiniportAttributes (hardware / current)");
    println!("  {:<40} {:>10} {:>10}", "field", "hardware", "current");
    let switch_rows: [(&str, SwitchField); 4] = [
        ("NicSwitch.MaxNumVFs", |c| c.MaxNumVFs),
        ("NicSwitch.MaxNumVPorts", |c| c.MaxNumVPorts),
        ("NicSwitch.MaxNumQueuePairs", |c| c.MaxNumQueuePairs),
        ("NicSwitch.MaxNumMacAddresses", |c| c.MaxNumMacAddresses),
    ];
    println!(
        "  {:<40} {:>#10x} {:>#10x}",
        "Sriov.SriovCapabilities", hardware_sriov, current_sriov
    );
    for (field, get) in switch_rows {
        println!(
            "  {field:<40} {:>10} {:>10}",
            hardware_switch.as_ref().map_or(0, get),
            current_switch.as_ref().map_or(0, get)
        );
    }
    let filter_rows: [(&str, FilterField); 3] = [
        ("ReceiveFilter.EnabledFilterTypes", |c| c.EnabledFilterTypes),
        ("ReceiveFilter.NumQueues", |c| c.NumQueues),
        ("ReceiveFilter.SupportedMacHeaderFields", |c| {
            c.SupportedMacHeaderFields
        }),
    ];
    let hardware_filter = assist.and_then(|a| a.hardware_receive_filter);
    for (field, get) in filter_rows {
        println!(
            "  {field:<40} {:>#10x} {:>#10x}",
            hardware_filter.as_ref().map_or(0, get),
            current_filter.as_ref().map_or(0, get)
        );
    }
    let general = attributes.general;
    println!(
        "  {:<40} {}",
        "RSS capabilities",
        general.as_ref().is_some_and(|g| g.has_rss_capabilities)
    );
    let connected = general
        .as_ref()
        .is_some_and(|g| g.media_connect_state == MediaConnectStateConnected);
    println!(
        "  {:<40} {}",
        "MediaConnectState",
        if connected {
            "Connected"
        } else {
            "Disconnected (hardware not wired yet)"
        }
    );
    println!(
        "  {:<40} {}",
        "SupportedOidList entries",
        general.as_ref().map_or(0, |g| g.supported_oids.len())
    );
    adapter.restart();
    println!();
    println!("OIDs (queries while Running)");
    print_oids(&adapter);
    // What TCP/IP sets when it binds: without a packet filter the PF indicates nothing.
    let filter =
        NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_BROADCAST;
    let set = adapter.oid_set(OID_GEN_CURRENT_PACKET_FILTER, &filter.to_le_bytes());
    println!(
        "  {:<40} {}",
        "Set packet filter DIRECTED|MULTICAST|BROADCAST",
        status_text(set.status)
    );
    let traffic_clean = run_pf_traffic(&adapter, &testbed);
    adapter.pause();
    let mut clean = print_violations("PF adapter", &adapter.halt(NdisHaltDeviceDisabled));
    clean &= print_violations("PF driver", &driver.unload());
    clean && traffic_clean
}

/// Frames the lab sends and receives through the PF's default queue.
const TRAFFIC_FRAMES: usize = 1000;
/// How long the lab waits for the traffic to finish.
const TRAFFIC_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// A frame of `len` bytes from `source` to `destination`, numbered (local experimental
/// EtherType 0x88B5, IEEE 802 "for experimental use").
fn lab_frame(destination: [u8; 6], source: [u8; 6], len: usize, number: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(len);
    frame.extend_from_slice(&destination);
    frame.extend_from_slice(&source);
    frame.extend_from_slice(&0x88B5u16.to_be_bytes());
    frame.extend_from_slice(&u32::try_from(number).unwrap_or(u32::MAX).to_be_bytes());
    frame.resize(len, u8::try_from(number % 251).unwrap_or(0));
    frame
}

/// `NDIS_STATISTICS_INFO` counters the PF reports, from `OID_GEN_STATISTICS` (the driver's
/// 64-bit totals of the device's clear-on-read statistics registers).
fn ndis_statistics(adapter: &EmuAdapter) -> Option<NDIS_STATISTICS_INFO> {
    let outcome = adapter.oid_query(
        OID_GEN_STATISTICS,
        core::mem::size_of::<NDIS_STATISTICS_INFO>(),
    );
    if outcome.status != NDIS_STATUS_SUCCESS {
        return None;
    }
    let field = |offset: usize| -> u64 {
        outcome
            .data
            .get(offset..offset + 8)
            .and_then(|bytes| bytes.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    };
    let mut info = NDIS_STATISTICS_INFO::zeroed();
    info.ifHCInOctets = field(core::mem::offset_of!(NDIS_STATISTICS_INFO, ifHCInOctets));
    info.ifHCInUcastPkts = field(core::mem::offset_of!(NDIS_STATISTICS_INFO, ifHCInUcastPkts));
    info.ifHCOutOctets = field(core::mem::offset_of!(NDIS_STATISTICS_INFO, ifHCOutOctets));
    info.ifHCOutUcastPkts = field(core::mem::offset_of!(
        NDIS_STATISTICS_INFO,
        ifHCOutUcastPkts
    ));
    Some(info)
}

/// Sends and receives [`TRAFFIC_FRAMES`] frames of mixed sizes through the PF and prints, per
/// direction, what the device moved (the model's queue-0 counters), what the driver reports
/// to NDIS (`OID_GEN_STATISTICS`), and what NDIS saw (send completions, indications). `true`
/// when every send completed with success, every frame was indicated byte-exact and the
/// columns agree.
fn run_pf_traffic(adapter: &EmuAdapter, testbed: &igb_testbed::Testbed) -> bool {
    let pf_mac = testbed.device().permanent_mac();
    let peer = [0x02, 0x00, 0x5E, 0x10, 0x00, 0x01];
    let sizes = |n: usize| 60 + (n * 97) % (1514 - 60 + 1);
    let before = ndis_statistics(adapter);
    let queue_before = testbed.device().queue_stats(0);

    let outgoing: Vec<Vec<u8>> = (0..TRAFFIC_FRAMES)
        .map(|n| lab_frame(peer, pf_mac, sizes(n), n))
        .collect();
    let refs: Vec<&[u8]> = outgoing.iter().map(Vec::as_slice).collect();
    let ids = adapter.send(&refs);
    let mut completions = Vec::new();
    let deadline = std::time::Instant::now() + TRAFFIC_WAIT;
    while completions.len() < ids.len() && std::time::Instant::now() < deadline {
        completions
            .extend(adapter.wait_send_completions(ids.len() - completions.len(), TRAFFIC_WAIT));
    }
    let sent_ok = completions
        .iter()
        .filter(|c| c.status == NDIS_STATUS_SUCCESS)
        .count();
    let sent_bytes: usize = outgoing.iter().map(Vec::len).sum();

    let incoming: Vec<Vec<u8>> = (0..TRAFFIC_FRAMES)
        .map(|n| lab_frame(pf_mac, peer, sizes(n + 7), n))
        .collect();
    let mut indicated = Vec::new();
    for chunk in incoming.chunks(100) {
        for frame in chunk {
            testbed.device().inject(frame);
        }
        // The emulator returns what it was indicated, as a protocol would, so the ring refills.
        let target = indicated.len() + chunk.len();
        let deadline = std::time::Instant::now() + TRAFFIC_WAIT;
        while indicated.len() < target && std::time::Instant::now() < deadline {
            let _ = adapter.wait_for_receives(1, std::time::Duration::from_millis(50));
            indicated.extend(adapter.indicated_receives());
            adapter.return_receives();
        }
    }
    let received_exact = indicated
        .iter()
        .zip(&incoming)
        .filter(|(got, want)| got.data == **want)
        .count();
    let received_bytes: usize = indicated.iter().map(|frame| frame.data.len()).sum();

    // The driver folds the clear-on-read registers on its 2 s watchdog and on every
    // OID_GEN_STATISTICS query, so this query is current.
    let after = ndis_statistics(adapter);
    let queue = testbed.device().queue_stats(0);
    let delta = |pick: fn(&NDIS_STATISTICS_INFO) -> u64| match (&before, &after) {
        (Some(b), Some(a)) => a_minus_b(pick(a), pick(b)),
        _ => 0,
    };
    println!();
    println!("PF traffic on the default queue ({TRAFFIC_FRAMES} frames each way, 60..1514 bytes)");
    println!(
        "  {:<44} {:>10} {:>12} {:>10} {:>12}",
        "", "tx frames", "tx bytes", "rx frames", "rx bytes"
    );
    println!(
        "  {:<44} {:>10} {:>12} {:>10} {:>12}",
        "device (model queue 0 counters)",
        a_minus_b(queue.tx_packets, queue_before.tx_packets),
        a_minus_b(queue.tx_bytes, queue_before.tx_bytes),
        a_minus_b(queue.rx_packets, queue_before.rx_packets),
        a_minus_b(queue.rx_bytes, queue_before.rx_bytes),
    );
    println!(
        "  {:<44} {:>10} {:>12} {:>10} {:>12}",
        "driver to NDIS (OID_GEN_STATISTICS, unicast)",
        delta(|s| s.ifHCOutUcastPkts),
        delta(|s| s.ifHCOutOctets),
        delta(|s| s.ifHCInUcastPkts),
        delta(|s| s.ifHCInOctets),
    );
    println!(
        "  {:<44} {:>10} {:>12} {:>10} {:>12}",
        "NDIS (completed with success / indicated)",
        sent_ok,
        sent_bytes,
        indicated.len(),
        received_bytes,
    );
    println!(
        "  {:<44} {:>10} {:>12} {:>10} {:>12}",
        "byte-exact (wire capture / indicated data)",
        testbed.device().capture().len().min(TRAFFIC_FRAMES),
        "",
        received_exact,
        "",
    );
    let agree = sent_ok == TRAFFIC_FRAMES
        && received_exact == TRAFFIC_FRAMES
        && delta(|s| s.ifHCOutUcastPkts) == TRAFFIC_FRAMES as u64
        && delta(|s| s.ifHCInUcastPkts) == TRAFFIC_FRAMES as u64;
    if !agree {
        println!("  traffic: the columns disagree or frames were lost");
    }
    agree
}

fn a_minus_b(a: u64, b: u64) -> u64 {
    a.saturating_sub(b)
}

fn run_vf() -> bool {
    println!();
    println!(
        "== VF: Intel 82576 Virtual Function (PCI\\VEN_8086&DEV_10CA), Hyper-V child partition"
    );
    let driver = match EmuDriver::load(vf_miniport::miniport::portable_driver_entry) {
        Ok(driver) => driver,
        Err(error) => {
            return print_violations(
                &format!("VF DriverEntry failed ({})", status_text(error.status)),
                &error.violations,
            );
        }
    };
    let testbed = igb_testbed::Testbed::new(igb::ids::Generation::I82576);
    let host = match igb_testbed::HostPf::start(&testbed, &[VF_ADMIN_MAC]) {
        Ok(host) => host,
        Err(error) => {
            println!("host PF bring-up failed: {error:?}");
            return false;
        }
    };
    let adapter = match driver.add_adapter(testbed.vf_config(0)) {
        Ok(adapter) => adapter,
        Err(error) => {
            return print_violations(
                &format!("VF InitializeEx failed ({})", status_text(error.status)),
                &error.violations,
            );
        }
    };
    if let Some(general) = adapter.attributes().general.as_ref() {
        println!(
            "  {:<40} {} (admin MAC the PF set: {})",
            "MacAddress (mailbox reset handshake)",
            mac_text(&general.current_mac),
            mac_text(&VF_ADMIN_MAC)
        );
    }
    let _keep_host_serving = &host;
    let assist = adapter.attributes().hardware_assist;
    let sriov = assist
        .and_then(|a| a.current_sriov)
        .map_or(0, |c| c.SriovCapabilities);
    println!(
        "  {:<40} {:#x} (VF_MINIPORT | SRIOV_SUPPORTED)",
        "Sriov.SriovCapabilities", sriov
    );
    println!(
        "  {:<40} {}",
        "NIC switch reported",
        assist.is_some_and(|a| a.current_nic_switch.is_some())
    );
    adapter.restart();
    println!("OIDs (queries while Running)");
    print_oids(&adapter);
    let mut clean = print_violations("VF adapter (surprise removal)", &adapter.surprise_remove());
    clean &= print_violations("VF driver", &driver.unload());
    clean
}

fn main() -> ExitCode {
    // What a Windows Server host with the INF defaults and the vSwitch preferring SR-IOV has.
    let mut keywords_set: BTreeMap<&'static str, u32> = BTreeMap::new();
    keywords_set.insert(keywords::SRIOV_PREFERRED, 1);
    keywords_set.insert(keywords::RSS_OR_VMQ_PREFERENCE, 1);
    keywords_set.insert(keywords::SRIOV, 1);
    keywords_set.insert(keywords::VMQ, 1);
    keywords_set.insert(keywords::VMQ_VLAN_FILTERING, 1);
    keywords_set.insert(keywords::NUM_VFS, 7);
    let mut device = 0x10C9u16;
    let mut platform = Platform::default();

    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next().as_deref().and_then(parse_number) else {
            eprintln!("{flag}: missing or bad value\n{}", usage());
            return ExitCode::from(2);
        };
        if flag == "--device" {
            match u16::try_from(value)
                .ok()
                .filter(|id| pf_generation(*id).is_some())
            {
                Some(id) => device = id,
                None => {
                    eprintln!("--device: not a supported igb PF device id");
                    return ExitCode::from(2);
                }
            }
            continue;
        }
        if flag == "--msix" {
            platform.msix = Some(value);
            continue;
        }
        if flag == "--total-vfs" {
            match u16::try_from(value) {
                Ok(total) => platform.total_vfs = Some(total),
                Err(_) => {
                    eprintln!("--total-vfs: at most 65535");
                    return ExitCode::from(2);
                }
            }
            continue;
        }
        match OPTIONS.iter().find(|(name, _)| *name == flag) {
            Some((_, keyword)) => {
                keywords_set.insert(keyword, value);
            }
            None => {
                eprintln!("unknown option {flag}\n{}", usage());
                return ExitCode::from(2);
            }
        }
    }

    let pf_clean = run_pf(&keywords_set, device, platform);
    let vf_clean = run_vf();
    if pf_clean && vf_clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
