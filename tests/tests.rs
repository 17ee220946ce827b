//! Integration tests: each drives the real `mechpert` binary (see `util.rs`).

#[macro_use]
mod util;

mod inspect;
mod priors;
mod simulate;
