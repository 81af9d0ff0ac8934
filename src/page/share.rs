//! Share links: the page state as a short, versioned, human-readable URL fragment
//! (`#v=1&c=3e23&law=hoffmann`), and back — never panicking, always naming what was wrong.

use crate::page::budget::{evaluate, Inputs, View, GPU, LAW, MODE, SOLVE};
use crate::page::fields::{self, Field};
use crate::page::session::Session;

/// The current link format version.
pub const VERSION: &str = "1";
/// Longest fragment accepted; longer ones are not read at all, and [`to_fragment`] never writes
/// one (pasted tables that do not fit are left out). Every typed field at its longest valid
/// length, percent-encoded, fits well inside this.
pub const MAX_FRAGMENT_CHARS: usize = 40_000;

/// The fragment (without `#`) for these inputs; fields at their default are left out, and so
/// are values too long to be valid input (a stray paste), so the rest of the link stays usable.
pub fn to_fragment(inputs: &Inputs, session: &mut Session) -> String {
    let mut parts = vec![format!("v={VERSION}")];
    let mut packed_parts = Vec::new();
    for (field, value) in inputs.iter() {
        if value == field.default {
            continue;
        }
        if field.packed() {
            // Deflating a large paste takes milliseconds, and this runs on every keystroke.
            if let Some(packed) = session.memo_in("link", field.name, value.to_string(), || pack_data(value)) {
                packed_parts.push(format!("{}={packed}", field.url));
            }
        } else if value.chars().count() <= crate::core::units::MAX_INPUT_CHARS {
            parts.push(format!("{}={}", field.url, encode(value)));
        }
    }
    // Pasted tables go in, in page order, while the link stays readable by `from_fragment`.
    let mut length = parts.iter().map(|p| p.len() + 1).sum::<usize>();
    for part in packed_parts {
        if length + part.len() < MAX_FRAGMENT_CHARS {
            length += part.len() + 1;
            parts.push(part);
        }
    }
    parts.join("&")
}

/// Reads a fragment (with or without `#`). Returns the inputs and one message per problem;
/// any field that is missing, malformed or invalid keeps its default.
pub fn from_fragment(fragment: &str, session: &mut Session) -> (Inputs, Vec<String>) {
    read_fragment(fragment, |inputs| evaluate(inputs, session))
}

/// Reads a fragment as [`from_fragment`] does but judges only the Budget panel's fields (the
/// page's first-load module, which carries no tool's code; a link that sets anything else is
/// read again by the whole page, see [`needs_workbench`]).
pub fn from_fragment_panel(fragment: &str) -> (Inputs, Vec<String>) {
    read_fragment(fragment, |inputs| crate::page::budget::evaluate_panel(inputs).0)
}

/// Whether these inputs need more than the Budget panel: a view other than it is open, or a
/// field outside it is set (then the page loads its workbench module before it shows them).
pub fn needs_workbench(inputs: &Inputs) -> bool {
    !inputs.get(&crate::page::budget::TOOL).is_empty()
        || fields::all()
            .filter(|f| !crate::page::budget::FIELDS.contains(f))
            .any(|f| inputs.get(f) != f.default)
}

