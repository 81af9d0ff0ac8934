//! Elements the fit charts share: bootstrap bands, the budget line, labelled points and
//! wrapped messages.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colour::band_alpha;
use super::{ChartError, ChartStyle};
use super::layout::{Obstacles, Rect};
use crate::core::analysis::report::FitReport;
use crate::core::analysis::spec::FittedLaw;
use crate::core::fit::bootstrap::quantile;
use crate::core::laws::LawRef;
use crate::core::units::format_sci;

/// Most bootstrap samples a band is computed from.
const MAX_BAND_SAMPLES: usize = 200;
/// Points along a bootstrap band. Each costs an optimum per sample, most of a fit chart's
/// drawing time; on the charts' log axes 48 points over their few decades are segments of a
/// few pixels, as smooth to the eye as more.
pub(super) const BAND_POINTS: usize = 48;

/// The legend's name for a bootstrap band.
pub(super) fn band_label(narrow: bool) -> &'static str {
    if narrow {
        "95% band"
    } else {
        "95% bootstrap band"
    }
}

/// At most [`MAX_BAND_SAMPLES`] of the bootstrap's θ, evenly strided.
pub(super) fn subsample(samples: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let step = samples.len().div_ceil(MAX_BAND_SAMPLES).max(1);
    samples.iter().step_by(step).cloned().collect()
}

/// The laws of (at most [`MAX_BAND_SAMPLES`]) bootstrap samples.
pub(super) fn sample_laws(report: &FitReport, law: LawRef) -> Vec<FittedLaw> {
    subsample(&report.samples).iter().filter_map(|theta| FittedLaw::from_theta(law, theta)).collect()
}

/// A bootstrap band: (x, 2.5 %, 97.5 %) at each x.
pub(super) type Band = Vec<(f64, f64, f64)>;

/// The 2.5 and 97.5 % quantiles of `value` over `items` at each x: (x, lo, hi). Empty with
/// fewer than 10 items; x values where fewer than 10 give a finite value are skipped.
pub(super) fn quantile_band<T>(xs: &[f64], items: &[T], value: impl Fn(&T, f64) -> Option<f64>) -> Band {
    if items.len() < 10 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(xs.len());
    let mut v = Vec::with_capacity(items.len());
    for &x in xs {
        v.clear();
        v.extend(items.iter().filter_map(|t| value(t, x)).filter(|y| y.is_finite()));
        if v.len() < 10 {
            continue;
        }
        v.sort_by(f64::total_cmp);
        if let (Some(lo), Some(hi)) = (quantile(&v, 0.025), quantile(&v, 0.975)) {
            out.push((x, lo, hi));
        }
    }
    out
}

/// Fills a band (x, lo, hi), clipped to the y range.
pub(super) fn draw_band<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    band: &[(f64, f64, f64)],
    (y_lo, y_hi): (f64, f64),
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let clip = |y: f64| y.clamp(y_lo, y_hi);
    let mut outline: Vec<(f64, f64)> = band.iter().map(|&(x, _, hi)| (x, clip(hi))).collect();
    outline.extend(band.iter().rev().map(|&(x, lo, _)| (x, clip(lo))));
    chart.plotting_area().draw(&Polygon::new(outline, style.foreground().mix(band_alpha(style)).filled()))?;
    Ok(())
}

/// The budget as a dashed vertical line with its value written near the top, both recorded
/// as obstacles.
pub(super) fn draw_budget_line<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    budget: f64,
    (y_lo, y_hi): (f64, f64),
    obstacles: &mut Obstacles,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let accent = style.accent();
    chart.draw_series(DashedLineSeries::new(
        [(budget, y_lo), (budget, y_hi)],
        style.px(4.0),
        style.px(4.0),
        accent.stroke_width(style.px(1.25).max(1) as u32),
    ))?;
    let (px, _) = chart.backend_coord(&(budget, y_hi));
    let plot = chart.plotting_area().strip_coord_spec();
    let (_, by) = plot.get_base_pixel();
    let bottom = by + plot.dim_in_pixel().1 as i32;
    let (g, inset) = (style.px(4.0), style.px(4.0));
    let (top, bottom) = (by + inset, bottom - inset);
    let text = format!("Budget {}", format_sci(budget, 3));
    let candidates = [
        (px + g, top, HPos::Left, VPos::Top),
        (px - g, top, HPos::Right, VPos::Top),
        (px + g, bottom, HPos::Left, VPos::Bottom),
        (px - g, bottom, HPos::Right, VPos::Bottom),
    ];
    let rect = draw_label(&plot, &text, &candidates, obstacles, style)?;
    obstacles.rects.push(rect);
    let step = style.px(6.0).max(1) as usize;
    obstacles.points.extend((by..by + plot.dim_in_pixel().1 as i32).step_by(step).map(|y| (px, y, 1)));
    Ok(())
}

/// A dot on the budget line with its value beside it, where it covers the least; both are
/// recorded as obstacles.
pub(super) fn draw_point_label<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    at: (f64, f64),
    text: &str,
    obstacles: &mut Obstacles,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart.draw_series(std::iter::once(Circle::new(at, style.px(4.5), style.accent().filled())))?;
    let (px, py) = chart.backend_coord(&at);
    let plot = chart.plotting_area().strip_coord_spec();
    let g = style.px(7.0);
    let candidates = [
        (px - g, py + g, HPos::Right, VPos::Top),
        (px - g, py - g, HPos::Right, VPos::Bottom),
        (px + g, py + g, HPos::Left, VPos::Top),
        (px + g, py - g, HPos::Left, VPos::Bottom),
    ];
    let rect = draw_label(&plot, text, &candidates, obstacles, style)?;
    obstacles.rects.push(rect);
    obstacles.points.push((px, py, 3));
    Ok(())
}

