//! The real INX files pass every rule, and each rule catches its own mutation of them.

use inf_check::{DriverRole, Rule, Violation, check_inf, inx_path};

/// The text of a driver's INX file, located from this crate's manifest directory.
pub fn read_inx(role: DriverRole) -> String {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = workspace.join(inx_path(role));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// `text` with the single occurrence of `from` replaced by `to`. Panics if `from` does not
/// occur exactly once, so a test cannot silently mutate nothing.
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    let count = text.matches(from).count();
    assert_eq!(
        count, 1,
        "expected exactly one `{from}` in the INF, found {count}"
    );
    text.replacen(from, to, 1)
}

/// `text` without every line that contains `needle` (at least one must).
pub fn remove_lines_containing(text: &str, needle: &str) -> String {
    let kept: Vec<&str> = text.lines().filter(|line| !line.contains(needle)).collect();
    assert!(
        kept.len() < text.lines().count(),
        "no line contains `{needle}`"
    );
    kept.join("\n")
}

/// `text` with `lines` appended to the section whose header is `header`.
pub fn append_to_section(text: &str, header: &str, lines: &str) -> String {
    replace_once(
        text,
        &format!("{header}\n"),
        &format!("{header}\n{lines}\n"),
    )
}

/// Checks `text` and asserts that some violation has `rule` and a message containing `needle`.
pub fn assert_violation(text: &str, role: DriverRole, rule: Rule, needle: &str) -> Vec<Violation> {
    let violations = check_inf(text, role);
    let found = violations
        .iter()
        .any(|violation| violation.rule == rule && violation.message.contains(needle));
    let listing: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        found,
        "expected a {rule:?} violation mentioning `{needle}`, got:\n{}",
        listing.join("\n")
    );
    violations
}

fn pf() -> String {
    read_inx(DriverRole::Pf)
}

fn vf() -> String {
    read_inx(DriverRole::Vf)
}

fn assert_clean(text: &str, role: DriverRole) {
    let violations = check_inf(text, role);
    let listing: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        violations.is_empty(),
        "{role:?} INF violations:\n{}",
        listing.join("\n")
    );
}

// ----- the real files -----

#[test]
fn pf_inx_has_no_violations() {
    assert_clean(&pf(), DriverRole::Pf);
}

#[test]
fn vf_inx_has_no_violations() {
    assert_clean(&vf(), DriverRole::Vf);
}

#[test]
fn each_inx_fails_the_other_roles_rules() {
    // The PF file checked as a VF must trip the VF rules and vice versa: the roles differ.
    assert_violation(&pf(), DriverRole::Vf, Rule::ForbiddenKeyword, "*SRIOV");
    assert_violation(&pf(), DriverRole::Vf, Rule::HardwareIdMissing, "0x10CA");
    assert_violation(&vf(), DriverRole::Pf, Rule::BindingInterface, "ndis5");
    assert_violation(&vf(), DriverRole::Pf, Rule::KeywordMissing, "*SRIOV");
}

#[test]
fn line_continuations_are_joined() {
    let text = replace_once(
        &pf(),
        "HKR, Ndi\\Interfaces, UpperRange, 0, \"ndis5\"",
        "HKR, Ndi\\Interfaces, \\\n    UpperRange, 0, \"ndis5\" ; continued",
    );
    assert_clean(&text, DriverRole::Pf);
}

// ----- hardware IDs (igb::ids is the source of truth) -----

#[test]
fn dropped_pf_hardware_id_is_reported() {
    let text = remove_lines_containing(&pf(), "DEV_1546");
    assert_violation(&text, DriverRole::Pf, Rule::HardwareIdMissing, "0x1546");
}

#[test]
fn extra_pf_hardware_id_is_reported() {
    // 0x10D3 is the 82574L: an e1000e part, not igb.
    let text = append_to_section(
        &pf(),
        "[Intel.NT$ARCH$.10.0...16299]",
        "%Pf10C9.DeviceDesc% = IgbPf.ndi, PCI\\VEN_8086&DEV_10D3",
    );
    assert_violation(&text, DriverRole::Pf, Rule::HardwareIdUnexpected, "0x10D3");
}