fn read_fragment(fragment: &str, mut evaluate: impl FnMut(&Inputs) -> View) -> (Inputs, Vec<String>) {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let mut inputs = Inputs::default();
    let mut messages = Vec::new();
    if fragment.trim().is_empty() {
        return (inputs, messages);
    }
    let chars = fragment.chars().count();
    if chars > MAX_FRAGMENT_CHARS {
        messages.push(format!("The link is too long ({chars} characters; at most {MAX_FRAGMENT_CHARS}); showing the defaults."));
        return (inputs, messages);
    }
    let pairs: Vec<(&str, &str)> =
        fragment.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
    match pairs.iter().find(|(k, _)| *k == "v").map(|(_, v)| *v) {
        Some(VERSION) => {}
        Some(other) => {
            messages.push(format!(
                "The link has version \"{}\", which this page does not read (it reads v={VERSION}); showing the defaults.",
                crate::core::units::truncate(other)
            ));
            return (inputs, messages);
        }
        None => {
            messages.push("The link has no version (v=1): it may be truncated or not from scalecalc; showing the defaults.".into());
            return (inputs, messages);
        }
    }
    let mut seen = Vec::new();
    for (key, raw) in pairs {
        if key == "v" {
            continue;
        }
        let Some(field) = fields::by_url(key) else {
            messages.push(format!("Ignored unknown setting \"{}\" in the link.", crate::core::units::truncate(key)));
            continue;
        };
        if seen.contains(&field.name) {
            messages.push(format!("The link sets \"{key}\" twice; the first value is used."));
            continue;
        }
        seen.push(field.name);
        let value = if field.packed() { unpack_data(raw) } else { decode(raw) };
        match value {
            Ok(value) => inputs.set(field, value),
            Err(why) => messages.push(format!("Link setting \"{key}\" {why}; using the default.")),
        }
    }
    canonicalise(&mut inputs);
    // Validate with the page's own rules; each invalid field falls back to its default. Fields
    // others depend on (law, mode, hardware) are settled first, so that "c=30 days" is judged
    // with the GPU the page will actually use.
    const FIRST: [&str; 7] = ["law", "mode", "gpu", "gpus", "mfu", "price", "solve"];
    // Each pass resets what is invalid now; a reset can only make other fields readable, so
    // this settles within a few passes (at most one per field). A pass that resets nothing
    // (what is left are messages on fields already at their defaults, or on no field) settles
    // it too: the next evaluation would see the same inputs.
    for pass in 0..fields::all().count() {
        let view = evaluate(&inputs);
        if view.errors.is_empty() {
            break;
        }
        let first_only = pass == 0 && view.errors.keys().any(|f| FIRST.contains(&f.as_str()));
        let mut reset = false;
        for (field, error) in &view.errors {
            if first_only && !FIRST.contains(&field.as_str()) {
                continue;
            }
            let Some(f) = fields::by_name(field) else { continue };
            let bad = inputs.get(f).to_string();
            if bad == f.default {
                continue;
            }
            inputs.set(f, f.default);
            reset = true;
            let shown = if f.default.is_empty() { "empty".to_string() } else { format!("\"{}\"", f.default) };
            messages.push(format!("Link setting \"{}={}\": {error}; using {shown}.", f.url, crate::core::units::truncate(&bad)));
        }
        if !reset && !first_only {
            break;
        }
    }
    (inputs, messages)
}

/// Longest packed run table a link carries; larger tables stay out of links (the fitted law
/// still goes in).
pub const MAX_PACKED_DATA_CHARS: usize = 6_000;

/// A run table as `z` + base64url(deflate(text)), or `None` when that is too long for a link.
fn pack_data(text: &str) -> Option<String> {
    use base64::Engine;
    // Beyond this even very repetitive text does not deflate into a link; skip the work.
    if text.len() > 50 * MAX_PACKED_DATA_CHARS {
        return None;
    }
    let deflated = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9);
    let packed = format!("z{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(deflated));
    (packed.len() <= MAX_PACKED_DATA_CHARS).then_some(packed)
}

/// Reads a packed run table (never inflating past the table size limit).
fn unpack_data(raw: &str) -> Result<String, String> {
    use base64::Engine;
    let Some(body) = raw.strip_prefix('z') else {
        return decode(raw);
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| "holds run data that is not valid base64url".to_string())?;
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, crate::core::runs::MAX_TABLE_BYTES)
        .map_err(|_| "holds run data that does not decompress".to_string())?;
    String::from_utf8(text).map_err(|_| "holds run data that is not UTF-8 text".to_string())
}

/// Writes names the page's selectors know: "H100" → "h100", "Kaplan" → "kaplan".
fn canonicalise(inputs: &mut Inputs) {
    if let Some(p) = crate::core::presets::Preset::from_key(inputs.get(&LAW)) {
        inputs.set(&LAW, p.key());
    }
    if let Some(g) = crate::core::hardware::find_gpu(inputs.get(&GPU)) {
        inputs.set(&GPU, g.key);
    }
    for choice in [&MODE, &SOLVE] as [&'static Field; 2] {
        let canonical = inputs.get(choice).trim().to_ascii_lowercase();
        inputs.set(choice, canonical);
    }
}

