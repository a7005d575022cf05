//! PCI and SR-IOV plumbing through sysfs: finding functions, creating VFs, binding drivers.
//!
//! Every helper names the path it failed on. The [`Sysfs`] type takes the sysfs root as a
//! parameter so the logic is tested against a directory tree on the host; the free functions
//! use the real `/sys`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where sysfs is mounted.
pub const SYSFS_ROOT: &str = "/sys";
/// PCI functions, one directory (symlink) per BDF, relative to the root.
pub const PCI_DEVICES_DIR: &str = "bus/pci/devices";
/// Writing a BDF here makes the PCI core probe drivers for it, relative to the root.
pub const PCI_DRIVERS_PROBE: &str = "bus/pci/drivers_probe";
/// How long [`bind_driver`] waits for the kernel to bind the wanted driver.
pub const BIND_TIMEOUT: Duration = Duration::from_secs(2);
/// Poll interval while waiting for a bind.
const BIND_POLL: Duration = Duration::from_millis(10);

/// Writes `value` to the attribute at `path` (one write, as sysfs expects).
pub fn write_attr(path: impl AsRef<Path>, value: &str) -> io::Result<()> {
    let path = path.as_ref();
    let mut file = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .map_err(|error| context(error, format!("open {} for writing", path.display())))?;
    file.write_all(value.as_bytes())
        .map_err(|error| context(error, format!("write {value:?} to {}", path.display())))
}

/// Reads the attribute at `path`, without surrounding whitespace.
pub fn read_attr(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref();
    fs::read_to_string(path)
        .map(|text| text.trim().to_owned())
        .map_err(|error| context(error, format!("read {}", path.display())))
}

/// Checks that `bdf` is a full PCI address `dddd:bb:dd.f` (so it can be put into paths and
/// VFIO device names safely).
pub fn check_bdf(bdf: &str) -> io::Result<()> {
    let bytes = bdf.as_bytes();
    let well_formed = bytes.len() == 12
        && bytes.iter().enumerate().all(|(index, &byte)| match index {
            4 | 7 => byte == b':',
            10 => byte == b'.',
            11 => (b'0'..=b'7').contains(&byte),
            _ => byte.is_ascii_hexdigit(),
        });
    if well_formed {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{bdf:?} is not a PCI address of the form 0000:01:00.0"),
        ))
    }
}

/// A sysfs tree rooted somewhere (normally `/sys`).
#[derive(Clone, Debug)]
pub struct Sysfs {
    root: PathBuf,
}

impl Sysfs {
    /// The real sysfs at [`SYSFS_ROOT`].
    #[must_use]
    pub fn system() -> Self {
        Self::at(SYSFS_ROOT)
    }

    /// A sysfs-shaped tree at `root`.
    #[must_use]
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory of PCI function `bdf`.
    pub fn device_dir(&self, bdf: &str) -> io::Result<PathBuf> {
        check_bdf(bdf)?;
        Ok(self.root.join(PCI_DEVICES_DIR).join(bdf))
    }

