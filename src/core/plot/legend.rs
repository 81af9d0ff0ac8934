//! Chart legends drawn by hand: plotters' own legend measures text through a DOM `<span>`
//! (blocked by our CSP), while this one asks the backend, which measures on the canvas.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ChartError, ChartStyle};

/// The sample drawn before a legend entry's text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mark {
    /// A solid line of this colour and width (CSS px).
    Line(RGBColor, f64),
    /// A dashed line.
    Dashed(RGBColor, f64),
    /// A filled dot.
    Dot(RGBColor),
    /// A cross.
    Cross(RGBColor),
    /// An open circle.
    Ring(RGBColor),
}

/// Which corner of the plotting area the legend sits in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Corner {
    UpperLeft,
    UpperRight,
    LowerRight,
    LowerLeft,
}

/// Draws a boxed legend in a corner of `area` (the plotting area, in pixels).
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Mark)],
    corner: Corner,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(());
    }
    let font = style.font(11.0);
    let (pad, sample, gap) = (style.px(6.0), style.px(22.0), style.px(6.0));
    let mut text_w = 0;
    let mut text_h = 0;
    for (label, _) in entries {
        let (w, h) = area.estimate_text_size(label, &font)?;
        text_w = text_w.max(w as i32);
        text_h = text_h.max(h as i32);
    }
    let row = text_h + style.px(4.0);
    let box_w = pad * 2 + sample + gap + text_w;
    let box_h = pad * 2 + row * entries.len() as i32;
    let (w, h) = area.dim_in_pixel();
    let margin = style.px(8.0);
    let (x0, y0) = match corner {
        Corner::UpperLeft => (margin, margin),
        Corner::UpperRight => (w as i32 - box_w - margin, margin),
        Corner::LowerRight => (w as i32 - box_w - margin, h as i32 - box_h - margin),
        Corner::LowerLeft => (margin, h as i32 - box_h - margin),
    };
    area.draw(&Rectangle::new([(x0, y0), (x0 + box_w, y0 + box_h)], style.background().mix(0.92).filled()))?;
    area.draw(&Rectangle::new([(x0, y0), (x0 + box_w, y0 + box_h)], style.grid().stroke_width(1)))?;
    let text_style = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, mark)) in entries.iter().enumerate() {
        let cy = y0 + pad + row * i as i32 + row / 2;
        let (sx0, sx1) = (x0 + pad, x0 + pad + sample);
        match *mark {
            Mark::Line(color, width) => {
                area.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], color.stroke_width(style.px(width).max(1) as u32)))?
            }
            Mark::Dashed(color, width) => {
                let stroke = color.stroke_width(style.px(width).max(1) as u32);
                let dash = (sample / 4).max(2);
                for k in [0, 2] {
                    let a = sx0 + dash * k;
                    area.draw(&PathElement::new(vec![(a, cy), (a + dash + dash / 2, cy)], stroke))?;
                }
            }
            Mark::Dot(color) => area.draw(&Circle::new(((sx0 + sx1) / 2, cy), style.px(4.5), color.filled()))?,
            Mark::Cross(color) => {
                area.draw(&Cross::new(((sx0 + sx1) / 2, cy), style.px(5.0), color.stroke_width(style.px(2.0) as u32)))?
            }
            Mark::Ring(color) => {
                area.draw(&Circle::new(((sx0 + sx1) / 2, cy), style.px(5.0), color.stroke_width(style.px(2.0).max(1) as u32)))?
            }
        }
        area.draw(&Text::new(label.clone(), (sx1 + gap, cy), text_style.clone()))?;
    }
    Ok(())
}
