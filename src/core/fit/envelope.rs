//! The training-curve envelope (Hoffmann et al. 2022, "Approach 1"): at each FLOP value the run
//! with the lowest loss gives (C, N_opt, D_opt); N_opt ∝ C^a and D_opt ∝ C^b are fitted to those.

use std::fmt;

use crate::core::fit::regression::{fit_power_law, PowerLaw};
use crate::core::runs::Run;
use crate::core::units::format_count;

/// Most grid points [`fit_envelope`] evaluates, whatever [`EnvelopeOptions::points`] asks.
pub const MAX_POINTS: usize = 10_000;

/// How finely the envelope is sampled.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EnvelopeOptions {
    /// Number of log-spaced FLOP values between the smallest and largest C of the curves
    /// (default 40; at most [`MAX_POINTS`]).
    pub points: usize,
}

impl Default for EnvelopeOptions {
    fn default() -> Self {
        EnvelopeOptions { points: 40 }
    }
}

/// The lowest-loss run at one FLOP value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnvelopePoint {
    /// Training compute, FLOP.
    pub compute: f64,
    /// The lowest interpolated loss at this compute.
    pub loss: f64,
    /// That run's parameters N.
    pub n: f64,
    /// Tokens that run has seen at this compute, C/(6N).
    pub d: f64,
    /// That run: its id, or "N=…" when the rows carry no run id.
    pub run: String,
}

/// The result of [`fit_envelope`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnvelopeFit {
    /// The envelope, by increasing compute (grid values no curve covers are skipped).
    pub points: Vec<EnvelopePoint>,
    /// N_opt = k·C^a fitted on the envelope points.
    pub n_law: Option<PowerLaw>,
    /// D_opt = k·C^b fitted on the envelope points (b = 1 − a, since D = C/(6N)).
    pub d_law: Option<PowerLaw>,
    /// Training curves used.
    pub runs: usize,
    /// Notes for the user.
    pub warnings: Vec<String>,
}

/// Why no envelope could be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvelopeError {
    /// No row with a positive, finite N and C and a finite loss.
    NoRuns,
    /// Fewer than 2 training curves with at least 2 distinct compute values.
    TooFewCurves {
        /// Usable curves found.
        curves: usize,
    },
    /// Fewer than 3 FLOP values on the envelope.
    TooFewPoints {
        /// Envelope points found.
        points: usize,
    },
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvelopeError::NoRuns => write!(
                f,
                "the envelope needs training-curve rows with a positive N and C and a loss; \
                 none were given"
            ),
            EnvelopeError::TooFewCurves { curves } => write!(
                f,
                "the envelope needs training curves from at least 2 runs, each with 2 or more \
                 points at different compute; found {curves}"
            ),
            EnvelopeError::TooFewPoints { points } => write!(
                f,
                "the envelope needs at least 3 FLOP values; found {points} (ask for more grid \
                 points, or give curves that overlap in compute)"
            ),
        }
    }
}

impl std::error::Error for EnvelopeError {}

/// One training curve: loss against ln C, sorted, one loss per distinct C.
struct Curve {
    name: String,
    n: f64,
    ln_c: Vec<f64>,
    loss: Vec<f64>,
}

impl Curve {
    /// Loss at ln C = `x`, linear in ln C between the curve's points; `None` outside them.
    fn loss_at(&self, x: f64) -> Option<f64> {
        let (first, last) = (*self.ln_c.first()?, *self.ln_c.last()?);
        if !(x >= first && x <= last) {
            return None;
        }
        let hi = self.ln_c.partition_point(|v| *v < x);
        let (x1, y1) = (*self.ln_c.get(hi)?, *self.loss.get(hi)?);
        if x1 == x || hi == 0 {
            return Some(y1);
        }
        let (x0, y0) = (*self.ln_c.get(hi - 1)?, *self.loss.get(hi - 1)?);
        let w = (x - x0) / (x1 - x0);
        Some(y0 + w * (y1 - y0)).filter(|v| v.is_finite())
    }
}

