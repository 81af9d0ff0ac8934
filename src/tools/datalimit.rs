//! Data-constrained allocation with repeated tokens (Muennighoff et al. 2023): a cap U on unique
//! tokens, the loss-minimising allocation at the Budget panel's compute when D > U means
//! repeating, against the unconstrained optimum; R_D*, R_N* fitted on pasted runs.
//!
//! Also the small line-chart kit the over-training panel shares ([`LineChart`]).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{key_of, memo, text, Field, Fields, Table, ToolView};
use crate::app::ChartState;
use crate::laws::muennighoff::{self as mu, CappedPlan, DataConstrainedLaw, RStarFit, RepeatColumns};
use crate::laws::LossLaw;
use crate::plot::{ChartError, ChartStyle, Theme};
use crate::units::{format_count, format_sci, format_sig};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("dl_u", "dlu", "100B"),
    Field::new("dl_law", "dll", "published"),
    Field::data("dl_runs", "dlr"),
];

/// This tool's charts.
pub const CHARTS: &[&str] = &["dl-loss", "dl-frontier"];

/// Bootstrap resamples behind the R* intervals (each a warm-started refit; cheap).
const RESAMPLES: usize = 200;
/// Seed of that bootstrap.
const SEED: u64 = 42;

/// The pasted runs' fit, or why there is none (`None`: nothing pasted).
type FitOutcome = Option<Result<(RStarFit, RStarFit), String>>;

fn fit_runs(fields: &Fields) -> FitOutcome {
    let pasted = text(fields, "dl_runs");
    if pasted.trim().is_empty() {
        return None;
    }
    Some(memo("dl_fit", key_of(fields, &["dl_runs"], ""), || {
        let read = mu::read_runs(pasted, &RepeatColumns::default())?;
        if read.bad_count > 0 {
            let shown: Vec<&str> = read.bad.iter().take(3).map(String::as_str).collect();
            let more = read.bad_count.saturating_sub(shown.len());
            let tail = if more > 0 { format!("; … and {more} more") } else { String::new() };
            return Err(format!("{}{tail}", shown.join("; ")));
        }
        let fit = mu::fit_rstar(&read.runs, mu::base(), 1e-3, RESAMPLES, SEED)?;
        let local = mu::fit_rstar_from(&read.runs, mu::base(), 1e-3, [mu::R_D_STAR, mu::R_N_STAR])?;
        Ok((fit, local))
    }))
}

/// The law the panel uses, with a label, after reading `dl_law` and the runs.
fn chosen_law(fields: &Fields, fit: &FitOutcome, view: &mut ToolView) -> (DataConstrainedLaw, String) {
    let published = (DataConstrainedLaw::published(), "published R* (Muennighoff et al. 2023)".to_string());
    match text(fields, "dl_law").trim() {
        "published" | "" => published,
        "fit" => match fit {
            Some(Ok((f, _))) => (DataConstrainedLaw::with_stars(f.rd_star, f.rn_star), format!("R* fitted to your {} runs", f.points)),
            _ => {
                view.unanswered("dl_law", "paste runs below to fit R*; the published values are used meanwhile");
                published
            }
        },
        other => {
            view.err("dl_law", format!("unknown choice \"{}\" (published or fit)", crate::app::truncate(other)));
            published
        }
    }
}

fn read_unique(fields: &Fields, view: &mut ToolView) -> Option<f64> {
    crate::app::number(text(fields, "dl_u"), "unique tokens U", 1e6, 1e16).map_err(|e| view.err("dl_u", e)).ok()
}

fn plan_of(budget: &ChartState, law: &DataConstrainedLaw, unique: f64) -> Option<Result<CappedPlan, String>> {
    let compute = budget.compute?;
    let key = format!("{compute:e}|{unique:e}|{:e}|{:e}", law.rd_star, law.rn_star);
    Some(memo("dl_plan", key, || mu::capped_optimum(law, compute, unique).map_err(|e| e.to_string())))
}

