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
}

impl Role {
    /// Every role, in the order they are listed to the user.
    pub const ALL: [Role; 5] = [Role::N, Role::D, Role::C, Role::Loss, Role::Run];

    /// Short name for the command line and the page ("n", "d", "c", "loss", "run").
    pub fn key(self) -> &'static str {
        match self {
            Role::N => "n",
            Role::D => "d",
            Role::C => "c",
            Role::Loss => "loss",
            Role::Run => "run",
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
        /// 1-based line of the problem.
        line: usize,
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
            TableError::Csv { line, message } => {
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

// ---------------------------------------------------------------------------------------------
// parse_table
// ---------------------------------------------------------------------------------------------

/// Parses pasted or dropped text into a [`Table`]: JSON if it starts with `[` or `{`, otherwise
/// CSV, TSV or semicolon-separated text (the delimiter is read off the header line). Blank lines
/// and lines starting with `#` are skipped; the first remaining line names the columns.
///
/// # Errors
/// See [`TableError`]; never panics, whatever the input.
pub fn parse_table(text: &str) -> Result<Table, TableError> {
    if text.len() > MAX_TABLE_BYTES {
        return Err(TableError::TooLarge { bytes: text.len() });
    }
    // Excel writes a byte-order mark at the start of "CSV UTF-8" files.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = text.trim_start();
    if start.is_empty() {
        return Err(TableError::Empty);
    }
    if start.starts_with('[') || start.starts_with('{') {
        parse_json(text)
    } else {
        parse_delimited(text)
    }
}

/// Splits on `\r\n`, `\n` and lone `\r` (old Mac files), like an editor counts lines.
fn split_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut after_cr = false;
    for (i, ch) in text.char_indices() {
        match ch {
            '\n' if after_cr => {
                start = i + 1;
                after_cr = false;
            }
            '\n' | '\r' => {
                out.push(text.get(start..i).unwrap_or(""));
                start = i + 1;
                after_cr = ch == '\r';
            }
            _ => after_cr = false,
        }
    }
    if start < text.len() {
        out.push(text.get(start..).unwrap_or(""));
    }
    out
}

/// Trims a cell and removes quotes around it that the CSV reader left (as in `a, "b"`).
fn clean_cell(cell: &str) -> String {
    let t = cell.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        let inner = t.get(1..t.len() - 1).unwrap_or(t);
        return inner.trim().replace("\"\"", "\"");
    }
    t.to_string()
}

/// Checks and completes the header: names trimmed, trailing empty names dropped, other empty
/// names replaced by "column K", no duplicates, not all numbers.
fn finish_headers(mut headers: Vec<String>, line: usize) -> Result<Vec<String>, TableError> {
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    if headers.is_empty() {
        return Err(TableError::Empty);
    }
    for (i, h) in headers.iter_mut().enumerate() {
        if h.is_empty() {
            *h = format!("column {}", i + 1);
        }
    }
    let mut seen = HashSet::with_capacity(headers.len());
    for h in &headers {
        if !seen.insert(h.to_lowercase()) {
            return Err(TableError::DuplicateHeader { name: h.clone() });
        }
    }
    if headers.iter().all(|h| parse_number(h).is_ok()) {
        return Err(TableError::HeaderIsData { line });
    }
    Ok(headers)
}

/// Drops empty cells past the header's width (spreadsheets paste trailing tabs).
fn drop_trailing_empty(cells: &mut Vec<String>, width: usize) {
    while cells.len() > width && cells.last().is_some_and(|c| c.is_empty()) {
        cells.pop();
    }
}

fn parse_delimited(text: &str) -> Result<Table, TableError> {
    // Keep the lines that are neither blank nor comments, remembering where each came from.
    let mut kept = String::with_capacity(text.len() + 1);
    let mut source_line: Vec<usize> = Vec::new();
    for (i, line) in split_lines(text).into_iter().enumerate() {
        let t = line.trim_start();
        if t.trim_end().is_empty() || t.starts_with('#') {
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
        source_line.push(i + 1);
    }
    let header_line = match kept.split('\n').next() {
        Some(h) if !h.trim().is_empty() => h,
        _ => return Err(TableError::Empty),
    };
    let (delimiter, format) = if header_line.contains('\t') {
        (b'\t', Format::Tsv)
    } else if header_line.contains(';') && !header_line.contains(',') {
        (b';', Format::Semicolon)
    } else {
        (b',', Format::Csv)
    };
    // Maps a 1-based line of `kept` to the line of the source text.
    let original = |kept_line: u64| -> usize {
        let idx = usize::try_from(kept_line)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        source_line
            .get(idx)
            .or(source_line.last())
            .copied()
            .unwrap_or(1)
    };

    let tidied = tidy_quotes(&kept, char::from(delimiter));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .quoting(true)
        .from_reader(tidied.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut row_count = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(1, |p| original(p.line()));
                return Err(TableError::Csv {
                    line,
                    message: csv_message(&e),
                });
            }
        }
        let line = record.position().map_or(1, |p| original(p.line()));
        let mut cells: Vec<String> = record.iter().map(clean_cell).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue; // ",,," rows from spreadsheet exports
        }
        match &headers {
            None => headers = Some(finish_headers(cells, line)?),
            Some(h) => {
                row_count += 1;
                if row_count <= MAX_TABLE_ROWS {
                    drop_trailing_empty(&mut cells, h.len());
                    rows.push(TableRow { line, cells });
                }
            }
        }
    }
    let headers = headers.ok_or(TableError::Empty)?;
    if row_count > MAX_TABLE_ROWS {
        return Err(TableError::TooManyRows { rows: row_count });
    }
    if rows.is_empty() {
        return Err(TableError::NoDataRows);
    }
    Ok(Table {
        headers,
        rows,
        format,
    })
}

/// Drops the spaces between a delimiter and an opening quote (`a, "b, c"`), which the csv crate
/// would otherwise read as part of an unquoted cell. Line breaks are kept, so line numbers hold.
fn tidy_quotes(text: &str, delimiter: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_quotes = false;
    let mut field_start = true;
    let mut spaces = String::new();
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if in_quotes {
            out.push(ch);
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push('"');
                } else {
                    in_quotes = false;
                }
            }
            continue;
        }
        if field_start && (ch == ' ' || (ch == '\t' && delimiter != '\t')) {
            spaces.push(ch);
            continue;
        }
        if ch == '"' && field_start {
            spaces.clear();
            in_quotes = true;
        } else {
            out.push_str(&spaces);
            spaces.clear();
        }
        field_start = ch == delimiter || ch == '\n';
        out.push(ch);
    }
    out.push_str(&spaces);
    out
}

