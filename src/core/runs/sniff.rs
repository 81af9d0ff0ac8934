//! Text to a raw table: JSON when it looks like JSON, otherwise CSV, TSV or semicolon-separated
//! text with the delimiter read off the header line.

use super::*;

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
pub(super) fn clean_cell(cell: &str) -> String {
    let t = cell.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        let inner = t.get(1..t.len() - 1).unwrap_or(t);
        return inner.trim().replace("\"\"", "\"");
    }
    t.to_string()
}

/// Checks and completes the header: names trimmed, trailing empty names dropped, other empty
/// names replaced by "column K", no duplicates, not all numbers.
pub(super) fn finish_headers(mut headers: Vec<String>, line: usize) -> Result<Vec<String>, TableError> {
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
        if !seen.insert(h.to_ascii_lowercase()) {
            return Err(TableError::DuplicateHeader { name: h.clone() });
        }
    }
    if headers.iter().all(|h| parse_number(h).is_ok()) {
        return Err(TableError::HeaderIsData { line });
    }
    Ok(headers)
}

/// Drops empty cells past the header's width (spreadsheets paste trailing tabs).
pub(super) fn drop_trailing_empty(cells: &mut Vec<String>, width: usize) {
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
                    position: e.position().cloned(),
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

