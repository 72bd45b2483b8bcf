//! `myblog subscribers` and `myblog announcements`: what the author can see of the list and of
//! the emails sent, read straight from the stack's DynamoDB tables.
//!
//! Counting uses the subscribers table's `status-index` (one query per status, `Select=COUNT`),
//! never a scan; the languages of the confirmed subscribers and the export read the
//! `confirmed` partition of `status-lang-index` (the same keys, with `lang` projected).

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use myblog_config::SiteConfig;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::PathBuf;

/// The statuses subscribe-fn writes, in the order they are shown.
pub const STATUSES: [&str; 6] = ["pending", "confirmed", "unsubscribed", "declined", "bounced", "complained"];
const STATUS_INDEX: &str = "status-index";
const STATUS_LANG_INDEX: &str = "status-lang-index";

#[derive(Debug, Clone, clap::Args)]
pub struct AwsArgs {
    /// The blog's folder (default: the nearest folder upward holding site.toml).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// CloudFormation stack whose outputs name the tables (default: [deploy] stack).
    #[arg(long)]
    pub stack: Option<String>,
    /// AWS profile from ~/.aws/config.
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS region of the stack (default: [deploy] region, then the profile's).
    #[arg(long)]
    pub region: Option<String>,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SubscribersArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Write the confirmed addresses to this CSV file (columns `email`, `lang`), to move the list.
    #[arg(long, value_name = "FILE.csv")]
    pub export: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Site(#[from] myblog_utils::Error),
    #[error(transparent)]
    Stack(#[from] crate::stack::StackError),
    #[error(
        "DynamoDB {operation} on table {table} failed: {detail}. Check --profile / --region, and that the credentials may read the table"
    )]
    Dynamo { operation: &'static str, table: String, detail: String },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

fn dynamo_err<E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static>(
    operation: &'static str,
    table: &str,
    e: &E,
) -> AdminError {
    AdminError::Dynamo {
        operation,
        table: table.to_string(),
        detail: e.message().map(str::to_string).unwrap_or_else(|| crate::deploy::error_chain(e)),
    }
}

struct Ctx {
    config: SiteConfig,
    sdk: aws_config::SdkConfig,
    stack: Option<String>,
}

async fn ctx(args: &AwsArgs) -> Result<Ctx, AdminError> {
    let root = match &args.root {
        Some(r) => myblog_config::find_root(r)?,
        None => myblog_config::find_root(&std::env::current_dir().map_err(|e| myblog_utils::Error::io("cannot read", ".", e))?)?,
    };
    let config = SiteConfig::load(&root)?;
    let loader = crate::deploy::sdk_loader(args.profile.as_deref(), args.region.as_deref(), &config);
    let sdk = loader.load().await;
    let stack = args.stack.clone().or_else(|| config.deploy.stack.clone());
    Ok(Ctx { config, sdk, stack })
}

fn runtime() -> Result<tokio::runtime::Runtime, AdminError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| AdminError::Io { path: PathBuf::from("tokio runtime"), source })
}

/// How many addresses have each status.
pub async fn count_statuses(dynamo: &aws_sdk_dynamodb::Client, table: &str) -> Result<BTreeMap<&'static str, u64>, AdminError> {
    let mut counts = BTreeMap::new();
    for status in STATUSES {
        let mut total = 0u64;
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = dynamo
                .query()
                .table_name(table)
                .index_name(STATUS_INDEX)
                .key_condition_expression("#s = :s")
                .expression_attribute_names("#s", "status")
                .expression_attribute_values(":s", AttributeValue::S(status.into()))
                .select(Select::Count)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| dynamo_err("Query", table, &e))?;
            total += out.count() as u64;
            match out.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        counts.insert(status, total);
    }
    Ok(counts)
}

/// A confirmed subscriber as the export lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confirmed {
    pub email: String,
    /// The language subscribed in; the site's default for an address stored without one
    /// (subscribed before the site had languages).
    pub lang: String,
}

