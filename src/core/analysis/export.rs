//! A fit for papers and reviewers: the fit as JSON (its data, options and results: the report
//! itself) and a self-contained Python script (numpy + scipy) that recomputes the fit's objective
//! from the runs at the fitted parameters — so a reviewer can check it without scalecalc — and
//! refits from there with scipy.

use std::fmt::Write;

use super::report::FitReport;
use crate::core::laws::run_law;

/// Why a fit has no script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// A joint fit of variants (several laws sharing exponents): not written out yet.
    Joint,
    /// The report names a law this build does not know.
    UnknownLaw(String),
    /// The fit has no finite optimum.
    NoOptimum,
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Joint => f.write_str("a joint fit of variants has no Python script (export its JSON)"),
            ExportError::UnknownLaw(key) => write!(f, "no law \"{key}\" to write a script for"),
            ExportError::NoOptimum => f.write_str("the fit found no finite optimum"),
        }
    }
}

impl std::error::Error for ExportError {}

/// The fit as JSON: the report (runs with their weights and residuals, options, parameters,
/// intervals, validation, comparison), with what produced it.
pub fn fit_json(report: &FitReport) -> serde_json::Value {
    serde_json::json!({
        "scalecalc": env!("CARGO_PKG_VERSION"),
        "fit": report,
    })
}

/// A Python list literal of `values`, full precision (Rust's shortest round-trip form).
fn list(values: impl Iterator<Item = f64>) -> String {
    let mut out = String::from("[");
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push_str(if i % 6 == 0 { ",\n    " } else { ", " });
        }
        let _ = write!(out, "{v:?}");
    }
    out.push(']');
    out
}

