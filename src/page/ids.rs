//! Every element id the page's HTML must carry, from the registries: each field's `data-field`
//! (and its `err-` message), each chart's `data-chart`, each output's `out-`, each table's
//! `tbl-` and list's `list-`. A test reads `www/index.html` and checks both ways.

use super::{budget, fields, fitpanel, tools};

/// The ids the registries declare.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageIds {
    /// Field names (`data-field`).
    pub fields: Vec<&'static str>,
    /// Message slots (`err-`): every typed or pasted field, and the tools' extra slots.
    pub messages: Vec<&'static str>,
    /// Chart kinds (`data-chart`).
    pub charts: Vec<&'static str>,
    /// Output keys (`out-`).
    pub outputs: Vec<&'static str>,
    /// Table keys (`tbl-`).
    pub tables: Vec<&'static str>,
    /// The views the navigation opens (`data-tool`, and `data-view` on what each shows): "" for
    /// the Budget panel, "fit", and every tool's key.
    pub views: Vec<&'static str>,
    /// List keys (`list-`).
    pub lists: Vec<&'static str>,
    /// Action row keys (`act-`).
    pub actions: Vec<&'static str>,
}

/// What the Budget panel, the Fit panel and every tool declare.
pub fn page_ids() -> PageIds {
    let mut ids = PageIds {
        fields: fields::all().map(|f| f.name).collect(),
        messages: fields::all().filter(|f| matches!(f.kind, fields::Kind::Text | fields::Kind::Data)).map(|f| f.name).collect(),
        charts: budget::CHARTS.iter().chain(fitpanel::CHARTS).copied().collect(),
        outputs: budget::OUTPUTS.to_vec(),
        tables: Vec::new(),
        lists: Vec::new(),
        actions: Vec::new(),
        views: ["", "fit"].into_iter().chain(tools::SPECS.iter().map(|t| t.key)).collect(),
    };
    for tool in tools::TOOLS {
        ids.messages.extend(tool.messages());
        ids.charts.extend(tool.charts());
        ids.outputs.extend(tool.outputs());
        ids.tables.extend(tool.tables());
        ids.lists.extend(tool.lists());
        ids.actions.extend(tool.actions());
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every value of `attribute="…"` in the HTML, and every id starting with `prefix`.
    fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
        let needle = format!("{attribute}=\"");
        html.match_indices(&needle)
            .filter_map(|(i, _)| html[i + needle.len()..].split('"').next().map(str::to_string))
            .collect()
    }

    fn ids_with_prefix(html: &str, prefix: &str) -> Vec<String> {
        attribute_values(html, "id").into_iter().filter_map(|id| id.strip_prefix(prefix).map(str::to_string)).collect()
    }

    /// Every mismatch between the HTML and the registries, both ways.
    fn html_problems(html: &str, ids: &PageIds) -> Vec<String> {
        let mut problems = Vec::new();
        let mut compare = |what: &str, in_html: Vec<String>, declared: &[&str]| {
            let html_set: BTreeSet<&str> = in_html.iter().map(String::as_str).collect();
            let declared_set: BTreeSet<&str> = declared.iter().copied().collect();
            for missing in declared_set.difference(&html_set) {
                problems.push(format!("{what} \"{missing}\" is declared in Rust but not in index.html"));
            }
            for extra in html_set.difference(&declared_set) {
                problems.push(format!("{what} \"{extra}\" is in index.html but declared nowhere in Rust"));
            }
        };
        // Radio buttons share a field; everything else appears once.
        let mut fields = attribute_values(html, "data-field");
        fields.dedup();
        compare("data-field", fields, &ids.fields);
        compare("data-chart", attribute_values(html, "data-chart"), &ids.charts);
        compare("err-", ids_with_prefix(html, "err-"), &ids.messages);
        compare("out-", ids_with_prefix(html, "out-"), &ids.outputs);
        compare("tbl-", ids_with_prefix(html, "tbl-"), &ids.tables);
        compare("list-", ids_with_prefix(html, "list-"), &ids.lists);
        compare("act-", ids_with_prefix(html, "act-"), &ids.actions);
        compare("data-tool", attribute_values(html, "data-tool"), &ids.views);
        let mut views = attribute_values(html, "data-view");
        views.dedup();
        compare("data-view", views, &ids.views);
        let all = attribute_values(html, "id");
        let mut seen = BTreeSet::new();
        for id in &all {
            if !seen.insert(id) {
                problems.push(format!("id \"{id}\" appears twice in index.html"));
            }
        }
        problems
    }

    fn index_html() -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/index.html");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    #[test]
    fn the_page_has_every_registered_id_and_no_other() {
        assert_eq!(html_problems(&index_html(), &page_ids()), Vec::<String>::new());
    }

    /// The check fails when an element is missing, or the HTML has one Rust does not know.
    #[test]
    fn a_missing_or_unknown_id_is_caught() {
        let html = index_html();
        let without = html.replacen("id=\"out-n_star\"", "id=\"out-n_star_typo\"", 1);
        let problems = html_problems(&without, &page_ids());
        assert!(problems.iter().any(|p| p.contains("\"n_star\" is declared in Rust but not in index.html")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("\"n_star_typo\" is in index.html but declared nowhere")), "{problems:?}");
        let mut ids = page_ids();
        ids.fields.push("not_on_the_page");
        assert!(html_problems(&html, &ids).iter().any(|p| p.contains("not_on_the_page")));
        // A tool the navigation does not offer, or a view for no tool.
        let mut ids = page_ids();
        ids.views.push("newtool");
        let problems = html_problems(&html, &ids);
        assert!(problems.iter().any(|p| p.starts_with("data-tool \"newtool\" is declared")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("data-view \"newtool\" is declared")), "{problems:?}");
        let stray = html.replacen("data-view=\"sw\"", "data-view=\"sweep\"", 1);
        assert!(html_problems(&stray, &page_ids()).iter().any(|p| p.contains("\"sweep\" is in index.html")));
    }

    /// What the page model produces has a place on the page: no evaluation emits an output,
    /// table, list or message the registries do not declare.
    #[test]
    fn evaluation_emits_only_declared_keys() {
        let ids = page_ids();
        let epoch = crate::test_support::epoch_csv();
        let fit = "chinchilla;E=1.817218;A=477.8254;B=2143.425;alpha=0.3473104;beta=0.3671726;runs=240;c=1.2e18..1.3e22";
        let cases = [
            fields::Inputs::default(),
            fields::Inputs::default().with("mfu", "0.4").with("target_loss", "2.1").with("model_size", "30B").with("law", "fit").with("fit", fit),
            fields::Inputs::default().with("solve", "n").with("given_c", "1e23").with("mode", "hardware").with("price", ""),
            fields::Inputs::default().with("cmp_a", epoch).with("cmp_b", epoch).with("cmp_boot", "30").with("dl_runs", "N,D,U,loss\n1B,20B,5B,3").with("ot_pairs", "loss,error\n3,0.5\n2.8,0.45\n2.6,0.4\n2.4,0.35"),
            fields::Inputs::default().with("law", "kaplan").with("compute", "abc").with("gpus", "-1"),
        ];
        let mut session = crate::page::session::Session::new();
        for inputs in cases {
            let view = budget::evaluate(&inputs, &mut session);
            for key in view.outputs.keys() {
                assert!(ids.outputs.contains(&key.as_str()), "output {key} is not declared");
            }
            for key in view.tables.keys() {
                assert!(ids.tables.contains(&key.as_str()), "table {key} is not declared");
            }
            for key in view.lists.keys() {
                assert!(ids.lists.contains(&key.as_str()), "list {key} is not declared");
            }
            for (key, actions) in &view.actions {
                assert!(ids.actions.contains(&key.as_str()), "action row {key} is not declared");
                for action in actions {
                    for (field, _) in &action.set {
                        assert!(ids.fields.contains(&field.as_str()), "action {} sets {field}, which is no field", action.label);
                    }
                }
            }
            for key in view.errors.keys().chain(view.unanswered.keys()) {
                assert!(ids.messages.contains(&key.as_str()), "message for {key}, which has no slot");
            }
        }
    }
}
