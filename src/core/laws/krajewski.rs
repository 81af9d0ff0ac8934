//! Mixture-of-experts scaling with granularity (Krajewski et al. 2024, "Scaling Laws for
//! Fine-Grained Mixture of Experts", arXiv:2402.07871): the loss of a MoE model of N total
//! non-embedding parameters trained on D tokens with granularity G, its training FLOPs with the
//! cost of routing, and the compute-optimal (N, D, G) at a budget beside the dense answer.
//!
//! Everything here was read in the paper's full text (a Markdown conversion of the paper,
//! github.com/middle-chunjie/mywiki, `raw/papers/krajewski-2024-scaling-2402-07871/paper.md`):
//! - §4: "Granularity is defined as G = d_ff / d_expert"; "for granularity G, a token is routed
//!   to G fine-grained experts, thereby keeping the number of active parameters constant";
//!   the expansion rate "E = N_MoE / N_ff".
//! - §5: "a parametric scaling law for predicting the final loss value L based on granularity
//!   G, total number of non-embedding parameters N, and number of training tokens D"; "E = 64
//!   is fixed". Eq. 9: "L(N, D, G) = c + (g/G^γ + a)·1/N^α + b/D^β"; the dense law is eq. 1,
//!   "L(N, D) = c + a/N^α + b/D^β".
//! - Table 1 ("Values of the fitted coefficients"): MoE a 18.1, α 0.115, b 30.8, β 0.147, g 2.1,
//!   γ 0.58, c 0.47; Dense a 16.3, α 0.126, b 26.7, β 0.127, c 0.47. Appendix D, Table 8 (E =
//!   16): a 19.64, α 0.124, b 57.07, β 0.169, g 1.18, γ 0.986, c 0.472. Fitted "with Huber loss
//!   … δ = 0.1 … using the BFGS algorithm"; runs of "129M to 3.7B parameters … from 16B to 130B
//!   tokens", G "between 1 and 16".
//! - §6.1, eq. 10: "F = (12 d_model² c_f + d_model E G c_r) · D · n_blocks"; "we opt to adopt
//!   the assumption that d_model = 64 n_blocks"; "N = d_model² · (8E + 4) · n_blocks".
//!   Appendix E: "we assume c_f to be 6"; "we have assumed the routing constant, c_r, to be 14
//!   … it will be between 6 and 20".
//! - Table 2 (compute-optimal configurations) is what the tests reproduce.
//!
//! The active parameters per token are 12·d_model²·n_blocks (attention 4d², the routed experts
//! 8d² as in the dense block: "the number of active parameters within a transformer block"),
//! so N = N_act·(8E + 4)/12.

use std::fmt;

use crate::core::allocate::{self, Allocation};
use crate::core::fit::bootstrap;
use crate::core::fit::grid::Grid;
use crate::core::fit::model::{self, Model};
use crate::core::fit::multistart;
use crate::core::laws::ChinchillaLaw;
use crate::core::runs;
use crate::core::units::format_sig;

use super::{log_sum_exp3, LawError, LawFitArgs, TableLaw};

/// Eq. 9's coefficients (eq. 1 when g = 0).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GranularLaw {
    /// Model-size coefficient a.
    pub a: f64,
    /// Model-size exponent α.
    pub alpha: f64,
    /// Data coefficient b.
    pub b: f64,
    /// Data exponent β.
    pub beta: f64,
    /// Granularity coefficient g.
    pub g: f64,
    /// Granularity exponent γ.
    pub gamma: f64,
    /// Irreducible loss c.
    pub c: f64,
}

impl GranularLaw {
    /// L(N, D, G) = c + (g/G^γ + a)/N^α + b/D^β (eq. 9).
    pub fn loss(&self, n: f64, d: f64, granularity: f64) -> f64 {
        self.c + (self.g / granularity.powf(self.gamma) + self.a) / n.powf(self.alpha) + self.b / d.powf(self.beta)
    }
}

