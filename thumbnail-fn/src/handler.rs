//! The Lambda's work: S3 `ObjectCreated` records in, thumbnails written back to the bucket.
//!
//! Failures: an S3 notification is an asynchronous invocation, which has no partial-batch
//! response. So every record is processed, and then, if any failed, [`Handler::handle`] returns
//! [`FailedRecords`] naming them: Lambda retries the whole event (twice) and then sends it to
//! the on-failure destination / DLQ, where the error message says which keys broke. A retry is
//! cheap and harmless for the records that had succeeded: each thumbnail carries the source
//! ETag and the settings fingerprint in its metadata, and a record whose last thumbnail already
//! matches is reported as up to date without being decoded again.

use std::collections::HashMap;

use aws_lambda_events::s3::{S3Event, S3EventRecord};
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use serde::Serialize;

use myblog_thumbnail::CACHE_CONTROL;
use myblog_thumbnail::{decode_s3_key, KeyKind, Prefixes};
use myblog_thumbnail::{make_thumbnails, plan, probe_with, Options};

/// Object metadata (`x-amz-meta-…`) written on every thumbnail.
pub const META_SOURCE_ETAG: &str = "source-etag";
pub const META_SETTINGS: &str = "thumb-settings";

/// Everything the function reads from its environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub prefixes: Prefixes,
    pub options: Options,
}

#[derive(Debug, thiserror::Error)]
#[error("bad configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads `MEDIA_PREFIX` (default `media/`), `THUMBS_PREFIX` (`thumbs/`), `THUMB_WIDTHS`
    /// (`320,640,1280`), `WEBP_QUALITY` (80), `JPEG_FALLBACK` (`true`), `JPEG_QUALITY` (82),
    /// `MAX_PIXELS` (50000000) and `MAX_INPUT_BYTES` (41943040).
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any source of variables.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let defaults = Options::default();
        fn parse<T: std::str::FromStr>(name: &str, value: Option<String>, default: T) -> Result<T, ConfigError> {
            match value {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| ConfigError(format!("{name}={v:?} is not a valid value"))),
            }
        }
        let prefixes = Prefixes::new(
            &get("MEDIA_PREFIX").unwrap_or_else(|| crate::DEFAULT_MEDIA_PREFIX.into()),
            &get("THUMBS_PREFIX").unwrap_or_else(|| crate::DEFAULT_THUMBS_PREFIX.into()),
        )
        .map_err(ConfigError)?;
        let widths = match get("THUMB_WIDTHS") {
            None => defaults.widths.clone(),
            Some(list) => list
                .split(',')
                .map(|w| match w.trim().parse::<u32>() {
                    Ok(n) if (1..=16383).contains(&n) => Ok(n),
                    _ => {
                        Err(ConfigError(format!("THUMB_WIDTHS={list:?}: {w:?} is not a width between 1 and 16383 (use e.g. 320,640,1280)")))
                    }
                })
                .collect::<Result<Vec<u32>, _>>()?,
        };
        let webp_quality: f32 = parse("WEBP_QUALITY", get("WEBP_QUALITY"), defaults.webp_quality)?;
        if !(0.0..=100.0).contains(&webp_quality) {
            return Err(ConfigError(format!("WEBP_QUALITY={webp_quality} must be between 0 and 100")));
        }
        let jpeg_quality: u8 = parse("JPEG_QUALITY", get("JPEG_QUALITY"), defaults.jpeg_quality)?;
        if !(1..=100).contains(&jpeg_quality) {
            return Err(ConfigError(format!("JPEG_QUALITY={jpeg_quality} must be between 1 and 100")));
        }
        let options = Options {
            widths,
            webp_quality,
            jpeg_fallback: parse("JPEG_FALLBACK", get("JPEG_FALLBACK"), defaults.jpeg_fallback)?,
            jpeg_quality,
            max_pixels: parse("MAX_PIXELS", get("MAX_PIXELS"), defaults.max_pixels)?,
            max_input_bytes: parse("MAX_INPUT_BYTES", get("MAX_INPUT_BYTES"), defaults.max_input_bytes)?,
        };
        Ok(Config { prefixes, options })
    }
}

