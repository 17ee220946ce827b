//! Input formats and their detection.

use std::path::Path;

use serde::Serialize;

/// A screen file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// AnnData HDF5: single cells (aggregated to pseudo-bulk) or one row per perturbation.
    H5ad,
    /// CSV/TSV, one row per perturbation (first column its name) and one column per gene.
    Wide,
    /// CSV/TSV with columns `perturbation, gene, value`, one row per pair.
    Long,
    /// CSV/TSV ranked signatures `perturbation, rank, gene[, in_up]`.
    Ranked,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::H5ad => "h5ad",
            Format::Wide => "wide",
            Format::Long => "long",
            Format::Ranked => "ranked",
        })
    }
}

/// The HDF5 file signature.
pub const HDF5_MAGIC: &[u8; 8] = b"\x89HDF\r\n\x1a\n";
/// The gzip member signature.
pub const GZIP_MAGIC: &[u8; 2] = b"\x1f\x8b";

/// Extensions a screen may carry (before an optional `.gz`).
pub const KNOWN_EXTENSIONS: &[&str] = &["h5ad", "h5", "csv", "tsv", "txt"];

/// The extension that decides the format, with a trailing `.gz` removed; `None` when absent.
pub fn base_extension(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_string())
}

/// The text format a header announces, and why: ranked signatures have `rank` and `gene`
/// columns, long tables exactly a label, `gene` and `value` column; anything else is wide.
pub fn sniff_text(header: &[String]) -> (Format, &'static str) {
    let has = |name: &str| header.iter().any(|h| h.eq_ignore_ascii_case(name));
    if has("rank") && has("gene") {
        (Format::Ranked, "the header has `rank` and `gene` columns")
    } else if header.len() == 3 && has("gene") && has("value") {
        (
            Format::Long,
            "the header is three columns: a label, `gene` and `value`",
        )
    } else {
        (
            Format::Wide,
            "the header has no `rank`/`gene` pair and is not label,gene,value: one row per perturbation, one column per gene",
        )
    }
}

/// A delimiter's name, for messages.
pub fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b'\t' => "tab-separated",
        b';' => "semicolon-separated",
        _ => "comma-separated",
    }
}

/// The delimiter of a text table: tab for `.tsv`; for `.csv` a comma unless the header holds
/// semicolons and no comma (the CSV of spreadsheets set to a decimal comma); otherwise
/// whichever of tab, comma and semicolon the header line holds most of (comma on a tie).
pub fn sniff_delimiter(extension: Option<&str>, first_line: &str) -> u8 {
    let count = |c: char| first_line.matches(c).count();
    match extension {
        Some("tsv") => b'\t',
        Some("csv") if count(',') == 0 && count(';') > 0 => b';',
        Some("csv") => b',',
        _ => [b'\t', b';']
            .into_iter()
            .filter(|&d| count(d as char) > count(','))
            .max_by_key(|&d| count(d as char))
            .unwrap_or(b','),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_decide_the_text_format() {
        assert_eq!(
            sniff_text(&cols(&["perturbation", "rank", "gene", "in_up"])).0,
            Format::Ranked
        );
        assert_eq!(
            sniff_text(&cols(&["perturbation", "gene", "value"])).0,
            Format::Long
        );
        assert_eq!(sniff_text(&cols(&["", "MYC", "GATA1"])).0, Format::Wide);
        assert_eq!(
            sniff_text(&cols(&["name", "gene", "value", "x"])).0,
            Format::Wide
        );
    }

    #[test]
    fn extensions_and_delimiters() {
        assert_eq!(
            base_extension(Path::new("a/B.CSV.gz")).as_deref(),
            Some("csv")
        );
        assert_eq!(base_extension(Path::new("screen")), None);
        assert_eq!(sniff_delimiter(Some("tsv"), "a,b"), b'\t');
        assert_eq!(sniff_delimiter(Some("txt"), "a\tb\tc,d"), b'\t');
        assert_eq!(sniff_delimiter(None, "a,b"), b',');
        assert_eq!(sniff_delimiter(Some("csv"), "gene;MYC;GATA1"), b';');
        assert_eq!(sniff_delimiter(Some("csv"), "gene;MYC,x"), b',');
        assert_eq!(sniff_delimiter(Some("txt"), "a;b;c\td"), b';');
        assert_eq!(sniff_delimiter(None, "a;b,c"), b',');
    }
}
