//! Helpers shared by the unit tests.

use crate::laws::ChinchillaLaw;
use crate::presets::Preset;

/// |a − b| relative to the larger of |a| and |b|.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

/// Epoch's refit of Chinchilla (the default preset).
pub fn epoch() -> ChinchillaLaw {
    Preset::Epoch.chinchilla().expect("Epoch has the Chinchilla form")
}
