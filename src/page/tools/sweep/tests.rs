//! Native tests of the sweep planner.

use super::plan::Plan;
use super::simulate::*;
use super::*;
use crate::core::allocate::optimum;
use crate::core::fit::model::Model;
use crate::core::fit::points::Point;
use crate::core::laws::{chinchilla::CHINCHILLA, RunLaw, RunsModel};
use crate::core::fit::grid::Grid;
use crate::core::fit::multistart::Multistart;
use crate::test_support::epoch;

fn budget() -> ChartState {
    crate::page::budget::chart_state(&crate::page::budget::Inputs::default())
}

use crate::page::tools::fields_with as fields;

fn grid(budgets: &[f64], sizes: usize) -> Vec<Run> {
    Plan { budgets: budgets.to_vec(), sizes, span: 4.0, extra: vec![], repeats: 1 }.runs(&epoch())
}

const DEFAULT_BUDGETS: [f64; 5] = [1e18, 3e18, 1e19, 3e19, 1e20];

#[test]
fn without_noise_the_fits_recover_the_law_and_the_interval_vanishes() {
    let law = epoch();
    let runs = grid(&DEFAULT_BUDGETS, 5);
    let thetas = simulate(&runs, &law, 0.0, 1, 40);
    let target = 5.76e23;
    let s = summarize(&thetas, &law, target).unwrap();
    let truth = optimum(&law, target).unwrap();
    assert_eq!(s.failed, 0);
    assert!((s.n_star.truth / truth.n - 1.0).abs() < 1e-12);
    assert!((s.l_star.truth - truth.loss).abs() < 1e-12);
    assert!((s.n_star.median / truth.n - 1.0).abs() < 1e-6, "{:?}", s.n_star);
    assert!((s.l_star.median / truth.loss - 1.0).abs() < 1e-9, "{:?}", s.l_star);
    assert!(s.n_star.factor() - 1.0 < 1e-6 && s.l_star.relative_width() < 1e-9, "{s:?}");
    // Tiny noise: a tiny interval that shrinks with σ.
    let small = summarize(&simulate(&runs, &law, 1e-4, 1, 60), &law, target).unwrap();
    let smaller = summarize(&simulate(&runs, &law, 1e-5, 1, 60), &law, target).unwrap();
    assert!(small.n_star.factor() < 1.2, "{small:?}");
    assert!(smaller.n_star.factor().ln() < small.n_star.factor().ln(), "{smaller:?} vs {small:?}");
    assert!(s.exponent.ci.lo <= s.exponent.truth + 1e-9 && s.exponent.ci.hi >= s.exponent.truth - 1e-9);
    assert!((s.exponent.truth - law.beta / (law.alpha + law.beta)).abs() < 1e-15);
}

#[test]
fn warm_started_fits_reach_the_full_multistart_optimum() {
    let law = epoch();
    let runs = grid(&DEFAULT_BUDGETS, 5);
    let target = 5.76e23;
    let coarse = Grid::parse("a=0:25:5, b=0:25:5, e=-1:1:1, alpha=0:2:0.5, beta=0:2:0.5", CHINCHILLA.theta_names(), CHINCHILLA.default_grid()).unwrap();
    for replicate in 0..4 {
        let points: Vec<Point> = noisy_points(&runs, &law, 0.005, 7, replicate);
        let warm = fit_points(&points, &starts(&theta_of(&law), &runs)).unwrap();
        let model = RunsModel::new(&CHINCHILLA, &points);
        let full = Multistart::new(&model, DELTA, coarse.clone()).finish().unwrap();
        let mut g = [0.0; 5];
        let warm_value = model.objective(&warm, DELTA, None, &mut g);
        assert!(warm_value <= full.best.value * (1.0 + 1e-6) + 1e-12, "replicate {replicate}: warm {warm_value} vs full {}", full.best.value);
        let full_theta: [f64; 5] = full.best.theta.as_slice().try_into().unwrap();
        if let (Some(a), Some(b)) = (law_of(&full_theta).and_then(|l| at_target(&l, target)), law_of(&warm).and_then(|l| at_target(&l, target))) {
            // Equal objectives: the same optimum, so the same N* (unless the full fit found a worse one).
            if (full.best.value - warm_value).abs() <= 1e-9 * full.best.value.max(1e-12) {
                assert!((a.0 / b.0 - 1.0).abs() < 1e-3, "replicate {replicate}: N* {} vs {}", a.0, b.0);
            }
        }
    }
}

