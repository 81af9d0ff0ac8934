//! JSON tables: an array of objects (keys are the headers, in the order written) or of arrays
//! with a header row; numbers are kept as written.

use super::*;

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

pub(super) fn parse_json(text: &str) -> Result<Table, TableError> {
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
                    if !lowercase_seen.insert(name.to_ascii_lowercase()) {
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

