//! The fit's options against oracles that do not share their code: integer run weights against
//! the same runs repeated, the asymmetric Huber loss against a brute-force scan of its own
//! formula written here, tied and fixed parameters against the free fit, and every bad input
//! named where it is.
#![cfg(not(target_arch = "wasm32"))]

use scalecalc::core::analysis::plan::run_all;
use scalecalc::core::analysis::report::FitReport;
use scalecalc::core::analysis::request::{ColumnNames, FitRequest, Search};

/// A Chinchilla-law dataset: an IsoFLOP-like layout of 60 runs with ±1 % deterministic noise,
/// and a weight in 0..=3 for each run (a column `w`).
fn runs(alpha: f64, beta: f64) -> Vec<(f64, f64, f64, u32)> {
    let (e, a, b) = (1.8, 420.0, 1800.0);
    let mut out = Vec::new();
    let mut k = 0u32;
    for c in [1e18, 1e19, 1e20, 1e21, 1e22] {
        for i in 0..12 {
            let n = (c / 6.0 / 20.0f64).sqrt() * 10f64.powf((i as f64 - 5.5) * 0.12);
            let d = c / (6.0 * n);
            let noise = 1.0 + 0.01 * ((k as f64 * 2.399).sin());
            let loss = (e + a / n.powf(alpha) + b / d.powf(beta)) * noise;
            out.push((n, d, loss, (k * 7 + 3) % 4));
            k += 1;
        }
    }
    out
}

fn table(rows: &[(f64, f64, f64, u32)]) -> String {
    let mut s = String::from("N,D,loss,w\n");
    for (n, d, l, w) in rows {
        s.push_str(&format!("{n},{d},{l},{w}\n"));
    }
    s
}

fn request(data: String) -> FitRequest {
    FitRequest { data, compare: false, bootstrap: 0, holdout: Some(0), ..FitRequest::default() }
}

fn fit(req: &FitRequest) -> FitReport {
    run_all(req, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs())
}

#[test]
fn integer_weights_fit_as_the_runs_repeated() {
    let rows = runs(0.34, 0.28);
    let weighted = FitRequest { columns: ColumnNames { weight: "w".into(), ..ColumnNames::default() }, ..request(table(&rows)) };
    // Each run written w times (weight 0: left out).
    let repeated: Vec<_> = rows.iter().flat_map(|r| std::iter::repeat_n(*r, r.3 as usize)).collect();
    for search in [Search::Auto, Search::Grid] {
        let grid = if search == Search::Grid { "a=4:8:2, b=6:9:1.5, e=0:1:0.5, alpha=0.2:0.5:0.15, beta=0.2:0.5:0.15" } else { "" };
        let w = fit(&FitRequest { search, grid: grid.into(), ..weighted.clone() });
        let r = fit(&FitRequest { search, grid: grid.into(), ..request(table(&repeated)) });
        assert!(close(w.objective, r.objective, 1e-7), "{search:?}: weighted {} vs repeated {}", w.objective, r.objective);
        for (name, v) in &w.params {
            assert!(close(*v, r.params[name], 1e-4), "{search:?} {name}: {v} vs {}", r.params[name]);
        }
        assert!(w.options.iter().any(|o| o.contains("weighted by column \"w\"")), "{:?}", w.options);
    }
    // Unweighted, the fit differs: the weights did something.
    let plain = fit(&request(table(&rows)));
    let w = fit(&weighted);
    assert!(!close(plain.objective, w.objective, 1e-3));
}

/// Σ k^[r > 0]·Huber_δ(r), r = ln L̂ − ln L, written out here for the brute-force scan.
fn asymmetric(rows: &[(f64, f64, f64, u32)], p: [f64; 5], k: f64, delta: f64) -> f64 {
    let [e, a, b, alpha, beta] = p;
    rows.iter()
        .map(|(n, d, l, _)| {
            let r = (e + a / n.powf(alpha) + b / d.powf(beta)).ln() - l.ln();
            let h = if r.abs() <= delta { 0.5 * r * r } else { delta * (r.abs() - 0.5 * delta) };
            if r > 0.0 { k * h } else { h }
        })
        .sum()
}

