//! The Fit panel's page logic: its fields as typed → a [`FitRequest`] (each bad option named
//! under its field), intervals at the Budget panel's compute from a fit's resamples, and a
//! finished report → the text and tables the panel shows.

use std::collections::BTreeMap;

use crate::page::budget::{number, Inputs, View};
use crate::page::fields::Field;
use crate::page::session::Session;
use crate::core::analysis::BudgetIntervals;
use crate::core::fit::bootstrap::Interval;
use crate::core::analysis::spec::FitSpec;
use crate::core::fit::grid::Grid;
use crate::core::analysis::report::FitReport;
use crate::core::analysis::plan::{self, Task};
use crate::core::analysis::request::{law_from_key, prepare, ColumnNames, FitError, FitRequest, Prepared, Search, MAX_BOOTSTRAP, parse_at, parse_exclude, parse_fix, constraints, MAX_ASYMMETRY};
use crate::core::analysis::run::{FitOutcome, FitRun};
use crate::core::units::{format_count, format_sci, format_sig};

/// The pasted or dropped runs.
pub const FIT_DATA: Field = Field::data("fit_data", "fdata");
/// The law to fit: chinchilla, kaplan, power-c+e, … (see [`crate::core::laws::RUN_LAWS`]).
pub const FIT_LAW: Field = Field::new("fit_law", "flaw", "chinchilla");
/// Column chosen for N (empty: guessed).
pub const FIT_N: Field = Field::new("fit_n", "fcn", "");
/// Column chosen for D.
pub const FIT_D: Field = Field::new("fit_d", "fcd", "");
/// Column chosen for C.
pub const FIT_C: Field = Field::new("fit_c", "fcc", "");
/// Column chosen for the loss.
pub const FIT_LOSS: Field = Field::new("fit_loss", "fcl", "");
/// Column chosen for the run id.
pub const FIT_RUN: Field = Field::new("fit_run", "fcr", "");
/// Column chosen for each run's weight (empty: every run weighs 1; never guessed).
pub const FIT_WEIGHT: Field = Field::new("fit_weight", "fcw", "");
/// Column naming each run's variant: a joint fit with shared exponents (empty: none; never guessed).
pub const FIT_GROUP: Field = Field::new("fit_group", "fcg", "");
/// The variant the others' effective-compute multipliers are against (empty: the first).
pub const FIT_BASE: Field = Field::new("fit_base", "fbase", "");
/// Over-predictions cost this many times more (1: symmetric Huber).
pub const FIT_ASYM: Field = Field::new("fit_asym", "fasym", "1");
/// Ticked: the main law's two exponents are one (α = β).
pub const FIT_TIE: Field = Field::flag("fit_tie", "ftie");
/// Parameters held at a value, `name=value` by published names (`alpha=0.34, E=1.69`).
pub const FIT_FIX: Field = Field::new("fit_fix", "ffix", "");
/// Ticked: fit the good rows when some are bad.
pub const FIT_SKIP: Field = Field::flag("fit_skip", "fskip");
/// Drop the k highest-loss runs.
pub const FIT_DROP: Field = Field::new("fit_drop", "fdrop", "0");
/// Huber δ.
pub const FIT_DELTA: Field = Field::new("fit_delta", "fdelta", "1e-3");
/// How the optimum is searched for: `auto` (the profile over the exponents where the law has
/// one), `profile` or `grid` (L-BFGS from every start of the grid).
pub const FIT_SEARCH: Field = Field::new("fit_search", "fsearch", "auto");
/// Starting grid (empty: the law's default).
pub const FIT_GRID: Field = Field::new("fit_grid", "fgrid", "");
/// Bootstrap resamples.
pub const FIT_BOOT: Field = Field::new("fit_boot", "fboot", "1000");
/// Bootstrap seed.
pub const FIT_SEED: Field = Field::new("fit_seed", "fseed", "42");
/// Held-out runs (empty: about a tenth).
pub const FIT_HOLD: Field = Field::new("fit_hold", "fhold", "");
/// Runs excluded from the fit, by row number (`3, 17, 40`); ticked off in the runs table.
pub const FIT_EXCLUDE: Field = Field::new("fit_exclude", "fex", "");
/// Runs to predict, `N,D` pairs separated by `;` (`70B,1.4T; 7B,2T`).
pub const FIT_AT: Field = Field::new("fit_at", "fat", "");
/// IsoFLOP grouping tolerance in log₁₀ C.
pub const FIT_TOL: Field = Field::new("fit_tol", "ftol", "0.05");

/// The Fit panel's charts (canvas `data-chart` values).
pub const CHARTS: &[&str] = &["fit-loss", "fit-frontier", "fit-residuals", "fit-profile", "fit-rolling"];

/// The laws the Fit panel offers, as (key, text for the selector): every law of N and D in the
/// registry, in its order.
pub fn law_options() -> Vec<(&'static str, String)> {
    crate::core::laws::RUN_LAWS
        .iter()
        .map(|l| {
            let text = if l.formula().chars().count() <= 40 {
                format!("{}: {}", l.name(), l.formula())
            } else {
                format!("{} ({} parameters)", l.name(), l.dim())
            };
            (l.key(), text)
        })
        .collect()
}

/// The Fit panel's fields, in page order.
pub const FIELDS: &[Field] =
    &[FIT_DATA, FIT_LAW, FIT_N, FIT_D, FIT_C, FIT_LOSS, FIT_RUN, FIT_WEIGHT, FIT_GROUP, FIT_BASE, FIT_SKIP, FIT_DROP, FIT_DELTA, FIT_ASYM, FIT_TIE, FIT_FIX, FIT_SEARCH, FIT_GRID, FIT_BOOT, FIT_SEED, FIT_HOLD, FIT_TOL, FIT_AT, FIT_EXCLUDE];

