//! Learning-rate schedules: generated (constant, warmup + cosine, WSD, multi-step) or pasted, and
//! the areas S₁, S₂ loss-curve laws read from them.
//!
//! A schedule is the learning rate η_i at every step i = 0, 1, …, T (T + 1 values; the
//! official Tissue et al. script sums from index 0 inclusive, so a constant schedule has
//! S₁(1000) = 1001·η). One text spec describes a generated schedule, e.g.
//! `wsd:steps=20000,peak=2e-4,warmup=500,decay=0.2,shape=1-sqrt,min=0`.

mod areas;
mod curves;

use std::fmt;

pub use areas::{areas, check_lambda, s2_closed_form, Areas};
pub use curves::{curve_label, read_curves, score, Curve, CurveError, CurveOptions, CurvePrediction, Input, PredictedCurve};

use crate::core::units::truncate;
use crate::core::units::{format_sig, parse_number};

/// Most steps a schedule may have (the areas are computed step by step).
pub const MAX_STEPS: usize = 1_000_000;

/// Most steps all the schedules of one fit may have together (bounds memory and time).
pub const MAX_TOTAL_STEPS: usize = 4_000_000;

/// λ of the annealing momentum used by Tissue et al. everywhere.
pub const DEFAULT_LAMBDA: f64 = 0.999;

/// How the warmup steps enter the areas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Warmup {
    /// The paper's and the official script's convention: warmup steps count as η_max.
    #[default]
    Peak,
    /// The learning rate actually used: a linear ramp from 0 to η_max.
    Ramp,
}

impl Warmup {
    /// The word [`Warmup::parse`] reads back.
    pub fn key(self) -> &'static str {
        match self {
            Warmup::Peak => "peak",
            Warmup::Ramp => "ramp",
        }
    }

    /// Parses `peak` (also `paper`, `official`) or `ramp` (also `linear`).
    ///
    /// # Errors
    /// Any other word.
    pub fn parse(text: &str) -> Result<Warmup, ScheduleError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "peak" | "paper" | "official" | "max" => Ok(Warmup::Peak),
            "ramp" | "linear" | "actual" => Ok(Warmup::Ramp),
            other => Err(ScheduleError::UnknownWarmup(other.to_string())),
        }
    }

    /// Short label for the page and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            Warmup::Peak => "warmup steps counted at η_max (paper / official script)",
            Warmup::Ramp => "warmup as the actual linear ramp 0 → η_max",
        }
    }
}

/// The shape of a WSD schedule's final decay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// Straight line to η_min.
    Linear,
    /// Geometric: η_max·(η_min/η_max)^p (needs η_min > 0).
    Exponential,
    /// Half cosine to η_min.
    Cosine,
    /// η_min + (η_max − η_min)·(1 − √p) (Hägele et al. 2024).
    OneMinusSqrt,
}

impl Shape {
    fn parse(text: &str) -> Result<Shape, ScheduleError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "linear" | "lin" => Ok(Shape::Linear),
            "exp" | "exponential" => Ok(Shape::Exponential),
            "cos" | "cosine" => Ok(Shape::Cosine),
            "1-sqrt" | "sqrt" | "1−sqrt" | "one-minus-sqrt" => Ok(Shape::OneMinusSqrt),
            other => Err(ScheduleError::UnknownShape(other.to_string())),
        }
    }

    /// The spec word.
    pub fn key(self) -> &'static str {
        match self {
            Shape::Linear => "linear",
            Shape::Exponential => "exp",
            Shape::Cosine => "cosine",
            Shape::OneMinusSqrt => "1-sqrt",
        }
    }

    /// The fraction of the way from η_max to η_min after a fraction p of the decay (exponential
    /// handled separately).
    fn fall(self, p: f64) -> f64 {
        match self {
            Shape::Linear | Shape::Exponential => p,
            Shape::Cosine => 0.5 * (1.0 - (std::f64::consts::PI * p).cos()),
            Shape::OneMinusSqrt => p.sqrt(),
        }
    }
}

/// Which family a generated schedule is.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Kind {
    /// η_max after warmup.
    Constant,
    /// Cosine from η_max (at the end of warmup) to η_min at the last step.
    Cosine,
    /// Warmup, stable at η_max, then a decay over the last `decay` fraction of the steps.
    Wsd {
        /// Fraction of all steps spent decaying, in (0, 1].
        decay: f64,
        /// Decay shape.
        shape: Shape,
    },
    /// η_max, multiplied by the factors in turn at the milestones (fractions of the steps).
    MultiStep {
        /// Milestones as fractions of the steps, increasing, in (0, 1).
        at: Vec<f64>,
        /// The learning rate after each milestone, as a fraction of η_max.
        factors: Vec<f64>,
    },
}

/// A generated schedule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Spec {
    /// The family.
    pub kind: Kind,
    /// Last step T (the schedule has η_0 … η_T).
    pub steps: usize,
    /// Peak learning rate η_max.
    pub peak: f64,
    /// Linear warmup steps W.
    pub warmup: usize,
    /// Final learning rate η_min (cosine, WSD).
    pub min: f64,
}

