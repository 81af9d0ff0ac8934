//! `scalecalc fit` and `scalecalc bench-fit`: the page's fitting engine on a file.

use std::time::Instant;

use clap::{Args, ValueEnum};

use crate::out::{say, Failure};
use scalecalc::core::fit::envelope::{fit_envelope, EnvelopeOptions};
use scalecalc::core::fit::isoflop::{fit_isoflop, IsoflopOptions};
use scalecalc::core::fit::multistart::{Multistart, Optimizer};
use scalecalc::core::laws::RunsModel;
use scalecalc::core::analysis::report::{named, FitReport};
use scalecalc::core::analysis::request::{parse_at, parse_exclude, parse_fix, prepare, ColumnNames, FitRequest, Search};
use scalecalc::core::analysis::plan as tasks;
use scalecalc::core::fit::{bootstrap, profile};
use scalecalc::core::units::{format_count, format_sci, format_sig, parse_number};

/// Which approach `fit` runs.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Method {
    /// Approach 3: the parametric law by robust multistart L-BFGS.
    Parametric,
    /// Approach 2: a parabola per compute budget, then power laws for N_opt and D_opt.
    Isoflop,
    /// Approach 1: the minimum-loss envelope of training curves.
    Envelope,
}

/// Options of `scalecalc fit`.
#[derive(Args)]
pub struct FitArgs {
    /// The runs: CSV, TSV or JSON with a header row.
    file: std::path::PathBuf,
    /// The law to fit (see --help for the list).
    #[arg(long, default_value = "chinchilla", long_help = laws_help())]
    law: String,
    /// parametric (Approach 3), isoflop (Approach 2) or envelope (Approach 1).
    #[arg(long, value_enum, default_value = "parametric")]
    method: Method,
    /// Column with parameters N (header name; default: guessed from the headers).
    #[arg(long)]
    n: Option<String>,
    /// Column with tokens D.
    #[arg(long)]
    d: Option<String>,
    /// Column with compute C (the third of N, D, C is derived through C = 6ND: with --n,
    /// D = C/(6N); with --d and no N column, N = C/(6D)).
    #[arg(long)]
    c: Option<String>,
    /// Column with the loss.
    #[arg(long)]
    loss: Option<String>,
    /// Column with the run id (training curves, for --method envelope).
    #[arg(long)]
    run: Option<String>,
    /// Column with each run's weight in the fit (≥ 0; default: every run weighs 1).
    #[arg(long, value_name = "COL")]
    weights: Option<String>,
    /// Column naming each run's variant (architecture, dataset, optimizer …): one joint fit with
    /// shared exponents and each variant's own coefficients, and each variant's effective-compute
    /// multiplier against the baseline at --budget (default: the largest run's compute).
    #[arg(long, value_name = "COL")]
    group: Option<String>,
    /// The variant the multipliers are against (default: the first in the file).
    #[arg(long, value_name = "NAME", default_value = "")]
    baseline: String,
    /// Asymmetric Huber loss: over-predictions cost K times more than under-predictions, so the
    /// law tracks the best achievable runs (1: symmetric).
    #[arg(long, value_name = "K", default_value = "1", allow_hyphen_values = true)]
    asymmetry: String,
    /// Tie the law's two exponents (α = β, Gadre et al. 2024's over-training form).
    #[arg(long)]
    tie_exponents: bool,
    /// Hold a parameter at a value, by its published name (repeatable): --fix alpha=0.34 --fix E=1.69
    #[arg(long, value_name = "NAME=VALUE", allow_hyphen_values = true)]
    fix: Vec<String>,
    /// Loss curves (same columns) to predict with the fitted law (--law tissue, multipower):
    /// JSON prediction {curves: [{name, points, mae, rmse, r2, final_error}], mae, rmse}.
    #[arg(long, value_name = "FILE")]
    predict: Option<std::path::PathBuf>,
    /// Column with the training step (--law tissue, multipower).
    #[arg(long)]
    step: Option<String>,
    /// Column with the learning rate at each step (--law tissue, multipower).
    #[arg(long)]
    lr: Option<String>,
    /// Column naming which curve (schedule) a row belongs to (--law tissue, multipower).
    #[arg(long)]
    curve: Option<String>,
    /// Column with unique tokens U (--law muennighoff).
    #[arg(long)]
    u: Option<String>,
    /// λ of the annealing momentum in S2 (--law tissue; default 0.999).
    #[arg(long)]
    lambda: Option<String>,
    /// Warmup steps, counted at the peak learning rate (--law tissue, multipower).
    #[arg(long)]
    warmup: Option<usize>,
    /// Drop the K highest-loss runs before fitting (Epoch's replication drops 5).
    #[arg(long, default_value_t = 0)]
    drop_top: usize,
    /// Huber δ on log-loss residuals.
    #[arg(long, default_value = "1e-3", allow_hyphen_values = true)]
    delta: String,
    /// How the optimum is searched for: auto (the profile over the exponents for laws linear in
    /// their coefficients once the exponents are fixed — Chinchilla, its form without E, the power
    /// laws — unless --grid is given; a grid of starts for the rest), profile, or grid (L-BFGS from
    /// every start of the grid: Hoffmann et al.'s 4 500 for Chinchilla).
    #[arg(long, default_value = "auto")]
    search: String,
    /// Starting grid, e.g. "a=0:25:5, b=0:25:5, e=-1:1:0.5, alpha=0:2:0.5, beta=0:2:0.5" (the default).
    #[arg(long, default_value = "")]
    grid: String,
    /// Bootstrap resamples for intervals (0: none).
    #[arg(long, default_value_t = 0)]
    bootstrap: usize,
    /// Bootstrap seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Hold out the K largest-compute runs and report the error on them.
    #[arg(long, default_value_t = 0)]
    holdout: usize,
    /// Compute (FLOP) at which to report N*, D*, L* (with intervals when bootstrapping).
    #[arg(long, allow_hyphen_values = true)]
    budget: Option<String>,
    /// Leave these runs out of the fit, by row number as errors number them (2 is the first
    /// row below the header): --exclude 3,17,40
    #[arg(long, default_value = "")]
    exclude: String,
    /// Predict the loss of a run of N parameters and D tokens, with the law's 95 % confidence
    /// interval and the wider interval for one new run (repeatable): --at 70B,1.4T
    #[arg(long, value_name = "N,D", allow_hyphen_values = true)]
    at: Vec<String>,
    /// Rolling-forward validation: fit on the runs below each of a few compute cuts (half, 5/8,
    /// 3/4 and 7/8 of the runs by compute) and report the error on the runs beyond, against how
    /// far beyond they reach (laws searched by their profile).
    #[arg(long)]
    rolling: bool,
    /// Also fit the other laws and print the comparison table.
    #[arg(long)]
    compare: bool,
    /// Fit the good rows even if some rows are bad (they are listed on stderr).
    #[arg(long)]
    skip_bad_rows: bool,
    /// IsoFLOP grouping tolerance in log10 C.
    #[arg(long, default_value = "0.05")]
    tolerance: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained Python script (numpy + scipy) that recomputes the fit's
    /// objective from the runs and refits it, to this file.
    #[arg(long, value_name = "FILE")]
    python: Option<std::path::PathBuf>,
}

