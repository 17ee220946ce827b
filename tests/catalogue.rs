//! The bad-input catalogue: one table of hostile inputs across the readers, the TOML configs
//! and the commands. Every case asserts the same guarantee (README "Guarantees"): exit 1 (bad
//! data) or 2 (bad usage), one `mechpert:` message naming the file and the place (line and
//! column, HDF5 object and row, TOML key) and what was expected, no panic or signal, done
//! within a time bound, and nothing left at the output path.

use std::path::Path;
use std::time::Duration;

use mechpert::data::io::h5ad::{CsrRows, H5adCellWriter};

use crate::fake_llm::{FakeLlm, Reply, default_reply};
use crate::util::{Dir, pool_screen};

/// The longest any catalogue case may run.
const LIMIT: Duration = Duration::from_secs(60);

/// HDF5 does not open files close-on-exec: a binary another test thread spawns while this
/// process writes an h5ad fixture inherits the writer's locked descriptor and keeps the lock,
/// so the binaries under test here do not take locks (nothing else opens their files).
const NO_LOCK: &str = "FALSE";

/// One hostile input and what the binary must say about it.
struct Case {
    name: &'static str,
    /// Writes the inputs into the test directory; a fake LLM server it starts lives as long as
    /// the case.
    setup: fn(&Dir) -> Option<FakeLlm>,
    args: &'static [&'static str],
    /// 1 (data) or 2 (usage).
    code: i32,
    /// Each must appear in stderr; the first exactly once (a message must not repeat itself).
    want: &'static [&'static str],
    /// Paths that must not exist afterwards (outputs, and their temporary files).
    absent: &'static [&'static str],
}

/// A case with its inputs written.
struct Ready<'a> {
    case: &'a Case,
    dir: Dir,
    _server: Option<FakeLlm>,
}

fn check(ready: &Ready<'_>) -> Result<(), String> {
    let (case, dir) = (ready.case, &ready.dir);
    let before = dir.listing();
    let got = dir
        .command()
        .args(case.args)
        .env("MECHPERT_TEST_API_KEY", KEY)
        .env("HDF5_USE_FILE_LOCKING", NO_LOCK)
        .run_bounded(LIMIT);
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
    let messages = stderr
        .lines()
        .filter(|l| l.starts_with("mechpert: ") || l.starts_with("error: "))
        .count();
    if messages != 1 {
        return Err(report("expected exactly one error message"));
    }
    for want in case.want {
        if !stderr.contains(want) {
            return Err(report(&format!("stderr lacks {want:?}")));
        }
    }
    if let Some(first) = case.want.first()
        && stderr.matches(first).count() > 1
    {
        return Err(report(&format!("stderr repeats {first:?}")));
    }
    for path in case.absent {
        if dir.path().join(path).exists() {
            return Err(report(&format!("{path} was left behind")));
        }
    }
    // A failed run adds no file (answered queries in a reply cache excepted).
    let strays: Vec<String> = dir
        .listing()
        .into_iter()
        .filter(|f| !before.contains(f) && !f.starts_with("cache/"))
        .collect();
    if !strays.is_empty() {
        return Err(report(&format!("files left behind: {strays:?}")));
    }
    if [&got.stdout, &got.stderr]
        .iter()
        .any(|b| String::from_utf8_lossy(b).contains(KEY))
    {
        return Err(report("the API key was printed"));
    }
    Ok(())
}

/// Writes every case's inputs (one at a time: HDF5 in this process is not to be shared with
/// the binaries), runs the cases two at a time (the machine is small), then reports all
/// failures at once.
fn run_all(cases: &[Case]) {
    assert!(cases.iter().all(|c| c.code == 1 || c.code == 2));
    let ready: Vec<Ready<'_>> = cases
        .iter()
        .map(|case| {
            let dir = Dir::new();
            let _server = (case.setup)(&dir);
            Ready { case, dir, _server }
        })
        .collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<_> = ready.chunks(ready.len().div_ceil(2).max(1)).collect();
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
    let rows: [[f32; 3]; 6] = [
        [1.0, 0.0, 2.0],
        [0.0, 2.0, 1.0],
        [0.0, 3.0, 4.0],
        [3.0, 1.0, 0.0],
        [2.0, 0.0, 1.0],
        [0.0, 5.0, 0.0],
    ];
    cells_h5ad_of(path, genes, &labels, &rows);
}