fn py_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The Python script that recomputes `report`'s objective and refits it (numpy + scipy; run it
/// with `python3 fit.py`; it exits non-zero when the objective differs by more than 1e-8).
///
/// # Errors
/// A joint fit, an unknown law, or no optimum.
pub fn python_script(report: &FitReport) -> Result<String, ExportError> {
    if report.joint.is_some() {
        return Err(ExportError::Joint);
    }
    let law = run_law(&report.law).ok_or_else(|| ExportError::UnknownLaw(report.law.clone()))?;
    if !report.objective.is_finite() || report.params.values().any(|v| !v.is_finite()) {
        return Err(ExportError::NoOptimum);
    }
    let runs = &report.residuals;
    let params: Vec<String> = law
        .param_names()
        .iter()
        .map(|name| format!("{}: {:?}", py_str(name), report.params.get(*name).copied().unwrap_or(f64::NAN)))
        .collect();
    let fixed: Vec<String> = report.held.iter().filter(|(_, how)| *how == "fixed").map(|(name, _)| py_str(name)).collect();
    let tied: Vec<String> = report
        .held
        .iter()
        .filter_map(|(name, how)| how.strip_prefix("tied to ").map(|to| format!("{}: {}", py_str(name), py_str(to))))
        .collect();
    let body: String = law.numpy().lines().map(|l| format!("    {l}\n")).collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"#!/usr/bin/env python3
"""Reproduces scalecalc's fit of {label} to {n} runs.

Written by scalecalc {version}. It recomputes the fit's objective, the sum over runs of
w * Huber_delta(ln L_predicted - ln L) (over-predictions times ASYMMETRY), at the fitted
parameters, then refits with scipy's L-BFGS-B from them. Needs numpy and scipy:
    python3 -m pip install numpy scipy && python3 scalecalc-fit.py
Held-out runs are in the objective as in scalecalc's full fit; excluded and dropped runs are not.
"""
import sys

import numpy as np
from scipy.optimize import minimize

# The runs in the fit: parameters N, tokens D, compute C (FLOP), final loss, weight.
N = np.array({n_list})
D = np.array({d_list})
C = np.array({c_list})
LOSS = np.array({loss_list})
W = np.array({w_list})

DELTA = {delta:?}  # Huber delta on log-loss residuals
ASYMMETRY = {asymmetry:?}  # over-predictions (ln L_predicted > ln L) cost this many times more
PARAMS = {{{params}}}  # scalecalc's optimum
FIXED = [{fixed}]  # held at their values in the fit
TIED = {{{tied}}}  # equal to another parameter in the fit
OBJECTIVE = {objective:?}  # scalecalc's objective at PARAMS


def predict(p, N, D, C):
    """{formula}"""
{body}

def objective(p):
    r = np.log(predict(p, N, D, C)) - np.log(LOSS)
    a = np.abs(r)
    h = np.where(a <= DELTA, 0.5 * r * r, DELTA * (a - 0.5 * DELTA))
    h = np.where(r > 0, ASYMMETRY * h, h)
    return float(np.sum(W * h))


ours = objective(PARAMS)
gap = abs(ours - OBJECTIVE) / max(abs(OBJECTIVE), 1e-300)
print(f"objective at scalecalc's parameters: {{ours:.15g}} (scalecalc: {{OBJECTIVE:.15g}}; relative difference {{gap:.1e}})")

free = [k for k in PARAMS if k not in FIXED and k not in TIED]


def unpack(x):
    p = dict(PARAMS)
    p.update(zip(free, x))
    for name, to in TIED.items():
        p[name] = p[to]
    return p


with np.errstate(all="ignore"):
    refit = minimize(lambda x: objective(unpack(x)), [PARAMS[k] for k in free], method="L-BFGS-B")
print(f"scipy's L-BFGS-B refit from them: objective {{refit.fun:.15g}}")
for name, value in unpack(refit.x).items():
    print(f"  {{name}} = {{value:.8g}} (scalecalc: {{PARAMS[name]:.8g}})")
sys.exit(0 if gap < 1e-8 else 1)
"#,
        label = report.label,
        n = runs.len(),
        version = env!("CARGO_PKG_VERSION"),
        n_list = list(runs.iter().map(|r| r.n)),
        d_list = list(runs.iter().map(|r| r.d)),
        c_list = list(runs.iter().map(|r| r.c)),
        loss_list = list(runs.iter().map(|r| r.loss)),
        w_list = list(runs.iter().map(|r| r.weight)),
        delta = report.delta,
        asymmetry = report.asymmetry,
        params = params.join(", "),
        fixed = fixed.join(", "),
        tied = tied.join(", "),
        objective = report.objective,
        formula = law.formula(),
        body = body,
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::plan::run_all;
    use crate::core::analysis::request::FitRequest;
    use crate::core::fit::constraints::asymmetric_huber;

    fn fit(req: &FitRequest) -> FitReport {
        run_all(req, &mut |_| {}).expect("a fit")
    }

    /// What the script computes, in Rust: Σ w·Huber over every run in `residuals` at the report's
    /// parameters, through the law's own prediction.
    fn objective_from_report(report: &FitReport) -> f64 {
        let law = run_law(&report.law).unwrap();
        let params: Vec<f64> = law.param_names().iter().map(|n| report.params[*n]).collect();
        let theta = law.theta(&params);
        let mut grad = vec![0.0; theta.len()];
        report
            .residuals
            .iter()
            .map(|r| {
                let x = crate::core::fit::points::Point { ln_n: r.n.ln(), ln_d: r.d.ln(), ln_c: r.c.ln(), ln_loss: r.loss.ln() };
                let res = law.predict_ln(&theta, &x, &mut grad) - r.loss.ln();
                r.weight * asymmetric_huber(res, report.delta, report.asymmetry).0
            })
            .sum()
    }

    #[test]
    fn the_report_holds_what_the_objective_is_made_of() {
        let base = FitRequest { data: crate::test_support::epoch_csv().into(), drop_top: 5, bootstrap: 0, compare: false, ..FitRequest::default() };
        for req in [base.clone(), FitRequest { asymmetry: 3.0, holdout: Some(0), ..base.clone() }] {
            let report = fit(&req);
            let again = objective_from_report(&report);
            assert!((again / report.objective - 1.0).abs() < 1e-10, "{again} vs {}", report.objective);
            let script = python_script(&report).unwrap();
            assert!(script.contains(&format!("OBJECTIVE = {:?}", report.objective)));
            assert!(script.contains("def predict(p, N, D, C):\n    \"\"\"L = E + A/N^α + B/D^β\"\"\"\n    return p[\"E\"]"), "{}", &script[..800.min(script.len())]);
            assert_eq!(script.matches("# The runs in the fit").count(), 1);
        }
    }
}
