//! Planning tools beyond the Budget panel (schedules, data limits, over-training, inference,
//! hints, parameter counts, comparing fits, sweep planning). Each tool is one module with the
//! same four items — `FIELDS`, `CHARTS`, `evaluate` and `draw` — registered once in [`TOOLS`] and
//! [`draw`]; the page, the share link and the URL validation handle every tool the same way.

pub mod background;
pub mod compare;
pub mod datalimit;
pub mod hints;
pub mod inference;
pub mod overtrain;
pub mod paramcount;
pub mod schedule;
pub mod sweep;

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::core::plot::ChartState;
use crate::core::plot::{ChartError, ChartStyle};

/// A tool's fields as typed, by field name (every registered field is present).
pub type Fields = BTreeMap<String, String>;

/// One input of a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Field name: the page element's `data-field`, unique across the page (prefix it with the tool's key).
    pub name: &'static str,
    /// Key in share links (short, unique across the page, stable once shipped).
    pub url: &'static str,
    /// Value when nothing was typed.
    pub default: &'static str,
    /// Pasted data: deflated into links when small enough, left out when not.
    pub packed: bool,
}

impl Field {
    /// A plain field.
    pub const fn new(name: &'static str, url: &'static str, default: &'static str) -> Field {
        Field { name, url, default, packed: false }
    }

    /// A field holding pasted data.
    pub const fn data(name: &'static str, url: &'static str) -> Field {
        Field { name, url, default: "", packed: true }
    }
}

/// A table a tool shows: header and rows of display text.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Table {
    /// Column headings.
    pub head: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// What a tool shows: the same parts as the Budget panel's view, plus tables and lists.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ToolView {
    /// Output key (element id `out-KEY`) → display text.
    pub outputs: BTreeMap<String, String>,
    /// Field name → what is wrong with what was typed there.
    pub errors: BTreeMap<String, String>,
    /// Field name → why the question that field asks has no answer.
    pub unanswered: BTreeMap<String, String>,
    /// Table key (element id `tbl-KEY`) → table.
    pub tables: BTreeMap<String, Table>,
    /// List key (element id `list-KEY`) → items (notes, warnings, citations).
    pub lists: BTreeMap<String, Vec<String>>,
}

impl ToolView {
    /// Sets an output.
    pub fn out(&mut self, key: &str, text: impl Into<String>) {
        self.outputs.insert(key.to_string(), text.into());
    }
    /// Records the first error of a field.
    pub fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors.entry(field.to_string()).or_insert_with(|| message.into());
    }
    /// Records why a field's question has no answer.
    pub fn unanswered(&mut self, field: &str, message: impl Into<String>) {
        self.unanswered.entry(field.to_string()).or_insert_with(|| message.into());
    }
    /// Adds an item to a list.
    pub fn note(&mut self, list: &str, text: impl Into<String>) {
        self.lists.entry(list.to_string()).or_default().push(text.into());
    }
    /// Sets a table.
    pub fn table(&mut self, key: &str, table: Table) {
        self.tables.insert(key.to_string(), table);
    }
}

/// A registered tool.
#[derive(Clone, Copy)]
pub struct Tool {
    /// Short key, also the prefix of its field names, outputs and charts.
    pub key: &'static str,
    /// Its inputs.
    pub fields: &'static [Field],
    /// Its chart kinds (canvas `data-chart` values), drawn by [`draw`].
    pub charts: &'static [&'static str],
    /// What its panel shows for these fields, given the Budget panel's law and compute.
    pub evaluate: fn(&Fields, &ChartState) -> ToolView,
}

/// Every tool, in page order.
pub const TOOLS: [Tool; 8] = [
    Tool { key: "sched", fields: schedule::FIELDS, charts: schedule::CHARTS, evaluate: schedule::evaluate },
    Tool { key: "dl", fields: datalimit::FIELDS, charts: datalimit::CHARTS, evaluate: datalimit::evaluate },
    Tool { key: "ot", fields: overtrain::FIELDS, charts: overtrain::CHARTS, evaluate: overtrain::evaluate },
    Tool { key: "inf", fields: inference::FIELDS, charts: inference::CHARTS, evaluate: inference::evaluate },
    Tool { key: "hp", fields: hints::FIELDS, charts: hints::CHARTS, evaluate: hints::evaluate },
    Tool { key: "pc", fields: paramcount::FIELDS, charts: paramcount::CHARTS, evaluate: paramcount::evaluate },
    Tool { key: "cmp", fields: compare::FIELDS, charts: compare::CHARTS, evaluate: compare::evaluate },
    Tool { key: "sw", fields: sweep::FIELDS, charts: sweep::CHARTS, evaluate: sweep::evaluate },
];

/// Every tool field, in page order.
pub fn all_fields() -> impl Iterator<Item = &'static Field> {
    TOOLS.iter().flat_map(|t| t.fields.iter())
}

/// The tool field called `name`.
pub fn field(name: &str) -> Option<&'static Field> {
    all_fields().find(|f| f.name == name)
}

/// The tool field whose link key is `url`.
pub fn field_by_url(url: &str) -> Option<&'static Field> {
    all_fields().find(|f| f.url == url)
}

/// Every tool field at its default.
pub fn defaults() -> Fields {
    all_fields().map(|f| (f.name.to_string(), f.default.to_string())).collect()
}

/// The tool that draws chart `kind`.
pub fn tool_of_chart(kind: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.charts.contains(&kind))
}

