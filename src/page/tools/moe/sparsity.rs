//! The panel's sparsity law (Abnar et al. 2025, eq. 6), fitted to the pasted runs (N, D, S,
//! loss) — it has no constants that could be verified — then the compute-optimal (N, S) at the
//! Budget panel's compute within the runs' sparsities and the GPUs' memory, every common routing
//! in a table, and the dense model (S = 0) of the same law.

use super::{gb, key_of, text, Fields, Table, ToolView, RESAMPLES};
use crate::core::analysis::run::{BootSpec, FitOutcome, FitPlan, Problem, TaskSearch, TaskSpec};
use crate::core::laws::abnar::{self as ab, SparsePlan, SparsityFit, SparsityLaw, SparsityModel};
use crate::core::laws::krajewski::STATE_BYTES;
use crate::core::plot::ChartState;
use crate::core::units::{format_count, format_flop, format_sig};
use crate::page::jobs::FromPaste;
use crate::page::session::Session;

/// The bootstrap's seed for a fit of eq. 6.
const SEED: u64 = 2501;

/// Eq. 6 fitted on the page's workers to the pasted runs, with bootstrap intervals.
pub(super) fn fit_runs(fields: &Fields, session: &mut Session) -> FromPaste<Result<Box<SparsityFit>, String>> {
    let pasted = text(fields, "moe_runs");
    if pasted.trim().is_empty() {
        return FromPaste::Empty;
    }
    let model = || ab::read_runs(pasted).map(|runs| SparsityModel { runs }).map_err(|e| e.to_string());
    let plan = || {
        let m = model().map_err(Err)?;
        let problem = Problem::Table { law: "abnar".into(), model: serde_json::to_value(&m).map_err(|e| Err(e.to_string()))? };
        Ok(FitPlan {
            tasks: vec![TaskSpec { problem, search: TaskSearch::Grid(ab::grid()), delta: ab::DELTA }],
            boot: Some(BootSpec { task: 0, resamples: RESAMPLES, seed: SEED }),
            foreground: 1,
        })
    };
    let finish = |outcome: FitOutcome| {
        let m = model()?;
        let best = outcome.tasks.into_iter().next().flatten().ok_or("no starting point gave a plausible fit of eq. 6 (are N, D, S and the losses right?)")?;
        ab::sparsity_fit(&m, &best.best.theta, best.best.value, &outcome.samples).map(Box::new).ok_or_else(|| "the fit returned no parameters".to_string())
    };
    session.fit("moe", "moe_sfit", key_of(fields, &["moe_runs"], ""), plan, finish).into()
}

/// The law as text.
pub(super) fn describe(l: &SparsityLaw) -> String {
    format!(
        "L = {}/N^{} + {}/D^{} + {}/(1−S)^{} + {}/((1−S)^{}·N^{}) + {}",
        format_sig(l.a, 4),
        format_sig(l.alpha, 3),
        format_sig(l.b, 4),
        format_sig(l.beta, 3),
        format_sig(l.c, 3),
        format_sig(l.lambda, 3),
        format_sig(l.d, 4),
        format_sig(l.delta, 3),
        format_sig(l.gamma, 3),
        format_sig(l.e, 4)
    )
}

/// What the view and the chart need: the fitted law, the budget, the memory cap (total
/// parameters the GPUs hold, and how to name them).
pub(super) struct SparseRead {
    pub law: SparsityLaw,
    pub max_sparsity: f64,
    pub runs: usize,
    pub compute: f64,
    pub memory: Option<(f64, String)>,
}

/// Reads the fit and the budget; the reason at a field when there is no answer.
pub(super) fn read(budget: &ChartState, fit: &FromPaste<Result<Box<SparsityFit>, String>>, view: &mut ToolView) -> Option<SparseRead> {
    let f = match fit {
        FromPaste::Done(done) => match &**done {
            Ok(f) => f,
            Err(_) => return None,
        },
        FromPaste::Busy => {
            view.unanswered("moe_runs", "fitting eq. 6 to your runs…");
            return None;
        }
        FromPaste::Empty => {
            view.unanswered("moe_runs", "the sparsity law has no published constants that could be verified: paste runs with columns N (total parameters), D, S (sparsity) and loss to fit it");
            return None;
        }
    };
    let Some(compute) = budget.compute else {
        view.unanswered("moe_runs", "needs a valid budget above: the plan is at the Budget panel's compute");
        return None;
    };
    let memory = budget.gpu.map(|(gpu, count)| (gpu.memory * count, format!("{} × {} ({} each)", format_count(count, 6), gpu.label, gb(gpu.memory))));
    Some(SparseRead { law: f.law, max_sparsity: f.max_sparsity, runs: f.runs, compute, memory })
}

/// The plans the view needs, memoised: the best (N, S) within the memory cap and without it,
/// the dense model's, and each common routing's.
#[derive(Clone)]
pub(super) struct Plans {
    pub best: Option<SparsePlan>,
    pub free: Option<SparsePlan>,
    pub dense: Option<SparsePlan>,
    pub rows: Vec<(String, Option<SparsePlan>)>,
}

