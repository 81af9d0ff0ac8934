//! Run tables: the one parser for pasted or dropped runs (CSV, TSV, JSON) into validated rows.
//!
//! Two steps: [`parse_table`] turns text into a raw [`Table`] (header names and cells as text,
//! each row with its source line), and [`read_runs`] reads a table into validated [`Run`]s with
//! a [`ColumnMap`] saying which column is which ([`guess_columns`] proposes one from the header
//! names, [`find_column`] resolves a name the user typed). Problems with the table as a whole are
//! [`TableError`]s; problems with single rows are collected as [`RowError`]s so that one bad row
//! does not hide the others.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::core::units::{self, parse_number};

/// Longest text accepted, in bytes; longer text is rejected before it is parsed.
pub const MAX_TABLE_BYTES: usize = 2_000_000;
/// Most data rows accepted in one table.
pub const MAX_TABLE_ROWS: usize = 20_000;
/// Most [`RowError`]s kept in [`Runs::bad_rows`]; [`Runs::bad_row_count`] counts them all.
pub const MAX_BAD_ROWS_KEPT: usize = 1_000;

/// One training run (or one point of a training curve), validated: every number finite and > 0.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Run {
    /// Parameters N.
    pub n: f64,
    /// Training tokens D (given, or derived as C/(6N)).
    pub d: f64,
    /// Training compute C in FLOP (given, or derived as 6ND).
    pub c: f64,
    /// Final (or current) loss in nats/token.
    pub loss: f64,
    /// The run this row belongs to, for training curves (Approach 1); `None` if no such column.
    pub run_id: Option<String>,
    /// 1-based line of the source text the row came from (for messages).
    pub line: usize,
    /// Its weight in the fit (1 without a weight column; ≥ 0).
    pub weight: f64,
    /// The variant it belongs to, for joint fits (`None` without a group column).
    pub group: Option<String>,
}

/// What a column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Parameters N.
    N,
    /// Training tokens D.
    D,
    /// Training compute C in FLOP.
    C,
    /// Loss in nats/token.
    Loss,
    /// Run id (which training run a row of a training curve belongs to).
    Run,
    /// The run's weight in the fit (never guessed: a column the user names).
    Weight,
    /// The variant a run belongs to, for joint fits (never guessed).
    Group,
}

impl Role {
    /// Every role, in the order they are listed to the user.
    pub const ALL: [Role; 7] = [Role::N, Role::D, Role::C, Role::Loss, Role::Run, Role::Weight, Role::Group];

    /// Short name for the command line and the page ("n", "d", "c", "loss", "run").
    pub fn key(self) -> &'static str {
        match self {
            Role::N => "n",
            Role::D => "d",
            Role::C => "c",
            Role::Loss => "loss",
            Role::Run => "run",
            Role::Weight => "weight",
            Role::Group => "group",
        }
    }

    /// Name shown in labels and messages ("N (parameters)", "D (tokens)" …).
    pub fn label(self) -> &'static str {
        match self {
            Role::N => "N (parameters)",
            Role::D => "D (tokens)",
            Role::C => "C (FLOP)",
            Role::Loss => "loss",
            Role::Run => "run id",
            Role::Weight => "weight",
            Role::Group => "variant",
        }
    }
}

/// How the table text was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated.
    Csv,
    /// Tab-separated (also what spreadsheets put on the clipboard).
    Tsv,
    /// Semicolon-separated (spreadsheets in locales with a decimal comma).
    Semicolon,
    /// A JSON array of objects, or of arrays headed by an array of column names.
    Json,
}

/// Raw table: header names and cells as text, each row with its 1-based source line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Table {
    /// Column names, trimmed and unquoted; unique ignoring case. An empty name becomes
    /// "column K" (K 1-based).
    pub headers: Vec<String>,
    /// Data rows, in source order. Blank and comment lines are not rows.
    pub rows: Vec<TableRow>,
    /// How the text was written.
    pub format: Format,
}

/// One data row of a [`Table`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableRow {
    /// 1-based line of the source text (for JSON: 1-based position in the array).
    pub line: usize,
    /// Cells as written, trimmed. Usually as many as there are headers; a row with another
    /// count is kept as is and reported by [`read_runs`] (empty cells past the header's width
    /// are dropped).
    pub cells: Vec<String>,
}