#[test]
fn more_budgets_and_more_sizes_narrow_the_interval() {
    let law = epoch();
    let target = 5.76e23;
    let width = |runs: &[Run]| summarize(&simulate(runs, &law, 0.005, 3, 150), &law, target).unwrap().n_star.factor().ln();
    let three = width(&grid(&[1e18, 3e18, 1e19], 5));
    let five = width(&grid(&DEFAULT_BUDGETS, 5));
    let seven = width(&grid(&[1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21], 5));
    assert!(seven < five && five < three, "widths {three} {five} {seven}");
    let sizes3 = width(&grid(&DEFAULT_BUDGETS, 3));
    let sizes9 = width(&grid(&DEFAULT_BUDGETS, 9));
    assert!(sizes9 < sizes3, "sizes: {sizes3} vs {sizes9}");
}

#[test]
fn the_same_seed_gives_the_same_output_and_another_seed_does_not() {
    let mut session = Session::new();
    let a = evaluate(&fields(&[("sw_reps", "40")]), &budget(), &mut session);
    let runs = grid(&DEFAULT_BUDGETS, 5);
    let law = epoch();
    assert_eq!(simulate(&runs, &law, 0.005, 9, 30), simulate(&runs, &law, 0.005, 9, 30));
    let b = evaluate(&fields(&[("sw_reps", "40"), ("sw_seed", "2")]), &budget(), &mut session);
    let c = evaluate(&fields(&[("sw_reps", "40")]), &budget(), &mut session);
    assert_eq!(a, c);
    assert_ne!(a.outputs["sw_n_ci"], b.outputs["sw_n_ci"]);
}

#[test]
fn defaults_show_every_output_and_a_changes_table() {
    let view = evaluate(&crate::page::tools::defaults(), &budget(), &mut Session::new());
    assert!(view.errors.is_empty() && view.unanswered.is_empty(), "{view:?}");
    for key in ["sw_law", "sw_plan", "sw_target", "sw_n_ci", "sw_n_fit", "sw_l_ci", "sw_l_fit", "sw_a_ci", "sw_failed"] {
        assert!(view.outputs.contains_key(key), "missing {key}");
    }
    assert!(view.outputs["sw_plan"].starts_with("25 runs"), "{}", view.outputs["sw_plan"]);
    let table = &view.tables["sw_changes"];
    assert_eq!(table.rows[0][0], "Current plan");
    assert!(table.rows.len() >= 6, "{table:?}");
    assert!(table.rows.iter().all(|r| r.len() == table.head.len()));
    // The plan with a budget on top must narrow N*'s interval ("vs now" negative).
    let top = table.rows.iter().find(|r| r[0].starts_with("Budget row at 3.3e20 on top")).unwrap();
    assert!(top[4].starts_with('−'), "{top:?}");
    let drop = table.rows.iter().find(|r| r[0].starts_with("Drop budget 1e20")).unwrap();
    assert!(drop[4].starts_with('+'), "{drop:?}");
}

#[test]
fn a_plan_that_cannot_identify_the_law_says_so() {
    let mut session = Session::new();
    let view = evaluate(&fields(&[("sw_budgets", "1e19"), ("sw_sizes", "1")]), &budget(), &mut session);
    let e = &view.errors["sw_budgets"];
    assert!(e.contains("cannot pin down") && e.contains("1 distinct run"), "{e}");
    assert!(!view.outputs.contains_key("sw_n_ci"));
    let law = epoch();
    let same_size: Vec<Run> = [1e18, 1e19, 1e20, 1e21, 1e22, 1e23].iter().map(|&c| Run { c, n: 1e8 }).collect();
    assert!(identifiable(&same_size, &law).unwrap_err().to_string().contains("same model size"));
    let same_tokens: Vec<Run> = [1e7, 1e8, 1e9, 1e10, 1e11, 1e12].iter().map(|&n| Run { c: 6.0 * n * 1e10, n }).collect();
    assert!(identifiable(&same_tokens, &law).unwrap_err().to_string().contains("same number of tokens"));
    assert!(identifiable(&grid(&DEFAULT_BUDGETS, 5), &law).is_ok());
    let view = evaluate(&fields(&[("sw_budgets", ""), ("sw_runs", "")]), &budget(), &mut session);
    assert!(view.errors["sw_budgets"].contains("no runs planned"));
}

