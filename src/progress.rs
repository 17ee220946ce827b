//! Progress reporting without printing.
//!
//! Long-running library calls take a `&dyn Progress`; the binary passes a terminal progress bar,
//! tests and quiet runs pass [`Silent`]. The library only counts; drawing is the caller's business.

/// Receives progress of one long-running step.
pub trait Progress: Sync {
    /// Announces how many units the step has (for example cells, requests or rounds).
    fn start(&self, total: u64, what: &str);
    /// Marks `n` more units done.
    fn advance(&self, n: u64);
    /// Replaces the short status text (for example "12 cache hits, 1 failure").
    fn status(&self, _text: String) {}
    /// Marks the step complete.
    fn finish(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64, _what: &str) {}
    fn advance(&self, _n: u64) {}
}

impl Progress for indicatif::ProgressBar {
    fn start(&self, total: u64, what: &str) {
        self.set_length(total);
        self.set_position(0);
        self.set_prefix(what.to_string());
    }
    fn advance(&self, n: u64) {
        self.inc(n);
    }
    fn status(&self, text: String) {
        self.set_message(text);
    }
    fn finish(&self) {
        self.finish_and_clear();
    }
}
