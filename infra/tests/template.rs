//! Reads infra/template.yaml and checks the properties that keep the stack safe and working, so a
//! later edit cannot silently weaken them: private bucket reachable only from this distribution,
//! no wildcard resources on SES or DynamoDB actions, the stream mapping's failure handling, the
//! thumbnail trigger that cannot fire on its own output, the inlined CloudFront Function, the
//! Lambda runtime, and the outputs the CLI reads.
//!
//! Each check returns the violations it found; the tests at the bottom assert there are none on
//! the real template and that each check does fire on a weakened copy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

fn infra_dir() -> PathBuf {
    myblog_infra::workspace_root().join("infra")
}

fn load_template() -> Value {
    let path = infra_dir().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

// ---- small accessors over CloudFormation YAML (short `!Tag` and long `Fn::` forms) ------------

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping()?.get(key)
}

fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| get(v, k))
}

/// The argument of an intrinsic function, written `!Name x` or `{Fn::Name: x}` (`Ref` has no
/// `Fn::` prefix).
fn intrinsic<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match v {
        Value::Tagged(t) if t.tag == name => Some(&t.value),
        Value::Mapping(m) if m.len() == 1 => {
            let long = if name == "Ref" { name.to_owned() } else { format!("Fn::{name}") };
            m.get(long.as_str())
        }
        _ => None,
    }
}

fn ref_name(v: &Value) -> Option<&str> {
    intrinsic(v, "Ref")?.as_str()
}

/// `!GetAtt X.Attr` / `!GetAtt [X, Attr]` as (X, Attr).
fn getatt(v: &Value) -> Option<(String, String)> {
    match intrinsic(v, "GetAtt")? {
        Value::String(s) => {
            let (res, attr) = s.split_once('.')?;
            Some((res.to_owned(), attr.to_owned()))
        }
        Value::Sequence(seq) if seq.len() == 2 => Some((seq[0].as_str()?.to_owned(), seq[1].as_str()?.to_owned())),
        _ => None,
    }
}

/// The format string of a `!Sub` (either form).
fn sub_format(v: &Value) -> Option<&str> {
    match intrinsic(v, "Sub")? {
        Value::String(s) => Some(s),
        Value::Sequence(seq) => seq.first()?.as_str(),
        _ => None,
    }
}

/// A string, or a list of strings, as a list (IAM's Action and Resource take both).
fn one_or_many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Sequence(seq)) => seq.iter().collect(),
        Some(other) => vec![other],
        None => vec![],
    }
}

fn resources(t: &Value) -> Vec<(String, &Value)> {
    get(t, "Resources")
        .and_then(Value::as_mapping)
        .expect("template has Resources")
        .iter()
        .map(|(k, v)| (k.as_str().expect("resource id").to_owned(), v))
        .collect()
}

fn resources_of_type<'a>(t: &'a Value, ty: &str) -> Vec<(String, &'a Value)> {
    resources(t).into_iter().filter(|(_, r)| get(r, "Type").and_then(Value::as_str) == Some(ty)).collect()
}

fn resource<'a>(t: &'a Value, id: &str) -> &'a Value {
    path(t, &["Resources", id]).unwrap_or_else(|| panic!("template has no resource {id}"))
}

fn props(r: &Value) -> &Value {
    static EMPTY: Value = Value::Null;
    get(r, "Properties").unwrap_or(&EMPTY)
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

// ---- checks -----------------------------------------------------------------------------------

/// Every bucket blocks public access in all four ways, is encrypted, versioned and owner-enforced.
fn check_buckets(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let buckets = resources_of_type(t, "AWS::S3::Bucket");
    if buckets.is_empty() {
        errs.push("no S3 bucket in the template".to_owned());
    }
    for (id, b) in buckets {
        let p = props(b);
        for flag in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
            if !is_true(path(p, &["PublicAccessBlockConfiguration", flag])) {
                errs.push(format!("bucket {id}: PublicAccessBlockConfiguration.{flag} must be true"));
            }
        }
        let sse = path(p, &["BucketEncryption", "ServerSideEncryptionConfiguration"])
            .and_then(Value::as_sequence)
            .and_then(|s| s.first())
            .and_then(|r| path(r, &["ServerSideEncryptionByDefault", "SSEAlgorithm"]))
            .and_then(Value::as_str);
        if !matches!(sse, Some("AES256" | "aws:kms" | "aws:kms:dsse")) {
            errs.push(format!("bucket {id}: default encryption missing"));
        }
        if path(p, &["VersioningConfiguration", "Status"]).and_then(Value::as_str) != Some("Enabled") {
            errs.push(format!("bucket {id}: versioning must be Enabled"));
        }
        let ownership = path(p, &["OwnershipControls", "Rules"])
            .and_then(Value::as_sequence)
            .and_then(|s| s.first())
            .and_then(|r| get(r, "ObjectOwnership"))
            .and_then(Value::as_str);
        if ownership != Some("BucketOwnerEnforced") {
            errs.push(format!("bucket {id}: ObjectOwnership must be BucketOwnerEnforced (no ACLs)"));
        }
        if get(b, "DeletionPolicy").and_then(Value::as_str) != Some("Retain") {
            errs.push(format!("bucket {id}: DeletionPolicy must be Retain (it holds the site)"));
        }
    }
    errs
}

fn principal_is_cloudfront_only(principal: Option<&Value>) -> bool {
    let Some(p) = principal else { return false };
    let keys: Vec<&str> = p.as_mapping().map(|m| m.keys().filter_map(Value::as_str).collect()).unwrap_or_default();
    keys == ["Service"] && one_or_many(get(p, "Service")).iter().all(|s| s.as_str() == Some("cloudfront.amazonaws.com"))
}

/// Bucket policies allow only the CloudFront service, and only for this stack's distribution.
fn check_bucket_policies(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let policies = resources_of_type(t, "AWS::S3::BucketPolicy");
    if policies.is_empty() {
        errs.push("no bucket policy: CloudFront could not read the private bucket".to_owned());
    }
    let mut allows_get = false;
    for (id, pol) in policies {
        let statements = one_or_many(path(props(pol), &["PolicyDocument", "Statement"]));
        for (i, st) in statements.iter().enumerate() {
            if get(st, "Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            let at = format!("bucket policy {id} statement {i}");
            if get(st, "NotPrincipal").is_some() || get(st, "NotAction").is_some() || get(st, "NotResource").is_some() {
                errs.push(format!("{at}: Not* elements in an Allow are too easy to get wrong"));
            }
            if !principal_is_cloudfront_only(get(st, "Principal")) {
                errs.push(format!("{at}: an Allow must name only Principal Service cloudfront.amazonaws.com"));
            }
            let source = path(st, &["Condition", "StringEquals", "AWS:SourceArn"]);
            let names_distribution =
                source.and_then(sub_format).is_some_and(|f| f.contains(":cloudfront::") && f.contains("distribution/${Distribution}"));
            if !names_distribution {
                errs.push(format!("{at}: must be limited with StringEquals AWS:SourceArn to this stack's Distribution"));
            }
            for action in one_or_many(get(st, "Action")) {
                match action.as_str() {
                    Some("s3:GetObject") => allows_get = true,
                    Some("s3:ListBucket") => {}
                    other => errs.push(format!("{at}: CloudFront needs only s3:GetObject/s3:ListBucket, not {other:?}")),
                }
            }
        }
    }
    if !allows_get {
        errs.push("no bucket policy statement lets CloudFront s3:GetObject".to_owned());
    }
    errs
}

/// Every IAM statement in the template, with where it is (SAM function Policies, roles, policies).
fn iam_statements(t: &Value) -> (Vec<(String, Value)>, Vec<String>) {
    let mut out = vec![];
    let mut errs = vec![];
    for (id, r) in resources(t) {
        let ty = get(r, "Type").and_then(Value::as_str).unwrap_or_default();
        let docs: Vec<&Value> = match ty {
            "AWS::Serverless::Function" => {
                let mut docs = vec![];
                for (i, pol) in one_or_many(get(props(r), "Policies")).into_iter().enumerate() {
                    // Managed policy names and SAM policy templates hide their statements (several
                    // grant "*" resources): only inline statements are allowed, so they are checked.
                    if get(pol, "Statement").is_some() {
                        docs.push(pol);
                    } else {
                        errs.push(format!("function {id}: policy {i} is not an inline statement list: {pol:?}"));
                    }
                }
                if get(props(r), "Role").is_some() {
                    errs.push(format!("function {id}: uses an external Role the template cannot check"));
                }
                docs
            }
            "AWS::IAM::Role" => {
                // Only managed policies of this template, whose statements are checked below.
                let own =
                    |p: &&Value| ref_name(p).is_some_and(|n| resources_of_type(t, "AWS::IAM::ManagedPolicy").iter().any(|(id, _)| id == n));
                if !one_or_many(get(props(r), "ManagedPolicyArns")).iter().all(own) {
                    errs.push(format!("role {id}: managed policies cannot be checked here"));
                }
                one_or_many(get(props(r), "Policies")).into_iter().filter_map(|p| get(p, "PolicyDocument")).collect()
            }
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => get(props(r), "PolicyDocument").into_iter().collect(),
            _ => vec![],
        };
        for doc in docs {
            for st in one_or_many(get(doc, "Statement")) {
                out.push((id.clone(), st.clone()));
            }
        }
    }
    (out, errs)
}

/// A resource ARN that reaches further than this stack's named resources. `!GetAtt`/`!Ref` name a
/// resource of the template; strings and `!Sub` formats may only end in the sub-resource
/// wildcards that stay inside one resource (a table's indexes or streams, a bucket prefix).
fn resource_is_too_broad(v: &Value) -> bool {
    let Some(arn) = v.as_str().or_else(|| sub_format(v)) else {
        return false;
    };
    // The deploy role writes the whole site bucket: its objects, and only its objects.
    if arn == "${SiteBucket.Arn}/*" {
        return false;
    }
    let inner = ["/index/*", "/stream/*", "/media/*", "/thumbs/*"].iter().find_map(|suffix| arn.strip_suffix(suffix));
    inner.unwrap_or(arn).contains('*')
}

/// No wildcard actions; SES and DynamoDB actions only on named resources; SES only for the sender.
fn check_iam(t: &Value) -> Vec<String> {
    let (statements, mut errs) = iam_statements(t);
    if statements.is_empty() {
        errs.push("no IAM statements found: the functions would have no permissions".to_owned());
    }
    for (id, st) in &statements {
        if get(st, "Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        if get(st, "NotAction").is_some() || get(st, "NotResource").is_some() {
            errs.push(format!("{id}: NotAction/NotResource grant more than they seem"));
        }
        let actions: Vec<String> =
            one_or_many(get(st, "Action")).iter().map(|a| a.as_str().unwrap_or("<not a string>").to_owned()).collect();
        let resources = one_or_many(get(st, "Resource"));
        for a in &actions {
            if a == "*" || a.ends_with(":*") || a.contains('*') {
                errs.push(format!("{id}: wildcard action {a}"));
            }
            // Reading the account's send quota has no resource-level permission: "*" is the
            // only form IAM accepts, and it grants nothing beyond that read.
            if a == "ses:GetAccount" {
                if actions.len() != 1 {
                    errs.push(format!("{id}: ses:GetAccount must be alone in its statement"));
                }
                continue;
            }
            let service = a.split(':').next().unwrap_or_default();
            if ["ses", "dynamodb", "s3", "sqs"].contains(&service) {
                if resources.is_empty() {
                    errs.push(format!("{id}: {a} has no Resource"));
                }
                for r in &resources {
                    if resource_is_too_broad(r) {
                        errs.push(format!("{id}: {a} on Resource {r:?}"));
                    }
                }
            }
            if service == "ses" {
                // SES v2 SendEmail needs only ses:SendEmail (Raw content included).
                if a != "ses:SendEmail" {
                    errs.push(format!("{id}: SES action {a}: only ses:SendEmail is needed"));
                }
                for r in &resources {
                    let f = sub_format(r).unwrap_or_default();
                    let identity = f.contains(":ses:") && f.contains(":identity/${Sender");
                    let configuration_set = f.contains(":ses:") && f.ends_with(":configuration-set/${EmailConfigurationSet}");
                    if !(identity || configuration_set) {
                        errs.push(format!("{id}: {a} must be limited to the sender identity, not {r:?}"));
                    }
                }
                // Whatever the identity (a whole domain may be verified), only the sender address.
                let from = path(st, &["Condition", "StringEquals", "ses:FromAddress"]).and_then(ref_name);
                if from != Some("SenderEmail") {
                    errs.push(format!("{id}: {a} needs Condition StringEquals ses:FromAddress: !Ref SenderEmail"));
                }
            }
        }
    }
    // A SAM event of these kinds attaches an AWS managed policy with "Resource": "*".
    for (id, f) in resources_of_type(t, "AWS::Serverless::Function") {
        if let Some(events) = get(props(f), "Events").and_then(Value::as_mapping) {
            for (name, ev) in events {
                let ty = get(ev, "Type").and_then(Value::as_str).unwrap_or_default();
                if ["DynamoDB", "Kinesis", "SQS", "MSK", "MQ", "SelfManagedKafka", "DocumentDB"].contains(&ty) {
                    errs.push(format!("function {id}: event {name:?} of type {ty} brings a managed policy on \"*\""));
                }
            }
        }
    }
    errs
}

/// The stream mapping: partial batch responses, bisect, bounded retries, a DLQ the function may
/// write to, and stream read permission on this table's stream only.
fn check_stream_mapping(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let mappings: Vec<_> = resources_of_type(t, "AWS::Lambda::EventSourceMapping")
        .into_iter()
        .filter(|(_, m)| {
            getatt(get(props(m), "EventSourceArn").unwrap_or(&Value::Null)) == Some(("Subscribers".into(), "StreamArn".into()))
        })
        .collect();
    if mappings.len() != 1 {
        errs.push(format!("expected one event source mapping on the subscribers stream, found {}", mappings.len()));
        return errs;
    }
    let (id, m) = &mappings[0];
    let p = props(m);
    let (table, _) = getatt(get(p, "EventSourceArn").unwrap_or(&Value::Null)).unwrap_or_default();
    if get(resource(t, &table), "Type").and_then(Value::as_str) != Some("AWS::DynamoDB::Table") {
        errs.push(format!("{id}: EventSourceArn is not a DynamoDB table's stream"));
    }
    let function = get(p, "FunctionName").and_then(ref_name).unwrap_or_default().to_owned();
    if function != "SubscribeStreamFunction" {
        errs.push(format!("{id}: must invoke SubscribeStreamFunction, not {function:?}"));
    }
    let types = one_or_many(get(p, "FunctionResponseTypes"));
    if !types.iter().any(|v| v.as_str() == Some("ReportBatchItemFailures")) {
        errs.push(format!("{id}: FunctionResponseTypes must include ReportBatchItemFailures"));
    }
    if !is_true(get(p, "BisectBatchOnFunctionError")) {
        errs.push(format!("{id}: BisectBatchOnFunctionError must be true"));
    }
    match get(p, "MaximumRetryAttempts").and_then(Value::as_i64) {
        Some(n) if (0..=10).contains(&n) => {}
        other => errs.push(format!("{id}: MaximumRetryAttempts must be a small bound (0..=10), is {other:?}")),
    }
    match get(p, "BatchSize").and_then(Value::as_i64) {
        Some(n) if (1..=100).contains(&n) => {}
        other => errs.push(format!("{id}: BatchSize must be set (1..=100), is {other:?}")),
    }
    // A filter may drop REMOVE records (TTL expiry), never the ones that send emails.
    for f in one_or_many(path(p, &["FilterCriteria", "Filters"])) {
        let pattern = get(f, "Pattern").and_then(Value::as_str).unwrap_or_default();
        if !(pattern.contains("\"INSERT\"") && pattern.contains("\"MODIFY\"")) {
            errs.push(format!("{id}: FilterCriteria {pattern:?} must let INSERT and MODIFY records through"));
        }
    }
    if get(p, "StartingPosition").and_then(Value::as_str) != Some("TRIM_HORIZON") {
        errs.push(format!("{id}: StartingPosition must be TRIM_HORIZON so no subscription is skipped"));
    }
    let dlq = path(p, &["DestinationConfig", "OnFailure", "Destination"]).and_then(getatt);
    match dlq {
        Some((queue, attr)) if attr == "Arn" => {
            if get(resource(t, &queue), "Type").and_then(Value::as_str) != Some("AWS::SQS::Queue") {
                errs.push(format!("{id}: OnFailure destination {queue} is not an SQS queue"));
            }
            let (statements, _) = iam_statements(t);
            let can_send = statements.iter().any(|(fid, st)| {
                fid == &function
                    && one_or_many(get(st, "Action")).iter().any(|a| a.as_str() == Some("sqs:SendMessage"))
                    && one_or_many(get(st, "Resource")).iter().any(|r| getatt(r) == Some((queue.clone(), "Arn".into())))
            });
            if !can_send {
                errs.push(format!("{id}: {function} may not sqs:SendMessage to the DLQ {queue}"));
            }
        }
        _ => errs.push(format!("{id}: DestinationConfig.OnFailure.Destination must be !GetAtt <SQS queue>.Arn")),
    }
    let (statements, _) = iam_statements(t);
    for action in ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"] {
        let granted = statements.iter().any(|(fid, st)| {
            fid == &function
                && one_or_many(get(st, "Action")).iter().any(|a| a.as_str() == Some(action))
                && one_or_many(get(st, "Resource")).iter().all(|r| getatt(r) == Some((table.clone(), "StreamArn".into())))
        });
        if !granted {
            errs.push(format!("{function}: {action} must be granted on {table}.StreamArn only"));
        }
    }
    errs
}

