//! Laws of loss: one file per law, each registered by one line in [`RUN_LAWS`] or [`TABLE_LAWS`].
//!
//! A law of N and D that a user fits to runs implements [`RunLaw`]: its formula, parameters and
//! their names, prediction of ln L with the analytic gradient (and optionally a faster objective
//! kernel), starting grid, labels, link precision and citation. Everything else — the Fit panel's
//! list, the comparison table, links, the command line's `--law`, the registry tests — reads the
//! registry. Laws fitted to tables of their own (loss curves, repeated-data runs) implement
//! [`TableLaw`] and are fitted by the same machinery ([`crate::core::fit`]) through their own
//! [`Model`]. The planning laws (over-training, inference, hyperparameters, parameter counts)
//! live here too, as plain functions.

pub mod bhagia;
pub mod cbs;
pub mod gadre;
pub mod hyper;
pub mod kumar;
pub mod overfit;
pub mod pearce_song;
pub mod sardana;
pub mod sparse;

use std::fmt;
use std::sync::Arc;

pub use crate::core::loss::{LossLaw, ParamConvention};
pub use chinchilla::ChinchillaLaw;
pub use kaplan::KaplanLaw;

use crate::core::fit::profile::Projection;
use crate::core::fit::grid::Grid;
use crate::core::fit::lbfgs::MAX_DIM;
use crate::core::fit::constraints::{asymmetric_huber, Fitting};
use crate::core::fit::model::Model;
use crate::core::fit::points::{Dataset, Point};

/// Declares each law's module and lists its registered instances, in order.
macro_rules! registry {
    ($(#[$doc:meta])* $name:ident: $trait:ident { $($module:ident => [$($law:ident),+ $(,)?]),* $(,)? }) => {
        $(pub mod $module;)*
        $(#[$doc])*
        pub static $name: &[&dyn $trait] = &[$($(&$module::$law),+),*];
    };
}

registry! {
    /// Every law of N and D a user can fit, in the order the page lists them. One line per law
    /// file: its module and the instances it registers.
    RUN_LAWS: RunLaw {
        chinchilla => [CHINCHILLA],
        kaplan => [KAPLAN],
        farseer => [FARSEER],
        power => [C_E, C, N_E, N, D_E, D],
        chinchilla_no_e => [CHINCHILLA_NO_E],
    }
}

registry! {
    /// Every law fitted to a table of its own. One line per law file.
    TABLE_LAWS: TableLaw {
        tissue => [TISSUE],
        multipower => [MULTI_POWER],
        muennighoff => [MUENNIGHOFF],
        krajewski => [KRAJEWSKI],
        ludziejewski => [LUDZIEJEWSKI],
        abnar => [ABNAR],
    }
}

/// The law of N and D called `key` (as the command line and links write it; case and spaces
/// around it do not matter).
pub fn run_law(key: &str) -> Option<&'static dyn RunLaw> {
    let key = key.trim().to_ascii_lowercase();
    RUN_LAWS.iter().copied().find(|l| l.key() == key)
}

/// The law with a table of its own called `key`.
pub fn table_law(key: &str) -> Option<&'static dyn TableLaw> {
    let key = key.trim().to_ascii_lowercase();
    TABLE_LAWS.iter().copied().find(|l| l.key() == key)
}

/// A registered law of N and D, as data: compared, printed and (de)serialised by its key.
#[derive(Clone, Copy)]
pub struct LawRef(pub &'static dyn RunLaw);

impl std::ops::Deref for LawRef {
    type Target = dyn RunLaw;
    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl fmt::Debug for LawRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.key())
    }
}

impl PartialEq for LawRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.key() == other.0.key()
    }
}

impl serde::Serialize for LawRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.key())
    }
}

impl<'de> serde::Deserialize<'de> for LawRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        run_law(&key).map(LawRef).ok_or_else(|| serde::de::Error::custom(format!("unknown law \"{key}\"")))
    }
}

/// Why a set of parameters makes no usable law (e.g. in a link).
#[derive(Debug, Clone, PartialEq)]
pub enum Implausible {
    /// A parameter that must be positive is not.
    NotPositive,
    /// The law predicts no loss between 0 and 100 nats within its runs' compute.
    NoPlausibleLoss {
        /// The law's name.
        law: &'static str,
    },
}

