//! Which address a request came from, when reverse proxies stand in between.
//!
//! A proxy header is only as trustworthy as whoever wrote each entry: a
//! client may send `X-Forwarded-For: <anything>`, and a proxy that appends
//! (nginx's `$proxy_add_x_forwarded_for`) keeps what the client sent on the
//! left. So the client is the right-most address that is not one of the
//! operator's proxies, read only when the socket peer itself is one of them
//! ([`TrustedProxies`]); anything else sees the socket peer.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// Which header the trusted proxies write the client's address into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl ProxyHeader {
    /// Reads `x-forwarded-for` or `forwarded` (any case).
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            other => Err(format!(
                "expected x-forwarded-for or forwarded, got {other:?}"
            )),
        }
    }
}

/// The operator's reverse proxies (`MENTOR_TRUSTED_PROXIES`), and the one
/// header they set (`MENTOR_PROXY_HEADER`). Empty: no header is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ProxyHeader,
}

impl TrustedProxies {
    /// Reads a comma-separated list of addresses and CIDR ranges
    /// (`10.0.0.0/8, 127.0.0.1, ::1`).
    pub fn parse(list: &str, header: ProxyHeader) -> Result<Self, String> {
        let nets = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR range"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { nets, header })
    }

    /// Whether any proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the socket `peer` unless it is a trusted proxy;
    /// then, walking the header from the right, the first address that is not
    /// a trusted proxy (or the left-most, if all are). An entry that cannot be
    /// read ends the walk at the last trusted hop, which is then the answer.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in self.hops(headers).into_iter().rev() {
            let Some(ip) = hop else { break };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }

    /// The header's entries, left to right, across repeated header lines;
    /// `None` for an entry that is not an address (`unknown`, `_hidden`).
    fn hops(&self, headers: &HeaderMap) -> Vec<Option<IpAddr>> {
        let (name, read): (_, fn(&str) -> Option<IpAddr>) = match self.header {
            ProxyHeader::XForwardedFor => ("x-forwarded-for", address),
            ProxyHeader::Forwarded => ("forwarded", forwarded_for),
        };
        headers
            .get_all(name)
            .flat_map(|value| {
                let text = value.to_str().unwrap_or("\u{0}");
                text.split(',').map(read).collect::<Vec<_>>()
            })
            .collect()
    }
}

/// `203.0.113.7`, `2001:db8::1`, `203.0.113.7:4711` or `[2001:db8::1]:4711`.
fn address(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            let inner = text.strip_prefix('[')?.strip_suffix(']')?;
            inner.parse::<IpAddr>().ok()
        })
}

/// The `for=` of one `Forwarded` element (`for=192.0.2.60;proto=http`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| address(value))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("valid"),
                HeaderValue::from_str(value).expect("valid"),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("valid")
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list, ProxyHeader::XForwardedFor).expect("valid")
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let h = headers(&[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(proxies("").client(ip("10.0.0.5"), &h), ip("10.0.0.5"));
    }

    #[test]
    fn a_peer_that_is_not_a_proxy_is_the_client_whatever_it_sends() {
        let h = headers(&[("x-forwarded-for", "198.51.100.1")]);
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(trusted.client(ip("203.0.113.9"), &h), ip("203.0.113.9"));
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client_so_a_forged_prefix_is_skipped() {
        // The client sent "198.51.100.1"; nginx appended the address it saw.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.7")]);
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(trusted.client(ip("10.1.2.3"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_through() {
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.1, 203.0.113.7"),
            ("x-forwarded-for", "10.0.0.2"),
        ]);
        let trusted = proxies("10.0.0.0/8, 127.0.0.1");
        assert_eq!(trusted.client(ip("127.0.0.1"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn all_trusted_gives_the_left_most_and_garbage_stops_at_the_last_trusted_hop() {
        let trusted = proxies("10.0.0.0/8");
        let all = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.2")]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &all), ip("10.9.9.9"));
        let garbage = headers(&[("x-forwarded-for", "203.0.113.7, nonsense, 10.0.0.2")]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &garbage), ip("10.0.0.2"));
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &headers(&[])),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn forwarded_is_read_only_when_configured() {
        let h = headers(&[
            (
                "forwarded",
                r#"for=198.51.100.1, for="[2001:db8::7]:4711";proto=https"#,
            ),
            ("x-forwarded-for", "192.0.2.44"),
        ]);
        let xff = proxies("127.0.0.1");
        assert_eq!(xff.client(ip("127.0.0.1"), &h), ip("192.0.2.44"));
        let fwd = TrustedProxies::parse("127.0.0.1", ProxyHeader::Forwarded).expect("valid");
        assert_eq!(fwd.client(ip("127.0.0.1"), &h), ip("2001:db8::7"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(
            proxies("127.0.0.0/8").client(ip("::ffff:127.0.0.1"), &h),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_list_that_is_not_addresses_is_refused() {
        assert!(
            TrustedProxies::parse("10.0.0.0/8, proxy.internal", ProxyHeader::XForwardedFor)
                .is_err()
        );
        assert!(ProxyHeader::parse("x-real-ip").is_err());
        assert_eq!(proxies(" 10.0.0.0/8 , ::1 ").nets.len(), 2);
    }
}
