//! The bad-input catalogue: one table of hostile inputs across the readers, the TOML configs
//! and the commands. Every case asserts the same guarantee (README "Guarantees"): exit 1 (bad
//! data) or 2 (bad usage), one `mechpert:` message naming the file and the place (line and
//! column, HDF5 object and row, TOML key) and what was expected, no panic or signal, done
//! within a time bound, and nothing left at the output path.

use std::path::Path;
use std::time::Duration;

use mechpert::data::io::h5ad::{CsrRows, H5adCellWriter};

use crate::util::Dir;

/// The longest any catalogue case may run.
const LIMIT: Duration = Duration::from_secs(60);

/// One hostile input and what the binary must say about it.
struct Case {
    name: &'static str,
    /// Writes the inputs into the test directory.
    setup: fn(&Dir),
    args: &'static [&'static str],
    /// 1 (data) or 2 (usage).
    code: i32,
    /// Each must appear in stderr.
    want: &'static [&'static str],
    /// Paths that must not exist afterwards (outputs, and their temporary files).
    absent: &'static [&'static str],
}

fn check(case: &Case) -> Result<(), String> {
    let dir = Dir::new();
    (case.setup)(&dir);
    let before = dir.listing();
    let got = dir.command().args(case.args).run_bounded(LIMIT);
    let stderr = String::from_utf8_lossy(&got.stderr).into_owned();
    let report = |what: &str| {
        format!(
            "case `{}`: {what}\ncommand: {}\nexit: {:?}\nfiles before: {before:?}\nfiles after: {:?}\nstdout:\n{}\nstderr:\n{stderr}",
            case.name,
            got.command,
            got.code,
            dir.listing(),
            String::from_utf8_lossy(&got.stdout)
        )
    };
    if got.timed_out {
        return Err(report(&format!("still running after {LIMIT:?}")));
    }
    if got.code != Some(case.code) {
        return Err(report(&format!("expected exit {}", case.code)));
    }
    if std::str::from_utf8(&got.stderr).is_err() {
        return Err(report("stderr is not UTF-8"));
    }
    for bad in ["panicked", "RUST_BACKTRACE", "stack overflow"] {
        if stderr.contains(bad) {
            return Err(report(&format!("stderr shows `{bad}`")));
        }
    }
    if stderr.matches("mechpert: ").count() + stderr.matches("error: ").count() != 1 {
        return Err(report("expected exactly one error message"));
    }
    for want in case.want {
        if !stderr.contains(want) {
            return Err(report(&format!("stderr lacks {want:?}")));
        }
    }
    for path in case.absent {
        if dir.path().join(path).exists() {
            return Err(report(&format!("{path} was left behind")));
        }
    }
    let strays: Vec<String> = dir
        .listing()
        .into_iter()
        .filter(|f| f.ends_with(".tmp") && !before.contains(f))
        .collect();
    if !strays.is_empty() {
        return Err(report(&format!("temporary files left: {strays:?}")));
    }
    Ok(())
}