/// Every confirmed address with its language, sorted by address. `default_lang`: the site's
/// default language, given to items without `lang`.
pub async fn confirmed(dynamo: &aws_sdk_dynamodb::Client, table: &str, default_lang: &str) -> Result<Vec<Confirmed>, AdminError> {
    let mut out = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = dynamo
            .query()
            .table_name(table)
            .index_name(STATUS_LANG_INDEX)
            .key_condition_expression("#s = :s")
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#l", "lang")
            .expression_attribute_values(":s", AttributeValue::S("confirmed".into()))
            .projection_expression("email, #l")
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| dynamo_err("Query", table, &e))?;
        out.extend(page.items().iter().filter_map(|i| {
            let text = |k: &str| i.get(k).and_then(|v| v.as_s().ok()).cloned();
            Some(Confirmed { email: text("email")?, lang: text("lang").unwrap_or_else(|| default_lang.to_string()) })
        }));
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
    out.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(out)
}

/// How many confirmed subscribers each language has.
pub fn count_languages(confirmed: &[Confirmed]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for c in confirmed {
        *counts.entry(c.lang.clone()).or_insert(0) += 1;
    }
    counts
}

/// The export file: a header, then one `email,lang` line per confirmed subscriber.
pub fn export_csv(confirmed: &[Confirmed]) -> String {
    let mut body = String::from("email,lang\n");
    for c in confirmed {
        body.push_str(&csv_field(&c.email));
        body.push(',');
        body.push_str(&csv_field(&c.lang));
        body.push('\n');
    }
    body
}

/// A CSV field: quoted when it holds a comma, quote or line break (addresses normally do not).
/// A field a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first: anyone
/// may subscribe `=HYPERLINK(...)@x.org`) gets a leading `'`, as OWASP advises, so opening the
/// export runs nothing.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with('\'') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::{count_languages, csv_field, export_csv, Confirmed};

    #[test]
    fn an_export_field_never_runs_as_a_formula() {
        assert_eq!(csv_field("ann@example.org"), "ann@example.org");
        assert_eq!(csv_field("=HYPERLINK(\"http://x\",\"y\")@x.org"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")@x.org\"");
        for bad in ["+1@x.org", "-2@x.org", "@cmd@x.org", "\tx@x.org"] {
            assert!(csv_field(bad).starts_with("\"'"), "{bad}: {}", csv_field(bad));
        }
        assert_eq!(csv_field("a,b@x.org"), "\"a,b@x.org\"");
    }

    #[test]
    fn the_export_and_the_counts_carry_the_language() {
        let list = [
            Confirmed { email: "a@x.org".into(), lang: "en".into() },
            Confirmed { email: "b@x.org".into(), lang: "ar".into() },
            Confirmed { email: "c@x.org".into(), lang: "en".into() },
        ];
        assert_eq!(export_csv(&list), "email,lang\na@x.org,en\nb@x.org,ar\nc@x.org,en\n");
        let counts = count_languages(&list);
        assert_eq!(counts.into_iter().collect::<Vec<_>>(), vec![("ar".to_string(), 1), ("en".to_string(), 2)]);
    }
}

pub fn run_subscribers(args: &SubscribersArgs) -> Result<(), AdminError> {
    runtime()?.block_on(async {
        let c = ctx(&args.aws).await?;
        let table = crate::stack::table(
            &c.sdk,
            c.config.subscribe.subscribers_table.as_deref(),
            c.stack.as_deref(),
            "SubscribersTable",
            "subscribers_table",
        )
        .await?;
        let dynamo = aws_sdk_dynamodb::Client::new(&c.sdk);
        let counts = count_statuses(&dynamo, &table).await?;
        let list = confirmed(&dynamo, &table, &c.config.language).await?;
        let languages = count_languages(&list);
        let mut exported = None;
        if let Some(path) = &args.export {
            // Written next to the target and renamed: an interrupted export leaves no half file.
            let tmp = path.with_extension("csv.partial");
            let body = export_csv(&list);
            std::fs::File::create(&tmp)
                .and_then(|mut f| f.write_all(body.as_bytes()).and_then(|_| f.sync_all()))
                .and_then(|_| std::fs::rename(&tmp, path))
                .map_err(|source| AdminError::Io { path: path.clone(), source })?;
            exported = Some(list.len());
        }
        if args.aws.json {
            #[derive(Serialize)]
            struct Out<'a> {
                table: &'a str,
                counts: &'a BTreeMap<&'static str, u64>,
                /// Confirmed subscribers by language.
                languages: &'a BTreeMap<String, u64>,
                #[serde(skip_serializing_if = "Option::is_none")]
                exported: Option<usize>,
            }
            let out = Out { table: &table, counts: &counts, languages: &languages, exported };
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        } else {
            println!("Subscribers in {table}:");
            for s in STATUSES {
                println!("  {s:<13} {}", counts.get(s).copied().unwrap_or(0));
            }
            println!("Confirmed by language:");
            for (lang, n) in &languages {
                println!("  {lang:<13} {n}");
            }
            if let (Some(n), Some(path)) = (exported, &args.export) {
                println!("Exported {n} confirmed addresses to {}", path.display());
            }
        }
        Ok(())
    })
}

