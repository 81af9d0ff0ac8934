//! Chart (a): compute-optimal N* and D* against compute, one line pair per preset.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use super::legend::{draw_legend, Corner, Mark};
use super::{decades, log_space, ChartError, ChartState, ChartStyle};
use crate::core::allocate::{optimum, Allocation};
use crate::core::choice::LawChoice;
use crate::core::presets::Preset;
use crate::core::units::{format_count, format_sci};

/// Draws N* (solid) and D* (dashed) against C for every preset, the selected one bold,
/// with the user's budget marked.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_allocation<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    state: &ChartState,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let (mut c_lo, mut c_hi) = (1e18f64, 1e27f64);
    if let Some(c) = state.compute {
        c_lo = c_lo.min(c / 10.0);
        c_hi = c_hi.max(c * 10.0);
    }
    let (c_lo, c_hi) = decades(c_lo, c_hi);
    let mut choices: Vec<LawChoice> = Preset::ALL.into_iter().map(LawChoice::Preset).collect();
    if let LawChoice::Fit(_) = state.law {
        choices.insert(0, state.law.clone());
    }
    let frontiers: Vec<(LawChoice, Vec<Allocation>)> = choices
        .into_iter()
        .map(|p| {
            let line = log_space(c_lo, c_hi, 80).filter_map(|c| optimum(p.law(), c).ok()).collect();
            (p, line)
        })
        .collect();
    let ys = frontiers.iter().flat_map(|(_, line)| line.iter().flat_map(|a| [a.n, a.d]));
    let (y_min, y_max) = ys.fold((f64::MAX, f64::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let (y_lo, y_hi) = decades(y_min, y_max);

    let narrow = is_narrow(area, style);
    let mut chart = builder(area, style, "Compute-optimal N* (solid) and D* (dashed)", narrow)
        .build_cartesian_2d((c_lo..c_hi).log_scale(), (y_lo..y_hi).log_scale())?;
    let (x_format, y_format) = (|v: &f64| format_sci(*v, 2), |v: &f64| format_count(*v, 2));
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute C (FLOP)".into(), labels: decade_labels(c_lo, c_hi, narrow), format: &x_format },
        Axis { desc: "Parameters / tokens".into(), labels: decade_labels(y_lo, y_hi, false), format: &y_format },
    )?;

    let mut legend = Vec::new();
    for (preset, line) in &frontiers {
        let selected = *preset == state.law;
        let color = style.law_color(preset);
        let width = style.px(if selected { 2.75 } else { 1.25 }) as u32;
        let line_style = color.stroke_width(width.max(1));
        chart.draw_series(LineSeries::new(line.iter().map(|a| (a.compute, a.n)), line_style))?;
        legend.push((preset.label().to_string(), Mark::Line(color, if selected { 2.75 } else { 1.5 })));
        chart.draw_series(DashedLineSeries::new(
            line.iter().map(|a| (a.compute, a.d)),
            style.px(7.0),
            style.px(4.0),
            line_style,
        ))?;
    }

    if let Some(c) = state.compute {
        let accent = style.accent();
        chart.draw_series(DashedLineSeries::new(
            [(c, y_lo), (c, y_hi)],
            style.px(4.0),
            style.px(4.0),
            accent.stroke_width(style.px(1.25) as u32),
        ))?;
        if let Ok(a) = optimum(state.law.law(), c) {
            let r = style.px(4.5);
            chart.draw_series([a.n, a.d].map(|y| Circle::new((c, y), r, accent.filled())))?;
            let anchor = plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Top,
            );
            for (name, y) in [("N*", a.n), ("D*", a.d)] {
                chart.draw_series(std::iter::once(Text::new(
                    format!("{name} {}", format_count(y, 3)),
                    (c * 1.4, y),
                    style.font(11.0).color(&accent).pos(anchor),
                )))?;
            }
        }
    }

    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::LowerRight, style)
}