/// The csv crate's message without its own position (we give the source line instead).
fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 ({err})"),
        _ => e.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/// A JSON value that keeps object keys in the order written (serde_json's `Value` sorts them).
enum Json {
    Null,
    Bool(bool),
    /// A number as text: integers as written, floats in shortest round-trip form.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Num(_) => "a number",
            Json::Str(_) => "a string",
            Json::Arr(_) => "an array",
            Json::Obj(_) => "an object",
        }
    }
}

/// Shortest text that reads back as exactly `x`, short enough for [`parse_number`].
fn float_text(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || (1e-5..1e16).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// The text of every number token in a JSON document, in order (strings skipped). serde_json
/// visits numbers in the same order, so the k-th visit gets the k-th token: cells keep the digits
/// as written, where serde_json's own float parsing may be off by one unit in the last place.
fn number_tokens(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'"' {
            i += 1;
            while let Some(&c) = bytes.get(i) {
                i += if c == b'\\' { 2 } else { 1 };
                if c == b'"' {
                    break;
                }
            }
        } else if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            {
                i += 1;
            }
            out.push(text.get(start..i).unwrap_or(""));
        } else {
            i += 1;
        }
    }
    out
}

/// Reads a [`Json`] value, taking number text from the tokens found by [`number_tokens`].
#[derive(Clone, Copy)]
struct JsonSeed<'s> {
    tokens: &'s [&'s str],
    next: &'s std::cell::Cell<usize>,
}

