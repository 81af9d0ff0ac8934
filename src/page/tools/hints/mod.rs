//! Hyperparameter hints: critical batch size, DeepSeek and Step Law learning-rate and batch-size presets.

use super::{text, Field, Fields, ToolView};
use crate::page::session::Session;
use crate::core::allocate;
use crate::core::plot::ChartState;
use crate::core::laws::cbs;
use crate::core::laws::hyper::{critical_batch, deepseek_batch, deepseek_lr, step_batch, step_lr, KAPLAN_ALPHA_B, KAPLAN_B_STAR};
use crate::core::units::{format_count, format_flop, format_sci, format_sig};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("hp_n", "hn", ""),
    Field::new("hp_d", "hd", ""),
    Field::new("hp_seq", "hs", "4096"),
    Field::data("hp_cbs", "hb"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["hp_at", "hp_loss", "hp_bcrit", "hp_ds_c", "hp_ds_lr", "hp_ds_batch", "hp_step_lr", "hp_step_batch", "hp_cbs_law", "hp_cbs_at"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["hp_cite", "hp_notes"];

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, _session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    let law = budget.law.law();
    let run = super::run_at(fields, budget, ["hp_n", "hp_d"], 1.0, &mut view);
    let seq = crate::page::budget::number(text(fields, "hp_seq"), "sequence length", 1.0, 1e7)
        .map_err(|e| view.err("hp_seq", e))
        .ok();
    cite(&mut view);
    let Some(super::RunAt { n, d, origin }) = run else {
        return view;
    };
    view.out("hp_at", format!("{} parameters, {} tokens{origin}", format_count(n, 3), format_count(d, 3)));
    let batch = |tokens: f64| match seq {
        Some(s) => format!("{} tokens (≈ {} sequences of {})", format_count(tokens, 3), format_count(tokens / s, 3), format_count(s, 4)),
        None => format!("{} tokens", format_count(tokens, 3)),
    };

    let loss = law.loss(n, d);
    if loss.is_finite() {
        view.out("hp_loss", format_sig(loss, 4));
        if let Some(b) = critical_batch(loss) {
            view.out("hp_bcrit", batch(b));
        }
    }
    let c = allocate::training_flop(n, d);
    view.out("hp_ds_c", format_flop(c));
    if let (Some(lr), Some(b)) = (deepseek_lr(c), deepseek_batch(c)) {
        view.out("hp_ds_lr", format_sci(lr, 3));
        view.out("hp_ds_batch", batch(b));
    }
    if let (Some(lr), Some(b)) = (step_lr(n, d), step_batch(d)) {
        view.out("hp_step_lr", format_sci(lr, 3));
        view.out("hp_step_batch", batch(b));
    }
    critical_batch_fit(&mut view, text(fields, "hp_cbs"), n, d);
    if !budget.law.non_embedding() {
        view.note(
            "hp_notes",
            format!(
                "N here counts {}; Step Law's N and DeepSeek's M exclude embeddings, so for small models these hints are evaluated at too large an N (see the Total vs non-embedding panel below to convert).",
                budget.law.convention_label()
            ),
        );
    }
    view.note("hp_notes", "These are fits to their authors' architectures, optimisers and schedules (AdamW with their warm-up and decay): starting points for a sweep, not answers.");
    view
}

/// The user's own critical batch sizes, fitted as Zhang et al. fit theirs (a power law in D, and
/// in N too when the table gives it), evaluated at the panel's (N, D).
fn critical_batch_fit(view: &mut ToolView, table: &str, n: f64, d: f64) {
    if table.trim().is_empty() {
        return;
    }
    let fit = match cbs::read_points(table).and_then(|p| cbs::fit(&p)) {
        Ok(f) => f,
        Err(e) => return view.err("hp_cbs", e.to_string()),
    };
    view.out("hp_cbs_law", format!("{}; {} measurements, scatter ×{}", cbs::describe(&fit), fit.points, format_sig(fit.sigma.exp(), 3)));
    let (b, (lo, hi)) = fit.at(n, d);
    if b.is_finite() && lo.is_finite() && hi.is_finite() {
        view.out("hp_cbs_at", format!("{} (95 % interval of the law {}–{}; in your table's unit)", format_count(b, 3), format_count(lo, 3), format_count(hi, 3)));
    }
    let (lo_d, hi_d) = fit.ln_d_range;
    if d.ln() > hi_d + 1.0 || d.ln() < lo_d - 1.0 {
        view.note(
            "hp_notes",
            format!(
                "Your critical batch sizes were measured at D = {}–{} tokens; {} tokens is {}× outside that range, so the fitted law is extrapolated.",
                format_count(lo_d.exp(), 3),
                format_count(hi_d.exp(), 3),
                format_count(d, 3),
                format_sig(if d.ln() > hi_d { (d.ln() - hi_d).exp() } else { (lo_d - d.ln()).exp() }, 2)
            ),
        );
    }
    if let Some(v) = cbs::verdict(&fit) {
        view.note("hp_notes", format!("Critical batch: {v}."));
    }
}

fn cite(view: &mut ToolView) {
    view.note(
        "hp_cite",
        format!(
            "Critical batch size B_crit(L) = B*/L^(1/α_B), B* = {} tokens, α_B = {}, L in nats at the predicted loss: Kaplan et al. 2020, Scaling Laws for Neural Language Models, arXiv:2001.08361, eq. 5.3 (Table 5 gives B* = 2.1e8). Their L is WebText2 loss with their tokenizer, and they warn the prediction is uncertain far outside their range, so on another dataset this is only indicative.",
            format_sci(KAPLAN_B_STAR, 2),
            KAPLAN_ALPHA_B
        ),
    );
    view.note(
        "hp_cite",
        "η_opt = 0.3118·C^−0.1250, B_opt = 0.2920·C^0.3271 tokens: DeepSeek-AI 2024, DeepSeek LLM: Scaling Open-Source Language Models with Longtermism, arXiv:2401.02954, §3.1 eq. 1, fitted on runs of 1e17–2e19 FLOP. Their C = M·D with M the non-embedding FLOPs per token (attention included); here M ≈ 6N, so C ≈ 6·N·D, ignoring attention FLOPs (a few % at 4k context for large models).",
    );
    view.note(
        "hp_cite",
        "η = 1.79·N^−0.713·D^0.307, B = 0.58·D^0.571 tokens, N non-embedding parameters: Li et al. 2025, Predictable Scale: Part I — Optimal Hyperparameter Scaling Law in Large Language Model Pretraining (Step Law), arXiv:2503.04715, fitted with cosine decay to a fixed minimum learning rate; B in tokens as in the authors' code.",
    );
    view.note(
        "hp_cite",
        "Your critical batch sizes: a power law B_crit = a·D^q (and a·N^p·D^q when your table gives N) fitted by least squares in logarithms, as Zhang et al. 2024, How Does Critical Batch Size Scale in Pre-training?, arXiv:2410.21676, fit theirs — \"our results demonstrate that CBS scales primarily with data size rather than model size\" (abstract; 85M–1.2B-parameter models on C4). Their fitted constants could not be read in a primary source here, so the law is fitted to your measurements only; in the authors' code the batch counts sequences of 512 tokens.",
    );
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "hp",
    fields: FIELDS,
    outputs: OUTPUTS,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

super::tool!(Hints);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::budget::{chart_state, Inputs};

    use crate::page::tools::fields_with as fields;

    #[test]
    fn defaults_use_the_budget_optimum() {
        let budget = chart_state(&Inputs::default());
        let view = evaluate(&fields(&[]), &budget, &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        let a = allocate::optimum(budget.law.law(), budget.compute.unwrap()).unwrap();
        assert!(view.outputs["hp_at"].contains(&format_count(a.n, 3)), "{}", view.outputs["hp_at"]);
        assert!(view.outputs["hp_at"].contains("Budget N*, D*"));
        assert_eq!(view.outputs["hp_loss"], format_sig(a.loss, 4));
        let c = 6.0 * a.n * a.d;
        assert_eq!(view.outputs["hp_ds_lr"], format_sci(deepseek_lr(c).unwrap(), 3));
        assert_eq!(view.outputs["hp_step_lr"], format_sci(step_lr(a.n, a.d).unwrap(), 3));
        assert!(view.outputs["hp_bcrit"].contains("sequences of 4096"));
        assert_eq!(view.lists["hp_cite"].len(), 4);
        assert!(view.lists["hp_cite"].iter().all(|c| c.contains("arXiv:")));
    }

    #[test]
    fn typed_values_at_a_hand_computed_point() {
        let budget = chart_state(&Inputs::default());
        let view = evaluate(&fields(&[("hp_n", "1B"), ("hp_d", "100B"), ("hp_seq", "2048")]), &budget, &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        // Step Law at N = 1e9, D = 1e11: 1.79·10^(−6.417+3.377) = 1.63e-3; B = 0.58·10^6.281 = 1.11M tokens.
        assert_eq!(view.outputs["hp_step_lr"], "1.63e-3");
        assert!(view.outputs["hp_step_batch"].starts_with("1.11M tokens (≈ 541 sequences"), "{}", view.outputs["hp_step_batch"]);
        // DeepSeek at C = 6e20: 0.3118·(6e20)^−0.125 = 0.3118·10^(−2.5973) = 7.88e-4.
        assert_eq!(view.outputs["hp_ds_c"], "6e20 FLOP");
        assert_eq!(view.outputs["hp_ds_lr"], "7.88e-4");
        assert!(!view.outputs["hp_at"].contains("Budget"));
    }

    /// Pasted critical batch sizes that grow as D^0.5: the fitted law, its value at the panel's
    /// D by hand, the verdict and the extrapolation note; a bad table is reported at its field
    /// and the other hints still compute.
    #[test]
    fn pasted_critical_batch_sizes_are_fitted() {
        let mut table = String::from("N,D,batch\n");
        for (i, n) in [1e8, 3e8, 1e9].iter().enumerate() {
            for (j, r) in [10.0, 20.0, 40.0, 80.0].iter().enumerate() {
                let d: f64 = n * r;
                let wiggle = 1.0 + 0.01 * [1.0, -1.0, 0.0][(i + j) % 3];
                table.push_str(&format!("{n},{d},{}\n", 0.5 * d.sqrt() * wiggle));
            }
        }
        let budget = chart_state(&Inputs::default());
        let view = evaluate(&fields(&[("hp_n", "1B"), ("hp_d", "1T"), ("hp_cbs", &table)]), &budget, &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(view.outputs["hp_cbs_law"].contains("D^0.5") && view.outputs["hp_cbs_law"].contains("12 measurements"), "{}", view.outputs["hp_cbs_law"]);
        // 0.5·√1e12 = 5e5, within the 1 % wiggle.
        assert!(view.outputs["hp_cbs_at"].starts_with("500k") || view.outputs["hp_cbs_at"].starts_with("499k") || view.outputs["hp_cbs_at"].starts_with("501k"), "{}", view.outputs["hp_cbs_at"]);
        let notes = view.lists["hp_notes"].join(" ");
        assert!(notes.contains("follows the data") && notes.contains("extrapolated"), "{notes}");
        let bad = evaluate(&fields(&[("hp_cbs", "D,batch\n1e9,12\n2e9,x\n")]), &budget, &mut Session::new());
        assert!(bad.errors["hp_cbs"].contains("row 3"), "{:?}", bad.errors);
        assert!(bad.outputs.contains_key("hp_step_lr") && !bad.outputs.contains_key("hp_cbs_law"));
    }

    #[test]
    fn bad_input_is_reported_and_the_rest_still_computes() {
        let mut session = Session::new();
        let budget = chart_state(&Inputs::default());
        for (field, bad) in [("hp_n", "abc"), ("hp_n", "-3"), ("hp_d", "0"), ("hp_seq", "x"), ("hp_d", "1e400")] {
            let view = evaluate(&fields(&[(field, bad)]), &budget, &mut session);
            assert!(view.errors.contains_key(field), "{field}={bad}");
        }
        let view = evaluate(&fields(&[("hp_seq", "zero")]), &budget, &mut session);
        assert!(view.outputs["hp_step_batch"].ends_with("tokens"));
        let no_budget = chart_state(&Inputs::default().with("compute", "abc"));
        let view = evaluate(&fields(&[]), &no_budget, &mut session);
        assert!(view.unanswered.contains_key("hp_n") && view.errors.is_empty());
    }
}
