//! A multilingual site's subscriptions against moto: the form's `lang` is stored on the item,
//! the confirmation and welcome emails come in that language (English when it has no
//! templates, or when the form named no language of the site), and a new post is emailed only
//! to its language's subscribers, in their language.

mod common;
mod news_support;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use news_support::*;

/// `it` has no email templates of its own: its subscribers get the English ones.
const LANGUAGES: &str = "en,fr,de,es,ar,it";

/// A header as a reader sees it: RFC 2047 encoded words decoded (the space between two of
/// them is part of the folding, not of the text).
fn decoded(header: &str) -> String {
    let mut out = String::new();
    let mut last_encoded = false;
    for (i, word) in header.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if let Some(b64) = word.strip_prefix("=?UTF-8?B?").and_then(|w| w.strip_suffix("?=")) {
            if i > 0 && !last_encoded {
                out.push(' ');
            }
            out.push_str(&String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap());
            last_encoded = true;
        } else {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
            last_encoded = false;
        }
    }
    out
}

fn subscribe_form(email: &str, lang: &str) -> lambda_http::Request {
    request(
        "POST",
        "/api/subscribe",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "text/html"),
            ("origin", SITE),
            ("sec-fetch-site", "same-origin"),
        ],
        format!("email={}&lang={lang}", email.replace('@', "%40")),
    )
}

fn subscribe_json_in(email: &str, lang: serde_json::Value) -> lambda_http::Request {
    request(
        "POST",
        "/api/subscribe",
        &[("content-type", "application/json"), ("accept", "application/json")],
        serde_json::json!({ "email": email, "lang": lang }).to_string(),
    )
}

