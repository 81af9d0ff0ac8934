//! The panel's joint law (Ludziejewski et al. 2025): E experts with top-1 routing, E = 1 the
//! dense model, at the Budget panel's compute — the compute-optimal run at the chosen E, every E
//! in a table with its memory, the best E the Budget panel's GPUs hold, and the dense answer.

use super::{gb, key_of, text, Fields, Table, ToolView, RESAMPLES};
use crate::core::analysis::run::{BootSpec, FitOutcome, FitPlan, Problem, TaskSearch, TaskSpec};
use crate::core::laws::krajewski::STATE_BYTES;
use crate::core::laws::ludziejewski::{self as lz, JointFit, JointLaw, JointModel, JointPlan, MemoryCap, EXPERTS, TABLE_3};
use crate::core::plot::ChartState;
use crate::core::units::{format_count, format_flop, format_sig};
use crate::page::jobs::FromPaste;
use crate::page::session::Session;

/// The bootstrap's seed for a fit of the joint law.
const SEED: u64 = 2502;

/// Eq. (6) fitted on the page's workers to the pasted runs (columns N_act, D, E, loss), with
/// bootstrap intervals.
pub(super) fn fit_runs(fields: &Fields, session: &mut Session) -> FromPaste<Result<Box<JointFit>, String>> {
    let pasted = text(fields, "moe_runs");
    if pasted.trim().is_empty() {
        return FromPaste::Empty;
    }
    let model = || lz::read_runs(pasted).map(|runs| JointModel { runs }).map_err(|e| e.to_string());
    let plan = || {
        let m = model().map_err(Err)?;
        let problem = Problem::Table { law: "ludziejewski".into(), model: serde_json::to_value(&m).map_err(|e| Err(e.to_string()))? };
        Ok(FitPlan {
            tasks: vec![TaskSpec { problem, search: TaskSearch::Grid(lz::grid()), delta: lz::DELTA }],
            boot: Some(BootSpec { task: 0, resamples: RESAMPLES, seed: SEED }),
            foreground: 1,
        })
    };
    let finish = |outcome: FitOutcome| {
        let m = model()?;
        let best = outcome.tasks.into_iter().next().flatten().ok_or("no starting point gave a plausible fit of eq. 6 (are N_act, D, E and the losses right?)")?;
        lz::joint_fit(&m, &best.best.theta, best.best.value, &outcome.samples).map(Box::new).ok_or_else(|| "the fit returned no parameters".to_string())
    };
    session.fit("moe", "moe_jfit", key_of(fields, &["moe_runs"], ""), plan, finish).into()
}

/// The most experts the field takes (E_max of Table 3 is 290: beyond a few thousand Ê no longer
/// moves).
pub const MAX_EXPERTS: usize = 4096;

/// The joint law's inputs, read and checked.
pub(super) struct JointRead {
    /// The law.
    pub law: JointLaw,
    /// Where its constants come from.
    pub label: String,
    /// The chosen number of experts.
    pub experts: f64,
    /// The budget.
    pub compute: f64,
    /// The Budget panel's cluster memory (training state at [`STATE_BYTES`] a parameter), and
    /// how to name it.
    pub memory: Option<(MemoryCap, String)>,
}

/// Reads the experts field, the constants (published or fitted) and the budget; messages at the
/// field.
pub(super) fn read(fields: &Fields, budget: &ChartState, fit: &FromPaste<Result<Box<JointFit>, String>>, view: &mut ToolView) -> Option<JointRead> {
    let experts = crate::page::budget::whole(text(fields, "moe_experts"), "number of experts E", 1, MAX_EXPERTS).map_err(|e| view.err("moe_experts", e)).ok();
    let (law, label) = match text(fields, "moe_law").trim().to_ascii_lowercase().as_str() {
        "published" | "" => (TABLE_3, "Table 3".to_string()),
        "fit" => super::fitted_law(fit, |f| (f.law, f.runs), "eq. 6", "paste runs with columns N_act, D, E and loss below to fit eq. 6", view)?,
        other => {
            view.err("moe_law", format!("unknown choice \"{}\" (published or fit)", crate::core::units::truncate(other)));
            return None;
        }
    };
    let Some(compute) = budget.compute else {
        view.unanswered("moe_experts", "needs a valid budget above: the plan is at the Budget panel's compute");
        return None;
    };
    let memory = budget.gpu.map(|(gpu, count)| {
        let cap = MemoryCap { bytes: gpu.memory * count, bytes_per_param: STATE_BYTES, kv_tokens: 0.0, bytes_per_kv: 2.0 };
        (cap, format!("{} × {} ({} each)", format_count(count, 6), gpu.label, gb(gpu.memory)))
    });
    Some(JointRead { law, label, experts: experts? as f64, compute, memory })
}