#[test]
fn bad_input_gets_a_message_under_its_field() {
    let mut session = Session::new();
    let cases = [
        ("sw_budgets", "1e18, lots", "budget"),
        ("sw_sigma", "-1%", "must not be negative"),
        ("sw_sigma", "abc", "noise σ"),
        ("sw_reps", "1e6", "between 20 and 500"),
        ("sw_reps", "2.5", "whole number"),
        ("sw_sizes", "0", "between 1 and 15"),
        ("sw_span", "0.5", "between 1 and 100"),
        ("sw_target", "3 GPU-hours", "FLOP or PF-days"),
        ("sw_target", "1e40", "target"),
        ("sw_runs", "C,N\n1e20,abc", "row 2"),
        ("sw_seed", "-3", "seed"),
    ];
    for (field, value, want) in cases {
        let view = evaluate(&fields(&[(field, value)]), &budget(), &mut session);
        let e = view.errors.get(field).unwrap_or_else(|| panic!("{field}={value}: no error in {view:?}"));
        assert!(e.contains(want), "{field}={value}: {e}");
        assert!(!view.outputs.contains_key("sw_n_ci"));
    }
    let many = fields(&[("sw_budgets", "1e17,1e18,1e19,1e20,1e21,1e22,1e23,1e24,1e25"), ("sw_sizes", "15")]);
    assert!(evaluate(&many, &budget(), &mut session).errors["sw_budgets"].contains("at most 120"));
}

#[test]
fn a_target_typed_in_pf_days_and_extra_runs_are_used() {
    let view = evaluate(&fields(&[("sw_target", "2000 PF-days"), ("sw_reps", "30"), ("sw_runs", "C,N\n1e21,3B")]), &budget(), &mut Session::new());
    assert!(view.errors.is_empty(), "{view:?}");
    assert!(view.outputs["sw_target"].starts_with("1.73e23 FLOP,"), "{}", view.outputs["sw_target"]);
    assert!(view.outputs["sw_plan"].starts_with("26 runs"), "{}", view.outputs["sw_plan"]);
}

#[test]
fn a_law_not_of_chinchilla_form_is_explained() {
    let inputs = crate::page::budget::Inputs::default().with("law", "kaplan");
    let view = evaluate(&crate::page::tools::defaults(), &crate::page::budget::chart_state(&inputs), &mut Session::new());
    assert!(view.unanswered["sw_law"].contains("Chinchilla form"), "{view:?}");
    assert!(view.outputs.is_empty());
}

#[test]
fn charts_draw_wide_and_narrow_and_explain_bad_input() {
    let mut session = Session::new();
    use plotters::prelude::*;
    let f = fields(&[("sw_reps", "40")]);
    for kind in CHARTS {
        for (w, theme) in [(900, crate::core::plot::Theme::Light), (390, crate::core::plot::Theme::Dark)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 420)).into_drawing_area();
                draw(kind, &area, &f, &budget(), &mut session, &ChartStyle::new(theme, 1.0)).unwrap();
                area.present().unwrap();
            }
            assert!(svg.contains("<text") && svg.len() > 2000, "{kind} at {w}");
        }
    }
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (600, 400)).into_drawing_area();
        draw("sw-plan", &area, &fields(&[("sw_sigma", "x")]), &budget(), &mut session, &ChartStyle::new(crate::core::plot::Theme::Light, 1.0)).unwrap();
    }
    assert!(svg.contains("noise"), "{svg}");
}

