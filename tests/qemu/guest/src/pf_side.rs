//! Our PF side on QEMU's 82576 PF, through VFIO (`vfio-pci enable_sriov=1`): global reset,
//! link, VMDq pools and switch, SR-IOV with N VFs and admin MACs, the mailbox served from the
//! MSI-X "other" vector, and an ARP/ICMP responder on the PF's own queue so VFs have a peer at
//! the PF's address. Runs until a stop file appears; a reset file makes it reset the PF while
//! VFs are active (prepare → MAC reset → configure → PFRSTD).
//!
//! Control files (the scenario scripts create them): `<control>/stop`, `<control>/reset`.
//! `<control>/ready` is written once VFs exist and the mailbox is served. The final report is
//! `key=value` lines (`<control>/report`), for the scripts to check.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use igb::ids::Generation;
use igb::mailbox::pf::{NackReason, PfMailbox, VfPolicy};
use igb::pf_device::{LinkStatus, PfDevice};
use igb::regs::PfBar;
use igb::regs::PfReg;
use igb::regs::pf;

use crate::clock::SystemClock;
use crate::dma::HugePageDma;
use crate::net::{self, Mac};
use crate::port::Port;
use crate::vfio::{EventFd, Uuid, VfioBar, VfioContainer, VfioDevice};
use crate::{io, sysfs};

const GENERATION: Generation = Generation::I82576;
/// The PF's "other" cause vector (mailbox, VFLR, link).
const OTHER_VECTOR: u32 = 0;
const LINK_TIMEOUT: Duration = Duration::from_secs(5);
/// The service loop wakes at least this often even without an interrupt (a lost MSI-X must
/// not stall the VFs; Linux igb's watchdog plays this role).
const SERVICE_TICK: Duration = Duration::from_millis(20);

/// What the PF side is asked to do.
#[derive(Debug)]
pub struct PfArgs {
    /// PCI address of the PF (bound to vfio-pci).
    pub bdf: String,
    /// VFs to create.
    pub num_vfs: u8,
    /// Admin MAC per VF (index = VF number).
    pub vf_macs: Vec<Mac>,
    /// VF token shared with whoever opens the VFs through VFIO.
    pub token: Uuid,
    /// The PF's IPv4 address (for the responder).
    pub ip: Ipv4Addr,
    /// Directory of the control files.
    pub control: PathBuf,
    /// Upper bound on the run time.
    pub max_run: Duration,
}

#[derive(Debug, Default)]
struct Tally {
    interrupts: u64,
    services: u64,
    messages: u64,
    pf_resets: u32,
    responded: u64,
    received: u64,
}

type PfPort<'a> = Port<&'a VfioBar, PfBar, HugePageDma>;

struct Pf<'a> {
    bar: &'a VfioBar,
    device: PfDevice<&'a VfioBar>,
    mailbox: PfMailbox,
    port: Option<PfPort<'a>>,
    dma: &'a HugePageDma,
    clock: SystemClock,
    vector: EventFd,
    link: LinkStatus,
    args: &'a PfArgs,
    tally: Tally,
}

fn control_file(args: &PfArgs, name: &str) -> PathBuf {
    args.control.join(name)
}

