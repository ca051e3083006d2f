//! Handles: the opaque pointers C holds for contexts and sockets, and `zmq_msg_t` storage.
//!
//! A context or socket handle is a `Box<Handle<T>>` turned into a raw pointer. Its first field
//! is a tag, as in libzmq (`ctx_t::check_tag`, `socket_base_t::check_tag`): a pointer whose tag
//! is wrong is refused with `EFAULT` (contexts) or `ENOTSOCK` (sockets) instead of being used.
//! The tag is overwritten when the handle is freed, so a stale pointer to freed memory that has
//! not been reused is caught too. Only this file turns raw pointers into references.

use std::ffi::c_void;

use crate::error::Error;

/// Tag of a live context handle (libzmq uses the same value).
pub(crate) const CTX_TAG: u32 = 0xabad_cafe;
/// Tag of a live socket handle (libzmq uses the same value).
pub(crate) const SOCKET_TAG: u32 = 0xbadd_ecaf;
/// Tag written into a handle as it is freed.
const DEAD_TAG: u32 = 0xdead_beef;

/// A tagged box around a core object, handed to C as `void *`.
#[repr(C)]
pub(crate) struct Handle<T> {
    tag: u32,
    inner: T,
}

impl<T> Handle<T> {
    /// Boxes `inner` under `tag` and returns the pointer C will hold.
    pub(crate) fn into_raw(tag: u32, inner: T) -> *mut c_void {
        Box::into_raw(Box::new(Handle { tag, inner })).cast()
    }

    /// Borrows the object behind `p` if it carries `tag`; otherwise `bad`.
    ///
    /// # Safety
    /// `p` must be NULL or a pointer C obtained from [`Handle::into_raw`] with the same `T`
    /// (libzmq makes the same demand: any other pointer is undefined behaviour there too,
    /// and the tag check is a best-effort guard).
    pub(crate) unsafe fn from_raw<'a>(
        p: *mut c_void,
        tag: u32,
        bad: Error,
    ) -> Result<&'a T, Error> {
        let h = p.cast::<Handle<T>>();
        if h.is_null() || !h.is_aligned() {
            return Err(bad);
        }
        // SAFETY: non-NULL, aligned, and by the caller's promise a Handle<T>.
        let h = unsafe { &*h };
        if h.tag != tag {
            return Err(bad);
        }
        Ok(&h.inner)
    }

    /// Takes the object back from C, marking the handle dead, and frees the handle.
    ///
    /// # Safety
    /// As [`Handle::from_raw`]; afterwards C must not use `p` again.
    pub(crate) unsafe fn take(p: *mut c_void, tag: u32, bad: Error) -> Result<T, Error> {
        // SAFETY: forwarded caller contract.
        unsafe { Self::from_raw(p, tag, bad)? };
        let h = p.cast::<Handle<T>>();
        // SAFETY: checked above to be a live Handle<T> from Box::into_raw.
        let mut b = unsafe { Box::from_raw(h) };
        b.tag = DEAD_TAG;
        Ok(b.inner)
    }
}

/// `zmq_msg_t`: 64 bytes of storage, pointer-aligned, in which a [`crate::msg::Msg`] lives.
/// C code may copy it bytewise; the message API (capi/msg.rs) reads and writes it only through
/// the helpers of this file.
#[repr(C, align(8))]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct zmq_msg_t {
    _d: [u8; 64],
}

const _: () = assert!(std::mem::size_of::<zmq_msg_t>() == 64);
const _: () = assert!(std::mem::align_of::<zmq_msg_t>() == 8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_is_checked() {
        let p = Handle::into_raw(CTX_TAG, 42u64);
        // SAFETY: p comes from into_raw with T = u64.
        unsafe {
            assert_eq!(
                *Handle::<u64>::from_raw(p, CTX_TAG, Error::Fault).unwrap(),
                42
            );
            assert_eq!(
                Handle::<u64>::from_raw(p, SOCKET_TAG, Error::NotSock).err(),
                Some(Error::NotSock)
            );
            assert_eq!(
                Handle::<u64>::from_raw(std::ptr::null_mut(), CTX_TAG, Error::Fault).err(),
                Some(Error::Fault)
            );
            assert_eq!(Handle::<u64>::take(p, CTX_TAG, Error::Fault).unwrap(), 42);
        }
    }
}
