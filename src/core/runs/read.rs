//! Tables read into validated runs (or numeric rows), each bad cell or row collected with its
//! row number, column and reason.

use super::*;

/// One problem with one cell or row; Display: `row 12, column "loss": "abc" is not a number`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowError {
    /// 1-based source line of the row (for JSON: position in the array).
    pub line: usize,
    /// The column's name, when the problem is one cell.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(col) => write!(
                f,
                "row {}, column \"{}\": {}",
                self.line,
                short(col),
                self.message
            ),
            None => write!(f, "row {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for RowError {}

/// Validated runs plus every bad row (a bad row contributes no run).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Runs {
    /// The good rows, in source order.
    pub runs: Vec<Run>,
    /// The first problem of each bad row (at most [`MAX_BAD_ROWS_KEPT`] of them).
    pub bad_rows: Vec<RowError>,
    /// How many rows were bad (may exceed `bad_rows.len()`).
    pub bad_row_count: usize,
    /// D was computed as C/(6N) (no D column).
    pub d_derived: bool,
    /// N was computed as C/(6D) (no N column: the table gives compute and tokens, as the
    /// Llama 3 paper publishes its IsoFLOP runs).
    pub n_derived: bool,
    /// C was computed as 6ND (no C column).
    pub c_derived: bool,
}

/// Reads every row with the given map. Needs a loss column and two of N, D and C (the third is
/// derived through C = 6ND). Each bad row is reported with its first bad cell and skipped.
///
/// # Errors
/// [`TableError::MissingColumn`], [`TableError::NeedDOrC`], [`TableError::ColumnOutOfRange`],
/// [`TableError::SameColumn`], or [`TableError::NoDataRows`] for a table without rows.
pub fn read_runs(table: &Table, map: &ColumnMap) -> Result<Runs, TableError> {
    let width = table.headers.len();
    let mut used: Vec<(usize, Role)> = Vec::new();
    for role in Role::ALL {
        if let Some(index) = map.get(role) {
            if index >= width {
                return Err(TableError::ColumnOutOfRange {
                    role,
                    index,
                    columns: width,
                });
            }
            if let Some(&(_, first)) = used.iter().find(|(col, _)| *col == index) {
                return Err(TableError::SameColumn {
                    first,
                    second: role,
                    name: table.headers.get(index).cloned().unwrap_or_default(),
                });
            }
            used.push((index, role));
        }
    }
    let n_derived = map.n.is_none() && map.d.is_some() && map.c.is_some();
    for role in [Role::N, Role::Loss] {
        if map.get(role).is_none() && !(role == Role::N && n_derived) {
            return Err(TableError::MissingColumn {
                role,
                headers: table.headers.clone(),
            });
        }
    }
    if map.d.is_none() && map.c.is_none() {
        return Err(TableError::NeedDOrC {
            headers: table.headers.clone(),
        });
    }
    if table.rows.is_empty() {
        return Err(TableError::NoDataRows);
    }
    // Cells are checked left to right, so "the first bad cell" is the leftmost.
    crate::core::order::sort_by(&mut used, |a, b| a.0.cmp(&b.0));
    let mut out = Runs {
        runs: Vec::with_capacity(table.rows.len()),
        bad_rows: Vec::new(),
        bad_row_count: 0,
        d_derived: map.d.is_none(),
        n_derived,
        c_derived: map.c.is_none() && !n_derived,
    };
    for row in &table.rows {
        match read_row(row, &table.headers, &used) {
            Ok(run) => out.runs.push(run),
            Err(e) => {
                out.bad_row_count += 1;
                if out.bad_rows.len() < MAX_BAD_ROWS_KEPT {
                    out.bad_rows.push(e);
                }
            }
        }
    }
    Ok(out)
}

/// What a numeric cell read by [`read_numeric`] must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Finite and > 0.
    Positive,
    /// Finite and ≥ 0.
    NonNegative,
    /// Any finite number.
    Finite,
}

/// One good row read by [`read_numeric`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NumericRow {
    /// 1-based source line.
    pub line: usize,
    /// The requested columns' values, in the order asked for.
    pub values: Vec<f64>,
    /// The label column's text (e.g. which curve or dataset the row belongs to), when asked for.
    pub label: Option<String>,
}

/// Rows of numbers read from a table, plus every bad row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NumericRows {
    /// Good rows, in source order.
    pub rows: Vec<NumericRow>,
    /// The first problem of each bad row (at most [`MAX_BAD_ROWS_KEPT`]).
    pub bad_rows: Vec<RowError>,
    /// How many rows were bad.
    pub bad_row_count: usize,
}

/// The column for one quantity: the one the user named (`typed`, resolved by [`find_column`]),
/// else the first header matching one of `aliases` loosely, else `None`.
///
/// # Errors
/// A typed name that matches no column or several.
pub fn pick_column(headers: &[String], typed: &str, aliases: &[&str]) -> Result<Option<usize>, TableError> {
    if !typed.trim().is_empty() {
        return find_column(headers, typed).map(Some);
    }
    Ok(aliases.iter().find_map(|a| find_column(headers, a).ok()))
}

