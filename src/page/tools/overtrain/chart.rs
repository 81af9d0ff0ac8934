//! Charts of the over-training tool: the compute overhead and the loss against tokens per parameter, and the loss → downstream-error map.

use super::*;

/// Draws one of [`CHARTS`].
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
    let narrow = is_narrow(area, style);
    if kind == "ot-error" {
        return draw_error(area, fields, budget, session, style, narrow);
    }
    if !CHARTS.contains(&kind) {
        return draw_message(area, style, "unknown chart");
    }
    let Some(compute) = budget.compute else {
        return draw_message(area, style, "Set a valid compute budget in the Budget panel.");
    };
    let Some(ratio) = read_ratio(fields, Some(compute), &mut ToolView::default()) else {
        return draw_message(area, style, "Type a positive tokens-per-parameter M (or a model size N).");
    };
    let p = match plan(budget, ratio) {
        Some(Ok(p)) => p,
        Some(Err(e)) => return draw_message(area, style, &e),
        None => return draw_message(area, style, "Set a valid compute budget in the Budget panel."),
    };
    let law = budget.law.law();
    let m_star = p.optimal.tokens_per_param();
    let (lo, hi) = ratio_range(m_star, ratio);
    let user = style.accent();
    // The curve, extra lines (label, points, colour), the marked point and the chart's texts.
    let (curve, extra, marker, caption, (curve_label, y_desc), y_digits) =
        if kind == "ot-overhead" {
            let key = key_of(fields, &["ot_m", "ot_n"], &format!("{compute:e}|{}|{lo:e}|{hi:e}", budget.law.label()));
            let pts: Vec<(f64, f64)> = session.memo("ot_curve", key, || {
                log_space(lo, hi, 161)
                    .filter_map(|m| gadre::at_ratio(law, compute, m).ok().and_then(|q| q.compute_overhead.map(|o| (m, o * 100.0))))
                    .collect()
            });
            let user_over = p.compute_overhead.map(|o| o * 100.0);
            let top = user_over.unwrap_or(100.0).max(100.0) * 1.6;
            (
                pts.into_iter().filter(|q| q.1 <= top).collect::<Vec<_>>(),
                None,
                user_over.map(|o| (format!("your M = {}: +{}%", format_sig(ratio, 3), format_sig(o, 3)), (ratio, o))),
                if narrow { "Compute overhead vs M" } else { "Extra compute to reach L* at ratio M" },
                ("C_M / C* − 1", "Compute overhead (%)"),
                3,
            )
        } else {
            let top = p.optimal.loss + 4.0 * p.loss_overhead.max(0.01 * p.optimal.loss);
            let optimal = (format!("L* = {}", format_sig(p.optimal.loss, 4)), vec![(lo, p.optimal.loss), (hi, p.optimal.loss)]);
            (
                log_space(lo, hi, 161)
                    .map(|m| {
                        let (n, d) = gadre::split(compute, m);
                        (m, law.loss(n, d))
                    })
                    .filter(|q| q.1 <= top)
                    .collect(),
                Some(optimal),
                Some((format!("your M = {}: {}", format_sig(ratio, 3), format_sig(p.at_ratio.loss, 4)), (ratio, p.at_ratio.loss))),
                if narrow { "Loss vs M at your budget" } else { "Loss at your budget against M" },
                ("L(M) at equal compute", "Predicted loss"),
                4,
            )
        };
    let entries = 1 + usize::from(extra.is_some()) + usize::from(marker.is_some());
    let all = curve.iter().chain(extra.iter().flat_map(|e| &e.1)).chain(marker.iter().map(|m| &m.1));
    let Some(((x_lo, x_hi), (y_min, y_max))) = bounds(all, (lo, hi)) else {
        return draw_message(area, style, "Nothing to draw for these inputs.");
    };
    // The overhead's axis starts at zero.
    let y_min = if kind == "ot-overhead" { y_min.min(0.0) } else { y_min };
    let (y_lo, y_hi) = legend_room(area, style, entries, (y_min, y_max));
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)?;
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Tokens per parameter M = D/N".into(), labels: decade_labels(x_lo, x_hi, narrow), format: &|v| format_sig(*v, 2) },
        Axis { desc: y_desc.into(), labels: if narrow { 5 } else { 7 }, format: &|v| format_sig(*v, y_digits) },
    )?;
    draw_guide(&mut chart, m_star, (y_lo, y_hi), &format!("M* ≈ {}", format_sig(m_star, 2)), style)?;
    chart.draw_series(LineSeries::new(curve, line_style(style.series_color(0), style)))?;
    let mut legend = vec![(curve_label.to_string(), Mark::Line(style.series_color(0), 2.0))];
    if let Some((label, pts)) = extra {
        let green = style.series_color(2);
        chart.draw_series(DashedLineSeries::new(pts, style.px(7.0), style.px(4.0), line_style(green, style)))?;
        legend.push((label, Mark::Dashed(green, 2.0)));
    }
    if let Some((label, at)) = marker {
        draw_marker(&mut chart, at, user, style)?;
        legend.push((label, Mark::Dot(user)));
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}

