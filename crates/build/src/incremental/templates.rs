//! Step 2 of a rebuild: the theme's templates, read again when one was touched, and the names
//! of the ones whose text changed (or that appeared or went).

use super::Incremental;
use myblog_site::read_templates;
use myblog_utils::Result;
use std::collections::{BTreeSet, HashMap};

/// The templates that changed, and the new set when any was touched.
pub(super) type TemplateChange = (BTreeSet<String>, Option<Vec<(String, String)>>);

impl Incremental {
    pub(super) fn changed_templates(&self, templates_touched: bool) -> Result<TemplateChange> {
        let mut changed_templates: BTreeSet<String> = BTreeSet::new();
        let mut new_templates = None;
        if templates_touched {
            let t = read_templates(&self.theme_dir().join("templates"))?;
            let old: HashMap<&str, &str> = self.templates.iter().map(|(n, s)| (n.as_str(), s.as_str())).collect();
            let new: HashMap<&str, &str> = t.iter().map(|(n, s)| (n.as_str(), s.as_str())).collect();
            for (n, s) in &new {
                if old.get(n) != Some(s) {
                    changed_templates.insert(n.to_string());
                }
            }
            for n in old.keys() {
                if !new.contains_key(n) {
                    changed_templates.insert(n.to_string());
                }
            }
            new_templates = Some(t);
        }
        Ok((changed_templates, new_templates))
    }
}