fn pct(x: f64) -> String {
    format!("{}%", format_sig(x * 100.0, 3))
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState) -> ToolView {
    let mut view = ToolView::default();
    let fit = fit_runs(fields);
    match &fit {
        Some(Ok((f, local))) => {
            let ci = |i: usize| {
                f.intervals.map(|iv| {
                    let (lo, hi) = iv.get(i).copied().unwrap_or((f64::NAN, f64::NAN));
                    let hi = if hi > 1e4 { "unbounded (above 10⁴)".to_string() } else { format_sig(hi, 3) };
                    format!(" (95% CI {} – {hi})", format_sig(lo, 3))
                })
            };
            view.out(
                "dl_local",
                format!(
                    "R_D* = {}, R_N* = {}, objective {} (polished from the published 15.39, 5.31)",
                    format_sig(local.rd_star, 5),
                    format_sig(local.rn_star, 5),
                    format_sig(local.objective, 6)
                ),
            );
            if local.objective > f.objective + 1e-9 * f.objective.abs().max(1e-12) {
                view.note(
                    "dl_notes",
                    format!(
                        "Your runs' objective has more than one basin: the best fit (objective {}) is not the one near the published R* (objective {}). R* are weakly determined by these runs.",
                        format_sig(f.objective, 6),
                        format_sig(local.objective, 6)
                    ),
                );
            }
            if f.intervals.is_some_and(|iv| iv.iter().any(|(lo, hi)| hi / lo > 10.0)) {
                view.note("dl_notes", "The bootstrap interval of R* spans more than a factor of 10: these runs pin R* down poorly.");
            }
            view.out(
                "dl_fit",
                format!(
                    "R_D* = {}{}, R_N* = {}{} on {} runs; objective {} (Σ Huber, δ = 10⁻³, on ln L); R² {}",
                    format_sig(f.rd_star, 5),
                    ci(0).unwrap_or_default(),
                    format_sig(f.rn_star, 5),
                    ci(1).unwrap_or_default(),
                    f.points,
                    format_sig(f.objective, 6),
                    format_sig(f.r2, 4),
                ),
            );
            view.out("dl_rd", format_sig(f.rd_star, 5));
            view.out("dl_rn", format_sig(f.rn_star, 5));
        }
        Some(Err(e)) => view.err("dl_runs", e.clone()),
        None => {
            view.out("dl_fit", "no runs pasted");
            view.out("dl_local", "no runs pasted");
        }
    }
    let (law, label) = chosen_law(fields, &fit, &mut view);
    view.out("dl_stars", format!("{} ({})", mu::describe(&law), label));
    let unique = read_unique(fields, &mut view);
    let Some(unique) = unique else { return view };
    let Some(plan) = plan_of(budget, &law, unique) else {
        view.unanswered("dl_u", "set a valid compute budget in the Budget panel");
        return view;
    };
    let plan = match plan {
        Ok(p) => p,
        Err(e) => {
            view.unanswered("dl_u", e);
            return view;
        }
    };
    let (c, u) = (&plan.constrained, &plan.unconstrained);
    view.out("dl_n", format_count(c.n, 3));
    view.out("dl_d", format_count(c.d, 3));
    view.out("dl_epochs", format_sig(plan.epochs, 3));
    view.out("dl_loss", format_sig(c.loss, 5));
    view.out("dl_n0", format_count(u.n, 3));
    view.out("dl_d0", format_count(u.d, 3));
    view.out("dl_loss0", format_sig(u.loss, 5));
    view.out("dl_penalty", format!("+{} nats ({})", format_sig(plan.penalty.max(0.0), 3), pct(plan.penalty.max(0.0) / u.loss)));
    view.out(
        "dl_eff",
        format!(
            "D' = {} effective tokens of {} seen; N' = {} effective parameters of {}",
            format_count(plan.effective.d_eff, 3),
            format_count(c.d, 3),
            format_count(plan.effective.n_eff, 3),
            format_count(c.n, 3)
        ),
    );
    let epochs_naive = u.d / unique;
    view.table(
        "dl_compare",
        Table {
            head: vec!["".into(), "N".into(), "D".into(), "epochs over U".into(), "loss".into()],
            rows: vec![
                vec!["Unlimited data (base law)".into(), format_count(u.n, 3), format_count(u.d, 3), "—".into(), format_sig(u.loss, 5)],
                vec![
                    "Same N, D with U unique tokens".into(),
                    format_count(u.n, 3),
                    format_count(u.d, 3),
                    format_sig(epochs_naive.max(0.0), 3),
                    format_sig(plan.naive_loss, 5),
                ],
                vec![
                    "Best allocation with U unique tokens".into(),
                    format_count(c.n, 3),
                    format_count(c.d, 3),
                    format_sig(plan.epochs, 3),
                    format_sig(c.loss, 5),
                ],
            ],
        },
    );
    if plan.epochs <= 1.0 {
        view.note("dl_notes", format!("The cap does not bind: the optimum needs {} tokens, fewer than U = {}.", format_count(u.d, 3), format_count(unique, 3)));
    } else if plan.epochs > 60.0 {
        view.note("dl_notes", "Beyond about 60 epochs Muennighoff et al. had few runs; the law is an extrapolation there.");
    }
    view.note(
        "dl_notes",
        format!(
            "Base law fixed to Muennighoff et al.'s C4 fit (E {}, A {}, B {}, α = β {}), not the Budget panel's law: R* were fitted relative to it. Source: {}.",
            format_sig(law.base.e, 5),
            format_sig(law.base.a, 5),
            format_sig(law.base.b, 5),
            format_sig(law.base.alpha, 4),
            mu::CITATION
        ),
    );
    view
}

