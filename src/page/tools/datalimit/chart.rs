//! Charts of the data-constrained tool: loss against model size with and without the cap, and the capped frontier.

use super::*;

/// Draws one of [`CHARTS`]: loss against model size along the budget's iso-FLOP line, with
/// unlimited data (base law) and with U unique tokens, both optima marked.
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    session: &mut Session,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if !CHARTS.contains(&kind) {
        return draw_message(area, style, "unknown chart");
    }
    let mut scratch = ToolView::default();
    let fit = fit_runs(fields, session);
    let (law, _) = chosen_law(fields, &fit, &mut scratch);
    let Some(unique) = read_unique(fields, &mut scratch) else {
        return draw_message(area, style, "Type a valid number of unique tokens U.");
    };
    let Some(compute) = budget.compute else {
        return draw_message(area, style, "Set a valid compute budget in the Budget panel.");
    };
    let plan = match plan_of(session, budget, &law, unique) {
        Some(Ok(p)) => p,
        Some(Err(e)) => return draw_message(area, style, &e),
        None => return draw_message(area, style, "Set a valid compute budget in the Budget panel."),
    };
    let narrow = is_narrow(area, style);
    if kind == "dl-frontier" {
        return draw_frontier(area, session, style, &law, unique, compute, &plan, narrow);
    }
    let (c, u) = (&plan.constrained, &plan.unconstrained);
    let centre = c.n.min(u.n).sqrt() * c.n.max(u.n).sqrt();
    let (lo, hi) = (centre / 300.0, (centre * 300.0).min(compute / 6.0));
    let capped = mu::CappedLaw { law, unique };
    // Keep the y range on the interesting part: up to a little above the optima.
    let floor = u.loss.min(c.loss);
    let top = floor + 3.0 * (c.loss - u.loss).max(0.02 * floor).max(0.05);
    let curve = |loss: &dyn Fn(f64, f64) -> f64| {
        log_space(lo, hi, 201).map(|n| (n, loss(n, compute / (6.0 * n)))).filter(|p| p.1.is_finite() && p.1 <= top).collect::<Vec<_>>()
    };
    let base_pts = curve(&|n, d| law.base.loss(n, d));
    let cap_pts = curve(&|n, d| capped.loss(n, d));
    let markers = [
        (format!("optimum, unlimited: N {}", format_count(u.n, 2)), (u.n, u.loss), style.series_color(0)),
        (
            format!("optimum with U: N {}, {} epochs", format_count(c.n, 2), format_sig(plan.epochs.max(0.0), 2)),
            (c.n, c.loss),
            style.accent(),
        ),
    ];
    let all = base_pts.iter().chain(&cap_pts).chain(markers.iter().map(|m| &m.1));
    let Some(((x_lo, x_hi), ys)) = bounds(all, (lo, hi)) else {
        return draw_message(area, style, "Nothing to draw for these inputs.");
    };
    let (y_lo, y_hi) = legend_room(area, style, 4, ys);
    let caption = if narrow { "Loss vs N at your budget".into() } else { format!("Loss vs model size at {} FLOP", format_sci(compute, 3)) };
    let mut chart = builder(area, style, &caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)?;
    let (x_format, y_format) = (|v: &f64| format_count(*v, 2), |v: &f64| format_sig(*v, 4));
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Parameters N (tokens D = C/6N)".into(), labels: decade_labels(x_lo, x_hi, narrow), format: &x_format },
        Axis { desc: "Predicted loss".into(), labels: if narrow { 5 } else { 7 }, format: &y_format },
    )?;
    let guide = if narrow { "D = U" } else { "D = U (left: repeating)" };
    draw_guide(&mut chart, compute / (6.0 * unique), (y_lo, y_hi), guide, style)?;
    chart.draw_series(DashedLineSeries::new(base_pts, style.px(7.0), style.px(4.0), line_style(style.series_color(0), style)))?;
    chart.draw_series(LineSeries::new(cap_pts, line_style(style.accent(), style)))?;
    let mut legend = vec![
        ("unlimited unique data".to_string(), Mark::Dashed(style.series_color(0), 2.0)),
        (format!("U = {} unique tokens", format_count(unique, 3)), Mark::Line(style.accent(), 2.0)),
    ];
    for (label, at, color) in markers {
        draw_marker(&mut chart, at, color, style)?;
        legend.push((label, Mark::Dot(color)));
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}

/// N and D that minimise loss against compute, with unlimited data and with U unique tokens.
fn draw_frontier<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    session: &mut Session,
    style: &ChartStyle,
    law: &DataConstrainedLaw,
    unique: f64,
    compute: f64,
    plan: &CappedPlan,
    narrow: bool,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = ((compute / 1e3).max(crate::core::allocate::MIN_COMPUTE), (compute * 1e2).min(crate::core::allocate::MAX_COMPUTE));
    let key = format!("{compute:e}|{unique:e}|{:e}|{:e}", law.rd_star, law.rn_star);
    let plans: Vec<CappedPlan> =
        session.memo("dl_frontier", key, || log_space(lo, hi, 41).filter_map(|c| mu::capped_optimum(law, c, unique).ok()).collect());
    let (n_color, d_color) = (style.series_color(0), style.series_color(1));
    let values = |p: &CappedPlan| [p.unconstrained.n, p.unconstrained.d, p.constrained.n, p.constrained.d];
    let lines = [
        ("N, unlimited data", n_color, true),
        ("D, unlimited data", d_color, true),
        ("N with U", n_color, false),
        ("D with U", d_color, false),
    ];
    let ys = plans.iter().flat_map(values).chain([unique, plan.constrained.d]);
    let Some(ys) = span(ys.filter(|y| *y > 0.0).map(f64::log10)) else {
        return draw_message(area, style, "Nothing to draw for these inputs.");
    };
    let (y_lo, y_hi) = legend_room(area, style, lines.len(), ys);
    let (y_lo, y_hi) = (10f64.powf(y_lo), 10f64.powf(y_hi));
    let caption = if narrow { "Best N, D vs compute".into() } else { format!("Best N and D with U = {} unique tokens", format_count(unique, 3)) };
    let mut chart = builder(area, style, &caption, narrow).build_cartesian_2d((lo..hi).log_scale(), (y_lo..y_hi).log_scale())?;
    let (x_format, y_format) = (|v: &f64| format_sci(*v, 2), |v: &f64| format_count(*v, 2));
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute C (FLOP)".into(), labels: decade_labels(lo, hi, narrow), format: &x_format },
        Axis { desc: "Parameters / tokens".into(), labels: decade_labels(y_lo, y_hi, narrow), format: &y_format },
    )?;
    draw_guide(&mut chart, compute, (y_lo, y_hi), "your budget", style)?;
    let mut legend = Vec::new();
    for (i, (label, color, dashed)) in lines.into_iter().enumerate() {
        let pts = plans.iter().map(|p| (p.unconstrained.compute, values(p)[i])).filter(|p| p.1 > 0.0 && p.1 <= y_hi);
        if dashed {
            chart.draw_series(DashedLineSeries::new(pts, style.px(7.0), style.px(4.0), line_style(color, style)))?;
            legend.push((label.to_string(), Mark::Dashed(color, 2.0)));
        } else {
            chart.draw_series(LineSeries::new(pts, line_style(color, style)))?;
            legend.push((label.to_string(), Mark::Line(color, 2.0)));
        }
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}
