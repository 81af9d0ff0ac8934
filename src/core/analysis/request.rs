//! What the user asked to fit (data text, column choices, options) and its preparation into
//! points: the one place a fit request is validated, for the page, the worker and the CLI.

use std::collections::BTreeMap;
use std::fmt;

use crate::core::fit::constraints::{Fitting, Slot};
use crate::core::fit::grid::{Grid, GridError};
use crate::core::fit::points::Point;
use crate::core::laws::{self, LawRef};
use crate::core::runs::{self, ColumnMap, Role, Run, RowError, TableError};

/// A fit request as the page, a link or the CLI states it. Every field has a default.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FitRequest {
    /// The pasted or dropped table (CSV, TSV or JSON).
    pub data: String,
    /// Header names chosen for N, D, C, loss and run id; empty means "guess from the headers".
    pub columns: ColumnNames,
    /// Fit the good rows even when some rows are bad (otherwise bad rows stop the fit).
    pub skip_bad_rows: bool,
    /// The law whose fit gets the bootstrap and "Use this fit": `chinchilla` or `kaplan`.
    pub law: String,
    /// Also fit the other laws for the comparison table.
    pub compare: bool,
    /// Huber δ on log-loss residuals.
    pub delta: f64,
    /// How the optimum is searched for.
    pub search: Search,
    /// Starting grid for the main law (empty: the default grid).
    pub grid: String,
    /// Drop the k highest-loss runs before fitting (Epoch drop 5).
    pub drop_top: usize,
    /// Source lines (as row errors number them) of runs the user excluded.
    pub exclude: Vec<usize>,
    /// Bootstrap resamples (0 for none).
    pub bootstrap: usize,
    /// Seed of the bootstrap's random numbers.
    pub seed: u64,
    /// Hold out the k largest-compute runs for validation (`None`: about a tenth of the runs).
    pub holdout: Option<usize>,
    /// Runs whose log₁₀ C differ by at most this form one IsoFLOP budget.
    pub iso_tolerance: f64,
    /// The Budget panel's compute, FLOP, for intervals on N*, D*, L*.
    pub budget: Option<f64>,
    /// Runs one might train, (N, D): the report predicts their loss with intervals.
    pub at: Vec<(f64, f64)>,
    /// Rolling-forward validation: fit the main law on the runs below each of a few compute
    /// cuts and predict the rest (only for laws searched by their profile).
    pub rolling: bool,
    /// Over-predictions cost this many times more than under-predictions (1: the symmetric
    /// Huber loss; more tracks the best achievable runs).
    pub asymmetry: f64,
    /// The main law's two exponents are one (α = β).
    pub tie_exponents: bool,
    /// The main law's parameters held at a value, by their published names (`alpha`, `E`).
    pub fix: Vec<(String, f64)>,
    /// The variant the others' effective-compute multipliers are against (empty: the first).
    pub baseline: String,
}

/// Most asymmetry a request may ask for.
pub const MAX_ASYMMETRY: f64 = 1000.0;

/// Why a list of fixed parameters does not read: which entry and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum FixError {
    /// An entry that is not `name=value` (1-based position, its text).
    NotAnAssignment(usize, String),
    /// A value that does not read.
    Number {
        /// The parameter.
        name: String,
        /// The parser's message.
        problem: String,
    },
    /// A name the law has no parameter of.
    Unknown {
        /// The name.
        name: String,
        /// The law.
        law: &'static str,
        /// Its parameters.
        params: String,
    },
    /// A value the parameter cannot take (a coefficient must be positive).
    Value {
        /// The parameter.
        name: String,
        /// The value.
        value: f64,
    },
    /// Two values for one parameter.
    Twice(String),
    /// Both tied exponents fixed.
    TiedBoth(&'static str, &'static str),
    /// Every parameter fixed: nothing left to fit.
    Everything,
    /// Exponents tied in a law without two of them.
    NoExponents(&'static str),
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = crate::core::units::truncate;
        match self {
            FixError::NotAnAssignment(i, text) => write!(f, "entry {i}, \"{}\": write name=value (e.g. alpha=0.34, E=1.69)", t(text)),
            FixError::Number { name, problem } => write!(f, "{}: {problem}", t(name)),
            FixError::Unknown { name, law, params } => write!(f, "the {law} law has no parameter \"{}\": its parameters are {params}", t(name)),
            FixError::Value { name, value } => write!(f, "{name} = {value} is not a value this parameter can take"),
            FixError::Twice(name) => write!(f, "{name} is fixed twice"),
            FixError::TiedBoth(a, b) => write!(f, "{a} and {b} are tied: fix one of them"),
            FixError::Everything => f.write_str("every parameter is fixed or tied: leave at least one free to fit"),
            FixError::NoExponents(law) => write!(f, "the {law} law has no pair of exponents to tie"),
        }
    }
}