/// Table 1, MoE (E = 64).
pub const TABLE_1_MOE: GranularLaw = GranularLaw { a: 18.1, alpha: 0.115, b: 30.8, beta: 0.147, g: 2.1, gamma: 0.58, c: 0.47 };
/// Table 8, MoE with E = 16 (Appendix D).
pub const TABLE_8_E16: GranularLaw = GranularLaw { a: 19.64, alpha: 0.124, b: 57.07, beta: 0.169, g: 1.18, gamma: 0.986, c: 0.472 };
/// Table 1, Dense (eq. 1), in the Chinchilla form: L = E + A/N^α + B/D^β with E = c.
pub const TABLE_1_DENSE: ChinchillaLaw = ChinchillaLaw { e: 0.47, a: 16.3, b: 26.7, alpha: 0.126, beta: 0.127 };
/// FLOPs per active parameter and token outside routing (Appendix E).
pub const C_F: f64 = 6.0;
/// FLOPs per routing parameter and token (Appendix E: 14, "between 6 and 20").
pub const C_R: f64 = 14.0;
/// d_model / n_blocks (§6.1).
pub const ASPECT: f64 = 64.0;
/// The granularities the optimum is searched over: powers of two, as in the paper's Tables 2
/// and 9 (1 to 128); 256 beyond them.
pub const GRANULARITIES: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
/// Bytes of training state per parameter: ZeRO's mixed-precision Adam, "16Ψ bytes" (§3.1;
/// see [`crate::core::shape::memory`]).
pub const STATE_BYTES: f64 = 16.0;

/// A published law with the expansion rate it was fitted at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published {
    /// Expansion rate E.
    pub e: f64,
    /// Its coefficients.
    pub law: GranularLaw,
    /// Where they are printed.
    pub table: &'static str,
}

/// The two published MoE fits.
pub const PUBLISHED: [Published; 2] = [
    Published { e: 64.0, law: TABLE_1_MOE, table: "Table 1 (E = 64)" },
    Published { e: 16.0, law: TABLE_8_E16, table: "Table 8 (E = 16)" },
];

/// The citation shown with the law.
pub const CITATION: &str = "Krajewski et al. 2024, Scaling Laws for Fine-Grained Mixture of Experts, arXiv:2402.07871: eq. 9 with Table 1 (E = 64) or Table 8 (E = 16), the dense law eq. 1 with Table 1; FLOPs with routing eq. 10 (c_f = 6, c_r = 14, Appendix E), d_model = 64·n_blocks (§6.1).";

/// A MoE model of the paper's shape family.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MoeShape {
    /// Transformer blocks.
    pub n_blocks: f64,
    /// Width.
    pub d_model: f64,
    /// Active non-embedding parameters per token, 12·d_model²·n_blocks.
    pub n_act: f64,
    /// Total non-embedding parameters, d_model²·(8E + 4)·n_blocks: the law's N.
    pub n_total: f64,
}

/// The shape with `n_act` active parameters at expansion rate `e` (d_model = 64·n_blocks).
pub fn shape(n_act: f64, e: f64) -> MoeShape {
    let n_blocks = (n_act / (12.0 * ASPECT * ASPECT)).cbrt();
    let d_model = ASPECT * n_blocks;
    MoeShape { n_blocks, d_model, n_act, n_total: d_model * d_model * (8.0 * e + 4.0) * n_blocks }
}

/// Training FLOPs per token, eq. 10: (12·d²·c_f + d·E·G·c_r)·n_blocks.
pub fn flops_per_token(s: &MoeShape, e: f64, granularity: f64, c_r: f64) -> f64 {
    (12.0 * s.d_model * s.d_model * C_F + s.d_model * e * granularity * c_r) * s.n_blocks
}

/// A MoE training run at a budget: shape, granularity, tokens, loss.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MoePlan {
    /// Granularity G.
    pub granularity: f64,
    /// The model.
    pub shape: MoeShape,
    /// Training tokens.
    pub d: f64,
    /// Training FLOPs.
    pub flops: f64,
    /// Predicted loss.
    pub loss: f64,
    /// Whether the memory bound held the model below its unconstrained optimum.
    pub memory_bound: bool,
}

/// What a search at a budget needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    /// The law.
    pub law: GranularLaw,
    /// Expansion rate E.
    pub e: f64,
    /// Routing FLOPs constant c_r.
    pub c_r: f64,
    /// The largest total parameter count that fits in memory (∞: no bound).
    pub max_total: f64,
}

