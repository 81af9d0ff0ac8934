//! The page's state and what it shows: every field as typed, validated into numbers, turned
//! into formatted results and per-field messages. Pure, so the whole page logic is native-tested.

use crate::core::laws::overfit;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::core::allocate;
use crate::core::plot::ChartState;
use crate::page::session::Session;
pub use crate::core::units::truncate;
use crate::core::choice::LawChoice;
use crate::core::convert;
use crate::core::analysis::spec::FitSpec;
use crate::core::hardware::{check_gpu_count, check_price, find_gpu, gpu_keys, parse_mfu, Cluster, HardwareError};
use crate::core::laws::LossLaw;
use crate::core::presets::Preset;
use crate::core::units::{
    format_count, format_duration, format_flop, format_sig, format_usd, parse_number, parse_quantity, Unit,
    FLOP_PER_PF_DAY,
};

pub use crate::page::fields::Inputs;
use crate::page::fields::Field;

/// "compute" (the budget is typed) or "hardware" (GPUs × days give it).
pub const MODE: Field = Field::new("mode", "mode", "compute");
/// The budget: FLOP, PF-days, GPU-hours, a duration or dollars.
pub const COMPUTE: Field = Field::new("compute", "c", "5.76e23");
/// Preset key (see [`Preset::key`]), or "fit" for the fitted law in [`FIT`].
pub const LAW: Field = Field::new("law", "law", "epoch");
/// GPU key (see [`crate::core::hardware::GPUS`]).
pub const GPU: Field = Field::new("gpu", "gpu", "h100");
/// Number of GPUs.
pub const GPUS: Field = Field::new("gpus", "gpus", "1024");
/// Training days (hardware mode).
pub const DAYS: Field = Field::new("days", "days", "30");
/// Model FLOPs utilisation: a fraction (0.4) or a percent (40, 40 %); see [`crate::core::hardware::parse_mfu`].
pub const MFU: Field = Field::new("mfu", "mfu", "40");
/// Dollars per GPU-hour; may be empty.
pub const PRICE: Field = Field::new("price", "usd", "2");
/// Which of C, N, D to solve for: "c", "n" or "d".
pub const SOLVE: Field = Field::new("solve", "solve", "c");
/// C for the "any two of C, N, D" question.
pub const GIVEN_C: Field = Field::new("given_c", "gc", "");
/// N for the "any two of C, N, D" question.
pub const GIVEN_N: Field = Field::new("given_n", "gn", "70B");
/// D for the "any two of C, N, D" question.
pub const GIVEN_D: Field = Field::new("given_d", "gd", "1.4T");
/// Target loss for "minimum compute for a loss"; may be empty.
pub const TARGET_LOSS: Field = Field::new("target_loss", "loss", "");
/// A model size other than N*; may be empty.
pub const MODEL_SIZE: Field = Field::new("model_size", "size", "");
/// The converter's input quantity.
pub const CONVERT: Field = Field::new("convert", "conv", "1 PF-day");
/// FLOPs per token the Budget panel also counts: "6n" (C = 6ND only) or "shape" (the Model
/// shape panel's exact count beside it).
pub const FLOPS: Field = Field::new("flops", "fl", "6n");
/// The open view: "" for the Budget panel, "fit" for the Fit panel, or a tool's key.
pub const TOOL: Field = Field::hidden("tool", "tool");
/// The fitted law in use when [`LAW`] is "fit" (see [`crate::core::analysis::spec::FitSpec`]).
pub const FIT: Field = Field::hidden("fit", "fit");

/// The Budget panel's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &[
    "law_label", "law_formula", "law_citation", "law_caveat", "mfu_reading", "n_star", "d_star", "tpp", "loss_star", "overfit_star", "overfit_note", "n_star_ci", "d_star_ci",
    "loss_star_ci", "compute_flop", "compute_pfdays", "wall", "gpu_hours", "cost", "n_convention", "triple_value", "triple_loss",
    "triple_tpp", "triple_wall", "triple_vs_opt", "triple_overfit", "target_compute", "target_pfdays", "target_n", "target_d", "target_wall",
    "target_cost", "resize_d", "resize_tpp", "resize_c", "resize_overhead", "resize_wall", "resize_overfit", "conv_flop", "conv_pfday", "conv_gpuh",
    "conv_wall", "conv_cost", "shape_flops",
];

/// The Budget panel's charts (canvas `data-chart` values).
pub const CHARTS: &[&str] = &["allocation", "contours", "isoflop"];