async fn lang_of(env: &Env, email: &str) -> Option<String> {
    env.item(email).await.and_then(|i| i.get("lang").and_then(|v| v.as_s().ok()).cloned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_language_is_stored_and_the_emails_speak_it() {
    let mut env = env_with("langs", true, &[("SITE_LANGUAGES", LANGUAGES)]).await;
    let cases = [
        (subscribe_json_in("amal@example.com", "ar".into()), "amal@example.com", "ar"),
        (subscribe_form("france@example.com", "fr"), "france@example.com", "fr"),
        (subscribe_json_in("dora@example.com", "DE".into()), "dora@example.com", "de"),
        (subscribe_form("elena@example.com", "es"), "elena@example.com", "es"),
        (subscribe_form("italo@example.com", "it"), "italo@example.com", "it"),
        // Not a language of the site, not a string, none: the default language.
        (subscribe_json_in("xavier@example.com", "xx".into()), "xavier@example.com", "en"),
        (subscribe_json_in("nemo@example.com", 7.into()), "nemo@example.com", "en"),
        (subscribe_json("plain@example.com"), "plain@example.com", "en"),
    ];
    for (req, email, want) in cases {
        let resp = env.http(req).await;
        assert!(resp.status() == 202 || resp.status() == 303, "{email}: {} {}", resp.status(), body_text(&resp));
        assert_eq!(lang_of(&env, email).await.as_deref(), Some(want), "{email}");
    }
    assert_eq!(env.pump().await, Vec::<String>::new());

    let confirmation = |email: &str| {
        let mails = mails_to(email);
        assert_eq!(mails.len(), 1, "{email}: one confirmation");
        mails[0].clone()
    };
    let ar = confirmation("amal@example.com");
    assert_eq!(decoded(ar.header("Subject").unwrap()), "يرجى تأكيد اشتراكك في Field Notes");
    assert!(ar.html.contains("<html lang=\"ar\" dir=\"rtl\">") && ar.html.contains("<div dir=\"rtl\""), "{}", ar.html);
    assert!(ar.html.contains("نعم، اشترك") && ar.text.contains("48 ساعة"), "{}", ar.text);
    let fr = confirmation("france@example.com");
    assert_eq!(decoded(fr.header("Subject").unwrap()), "Confirmez votre abonnement à Field Notes");
    assert!(fr.html.contains("<html lang=\"fr\" dir=\"ltr\">") && fr.html.contains("Oui, je m’abonne"), "{}", fr.html);
    assert!(fr.text.contains(&format!("{SITE}/fr/")), "the site's French home: {}", fr.text);
    let de = confirmation("dora@example.com");
    assert_eq!(decoded(de.header("Subject").unwrap()), "Bitte bestätigen Sie Ihr Abonnement von Field Notes");
    assert!(de.text.contains("Der Link gilt 48 Stunden"), "{}", de.text);
    let es = confirmation("elena@example.com");
    assert_eq!(decoded(es.header("Subject").unwrap()), "Confirma tu suscripción a Field Notes");
    assert!(es.html.contains("Sí, suscribirme"), "{}", es.html);
    for email in ["italo@example.com", "xavier@example.com", "nemo@example.com", "plain@example.com"] {
        let en = confirmation(email);
        assert_eq!(en.header("Subject"), Some("Please confirm your subscription to Field Notes"), "{email}");
        assert!(en.html.contains("<html lang=\"en\">") && en.html.contains("Yes, subscribe me"), "{email}: {}", en.html);
    }

    // Confirming: the welcome comes in the same language.
    for (email, subject, words) in [
        ("amal@example.com", "أهلًا بك في Field Notes!", "تم اشتراكك!"),
        ("france@example.com", "Bienvenue sur Field Notes !", "C’est fait !"),
        ("italo@example.com", "Welcome to Field Notes!", "You're in!"),
    ] {
        let token = mails_to(email)[0].token_for("/api/confirm");
        assert_eq!(env.http(confirm_post(&token)).await.status(), 303);
        assert_eq!(env.pump().await, Vec::<String>::new());
        let mails = mails_to(email);
        assert_eq!(mails.len(), 2, "{email}: confirmation and welcome");
        assert_eq!(decoded(mails[1].header("Subject").unwrap()), subject);
        assert!(mails[1].text.contains(words), "{email}: {}", mails[1].text);
    }
    let welcome_ar = &mails_to("amal@example.com")[1];
    assert!(welcome_ar.html.contains("dir=\"rtl\"") && welcome_ar.html.contains(&format!("{SITE}/ar/archive/")), "{}", welcome_ar.html);
    // The English fallback links the language's own home, not the default one's.
    assert!(mails_to("italo@example.com")[1].text.contains(&format!("{SITE}/archive/")));
}

/// Writes a confirmed subscriber as the HTTP API and stream leave one; `lang` None is an item
/// from before languages.
async fn confirmed(news: &News, email: &str, lang: Option<&str>) {
    let mut put = news
        .app
        .dynamo
        .put_item()
        .table_name(&news.env.table)
        .item("email", AttributeValue::S(email.into()))
        .item("status", AttributeValue::S("confirmed".into()))
        .item("created_at", AttributeValue::S("2026-11-01T00:00:00Z".into()));
    if let Some(l) = lang {
        put = put.item("lang", AttributeValue::S(l.into()));
    }
    put.send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_goes_only_to_its_languages_subscribers_in_their_words() {
    // One subscriber per page: most pages of a language's fan-out hold nobody of it, and the
    // fan-out still has to go on to the end.
    let mut news = news_env("langfan", &[("SITE_LANGUAGES", "en,fr".into()), ("PAGE_SIZE", "1".into())]).await;
    confirmed(&news, "ann@example.com", Some("en")).await;
    confirmed(&news, "old@example.com", None).await;
    confirmed(&news, "zoe@example.com", Some("en")).await;
    confirmed(&news, "claire@example.com", Some("fr")).await;
    confirmed(&news, "marc@example.com", Some("fr")).await;
    // A language the site no longer has: its subscriber gets the default language's posts.
    confirmed(&news, "gone@example.com", Some("de")).await;
    news.seed(&["pending.fr@example.com".to_string()], "pending").await;

    assert!(news.announce("/posts/english/", "English post").await);
    assert!(news.announce_in("/fr/posts/francais/", "Article en français", Some("fr")).await);
    assert_eq!(news.pump_announcements().await, Vec::<String>::new());
    news.drain(&news.app).await;

    let to = |m: HashMap<String, usize>| {
        let mut v: Vec<(String, usize)> = m.into_iter().collect();
        v.sort();
        v
    };
    assert_eq!(
        to(sent_with_subject("English post")),
        [
            ("ann@example.com".to_string(), 1),
            ("gone@example.com".to_string(), 1),
            ("old@example.com".to_string(), 1),
            ("zoe@example.com".to_string(), 1)
        ],
        "the default language's post: its subscribers and those stored without a language"
    );
    let fr_subject = "=?UTF-8?B?".to_string() + &STANDARD.encode("Article en français") + "?=";
    assert_eq!(to(sent_with_subject(&fr_subject)), [("claire@example.com".to_string(), 1), ("marc@example.com".to_string(), 1)]);
    assert_eq!(mails_to("gone@example.com").len(), 1, "a language the site lost is the default one's");

    let fr = mails_to("claire@example.com").into_iter().next().unwrap();
    assert!(fr.html.contains("<html lang=\"fr\" dir=\"ltr\">") && fr.html.contains("Lire l’article"), "{}", fr.html);
    assert!(fr.html.contains("30 novembre 2026"), "{}", fr.html);
    assert!(fr.text.contains(&format!("Lire l’article : {SITE}/fr/posts/francais/")), "{}", fr.text);
    let en = mails_to("ann@example.com").into_iter().next().unwrap();
    assert!(en.html.contains("Read the post") && en.html.contains("30 November 2026"), "{}", en.html);

    for post in ["/posts/english/", "/fr/posts/francais/"] {
        let item = news.announcement_item(post).await;
        assert!(item.contains_key("fanout_done_at"), "{post}: the fan-out reached the last page");
    }
}