/// An S3 client for the Lambda, built once per cold start. With `AWS_ENDPOINT_URL` set (tests,
/// local emulators) addressing is path-style: `bucket.127.0.0.1` does not resolve.
pub async fn s3_client_from_env() -> aws_sdk_s3::Client {
    let shared = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let mut conf = aws_sdk_s3::config::Builder::from(&shared);
    if std::env::var_os("AWS_ENDPOINT_URL").is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some() {
        conf = conf.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(conf.build())
}

/// What happened to one record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Thumbnails written (their keys).
    Written { thumbnails: Vec<String> },
    /// Thumbnails of this exact source and settings already exist (a retried event).
    UpToDate { thumbnails: Vec<String> },
    /// Not ours to process: our own output, outside the prefix, not an image, deleted since.
    Skipped { reason: String },
    /// Refused or failed; the event as a whole is reported as failed.
    Failed { error: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordReport {
    pub bucket: String,
    /// Decoded key.
    pub key: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The function's answer when every record succeeded or was skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    pub records: Vec<RecordReport>,
}

impl BatchReport {
    pub fn failures(&self) -> impl Iterator<Item = (&str, &str)> {
        self.records.iter().filter_map(|r| match &r.outcome {
            Outcome::Failed { error } => Some((r.key.as_str(), error.as_str())),
            _ => None,
        })
    }
}

/// Some records failed: the invocation fails with this so Lambda retries / dead-letters it.
#[derive(Debug)]
pub struct FailedRecords {
    pub report: BatchReport,
}

impl std::fmt::Display for FailedRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let failures: Vec<String> = self.report.failures().map(|(k, e)| format!("{k:?}: {e}")).collect();
        write!(f, "{} of {} records failed: {}", failures.len(), self.report.records.len(), failures.join("; "))
    }
}

impl std::error::Error for FailedRecords {}

/// The function: one per cold start, reused across invocations.
#[derive(Clone, Debug)]
pub struct Handler {
    s3: aws_sdk_s3::Client,
    config: Config,
}

type RecordResult<T> = Result<T, Outcome>;

fn failed(error: impl Into<String>) -> Outcome {
    Outcome::Failed { error: error.into() }
}

fn skipped(reason: impl Into<String>) -> Outcome {
    Outcome::Skipped { reason: reason.into() }
}

impl Handler {
    pub fn new(s3: aws_sdk_s3::Client, config: Config) -> Handler {
        Handler { s3, config }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The Lambda entry point: [`Handler::process`], failing when any record failed.
    pub async fn handle(&self, event: S3Event) -> Result<BatchReport, FailedRecords> {
        let report = self.process(event).await;
        if report.failures().next().is_some() {
            Err(FailedRecords { report })
        } else {
            Ok(report)
        }
    }

    /// Processes every record, one after the other (memory stays bounded by one image), and
    /// reports each; never fails as a whole.
    pub async fn process(&self, event: S3Event) -> BatchReport {
        let mut records = Vec::with_capacity(event.records.len());
        for record in &event.records {
            let report = self.process_record(record).await;
            match &report.outcome {
                Outcome::Written { thumbnails } => {
                    tracing::info!(bucket = %report.bucket, key = %report.key, thumbnails = thumbnails.len(), "thumbnails written")
                }
                Outcome::UpToDate { .. } => {
                    tracing::info!(bucket = %report.bucket, key = %report.key, "thumbnails already up to date")
                }
                Outcome::Skipped { reason } => {
                    tracing::info!(bucket = %report.bucket, key = %report.key, reason = %reason, "skipped")
                }
                Outcome::Failed { error } => {
                    tracing::error!(bucket = %report.bucket, key = %report.key, error = %error, "failed")
                }
            }
            records.push(report);
        }
        BatchReport { records }
    }

    async fn process_record(&self, record: &S3EventRecord) -> RecordReport {
        let bucket = record.s3.bucket.name.clone().unwrap_or_default();
        let raw_key = record.s3.object.key.clone().unwrap_or_default();
        let (key, outcome) = match decode_s3_key(&raw_key) {
            Ok(key) => {
                let outcome = match self.process_object(record, &bucket, &key).await {
                    Ok(outcome) | Err(outcome) => outcome,
                };
                (key, outcome)
            }
            Err(e) => (raw_key, failed(e.to_string())),
        };
        RecordReport { bucket, key, outcome }
    }

    async fn process_object(&self, record: &S3EventRecord, bucket: &str, key: &str) -> RecordResult<Outcome> {
        let options = &self.config.options;
        if let Some(name) = record.event_name.as_deref() {
            if !name.starts_with("ObjectCreated") {
                return Err(skipped(format!("{name} is not an ObjectCreated event")));
            }
        }
        if bucket.is_empty() || key.is_empty() {
            return Err(failed("the record names no bucket or no object key"));
        }
        match self.config.prefixes.classify(key) {
            KeyKind::Thumbnail => return Err(skipped("a thumbnail (own output)")),
            KeyKind::Outside => return Err(skipped(format!("outside the media prefix {:?}", self.config.prefixes.media))),
            KeyKind::OtherMedia => return Err(skipped("not an image (by its extension)")),
            KeyKind::Image => {}
        }
        let too_big =
            |size: u64| failed(format!("object is {size} bytes, over the limit of {} bytes (MAX_INPUT_BYTES)", options.max_input_bytes));
        if let Some(size) = record.s3.object.size.and_then(|s| u64::try_from(s).ok()) {
            if size > options.max_input_bytes {
                return Err(too_big(size));
            }
        }

        let object = match self.s3.get_object().bucket(bucket).key(key).send().await {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Err(skipped("the object no longer exists")),
            Err(e) => return Err(failed(format!("reading the object: {}", DisplayErrorContext(&e)))),
        };
        if let Some(size) = object.content_length().and_then(|s| u64::try_from(s).ok()) {
            if size > options.max_input_bytes {
                return Err(too_big(size));
            }
        }
        let etag = object.e_tag().unwrap_or_default().trim_matches('"').to_string();
        let bytes = object.body.collect().await.map_err(|e| failed(format!("reading the object body: {e}")))?.into_bytes();

        // A `.jpg` that is no image at all (an HTML error page saved under a photo's name, a
        // renamed PDF) is not ours to thumbnail: skipped and logged, never retried into the
        // DLQ. A real image that is refused or broken still fails.
        let info = probe_with(&bytes, options).map_err(|e| {
            if e.is_not_an_image() {
                skipped(format!("not an image: {e}"))
            } else {
                failed(e.to_string())
            }
        })?;
        let planned = plan(&info, options);
        let keys = planned
            .iter()
            .map(|t| self.config.prefixes.thumb_key(key, t.width, t.format))
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| failed(e.to_string()))?;
        let settings = options.fingerprint();
        if self.already_done(bucket, keys.last(), &etag, &settings).await {
            return Ok(Outcome::UpToDate { thumbnails: keys });
        }

        let opts = options.clone();
        let thumbs = tokio::task::spawn_blocking(move || make_thumbnails(&bytes, &opts))
            .await
            .map_err(|e| failed(format!("the thumbnail worker stopped: {e}")))?
            .map_err(|e| failed(e.to_string()))?;
        if thumbs.iter().map(|t| t.planned()).ne(planned.iter().copied()) {
            return Err(failed("internal error: the thumbnails differ from the plan"));
        }

        let mut puts = thumbs.into_iter().zip(keys.iter()).map(|(thumb, thumb_key)| {
            let req = self
                .s3
                .put_object()
                .bucket(bucket)
                .key(thumb_key)
                .content_type(thumb.content_type())
                .cache_control(CACHE_CONTROL)
                .metadata(META_SOURCE_ETAG, &etag)
                .metadata(META_SETTINGS, &settings)
                .body(ByteStream::from(thumb.bytes));
            async move { req.send().await.map_err(|e| failed(format!("writing {thumb_key}: {}", DisplayErrorContext(&e)))) }
        });
        // The last one is the marker `already_done` looks at: written only after all others.
        let last = puts.next_back();
        futures::future::try_join_all(puts).await?;
        if let Some(last) = last {
            last.await?;
        }
        Ok(Outcome::Written { thumbnails: keys.clone() })
    }