fn usable_row(r: &Run) -> bool {
    r.n > 0.0 && r.n.is_finite() && r.c > 0.0 && r.c.is_finite() && r.loss.is_finite()
}

/// What a row's curve is keyed by: its run id, or its N when it has none.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Id(String),
    Size(f64),
}

impl Key {
    fn cmp_total(&self, other: &Key) -> std::cmp::Ordering {
        match (self, other) {
            (Key::Id(a), Key::Id(b)) => a.cmp(b),
            (Key::Size(a), Key::Size(b)) => a.total_cmp(b),
            (Key::Id(_), Key::Size(_)) => std::cmp::Ordering::Less,
            (Key::Size(_), Key::Id(_)) => std::cmp::Ordering::Greater,
        }
    }
}

/// Builds the curves, with notes about what was dropped; curves keep input order of first row.
fn build_curves(rows: &[&Run], warnings: &mut Vec<String>) -> Vec<Curve> {
    let mut keyed: Vec<(Key, usize, &Run)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let key = match &r.run_id {
                Some(id) => Key::Id(id.clone()),
                None => Key::Size(r.n),
            };
            (key, i, *r)
        })
        .collect();
    let without_id = keyed.iter().filter(|(k, _, _)| matches!(k, Key::Size(_))).count();
    if without_id > 0 && without_id < keyed.len() {
        warnings.push(format!(
            "{without_id} row{} without a run id grouped into curves by model size",
            if without_id == 1 { "" } else { "s" }
        ));
    }
    crate::core::order::sort_by(&mut keyed, |a, b| a.0.cmp_total(&b.0).then(a.1.cmp(&b.1)));

    let mut curves = Vec::new();
    let mut single = 0usize;
    let mut mixed_n = Vec::new();
    for chunk in keyed.chunk_by(|a, b| a.0 == b.0) {
        let (Some((key, _, first)), Some(first_idx)) =
            (chunk.first(), chunk.iter().map(|k| k.1).min())
        else {
            continue;
        };
        let n = first.n;
        let name = match key {
            Key::Id(id) => id.clone(),
            Key::Size(n) => format!("N={}", format_count(*n, 3)),
        };
        if chunk.iter().any(|k| (k.2.n - n).abs() > 1e-9 * n) {
            mixed_n.push(name.clone());
        }
        // Sort by C and average the losses of rows at the same C.
        let mut pts: Vec<(f64, f64)> = chunk.iter().map(|k| (k.2.c.ln(), k.2.loss)).collect();
        crate::core::order::sort_by_f64(&mut pts, |p| p.0);
        let mut ln_c: Vec<f64> = Vec::new();
        let mut loss: Vec<f64> = Vec::new();
        let mut count = 0.0;
        for (x, y) in pts {
            match (ln_c.last(), loss.last_mut()) {
                (Some(&lx), Some(ly)) if lx == x => {
                    count += 1.0;
                    *ly += (y - *ly) / count;
                }
                _ => {
                    ln_c.push(x);
                    loss.push(y);
                    count = 1.0;
                }
            }
        }
        if ln_c.len() < 2 {
            single += 1;
            continue;
        }
        curves.push((first_idx, Curve { name, n, ln_c, loss }));
    }
    if single > 0 {
        warnings.push(format!(
            "{single} run{} with a single compute value left out (a curve needs 2 or more points)",
            if single == 1 { "" } else { "s" }
        ));
    }
    if !mixed_n.is_empty() {
        warnings.push(format!(
            "run{} {} list{} more than one N; the first row's N is used",
            if mixed_n.len() == 1 { "" } else { "s" },
            mixed_n.join(", "),
            if mixed_n.len() == 1 { "s" } else { "" }
        ));
    }
    crate::core::order::sort_by(&mut curves, |a, b| a.0.cmp(&b.0));
    curves.into_iter().map(|c| c.1).collect()
}

