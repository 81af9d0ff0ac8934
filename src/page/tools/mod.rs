//! Planning tools beyond the Budget panel (schedules, data limits, over-training, inference,
//! hints, parameter counts, comparing fits, sweep planning). Each tool is one module with a type
//! implementing [`Tool`], registered by one line in the `tools!` list at the end of this file;
//! the page, the share link and the URL validation handle every tool the same way.


use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::core::plot::ChartState;
use crate::core::plot::{ChartError, ChartStyle};
use crate::page::session::Session;

/// The page's inputs, as the tools read them (every tool field is present).
pub type Fields = crate::page::fields::Inputs;

pub use crate::page::fields::Field;

/// A table a tool shows: header and rows of display text.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Table {
    /// Column headings.
    pub head: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// A button a tool offers that fills fields with values (adopt a shape, load a published
/// model): the page writes each value into its field and evaluates again.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Action {
    /// The button's text.
    pub label: String,
    /// What it does, in words (the button's tooltip).
    pub title: String,
    /// Field name → the text it gets.
    pub set: Vec<(String, String)>,
}

/// What a tool shows: the same parts as the Budget panel's view, plus tables, lists and actions.
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
    /// Output keys whose results are being computed in the background.
    pub pending: std::collections::BTreeSet<String>,
    /// Action row key (element id `act-KEY`) → its buttons.
    pub actions: BTreeMap<String, Vec<Action>>,
}

impl ToolView {
    /// Sets an output.
    pub fn out(&mut self, key: &str, text: impl Into<String>) {
        self.outputs.insert(key.to_string(), text.into());
    }
    /// An output whose result is being computed in the background, with what it shows meanwhile.
    pub fn busy(&mut self, key: &str, text: impl Into<String>) {
        self.out(key, text);
        self.pending.insert(key.to_string());
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
    /// Adds a button to an action row.
    pub fn action(&mut self, row: &str, action: Action) {
        self.actions.entry(row.to_string()).or_default().push(action);
    }
}

/// What a tool declares: its key and the names of everything it reads and shows, each checked
/// against `index.html` (see [`crate::page::ids`]).
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    /// Short key, also the prefix of its field names, outputs and charts.
    pub key: &'static str,
    /// Its inputs.
    pub fields: &'static [Field],
    /// Its chart kinds (canvas `data-chart` values), drawn by its module's `draw` (see `tools!`).
    pub charts: &'static [&'static str],
    /// Keys of its outputs (element ids `out-KEY`).
    pub outputs: &'static [&'static str],
    /// Message slots that are not fields (element ids `err-KEY`), e.g. about the Budget panel's law.
    pub messages: &'static [&'static str],
    /// Keys of its tables (element ids `tbl-KEY`).
    pub tables: &'static [&'static str],
    /// Keys of its lists (element ids `list-KEY`).
    pub lists: &'static [&'static str],
    /// Keys of its action rows (element ids `act-KEY`), see [`Action`].
    pub actions: &'static [&'static str],
}

impl ToolSpec {
    /// Nothing declared: the base for `..ToolSpec::EMPTY`.
    pub const EMPTY: ToolSpec = ToolSpec { key: "", fields: &[], charts: &[], outputs: &[], messages: &[], tables: &[], lists: &[], actions: &[] };
}

/// A planning tool: what it declares, what its panel shows and its charts. Register it with one
/// line in the `tools!` list below.
pub trait Tool: Sync {
    /// What it declares.
    fn spec(&self) -> &'static ToolSpec;
    /// Short key, also the prefix of its field names, outputs and charts.
    fn key(&self) -> &'static str {
        self.spec().key
    }
    /// Its inputs.
    fn fields(&self) -> &'static [Field] {
        self.spec().fields
    }
    /// Its chart kinds.
    fn charts(&self) -> &'static [&'static str] {
        self.spec().charts
    }
    /// Keys of its outputs.
    fn outputs(&self) -> &'static [&'static str] {
        self.spec().outputs
    }
    /// Keys of its tables.
    fn tables(&self) -> &'static [&'static str] {
        self.spec().tables
    }
    /// Keys of its lists.
    fn lists(&self) -> &'static [&'static str] {
        self.spec().lists
    }
    /// Message slots that are not fields.
    fn messages(&self) -> &'static [&'static str] {
        self.spec().messages
    }
    /// Keys of its action rows.
    fn actions(&self) -> &'static [&'static str] {
        self.spec().actions
    }
    /// What its panel shows for these fields, given the Budget panel's law and compute.
    fn evaluate(&self, fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView;
    /// Runs one of its slow computations in a worker (see [`crate::page::jobs`]): `None` when
    /// `method` is not one of its own.
    fn run_job(&self, _method: &str, _args: &str) -> Option<Result<String, String>> {
        None
    }
}

