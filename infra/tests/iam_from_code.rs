//! Each function's role grants exactly the AWS actions its code calls (moto enforces no IAM, so
//! no other test would see a missing grant; issue 26, item 1).
//!
//! How the calls are found, without compiling: every `fn` of the function's crate (and of the
//! library crates it runs, listed in `FUNCTIONS`) is cut out of its source file with its body;
//! an SDK call is an operation of the table below (`.get_item(`…) in a body that also calls
//! `.send()`; from the binary's `main` the functions it calls are followed by name (a name
//! shared by two functions follows both: the derived set can only be larger than the truth,
//! so a missing grant is never hidden). Tests (`#[cfg(test)]` onwards) are not code that runs.
//! An operation the table does not know fails the test: add it with its IAM action.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_yaml::Value;

/// SDK operation (snake case) → IAM action.
const OPERATIONS: &[(&str, &str)] = &[
    ("get_item", "dynamodb:GetItem"),
    ("put_item", "dynamodb:PutItem"),
    ("update_item", "dynamodb:UpdateItem"),
    ("delete_item", "dynamodb:DeleteItem"),
    ("query", "dynamodb:Query"),
    ("scan", "dynamodb:Scan"),
    ("batch_write_item", "dynamodb:BatchWriteItem"),
    ("batch_get_item", "dynamodb:BatchGetItem"),
    ("send_email", "ses:SendEmail"),
    ("get_account", "ses:GetAccount"),
    ("send_message", "sqs:SendMessage"),
    ("send_message_batch", "sqs:SendMessage"),
    ("delete_message", "sqs:DeleteMessage"),
    ("change_message_visibility", "sqs:ChangeMessageVisibility"),
    ("get_object", "s3:GetObject"),
    ("head_object", "s3:GetObject"),
    ("put_object", "s3:PutObject"),
    ("delete_object", "s3:DeleteObject"),
    ("list_objects_v2", "s3:ListBucket"),
    ("delete_objects", "s3:DeleteObject"),
    ("create_multipart_upload", "s3:PutObject"),
    ("upload_part", "s3:PutObject"),
    ("complete_multipart_upload", "s3:PutObject"),
    ("abort_multipart_upload", "s3:AbortMultipartUpload"),
    ("put_metric_data", "cloudwatch:PutMetricData"),
    ("describe_stacks", "cloudformation:DescribeStacks"),
    ("get_distribution", "cloudfront:GetDistribution"),
    ("create_invalidation", "cloudfront:CreateInvalidation"),
    ("get_invalidation", "cloudfront:GetInvalidation"),
    ("list_invalidations", "cloudfront:ListInvalidations"),
];

/// Actions AWS itself performs with the role, never the code: reading the stream or queue of an
/// event source mapping, and sending failed events to the DLQ / on-failure destination.
const SERVICE_ACTIONS: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:SendMessage",
];

/// Calls the by-name scan finds that the function never makes, each with the reason. Keep short.
const NAME_CLASHES: &[(&str, &str, &str)] = &[(
    "SubscribeFeedbackFunction",
    "dynamodb:GetItem",
    "feedback.rs reads the SNS event with serde_json's `Value::get`, which the scan takes for `Store::get`",
)];

/// Template function → (binary's main, source folders of the code it runs).
const FUNCTIONS: &[(&str, &str, &[&str])] = &[
    ("SubscribeHttpFunction", "subscribe-fn/src/bin/subscribe-http.rs", &["subscribe-fn/src"]),
    ("SubscribeStreamFunction", "subscribe-fn/src/bin/subscribe-stream.rs", &["subscribe-fn/src"]),
    ("SubscribeSenderFunction", "subscribe-fn/src/bin/subscribe-sender.rs", &["subscribe-fn/src"]),
    ("SubscribeFeedbackFunction", "subscribe-fn/src/bin/subscribe-feedback.rs", &["subscribe-fn/src"]),
    ("ThumbnailFunction", "thumbnail-fn/src/main.rs", &["thumbnail-fn/src", "crates/thumbnail/src"]),
];

