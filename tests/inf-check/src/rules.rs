//! Rule checks over a parsed INF. Every check appends [`Violation`]s; none panics.
//!
//! Requirement sources are cited per rule; "REQ" is `ndis-sriov-requirements.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use igb::ids::{DeviceId, INTEL_VENDOR_ID, PF_DEVICE_IDS, VF_DEVICE_IDS};

use crate::keywords::{
    COMMON_REQUIRED, HIDDEN_KEYWORDS, KeywordKind, PF_ONLY_REQUIRED, StandardKeyword,
    standard_keyword,
};
use crate::parse::{InfFile, Line, Section, is_dirid, string_tokens};

/// The most VFs one igb port can expose: 8 VMDq pools, the PF keeps the last one
/// (igb-hardware.md §1.3). The PF INF's `*NumVFs` must be within 1..=this.
pub const IGB_MAX_VFS: u32 = 7;

/// Network adapter setup class GUID ("System-Defined Device Setup Classes").
pub const NET_CLASS_GUID: &str = "{4d36e972-e325-11ce-bfc1-08002be10318}";

/// `NCF_PHYSICAL | NCF_HAS_UI`: a physical adapter with an Advanced property page.
pub const NET_CHARACTERISTICS: u32 = 0x84;

/// `FLG_ADDREG_TYPE_DWORD` (REG_DWORD in an AddReg line).
const FLG_ADDREG_TYPE_DWORD: u32 = 0x0001_0001;

/// `SPSVCINST_ASSOCSERVICE`: the AddService entry that is the device's function driver.
const SPSVCINST_ASSOCSERVICE: u32 = 0x2;

/// Which driver an INF installs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverRole {
    /// `pf-miniport`, the SR-IOV Physical Function miniport (Hyper-V host).
    Pf,
    /// `vf-miniport`, the Virtual Function miniport (guest).
    Vf,
}

impl DriverRole {
    /// The crate's file-system name, which names the `.sys`, `.inf` and `.cat` files.
    #[must_use]
    pub const fn crate_name(self) -> &'static str {
        match self {
            Self::Pf => "pf_miniport",
            Self::Vf => "vf_miniport",
        }
    }

    /// The PCI device IDs the INF must list: the igb crate's tables, the single source of truth.
    #[must_use]
    pub const fn device_ids(self) -> &'static [DeviceId] {
        match self {
            Self::Pf => PF_DEVICE_IDS,
            Self::Vf => VF_DEVICE_IDS,
        }
    }

    /// `Ndi\Interfaces` `UpperRange` (REQ §1.3 PF "ndis5"; §2.5 VF "ndisvf").
    #[must_use]
    pub const fn upper_range(self) -> &'static str {
        match self {
            Self::Pf => "ndis5",
            Self::Vf => "ndisvf",
        }
    }

    /// `Ndi\Interfaces` `LowerRange` (REQ §1.3 PF "ethernet"; §2.5 VF "iovvf").
    #[must_use]
    pub const fn lower_range(self) -> &'static str {
        match self {
            Self::Pf => "ethernet",
            Self::Vf => "iovvf",
        }
    }

    fn required_keywords(self) -> impl Iterator<Item = &'static str> {
        let pf_only: &'static [&'static str] = match self {
            Self::Pf => PF_ONLY_REQUIRED,
            Self::Vf => &[],
        };
        COMMON_REQUIRED.iter().chain(pf_only).copied()
    }
}

/// The rule a [`Violation`] breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Malformed text: unterminated quote or `%token`, bad header, non-ASCII character.
    Syntax,
    /// Two sections with the same name.
    DuplicateSection,
    /// A section referenced by a directive does not exist.
    MissingSection,
    /// A `%strkey%` token has no `[Strings]` entry.
    UndefinedString,
    /// A key appears twice in a section where that is illegal.
    DuplicateKey,
    /// The same registry value is written twice by one install section.
    DuplicateRegistryValue,
    /// A `[Version]` entry is missing or wrong.
    Version,
    /// `[Manufacturer]`/Models structure (decoration, hardware ID format, duplicate IDs).
    Models,
    /// A device ID of the igb table is not in the INF.
    HardwareIdMissing,
    /// The INF lists a device ID the igb table does not have.
    HardwareIdUnexpected,
    /// A device description differs from the igb table's name for that ID.
    DeviceDescription,
    /// DDInstall network values: Characteristics, BusType, *IfType, *MediaType, *PhysicalMediaType.
    NetInstall,
    /// DDInstall.Services / service install section.
    Service,
    /// CopyFiles / DestinationDirs / SourceDisks* consistency.
    Files,
    /// `Ndi\Interfaces` UpperRange/LowerRange or `Ndi` Service.
    BindingInterface,
    /// PF DDInstall.HW lacks `Include=pci.inf` / `Needs=PciSriovSupported.HW`.
    PciSriovSupport,
    /// MSI/MSI-X not enabled in DDInstall.HW.
    Msi,
    /// A required standardized keyword is missing from `Ndi\params`.
    KeywordMissing,
    /// A keyword's `Ndi\params` entry is incomplete or inconsistent.
    KeywordMalformed,
    /// A keyword's default differs from the one the rules require.
    KeywordDefault,
    /// A keyword that must not be in this INF is there.
    ForbiddenKeyword,
    /// A hidden (non-UI) value is exposed under `Ndi\params`.
    HiddenKeywordExposed,
    /// The default NIC switch (`NicSwitches\0`) values are missing or wrong.
    NicSwitch,
}

