//! Statistics: the PF's clear-on-read port counters and the VF's wrapping 32-bit counters,
//! accumulated into 64-bit totals, and their mapping onto what `OID_GEN_STATISTICS`
//! (`NDIS_STATISTICS_INFO`) reports ([`NetStatistics`]; the NDIS structure is the driver's).
//!
//! PF (82576 datasheet 8.19; offsets in [`crate::regs::pf`]): every counter clears when read,
//! so each read is a delta. GORC/GOTC are 64-bit pairs: the low half is read first, and
//! reading the high half clears the pair. A read period short enough for the driver (the
//! 2 s watchdog, as Linux) can never reach
//! 2^32 - 1 counts of any 32-bit counter (1.49 Mpps at 1 Gb/s is ~3 M frames in 2 s), so
//! an all-ones 32-bit read is never a real count: it is dropped (and counted in
//! [`PfStatsAccumulator::discarded_reads`]). After every snapshot STATUS is read: all ones
//! means the device is gone and the whole snapshot is dropped.
//!
//! VF (`igb-hardware.md` §3): VFGPRC, VFGPTC, VFGORC, VFGOTC, VFMPRC are **not**
//! clear-on-read and wrap at 2^32. The accumulator keeps the last value and adds the wrapping
//! difference, which is right across one wrap as long as less than 2^32 counts happen
//! between reads (octets: 34 s at line rate: read every 2 s). Here all ones *is* a legal
//! value, so removal is decided by VTSTATUS (or the PF's STATUS for the PF-side mirror),
//! read after the counters: on all ones nothing is accumulated.
//!
//! VF reset / FLR: the counters restart at 0. The driver must tell the accumulator, since a
//! restart looks like a wrap: a counter going from N to a small M would add 2^32 - N + M.
//! * The VF driver, after its VTCTRL.RST + mailbox reset completes, calls
//!   [`VfStatsAccumulator::restart`] with a sample read right then (works whether or not
//!   the hardware really cleared them).
//! * The PF driver, on VFLRE bit n (VF n's FLR, handled in its mailbox path) calls
//!   [`VfStatsAccumulator::restart_at_zero`] for pool n: the counters restarted at 0 at the
//!   FLR and everything since then is new traffic.
//!
//! Everything here is a bounded number of register reads without waits: callable at
//! DISPATCH_LEVEL (a timer DPC) as well as PASSIVE.

use hw_platform::Mmio;

use crate::regs::pf::{self, STATUS};
use crate::regs::vf::{self, VTSTATUS};
use crate::regs::{DeviceGone, PfReg, PfRegisters, VfRegisters};

/// 64-bit totals of the PF port counters (names as in the datasheet).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[allow(missing_docs)] // Each field is the total of the register of the same name.
pub struct PfCounters {
    pub crcerrs: u64,
    pub algnerrc: u64,
    pub symerrs: u64,
    pub rxerrc: u64,
    pub mpc: u64,
    pub scc: u64,
    pub ecol: u64,
    pub mcc: u64,
    pub latecol: u64,
    pub colc: u64,
    pub dc: u64,
    pub tncrs: u64,
    pub cexterr: u64,
    pub rlec: u64,
    pub xonrxc: u64,
    pub xontxc: u64,
    pub xoffrxc: u64,
    pub xofftxc: u64,
    pub gprc: u64,
    pub bprc: u64,
    pub mprc: u64,
    pub gptc: u64,
    pub rnbc: u64,
    pub ruc: u64,
    pub rfc: u64,
    pub roc: u64,
    pub rjc: u64,
    pub tpr: u64,
    pub tpt: u64,
    pub mptc: u64,
    pub bptc: u64,
    /// Good octets received (GORCL/GORCH).
    pub gorc: u64,
    /// Good octets transmitted (GOTCL/GOTCH).
    pub gotc: u64,
}

