//! The profile search against the oracle it replaces: on every shared dataset and on 24
//! synthetic ones (known Chinchilla laws, IsoFLOP / grid / scattered layouts, 0.3–2 % noise,
//! some with outliers), the profile reaches the same or a lower objective than L-BFGS from the
//! 4 500-start grid; on clean synthetic data it recovers the true exponents.
#![cfg(not(target_arch = "wasm32"))]

use scalecalc::core::analysis::plan::run_all;
use scalecalc::core::analysis::report::FitReport;
use scalecalc::core::analysis::request::{ColumnNames, FitRequest, Search};

fn shared(path: &str) -> String {
    let path = format!("{}/../shared/data/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn fit(data: &str, columns: ColumnNames, drop_top: usize, law: &str, search: Search) -> FitReport {
    let req = FitRequest {
        data: data.to_string(),
        columns,
        law: law.into(),
        search,
        compare: false,
        bootstrap: 0,
        holdout: Some(0),
        drop_top,
        skip_bad_rows: true,
        ..FitRequest::default()
    };
    run_all(&req, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
}

/// Fits both ways; asserts the profile is no worse and returns both reports. "No worse" is to
/// 1e-6 relative: where a law is not identified (synthetic 23: β runs off to 1.5 with B ~ 1e11
/// along a ridge on which the objective falls by parts in 10⁷), both searches stop somewhere on
/// the ridge and which gets further is chance; on every identified fit the two agree to 1e-9.
fn both(name: &str, data: &str, columns: ColumnNames, drop_top: usize, law: &str) -> (FitReport, FitReport) {
    let profile = fit(data, columns.clone(), drop_top, law, Search::Auto);
    let grid = fit(data, columns, drop_top, law, Search::Grid);
    assert_eq!((profile.search, grid.search), ("profile", "grid"));
    eprintln!(
        "{name} [{law}]: profile {:.12e} ({} evaluations), grid {:.12e} ({} evaluations)",
        profile.objective, profile.evaluations, grid.objective, grid.evaluations
    );
    assert!(profile.objective <= grid.objective * (1.0 + 1e-6), "{name}: profile {} > grid {}", profile.objective, grid.objective);
    (profile, grid)
}

#[test]
fn the_profile_is_no_worse_than_the_grid_on_every_shared_dataset() {
    let epoch = shared("chinchilla_epoch/svg_extracted_data.csv");
    for drop in [0, 5] {
        let (p, _) = both(&format!("epoch, drop {drop}"), &epoch, ColumnNames::default(), drop, "chinchilla");
        if drop == 5 {
            assert!(p.evaluations <= 12_000, "{} evaluations", p.evaluations);
        }
    }
    let blations = shared("datablations/datablations_final_losses.csv");
    let columns = ColumnNames { n: "N_params".into(), d: "D_tokens".into(), loss: "loss_c4_val".into(), ..ColumnNames::default() };
    both("datablations", &blations, columns.clone(), 0, "chinchilla");
    // The other laws with a profile, on the same data.
    for law in ["chinchilla-no-e", "power-c+e", "power-c", "power-n+e", "power-d+e"] {
        both("epoch, drop 5", &epoch, ColumnNames::default(), 5, law);
    }
}

/// A small deterministic generator (64-bit LCG, top 53 bits).
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

struct Truth {
    e: f64,
    a: f64,
    b: f64,
    alpha: f64,
    beta: f64,
}

impl Truth {
    fn loss(&self, n: f64, d: f64) -> f64 {
        self.e + self.a / n.powf(self.alpha) + self.b / d.powf(self.beta)
    }
}

/// Synthetic dataset `k`: its law, layout, noise and outliers all follow from `k`.
fn synthetic(k: u64, noise: Option<f64>) -> (Truth, String) {
    let mut g = Lcg(0x5EED ^ (k * 7919));
    let truth = Truth { e: g.between(1.6, 2.1), a: g.between(150.0, 1500.0), b: g.between(300.0, 5000.0), alpha: g.between(0.25, 0.6), beta: g.between(0.25, 0.6) };
    let sigma = noise.unwrap_or([0.003, 0.01, 0.02][(k % 3) as usize]);
    let mut runs: Vec<(f64, f64)> = Vec::new();
    match k % 4 {
        // IsoFLOP profiles: 5 budgets, 8 sizes around 20 tokens per parameter.
        0 | 3 => {
            for i in 0..5 {
                let c = 10f64.powf(18.0 + 0.75 * i as f64);
                let n_mid = (c / 120.0).sqrt();
                for j in 0..8 {
                    let n = n_mid * 10f64.powf(-0.8 + 1.6 * j as f64 / 7.0);
                    runs.push((n, c / (6.0 * n)));
                }
            }
        }
        // A grid of sizes × tokens per parameter.
        1 => {
            for i in 0..6 {
                let n = 10f64.powf(7.3 + 0.4 * i as f64);
                for tpp in [5.0, 10.0, 20.0, 40.0, 80.0] {
                    runs.push((n, tpp * n));
                }
            }
        }
        // Scattered: log-uniform N and tokens per parameter.
        _ => {
            for _ in 0..50 {
                let n = 10f64.powf(g.between(7.0, 9.7));
                runs.push((n, n * 10f64.powf(g.between(0.5, 2.3))));
            }
        }
    }
    let mut csv = String::from("N,D,loss\n");
    for (i, (n, d)) in runs.iter().enumerate() {
        let mut loss = truth.loss(*n, *d) * (sigma * g.normal()).exp();
        // Every fifth dataset has three runs 5 % too high (diverged or badly tuned).
        if k % 5 == 4 && i % 13 == 6 {
            loss *= 1.05;
        }
        csv.push_str(&format!("{n},{d},{loss}\n"));
    }
    (truth, csv)
}

#[test]
fn the_profile_is_no_worse_than_the_grid_on_synthetic_data() {
    let mut lower = 0;
    for k in 0..24 {
        let (_, csv) = synthetic(k, None);
        let (p, g) = both(&format!("synthetic {k}"), &csv, ColumnNames::default(), 0, "chinchilla");
        if p.objective < g.objective * (1.0 - 1e-6) {
            lower += 1;
        }
    }
    eprintln!("the profile found a lower objective than the grid on {lower} of 24 synthetic datasets");
}

#[test]
fn the_profile_recovers_known_exponents() {
    for k in 0..8 {
        let (truth, csv) = synthetic(k, Some(1e-4));
        let p = fit(&csv, ColumnNames::default(), 0, "chinchilla", Search::Auto);
        let (alpha, beta) = (p.params["alpha"], p.params["beta"]);
        assert!((alpha - truth.alpha).abs() < 0.01 && (beta - truth.beta).abs() < 0.01, "synthetic {k}: α {alpha} vs {}, β {beta} vs {}", truth.alpha, truth.beta);
    }
}


/// A profiled law's fit without the held-out runs starts from the optima of its fit of every run
/// (one short job instead of a second search): on the shared datasets and on synthetic ones,
/// with the page's holdout and a larger one, for every law compared, it reaches the same or a
/// lower objective than a whole search (the profile, or the grid for a law without one) on the
/// training runs.
#[test]
fn the_held_out_fit_from_the_full_fits_optima_is_no_worse_than_a_whole_search() {
    use scalecalc::core::analysis::plan::{self, Variant};
    use scalecalc::core::analysis::request::prepare;
    use scalecalc::core::analysis::run::{FitRun, TaskSearch};
    use scalecalc::core::fit::{multistart, profile};

    let blations = shared("datablations/datablations_final_losses.csv");
    let blation_columns = ColumnNames { n: "N_params".into(), d: "D_tokens".into(), loss: "loss_c4_val".into(), ..ColumnNames::default() };
    let mut sets = vec![
        ("epoch".to_string(), shared("chinchilla_epoch/svg_extracted_data.csv"), ColumnNames::default(), 5),
        ("datablations".to_string(), blations, blation_columns, 0),
    ];
    for k in [1, 4, 7, 9, 12, 16, 19, 22] {
        sets.push((format!("synthetic {k}"), synthetic(k, Some(0.01)).1, ColumnNames::default(), 0));
    }
    let mut checked = 0;
    for (name, data, columns, drop_top) in sets {
        for holdout in [None, Some(20)] {
            let req = FitRequest { data: data.clone(), columns: columns.clone(), law: "chinchilla".into(), compare: true, bootstrap: 0, holdout, drop_top, skip_bad_rows: true, ..FitRequest::default() };
            let prep = prepare(&req).unwrap_or_else(|e| panic!("{name}: {e}"));
            let tasks = plan::plan(&prep, &req);
            let fit_plan = plan::fit_plan(&prep, &req, &tasks);
            let outcome = FitRun::new(fit_plan.clone()).run_inline(&mut |_| {});
            for (i, task) in tasks.iter().enumerate().filter(|(_, t)| t.variant == Variant::Training) {
                assert_eq!(matches!(fit_plan.tasks[i].search, TaskSearch::From { .. }), task.profile, "{name}: {:?}", fit_plan.tasks[i].search);
                let problem = plan::problem_for(&prep, task.law, Variant::Training);
                let model = problem.model().unwrap();
                let whole = if task.profile {
                    let (projection, points, fitting) = problem.projection().unwrap();
                    profile::fit(model.as_ref(), &projection, points, fitting, req.delta).map(|(r, _)| r.best.value)
                } else {
                    multistart::fit(model.as_ref(), &plan::grid_for(&prep, task.law), req.delta).map(|r| r.best.value)
                };
                let (Some(warm), Some(whole)) = (outcome.tasks[i].as_ref().map(|r| r.best.value), whole) else {
                    panic!("{name}, holdout {holdout:?}, {}: no fit", task.law.name())
                };
                eprintln!("{name}, holdout {holdout:?}, {}: from the full fit {warm:.12e}, whole search {whole:.12e}", task.law.name());
                assert!(warm <= whole * (1.0 + 1e-6), "{name}, holdout {holdout:?}, {}: {warm} > {whole}", task.law.name());
                checked += 1;
            }
        }
    }
    assert!(checked >= 20 * 4, "only {checked} held-out fits checked");
}
