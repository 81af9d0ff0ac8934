//! Loss curves analysed: both loss-curve laws (Tissue et al.'s and the Multi-Power Law) fitted
//! to the same curves, the final loss each predicts for another schedule, and which WSD decay
//! fraction ends lowest.

use crate::core::laws::multipower::{self, MultiPowerFit};
use crate::core::laws::tissue::{self, TissueFit};
use crate::core::schedule::{Curve, Kind, Shape, Spec, Warmup};

/// WSD decay fractions scanned.
pub const FRACTIONS: [f64; 10] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];


/// Both laws fitted to the curves (slow: computed in the page's worker).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Fits {
    /// Tissue et al.'s law, or why it has no fit.
    pub tissue: Result<TissueFit, String>,
    /// The Multi-Power Law, or why it has no fit.
    pub mpl: Result<MultiPowerFit, String>,
}

impl Fits {
    /// Both laws fitted to the curves (Huber δ on ln L; λ for Tissue's S₂).
    pub fn fit(curves: &[Curve], lambda: f64, delta: f64) -> Fits {
        // The page shows why a law has no fit; its message is what travels between workers.
        Fits { tissue: tissue::fit(curves, lambda, delta).map_err(|e| e.to_string()), mpl: multipower::fit(curves, delta).map_err(|e| e.to_string()) }
    }
}


/// The WSD schedule whose decay fraction is scanned: the predict schedule when it is WSD, else a
/// WSD (1−sqrt decay) with its steps, peak, warmup and min.
pub fn scan_base(predict: &Spec) -> Spec {
    match predict.kind {
        Kind::Wsd { .. } => predict.clone(),
        _ => Spec { kind: Kind::Wsd { decay: 0.2, shape: Shape::OneMinusSqrt }, ..predict.clone() },
    }
}

/// Final loss of a schedule by each law (None where that law has no fit).
pub fn final_losses(fits: &Fits, lambda: f64, spec: &Spec, convention: Warmup) -> (Option<f64>, Option<f64>) {
    let rates = spec.rates(convention);
    let t = fits.tissue.as_ref().ok().and_then(|f| f.params.curve(&rates, lambda).last().copied()).filter(|v| v.is_finite());
    let m = fits
        .mpl
        .as_ref()
        .ok()
        .and_then(|f| f.params.predict(&rates, spec.warmup, &[spec.steps], true).first().copied())
        .filter(|v| v.is_finite());
    (t, m)
}

/// (fraction, Tissue final loss, Multi-Power final loss) over [`FRACTIONS`].
pub type Scan = Vec<(f64, Option<f64>, Option<f64>)>;

/// The final losses (Tissue, Multi-Power) of the schedule to predict, and its decay scan.
pub type Prediction = ((Option<f64>, Option<f64>), Scan);

/// The final losses of `predict` by both laws, and the decay scan of its WSD version over
/// [`FRACTIONS`].
pub fn predict(fits: &Fits, lambda: f64, predict: &Spec, convention: Warmup) -> Prediction {
    let base = scan_base(predict);
    let scan = FRACTIONS
        .iter()
        .map(|&f| {
            let (t, m) = final_losses(fits, lambda, &base.with_decay(f), convention);
            (f, t, m)
        })
        .collect();
    (final_losses(fits, lambda, predict, convention), scan)
}

/// The fraction with the lowest final loss by one law (`pick`), with that loss.
pub fn best(scan: &[(f64, Option<f64>, Option<f64>)], pick: impl Fn(&(f64, Option<f64>, Option<f64>)) -> Option<f64>) -> Option<(f64, f64)> {
    scan.iter().filter_map(|r| pick(r).map(|l| (r.0, l))).min_by(|a, b| a.1.total_cmp(&b.1))
}