/// The CI deploy role runs `myblog deploy --stack`: the code reachable from the deploy
/// command's entry point (file, fn), and the policies the role has (inline and managed).
const DEPLOY: (&str, &str, &[&str]) = ("crates/deploy/src/deploy/mod.rs", "run_cli", &["crates/deploy/src"]);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// One `fn` of the source: where it is, the functions it calls, the SDK operations it calls.
struct Func {
    at: String,
    file: String,
    calls: BTreeSet<Call>,
    ops: Vec<(String, String)>,
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out)
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p)
        }
    }
}

/// The code of a file without comments and without its tests.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap();
    strip_comments(text)
}

/// `text` without its `//` comments; a `//` inside a string literal (`"s3://…"`) is code.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped, mut in_comment) = (false, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
                out.push(c);
            }
            continue;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' && !out.ends_with('\'') {
            in_string = true;
        } else if c == '/' && chars.peek() == Some(&'/') {
            in_comment = true;
            continue;
        }
        out.push(c);
    }
    out
}

/// A call in a body: `qualifier::name(`, `.name(` (a method) or `name(`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Call {
    qualifier: Option<String>,
    method: bool,
    name: String,
}

fn calls_in(body: &str) -> BTreeSet<Call> {
    let mut out = BTreeSet::new();
    let b = body.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    for (i, _) in body.match_indices('(') {
        let mut s = i;
        while s > 0 && ident(b[s - 1]) {
            s -= 1;
        }
        if s == i {
            continue;
        }
        let name = body[s..i].to_string();
        // The SDK's own `.send()` is not a call into this code.
        if name == "send" && body[i..].starts_with("()") {
            continue;
        }
        let (method, qualifier) = if s > 0 && b[s - 1] == b'.' {
            (true, None)
        } else if s > 1 && &body[s - 2..s] == "::" {
            let mut q = s - 2;
            while q > 0 && ident(b[q - 1]) {
                q -= 1;
            }
            (false, Some(body[q..s - 2].to_string()))
        } else {
            (false, None)
        };
        out.insert(Call { qualifier, method, name });
    }
    out
}

/// Every `fn NAME … { body }` of a file, bodies cut by brace matching.
fn functions_of(path: &Path, rel: &str, funcs: &mut HashMap<String, Vec<Func>>) {
    let code = code_of(path);
    let known: HashMap<&str, &str> = OPERATIONS.iter().copied().collect();
    let mut rest = 0;
    while let Some(found) = code[rest..].find("fn ") {
        let start = rest + found;
        rest = start + 3;
        if start > 0 && (code.as_bytes()[start - 1].is_ascii_alphanumeric() || code.as_bytes()[start - 1] == b'_') {
            continue;
        }
        let name: String = code[start + 3..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let Some(open) = code[start..].find(['{', ';']).map(|o| start + o) else { break };
        if code.as_bytes()[open] == b';' {
            continue;
        }
        let mut depth = 0;
        let mut end = open;
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let body = &code[open..=end];
        let line = code[..start].lines().count() + 1;
        let at = format!("{rel}:{line}");
        let calls = calls_in(body);
        let ops = if body.contains(".send()") {
            calls.iter().filter(|c| c.method).filter_map(|c| known.get(c.name.as_str()).map(|a| (c.name.clone(), a.to_string()))).collect()
        } else {
            Vec::new()
        };
        funcs.entry(name).or_default().push(Func { at, file: rel.to_string(), calls, ops });
        // Nested fns are found by the next search from inside this body.
    }
}

/// Action → where the code calls it, for everything reachable from the binary's `main`.
fn called_actions(main: &str, dirs: &[&str]) -> BTreeMap<String, String> {
    called_actions_from(main, "main", dirs)
}

/// Action → where the code calls it, for everything reachable from `entry` in `file`.
fn called_actions_from(main: &str, entry: &str, dirs: &[&str]) -> BTreeMap<String, String> {
    let root = root();
    let mut funcs = HashMap::new();
    let mut files = Vec::new();
    for d in dirs {
        rs_files(&root.join(d), &mut files);
    }
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        if f.components().any(|c| c.as_os_str() == "bin") && !rel.ends_with(main.rsplit('/').next().unwrap()) {
            continue;
        }
        functions_of(f, &rel, &mut funcs);
    }
    let mut out = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let main_rel = main.to_string();
    assert!(root.join(main).exists(), "{main} is gone: update FUNCTIONS in {}", file!());
    let mut todo: Vec<(String, String)> = vec![(main_rel, entry.to_string())];
    while let Some((file, name)) = todo.pop() {
        if !seen.insert((file.clone(), name.clone())) {
            continue;
        }
        for f in funcs.get(&name).into_iter().flatten().filter(|f| f.file == file) {
            for (op, action) in &f.ops {
                out.entry(action.clone()).or_insert_with(|| format!("{} (`{op}` in `{name}`)", f.at));
            }
            for c in &f.calls {
                for target in resolve(&funcs, &f.file, c) {
                    todo.push((target, c.name.clone()));
                }
            }
        }
    }
    out
}

