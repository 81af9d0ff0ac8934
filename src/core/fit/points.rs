//! Runs as the laws of N and D see them: ln N, ln D, ln C and the observed ln L, stored one
//! column per quantity so that a law's kernel can run over several runs at a time.

/// One run: logarithms of N, D, C and the observed loss.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// ln N.
    pub ln_n: f64,
    /// ln D.
    pub ln_d: f64,
    /// ln C.
    pub ln_c: f64,
    /// ln of the observed loss.
    pub ln_loss: f64,
}

impl Point {
    /// The point for one validated run.
    pub fn from_run(run: &crate::core::runs::Run) -> Point {
        Point { ln_n: run.n.ln(), ln_d: run.d.ln(), ln_c: run.c.ln(), ln_loss: run.loss.ln() }
    }
}

/// Which variable a single-variable law is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variable {
    /// Parameters N.
    N,
    /// Tokens D.
    D,
    /// Compute C.
    C,
}

impl Variable {
    /// ln of this variable at a point.
    pub fn ln(self, x: &Point) -> f64 {
        match self {
            Variable::N => x.ln_n,
            Variable::D => x.ln_d,
            Variable::C => x.ln_c,
        }
    }

    /// The variable's one-letter name.
    pub fn key(self) -> &'static str {
        match self {
            Variable::N => "N",
            Variable::D => "D",
            Variable::C => "C",
        }
    }
}

/// The runs in columns (one array per quantity), with the range of ln N and ln D so that a
/// kernel can tell in advance whether its exponentials stay in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// ln N of every run.
    pub ln_n: Vec<f64>,
    /// ln D of every run.
    pub ln_d: Vec<f64>,
    /// ln C of every run.
    pub ln_c: Vec<f64>,
    /// ln L of every run.
    pub ln_loss: Vec<f64>,
    /// (min, max) of ln N over the runs.
    pub ln_n_range: (f64, f64),
    /// (min, max) of ln D over the runs.
    pub ln_d_range: (f64, f64),
    /// The distinct values of ln N, in order of first appearance (runs of one model size at
    /// several token counts share one: a law can work out its terms in N once per size).
    pub distinct_ln_n: Vec<f64>,
    /// For every run, the index of its ln N in [`Dataset::distinct_ln_n`].
    pub n_index: Vec<usize>,
}

impl Dataset {
    /// The points as columns.
    pub fn new(points: &[Point]) -> Dataset {
        let column = |f: fn(&Point) -> f64| points.iter().map(f).collect::<Vec<f64>>();
        let range = |f: fn(&Point) -> f64| {
            points.iter().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
        };
        let mut distinct_ln_n: Vec<f64> = Vec::new();
        let mut seen = std::collections::HashMap::new();
        let n_index = points
            .iter()
            .map(|p| {
                *seen.entry(p.ln_n.to_bits()).or_insert_with(|| {
                    distinct_ln_n.push(p.ln_n);
                    distinct_ln_n.len() - 1
                })
            })
            .collect();
        Dataset {
            distinct_ln_n,
            n_index,
            ln_n_range: range(|p| p.ln_n),
            ln_d_range: range(|p| p.ln_d),
            ln_n: column(|p| p.ln_n),
            ln_d: column(|p| p.ln_d),
            ln_c: column(|p| p.ln_c),
            ln_loss: column(|p| p.ln_loss),
        }
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.ln_loss.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ln_loss.is_empty()
    }

    /// Run `i` as a point (zeros past the end).
    pub fn point(&self, i: usize) -> Point {
        let at = |v: &[f64]| v.get(i).copied().unwrap_or(0.0);
        Point { ln_n: at(&self.ln_n), ln_d: at(&self.ln_d), ln_c: at(&self.ln_c), ln_loss: at(&self.ln_loss) }
    }

    /// Every run, in order.
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        (0..self.len()).map(|i| self.point(i))
    }
}