impl fmt::Display for Implausible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Implausible::NotPositive => f.write_str("every parameter must be greater than 0"),
            Implausible::NoPlausibleLoss { law } => {
                write!(f, "these {law} parameters give no plausible loss (between 0 and 100 nats) within their runs' compute")
            }
        }
    }
}

impl std::error::Error for Implausible {}

/// A law L(N, D) fitted to runs: what the fitter, the Fit panel, links and the command line need
/// to know of it. The optimiser moves θ freely (no bounds): coefficients usually enter through
/// their logarithms, exponents as they are; the published parameters are [`RunLaw::params`] of θ.
pub trait RunLaw: Sync {
    /// The name on the command line, in links and in tables (`chinchilla`, `power-c+e`).
    fn key(&self) -> &'static str;
    /// A short name for tables ("Chinchilla", "Power law in C + E").
    fn name(&self) -> &'static str;
    /// The name of its form in sentences ("Your fit (Kaplan form, …)"); by default [`RunLaw::name`].
    fn form_name(&self) -> &'static str {
        self.name()
    }
    /// The formula with symbolic parameters.
    fn formula(&self) -> &'static str;
    /// The body of a Python function `predict(p, N, D, C)` returning the predicted loss with
    /// numpy (`p` maps `param_names` to values; N, D, C are arrays): the fit's Python script
    /// (`core::analysis::export`) recomputes the objective with it.
    fn numpy(&self) -> &'static str;
    /// Name and formula, for the page's list and reports.
    fn label(&self) -> String {
        format!("{}  {}", self.form_name(), self.formula())
    }
    /// Where the form comes from.
    fn citation(&self) -> &'static str;
    /// Names of the optimiser's parameters θ, as grid specifications write them.
    fn theta_names(&self) -> &'static [&'static str];
    /// Number of parameters.
    fn dim(&self) -> usize {
        self.theta_names().len()
    }
    /// Names of the published parameters, in the order [`RunLaw::params`] returns them.
    fn param_names(&self) -> &'static [&'static str];
    /// The published parameters for θ, e.g. (E, A, B, α, β) = (e^e, e^a, e^b, α, β).
    fn params(&self, theta: &[f64]) -> Vec<f64>;
    /// θ for published parameters (the inverse of [`RunLaw::params`]).
    fn theta(&self, params: &[f64]) -> Vec<f64>;
    /// The grid of starting points a fit uses unless the user gives one.
    fn default_grid(&self) -> Grid;
    /// Predicted ln L for θ at one run, writing ∂ln L̂/∂θ into `grad` (length [`RunLaw::dim`];
    /// a shorter buffer gets what fits).
    fn predict_ln(&self, theta: &[f64], x: &Point, grad: &mut [f64]) -> f64;
    /// Σᵢ wᵢ·Huber_δ(ln L̂ᵢ − ln Lᵢ) over the runs with its gradient written into `grad`
    /// (`weights`: one per run). Override it with a faster kernel when there is one.
    fn objective(&self, theta: &[f64], data: &Dataset, delta: f64, weights: &[f64], grad: &mut [f64]) -> f64 {
        // k = 1: the symmetric Huber loss (k·x = x exactly, so the sums are the plain ones).
        robust_objective(self, theta, data, delta, 1.0, weights, grad)
    }
    /// The law for published parameters, when it can drive the Budget panel (a law of both N
    /// and D); `None` for laws of one variable.
    fn law(&self, _params: &[f64]) -> Option<Arc<dyn LossLaw + Send + Sync>> {
        None
    }
    /// The parameters as a Chinchilla-form law, when the law is one (tools that need E, A, B,
    /// α, β use it).
    fn chinchilla(&self, _params: &[f64]) -> Option<ChinchillaLaw> {
        None
    }
    /// The formula with the fitted numbers, for the Budget panel.
    fn formula_with(&self, _params: &[f64]) -> String {
        String::new()
    }
    /// Whether published parameters (read from a link) make a usable law; by default every
    /// parameter must be positive.
    ///
    /// # Errors
    /// Why they do not.
    fn check(&self, params: &[f64], _compute_range: (f64, f64)) -> Result<(), Implausible> {
        if params.iter().all(|v| *v > 0.0) {
            Ok(())
        } else {
            Err(Implausible::NotPositive)
        }
    }
    /// Significant digits of each parameter in a link.
    fn digits(&self) -> usize {
        7
    }
    /// A note added to the citation of a fit of this form.
    fn fit_note(&self) -> Option<&'static str> {
        None
    }
    /// Whether the Fit panel's comparison table includes it.
    fn compared(&self) -> bool {
        false
    }
    /// Whether the law has separate terms in N and in D, whose exponents runs with N and D
    /// moving together cannot tell apart (the fit then warns).
    fn separable(&self) -> bool {
        false
    }
    /// How the law splits into exponents and non-negative coefficients, when its L is a sum of
    /// powers once the exponents are fixed: it is then fitted by searching the profile over the
    /// exponents ([`crate::core::fit::profile`]) unless the user asks for a grid of starts.
    fn projection(&self) -> Option<Projection> {
        None
    }
    /// A typical θ, for the registry's property tests.
    fn sample_theta(&self) -> Vec<f64>;
}

