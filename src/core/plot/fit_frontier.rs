//! Fit chart: compute-optimal model size from the user's runs by the three approaches of
//! Hoffmann et al. (2022) — the envelope (1), IsoFLOP optima (2) and the fitted law (3).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::colour::{band_color, blend, tone};
use super::elements::{band_label, draw_budget_line, BAND_POINTS, draw_point_label, draw_wrapped_message, quantile_band, sample_laws};
use super::layout::{line_span, log_range, min_max, place_legend, usable, Obstacles};
use super::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use super::legend::Mark;
use super::{log_space, ChartError, ChartStyle, Theme};
use crate::core::allocate::optimum;
use crate::core::fit::isoflop::GroupStatus;
use crate::core::fit::regression::PowerLaw;
use crate::core::analysis::report::FitReport;
use crate::core::analysis::request::law_from_key;
use crate::core::units::{format_count, format_sci, format_sig};

/// Draws N_opt against compute: the IsoFLOP optima with their power law (Approach 2), the
/// envelope's optima with theirs (Approach 1), the fitted law's N*(C) with its 95 % bootstrap
/// band (Approach 3), the runs themselves faintly, and the budget.
///
/// When none of the three approaches has a result, a message says why.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_fit_frontier<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &FitReport,
    budget: Option<f64>,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let budget = budget.filter(|b| usable(*b));
    let both = |p: &(f64, f64)| usable(p.0) && usable(p.1);
    let iso_points: Vec<(f64, f64)> = report
        .isoflop
        .iter()
        .flat_map(|f| f.groups.iter())
        .filter(|g| g.status == GroupStatus::Ok)
        .filter_map(|g| g.n_opt.map(|n| (g.compute, n)))
        .filter(both)
        .collect();
    let iso_law = report.isoflop.as_ref().and_then(|f| f.n_law).filter(|l| good_law(l) && !iso_points.is_empty());
    let env_points: Vec<(f64, f64)> =
        report.envelope.iter().flat_map(|e| e.points.iter()).map(|p| (p.compute, p.n)).filter(both).collect();
    let env_law = report.envelope.as_ref().and_then(|e| e.n_law).filter(|l| good_law(l) && !env_points.is_empty());
    let law = report.fitted_law.as_ref();
    if iso_points.is_empty() && env_points.is_empty() && law.is_none() {
        return draw_wrapped_message(area, style, &why_nothing(report));
    }
    let runs: Vec<(f64, f64)> = report.residuals.iter().map(|r| (r.c, r.n)).filter(both).collect();

    let computes = runs.iter().chain(&iso_points).chain(&env_points).map(|p| p.0);
    let Some((c_min, c_max)) = min_max(computes) else {
        return draw_wrapped_message(area, style, "No runs with a positive compute to draw.");
    };
    let (line_lo, line_hi) = line_span(c_min, c_max, budget);
    let (x_lo, x_hi) = log_range(line_lo.min(c_min), line_hi);
    let xs: Vec<f64> = log_space(line_lo, line_hi, 200).collect();
    let power_line = |l: &PowerLaw| -> Vec<(f64, f64)> { xs.iter().map(|&c| (c, l.eval(c))).filter(both).collect() };
    let iso_line = iso_law.as_ref().map(power_line).unwrap_or_default();
    let env_line = env_law.as_ref().map(power_line).unwrap_or_default();
    let law_line: Vec<(f64, f64)> = law
        .iter()
        .flat_map(|l| xs.iter().filter_map(|&c| optimum(l.as_law(), c).ok().map(|a| (c, a.n))))
        .filter(both)
        .collect();
    let band = match (law, law_from_key(&report.law)) {
        (Some(_), Some(form)) => {
            let laws = sample_laws(report, form);
            let band_xs: Vec<f64> = log_space(line_lo, line_hi, BAND_POINTS).collect();
            quantile_band(&band_xs, &laws, |l, c| optimum(l.as_law(), c).ok().map(|a| a.n))
        }
        _ => Vec::new(),
    };

    // A line may extrapolate beyond the runs, but a degenerate fit (N* → 1) must not squash
    // them into a corner: lines widen the range by at most two decades.
    let data_n = min_max(runs.iter().chain(&iso_points).chain(&env_points).map(|p| p.1));
    let window = data_n.map_or((0.0, f64::INFINITY), |(lo, hi)| (lo / 100.0, hi * 100.0));
    let line_n = iso_line.iter().chain(&env_line).chain(&law_line).map(|p| p.1).filter(|n| *n >= window.0 && *n <= window.1);
    let Some((n_min, n_max)) = min_max(data_n.into_iter().flat_map(|(lo, hi)| [lo, hi]).chain(line_n)) else {
        return draw_wrapped_message(area, style, "No model sizes to draw.");
    };
    let (y_lo, y_hi) = log_range(n_min / 1.2, n_max * 1.2);

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Compute-optimal N from your runs" } else { "Compute-optimal model size from your runs" };
    let mut chart =
        builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
    let (x_format, y_format) = (|v: &f64| format_sci(*v, 2), |v: &f64| format_count(*v, 2));
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute C (FLOP)".into(), labels: decade_labels(x_lo, x_hi, narrow), format: &x_format },
        Axis { desc: "Parameters N".into(), labels: decade_labels(y_lo, y_hi, false), format: &y_format },
    )?;

    // The part of a line inside the chart (a straight line in log-log: no gaps to bridge).
    let clip = |line: &[(f64, f64)]| -> Vec<(f64, f64)> { line.iter().copied().filter(|p| p.1 >= y_lo && p.1 <= y_hi).collect() };
    let off_chart = |line: &[(f64, f64)]| if line.len() < 2 { " (off the chart)" } else { "" };
    let mut legend: Vec<(String, Mark)> = Vec::new();
    let mut obstacles = Obstacles::default();

    // Context first, so that every result is drawn over it.
    if !runs.is_empty() {
        let faint = blend(style.foreground(), style.background(), if style.theme == Theme::Dark { 0.3 } else { 0.4 });
        chart.draw_series(runs.iter().map(|&p| Circle::new(p, style.px(2.5), faint.filled())))?;
        legend.push(("Runs".to_string(), Mark::Dot(faint)));
        obstacles.add_points(&chart, runs.iter().copied());
    }

    // Approach 3: the fitted law with its band.
    if !band.is_empty() {
        super::elements::draw_band(&mut chart, &band, (y_lo, y_hi), style)?;
    }
    if !law_line.is_empty() {
        let line = clip(&law_line);
        chart.draw_series(LineSeries::new(line.iter().copied(), style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?;
        obstacles.add_line(&chart, &line);
        let exponent = law.and_then(|l| l.as_law().allocation_exponents()).map(|e| e.0).or_else(|| slope(&law_line));
        let name = if narrow { "Law" } else { "Fitted law" };
        let label = match exponent {
            Some(a) => format!("{name}: a = {}{}", format_sig(a, 2), off_chart(&line)),
            None => format!("{name}{}", off_chart(&line)),
        };
        legend.push((label, Mark::Line(style.foreground(), 2.0)));
        if !band.is_empty() {
            legend.push((band_label(narrow).to_string(), Mark::Line(band_color(style), 9.0)));
        }
    }

    // Approach 2: IsoFLOP optima.
    let iso_color = tone(style, 0.27, 0.55);
    let dashed = |line: &[(f64, f64)], color: RGBColor| {
        DashedLineSeries::new(line.to_vec(), style.px(7.0), style.px(4.0), color.stroke_width(style.px(1.75).max(1) as u32))
    };
    if !iso_points.is_empty() {
        if let (Some(l), false) = (iso_law, iso_line.is_empty()) {
            let line = clip(&iso_line);
            chart.draw_series(dashed(&line, iso_color))?;
            obstacles.add_line(&chart, &line);
            let name = if narrow { "IsoFLOP" } else { "IsoFLOP fit" };
            legend.push((format!("{name}: a = {}{}", format_sig(l.exponent, 2), off_chart(&line)), Mark::Dashed(iso_color, 1.75)));
        }
        chart.draw_series(iso_points.iter().map(|&p| Circle::new(p, style.px(4.5), iso_color.filled())))?;
        obstacles.add_points(&chart, iso_points.iter().copied());
        let at = legend.len() - usize::from(iso_law.is_some() && !iso_line.is_empty());
        let name = if narrow { "IsoFLOP opt." } else { "IsoFLOP optima" };
        legend.insert(at, (name.to_string(), Mark::Dot(iso_color)));
    }

    // Approach 1: the envelope of training curves.
    let env_color = tone(style, 0.62, 0.85);
    if !env_points.is_empty() {
        if let (Some(l), false) = (env_law, env_line.is_empty()) {
            let line = clip(&env_line);
            chart.draw_series(dashed(&line, env_color))?;
            obstacles.add_line(&chart, &line);
            let name = if narrow { "Envelope" } else { "Envelope fit" };
            legend.push((format!("{name}: a = {}{}", format_sig(l.exponent, 2), off_chart(&line)), Mark::Dashed(env_color, 1.75)));
        }
        let stroke = env_color.stroke_width(style.px(2.0).max(1) as u32);
        chart.draw_series(env_points.iter().map(|&p| Cross::new(p, style.px(4.0), stroke)))?;
        obstacles.add_points(&chart, env_points.iter().copied());
        let at = legend.len() - usize::from(env_law.is_some() && !env_line.is_empty());
        let name = if narrow { "Envelope opt." } else { "Envelope optima" };
        legend.insert(at, (name.to_string(), Mark::Cross(env_color)));
    }

    if let Some(b) = budget {
        draw_budget_line(&mut chart, b, (y_lo, y_hi), &mut obstacles, style)?;
        let n_at_budget = law
            .and_then(|l| optimum(l.as_law(), b).ok().map(|a| a.n))
            .or_else(|| iso_law.map(|l| l.eval(b)))
            .or_else(|| env_law.map(|l| l.eval(b)))
            .filter(|n| usable(*n) && *n >= y_lo && *n <= y_hi);
        if let Some(n) = n_at_budget {
            draw_point_label(&mut chart, (b, n), &format!("N* = {}", format_count(n, 3)), &mut obstacles, style)?;
        }
    }

    place_legend(&chart.plotting_area().strip_coord_spec(), &legend, &obstacles, style)
}

/// A power law worth drawing.
fn good_law(l: &PowerLaw) -> bool {
    usable(l.coef) && l.exponent.is_finite()
}

/// The log-log slope between a line's ends.
fn slope(line: &[(f64, f64)]) -> Option<f64> {
    let (&(c0, n0), &(c1, n1)) = (line.first()?, line.last()?);
    let s = (n1 / n0).ln() / (c1 / c0).ln();
    s.is_finite().then_some(s)
}

/// Why none of the three approaches gave a compute-optimal N.
fn why_nothing(report: &FitReport) -> String {
    let mut text = String::from("No compute-optimal model size to show.");
    if let Some(e) = &report.isoflop_error {
        // The first clause; the per-budget reasons are in the report's warnings.
        let e = e.split(": budget").next().unwrap_or(e);
        text.push_str(&format!(" {}.", capitalise(e)));
    }
    if report.fitted_law.is_none() {
        let name = report.label.split("  ").next().unwrap_or(&report.label);
        text.push_str(&format!(" A {} says nothing about model size; fit the Chinchilla or Kaplan law for that.", lower_first(name)));
    }
    text
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => std::iter::once(first.to_ascii_lowercase()).chain(chars).collect(),
        None => String::new(),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => std::iter::once(first.to_ascii_uppercase()).chain(chars).collect(),
        None => String::new(),
    }
}
