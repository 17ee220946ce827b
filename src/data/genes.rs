//! Gene-symbol normalisation through the NCBI alias table.
//!
//! The embedded table (`experiments/data/embedded/gene_symbols.tsv.gz`, derived from Debian's
//! `r-bioc-org.hs.eg.db` 3.16.0 by `experiments/data/derive_gene_symbols.py`) maps official
//! symbols, unambiguous aliases and previous symbols, and Ensembl gene ids to the official symbol.
//! Matching is exact first, then case-insensitive. A name the table does not know is kept as it is
//! and reported as [`Resolution::Unmapped`].

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::OnceLock;

static EMBEDDED: &[u8] = include_bytes!("../../experiments/data/embedded/gene_symbols.tsv.gz");

/// How a name was resolved to a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The name is an official symbol (up to case).
    Official,
    /// The name is an alias or previous symbol of exactly one official symbol.
    Alias,
    /// The name is an Ensembl gene id of exactly one official symbol.
    Ensembl,
    /// The table does not know the name; it is kept unchanged.
    Unmapped,
}

/// A lookup table from gene names to official symbols.
#[derive(Debug, Clone, Default)]
pub struct GeneSymbols {
    /// Upper-cased name → (official symbol, how it was listed).
    by_upper: HashMap<Box<str>, (Box<str>, Resolution)>,
}

/// An error while reading a gene-symbol table.
#[derive(Debug, thiserror::Error)]
pub enum SymbolTableError {
    /// The table could not be read.
    #[error("{path}: cannot read gene-symbol table")]
    Io {
        /// The table's path or name.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// A row did not have the columns `name, symbol, kind`.
    #[error(
        "{path}:{line}: expected three tab-separated columns `name, symbol, kind`, got {got:?}"
    )]
    Row {
        /// The table's path or name.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The offending line.
        got: String,
    },
}