/// The subscribers table: on demand, PITR, TTL, stream with both images, key `email`.
fn check_table(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let p = props(resource(t, "Subscribers"));
    let expect = |errs: &mut Vec<String>, keys: &[&str], want: Value| {
        if path(p, keys) != Some(&want) {
            errs.push(format!("Subscribers: {} must be {want:?}, is {:?}", keys.join("."), path(p, keys)));
        }
    };
    expect(&mut errs, &["BillingMode"], "PAY_PER_REQUEST".into());
    expect(&mut errs, &["PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"], true.into());
    expect(&mut errs, &["TimeToLiveSpecification", "AttributeName"], "ttl".into());
    expect(&mut errs, &["TimeToLiveSpecification", "Enabled"], true.into());
    expect(&mut errs, &["StreamSpecification", "StreamViewType"], "NEW_AND_OLD_IMAGES".into());
    let key: Vec<(String, String)> = one_or_many(get(p, "KeySchema"))
        .iter()
        .filter_map(|k| Some((get(k, "AttributeName")?.as_str()?.to_owned(), get(k, "KeyType")?.as_str()?.to_owned())))
        .collect();
    if key != [("email".to_owned(), "HASH".to_owned())] {
        errs.push(format!("Subscribers: key must be email (HASH), is {key:?}"));
    }
    errs
}