/// The 32-bit PF counters, in read order.
const PF_COUNTERS_32: [PfReg; 31] = [
    pf::CRCERRS,
    pf::ALGNERRC,
    pf::SYMERRS,
    pf::RXERRC,
    pf::MPC,
    pf::SCC,
    pf::ECOL,
    pf::MCC,
    pf::LATECOL,
    pf::COLC,
    pf::DC,
    pf::TNCRS,
    pf::CEXTERR,
    pf::RLEC,
    pf::XONRXC,
    pf::XONTXC,
    pf::XOFFRXC,
    pf::XOFFTXC,
    pf::GPRC,
    pf::BPRC,
    pf::MPRC,
    pf::GPTC,
    pf::RNBC,
    pf::RUC,
    pf::RFC,
    pf::ROC,
    pf::RJC,
    pf::TPR,
    pf::TPT,
    pf::MPTC,
    pf::BPTC,
];

impl PfCounters {
    /// The fields in [`PF_COUNTERS_32`] order.
    fn fields_32(&mut self) -> [&mut u64; 31] {
        [
            &mut self.crcerrs,
            &mut self.algnerrc,
            &mut self.symerrs,
            &mut self.rxerrc,
            &mut self.mpc,
            &mut self.scc,
            &mut self.ecol,
            &mut self.mcc,
            &mut self.latecol,
            &mut self.colc,
            &mut self.dc,
            &mut self.tncrs,
            &mut self.cexterr,
            &mut self.rlec,
            &mut self.xonrxc,
            &mut self.xontxc,
            &mut self.xoffrxc,
            &mut self.xofftxc,
            &mut self.gprc,
            &mut self.bprc,
            &mut self.mprc,
            &mut self.gptc,
            &mut self.rnbc,
            &mut self.ruc,
            &mut self.rfc,
            &mut self.roc,
            &mut self.rjc,
            &mut self.tpr,
            &mut self.tpt,
            &mut self.mptc,
            &mut self.bptc,
        ]
    }
}

/// Which [`NetStatistics`] fields the hardware counts (the driver sets the matching
/// `NDIS_STATISTICS_FLAGS_VALID_*` flags and may add its own software counts).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[allow(missing_docs)] // One flag per NetStatistics field of the same name.
#[allow(clippy::struct_excessive_bools)]
pub struct StatisticsValid {
    pub rx_unicast_packets: bool,
    pub rx_multicast_packets: bool,
    pub rx_broadcast_packets: bool,
    pub rx_octets: bool,
    pub rx_errors: bool,
    pub rx_discards: bool,
    pub tx_unicast_packets: bool,
    pub tx_multicast_packets: bool,
    pub tx_broadcast_packets: bool,
    pub tx_octets: bool,
    pub tx_errors: bool,
    pub tx_discards: bool,
}

/// What `NDIS_STATISTICS_INFO` needs, as plain 64-bit totals.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct NetStatistics {
    /// Directed (unicast) frames received (`ifHCInUcastPkts`).
    pub rx_unicast_packets: u64,
    /// Multicast frames received (`ifHCInMulticastPkts`).
    pub rx_multicast_packets: u64,
    /// Broadcast frames received (`ifHCInBroadcastPkts`).
    pub rx_broadcast_packets: u64,
    /// Octets of good frames received (`ifHCInOctets`; destination address through the last
    /// payload byte: what the stack sees, CRC excluded).
    pub rx_octets: u64,
    /// Frames received with errors (`ifInErrors`).
    pub rx_errors: u64,
    /// Good frames dropped for lack of resources (`ifInDiscards`).
    pub rx_discards: u64,
    /// Directed frames sent (`ifHCOutUcastPkts`).
    pub tx_unicast_packets: u64,
    /// Multicast frames sent (`ifHCOutMulticastPkts`).
    pub tx_multicast_packets: u64,
    /// Broadcast frames sent (`ifHCOutBroadcastPkts`).
    pub tx_broadcast_packets: u64,
    /// Octets of good frames sent (`ifHCOutOctets`).
    pub tx_octets: u64,
    /// Frames that could not be sent because of errors (`ifOutErrors`).
    pub tx_errors: u64,
    /// Frames dropped before sending (`ifOutDiscards`).
    pub tx_discards: u64,
    /// Which fields the hardware provides.
    pub valid: StatisticsValid,
}

