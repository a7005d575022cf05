//! The VF watchdog ([`VfWatchdog`]) through the device model, against our PF mailbox end.
//!
//! The PF pings the VF once per watchdog period (a link-change notice), which is work that
//! should raise the VF's mailbox interrupt. With the PF's GPIE.MSIX_MODE clear the model, like
//! QEMU's igb, withholds the VF's MSI-X messages: the watchdog must notice work without
//! interrupts, process it, and log once. With MSIX_MODE set it must leave the work to the
//! interrupts.

use std::cell::RefCell;
use std::rc::Rc;

use igb::interrupts::vf_ivar_entry;
use igb::mailbox::MailboxTimeouts;
use igb::mailbox::pf::PfMailbox;
use igb::mailbox::vf::{LinkState, VfLink};
use igb::regs::pf::{self, gpie};
use igb::regs::vf::{VTEIAC, VTEIMS, VTIVAR_MISC, VTSTATUS};
use igb::regs::{PfRegisters, VfRegisters};
use igb::vf_watchdog::{
    QUIET_PERIODS_BEFORE_POLLING, VfWatchdog, VfWatchdogTarget, WATCHDOG_PERIOD,
};
use igb_model::{Device, Function, Generation, ModelClock, PfBar, PumpClock, VfBar};

const MAILBOX_VECTOR: u32 = 2;

struct Pf {
    regs: PfRegisters<PfBar>,
    mailbox: RefCell<PfMailbox>,
    slots: RefCell<igb::slots::FilterSlots>,
    clock: ModelClock,
}

/// The VF driver as the watchdog sees it.
struct VfDriver {
    device: Device,
    link: VfLink<VfBar, PumpClock>,
    regs: VfRegisters<VfBar>,
    interrupts: u64,
    link_up: bool,
    processed_by_watchdog: u32,
    logged: Vec<&'static str>,
}

impl VfDriver {
    /// The ISR: whatever MSI-X messages the model delivered to VF 0.
    fn take_interrupts(&mut self) {
        let delivered = self.device.take_interrupts(Function::Vf(0)).len();
        self.interrupts += u64::try_from(delivered).unwrap();
        if delivered > 0 {
            self.link.poll_events().expect("mailbox events");
            self.regs.write(VTEIMS, 0b111);
        }
    }
}

impl VfWatchdogTarget for VfDriver {
    fn interrupts_taken(&self) -> u64 {
        self.interrupts
    }
    fn work_pending(&mut self) -> bool {
        self.link.mailbox_mut().message_pending().unwrap_or(false)
    }
    fn process_work(&mut self) {
        self.processed_by_watchdog += 1;
        self.link.poll_events().expect("mailbox events");
    }
    fn check_link(&mut self) {
        self.link_up = self.regs.read(VTSTATUS) & pf::status::LU != 0;
    }
    fn update_statistics(&mut self) {}
    fn log_interrupts_not_delivered(&mut self) {
        self.logged
            .push("VF interrupts are not being delivered; polling from the watchdog");
    }
}

fn rig(pf_msix_mode: bool) -> (Rc<Pf>, VfDriver) {
    let device = Device::new(Generation::I82576);
    device.enable_vfs(1).unwrap();
    let regs = PfRegisters::new(device.pf_bar());
    if pf_msix_mode {
        regs.write(
            pf::GPIE,
            gpie::MSIX_MODE | gpie::PBA | gpie::EIAME | gpie::NSICR,
        );
    }
    let mut mailbox = PfMailbox::new(Generation::I82576, 1).unwrap();
    let mut slots = igb::slots::FilterSlots::new(Generation::I82576, 1).unwrap();
    mailbox.start(&regs, &mut slots);
    regs.set_bits(pf::CTRL_EXT, pf::ctrl_ext::PFRSTD);
    let pf = Rc::new(Pf {
        regs,
        mailbox: RefCell::new(mailbox),
        slots: RefCell::new(slots),
        clock: device.clock(),
    });
    let mut link = VfLink::new(
        device.vf_bar(0),
        {
            // Each VF delay is a moment the PF's handler runs.
            let pf = Rc::clone(&pf);
            PumpClock::new(pf.clock.clone(), move || {
                if let Ok(mut mailbox) = pf.mailbox.try_borrow_mut() {
                    mailbox.service(&pf.regs, &mut pf.slots.borrow_mut(), &pf.clock);
                }
            })
        },
        MailboxTimeouts::LINUX,
    );
    link.reset().expect("reset handshake");
    let vf_regs = VfRegisters::new(device.vf_bar(0));
    vf_regs.write(VTIVAR_MISC, vf_ivar_entry(MAILBOX_VECTOR).unwrap());
    vf_regs.write(VTEIAC, 0b111);
    vf_regs.write(VTEIMS, 0b111);
    let driver = VfDriver {
        device,
        link,
        regs: vf_regs,
        interrupts: 0,
        link_up: false,
        processed_by_watchdog: 0,
        logged: Vec::new(),
    };
    (pf, driver)
}

/// Eight watchdog periods, with a PF ping (and the PF's handler) in each.
fn run_periods(pf: &Pf, driver: &mut VfDriver, watchdog: &mut VfWatchdog) {
    watchdog.tick(driver);
    for _ in 0..8 {
        pf.mailbox.borrow_mut().ping_all(&pf.regs, &pf.clock);
        pf.clock.advance(WATCHDOG_PERIOD);
        driver.take_interrupts();
        watchdog.tick(driver);
        pf.mailbox
            .borrow_mut()
            .service(&pf.regs, &mut pf.slots.borrow_mut(), &pf.clock);
    }
}

#[test]
fn without_pf_msix_mode_the_watchdog_processes_the_mailbox_and_logs_once() {
    let (pf, mut driver) = rig(false);
    let mut watchdog = VfWatchdog::new();
    let pings_before = driver.link.stats().pings;
    run_periods(&pf, &mut driver, &mut watchdog);

    assert_eq!(
        driver.interrupts, 0,
        "the model withheld every VF interrupt"
    );
    // The cause stays pending in EICR, so only its first message counts as withheld.
    assert!(driver.device.counters().vf_interrupts_withheld >= 1);
    assert!(watchdog.is_polling());
    let polled = 8 - (QUIET_PERIODS_BEFORE_POLLING - 1);
    assert_eq!(driver.processed_by_watchdog, polled);
    assert_eq!(driver.logged.len(), 1, "logged once: {:?}", driver.logged);
    // Nothing is left waiting and the link stays healthy. While the VF had not read a ping,
    // the PF's later pings coalesced with it (one queued control message per VF), so one
    // ping is read per polled period.
    assert_eq!(driver.link.stats().pings - pings_before, polled);
    assert!(!driver.link.mailbox_mut().message_pending().unwrap());
    assert_eq!(driver.link.state(), LinkState::Ready);
    assert!(driver.link_up);
}

#[test]
fn with_pf_msix_mode_the_interrupts_do_the_work_and_the_watchdog_stays_quiet() {
    let (pf, mut driver) = rig(true);
    let mut watchdog = VfWatchdog::new();
    let pings_before = driver.link.stats().pings;
    run_periods(&pf, &mut driver, &mut watchdog);

    assert!(driver.interrupts >= 8, "interrupts: {}", driver.interrupts);
    assert_eq!(driver.device.counters().vf_interrupts_withheld, 0);
    assert!(!watchdog.is_polling());
    assert_eq!(driver.processed_by_watchdog, 0);
    assert!(driver.logged.is_empty());
    assert_eq!(driver.link.stats().pings - pings_before, 8);
}