/// The files whose `fn` a call may reach: `module::f(` the module's file; `f(` this file's own
/// `f` if it has one; else (methods, `Type::f(`, imported names) every `f` of the crate.
fn resolve(funcs: &HashMap<String, Vec<Func>>, from: &str, c: &Call) -> Vec<String> {
    let Some(cands) = funcs.get(&c.name) else { return Vec::new() };
    let module_file = |f: &Func, m: &str| {
        let p = Path::new(&f.file);
        p.file_stem().is_some_and(|s| s == m)
            || (p.file_stem().is_some_and(|s| s == "mod") && p.parent().and_then(|d| d.file_name()).is_some_and(|d| d == m))
    };
    let pick: Vec<&Func> = match &c.qualifier {
        Some(q) if cands.iter().any(|f| module_file(f, q)) => cands.iter().filter(|f| module_file(f, q)).collect(),
        Some(q) if q == "Self" || q == "self" => cands.iter().filter(|f| f.file == from).collect(),
        None if !c.method && cands.iter().any(|f| f.file == from) => cands.iter().filter(|f| f.file == from).collect(),
        _ => cands.iter().collect(),
    };
    pick.iter().map(|f| f.file.clone()).collect()
}

/// Every action a function's role grants (its `Policies` statements).
fn granted_actions(function: &Value) -> BTreeSet<String> {
    let policies = function["Properties"]["Policies"].as_sequence().cloned().unwrap_or_default();
    actions_of(policies.iter().flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default()))
}

/// Every action the deploy role grants: its inline policies and the managed policies it names.
fn deploy_role_actions(t: &Value) -> BTreeSet<String> {
    let role = &t["Resources"]["DeployRole"]["Properties"];
    let mut statements = vec![];
    for p in role["Policies"].as_sequence().cloned().unwrap_or_default() {
        statements.extend(p["PolicyDocument"]["Statement"].as_sequence().cloned().unwrap_or_default());
    }
    for m in role["ManagedPolicyArns"].as_sequence().cloned().unwrap_or_default() {
        let Value::Tagged(tag) = &m else { panic!("DeployRole: a managed policy that is not a !Ref: {m:?}") };
        let name = tag.value.as_str().expect("!Ref names a resource");
        statements.extend(t["Resources"][name]["Properties"]["PolicyDocument"]["Statement"].as_sequence().cloned().unwrap_or_default());
    }
    assert!(!statements.is_empty(), "DeployRole has no statements: the test reads the wrong place");
    actions_of(statements.into_iter())
}

