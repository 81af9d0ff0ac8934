//! Inference-aware sizing: the N and D that minimise training + inference FLOPs (Sardana et al. 2024).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{key_of, memo, text, Field, Fields, Table, ToolView};
use crate::allocate;
use crate::app::ChartState;
use crate::laws::sardana::{inference_optimum, on_iso_loss, InferenceAware};
use crate::plot::{ChartError, ChartStyle};
use crate::units::{format_count, format_flop, format_sci, format_sig};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("inf_tokens", "it", "2T"),
    Field::new("inf_loss", "il", ""),
];

/// This tool's charts.
pub const CHARTS: &[&str] = &["inf-flops"];

const CITATION: &str = "Sardana, Portes, Doubov & Frankle 2024, Beyond Chinchilla-Optimal: Accounting for Inference in Language Model Scaling Laws, arXiv:2401.00448 (ICML 2024).";

/// The inputs, read: inference tokens and target loss (with where the loss came from).
struct Read {
    d_inf: f64,
    target: f64,
    from_budget: bool,
}

fn read(fields: &Fields, budget: &ChartState, view: &mut ToolView) -> Option<Read> {
    let tokens_text = text(fields, "inf_tokens");
    let d_inf = crate::app::number(tokens_text, "inference tokens", 0.0, 1e20).map_err(|e| view.err("inf_tokens", e)).ok();
    let loss_text = text(fields, "inf_loss");
    let (target, from_budget) = if loss_text.trim().is_empty() {
        match budget.compute.map(|c| allocate::optimum(budget.law.law(), c)) {
            Some(Ok(a)) => (Some(a.loss), true),
            _ => {
                view.unanswered("inf_loss", "needs a valid budget above, or type a target loss here");
                (None, true)
            }
        }
    } else {
        (crate::app::number(loss_text, "target loss", 1e-6, 100.0).map_err(|e| view.err("inf_loss", e)).ok(), false)
    };
    Some(Read { d_inf: d_inf?, target: target?, from_budget })
}

