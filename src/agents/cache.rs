//! The reply cache: content-addressed, one JSON file per request, written atomically.
//!
//! In flows a request *identity*: the endpoint-independent part of a chat request (model,
//! messages with the full prompt text, temperature, max_tokens, seed, response schema) plus the
//! run index; out comes its key, `sha256` of the identity's canonical JSON (keys sorted, no
//! spaces), in hex. The reply is stored at `DIR/<first two hex digits>/<key>.json` as
//! `{"key", "request", "reply", "usage", "usable", "problem"}`. Every reply is stored, usable or
//! not: one that held no answer has `usable: false` and says why in `problem`, so a rerun or an
//! `--offline` replay meets the same reply and fails the same query, and
//! [`Cache::retrying_unusable`] (`--retry-unusable`) asks those again (files written before
//! these fields existed read as usable). Neither the base URL nor the API key is part of the
//! identity or the file, so a cache folder can be copied or shared between users and endpoints
//! to replay a study exactly. Files appear by rename (temp file first), so a run killed mid-way
//! leaves only complete entries, and a rerun resumes where it stopped. Lookups are memoised in
//! memory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::AgentError;
use crate::data::io::writer::write_atomically;

/// Token counts an endpoint reported (`usage` of a chat completion).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Completion tokens.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Total tokens.
    #[serde(default)]
    pub total_tokens: u64,
}

/// One cached reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The key (sha256 hex of `request`).
    pub key: String,
    /// The request identity the key was computed from.
    pub request: Value,
    /// The reply text (`choices[0].message.content`).
    pub reply: String,
    /// Token usage of the original call.
    pub usage: Usage,
    /// Whether an answer could be read from the reply.
    #[serde(default = "yes")]
    pub usable: bool,
    /// Why not, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

fn yes() -> bool {
    true
}

/// What a lookup returns: the reply and its usage (the stored request is not parsed back, which
/// makes lookups several times faster).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Cached {
    /// The reply text.
    pub reply: String,
    /// Token usage of the original call.
    #[serde(default)]
    pub usage: Usage,
    /// Whether an answer could be read from the reply (absent in older files: usable).
    #[serde(default = "yes")]
    pub usable: bool,
}

/// The on-disk form read back: the key is checked, the request skipped.
#[derive(Deserialize)]
struct Stored<'a> {
    #[serde(borrow)]
    key: std::borrow::Cow<'a, str>,
    #[allow(dead_code)]
    request: serde::de::IgnoredAny,
    #[serde(flatten)]
    cached: Cached,
}

/// The key of a request identity: sha256 of its canonical JSON, lower-case hex.
pub fn key(identity: &Value) -> String {
    // serde_json objects are sorted maps (no `preserve_order` feature): the text is canonical.
    let bytes = serde_json::to_vec(identity).expect("a JSON value serialises");
    let digest = Sha256::digest(&bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(char::from_digit(u32::from(b >> 4), 16).expect("nibble"));
        hex.push(char::from_digit(u32::from(b & 15), 16).expect("nibble"));
    }
    hex
}

/// A cache folder.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    memory: RwLock<HashMap<String, Arc<Cached>>>,
    retry_unusable: bool,
}

