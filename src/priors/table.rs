//! A delimited-table reader for prior-knowledge files, generic over [`BufRead`].
//!
//! In flows text (tab- or comma-separated, chosen from the header line; `#` lines skipped); out
//! come rows whose fields are looked up by column and parsed with errors naming file, line and
//! column. Fields may be wrapped in double quotes (no embedded delimiters).

use std::io::BufRead;

use super::PriorsError;

/// Rows of a delimited text table, with its header.
pub(crate) struct Table<R> {
    reader: R,
    file: String,
    delimiter: char,
    header: Vec<String>,
    header_line: usize,
    line: usize,
    buf: String,
    spans: Vec<(usize, usize)>,
}

impl<R: BufRead> Table<R> {
    /// Reads the header (the first line that is neither empty nor a `#` comment).
    /// `expected` describes the wanted columns for the error on an empty input.
    pub(crate) fn with_header(
        reader: R,
        file: &str,
        expected: &str,
    ) -> Result<Table<R>, PriorsError> {
        let mut t = Table::without_header(reader, file, '\t');
        if !t.next_line()? {
            return Err(PriorsError::Empty {
                file: file.to_string(),
                expected: expected.to_string(),
            });
        }
        t.delimiter = if t.buf.contains('\t') { '\t' } else { ',' };
        t.split();
        t.header = (0..t.spans.len())
            .map(|i| t.raw(i).trim().to_string())
            .collect();
        t.header_line = t.line;
        Ok(t)
    }

    /// A table without header line, split on `delimiter`.
    pub(crate) fn without_header(reader: R, file: &str, delimiter: char) -> Table<R> {
        Table {
            reader,
            file: file.to_string(),
            delimiter,
            header: Vec::new(),
            header_line: 0,
            line: 0,
            buf: String::new(),
            spans: Vec::new(),
        }
    }

    /// A table without header line whose columns carry the given names (for errors).
    pub(crate) fn with_names(reader: R, file: &str, delimiter: char, names: &[&str]) -> Table<R> {
        let mut t = Table::without_header(reader, file, delimiter);
        t.header = names.iter().map(|n| n.to_string()).collect();
        t
    }

