//! Message text files (`.mc`, the Message Compiler's input), read as Event Viewer would use the
//! compiled table: an event's id selects a message, and `%2` is the insertion string NDIS adds
//! for a miniport's error-log entry (the adapter's name; `%1` is the device object's).
//!
//! Only what the drivers' message files use is understood: the `SeverityNames` and
//! `FacilityNames` header lists, and messages with `MessageId`, `Severity`, `Facility`,
//! `SymbolicName` and one `Language` body ended by a line holding a single `.`. Ids are
//! computed as `mc -c` does: severity 31:30, customer bit 29, facility 27:16, code 15:0.

use std::collections::BTreeMap;

/// One message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The full 32-bit message id.
    pub id: u32,
    /// `SymbolicName`.
    pub symbolic_name: String,
    /// The text, lines joined with `\n`.
    pub text: String,
}

/// A parsed message file.
#[derive(Clone, Debug, Default)]
pub struct MessageFile {
    /// `FacilityNames`: name -> number.
    pub facilities: BTreeMap<String, u32>,
    /// The messages, in file order.
    pub messages: Vec<Message>,
}

/// The customer bit `mc -c` sets.
const CUSTOMER_BIT: u32 = 1 << 29;

fn number(text: &str) -> Result<u32, String> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse(),
    }
    .map_err(|_| format!("not a number: {text:?}"))
}

/// `(Name=number[:symbol] ...)` into `into`.
fn name_list(list: &str, into: &mut BTreeMap<String, u32>) -> Result<(), String> {
    let inner = list
        .trim()
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| format!("not a parenthesised list: {list:?}"))?;
    for entry in inner.split_whitespace() {
        let (name, value) = entry
            .split_once('=')
            .ok_or_else(|| format!("bad list entry {entry:?}"))?;
        let value = value.split(':').next().unwrap_or(value);
        into.insert(name.to_string(), number(value)?);
    }
    Ok(())
}

impl MessageFile {
    /// Parses `text`; an error names the first construct it does not understand.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut severities = BTreeMap::new();
        let mut file = Self::default();
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        let mut lines = text.lines();
        while let Some(raw) = lines.next() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with(';') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| format!("unexpected line {line:?}"))?;
            let (key, mut value) = (key.trim(), value.trim().to_string());
            if matches!(key, "SeverityNames" | "FacilityNames" | "LanguageNames") {
                // A list may span lines until its closing parenthesis.
                while value.matches('(').count() > value.matches(')').count() {
                    let more = lines.next().ok_or("unterminated list")?;
                    value.push(' ');
                    value.push_str(more.trim());
                }
                match key {
                    "SeverityNames" => name_list(&value, &mut severities)?,
                    "FacilityNames" => name_list(&value, &mut file.facilities)?,
                    _ => {}
                }
                continue;
            }
            if key != "Language" {
                fields.insert(key.to_string(), value);
                continue;
            }
            let mut body = Vec::new();
            let mut ended = false;
            for text_line in lines.by_ref() {
                if text_line.trim_end() == "." {
                    ended = true;
                    break;
                }
                body.push(text_line.trim_end());
            }
            if !ended {
                return Err("message text without its closing '.' line".into());
            }
            let field = |name: &str| {
                fields
                    .get(name)
                    .ok_or_else(|| format!("message without {name}"))
            };
            let code = number(field("MessageId")?)?;
            let severity = *severities
                .get(field("Severity")?)
                .ok_or("unknown severity")?;
            let facility = *file
                .facilities
                .get(field("Facility")?)
                .ok_or("unknown facility")?;
            if code > 0xFFFF || severity > 3 || facility > 0xFFF {
                return Err(format!("id out of range in {:?}", field("SymbolicName")));
            }
            file.messages.push(Message {
                id: (severity << 30) | CUSTOMER_BIT | (facility << 16) | code,
                symbolic_name: field("SymbolicName")?.clone(),
                text: body.join("\n"),
            });
            fields.clear();
        }
        Ok(file)
    }

    /// The message with `id`.
    #[must_use]
    pub fn message(&self, id: u32) -> Option<&Message> {
        self.messages.iter().find(|message| message.id == id)
    }

    /// What Event Viewer shows for an entry `id` logged by the adapter named `adapter`
    /// (`%2` replaced; other insertions left as they are).
    #[must_use]
    pub fn render(&self, id: u32, adapter: &str) -> Option<String> {
        self.message(id)
            .map(|message| message.text.replace("%2", adapter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_mc_and_bad_files_are_refused() {
        let text = "SeverityNames=(Informational=0x1:S_I\n Warning=0x2:S_W)\n\
                    FacilityNames=(F=0x0A1:FAC)\n\
                    MessageId=0x0003\nFacility=F\nSeverity=Warning\nSymbolicName=X\n\
                    Language=English\n%2: text\nmore\n.\n";
        let file = MessageFile::parse(text).expect("parses");
        assert_eq!(file.messages.len(), 1);
        assert_eq!(file.messages[0].id, 0xA0A1_0003);
        assert_eq!(
            file.render(0xA0A1_0003, "Ethernet 2").as_deref(),
            Some("Ethernet 2: text\nmore")
        );
        assert!(MessageFile::parse(&text.replace("\n.\n", "\n")).is_err());
        assert!(MessageFile::parse(&text.replace("Severity=Warning", "Severity=Loud")).is_err());
        assert!(MessageFile::parse("garbage").is_err());
    }
}
