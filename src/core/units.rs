//! Quantities people type: one parser for numbers with units and suffixes, and the formatters
//! that turn numbers back into text a person reads (70M, 1.4T, 5.76e23 FLOP, 21 days, $1.2M).

use std::fmt;

/// 1 PF-day in FLOP: 10¹⁵ FLOP/s for 86 400 s.
pub const FLOP_PER_PF_DAY: f64 = 1e15 * 86_400.0;
/// Longest text accepted in a single field; longer input is rejected before it is scanned.
pub const MAX_INPUT_CHARS: usize = 200;

/// What a number is measured in, as written after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Floating-point operations.
    Flop,
    /// Petaflop/s-days (8.64·10¹⁹ FLOP).
    PfDay,
    /// GPU-hours (needs a GPU type and MFU to mean FLOP).
    GpuHour,
    /// Wall-clock time in seconds (written as s, min, h, days, weeks, years).
    Second,
    /// US dollars (written $1.2M, 1.2M USD).
    Usd,
}

impl Unit {
    /// The name used on the command line and in messages.
    pub fn key(self) -> &'static str {
        match self {
            Unit::Flop => "flop",
            Unit::PfDay => "pf-day",
            Unit::GpuHour => "gpu-hour",
            Unit::Second => "seconds",
            Unit::Usd => "usd",
        }
    }

    /// Parses a unit name as given to `--to` (flop, pf-day, gpu-hour, seconds, days, usd …).
    pub fn from_key(text: &str) -> Option<(Unit, f64)> {
        match_unit(text)
    }
}

/// A parsed number with the unit written after it (if any); `value` is in the unit's base
/// (FLOP, PF-days, GPU-hours, seconds, dollars).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    /// The value, already scaled by suffixes and time units.
    pub value: f64,
    /// The unit, when one was written.
    pub unit: Option<Unit>,
}

/// Why a piece of text is not a quantity. Messages quote the text and say what would work.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// More than [`MAX_INPUT_CHARS`] characters.
    TooLong(usize),
    /// The text does not start with a number.
    NotANumber(String),
    /// A number, but it overflows (1e400) or is otherwise not finite.
    NotFinite(String),
    /// A non-zero number too small to represent (1e-400).
    TooSmall(String),
    /// A comma that does not separate thousands (1,5 or 1,00).
    BadGrouping(String),
    /// Text after the number that is no unit or suffix we know.
    UnknownUnit(String),
    /// A unit where a plain number is expected (`5 days` as a model size).
    UnexpectedUnit(Unit),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "is empty: enter a number"),
            ParseError::TooLong(n) => {
                write!(f, "is too long ({n} characters; at most {MAX_INPUT_CHARS})")
            }
            ParseError::NotANumber(t) => write!(f, "\"{t}\" is not a number"),
            ParseError::NotFinite(t) => write!(f, "\"{t}\" is too large to be a finite number"),
            ParseError::TooSmall(t) => write!(f, "\"{t}\" is too small to represent (it rounds to 0)"),
            ParseError::BadGrouping(t) => write!(
                f,
                "\"{t}\": commas may only separate groups of three digits (write 1.5, not 1,5)"
            ),
            ParseError::UnknownUnit(u) => write!(f, "unknown unit or suffix \"{u}\""),
            ParseError::UnexpectedUnit(u) => write!(f, "takes a plain number, not a value in {}", u.key()),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses a plain number with an optional magnitude suffix: `3e23`, `1,000,000`, `70M`,
/// Splits a trailing `%` off a share as people type it: `("40", true)` for "40 %", `("0.4",
/// false)` for "0.4" (both trimmed). The one place that knows how a percent is written.
pub fn split_percent(text: &str) -> (&str, bool) {
    let text = text.trim();
    match text.strip_suffix('%') {
        Some(body) => (body.trim(), true),
        None => (text, false),
    }
}

/// The largest count a field or flag takes when it has no bound of its own (10¹⁸): it reads as
/// "≥ lo" in messages.
pub const UNBOUNDED: u64 = 1_000_000_000_000_000_000;

/// Why a whole number did not read.
#[derive(Debug, Clone, PartialEq)]
pub enum WholeError {
    /// Not a number.
    Parse(ParseError),
    /// A number that is not whole, or outside [lo, hi].
    Outside {
        /// What was read.
        value: f64,
        /// The smallest allowed.
        lo: u64,
        /// The largest allowed ([`UNBOUNDED`]: no bound).
        hi: u64,
    },
}

