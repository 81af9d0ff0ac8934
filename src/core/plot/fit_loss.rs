//! Fit chart: the user's runs (loss against compute) with the fitted compute-optimal frontier
//! L*(C), its 95 % bootstrap band and the budget. Also the helpers the other fit charts share.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use super::legend::Mark;
use super::colour::{band_color, run_color};
use super::elements::{band_label, draw_band, BAND_POINTS, draw_budget_line, draw_point_label, draw_wrapped_message, quantile_band, sample_laws, subsample, Band};
use super::layout::{line_span, log_range, min_max, min_max_finite, place_legend, usable, Obstacles};
use super::{log_space, ChartError, ChartStyle, RunMark};
use crate::core::allocate::optimum;
use crate::core::fit::points::Point;
use crate::core::analysis::report::{predict, FitReport, Residual};
use crate::core::analysis::request::law_from_key;
use crate::core::units::{format_sci, format_sig};

/// Points along a fitted line.
const LINE_POINTS: usize = 200;

/// Draws every run's observed loss against its compute (held-out runs as crosses), the fitted
/// law's compute-optimal frontier L*(C) with its 95 % bootstrap band, and the budget.
///
/// For the power laws in C the fitted L(C) is drawn instead of the frontier; for other laws
/// without a frontier, only the runs.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_fit_loss<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &FitReport,
    budget: Option<f64>,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    draw_fit_loss_marked(area, report, budget, style).map(|_| ())
}

