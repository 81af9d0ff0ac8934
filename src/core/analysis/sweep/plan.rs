//! The planned sweep: a grid of budgets × sizes around the law's N*(C), plus runs typed in a
//! table; and the changes to it the planner tries (add a budget, drop one, more sizes, …).

use super::simulate::Run;
use crate::core::laws::{ChinchillaLaw, LossLaw};
use crate::core::runs::{parse_table, pick_column, read_numeric, summarize_bad_rows, Rule};
use crate::core::units::{format_count, format_sci, format_sig, parse_number};

/// Most budgets in the grid.
pub const MAX_BUDGETS: usize = 12;
/// Most sizes per budget.
pub const MAX_SIZES: usize = 15;
/// Most runs in a plan (grid and table together).
pub const MAX_RUNS: usize = 120;

/// A plan: budgets × sizes spread around N*(C), and extra runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Compute budgets of the grid, ascending.
    pub budgets: Vec<f64>,
    /// Sizes per budget.
    pub sizes: usize,
    /// Sizes run from N*(C)/span to span·N*(C).
    pub span: f64,
    /// Runs typed in the table.
    pub extra: Vec<Run>,
    /// Every run repeated this many times (independent noise each).
    pub repeats: usize,
}

impl Plan {
    /// Every run of the plan under the true law (whose N*(C) centres the sizes).
    pub fn runs(&self, law: &ChinchillaLaw) -> Vec<Run> {
        let mut runs = Vec::new();
        for &c in &self.budgets {
            let Some((n_star, _)) = law.closed_form_optimum(c) else { continue };
            for i in 0..self.sizes {
                let t = if self.sizes == 1 { 0.0 } else { 2.0 * i as f64 / (self.sizes - 1) as f64 - 1.0 };
                runs.push(Run { c, n: n_star * self.span.powf(t) });
            }
        }
        runs.extend(self.extra.iter().copied());
        let once = runs.clone();
        for _ in 1..self.repeats {
            runs.extend(once.iter().copied());
        }
        runs
    }

    /// Total training compute of the plan.
    pub fn compute(&self, law: &ChinchillaLaw) -> f64 {
        self.runs(law).iter().map(|r| r.c).sum()
    }
}

/// What is wrong with the budgets field or the extra-runs table.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanError {
    /// A budget that is not a number.
    Budget(crate::core::units::ParseError),
    /// A budget outside 1e6–1e30 FLOP.
    BudgetRange(f64),
    /// More than [`MAX_BUDGETS`] budgets.
    TooManyBudgets(usize),
    /// The same budget twice.
    Duplicate,
    /// The runs table could not be read.
    Table(crate::core::runs::TableError),
    /// The runs table lacks N, or both C and D; its headers.
    Columns(Vec<String>),
    /// Rows that are not usable (each with its row and column).
    BadRows {
        /// The first few problems.
        rows: Vec<crate::core::runs::RowError>,
        /// How many rows are bad.
        count: usize,
    },
    /// A run outside the ranges the simulation takes.
    RunRange {
        /// Its compute in FLOP.
        c: f64,
        /// Its parameters.
        n: f64,
    },
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Budget(e) => write!(f, "budget {e}"),
            Self::BudgetRange(v) => write!(f, "budget {} must be between 1e6 and 1e30 FLOP", format_sig(*v, 4)),
            Self::TooManyBudgets(n) => write!(f, "{n} budgets; at most {MAX_BUDGETS}"),
            Self::Duplicate => f.write_str("a budget is listed twice"),
            Self::Table(e) => write!(f, "{e}"),
            Self::Columns(headers) => write!(
                f,
                "the runs table needs a column N and a column C (FLOP) or D (tokens); its headers are {}",
                crate::core::runs::list_names(headers)
            ),
            Self::BadRows { rows, count } => f.write_str(&summarize_bad_rows(rows, *count, 3)),
            Self::RunRange { c, n } => write!(
                f,
                "run C = {}, N = {} is out of range (C between 1e6 and 1e30 FLOP, N and D = C/(6N) at least 1)",
                format_sci(*c, 3),
                format_count(*n, 3)
            ),
        }
    }
}

