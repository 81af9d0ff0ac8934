//! Grids of starting points and the one parser for a grid a user writes
//! (`a=0:25:5, b=0:25:5, e=-1:1:0.5, alpha=0:2:0.5, beta=0:2:0.5`); each law gives its default
//! grid and the names of its parameters.

use std::fmt;

/// Most starts a grid may have (the default Chinchilla grid has 4 500).
pub const MAX_STARTS: usize = 100_000;

/// One list of values per parameter θᵢ; the starts are their Cartesian product.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    /// Values for each θᵢ, in the form's θ order.
    pub axes: Vec<Vec<f64>>,
}

/// Why a grid specification was not accepted, naming the entry.
#[derive(Debug, Clone, PartialEq)]
pub enum GridError {
    /// An entry is not `name=values`.
    NotNameValue {
        /// The entry.
        entry: String,
        /// The law's parameter names.
        names: String,
    },
    /// A name that is not one of the law's parameters.
    UnknownName {
        /// The name.
        name: String,
        /// The law's parameter names.
        names: String,
    },
    /// An entry's values do not read.
    Axis {
        /// The entry.
        entry: String,
        /// What is wrong with its values.
        problem: AxisError,
    },
    /// More starting points than [`MAX_STARTS`] (`None`: more than a `usize` counts).
    TooManyStarts(Option<usize>),
}

/// What is wrong with one parameter's values.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisError {
    /// A value is not a finite number.
    NotANumber(String),
    /// A range with other than three parts.
    NotARange,
    /// A range that ends before it starts.
    Reversed {
        /// Its start.
        start: f64,
        /// Its end.
        stop: f64,
    },
    /// A step that is not positive.
    Step,
    /// More than [`MAX_STARTS`] values.
    TooManyValues,
    /// No values at all.
    Empty,
}

impl fmt::Display for AxisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AxisError::NotANumber(t) => write!(f, "\"{t}\" is not a number"),
            AxisError::NotARange => f.write_str("a range is start:stop:step"),
            AxisError::Reversed { start, stop } => write!(f, "the range ends ({stop}) before it starts ({start})"),
            AxisError::Step => f.write_str("the step must be greater than 0"),
            AxisError::TooManyValues => write!(f, "more than {MAX_STARTS} values"),
            AxisError::Empty => f.write_str("no values"),
        }
    }
}

impl fmt::Display for GridError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GridError::NotNameValue { entry, names } => write!(f, "grid entry \"{entry}\" needs the form name=start:stop:step (names: {names})"),
            GridError::UnknownName { name, names } => write!(f, "grid: unknown parameter \"{name}\"; this law's parameters are {names}"),
            GridError::Axis { entry, problem } => write!(f, "grid entry \"{entry}\": {problem}"),
            GridError::TooManyStarts(n) => {
                write!(f, "grid has {} starting points; at most {MAX_STARTS}", n.map_or("too many".to_string(), |s| s.to_string()))
            }
        }
    }
}

impl std::error::Error for AxisError {}

impl std::error::Error for GridError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GridError::Axis { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// start, start + step, … up to stop (inclusive, to a small tolerance).
pub fn range(start: f64, stop: f64, step: f64) -> Vec<f64> {
    let count = ((stop - start) / step + 1e-9).floor() as usize + 1;
    (0..count).map(|i| start + step * i as f64).collect()
}

impl Grid {
    /// Number of starting points.
    pub fn len(&self) -> usize {
        self.axes.iter().map(Vec::len).product()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `index`-th start (the last axis varies fastest), written into `out`.
    pub fn start(&self, mut index: usize, out: &mut [f64]) {
        for (axis, slot) in self.axes.iter().zip(out.iter_mut()).rev() {
            let len = axis.len().max(1);
            *slot = axis.get(index % len).copied().unwrap_or(0.0);
            index /= len;
        }
    }

    /// The grid written back in the syntax [`Grid::parse`] reads, with the parameters' names.
    pub fn to_spec(&self, names: &[&str]) -> String {
        let mut parts = Vec::new();
        for (name, axis) in names.iter().zip(&self.axes) {
            let as_range = match axis.as_slice() {
                [first, second, .., last] if axis.len() > 2 => {
                    let step = second - first;
                    let regular = step > 0.0 && range(*first, *last, step).iter().zip(axis).all(|(a, b)| (a - b).abs() < 1e-9);
                    regular.then(|| format!("{name}={first}:{last}:{step}"))
                }
                _ => None,
            };
            parts.push(as_range.unwrap_or_else(|| {
                let values: Vec<String> = axis.iter().map(|v| v.to_string()).collect();
                format!("{name}={}", values.join("|"))
            }));
        }
        parts.join(", ")
    }

    /// Reads a grid: comma- or newline-separated `name=start:stop:step` or `name=v1|v2|…`
    /// entries, one per parameter θ (`names`, in the order of `default`'s axes). Names left out
    /// keep the default grid's values. An empty text means the default grid.
    ///
    /// # Errors
    /// Unknown names, unreadable numbers, empty or reversed ranges, more than [`MAX_STARTS`] starts.
    pub fn parse(text: &str, names: &[&str], default: Grid) -> Result<Grid, GridError> {
        let mut grid = default;
        for entry in text.split([',', ';', '\n']).map(str::trim).filter(|e| !e.is_empty()) {
            let Some((name, values)) = entry.split_once('=') else {
                return Err(GridError::NotNameValue { entry: entry.to_string(), names: names.join(", ") });
            };
            let name = name.trim().to_ascii_lowercase();
            let Some(slot) = names.iter().position(|n| *n == name) else {
                return Err(GridError::UnknownName { name, names: names.join(", ") });
            };
            let axis = parse_axis(values.trim()).map_err(|problem| GridError::Axis { entry: entry.to_string(), problem })?;
            if let Some(a) = grid.axes.get_mut(slot) {
                *a = axis;
            }
        }
        let starts = grid.axes.iter().try_fold(1usize, |acc, a| acc.checked_mul(a.len()));
        match starts {
            Some(s) if s <= MAX_STARTS => Ok(grid),
            _ => Err(GridError::TooManyStarts(starts)),
        }
    }
}

fn number(text: &str) -> Result<f64, AxisError> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| AxisError::NotANumber(text.trim().to_string()))
}

