//! Any one field of the page (Budget, Fit and every planning tool's fields, pasted tables
//! included) set to arbitrary text, through the whole page evaluation. The input is `key=text`
//! with `key` the field's link key.
#![no_main]

#[allow(dead_code)]
mod common;

use libfuzzer_sys::fuzz_target;
use scalecalc::page::budget::Inputs;
use scalecalc::page::fields;

fuzz_target!(|text: &str| {
    let Some((key, value)) = text.split_once('=') else { return };
    let Some(field) = fields::by_url(key) else { return };
    let mut inputs = Inputs::default();
    inputs.set(field, value);
    common::whole_page(&inputs, false);
});
