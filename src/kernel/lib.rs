//! scalecalc's hot path, in a crate of its own so that a build profile can give it its own
//! opt-level: the wasm build compiles everything else for size and this crate at opt-level 3
//! (see `[profile.wasm]` in the main Cargo.toml). Nothing here is generic, so its code is
//! generated here, with this crate's settings, and not where it is called.
//!
//! - [`fastmath`]: branch-free, vectorisable exp and ln;
//! - [`lbfgs`]: the L-BFGS solver every fit uses;
//! - [`chinchilla`]: the Chinchilla objective, the inner loop of a 4 500-start fit;
//! - [`profile`]: the inner loop of a profile search over exponents.
//!
//! It depends on nothing of the main crate (scalecalc re-exports what it needs from here).
#![deny(missing_docs)]
// Input reaches this code from fields, pastes and URLs; a panic would kill the wasm module for
// the page's life, so non-test code may not unwrap, expect or panic.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
// `!(x > 0.0)` is written on purpose: it is also true for NaN, which must be rejected too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod chinchilla;
pub mod fastmath;
pub mod lbfgs;
pub mod profile;
