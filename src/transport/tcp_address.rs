//! TCP addresses: `host:port` for bind and connect, with libzmq's parsing quirks, and their
//! resolution to socket addresses.
//!
//! Bind takes `*`, a numeric address or an interface name (never a DNS name: `ENODEV`).
//! Connect takes any host, checked only for syntax when `zmq_connect` is called; the name is
//! resolved (DNS allowed) each time the connecter dials, so a name that does not resolve yet
//! is retried like a refused connection. An optional source address comes first:
//! `src:srcport;host:port`.

use std::ffi::CString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6, ToSocketAddrs};

use crate::error::{Error, Result};

/// Reads a port as libzmq does: `*` and `0` mean "any" (0); anything else goes through C's
/// `strtoul` (leading digits only, a minus sign wraps) truncated to 16 bits, and a value
/// that reads as zero is `EINVAL`. So `70000` is port 4464 and `12ab` is port 12, as there.
pub fn parse_port(s: &str) -> Result<u16> {
    if s == "*" || s == "0" {
        return Ok(0);
    }
    let value = strtoul(s);
    if value == 0 {
        return Err(Error::Inval);
    }
    Ok(value as u16)
}

/// C's `strtoul(s, NULL, 10)` for the inputs a port can be.
fn strtoul(s: &str) -> u64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: u64 = 0;
    for c in digits.bytes().take_while(u8::is_ascii_digit) {
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
        {
            Some(v) => value = v,
            None => return u64::MAX,
        }
    }
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// Splits `host:port` at the last colon and strips IPv6 brackets from the host.
fn split_host_port(addr: &str) -> Result<(&str, &str)> {
    let (host, port) = addr.rsplit_once(':').ok_or(Error::Inval)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Ok((host, port))
}

/// A bind address after parsing, before resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindAddr {
    /// `*`, a numeric address (IPv6 without brackets, maybe with `%scope`) or an interface name.
    pub host: String,
    /// 0 for an ephemeral port.
    pub port: u16,
}

/// Parses the address part of a `tcp://` bind endpoint.
pub fn parse_bind(addr: &str) -> Result<BindAddr> {
    if addr.contains(';') {
        return Err(Error::Inval);
    }
    let (host, port) = split_host_port(addr)?;
    let port = parse_port(port)?;
    if host.is_empty() {
        return Err(Error::NoDev);
    }
    Ok(BindAddr {
        host: host.to_owned(),
        port,
    })
}

/// Resolves a local host (`*`, numeric, or interface name) to the address to bind.
/// Without `ipv6`, only IPv4 addresses are accepted; with it, `*` is the dual-stack `::`.
pub fn resolve_local(host: &str, port: u16, ipv6: bool) -> Result<SocketAddr> {
    if host == "*" {
        let ip = if ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        return Ok(SocketAddr::new(ip, port));
    }
    if let Some(addr) = parse_numeric(host, port)? {
        return match addr {
            SocketAddr::V6(_) if !ipv6 => Err(Error::NoDev),
            addr => Ok(addr),
        };
    }
    interface_address(host, ipv6)
        .map(|ip| SocketAddr::new(ip, port))
        .ok_or(Error::NoDev)
}

/// A numeric IPv4 or IPv6 address (the latter with an optional `%scope`, a number or an
/// interface name); `Ok(None)` when `host` is not numeric.
fn parse_numeric(host: &str, port: u16) -> Result<Option<SocketAddr>> {
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return Ok(Some(SocketAddr::new(IpAddr::V4(v4), port)));
    }
    let (ip, scope) = match host.split_once('%') {
        Some((ip, scope)) => (ip, Some(scope)),
        None => (host, None),
    };
    let Ok(v6) = ip.parse::<Ipv6Addr>() else {
        return Ok(None);
    };
    let scope_id = match scope {
        None => 0,
        Some(s) => match s.parse::<u32>() {
            Ok(n) => n,
            Err(_) => interface_index(s).ok_or(Error::NoDev)?,
        },
    };
    Ok(Some(SocketAddr::V6(SocketAddrV6::new(
        v6, port, 0, scope_id,
    ))))
}

/// The index of network interface `name`.
fn interface_index(name: &str) -> Option<u32> {
    let name = CString::new(name).ok()?;
    // SAFETY: `name` is a valid NUL-terminated string for the duration of the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    (index != 0).then_some(index)
}

