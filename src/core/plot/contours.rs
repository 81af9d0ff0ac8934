//! Chart (b): iso-loss contours over model size and tokens, with the efficient frontier and
//! the budget's iso-FLOP line — the classic Chinchilla picture.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::frame::{builder, decade_labels, draw_mesh, is_narrow, n_axis_desc, Axis};
use super::legend::{draw_legend, Corner, Mark};
use super::{decades, log_space, ChartError, ChartState, ChartStyle, Theme};
use crate::core::allocate::optimum;
use crate::core::laws::{overfit, LossLaw};
use crate::core::units::{format_count, format_sig};

/// Budget used to centre the chart while the user's budget is invalid.
const FALLBACK_COMPUTE: f64 = 5.76e23;

/// Draws iso-loss contours of the selected law over (N, D), the compute-optimal frontier, the
/// budget's iso-FLOP line D = C/6N, the optimum and (if set) the chosen model size.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_contours<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    state: &ChartState,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let law = state.law.law();
    let compute = state.compute.unwrap_or(FALLBACK_COMPUTE);
    let best = optimum(law, compute).map_err(|e| ChartError::NoOptimum(e.to_string()))?;
    let (x_lo, x_hi) = decades(best.n / 300.0, best.n * 300.0);
    let (y_lo, y_hi) = decades(best.d / 300.0, best.d * 300.0);

    let narrow = is_narrow(area, style);
    let mut chart = builder(area, style, "Iso-loss contours over model size and data", narrow)
        .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
    let count = |v: &f64| format_count(*v, 2);
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: n_axis_desc(state), labels: decade_labels(x_lo, x_hi, narrow), format: &count },
        Axis { desc: "Training tokens D".into(), labels: decade_labels(y_lo, y_hi, false), format: &count },
    )?;

    let mut levels = contour_levels(law, best.loss, (x_lo, x_hi), (y_lo, y_hi));
    let (l_min, l_max) = (levels.first().copied().unwrap_or(0.0), levels.last().copied().unwrap_or(1.0));
    let label_font = style.font(10.0);
    let label_gap = style.px(11.0);
    let mut placed_labels: Vec<(i32, i32)> = Vec::new();
    // The budget's own contour first, so its label always wins a place.
    crate::core::order::sort_by(&mut levels, |a, b| ((*a - best.loss).abs() >= 1e-12).cmp(&((*b - best.loss).abs() >= 1e-12)));
    for &level in &levels {
        let t = if l_max > l_min { (level - l_min) / (l_max - l_min) } else { 0.5 };
        let t = match style.theme {
            Theme::Light => 0.9 * t,
            Theme::Dark => 0.4 + 0.6 * t,
        };
        let is_budget = state.compute.is_some() && (level - best.loss).abs() < 1e-12;
        let color = if is_budget { style.foreground() } else { style.ramp(t) };
        let width = style.px(if is_budget { 2.25 } else { 1.25 }) as u32;
        for segment in contour_segments(law, level, (x_lo, x_hi), (y_lo, y_hi)) {
            let Some(&(lx, ly)) = segment.last() else { continue };
            chart.plotting_area().draw(&PathElement::new(segment, color.stroke_width(width.max(1))))?;
            // Skip a label that would sit on top of one already drawn.
            let (px, py) = chart.backend_coord(&(lx, ly));
            if placed_labels.iter().any(|&(x, y)| (x - px).abs() < label_gap * 3 && (y - py).abs() < label_gap) {
                continue;
            }
            placed_labels.push((px, py));
            chart.plotting_area().draw(&Text::new(
                format_sig(level, if is_budget { 4 } else { 3 }),
                (lx, ly),
                label_font.clone().color(&color).pos(plotters::style::text_anchor::Pos::new(HPos::Right, VPos::Bottom)),
            ))?;
        }
    }

    let frontier: Vec<(f64, f64)> = log_space(compute / 1e6, compute * 1e6, 120)
        .filter_map(|c| optimum(law, c).ok())
        .map(|a| (a.n, a.d))
        .filter(|(n, d)| (x_lo..=x_hi).contains(n) && (y_lo..=y_hi).contains(d))
        .collect();
    let accent = style.accent();
    let frontier_color = style.law_color(&state.law);
    chart.draw_series(LineSeries::new(frontier, frontier_color.stroke_width(style.px(2.5) as u32)))?;
    let mut legend = vec![("Efficient frontier".to_string(), Mark::Line(frontier_color, 2.5))];
    // Kaplan et al.'s data requirement: below this line a model overfits (eq. 4.4).
    let bound: Vec<(f64, f64)> = log_space(x_lo, x_hi, 60)
        .map(|n| (n, overfit::min_tokens(n)))
        .filter(|(_, d)| (y_lo..=y_hi).contains(d))
        .collect();
    if bound.len() >= 2 {
        let muted = style.muted();
        chart.draw_series(DashedLineSeries::new(bound, style.px(2.0), style.px(3.0), muted.stroke_width(style.px(1.5) as u32)))?;
        legend.push(("Overfitting bound (Kaplan)".to_string(), Mark::Dashed(muted, 1.5)));
    }
    if state.compute.is_some() {
        let iso: Vec<(f64, f64)> = log_space(x_lo, x_hi, 60)
            .map(|n| (n, compute / (6.0 * n)))
            .filter(|(_, d)| (y_lo..=y_hi).contains(d))
            .collect();
        let dash = accent.stroke_width(style.px(1.5) as u32);
        chart.draw_series(DashedLineSeries::new(iso, style.px(6.0), style.px(4.0), dash))?;
        legend.push(("Budget: C = 6ND".to_string(), Mark::Dashed(accent, 1.5)));
        chart.draw_series(std::iter::once(Circle::new((best.n, best.d), style.px(5.0), accent.filled())))?;
        legend.push((format!("Optimum, L* = {}", format_sig(best.loss, 4)), Mark::Dot(accent)));
        if let Some(n) = state.model_size {
            if let Some(d) = law.tokens_for_loss(n, best.loss) {
                if (x_lo..=x_hi).contains(&n) && (y_lo..=y_hi).contains(&d) {
                    let fg = style.foreground();
                    chart.draw_series(std::iter::once(Cross::new((n, d), style.px(6.0), fg.stroke_width(style.px(2.0) as u32))))?;
                    legend.push((format!("N = {} at the same loss", format_count(n, 3)), Mark::Cross(fg)));
                }
            }
        }
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}

