//! The budgeted design loop and its building blocks.
//!
//! In flow a held-out screen (owned by the [`oracle::Oracle`]), predictors, design strategies
//! and the public knowledge they may use (consensus graph, agents' hub answers, prior graphs);
//! out come, per job (strategy × seed) and round, the picks with their reasons and the scores of
//! the predictions made from everything revealed so far.
//!
//! Sealed by type: predictors and strategies receive [`Observed`](crate::predict::Observed)
//! views, which hold the revealed rows and nothing else. `mechpert evaluate` is the one-round
//! special case ([`few_shot`]); both go through [`round::score_round`]. `mechpert design
//! --strategy auto` replays design rounds inside a real screen so far ([`backtest`]).

pub mod backtest;
pub mod config;
pub mod few_shot;
pub mod jobs;
pub mod oracle;
pub mod round;
pub mod shard;
pub mod strategy;