/// What one accumulator update did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct UpdateOutcome {
    /// Counter reads dropped as implausible (all ones while the device was present).
    pub discarded_reads: u32,
}

/// Accumulates the PF's clear-on-read port counters.
#[derive(Clone, Debug, Default)]
pub struct PfStatsAccumulator {
    totals: PfCounters,
    discarded_reads: u64,
}

impl PfStatsAccumulator {
    /// Zero totals.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            totals: PfCounters {
                crcerrs: 0,
                algnerrc: 0,
                symerrs: 0,
                rxerrc: 0,
                mpc: 0,
                scc: 0,
                ecol: 0,
                mcc: 0,
                latecol: 0,
                colc: 0,
                dc: 0,
                tncrs: 0,
                cexterr: 0,
                rlec: 0,
                xonrxc: 0,
                xontxc: 0,
                xoffrxc: 0,
                xofftxc: 0,
                gprc: 0,
                bprc: 0,
                mprc: 0,
                gptc: 0,
                rnbc: 0,
                ruc: 0,
                rfc: 0,
                roc: 0,
                rjc: 0,
                tpr: 0,
                tpt: 0,
                mptc: 0,
                bptc: 0,
                gorc: 0,
                gotc: 0,
            },
            discarded_reads: 0,
        }
    }

    /// Reads every counter once (they clear) and adds them to the totals. If STATUS reads all
    /// ones afterwards, nothing is added and the removal is returned. Call at least every few
    /// seconds (the watchdog's 2 s) and before a PF reset (which clears the counters).
    pub fn update<M: Mmio>(&mut self, regs: &PfRegisters<M>) -> Result<UpdateOutcome, DeviceGone> {
        let mut values = [0u32; 31];
        for (value, reg) in values.iter_mut().zip(PF_COUNTERS_32) {
            *value = regs.read(reg);
        }
        // Low before high: reading the high half clears the 64-bit pair (datasheet 8.19).
        let gorc = (regs.read(pf::GORCL), regs.read(pf::GORCH));
        let gotc = (regs.read(pf::GOTCL), regs.read(pf::GOTCH));
        regs.read_present(STATUS)?;

        let mut outcome = UpdateOutcome::default();
        for (total, value) in self.totals.fields_32().into_iter().zip(values) {
            if value == u32::MAX {
                outcome.discarded_reads += 1;
            } else {
                *total = total.saturating_add(value.into());
            }
        }
        for (total, (low, high)) in [(&mut self.totals.gorc, gorc), (&mut self.totals.gotc, gotc)] {
            if low == u32::MAX || high == u32::MAX {
                outcome.discarded_reads += 1;
            } else {
                *total = total.saturating_add((u64::from(high) << 32) | u64::from(low));
            }
        }
        self.discarded_reads = self
            .discarded_reads
            .saturating_add(outcome.discarded_reads.into());
        Ok(outcome)
    }

    /// The totals so far.
    #[must_use]
    pub const fn totals(&self) -> &PfCounters {
        &self.totals
    }

    /// Counter reads dropped as implausible since creation.
    #[must_use]
    pub const fn discarded_reads(&self) -> u64 {
        self.discarded_reads
    }

    /// The totals in `OID_GEN_STATISTICS` terms. Octets exclude the 4-byte CRC that GORC/GOTC
    /// count (82576 datasheet, GORCL/GOTCL: octets "from <Destination Address> through <CRC>"),
    /// so they match the frames NDIS indicated and sent (DPDK's e1000 igb stats subtract the
    /// CRC the same way). Unicast = good − broadcast − multicast
    /// (GPRC/GPTC count every good frame). Errors follow Linux `igb_update_stats`:
    /// Rx = RXERRC + CRCERRS + ALGNERRC + RUC + ROC + CEXTERR, Tx = ECOL + LATECOL; Rx discards
    /// = MPC (packet buffer full). Tx discards are not counted by the hardware (the driver's
    /// own drops belong there), nor are per-queue drops (RQDPC) of `DROP_EN` queues.
    #[must_use]
    pub const fn statistics(&self) -> NetStatistics {
        let t = &self.totals;
        NetStatistics {
            rx_unicast_packets: t.gprc.saturating_sub(t.bprc).saturating_sub(t.mprc),
            rx_multicast_packets: t.mprc,
            rx_broadcast_packets: t.bprc,
            rx_octets: without_crc(t.gorc, t.gprc),
            rx_errors: t
                .rxerrc
                .saturating_add(t.crcerrs)
                .saturating_add(t.algnerrc)
                .saturating_add(t.ruc)
                .saturating_add(t.roc)
                .saturating_add(t.cexterr),
            rx_discards: t.mpc,
            tx_unicast_packets: t.gptc.saturating_sub(t.bptc).saturating_sub(t.mptc),
            tx_multicast_packets: t.mptc,
            tx_broadcast_packets: t.bptc,
            tx_octets: without_crc(t.gotc, t.gptc),
            tx_errors: t.ecol.saturating_add(t.latecol),
            tx_discards: 0,
            valid: StatisticsValid {
                rx_unicast_packets: true,
                rx_multicast_packets: true,
                rx_broadcast_packets: true,
                rx_octets: true,
                rx_errors: true,
                rx_discards: true,
                tx_unicast_packets: true,
                tx_multicast_packets: true,
                tx_broadcast_packets: true,
                tx_octets: true,
                tx_errors: true,
                tx_discards: false,
            },
        }
    }
}