/// `--law`'s help, written from the laws' registry.
fn laws_help() -> String {
    use scalecalc::core::laws::{RUN_LAWS, TABLE_LAWS};
    let mut help = String::from("The law to fit. Laws of N and D (one row per run: N, D or C, loss):\n");
    for law in RUN_LAWS {
        help.push_str(&format!("  {:<12} {}\n", law.key(), law.label()));
    }
    help.push_str("Laws with their own tables:\n");
    for law in TABLE_LAWS {
        help.push_str(&format!("  {:<12} {}\n", law.key(), law.help()));
    }
    help.trim_end().to_string()
}

fn number(flag: &str, text: &str) -> Result<f64, String> {
    parse_number(text).map_err(|e| format!("--{flag} {e}"))
}

fn request(args: &FitArgs) -> Result<FitRequest, String> {
    let data = std::fs::read(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let data = String::from_utf8(data).map_err(|_| format!("{} is not UTF-8 text", args.file.display()))?;
    Ok(FitRequest {
        data,
        columns: ColumnNames {
            n: args.n.clone().unwrap_or_default(),
            d: args.d.clone().unwrap_or_default(),
            c: args.c.clone().unwrap_or_default(),
            loss: args.loss.clone().unwrap_or_default(),
            run: args.run.clone().unwrap_or_default(),
            weight: args.weights.clone().unwrap_or_default(),
            group: args.group.clone().unwrap_or_default(),
        },
        skip_bad_rows: args.skip_bad_rows,
        law: args.law.clone(),
        compare: args.compare,
        delta: number("delta", &args.delta)?,
        search: Search::parse(&args.search).ok_or_else(|| format!("--search \"{}\" is not one of auto, profile, grid", args.search))?,
        grid: args.grid.clone(),
        drop_top: args.drop_top,
        exclude: parse_exclude(&args.exclude).map_err(|e| format!("--exclude: {e}"))?,
        bootstrap: args.bootstrap,
        seed: args.seed,
        holdout: Some(args.holdout),
        iso_tolerance: number("tolerance", &args.tolerance)?,
        budget: args.budget.as_deref().map(|b| number("budget", b)).transpose()?,
        at: parse_at(&args.at.join(";")).map_err(|e| format!("--at: {e}"))?,
        rolling: args.rolling,
        asymmetry: number("asymmetry", &args.asymmetry)?,
        tie_exponents: args.tie_exponents,
        fix: parse_fix(&args.fix.join(",")).map_err(|e| format!("--fix: {e}"))?,
        baseline: args.baseline.clone(),
    })
}

fn json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    say!("{}", serde_json::to_string_pretty(value).map_err(|e| e.to_string())?);
    Ok(())
}