/// The Budget panel's fields, in page order.
pub const FIELDS: &[Field] = &[MODE, COMPUTE, LAW, GPU, GPUS, DAYS, MFU, PRICE, SOLVE, GIVEN_C, GIVEN_N, GIVEN_D, TARGET_LOSS, MODEL_SIZE, CONVERT, FLOPS, FIT, TOOL];

/// What the page shows: formatted outputs by key, and a message for each field that has one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct View {
    /// Output element key → display text. Absent keys show as a dash.
    pub outputs: BTreeMap<String, String>,
    /// Field name → what is wrong with what was typed there.
    pub errors: BTreeMap<String, String>,
    /// Field name → why the question that field asks has no answer (the input itself is fine,
    /// e.g. a model too small to ever reach the target loss).
    pub unanswered: BTreeMap<String, String>,
    /// Notes worth showing but not errors (e.g. an unusual MFU).
    pub notes: Vec<String>,
    /// The tools' tables by key (element id `tbl-KEY`).
    pub tables: BTreeMap<String, crate::page::tools::Table>,
    /// The tools' lists by key (element id `list-KEY`).
    pub lists: BTreeMap<String, Vec<String>>,
    /// Output keys whose results are being computed in the background (the page marks them busy).
    pub pending: std::collections::BTreeSet<String>,
    /// The tools' action rows by key (element id `act-KEY`): buttons that fill fields.
    pub actions: BTreeMap<String, Vec<crate::page::tools::Action>>,
}

impl View {
    pub(crate) fn out(&mut self, key: &str, text: String) {
        self.outputs.insert(key.to_string(), text);
    }
    pub(crate) fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors.entry(field.to_string()).or_insert_with(|| message.into());
    }
    fn unanswered(&mut self, field: &str, message: impl Into<String>) {
        self.unanswered.entry(field.to_string()).or_insert_with(|| message.into());
    }
}


/// Reads a plain number (no unit) that must lie in [lo, hi].
pub(crate) fn number(text: &str, what: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let v = parse_number(text).map_err(|e| format!("{what} {e}"))?;
    if v <= 0.0 && lo > 0.0 {
        return Err(format!("{what} must be greater than 0 (got {})", format_sig(v, 6)));
    }
    if v < lo || v > hi {
        return Err(format!("{what} must be between {} and {} (got {})", format_sig(lo, 6), format_sig(hi, 6), format_sig(v, 6)));
    }
    Ok(v)
}

/// Reads a whole number (counts, seeds) that must lie in [lo, hi]; "1e3" and "1,000" are fine.
pub(crate) fn whole(text: &str, what: &str, lo: usize, hi: usize) -> Result<usize, String> {
    whole_u64(text, what, lo as u64, hi as u64).map(|v| v as usize)
}

/// [`whole`] for counts beyond a 32-bit `usize` (wasm's): up to [`crate::core::units::UNBOUNDED`].
pub(crate) fn whole_u64(text: &str, what: &str, lo: u64, hi: u64) -> Result<u64, String> {
    crate::core::units::parse_whole(text, lo, hi).map_err(|e| format!("{what} {e}"))
}

/// Reads dollars per GPU-hour: "2", "$2.50", "2 USD", "$2/GPU-hour".
fn price(text: &str) -> Result<f64, String> {
    let text = text.trim().trim_end_matches("/GPU-hour").trim_end_matches("/h");
    let q = parse_quantity(text).map_err(|e| format!("$/GPU-hour {e}"))?;
    match q.unit {
        None | Some(Unit::Usd) => check_price(q.value).map_err(|e| format!("$/GPU-hour {e}")),
        Some(u) => Err(format!("$/GPU-hour takes dollars, not {}", u.key())),
    }
}

/// Reads a quantity of compute in any unit as FLOP within the supported budget range.
fn compute_field(text: &str, cluster: Option<&Cluster>, what: &str) -> Result<f64, String> {
    let q = parse_quantity(text).map_err(|e| format!("{what} {e}"))?;
    let flop = convert::to_flop(q, cluster).map_err(|e| format!("{what} {e}"))?;
    allocate::check_budget(flop).map_err(|e| format!("{what}: {e}"))
}

