//! The inference-aware sizing chart: training and lifetime FLOPs against model size along the iso-loss curve.

use super::*;

/// Draws one of [`CHARTS`]: total FLOPs against N along the iso-loss curve, for no inference and
/// for the typed inference tokens, each optimum marked.
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
    let Some(r) = read(fields, budget, &mut scratch) else {
        return draw_message(area, style, "Enter valid inference tokens and a target loss.");
    };
    let Ok(result) = solve(fields, budget, session, &r) else {
        return draw_message(area, style, "This loss cannot be reached under this law.");
    };
    let law = budget.law.law();
    let (c, b) = (result.chinchilla, result.best);
    let x_lo = result.n_min * 1.05;
    let x_hi = (c.n * 4.0).max(x_lo * 10.0);
    let ns = log_space(x_lo, x_hi, 300);
    let along = |d_inf: f64| -> Vec<(f64, f64)> {
        ns.clone().filter_map(|n| on_iso_loss(law, r.target, d_inf, n)).map(|s| (s.n, s.total_flop())).collect()
    };
    let (train, total) = (along(0.0), along(r.d_inf));
    let y_min = c.train_flop.min(b.total_flop());
    let y_max = c.total_flop().max(b.total_flop());
    let (y_lo, y_hi) = decades(y_min / 2.0, y_max * 8.0);
    let (x_lo, x_hi) = decades(x_lo, x_hi);
    let clip = |line: &[(f64, f64)]| -> Vec<(f64, f64)> {
        line.iter().copied().filter(|&(x, y)| y >= y_lo && y <= y_hi && x >= x_lo && x <= x_hi).collect()
    };

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Lifetime FLOPs at the target loss" } else { "Training + inference FLOPs along the iso-loss curve" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: n_axis_desc(budget), labels: decade_labels(x_lo, x_hi, narrow), format: &|v| format_count(*v, 2) },
        Axis { desc: "FLOPs".into(), labels: decade_labels(y_lo, y_hi, false), format: &|v| format_sci(*v, 2) },
    )?;

    let (muted, accent) = (style.muted(), style.accent());
    let width = |w: f64| style.px(w).max(1) as u32;
    chart.draw_series(LineSeries::new(clip(&train), muted.stroke_width(width(2.0))))?;
    chart.draw_series(LineSeries::new(clip(&total), accent.stroke_width(width(2.5))))?;
    let dot = |x: f64, y: f64, col: RGBColor| Circle::new((x, y), style.px(4.5), col.filled());
    chart.draw_series([dot(c.n, c.train_flop, muted), dot(b.n, b.total_flop(), accent)])?;
    // The inference-aware optimum is left of (smaller than) the Chinchilla one: label outwards.
    chart.draw_series([
        Text::new(
            format!("{} (no inference)", format_count(c.n, 3)),
            (c.n * 1.12, c.train_flop * 0.92),
            style.anchored(11.0, HPos::Left, VPos::Top).color(&muted),
        ),
        Text::new(
            format!("{} optimum", format_count(b.n, 3)),
            (b.n / 1.12, b.total_flop() * 0.92),
            style.anchored(11.0, HPos::Right, VPos::Top).color(&accent),
        ),
    ])?;
    let entries = [
        (if narrow { "Training only" } else { "Training only (no inference)" }.to_string(), Mark::Line(muted, 2.0)),
        (format!("Training + {} inference tokens", format_count(r.d_inf, 3)), Mark::Line(accent, 2.5)),
    ];
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, Corner::UpperRight, style)
}
