//! Helpers shared by the unit tests.

use crate::core::laws::ChinchillaLaw;
use crate::core::presets::Preset;

/// |a − b| relative to the larger of |a| and |b|.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

/// A fixed pseudo-random sequence (xorshift), uniform in [−1, 1]: deterministic "noise" for
/// synthetic runs.
pub struct Wiggle(u64);

impl Wiggle {
    /// The sequence the tests' synthetic runs use.
    pub fn new() -> Self {
        Wiggle(0x2545_f491_4f6c_dd1d)
    }

    /// The next value.
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// Epoch's refit of Chinchilla (the default preset).
pub fn epoch() -> ChinchillaLaw {
    Preset::Epoch.chinchilla().expect("Epoch has the Chinchilla form")
}

/// A file of `../shared/data/` (beside the project), read when the test runs — so the tests
/// compile in a clone without it; a missing file fails the test with the path it wanted.
pub fn shared(path: &str) -> &'static str {
    use std::collections::BTreeMap;
    use std::sync::{Mutex, OnceLock};
    static READ: OnceLock<Mutex<BTreeMap<String, &'static str>>> = OnceLock::new();
    let mut read = READ.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    read.entry(path.to_string()).or_insert_with(|| {
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(path);
        let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()));
        Box::leak(text.into_boxed_str())
    })
}

/// The Epoch digitisation of Hoffmann et al.'s runs.
pub fn epoch_csv() -> &'static str {
    shared("chinchilla_epoch/svg_extracted_data.csv")
}

/// Tissue et al.'s Fig. 2 loss curves.
pub fn fig2_csv() -> &'static str {
    shared("lr_tissue_fig2/tissue594m_fig2_val_loss.csv")
}

/// Muennighoff et al.'s final losses.
pub fn datablations_csv() -> &'static str {
    shared("datablations/datablations_final_losses.csv")
}