/// Errors about the table as a whole; the Display says what is wrong and where.
#[derive(Debug, Clone, PartialEq)]
pub enum TableError {
    /// Nothing but whitespace (and comments).
    Empty,
    /// More than [`MAX_TABLE_BYTES`] bytes of text.
    TooLarge {
        /// Size of the text in bytes.
        bytes: usize,
    },
    /// More than [`MAX_TABLE_ROWS`] data rows.
    TooManyRows {
        /// Data rows in the text.
        rows: usize,
    },
    /// A header but no data rows.
    NoDataRows,
    /// The first line holds only numbers: it is data, not column names.
    HeaderIsData {
        /// 1-based line of the would-be header.
        line: usize,
    },
    /// JSON that is not an array.
    JsonNotArray {
        /// What it is instead ("an object", "a number" …).
        found: String,
    },
    /// JSON syntax error.
    Json {
        /// 1-based line of the error.
        line: usize,
        /// What serde_json says is wrong (without the position).
        message: String,
    },
    /// An item of the JSON array of the wrong kind.
    JsonRow {
        /// 1-based position of the item in the array.
        index: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The delimited text could not be read.
    Csv {
        /// 1-based line of the problem in the text as pasted (comment lines counted).
        line: usize,
        /// The csv reader's own position (byte, line and record in the text it read, after
        /// comment lines were taken out), when it gave one.
        position: Option<csv::Position>,
        /// What is wrong.
        message: String,
    },
    /// No column for a required role.
    MissingColumn {
        /// The role without a column.
        role: Role,
        /// The table's column names.
        headers: Vec<String>,
    },
    /// Neither a D nor a C column (one of them is needed to know the other).
    NeedDOrC {
        /// The table's column names.
        headers: Vec<String>,
    },
    /// A column name the user gave that the table does not have.
    UnknownColumn {
        /// The name given.
        name: String,
        /// The table's column names.
        headers: Vec<String>,
    },
    /// A column name the user gave that matches several columns once case, spaces,
    /// punctuation and text in brackets are ignored.
    AmbiguousColumn {
        /// The name given.
        name: String,
        /// The columns it matches.
        matches: Vec<String>,
    },
    /// Two columns with the same name (ignoring case).
    DuplicateHeader {
        /// The repeated name.
        name: String,
    },
    /// A column map that points past the last column.
    ColumnOutOfRange {
        /// The role with the bad index.
        role: Role,
        /// The 0-based index given.
        index: usize,
        /// How many columns the table has.
        columns: usize,
    },
    /// One column chosen for two roles.
    SameColumn {
        /// The first role.
        first: Role,
        /// The second role.
        second: Role,
        /// The column's name.
        name: String,
    },
}

/// Most column names listed in a message.
const MAX_NAMES_LISTED: usize = 12;

/// Longest column name quoted in full in a message.
const MAX_NAME_CHARS: usize = 60;

/// A column name cut to [`MAX_NAME_CHARS`] for messages (a garbage paste can make a header
/// cell megabytes long).
fn short(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let mut out: String = name.chars().take(MAX_NAME_CHARS - 1).collect();
    out.push('…');
    out
}

/// `"a", "b", "c"` (at most [`MAX_NAMES_LISTED`], then "… and K more").
pub(crate) fn list_names(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let mut out = names
        .iter()
        .take(MAX_NAMES_LISTED)
        .map(|n| format!("\"{}\"", short(n)))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_NAMES_LISTED {
        out.push_str(&format!(" … and {} more", names.len() - MAX_NAMES_LISTED));
    }
    out
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Empty => write!(
                f,
                "the table is empty: paste rows under a first line naming the columns \
                 (e.g. params,tokens,loss)"
            ),
            TableError::TooLarge { bytes } => write!(
                f,
                "the table is too large: {:.2} MB ({bytes} bytes); the limit is {} MB",
                *bytes as f64 / 1e6,
                MAX_TABLE_BYTES / 1_000_000
            ),
            TableError::TooManyRows { rows } => write!(
                f,
                "the table has {rows} data rows; the limit is {MAX_TABLE_ROWS}"
            ),
            TableError::NoDataRows => {
                write!(f, "the table has a header line but no data rows")
            }
            TableError::HeaderIsData { line } => write!(
                f,
                "line {line} holds only numbers, but the first line must name the columns \
                 (e.g. params,tokens,loss)"
            ),
            TableError::JsonNotArray { found } => write!(
                f,
                "the JSON is {found}, not an array: give a list of rows such as \
                 [{{\"params\": 7e7, \"tokens\": 1.4e9, \"loss\": 3.2}}] \
                 (from pandas: df.to_json(orient=\"records\"))"
            ),
            TableError::Json { line, message } => {
                write!(f, "invalid JSON on line {line}: {message}")
            }
            TableError::JsonRow { index, message } => write!(f, "JSON row {index}: {message}"),
            TableError::Csv { line, message, .. } => {
                write!(f, "could not read line {line}: {message}")
            }
            TableError::MissingColumn { role, headers } => write!(
                f,
                "no \"{}\" column: found columns {}; name one in the column choices",
                role.label(),
                list_names(headers)
            ),
            TableError::NeedDOrC { headers } => write!(
                f,
                "need a \"{}\" or a \"{}\" column (either gives the other through C = 6ND): \
                 found columns {}; name one in the column choices",
                Role::D.label(),
                Role::C.label(),
                list_names(headers)
            ),
            TableError::UnknownColumn { name, headers } => write!(
                f,
                "no column named \"{}\": found columns {}",
                short(name),
                list_names(headers)
            ),
            TableError::AmbiguousColumn { name, matches } => write!(
                f,
                "\"{}\" could mean columns {}: give the full name",
                short(name),
                list_names(matches)
            ),
            TableError::DuplicateHeader { name } => write!(
                f,
                "two columns are named \"{}\" (ignoring case): column names must differ",
                short(name)
            ),
            TableError::ColumnOutOfRange {
                role,
                index,
                columns,
            } => write!(
                f,
                "the \"{}\" column is number {}, but the table has {columns} columns",
                role.label(),
                index.saturating_add(1)
            ),
            TableError::SameColumn {
                first,
                second,
                name,
            } => write!(
                f,
                "column \"{}\" is chosen as both \"{}\" and \"{}\"",
                short(name),
                first.label(),
                second.label()
            ),
        }
    }
}

impl std::error::Error for TableError {}

mod columns;
mod json;
mod read;
mod sniff;
#[cfg(test)]
mod tests;

pub use columns::{find_column, guess_columns, ColumnMap};
pub use read::{pick_column, read_ladder, read_numeric, read_runs, summarize_bad_rows, LadderError, NumericRow, NumericRows, RowError, Rule, Runs};
pub use sniff::parse_table;
use json::parse_json;
use sniff::{clean_cell, drop_trailing_empty, finish_headers};