/// The law as text.
pub(super) fn describe(l: &JointLaw) -> String {
    let signed = |x: f64| if x < 0.0 { format!("− {}", format_sig(-x, 3)) } else { format!("+ {}", format_sig(x, 3)) };
    format!(
        "L = {}·Ê^{}·N_act^({} {}·ln Ê) + {}·Ê^{}·D^({} {}·ln Ê) + {}",
        format_sig(l.a, 4),
        format_sig(l.delta, 4),
        format_sig(l.alpha, 4),
        signed(l.gamma),
        format_sig(l.b, 4),
        format_sig(l.omega, 4),
        format_sig(l.beta, 4),
        signed(l.zeta),
        format_sig(l.c, 5)
    )
}

fn plan_text(p: &JointPlan) -> String {
    format!(
        "{} active, {} total, {} tokens, loss {}",
        format_count(p.shape.n_act, 3),
        format_count(p.shape.n_total, 3),
        format_count(p.d, 3),
        format_sig(p.loss, 4)
    )
}

/// The plans the view needs, memoised by the inputs: the chosen E's compute-optimal run, the
/// same under the memory cap, every listed E at the budget (free and under the cap), and the
/// memory-optimal best.
#[derive(Clone)]
pub(super) struct Plans {
    pub free: Option<JointPlan>,
    pub capped: Option<JointPlan>,
    pub rows: Vec<(f64, Option<JointPlan>, Option<JointPlan>)>,
    pub best: Option<JointPlan>,
}

pub(super) fn plans(session: &mut Session, r: &JointRead) -> Plans {
    let cap = r.memory.as_ref().map(|(c, _)| *c);
    let key = format!("{:e}|{}|{:?}|{:?}", r.compute, r.experts, cap.map(|c| c.bytes), r.law);
    let (law, e, compute) = (r.law, r.experts, r.compute);
    session.memo("moe.joint", key, move || {
        let free = lz::optimum(&law, e, compute);
        let capped = cap.and_then(|c| lz::memory_optimum(&law, e, compute, &c));
        let mut list: Vec<f64> = EXPERTS.to_vec();
        if !list.contains(&e) {
            list.push(e);
            list.sort_by(f64::total_cmp);
        }
        let rows = list.iter().map(|&x| (x, lz::optimum(&law, x, compute), cap.and_then(|c| lz::memory_optimum(&law, x, compute, &c)))).collect();
        let best = cap.and_then(|c| lz::best_under_memory(&law, &list, compute, &c)).map(|(b, _)| b);
        Plans { free, capped, rows, best }
    })
}