pub(super) fn plans(session: &mut Session, r: &SparseRead) -> Plans {
    let cap = r.memory.as_ref().map_or(f64::INFINITY, |(bytes, _)| bytes / STATE_BYTES);
    let key = format!("{:e}|{:e}|{:e}|{:?}", r.compute, r.max_sparsity, cap, r.law);
    let (law, compute, top) = (r.law, r.compute, r.max_sparsity);
    session.memo("moe.sparsity", key, move || Plans {
        best: ab::optimum(&law, compute, top, cap),
        free: ab::optimum(&law, compute, top, f64::INFINITY),
        dense: ab::optimum_at(&law, 0.0, compute, cap),
        rows: ab::routings(top).into_iter().map(|(label, s)| (label, ab::optimum_at(&law, s, compute, cap))).collect(),
    })
}

/// One in how many experts a sparsity routes, for people: "≈ 1 of 8 experts per token".
fn routing(s: f64) -> String {
    if s <= 0.0 {
        return "dense".into();
    }
    format!("≈ 1 of {} experts per token", format_sig(1.0 / (1.0 - s), 3))
}

/// Fills the view for the sparsity law.
pub(super) fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session, view: &mut ToolView) {
    view.note("moe_notes", ab::CITATION);
    let fit = fit_runs(fields, session);
    match &fit {
        FromPaste::Busy => view.busy("moe_s_fit", "fitting…"),
        FromPaste::Done(done) => match &**done {
            Ok(f) => {
                let iv = f.intervals.as_ref().map_or(String::new(), |iv| {
                    format!("; 95 % interval of λ {} to {}, of β {} to {}", format_sig(iv[5].0, 3), format_sig(iv[5].1, 3), format_sig(iv[3].0, 3), format_sig(iv[3].1, 3))
                });
                view.out("moe_s_fit", format!("{} runs at sparsities up to {}, RMSE of ln L {}{iv}", f.runs, format_sig(f.max_sparsity, 3), format_sig(f.rmse_ln, 2)));
            }
            Err(e) => view.err("moe_runs", e.clone()),
        },
        FromPaste::Empty => {}
    }
    let Some(r) = read(budget, &fit, view) else {
        return;
    };
    view.out("moe_s_using", format!("{} (fitted to your {} runs)", describe(&r.law), r.runs));
    let p = plans(session, &r);
    let Some(best) = p.best else {
        view.unanswered("moe_runs", "the fitted law has no compute-optimal point at this budget (or no model fits in the GPUs' memory)");
        return;
    };
    view.out("moe_s_s", format!("{} ({}; searched 0–{}, the sparsities your runs cover)", format_sig(best.s, 3), routing(best.s), format_sig(r.max_sparsity, 3)));
    view.out("moe_s_n_total", format_count(best.n, 3));
    view.out("moe_s_n_act", format!("{} ((1 − S)·N)", format_count(best.n_active, 3)));
    view.out("moe_s_d", format!("{} tokens ({} per active parameter; C = 6·N_a·D)", format_count(best.d, 3), format_sig(best.d / best.n_active, 3)));
    view.out("moe_s_loss", format_sig(best.loss, 4));
    let need = best.n * STATE_BYTES;
    match (&r.memory, p.free) {
        (Some((bytes, what)), Some(free)) if best.capped || free.loss < best.loss => view.out(
            "moe_s_memory",
            format!(
                "the compute-optimal model (S = {}, {} total) needs {} of training state, more than {what}: held to {} total, {} % of the GPUs' memory",
                format_sig(free.s, 3),
                format_count(free.n, 3),
                gb(free.n * STATE_BYTES),
                format_count(best.n, 3),
                format_sig(need / bytes * 100.0, 3)
            ),
        ),
        (Some((bytes, what)), _) => view.out("moe_s_memory", format!("{} of weights, gradients and Adam states ({} % of {what}): fits", gb(need), format_sig(need / bytes * 100.0, 3))),
        (None, _) => view.out("moe_s_memory", format!("{} of weights, gradients and Adam states (set GPUs in the Budget panel to check the fit)", gb(need))),
    }
    if let Some(dense) = p.dense {
        view.out(
            "moe_s_dense",
            format!("{} parameters, {} tokens, loss {} ({} below it at S = {})", format_count(dense.n, 3), format_count(dense.d, 3), format_sig(dense.loss, 4), format_sig(dense.loss - best.loss, 3), format_sig(best.s, 3)),
        );
    }
    let mut head: Vec<String> = ["Routing", "S", "Total N", "Active N", "Tokens", "Loss", "Training state"].map(String::from).to_vec();
    if r.memory.is_some() {
        head.push("In the GPUs' memory".into());
    }
    let rows = p
        .rows
        .iter()
        .filter_map(|(label, plan)| {
            let q = plan.as_ref()?;
            let mut row = vec![label.clone(), format_sig(q.s, 4), format_count(q.n, 3), format_count(q.n_active, 3), format_count(q.d, 3), format_sig(q.loss, 4), gb(q.n * STATE_BYTES)];
            if r.memory.is_some() {
                row.push(if q.capped { "held by memory".to_string() } else { "fits".to_string() });
            }
            Some(row)
        })
        .collect();
    view.table("moe_by_s", Table { head, rows });
    view.note(
        "moe_notes",
        format!(
            "Sparsity law: N is the total parameter count, S = (E − K)/E the share of experts a token does not use, so (1 − S)·N parameters are active and training costs 6·N_a·D = {} here (§2). The search stays within the sparsities your runs cover. Memory: 16 bytes per parameter of training state (ZeRO's mixed-precision Adam) over the Budget panel's GPUs, activations not counted.",
            format_flop(r.compute)
        ),
    );
}