impl std::error::Error for PlanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Budget(e) => Some(e),
            Self::Table(e) => Some(e),
            _ => None,
        }
    }
}

/// Reads the budgets field: numbers separated by commas, spaces or semicolons.
///
/// # Errors
/// A part that is not a positive number, duplicates, too many budgets.
pub fn parse_budgets(text: &str) -> Result<Vec<f64>, PlanError> {
    let mut budgets = Vec::new();
    for part in text.split([',', ';', '\n', '\t']).flat_map(|p| p.split_whitespace()).filter(|p| !p.is_empty()) {
        let v = parse_number(part).map_err(PlanError::Budget)?;
        if !(1e6..=1e30).contains(&v) {
            return Err(PlanError::BudgetRange(v));
        }
        budgets.push(v);
    }
    if budgets.len() > MAX_BUDGETS {
        return Err(PlanError::TooManyBudgets(budgets.len()));
    }
    budgets.sort_by(f64::total_cmp);
    if budgets.windows(2).any(|w| matches!(w, [a, b] if (b / a - 1.0).abs() < 1e-9)) {
        return Err(PlanError::Duplicate);
    }
    Ok(budgets)
}

/// Reads the extra-runs table: N and either C or D per row (header names as in the Fit panel).
///
/// # Errors
/// The table's own error, a missing column, or bad rows (each with its row and column).
pub fn parse_extra(text: &str) -> Result<Vec<Run>, PlanError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let table = parse_table(text).map_err(PlanError::Table)?;
    let col = |aliases: &[&str]| pick_column(&table.headers, "", aliases).map_err(PlanError::Table);
    let n = col(&["N", "params", "parameters", "model size", "model_size", "n_params"])?;
    let c = col(&["C", "compute", "FLOPs", "flop", "training flop"])?;
    let d = col(&["D", "tokens", "data", "training tokens"])?;
    let (Some(n), Some(x), uses_c) = (n, c.or(d), c.is_some()) else {
        return Err(PlanError::Columns(table.headers.clone()));
    };
    let rows = read_numeric(&table, &[(n, Rule::Positive), (x, Rule::Positive)], None);
    if rows.bad_row_count > 0 {
        return Err(PlanError::BadRows { rows: rows.bad_rows, count: rows.bad_row_count });
    }
    let runs: Vec<Run> = rows
        .rows
        .iter()
        .filter_map(|r| match r.values.as_slice() {
            &[n, x] => Some(Run { c: if uses_c { x } else { crate::core::allocate::training_flop(n, x) }, n }),
            _ => None,
        })
        .collect();
    if let Some(r) = runs.iter().find(|r| !(r.c >= 1e6 && r.c <= 1e30 && r.n >= 1.0 && r.d() >= 1.0)) {
        return Err(PlanError::RunRange { c: r.c, n: r.n });
    }
    Ok(runs)
}

/// A change to the plan the planner evaluates.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What it does, for people.
    pub label: String,
    /// The plan after the change.
    pub plan: Plan,
}

