//! Downstream accuracy in two steps (Bhagia et al. 2024): the Budget panel's law gives the loss
//! at the budget, a sigmoid fitted to pasted (loss, accuracy) pairs maps it to a task's
//! accuracy, with an interval that carries both steps' uncertainty; Gadre et al.'s exponential
//! map is fitted to the same pairs for comparison (math in [`crate::core::laws::bhagia`]).

mod chart;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{key_of, text, Field, Fields, ToolView};
use crate::core::allocate;
use crate::core::fit::bootstrap::Interval;
use crate::core::laws::bhagia::{self, Ends, Sigmoid, SigmoidFit};
use crate::core::laws::gadre::ErrorMap;
use crate::core::plot::ChartState;
use crate::core::units::{format_sci, format_sig};
use crate::page::session::Session;

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::data("acc_pairs", "acp"),
    Field::new("acc_chance", "acf", ""),
    Field::new("acc_ceiling", "acu", ""),
    Field::new("acc_loss", "acl", ""),
    Field::new("acc_boot", "acb", "200"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["acc_map", "acc_quality", "acc_gadre", "acc_verdict", "acc_loss_used", "acc_at", "acc_ci_map", "acc_ci_both", "acc_gadre_at"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["acc_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["acc-map"];

/// The most bootstrap resamples of the pairs (the page's and the CLI's bound).
pub const MAX_BOOT: usize = bhagia::MAX_RESAMPLES;

/// Bootstrap seed (fixed: the same pairs give the same interval).
const SEED: u64 = 2024;

/// Everything fitted from the pairs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub pairs: Vec<(f64, f64)>,
    pub fit: SigmoidFit,
    pub draws: Vec<Sigmoid>,
    pub gadre: Option<(ErrorMap, f64, f64)>,
}

/// An end of the sigmoid typed as a fraction or percent ("0.25", "25 %"), blank for fitted.
fn end(fields: &Fields, field: &str, what: &str, view: &mut ToolView) -> Option<Option<f64>> {
    let t = text(fields, field).trim();
    if t.is_empty() {
        return Some(None);
    }
    match crate::core::units::parse_fraction(t) {
        Ok(v) if (0.0..=1.0).contains(&v) => Some(Some(v)),
        Ok(v) => {
            view.err(field, format!("{what} must lie in [0, 1] (got {})", format_sig(v, 4)));
            None
        }
        Err(e) => {
            view.err(field, format!("{what} {e}"));
            None
        }
    }
}

/// The fit of the pairs (memoized on what it depends on), or `None` with the reason at a field.
pub(crate) fn fitted(fields: &Fields, session: &mut Session, view: &mut ToolView) -> Option<Fitted> {
    let pasted = text(fields, "acc_pairs");
    if pasted.trim().is_empty() {
        view.unanswered("acc_pairs", "paste (loss, accuracy) pairs from your runs: a column \"loss\" and a column \"accuracy\" (fractions or percent)");
        return None;
    }
    let floor = end(fields, "acc_chance", "the chance level", view);
    let ceiling = end(fields, "acc_ceiling", "the ceiling", view);
    let boot = crate::page::budget::whole(text(fields, "acc_boot"), "resamples", 0, MAX_BOOT).map_err(|e| view.err("acc_boot", e)).ok();
    let (ends, boot) = (Ends { floor: floor?, ceiling: ceiling? }, boot?);
    let key = key_of(fields, &["acc_pairs", "acc_chance", "acc_ceiling", "acc_boot"], "");
    let outcome = session.memo("acc_fit", key, || {
        let pairs = bhagia::read_pairs(pasted).map_err(|e| match e {
            crate::core::laws::LawError::BadRows { rows, count } => ("acc_pairs", crate::core::runs::summarize_bad_rows(&rows, count, 3)),
            other => ("acc_pairs", other.to_string()),
        })?;
        let fit = bhagia::fit_sigmoid(&pairs, ends).map_err(|e| match e {
            bhagia::AccuracyError::End(..) => ("acc_chance", e.to_string()),
            _ => ("acc_pairs", e.to_string()),
        })?;
        let draws = bhagia::bootstrap_sigmoids(&pairs, ends, &fit, boot, SEED);
        let gadre = bhagia::gadre_comparison(&pairs);
        Ok::<_, (&str, String)>(Fitted { pairs, fit, draws, gadre })
    });
    match outcome {
        Ok(f) => Some(f),
        Err((field, message)) => {
            view.err(field, message);
            None
        }
    }
}

/// The loss the accuracy is predicted at: typed, else the Budget panel's L*; with its label.
pub(crate) fn loss_at(fields: &Fields, budget: &ChartState, view: &mut ToolView) -> Option<(f64, String)> {
    let t = text(fields, "acc_loss").trim();
    if !t.is_empty() {
        let l = crate::page::budget::number(t, "loss", 1e-6, 100.0).map_err(|e| view.err("acc_loss", e)).ok()?;
        return Some((l, format!("{} (typed)", format_sig(l, 4))));
    }
    let Some(c) = budget.compute else {
        view.unanswered("acc_loss", "the loss at the budget needs a valid budget in the Budget panel (or type a loss)");
        return None;
    };
    match allocate::optimum(budget.law.law(), c) {
        Ok(a) => Some((a.loss, format!("L* = {} at C = {} ({})", format_sig(a.loss, 4), format_sci(c, 3), budget.law.label()))),
        Err(e) => {
            view.unanswered("acc_loss", e.to_string());
            None
        }
    }
}

fn pct(x: f64) -> String {
    format!("{} %", format_sig(x * 100.0, 3))
}

fn interval_text(iv: Option<Interval>) -> Option<String> {
    iv.map(|iv| format!("95 %: {} – {}", pct(iv.lo), pct(iv.hi)))
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    view.note(
        "acc_notes",
        "Two steps (Bhagia et al. 2024, arXiv 2412.04403): the Budget panel's law gives the loss at the budget; a sigmoid acc = b + (c − b)/(1 + exp(k·(L − L₀))) — the authors' a/(1+exp(−k(x−x₀)))+b — fitted to your pairs maps it to accuracy. No task's constants are shipped: the map is always fitted to your pairs.",
    );
    view.note(
        "acc_notes",
        "Intervals: a bootstrap over the pairs (the authors propagate standard errors instead); with a fitted law in the Budget panel (law \"fit\", with resamples) every resample's L* is carried through every map. Alternative: Gadre et al. 2024 (arXiv 2403.08540), error = ε − k·exp(−γL), on the same pairs; leave-one-out RMSE says which map predicts unseen pairs better.",
    );
    let Some(f) = fitted(fields, session, &mut view) else {
        loss_at(fields, budget, &mut view);
        return view;
    };
    let s = f.fit.sigmoid;
    view.out(
        "acc_map",
        format!("acc = {} + ({} − {})/(1 + exp({}·(L − {})))", format_sig(s.floor, 3), format_sig(s.ceiling, 3), format_sig(s.floor, 3), format_sig(s.k, 3), format_sig(s.l0, 4)),
    );
    view.out(
        "acc_quality",
        format!("{} pairs: RMSE {} points, leave-one-out {}", f.pairs.len(), format_sig(f.fit.rmse * 100.0, 2), format_sig(f.fit.loo_rmse * 100.0, 2)),
    );
    match &f.gadre {
        Some((m, rmse, loo)) => {
            view.out(
                "acc_gadre",
                format!("error = {} − {}·exp(−{}·L): RMSE {} points, leave-one-out {}", format_sig(m.eps, 3), format_sig(m.k, 3), format_sig(m.gamma, 3), format_sig(rmse * 100.0, 2), format_sig(loo * 100.0, 2)),
            );
            let (a, b) = (f.fit.loo_rmse, *loo);
            view.out(
                "acc_verdict",
                if !b.is_finite() || a < b * 0.9 {
                    "the sigmoid predicts held-out pairs better".to_string()
                } else if b < a * 0.9 {
                    "the exponential predicts held-out pairs better".to_string()
                } else {
                    "the two maps predict held-out pairs about equally well".to_string()
                },
            );
        }
        None => view.out("acc_gadre", "the exponential map does not fit these pairs"),
    }
    let Some((loss, label)) = loss_at(fields, budget, &mut view) else {
        return view;
    };
    view.out("acc_loss_used", label);
    let (lo, hi) = f.pairs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    if loss < lo || loss > hi {
        view.note(
            "acc_notes",
            format!("The loss {} lies outside the pairs' losses ({} – {}): the accuracy is an extrapolation of the map.", format_sig(loss, 4), format_sig(lo, 4), format_sig(hi, 4)),
        );
    }
    view.out("acc_at", pct(s.accuracy(loss)));
    if let Some(t) = interval_text(bhagia::chained_interval(&f.draws, &[loss])) {
        view.out("acc_ci_map", format!("{t} (the map's uncertainty at this loss)"));
    }
    let typed = !text(fields, "acc_loss").trim().is_empty();
    match (typed, crate::page::fitpanel::budget_loss_draws(fields, session)) {
        (false, Some(draws)) if !draws.is_empty() => {
            if let Some(t) = interval_text(bhagia::chained_interval(&f.draws, &draws)) {
                let l = crate::core::fit::bootstrap::interval(draws.iter().copied());
                let range = l.map_or(String::new(), |l| format!(", L* {} – {}", format_sig(l.lo, 4), format_sig(l.hi, 4)));
                view.out("acc_ci_both", format!("{t} (both steps: {} resamples of the law{range})", draws.len()));
            }
        }
        _ => view.out(
            "acc_ci_both",
            if typed { "the loss is typed: only the map's uncertainty" } else { "the Budget panel's law is a published preset: only the map's uncertainty (fit your runs and use the fit for both steps)" },
        ),
    }
    if let Some((m, ..)) = &f.gadre {
        view.out("acc_gadre_at", pct(1.0 - m.error(loss)));
    }
    view
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec { key: "acc", fields: FIELDS, charts: CHARTS, outputs: OUTPUTS, lists: LISTS, ..super::ToolSpec::EMPTY };

super::tool!(Downstream);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::plot::Theme;
    use crate::page::budget::{chart_state, Inputs};
    use crate::page::tools::fields_with as fields;

    /// Pairs on acc = 0.25 + 0.6/(1 + exp(4(L − 2.6))), with a little fixed noise.
    pub(crate) fn pairs_text() -> String {
        let mut t = String::from("loss,accuracy\n");
        for i in 0..16 {
            let l = 2.0 + 1.5 * f64::from(i) / 15.0;
            let noise = [0.004, -0.003, 0.002, -0.005][i as usize % 4];
            t.push_str(&format!("{l:.4},{:.4}\n", 0.25 + 0.6 / (1.0 + (4.0 * (l - 2.6)).exp()) + noise));
        }
        t
    }

    fn run(pairs: &[(&str, &str)]) -> ToolView {
        let inputs = pairs.iter().fold(Inputs::default(), |i, (k, v)| i.with(k, *v));
        evaluate(&fields(pairs), &chart_state(&inputs), &mut Session::new())
    }

    #[test]
    fn fits_the_pairs_and_predicts_at_the_budget() {
        let p = pairs_text();
        let v = run(&[("acc_pairs", &p)]);
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert!(v.outputs["acc_map"].starts_with("acc = 0.2"), "{}", v.outputs["acc_map"]);
        assert!(v.outputs["acc_loss_used"].starts_with("L* = "));
        // Epoch's L* at 5.76e23 is about 2.0: the sigmoid there is near its ceiling.
        let at: f64 = v.outputs["acc_at"].trim_end_matches(" %").parse().unwrap();
        assert!((80.0..86.0).contains(&at), "{at}");
        assert!(v.outputs["acc_ci_map"].starts_with("95 %: "));
        assert!(v.outputs["acc_ci_both"].contains("published preset"));
        assert!(v.outputs.contains_key("acc_gadre_at") && v.outputs.contains_key("acc_verdict"));
        // A typed loss in the middle of the sigmoid.
        let v = run(&[("acc_pairs", &p), ("acc_loss", "2.6")]);
        let at: f64 = v.outputs["acc_at"].trim_end_matches(" %").parse().unwrap();
        assert!((at - 55.0).abs() < 1.5, "{at}");
    }

    #[test]
    fn bad_input_is_reported_at_its_field() {
        let p = pairs_text();
        for (field, bad, says) in [
            ("acc_chance", "1.5", "[0, 1]"),
            ("acc_ceiling", "abc", "ceiling"),
            ("acc_boot", "5000", "between 0 and 1000"),
            ("acc_loss", "-1", "loss"),
        ] {
            let v = run(&[("acc_pairs", &p), (field, bad)]);
            assert!(v.errors.get(field).is_some_and(|e| e.contains(says)), "{field}={bad}: {:?}", v.errors);
        }
        let v = run(&[("acc_pairs", "loss,accuracy\n2,0.5\n3,0.4")]);
        assert!(v.errors["acc_pairs"].contains("at least 5"));
        let v = run(&[("acc_pairs", "loss,accuracy\n2,0.5\n3,1.7x")]);
        assert!(v.errors["acc_pairs"].contains("row 3, column \"accuracy\""), "{:?}", v.errors);
        assert!(!v.errors["acc_pairs"].contains("--skip"), "{:?}", v.errors);
        let v = run(&[("acc_pairs", &p), ("acc_chance", "0.6"), ("acc_ceiling", "0.5")]);
        assert!(v.errors.contains_key("acc_chance"));
        let v = run(&[]);
        assert!(v.unanswered.contains_key("acc_pairs"));
    }

    /// The panel's example (www/examples/downstream-synthetic.csv) gives back the sigmoid it
    /// was drawn from, and the sigmoid predicts held-out pairs better than the exponential.
    #[test]
    fn the_example_recovers_its_sigmoid() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/examples/downstream-synthetic.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let pairs = bhagia::read_pairs(&text).unwrap();
        let fit = bhagia::fit_sigmoid(&pairs, Ends { floor: Some(0.25), ceiling: None }).unwrap();
        let (_, _, gadre_loo) = bhagia::gadre_comparison(&pairs).unwrap();
        eprintln!("{:?} rmse {} loo {} gadre loo {gadre_loo}", fit.sigmoid, fit.rmse, fit.loo_rmse);
        let s = fit.sigmoid;
        assert!((s.ceiling - 0.80).abs() < 0.02 && (s.l0 - 2.7).abs() < 0.03 && (s.k - 5.0).abs() < 1.0, "{s:?}");
        assert!(fit.loo_rmse < gadre_loo);
        let v = run(&[("acc_pairs", &text), ("acc_chance", "0.25")]);
        eprintln!("{:?}", v.outputs);
    }

    /// With the Fit panel's fit as the Budget panel's law, every resample's L* goes through every
    /// map: the interval of both steps is wider than the map's alone.
    #[test]
    fn a_fitted_law_carries_its_uncertainty_into_the_accuracy() {
        let mut session = Session::new();
        let fit_inputs = Inputs::default().with("fit_data", crate::test_support::epoch_csv()).with("fit_boot", "60");
        session.start_fit(&fit_inputs).unwrap();
        let spec = session.fit.as_ref().and_then(|f| f.spec.clone()).expect("a fitted law");
        let p = pairs_text();
        let inputs = fit_inputs.with("law", "fit").with("fit", &spec).with("acc_pairs", &p).with("acc_loss", "");
        let v = evaluate(&inputs, &chart_state(&inputs), &mut session);
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        let both = &v.outputs["acc_ci_both"];
        assert!(both.contains("both steps") && both.contains("resamples of the law"), "{both}");
        let width = |t: &str| {
            let n: Vec<f64> = t.split(|c: char| !(c.is_ascii_digit() || c == '.')).filter_map(|w| w.parse().ok()).collect();
            n[2] - n[1]
        };
        assert!(width(both) > width(&v.outputs["acc_ci_map"]), "{both} vs {}", v.outputs["acc_ci_map"]);
    }

    #[test]
    fn chart_draws() {
        let budget = chart_state(&Inputs::default());
        let p = pairs_text();
        for (theme, w) in [(Theme::Light, 800u32), (Theme::Dark, 360)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 400)).into_drawing_area();
                draw("acc-map", &area, &fields(&[("acc_pairs", &p)]), &budget, &mut Session::new(), &crate::core::plot::ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("sigmoid"), "{svg:.300}");
        }
    }
}