    /// BDFs of all functions with this vendor and device ID, sorted.
    pub fn find_functions(&self, vendor: u16, device: u16) -> io::Result<Vec<String>> {
        let dir = self.root.join(PCI_DEVICES_DIR);
        let entries = fs::read_dir(&dir)
            .map_err(|error| context(error, format!("list {}", dir.display())))?;
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| context(error, format!("list {}", dir.display())))?;
            let Some(bdf) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if check_bdf(&bdf).is_err() {
                continue;
            }
            let path = entry.path();
            let id = |name: &str| {
                read_attr(path.join(name))
                    .ok()
                    .and_then(|text| parse_hex(&text))
            };
            if id("vendor") == Some(vendor) && id("device") == Some(device) {
                found.push(bdf);
            }
        }
        found.sort();
        Ok(found)
    }

    /// The BDF of VF `n` (0-based) of `pf_bdf`, from the `virtfn<n>` link.
    pub fn virtfn_bdf(&self, pf_bdf: &str, n: u32) -> io::Result<String> {
        let link = self.device_dir(pf_bdf)?.join(format!("virtfn{n}"));
        let bdf = link_target_name(&link)?;
        check_bdf(&bdf).map_err(|error| context(error, format!("{} points at", link.display())))?;
        Ok(bdf)
    }

    /// Sets the number of VFs of `pf_bdf` to `n`, going through 0 first when changing from
    /// one non-zero count to another (the PCI core refuses that with EBUSY).
    pub fn set_sriov_numvfs(&self, pf_bdf: &str, n: u32) -> io::Result<()> {
        let dir = self.device_dir(pf_bdf)?;
        let total_path = dir.join("sriov_totalvfs");
        let total = read_attr(&total_path)?;
        let total: u32 = total.parse().map_err(|_| {
            io::Error::other(format!(
                "{}: {total:?} is not a count",
                total_path.display()
            ))
        })?;
        if n > total {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{pf_bdf}: {n} VFs requested, sriov_totalvfs is {total}"),
            ));
        }
        let numvfs_path = dir.join("sriov_numvfs");
        let current = read_attr(&numvfs_path)?;
        let current: u32 = current.parse().map_err(|_| {
            io::Error::other(format!(
                "{}: {current:?} is not a count",
                numvfs_path.display()
            ))
        })?;
        for count in numvfs_writes(current, n) {
            write_attr(&numvfs_path, &count.to_string())?;
        }
        Ok(())
    }

    /// The driver bound to `bdf` (name of the `driver` link target), if any.
    pub fn driver_of(&self, bdf: &str) -> io::Result<Option<String>> {
        let link = self.device_dir(bdf)?.join("driver");
        match fs::read_link(&link) {
            Ok(_) => link_target_name(&link).map(Some),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(context(error, format!("readlink {}", link.display()))),
        }
    }

    /// Binds `bdf` to `driver` (e.g. `vfio-pci`, `igb`, `igbvf`), waiting up to
    /// [`BIND_TIMEOUT`] for the kernel to do it.
    pub fn bind_driver(&self, bdf: &str, driver: &str) -> io::Result<()> {
        self.bind_driver_within(bdf, driver, BIND_TIMEOUT)
    }

    /// [`Self::bind_driver`] with an explicit wait bound: `driver_override` makes `driver` the
    /// only candidate, the current driver (if another) is unbound, `drivers_probe` asks the
    /// PCI core to probe, and the `driver` link is polled until it names `driver`.
    pub fn bind_driver_within(&self, bdf: &str, driver: &str, timeout: Duration) -> io::Result<()> {
        if driver.is_empty() || driver.contains(['/', '\n', '\0']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad driver name {driver:?}"),
            ));
        }
        let dir = self.device_dir(bdf)?;
        write_attr(dir.join("driver_override"), driver)?;
        match self.driver_of(bdf)? {
            Some(current) if current == driver => return Ok(()),
            Some(_) => write_attr(dir.join("driver").join("unbind"), bdf)?,
            None => {}
        }
        write_attr(self.root.join(PCI_DRIVERS_PROBE), bdf)?;
        let start = Instant::now();
        loop {
            let bound = self.driver_of(bdf)?;
            if bound.as_deref() == Some(driver) {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{bdf}: {} is {bound:?} after {timeout:?}, wanted {driver:?} (is the \
                         module loaded?)",
                        dir.join("driver").display()
                    ),
                ));
            }
            std::thread::sleep(BIND_POLL);
        }
    }

    /// The first network interface of `bdf` (from its `net` directory), if it has one.
    #[must_use]
    pub fn netdev_of(&self, bdf: &str) -> Option<String> {
        let net = self.device_dir(bdf).ok()?.join("net");
        let mut names: Vec<String> = fs::read_dir(net)
            .ok()?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        names.into_iter().next()
    }

    /// The IOMMU group number of `bdf` (name of the `iommu_group` link target).
    pub fn iommu_group_of(&self, bdf: &str) -> io::Result<String> {
        let link = self.device_dir(bdf)?.join("iommu_group");
        link_target_name(&link).map_err(|error| {
            context(
                error,
                "no IOMMU group (guest needs -device intel-iommu and intel_iommu=on)",
            )
        })
    }
}

