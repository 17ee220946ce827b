//! Integration tests: each drives the real `mechpert` binary (see `util.rs`).

#[macro_use]
mod util;

mod eval_reference;
mod evaluate;
mod inspect;