impl std::error::Error for FixError {}

/// Reads fixed parameters written `name=value`, separated by commas, `;` or new lines
/// (`alpha=0.34, E=1.69`); names are checked against a law by [`constraints`].
///
/// # Errors
/// The first entry that does not read.
pub fn parse_fix(text: &str) -> Result<Vec<(String, f64)>, FixError> {
    text.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .enumerate()
        .map(|(i, e)| {
            let Some((name, value)) = e.split_once('=') else { return Err(FixError::NotAnAssignment(i + 1, e.to_string())) };
            let name = name.trim().to_string();
            let value = crate::core::units::parse_number(value.trim()).map_err(|p| FixError::Number { name: name.clone(), problem: p.to_string() })?;
            Ok((name, value))
        })
        .collect()
}

/// Where each of a law's θ comes from when `fix` holds some published parameters at values and
/// `tie` makes its two exponents one: the [`Slot`]s of a [`crate::core::fit::constraints::Fitting`]
/// (empty when nothing is fixed or tied).
///
/// # Errors
/// An unknown name, a value the parameter cannot take, a parameter fixed twice, every
/// parameter fixed, or exponents tied in a law without two.
pub fn constraints(law: &dyn laws::RunLaw, fix: &[(String, f64)], tie: bool) -> Result<Vec<Slot>, FixError> {
    if fix.is_empty() && !tie {
        return Ok(Vec::new());
    }
    let dim = law.dim();
    let names = law.param_names();
    // Which θ each published parameter is: the one that moves when it alone changes.
    let base = law.theta(&law.params(&law.sample_theta()));
    let mut fixed: Vec<Option<f64>> = vec![None; dim];
    for (name, value) in fix {
        let Some(k) = names.iter().position(|n| n.eq_ignore_ascii_case(name.trim())) else {
            return Err(FixError::Unknown { name: name.clone(), law: law.key(), params: names.join(", ") });
        };
        let mut params = law.params(&base);
        params[k] = *value;
        let theta = law.theta(&params);
        let moved: Vec<usize> = (0..dim).filter(|&i| theta[i] != base[i]).collect();
        let i = match moved[..] {
            [i] => i,
            // The value is the sample's own: the θ of this parameter is the one whose value
            // is what the value maps to; find it by moving the parameter a little.
            [] => {
                params[k] = *value * 1.5 + 1.0;
                let other = law.theta(&params);
                match (0..dim).find(|&i| other[i] != base[i]) {
                    Some(i) => i,
                    None => return Err(FixError::Value { name: name.clone(), value: *value }),
                }
            }
            _ => return Err(FixError::Value { name: name.clone(), value: *value }),
        };
        if !theta[i].is_finite() {
            return Err(FixError::Value { name: names[k].to_string(), value: *value });
        }
        if fixed[i].is_some() {
            return Err(FixError::Twice(names[k].to_string()));
        }
        fixed[i] = Some(theta[i]);
    }
    let mut tied_to: Vec<usize> = (0..dim).collect();
    if tie {
        let axes = law.projection().map(|p| p.axes).unwrap_or_default();
        let [first, second] = axes[..] else { return Err(FixError::NoExponents(law.key())) };
        let (i, j) = (first.theta, second.theta);
        match (fixed[i], fixed[j]) {
            (Some(_), Some(_)) => return Err(FixError::TiedBoth(first.name, second.name)),
            (Some(v), None) | (None, Some(v)) => {
                fixed[i] = Some(v);
                fixed[j] = Some(v);
            }
            (None, None) => tied_to[j] = i,
        }
    }
    let mut slots = Vec::with_capacity(dim);
    let mut free_of: Vec<Option<usize>> = vec![None; dim];
    let mut next = 0;
    for i in 0..dim {
        slots.push(match fixed[i] {
            Some(v) => Slot::Fixed(v),
            None => {
                let owner = tied_to[i];
                let j = *free_of[owner].get_or_insert_with(|| {
                    next += 1;
                    next - 1
                });
                Slot::Free(j)
            }
        });
    }
    if next == 0 {
        return Err(FixError::Everything);
    }
    Ok(slots)
}

