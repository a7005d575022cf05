//! Our VF side on QEMU's 82576 VF, through VFIO: the reset handshake and SET_LPE with
//! whichever PF serves the mailbox (Linux igb or our own PF side), then ARP and ICMP echo
//! through our ring engine with MSI-X delivered through eventfds; optionally a PF reset in
//! the middle (RSTI → re-initialise → traffic again).

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use igb::ids::Generation;
use igb::interrupts::{VF_VECTOR_OTHER, VF_VECTOR_RX0, VF_VECTOR_TX0};
use igb::mailbox::MailboxTimeouts;
use igb::queue_pair::{QueuePair, QueuePairConfig};
use igb::regs::VfBar;
use igb::regs::vf::{MSIX_VECTORS, VFGPRC, VFGPTC};
use igb::vf_device::{ALL_VF_VECTORS, VfDevice, VfHandshakeError, VfHandshakePolicy};

use crate::clock::SystemClock;
use crate::dma::HugePageDma;
use crate::io;
use crate::net::{self, Echo, Frame, Mac};
use crate::vfio::{EventFd, Uuid, VfioBar, VfioContainer, VfioDevice};

/// MSI-X vectors of the VF as Linux igbvf and our drivers use them (igb-hardware.md §1.3,
/// `igb::interrupts`): Tx 0, Rx 1, mailbox 2. On QEMU mailbox events also arrive on vector 1
/// (tests/qemu/README.md), so Rx interrupts are counted only when frames came with them.
const RX_VECTOR: u32 = VF_VECTOR_RX0;
const TX_VECTOR: u32 = VF_VECTOR_TX0;
const MAILBOX_VECTOR: u32 = VF_VECTOR_OTHER;
const VF_VECTORS: u32 = MSIX_VECTORS as u32;
const GENERATION: Generation = Generation::I82576;
/// How long VTSTATUS.LU may take after the handshake.
const LINK_TIMEOUT: Duration = Duration::from_secs(10);

/// Echo requests per peer per traffic round.
const ECHOES_PER_PEER: u16 = 3;
/// How long one exchange (ARP or echo) may take, with retransmissions.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(4);
const RETRANSMIT_EVERY: Duration = Duration::from_millis(500);
/// How long the PF may take to come back from a reset.
const PF_RESET_TIMEOUT: Duration = Duration::from_secs(30);

/// What the VF scenario is asked to do and check.
#[derive(Debug)]
pub struct VfArgs {
    /// PCI address of the VF.
    pub bdf: String,
    /// VF token (when the PF is owned by vfio-pci).
    pub token: Option<Uuid>,
    /// MAC the PF must assign in the reset handshake.
    pub expect_mac: Mac,
    /// Our IPv4 address.
    pub ip: Ipv4Addr,
    /// Hosts to ARP for and ping.
    pub peers: Vec<Ipv4Addr>,
    /// Max frame to ask for with SET_LPE.
    pub max_frame: u32,
    /// A shell command that resets the PF while we run (scenario d).
    pub reset_pf_command: Option<String>,
}

/// Interrupt and traffic counts the scenario reports.
#[derive(Debug, Default)]
struct Tally {
    interrupts: [u64; VF_VECTORS as usize],
    /// Rx-vector wake-ups that delivered frames while no PF message was pending: Rx
    /// interrupts QEMU's mailbox quirk cannot have produced.
    rx_interrupts_with_frames: u64,
    /// Exchange iterations by (Rx interrupt seen, frames received, PF message pending).
    wakeups: std::collections::BTreeMap<(bool, bool, bool), u32>,
    /// poll_events errors taken as "PF resetting".
    retryable_poll_errors: u32,
    arp_replies: u32,
    echo_replies: u32,
    echo_mismatches: u32,
}

struct Vf<'a> {
    bar: &'a VfioBar,
    device: VfDevice<&'a VfioBar, SystemClock>,
    vectors: Vec<EventFd>,
    dma: &'a HugePageDma,
    clock: SystemClock,
    port: Option<QueuePair<&'a VfioBar, VfBar, HugePageDma>>,
    mac: Mac,
    ip: Ipv4Addr,
    tally: Tally,
}