/// The run with `n_act` active parameters at granularity `g` that spends `budget` FLOPs.
pub fn plan(s: &Setting, g: f64, n_act: f64, budget: f64) -> MoePlan {
    let shape = shape(n_act, s.e);
    let d = budget / flops_per_token(&shape, s.e, g, s.c_r);
    MoePlan { granularity: g, shape, d, flops: budget, loss: s.law.loss(shape.n_total, d, g), memory_bound: false }
}

/// The loss-minimising active size at granularity `g` and `budget` (golden-section search over
/// ln N_act from 10⁵ to 10¹⁵ or the memory bound; L is unimodal along it: one term falls with
/// N, the other rises as D = F/(FLOPs per token) falls). `None` when no model fits.
pub fn optimum_at(s: &Setting, g: f64, budget: f64) -> Option<MoePlan> {
    let per_total = (8.0 * s.e + 4.0) / 12.0;
    let lo = 1e5f64.ln();
    let cap = (s.max_total / per_total).ln();
    let hi = 1e15f64.ln().min(cap);
    if !(budget.is_finite() && budget > 0.0 && hi > lo) {
        return None;
    }
    let f = |x: f64| plan(s, g, x.exp(), budget).loss;
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let (mut x1, mut x2) = (b - phi * (b - a), a + phi * (b - a));
    let (mut f1, mut f2) = (f(x1), f(x2));
    for _ in 0..120 {
        if f1 <= f2 {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - phi * (b - a);
            f1 = f(x1);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + phi * (b - a);
            f2 = f(x2);
        }
    }
    let x = (a + b) / 2.0;
    let mut best = plan(s, g, x.exp(), budget);
    best.memory_bound = hi < 1e15f64.ln() && hi - x < 1e-3;
    best.loss.is_finite().then_some(best)
}

/// The compute-optimal plan over [`GRANULARITIES`] and the best plan at each.
pub fn optimum(s: &Setting, budget: f64) -> Option<(MoePlan, Vec<MoePlan>)> {
    let all: Vec<MoePlan> = GRANULARITIES.iter().filter_map(|&g| optimum_at(s, g, budget)).collect();
    let best = *all.iter().min_by(|x, y| x.loss.total_cmp(&y.loss))?;
    Some((best, all))
}

/// The dense model's compute-optimal allocation at `budget` (Table 1's dense law, F = 6ND).
pub fn dense_optimum(budget: f64) -> Option<Allocation> {
    allocate::optimum(&TABLE_1_DENSE, budget).ok()
}

/// The compute a dense model needs to reach `loss` (Figure 1(b)'s ratio, divided by the MoE's
/// compute); `None` below the dense law's floor.
pub fn dense_compute_for(loss: f64) -> Option<f64> {
    allocate::min_compute_for_loss(&TABLE_1_DENSE, loss).ok().map(|a| a.compute)
}

// ---------------------------------------------------------------------------------------------
// Fitting eq. 9 to a user's runs.

/// One MoE run: the law's N (total non-embedding parameters), tokens, granularity, loss.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MoeRun {
    /// Total non-embedding parameters.
    pub n: f64,
    /// Training tokens.
    pub d: f64,
    /// Granularity.
    pub g: f64,
    /// Final loss.
    pub loss: f64,
}

/// Eq. 9 over runs, θ = (ln a, α, ln b, β, ln g, γ, ln c).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GranularModel {
    /// The runs.
    pub runs: Vec<MoeRun>,
}

/// Names of θ.
pub const THETA_NAMES: [&str; 7] = ["ln a", "alpha", "ln b", "beta", "ln g", "gamma", "ln c"];

impl GranularModel {
    /// The law for θ.
    pub fn law(theta: &[f64]) -> Option<GranularLaw> {
        let &[la, alpha, lb, beta, lg, gamma, lc] = theta else { return None };
        Some(GranularLaw { a: la.exp(), alpha, b: lb.exp(), beta, g: lg.exp(), gamma, c: lc.exp() })
    }
}