/// The Fit panel's options, read and checked (everything but the data and column names).
struct Options {
    exclude: Vec<usize>,
    at: Vec<(f64, f64)>,
    search: Search,
    delta: f64,
    tolerance: f64,
    drop_top: usize,
    bootstrap: usize,
    seed: u64,
    holdout: Option<usize>,
    asymmetry: f64,
    fix: Vec<(String, f64)>,
}

/// Reads the options; every bad field gets its own message. Cheap: it runs on every keystroke,
/// so it never touches (or copies) the pasted data.
fn read_options(inputs: &Inputs) -> Result<Options, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut take = |field: &str, r: Result<f64, String>| r.map_err(|e| errors.insert(field.to_string(), e)).ok();
    let delta = take("fit_delta", number(inputs.get(&FIT_DELTA), "Huber δ", 1e-12, 1.0));
    let asymmetry = take("fit_asym", number(inputs.get(&FIT_ASYM), "asymmetry", 1e-3, MAX_ASYMMETRY));
    let tolerance = take("fit_tol", number(inputs.get(&FIT_TOL), "tolerance", 0.0, 1.0));
    let mut take_count = |field: &str, text: &str, what: &str, max: usize| {
        crate::page::budget::whole(text, what, 0, max).map_err(|e| errors.insert(field.to_string(), e)).ok()
    };
    let drop_top = take_count("fit_drop", inputs.get(&FIT_DROP), "drop", 100_000);
    let bootstrap = take_count("fit_boot", inputs.get(&FIT_BOOT), "resamples", MAX_BOOTSTRAP);
    let seed = take_count("fit_seed", inputs.get(&FIT_SEED), "seed", u32::MAX as usize);
    let holdout = if inputs.get(&FIT_HOLD).trim().is_empty() {
        Some(None)
    } else {
        take_count("fit_hold", inputs.get(&FIT_HOLD), "held-out runs", 100_000).map(Some)
    };
    let fix = parse_fix(inputs.get(&FIT_FIX)).map_err(|e| errors.insert("fit_fix".into(), e.to_string())).ok();
    let exclude = parse_exclude(inputs.get(&FIT_EXCLUDE)).map_err(|e| errors.insert("fit_exclude".into(), e.to_string())).ok();
    let at = parse_at(inputs.get(&FIT_AT)).map_err(|e| errors.insert("fit_at".into(), e.to_string())).ok();
    let search = Search::parse(inputs.get(&FIT_SEARCH));
    if search.is_none() {
        errors.insert("fit_search".into(), format!("\"{}\" is not a search: auto, profile or grid", crate::core::units::truncate(inputs.get(&FIT_SEARCH))));
    }
    match law_from_key(inputs.get(&FIT_LAW)) {
        None => {
            errors.insert("fit_law".into(), format!("unknown law \"{}\"", crate::core::units::truncate(inputs.get(&FIT_LAW))));
        }
        Some(law) => {
            if let Err(e) = Grid::parse(inputs.get(&FIT_GRID), law.theta_names(), law.default_grid()) {
                errors.insert("fit_grid".into(), e.to_string());
            }
            if let Some(fix) = &fix {
                if let Err(e) = constraints(law.0, fix, inputs.get(&FIT_TIE) == "1") {
                    // The tie box sits in the fixed parameters' field: one message slot for both.
                    errors.insert("fit_fix".into(), e.to_string());
                }
            }
        }
    }
    match (exclude, at, search, delta, tolerance, drop_top, bootstrap, seed, holdout, asymmetry, fix) {
        (Some(exclude), Some(at), Some(search), Some(delta), Some(tolerance), Some(drop_top), Some(bootstrap), Some(seed), Some(holdout), Some(asymmetry), Some(fix))
            if errors.is_empty() =>
        {
            Ok(Options { exclude, at, search, delta, tolerance, drop_top, bootstrap, seed: seed as u64, holdout, asymmetry, fix })
        }
        _ => Err(errors),
    }
}

/// Reads the Fit panel's fields into a request; every bad option gets its own message.
///
/// # Errors
/// Field name → message, for each option that cannot be read.
pub fn fit_request(inputs: &Inputs, budget: Option<f64>) -> Result<FitRequest, BTreeMap<String, String>> {
    let o = read_options(inputs)?;
    Ok(FitRequest {
        data: inputs.get(&FIT_DATA).to_string(),
        columns: ColumnNames {
            n: inputs.get(&FIT_N).to_string(),
            d: inputs.get(&FIT_D).to_string(),
            c: inputs.get(&FIT_C).to_string(),
            loss: inputs.get(&FIT_LOSS).to_string(),
            run: inputs.get(&FIT_RUN).to_string(),
            weight: inputs.get(&FIT_WEIGHT).to_string(),
            group: inputs.get(&FIT_GROUP).to_string(),
        },
        skip_bad_rows: inputs.get(&FIT_SKIP) == "1",
        law: inputs.get(&FIT_LAW).to_string(),
        compare: true,
        delta: o.delta,
        search: o.search,
        grid: inputs.get(&FIT_GRID).to_string(),
        drop_top: o.drop_top,
        exclude: o.exclude,
        bootstrap: o.bootstrap,
        seed: o.seed,
        holdout: o.holdout,
        iso_tolerance: o.tolerance,
        budget,
        at: o.at,
        rolling: true,
        asymmetry: o.asymmetry,
        tie_exponents: inputs.get(&FIT_TIE) == "1",
        fix: o.fix,
        baseline: inputs.get(&FIT_BASE).to_string(),
    })
}

/// Adds the Fit panel's option errors to the page view (the data itself is read when fitting).
pub fn check_fields(inputs: &Inputs, view: &mut View) {
    if let Err(errors) = read_options(inputs) {
        for (field, message) in errors {
            view.err(&field, message);
        }
    }
}