// ---------------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------------

/// A line of a [`LineChart`].
pub(crate) struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub dashed: bool,
}

/// A labelled dot.
pub(crate) struct Marker {
    pub label: String,
    pub at: (f64, f64),
    pub color: RGBColor,
}

/// Observed points: label, points, colour.
pub(crate) type Scatter = (String, Vec<(f64, f64)>, RGBColor);

/// A simple chart of lines against a linear or log x axis, with dots, vertical guides and a
/// legend in the top right corner of headroom left free for it.
pub(crate) struct LineChart<'f> {
    pub caption: String,
    pub x_desc: String,
    pub y_desc: String,
    pub x_log: bool,
    /// Log-scale y (drawn as log10, labelled in values).
    pub y_log: bool,
    pub x_format: &'f dyn Fn(f64) -> String,
    pub y_format: &'f dyn Fn(f64) -> String,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
    /// Vertical guides: x, colour, short label.
    pub guides: Vec<(f64, RGBColor, String)>,
    /// Scatter points (observed data): label, points, colour.
    pub scatter: Option<Scatter>,
    /// y range forced to include these.
    pub y_include: Vec<f64>,
}

pub(crate) fn is_narrow<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, style: &ChartStyle) -> bool {
    (area.dim_in_pixel().0 as f64) / style.scale < 480.0
}

/// A muted colour for guides and their labels, readable on either background.
pub(crate) fn muted(style: &ChartStyle) -> RGBColor {
    match style.theme {
        Theme::Light => RGBColor(101, 109, 118),
        Theme::Dark => RGBColor(145, 152, 161),
    }
}

/// Colours for a chart's lines that read in both themes (Okabe–Ito).
pub(crate) fn palette(style: &ChartStyle, i: usize) -> RGBColor {
    let light = style.theme == Theme::Light;
    match i % 4 {
        0 => if light { RGBColor(0, 114, 178) } else { RGBColor(86, 180, 233) },
        1 => style.accent(),
        2 => if light { RGBColor(0, 158, 115) } else { RGBColor(60, 200, 150) },
        _ => if light { RGBColor(213, 94, 0) } else { RGBColor(240, 140, 60) },
    }
}

/// A centred, wrapped message instead of a chart.
pub(crate) fn message<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, style: &ChartStyle, text: &str) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let (w, h) = area.dim_in_pixel();
    let font = style.font(13.0);
    let limit = (w as f64 * 0.85) as u32;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        let (cw, _) = area.estimate_text_size(&candidate, &font)?;
        if cw > limit && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let step = style.px(18.0);
    let top = h as i32 / 2 - step * lines.len() as i32 / 2;
    let centred = font.pos(Pos::new(HPos::Center, VPos::Top));
    for (i, l) in lines.iter().enumerate() {
        area.draw(&Text::new(l.clone(), (w as i32 / 2, top + step * i as i32), centred.clone()))?;
    }
    Ok(())
}

