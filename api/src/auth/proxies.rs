//! Who the client is behind a reverse proxy: the peer's address, unless the peer is one of the
//! configured trusted proxies (`server.trusted_proxies`), in which case `X-Forwarded-For` is
//! read from the right, skipping trusted hops, and the first address nobody trusted added is the
//! client. A header from anybody else is ignored, so a client cannot name itself someone else.

use ipnet::IpNet;
use std::net::IpAddr;

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Addresses (`10.0.0.7`, `::1`) or blocks (`10.0.0.0/8`).
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{entry}` is neither an address nor a CIDR block"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client of a request that came from `peer` carrying `forwarded_for` (the
    /// `X-Forwarded-For` values, in order).
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .rev();
        for hop in hops {
            // Something unreadable: the nearest trusted hop is all that is known.
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = canonical(address);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// `::ffff:1.2.3.4` as `1.2.3.4`, so one client has one key.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let none = proxies(&[]);
        assert_eq!(
            none.client(ip("203.0.113.9"), &["1.1.1.1"]),
            ip("203.0.113.9")
        );
        let lb = proxies(&["127.0.0.1"]);
        assert_eq!(
            lb.client(ip("203.0.113.9"), &["1.1.1.1"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_a_forged_left_part_is_ignored() {
        let lb = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        // The client forged "6.6.6.6"; nginx appended the address it saw; an inner proxy
        // appended nginx's.
        assert_eq!(
            lb.client(ip("127.0.0.1"), &["6.6.6.6, 198.51.100.4", "10.1.2.3"]),
            ip("198.51.100.4")
        );
        assert_eq!(
            lb.client(ip("::ffff:127.0.0.1"), &["198.51.100.4"]),
            ip("198.51.100.4")
        );
        // No header: the proxy itself.
        assert_eq!(lb.client(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        // Garbage: the nearest trusted hop.
        assert_eq!(lb.client(ip("127.0.0.1"), &["nonsense"]), ip("127.0.0.1"));
    }

    #[test]
    fn a_bad_entry_is_refused() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local".into()]).is_err());
    }
}
