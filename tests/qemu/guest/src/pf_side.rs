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
use igb::interrupts::PF_VECTOR_OTHER;
use igb::mailbox::pf::{NackReason, VfPolicy};
use igb::pf_controller::{LinkStart, PfConfig, PfController};
use igb::queue_pair::{QueuePair, QueuePairConfig};
use igb::regs::PfBar;
use igb::regs::PfReg;
use igb::regs::pf;

use crate::clock::SystemClock;
use crate::dma::HugePageDma;
use crate::net::{self, Mac};
use crate::vfio::{EventFd, Uuid, VfioBar, VfioContainer, VfioDevice};
use crate::{io, sysfs};

const GENERATION: Generation = Generation::I82576;
/// The PF's "other" cause vector (mailbox, VFLR, link): the drivers' shared constant.
const OTHER_VECTOR: u32 = PF_VECTOR_OTHER;
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
    /// MSI-X messages taken from the "other" vector's eventfd.
    interrupts: u64,
    responded: u64,
    received: u64,
}

type PfPort<'a> = QueuePair<&'a VfioBar, PfBar, HugePageDma>;

struct Pf<'a> {
    bar: &'a VfioBar,
    controller: PfController<&'a VfioBar>,
    port: Option<PfPort<'a>>,
    dma: &'a HugePageDma,
    clock: SystemClock,
    vector: EventFd,
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

    // igb::pf_controller's start order: reset, link, pools, mailbox, "other" interrupt;
    // then policies, the PF's own queue, SR-IOV, and PFRSTD last.
    let config = PfConfig {
        link: LinkStart::RestartAutoNegotiation {
            timeout: LINK_TIMEOUT,
        },
        other_vector: OTHER_VECTOR,
        ..PfConfig::new(GENERATION, args.num_vfs)
    };
    let (mut controller, report) = PfController::bring_up(&bar, config, &clock)
        .map_err(|error| format!("PF bring-up: {error:?}"))?;
    println!(
        "pf: reset done ({:?}), MAC {}",
        report.reset,
        net::format_mac(&controller.mac())
    );
    for (vf, mac) in args.vf_macs.iter().enumerate() {
        let policy = VfPolicy {
            admin_mac: Some(*mac),
            ..VfPolicy::default()
        };
        controller
            .set_vf_policy(vf, policy, &clock)
            .map_err(|error| format!("policy of VF {vf}: {error:?}"))?;
    }
    let mut pf = Pf {
        bar: &bar,
        controller,
        port: None,
        dma: &dma,
        clock,
        vector,
        args,
        tally: Tally::default(),
    };
    pf.open_port()?;

    // VFs appear only now: the PF is configured and serving (Linux: "the PF must be up
    // before VFs are created", qemu-recipe README).
    io(
        "create VFs",
        sysfs::set_sriov_numvfs(&args.bdf, u32::from(args.num_vfs)),
    )?;
    pf.controller
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
        net::format_mac(&pf.controller.mac()),
        pf.controller.link(),
        vf_bdfs.join(" ")
    );

    let result = pf.serve();
    let report = pf.report();
    let _ = std::fs::write(control_file(args, "report"), &report);
    print!("{report}");
    if let Some(port) = pf.port.take() {
        let _ = port.shut_down(&pf.clock);
    }
    let _ = pf.controller.quiesce();
    result
}

impl Pf<'_> {
    fn open_port(&mut self) -> Result<(), String> {
        let queue = self.controller.device().pf_queue();
        let rx_queue = pf::rx_queue(GENERATION, queue).ok_or("no PF rx queue")?;
        let tx_queue = pf::tx_queue(GENERATION, queue).ok_or("no PF tx queue")?;
        self.port = Some(
            QueuePair::open(
                self.bar,
                rx_queue,
                tx_queue,
                QueuePairConfig::default(),
                self.dma,
                &self.clock,
            )
            .map_err(|error| format!("PF queue pair: {error:?}"))?,
        );
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
                // The ISR/DPC half: acknowledge, see what is pending, re-enable the vector.
                self.tally.interrupts += fired;
                let causes = self.controller.on_other_interrupt();
                if causes.device_gone {
                    return Err("the PF reads all ones".into());
                }
            }
            // The work-item half, on every wake-up: the tick is the lost-interrupt safety
            // net (MBVFICR is read by the service itself).
            let service = self.controller.service_mailbox(&self.clock);
            if service.report.device_gone {
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
        let (mac, ip) = (self.controller.mac(), self.args.ip);
        let port = self.port.as_mut().ok_or("no port")?;
        let mut replies = Vec::new();
        let received = port.receive(|bytes| {
            if let Some(reply) = net::respond(bytes, mac, ip) {
                replies.push(reply);
            }
        });
        self.tally.received += received as u64;
        for reply in &replies {
            port.send(reply)
                .map_err(|error| format!("PF send: {error:?}"))?;
            self.tally.responded += 1;
        }
        port.clean_tx();
        Ok(())
    }

    /// igb-hardware.md §2.1 through `PfController`: our queue pair is abandoned (the MAC
    /// reset clears its registers), the VFs are told (ping without CTS, pools off), the MAC
    /// is reset (RSTI in every VF mailbox) and configured again, our queue reopened, then
    /// PFRSTD (RSTD) so the VFs re-run the handshake.
    fn reset_under_vfs(&mut self) -> Result<(), String> {
        println!("pf: resetting the PF with VFs active");
        if let Some(port) = self.port.take() {
            port.abandon();
        }
        let report = self
            .controller
            .begin_reset_under_vfs(&self.clock)
            .map_err(|error| format!("PF reset: {error:?}"))?;
        println!(
            "pf: reset done ({:?}), link {:?}",
            report.reset, report.link
        );
        self.open_port()?;
        self.controller
            .complete_reset_under_vfs()
            .map_err(|error| format!("PFRSTD: {error:?}"))?;
        println!("pf: reset complete, PFRSTD set");
        Ok(())
    }

    fn pool_counter(&self, register: Option<PfReg>) -> u32 {
        register.map_or(0, |reg| self.controller.regs().read(reg))
    }

    fn report(&self) -> String {
        let mut out = String::new();
        let tally = &self.tally;
        let stats = self.controller.stats();
        let _ = writeln!(out, "interrupts={}", tally.interrupts);
        let _ = writeln!(out, "services={}", stats.services);
        let _ = writeln!(out, "messages={}", stats.messages);
        let _ = writeln!(out, "pf_resets={}", stats.pf_resets);
        let _ = writeln!(out, "pf.received={}", tally.received);
        let _ = writeln!(out, "pf.responded={}", tally.responded);
        let _ = writeln!(
            out,
            "pf.link_up={}",
            self.controller.link().is_some_and(|link| link.up)
        );
        for vf in 0..usize::from(self.args.num_vfs) {
            let state = self.controller.mailbox().vf_state(vf).ok();
            let mac = self.controller.mailbox().vf_mac(vf).ok().flatten();
            let counters = self.controller.mailbox().counters(vf).unwrap_or_default();
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
        for event in self.controller.mailbox().log().iter() {
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
