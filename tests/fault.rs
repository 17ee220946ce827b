//! Fault injection: `consensus` against an endpoint that refuses connections, resets them in
//! the middle of a reply, drips it a byte at a time, answers storms of 429 (`Retry-After` in
//! seconds and as an HTTP date) and bursts of 5xx, or sends truncated JSON. Each run ends
//! cleanly (exit 0, or 1 with a message naming the unanswered targets and nothing written),
//! every answered request is in the cache, and a rerun asks only what was never answered.
//!
//! The endpoint is raw TCP, not the axum fake of `fake_llm.rs`, because the faults live below
//! HTTP: a connection closed with RST after half the body, a body written byte by byte.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::agents::{agents, cache_files, consensus, read};
use crate::fake_llm::{completion, default_reply, target_of};
use crate::util::{Dir, POOL, pool_screen as screen};

/// What the endpoint does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A well-formed completion proposing the first two candidates.
    Answer,
    /// This status with a `Retry-After` header of this text, if any.
    Status(u16, Option<String>),
    /// The headers and half the completion, then a reset (RST) connection.
    ResetMidBody,
    /// The completion one byte every interval.
    Drip(Duration),
    /// 200 and a completion cut in half (Content-Length matching what is sent).
    TruncatedJson,
}

/// What the `attempt`-th request (from 1) for a target gets.
type Script = dyn Fn(&str, usize) -> Fault + Send + Sync;

/// A running faulty endpoint; `script(target, attempt)` says what the `attempt`-th request
/// (from 1) for `target` gets.
pub struct FaultServer {
    pub base_url: String,
    shared: Arc<Shared>,
}

struct Shared {
    script: Box<Script>,
    attempts: Mutex<HashMap<String, usize>>,
    /// (target, fault, arrival) of every request.
    log: Mutex<Vec<(String, Fault, Instant)>>,
    hits: AtomicUsize,
    /// Enters a tokio runtime to set SO_LINGER 0 (std cannot on stable).
    runtime: tokio::runtime::Runtime,
}

impl FaultServer {
    pub fn start(script: impl Fn(&str, usize) -> Fault + Send + Sync + 'static) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            script: Box::new(script),
            attempts: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            hits: AtomicUsize::new(0),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
                .unwrap(),
        });
        let state = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&state);
                std::thread::spawn(move || serve(&state, stream));
            }
        });
        FaultServer { base_url, shared }
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// (target, fault) of every request so far, in arrival order.
    pub fn log(&self) -> Vec<(String, Fault, Instant)> {
        self.shared.log.lock().unwrap().clone()
    }
}

/// Serves one connection: requests one after another (keep-alive) until a fault closes it.
fn serve(s: &Shared, stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    while let Some(body) = read_request(&mut reader) {
        s.hits.fetch_add(1, Ordering::SeqCst);
        let target = target_of(&body);
        let attempt = {
            let mut attempts = s.attempts.lock().unwrap();
            let n = attempts.entry(target.clone()).or_default();
            *n += 1;
            *n
        };
        let fault = (s.script)(&target, attempt);
        s.log
            .lock()
            .unwrap()
            .push((target, fault.clone(), Instant::now()));
        let full = completion(attempt, &body, &default_reply(&body)).to_string();
        let ok = match fault {
            Fault::Answer => respond(&mut stream, 200, &[], full.as_bytes()),
            Fault::Status(code, retry_after) => {
                let headers: Vec<(&str, &str)> = retry_after
                    .iter()
                    .map(|v| ("Retry-After", v.as_str()))
                    .collect();
                respond(&mut stream, code, &headers, b"busy, try later")
            }
            Fault::TruncatedJson => {
                respond(&mut stream, 200, &[], &full.as_bytes()[..full.len() / 2])
            }
            Fault::ResetMidBody => {
                let head = head(200, &[], full.len());
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&full.as_bytes()[..full.len() / 2]);
                let _ = stream.flush();
                let _guard = s.runtime.enter();
                let socket = tokio::net::TcpStream::from_std(stream).unwrap();
                socket.set_zero_linger().unwrap();
                return; // dropped with SO_LINGER 0: the peer sees a reset
            }
            Fault::Drip(every) => {
                let mut ok = stream
                    .write_all(head(200, &[], full.len()).as_bytes())
                    .is_ok();
                for byte in full.as_bytes() {
                    std::thread::sleep(every);
                    ok = ok && stream.write_all(std::slice::from_ref(byte)).is_ok();
                    if !ok {
                        break; // the client gave up (its timeout)
                    }
                }
                ok
            }
        };
        if !ok {
            return;
        }
    }
}

