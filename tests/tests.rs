//! Integration tests: each drives the real `mechpert` binary (see `util.rs`).

#[macro_use]
mod util;

mod agents;
mod catalogue;
mod consensus;
mod design;
mod eval_reference;
mod evaluate;
mod experiments;
mod fake_llm;
mod fault;
mod formats;
mod h5ad;
mod inspect;
mod interrupt;
mod layers;
mod llm_servers;
mod plan;
mod predictions;
mod priors;
mod renge;
mod report;
mod score;
mod shard;
mod simulate;
mod text;
mod workflow;