/// The thumbnail function fires only on media/ and writes only under thumbs/.
fn check_thumbnail_trigger(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let f = props(resource(t, "ThumbnailFunction"));
    let events = get(f, "Events").and_then(Value::as_mapping).cloned().unwrap_or_default();
    if events.len() != 1 {
        errs.push(format!("ThumbnailFunction: expected exactly one event, found {}", events.len()));
    }
    let mut trigger_prefix = None;
    for (name, ev) in &events {
        let p = props(ev);
        if get(ev, "Type").and_then(Value::as_str) != Some("S3") {
            errs.push(format!("ThumbnailFunction event {name:?}: must be an S3 event"));
            continue;
        }
        if get(p, "Bucket").and_then(ref_name) != Some("SiteBucket") {
            errs.push(format!("ThumbnailFunction event {name:?}: must watch SiteBucket"));
        }
        let kinds: Vec<_> = one_or_many(get(p, "Events")).iter().filter_map(|e| e.as_str()).collect();
        if kinds != ["s3:ObjectCreated:*"] {
            errs.push(format!("ThumbnailFunction event {name:?}: Events must be s3:ObjectCreated:*, is {kinds:?}"));
        }
        let rules = one_or_many(path(p, &["Filter", "S3Key", "Rules"]));
        let prefixes: Vec<_> = rules
            .iter()
            .filter(|r| get(r, "Name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case("prefix")))
            .filter_map(|r| get(r, "Value").and_then(Value::as_str))
            .collect();
        if prefixes != ["media/"] {
            errs.push(format!("ThumbnailFunction event {name:?}: needs the prefix filter media/, has {prefixes:?}"));
        }
        trigger_prefix = prefixes.first().map(|s| s.to_string());
    }
    let env = |k: &str| path(f, &["Environment", "Variables", k]).and_then(Value::as_str).map(str::to_owned);
    if env("MEDIA_PREFIX").as_deref() != Some("media/") {
        errs.push("ThumbnailFunction: MEDIA_PREFIX must be media/".to_owned());
    }
    match (env("THUMBS_PREFIX"), &trigger_prefix) {
        (Some(out), Some(trigger)) if out.starts_with(trigger.as_str()) => {
            errs.push(format!("ThumbnailFunction: output prefix {out} is under its trigger {trigger}: it would trigger itself"));
        }
        (Some(out), _) if out == "thumbs/" => {}
        other => errs.push(format!("ThumbnailFunction: THUMBS_PREFIX must be thumbs/, is {:?}", other.0)),
    }
    if get(f, "Environment").and_then(|e| path(e, &["Variables", "THUMB_WIDTHS"])).and_then(ref_name) != Some("ThumbnailWidths") {
        errs.push("ThumbnailFunction: THUMB_WIDTHS must come from the ThumbnailWidths parameter".to_owned());
    }
    // Events that keep failing (corrupt or oversized photos) are kept, not dropped.
    let on_failure = path(f, &["EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination"]).and_then(getatt);
    if on_failure.map(|(res, _)| res).as_deref() != Some("ThumbnailFailureQueue") {
        errs.push("ThumbnailFunction: failed events must go to ThumbnailFailureQueue (EventInvokeConfig OnFailure)".to_owned());
    }
    // S3 access: read media/ (and its own thumbs/, to skip work already done), write thumbs/,
    // send failed events to its own queue; nothing else.
    let (statements, _) = iam_statements(t);
    for (fid, st) in statements.iter().filter(|(fid, _)| fid == "ThumbnailFunction") {
        let actions = one_or_many(get(st, "Action"));
        for a in &actions {
            if a.as_str() == Some("sqs:SendMessage") {
                let to_own_queue =
                    one_or_many(get(st, "Resource")).iter().all(|r| getatt(r).is_some_and(|(res, _)| res == "ThumbnailFailureQueue"));
                if !to_own_queue || actions.len() != 1 {
                    errs.push(format!("{fid}: sqs:SendMessage must be alone and limited to ThumbnailFailureQueue"));
                }
                continue;
            }
            let allowed: &[&str] = match a.as_str() {
                Some("s3:GetObject") => &["/media/*", "/thumbs/*"],
                Some("s3:PutObject") => &["/thumbs/*"],
                other => {
                    errs.push(format!("{fid}: unexpected action {other:?}"));
                    continue;
                }
            };
            let want_suffix = allowed.join(" or ");
            for r in one_or_many(get(st, "Resource")) {
                if !sub_format(r).is_some_and(|f| f.starts_with("arn:${AWS::Partition}:s3:::") && allowed.iter().any(|w| f.ends_with(w))) {
                    errs.push(format!("{fid}: {a:?} must be limited to the bucket's {want_suffix}, is {r:?}"));
                }
            }
        }
    }
    errs
}

/// Every function: provided.al2023, arm64, bootstrap, built by cargo lambda from a binary that
/// exists in the crate CodeUri points at.
fn check_functions(t: &Value, infra: &Path) -> Vec<String> {
    let mut errs = vec![];
    let functions = resources_of_type(t, "AWS::Serverless::Function");
    if functions.len() != 5 {
        errs.push(format!(
            "expected 5 functions (subscribe-http, subscribe-stream, subscribe-sender, subscribe-feedback, thumbnail-fn), found {}",
            functions.len()
        ));
    }
    if !resources_of_type(t, "AWS::Lambda::Function").is_empty() {
        errs.push("plain AWS::Lambda::Function resources bypass these checks; use AWS::Serverless::Function".to_owned());
    }
    let mut binaries = BTreeSet::new();
    for (id, f) in functions {
        let p = props(f);
        if get(p, "Runtime").and_then(Value::as_str) != Some("provided.al2023") {
            errs.push(format!("{id}: Runtime must be provided.al2023"));
        }
        let arch: Vec<_> = one_or_many(get(p, "Architectures")).iter().filter_map(|a| a.as_str()).collect();
        if arch != ["arm64"] {
            errs.push(format!("{id}: Architectures must be [arm64], is {arch:?}"));
        }
        if get(p, "Handler").and_then(Value::as_str) != Some("bootstrap") {
            errs.push(format!("{id}: Handler must be bootstrap"));
        }
        if path(f, &["Metadata", "BuildMethod"]).and_then(Value::as_str) != Some("rust-cargolambda") {
            errs.push(format!("{id}: Metadata.BuildMethod must be rust-cargolambda"));
        }
        let binary = path(f, &["Metadata", "BuildProperties", "Binary"]).and_then(Value::as_str);
        let code_uri = get(p, "CodeUri").and_then(Value::as_str);
        match (binary, code_uri) {
            (Some(binary), Some(code_uri)) => {
                binaries.insert(binary.to_owned());
                let manifest = infra.join(code_uri).join("Cargo.toml");
                let bins: Vec<String> = std::fs::read_to_string(&manifest)
                    .ok()
                    .and_then(|s| s.parse::<toml::Table>().ok())
                    .and_then(|m| m.get("bin").and_then(|b| b.as_array()).cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|b| b.get("name")?.as_str().map(str::to_owned))
                    .collect();
                if !bins.iter().any(|b| b == binary) {
                    errs.push(format!("{id}: {} has no [[bin]] {binary} (has {bins:?})", manifest.display()));
                }
            }
            _ => errs.push(format!("{id}: needs CodeUri and Metadata.BuildProperties.Binary")),
        }
    }
    let want: BTreeSet<String> =
        ["subscribe-http", "subscribe-stream", "subscribe-sender", "subscribe-feedback", "thumbnail-fn"].map(String::from).into();
    if binaries != want {
        errs.push(format!("functions build {binaries:?}, expected {want:?}"));
    }
    for id in ["SubscribeHttpFunction", "SubscribeStreamFunction"] {
        for var in ["TABLE_NAME", "SENDER_EMAIL", "SITE_URL", "SITE_TITLE", "DOUBLE_OPT_IN"] {
            if path(props(resource(t, id)), &["Environment", "Variables", var]).is_none() {
                errs.push(format!("{id}: environment variable {var} missing"));
            }
        }
    }
    // Without it a function takes the site for English alone: the form's language would be
    // dropped, the emails English, and every post sent to everyone.
    for id in ["SubscribeHttpFunction", "SubscribeStreamFunction", "SubscribeSenderFunction"] {
        let var = path(props(resource(t, id)), &["Environment", "Variables", "SITE_LANGUAGES"]);
        if var.and_then(ref_name) != Some("SiteLanguages") {
            errs.push(format!("{id}: SITE_LANGUAGES must be !Ref SiteLanguages"));
        }
    }
    errs
}

/// The inlined CloudFront Function is byte for byte infra/functions/rewrite.js (after trimming),
/// and it runs on viewer requests of the default behaviour.
fn check_cloudfront_function(t: &Value, infra: &Path) -> Vec<String> {
    let mut errs = vec![];
    let file = std::fs::read_to_string(infra.join("functions/rewrite.js")).expect("read infra/functions/rewrite.js");
    let f = props(resource(t, "RewriteFunction"));
    match get(f, "FunctionCode").and_then(Value::as_str) {
        Some(code) if code.trim() == file.trim() => {}
        Some(_) => errs.push(
            "RewriteFunction.FunctionCode differs from infra/functions/rewrite.js: copy the file into the \
             template (indented under `FunctionCode: |`)"
                .to_owned(),
        ),
        None => errs.push("RewriteFunction.FunctionCode must be the inlined rewrite.js".to_owned()),
    }
    if path(f, &["FunctionConfig", "Runtime"]).and_then(Value::as_str) != Some("cloudfront-js-2.0") {
        errs.push("RewriteFunction: runtime must be cloudfront-js-2.0".to_owned());
    }
    let assoc =
        one_or_many(path(props(resource(t, "Distribution")), &["DistributionConfig", "DefaultCacheBehavior", "FunctionAssociations"]));
    let wired = assoc.iter().any(|a| {
        get(a, "EventType").and_then(Value::as_str) == Some("viewer-request")
            && get(a, "FunctionARN").and_then(getatt) == Some(("RewriteFunction".into(), "FunctionARN".into()))
    });
    if !wired {
        errs.push("Distribution: default behaviour must run RewriteFunction on viewer-request".to_owned());
    }
    errs
}

/// HTTPS only, OAC on the S3 origin, the API behaviour uncached with the right origin request
/// policy, security headers on every behaviour, the 404 page.
fn check_distribution(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let d = get(props(resource(t, "Distribution")), "DistributionConfig").cloned().unwrap_or_default();
    let origins = one_or_many(get(&d, "Origins"));
    let site = origins.iter().find(|o| get(o, "Id").and_then(Value::as_str) == Some("site"));
    match site {
        Some(o) => {
            if get(o, "OriginAccessControlId").and_then(getatt) != Some(("SiteOriginAccessControl".into(), "Id".into())) {
                errs.push("site origin must use the SiteOriginAccessControl".to_owned());
            }
            if path(o, &["S3OriginConfig", "OriginAccessIdentity"]).and_then(Value::as_str) != Some("") {
                errs.push("site origin must not use a legacy origin access identity".to_owned());
            }
        }
        None => errs.push("no origin with Id site".to_owned()),
    }
    let oac = path(props(resource(t, "SiteOriginAccessControl")), &["OriginAccessControlConfig", "SigningBehavior"]);
    if oac.and_then(Value::as_str) != Some("always") {
        errs.push("SiteOriginAccessControl must sign always".to_owned());
    }
    let mut behaviours = vec![get(&d, "DefaultCacheBehavior").cloned().unwrap_or_default()];
    behaviours.extend(one_or_many(get(&d, "CacheBehaviors")).into_iter().cloned());
    for b in &behaviours {
        let name = get(b, "PathPattern").and_then(Value::as_str).unwrap_or("default").to_owned();
        if !matches!(get(b, "ViewerProtocolPolicy").and_then(Value::as_str), Some("redirect-to-https" | "https-only")) {
            errs.push(format!("behaviour {name}: viewers must use HTTPS"));
        }
        if get(b, "ResponseHeadersPolicyId").and_then(ref_name) != Some("SecurityHeadersPolicy") {
            errs.push(format!("behaviour {name}: must use SecurityHeadersPolicy"));
        }
        if !is_true(get(b, "Compress")) {
            errs.push(format!("behaviour {name}: Compress must be true"));
        }
    }
    let api = behaviours.iter().find(|b| get(b, "PathPattern").and_then(Value::as_str) == Some("/api/*"));
    match api {
        Some(b) => {
            if get(b, "CachePolicyId").and_then(Value::as_str) != Some("4135ea2d-6df8-44a3-9df3-4b5a84be39ad") {
                errs.push("/api/*: must use the managed CachingDisabled policy".to_owned());
            }
            if get(b, "OriginRequestPolicyId").and_then(Value::as_str) != Some("b689b0a8-53d0-40ab-baf2-68738e2966ac") {
                errs.push("/api/*: must use the managed AllViewerExceptHostHeader origin request policy".to_owned());
            }
            if one_or_many(get(b, "AllowedMethods")).len() != 7 {
                errs.push("/api/*: must allow all methods (POST for subscribe and one-click unsubscribe)".to_owned());
            }
        }
        None => errs.push("no /api/* behaviour".to_owned()),
    }
    let default_cache = props(resource(t, "SiteCachePolicy"));
    let ttl = |k: &str| path(default_cache, &["CachePolicyConfig", k]).and_then(Value::as_i64);
    if (ttl("MinTTL"), ttl("DefaultTTL"), ttl("MaxTTL")) != (Some(0), Some(86400), Some(31536000)) {
        errs.push("SiteCachePolicy: TTLs must be min 0, default 1 day, max 1 year (origin Cache-Control decides)".to_owned());
    }
    let errors = one_or_many(get(&d, "CustomErrorResponses"));
    let has_404 = errors.iter().any(|e| {
        get(e, "ErrorCode").and_then(Value::as_i64) == Some(404)
            && get(e, "ResponseCode").and_then(Value::as_i64) == Some(404)
            && get(e, "ResponsePagePath").and_then(Value::as_str) == Some("/404.html")
    });
    if !has_404 {
        errs.push("CustomErrorResponses: 404 must serve /404.html with status 404".to_owned());
    }
    let sec = path(props(resource(t, "SecurityHeadersPolicy")), &["ResponseHeadersPolicyConfig", "SecurityHeadersConfig"])
        .cloned()
        .unwrap_or_default();
    match path(&sec, &["StrictTransportSecurity", "AccessControlMaxAgeSec"]).and_then(Value::as_i64) {
        Some(age) if age >= 31536000 => {}
        other => errs.push(format!("HSTS max-age must be at least a year, is {other:?}")),
    }
    if path(&sec, &["ContentTypeOptions", "Override"]).is_none() {
        errs.push("X-Content-Type-Options: nosniff missing".to_owned());
    }
    if path(&sec, &["ReferrerPolicy", "ReferrerPolicy"]).and_then(Value::as_str) != Some("strict-origin-when-cross-origin") {
        errs.push("Referrer-Policy must be strict-origin-when-cross-origin".to_owned());
    }
    let csp = path(&sec, &["ContentSecurityPolicy", "ContentSecurityPolicy"]).and_then(Value::as_str).unwrap_or_default();
    let directives: Vec<String> = csp.split(';').map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    for want in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        if !directives.iter().any(|d| d == want) {
            errs.push(format!("CSP must contain exactly {want:?}: {csp}"));
        }
    }
    for bad in ["'unsafe-inline'", "'unsafe-eval'", " * ", "http:", "data:"] {
        if format!(" {csp} ").contains(bad) {
            errs.push(format!("CSP must not allow {bad}: {csp}"));
        }
    }
    errs
}

/// The HTTP API: the four routes to subscribe-http, throttled, invoked only by this API.
fn check_api(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let integration = props(resource(t, "SubscribeHttpIntegration"));
    if get(integration, "IntegrationUri").and_then(getatt) != Some(("SubscribeHttpFunction".into(), "Arn".into())) {
        errs.push("SubscribeHttpIntegration must invoke SubscribeHttpFunction".to_owned());
    }
    let routes: BTreeSet<String> = resources_of_type(t, "AWS::ApiGatewayV2::Route")
        .into_iter()
        .filter(|(_, r)| get(props(r), "Target").and_then(sub_format) == Some("integrations/${SubscribeHttpIntegration}"))
        .filter_map(|(_, r)| get(props(r), "RouteKey").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let want: BTreeSet<String> = [
        "POST /api/subscribe",
        "GET /api/confirm",
        "POST /api/confirm",
        "GET /api/unsubscribe",
        "POST /api/unsubscribe",
        "GET /api/style.css",
    ]
    .map(String::from)
    .into();
    if routes != want {
        errs.push(format!("routes to subscribe-http are {routes:?}, expected {want:?}"));
    }
    let stage = props(resource(t, "HttpApiStage"));
    for k in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
        if !path(stage, &["DefaultRouteSettings", k]).and_then(Value::as_f64).is_some_and(|n| n > 0.0) {
            errs.push(format!("HttpApiStage: DefaultRouteSettings.{k} must be set"));
        }
    }
    let perm = props(resource(t, "SubscribeHttpInvokePermission"));
    let source = get(perm, "SourceArn").and_then(sub_format).unwrap_or_default();
    if !source.contains(":execute-api:") || !source.contains("${HttpApi}/") {
        errs.push(format!("SubscribeHttpInvokePermission must be limited to this API, is {source:?}"));
    }
    errs
}

/// The outputs `myblog deploy --stack` and the README rely on.
fn check_outputs(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let outputs = get(t, "Outputs").and_then(Value::as_mapping).cloned().unwrap_or_else(Mapping::new);
    let value = |k: &str| outputs.get(k).and_then(|o| get(o, "Value")).cloned();
    for k in ["BucketName", "DistributionId", "DistributionDomainName", "ApiUrl", "SubscribersTable", "AnnouncementsTable", "SendsTable"] {
        if value(k).is_none() {
            errs.push(format!("output {k} missing"));
        }
    }
    if value("BucketName").as_ref().and_then(ref_name) != Some("SiteBucket") {
        errs.push("output BucketName must be !Ref SiteBucket".to_owned());
    }
    if value("DistributionId").as_ref().and_then(ref_name) != Some("Distribution") {
        errs.push("output DistributionId must be !Ref Distribution".to_owned());
    }
    if value("DistributionDomainName").as_ref().and_then(getatt) != Some(("Distribution".into(), "DomainName".into())) {
        errs.push("output DistributionDomainName must be !GetAtt Distribution.DomainName".to_owned());
    }
    errs
}

/// The announcement pipeline: exactly-once tables, a redriven queue that outlives the sender's
/// timeout, a paced sender with reserved concurrency, SES feedback wired to the suppressing
/// function, and a deploy policy that can write announcement records and nothing else.
fn check_announcements(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let keys = |id: &str| -> Vec<(String, String)> {
        one_or_many(get(props(resource(t, id)), "KeySchema"))
            .iter()
            .filter_map(|k| Some((get(k, "AttributeName")?.as_str()?.to_owned(), get(k, "KeyType")?.as_str()?.to_owned())))
            .collect()
    };
    if keys("AnnouncementsTable") != [("post".to_owned(), "HASH".to_owned())] {
        errs.push(format!("AnnouncementsTable: key must be post (HASH), is {:?}", keys("AnnouncementsTable")));
    }
    if path(props(resource(t, "AnnouncementsTable")), &["StreamSpecification", "StreamViewType"]).is_none() {
        errs.push("AnnouncementsTable: needs a stream (it starts the fan-out)".to_owned());
    }
    if keys("SendsTable") != [("post".to_owned(), "HASH".to_owned()), ("email".to_owned(), "RANGE".to_owned())] {
        errs.push(format!("SendsTable: key must be post (HASH), email (RANGE), is {:?}", keys("SendsTable")));
    }
    let gsi = one_or_many(get(props(resource(t, "Subscribers")), "GlobalSecondaryIndexes"));
    let status_index = gsi.iter().any(|g| {
        get(g, "IndexName").and_then(Value::as_str) == Some("status-index")
            && path(g, &["KeySchema"]).and_then(Value::as_sequence).is_some_and(|k| {
                k.first().and_then(|e| get(e, "AttributeName")).and_then(Value::as_str) == Some("status")
                    && k.get(1).and_then(|e| get(e, "AttributeName")).and_then(Value::as_str) == Some("email")
            })
    });
    if !status_index {
        errs.push("Subscribers: needs the status-index GSI (status HASH, email RANGE): the fan-out must never scan".to_owned());
    }
    // A multilingual site's fan-out filters the confirmed partition on `lang`, which the index
    // must therefore carry (a filter on an attribute the index lacks matches nothing).
    let lang_index = gsi.iter().any(|g| {
        let projection = get(g, "Projection");
        let kind = projection.and_then(|p| get(p, "ProjectionType")).and_then(Value::as_str);
        let included = projection
            .and_then(|p| get(p, "NonKeyAttributes"))
            .and_then(Value::as_sequence)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("lang")));
        get(g, "IndexName").and_then(Value::as_str) == Some("status-lang-index")
            && path(g, &["KeySchema"]).and_then(Value::as_sequence).is_some_and(|k| {
                k.first().and_then(|e| get(e, "AttributeName")).and_then(Value::as_str) == Some("status")
                    && k.get(1).and_then(|e| get(e, "AttributeName")).and_then(Value::as_str) == Some("email")
            })
            && (kind == Some("ALL") || (kind == Some("INCLUDE") && included))
    });
    if !lang_index {
        errs.push(
            "Subscribers: needs the status-lang-index GSI (status HASH, email RANGE, lang projected): the fan-out by language".to_owned(),
        );
    }
    let queue = props(resource(t, "SendQueue"));
    let dlq = path(queue, &["RedrivePolicy", "deadLetterTargetArn"]).and_then(getatt);
    if dlq != Some(("SendDeadLetterQueue".into(), "Arn".into())) {
        errs.push("SendQueue: RedrivePolicy must send failing messages to SendDeadLetterQueue".to_owned());
    }
    let sender = props(resource(t, "SubscribeSenderFunction"));
    let timeout = get(sender, "Timeout").and_then(Value::as_i64).unwrap_or(0);
    let visibility = get(queue, "VisibilityTimeout").and_then(Value::as_i64).unwrap_or(0);
    if visibility < 6 * timeout || timeout == 0 {
        errs.push(format!("SendQueue: VisibilityTimeout {visibility} must be at least 6 x the sender's Timeout {timeout}"));
    }
    if get(sender, "ReservedConcurrentExecutions").and_then(ref_name) != Some("SenderConcurrency") {
        errs.push("SubscribeSenderFunction: ReservedConcurrentExecutions must be !Ref SenderConcurrency (pacing divides by it)".to_owned());
    }
    if path(sender, &["Environment", "Variables", "SENDER_CONCURRENCY"]).and_then(ref_name) != Some("SenderConcurrency") {
        errs.push("SubscribeSenderFunction: SENDER_CONCURRENCY must be !Ref SenderConcurrency".to_owned());
    }
    if path(sender, &["Environment", "Variables", "ANNOUNCEMENTS_PER_DAY"]).and_then(ref_name) != Some("AnnouncementsPerDay") {
        errs.push("SubscribeSenderFunction: ANNOUNCEMENTS_PER_DAY must be !Ref AnnouncementsPerDay (the daily cap)".to_owned());
    }
    let mapping = resources_of_type(t, "AWS::Lambda::EventSourceMapping")
        .into_iter()
        .find(|(_, m)| getatt(get(props(m), "EventSourceArn").unwrap_or(&Value::Null)) == Some(("SendQueue".into(), "Arn".into())));
    match mapping {
        Some((id, m)) => {
            if get(props(m), "FunctionName").and_then(ref_name) != Some("SubscribeSenderFunction") {
                errs.push(format!("{id}: must invoke SubscribeSenderFunction"));
            }
            if !one_or_many(get(props(m), "FunctionResponseTypes")).iter().any(|v| v.as_str() == Some("ReportBatchItemFailures")) {
                errs.push(format!("{id}: FunctionResponseTypes must include ReportBatchItemFailures"));
            }
        }
        None => errs.push("no event source mapping from SendQueue to the sender".to_owned()),
    }
    let announce_mapping = resources_of_type(t, "AWS::Lambda::EventSourceMapping").into_iter().find(|(_, m)| {
        getatt(get(props(m), "EventSourceArn").unwrap_or(&Value::Null)) == Some(("AnnouncementsTable".into(), "StreamArn".into()))
    });
    match announce_mapping {
        Some((id, m)) => {
            let p = props(m);
            if get(p, "StartingPosition").and_then(Value::as_str) != Some("TRIM_HORIZON") {
                errs.push(format!("{id}: StartingPosition must be TRIM_HORIZON (no announcement skipped)"));
            }
            if path(p, &["DestinationConfig", "OnFailure", "Destination"]).and_then(getatt).is_none() {
                errs.push(format!("{id}: needs an OnFailure destination"));
            }
        }
        None => errs.push("no event source mapping from the announcements stream".to_owned()),
    }
    let dest = path(props(resource(t, "FeedbackEventDestination")), &["EventDestination"]).cloned().unwrap_or(Value::Null);
    let types: BTreeSet<&str> = one_or_many(get(&dest, "MatchingEventTypes")).iter().filter_map(|v| v.as_str()).collect();
    if !(types.contains("bounce") && types.contains("complaint")) {
        errs.push(format!("FeedbackEventDestination: must publish bounce and complaint, publishes {types:?}"));
    }
    if path(&dest, &["SnsDestination", "TopicARN"]).and_then(ref_name) != Some("FeedbackTopic") {
        errs.push("FeedbackEventDestination: must publish to FeedbackTopic".to_owned());
    }
    let feedback_event = get(props(resource(t, "SubscribeFeedbackFunction")), "Events").and_then(Value::as_mapping).is_some_and(|e| {
        e.values().any(|ev| {
            get(ev, "Type").and_then(Value::as_str) == Some("SNS")
                && path(ev, &["Properties", "Topic"]).and_then(ref_name) == Some("FeedbackTopic")
        })
    });
    if !feedback_event {
        errs.push("SubscribeFeedbackFunction: must be subscribed to FeedbackTopic".to_owned());
    }
    for id in ["SubscribeStreamFunction", "SubscribeSenderFunction"] {
        if path(props(resource(t, id)), &["Environment", "Variables", "CONFIGURATION_SET"]).and_then(ref_name)
            != Some("EmailConfigurationSet")
        {
            errs.push(format!("{id}: CONFIGURATION_SET must be !Ref EmailConfigurationSet (bounces are only reported through it)"));
        }
    }
    // Deploy: one action on one table (and reading the stack's outputs).
    let (statements, _) = iam_statements(t);
    for (id, st) in statements.iter().filter(|(id, _)| id == "DeployAnnouncePolicy") {
        let actions: Vec<&str> = one_or_many(get(st, "Action")).iter().filter_map(|a| a.as_str()).collect();
        let resources = one_or_many(get(st, "Resource"));
        let ok = match actions.as_slice() {
            ["dynamodb:PutItem"] => resources.len() == 1 && getatt(resources[0]) == Some(("AnnouncementsTable".into(), "Arn".into())),
            ["cloudformation:DescribeStacks"] => resources.len() == 1 && ref_name(resources[0]) == Some("AWS::StackId"),
            _ => false,
        };
        if !ok {
            errs.push(format!(
                "{id}: deploy may only PutItem on AnnouncementsTable (and DescribeStacks this stack), found {actions:?} on {resources:?}"
            ));
        }
    }
    if !statements.iter().any(|(id, _)| id == "DeployAnnouncePolicy") {
        errs.push("DeployAnnouncePolicy missing".to_owned());
    }
    errs
}

