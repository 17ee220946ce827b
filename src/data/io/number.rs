//! Numeric cells of text tables: the tokens spreadsheets and pandas write for a missing value,
//! and the decimal mark (`1.5`, or `1,5` in the semicolon and tab tables of spreadsheets set to
//! a decimal comma).
//!
//! Text flows in one cell at a time; out comes a [`Cell`] or the [`FieldError`] that says why
//! the text is not a number.

use super::error::FieldError;

/// Cell texts read as a missing value (compared case-insensitively, after trimming): what
/// pandas writes for NaN (an empty cell), R's `NA`, and the spellings of spreadsheets and SQL.
pub const MISSING_TOKENS: &[&str] = &["", "NA", "NaN", "N/A", "#N/A", "null"];

/// One numeric cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A finite number.
    Number(f32),
    /// One of the [`MISSING_TOKENS`].
    Missing,
}

/// Whether a cell's text is one of the [`MISSING_TOKENS`].
pub fn is_missing(text: &str) -> bool {
    let text = text.trim();
    MISSING_TOKENS.iter().any(|t| t.eq_ignore_ascii_case(text))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Point,
    Comma,
}

impl Mark {
    fn name(self) -> &'static str {
        match self {
            Mark::Point => "a decimal point",
            Mark::Comma => "a decimal comma",
        }
    }
}

/// Parses a table's numbers, learning its decimal mark from the first number with a fraction
/// and refusing a later number written with the other mark.
#[derive(Debug)]
pub struct DecimalMark {
    /// A comma in a field can be a decimal mark only where it cannot be the delimiter.
    comma_allowed: bool,
    /// The mark of the first number with a fraction, with where it was and its text.
    first: Option<(Mark, String)>,
}

impl DecimalMark {
    /// A parser for a table with this delimiter: decimal commas are recognised unless the
    /// delimiter is a comma.
    pub fn new(delimiter: u8) -> DecimalMark {
        DecimalMark {
            comma_allowed: delimiter != b',',
            first: None,
        }
    }

    /// Whether the numbers read so far use a decimal comma.
    pub fn uses_comma(&self) -> bool {
        matches!(self.first, Some((Mark::Comma, _)))
    }

    /// Parses one cell; `at` describes where it is (for example ``line 2, column `MYC` ``),
    /// asked for only by the first number with a fraction, which later ones are checked against.
    pub fn parse(&mut self, text: &str, at: impl FnOnce() -> String) -> Result<Cell, FieldError> {
        let text = text.trim();
        if is_missing(text) {
            return Ok(Cell::Missing);
        }
        let mark = match (text.contains(','), text.contains('.')) {
            (true, false) if self.comma_allowed => Some(Mark::Comma),
            (false, true) => Some(Mark::Point),
            _ => None,
        };
        if let Some(mark) = mark {
            match &self.first {
                None => self.first = Some((mark, format!("{}: {text:?}", at()))),
                Some((first, first_at)) if *first != mark => {
                    return Err(FieldError::MixedDecimalMarks {
                        got: text.to_string(),
                        expected: first.name(),
                        first: first_at.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        let decimal = if mark == Some(Mark::Comma) {
            std::borrow::Cow::Owned(text.replacen(',', ".", 1))
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        match decimal.parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(Cell::Number(v)),
            // Read again wide, to tell a number too large for f32 from an infinite one.
            Ok(_) if decimal.parse::<f64>().is_ok_and(f64::is_finite) => {
                Err(FieldError::OutOfRange(text.to_string()))
            }
            Ok(_) => Err(FieldError::NotFinite(text.to_string())),
            Err(_) => Err(FieldError::NotANumber(text.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(delimiter: u8, text: &str) -> Result<Cell, FieldError> {
        DecimalMark::new(delimiter).parse(text, || "here".into())
    }

    #[test]
    fn numbers_parse_or_say_why_not() {
        assert_eq!(parse(b',', " 1.5 "), Ok(Cell::Number(1.5)));
        assert_eq!(parse(b',', "-2e-3"), Ok(Cell::Number(-0.002)));
        assert_eq!(
            parse(b',', "-inf"),
            Err(FieldError::NotFinite("-inf".into()))
        );
        assert_eq!(
            parse(b',', "1e39"),
            Err(FieldError::OutOfRange("1e39".into()))
        );
        assert_eq!(
            FieldError::OutOfRange("1e39".into()).to_string(),
            "\"1e39\" is beyond the range of the values read (32-bit floats, magnitudes up to 3.4e38)"
        );
        assert_eq!(
            parse(b',', "oops"),
            Err(FieldError::NotANumber("oops".into()))
        );
        // In a comma-separated table a comma inside a (quoted) number is not a decimal mark.
        assert_eq!(
            parse(b',', "1,5"),
            Err(FieldError::NotANumber("1,5".into()))
        );
    }

    #[test]
    fn missing_tokens_in_any_case() {
        for token in [
            "", "  ", "NA", "na", "NaN", "nan", "N/A", "n/a", "#N/A", "null", "NULL",
        ] {
            assert_eq!(parse(b',', token), Ok(Cell::Missing), "{token:?}");
        }
        for not_missing in ["-", "none", "NAN1", "0"] {
            assert_ne!(
                parse(b',', not_missing),
                Ok(Cell::Missing),
                "{not_missing:?}"
            );
        }
    }

    #[test]
    fn decimal_commas_where_the_delimiter_is_not_a_comma() {
        for delimiter in [b';', b'\t'] {
            let mut numbers = DecimalMark::new(delimiter);
            assert_eq!(numbers.parse("1,5", || "a".into()), Ok(Cell::Number(1.5)));
            assert_eq!(
                numbers.parse("-0,25", || "b".into()),
                Ok(Cell::Number(-0.25))
            );
            assert_eq!(numbers.parse("3", || "c".into()), Ok(Cell::Number(3.0)));
            assert!(numbers.uses_comma());
            assert_eq!(
                numbers.parse("2.5", || "d".into()),
                Err(FieldError::MixedDecimalMarks {
                    got: "2.5".into(),
                    expected: "a decimal comma",
                    first: "a: \"1,5\"".into(),
                })
            );
        }
        let mut numbers = DecimalMark::new(b';');
        assert_eq!(numbers.parse("2.5", || "x".into()), Ok(Cell::Number(2.5)));
        assert!(!numbers.uses_comma());
        assert_eq!(
            numbers.parse("1,5", || "y".into()),
            Err(FieldError::MixedDecimalMarks {
                got: "1,5".into(),
                expected: "a decimal point",
                first: "x: \"2.5\"".into(),
            })
        );
        // Both marks in one number (a thousands separator) is not a number.
        assert_eq!(
            DecimalMark::new(b';').parse("1.234,5", || "z".into()),
            Err(FieldError::NotANumber("1.234,5".into()))
        );
    }
}
