//! The comparison chart: both fitted frontiers L*(C), their runs and the crossing with its interval.

use super::*;

/// Draws one of [`CHARTS`]: both frontiers L*(C), both datasets' runs, and the crossing with its
/// bootstrap interval shaded.
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
    let Some(st) = state(fields, budget, session, &mut scratch) else {
        return draw_message(area, style, "Paste two run tables to compare their frontiers");
    };
    let (a, b, (lo, hi), cmp) = match (fitted(&st.a), fitted(&st.b), &st.range, &st.cmp) {
        (Some(a), Some(b), Ok(r), Some(cmp)) => (a, b, *r, cmp),
        _ if st.busy => return draw_message(area, style, "Fitting the tables…"),
        _ => return draw_message(area, style, "Both tables need a fit to draw the frontiers"),
    };
    let line = |law: &ChinchillaLaw| -> Vec<(f64, f64)> {
        log_space(lo, hi, 200).map(|c| (c, frontier(law, c))).filter(|p| p.1.is_finite()).collect()
    };
    let (la, lb) = (line(&a.law), line(&b.law));
    let in_range = |r: &&(f64, f64)| r.0 >= lo && r.0 <= hi && r.1.is_finite() && r.1 > 0.0;
    let ra: Vec<(f64, f64)> = a.runs.iter().filter(in_range).copied().collect();
    let rb: Vec<(f64, f64)> = b.runs.iter().filter(in_range).copied().collect();
    // The loss axis covers the frontiers and the lower part of the runs (runs far above the
    // frontier — tiny models on huge budgets — would flatten everything else).
    let front = la.iter().chain(&lb).map(|p| p.1);
    let (f_lo, f_hi) = front.fold((f64::INFINITY, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    let run_hi = ra.iter().chain(&rb).map(|p| p.1).fold(0.0f64, f64::max);
    if !(f_lo.is_finite() && f_hi > 0.0) {
        return draw_message(area, style, "The fitted frontiers have no finite values in this range");
    }
    let top = run_hi.min(f_hi * 1.6).max(f_hi);
    let pad = (top - f_lo).max(1e-3) * 0.06;
    let (y_lo, y_hi) = ((f_lo - pad).max(0.0), top + pad);

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Frontiers L*(C)" } else { "Compute-optimal loss L*(C) of both fits" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((lo..hi).log_scale(), y_lo..y_hi)?;
    let decades = (hi / lo).log10().ceil() as usize + 1;
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute C (FLOP)".into(), labels: decades.min(if narrow { 4 } else { 8 }), format: &|v| format_sci(*v, 2) },
        Axis { desc: "Loss".into(), labels: if narrow { 5 } else { 7 }, format: &|v| format_sig(*v, 3) },
    )?;

    let (ca, cb) = (style.series_color(0), style.series_color(1));
    let bg = style.background();
    let shade = mix(style.foreground(), bg, 0.88);
    if let (Some(&c), Some(iv)) = (cmp.crossings.first(), cmp.interval) {
        if c >= lo && c <= hi {
            chart.draw_series(std::iter::once(Rectangle::new([(iv.lo.max(lo), y_lo), (iv.hi.min(hi), y_hi)], shade.filled())))?;
        }
    }
    let clip = |p: &&(f64, f64)| p.1 >= y_lo && p.1 <= y_hi;
    let dot = style.px(2.5);
    chart.draw_series(ra.iter().filter(clip).map(|&p| Circle::new(p, dot, mix(ca, bg, 0.45).filled())))?;
    chart.draw_series(rb.iter().filter(clip).map(|&p| TriangleMarker::new(p, dot + 1, mix(cb, bg, 0.45).filled())))?;
    let width = style.px(2.0).max(1) as u32;
    chart.draw_series(LineSeries::new(la.iter().filter(clip).copied(), ca.stroke_width(width)))?;
    chart.draw_series(DashedLineSeries::new(lb.iter().filter(clip).copied(), style.px(7.0), style.px(4.0), cb.stroke_width(width)))?;
    for &c in &cmp.crossings {
        let y = frontier(&a.law, c);
        if y >= y_lo && y <= y_hi {
            chart.draw_series(std::iter::once(Circle::new((c, y), style.px(5.0), style.foreground().stroke_width(width))))?;
            // The label on the side of the crossing away from the nearer end of the range.
            let right = c > (lo * hi).sqrt();
            let (anchor, dx) = if right { (HPos::Right, -style.px(8.0)) } else { (HPos::Left, style.px(8.0)) };
            let label = Text::new(format!("cross {}", format_sci(c, 2)), (dx, -style.px(6.0)), style.anchored(11.0, anchor, VPos::Bottom));
            chart.draw_series(std::iter::once(EmptyElement::at((c, y)) + label))?;
        }
    }

    // Legend, upper right (the frontiers fall from the upper left).
    let mut entries =
        vec![(format!("{} frontier", st.names.0), Mark::Line(ca, 2.0)), (format!("{} frontier", st.names.1), Mark::Dashed(cb, 2.0))];
    if cmp.interval.is_some() {
        let label = if narrow { "95 % interval" } else { "95 % interval of the crossing" };
        entries.push((label.to_string(), Mark::Line(shade, 10.0)));
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, Corner::UpperRight, style)
}