#[test]
fn asymmetric_loss_matches_a_brute_force_scan_and_tracks_the_best_runs() {
    let rows = runs(0.34, 0.28);
    let data = table(&rows);
    let k = 4.0;
    // Everything but E held: the fit must find the E a dense scan of the objective finds.
    let fix = vec![("A".to_string(), 420.0), ("B".to_string(), 1800.0), ("alpha".to_string(), 0.34), ("beta".to_string(), 0.28)];
    let fitted = fit(&FitRequest { asymmetry: k, fix: fix.clone(), ..request(data.clone()) });
    let (mut best_e, mut best) = (0.0, f64::INFINITY);
    for i in 0..=20_000 {
        let e = 1.6 + 0.4 * i as f64 / 20_000.0;
        let v = asymmetric(&rows, [e, 420.0, 1800.0, 0.34, 0.28], k, 1e-3);
        if v < best {
            (best_e, best) = (e, v);
        }
    }
    assert!(fitted.objective <= best * (1.0 + 1e-9), "fit {} vs scan {best}", fitted.objective);
    assert!((fitted.params["E"] - best_e).abs() < 1e-4, "E {} vs scan {best_e}", fitted.params["E"]);
    assert_eq!(fitted.held.get("alpha").map(String::as_str), Some("fixed"));
    // The full fit: its objective is the formula's, the profile is no worse than a grid of
    // starts, and fewer runs lie below the law than with the symmetric loss.
    let free = fit(&FitRequest { asymmetry: k, ..request(data.clone()) });
    let p = |r: &FitReport| ["E", "A", "B", "alpha", "beta"].map(|n| r.params[n]);
    assert!(close(asymmetric(&rows, p(&free), k, 1e-3), free.objective, 1e-9));
    let grid = fit(&FitRequest { asymmetry: k, search: Search::Grid, ..request(data.clone()) });
    assert!(free.objective <= grid.objective * (1.0 + 1e-6), "profile {} grid {}", free.objective, grid.objective);
    let symmetric = fit(&request(data));
    let above = |r: &FitReport| r.residuals.iter().filter(|x| x.predicted > x.loss).count();
    assert!(above(&free) < above(&symmetric), "{} vs {}", above(&free), above(&symmetric));
}

#[test]
fn tied_and_fixed_parameters_constrain_the_fit_and_nothing_else() {
    // Data from a law with α = β: the tied fit recovers it.
    let same = table(&runs(0.3, 0.3));
    let tied = fit(&FitRequest { tie_exponents: true, ..request(same.clone()) });
    assert_eq!(tied.params["alpha"], tied.params["beta"]);
    assert!((tied.params["alpha"] - 0.3).abs() < 0.02, "{:?}", tied.params);
    assert_eq!(tied.held.get("beta").map(String::as_str), Some("tied to alpha"));
    // On data with α ≠ β: constraints cost objective, fixing at the free optimum costs nothing.
    let data = table(&runs(0.36, 0.26));
    let free = fit(&request(data.clone()));
    let tied = fit(&FitRequest { tie_exponents: true, ..request(data.clone()) });
    assert!(tied.objective > free.objective);
    let at_optimum = fit(&FitRequest { fix: vec![("alpha".into(), free.params["alpha"])], ..request(data.clone()) });
    assert!(close(at_optimum.objective, free.objective, 1e-6), "{} vs {}", at_optimum.objective, free.objective);
    assert_eq!(at_optimum.params["alpha"], free.params["alpha"]);
    let e_fixed = fit(&FitRequest { fix: vec![("e".into(), 1.7)], bootstrap: 50, ..request(data) });
    assert!((e_fixed.params["E"] - 1.7).abs() < 1e-12);
    assert!(e_fixed.ci.as_ref().is_some_and(|c| !c.contains_key("E") && c.contains_key("alpha")), "{:?}", e_fixed.ci);
    assert_eq!(e_fixed.search, "grid");
}

#[test]
fn bad_options_say_what_and_where() {
    let rows = runs(0.34, 0.28);
    let mut negative = table(&rows);
    negative = negative.replacen(",3\n", ",-1\n", 1);
    let line = negative.lines().position(|l| l.ends_with(",-1")).unwrap() + 1;
    let weight = ColumnNames { weight: "w".into(), ..ColumnNames::default() };
    let cases: Vec<(FitRequest, String)> = vec![
        (FitRequest { columns: weight.clone(), ..request(negative) }, format!("row {line}, column \"w\": a weight must be 0 or more")),
        (FitRequest { columns: weight.clone(), ..request(table(&rows).replace(",1\n", ",\n")) }, "column \"w\": is empty".into()),
        (FitRequest { columns: weight.clone(), ..request(table(&rows.iter().map(|r| (r.0, r.1, r.2, 0)).collect::<Vec<_>>())) }, "every run's weight (column \"w\") is 0".into()),
        (FitRequest { columns: ColumnNames { weight: "weights".into(), ..ColumnNames::default() }, ..request(table(&rows)) }, "weights".into()),
        (FitRequest { fix: vec![("gamma".into(), 1.0)], ..request(table(&rows)) }, "the chinchilla law has no parameter \"gamma\": its parameters are E, A, B, alpha, beta".into()),
        (FitRequest { fix: vec![("A".into(), -3.0)], ..request(table(&rows)) }, "A = -3 is not a value".into()),
        (FitRequest { fix: vec![("alpha".into(), 0.3), ("alpha".into(), 0.4)], ..request(table(&rows)) }, "alpha is fixed twice".into()),
        (FitRequest { tie_exponents: true, law: "power-c+e".into(), ..request(table(&rows)) }, "no pair of exponents to tie".into()),
        (FitRequest { asymmetry: 0.0, ..request(table(&rows)) }, "asymmetry must be more than 0".into()),
        (
            FitRequest { fix: ["E", "A", "B", "alpha", "beta"].iter().map(|n| (n.to_string(), 1.0)).collect(), ..request(table(&rows)) },
            "every parameter is fixed".into(),
        ),
    ];
    for (req, want) in cases {
        let err = run_all(&req, &mut |_| {}).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains(&want), "{want:?} not in {err:?}");
    }
}