/// The answer for these fields, computed once per input change (panel and chart share it).
fn solve(fields: &Fields, budget: &ChartState, r: &Read) -> Result<InferenceAware, String> {
    let key = key_of(fields, &["inf_tokens", "inf_loss"], &format!("{:?}|{:?}|{}|{}", budget.law, budget.compute, r.d_inf, r.target));
    memo("inf", key, || inference_optimum(budget.law.law(), r.target, r.d_inf).map_err(|e| e.to_string()))
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState) -> ToolView {
    let mut view = ToolView::default();
    view.note("inf_notes", CITATION);
    view.note(
        "inf_notes",
        "Minimises 6·N·D_train + 2·N·D_inf over the iso-loss curve L(N, D_train) = target of the Budget panel's law (a log-spaced scan, then golden-section search). FLOPs only: inference is often cheaper per FLOP than training, and attention/KV-cache FLOPs are ignored.",
    );
    view.note("inf_notes", format!("Law: {}. N counts {}.", budget.law.label(), budget.law.convention_label()));
    let Some(r) = read(fields, budget, &mut view) else {
        return view;
    };
    let origin = if r.from_budget { " (Budget L*)" } else { "" };
    view.out("inf_target", format!("{}{origin}", format_sig(r.target, 4)));
    let result = match solve(fields, budget, &r) {
        Ok(x) => x,
        Err(e) => {
            view.unanswered(if r.from_budget { "inf_tokens" } else { "inf_loss" }, e);
            return view;
        }
    };
    let (b, c) = (result.best, result.chinchilla);
    view.out("inf_n", format_count(b.n, 3));
    view.out("inf_d", format!("{} tokens", format_count(b.d, 3)));
    view.out("inf_tpp", format_sig(b.tokens_per_param(), 3));
    view.out("inf_total", format_flop(b.total_flop()));
    let saved = c.total_flop() - b.total_flop();
    view.out("inf_savings", format!("{}% ({})", format_sig(result.savings_percent(), 3), format_flop(saved.max(0.0))));
    view.out("inf_chin", format!("{} on {} tokens", format_count(c.n, 3), format_count(c.d, 3)));
    let row = |name: &str, f: &dyn Fn(&crate::laws::sardana::Sized) -> String| vec![name.to_string(), f(&b), f(&c)];
    view.table(
        "inf_compare",
        Table {
            head: vec!["".into(), "Inference-aware".into(), "Chinchilla-optimal".into()],
            rows: vec![
                row("Parameters N", &|s| format_count(s.n, 3)),
                row("Training tokens D", &|s| format_count(s.d, 3)),
                row("Tokens / parameter", &|s| format_sig(s.tokens_per_param(), 3)),
                row("Training FLOPs", &|s| format_flop(s.train_flop)),
                row("Inference FLOPs", &|s| format_flop(s.inference_flop)),
                row("Total FLOPs", &|s| format_flop(s.total_flop())),
            ],
        },
    );
    if r.d_inf == 0.0 {
        view.note("inf_notes", "With no inference tokens the answer is the compute-optimal model for this loss.");
    }
    view
}

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
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let mut scratch = ToolView::default();
    let Some(r) = read(fields, budget, &mut scratch) else {
        return crate::plot::draw_message(area, style, "Enter valid inference tokens and a target loss.");
    };
    let result = match solve(fields, budget, &r) {
        Ok(x) => x,
        Err(_) => return crate::plot::draw_message(area, style, "This loss cannot be reached under this law."),
    };
    let law = budget.law.law();
    let (c, b) = (result.chinchilla, result.best);
    let x_lo = result.n_min * 1.05;
    let x_hi = (c.n * 4.0).max(x_lo * 10.0);
    let ns: Vec<f64> = log_points(x_lo, x_hi, 300);
    let train: Vec<(f64, f64)> =
        ns.iter().filter_map(|&n| on_iso_loss(law, r.target, 0.0, n)).map(|s| (s.n, s.total_flop())).collect();
    let total: Vec<(f64, f64)> =
        ns.iter().filter_map(|&n| on_iso_loss(law, r.target, r.d_inf, n)).map(|s| (s.n, s.total_flop())).collect();
    let y_min = c.train_flop.min(b.total_flop());
    let y_max = c.total_flop().max(b.total_flop());
    let (y_lo, y_hi) = decade_range(y_min / 2.0, y_max * 8.0);
    let (x_lo, x_hi) = decade_range(x_lo, x_hi);
    let clip = |line: &[(f64, f64)]| -> Vec<(f64, f64)> {
        line.iter().copied().filter(|&(x, y)| y >= y_lo && y <= y_hi && x >= x_lo && x <= x_hi).collect()
    };

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Lifetime FLOPs at the target loss" } else { "Training + inference FLOPs along the iso-loss curve" };
    let mut chart = chart_builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
    let (xf, yf) = (|v: &f64| format_count(*v, 2), |v: &f64| format_sci(*v, 2));
    let n_desc = n_axis_desc(budget);
    mesh(&mut chart, style, (n_desc, decade_count(x_lo, x_hi, narrow), &xf), ("FLOPs".into(), decade_count(y_lo, y_hi, false), &yf))?;

    let muted = muted(style);
    let accent = style.accent();
    let width = |w: f64| style.px(w).max(1) as u32;
    chart.draw_series(LineSeries::new(clip(&train), muted.stroke_width(width(2.0))))?;
    chart.draw_series(LineSeries::new(clip(&total), accent.stroke_width(width(2.5))))?;
    let dot = |x: f64, y: f64, col: RGBColor| Circle::new((x, y), style.px(4.5), col.filled());
    chart.draw_series([dot(c.n, c.train_flop, muted), dot(b.n, b.total_flop(), accent)])?;
    // The inference-aware optimum is left of (smaller than) the Chinchilla one: label outwards.
    let (muted_font, accent_font) = (style.font(11.0).color(&muted), style.font(11.0).color(&accent));
    chart.draw_series(std::iter::once(Text::new(
        format!("{} (no inference)", format_count(c.n, 3)),
        (c.n * 1.12, c.train_flop * 0.92),
        muted_font.pos(Pos::new(HPos::Left, VPos::Top)),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        format!("{} optimum", format_count(b.n, 3)),
        (b.n / 1.12, b.total_flop() * 0.92),
        accent_font.pos(Pos::new(HPos::Right, VPos::Top)),
    )))?;
    let tokens = format_count(r.d_inf, 3);
    let entries = [
        (if narrow { "Training only".to_string() } else { "Training only (no inference)".to_string() }, muted, 2.0),
        (format!("Training + {tokens} inference tokens"), accent, 2.5),
    ];
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, style)
}