/// Fills the view for the joint law.
pub(super) fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session, view: &mut ToolView) {
    view.note("moe_notes", lz::CITATION);
    let fit = fit_runs(fields, session);
    match &fit {
        FromPaste::Busy => view.busy("moe_j_fit", "fitting…"),
        FromPaste::Done(done) => match &**done {
            Ok(f) => {
                let iv = f.intervals.as_ref().map_or(String::new(), |iv| {
                    format!("; 95 % interval of α {}–{}, of β {}–{}", format_sig(iv[1].0, 3), format_sig(iv[1].1, 3), format_sig(iv[5].0, 3), format_sig(iv[5].1, 3))
                });
                view.out("moe_j_fit", format!("{} ({} runs, RMSE of ln L {}{iv})", describe(&f.law), f.runs, format_sig(f.rmse_ln, 2)));
            }
            Err(e) => view.err("moe_runs", e.clone()),
        },
        FromPaste::Empty => {}
    }
    let Some(r) = read(fields, budget, &fit, view) else {
        return;
    };
    view.out("moe_j_using", format!("{} ({}; Ê of eq. 4 with E_start {}, E_max {})", describe(&r.law), r.label, format_sig(r.law.e_start, 5), format_sig(r.law.e_max, 7)));
    let p = plans(session, &r);
    let Some(free) = p.free else {
        view.unanswered("moe_experts", "the law has no compute-optimal point at this budget");
        return;
    };
    let e = format_count(r.experts, 6);
    let shown = match (&r.memory, p.capped) {
        (Some(_), Some(c)) => c,
        _ => free,
    };
    view.out(
        "moe_j_n_act",
        format!("{} (d_model {}, {} blocks; E = {e}, one expert per token)", format_count(shown.shape.n_act, 3), format_sig(shown.shape.d_model, 4), format_sig(shown.shape.n_blocks, 3)),
    );
    view.out("moe_j_n_total", format_count(shown.shape.n_total, 3));
    view.out("moe_j_d", format!("{} tokens ({} per active parameter)", format_count(shown.d, 3), format_sig(shown.d / shown.shape.n_act, 3)));
    view.out("moe_j_loss", format_sig(shown.loss, 4));
    let need = free.shape.n_total * STATE_BYTES;
    match (&r.memory, p.capped) {
        (Some((cap, what)), Some(c)) if c.memory_bound => view.out(
            "moe_j_memory",
            format!(
                "the compute-optimal model ({} total) needs {} of training state, {} % of {what}: held to {} total, trained on the rest of the budget",
                format_count(free.shape.n_total, 3),
                gb(need),
                format_sig(need / cap.bytes * 100.0, 3),
                format_count(c.shape.n_total, 3)
            ),
        ),
        (Some((cap, what)), Some(_)) => view.out("moe_j_memory", format!("{} of weights, gradients and Adam states ({} % of {what}): fits", gb(need), format_sig(need / cap.bytes * 100.0, 3))),
        (Some((_, what)), None) => view.out("moe_j_memory", format!("no model with {e} experts fits in {what}")),
        (None, _) => view.out("moe_j_memory", format!("{} of weights, gradients and Adam states (set GPUs in the Budget panel to check the fit)", gb(need))),
    }
    if let (Some((_, what)), Some(best)) = (&r.memory, p.best) {
        let how = if best.memory_bound { "held by memory" } else { "compute-optimal" };
        view.out("moe_j_best", format!("E = {} in {what}: {} ({how})", format_count(best.shape.experts, 6), plan_text(&best)));
    }
    if let Some(dense) = lz::dense_optimum(&r.law, r.compute) {
        view.out("moe_j_dense", format!("{} parameters, {} tokens, loss {} (E = 1)", format_count(dense.n, 3), format_count(dense.d, 3), format_sig(dense.loss, 4)));
    }
    if let Some(c) = lz::dense_compute_for(&r.law, shown.loss) {
        view.out("moe_j_equiv", format!("{}× the budget ({})", format_sig(c / r.compute, 3), format_flop(c)));
    }
    let mut head: Vec<String> = ["E", "Active N", "Total N", "Tokens", "Loss", "Training state"].map(String::from).to_vec();
    if r.memory.is_some() {
        head.push("In the GPUs' memory".into());
    }
    let rows = p
        .rows
        .iter()
        .filter_map(|(x, free, capped)| {
            let f = free.as_ref()?;
            let chosen = if *x == r.experts { "\u{a0}★" } else { "" };
            let mut row = vec![
                format!("{}{chosen}", format_count(*x, 6)),
                format_count(f.shape.n_act, 3),
                format_count(f.shape.n_total, 3),
                format_count(f.d, 3),
                format_sig(f.loss, 4),
                gb(f.shape.n_total * STATE_BYTES),
            ];
            if r.memory.is_some() {
                row.push(match capped {
                    Some(c) if !c.memory_bound => "fits".to_string(),
                    Some(c) => format!("held: {} active, loss {}", format_count(c.shape.n_act, 3), format_sig(c.loss, 4)),
                    None => "no model fits".to_string(),
                });
            }
            Some(row)
        })
        .collect();
    view.table("moe_by_e", Table { head, rows });
    view.note(
        "moe_notes",
        "Joint law: N_act and N_total count embeddings and unembeddings (eqs. 10 and 9, vocabulary 50,257), shapes with N_blocks = d_model/64 (Appendix A.3); training FLOPs 6·N_act·D, routing negligible (Appendix A.2). The dense answer is the same law at E = 1. Memory: 16 bytes per parameter of training state (ZeRO's mixed-precision Adam) over the Budget panel's GPUs, activations not counted; a model that does not fit is held to the largest that does and trained on more tokens (§4.2).",
    );
    if r.experts > lz::MAX_EXPERTS_TRAINED || !(1e18..=1e23).contains(&r.compute) {
        view.note(
            "moe_notes",
            "The paper's runs have 1–32 experts and up to 2.7B active parameters, its Table 1 budgets 10²⁰–10²²; this E or budget extrapolates (far beyond them the optimum's trend in E turns round: at 10²⁵ FLOPs more experts want more active parameters).",
        );
    }
}