/// The changes worth trying on `plan`: more compute at the top, less at the bottom, more sizes,
/// a wider span, repeats.
pub fn changes(plan: &Plan, law: &ChinchillaLaw) -> Vec<Change> {
    let mut out = Vec::new();
    let runs = plan.runs(law);
    let top = runs.iter().map(|r| r.c).fold(0.0, f64::max);
    if top > 0.0 {
        let c = 10.0 * top;
        if let Some((n, _)) = law.closed_form_optimum(c) {
            let mut p = plan.clone();
            p.extra.push(Run { c, n });
            out.push(Change { label: format!("One run at {} (N {})", format_sci(c, 2), format_count(n, 2)), plan: p });
        }
    }
    let step = match plan.budgets.as_slice() {
        [.., a, b] => b / a,
        _ => 10f64.sqrt(),
    };
    if let Some(&largest) = plan.budgets.last() {
        if plan.budgets.len() < MAX_BUDGETS {
            let mut p = plan.clone();
            p.budgets.push(largest * step);
            out.push(Change { label: format!("Budget row at {} on top", format_sci(largest * step, 2)), plan: p });
        }
    }
    if let Some(&smallest) = plan.budgets.first() {
        if plan.budgets.len() < MAX_BUDGETS && smallest / step >= 1e6 {
            let mut p = plan.clone();
            p.budgets.insert(0, smallest / step);
            out.push(Change { label: format!("Budget row at {} below", format_sci(smallest / step, 2)), plan: p });
        }
    }
    if plan.budgets.len() >= 2 {
        let mut p = plan.clone();
        p.budgets.remove(0);
        out.push(Change { label: format!("Drop budget {}", format_sci(plan.budgets.first().copied().unwrap_or(0.0), 2)), plan: p });
        let mut p = plan.clone();
        p.budgets.pop();
        out.push(Change { label: format!("Drop budget {}", format_sci(plan.budgets.last().copied().unwrap_or(0.0), 2)), plan: p });
    }
    if !plan.budgets.is_empty() && plan.sizes + 2 <= MAX_SIZES {
        let mut p = plan.clone();
        p.sizes += 2;
        out.push(Change { label: format!("{} sizes per budget", plan.sizes + 2), plan: p });
    }
    if !plan.budgets.is_empty() && plan.sizes > 1 {
        let mut p = plan.clone();
        p.span *= 2.0;
        out.push(Change { label: format!("Sizes N*/{} to {}·N*", format_sig(p.span, 3), format_sig(p.span, 3)), plan: p });
    }
    let mut p = plan.clone();
    p.repeats = plan.repeats * 2;
    out.push(Change { label: "Every run twice".into(), plan: p });
    out.retain(|c| c.plan.runs(law).len() <= MAX_RUNS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_and_complain() {
        assert_eq!(parse_budgets("1e18, 3e18 1e19;3e19").unwrap(), vec![1e18, 3e18, 1e19, 3e19]);
        assert!(parse_budgets("1e18, abc").unwrap_err().to_string().contains("budget"), "{:?}", parse_budgets("1e18, abc"));
        assert!(parse_budgets("1e18, -5").unwrap_err().to_string().contains("between"));
        assert!(parse_budgets("1e18, 1e18").unwrap_err().to_string().contains("twice"));
        let many = (0..13).map(|i| format!("1e{}", 10 + i)).collect::<Vec<_>>().join(",");
        assert!(parse_budgets(&many).unwrap_err().to_string().contains("at most"));
    }

    #[test]
    fn extra_runs_read_c_or_d_and_report_bad_rows() {
        let runs = parse_extra("C,N\n1e20,1B\n3e20,2B").unwrap();
        assert_eq!(runs, vec![Run { c: 1e20, n: 1e9 }, Run { c: 3e20, n: 2e9 }]);
        let runs = parse_extra("N,D\n1B,20B").unwrap();
        assert!((runs[0].c - 1.2e20).abs() < 1e6);
        let err = parse_extra("C,N\n1e20,abc").unwrap_err().to_string();
        assert!(err.contains("row 2") && err.contains("\"N\""), "{err}");
        assert!(parse_extra("x,y\n1,2").unwrap_err().to_string().contains("needs a column N"));
    }

    #[test]
    fn grid_centres_sizes_on_the_frontier() {
        let law = crate::core::presets::Preset::Epoch.chinchilla().unwrap();
        let plan = Plan { budgets: vec![1e19], sizes: 3, span: 4.0, extra: vec![], repeats: 1 };
        let runs = plan.runs(&law);
        let (n_star, _) = law.closed_form_optimum(1e19).unwrap();
        assert_eq!(runs.len(), 3);
        assert!((runs[1].n / n_star - 1.0).abs() < 1e-12);
        assert!((runs[0].n * 4.0 / n_star - 1.0).abs() < 1e-12 && (runs[2].n / 4.0 / n_star - 1.0).abs() < 1e-12);
    }
}