/// The N axis title, saying which parameters the law counts.
pub(super) fn n_axis_desc(budget: &ChartState) -> String {
    match budget.law {
        crate::choice::LawChoice::Fit(_) => "Parameters N (as in your runs)".into(),
        _ if budget.law.non_embedding() => "Parameters N (non-embedding)".into(),
        _ => "Parameters N (total)".into(),
    }
}

/// A grey halfway between text and background: secondary lines.
pub(super) fn muted(style: &ChartStyle) -> RGBColor {
    let (f, b) = (style.foreground(), style.background());
    let mix = |x: u8, y: u8| ((u16::from(x) + u16::from(y)) / 2) as u8;
    RGBColor(mix(f.0, b.0), mix(f.1, b.1), mix(f.2, b.2))
}

/// `count` log-spaced points from `lo` to `hi`.
pub(super) fn log_points(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    let last = (count.max(2) - 1) as f64;
    (0..count.max(2)).map(|i| (a + (b - a) * i as f64 / last).exp()).collect()
}

/// Whole decades around `lo..hi`, at least one decade wide.
pub(super) fn decade_range(lo: f64, hi: f64) -> (f64, f64) {
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil());
    if hi / lo < 9.99 {
        (lo, lo * 10.0)
    } else {
        (lo, hi)
    }
}

/// Decade labels that fit (every other one on a phone).
pub(super) fn decade_count(lo: f64, hi: f64, narrow: bool) -> usize {
    let n = (hi / lo).log10().round().max(1.0) as usize;
    if narrow {
        n.div_ceil(2)
    } else {
        n
    }
}

/// Whether the canvas is phone-width.
pub(super) fn is_narrow<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, style: &ChartStyle) -> bool {
    (area.dim_in_pixel().0 as f64) / style.scale < 480.0
}

/// The page's chart frame (same margins and caption sizes as the Budget panel's charts).
pub(super) fn chart_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    style: &ChartStyle,
    caption: &str,
    narrow: bool,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(style.px(12.0))
        .margin_top(style.px(14.0))
        .margin_right(style.px(22.0))
        .caption(caption, style.font(if narrow { 13.0 } else { 15.0 }))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(if narrow { 46.0 } else { 56.0 }));
    builder
}

/// An axis: description, label count, tick formatter.
pub(super) type AxisSpec<'f> = (String, usize, &'f dyn Fn(&f64) -> String);

/// Grid, axes and tick labels in the page style.
pub(super) fn mesh<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    style: &ChartStyle,
    x: AxisSpec<'_>,
    y: AxisSpec<'_>,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_labels(x.1.max(2))
        .y_labels(y.1.max(2))
        .x_label_formatter(x.2)
        .y_label_formatter(y.2)
        .x_desc(x.0)
        .y_desc(y.0)
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .axis_style(style.foreground())
        .bold_line_style(style.grid())
        .light_line_style(style.grid_light())
        .draw()?;
    Ok(())
}

