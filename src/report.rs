//! Human- and machine-readable output: summaries, tables and figures. The only library module
//! that formats text for people; it writes to a `Write` it is given and never to stdout itself.

pub mod consensus;
pub mod design;
pub mod evaluate;
pub mod figures;
pub mod html;
pub mod inspect;
pub mod plan;
pub mod priors;
pub mod simulate;
pub mod tidy;