fn parse_axis(text: &str) -> Result<Vec<f64>, AxisError> {
    if text.contains(':') {
        let parts: Vec<&str> = text.split(':').collect();
        let [start, stop, step] = parts.as_slice() else {
            return Err(AxisError::NotARange);
        };
        let (start, stop, step) = (number(start)?, number(stop)?, number(step)?);
        if stop < start {
            return Err(AxisError::Reversed { start, stop });
        }
        if !(step > 0.0) {
            return Err(AxisError::Step);
        }
        if (stop - start) / step > MAX_STARTS as f64 {
            return Err(AxisError::TooManyValues);
        }
        Ok(range(start, stop, step))
    } else {
        let values = text.split('|').map(number).collect::<Result<Vec<f64>, AxisError>>()?;
        if values.is_empty() {
            return Err(AxisError::Empty);
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::laws::{chinchilla::CHINCHILLA, kaplan::KAPLAN, RunLaw};

    fn parse(spec: &str) -> Result<Grid, GridError> {
        Grid::parse(spec, CHINCHILLA.theta_names(), CHINCHILLA.default_grid())
    }

    #[test]
    fn default_chinchilla_grid_has_4500_starts_in_order() {
        let g = CHINCHILLA.default_grid();
        assert_eq!(g.len(), 4500);
        let mut p = [0.0; 5];
        g.start(0, &mut p);
        assert_eq!(p, [0.0, 0.0, -1.0, 0.0, 0.0]);
        g.start(4499, &mut p);
        assert_eq!(p, [25.0, 25.0, 1.0, 2.0, 2.0]);
        g.start(1, &mut p);
        assert_eq!(p, [0.0, 0.0, -1.0, 0.0, 0.5]);
    }

    #[test]
    fn spec_round_trips() {
        for law in [&CHINCHILLA as &dyn RunLaw, &KAPLAN] {
            let g = law.default_grid();
            let spec = g.to_spec(law.theta_names());
            assert_eq!(Grid::parse(&spec, law.theta_names(), law.default_grid()).unwrap(), g, "{spec}");
        }
        assert_eq!(CHINCHILLA.default_grid().to_spec(CHINCHILLA.theta_names()), "a=0:25:5, b=0:25:5, e=-1:1:0.5, alpha=0:2:0.5, beta=0:2:0.5");
    }

    #[test]
    fn partial_specs_and_lists() {
        let g = parse("alpha = 0.3|0.4\nbeta=0.3").unwrap();
        assert_eq!(g.len(), 6 * 6 * 5 * 2);
        assert_eq!(parse("").unwrap().len(), 4500);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let cases = [
            ("gamma=1:2:1", "unknown parameter \"gamma\""),
            ("a=5:0:1", "ends (0) before it starts (5)"),
            ("a=0:5:0", "step must be greater than 0"),
            ("a=0:x:1", "\"x\" is not a number"),
            ("a", "needs the form name=start:stop:step"),
            ("a=0:1000:0.001", "more than"),
            ("a=0:100:1, b=0:100:1", "at most 100000"),
            ("a=nan|1", "\"nan\" is not a number"),
        ];
        for (spec, want) in cases {
            let err = parse(spec).unwrap_err().to_string();
            assert!(err.contains(want), "{spec}: {err}");
        }
    }
}
