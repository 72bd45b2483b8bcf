//! Strict email address validation and normalisation.
//!
//! Only plain ASCII `local@domain` addresses are accepted: no quoted local parts, comments,
//! IP literals or internationalised addresses. That rejects homoglyph and invisible-character
//! tricks outright and keeps the address safe to place in a mail header.

/// Longest address accepted (RFC 5321 path limit minus the angle brackets).
pub const MAX_LEN: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the email address is empty")]
    Empty,
    #[error("the email address is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("the email address contains a line break or control character")]
    Control,
    #[error("the email address contains non-ASCII characters (internationalised addresses are not supported)")]
    NonAscii,
    #[error("the email address is malformed: {0}")]
    Syntax(&'static str),
}

/// Trims, lowercases and validates an address.
pub fn normalize(raw: &str) -> Result<String, AddressError> {
    // Checked before trimming: a CR/LF anywhere means someone tries header injection.
    if raw.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
        return Err(AddressError::Control);
    }
    let s = raw.trim();
    if s.is_empty() {
        return Err(AddressError::Empty);
    }
    if s.len() > MAX_LEN {
        return Err(AddressError::TooLong);
    }
    if !s.is_ascii() {
        return Err(AddressError::NonAscii);
    }
    if s.chars().any(|c| c.is_ascii_control()) {
        return Err(AddressError::Control);
    }
    let s = s.to_ascii_lowercase();
    let (local, domain) = s.rsplit_once('@').ok_or(AddressError::Syntax("no @"))?;
    check_local(local)?;
    check_domain(domain)?;
    Ok(s)
}

fn check_local(local: &str) -> Result<(), AddressError> {
    if local.is_empty() {
        return Err(AddressError::Syntax("nothing before @"));
    }
    if local.len() > 64 {
        return Err(AddressError::Syntax("the part before @ is longer than 64 characters"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(AddressError::Syntax("misplaced dot before @"));
    }
    // RFC 5322 atext, minus characters that commonly break downstream tools.
    let ok = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    if !local.chars().all(ok) {
        return Err(AddressError::Syntax("invalid character before @"));
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), AddressError> {
    if domain.is_empty() {
        return Err(AddressError::Syntax("nothing after @"));
    }
    if domain.len() > 253 {
        return Err(AddressError::Syntax("domain too long"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(AddressError::Syntax("the domain needs a dot"));
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return Err(AddressError::Syntax("empty or overlong domain label"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(AddressError::Syntax("a domain label starts or ends with a hyphen"));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(AddressError::Syntax("invalid character in the domain"));
        }
    }
    let tld = labels[labels.len() - 1];
    let tld_ok = (tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())) || (tld.starts_with("xn--") && tld.len() > 4);
    if !tld_ok {
        return Err(AddressError::Syntax("the top-level domain is not valid"));
    }
    Ok(())
}

/// Syntactically fine but can never receive mail (RFC 2606 / 6761 reserved top-level domains).
/// Such requests are answered like any other and dropped, so bots learn nothing.
pub fn is_undeliverable(normalized: &str) -> bool {
    let tld = normalized.rsplit('.').next().unwrap_or_default();
    matches!(tld, "test" | "example" | "invalid" | "localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(normalize("  Jane.Doe+blog@Example.COM \t").unwrap(), "jane.doe+blog@example.com");
        assert_eq!(normalize("a@b.co").unwrap(), "a@b.co");
        assert_eq!(normalize("x@xn--bcher-kva.example").unwrap(), "x@xn--bcher-kva.example");
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a..b@example.com",
            ".a@example.com",
            "a.@example.com",
            "a@-b.com",
            "a@b-.com",
            "a@b..com",
            "a@b.c",
            "a@b.123",
            "a b@example.com",
            "a@b@example.com",
            "\"a\"@example.com",
            "a@[127.0.0.1]",
            "ä@example.com",
            "a@exämple.com",
            "a\r\n@example.com",
            "a@example.com\nbcc: x@y.com",
            "a\u{200b}@example.com",
            "a@example.com\u{0}",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.com", "a".repeat(64)) + &".b".repeat(100);
        assert_eq!(normalize(&long), Err(AddressError::TooLong));
    }

    #[test]
    fn reserved() {
        assert!(is_undeliverable("a@foo.test"));
        assert!(!is_undeliverable("a@example.com"));
    }
}