/// Reads source line numbers of runs to exclude, separated by commas or spaces (`3, 17 40`).
///
/// # Errors
/// The first entry that is not a whole number of at least 2 (line 1 is the header).
pub fn parse_exclude(text: &str) -> Result<Vec<usize>, ExcludeError> {
    text.split([',', ' ', ';', '\n', '\t'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| match t.parse::<usize>() {
            Ok(line) if line >= 2 => Ok(line),
            _ => Err(ExcludeError(crate::core::units::truncate(t).to_string())),
        })
        .collect()
}

/// An entry of the excluded runs that is not a row number.
#[derive(Debug, Clone, PartialEq)]
pub struct ExcludeError(pub String);

impl fmt::Display for ExcludeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" is not a row number (rows are numbered from 2, below the header)", self.0)
    }
}

impl std::error::Error for ExcludeError {}

/// Most (N, D) pairs a request may ask predictions for.
pub const MAX_AT: usize = 20;

/// Why a list of (N, D) pairs did not read: which pair and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum AtError {
    /// A pair that is not two numbers separated by a comma (1-based position).
    NotAPair {
        /// Its position.
        pair: usize,
        /// Its text.
        text: String,
    },
    /// A number that does not read or is not positive.
    Number {
        /// Its position.
        pair: usize,
        /// Which: "N" or "D".
        which: &'static str,
        /// The parser's message.
        problem: String,
    },
    /// More than [`MAX_AT`] pairs.
    TooMany(usize),
}

impl fmt::Display for AtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtError::NotAPair { pair, text } => write!(f, "pair {pair}, \"{}\": write N,D (e.g. 70B,1.4T)", crate::core::units::truncate(text)),
            AtError::Number { pair, which, problem } => write!(f, "pair {pair}, {which}: {problem}"),
            AtError::TooMany(n) => write!(f, "{n} pairs: at most {MAX_AT}"),
        }
    }
}

impl std::error::Error for AtError {}

/// Reads (N, D) pairs written `N,D` and separated by `;` or new lines (`70B,1.4T; 7B,2T`).
///
/// # Errors
/// The first pair that does not read, or too many pairs.
pub fn parse_at(text: &str) -> Result<Vec<(f64, f64)>, AtError> {
    let pairs: Vec<&str> = text.split([';', '\n']).map(str::trim).filter(|p| !p.is_empty()).collect();
    if pairs.len() > MAX_AT {
        return Err(AtError::TooMany(pairs.len()));
    }
    pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let pair = i + 1;
            let Some((n, d)) = p.split_once(',') else { return Err(AtError::NotAPair { pair, text: p.to_string() }) };
            let read = |text: &str, which: &'static str| -> Result<f64, AtError> {
                let v = crate::core::units::parse_number(text.trim()).map_err(|e| AtError::Number { pair, which, problem: e.to_string() })?;
                if v > 0.0 && v.is_finite() {
                    Ok(v)
                } else {
                    Err(AtError::Number { pair, which, problem: format!("\"{}\" must be greater than 0", text.trim()) })
                }
            };
            Ok((read(n, "N")?, read(d, "D")?))
        })
        .collect()
}

/// How a law's optimum is searched for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Search {
    /// The profile over the exponents for laws that have one (every law of the Chinchilla and
    /// power-law families), unless a grid of starts is given; a grid of starts for the rest.
    #[default]
    Auto,
    /// The profile over the exponents (laws without one use their grid of starts).
    Profile,
    /// L-BFGS from every start of the grid (Hoffmann et al.'s 4 500 for Chinchilla).
    Grid,
}

impl Search {
    /// Reads `auto`, `profile` or `grid`.
    pub fn parse(text: &str) -> Option<Search> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Some(Search::Auto),
            "profile" => Some(Search::Profile),
            "grid" => Some(Search::Grid),
            _ => None,
        }
    }
}

