//! Loss curves read from a pasted table, each with its schedule (typed, or from an lr column),
//! with messages that say which input is wrong.

use super::*;

/// One loss curve with its schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// The curve's name (its value in the curve column; empty when there is one curve).
    pub name: String,
    /// η_0 … η_T under the chosen warmup convention.
    pub rates: Vec<f64>,
    /// Linear warmup steps (the Multi-Power Law's loss drop starts after them).
    pub warmup: usize,
    /// (step, loss) in increasing step order.
    pub points: Vec<(usize, f64)>,
    /// Where the schedule came from (a spec, or the lr column), for notes.
    pub source: String,
}

/// Which input a curve-reading problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The pasted table.
    Data,
    /// The step column choice.
    Step,
    /// The loss column choice.
    Loss,
    /// The learning-rate column choice.
    Lr,
    /// The curve column choice.
    Curve,
    /// The schedule specs.
    Specs,
}

/// A problem reading loss curves, and the input it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveError {
    /// The input to point at.
    pub input: Input,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CurveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn curve_err<T>(input: Input, message: impl Into<String>) -> Result<T, CurveError> {
    Err(CurveError { input, message: message.into() })
}

/// How to read loss curves from a table (the default: every column guessed, no schedules typed,
/// the paper's warmup convention, no bad rows skipped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurveOptions {
    /// Column names as typed (empty: guessed): step, loss, lr, curve.
    pub step: String,
    /// Loss column.
    pub loss: String,
    /// Learning-rate column (optional).
    pub lr: String,
    /// Curve column (optional).
    pub curve: String,
    /// Schedules by curve name.
    pub specs: Vec<(String, Spec)>,
    /// Warmup convention.
    pub convention: Warmup,
    /// Warmup steps for schedules read from the lr column.
    pub warmup: usize,
    /// Fit the good rows when some are bad.
    pub skip_bad_rows: bool,
    /// Schedules may name curves the table does not have (curves to predict, read with the
    /// fitted curves' schedules).
    pub extra_specs: bool,
}

/// Display name of a curve in messages.
pub fn curve_label(name: &str) -> String {
    if name.is_empty() { "the curve".to_string() } else { format!("curve \"{}\"", truncate(name)) }
}