#[test]
fn dropped_hyper_v_vf_hardware_id_is_reported() {
    let text = remove_lines_containing(&vf(), "DEV_152F");
    assert_violation(&text, DriverRole::Vf, Rule::HardwareIdMissing, "0x152F");
}

#[test]
fn pf_id_in_vf_inf_is_reported() {
    let text = append_to_section(
        &vf(),
        "[Intel.NT$ARCH$.10.0...16299]",
        "%Vf10CA.DeviceDesc% = IgbVf.ndi, PCI\\VEN_8086&DEV_10C9",
    );
    assert_violation(&text, DriverRole::Vf, Rule::HardwareIdUnexpected, "0x10C9");
}

#[test]
fn foreign_vendor_id_is_reported() {
    let text = replace_once(&pf(), "PCI\\VEN_8086&DEV_1521", "PCI\\VEN_8087&DEV_1521");
    assert_violation(&text, DriverRole::Pf, Rule::Models, "VEN_8087");
    assert_violation(&text, DriverRole::Pf, Rule::HardwareIdMissing, "0x1521");
}

#[test]
fn duplicate_hardware_id_is_reported() {
    let text = append_to_section(
        &pf(),
        "[Intel.NT$ARCH$.10.0...16299]",
        "%Pf10C9.DeviceDesc% = IgbPf.ndi, PCI\\VEN_8086&DEV_10C9",
    );
    assert_violation(&text, DriverRole::Pf, Rule::Models, "listed again");
}

#[test]
fn device_description_must_match_igb_table() {
    let text = replace_once(
        &vf(),
        "\"Intel I350 Virtual Function\"",
        "\"Intel I350 VF\"",
    );
    assert_violation(&text, DriverRole::Vf, Rule::DeviceDescription, "0x1520");
}

#[test]
fn undecorated_models_section_is_reported() {
    let text = replace_once(
        &pf(),
        "%ManufacturerName% = Intel, NT$ARCH$.10.0...16299",
        "%ManufacturerName% = Intel",
    );
    assert_violation(&text, DriverRole::Pf, Rule::Models, "decoration");
}

// ----- binding interfaces -----

#[test]
fn wrong_pf_upper_range_is_reported() {
    let text = replace_once(
        &pf(),
        "UpperRange, 0, \"ndis5\"",
        "UpperRange, 0, \"ndisvf\"",
    );
    assert_violation(&text, DriverRole::Pf, Rule::BindingInterface, "UpperRange");
}

#[test]
fn wrong_vf_lower_range_is_reported() {
    let text = replace_once(
        &vf(),
        "LowerRange, 0, \"iovvf\"",
        "LowerRange, 0, \"ethernet\"",
    );
    assert_violation(&text, DriverRole::Vf, Rule::BindingInterface, "LowerRange");
}

#[test]
fn missing_upper_range_is_reported() {
    let text = remove_lines_containing(&vf(), "UpperRange");
    assert_violation(&text, DriverRole::Vf, Rule::BindingInterface, "UpperRange");
}

#[test]
fn ndi_service_must_name_the_service() {
    let text = replace_once(
        &pf(),
        "HKR, Ndi,            Service,    0, \"pf_miniport\"",
        "HKR, Ndi, Service, 0, \"igb\"",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::BindingInterface,
        "AddService name",
    );
}

// ----- PciSriovSupported / MSI -----

#[test]
fn missing_include_pci_inf_is_reported() {
    let text = remove_lines_containing(&pf(), "Include = pci.inf");
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::PciSriovSupport,
        "Include=pci.inf",
    );
    // Without the Include, Needs names a section that exists nowhere.
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::MissingSection,
        "PciSriovSupported.HW",
    );
}

#[test]
fn missing_needs_pci_sriov_supported_is_reported() {
    let text = remove_lines_containing(&pf(), "Needs   = PciSriovSupported.HW");
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::PciSriovSupport,
        "Needs=PciSriovSupported.HW",
    );
}