/// Reads the given columns of every row as numbers under their rules (human quantities such as
/// 1.4T allowed), and the `label` column as text. A bad row is reported with its first bad cell
/// (`row 12, column "loss": "abc" is not a number`) and contributes nothing.
pub fn read_numeric(table: &Table, columns: &[(usize, Rule)], label: Option<usize>) -> NumericRows {
    let mut out = NumericRows { rows: Vec::new(), bad_rows: Vec::new(), bad_row_count: 0 };
    let name = |col: usize| table.headers.get(col).cloned().unwrap_or_else(|| format!("column {}", col + 1));
    for row in &table.rows {
        let read = |col: usize, rule: Rule| -> Result<f64, RowError> {
            let fail = |message: String| RowError { line: row.line, column: Some(name(col)), message };
            let cell = row.cells.get(col).map(String::as_str).unwrap_or("");
            if cell.is_empty() {
                return Err(fail("is empty".into()));
            }
            let v = parse_number(cell).map_err(|e| fail(e.to_string()))?;
            if !v.is_finite() {
                return Err(fail(format!("\"{}\" is not a finite number", short(cell))));
            }
            match rule {
                Rule::Positive if !(v > 0.0) => Err(fail(format!("{} must be greater than 0", short(cell)))),
                Rule::NonNegative if v < 0.0 => Err(fail(format!("{} must not be negative", short(cell)))),
                _ => Ok(v),
            }
        };
        let values: Result<Vec<f64>, RowError> = if row.cells.len() != table.headers.len() {
            Err(RowError {
                line: row.line,
                column: None,
                message: format!("has {} cells but the header has {}", row.cells.len(), table.headers.len()),
            })
        } else {
            columns.iter().map(|&(col, rule)| read(col, rule)).collect()
        };
        match values {
            Ok(values) => {
                let label = label.map(|col| row.cells.get(col).cloned().unwrap_or_default());
                out.rows.push(NumericRow { line: row.line, values, label });
            }
            Err(e) => {
                out.bad_row_count += 1;
                if out.bad_rows.len() < MAX_BAD_ROWS_KEPT {
                    out.bad_rows.push(e);
                }
            }
        }
    }
    out
}

/// A finite number that passes `ok`, or the message saying why the cell is not one (`rule`:
/// what it must be).
fn checked(cell: &str, ok: fn(f64) -> bool, rule: &str) -> Result<f64, String> {
    let v = parse_number(cell).map_err(|e| e.to_string())?;
    if !v.is_finite() {
        return Err(format!("\"{cell}\" is not a number"));
    }
    if !ok(v) {
        return Err(format!("{rule} (got {cell})"));
    }
    Ok(v)
}

/// A positive finite number, or the message saying why the cell is not one.
fn positive(cell: &str) -> Result<f64, String> {
    checked(cell, |v| v > 0.0, "must be greater than 0")
}

/// A weight: a finite number ≥ 0.
fn non_negative(cell: &str) -> Result<f64, String> {
    checked(cell, |v| v >= 0.0, "a weight must be 0 or more")
}

fn read_row(row: &TableRow, headers: &[String], used: &[(usize, Role)]) -> Result<Run, RowError> {
    let width = headers.len();
    let mut len = row.cells.len();
    while len > width && row.cells.get(len - 1).is_some_and(|c| c.trim().is_empty()) {
        len -= 1;
    }
    if len != width {
        let mut message = format!(
            "has {len} cell{}, but the header names {width} column{}",
            if len == 1 { "" } else { "s" },
            if width == 1 { "" } else { "s" }
        );
        if row.cells.iter().any(|c| c.contains('\n')) {
            message.push_str(" (a quoted cell spans several lines: is a quote (\") not closed?)");
        }
        return Err(RowError {
            line: row.line,
            column: None,
            message,
        });
    }
    let (mut n, mut d, mut c, mut loss, mut run_id, mut weight, mut group) = (None, None, None, None, None, 1.0, None);
    for &(col, role) in used {
        let cell = row.cells.get(col).map_or("", |s| s.trim());
        let fail = |message: String| RowError {
            line: row.line,
            column: Some(headers.get(col).cloned().unwrap_or_default()),
            message,
        };
        if cell.is_empty() {
            return Err(fail("is empty".to_string()));
        }
        match role {
            Role::Run => run_id = Some(cell.to_string()),
            Role::N => n = Some(positive(cell).map_err(fail)?),
            Role::D => d = Some(positive(cell).map_err(fail)?),
            Role::C => c = Some(positive(cell).map_err(fail)?),
            Role::Loss => loss = Some(positive(cell).map_err(fail)?),
            Role::Weight => weight = non_negative(cell).map_err(fail)?,
            Role::Group => group = Some(cell.to_string()),
        }
    }
    let fail = |message: String| RowError {
        line: row.line,
        column: None,
        message,
    };
    let n = match (n, d, c) {
        (Some(n), _, _) => Some(n),
        (None, Some(d), Some(c)) => {
            let n = c / (6.0 * d);
            if !(n.is_finite() && n > 0.0) {
                return Err(fail(format!(
                    "parameters derived as C/(6D) = {} / (6 × {}) are out of range",
                    units::format_sci(c, 3),
                    units::format_sci(d, 3)
                )));
            }
            Some(n)
        }
        _ => None,
    };
    let (Some(n), Some(loss)) = (n, loss) else {
        return Err(fail("has no N or no loss".to_string()));
    };
    let (d, c) = match (d, c) {
        (Some(d), Some(c)) => (d, c),
        (None, Some(c)) => {
            let d = c / (6.0 * n);
            if !(d.is_finite() && d > 0.0) {
                return Err(fail(format!(
                    "tokens derived as C/(6N) = {} / (6 × {}) are out of range",
                    units::format_sci(c, 3),
                    units::format_sci(n, 3)
                )));
            }
            (d, c)
        }
        (Some(d), None) => {
            let c = 6.0 * n * d;
            if !(c.is_finite() && c > 0.0) {
                return Err(fail(format!(
                    "compute derived as 6ND = 6 × {} × {} is out of range",
                    units::format_sci(n, 3),
                    units::format_sci(d, 3)
                )));
            }
            (d, c)
        }
        (None, None) => return Err(fail("has neither D nor C".to_string())),
    };
    Ok(Run {
        n,
        d,
        c,
        loss,
        run_id,
        weight,
        group,
        line: row.line,
    })
}

