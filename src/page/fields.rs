//! The field registry: every input on the page is one [`Field`] (its element's `data-field`
//! name, its key in share links, its default), declared by the panel or tool that reads it.
//! [`Inputs`] holds what was typed in each, by field; code reads it through the registry's
//! entries, links through their keys, and the page's HTML is checked against it.

use std::collections::BTreeMap;

/// What kind of text a field holds, where that changes how it is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Typed text (a quantity, a number, a name, a choice).
    Text,
    /// A pasted table: deflated into links when small enough, left out when not.
    Data,
    /// A check box: "1" when ticked, "" when not (it has no message of its own).
    Flag,
    /// Set by the page rather than typed, in a hidden element (the fitted law "Use this fit"
    /// puts in); carried in links like any field, with no message of its own.
    Hidden,
}

/// One input on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its name: the page element's `data-field`, unique across the page (a tool prefixes its
    /// fields with its key).
    pub name: &'static str,
    /// Its key in share links (short, unique across the page, stable once shipped).
    pub url: &'static str,
    /// Its value when nothing was typed.
    pub default: &'static str,
    /// What it holds.
    pub kind: Kind,
}

impl Field {
    /// A typed field.
    pub const fn new(name: &'static str, url: &'static str, default: &'static str) -> Field {
        Field { name, url, default, kind: Kind::Text }
    }

    /// A field holding pasted data.
    pub const fn data(name: &'static str, url: &'static str) -> Field {
        Field { name, url, default: "", kind: Kind::Data }
    }

    /// A check box.
    pub const fn flag(name: &'static str, url: &'static str) -> Field {
        Field { name, url, default: "", kind: Kind::Flag }
    }

    /// A field the page sets itself.
    pub const fn hidden(name: &'static str, url: &'static str) -> Field {
        Field { name, url, default: "", kind: Kind::Hidden }
    }

    /// Whether it holds pasted data.
    pub fn packed(&self) -> bool {
        self.kind == Kind::Data
    }
}

/// Every field of the page, in page order (the Budget panel, the Fit panel, then each tool).
pub fn all() -> impl Iterator<Item = &'static Field> {
    super::budget::FIELDS.iter().chain(super::fitpanel::FIELDS).chain(super::tools::all_fields())
}

/// The field called `name`.
pub fn by_name(name: &str) -> Option<&'static Field> {
    all().find(|f| f.name == name)
}

/// The field whose link key is `url`.
pub fn by_url(url: &str) -> Option<&'static Field> {
    all().find(|f| f.url == url)
}

/// Every input as typed, by field name (so nothing a user typed is ever lost). Every registered
/// field is present; reading one that is not registered gives "".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Inputs(BTreeMap<&'static str, String>);

impl Default for Inputs {
    fn default() -> Self {
        Inputs(crate::core::order::map_of(all().map(|f| (f.name, f.default.to_string()))))
    }
}

impl<'de> serde::Deserialize<'de> for Inputs {
    /// From an object of field name → text: registered fields are read (absent ones keep their
    /// default), anything else is ignored.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let given = BTreeMap::<String, String>::deserialize(d)?;
        let mut inputs = Inputs::default();
        for (name, value) in given {
            inputs.set_by_name(&name, value);
        }
        Ok(inputs)
    }
}

impl Inputs {
    /// What was typed in a field.
    pub fn get(&self, field: &Field) -> &str {
        self.text(field.name)
    }

    /// What was typed in the field called `name` ("" for a name no field has).
    pub fn text(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// Sets a field.
    pub fn set(&mut self, field: &'static Field, value: impl Into<String>) {
        self.0.insert(field.name, value.into());
    }

    /// Sets the field called `name`; false (and nothing changes) when no field has that name.
    pub fn set_by_name(&mut self, name: &str, value: impl Into<String>) -> bool {
        match by_name(name) {
            Some(f) => {
                self.set(f, value);
                true
            }
            None => false,
        }
    }

    /// These inputs with the field called `name` set (unknown names are ignored).
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set_by_name(name, value);
        self
    }

    /// Every field with its text, in page order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Field, &str)> + '_ {
        all().map(move |f| (f, self.get(f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_link_keys_are_unique() {
        let mut names = std::collections::HashSet::new();
        let mut urls = std::collections::HashSet::new();
        for f in all() {
            assert!(names.insert(f.name), "field {} twice", f.name);
            assert!(urls.insert(f.url), "link key {} twice", f.url);
            assert!(f.kind == Kind::Text || f.kind == Kind::Data || f.default.is_empty(), "{}", f.name);
        }
        assert!(names.len() > 60);
    }

    #[test]
    fn unknown_names_are_ignored_and_absent_ones_default() {
        let inputs: Inputs = serde_json::from_str(r#"{"compute":"1e23","nonsense":"x"}"#).unwrap();
        assert_eq!(inputs.text("compute"), "1e23");
        assert_eq!(inputs.text("nonsense"), "");
        assert_eq!(inputs.text("law"), Inputs::default().text("law"));
        assert_eq!(inputs.clone().with("nonsense", "y"), inputs);
    }
}