fn interval_text(iv: Option<Interval>, fmt: impl Fn(f64) -> String) -> String {
    iv.map_or(String::new(), |iv| format!("{} – {}", fmt(iv.lo), fmt(iv.hi)))
}

/// The Budget panel's 95 % intervals on N*, D*, L* (from a fit's resamples, see
/// [`crate::core::analysis::budget_intervals`]).
pub fn budget_interval_texts(view: &mut View, iv: &BudgetIntervals) {
    view.out("n_star_ci", interval_text(iv.n, |v| format_count(v, 3)));
    view.out("d_star_ci", interval_text(iv.d, |v| format_count(v, 3)));
    view.out("loss_star_ci", interval_text(iv.loss, |v| format_sig(v, 4)));
}

/// What the Fit panel shows for a finished fit, already formatted.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FitView {
    /// One line: law, runs, objective.
    pub title: String,
    /// The objective at the optimum.
    pub objective: f64,
    /// Rows of (parameter, estimate, 95 % interval).
    pub params: Vec<[String; 3]>,
    /// Rows of (quantity, value, 95 % interval) at the Budget panel's compute.
    pub budget: Vec<[String; 3]>,
    /// Heading for the budget rows.
    pub budget_title: String,
    /// The held-out validation in one sentence.
    pub holdout: String,
    /// Rolling-forward validation, one sentence per cut (empty until its fits are in).
    pub rolling: Vec<String>,
    /// Every run with its fit, by row (ticking one off excludes it and refits).
    pub runs: Vec<RunRow>,
    /// Predictions for the runs asked about: header, then (N, D, loss, confidence interval of
    /// the law, prediction interval of one run).
    pub at: Vec<Vec<String>>,
    /// How tightly the runs pin the exponents and whether the optimum is unique (from the
    /// profile); empty for a grid search.
    pub identification: String,
    /// The comparison table's header and rows.
    pub comparison: Vec<Vec<String>>,
    /// The joint fit of the variants: a sentence, then a table (header first) of each variant's
    /// coefficients and compute multiplier; empty without a group column.
    pub joint_title: String,
    /// See [`FitView::joint_title`].
    pub joint: Vec<Vec<String>>,
    /// Approach 2 and Approach 1 in a few lines.
    pub approaches: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Facts about the data and the search.
    pub notes: Vec<String>,
    /// The fitted law's text for "Use this fit", when the law is usable in the Budget panel.
    pub fit_spec: Option<String>,
    /// Laws still being fitted for the comparison, in a sentence (empty when none are).
    pub pending: String,
}

/// One run in the Fit panel's runs table.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RunRow {
    /// Source row.
    pub line: usize,
    /// N, D, observed loss, fitted loss, residual in percent, as the table writes them.
    pub cells: [String; 5],
    /// Whether it is in the fit (otherwise the user excluded it).
    pub included: bool,
    /// Whether it was held out for validation.
    pub held_out: bool,
}

fn value_text(name: &str, v: f64) -> String {
    match name {
        "N_c" | "D_c" => format_sci(v, 4),
        _ => format_sig(v, 5),
    }
}

/// A fitted exponent, or a dash.
fn exp(law: &Option<crate::core::fit::regression::PowerLaw>) -> String {
    law.as_ref().map_or("–".into(), |p| format_sig(p.exponent, 3))
}

/// An error that lists a reason per budget ("…: budget 1e19 FLOP: …; budget 3e19 FLOP: …"),
/// cut to its first `keep` reasons.
fn first_reasons(error: &str, keep: usize) -> String {
    let Some((head, rest)) = error.split_once(": budget ") else {
        return error.to_string();
    };
    let reasons: Vec<&str> = rest.split("; budget ").collect();
    let shown: Vec<String> = reasons.iter().take(keep).map(|r| format!("budget {r}")).collect();
    let more = reasons.len().saturating_sub(keep);
    let tail = if more > 0 { format!("; … and {more} more") } else { String::new() };
    format!("{head}: {}{tail}", shown.join("; "))
}

/// At most a few notes of one approach, then how many more there are.
fn capped(prefix: &str, notes: &[String]) -> Vec<String> {
    const SHOWN: usize = 4;
    let mut out: Vec<String> = notes.iter().take(SHOWN).map(|w| format!("{prefix}: {w}")).collect();
    if notes.len() > SHOWN {
        out.push(format!("{prefix}: … and {} more notes like these (a larger grouping tolerance merges nearby budgets).", notes.len() - SHOWN));
    }
    out
}

