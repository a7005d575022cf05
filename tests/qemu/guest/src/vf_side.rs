//! Our VF side on QEMU's 82576 VF, through VFIO: the reset handshake and SET_LPE with
//! whichever PF serves the mailbox (Linux igb or our own PF side), then ARP and ICMP echo
//! through our ring engine with MSI-X delivered through eventfds; optionally a PF reset in
//! the middle (RSTI → re-initialise → traffic again).

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use igb::ids::Generation;
use igb::interrupts::{QueueDirection, vf_ivar_entry, vf_ivar_shift};
use igb::mailbox::MailboxTimeouts;
use igb::mailbox::vf::{VfLink, VfLinkError};
use igb::regs::VfRegisters;
use igb::regs::pf::status;
use igb::regs::vf::{
    self, VFGPRC, VFGPTC, VTEIAC, VTEIAM, VTEICR, VTEIMS, VTIVAR, VTIVAR_MISC, VTSTATUS,
};

use crate::clock::SystemClock;
use crate::dma::HugePageDma;
use crate::io;
use crate::net::{self, Echo, Frame, Mac};
use crate::port::Port;
use crate::vfio::{EventFd, Uuid, VfioBar, VfioContainer, VfioDevice};

/// MSI-X vectors of the VF as Linux igbvf uses them (igb-hardware.md §1.3).
const RX_VECTOR: u32 = 0;
const TX_VECTOR: u32 = 1;
const MAILBOX_VECTOR: u32 = 2;
const VF_VECTORS: u32 = 3;

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

/// Whether a failed handshake may be retried.
enum Retry {
    /// The PF is busy (resetting, not answering): start over.
    Later(String),
    /// A real failure (wrong MAC, protocol error).
    Never(String),
}

/// Interrupt and traffic counts the scenario reports.
#[derive(Debug, Default)]
struct Tally {
    interrupts: [u64; VF_VECTORS as usize],
    arp_replies: u32,
    echo_replies: u32,
    echo_mismatches: u32,
}

struct Vf<'a> {
    bar: &'a VfioBar,
    regs: VfRegisters<&'a VfioBar>,
    link: VfLink<&'a VfioBar, SystemClock>,
    vectors: Vec<EventFd>,
    dma: &'a HugePageDma,
    clock: SystemClock,
    port: Option<Port<&'a VfioBar, igb::regs::VfBar, HugePageDma>>,
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
        regs: VfRegisters::new(&bar),
        link: VfLink::new(&bar, clock.clone(), MailboxTimeouts::LINUX),
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
    port.shut_down(&vf.clock)?;
    let good_rx = counters_after.0.wrapping_sub(counters_before.0);
    let good_tx = counters_after.1.wrapping_sub(counters_before.1);
    println!(
        "vf: since the last ring bring-up: frames sent={} tx-completions={} received={} | \
         VFGPTC+={} VFGPRC+={} | \
         ring rx bad-writebacks={} tx bad-writebacks={} | interrupts rx={} tx={} mailbox={} | \
         arp replies={} echo replies={} mismatched={} | link stats {:?}",
        port_counters.sent,
        port_counters.send_completions,
        port_counters.received,
        good_tx,
        good_rx,
        rx_stats.bad_writebacks,
        tx_stats.bad_writebacks,
        vf.tally.interrupts[RX_VECTOR as usize],
        vf.tally.interrupts[TX_VECTOR as usize],
        vf.tally.interrupts[MAILBOX_VECTOR as usize],
        vf.tally.arp_replies,
        vf.tally.echo_replies,
        vf.tally.echo_mismatches,
        vf.link.stats(),
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
    if vf.tally.interrupts[RX_VECTOR as usize] == 0 {
        return Err("no Rx interrupt arrived through the MSI-X eventfd".into());
    }
    if rx_stats.bad_writebacks != 0 || tx_stats.bad_writebacks != 0 || vf.tally.echo_mismatches != 0
    {
        return Err("bad descriptor write-backs or mismatched echo payloads".into());
    }
    Ok(())
}

impl<'a> Vf<'a> {
    /// VTCTRL.RST + VF_RESET: the PF must hand us `expect_mac`; then SET_LPE. A PF that
    /// resets while we talk to it (Linux igb re-initialises itself right after SR-IOV is
    /// enabled) makes a request time out; like Linux igbvf's watchdog, start over with a new
    /// reset handshake, until `PF_RESET_TIMEOUT`.
    fn handshake(&mut self, args: &VfArgs) -> Result<(), String> {
        let deadline = Instant::now() + PF_RESET_TIMEOUT;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match self.try_handshake(args) {
                Ok(()) => {
                    println!("vf: handshake and SET_LPE done after {attempts} attempt(s)");
                    return Ok(());
                }
                Err(Retry::Later(why)) if Instant::now() < deadline => {
                    println!("vf: attempt {attempts}: {why}; the PF is busy, starting over");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(Retry::Later(why) | Retry::Never(why)) => return Err(why),
            }
        }
    }

