//! The event log as a user sees it: what a miniport writes with `NdisWriteErrorLogEntry`
//! (directly or through `ndis::event_log::write_event`) is recorded per adapter, in order,
//! kept after halt, and reported with a failed initialization.

mod common;

use common::*;
use ndis::adapter::AdapterHandle;
use ndis::event_log::{EventCode, MAX_DATA_VALUES, write_event};
use ndis_abi::{NDIS_HANDLE, NDIS_STATUS_ADAPTER_NOT_FOUND, NdisHaltDeviceDisabled};
use ndis_emu::{AdapterConfig, EventLogEntry};

fn handle_of(adapter: &ndis_emu::EmuAdapter) -> AdapterHandle {
    // SAFETY: the handle the emulator issued to this live adapter.
    unsafe { AdapterHandle::new(adapter.handle() as NDIS_HANDLE) }
}

#[test]
fn write_event_records_code_unique_value_and_data() {
    let (_driver, adapter) = adapter_with(Faults::default());
    write_event(
        handle_of(&adapter),
        EventCode::NETWORK_ADDRESS,
        0x0001_0001,
        &[0x0000_0201, 0x0403_0605],
    );
    write_event(handle_of(&adapter), EventCode::TIMEOUT, 0x0002_0003, &[]);
    let log = adapter.event_log();
    assert_eq!(
        log,
        vec![
            EventLogEntry {
                code: 0xC000_1390,
                values: vec![0x0001_0001, 0x0000_0201, 0x0403_0605],
            },
            EventLogEntry {
                code: 0x8000_138F,
                values: vec![0x0002_0003],
            },
        ]
    );
    assert_eq!(log[0].unique_value(), Some(0x0001_0001));
    assert_eq!(log[0].data(), &[0x0000_0201, 0x0403_0605]);
    assert_eq!(log[1].data(), &[] as &[u32]);
    ndis_emu::assert_no_violations(&adapter.finish());
}

#[test]
fn over_long_data_is_truncated_never_passed_over_long() {
    let (_driver, adapter) = adapter_with(Faults::default());
    let data: Vec<u32> = (100..140).collect();
    write_event(handle_of(&adapter), EventCode::HARDWARE_FAILURE, 9, &data);
    let log = adapter.event_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].unique_value(), Some(9));
    assert_eq!(log[0].data(), &data[..MAX_DATA_VALUES]);
    ndis_emu::assert_no_violations(&adapter.finish());
}

#[test]
fn the_log_survives_halt() {
    let (_driver, adapter) = adapter_with(Faults::default());
    let handle = adapter.handle();
    write_event(
        handle_of(&adapter),
        EventCode::INVALID_VALUE_FROM_ADAPTER,
        3,
        &[0xBAB9],
    );
    ndis_emu::assert_no_violations(&adapter.halt(NdisHaltDeviceDisabled));
    let log = ndis_emu::event_log_of_handle(handle);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].code, EventCode::INVALID_VALUE_FROM_ADAPTER.raw());
    assert_eq!(log[0].values, vec![3, 0xBAB9]);
}

#[test]
fn a_failed_initialization_reports_what_it_logged() {
    let faults = Faults {
        fail_init_with_event_log: true,
        ..Faults::default()
    };
    let (_driver, result) = try_adapter(faults, AdapterConfig::default());
    let err = result.err().expect("initialization fails");
    assert_eq!(err.status, NDIS_STATUS_ADAPTER_NOT_FOUND);
    ndis_emu::assert_no_violations(&err.violations);
    assert_eq!(
        err.event_log,
        vec![EventLogEntry {
            code: NDIS_ERROR_CODE_HARDWARE_FAILURE,
            values: INIT_FAILURE_VALUES.to_vec(),
        }]
    );
}

#[test]
fn each_adapter_has_its_own_log() {
    let driver = load(Faults::default());
    let a = driver.add_adapter(AdapterConfig::default()).expect("a");
    let b = driver.add_adapter(AdapterConfig::default()).expect("b");
    write_event(handle_of(&a), EventCode::DRIVER_FAILURE, 1, &[]);
    assert_eq!(a.event_log().len(), 1);
    assert!(b.event_log().is_empty());
    ndis_emu::assert_no_violations(&a.finish());
    ndis_emu::assert_no_violations(&b.finish());
}
