//! (stub: to be written)

use super::LawFitArgs;

/// `scalecalc fit --law KEY`: fits the pasted table and returns the JSON the CLI prints.
///
/// # Errors
/// A message saying what is wrong with the table or the options.
pub fn fit_cli(_text: &str, _args: &LawFitArgs) -> Result<serde_json::Value, String> {
    Err("not built yet".into())
}
