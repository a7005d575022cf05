//! A small INF parser: enough of the syntax in Microsoft's "General Syntax Rules for INF Files"
//! to check our two driver INFs.
//!
//! Handled: `[section]` headers, `key = value` lines and key-less lines (AddReg, CopyFiles),
//! comma-separated fields, double-quoted strings (with `""` for a literal quote), `;` comments
//! outside quotes, `\` line continuation, `%strkey%` tokens (with `%%` for a literal percent
//! sign). INF names are case-insensitive, so every lookup here ignores ASCII case.
//!
//! Parsing never fails: anything malformed is recorded in [`InfFile::syntax_issues`] and the
//! rule checks report it as a violation.

/// One comma-separated field of a line, with quotes removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The field's text: surrounding blanks trimmed, quotes removed, `""` turned into `"`.
    /// `%strkey%` tokens are kept as written (see [`InfFile::expand`]).
    pub text: String,
    /// Whether any part of the field was inside double quotes.
    pub quoted: bool,
}

/// One logical line (after joining `\` continuations and dropping the comment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based number of the physical line the logical line starts on.
    pub number: usize,
    /// The text left of the first `=` outside quotes, if there is one (unquoted, trimmed).
    pub key: Option<String>,
    /// The comma-separated fields right of `=` (or of the whole line when it has no key).
    pub fields: Vec<Field>,
}

impl Line {
    /// Whether the line's key equals `name`, ignoring ASCII case.
    #[must_use]
    pub fn has_key(&self, name: &str) -> bool {
        self.key
            .as_deref()
            .is_some_and(|key| key.eq_ignore_ascii_case(name))
    }

    /// The text of field `index`, or `""` when the line has fewer fields (INF treats a missing
    /// trailing field like an empty one).
    #[must_use]
    pub fn field(&self, index: usize) -> &str {
        self.fields
            .get(index)
            .map_or("", |field| field.text.as_str())
    }
}

/// One `[name]` section and its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The name between the brackets, trimmed.
    pub name: String,
    /// 1-based line number of the header.
    pub line: usize,
    /// The section's lines, in file order.
    pub lines: Vec<Line>,
}

impl Section {
    /// Lines whose key is `key` (ignoring case), in file order.
    pub fn lines_with_key<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Line> + 'a {
        self.lines.iter().filter(move |line| line.has_key(key))
    }

    /// The first line whose key is `key` (ignoring case).
    #[must_use]
    pub fn first_with_key(&self, key: &str) -> Option<&Line> {
        self.lines.iter().find(|line| line.has_key(key))
    }
}

/// A syntax problem found while parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxIssue {
    /// 1-based physical line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A parsed INF file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InfFile {
    /// All sections in file order (duplicates kept, so a check can report them).
    pub sections: Vec<Section>,
    /// Malformed lines, unterminated quotes or string tokens, non-ASCII characters.
    pub syntax_issues: Vec<SyntaxIssue>,
}

impl InfFile {
    /// Parses INF text. Never fails; problems go to [`InfFile::syntax_issues`].
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut inf = Self::default();
        let mut current: Option<Section> = None;
        for logical in logical_lines(text, &mut inf.syntax_issues) {
            let trimmed = logical.text.trim();
            if trimmed.is_empty() {
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    inf.syntax_issues.push(SyntaxIssue {
                        line: logical.number,
                        message: format!("section header `{trimmed}` has no closing `]`"),
                    });
                    continue;
                };
                if let Some(done) = current.take() {
                    inf.sections.push(done);
                }
                current = Some(Section {
                    name: name.trim().to_owned(),
                    line: logical.number,
                    lines: Vec::new(),
                });
                continue;
            }
            let line = parse_line(trimmed, logical.number, &mut inf.syntax_issues);
            match current.as_mut() {
                Some(section) => section.lines.push(line),
                None => inf.syntax_issues.push(SyntaxIssue {
                    line: logical.number,
                    message: "line outside any section".to_owned(),
                }),
            }
        }
        if let Some(done) = current.take() {
            inf.sections.push(done);
        }
        inf
    }

    /// The first section called `name` (ignoring case).
    #[must_use]
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|section| section.name.eq_ignore_ascii_case(name))
    }

    /// The value of `name` in `[Strings]` (ignoring case), if defined.
    #[must_use]
    pub fn string(&self, name: &str) -> Option<&str> {
        self.section("Strings")?
            .first_with_key(name)
            .map(|line| line.field(0))
    }

    /// `text` with every `%strkey%` replaced by its `[Strings]` value and `%%` by `%`.
    /// Numeric tokens (DIRIDs such as `%13%`) and undefined keys are left as written.
    #[must_use]
    pub fn expand(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for piece in split_tokens(text) {
            match piece {
                TextPiece::Literal(literal) => out.push_str(literal),
                TextPiece::Percent => out.push('%'),
                TextPiece::Token(name) => match self.string(name) {
                    Some(value) if !is_dirid(name) => out.push_str(value),
                    _ => {
                        out.push('%');
                        out.push_str(name);
                        out.push('%');
                    }
                },
                TextPiece::Unterminated(rest) => out.push_str(rest),
            }
        }
        out
    }
}

