//! scalecalc: scaling-law arithmetic for planning language-model pre-training runs.
//!
//! Three layers: [`core`] is the math and data (pure Rust, no page, no web crate); [`page`] is
//! the page model, a plain function of the inputs and an explicit session; `web` (wasm32 only)
//! is the thin wasm boundary. `src/bin` is the command-line tool on `core`. See ARCHITECTURE.md.
//!
//! ```
//! use scalecalc::core::{allocate, presets::Preset, units};
//!
//! // Chinchilla's compute, under the Epoch (Besiroglu et al. 2024) refit of Hoffmann's law.
//! let compute = units::parse_number("5.76e23").unwrap();
//! let best = allocate::optimum(Preset::Epoch.law(), compute).unwrap();
//! assert_eq!(units::format_count(best.n, 3), "72.2B");
//! assert_eq!(units::format_count(best.d, 3), "1.33T");
//! assert!((6.0 * best.n * best.d - compute).abs() / compute < 1e-12);
//! ```
#![deny(missing_docs)]
// Input reaches this code from fields, pastes and URLs; a panic would kill the wasm module for
// the page's life, so non-test code may not unwrap, expect or panic.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
// `!(x > 0.0)` is written on purpose: it is also true for NaN, which must be rejected too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod core;
pub mod page;
#[cfg(test)]
mod test_support;
#[cfg(target_arch = "wasm32")]
pub mod web;