/// Runs the VF scenario; prints what it observed; `Err` names the first failed check.
pub fn run(args: &VfArgs) -> Result<(), String> {
    let container = io("open VFIO container", VfioContainer::open())?;
    let device = io(
        "open VF",
        VfioDevice::open(&container, &args.bdf, args.token.as_ref()),
    )?;
    io("enable bus master", device.enable_memory_and_bus_master())?;
    let bar = io("map BAR0", device.map_bar(0))?;
    let vectors = io("enable MSI-X", device.enable_msix(VF_VECTORS))?;
    let dma = HugePageDma::new(std::rc::Rc::clone(&container));
    let clock = SystemClock::new();
    let mut vf = Vf {
        bar: &bar,
        device: VfDevice::new(&bar, GENERATION, clock.clone(), MailboxTimeouts::LINUX),
        vectors,
        dma: &dma,
        clock,
        port: None,
        mac: [0; 6],
        ip: args.ip,
        tally: Tally::default(),
    };
    vf.handshake(args)?;
    vf.bring_up()?;
    vf.wait_for_link()?;

    let counters_before = vf.hardware_counters();
    vf.traffic_round(&args.peers, 1)?;

    if let Some(command) = &args.reset_pf_command {
        vf.survive_pf_reset(command, args)?;
        vf.traffic_round(&args.peers, 2)?;
    }

    let counters_after = vf.hardware_counters();
    let port = vf.port.take().ok_or("port missing")?;
    let port_counters = port.counters();
    let (rx_stats, tx_stats) = port.ring_stats();
    port.shut_down(&vf.clock)
        .map_err(|error| format!("shut down the queue pair: {error:?}"))?;
    let good_rx = counters_after.0.wrapping_sub(counters_before.0);
    let good_tx = counters_after.1.wrapping_sub(counters_before.1);
    println!(
        "vf: since the last ring bring-up: frames sent={} tx-completions={} received={} | \
         VFGPTC+={} VFGPRC+={} | \
         ring rx bad-writebacks={} tx bad-writebacks={} | interrupts rx={} (with frames {}) tx={} \
         mailbox={} | \
         arp replies={} echo replies={} mismatched={} | link stats {:?} | \
         wake-ups (rx irq, frames, pf message) {:?}, retryable poll errors {}",
        port_counters.sent,
        port_counters.send_completions,
        port_counters.received,
        good_tx,
        good_rx,
        rx_stats.bad_writebacks,
        tx_stats.bad_writebacks,
        vf.tally.interrupts[RX_VECTOR as usize],
        vf.tally.rx_interrupts_with_frames,
        vf.tally.interrupts[TX_VECTOR as usize],
        vf.tally.interrupts[MAILBOX_VECTOR as usize],
        vf.tally.arp_replies,
        vf.tally.echo_replies,
        vf.tally.echo_mismatches,
        vf.device.link().stats(),
        vf.tally.wakeups,
        vf.tally.retryable_poll_errors,
    );
    // The hardware's own counters must agree that the frames crossed (these registers are
    // the device's, not ours). Only the last round's frames are counted when a PF reset
    // cleared the counters in between, so compare against what a round needs at least.
    let per_round = args.peers.len() as u32 * (1 + u32::from(ECHOES_PER_PEER));
    if good_tx < per_round || good_rx < per_round {
        return Err(format!(
            "hardware counters do not show the traffic: VFGPTC+{good_tx} VFGPRC+{good_rx}, \
             expected at least {per_round} each"
        ));
    }
    if port_counters.send_completions != port_counters.sent {
        return Err(format!(
            "{} frames sent but {} completions",
            port_counters.sent, port_counters.send_completions
        ));
    }
    // Not just "vector 1 fired": on QEMU the mailbox fires it too (README.md).
    if vf.tally.rx_interrupts_with_frames == 0 {
        return Err(
            "no Rx interrupt with received frames arrived through the MSI-X eventfd".into(),
        );
    }
    if rx_stats.bad_writebacks != 0 || tx_stats.bad_writebacks != 0 || vf.tally.echo_mismatches != 0
    {
        return Err("bad descriptor write-backs or mismatched echo payloads".into());
    }
    Ok(())
}