impl Cache {
    /// Opens (creating when needed) a cache folder.
    pub fn open(dir: &Path) -> Result<Cache, AgentError> {
        std::fs::create_dir_all(dir).map_err(|source| AgentError::Cache {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Cache {
            dir: dir.to_path_buf(),
            memory: RwLock::new(HashMap::new()),
            retry_unusable: false,
        })
    }

    /// With `retry` on, entries marked unusable count as misses, so their requests are sent
    /// again (and the new replies replace them); `--offline` replays them as they are.
    pub fn retrying_unusable(mut self, retry: bool) -> Cache {
        self.retry_unusable = retry;
        self
    }

    /// Whether unusable entries are asked again.
    pub fn retries_unusable(&self) -> bool {
        self.retry_unusable
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a key.
    pub fn path_of(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    /// The cached reply of a key, if any. An unreadable or corrupt file is an error naming it.
    pub fn get(&self, key: &str) -> Result<Option<Arc<Cached>>, AgentError> {
        if let Some(e) = self.memory.read().expect("cache lock").get(key) {
            return Ok(Some(Arc::clone(e)));
        }
        let path = self.path_of(key);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(AgentError::Cache { path, source }),
        };
        let entry: Stored<'_> = serde_json::from_slice(&bytes).map_err(|e| AgentError::Cache {
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
        if entry.key != key {
            return Err(AgentError::Cache {
                path,
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("the file holds key {}, expected {key}", entry.key),
                ),
            });
        }
        let cached = Arc::new(entry.cached);
        self.memory
            .write()
            .expect("cache lock")
            .insert(key.to_string(), Arc::clone(&cached));
        Ok(Some(cached))
    }

    /// Stores a reply (atomically: temp file, then rename).
    pub fn put(&self, entry: Entry) -> Result<(), AgentError> {
        let path = self.path_of(&entry.key);
        let io_err = |source| AgentError::Cache {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(path.parent().expect("two-level layout")).map_err(io_err)?;
        write_atomically(&path, |f| {
            serde_json::to_writer(&mut *f, &entry).map_err(std::io::Error::other)?;
            std::io::Write::write_all(f, b"\n")
        })
        .map_err(io_err)?;
        let cached = Cached {
            reply: entry.reply,
            usage: entry.usage,
            usable: entry.usable,
        };
        self.memory
            .write()
            .expect("cache lock")
            .insert(entry.key, Arc::new(cached));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sha256_of_canonical_json() {
        // sha256("{}") computed independently (e.g. `printf '{}' | sha256sum`).
        assert_eq!(
            key(&json!({})),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        // Key order does not matter; values do.
        assert_eq!(key(&json!({"a": 1, "b": 2})), key(&json!({"b": 2, "a": 1})));
        assert_ne!(key(&json!({"run": 0})), key(&json!({"run": 1})));
    }

    #[test]
    fn entries_round_trip_through_a_new_handle() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        let k = key(&json!({"x": 1}));
        assert!(cache.get(&k).unwrap().is_none());
        let entry = Entry {
            key: k.clone(),
            request: json!({"x": 1}),
            reply: "{\"genes\":[]}".into(),
            usage: Usage {
                prompt_tokens: 3,
                completion_tokens: 4,
                total_tokens: 7,
            },
            usable: false,
            problem: Some("no list".into()),
        };
        cache.put(entry.clone()).unwrap();
        let again = Cache::open(&dir.path().join("c")).unwrap();
        let got = again.get(&k).unwrap().unwrap();
        assert_eq!(
            (got.reply.as_str(), got.usage, got.usable),
            ("{\"genes\":[]}", entry.usage, false)
        );
        let on_disk: Entry =
            serde_json::from_slice(&std::fs::read(again.path_of(&k)).unwrap()).unwrap();
        assert_eq!(on_disk, entry);
        assert!(again.path_of(&k).is_file());
    }

    #[test]
    fn corrupt_or_misplaced_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let k = key(&json!(1));
        std::fs::create_dir_all(cache.path_of(&k).parent().unwrap()).unwrap();
        std::fs::write(cache.path_of(&k), "{not json").unwrap();
        let err = cache.get(&k).unwrap_err();
        assert!(
            matches!(err, AgentError::Cache { ref path, .. } if path.ends_with(format!("{k}.json")))
        );
        let other = Entry {
            key: "ff".repeat(32),
            request: json!(2),
            reply: String::new(),
            usage: Usage::default(),
            usable: true,
            problem: None,
        };
        std::fs::write(cache.path_of(&k), serde_json::to_vec(&other).unwrap()).unwrap();
        let err = cache.get(&k).unwrap_err();
        assert!(format!("{:?}", err).contains("expected"), "{err:?}");
    }

    #[test]
    fn files_without_the_usable_mark_read_as_usable() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let k = key(&json!(3));
        std::fs::create_dir_all(cache.path_of(&k).parent().unwrap()).unwrap();
        let old = json!({"key": k, "request": 3, "reply": "r", "usage": {}});
        std::fs::write(cache.path_of(&k), old.to_string()).unwrap();
        assert!(cache.get(&k).unwrap().unwrap().usable);
    }
}