/// [`draw_fit_loss`], also drawing the runs the user excluded (hollow) and returning where
/// every run was drawn, so that a click on the chart finds it.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_fit_loss_marked<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &FitReport,
    budget: Option<f64>,
    style: &ChartStyle,
) -> Result<Vec<RunMark>, ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let runs: Vec<&Residual> = report.residuals.iter().filter(|r| usable(r.c) && r.loss.is_finite()).collect();
    let Some((c_min, c_max)) = min_max(runs.iter().map(|r| r.c)) else {
        return draw_wrapped_message(area, style, "No runs with a positive compute and a loss to draw.").map(|_| Vec::new());
    };
    let budget = budget.filter(|b| usable(*b));
    let (line_lo, line_hi) = line_span(c_min, c_max, budget);
    let (x_lo, x_hi) = log_range(line_lo.min(c_min), line_hi);

    let form = law_from_key(&report.law);
    let xs: Vec<f64> = log_space(line_lo, line_hi, LINE_POINTS).collect();
    let band_xs: Vec<f64> = log_space(line_lo, line_hi, BAND_POINTS).collect();
    let (curve, band, curve_label): (Vec<(f64, f64)>, Band, &str) = match (&report.fitted_law, form) {
        (Some(law), form) => {
            let curve = xs.iter().filter_map(|&c| optimum(law.as_law(), c).ok().map(|a| (c, a.loss))).collect();
            let laws = form.map(|f| sample_laws(report, f)).unwrap_or_default();
            let band = quantile_band(&band_xs, &laws, |l, c| optimum(l.as_law(), c).ok().map(|a| a.loss));
            (curve, band, "Fitted frontier L*(C)")
        }
        (None, Some(form)) if report.law.starts_with("power-c") => {
            let curve = xs.iter().filter_map(|&c| power_c(report, c).map(|l| (c, l))).collect();
            let thetas = subsample(&report.samples);
            let band = quantile_band(&band_xs, &thetas, |theta, c| {
                Some(predict(&*form, theta, &Point { ln_n: 0.0, ln_d: 0.0, ln_c: c.ln(), ln_loss: 0.0 }))
            });
            (curve, band, "Fitted L(C)")
        }
        _ => (Vec::new(), Vec::new(), ""),
    };
    let curve: Vec<(f64, f64)> = curve.into_iter().filter(|(_, l)| l.is_finite()).collect();

    let Some((d_min, d_max)) = min_max_finite(runs.iter().map(|r| r.loss)) else {
        return draw_wrapped_message(area, style, "No finite losses to draw.").map(|_| Vec::new());
    };
    // The fitted line may reach below the runs (it extrapolates) but not take over the chart.
    let d_span = (d_max - d_min).max(0.05 * d_max.abs()).max(1e-6);
    let (l_min, l_max) = match min_max_finite(curve.iter().map(|p| p.1)) {
        Some((lo, hi)) => (lo.max(d_min - d_span).min(d_min), hi.min(d_max + 0.25 * d_span).max(d_max)),
        None => (d_min, d_max),
    };
    // Room below the frontier's end for the budget's label.
    let pad = 0.06 * (l_max - l_min).max(1e-6);
    let (y_lo, y_hi) = (l_min - if budget.is_some() { 2.0 * pad } else { pad }, l_max + pad);

    let narrow = is_narrow(area, style);
    let caption = match (report.fitted_law.is_some(), curve.is_empty(), narrow) {
        (true, _, false) => "Your runs and the fitted frontier",
        (true, _, true) => "Runs and the fitted frontier",
        (false, false, _) => "Your runs and the fitted L(C)",
        (false, true, _) => "Your runs: loss against compute",
    };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)?;
    let (x_format, y_format) = (|v: &f64| format_sci(*v, 2), |v: &f64| format_sig(*v, 3));
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute C (FLOP)".into(), labels: decade_labels(x_lo, x_hi, narrow), format: &x_format },
        Axis { desc: "Loss".into(), labels: if narrow { 6 } else { 10 }, format: &y_format },
    )?;

    let mut legend = Vec::new();
    let mut obstacles = Obstacles::default();
    if !band.is_empty() {
        draw_band(&mut chart, &band, (y_lo, y_hi), style)?;
    }
    if !curve.is_empty() {
        // Cut where it leaves the chart (flattening it onto the edge would mislead).
        let clipped: Vec<(f64, f64)> = curve.iter().copied().filter(|&(_, l)| l >= y_lo && l <= y_hi).collect();
        chart.draw_series(LineSeries::new(clipped.iter().copied(), style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?;
        obstacles.add_line(&chart, &clipped);
        let label = match (narrow, report.fitted_law.is_some()) {
            (true, true) => "Frontier L*(C)",
            (true, false) => "L(C)",
            (false, _) => curve_label,
        };
        legend.push((label.to_string(), Mark::Line(style.foreground(), 2.0)));
        if !band.is_empty() {
            legend.push((band_label(narrow).to_string(), Mark::Line(band_color(style), 9.0)));
        }
    }

    let run_color = run_color(style);
    let accent = style.accent();
    let (kept, held): (Vec<&&Residual>, Vec<&&Residual>) = runs.iter().partition(|r| !r.held_out);
    if !kept.is_empty() {
        chart.draw_series(kept.iter().map(|r| Circle::new((r.c, r.loss), style.px(3.0), run_color.filled())))?;
        obstacles.add_points(&chart, kept.iter().map(|r| (r.c, r.loss)));
        legend.insert(0, ((if narrow { "Fitted runs" } else { "Runs in the fit" }).to_string(), Mark::Dot(run_color)));
    }
    if !held.is_empty() {
        let stroke = accent.stroke_width(style.px(2.0).max(1) as u32);
        chart.draw_series(held.iter().map(|r| Cross::new((r.c, r.loss), style.px(4.0), stroke)))?;
        obstacles.add_points(&chart, held.iter().map(|r| (r.c, r.loss)));
        let at = usize::from(!kept.is_empty());
        legend.insert(at, ((if narrow { "Held out" } else { "Held-out runs" }).to_string(), Mark::Cross(accent)));
    }
    let mut marks: Vec<RunMark> = runs
        .iter()
        .map(|r| {
            let (x, y) = chart.backend_coord(&(r.c, r.loss));
            RunMark { line: r.line, x, y, excluded: false }
        })
        .collect();
    // The runs the user excluded, where they fall inside the chart: hollow, to click back in.
    let excluded: Vec<&Residual> =
        report.excluded.iter().filter(|r| usable(r.c) && r.c >= x_lo && r.c <= x_hi && r.loss >= y_lo && r.loss <= y_hi).collect();
    if !excluded.is_empty() {
        let stroke = run_color.stroke_width(style.px(1.5).max(1) as u32);
        chart.draw_series(excluded.iter().map(|r| Circle::new((r.c, r.loss), style.px(3.5), stroke)))?;
        obstacles.add_points(&chart, excluded.iter().map(|r| (r.c, r.loss)));
        legend.push(((if narrow { "Excluded" } else { "Excluded (click to restore)" }).to_string(), Mark::Ring(run_color)));
        marks.extend(excluded.iter().map(|r| {
            let (x, y) = chart.backend_coord(&(r.c, r.loss));
            RunMark { line: r.line, x, y, excluded: true }
        }));
    }

    if let Some(b) = budget {
        draw_budget_line(&mut chart, b, (y_lo, y_hi), &mut obstacles, style)?;
        let at_budget = match &report.fitted_law {
            Some(law) => optimum(law.as_law(), b).ok().map(|a| a.loss),
            None if !curve.is_empty() => power_c(report, b),
            None => None,
        };
        if let Some(l) = at_budget.filter(|l| *l >= y_lo && *l <= y_hi) {
            let name = if report.fitted_law.is_some() { "L*" } else { "L" };
            draw_point_label(&mut chart, (b, l), &format!("{name} = {}", format_sig(l, 3)), &mut obstacles, style)?;
        }
    }

    place_legend(&chart.plotting_area().strip_coord_spec(), &legend, &obstacles, style)?;
    Ok(marks)
}

/// L(C) = E + A/C^α of a fitted power law in C (E = 0 without an irreducible term).
fn power_c(report: &FitReport, c: f64) -> Option<f64> {
    let param = |k: &str| report.params.get(k).copied();
    let l = param("E").unwrap_or(0.0) + param("A")? * c.powf(-param("alpha")?);
    l.is_finite().then_some(l)
}


