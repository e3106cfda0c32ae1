//! Where a webhook may be sent. Unless an admin allows private targets on an endpoint, it must be an `http(s)` address
//! on the public internet: not loopback, not a private or link-local network, not the cloud metadata address. The
//! address is checked when the endpoint is registered (for a literal address or a local name) and again at every
//! delivery, on the addresses the name resolves to then, which are the ones connected to (so a name that changes to a
//! private address later is refused too).

use std::net::IpAddr;

/// Whether `ip` is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10, shared address space (carrier-grade NAT)
                || (a == 100 && (64..128).contains(&b))
                // 0.0.0.0/8 and 240.0.0.0/4
                || a == 0
                || a >= 240
                // 192.0.0.0/24, protocol assignments
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                // 198.18.0.0/15, benchmarking
                || (a == 198 && (b == 18 || b == 19)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                // 2001:db8::/32 documentation
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// A target address checked as far as can be without resolving it: `http` or `https`, a host, no user name or
/// password in it, at most 2,000 characters; and, unless `allow_private`, not a literal private address nor a name
/// that only ever means this machine or its network (`localhost`, `*.local`, `*.internal`). The message says what
/// is wrong.
pub fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    let raw = raw.trim();
    if raw.chars().count() > 2000 {
        return Err("Use an address of at most 2,000 characters.".into());
    }
    let url = url::Url::parse(raw)
        .map_err(|_| "Enter a full address, e.g. https://example.com/hooks.".to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Use an http:// or https:// address.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "Leave the user name and password out of the address; the signature proves who sends."
                .into(),
        );
    }
    let private = || {
        Err(
            "This address is on this machine or a private network. Tick \"Allow private addresses\" if that is \
             intended."
                .to_string(),
        )
    };
    match url.host() {
        None => Err("Enter a full address, e.g. https://example.com/hooks.".into()),
        Some(_) if allow_private => Ok(url),
        Some(url::Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => private(),
        Some(url::Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => private(),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let local = name == "localhost"
                || ["localhost", "local", "internal", "localdomain", "home.arpa"]
                    .iter()
                    .any(|suffix| name.ends_with(&format!(".{suffix}")))
                || !name.contains('.');
            if local {
                private()
            } else {
                Ok(url)
            }
        }
        Some(_) => Ok(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_lookup() {
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        for bad in [
            "http://127.0.0.1:9000/hook",
            "http://[::1]/hook",
            "http://localhost:8080/",
            "http://db.internal/",
            "http://printer.local/",
            "http://intranet/",
            "http://169.254.169.254/latest/meta-data",
        ] {
            let e = check_url(bad, false).unwrap_err();
            assert!(e.contains("private network"), "{bad}: {e}");
            assert!(check_url(bad, true).is_ok(), "{bad} when allowed");
        }
        assert!(check_url("ftp://example.com/", true)
            .unwrap_err()
            .contains("http"));
        assert!(check_url("https://u:p@example.com/", true).is_err());
        assert!(check_url("not an address", true).is_err());
    }
}