/// Why a schedule spec, an lr column or λ was not accepted: what and where.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleError {
    /// Nothing written.
    Empty,
    /// A part that is not `key=value`.
    NotKeyValue(String),
    /// A key given twice.
    Twice(String),
    /// A kind of schedule this page does not know.
    UnknownKind(String),
    /// A key the kind does not take.
    UnknownKey {
        /// The kind as written.
        kind: String,
        /// The key.
        key: String,
        /// The keys it takes.
        allowed: &'static [&'static str],
    },
    /// A required key is missing.
    Missing {
        /// The key.
        key: &'static str,
        /// What it is.
        what: &'static str,
    },
    /// A value that does not read.
    Value {
        /// The key.
        key: String,
        /// The value as written.
        value: String,
        /// Why.
        problem: ValueProblem,
    },
    /// A value outside what it may be.
    Range(Range),
    /// An unknown warmup convention.
    UnknownWarmup(String),
    /// An unknown decay shape.
    UnknownShape(String),
    /// A pasted lr column that cannot be a schedule.
    Column(ColumnProblem),
    /// More schedules than one page fits.
    TooManySchedules,
    /// A problem on one line of a list of named schedules.
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong on it.
        error: Box<ScheduleError>,
    },
    /// A schedule name given twice in a list.
    DuplicateName {
        /// 1-based line number.
        line: usize,
        /// The name.
        name: String,
    },
}

/// Why a value does not read.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueProblem {
    /// Not a number (the number parser's reason).
    Number(crate::core::units::ParseError),
    /// Infinite or NaN.
    NotFinite,
    /// A count that is not a whole number ≥ 0.
    NotWhole,
    /// A count beyond [`MAX_STEPS`].
    TooManySteps,
}

/// A value outside what it may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// steps = 0.
    NoSteps,
    /// peak ≤ 0.
    PeakNotPositive,
    /// warmup ≥ steps.
    WarmupTooLong {
        /// warmup.
        warmup: usize,
        /// steps.
        steps: usize,
    },
    /// min < 0.
    MinNegative,
    /// min > peak.
    MinAbovePeak,
    /// decay outside (0, 1].
    Decay,
    /// An exponential decay with min = 0.
    ExponentialToZero,
    /// Not 1 to 20 milestones.
    MilestoneCount,
    /// Milestones not increasing within (0, 1).
    MilestoneOrder,
    /// Both factor= and factors=.
    FactorAndFactors,
    /// factors= and at= of different lengths.
    FactorCount {
        /// Factors given.
        factors: usize,
        /// Milestones given.
        milestones: usize,
    },
    /// A negative or infinite factor.
    Factor,
    /// λ outside [0, 1).
    Lambda(f64),
}

/// Why a pasted lr column cannot be a schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnProblem {
    /// No values.
    Empty,
    /// More than [`MAX_STEPS`] values.
    TooMany(usize),
    /// It does not start at step 0 or 1.
    FirstStep(usize),
    /// A value at this step is not finite.
    NotFinite(usize),
    /// A negative value at this step.
    Negative {
        /// The step.
        step: usize,
        /// The value.
        value: f64,
    },
    /// Sampled steps that do not increase (this step after that one).
    NotIncreasing {
        /// The step.
        step: usize,
        /// The step before it.
        after: usize,
    },
    /// Samples further apart than the loss curve is long: interpolating would be a guess.
    Gap {
        /// The sampled step before the gap.
        from: usize,
        /// The next sampled step.
        to: usize,
        /// The loss curve's length in steps.
        curve: usize,
    },
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Range::NoSteps => f.write_str("steps must be at least 1"),
            Range::PeakNotPositive => f.write_str("peak learning rate must be greater than 0"),
            Range::WarmupTooLong { warmup, steps } => write!(f, "warmup ({warmup}) must be shorter than steps ({steps})"),
            Range::MinNegative => f.write_str("min learning rate must not be negative"),
            Range::MinAbovePeak => f.write_str("min learning rate is above the peak"),
            Range::Decay => f.write_str("decay is the fraction of the steps spent decaying: between 0 (excluded) and 1"),
            Range::ExponentialToZero => f.write_str("an exponential decay needs min > 0 (it never reaches 0)"),
            Range::MilestoneCount => f.write_str("at= takes 1 to 20 milestones, e.g. at=0.8/0.9"),
            Range::MilestoneOrder => f.write_str("milestones at= must increase, each a fraction of the steps between 0 and 1"),
            Range::FactorAndFactors => f.write_str("give factor= or factors=, not both"),
            Range::FactorCount { factors, milestones } => write!(f, "factors= has {factors} values but at= has {milestones} milestones"),
            Range::Factor => f.write_str("multi-step factors must be finite and not negative"),
            Range::Lambda(l) => write!(f, "λ must be at least 0 and below 1 (the paper uses 0.999); got {}", format_sig(*l, 4)),
        }
    }
}