#[test]
fn missing_msi_support_is_reported() {
    let text = remove_lines_containing(&vf(), "MSISupported");
    assert_violation(&text, DriverRole::Vf, Rule::Msi, "MSISupported");
}

// ----- structure -----

#[test]
fn reference_to_missing_section_is_reported() {
    let text = replace_once(
        &pf(),
        "AddReg             = IgbPf.Sriov.Reg",
        "AddReg             = IgbPf.Sriov.Regs",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::MissingSection,
        "IgbPf.Sriov.Regs",
    );
    // And the keywords that section carried are now missing.
    assert_violation(&text, DriverRole::Pf, Rule::KeywordMissing, "*SRIOV");
}

#[test]
fn missing_service_install_section_is_reported() {
    let text = replace_once(
        &vf(),
        "AddService = vf_miniport, 2, IgbVf.Service,",
        "AddService = vf_miniport, 2, IgbVf.Svc,",
    );
    assert_violation(&text, DriverRole::Vf, Rule::MissingSection, "IgbVf.Svc");
}

#[test]
fn undefined_string_token_is_reported() {
    let text = replace_once(
        &pf(),
        "ParamDesc, 0, %Kw.SRIOV%",
        "ParamDesc, 0, %Kw.SRIOV.Typo%",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::UndefinedString,
        "%Kw.SRIOV.Typo%",
    );
}

#[test]
fn unterminated_string_token_is_reported() {
    let text = replace_once(
        &vf(),
        "DisplayName   = %Vf.Service.DisplayName%",
        "DisplayName   = %Vf.Service.DisplayName",
    );
    assert_violation(
        &text,
        DriverRole::Vf,
        Rule::Syntax,
        "unterminated string token",
    );
}

#[test]
fn duplicate_version_key_is_reported() {
    let text = append_to_section(&pf(), "[Version]", "Class = Net");
    assert_violation(&text, DriverRole::Pf, Rule::DuplicateKey, "Class");
}

#[test]
fn duplicate_service_key_is_reported() {
    let text = append_to_section(&vf(), "[IgbVf.Service]", "StartType = 0");
    assert_violation(&text, DriverRole::Vf, Rule::DuplicateKey, "StartType");
}

#[test]
fn duplicate_string_is_reported() {
    let text = append_to_section(&pf(), "[Strings]", "Kw.VMQ = \"VMQ\"");
    assert_violation(&text, DriverRole::Pf, Rule::DuplicateKey, "Kw.VMQ");
}

#[test]
fn duplicate_section_is_reported() {
    let text = format!(
        "{}\n[IgbPf.Reg]\nHKR, Ndi, Service, 0, \"pf_miniport\"\n",
        pf()
    );
    assert_violation(&text, DriverRole::Pf, Rule::DuplicateSection, "[IgbPf.Reg]");
}

#[test]
fn registry_value_written_twice_is_reported() {
    let text = append_to_section(
        &pf(),
        "[IgbPf.NicSwitch.Reg]",
        "HKR, Ndi\\params\\*SRIOV, Default, 0, \"1\"",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::DuplicateRegistryValue,
        "Default",
    );
}

#[test]
fn typographic_quotes_are_reported() {
    let text = replace_once(
        &pf(),
        "\"Default Switch\"",
        "\u{201C}Default Switch\u{201D}",
    );
    assert_violation(&text, DriverRole::Pf, Rule::Syntax, "U+201C");
    assert_violation(&text, DriverRole::Pf, Rule::NicSwitch, "*SwitchName");
}

// ----- [Version], DDInstall, service, files -----

#[test]
fn wrong_catalog_file_is_reported() {
    let text = replace_once(
        &vf(),
        "CatalogFile = vf_miniport.cat",
        "CatalogFile = igbvf.cat",
    );
    assert_violation(&text, DriverRole::Vf, Rule::Version, "CatalogFile");
}