#[test]
fn noise_is_standard_normal_and_keyed_by_run() {
    let run = Run { c: 1e19, n: 1e8 };
    let draws: Vec<f64> = (0..20_000).map(|r| noise(5, r, &run, 0)).collect();
    let mean = draws.iter().sum::<f64>() / draws.len() as f64;
    let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
    assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.05, "mean {mean} var {var}");
    assert_ne!(noise(5, 0, &run, 0), noise(5, 0, &run, 1));
    assert_ne!(noise(5, 0, &run, 0), noise(6, 0, &run, 0));
    // The last bit of N (which differs between maths libraries) does not change the draw.
    let nudged = Run { c: 1e19, n: f64::from_bits(1e8f64.to_bits() + 1) };
    assert_eq!(noise(5, 3, &run, 0), noise(5, 3, &nudged, 0));
    assert_ne!(noise(5, 3, &run, 0), noise(5, 3, &Run { c: 1e19, n: 1.001e8 }, 0));
}

#[test]
fn huber_variance_spans_least_squares_to_least_absolute_deviations() {
    let sigma = 0.01;
    assert!((huber_variance(sigma, 1.0) / (sigma * sigma) - 1.0).abs() < 1e-6);
    let lad = std::f64::consts::PI / 2.0 * sigma * sigma;
    assert!((huber_variance(sigma, 1e-4) / lad - 1.0).abs() < 2e-2, "{}", huber_variance(sigma, 1e-4) / lad);
    // In between, monotone: a smaller δ trades efficiency under normal noise for robustness.
    assert!(huber_variance(sigma, 1e-3) > huber_variance(sigma, 1e-2) && huber_variance(sigma, 1e-2) > sigma * sigma);
    assert_eq!(huber_variance(0.0, 1e-3), 0.0);
}

#[test]
fn linearised_widths_agree_with_the_simulation_and_rank_plans_alike() {
    let law = epoch();
    let target = 5.76e23;
    for (budgets, sizes) in [(&DEFAULT_BUDGETS[..], 5), (&[1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21][..], 5), (&DEFAULT_BUDGETS[..], 9)] {
        let runs = grid(budgets, sizes);
        let sim = summarize(&simulate(&runs, &law, 0.005, 4, 300), &law, target).unwrap();
        let (n, l) = linearised_widths(&runs, &law, 0.005, target).unwrap();
        let ratio = n.ln() / sim.n_star.factor().ln();
        assert!((0.75..1.33).contains(&ratio), "{budgets:?}×{sizes}: linearised ×{n} vs simulated ×{}", sim.n_star.factor());
        let ratio_l = l / sim.l_star.relative_width();
        assert!((0.75..1.33).contains(&ratio_l), "L*: {l} vs {}", sim.l_star.relative_width());
    }
    assert!(linearised_widths(&grid(&[1e19], 1), &law, 0.005, target).is_none());
    let (zero_n, zero_l) = linearised_widths(&grid(&DEFAULT_BUDGETS, 5), &law, 0.0, target).unwrap();
    assert!(zero_n == 1.0 && zero_l == 0.0);
}

#[test]
fn runs_below_kaplans_overfitting_bound_are_named() {
    let mut session = Session::new();
    // 10B parameters on 1B tokens: eq. 4.4 asks 5e3·(1e10)^0.74 ≈ 1.26e11 tokens.
    let view = evaluate(&fields(&[("sw_runs", "N,D\n10B,1B")]), &budget(), &mut session);
    let notes = view.lists.get("sw_notes").cloned().unwrap_or_default();
    let note = notes.iter().find(|n| n.contains("overfitting bound")).unwrap_or_else(|| panic!("{notes:?}"));
    assert!(note.contains("10B parameters on 1B tokens, where the bound asks 126B"), "{note}");
    // Runs with data to spare say nothing about it.
    let mut quiet = ToolView::default();
    overfit_note(&mut quiet, &[Run { c: 6.0 * 1e9 * 1e11, n: 1e9 }, Run { c: 6.0 * 1e10 * 1e12, n: 1e10 }]);
    assert!(quiet.lists.is_empty(), "{:?}", quiet.lists);
    overfit_note(&mut quiet, &[Run { c: 6.0 * 1e9 * 1e11, n: 1e9 }, Run { c: 6.0 * 1e10 * 1e10, n: 1e10 }]);
    assert!(quiet.lists["sw_notes"][0].starts_with("1 of the 2 planned runs"), "{:?}", quiet.lists);
}
