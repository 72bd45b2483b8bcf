//! Where a request comes from: through CloudFront or straight at the API, from the site's own
//! pages or from another site, and from which viewer address.
//!
//! Pure functions over the request headers; [`crate::http`] decides what to answer.

use std::net::{IpAddr, Ipv6Addr};

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// Header CloudFront adds to every request it forwards to the API (an origin custom header);
/// its value is a secret shared with the function (`ORIGIN_VERIFY_SECRET`).
pub const ORIGIN_VERIFY_HEADER: &str = "x-origin-verify";

/// The header CloudFront sets to the viewer's `address:port` (forwarded by the API behaviour's
/// origin request policy).
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// True when the request carries the shared secret CloudFront adds. Without a configured
/// secret (local runs, tests of other parts) every request passes.
pub fn came_through_cloudfront(req: &Request, secret: Option<&str>) -> bool {
    let Some(secret) = secret else { return true };
    match header(req, ORIGIN_VERIFY_HEADER) {
        // Same length and no early exit, like the token comparison.
        Some(given) => crate::token::hashes_equal(given, secret),
        None => false,
    }
}

/// `scheme://host[:port]` of the site, as browsers write it in `Origin`.
pub fn site_origin(site_url: &str) -> String {
    url::Url::parse(site_url).map(|u| u.origin().ascii_serialization()).unwrap_or_else(|_| site_url.to_string())
}

/// Why a browser request is refused as cross-site, if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossSite {
    /// `Sec-Fetch-Site` says the request was made by another site (or a sibling subdomain).
    FetchSite(String),
    /// `Origin` names another origin (or `null`: sandboxed frames, data: URLs).
    Origin(String),
}

/// Browsers send `Sec-Fetch-Site` and `Origin` with every form POST and `fetch`; a form on
/// another site that posts to us (no preflight needed for a form) carries its own origin there.
/// Clients that send neither (scripts, mail providers) are not browsers acting for a visitor
/// of another site, so they pass: the rate limits handle them.
pub fn cross_site(req: &Request, site_origin: &str) -> Option<CrossSite> {
    if let Some(site) = header(req, "sec-fetch-site") {
        let site = site.trim().to_ascii_lowercase();
        if site != "same-origin" {
            return Some(CrossSite::FetchSite(site));
        }
    }
    if let Some(origin) = header(req, "origin") {
        if !origin.trim().eq_ignore_ascii_case(site_origin) {
            return Some(CrossSite::Origin(origin.trim().to_string()));
        }
    }
    None
}

/// The viewer's address: CloudFront's `CloudFront-Viewer-Address` (`ip:port`, IPv6 without
/// brackets) when present, else the address API Gateway saw. Behind CloudFront
/// (`behind_cloudfront`) that address is an edge server shared by many readers, so it is not
/// used: no address is better than limiting a whole city together.
pub fn viewer_ip(req: &Request, behind_cloudfront: bool) -> Option<IpAddr> {
    if let Some(v) = header(req, VIEWER_ADDRESS_HEADER) {
        if let Some(ip) = parse_viewer_address(v) {
            return Some(ip);
        }
    }
    if behind_cloudfront {
        tracing::warn!("no {VIEWER_ADDRESS_HEADER} header: is the origin request policy forwarding it?");
        return None;
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref().and_then(|s| s.parse().ok()),
        _ => None,
    }
}

/// `198.51.100.10:46532`, `2001:db8::1:46532` or `[2001:db8::1]:46532` → the address.
pub fn parse_viewer_address(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    // The port comes last and is always there, so it is split off first: `2001:db8::1:443`
    // would otherwise read as the address 2001:db8::1:1bb.
    let with_port = value.rsplit_once(':').and_then(|(ip, port)| {
        port.parse::<u16>().ok()?;
        ip.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok()
    });
    with_port.or_else(|| value.parse().ok())
}

