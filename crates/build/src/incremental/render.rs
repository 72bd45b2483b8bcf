//! Step 8 of a rebuild: render the planned outputs, keeping the last good output of anything
//! that fails; patch new static file URLs into the other pages.

use super::plan::Plan;
use super::{Change, Incremental};
use crate::build;
use crate::build::Body;
use crate::build::Output;
use myblog_utils::Diagnostic;
use rayon::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

impl Incremental {
    /// Renders `plan`; also returns whether the set of HTML outputs changed.
    pub(super) fn render(&mut self, plan: Plan, renames: &[(String, String)]) -> (Change, bool) {
        let Plan { to_render, job_paths, reshaped, patch_assets } = plan;
        let prepared = &self.prepared;
        let timed: Vec<(String, std::result::Result<Output, Diagnostic>, f64)> = to_render
            .par_iter()
            .map(|(job, path)| {
                let t = Instant::now();
                let r = build::render_job(job, prepared);
                (path.clone(), r, t.elapsed().as_secs_f64() * 1000.0)
            })
            .collect();
        let slowest = timed.iter().max_by(|a, b| a.2.total_cmp(&b.2)).map(|(p, _, ms)| (p.clone(), *ms));
        let results: Vec<(String, std::result::Result<Output, Diagnostic>)> = timed.into_iter().map(|(p, r, _)| (p, r)).collect();
        let mut change = Change { rendered: results.len(), slowest, ..Default::default() };
        let mut failures = Vec::new();
        let mut new_outputs: Vec<Output> = Vec::new();
        if reshaped {
            self.dirty.retain(|p| job_paths.contains(p));
        }
        for (path, r) in results {
            match r {
                Ok(o) => {
                    self.dirty.remove(&path);
                    new_outputs.push(o);
                }
                Err(d) => {
                    self.dirty.insert(path);
                    failures.push(Err(d));
                }
            }
        }
        if let Err(e) = build::collect_rendered(failures) {
            change.errors = e.diagnostics().to_vec();
        }
        for o in new_outputs {
            self.put(o, &mut change);
        }
        if patch_assets && !renames.is_empty() {
            let rendered_now: HashSet<&str> = to_render.iter().map(|(_, p)| p.as_str()).collect();
            let candidates: Vec<(String, Arc<Vec<u8>>)> = self
                .html
                .iter()
                .filter(|p| !rendered_now.contains(p.as_str()))
                .filter_map(|p| match self.outputs.get(p).map(|o| &o.body) {
                    Some(Body::Bytes(b)) => Some((p.clone(), b.clone())),
                    _ => None,
                })
                .collect();
            let patched: Vec<Output> = candidates
                .par_iter()
                .filter_map(|(p, b)| patch_urls(b, &renames).map(|bytes| Output::rendered(p.clone(), bytes)))
                .collect();
            change.patched = patched.len();
            for o in patched {
                self.put(o, &mut change);
            }
        }
        let paths_changed = reshaped && job_paths != self.html;
        if reshaped {
            for gone in self.html.difference(&job_paths).cloned().collect::<Vec<_>>() {
                if self.outputs.remove(&gone).is_some() {
                    change.removed.push(gone);
                }
            }
            self.html = job_paths;
        }
        (change, paths_changed)
    }
}

/// The page with every old URL replaced by the new one; `None` if it has none of them.
pub(super) fn patch_urls(bytes: &[u8], renames: &[(String, String)]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    if !renames.iter().any(|(old, _)| text.contains(old.as_str())) {
        return None;
    }
    let mut out = text.to_string();
    for (old, new) in renames {
        if out.contains(old.as_str()) {
            out = out.replace(old.as_str(), new);
        }
    }
    Some(out.into_bytes())
}