/// Writes an h5ad of three-gene cells, one label and one row of values per cell.
pub(crate) fn cells_h5ad_of(path: &Path, genes: [&str; 3], labels: &[&str], rows: &[[f32; 3]]) {
    let genes: Vec<String> = genes.iter().map(|g| g.to_string()).collect();
    let mut w = H5adCellWriter::create(path, &genes, &["perturbation"]).unwrap();
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
        &[labels],
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
                None
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
                None
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
                None
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
                None
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
                None
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

/// Writes the good h5ad, then lets `edit` damage it in place with the hdf5 crate.
fn damaged_h5ad(d: &Dir, edit: fn(&hdf5::File)) -> Option<FakeLlm> {
    let p = d.path().join("s.h5ad");
    good_h5ad(&p);
    // No lock (see NO_LOCK): a binary spawned meanwhile may hold the writer's inherited one.
    let f = hdf5::File::with_options()
        .with_fapl(|fapl| fapl.file_locking(false))
        .open_rw(&p)
        .unwrap();
    edit(&f);
    f.close().unwrap();
    None
}

fn hdf5_structure_cases() -> Vec<Case> {
    const INSPECT: &[&str] = &["inspect", "s.h5ad"];
    vec![
        Case {
            name: "sparse index out of range",
            setup: |d| {
                damaged_h5ad(d, |f| {
                    let ds = f.dataset("X/indices").unwrap();
                    ds.as_writer().write_slice(&[7i64], 0..1).unwrap();
                })
            },
            args: INSPECT,
            code: 1,
            want: &["s.h5ad: HDF5 `/X/indices`: entry 0 is 7: expected an index in 0..3"],
            absent: &[],
        },
        Case {
            name: "negative sparse index",
            setup: |d| {
                damaged_h5ad(d, |f| {
                    let ds = f.dataset("X/indices").unwrap();
                    ds.as_writer().write_slice(&[-1i64], 0..1).unwrap();
                })
            },
            args: INSPECT,
            code: 1,
            want: &["`/X/indices`: entry 0 is -1: expected an index in 0..3"],
            absent: &[],
        },
        Case {
            name: "indptr of the wrong length",
            setup: |d| {
                damaged_h5ad(d, |f| {
                    f.unlink("X/indptr").unwrap();
                    f.new_dataset_builder()
                        .with_data(&[0i64, 1])
                        .create("X/indptr")
                        .unwrap();
                })
            },
            args: INSPECT,
            code: 1,
            want: &["`/X/indptr`: has 2 entries, expected 7"],
            absent: &[],
        },
        Case {
            name: "X data of strings",
            setup: |d| {
                damaged_h5ad(d, |f| {
                    let n = f.dataset("X/data").unwrap().size();
                    f.unlink("X/data").unwrap();
                    let v: Vec<hdf5::types::VarLenUnicode> =
                        (0..n).map(|_| "x".parse().unwrap()).collect();
                    f.new_dataset_builder()
                        .with_data(&v)
                        .create("X/data")
                        .unwrap();
                })
            },
            args: INSPECT,
            code: 1,
            want: &["`/X/data`"],
            absent: &[],
        },
        Case {
            name: "NaN in X",
            setup: |d| {
                damaged_h5ad(d, |f| {
                    let ds = f.dataset("X/data").unwrap();
                    ds.as_writer().write_slice(&[f32::NAN], 0..1).unwrap();
                })
            },
            args: INSPECT,
            code: 1,
            want: &["s.h5ad: HDF5 `/X`", "NaN"],
            absent: &[],
        },
        Case {
            name: "no X",
            setup: |d| damaged_h5ad(d, |f| f.unlink("X").unwrap()),
            args: INSPECT,
            code: 1,
            want: &["`/X`: missing: expected the expression matrix X"],
            absent: &[],
        },
        Case {
            name: "category code out of range",
            setup: |d| {
                damaged_h5ad(d, |f| {
                    let ds = f.dataset("obs/perturbation/codes").unwrap();
                    ds.as_writer().write_slice(&[9i32], 0..1).unwrap();
                })
            },
            args: INSPECT,
            code: 1,
            want: &[
                "`/obs/perturbation/codes`: row 0 has code 9: expected −1 (missing) or a category in 0..3",
            ],
            absent: &[],
        },
        Case {
            name: "lzf-compressed X",
            setup: |d| {
                let fixture = crate::util::repo().join("tests/fixtures/h5ad/bad_lzf.h5ad");
                std::fs::copy(fixture, d.path().join("s.h5ad")).unwrap();
                None
            },
            args: INSPECT,
            code: 1,
            want: &[
                "s.h5ad: HDF5 `/X`: uses the lzf filter, which this build cannot read: rewrite it with gzip",
            ],
            absent: &[],
        },
        Case {
            name: "symbols colliding after alias mapping",
            setup: |d| {
                cells_h5ad(
                    &d.path().join("s.h5ad"),
                    ["TP53", "p53", "MYC"],
                    [
                        "non-targeting",
                        "MYC",
                        "non-targeting",
                        "MYC",
                        "TP53",
                        "TP53",
                    ],
                );
                None
            },
            args: INSPECT,
            code: 1,
            want: &[
                "`/var/_index`: gene `TP53` names var rows 0 and 1: expected unique gene names",
            ],
            absent: &[],
        },
    ]
}

#[test]
fn damaged_hdf5_structures_fail_cleanly() {
    run_all(&hdf5_structure_cases());
}

// ---- delimited readers ---------------------------------------------------------------------

macro_rules! csv_case {
    ($name:expr, $file:expr, $bytes:expr, $want:expr) => {
        Case {
            name: $name,
            setup: |d| {
                d.create($file, $bytes);
                None
            },
            args: &["inspect", $file],
            code: 1,
            want: $want,
            absent: &[],
        }
    };
}

fn gz(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

fn csv_cases() -> Vec<Case> {
    vec![
        csv_case!(
            "a screen of controls only",
            "c.csv",
            "perturbation,g1,g2\nnon-targeting,1,2\ncontrol,1,2\n",
            &["c.csv: the screen is empty (0 perturbations, 2 genes)"]
        ),
        csv_case!(
            "an empty gene name in the header",
            "e.csv",
            "perturbation,g1,,g3\nA,1,2,3\nnon-targeting,1,2,3\n",
            &["e.csv:1: column `#3`: expected a non-empty name"]
        ),
        csv_case!(
            "invalid UTF-8 in a value",
            "u.csv",
            b"perturbation,g1,g2\nA,1,\xff2\nnon-targeting,1,2\n",
            &["u.csv:2: column `#3`: expected UTF-8 text"]
        ),
        csv_case!(
            "invalid UTF-8 in the header",
            "h.csv",
            b"perturbation,g\xe91,g2\nA,1,2\nnon-targeting,1,2\n",
            &["h.csv:1: column `#2`: expected UTF-8 text"]
        ),
        csv_case!(
            "NaN",
            "n.csv",
            "perturbation,g1,g2\nA,NaN,2\nnon-targeting,1,2\n",
            &["n.csv:2: column `g1`: \"NaN\" is a missing value; 1 of 4 values missing"]
        ),
        csv_case!(
            "infinity",
            "i.csv",
            "perturbation,g1,g2\nA,2,-inf\nnon-targeting,1,2\n",
            &["i.csv:2: column `g2`: expected a finite number, got \"-inf\""]
        ),
        csv_case!(
            "beyond f32",
            "b.csv",
            "perturbation,g1,g2\nA,1e39,2\nnon-targeting,1,2\n",
            &[
                "b.csv:2: column `g1`: \"1e39\" is beyond the range of the values read (32-bit floats, magnitudes up to 3.4e38)"
            ]
        ),
        csv_case!(
            "not a number",
            "x.csv",
            "perturbation,g1,g2\nA,1,two\nnon-targeting,1,2\n",
            &["x.csv:2: column `g2`: expected a number, got \"two\""]
        ),
        csv_case!(
            "a short row",
            "r.csv",
            "perturbation,g1,g2\nA,1\nnon-targeting,1,2\n",
            &["r.csv:2: expected 3 fields like the header, got 2"]
        ),
        csv_case!(
            "a duplicate gene column",
            "d.csv",
            "perturbation,MYC,MYC\nA,1,2\nnon-targeting,1,2\n",
            &["d.csv:1: gene `MYC` appears twice (first at column 2)"]
        ),
        csv_case!(
            "genes colliding after alias mapping",
            "a.csv",
            "perturbation,TP53,p53\nA,1,2\nnon-targeting,1,2\n",
            &["a.csv:1: gene `TP53` (spelled `p53`) appears twice (first at column 2)"]
        ),
        csv_case!(
            "a duplicate perturbation row",
            "p.csv",
            "perturbation,g1,g2\nA,1,2\nA,1,2\nnon-targeting,1,2\n",
            &["p.csv:3: perturbation `A` appears twice (first at line 2)"]
        ),
        csv_case!("an empty file", "z.csv", "", &["z.csv: the file is empty"]),
        csv_case!(
            "a header without rows",
            "hd.csv",
            "perturbation,g1,g2\n",
            &["hd.csv: no control found"]
        ),
        csv_case!(
            "CRLF lines keep their numbers",
            "crlf.csv",
            "perturbation,g1,g2\r\nA,1,2\r\nB,1,x\r\nnon-targeting,1,2\r\n",
            &["crlf.csv:3: column `g2`: expected a number, got \"x\""]
        ),
        csv_case!(
            "a BOM and a quoted newline keep line numbers",
            "q.csv",
            "\u{feff}perturbation,g1,g2\nA,1,2\n\"B\nC\",1,x\nnon-targeting,1,2\n",
            &["q.csv:3: column `g2`: expected a number, got \"x\""]
        ),
        csv_case!(
            "gzip that ends early",
            "t.csv.gz",
            &gz("perturbation,g1,g2\nA,1,2\nB,3,4\nnon-targeting,1,2\n")[..30],
            &["t.csv.gz: cannot read"]
        ),
        csv_case!(
            "gzip holding garbage",
            "g.csv.gz",
            b"\x1f\x8b\x08\x00garbage",
            &["g.csv.gz: cannot read"]
        ),
        csv_case!(
            "an unknown extension",
            "s.xlsx",
            "perturbation,g1\n",
            &["s.xlsx: unknown extension \".xlsx\": expected .h5ad, .csv, .tsv or .txt"]
        ),
        csv_case!(
            "long format with a bad value",
            "l.csv",
            "perturbation,gene,value\nA,g1,1\nA,g2,x\n",
            &["l.csv:3: column `value`: expected a number, got \"x\""]
        ),
        csv_case!(
            "long format without a value column (read as wide)",
            "lv.csv",
            "perturbation,gene,score\nA,g1,1\n",
            &["lv.csv:2: column `gene`: expected a number, got \"g1\""]
        ),
        csv_case!(
            "a rank of 0",
            "k.csv",
            "perturbation,rank,gene\nA,0,g1\n",
            &["k.csv:2: column `rank`: expected a whole rank ≥ 1, got \"0\""]
        ),
        csv_case!(
            "a fractional rank",
            "kf.csv",
            "perturbation,rank,gene\nA,1.5,g1\n",
            &["kf.csv:2: column `rank`: expected a whole rank ≥ 1, got \"1.5\""]
        ),
        csv_case!(
            "a repeated ranked pair",
            "kd.csv",
            "perturbation,rank,gene\nA,1,g1\nA,2,g1\n",
            &["kd.csv:3: perturbation/gene pair `A/g1` appears twice (first at line 2)"]
        ),
        csv_case!(
            "an empty perturbation name",
            "en.csv",
            "perturbation,g1,g2\n,1,2\nnon-targeting,1,2\n",
            &["en.csv:2: column `perturbation`: expected a non-empty name"]
        ),
        Case {
            name: "a file that does not exist",
            setup: |_| None,
            args: &["inspect", "nope.csv"],
            code: 1,
            want: &["nope.csv: cannot read"],
            absent: &[],
        },
    ]
}

#[test]
fn bad_delimited_inputs_fail_cleanly() {
    run_all(&csv_cases());
}

// ---- commands ------------------------------------------------------------------------------

/// `simulate --config sim.toml` with `toml` as the file: a usage error (exit 2), no screen.
macro_rules! sim_case {
    ($name:expr, $toml:expr, $want:expr) => {
        Case {
            name: $name,
            setup: |d| {
                d.create("sim.toml", $toml);
                None
            },
            args: &[
                "simulate",
                "--network",
                "synthetic",
                "--config",
                "sim.toml",
                "--out",
                "s.csv",
            ],
            code: 2,
            want: $want,
            absent: &["s.csv"],
        }
    };
}

/// The evaluate tests' eight-perturbation screen, `screen.csv`.
fn evaluate_screen(d: &Dir) -> Option<FakeLlm> {
    crate::evaluate::setup(d);
    None
}

fn command_cases() -> Vec<Case> {
    vec![
        Case {
            name: "evaluate with a hundred million draws (refused before any allocation)",
            setup: evaluate_screen,
            args: &[
                "evaluate",
                "--data",
                "screen.csv",
                "--draws",
                "100000000",
                "--out",
                "res",
            ],
            code: 2,
            want: &["--draws", "expected at most 1000 draws"],
            absent: &["res"],
        },
        Case {
            name: "plan with a hundred billion seeds (refused before the list is built)",
            setup: evaluate_screen,
            args: &[
                "plan",
                "--data",
                "screen.csv",
                "--values",
                "response",
                "--strategies",
                "degree",
                "--graph",
                "collectri",
                "--seeds",
                "100000000000",
                "--out",
                "res",
            ],
            code: 2,
            want: &["seeds = 100000000000: expected at most 10000"],
            absent: &["res"],
        },
        Case {
            name: "plan with a billion bootstrap refits per round",
            setup: |d| {
                crate::evaluate::setup(d);
                d.create("p.toml", "uncertainty_draws = 1000000000\n");
                None
            },
            args: &[
                "plan",
                "--config",
                "p.toml",
                "--data",
                "screen.csv",
                "--values",
                "response",
                "--neighbours",
                "consensus.tsv",
                "--strategies",
                "uncertainty",
                "--out",
                "res",
            ],
            code: 2,
            want: &["uncertainty_draws 1000000000: expected 2 to 1000 bootstrap refits"],
            absent: &["res"],
        },
        Case {
            name: "evaluate observing more than the pool",
            setup: |d| {
                crate::evaluate::setup(d);
                None
            },
            args: &[
                "evaluate",
                "--data",
                "screen.csv",
                "--values",
                "response",
                "--observed",
                "8",
                "--predictors",
                "mean",
                "--out",
                "res",
            ],
            code: 2,
            want: &["--observed 8 leaves nothing to predict: screen.csv has 8 perturbations"],
            absent: &["res"],
        },
        Case {
            name: "evaluate with an unknown predictor",
            setup: |d| {
                crate::evaluate::setup(d);
                None
            },
            args: &[
                "evaluate",
                "--data",
                "screen.csv",
                "--values",
                "response",
                "--observed",
                "2",
                "--predictors",
                "knn",
                "--out",
                "res",
            ],
            code: 2,
            want: &["unknown predictor `knn` in --predictors"],
            absent: &["res"],
        },
        Case {
            name: "evaluate --allow-failures out of range",
            setup: |_| None,
            args: &[
                "evaluate",
                "--data",
                "s.csv",
                "--agents",
                "a.toml",
                "--allow-failures",
                "2",
                "--out",
                "res",
            ],
            code: 2,
            want: &["expected a fraction from 0 to 1"],
            absent: &["res"],
        },
        Case {
            name: "consensus with an empty targets file",
            setup: |d| {
                d.create("t.txt", "# nothing\n");
                agents_toml(d, "")
            },
            args: &[
                "consensus",
                "--data",
                "screen.csv",
                "--agents",
                "agents.toml",
                "--out",
                "out.tsv",
                "--targets",
                "t.txt",
            ],
            code: 1,
            want: &["t.txt: no target genes in the file"],
            absent: &["out.tsv"],
        },
        sim_case!(
            "simulate with an unknown config key",
            "colour = 1\n",
            &["sim.toml", "unknown field `colour`"]
        ),
        sim_case!(
            "simulate with a negative count",
            "genes = -3\n",
            &["sim.toml", "line 1, column 9", "expected usize"]
        ),
        sim_case!(
            "simulate with zero genes",
            "genes = 0\n",
            &["invalid genes = 0: expected at least as many measured genes as perturbations"]
        ),
        sim_case!(
            "simulate with a huge screen",
            "perturbations = 90000\ngenes = 90000\n",
            &["invalid perturbations = 90000: expected perturbations × genes of at most 500000000",]
        ),
        sim_case!(
            "simulate with a huge gene universe",
            "perturbations = 10\ngenes = 100000000000\n",
            &["invalid genes = 100000000000: expected at most 100000 measured genes"]
        ),
        sim_case!(
            "simulate with endless power iterations",
            "power_iterations = 1000000000000\n",
            &["invalid power_iterations = 1000000000000: expected 10 to 100000"]
        ),
        Case {
            name: "priors from a missing file",
            setup: |_| None,
            args: &[
                "priors",
                "centrality",
                "--graph",
                "edges:none.tsv",
                "--measure",
                "pagerank",
            ],
            code: 1,
            want: &["none.tsv: cannot open"],
            absent: &[],
        },
    ]
}

#[test]
fn bad_commands_fail_cleanly() {
    run_all(&command_cases());
}

/// The catalogue holds at least 60 hostile inputs.
#[test]
fn the_catalogue_is_large() {
    let n = h5ad_cases().len()
        + hdf5_structure_cases().len()
        + csv_cases().len()
        + agent_cases().len()
        + toml_cases().len()
        + command_cases().len();
    assert!(n >= 60, "{n} cases");
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
        let out = dir
            .command()
            .args(["inspect", "--json", "s.h5ad"])
            .env("HDF5_USE_FILE_LOCKING", NO_LOCK)
            .stdout();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["genes"], 3, "{v}");
    }
);