/// Whether a `%token%` is a numeric directory ID (e.g. `%13%`) rather than a string key.
#[must_use]
pub fn is_dirid(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|byte| byte.is_ascii_digit())
}

/// The `%strkey%` names used in `text` (without the percent signs; `%%` is not a token).
/// Returns `Err` with the unterminated tail if a `%` has no closing partner.
pub fn string_tokens(text: &str) -> Result<Vec<&str>, &str> {
    let mut tokens = Vec::new();
    for piece in split_tokens(text) {
        match piece {
            TextPiece::Token(name) => tokens.push(name),
            TextPiece::Unterminated(rest) => return Err(rest),
            TextPiece::Literal(_) | TextPiece::Percent => {}
        }
    }
    Ok(tokens)
}

enum TextPiece<'a> {
    Literal(&'a str),
    Percent,
    Token(&'a str),
    Unterminated(&'a str),
}

fn split_tokens(text: &str) -> Vec<TextPiece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        if start > 0 {
            pieces.push(TextPiece::Literal(&rest[..start]));
        }
        let after = &rest[start + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            pieces.push(TextPiece::Percent);
            rest = tail;
            continue;
        }
        match after.find('%') {
            Some(end) => {
                pieces.push(TextPiece::Token(&after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                pieces.push(TextPiece::Unterminated(&rest[start..]));
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        pieces.push(TextPiece::Literal(rest));
    }
    pieces
}

struct LogicalLine {
    number: usize,
    text: String,
}

/// Strips comments, joins `\` continuations and flags non-ASCII characters.
fn logical_lines(text: &str, issues: &mut Vec<SyntaxIssue>) -> Vec<LogicalLine> {
    let mut logical = Vec::new();
    let mut pending: Option<LogicalLine> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(bad) = raw
            .chars()
            .find(|c| !(c.is_ascii_graphic() || *c == ' ' || *c == '\t'))
        {
            issues.push(SyntaxIssue {
                line: number,
                message: format!(
                    "character {bad:?} (U+{:04X}) is not plain ASCII; INF text here must be ASCII (typographic quotes are a known doc pitfall)",
                    u32::from(bad)
                ),
            });
        }
        let code = strip_comment(raw, number, issues);
        let code = code.trim_end();
        let (body, continues) = match code.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (code, false),
        };
        let entry = pending.get_or_insert_with(|| LogicalLine {
            number,
            text: String::new(),
        });
        if !entry.text.is_empty() {
            entry.text.push(' ');
        }
        entry.text.push_str(body.trim_start());
        if !continues {
            if let Some(done) = pending.take() {
                logical.push(done);
            }
        }
    }
    if let Some(done) = pending.take() {
        issues.push(SyntaxIssue {
            line: done.number,
            message: "line continuation `\\` at end of file".to_owned(),
        });
        logical.push(done);
    }
    logical
}

/// The part of a physical line before a `;` that is outside double quotes.
fn strip_comment<'a>(raw: &'a str, number: usize, issues: &mut Vec<SyntaxIssue>) -> &'a str {
    let mut in_quotes = false;
    for (position, c) in raw.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => return &raw[..position],
            _ => {}
        }
    }
    if in_quotes {
        issues.push(SyntaxIssue {
            line: number,
            message: "unterminated quoted string".to_owned(),
        });
    }
    raw
}

/// Splits `text` at `separator` characters outside double quotes.
fn split_outside_quotes(text: &str, separator: char, limit: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (position, c) in text.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == separator && !in_quotes && parts.len() + 1 < limit {
            parts.push(&text[start..position]);
            start = position + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_field(raw: &str) -> Field {
    let raw = raw.trim();
    let mut text = String::with_capacity(raw.len());
    let mut quoted = false;
    let mut in_quotes = false;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            text.push(c);
            continue;
        }
        quoted = true;
        if in_quotes && chars.peek() == Some(&'"') {
            // `""` inside a quoted string is one literal quote.
            chars.next();
            text.push('"');
        } else {
            in_quotes = !in_quotes;
        }
    }
    Field { text, quoted }
}

fn parse_line(text: &str, number: usize, issues: &mut Vec<SyntaxIssue>) -> Line {
    let halves = split_outside_quotes(text, '=', 2);
    let (key, value) = match halves.as_slice() {
        [key, value] => (Some(parse_field(key).text), *value),
        _ => (None, text),
    };
    if key.as_deref() == Some("") {
        issues.push(SyntaxIssue {
            line: number,
            message: format!("`{text}` has an empty key"),
        });
    }
    let fields = split_outside_quotes(value, ',', usize::MAX)
        .into_iter()
        .map(parse_field)
        .collect();
    Line {
        number,
        key,
        fields,
    }
}