/// The envelope of training curves: rows are points (N, C, loss) of training runs, grouped into
/// curves by `run_id` (by N when no row has one); within a curve loss is interpolated linearly in
/// ln C, never extrapolated. At each of `opts.points` log-spaced FLOP values from the smallest to
/// the largest C, the curve with the lowest loss gives an [`EnvelopePoint`]; N_opt ∝ C^a and
/// D_opt ∝ C^b are fitted to those points.
///
/// Rows with a non-positive or non-finite N or C, or a non-finite loss, are left out with a
/// warning.
///
/// # Errors
/// [`EnvelopeError::NoRuns`] without usable rows, [`EnvelopeError::TooFewCurves`] with fewer
/// than 2 curves of 2 or more points, [`EnvelopeError::TooFewPoints`] when fewer than 3 grid
/// values are on the envelope.
pub fn fit_envelope(rows: &[Run], opts: &EnvelopeOptions) -> Result<EnvelopeFit, EnvelopeError> {
    let valid: Vec<&Run> = rows.iter().filter(|r| usable_row(r)).collect();
    if valid.is_empty() {
        return Err(EnvelopeError::NoRuns);
    }
    let mut warnings = Vec::new();
    let skipped = rows.len() - valid.len();
    if skipped > 0 {
        warnings.push(format!(
            "{skipped} row{} with a non-positive or non-finite N, C or loss left out",
            if skipped == 1 { "" } else { "s" }
        ));
    }
    let curves = build_curves(&valid, &mut warnings);
    if curves.len() < 2 {
        return Err(EnvelopeError::TooFewCurves { curves: curves.len() });
    }
    let lo = curves.iter().filter_map(|c| c.ln_c.first()).fold(f64::INFINITY, |a, &b| a.min(b));
    let hi = curves.iter().filter_map(|c| c.ln_c.last()).fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let count = opts.points.min(MAX_POINTS);
    let grid: Vec<f64> = (0..count)
        .map(|i| match i {
            0 => lo,
            _ if i + 1 == count => hi,
            _ => lo + (hi - lo) * i as f64 / (count - 1) as f64,
        })
        .collect();

    let mut points = Vec::new();
    let mut winners: Vec<usize> = Vec::new();
    for x in grid {
        let best = curves
            .iter()
            .enumerate()
            .filter_map(|(k, c)| c.loss_at(x).map(|l| (k, l)))
            .fold(None::<(usize, f64)>, |acc, (k, l)| match acc {
                Some((_, bl)) if bl <= l => acc,
                _ => Some((k, l)),
            });
        let Some((k, loss)) = best else { continue };
        let Some(curve) = curves.get(k) else { continue };
        let compute = x.exp();
        let d = compute / (6.0 * curve.n);
        if !(compute.is_finite() && compute > 0.0 && d.is_finite() && d > 0.0) {
            continue;
        }
        winners.push(k);
        points.push(EnvelopePoint { compute, loss, n: curve.n, d, run: curve.name.clone() });
    }
    if points.len() < 3 {
        return Err(EnvelopeError::TooFewPoints { points: points.len() });
    }

    let mut used = winners.clone();
    used.sort_unstable();
    used.dedup();
    let mut sizes: Vec<f64> = points.iter().map(|p| p.n).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let sole = if used.len() == 1 { used.first().and_then(|&k| curves.get(k)) } else { None };
    if let Some(curve) = sole {
        warnings.push(format!(
            "run {} has the lowest loss at every FLOP value, so the envelope says nothing about \
             the best size; add curves of other sizes that overlap it in compute",
            curve.name
        ));
    } else if sizes.len() < 3 {
        warnings.push(format!(
            "the envelope touches only {} model size{}; the exponents rest on {}",
            sizes.len(),
            if sizes.len() == 1 { "" } else { "s" },
            if sizes.len() == 1 { "it" } else { "those" }
        ));
    }

    let cs: Vec<f64> = points.iter().map(|p| p.compute).collect();
    let ns: Vec<f64> = points.iter().map(|p| p.n).collect();
    let ds: Vec<f64> = points.iter().map(|p| p.d).collect();
    let n_law = fit_power_law(&cs, &ns);
    let d_law = fit_power_law(&cs, &ds);
    if n_law.is_none() || d_law.is_none() {
        warnings.push(
            "the power laws N_opt ∝ C^a and D_opt ∝ C^b could not be fitted to the envelope"
                .to_string(),
        );
    }
    Ok(EnvelopeFit { points, n_law, d_law, runs: curves.len(), warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: f64 = 1.69;
    const A: f64 = 406.4;
    const B: f64 = 410.7;
    const ALPHA: f64 = 0.34;
    const BETA: f64 = 0.28;
    const A_TRUE: f64 = BETA / (ALPHA + BETA);

    fn law(n: f64, d: f64) -> f64 {
        E + A / n.powf(ALPHA) + B / d.powf(BETA)
    }

    fn row(id: Option<&str>, n: f64, d: f64, loss: f64) -> Run {
        Run { n, d, c: 6.0 * n * d, loss, run_id: id.map(str::to_string), line: 0, weight: 1.0, group: None }
    }

    /// A training curve of `points` rows, D log-spaced from 1e8 to 1e11.
    fn curve(id: Option<&str>, n: f64, points: usize) -> Vec<Run> {
        (0..points)
            .map(|i| {
                let d = 1e8 * 10f64.powf(3.0 * i as f64 / (points - 1) as f64);
                row(id, n, d, law(n, d))
            })
            .collect()
    }

    const SIZES: [f64; 5] = [1e7, 3e7, 1e8, 3e8, 1e9];

    fn curves(with_ids: bool) -> Vec<Run> {
        let names = ["a", "b", "c", "d", "e"];
        SIZES.iter().zip(names).flat_map(|(&n, id)| curve(with_ids.then_some(id), n, 30)).collect()
    }

    #[test]
    fn recovers_chinchilla_exponent() {
        let fit = fit_envelope(&curves(true), &EnvelopeOptions::default()).unwrap();
        assert_eq!(fit.runs, 5);
        assert_eq!(fit.points.len(), 40);
        let a = fit.n_law.unwrap().exponent;
        assert!((a - A_TRUE).abs() < 0.05, "a = {a}");
        let b = fit.d_law.unwrap().exponent;
        assert!((a + b - 1.0).abs() < 1e-9, "b = {b}");
        let first = fit.points.first().unwrap();
        let last = fit.points.last().unwrap();
        assert!((first.compute / 6e15 - 1.0).abs() < 1e-12);
        assert!((last.compute / 6e20 - 1.0).abs() < 1e-12);
        assert_eq!(first.run, "a");
        assert_eq!(last.run, "e");
        for p in &fit.points {
            assert!((p.d - p.compute / (6.0 * p.n)).abs() <= 1e-12 * p.d);
            // The envelope is the minimum over the curves covering this compute.
            for &n in &SIZES {
                let d = p.compute / (6.0 * n);
                if (1e8..=1e11).contains(&d) {
                    // Linear interpolation of a convex curve overshoots a little.
                    assert!(p.loss <= law(n, d) + 5e-3, "{p:?}");
                }
            }
        }
        assert!(fit.points.windows(2).all(|w| w[0].compute < w[1].compute));
        assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
    }

    #[test]
    fn without_run_ids_curves_are_grouped_by_size() {
        let fit = fit_envelope(&curves(false), &EnvelopeOptions::default()).unwrap();
        assert_eq!(fit.runs, 5);
        assert_eq!(fit.points.first().unwrap().run, "N=10M");
        assert_eq!(fit.points.last().unwrap().run, "N=1B");
        let with_ids = fit_envelope(&curves(true), &EnvelopeOptions::default()).unwrap();
        assert_eq!(fit.n_law, with_ids.n_law);
    }

    #[test]
    fn interpolation_is_linear_in_ln_c_and_never_extrapolates() {
        let c = Curve {
            name: "x".into(),
            n: 1.0,
            ln_c: vec![1.0, 2.0, 4.0],
            loss: vec![3.0, 2.0, 1.0],
        };
        assert_eq!(c.loss_at(1.0), Some(3.0));
        assert_eq!(c.loss_at(1.5), Some(2.5));
        assert_eq!(c.loss_at(2.0), Some(2.0));
        assert_eq!(c.loss_at(3.0), Some(1.5));
        assert_eq!(c.loss_at(4.0), Some(1.0));
        assert_eq!(c.loss_at(0.999), None);
        assert_eq!(c.loss_at(4.001), None);
        assert_eq!(c.loss_at(f64::NAN), None);
    }

    #[test]
    fn too_few_curves() {
        let opts = EnvelopeOptions::default();
        assert_eq!(fit_envelope(&[], &opts), Err(EnvelopeError::NoRuns));
        let one = curve(Some("a"), 1e8, 10);
        assert_eq!(fit_envelope(&one, &opts), Err(EnvelopeError::TooFewCurves { curves: 1 }));
        // Final losses only: every run a single point.
        let finals: Vec<Run> = SIZES.iter().map(|&n| row(None, n, 1e10, law(n, 1e10))).collect();
        let e = fit_envelope(&finals, &opts).unwrap_err();
        assert_eq!(e, EnvelopeError::TooFewCurves { curves: 0 });
        assert!(e.to_string().contains("at least 2 runs"));
        // Identical points.
        let same = vec![row(Some("a"), 1e8, 1e9, 3.0); 4];
        assert_eq!(fit_envelope(&same, &opts), Err(EnvelopeError::TooFewCurves { curves: 0 }));
        let bad = [row(None, f64::NAN, 1e9, 2.0), row(None, 1e8, 1e9, f64::NAN)];
        assert_eq!(fit_envelope(&bad, &opts), Err(EnvelopeError::NoRuns));
    }

    #[test]
    fn too_few_points() {
        let rows = curves(true);
        for points in [0, 1, 2] {
            assert_eq!(
                fit_envelope(&rows, &EnvelopeOptions { points }),
                Err(EnvelopeError::TooFewPoints { points })
            );
        }
        assert!(EnvelopeError::TooFewPoints { points: 2 }.to_string().contains("found 2"));
        let fit = fit_envelope(&rows, &EnvelopeOptions { points: 3 }).unwrap();
        assert_eq!(fit.points.len(), 3);
        let fit = fit_envelope(&rows, &EnvelopeOptions { points: usize::MAX }).unwrap();
        assert_eq!(fit.points.len(), MAX_POINTS);
    }

    #[test]
    fn gaps_between_curves_are_skipped() {
        let mut rows = curve(Some("small"), 1e7, 5);
        // A second curve at far larger compute, not overlapping the first.
        rows.extend((0..5).map(|i| row(Some("big"), 1e10, 1e12 * (1.0 + i as f64), 2.0)));
        let fit = fit_envelope(&rows, &EnvelopeOptions { points: 50 }).unwrap();
        assert!(fit.points.len() < 50);
        assert!(fit.points.iter().any(|p| p.run == "small"));
        assert!(fit.points.iter().any(|p| p.run == "big"));
        assert!(fit
            .warnings
            .iter()
            .any(|w| w.contains("only 2 model sizes; the exponents rest on those")));
    }

    #[test]
    fn one_dominant_curve_is_flagged() {
        // Two curves over the same compute; "low" is lower everywhere.
        let low: Vec<Run> =
            (0..5).map(|i| row(Some("low"), 1e8, 1e9 * (1.0 + i as f64), 2.0)).collect();
        let high: Vec<Run> =
            (0..5).map(|i| row(Some("high"), 2e8, 0.5e9 * (1.0 + i as f64), 3.0)).collect();
        let rows: Vec<Run> = low.into_iter().chain(high).collect();
        let fit = fit_envelope(&rows, &EnvelopeOptions::default()).unwrap();
        assert!(fit.points.iter().all(|p| p.run == "low"));
        assert_eq!(fit.warnings.len(), 1, "{:?}", fit.warnings);
        assert!(fit.warnings[0].starts_with("run low has the lowest loss at every FLOP value"));
        assert!(fit.n_law.unwrap().exponent.abs() < 1e-12);
    }

    #[test]
    fn messy_rows_are_reported() {
        let mut rows = curves(true);
        rows.push(row(Some("z"), 1e8, 1e9, 2.0)); // a single point
        rows.push(row(None, 3e7, 1e9, law(3e7, 1e9))); // no id, among rows with ids
        rows.push(row(None, 3e7, 2e9, law(3e7, 2e9)));
        rows.push(row(Some("a"), 2e7, 1e10, law(1e7, 1e10 * 2.0))); // N differs within run a
        rows.push(row(Some("b"), f64::INFINITY, 1e9, 2.0));
        let fit = fit_envelope(&rows, &EnvelopeOptions::default()).unwrap();
        let w = fit.warnings.join(" | ");
        assert!(w.contains("1 row with a non-positive"), "{w}");
        assert!(w.contains("2 rows without a run id"), "{w}");
        assert!(w.contains("1 run with a single compute value"), "{w}");
        assert!(w.contains("run a lists more than one N"), "{w}");
        assert_eq!(fit.runs, 6);
        let a = fit.n_law.unwrap().exponent;
        assert!((a - A_TRUE).abs() < 0.1, "a = {a}");
    }

    #[test]
    fn duplicate_compute_values_are_averaged() {
        let mut rows = curve(Some("a"), 1e7, 10);
        rows.extend(curve(Some("b"), 1e9, 10));
        let dup = rows[3].clone();
        rows.push(Run { loss: dup.loss + 0.2, ..dup });
        let fit = fit_envelope(&rows, &EnvelopeOptions::default()).unwrap();
        assert!(fit.points.iter().all(|p| p.loss.is_finite()));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn law_ok(p: &Option<PowerLaw>) -> bool {
        p.is_none_or(|p| {
            p.coef.is_finite()
                && p.exponent.is_finite()
                && p.r2.is_finite()
                && p.exponent_se.is_none_or(f64::is_finite)
        })
    }

    proptest! {
        #[test]
        fn arbitrary_rows_never_panic(
            rows in prop::collection::vec(
                (-50.0f64..60.0, -50.0f64..120.0, -5.0f64..20.0, prop::option::of(0u8..6)),
                0..60,
            ),
            points in 0usize..80,
        ) {
            let runs: Vec<Run> = rows
                .iter()
                .map(|&(ln_n, ln_c, loss, id)| {
                    let (n, c) = (ln_n.exp(), ln_c.exp());
                    let run_id = id.map(|k| format!("r{k}"));
                    Run { n, d: c / (6.0 * n), c, loss, run_id, line: 1, weight: 1.0, group: None }
                })
                .collect();
            match fit_envelope(&runs, &EnvelopeOptions { points }) {
                Ok(fit) => {
                    prop_assert!(fit.points.len() >= 3);
                    prop_assert!(fit.runs >= 2);
                    prop_assert!(law_ok(&fit.n_law) && law_ok(&fit.d_law), "{fit:?}");
                    for p in &fit.points {
                        let values = [p.compute, p.loss, p.n, p.d];
                        prop_assert!(values.iter().all(|v| v.is_finite()), "{p:?}");
                    }
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }

        #[test]
        fn curve_shaped_rows_never_panic(
            curves in prop::collection::vec(
                (
                    prop::option::of(0u8..4),
                    0.0f64..30.0,
                    prop::collection::vec((0.0f64..40.0, 0.0f64..10.0), 0..12),
                ),
                0..6,
            ),
            points in 0usize..60,
        ) {
            let mut runs = Vec::new();
            for (id, ln_n, pts) in &curves {
                let n = ln_n.exp();
                for &(ln_d, loss) in pts {
                    let d = ln_d.exp();
                    let run_id = id.map(|k| format!("r{k}"));
                    runs.push(Run { n, d, c: 6.0 * n * d, loss, run_id, line: 1, weight: 1.0, group: None });
                }
            }
            if let Ok(fit) = fit_envelope(&runs, &EnvelopeOptions { points }) {
                prop_assert!(law_ok(&fit.n_law) && law_ok(&fit.d_law), "{fit:?}");
                for p in &fit.points {
                    let values = [p.compute, p.loss, p.n, p.d];
                    prop_assert!(values.iter().all(|v| v.is_finite()), "{p:?}");
                }
            }
        }
    }
}
