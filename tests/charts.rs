//! The charts rendered natively to SVG: readable tick labels, every preset drawn, and no
//! chart fails for any budget in range.
#![cfg(not(target_arch = "wasm32"))]

use plotters::prelude::*;
use scalecalc::core::plot::ChartState;
use scalecalc::core::plot::{draw_allocation, draw_contours, draw_isoflop, ChartStyle, Theme};
use scalecalc::core::choice::LawChoice;
use scalecalc::core::presets::Preset;

fn render(kind: &str, state: &ChartState, theme: Theme) -> String {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (800, 500)).into_drawing_area();
        let style = ChartStyle::new(theme, 1.0);
        match kind {
            "allocation" => draw_allocation(&area, state, &style),
            "contours" => draw_contours(&area, state, &style),
            _ => draw_isoflop(&area, state, &style),
        }
        .unwrap();
        area.present().unwrap();
    }
    svg
}

/// The text content of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text").skip(1).filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")).map(|(s, _)| s.trim().to_string())).collect()
}

const CHARTS: [&str; 3] = ["allocation", "contours", "isoflop"];

#[test]
fn tick_labels_are_human_readable() {
    let state = ChartState { law: LawChoice::Preset(Preset::Epoch), compute: Some(5.76e23), model_size: Some(30e9), gpu: None };
    for name in CHARTS {
        let labels = texts(&render(name, &state, Theme::Light));
        assert!(labels.len() > 10, "{name}: only {} labels", labels.len());
        for label in &labels {
            assert!(!label.ends_with(".0"), "{name}: raw float label {label:?}");
            assert!(!label.contains("000000"), "{name}: unreadable label {label:?}");
            assert!(!label.contains("NaN") && !label.contains("inf"), "{name}: {label:?}");
        }
    }
    let allocation = texts(&render("allocation", &state, Theme::Light));
    assert!(allocation.iter().any(|l| l == "1e21"), "{allocation:?}");
    assert!(allocation.iter().any(|l| l == "10B"), "{allocation:?}");
    for preset in Preset::ALL {
        assert!(allocation.iter().any(|l| l == preset.label()), "legend lacks {}", preset.label());
    }
    let contours = texts(&render("contours", &state, Theme::Light));
    assert!(contours.iter().any(|l| l == "1.977"), "the budget's contour is not labelled: {contours:?}");
    assert!(contours.iter().any(|l| l.starts_with("N = 30B")), "the chosen model is not in the legend");
    assert!(contours.iter().any(|l| l == "Overfitting bound (Kaplan)"), "Kaplan's bound is not in the legend: {contours:?}");
}

#[test]
fn every_chart_draws_across_the_compute_range_and_laws() {
    for preset in Preset::ALL {
        for exp in [7, 12, 18, 21, 24, 27, 30, 34] {
            let state = ChartState { law: LawChoice::Preset(preset), compute: Some(10f64.powi(exp)), model_size: None, gpu: None };
            for name in CHARTS {
                for theme in [Theme::Light, Theme::Dark] {
                    let svg = render(name, &state, theme);
                    assert!(!svg.contains("NaN"), "{name} {preset:?} 1e{exp}: NaN in SVG");
                }
            }
        }
    }
}

#[test]
fn without_a_budget_charts_still_draw() {
    let state = ChartState { law: LawChoice::Preset(Preset::Kaplan), compute: None, model_size: None, gpu: None };
    let svg = render("isoflop", &state, Theme::Light);
    assert!(texts(&svg).iter().any(|t| t.contains("valid budget")));
    render("allocation", &state, Theme::Dark);
    render("contours", &state, Theme::Dark);
}