/// Column choices by header name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ColumnNames {
    /// Parameters.
    pub n: String,
    /// Tokens.
    pub d: String,
    /// Compute.
    pub c: String,
    /// Loss.
    pub loss: String,
    /// Run id (training curves).
    pub run: String,
    /// Each run's weight in the fit (never guessed).
    pub weight: String,
    /// The variant each run belongs to: a joint fit with shared exponents (never guessed).
    pub group: String,
}

impl ColumnNames {
    fn get(&self, role: Role) -> &str {
        match role {
            Role::N => &self.n,
            Role::D => &self.d,
            Role::C => &self.c,
            Role::Loss => &self.loss,
            Role::Run => &self.run,
            Role::Weight => &self.weight,
            Role::Group => &self.group,
        }
    }
}

/// Default bootstrap resamples.
pub const DEFAULT_BOOTSTRAP: usize = 1000;
/// Most bootstrap resamples a request may ask for.
pub const MAX_BOOTSTRAP: usize = 100_000;

impl Default for FitRequest {
    fn default() -> Self {
        FitRequest {
            data: String::new(),
            columns: ColumnNames::default(),
            skip_bad_rows: false,
            law: "chinchilla".into(),
            compare: true,
            delta: 1e-3,
            search: Search::Auto,
            grid: String::new(),
            drop_top: 0,
            exclude: Vec::new(),
            bootstrap: DEFAULT_BOOTSTRAP,
            seed: 42,
            holdout: None,
            iso_tolerance: 0.05,
            budget: None,
            at: Vec::new(),
            rolling: false,
            asymmetry: 1.0,
            tie_exponents: false,
            fix: Vec::new(),
            baseline: String::new(),
        }
    }
}

/// Why a request cannot be fitted. Each message says what and where.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// The table as a whole is unreadable.
    Table(TableError),
    /// Some rows are bad and the user has not chosen to skip them.
    BadRows {
        /// The first few bad rows.
        rows: Vec<RowError>,
        /// How many rows are bad.
        count: usize,
        /// How many rows are good.
        good: usize,
    },
    /// Fewer usable runs than the law has parameters (plus one).
    TooFewRuns {
        /// Usable runs.
        runs: usize,
        /// Runs needed.
        needed: usize,
        /// The law.
        law: String,
    },
    /// Every run has the same N, D and loss: nothing to fit.
    IdenticalRuns,
    /// An option is out of range.
    Option(String),
    /// The grid specification is unreadable.
    Grid(GridError),
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::Table(e) => write!(f, "{e}"),
            FitError::BadRows { rows, count, good } => {
                let listed = runs::summarize_bad_rows(rows, *count, 5);
                let rows_word = if *count == 1 { "row is" } else { "rows are" };
                write!(
                    f,
                    "{count} {rows_word} not usable:\n{listed}\nFix them, or choose to skip bad rows (\"skip bad rows\" on the page, --skip-bad-rows on the command line) to fit the {good} good rows."
                )
            }
            FitError::TooFewRuns { runs, needed, law } => write!(
                f,
                "{runs} usable run{} — the {law} law needs at least {needed} to fit at all (and 3 per parameter to fit well)",
                if *runs == 1 { "" } else { "s" }
            ),
            FitError::IdenticalRuns => write!(f, "every run has the same N, D and loss: there is nothing to fit"),
            FitError::Option(m) => f.write_str(m),
            FitError::Grid(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FitError::Table(e) => Some(e),
            FitError::Grid(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TableError> for FitError {
    fn from(e: TableError) -> Self {
        FitError::Table(e)
    }
}

/// A request read and checked: the runs to fit and what was set aside.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Runs fitted, by source order (top-k losses dropped).
    pub runs: Vec<Run>,
    /// Runs dropped as the highest losses.
    pub dropped: Vec<Run>,
    /// Runs the user excluded (by source line).
    pub excluded: Vec<Run>,
    /// Bad rows skipped at the user's request.
    pub skipped: Vec<RowError>,
    /// How many rows were skipped.
    pub skipped_count: usize,
    /// The header names, and which column each role took.
    pub headers: Vec<String>,
    /// The columns used.
    pub columns: ColumnMap,
    /// D was derived as C/(6N).
    pub d_derived: bool,
    /// N was derived as C/(6D).
    pub n_derived: bool,
    /// The main law.
    pub law: LawRef,
    /// The main law's starting grid.
    pub grid: Grid,
    /// How the optimum is searched for (a grid typed under `Auto` means the grid).
    pub search: Search,
    /// Indices (into `runs`) of the held-out runs: the k largest compute.
    pub held_out: Vec<usize>,
    /// Runs carry weights from a column.
    pub weighted: bool,
    /// The asymmetry of the loss (1: symmetric).
    pub asymmetry: f64,
    /// The main law's fixed and tied parameters (empty: all free).
    pub slots: Vec<Slot>,
    /// What the fit's options change, in words (weights, asymmetry, fixed and tied parameters).
    pub options: Vec<String>,
    /// Published parameters held fixed or tied, by name: "fixed" or "tied to alpha".
    pub held: BTreeMap<String, String>,
    /// The variants of a joint fit, when a group column is chosen.
    pub groups: Option<Groups>,
}

/// The variants of a joint fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    /// The group column's header.
    pub column: String,
    /// The variants' names, in order of first appearance.
    pub names: Vec<String>,
    /// Each run's variant (index into `names`), aligned with [`Prepared::runs`].
    pub of_run: Vec<usize>,
    /// The baseline variant.
    pub baseline: usize,
}

