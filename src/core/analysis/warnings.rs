//! Warnings a careful researcher would want about a fit: too few runs, N and D moving together,
//! parameters at the edge of plausibility, rival optima, far extrapolation, failed resamples.

use super::plan::TaskFit;
use super::report::BudgetAnswer;
use super::request::Prepared;
use crate::core::fit::multistart::Optimum;
use crate::core::laws::RunLaw;
use crate::core::units::{format_sci, format_sig};

/// What the warnings look at.
pub struct Context<'a> {
    /// The prepared request.
    pub prep: &'a Prepared,
    /// The main law's fit on all runs.
    pub main: Option<&'a TaskFit>,
    /// The answer at the Budget panel's compute.
    pub budget: Option<&'a BudgetAnswer>,
    /// Bootstrap resamples run and failed.
    pub resamples: usize,
    /// Resamples that failed.
    pub failed_resamples: usize,
}

/// Rival optima within this relative objective of the best are "nearly equal".
const NEARLY_EQUAL: f64 = 0.01;

fn correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    if x.len() < 3 {
        return None;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then_some(r)
}

/// Every warning that applies, most important first.
pub fn collect(ctx: &Context<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let law = &*ctx.prep.law;
    let runs = &ctx.prep.runs;
    let k = ctx.prep.fitting(ctx.prep.law, std::iter::empty()).free(law.dim());
    if runs.len() < 3 * k {
        out.push(format!(
            "Only {} runs for a {k}-parameter law: expect wide intervals and an unstable fit; 3 or more runs per parameter ({}) is a sensible minimum.",
            runs.len(),
            3 * k
        ));
    }
    if law.separable() {
        let ln_n: Vec<f64> = runs.iter().map(|r| r.n.ln()).collect();
        let ln_d: Vec<f64> = runs.iter().map(|r| r.d.ln()).collect();
        let ratios = runs.iter().map(|r| r.d / r.n);
        let (lo, hi) = ratios.fold((f64::INFINITY, 0.0f64), |(lo, hi), t| (lo.min(t), hi.max(t)));
        let r = correlation(&ln_n, &ln_d);
        if hi / lo < 1.5 || r.is_some_and(|r| r.abs() > 0.98) {
            out.push(format!(
                "N and D move together (tokens per parameter only spans {}–{}{}): the law cannot tell α from β or A from B. Train several model sizes at the same compute (IsoFLOP profiles).",
                format_sig(lo, 3),
                format_sig(hi, 3),
                r.map_or(String::new(), |r| format!(", correlation of log N and log D {}", format_sig(r, 3)))
            ));
        }
    }
    if let Some(main) = ctx.main {
        out.extend(edge_warnings(law, &main.theta));
        out.extend(rival_optima(law, main));
    }
    if let Some(b) = ctx.budget {
        if b.beyond_data > 10.0 {
            out.push(format!(
                "The budget ({} FLOP) is {}× the largest run's compute: the prediction there rests on the law's form holding that far.",
                format_sci(b.compute, 3),
                format_sig(b.beyond_data, 2)
            ));
        }
    }
    if ctx.resamples > 0 && ctx.failed_resamples * 100 > ctx.resamples {
        out.push(format!(
            "{} of {} bootstrap resamples gave no finite fit and are left out of the intervals.",
            ctx.failed_resamples, ctx.resamples
        ));
    }
    out
}

fn edge_warnings(law: &dyn RunLaw, theta: &[f64]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in law.param_names().iter().zip(law.params(theta)) {
        let exponent = name.starts_with("alpha") || name.starts_with("beta");
        if *name == "E" && value < 0.05 {
            out.push(format!(
                "E has gone to ≈0 (E = {}): the runs do not pin down the irreducible loss, and predictions at large scale will be too optimistic.",
                format_sig(value, 2)
            ));
        } else if exponent && !(0.01..=3.0).contains(&value) {
            out.push(format!(
                "{name} = {} is at the edge of what is plausible (0.01–3): the fit may have run along a flat direction.",
                format_sig(value, 3)
            ));
        } else if !exponent && *name != "E" && !(1e-6..=1e15).contains(&value) {
            out.push(format!("{name} has run off to {}: it is not determined by these runs.", format_sci(value, 2)));
        }
    }
    out
}

fn rival_optima(law: &dyn RunLaw, main: &TaskFit) -> Option<String> {
    let best = main.optima.first()?;
    let rivals: Vec<&Optimum> =
        main.optima.iter().skip(1).filter(|o| o.value <= best.value * (1.0 + NEARLY_EQUAL)).collect();
    if rivals.is_empty() {
        return None;
    }
    let names = law.param_names();
    // Report the parameter whose rivals spread the most, relative to the best value.
    let best_p = law.params(&best.theta);
    let mut widest: Option<(usize, f64, f64, f64)> = None;
    for (i, b) in best_p.iter().enumerate() {
        let values = rivals.iter().map(|o| law.params(&o.theta).get(i).copied().unwrap_or(*b));
        let (lo, hi) = values.fold((*b, *b), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let spread = (hi - lo) / b.abs().max(1e-12);
        if widest.is_none_or(|w| spread > w.1) {
            widest = Some((i, spread, lo, hi));
        }
    }
    let (i, _, lo, hi) = widest?;
    Some(format!(
        "{} other optima of the grid have an objective within {}% of the best but different parameters ({} from {} to {}): the data leave the fit loosely determined.",
        rivals.len(),
        NEARLY_EQUAL * 100.0,
        names.get(i).unwrap_or(&"?"),
        format_sig(lo, 3),
        format_sig(hi, 3)
    ))
}