/// Reads loss curves (step, loss, optional curve and lr columns) and gives each its schedule:
/// the spec typed for its name, else the lr column (every step, or samples that match a
/// constant or cosine schedule exactly, see [`identify`]).
///
/// # Errors
/// A message and the input it is about: unreadable table, bad rows, unknown columns, steps out
/// of order, a loss past the end of its schedule, no schedule for a curve, too few points.
pub fn read_curves(text: &str, opts: &CurveOptions) -> Result<(Vec<Curve>, Vec<String>), CurveError> {
    use crate::core::runs::{parse_table, pick_column, read_numeric, summarize_bad_rows, Rule};
    let table = parse_table(text).map_err(|e| CurveError { input: Input::Data, message: e.to_string() })?;
    let col = |typed: &str, aliases: &[&str], input: Input| {
        pick_column(&table.headers, typed, aliases).map_err(|e| CurveError { input, message: e.to_string() })
    };
    let Some(step_col) = col(&opts.step, &["step", "steps", "iteration", "iter", "global_step", "tokens_step"], Input::Step)? else {
        return curve_err(Input::Step, format!("no step column: name it (the table has {})", crate::core::runs::list_names(&table.headers)));
    };
    let Some(loss_col) = col(&opts.loss, &["loss", "val_loss", "validation loss", "eval_loss", "valid_loss", "train_loss"], Input::Loss)?
    else {
        return curve_err(Input::Loss, format!("no loss column: name it (the table has {})", crate::core::runs::list_names(&table.headers)));
    };
    let curve_col = col(&opts.curve, &["curve", "schedule", "run", "name", "run_id"], Input::Curve)?;
    let lr_col = col(&opts.lr, &["lr", "learning_rate", "learning rate", "eta", "lr_official"], Input::Lr)?;
    for (a, b, input) in [(Some(step_col), Some(loss_col), Input::Loss), (Some(step_col), lr_col, Input::Lr), (Some(loss_col), lr_col, Input::Lr)] {
        if a.is_some() && a == b {
            return curve_err(input, "the same column is chosen twice");
        }
    }
    let mut notes = Vec::new();
    // With an lr column, rows may carry only the learning rate (the loss measured at some steps).
    let loss_table = match lr_col {
        Some(_) => {
            let mut t = table.clone();
            t.rows.retain(|r| r.cells.get(loss_col).is_some_and(|c| !c.trim().is_empty()));
            std::borrow::Cow::Owned(t)
        }
        None => std::borrow::Cow::Borrowed(&table),
    };
    let rows = read_numeric(&loss_table, &[(step_col, Rule::NonNegative), (loss_col, Rule::Positive)], curve_col);
    if rows.bad_row_count > 0 {
        let summary = summarize_bad_rows(&rows.bad_rows, rows.bad_row_count, 3);
        if !opts.skip_bad_rows || rows.rows.is_empty() {
            return curve_err(Input::Data, summary);
        }
        notes.push(format!("left out {} bad row(s): {summary}", rows.bad_row_count));
    }
    let lr_rows = lr_col.map(|c| read_numeric(&table, &[(step_col, Rule::NonNegative), (c, Rule::Finite)], curve_col));
    if let Some(lr) = &lr_rows {
        if lr.bad_row_count > 0 && !opts.skip_bad_rows {
            return curve_err(Input::Data, summarize_bad_rows(&lr.bad_rows, lr.bad_row_count, 3));
        }
    }
    // Group by curve, in order of first appearance.
    let mut curves: Vec<Curve> = Vec::new();
    for row in &rows.rows {
        let (step, loss) = (row.values.first().copied().unwrap_or(0.0), row.values.get(1).copied().unwrap_or(0.0));
        let name = row.label.clone().unwrap_or_default();
        if step.fract() != 0.0 || step > MAX_STEPS as f64 {
            return curve_err(Input::Data, format!("row {}: step {} must be a whole number up to {MAX_STEPS}", row.line, format_sig(step, 6)));
        }
        let step = step as usize;
        let index = match curves.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                if curves.len() >= 50 {
                    return curve_err(Input::Curve, "more than 50 curves: is the curve column right?");
                }
                curves.push(Curve { name: name.clone(), rates: Vec::new(), warmup: 0, points: Vec::new(), source: String::new() });
                curves.len() - 1
            }
        };
        let Some(curve) = curves.get_mut(index) else { continue };
        if let Some(&(prev, _)) = curve.points.last() {
            if step <= prev {
                return curve_err(
                    Input::Data,
                    format!("row {}: step {step} of {} comes after step {prev}: steps must increase within a curve", row.line, curve_label(&name)),
                );
            }
        }
        curve.points.push((step, loss));
    }
    let total: usize = curves.iter().map(|c| c.points.len()).sum();
    if total < 5 {
        return curve_err(Input::Data, format!("{total} point{}: at least 5 loss values are needed to fit the laws", if total == 1 { "" } else { "s" }));
    }
    let single = curves.len() == 1 && curves.first().is_some_and(|c| c.name.is_empty()) && opts.specs.len() == 1;
    if let Some((name, _)) = opts.specs.iter().find(|(n, _)| !opts.extra_specs && !single && !n.is_empty() && !curves.iter().any(|c| c.name == *n)) {
        if curves.iter().all(|c| c.name.is_empty()) {
            return curve_err(Input::Curve, format!("the schedules name curves (\"{}\"…) but the table has no curve column: name it", truncate(name)));
        }
        let names: Vec<String> = curves.iter().map(|c| c.name.clone()).collect();
        return curve_err(Input::Specs, format!("no curve is called \"{}\" (the curves are {})", truncate(name), crate::core::runs::list_names(&names)));
    }
    let lone = match opts.specs.as_slice() {
        [(name, spec)] if name.is_empty() || single => Some(spec),
        _ => None,
    };
    if lone.is_some() && curves.len() > 1 {
        return curve_err(Input::Specs, "there are several curves: write one schedule per line as NAME: SPEC");
    }
    let mut total_steps = 0usize;
    for curve in &mut curves {
        let label = curve_label(&curve.name);
        let spec = opts.specs.iter().find(|(n, _)| *n == curve.name).map(|(_, s)| s).or(lone);
        let (rates, warmup, source) = if let Some(spec) = spec {
            (spec.rates(opts.convention), spec.warmup, spec.to_text())
        } else if let Some(lr) = &lr_rows {
            let samples: Vec<(f64, f64)> = lr
                .rows
                .iter()
                .filter(|r| r.label.clone().unwrap_or_default() == curve.name)
                .map(|r| (r.values.first().copied().unwrap_or(0.0), r.values.get(1).copied().unwrap_or(0.0)))
                .collect();
            if let Some((s, v)) = samples.iter().find(|(_, v)| !(*v >= 0.0)) {
                return curve_err(Input::Lr, format!("{label}: the learning rate at step {} is negative ({})", format_sig(*s, 6), format_sig(*v, 4)));
            }
            let first = samples.first().map_or(0.0, |s| s.0);
            let contiguous = samples.windows(2).all(|w| w[1].0 == w[0].0 + 1.0) && (first == 0.0 || first == 1.0);
            if contiguous {
                let values: Vec<f64> = samples.iter().map(|s| s.1).collect();
                let rates = from_column(&values, first as usize).map_err(|e| CurveError { input: Input::Lr, message: format!("{label}: {e}") })?;
                (peak_warmup(rates, opts), opts.warmup, format!("lr column ({} steps)", values.len()))
            } else {
                // Steps past the longest schedule read are refused before a schedule is made of them.
                if samples.iter().any(|s| s.0 > MAX_STEPS as f64) {
                    return curve_err(Input::Lr, format!("{label}: the lr column's steps must be whole numbers up to {MAX_STEPS}"));
                }
                let ints: Vec<(usize, f64)> = samples.iter().filter(|s| s.0.fract() == 0.0).map(|s| (s.0 as usize, s.1)).collect();
                match identify(&ints, opts.warmup) {
                    Some(spec) => {
                        notes.push(format!(
                            "{label}: the lr column gives {} samples, not every step; they match {} exactly, used as its schedule",
                            samples.len(),
                            spec.to_text()
                        ));
                        (spec.rates(opts.convention), spec.warmup, spec.to_text())
                    }
                    None => {
                        // Logged every k steps: the schedule between the samples is interpolated.
                        if samples.iter().any(|s| s.0.fract() != 0.0 || s.0 > MAX_STEPS as f64) {
                            return curve_err(Input::Lr, format!("{label}: the lr column's steps must be whole numbers up to {MAX_STEPS}"));
                        }
                        let whole: Vec<(usize, f64)> = samples.iter().map(|s| (s.0 as usize, s.1)).collect();
                        let span = curve.points.last().map_or(0, |p| p.0) - curve.points.first().map_or(0, |p| p.0);
                        let (actual, ramped) = interpolate(&whole, opts.warmup, span.max(1)).map_err(|e| CurveError { input: Input::Lr, message: format!("{label}: {e}") })?;
                        let gaps: Vec<usize> = whole.windows(2).map(|w| w[1].0 - w[0].0).collect();
                        let (lo, hi) = (gaps.iter().copied().min().unwrap_or(0), gaps.iter().copied().max().unwrap_or(0));
                        notes.push(format!(
                            "{label}: the lr column gives {} samples (every {} steps), not every step: the schedule between them is linear interpolation{}",
                            samples.len(),
                            if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") },
                            match (ramped, whole.first()) {
                                (true, _) => format!(", with a linear warmup from 0 over the first {} steps", opts.warmup),
                                (false, Some(&(first, _))) if first > 1 => format!(", and the first sample's rate before step {first} (was there a warmup? give its steps)"),
                                _ => String::new(),
                            }
                        ));
                        (peak_warmup(actual, opts), opts.warmup, format!("lr column ({} samples, interpolated)", samples.len()))
                    }
                }
            }
        } else {
            return curve_err(
                Input::Specs,
                format!("no schedule for {label}: write a line such as {}cosine:steps=20000,peak=2e-4,warmup=500", if curve.name.is_empty() { String::new() } else { format!("{}: ", curve.name) }),
            );
        };
        let last_rate = rates.len().saturating_sub(1);
        if let Some(&(step, _)) = curve.points.iter().find(|p| p.0 > last_rate) {
            return curve_err(
                Input::Specs,
                format!("{label} has a loss at step {step} but its schedule ends at step {last_rate}: the curve is longer than its schedule"),
            );
        }
        total_steps += rates.len();
        if total_steps > MAX_TOTAL_STEPS {
            return curve_err(Input::Specs, format!("the schedules have more than {MAX_TOTAL_STEPS} steps together: fit fewer or shorter curves"));
        }
        curve.rates = rates;
        curve.warmup = warmup;
        curve.source = source;
    }
    Ok((curves, notes))
}


