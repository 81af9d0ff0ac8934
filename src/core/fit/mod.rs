//! The fitting machinery every law shares: a [`model::Model`] (rows that predict ln L with the
//! gradient) minimised by a robust Huber objective with L-BFGS from a grid of starts
//! ([`multistart`]), bootstrap uncertainty ([`bootstrap`]), the runs' column layout kernels use
//! ([`points`]); and the law-free approaches of Hoffmann et al.: IsoFLOP profiles and envelopes.

pub mod bootstrap;
pub mod constraints;
/// Branch-free exp and ln: the `scalecalc-kernel` crate's, re-exported.
pub use scalecalc_kernel::fastmath;
pub mod envelope;
pub mod grid;
pub mod isoflop;
pub mod lbfgs;
pub mod model;
pub mod multistart;
pub mod points;
pub mod profile;
pub mod regression;