impl LineChart<'_> {
    fn tx(&self, x: f64) -> f64 {
        if self.x_log { x.log10() } else { x }
    }

    fn ty(&self, y: f64) -> f64 {
        if self.y_log { y.log10() } else { y }
    }

    /// Draws the chart.
    pub(crate) fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, style: &ChartStyle) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        area.fill(&style.background())?;
        let ok = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite() && (!self.x_log || p.0 > 0.0) && (!self.y_log || p.1 > 0.0);
        let all: Vec<(f64, f64)> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .chain(self.markers.iter().map(|m| m.at))
            .chain(self.scatter.iter().flat_map(|s| s.1.iter().copied()))
            .filter(ok)
            .collect();
        if all.is_empty() {
            return message(area, style, "Nothing to draw for these inputs.");
        }
        let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in &all {
            let (x, y) = (self.tx(x), self.ty(y));
            x_lo = x_lo.min(x);
            x_hi = x_hi.max(x);
            y_lo = y_lo.min(y);
            y_hi = y_hi.max(y);
        }
        for y in self.y_include.iter().copied().filter(|y| y.is_finite() && (!self.y_log || *y > 0.0)).map(|y| self.ty(y)) {
            y_lo = y_lo.min(y);
            y_hi = y_hi.max(y);
        }
        if x_hi - x_lo < 1e-9 {
            x_lo -= 0.5;
            x_hi += 0.5;
        }
        let span = (y_hi - y_lo).max(1e-6 * y_hi.abs().max(1.0));
        let entries = self.series.len() + self.markers.len() + usize::from(self.scatter.is_some());
        // Headroom above the data for the legend, in pixels: its rows and padding, as a share
        // of the plotting height (the area less margins, caption and tick labels).
        let (_, h) = area.dim_in_pixel();
        let plot_px = (f64::from(h) - f64::from(style.px(14.0 + 12.0 + 40.0 + 30.0))).max(40.0);
        let legend_px = f64::from(style.px(12.0 + 10.0 + 17.0 * entries as f64));
        let share = (legend_px / plot_px).clamp(0.1, 0.6);
        let y_lo = y_lo - 0.04 * span;
        let y_hi = y_lo + (y_hi - y_lo) / (1.0 - share);
        let narrow = is_narrow(area, style);
        let mut chart = ChartBuilder::on(area)
            .margin(style.px(12.0))
            .margin_top(style.px(14.0))
            .margin_right(style.px(22.0))
            .caption(&self.caption, style.font(if narrow { 13.0 } else { 15.0 }))
            .x_label_area_size(style.px(40.0))
            .y_label_area_size(style.px(if narrow { 46.0 } else { 56.0 }))
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        let x_fmt = |v: &f64| (self.x_format)(if self.x_log { 10f64.powf(*v) } else { *v });
        let y_fmt = |v: &f64| (self.y_format)(if self.y_log { 10f64.powf(*v) } else { *v });
        let x_labels = if self.x_log { ((x_hi - x_lo).round() as usize + 1).clamp(3, if narrow { 5 } else { 9 }) } else if narrow { 4 } else { 7 };
        chart
            .configure_mesh()
            .x_labels(x_labels)
            .y_labels(if narrow { 5 } else { 7 })
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(self.x_desc.clone())
            .y_desc(self.y_desc.clone())
            .label_style(style.font(11.0))
            .axis_desc_style(style.font(12.0))
            .axis_style(style.foreground())
            .bold_line_style(style.grid())
            .light_line_style(style.grid_light())
            .draw()?;
        let width = style.px(2.0).max(1) as u32;
        for (x, color, label) in &self.guides {
            if !(x.is_finite() && (!self.x_log || *x > 0.0)) {
                continue;
            }
            let gx = self.tx(*x);
            if gx < x_lo || gx > x_hi {
                continue;
            }
            chart.draw_series(DashedLineSeries::new(
                [(gx, y_lo), (gx, y_hi)],
                style.px(4.0),
                style.px(4.0),
                color.stroke_width(style.px(1.0).max(1) as u32),
            ))?;
            // Label on the side with room: left of guides in the right half.
            let right_half = gx > 0.5 * (x_lo + x_hi);
            let side = if right_half { HPos::Right } else { HPos::Left };
            let nudge = 0.01 * (x_hi - x_lo) * if right_half { -1.0 } else { 1.0 };
            chart.draw_series(std::iter::once(Text::new(
                label.clone(),
                (gx + nudge, y_lo + 0.02 * (y_hi - y_lo)),
                style.font(10.0).color(color).pos(Pos::new(side, VPos::Bottom)),
            )))?;
        }
        for s in &self.series {
            let pts: Vec<(f64, f64)> = s.points.iter().filter(|p| ok(p)).map(|&(x, y)| (self.tx(x), self.ty(y))).filter(|p| p.1 <= y_hi && p.1 >= y_lo).collect();
            let stroke = s.color.stroke_width(width);
            if s.dashed {
                chart.draw_series(DashedLineSeries::new(pts, style.px(7.0), style.px(4.0), stroke))?;
            } else {
                chart.draw_series(LineSeries::new(pts, stroke))?;
            }
        }
        if let Some((_, pts, color)) = &self.scatter {
            chart.draw_series(pts.iter().filter(|p| ok(p)).map(|&(x, y)| Circle::new((self.tx(x), self.ty(y)), style.px(3.0), color.filled())))?;
        }
        for m in &self.markers {
            if ok(&m.at) {
                let at = (self.tx(m.at.0), self.ty(m.at.1));
                chart.draw_series(std::iter::once(Circle::new(at, style.px(5.0), m.color.filled())))?;
                chart.draw_series(std::iter::once(Circle::new(at, style.px(5.0), style.background().stroke_width(1))))?;
            }
        }
        // Legend, top right (the headroom above the data keeps it off the lines).
        let plot = chart.plotting_area().strip_coord_spec();
        let mut legend: Vec<(String, RGBColor, u8)> = Vec::new();
        for s in &self.series {
            legend.push((s.label.clone(), s.color, if s.dashed { 1 } else { 0 }));
        }
        if let Some((label, _, color)) = &self.scatter {
            legend.push((label.clone(), *color, 3));
        }
        for m in &self.markers {
            legend.push((m.label.clone(), m.color, 2));
        }
        draw_legend(&plot, &legend, style)
    }
}

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[(String, RGBColor, u8)], style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(());
    }
    let font = style.font(11.0);
    let (pad, sample, gap) = (style.px(6.0), style.px(22.0), style.px(6.0));
    let (mut tw, mut th) = (0, 0);
    for (label, _, _) in entries {
        let (w, h) = area.estimate_text_size(label, &font)?;
        tw = tw.max(w as i32);
        th = th.max(h as i32);
    }
    let row = th + style.px(4.0);
    let (bw, bh) = (pad * 2 + sample + gap + tw, pad * 2 + row * entries.len() as i32);
    let (w, _) = area.dim_in_pixel();
    let m = style.px(6.0);
    let (x0, y0) = ((w as i32 - bw - m).max(0), m);
    area.draw(&Rectangle::new([(x0, y0), (x0 + bw, y0 + bh)], style.background().mix(0.92).filled()))?;
    area.draw(&Rectangle::new([(x0, y0), (x0 + bw, y0 + bh)], style.grid().stroke_width(1)))?;
    let text_style = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, color, kind)) in entries.iter().enumerate() {
        let cy = y0 + pad + row * i as i32 + row / 2;
        let (sx0, sx1) = (x0 + pad, x0 + pad + sample);
        let stroke = color.stroke_width(style.px(2.0).max(1) as u32);
        match kind {
            0 => area.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], stroke))?,
            1 => {
                let dash = (sample / 4).max(2);
                for k in [0, 2] {
                    let a = sx0 + dash * k;
                    area.draw(&PathElement::new(vec![(a, cy), (a + dash + dash / 2, cy)], stroke))?;
                }
            }
            3 => area.draw(&Circle::new(((sx0 + sx1) / 2, cy), style.px(3.0), color.filled()))?,
            _ => area.draw(&Circle::new(((sx0 + sx1) / 2, cy), style.px(4.5), color.filled()))?,
        }
        area.draw(&Text::new(label.clone(), (sx1 + gap, cy), text_style.clone()))?;
    }
    Ok(())
}

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
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if !CHARTS.contains(&kind) {
        return message(area, style, "unknown chart");
    }
    let mut scratch = ToolView::default();
    let fit = fit_runs(fields);
    let (law, _) = chosen_law(fields, &fit, &mut scratch);
    let Some(unique) = read_unique(fields, &mut scratch) else {
        return message(area, style, "Type a valid number of unique tokens U.");
    };
    let Some(compute) = budget.compute else {
        return message(area, style, "Set a valid compute budget in the Budget panel.");
    };
    let plan = match plan_of(budget, &law, unique) {
        Some(Ok(p)) => p,
        Some(Err(e)) => return message(area, style, &e),
        None => return message(area, style, "Set a valid compute budget in the Budget panel."),
    };
    let narrow = is_narrow(area, style);
    if kind == "dl-frontier" {
        return draw_frontier(area, style, &law, unique, compute, &plan, narrow);
    }
    let centre = plan.constrained.n.min(plan.unconstrained.n).sqrt() * plan.constrained.n.max(plan.unconstrained.n).sqrt();
    let (lo, hi) = (centre / 300.0, (centre * 300.0).min(compute / 6.0));
    let capped = mu::CappedLaw { law, unique };
    let ns: Vec<f64> = (0..=200).map(|i| (lo.ln() + (hi.ln() - lo.ln()) * f64::from(i) / 200.0).exp()).collect();
    let base_pts: Vec<(f64, f64)> = ns.iter().map(|&n| (n, law.base.loss(n, compute / (6.0 * n)))).collect();
    let cap_pts: Vec<(f64, f64)> = ns.iter().map(|&n| (n, capped.loss(n, compute / (6.0 * n)))).collect();
    // Keep the y range on the interesting part: up to a little above the optima.
    let floor = plan.unconstrained.loss.min(plan.constrained.loss);
    let top = floor + 3.0 * (plan.constrained.loss - plan.unconstrained.loss).max(0.02 * floor).max(0.05);
    let clip = |pts: Vec<(f64, f64)>| pts.into_iter().filter(|p| p.1 <= top).collect::<Vec<_>>();
    let n_at_u = compute / (6.0 * unique);
    let chart = LineChart {
        caption: if narrow { "Loss vs N at your budget".into() } else { format!("Loss vs model size at {} FLOP", format_sci(compute, 3)) },
        x_desc: "Parameters N (tokens D = C/6N)".into(),
        y_desc: "Predicted loss".into(),
        x_log: true,
        y_log: false,
        x_format: &|v| format_count(v, 2),
        y_format: &|v| format_sig(v, 4),
        series: vec![
            Series { label: "unlimited unique data".into(), points: clip(base_pts), color: palette(style, 0), dashed: true },
            Series { label: format!("U = {} unique tokens", format_count(unique, 3)), points: clip(cap_pts), color: palette(style, 1), dashed: false },
        ],
        markers: vec![
            Marker { label: format!("optimum, unlimited: N {}", format_count(plan.unconstrained.n, 2)), at: (plan.unconstrained.n, plan.unconstrained.loss), color: palette(style, 0) },
            Marker {
                label: format!("optimum with U: N {}, {} epochs", format_count(plan.constrained.n, 2), format_sig(plan.epochs.max(0.0), 2)),
                at: (plan.constrained.n, plan.constrained.loss),
                color: palette(style, 1),
            },
        ],
        guides: vec![(n_at_u, muted(style), if narrow { "D = U".into() } else { "D = U (left: repeating)".into() })],
        scatter: None,
        y_include: vec![],
    };
    chart.draw(area, style)
}

