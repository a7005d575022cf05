//! A 16-byte UUID, as the VF token of `VFIO_DEVICE_FEATURE_PCI_VF_TOKEN` (a shared secret
//! between the user of a PF and the users of its VFs; `linux/vfio.h`).

use core::fmt;
use core::str::FromStr;

/// A UUID in its 16-byte (big-endian, RFC 4122 field order) form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// Wraps 16 bytes as given (no version bits are imposed).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes, in the order the kernel expects them.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

/// `8-4-4-4-12` lowercase hex, the form vfio-pci parses after `vf_token=`.
impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Why a string is not an `8-4-4-4-12` hex UUID.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UuidParseError {
    /// Not 36 characters.
    Length(usize),
    /// A dash missing at this position, or found elsewhere.
    Dash(usize),
    /// Not a hex digit at this position.
    Digit(usize),
}

impl fmt::Display for UuidParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(len) => write!(f, "{len} characters instead of 36"),
            Self::Dash(at) => write!(f, "dash expected only at 8, 13, 18 and 23 (position {at})"),
            Self::Digit(at) => write!(f, "not a hex digit at position {at}"),
        }
    }
}

impl std::error::Error for UuidParseError {}

/// Parses the `8-4-4-4-12` form (either case).
impl FromStr for Uuid {
    type Err = UuidParseError;

    fn from_str(text: &str) -> Result<Self, UuidParseError> {
        let chars = text.as_bytes();
        if chars.len() != 36 {
            return Err(UuidParseError::Length(chars.len()));
        }
        let mut bytes = [0u8; 16];
        let mut nibbles = 0usize;
        for (at, &byte) in chars.iter().enumerate() {
            let dash_here = matches!(at, 8 | 13 | 18 | 23);
            if dash_here != (byte == b'-') {
                // A dash missing where one belongs, or one where a digit belongs.
                return Err(UuidParseError::Dash(at));
            }
            if dash_here {
                continue;
            }
            let value = char::from(byte)
                .to_digit(16)
                .ok_or(UuidParseError::Digit(at))? as u8;
            let slot = &mut bytes[nibbles / 2];
            *slot = (*slot << 4) | value;
            nibbles += 1;
        }
        Ok(Self(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_lowercase_8_4_4_4_12() {
        let token = Uuid::from_bytes([
            0x2a, 0xb7, 0x49, 0x24, 0xc3, 0x35, 0x45, 0xf4, 0x9b, 0x16, 0x85, 0x69, 0xe5, 0xb0,
            0x82, 0x58,
        ]);
        assert_eq!(token.to_string(), "2ab74924-c335-45f4-9b16-8569e5b08258");
        assert_eq!(
            Uuid::from_bytes([0; 16]).to_string(),
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(token.as_bytes()[15], 0x58);
    }

    #[test]
    fn parses_what_it_displays_and_rejects_malformed_text() {
        let text = "2ab74924-c335-45f4-9b16-8569e5b08258";
        let token: Uuid = text.parse().expect("valid");
        assert_eq!(token.to_string(), text);
        assert_eq!(
            "2AB74924-C335-45F4-9B16-8569E5B08258".parse::<Uuid>(),
            Ok(token)
        );
        assert_eq!("".parse::<Uuid>(), Err(UuidParseError::Length(0)));
        assert_eq!(
            "2ab74924c335-45f4-9b16-8569e5b082581".parse::<Uuid>(),
            Err(UuidParseError::Dash(8))
        );
        assert_eq!(
            "2ab7492--c335-45f4-9b16-8569e5b08258".parse::<Uuid>(),
            Err(UuidParseError::Dash(7))
        );
        assert_eq!(
            "2ab74924-c335-45f4-9b16-8569e5b0825g".parse::<Uuid>(),
            Err(UuidParseError::Digit(35))
        );
        assert_eq!(
            "+ab74924-c335-45f4-9b16-8569e5b08258".parse::<Uuid>(),
            Err(UuidParseError::Digit(0))
        );
    }
}