/// Formats a report for the panel.
pub fn report_view(r: &FitReport) -> FitView {
    let mut v = FitView {
        title: if r.options.is_empty() {
            format!("{} — {} runs, objective {}", r.label, r.points, format_sig(r.objective, 10))
        } else {
            format!("{} — {} runs, objective {}; {}", r.label, r.points, format_sig(r.objective, 10), r.options.join("; "))
        },
        objective: r.objective,
        ..FitView::default()
    };
    for (name, value) in &r.params {
        let ci = r.ci.as_ref().and_then(|c| c.get(name)).copied();
        let interval = match r.held.get(name).map(String::as_str) {
            Some("fixed") => "fixed".to_string(),
            Some(tied) => format!("{} ({tied})", interval_text(ci, |x| value_text(name, x))),
            None => interval_text(ci, |x| value_text(name, x)),
        };
        v.params.push([name.clone(), value_text(name, *value), interval]);
    }
    if let Some(b) = &r.budget {
        v.budget_title = format!("At the Budget panel's {} FLOP", format_sci(b.compute, 3));
        let iv = b.intervals.as_ref();
        v.budget.push(["N*".into(), format_count(b.n, 3), interval_text(iv.and_then(|i| i.n), |x| format_count(x, 3))]);
        v.budget.push(["D*".into(), format_count(b.d, 3), interval_text(iv.and_then(|i| i.d), |x| format_count(x, 3))]);
        v.budget.push(["L*".into(), format_sig(b.loss, 4), interval_text(iv.and_then(|i| i.loss), |x| format_sig(x, 4))]);
    }
    if let Some(h) = &r.holdout {
        v.holdout = format!(
            "Held out the {} largest-compute runs and fitted the rest: the fit predicts them with RMSE {} in log-loss (mean |error| {}%).",
            h.k,
            format_sig(h.rmse_log, 3),
            format_sig(100.0 * h.mean_abs_rel_error, 3)
        );
    }
    v.comparison.push(["law", "params", "objective", "RMSE log L", "AIC", "BIC", "held-out RMSE"].map(String::from).to_vec());
    for c in &r.comparison {
        v.comparison.push(vec![
            law_from_key(&c.law).map_or(c.law.clone(), |l| l.name().to_string()),
            c.k.to_string(),
            format_sig(c.objective, 5),
            format_sig(c.rmse_log, 3),
            format_sig(c.aic, 5),
            format_sig(c.bic, 5),
            c.holdout_rmse_log.map_or("–".into(), |x| format_sig(x, 3)),
        ]);
    }
    if let Some(j) = &r.joint {
        let shared: Vec<String> = j
            .shared
            .iter()
            .map(|(k, x)| match j.shared_ci.get(k) {
                Some(ci) => format!("{k} = {} ({}–{})", format_sig(*x, 4), format_sig(ci.lo, 3), format_sig(ci.hi, 3)),
                None => format!("{k} = {}", format_sig(*x, 4)),
            })
            .collect();
        v.joint_title = format!(
            "Variants (column \"{}\") fitted jointly: shared {}; objective {}. Each variant's compute is worth the multiple of {}'s compute shown, at {} FLOP (95 % bootstrap interval).",
            j.column,
            shared.join(", "),
            format_sig(j.objective, 6),
            j.baseline,
            format_sci(j.compute, 3)
        );
        let own: Vec<&String> = j.variants.first().map(|v| v.params.keys().filter(|k| !j.shared.contains_key(*k)).collect()).unwrap_or_default();
        // The multiplier first, so that a phone shows it without scrolling.
        let mut head = vec!["variant".to_string(), format!("× {} compute", j.baseline), "L* here".to_string(), "runs".to_string()];
        head.extend(own.iter().map(|k| k.to_string()));
        v.joint.push(head);
        for row in &j.variants {
            let multiplier = match (row.multiplier, row.ci) {
                (Some(m), Some(ci)) => format!("{}× ({}–{}×)", format_sig(m, 3), format_sig(ci.lo, 3), format_sig(ci.hi, 3)),
                (Some(m), None) => format!("{}×", format_sig(m, 3)),
                _ => "beyond 10⁶× either way".into(),
            };
            let mut cells = vec![row.name.clone(), multiplier, row.loss.map_or("–".into(), |l| format_sig(l, 4)), row.runs.to_string()];
            cells.extend(own.iter().map(|k| row.params.get(*k).map_or("–".into(), |x| format_sig(*x, 5))));
            v.joint.push(cells);
        }
    }
    match (&r.isoflop, &r.isoflop_error) {
        (Some(iso), _) => {
            v.approaches.push(format!(
                "Approach 2 (IsoFLOP profiles): {} of {} budgets usable; N_opt ∝ C^{}, D_opt ∝ C^{}.",
                iso.used_groups,
                iso.groups.len(),
                exp(&iso.n_law),
                exp(&iso.d_law)
            ));
            v.approaches.extend(capped("Approach 2", &iso.warnings));
        }
        (None, Some(e)) => v.approaches.push(format!("Approach 2 (IsoFLOP profiles): {}", first_reasons(e, 3))),
        _ => {}
    }
    match (&r.envelope, &r.envelope_error) {
        (Some(env), _) => {
            v.approaches.push(format!(
                "Approach 1 (envelope of {} training curves): N_opt ∝ C^{}, D_opt ∝ C^{}.",
                env.runs,
                exp(&env.n_law),
                exp(&env.d_law)
            ));
            v.approaches.extend(capped("Approach 1", &env.warnings));
        }
        (None, Some(e)) => v.approaches.push(format!("Approach 1: {e}")),
        _ => {}
    }
    if let Some(law) = &r.fitted_law {
        if let Some((a, b)) = crate::core::laws::LossLaw::allocation_exponents(law.as_law()) {
            v.approaches.insert(0, format!("Approach 3 (this fit): N* ∝ C^{}, D* ∝ C^{}.", format_sig(a, 3), format_sig(b, 3)));
        }
    }
    v.warnings = r.warnings.clone();
    v.rolling = r.rolling.as_ref().map(|r| r.summary.clone()).unwrap_or_default();
    let row = |x: &crate::core::analysis::report::Residual, included: bool| RunRow {
        line: x.line,
        cells: [format_count(x.n, 3), format_count(x.d, 3), format_sig(x.loss, 5), format_sig(x.predicted, 5), format_sig(100.0 * (x.predicted / x.loss - 1.0), 3)],
        included,
        held_out: x.held_out,
    };
    v.runs = r.residuals.iter().map(|x| row(x, true)).chain(r.excluded.iter().map(|x| row(x, false))).collect();
    crate::core::order::sort_by(&mut v.runs, |a, b| a.line.cmp(&b.line));
    if !r.at.is_empty() {
        let iv = |p: Option<[f64; 2]>| p.map_or("–".to_string(), |[lo, hi]| format!("{} – {}", format_sig(lo, 4), format_sig(hi, 4)));
        v.at.push(["N", "D", "predicted loss", "95% CI of the law", "95% interval for one run"].map(String::from).to_vec());
        for a in &r.at {
            v.at.push(vec![format_count(a.n, 3), format_count(a.d, 3), format_sig(a.loss, 5), iv(a.ci), iv(a.prediction_interval)]);
        }
    }
    v.identification = r.profile.as_ref().map(|p| p.summary.clone()).unwrap_or_default();
    let cols: Vec<String> = r.data.columns.iter().map(|(role, header)| format!("{role} = \"{header}\"")).collect();
    v.notes.push(format!("Columns: {}{}.", cols.join(", "), if r.data.d_derived {
        "; D = C/(6N)"
    } else if r.data.n_derived {
        "; N = C/(6D)"
    } else {
        ""
    }));
    if !r.data.dropped_lines.is_empty() {
        let lines: Vec<String> = r.data.dropped_lines.iter().map(|l| l.to_string()).collect();
        v.notes.push(format!("Dropped the {} highest-loss runs (rows {}).", lines.len(), lines.join(", ")));
    }
    if r.data.skipped_rows > 0 {
        v.notes.push(format!("Skipped {} bad rows.", r.data.skipped_rows));
    }
    v.notes.push(match &r.profile {
        Some(p) => format!(
            "Searched by the profile over {} ({} grid points, the coefficients solved exactly at each), then L-BFGS from {}; {} objective evaluations over all fits.",
            p.names.iter().map(|n| crate::core::analysis::identify::greek(n)).collect::<Vec<_>>().join(" and "),
            p.values.len(),
            if r.starts == 1 { "its best basin".to_string() } else { format!("its {} best basins", r.starts) },
            r.evaluations
        ),
        None => format!(
            "{} grid starts ({} gave no finite objective), {} objective evaluations over all fits; {} distinct optima kept.",
            r.starts,
            r.failed_starts,
            r.evaluations,
            r.optima.len()
        ),
    });
    if let Some(b) = &r.bootstrap {
        v.notes.push(format!("Bootstrap: {} resamples over runs, seed {}, each warm-started at the optimum ({} failed).", b.resamples, b.seed, b.failed));
    }
    v.fit_spec = r.fitted_law.clone().map(|law| FitSpec { law, runs: r.points, compute_range: r.data.compute_range }.to_text());
    v
}