impl WholeError {
    /// What a good value is: "a whole number between 0 and 1000", "a whole number ≥ 0".
    pub fn bound(&self) -> String {
        match self {
            WholeError::Parse(_) => "a whole number".to_string(),
            WholeError::Outside { lo, hi, .. } if *hi >= UNBOUNDED => format!("a whole number ≥ {lo}"),
            WholeError::Outside { lo, hi, .. } => format!("a whole number between {lo} and {hi}"),
        }
    }
}

impl fmt::Display for WholeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WholeError::Parse(e) => write!(f, "{e}"),
            WholeError::Outside { value, .. } => write!(f, "must be {} (got {})", self.bound(), format_sig(*value, 6)),
        }
    }
}

impl std::error::Error for WholeError {}

/// Reads a whole number (counts, seeds, resamples) in [lo, hi]: "1e3" and "1,000" are fine.
///
/// # Errors
/// Text that is not a number, or a number that is not whole or is outside the bounds.
pub fn parse_whole(text: &str, lo: u64, hi: u64) -> Result<u64, WholeError> {
    let v = parse_number(text).map_err(WholeError::Parse)?;
    if v.fract() != 0.0 || !(lo as f64..=hi as f64).contains(&v) {
        return Err(WholeError::Outside { value: v, lo, hi });
    }
    Ok(v as u64)
}

/// A share written as a fraction ("0.4") or a percent ("40%", "40 %"), as a fraction.
///
/// # Errors
/// What [`parse_number`] rejects.
pub fn parse_fraction(text: &str) -> Result<f64, ParseError> {
    let (body, percent) = split_percent(text);
    parse_number(body).map(|v| if percent { v / 100.0 } else { v })
}

/// `1.4B`, `1.4T`, `2k`, `5.76×10^23`, `10^21`. Rejects any unit.
///
/// # Errors
/// Empty, too long, not a number, not finite, or followed by anything but a suffix.
pub fn parse_number(text: &str) -> Result<f64, ParseError> {
    let q = parse_quantity(text)?;
    match q.unit {
        None => Ok(q.value),
        Some(u) => Err(ParseError::UnexpectedUnit(u)),
    }
}

/// Parses a number followed by an optional unit: `5.76e23 FLOP`, `2000 PF-days`,
/// `1.2M GPU-hours`, `30 days`, `$1.2M`, `70B params`.
///
/// # Errors
/// See [`ParseError`]; never panics, whatever the input.
pub fn parse_quantity(text: &str) -> Result<Quantity, ParseError> {
    let chars = text.chars().count();
    if chars > MAX_INPUT_CHARS {
        return Err(ParseError::TooLong(chars));
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    let (dollar, body) = match trimmed.strip_prefix('$') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, trimmed),
    };
    let (mantissa, rest) = scan_number(body, trimmed)?;
    let (multiplier, unit_text) = split_multiplier(rest.trim());
    let mut value = mantissa * multiplier;
    let mut unit = if dollar { Some(Unit::Usd) } else { None };
    let unit_text = unit_text.trim();
    if !unit_text.is_empty() {
        match match_unit(unit_text) {
            Some((Unit::Usd, scale)) if dollar => value *= scale,
            Some((u, scale)) if !dollar => {
                value *= scale;
                unit = if is_count_noun(unit_text) { None } else { Some(u) };
            }
            _ if is_count_noun(unit_text) && !dollar => {}
            _ => return Err(ParseError::UnknownUnit(unit_text.to_string())),
        }
    }
    if !value.is_finite() {
        return Err(ParseError::NotFinite(trimmed.to_string()));
    }
    Ok(Quantity { value, unit })
}