impl fmt::Display for ColumnProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnProblem::Empty => f.write_str("the learning-rate column is empty"),
            ColumnProblem::TooMany(n) => write!(f, "{n} learning rates: at most {MAX_STEPS} steps are accepted"),
            ColumnProblem::FirstStep(s) => write!(f, "the learning rates start at step {s}: they must start at step 0 or 1"),
            ColumnProblem::NotFinite(s) => write!(f, "learning rate at step {s} is not a finite number"),
            ColumnProblem::Negative { step, value } => write!(f, "learning rate at step {step} is negative ({})", format_sig(*value, 4)),
            ColumnProblem::NotIncreasing { step, after } => write!(f, "the learning rate is given at step {step} after step {after}: steps must increase"),
            ColumnProblem::Gap { from, to, curve } => write!(
                f,
                "the learning rate jumps from step {from} to step {to}, a gap longer than the loss curve ({curve} steps): log it more often (or give a schedule)"
            ),
        }
    }
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::Empty => f.write_str("empty schedule: write e.g. cosine:steps=20000,peak=2e-4,warmup=500"),
            ScheduleError::NotKeyValue(part) => write!(f, "\"{}\" is not key=value", truncate(part)),
            ScheduleError::Twice(k) => write!(f, "{k} is given twice"),
            ScheduleError::UnknownKind(k) => {
                write!(f, "unknown schedule \"{}\": use constant, cosine, wsd or multistep (e.g. cosine:steps=20000,peak=2e-4)", truncate(k))
            }
            ScheduleError::UnknownKey { kind, key, allowed } => write!(f, "{kind} has no \"{}\" (it takes {})", truncate(key), allowed.join(", ")),
            ScheduleError::Missing { key, what } => write!(f, "{key}=… is missing ({what})"),
            ScheduleError::Value { key, value, problem } => match problem {
                ValueProblem::Number(e) => write!(f, "{key}={}: {e}", truncate(value)),
                ValueProblem::NotFinite => write!(f, "{key}={} is not a finite number", truncate(value)),
                ValueProblem::NotWhole => write!(f, "{key}={} must be a whole number ≥ 0", truncate(value)),
                ValueProblem::TooManySteps => write!(f, "{key}={} is more than the {MAX_STEPS} steps a schedule may have", truncate(value)),
            },
            ScheduleError::Range(r) => write!(f, "{r}"),
            ScheduleError::UnknownWarmup(w) => write!(f, "unknown warmup convention \"{}\": use peak (the paper's) or ramp", truncate(w)),
            ScheduleError::UnknownShape(s) => write!(f, "unknown decay shape \"{}\": use linear, exp, cosine or 1-sqrt", truncate(s)),
            ScheduleError::Column(c) => write!(f, "{c}"),
            ScheduleError::TooManySchedules => f.write_str("at most 50 schedules"),
            ScheduleError::Line { line, error } => write!(f, "line {line}: {error}"),
            ScheduleError::DuplicateName { line, name } => write!(f, "line {line}: a schedule for \"{}\" is given twice", truncate(name)),
        }
    }
}

impl std::error::Error for ScheduleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScheduleError::Line { error, .. } => Some(error.as_ref()),
            ScheduleError::Value { problem: ValueProblem::Number(e), .. } => Some(e),
            _ => None,
        }
    }
}

fn range_err<T>(r: Range) -> Result<T, ScheduleError> {
    Err(ScheduleError::Range(r))
}

fn value_err<T>(key: &str, value: &str, problem: ValueProblem) -> Result<T, ScheduleError> {
    Err(ScheduleError::Value { key: key.to_string(), value: value.to_string(), problem })
}

fn number(key: &str, value: &str) -> Result<f64, ScheduleError> {
    match parse_number(value) {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => value_err(key, value, ValueProblem::NotFinite),
        Err(e) => value_err(key, value, ValueProblem::Number(e)),
    }
}

fn count(key: &str, value: &str) -> Result<usize, ScheduleError> {
    let v = number(key, value)?;
    if v < 0.0 || v.fract() != 0.0 {
        return value_err(key, value, ValueProblem::NotWhole);
    }
    if v > MAX_STEPS as f64 {
        return value_err(key, value, ValueProblem::TooManySteps);
    }
    Ok(v as usize)
}

fn list(key: &str, value: &str) -> Result<Vec<f64>, ScheduleError> {
    value.split(['/', ';', ' ']).filter(|s| !s.trim().is_empty()).map(|s| number(key, s.trim())).collect()
}

