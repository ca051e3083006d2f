//! IPC addresses: a filesystem path, `@name` in Linux's abstract namespace, or `*` (bind
//! only) for a fresh socket in a new temporary directory.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The longest path (or `@name`) that fits `sun_path` with its terminating NUL.
pub const MAX_PATH: usize = 107;

/// A parsed IPC address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpcAddr {
    /// A socket file.
    Path(PathBuf),
    /// A name in the abstract namespace (without the leading `@`).
    Abstract(Vec<u8>),
    /// `ipc://*` on bind: a socket file in a new temporary directory.
    Wildcard,
}

/// Parses the address part of an `ipc://` endpoint. A bare `@` is `EINVAL`; a path longer
/// than `sun_path` allows is `ENAMETOOLONG`, as in libzmq.
pub fn parse(addr: &str) -> Result<IpcAddr> {
    if addr.is_empty() || addr == "@" {
        return Err(Error::Inval);
    }
    if addr.len() > MAX_PATH {
        return Err(Error::Os(libc::ENAMETOOLONG));
    }
    Ok(match addr.strip_prefix('@') {
        Some(name) => IpcAddr::Abstract(name.as_bytes().to_vec()),
        None if addr == "*" => IpcAddr::Wildcard,
        None => IpcAddr::Path(PathBuf::from(addr)),
    })
}

impl IpcAddr {
    /// The socket address to bind or connect to (`Wildcard` has none until its directory is
    /// made: see [`temp_socket_path`]).
    pub fn socket_addr(&self) -> Result<SocketAddr> {
        use std::os::linux::net::SocketAddrExt;
        match self {
            IpcAddr::Path(p) => SocketAddr::from_pathname(p).map_err(Error::from),
            IpcAddr::Abstract(name) => SocketAddr::from_abstract_name(name).map_err(Error::from),
            // Connecting to "*" (which libzmq allows) means the file named "*".
            IpcAddr::Wildcard => SocketAddr::from_pathname("*").map_err(Error::from),
        }
    }

    /// The `ZMQ_LAST_ENDPOINT` form.
    pub fn endpoint_string(&self) -> String {
        match self {
            IpcAddr::Path(p) => format!("ipc://{}", p.display()),
            IpcAddr::Abstract(name) => format!("ipc://@{}", String::from_utf8_lossy(name)),
            IpcAddr::Wildcard => "ipc://*".to_owned(),
        }
    }
}

/// Makes a new private directory `tmpXXXXXX` under `$TMPDIR`, `$TEMPDIR` or `$TMP` (the
/// current directory when none is set, as libzmq) and returns it with the socket path
/// inside it, `<dir>/socket`.
pub fn temp_socket_path() -> Result<(PathBuf, PathBuf)> {
    let base = ["TMPDIR", "TEMPDIR", "TMP"]
        .iter()
        .find_map(|v| std::env::var_os(v).filter(|s| !s.is_empty()))
        .map(PathBuf::from);
    let template = match &base {
        Some(b) => b.join("tmpXXXXXX"),
        None => PathBuf::from("tmpXXXXXX"),
    };
    let template = CString::new(template.as_os_str().as_bytes()).map_err(|_| Error::Inval)?;
    let mut buf = template.into_bytes_with_nul();
    // SAFETY: `buf` is a writable NUL-terminated template ending in XXXXXX, as mkdtemp needs.
    let made = unsafe { libc::mkdtemp(buf.as_mut_ptr().cast()) };
    if made.is_null() {
        return Err(std::io::Error::last_os_error().into());
    }
    buf.pop();
    let dir = PathBuf::from(std::ffi::OsStr::from_bytes(&buf));
    let socket = dir.join("socket");
    if socket.as_os_str().len() > MAX_PATH {
        let _ = std::fs::remove_dir(&dir);
        return Err(Error::Os(libc::ENAMETOOLONG));
    }
    Ok((dir, socket))
}

/// The `ZMQ_LAST_ENDPOINT` form of a bound socket file.
pub fn path_endpoint_string(path: &Path) -> String {
    format!("ipc://{}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_as_libzmq() {
        assert_eq!(parse("@x"), Ok(IpcAddr::Abstract(b"x".to_vec())));
        assert_eq!(parse("@"), Err(Error::Inval));
        assert_eq!(parse("rel.sock"), Ok(IpcAddr::Path("rel.sock".into())));
        assert_eq!(parse("*"), Ok(IpcAddr::Wildcard));
        let ok = format!("/tmp/{}", "b".repeat(MAX_PATH - 5));
        assert!(parse(&ok).is_ok());
        let long = format!("/tmp/{}", "c".repeat(MAX_PATH - 4));
        assert_eq!(parse(&long), Err(Error::Os(libc::ENAMETOOLONG)));
        assert!(parse(&format!("@{}", "d".repeat(MAX_PATH - 1))).is_ok());
        assert_eq!(
            parse(&format!("@{}", "e".repeat(MAX_PATH))),
            Err(Error::Os(libc::ENAMETOOLONG))
        );
    }

    #[test]
    fn endpoint_strings_keep_the_at() {
        assert_eq!(parse("@name").unwrap().endpoint_string(), "ipc://@name");
        assert_eq!(parse("/tmp/a").unwrap().endpoint_string(), "ipc:///tmp/a");
    }

    #[test]
    fn temp_dir_is_made() {
        let (dir, socket) = temp_socket_path().unwrap();
        assert!(dir.is_dir());
        assert_eq!(socket, dir.join("socket"));
        assert!(
            dir.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("tmp")
        );
        std::fs::remove_dir(dir).unwrap();
    }
}
