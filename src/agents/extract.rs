//! Robust extraction of a JSON answer from an LLM reply.
//!
//! In flows the reply text; out come [`RawProposal`]s. The text is tried, in order, as a whole
//! JSON document, as the first fenced ```` ```json ```` block, and as each balanced JSON object
//! or array in the text (strings and escapes respected); the first of these that holds a list of
//! proposals wins, so prose before or after the JSON is ignored. A reply whose first `{` or `[`
//! never closes is reported as truncated. The answer may be `{"genes": [...]}` (the shipped schema), any object whose first
//! array value holds the proposals, or a bare array. Each item is an object with a gene name
//! (`gene`, `symbol` or `name`), an optional confidence (`confidence`, `score`, `probability`)
//! and an optional rationale (`rationale`, `reason`, `evidence`), or a bare string.

use serde_json::Value;

use super::validate::{RawProposal, parse_confidence};

/// Why no answer could be extracted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// No parseable JSON anywhere in the text.
    #[error("no complete JSON object or array in the reply (truncated?): {snippet:?}")]
    NoJson {
        /// The start of the reply.
        snippet: String,
    },
    /// JSON was found but holds no list of proposals.
    #[error("the JSON holds no list of genes: {snippet:?}")]
    NoList {
        /// The start of the JSON.
        snippet: String,
    },
}

fn snippet(s: &str) -> String {
    s.chars().take(120).collect()
}

/// The JSON values in a reply, in the order tried: the whole text, the first fenced block, then
/// every balanced object or array from left to right.
pub fn json_candidates(text: &str) -> Vec<Value> {
    let trimmed = text.trim();
    let mut found = Vec::new();
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        found.push(v);
    }
    if let Some(block) = fenced_block(trimmed)
        && let Ok(v) = serde_json::from_str::<Value>(block.trim())
    {
        found.push(v);
    }
    let bytes = trimmed.as_bytes();
    let mut from = 0;
    while let Some(off) = bytes[from..].iter().position(|&b| b == b'{' || b == b'[') {
        let start = from + off;
        if let Some(end) = balanced_end(&bytes[start..])
            && let Ok(v) = serde_json::from_str::<Value>(&trimmed[start..start + end])
        {
            found.push(v);
        }
        from = start + 1;
    }
    found
}

/// Whether the first `{` or `[` of the text never closes (a reply cut off mid-JSON).
fn first_value_unclosed(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .position(|&b| b == b'{' || b == b'[')
        .is_some_and(|start| balanced_end(&bytes[start..]).is_none())
}

/// The contents of the first ```` ``` ```` fence (with or without a language tag).
fn fenced_block(text: &str) -> Option<&str> {
    let start = text.find("```")?;
    let rest = &text[start + 3..];
    let body_start = rest.find('\n').map(|i| i + 1).unwrap_or(0);
    let body = &rest[body_start..];
    let end = body.find("```")?;
    Some(&body[..end])
}

/// Length of the balanced JSON value starting at `bytes[0]` (`{` or `[`), if it closes.
fn balanced_end(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Extracts proposals from a reply.
///
/// ```
/// use mechpert::agents::extract::proposals;
/// let reply = "Sure! Here you go:\n```json\n{\"genes\": [{\"gene\": \"GATA1\", \"confidence\": 0.9}]}\n```\nHope it helps.";
/// let p = proposals(reply).unwrap();
/// assert_eq!((p[0].gene.as_str(), p[0].confidence), ("GATA1", Some(0.9)));
/// ```
pub fn proposals(text: &str) -> Result<Vec<RawProposal>, ExtractError> {
    let candidates = json_candidates(text);
    if let Some(list) = candidates.iter().find_map(list_of) {
        return Ok(list.iter().filter_map(item).collect());
    }
    match candidates.first() {
        Some(v) if !first_value_unclosed(text.trim()) => Err(ExtractError::NoList {
            snippet: snippet(&v.to_string()),
        }),
        _ => Err(ExtractError::NoJson {
            snippet: snippet(text.trim()),
        }),
    }
}

/// The proposal list of a JSON answer: a bare array, `genes` (or `regulators`, `similar`,
/// `hubs`, `answer`), or the first array value of an object.
fn list_of(value: &Value) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(map) => ["genes", "regulators", "similar", "hubs", "answer"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_array))
            .or_else(|| map.values().find_map(Value::as_array)),
        _ => None,
    }
}

fn item(v: &Value) -> Option<RawProposal> {
    match v {
        Value::String(s) => Some(RawProposal {
            gene: s.clone(),
            confidence: None,
            rationale: String::new(),
        }),
        Value::Object(map) => {
            let gene = ["gene", "symbol", "name", "regulator"]
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str))?;
            let confidence = ["confidence", "score", "probability"]
                .iter()
                .find_map(|k| map.get(*k).and_then(parse_confidence));
            let rationale = ["rationale", "reason", "evidence"]
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str))
                .unwrap_or("");
            Some(RawProposal {
                gene: gene.to_string(),
                confidence,
                rationale: rationale.to_string(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genes(text: &str) -> Vec<String> {
        proposals(text)
            .unwrap()
            .into_iter()
            .map(|p| p.gene)
            .collect()
    }

    #[test]
    fn plain_fenced_and_embedded_json_are_found() {
        assert_eq!(genes(r#"{"genes":[{"gene":"A"}]}"#), ["A"]);
        assert_eq!(genes("```\n[\"A\", \"B\"]\n```"), ["A", "B"]);
        assert_eq!(
            genes(r#"I think {"regulators":[{"symbol":"A","score":"0.3"}]} is right. {oops"#),
            ["A"]
        );
        // A brace inside a string does not end the object early.
        let p = proposals(r#"x {"genes":[{"gene":"A","rationale":"binds } motif"}]} y"#).unwrap();
        assert_eq!(p[0].rationale, "binds } motif");
        // Leading prose holding an unbalanced bracket is skipped.
        assert_eq!(genes(r#"see [1 and then {"genes":["B"]}"#), ["B"]);
    }

    #[test]
    fn truncated_json_and_listless_json_are_errors() {
        let err =
            proposals(r#"{"genes":[{"gene":"A","confidence":0.9},{"gene":"B","conf"#).unwrap_err();
        assert!(matches!(err, ExtractError::NoJson { .. }), "{err}");
        assert!(err.to_string().contains("truncated"));
        let err = proposals(r#"{"note": "none"}"#).unwrap_err();
        assert!(matches!(err, ExtractError::NoList { .. }), "{err}");
        let err = proposals("42").unwrap_err();
        assert!(matches!(err, ExtractError::NoList { .. }), "{err}");
    }

    #[test]
    fn items_without_a_gene_are_skipped() {
        let p = proposals(r#"{"genes":[{"confidence":1}, 3, {"name":"C","probability":0.2}]}"#)
            .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].confidence, Some(0.2));
    }
}