impl Spec {
    /// Parses `KIND:key=value,…` with KIND one of `constant`, `cosine`, `wsd`, `multistep`.
    /// Keys: `steps` (T, required), `peak` (η_max, required), `warmup` (0), `min` (0; cosine,
    /// WSD), `decay` (0.2; WSD: fraction of the steps), `shape` (linear, exp, cosine, 1-sqrt;
    /// default 1-sqrt), `at` (multistep milestones as fractions, `0.8/0.9`), `factor` (one
    /// factor applied at each milestone, default 0.1) or `factors` (the lr after each
    /// milestone as fractions of η_max, `0.316/0.1`).
    ///
    /// # Errors
    /// A message naming the bad part.
    pub fn parse(text: &str) -> Result<Spec, ScheduleError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ScheduleError::Empty);
        }
        let (kind_word, rest) = match text.split_once(':') {
            Some((k, r)) => (k.trim().to_ascii_lowercase(), r),
            None => (text.to_ascii_lowercase(), ""),
        };
        let mut keys: Vec<(String, String)> = Vec::new();
        for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((k, v)) = part.split_once('=') else {
                return Err(ScheduleError::NotKeyValue(part.to_string()));
            };
            let k = k.trim().to_ascii_lowercase();
            if keys.iter().any(|(seen, _)| *seen == k) {
                return Err(ScheduleError::Twice(k));
            }
            keys.push((k, v.trim().to_string()));
        }
        let get = |k: &str| keys.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        let allowed: &[&str] = match kind_word.as_str() {
            "constant" | "const" => &["steps", "peak", "warmup"],
            "cosine" | "cos" => &["steps", "peak", "warmup", "min"],
            "wsd" => &["steps", "peak", "warmup", "min", "decay", "shape"],
            "multistep" | "step" | "steps" => &["steps", "peak", "warmup", "at", "factor", "factors"],
            other => {
                return Err(ScheduleError::UnknownKind(other.to_string()))
            }
        };
        if let Some((k, _)) = keys.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            return Err(ScheduleError::UnknownKey { kind: kind_word.clone(), key: k.clone(), allowed });
        }
        let Some(steps) = get("steps") else {
            return Err(ScheduleError::Missing { key: "steps", what: "the last training step" });
        };
        let steps = count("steps", steps)?;
        if steps == 0 {
            return range_err(Range::NoSteps);
        }
        let Some(peak) = get("peak") else {
            return Err(ScheduleError::Missing { key: "peak", what: "the peak learning rate" });
        };
        let peak = number("peak", peak)?;
        if !(peak > 0.0) {
            return range_err(Range::PeakNotPositive);
        }
        let warmup = get("warmup").map(|w| count("warmup", w)).transpose()?.unwrap_or(0);
        if warmup >= steps {
            return range_err(Range::WarmupTooLong { warmup, steps });
        }
        let min = get("min").map(|m| number("min", m)).transpose()?.unwrap_or(0.0);
        if min < 0.0 {
            return range_err(Range::MinNegative);
        }
        if min > peak {
            return range_err(Range::MinAbovePeak);
        }
        let kind = match kind_word.as_str() {
            "constant" | "const" => Kind::Constant,
            "cosine" | "cos" => Kind::Cosine,
            "wsd" => {
                let decay = get("decay").map(|d| number("decay", d)).transpose()?.unwrap_or(0.2);
                if !(decay > 0.0 && decay <= 1.0) {
                    return range_err(Range::Decay);
                }
                let shape = get("shape").map(Shape::parse).transpose()?.unwrap_or(Shape::OneMinusSqrt);
                if shape == Shape::Exponential && !(min > 0.0) {
                    return range_err(Range::ExponentialToZero);
                }
                Kind::Wsd { decay, shape }
            }
            _ => {
                let at = get("at").map(|a| list("at", a)).transpose()?.unwrap_or_else(|| vec![0.8, 0.9]);
                if at.is_empty() || at.len() > 20 {
                    return range_err(Range::MilestoneCount);
                }
                if at.iter().any(|a| !(*a > 0.0 && *a < 1.0)) || at.windows(2).any(|w| w[1] <= w[0]) {
                    return range_err(Range::MilestoneOrder);
                }
                let factors = match (get("factor"), get("factors")) {
                    (Some(_), Some(_)) => return range_err(Range::FactorAndFactors),
                    (_, Some(f)) => {
                        let f = list("factors", f)?;
                        if f.len() != at.len() {
                            return range_err(Range::FactorCount { factors: f.len(), milestones: at.len() });
                        }
                        f
                    }
                    (f, None) => {
                        let f = f.map(|f| number("factor", f)).transpose()?.unwrap_or(0.1);
                        (1..=at.len()).map(|i| f.powi(i as i32)).collect()
                    }
                };
                if factors.iter().any(|f| !(*f >= 0.0 && f.is_finite())) {
                    return range_err(Range::Factor);
                }
                Kind::MultiStep { at, factors }
            }
        };
        Ok(Spec { kind, steps, peak, warmup, min })
    }

    /// The spec as text (parses back to the same schedule).
    pub fn to_text(&self) -> String {
        let base = format!("steps={},peak={},warmup={}", self.steps, format_sig(self.peak, 6), self.warmup);
        let join = |v: &[f64]| v.iter().map(|x| format_sig(*x, 6)).collect::<Vec<_>>().join("/");
        match &self.kind {
            Kind::Constant => format!("constant:{base}"),
            Kind::Cosine => format!("cosine:{base},min={}", format_sig(self.min, 6)),
            Kind::Wsd { decay, shape } => {
                format!("wsd:{base},decay={},shape={},min={}", format_sig(*decay, 6), shape.key(), format_sig(self.min, 6))
            }
            Kind::MultiStep { at, factors } => format!("multistep:{base},at={},factors={}", join(at), join(factors)),
        }
    }

    /// The same schedule with another WSD decay fraction (other kinds: unchanged).
    pub fn with_decay(&self, fraction: f64) -> Spec {
        let mut s = self.clone();
        if let Kind::Wsd { decay, .. } = &mut s.kind {
            *decay = fraction;
        }
        s
    }

    /// η_i under the warmup convention, for i in 0..=steps.
    pub fn lr(&self, i: usize, warmup: Warmup) -> f64 {
        let (t, w, peak) = (self.steps as f64, self.warmup as f64, self.peak);
        let x = i as f64;
        if i < self.warmup || (i == self.warmup && self.warmup > 0) {
            return match warmup {
                Warmup::Peak => peak,
                Warmup::Ramp => peak * x / w,
            };
        }
        match &self.kind {
            Kind::Constant => peak,
            Kind::Cosine => {
                let p = ((x - w) / (t - w)).clamp(0.0, 1.0);
                self.min + (peak - self.min) * 0.5 * (1.0 + (std::f64::consts::PI * p).cos())
            }
            Kind::Wsd { decay, shape } => {
                let len = (decay * t).round().max(1.0);
                let start = t - len;
                if x <= start {
                    return peak;
                }
                let p = ((x - start) / len).clamp(0.0, 1.0);
                match shape {
                    Shape::Exponential => peak * (self.min / peak).powf(p),
                    s => peak - (peak - self.min) * s.fall(p),
                }
            }
            Kind::MultiStep { at, factors } => {
                let mut lr = peak;
                for (a, f) in at.iter().zip(factors) {
                    if x >= (a * t).round() {
                        lr = peak * f;
                    }
                }
                lr
            }
        }
    }

    /// Every η_i, i = 0..=steps.
    pub fn rates(&self, warmup: Warmup) -> Vec<f64> {
        (0..=self.steps).map(|i| self.lr(i, warmup)).collect()
    }
}

