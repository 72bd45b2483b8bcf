//! Proves the shared support really starts moto and that the real S3 client talks to it.

#[tokio::test]
async fn moto_starts_and_s3_client_creates_a_bucket() {
    let moto = test_support::Moto::start();
    let s3 = moto.s3().await;
    s3.create_bucket().bucket("support-check").send().await.expect("create bucket on moto");
    let listed = s3.list_buckets().send().await.expect("list buckets");
    let names: Vec<_> = listed.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["support-check"]);
    moto.reset();
    let listed = s3.list_buckets().send().await.expect("list buckets after reset");
    assert!(listed.buckets().is_empty(), "reset must clear S3");
    assert!(moto.sent_emails().is_empty());
}