/// One rule violation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The rule broken.
    pub rule: Rule,
    /// 1-based line number, where one applies.
    pub line: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(formatter, "line {line}: {:?}: {}", self.rule, self.message),
            None => write!(formatter, "{:?}: {}", self.rule, self.message),
        }
    }
}

/// Parses `text` and checks it against every rule for `role`.
#[must_use]
pub fn check_inf(text: &str, role: DriverRole) -> Vec<Violation> {
    let inf = InfFile::parse(text);
    let mut checker = Checker {
        inf: &inf,
        role,
        violations: Vec::new(),
    };
    checker.run();
    checker.violations
}

/// One `AddReg` line, resolved.
#[derive(Clone, Debug)]
struct RegValue {
    line: usize,
    root: String,
    subkey: String,
    name: String,
    flags: Option<u32>,
    value: String,
}

impl RegValue {
    fn is_hkr(&self, subkey: &str, name: &str) -> bool {
        self.root.eq_ignore_ascii_case("HKR")
            && self.subkey.eq_ignore_ascii_case(subkey)
            && self.name.eq_ignore_ascii_case(name)
    }

    fn is_dword(&self) -> bool {
        self.flags
            .is_some_and(|flags| flags & 0xFFFF_0001 == FLG_ADDREG_TYPE_DWORD)
    }

    fn is_string(&self) -> bool {
        // REG_SZ: flags 0 or omitted.
        self.flags.is_none_or(|flags| flags == 0)
    }
}

/// Directives whose values name other sections of this INF.
const SECTION_DIRECTIVES: &[&str] = &[
    "AddReg",
    "DelReg",
    "CopyFiles",
    "DelFiles",
    "RenFiles",
    "BitReg",
    "UpdateInis",
];

/// Keys that may legally repeat in one section (each occurrence adds more sections or files).
const REPEATABLE_DIRECTIVES: &[&str] = &[
    "AddReg",
    "DelReg",
    "CopyFiles",
    "DelFiles",
    "RenFiles",
    "BitReg",
    "UpdateInis",
    "Include",
    "Needs",
    "AddService",
    "DelService",
    "AddProperty",
    "DelProperty",
    "AddInterface",
];

fn parse_number(text: &str) -> Option<u32> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn contains_ignore_case(list: &[&str], name: &str) -> bool {
    list.iter().any(|item| item.eq_ignore_ascii_case(name))
}

struct Checker<'a> {
    inf: &'a InfFile,
    role: DriverRole,
    violations: Vec<Violation>,
}

impl<'a> Checker<'a> {
    fn report(&mut self, rule: Rule, line: Option<usize>, message: impl Into<String>) {
        self.violations.push(Violation {
            rule,
            line,
            message: message.into(),
        });
    }

    fn run(&mut self) {
        for issue in &self.inf.syntax_issues {
            self.report(Rule::Syntax, Some(issue.line), issue.message.clone());
        }
        self.check_duplicate_sections();
        self.check_strings();
        self.check_section_references();
        let models = self.models_sections();
        self.check_duplicate_keys(&models);
        self.check_version();
        let install_sections = self.check_models(&models);
        for install in &install_sections {
            self.check_install_section(install);
        }
        self.check_forbidden_everywhere();
    }