/// A schedule from a column of learning rates, one per step starting at step 0 (or at step 1,
/// when `first_step` is 1: η_0 is then taken equal to η_1).
///
/// # Errors
/// No values, too many, or a negative / non-finite one (named by its position).
pub fn from_column(values: &[f64], first_step: usize) -> Result<Vec<f64>, ScheduleError> {
    if values.is_empty() {
        return Err(ScheduleError::Column(ColumnProblem::Empty));
    }
    if values.len() > MAX_STEPS {
        return Err(ScheduleError::Column(ColumnProblem::TooMany(values.len())));
    }
    if first_step > 1 {
        return Err(ScheduleError::Column(ColumnProblem::FirstStep(first_step)));
    }
    for (i, v) in values.iter().enumerate() {
        if !v.is_finite() {
            return Err(ScheduleError::Column(ColumnProblem::NotFinite(i + first_step)));
        }
        if *v < 0.0 {
            return Err(ScheduleError::Column(ColumnProblem::Negative { step: i + first_step, value: *v }));
        }
    }
    let mut out = Vec::with_capacity(values.len() + 1);
    if first_step == 1 {
        out.push(values[0]);
    }
    out.extend_from_slice(values);
    Ok(out)
}

/// A named schedule per curve, from lines `NAME: SPEC` (or a lone `SPEC` when there is one
/// curve). Blank lines and lines starting with `#` are skipped.
///
/// # Errors
/// The first bad line, numbered.
pub fn parse_named(text: &str) -> Result<Vec<(String, Spec)>, ScheduleError> {
    let mut out: Vec<(String, Spec)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if out.len() >= 50 {
            return Err(ScheduleError::TooManySchedules);
        }
        let labelled = line.split_once(':').and_then(|(name, rest)| {
            let rest = rest.trim();
            (rest.contains(':') || Spec::parse(rest).is_ok()).then(|| (name.trim().to_string(), rest.to_string()))
        });
        let (name, spec) = match labelled {
            Some((name, rest)) if !rest.is_empty() && rest.split(':').next().is_some_and(|k| !k.contains('=')) => {
                match Spec::parse(&rest) {
                    Ok(s) => (name, s),
                    Err(e) => return Err(ScheduleError::Line { line: n + 1, error: Box::new(e) }),
                }
            }
            _ => match Spec::parse(line) {
                Ok(s) => (String::new(), s),
                Err(e) => return Err(ScheduleError::Line { line: n + 1, error: Box::new(e) }),
            },
        };
        if out.iter().any(|(other, _)| *other == name) {
            return Err(ScheduleError::DuplicateName { line: n + 1, name });
        }
        out.push((name, spec));
    }
    Ok(out)
}