/// `octets` of `frames` good frames with the 4-byte Ethernet CRC of each taken out.
const fn without_crc(octets: u64, frames: u64) -> u64 {
    octets.saturating_sub(frames.saturating_mul(ETHERNET_CRC_LEN))
}

/// Bytes of the Ethernet frame check sequence.
const ETHERNET_CRC_LEN: u64 = 4;

/// One reading of a VF's five counters (raw 32-bit values).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VfCounterSample {
    /// VFGPRC: good packets received.
    pub gprc: u32,
    /// VFGPTC: good packets transmitted.
    pub gptc: u32,
    /// VFGORC: good octets received.
    pub gorc: u32,
    /// VFGOTC: good octets transmitted.
    pub gotc: u32,
    /// VFMPRC: multicast packets received.
    pub mprc: u32,
}

impl VfCounterSample {
    /// Reads the counters through the VF's own BAR, then VTSTATUS: `Err` (nothing to
    /// accumulate) if VTSTATUS reads all ones.
    pub fn read_vf<M: Mmio>(regs: &VfRegisters<M>) -> Result<Self, DeviceGone> {
        let sample = Self {
            gprc: regs.read(vf::VFGPRC),
            gptc: regs.read(vf::VFGPTC),
            gorc: regs.read(vf::VFGORC),
            gotc: regs.read(vf::VFGOTC),
            mprc: regs.read(vf::VFMPRC),
        };
        regs.read_present(VTSTATUS)?;
        Ok(sample)
    }

    /// Reads pool `pool`'s counters through the PF's mirror (`PVFGPRC[pool]` …), then STATUS.
    /// `Ok(None)` if `pool` is out of range.
    pub fn read_pf_mirror<M: Mmio>(
        regs: &PfRegisters<M>,
        pool: usize,
    ) -> Result<Option<Self>, DeviceGone> {
        let (Some(gprc), Some(gptc), Some(gorc), Some(gotc), Some(mprc)) = (
            pf::pvfgprc(pool),
            pf::pvfgptc(pool),
            pf::pvfgorc(pool),
            pf::pvfgotc(pool),
            pf::pvfmprc(pool),
        ) else {
            return Ok(None);
        };
        let sample = Self {
            gprc: regs.read(gprc),
            gptc: regs.read(gptc),
            gorc: regs.read(gorc),
            gotc: regs.read(gotc),
            mprc: regs.read(mprc),
        };
        regs.read_present(STATUS)?;
        Ok(Some(sample))
    }
}

/// 64-bit totals of a VF's counters.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VfCounters {
    /// Good packets received.
    pub gprc: u64,
    /// Good packets transmitted.
    pub gptc: u64,
    /// Good octets received.
    pub gorc: u64,
    /// Good octets transmitted.
    pub gotc: u64,
    /// Multicast packets received.
    pub mprc: u64,
}

