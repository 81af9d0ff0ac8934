//! Sparse pre-training (Jin et al. 2025): prune while pre-training, predict the loss from the
//! average parameter count over training, and compare with dense training at the same compute.

mod chart;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{key_of, text, Field, Fields, Table, ToolView};
use crate::core::analysis::compare::{self, CompareError, DatasetFit};
use crate::core::laws::sparse::read_runs;
use crate::page::jobs::FromPaste;
use crate::core::allocate;
use crate::core::laws::sparse::{plan_at_compute, Pruning, PruningError, Ramp, SparsePlan};
use crate::core::laws::LossLaw;
use crate::core::plot::{draw_message, ChartError, ChartState, ChartStyle};
use crate::core::units::{format_count, format_sig};
use crate::page::session::Session;

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("sp_n", "spn", ""),
    Field::new("sp_s", "sps", "0.5"),
    Field::new("sp_start", "spa", "0.25"),
    Field::new("sp_end", "spb", "0.75"),
    Field::new("sp_ramp", "spk", "geometric"),
    Field::data("sp_runs", "spd"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["sp_density", "sp_nbar", "sp_final", "sp_d", "sp_loss", "sp_dense_final", "sp_saving", "sp_fit"];

/// This tool's tables.
pub const TABLES: &[&str] = &["sp_compare"];

/// This tool's lists.
pub const LISTS: &[&str] = &["sp_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["sp-params"];

const CITATION: &str = "Jin et al. 2025, The Journey Matters: Average Parameter Count over Pre-training Unifies Sparse and Dense Scaling Laws, arXiv:2501.12486 (ICLR 2025). Pruning ramp: the authors' code (github.com/tjingrant/sparse-llm-code), checked against their released 1B models' average density.";

/// The fields, read and checked.
struct Read {
    n: f64,
    n_from_budget: bool,
    pruning: Pruning,
    compute: f64,
}

fn fraction(text: &str, what: &str) -> Result<f64, String> {
    let (body, percent) = crate::core::units::split_percent(text);
    crate::page::budget::number(body, what, -1e9, 1e9).map(|v| if percent { v / 100.0 } else { v })
}

fn read(fields: &Fields, budget: &ChartState, view: &mut ToolView) -> Option<Read> {
    let compute = budget.compute;
    if compute.is_none() {
        view.unanswered("sp_n", "needs a valid budget above: the comparison is at the Budget panel's compute");
    }
    let n_text = text(fields, "sp_n");
    let (n, n_from_budget) = if n_text.trim().is_empty() {
        (compute.and_then(|c| allocate::optimum(budget.law.law(), c).ok()).map(|a| a.n), true)
    } else {
        (crate::page::budget::number(n_text, "model size", 1e3, 1e15).map_err(|e| view.err("sp_n", e)).ok(), false)
    };
    let mut take = |field: &str, what: &str| fraction(text(fields, field), what).map_err(|e| view.err(field, e)).ok();
    let sparsity = take("sp_s", "sparsity");
    let start = take("sp_start", "pruning start");
    let end = take("sp_end", "pruning end");
    let ramp = Ramp::parse(text(fields, "sp_ramp"));
    if ramp.is_none() {
        view.err("sp_ramp", format!("unknown ramp \"{}\" (geometric or linear)", crate::core::units::truncate(text(fields, "sp_ramp"))));
    }
    let pruning = Pruning { sparsity: sparsity?, start: start?, end: end?, ramp: ramp? };
    if let Err(e) = pruning.check() {
        let field = match e {
            PruningError::Sparsity(_) => "sp_s",
            PruningError::Bounds("start", _) => "sp_start",
            PruningError::Bounds(..) | PruningError::EndBeforeStart { .. } => "sp_end",
        };
        view.err(field, e.to_string());
        return None;
    }
    Some(Read { n: n?, n_from_budget, pruning, compute: compute? })
}

/// The Chinchilla form fitted to pasted sparse and dense runs with N̄ in place of N (the
/// paper's law), through the same fit as Compare's tables (on the page's workers).
fn fit_runs(fields: &Fields, pruning: &Pruning, session: &mut Session) -> FromPaste<Result<DatasetFit, String>> {
    let pasted = text(fields, "sp_runs");
    if pasted.trim().is_empty() {
        return FromPaste::Empty;
    }
    // The table as N̄, D, loss (shortest round-trip decimals), for the shared fit.
    let table = read_runs(pasted, pruning).map(|runs| {
        runs.iter().fold(String::from("N,D,loss\n"), |mut t, r| {
            t.push_str(&format!("{},{},{}\n", r.n_avg, r.d, r.loss));
            t
        })
    });
    let key = key_of(fields, &["sp_runs", "sp_start", "sp_end", "sp_ramp"], "");
    let label = "of runs";
    let plan = || match &table {
        Ok(t) => compare::dataset_plan(t, label, 0, 1).map_err(|e| Err(e.to_string())),
        Err(e) => Err(Err(e.to_string())),
    };
    let finish = |outcome| match &table {
        Ok(t) => compare::dataset_fit(t, label, 0, outcome).map_err(|e: CompareError| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    session.fit("sp", "sp_fit", key, plan, finish).into()
}

/// The dense alternatives at the same compute: (label, final parameters, parameters, tokens).
fn dense_rows(law: &dyn LossLaw, r: &Read, sp: &SparsePlan) -> Vec<(String, f64, f64)> {
    let mut rows = vec![
        (format!("Dense {} (unpruned)", format_count(r.n, 3)), r.n, r.compute / (6.0 * r.n)),
        (format!("Dense {} (final size)", format_count(sp.n_final, 3)), sp.n_final, r.compute / (6.0 * sp.n_final)),
        (format!("Dense {} (average size)", format_count(sp.n_avg, 3)), sp.n_avg, sp.d),
    ];
    if let Ok(a) = allocate::optimum(law, r.compute) {
        rows.push((format!("Dense {} (optimal)", format_count(a.n, 3)), a.n, a.d));
    }
    rows
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    view.note("sp_notes", CITATION);
    view.note(
        "sp_notes",
        format!(
            "The law is the Budget panel's ({}) with the average parameter count N̄ = ρ̄·N in place of N, as Jin et al. propose for the Chinchilla form; their own fitted constants are not used (not verified here). Training compute is 6·N̄·D: the passes touch the weights still present.",
            budget.law.label()
        ),
    );
    let Some(r) = read(fields, budget, &mut view) else {
        return view;
    };
    let fitted = match fit_runs(fields, &r.pruning, session) {
        FromPaste::Empty => None,
        FromPaste::Busy => {
            view.busy("sp_fit", "fitting…");
            None
        }
        FromPaste::Done(done) => match &*done {
            Ok(fit) => {
                let l = &fit.law;
                view.out(
                    "sp_fit",
                    format!(
                        "L = {} + {}/N̄^{} + {}/D^{} ({} runs, RMSE of ln L {})",
                        format_sig(l.e, 4),
                        format_sig(l.a, 4),
                        format_sig(l.alpha, 4),
                        format_sig(l.b, 4),
                        format_sig(l.beta, 4),
                        fit.runs.len(),
                        format_sig(fit.rmse_log, 2)
                    ),
                );
                view.note("sp_notes", "The predictions use the law fitted to your runs (with N̄ in place of N), not the Budget panel's.");
                Some(fit.law)
            }
            Err(e) => {
                view.err("sp_runs", e.clone());
                None
            }
        },
    };
    let law: &dyn LossLaw = match &fitted {
        Some(l) => l,
        None => budget.law.law(),
    };
    let sp = plan_at_compute(r.n, r.compute, &r.pruning);
    let loss = law.loss(sp.n_avg, sp.d);
    if !(loss.is_finite() && sp.d.is_finite()) {
        view.unanswered("sp_n", "the law gives no finite loss for this model at this compute");
        return view;
    }
    let rho = r.pruning.average_density();
    view.out("sp_density", format!("{} (N̄ is {} % of N)", format_sig(rho, 4), format_sig(rho * 100.0, 3)));
    let origin = if r.n_from_budget { " (from N* = " } else { " (from N = " };
    view.out("sp_nbar", format!("{}{origin}{})", format_count(sp.n_avg, 3), format_count(r.n, 3)));
    view.out("sp_final", format_count(sp.n_final, 3));
    view.out("sp_d", format!("{} tokens", format_count(sp.d, 3)));
    view.out("sp_loss", format_sig(loss, 4));
    let same_final = law.loss(sp.n_final, r.compute / (6.0 * sp.n_final));
    if same_final.is_finite() {
        let delta = same_final - loss;
        let word = if delta >= 0.0 { "higher" } else { "lower" };
        view.out("sp_dense_final", format!("{} ({} {word})", format_sig(same_final, 4), format_sig(delta.abs(), 3)));
    }
    view.out(
        "sp_saving",
        format!(
            "{} % vs the dense model of equal loss and compute ({})",
            format_sig((1.0 - sp.n_final / sp.n_avg) * 100.0, 3),
            format_count(sp.n_avg, 3)
        ),
    );
    let mut rows = vec![vec![
        format!("Sparse {} → {}", format_count(r.n, 3), format_count(sp.n_final, 3)),
        format_sig(loss, 4),
        format_count(sp.n_final, 3),
        format_count(sp.n_avg, 3),
        format_count(sp.d, 3),
    ]];
    for (label, n, d) in dense_rows(law, &r, &sp) {
        let l = law.loss(n, d);
        if l.is_finite() {
            rows.push(vec![label, format_sig(l, 4), format_count(n, 3), format_count(n, 3), format_count(d, 3)]);
        }
    }
    view.table(
        "sp_compare",
        Table {
            head: ["Same compute", "Loss", "Final N", "Average N̄", "Tokens"].map(String::from).to_vec(),
            rows,
        },
    );
    if r.pruning.sparsity == 0.0 {
        view.note("sp_notes", "Sparsity 0 is dense training: N̄ = N.");
    }
    if (r.pruning.start - 0.25).abs() > 0.05 || (r.pruning.end - 0.75).abs() > 0.05 {
        view.note("sp_notes", "Jin et al. found that starting pruning at 25 % of training compute and ending at 75 % gives near-optimal final loss; this schedule differs.");
    }
    view
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "sp",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    tables: TABLES,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

super::tool!(Sparse);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::plot::Theme;
    use crate::page::budget::{chart_state, Inputs};
    use crate::page::tools::fields_with as fields;

    fn budget() -> ChartState {
        chart_state(&Inputs::default())
    }

    #[test]
    fn defaults_prune_the_budget_optimum_and_match_the_average_dense_model() {
        let view = evaluate(&fields(&[]), &budget(), &mut Session::new());
        assert!(view.errors.is_empty() && view.unanswered.is_empty(), "{view:?}");
        // 50 % sparsity, pruning over the middle half of training, geometric ramp:
        // ρ̄ = 0.25 + 0.5·0.5/ln 2 + 0.25·0.5 = 0.7357.
        assert!(view.outputs["sp_density"].starts_with("0.7357"), "{}", view.outputs["sp_density"]);
        let table = &view.tables["sp_compare"];
        assert!(table.rows.iter().all(|r| r.len() == table.head.len()));
        // The sparse run and the dense model of its average size have the same (N̄, D): same loss.
        let sparse = &table.rows[0];
        let average = table.rows.iter().find(|r| r[0].contains("(average size)")).unwrap();
        assert_eq!(sparse[1], average[1]);
        // Pruned to half, it needs half the inference FLOPs of the unpruned size, and
        // 1 − 0.5/0.7357 = 32 % fewer than the dense model of equal loss.
        assert!(view.outputs["sp_saving"].starts_with("32"), "{}", view.outputs["sp_saving"]);
        // The dense model of the same final size, trained with the same compute, is worse.
        assert!(view.outputs["sp_dense_final"].contains("higher"), "{}", view.outputs["sp_dense_final"]);
    }

    #[test]
    fn a_typed_size_and_the_papers_schedule() {
        let view = evaluate(&fields(&[("sp_n", "7B"), ("sp_s", "40%"), ("sp_ramp", "linear")]), &budget(), &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert_eq!(view.outputs["sp_final"], "4.2B");
        // Linear: ρ̄ = 0.25 + 0.5·0.8 + 0.25·0.6 = 0.8.
        assert!(view.outputs["sp_density"].starts_with("0.8 "), "{}", view.outputs["sp_density"]);
        assert!(view.outputs["sp_nbar"].starts_with("5.6B (from N = 7B)"), "{}", view.outputs["sp_nbar"]);
    }

    #[test]
    fn bad_schedules_are_flagged_at_their_field_and_nothing_else_is_lost() {
        let mut session = Session::new();
        let b = budget();
        let v = evaluate(&fields(&[("sp_s", "1")]), &b, &mut session);
        assert!(v.errors["sp_s"].contains("outside [0, 1)"), "{:?}", v.errors);
        let v = evaluate(&fields(&[("sp_s", "-0.2")]), &b, &mut session);
        assert!(v.errors.contains_key("sp_s"));
        let v = evaluate(&fields(&[("sp_start", "0.8"), ("sp_end", "0.3")]), &b, &mut session);
        assert!(v.errors["sp_end"].contains("before it starts"), "{:?}", v.errors);
        let v = evaluate(&fields(&[("sp_end", "1.5")]), &b, &mut session);
        assert!(v.errors["sp_end"].contains("outside [0, 1]"), "{:?}", v.errors);
        let v = evaluate(&fields(&[("sp_start", "abc"), ("sp_ramp", "cubic")]), &b, &mut session);
        assert!(v.errors.contains_key("sp_start") && v.errors.contains_key("sp_ramp"), "{:?}", v.errors);
        assert!(v.outputs.is_empty());
        for (k, val) in evaluate(&fields(&[("sp_n", "1e3")]), &b, &mut session).outputs {
            let bad = val.split(|c: char| !c.is_alphanumeric()).any(|w| matches!(w, "NaN" | "inf" | "Infinity"));
            assert!(!bad, "{k} = {val}");
        }
    }

    #[test]
    fn a_fit_to_sparse_and_dense_runs_recovers_the_law_at_the_average_count() {
        // Runs drawn exactly from Epoch's law at (N̄, D): dense and pruned, several sizes and tokens.
        let epoch = crate::core::presets::EPOCH;
        let mut table = String::from("N,D,sparsity,loss\n");
        for (i, n) in [1e8, 3e8, 1e9, 3e9].into_iter().enumerate() {
            for (j, d) in [2e9, 6e9, 2e10, 6e10].into_iter().enumerate() {
                let s = [0.0, 0.25, 0.5, 0.75][(i + j) % 4];
                let n_avg = n * Pruning::best(s).average_density();
                table.push_str(&format!("{n},{d},{s},{}\n", epoch.loss(n_avg, d)));
            }
        }
        let view = evaluate(&fields(&[("sp_runs", &table)]), &budget(), &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        let fit = &view.outputs["sp_fit"];
        assert!(fit.contains("16 runs"), "{fit}");
        let alpha: f64 = fit.split("/N̄^").nth(1).and_then(|t| t.split(' ').next()).and_then(|t| t.parse().ok()).unwrap();
        assert!((alpha - epoch.alpha).abs() < 0.01, "{fit}");
        assert!(view.lists["sp_notes"].iter().any(|n| n.contains("fitted to your runs")));
        // A bad sparsity is reported at the runs field with its row; the rest still computes.
        let bad = evaluate(&fields(&[("sp_runs", "N,D,sparsity,loss\n1B,20B,0,2.5\n1B,20B,1.5,2.6")]), &budget(), &mut Session::new());
        assert_eq!(bad.errors["sp_runs"], "row 3, column \"sparsity\": 1.5 is outside [0, 1)");
        assert!(bad.outputs.contains_key("sp_loss"));
    }

    #[test]
    fn chart_draws_in_both_themes_and_with_bad_input() {
        for theme in [Theme::Light, Theme::Dark] {
            for f in [fields(&[]), fields(&[("sp_s", "2")])] {
                let mut svg = String::new();
                {
                    let area = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
                    draw("sp-params", &area, &f, &budget(), &mut Session::new(), &ChartStyle::new(theme, 1.0)).unwrap();
                }
                assert!(svg.contains("<text"), "no text drawn");
            }
        }
    }
}