/// The wider unit an IPv6 viewer is also counted by: the /56 an ISP hands one customer (who
/// can rotate through its 256 /64s), with [`WIDE_FACTOR`] times the allowance of one /64.
pub fn wide_rate_key(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            Some(format!("{}/56", Ipv6Addr::new(s[0], s[1], s[2], s[3] & 0xff00, 0, 0, 0, 0)))
        }
        _ => None,
    }
}

/// How many /64s' allowance one /56 gets: a household's few devices, not a script's 256.
pub const WIDE_FACTOR: u32 = 4;

/// The unit a rate limit counts: an IPv4 address, or the /64 an IPv6 host gets (one host can
/// use any address inside it).
pub fn rate_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)]) -> Request {
        let mut b = lambda_http::http::Request::builder().method("POST").uri("https://blog.example.com/api/subscribe");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(lambda_http::Body::Empty).unwrap()
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let site = site_origin("https://blog.example.com/");
        assert_eq!(site, "https://blog.example.com");
        assert_eq!(cross_site(&req(&[]), &site), None, "scripts send neither header");
        let own = [("origin", "https://blog.example.com"), ("sec-fetch-site", "same-origin")];
        assert_eq!(cross_site(&req(&own), &site), None);
        assert_eq!(cross_site(&req(&[("origin", "https://blog.example.com")]), &site), None, "older browsers: Origin only");
        for (headers, why) in [
            (vec![("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")], "cross-site"),
            (vec![("sec-fetch-site", "same-site")], "sibling subdomain"),
            (vec![("origin", "null")], "sandboxed frame"),
            (vec![("origin", "http://blog.example.com")], "plain http"),
            (vec![("origin", "https://blog.example.com.evil.example")], "suffix trick"),
        ] {
            assert!(cross_site(&req(&headers), &site).is_some(), "{why}: {headers:?}");
        }
    }

    #[test]
    fn the_origin_secret_is_required_when_configured() {
        assert!(came_through_cloudfront(&req(&[]), None));
        assert!(!came_through_cloudfront(&req(&[]), Some("s3cret-s3cret")));
        assert!(!came_through_cloudfront(&req(&[(ORIGIN_VERIFY_HEADER, "s3cret-s3creT")]), Some("s3cret-s3cret")));
        assert!(came_through_cloudfront(&req(&[(ORIGIN_VERIFY_HEADER, "s3cret-s3cret")]), Some("s3cret-s3cret")));
    }

    #[test]
    fn viewer_addresses_parse_and_group() {
        assert_eq!(parse_viewer_address("198.51.100.10:46532"), Some("198.51.100.10".parse().unwrap()));
        assert_eq!(parse_viewer_address("2001:db8:1:2:3:4:5:6:46532"), Some("2001:db8:1:2:3:4:5:6".parse().unwrap()));
        assert_eq!(parse_viewer_address("[2001:db8::1]:443"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse_viewer_address("2001:db8::1:443"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse_viewer_address("198.51.100.10"), Some("198.51.100.10".parse().unwrap()));
        assert_eq!(parse_viewer_address("nonsense"), None);
        assert_eq!(rate_key("2001:db8:1:2:3:4:5:6".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(rate_key("2001:db8:1:2:ffff::1".parse().unwrap()), "2001:db8:1:2::/64");
        // Every /64 of one /56 shares the wide key; IPv4 has none.
        assert_eq!(wide_rate_key("2001:db8:1:2ff:1::1".parse().unwrap()).as_deref(), Some("2001:db8:1:200::/56"));
        assert_eq!(wide_rate_key("2001:db8:1:201::1".parse().unwrap()), wide_rate_key("2001:db8:1:2fe::9".parse().unwrap()));
        assert_eq!(wide_rate_key("192.0.2.1".parse().unwrap()), None);
        assert_eq!(rate_key("::ffff:198.51.100.7".parse().unwrap()), "198.51.100.7");
        let r = req(&[(VIEWER_ADDRESS_HEADER, "203.0.113.9:1234")]);
        assert_eq!(viewer_ip(&r, true), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(viewer_ip(&req(&[]), true), None);
    }
}