fn actions_of(statements: impl Iterator<Item = Value>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    {
        for st in statements {
            assert_eq!(st["Effect"].as_str(), Some("Allow"), "only Allow statements are expected: {st:?}");
            match &st["Action"] {
                Value::String(a) => {
                    out.insert(a.clone());
                }
                Value::Sequence(v) => out.extend(v.iter().filter_map(|a| a.as_str().map(str::to_string))),
                other => panic!("unexpected Action {other:?}"),
            }
        }
    }
    out
}

#[test]
fn every_function_role_grants_what_its_code_calls_and_nothing_else() {
    let text = std::fs::read_to_string(root().join("infra/template.yaml")).unwrap();
    let t: Value = serde_yaml::from_str(&text).unwrap();
    let mut problems = Vec::new();
    let mut table = Vec::new();
    for (id, main, dirs) in FUNCTIONS {
        let function = &t["Resources"][*id];
        assert!(function.is_mapping(), "{id} is not in infra/template.yaml: update FUNCTIONS");
        let called = called_actions(main, dirs);
        let granted = granted_actions(function);
        assert!(!called.is_empty(), "{id}: no SDK call found from {main}: the scan is broken");
        for (action, at) in &called {
            if !granted.contains(action) && !NAME_CLASHES.iter().any(|(f, a, _)| f == id && a == action) {
                problems.push(format!("{id}: the code calls {action} at {at}, the role does not grant it"));
            }
        }
        for action in &granted {
            if !called.contains_key(action) && !SERVICE_ACTIONS.contains(&action.as_str()) {
                problems.push(format!("{id}: the role grants {action}, which its code never calls: remove it"));
            }
        }
        table.push(format!("{id}: {}", called.keys().cloned().collect::<Vec<_>>().join(", ")));
    }
    // The CI deploy role: what `myblog deploy` calls (its own AWS side; no service actions).
    let (file, entry, dirs) = DEPLOY;
    let called = called_actions_from(file, entry, dirs);
    let granted = deploy_role_actions(&t);
    assert!(called.len() >= 5, "deploy: only {called:?} found from {entry}: the scan is broken");
    for (action, at) in &called {
        if !granted.contains(action) {
            problems.push(format!("DeployRole: the code calls {action} at {at}, the role does not grant it"));
        }
    }
    for action in &granted {
        if !called.contains_key(action) {
            problems.push(format!("DeployRole: the role grants {action}, which `myblog deploy` never calls: remove it"));
        }
    }
    table.push(format!("DeployRole: {}", called.keys().cloned().collect::<Vec<_>>().join(", ")));
    eprintln!("derived actions:\n  {}", table.join("\n  "));
    assert!(problems.is_empty(), "IAM does not match the code:\n  {}", problems.join("\n  "));
}

/// The scan itself: a call added to a handler is found, so the test above can fail.
#[test]
fn the_scan_finds_a_call_and_follows_callees() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("bin")).unwrap();
    std::fs::write(src.join("bin/main.rs"), "fn main() { lib::handle(); }\n").unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "pub fn handle() { helper() }\nfn helper() { client.get_item().key(k).send().await; }\nfn unused() { c.put_item().send(); }\n#[cfg(test)]\nfn t() { c.scan().send(); }\n",
    )
    .unwrap();
    let mut funcs = HashMap::new();
    for f in ["bin/main.rs", "lib.rs"] {
        functions_of(&src.join(f), f, &mut funcs);
    }
    assert_eq!(funcs["helper"][0].ops, vec![("get_item".to_string(), "dynamodb:GetItem".to_string())]);
    assert!(funcs["main"][0].calls.iter().any(|c| c.name == "handle" && c.qualifier.as_deref() == Some("lib")));
    assert!(!funcs.contains_key("t"), "tests are not scanned");
    let code = strip_comments("let u = format!(\"s3://{b}\"); // a comment { \nc.get_object().send(); let q = '\"'; // x\n");
    assert_eq!(code, "let u = format!(\"s3://{b}\"); \nc.get_object().send(); let q = '\"'; \n", "a // in a string is code");
}