impl Model for GranularModel {
    fn dim(&self) -> usize {
        7
    }
    fn rows(&self) -> usize {
        self.runs.len()
    }
    fn observed_ln(&self, row: usize) -> f64 {
        self.runs.get(row).map_or(f64::NAN, |r| r.loss.ln())
    }
    fn predict_ln(&self, theta: &[f64], row: usize, grad: &mut [f64]) -> f64 {
        let (Some(r), &[la, alpha, lb, beta, lg, gamma, lc]) = (self.runs.get(row), theta) else {
            return f64::NAN;
        };
        let (ln_n, ln_d, ln_g) = (r.n.ln(), r.d.ln(), r.g.ln());
        // The model term's coefficient g·G^−γ + a, as ln(e^u + e^v).
        let (u, v) = (lg - gamma * ln_g, la);
        let m = u.max(v);
        let (eu, ev) = ((u - m).exp(), (v - m).exp());
        let ln_coef = m + (eu + ev).ln();
        let (wu, wv) = (eu / (eu + ev), ev / (eu + ev));
        let (ln_l, w) = log_sum_exp3(lc, ln_coef - alpha * ln_n, lb - beta * ln_d);
        let g = [w[1] * wv, -w[1] * ln_n, w[2], -w[2] * ln_d, w[1] * wu, -w[1] * wu * ln_g, w[0]];
        for (out, value) in grad.iter_mut().zip(g) {
            *out = value;
        }
        ln_l
    }
    /// Exponents within (0, 3) and coefficients below e^25: a plausible law, not an escape to
    /// infinity along a flat direction.
    fn accept(&self, theta: &[f64]) -> bool {
        let &[la, alpha, lb, beta, lg, gamma, lc] = theta else { return false };
        [la, lb, lg, lc].iter().all(|v| v.abs() < 25.0) && [alpha, beta].iter().all(|v| *v > 0.0 && *v < 3.0) && gamma.abs() < 5.0
    }
}

/// The starting grid: 2 values per parameter (128 starts) around the published fits.
pub fn grid() -> Grid {
    Grid { axes: vec![vec![2.0, 3.5], vec![0.1, 0.3], vec![2.5, 4.0], vec![0.1, 0.3], vec![-1.0, 1.0], vec![0.3, 1.0], vec![-1.0, 0.5]] }
}

/// Huber δ of the fit, on ln L as for the other laws here (the paper's δ = 0.1 is on its own
/// scale, which it does not state).
pub const DELTA: f64 = 1e-3;
/// The fewest runs: seven parameters.
pub const MIN_RUNS: usize = 8;

/// A fitted law with its goodness and intervals.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GranularFit {
    /// The law.
    pub law: GranularLaw,
    /// Its θ.
    pub theta: Vec<f64>,
    /// Σ Huber_δ at the optimum.
    pub objective: f64,
    /// Runs fitted.
    pub runs: usize,
    /// RMSE of ln L.
    pub rmse_ln: f64,
    /// 95 % bootstrap intervals of (a, α, b, β, g, γ, c), when resampled.
    pub intervals: Option<Vec<(f64, f64)>>,
}

/// The fit read off an optimum and bootstrap samples.
pub fn granular_fit(model: &GranularModel, theta: &[f64], objective: f64, samples: &[Option<Vec<f64>>]) -> Option<GranularFit> {
    let law = GranularModel::law(theta)?;
    let (_, rmse_ln) = model::goodness(model, theta);
    let intervals = bootstrap::param_intervals(samples, 7, &[0, 2, 4, 6]);
    Some(GranularFit { law, theta: theta.to_vec(), objective, runs: model.runs.len(), rmse_ln, intervals })
}

/// What is wrong with a table of MoE runs.
#[derive(Debug, Clone, PartialEq)]
pub enum MoeRunsError {
    /// The table could not be read.
    Table(runs::TableError),
    /// A required column is missing; the headers found.
    Columns(Vec<String>),
    /// Rows that are not usable (each with its row and column).
    BadRows {
        /// The first few problems.
        rows: Vec<runs::RowError>,
        /// How many rows are bad.
        count: usize,
    },
    /// A granularity below 1 (its source line and value).
    Granularity {
        /// 1-based line.
        line: usize,
        /// The value.
        value: f64,
    },
    /// Fewer runs than parameters, or one granularity only.
    TooFew {
        /// Runs given.
        runs: usize,
        /// Distinct granularities.
        granularities: usize,
    },
    /// More runs than the page fits.
    TooMany(usize),
}

