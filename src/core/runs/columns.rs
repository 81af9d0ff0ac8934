//! Which column is which: header names recognised with common aliases, and names the user types.

use super::*;

/// Which column (index into [`Table::headers`]) plays each role.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnMap {
    /// Parameters N.
    pub n: Option<usize>,
    /// Training tokens D.
    pub d: Option<usize>,
    /// Training compute C.
    pub c: Option<usize>,
    /// Loss.
    pub loss: Option<usize>,
    /// Run id.
    pub run: Option<usize>,
    /// Weight.
    pub weight: Option<usize>,
    /// Variant (joint fits).
    pub group: Option<usize>,
}

impl ColumnMap {
    /// The column playing `role`.
    pub fn get(&self, role: Role) -> Option<usize> {
        match role {
            Role::N => self.n,
            Role::D => self.d,
            Role::C => self.c,
            Role::Loss => self.loss,
            Role::Run => self.run,
            Role::Weight => self.weight,
            Role::Group => self.group,
        }
    }

    /// Sets (or clears) the column playing `role`.
    pub fn set(&mut self, role: Role, col: Option<usize>) {
        match role {
            Role::N => self.n = col,
            Role::D => self.d = col,
            Role::C => self.c = col,
            Role::Loss => self.loss = col,
            Role::Run => self.run = col,
            Role::Weight => self.weight = col,
            Role::Group => self.group = col,
        }
    }
}

/// Column names each role is guessed from, most telling first (in [`normalize`]d form).
const ALIASES: [(Role, &[&str]); 5] = [
    (
        Role::N,
        &[
            "n",
            "params",
            "parameters",
            "param count",
            "parameter count",
            "num params",
            "n params",
            "nparams",
            "model size",
            "model params",
            "model parameters",
            "size",
            "non embedding params",
            "non embedding parameters",
        ],
    ),
    (
        Role::D,
        &[
            "d",
            "tokens",
            "training tokens",
            "train tokens",
            "num tokens",
            "n tokens",
            "tokens seen",
            "dataset size",
            "data",
            "data size",
        ],
    ),
    (
        Role::C,
        &[
            "c",
            "flops",
            "flop",
            "compute",
            "training flop",
            "training flops",
            "train flops",
            "training compute",
            "total flops",
        ],
    ),
    (
        Role::Loss,
        &[
            "loss",
            "val loss",
            "validation loss",
            "eval loss",
            "final loss",
            "train loss",
            "training loss",
            "test loss",
            "l",
            "ce loss",
            "nll",
        ],
    ),
    (
        Role::Run,
        &[
            "run",
            "run id",
            "run name",
            "id",
            "name",
            "model",
            "model name",
        ],
    ),
];

/// Words that, anywhere in a column name, suggest a role when no alias matches.
const KEYWORDS: [(Role, &[&str]); 4] = [
    (Role::N, &["params", "parameters", "param"]),
    (Role::D, &["tokens"]),
    (Role::C, &["flop", "flops", "compute"]),
    (Role::Loss, &["loss"]),
];

/// Words that make a keyword match mean something else ("tokens per second", "loss std").
const NOT_THE_QUANTITY: [&str; 9] = [
    "per", "rate", "ratio", "std", "stderr", "sd", "err", "error", "var",
];

/// Lowercase words of a column name: text in brackets dropped, quotes removed, and anything
/// else that is not a letter or digit (space, `_`, `-`, `.`, `/`, `#` …) separating words
/// ("Params (M)" → "params", "val/loss" → "val loss").
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    let mut space = false;
    for ch in name.chars() {
        match ch {
            '(' | '[' | '{' => {
                depth += 1;
                space = true;
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                space = true;
            }
            _ if depth > 0 => {}
            '"' | '\'' => {}
            c if !c.is_alphanumeric() => space = true,
            c => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c.to_ascii_lowercase());
            }
        }
    }
    out
}

/// The normalized name without spaces, so "numParams", "num_params" and "num params" agree.
fn squash(normalized: &str) -> String {
    normalized.chars().filter(|c| *c != ' ').collect()
}

/// Guesses roles from header names with common aliases (ignoring case, spaces, `_`, `-`, `.`
/// and text in brackets such as the "(M)" of "params (M)"). Each column gets at most one role
/// and each role at most one column; among several candidates the more telling alias wins
/// ("val_loss" over "train_loss"), then the earlier column. If no alias fits, a name containing
/// a telling word ("total params", "eval/lm_loss") is taken.
pub fn guess_columns(headers: &[String]) -> ColumnMap {
    let mut alias_rank: HashMap<String, (Role, usize)> = HashMap::new();
    for (role, aliases) in ALIASES {
        for (rank, alias) in aliases.iter().enumerate() {
            alias_rank.entry(squash(alias)).or_insert((role, rank));
        }
    }
    let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    // Best (rank, column) per role.
    let mut best: HashMap<Role, (usize, usize)> = HashMap::new();
    for (col, norm) in normalized.iter().enumerate() {
        if let Some(&(role, rank)) = alias_rank.get(&squash(norm)) {
            let entry = best.entry(role).or_insert((rank, col));
            if rank < entry.0 {
                *entry = (rank, col);
            }
        }
    }
    let mut map = ColumnMap::default();
    for (role, (_, col)) in &best {
        map.set(*role, Some(*col));
    }
    let mut taken: HashSet<usize> = best.values().map(|&(_, col)| col).collect();
    for (role, words) in KEYWORDS {
        if map.get(role).is_some() {
            continue;
        }
        let found = normalized.iter().enumerate().find(|(col, norm)| {
            !taken.contains(col)
                && norm.split(' ').any(|w| words.contains(&w))
                && !norm.split(' ').any(|w| NOT_THE_QUANTITY.contains(&w))
        });
        if let Some((col, _)) = found {
            map.set(role, Some(col));
            taken.insert(col);
        }
    }
    map
}

/// Finds a column by the name a user typed: the exact name first, then ignoring case, then
/// ignoring case, spaces, punctuation and text in brackets (as [`guess_columns`] does), and
/// last a 1-based column number ("3").
///
/// # Errors
/// [`TableError::UnknownColumn`] listing the headers, or [`TableError::AmbiguousColumn`] when
/// the loose match fits several columns.
pub fn find_column(headers: &[String], name: &str) -> Result<usize, TableError> {
    let wanted = clean_cell(name);
    if let Some(i) = headers.iter().position(|h| *h == wanted) {
        return Ok(i);
    }
    if let Some(i) = headers.iter().position(|h| h.eq_ignore_ascii_case(&wanted)) {
        return Ok(i);
    }
    let key = squash(&normalize(&wanted));
    if !key.is_empty() {
        let matches: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| squash(&normalize(h)) == key)
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [one] => return Ok(*one),
            [] => {}
            many => {
                return Err(TableError::AmbiguousColumn {
                    name: wanted,
                    matches: many
                        .iter()
                        .filter_map(|&i| headers.get(i).cloned())
                        .collect(),
                })
            }
        }
    }
    if let Ok(k) = wanted.parse::<usize>() {
        if (1..=headers.len()).contains(&k) {
            return Ok(k - 1);
        }
    }
    Err(TableError::UnknownColumn {
        name: wanted,
        headers: headers.to_vec(),
    })
}