/// The first address of interface `name` in the family asked for (IPv6 when `ipv6`).
fn interface_address(name: &str, ipv6: bool) -> Option<IpAddr> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs writes a list head into `list`, freed below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return None;
    }
    let mut found = None;
    let mut cur = list;
    while !cur.is_null() && found.is_none() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, alive until freeifaddrs.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        if unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) }.to_bytes() != name.as_bytes() {
            continue;
        }
        // SAFETY: ifa_addr is non-NULL and points to a sockaddr whose family says its size.
        let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
        found = match family {
            libc::AF_INET if !ipv6 => {
                // SAFETY: the family is AF_INET, so this is a sockaddr_in.
                let sin = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in>() };
                Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                    sin.sin_addr.s_addr,
                ))))
            }
            libc::AF_INET6 if ipv6 => {
                // SAFETY: the family is AF_INET6, so this is a sockaddr_in6.
                let sin6 = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in6>() };
                Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
            }
            _ => None,
        };
    }
    // SAFETY: `list` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(list) };
    found
}

/// The quick syntax check libzmq makes when `zmq_connect` is called on a `tcp://` endpoint:
/// host characters from a small set, and a port that starts with a digit after the last
/// colon. Names are not resolved here.
pub fn check_connect_syntax(addr: &str) -> Result<()> {
    let bytes = addr.as_bytes();
    let first_ok = |c: u8| c.is_ascii_alphanumeric() || c == b'[' || c == b':';
    let rest_ok = |c: &u8| c.is_ascii_alphanumeric() || b".-:%;[]_*".contains(c);
    let well_formed = match bytes.split_first() {
        Some((&c, rest)) => first_ok(c) && rest.iter().all(rest_ok),
        None => false,
    };
    let port_starts_with_digit = addr
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.as_bytes().first().is_some_and(u8::is_ascii_digit));
    if well_formed && port_starts_with_digit {
        Ok(())
    } else {
        Err(Error::Inval)
    }
}

/// A connect address after parsing, before resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectAddr {
    /// The local address to bind before connecting (`src:port;`), if given.
    pub source: Option<BindAddr>,
    /// Host name or numeric address (without IPv6 brackets).
    pub host: String,
    /// Remote port.
    pub port: u16,
}

/// Parses the address part of a `tcp://` connect endpoint (after [`check_connect_syntax`]).
pub fn parse_connect(addr: &str) -> Result<ConnectAddr> {
    let (source, remote) = match addr.split_once(';') {
        Some((src, remote)) => (Some(parse_bind(src)?), remote),
        None => (None, addr),
    };
    let (host, port) = split_host_port(remote)?;
    if host.is_empty() {
        return Err(Error::Inval);
    }
    Ok(ConnectAddr {
        source,
        host: host.to_owned(),
        port: parse_port(port)?,
    })
}

/// Resolves a remote host (DNS allowed) to the addresses to try, IPv4 only without `ipv6`.
/// This blocks for DNS, so it runs where a connecter dials, never in an application call.
pub fn resolve_remote(host: &str, port: u16, ipv6: bool) -> Result<Vec<SocketAddr>> {
    if let Some(addr) = parse_numeric(host, port)? {
        return match addr {
            SocketAddr::V6(_) if !ipv6 => Err(Error::HostUnreach),
            addr => Ok(vec![addr]),
        };
    }
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|_| Error::HostUnreach)?
        .filter(|a| ipv6 || a.is_ipv4())
        .collect();
    if addrs.is_empty() {
        Err(Error::HostUnreach)
    } else {
        Ok(addrs)
    }
}

