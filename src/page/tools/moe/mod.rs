//! Mixture of experts at the budget, by one of two laws the user chooses: fine-grained MoE
//! (Krajewski et al. 2024) — the compute-optimal active size, tokens and granularity beside the
//! dense answer, the dense compute it is worth, and the memory its total parameters need; eq. 9
//! fitted on pasted MoE runs — or the joint law of dense and top-1 MoE (Ludziejewski et al.
//! 2025, [`joint`]): E experts, every E at the budget and the best the GPUs' memory holds — or
//! the sparsity law (Abnar et al. 2025, [`sparsity`]) fitted to pasted runs: the compute-optimal
//! total size and sparsity.

mod chart;
mod joint;
mod sparsity;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{key_of, text, Field, Fields, Table, ToolView};
use crate::core::analysis::run::{BootSpec, FitOutcome, FitPlan, Problem, TaskSearch, TaskSpec};
use crate::core::laws::krajewski::{self as kr, GranularFit, GranularLaw, GranularModel, MoePlan, Setting};
use crate::core::plot::{draw_message, ChartError, ChartState, ChartStyle};
use crate::core::units::{format_count, format_flop, format_sig};
use crate::page::jobs::FromPaste;
use crate::page::session::Session;

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("moe_e", "me", "64"),
    Field::new("moe_law", "ml", "published"),
    Field::new("moe_cr", "mc", "14"),
    Field::data("moe_runs", "mr"),
    Field::new("moe_form", "mf", "granular"),
    Field::new("moe_experts", "mx", "8"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &[
    "moe_using",
    "moe_g",
    "moe_n_act",
    "moe_n_total",
    "moe_d",
    "moe_loss",
    "moe_memory",
    "moe_dense",
    "moe_equiv",
    "moe_fit",
    "moe_j_using",
    "moe_j_n_act",
    "moe_j_n_total",
    "moe_j_d",
    "moe_j_loss",
    "moe_j_memory",
    "moe_j_best",
    "moe_j_dense",
    "moe_j_equiv",
    "moe_j_fit",
    "moe_s_using",
    "moe_s_s",
    "moe_s_n_total",
    "moe_s_n_act",
    "moe_s_d",
    "moe_s_loss",
    "moe_s_memory",
    "moe_s_dense",
    "moe_s_fit",
];

/// This tool's tables.
pub const TABLES: &[&str] = &["moe_by_g", "moe_by_e", "moe_by_s"];

/// This tool's lists.
pub const LISTS: &[&str] = &["moe_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["moe-frontier"];

/// Bootstrap resamples of a fit to pasted runs.
const RESAMPLES: usize = 100;
/// Their seed.
const SEED: u64 = 2402;

/// The fields, read and checked, and the law they choose.
struct Read {
    setting: Setting,
    label: String,
    compute: f64,
    /// The cluster's memory for training state, when the Budget panel names GPUs.
    memory: Option<(f64, String)>,
}

fn fit_runs(fields: &Fields, session: &mut Session) -> FromPaste<Result<GranularFit, String>> {
    let pasted = text(fields, "moe_runs");
    if pasted.trim().is_empty() {
        return FromPaste::Empty;
    }
    let model = || kr::read_runs(pasted).map(|runs| GranularModel { runs }).map_err(|e| e.to_string());
    let plan = || {
        let m = model().map_err(Err)?;
        let problem = Problem::Table { law: "krajewski".into(), model: serde_json::to_value(&m).map_err(|e| Err(e.to_string()))? };
        Ok(FitPlan {
            tasks: vec![TaskSpec { problem, search: TaskSearch::Grid(kr::grid()), delta: kr::DELTA }],
            boot: Some(BootSpec { task: 0, resamples: RESAMPLES, seed: SEED }),
            foreground: 1,
        })
    };
    let finish = |outcome: FitOutcome| {
        let m = model()?;
        let best = outcome.tasks.into_iter().next().flatten().ok_or("no starting point gave a plausible fit of eq. 9 (are N, D, G and the losses right?)")?;
        kr::granular_fit(&m, &best.best.theta, best.best.value, &outcome.samples).ok_or_else(|| "the fit returned no parameters".to_string())
    };
    session.fit("moe", "moe_fit", key_of(fields, &["moe_runs"], ""), plan, finish).into()
}

fn describe(l: &GranularLaw) -> String {
    format!(
        "L = {} + ({}/G^{} + {})/N^{} + {}/D^{}",
        format_sig(l.c, 4),
        format_sig(l.g, 4),
        format_sig(l.gamma, 3),
        format_sig(l.a, 4),
        format_sig(l.alpha, 3),
        format_sig(l.b, 4),
        format_sig(l.beta, 3)
    )
}

/// The constants fitted to the pasted runs (the Constants field's "fit") with their label, or
/// `None` with the reason at that field while there is no fit: for either law.
fn fitted_law<T, L>(fit: &FromPaste<Result<T, String>>, law_of: impl Fn(&T) -> (L, usize), equation: &str, empty: &str, view: &mut ToolView) -> Option<(L, String)> {
    match fit {
        FromPaste::Done(done) => match &**done {
            Ok(f) => {
                let (law, runs) = law_of(f);
                Some((law, format!("fitted to your {runs} runs")))
            }
            Err(_) => {
                view.unanswered("moe_law", "the pasted runs have no fit (see the message under them)");
                None
            }
        },
        FromPaste::Busy => {
            view.unanswered("moe_law", format!("fitting {equation} to your runs…"));
            None
        }
        FromPaste::Empty => {
            view.unanswered("moe_law", empty);
            None
        }
    }
}

fn read(fields: &Fields, budget: &ChartState, fit: &FromPaste<Result<GranularFit, String>>, view: &mut ToolView) -> Option<Read> {
    let compute = budget.compute;
    if compute.is_none() {
        view.unanswered("moe_e", "needs a valid budget above: the plan is at the Budget panel's compute");
    }
    let e = crate::page::budget::number(text(fields, "moe_e"), "expansion rate E", 1.0, 1e4).map_err(|e| view.err("moe_e", e)).ok();
    let c_r = crate::page::budget::number(text(fields, "moe_cr"), "routing FLOPs c_r", 0.0, 1e3).map_err(|e| view.err("moe_cr", e)).ok();
    let choice = text(fields, "moe_law").trim().to_ascii_lowercase();
    let (law, label) = match choice.as_str() {
        "published" | "" => {
            let e = e?;
            match kr::PUBLISHED.iter().find(|p| p.e == e) {
                Some(p) => (p.law, format!("published, {}", p.table)),
                None => {
                    view.err("moe_e", format!("the published fits are for E = 64 (Table 1) and E = 16 (Table 8), not {}; fit your own runs for another expansion rate", format_sig(e, 4)));
                    return None;
                }
            }
        }
        "fit" => fitted_law(fit, |f| (f.law, f.runs), "eq. 9", "paste MoE runs below to fit eq. 9", view)?,
        other => {
            view.err("moe_law", format!("unknown choice \"{}\" (published or fit)", crate::core::units::truncate(other)));
            return None;
        }
    };
    let memory = budget.gpu.map(|(gpu, count)| (gpu.memory * count, format!("{} × {} ({} each)", format_count(count, 6), gpu.label, gb(gpu.memory))));
    let max_total = memory.as_ref().map_or(f64::INFINITY, |(bytes, _)| bytes / kr::STATE_BYTES);
    Some(Read { setting: Setting { law, e: e?, c_r: c_r?, max_total }, label, compute: compute?, memory })
}

fn gb(bytes: f64) -> String {
    if bytes >= 1e12 {
        format!("{} TB", format_sig(bytes / 1e12, 3))
    } else {
        format!("{} GB", format_sig(bytes / 1e9, 3))
    }
}

/// The best plan at the budget and the best at each granularity, memoised by the inputs.
fn plans(session: &mut Session, s: &Setting, compute: f64) -> Option<(MoePlan, Vec<MoePlan>)> {
    let l = &s.law;
    let key = format!("{compute:e}|{:e}|{:e}|{:e}|{:?}", s.e, s.c_r, s.max_total, [l.a, l.alpha, l.b, l.beta, l.g, l.gamma, l.c]);
    session.memo("moe.plans", key, || kr::optimum(s, compute))
}

/// Which law the panel uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Krajewski et al. 2024: expansion rate and granularity.
    Granular,
    /// Ludziejewski et al. 2025: E experts, top-1.
    Joint,
    /// Abnar et al. 2025: total parameters and sparsity, fitted to the pasted runs.
    Sparsity,
}

/// The law chosen in `moe_form`; a message at the field when it is neither.
fn form(fields: &Fields, view: &mut ToolView) -> Option<Form> {
    match text(fields, "moe_form").trim().to_ascii_lowercase().as_str() {
        "granular" | "" => Some(Form::Granular),
        "joint" => Some(Form::Joint),
        "sparsity" => Some(Form::Sparsity),
        other => {
            view.err("moe_form", format!("unknown law \"{}\" (granular, joint or sparsity)", crate::core::units::truncate(other)));
            None
        }
    }
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    match form(fields, &mut view) {
        Some(Form::Joint) => {
            joint::evaluate(fields, budget, session, &mut view);
            return view;
        }
        Some(Form::Sparsity) => {
            sparsity::evaluate(fields, budget, session, &mut view);
            return view;
        }
        Some(Form::Granular) => {}
        None => return view,
    }
    view.note("moe_notes", kr::CITATION);
    let fit = fit_runs(fields, session);
    match &fit {
        FromPaste::Busy => view.busy("moe_fit", "fitting…"),
        FromPaste::Done(done) => match &**done {
            Ok(f) => {
                let iv = f.intervals.as_ref().map_or(String::new(), |iv| {
                    format!("; 95 % interval of γ {}–{}, of α {}–{}", format_sig(iv[5].0, 3), format_sig(iv[5].1, 3), format_sig(iv[1].0, 3), format_sig(iv[1].1, 3))
                });
                view.out("moe_fit", format!("{} ({} runs, RMSE of ln L {}{iv})", describe(&f.law), f.runs, format_sig(f.rmse_ln, 2)));
            }
            Err(e) => view.err("moe_runs", e.clone()),
        },
        FromPaste::Empty => {}
    }
    let Some(r) = read(fields, budget, &fit, &mut view) else {
        return view;
    };
    view.out("moe_using", format!("{} ({})", describe(&r.setting.law), r.label));
    let Some((best, all)) = plans(session, &r.setting, r.compute) else {
        view.unanswered("moe_e", "no MoE model of this expansion rate fits in the Budget panel's GPUs' memory at this compute");
        return view;
    };
    let g = format_sig(best.granularity, 3);
    let experts = format_count(best.granularity * r.setting.e, 4);
    view.out("moe_g", format!("{g} ({experts} experts, each 1/{g} of the dense feed-forward layer; {g} routed per token)"));
    view.out("moe_n_act", format!("{} (d_model {}, {} blocks)", format_count(best.shape.n_act, 3), format_sig(best.shape.d_model, 4), format_sig(best.shape.n_blocks, 3)));
    view.out("moe_n_total", format_count(best.shape.n_total, 3));
    view.out("moe_d", format!("{} tokens ({} per active parameter)", format_count(best.d, 3), format_sig(best.d / best.shape.n_act, 3)));
    view.out("moe_loss", format_sig(best.loss, 4));
    let need = best.shape.n_total * kr::STATE_BYTES;
    match &r.memory {
        Some((have, what)) => {
            let verdict = if best.memory_bound { "the memory bound holds the model below its optimum" } else { "fits" };
            view.out("moe_memory", format!("{} of weights, gradients and Adam states ({} % of {what}): {verdict}", gb(need), format_sig(need / have * 100.0, 3)));
            if best.memory_bound {
                if let Some((free, _)) = plans(session, &Setting { max_total: f64::INFINITY, ..r.setting }, r.compute) {
                    view.note(
                        "moe_notes",
                        format!(
                            "Without the memory bound the optimum is G = {}, {} active ({} total) parameters, loss {}: it needs {} of training state.",
                            format_sig(free.granularity, 3),
                            format_count(free.shape.n_act, 3),
                            format_count(free.shape.n_total, 3),
                            format_sig(free.loss, 4),
                            gb(free.shape.n_total * kr::STATE_BYTES)
                        ),
                    );
                }
            }
        }
        None => view.out("moe_memory", format!("{} of weights, gradients and Adam states (set GPUs in the Budget panel to check the fit)", gb(need))),
    }
    if let Some(dense) = kr::dense_optimum(r.compute) {
        view.out("moe_dense", format!("{} parameters, {} tokens, loss {}", format_count(dense.n, 3), format_count(dense.d, 3), format_sig(dense.loss, 4)));
    }
    if let Some(c) = kr::dense_compute_for(best.loss) {
        view.out("moe_equiv", format!("{}× the budget ({})", format_sig(c / r.compute, 3), format_flop(c)));
    }
    view.table(
        "moe_by_g",
        Table {
            head: ["G", "Active N", "Total N", "Tokens", "Loss"].map(String::from).to_vec(),
            rows: all
                .iter()
                .map(|p| {
                    let mark = if p.granularity == best.granularity { "\u{a0}★" } else { "" };
                    vec![format!("{}{mark}", format_sig(p.granularity, 3)), format_count(p.shape.n_act, 3), format_count(p.shape.n_total, 3), format_count(p.d, 3), format_sig(p.loss, 4)]
                })
                .collect(),
        },
    );
    view.note(
        "moe_notes",
        "N in the law is the total non-embedding parameter count, d_model²·(8E + 4)·n_blocks; the active count per token is 12·d_model²·n_blocks. The dense comparison is Table 1's dense law at 6·N·D FLOPs. Memory: 16 bytes per parameter (ZeRO's mixed-precision Adam), fully sharded over the Budget panel's GPUs, activations not counted.",
    );
    if !(1e18..=1e26).contains(&r.compute) {
        view.note("moe_notes", "The paper's Figure 1 spans 10¹⁸–10²⁶ FLOPs from runs of at most 3.7B parameters; this budget is outside it.");
    }
    view
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "moe",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    tables: TABLES,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

super::tool!(Moe);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::plot::Theme;
    use crate::page::budget::{chart_state, Inputs};
    use crate::page::tools::fields_with as fields;

    fn budget_at(compute: &str) -> ChartState {
        chart_state(&Inputs::default().with("compute", compute))
    }

    /// At 1.93e20 FLOPs (Table 2's second row: 64×1B active, 28.94B tokens, G = 16) the panel
    /// shows the row's granularity, an active size near 1B and tokens inside Table 6's band,
    /// the dense optimum and a dense-compute multiple above 1.
    #[test]
    fn the_published_law_at_a_table_2_budget() {
        let v = evaluate(&fields(&[]), &budget_at("1.93e20"), &mut Session::new());
        assert!(v.errors.is_empty() && v.unanswered.is_empty(), "{v:?}");
        assert!(v.outputs["moe_g"].starts_with("16 (1024 experts"), "{}", v.outputs["moe_g"]);
        assert!(v.outputs["moe_using"].contains("published, Table 1 (E = 64)"), "{}", v.outputs["moe_using"]);
        let d: f64 = crate::core::units::parse_number(v.outputs["moe_d"].split(' ').next().unwrap()).unwrap();
        assert!(d > 21.17e9 && d < 40.73e9, "{}", v.outputs["moe_d"]);
        let times: f64 = v.outputs["moe_equiv"].split('×').next().unwrap().parse().unwrap();
        assert!(times > 15.0 && times < 30.0, "{}", v.outputs["moe_equiv"]);
        assert!(v.outputs["moe_dense"].contains("loss"));
        let t = &v.tables["moe_by_g"];
        assert_eq!(t.rows.len(), kr::GRANULARITIES.len());
        assert!(t.rows.iter().filter(|r| r[0].ends_with('★')).count() == 1 && t.rows[4][0] == "16\u{a0}★", "{t:?}");
        assert!(v.lists["moe_notes"].iter().any(|n| n.contains("arXiv:2402.07871")));
    }

    /// E = 16 uses Table 8; another E needs a fit; bad inputs are reported at their field.
    #[test]
    fn expansion_rates_and_bad_input() {
        let mut session = Session::new();
        let b = budget_at("1e22");
        let v = evaluate(&fields(&[("moe_e", "16")]), &b, &mut session);
        assert!(v.outputs["moe_using"].contains("Table 8"), "{:?}", v.outputs);
        let v = evaluate(&fields(&[("moe_e", "32")]), &b, &mut session);
        assert!(v.errors["moe_e"].contains("E = 64 (Table 1) and E = 16 (Table 8)"), "{:?}", v.errors);
        for (field, bad) in [("moe_e", "0.5"), ("moe_e", "abc"), ("moe_cr", "-1"), ("moe_law", "magic")] {
            let v = evaluate(&fields(&[(field, bad)]), &b, &mut session);
            assert!(v.errors.contains_key(field), "{field}={bad}: {:?}", v.errors);
        }
        let v = evaluate(&fields(&[("moe_law", "fit")]), &b, &mut session);
        assert!(v.unanswered["moe_law"].contains("paste MoE runs"), "{:?}", v.unanswered);
        let v = evaluate(&fields(&[("moe_runs", "N,D,G,loss\n1e9,2e10,0.5,3\n")]), &b, &mut session);
        assert!(v.errors["moe_runs"].contains("below 1"), "{:?}", v.errors);
        assert!(v.outputs.contains_key("moe_loss"), "the published law still answers");
        let none = evaluate(&fields(&[]), &chart_state(&Inputs::default().with("compute", "abc")), &mut session);
        assert!(none.unanswered.contains_key("moe_e"));
    }

    /// The Budget panel's GPUs bound the total parameters: a small cluster holds the model
    /// below its optimum and says so; a large one does not.
    #[test]
    fn memory_bounds_the_total_parameters() {
        let small = chart_state(&Inputs::default().with("compute", "1e24").with("gpu", "h100").with("gpus", "8"));
        let v = evaluate(&fields(&[]), &small, &mut Session::new());
        assert!(v.outputs["moe_memory"].contains("holds the model below its optimum"), "{}", v.outputs["moe_memory"]);
        assert!(v.lists["moe_notes"].iter().any(|n| n.contains("Without the memory bound")));
        let total: f64 = crate::core::units::parse_number(&v.outputs["moe_n_total"]).unwrap();
        assert!(total * kr::STATE_BYTES <= 8.0 * 80e9 * 1.0001, "{total:e}");
        let large = chart_state(&Inputs::default().with("compute", "1e22").with("gpu", "h100").with("gpus", "4096"));
        let v = evaluate(&fields(&[]), &large, &mut Session::new());
        assert!(v.outputs["moe_memory"].ends_with("fits"), "{}", v.outputs["moe_memory"]);
    }

    /// Runs drawn from Table 1's law, fitted on the page's jobs: the fit is shown and, chosen,
    /// drives the plan to the published law's answer.
    #[test]
    fn a_fit_to_pasted_runs_drives_the_plan() {
        let mut table = String::from("N,D,G,loss\n");
        for r in kr::tests::runs(&kr::TABLE_1_MOE, 0.0) {
            table.push_str(&format!("{},{},{},{}\n", r.n, r.d, r.g, r.loss));
        }
        let b = budget_at("1.93e20");
        let v = evaluate(&fields(&[("moe_runs", &table), ("moe_law", "fit")]), &b, &mut Session::new());
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert!(v.outputs["moe_fit"].contains("90 runs"), "{}", v.outputs["moe_fit"]);
        assert!(v.outputs["moe_using"].contains("fitted to your 90 runs"));
        let published = evaluate(&fields(&[]), &b, &mut Session::new());
        assert_eq!(v.outputs["moe_g"], published.outputs["moe_g"]);
        assert_eq!(v.outputs["moe_loss"], published.outputs["moe_loss"]);
    }

    /// The joint law at Table 1's 10²² FLOPs and E = 32: "12.2B" active and "136.9B" tokens,
    /// every E in the table with the chosen one starred, the dense optimum ("18.8B", "88.6B") and
    /// its compute for the same loss; the fine-grained outputs are left empty.
    #[test]
    fn the_joint_law_at_a_table_1_budget() {
        let v = evaluate(&fields(&[("moe_form", "joint"), ("moe_experts", "32")]), &budget_at("1e22"), &mut Session::new());
        assert!(v.errors.is_empty() && v.unanswered.is_empty(), "{v:?}");
        let n: f64 = crate::core::units::parse_number(v.outputs["moe_j_n_act"].split(' ').next().unwrap()).unwrap();
        let d: f64 = crate::core::units::parse_number(v.outputs["moe_j_d"].split(' ').next().unwrap()).unwrap();
        assert!((n / 12.2e9 - 1.0).abs() < 0.01 && (d / 136.9e9 - 1.0).abs() < 0.01, "{n:e} {d:e}");
        assert!(v.outputs["moe_j_dense"].starts_with("18.9B parameters, 88.3B tokens"), "{}", v.outputs["moe_j_dense"]);
        let times: f64 = v.outputs["moe_j_equiv"].split('×').next().unwrap().parse().unwrap();
        assert!(times > 1.5 && times < 10.0, "{}", v.outputs["moe_j_equiv"]);
        assert!(v.outputs["moe_j_using"].contains("Table 3"), "{}", v.outputs["moe_j_using"]);
        assert!(!v.outputs.contains_key("moe_g") && !v.tables.contains_key("moe_by_g"));
        let t = &v.tables["moe_by_e"];
        assert_eq!(t.rows.len(), crate::core::laws::ludziejewski::EXPERTS.len());
        assert!(t.rows.iter().filter(|r| r[0].ends_with('★')).count() == 1 && t.rows[5][0] == "32\u{a0}★", "{t:?}");
        assert!(v.lists["moe_notes"].iter().any(|n| n.contains("arXiv:2502.05172")));
        assert!(!v.lists["moe_notes"].iter().any(|n| n.contains("extrapolates")), "E = 256 is in the table, not chosen: the note is for the chosen E");
        let far = evaluate(&fields(&[("moe_form", "joint"), ("moe_experts", "64")]), &budget_at("1e22"), &mut Session::new());
        assert!(far.lists["moe_notes"].iter().any(|n| n.contains("extrapolates")));
        // An E outside the table's list gets its own row.
        let v = evaluate(&fields(&[("moe_form", "joint"), ("moe_experts", "3")]), &budget_at("1e22"), &mut Session::new());
        assert_eq!(v.tables["moe_by_e"].rows.len(), crate::core::laws::ludziejewski::EXPERTS.len() + 1);
        assert_eq!(v.tables["moe_by_e"].rows[2][0], "3\u{a0}★");
    }

    /// The Budget panel's GPUs: at 10²³ FLOPs on 8 H100s the compute-optimal 32-expert model does
    /// not fit and is held; the best E they hold is fewer; each row says whether it fits.
    #[test]
    fn the_joint_law_under_memory() {
        let small = chart_state(&Inputs::default().with("compute", "1e23").with("gpu", "h100").with("gpus", "8"));
        let v = evaluate(&fields(&[("moe_form", "joint"), ("moe_experts", "32")]), &small, &mut Session::new());
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert!(v.outputs["moe_j_memory"].contains("held to"), "{}", v.outputs["moe_j_memory"]);
        let total: f64 = crate::core::units::parse_number(&v.outputs["moe_j_n_total"]).unwrap();
        assert!(total * kr::STATE_BYTES <= 8.0 * 80e9 * 1.001, "{total:e}");
        let best = &v.outputs["moe_j_best"];
        let e: f64 = best.trim_start_matches("E = ").split(' ').next().unwrap().parse().unwrap();
        assert!(e < 32.0, "{best}");
        let t = &v.tables["moe_by_e"];
        assert_eq!(t.head.last().unwrap(), "In the GPUs' memory");
        // Even the dense model is held: 640 GB of training state is 40B parameters.
        assert_eq!(t.rows[0].last().unwrap(), "held: 40B active, loss 2.005");
    }

    /// Runs drawn from Table 3 (Appendix E's layout), fitted on the page's jobs: the fit is shown
    /// and, chosen, drives the plan to the published law's answer; the fine-grained law's runs
    /// are refused for want of an E column.
    #[test]
    fn a_joint_fit_to_pasted_runs_drives_the_plan() {
        use crate::core::laws::ludziejewski as lz;
        let mut table = String::from("N_act,D,E,loss\n");
        for r in lz::tests::runs(&lz::TABLE_3, 0.0) {
            table.push_str(&format!("{},{},{},{}\n", r.n_act, r.d, r.e, r.loss));
        }
        let b = budget_at("1e22");
        let joint = [("moe_form", "joint"), ("moe_experts", "8")];
        let v = evaluate(&fields(&[joint[0], joint[1], ("moe_runs", &table), ("moe_law", "fit")]), &b, &mut Session::new());
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert!(v.outputs["moe_j_fit"].contains("120 runs"), "{}", v.outputs["moe_j_fit"]);
        assert!(v.outputs["moe_j_using"].contains("fitted to your 120 runs"));
        let published = evaluate(&fields(&joint), &b, &mut Session::new());
        assert_eq!(v.outputs["moe_j_loss"], published.outputs["moe_j_loss"]);
        assert_eq!(v.outputs["moe_j_n_act"], published.outputs["moe_j_n_act"]);
        let v = evaluate(&fields(&[joint[0], ("moe_runs", "N,D,G,loss\n1e9,2e10,4,3\n"), ("moe_law", "fit")]), &b, &mut Session::new());
        assert!(v.errors["moe_runs"].contains("N_act (active parameters), D (tokens), E (experts) and loss"), "{:?}", v.errors);
        assert!(v.unanswered["moe_law"].contains("no fit"), "{:?}", v.unanswered);
    }

    /// Bad input at its field, the rest kept: E below 1, not a number, fractional; an unknown law.
    #[test]
    fn the_joint_law_and_bad_input() {
        let b = budget_at("1e22");
        for bad in ["0", "abc", "2.5", "-3", "1e9", ""] {
            let v = evaluate(&fields(&[("moe_form", "joint"), ("moe_experts", bad)]), &b, &mut Session::new());
            assert!(v.errors.contains_key("moe_experts"), "{bad}: {:?}", v.errors);
            assert!(v.outputs.values().all(|o| !o.contains("NaN") && !o.contains("inf")), "{:?}", v.outputs);
        }
        let at = evaluate(&fields(&[("moe_form", "joint"), ("moe_experts", "4096")]), &b, &mut Session::new());
        assert!(at.errors.is_empty() && at.outputs.contains_key("moe_j_loss"), "{:?}", at.errors);
        let past = evaluate(&fields(&[("moe_form", "joint"), ("moe_experts", "4097")]), &b, &mut Session::new());
        assert!(past.errors["moe_experts"].contains("4096"), "{:?}", past.errors);
        let v = evaluate(&fields(&[("moe_form", "magic")]), &b, &mut Session::new());
        assert!(v.errors["moe_form"].contains("granular, joint or sparsity"), "{:?}", v.errors);
        let none = evaluate(&fields(&[("moe_form", "joint")]), &chart_state(&Inputs::default().with("compute", "abc")), &mut Session::new());
        assert!(none.unanswered.contains_key("moe_experts"));
        // The fine-grained law does not read the experts field.
        let v = evaluate(&fields(&[("moe_experts", "abc")]), &b, &mut Session::new());
        assert!(v.errors.is_empty() && v.outputs.contains_key("moe_g"), "{:?}", v.errors);
    }

    #[test]
    fn chart_draws_in_both_themes_and_with_bad_input() {
        let gpus = chart_state(&Inputs::default().with("compute", "1e22").with("gpu", "h100").with("gpus", "8"));
        for theme in [Theme::Light, Theme::Dark] {
            for (f, b) in [(fields(&[("moe_form", "joint")]), &gpus), (fields(&[("moe_form", "joint"), ("moe_experts", "0")]), &gpus), (fields(&[("moe_form", "?")]), &gpus)] {
                let mut svg = String::new();
                {
                    let area = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
                    draw("moe-frontier", &area, &f, b, &mut Session::new(), &ChartStyle::new(theme, 1.0)).unwrap();
                }
                assert!(svg.contains("<text"), "no text drawn");
            }
            for f in [fields(&[]), fields(&[("moe_e", "x")])] {
                let mut svg = String::new();
                {
                    let area = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
                    draw("moe-frontier", &area, &f, &budget_at("1e22"), &mut Session::new(), &ChartStyle::new(theme, 1.0)).unwrap();
                }
                assert!(svg.contains("<text"), "no text drawn");
            }
        }
    }

    /// The sparsity law: without runs it asks for them (it has no constants of its own); runs
    /// drawn from a known law give a fit, the compute-optimal sparsity within the runs' range
    /// beside the dense model of the same law, a row per routing, and a chart; a bad sparsity
    /// is reported at the runs with its row, and the other forms' outputs stay empty.
    #[test]
    fn the_sparsity_law_fits_pasted_runs_and_plans_at_the_budget() {
        use crate::core::laws::abnar;
        let mut session = Session::new();
        let b = budget_at("1e21");
        let v = evaluate(&fields(&[("moe_form", "sparsity")]), &b, &mut session);
        assert!(v.unanswered["moe_runs"].contains("no published constants"), "{:?}", v.unanswered);
        assert!(!v.outputs.contains_key("moe_s_loss"));
        let mut table = String::from("N,D,S,loss\n");
        for r in abnar::tests::runs(&abnar::tests::TRUTH, 0.0) {
            table.push_str(&format!("{},{},{},{}\n", r.n, r.d, r.s, r.loss));
        }
        let v = evaluate(&fields(&[("moe_form", "sparsity"), ("moe_runs", &table)]), &b, &mut session);
        assert!(v.errors.is_empty() && v.unanswered.is_empty(), "{v:?}");
        assert!(v.outputs["moe_s_fit"].starts_with("90 runs at sparsities up to 0.98"), "{}", v.outputs["moe_s_fit"]);
        assert!(v.outputs["moe_s_using"].contains("fitted to your 90 runs"));
        let truth = abnar::optimum(&abnar::tests::TRUTH, 1e21, 0.98, f64::INFINITY).unwrap();
        let s: f64 = v.outputs["moe_s_s"].split(' ').next().unwrap().parse().unwrap();
        assert!((s - truth.s).abs() <= 0.02, "{} vs {}", v.outputs["moe_s_s"], truth.s);
        let loss: f64 = v.outputs["moe_s_loss"].parse().unwrap();
        assert!((loss / truth.loss - 1.0).abs() < 0.002, "{loss} vs {}", truth.loss);
        assert!(v.outputs["moe_s_dense"].contains("below it at S ="), "{}", v.outputs["moe_s_dense"]);
        let t = &v.tables["moe_by_s"];
        assert_eq!(t.rows.len(), 6, "dense and 1 of 2 … 32 experts (S ≤ 0.98): {t:?}");
        assert_eq!(t.rows[0][0], "dense");
        assert!(!v.outputs.contains_key("moe_g") && !v.outputs.contains_key("moe_j_loss"));
        assert!(v.lists["moe_notes"].iter().any(|n| n.contains("arXiv:2501.12370")));
        // A small cluster holds the model below its optimum and says so.
        let small = chart_state(&Inputs::default().with("compute", "1e23").with("gpu", "h100").with("gpus", "8"));
        let v = evaluate(&fields(&[("moe_form", "sparsity"), ("moe_runs", &table)]), &small, &mut session);
        assert!(v.outputs["moe_s_memory"].contains("held to"), "{}", v.outputs["moe_s_memory"]);
        // The chart draws.
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
            draw("moe-frontier", &area, &fields(&[("moe_form", "sparsity"), ("moe_runs", &table)]), &b, &mut session, &ChartStyle::new(Theme::Light, 1.0)).unwrap();
        }
        assert!(svg.contains("best S") && svg.contains("dense (S = 0)"), "{}", &svg[..svg.len().min(400)]);
        // Bad input: at the runs, with the row; a misspelt form at its field.
        let bad = table.replacen("\n1", "\n1e8,2e9,1.5,3.2\n1", 1);
        let v = evaluate(&fields(&[("moe_form", "sparsity"), ("moe_runs", &bad)]), &b, &mut session);
        assert!(v.errors["moe_runs"].contains("row 2, column \"S\""), "{:?}", v.errors);
        let v = evaluate(&fields(&[("moe_form", "sparse")]), &b, &mut session);
        assert!(v.errors["moe_form"].contains("granular, joint or sparsity"), "{:?}", v.errors);
    }
}