    /// The file or bundle name used in errors.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// The index of the first column whose name (case-insensitive) is one of `names`.
    pub(crate) fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h.eq_ignore_ascii_case(n)))
    }

    /// Like [`Table::column`], but a missing column is an error.
    pub(crate) fn require(&self, names: &[&str]) -> Result<usize, PriorsError> {
        self.column(names)
            .ok_or_else(|| PriorsError::MissingColumn {
                file: self.file.clone(),
                line: self.header_line,
                expected: names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                found: self.header.clone(),
            })
    }

    fn next_line(&mut self) -> Result<bool, PriorsError> {
        loop {
            self.buf.clear();
            self.line += 1;
            let n = self
                .reader
                .read_line(&mut self.buf)
                .map_err(|source| PriorsError::Read {
                    file: self.file.clone(),
                    line: self.line,
                    source,
                })?;
            if n == 0 {
                return Ok(false);
            }
            let trimmed = self.buf.trim_end_matches(['\n', '\r']).len();
            self.buf.truncate(trimmed);
            if !self.buf.trim().is_empty() && !self.buf.starts_with('#') {
                return Ok(true);
            }
        }
    }

    fn split(&mut self) {
        self.spans.clear();
        let mut start = 0;
        for (i, c) in self.buf.char_indices() {
            if c == self.delimiter {
                self.spans.push((start, i));
                start = i + c.len_utf8();
            }
        }
        self.spans.push((start, self.buf.len()));
    }

    /// Advances to the next data row; false at the end.
    pub(crate) fn next_row(&mut self) -> Result<bool, PriorsError> {
        if !self.next_line()? {
            return Ok(false);
        }
        self.split();
        Ok(true)
    }

    /// Number of fields in the current row.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    fn raw(&self, i: usize) -> &str {
        let (a, b) = self.spans[i];
        let s = self.buf[a..b].trim();
        s.strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(s)
    }

    /// Field `i` of the current row (trimmed, quotes removed).
    pub(crate) fn get(&self, i: usize) -> Result<&str, PriorsError> {
        if i >= self.spans.len() {
            return Err(PriorsError::ShortRow {
                file: self.file.clone(),
                line: self.line,
                expected: i + 1,
                got: self.spans.len(),
            });
        }
        Ok(self.raw(i))
    }

    /// An error for field `i` of the current row.
    pub(crate) fn field_error(&self, i: usize, expected: &'static str) -> PriorsError {
        PriorsError::Field {
            file: self.file.clone(),
            line: self.line,
            column_number: i + 1,
            column: self
                .header
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("{}", i + 1)),
            value: self.get(i).unwrap_or_default().to_string(),
            expected,
        }
    }

    /// Field `i` as a finite number.
    pub(crate) fn number(&self, i: usize) -> Result<f64, PriorsError> {
        let s = self.get(i)?;
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.field_error(i, "a finite number")),
        }
    }

    /// Field `i` as a finite non-negative number (a weight).
    pub(crate) fn weight(&self, i: usize) -> Result<f64, PriorsError> {
        match self.number(i) {
            Ok(v) if v >= 0.0 => Ok(v),
            _ => Err(self.field_error(i, "a finite non-negative number")),
        }
    }

    /// Field `i` as a non-negative count; empty, `NA` and `nan` read as 0.
    pub(crate) fn count(&self, i: usize) -> Result<f64, PriorsError> {
        let s = self.get(i)?;
        if s.is_empty() || s.eq_ignore_ascii_case("na") || s.eq_ignore_ascii_case("nan") {
            return Ok(0.0);
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            _ => Err(self.field_error(i, "a non-negative count")),
        }
    }

    /// Field `i` as a sign: `1`, `+1`, `+`, `-1`, `-`, `0` (also `1.0`-style floats).
    pub(crate) fn sign(&self, i: usize) -> Result<i8, PriorsError> {
        let s = self.get(i)?;
        match s {
            "+" => return Ok(1),
            "-" => return Ok(-1),
            "" => return Ok(0),
            _ => {}
        }
        match s.parse::<f64>() {
            Ok(1.0) => Ok(1),
            Ok(-1.0) => Ok(-1),
            Ok(0.0) => Ok(0),
            _ => Err(self.field_error(i, "a sign: 1, -1 or 0")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_delimiter_and_comments() {
        let text = "# note\nsource,target,weight\n\nA,B,0.5\n# mid\n\"C\",D,x\n";
        let mut t = Table::with_header(text.as_bytes(), "e.csv", "source, target").unwrap();
        let w = t.require(&["weight"]).unwrap();
        assert_eq!(t.column(&["regulator", "SOURCE"]), Some(0));
        assert!(t.next_row().unwrap());
        assert_eq!(t.line, 4);
        assert_eq!(t.weight(w).unwrap(), 0.5);
        assert!(t.next_row().unwrap());
        assert_eq!(t.get(0).unwrap(), "C");
        assert_eq!(
            t.weight(w).unwrap_err().to_string(),
            "e.csv:6:3: column `weight`: expected a finite non-negative number, got \"x\""
        );
        assert!(!t.next_row().unwrap());
    }

    #[test]
    fn missing_column_short_row_and_empty_input() {
        let t = Table::with_header("a\tb\n".as_bytes(), "f.tsv", "x").unwrap();
        assert_eq!(
            t.require(&["source", "regulator"]).unwrap_err().to_string(),
            "f.tsv:1: missing column `source` or `regulator`; the header has [\"a\", \"b\"]"
        );
        let mut t = Table::with_header("a\tb\tc\nx\n".as_bytes(), "f.tsv", "x").unwrap();
        t.next_row().unwrap();
        assert_eq!(
            t.get(2).unwrap_err().to_string(),
            "f.tsv:2: expected at least 3 fields, got 1"
        );
        let err = Table::with_header("# only\n".as_bytes(), "f.tsv", "`a`, `b`")
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "f.tsv: empty, expected a header line with columns `a`, `b`"
        );
    }

    #[test]
    fn signs_counts_and_negative_weights() {
        let mut t = Table::with_header(
            "s\tc\tw\n+\tNA\t-1\nactivation\t-2\tinf\n".as_bytes(),
            "f",
            "",
        )
        .unwrap();
        t.next_row().unwrap();
        assert_eq!(t.sign(0).unwrap(), 1);
        assert_eq!(t.count(1).unwrap(), 0.0);
        assert_eq!(t.number(2).unwrap(), -1.0);
        assert!(t.weight(2).is_err());
        t.next_row().unwrap();
        assert!(
            t.sign(0)
                .unwrap_err()
                .to_string()
                .contains("expected a sign")
        );
        assert!(t.count(1).is_err());
        assert!(t.number(2).is_err());
    }
}