/// Fewest runs per variant in a joint fit: its own coefficients plus one.
pub fn runs_per_variant(law: &dyn laws::RunLaw) -> usize {
    law.dim() - law.projection().map_or(0, |p| p.axes.len()) + 1
}

/// The variants of the runs, checked for a joint fit of `law`.
fn groups(runs: &[Run], column: &str, baseline: &str, law: &dyn laws::RunLaw, constrained: bool) -> Result<Groups, FitError> {
    if law.projection().is_none() {
        return Err(FitError::Option(format!(
            "a joint fit (group column \"{column}\") shares the law's exponents: the {} law has none to share (use chinchilla, chinchilla-no-e or a power law)",
            law.key()
        )));
    }
    if constrained {
        return Err(FitError::Option("a joint fit (group column) cannot also fix or tie parameters".into()));
    }
    let mut names: Vec<String> = Vec::new();
    let of_run = runs
        .iter()
        .map(|r| {
            let name = r.group.clone().unwrap_or_default();
            match names.iter().position(|n| *n == name) {
                Some(i) => i,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            }
        })
        .collect::<Vec<usize>>();
    let max = super::joint::max_variants(law);
    if names.len() < 2 || names.len() > max {
        return Err(FitError::Option(format!(
            "column \"{column}\" names {} variant{}: a joint fit of the {} law takes 2 to {max}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            law.key()
        )));
    }
    let needed = runs_per_variant(law);
    for (g, name) in names.iter().enumerate() {
        let count = of_run.iter().filter(|&&h| h == g).count();
        if count < needed {
            return Err(FitError::Option(format!(
                "variant \"{}\" (column \"{column}\") has {count} run{}: each variant needs at least {needed} for its own coefficients",
                crate::core::units::truncate(name),
                if count == 1 { "" } else { "s" }
            )));
        }
    }
    let baseline = if baseline.trim().is_empty() {
        0
    } else {
        names.iter().position(|n| n == baseline.trim()).ok_or_else(|| {
            FitError::Option(format!("the baseline \"{}\" is not a variant of column \"{column}\": {}", crate::core::units::truncate(baseline.trim()), names.join(", ")))
        })?
    };
    Ok(Groups { column: column.to_string(), names, of_run, baseline })
}

impl Prepared {
    /// The fit points of all runs.
    pub fn points(&self) -> Vec<Point> {
        self.runs.iter().map(Point::from_run).collect()
    }

    /// The fit points without the held-out runs.
    pub fn training_points(&self) -> Vec<Point> {
        self.runs
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.held_out.contains(i))
            .map(|(_, r)| Point::from_run(r))
            .collect()
    }

    /// Whether `law` is fitted by its profile (otherwise from its grid of starts): fixed or
    /// tied parameters need the grid.
    pub fn profiled(&self, law: LawRef) -> bool {
        self.search != Search::Grid && law.projection().is_some() && (law != self.law || self.slots.is_empty())
    }

    /// The fit's options for `law` on `runs`: their weights, the asymmetry, and (for the main
    /// law) its fixed and tied parameters.
    pub fn fitting<'r>(&self, law: LawRef, runs: impl Iterator<Item = &'r Run>) -> Fitting {
        Fitting {
            weights: if self.weighted { runs.map(|r| r.weight).collect() } else { Vec::new() },
            asymmetry: self.asymmetry,
            slots: if law == self.law { self.slots.clone() } else { Vec::new() },
        }
    }

    /// The laws fitted: the main one first, then (when comparing) the others.
    pub fn laws(&self, compare: bool) -> Vec<LawRef> {
        let mut all = vec![self.law];
        if compare {
            all.extend(comparison_laws().filter(|l| *l != self.law));
        }
        all
    }
}