fn read_law(inputs: &Inputs, view: &mut View) -> LawChoice {
    if inputs.get(&LAW).trim().eq_ignore_ascii_case("fit") {
        return match FitSpec::parse(inputs.get(&FIT)) {
            Ok(spec) => LawChoice::Fit(spec),
            Err(e) => {
                view.err("law", format!("{e}; using Epoch 2024"));
                LawChoice::Preset(Preset::Epoch)
            }
        };
    }
    Preset::from_key(inputs.get(&LAW)).map(LawChoice::Preset).unwrap_or_else(|| {
        view.err("law", format!("unknown law \"{}\"", truncate(inputs.get(&LAW))));
        LawChoice::Preset(Preset::Epoch)
    })
}

/// The budget in FLOP: typed (compute mode) or GPUs × days (hardware mode). The message goes
/// to the field the budget comes from.
fn read_budget(inputs: &Inputs, cluster: Option<&Cluster>, view: &mut View) -> Option<f64> {
    if inputs.get(&MODE) == "hardware" {
        let days = number(inputs.get(&DAYS), "days", 1e-6, 36_525.0).map_err(|e| view.err("days", e)).ok()?;
        let flop = cluster?.flop_in(days * 86_400.0);
        allocate::check_budget(flop).map_err(|e| view.err("days", format!("compute: {e}"))).ok()
    } else {
        compute_field(inputs.get(&COMPUTE), cluster, "compute").map_err(|e| view.err("compute", e)).ok()
    }
}

/// Validates everything, answers every question the inputs ask, and formats the answers: the
/// Budget panel ([`evaluate_panel`]), then the Fit panel's fields, every tool, and the fit's
/// intervals on the Budget panel's answers.
pub fn evaluate(inputs: &Inputs, session: &mut Session) -> View {
    let (mut view, budget) = evaluate_panel(inputs);
    crate::page::fitpanel::check_fields(inputs, &mut view);
    let tools = crate::page::tools::evaluate_all(inputs, &budget, session);
    view.outputs.extend(tools.outputs);
    for (field, message) in tools.errors {
        view.err(&field, message);
    }
    for (field, message) in tools.unanswered {
        view.unanswered(&field, message);
    }
    view.tables = tools.tables;
    view.lists = tools.lists;
    view.pending = tools.pending;
    view.actions = tools.actions;
    crate::page::fitpanel::add_budget_intervals(inputs, &mut view, session);
    view
}

/// The Budget panel alone (what the page's first-load module shows, see `web`): its answers
/// and messages, and the law and compute the tools start from. Also checks which view is open.
pub fn evaluate_panel(inputs: &Inputs) -> (View, ChartState) {
    let mut view = View::default();
    let tool = inputs.get(&TOOL);
    if !(tool.is_empty() || tool == "fit" || crate::page::tools::is_tool(tool)) {
        view.err("tool", format!("there is no tool \"{}\"", truncate(tool)));
    }
    let choice = read_law(inputs, &mut view);
    let law = choice.law();
    if !matches!(inputs.get(&MODE), "compute" | "hardware") {
        view.err("mode", format!("unknown budget mode \"{}\" (compute or hardware)", truncate(inputs.get(&MODE))));
    }
    let cluster = read_cluster(inputs, &mut view);
    let compute = read_budget(inputs, cluster.as_ref(), &mut view);
    let model_size =
        optional(inputs.get(&MODEL_SIZE), &mut view, "model_size", |t| number(t, "model size", 1.0, 1e16));
    shape_flops(inputs, compute, law, &mut view);
    if let Some(c) = compute {
        budget_outputs(&mut view, law, c, cluster.as_ref());
        view.notes.extend(extrapolation_note(&choice, c));
        if let Some(n) = model_size {
            match allocate::resize_model(law, c, n) {
                Ok(r) => {
                    view.out("resize_d", format_count(r.resized.d, 3));
                    view.out("resize_c", format_flop(r.resized.compute));
                    view.out("resize_tpp", format_sig(r.resized.tokens_per_param(), 3));
                    view.out("resize_overhead", format!("{}%", signed(r.overhead_percent)));
                    view.out(
                        "resize_overfit",
                        format!("a {} model needs {}", format_count(n, 3), overfit::describe_with(n, r.resized.d)),
                    );
                    if let Some(cl) = cluster.as_ref() {
                        view.out("resize_wall", format_duration(cl.wall_seconds(r.resized.compute)));
                    }
                }
                Err(e) => view.unanswered("model_size", e.to_string()),
            }
        }
    }

    if compute.is_none() && model_size.is_some() {
        view.unanswered("model_size", "needs a valid budget above");
    }

    if let Some(target) =
        optional(inputs.get(&TARGET_LOSS), &mut view, "target_loss", |t| number(t, "target loss", 1e-6, 100.0))
    {
        match allocate::min_compute_for_loss(law, target) {
            Ok(a) => {
                view.out("target_compute", format_flop(a.compute));
                view.out("target_pfdays", format!("{} PF-days", format_count(a.compute / FLOP_PER_PF_DAY, 3)));
                view.out("target_n", format_count(a.n, 3));
                view.out("target_d", format_count(a.d, 3));
                if let Some(cl) = cluster.as_ref() {
                    view.out("target_wall", format_duration(cl.wall_seconds(a.compute)));
                    if let Some(cost) = cl.cost(a.compute) {
                        view.out("target_cost", format_usd(cost));
                    }
                }
            }
            Err(e) => view.unanswered("target_loss", e.to_string()),
        }
    }

    solve_triple(inputs, law, cluster.as_ref(), &mut view);
    converter_outputs(inputs, cluster.as_ref(), &mut view);

    if let LawChoice::Fit(_) = choice {
        // A preset's name is in the law selector; a fit's says which form and how many runs.
        view.out("law_label", choice.label());
    }
    view.out("law_formula", choice.formula());
    view.out("law_citation", choice.citation());
    view.out("law_caveat", choice.caveat().unwrap_or_default());
    view.out("n_convention", format!("N counts {}", choice.convention_label()));
    (view, ChartState { law: choice, compute, model_size, gpu: read_gpu(inputs) })
}