impl<'a> Vf<'a> {
    /// VTCTRL.RST + VF_RESET + SET_LPE with `igb::vf_device`'s retry policy: a PF that
    /// resets while we talk to it (Linux igb re-initialises itself right after SR-IOV is
    /// enabled) makes a request time out; like Linux igbvf's watchdog, start over with a new
    /// reset handshake, until `PF_RESET_TIMEOUT`. The PF must hand us `expect_mac`.
    fn handshake(&mut self, args: &VfArgs) -> Result<(), String> {
        let policy = VfHandshakePolicy {
            max_attempts: 1000,
            give_up_after: PF_RESET_TIMEOUT,
            retry_delay: Duration::from_millis(100),
            max_frame: Some(args.max_frame),
        };
        let outcome = self
            .device
            .handshake(&policy)
            .map_err(|error| match error {
                VfHandshakeError::GaveUp {
                    attempts,
                    waited,
                    last,
                } => format!(
                    "the PF did not answer in {attempts} attempts over {waited:?}: {last:?}"
                ),
                VfHandshakeError::Fatal { attempts, error } => {
                    format!("handshake attempt {attempts}: {error:?}")
                }
            })?;
        println!(
            "vf: handshake and SET_LPE {} done after {} attempt(s)",
            args.max_frame, outcome.attempts
        );
        let assigned = outcome
            .reset
            .assigned_mac
            .ok_or("the PF NACKed VF_RESET: no MAC assigned")?;
        println!(
            "vf: reset handshake done, assigned MAC {} (cts={})",
            net::format_mac(&assigned),
            outcome.reset.cts
        );
        if assigned != args.expect_mac {
            return Err(format!(
                "the PF assigned {} but the administrator set {}",
                net::format_mac(&assigned),
                net::format_mac(&args.expect_mac)
            ));
        }
        self.mac = assigned;
        Ok(())
    }

    /// Rings (queue 0) and interrupt routing (`VfDevice::route_interrupts`: VTIVAR with the
    /// shared vector numbers, auto-clear, unmasked).
    fn bring_up(&mut self) -> Result<(), String> {
        let (rx_queue, tx_queue) = self
            .device
            .queue_regs(0)
            .map_err(|error| format!("VF queue 0: {error:?}"))?;
        self.port = Some(
            QueuePair::open(
                self.bar,
                rx_queue,
                tx_queue,
                QueuePairConfig::default(),
                self.dma,
                &self.clock,
            )
            .map_err(|error| format!("VF queue pair: {error:?}"))?,
        );
        self.device
            .route_interrupts()
            .map_err(|error| format!("interrupt routing: {error:?}"))
    }

    fn wait_for_link(&mut self) -> Result<(), String> {
        self.device
            .wait_for_link(LINK_TIMEOUT)
            .map(|_| ())
            .map_err(|error| format!("VTSTATUS.LU never came up: {error:?}"))
    }

    /// (good Rx, good Tx) from the VF's own statistics registers.
    fn hardware_counters(&self) -> (u32, u32) {
        let regs = self.device.regs();
        (regs.read(VFGPRC), regs.read(VFGPTC))
    }

    /// Counts interrupts and re-arms the vectors (auto-masked on delivery). Returns how many
    /// Rx-vector messages arrived.
    fn take_interrupts(&mut self, wait: Duration) -> Result<u64, String> {
        let rx = io(
            "wait rx vector",
            self.vectors[RX_VECTOR as usize].wait(wait),
        )?;
        self.tally.interrupts[RX_VECTOR as usize] += rx;
        for vector in [TX_VECTOR, MAILBOX_VECTOR] {
            let count = io("read vector", self.vectors[vector as usize].try_take())?;
            self.tally.interrupts[vector as usize] += count;
        }
        self.device.rearm(ALL_VF_VECTORS);
        Ok(rx)
    }