/// Every tool's view, merged (keys are prefixed per tool, so they do not collide).
pub fn evaluate_all(fields: &Fields, budget: &ChartState) -> ToolView {
    let mut all = ToolView::default();
    for tool in &TOOLS {
        let view = (tool.evaluate)(fields, budget);
        all.outputs.extend(view.outputs);
        all.errors.extend(view.errors);
        all.unanswered.extend(view.unanswered);
        all.tables.extend(view.tables);
        all.lists.extend(view.lists);
    }
    all
}

/// Draws chart `kind` of whichever tool owns it (a tool without charts, like `hints`, has no
/// `draw`).
///
/// # Errors
/// An unknown chart kind, or a backend failure.
pub fn draw<DB: DrawingBackend>(
    kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    // Every chart starts from a clean canvas, so a message never piles up on an earlier drawing.
    area.fill(&style.background())?;
    match tool_of_chart(kind).map(|t| t.key) {
        Some("sched") => schedule::draw(kind, area, fields, budget, style),
        Some("dl") => datalimit::draw(kind, area, fields, budget, style),
        Some("ot") => overtrain::draw(kind, area, fields, budget, style),
        Some("inf") => inference::draw(kind, area, fields, budget, style),
        Some("pc") => paramcount::draw(kind, area, fields, budget, style),
        Some("cmp") => compare::draw(kind, area, fields, budget, style),
        Some("sw") => sweep::draw(kind, area, fields, budget, style),
        _ => Err(ChartError(format!("unknown chart \"{kind}\""))),
    }
}

/// Remembered results: (area, name) → (key, value).
type Memo = BTreeMap<(&'static str, &'static str), (String, std::rc::Rc<dyn std::any::Any>)>;

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(BTreeMap::new());
}

/// The result of `compute` for `key`, remembered per `slot` (one entry each): a tool's panel and
/// its charts ask for the same fit on every keystroke, and only the first asks computes it.
pub fn memo<T: Clone + 'static>(slot: &'static str, key: String, compute: impl FnOnce() -> T) -> T {
    memo_in(slot, "", key, compute)
}

/// [`memo`] with one slot per `(area, name)`, e.g. one per field of the page.
pub fn memo_in<T: Clone + 'static>(area: &'static str, name: &'static str, key: String, compute: impl FnOnce() -> T) -> T {
    if let Some(v) = remembered((area, name), &key) {
        return v;
    }
    let v = compute();
    remember((area, name), key, v.clone());
    v
}

/// The value remembered in `slot` if it was remembered for `key`.
fn remembered<T: Clone + 'static>(slot: (&'static str, &'static str), key: &str) -> Option<T> {
    MEMO.with(|m| m.borrow().get(&slot).filter(|(k, _)| k == key).and_then(|(_, v)| v.downcast_ref::<T>().cloned()))
}

/// Remembers `value` for `key` in `slot` (replacing whatever the slot held).
fn remember<T: Clone + 'static>(slot: (&'static str, &'static str), key: String, value: T) {
    let stored: std::rc::Rc<dyn std::any::Any> = std::rc::Rc::new(value);
    MEMO.with(|m| m.borrow_mut().insert(slot, (key, stored)));
}

/// Forgets everything remembered on this thread.
#[cfg(test)]
pub(crate) fn forget_memo() {
    MEMO.with(|m| m.borrow_mut().clear());
}

/// A memo key from the named fields' text (and anything else the result depends on).
pub fn key_of(fields: &Fields, names: &[&str], extra: &str) -> String {
    let mut key = String::from(extra);
    for name in names {
        key.push('\u{1f}');
        key.push_str(text(fields, name));
    }
    key
}

/// The text of field `name` (its default when absent).
pub fn text<'a>(fields: &'a Fields, name: &str) -> &'a str {
    match fields.get(name) {
        Some(v) => v.as_str(),
        None => field(name).map(|f| f.default).unwrap_or(""),
    }
}

/// Every tool field at its default but the given ones (for tests).
#[cfg(test)]
pub(crate) fn fields_with(pairs: &[(&str, &str)]) -> Fields {
    let mut fields = defaults();
    for (name, value) in pairs {
        fields.insert(name.to_string(), value.to_string());
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_and_link_keys_are_unique_and_prefixed() {
        let mut names = std::collections::HashSet::new();
        let mut urls = std::collections::HashSet::new();
        for tool in &TOOLS {
            for f in tool.fields {
                assert!(f.name.starts_with(&format!("{}_", tool.key)), "{} is not prefixed {}_", f.name, tool.key);
                assert!(names.insert(f.name), "field {} twice", f.name);
                assert!(urls.insert(f.url), "link key {} twice", f.url);
                assert!(crate::page::budget::FIELDS.iter().all(|g| *g != f.name));
            }
            for c in tool.charts {
                assert!(c.starts_with(&format!("{}-", tool.key)), "chart {c} is not prefixed {}-", tool.key);
            }
        }
    }

    #[test]
    fn every_tool_evaluates_its_defaults_without_errors() {
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        for tool in &TOOLS {
            let view = (tool.evaluate)(&defaults(), &budget);
            assert!(view.errors.is_empty(), "{}: {:?}", tool.key, view.errors);
            for (k, v) in &view.outputs {
                assert!(k.starts_with(&format!("{}_", tool.key)), "output {k} of {}", tool.key);
                let bad = v.split(|c: char| !c.is_alphanumeric()).any(|w| matches!(w, "NaN" | "inf" | "Infinity"));
                assert!(!bad, "{k} = {v}");
            }
        }
    }
}