/// Scans the numeric part at the start of `body`; returns it and the text after it.
fn scan_number<'a>(body: &'a str, whole: &str) -> Result<(f64, &'a str), ParseError> {
    let bytes = body.as_bytes();
    let mut i = 0;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    let mut digits = String::new();
    if body.starts_with('-') {
        digits.push('-');
    }
    let mut group_len: Option<usize> = None; // digits since the last comma, once a comma is seen
    let mut leading = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => {
                digits.push(bytes[i] as char);
                match group_len.as_mut() {
                    Some(g) => *g += 1,
                    None => leading += 1,
                }
            }
            b',' if i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() => {
                let ok = match group_len {
                    // "0,250" is a European decimal, not 250.
                    None => (1..=3).contains(&leading) && !digits.trim_start_matches('-').starts_with('0'),
                    Some(g) => g == 3,
                };
                if !ok {
                    return Err(ParseError::BadGrouping(whole.to_string()));
                }
                group_len = Some(0);
            }
            b'_' if i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() => {}
            _ => break,
        }
        i += 1;
    }
    if matches!(group_len, Some(g) if g != 3) {
        return Err(ParseError::BadGrouping(whole.to_string()));
    }
    if i < bytes.len() && bytes[i] == b'.' {
        digits.push('.');
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            digits.push(bytes[i] as char);
            i += 1;
        }
    }
    let has_digits = digits.bytes().any(|b| b.is_ascii_digit());
    if !has_digits || i == int_start {
        return Err(ParseError::NotANumber(whole.to_string()));
    }
    // Exponent: e23, E-5.
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        let exp_digits_start = j;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_digits_start {
            digits.push_str(&body[i..j]);
            i = j;
        } else {
            // "5.76e" or "5e+": a truncated exponent is an error, not the unit "e".
            return Err(ParseError::NotANumber(whole.to_string()));
        }
    }
    let mut value: f64 = digits.parse().map_err(|_| ParseError::NotANumber(whole.to_string()))?;
    let mantissa_nonzero = digits.split(['e', 'E']).next().is_some_and(|m| m.bytes().any(|b| (b'1'..=b'9').contains(&b)));
    if value == 0.0 && mantissa_nonzero {
        return Err(ParseError::TooSmall(whole.to_string()));
    }
    let mut rest = &body[i..];
    // "×10^23", "x10^23", "*10^23", "·10^23"
    let after = rest.trim_start();
    for times in ["×10^", "x10^", "*10^", "·10^", "× 10^", "x 10^", "* 10^"] {
        if let Some(exp_text) = after.strip_prefix(times) {
            let (exp, tail) = scan_integer(exp_text).ok_or_else(|| ParseError::NotANumber(whole.to_string()))?;
            value *= 10f64.powi(exp);
            rest = tail;
            break;
        }
    }
    // A bare "10^21" means 1e21.
    if digits == "10" || digits == "-10" {
        if let Some(exp_text) = rest.strip_prefix('^') {
            let (exp, tail) = scan_integer(exp_text).ok_or_else(|| ParseError::NotANumber(whole.to_string()))?;
            value = value.signum() * 10f64.powi(exp);
            rest = tail;
        }
    }
    if !value.is_finite() {
        return Err(ParseError::NotFinite(whole.to_string()));
    }
    Ok((value, rest))
}

fn scan_integer(text: &str) -> Option<(i32, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
        i += 1;
    }
    let start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() && i - start < 4 {
        i += 1;
    }
    if i == start {
        return None;
    }
    let n: i32 = text[..i].parse().ok()?;
    Some((n, &text[i..]))
}

/// Splits a magnitude suffix (k, M, B, T, million …) off the front of `rest`.
fn split_multiplier(rest: &str) -> (f64, &str) {
    const WORDS: [(&str, f64); 12] = [
        ("thousand", 1e3),
        ("million", 1e6),
        ("billion", 1e9),
        ("trillion", 1e12),
        ("bn", 1e9),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("m", 1e6),
        ("B", 1e9),
        ("G", 1e9),
        ("T", 1e12),
    ];
    if rest.is_empty() || match_unit(rest).is_some() || is_count_noun(rest) {
        return (1.0, rest);
    }
    for (word, scale) in WORDS {
        if let Some(tail) = rest.strip_prefix(word) {
            let next = tail.chars().next();
            // "1.4T" or "1.4T tokens" or "2M$" — but not "Tokens" read as T + "okens".
            let rest_is_time = matches!(match_unit(tail), Some((Unit::Second, _)));
            if !rest_is_time && next.is_none_or(|c| c.is_whitespace() || !c.is_alphabetic() || word.len() > 1) {
                return (scale, tail);
            }
            // "1.5kFLOP" is 1500 FLOP, but "5ms" is not 5 million seconds.
            if matches!(match_unit(tail), Some((u, _)) if u != Unit::Second) {
                return (scale, tail);
            }
        }
    }
    if let Some(tail) = rest.strip_prefix('P') {
        if tail.is_empty() {
            return (1e15, tail);
        }
    }
    (1.0, rest)
}