/// The laws of the comparison table, in the registry's order.
pub fn comparison_laws() -> impl Iterator<Item = LawRef> {
    laws::RUN_LAWS.iter().filter(|l| l.compared()).map(|l| LawRef(*l))
}

/// Reads a law name as the CLI and links write it.
pub fn law_from_key(key: &str) -> Option<LawRef> {
    laws::run_law(key).map(LawRef)
}

/// The keys of every law of N and D, for messages.
pub fn law_keys() -> String {
    laws::RUN_LAWS.iter().map(|l| l.key()).collect::<Vec<_>>().join(", ")
}

/// Checks the options and reads the data: the single gate every fit passes through.
///
/// # Errors
/// See [`FitError`]; never panics, whatever the request.
pub fn prepare(req: &FitRequest) -> Result<Prepared, FitError> {
    let law = law_from_key(&req.law)
        .ok_or_else(|| FitError::Option(format!("unknown law \"{}\": use {}", crate::core::units::truncate(&req.law), law_keys())))?;
    if !(req.delta > 0.0 && req.delta <= 1.0) {
        return Err(FitError::Option(format!("Huber δ must be in (0, 1]; got {}", req.delta)));
    }
    if req.bootstrap > MAX_BOOTSTRAP {
        return Err(FitError::Option(format!("at most {MAX_BOOTSTRAP} bootstrap resamples; got {}", req.bootstrap)));
    }
    if !(req.asymmetry > 0.0 && req.asymmetry <= MAX_ASYMMETRY) {
        return Err(FitError::Option(format!("the asymmetry must be more than 0 and at most {MAX_ASYMMETRY}; got {}", req.asymmetry)));
    }
    let slots = constraints(law.0, &req.fix, req.tie_exponents).map_err(|e| FitError::Option(e.to_string()))?;
    if !(req.iso_tolerance >= 0.0 && req.iso_tolerance <= 1.0) {
        return Err(FitError::Option(format!(
            "the IsoFLOP grouping tolerance must be between 0 and 1 (in log₁₀ C); got {}",
            req.iso_tolerance
        )));
    }
    let grid = Grid::parse(&req.grid, law.theta_names(), law.default_grid()).map_err(FitError::Grid)?;
    let table = runs::parse_table(&req.data)?;
    let mut columns = runs::guess_columns(&table.headers);
    for role in Role::ALL {
        let name = req.columns.get(role).trim();
        if !name.is_empty() {
            columns.set(role, Some(runs::find_column(&table.headers, name)?));
        }
    }
    let read = runs::read_runs(&table, &columns)?;
    if read.bad_row_count > 0 && !req.skip_bad_rows {
        return Err(FitError::BadRows { rows: read.bad_rows, count: read.bad_row_count, good: read.runs.len() });
    }
    let (mut runs, excluded): (Vec<Run>, Vec<Run>) = read.runs.into_iter().partition(|r| !req.exclude.contains(&r.line));
    let mut dropped = Vec::new();
    if req.drop_top > 0 {
        if req.drop_top >= runs.len() {
            return Err(FitError::Option(format!(
                "cannot drop the {} highest losses of {} runs",
                req.drop_top,
                runs.len()
            )));
        }
        let mut order: Vec<usize> = (0..runs.len()).collect();
        crate::core::order::sort_by(&mut order, |&a, &b| runs[b].loss.total_cmp(&runs[a].loss));
        let mut drop: Vec<usize> = order.into_iter().take(req.drop_top).collect();
        crate::core::order::sort_by(&mut drop, |a, b| b.cmp(a));
        for i in drop {
            dropped.push(runs.remove(i));
        }
        dropped.reverse();
    }
    let weighted = columns.weight.is_some();
    if weighted && runs.iter().all(|r| r.weight == 0.0) {
        return Err(FitError::Option(format!(
            "every run's weight (column \"{}\") is 0: nothing to fit",
            columns.weight.and_then(|c| table.headers.get(c)).map_or("", String::as_str)
        )));
    }
    let mut options = Vec::new();
    let mut held = BTreeMap::new();
    if let Some(header) = columns.weight.and_then(|c| table.headers.get(c)) {
        let (lo, hi) = runs.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), r| (lo.min(r.weight), hi.max(r.weight)));
        options.push(format!("runs weighted by column \"{header}\" (weights {} to {})", crate::core::units::format_sig(lo, 3), crate::core::units::format_sig(hi, 3)));
    }
    if req.asymmetry != 1.0 {
        options.push(format!("over-predictions cost {}× more than under-predictions", crate::core::units::format_sig(req.asymmetry, 3)));
    }
    for (name, value) in &req.fix {
        let name = law.param_names().iter().find(|n| n.eq_ignore_ascii_case(name.trim())).map_or(name.as_str(), |n| n);
        options.push(format!("{name} fixed at {}", crate::core::units::format_sig(*value, 6)));
        held.insert(name.to_string(), "fixed".to_string());
    }
    if req.tie_exponents {
        if let Some([a, b]) = law.projection().map(|p| p.axes).as_deref() {
            options.push(format!("exponents tied: {} = {}", a.name, b.name));
            if held.contains_key(a.name) || held.contains_key(b.name) {
                held.insert(a.name.to_string(), "fixed".to_string());
                held.insert(b.name.to_string(), "fixed".to_string());
            } else {
                held.insert(b.name.to_string(), format!("tied to {}", a.name));
            }
        }
    }
    // Free parameters (fixed ones need no runs, tied ones count once), plus one.
    let needed = Fitting { slots: slots.clone(), ..Fitting::default() }.free(law.dim()) + 1;
    if runs.len() < needed {
        return Err(FitError::TooFewRuns { runs: runs.len(), needed, law: law.key().to_string() });
    }
    if let Some(first) = runs.first() {
        if runs.iter().all(|r| r.n == first.n && r.d == first.d && r.loss == first.loss) {
            return Err(FitError::IdenticalRuns);
        }
    }
    let k = match req.holdout {
        Some(k) => k,
        None if runs.len() >= 10 => (runs.len() / 10).max(1),
        None => 0,
    };
    if k > 0 && runs.len().saturating_sub(k) < needed {
        return Err(FitError::Option(format!(
            "holding out {k} of {} runs leaves too few to fit the {} law (it needs {needed})",
            runs.len(),
            law.key()
        )));
    }
    let groups = match columns.group.and_then(|c| table.headers.get(c)) {
        Some(column) => Some(groups(&runs, column, &req.baseline, law.0, !slots.is_empty())?),
        None => None,
    };
    let mut by_compute: Vec<usize> = (0..runs.len()).collect();
    crate::core::order::sort_by(&mut by_compute, |&a, &b| runs[b].c.total_cmp(&runs[a].c));
    let held_out = by_compute.into_iter().take(k).collect();
    Ok(Prepared {
        runs,
        dropped,
        excluded,
        skipped: read.bad_rows,
        skipped_count: read.bad_row_count,
        headers: table.headers,
        columns,
        d_derived: read.d_derived,
        n_derived: read.n_derived,
        law,
        grid,
        search: if req.search == Search::Auto && !req.grid.trim().is_empty() { Search::Grid } else { req.search },
        held_out,
        weighted,
        asymmetry: req.asymmetry,
        slots,
        options,
        held,
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_to_predict_read_with_suffixes_and_say_which_is_bad() {
        assert_eq!(parse_at("70B,1.4T; 7e9, 2e12\n1M,20M").unwrap(), vec![(70e9, 1.4e12), (7e9, 2e12), (1e6, 2e7)]);
        assert_eq!(parse_at("  ").unwrap(), vec![]);
        assert_eq!(parse_at("70B").unwrap_err().to_string(), "pair 1, \"70B\": write N,D (e.g. 70B,1.4T)");
        assert_eq!(parse_at("1,2; 70B,abc").unwrap_err().to_string(), "pair 2, D: \"abc\" is not a number");
        assert!(parse_at("1,-2").unwrap_err().to_string().starts_with("pair 1, D:"));
        assert_eq!(parse_at(&vec!["1,1"; MAX_AT + 1].join(";")).unwrap_err(), AtError::TooMany(MAX_AT + 1));
    }


    #[test]
    fn epoch_file_prepares_like_the_reference() {
        let req = FitRequest { data: crate::test_support::epoch_csv().into(), drop_top: 5, holdout: Some(0), ..FitRequest::default() };
        let p = prepare(&req).unwrap();
        assert_eq!(p.runs.len(), 240);
        assert_eq!(p.dropped.len(), 5);
        assert!(p.d_derived);
        let max_kept = p.runs.iter().map(|r| r.loss).fold(0.0, f64::max);
        assert!(p.dropped.iter().all(|r| r.loss >= max_kept));
        assert_eq!(p.grid.len(), 4500);
    }

    #[test]
    fn holdout_takes_the_largest_compute() {
        let req = FitRequest { data: crate::test_support::epoch_csv().into(), holdout: Some(3), ..FitRequest::default() };
        let p = prepare(&req).unwrap();
        let min_held = p.held_out.iter().map(|&i| p.runs[i].c).fold(f64::INFINITY, f64::min);
        let max_rest = (0..p.runs.len()).filter(|i| !p.held_out.contains(i)).map(|i| p.runs[i].c).fold(0.0, f64::max);
        assert!(min_held >= max_rest);
        assert_eq!(p.training_points().len(), p.runs.len() - 3);
        let auto = prepare(&FitRequest { data: crate::test_support::epoch_csv().into(), ..FitRequest::default() }).unwrap();
        assert_eq!(auto.held_out.len(), 24);
    }

    #[test]
    fn bad_requests_get_clear_messages() {
        let ok_data = "N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n8e8,1e10,2.6\n1e9,3e10,2.5\n2e9,5e10,2.4\n";
        let cases: Vec<(FitRequest, &str)> = vec![
            (FitRequest { data: String::new(), ..FitRequest::default() }, "empty"),
            (FitRequest { data: "N,D,loss\n1e8,2e9,3\n".into(), ..FitRequest::default() }, "1 usable run — the chinchilla law needs at least 6"),
            (
                FitRequest { data: "N,D,loss\n1e8,2e9,3\n1e8,2e9,3\n1e8,2e9,3\n1e8,2e9,3\n1e8,2e9,3\n1e8,2e9,3\n".into(), ..FitRequest::default() },
                "same N, D and loss",
            ),
            (FitRequest { data: "N,D,loss\n1e8,2e9,abc\n".into(), ..FitRequest::default() }, "row 2, column \"loss\": \"abc\" is not a number"),
            (FitRequest { data: "{\"a\": 1}".into(), ..FitRequest::default() }, "array"),
            (FitRequest { data: ok_data.into(), law: "gpt".into(), ..FitRequest::default() }, "unknown law \"gpt\""),
            (FitRequest { data: ok_data.into(), delta: -1.0, ..FitRequest::default() }, "Huber δ"),
            (FitRequest { data: ok_data.into(), drop_top: 6, ..FitRequest::default() }, "cannot drop"),
            (FitRequest { data: ok_data.into(), grid: "zz=1".into(), ..FitRequest::default() }, "unknown parameter"),
            (FitRequest { data: ok_data.into(), holdout: Some(3), ..FitRequest::default() }, "holding out 3"),
            (FitRequest { data: ok_data.into(), columns: ColumnNames { loss: "val".into(), ..ColumnNames::default() }, ..FitRequest::default() }, "val"),
        ];
        for (req, want) in cases {
            let err = prepare(&req).unwrap_err().to_string();
            assert!(err.contains(want), "{want:?} not in {err:?}");
        }
    }

    #[test]
    fn bad_rows_are_skipped_only_when_asked() {
        let data = "N,D,loss\n1e8,2e9,3.1\n2e8,4e9,x\n4e8,8e9,2.7\n8e8,1e10,2.6\n1e9,3e10,2.5\n2e9,5e10,2.4\n3e9,6e10,2.3\n";
        let err = prepare(&FitRequest { data: data.into(), ..FitRequest::default() }).unwrap_err().to_string();
        assert!(err.contains("row 3, column \"loss\": \"x\" is not a number") && err.contains("skip bad rows"), "{err}");
        let p = prepare(&FitRequest { data: data.into(), skip_bad_rows: true, ..FitRequest::default() }).unwrap();
        assert_eq!(p.runs.len(), 6);
        assert_eq!(p.skipped_count, 1);
    }
}