/// BDFs of all functions with this vendor and device ID, sorted.
pub fn find_functions(vendor: u16, device: u16) -> io::Result<Vec<String>> {
    Sysfs::system().find_functions(vendor, device)
}

/// The BDF of VF `n` (0-based) of `pf_bdf`.
pub fn virtfn_bdf(pf_bdf: &str, n: u32) -> io::Result<String> {
    Sysfs::system().virtfn_bdf(pf_bdf, n)
}

/// Sets the number of VFs of `pf_bdf` (see [`Sysfs::set_sriov_numvfs`]).
pub fn set_sriov_numvfs(pf_bdf: &str, n: u32) -> io::Result<()> {
    Sysfs::system().set_sriov_numvfs(pf_bdf, n)
}

/// Binds `bdf` to `driver` (see [`Sysfs::bind_driver_within`]).
pub fn bind_driver(bdf: &str, driver: &str) -> io::Result<()> {
    Sysfs::system().bind_driver(bdf, driver)
}

/// The driver bound to `bdf`, if any.
pub fn driver_of(bdf: &str) -> io::Result<Option<String>> {
    Sysfs::system().driver_of(bdf)
}

/// The first network interface of `bdf`, if any.
#[must_use]
pub fn netdev_of(bdf: &str) -> Option<String> {
    Sysfs::system().netdev_of(bdf)
}

/// The IOMMU group number of `bdf`.
pub fn iommu_group_of(bdf: &str) -> io::Result<String> {
    Sysfs::system().iommu_group_of(bdf)
}

/// The last component of the target of the symlink at `link`.
fn link_target_name(link: &Path) -> io::Result<String> {
    let target = fs::read_link(link)
        .map_err(|error| context(error, format!("readlink {}", link.display())))?;
    target
        .file_name()
        .and_then(|name| name.to_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            io::Error::other(format!(
                "{} -> {} has no usable last component",
                link.display(),
                target.display()
            ))
        })
}

/// The values to write to `sriov_numvfs` to go from `current` VFs to `wanted`: the PCI core
/// refuses to change one non-zero count into another (EBUSY), so that goes through 0.
fn numvfs_writes(current: u32, wanted: u32) -> Vec<u32> {
    if current == wanted {
        Vec::new()
    } else if current == 0 || wanted == 0 {
        vec![wanted]
    } else {
        vec![0, wanted]
    }
}

/// Parses `0x8086`-style sysfs IDs.
fn parse_hex(text: &str) -> Option<u16> {
    u16::from_str_radix(text.strip_prefix("0x")?, 16).ok()
}