fn is_count_noun(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "tokens" | "token" | "params" | "param" | "parameters" | "parameter"
    )
}

/// Matches a unit name; returns the unit and the factor to its base (e.g. days → 86 400 s).
fn match_unit(text: &str) -> Option<(Unit, f64)> {
    let norm: String = text
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '·'))
        .collect();
    // "/" only appears in petaflop/s-day; "FLOP/s" is a rate, not an amount.
    let norm = norm.replace("petaflop/s", "petaflops").replace("pf/s", "pfs");
    let found = match norm.as_str() {
        "flop" | "flops" | "flo" => (Unit::Flop, 1.0),
        "pfday" | "pfdays" | "pfsday" | "pfsdays" | "petaflopday" | "petaflopdays"
        | "petaflopsday" | "petaflopsdays" => (Unit::PfDay, 1.0),
        "gpuhour" | "gpuhours" | "gpuh" | "gpuhr" | "gpuhrs" => (Unit::GpuHour, 1.0),
        "s" | "sec" | "secs" | "second" | "seconds" => (Unit::Second, 1.0),
        "min" | "mins" | "minute" | "minutes" => (Unit::Second, 60.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => (Unit::Second, 3600.0),
        "d" | "day" | "days" => (Unit::Second, 86_400.0),
        "w" | "wk" | "week" | "weeks" => (Unit::Second, 7.0 * 86_400.0),
        "y" | "yr" | "yrs" | "year" | "years" => (Unit::Second, 365.25 * 86_400.0),
        "$" | "usd" | "dollar" | "dollars" => (Unit::Usd, 1.0),
        _ => return None,
    };
    Some(found)
}

/// Formats `x` with `sig` significant digits, trailing zeros removed ("1.4", "70", "0.0123").
pub fn format_sig(x: f64, sig: usize) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let sig = sig.clamp(1, 17);
    // Round to `sig` significant digits first (so 172799 → 173000 and 9.996 → 10).
    let x: f64 = format!("{:.*e}", sig - 1, x).parse().unwrap_or(x);
    if x.abs() >= 1e6 || x.abs() < 1e-4 {
        return format_sci(x, sig);
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (sig as i32 - 1 - magnitude).max(0) as usize;
    let mut s = format!("{:.*}", decimals, x);
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if s == "-0" {
        s = "0".to_string();
    }
    s
}

/// Scientific notation with `sig` significant digits: 5.76e23, 1e21, 3.2e-5.
pub fn format_sci(x: f64, sig: usize) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let sig = sig.clamp(1, 17);
    let s = format!("{:.*e}", sig - 1, x);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mant = if mant.contains('.') { mant.trim_end_matches('0').trim_end_matches('.') } else { mant };
    format!("{mant}e{exp}")
}

/// A count with a magnitude suffix: 512, 12.5k, 70M, 1.4B, 1.4T; beyond 10¹⁵ scientific.
pub fn format_count(x: f64, sig: usize) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    // Round first so that 999.96M becomes 1B, not "1000M".
    let rounded: f64 = format_sci(x, sig).parse().unwrap_or(x);
    let a_r = rounded.abs();
    let (scale, suffix) = if a_r >= 1e15 {
        return format_sci(x, sig);
    } else if a_r >= 1e12 {
        (1e12, "T")
    } else if a_r >= 1e9 {
        (1e9, "B")
    } else if a_r >= 1e6 {
        (1e6, "M")
    } else if a_r >= 1e4 {
        (1e3, "k")
    } else if a_r >= 1e-3 || a_r == 0.0 {
        (1.0, "")
    } else {
        return format_sci(x, sig);
    };
    format!("{}{}", format_sig(rounded / scale, sig), suffix)
}

/// FLOP in scientific notation: "5.76e23 FLOP".
pub fn format_flop(x: f64) -> String {
    format!("{} FLOP", format_sci(x, 3))
}

/// A duration in the largest sensible unit: "45 s", "12 min", "3.4 h", "21.3 days", "2.1 years".
pub fn format_duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "—".to_string();
    }
    // Pick the unit from the rounded value, so 59.99 s reads "1 min", not "60 s"; but divide the
    // exact value, so it is rounded once (1006 years is "1010 years", not "1000").
    let rounded: f64 = format_sci(seconds, 3).parse().unwrap_or(seconds);
    let (per_unit, unit) = if rounded < 60.0 {
        (1.0, "s")
    } else if rounded < 3600.0 {
        (60.0, "min")
    } else if rounded < 2.0 * 86_400.0 {
        (3600.0, "h")
    } else if rounded < 2.0 * 365.25 * 86_400.0 {
        (86_400.0, "days")
    } else {
        (365.25 * 86_400.0, "years")
    };
    let value = seconds / per_unit;
    let text = if value >= 1e4 { format_count(value, 3) } else { format_sig(value, 3) };
    format!("{text} {unit}")
}