/// The per-step learning rates (η_0 … η_T, T the last sampled step) of a schedule logged only
/// at some steps, as trainers log it (every k steps): linear interpolation between samples; before
/// the first sample, a linear warmup from 0 over `warmup` steps when one is given and the first
/// sample is past it (then flat), else the first sample's rate. Also whether it ramped.
///
/// # Errors
/// No samples, too many steps, a negative or non-finite rate, steps that do not increase, or a
/// gap between samples longer than `curve` steps (the loss curve's length).
pub fn interpolate(samples: &[(usize, f64)], warmup: usize, curve: usize) -> Result<(Vec<f64>, bool), ColumnProblem> {
    let (Some(&(first, first_rate)), Some(&(last, _))) = (samples.first(), samples.last()) else { return Err(ColumnProblem::Empty) };
    if last >= MAX_STEPS {
        return Err(ColumnProblem::TooMany(last + 1));
    }
    for (i, &(step, rate)) in samples.iter().enumerate() {
        if !rate.is_finite() {
            return Err(ColumnProblem::NotFinite(step));
        }
        if rate < 0.0 {
            return Err(ColumnProblem::Negative { step, value: rate });
        }
        if let Some(&(before, _)) = i.checked_sub(1).and_then(|j| samples.get(j)) {
            if step <= before {
                return Err(ColumnProblem::NotIncreasing { step, after: before });
            }
            if step - before > curve {
                return Err(ColumnProblem::Gap { from: before, to: step, curve });
            }
        }
    }
    let ramp = warmup > 0 && first >= warmup;
    let mut rates = Vec::with_capacity(last + 1);
    for s in 0..first {
        rates.push(if ramp && s < warmup { first_rate * s as f64 / warmup as f64 } else { first_rate });
    }
    for w in samples.windows(2) {
        let ((a, ra), (b, rb)) = (w[0], w[1]);
        for s in a..b {
            rates.push(ra + (rb - ra) * (s - a) as f64 / (b - a) as f64);
        }
    }
    rates.push(samples[samples.len() - 1].1);
    Ok((rates, ramp))
}