/// The GPU and GPU count, when both read (whatever the MFU or price say).
fn read_gpu(inputs: &Inputs) -> Option<(&'static crate::core::hardware::Gpu, f64)> {
    let count = parse_number(inputs.get(&GPUS)).ok().and_then(|n| check_gpu_count(n).ok())?;
    Some((find_gpu(inputs.get(&GPU))?, count))
}

/// With [`FLOPS`] "shape": what the budget buys the Model shape panel's shape when each token
/// costs its exact training FLOPs (C = FLOPs/token × D) next to C = 6ND — tokens and the law's
/// loss for both.
fn shape_flops(inputs: &Inputs, compute: Option<f64>, law: &dyn crate::core::laws::LossLaw, view: &mut View) {
    match inputs.get(&FLOPS) {
        "6n" => return,
        "shape" => {}
        other => {
            view.err("flops", format!("unknown FLOPs rule \"{}\" (6n or shape)", truncate(other)));
            return;
        }
    }
    let mut scratch = crate::page::tools::ToolView::default();
    let Some(shape) = crate::page::tools::shape::read_shape(inputs, &mut scratch) else {
        view.unanswered("flops", "the Model shape panel's shape has an error: correct it there");
        return;
    };
    let Some(c) = compute else { return };
    let (p, f) = (shape.params(), shape.flops_per_token());
    // The laws count a dense model's parameters; a mixture of experts is read by its active ones.
    let n = p.active as f64;
    let (d_exact, d_6n) = (c / f.exact, c / f.six_n);
    let (l_exact, l_6n) = (law.loss(n, d_exact), law.loss(n, d_6n));
    if !(l_exact.is_finite() && l_6n.is_finite()) {
        view.unanswered("flops", "the law gives no finite loss for this shape at this budget");
        return;
    }
    view.out(
        "shape_flops",
        format!(
            "{} parameters at {} FLOP/token ({}{} % vs 6N): D = {} tokens, L = {} (6N: D = {}, L = {})",
            format_count(n, 3),
            crate::core::units::format_sci(f.exact, 3),
            if f.difference >= 0.0 { "+" } else { "" },
            format_sig(f.difference * 100.0, 3),
            format_count(d_exact, 3),
            format_sig(l_exact, 4),
            format_count(d_6n, 3),
            format_sig(l_6n, 4)
        ),
    );
}

/// The numbers the charts need; invalid fields become `None` so charts still draw.
pub fn chart_state(inputs: &Inputs) -> ChartState {
    let mut scratch = View::default();
    let law = read_law(inputs, &mut scratch);
    let cluster = read_cluster(inputs, &mut scratch);
    let compute = read_budget(inputs, cluster.as_ref(), &mut scratch);
    let model_size = number(inputs.get(&MODEL_SIZE), "model size", 1.0, 1e16).ok();
    ChartState { law, compute, model_size, gpu: read_gpu(inputs) }
}