/// The most runs the page fits eq. 9 to.
pub const MAX_RUNS: usize = 2_000;

impl fmt::Display for MoeRunsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Table(e) => write!(f, "{e}"),
            Self::Columns(headers) => write!(
                f,
                "MoE runs need columns N (total non-embedding parameters), D (tokens), G (granularity) and loss; the headers are {}",
                runs::list_names(headers)
            ),
            Self::BadRows { rows, count } => f.write_str(&runs::summarize_bad_rows(rows, *count, 3)),
            Self::Granularity { line, value } => write!(f, "row {line}, column \"G\": a granularity of {} is below 1 (G = d_ff/d_expert ≥ 1)", format_sig(*value, 3)),
            Self::TooFew { runs, granularities } => write!(
                f,
                "fitting eq. 9's seven parameters needs at least {MIN_RUNS} runs at 2 or more granularities (got {runs} runs at {granularities})"
            ),
            Self::TooMany(n) => write!(f, "{n} runs: at most {MAX_RUNS} are fitted on the page"),
        }
    }
}

impl std::error::Error for MoeRunsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Table(e) => Some(e),
            _ => None,
        }
    }
}

impl From<MoeRunsError> for LawError {
    fn from(e: MoeRunsError) -> Self {
        match e {
            MoeRunsError::Table(t) => LawError::Table(t),
            MoeRunsError::BadRows { rows, count } => LawError::BadRows { rows, count },
            MoeRunsError::TooFew { runs, .. } => LawError::TooFew { fitting: "eq. 9 (a, α, b, β, g, γ, c) at 2 or more granularities", needed: MIN_RUNS, rows: "runs", got: runs },
            other => LawError::NoFit(match other {
                MoeRunsError::Columns(_) => "MoE runs need columns N (total non-embedding parameters), D (tokens), G (granularity) and loss",
                MoeRunsError::Granularity { .. } => "a granularity below 1 (G = d_ff/d_expert ≥ 1)",
                _ => "too many runs",
            }),
        }
    }
}

/// Reads MoE runs: columns N (or params), D (or tokens), G (or granularity) and loss.
///
/// # Errors
/// An unreadable table, a missing column, bad rows (with row and column), a granularity below
/// 1, too few runs or granularities, too many runs.
pub fn read_runs(text: &str) -> Result<Vec<MoeRun>, MoeRunsError> {
    let aliases: [&[&str]; 4] = [
        &["N", "params", "parameters", "total params", "n_total"],
        &["D", "tokens", "data", "training tokens"],
        &["G", "granularity"],
        &["loss", "val_loss", "eval loss", "validation loss"],
    ];
    let rows = runs::read_ladder(text, aliases, MIN_RUNS, MAX_RUNS).map_err(|e| match e {
        runs::LadderError::Table(e) => MoeRunsError::Table(e),
        runs::LadderError::Columns(h) => MoeRunsError::Columns(h),
        runs::LadderError::BadRows { rows, count } => MoeRunsError::BadRows { rows, count },
        runs::LadderError::BelowOne { line, value } => MoeRunsError::Granularity { line, value },
        runs::LadderError::TooFew { runs, distinct } => MoeRunsError::TooFew { runs, granularities: distinct },
        runs::LadderError::TooMany(n) => MoeRunsError::TooMany(n),
    })?;
    Ok(rows.into_iter().map(|[n, d, g, loss]| MoeRun { n, d, g, loss }).collect())
}

/// Fits eq. 9 to runs from the grid of starts, with `resamples` bootstrap refits.
///
/// # Errors
/// No start giving a plausible fit.
pub fn fit_runs(runs: &[MoeRun], resamples: usize, seed: u64) -> Result<GranularFit, LawError> {
    let model = GranularModel { runs: runs.to_vec() };
    let best = multistart::fit(&model, &grid(), DELTA)
        .ok_or(LawError::NoFit("no starting point gave a plausible fit of eq. 9 (are N, D, G and the losses right?)"))?
        .best;
    let samples = bootstrap::resamples(&model, &best.theta, DELTA, seed, 0, resamples);
    granular_fit(&model, &best.theta, best.value, &samples).ok_or(LawError::NoFit("the fit returned no parameters"))
}

