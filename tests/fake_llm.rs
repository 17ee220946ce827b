//! A loopback OpenAI-compatible server for tests and the throughput experiment.
//!
//! `FakeLlm::start(responder)` serves `POST /v1/chat/completions` on 127.0.0.1 (a random port)
//! from its own thread and tokio runtime, records every request (Authorization header, JSON
//! body, arrival time) and answers with whatever the responder returns for (hit number, body).
//! [`default_reply`] proposes the first two listed candidates other than the target.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// What the fake server does with one request.
pub enum Reply {
    /// 200 with this message content and usage 10 + 5 tokens.
    Content(String),
    /// This status, optional Retry-After seconds, and body.
    Status(u16, Option<u64>, String),
    /// Wait, then reply.
    Delay(Duration, Box<Reply>),
}

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
    pub at: Instant,
}

type Responder = dyn Fn(usize, &Value) -> Reply + Send + Sync;

struct Shared {
    hits: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
    record: bool,
    responder: Box<Responder>,
}

/// A running fake server.
pub struct FakeLlm {
    pub base_url: String,
    shared: Arc<Shared>,
}

impl FakeLlm {
    /// Starts a server that records requests.
    pub fn start(responder: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static) -> FakeLlm {
        Self::start_with(responder, true, 2)
    }

    /// Starts a server; `record` keeps request bodies, `threads` runtime workers.
    pub fn start_with(
        responder: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static,
        record: bool,
        threads: usize,
    ) -> FakeLlm {
        let shared = Arc::new(Shared {
            hits: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            record,
            responder: Box::new(responder),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let state = Arc::clone(&shared);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(threads)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new()
                    .route("/v1/chat/completions", axum::routing::post(chat))
                    .with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        FakeLlm {
            base_url: format!("http://{addr}/v1"),
            shared,
        }
    }

    /// Requests served so far.
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// The recorded requests.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }
}

async fn chat(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    let n = s.hits.fetch_add(1, Ordering::SeqCst);
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if s.record {
        let h = |k: &str| {
            headers
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        s.requests.lock().unwrap().push(Recorded {
            authorization: h("authorization"),
            content_type: h("content-type"),
            body: body.clone(),
            at: Instant::now(),
        });
    }
    let mut reply = (s.responder)(n, &body);
    loop {
        match reply {
            Reply::Delay(d, inner) => {
                tokio::time::sleep(d).await;
                reply = *inner;
            }
            Reply::Content(content) => {
                let v = completion(n, &body, &content);
                return ([("content-type", "application/json")], v.to_string()).into_response();
            }
            Reply::Status(code, retry_after, text) => {
                let mut r = (StatusCode::from_u16(code).unwrap(), text).into_response();
                if let Some(secs) = retry_after {
                    r.headers_mut()
                        .insert("retry-after", secs.to_string().parse().unwrap());
                }
                return r;
            }
        }
    }
}

/// A chat completion carrying `content`, usage 10 + 5 tokens (`n` numbers its id).
pub fn completion(n: usize, request: &Value, content: &str) -> Value {
    json!({
        "id": format!("chatcmpl-{n}"),
        "object": "chat.completion",
        "model": request["model"],
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    })
}

/// The user message of a request.
pub fn user_message(body: &Value) -> &str {
    body["messages"][1]["content"].as_str().unwrap_or("")
}

/// The target gene named in a request (`Target gene: X`), or "".
pub fn target_of(body: &Value) -> String {
    user_message(body)
        .lines()
        .find_map(|l| l.strip_prefix("Target gene: "))
        .unwrap_or("")
        .trim()
        .to_string()
}

/// The candidates listed in a request.
pub fn candidates_of(body: &Value) -> Vec<String> {
    user_message(body)
        .lines()
        .find_map(|l| l.strip_prefix("Choose only from these candidate genes: "))
        .map(|l| l.split(", ").map(String::from).collect())
        .unwrap_or_default()
}

/// `{"genes": [...]}` with the first two candidates (confidence 0.9 and 0.6).
pub fn default_reply(body: &Value) -> String {
    let genes: Vec<Value> = candidates_of(body)
        .into_iter()
        .take(2)
        .zip([0.9, 0.6])
        .map(|(g, c)| json!({"gene": g, "confidence": c, "rationale": "test"}))
        .collect();
    json!({ "genes": genes }).to_string()
}

/// The error body llama-cpp-python 0.3.36's server sends (with HTTP 500) for a `response_format`
/// of type `json_schema` (recorded from the real server; venv path shortened): its pydantic model
/// takes only `text` and `json_object`.
pub const LLAMA_CPP_PYTHON_REJECTION: &str = r#"{"error":{"message":"1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File \"/venv/lib/python3.11/site-packages/llama_cpp/server/app.py\", line 376, in create_chat_completion\n    POST /v1/chat/completions","type":"internal_server_error","param":null,"code":null}}"#;

/// Answers as llama-cpp-python's server does: a `json_schema` response format is refused with
/// [`LLAMA_CPP_PYTHON_REJECTION`]; `json_object` (with or without `schema`), `text` or none get
/// [`default_reply`].
pub fn llama_cpp_python(body: &Value) -> Reply {
    match body["response_format"]["type"].as_str() {
        None | Some("text") | Some("json_object") => Reply::Content(default_reply(body)),
        Some(_) => Reply::Status(500, None, LLAMA_CPP_PYTHON_REJECTION.into()),
    }
}