/// The compute-optimal allocation at the Budget panel's budget under each bootstrap resample of
/// the fit the Budget panel uses, with that budget: `None` when it uses a published preset, or
/// the fit has no resamples. Each resample's optimum is numeric for all but the Chinchilla form,
/// so they are found once per fit and budget, not once per keystroke, and shared by the Budget
/// panel's intervals and the tools that chain a second step onto L*.
fn budget_resample_optima(inputs: &Inputs, session: &mut Session) -> Option<(f64, Vec<crate::core::allocate::Allocation>)> {
    if !inputs.get(&crate::page::budget::LAW).eq_ignore_ascii_case("fit") {
        return None;
    }
    let compute = crate::page::budget::chart_state(inputs).compute?;
    let current = session.fit.as_ref()?;
    if current.spec.as_deref() != Some(inputs.get(&crate::page::budget::FIT)) || current.report.samples.is_empty() {
        return None;
    }
    let form = law_from_key(&current.report.law)?;
    let key = format!("{}\u{1f}{compute:e}", current.serial);
    let slot = ("budget_optima", "");
    if let Some(optima) = session.remembered(slot, &key) {
        return Some((compute, optima));
    }
    let optima = crate::core::analysis::resample_optima(form, &current.report.samples, compute);
    session.remember(slot, key, optima.clone());
    Some((compute, optima))
}

/// Adds the current fit's intervals on N*, D*, L* to the view when the Budget panel uses that fit.
pub fn add_budget_intervals(inputs: &Inputs, view: &mut View, session: &mut Session) {
    if let Some((compute, optima)) = budget_resample_optima(inputs, session) {
        budget_interval_texts(view, &crate::core::analysis::intervals_of_optima(compute, &optima));
    }
}

/// The compute-optimal loss at the Budget panel's budget under each bootstrap resample of the
/// fitted law the Budget panel uses (`None` when it uses a published preset, or the fit has no
/// resamples): the first step's uncertainty for a tool that chains a second step onto L*.
pub fn budget_loss_draws(inputs: &Inputs, session: &mut Session) -> Option<Vec<f64>> {
    let (_, optima) = budget_resample_optima(inputs, session)?;
    Some(optima.iter().map(|a| a.loss).filter(|l| l.is_finite()).collect())
}

/// The Fit panel's fit under way on the page.
pub(crate) struct PanelRun {
    /// Numbers it among the session's runs.
    pub serial: u64,
    /// Its jobs.
    pub run: FitRun,
    req: FitRequest,
    prep: Prepared,
    tasks: Vec<Task>,
    /// Whether the main law's report has been shown ahead of the comparison laws.
    shown_main: bool,
    /// Why the comparison laws were left out (too much work for the page), for the report.
    left_out: Option<String>,
}

/// The report of a panel fit, with why the comparison laws were left out, if they were.
fn panel_report(req: &FitRequest, prep: &Prepared, tasks: &[Task], outcome: FitOutcome, left_out: &Option<String>) -> Result<FitReport, FitError> {
    let mut report = plan::report(req, prep, tasks, outcome)?;
    report.warnings.extend(left_out.iter().cloned());
    Ok(report)
}

/// Why the Fit panel's fit did not start.
#[derive(Debug, Clone, PartialEq)]
pub enum StartError {
    /// Options that do not read, by field.
    Fields(BTreeMap<String, String>),
    /// The data: what and where.
    Data(FitError),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Fields(_) => f.write_str("Fix the options marked in red, then press Fit again."),
            StartError::Data(e) => write!(f, "{e}"),
        }
    }
}

