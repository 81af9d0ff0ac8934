//! The fit charts rendered natively to SVG, wide and narrow, light and dark: readable tick
//! labels, the expected legend entries, text inside the canvas, and degenerate reports (few runs,
//! no bootstrap, a power law in C) that still draw. The SVGs go to target/fit-charts/.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::OnceLock;

use plotters::prelude::*;
use scalecalc::core::analysis::report::FitReport;
use scalecalc::core::analysis::request::FitRequest;
use scalecalc::core::analysis::plan::run_all;
use scalecalc::core::plot::{draw_fit_frontier, draw_fit_loss, draw_fit_profile, draw_fit_rolling, draw_residuals, ChartStyle, Theme};

/// The Epoch runs, read when the test runs (a missing file fails with its path).
fn epoch_csv() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/chinchilla_epoch/svg_extracted_data.csv");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}
const BUDGET: f64 = 5.76e23;
const SIZES: [(u32, u32); 2] = [(800, 500), (360, 300)];
const CHARTS: [&str; 5] = ["loss", "frontier", "residuals", "profile", "rolling"];

/// The Epoch data fitted by its profile, with a bootstrap and held-out runs.
fn epoch() -> &'static FitReport {
    static REPORT: OnceLock<FitReport> = OnceLock::new();
    REPORT.get_or_init(|| {
        run_all(
            &FitRequest {
                data: epoch_csv(),
                drop_top: 5,
                bootstrap: 100,
                rolling: true,
                holdout: Some(10),
                budget: Some(BUDGET),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap()
    })
}

/// Seven runs, all at 20 tokens per parameter: no IsoFLOP profiles, no bootstrap.
fn tiny() -> FitReport {
    let mut data = String::from("params,tokens,loss\n");
    for i in 0..7 {
        let n = 1e7 * 3f64.powi(i);
        let d = 20.0 * n;
        let loss = 1.82 + 482.0 / n.powf(0.35) + 2085.0 / d.powf(0.37) + 0.003 * (i as f64 * 1.3).sin();
        data.push_str(&format!("{n},{d},{loss}\n"));
    }
    run_all(&FitRequest { data, bootstrap: 0, compare: false, budget: Some(1e22), ..Default::default() }, &mut |_| {}).unwrap()
}

/// The Epoch data fitted by a power law in C with an irreducible term.
fn power_c() -> FitReport {
    run_all(
        &FitRequest {
            data: epoch_csv(),
            law: "power-c+e".into(),
            compare: false,
            drop_top: 5,
            bootstrap: 40,
            holdout: Some(10),
            budget: Some(BUDGET),
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap()
}

fn render(kind: &str, report: &FitReport, budget: Option<f64>, theme: Theme, size: (u32, u32)) -> String {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let style = ChartStyle::new(theme, 1.0);
        match kind {
            "loss" => draw_fit_loss(&area, report, budget, &style),
            "frontier" => draw_fit_frontier(&area, report, budget, &style),
            "profile" => draw_fit_profile(&area, report, &style),
            "rolling" => draw_fit_rolling(&area, report, &style),
            _ => draw_residuals(&area, report, &style),
        }
        .unwrap();
        area.present().unwrap();
    }
    svg
}

/// Writes an SVG where a person can look at it.
fn save(name: &str, svg: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fit-charts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
}

/// Every `<text>` element: its content and its x, y attributes.
fn texts(svg: &str) -> Vec<(String, f64, f64)> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let (attrs, rest) = t.split_once('>')?;
            let (content, _) = rest.split_once("</text>")?;
            let attr = |name: &str| -> Option<f64> {
                let start = attrs.find(&format!(" {name}=\""))? + name.len() + 3;
                attrs[start..].split('"').next()?.parse().ok()
            };
            Some((content.trim().to_string(), attr("x").unwrap_or(f64::NAN), attr("y").unwrap_or(f64::NAN)))
        })
        .collect()
}

/// Plotters escapes a few characters; the legend checks compare the raw text.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", "\"").replace("&apos;", "'")
}

fn check_readable(name: &str, svg: &str, size: (u32, u32)) {
    assert!(!svg.contains("NaN"), "{name}: NaN in the SVG");
    let labels = texts(svg);
    for (label, x, y) in &labels {
        assert!(!label.ends_with(".0"), "{name}: raw float label {label:?}");
        assert!(!label.contains("000000"), "{name}: unreadable label {label:?}");
        assert!(!label.contains("NaN") && !label.contains("inf"), "{name}: {label:?}");
        assert!(*x >= 0.0 && *x <= size.0 as f64 && *y >= 0.0 && *y <= size.1 as f64, "{name}: {label:?} at ({x}, {y})");
        // Tick labels (the only texts without spaces) are short numbers.
        if !label.contains(' ') {
            assert!(label.chars().count() <= 12, "{name}: long tick label {label:?}");
        }
    }
}

