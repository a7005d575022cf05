//! The packaging flow (Makefile.toml) and the INX files agree on the driver names: stampinf,
//! inf2cat and the package folders all derive from `<crate>.inx`, so a rename in one place
//! must show up here rather than on a Windows build machine.

use inf_check::{DriverRole, inx_path};

fn workspace_file(relative: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The value of `NAME = "value"` in Makefile.toml's [env] table (single-line string only).
fn makefile_env(makefile: &str, name: &str) -> String {
    let prefix = format!("{name} = \"");
    let line = makefile
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("Makefile.toml does not set {name}"));
    line[prefix.len()..]
        .trim_end()
        .trim_end_matches('"')
        .to_owned()
}

#[test]
fn makefile_packages_exactly_the_two_drivers() {
    let makefile = workspace_file("Makefile.toml");
    let crates = makefile_env(&makefile, "DRIVER_CRATES");
    let listed: Vec<&str> = crates.split_whitespace().collect();
    assert_eq!(
        listed,
        [DriverRole::Pf.crate_name(), DriverRole::Vf.crate_name()]
    );
    for role in [DriverRole::Pf, DriverRole::Vf] {
        let inx = inx_path(role);
        assert_eq!(
            inx,
            format!("inf/{}.inx", role.crate_name()),
            "Makefile.toml copies inf/<crate>.inx"
        );
        assert!(!workspace_file(inx).is_empty());
    }
}

#[test]
fn driver_crates_are_wdm_cdylibs_named_like_their_inx() {
    for (role, package) in [
        (DriverRole::Pf, "pf-miniport"),
        (DriverRole::Vf, "vf-miniport"),
    ] {
        let manifest = workspace_file(&format!("{package}/Cargo.toml"));
        assert!(
            manifest.contains(&format!("name = \"{package}\"")),
            "{package}/Cargo.toml names the package"
        );
        // Cargo turns '-' into '_' for the .dll (and so .sys) name the INF copies.
        assert_eq!(package.replace('-', "_"), role.crate_name());
        // WDM: stampinf gets no -k/-u flag, and wdk-build links with /ENTRY:DriverEntry.
        assert!(
            manifest.contains("driver-type = \"WDM\""),
            "{package} must be a WDM driver"
        );
        assert!(
            manifest.contains("\"cdylib\""),
            "{package} must build a cdylib (the .sys image)"
        );
    }
}

#[test]
fn makefile_stamps_amd64_and_signs_with_the_test_certificate() {
    let makefile = workspace_file("Makefile.toml");
    assert_eq!(makefile_env(&makefile, "STAMPINF_ARCH"), "amd64");
    assert_eq!(
        makefile_env(&makefile, "DRIVER_TARGET_TRIPLE"),
        "x86_64-pc-windows-msvc"
    );
    assert_eq!(
        makefile_env(&makefile, "TEST_CERT_STORE"),
        "WDRTestCertStore"
    );
    assert_eq!(
        makefile_env(&makefile, "TEST_CERT_NAME"),
        "WDRLocalTestCert"
    );
    for os in makefile_env(&makefile, "INF2CAT_OS").split(',') {
        // Identifiers from the Inf2Cat documentation that cover x64 Windows 10 / Server.
        assert!(
            ["10_X64", "Server10_X64", "ServerRS5_X64"].contains(&os),
            "unexpected inf2cat OS `{os}`"
        );
    }
}

/// The PF's own event messages (`inf/pf_miniport.mc`) reach Event Viewer: the build links them
/// into the image and the INF registers the image as a message file beside netevent.dll.
#[test]
fn pf_message_table_is_built_and_registered() {
    let build = workspace_file("pf-miniport/build.rs");
    assert!(build.contains("../inf/pf_miniport.mc") && build.contains("mc.exe"));
    assert!(build.contains("rustc-link-arg"));
    let inx = workspace_file("inf/pf_miniport.inx");
    let line = inx
        .lines()
        .find(|line| line.contains("EventMessageFile"))
        .expect("EventMessageFile");
    assert!(
        line.contains("netevent.dll;%13%\\pf_miniport.sys"),
        "{line}"
    );
    assert!(workspace_file("inf/pf_miniport.mc").contains("MessageIdTypedef=NTSTATUS"));
}
