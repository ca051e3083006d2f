//! ZAP, the ZeroMQ Authentication Protocol (RFC 27; protocol.md section 5): the request a
//! mechanism hands to the socket layer and the parsing of the handler's reply. Replaces
//! libzmq's `zap_client.cpp`.
//!
//! The socket layer carries the frames over `inproc://zeromq.zap.01`; this module only
//! builds and checks them, with libzmq's exact rules and protocol error codes.

use bytes::Bytes;

use super::metadata::Metadata;
use crate::consts;

/// The ZAP version frame.
pub const ZAP_VERSION: &[u8] = b"1.0";
/// The request id libzmq always uses (and requires echoed).
pub const ZAP_REQUEST_ID: &[u8] = b"1";

/// A ZAP request: the frames of one message, starting with the empty delimiter, as libzmq
/// writes them into the ZAP pipe. All frames but the last carry MORE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapRequest {
    /// Delimiter, version, request id, domain, address, identity, mechanism, credentials.
    pub frames: Vec<Bytes>,
}

impl ZapRequest {
    /// Builds a request. `identity` is the local socket's own `ZMQ_ROUTING_ID`, as libzmq
    /// sends it; `credentials` depend on the mechanism (none for NULL).
    pub fn new(
        domain: Bytes,
        address: Bytes,
        identity: Bytes,
        mechanism: &'static [u8],
        credentials: Vec<Bytes>,
    ) -> ZapRequest {
        let mut frames = vec![
            Bytes::new(),
            Bytes::from_static(ZAP_VERSION),
            Bytes::from_static(ZAP_REQUEST_ID),
            domain,
            address,
            identity,
            Bytes::from_static(mechanism),
        ];
        frames.extend(credentials);
        ZapRequest { frames }
    }
}

/// A checked ZAP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapReply {
    /// 200, 300, 400 or 500.
    pub status: u16,
    /// The user id (becomes the `User-Id` message property).
    pub user_id: Bytes,
    /// Properties supplied by the handler.
    pub metadata: Metadata,
}

impl ZapReply {
    /// Checks the frames of one reply message (the delimiter first), in libzmq's order.
    ///
    /// # Errors
    /// The `ZMQ_PROTOCOL_ERROR_ZAP_*` code libzmq raises: malformed (not exactly 7
    /// frames), non-empty delimiter, bad version, bad request id, invalid status code,
    /// invalid metadata.
    pub fn parse(frames: &[Bytes]) -> Result<ZapReply, i32> {
        if frames.len() != 7 {
            return Err(consts::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
        }
        if !frames[0].is_empty() {
            return Err(consts::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED);
        }
        if frames[1].as_ref() != ZAP_VERSION {
            return Err(consts::ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
        }
        if frames[2].as_ref() != ZAP_REQUEST_ID {
            return Err(consts::ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID);
        }
        let status = match frames[3].as_ref() {
            [d @ b'2'..=b'5', b'0', b'0'] => u16::from(d - b'0') * 100,
            _ => return Err(consts::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE),
        };
        let metadata = Metadata::decode(&frames[6])
            .map_err(|_| consts::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA)?;
        Ok(ZapReply {
            status,
            user_id: frames[5].clone(),
            metadata,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(frames: &[&'static [u8]]) -> Vec<Bytes> {
        frames.iter().map(|f| Bytes::from_static(f)).collect()
    }

    #[test]
    fn request_frames() {
        let r = ZapRequest::new(
            Bytes::from_static(b"dom"),
            Bytes::from_static(b"127.0.0.1"),
            Bytes::new(),
            b"NULL",
            vec![],
        );
        assert_eq!(
            r.frames,
            reply(&[b"", b"1.0", b"1", b"dom", b"127.0.0.1", b"", b"NULL"])
        );
    }

    #[test]
    fn reply_checks_in_libzmq_order() {
        let ok = reply(&[b"", b"1.0", b"1", b"200", b"OK", b"alice", b""]);
        let r = ZapReply::parse(&ok).unwrap();
        assert_eq!((r.status, &r.user_id[..]), (200, &b"alice"[..]));
        for (code, status) in [(b"300", 300), (b"400", 400), (b"500", 500)] {
            let f = reply(&[b"", b"1.0", b"1", code, b"", b"", b""]);
            assert_eq!(ZapReply::parse(&f).unwrap().status, status);
        }
        use consts::*;
        let cases: [(&[&'static [u8]], i32); 9] = [
            (
                &[b"", b"1.0", b"1", b"200", b"", b""],
                ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
            ),
            (
                &[b"", b"1.0", b"1", b"200", b"", b"", b"", b""],
                ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
            ),
            (
                &[b"x", b"1.0", b"1", b"200", b"", b"", b""],
                ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED,
            ),
            (
                &[b"", b"1.1", b"1", b"200", b"", b"", b""],
                ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION,
            ),
            (
                &[b"", b"1.0", b"2", b"200", b"", b"", b""],
                ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID,
            ),
            (
                &[b"", b"1.0", b"1", b"100", b"", b"", b""],
                ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
            ),
            (
                &[b"", b"1.0", b"1", b"201", b"", b"", b""],
                ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
            ),
            (
                &[b"", b"1.0", b"1", b"2000", b"", b"", b""],
                ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
            ),
            (
                &[b"", b"1.0", b"1", b"200", b"", b"", b"\x05X-foo\x00"],
                ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA,
            ),
        ];
        for (frames, code) in cases {
            assert_eq!(ZapReply::parse(&reply(frames)), Err(code), "{frames:?}");
        }
    }
}