/// Adds a table law's bootstrap intervals to its CLI JSON (`intervals`: each parameter name
/// with its `[lo, hi]`, and the `resamples`), when the fit has them.
pub fn add_intervals(value: &mut serde_json::Value, names: &[&str], intervals: Option<&[(f64, f64)]>, resamples: usize) {
    if let (Some(iv), Some(obj)) = (intervals, value.as_object_mut()) {
        let map: serde_json::Map<String, serde_json::Value> = crate::core::order::map_of(names.iter().zip(iv).map(|(n, (lo, hi))| (n.to_string(), serde_json::json!([lo, hi]))));
        obj.insert("intervals".into(), serde_json::Value::Object(map));
        obj.insert("resamples".into(), serde_json::json!(resamples));
    }
}

/// ln(e^x + e^y + e^z) without overflow, with the weights e^x/Σ, e^y/Σ, e^z/Σ.
pub fn log_sum_exp3(x: f64, y: f64, z: f64) -> (f64, [f64; 3]) {
    let m = x.max(y).max(z);
    let w = [(x - m).exp(), (y - m).exp(), (z - m).exp()];
    let s = w[0] + w[1] + w[2];
    (m + s.ln(), [w[0] / s, w[1] / s, w[2] / s])
}

/// A law of N and D with the runs it is fitted to and the fit's options (run weights, an
/// asymmetric loss, fixed or tied parameters): the [`Model`] the fitting machinery runs. Its
/// parameters are the free ones ([`Fitting::expand`] gives the law's θ).
pub struct RunsModel<'l> {
    law: &'l dyn RunLaw,
    data: Dataset,
    /// The run weights (ones without a weight column).
    weights: Vec<f64>,
    fitting: Fitting,
}

impl<'l> RunsModel<'l> {
    /// The law over these runs, fitted plainly.
    pub fn new(law: &'l dyn RunLaw, points: &[Point]) -> RunsModel<'l> {
        RunsModel::with(law, points, Fitting::default())
    }

    /// The law over these runs with the fit's options.
    pub fn with(law: &'l dyn RunLaw, points: &[Point], fitting: Fitting) -> RunsModel<'l> {
        let weights = (0..points.len()).map(|i| fitting.weight(i, 1.0)).collect();
        RunsModel { law, data: Dataset::new(points), weights, fitting }
    }

    /// The law.
    pub fn law(&self) -> &'l dyn RunLaw {
        self.law
    }

    /// The law's θ for the free parameters.
    pub fn full(&self, theta: &[f64]) -> [f64; MAX_DIM] {
        let mut full = [0.0; MAX_DIM];
        self.fitting.expand(theta, &mut full[..self.law.dim().min(MAX_DIM)]);
        full
    }
}

impl Model for RunsModel<'_> {
    fn dim(&self) -> usize {
        self.fitting.free(self.law.dim())
    }
    fn rows(&self) -> usize {
        self.data.len()
    }
    fn observed_ln(&self, row: usize) -> f64 {
        self.data.ln_loss.get(row).copied().unwrap_or(f64::NAN)
    }
    fn predict_ln(&self, theta: &[f64], row: usize, grad: &mut [f64]) -> f64 {
        let dim = self.law.dim().min(MAX_DIM);
        let full = self.full(theta);
        let mut g = [0.0; MAX_DIM];
        let value = self.law.predict_ln(&full[..dim], &self.data.point(row), &mut g[..dim]);
        self.fitting.reduce_gradient(&g[..dim], grad);
        value
    }
    fn objective(&self, theta: &[f64], delta: f64, counts: Option<&[f64]>, grad: &mut [f64]) -> f64 {
        let dim = self.law.dim().min(MAX_DIM);
        let full = self.full(theta);
        let mut g = [0.0; MAX_DIM];
        // Bootstrap counts times the run weights (the counts alone when there are no weights).
        let combined: Vec<f64>;
        let weights = match counts {
            None => &self.weights[..],
            Some(c) if self.fitting.weights.is_empty() => c,
            Some(c) => {
                combined = c.iter().zip(&self.weights).map(|(c, w)| c * w).collect();
                &combined[..]
            }
        };
        let value = if self.fitting.asymmetry == 1.0 {
            self.law.objective(&full[..dim], &self.data, delta, weights, &mut g[..dim])
        } else {
            robust_objective(self.law, &full[..dim], &self.data, delta, self.fitting.asymmetry, weights, &mut g[..dim])
        };
        self.fitting.reduce_gradient(&g[..dim], grad);
        value
    }
    /// A run law's optimum counts whenever its objective is finite (the report warns about
    /// parameters at the edge of plausibility).
    fn accept(&self, _theta: &[f64]) -> bool {
        true
    }
    /// A resample counts when its published parameters are finite.
    fn finite(&self, theta: &[f64]) -> bool {
        let full = self.full(theta);
        self.law.params(&full[..self.law.dim().min(MAX_DIM)]).iter().all(|v| v.is_finite())
    }
}