// ---- agents, consensus, outputs ------------------------------------------------------------

/// The key the fake agents are given; no case may print it.
const KEY: &str = "sk-catalogue-5ecret-0123456789abcdef";

/// The pool screen and an agents.toml with one LLM agent at `server` (retries off).
fn llm_setup(d: &Dir, server: FakeLlm) -> Option<FakeLlm> {
    pool_screen(d);
    d.create(
        "agents.toml",
        format!(
            "cell_context = \"K562 cells\"\nk = 5\n[[agent]]\nbackend = \"llm\"\nname = \"fake\"\nbase_url = \"{}\"\nmodel = \"m\"\napi_key_env = \"MECHPERT_TEST_API_KEY\"\nbackoff_ms = 1\nretries = 0\nruns = 1\n",
            server.base_url
        ),
    );
    Some(server)
}

/// A fake server answering every request with `reply`.
fn replying(reply: fn() -> Reply) -> FakeLlm {
    FakeLlm::start(move |_, _| reply())
}

/// `consensus` on the pool screen and agents.toml, writing out.tsv.
const CONSENSUS: &[&str] = &[
    "consensus",
    "--data",
    "screen.csv",
    "--agents",
    "agents.toml",
    "--out",
    "out.tsv",
];

/// `evaluate --agents` on the pool screen, before `--out`.
const EVALUATE_AGENTS: &[&str] = &[
    "evaluate",
    "--data",
    "screen.csv",
    "--agents",
    "agents.toml",
    "--predictors",
    "mean,consensus",
    "--observed",
    "2",
    "--draws",
    "1",
];