/// About ten round loss levels spanning the chart, one of them exactly the budget's L*.
fn contour_levels(law: &dyn LossLaw, l_star: f64, x: (f64, f64), y: (f64, f64)) -> Vec<f64> {
    let l_low = law.loss(x.1, y.1);
    let l_high = law.loss(x.0, y.0).min(l_star + 4.0 * (l_star - l_low).max(1e-3));
    let raw = (l_high - l_low) / 10.0;
    if !(raw > 0.0) || !raw.is_finite() {
        return vec![l_star];
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let mut levels: Vec<f64> = (-40..=40)
        .map(|k| l_star + k as f64 * step)
        .filter(|l| *l > l_low && *l < l_high && *l > law.irreducible_loss())
        .collect();
    if !levels.iter().any(|l| (*l - l_star).abs() < 1e-12) {
        levels.push(l_star);
        levels.sort_by(f64::total_cmp);
    }
    levels
}

/// The contour L(N, D) = `level` inside the box, as polylines. D(N) falls as N grows and is
/// undefined (infinite) where N alone cannot reach the level, so each contour enters through the
/// top or left edge and leaves through the right or bottom; crossings are found by bisection.
fn contour_segments(law: &dyn LossLaw, level: f64, (x_lo, x_hi): (f64, f64), (y_lo, y_hi): (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    // Where a sample lies: -1 above the top (or undefined), 0 inside, 1 below the bottom.
    let d_of = |n: f64| law.tokens_for_loss(n, level).filter(|d| d.is_finite()).unwrap_or(f64::INFINITY);
    let zone = |d: f64| if d > y_hi { -1 } else if d < y_lo { 1 } else { 0 };
    let crossing = |a: f64, b: f64, edge: f64| {
        let (mut lo, mut hi) = (a.ln(), b.ln());
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if d_of(mid.exp()) > edge { lo = mid } else { hi = mid }
        }
        let n = (0.5 * (lo + hi)).exp();
        (n, edge)
    };
    let samples: Vec<(f64, f64)> = log_space(x_lo, x_hi, 400).map(|n| (n, d_of(n))).collect();
    let mut segments = Vec::new();
    let mut current = Vec::new();
    for pair in samples.windows(2) {
        let ((n0, d0), (n1, d1)) = (pair[0], pair[1]);
        let (z0, z1) = (zone(d0), zone(d1));
        if z0 == 0 && current.is_empty() {
            current.push((n0, d0));
        }
        if z0 != 0 && z1 != 0 && z0 == z1 {
            continue;
        }
        if z0 == -1 && z1 != -1 {
            current.push(crossing(n0, n1, y_hi));
        }
        if z1 == 1 && z0 != 1 {
            current.push(crossing(n0, n1, y_lo));
            segments.push(std::mem::take(&mut current));
            continue;
        }
        if z1 == 0 {
            current.push((n1, d1));
        }
    }
    if current.len() >= 2 {
        segments.push(current);
    }
    segments.into_iter().filter(|s| s.len() >= 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::presets::Preset;

    #[test]
    fn contour_points_lie_on_their_level_and_reach_the_edges() {
        for preset in Preset::ALL {
            let law = preset.law();
            let best = optimum(law, 1e22).unwrap();
            let x = decades(best.n / 300.0, best.n * 300.0);
            let y = decades(best.d / 300.0, best.d * 300.0);
            let levels = contour_levels(law, best.loss, x, y);
            assert!(levels.len() >= 4, "{preset:?}: {levels:?}");
            assert!(!contour_segments(law, best.loss, x, y).is_empty(), "{preset:?}: no budget contour");
            for level in levels {
                for segment in contour_segments(law, level, x, y) {
                    for &(n, d) in &segment {
                        let l = law.loss(n, d);
                        assert!((l - level).abs() < 1e-6 * level, "{preset:?}: L({n:e}, {d:e}) = {l} ≠ {level}");
                        assert!(d >= y.0 * (1.0 - 1e-9) && d <= y.1 * (1.0 + 1e-9));
                    }
                    // Each piece starts on the top or left edge and ends on the bottom or right edge.
                    let (first, last) = (segment[0], segment[segment.len() - 1]);
                    let near = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-3;
                    assert!(near(first.1, y.1) || near(first.0, x.0), "{preset:?} {level}: starts at {first:?}");
                    assert!(near(last.1, y.0) || near(last.0, x.1), "{preset:?} {level}: ends at {last:?}");
                }
            }
        }
    }
}