/// Σᵢ wᵢ·k^[rᵢ > 0]·Huber_δ(rᵢ), rᵢ = ln L̂ᵢ − ln Lᵢ, with its gradient, run by run: every law's
/// objective without a kernel of its own (k = 1), and the asymmetric one (no kernel has it).
pub(crate) fn robust_objective<L: RunLaw + ?Sized>(law: &L, theta: &[f64], data: &Dataset, delta: f64, k: f64, weights: &[f64], grad: &mut [f64]) -> f64 {
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut local = [0.0; MAX_DIM];
    let local = &mut local[..law.dim().min(MAX_DIM)];
    let mut total = 0.0;
    for (x, &w) in data.points().zip(weights) {
        if w == 0.0 {
            continue;
        }
        let r = law.predict_ln(theta, &x, local) - x.ln_loss;
        let (loss, slope) = asymmetric_huber(r, delta, k);
        total += w * loss;
        for (g, l) in grad.iter_mut().zip(local.iter()) {
            *g += w * slope * l;
        }
    }
    total
}

/// Why a law could not be fitted to a table, or a table read for it: what and where.
#[derive(Debug, Clone, PartialEq)]
pub enum LawError {
    /// The table does not read as a whole.
    Table(crate::core::runs::TableError),
    /// A column the law needs is not there.
    NoColumn {
        /// What the column holds.
        what: &'static str,
        /// How to name it.
        name_it: &'static str,
        /// The columns there are.
        headers: String,
    },
    /// Loss curves that do not read (which input, and what is wrong).
    Curves(crate::core::schedule::CurveError),
    /// An option that does not read (λ).
    Schedule {
        /// The option.
        flag: &'static str,
        /// What is wrong.
        error: crate::core::schedule::ScheduleError,
    },
    /// Bad rows the user has not chosen to skip (`--skip-bad-rows`).
    BadRows {
        /// The first bad rows.
        rows: Vec<crate::core::runs::RowError>,
        /// How many rows are bad.
        count: usize,
    },
    /// The table of curves to predict (`--predict FILE`) does not read.
    Predict(String),
    /// Too few rows for the parameters.
    TooFew {
        /// What is fitted ("R_D* and R_N*").
        fitting: &'static str,
        /// Rows needed.
        needed: usize,
        /// What a row is ("runs").
        rows: &'static str,
        /// Rows given.
        got: usize,
    },
    /// Huber δ that is not positive.
    Delta,
    /// A start that is not positive.
    Start,
    /// No start gave a usable fit; why, in the law's words.
    NoFit(&'static str),
}

impl fmt::Display for LawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LawError::Table(e) => write!(f, "{e}"),
            LawError::NoColumn { what, name_it, headers } => write!(f, "no column for {what} (name it with {name_it}; the columns are: {headers})"),
            LawError::Curves(e) => write!(f, "{e}"),
            LawError::Schedule { flag, error } => write!(f, "{flag}: {error}"),
            LawError::BadRows { rows, count } => write!(
                f,
                "{count} bad row{} (use --skip-bad-rows to fit the others):\n{}",
                if *count == 1 { "" } else { "s" },
                crate::core::runs::summarize_bad_rows(rows, *count, 5)
            ),
            LawError::TooFew { fitting, needed, rows, got } => write!(f, "fitting {fitting} needs at least {needed} {rows} (got {got})"),
            LawError::Delta => f.write_str("--delta must be greater than 0"),
            LawError::Start => f.write_str("a start for R* must be positive"),
            LawError::NoFit(why) => f.write_str(why),
            LawError::Predict(why) => write!(f, "--predict: {why}"),
        }
    }
}