/// An alarm resource that notifies the alarm topic when `metric` of `namespace` (with an optional
/// dimension value check) goes over `threshold`.
fn alarms_on<'a>(t: &'a Value, namespace: &str, metric: &str, dimension: impl Fn(&Value) -> bool) -> Vec<(String, &'a Value)> {
    resources_of_type(t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .filter(|(_, a)| {
            let p = props(a);
            let ns = get(p, "Namespace");
            let ns_ok = ns.and_then(Value::as_str) == Some(namespace) || ns.and_then(sub_format) == Some(namespace);
            ns_ok && get(p, "MetricName").and_then(Value::as_str) == Some(metric) && dimension(p)
        })
        .collect()
}

fn dimension_is(p: &Value, name: &str, check: impl Fn(&Value) -> bool) -> bool {
    one_or_many(get(p, "Dimensions"))
        .iter()
        .any(|d| get(d, "Name").and_then(Value::as_str) == Some(name) && get(d, "Value").is_some_and(&check))
}

/// The alarm goes to the author (AlarmTopic) and fires above `threshold`.
fn alarm_problems(id: &str, a: &Value, threshold: f64) -> Vec<String> {
    let p = props(a);
    let mut errs = vec![];
    if !one_or_many(get(p, "AlarmActions")).iter().any(|x| ref_name(x) == Some("AlarmTopic")) {
        errs.push(format!("{id}: AlarmActions must include !Ref AlarmTopic"));
    }
    if get(p, "ComparisonOperator").and_then(Value::as_str) != Some("GreaterThanThreshold")
        || get(p, "Threshold").and_then(Value::as_f64) != Some(threshold)
    {
        errs.push(format!("{id}: must fire when the value is greater than {threshold}"));
    }
    if get(p, "TreatMissingData").and_then(Value::as_str) != Some("notBreaching") {
        errs.push(format!("{id}: TreatMissingData must be notBreaching (no data means nothing happened)"));
    }
    errs
}

/// Queues that receive what failed: `OnFailure` destinations and `deadLetterTargetArn`s, anywhere.
fn failure_queues(t: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Mapping(m) => {
                for (k, v) in m {
                    let target = match k.as_str() {
                        Some("OnFailure") => get(v, "Destination").and_then(getatt),
                        Some("deadLetterTargetArn") => getatt(v),
                        _ => None,
                    };
                    if let Some((queue, _)) = target {
                        out.insert(queue);
                    }
                    walk(v, out);
                }
            }
            Value::Sequence(s) => s.iter().for_each(|v| walk(v, out)),
            Value::Tagged(t) => walk(&t.value, out),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(get(t, "Resources").unwrap_or(&Value::Null), &mut out);
    out
}

/// What tells the author when something breaks, for every function and queue (so one added
/// later without them fails here): a log group with the retention parameter, reserved
/// concurrency, error and throttle alarms, a message alarm on every queue, the email budget
/// alarm fed by the text subscribe-fn logs, SES bounce and complaint rate alarms; all to the
/// AlarmTopic, which emails AlarmEmail.
fn check_operations(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let topic = resource(t, "AlarmTopic");
    if get(topic, "Type").and_then(Value::as_str) != Some("AWS::SNS::Topic") {
        errs.push("AlarmTopic must be an SNS topic".to_owned());
    }
    let emails_author = one_or_many(get(props(topic), "Subscription")).iter().any(|sub| {
        get(sub, "Protocol").and_then(Value::as_str) == Some("email") && get(sub, "Endpoint").and_then(ref_name) == Some("AlarmEmail")
    });
    if !emails_author {
        errs.push("AlarmTopic must have an email Subscription to !Ref AlarmEmail".to_owned());
    }
    if path(t, &["Parameters", "AlarmEmail", "Default"]).is_some() {
        errs.push("parameter AlarmEmail must have no default: the author has to name where alarms go".to_owned());
    }
    if path(t, &["Parameters", "LogRetentionDays", "Default"]).and_then(Value::as_i64) != Some(30) {
        errs.push("parameter LogRetentionDays must default to 30".to_owned());
    }
    for (id, f) in resources_of_type(t, "AWS::Serverless::Function") {
        let p = props(f);
        match path(p, &["LoggingConfig", "LogGroup"]).and_then(ref_name) {
            Some(group) => {
                let g = path(t, &["Resources", group]);
                let retention = g.and_then(|g| get(props(g), "RetentionInDays")).and_then(ref_name);
                if g.and_then(|g| get(g, "Type")).and_then(Value::as_str) != Some("AWS::Logs::LogGroup")
                    || retention != Some("LogRetentionDays")
                {
                    errs.push(format!(
                        "{id}: log group {group} must be an AWS::Logs::LogGroup with RetentionInDays: !Ref LogRetentionDays"
                    ));
                }
            }
            None => errs.push(format!("{id}: needs LoggingConfig.LogGroup: !Ref <its log group with retention>")),
        }
        // A number, or a Number parameter that cannot be below 1.
        let reserved = get(p, "ReservedConcurrentExecutions")
            .and_then(|v| v.as_i64().or_else(|| path(t, &["Parameters", ref_name(v)?, "MinValue"]).and_then(Value::as_i64)));
        if reserved.is_none_or(|n| n <= 0) {
            errs.push(format!("{id}: needs ReservedConcurrentExecutions (> 0)"));
        }
        for metric in ["Errors", "Throttles"] {
            let alarms = alarms_on(t, "AWS/Lambda", metric, |p| dimension_is(p, "FunctionName", |v| ref_name(v) == Some(id.as_str())));
            if alarms.is_empty() {
                errs.push(format!("{id}: no {metric} alarm (AWS/Lambda {metric}, dimension FunctionName: !Ref {id})"));
            }
            for (aid, a) in alarms {
                errs.extend(alarm_problems(&aid, a, 0.0));
            }
        }
    }
    // A failure queue (an OnFailure destination or a redrive target) alarms on any message; a
    // work queue must redrive to one, so nothing it drops goes unnoticed.
    let failure_queues = failure_queues(t);
    for (id, q) in resources_of_type(t, "AWS::SQS::Queue") {
        if !failure_queues.contains(&id) {
            let target = path(props(q), &["RedrivePolicy", "deadLetterTargetArn"]).and_then(getatt).map(|(q, _)| q);
            if !target.is_some_and(|q| failure_queues.contains(&q)) {
                errs.push(format!("queue {id}: neither a failure queue (OnFailure destination / redrive target) nor redriving to one"));
            }
            continue;
        }
        let alarms = alarms_on(t, "AWS/SQS", "ApproximateNumberOfMessagesVisible", |p| {
            dimension_is(p, "QueueName", |v| getatt(v) == Some((id.clone(), "QueueName".into())))
        });
        if alarms.is_empty() {
            errs.push(format!("queue {id}: no alarm on any message (ApproximateNumberOfMessagesVisible > 0)"));
        }
        for (aid, a) in alarms {
            errs.extend(alarm_problems(&aid, a, 0.0));
        }
    }
    // The budget: the metric filter must match what subscribe-fn logs.
    let limits_rs = myblog_infra::workspace_root().join("subscribe-fn/src/limits.rs");
    let source = std::fs::read_to_string(&limits_rs).unwrap_or_else(|e| panic!("read {}: {e}", limits_rs.display()));
    let marker = source
        .lines()
        .find_map(|l| l.trim().strip_prefix("pub const BUDGET_REACHED: &str = \"")?.strip_suffix("\";"))
        .unwrap_or_else(|| panic!("{} must define pub const BUDGET_REACHED", limits_rs.display()));
    let mut fed_by = BTreeSet::new();
    let mut metric = None;
    for (id, f) in resources_of_type(t, "AWS::Logs::MetricFilter") {
        let p = props(f);
        if get(p, "FilterPattern").and_then(Value::as_str).is_some_and(|pat| pat.trim_matches(['"', '\'']) == marker) {
            fed_by.insert(get(p, "LogGroupName").and_then(ref_name).unwrap_or_default().to_owned());
            let m = one_or_many(get(p, "MetricTransformations")).first().map(|m| {
                (
                    get(m, "MetricNamespace").and_then(sub_format).unwrap_or_default().to_owned(),
                    get(m, "MetricName").and_then(Value::as_str).unwrap_or_default().to_owned(),
                )
            });
            if metric.is_some() && metric != m {
                errs.push(format!("{id}: every budget filter must feed the same metric"));
            }
            metric = m;
        }
    }
    for f in ["SubscribeHttpFunction", "SubscribeStreamFunction"] {
        let group = path(props(resource(t, f)), &["LoggingConfig", "LogGroup"]).and_then(ref_name).unwrap_or_default();
        if !fed_by.contains(group) {
            errs.push(format!("no metric filter for {marker:?} on {f}'s log group"));
        }
    }
    match metric {
        Some((ns, name)) => {
            let alarms = alarms_on(t, &ns, &name, |_| true);
            if alarms.is_empty() {
                errs.push(format!("no alarm on the email budget metric {ns}/{name}"));
            }
            for (aid, a) in alarms {
                errs.extend(alarm_problems(&aid, a, 0.0));
            }
        }
        None => errs.push(format!("no metric filter counts {marker:?}: the author would not learn the budget was reached")),
    }
    errs.extend(check_log_markers(t));
    for (metric, threshold) in [("Reputation.BounceRate", 0.05), ("Reputation.ComplaintRate", 0.001)] {
        let alarms = alarms_on(t, "AWS/SES", metric, |_| true);
        if alarms.is_empty() {
            errs.push(format!("no alarm on AWS/SES {metric}"));
        }
        for (aid, a) in alarms {
            errs.extend(alarm_problems(&aid, a, threshold));
        }
    }
    errs
}

/// The `EMAIL_*` markers subscribe-fn logs for an author to act on (`pub const X: &str =
/// "EMAIL_..."` anywhere in its source), with the file that defines each.
fn log_markers() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines() {
                    let marker = line.trim().strip_prefix("pub const ").and_then(|l| l.split_once(": &str = \"")).map(|(_, v)| v);
                    if let Some(m) = marker.and_then(|v| v.strip_suffix("\";")).filter(|m| m.starts_with("EMAIL_")) {
                        out.push((m.to_owned(), path.display().to_string()));
                    }
                }
            }
        }
    }
    let mut out = vec![];
    walk(&myblog_infra::workspace_root().join("subscribe-fn/src"), &mut out);
    out.sort();
    out
}