/// Downstream error against loss: the map, the pasted pairs and the budget's optimum.
fn draw_error<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    session: &mut Session,
    style: &ChartStyle,
    narrow: bool,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (map, pairs) = error_map(fields, session, &mut ToolView::default());
    let Some(map) = map else {
        return draw_message(area, style, "Paste (loss, error) pairs or type ε, k and γ to see the loss → error map.");
    };
    let m = map.map();
    let at_budget = budget.compute.and_then(|c| allocate::optimum(budget.law.law(), c).ok()).map(|a| a.loss);
    let (mut lo, mut hi) = pairs.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    if let Some(l) = at_budget {
        lo = lo.min(l);
        hi = hi.max(l);
    }
    if !(lo < hi) {
        let c = if lo.is_finite() && lo < f64::MAX { lo } else { 3.0 };
        lo = c - 0.3;
        hi = c + 1.5;
    }
    let pad = 0.08 * (hi - lo);
    let (lo, hi) = ((lo - pad).max(1e-3), hi + pad);
    // Only where the map means an error rate (0–100 %).
    let curve: Vec<(f64, f64)> = (0..=120)
        .map(|i| lo + (hi - lo) * f64::from(i) / 120.0)
        .map(|l| (l, m.error(l) * 100.0))
        .filter(|p| (0.0..=100.0).contains(&p.1))
        .collect();
    let observed: Vec<(f64, f64)> = pairs.iter().map(|p| (p.0, p.1 * 100.0)).collect();
    let marker = at_budget.map(|l| (l, m.error(l) * 100.0)).filter(|p| p.1.is_finite());
    let entries = 1 + usize::from(!observed.is_empty()) + usize::from(marker.is_some());
    let Some(((x_lo, x_hi), ys)) = bounds(curve.iter().chain(&observed).chain(&marker), (lo, hi)) else {
        return draw_message(area, style, "Nothing to draw for these inputs.");
    };
    let (y_lo, y_hi) = legend_room(area, style, entries, ys);
    let mut chart = builder(area, style, "Downstream error vs loss", narrow).build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    let format = |v: &f64| format_sig(*v, 3);
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Loss".into(), labels: if narrow { 4 } else { 7 }, format: &format },
        Axis { desc: "Top-1 error (%)".into(), labels: if narrow { 5 } else { 7 }, format: &format },
    )?;
    let blue = style.series_color(0);
    chart.draw_series(LineSeries::new(curve, line_style(blue, style)))?;
    let mut legend = vec![("Err = ε − k·exp(−γL)".to_string(), Mark::Line(blue, 2.0))];
    if !observed.is_empty() {
        let green = style.series_color(2);
        chart.draw_series(observed.iter().map(|&p| Circle::new(p, style.px(3.0), green.filled())))?;
        legend.push(("your pairs".to_string(), Mark::Dot(green)));
    }
    if let Some((l, e)) = marker {
        draw_marker(&mut chart, (l, e), style.accent(), style)?;
        legend.push((format!("budget's L* {}: {}%", format_sig(l, 3), format_sig(e, 3)), Mark::Dot(style.accent())));
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}