/// How far the Fit panel's fit has come.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FitProgress {
    /// Work done and in all (a start counts one, a resample two).
    pub done: usize,
    /// Work in all.
    pub total: usize,
    /// Laws fitted (models, with their held-out variants).
    pub models: usize,
    /// Whether the main law's multistart has ended (its bootstrap runs next).
    pub fitted: bool,
    /// Whether the bootstrap has ended too.
    pub bootstrapped: bool,
    /// Whether the main law's fits and its bootstrap have ended ([`FitRun::foreground_done`]):
    /// its report can be shown while the comparison laws and the rolling-forward validation are
    /// still being fitted.
    pub main_done: bool,
    /// Whether everything has ended.
    pub finished: bool,
}

/// The page's bound on a fit's bootstrap: runs × resamples (the command line's is only
/// `MAX_BOOTSTRAP` resamples). 240 runs × 10 000 resamples: 0.8 s natively on one core (1 000
/// take 0.08 s), about half that on the page's two workers; 100 000 resamples took 42 s.
pub const PAGE_MAX_RUN_RESAMPLES: usize = 2_400_000;

/// The page's bound on a fit's grids of starts, over every law and variant it fits: runs ×
/// starts. The grid search of 240 runs (Hoffmann et al.'s 4 500 Chinchilla starts, every
/// comparison law's grid, each also on the training runs: 11 896 starts) stays inside it — 6.3 s
/// natively on one core with its bootstrap and validation, about 3 s on the page's two workers,
/// the most the page does for one fit; 12 500 starts is the most for 240 runs.
pub const PAGE_MAX_RUN_STARTS: usize = 3_000_000;