fn law_json(l: &GranularLaw) -> serde_json::Value {
    serde_json::json!({"a": l.a, "alpha": l.alpha, "b": l.b, "beta": l.beta, "g": l.g, "gamma": l.gamma, "c": l.c})
}

/// `scalecalc fit --law krajewski FILE`: eq. 9 fitted to MoE runs, as JSON.
///
/// # Errors
/// What is wrong with the table, and where; no fit.
pub fn fit_cli(text: &str, args: &LawFitArgs) -> Result<serde_json::Value, LawError> {
    let runs = read_runs(text)?;
    let fit = fit_runs(&runs, args.bootstrap.min(1_000), args.seed)?;
    let mut value = serde_json::json!({
        "law": "krajewski",
        "formula": "L = c + (g/G^gamma + a)/N^alpha + b/D^beta",
        "runs": fit.runs,
        "objective": fit.objective,
        "delta": DELTA,
        "params": law_json(&fit.law),
        "rmse_ln": fit.rmse_ln,
        "published": {"E=64": law_json(&TABLE_1_MOE), "E=16": law_json(&TABLE_8_E16)},
        "source": CITATION,
    });
    super::add_intervals(&mut value, &["a", "alpha", "b", "beta", "g", "gamma", "c"], fit.intervals.as_deref(), args.bootstrap.min(1_000));
    Ok(value)
}

/// The law as the registry lists it.
pub struct Krajewski;

/// The registered instance.
pub const KRAJEWSKI: Krajewski = Krajewski;