fn read_cluster(inputs: &Inputs, view: &mut View) -> Option<Cluster> {
    let gpu = find_gpu(inputs.get(&GPU));
    if gpu.is_none() {
        view.err("gpu", format!("unknown GPU \"{}\" (expected one of {})", truncate(inputs.get(&GPU)), gpu_keys()));
    }
    let count = parse_number(inputs.get(&GPUS))
        .map_err(HardwareError::Number)
        .and_then(check_gpu_count)
        .map_err(|e| view.err("gpus", format!("GPU count {e}")))
        .ok();
    let mfu = parse_mfu(inputs.get(&MFU))
        .map_err(|e| match e {
            HardwareError::Number(_) => view.err("mfu", format!("MFU {e} (a percent, 40 or 40 %, or a fraction, 0.4)")),
            _ => view.err("mfu", format!("MFU {e}")),
        })
        .ok();
    if let Some(read) = mfu {
        let m = read.fraction * 100.0;
        if read.as_fraction {
            view.out("mfu_reading", format!("{} → {} %", inputs.get(&MFU).trim(), format_sig(m, 3)));
        }
        if m > 75.0 {
            view.notes.push(format!("MFU of {}% is above what large runs report (30–50 % is typical).", format_sig(m, 3)));
        }
    }
    let price = optional(inputs.get(&PRICE), view, "price", price);
    Some(Cluster { gpu: gpu?, count: count?, mfu: mfu?.fraction, usd_per_gpu_hour: price })
}

/// A note when the budget is more than 10× outside the runs the law was fitted on.
fn extrapolation_note(choice: &LawChoice, compute: f64) -> Option<String> {
    let (lo, hi, runs) = choice.fitted_range()?;
    let (factor, side, edge) = if compute > 10.0 * hi {
        (compute / hi, "above the largest", hi)
    } else if compute < lo / 10.0 {
        (lo / compute, "below the smallest", lo)
    } else {
        return None;
    };
    Some(format!(
        "Extrapolation: this budget is {}× {side} training run behind this law ({}; {}).",
        format_count(factor, 2),
        crate::core::units::format_flop(edge),
        runs
    ))
}

fn budget_outputs(view: &mut View, law: &dyn LossLaw, compute: f64, cluster: Option<&Cluster>) {
    view.out("compute_flop", format_flop(compute));
    view.out("compute_pfdays", format!("{} PF-days", format_count(compute / FLOP_PER_PF_DAY, 3)));
    match allocate::optimum(law, compute) {
        Ok(a) => {
            view.out("n_star", format_count(a.n, 3));
            view.out("d_star", format_count(a.d, 3));
            view.out("tpp", format_sig(a.tokens_per_param(), 3));
            view.out("loss_star", format_sig(a.loss, 4));
            view.out("overfit_star", overfit::describe_with(a.n, a.d));
            view.out("overfit_note", format!("Overfitting bound: {}. {}.", overfit::CITATION, overfit::CAVEAT));
        }
        Err(e) => view.err("compute", e.to_string()),
    }
    if let Some(c) = cluster {
        view.out("wall", format_duration(c.wall_seconds(compute)));
        view.out("gpu_hours", format_count(c.gpu_hours(compute), 3));
        view.out("cost", c.cost(compute).map(format_usd).unwrap_or_else(|| "set a $/GPU-hour price".into()));
    }
}