impl JsonSeed<'_> {
    /// The next number token if it reads as `value` (it always should), else `fallback`.
    fn number(self, value: f64, fallback: impl FnOnce() -> String) -> Json {
        let i = self.next.get();
        self.next.set(i.saturating_add(1));
        let text = match self.tokens.get(i) {
            Some(t)
                if t.len() <= 100
                    && t.parse::<f64>()
                        .is_ok_and(|p| (p - value).abs() <= 1e-12 * value.abs()) =>
            {
                t.to_string()
            }
            _ => fallback(),
        };
        Json::Num(text)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = Json;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for JsonSeed<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(self.number(v as f64, || v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(self.number(v as f64, || v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(self.number(v, || float_text(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            entries.push((key, value));
        }
        Ok(Json::Obj(entries))
    }
}

/// Writes a nested value back as compact JSON text (for cells holding arrays or objects).
fn write_json(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => out.push_str(n),
        Json::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Json::Obj(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
    }
}

/// A JSON cell as text: numbers and strings as is, null empty, anything else as JSON text.
fn json_cell(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::Num(n) => n.clone(),
        Json::Str(s) => s.trim().to_string(),
        other => {
            let mut out = String::new();
            write_json(other, &mut out);
            out
        }
    }
}

fn parse_json(text: &str) -> Result<Table, TableError> {
    let tokens = number_tokens(text);
    let next = std::cell::Cell::new(0);
    let seed = JsonSeed {
        tokens: &tokens,
        next: &next,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde::de::DeserializeSeed::deserialize(seed, &mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            let full = e.to_string();
            let message = match full.rsplit_once(" at line ") {
                Some((m, _)) => m.to_string(),
                None => full,
            };
            TableError::Json {
                line: e.line().max(1),
                message,
            }
        })?;
    let items = match value {
        Json::Arr(items) => items,
        other => {
            return Err(TableError::JsonNotArray {
                found: other.kind().to_string(),
            })
        }
    };
    match items.first() {
        None => Err(TableError::NoDataRows),
        Some(Json::Obj(_)) => json_objects(items),
        Some(Json::Arr(_)) => json_arrays(items),
        Some(other) => Err(TableError::JsonRow {
            index: 1,
            message: format!(
                "is {}; each item must be an object (one per run), or the first item an array \
                 of column names",
                other.kind()
            ),
        }),
    }
}

fn json_objects(items: Vec<Json>) -> Result<Table, TableError> {
    if items.len() > MAX_TABLE_ROWS {
        return Err(TableError::TooManyRows { rows: items.len() });
    }
    let mut headers: Vec<String> = Vec::new();
    let mut column_of: HashMap<String, usize> = HashMap::new();
    let mut lowercase_seen: HashSet<String> = HashSet::new();
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let entries = match item {
            Json::Obj(entries) => entries,
            other => {
                return Err(TableError::JsonRow {
                    index: i + 1,
                    message: format!(
                        "is {}, but the rows before it are objects: every item must be an object",
                        other.kind()
                    ),
                })
            }
        };
        let mut cells = vec![String::new(); headers.len()];
        for (key, value) in entries {
            let key = key.trim().to_string();
            let col = match column_of.get(&key) {
                Some(&col) => col,
                None => {
                    let name = if key.is_empty() {
                        format!("column {}", headers.len() + 1)
                    } else {
                        key.clone()
                    };
                    if !lowercase_seen.insert(name.to_lowercase()) {
                        return Err(TableError::DuplicateHeader { name });
                    }
                    headers.push(name);
                    column_of.insert(key, headers.len() - 1);
                    headers.len() - 1
                }
            };
            if cells.len() <= col {
                cells.resize(col + 1, String::new());
            }
            if let Some(cell) = cells.get_mut(col) {
                *cell = json_cell(&value);
            }
        }
        rows.push(TableRow { line: i + 1, cells });
    }
    if headers.is_empty() {
        return Err(TableError::NoDataRows);
    }
    let width = headers.len();
    let headers = finish_headers(headers, 1)?;
    for row in &mut rows {
        row.cells.resize(width, String::new());
    }
    Ok(Table {
        headers,
        rows,
        format: Format::Json,
    })
}

fn json_arrays(items: Vec<Json>) -> Result<Table, TableError> {
    let rows_in_text = items.len().saturating_sub(1);
    if rows_in_text > MAX_TABLE_ROWS {
        return Err(TableError::TooManyRows { rows: rows_in_text });
    }
    let mut items = items.into_iter().enumerate();
    let header_cells = match items.next() {
        Some((_, Json::Arr(cells))) => cells,
        _ => return Err(TableError::NoDataRows),
    };
    let mut headers = Vec::with_capacity(header_cells.len());
    for cell in &header_cells {
        match cell {
            Json::Str(_) | Json::Num(_) | Json::Null => headers.push(json_cell(cell)),
            other => {
                return Err(TableError::JsonRow {
                    index: 1,
                    message: format!(
                        "the first item must hold column names (strings), but one is {}",
                        other.kind()
                    ),
                })
            }
        }
    }
    let headers = finish_headers(headers, 1)?;
    let mut rows = Vec::with_capacity(rows_in_text);
    for (i, item) in items {
        let cells = match item {
            Json::Arr(cells) => cells,
            other => {
                return Err(TableError::JsonRow {
                    index: i + 1,
                    message: format!(
                        "is {}, but the first item is an array of column names: every item must \
                         be an array of cells",
                        other.kind()
                    ),
                })
            }
        };
        let mut cells: Vec<String> = cells.iter().map(json_cell).collect();
        drop_trailing_empty(&mut cells, headers.len());
        rows.push(TableRow { line: i + 1, cells });
    }
    if rows.is_empty() {
        return Err(TableError::NoDataRows);
    }
    Ok(Table {
        headers,
        rows,
        format: Format::Json,
    })
}

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

/// Which column (index into [`Table::headers`]) plays each role.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnMap {
    /// Parameters N.
    pub n: Option<usize>,
    /// Training tokens D.
    pub d: Option<usize>,
    /// Training compute C.
    pub c: Option<usize>,
    /// Loss.
    pub loss: Option<usize>,
    /// Run id.
    pub run: Option<usize>,
}

impl ColumnMap {
    /// The column playing `role`.
    pub fn get(&self, role: Role) -> Option<usize> {
        match role {
            Role::N => self.n,
            Role::D => self.d,
            Role::C => self.c,
            Role::Loss => self.loss,
            Role::Run => self.run,
        }
    }

    /// Sets (or clears) the column playing `role`.
    pub fn set(&mut self, role: Role, col: Option<usize>) {
        match role {
            Role::N => self.n = col,
            Role::D => self.d = col,
            Role::C => self.c = col,
            Role::Loss => self.loss = col,
            Role::Run => self.run = col,
        }
    }
}

/// Column names each role is guessed from, most telling first (in [`normalize`]d form).
const ALIASES: [(Role, &[&str]); 5] = [
    (
        Role::N,
        &[
            "n",
            "params",
            "parameters",
            "param count",
            "parameter count",
            "num params",
            "n params",
            "nparams",
            "model size",
            "model params",
            "model parameters",
            "size",
            "non embedding params",
            "non embedding parameters",
        ],
    ),
    (
        Role::D,
        &[
            "d",
            "tokens",
            "training tokens",
            "train tokens",
            "num tokens",
            "n tokens",
            "tokens seen",
            "dataset size",
            "data",
            "data size",
        ],
    ),
    (
        Role::C,
        &[
            "c",
            "flops",
            "flop",
            "compute",
            "training flop",
            "training flops",
            "train flops",
            "training compute",
            "total flops",
        ],
    ),
    (
        Role::Loss,
        &[
            "loss",
            "val loss",
            "validation loss",
            "eval loss",
            "final loss",
            "train loss",
            "training loss",
            "test loss",
            "l",
            "ce loss",
            "nll",
        ],
    ),
    (
        Role::Run,
        &[
            "run",
            "run id",
            "run name",
            "id",
            "name",
            "model",
            "model name",
        ],
    ),
];

/// Words that, anywhere in a column name, suggest a role when no alias matches.
const KEYWORDS: [(Role, &[&str]); 4] = [
    (Role::N, &["params", "parameters", "param"]),
    (Role::D, &["tokens"]),
    (Role::C, &["flop", "flops", "compute"]),
    (Role::Loss, &["loss"]),
];

/// Words that make a keyword match mean something else ("tokens per second", "loss std").
const NOT_THE_QUANTITY: [&str; 9] = [
    "per", "rate", "ratio", "std", "stderr", "sd", "err", "error", "var",
];

/// Lowercase words of a column name: text in brackets dropped, quotes removed, and anything
/// else that is not a letter or digit (space, `_`, `-`, `.`, `/`, `#` …) separating words
/// ("Params (M)" → "params", "val/loss" → "val loss").
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    let mut space = false;
    for ch in name.chars() {
        match ch {
            '(' | '[' | '{' => {
                depth += 1;
                space = true;
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                space = true;
            }
            _ if depth > 0 => {}
            '"' | '\'' => {}
            c if !c.is_alphanumeric() => space = true,
            c => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// The normalized name without spaces, so "numParams", "num_params" and "num params" agree.
fn squash(normalized: &str) -> String {
    normalized.chars().filter(|c| *c != ' ').collect()
}

/// Guesses roles from header names with common aliases (ignoring case, spaces, `_`, `-`, `.`
/// and text in brackets such as the "(M)" of "params (M)"). Each column gets at most one role
/// and each role at most one column; among several candidates the more telling alias wins
/// ("val_loss" over "train_loss"), then the earlier column. If no alias fits, a name containing
/// a telling word ("total params", "eval/lm_loss") is taken.
pub fn guess_columns(headers: &[String]) -> ColumnMap {
    let mut alias_rank: HashMap<String, (Role, usize)> = HashMap::new();
    for (role, aliases) in ALIASES {
        for (rank, alias) in aliases.iter().enumerate() {
            alias_rank.entry(squash(alias)).or_insert((role, rank));
        }
    }
    let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    // Best (rank, column) per role.
    let mut best: HashMap<Role, (usize, usize)> = HashMap::new();
    for (col, norm) in normalized.iter().enumerate() {
        if let Some(&(role, rank)) = alias_rank.get(&squash(norm)) {
            let entry = best.entry(role).or_insert((rank, col));
            if rank < entry.0 {
                *entry = (rank, col);
            }
        }
    }
    let mut map = ColumnMap::default();
    for (role, (_, col)) in &best {
        map.set(*role, Some(*col));
    }
    let mut taken: HashSet<usize> = best.values().map(|&(_, col)| col).collect();
    for (role, words) in KEYWORDS {
        if map.get(role).is_some() {
            continue;
        }
        let found = normalized.iter().enumerate().find(|(col, norm)| {
            !taken.contains(col)
                && norm.split(' ').any(|w| words.contains(&w))
                && !norm.split(' ').any(|w| NOT_THE_QUANTITY.contains(&w))
        });
        if let Some((col, _)) = found {
            map.set(role, Some(col));
            taken.insert(col);
        }
    }
    map
}

/// Finds a column by the name a user typed: the exact name first, then ignoring case, then
/// ignoring case, spaces, punctuation and text in brackets (as [`guess_columns`] does), and
/// last a 1-based column number ("3").
///
/// # Errors
/// [`TableError::UnknownColumn`] listing the headers, or [`TableError::AmbiguousColumn`] when
/// the loose match fits several columns.
pub fn find_column(headers: &[String], name: &str) -> Result<usize, TableError> {
    let wanted = clean_cell(name);
    if let Some(i) = headers.iter().position(|h| *h == wanted) {
        return Ok(i);
    }
    let lower = wanted.to_lowercase();
    if let Some(i) = headers.iter().position(|h| h.to_lowercase() == lower) {
        return Ok(i);
    }
    let key = squash(&normalize(&wanted));
    if !key.is_empty() {
        let matches: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| squash(&normalize(h)) == key)
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [one] => return Ok(*one),
            [] => {}
            many => {
                return Err(TableError::AmbiguousColumn {
                    name: wanted,
                    matches: many
                        .iter()
                        .filter_map(|&i| headers.get(i).cloned())
                        .collect(),
                })
            }
        }
    }
    if let Ok(k) = wanted.parse::<usize>() {
        if (1..=headers.len()).contains(&k) {
            return Ok(k - 1);
        }
    }
    Err(TableError::UnknownColumn {
        name: wanted,
        headers: headers.to_vec(),
    })
}

// ---------------------------------------------------------------------------------------------
// read_runs
// ---------------------------------------------------------------------------------------------

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
    /// C was computed as 6ND (no C column).
    pub c_derived: bool,
}

/// Reads every row with the given map. Needs loss and N columns, and D or C (the missing one is
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
    for role in [Role::N, Role::Loss] {
        if map.get(role).is_none() {
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
    used.sort_unstable_by_key(|&(col, _)| col);
    let mut out = Runs {
        runs: Vec::with_capacity(table.rows.len()),
        bad_rows: Vec::new(),
        bad_row_count: 0,
        d_derived: map.d.is_none(),
        c_derived: map.c.is_none(),
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

/// A positive finite number, or the message saying why the cell is not one.
fn positive(cell: &str) -> Result<f64, String> {
    let v = parse_number(cell).map_err(|e| e.to_string())?;
    if !v.is_finite() {
        return Err(format!("\"{cell}\" is not a number"));
    }
    if !(v > 0.0) {
        return Err(format!("must be greater than 0 (got {cell})"));
    }
    Ok(v)
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
    let (mut n, mut d, mut c, mut loss, mut run_id) = (None, None, None, None, None);
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
        }
    }
    let fail = |message: String| RowError {
        line: row.line,
        column: None,
        message,
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

#[cfg(test)]
mod tests {
    use super::*;


    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn runs_of(text: &str) -> Runs {
        let table = parse_table(text).unwrap();
        let map = guess_columns(&table.headers);
        read_runs(&table, &map).unwrap()
    }

    #[test]
    fn epoch_file_reads_245_runs_with_derived_tokens() {
        let table = parse_table(crate::test_support::epoch_csv()).unwrap();
        assert_eq!(table.format, Format::Csv);
        assert_eq!(table.rows.len(), 245);
        let map = guess_columns(&table.headers);
        assert_eq!(table.headers.get(map.n.unwrap()).unwrap(), "Model Size");
        assert_eq!(table.headers.get(map.c.unwrap()).unwrap(), "Training FLOP");
        assert_eq!(table.headers.get(map.loss.unwrap()).unwrap(), "loss");
        assert_eq!((map.d, map.run), (None, None));
        let runs = read_runs(&table, &map).unwrap();
        assert_eq!(runs.runs.len(), 245);
        assert_eq!(runs.bad_row_count, 0);
        assert!(runs.d_derived && !runs.c_derived);
        let first = &runs.runs[0];
        assert_eq!(first.line, 2);
        assert_eq!(first.n, 6795600349.289497);
        assert_eq!(first.c, 9.993852799709755e18);
        assert_eq!(first.d, 9.993852799709755e18 / (6.0 * 6795600349.289497));
        assert_eq!(first.loss, 5.005581996196243);
        assert_eq!(first.run_id, None);
        assert_eq!(runs.runs[244].line, 246);
    }

    #[test]
    fn spreadsheet_paste_with_quantities_comments_and_blank_lines() {
        let text = "\n# my runs\r\nParams\tTokens\tLoss\tRun\t\r\n70M\t1.4B\t3.1\ta\t\r\n\r\n   # comment\r\n1.4B\t28B\t2.4\tb\t\r\n400M\t8T\tabc\tc\t\r\n";
        let table = parse_table(text).unwrap();
        assert_eq!(table.format, Format::Tsv);
        assert_eq!(table.headers, h(&["Params", "Tokens", "Loss", "Run"]));
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![4, 7, 8]
        );
        let map = guess_columns(&table.headers);
        let runs = read_runs(&table, &map).unwrap();
        assert!(runs.c_derived && !runs.d_derived);
        assert_eq!(runs.runs.len(), 2);
        assert_eq!(runs.runs[0].n, 70e6);
        assert_eq!(runs.runs[0].d, 1.4e9);
        assert_eq!(runs.runs[0].c, 6.0 * 70e6 * 1.4e9);
        assert_eq!(runs.runs[1].run_id.as_deref(), Some("b"));
        assert_eq!(runs.runs[1].line, 7);
        assert_eq!(runs.bad_rows.len(), 1);
        assert_eq!(
            runs.bad_rows[0].to_string(),
            "row 8, column \"Loss\": \"abc\" is not a number"
        );
    }

    #[test]
    fn old_mac_line_endings_count_as_lines() {
        let table = parse_table("n,d,loss\r1,2,3\r\r4,5,6").unwrap();
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 4]
        );
    }

    #[test]
    fn semicolon_csv() {
        let table = parse_table("N;D;loss\n1e9;2e10;2.5\n2e9;4e10;2.3\n").unwrap();
        assert_eq!(table.format, Format::Semicolon);
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), 2);
        assert_eq!(runs.runs[1].d, 4e10);
    }

    #[test]
    fn quoted_headers_and_cells() {
        let text =
            "\"params (M)\", \"tokens, total\",\"final loss\"\n\"1,000,000\",\"2e9\", \"3.5\"\n";
        let table = parse_table(text).unwrap();
        assert_eq!(
            table.headers,
            h(&["params (M)", "tokens, total", "final loss"])
        );
        assert_eq!(table.rows[0].cells, h(&["1,000,000", "2e9", "3.5"]));
        let map = guess_columns(&table.headers);
        assert_eq!((map.n, map.d, map.loss), (Some(0), Some(1), Some(2)));
        let runs = read_runs(&table, &map).unwrap();
        assert_eq!(runs.runs[0].n, 1e6);
        assert_eq!(runs.runs[0].loss, 3.5);
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        let table = parse_table("\u{feff}params,tokens,loss\n1,2,3\n").unwrap();
        assert_eq!(table.headers[0], "params");
    }

    #[test]
    fn json_array_of_objects() {
        let text = r#"[
  {"params": 70000000, "tokens": "1.4B", "loss": 3.1},
  {"loss": 2.4, "params": 1.4e9, "tokens": 2.8e10, "note": null, "cfg": {"a": [1, true]}},
  {"params": 1e300, "tokens": 1e-300, "loss": 1}
]"#;
        let table = parse_table(text).unwrap();
        assert_eq!(table.format, Format::Json);
        assert_eq!(
            table.headers,
            h(&["params", "tokens", "loss", "note", "cfg"])
        );
        assert_eq!(table.rows[0].cells, h(&["70000000", "1.4B", "3.1", "", ""]));
        // Numbers keep the digits as written.
        assert_eq!(
            table.rows[1].cells,
            h(&["1.4e9", "2.8e10", "2.4", "", "{\"a\":[1,true]}"])
        );
        assert_eq!(table.rows[1].line, 2);
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), 3);
        assert_eq!(runs.runs[0].d, 1.4e9);
        assert_eq!(runs.runs[2].n, 1e300);
        assert_eq!(runs.runs[2].d, 1e-300);
    }

    #[test]
    fn json_numbers_keep_their_text_next_to_tricky_strings() {
        let text = r#"[{"a\"1": "x 2, \\", "n": 1.50e3, "d": -7, "loss": 0.1000000000000000055511151231257827, "z": "\u0031e9"},
 {"a\"1": "", "n": 123456789012345678901234567890, "d": 2E+2, "loss": 3, "z": 4}]"#;
        let table = parse_table(text).unwrap();
        assert_eq!(table.headers, h(&["a\"1", "n", "d", "loss", "z"]));
        assert_eq!(
            table.rows[0].cells,
            h(&[
                "x 2, \\",
                "1.50e3",
                "-7",
                "0.1000000000000000055511151231257827",
                "1e9"
            ])
        );
        assert_eq!(
            table.rows[1].cells,
            h(&["", "123456789012345678901234567890", "2E+2", "3", "4"])
        );
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(
            runs.bad_rows[0].to_string(),
            "row 1, column \"d\": must be greater than 0 (got -7)"
        );
        assert_eq!(runs.runs[0].n, 1.2345678901234568e29);
        assert_eq!(runs.runs[0].d, 200.0);
    }

    #[test]
    fn quotes_after_spaces_and_inside_cells() {
        let text = "run, params , tokens,loss\n  \"a, b\" , 70M,\"1,400,000\",3\n\"say \"\"hi\"\"\",1,2,3\n12\" x,1,2,3\n";
        let table = parse_table(text).unwrap();
        assert_eq!(table.headers, h(&["run", "params", "tokens", "loss"]));
        assert_eq!(table.rows[0].cells, h(&["a, b", "70M", "1,400,000", "3"]));
        assert_eq!(table.rows[1].cells, h(&["say \"hi\"", "1", "2", "3"]));
        assert_eq!(table.rows[2].cells, h(&["12\" x", "1", "2", "3"]));
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), 3);
        assert_eq!(runs.runs[0].run_id.as_deref(), Some("a, b"));
        assert_eq!(runs.runs[0].d, 1.4e6);
    }

    #[test]
    fn empty_header_names_are_numbered() {
        let table = parse_table(",params,tokens,loss,,\n0,1,2,3\n1,4,5,6\n").unwrap();
        assert_eq!(table.headers, h(&["column 1", "params", "tokens", "loss"]));
        assert_eq!(runs_of(",params,tokens,loss\n0,1,2,3\n").runs.len(), 1);
    }

    #[test]
    fn json_array_of_arrays() {
        let text = r#"[["N", "D", "loss", "run"], [1e8, 2e9, 3.0, "a"], [2e8, 4e9, 2.8, 7]]"#;
        let table = parse_table(text).unwrap();
        assert_eq!(table.headers, h(&["N", "D", "loss", "run"]));
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), 2);
        assert_eq!(runs.runs[1].line, 3);
        assert_eq!(runs.runs[1].run_id.as_deref(), Some("7"));
        assert_eq!(runs.runs[0].n, 1e8);
    }

    #[test]
    fn json_errors() {
        let err = parse_table(r#"{"n": [1, 2]}"#).unwrap_err();
        assert_eq!(
            err,
            TableError::JsonNotArray {
                found: "an object".into()
            }
        );
        assert!(err.to_string().contains("not an array"), "{err}");

        let err = parse_table("[\n {\"n\": 1},\n {\"n\": 2,}\n]").unwrap_err();
        match &err {
            TableError::Json { line, message } => {
                assert_eq!(*line, 3);
                assert!(!message.contains("at line"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string().starts_with("invalid JSON on line 3: "),
            "{err}"
        );

        let err = parse_table(r#"[{"n": 1}, [1, 2]]"#).unwrap_err();
        assert!(
            matches!(err, TableError::JsonRow { index: 2, .. }),
            "{err:?}"
        );
        let err = parse_table(r#"[["n", "loss"], {"n": 1}]"#).unwrap_err();
        assert!(
            matches!(err, TableError::JsonRow { index: 2, .. }),
            "{err:?}"
        );
        let err = parse_table(r#"[["n", ["loss"]], [1, 2]]"#).unwrap_err();
        assert!(
            matches!(err, TableError::JsonRow { index: 1, .. }),
            "{err:?}"
        );
        let err = parse_table("[1, 2, 3]").unwrap_err();
        assert!(
            matches!(err, TableError::JsonRow { index: 1, .. }),
            "{err:?}"
        );
        assert_eq!(parse_table("[]").unwrap_err(), TableError::NoDataRows);
        assert_eq!(parse_table("[{}, {}]").unwrap_err(), TableError::NoDataRows);
        assert_eq!(
            parse_table(r#"[["n", "loss"]]"#).unwrap_err(),
            TableError::NoDataRows
        );
        assert_eq!(
            parse_table(r#"[{"Loss": 1}, {"loss": 2}]"#).unwrap_err(),
            TableError::DuplicateHeader {
                name: "loss".into()
            }
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(parse_table(&deep), Err(TableError::Json { .. })));
        assert!(matches!(
            parse_table("[1e400]"),
            Err(TableError::Json { .. })
        ));
    }

    #[test]
    fn bad_cells_have_exact_messages() {
        let text = "n,d,loss,run\n1e9,2e10,abc,a\n-3,2e10,2,b\n0,2e10,2,c\nnan,1,2,d\n1,inf,2,e\n1e400,1,2,f\n1,,2,g\n1,2,3,\n1,2,3,ok\n1,2,3, \n";
        let runs = runs_of(text);
        let got: Vec<String> = runs.bad_rows.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "row 2, column \"loss\": \"abc\" is not a number",
                "row 3, column \"n\": must be greater than 0 (got -3)",
                "row 4, column \"n\": must be greater than 0 (got 0)",
                "row 5, column \"n\": \"nan\" is not a number",
                "row 6, column \"d\": \"inf\" is not a number",
                "row 7, column \"n\": \"1e400\" is too large to be a finite number",
                "row 8, column \"d\": is empty",
                "row 9, column \"run\": is empty",
                "row 11, column \"run\": is empty",
            ]
        );
        assert_eq!(runs.bad_row_count, 9);
        assert_eq!(runs.runs.len(), 1);
        assert_eq!(runs.runs[0].line, 10);
    }

    #[test]
    fn loss_error_on_row_three() {
        let table = parse_table("n,d,loss\n1,2,3\n1,2,abc\n").unwrap();
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(
            runs.bad_rows[0].to_string(),
            "row 3, column \"loss\": \"abc\" is not a number"
        );
        assert_eq!(runs.bad_rows[0].column.as_deref(), Some("loss"));
    }

    #[test]
    fn derived_values_out_of_range_are_row_errors() {
        let runs = runs_of("n,c,loss\n1e-300,1e300,2\n1e300,1e-300,2\n1,6,2\n");
        assert_eq!(runs.bad_row_count, 2);
        assert!(
            runs.bad_rows[0].message.contains("out of range"),
            "{}",
            runs.bad_rows[0]
        );
        assert_eq!(runs.runs[0].d, 1.0);
        let runs = runs_of("n,d,loss\n1e200,1e200,2\n");
        assert_eq!(runs.bad_row_count, 1);
        assert!(
            runs.bad_rows[0]
                .to_string()
                .starts_with("row 2: compute derived"),
            "{}",
            runs.bad_rows[0]
        );
    }

    #[test]
    fn both_d_and_c_are_kept_as_given() {
        let runs = runs_of("n,d,c,loss\n1,2,100,3\n");
        assert_eq!((runs.runs[0].d, runs.runs[0].c), (2.0, 100.0));
        assert!(!runs.d_derived && !runs.c_derived);
    }

    #[test]
    fn mismatched_cell_counts() {
        let text = "n,d,loss,x\n1,2,3,4\n1,2,3\n1,2,3,4,5\n1,2,3,4,,\t\n1,2,3,4,,,9\n";
        let table = parse_table(text).unwrap();
        assert_eq!(table.rows[3].cells.len(), 4);
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        let got: Vec<String> = runs.bad_rows.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "row 3: has 3 cells, but the header names 4 columns",
                "row 4: has 5 cells, but the header names 4 columns",
                "row 6: has 7 cells, but the header names 4 columns",
            ]
        );
        assert_eq!(runs.runs.len(), 2);
    }

    #[test]
    fn unclosed_quote_is_explained() {
        let runs = runs_of("n,d,loss\n1,2,3\n1,\"2,3\n4,5,6\n");
        assert_eq!(runs.bad_row_count, 1);
        assert!(
            runs.bad_rows[0].message.contains("quote"),
            "{}",
            runs.bad_rows[0]
        );
    }

    #[test]
    fn whole_table_errors() {
        assert_eq!(parse_table(""), Err(TableError::Empty));
        assert_eq!(parse_table(" \n\t\n"), Err(TableError::Empty));
        assert_eq!(parse_table("# only\n# comments\n"), Err(TableError::Empty));
        assert_eq!(parse_table("n,d,loss\n"), Err(TableError::NoDataRows));
        assert_eq!(
            parse_table(",,\n\"\",,\nn,d,loss\n1,2,3\n").unwrap().rows[0].line,
            4
        );
        assert_eq!(
            parse_table("n,d,loss\n\n,,\n# x\n"),
            Err(TableError::NoDataRows)
        );
        assert_eq!(
            parse_table("\n1,2,3\n4,5,6\n"),
            Err(TableError::HeaderIsData { line: 2 })
        );
        assert!(TableError::HeaderIsData { line: 2 }
            .to_string()
            .contains("must name the columns"));
        assert_eq!(
            parse_table("n,Loss,loss\n1,2,3\n"),
            Err(TableError::DuplicateHeader {
                name: "loss".into()
            })
        );

        let big = "a".repeat(MAX_TABLE_BYTES + 1);
        let err = parse_table(&big).unwrap_err();
        assert_eq!(
            err,
            TableError::TooLarge {
                bytes: MAX_TABLE_BYTES + 1
            }
        );
        assert!(
            err.to_string().contains("2.00 MB") && err.to_string().contains("limit is 2 MB"),
            "{err}"
        );

        let mut text = String::from("n,d,loss\n");
        for i in 0..=MAX_TABLE_ROWS {
            text.push_str(&format!("{},{},3\n", i + 1, i + 2));
        }
        let err = parse_table(&text).unwrap_err();
        assert_eq!(err, TableError::TooManyRows { rows: 20_001 });
        assert!(
            err.to_string().contains("20001") && err.to_string().contains("20000"),
            "{err}"
        );
        let json = format!("[{}{{}}]", "{},".repeat(MAX_TABLE_ROWS));
        assert_eq!(
            parse_table(&json),
            Err(TableError::TooManyRows { rows: 20_001 })
        );
    }

    #[test]
    fn max_rows_is_accepted_and_fast_enough() {
        let mut text = String::from("params\ttokens\tloss\trun\n");
        for i in 0..MAX_TABLE_ROWS {
            text.push_str(&format!(
                "{}M\t{}B\t{}\trun-{}\n",
                i + 1,
                i + 2,
                2.0 + 1.0 / (i + 1) as f64,
                i % 7
            ));
        }
        // (No clock on wasm32-unknown-unknown.)
        #[cfg(not(target_arch = "wasm32"))]
        let start = std::time::Instant::now();
        let table = parse_table(&text).unwrap();
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), MAX_TABLE_ROWS);
        assert_eq!(runs.runs[MAX_TABLE_ROWS - 1].line, MAX_TABLE_ROWS + 1);
        // About 0.4 s in a debug build on a slow machine; linear work, so release is far faster.
        #[cfg(not(target_arch = "wasm32"))]
        assert!(start.elapsed().as_secs_f64() < 3.0, "{:?}", start.elapsed());
    }

    #[test]
    fn huge_names_are_shortened_in_messages() {
        let name = "x".repeat(100_000);
        let err = read_runs(
            &parse_table(&format!("{name}\n1\n")).unwrap(),
            &ColumnMap::default(),
        );
        let msg = err.unwrap_err().to_string();
        assert!(msg.len() < 300 && msg.contains("xxx…"), "{msg}");
    }

    #[test]
    fn map_problems() {
        let table = parse_table("a,b,loss,tokens\n1,2,3,4\n").unwrap();
        let map = guess_columns(&table.headers);
        let err = read_runs(&table, &map).unwrap_err();
        assert_eq!(err.to_string(), "no \"N (parameters)\" column: found columns \"a\", \"b\", \"loss\", \"tokens\"; name one in the column choices");
        let map = ColumnMap {
            n: Some(0),
            d: None,
            c: None,
            loss: Some(2),
            run: None,
        };
        assert!(matches!(
            read_runs(&table, &map),
            Err(TableError::NeedDOrC { .. })
        ));
        let map = ColumnMap {
            n: Some(0),
            d: Some(3),
            c: None,
            loss: None,
            run: None,
        };
        let err = read_runs(&table, &map).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("no \"loss\" column: found columns \"a\""),
            "{err}"
        );
        let map = ColumnMap {
            n: Some(0),
            d: Some(3),
            c: None,
            loss: Some(9),
            run: None,
        };
        assert!(matches!(
            read_runs(&table, &map),
            Err(TableError::ColumnOutOfRange {
                role: Role::Loss,
                ..
            })
        ));
        let map = ColumnMap {
            n: Some(0),
            d: Some(0),
            c: None,
            loss: Some(2),
            run: None,
        };
        assert_eq!(
            read_runs(&table, &map),
            Err(TableError::SameColumn {
                first: Role::N,
                second: Role::D,
                name: "a".into()
            })
        );
        let map = ColumnMap {
            n: Some(0),
            d: Some(3),
            c: None,
            loss: Some(2),
            run: None,
        };
        assert_eq!(read_runs(&table, &map).unwrap().runs.len(), 1);
        let empty = Table {
            headers: table.headers.clone(),
            rows: vec![],
            format: Format::Csv,
        };
        assert_eq!(read_runs(&empty, &map), Err(TableError::NoDataRows));
    }

    #[test]
    fn column_map_get_set() {
        let mut map = ColumnMap::default();
        for (i, role) in Role::ALL.into_iter().enumerate() {
            map.set(role, Some(i));
        }
        for (i, role) in Role::ALL.into_iter().enumerate() {
            assert_eq!(map.get(role), Some(i));
        }
        assert_eq!(serde_json::to_string(&Role::Loss).unwrap(), "\"loss\"");
        assert_eq!(Role::ALL.map(Role::key), ["n", "d", "c", "loss", "run"]);
        assert_eq!(Role::N.label(), "N (parameters)");
    }

    #[test]
    fn find_column_by_exact_and_loose_names() {
        let headers = h(&["Model Size", "Training FLOP", "params (M)", "val/loss", "x"]);
        assert_eq!(find_column(&headers, "Model Size").unwrap(), 0);
        assert_eq!(find_column(&headers, "model size").unwrap(), 0);
        assert_eq!(find_column(&headers, "model_size").unwrap(), 0);
        assert_eq!(find_column(&headers, " training-flop ").unwrap(), 1);
        assert_eq!(find_column(&headers, "params").unwrap(), 2);
        assert_eq!(find_column(&headers, "params (M)").unwrap(), 2);
        assert_eq!(find_column(&headers, "VAL.LOSS").unwrap(), 3);
        assert_eq!(find_column(&headers, "5").unwrap(), 4);
        let err = find_column(&headers, "flops").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no column named \"flops\": found columns \"Model Size\", \"Training FLOP\", \"params (M)\", \"val/loss\", \"x\""
        );
        assert!(matches!(
            find_column(&headers, "6"),
            Err(TableError::UnknownColumn { .. })
        ));
        assert!(matches!(
            find_column(&headers, "(M)"),
            Err(TableError::UnknownColumn { .. })
        ));
        let headers = h(&["loss (train)", "loss (val)"]);
        assert!(matches!(
            find_column(&headers, "loss"),
            Err(TableError::AmbiguousColumn { .. })
        ));
        assert_eq!(find_column(&headers, "loss (val)").unwrap(), 1);
        let many: Vec<String> = (0..30).map(|i| format!("c{i}")).collect();
        let err = find_column(&many, "zz").unwrap_err().to_string();
        assert!(err.ends_with("\"c11\" … and 18 more"), "{err}");
    }

    #[test]
    fn guesses_common_aliases() {
        let cases: [(&[&str], ColumnMap); 8] = [
            (
                &[
                    "x",
                    "y",
                    "Model Size",
                    "Training FLOP",
                    "loss",
                    "color",
                    "hex_color",
                ],
                ColumnMap {
                    n: Some(2),
                    d: None,
                    c: Some(3),
                    loss: Some(4),
                    run: None,
                },
            ),
            (
                &[
                    "run_name",
                    "num_params",
                    "train_tokens",
                    "FLOPs",
                    "val_loss",
                ],
                ColumnMap {
                    n: Some(1),
                    d: Some(2),
                    c: Some(3),
                    loss: Some(4),
                    run: Some(0),
                },
            ),
            (
                &["N", "D", "C", "L"],
                ColumnMap {
                    n: Some(0),
                    d: Some(1),
                    c: Some(2),
                    loss: Some(3),
                    run: None,
                },
            ),
            (
                &["Model", "Parameters", "Tokens seen", "Compute", "Eval Loss"],
                ColumnMap {
                    n: Some(1),
                    d: Some(2),
                    c: Some(3),
                    loss: Some(4),
                    run: Some(0),
                },
            ),
            (
                &["train_loss", "nParams", "dataset.size", "val loss", "id"],
                ColumnMap {
                    n: Some(1),
                    d: Some(2),
                    c: None,
                    loss: Some(3),
                    run: Some(4),
                },
            ),
            (
                &["params (M)", "tokens [B]", "# FLOP", "nll", "name"],
                ColumnMap {
                    n: Some(0),
                    d: Some(1),
                    c: Some(2),
                    loss: Some(3),
                    run: Some(4),
                },
            ),
            (
                &[
                    "total params",
                    "tokens per second",
                    "eval/lm_loss",
                    "loss std",
                    "Non-Embedding Params",
                ],
                ColumnMap {
                    n: Some(4),
                    d: None,
                    c: None,
                    loss: Some(2),
                    run: None,
                },
            ),
            (
                &[
                    "size",
                    "data",
                    "training compute",
                    "loss",
                    "model name",
                    "model",
                ],
                ColumnMap {
                    n: Some(0),
                    d: Some(1),
                    c: Some(2),
                    loss: Some(3),
                    run: Some(5),
                },
            ),
        ];
        for (headers, want) in cases {
            assert_eq!(guess_columns(&h(headers)), want, "{headers:?}");
        }
        assert_eq!(guess_columns(&[]), ColumnMap::default());
    }

    #[test]
    fn summary_lists_then_counts_the_rest() {
        let bad: Vec<RowError> = (1..=5)
            .map(|i| RowError {
                line: i,
                column: Some("loss".into()),
                message: "is empty".into(),
            })
            .collect();
        let s = summarize_bad_rows(&bad, 40, 3);
        assert_eq!(
            s,
            "row 1, column \"loss\": is empty\nrow 2, column \"loss\": is empty\nrow 3, column \"loss\": is empty\n… and 37 more rows"
        );
        assert_eq!(summarize_bad_rows(&bad[..2], 2, 3).lines().count(), 2);
        assert_eq!(
            summarize_bad_rows(&bad[..2], 3, 2).lines().last(),
            Some("… and 1 more row")
        );
        assert_eq!(summarize_bad_rows(&[], 0, 3), "");
        assert_eq!(summarize_bad_rows(&bad, 5, 0), "… and 5 more rows");
    }

    #[test]
    fn bad_rows_are_capped_but_counted() {
        let mut text = String::from("n,d,loss\n");
        for _ in 0..3000 {
            text.push_str("x,1,1\n");
        }
        let runs = runs_of(&text);
        assert_eq!(runs.bad_rows.len(), MAX_BAD_ROWS_KEPT);
        assert_eq!(runs.bad_row_count, 3000);
        assert!(runs.runs.is_empty());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn positive_f64() -> impl Strategy<Value = f64> {
        proptest::num::f64::POSITIVE | proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL
    }

    fn check_no_panic(text: &str) {
        if let Ok(table) = parse_table(text) {
            let map = guess_columns(&table.headers);
            if let Ok(runs) = read_runs(&table, &map) {
                for r in &runs.runs {
                    assert!(r.n.is_finite() && r.n > 0.0);
                    assert!(r.d.is_finite() && r.d > 0.0);
                    assert!(r.c.is_finite() && r.c > 0.0);
                    assert!(r.loss.is_finite() && r.loss > 0.0);
                }
                let _ = summarize_bad_rows(&runs.bad_rows, runs.bad_row_count, 5);
            }
            for name in &table.headers {
                assert!(find_column(&table.headers, name).is_ok());
            }
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,200}") {
            check_no_panic(&s);
            check_no_panic(&format!("n,d,c,loss,run\n{s}"));
            check_no_panic(&format!("[{s}"));
        }

        #[test]
        fn never_panics_on_table_like_text(s in "[0-9a-zA-Z,;\t\"#\\[\\]{}:. \r\n-]{0,300}") {
            check_no_panic(&s);
            check_no_panic(&format!("N\tD\tloss\n{s}"));
            check_no_panic(&format!("[[\"n\",\"c\",\"loss\"],{s}"));
        }

        #[test]
        fn numbers_round_trip_exactly(
            rows in proptest::collection::vec((positive_f64(), positive_f64(), positive_f64(), positive_f64()), 1..20),
            sci in any::<bool>(),
            delim in prop::sample::select(vec![",", "\t", ";"]),
        ) {
            let mut text = ["n", "d", "c", "loss"].join(delim);
            text.push('\n');
            for &(n, d, c, loss) in &rows {
                let cells: Vec<String> = [n, d, c, loss]
                    .iter()
                    .map(|x| if sci || !(1e-6..1e15).contains(x) { format!("{x:e}") } else { format!("{x}") })
                    .collect();
                text.push_str(&cells.join(delim));
                text.push('\n');
            }
            let table = parse_table(&text).unwrap();
            let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
            prop_assert_eq!(runs.bad_row_count, 0);
            prop_assert_eq!(runs.runs.len(), rows.len());
            for (run, &(n, d, c, loss)) in runs.runs.iter().zip(&rows) {
                prop_assert_eq!((run.n, run.d, run.c, run.loss), (n, d, c, loss));
            }
        }

        #[test]
        fn json_numbers_round_trip_exactly(
            rows in proptest::collection::vec((positive_f64(), positive_f64(), positive_f64()), 1..20),
        ) {
            let items: Vec<String> = rows
                .iter()
                .map(|(n, c, loss)| format!("{{\"params\": {n:e}, \"flops\": {c:e}, \"loss\": {loss:e}}}"))
                .collect();
            let text = format!("[{}]", items.join(","));
            let table = parse_table(&text).unwrap();
            for (row, &(n, c, loss)) in table.rows.iter().zip(&rows) {
                let back: Vec<f64> = row.cells.iter().map(|s| units::parse_number(s).unwrap()).collect();
                prop_assert_eq!(back, vec![n, c, loss]);
            }
        }
    }
}
