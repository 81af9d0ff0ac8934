//! Compare two fits: two pasted run tables (two datasets or two architectures), each fitted with
//! the Chinchilla form, both compute-optimal frontiers L*(C) on one chart, and the compute at
//! which they cross with a bootstrap interval — or a statement that they do not cross in the
//! plotted range and which one is lower there.


mod chart;
pub use chart::draw;

use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::page::jobs::{serve, FromPaste};
use crate::page::session::Session;
use super::{key_of, text, Field, Fields, Table, ToolView};
use crate::core::plot::ChartState;
use crate::core::analysis::compare::{self, compare, frontier, CompareError, Comparison, DatasetFit, MAX_RESAMPLES};
use crate::core::laws::{ChinchillaLaw, LossLaw};
use crate::core::plot::frame::{builder, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::{draw_message, log_space, mix, ChartError, ChartStyle};
use crate::core::units::{format_count, format_sci, format_sig};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::data("cmp_a", "ca"),
    Field::data("cmp_b", "cb"),
    Field::new("cmp_name_a", "cna", "A"),
    Field::new("cmp_name_b", "cnb", "B"),
    Field::new("cmp_cmin", "cc0", ""),
    Field::new("cmp_cmax", "cc1", ""),
    Field::new("cmp_boot", "cbs", "200"),
    Field::new("cmp_seed", "csd", "1"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["cmp_cross", "cmp_ci", "cmp_loss", "cmp_verdict", "cmp_sizes", "cmp_range", "cmp_law_a", "cmp_law_b"];

/// This tool's tables (element ids `tbl-KEY`).
pub const TABLES: &[&str] = &["cmp"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["cmp_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["cmp-frontiers"];

/// What the panel needs, computed once per input change.
#[derive(Debug, Clone)]
struct State {
    /// Table A's fit; `None` while it is empty or being fitted.
    a: Option<Rc<Result<DatasetFit, CompareError>>>,
    /// Table B's fit, likewise.
    b: Option<Rc<Result<DatasetFit, CompareError>>>,
    names: (String, String),
    range: Result<(f64, f64), (String, String)>,
    /// The comparison, when both fits and the range are good.
    cmp: Option<Rc<Comparison>>,
    /// A table is being fitted in the background.
    busy: bool,
}

fn resamples_of(fields: &Fields) -> Result<usize, String> {
    crate::page::budget::whole(text(fields, "cmp_boot"), "Resamples", 0, MAX_RESAMPLES)
}

fn seed_of(fields: &Fields) -> Result<u64, String> {
    crate::page::budget::whole(text(fields, "cmp_seed"), "The seed", 0, u32::MAX as usize).map(|s| s as u64)
}

fn name_of(fields: &Fields, field: &str, fallback: &str) -> String {
    let t = text(fields, field).trim();
    if t.is_empty() {
        fallback.to_string()
    } else {
        crate::core::units::truncate(t)
    }
}

/// One table's fit (in the background on the page).
fn fit_of(session: &mut Session, fields: &Fields, field: &'static str, label: &'static str, resamples: usize, seed: u64) -> FromPaste<Result<DatasetFit, CompareError>> {
    let data = text(fields, field);
    let extra = format!("{label}\u{1f}{resamples}\u{1f}{seed}");
    let slot = if label == "A" { "cmp_fit_a" } else { "cmp_fit_b" };
    if data.trim().is_empty() {
        return FromPaste::Empty;
    }
    let plan = || compare::dataset_plan(data, label, resamples, seed).map_err(Err);
    session.fit("cmp", slot, key_of(fields, &[field], &extra), plan, |out| compare::dataset_fit(data, label, resamples, out)).into()
}

/// A table's fit when it has one.
fn fitted(fit: &Option<Rc<Result<DatasetFit, CompareError>>>) -> Option<&DatasetFit> {
    fit.as_deref().and_then(|r| r.as_ref().ok())
}

/// Reads a compute bound; empty means automatic.
fn bound(fields: &Fields, field: &str, what: &str) -> Result<Option<f64>, String> {
    let t = text(fields, field).trim();
    if t.is_empty() || t.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    crate::page::budget::number(t, what, 1.0, 1e40).map(Some)
}

fn state(fields: &Fields, budget: &ChartState, session: &mut Session, view: &mut ToolView) -> Option<State> {
    let resamples = resamples_of(fields).map_err(|e| view.err("cmp_boot", e)).unwrap_or(0);
    let seed = seed_of(fields).map_err(|e| view.err("cmp_seed", e)).unwrap_or(1);
    let (fit_a, fit_b) = (fit_of(session, fields, "cmp_a", "A", resamples, seed), fit_of(session, fields, "cmp_b", "B", resamples, seed));
    if let (FromPaste::Empty, FromPaste::Empty) = (&fit_a, &fit_b) {
        view.unanswered("cmp_a", "Paste the runs of the first dataset (columns N, D or C, and loss).");
        view.unanswered("cmp_b", "Paste the runs of the second dataset.");
        return None;
    }
    let mut busy = false;
    // A table without a fit (empty, or being fitted) is an error without a message.
    let mut known = |fit, field: &str, out: &str, empty: &str, view: &mut ToolView| match fit {
        FromPaste::Done(done) => Some(done),
        FromPaste::Busy => {
            busy = true;
            view.busy(out, "fitting…");
            None
        }
        FromPaste::Empty => {
            view.unanswered(field, empty);
            None
        }
    };
    let a = known(fit_a, "cmp_a", "cmp_law_a", "Table A is empty: paste its runs to compare.", view);
    let b = known(fit_b, "cmp_b", "cmp_law_b", "Table B is empty: paste its runs to compare.", view);
    let names = (name_of(fields, "cmp_name_a", "A"), name_of(fields, "cmp_name_b", "B"));
    let lo = bound(fields, "cmp_cmin", "The lowest compute");
    let hi = bound(fields, "cmp_cmax", "The highest compute");
    let computes = fitted(&a).into_iter().chain(fitted(&b)).flat_map(|f| f.runs.iter().map(|r| r.0));
    let (c_min, c_max) = computes.fold((f64::INFINITY, 0.0f64), |(lo, hi), c| (lo.min(c), hi.max(c)));
    let range = match (lo, hi) {
        (Err(e), _) => Err(("cmp_cmin".to_string(), e)),
        (_, Err(e)) => Err(("cmp_cmax".to_string(), e)),
        (Ok(lo), Ok(hi)) => {
            let auto_hi = (c_max * 1e3).max(budget.compute.unwrap_or(0.0) * 3.0);
            let (lo, hi) = (lo.unwrap_or(c_min), hi.unwrap_or(auto_hi));
            if !(lo.is_finite() && hi.is_finite() && lo > 0.0) {
                Err(("cmp_cmin".to_string(), String::new()))
            } else if hi <= lo * 1.0001 {
                Err((
                    "cmp_cmax".to_string(),
                    format!("The highest compute ({}) must be above the lowest ({})", format_sci(hi, 3), format_sci(lo, 3)),
                ))
            } else if hi / lo > 1e30 {
                Err(("cmp_cmax".to_string(), "The range may span at most 30 decades of compute".to_string()))
            } else {
                Ok((lo, hi))
            }
        }
    };
    let cmp = match (fitted(&a), fitted(&b), &range) {
        (Some(fa), Some(fb), Ok((lo, hi))) => {
            let key = key_of(fields, &["cmp_a", "cmp_b"], &format!("{resamples}\u{1f}{seed}\u{1f}{lo:e}\u{1f}{hi:e}"));
            let args = (fa, fb, *lo, *hi);
            let cmp = session.job("cmp", "cmp_compare", key, "cmp.compare", &args, |(a, b, lo, hi)| compare(a, b, *lo, *hi)).done();
            if cmp.is_none() {
                busy = true;
                view.busy("cmp_cross", "comparing…");
            }
            cmp
        }
        _ => None,
    };
    Some(State { a, b, names, range, cmp, busy })
}

fn law_text(f: &DatasetFit) -> String {
    let l = &f.law;
    format!(
        "E {}, A {}, B {}, α {}, β {} ({} runs, RMSE of ln L {})",
        format_sig(l.e, 4),
        format_sig(l.a, 4),
        format_sig(l.b, 4),
        format_sig(l.alpha, 3),
        format_sig(l.beta, 3),
        f.runs.len(),
        format_sig(f.rmse_log, 2)
    )
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    let Some(st) = state(fields, budget, session, &mut view) else {
        return view;
    };
    let (na, nb) = (&st.names.0, &st.names.1);
    for (field, fit, out) in [("cmp_a", &st.a, "cmp_law_a"), ("cmp_b", &st.b, "cmp_law_b")] {
        match fit.as_deref() {
            Some(Ok(f)) => view.out(out, law_text(f)),
            Some(Err(e)) => view.err(field, e.to_string()),
            None => {}
        }
    }
    let (Some(a), Some(b)) = (fitted(&st.a), fitted(&st.b)) else {
        return view;
    };
    let (lo, hi) = match st.range {
        Ok(r) => r,
        Err((field, e)) => {
            if !e.is_empty() {
                view.err(&field, e);
            }
            return view;
        }
    };
    let Some(cmp) = st.cmp else {
        return view;
    };
    view.out("cmp_range", format!("{} – {} FLOP", format_sci(lo, 2), format_sci(hi, 2)));
    let better = |gap: f64| if gap < 0.0 { na.as_str() } else { nb.as_str() };
    match cmp.crossings.first() {
        Some(&c) => {
            view.out("cmp_cross", format!("{} FLOP", format_sci(c, 3)));
            if let Some(iv) = cmp.interval {
                view.out("cmp_ci", format!("{} – {} FLOP", format_sci(iv.lo, 2), format_sci(iv.hi, 2)));
            }
            let (n_a, n_b) = (a.law.closed_form_optimum(c), b.law.closed_form_optimum(c));
            view.out("cmp_loss", format!("L* = {}", format_sig(frontier(&a.law, c), 4)));
            if let (Some((n_a, _)), Some((n_b, _))) = (n_a, n_b) {
                view.out("cmp_sizes", format!("N* {} ({na}), {} ({nb})", format_count(n_a, 3), format_count(n_b, 3)));
            }
            view.out("cmp_verdict", format!("{} is lower below the crossing, {} above it", better(cmp.gap.0), better(cmp.gap.1)));
            let (crossed, pairs) = cmp.crossing_resamples;
            if pairs > 0 {
                view.note(
                    "cmp_notes",
                    format!("{crossed} of {pairs} paired bootstrap resamples cross within the plotted range; the interval is over those."),
                );
                if crossed * 10 < pairs * 9 {
                    view.note(
                        "cmp_notes",
                        "More than a tenth of the resamples do not cross in this range: the crossing itself is uncertain, not only where it is.",
                    );
                }
            } else {
                view.note("cmp_notes", "No bootstrap (0 resamples): no interval.");
            }
            if cmp.crossings.len() > 1 {
                let others: Vec<String> = cmp.crossings.iter().skip(1).map(|c| format_sci(*c, 3)).collect();
                view.note("cmp_notes", format!("The frontiers cross again at {} FLOP.", others.join(", ")));
            }
            let c_max = a.runs.iter().chain(&b.runs).map(|r| r.0).fold(0.0, f64::max);
            if c > c_max * 1.5 {
                view.note(
                    "cmp_notes",
                    format!("The crossing is {}× beyond the largest run's compute: it rests on both laws holding that far.", format_sig(c / c_max, 2)),
                );
            }
        }
        None => {
            view.out("cmp_cross", "None in the plotted range");
            view.out("cmp_loss", "no crossing");
            view.out("cmp_sizes", "no crossing");
            let lower = better(cmp.gap.0);
            let (g0, g1) = (cmp.gap.0.abs(), cmp.gap.1.abs());
            view.out(
                "cmp_verdict",
                format!(
                    "{lower} is lower throughout {} – {} FLOP, by {} to {} in L*",
                    format_sci(lo, 2),
                    format_sci(hi, 2),
                    format_sig(g0.min(g1), 2),
                    format_sig(g0.max(g1), 2)
                ),
            );
        }
    }
    for f in [a, b] {
        if f.runs.len() < 15 {
            view.note("cmp_notes", format!("Only {} runs in one table: a 5-parameter law needs about 15 to be pinned down.", f.runs.len()));
        }
        if f.resamples > 0 && f.samples.len() * 10 < f.resamples * 9 {
            view.note("cmp_notes", format!("{} of {} resamples failed to fit in one table.", f.resamples - f.samples.len(), f.resamples));
        }
    }
    let row = |name: &str, get: &dyn Fn(&DatasetFit) -> String| vec![name.to_string(), get(a), get(b)];
    view.table(
        "cmp",
        Table {
            head: vec![String::new(), na.clone(), nb.clone()],
            rows: vec![
                row("Runs", &|f| f.runs.len().to_string()),
                row("E", &|f| format_sig(f.law.e, 4)),
                row("A", &|f| format_sig(f.law.a, 4)),
                row("B", &|f| format_sig(f.law.b, 4)),
                row("α", &|f| format_sig(f.law.alpha, 3)),
                row("β", &|f| format_sig(f.law.beta, 3)),
                row("N* ∝ C^a, a", &|f| format_sig(f.law.beta / (f.law.alpha + f.law.beta), 3)),
                row("Resamples fitted", &|f| format!("{} of {}", f.samples.len(), f.resamples)),
            ],
        },
    );
    view
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "cmp",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    tables: TABLES,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

/// Runs one of its slow computations in a worker (see [`crate::page::jobs`]): `None` when
/// `method` is not one of its own.
pub(super) fn run_job(method: &str, args: &str) -> Option<Result<String, String>> {
    (method == "cmp.compare").then(|| serve(args, |(a, b, lo, hi): &(DatasetFit, DatasetFit, f64, f64)| compare(a, b, *lo, *hi)))
}

super::tool!(Compare, jobs);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::plot::Theme;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use crate::core::analysis::compare::tests::crossing_pair;

    /// IsoFLOP-style runs: 5 budgets from 1e17 to 1e21, 9 sizes around N* each, loss × e^noise.
    fn table(law: &ChinchillaLaw, noise: f64, seed: u64) -> String {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut out = String::from("N,D,loss\n");
        for k in 0..5 {
            let c = 1e17 * 10f64.powi(k);
            let (n_opt, _) = law.closed_form_optimum(c).unwrap();
            for j in 0..9 {
                let n = n_opt * 8f64.powf((j as f64 - 4.0) / 4.0);
                let d = c / (6.0 * n);
                let eps: f64 = (0..12).map(|_| rng.gen::<f64>()).sum::<f64>() - 6.0;
                out.push_str(&format!("{n:e},{d:e},{}\n", law.loss(n, d) * (noise * eps).exp()));
            }
        }
        out
    }

    fn fields(a: &str, b: &str) -> Fields {
        let mut f = super::super::defaults();
        f.set_by_name("cmp_a", a);
        f.set_by_name("cmp_b", b);
        f
    }

    fn budget() -> ChartState {
        crate::page::budget::chart_state(&crate::page::budget::Inputs::default())
    }


    #[test]
    fn finds_a_known_crossing_and_its_interval_covers_it() {
        let (a, b, c_true) = crossing_pair();
        let t0 = std::time::Instant::now();
        let fa = compare::fit_dataset(&table(&a, 0.003, 1), "A", 200, 7).unwrap();
        eprintln!("45 runs, 243 starts + 200 resamples: {:.3}s", t0.elapsed().as_secs_f64());
        let fb = compare::fit_dataset(&table(&b, 0.003, 2), "B", 200, 7).unwrap();
        assert!(fa.samples.len() >= 190 && fb.samples.len() >= 190);
        let cmp = compare(&fa, &fb, 1e17, 1e24);
        assert_eq!(cmp.crossings.len(), 1, "{:?}", cmp.crossings);
        let c = cmp.crossings[0];
        assert!((c / c_true).ln().abs() < 0.5f64.ln().abs(), "crossing {c:e} vs true {c_true:e}");
        let iv = cmp.interval.expect("an interval");
        assert!(iv.lo <= c_true && c_true <= iv.hi, "[{:e}, {:e}] misses {c_true:e}", iv.lo, iv.hi);
        assert!(iv.hi / iv.lo < 100.0, "interval too wide to mean anything: [{:e}, {:e}]", iv.lo, iv.hi);
        assert!(cmp.gap.0 > 0.0 && cmp.gap.1 < 0.0, "B lower below, A lower above: {:?}", cmp.gap);

        let view = evaluate(&fields(&table(&a, 0.003, 1), &table(&b, 0.003, 2)), &budget(), &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(view.outputs["cmp_cross"].ends_with(" FLOP") && view.outputs["cmp_ci"].contains(" – "), "{:?}", view.outputs);
        assert_eq!(view.outputs["cmp_verdict"], "B is lower below the crossing, A above it");
        assert_eq!(view.tables["cmp"].rows[0], vec!["Runs".to_string(), "45".into(), "45".into()]);
    }

    #[test]
    fn parallel_frontiers_do_not_cross_and_the_better_one_is_named() {
        let (a, _, _) = crossing_pair();
        let worse = ChinchillaLaw { e: a.e + 0.1, ..a };
        let mut f = fields(&table(&a, 0.003, 3), &table(&worse, 0.003, 4));
        f.set_by_name("cmp_name_a", "Dense");
        f.set_by_name("cmp_name_b", "MoE");
        f.set_by_name("cmp_boot", "50");
        let view = evaluate(&f, &budget(), &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert_eq!(view.outputs["cmp_cross"], "None in the plotted range");
        assert!(!view.outputs.contains_key("cmp_ci"));
        assert!(view.outputs["cmp_verdict"].starts_with("Dense is lower throughout"), "{:?}", view.outputs);
    }

    #[test]
    fn bad_input_names_the_table_row_and_column() {
        let mut session = Session::new();
        let (a, _, _) = crossing_pair();
        let good = table(&a, 0.003, 5);
        let b = budget();
        let view = evaluate(&fields(&good, ""), &b, &mut session);
        assert!(view.errors.is_empty());
        assert!(view.unanswered["cmp_b"].contains("Table B is empty"), "{:?}", view.unanswered);
        assert!(view.outputs.contains_key("cmp_law_a"), "A still fitted: {:?}", view.outputs);

        let bad = good.replacen("\n", "\n1e8,2e9,abc\n", 1);
        let view = evaluate(&fields(&good, &bad), &b, &mut session);
        let e = &view.errors["cmp_b"];
        assert!(e.starts_with("Table B:") && e.contains("row 2, column \"loss\": \"abc\" is not a number"), "{e}");
        assert!(view.outputs.contains_key("cmp_law_a"));

        let view = evaluate(&fields("N,D,loss\n1e8,2e9,3\n", &good), &b, &mut session);
        assert!(view.errors["cmp_a"].starts_with("Table A: 1 usable run"), "{:?}", view.errors);

        let mut f = fields(&good, &good);
        f.set_by_name("cmp_boot", "2.5");
        f.set_by_name("cmp_cmax", "10");
        let view = evaluate(&f, &b, &mut session);
        assert!(view.errors["cmp_boot"].contains("whole number"));
        assert!(view.errors["cmp_cmax"].contains("must be above the lowest"), "{:?}", view.errors);

        let defaults = evaluate(&super::super::defaults(), &b, &mut session);
        assert!(defaults.errors.is_empty() && defaults.outputs.is_empty());
    }


    #[test]
    fn chart_draws_in_both_themes_and_sizes() {
        let mut session = Session::new();
        let (a, b, _) = crossing_pair();
        let mut f = fields(&table(&a, 0.003, 1), &table(&b, 0.003, 2));
        f.set_by_name("cmp_boot", "30");
        for (theme, w) in [(Theme::Light, 800u32), (Theme::Dark, 360)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 420)).into_drawing_area();
                draw("cmp-frontiers", &area, &f, &budget(), &mut session, &ChartStyle::new(theme, 1.0)).unwrap();
                area.present().unwrap();
            }
            assert!(svg.contains("frontier") && svg.contains("cross"), "{theme:?}");
            if let Ok(dir) = std::env::var("SCALECALC_SVG_DIR") {
                std::fs::write(format!("{dir}/cmp-{theme:?}-{w}.svg"), &svg).unwrap();
            }
        }
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (400, 300)).into_drawing_area();
        draw("cmp-frontiers", &area, &super::super::defaults(), &budget(), &mut session, &ChartStyle::new(Theme::Light, 1.0)).unwrap();
    }
}
