//! The math and data of scaling laws: quantities, hardware, laws and their presets, optimal
//! allocation, run tables, learning-rate schedules, fitting and charts. Pure Rust: nothing here
//! knows the page, the browser or the command line.

pub mod allocate;
pub mod analysis;
pub mod choice;
pub mod convert;
pub mod fit;
pub mod hardware;
pub mod laws;
pub mod loss;
pub mod order;
pub mod plot;
pub mod presets;
pub mod refs;
pub mod runs;
pub mod schedule;
pub mod solve;
pub mod shape;
pub mod units;