/// Every tool field, in page order. Read from [`SPECS`], not [`TOOLS`]: the page's first-load
/// module reads links through the field registry without carrying any tool's code.
pub fn all_fields() -> impl Iterator<Item = &'static Field> {
    SPECS.iter().flat_map(|t| t.fields.iter())
}

/// Whether `key` names a tool.
pub fn is_tool(key: &str) -> bool {
    SPECS.iter().any(|t| t.key == key)
}

/// The tool that draws chart `kind`.
pub fn tool_of_chart(kind: &str) -> Option<&'static dyn Tool> {
    TOOLS.iter().copied().find(|t| t.charts().contains(&kind))
}

/// Every tool's view, merged (keys are prefixed per tool, so they do not collide).
pub fn evaluate_all(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut all = ToolView::default();
    for tool in TOOLS {
        let view = tool.evaluate(fields, budget, session);
        all.outputs.extend(view.outputs);
        all.errors.extend(view.errors);
        all.unanswered.extend(view.unanswered);
        all.tables.extend(view.tables);
        all.lists.extend(view.lists);
        all.pending.extend(view.pending);
        all.actions.extend(view.actions);
    }
    all
}

/// Runs a tool's slow computation in a worker (see [`Tool::run_job`]).
///
/// # Errors
/// A method no tool has, or arguments that do not read.
pub fn run_job(method: &str, args: &str) -> Result<String, String> {
    TOOLS.iter().find_map(|t| t.run_job(method, args)).unwrap_or_else(|| Err(format!("no tool runs \"{method}\"")))
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

/// A run (N, D) a tool evaluates: typed in its two fields, or the Budget panel's N*, D* for the
/// blank ones; `origin` says which came from the Budget panel (" (Budget N*, D*)", "").
pub struct RunAt {
    /// Parameters.
    pub n: f64,
    /// Training tokens.
    pub d: f64,
    /// Which of them are the Budget panel's.
    pub origin: &'static str,
}

/// Reads [`RunAt`] from `fields` (`n_field`, `d_field`; typed values at least `lo`), with the
/// messages at the fields: a bad value, or a blank one without a valid budget.
pub fn run_at(fields: &Fields, budget: &ChartState, [n_field, d_field]: [&str; 2], lo: f64, view: &mut ToolView) -> Option<RunAt> {
    let opt = budget.compute.and_then(|c| crate::core::allocate::optimum(budget.law.law(), c).ok());
    let mut read = |field: &str, what: &str, fallback: Option<f64>| -> Option<(f64, bool)> {
        let t = text(fields, field);
        if t.trim().is_empty() {
            if fallback.is_none() {
                view.unanswered(field, format!("needs a valid budget above, or type {what} here"));
            }
            return fallback.map(|v| (v, true));
        }
        crate::page::budget::number(t, what, lo, 1e16).map_err(|e| view.err(field, e)).ok().map(|v| (v, false))
    };
    let n = read(n_field, "N", opt.map(|a| a.n));
    let d = read(d_field, "D", opt.map(|a| a.d));
    let ((n, n_budget), (d, d_budget)) = (n?, d?);
    let origin = match (n_budget, d_budget) {
        (true, true) => " (Budget N*, D*)",
        (true, false) => " (Budget N*)",
        (false, true) => " (Budget D*)",
        (false, false) => "",
    };
    Some(RunAt { n, d, origin })
}

/// The text of field `name`.
pub fn text<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.text(name)
}

/// Every field at its default but the given ones (for tests).
#[cfg(test)]
pub(crate) fn fields_with(pairs: &[(&str, &str)]) -> Fields {
    pairs.iter().fold(Fields::default(), |fields, (name, value)| fields.with(name, *value))
}

/// Every field at its default (for tests).
#[cfg(test)]
pub(crate) fn defaults() -> Fields {
    Fields::default()
}

