//! A share link, as pasted into the address bar, through the whole page evaluation.
#![no_main]

#[allow(dead_code)]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let inputs = common::read_link(text);
    common::whole_page(&inputs, true);
});