fn has(svg: &str, wanted: &str) -> bool {
    texts(svg).iter().any(|(t, _, _)| unescape(t) == wanted)
}

fn has_prefix(svg: &str, wanted: &str) -> bool {
    texts(svg).iter().any(|(t, _, _)| unescape(t).starts_with(wanted))
}

#[test]
fn fit_charts_are_readable_wide_and_narrow_light_and_dark() {
    let report = epoch();
    assert!(report.isoflop.is_some(), "{:?}", report.isoflop_error);
    assert!(!report.samples.is_empty());
    for kind in CHARTS {
        for theme in [Theme::Light, Theme::Dark] {
            for size in SIZES {
                let svg = render(kind, report, Some(BUDGET), theme, size);
                let name = format!("epoch-{kind}-{}x{}-{}", size.0, size.1, if theme == Theme::Light { "light" } else { "dark" });
                save(&name, &svg);
                check_readable(&name, &svg, size);
                assert!(texts(&svg).len() > 10, "{name}: only {} texts", texts(&svg).len());
            }
        }
    }
}

#[test]
fn legends_name_what_is_drawn() {
    let report = epoch();
    let loss = render("loss", report, Some(BUDGET), Theme::Light, (800, 500));
    for entry in ["Runs in the fit", "Held-out runs", "Fitted frontier L*(C)", "95% bootstrap band", "Budget 5.76e23"] {
        assert!(has(&loss, entry), "loss chart lacks {entry:?}: {:?}", texts(&loss));
    }
    assert!(has_prefix(&loss, "L* = "), "the budget's L* is not written");

    let frontier = render("frontier", report, Some(BUDGET), Theme::Light, (800, 500));
    for entry in ["Runs", "IsoFLOP optima", "95% bootstrap band", "Budget 5.76e23"] {
        assert!(has(&frontier, entry), "frontier chart lacks {entry:?}: {:?}", texts(&frontier));
    }
    for prefix in ["IsoFLOP fit: a = 0.", "Fitted law: a = 0.", "N* = "] {
        assert!(has_prefix(&frontier, prefix), "frontier chart lacks {prefix:?}: {:?}", texts(&frontier));
    }

    let profile = render("profile", report, None, Theme::Light, (800, 500));
    for entry in ["Bootstrap fits (resampled runs)", "Objective profile over (α, β): darker is better"] {
        assert!(has(&profile, entry), "profile chart lacks {entry:?}: {:?}", texts(&profile));
    }
    assert!(has_prefix(&profile, "Optimum α = 0.347, β = 0.367"), "{:?}", texts(&profile));
    let p = report.profile.as_ref().unwrap();
    assert!(p.summary.starts_with("The runs pin α to ±0.0") && p.summary.contains("No other basin"), "{}", p.summary);

    let rolling = render("rolling", report, None, Theme::Light, (800, 500));
    assert!(has(&rolling, "Rolling-forward validation: error beyond each fit"), "{:?}", texts(&rolling));
    assert!(has_prefix(&rolling, "fitted ≤ 8.3e19 FLOP (120 runs)"), "{:?}", texts(&rolling));
    let r = report.rolling.as_ref().unwrap();
    assert_eq!(r.cuts.len(), 4);
    for cut in &r.cuts {
        // Chinchilla's form extrapolates the Epoch runs well: every error within 6 %.
        assert!(cut.predictions.iter().all(|p| p.reach > 1.0 && p.error_pct.abs() < 6.0), "{cut:?}");
    }

    let residuals = render("residuals", report, None, Theme::Light, (800, 500));
    for entry in ["Runs in the fit", "Held-out runs (fit without them)", "Fitted − observed (%)", "0"] {
        assert!(has(&residuals, entry), "residuals chart lacks {entry:?}: {:?}", texts(&residuals));
    }
    // Symmetric around zero: the lowest and highest tick are opposite numbers.
    let ticks: Vec<f64> = texts(&residuals).iter().filter(|(t, x, _)| *x < 80.0 && !t.contains('e') && t.parse::<f64>().is_ok()).map(|(t, _, _)| t.parse().unwrap()).collect();
    let (lo, hi) = ticks.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert!(lo < 0.0 && hi > 0.0 && (lo + hi).abs() < 1e-9, "residual ticks {ticks:?}");
}

#[test]
fn without_a_budget_the_charts_still_draw() {
    let report = epoch();
    for kind in CHARTS {
        let svg = render(kind, report, None, Theme::Dark, (800, 500));
        check_readable(kind, &svg, (800, 500));
        assert!(!has_prefix(&svg, "Budget"), "{kind}: a budget is drawn without one");
    }
}