/// Declares a tool's type in its module, implementing [`Tool`] with the module's `SPEC` and
/// `evaluate` (and, with `jobs`, its `run_job`): `super::tool!(Sweep, jobs);`.
macro_rules! tool {
    ($tool:ident $(, $jobs:ident)?) => {
        /// The tool as the page registers it.
        pub struct $tool;

        impl $tool {
            /// What it declares, without a trait object (see [`super::SPECS`]).
            pub const SPEC: &'static super::ToolSpec = &SPEC;
        }

        impl super::Tool for $tool {
            fn spec(&self) -> &'static super::ToolSpec {
                &SPEC
            }
            fn evaluate(&self, fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
                evaluate(fields, budget, session)
            }
            $(
                fn run_job(&self, method: &str, args: &str) -> Option<Result<String, String>> {
                    // `$jobs` only marks that the module has a `run_job`.
                    let _ = stringify!($jobs);
                    run_job(method, args)
                }
            )?
        }
    };
}
use tool;

/// Registers the tools: each line declares a tool's module and adds its tool to [`TOOLS`] (in
/// page order) and, when it names one (`=> Tool + draw`), its module's chart function to
/// [`draw`] (generic over the backend, so it cannot be a method of the `dyn Tool`).
macro_rules! tools {
    ($($module:ident => $tool:ident $(+ $draw:ident)?),* $(,)?) => {
        $(pub mod $module;)*

        /// Every tool, in page order.
        pub const TOOLS: &[&dyn Tool] = &[$(&$module::$tool),*];

        /// What every tool declares, in page order (plain data: no tool's code comes with it).
        pub const SPECS: &[&ToolSpec] = &[$($module::$tool::SPEC),*];

        /// Draws chart `kind` of whichever tool owns it, on a clean area.
        ///
        /// # Errors
        /// An unknown chart kind, or a backend failure.
        pub fn draw<DB: DrawingBackend>(
            kind: &str,
            area: &DrawingArea<DB, Shift>,
            fields: &Fields,
            budget: &ChartState,
            session: &mut Session,
            style: &ChartStyle,
        ) -> Result<(), ChartError>
        where
            DB::ErrorType: 'static,
        {
            // Every chart starts from a clean canvas, so a message never piles up on an earlier drawing.
            area.fill(&style.background())?;
            $($(
                if Tool::charts(&$module::$tool).contains(&kind) {
                    return $module::$draw(kind, area, fields, budget, session, style);
                }
            )?)*
            Err(ChartError::Unknown(kind.to_string()))
        }
    };
}

tools! {
    schedule => Schedule + draw,
    datalimit => DataLimit + draw,
    overtrain => Overtrain + draw,
    inference => Inference + draw,
    hints => Hints,
    paramcount => ParamCount + draw,
    compare => Compare + draw,
    sweep => Sweep + draw,
    sparse => Sparse + draw,
    shape => ShapeTool + draw,
    downstream => Downstream + draw,
    moe => Moe + draw,
    precision => PrecisionTool + draw,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_and_link_keys_are_unique_and_prefixed() {
        let mut names = std::collections::HashSet::new();
        let mut urls = std::collections::HashSet::new();
        for tool in TOOLS {
            for f in tool.fields() {
                assert!(f.name.starts_with(&format!("{}_", tool.key())), "{} is not prefixed {}_", f.name, tool.key());
                assert!(names.insert(f.name), "field {} twice", f.name);
                assert!(urls.insert(f.url), "link key {} twice", f.url);
                assert!(crate::page::budget::FIELDS.iter().all(|g| g.name != f.name));
            }
            for c in tool.charts() {
                assert!(c.starts_with(&format!("{}-", tool.key())), "chart {c} is not prefixed {}-", tool.key());
            }
        }
    }

    #[test]
    fn every_tool_evaluates_its_defaults_without_errors() {
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        for tool in TOOLS {
            let view = tool.evaluate(&defaults(), &budget, &mut Session::new());
            assert!(view.errors.is_empty(), "{}: {:?}", tool.key(), view.errors);
            for (k, v) in &view.outputs {
                assert!(k.starts_with(&format!("{}_", tool.key())), "output {k} of {}", tool.key());
                let bad = v.split(|c: char| !c.is_alphanumeric()).any(|w| matches!(w, "NaN" | "inf" | "Infinity"));
                assert!(!bad, "{k} = {v}");
            }
        }
    }
}
