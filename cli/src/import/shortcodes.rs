//! The moved-in site's own shortcodes. Zola's are tera templates like myblog's: they are copied
//! into the default theme (which keeps its own where both have one) and those calling Zola's
//! site functions are named, since they need an edit. Hugo's are Go templates: listed with what
//! to do.

use std::path::Path;

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::shortcodes::TEMPLATE_DIR;

/// Zola's template functions that myblog has no counterpart for.
const ZOLA_ONLY: &[&str] = &[
    "get_url",
    "get_page",
    "get_section",
    "get_taxonomy",
    "get_taxonomy_url",
    "get_image_metadata",
    "resize_image",
    "load_data",
    "get_hash",
    "trans",
];

/// Ports the shortcodes of `site` into the blog at `dir`: (what was mapped, what was not).
pub fn port(site: &Path, dir: &Path, dialect: Dialect) -> Result<(Vec<String>, Vec<String>)> {
    let (from, theirs) = match dialect {
        Dialect::Hugo => ("layouts/shortcodes", site.join("layouts/shortcodes")),
        _ => ("templates/shortcodes", site.join("templates/shortcodes")),
    };
    let (mut mapped, mut not_mapped) = (Vec::new(), Vec::new());
    let Ok(entries) = std::fs::read_dir(&theirs) else { return Ok((mapped, not_mapped)) };
    let ours = dir.join("themes/default/templates").join(TEMPLATE_DIR);
    let mut names: Vec<String> =
        entries.flatten().filter(|e| e.path().is_file()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for file in names {
        let name = file.rsplit_once('.').map(|(n, _)| n).unwrap_or(&file);
        let exists = ours.join(format!("{name}.html")).exists();
        let target = format!("themes/default/templates/{TEMPLATE_DIR}{name}.html");
        if dialect == Dialect::Hugo || !file.ends_with(".html") {
            let what = if exists { format!("the default theme's {name} is used") } else { format!("write {target} (tera) for it") };
            not_mapped.push(format!(
                "{from}/{file}: not ported ({}); {what}",
                if dialect == Dialect::Hugo { "a Go template" } else { "markdown output" }
            ));
            continue;
        }
        if exists {
            not_mapped.push(format!("{from}/{file}: the default theme has its own {name}, which is used"));
            continue;
        }
        let src = theirs.join(&file);
        let text = std::fs::read_to_string(&src).map_err(|e| Error::io("cannot read", &src, e))?;
        let dest = ours.join(&file);
        std::fs::write(&dest, &text).map_err(|e| Error::io("cannot write", &dest, e))?;
        mapped.push(format!("{from}/{file} -> {target}"));
        let calls: Vec<&str> = ZOLA_ONLY.iter().copied().filter(|f| text.contains(&format!("{f}("))).collect();
        if !calls.is_empty() {
            not_mapped.push(format!("{target}: calls Zola's {}, which myblog lacks: edit it (see docs/shortcodes.md)", calls.join(", ")));
        }
    }
    Ok((mapped, not_mapped))
}
