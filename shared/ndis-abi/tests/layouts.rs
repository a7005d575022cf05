//! Checks the ABI against the golden layout table `tests/data/ndis-abi-layouts.json` (a copy,
//! kept in the repository, of the project's reference table: x64 Windows PDB layouts and WDK
//! header values): for every structure this crate declares that
//! the table has, its size and every field offset the table lists; for every constant this crate
//! declares that the table has, its value.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

/// Structures whose `sizeof` the table itself says depends on the build; only offsets count.
/// NET_BUFFER_LIST: the PDB (ndis.sys, NDIS_WRAPPER) has 29 info slots, a WDK driver build 27.
const SIZE_DEPENDS_ON_BUILD: &[&str] = &["NET_BUFFER_LIST"];

/// Constants whose golden-table value is known to be wrong: `(name, table value, correct value,
/// why)`. The crate must declare the correct value; the entry must still disagree with the table
/// (so a corrected table makes this test fail until the entry is removed).
const TABLE_ERRATA: &[(&str, i128, i128, &str)] = &[(
    "NDIS_SIZEOF_RESTART_GENERAL_ATTRIBUTES_REVISION_1",
    0x50,
    0x54,
    "WDK 10.0.22621 ndis.h defines it as RTL_SIZEOF_THROUGH_FIELD(NDIS_RESTART_GENERAL_ATTRIBUTES, \
     SupportedOidListLength); that member is at 0x50 in the table's own layout, so the size \
     through it is 0x54 (the table recorded the offset, not offset + 4)",
)];

fn golden_table() -> Value {
    let path = std::env::var_os("NDIS_ABI_LAYOUTS").map_or_else(
        || {
            // In the repository, so a clone alone can run the test.
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndis-abi-layouts.json")
        },
        PathBuf::from,
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the golden layout table {} is required (set NDIS_ABI_LAYOUTS to override): {error}",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("golden layout table is valid JSON")
}

#[test]
fn struct_layouts_match_golden_table() {
    let table = golden_table();
    let structs = table["structs"].as_object().expect("structs object");
    let mut checked_structs = 0usize;
    let mut checked_fields = 0usize;
    let mut mismatches = Vec::new();
    let mut seen = BTreeMap::new();
    for layout in ndis_abi::all_layouts() {
        assert!(
            seen.insert(layout.name, ()).is_none(),
            "{} declared twice",
            layout.name
        );
        let Some(golden) = structs.get(layout.name) else {
            continue;
        };
        checked_structs += 1;
        let golden_size = golden["size"].as_u64().expect("size") as usize;
        if !SIZE_DEPENDS_ON_BUILD.contains(&layout.name) && golden_size != layout.size {
            mismatches.push(format!(
                "{}: size {} in Rust, {} in the table",
                layout.name, layout.size, golden_size
            ));
        }
        let ours: BTreeMap<&str, usize> = layout.fields.iter().copied().collect();
        for (field, offset) in golden["fields"].as_object().expect("fields") {
            let offset = offset.as_u64().expect("offset") as usize;
            checked_fields += 1;
            match ours.get(field.as_str()) {
                Some(&our_offset) if our_offset == offset => {}
                Some(&our_offset) => mismatches.push(format!(
                    "{}.{field}: offset {our_offset} in Rust, {offset} in the table",
                    layout.name
                )),
                None => mismatches.push(format!(
                    "{}.{field}: listed in the table (offset {offset}) but not declared",
                    layout.name
                )),
            }
        }
    }
    println!(
        "checked {checked_structs} structs ({checked_fields} field offsets) of {} declared against the golden table",
        seen.len()
    );
    assert!(
        mismatches.is_empty(),
        "layout mismatches:\n{}",
        mismatches.join("\n")
    );
    assert!(checked_structs > 0, "no structure was checked");
}

#[test]
fn constants_match_golden_table() {
    let table = golden_table();
    let constants = table["constants"].as_object().expect("constants object");
    let mut checked = 0usize;
    let mut declared = 0usize;
    let mut mismatches = Vec::new();
    let mut seen = BTreeMap::new();
    for constant in ndis_abi::all_constants() {
        declared += 1;
        assert!(
            seen.insert(constant.name, ()).is_none(),
            "{} declared twice",
            constant.name
        );
        let Some(golden) = constants.get(constant.name) else {
            continue;
        };
        checked += 1;
        let golden = golden
            .as_i64()
            .map(i128::from)
            .or_else(|| golden.as_u64().map(i128::from));
        let Some(golden) = golden else {
            mismatches.push(format!("{}: table value is not an integer", constant.name));
            continue;
        };
        // The table spells 32-bit values unsigned (e.g. 0xC0000001); compare both as u32 when
        // either side is a negative 32-bit value.
        if let Some(&(_, table_value, correct, why)) = TABLE_ERRATA
            .iter()
            .find(|(name, ..)| *name == constant.name)
        {
            if golden != table_value {
                mismatches.push(format!(
                    "{}: the table now says {golden:#x}; remove the erratum ({why})",
                    constant.name
                ));
            } else if constant.value != correct {
                mismatches.push(format!(
                    "{}: {:#x} in Rust, expected the corrected {correct:#x} ({why})",
                    constant.name, constant.value
                ));
            }
            continue;
        }
        let same = golden == constant.value
            || (constant.value < 0 && golden == i128::from(constant.value as i32 as u32));
        if !same {
            mismatches.push(format!(
                "{}: {:#x} in Rust, {:#x} in the table",
                constant.name, constant.value, golden
            ));
        }
    }
    println!("checked {checked} constants of {declared} declared against the golden table");
    assert!(
        mismatches.is_empty(),
        "constant mismatches:\n{}",
        mismatches.join("\n")
    );
    assert!(checked > 0, "no constant was checked");
}
