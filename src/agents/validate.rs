//! Validation of proposed genes: in flow raw (name, confidence, rationale) triples as an agent
//! wrote them; out come [`Proposal`]s of pool genes under official symbols, and [`Dropped`]
//! counts.
//!
//! Rules:
//! - names pass through [`GeneSymbols`] (aliases, previous symbols, case, Ensembl ids);
//! - a template word copied from the prompt's example instead of a gene ([`PLACEHOLDERS`]:
//!   `SYMBOL`, `GENE`, …, in any case, with or without `<>`) is dropped as a *placeholder*;
//! - the target itself (under any of its names) is dropped as *target*;
//! - a name that is not in the pool is dropped: as *invented* when the symbol table does not know
//!   it either, as *out of pool* otherwise;
//! - a gene named again is dropped as a *duplicate* (the first keeps the higher confidence);
//! - confidences are clamped to [0, 1]; a missing, non-numeric or NaN confidence becomes
//!   [`DEFAULT_CONFIDENCE`] (0.5); the words `high`, `medium`, `low` become 0.9, 0.6 and 0.3;
//! - proposals are sorted by confidence, highest first (ties keep the agent's order).

use std::collections::HashMap;

use super::{Answer, DEFAULT_CONFIDENCE, Dropped, Pool, Proposal};
use crate::data::{GeneSymbols, Resolution};

/// Words of answer templates that models copy instead of naming a gene (compared after trimming
/// `<>`, `[]`, quotes and spaces, ignoring case). None is an HGNC symbol.
pub const PLACEHOLDERS: &[&str] = &[
    "SYMBOL",
    "GENE",
    "GENE_SYMBOL",
    "GENE SYMBOL",
    "GENESYMBOL",
    "HGNC_SYMBOL",
    "HGNC SYMBOL",
    "OFFICIAL_SYMBOL",
    "GENE_NAME",
    "GENE NAME",
    "REGULATOR",
    "TARGET",
    "...",
    "…",
    "",
];

/// Whether a proposed name is a template word rather than a gene.
pub fn is_placeholder(name: &str) -> bool {
    let bare = name.trim_matches(|c: char| c.is_whitespace() || "<>[]{}\"'`".contains(c));
    PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(bare))
}

/// A proposal as the agent wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawProposal {
    /// Gene name as written.
    pub gene: String,
    /// Confidence, if one was given and numeric.
    pub confidence: Option<f64>,
    /// Rationale as written.
    pub rationale: String,
}

/// Reads a confidence written as a number, a numeric string or high/medium/low.
pub fn parse_confidence(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => {
            let s = s.trim().trim_end_matches('%');
            match s.to_ascii_lowercase().as_str() {
                "high" => Some(0.9),
                "medium" | "moderate" => Some(0.6),
                "low" => Some(0.3),
                other => other.parse::<f64>().ok(),
            }
        }
        _ => None,
    }
}