impl GeneSymbols {
    /// The embedded human table (NCBI Gene 2022-09 through org.Hs.eg.db), parsed once per process.
    pub fn embedded() -> &'static GeneSymbols {
        static TABLE: OnceLock<GeneSymbols> = OnceLock::new();
        TABLE.get_or_init(|| {
            let gz = flate2::read::GzDecoder::new(EMBEDDED);
            Self::from_reader(gz, "embedded gene_symbols.tsv.gz")
                .expect("the embedded gene-symbol table is well formed (checked by a test)")
        })
    }

    /// An empty table: every name stays as it is.
    pub fn identity() -> GeneSymbols {
        GeneSymbols::default()
    }

    /// Reads a `name, symbol, kind` table (gzip-compressed when the path ends in `.gz`).
    pub fn from_path(path: &Path) -> Result<GeneSymbols, SymbolTableError> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|source| SymbolTableError::Io {
            path: name.clone(),
            source,
        })?;
        if path.extension().is_some_and(|e| e == "gz") {
            Self::from_reader(flate2::read::GzDecoder::new(file), &name)
        } else {
            Self::from_reader(file, &name)
        }
    }

    /// Reads a `name, symbol, kind` table from any reader; `#` lines and the header are skipped.
    pub fn from_reader(reader: impl Read, name: &str) -> Result<GeneSymbols, SymbolTableError> {
        let mut by_upper = HashMap::new();
        for (i, line) in BufReader::new(reader).lines().enumerate() {
            let line = line.map_err(|source| SymbolTableError::Io {
                path: name.to_string(),
                source,
            })?;
            if line.starts_with('#') || line.starts_with("name\t") || line.is_empty() {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(alias), Some(symbol), Some(kind), None) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                return Err(SymbolTableError::Row {
                    path: name.to_string(),
                    line: i + 1,
                    got: line,
                });
            };
            let resolution = match kind {
                "official" => Resolution::Official,
                "alias" => Resolution::Alias,
                "ensembl" => Resolution::Ensembl,
                _ => {
                    return Err(SymbolTableError::Row {
                        path: name.to_string(),
                        line: i + 1,
                        got: line,
                    });
                }
            };
            let key: Box<str> = alias.to_uppercase().into();
            // Official symbols take precedence over any alias spelled the same.
            match by_upper.get(&key) {
                Some((_, Resolution::Official)) => {}
                _ => {
                    by_upper.insert(key, (symbol.into(), resolution));
                }
            }
        }
        Ok(GeneSymbols { by_upper })
    }

    /// Resolves one name to its official symbol. GEARS-style `A+ctrl` names drop the `+ctrl`.
    pub fn resolve<'a>(&'a self, name: &'a str) -> (&'a str, Resolution) {
        let trimmed = name.trim();
        // Not down to nothing: `+ctrl` alone stays a (meaningless, unmapped) name, never "".
        let trimmed = trimmed
            .strip_suffix("+ctrl")
            .or_else(|| trimmed.strip_prefix("ctrl+"))
            .filter(|rest| !rest.trim().is_empty())
            .unwrap_or(trimmed);
        // Ensembl ids carry a version suffix (ENSG00000141510.17) in many files.
        let key = match trimmed.split_once('.') {
            Some((stem, _)) if stem.starts_with("ENSG") => stem,
            _ => trimmed,
        };
        match self.by_upper.get(key.to_uppercase().as_str()) {
            Some((symbol, resolution)) => (symbol, *resolution),
            None => (trimmed, Resolution::Unmapped),
        }
    }

    /// Resolves a name to an owned symbol, counting it in `unmapped` when the table does not know
    /// it. Combination labels `A+B` resolve part by part.
    pub fn normalise(&self, name: &str, unmapped: &mut usize) -> String {
        if name.contains('+') && !name.ends_with("+ctrl") && !name.starts_with("ctrl+") {
            return name
                .split('+')
                .map(|part| self.normalise(part, unmapped))
                .collect::<Vec<_>>()
                .join("+");
        }
        let (symbol, resolution) = self.resolve(name);
        if resolution == Resolution::Unmapped {
            *unmapped += 1;
        }
        symbol.to_string()
    }

    /// Number of names the table knows.
    pub fn len(&self) -> usize {
        self.by_upper.len()
    }

    /// Whether the table knows no names.
    pub fn is_empty(&self) -> bool {
        self.by_upper.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_resolves_official_alias_case_and_ensembl() {
        let t = GeneSymbols::embedded();
        assert!(t.len() > 100_000, "table has {} names", t.len());
        assert_eq!(t.resolve("TP53"), ("TP53", Resolution::Official));
        assert_eq!(t.resolve("tp53").0, "TP53");
        // C-K-RAS is a listed synonym of KRAS; ENSG00000141510 is TP53.
        assert_eq!(t.resolve("C-K-RAS"), ("KRAS", Resolution::Alias));
        assert_eq!(
            t.resolve("ENSG00000141510.17"),
            ("TP53", Resolution::Ensembl)
        );
        assert_eq!(
            t.resolve("NOT_A_GENE_X"),
            ("NOT_A_GENE_X", Resolution::Unmapped)
        );
    }

    #[test]
    fn gears_labels_and_combinations_normalise_part_by_part() {
        let t = GeneSymbols::embedded();
        let mut unmapped = 0;
        assert_eq!(t.normalise("tp53+ctrl", &mut unmapped), "TP53");
        assert_eq!(t.normalise("c-k-ras+tp53", &mut unmapped), "KRAS+TP53");
        assert_eq!(unmapped, 0);
        t.normalise("weird1+TP53", &mut unmapped);
        assert_eq!(unmapped, 1);
        // Found by fuzz/fuzz_targets/screen_text.rs: the suffix alone normalised to "".
        assert_eq!(t.normalise("+ctrl", &mut unmapped), "+ctrl");
        assert_eq!(t.normalise("ctrl+ ", &mut unmapped), "ctrl+");
        assert_eq!(unmapped, 3);
    }

    #[test]
    fn malformed_table_rows_name_the_line() {
        let err =
            GeneSymbols::from_reader(&b"name\tsymbol\tkind\nA\tB\n"[..], "t.tsv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.tsv:2: expected three tab-separated columns `name, symbol, kind`, got \"A\\tB\""
        );
        let err = GeneSymbols::from_reader(&b"A\tB\tfriend\n"[..], "t.tsv").unwrap_err();
        assert!(err.to_string().starts_with("t.tsv:1:"), "{err}");
    }
}
