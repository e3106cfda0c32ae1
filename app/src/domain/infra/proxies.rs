//! Which address a request came from, behind reverse proxies. `X-Forwarded-For` is a list each proxy appends to:
//! its left-most entries are whatever the caller chose to send, so they are never believed. The client is the
//! right-most hop that is not one of our own proxies: either the last `hops` entries are ours, or every entry inside
//! the trusted networks is.

use std::net::IpAddr;

use ipnet::IpNet;

/// Our reverse proxies, from configuration. The default trusts none: the peer address is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    /// How many proxies stand in front of the server (the peer is the nearest). Used when `networks` is empty.
    pub hops: u32,
    /// The proxies' networks: a peer outside them is the client itself, whatever it says.
    pub networks: Vec<IpNet>,
}

impl TrustedProxies {
    /// From `TRUST_PROXY` (one hop), `TRUSTED_PROXY_HOPS` and `TRUSTED_PROXIES` (comma-separated addresses or
    /// CIDRs). A bad entry is an error naming it.
    pub fn parse(
        trust_proxy: bool,
        hops: Option<u32>,
        networks: &[String],
    ) -> Result<Self, String> {
        let networks = networks
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .map(|n| {
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("TRUSTED_PROXIES: {n:?} is not an address or a network"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let hops = hops.unwrap_or(u32::from(trust_proxy || !networks.is_empty()));
        Ok(TrustedProxies { hops, networks })
    }

    pub fn any(&self) -> bool {
        self.hops > 0 || !self.networks.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(&ip))
    }

    /// The client's address, given the connection's peer and the `X-Forwarded-For` header(s) in order.
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        if !self.any() {
            return peer;
        }
        if !self.networks.is_empty() && !self.trusts(peer) {
            return peer;
        }
        // Every hop, the nearest last; an entry that is not an address ends what can be believed.
        let mut hops: Vec<IpAddr> = Vec::new();
        for entry in forwarded.iter().flat_map(|h| h.split(',')).map(str::trim) {
            match entry.parse::<IpAddr>() {
                Ok(ip) => hops.push(ip),
                Err(_) => hops.clear(),
            }
        }
        hops.push(peer);
        if self.networks.is_empty() {
            // The last `hops` entries are our proxies; the one before them is the client.
            let at = hops.len().saturating_sub(self.hops as usize + 1);
            return hops[at];
        }
        hops.iter()
            .rev()
            .find(|ip| !self.trusts(**ip))
            .copied()
            .unwrap_or(hops[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn no_proxy_means_the_peer_whatever_the_header_says() {
        let p = TrustedProxies::default();
        assert_eq!(p.client(ip("203.0.113.9"), &["1.2.3.4"]), ip("203.0.113.9"));
    }

    #[test]
    fn one_hop_takes_the_address_the_proxy_saw_not_the_left_most() {
        let p = TrustedProxies::parse(true, None, &[]).unwrap();
        // The caller sent "6.6.6.6" itself; our proxy appended the real peer 198.51.100.7.
        assert_eq!(
            p.client(ip("10.0.0.2"), &["6.6.6.6, 198.51.100.7"]),
            ip("198.51.100.7")
        );
        // No header at all: the peer.
        assert_eq!(p.client(ip("10.0.0.2"), &[]), ip("10.0.0.2"));
    }

    #[test]
    fn two_hops_skip_both_proxies() {
        let p = TrustedProxies::parse(true, Some(2), &[]).unwrap();
        assert_eq!(
            p.client(ip("10.0.0.2"), &["6.6.6.6", "198.51.100.7, 10.0.0.9"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn networks_take_the_right_most_untrusted_hop() {
        let p =
            TrustedProxies::parse(false, None, &["10.0.0.0/8".into(), "127.0.0.1".into()]).unwrap();
        assert_eq!(
            p.client(ip("127.0.0.1"), &["6.6.6.6, 198.51.100.7, 10.1.2.3"]),
            ip("198.51.100.7")
        );
        // A peer outside the trusted networks is the client, whatever it forwards.
        assert_eq!(p.client(ip("203.0.113.9"), &["6.6.6.6"]), ip("203.0.113.9"));
        // A garbage entry ends the chain that can be believed.
        assert_eq!(
            p.client(ip("127.0.0.1"), &["6.6.6.6, nonsense, 10.9.9.9"]),
            ip("10.9.9.9")
        );
        assert!(TrustedProxies::parse(false, None, &["not-a-net".into()]).is_err());
    }
}