    fn try_handshake(&mut self, args: &VfArgs) -> Result<(), Retry> {
        let transient = |error: &VfLinkError| {
            matches!(
                error,
                VfLinkError::PfResetInProgress
                    | VfLinkError::NotReady
                    | VfLinkError::Mailbox(_)
                    | VfLinkError::NoReply
                    | VfLinkError::Nacked { cts: false, .. }
            )
        };
        let outcome = self.link.reset().map_err(|error| {
            let why = format!("reset handshake: {error:?}");
            if transient(&error) {
                Retry::Later(why)
            } else {
                Retry::Never(why)
            }
        })?;
        let assigned = outcome.assigned_mac.ok_or(Retry::Never(
            "the PF NACKed VF_RESET: no MAC assigned".into(),
        ))?;
        println!(
            "vf: reset handshake done, assigned MAC {} (cts={})",
            net::format_mac(&assigned),
            outcome.cts
        );
        if assigned != args.expect_mac {
            return Err(Retry::Never(format!(
                "the PF assigned {} but the administrator set {}",
                net::format_mac(&assigned),
                net::format_mac(&args.expect_mac)
            )));
        }
        self.mac = assigned;
        self.link.set_lpe(args.max_frame).map_err(|error| {
            let why = format!("SET_LPE {}: {error:?}", args.max_frame);
            if transient(&error) {
                Retry::Later(why)
            } else {
                Retry::Never(why)
            }
        })?;
        println!("vf: SET_LPE {} accepted", args.max_frame);
        Ok(())
    }

    /// Rings (queue 0) and interrupt routing (VTIVAR, auto-clear, unmasked).
    fn bring_up(&mut self) -> Result<(), String> {
        let generation = Generation::I82576;
        let rx_queue = vf::rx_queue(generation, 0).ok_or("no VF rx queue 0")?;
        let tx_queue = vf::tx_queue(generation, 0).ok_or("no VF tx queue 0")?;
        self.port = Some(Port::open(
            self.bar,
            rx_queue,
            tx_queue,
            self.dma,
            &self.clock,
        )?);
        let entry = |vector| vf_ivar_entry(vector).ok_or("bad vector");
        let rx_shift = vf_ivar_shift(generation, 0, QueueDirection::Rx).ok_or("no rx ivar")?;
        let tx_shift = vf_ivar_shift(generation, 0, QueueDirection::Tx).ok_or("no tx ivar")?;
        self.regs.write(
            VTIVAR,
            (entry(RX_VECTOR)? << rx_shift) | (entry(TX_VECTOR)? << tx_shift),
        );
        self.regs.write(VTIVAR_MISC, entry(MAILBOX_VECTOR)?);
        let all = (1 << VF_VECTORS) - 1;
        self.regs.write(VTEIAC, all);
        self.regs.write(VTEIAM, all);
        self.regs.write(VTEIMS, all);
        let _ = self.regs.read(VTEICR);
        Ok(())
    }

    fn wait_for_link(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.regs.read(VTSTATUS) & status::LU == 0 {
            if Instant::now() > deadline {
                return Err("VTSTATUS.LU never came up".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// (good Rx, good Tx) from the VF's own statistics registers.
    fn hardware_counters(&self) -> (u32, u32) {
        (self.regs.read(VFGPRC), self.regs.read(VFGPTC))
    }

    /// Counts interrupts and re-arms the vectors (auto-masked on delivery).
    fn take_interrupts(&mut self, wait: Duration) -> Result<(), String> {
        let rx = io(
            "wait rx vector",
            self.vectors[RX_VECTOR as usize].wait(wait),
        )?;
        self.tally.interrupts[RX_VECTOR as usize] += rx;
        for vector in [TX_VECTOR, MAILBOX_VECTOR] {
            let count = io("read vector", self.vectors[vector as usize].try_take())?;
            self.tally.interrupts[vector as usize] += count;
        }
        self.regs.write(VTEIMS, (1 << VF_VECTORS) - 1);
        Ok(())
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
                self.port.as_mut().ok_or("no port")?.send(request)?;
                last_send = Some(Instant::now());
            }
            self.take_interrupts(Duration::from_millis(20))?;
            let mut found = None;
            let port = self.port.as_mut().ok_or("no port")?;
            port.clean_tx();
            port.receive(|bytes| {
                if found.is_none() {
                    if let Some(parsed) = net::parse(bytes) {
                        found = accept(&parsed);
                    }
                }
            });
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

    /// Resets the PF under us and waits until the mailbox shows it (RSTI), then until the
    /// link re-initialised; re-creates the rings the reset cleared.
    fn survive_pf_reset(&mut self, command: &str, args: &VfArgs) -> Result<(), String> {
        let resets_before = self.link.stats().pf_resets;
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
            match self.link.poll_events() {
                Ok(events) => {
                    saw_rsti |= events.pf_resetting;
                    if let Some(outcome) = events.reinitialised {
                        break outcome;
                    }
                }
                // The PF is still down: keep waiting, as Linux igbvf's watchdog does.
                Err(VfLinkError::PfResetInProgress | VfLinkError::Mailbox(_)) => {}
                Err(error) => return Err(format!("re-initialise: {error:?}")),
            }
        };
        let pf_resets = self.link.stats().pf_resets - resets_before;
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