/// Every marker subscribe-fn logs for the author is counted by a metric filter, and the
/// metric it feeds has an alarm to the AlarmTopic: a marker nobody counts tells nobody.
fn check_log_markers(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let markers = log_markers();
    if markers.len() < 5 {
        errs.push(format!("found only {} EMAIL_* markers in subscribe-fn/src: is the pattern stale?", markers.len()));
    }
    for (marker, file) in markers {
        let metrics: BTreeSet<(String, String)> = resources_of_type(t, "AWS::Logs::MetricFilter")
            .into_iter()
            .filter(|(_, f)| get(props(f), "FilterPattern").and_then(Value::as_str).is_some_and(|p| p.trim_matches(['"', '\'']) == marker))
            .filter_map(|(_, f)| {
                let m = one_or_many(get(props(f), "MetricTransformations")).into_iter().next()?;
                Some((get(m, "MetricNamespace").and_then(sub_format)?.to_owned(), get(m, "MetricName").and_then(Value::as_str)?.to_owned()))
            })
            .collect();
        if metrics.is_empty() {
            errs.push(format!("{marker} ({file}): no AWS::Logs::MetricFilter counts it"));
        }
        for (ns, name) in metrics {
            let alarms = alarms_on(t, &ns, &name, |_| true);
            if alarms.is_empty() {
                errs.push(format!("{marker} ({file}): no alarm on the metric {ns}/{name} it feeds"));
            }
            // Its threshold is the marker's own business (a few unknown outcomes are weather).
            for (aid, a) in alarms {
                if !one_or_many(get(props(a), "AlarmActions")).iter().any(|x| ref_name(x) == Some("AlarmTopic")) {
                    errs.push(format!("{aid}: AlarmActions must include !Ref AlarmTopic"));
                }
            }
        }
    }
    errs
}