    /// Sends `request` every RETRANSMIT_EVERY until `accept` returns a value for a received
    /// frame, for at most EXCHANGE_TIMEOUT.
    fn exchange<T>(
        &mut self,
        request: &[u8],
        mut accept: impl FnMut(&net::Parsed) -> Option<T>,
    ) -> Result<Option<T>, String> {
        let start = Instant::now();
        let mut last_send: Option<Instant> = None;
        while start.elapsed() < EXCHANGE_TIMEOUT {
            if last_send.is_none_or(|at| at.elapsed() >= RETRANSMIT_EVERY) {
                self.port
                    .as_mut()
                    .ok_or("no port")?
                    .send(request)
                    .map_err(|error| format!("send: {error:?}"))?;
                last_send = Some(Instant::now());
            }
            // Wait for the Rx interrupt until the next retransmit is due, not a fixed slice:
            // with a round trip longer than the slice, every interrupt landed just after its
            // wait gave up, the ring poll found the frame without it, and the stale interrupt
            // was taken on the next exchange before its reply came (CI: `interrupts rx=10
            // (with frames 0)`, no PF message pending).
            let until_retransmit = last_send.map_or(Duration::ZERO, |at| {
                RETRANSMIT_EVERY.saturating_sub(at.elapsed())
            });
            let until_timeout = EXCHANGE_TIMEOUT.saturating_sub(start.elapsed());
            let wait = until_retransmit
                .min(until_timeout)
                .max(Duration::from_millis(1));
            let rx_interrupts = self.take_interrupts(wait)?;
            // Not consumed: VfLink still sees the message (PFSTS is cached, §5.1).
            let pf_message = self
                .device
                .link_mut()
                .mailbox_mut()
                .message_pending()
                .unwrap_or(true);
            let mut found = None;
            let port = self.port.as_mut().ok_or("no port")?;
            port.clean_tx();
            let received = port.receive(|bytes| {
                if found.is_none() {
                    if let Some(parsed) = net::parse(bytes) {
                        found = accept(&parsed);
                    }
                }
            });
            *self
                .tally
                .wakeups
                .entry((rx_interrupts > 0, received > 0, pf_message))
                .or_default() += 1;
            if rx_interrupts > 0 && received > 0 && !pf_message {
                self.tally.rx_interrupts_with_frames += 1;
            }
            if pf_message {
                // Served as a driver's mailbox work would, before anything else, and also when
                // this wake-up brought the awaited reply. Left pending, a message makes every
                // later Rx interrupt look like a mailbox one (QEMU raises both on the Rx
                // vector) and none counts: Linux igb pings every VF when its link comes up,
                // which can land just after our handshake. Serving it only on wake-ups that
                // found nothing left it pending for the whole scenario whenever every reply
                // came on the first wake-up (CI: `pings: 0`, `with frames 0`, every wake-up
                // with a PF message pending).
                self.serve_pf_messages()?;
            }
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// ARP for every peer, then ECHOES_PER_PEER echoes with distinct payloads; every reply
    /// must carry the payload back byte for byte.
    fn traffic_round(&mut self, peers: &[Ipv4Addr], round: u16) -> Result<(), String> {
        for peer in peers {
            let (my_mac, my_ip, peer) = (self.mac, self.ip, *peer);
            let request = net::arp_request(my_mac, my_ip, peer);
            let peer_mac = self
                .exchange(&request, |parsed| match parsed.frame {
                    Frame::Arp {
                        operation: 2,
                        sender_mac,
                        sender_ip,
                        target_ip,
                        ..
                    } if sender_ip == peer && target_ip == my_ip && parsed.dst == my_mac => {
                        Some(sender_mac)
                    }
                    _ => None,
                })?
                .ok_or(format!("round {round}: no ARP reply from {peer}"))?;
            self.tally.arp_replies += 1;
            println!(
                "vf: round {round}: {peer} is at {}",
                net::format_mac(&peer_mac)
            );
            for seq in 0..ECHOES_PER_PEER {
                let payload: Vec<u8> = (0..56u16)
                    .map(|i| (i as u8) ^ (seq as u8).wrapping_mul(31) ^ (round as u8))
                    .collect();
                let echo = Echo {
                    request: true,
                    id: 0x4947 ^ round,
                    seq,
                    payload,
                };
                let frame = net::icmp_echo(my_mac, peer_mac, my_ip, peer, &echo);
                let reply = self
                    .exchange(&frame, |parsed| match &parsed.frame {
                        Frame::Echo {
                            src_ip,
                            dst_ip,
                            echo: reply,
                        } if !reply.request
                            && *src_ip == peer
                            && *dst_ip == my_ip
                            && reply.id == echo.id
                            && reply.seq == seq =>
                        {
                            Some(reply.payload.clone())
                        }
                        _ => None,
                    })?
                    .ok_or(format!("round {round}: no echo reply {seq} from {peer}"))?;
                if reply != echo.payload {
                    self.tally.echo_mismatches += 1;
                    return Err(format!(
                        "round {round}: echo {seq} from {peer}: payload differs"
                    ));
                }
                self.tally.echo_replies += 1;
            }
            println!(
                "vf: round {round}: {ECHOES_PER_PEER} echo replies from {peer}, payloads equal"
            );
        }
        Ok(())
    }

    /// Handles what the PF posted (pings; a reset request or a PF reset re-initialises the
    /// link, which clears our queues, so the rings start again).
    fn serve_pf_messages(&mut self) -> Result<(), String> {
        match self.device.poll_events() {
            Ok(events) if events.reinitialised.is_some() => {
                println!("vf: the PF asked for a new handshake during traffic; rings rebuilt");
                if let Some(port) = self.port.take() {
                    port.abandon();
                }
                self.bring_up()?;
                self.wait_for_link()
            }
            Ok(_) => Ok(()),
            // The PF is resetting: the next poll finishes the handshake.
            Err(error) if VfHandshakePolicy::is_retryable(&error) => {
                self.tally.retryable_poll_errors += 1;
                Ok(())
            }
            Err(error) => Err(format!("PF message: {error:?}")),
        }
    }

    /// Resets the PF under us and waits until the mailbox shows it (RSTI), then until the
    /// link re-initialised; re-creates the rings the reset cleared.
    fn survive_pf_reset(&mut self, command: &str, args: &VfArgs) -> Result<(), String> {
        let resets_before = self.device.link().stats().pf_resets;
        println!("vf: resetting the PF: {command}");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .status()
            .map_err(|error| format!("run {command}: {error}"))?;
        if !status.success() {
            return Err(format!("{command} failed: {status}"));
        }
        let deadline = Instant::now() + PF_RESET_TIMEOUT;
        let mut saw_rsti = false;
        let outcome = loop {
            if Instant::now() > deadline {
                return Err(format!(
                    "no re-initialisation within {PF_RESET_TIMEOUT:?} (RSTI seen: {saw_rsti})"
                ));
            }
            self.take_interrupts(Duration::from_millis(50))?;
            match self.device.poll_events() {
                Ok(events) => {
                    saw_rsti |= events.pf_resetting;
                    if let Some(outcome) = events.reinitialised {
                        // Our mailbox vector fires at once on the PF's announcing ping (on
                        // QEMU it is the Rx vector we wait on), so a re-handshake can finish
                        // before the PF's MAC reset; the reset then shows up as RSTD later.
                        if self.device.link().stats().pf_resets > resets_before {
                            break outcome;
                        }
                        println!("vf: re-initialised on the PF's ping; waiting for its reset");
                    }
                }
                // The PF is still down: keep waiting, as Linux igbvf's watchdog does.
                Err(error) if VfHandshakePolicy::is_retryable(&error) => {}
                Err(error) => return Err(format!("re-initialise: {error:?}")),
            }
        };
        let pf_resets = self.device.link().stats().pf_resets - resets_before;
        println!(
            "vf: PF reset observed (RSTI seen while polling: {saw_rsti}, pf_resets +{pf_resets}); \
             re-initialised, MAC {:?}",
            outcome.assigned_mac.map(|mac| net::format_mac(&mac))
        );
        if pf_resets == 0 {
            return Err("the link re-initialised but never recorded a PF reset".into());
        }
        if outcome.assigned_mac != Some(args.expect_mac) {
            return Err("after the PF reset the PF assigned a different MAC".into());
        }
        // The PF reset disabled our queues (VFRE/VFTE cleared, queue enables reset): the
        // rings start again from scratch.
        if let Some(port) = self.port.take() {
            port.abandon();
        }
        self.bring_up()?;
        self.wait_for_link()
    }
}
