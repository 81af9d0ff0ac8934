//! scalecalc: scaling-law arithmetic for planning language-model pre-training runs.
//!
//! The math is pure Rust, tested natively; [`web`] is the thin wasm boundary and `src/bin`
//! the command-line tool.
#![deny(missing_docs)]

pub mod allocate;
pub mod app;
pub mod hardware;
pub mod laws;
pub mod plot;
pub mod presets;
pub mod share;
pub mod units;
#[cfg(target_arch = "wasm32")]
pub mod web;
