//! The INF parser on small hand-written inputs.

use inf_check::InfFile;
use inf_check::parse::string_tokens;

#[test]
fn sections_keys_and_fields() {
    let inf = InfFile::parse(
        "[Version]\r\nSignature = \"$WINDOWS NT$\" ; comment\n\n[Add.Reg]\nHKR, Ndi\\params\\*X, ParamDesc, 0, %Desc%\n",
    );
    assert!(inf.syntax_issues.is_empty(), "{:?}", inf.syntax_issues);
    assert_eq!(inf.sections.len(), 2);
    let version = inf.section("version").expect("case-insensitive lookup");
    let signature = version
        .first_with_key("SIGNATURE")
        .expect("key lookup ignores case");
    assert_eq!(signature.field(0), "$WINDOWS NT$");
    assert!(signature.fields[0].quoted);
    assert_eq!(signature.number, 2);
    let add_reg = &inf.section("Add.Reg").expect("second section").lines[0];
    assert_eq!(add_reg.key, None);
    let texts: Vec<&str> = add_reg
        .fields
        .iter()
        .map(|field| field.text.as_str())
        .collect();
    assert_eq!(
        texts,
        ["HKR", "Ndi\\params\\*X", "ParamDesc", "0", "%Desc%"]
    );
    assert_eq!(
        add_reg.field(9),
        "",
        "missing trailing fields read as empty"
    );
}

#[test]
fn quotes_protect_separators_and_comments() {
    let inf = InfFile::parse("[S]\nHKR, , Name, 0, \"a;b, c=d \"\"q\"\"\"\nKey = \"x=y\", z\n");
    assert!(inf.syntax_issues.is_empty(), "{:?}", inf.syntax_issues);
    let section = inf.section("S").expect("section");
    assert_eq!(
        section.lines[0].key, None,
        "an `=` inside quotes is not a key separator"
    );
    assert_eq!(section.lines[0].field(4), "a;b, c=d \"q\"");
    assert_eq!(section.lines[1].key.as_deref(), Some("Key"));
    assert_eq!(section.lines[1].field(0), "x=y");
    assert_eq!(section.lines[1].field(1), "z");
}

#[test]
fn continuation_joins_lines_and_keeps_first_line_number() {
    let inf = InfFile::parse("[S]\nKey = a, \\\n      b ; comment\nOther = c\n");
    let section = inf.section("S").expect("section");
    assert_eq!(section.lines.len(), 2);
    assert_eq!(section.lines[0].number, 2);
    assert_eq!(section.lines[0].field(1), "b");
    assert_eq!(section.lines[1].number, 4);
}

#[test]
fn string_tokens_and_expansion() {
    let inf = InfFile::parse("[Strings]\nName = \"Intel\"\n");
    assert_eq!(
        string_tokens("%Name% and %13%\\x.sys and 100%% done"),
        Ok(vec!["Name", "13"])
    );
    assert_eq!(string_tokens("%open"), Err("%open"));
    assert_eq!(
        inf.expand("%name% %13% %%SystemRoot%% %Missing%"),
        "Intel %13% %SystemRoot% %Missing%"
    );
}

#[test]
fn malformed_text_is_recorded_not_panicked() {
    let inf =
        InfFile::parse("orphan = 1\n[Open\n[S]\nKey = \"unterminated\nBad = \u{201C}x\u{201D}\n");
    let lines: Vec<usize> = inf.syntax_issues.iter().map(|issue| issue.line).collect();
    assert!(
        lines.contains(&1),
        "line outside any section: {:?}",
        inf.syntax_issues
    );
    assert!(
        lines.contains(&2),
        "header without `]`: {:?}",
        inf.syntax_issues
    );
    assert!(
        lines.contains(&4),
        "unterminated quote: {:?}",
        inf.syntax_issues
    );
    assert!(
        lines.contains(&5),
        "non-ASCII quotes: {:?}",
        inf.syntax_issues
    );
}