/// The abuse defences the stack owns: the API reachable only through CloudFront, the limits
/// table and settings given to both subscription functions, the optional WAF rule.
fn check_abuse(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    let d = get(props(resource(t, "Distribution")), "DistributionConfig").cloned().unwrap_or_default();
    let api = one_or_many(get(&d, "Origins")).into_iter().find(|o| get(o, "Id").and_then(Value::as_str) == Some("api")).cloned();
    let header = api.as_ref().and_then(|o| {
        one_or_many(get(o, "OriginCustomHeaders"))
            .into_iter()
            .find(|h| get(h, "HeaderName").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case("x-origin-verify")))
            .and_then(|h| get(h, "HeaderValue"))
            .and_then(sub_format)
            .map(str::to_owned)
    });
    let env = |f: &str, var: &str| path(props(resource(t, f)), &["Environment", "Variables", var]).cloned();
    let secret_ref = "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}";
    match header {
        Some(h) if h == secret_ref => {}
        other => errs.push(format!("the api origin must add X-Origin-Verify: {secret_ref}, has {other:?}")),
    }
    if env("SubscribeHttpFunction", "ORIGIN_VERIFY_SECRET").as_ref().and_then(sub_format) != Some(secret_ref) {
        errs.push(format!("SubscribeHttpFunction: ORIGIN_VERIFY_SECRET must be {secret_ref} (the header CloudFront adds)"));
    }
    if get(resource(t, "OriginVerifySecret"), "Type").and_then(Value::as_str) != Some("AWS::SecretsManager::Secret") {
        errs.push("OriginVerifySecret must be a generated Secrets Manager secret".to_owned());
    }
    let limits = props(resource(t, "Limits"));
    let key: Vec<_> =
        one_or_many(get(limits, "KeySchema")).iter().filter_map(|k| get(k, "AttributeName").and_then(Value::as_str)).collect();
    if key != ["pk"] || path(limits, &["TimeToLiveSpecification", "AttributeName"]).and_then(Value::as_str) != Some("ttl") {
        errs.push("Limits: key pk and TTL on ttl (counters expire)".to_owned());
    }
    for (f, vars) in [
        (
            "SubscribeHttpFunction",
            &[
                ("LIMITS_TABLE", "Limits"),
                ("DAILY_EMAIL_BUDGET", "DailyEmailBudget"),
                ("SUBSCRIBES_PER_IP_PER_HOUR", "SubscribesPerViewerPerHour"),
                ("LINKS_PER_IP_PER_HOUR", "LinkRequestsPerViewerPerHour"),
            ][..],
        ),
        ("SubscribeStreamFunction", &[("LIMITS_TABLE", "Limits"), ("DAILY_EMAIL_BUDGET", "DailyEmailBudget")][..]),
    ] {
        for (var, want) in vars {
            if env(f, var).as_ref().and_then(ref_name) != Some(*want) {
                errs.push(format!("{f}: {var} must be !Ref {want}"));
            }
        }
    }
    // The optional WAF: CloudFront scope, a blocking rate rule on /api/*, attached to the distribution.
    let acl = resource(t, "ApiWebAcl");
    let p = props(acl);
    if get(acl, "Condition").and_then(Value::as_str) != Some("CreateWebAcl")
        || get(p, "Scope").and_then(Value::as_str) != Some("CLOUDFRONT")
    {
        errs.push("ApiWebAcl: CLOUDFRONT scope, only under the CreateWebAcl condition".to_owned());
    }
    let rate_rule = one_or_many(get(p, "Rules")).into_iter().any(|r| {
        let rate = path(r, &["Statement", "RateBasedStatement"]);
        let scoped = rate.and_then(|s| path(s, &["ScopeDownStatement", "ByteMatchStatement"])).is_some_and(|b| {
            get(b, "SearchString").and_then(Value::as_str) == Some("/api/")
                && get(b, "PositionalConstraint").and_then(Value::as_str) == Some("STARTS_WITH")
                && path(b, &["FieldToMatch", "UriPath"]).is_some()
        });
        scoped
            && rate.and_then(|s| get(s, "Limit")).and_then(ref_name) == Some("WafApiRateLimit")
            && rate.and_then(|s| get(s, "AggregateKeyType")).and_then(Value::as_str) == Some("IP")
            && path(r, &["Action", "Block"]).is_some()
    });
    if !rate_rule {
        errs.push("ApiWebAcl: needs a rule blocking by IP over !Ref WafApiRateLimit, scoped down to UriPath STARTS_WITH /api/".to_owned());
    }
    let web_acl = get(&d, "WebACLId").and_then(|v| intrinsic(v, "If")).and_then(Value::as_sequence);
    if !web_acl.is_some_and(|seq| seq.len() == 3 && getatt(&seq[1]) == Some(("ApiWebAcl".into(), "Arn".into()))) {
        errs.push("Distribution: WebACLId must be !If [CreateWebAcl, !GetAtt ApiWebAcl.Arn, …]".to_owned());
    }
    let region_rule = path(t, &["Rules", "WafNeedsUsEast1", "Assertions"]).map(|a| format!("{a:?}")).unwrap_or_default();
    if !region_rule.contains("us-east-1") {
        errs.push("Rules: WafNeedsUsEast1 must refuse a WAF outside us-east-1".to_owned());
    }
    errs
}

/// Functions that SNS or S3 invoke asynchronously: Lambda drops an event after its retries
/// unless the function has an on-failure destination. Each must send failures to an SQS queue
/// that an alarm watches (a lost bounce or complaint means mail to someone who refused it).
fn check_async_failures(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    for (id, f) in resources_of_type(t, "AWS::Serverless::Function") {
        let p = props(f);
        let events = get(p, "Events").and_then(Value::as_mapping).map(|m| m.values().collect::<Vec<_>>()).unwrap_or_default();
        if !events.iter().any(|e| matches!(get(e, "Type").and_then(Value::as_str), Some("SNS" | "S3"))) {
            continue;
        }
        let on_failure = path(p, &["EventInvokeConfig", "DestinationConfig", "OnFailure"]);
        let queue = on_failure.and_then(|o| get(o, "Destination")).and_then(getatt).map(|(q, _)| q);
        let is_sqs = on_failure.and_then(|o| get(o, "Type")).and_then(Value::as_str) == Some("SQS");
        let Some(queue) =
            queue.filter(|q| is_sqs && path(t, &["Resources", q.as_str(), "Type"]).and_then(Value::as_str) == Some("AWS::SQS::Queue"))
        else {
            errs.push(format!("{id}: invoked asynchronously, so it needs EventInvokeConfig OnFailure to an SQS queue"));
            continue;
        };
        let watched = !alarms_on(t, "AWS/SQS", "ApproximateNumberOfMessagesVisible", |p| {
            dimension_is(p, "QueueName", |v| getatt(v).is_some_and(|(q, a)| q == queue && a == "QueueName"))
        })
        .is_empty();
        if !watched {
            errs.push(format!("{id}: its failure queue {queue} needs an alarm on ApproximateNumberOfMessagesVisible"));
        }
    }
    errs
}

fn all_violations(t: &Value) -> Vec<String> {
    let infra = infra_dir();
    [
        check_buckets(t),
        check_bucket_policies(t),
        check_iam(t),
        check_stream_mapping(t),
        check_table(t),
        check_thumbnail_trigger(t),
        check_functions(t, &infra),
        check_cloudfront_function(t, &infra),
        check_distribution(t),
        check_api(t),
        check_outputs(t),
        check_announcements(t),
        check_operations(t),
        check_abuse(t),
        check_async_failures(t),
    ]
    .concat()
}

// ---- tests ------------------------------------------------------------------------------------

#[test]
fn the_template_keeps_every_checked_property() {
    let t = load_template();
    let violations = all_violations(&t);
    assert!(violations.is_empty(), "infra/template.yaml:\n  {}", violations.join("\n  "));
}

#[test]
fn the_template_has_the_transform_and_parameters() {
    let t = load_template();
    assert_eq!(get(&t, "Transform").and_then(Value::as_str), Some("AWS::Serverless-2016-10-31"));
    for p in ["DomainName", "CertificateArn", "SenderEmail", "DoubleOptIn", "ThumbnailWidths", "SiteTitle", "SiteLanguages"] {
        assert!(path(&t, &["Parameters", p]).is_some(), "parameter {p} missing");
    }
    assert_eq!(path(&t, &["Parameters", "ThumbnailWidths", "Default"]).and_then(Value::as_str), Some("320,640,1280"));
    assert_eq!(path(&t, &["Parameters", "CertificateArn", "Default"]).and_then(Value::as_str), Some(""));
    for rule in ["DomainNeedsCertificate", "CertificateNeedsDomain"] {
        assert!(path(&t, &["Rules", rule, "Assertions"]).is_some(), "rule {rule} missing");
    }
}

// Each check must fire on a weakened copy; otherwise the test above proves nothing.

/// Applies `edit` to a copy of the template and returns the violations of `check`.
fn weakened(edit: impl FnOnce(&mut Value), check: fn(&Value) -> Vec<String>) -> Vec<String> {
    let mut t = load_template();
    assert!(check(&t).is_empty(), "the real template must pass this check first");
    edit(&mut t);
    check(&t)
}

fn at<'a>(v: &'a mut Value, keys: &[&str]) -> &'a mut Value {
    keys.iter().fold(v, |v, k| {
        let Value::Mapping(m) = v else { panic!("not a mapping at {k}") };
        m.get_mut(*k).unwrap_or_else(|| panic!("no key {k}"))
    })
}

fn yaml(s: &str) -> Value {
    serde_yaml::from_str(s).expect("test YAML")
}

#[test]
fn an_index_without_the_language_or_a_function_without_the_languages_is_caught() {
    let errs = weakened(
        |t| {
            let Value::Sequence(gsi) = at(t, &["Resources", "Subscribers", "Properties", "GlobalSecondaryIndexes"]) else { unreachable!() };
            for g in gsi.iter_mut() {
                if g.get("IndexName").and_then(Value::as_str) == Some("status-lang-index") {
                    *g.get_mut("Projection").unwrap() = yaml("ProjectionType: KEYS_ONLY");
                }
            }
        },
        check_announcements,
    );
    assert!(errs.iter().any(|e| e.contains("status-lang-index")), "{errs:?}");
    let errs = weakened(
        |t| {
            let Value::Mapping(vars) = at(t, &["Resources", "SubscribeSenderFunction", "Properties", "Environment", "Variables"]) else {
                unreachable!()
            };
            vars.remove("SITE_LANGUAGES");
        },
        |t| check_functions(t, &infra_dir()),
    );
    assert!(errs.iter().any(|e| e.contains("SubscribeSenderFunction: SITE_LANGUAGES")), "{errs:?}");
}

#[test]
fn a_public_or_unprotected_bucket_is_caught() {
    let errs = weakened(
        |t| *at(t, &["Resources", "SiteBucket", "Properties", "PublicAccessBlockConfiguration", "RestrictPublicBuckets"]) = false.into(),
        check_buckets,
    );
    assert!(errs.iter().any(|e| e.contains("RestrictPublicBuckets")), "{errs:?}");
    let errs = weakened(
        |t| {
            let Value::Mapping(p) = at(t, &["Resources", "SiteBucket", "Properties"]) else { unreachable!() };
            p.remove("VersioningConfiguration");
            p.remove("BucketEncryption");
        },
        check_buckets,
    );
    assert_eq!(errs.len(), 2, "{errs:?}");
}

#[test]
fn a_public_bucket_policy_is_caught() {
    let errs = weakened(
        |t| {
            let Value::Sequence(s) = at(t, &["Resources", "SiteBucketPolicy", "Properties", "PolicyDocument", "Statement"]) else {
                unreachable!()
            };
            s.push(yaml("{Effect: Allow, Principal: '*', Action: 's3:GetObject', Resource: !Sub '${SiteBucket.Arn}/*'}"));
        },
        check_bucket_policies,
    );
    assert!(errs.iter().any(|e| e.contains("Principal Service cloudfront")), "{errs:?}");
    // CloudFront, but any distribution (no SourceArn condition): the confused deputy.
    let errs = weakened(
        |t| {
            let Value::Sequence(s) = at(t, &["Resources", "SiteBucketPolicy", "Properties", "PolicyDocument", "Statement"]) else {
                unreachable!()
            };
            let Value::Mapping(first) = &mut s[0] else { unreachable!() };
            first.remove("Condition");
        },
        check_bucket_policies,
    );
    assert!(errs.iter().any(|e| e.contains("AWS:SourceArn")), "{errs:?}");
}

#[test]
fn wildcard_resources_on_ses_or_dynamodb_are_caught() {
    for statement in [
        "{Effect: Allow, Action: 'ses:SendEmail', Resource: '*'}",
        "{Effect: Allow, Action: ['dynamodb:GetItem'], Resource: ['*']}",
        "{Effect: Allow, Action: 'dynamodb:*', Resource: !GetAtt Subscribers.Arn}",
        "{Effect: Allow, Action: 'dynamodb:Query', Resource: !Sub 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*'}",
        "{Effect: Allow, Action: 'ses:SendEmail', Resource: !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*'}",
    ] {
        let errs = weakened(
            |t| {
                let Value::Sequence(policies) =
                    at(t, &["Resources", "SubscribeHttpFunction", "Properties", "Policies"])
                else {
                    unreachable!()
                };
                policies.push(yaml(&format!("{{Statement: [{statement}]}}")));
            },
            check_iam,
        );
        assert!(!errs.is_empty(), "not caught: {statement}");
    }
    // A managed or SAM template policy cannot be inspected, so it is refused.
    let errs = weakened(
        |t| {
            let Value::Sequence(policies) = at(t, &["Resources", "SubscribeHttpFunction", "Properties", "Policies"]) else {
                unreachable!()
            };
            policies.push(yaml("AmazonSESFullAccess"));
        },
        check_iam,
    );
    assert!(errs.iter().any(|e| e.contains("not an inline statement")), "{errs:?}");
    // The SAM DynamoDB event brings AWSLambdaDynamoDBExecutionRole ("Resource": "*").
    let errs = weakened(
        |t| {
            *at(t, &["Resources", "SubscribeStreamFunction", "Properties"])
                .as_mapping_mut()
                .expect("properties")
                .entry("Events".into())
                .or_insert(Value::Null) =
                yaml("{Stream: {Type: DynamoDB, Properties: {Stream: !GetAtt Subscribers.StreamArn, StartingPosition: TRIM_HORIZON}}}");
        },
        check_iam,
    );
    assert!(errs.iter().any(|e| e.contains("managed policy")), "{errs:?}");
}