fn context(error: io::Error, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(error.kind(), format!("{what}: {error}"))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    const PF: &str = "0000:01:00.0";
    const VF0: &str = "0000:01:10.0";
    const VF1: &str = "0000:01:10.2";

    /// A throw-away sysfs-shaped tree with an igb PF (bound to `igb`) and two VFs.
    struct FakeSysfs {
        root: PathBuf,
    }

    impl FakeSysfs {
        fn new() -> Self {
            static SERIAL: AtomicU32 = AtomicU32::new(0);
            let root = std::env::temp_dir().join(format!(
                "qemu-guest-sysfs-{}-{}",
                std::process::id(),
                SERIAL.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&root);
            let devices = root.join(PCI_DEVICES_DIR);
            for (bdf, device) in [(PF, "0x10c9"), (VF1, "0x10ca"), (VF0, "0x10ca")] {
                let dir = devices.join(bdf);
                fs::create_dir_all(&dir).expect("device dir");
                fs::write(dir.join("vendor"), "0x8086\n").expect("vendor");
                fs::write(dir.join("device"), format!("{device}\n")).expect("device");
                fs::write(dir.join("driver_override"), "(null)\n").expect("override");
            }
            fs::create_dir_all(devices.join("0000:00:1f.0")).expect("other device");
            fs::write(devices.join("0000:00:1f.0/vendor"), "0x8086\n").expect("vendor");
            fs::write(devices.join("0000:00:1f.0/device"), "0x2918\n").expect("device");
            let pf = devices.join(PF);
            fs::write(pf.join("sriov_totalvfs"), "7\n").expect("totalvfs");
            fs::write(pf.join("sriov_numvfs"), "0\n").expect("numvfs");
            symlink(format!("../{VF0}"), pf.join("virtfn0")).expect("virtfn0");
            symlink(format!("../{VF1}"), pf.join("virtfn1")).expect("virtfn1");
            symlink("../../../kernel/iommu_groups/7", pf.join("iommu_group")).expect("group");
            for driver in ["igb", "vfio-pci"] {
                let dir = root.join("bus/pci/drivers").join(driver);
                fs::create_dir_all(&dir).expect("driver dir");
                fs::write(dir.join("unbind"), "").expect("unbind");
            }
            symlink("../../drivers/igb", pf.join("driver")).expect("driver");
            fs::create_dir_all(pf.join("net/enp1s0")).expect("net");
            fs::write(root.join(PCI_DRIVERS_PROBE), "").expect("drivers_probe");
            Self { root }
        }

        fn sysfs(&self) -> Sysfs {
            Sysfs::at(&self.root)
        }

        fn device(&self, bdf: &str) -> PathBuf {
            self.root.join(PCI_DEVICES_DIR).join(bdf)
        }
    }

    impl Drop for FakeSysfs {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn attributes_round_trip_and_errors_name_the_path() {
        let fake = FakeSysfs::new();
        let path = fake.device(PF).join("sriov_numvfs");
        write_attr(&path, "3").expect("write");
        assert_eq!(read_attr(&path).expect("read"), "3");
        let missing = fake.device(PF).join("no_such_attr");
        let error = read_attr(&missing).expect_err("missing");
        assert!(error.to_string().contains("no_such_attr"), "{error}");
        let error = write_attr(&missing, "1").expect_err("missing");
        assert!(error.to_string().contains("no_such_attr"), "{error}");
        assert!(!missing.exists(), "writing never creates attributes");
    }

    #[test]
    fn bdfs_are_validated() {
        for good in [PF, "0000:ff:1f.7", "abcd:0A:00.1"] {
            assert!(check_bdf(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "01:00.0",
            "0000:01:00.8",
            "0000:01:00.0/../x",
            "0000-01:00.0",
        ] {
            assert!(check_bdf(bad).is_err(), "{bad}");
        }
        let fake = FakeSysfs::new();
        assert!(fake.sysfs().virtfn_bdf("../../etc", 0).is_err());
    }

    #[test]
    fn functions_are_found_by_id_and_sorted() {
        let fake = FakeSysfs::new();
        let sysfs = fake.sysfs();
        assert_eq!(
            sysfs.find_functions(0x8086, 0x10ca).expect("vfs"),
            [VF0, VF1]
        );
        assert_eq!(sysfs.find_functions(0x8086, 0x10c9).expect("pf"), [PF]);
        assert!(
            sysfs
                .find_functions(0x8086, 0x1521)
                .expect("none")
                .is_empty()
        );
        let error = Sysfs::at(fake.root.join("nowhere"))
            .find_functions(0x8086, 0x10c9)
            .expect_err("no tree");
        assert!(error.to_string().contains("nowhere"), "{error}");
    }

    #[test]
    fn links_resolve_to_vfs_groups_drivers_and_netdevs() {
        let fake = FakeSysfs::new();
        let sysfs = fake.sysfs();
        assert_eq!(sysfs.virtfn_bdf(PF, 1).expect("vf1"), VF1);
        let error = sysfs.virtfn_bdf(PF, 5).expect_err("no vf5");
        assert!(error.to_string().contains("virtfn5"), "{error}");
        assert_eq!(sysfs.iommu_group_of(PF).expect("group"), "7");
        let error = sysfs.iommu_group_of(VF0).expect_err("no group");
        assert!(error.to_string().contains("intel-iommu"), "{error}");
        assert_eq!(sysfs.driver_of(PF).expect("driver"), Some("igb".to_owned()));
        assert_eq!(sysfs.driver_of(VF0).expect("driver"), None);
        assert_eq!(sysfs.netdev_of(PF), Some("enp1s0".to_owned()));
        assert_eq!(sysfs.netdev_of(VF0), None);
    }

    #[test]
    fn numvfs_goes_through_zero_and_respects_totalvfs() {
        let fake = FakeSysfs::new();
        let sysfs = fake.sysfs();
        let numvfs = fake.device(PF).join("sriov_numvfs");
        sysfs.set_sriov_numvfs(PF, 2).expect("2 VFs");
        assert_eq!(read_attr(&numvfs).expect("read"), "2");
        sysfs.set_sriov_numvfs(PF, 3).expect("2 -> 3 VFs");
        assert_eq!(read_attr(&numvfs).expect("read"), "3");
        assert_eq!(
            numvfs_writes(2, 3),
            [0, 3],
            "non-zero to non-zero goes through 0"
        );
        assert_eq!(numvfs_writes(0, 3), [3]);
        assert_eq!(numvfs_writes(3, 0), [0]);
        assert!(numvfs_writes(3, 3).is_empty());
        sysfs.set_sriov_numvfs(PF, 2).expect("3 -> 2 VFs");
        let error = sysfs.set_sriov_numvfs(PF, 8).expect_err("over total");
        assert!(error.to_string().contains("sriov_totalvfs is 7"), "{error}");
        assert_eq!(
            read_attr(&numvfs).expect("read"),
            "2",
            "refused request wrote nothing"
        );
        fs::remove_file(&numvfs).expect("remove");
        fs::create_dir(&numvfs).expect("a directory cannot be written");
        fs::write(numvfs.join("x"), "").expect("fill");
        let error = sysfs.set_sriov_numvfs(PF, 3).expect_err("unreadable");
        assert!(error.to_string().contains("sriov_numvfs"), "{error}");
    }

    #[test]
    fn binding_unbinds_the_old_driver_probes_and_waits_for_the_link() {
        let fake = FakeSysfs::new();
        let sysfs = fake.sysfs();
        let pf_dir = fake.device(PF);
        let driver_link = pf_dir.join("driver");
        // Play the kernel: once drivers_probe is written, move the link to vfio-pci.
        let probe = fake.root.join(PCI_DRIVERS_PROBE);
        let kernel = {
            let (probe, driver_link) = (probe.clone(), driver_link.clone());
            std::thread::spawn(move || {
                for _ in 0..500 {
                    if fs::read_to_string(&probe).is_ok_and(|text| text == PF) {
                        let _ = fs::remove_file(&driver_link);
                        symlink("../../drivers/vfio-pci", &driver_link).expect("rebind");
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                false
            })
        };
        sysfs
            .bind_driver_within(PF, "vfio-pci", Duration::from_secs(5))
            .expect("bind");
        assert!(kernel.join().expect("kernel thread"));
        assert_eq!(
            read_attr(pf_dir.join("driver_override")).expect("override"),
            "vfio-pci"
        );
        let unbind = fake.root.join("bus/pci/drivers/igb/unbind");
        assert_eq!(
            read_attr(unbind).expect("unbind"),
            PF,
            "old driver was unbound"
        );
        // Already bound: nothing to unbind or probe.
        fs::write(&probe, "").expect("reset probe");
        sysfs.bind_driver(PF, "vfio-pci").expect("already bound");
        assert_eq!(read_attr(&probe).expect("probe"), "");
    }

    #[test]
    fn binding_times_out_with_the_link_path_when_no_driver_takes_it() {
        let fake = FakeSysfs::new();
        let start = Instant::now();
        let error = fake
            .sysfs()
            .bind_driver_within(VF0, "igbvf", Duration::from_millis(50))
            .expect_err("nobody binds");
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(error.to_string().contains("driver"), "{error}");
        assert_eq!(
            read_attr(fake.root.join(PCI_DRIVERS_PROBE)).expect("probe"),
            VF0,
            "probe was requested"
        );
        assert!(
            fake.sysfs()
                .bind_driver_within(VF0, "../x", BIND_TIMEOUT)
                .is_err()
        );
    }
}