/// Runs every case (two at a time: the machine is small), then reports all failures at once.
fn run_all(cases: &[Case]) {
    let failures: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<_> = cases.chunks(cases.len().div_ceil(2).max(1)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| s.spawn(move || chunk.iter().filter_map(|c| check(c).err()).collect()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|_| vec!["a case panicked".into()]))
            .collect::<Vec<String>>()
    });
    assert!(
        failures.is_empty(),
        "{} of {} catalogue cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

// ---- h5ad fixtures -------------------------------------------------------------------------

/// Writes a three-gene, six-cell h5ad with mechpert's cell writer.
fn cells_h5ad(path: &Path, genes: [&str; 3], labels: [&str; 6]) {
    let genes: Vec<String> = genes.iter().map(|g| g.to_string()).collect();
    let mut w = H5adCellWriter::create(path, &genes, &["perturbation"]).unwrap();
    let rows: [[f32; 3]; 6] = [
        [1.0, 0.0, 2.0],
        [0.0, 2.0, 1.0],
        [0.0, 3.0, 4.0],
        [3.0, 1.0, 0.0],
        [2.0, 0.0, 1.0],
        [0.0, 5.0, 0.0],
    ];
    let (mut indptr, mut indices, mut data) = (vec![0], vec![], vec![]);
    for row in rows {
        for (g, &v) in row.iter().enumerate() {
            if v != 0.0 {
                indices.push(g as u32);
                data.push(v);
            }
        }
        indptr.push(indices.len());
    }
    w.append(
        &[&labels],
        CsrRows {
            indptr: &indptr,
            indices: &indices,
            data: &data,
        },
    )
    .unwrap();
    w.finish().unwrap();
}

/// A valid h5ad of cells: control, MYC and GATA1 over the genes TP53, MYC and GATA1.
fn good_h5ad(path: &Path) {
    cells_h5ad(
        path,
        ["TP53", "MYC", "GATA1"],
        [
            "non-targeting",
            "MYC",
            "non-targeting",
            "MYC",
            "GATA1",
            "GATA1",
        ],
    );
}

/// Replaces every occurrence of `from` by `to` (same length) in the file's bytes: HDF5 keeps
/// variable-length strings uncompressed in its global heap, so this plants bytes no writer
/// would write.
fn patch(path: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(path).unwrap();
    let mut found = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            found += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(found > 0, "{}: {from:?} not found", path.display());
    std::fs::write(path, bytes).unwrap();
}

fn h5ad_cases() -> Vec<Case> {
    vec![
        Case {
            name: "var index with a byte that is not UTF-8",
            setup: |d| {
                let p = d.path().join("s.h5ad");
                cells_h5ad(
                    &p,
                    ["TP53", "MYC", "GATAQ1"],
                    [
                        "non-targeting",
                        "MYC",
                        "non-targeting",
                        "MYC",
                        "GATAQ1",
                        "GATAQ1",
                    ],
                );
                patch(&p, b"GATAQ1", b"GATA\xff1");
            },
            args: &["inspect", "s.h5ad"],
            code: 1,
            want: &[
                "s.h5ad",
                "`/var/_index`",
                "row 2",
                "GATA\\xff1",
                "expected UTF-8",
            ],
            absent: &[],
        },
        Case {
            name: "var index with a Latin-1 é",
            setup: |d| {
                let p = d.path().join("s.h5ad");
                cells_h5ad(
                    &p,
                    ["CAFQX", "MYC", "GATA1"],
                    [
                        "non-targeting",
                        "MYC",
                        "non-targeting",
                        "MYC",
                        "GATA1",
                        "GATA1",
                    ],
                );
                patch(&p, b"CAFQX", b"CAF\xe9X");
            },
            args: &["inspect", "--json", "s.h5ad"],
            code: 1,
            want: &["`/var/_index`", "row 0", "CAF\\xe9X", "expected UTF-8"],
            absent: &[],
        },
        Case {
            name: "obs categories with a byte that is not UTF-8",
            setup: |d| {
                let p = d.path().join("s.h5ad");
                cells_h5ad(
                    &p,
                    ["TP53", "MYC", "GATA1"],
                    [
                        "non-targeting",
                        "MYC",
                        "non-targeting",
                        "MYC",
                        "KLFQ1",
                        "KLFQ1",
                    ],
                );
                patch(&p, b"KLFQ1", b"KLF\xc01");
            },
            args: &["inspect", "--json", "s.h5ad"],
            code: 1,
            want: &[
                "`/obs/perturbation/categories`",
                "row 2",
                "KLF\\xc01",
                "expected UTF-8",
            ],
            absent: &[],
        },
        Case {
            name: "h5ad cut in half",
            setup: |d| {
                let p = d.path().join("s.h5ad");
                good_h5ad(&p);
                let bytes = std::fs::read(&p).unwrap();
                std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
            },
            args: &["inspect", "s.h5ad"],
            code: 1,
            want: &["s.h5ad"],
            absent: &[],
        },
        Case {
            name: "h5ad that is not HDF5",
            setup: |d| {
                d.create("s.h5ad", "gene,MYC\nTP53,1\n");
            },
            args: &["inspect", "s.h5ad"],
            code: 1,
            want: &["s.h5ad"],
            absent: &[],
        },
    ]
}

#[test]
fn bad_h5ad_inputs_fail_cleanly() {
    run_all(&h5ad_cases());
}

mptest!(
    utf8_bytes_in_an_h5ad_string_read_as_the_text_they_encode,
    |dir| {
        // The UTF-8 bytes of `é` planted where an ASCII `QX` was: valid UTF-8 (anndata reads it).
        let p = dir.path().join("s.h5ad");
        cells_h5ad(
            &p,
            ["TP53", "MYC", "CAFQX"],
            [
                "non-targeting",
                "MYC",
                "non-targeting",
                "MYC",
                "GATA1",
                "GATA1",
            ],
        );
        patch(&p, b"CAFQX", "CAFé".as_bytes());
        let out = dir.command().args(["inspect", "--json", "s.h5ad"]).stdout();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["genes"], 3, "{v}");
    }
);