    async fn already_done(&self, bucket: &str, marker: Option<&String>, etag: &str, settings: &str) -> bool {
        let (Some(marker), false) = (marker, etag.is_empty()) else {
            return false;
        };
        match self.s3.head_object().bucket(bucket).key(marker).send().await {
            Ok(head) => {
                let meta: HashMap<String, String> = head.metadata().cloned().unwrap_or_default();
                meta.get(META_SOURCE_ETAG).map(String::as_str) == Some(etag)
                    && meta.get(META_SETTINGS).map(String::as_str) == Some(settings)
            }
            // Missing, or unreadable: regenerate, which is always correct.
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_readme_event_fixture_is_a_valid_s3_event() {
        let event: S3Event = serde_json::from_str(include_str!("../events/s3-put.json")).unwrap();
        let key = event.records[0].s3.object.key.as_deref().unwrap();
        assert_eq!(decode_s3_key(key).unwrap(), "media/2024/my photo.0123456789.jpg");
    }

    #[test]
    fn defaults_without_environment() {
        let c = config(&[]).unwrap();
        assert_eq!(c.prefixes, Prefixes::default());
        assert_eq!(c.options, Options::default());
    }

    #[test]
    fn environment_overrides_and_errors() {
        let c = config(&[("MEDIA_PREFIX", "photos"), ("THUMB_WIDTHS", "800, 400"), ("WEBP_QUALITY", "70")]).unwrap();
        assert_eq!(c.prefixes.media, "photos/");
        assert_eq!(c.options.widths, vec![800, 400]);
        assert_eq!(c.options.webp_quality, 70.0);
        for bad in [
            ("THUMB_WIDTHS", "320,big"),
            ("THUMB_WIDTHS", "0"),
            ("WEBP_QUALITY", "101"),
            ("JPEG_QUALITY", "0"),
            ("MAX_PIXELS", "-1"),
            ("THUMBS_PREFIX", "/"),
        ] {
            let err = config(&[bad]).unwrap_err().to_string();
            assert!(err.contains(bad.0) || err.contains("prefix"), "{bad:?}: {err}");
        }
    }
}
