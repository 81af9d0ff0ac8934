//! Fitting scaling laws to a user's runs: robust multistart fits, IsoFLOP profiles, envelopes,
//! bootstrap uncertainty and validation.

pub mod envelope;
pub mod isoflop;
pub mod regression;
pub mod forms;
pub mod grid;
pub mod lbfgs;
pub mod multistart;
pub mod fastmath;
pub mod bootstrap;
pub mod report;
pub mod request;
pub mod tasks;
pub mod warnings;
pub mod fitted;
pub mod model;