/// Learning rates read from a column (every step, or interpolated) under the warmup convention:
/// with the paper's (`Peak`) the warmup steps count at the largest rate.
fn peak_warmup(rates: Vec<f64>, opts: &CurveOptions) -> Vec<f64> {
    if opts.convention == Warmup::Peak && opts.warmup > 0 {
        let peak = rates.iter().copied().fold(0.0, f64::max);
        rates.iter().enumerate().map(|(i, r)| if i <= opts.warmup { peak } else { *r }).collect()
    } else {
        rates
    }
}

/// How well a fitted law predicts loss curves it was not fitted on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CurvePrediction {
    /// Each curve.
    pub curves: Vec<PredictedCurve>,
    /// Mean |predicted − observed| over every point.
    pub mae: f64,
    /// Root mean square of predicted − observed over every point.
    pub rmse: f64,
}

/// One predicted curve.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PredictedCurve {
    /// Its name.
    pub name: String,
    /// (step, observed, predicted) at each loss point.
    pub points: Vec<(usize, f64, f64)>,
    /// Mean |predicted − observed|.
    pub mae: f64,
    /// Root mean square of predicted − observed.
    pub rmse: f64,
    /// R² of the observed losses by the predicted ones (`None` when they do not vary).
    pub r2: Option<f64>,
    /// Relative error at the last point: predicted/observed − 1.
    pub final_error: f64,
}

