//! Ranks a graph's genes by the betweenness mechpert computed before its own Brandes search
//! (rustworkx-core 0.18, `rustworkx_reference.rs`): the reference `experiments/perf/centrality.sh`
//! times and compares against.
//!
//! Usage: `cargo run --release --example betweenness_rustworkx -- GRAPH_SPEC OUT.csv [--reverse]`
//! (GRAPH_SPEC and `--reverse` as for `mechpert priors centrality`). Writes the whole ranking as
//! `mechpert priors centrality --measure betweenness --out` does, so the two files can be
//! compared byte for byte.

use std::io::BufWriter;
use std::process::ExitCode;

use mechpert::data::GeneSymbols;
use mechpert::priors::{self, Graph, centrality};
use mechpert::report::priors::write_ranking_csv;

mod rustworkx_reference;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (spec, out, reverse) = match args.as_slice() {
        [spec, out] => (spec, out, false),
        [spec, out, flag] if flag == "--reverse" => (spec, out, true),
        _ => {
            eprintln!("usage: betweenness_rustworkx GRAPH_SPEC OUT.csv [--reverse]");
            return ExitCode::from(2);
        }
    };
    match run(spec, out, reverse) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("betweenness_rustworkx: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(spec: &str, out: &str, reverse: bool) -> anyhow::Result<()> {
    let mut graph = priors::open(spec, GeneSymbols::embedded())?.graph;
    if reverse {
        graph = graph.reversed();
    }
    let started = std::time::Instant::now();
    let scores = rustworkx_reference::betweenness(&graph);
    eprintln!("scored seconds={}", started.elapsed().as_secs_f64());
    let ranking = centrality::rank(&graph, &scores, None, 0);
    let mut file = BufWriter::new(std::fs::File::create(out)?);
    write_ranking_csv(&mut file, &ranking)?;
    Ok(())
}