/// Percent-encodes everything but letters, digits and `-._~,:$`; a space becomes `+`.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' | b':' | b'$' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Reverses [`encode`]; also accepts `%20` for a space.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3).ok_or("has a truncated %-escape")?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("has a bad %-escape \"%{hex}\""));
                }
                let byte = u8::from_str_radix(hex, 16).map_err(|_| format!("has a bad %-escape \"%{hex}\""))?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "is not valid UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseResult;

    /// The first-load module's reader agrees with the whole page's on the Budget panel, leaves
    /// the tools' fields to it, and says when a link needs it.
    #[test]
    fn the_budget_panel_reads_links_alone_and_says_when_it_cannot() {
        let mut session = Session::new();
        for link in ["#v=1&c=3e22&law=hoffmann", "#v=1&c=abc&law=gpt9&mfu=-1", "#v=1&tool=nope&size=30B", ""] {
            let whole = from_fragment(link, &mut session);
            let panel = from_fragment_panel(link);
            assert_eq!(panel, whole, "{link}");
            assert!(!needs_workbench(&panel.0), "{link}");
        }
        let (inputs, messages) = from_fragment_panel("#v=1&tool=nope");
        assert_eq!(inputs.get(&crate::page::budget::TOOL), "");
        assert!(messages.iter().any(|m| m.contains("there is no tool \"nope\"")), "{messages:?}");
        for link in ["#v=1&tool=sw", "#v=1&tool=fit", "#v=1&swn=50", "#v=1&c=1e22&it=5T"] {
            assert!(needs_workbench(&from_fragment_panel(link).0), "{link}");
        }
        // A tool's bad value: only the whole page judges it.
        let (panel, panel_messages) = from_fragment_panel("#v=1&it=abc");
        assert_eq!(panel.text("inf_tokens"), "abc");
        assert!(panel_messages.is_empty(), "{panel_messages:?}");
        assert!(needs_workbench(&panel));
        let (whole, messages) = from_fragment("#v=1&it=abc", &mut session);
        assert_eq!(whole.text("inf_tokens"), "2T");
        assert!(messages.iter().any(|m| m.contains("it=abc")), "{messages:?}");
    }

    #[test]
    fn a_fit_and_its_small_data_travel_in_the_link() {
        let mut session = Session::new();
        let data = "N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n".repeat(20);
        let inputs = Inputs::default().with("law", "fit").with("fit", "chinchilla;E=1.817218;A=477.8254;B=2143.425;alpha=0.3473104;beta=0.3671726;runs=240;c=1.2e18..1.3e22").with("fit_data", data.clone()).with("fit_drop", "5").with("fit_boot", "200");
        let link = to_fragment(&inputs, &mut session);
        assert!(link.contains("&fdata=z") && link.len() < 1000, "{link}");
        let (back, messages) = from_fragment(&link, &mut session);
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(back, inputs);
    }

    #[test]
    fn many_pasted_tables_never_make_an_unreadable_link() {
        let mut session = Session::new();
        let mut inputs = Inputs::default();
        let mut state = 1u64;
        let mut table = String::from("N,D,loss\n");
        while table.len() < 3_800 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            table.push_str(&format!("{},{},{}\n", state >> 40, state >> 20 & 0xfffff, state & 0xffff));
        }
        for field in fields::all().filter(|f| f.packed()) {
            inputs.set(field, table.clone());
        }
        let fragment = to_fragment(&inputs, &mut session);
        assert!(fragment.len() <= MAX_FRAGMENT_CHARS, "{} chars", fragment.len());
        let (back, _) = from_fragment(&fragment, &mut session);
        assert_eq!(back.text("fit_data"), table, "the first table fits and round-trips");
    }

    #[test]
    fn large_data_stays_out_of_the_link_but_the_fit_goes_in() {
        let data: String = (0..3000).map(|i| format!("{},{},{}\n", 1e8 + i as f64 * 7919.0, 2e9 + i as f64 * 104729.0, 3.0 - i as f64 * 1e-4)).collect();
        let inputs = Inputs::default().with("law", "fit").with("fit", "kaplan;N_c=6.4e13;D_c=1.8e13;alpha_N=0.076;alpha_D=0.103;runs=9;c=1e18..1e20").with("fit_data", data);
        let link = to_fragment(&inputs, &mut Session::new());
        assert!(!link.contains("fdata") && link.contains("law=fit&fit=kaplan"), "{link}");
    }

    #[test]
    fn broken_fit_links_fall_back_with_messages() {
        for (link, want) in [
            ("#v=1&law=fit&fit=gpt;E=1", "unknown form"),
            ("#v=1&law=fit", "fitted law"),
            ("#v=1&fdata=z!!!", "not valid base64url"),
            ("#v=1&fdata=zAAAA", "does not decompress"),
            ("#v=1&fdelta=abc", "Huber δ"),
            ("#v=1&fboot=-3", "resamples"),
            ("#v=1&flaw=gpt", "unknown law"),
        ] {
            let (inputs, messages) = from_fragment(link, &mut Session::new());
            assert!(messages.iter().any(|m| m.contains(want)), "{link}: {messages:?}");
            assert_eq!(inputs.text("law"), "epoch", "{link}");
        }
    }

    #[test]
    fn defaults_make_a_short_link() {
        assert_eq!(to_fragment(&Inputs::default(), &mut Session::new()), "v=1");
    }

    #[test]
    fn a_link_reads_like_the_inputs() {
        let inputs = Inputs::default().with("compute", "2000 PF-days").with("law", "hoffmann");
        assert_eq!(to_fragment(&inputs, &mut Session::new()), "v=1&c=2000+PF-days&law=hoffmann");
    }

    #[test]
    fn bad_links_fall_back_with_messages() {
        let mut session = Session::new();
        let cases = [
            ("#v=1&c=abc", "\"abc\" is not a number"),
            ("#v=1&c=-1", "greater than 0"),
            ("#v=1&c=1e400", "finite"),
            ("#v=1&law=gpt5", "unknown law"),
            ("#v=1&c=5.76e", "not a number"),
            ("#v=9&c=1e20", "version"),
            ("#c=1e20", "no version"),
            ("#v=1&c=%E0%A4", "UTF-8"),
            ("#v=1&c=%4", "truncated"),
            ("#v=1&zzz=1", "unknown setting"),
            ("#v=1&gpus=0", "greater than 0"),
            ("#v=1&mfu=NaN", "not a number"),
            ("#v=1&c=%E6%95%B0%E5%AD%97", "\"数字\" is not a number"),
        ];
        for (link, fragment) in cases {
            let (inputs, messages) = from_fragment(link, &mut session);
            assert!(messages.iter().any(|m| m.contains(fragment)), "{link}: {messages:?}");
            assert!(evaluate(&inputs, &mut session).errors.is_empty(), "{link}: left invalid inputs");
        }
        let long = format!("#v=1&c={}", "9".repeat(20_000));
        assert!(from_fragment(&long, &mut session).1[0].contains("too long"));
        // A stray paste stays out of the link, and everything else is kept.
        let pasted = Inputs::default().with("compute", "9".repeat(10_000)).with("law", "kaplan");
        assert_eq!(to_fragment(&pasted, &mut session), "v=1&law=kaplan");
    }

    #[test]
    fn valid_settings_survive_beside_bad_ones() {
        let (inputs, messages) = from_fragment("#v=1&c=abc&law=kaplan", &mut Session::new());
        assert_eq!(inputs.text("law"), "kaplan");
        assert_eq!(inputs.text("compute"), Inputs::default().text("compute"));
        assert_eq!(messages.len(), 1);
    }

    #[test]
    fn names_are_canonicalised_and_dependent_fields_survive() {
        let mut session = Session::new();
        let (inputs, messages) = from_fragment("#v=1&gpu=H100&law=Kaplan", &mut session);
        assert_eq!((inputs.text("gpu"), inputs.text("law")), ("h100", "kaplan"));
        assert!(messages.is_empty());
        // The GPU falls back first; the duration is then valid with the default GPU.
        let (inputs, messages) = from_fragment("#v=1&c=30+days&gpu=zzz", &mut session);
        assert_eq!(inputs.text("compute"), "30 days");
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(from_fragment("#v=1&c=%+A", &mut session).1[0].contains("bad %-escape"));
    }

    #[test]
    fn unanswerable_questions_are_not_link_errors() {
        // A 2B model can never reach this budget's loss: the page says so, but the link is fine.
        let (inputs, messages) = from_fragment("#v=1&c=1e23&size=2B&loss=1.0", &mut Session::new());
        assert_eq!(inputs.text("model_size"), "2B");
        assert_eq!(inputs.text("target_loss"), "1.0");
        assert!(messages.is_empty(), "{messages:?}");
    }

    /// Text a user might type into a field: valid quantities and garbage alike.
    fn typed() -> impl Strategy<Value = String> {
        prop_oneof![
            (1.0f64..10.0, 6i32..34).prop_map(|(m, e)| format!("{m:.3}e{e}")),
            (1u32..5000).prop_map(|n| format!("{n} PF-days")),
            (1u32..900).prop_map(|n| format!("{n}B")),
            (1u32..90).prop_map(|n| format!("{n} days")),
            "\\PC{0,30}",
        ]
    }

    /// Runs a property over many generated cases with one session, as the page keeps one: the
    /// planning tools' default fits are computed once, not once per case.
    fn cases<S: Strategy>(strategy: S, test: impl Fn(S::Value, &mut Session) -> TestCaseResult) {
        let session = std::cell::RefCell::new(Session::new());
        let mut runner = proptest::test_runner::TestRunner::default();
        if let Err(e) = runner.run(&strategy, |v| test(v, &mut session.borrow_mut())) {
            panic!("{e}");
        }
    }

    #[test]
    fn any_inputs_round_trip() {
        let laws = prop::sample::select(vec!["epoch", "hoffmann", "kaplan", "muennighoff"]);
        let modes = prop::sample::select(vec!["compute", "hardware"]);
        let strategy = (typed(), "[0-9]{1,5}", typed(), "[0-9]\\.[0-9]{1,3}", laws, modes);
        cases(strategy, |(compute, gpus, size, loss, law, mode), session| {
            let inputs = Inputs::default().with("compute", compute).with("gpus", gpus).with("model_size", size).with("target_loss", loss).with("law", law).with("mode", mode);
            let fragment = to_fragment(&inputs, session);
            // Parse the raw fields back without validation fallback.
            let mut back = Inputs::default();
            for pair in fragment.split('&').skip(1) {
                let (k, v) = pair.split_once('=').unwrap();
                back.set(fields::by_url(k).unwrap(), decode(v).unwrap());
            }
            prop_assert_eq!(&back, &inputs);
            // Valid inputs come back unchanged and silently through the validating reader;
            // invalid ones come back valid, with a message.
            let (read, messages) = from_fragment(&fragment, session);
            if evaluate(&inputs, session).errors.is_empty() {
                prop_assert_eq!(read, inputs);
                prop_assert!(messages.is_empty(), "{:?}", messages);
            } else {
                prop_assert!(!messages.is_empty());
                prop_assert!(evaluate(&read, session).errors.is_empty());
            }
            Ok(())
        });
    }

    #[test]
    fn arbitrary_fragments_never_panic() {
        cases("\\PC{0,200}", |s, session| {
            let (inputs, _) = from_fragment(&s, session);
            prop_assert!(evaluate(&inputs, session).errors.is_empty());
            Ok(())
        });
    }

    #[test]
    fn versioned_fragments_with_garbage_values_fall_back() {
        let keys = prop::sample::select(vec!["c", "law", "gpu", "gpus", "days", "mfu", "usd", "solve", "gc", "gn", "gd", "loss", "size", "conv", "mode", "x"]);
        cases(prop::collection::vec((keys, "\\PC{0,20}"), 0..8), |pairs, session| {
            let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
            let (inputs, _) = from_fragment(&format!("#v=1&{}", body.join("&")), session);
            prop_assert!(evaluate(&inputs, session).errors.is_empty());
            Ok(())
        });
    }

    /// A link whose view keeps a message on a field already at its default (here a pasted
    /// schedule table without a step column: the message asks for the step column's name) is
    /// read in one pass and a check, not one evaluation of the whole page per field (139): a
    /// pass that resets nothing ends the validation. Found by fuzzing the link target.
    #[test]
    fn a_message_that_no_reset_can_clear_ends_the_validation() {
        let mut session = Session::new();
        session.set_deferred(true);
        let link = "#v=1&sd=a%2Cb%0A1%2C2%0A3%2C4";
        let mut evaluations = 0;
        let (inputs, messages) = read_fragment(link, |i| {
            evaluations += 1;
            evaluate(i, &mut session)
        });
        let view = evaluate(&inputs, &mut session);
        assert!(view.errors.contains_key("sched_step"), "{:?}", view.errors);
        assert_eq!(inputs.text("sched_data"), "a,b\n1,2\n3,4");
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(evaluations, 1);
    }
}