/// The `ZMQ_LAST_ENDPOINT` form of a TCP address: `tcp://127.0.0.1:5555`, `tcp://[::1]:5555`.
pub fn endpoint_string(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("tcp://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("tcp://[{}]:{}", a.ip(), a.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_read_like_strtoul() {
        assert_eq!(parse_port("*"), Ok(0));
        assert_eq!(parse_port("0"), Ok(0));
        assert_eq!(parse_port("5555"), Ok(5555));
        assert_eq!(parse_port("70000"), Ok(4464));
        assert_eq!(parse_port("-1"), Ok(65535));
        assert_eq!(parse_port("12ab"), Ok(12));
        assert_eq!(parse_port("abc"), Err(Error::Inval));
        assert_eq!(parse_port(""), Err(Error::Inval));
        assert_eq!(parse_port("00"), Err(Error::Inval));
        assert_eq!(parse_port("99999999999999999999999"), Ok(65535));
    }

    #[test]
    fn bind_addresses() {
        assert_eq!(
            parse_bind("127.0.0.1:*"),
            Ok(BindAddr {
                host: "127.0.0.1".into(),
                port: 0
            })
        );
        assert_eq!(parse_bind("[::1]:5").unwrap().host, "::1");
        assert_eq!(parse_bind("127.0.0.1"), Err(Error::Inval));
        assert_eq!(parse_bind("127.0.0.1:"), Err(Error::Inval));
        assert_eq!(parse_bind(":*"), Err(Error::NoDev));
        assert_eq!(parse_bind("127.0.0.1;127.0.0.1:*"), Err(Error::Inval));
    }

    #[test]
    fn local_resolution() {
        let any4: SocketAddr = "0.0.0.0:7".parse().unwrap();
        assert_eq!(resolve_local("*", 7, false), Ok(any4));
        assert_eq!(resolve_local("*", 7, true), Ok("[::]:7".parse().unwrap()));
        assert_eq!(
            resolve_local("127.0.0.1", 7, false),
            Ok("127.0.0.1:7".parse().unwrap())
        );
        assert_eq!(
            resolve_local("lo", 7, false),
            Ok("127.0.0.1:7".parse().unwrap())
        );
        assert_eq!(resolve_local("::1", 7, false), Err(Error::NoDev));
        assert_eq!(
            resolve_local("::1", 7, true),
            Ok("[::1]:7".parse().unwrap())
        );
        assert_eq!(resolve_local("localhost", 7, false), Err(Error::NoDev));
        assert_eq!(resolve_local("1.2.3.4.5", 7, false), Err(Error::NoDev));
        assert_eq!(resolve_local("nosuchif0", 7, false), Err(Error::NoDev));
    }

    #[test]
    fn connect_syntax_as_libzmq() {
        for ok in [
            "127.0.0.1:5",
            "127.0.0.1:0",
            "localhost:5",
            "nosuch.invalid:5",
            "127.0.0.1:5x",
            "127.0.0.1;127.0.0.1:5",
            "127.0.0.1:*;127.0.0.1:5",
            "[::1]:5",
            "::1:5",
            "x:99999",
            "lo:5",
        ] {
            assert_eq!(check_connect_syntax(ok), Ok(()), "{ok}");
        }
        for bad in [
            "127.0.0.1:*",
            "a b:5",
            "127.0.0.1",
            "_x:5",
            "-x:5",
            "127.0.0.1:-5",
            "*:5",
            "",
        ] {
            assert_eq!(check_connect_syntax(bad), Err(Error::Inval), "{bad}");
        }
    }

    #[test]
    fn connect_addresses() {
        let a = parse_connect("127.0.0.1:0;localhost:5").unwrap();
        assert_eq!(
            a.source,
            Some(BindAddr {
                host: "127.0.0.1".into(),
                port: 0
            })
        );
        assert_eq!((a.host.as_str(), a.port), ("localhost", 5));
        let b = parse_connect("[::1]:9").unwrap();
        assert_eq!((b.source, b.host.as_str(), b.port), (None, "::1", 9));
    }

    #[test]
    fn remote_resolution() {
        assert_eq!(
            resolve_remote("127.0.0.1", 5, false),
            Ok(vec!["127.0.0.1:5".parse().unwrap()])
        );
        assert_eq!(resolve_remote("::1", 5, false), Err(Error::HostUnreach));
        let local = resolve_remote("localhost", 5, false).unwrap();
        assert!(local.iter().all(|a| a.is_ipv4() && a.port() == 5));
        assert_eq!(
            resolve_remote("nosuch.invalid", 5, false),
            Err(Error::HostUnreach)
        );
    }

    #[test]
    fn endpoint_strings() {
        assert_eq!(
            endpoint_string(&"127.0.0.1:41234".parse().unwrap()),
            "tcp://127.0.0.1:41234"
        );
        assert_eq!(
            endpoint_string(&"[::1]:5".parse().unwrap()),
            "tcp://[::1]:5"
        );
    }
}