/// `base` then `more`, for a case's arguments (leaked: tests only).
fn then(base: &[&'static str], more: &[&'static str]) -> &'static [&'static str] {
    Box::leak([base, more].concat().into_boxed_slice())
}

fn agent_cases() -> Vec<Case> {
    const UNANSWERED: &str = "6 of 6 targets got no answer from any agent";
    vec![
        Case {
            name: "every reply is not JSON",
            setup: |d| {
                llm_setup(
                    d,
                    replying(|| Reply::Content("I think GATA1, maybe.".into())),
                )
            },
            args: CONSENSUS,
            code: 1,
            want: &[
                UNANSWERED,
                "`fake` answered 0, failed 6",
                "no complete JSON object",
            ],
            absent: &["out.tsv"],
        },
        Case {
            name: "every reply is empty",
            setup: |d| llm_setup(d, replying(|| Reply::Content(String::new()))),
            args: CONSENSUS,
            code: 1,
            want: &[UNANSWERED, "`fake` answered 0, failed 6"],
            absent: &["out.tsv"],
        },
        Case {
            name: "replies with genes of the wrong type",
            setup: |d| {
                llm_setup(
                    d,
                    replying(|| Reply::Content(r#"{"genes": "GATA1"}"#.into())),
                )
            },
            args: CONSENSUS,
            code: 1,
            want: &[UNANSWERED, "`fake` answered 0, failed 6"],
            absent: &["out.tsv"],
        },
        Case {
            name: "a huge reply",
            setup: |d| llm_setup(d, replying(|| Reply::Content("x".repeat(20 << 20)))),
            args: CONSENSUS,
            code: 1,
            want: &[UNANSWERED, "`fake` answered 0, failed 6"],
            absent: &["out.tsv"],
        },
        Case {
            name: "HTTP 500 storm",
            setup: |d| {
                llm_setup(
                    d,
                    replying(|| Reply::Status(500, None, "overloaded".into())),
                )
            },
            args: CONSENSUS,
            code: 1,
            want: &[UNANSWERED, "HTTP 500"],
            absent: &["out.tsv"],
        },
        Case {
            name: "connection refused",
            setup: |d| {
                pool_screen(d);
                d.create(
                    "agents.toml",
                    "[[agent]]\nbackend = \"llm\"\nname = \"fake\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\napi_key_env = \"MECHPERT_TEST_API_KEY\"\nretries = 0\n",
                );
                None
            },
            args: CONSENSUS,
            code: 1,
            want: &[UNANSWERED, "connection failed"],
            absent: &["out.tsv"],
        },
        Case {
            name: "evaluate --agents when every query fails",
            setup: |d| llm_setup(d, replying(|| Reply::Status(500, None, "down".into()))),
            args: then(EVALUATE_AGENTS, &["--out", "res"]),
            code: 1,
            want: &[UNANSWERED, "HTTP 500"],
            absent: &["res"],
        },
        Case {
            name: "consensus --out names a folder",
            setup: |d| {
                std::fs::create_dir(d.path().join("out.tsv")).unwrap();
                llm_setup(d, replying(|| Reply::Content(String::new())))
            },
            args: CONSENSUS,
            code: 1,
            want: &[
                "out.tsv: cannot write",
                "is a folder: expected the path of a file",
            ],
            absent: &[],
        },
        Case {
            name: "consensus --out in a folder that does not exist",
            setup: |d| llm_setup(d, replying(|| Reply::Content(String::new()))),
            args: &[
                "consensus",
                "--data",
                "screen.csv",
                "--agents",
                "agents.toml",
                "--out",
                "no/such/out.tsv",
            ],
            code: 1,
            want: &[
                "no/such/out.tsv: cannot write",
                "the folder no/such does not exist",
            ],
            absent: &["no"],
        },
        Case {
            name: "consensus --proposals in a missing folder",
            setup: |d| llm_setup(d, replying(|| Reply::Content(String::new()))),
            args: then(CONSENSUS, &["--proposals", "gone/p.tsv"]),
            code: 1,
            want: &["gone/p.tsv: cannot write", "does not exist"],
            absent: &["out.tsv"],
        },
        Case {
            name: "evaluate --out under a file",
            setup: |d| {
                d.create("res", "a file");
                llm_setup(d, replying(|| Reply::Content(String::new())))
            },
            args: then(EVALUATE_AGENTS, &["--out", "res/run"]),
            code: 1,
            want: &["res/run: cannot write", "res is a file: expected a folder"],
            absent: &[],
        },
        Case {
            name: "simulate --truth in a missing folder",
            setup: |_| None,
            args: &[
                "simulate",
                "--network",
                "synthetic",
                "--preset",
                "small",
                "--out",
                "s.csv",
                "--truth",
                "gone/t.tsv",
            ],
            code: 1,
            want: &["gone/t.tsv: cannot write", "does not exist"],
            absent: &["s.csv"],
        },
        Case {
            name: "simulate --out names a folder",
            setup: |d| {
                std::fs::create_dir(d.path().join("s.csv")).unwrap();
                None
            },
            args: &[
                "simulate",
                "--network",
                "synthetic",
                "--preset",
                "small",
                "--out",
                "s.csv",
            ],
            code: 1,
            want: &["s.csv: cannot write", "is a folder"],
            absent: &[],
        },
    ]
}

// ---- agents.toml and simulate TOML ---------------------------------------------------------

/// The pool screen and an agents.toml of one loopback LLM agent with `extra` lines appended
/// to its table (or, when `extra` starts with `[`, put before it).
fn agents_toml(d: &Dir, extra: &str) -> Option<FakeLlm> {
    pool_screen(d);
    let agent = "[[agent]]\nbackend = \"llm\"\nname = \"fake\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\napi_key_env = \"MECHPERT_TEST_API_KEY\"\n";
    let text = if extra.starts_with('[') {
        format!("{extra}\n{agent}")
    } else {
        format!("{agent}{extra}\n")
    };
    d.create("agents.toml", text);
    None
}

macro_rules! toml_case {
    ($name:expr, $extra:expr, $code:expr, $want:expr) => {
        Case {
            name: $name,
            setup: |d| agents_toml(d, $extra),
            args: CONSENSUS,
            code: $code,
            want: $want,
            absent: &["out.tsv"],
        }
    };
}

fn toml_cases() -> Vec<Case> {
    vec![
        toml_case!(
            "rpm = 1e-300",
            "[limits]\nrpm = 1e-300",
            1,
            &["agents.toml:2: invalid [limits] rpm = 1e-300: expected requests per minute"]
        ),
        toml_case!(
            "rpm = 1e-15 (hung)",
            "[limits]\nrpm = 1e-15",
            1,
            &["agents.toml:2: invalid [limits] rpm = 1e-15"]
        ),
        toml_case!(
            "rpm negative",
            "[limits]\nrpm = -5",
            1,
            &["agents.toml:2: invalid [limits] rpm = -5"]
        ),
        toml_case!(
            "concurrency zero",
            "[limits]\nconcurrency = 0",
            2,
            &[
                "agents.toml:2:15: key `concurrency`: invalid value: integer `0`, expected a nonzero"
            ]
        ),
        toml_case!(
            "concurrency huge",
            "[limits]\nconcurrency = 100000",
            1,
            &["agents.toml:2: invalid [limits] concurrency = 100000: expected 1 to 1024"]
        ),
        toml_case!(
            "max_requests negative",
            "[limits]\nmax_requests = -1",
            2,
            &["agents.toml:2:16: key `max_requests`: invalid value: integer `-1`"]
        ),
        toml_case!(
            "max_requests zero",
            "[limits]\nmax_requests = 0",
            1,
            &["agents.toml:2: invalid [limits] max_requests = 0: expected a positive budget"]
        ),
        toml_case!(
            "unknown limits key",
            "[limits]\nrate = 3",
            2,
            &["agents.toml:2:", "unknown field `rate`"]
        ),
        toml_case!(
            "timeout_s = 1e300",
            "timeout_s = 1e300",
            1,
            &[
                "agent `fake`: invalid timeout_s = 1e300 (line 7): expected seconds from 0.001 to 86400"
            ]
        ),
        toml_case!(
            "timeout_s zero",
            "timeout_s = 0",
            1,
            &["invalid timeout_s = 0 (line 7)"]
        ),
        toml_case!(
            "timeout_s as text",
            "timeout_s = \"ten\"",
            2,
            &["agents.toml:7:13: key `timeout_s`: invalid type: string \"ten\", expected f64"]
        ),
        toml_case!(
            "runs zero",
            "runs = 0",
            2,
            &["agents.toml:7:8: key `runs`: invalid value: integer `0`"]
        ),
        toml_case!(
            "runs huge",
            "runs = 4000000000",
            1,
            &["invalid runs = 4000000000 (line 7): expected 1 to 100 runs"]
        ),
        toml_case!(
            "retries huge",
            "retries = 1000000",
            1,
            &["invalid retries = 1000000 (line 7): expected 0 to 100 retries"]
        ),
        toml_case!(
            "backoff_ms huge",
            "backoff_ms = 100000000000",
            1,
            &["invalid backoff_ms = 100000000000 (line 7)"]
        ),
        toml_case!(
            "max_tokens zero",
            "max_tokens = 0",
            1,
            &["invalid max_tokens = 0 (line 7): expected a token count"]
        ),
        toml_case!(
            "temperature negative",
            "temperature = -0.5",
            1,
            &["invalid temperature = -0.5 (line 7): expected a number in [0, 2]"]
        ),
        toml_case!(
            "unknown agent key",
            "colour = \"blue\"",
            2,
            &["agents.toml:7:", "unknown field `colour`"]
        ),
        toml_case!(
            "tau zero",
            "[limits]\n[consensus]\ntau = 0",
            2,
            &["agents.toml:3:", "tau"]
        ),
        toml_case!(
            "missing prompt templates",
            "prompts = \"no-such-folder\"",
            1,
            &["agent `fake`", "no-such-folder"]
        ),
        toml_case!(
            "a key set twice",
            "allow_insecure_http = false\nbase_url = \"http://10.0.0.1/v1\"",
            2,
            &["agents.toml:8:1: key `base_url`: duplicate key"]
        ),
        Case {
            name: "plain http to a remote host with a key (no opt-in)",
            setup: |d| {
                pool_screen(d);
                d.create("agents.toml", "[[agent]]\nbackend = \"llm\"\nname = \"far\"\nbase_url = \"http://10.0.0.1:8000/v1\"\nmodel = \"m\"\napi_key_env = \"MECHPERT_TEST_API_KEY\"\n");
                None
            },
            args: CONSENSUS,
            code: 1,
            want: &[
                "agents.toml: building agents: agent `far` (line 4): base_url http://10.0.0.1:8000/v1 is plain http://",
                "allow_insecure_http = true",
            ],
            absent: &["out.tsv"],
        },
    ]
}

#[test]
fn bad_agents_toml_fails_cleanly() {
    run_all(&toml_cases());
}

#[test]
fn failed_agents_and_unwritable_outputs_fail_cleanly() {
    run_all(&agent_cases());
}

mptest!(some_unanswered_targets_pass_within_allow_failures, |dir| {
    // GATA1 fails, the other five answer: 1/6 unanswered is within 0.2 and over 0.1.
    let server = FakeLlm::start(|_, body| {
        if crate::fake_llm::target_of(body) == "GATA1" {
            Reply::Status(500, None, "boom".into())
        } else {
            Reply::Content(default_reply(body))
        }
    });
    let _server = llm_setup(&dir, server);
    let run = |allow: &str| {
        let mut cmd = dir.command();
        cmd.args(CONSENSUS)
            .args(["--allow-failures", allow, "--cache", "cache"])
            .env("MECHPERT_TEST_API_KEY", KEY);
        cmd
    };
    let err = run("0.1").assert_failure();
    assert!(
        err.contains("1 of 6 targets got no answer from any agent (GATA1)"),
        "{err}"
    );
    assert!(!dir.path().join("out.tsv").exists());
    let (out, _) = run("0.2").both(0);
    assert!(out.contains("  agent fake: 5 answered, 1 failed"), "{out}");
    assert!(dir.path().join("out.tsv").exists());
});

mptest!(
    the_key_is_in_no_byte_written_even_when_the_endpoint_echoes_it,
    |dir| {
        // The endpoint echoes the key everywhere it can: in an error body where the 200-character
        // cut falls inside the key, in a 5xx body, in a completion that is not JSON, and inside a
        // reply's rationale (which goes to the cache and --proposals).
        let server = FakeLlm::start(|_, body| {
            let target = crate::fake_llm::target_of(body);
            match target.as_str() {
                "GATA1" => Reply::Status(401, None, format!("{}Bearer {KEY}", "x".repeat(190))),
                "TAL1" => Reply::Status(
                    503,
                    None,
                    format!("upstream saw Authorization: Bearer {KEY}"),
                ),
                "KLF1" => Reply::Content(format!("your key {KEY} is not JSON")),
                _ => {
                    let genes: Vec<serde_json::Value> = crate::fake_llm::candidates_of(body)
                    .into_iter()
                    .filter(|g| *g != target)
                    .take(2)
                    .map(|g| serde_json::json!({"gene": g, "confidence": 0.9, "rationale": format!("as {KEY} said")}))
                    .collect();
                    Reply::Content(serde_json::json!({ "genes": genes }).to_string())
                }
            }
        });
        let _server = llm_setup(&dir, server);
        let mut cmd = dir.command();
        cmd.args(["-vvv"])
            .args(CONSENSUS)
            .args([
                "--cache",
                "cache",
                "--proposals",
                "p.tsv",
                "--hubs",
                "hubs.tsv",
                "--allow-failures",
                "1",
            ])
            .env("MECHPERT_TEST_API_KEY", KEY);
        let got = cmd.run_bounded(LIMIT);
        assert_eq!(
            got.code,
            Some(0),
            "{}",
            String::from_utf8_lossy(&got.stderr)
        );
        // A prefix catches a key cut short as well as a whole one.
        let needle = &KEY.as_bytes()[..16];
        let leaks = |bytes: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!leaks(&got.stdout), "stdout");
        assert!(!leaks(&got.stderr), "stderr at -vvv");
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert!(
            stderr.contains("HTTP 401"),
            "the echo was exercised: {stderr}"
        );
        let files = dir.listing();
        assert!(files.iter().any(|f| f.starts_with("cache/")), "{files:?}");
        for f in &files {
            let bytes = std::fs::read(dir.path().join(f)).unwrap();
            assert!(!leaks(&bytes), "the key is in {f}");
        }
        let proposals = std::fs::read_to_string(dir.path().join("p.tsv")).unwrap();
        assert!(proposals.contains("as *** said"), "{proposals}");
    }
);

mptest!(parallel_ridge_runs_without_rust_min_stack, |dir| {
    // `make test` sets RUST_MIN_STACK; users do not. The binary gives its own threads the
    // stack OpenBLAS needs (src/threads.rs), so the run matches one with the variable set.
    crate::evaluate::setup(&dir);
    let run = |out: &str, stack: Option<&str>| {
        let mut cmd = dir.command();
        cmd.args(crate::evaluate::FULL_RUN)
            .args(["--out", out])
            .env("RAYON_NUM_THREADS", "2");
        match stack {
            Some(s) => cmd.env("RUST_MIN_STACK", s),
            None => cmd.env_remove("RUST_MIN_STACK"),
        };
        cmd.stdout();
        std::fs::read_to_string(dir.path().join(out).join("metrics.csv")).unwrap()
    };
    let bare = run("bare", None);
    assert!(bare.lines().any(|l| l.contains("ridge")), "{bare}");
    assert_eq!(bare, run("big", Some("67108864")));
});

/// Log lines written to a pipe or a file hold no ANSI escape codes, whatever `NO_COLOR` says
/// (a terminal gets colours unless `NO_COLOR` is set; see `run::init_logging`).
#[test]
fn logs_off_a_terminal_hold_no_escape_codes() {
    let dir = Dir::new();
    crate::evaluate::setup(&dir);
    for no_color in [None, Some(""), Some("1")] {
        let mut cmd = dir.command();
        cmd.args(["-vvv", "inspect", "screen.csv", "--values", "response"]);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let (_, stderr) = cmd.both(0);
        assert!(
            stderr.contains("INFO") || stderr.contains("DEBUG"),
            "{stderr}"
        );
        assert!(
            !stderr.contains('\x1b'),
            "escape codes with NO_COLOR={no_color:?}: {stderr:?}"
        );
    }
}

/// Found by `fuzz/fuzz_targets/screen_text.rs`: a perturbation labelled `+ctrl` (the GEARS
/// suffix alone) was read as a perturbation with an empty name.
#[test]
fn a_gears_suffix_alone_is_not_an_empty_name() {
    let dir = Dir::new();
    dir.create(
        "s.csv",
        "perturbation,rank,gene\n+ctrl,1,HBB\nctrl+,1,HBB\nMYC,1,HBG1\n",
    );
    let (out, _) = dir.command().args(["inspect", "--json", "s.csv"]).both(0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["first_perturbations"],
        serde_json::json!(["+ctrl", "ctrl+", "MYC"]),
        "{out}"
    );
}
