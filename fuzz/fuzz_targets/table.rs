//! Run tables as pasted into the Fit panel or given to `scalecalc fit` (CSV, TSV, JSON, W&B
//! exports): sniffing, column guessing, reading, and the fit request's preparation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalecalc::core::runs::{guess_columns, parse_table, read_runs};

fuzz_target!(|text: &str| {
    let Ok(table) = parse_table(text) else { return };
    let map = guess_columns(&table.headers);
    if let Ok(runs) = read_runs(&table, &map) {
        for run in &runs.runs {
            for (what, v) in [("N", run.n), ("D", run.d), ("C", run.c), ("loss", run.loss)] {
                assert!(v.is_finite() && v > 0.0, "line {}: {what} read as {v}", run.line);
            }
            assert!(run.weight.is_finite() && run.weight >= 0.0, "line {}: weight {}", run.line, run.weight);
        }
    }
});
