//! Prompt templates: in flow the template files (or the embedded defaults from
//! `experiments/prompts/`) and a question's values; out come the chat messages sent to an LLM and
//! the JSON schema of the answer.
//!
//! A template folder holds `regulators.system.txt`, `regulators.user.txt`, `similar.system.txt`,
//! `similar.user.txt`, `hubs.system.txt` and `hubs.user.txt`. Placeholders `{target}`,
//! `{cell_context}`, `{candidates}` and `{k}` are replaced; any other text, braces included, is
//! kept as written (so JSON examples need no escaping). The user templates of `regulators` and
//! `similar` must contain `{target}`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::QueryKind;

/// The text `{candidates}` becomes when the pool is not listed (open-ended strategy).
pub const OPEN_CANDIDATES: &str =
    "any human gene (the screen's gene list is too long to show; answers outside it are discarded)";

/// A problem with a template folder.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// A template file could not be read.
    #[error("{}: cannot read prompt template", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// A user template lacks `{target}`.
    #[error("{}: the template has no {{target}} placeholder, so every target would get the same prompt", .path.display())]
    NoTarget {
        /// The file.
        path: PathBuf,
    },
}

/// System and user templates of one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// System message template.
    pub system: String,
    /// User message template.
    pub user: String,
}

/// Templates for the three questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompts {
    regulators: Template,
    similar: Template,
    hubs: Template,
}

/// Values for one prompt.
#[derive(Debug, Clone, Copy)]
pub struct Vars<'a> {
    /// Target gene (empty for hubs).
    pub target: &'a str,
    /// Cell line or type description.
    pub cell_context: &'a str,
    /// Candidate list text (comma-separated genes or [`OPEN_CANDIDATES`]).
    pub candidates: &'a str,
    /// How many genes to ask for.
    pub k: usize,
}

impl Prompts {
    /// The shipped templates (`experiments/prompts/`, compiled in).
    pub fn embedded() -> Prompts {
        let t = |system: &str, user: &str| Template {
            system: system.to_string(),
            user: user.to_string(),
        };
        Prompts {
            regulators: t(
                include_str!("../../experiments/prompts/regulators.system.txt"),
                include_str!("../../experiments/prompts/regulators.user.txt"),
            ),
            similar: t(
                include_str!("../../experiments/prompts/similar.system.txt"),
                include_str!("../../experiments/prompts/similar.user.txt"),
            ),
            hubs: t(
                include_str!("../../experiments/prompts/hubs.system.txt"),
                include_str!("../../experiments/prompts/hubs.user.txt"),
            ),
        }
    }

    /// Reads the six template files of a folder.
    pub fn from_dir(dir: &Path) -> Result<Prompts, PromptError> {
        let read = |name: String| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| PromptError::Read { path, source })
        };
        let load = |kind: QueryKind| -> Result<Template, PromptError> {
            let user_name = format!("{}.user.txt", kind.as_str());
            let user = read(user_name.clone())?;
            if kind != QueryKind::Hubs && !user.contains("{target}") {
                return Err(PromptError::NoTarget {
                    path: dir.join(user_name),
                });
            }
            Ok(Template {
                system: read(format!("{}.system.txt", kind.as_str()))?,
                user,
            })
        };
        Ok(Prompts {
            regulators: load(QueryKind::Regulators)?,
            similar: load(QueryKind::Similar)?,
            hubs: load(QueryKind::Hubs)?,
        })
    }

    /// The templates of one question.
    pub fn template(&self, kind: QueryKind) -> &Template {
        match kind {
            QueryKind::Regulators => &self.regulators,
            QueryKind::Similar => &self.similar,
            QueryKind::Hubs => &self.hubs,
        }
    }

    /// The chat messages for one question: `[{role: system, …}, {role: user, …}]`.
    pub fn render(&self, kind: QueryKind, vars: Vars<'_>) -> Value {
        let t = self.template(kind);
        json!([
            {"role": "system", "content": fill(&t.system, vars)},
            {"role": "user", "content": fill(&t.user, vars)},
        ])
    }
}

/// Replaces the four placeholders in one pass (values are never re-scanned).
pub fn fill(template: &str, vars: Vars<'_>) -> String {
    let k = vars.k.to_string();
    let mut out = String::with_capacity(template.len() + vars.candidates.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let hit = [
            ("{target}", vars.target),
            ("{cell_context}", vars.cell_context),
            ("{candidates}", vars.candidates),
            ("{k}", k.as_str()),
        ]
        .into_iter()
        .find(|(p, _)| tail.starts_with(p));
        match hit {
            Some((p, v)) => {
                out.push_str(v);
                rest = &tail[p.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The JSON schema every answer follows: `{"genes": [{"gene", "confidence", "rationale"}]}`.
pub fn answer_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "genes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "gene": {"type": "string"},
                        "confidence": {"type": "number"},
                        "rationale": {"type": "string"}
                    },
                    "required": ["gene", "confidence", "rationale"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["genes"],
        "additionalProperties": false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: Vars<'static> = Vars {
        target: "MYC",
        cell_context: "K562",
        candidates: "A, {target}",
        k: 5,
    };

    #[test]
    fn placeholders_fill_once_and_other_braces_stay() {
        assert_eq!(
            fill(
                "{target} in {cell_context}: {candidates} top {k} {\"genes\": []} {x",
                VARS
            ),
            "MYC in K562: A, {target} top 5 {\"genes\": []} {x"
        );
    }

    #[test]
    fn embedded_prompts_mention_every_placeholder() {
        let p = Prompts::embedded();
        for kind in [QueryKind::Regulators, QueryKind::Similar] {
            let m = p.render(kind, VARS);
            let user = m[1]["content"].as_str().unwrap();
            assert!(user.contains("Target gene: MYC"), "{user}");
            assert!(user.contains("K562") && user.contains("up to 5"), "{user}");
        }
        let m = p.render(QueryKind::Hubs, VARS);
        assert!(m[1]["content"].as_str().unwrap().contains("A, {target}"));
    }

    #[test]
    fn a_folder_loads_and_its_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = Prompts::from_dir(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("regulators.user.txt: cannot read"),
            "{err}"
        );
        for kind in ["regulators", "similar", "hubs"] {
            std::fs::write(dir.path().join(format!("{kind}.system.txt")), "sys").unwrap();
            std::fs::write(dir.path().join(format!("{kind}.user.txt")), "gene {target}").unwrap();
        }
        let p = Prompts::from_dir(dir.path()).unwrap();
        assert_eq!(p.template(QueryKind::Similar).user, "gene {target}");
        std::fs::write(dir.path().join("similar.user.txt"), "no placeholder").unwrap();
        let err = Prompts::from_dir(dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("similar.user.txt: the template has no {target}")
        );
    }
}