/// Dollars with a suffix: "$950", "$12.3k", "$1.23M", "$4.5B".
pub fn format_usd(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    format!("${}", format_count(x, 3))
}

/// Shortens user text quoted in a message so a 10 000-character paste stays readable.
pub fn truncate(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole numbers: at both bounds, just past them, not whole, not numbers; "≥ lo" without
    /// an upper bound.
    #[test]
    fn whole_numbers_and_their_bounds() {
        assert_eq!(parse_whole("0", 0, 1000), Ok(0));
        assert_eq!(parse_whole("1e3", 0, 1000), Ok(1000));
        assert_eq!(parse_whole("1,000", 0, 1000), Ok(1000));
        let past = parse_whole("1001", 0, 1000).unwrap_err();
        assert_eq!(past.to_string(), "must be a whole number between 0 and 1000 (got 1001)");
        assert!(matches!(parse_whole("2.5", 0, 1000), Err(WholeError::Outside { .. })));
        assert!(matches!(parse_whole("-1", 0, 1000), Err(WholeError::Outside { .. })));
        assert!(matches!(parse_whole("abc", 0, 1000), Err(WholeError::Parse(_))));
        assert_eq!(parse_whole("3.5", 0, UNBOUNDED).unwrap_err().bound(), "a whole number ≥ 0");
        assert_eq!(parse_whole("1e18", 0, UNBOUNDED), Ok(UNBOUNDED));
        assert!(parse_whole("1.1e18", 0, UNBOUNDED).is_err());
    }

    #[test]
    fn shares_read_as_fractions_or_percents() {
        assert_eq!(split_percent(" 40 % "), ("40", true));
        assert_eq!(split_percent("0.4"), ("0.4", false));
        assert_eq!(parse_fraction("40%").unwrap(), 0.4);
        assert_eq!(parse_fraction("0.25").unwrap(), 0.25);
        assert!(parse_fraction("abc%").is_err());
    }
    use proptest::prelude::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    #[test]
    fn plain_numbers_and_suffixes() {
        let cases = [
            ("3e23", 3e23),
            ("5.76e23", 5.76e23),
            ("5.76E+23", 5.76e23),
            ("1,000,000", 1e6),
            ("1_000", 1e3),
            ("70M", 70e6),
            ("70m", 70e6),
            ("1.4B", 1.4e9),
            ("1.4bn", 1.4e9),
            ("1.4T", 1.4e12),
            ("12.5k", 12_500.0),
            ("2 million", 2e6),
            ("3 thousand", 3e3),
            ("4 billion", 4e9),
            ("5 trillion", 5e12),
            ("1.5G", 1.5e9),
            ("8K", 8e3),
            ("2P", 2e15),
            ("5.76×10^23", 5.76e23),
            ("5.76 x10^23", 5.76e23),
            ("10^21", 1e21),
            ("  42  ", 42.0),
            (".5", 0.5),
            ("70B params", 70e9),
            ("1.4T tokens", 1.4e12),
            ("-1", -1.0),
        ];
        for (text, want) in cases {
            let got = parse_number(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(close(got, want, 1e-12), "{text}: {got} != {want}");
        }
    }

    #[test]
    fn quantities_with_units() {
        let cases = [
            ("5.76e23 FLOP", 5.76e23, Unit::Flop),
            ("2e21 FLOPs", 2e21, Unit::Flop),
            ("2000 PF-days", 2000.0, Unit::PfDay),
            ("1 pf-day", 1.0, Unit::PfDay),
            ("3 petaflop/s-days", 3.0, Unit::PfDay),
            ("1.5kFLOP", 1500.0, Unit::Flop),
            ("1.2M GPU-hours", 1.2e6, Unit::GpuHour),
            ("30 days", 30.0 * 86_400.0, Unit::Second),
            ("2 weeks", 14.0 * 86_400.0, Unit::Second),
            ("90 min", 5400.0, Unit::Second),
            ("$1.2M", 1.2e6, Unit::Usd),
            ("1.2M USD", 1.2e6, Unit::Usd),
            ("$ 950", 950.0, Unit::Usd),
        ];
        for (text, want, unit) in cases {
            let q = parse_quantity(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(close(q.value, want, 1e-12), "{text}: {} != {want}", q.value);
            assert_eq!(q.unit, Some(unit), "{text}");
        }
    }

    #[test]
    fn garbage_is_rejected_with_a_message() {
        let long = "9".repeat(10_000);
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("abc", "not a number"),
            ("NaN", "not a number"),
            ("inf", "not a number"),
            ("1e400", "finite"),
            (long.as_str(), "too long"),
            ("５", "not a number"),
            ("数字", "not a number"),
            ("1,5", "commas"),
            ("1,00", "commas"),
            ("5.76e", "not a number"),
            ("1e-400", "too small"),
            ("0,250", "commas"),
            ("5 ms", "unknown unit"),
            ("1e15 FLOP/s", "unknown unit"),
            ("12 parsecs", "unknown unit"),
            ("3e23 bananas", "unknown unit"),
            ("1.2.3", "unknown unit"),
        ];
        for (text, fragment) in cases {
            let err = parse_quantity(text).expect_err(text);
            assert!(err.to_string().contains(fragment), "{text:?}: {err}");
        }
        assert_eq!(parse_number("5 days"), Err(ParseError::UnexpectedUnit(Unit::Second)));
    }

    #[test]
    fn formats_read_like_a_person_writes() {
        assert_eq!(format_count(70e6, 3), "70M");
        assert_eq!(format_count(1.4e9, 3), "1.4B");
        assert_eq!(format_count(1.4e12, 3), "1.4T");
        assert_eq!(format_count(999.96e6, 3), "1B");
        assert_eq!(format_count(512.0, 3), "512");
        assert_eq!(format_count(2.5e16, 3), "2.5e16");
        assert_eq!(format_sci(5.76e23, 3), "5.76e23");
        assert_eq!(format_sci(1e21, 3), "1e21");
        assert_eq!(format_sci(3.2e-5, 3), "3.2e-5");
        assert_eq!(format_flop(8.64e19), "8.64e19 FLOP");
        assert_eq!(format_duration(30.0 * 86_400.0), "30 days");
        assert_eq!(format_duration(5400.0), "1.5 h");
        assert_eq!(format_usd(1.234e6), "$1.23M");
        assert_eq!(format_sig(0.0123456, 3), "0.0123");
        assert_eq!(format_sig(172_799.0, 3), "173000");
        assert_eq!(format_sig(9.996, 3), "10");
        assert_eq!(format_sig(1.7e16, 3), "1.7e16");
        assert_eq!(format_sig(3.6e-35, 3), "3.6e-35");
        assert_eq!(format_duration(59.99), "1 min");
        assert_eq!(format_duration(3599.9), "1 h");
    }

    proptest! {
        #[test]
        fn count_round_trips(mant in 1.0f64..10.0, exp in -2i32..30, sig in 2usize..7) {
            let x = mant * 10f64.powi(exp);
            let text = format_count(x, sig);
            let back = parse_number(&text).unwrap();
            prop_assert!(close(back, x, 0.6 * 10f64.powi(1 - sig as i32)), "{x} -> {text} -> {back}");
        }

        #[test]
        fn sci_round_trips_exactly_at_full_precision(x in 1e-30f64..1e300) {
            let text = format_sci(x, 17);
            prop_assert_eq!(parse_number(&text).unwrap(), x);
        }

        #[test]
        fn durations_round_trip(secs in 1.0f64..1e11) {
            let text = format_duration(secs);
            let q = parse_quantity(&text).unwrap();
            prop_assert_eq!(q.unit, Some(Unit::Second));
            prop_assert!(close(q.value, secs, 6e-3), "{secs} -> {text} -> {}", q.value);
        }

        #[test]
        fn dollars_round_trip(x in 1.0f64..1e14) {
            let q = parse_quantity(&format_usd(x)).unwrap();
            prop_assert_eq!(q.unit, Some(Unit::Usd));
            prop_assert!(close(q.value, x, 6e-3));
        }

        #[test]
        fn any_text_parses_or_errs_without_panic(s in "\\PC{0,40}") {
            if let Ok(q) = parse_quantity(&s) {
                prop_assert!(q.value.is_finite());
            }
        }
    }
}
