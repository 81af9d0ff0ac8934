//! Data-constrained allocation with repeated tokens (Muennighoff et al. 2023): a cap U on unique
//! tokens, the loss-minimising allocation at the Budget panel's compute when D > U means
//! repeating, against the unconstrained optimum; R_D*, R_N* fitted on pasted runs.


mod chart;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::page::jobs::FromPaste;
use crate::core::analysis::run::{BootSpec, FitOutcome, FitPlan, Problem, TaskSearch, TaskSpec};
use crate::core::fit::grid::Grid;
use crate::page::session::Session;
use super::{key_of, text, Field, Fields, Table, ToolView};
use crate::core::plot::ChartState;
use crate::core::laws::muennighoff::{self as mu, CappedPlan, DataConstrainedLaw, RStarFit, RepeatColumns};
use crate::core::laws::LossLaw;
use crate::core::plot::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::marks::{bounds, draw_guide, draw_marker, legend_room, line_style, span};
use crate::core::plot::{draw_message, log_space, ChartError, ChartStyle};
use crate::core::units::{format_count, format_sci, format_sig};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("dl_u", "dlu", "100B"),
    Field::new("dl_law", "dll", "published"),
    Field::data("dl_runs", "dlr"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["dl_stars", "dl_n", "dl_d", "dl_epochs", "dl_loss", "dl_n0", "dl_d0", "dl_loss0", "dl_penalty", "dl_eff", "dl_fit", "dl_local"];

/// This tool's tables (element ids `tbl-KEY`).
pub const TABLES: &[&str] = &["dl_compare"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["dl_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["dl-loss", "dl-frontier"];

/// Bootstrap resamples behind the R* intervals (each a warm-started refit; cheap).
const RESAMPLES: usize = 200;
/// Seed of that bootstrap.
const SEED: u64 = 42;

/// The pasted runs' fit (the best and the one polished from the published R*), or why there is none.
type RunsFit = Result<(RStarFit, RStarFit), String>;

type RunsOutcome = FromPaste<RunsFit>;

fn fit_runs(fields: &Fields, session: &mut Session) -> RunsOutcome {
    let pasted = text(fields, "dl_runs");
    if pasted.trim().is_empty() {
        return FromPaste::Empty;
    }
    let runs = || -> Result<mu::RStarModel, String> {
        let read = mu::read_runs(pasted, &RepeatColumns::default()).map_err(|e| e.to_string())?;
        if read.bad_count > 0 {
            return Err(crate::core::runs::summarize_bad_rows(&read.bad, read.bad_count, 3));
        }
        if read.runs.len() > MAX_RUNS {
            return Err(format!("at most {MAX_RUNS} runs on the page (this table has {}); the command line has no such limit", read.runs.len()));
        }
        if read.runs.len() < mu::MIN_RUNS {
            return Err(format!("fitting R_D* and R_N* needs at least {} runs (got {})", mu::MIN_RUNS, read.runs.len()));
        }
        Ok(mu::RStarModel::new(read.runs, mu::base()))
    };
    let plan = || runs().map_err(Err).and_then(|model| rstar_plan(&model).map_err(|e| Err(e.to_string())));
    let finish = |outcome: FitOutcome| runs().and_then(|model| rstar_fits(&model, outcome));
    session.fit("dl", "dl_fit", key_of(fields, &["dl_runs"], ""), plan, finish).into()
}

/// The most runs the page fits R_D*, R_N* to: 20 000 runs took 6.1 s natively on one core (with
/// the bootstrap), so this many take about 1.5 s, less on the page's workers.
pub const MAX_RUNS: usize = 5_000;

/// The R* fit as jobs: a multistart over the grid (with its bootstrap), and a local fit from the
/// published R* (which basin of the flat valley they sit in).
fn rstar_plan(model: &mu::RStarModel) -> Result<FitPlan, serde_json::Error> {
    let problem = Problem::Table { law: "muennighoff".into(), model: serde_json::to_value(model)? };
    let local = Grid { axes: vec![vec![mu::R_D_STAR.ln()], vec![mu::R_N_STAR.ln()]] };
    Ok(FitPlan {
        tasks: vec![TaskSpec { problem: problem.clone(), search: TaskSearch::Grid(mu::grid()), delta: DELTA }, TaskSpec { problem, search: TaskSearch::Grid(local), delta: DELTA }],
        boot: Some(BootSpec { task: 0, resamples: RESAMPLES, seed: SEED }),
        foreground: 2,
    })
}

/// Both fits read off the jobs' outcome.
fn rstar_fits(model: &mu::RStarModel, outcome: FitOutcome) -> RunsFit {
    let mut tasks = outcome.tasks.into_iter();
    let best = tasks.next().flatten().ok_or("no starting point gave a finite fit of R_D*, R_N* (are the losses and token counts right?)")?;
    let local = tasks.next().flatten().ok_or("the local fit of R_D*, R_N* did not give finite values")?;
    Ok((mu::rstar_fit(model, &best.best, &outcome.samples), mu::rstar_fit(model, &local.best, &[])))
}

/// Huber δ of the R* fits (LAWS.md).
const DELTA: f64 = 1e-3;

/// The law the panel uses, with a label, after reading `dl_law` and the runs.
fn chosen_law(fields: &Fields, fit: &RunsOutcome, view: &mut ToolView) -> (DataConstrainedLaw, String) {
    let published = (DataConstrainedLaw::published(), "published R* (Muennighoff et al. 2023)".to_string());
    match text(fields, "dl_law").trim() {
        "published" | "" => published,
        "fit" => match fit {
            FromPaste::Done(done) => match &**done {
                Ok((f, _)) => (DataConstrainedLaw::with_stars(f.rd_star, f.rn_star), format!("R* fitted to your {} runs", f.points)),
                Err(_) => {
                    view.unanswered("dl_law", "the pasted runs have no fit; the published values are used meanwhile");
                    published
                }
            },
            FromPaste::Busy => {
                view.unanswered("dl_law", "fitting R* to your runs; the published values are used meanwhile");
                published
            }
            FromPaste::Empty => {
                view.unanswered("dl_law", "paste runs below to fit R*; the published values are used meanwhile");
                published
            }
        },
        other => {
            view.err("dl_law", format!("unknown choice \"{}\" (published or fit)", crate::core::units::truncate(other)));
            published
        }
    }
}

fn read_unique(fields: &Fields, view: &mut ToolView) -> Option<f64> {
    crate::page::budget::number(text(fields, "dl_u"), "unique tokens U", 1e6, 1e16).map_err(|e| view.err("dl_u", e)).ok()
}

fn plan_of(session: &mut Session, budget: &ChartState, law: &DataConstrainedLaw, unique: f64) -> Option<Result<CappedPlan, String>> {
    let compute = budget.compute?;
    let key = format!("{compute:e}|{unique:e}|{:e}|{:e}", law.rd_star, law.rn_star);
    Some(session.memo("dl_plan", key, || mu::capped_optimum(law, compute, unique).map_err(|e| e.to_string())))
}

fn pct(x: f64) -> String {
    format!("{}%", format_sig(x * 100.0, 3))
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    let fit = fit_runs(fields, session);
    let done = match &fit {
        FromPaste::Done(done) => Some(&**done),
        FromPaste::Busy => {
            view.busy("dl_fit", "fitting…");
            view.busy("dl_local", "fitting…");
            None
        }
        FromPaste::Empty => {
            view.out("dl_fit", "no runs pasted");
            view.out("dl_local", "no runs pasted");
            None
        }
    };
    match done {
        Some(Ok((f, local))) => {
            let ci = |i: usize| {
                f.intervals.map(|iv| {
                    let (lo, hi) = iv.get(i).copied().unwrap_or((f64::NAN, f64::NAN));
                    let hi = if hi > 1e4 { "unbounded (above 10⁴)".to_string() } else { format_sig(hi, 3) };
                    format!(" (95% CI {} – {hi})", format_sig(lo, 3))
                })
            };
            view.out(
                "dl_local",
                format!(
                    "R_D* = {}, R_N* = {}, objective {} (polished from the published 15.39, 5.31)",
                    format_sig(local.rd_star, 5),
                    format_sig(local.rn_star, 5),
                    format_sig(local.objective, 6)
                ),
            );
            if local.objective > f.objective + 1e-9 * f.objective.abs().max(1e-12) {
                view.note(
                    "dl_notes",
                    format!(
                        "Your runs' objective has more than one basin: the best fit (objective {}) is not the one near the published R* (objective {}). R* are weakly determined by these runs.",
                        format_sig(f.objective, 6),
                        format_sig(local.objective, 6)
                    ),
                );
            }
            if f.intervals.is_some_and(|iv| iv.iter().any(|(lo, hi)| hi / lo > 10.0)) {
                view.note("dl_notes", "The bootstrap interval of R* spans more than a factor of 10: these runs pin R* down poorly.");
            }
            view.out(
                "dl_fit",
                format!(
                    "R_D* = {}{}, R_N* = {}{} on {} runs; objective {} (Σ Huber, δ = 10⁻³, on ln L); R² {}",
                    format_sig(f.rd_star, 5),
                    ci(0).unwrap_or_default(),
                    format_sig(f.rn_star, 5),
                    ci(1).unwrap_or_default(),
                    f.points,
                    format_sig(f.objective, 6),
                    crate::core::fit::model::r2_text(f.r2, 4),
                ),
            );
            view.out("dl_rd", format_sig(f.rd_star, 5));
            view.out("dl_rn", format_sig(f.rn_star, 5));
        }
        Some(Err(e)) => view.err("dl_runs", e.clone()),
        None => {}
    }
    let (law, label) = chosen_law(fields, &fit, &mut view);
    view.out("dl_stars", format!("{} ({})", mu::describe(&law), label));
    let unique = read_unique(fields, &mut view);
    let Some(unique) = unique else { return view };
    let Some(plan) = plan_of(session, budget, &law, unique) else {
        view.unanswered("dl_u", "set a valid compute budget in the Budget panel");
        return view;
    };
    let plan = match plan {
        Ok(p) => p,
        Err(e) => {
            view.unanswered("dl_u", e);
            return view;
        }
    };
    let (c, u) = (&plan.constrained, &plan.unconstrained);
    view.out("dl_n", format_count(c.n, 3));
    view.out("dl_d", format_count(c.d, 3));
    view.out("dl_epochs", format_sig(plan.epochs, 3));
    view.out("dl_loss", format_sig(c.loss, 5));
    view.out("dl_n0", format_count(u.n, 3));
    view.out("dl_d0", format_count(u.d, 3));
    view.out("dl_loss0", format_sig(u.loss, 5));
    view.out("dl_penalty", format!("+{} nats ({})", format_sig(plan.penalty.max(0.0), 3), pct(plan.penalty.max(0.0) / u.loss)));
    view.out(
        "dl_eff",
        format!(
            "D' = {} effective tokens of {} seen; N' = {} effective parameters of {}",
            format_count(plan.effective.d_eff, 3),
            format_count(c.d, 3),
            format_count(plan.effective.n_eff, 3),
            format_count(c.n, 3)
        ),
    );
    let epochs_naive = u.d / unique;
    view.table(
        "dl_compare",
        Table {
            head: vec!["".into(), "N".into(), "D".into(), "epochs over U".into(), "loss".into()],
            rows: vec![
                vec!["Unlimited data (base law)".into(), format_count(u.n, 3), format_count(u.d, 3), "—".into(), format_sig(u.loss, 5)],
                vec![
                    "Same N, D with U unique tokens".into(),
                    format_count(u.n, 3),
                    format_count(u.d, 3),
                    format_sig(epochs_naive.max(0.0), 3),
                    format_sig(plan.naive_loss, 5),
                ],
                vec![
                    "Best allocation with U unique tokens".into(),
                    format_count(c.n, 3),
                    format_count(c.d, 3),
                    format_sig(plan.epochs, 3),
                    format_sig(c.loss, 5),
                ],
            ],
        },
    );
    if plan.epochs <= 1.0 {
        view.note("dl_notes", format!("The cap does not bind: the optimum needs {} tokens, fewer than U = {}.", format_count(u.d, 3), format_count(unique, 3)));
    } else if plan.epochs > 60.0 {
        view.note("dl_notes", "Beyond about 60 epochs Muennighoff et al. had few runs; the law is an extrapolation there.");
    }
    view.note(
        "dl_notes",
        format!(
            "Base law fixed to Muennighoff et al.'s C4 fit (E {}, A {}, B {}, α = β {}), not the Budget panel's law: R* were fitted relative to it. Source: {}.",
            format_sig(law.base.e, 5),
            format_sig(law.base.a, 5),
            format_sig(law.base.b, 5),
            format_sig(law.base.alpha, 4),
            mu::CITATION
        ),
    );
    view
}

// ---------------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------------

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "dl",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    tables: TABLES,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

super::tool!(DataLimit);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::budget::{chart_state, Inputs};
    use crate::core::plot::Theme;

    use crate::page::tools::fields_with as fields;

    fn budget(compute: &str) -> ChartState {
        let inputs = Inputs::default().with("compute", compute);
        chart_state(&inputs)
    }

    #[test]
    fn the_pasted_runs_are_bounded() {
        let table = |rows: usize| {
            let mut t = String::from("N,D,U,loss\n");
            for i in 0..rows {
                let n = 1e8 * (1.0 + i as f64 * 0.01);
                t += &format!("{n},{},{},{}\n", 20.0 * n, 5.0 * n, 2.0 + 100.0 / n.powf(0.3));
            }
            t
        };
        // Deferred, as on the page: at the bound the fit is planned (busy), past it refused.
        let mut session = Session::new();
        session.set_deferred(true);
        let at = evaluate(&fields(&[("dl_runs", &table(MAX_RUNS)), ("dl_law", "fit")]), &budget("1e22"), &mut session);
        assert!(!at.errors.contains_key("dl_runs"), "{:?}", at.errors);
        let past = evaluate(&fields(&[("dl_runs", &table(MAX_RUNS + 1)), ("dl_law", "fit")]), &budget("1e22"), &mut session);
        assert!(past.errors["dl_runs"].contains(&format!("at most {MAX_RUNS} runs on the page (this table has {})", MAX_RUNS + 1)), "{:?}", past.errors);
    }

    #[test]
    fn defaults_give_a_repeating_plan() {
        let view = evaluate(&fields(&[]), &budget("5.76e23"), &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        let epochs: f64 = view.outputs["dl_epochs"].parse().unwrap();
        assert!(epochs > 1.0, "{:?}", view.outputs);
        assert!(view.outputs["dl_penalty"].starts_with('+'));
        assert_eq!(view.tables["dl_compare"].rows.len(), 3);
    }

    #[test]
    fn readme_allocation_on_the_page() {
        let c = format!("{:e}", 6.0 * 8.67e9 * 178e9);
        let view = evaluate(&fields(&[("dl_u", "25B")]), &budget(&c), &mut Session::new());
        assert_eq!(view.outputs["dl_d"], "227B", "{:?}", view.outputs);
        assert_eq!(view.outputs["dl_n"], "6.8B");
    }

    #[test]
    fn bad_inputs_give_messages_and_keep_the_rest() {
        let mut session = Session::new();
        for bad in ["abc", "-5B", "0", ""] {
            let view = evaluate(&fields(&[("dl_u", bad)]), &budget("1e23"), &mut session);
            assert!(view.errors.contains_key("dl_u"), "{bad}: {:?}", view.errors);
            assert!(view.outputs.contains_key("dl_stars"));
        }
        let view = evaluate(&fields(&[("dl_runs", "N,D,U,loss\n1e9,1e10,2e10,3\n")]), &budget("1e23"), &mut session);
        assert!(view.errors["dl_runs"].contains("exceed total tokens"), "{:?}", view.errors);
        assert!(view.outputs.contains_key("dl_n"));
        let view = evaluate(&fields(&[("dl_runs", "N,D,U,loss\n1e9,2e10,1e10,3\n")]), &budget("1e23"), &mut session);
        assert!(view.errors["dl_runs"].contains("at least 3"), "{:?}", view.errors);
        let view = evaluate(&fields(&[("dl_law", "fit")]), &budget("1e23"), &mut session);
        assert!(view.unanswered.contains_key("dl_law"));
        let view = evaluate(&fields(&[("dl_law", "bogus")]), &budget("1e23"), &mut session);
        assert!(view.errors.contains_key("dl_law"));
        let view = evaluate(&fields(&[]), &budget("nonsense"), &mut session);
        assert!(view.unanswered.contains_key("dl_u"));
    }

    #[test]
    fn pasted_runs_fit_and_can_drive_the_allocation() {
        let truth = DataConstrainedLaw::with_stars(8.0, 3.0);
        let mut text = String::from("N,D,U,loss\n");
        for n in [1e8, 5e8, 2e9] {
            for u in [1e9, 4e9] {
                for e in [1.0, 3.0, 10.0, 40.0] {
                    text.push_str(&format!("{n:e},{:e},{u:e},{}\n", u * e, truth.loss_ndu(n, u * e, u)));
                }
            }
        }
        let view = evaluate(&fields(&[("dl_runs", &text), ("dl_law", "fit")]), &budget("1e22"), &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert_eq!(view.outputs["dl_rd"], "8");
        assert_eq!(view.outputs["dl_rn"], "3");
        assert!(view.outputs["dl_stars"].contains("fitted"), "{:?}", view.outputs);
    }

    #[test]
    fn chart_draws_in_both_themes_and_widths() {
        let mut session = Session::new();
        for (w, theme) in [(900u32, Theme::Light), (360, Theme::Dark)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 320)).into_drawing_area();
                draw("dl-loss", &area, &fields(&[]), &budget("5.76e23"), &mut session, &ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("Loss vs"), "{w}");
            assert!(!svg.contains("NaN"));
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 320)).into_drawing_area();
                draw("dl-frontier", &area, &fields(&[]), &budget("5.76e23"), &mut session, &ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("Best N"), "{w}");
            assert!(!svg.contains("NaN"));
        }
    }
}