/// Renders up to `limit` row errors one per line, then "… and K more rows" for the rest of the
/// `total` bad rows (pass [`Runs::bad_row_count`]).
pub fn summarize_bad_rows(bad: &[RowError], total: usize, limit: usize) -> String {
    let shown: Vec<String> = bad.iter().take(limit).map(|e| e.to_string()).collect();
    let more = total.max(bad.len()).saturating_sub(shown.len());
    let mut out = shown.join("\n");
    if more > 0 {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "… and {more} more row{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    out
}


/// What is wrong with a table of runs in N, D, a third variable and the loss ([`read_ladder`]);
/// each law words it in its own error type.
#[derive(Debug, Clone, PartialEq)]
pub enum LadderError {
    /// The table could not be read.
    Table(TableError),
    /// A required column is missing; the headers found.
    Columns(Vec<String>),
    /// Rows that are not usable (each with its row and column).
    BadRows {
        /// The first few problems.
        rows: Vec<RowError>,
        /// How many rows are bad.
        count: usize,
    },
    /// A third variable below 1 (its source line and value).
    BelowOne {
        /// 1-based line.
        line: usize,
        /// The value.
        value: f64,
    },
    /// Fewer runs than asked for, or one value of the third variable only.
    TooFew {
        /// Runs given.
        runs: usize,
        /// Distinct values of the third variable.
        distinct: usize,
    },
    /// More runs than asked for.
    TooMany(usize),
}

/// Reads runs of a law in N, D, a third variable x (a granularity, a number of experts; x ≥ 1)
/// and the loss from pasted text, each column found by its aliases (`[n, d, x, loss]`), every
/// value positive: `[n, d, x, loss]` per run, at least `min_runs` of them over two or more
/// values of x, at most `max_runs`.
///
/// # Errors
/// An unreadable table, a missing column, bad rows (with row and column), an x below 1, too few
/// runs or values of x, too many runs.
pub fn read_ladder(text: &str, aliases: [&[&str]; 4], min_runs: usize, max_runs: usize) -> Result<Vec<[f64; 4]>, LadderError> {
    let table = parse_table(text).map_err(LadderError::Table)?;
    let picked = aliases.iter().map(|names| pick_column(&table.headers, "", names)).collect::<Result<Vec<_>, _>>().map_err(LadderError::Table)?;
    let Some(columns) = picked.into_iter().map(|c| c.map(|c| (c, Rule::Positive))).collect::<Option<Vec<_>>>() else {
        return Err(LadderError::Columns(table.headers.clone()));
    };
    let read = read_numeric(&table, &columns, None);
    if read.bad_row_count > 0 {
        return Err(LadderError::BadRows { rows: read.bad_rows, count: read.bad_row_count });
    }
    let mut out = Vec::with_capacity(read.rows.len());
    for row in &read.rows {
        let &[n, d, x, loss] = row.values.as_slice() else { continue };
        if x < 1.0 {
            return Err(LadderError::BelowOne { line: row.line, value: x });
        }
        out.push([n, d, x, loss]);
    }
    if out.len() > max_runs {
        return Err(LadderError::TooMany(out.len()));
    }
    let mut xs: Vec<f64> = out.iter().map(|r| r[2]).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    if out.len() < min_runs || xs.len() < 2 {
        return Err(LadderError::TooFew { runs: out.len(), distinct: xs.len() });
    }
    Ok(out)
}