/// A generated spec that reproduces learning rates known only at some steps (e.g. every 1 000
/// steps): constant or cosine with the given warmup, η_max = the largest sample, η_min = the
/// sample at the last step, T = the last step. `None` unless every sample matches to 1e-6
/// relative to η_max.
pub fn identify(samples: &[(usize, f64)], warmup: usize) -> Option<Spec> {
    let last = samples.iter().max_by_key(|s| s.0)?;
    let peak = samples.iter().map(|s| s.1).fold(f64::NAN, f64::max);
    if !(peak > 0.0) || last.0 == 0 || warmup >= last.0 {
        return None;
    }
    let min = last.1.max(0.0);
    // The cosine's peak from the sample nearest the end of warmup (the peak itself may not be sampled).
    let unit = Spec { kind: Kind::Cosine, steps: last.0, peak: 1.0, warmup, min: 0.0 };
    let cosine_peak = samples
        .iter()
        .filter(|s| s.0 > warmup)
        .map(|&(i, lr)| (unit.lr(i, Warmup::Peak), lr))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(peak, |(c, lr)| if c > 0.5 { min + (lr - min) / c } else { peak });
    let candidates = [
        Spec { kind: Kind::Constant, steps: last.0, peak, warmup, min: 0.0 },
        Spec { kind: Kind::Cosine, steps: last.0, peak: cosine_peak, warmup, min },
    ];
    candidates.into_iter().find(|spec| {
        spec.peak.is_finite()
            && spec.peak >= spec.min
            && samples.iter().all(|&(i, lr)| i <= spec.steps && (spec.lr(i, Warmup::Peak) - lr).abs() <= 1e-6 * spec.peak)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (fuzz/, target schedule): an lr column with a step of 5·10⁵³ among
    /// others with a constant lr made a constant schedule of that many steps (capacity overflow,
    /// a panic). It is refused with the step limit instead.
    #[test]
    fn an_lr_column_far_past_the_step_limit_is_refused_not_allocated() {
        let text = "\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{0}\u{4}step,loss,lr\n1,3.5,0.001\n10,3.405131670194949,0.001\n20,3.365835921350013,0.001\n30,3.3356832327484502,0.001\n49999999999999999999999999999999999999999999999999990,3.310263340389:97,0.001\n50,3.2878679656440357,0/001\n60\n999227555,0.00,@.5,0.00101\n70,3.";
        let opts = CurveOptions { skip_bad_rows: true, ..CurveOptions::default() };
        let err = read_curves(text, &opts).unwrap_err();
        assert!(err.message.contains(&MAX_STEPS.to_string()), "{:?}", err);
    }

    /// A schedule logged every `k` steps (and at the last), as trainers log it.
    fn logged(rates: &[f64], k: usize) -> Vec<(usize, f64)> {
        let last = rates.len() - 1;
        (0..=last).filter(|s| s % k == 0 || *s == last).map(|s| (s, rates[s])).collect()
    }

    #[test]
    fn interpolated_schedules_keep_s1_and_s2_close_to_the_exact_ones() {
        // Schedules whose samples identify() cannot match (WSD, multistep, cosine to a floor
        // with warmup), logged every k steps from step 0 or from past the warmup.
        for text in ["wsd:steps=20000,peak=3e-4,warmup=500,decay=0.2", "multistep:steps=20000,peak=3e-4,warmup=300,at=0.5/0.8", "cosine:steps=20000,peak=2e-4,warmup=500,min=2e-5"] {
            let spec = Spec::parse(text).unwrap();
            let exact = spec.rates(Warmup::Ramp);
            let truth = areas(&exact, DEFAULT_LAMBDA);
            let mut last_error = 0.0;
            for k in [10, 100, 1000] {
                let (rates, _) = interpolate(&logged(&exact, k), spec.warmup, usize::MAX).unwrap();
                assert_eq!(rates.len(), exact.len());
                let got = areas(&rates, DEFAULT_LAMBDA);
                let end = exact.len() - 1;
                let e1 = (got.s1[end] / truth.s1[end] - 1.0).abs();
                let e2 = (got.s2[end] - truth.s2[end]).abs() / truth.s2[end].abs().max(1e-12);
                // Every 10 steps: S₁ to 0.1 %, S₂ to 1 %; coarser logging errs more.
                if k == 10 {
                    assert!(e1 < 1e-3 && e2 < 1e-2, "{text} every {k}: S1 {e1} S2 {e2}");
                }
                assert!(e1 + 1e-12 >= last_error * 0.5, "{text}: error should not shrink much as logging coarsens");
                last_error = e1;
            }
        }
        // Piecewise-linear schedules sampled at their knots come back exactly.
        let knots = [(0, 0.0), (500, 3e-4), (16000, 3e-4), (20000, 0.0)];
        let (rates, ramped) = interpolate(&knots, 0, usize::MAX).unwrap();
        let exact = |s: usize| match s {
            0..500 => 3e-4 * s as f64 / 500.0,
            500..16000 => 3e-4,
            _ => 3e-4 * (20000 - s) as f64 / 4000.0,
        };
        assert!(!ramped);
        assert_eq!(rates.len(), 20001);
        assert!(rates.iter().enumerate().all(|(s, r)| (r - exact(s)).abs() < 1e-18), "not the piecewise-linear schedule");
    }

    #[test]
    fn samples_past_the_warmup_get_a_ramp_from_zero() {
        let (rates, ramped) = interpolate(&[(1000, 2e-4), (2000, 1e-4), (5000, 5e-5)], 400, 5000).unwrap();
        assert!(ramped);
        assert_eq!(rates.len(), 5001);
        assert_eq!(rates[0], 0.0);
        assert!((rates[200] - 1e-4).abs() < 1e-18 && rates[400] == 2e-4 && rates[999] == 2e-4);
        assert!((rates[1500] - 1.5e-4).abs() < 1e-18);
        let (flat, ramped) = interpolate(&[(1000, 2e-4), (2000, 1e-4), (5000, 5e-5)], 0, 5000).unwrap();
        assert!(!ramped && flat[0] == 2e-4);
    }

    #[test]
    fn bad_samples_are_named() {
        assert_eq!(interpolate(&[(0, 1e-4), (500, 1e-4), (400, 1e-4), (2000, 0.0)], 0, 2000).unwrap_err(), ColumnProblem::NotIncreasing { step: 400, after: 500 });
        assert_eq!(interpolate(&[(0, 1e-4), (100, 1e-4), (900, 1e-4), (1000, 0.0)], 0, 500).unwrap_err().to_string(),
            "the learning rate jumps from step 100 to step 900, a gap longer than the loss curve (500 steps): log it more often (or give a schedule)");
        assert!(matches!(interpolate(&[(0, 1e-4), (10, -1.0)], 0, 10), Err(ColumnProblem::Negative { step: 10, .. })));
        assert_eq!(interpolate(&[], 0, 0).unwrap_err(), ColumnProblem::Empty);
    }


    fn fig2_rows() -> Vec<(String, usize, f64, f64, f64)> {
        crate::test_support::fig2_csv().lines()
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                (c[0].to_string(), c[1].parse().unwrap(), c[3].parse().unwrap(), c[4].parse().unwrap(), c[5].parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn fig2_areas_match_the_official_columns() {
        let cosine = Spec::parse("cosine:steps=20000,peak=2e-4,warmup=500,min=0").unwrap();
        let constant = Spec::parse("constant:steps=20000,peak=2e-4,warmup=500").unwrap();
        let ac = areas(&cosine.rates(Warmup::Peak), 0.999);
        let ak = areas(&constant.rates(Warmup::Peak), 0.999);
        for (name, step, lr, s1, s2) in fig2_rows() {
            let (spec, a) = if name == "cosine" { (&cosine, &ac) } else { (&constant, &ak) };
            assert!((spec.lr(step, Warmup::Peak) - lr).abs() <= 1e-15, "{name} {step}");
            assert!((a.s1[step] - s1).abs() <= 1e-9 * s1.abs().max(1e-12), "{name} {step}: {} vs {s1}", a.s1[step]);
            assert!((a.s2[step] - s2).abs() <= 1e-8 * s2.abs().max(1e-12), "{name} {step}: {} vs {s2}", a.s2[step]);
        }
    }

    #[test]
    fn identifies_fig2_schedules_from_samples() {
        for name in ["cosine", "constant"] {
            let samples: Vec<(usize, f64)> = fig2_rows().into_iter().filter(|r| r.0 == name).map(|r| (r.1, r.2)).collect();
            let spec = identify(&samples, 500).unwrap();
            assert_eq!(spec.kind == Kind::Cosine, name == "cosine");
            assert!((spec.peak - 2e-4).abs() < 1e-12, "{spec:?}");
            assert_eq!(spec.steps, 20000);
        }
        assert!(identify(&[(1000, 1.0), (2000, 0.3), (3000, 0.9)], 0).is_none());
    }

    #[test]
    fn shapes_start_at_peak_and_end_at_min() {
        for shape in ["linear", "exp", "cosine", "1-sqrt"] {
            let s = Spec::parse(&format!("wsd:steps=1000,peak=1e-3,warmup=10,decay=0.2,shape={shape},min=1e-5")).unwrap();
            let r = s.rates(Warmup::Ramp);
            assert_eq!(r[0], 0.0);
            assert_eq!(r[10], 1e-3);
            assert_eq!(r[800], 1e-3);
            assert!((r[1000] - 1e-5).abs() < 1e-15, "{shape}");
            assert!(r[801] < 1e-3 && r.windows(2).skip(10).all(|w| w[1] <= w[0] + 1e-18));
            assert_eq!(Spec::parse(&s.to_text()).unwrap(), s);
        }
        let m = Spec::parse("multistep:steps=100,peak=1,at=0.8/0.9,factors=0.316/0.1").unwrap();
        assert_eq!((m.lr(79, Warmup::Peak), m.lr(80, Warmup::Peak), m.lr(95, Warmup::Peak)), (1.0, 0.316, 0.1));
        assert_eq!(Spec::parse(&m.to_text()).unwrap(), m);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (text, needle) in [
            ("", "empty"),
            ("foo:steps=1", "unknown schedule"),
            ("cosine:peak=1e-3", "steps"),
            ("cosine:steps=0,peak=1", "at least 1"),
            ("cosine:steps=1e9,peak=1", "more than"),
            ("cosine:steps=100,peak=-1", "greater than 0"),
            ("cosine:steps=100,peak=inf", "peak"),
            ("cosine:steps=100,peak=1,min=-1", "negative"),
            ("wsd:steps=100,peak=1,decay=2", "fraction"),
            ("wsd:steps=100,peak=1,shape=exp", "min > 0"),
            ("constant:steps=100,peak=1,decay=0.1", "no \"decay\""),
            ("cosine:steps=100,peak=1,warmup=100", "shorter"),
            ("cosine:steps=100,peak=1,steps=3", "twice"),
        ] {
            let e = Spec::parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
        assert!(from_column(&[1.0, -1.0], 0).unwrap_err().to_string().contains("step 1 is negative"));
        assert!(from_column(&[1.0, f64::NAN], 1).unwrap_err().to_string().contains("step 2"));
        assert!(check_lambda(1.0).is_err() && check_lambda(f64::NAN).is_err());
    }

    #[test]
    fn named_lines() {
        let v = parse_named("cosine: cosine:steps=20000,peak=2e-4\n# note\nconstant: constant:steps=20000,peak=2e-4").unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].0, "cosine");
        let lone = parse_named("wsd:steps=100,peak=1").unwrap();
        assert_eq!(lone[0].0, "");
        assert!(parse_named("a: cosine:steps=0,peak=1").unwrap_err().to_string().starts_with("line 1"));
    }

    proptest::proptest! {
        #[test]
        fn s2_recursion_equals_closed_form(seed in proptest::collection::vec(0.0f64..1.0, 2..200), lambda in 0.0f64..0.9999) {
            let a = areas(&seed, lambda);
            for s in [0, seed.len() / 2, seed.len() - 1] {
                let closed = s2_closed_form(&seed, lambda, s);
                proptest::prop_assert!((a.s2[s] - closed).abs() <= 1e-9 * (1.0 + closed.abs()), "{} vs {}", a.s2[s], closed);
            }
        }
    }
}