impl TableLaw for Krajewski {
    fn key(&self) -> &'static str {
        "krajewski"
    }
    fn name(&self) -> &'static str {
        "Fine-grained MoE (Krajewski et al. 2024)"
    }
    fn citation(&self) -> &'static str {
        CITATION
    }
    fn help(&self) -> &'static str {
        "MoE runs with columns N (total non-embedding parameters), D (tokens), G (granularity, d_ff/d_expert) and loss; fits eq. 9, L = c + (g/G^γ + a)/N^α + b/D^β (--bootstrap for intervals)"
    }
    fn tool(&self) -> &'static str {
        "moe"
    }
    fn model(&self, rows: &serde_json::Value) -> Option<Box<dyn Model>> {
        super::read_model::<GranularModel>(rows)
    }
    fn fit_table(&self, text: &str, args: &LawFitArgs) -> Result<serde_json::Value, LawError> {
        fit_cli(text, args)
    }
    #[cfg(test)]
    fn gradient_error(&self) -> f64 {
        let model = GranularModel { runs: tests::runs(&TABLE_1_MOE, 0.0) };
        [vec![2.9, 0.115, 3.43, 0.147, 0.74, 0.58, -0.75], vec![2.0, 0.3, 2.5, 0.1, -1.0, 1.0, 0.5], vec![4.0, 0.05, 5.0, 0.25, 3.0, -0.2, -2.0]]
            .iter()
            .map(|t| model::gradient_error(&model, t))
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Runs laid out like the paper's Table 3 (E = 64: 64×3M … 64×85M active, 16B–130B tokens,
    /// G 1–16), drawn from `law` with a deterministic wiggle of relative size `noise`.
    pub(crate) fn runs(law: &GranularLaw, noise: f64) -> Vec<MoeRun> {
        let mut out = Vec::new();
        let mut wiggle = crate::test_support::Wiggle::new();
        for n_act in [3e6, 7e6, 13e6, 25e6, 49e6, 85e6] {
            for d in [16e9, 33e9, 66e9] {
                for g in [1.0, 2.0, 4.0, 8.0, 16.0] {
                    let u = wiggle.next();
                    let n = shape(n_act, 64.0).n_total;
                    let wiggle = 1.0 + noise * u;
                    out.push(MoeRun { n, d, g, loss: law.loss(n, d, g) * wiggle });
                }
            }
        }
        out
    }

    fn setting(law: GranularLaw, e: f64) -> Setting {
        Setting { law, e, c_r: C_R, max_total: f64::INFINITY }
    }

    /// Table 2: "64 x 1B, 28.94B tokens, G = 16, 1.93e+20 FLOPs, loss 2.491" and its other rows.
    /// FLOPs of eq. 10 for N_act and D as printed agree to 1 %; eq. 9 with Table 1's
    /// three-figure constants gives their losses within 0.03 (a change of 0.0005 in α or β —
    /// the constants' rounding — moves the loss by about 0.01 at these sizes). At each row's
    /// FLOPs the search finds the row's G and tokens inside Table 6's 10th–90th bootstrap band.
    #[test]
    fn table_2_compute_optimal_configurations() {
        // (N_act, D, G, FLOPs, loss, Table 6's D band)
        let rows = [
            (100e6, 4.37e9, 8.0, 2.95e18, 3.133, (2.97e9, 5.98e9)),
            (1e9, 28.94e9, 16.0, 1.93e20, 2.491, (21.17e9, 40.73e9)),
            (3e9, 72.90e9, 16.0, 1.41e21, 2.245, (50.20e9, 105.88e9)),
            (7e9, 137.60e9, 32.0, 6.46e21, 2.076, (101.06e9, 205.40e9)),
            (70e9, 941.07e9, 32.0, 4.16e23, 1.694, (638.49e9, 1.59e12)),
            (300e9, 2.96e12, 64.0, 5.69e24, 1.503, (1.99e12, 5.62e12)),
            (1e12, 7.94e12, 64.0, 4.97e25, 1.367, (5.29e12, 16.87e12)),
        ];
        let s = setting(TABLE_1_MOE, 64.0);
        for (n_act, d, g, flops, loss, band) in rows {
            let sh = shape(n_act, 64.0);
            let f = flops_per_token(&sh, 64.0, g, C_R) * d;
            assert!((f / flops - 1.0).abs() < 0.01, "{n_act:e}: FLOPs {f:e} vs {flops:e}");
            let l = TABLE_1_MOE.loss(sh.n_total, d, g);
            assert!((l - loss).abs() < 0.03, "{n_act:e}: loss {l} vs {loss}");
            let (best, all) = optimum(&s, flops).unwrap();
            assert_eq!(all.len(), GRANULARITIES.len());
            assert!(best.d > band.0 && best.d < band.1, "{n_act:e}: D {:e} outside {band:?}", best.d);
            // The optimal G is the row's, or a neighbour whose loss is within 0.001 of it (the
            // curve over G is flat near its minimum).
            let at_row = all.iter().find(|p| p.granularity == g).unwrap();
            assert!(best.granularity == g || at_row.loss - best.loss < 1e-3, "{n_act:e}: G {} vs {g}", best.granularity);
        }
    }

    /// §1: "a compute-optimal MoE model trained with a budget of 10^20 FLOPs will achieve the
    /// same quality as a dense Transformer trained with a 20× greater computing budget, with the
    /// compute savings rising steadily, exceeding 40× when budget of 10^25 FLOPs is surpassed".
    /// Table 1's constants give 21× at 10^20, rising steadily — but 32× at 10^25, not 40×: at
    /// L ≈ 1.45 the dense law needs e^(0.02/0.063) ≈ 1.4× the compute per 0.02 nats, so the
    /// three-figure rounding of Table 1 (0.02 nats on Table 2's losses, above) is enough to
    /// move that ratio from 32 to 40. The test pins what the printed constants give.
    #[test]
    fn moe_is_worth_twenty_times_the_compute_of_dense_and_more_with_scale() {
        let s = setting(TABLE_1_MOE, 64.0);
        let ratio = |c: f64| dense_compute_for(optimum(&s, c).unwrap().0.loss).unwrap() / c;
        let r20 = ratio(1e20);
        assert!((r20 - 20.0).abs() < 2.0, "{r20}");
        let mut last = r20;
        for c in [1e21, 1e22, 1e23, 1e24, 1e25] {
            let r = ratio(c);
            assert!(r > last, "{c:e}: {r} after {last}");
            last = r;
        }
        assert!(last > 30.0 && last < 34.0, "{last}");
    }

    /// The golden-section optimum against a brute-force scan of N_act; the memory bound caps
    /// the total parameters and is reported.
    #[test]
    fn the_search_matches_brute_force_and_respects_memory() {
        let s = setting(TABLE_1_MOE, 64.0);
        for budget in [1e19, 1e22, 1e25] {
            for g in [1.0, 8.0, 64.0] {
                let p = optimum_at(&s, g, budget).unwrap();
                let brute = (0..4000).map(|i| plan(&s, g, (1e5f64.ln() + i as f64 * (1e15f64 / 1e5).ln() / 4000.0).exp(), budget).loss).fold(f64::INFINITY, f64::min);
                assert!(p.loss <= brute + 1e-9, "{budget:e} G{g}: {} vs {brute}", p.loss);
                assert!((p.flops / budget - 1.0).abs() < 1e-12 && !p.memory_bound);
            }
        }
        let free = optimum(&s, 1e25).unwrap().0;
        let bounded = Setting { max_total: free.shape.n_total / 4.0, ..s };
        let capped = optimum(&bounded, 1e25).unwrap().0;
        assert!(capped.memory_bound && capped.shape.n_total <= free.shape.n_total / 4.0 * (1.0 + 1e-9));
        assert!(capped.loss > free.loss);
        assert!(optimum_at(&Setting { max_total: 1.0, ..s }, 1.0, 1e20).is_none());
    }

    #[test]
    fn the_shape_follows_section_6_1() {
        // 64×3M in Table 3: d_model 256, 4 blocks → 12·256²·4 = 3.1M active.
        let s = shape(12.0 * 256.0 * 256.0 * 4.0, 64.0);
        assert!((s.d_model - 256.0).abs() < 1e-9 && (s.n_blocks - 4.0).abs() < 1e-12);
        assert!((s.n_total / (256.0f64 * 256.0 * 516.0 * 4.0) - 1.0).abs() < 1e-12);
        // Dense-equivalent FLOPs: with no routing, 6 per active parameter and token.
        assert!((flops_per_token(&s, 64.0, 1.0, 0.0) / (6.0 * s.n_act) - 1.0).abs() < 1e-12);
    }

    /// A fit recovers the law its runs were drawn from (exactly, and with 0.5 % noise within
    /// the bootstrap interval), in the registry's gradient check too.
    #[test]
    fn a_fit_recovers_the_law() {
        let fit = fit_runs(&runs(&TABLE_1_MOE, 0.0), 0, 1).unwrap();
        let l = fit.law;
        assert!(fit.rmse_ln < 1e-6, "{fit:?}");
        for (x, y) in [(l.alpha, 0.115), (l.beta, 0.147), (l.gamma, 0.58), (l.c, 0.47), (l.a, 18.1), (l.g, 2.1), (l.b, 30.8)] {
            assert!((x / y - 1.0).abs() < 0.02, "{fit:?}");
        }
        let noisy = fit_runs(&runs(&TABLE_1_MOE, 0.002), 40, 7).unwrap();
        let iv = noisy.intervals.unwrap();
        assert!(iv[5].0 < 0.58 && 0.58 < iv[5].1, "γ interval {:?}", iv[5]);
        assert!(KRAJEWSKI.gradient_error() < 1e-5);
    }

    #[test]
    fn tables_and_their_errors() {
        let mut t = String::from("N,D,G,loss\n");
        for r in runs(&TABLE_1_MOE, 0.0).iter().take(10) {
            t.push_str(&format!("{},{},{},{}\n", r.n, r.d, r.g, r.loss));
        }
        assert_eq!(read_runs(&t).unwrap().len(), 10);
        assert!(matches!(read_runs("N,D,loss\n1,2,3\n"), Err(MoeRunsError::Columns(_))));
        let bad = read_runs("N,D,G,loss\n1e9,2e10,abc,3\n").unwrap_err().to_string();
        assert!(bad.contains("row 2") && bad.contains("\"G\""), "{bad}");
        let low = read_runs("N,D,G,loss\n1e9,2e10,0.5,3\n").unwrap_err().to_string();
        assert_eq!(low, "row 2, column \"G\": a granularity of 0.5 is below 1 (G = d_ff/d_expert ≥ 1)");
        let one_g = "N,D,G,loss\n".to_string() + &(0..9).map(|i| format!("{},2e10,4,3\n", 1e9 + i as f64)).collect::<String>();
        assert!(matches!(read_runs(&one_g), Err(MoeRunsError::TooFew { runs: 9, granularities: 1 })));
    }
}