/// Runs the PF side until `<control>/stop` (or `max_run`); writes the report.
pub fn run(args: &PfArgs) -> Result<(), String> {
    if usize::from(args.num_vfs) != args.vf_macs.len() {
        return Err(format!(
            "{} VFs but {} MACs",
            args.num_vfs,
            args.vf_macs.len()
        ));
    }
    let container = io("open VFIO container", VfioContainer::open())?;
    let device = io("open PF", VfioDevice::open(&container, &args.bdf, None))?;
    io("set VF token", device.set_vf_token(&args.token))?;
    io("enable bus master", device.enable_memory_and_bus_master())?;
    let bar = io("map BAR0", device.map_bar(0))?;
    let mut vectors = io("enable MSI-X", device.enable_msix(OTHER_VECTOR + 1))?;
    let vector = vectors.pop().ok_or("no MSI-X vector")?;
    let dma = HugePageDma::new(std::rc::Rc::clone(&container));
    let clock = SystemClock::new();

    let (device_state, link) = bring_up(&bar, args, &clock)?;
    let mut mailbox = PfMailbox::new(GENERATION, usize::from(args.num_vfs))
        .map_err(|error| format!("mailbox: {error:?}"))?;
    mailbox.start(device_state.regs());
    for (vf, mac) in args.vf_macs.iter().enumerate() {
        let policy = VfPolicy {
            admin_mac: Some(*mac),
            ..VfPolicy::default()
        };
        mailbox
            .set_policy(vf, policy, device_state.regs(), &clock)
            .map_err(|error| format!("policy of VF {vf}: {error:?}"))?;
    }
    let mut pf = Pf {
        bar: &bar,
        device: device_state,
        mailbox,
        port: None,
        dma: &dma,
        clock,
        vector,
        link,
        args,
        tally: Tally::default(),
    };
    pf.open_port()?;
    pf.device
        .enable_other_interrupt(OTHER_VECTOR)
        .map_err(|error| format!("interrupts: {error:?}"))?;

    // VFs appear only now: the PF is configured and serving (Linux: "the PF must be up
    // before VFs are created", qemu-recipe README).
    io(
        "create VFs",
        sysfs::set_sriov_numvfs(&args.bdf, u32::from(args.num_vfs)),
    )?;
    pf.device
        .announce_ready()
        .map_err(|error| format!("PFRSTD: {error:?}"))?;
    let mut vf_bdfs = Vec::new();
    for vf in 0..u32::from(args.num_vfs) {
        vf_bdfs.push(io("VF address", sysfs::virtfn_bdf(&args.bdf, vf))?);
    }
    io(
        "write ready file",
        std::fs::write(control_file(args, "ready"), vf_bdfs.join(" ") + "\n"),
    )?;
    println!(
        "pf: ready: MAC {}, link {:?}, VFs {}",
        net::format_mac(&pf.device.mac()),
        pf.link,
        vf_bdfs.join(" ")
    );

    let result = pf.serve();
    let report = pf.report();
    let _ = std::fs::write(control_file(args, "report"), &report);
    print!("{report}");
    if let Some(port) = pf.port.take() {
        let _ = port.shut_down(&pf.clock);
    }
    let _ = pf.device.quiesce();
    result
}

/// Reset, link and pools: what a PF reset also has to redo.
fn bring_up<'a>(
    bar: &'a VfioBar,
    args: &PfArgs,
    clock: &SystemClock,
) -> Result<(PfDevice<&'a VfioBar>, LinkStatus), String> {
    let (mut device, reset) = PfDevice::reset(bar, GENERATION, None, clock)
        .map_err(|error| format!("PF reset: {error:?}"))?;
    println!(
        "pf: reset done ({reset:?}), MAC {}",
        net::format_mac(&device.mac())
    );
    let link = device
        .start_link(LINK_TIMEOUT, clock)
        .map_err(|error| format!("link: {error:?}"))?;
    device
        .configure_pools(args.num_vfs)
        .map_err(|error| format!("pools: {error:?}"))?;
    Ok((device, link))
}