impl std::error::Error for LawError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LawError::Table(e) => Some(e),
            LawError::Schedule { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<crate::core::runs::TableError> for LawError {
    fn from(e: crate::core::runs::TableError) -> Self {
        LawError::Table(e)
    }
}

/// Options of `scalecalc fit --law KEY` for the laws with tables of their own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LawFitArgs {
    /// Column names given on the command line, by option (`step`, `loss`, `lr`, `curve`, `n`,
    /// `d`, `u`, …); absent ones are guessed from the headers.
    pub columns: std::collections::BTreeMap<String, String>,
    /// λ of the annealing momentum (Tissue), when given.
    pub lambda: Option<f64>,
    /// Warmup steps, when given.
    pub warmup: Option<usize>,
    /// Huber δ.
    pub delta: f64,
    /// Bootstrap resamples (0: none).
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Fit the good rows even if some are bad.
    pub skip_bad_rows: bool,
    /// Another table of loss curves (same columns) to predict with the fitted law.
    pub predict: Option<String>,
}

/// A table law's model read back from the rows it wrote with `serde_json` (what
/// [`TableLaw::model`] returns for a law fitted by jobs on the page); `None` if they do not read.
pub fn read_model<M: Model + serde::de::DeserializeOwned + 'static>(rows: &serde_json::Value) -> Option<Box<dyn Model>> {
    serde_json::from_value::<M>(rows.clone()).ok().map(|m| Box::new(m) as Box<dyn Model>)
}

/// A law fitted to a table of its own (loss curves under schedules, runs with repeated data):
/// the command line fits it from a file, a planning tool on the page from a paste.
pub trait TableLaw: Sync {
    /// The name on the command line.
    fn key(&self) -> &'static str;
    /// Its name for people.
    fn name(&self) -> &'static str;
    /// Where it comes from.
    fn citation(&self) -> &'static str;
    /// What `scalecalc fit --help` says of it: the columns it reads and what is fitted.
    fn help(&self) -> &'static str;
    /// The key of the planning tool that fits it on the page.
    fn tool(&self) -> &'static str;
    /// Its model from the rows it wrote with `serde_json` (what a worker fits), when the law is
    /// fitted by jobs on the page; `None` for a model it cannot read.
    fn model(&self, _rows: &serde_json::Value) -> Option<Box<dyn Model>> {
        None
    }
    /// Fits a pasted table and returns what the command line prints as JSON.
    ///
    /// # Errors
    /// What is wrong with the table or the options, and where.
    fn fit_table(&self, text: &str, args: &LawFitArgs) -> Result<serde_json::Value, LawError>;
    /// The largest relative error of the analytic gradient against central differences on a
    /// sample problem, for the registry's property tests.
    #[cfg(test)]
    fn gradient_error(&self) -> f64;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::fit::model::objective_gradient_error;