/// Writes `text` in the accent colour at the first of the candidate anchors (backend pixels)
/// that lies inside `plot` and covers the least of `obstacles`. Returns its rectangle.
fn draw_label<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    text: &str,
    candidates: &[(i32, i32, HPos, VPos)],
    obstacles: &Obstacles,
    style: &ChartStyle,
) -> Result<Rect, ChartError>
where
    DB::ErrorType: 'static,
{
    let accent = style.accent();
    let font = style.font(11.0).color(&accent);
    let (tw, th) = plot.estimate_text_size(text, &font)?;
    let (tw, th) = (tw as i32, th as i32);
    let (bx, by) = plot.get_base_pixel();
    let (w, h) = plot.dim_in_pixel();
    let (right, bottom) = (bx + w as i32, by + h as i32);
    let rect = |&(x, y, hp, vp): &(i32, i32, HPos, VPos)| -> Rect {
        let x0 = match hp {
            HPos::Left => x,
            HPos::Center => x - tw / 2,
            HPos::Right => x - tw,
        };
        let y0 = match vp {
            VPos::Top => y,
            VPos::Center => y - th / 2,
            VPos::Bottom => y - th,
        };
        [(x0, y0), (x0 + tw, y0 + th)]
    };
    let inside = |r: &Rect| r[0].0 >= bx && r[1].0 <= right && r[0].1 >= by && r[1].1 <= bottom;
    let mut best: Option<(u32, Rect)> = None;
    for c in candidates {
        let r = rect(c);
        if !inside(&r) {
            continue;
        }
        let cost = obstacles.cost(r);
        if best.is_none_or(|(b, _)| cost < b) {
            best = Some((cost, r));
        }
    }
    // Nothing fits (a tiny canvas): the first candidate, pushed inside.
    let r = best.map(|b| b.1).unwrap_or_else(|| {
        let r = candidates.first().map_or([(bx, by), (bx + tw, by + th)], rect);
        let x0 = r[0].0.clamp(bx, (right - tw).max(bx));
        let y0 = r[0].1.clamp(by, (bottom - th).max(by));
        [(x0, y0), (x0 + tw, y0 + th)]
    });
    let local = (r[0].0 - bx, r[0].1 - by);
    plot.draw(&Text::new(text.to_string(), local, font.pos(Pos::new(HPos::Left, VPos::Top))))?;
    Ok(r)
}

/// A centred message, wrapped to the canvas width, instead of a chart.
pub(super) fn draw_wrapped_message<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &ChartStyle,
    text: &str,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let font = style.font(14.0);
    let (w, h) = area.dim_in_pixel();
    let max_w = (w as i32 - style.px(40.0)).max(style.px(100.0)) as u32;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if !line.is_empty() && area.estimate_text_size(&candidate, &font)?.0 > max_w {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    const MAX_LINES: usize = 8;
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        if let Some(last) = lines.last_mut() {
            last.push_str(" …");
        }
    }
    let row = style.px(20.0);
    let top = h as i32 / 2 - row * (lines.len() as i32 - 1) / 2;
    let centred = font.pos(Pos::new(HPos::Center, VPos::Center));
    for (i, line) in lines.into_iter().enumerate() {
        area.draw(&Text::new(line, (w as i32 / 2, top + row * i as i32), centred.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The band holds the central 95 % of the items at each x, and says nothing with too few.
    #[test]
    fn bands_are_central_quantiles() {
        let items: Vec<f64> = (0..=100).map(f64::from).collect();
        let band = quantile_band(&[1.0, 2.0], &items, |t, x| Some(t * x));
        assert_eq!(band.len(), 2);
        assert!((band[0].1 - 2.5).abs() < 1e-12 && (band[0].2 - 97.5).abs() < 1e-12, "{band:?}");
        assert!((band[1].1 - 5.0).abs() < 1e-12 && (band[1].2 - 195.0).abs() < 1e-12, "{band:?}");
        assert!(quantile_band(&[1.0], &items[..9], |t, _| Some(*t)).is_empty());
        // x values where too few items give a value are skipped.
        assert!(quantile_band(&[1.0], &items, |t, _| (*t < 5.0).then_some(*t)).is_empty());
    }

    #[test]
    fn subsamples_are_capped_and_evenly_strided() {
        let samples: Vec<Vec<f64>> = (0..1000).map(|i| vec![f64::from(i)]).collect();
        let sub = subsample(&samples);
        assert!(sub.len() <= MAX_BAND_SAMPLES && sub.len() >= MAX_BAND_SAMPLES / 2, "{}", sub.len());
        assert_eq!(sub[1][0] - sub[0][0], sub[2][0] - sub[1][0]);
        assert_eq!(subsample(&samples[..50]).len(), 50);
    }

    /// A long message wraps onto several lines inside a narrow chart rather than running off it.
    #[test]
    fn long_messages_wrap() {
        let style = ChartStyle::new(super::super::Theme::Light, 1.0);
        let text = "No runs with a positive compute and a loss to draw: paste runs with N, D or C and a loss.";
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (240, 200)).into_drawing_area();
            draw_wrapped_message(&area, &style, text).unwrap();
        }
        assert!(svg.matches("<text").count() >= 3, "{svg}");
    }
}
