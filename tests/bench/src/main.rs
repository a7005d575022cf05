//! The PF miniport's data path, driven through the NDIS emulator and the igb device model for
//! `tests/bench/datapath.sh`, which runs this under callgrind and counts only the driver's own
//! instructions (its NDIS entry points toggle collection on; NDIS exports and the model's
//! register primitive toggle it off again).
//!
//! `datapath-bench <tx|rx> <batch> <frame-bytes> <rounds>`: brings the PF up on an 82576
//! model, then `rounds` times sends (`tx`) or receives (`rx`) `batch` frames of `frame-bytes`
//! bytes (without FCS). Tx: one `MiniportSendNetBufferLists` call per round, completions in
//! the DPC. Rx: the frames are put on the wire with the interrupt held back, then one MSI-X
//! message runs the DPC that indicates them, and the emulator returns them. Every frame is
//! checked (completed with success / indicated byte-exact); any loss exits with status 1.
//!
//! Exit status: 0 ok, 1 the data path lost or corrupted something, 2 bad arguments or setup.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use igb::ids::Generation;
use igb_model::Function;
use igb_testbed::Testbed;
use ndis_abi::NDIS_STATUS_SUCCESS;
use ndis_emu::{EmuAdapter, EmuDriver};

const TIMEOUT: Duration = Duration::from_secs(30);

/// The MSI-X message of the PF's queue pair 0 (`pf_miniport::hardware`).
const QUEUE_VECTOR: u32 = 1;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Tx,
    Rx,
}

struct Args {
    path: Path,
    batch: usize,
    frame_len: usize,
    rounds: usize,
}

fn parse() -> Option<Args> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, batch, frame_len, rounds] = args.as_slice() else {
        return None;
    };
    let path = match path.as_str() {
        "tx" => Path::Tx,
        "rx" => Path::Rx,
        _ => return None,
    };
    let batch: usize = batch.parse().ok().filter(|b| (1..=256).contains(b))?;
    let frame_len: usize = frame_len
        .parse()
        .ok()
        .filter(|len| (60..=1514).contains(len))?;
    let rounds: usize = rounds.parse().ok().filter(|r| *r >= 1)?;
    Some(Args {
        path,
        batch,
        frame_len,
        rounds,
    })
}

/// A frame to the PF's MAC (so the receive filter passes it) from a peer, numbered.
fn frame(len: usize, number: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(len);
    frame.extend_from_slice(&igb_model::DEFAULT_MAC);
    frame.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);
    frame.extend_from_slice(&0x88B5u16.to_be_bytes()); // IEEE local experimental EtherType
    frame.extend_from_slice(&(number as u64).to_be_bytes());
    let mut value = number as u8;
    while frame.len() < len {
        frame.push(value);
        value = value.wrapping_mul(31).wrapping_add(7);
    }
    frame
}

fn run_tx(adapter: &EmuAdapter, args: &Args) -> Result<(), String> {
    let frames: Vec<Vec<u8>> = (0..args.batch).map(|n| frame(args.frame_len, n)).collect();
    let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    for round in 0..args.rounds {
        adapter.send(&refs);
        let completions = adapter.wait_send_completions(args.batch, TIMEOUT);
        let ok = completions
            .iter()
            .filter(|c| c.status == NDIS_STATUS_SUCCESS)
            .count();
        if ok != args.batch || completions.len() != args.batch {
            return Err(format!(
                "round {round}: {ok} of {} sends completed with success ({} completions)",
                args.batch,
                completions.len()
            ));
        }
    }
    Ok(())
}

fn run_rx(testbed: &Testbed, adapter: &EmuAdapter, args: &Args) -> Result<(), String> {
    let frames: Vec<Vec<u8>> = (0..args.batch).map(|n| frame(args.frame_len, n)).collect();
    for round in 0..args.rounds {
        // The whole batch lands in the ring first, then one interrupt indicates it.
        testbed.lose_interrupts(Function::Pf, true);
        for frame in &frames {
            testbed.device().inject(frame);
        }
        testbed.lose_interrupts(Function::Pf, false);
        adapter.fire_interrupt(QUEUE_VECTOR);
        if !adapter.wait_for_receives(args.batch, TIMEOUT) {
            return Err(format!("round {round}: the batch was not indicated"));
        }
        let received = adapter.indicated_receives();
        if received.len() != args.batch
            || received
                .iter()
                .zip(&frames)
                .any(|(got, sent)| got.data != *sent)
        {
            return Err(format!(
                "round {round}: {} frames indicated, or bytes differ",
                received.len()
            ));
        }
        adapter.return_receives();
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(args) = parse() else {
        eprintln!("usage: datapath-bench <tx|rx> <batch 1..=256> <frame-bytes 60..=1514> <rounds>");
        return ExitCode::from(2);
    };
    let driver = match EmuDriver::load(pf_miniport::miniport::portable_driver_entry) {
        Ok(driver) => driver,
        Err(error) => {
            eprintln!("DriverEntry: {error:?}");
            return ExitCode::from(2);
        }
    };
    let testbed = Testbed::new(Generation::I82576);
    let adapter = match driver.add_adapter(testbed.pf_config()) {
        Ok(adapter) => adapter,
        Err(error) => {
            eprintln!("MiniportInitializeEx: {:#x}", error.status);
            return ExitCode::from(2);
        }
    };
    adapter.restart();
    // As a bound protocol does first: with packet filter 0 nothing would be indicated.
    let filter = ndis_abi::NDIS_PACKET_TYPE_DIRECTED | ndis_abi::NDIS_PACKET_TYPE_BROADCAST;
    let set = adapter.oid_set(
        ndis_abi::OID_GEN_CURRENT_PACKET_FILTER,
        &filter.to_le_bytes(),
    );
    if set.status != ndis_abi::NDIS_STATUS_SUCCESS {
        eprintln!("OID_GEN_CURRENT_PACKET_FILTER: {:#x}", set.status);
        return ExitCode::from(2);
    }
    let result = match args.path {
        Path::Tx => run_tx(&adapter, &args),
        Path::Rx => run_rx(&testbed, &adapter, &args),
    };
    let violations = adapter.halt(ndis_abi::NdisHaltDeviceDisabled);
    let unload = driver.unload();
    match result {
        Ok(()) if violations.is_empty() && unload.is_empty() => ExitCode::SUCCESS,
        Ok(()) => {
            eprintln!("NDIS rule violations: {violations:?} {unload:?}");
            ExitCode::from(1)
        }
        Err(error) => {
            eprintln!("data path: {error}");
            ExitCode::from(1)
        }
    }
}
