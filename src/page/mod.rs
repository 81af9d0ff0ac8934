//! The page model: the inputs as typed, read and answered into what each panel shows (the
//! Budget panel, the Fit panel, the planning tools), share links, and the charts' inputs.

pub mod budget;
pub mod fields;
pub mod fitpanel;
pub mod ids;
pub mod jobs;
pub mod session;
pub mod share;
pub mod tools;