/// Checks raw proposals against the symbol table and the pool.
///
/// ```
/// use mechpert::agents::{Pool, validate::{RawProposal, validate}};
/// use mechpert::data::GeneSymbols;
/// let pool = Pool::new(["GATA1".to_string(), "TAL1".to_string(), "KLF1".to_string()]);
/// let raw = vec![
///     RawProposal { gene: "gata1".into(), confidence: Some(1.7), rationale: "".into() },
///     RawProposal { gene: "MADEUP9".into(), confidence: Some(0.9), rationale: "".into() },
///     RawProposal { gene: "TP53".into(), confidence: None, rationale: "".into() },
///     RawProposal { gene: "TAL1".into(), confidence: None, rationale: "x".into() },
/// ];
/// let a = validate(raw, Some("KLF1"), GeneSymbols::embedded(), &pool);
/// assert_eq!(a.proposals.iter().map(|p| (p.gene.as_str(), p.confidence)).collect::<Vec<_>>(),
///            [("GATA1", 1.0), ("TAL1", 0.5)]);
/// assert_eq!((a.dropped.invented, a.dropped.out_of_pool), (1, 1));
/// ```
pub fn validate(
    raw: Vec<RawProposal>,
    target: Option<&str>,
    symbols: &GeneSymbols,
    pool: &Pool,
) -> Answer {
    let mut dropped = Dropped::default();
    let mut kept: Vec<Proposal> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in raw {
        if is_placeholder(&r.gene) {
            dropped.placeholder += 1;
            continue;
        }
        let (symbol, resolution) = symbols.resolve(&r.gene);
        if target.is_some_and(|t| t == symbol || t == r.gene.trim()) {
            dropped.target += 1;
            continue;
        }
        let symbol = if pool.contains(symbol) {
            symbol.to_string()
        } else if pool.contains(r.gene.trim()) {
            r.gene.trim().to_string()
        } else {
            if resolution == Resolution::Unmapped {
                dropped.invented += 1;
            } else {
                dropped.out_of_pool += 1;
            }
            continue;
        };
        let confidence = match r.confidence {
            Some(c) if c.is_finite() => c.clamp(0.0, 1.0) as f32,
            _ => DEFAULT_CONFIDENCE,
        };
        match seen.get(&symbol) {
            Some(&i) => {
                dropped.duplicate += 1;
                if confidence > kept[i].confidence {
                    kept[i].confidence = confidence;
                }
            }
            None => {
                seen.insert(symbol.clone(), kept.len());
                kept.push(Proposal {
                    gene: symbol,
                    confidence,
                    rationale: r.rationale,
                });
            }
        }
    }
    kept.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    Answer {
        proposals: kept,
        dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(gene: &str, c: Option<f64>) -> RawProposal {
        RawProposal {
            gene: gene.into(),
            confidence: c,
            rationale: String::new(),
        }
    }

    #[test]
    fn confidences_parse_clamp_and_default() {
        assert_eq!(parse_confidence(&json!(0.25)), Some(0.25));
        assert_eq!(parse_confidence(&json!("0.8")), Some(0.8));
        assert_eq!(parse_confidence(&json!("High")), Some(0.9));
        assert_eq!(parse_confidence(&json!("low")), Some(0.3));
        assert_eq!(parse_confidence(&json!("unsure")), None);
        assert_eq!(parse_confidence(&json!(null)), None);
        let pool = Pool::new(["A".to_string(), "B".to_string(), "C".to_string()]);
        let a = validate(
            vec![
                raw("A", Some(-3.0)),
                raw("B", Some(f64::NAN)),
                raw("C", None),
            ],
            None,
            &GeneSymbols::identity(),
            &pool,
        );
        let got: Vec<_> = a.proposals.iter().map(|p| p.confidence).collect();
        assert_eq!(got, [0.5, 0.5, 0.0]);
    }

    #[test]
    fn target_and_repeats_are_dropped_keeping_the_higher_confidence() {
        let pool = Pool::new(["A".to_string(), "B".to_string()]);
        let a = validate(
            vec![
                raw("A", Some(0.2)),
                raw("B", Some(0.9)),
                raw("a", Some(0.7)),
            ],
            Some("B"),
            &GeneSymbols::identity(),
            &pool,
        );
        // "a" is unknown to the (identity) table and not in the pool: invented.
        assert_eq!(a.proposals.len(), 1);
        assert_eq!(a.dropped.target, 1);
        assert_eq!(a.dropped.invented, 1);
        let a = validate(
            vec![raw("A", Some(0.2)), raw("A", Some(0.7))],
            None,
            &GeneSymbols::identity(),
            &pool,
        );
        assert_eq!(a.proposals[0].confidence, 0.7);
        assert_eq!(a.dropped.duplicate, 1);
    }

    #[test]
    fn placeholders_and_the_target_under_an_alias_are_counted_apart() {
        // SmolLM2-135M's answers on the Renge screen: the template word, the target, a repeat.
        let pool = Pool::new(["GATA1".to_string(), "TAL1".to_string()]);
        let a = validate(
            vec![
                raw("SYMBOL", Some(0.9)),
                raw("<gene>", None),
                raw(" Gene_Symbol ", None),
                raw("gata-1", Some(0.8)),
                raw("TAL1", Some(0.4)),
                raw("tal1", Some(0.6)),
                raw("MADEUP9", None),
                raw("TP53", None),
            ],
            Some("GATA1"),
            GeneSymbols::embedded(),
            &pool,
        );
        assert_eq!(a.proposals.len(), 1);
        assert_eq!(a.proposals[0].confidence, 0.6);
        assert_eq!(
            a.dropped,
            Dropped {
                invented: 1,
                placeholder: 3,
                target: 1,
                duplicate: 1,
                out_of_pool: 1,
            }
        );
        assert!(is_placeholder("symbol") && is_placeholder("\"GENE\""));
        assert!(!is_placeholder("GENE1") && !is_placeholder("SYMPK"));
    }

    #[test]
    fn aliases_map_to_pool_symbols() {
        let pool = Pool::new(["KRAS".to_string()]);
        let a = validate(
            vec![raw("C-K-RAS", Some(0.4))],
            None,
            GeneSymbols::embedded(),
            &pool,
        );
        assert_eq!(a.proposals[0].gene, "KRAS");
    }
}
