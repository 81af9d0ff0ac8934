//! The model shape panel: a transformer's exact parameters, training FLOPs per token and
//! training memory per GPU (math in [`crate::core::shape`]), published models' shapes, and
//! shapes for the Budget panel's N*.

mod chart;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{text, Action, Field, Fields, ToolView};
use crate::core::allocate;
use crate::core::plot::ChartState;
use crate::core::shape::{self, Bias, FfnKind, Layout, Mla, Moe, NormKind, Precision, Recompute, Shape, ShapeError};
use crate::core::units::{format_count, format_sci, format_sig, parse_number};
use crate::page::session::Session;

/// This tool's inputs (defaults: Llama 3 8B, one micro-batch of 8K tokens, BF16, ZeRO-1).
pub const FIELDS: &[Field] = &[
    Field::new("sh_layers", "yl", "32"),
    Field::new("sh_d_model", "yd", "4096"),
    Field::new("sh_heads", "yh", "32"),
    Field::new("sh_kv_heads", "yk", "8"),
    Field::new("sh_head_dim", "yhd", ""),
    Field::new("sh_ffn", "yf", "14336"),
    Field::new("sh_ffn_type", "yft", "swiglu"),
    Field::new("sh_vocab", "yv", "128256"),
    Field::flag("sh_tied", "yt"),
    Field::new("sh_bias", "yb", "none"),
    Field::new("sh_norm", "yn", "rms"),
    Field::flag("sh_qk_norm", "yq"),
    Field::new("sh_seq", "ys", "8192"),
    Field::new("sh_experts", "ye", ""),
    Field::new("sh_top_k", "ytk", "2"),
    Field::new("sh_shared", "ysh", "0"),
    Field::new("sh_expert_ffn", "yef", ""),
    Field::new("sh_dense_layers", "ydl", "0"),
    Field::new("sh_q_rank", "yqr", ""),
    Field::new("sh_kv_rank", "ykr", ""),
    Field::new("sh_rope_dim", "yrd", "64"),
    Field::new("sh_v_head", "yvh", ""),
    Field::new("sh_micro_batch", "ymb", "1"),
    Field::new("sh_precision", "yp", "bf16"),
    Field::new("sh_zero", "yz", "1"),
    Field::new("sh_tp", "ytp", "1"),
    Field::new("sh_pp", "ypp", "1"),
    Field::new("sh_dp", "ydp", ""),
    Field::new("sh_recompute", "yr", "selective"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &[
    "sh_total", "sh_non_embedding", "sh_active", "sh_embedding", "sh_published", "sh_flops_6n", "sh_flops_exact", "sh_flops_diff",
    "sh_flops_parts", "sh_budget_d", "sh_mem_weights", "sh_mem_grads", "sh_mem_opt", "sh_mem_act", "sh_mem_total", "sh_mem_fit",
    "sh_min_gpus", "sh_n_star",
];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["sh_notes"];

/// This tool's action rows: published models, and shapes for the Budget panel's N*.
pub const ACTIONS: &[&str] = &["sh_presets", "sh_candidates"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["sh-memory"];

/// The largest data-parallel degree searched for the smallest GPU count.
const MAX_DP: u64 = 1 << 20;

/// A whole number ≥ 0 from a field, or its message there.
fn count(fields: &Fields, field: &str, what: &str, view: &mut ToolView) -> Option<u64> {
    crate::page::budget::whole_u64(text(fields, field), what, 0, crate::core::units::UNBOUNDED).map_err(|e| view.err(field, e)).ok()
}

/// A blank field reads as `None`, else as [`count`].
fn optional(fields: &Fields, field: &str, what: &str, view: &mut ToolView) -> Option<Option<u64>> {
    if text(fields, field).trim().is_empty() {
        return Some(None);
    }
    count(fields, field, what, view).map(Some)
}

/// One of `choices` (value, meaning), or a message naming them.
fn choice<T: Copy>(fields: &Fields, field: &str, what: &str, choices: &[(&str, T)], view: &mut ToolView) -> Option<T> {
    let t = text(fields, field).trim().to_ascii_lowercase();
    let found = choices.iter().find(|(k, _)| *k == t).map(|(_, v)| *v);
    if found.is_none() {
        let names: Vec<&str> = choices.iter().map(|(k, _)| *k).collect();
        view.err(field, format!("{what} \"{}\" is not one of {}", crate::core::units::truncate(&t), names.join(", ")));
    }
    found
}

/// The field a shape input comes from.
fn field_of(input: &str) -> &'static str {
    match input {
        "layers" => "sh_layers",
        "d_model" => "sh_d_model",
        "heads" => "sh_heads",
        "kv_heads" => "sh_kv_heads",
        "head_dim" => "sh_head_dim",
        "ffn_hidden" => "sh_ffn",
        "vocab" => "sh_vocab",
        "seq_len" => "sh_seq",
        "experts" => "sh_experts",
        "top_k" => "sh_top_k",
        "shared" => "sh_shared",
        "expert_hidden" => "sh_expert_ffn",
        "q_rank" => "sh_q_rank",
        "kv_rank" => "sh_kv_rank",
        "rope_dim" => "sh_rope_dim",
        "v_head_dim" => "sh_v_head",
        _ => "sh_dense_layers",
    }
}

/// The shape the fields describe, each problem at its field.
pub fn read_shape(fields: &Fields, view: &mut ToolView) -> Option<Shape> {
    let layers = count(fields, "sh_layers", "layers", view);
    let d_model = count(fields, "sh_d_model", "d_model", view);
    let heads = count(fields, "sh_heads", "heads", view);
    let kv_heads = count(fields, "sh_kv_heads", "KV heads", view);
    let head_dim = optional(fields, "sh_head_dim", "head dimension", view);
    let ffn_hidden = count(fields, "sh_ffn", "FFN hidden size", view);
    let ffn = choice(fields, "sh_ffn_type", "feed-forward", &[("swiglu", FfnKind::SwiGlu), ("gelu", FfnKind::Gelu)], view);
    let vocab = count(fields, "sh_vocab", "vocabulary", view);
    let bias = choice(fields, "sh_bias", "biases", &[("none", Bias::None), ("qkv", Bias::Qkv), ("all", Bias::All)], view);
    let norm = choice(fields, "sh_norm", "norm", &[("rms", NormKind::Rms), ("layer", NormKind::Layer)], view);
    let seq_len = count(fields, "sh_seq", "sequence length", view);
    let experts = optional(fields, "sh_experts", "experts", view);
    let top_k = count(fields, "sh_top_k", "top-k", view);
    let shared = count(fields, "sh_shared", "shared experts", view);
    let expert_ffn = optional(fields, "sh_expert_ffn", "expert hidden size", view);
    let dense_layers = count(fields, "sh_dense_layers", "dense layers", view);
    let kv_rank = optional(fields, "sh_kv_rank", "KV latent rank", view);
    let q_rank = optional(fields, "sh_q_rank", "query latent rank", view);
    let rope_dim = count(fields, "sh_rope_dim", "rotary width", view);
    let v_head = optional(fields, "sh_v_head", "value head width", view);
    let (d_model_v, heads_v) = (d_model?, heads?);
    let head_dim = match head_dim? {
        Some(h) => h,
        None if heads_v > 0 && d_model_v % heads_v == 0 => d_model_v / heads_v,
        None if heads_v == 0 => 0,
        None => {
            view.err("sh_heads", ShapeError::HeadsDoNotDivide(d_model_v, heads_v).to_string());
            return None;
        }
    };
    let ffn_hidden = ffn_hidden?;
    let moe = match experts? {
        None => None,
        Some(e) => Some(Moe {
            experts: e,
            top_k: top_k?,
            shared: shared?,
            expert_hidden: expert_ffn?.unwrap_or(ffn_hidden),
            dense_layers: dense_layers?,
        }),
    };
    let mla = match kv_rank? {
        None => None,
        Some(kv_rank) => Some(Mla { q_rank: q_rank?.unwrap_or(0), kv_rank, rope_dim: rope_dim?, v_head_dim: v_head?.unwrap_or(head_dim) }),
    };
    let shape = Shape {
        mla,
        layers: layers?,
        d_model: d_model_v,
        heads: heads_v,
        kv_heads: kv_heads?,
        head_dim,
        ffn_hidden,
        ffn: ffn?,
        vocab: vocab?,
        tied: text(fields, "sh_tied") == "1",
        bias: bias?,
        norm: norm?,
        qk_norm: text(fields, "sh_qk_norm") == "1",
        seq_len: seq_len?,
        moe,
    };
    match shape.check() {
        Ok(()) => Some(shape),
        Err(e) => {
            let field = if e.input() == "head_dim" && text(fields, "sh_head_dim").trim().is_empty() { "sh_heads" } else { field_of(e.input()) };
            view.err(field, e.to_string());
            None
        }
    }
}

/// The layout the fields describe (dp: the field, else the Budget panel's GPUs over tp × pp).
fn read_layout(fields: &Fields, budget: &ChartState, view: &mut ToolView) -> Option<Layout> {
    let micro_batch = count(fields, "sh_micro_batch", "micro-batch", view).filter(|&b| {
        let ok = (1..=65_536).contains(&b);
        if !ok {
            view.err("sh_micro_batch", format!("micro-batch {b} is outside 1 – 65536"));
        }
        ok
    });
    let precision = choice(fields, "sh_precision", "precision", &[("fp32", Precision::Fp32), ("bf16", Precision::Bf16), ("fp8", Precision::Fp8)], view);
    let zero = choice(fields, "sh_zero", "ZeRO stage", &[("0", 0u8), ("1", 1), ("2", 2), ("3", 3)], view);
    let recompute = choice(
        fields,
        "sh_recompute",
        "recomputation",
        &[("none", Recompute::None), ("selective", Recompute::Selective), ("full", Recompute::Full)],
        view,
    );
    let degree = |field: &str, what: &str, view: &mut ToolView| {
        count(fields, field, what, view).filter(|&v| {
            let ok = (1..=MAX_DP).contains(&v);
            if !ok {
                view.err(field, format!("{what} {v} is outside 1 – {MAX_DP}"));
            }
            ok
        })
    };
    let tp = degree("sh_tp", "tensor-parallel degree", view);
    let pp = degree("sh_pp", "pipeline-parallel degree", view);
    let dp = if text(fields, "sh_dp").trim().is_empty() {
        let (tp, pp) = (tp?, pp?);
        let gpus = budget.gpu.map_or(1.0, |(_, n)| n);
        Some(((gpus / (tp * pp) as f64).floor() as u64).clamp(1, MAX_DP))
    } else {
        degree("sh_dp", "data-parallel degree", view)
    };
    Some(Layout { micro_batch: micro_batch?, precision: precision?, zero: zero?, tp: tp?, pp: pp?, dp: dp?, recompute: recompute? })
}

/// Bytes as GB with three significant digits.
fn gb(bytes: f64) -> String {
    format!("{} GB", format_sig(bytes / 1e9, 3))
}

/// An exact count with thousands separators.
fn exact(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The fields that describe `s` (what an action sets).
fn shape_fields(s: &Shape) -> Vec<(String, String)> {
    let mut set: Vec<(String, String)> = vec![
        ("sh_layers", s.layers.to_string()),
        ("sh_d_model", s.d_model.to_string()),
        ("sh_heads", s.heads.to_string()),
        ("sh_kv_heads", s.kv_heads.to_string()),
        ("sh_head_dim", if s.head_dim * s.heads == s.d_model { String::new() } else { s.head_dim.to_string() }),
        ("sh_ffn", s.ffn_hidden.to_string()),
        ("sh_ffn_type", if s.ffn == FfnKind::SwiGlu { "swiglu" } else { "gelu" }.to_string()),
        ("sh_vocab", s.vocab.to_string()),
        ("sh_tied", if s.tied { "1" } else { "" }.to_string()),
        ("sh_bias", match s.bias {
            Bias::None => "none",
            Bias::Qkv => "qkv",
            Bias::All => "all",
        }
        .to_string()),
        ("sh_norm", if s.norm == NormKind::Rms { "rms" } else { "layer" }.to_string()),
        ("sh_qk_norm", if s.qk_norm { "1" } else { "" }.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let (experts, top_k, shared, expert, dense) = match s.moe {
        Some(m) => (m.experts.to_string(), m.top_k.to_string(), m.shared.to_string(), m.expert_hidden.to_string(), m.dense_layers.to_string()),
        None => (String::new(), "2".into(), "0".into(), String::new(), "0".into()),
    };
    let (q_rank, kv_rank, rope, v_head) = match s.mla {
        Some(m) => (if m.q_rank == 0 { String::new() } else { m.q_rank.to_string() }, m.kv_rank.to_string(), m.rope_dim.to_string(), m.v_head_dim.to_string()),
        None => (String::new(), String::new(), "64".into(), String::new()),
    };
    for (k, v) in [
        ("sh_experts", experts),
        ("sh_top_k", top_k),
        ("sh_shared", shared),
        ("sh_expert_ffn", expert),
        ("sh_dense_layers", dense),
        ("sh_q_rank", q_rank),
        ("sh_kv_rank", kv_rank),
        ("sh_rope_dim", rope),
        ("sh_v_head", v_head),
    ] {
        set.push((k.to_string(), v));
    }
    set
}

/// The Budget panel's N* (total parameters), when its law has an optimum at its budget.
fn n_star(budget: &ChartState) -> Option<(f64, f64)> {
    let c = budget.compute?;
    allocate::optimum(budget.law.law(), c).ok().map(|a| (a.n, c))
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    for p in shape::PUBLISHED {
        view.action(
            "sh_presets",
            Action { label: p.label.to_string(), title: format!("{} — {}", p.shape_source, p.count_source), set: shape_fields(&p.shape) },
        );
    }
    let seq_text = text(fields, "sh_seq");
    let seq = parse_number(seq_text).ok().filter(|s| s.fract() == 0.0 && *s >= 1.0 && *s <= (1u64 << 24) as f64).map_or(8192, |s| s as u64);
    let vocab = parse_number(text(fields, "sh_vocab")).ok().filter(|v| v.fract() == 0.0 && (1.0..=1e7).contains(v)).map_or(128_256, |v| v as u64);
    if let Some((n, c)) = n_star(budget) {
        view.out("sh_n_star", format!("N* = {} at C = {} ({})", format_count(n, 3), format_sci(c, 3), budget.law.label()));
        // A search over about 12 000 shapes: once per N*, vocabulary and sequence length (a
        // link is validated by several evaluations of the whole page).
        let found = session.memo("sh_for", format!("{}|{vocab}|{seq}", n.to_bits()), || shape::shapes_for(n, vocab, seq, 0.02, 4));
        if found.is_empty() {
            view.note("sh_notes", "No shape with head width 128 and d_model/layers in 80 – 160 comes within 2 % of N*.");
        }
        for (s, e) in found {
            view.action(
                "sh_candidates",
                Action {
                    label: format!(
                        "{} layers × d {} ({} heads): {} ({}{} %)",
                        s.layers,
                        s.d_model,
                        s.heads,
                        format_count(s.params().total as f64, 3),
                        if e >= 0.0 { "+" } else { "" },
                        format_sig(e * 100.0, 2)
                    ),
                    title: format!("FFN {} (3.5 × d_model rounded up to 256), 8 KV heads, aspect d/L = {}", s.ffn_hidden, format_sig(s.d_model as f64 / s.layers as f64, 3)),
                    set: shape_fields(&s),
                },
            );
        }
    }

    let Some(s) = read_shape(fields, &mut view) else {
        return view;
    };
    let p = s.params();
    view.out("sh_total", exact(p.total));
    view.out("sh_non_embedding", format!("{} ({} %)", exact(p.non_embedding), format_sig(p.non_embedding as f64 / p.total as f64 * 100.0, 3)));
    view.out("sh_embedding", exact(p.embedding));
    view.out(
        "sh_active",
        if s.moe.is_some() {
            format!("{} ({} % of the total)", exact(p.active), format_sig(p.active as f64 / p.total as f64 * 100.0, 3))
        } else {
            format!("{} (dense: every parameter)", exact(p.active))
        },
    );
    match shape::PUBLISHED.iter().find(|m| Shape { seq_len: s.seq_len, ..m.shape } == s) {
        Some(m) => view.out(
            "sh_published",
            format!(
                "{}: published {}{}",
                m.label,
                if m.exact { exact(m.params) } else { format_count(m.params as f64, 3) },
                if m.exact && m.params == p.total { "; counted exactly" } else { "" }
            ),
        ),
        None => view.out("sh_published", "no published model has this shape"),
    }

    let f = s.flops_per_token();
    view.out("sh_flops_6n", format!("{} FLOP/token", format_sci(f.six_n, 4)));
    view.out("sh_flops_exact", format!("{} FLOP/token", format_sci(f.exact, 4)));
    view.out("sh_flops_diff", format!("{}{} % vs 6N", if f.difference >= 0.0 { "+" } else { "" }, format_sig(f.difference * 100.0, 3)));
    let mut parts = format!(
        "attention over {} tokens {} %, output layer {} %",
        s.seq_len,
        format_sig(f.attention / f.exact * 100.0, 3),
        format_sig(f.logits / f.exact * 100.0, 3)
    );
    if f.routing > 0.0 {
        parts.push_str(&format!(", routing {} %", format_sig(f.routing / f.exact * 100.0, 2)));
    }
    view.out("sh_flops_parts", parts);
    if let Some(c) = budget.compute {
        let (d6, dx) = (c / f.six_n, c / f.exact);
        view.out(
            "sh_budget_d",
            format!("C = {}: {} tokens at 6N, {} at this shape's FLOPs ({}{} %)", format_sci(c, 3), format_count(d6, 3), format_count(dx, 3), if dx >= d6 { "+" } else { "" }, format_sig((dx / d6 - 1.0) * 100.0, 3)),
        );
    }

    if let Some(layout) = read_layout(fields, budget, &mut view) {
        let m = shape::memory(&s, &layout);
        view.out("sh_mem_weights", gb(m.weights));
        view.out("sh_mem_grads", gb(m.gradients));
        view.out("sh_mem_opt", gb(m.optimizer));
        view.out("sh_mem_act", gb(m.activations));
        view.out("sh_mem_total", format!("{} per GPU at tp {} × pp {} × dp {} = {} GPUs", gb(m.total), layout.tp, layout.pp, layout.dp, layout.tp * layout.pp * layout.dp));
        match budget.gpu {
            Some((gpu, _)) => {
                let share = m.total / gpu.memory;
                view.out(
                    "sh_mem_fit",
                    format!("{}: {} % of an {}'s {}", if share <= 1.0 { "fits" } else { "does not fit" }, format_sig(share * 100.0, 3), gpu.label, gb(gpu.memory)),
                );
                match shape::smallest_dp(&s, &layout, gpu.memory, MAX_DP) {
                    Some(dp) => view.out(
                        "sh_min_gpus",
                        format!("{} × {} (tp {} × pp {} × dp {dp})", format_count((layout.tp * layout.pp * dp) as f64, 6), gpu.label, layout.tp, layout.pp),
                    ),
                    None => view.unanswered(
                        "sh_zero",
                        format!(
                            "no data-parallel degree fits this layout in {} per GPU: {}",
                            gb(gpu.memory),
                            if layout.zero < 3 { "a higher ZeRO stage, more tensor or pipeline parallelism, or recomputation would" } else { "more tensor or pipeline parallelism, a smaller micro-batch or recomputation would" }
                        ),
                    ),
                }
                view.note("sh_notes", format!("{}: {}", gpu.label, gpu.memory_source));
            }
            None => view.unanswered("sh_zero", "the Budget panel's GPU is needed to say how many GPUs fit"),
        }
    }
    view.note(
        "sh_notes",
        "Parameters count every matrix, bias and norm weight; embeddings are the V × d input matrix and the output layer when untied. FLOPs: 3 × the forward pass (2 per multiply-add) of the matrices a token uses, attention over the causal context ((S+1)/2 keys on average), the output layer and the routers; the input embedding is a lookup. 6N: Kaplan et al. 2020 (arXiv 2001.08361), §2.1, with N the active parameters.",
    );
    view.note(
        "sh_notes",
        "Memory: model states as ZeRO (Rajbhandari et al., arXiv 1910.02054, §3.1: 2Ψ weights + 2Ψ gradients + KΨ optimizer states, K = 12 for mixed-precision Adam); activations as Korthikanti et al. (arXiv 2205.05198, §4: s·b·h·(34 + 5·a·s/h) bytes per layer, /t with tensor and sequence parallelism, 34·s·b·h with selective recomputation, 2·s·b·h with full), L layers' worth on the first pipeline stage. Their activation count is for GPT's block; for SwiGLU and grouped-query attention it is an estimate. Expert parallelism, buffers and fragmentation are not counted.",
    );
    view
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "sh",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    lists: LISTS,
    actions: ACTIONS,
    messages: &[],
    tables: &[],
};

super::tool!(ShapeTool);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::plot::Theme;
    use crate::page::budget::{chart_state, Inputs};
    use crate::page::tools::fields_with as fields;

    fn run(pairs: &[(&str, &str)]) -> ToolView {
        evaluate(&fields(pairs), &chart_state(&Inputs::default()), &mut Session::new())
    }

    /// Found by fuzzing (fuzz/, target fragment): reading a link evaluates the whole page
    /// several times, and each evaluation searched the ~12 000 shapes for N* again (a second
    /// in the instrumented build). The search is remembered per N*, vocabulary and sequence
    /// length: a session that holds an answer for them is answered from it.
    #[test]
    fn the_shape_search_is_remembered_per_n_star() {
        let budget = chart_state(&Inputs::default());
        let (n, _) = n_star(&budget).unwrap();
        let key = format!("{}|128256|8192", n.to_bits());
        let mut session = Session::new();
        let first = evaluate(&fields(&[]), &budget, &mut session);
        let kept: Vec<(shape::Shape, f64)> = session.remembered(("sh_for", ""), &key).expect("the search is remembered");
        assert!(!kept.is_empty());
        assert!(!first.lists.get("sh_notes").is_some_and(|n| n.iter().any(|t| t.contains("No shape"))));
        // A remembered empty answer is used as it is (no search again).
        session.remember(("sh_for", ""), key, Vec::<(shape::Shape, f64)>::new());
        let again = evaluate(&fields(&[]), &budget, &mut session);
        assert!(again.lists.get("sh_notes").is_some_and(|n| n.iter().any(|t| t.contains("No shape"))), "{:?}", again.lists);
    }

    #[test]
    fn defaults_are_llama3_8b_counted_exactly() {
        let v = run(&[]);
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert_eq!(v.outputs["sh_total"], "8,030,261,248");
        assert!(v.outputs["sh_published"].contains("Llama 3 8B: published 8,030,261,248; counted exactly"));
        assert!(v.outputs["sh_flops_diff"].starts_with('+'));
        assert!(v.outputs["sh_mem_fit"].contains("H100"), "{}", v.outputs["sh_mem_fit"]);
        assert!(v.outputs["sh_min_gpus"].contains("H100"));
        assert!(v.outputs["sh_budget_d"].contains("at 6N"));
        assert_eq!(v.actions["sh_presets"].len(), shape::PUBLISHED.len());
        assert!(!v.actions["sh_candidates"].is_empty());
    }

    /// Each preset's action, applied to the fields, gives that model's published count.
    #[test]
    fn presets_and_candidates_round_trip_through_the_fields() {
        for (i, p) in shape::PUBLISHED.iter().enumerate() {
            let action = &run(&[]).actions["sh_presets"][i];
            let pairs: Vec<(&str, &str)> = action.set.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let v = run(&pairs);
            assert!(v.errors.is_empty(), "{}: {:?}", p.label, v.errors);
            assert!(v.outputs["sh_published"].starts_with(p.label), "{}", v.outputs["sh_published"]);
            if p.exact {
                assert_eq!(v.outputs["sh_total"], exact(p.params));
            }
        }
        let budget = chart_state(&Inputs::default());
        let (n, _) = n_star(&budget).unwrap();
        for a in &run(&[]).actions["sh_candidates"] {
            let pairs: Vec<(&str, &str)> = a.set.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let mut scratch = ToolView::default();
            let s = read_shape(&fields(&pairs), &mut scratch).unwrap();
            assert!((s.params().total as f64 / n - 1.0).abs() <= 0.02);
        }
    }

    #[test]
    fn bad_input_is_reported_at_its_field_and_the_rest_still_computes() {
        for (field, bad, says) in [
            ("sh_heads", "33", "do not divide d_model"),
            ("sh_kv_heads", "5", "do not divide 32 query heads"),
            ("sh_layers", "0", "outside 1"),
            ("sh_vocab", "1e15", "outside 1"),
            ("sh_d_model", "abc", "d_model"),
            ("sh_ffn_type", "relu", "not one of swiglu, gelu"),
            ("sh_tp", "0", "outside 1"),
            ("sh_micro_batch", "1.5", "whole number"),
        ] {
            let v = run(&[(field, bad)]);
            assert!(v.errors.get(field).is_some_and(|e| e.contains(says)), "{field}={bad}: {:?}", v.errors);
            assert!(v.actions.contains_key("sh_presets"));
        }
        let v = run(&[("sh_experts", "8"), ("sh_top_k", "9")]);
        assert!(v.errors["sh_top_k"].contains("more than the 8 experts"));
        // A bad layout keeps the counts.
        let v = run(&[("sh_zero", "5")]);
        assert!(v.errors.contains_key("sh_zero") && v.outputs.contains_key("sh_total"));
    }

    #[test]
    fn zero_stage_three_needs_fewer_gpus_than_stage_one() {
        let min = |zero: &str| {
            let v = run(&[("sh_zero", zero), ("sh_recompute", "full")]);
            let t = &v.outputs["sh_min_gpus"];
            t.split(" × ").next().unwrap().replace(' ', "").parse::<f64>().unwrap()
        };
        assert!(min("3") < min("1"), "{} {}", min("3"), min("1"));
        let v = run(&[("sh_zero", "0")]);
        assert!(v.unanswered["sh_zero"].contains("no data-parallel degree"));
    }

    #[test]
    fn chart_draws() {
        let budget = chart_state(&Inputs::default());
        for (theme, w) in [(Theme::Light, 800u32), (Theme::Dark, 360)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 400)).into_drawing_area();
                draw("sh-memory", &area, &fields(&[]), &budget, &mut Session::new(), &crate::core::plot::ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("ZeRO-3"), "{svg:.200}");
        }
    }
}