/// The subscribers table's indexes subscribe-fn's code queries: the `*_INDEX` constants of
/// store.rs (name → index) that the code outside their definitions uses.
fn queried_indexes() -> BTreeMap<String, String> {
    let root = root();
    let store = code_of(&root.join("subscribe-fn/src/store.rs"));
    let mut consts = BTreeMap::new();
    for line in store.lines() {
        let Some(rest) = line.trim().strip_prefix("pub const ") else { continue };
        let Some((name, value)) = rest.split_once(": &str = ") else { continue };
        if name.ends_with("_INDEX") {
            consts.insert(name.to_string(), value.trim_end_matches(';').trim_matches('"').to_string());
        }
    }
    assert!(consts.len() >= 2, "no *_INDEX constants found in subscribe-fn/src/store.rs: the scan is broken ({consts:?})");
    let mut files = Vec::new();
    rs_files(&root.join("subscribe-fn/src"), &mut files);
    let code: String = files.iter().map(|f| code_of(f)).collect::<Vec<_>>().join("\n");
    consts
        .into_iter()
        .filter(|(name, _)| code.matches(name.as_str()).count() > code.matches(&format!("pub const {name}")).count())
        .collect()
}

/// The resources of a function's statements that grant `action`, as `!Sub` formats or strings.
fn resources_granting(function: &Value, action: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in function["Properties"]["Policies"].as_sequence().cloned().unwrap_or_default() {
        for st in p["Statement"].as_sequence().cloned().unwrap_or_default() {
            let grants = match &st["Action"] {
                Value::String(a) => a == action,
                Value::Sequence(v) => v.iter().any(|a| a.as_str() == Some(action)),
                _ => false,
            };
            if !grants {
                continue;
            }
            let resources = match &st["Resource"] {
                Value::Sequence(v) => v.clone(),
                other => vec![other.clone()],
            };
            for r in resources {
                match &r {
                    Value::String(s) => out.push(s.clone()),
                    Value::Tagged(t) if t.tag == "Sub" => out.push(t.value.as_str().unwrap_or_default().to_string()),
                    other => out.push(format!("{other:?}")),
                }
            }
        }
    }
    out
}

/// A Query on an index is authorised on the index's ARN (`<table>/index/<name>`), not the
/// table's: every index the code queries must be in the template and in the grant of each
/// function whose code calls Query.
#[test]
fn every_index_the_code_queries_exists_and_is_granted() {
    let text = std::fs::read_to_string(root().join("infra/template.yaml")).unwrap();
    let t: Value = serde_yaml::from_str(&text).unwrap();
    let indexes = queried_indexes();
    assert!(indexes.values().any(|i| i == "status-lang-index"), "the fan-out by language queries status-lang-index: {indexes:?}");
    let declared: BTreeSet<String> = t["Resources"]["Subscribers"]["Properties"]["GlobalSecondaryIndexes"]
        .as_sequence()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|g| g["IndexName"].as_str().map(str::to_string))
        .collect();
    let mut problems = Vec::new();
    for index in indexes.values() {
        if !declared.contains(index) {
            problems.push(format!("Subscribers: the code queries {index}, the table has no such index ({declared:?})"));
        }
    }
    let mut checked = 0;
    for (id, main, dirs) in FUNCTIONS {
        if !called_actions(main, dirs).contains_key("dynamodb:Query") {
            continue;
        }
        checked += 1;
        let resources = resources_granting(&t["Resources"][*id], "dynamodb:Query");
        for index in indexes.values() {
            let covered =
                resources.iter().any(|r| r == "${Subscribers.Arn}/index/*" || *r == format!("${{Subscribers.Arn}}/index/{index}"));
            if !covered {
                problems.push(format!("{id}: its code queries {index}, its dynamodb:Query grant covers only {resources:?}"));
            }
        }
    }
    assert!(checked >= 1, "no function calls dynamodb:Query: the scan is broken");
    assert!(problems.is_empty(), "index grants do not match the code:\n  {}", problems.join("\n  "));
}
