//! "Must show": RULES.md lists at least 25 rules, one `ID | rule | source` line each, exactly
//! the emulator's rule table, and every rule id appears in a test that demonstrates it firing.

use std::collections::BTreeSet;
use std::path::Path;

fn rules_md_lines() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("RULES.md"))
        .expect("RULES.md exists");
    text.lines()
        .filter(|l| l.starts_with("NDIS-"))
        .map(|l| {
            let parts: Vec<&str> = l.splitn(3, " | ").collect();
            assert_eq!(parts.len(), 3, "malformed RULES.md line: {l}");
            (
                parts[0].to_string(),
                parts[1].to_string(),
                parts[2].to_string(),
            )
        })
        .collect()
}

#[test]
fn rules_md_lists_at_least_25_rules_matching_the_emulator_table() {
    let lines = rules_md_lines();
    assert!(lines.len() >= 25, "only {} rules", lines.len());
    let ids: BTreeSet<&str> = lines.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids.len(), lines.len(), "duplicate rule ids in RULES.md");
    assert_eq!(
        lines.len(),
        ndis_emu::RULES.len(),
        "RULES.md and the emulator's table differ in length"
    );
    for ((id, text, source), rule) in lines.iter().zip(ndis_emu::RULES) {
        assert_eq!(
            (id.as_str(), text.as_str(), source.as_str()),
            (rule.id, rule.text, rule.source)
        );
        assert!(!source.is_empty());
    }
}

#[test]
fn every_rule_id_is_asserted_to_fire_in_a_test() {
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let rules_test = std::fs::read_to_string(tests_dir.join("rules.rs")).expect("tests/rules.rs");
    for (id, _, _) in rules_md_lines() {
        // Each rule test asserts the id with `assert_fired(…, "<id>")`; the id string appears
        // nowhere else in that file.
        let needle = format!("\"{id}\"");
        assert!(
            rules_test.contains(&needle),
            "no test in tests/rules.rs asserts that {id} fires"
        );
    }
}