/// One announced post and what became of its emails.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct AnnouncementReport {
    pub post: String,
    pub title: String,
    pub announced_at: String,
    /// Recipients the fan-out queued so far.
    pub queued: u64,
    pub sent: u64,
    /// Unsubscribed (or bounced) between the fan-out and their send.
    pub suppressed: u64,
    pub failed: u64,
    /// Queued and not finished yet (waiting in the queue, or being sent).
    pub still_queued: u64,
    pub fanout_done: bool,
    /// Why nobody was emailed about the post (its link is off the site, or the day's cap of
    /// announcements was reached), as the sender recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

pub async fn report(dynamo: &aws_sdk_dynamodb::Client, announcements: &str, sends: &str) -> Result<Vec<AnnouncementReport>, AdminError> {
    let mut reports = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        // The announcements table holds one small item per post: a scan is the listing.
        let page = dynamo
            .scan()
            .table_name(announcements)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| dynamo_err("Scan", announcements, &e))?;
        for i in page.items() {
            let s = |k: &str| i.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            let n = |k: &str| i.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0u64);
            reports.push(AnnouncementReport {
                post: s("post"),
                title: s("title"),
                announced_at: s("announced_at"),
                queued: n("queued"),
                fanout_done: i.contains_key("fanout_done_at"),
                refused: i.get("refused").and_then(|v| v.as_s().ok()).cloned(),
                ..Default::default()
            });
        }
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
    for r in &mut reports {
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = dynamo
                .query()
                .table_name(sends)
                .key_condition_expression("post = :p")
                .expression_attribute_values(":p", AttributeValue::S(r.post.clone()))
                .projection_expression("#st")
                .expression_attribute_names("#st", "state")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| dynamo_err("Query", sends, &e))?;
            for i in page.items() {
                match i.get("state").and_then(|v| v.as_s().ok()).map(String::as_str) {
                    Some("sent") => r.sent += 1,
                    Some("suppressed") => r.suppressed += 1,
                    Some("failed") => r.failed += 1,
                    _ => {}
                }
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        r.still_queued = r.queued.saturating_sub(r.sent + r.suppressed + r.failed);
    }
    reports.sort_by(|a, b| b.announced_at.cmp(&a.announced_at).then(a.post.cmp(&b.post)));
    Ok(reports)
}

pub fn run_announcements(args: &AwsArgs) -> Result<(), AdminError> {
    runtime()?.block_on(async {
        let c = ctx(args).await?;
        let stack = c.stack.as_deref();
        let announcements = crate::stack::table(
            &c.sdk,
            c.config.subscribe.announcements_table.as_deref(),
            stack,
            "AnnouncementsTable",
            "announcements_table",
        )
        .await?;
        let sends = crate::stack::table(&c.sdk, c.config.subscribe.sends_table.as_deref(), stack, "SendsTable", "sends_table").await?;
        let dynamo = aws_sdk_dynamodb::Client::new(&c.sdk);
        let reports = report(&dynamo, &announcements, &sends).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&reports).unwrap_or_default());
            return Ok(());
        }
        if reports.is_empty() {
            println!("No post has been announced yet.");
        }
        for r in &reports {
            println!("{}  {} ({})", r.announced_at, r.title, r.post);
            if let Some(why) = &r.refused {
                println!("    not sent: {why}");
                continue;
            }
            println!(
                "    sent {}, suppressed {}, failed {}, still queued {}{}",
                r.sent,
                r.suppressed,
                r.failed,
                r.still_queued,
                if r.fanout_done { "" } else { " (fan-out still running)" }
            );
        }
        Ok(())
    })
}