/// Scores `predict` (the predicted loss at each of a curve's points) on `curves`.
pub fn score(curves: &[Curve], predict: impl Fn(&Curve) -> Vec<f64>) -> CurvePrediction {
    let mut all: Vec<f64> = Vec::new();
    let curves: Vec<PredictedCurve> = curves
        .iter()
        .map(|c| {
            let predicted = predict(c);
            let points: Vec<(usize, f64, f64)> = c.points.iter().zip(&predicted).map(|(&(s, l), &p)| (s, l, p)).collect();
            let errors: Vec<f64> = points.iter().map(|p| p.2 - p.1).collect();
            all.extend(&errors);
            let n = errors.len().max(1) as f64;
            PredictedCurve {
                name: c.name.clone(),
                mae: errors.iter().map(|e| e.abs()).sum::<f64>() / n,
                rmse: (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt(),
                r2: crate::core::fit::model::r_squared(points.iter().map(|p| (p.1, p.2))),
                final_error: points.last().map_or(f64::NAN, |p| p.2 / p.1 - 1.0),
                points,
            }
        })
        .collect();
    let n = all.len().max(1) as f64;
    CurvePrediction { curves, mae: all.iter().map(|e| e.abs()).sum::<f64>() / n, rmse: (all.iter().map(|e| e * e).sum::<f64>() / n).sqrt() }
}