fn solve_triple(inputs: &Inputs, law: &dyn LossLaw, cluster: Option<&Cluster>, view: &mut View) {
    let solve = inputs.get(&SOLVE);
    if !matches!(solve, "c" | "n" | "d") {
        view.err("solve", format!("unknown choice \"{}\" (c, n or d)", truncate(solve)));
        return;
    }
    let mut read = |field: &str, what: &str, lo: f64| -> Option<f64> {
        if field == format!("given_{solve}") {
            return None;
        }
        let text = inputs.text(field);
        if text.trim().is_empty() {
            // Not wrong, just not asked yet (e.g. a link that switches to solving for N).
            view.unanswered(field, format!("enter {what} to answer this"));
            return None;
        }
        let r = if field == "given_c" {
            compute_field(text, cluster, what)
        } else {
            number(text, what, lo, 1e20)
        };
        r.map_err(|e| view.err(field, e)).ok()
    };
    let c = read("given_c", "C", 1.0);
    let n = read("given_n", "N", 1.0);
    let d = read("given_d", "D", 1.0);
    let (c, n, d) = match (solve, c, n, d) {
        ("c", _, Some(n), Some(d)) => (allocate::training_flop(n, d), n, d),
        ("n", Some(c), _, Some(d)) => (c, c / (6.0 * d), d),
        ("d", Some(c), Some(n), _) => (c, n, c / (6.0 * n)),
        _ => return,
    };
    if !(n >= 1.0 && d >= 1.0) {
        view.unanswered(&format!("given_{solve}"), "the other two give fewer than one parameter or token");
        return;
    }
    let value = match solve {
        "c" => format_flop(c),
        "n" => format!("{} parameters", format_count(n, 3)),
        _ => format!("{} tokens", format_count(d, 3)),
    };
    view.out("triple_value", value);
    let loss = law.loss(n, d);
    view.out("triple_loss", format_sig(loss, 4));
    view.out("triple_tpp", format_sig(d / n, 3));
    view.out("triple_overfit", overfit::describe_with(n, d));
    if let Ok(opt) = allocate::optimum(law, c) {
        let excess = loss - opt.loss;
        let text = if excess < 5e-5 {
            format!("at the optimum for this compute (L* = {})", format_sig(opt.loss, 4))
        } else {
            format!("{} above the optimum L* = {} for this compute", format_sig(excess, 3), format_sig(opt.loss, 4))
        };
        view.out("triple_vs_opt", text);
    }
    if let Some(cl) = cluster {
        view.out("triple_wall", format_duration(cl.wall_seconds(c)));
    }
}

fn converter_outputs(inputs: &Inputs, cluster: Option<&Cluster>, view: &mut View) {
    let q = match parse_quantity(inputs.get(&CONVERT)) {
        Ok(q) => q,
        Err(e) => return view.err("convert", format!("quantity {e}")),
    };
    let flop = match convert::to_flop(q, cluster) {
        Ok(f) => f,
        Err(e) => return view.err("convert", format!("quantity {e}")),
    };
    if !(flop < 1e45) {
        return view.err("convert", "quantity is too large (over 1e45 FLOP)");
    }
    view.out("conv_flop", format_flop(flop));
    view.out("conv_pfday", format!("{} PF-days", format_count(flop / FLOP_PER_PF_DAY, 4)));
    if let Some(c) = cluster {
        view.out("conv_gpuh", format!("{} GPU-hours", format_count(c.gpu_hours(flop), 4)));
        view.out("conv_wall", format!("{} on {} GPUs", format_duration(c.wall_seconds(flop)), format_count(c.count, 4)));
        view.out("conv_cost", c.cost(flop).map(format_usd).unwrap_or_else(|| "set a $/GPU-hour price".into()));
    }
}

fn optional(text: &str, view: &mut View, field: &str, read: impl Fn(&str) -> Result<f64, String>) -> Option<f64> {
    if text.trim().is_empty() {
        return None;
    }
    read(text).map_err(|e| view.err(field, e)).ok()
}