#[test]
fn missing_pnp_lockdown_is_reported() {
    let text = remove_lines_containing(&pf(), "PnpLockdown");
    assert_violation(&text, DriverRole::Pf, Rule::Version, "PnpLockdown");
}

#[test]
fn wrong_class_guid_is_reported() {
    let text = replace_once(
        &pf(),
        "{4d36e972-e325-11ce-bfc1-08002be10318}",
        "{4d36e972-e325-11ce-bfc1-08002be10319}",
    );
    assert_violation(&text, DriverRole::Pf, Rule::Version, "ClassGuid");
}

#[test]
fn virtual_characteristics_are_reported() {
    let text = replace_once(
        &pf(),
        "Characteristics    = 0x84",
        "Characteristics    = 0x1",
    );
    assert_violation(&text, DriverRole::Pf, Rule::NetInstall, "Characteristics");
}

#[test]
fn wrong_physical_media_type_is_reported() {
    let text = replace_once(&vf(), "*PhysicalMediaType = 14", "*PhysicalMediaType = 0");
    assert_violation(
        &text,
        DriverRole::Vf,
        Rule::NetInstall,
        "*PhysicalMediaType",
    );
}

#[test]
fn service_binary_outside_driver_store_is_reported() {
    let text = replace_once(
        &pf(),
        "ServiceBinary = %13%\\pf_miniport.sys",
        "ServiceBinary = %12%\\pf_miniport.sys",
    );
    assert_violation(&text, DriverRole::Pf, Rule::Service, "ServiceBinary");
}

#[test]
fn boot_start_service_is_reported() {
    let text = replace_once(&vf(), "StartType     = 3", "StartType     = 0");
    assert_violation(&text, DriverRole::Vf, Rule::Service, "StartType");
}

#[test]
fn add_service_without_assoc_flag_is_reported() {
    let text = replace_once(
        &pf(),
        "AddService = pf_miniport, 2,",
        "AddService = pf_miniport, 0,",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::Service,
        "SPSVCINST_ASSOCSERVICE",
    );
}

#[test]
fn copy_destination_other_than_driver_store_is_reported() {
    let text = replace_once(&pf(), "IgbPf.CopyFiles = 13", "IgbPf.CopyFiles = 12");
    assert_violation(&text, DriverRole::Pf, Rule::Files, "driver store");
}

#[test]
fn copied_file_missing_from_source_disks_is_reported() {
    let text = remove_lines_containing(&vf(), "vf_miniport.sys = 1,,");
    assert_violation(&text, DriverRole::Vf, Rule::Files, "SourceDisksFiles");
}

// ----- keywords -----

#[test]
fn sriov_preferred_in_pf_inf_is_reported() {
    let text = append_to_section(
        &pf(),
        "[IgbPf.Sriov.Reg]",
        "HKR, Ndi\\params\\*SriovPreferred, ParamDesc, 0, \"SR-IOV preferred\"",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::ForbiddenKeyword,
        "*SriovPreferred",
    );
}

#[test]
fn sriov_preferred_outside_ndi_params_is_reported() {
    let text = append_to_section(
        &pf(),
        "[IgbPf.NicSwitch.Reg]",
        "HKR, , *SriovPreferred, 0x00010001, 1",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::ForbiddenKeyword,
        "*SriovPreferred",
    );
}

#[test]
fn rss_or_vmq_preference_is_reported() {
    let text = append_to_section(
        &pf(),
        "[IgbPf.Sriov.Reg]",
        "HKR, , *RssOrVmqPreference, 0, \"1\"",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::ForbiddenKeyword,
        "*RssOrVmqPreference",
    );
}

#[test]
fn sriov_keyword_in_vf_inf_is_reported() {
    let text = append_to_section(
        &vf(),
        "[IgbVf.Link.Reg]",
        "HKR, Ndi\\params\\*SRIOV, ParamDesc, 0, \"SR-IOV\"\nHKR, Ndi\\params\\*SRIOV, Type, 0, \"enum\"\nHKR, Ndi\\params\\*SRIOV, Default, 0, \"1\"\nHKR, Ndi\\params\\*SRIOV\\enum, \"1\", 0, \"Enabled\"",
    );
    assert_violation(&text, DriverRole::Vf, Rule::ForbiddenKeyword, "*SRIOV");
}