#[test]
fn a_tiny_report_without_bootstrap_draws() {
    let report = tiny();
    assert!(report.samples.is_empty() && report.isoflop.is_none());
    for kind in CHARTS {
        for size in SIZES {
            let svg = render(kind, &report, Some(1e22), Theme::Light, size);
            let name = format!("tiny-{kind}-{}x{}", size.0, size.1);
            save(&name, &svg);
            check_readable(&name, &svg, size);
            assert!(!has(&svg, "95% bootstrap band"), "{name}: a band without a bootstrap");
        }
    }
    let frontier = render("frontier", &report, Some(1e22), Theme::Light, (800, 500));
    assert!(has_prefix(&frontier, "Fitted law: a = "), "{:?}", texts(&frontier));
    assert!(!has(&frontier, "IsoFLOP optima"));
}

#[test]
fn a_power_law_in_compute_draws() {
    let report = power_c();
    assert!(report.fitted_law.is_none());
    for kind in CHARTS {
        for size in SIZES {
            let svg = render(kind, &report, Some(BUDGET), Theme::Dark, size);
            let name = format!("power-c-{kind}-{}x{}", size.0, size.1);
            save(&name, &svg);
            check_readable(&name, &svg, size);
        }
    }
    let loss = render("loss", &report, Some(BUDGET), Theme::Light, (800, 500));
    assert!(has(&loss, "Fitted L(C)"), "{:?}", texts(&loss));
    assert!(has(&loss, "95% bootstrap band"), "{:?}", texts(&loss));
    // The data form IsoFLOP profiles, so Approach 2 is drawn without a fitted law of N and D.
    let frontier = render("frontier", &report, Some(BUDGET), Theme::Light, (800, 500));
    assert!(has(&frontier, "IsoFLOP optima"), "{:?}", texts(&frontier));
    assert!(!has_prefix(&frontier, "Fitted law"), "{:?}", texts(&frontier));
}

#[test]
fn nothing_to_draw_gives_a_reason() {
    let mut report = tiny();
    report.fitted_law = None;
    report.law = "power-c+e".into();
    report.label = "Power law in C  L = E + A/C^α".into();
    for size in SIZES {
        let svg = render("frontier", &report, None, Theme::Light, size);
        let name = format!("nothing-frontier-{}x{}", size.0, size.1);
        save(&name, &svg);
        check_readable(&name, &svg, size);
        assert!(has_prefix(&svg, "No compute-optimal model size"), "{:?}", texts(&svg));
    }
}

/// Training curves of six model sizes (Chinchilla-like losses, every curve to 40 tokens per
/// parameter): the envelope (Approach 1) has points.
fn curves() -> FitReport {
    let mut data = String::from("run,params,tokens,loss\n");
    for i in 0..6 {
        let n = 2e7 * 2.5f64.powi(i);
        for k in 0..24 {
            let d = 1e8 * 1.5f64.powi(k);
            if d > 40.0 * n {
                break;
            }
            let loss = 1.82 + 482.0 / n.powf(0.35) + 2085.0 / d.powf(0.37);
            data.push_str(&format!("m{i},{n},{d},{loss}\n"));
        }
    }
    run_all(&FitRequest { data, bootstrap: 30, compare: false, budget: Some(1e22), ..Default::default() }, &mut |_| {}).unwrap()
}

#[test]
fn training_curves_show_the_envelope() {
    let report = curves();
    assert!(report.envelope.is_some(), "{:?}", report.envelope_error);
    for size in SIZES {
        let svg = render("frontier", &report, Some(1e22), Theme::Light, size);
        let name = format!("curves-frontier-{}x{}", size.0, size.1);
        save(&name, &svg);
        check_readable(&name, &svg, size);
    }
    let svg = render("frontier", &report, Some(1e22), Theme::Light, (800, 500));
    assert!(has(&svg, "Envelope optima"), "{:?}", texts(&svg));
    assert!(has_prefix(&svg, "Envelope fit: a = "), "{:?}", texts(&svg));
}

#[test]
fn charts_scale_for_high_density_screens() {
    let report = epoch();
    for kind in CHARTS {
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (1600, 1000)).into_drawing_area();
            let style = ChartStyle::new(Theme::Light, 2.0);
            match kind {
                "loss" => draw_fit_loss(&area, report, Some(BUDGET), &style),
                "frontier" => draw_fit_frontier(&area, report, Some(BUDGET), &style),
                "profile" => draw_fit_profile(&area, report, &style),
                "rolling" => draw_fit_rolling(&area, report, &style),
                _ => draw_residuals(&area, report, &style),
            }
            .unwrap();
            area.present().unwrap();
        }
        let name = format!("epoch-{kind}-1600x1000-scale2");
        save(&name, &svg);
        check_readable(&name, &svg, (1600, 1000));
    }
}
