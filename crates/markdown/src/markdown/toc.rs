//! The table of contents: the page's headings nested by level.

use super::TocEntry;

pub(super) fn build_toc(headings: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, entry: TocEntry) {
        if let Some(last) = list.last_mut() {
            if entry.level > last.level {
                insert(&mut last.children, entry);
                return;
            }
        }
        list.push(entry);
    }
    let mut toc = Vec::new();
    for (level, id, title) in headings {
        insert(&mut toc, TocEntry { level: *level, id: id.clone(), title: title.clone(), children: Vec::new() });
    }
    toc
}
