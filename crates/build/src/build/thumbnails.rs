//! Photo thumbnails: the ones the Lambda will make (for `srcset`), or made here (`--thumbnails local`).

use super::output::Output;
use myblog_config::SiteConfig;
use myblog_content::Asset;
use myblog_content::AssetSource;
use myblog_content::Assets;
use myblog_utils::Diagnostic;
use myblog_utils::Result;
use rayon::prelude::*;

pub fn thumbnail_options(config: &SiteConfig) -> myblog_thumbnail::Options {
    myblog_thumbnail::Options { widths: config.thumbnails.widths.clone(), ..Default::default() }
}

/// The thumbnails a photo gets (output key and plan), the same the Lambda will make.
pub fn planned_thumbnails(asset: &Asset, config: &SiteConfig) -> Vec<(String, myblog_thumbnail::PlannedThumb)> {
    let Some(info) = &asset.image else { return Vec::new() };
    myblog_thumbnail::plan(info, &thumbnail_options(config))
        .into_iter()
        .filter_map(|t| myblog_thumbnail::thumb_key(&asset.output, t.width, t.format).ok().map(|k| (k, t)))
        .collect()
}

/// Makes every photo's thumbnails with the Lambda's own code, in parallel.
pub(super) fn local_thumbnails(assets: &Assets, config: &SiteConfig) -> Result<Vec<Output>> {
    let photos: Vec<&Asset> = assets.by_logical.values().filter(|a| a.image.is_some()).collect();
    let made: Vec<std::result::Result<Vec<Output>, [Diagnostic; 1]>> = photos.par_iter().map(|a| photo_thumbnails(a, config)).collect();
    Ok(myblog_utils::collect_all(made)?.into_iter().flatten().collect())
}

/// The thumbnails of one photo, as outputs under the names the Lambda would give them.
pub fn photo_thumbnails(a: &Asset, config: &SiteConfig) -> std::result::Result<Vec<Output>, [Diagnostic; 1]> {
    let fail = |what: String| [Diagnostic::new(&a.display, what)];
    let bytes = match &a.source {
        AssetSource::File(p) => std::fs::read(p).map_err(|e| fail(format!("cannot read: {e}")))?,
        AssetSource::Bytes(b) => b.as_ref().clone(),
        AssetSource::StrippedFile(p) => myblog_content::read_stripped(p).map_err(|e| fail(format!("cannot read: {e}")))?,
    };
    let thumbs =
        myblog_thumbnail::make_thumbnails(&bytes, &thumbnail_options(config)).map_err(|e| fail(format!("cannot make thumbnails: {e}")))?;
    thumbs
        .into_iter()
        .map(|t| {
            let key = myblog_thumbnail::thumb_key(&a.output, t.width, t.format).map_err(|e| fail(e.to_string()))?;
            let mut o = Output::rendered(key, t.bytes);
            o.hashed = true;
            Ok(o)
        })
        .collect()
}