impl Pf<'_> {
    fn open_port(&mut self) -> Result<(), String> {
        let queue = self.device.pf_queue();
        let rx_queue = pf::rx_queue(GENERATION, queue).ok_or("no PF rx queue")?;
        let tx_queue = pf::tx_queue(GENERATION, queue).ok_or("no PF tx queue")?;
        self.port = Some(Port::open(
            self.bar,
            rx_queue,
            tx_queue,
            self.dma,
            &self.clock,
        )?);
        Ok(())
    }

    fn serve(&mut self) -> Result<(), String> {
        let start = Instant::now();
        let stop = control_file(self.args, "stop");
        let reset = control_file(self.args, "reset");
        while !stop.exists() {
            if start.elapsed() > self.args.max_run {
                return Err(format!("no stop file within {:?}", self.args.max_run));
            }
            let fired = io("wait for interrupt", self.vector.wait(SERVICE_TICK))?;
            if fired > 0 {
                self.tally.interrupts += fired;
                self.device
                    .acknowledge_other_interrupt(OTHER_VECTOR)
                    .map_err(|error| format!("acknowledge: {error:?}"))?;
            }
            let report = self.mailbox.service(self.device.regs(), &self.clock);
            self.tally.services += 1;
            self.tally.messages += u64::from(report.handled);
            if report.device_gone {
                return Err("the PF reads all ones".into());
            }
            self.answer_frames()?;
            if reset.exists() {
                let _ = std::fs::remove_file(&reset);
                self.reset_under_vfs()?;
            }
        }
        Ok(())
    }

    fn answer_frames(&mut self) -> Result<(), String> {
        let (mac, ip) = (self.device.mac(), self.args.ip);
        let port = self.port.as_mut().ok_or("no port")?;
        let mut replies = Vec::new();
        let received = port.receive(|bytes| {
            if let Some(reply) = net::respond(bytes, mac, ip) {
                replies.push(reply);
            }
        });
        self.tally.received += received as u64;
        for reply in &replies {
            port.send(reply)?;
            self.tally.responded += 1;
        }
        port.clean_tx();
        Ok(())
    }

    /// igb-hardware.md §2.1: tell the VFs (ping without CTS, pools off), reset the MAC (RSTI
    /// in every VF mailbox), configure again, then PFRSTD (RSTD) so they re-run the handshake.
    fn reset_under_vfs(&mut self) -> Result<(), String> {
        println!("pf: resetting the PF with VFs active");
        self.mailbox
            .prepare_pf_reset(self.device.regs(), &self.clock);
        if let Some(port) = self.port.take() {
            port.abandon();
        }
        let (device, link) = bring_up(self.bar, self.args, &self.clock)?;
        self.device = device;
        self.link = link;
        self.open_port()?;
        self.device
            .enable_other_interrupt(OTHER_VECTOR)
            .map_err(|error| format!("interrupts: {error:?}"))?;
        self.mailbox.complete_pf_reset(self.device.regs());
        self.tally.pf_resets += 1;
        println!("pf: reset complete, PFRSTD set");
        Ok(())
    }

    fn pool_counter(&self, register: Option<PfReg>) -> u32 {
        register.map_or(0, |reg| self.device.regs().read(reg))
    }

    fn report(&self) -> String {
        let mut out = String::new();
        let tally = &self.tally;
        let _ = writeln!(out, "interrupts={}", tally.interrupts);
        let _ = writeln!(out, "services={}", tally.services);
        let _ = writeln!(out, "messages={}", tally.messages);
        let _ = writeln!(out, "pf_resets={}", tally.pf_resets);
        let _ = writeln!(out, "pf.received={}", tally.received);
        let _ = writeln!(out, "pf.responded={}", tally.responded);
        let _ = writeln!(out, "pf.link_up={}", self.link.up);
        for vf in 0..usize::from(self.args.num_vfs) {
            let state = self.mailbox.vf_state(vf).ok();
            let mac = self.mailbox.vf_mac(vf).ok().flatten();
            let counters = self.mailbox.counters(vf).unwrap_or_default();
            let _ = writeln!(out, "vf{vf}.state={state:?}");
            let _ = writeln!(
                out,
                "vf{vf}.mac={}",
                mac.map_or_else(|| "none".into(), |mac| net::format_mac(&mac))
            );
            let _ = writeln!(out, "vf{vf}.requests={}", counters.requests);
            let _ = writeln!(out, "vf{vf}.resets={}", counters.resets);
            let _ = writeln!(out, "vf{vf}.nacks={}", counters.nacks);
            let _ = writeln!(out, "vf{vf}.flrs={}", counters.flrs);
            // Why requests were refused, so a reader can tell policy from protocol errors.
            for reason in NackReason::ALL {
                let count = counters
                    .nacks_by_reason
                    .get(reason.index())
                    .copied()
                    .unwrap_or(0);
                if count > 0 {
                    let _ = writeln!(out, "vf{vf}.nacks.{reason:?}={count}");
                }
            }
            let _ = writeln!(out, "vf{vf}.pool_rx={}", self.pool_counter(pf::pvfgprc(vf)));
            let _ = writeln!(out, "vf{vf}.pool_tx={}", self.pool_counter(pf::pvfgptc(vf)));
        }
        for event in self.mailbox.log().iter() {
            let _ = writeln!(out, "event.vf{}={:?}", event.vf, event.kind);
        }
        out
    }
}

/// Waits for `<control>/ready` (used by `igbq wait-file`).
pub fn wait_for_file(path: &Path, timeout: Duration) -> Result<(), String> {
    let start = Instant::now();
    while !path.exists() {
        if start.elapsed() > timeout {
            return Err(format!(
                "{} did not appear within {timeout:?}",
                path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