#[test]
fn vmq_keyword_in_vf_inf_is_reported() {
    let text = append_to_section(
        &vf(),
        "[IgbVf.Link.Reg]",
        "HKR, Ndi\\params\\*VMQVlanFiltering, Default, 0, \"1\"",
    );
    assert_violation(
        &text,
        DriverRole::Vf,
        Rule::ForbiddenKeyword,
        "*VMQVlanFiltering",
    );
}

#[test]
fn nic_switch_in_vf_inf_is_reported() {
    let text = append_to_section(
        &vf(),
        "[IgbVf.Reg]",
        "HKR, NicSwitches\\0, *NumVFs, 0x00010001, 7",
    );
    assert_violation(&text, DriverRole::Vf, Rule::ForbiddenKeyword, "NicSwitches");
}

#[test]
fn sriov_default_disabled_is_reported() {
    let text = replace_once(
        &pf(),
        "HKR, Ndi\\params\\*SRIOV,                  Default,   0, \"1\"",
        "HKR, Ndi\\params\\*SRIOV, Default, 0, \"0\"",
    );
    assert_violation(&text, DriverRole::Pf, Rule::KeywordDefault, "*SRIOV");
}

#[test]
fn vmq_default_disabled_is_reported() {
    let text = replace_once(
        &pf(),
        "HKR, Ndi\\params\\*VMQ,                    Default,   0, \"1\"",
        "HKR, Ndi\\params\\*VMQ, Default, 0, \"0\"",
    );
    assert_violation(&text, DriverRole::Pf, Rule::KeywordDefault, "*VMQ");
}

#[test]
fn missing_vmq_vlan_filtering_is_reported() {
    let text = remove_lines_containing(&pf(), "*VMQVlanFiltering");
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::KeywordMissing,
        "*VMQVlanFiltering",
    );
}

#[test]
fn missing_lso_keyword_in_vf_is_reported() {
    let text = remove_lines_containing(&vf(), "*LsoV2IPv6");
    assert_violation(&text, DriverRole::Vf, Rule::KeywordMissing, "*LsoV2IPv6");
}

#[test]
fn keyword_without_param_desc_is_reported() {
    let text = remove_lines_containing(&pf(), "%Kw.FlowControl%");
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::KeywordMalformed,
        "*FlowControl has no ParamDesc",
    );
}

#[test]
fn enum_default_outside_its_values_is_reported() {
    let text = replace_once(
        &vf(),
        "HKR, Ndi\\params\\*PriorityVLANTag\\enum,   \"3\"",
        "HKR, Ndi\\params\\*PriorityVLANTag\\enum,   \"1\"",
    );
    // Value 1 is now listed twice and the default 3 is not listed.
    assert_violation(
        &text,
        DriverRole::Vf,
        Rule::KeywordMalformed,
        "Default `3` is not one of its enum values",
    );
}

#[test]
fn non_standard_enum_value_is_reported() {
    let text = append_to_section(
        &pf(),
        "[IgbPf.Link.Reg]",
        "HKR, Ndi\\params\\*SpeedDuplex\\enum, \"11\", 0, \"2.5 Gbps\"",
    );
    assert_violation(&text, DriverRole::Pf, Rule::KeywordMalformed, "value `11`");
}

#[test]
fn checksum_default_other_than_rx_tx_is_reported() {
    let text = replace_once(
        &vf(),
        "HKR, Ndi\\params\\*UDPChecksumOffloadIPv6,      Default,   0, \"3\"",
        "HKR, Ndi\\params\\*UDPChecksumOffloadIPv6, Default, 0, \"1\"",
    );
    assert_violation(
        &text,
        DriverRole::Vf,
        Rule::KeywordDefault,
        "*UDPChecksumOffloadIPv6",
    );
}

