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

/// Longer inputs are rejected before any decoding work.
pub const MAX_TOKEN_LEN: usize = 400;

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

/// Hex SHA-256 of a token, as stored in the table.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a token into the (normalised) address it names and its hash.
pub fn parse(token: &str) -> Result<(String, String), TokenError> {
    if token.is_empty() {
        return Err(TokenError::Missing);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let (email_part, random_part) = token.split_once('.').ok_or(TokenError::Malformed)?;
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
    Ok((normalized, hash(token)))
}

/// Compares two hex digests without an early exit.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
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