    fn section_or_report(
        &mut self,
        name: &str,
        line: Option<usize>,
        referrer: &str,
    ) -> Option<&'a Section> {
        let found = self.inf.section(name);
        if found.is_none() {
            self.report(
                Rule::MissingSection,
                line,
                format!("section [{name}] (referenced by {referrer}) does not exist"),
            );
        }
        found
    }

    // ----- structure -----

    fn check_duplicate_sections(&mut self) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for section in &self.inf.sections {
            let key = section.name.to_ascii_lowercase();
            if let Some(first) = seen.get(&key) {
                let message = format!("section [{}] already defined at line {first}", section.name);
                self.report(Rule::DuplicateSection, Some(section.line), message);
            } else {
                seen.insert(key, section.line);
            }
        }
    }

    fn check_strings(&mut self) {
        for section in &self.inf.sections {
            if section.name.eq_ignore_ascii_case("Strings") {
                continue;
            }
            for line in &section.lines {
                let texts = line
                    .key
                    .iter()
                    .map(String::as_str)
                    .chain(line.fields.iter().map(|field| field.text.as_str()));
                for text in texts {
                    match string_tokens(text) {
                        Ok(tokens) => {
                            for token in tokens.into_iter().filter(|token| !is_dirid(token)) {
                                if self.inf.string(token).is_none() {
                                    let message = format!("%{token}% is not defined in [Strings]");
                                    self.report(Rule::UndefinedString, Some(line.number), message);
                                }
                            }
                        }
                        Err(rest) => {
                            let message = format!("unterminated string token `{rest}`");
                            self.report(Rule::Syntax, Some(line.number), message);
                        }
                    }
                }
            }
        }
    }

    /// Every section named by AddReg/CopyFiles/…, Needs, AddService and DestinationDirs exists.
    fn check_section_references(&mut self) {
        for section in &self.inf.sections {
            let has_include = section.first_with_key("Include").is_some();
            for line in &section.lines {
                let Some(key) = line.key.as_deref() else {
                    continue;
                };
                let referrer = format!("{key} in [{}]", section.name);
                if contains_ignore_case(SECTION_DIRECTIVES, key) {
                    for field in line.fields.iter().filter(|field| !field.text.is_empty()) {
                        // `CopyFiles = @file.sys` copies one file directly; not a section.
                        if !field.text.starts_with('@') {
                            self.section_or_report(&field.text, Some(line.number), &referrer);
                        }
                    }
                } else if key.eq_ignore_ascii_case("Needs") {
                    // Needs may name sections of an Include'd system INF (PciSriovSupported.HW
                    // lives in pci.inf); only without an Include must they be local.
                    for field in line.fields.iter().filter(|field| !field.text.is_empty()) {
                        if self.inf.section(&field.text).is_none() && !has_include {
                            let message = format!(
                                "[{}] needs [{}], which is neither here nor in an Include'd INF",
                                section.name, field.text
                            );
                            self.report(Rule::MissingSection, Some(line.number), message);
                        }
                    }
                } else if key.eq_ignore_ascii_case("AddService") {
                    for index in [2, 3] {
                        let name = line.field(index);
                        if !name.is_empty() {
                            self.section_or_report(name, Some(line.number), &referrer);
                        }
                    }
                } else if section.name.eq_ignore_ascii_case("DestinationDirs")
                    && !key.eq_ignore_ascii_case("DefaultDestDir")
                {
                    self.section_or_report(key, Some(line.number), "[DestinationDirs]");
                }
            }
        }
    }

    /// Models section names from `[Manufacturer]` (`%Mfg% = Name, Decoration, …`).
    fn models_sections(&mut self) -> Vec<&'a Section> {
        let Some(manufacturer) = self.inf.section("Manufacturer") else {
            self.report(Rule::Models, None, "no [Manufacturer] section");
            return Vec::new();
        };
        let mut models = Vec::new();
        for line in &manufacturer.lines {
            let base = line.field(0);
            let decorations: Vec<&str> = line
                .fields
                .iter()
                .skip(1)
                .map(|field| field.text.as_str())
                .filter(|text| !text.is_empty())
                .collect();
            if decorations.is_empty() {
                // Undecorated Models sections are not allowed for x64 (they'd only apply to x86).
                self.report(
                    Rule::Models,
                    Some(line.number),
                    format!("models [{base}] has no NT$ARCH$ TargetOSVersion decoration"),
                );
            }
            for decoration in decorations {
                if !decoration.to_ascii_uppercase().starts_with("NT$ARCH$") {
                    let message = format!(
                        "decoration `{decoration}` should start with NT$ARCH$ (stampinf fills the architecture)"
                    );
                    self.report(Rule::Models, Some(line.number), message);
                }
                let name = format!("{base}.{decoration}");
                if let Some(section) =
                    self.section_or_report(&name, Some(line.number), "[Manufacturer]")
                {
                    models.push(section);
                }
            }
        }
        models
    }

    fn check_duplicate_keys(&mut self, models: &[&Section]) {
        for section in &self.inf.sections {
            // Models sections repeat device descriptions legitimately.
            if models
                .iter()
                .any(|model| model.name.eq_ignore_ascii_case(&section.name))
            {
                continue;
            }
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for line in &section.lines {
                let Some(key) = line.key.as_deref() else {
                    continue;
                };
                if contains_ignore_case(REPEATABLE_DIRECTIVES, key) {
                    continue;
                }
                let lower = key.to_ascii_lowercase();
                if let Some(first) = seen.get(&lower) {
                    let message = format!(
                        "key `{key}` in [{}] already set at line {first}",
                        section.name
                    );
                    self.report(Rule::DuplicateKey, Some(line.number), message);
                } else {
                    seen.insert(lower, line.number);
                }
            }
        }
    }

    // ----- [Version] -----

    fn check_version(&mut self) {
        let Some(version) = self.inf.section("Version") else {
            self.report(Rule::Version, None, "no [Version] section");
            return;
        };
        let catalog = format!("{}.cat", self.role.crate_name());
        let expectations: [(&str, Option<&str>); 7] = [
            ("Signature", Some("$WINDOWS NT$")),
            ("Class", Some("Net")),
            ("ClassGuid", Some(NET_CLASS_GUID)),
            ("Provider", None),
            ("CatalogFile", Some(&catalog)),
            ("DriverVer", None),
            ("PnpLockdown", Some("1")),
        ];
        for (key, expected) in expectations {
            match version.first_with_key(key) {
                None => self.report(
                    Rule::Version,
                    Some(version.line),
                    format!("[Version] lacks {key}"),
                ),
                Some(line) => {
                    let actual = self.inf.expand(line.field(0));
                    let wrong = match expected {
                        Some(expected) => !actual.eq_ignore_ascii_case(expected),
                        None => actual.trim().is_empty(),
                    };
                    if wrong {
                        let message = format!(
                            "[Version] {key} is `{actual}`, expected `{}`",
                            expected.unwrap_or("a value")
                        );
                        self.report(Rule::Version, Some(line.number), message);
                    }
                }
            }
        }
    }

    // ----- Models and hardware IDs -----

    /// Checks hardware IDs against the igb table; returns the install sections used.
    fn check_models(&mut self, models: &[&'a Section]) -> Vec<&'a Section> {
        let expected: BTreeMap<u16, &DeviceId> = self
            .role
            .device_ids()
            .iter()
            .map(|id| (id.device_id, id))
            .collect();
        let mut listed: BTreeMap<u16, usize> = BTreeMap::new();
        let mut install_names: BTreeSet<String> = BTreeSet::new();
        let mut install_sections = Vec::new();
        for section in models {
            for line in &section.lines {
                let install = line.field(0);
                if install_names.insert(install.to_ascii_lowercase()) {
                    let referrer = format!("models [{}]", section.name);
                    if let Some(found) =
                        self.section_or_report(install, Some(line.number), &referrer)
                    {
                        install_sections.push(found);
                    }
                }
                let description = line
                    .key
                    .as_deref()
                    .map(|key| self.inf.expand(key))
                    .unwrap_or_default();
                for field in line
                    .fields
                    .iter()
                    .skip(1)
                    .filter(|field| !field.text.is_empty())
                {
                    let Some(device) = parse_pci_hardware_id(&field.text) else {
                        let message = format!(
                            "hardware ID `{}` is not of the form PCI\\VEN_8086&DEV_xxxx",
                            field.text
                        );
                        self.report(Rule::Models, Some(line.number), message);
                        continue;
                    };
                    if let Some(first) = listed.insert(device, line.number) {
                        let message =
                            format!("device 0x{device:04X} listed again (first at line {first})");
                        self.report(Rule::Models, Some(line.number), message);
                    }
                    match expected.get(&device) {
                        None => {
                            let message = format!(
                                "device 0x{device:04X} is not in igb::ids ({:?} table)",
                                self.role
                            );
                            self.report(Rule::HardwareIdUnexpected, Some(line.number), message);
                        }
                        Some(id) if id.name != description => {
                            let message = format!(
                                "device 0x{device:04X} is described as `{description}`, igb::ids names it `{}`",
                                id.name
                            );
                            self.report(Rule::DeviceDescription, Some(line.number), message);
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        for device in expected
            .keys()
            .filter(|device| !listed.contains_key(device))
        {
            let message = format!(
                "device 0x{device:04X} from igb::ids ({:?} table) is not in the INF",
                self.role
            );
            self.report(Rule::HardwareIdMissing, None, message);
        }
        if install_sections.is_empty() && !models.is_empty() {
            self.report(
                Rule::Models,
                None,
                "no install section is referenced by the models sections",
            );
        }
        install_sections
    }

    // ----- DDInstall -----

    fn check_install_section(&mut self, install: &'a Section) {
        self.check_net_install_values(install);
        let registry = self.registry_of(install);
        self.check_duplicate_registry_values(install, &registry);
        self.check_binding(install, &registry);
        self.check_keywords(&registry);
        if self.role == DriverRole::Pf {
            self.check_nic_switch(install, &registry);
        } else {
            self.check_vf_has_no_sriov(&registry);
        }
        self.check_hw_section(install);
        let service = self.check_services(install);
        if let Some(service) = service {
            self.check_ndi_service(install, &registry, &service);
        }
        self.check_files(install);
    }

    fn check_net_install_values(&mut self, install: &Section) {
        let expectations: [(&str, u32); 5] = [
            ("Characteristics", NET_CHARACTERISTICS),
            ("BusType", 5),
            ("*IfType", 6),
            ("*MediaType", 0),
            ("*PhysicalMediaType", 14),
        ];
        for (key, expected) in expectations {
            match install.first_with_key(key) {
                None => self.report(
                    Rule::NetInstall,
                    Some(install.line),
                    format!("[{}] lacks {key}", install.name),
                ),
                Some(line) => {
                    if parse_number(line.field(0)) != Some(expected) {
                        let message = format!(
                            "[{}] {key} is `{}`, expected {expected:#x}",
                            install.name,
                            line.field(0)
                        );
                        self.report(Rule::NetInstall, Some(line.number), message);
                    }
                }
            }
        }
    }

    /// All registry values written by the AddReg sections `section` names.
    fn registry_of(&mut self, section: &Section) -> Vec<RegValue> {
        let mut values = Vec::new();
        for line in section.lines_with_key("AddReg") {
            for field in line.fields.iter().filter(|field| !field.text.is_empty()) {
                let Some(add_reg) = self.inf.section(&field.text) else {
                    continue;
                };
                for entry in &add_reg.lines {
                    if entry.key.is_some() {
                        self.report(
                            Rule::Syntax,
                            Some(entry.number),
                            format!("AddReg section [{}] has a `key =` line", add_reg.name),
                        );
                        continue;
                    }
                    let flags_text = entry.field(3);
                    let flags = if flags_text.trim().is_empty() {
                        None
                    } else {
                        parse_number(flags_text)
                    };
                    if flags.is_none() && !flags_text.trim().is_empty() {
                        self.report(
                            Rule::Syntax,
                            Some(entry.number),
                            format!("AddReg flags `{flags_text}` is not a number"),
                        );
                    }
                    values.push(RegValue {
                        line: entry.number,
                        root: entry.field(0).to_owned(),
                        subkey: entry.field(1).to_owned(),
                        name: entry.field(2).to_owned(),
                        flags,
                        value: self.inf.expand(entry.field(4)),
                    });
                }
            }
        }
        values
    }

    fn check_duplicate_registry_values(&mut self, section: &Section, registry: &[RegValue]) {
        let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for value in registry {
            let key = (
                value.root.to_ascii_lowercase(),
                value.subkey.to_ascii_lowercase(),
                value.name.to_ascii_lowercase(),
            );
            if let Some(first) = seen.get(&key) {
                let message = format!(
                    "[{}] writes {}\\{} `{}` twice (first at line {first})",
                    section.name, value.root, value.subkey, value.name
                );
                self.report(Rule::DuplicateRegistryValue, Some(value.line), message);
            } else {
                seen.insert(key, value.line);
            }
        }
    }

    fn check_binding(&mut self, install: &Section, registry: &[RegValue]) {
        for (name, expected) in [
            ("UpperRange", self.role.upper_range()),
            ("LowerRange", self.role.lower_range()),
        ] {
            let found: Vec<&RegValue> = registry
                .iter()
                .filter(|value| value.is_hkr("Ndi\\Interfaces", name))
                .collect();
            match found.as_slice() {
                [] => self.report(
                    Rule::BindingInterface,
                    Some(install.line),
                    format!("no HKR, Ndi\\Interfaces, {name}"),
                ),
                [value] if value.value == expected && value.is_string() => {}
                [value, ..] => {
                    let message = format!(
                        "Ndi\\Interfaces {name} is `{}`, must be the string \"{expected}\"",
                        value.value
                    );
                    self.report(Rule::BindingInterface, Some(value.line), message);
                }
            }
        }
    }

    // ----- keywords -----

    fn check_keywords(&mut self, registry: &[RegValue]) {
        let params = collect_params(registry);
        for required in self.role.required_keywords() {
            if !params.contains_key(&required.to_ascii_lowercase()) {
                self.report(
                    Rule::KeywordMissing,
                    None,
                    format!("required keyword {required} is not in Ndi\\params"),
                );
            }
        }
        for (lower, param) in &params {
            let standard = standard_keyword(lower);
            self.check_param(param, standard);
        }
    }

    fn check_param(&mut self, param: &Param, standard: Option<&StandardKeyword>) {
        let name = param.name.as_str();
        let line = Some(param.first_line);
        for attribute in ["ParamDesc", "Type", "Default"] {
            if !param
                .attributes
                .contains_key(&attribute.to_ascii_lowercase())
            {
                self.report(
                    Rule::KeywordMalformed,
                    line,
                    format!("{name} has no {attribute}"),
                );
            }
        }
        if param
            .attribute("ParamDesc")
            .is_some_and(|text| text.trim().is_empty())
        {
            self.report(
                Rule::KeywordMalformed,
                line,
                format!("{name} has an empty ParamDesc"),
            );
        }
        let type_name = param
            .attribute("Type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if let Some(standard) = standard {
            if type_name != standard.kind.type_name() {
                let message = format!(
                    "{name} Type is `{type_name}`, standardized as `{}`",
                    standard.kind.type_name()
                );
                self.report(Rule::KeywordMalformed, line, message);
            }
        }
        let default = param.attribute("Default").unwrap_or_default().to_owned();
        match type_name.as_str() {
            "enum" => self.check_enum_param(param, standard, &default),
            "int" | "long" | "word" | "dword" => self.check_int_param(param, standard, &default),
            "edit" => {}
            other => self.report(
                Rule::KeywordMalformed,
                line,
                format!("{name} Type `{other}` is not enum/int/edit"),
            ),
        }
        if let Some(required) = standard.and_then(|standard| standard.required_default) {
            if param.attributes.contains_key("default") && default != required {
                let message = format!(
                    "{name} Default is `{default}`, the standardized default is `{required}`"
                );
                self.report(
                    Rule::KeywordDefault,
                    param.attribute_line("Default"),
                    message,
                );
            }
        }
    }

    fn check_enum_param(
        &mut self,
        param: &Param,
        standard: Option<&StandardKeyword>,
        default: &str,
    ) {
        let name = param.name.as_str();
        if param.enum_values.is_empty() {
            self.report(
                Rule::KeywordMalformed,
                Some(param.first_line),
                format!("{name} is an enum with no \\enum values"),
            );
            return;
        }
        for (value, (description, line)) in &param.enum_values {
            if description.trim().is_empty() {
                self.report(
                    Rule::KeywordMalformed,
                    Some(*line),
                    format!("{name} value {value} has no description"),
                );
            }
            if let Some(StandardKeyword {
                kind: KeywordKind::Enum { is_standard_value },
                ..
            }) = standard
            {
                if !is_standard_value(value) {
                    let message = format!(
                        "{name} value `{value}` is not one Microsoft defines for this keyword"
                    );
                    self.report(Rule::KeywordMalformed, Some(*line), message);
                }
            }
        }
        if !param.enum_values.contains_key(default) {
            let message = format!("{name} Default `{default}` is not one of its enum values");
            self.report(
                Rule::KeywordMalformed,
                param.attribute_line("Default"),
                message,
            );
        }
    }

    fn check_int_param(
        &mut self,
        param: &Param,
        standard: Option<&StandardKeyword>,
        default: &str,
    ) {
        let name = param.name.as_str();
        let line = Some(param.first_line);
        let number = |text: Option<&str>| text.and_then(|text| text.trim().parse::<i64>().ok());
        let (Some(min), Some(max)) = (
            number(param.attribute("Min")),
            number(param.attribute("Max")),
        ) else {
            self.report(
                Rule::KeywordMalformed,
                line,
                format!("{name} is an int without numeric Min and Max"),
            );
            return;
        };
        let Some(value) = number(Some(default)) else {
            self.report(
                Rule::KeywordMalformed,
                line,
                format!("{name} Default `{default}` is not a number"),
            );
            return;
        };
        if !(min <= value && value <= max) {
            self.report(
                Rule::KeywordMalformed,
                line,
                format!("{name} Default {value} is outside Min {min} .. Max {max}"),
            );
        }
        if let Some(StandardKeyword {
            kind: KeywordKind::Int { min_floor },
            ..
        }) = standard
        {
            if min < *min_floor {
                self.report(
                    Rule::KeywordMalformed,
                    line,
                    format!("{name} Min {min} is below the standardized minimum {min_floor}"),
                );
            }
        }
        if param
            .attribute("Step")
            .is_some_and(|step| number(Some(step)).is_none_or(|step| step <= 0))
        {
            self.report(
                Rule::KeywordMalformed,
                line,
                format!("{name} Step must be a positive number"),
            );
        }
    }

    // ----- SR-IOV specifics -----

    /// PF: the default NIC switch (REQ §1.3, "Standardized INF Keywords for SR-IOV").
    fn check_nic_switch(&mut self, install: &Section, registry: &[RegValue]) {
        for value in registry {
            if !value.root.eq_ignore_ascii_case("HKR") {
                continue;
            }
            let subkey = value.subkey.to_ascii_lowercase();
            if subkey.starts_with("nicswitches\\") && subkey != "nicswitches\\0" {
                let message = format!(
                    "{}: only the default switch NicSwitches\\0 exists (one NIC switch per adapter)",
                    value.subkey
                );
                self.report(Rule::NicSwitch, Some(value.line), message);
            }
        }
        let expected: [(&str, Expected); 5] = [
            ("*Flags", Expected::Dword(0, 0)),
            ("*SwitchType", Expected::Dword(1, 1)),
            ("*SwitchId", Expected::Dword(0, 0)),
            ("*SwitchName", Expected::Text("Default Switch")),
            ("*NumVFs", Expected::Dword(1, IGB_MAX_VFS)),
        ];
        for (name, expectation) in expected {
            let found: Vec<&RegValue> = registry
                .iter()
                .filter(|value| value.is_hkr("NicSwitches\\0", name))
                .collect();
            let Some(value) = found.first() else {
                self.report(
                    Rule::NicSwitch,
                    Some(install.line),
                    format!("no HKR, NicSwitches\\0, {name}"),
                );
                continue;
            };
            let good = match expectation {
                Expected::Dword(low, high) => {
                    value.is_dword()
                        && parse_number(&value.value)
                            .is_some_and(|number| (low..=high).contains(&number))
                }
                Expected::Text(text) => value.is_string() && value.value == text,
            };
            if !good {
                let message = format!(
                    "NicSwitches\\0 {name} is `{}` (flags {:?}), expected {expectation}",
                    value.value, value.flags
                );
                self.report(Rule::NicSwitch, Some(value.line), message);
            }
        }
        for value in registry
            .iter()
            .filter(|value| value.subkey.eq_ignore_ascii_case("NicSwitches\\0"))
        {
            if !expected
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(&value.name))
            {
                let message = format!("NicSwitches\\0 has unexpected value `{}`", value.name);
                self.report(Rule::NicSwitch, Some(value.line), message);
            }
        }
    }

    /// VF: a plain NIC INF; no SR-IOV or VMQ keyword may appear (REQ §2.5).
    fn check_vf_has_no_sriov(&mut self, registry: &[RegValue]) {
        for value in registry {
            let forbidden = value
                .subkey
                .split('\\')
                .chain([value.name.as_str()])
                .find(|component| is_vf_forbidden(component));
            if let Some(component) = forbidden {
                let message = format!(
                    "the VF INF must not carry SR-IOV/VMQ keyword `{component}` ({}\\{})",
                    value.root, value.subkey
                );
                self.report(Rule::ForbiddenKeyword, Some(value.line), message);
            }
        }
    }

    /// Hidden keywords anywhere in the file, and hidden values exposed in `Ndi\params`.
    fn check_forbidden_everywhere(&mut self) {
        for section in &self.inf.sections {
            for line in &section.lines {
                let texts = line
                    .key
                    .iter()
                    .chain(line.fields.iter().map(|field| &field.text));
                for text in texts {
                    for hidden in HIDDEN_KEYWORDS {
                        if text
                            .split('\\')
                            .any(|component| component.trim().eq_ignore_ascii_case(hidden))
                        {
                            let message =
                                format!("hidden keyword {hidden} must not appear in the INF");
                            self.report(Rule::ForbiddenKeyword, Some(line.number), message);
                        }
                    }
                }
                // A NIC switch value under Ndi\params would show on the Advanced page.
                let is_params = line
                    .field(1)
                    .to_ascii_lowercase()
                    .starts_with("ndi\\params\\");
                if line.key.is_none() && is_params {
                    let components: Vec<&str> = line.field(1).split('\\').skip(2).collect();
                    if components
                        .iter()
                        .any(|component| is_nic_switch_name(component))
                    {
                        let message = format!(
                            "NIC switch setting `{}` must be hidden: use HKR, NicSwitches\\0, not Ndi\\params",
                            line.field(1)
                        );
                        self.report(Rule::HiddenKeywordExposed, Some(line.number), message);
                    }
                }
            }
        }
    }

    // ----- DDInstall.HW -----

    fn check_hw_section(&mut self, install: &Section) {
        let hw_name = format!("{}.HW", install.name);
        let Some(hw) = self.inf.section(&hw_name) else {
            let message = format!(
                "no [{hw_name}] section (needed for MSI-X{})",
                if self.role == DriverRole::Pf {
                    " and PciSriovSupported.HW"
                } else {
                    ""
                }
            );
            self.report(
                if self.role == DriverRole::Pf {
                    Rule::PciSriovSupport
                } else {
                    Rule::Msi
                },
                Some(install.line),
                message,
            );
            return;
        };
        if self.role == DriverRole::Pf {
            let includes_pci = hw
                .lines_with_key("Include")
                .flat_map(|line| &line.fields)
                .any(|field| field.text.eq_ignore_ascii_case("pci.inf"));
            if !includes_pci {
                self.report(
                    Rule::PciSriovSupport,
                    Some(hw.line),
                    format!("[{hw_name}] lacks Include=pci.inf"),
                );
            }
            let needs_sriov = hw
                .lines_with_key("Needs")
                .flat_map(|line| &line.fields)
                .any(|field| field.text.eq_ignore_ascii_case("PciSriovSupported.HW"));
            if !needs_sriov {
                self.report(
                    Rule::PciSriovSupport,
                    Some(hw.line),
                    format!("[{hw_name}] lacks Needs=PciSriovSupported.HW"),
                );
            }
        }
        // SR-IOV needs MSI-X on the PF, and the VF has only MSI-X (igb-hardware.md §1.2-1.3).
        let registry = self.registry_of(hw);
        let msi = registry.iter().find(|value| {
            value.is_hkr(
                "Interrupt Management\\MessageSignaledInterruptProperties",
                "MSISupported",
            )
        });
        match msi {
            Some(value) if value.is_dword() && parse_number(&value.value) == Some(1) => {}
            Some(value) => self.report(
                Rule::Msi,
                Some(value.line),
                "MSISupported must be REG_DWORD 1",
            ),
            None => self.report(
                Rule::Msi,
                Some(hw.line),
                format!("[{hw_name}] does not set MSISupported = 1"),
            ),
        }
    }

    // ----- services and files -----

    /// Returns the service name of the associated (function driver) service.
    fn check_services(&mut self, install: &Section) -> Option<String> {
        let services_name = format!("{}.Services", install.name);
        let Some(services) = self.inf.section(&services_name) else {
            self.report(
                Rule::Service,
                Some(install.line),
                format!("no [{services_name}] section"),
            );
            return None;
        };
        let associated: Vec<&Line> = services
            .lines_with_key("AddService")
            .filter(|line| {
                parse_number(line.field(1)).is_some_and(|flags| flags & SPSVCINST_ASSOCSERVICE != 0)
            })
            .collect();
        let [line] = associated.as_slice() else {
            let message = format!(
                "[{services_name}] needs exactly one AddService with flag 0x2 (SPSVCINST_ASSOCSERVICE)"
            );
            self.report(Rule::Service, Some(services.line), message);
            return None;
        };
        let service_name = line.field(0).to_owned();
        let Some(service) = self.inf.section(line.field(2)) else {
            return Some(service_name);
        };
        let binary = format!("%13%\\{}.sys", self.role.crate_name());
        let expectations: [(&str, &str); 4] = [
            ("ServiceType", "1"),
            ("StartType", "3"),
            ("ErrorControl", "1"),
            ("ServiceBinary", &binary),
        ];
        for (key, expected) in expectations {
            match service.first_with_key(key) {
                None => self.report(
                    Rule::Service,
                    Some(service.line),
                    format!("[{}] lacks {key}", service.name),
                ),
                Some(entry) => {
                    let actual = entry.field(0);
                    let good = match parse_number(expected) {
                        Some(number) => parse_number(actual) == Some(number),
                        None => actual.eq_ignore_ascii_case(expected),
                    };
                    if !good {
                        let message = format!(
                            "[{}] {key} is `{actual}`, expected `{expected}`",
                            service.name
                        );
                        self.report(Rule::Service, Some(entry.number), message);
                    }
                }
            }
        }
        Some(service_name)
    }

    fn check_ndi_service(&mut self, install: &Section, registry: &[RegValue], service: &str) {
        match registry.iter().find(|value| value.is_hkr("Ndi", "Service")) {
            Some(value) if value.value.eq_ignore_ascii_case(service) => {}
            Some(value) => {
                let message = format!(
                    "HKR, Ndi, Service is `{}`, but the AddService name is `{service}`",
                    value.value
                );
                self.report(Rule::BindingInterface, Some(value.line), message);
            }
            None => self.report(
                Rule::BindingInterface,
                Some(install.line),
                "no HKR, Ndi, Service",
            ),
        }
    }

    fn check_files(&mut self, install: &Section) {
        let binary = format!("{}.sys", self.role.crate_name());
        let mut copies_binary = false;
        let destinations = self.inf.section("DestinationDirs");
        let disk_files = self.inf.section("SourceDisksFiles");
        let disk_names = self.inf.section("SourceDisksNames");
        for directive in install.lines_with_key("CopyFiles") {
            for field in directive
                .fields
                .iter()
                .filter(|field| !field.text.is_empty())
            {
                let Some(copy) = self.inf.section(&field.text) else {
                    continue;
                };
                // Run from the driver store: DIRID 13 ("Run From Driver Store").
                let destination = destinations.and_then(|dirs| dirs.first_with_key(&copy.name));
                if destination.is_none_or(|line| line.field(0) != "13") {
                    let message = format!(
                        "[DestinationDirs] must map [{}] to 13 (driver store)",
                        copy.name
                    );
                    self.report(Rule::Files, Some(copy.line), message);
                }
                for file in &copy.lines {
                    let file_name = file.field(0);
                    copies_binary |= file_name.eq_ignore_ascii_case(&binary);
                    match disk_files.and_then(|files| files.first_with_key(file_name)) {
                        None => self.report(
                            Rule::Files,
                            Some(file.number),
                            format!("{file_name} is not in [SourceDisksFiles]"),
                        ),
                        Some(source) => {
                            let disk = source.field(0);
                            if disk_names
                                .and_then(|names| names.first_with_key(disk))
                                .is_none()
                            {
                                let message = format!(
                                    "disk `{disk}` of {file_name} is not in [SourceDisksNames]"
                                );
                                self.report(Rule::Files, Some(source.number), message);
                            }
                        }
                    }
                }
            }
        }
        if !copies_binary {
            self.report(
                Rule::Files,
                Some(install.line),
                format!("[{}] does not copy {binary}", install.name),
            );
        }
    }
}

#[derive(Clone, Copy)]
enum Expected {
    Dword(u32, u32),
    Text(&'static str),
}

impl fmt::Display for Expected {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dword(low, high) if low == high => write!(formatter, "REG_DWORD {low}"),
            Self::Dword(low, high) => write!(formatter, "REG_DWORD in {low}..={high}"),
            Self::Text(text) => write!(formatter, "REG_SZ \"{text}\""),
        }
    }
}

fn is_nic_switch_name(name: &str) -> bool {
    [
        "NicSwitches",
        "*Flags",
        "*SwitchType",
        "*SwitchId",
        "*SwitchName",
        "*NumVFs",
    ]
    .iter()
    .any(|hidden| hidden.eq_ignore_ascii_case(name.trim()))
}

fn is_vf_forbidden(component: &str) -> bool {
    let lower = component.trim().to_ascii_lowercase();
    lower == "*sriov"
        || lower == "*sriovpreferred"
        || lower.starts_with("*vmq")
        || lower == "*rssorvmqpreference"
        || lower == "nicswitches"
        || lower == "*numvfs"
}

/// `PCI\VEN_8086&DEV_xxxx` → the device ID. Subsystem/revision qualifiers are not used by
/// our INFs and are rejected so the ID set stays comparable with the igb table.
fn parse_pci_hardware_id(text: &str) -> Option<u16> {
    let upper = text.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix("PCI\\VEN_")?;
    let (vendor, device) = rest.split_once("&DEV_")?;
    if u16::from_str_radix(vendor, 16).ok()? != INTEL_VENDOR_ID || device.len() != 4 {
        return None;
    }
    u16::from_str_radix(device, 16).ok()
}

/// One keyword's `Ndi\params\<name>` values.
struct Param {
    name: String,
    first_line: usize,
    /// Attribute name (lower case) → (value, line).
    attributes: BTreeMap<String, (String, usize)>,
    /// Enum value → (description, line).
    enum_values: BTreeMap<String, (String, usize)>,
}

impl Param {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .get(&name.to_ascii_lowercase())
            .map(|(value, _)| value.as_str())
    }

    fn attribute_line(&self, name: &str) -> Option<usize> {
        self.attributes
            .get(&name.to_ascii_lowercase())
            .map(|(_, line)| *line)
    }
}

/// Groups `HKR, Ndi\params\<keyword>[\enum], …` values by keyword (lower case).
fn collect_params(registry: &[RegValue]) -> BTreeMap<String, Param> {
    let mut params: BTreeMap<String, Param> = BTreeMap::new();
    for value in registry
        .iter()
        .filter(|value| value.root.eq_ignore_ascii_case("HKR"))
    {
        let components: Vec<&str> = value.subkey.split('\\').map(str::trim).collect();
        let (keyword, is_enum) = match components.as_slice() {
            [ndi, params_key, keyword]
                if ndi.eq_ignore_ascii_case("Ndi") && params_key.eq_ignore_ascii_case("params") =>
            {
                (*keyword, false)
            }
            [ndi, params_key, keyword, enum_key]
                if ndi.eq_ignore_ascii_case("Ndi")
                    && params_key.eq_ignore_ascii_case("params")
                    && enum_key.eq_ignore_ascii_case("enum") =>
            {
                (*keyword, true)
            }
            _ => continue,
        };
        let param = params
            .entry(keyword.to_ascii_lowercase())
            .or_insert_with(|| Param {
                name: keyword.to_owned(),
                first_line: value.line,
                attributes: BTreeMap::new(),
                enum_values: BTreeMap::new(),
            });
        let entry = (value.value.clone(), value.line);
        if is_enum {
            param.enum_values.insert(value.name.clone(), entry);
        } else {
            param
                .attributes
                .insert(value.name.to_ascii_lowercase(), entry);
        }
    }
    params
}