/// Reads one HTTP/1.1 request and returns its JSON body; `None` at the end of the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Value> {
    let mut length = 0;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn head(code: u16, headers: &[(&str, &str)], length: usize) -> String {
    let mut text = format!(
        "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n"
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text + "\r\n"
}

fn respond(stream: &mut TcpStream, code: u16, headers: &[(&str, &str)], body: &[u8]) -> bool {
    let head = head(code, headers, body.len());
    stream.write_all(head.as_bytes()).is_ok() && stream.write_all(body).is_ok()
}

/// `t` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form servers send, written by
/// `date` (an implementation independent of the parser under test).
fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let out = std::process::Command::new("date")
        .env("LC_ALL", "C")
        .args(["-u", &format!("-d@{secs}"), "+%a, %d %b %Y %H:%M:%S GMT"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The first attempt for each target at which it got an answer, from the log.
fn answered(server: &FaultServer) -> Vec<String> {
    let mut targets: Vec<String> = server
        .log()
        .into_iter()
        .filter(|(_, f, _)| matches!(f, Fault::Answer | Fault::Drip(_)))
        .map(|(t, _, _)| t)
        .collect();
    targets.sort();
    targets.dedup();
    targets
}

mptest!(
    resets_drips_and_storms_are_retried_and_every_answer_cached,
    |dir| {
        // Every target meets its own fault first, then is answered; MYB is dripped within the
        // timeout (1 byte / 2 ms ≈ 0.7 s of 2 s) and never needs a retry.
        let server = FaultServer::start(|target, attempt| match (target, attempt) {
            ("GATA1", 1) => Fault::ResetMidBody,
            ("TAL1", 1..=3) => Fault::Status(429, Some("0".into())),
            ("KLF1", 1) => Fault::Drip(Duration::from_millis(50)), // past the timeout
            ("SPI1", 1 | 2) => Fault::Status(503, None),
            ("LMO2", 1) => Fault::Status(500, None),
            ("MYB", _) => Fault::Drip(Duration::from_millis(2)),
            _ => Fault::Answer,
        });
        screen(&dir);
        agents(
            &dir,
            &server.base_url,
            "runs = 1\nretries = 3\ntimeout_s = 2",
            "",
        );
        let (out, _) = consensus(&dir, &["--cache", "cache"]).both(0);
        // Retries: GATA1 1, TAL1 3, KLF1 1, SPI1 2, LMO2 1.
        assert!(
            out.contains("14 requests (8 retries), 0 cache hits, 0 failures"),
            "{out}"
        );
        assert_eq!(cache_files(&dir), POOL.len(), "every answer is cached");
        let tsv = read(&dir, "out.tsv");
        assert_eq!(tsv.lines().count(), 1 + 2 * POOL.len(), "{tsv}");
        // Rerun: nothing is asked again.
        let hits = server.hits();
        let (out, _) = consensus(&dir, &["--cache", "cache"]).both(0);
        assert_eq!(server.hits(), hits, "a cached answer was requested again");
        assert!(out.contains(&format!("{} cache hits", POOL.len())), "{out}");
        assert_eq!(read(&dir, "out.tsv"), tsv);
    }
);

mptest!(retry_after_as_an_http_date_is_honoured, |dir| {
    // 429 with a date 2 s ahead (1 s resolution: at least 1 s to wait); backoff_ms is 1.
    let server = FaultServer::start(|_, attempt| {
        if attempt == 1 {
            let at = SystemTime::now() + Duration::from_secs(2);
            Fault::Status(429, Some(http_date(at)))
        } else {
            Fault::Answer
        }
    });
    screen(&dir);
    agents(&dir, &server.base_url, "runs = 1", "");
    dir.create("t.txt", "GATA1\n");
    let (out, _) = consensus(&dir, &["--targets", "t.txt"]).both(0);
    let log = server.log();
    assert_eq!(log.len(), 2, "{log:?}");
    let gap = log[1].2 - log[0].2;
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
    assert!(out.contains("2 requests (1 retries)"), "{out}");
});

mptest!(
    refused_storms_and_truncations_stop_cleanly_and_resume_without_repeats,
    |dir| {
        screen(&dir);
        // A port nothing listens on: connection refused for every request, nothing cached.
        let refused = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        agents(
            &dir,
            &format!("http://{refused}/v1"),
            "runs = 1\nretries = 1",
            "",
        );
        let err = consensus(&dir, &["--cache", "cache"]).assert_failure();
        assert!(
            err.contains("6 of 6 targets got no answer from any agent"),
            "{err}"
        );
        assert_eq!(cache_files(&dir), 0);
        assert!(!dir.path().join("out.tsv").exists());

        // Two targets answered; the others meet a fault on every attempt.
        let faulty = FaultServer::start(|target, _| match target {
            "KLF1" => Fault::Status(429, Some("0".into())),
            "MYB" => Fault::Status(502, None),
            "SPI1" => Fault::TruncatedJson,
            "LMO2" => Fault::ResetMidBody,
            _ => Fault::Answer,
        });
        agents(&dir, &faulty.base_url, "runs = 1\nretries = 2", "");
        let err = consensus(&dir, &["--cache", "cache"]).assert_failure();
        assert!(
            err.contains("4 of 6 targets got no answer from any agent ("),
            "{err}"
        );
        let named = err
            .split(" targets got no answer from any agent (")
            .nth(1)
            .unwrap();
        let named = named.split(')').next().unwrap();
        for target in ["KLF1", "MYB", "SPI1", "LMO2"] {
            assert!(named.contains(target), "{target} unnamed: {err}");
        }
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(answered(&faulty), ["GATA1", "TAL1"]);
        assert_eq!(cache_files(&dir), 2, "both answers are cached");
        assert!(!dir.path().join("out.tsv").exists());

        // A storm against a request budget stops at the budget, answers kept.
        agents(
            &dir,
            &faulty.base_url,
            "runs = 1\nretries = 20",
            "[limits]\nconcurrency = 1\nmax_requests = 5\n",
        );
        let before = faulty.hits();
        let err = consensus(&dir, &["--cache", "cache"]).assert_failure();
        assert!(
            err.contains("budget exhausted: 5 requests used of max_requests = 5"),
            "{err}"
        );
        assert_eq!(faulty.hits() - before, 5, "the budget bounds the storm");
        assert_eq!(cache_files(&dir), 2);

        // The endpoint recovers: only the four unanswered targets are asked, and the table is
        // the one an undisturbed run writes.
        let healthy = FaultServer::start(|_, _| Fault::Answer);
        agents(&dir, &healthy.base_url, "runs = 1\nretries = 2", "");
        let (out, _) = consensus(&dir, &["--cache", "cache"]).both(0);
        assert_eq!(healthy.hits(), 4, "answered targets were asked again");
        assert!(
            out.contains("4 requests (0 retries), 2 cache hits, 0 failures"),
            "{out}"
        );
        let undisturbed = Dir::new();
        screen(&undisturbed);
        agents(&undisturbed, &healthy.base_url, "runs = 1", "");
        consensus(&undisturbed, &[]).both(0);
        assert_eq!(read(&dir, "out.tsv"), read(&undisturbed, "out.tsv"));
    }
);

#[test]
fn an_h5ad_locked_by_a_writer_names_the_lock_and_the_way_round() {
    let dir = Dir::new();
    let path = dir.path().join("s.h5ad");
    std::fs::copy(
        crate::util::repo().join("tests/fixtures/h5ad/sc_csr_f32.h5ad"),
        &path,
    )
    .unwrap();
    // This process holds the file open for writing, with HDF5's lock.
    let writer = hdf5::File::open_rw(&path).unwrap();
    let err = dir
        .command()
        .args(["inspect", "s.h5ad"])
        .env("HDF5_USE_FILE_LOCKING", "TRUE")
        .assert_failure();
    assert!(
        err.contains("s.h5ad: HDF5 `/`: cannot open as HDF5"),
        "{err}"
    );
    assert!(
        err.contains("another process may have it open for writing")
            && err.contains("HDF5_USE_FILE_LOCKING=FALSE reads without a lock"),
        "{err}"
    );
    let (out, _) = dir
        .command()
        .args(["inspect", "s.h5ad"])
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .both(0);
    assert!(out.contains("perturbations"), "{out}");
    writer.close().unwrap();
}