#[test]
fn a_weakened_stream_mapping_is_caught() {
    let mapping = ["Resources", "SubscribeStreamMapping", "Properties"];
    for (key, replacement) in [
        ("FunctionResponseTypes", Value::Sequence(vec![])),
        ("BisectBatchOnFunctionError", false.into()),
        ("MaximumRetryAttempts", (-1).into()),
        ("DestinationConfig", Value::Null),
        ("StartingPosition", "LATEST".into()),
        ("FilterCriteria", yaml(r#"{Filters: [{Pattern: '{"eventName": ["INSERT"]}'}]}"#)),
    ] {
        let errs = weakened(|t| *at(t, &[&mapping[..], &[key]].concat()) = replacement.clone(), check_stream_mapping);
        assert!(!errs.is_empty(), "weakening {key} was not caught");
    }
}

#[test]
fn a_thumbnail_trigger_that_can_fire_on_its_output_is_caught() {
    let rules = ["Resources", "ThumbnailFunction", "Properties", "Events", "MediaUploaded", "Properties", "Filter", "S3Key", "Rules"];
    let errs = weakened(|t| *at(t, &rules) = Value::Sequence(vec![]), check_thumbnail_trigger);
    assert!(errs.iter().any(|e| e.contains("prefix filter media/")), "{errs:?}");
    let errs = weakened(
        |t| *at(t, &["Resources", "ThumbnailFunction", "Properties", "Environment", "Variables", "THUMBS_PREFIX"]) = "media/thumbs/".into(),
        check_thumbnail_trigger,
    );
    assert!(errs.iter().any(|e| e.contains("trigger itself")), "{errs:?}");
    let errs = weakened(
        |t| {
            let Value::Mapping(props) = at(t, &["Resources", "ThumbnailFunction", "Properties"]) else { panic!("properties") };
            props.remove("EventInvokeConfig");
        },
        check_thumbnail_trigger,
    );
    assert!(errs.iter().any(|e| e.contains("ThumbnailFailureQueue")), "{errs:?}");
}

#[test]
fn drift_between_the_inlined_function_and_rewrite_js_is_caught() {
    let errs = weakened(
        |t| {
            let code = at(t, &["Resources", "RewriteFunction", "Properties", "FunctionCode"]);
            let edited = code.as_str().expect("code").replace("'/index.html'", "'/index.htm'");
            *code = edited.into();
        },
        |t| check_cloudfront_function(t, &infra_dir()),
    );
    assert!(errs.iter().any(|e| e.contains("differs from infra/functions/rewrite.js")), "{errs:?}");
}

#[test]
fn a_wrong_runtime_or_architecture_is_caught() {
    let errs = weakened(
        |t| {
            *at(t, &["Resources", "ThumbnailFunction", "Properties", "Architectures"]) = yaml("[x86_64]");
            *at(t, &["Resources", "SubscribeHttpFunction", "Properties", "Runtime"]) = "provided.al2".into();
            *at(t, &["Resources", "SubscribeStreamFunction", "Metadata", "BuildProperties", "Binary"]) = "subscribe-streams".into();
        },
        |t| check_functions(t, &infra_dir()),
    );
    assert!(errs.iter().any(|e| e.contains("Architectures")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("provided.al2023")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("no [[bin]] subscribe-streams")), "{errs:?}");
}

#[test]
fn a_missing_output_or_weaker_headers_are_caught() {
    let errs = weakened(
        |t| {
            at(t, &["Outputs"]).as_mapping_mut().expect("outputs").remove("DistributionId");
        },
        check_outputs,
    );
    assert!(errs.iter().any(|e| e.contains("DistributionId")), "{errs:?}");
    let csp = [
        "Resources",
        "SecurityHeadersPolicy",
        "Properties",
        "ResponseHeadersPolicyConfig",
        "SecurityHeadersConfig",
        "ContentSecurityPolicy",
        "ContentSecurityPolicy",
    ];
    let errs = weakened(
        |t| {
            let weaker = at(t, &csp).as_str().expect("csp").replace("script-src 'self'", "script-src 'self' 'unsafe-inline'");
            *at(t, &csp) = weaker.into();
        },
        check_distribution,
    );
    assert!(errs.iter().any(|e| e.contains("unsafe-inline")), "{errs:?}");
}

/// A named change that weakens the template.
type Weaken = Box<dyn Fn(&mut Value)>;

#[test]
fn a_weakened_announcement_pipeline_is_caught() {
    let cases: Vec<(&str, Weaken)> = vec![
        (
            "deploy may write more than announcements",
            Box::new(|t| {
                *at(t, &["Resources", "DeployAnnouncePolicy", "Properties", "PolicyDocument", "Statement"]) =
                    yaml("[{Effect: Allow, Action: [dynamodb:PutItem, dynamodb:DeleteItem], Resource: !GetAtt AnnouncementsTable.Arn}]")
            }),
        ),
        (
            "deploy may write the subscribers",
            Box::new(|t| {
                *at(t, &["Resources", "DeployAnnouncePolicy", "Properties", "PolicyDocument", "Statement"]) =
                    yaml("[{Effect: Allow, Action: dynamodb:PutItem, Resource: !GetAtt Subscribers.Arn}]")
            }),
        ),
        (
            "no reserved concurrency on the sender",
            Box::new(|t| *at(t, &["Resources", "SubscribeSenderFunction", "Properties", "ReservedConcurrentExecutions"]) = Value::Null),
        ),
        ("a queue without a DLQ", Box::new(|t| *at(t, &["Resources", "SendQueue", "Properties", "RedrivePolicy"]) = Value::Null)),
        (
            "a visibility timeout shorter than the sender",
            Box::new(|t| *at(t, &["Resources", "SendQueue", "Properties", "VisibilityTimeout"]) = 30.into()),
        ),
        ("no status index", Box::new(|t| *at(t, &["Resources", "Subscribers", "Properties", "GlobalSecondaryIndexes"]) = Value::Null)),
        (
            "complaints not published",
            Box::new(|t| {
                *at(t, &["Resources", "FeedbackEventDestination", "Properties", "EventDestination", "MatchingEventTypes"]) =
                    yaml("[bounce]")
            }),
        ),
        (
            "no daily cap on announcements",
            Box::new(|t| {
                *at(t, &["Resources", "SubscribeSenderFunction", "Properties", "Environment", "Variables", "ANNOUNCEMENTS_PER_DAY"]) =
                    Value::Null
            }),
        ),
        (
            "emails outside the configuration set",
            Box::new(|t| {
                *at(t, &["Resources", "SubscribeSenderFunction", "Properties", "Environment", "Variables", "CONFIGURATION_SET"]) =
                    Value::Null
            }),
        ),
    ];
    for (name, edit) in cases {
        let errs = weakened(|t| edit(t), check_announcements);
        assert!(!errs.is_empty(), "not caught: {name}");
    }
    // Sending without the From condition (a verified domain would let it send as anyone@domain).
    let errs = weakened(
        |t| {
            let Value::Sequence(statements) =
                at(t, &["Resources", "SubscribeSenderFunction", "Properties", "Policies"])[0]["Statement"].clone()
            else {
                unreachable!()
            };
            let stripped: Vec<Value> = statements
                .into_iter()
                .map(|mut st| {
                    if let Some(m) = st.as_mapping_mut() {
                        m.remove("Condition");
                    }
                    st
                })
                .collect();
            at(t, &["Resources", "SubscribeSenderFunction", "Properties", "Policies"])[0]["Statement"] = Value::Sequence(stripped);
        },
        check_iam,
    );
    assert!(errs.iter().any(|e| e.contains("ses:FromAddress")), "{errs:?}");
}

#[test]
fn a_broader_ses_grant_is_caught() {
    fn statement(t: &mut Value) -> &mut Mapping {
        let Value::Sequence(st) = at(t, &["Resources", "SubscribeStreamFunction", "Properties", "Policies"]) else { unreachable!() };
        let Value::Sequence(list) = get_mut(&mut st[0], "Statement") else { unreachable!() };
        list.iter_mut()
            .find(|s| get(s, "Sid").and_then(Value::as_str) == Some("SendFromSenderOnly"))
            .and_then(Value::as_mapping_mut)
            .expect("SendFromSenderOnly")
    }
    let errs = weakened(
        |t| {
            statement(t).remove("Condition");
        },
        check_iam,
    );
    assert!(errs.iter().any(|e| e.contains("ses:FromAddress")), "{errs:?}");
    let errs = weakened(|t| *statement(t).get_mut("Action").unwrap() = yaml("[ses:SendEmail, ses:SendRawEmail]"), check_iam);
    assert!(errs.iter().any(|e| e.contains("ses:SendRawEmail")), "{errs:?}");
}

fn get_mut<'a>(v: &'a mut Value, key: &str) -> &'a mut Value {
    v.as_mapping_mut().and_then(|m| m.get_mut(key)).unwrap_or_else(|| panic!("no key {key}"))
}

#[test]
fn a_function_or_queue_without_logs_limits_or_alarms_is_caught() {
    // What the next function added must bring: copy one, leave the rest out.
    let errs = weakened(
        |t| {
            let copy = at(t, &["Resources", "SubscribeStreamFunction"]).clone();
            let Value::Mapping(res) = at(t, &["Resources"]) else { unreachable!() };
            let mut copy = copy;
            let Value::Mapping(p) = get_mut(&mut copy, "Properties") else { unreachable!() };
            p.remove("LoggingConfig");
            p.remove("ReservedConcurrentExecutions");
            res.insert("NextFunction".into(), copy);
            res.insert("NextDeadLetterQueue".into(), yaml("{Type: AWS::SQS::Queue, Properties: {SqsManagedSseEnabled: true}}"));
            res.insert(
                "NextQueue".into(),
                yaml("{Type: AWS::SQS::Queue, Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt NextDeadLetterQueue.Arn, maxReceiveCount: 5}}}"),
            );
            res.insert("StrayQueue".into(), yaml("{Type: AWS::SQS::Queue, Properties: {SqsManagedSseEnabled: true}}"));
        },
        check_operations,
    );
    for want in [
        "NextFunction: needs LoggingConfig",
        "NextFunction: needs ReservedConcurrentExecutions",
        "NextFunction: no Errors alarm",
        "NextFunction: no Throttles alarm",
        "queue NextDeadLetterQueue: no alarm",
        "queue StrayQueue: neither a failure queue",
    ] {
        assert!(errs.iter().any(|e| e.starts_with(want)), "{want}: {errs:?}");
    }
    // Logs kept forever, an alarm nobody receives, a missing SES alarm, a default alarm address.
    let errs = weakened(
        |t| {
            let Value::Mapping(p) = at(t, &["Resources", "ThumbnailLogGroup", "Properties"]) else { unreachable!() };
            p.remove("RetentionInDays");
            let Value::Mapping(p) = at(t, &["Resources", "StreamDeadLetterQueueMessagesAlarm", "Properties"]) else { unreachable!() };
            p.remove("AlarmActions");
            at(t, &["Resources"]).as_mapping_mut().unwrap().remove("SesComplaintRateAlarm");
            at(t, &["Parameters", "AlarmEmail"]).as_mapping_mut().unwrap().insert("Default".into(), "me@example.com".into());
        },
        check_operations,
    );
    for want in [
        "ThumbnailFunction: log group",
        "StreamDeadLetterQueueMessagesAlarm: AlarmActions",
        "Reputation.ComplaintRate",
        "AlarmEmail must have no default",
    ] {
        assert!(errs.iter().any(|e| e.contains(want)), "{want}: {errs:?}");
    }
    // A bounce alarm at the wrong level; a budget filter that no longer matches what the code logs.
    let errs = weakened(
        |t| {
            *at(t, &["Resources", "SesBounceRateAlarm", "Properties", "Threshold"]) = 0.1.into();
            *at(t, &["Resources", "SubscribeStreamBudgetMetricFilter", "Properties", "FilterPattern"]) = "BUDGET".into();
        },
        check_operations,
    );
    assert!(errs.iter().any(|e| e.starts_with("SesBounceRateAlarm: must fire when the value is greater than 0.05")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("on SubscribeStreamFunction's log group")), "{errs:?}");
    // A refused announcement nobody counts; a refusal metric with no alarm.
    let errs = weakened(
        |t| {
            at(t, &["Resources"]).as_mapping_mut().unwrap().remove("SubscribeSenderOverCapMetricFilter");
            at(t, &["Resources"]).as_mapping_mut().unwrap().remove("EmailAnnouncementRefusedAlarm");
        },
        check_operations,
    );
    assert!(
        errs.iter().any(|e| e.starts_with("EMAIL_ANNOUNCEMENTS_OVER_DAILY_CAP") && e.contains("no AWS::Logs::MetricFilter")),
        "{errs:?}"
    );
    assert!(errs.iter().any(|e| e.starts_with("EMAIL_ANNOUNCEMENT_OFF_SITE") && e.contains("no alarm")), "{errs:?}");
}