fn signed(x: f64) -> String {
    let s = format_sig(x, 3);
    if x > 0.0 { format!("+{s}") } else { s }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_produce_every_budget_output() {
        let view = evaluate(&Inputs::default(), &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        for key in ["n_star", "d_star", "tpp", "loss_star", "wall", "gpu_hours", "cost", "triple_value", "conv_flop"] {
            assert!(view.outputs.contains_key(key), "missing {key}");
        }
        assert_eq!(view.outputs["conv_flop"], "8.64e19 FLOP");
        assert_eq!(view.outputs["triple_value"], "5.88e23 FLOP");
    }

    #[test]
    fn hardware_mode_derives_compute() {
        let inputs = Inputs::default().with("mode", "hardware").with("days", "30");
        let view = evaluate(&inputs, &mut Session::new());
        // 1024 × 989e12 × 0.4 × 30 days
        let want = 1024.0 * 989e12 * 0.4 * 30.0 * 86_400.0;
        assert_eq!(view.outputs["compute_flop"], format_flop(want));
        assert_eq!(view.outputs["wall"], "30 days");
    }

    #[test]
    fn compute_accepts_every_unit() {
        for text in ["2000 PF-days", "1.2M GPU-hours", "30 days", "$5M", "5.76e23 FLOP"] {
            let view = evaluate(&Inputs::default().with("compute", text), &mut Session::new());
            assert!(view.errors.is_empty(), "{text}: {:?}", view.errors);
            assert!(view.outputs.contains_key("n_star"), "{text}");
        }
    }

    #[test]
    fn bad_fields_get_messages_and_never_non_finite_outputs() {
        let long = "x".repeat(10_000);
        let bad = ["", "   ", "abc", "-1", "0", "NaN", "1e400", long.as_str(), "数字"];
        let fields = ["compute", "gpus", "mfu", "days", "price", "given_c", "given_n", "given_d", "target_loss", "model_size", "convert"];
        for field in fields {
            for text in bad {
                // Solve for something other than the field, so that the field is read.
                let inputs = Inputs::default()
                    .with("mode", if field == "days" { "hardware" } else { "compute" })
                    .with("solve", if field == "given_c" { "n" } else { "c" })
                    .with(field, text);
                let view = evaluate(&inputs, &mut Session::new());
                let optional_empty = matches!(field, "target_loss" | "model_size" | "price") && text.trim().is_empty();
                let unasked = field.starts_with("given_") && text.trim().is_empty();
                if unasked {
                    assert!(view.unanswered.contains_key(field), "{field}: no note");
                } else if !optional_empty {
                    let msg = view.errors.get(field).unwrap_or_else(|| panic!("{field}={text:?}: no error"));
                    assert!(msg.len() < 200, "{field}: message too long: {msg}");
                }
                // Formatters write a non-finite number as "—", so that is what a leak would look like.
                for (k, v) in &view.outputs {
                    let non_finite = v.split(|c: char| !c.is_alphanumeric()).any(|w| matches!(w, "NaN" | "inf" | "Infinity"));
                    assert!(!v.contains('—') && !non_finite, "{field}={text:?}: {k} = {v}");
                }
            }
        }
    }

    #[test]
    fn extrapolation_is_noted() {
        let mut session = Session::new();
        let far = evaluate(&Inputs::default().with("compute", "1e26"), &mut session);
        assert!(far.notes.iter().any(|n| n.contains("7700× above the largest")), "{:?}", far.notes);
        let inside = evaluate(&Inputs::default().with("compute", "1e21"), &mut session);
        assert!(inside.notes.is_empty(), "{:?}", inside.notes);
        let tiny = evaluate(&Inputs::default().with("compute", "1e7").with("law", "kaplan"), &mut session);
        assert!(tiny.notes.iter().any(|n| n.contains("below the smallest")));
    }

    #[test]
    fn one_bad_field_leaves_the_rest_computed() {
        let view = evaluate(&Inputs::default().with("mfu", "abc"), &mut Session::new());
        assert!(view.errors.contains_key("mfu"));
        assert!(view.outputs.contains_key("n_star"));
        assert!(!view.outputs.contains_key("wall"));
    }

    #[test]
    fn reverse_questions_are_answered() {
        let mut session = Session::new();
        let view = evaluate(&Inputs::default().with("target_loss", "2.0").with("model_size", "30B").with("solve", "d").with("given_c", "1e23").with("given_n", "1B"), &mut session);
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(view.outputs["resize_overhead"].starts_with('+'));
        assert_eq!(view.outputs["triple_value"], "16.7T tokens");
        assert!(view.outputs.contains_key("target_compute"));
        let below = evaluate(&Inputs::default().with("target_loss", "1.5"), &mut session);
        assert!(below.unanswered["target_loss"].contains("irreducible"));
        assert!(below.errors.is_empty());
    }

    #[test]
    fn the_overfitting_bound_is_shown_for_n_star_a_resized_model_and_a_planned_run() {
        let mut session = Session::new();
        // 7B on 20B tokens: eq. 4.4 asks 5e3·(7e9)^0.74 ≈ 9.65e10 tokens.
        let inputs = Inputs::default().with("model_size", "30B").with("solve", "c").with("given_n", "7B").with("given_d", "20B");
        let view = evaluate(&inputs, &mut session);
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(view.outputs["triple_overfit"].starts_with("≥ 96.5B tokens"), "{}", view.outputs["triple_overfit"]);
        assert!(view.outputs["triple_overfit"].contains("overfitting risk"));
        // 30B: 5e3·(3e10)^0.74 ≈ 2.83e11 tokens; the resized run (same loss as N*) has more.
        assert!(view.outputs["resize_overfit"].starts_with("a 30B model needs ≥ 283B tokens; D is "), "{}", view.outputs["resize_overfit"]);
        assert!(view.outputs["overfit_star"].contains("D is"), "{}", view.outputs["overfit_star"]);
        assert!(view.outputs["overfit_note"].contains("non-embedding"));
        let plenty = evaluate(&inputs.clone().with("given_d", "2T"), &mut session);
        assert!(!plenty.outputs["triple_overfit"].contains("risk"), "{}", plenty.outputs["triple_overfit"]);
    }

    /// Farseer fitted to the Epoch runs (5 highest losses dropped) by `scalecalc fit --law farseer`.
    const EPOCH_FARSEER: &str = "farseer;a1=1.098284153;b1=-2.034182536;alpha=-0.1364267948;a2=0.02550154474;b2=0.01952615071;beta=0.7949598526;a3=0.6201694135;b3=0.1702375754;gamma=-0.1407019825;runs=240;c=6.3e17..3.8e21";

    #[test]
    fn a_fitted_farseer_law_drives_the_budget_panel() {
        let inputs = Inputs::default().with("law", "fit").with("fit", EPOCH_FARSEER);
        let view = evaluate(&inputs, &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(view.outputs["law_label"].starts_with("Your fit (Farseer form, 240 runs)"));
        assert!(view.outputs["law_citation"].contains("arXiv:2506.10972"));
        // At Chinchilla's compute the fitted Farseer law wants tens of billions of parameters,
        // like every other fit to these runs.
        let n = crate::core::units::parse_number(&view.outputs["n_star"]).unwrap();
        assert!((1e10..3e11).contains(&n), "N* = {}", view.outputs["n_star"]);
        let loss: f64 = view.outputs["loss_star"].parse().unwrap();
        assert!((1.8..2.3).contains(&loss), "L* = {loss}");
    }

    /// The page reads MFU as the command line does: 0.4 is 40 %, not 0.4 % (it once made a
    /// 30-day budget 7.8 years), and says how it read it.
    #[test]
    fn mfu_as_a_fraction_is_forty_percent_and_the_reading_is_shown() {
        let mut session = Session::new();
        let hardware = |mfu: &str| Inputs::default().with("mode", "hardware").with("mfu", mfu);
        let percent = evaluate(&hardware("40"), &mut session);
        let fraction = evaluate(&hardware("0.4"), &mut session);
        assert_eq!(fraction.outputs["compute_flop"], percent.outputs["compute_flop"]);
        assert_eq!(fraction.outputs["wall"], "30 days");
        assert_eq!(fraction.outputs["mfu_reading"], "0.4 → 40 %");
        assert!(!percent.outputs.contains_key("mfu_reading"));
        assert_eq!(evaluate(&hardware("40 %"), &mut session).outputs["compute_flop"], percent.outputs["compute_flop"]);
        assert!(evaluate(&hardware("0.4%"), &mut session).notes.is_empty());
        assert!(evaluate(&hardware("150"), &mut session).errors["mfu"].contains("between 0.1% and 100%"));
    }

    /// "6N and the shape's count": the default shape (Llama 3 8B) at the default budget buys
    /// fewer tokens than C/(6N) says, so its loss is higher; a bad shape is said at the field.
    #[test]
    fn the_shape_panels_flops_count_beside_6n() {
        let mut session = Session::new();
        let plain = evaluate(&Inputs::default(), &mut session);
        assert!(!plain.outputs.contains_key("shape_flops"));
        let v = evaluate(&Inputs::default().with("flops", "shape"), &mut session);
        let t = &v.outputs["shape_flops"];
        assert!(t.starts_with("8.03B parameters at 5.15e10 FLOP/token (+6.83 % vs 6N): D = 11.2T tokens"), "{t}");
        let s = crate::core::shape::Shape::LLAMA3_8B;
        let law = crate::core::presets::EPOCH;
        let l = |d: f64| crate::core::laws::LossLaw::loss(&law, s.params().total as f64, d);
        let c = 5.76e23;
        assert!(l(c / s.flops_per_token().exact) > l(c / s.flops_per_token().six_n));
        assert!(t.contains(&format!("L = {}", format_sig(l(c / s.flops_per_token().exact), 4))), "{t}");
        let bad = evaluate(&Inputs::default().with("flops", "shape").with("sh_heads", "33"), &mut session);
        assert!(bad.unanswered["flops"].contains("Model shape panel"));
        assert!(bad.errors.contains_key("sh_heads") && bad.outputs.contains_key("n_star"));
        let unknown = evaluate(&Inputs::default().with("flops", "7n"), &mut session);
        assert!(unknown.errors["flops"].contains("6n or shape"));
    }
}