#[test]
fn int_default_outside_range_is_reported() {
    let text = replace_once(
        &pf(),
        "HKR, Ndi\\params\\*ReceiveBuffers,         Default,   0, \"256\"",
        "HKR, Ndi\\params\\*ReceiveBuffers, Default, 0, \"8192\"",
    );
    assert_violation(&text, DriverRole::Pf, Rule::KeywordMalformed, "outside Min");
}

#[test]
fn jumbo_packet_min_below_1514_is_reported() {
    let text = replace_once(
        &vf(),
        "HKR, Ndi\\params\\*JumboPacket,            Min,       0, \"1514\"",
        "HKR, Ndi\\params\\*JumboPacket, Min, 0, \"1500\"",
    );
    assert_violation(
        &text,
        DriverRole::Vf,
        Rule::KeywordMalformed,
        "standardized minimum 1514",
    );
}

#[test]
fn wrong_keyword_type_is_reported() {
    let text = replace_once(
        &pf(),
        "HKR, Ndi\\params\\*SRIOV,                  Type,      0, \"enum\"",
        "HKR, Ndi\\params\\*SRIOV, Type, 0, \"int\"",
    );
    assert_violation(
        &text,
        DriverRole::Pf,
        Rule::KeywordMalformed,
        "standardized as `enum`",
    );
}

// ----- default NIC switch -----

#[test]
fn too_many_vfs_is_reported() {
    let text = replace_once(
        &pf(),
        "*NumVFs,     0x00010001, 7",
        "*NumVFs,     0x00010001, 8",
    );
    assert_violation(&text, DriverRole::Pf, Rule::NicSwitch, "*NumVFs");
}

#[test]
fn switch_name_must_be_default_switch() {
    let text = replace_once(&pf(), "\"Default Switch\"", "\"Switch 0\"");
    assert_violation(&text, DriverRole::Pf, Rule::NicSwitch, "*SwitchName");
}

#[test]
fn switch_type_as_string_is_reported() {
    let text = replace_once(
        &pf(),
        "*SwitchType, 0x00010001, 1",
        "*SwitchType, 0x00000000, \"1\"",
    );
    assert_violation(&text, DriverRole::Pf, Rule::NicSwitch, "*SwitchType");
}

#[test]
fn missing_switch_flags_is_reported() {
    let text = remove_lines_containing(&pf(), "*Flags");
    assert_violation(&text, DriverRole::Pf, Rule::NicSwitch, "*Flags");
}

#[test]
fn second_nic_switch_is_reported() {
    let text = append_to_section(
        &pf(),
        "[IgbPf.NicSwitch.Reg]",
        "HKR, NicSwitches\\1, *SwitchId, 0x00010001, 1",
    );
    assert_violation(&text, DriverRole::Pf, Rule::NicSwitch, "NicSwitches\\1");
}

#[test]
fn num_vfs_under_ndi_params_is_reported() {
    let text = append_to_section(
        &pf(),
        "[IgbPf.Sriov.Reg]",
        "HKR, Ndi\\params\\*NumVFs, ParamDesc, 0, \"VFs\"",
    );
    assert_violation(&text, DriverRole::Pf, Rule::HiddenKeywordExposed, "*NumVFs");
}

// ----- robustness -----

#[test]
fn truncated_and_garbled_inputs_do_not_panic() {
    let text = pf();
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(index, _)| index)
        .step_by(61)
        .collect();
    for end in boundaries {
        let violations = check_inf(&text[..end], DriverRole::Pf);
        // Every strict prefix loses at least the last [Strings] entries or more.
        assert!(
            !violations.is_empty(),
            "prefix of {end} bytes passed every rule"
        );
    }
    for garbage in [
        "",
        "[",
        "]",
        "\"",
        "%",
        "%%",
        "[Version",
        "=",
        ",,,",
        "\\",
        "[a]\n\\",
        "[Strings]\n=\"x",
    ] {
        let violations = check_inf(garbage, DriverRole::Vf);
        assert!(!violations.is_empty(), "`{garbage}` passed every rule");
    }
}