/// Accumulates a VF's wrapping, not-clear-on-read counters (from the VF BAR, or the PF's
/// per-pool mirror).
#[derive(Clone, Debug, Default)]
pub struct VfStatsAccumulator {
    last: Option<VfCounterSample>,
    totals: VfCounters,
}

impl VfStatsAccumulator {
    /// Zero totals and no baseline: the first [`VfStatsAccumulator::update`] only records
    /// where the counters stand (traffic before it is not this driver's).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            last: None,
            totals: VfCounters {
                gprc: 0,
                gptc: 0,
                gorc: 0,
                gotc: 0,
                mprc: 0,
            },
        }
    }

    /// Adds the wrapping difference between `sample` and the previous one to the totals.
    /// Samples come from [`VfCounterSample::read_vf`] / [`VfCounterSample::read_pf_mirror`],
    /// which refuse to produce one from a removed device.
    pub fn update(&mut self, sample: VfCounterSample) {
        if let Some(last) = self.last {
            let t = &mut self.totals;
            t.gprc = t
                .gprc
                .saturating_add(sample.gprc.wrapping_sub(last.gprc).into());
            t.gptc = t
                .gptc
                .saturating_add(sample.gptc.wrapping_sub(last.gptc).into());
            t.gorc = t
                .gorc
                .saturating_add(sample.gorc.wrapping_sub(last.gorc).into());
            t.gotc = t
                .gotc
                .saturating_add(sample.gotc.wrapping_sub(last.gotc).into());
            t.mprc = t
                .mprc
                .saturating_add(sample.mprc.wrapping_sub(last.mprc).into());
        }
        self.last = Some(sample);
    }

    /// Reads the VF's counters ([`VfCounterSample::read_vf`]) and accumulates them. On a
    /// removed device nothing changes and the removal is returned.
    pub fn update_from_vf<M: Mmio>(&mut self, regs: &VfRegisters<M>) -> Result<(), DeviceGone> {
        let sample = VfCounterSample::read_vf(regs)?;
        self.update(sample);
        Ok(())
    }

    /// After a VF reset the VF driver itself completed: `sample` (read right after the
    /// reset) becomes the baseline; the totals are kept.
    pub fn restart(&mut self, sample: VfCounterSample) {
        self.last = Some(sample);
    }

    /// After a VF FLR learnt later (the PF's VFLRE bit): the counters restarted at 0 at the
    /// FLR, so the baseline is 0 and everything counted since is added by the next update.
    pub fn restart_at_zero(&mut self) {
        self.last = Some(VfCounterSample::default());
    }

    /// The totals so far.
    #[must_use]
    pub const fn totals(&self) -> &VfCounters {
        &self.totals
    }

    /// The totals in `OID_GEN_STATISTICS` terms. The VF counts only good packets/octets
    /// and received multicast: Rx unicast = GPRC − MPRC (broadcasts included: there is no VF
    /// broadcast counter); Tx unicast = every good packet sent (no Tx multicast/broadcast
    /// counter). No error or discard counters exist on the VF.
    #[must_use]
    pub const fn statistics(&self) -> NetStatistics {
        let t = &self.totals;
        NetStatistics {
            rx_unicast_packets: t.gprc.saturating_sub(t.mprc),
            rx_multicast_packets: t.mprc,
            rx_broadcast_packets: 0,
            rx_octets: t.gorc,
            rx_errors: 0,
            rx_discards: 0,
            tx_unicast_packets: t.gptc,
            tx_multicast_packets: 0,
            tx_broadcast_packets: 0,
            tx_octets: t.gotc,
            tx_errors: 0,
            tx_discards: 0,
            valid: StatisticsValid {
                rx_unicast_packets: true,
                rx_multicast_packets: true,
                rx_broadcast_packets: false,
                rx_octets: true,
                rx_errors: false,
                rx_discards: false,
                tx_unicast_packets: true,
                tx_multicast_packets: false,
                tx_broadcast_packets: false,
                tx_octets: true,
                tx_errors: false,
                tx_discards: false,
            },
        }
    }
}