fn law_fit_args(args: &FitArgs) -> Result<scalecalc::core::laws::LawFitArgs, String> {
    let named = [
        ("n", &args.n), ("d", &args.d), ("c", &args.c), ("loss", &args.loss), ("run", &args.run),
        ("step", &args.step), ("lr", &args.lr), ("curve", &args.curve), ("u", &args.u),
    ];
    Ok(scalecalc::core::laws::LawFitArgs {
        columns: named.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone()))).collect(),
        lambda: args.lambda.as_deref().map(|l| number("lambda", l)).transpose()?,
        warmup: args.warmup,
        delta: number("delta", &args.delta)?,
        bootstrap: args.bootstrap,
        seed: args.seed,
        skip_bad_rows: args.skip_bad_rows,
        predict: args
            .predict
            .as_ref()
            .map(|p| std::fs::read_to_string(p).map_err(|e| format!("--predict: cannot read {}: {e}", p.display())))
            .transpose()?,
    })
}

/// Runs `scalecalc fit`.
pub fn fit(args: &FitArgs) -> Result<(), Failure> {
    if let Some(law) = scalecalc::core::laws::table_law(&args.law) {
        let data = std::fs::read(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
        let data = String::from_utf8(data).map_err(|_| format!("{} is not UTF-8 text", args.file.display()))?;
        let out = law.fit_table(&data, &law_fit_args(args)?).map_err(|e| e.to_string())?;
        if args.json {
            return json(&out);
        }
        say!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let req = request(args)?;
    match args.method {
        Method::Parametric => {
            let report = tasks::run_all(&req, &mut |_| {}).map_err(|e| e.to_string())?;
            if let Some(path) = &args.python {
                let script = scalecalc::core::analysis::export::python_script(&report).map_err(|e| e.to_string())?;
                std::fs::write(path, script).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            if args.json {
                json(&report)
            } else {
                print_report(&report)
            }
        }
        Method::Isoflop | Method::Envelope => {
            let prep = prepare(&FitRequest { law: "power-c".into(), holdout: Some(0), ..req.clone() }).map_err(|e| e.to_string())?;
            let value = if args.method == Method::Isoflop {
                let fit = fit_isoflop(&prep.runs, &IsoflopOptions { tolerance_log10: req.iso_tolerance, ..IsoflopOptions::default() })
                    .map_err(|e| e.to_string())?;
                serde_json::json!({ "method": "isoflop", "points": prep.runs.len(), "fit": fit })
            } else {
                let fit = fit_envelope(&prep.runs, &EnvelopeOptions::default()).map_err(|e| e.to_string())?;
                serde_json::json!({ "method": "envelope", "points": prep.runs.len(), "fit": fit })
            };
            if args.json {
                json(&value)
            } else {
                let fit = &value["fit"];
                for (what, key) in [("N_opt", "n_law"), ("D_opt", "d_law")] {
                    if let (Some(a), Some(k)) = (fit[key]["exponent"].as_f64(), fit[key]["coef"].as_f64()) {
                        say!("{what} = {} · C^{}", format_sci(k, 4), format_sig(a, 4));
                    }
                }
                for w in fit["warnings"].as_array().into_iter().flatten() {
                    say!("warning: {}", w.as_str().unwrap_or_default());
                }
                Ok(())
            }
        }
    }
}

fn print_report(r: &FitReport) -> Result<(), Failure> {
    say!("{}  ({} runs, objective {})", r.label, r.points, format_sig(r.objective, 10));
    for option in &r.options {
        say!("  with {option}");
    }
    for (name, value) in &r.params {
        let ci = r.ci.as_ref().and_then(|c| c.get(name));
        let held = r.held.get(name).map_or(String::new(), |h| format!("   ({h})"));
        match ci {
            Some(iv) => say!("  {name:8} {:>12}   95% CI {} – {}{held}", format_sig(*value, 5), format_sig(iv.lo, 4), format_sig(iv.hi, 4)),
            None => say!("  {name:8} {:>12}{held}", format_sig(*value, 5)),
        }
    }
    if let Some(j) = &r.joint {
        let shared: Vec<String> = j.shared.iter().map(|(k, v)| format!("{k} {}", format_sig(*v, 4))).collect();
        say!("joint fit of the variants in column \"{}\" (shared {}; objective {}):", j.column, shared.join(", "), format_sig(j.objective, 10));
        for v in &j.variants {
            let params: Vec<String> = v.params.iter().filter(|(k, _)| !j.shared.contains_key(*k)).map(|(k, x)| format!("{k} {}", format_sig(*x, 5))).collect();
            let m = match (v.multiplier, v.ci) {
                (Some(m), Some(ci)) => format!("{}× ({}–{}×)", format_sig(m, 3), format_sig(ci.lo, 3), format_sig(ci.hi, 3)),
                (Some(m), None) => format!("{}×", format_sig(m, 3)),
                _ => "–".into(),
            };
            say!("  {:<12} {:>4} runs  {}  compute worth {m} of {} at {} FLOP", v.name, v.runs, params.join(", "), j.baseline, format_sci(j.compute, 3));
        }
    }
    if let Some(b) = &r.budget {
        say!("at {} FLOP: N* {}, D* {}, L* {}", format_sci(b.compute, 3), format_count(b.n, 3), format_count(b.d, 3), format_sig(b.loss, 4));
    }
    let iv = |p: Option<[f64; 2]>| p.map_or("–".to_string(), |[lo, hi]| format!("{} – {}", format_sig(lo, 4), format_sig(hi, 4)));
    for a in &r.at {
        say!(
            "at N {}, D {}: loss {}; 95% CI of the law {}; 95% interval for one run {}",
            format_count(a.n, 3),
            format_count(a.d, 3),
            format_sig(a.loss, 5),
            iv(a.ci),
            iv(a.prediction_interval)
        );
    }
    if let Some(p) = &r.profile {
        say!("{}", p.summary);
    }
    for line in r.rolling.iter().flat_map(|r| &r.summary) {
        say!("{line}");
    }
    if let Some(h) = &r.holdout {
        say!("held out {} largest-compute runs: RMSE of log-loss {}, mean |error| {}%", h.k, format_sig(h.rmse_log, 3), format_sig(100.0 * h.mean_abs_rel_error, 3));
    }
    if r.comparison.len() > 1 {
        say!("{:12} {:>4} {:>12} {:>10} {:>10} {:>10} {:>12}", "law", "k", "objective", "RMSE log", "AIC", "BIC", "held-out");
        for c in &r.comparison {
            let held = c.holdout_rmse_log.map_or("–".into(), |v| format_sig(v, 3));
            say!("{:12} {:>4} {:>12} {:>10} {:>10} {:>10} {:>12}", c.law, c.k, format_sig(c.objective, 5), format_sig(c.rmse_log, 3), format_sig(c.aic, 5), format_sig(c.bic, 5), held);
        }
    }
    for w in &r.warnings {
        say!("warning: {w}");
    }
    Ok(())
}

/// Options of `scalecalc bench-fit`.
#[derive(Args)]
pub struct BenchArgs {
    /// The runs (the Epoch file by default in `./build.sh bench`).
    file: std::path::PathBuf,
    /// Drop the K highest-loss runs.
    #[arg(long, default_value_t = 5)]
    drop_top: usize,
    /// Which L-BFGS: own (the default solver), argmin, or both.
    #[arg(long, default_value = "both")]
    optimizer: String,
    /// Bootstrap resamples to time after the fit.
    #[arg(long, default_value_t = 1000)]
    bootstrap: usize,
}

/// Runs `scalecalc bench-fit`: the profile search and the 4 500-start fit single-threaded, then
/// the bootstrap (warm-started at the profile's optimum); JSON lines.
pub fn bench(args: &BenchArgs) -> Result<(), Failure> {
    let data = std::fs::read_to_string(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let req = FitRequest { data, drop_top: args.drop_top, holdout: Some(0), bootstrap: args.bootstrap, ..FitRequest::default() };
    let prep = prepare(&req).map_err(|e| e.to_string())?;
    let points = prep.points();
    let model = RunsModel::new(prep.law.0, &points);
    let optimizers: Vec<(&str, Optimizer)> = match args.optimizer.as_str() {
        "own" => vec![("own", Optimizer::Own)],
        "argmin" => vec![("argmin", Optimizer::Argmin)],
        "both" => vec![("own", Optimizer::Own), ("argmin", Optimizer::Argmin)],
        other => return Err(format!("--optimizer: unknown \"{other}\" (own, argmin or both)").into()),
    };
    let mut best_theta = None;
    if let Some(projection) = prep.law.projection() {
        // The default search: the profile over the exponents, then L-BFGS from its basins.
        let t = Instant::now();
        let fit = profile::fit(&model, &projection, &points, &Default::default(), req.delta);
        let wall = t.elapsed().as_secs_f64();
        let Some((fit, surface)) = fit else { return Err("no finite fit".into()) };
        say!(
            "{}",
            serde_json::json!({ "what": "fit", "optimizer": "profile", "cells": surface.values.len(), "points": points.len(),
                "wall_s": wall, "objective": fit.best.value, "evaluations": fit.evaluations,
                "params": named(&*prep.law, &fit.best.theta) })
        );
        best_theta = Some(fit.best.theta);
    }
    for (name, optimizer) in optimizers {
        let t = Instant::now();
        let fit = Multistart::new(&model, req.delta, prep.grid.clone()).with_optimizer(optimizer).finish();
        let wall = t.elapsed().as_secs_f64();
        let Some(fit) = fit else { return Err("no finite fit".into()) };
        say!(
            "{}",
            serde_json::json!({ "what": "fit", "optimizer": name, "starts": fit.starts, "points": points.len(),
                "wall_s": wall, "objective": fit.best.value, "evaluations": fit.evaluations,
                "params": named(&*prep.law, &fit.best.theta) })
        );
        if best_theta.is_none() {
            best_theta = Some(fit.best.theta);
        }
    }
    if let (Some(theta), true) = (best_theta, args.bootstrap > 0) {
        let t = Instant::now();
        let samples = bootstrap::resamples(&model, &theta, req.delta, req.seed, 0, args.bootstrap);
        let wall = t.elapsed().as_secs_f64();
        let failed = samples.iter().filter(|s| s.is_none()).count();
        say!("{}", serde_json::json!({ "what": "bootstrap", "resamples": args.bootstrap, "failed": failed, "wall_s": wall }));
    }
    Ok(())
}