/// A boxed legend of line samples in the upper right of the plotting area (drawn by hand:
/// plotters' own legend measures text through the DOM, which the page's CSP blocks).
pub(super) fn draw_legend<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor, f64)],
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let font = style.font(11.0);
    let (pad, sample, gap) = (style.px(6.0), style.px(22.0), style.px(6.0));
    let (mut text_w, mut text_h) = (0, 0);
    for (label, _, _) in entries {
        let (w, h) = plot.estimate_text_size(label, &font)?;
        text_w = text_w.max(w as i32);
        text_h = text_h.max(h as i32);
    }
    let row = text_h + style.px(4.0);
    let (box_w, box_h) = (pad * 2 + sample + gap + text_w, pad * 2 + row * entries.len() as i32);
    let (w, _) = plot.dim_in_pixel();
    let margin = style.px(8.0);
    let (x0, y0) = ((w as i32 - box_w - margin).max(0), margin);
    plot.draw(&Rectangle::new([(x0, y0), (x0 + box_w, y0 + box_h)], style.background().mix(0.92).filled()))?;
    plot.draw(&Rectangle::new([(x0, y0), (x0 + box_w, y0 + box_h)], style.grid().stroke_width(1)))?;
    let text_style = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, color, width)) in entries.iter().enumerate() {
        let cy = y0 + pad + row * i as i32 + row / 2;
        let (sx0, sx1) = (x0 + pad, x0 + pad + sample);
        plot.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], color.stroke_width(style.px(*width).max(1) as u32)))?;
        plot.draw(&Text::new(label.clone(), (sx1 + gap, cy), text_style.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{chart_state, Inputs};
    use crate::plot::Theme;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        let mut f = super::super::defaults();
        for (k, v) in pairs {
            f.insert(k.to_string(), v.to_string());
        }
        f
    }

    #[test]
    fn defaults_answer_with_the_budget_loss() {
        let budget = chart_state(&Inputs::default());
        let view = evaluate(&fields(&[]), &budget);
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        let opt = allocate::optimum(budget.law.law(), budget.compute.unwrap()).unwrap();
        assert!(view.outputs["inf_target"].starts_with(&format_sig(opt.loss, 4)));
        // Chinchilla-optimal for the Budget's own loss is the Budget's own N*.
        assert!(view.outputs["inf_chin"].starts_with(&format_count(opt.n, 3)), "{:?}", view.outputs);
        let r = inference_optimum(budget.law.law(), opt.loss, 2e12).unwrap();
        assert_eq!(view.outputs["inf_n"], format_count(r.best.n, 3));
        assert!(r.best.n < opt.n && r.savings_percent() > 0.0);
        assert_eq!(view.tables["inf_compare"].rows.len(), 6);
    }

    #[test]
    fn typed_loss_and_bad_input() {
        let budget = chart_state(&Inputs::default());
        let view = evaluate(&fields(&[("inf_loss", "2.1"), ("inf_tokens", "0")]), &budget);
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert_eq!(view.outputs["inf_target"], "2.1");
        assert!(view.outputs["inf_savings"].starts_with("0%") || view.outputs["inf_savings"].starts_with("-"), "{}", view.outputs["inf_savings"]);
        for (field, bad) in [("inf_tokens", "abc"), ("inf_tokens", "-5"), ("inf_loss", "x"), ("inf_loss", "-1"), ("inf_tokens", "1e400")] {
            let view = evaluate(&fields(&[(field, bad)]), &budget);
            assert!(view.errors.contains_key(field), "{field}={bad}: {:?}", view.errors);
        }
        let below = evaluate(&fields(&[("inf_loss", "1.5")]), &budget);
        assert!(below.errors.is_empty());
        assert!(below.unanswered["inf_loss"].contains("irreducible"), "{:?}", below.unanswered);
    }

    #[test]
    fn chart_draws_in_both_themes_and_widths() {
        let budget = chart_state(&Inputs::default());
        for (theme, w) in [(Theme::Light, 800u32), (Theme::Dark, 360)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 400)).into_drawing_area();
                draw("inf-flops", &area, &fields(&[]), &budget, &ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("optimum"), "no optimum label");
        }
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (600, 400)).into_drawing_area();
            draw("inf-flops", &area, &fields(&[("inf_loss", "1.0")]), &budget, &ChartStyle::new(Theme::Light, 1.0)).unwrap();
        }
        assert!(svg.contains("cannot be reached"));
    }
}
