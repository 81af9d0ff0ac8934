//! temporary
use wasm_bindgen::prelude::*;
use crate::fit::{forms::{Form, Point}, grid::Grid, multistart::Multistart};
/// tmp
#[wasm_bindgen(js_name = benchTmp)]
pub fn bench_tmp(text: &str) -> String {
    let mut runs: Vec<(f64,f64,f64)> = text.lines().skip(1).filter_map(|l| { let c: Vec<&str> = l.split(',').collect(); Some((c.get(3)?.parse().ok()?, c.get(4)?.parse().ok()?, c.get(6)?.parse().ok()?)) }).collect();
    runs.sort_by(|a, b| a.2.total_cmp(&b.2)); runs.truncate(runs.len() - 5);
    let points: Vec<Point> = runs.iter().map(|&(n, c, l)| Point { ln_n: n.ln(), ln_d: (c / (6.0 * n)).ln(), ln_c: c.ln(), ln_loss: l.ln() }).collect();
    let t = js_sys::Date::now();
    let mut fit = Multistart::new(Form::Chinchilla, points, 1e-3, Grid::default_for(Form::Chinchilla));
    fit.run(usize::MAX);
    let r = fit.finish();
    format!("{} ms {:?}", js_sys::Date::now() - t, r.map(|r| (r.best.value, r.evaluations)))
}
