//! Test helpers: a fresh directory per test and a command runner for the real binary that
//! reports everything when an expectation fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary directory that lives as long as the test.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes a file (parents created) and returns its path.
    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Every file below the directory, for failure reports.
    pub fn listing(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p.strip_prefix(self.path()).unwrap().display().to_string());
                }
            }
        }
        out.sort();
        out
    }

    /// A command running the real binary in this directory, with a clean environment.
    pub fn command(&self) -> TestCommand<'_> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mechpert"));
        cmd.current_dir(self.path());
        for (key, _) in std::env::vars() {
            if key.starts_with("MECHPERT_") || key == "RUST_LOG" || key.ends_with("API_KEY") {
                cmd.env_remove(key);
            }
        }
        TestCommand { dir: self, cmd }
    }
}

pub struct TestCommand<'a> {
    dir: &'a Dir,
    cmd: Command,
}

impl TestCommand<'_> {
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable for the run (for example `RAYON_NUM_THREADS`).
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.cmd.env(key, value);
        self
    }

    /// Removes an environment variable for the run (for example `RUST_MIN_STACK`).
    pub fn env_remove(&mut self, key: &str) -> &mut Self {
        self.cmd.env_remove(key);
        self
    }

    /// Starts the binary without waiting (stdout and stderr discarded).
    pub fn spawn(&mut self) -> std::process::Child {
        self.cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn mechpert")
    }

    /// Runs, expects the given exit code, returns (stdout, stderr).
    pub fn both(&mut self, code: i32) -> (String, String) {
        let out = self.run();
        assert_eq!(
            out.status.code(),
            Some(code),
            "unexpected exit code\n{}",
            self.describe(&out)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// Runs with stdout and stderr captured, killing the process after `limit`; the exit code
    /// is `None` when it was killed or died of a signal.
    pub fn run_bounded(&mut self, limit: std::time::Duration) -> Bounded {
        let out_path = self.dir.path().join(".stdout.capture");
        let err_path = self.dir.path().join(".stderr.capture");
        let started = std::time::Instant::now();
        let mut child = self
            .cmd
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .expect("spawn mechpert");
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > limit {
                timed_out = true;
                child.kill().unwrap();
                break child.wait().unwrap();
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let read = |p: &Path| {
            let bytes = std::fs::read(p).unwrap();
            std::fs::remove_file(p).unwrap();
            bytes
        };
        Bounded {
            code: status.code(),
            timed_out,
            stdout: read(&out_path),
            stderr: read(&err_path),
            command: format!("{:?}", self.cmd),
        }
    }

    fn run(&mut self) -> Output {
        self.cmd.output().expect("run mechpert")
    }

    fn describe(&self, out: &Output) -> String {
        format!(
            "command: {:?}\ncwd: {}\nfiles: {:?}\nstatus: {}\nstdout:\n{}\nstderr:\n{}",
            self.cmd,
            self.dir.path().display(),
            self.dir.listing(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Runs, expects success, returns stdout.
    pub fn stdout(&mut self) -> String {
        let out = self.run();
        assert!(
            out.status.success(),
            "expected success\n{}",
            self.describe(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs, expects the given exit code, returns stderr.
    pub fn assert_exit(&mut self, code: i32) -> String {
        let out = self.run();
        assert_eq!(
            out.status.code(),
            Some(code),
            "unexpected exit code\n{}",
            self.describe(&out)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    /// Runs, expects a data/runtime failure (exit 1), returns stderr.
    pub fn assert_failure(&mut self) -> String {
        self.assert_exit(1)
    }
}

/// What a bounded run gave (see [`TestCommand::run_bounded`]).
pub struct Bounded {
    pub code: Option<i32>,
    pub timed_out: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub command: String,
}

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Set to 1 (`.ci/run` does), a test whose dependency is missing fails instead of skipping.
pub const REQUIRE_ALL: &str = "MECHPERT_REQUIRE_ALL";

/// A test that cannot run here because `why`: says SKIP on stderr, so that a developer without
/// the dependency still runs the rest, or fails when [`REQUIRE_ALL`] is 1, so that CI never
/// passes a test it did not run.
pub fn skip(test: &str, why: &str) {
    if std::env::var(REQUIRE_ALL).is_ok_and(|v| v == "1") {
        panic!("{test} could not run ({REQUIRE_ALL}=1 forbids skipping): {why}");
    }
    eprintln!("SKIP {test}: {why}");
}

/// `../shared/data` beside the checkout, or `None` after [`skip`].
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = repo().join("../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(
            test,
            "../shared/data is absent (it sits beside the checkout in CI)",
        );
        None
    }
}

/// Defines an integration test that gets a fresh `Dir`.
macro_rules! mptest {
    ($name:ident, |$dir:ident| $body:block) => {
        #[test]
        fn $name() {
            let $dir = crate::util::Dir::new();
            $body
        }
    };
}

/// A small candidate pool of erythroid and myeloid regulators, shared by the agent tests.
pub const POOL: [&str; 6] = ["GATA1", "TAL1", "KLF1", "MYB", "SPI1", "LMO2"];

/// Writes `screen.csv`: a ranked screen whose perturbations are `POOL`.
pub fn pool_screen(dir: &Dir) {
    let mut text = String::from("perturbation,rank,gene\n");
    for g in POOL {
        text.push_str(&format!("{g},1,HBB\n"));
    }
    dir.create("screen.csv", text);
}

/// The Python of the pinned anndata + cell-eval venv under target/ (`make py-deps` builds it
/// when missing, once per test run), or `None` after [`skip`] when PyPI cannot be reached.
pub fn python(test: &str) -> Option<PathBuf> {
    static READY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let python = repo().join("target/pyenv/bin/python");
    let marker = repo().join("target/pyenv/.installed");
    let ready = *READY.get_or_init(|| {
        if !marker.exists() {
            let status = Command::new("make")
                .args(["-s", "py-deps"])
                .current_dir(repo())
                .status();
            eprintln!("make py-deps: {status:?}");
        }
        marker.exists()
    });
    if ready {
        Some(python)
    } else {
        skip(
            test,
            "anndata and cell-eval could not be installed from PyPI into target/pyenv (see `make py-deps`)",
        );
        None
    }
}

/// Runs a script of tests/python with `python` in `dir`; panics with its output on failure.
pub fn run_python(python: &Path, script: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(python)
        .arg(repo().join("tests/python").join(script))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{script} {args:?} failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
