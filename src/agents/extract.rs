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
//!
//! A reply that echoes its prompt carries the prompt's example answer (`{"genes": []}` in the
//! shipped templates): JSON found inside prose is skipped when it and the text just before it
//! ([`COPY_CONTEXT`] bytes) appear verbatim in the prompt, so an echo is not read as a confident
//! "no regulators". A reply that *is* that JSON, whole or fenced, is an answer.

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
    /// The only JSON in the reply is the prompt's own example, copied (an echo of the prompt).
    #[error("the reply only repeats JSON from the prompt (an echo, not an answer): {snippet:?}")]
    Echo {
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

/// How many bytes of reply text before an embedded JSON value must match the prompt, with the
/// value, for the value to count as a copy of the prompt's example.
pub const COPY_CONTEXT: usize = 16;

/// The JSON values in a reply, in the order tried: the whole text, the first fenced block, then
/// every balanced object or array from left to right that is not a copy from `prompt` (see the
/// module documentation); and how many copies were skipped.
fn json_candidates(text: &str, prompt: &str) -> (Vec<Value>, usize) {
    let trimmed = text.trim();
    let mut found = Vec::new();
    let mut copies = 0;
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
            if copied_from(trimmed, start, start + end, prompt) {
                copies += 1;
            } else {
                found.push(v);
            }
        }
        from = start + 1;
    }
    (found, copies)
}

/// Whether `text[start..end]`, with up to [`COPY_CONTEXT`] bytes before it (at least half of
/// that: a value at the very start of a reply is the reply's own), appears in `prompt`.
fn copied_from(text: &str, start: usize, end: usize, prompt: &str) -> bool {
    let mut from = start.saturating_sub(COPY_CONTEXT);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    start - from >= COPY_CONTEXT / 2 && prompt.contains(&text[from..end])
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

/// Extracts proposals from a reply to `prompt` (the text of the messages sent).
///
/// ```
/// use mechpert::agents::extract::proposals;
/// let prompt = "Answer as JSON. Return {\"genes\": []} if none.";
/// let reply = "Sure! Here you go:\n```json\n{\"genes\": [{\"gene\": \"GATA1\", \"confidence\": 0.9}]}\n```\nHope it helps.";
/// let p = proposals(reply, prompt).unwrap();
/// assert_eq!((p[0].gene.as_str(), p[0].confidence), ("GATA1", Some(0.9)));
/// // An echo of the prompt is not an empty answer.
/// assert!(proposals(&format!("Prompt: {prompt}"), prompt).is_err());
/// ```
pub fn proposals(text: &str, prompt: &str) -> Result<Vec<RawProposal>, ExtractError> {
    let (candidates, copies) = json_candidates(text, prompt);
    if let Some(list) = candidates.iter().find_map(list_of) {
        return Ok(list.iter().filter_map(item).collect());
    }
    match candidates.first() {
        None if copies > 0 => Err(ExtractError::Echo {
            snippet: snippet(text.trim()),
        }),
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
        proposals(text, "")
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
        let p = proposals(
            r#"x {"genes":[{"gene":"A","rationale":"binds } motif"}]} y"#,
            "",
        )
        .unwrap();
        assert_eq!(p[0].rationale, "binds } motif");
        // Leading prose holding an unbalanced bracket is skipped.
        assert_eq!(genes(r#"see [1 and then {"genes":["B"]}"#), ["B"]);
    }

    #[test]
    fn truncated_json_and_listless_json_are_errors() {
        let err = proposals(
            r#"{"genes":[{"gene":"A","confidence":0.9},{"gene":"B","conf"#,
            "",
        )
        .unwrap_err();
        assert!(matches!(err, ExtractError::NoJson { .. }), "{err}");
        assert!(err.to_string().contains("truncated"));
        let err = proposals(r#"{"note": "none"}"#, "").unwrap_err();
        assert!(matches!(err, ExtractError::NoList { .. }), "{err}");
        let err = proposals("42", "").unwrap_err();
        assert!(matches!(err, ExtractError::NoList { .. }), "{err}");
    }

    proptest::proptest! {
        /// Any answer survives prose (without brackets) before and after it, fenced or not.
        #[test]
        fn answers_survive_surrounding_prose(
            genes in proptest::collection::vec("[A-Z][A-Z0-9]{1,7}", 0..6),
            before in "[a-zA-Z0-9 .,:!?'\n-]{0,60}",
            after in "[a-zA-Z0-9 .,:!?'\n-]{0,60}",
            fenced: bool,
        ) {
            let items: Vec<serde_json::Value> = genes
                .iter()
                .map(|g| serde_json::json!({"gene": g, "confidence": 0.5, "rationale": "r {x}"}))
                .collect();
            let json = serde_json::json!({ "genes": items }).to_string();
            let body = if fenced { format!("```json\n{json}\n```") } else { json };
            let text = format!("{before}{body}{after}");
            let got: Vec<String> = proposals(&text, "").unwrap().into_iter().map(|p| p.gene).collect();
            proptest::prop_assert_eq!(got, genes);
        }
    }

    #[test]
    fn an_echoed_prompt_example_is_not_an_answer() {
        // Gemma 3 270M base with free text: the prompt back, the example inside it.
        let prompt = "Return up to 5 regulators, as JSON of the form\n{\"genes\": [{\"gene\": \"SYMBOL\", \"confidence\": 0.0-1.0}]}\nUse official HGNC symbols. Return {\"genes\": []} if none of the candidates regulates MYC.";
        let echo = format!("{prompt}\n{prompt}");
        let err = proposals(&echo, prompt).unwrap_err();
        assert!(matches!(err, ExtractError::Echo { .. }), "{err}");
        // The same JSON as the whole reply, fenced, or after prose of the model's own: an answer.
        for reply in [
            "{\"genes\": []}",
            "```json\n{\"genes\": []}\n```",
            "None of these regulate MYC: {\"genes\": []}",
        ] {
            assert_eq!(proposals(reply, prompt).unwrap(), [], "{reply}");
        }
        // An echo followed by a real answer: the answer.
        let p = proposals(&format!("{prompt} {{\"genes\": [\"MAX\"]}}"), prompt).unwrap();
        assert_eq!(p[0].gene, "MAX");
    }

    #[test]
    fn items_without_a_gene_are_skipped() {
        let p = proposals(
            r#"{"genes":[{"confidence":1}, 3, {"name":"C","probability":0.2}]}"#,
            "",
        )
        .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].confidence, Some(0.2));
    }
}
