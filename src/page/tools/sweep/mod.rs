//! Sweep planner: how wide the 95 % interval on N* and L* at a target budget would be if a
//! planned grid of small runs were trained, measured by simulating the runs with noise from the
//! Budget panel's (Chinchilla-form) law and fitting them many times; and which changes to the
//! plan narrow it most.

pub mod chart;

pub use crate::core::analysis::sweep::{plan, simulate};

use crate::core::laws::overfit;
use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::page::jobs::serve;
use crate::page::session::Session;
use super::{key_of, text, Field, Fields, Table, ToolView};
use crate::core::plot::ChartState;
use crate::core::laws::ChinchillaLaw;
use crate::core::plot::{ChartError, ChartStyle};
use crate::core::units::{format_count, format_sci, format_sig, parse_number, parse_quantity};
use plan::{Plan, MAX_RUNS, MAX_SIZES};
use simulate::{law_of, simulate, summarize, Run, Summary};

/// Most simulated replicates per plan.
pub const MAX_REPLICATES: usize = 500;
/// Fewest replicates (a 95 % interval needs some tail).
pub const MIN_REPLICATES: usize = 20;
/// Largest noise σ on ln L.
pub const MAX_SIGMA: f64 = 0.2;

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("sw_budgets", "swb", "1e18, 3e18, 1e19, 3e19, 1e20"),
    Field::new("sw_sizes", "swk", "5"),
    Field::new("sw_span", "swr", "4"),
    Field::data("sw_runs", "swx"),
    Field::new("sw_sigma", "sws", "0.5%"),
    Field::new("sw_target", "swt", ""),
    Field::new("sw_reps", "swn", "200"),
    Field::new("sw_seed", "swe", "1"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["sw_law", "sw_plan", "sw_target", "sw_n_ci", "sw_n_fit", "sw_l_ci", "sw_l_fit", "sw_a_ci", "sw_failed"];

/// This tool's tables (element ids `tbl-KEY`).
pub const TABLES: &[&str] = &["sw_changes"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["sw_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["sw-plan", "sw-dist"];

/// Fields the simulation depends on (the target only changes the summary).
const SIM_FIELDS: [&str; 7] = ["sw_budgets", "sw_sizes", "sw_span", "sw_runs", "sw_sigma", "sw_reps", "sw_seed"];

/// Everything the planner needs, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// The true law.
    pub law: ChinchillaLaw,
    /// The plan.
    pub plan: Plan,
    /// The plan's runs.
    pub runs: Vec<Run>,
    /// σ of the noise on ln L.
    pub sigma: f64,
    /// Target compute.
    pub target: f64,
    /// Whether the target is the Budget panel's compute.
    pub target_from_budget: bool,
    /// Replicates.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
}

/// Reads σ: "0.5%" or "0.005".
fn parse_sigma(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (body, scale) = match t.strip_suffix('%') {
        Some(b) => (b, 0.01),
        None => (t, 1.0),
    };
    let v = parse_number(body).map_err(|e| format!("noise σ {e}"))? * scale;
    if v < 0.0 {
        return Err(format!("noise σ must not be negative (got {})", format_sig(v, 3)));
    }
    if v > MAX_SIGMA {
        return Err(format!("noise σ of {} % is beyond any real sweep; at most {} %", format_sig(v * 100.0, 3), MAX_SIGMA * 100.0));
    }
    Ok(v)
}

/// Reads the target: FLOP (plain or "FLOP") or PF-days; empty means the Budget panel's compute.
fn parse_target(text: &str, budget: Option<f64>) -> Result<Option<(f64, bool)>, String> {
    if text.trim().is_empty() {
        return Ok(budget.map(|b| (b, true)));
    }
    let q = parse_quantity(text).map_err(|e| format!("target {e}"))?;
    let flop = crate::core::convert::to_flop(q, None).map_err(|e| format!("the target takes FLOP or PF-days: {e}"))?;
    crate::core::allocate::check_budget(flop).map(|c| Some((c, false))).map_err(|e| format!("target: {e}"))
}

/// `r`'s value, or `None` with its error recorded under `field`.
fn ok<T>(view: &mut ToolView, field: &str, r: Result<T, String>) -> Option<T> {
    r.map_err(|e| view.err(field, e)).ok()
}

/// Reads and checks every field; errors go into `view` by field.
pub fn read(fields: &Fields, budget: &ChartState, view: &mut ToolView) -> Option<Inputs> {
    let law = budget.law.chinchilla();
    if law.is_none() {
        view.unanswered(
            "sw_law",
            format!(
                "The planner simulates and fits the Chinchilla form L = E + A/N^α + B/D^β; the Budget panel's law ({}) is not of that form. Pick Epoch, Hoffmann or Muennighoff there, or use a Chinchilla fit.",
                budget.law.label()
            ),
        );
    }
    let budgets = ok(view, "sw_budgets", plan::parse_budgets(text(fields, "sw_budgets")).map_err(|e| e.to_string()));
    let sizes = ok(view, "sw_sizes", crate::page::budget::whole(text(fields, "sw_sizes"), "sizes per budget", 1, MAX_SIZES));
    let span = ok(view,
        "sw_span",
        parse_number(text(fields, "sw_span")).map_err(|e| format!("span {e}")).and_then(|v| {
            if (1.0..=100.0).contains(&v) {
                Ok(v)
            } else {
                Err(format!("span must be between 1 and 100 (got {})", format_sig(v, 4)))
            }
        }),
    );
    let extra = ok(view, "sw_runs", plan::parse_extra(text(fields, "sw_runs")).map_err(|e| e.to_string()));
    let sigma = ok(view, "sw_sigma", parse_sigma(text(fields, "sw_sigma")));
    let replicates = ok(view,
        "sw_reps",
        crate::page::budget::whole(text(fields, "sw_reps"), "replicates (each a full fit in your browser tab)", MIN_REPLICATES, MAX_REPLICATES),
    );
    let seed = ok(view, "sw_seed", crate::page::budget::whole(text(fields, "sw_seed"), "seed", 0, 1_000_000_000).map(|s| s as u64));
    let target = ok(view, "sw_target", parse_target(text(fields, "sw_target"), budget.compute));
    let (law, budgets, sizes, span, extra, sigma, replicates, seed, target) =
        (law?, budgets?, sizes?, span?, extra?, sigma?, replicates?, seed?, target?);
    let Some((target, target_from_budget)) = target else {
        view.unanswered("sw_target", "The Budget panel's compute is not valid; type a target compute here.");
        return None;
    };
    let plan = Plan { budgets, sizes, span, extra, repeats: 1 };
    let runs = plan.runs(&law);
    let count = runs.len();
    if count == 0 {
        view.err("sw_budgets", "no runs planned: list budgets here or type runs in the table below");
        return None;
    }
    if count > MAX_RUNS {
        view.err("sw_budgets", format!("{count} runs planned; at most {MAX_RUNS} (budgets × sizes plus the table)"));
        return None;
    }
    if let Err(e) = simulate::identifiable(&runs, &law) {
        view.err("sw_budgets", e.to_string());
        return None;
    }
    Some(Inputs { law, plan, runs, sigma, target, target_from_budget, replicates, seed })
}

/// One simulated plan: its runs and every replicate's fitted θ.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Simulated {
    /// Its runs.
    pub runs: Vec<Run>,
    /// Each replicate's θ.
    pub thetas: Vec<Option<[f64; 5]>>,
}

/// Simulates the plan, in the background on the page (the panel and both charts share one
/// run; the target is not part of the key, since it only changes the summary). `None` while it
/// runs.
pub fn simulations(fields: &Fields, session: &mut Session, inputs: &Inputs) -> Option<Rc<Simulated>> {
    let key = key_of(fields, &SIM_FIELDS, &format!("{:?}", inputs.law));
    let args = (&inputs.runs, &inputs.law, inputs.sigma, inputs.seed, inputs.replicates);
    session.job("sw", "sw-sim", key, "sw.simulate", &args, |(runs, law, sigma, seed, replicates)| simulated(runs, law, *sigma, *seed, *replicates)).done()
}

/// Every replicate of a plan simulated and refitted: on the page, in a worker.
fn simulated(runs: &[Run], law: &ChinchillaLaw, sigma: f64, seed: u64, replicates: usize) -> Simulated {
    Simulated { runs: runs.to_vec(), thetas: simulate(runs, law, sigma, seed, replicates) }
}

/// "62B – 95B".
fn count_range(lo: f64, hi: f64) -> String {
    format!("{} – {}", format_count(lo, 3), format_count(hi, 3))
}

fn percent(x: f64) -> String {
    let s = format_sig(x.abs() * 100.0, 2);
    if s == "0" {
        "0 %".into()
    } else if x > 0.0 {
        format!("+{s} %")
    } else {
        format!("−{s} %")
    }
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    let Some(inputs) = read(fields, budget, &mut view) else {
        return view;
    };
    let law = inputs.law;
    overfit_note(&mut view, &inputs.runs);
    view.out(
        "sw_law",
        format!(
            "{}: E = {}, A = {}, B = {}, α = {}, β = {}",
            budget.law.label(),
            format_sig(law.e, 4),
            format_sig(law.a, 4),
            format_sig(law.b, 4),
            format_sig(law.alpha, 4),
            format_sig(law.beta, 4)
        ),
    );
    let runs = &inputs.runs;
    let total: f64 = runs.iter().map(|r| r.c).sum();
    let largest = runs.iter().map(|r| r.c).fold(0.0, f64::max);
    view.out(
        "sw_plan",
        format!(
            "{} runs, {} FLOP in total ({} of the target)",
            runs.len(),
            format_sci(total, 3),
            share(total / inputs.target)
        ),
    );
    view.out(
        "sw_target",
        format!(
            "{} FLOP{}, {}× the largest run",
            format_sci(inputs.target, 3),
            if inputs.target_from_budget { " (the Budget panel's compute)" } else { "" },
            format_sig(inputs.target / largest, 2)
        ),
    );
    view.table("sw_changes", changes_table(&inputs));
    let Some(sims) = simulations(fields, session, &inputs) else {
        view.busy("sw_n_ci", format!("simulating {} sweeps…", inputs.replicates));
        return view;
    };
    let Some(s) = summarize(&sims.thetas, &law, inputs.target) else {
        view.unanswered(
            "sw_budgets",
            format!(
                "Fewer than {MIN_REPLICATES} of the {} simulated fits gave a usable law: this plan cannot pin the law down at this noise level.",
                inputs.replicates
            ),
        );
        return view;
    };
    fill_summary(&mut view, &s);
    notes(&mut view, &inputs, &s, runs);
    view
}

/// Which planned runs fall below Kaplan et al.'s overfitting bound (eq. 4.4), if any.
fn overfit_note(view: &mut ToolView, runs: &[Run]) {
    let below: Vec<&Run> = runs.iter().filter(|r| r.d() < overfit::min_tokens(r.n)).collect();
    let Some(worst) = below.iter().min_by(|a, b| overfit::margin(a.n, a.d()).total_cmp(&overfit::margin(b.n, b.d()))) else {
        return;
    };
    view.note(
        "sw_notes",
        format!(
            "{} of the {} planned runs fall below Kaplan's overfitting bound (D ≳ 5×10³·N^0.74, eq. 4.4); the furthest below: {} parameters on {} tokens, where the bound asks {}. In Kaplan's early-stopped runs such models overfit; smaller sizes at those budgets avoid it.",
            below.len(),
            runs.len(),
            format_count(worst.n, 3),
            format_count(worst.d(), 3),
            format_count(overfit::min_tokens(worst.n), 3)
        ),
    );
}

fn share(x: f64) -> String {
    format!("{} %", format_sig(x * 100.0, 2))
}

fn fill_summary(view: &mut ToolView, s: &Summary) {
    let n = s.n_star;
    view.out(
        "sw_n_ci",
        format!(
            "{} (×{} wide: {} / {} around the truth)",
            count_range(n.ci.lo, n.ci.hi),
            format_sig(n.factor(), 3),
            percent(n.ci.lo / n.truth - 1.0),
            percent(n.ci.hi / n.truth - 1.0)
        ),
    );
    view.out(
        "sw_n_fit",
        format!("{} (true {}, bias {})", format_count(n.median, 3), format_count(n.truth, 3), percent(n.bias())),
    );
    let l = s.l_star;
    view.out(
        "sw_l_ci",
        format!(
            "{} – {} (width {}, {} of L*)",
            format_sig(l.ci.lo, 4),
            format_sig(l.ci.hi, 4),
            format_sig(l.ci.hi - l.ci.lo, 2),
            share(l.relative_width())
        ),
    );
    view.out("sw_l_fit", format!("{} (true {}, bias {})", format_sig(l.median, 4), format_sig(l.truth, 4), percent(l.bias())));
    let a = s.exponent;
    view.out(
        "sw_a_ci",
        format!("{} – {} (true {}, median {})", format_sig(a.ci.lo, 3), format_sig(a.ci.hi, 3), format_sig(a.truth, 3), format_sig(a.median, 3)),
    );
    view.out("sw_failed", format!("{} of {}", s.failed, s.replicates));
}

fn changes_table(inputs: &Inputs) -> Table {
    let head = ["Plan", "Runs", "Compute", "N* 95 % CI width", "vs now", "L* CI width"];
    let law = &inputs.law;
    let base_compute: f64 = inputs.runs.iter().map(|r| r.c).sum();
    let widths = |runs: &[Run]| simulate::linearised_widths(runs, law, inputs.sigma, inputs.target);
    let base = widths(&inputs.runs);
    let base_log = base.map(|w| w.0.ln()).filter(|w| *w > 0.0);
    let row = |label: String, runs: &[Run], current: bool| -> (f64, Vec<String>) {
        let compute: f64 = runs.iter().map(|r| r.c).sum();
        let compute_text =
            if current { format!("{} FLOP", format_sci(compute, 2)) } else { format!("×{}", format_sig(compute / base_compute, 3)) };
        match widths(runs) {
            Some((n, l)) => {
                let vs = match base_log {
                    Some(b) if !current => percent(n.ln() / b - 1.0),
                    _ => "—".to_string(),
                };
                (n, vec![label, runs.len().to_string(), compute_text, format!("×{}", format_sig(n, 3)), vs, share(l)])
            }
            None => (f64::INFINITY, vec![label, runs.len().to_string(), compute_text, "cannot identify".into(), "—".into(), "—".into()]),
        }
    };
    let mut rows: Vec<(f64, Vec<String>)> =
        plan::changes(&inputs.plan, law).into_iter().map(|c| row(c.label, &c.plan.runs(law), false)).collect();
    crate::core::order::sort_by_f64(&mut rows, |r| r.0);
    let mut all = vec![row("Current plan".into(), &inputs.runs, true).1];
    all.extend(rows.into_iter().map(|r| r.1));
    Table { head: head.iter().map(|h| h.to_string()).collect(), rows: all }
}

fn notes(view: &mut ToolView, inputs: &Inputs, s: &Summary, runs: &[Run]) {
    let list = "sw_notes";
    view.note(
        list,
        format!(
            "Each replicate draws ln L = ln L_true(N, D) + σ·ε (ε standard normal, σ = {} %) for every planned run and fits L = E + A/N^α + B/D^β with the Chinchilla recipe (Huber δ = 10⁻³ on ln L, L-BFGS from the true parameters and 2 tilted starts). Intervals are the 2.5th–97.5th percentiles over {} replicates.",
            format_sig(inputs.sigma * 100.0, 3),
            inputs.replicates
        ),
    );
    view.note(list, "The table of changes uses the linearised interval (Gauss–Newton covariance of the parameters, scaled by the Huber estimator's variance under normal noise), which takes microseconds per plan; compare its current-plan row with the simulated interval above to see how far the linearisation is off for this plan (it is symmetric in log N*, the simulation need not be).");
    view.note(list, "The same seed gives the same numbers; each run's noise depends only on the seed, the replicate and the run, so editing the plan does not reshuffle the other runs' noise.");
    if inputs.sigma == 0.0 {
        view.note(list, "σ = 0: every fit recovers the law exactly, so the intervals have zero width. Real runs are noisy (seed-to-seed variation of the final loss is often 0.2–1 %).");
    }
    if s.failed * 10 > s.replicates {
        view.note(list, format!("{} of {} fits failed (no law with positive exponents): the plan barely pins the law down.", s.failed, s.replicates));
    }
    let budgets = {
        let mut b: Vec<f64> = runs.iter().map(|r| r.c).collect();
        b.sort_by(f64::total_cmp);
        b.dedup_by(|a, b| (*a / *b - 1.0).abs() < 1e-9);
        b.len()
    };
    if budgets < 3 {
        view.note(list, format!("Only {budgets} distinct budget{}: the frontier's slope comes from very few points; add budgets.", if budgets == 1 { "" } else { "s" }));
    }
    let largest = runs.iter().map(|r| r.c).fold(0.0, f64::max);
    if inputs.target / largest > 1e3 {
        view.note(
            list,
            format!(
                "The target is {}× the largest run: the interval assumes the law's form holds all the way there; it measures noise, not a wrong form.",
                format_sci(inputs.target / largest, 2)
            ),
        );
    }
    if s.n_star.bias().abs() > 0.05 {
        view.note(list, format!("The median fitted N* is off the truth by {}: the robust fit is biased for this plan, not just noisy.", percent(s.n_star.bias())));
    }
}

/// The replicate laws of the current plan (for the charts), with the inputs.
pub fn replicate_laws(fields: &Fields, budget: &ChartState, session: &mut Session) -> Result<(Inputs, Rc<Simulated>), String> {
    let mut view = ToolView::default();
    match read(fields, budget, &mut view) {
        Some(inputs) => match simulations(fields, session, &inputs) {
            Some(sims) => Ok((inputs, sims)),
            None => Err(format!("Simulating {} sweeps…", inputs.replicates)),
        },
        None => {
            let why = view.errors.values().chain(view.unanswered.values()).next().cloned();
            Err(why.unwrap_or_else(|| "Fix the planner's inputs to see the chart.".into()))
        }
    }
}

/// Laws fitted by the replicates that succeeded.
pub fn laws(sim: &Simulated) -> Vec<ChinchillaLaw> {
    sim.thetas.iter().flatten().filter_map(law_of).collect()
}

/// Draws one of [`CHARTS`].
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    session: &mut Session,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (inputs, sims) = match replicate_laws(fields, budget, session) {
        Ok(v) => v,
        Err(why) => return crate::core::plot::draw_message(area, style, &why),
    };
    match kind {
        "sw-plan" => chart::draw_plan(area, &inputs, &sims, style),
        "sw-dist" => chart::draw_distribution(area, &inputs, &sims, style),
        _ => Err(ChartError::Unknown(kind.to_string())),
    }
}

/// What the tool declares (see [`super::ToolSpec`]).
/// "sw_law" says why the Budget panel's law cannot be simulated.
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "sw",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    messages: &["sw_law"],
    tables: TABLES,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

/// Runs one of its slow computations in a worker (see [`crate::page::jobs`]): `None` when
/// `method` is not one of its own.
pub(super) fn run_job(method: &str, args: &str) -> Option<Result<String, String>> {
    let simulate = |(runs, law, sigma, seed, replicates): &(Vec<Run>, ChinchillaLaw, f64, u64, usize)| simulated(runs, law, *sigma, *seed, *replicates);
    (method == "sw.simulate").then(|| serve(args, simulate))
}

super::tool!(Sweep, jobs);

#[cfg(test)]
mod tests;
