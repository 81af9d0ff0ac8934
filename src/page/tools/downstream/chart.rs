//! The downstream chart: accuracy against loss — the pairs, the fitted sigmoid with its
//! bootstrap band, Gadre et al.'s exponential map, and the loss at the budget.

use super::*;
use crate::core::fit::bootstrap::quantile;
use crate::core::plot::frame::{builder, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::{draw_message, ChartError, ChartStyle};
use plotters::style::text_anchor::{HPos, VPos};

/// Draws one of [`CHARTS`].
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    _kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    session: &mut Session,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let mut scratch = ToolView::default();
    let Some(f) = fitted(fields, session, &mut scratch) else {
        return draw_message(area, style, "Paste (loss, accuracy) pairs to fit the map.");
    };
    let at = loss_at(fields, budget, &mut scratch).map(|(l, _)| l);
    let (mut x_lo, mut x_hi) = f.pairs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    if let Some(l) = at {
        x_lo = x_lo.min(l);
        x_hi = x_hi.max(l);
    }
    let pad = ((x_hi - x_lo) * 0.08).max(0.02);
    let (x_lo, x_hi) = (x_lo - pad, x_hi + pad);
    let xs: Vec<f64> = (0..=160).map(|i| x_lo + (x_hi - x_lo) * f64::from(i) / 160.0).collect();
    let s = f.fit.sigmoid;
    let band: Vec<(f64, f64, f64)> = if f.draws.len() >= 20 {
        xs.iter()
            .filter_map(|&x| {
                let mut v: Vec<f64> = f.draws.iter().map(|m| m.accuracy(x)).filter(|a| a.is_finite()).collect();
                v.sort_by(f64::total_cmp);
                Some((x, quantile(&v, 0.025)?, quantile(&v, 0.975)?))
            })
            .collect()
    } else {
        Vec::new()
    };
    let gadre: Vec<(f64, f64)> = f.gadre.as_ref().map_or_else(Vec::new, |(m, ..)| xs.iter().map(|&x| (x, 1.0 - m.error(x))).collect());
    let ys = f.pairs.iter().map(|p| p.1).chain(band.iter().flat_map(|b| [b.1, b.2])).chain(xs.iter().map(|&x| s.accuracy(x)));
    let (y_lo, y_hi) = ys.filter(|y| y.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let (y_lo, y_hi) = (((y_lo - 0.03) * 20.0).floor().max(0.0) / 20.0, ((y_hi + 0.03) * 20.0).ceil().min(20.0) / 20.0);

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Accuracy from loss" } else { "Task accuracy from loss: sigmoid (Bhagia) and exponential (Gadre)" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Loss".into(), labels: if narrow { 5 } else { 8 }, format: &|v| format_sig(*v, 3) },
        Axis { desc: "Accuracy".into(), labels: if narrow { 5 } else { 8 }, format: &|v| format!("{}%", format_sig(*v * 100.0, 3)) },
    )?;
    let (line, accent, muted) = (style.foreground(), style.accent(), style.muted());
    if !band.is_empty() {
        let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
        poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
        chart.draw_series([Polygon::new(poly, accent.mix(0.18).filled())])?;
    }
    let thin = style.px(1.5).max(1) as u32;
    // The exponential leaves the axes where it runs past the pairs' accuracies: draw it inside them
    // (it is monotonic, so what stays inside is one piece).
    let inside: Vec<(f64, f64)> = gadre.iter().copied().filter(|&(_, y)| (y_lo..=y_hi).contains(&y)).collect();
    if !inside.is_empty() {
        chart.draw_series(DashedLineSeries::new(inside, style.px(6.0), style.px(4.0), muted.stroke_width(thin)))?;
    }
    chart.draw_series(LineSeries::new(xs.iter().map(|&x| (x, s.accuracy(x))), accent.stroke_width(style.px(2.25).max(1) as u32)))?;
    chart.draw_series(f.pairs.iter().map(|&(l, a)| Circle::new((l, a), style.px(3.5), line.filled())))?;
    if let Some(l) = at {
        chart.draw_series(DashedLineSeries::new([(l, y_lo), (l, y_hi)], style.px(3.0), style.px(3.0), line.stroke_width(thin)))?;
        let label = if narrow { "at budget".to_string() } else { format!("{} % at L = {}", format_sig(s.accuracy(l) * 100.0, 3), format_sig(l, 4)) };
        chart.draw_series([Text::new(label, (l, y_hi - (y_hi - y_lo) * 0.03), style.anchored(11.0, HPos::Left, VPos::Top).color(&line))])?;
    }
    let mut legend = vec![("sigmoid (95 % band)".to_string(), Mark::Line(accent, 2.25)), ("your pairs".to_string(), Mark::Dot(line))];
    if !gadre.is_empty() {
        legend.push(("exponential".to_string(), Mark::Dashed(muted, 1.5)));
    }
    // Accuracy falls with loss: the lower left (low loss, low accuracy) is where no pair lies.
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::LowerLeft, style)
}
