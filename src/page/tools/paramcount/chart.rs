//! The parameter-count chart: the local allocation exponent of non-embedding parameters against compute.

use super::*;

/// Draws one of [`CHARTS`]: the local exponent against non-embedding compute, with its large-
/// and small-scale limits, Kaplan's 0.73 and the budget marked.
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    _kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    _session: &mut Session,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let mut scratch = ToolView::default();
    let Some(g) = read_gamma(fields, &mut scratch) else {
        return draw_message(area, style, "Enter a valid vocabulary size and aspect ratio.");
    };
    let (law, _, _) = law_of(budget);
    let (x_lo, x_hi) = match budget.compute {
        Some(c) => (CHART_C.0.min(10f64.powf((c / 10.0).log10().floor())), CHART_C.1.max(10f64.powf((c * 10.0).log10().ceil()))),
        None => CHART_C,
    };
    let curve: Vec<(f64, f64)> = log_space(x_lo, x_hi, 240).filter_map(|c| local_exponent(&law, c, g).map(|e| (c, e))).collect();
    let (big, small) = (large_scale_exponent(&law), small_scale_exponent(&law));
    let top = curve.iter().map(|p| p.1).fold(small.max(KAPLAN_EXPONENT), f64::max);
    let (y_lo, y_hi) = (((big - 0.05) * 20.0).floor() / 20.0, ((top + 0.05) * 20.0).ceil() / 20.0);

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Local exponent d ln N*/d ln C" } else { "Local exponent d ln N*_\\E / d ln C_\\E (Pearce & Song)" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)?;
    draw_mesh(
        &mut chart,
        style,
        Axis {
            desc: "Non-embedding compute C_\\E = 6·N_\\E·D (FLOP)".into(),
            labels: decade_labels(x_lo, x_hi, true),
            format: &|v| format_sci(*v, 2),
        },
        Axis { desc: "Exponent".into(), labels: if narrow { 6 } else { 8 }, format: &|v| format_sig(*v, 3) },
    )?;
    let (muted, accent, line) = (style.muted(), style.accent(), style.foreground());
    let thin = style.px(1.25).max(1) as u32;
    for y in [big, small] {
        chart.draw_series(DashedLineSeries::new([(x_lo, y), (x_hi, y)], style.px(6.0), style.px(4.0), muted.stroke_width(thin)))?;
    }
    chart.draw_series(DashedLineSeries::new(
        [(x_lo, KAPLAN_EXPONENT), (x_hi, KAPLAN_EXPONENT)],
        style.px(2.0),
        style.px(3.0),
        muted.stroke_width(thin),
    ))?;
    let label_x = x_hi / 1.3;
    for (y, t, v) in [
        (big, format!("β/(α+β) = {}", format_sig(big, 3)), VPos::Top),
        (small, format!("β/(β+α/3) = {}", format_sig(small, 3)), if small > KAPLAN_EXPONENT { VPos::Bottom } else { VPos::Top }),
        (KAPLAN_EXPONENT, "Kaplan 0.73".to_string(), if small > KAPLAN_EXPONENT { VPos::Top } else { VPos::Bottom }),
    ] {
        let dy = if matches!(v, VPos::Top) { -0.006 } else { 0.006 };
        chart.draw_series([Text::new(t, (label_x, y + dy), style.anchored(11.0, HPos::Right, v).color(&muted))])?;
    }
    chart.draw_series(LineSeries::new(curve.iter().copied(), line.stroke_width(style.px(2.25).max(1) as u32)))?;
    if let Some((c, e)) = budget.compute.and_then(|c| local_exponent(&law, c, g).map(|e| (c, e))) {
        chart.draw_series([Circle::new((c, e), style.px(4.5), accent.filled())])?;
        chart.draw_series([Text::new(
            format!("{} at budget", format_sig(e, 3)),
            (c * 1.5, e + 0.008),
            style.anchored(11.0, HPos::Left, VPos::Bottom).color(&accent),
        )])?;
    }
    let label = if narrow { "Local exponent" } else { "Local exponent of N*_\\E" };
    draw_legend(&chart.plotting_area().strip_coord_spec(), &[(label.to_string(), Mark::Line(line, 2.25))], Corner::UpperRight, style)
}