/// Whether a fit of `runs` runs with `resamples` resamples and `starts` grid starts stays within
/// the page's bounds; if not, a message at the field that asks for the work.
///
/// # Errors
/// Field → message, for `fit_boot` (resamples) and `fit_grid` (starts; also when the grid is
/// the default one).
pub fn check_work(runs: usize, resamples: usize, starts: usize) -> Result<(), BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let runs = runs.max(1);
    if runs.saturating_mul(resamples) > PAGE_MAX_RUN_RESAMPLES {
        errors.insert(
            "fit_boot".to_string(),
            format!(
                "at most {} resamples for {runs} runs on the page (runs × resamples ≤ {}); the command line has no such limit",
                PAGE_MAX_RUN_RESAMPLES / runs,
                format_count(PAGE_MAX_RUN_RESAMPLES as f64, 3)
            ),
        );
    }
    if runs.saturating_mul(starts) > PAGE_MAX_RUN_STARTS {
        errors.insert(
            "fit_grid".to_string(),
            format!(
                "{starts} starts over every law for {runs} runs: at most {} on the page (runs × starts ≤ {}); use a coarser grid, the profile search or the command line",
                PAGE_MAX_RUN_STARTS / runs,
                format_count(PAGE_MAX_RUN_STARTS as f64, 3)
            ),
        );
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

impl Session {
    /// Starts the Fit panel's fit of these inputs: on the page its jobs go to the workers
    /// ([`Session::next_job`]); natively it runs here and ends before this returns.
    ///
    /// # Errors
    /// Options that do not read, or data that cannot be fitted.
    pub fn start_fit(&mut self, inputs: &Inputs) -> Result<FitProgress, StartError> {
        self.cancel_fit();
        let mut req = fit_request(inputs, crate::page::budget::chart_state(inputs).compute).map_err(StartError::Fields)?;
        let prep = prepare(&req).map_err(StartError::Data)?;
        let mut tasks = plan::plan(&prep, &req);
        let starts = |tasks: &[Task]| tasks.iter().map(|t| t.starts).sum::<usize>();
        let runs = prep.runs.len();
        // Too many runs for every comparison law's grid: the main law alone, and the report says so.
        let mut left_out = None;
        if req.compare && check_work(runs, req.bootstrap, starts(&tasks)).is_err() {
            let alone = FitRequest { compare: false, ..req.clone() };
            let fewer = plan::plan(&prep, &alone);
            if check_work(runs, req.bootstrap, starts(&fewer)).is_ok() {
                left_out = Some(format!(
                    "The other laws were not fitted for comparison: {runs} runs × {} starts of their grids is past the page's bound (runs × starts ≤ {}); the command line fits them.",
                    starts(&tasks) - starts(&fewer),
                    format_count(PAGE_MAX_RUN_STARTS as f64, 3)
                ));
                (req, tasks) = (alone, fewer);
            }
        }
        check_work(runs, req.bootstrap, starts(&tasks)).map_err(StartError::Fields)?;
        let mut run = FitRun::new(plan::fit_plan(&prep, &req, &tasks));
        run.reuse(&self.tasks);
        self.serial += 1;
        self.fit_run = Some(PanelRun { serial: self.serial, run, req, prep, tasks, shown_main: false, left_out });
        if !self.deferred {
            if let Some(panel) = self.fit_run.take() {
                let PanelRun { mut run, req, prep, tasks, left_out, .. } = panel;
                run.run_jobs(&mut |_| {});
                run.keep(&mut self.tasks);
                let outcome = run.outcome();
                let report = panel_report(&req, &prep, &tasks, outcome, &left_out).map_err(StartError::Data)?;
                let spec = report_view(&report).fit_spec;
                self.set_fit(report, spec);
            }
        }
        Ok(self.fit_progress().unwrap_or(FitProgress { done: 1, total: 1, models: 0, fitted: true, bootstrapped: true, main_done: true, finished: true }))
    }

    /// Stops the Fit panel's fit; the last finished one stays. Results of its jobs still in
    /// workers are ignored when they come back.
    pub fn cancel_fit(&mut self) {
        // What it finished stays, for a fit that asks for the same tasks.
        if let Some(panel) = self.fit_run.take() {
            panel.run.keep(&mut self.tasks);
        }
    }

    /// Forgets the results of earlier fits' tasks: the next fit computes every task.
    pub fn forget_fits(&mut self) {
        self.tasks = Default::default();
    }

    /// How far the Fit panel's fit has come, while one is under way.
    pub fn fit_progress(&self) -> Option<FitProgress> {
        let panel = self.fit_run.as_ref()?;
        let (done, total) = panel.run.progress();
        Some(FitProgress {
            done,
            total,
            models: panel.tasks.len(),
            fitted: panel.run.task_done(0),
            bootstrapped: panel.run.task_done(0) && panel.run.boot_done(),
            main_done: panel.run.foreground_done(),
            finished: panel.run.is_done(),
        })
    }

    /// When the Fit panel's fit has ended: its report becomes the current fit, and this is what
    /// the panel shows (or why there is no fit). `None` while it runs.
    pub fn finish_fit(&mut self) -> Option<Result<FitView, FitError>> {
        if !self.fit_run.as_ref()?.run.is_done() {
            return None;
        }
        let PanelRun { run, req, prep, tasks, left_out, .. } = self.fit_run.take()?;
        run.keep(&mut self.tasks);
        Some(panel_report(&req, &prep, &tasks, run.outcome(), &left_out).map(|report| {
            let view = report_view(&report);
            self.set_fit(report, view.fit_spec.clone());
            view
        }))
    }

    /// Once the main law's tasks and bootstrap have ended but comparison laws are still being
    /// fitted (and only once per run): its report becomes the current fit, and this is what the
    /// panel shows meanwhile, the laws still fitting named. `None` otherwise.
    pub fn partial_fit(&mut self) -> Option<Result<FitView, FitError>> {
        let panel = self.fit_run.as_mut()?;
        if panel.shown_main || !panel.run.foreground_done() || panel.run.is_done() {
            return None;
        }
        panel.shown_main = true;
        let waiting = |i: usize| !panel.run.task_done(i);
        let mut pending: Vec<&str> =
            panel.tasks.iter().enumerate().filter(|&(i, t)| waiting(i) && t.variant == plan::Variant::Full).map(|(_, t)| t.law.name()).collect();
        if panel.tasks.iter().enumerate().any(|(i, t)| waiting(i) && matches!(t.variant, plan::Variant::Below(_))) {
            pending.push("rolling-forward validation");
        }
        let result = panel_report(&panel.req, &panel.prep, &panel.tasks, panel.run.snapshot(), &panel.left_out);
        Some(result.map(|report| {
            let mut view = report_view(&report);
            view.pending = format!("Still fitting: {}.", pending.join(", "));
            self.set_fit(report, view.fit_spec.clone());
            view
        }))
    }

    /// What the Fit panel shows for the current fit.
    pub fn fit_view(&self) -> Option<FitView> {
        self.fit.as_ref().map(|f| report_view(&f.report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_budget_lists_are_cut() {
        let e = "need 2 budgets; found 1 of 5: budget 1e16 FLOP: only 1 run; budget 2e16 FLOP: only 1 run; budget 3e16 FLOP: only 2 runs; budget 4e16 FLOP: only 1 run";
        assert_eq!(
            first_reasons(e, 2),
            "need 2 budgets; found 1 of 5: budget 1e16 FLOP: only 1 run; budget 2e16 FLOP: only 1 run; … and 2 more"
        );
        assert_eq!(first_reasons("no runs", 2), "no runs");
    }

    /// 240 runs, as the Epoch data has.
    fn runs_240() -> String {
        let mut t = String::from("N,D,loss\n");
        for i in 0..24 {
            for j in 0..10 {
                let (n, k) = (1e7 * 1.4f64.powi(i), 2.0 + 9.0 * f64::from(j));
                t += &format!("{n},{},{}\n", n * k, 1.7 + 400.0 / n.powf(0.34) + 410.0 / (n * k).powf(0.28) + 0.01 * (f64::from(i * 10 + j) * 2.3).sin());
            }
        }
        t
    }

    #[test]
    fn the_page_bounds_a_fits_work_at_its_stated_limits() {
        assert!(check_work(240, 10_000, 12_500).is_ok());
        let past = check_work(240, 10_001, 12_501).unwrap_err();
        assert!(past["fit_boot"].starts_with("at most 10000 resamples for 240 runs"), "{past:?}");
        assert!(past["fit_grid"].contains("at most 12500 on the page"), "{past:?}");
        assert!(check_work(PAGE_MAX_RUN_RESAMPLES, 1, 0).is_ok());
        assert!(check_work(PAGE_MAX_RUN_RESAMPLES + 1, 1, 0).unwrap_err().contains_key("fit_boot"));
        assert!(check_work(usize::MAX, usize::MAX, usize::MAX).is_err(), "no overflow");
    }

    #[test]
    fn the_fit_panel_refuses_work_past_its_bounds_and_keeps_the_inputs() {
        let mut session = Session::new();
        session.set_deferred(true);
        let inputs = Inputs::default().with("fit_data", runs_240());
        // The page's defaults and the 4 500-start Chinchilla grid (with every comparison law's
        // grid) are well inside the bounds.
        assert!(session.start_fit(&inputs).is_ok());
        let grid = inputs.clone().with("fit_search", "grid");
        let req = fit_request(&grid, None).unwrap();
        let starts: Vec<usize> = plan::plan(&prepare(&req).unwrap(), &req).iter().map(|t| t.starts).collect();
        assert!(session.start_fit(&grid).is_ok(), "{starts:?}");
        assert!(session.start_fit(&inputs.clone().with("fit_boot", "10000")).is_ok());
        match session.start_fit(&inputs.clone().with("fit_boot", "10001")) {
            Err(StartError::Fields(errors)) => assert!(errors["fit_boot"].starts_with("at most 10000 resamples"), "{errors:?}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert!(session.fit_progress().is_none(), "nothing started");
        let fine = "a=0:25:5, b=0:25:5, e=-1:1:0.5, alpha=0:2:0.5, beta=0:2:0.5";
        let too_fine = "a=0:25:2.5, b=0:25:5, e=-1:1:0.5, alpha=0:2:0.5, beta=0:2:0.5";
        assert!(session.start_fit(&inputs.clone().with("fit_grid", fine)).is_ok());
        match session.start_fit(&inputs.clone().with("fit_grid", too_fine)) {
            Err(StartError::Fields(errors)) => assert!(errors["fit_grid"].contains("starts over every law for 240 runs"), "{errors:?}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn too_many_runs_for_the_comparison_grids_fit_the_main_law_alone_and_say_so() {
        let mut data = String::from("N,D,loss\n");
        for i in 0..4000 {
            let (n, k) = (1e7 * (1.0 + f64::from(i) * 0.37), 2.0 + f64::from(i % 40) * 3.0);
            data += &format!("{n},{},{}\n", n * k, 1.7 + 400.0 / n.powf(0.34) + 410.0 / (n * k).powf(0.28));
        }
        let mut session = Session::new();
        let inputs = Inputs::default().with("fit_data", data).with("fit_boot", "100").with("fit_hold", "0");
        assert!(session.start_fit(&inputs).is_ok());
        let report = &session.fit.as_ref().unwrap().report;
        assert!(report.warnings.iter().any(|w| w.starts_with("The other laws were not fitted for comparison: 4000 runs")), "{:?}", report.warnings);
        assert!(report.objective.is_finite());
        // Past the bootstrap's bound, a message at its field (here at most 600 resamples).
        match session.start_fit(&inputs.clone().with("fit_boot", "601")) {
            Err(StartError::Fields(errors)) => assert!(errors["fit_boot"].starts_with("at most 600 resamples"), "{errors:?}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    /// Runs the Fit panel's fit of `inputs` as the page does (its jobs through `session`), counts
    /// the jobs that fit Farseer's law (a comparison law here), and returns them with the report.
    fn fit_through_jobs(session: &mut Session, inputs: &Inputs) -> (usize, FitReport) {
        session.set_deferred(true);
        session.start_fit(inputs).unwrap();
        let (mut farseer, mut worker) = (0, Session::new());
        while let Some(job) = session.next_job() {
            farseer += usize::from(job.args.contains("\"law\":\"farseer\""));
            let result = worker.run_job(&job.method, &job.args).unwrap();
            session.accept(job.id, &result).unwrap();
        }
        session.finish_fit().unwrap().unwrap();
        (farseer, session.fit.as_ref().unwrap().report.clone())
    }

    /// A fit that changes only the main law's options takes the comparison laws' results from
    /// the last fit (no grid-start job at all) and shows exactly what a fresh session shows;
    /// other runs fit everything again.
    #[test]
    fn a_fit_that_leaves_the_comparison_laws_alone_takes_their_results() {
        let inputs = Inputs::default().with("fit_data", crate::test_support::epoch_csv()).with("fit_drop", "5").with("fit_boot", "100");
        let mut session = Session::new();
        let (first, report) = fit_through_jobs(&mut session, &inputs);
        assert!(first > 0 && report.comparison.len() >= 4, "{first} Farseer jobs, {} laws", report.comparison.len());
        for (field, value) in [("fit_boot", "200"), ("fit_fix", "alpha=0.34"), ("fit_law", "kaplan")] {
            let changed = inputs.clone().with(field, value);
            let (again, warm) = fit_through_jobs(&mut session, &changed);
            let (cold_jobs, cold) = fit_through_jobs(&mut Session::new(), &changed);
            assert_eq!(again, 0, "Farseer fitted again for {field} = {value}");
            assert_eq!(cold_jobs, first);
            assert!(serde_json::to_string(&warm).unwrap() == serde_json::to_string(&cold).unwrap(), "{field} = {value}: not the report a fresh session shows");
        }
        // One run fewer: every law is fitted again.
        let (fewer, _) = fit_through_jobs(&mut session, &inputs.clone().with("fit_drop", "6"));
        assert_eq!(fewer, first);
    }

    #[test]
    fn option_fields_are_checked_one_by_one() {
        let inputs = Inputs::default().with("fit_delta", "abc").with("fit_boot", "-1").with("fit_law", "gpt");
        let errors = fit_request(&inputs, None).unwrap_err();
        assert!(errors["fit_delta"].contains("Huber δ"));
        assert!(errors["fit_boot"].contains("whole number"));
        assert!(errors["fit_law"].contains("unknown law"));
        let ok = fit_request(&Inputs::default().with("fit_hold", ""), Some(1e23)).unwrap();
        assert_eq!((ok.holdout, ok.bootstrap, ok.budget), (None, 1000, Some(1e23)));
    }

    /// The page's law list offers every law of N and D the registry has, and every law with a
    /// table of its own is fitted by a registered tool.
    #[test]
    fn the_page_offers_every_registered_law() {
        let offered: Vec<&str> = law_options().into_iter().map(|(k, _)| k).collect();
        let registered: Vec<&str> = crate::core::laws::RUN_LAWS.iter().map(|l| l.key()).collect();
        assert_eq!(offered, registered);
        for law in crate::core::laws::TABLE_LAWS {
            assert!(crate::page::tools::TOOLS.iter().any(|t| t.key() == law.tool()), "{}: no tool {}", law.key(), law.tool());
        }
    }
}