/// Three variants of one law: variant k's N and D are worth s_k times more (so its compute is
/// worth s_k² times more at every budget, C = 6ND), with ±0.5 % noise; a column `arch`.
fn variants(scales: &[(&str, f64)]) -> String {
    let mut s = String::from("N,D,loss,arch\n");
    let mut k = 0.0f64;
    for (name, scale) in scales {
        for c in [1e18, 1e19, 1e20, 1e21] {
            for i in 0..9 {
                let n = (c / 120.0f64).sqrt() * 10f64.powf((i as f64 - 4.0) * 0.15);
                let d = c / (6.0 * n);
                k += 1.0;
                let loss = (1.8 + 420.0 / (scale * n).powf(0.34) + 1800.0 / (scale * d).powf(0.28)) * (1.0 + 0.005 * (k * 2.399).sin());
                s.push_str(&format!("{n},{d},{loss},{name}\n"));
            }
        }
    }
    s
}

#[test]
fn joint_fits_share_exponents_and_recover_compute_multipliers() {
    let scales = [("base", 1.0), ("swiglu", 1.15), ("moe", 1.4)];
    let req = FitRequest {
        columns: ColumnNames { group: "arch".into(), ..ColumnNames::default() },
        bootstrap: 300,
        budget: Some(1e23),
        ..request(variants(&scales))
    };
    let joint = fit(&req).joint.expect("a joint fit");
    assert_eq!((joint.column.as_str(), joint.baseline.as_str(), joint.compute), ("arch", "base", 1e23));
    assert!((joint.shared["alpha"] - 0.34).abs() < 0.05 && (joint.shared["beta"] - 0.28).abs() < 0.03, "{:?}", joint.shared);
    for (row, (name, s)) in joint.variants.iter().zip(scales) {
        assert_eq!(row.name, name);
        assert_eq!(row.runs, 36);
        let m = row.multiplier.unwrap();
        if name == "base" {
            assert!((m - 1.0).abs() < 1e-9 && row.ci.is_none());
        } else {
            let ci = row.ci.unwrap();
            assert!(ci.lo < s * s && s * s < ci.hi, "{name}: truth {} outside {ci:?}", s * s);
            assert!((m / (s * s) - 1.0).abs() < 0.2, "{name}: {m} vs {}", s * s);
        }
    }
    assert!(joint.resamples.0 >= 290, "{:?}", joint.resamples);
    // Against another baseline: it is worth 1×, the weaker variants less than 1×.
    let moe = fit(&FitRequest { baseline: "moe".into(), bootstrap: 0, ..req.clone() }).joint.unwrap();
    assert_eq!(moe.baseline, "moe");
    assert!((moe.variants[2].multiplier.unwrap() - 1.0).abs() < 1e-9);
    assert!(moe.variants[0].multiplier.unwrap() < 1.0 && moe.variants[1].multiplier.unwrap() < 1.0, "{:?}", moe.variants);
    // The joint objective is at least the sum of the variants fitted apart (they share less).
    let apart: f64 = scales
        .iter()
        .map(|(name, _)| {
            let own: String = variants(&scales).lines().enumerate().filter(|(i, l)| *i == 0 || l.ends_with(&format!(",{name}"))).map(|(_, l)| format!("{l}\n")).collect();
            fit(&request(own)).objective
        })
        .sum();
    assert!(joint.objective >= apart * (1.0 - 1e-9), "joint {} < apart {apart}", joint.objective);
}

#[test]
fn joint_fits_refuse_what_they_cannot_do() {
    let data = variants(&[("a", 1.0), ("b", 1.2)]);
    let group = ColumnNames { group: "arch".into(), ..ColumnNames::default() };
    let one_run = format!("{data}1e9,2e10,2.5,c\n");
    let cases: Vec<(FitRequest, &str)> = vec![
        (FitRequest { columns: group.clone(), ..request(one_run) }, "variant \"c\" (column \"arch\") has 1 run: each variant needs at least 4"),
        (FitRequest { columns: group.clone(), baseline: "gpt".into(), ..request(data.clone()) }, "the baseline \"gpt\" is not a variant of column \"arch\": a, b"),
        (FitRequest { columns: group.clone(), law: "kaplan".into(), ..request(data.clone()) }, "the kaplan law has none to share"),
        (FitRequest { columns: group.clone(), tie_exponents: true, ..request(data.clone()) }, "cannot also fix or tie"),
        (FitRequest { columns: group, ..request(variants(&[("a", 1.0)])) }, "names 1 variant: a joint fit of the chinchilla law takes 2 to 10"),
    ];
    for (req, want) in cases {
        let err = run_all(&req, &mut |_| {}).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains(want), "{want:?} not in {err:?}");
    }
}