/// N and D that minimise loss against compute, with unlimited data and with U unique tokens.
fn draw_frontier<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
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
    let (lo, hi) = ((compute / 1e3).max(crate::allocate::MIN_COMPUTE), (compute * 1e2).min(crate::allocate::MAX_COMPUTE));
    let key = format!("{compute:e}|{unique:e}|{:e}|{:e}", law.rd_star, law.rn_star);
    let plans: Vec<CappedPlan> = memo("dl_frontier", key, || {
        (0..=40)
            .map(|i| (lo.ln() + (hi.ln() - lo.ln()) * f64::from(i) / 40.0).exp())
            .filter_map(|c| mu::capped_optimum(law, c, unique).ok())
            .collect()
    });
    let line = |f: &dyn Fn(&CappedPlan) -> f64| plans.iter().map(|p| (p.unconstrained.compute, f(p))).collect::<Vec<_>>();
    let chart = LineChart {
        caption: if narrow { "Best N, D vs compute".into() } else { format!("Best N and D with U = {} unique tokens", format_count(unique, 3)) },
        x_desc: "Training compute C (FLOP)".into(),
        y_desc: "Parameters / tokens".into(),
        x_log: true,
        y_log: true,
        x_format: &|v| format_sci(v, 2),
        y_format: &|v| format_count(v, 2),
        series: vec![
            Series { label: "N, unlimited data".into(), points: line(&|p| p.unconstrained.n), color: palette(style, 0), dashed: true },
            Series { label: "D, unlimited data".into(), points: line(&|p| p.unconstrained.d), color: palette(style, 3), dashed: true },
            Series { label: "N with U".into(), points: line(&|p| p.constrained.n), color: palette(style, 0), dashed: false },
            Series { label: "D with U".into(), points: line(&|p| p.constrained.d), color: palette(style, 3), dashed: false },
        ],
        markers: vec![],
        guides: vec![(compute, muted(style), "your budget".into())],
        scatter: None,
        y_include: vec![unique, plan.constrained.d],
    };
    chart.draw(area, style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{chart_state, Inputs};

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        let mut f = super::super::defaults();
        for (k, v) in pairs {
            f.insert((*k).to_string(), (*v).to_string());
        }
        f
    }

    fn budget(compute: &str) -> ChartState {
        let inputs = Inputs { compute: compute.into(), ..Inputs::default() };
        chart_state(&inputs)
    }

    #[test]
    fn defaults_give_a_repeating_plan() {
        let view = evaluate(&fields(&[]), &budget("5.76e23"));
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        let epochs: f64 = view.outputs["dl_epochs"].parse().unwrap();
        assert!(epochs > 1.0, "{:?}", view.outputs);
        assert!(view.outputs["dl_penalty"].starts_with('+'));
        assert_eq!(view.tables["dl_compare"].rows.len(), 3);
    }

    #[test]
    fn readme_allocation_on_the_page() {
        let c = format!("{:e}", 6.0 * 8.67e9 * 178e9);
        let view = evaluate(&fields(&[("dl_u", "25B")]), &budget(&c));
        assert_eq!(view.outputs["dl_d"], "227B", "{:?}", view.outputs);
        assert_eq!(view.outputs["dl_n"], "6.8B");
    }

    #[test]
    fn bad_inputs_give_messages_and_keep_the_rest() {
        for bad in ["abc", "-5B", "0", ""] {
            let view = evaluate(&fields(&[("dl_u", bad)]), &budget("1e23"));
            assert!(view.errors.contains_key("dl_u"), "{bad}: {:?}", view.errors);
            assert!(view.outputs.contains_key("dl_stars"));
        }
        let view = evaluate(&fields(&[("dl_runs", "N,D,U,loss\n1e9,1e10,2e10,3\n")]), &budget("1e23"));
        assert!(view.errors["dl_runs"].contains("exceed total tokens"), "{:?}", view.errors);
        assert!(view.outputs.contains_key("dl_n"));
        let view = evaluate(&fields(&[("dl_runs", "N,D,U,loss\n1e9,2e10,1e10,3\n")]), &budget("1e23"));
        assert!(view.errors["dl_runs"].contains("at least 3"), "{:?}", view.errors);
        let view = evaluate(&fields(&[("dl_law", "fit")]), &budget("1e23"));
        assert!(view.unanswered.contains_key("dl_law"));
        let view = evaluate(&fields(&[("dl_law", "bogus")]), &budget("1e23"));
        assert!(view.errors.contains_key("dl_law"));
        let view = evaluate(&fields(&[]), &budget("nonsense"));
        assert!(view.unanswered.contains_key("dl_u"));
    }

    #[test]
    fn pasted_runs_fit_and_can_drive_the_allocation() {
        let truth = DataConstrainedLaw::with_stars(8.0, 3.0);
        let mut text = String::from("N,D,U,loss\n");
        for n in [1e8, 5e8, 2e9] {
            for u in [1e9, 4e9] {
                for e in [1.0, 3.0, 10.0, 40.0] {
                    text.push_str(&format!("{n:e},{:e},{u:e},{}\n", u * e, truth.loss_ndu(n, u * e, u)));
                }
            }
        }
        let view = evaluate(&fields(&[("dl_runs", &text), ("dl_law", "fit")]), &budget("1e22"));
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert_eq!(view.outputs["dl_rd"], "8");
        assert_eq!(view.outputs["dl_rn"], "3");
        assert!(view.outputs["dl_stars"].contains("fitted"), "{:?}", view.outputs);
    }

    #[test]
    fn chart_draws_in_both_themes_and_widths() {
        for (w, theme) in [(900u32, Theme::Light), (360, Theme::Dark)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 320)).into_drawing_area();
                draw("dl-loss", &area, &fields(&[]), &budget("5.76e23"), &ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("Loss vs"), "{w}");
            assert!(!svg.contains("NaN"));
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 320)).into_drawing_area();
                draw("dl-frontier", &area, &fields(&[]), &budget("5.76e23"), &ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("Best N"), "{w}");
            assert!(!svg.contains("NaN"));
        }
    }
}
