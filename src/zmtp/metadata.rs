//! ZMTP metadata: the property list carried by READY, INITIATE and ZAP replies (RFC 23
//! section "Metadata", protocol.md section 3.1). Replaces libzmq's
//! `mechanism_t::add_property`/`parse_metadata`.
//!
//! A property is `name_len (1) | name | value_len (4, BE) | value`. Parsing follows libzmq
//! exactly: it loops while more than one byte remains, and any truncation or a single
//! trailing byte is an error. Every length is checked against what remains before use.

use bytes::{BufMut, Bytes, BytesMut};

/// An ordered list of properties, as received or to be sent.
///
/// Names are compared exactly (case-sensitive), as libzmq does. When a name occurs twice the
/// first occurrence wins on lookup, like libzmq's `std::map::emplace`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    props: Vec<(Bytes, Bytes)>,
}

/// Why a property list could not be parsed (libzmq: `EPROTO`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MalformedMetadata;

impl Metadata {
    /// The empty list, as a constant.
    pub const EMPTY: Metadata = Metadata { props: Vec::new() };

    /// An empty list.
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// Parses a property list from `data` (zero-copy: names and values share `data`).
    ///
    /// # Errors
    /// [`MalformedMetadata`] when a property runs past the end or one byte is left over.
    pub fn decode(data: &Bytes) -> Result<Metadata, MalformedMetadata> {
        let mut props = Vec::new();
        let mut pos = 0;
        // libzmq's loop condition: a lone trailing byte is not parsed but is an error below.
        while data.len() - pos > 1 {
            let name_len = usize::from(data[pos]);
            pos += 1;
            if data.len() - pos < name_len {
                return Err(MalformedMetadata);
            }
            let name = data.slice(pos..pos + name_len);
            pos += name_len;
            if data.len() - pos < 4 {
                return Err(MalformedMetadata);
            }
            let value_len =
                u32::from_be_bytes([data[pos], data[pos + 1], data[pos + 2], data[pos + 3]]);
            pos += 4;
            // On 64-bit and 32-bit targets alike a u32 fits usize; compare as u64 anyway.
            if ((data.len() - pos) as u64) < u64::from(value_len) {
                return Err(MalformedMetadata);
            }
            let value_len = value_len as usize;
            let value = data.slice(pos..pos + value_len);
            pos += value_len;
            props.push((name, value));
        }
        if pos != data.len() {
            return Err(MalformedMetadata);
        }
        Ok(Metadata { props })
    }

    /// Appends a property. Names longer than 255 bytes cannot be encoded and values are
    /// limited to 2^31 - 1 bytes (RFC 23); both are checked by the caller's option parsing,
    /// so here they are truncated rather than corrupting the encoding.
    pub fn push(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        let mut name = name.into();
        name.truncate(255);
        let mut value = value.into();
        value.truncate(i32::MAX as usize);
        self.props.push((name, value));
    }

    /// Writes the encoded list to `out`.
    pub fn encode_into(&self, out: &mut BytesMut) {
        out.reserve(self.encoded_len());
        for (name, value) in &self.props {
            // push() keeps both lengths in range, so these conversions cannot truncate.
            out.put_u8(name.len() as u8);
            out.put_slice(name);
            out.put_u32(value.len() as u32);
            out.put_slice(value);
        }
    }

    /// The size of the encoding in bytes.
    pub fn encoded_len(&self) -> usize {
        self.props
            .iter()
            .map(|(n, v)| 1 + n.len() + 4 + v.len())
            .sum()
    }

    /// The value of the first property named exactly `name`.
    pub fn get(&self, name: &[u8]) -> Option<&Bytes> {
        self.props
            .iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v)
    }

    /// All properties in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &Bytes)> {
        self.props.iter().map(|(n, v)| (n, v))
    }

    /// The number of properties.
    pub fn len(&self) -> usize {
        self.props.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }
}

impl std::fmt::Debug for Metadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.props.iter().map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            }))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_x_foo_bar_as_libzmq() {
        let mut m = Metadata::new();
        m.push(&b"X-foo"[..], &b"bar"[..]);
        let mut out = BytesMut::new();
        m.encode_into(&mut out);
        assert_eq!(
            &out[..],
            &[
                0x05, b'X', b'-', b'f', b'o', b'o', 0, 0, 0, 3, b'b', b'a', b'r'
            ]
        );
        assert_eq!(m.encoded_len(), out.len());
        let back = Metadata::decode(&out.freeze()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn decode_rules() {
        // Empty and a lone zero byte... a lone byte is an error (libzmq: bytes_left > 0).
        assert_eq!(Metadata::decode(&Bytes::new()), Ok(Metadata::new()));
        assert_eq!(
            Metadata::decode(&Bytes::from_static(b"\x00")),
            Err(MalformedMetadata)
        );
        // Zero-length name and value are fine.
        let m = Metadata::decode(&Bytes::from_static(b"\x00\x00\x00\x00\x00")).unwrap();
        assert_eq!(m.get(b""), Some(&Bytes::new()));
        // Name runs past the end.
        assert!(Metadata::decode(&Bytes::from_static(b"\x05abc")).is_err());
        // Value length runs past the end (huge length, no allocation).
        assert!(Metadata::decode(&Bytes::from_static(b"\x01a\xff\xff\xff\xffxyz")).is_err());
        // Value length field truncated.
        assert!(Metadata::decode(&Bytes::from_static(b"\x01a\x00\x00")).is_err());
        // Trailing single byte after a good property.
        assert!(Metadata::decode(&Bytes::from_static(b"\x01a\x00\x00\x00\x00\x07")).is_err());
        // Duplicate: the first wins.
        let m = Metadata::decode(&Bytes::from_static(
            b"\x01a\x00\x00\x00\x011\x01a\x00\x00\x00\x012",
        ))
        .unwrap();
        assert_eq!(m.get(b"a").unwrap().as_ref(), b"1");
        assert_eq!(m.len(), 2);
        assert_eq!(m.get(b"A"), None);
    }

    #[test]
    fn decode_every_prefix_never_panics() {
        let full = Bytes::from_static(
            b"\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00",
        );
        for n in 0..full.len() {
            let r = Metadata::decode(&full.slice(..n));
            // Only the empty prefix and the boundary after the first property are valid.
            assert_eq!(r.is_ok(), n == 0 || n == 22, "prefix {n}");
        }
        assert!(Metadata::decode(&full).is_ok());
    }
}