    /// Forty runs of a Chinchilla-like surface with a little deterministic noise.
    pub(crate) fn points() -> Vec<Point> {
        (0..40)
            .map(|i| {
                let n = 1e7 * 1.3f64.powi(i);
                let d = 2e8 * 1.2f64.powi((i * 7) % 23);
                let loss = 1.8 + 400.0 / n.powf(0.34) + 2000.0 / d.powf(0.37) + 0.01 * ((i as f64) * 1.7).sin();
                Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: (6.0 * n * d).ln(), ln_loss: loss.ln() }
            })
            .collect()
    }

    /// What is wrong with a registered law of N and D: gradients against finite differences
    /// (prediction and objective, with and without weights, near and away from its sample θ),
    /// names that do not match θ, parameters that do not map back to θ.
    pub(crate) fn run_law_problems(law: &dyn RunLaw) -> Vec<String> {
        let mut problems = Vec::new();
        let pts = points();
        let model = RunsModel::new(law, &pts);
        let weights: Vec<f64> = (0..pts.len()).map(|i| (i % 3) as f64).collect();
        let sample = law.sample_theta();
        if sample.len() != law.dim() || law.default_grid().axes.len() != law.dim() {
            problems.push(format!("{}: θ, its names and its grid have different lengths", law.key()));
            return problems;
        }
        if law.params(&sample).len() != law.param_names().len() {
            problems.push(format!("{}: parameters and their names have different lengths", law.key()));
        }
        for k in 0..4 {
            let theta: Vec<f64> = sample.iter().enumerate().map(|(i, t)| t + 0.05 * k as f64 * ((i % 3) as f64 - 1.0)).collect();
            let e = crate::core::fit::model::gradient_error(&model, &theta);
            if !(e < 1e-5) {
                problems.push(format!("{}: ∂ln L̂/∂θ is off by {e:e} at θ = {theta:?}", law.key()));
            }
            for (delta, w) in [(1e-3, None), (0.05, None), (1e-3, Some(weights.as_slice()))] {
                let e = objective_gradient_error(&model, &theta, delta, w);
                if !(e < 1e-5) {
                    problems.push(format!("{}: the objective's gradient is off by {e:e} at θ = {theta:?}", law.key()));
                }
            }
            let back = law.theta(&law.params(&theta));
            if back.iter().zip(&theta).any(|(a, b)| (a - b).abs() > 1e-9 * (1.0 + b.abs())) {
                problems.push(format!("{}: θ → parameters → θ gives {back:?}, not {theta:?}", law.key()));
            }
        }
        problems
    }

    /// Every registered law passes the checks; keys are unique across both registries.
    #[test]
    fn every_registered_law_is_consistent() {
        let mut problems = Vec::new();
        for law in RUN_LAWS {
            problems.extend(run_law_problems(*law));
            if run_law(law.key()).map(|l| l.key()) != Some(law.key()) {
                problems.push(format!("{}: not found by its key", law.key()));
            }
        }
        for law in TABLE_LAWS {
            let e = law.gradient_error();
            if !(e < 1e-5) {
                problems.push(format!("{}: the gradient is off by {e:e}", law.key()));
            }
        }
        let mut keys: Vec<&str> = RUN_LAWS.iter().map(|l| l.key()).chain(TABLE_LAWS.iter().map(|l| l.key())).collect();
        keys.sort_unstable();
        let len = keys.len();
        keys.dedup();
        if keys.len() != len {
            problems.push("two laws share a key".into());
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// A law with a wrong gradient is caught: the checks can fail.
    #[test]
    fn a_wrong_gradient_is_caught() {
        struct Broken;
        impl RunLaw for Broken {
            fn key(&self) -> &'static str {
                "broken"
            }
            fn name(&self) -> &'static str {
                "Broken"
            }
            fn formula(&self) -> &'static str {
                "L = A/N^α"
            }
            fn numpy(&self) -> &'static str {
                "return p[\"A\"] / N ** p[\"alpha\"]"
            }
            fn citation(&self) -> &'static str {
                "none"
            }
            fn theta_names(&self) -> &'static [&'static str] {
                &["a", "alpha"]
            }
            fn param_names(&self) -> &'static [&'static str] {
                &["A", "alpha"]
            }
            fn params(&self, theta: &[f64]) -> Vec<f64> {
                vec![theta[0].exp(), theta[1]]
            }
            fn theta(&self, params: &[f64]) -> Vec<f64> {
                vec![params[0].ln(), params[1]]
            }
            fn default_grid(&self) -> Grid {
                Grid { axes: vec![vec![1.0], vec![0.3]] }
            }
            fn predict_ln(&self, theta: &[f64], x: &Point, grad: &mut [f64]) -> f64 {
                grad[0] = 1.0;
                grad[1] = x.ln_n; // the sign is wrong: ∂/∂α of a − α·ln N is −ln N
                theta[0] - theta[1] * x.ln_n
            }
            fn sample_theta(&self) -> Vec<f64> {
                vec![1.0, 0.3]
            }
        }
        let problems = run_law_problems(&Broken);
        assert!(problems.iter().any(|p| p.contains("∂ln L̂/∂θ is off")), "{problems:?}");
    }
}