#[test]
fn an_api_reachable_around_cloudfront_or_a_weaker_waf_is_caught() {
    let errs = weakened(
        |t| {
            let Value::Sequence(origins) = at(t, &["Resources", "Distribution", "Properties", "DistributionConfig", "Origins"]) else {
                unreachable!()
            };
            for o in origins.iter_mut() {
                o.as_mapping_mut().unwrap().remove("OriginCustomHeaders");
            }
        },
        check_abuse,
    );
    assert!(errs.iter().any(|e| e.contains("X-Origin-Verify")), "{errs:?}");
    let errs = weakened(
        |t| {
            at(t, &["Resources", "SubscribeHttpFunction", "Properties", "Environment", "Variables"])
                .as_mapping_mut()
                .unwrap()
                .remove("ORIGIN_VERIFY_SECRET");
            at(t, &["Resources", "SubscribeStreamFunction", "Properties", "Environment", "Variables"])
                .as_mapping_mut()
                .unwrap()
                .remove("LIMITS_TABLE");
        },
        check_abuse,
    );
    assert!(errs.iter().any(|e| e.contains("ORIGIN_VERIFY_SECRET")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("SubscribeStreamFunction: LIMITS_TABLE")), "{errs:?}");
    let errs = weakened(
        |t| {
            *at(t, &["Resources", "ApiWebAcl", "Properties", "Scope"]) = "REGIONAL".into();
            let Value::Sequence(rules) = at(t, &["Resources", "ApiWebAcl", "Properties", "Rules"]) else { unreachable!() };
            *at(&mut rules[0], &["Statement", "RateBasedStatement", "ScopeDownStatement", "ByteMatchStatement", "SearchString"]) =
                "/".into();
        },
        check_abuse,
    );
    assert!(errs.iter().any(|e| e.contains("CLOUDFRONT scope")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("STARTS_WITH /api/")), "{errs:?}");
}

/// infra/waf.yaml (for stacks outside us-east-1) makes the same rule as the in-stack web ACL.
#[test]
fn the_standalone_waf_template_has_the_same_rule() {
    let text = std::fs::read_to_string(infra_dir().join("waf.yaml")).expect("read infra/waf.yaml");
    let waf: Value = serde_yaml::from_str(&text).expect("parse infra/waf.yaml");
    let rules = |t: &Value| format!("{:?}", path(t, &["Resources", "ApiWebAcl", "Properties", "Rules"]).expect("ApiWebAcl rules"));
    assert_eq!(rules(&waf).replace("ApiRateLimit", "WafApiRateLimit"), rules(&load_template()));
    assert_eq!(path(&waf, &["Resources", "ApiWebAcl", "Properties", "Scope"]).and_then(Value::as_str), Some("CLOUDFRONT"));
    assert!(path(&waf, &["Outputs", "WebAclArn"]).is_some());
}

// ---- the optional CI deploy role ------------------------------------------------------------

/// What `myblog deploy --stack` needs, and all the deploy role may do.
const DEPLOY_ACTIONS: &[&str] = &[
    "cloudformation:DescribeStacks",
    "s3:ListBucket",
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "cloudfront:CreateInvalidation",
    "cloudfront:GetInvalidation",
    "cloudfront:ListInvalidations",
];

/// The deploy role exists only when a repository is named; only GitHub's OIDC tokens for that
/// repository and branch (exact match, audience sts.amazonaws.com) may assume it; it may only
/// do what a deploy does, on this stack's bucket, distribution and stack; its ARN is an output.
fn check_deploy_role(t: &Value) -> Vec<String> {
    let mut errs = vec![];
    if path(t, &["Parameters", "GitHubRepository", "Default"]).and_then(Value::as_str) != Some("") {
        errs.push("parameter GitHubRepository must exist and default to empty (no role unless asked)".into());
    }
    let Some(role) = path(t, &["Resources", "DeployRole"]) else {
        return vec!["resource DeployRole missing".into()];
    };
    if get(role, "Condition").and_then(Value::as_str) != Some("CreateDeployRole") {
        errs.push("DeployRole must have Condition CreateDeployRole".into());
    }
    let cond = path(t, &["Conditions", "CreateDeployRole"]);
    let cond_text = format!("{cond:?}");
    if cond.is_none() || !cond_text.contains("GitHubRepository") {
        errs.push("condition CreateDeployRole must test GitHubRepository".into());
    }
    // Besides its inline statements, only the stack's announce policy (checked by check_iam).
    let managed: Vec<Option<&str>> = one_or_many(get(props(role), "ManagedPolicyArns")).into_iter().map(ref_name).collect();
    if managed.iter().any(|m| *m != Some("DeployAnnouncePolicy")) {
        errs.push(format!("DeployRole: managed policies {managed:?}: only DeployAnnouncePolicy"));
    }
    // Trust: one statement, web identity only, exact repository and branch.
    let trust = one_or_many(path(props(role), &["AssumeRolePolicyDocument", "Statement"]));
    if trust.len() != 1 {
        errs.push(format!("DeployRole: {} trust statements, expected 1", trust.len()));
    }
    for st in trust {
        if one_or_many(get(st, "Action")).iter().map(|a| a.as_str()).collect::<Vec<_>>() != [Some("sts:AssumeRoleWithWebIdentity")] {
            errs.push("DeployRole: trust must allow only sts:AssumeRoleWithWebIdentity".into());
        }
        let federated = path(st, &["Principal", "Federated"]);
        if federated.is_none() || path(st, &["Principal", "AWS"]).is_some() || path(st, &["Principal", "Service"]).is_some() {
            errs.push("DeployRole: the only principal must be the GitHub OIDC provider".into());
        }
        let conditions = get(st, "Condition").and_then(Value::as_mapping).cloned().unwrap_or_default();
        for (op, _) in &conditions {
            if op.as_str() != Some("StringEquals") {
                errs.push(format!("DeployRole: trust condition {op:?}: only exact matches (StringEquals) may name who deploys"));
            }
        }
        let eq = |k: &str| conditions.get("StringEquals").and_then(|m| get(m, k)).cloned();
        if eq("token.actions.githubusercontent.com:aud").as_ref().and_then(Value::as_str) != Some("sts.amazonaws.com") {
            errs.push("DeployRole: trust must require audience sts.amazonaws.com".into());
        }
        let sub = eq("token.actions.githubusercontent.com:sub");
        let sub_text = sub.as_ref().and_then(|v| v.as_str().or_else(|| sub_format(v))).unwrap_or_default();
        if !sub_text.starts_with("repo:${GitHubRepository}:") || sub_text.contains('*') {
            errs.push(format!("DeployRole: trust must name the repository exactly in the sub claim, not {sub_text:?}"));
        }
    }
    // Permissions: only deploy actions, only on this stack's resources.
    let statements: Vec<&Value> = one_or_many(get(props(role), "Policies"))
        .into_iter()
        .filter_map(|p| get(p, "PolicyDocument"))
        .flat_map(|d| one_or_many(get(d, "Statement")))
        .collect();
    for st in statements {
        if get(st, "Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let actions: Vec<&str> = one_or_many(get(st, "Action")).iter().filter_map(|a| a.as_str()).collect();
        for r in one_or_many(get(st, "Resource")) {
            let text = r.as_str().or_else(|| sub_format(r)).map(str::to_string);
            let names_own = getatt(r).is_some_and(|(res, _)| res == "SiteBucket")
                || ref_name(r) == Some("AWS::StackId")
                || text.as_deref().is_some_and(|f| f.contains("${SiteBucket.Arn}") || f.ends_with(":distribution/${Distribution}"));
            if !names_own {
                errs.push(format!("DeployRole: {actions:?} on {r:?}, not this stack's bucket, distribution or stack"));
            }
        }
        for a in actions {
            if !DEPLOY_ACTIONS.contains(&a) {
                errs.push(format!("DeployRole: action {a} is more than a deploy needs"));
            }
        }
    }
    let output = path(t, &["Outputs", "DeployRoleArn"]);
    if output.and_then(|o| get(o, "Condition")).and_then(Value::as_str) != Some("CreateDeployRole")
        || output.and_then(|o| get(o, "Value")).and_then(getatt) != Some(("DeployRole".into(), "Arn".into()))
    {
        errs.push("output DeployRoleArn must be !GetAtt DeployRole.Arn under Condition CreateDeployRole".into());
    }
    errs
}

#[test]
fn the_deploy_role_is_optional_and_least_privilege() {
    let errs = check_deploy_role(&load_template());
    assert!(errs.is_empty(), "infra/template.yaml:\n  {}", errs.join("\n  "));
}

#[test]
fn a_broader_deploy_role_is_caught() {
    let trust = &["Resources", "DeployRole", "Properties", "AssumeRolePolicyDocument", "Statement"];
    // Any branch or any repository of the owner.
    let errs = weakened(
        |t| {
            let st = &mut at(t, trust)[0];
            *at(st, &["Condition"]) = yaml(r#"{StringLike: {"token.actions.githubusercontent.com:sub": "repo:me/*"}}"#);
        },
        check_deploy_role,
    );
    assert!(errs.iter().any(|e| e.contains("StringEquals")) && errs.iter().any(|e| e.contains("audience")), "{errs:?}");
    // One more action.
    let errs = weakened(
        |t| {
            let st = &mut at(t, &["Resources", "DeployRole", "Properties", "Policies"])[0];
            let Value::Sequence(seq) = at(st, &["PolicyDocument", "Statement"]) else { panic!() };
            seq.push(yaml("{Effect: Allow, Action: s3:PutBucketPolicy, Resource: !GetAtt SiteBucket.Arn}"));
        },
        check_deploy_role,
    );
    assert!(errs.iter().any(|e| e.contains("s3:PutBucketPolicy")), "{errs:?}");
    // Another bucket.
    let errs = weakened(
        |t| {
            let st = &mut at(t, &["Resources", "DeployRole", "Properties", "Policies"])[0];
            let Value::Sequence(seq) = at(st, &["PolicyDocument", "Statement"]) else { panic!() };
            seq.push(yaml("{Effect: Allow, Action: s3:GetObject, Resource: \"arn:aws:s3:::*/*\"}"));
        },
        check_deploy_role,
    );
    assert!(errs.iter().any(|e| e.contains("not this stack's bucket")), "{errs:?}");
    // Always created.
    let errs = weakened(
        |t| {
            let Value::Mapping(m) = at(t, &["Resources", "DeployRole"]) else { panic!() };
            m.remove("Condition");
        },
        check_deploy_role,
    );
    assert!(errs.iter().any(|e| e.contains("Condition CreateDeployRole")), "{errs:?}");
}

#[test]
fn an_asynchronously_invoked_function_without_a_watched_failure_queue_is_caught() {
    let errs = weakened(
        |t| {
            let Value::Mapping(props) = at(t, &["Resources", "SubscribeFeedbackFunction", "Properties"]) else { panic!("properties") };
            props.remove("EventInvokeConfig");
        },
        check_async_failures,
    );
    assert!(errs.iter().any(|e| e.contains("SubscribeFeedbackFunction") && e.contains("OnFailure")), "{errs:?}");
    let errs = weakened(
        |t| {
            let Value::Mapping(resources) = at(t, &["Resources"]) else { panic!("resources") };
            resources.remove("FeedbackFailureQueueMessagesAlarm");
        },
        check_async_failures,
    );
    assert!(errs.iter().any(|e| e.contains("FeedbackFailureQueue") && e.contains("alarm")), "{errs:?}");
}
