//! Confirmation and unsubscribe tokens.
//!
//! A token is `base64url(email) "." base64url(16 random bytes)`. The email part lets the
//! handler find the item with one strongly consistent `GetItem` on the table key (no index,
//! no scan); the 128 random bits make it unguessable. Only the SHA-256 of the whole token is
//! stored, so a leaked table does not leak working links. The address in the link is the
//! recipient's own, and the link only ever travels to that recipient.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// Longer inputs are rejected before any decoding work. The longest token we mint: a 254-byte
/// address (339 in base64), the random part (22), and a post path up to S3's 1,024-byte key
/// limit (1,366), with two dots: 1,729. Anything longer was not minted by us.
pub const MAX_TOKEN_LEN: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the link has no token")]
    Missing,
    #[error("the token is malformed")]
    Malformed,
}

/// A freshly minted token and the hash to store.
#[derive(Debug, Clone)]
pub struct Minted {
    pub token: String,
    pub hash: String,
}

pub fn mint(email: &str) -> Minted {
    let mut random = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let token = format!("{}.{}", URL_SAFE_NO_PAD.encode(email), URL_SAFE_NO_PAD.encode(random));
    let hash = hash(&token);
    Minted { token, hash }
}

/// The unsubscribe token of one new-post email: `email.random.post`. The post part locates the
/// send item that stores its hash, so announcing a post costs no write on the subscriber's item
/// (and its hash set does not grow with every post).
pub fn mint_for_post(email: &str, post: &str) -> Minted {
    let base = mint(email);
    let token = format!("{}.{}", base.token, URL_SAFE_NO_PAD.encode(post));
    let hash = hash(&token);
    Minted { token, hash }
}

/// A parsed token: the address it names, its hash, and for a new-post email's unsubscribe
/// token, the post whose send item holds the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub email: String,
    pub hash: String,
    pub post: Option<String>,
}

/// Hex SHA-256 of a token, as stored in the table.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a token into the (normalised) address it names and its hash.
pub fn parse(token: &str) -> Result<(String, String), TokenError> {
    let p = parse_full(token)?;
    Ok((p.email, p.hash))
}

/// Like [`parse`], keeping the post part of a new-post email's token.
pub fn parse_full(token: &str) -> Result<Parsed, TokenError> {
    if token.is_empty() {
        return Err(TokenError::Missing);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (email_part, random_part) = (parts.next().unwrap_or_default(), parts.next().ok_or(TokenError::Malformed)?);
    let post = match parts.next() {
        None => None,
        Some(p) => {
            let bytes = URL_SAFE_NO_PAD.decode(p).map_err(|_| TokenError::Malformed)?;
            let post = String::from_utf8(bytes).map_err(|_| TokenError::Malformed)?;
            if !post.starts_with('/') || post.chars().any(char::is_control) {
                return Err(TokenError::Malformed);
            }
            Some(post)
        }
    };
    if parts.next().is_some() {
        return Err(TokenError::Malformed);
    }
    let random = URL_SAFE_NO_PAD.decode(random_part).map_err(|_| TokenError::Malformed)?;
    if random.len() != 16 {
        return Err(TokenError::Malformed);
    }
    let email = URL_SAFE_NO_PAD.decode(email_part).map_err(|_| TokenError::Malformed)?;
    let email = String::from_utf8(email).map_err(|_| TokenError::Malformed)?;
    let normalized = crate::address::normalize(&email).map_err(|_| TokenError::Malformed)?;
    // A token naming a non-canonical spelling was not minted by us.
    if normalized != email {
        return Err(TokenError::Malformed);
    }
    Ok(Parsed { email: normalized, hash: hash(token), post })
}

/// Compares two hex digests without an early exit.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_longest_token_we_mint_parses() {
        let email = format!("{}@{}.{}.example.org", "a".repeat(64), "b".repeat(63), "c".repeat(63));
        assert!(email.len() <= 254, "{}", email.len());
        // A post path of non-ASCII words, 1,024 bytes as S3 keys may be.
        let mut post = String::from("/posts/");
        while post.len() + "é".len() <= 1023 {
            post.push('é');
        }
        post.push('/');
        let minted = mint_for_post(&email, &post);
        assert!(minted.token.len() <= MAX_TOKEN_LEN, "{}", minted.token.len());
        let parsed = parse_full(&minted.token).expect("a token we minted parses");
        assert_eq!((parsed.email, parsed.post), (email, Some(post)));
    }

    use super::*;

    #[test]
    fn round_trip() {
        let m = mint("a@example.com");
        let (email, h) = parse(&m.token).unwrap();
        assert_eq!(email, "a@example.com");
        assert!(hashes_equal(&h, &m.hash));
        assert_ne!(mint("a@example.com").token, m.token);
    }

    #[test]
    fn post_tokens_carry_their_post() {
        let m = mint_for_post("a@example.com", "/posts/hello/");
        let p = parse_full(&m.token).unwrap();
        assert_eq!((p.email.as_str(), p.post.as_deref()), ("a@example.com", Some("/posts/hello/")));
        assert!(hashes_equal(&p.hash, &m.hash));
        assert_eq!(parse_full(&mint("a@example.com").token).unwrap().post, None);
        // A post part that is not a site path, or a fourth part: not ours.
        let bad = format!("{}.{}", mint("a@example.com").token, URL_SAFE_NO_PAD.encode("evil"));
        assert_eq!(parse_full(&bad), Err(TokenError::Malformed));
        assert_eq!(parse_full(&format!("{}.x", m.token)), Err(TokenError::Malformed));
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(parse(""), Err(TokenError::Missing));
        for bad in ["abc", "abc.def", "YUBleGFtcGxlLmNvbQ.short", "!!.AAAAAAAAAAAAAAAAAAAAAA"] {
            assert_eq!(parse(bad), Err(TokenError::Malformed), "{bad}");
        }
        // Uppercase spelling of a real address: not a token we minted.
        let upper = format!("{}.{}", URL_SAFE_NO_PAD.encode("A@example.com"), URL_SAFE_NO_PAD.encode([0u8; 16]));
        assert_eq!(parse(&upper), Err(TokenError::Malformed));
    }
}
