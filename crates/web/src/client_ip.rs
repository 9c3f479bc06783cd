//! The client's address: the peer of the TCP connection, unless that peer
//! is one of the configured reverse proxies (`[server] trusted_proxies`),
//! in which case the right-most hop of `X-Forwarded-For` that is not itself
//! a trusted proxy. A client can put anything into the header; only what a
//! trusted proxy appended counts. The rate limits of the public endpoints
//! and the audit log use this address and nothing else.

use ipnet::IpNet;
use std::net::IpAddr;

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.1`, `::1`) and CIDR ranges (`10.0.0.0/8`);
    /// the error names the entry.
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<TrustedProxies, String> {
        list.iter()
            .map(|s| {
                let s = s.as_ref().trim();
                s.parse::<IpNet>().or_else(|_| s.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                    format!("[server] trusted_proxies: “{s}” is not an IP address or CIDR range (e.g. 10.0.0.0/8)")
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address given the connection's peer and the request's
    /// `X-Forwarded-For` values (in header order).
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.trusts(peer) {
            return Some(peer);
        }
        // Right to left: each hop was appended by the proxy to its right.
        let mut client = peer;
        for hop in forwarded_for.iter().rev().flat_map(|v| v.rsplit(',')) {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else { break };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }
}

/// An IPv4 address arriving as IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("203.0.113.7"), &["1.2.3.4"]), ip("203.0.113.7"));
        assert_eq!(none.client(None, &["1.2.3.4"]), None);
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.1"]).unwrap();
        // The client forged "6.6.6.6"; the proxy appended the real address.
        assert_eq!(t.client(ip("10.0.0.2"), &["6.6.6.6, 203.0.113.7"]), ip("203.0.113.7"));
        // Two proxies in a row, header split over two lines.
        assert_eq!(t.client(ip("10.0.0.2"), &["6.6.6.6, 203.0.113.7", "192.168.1.1"]), ip("203.0.113.7"));
        // Only proxies in the header: the left-most.
        assert_eq!(t.client(ip("10.0.0.2"), &["10.1.1.1"]), ip("10.1.1.1"));
        // No header from a trusted proxy: the proxy itself.
        assert_eq!(t.client(ip("10.0.0.2"), &[]), ip("10.0.0.2"));
        // Garbage stops the walk at what the proxies vouched for.
        assert_eq!(t.client(ip("10.0.0.2"), &["evil, 10.3.3.3"]), ip("10.3.3.3"));
        // An untrusted peer's header is never read.
        assert_eq!(t.client(ip("203.0.113.9"), &["1.2.3.4"]), ip("203.0.113.9"));
        // IPv4-mapped IPv6 peers are their IPv4 address.
        assert_eq!(t.client(ip("::ffff:10.0.0.2"), &["203.0.113.7"]), ip("203.0.113.7"));
    }

    #[test]
    fn bad_entries_are_named() {
        let e = TrustedProxies::parse(&["10.0.0.0/8", "proxy.local"]).unwrap_err();
        assert!(e.contains("proxy.local"), "{e}");
        assert!(TrustedProxies::parse(&["::1", "fd00::/8"]).is_ok());
    }
}
