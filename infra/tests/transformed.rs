//! Checks the template after the real SAM transform (what CloudFormation actually receives),
//! because SAM adds resources and permissions of its own: the functions' roles, the S3
//! notification, Lambda permissions. Uses aws-sam-translator from the test venv (it comes with
//! aws-sam-cli); a missing tool fails the test.

use std::process::Command;

use serde_json::Value;

fn transformed() -> Value {
    let python = test_support::venv_bin("python");
    let root = myblog_infra::workspace_root();
    let out = Command::new(&python)
        .arg(root.join("infra/tests/sam_transform.py"))
        .arg(root.join("infra/template.yaml"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(out.status.success(), "the SAM transform failed (is aws-sam-cli in the test venv?):\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("transform output is JSON")
}

fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    t["Resources"].as_object().expect("Resources").iter().filter(|(_, r)| r["Type"] == ty).collect()
}

fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => vec![],
        other => vec![other],
    }
}

#[test]
fn sam_adds_no_broad_permissions_and_the_expected_wiring() {
    let t = transformed();

    // The functions' roles, each with the basic logging policy and inline statements;
    // besides them only the optional CI deploy role (inline statements and the stack's announce
    // policy, see template.rs).
    let (deploy_roles, roles): (Vec<_>, Vec<_>) = of_type(&t, "AWS::IAM::Role").into_iter().partition(|(id, _)| *id == "DeployRole");
    assert_eq!(deploy_roles.len(), 1, "the deploy role");
    for (id, role) in &deploy_roles {
        // Only the stack's own announce policy (its statements are checked with the template).
        let managed = list(&role["Properties"]["ManagedPolicyArns"]).into_iter().cloned().collect::<Vec<_>>();
        assert_eq!(managed, [serde_json::json!({"Ref": "DeployAnnouncePolicy"})], "{id}: managed policies");
        assert_eq!(role["Condition"], "CreateDeployRole", "{id}");
        for policy in list(&role["Properties"]["Policies"]) {
            for st in list(&policy["PolicyDocument"]["Statement"]) {
                for r in list(&st["Resource"]) {
                    assert_ne!(r, "*", "{id}: a statement on Resource \"*\": {st}");
                }
                for a in list(&st["Action"]) {
                    assert!(!a.as_str().unwrap_or("*").contains('*'), "{id}: wildcard action in {st}");
                }
            }
        }
    }
    let mut role_ids: Vec<&str> = roles.iter().map(|(id, _)| id.as_str()).collect();
    role_ids.sort_unstable();
    assert_eq!(
        role_ids,
        [
            "SubscribeFeedbackFunctionRole",
            "SubscribeHttpFunctionRole",
            "SubscribeSenderFunctionRole",
            "SubscribeStreamFunctionRole",
            "ThumbnailFunctionRole"
        ]
    );
    for (id, role) in &roles {
        let managed: Vec<String> = list(&role["Properties"]["ManagedPolicyArns"]).iter().map(|v| v.to_string()).collect();
        assert_eq!(managed.len(), 1, "{id}: {managed:?}");
        assert!(managed[0].ends_with(":policy/service-role/AWSLambdaBasicExecutionRole\""), "{id}: {managed:?}");
        for policy in list(&role["Properties"]["Policies"]) {
            for st in list(&policy["PolicyDocument"]["Statement"]) {
                // ses:GetAccount (the send quota) has no resource-level form: "*" alone is allowed for it.
                if st["Action"] == "ses:GetAccount" {
                    continue;
                }
                for r in list(&st["Resource"]) {
                    assert_ne!(r, "*", "{id}: a statement on Resource \"*\": {st}");
                }
                for a in list(&st["Action"]) {
                    assert!(!a.as_str().unwrap_or("*").contains('*'), "{id}: wildcard action in {st}");
                }
            }
        }
    }
    assert!(of_type(&t, "AWS::IAM::Policy").is_empty());
    // The one managed policy is ours, for the deployer (checked by template.rs).
    let managed: Vec<&str> = of_type(&t, "AWS::IAM::ManagedPolicy").iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(managed, ["DeployAnnouncePolicy"]);

    // Every function: arm64, provided.al2023, its own role.
    let functions = of_type(&t, "AWS::Lambda::Function");
    assert_eq!(functions.len(), 5);
    for (id, f) in &functions {
        let p = &f["Properties"];
        assert_eq!(p["Runtime"], "provided.al2023", "{id}");
        assert_eq!(p["Architectures"], serde_json::json!(["arm64"]), "{id}");
        assert_eq!(p["Handler"], "bootstrap", "{id}");
        assert_eq!(p["Role"]["Fn::GetAtt"][0], format!("{id}Role"), "{id}");
    }

    // The bucket notifies exactly the thumbnail function, for media/ only.
    let notification = &t["Resources"]["SiteBucket"]["Properties"]["NotificationConfiguration"];
    let configs = notification.as_object().expect("SiteBucket has a NotificationConfiguration");
    assert_eq!(configs.keys().collect::<Vec<_>>(), ["LambdaConfigurations"], "{notification}");
    let lambda = list(&notification["LambdaConfigurations"]);
    assert_eq!(lambda.len(), 1, "{notification}");
    assert_eq!(lambda[0]["Event"], "s3:ObjectCreated:*");
    assert_eq!(lambda[0]["Function"]["Fn::GetAtt"][0], "ThumbnailFunction");
    assert_eq!(lambda[0]["Filter"]["S3Key"]["Rules"], serde_json::json!([{"Name": "prefix", "Value": "media/"}]));

    // Every invoke permission is tied to this account or this API.
    let permissions = of_type(&t, "AWS::Lambda::Permission");
    assert_eq!(permissions.len(), 3, "one for S3, one for the HTTP API, one for the SES feedback topic");
    for (id, perm) in &permissions {
        let p = &perm["Properties"];
        match p["Principal"].as_str() {
            Some("s3.amazonaws.com") => assert_eq!(p["SourceAccount"], serde_json::json!({"Ref": "AWS::AccountId"}), "{id}"),
            Some("apigateway.amazonaws.com") => {
                assert!(p["SourceArn"]["Fn::Sub"].is_string(), "{id}")
            }
            Some("sns.amazonaws.com") => assert_eq!(p["SourceArn"], serde_json::json!({"Ref": "FeedbackTopic"}), "{id}"),
            other => panic!("{id}: unexpected principal {other:?}"),
        }
    }

    // SAM added no event source mapping (and so no managed stream policy) besides ours.
    let mut mappings: Vec<&str> = of_type(&t, "AWS::Lambda::EventSourceMapping").iter().map(|(id, _)| id.as_str()).collect();
    mappings.sort_unstable();
    assert_eq!(mappings, ["AnnouncementsStreamMapping", "SubscribeSenderMapping", "SubscribeStreamMapping"]);
}
