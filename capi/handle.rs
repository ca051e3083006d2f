//! Handles: the opaque pointers C holds for contexts and sockets, and `zmq_msg_t` storage.
//!
//! A context or socket handle is a `Box<Handle<T>>` turned into a raw pointer. Its first field
//! is a tag, as in libzmq (`ctx_t::check_tag`, `socket_base_t::check_tag`): a pointer whose tag
//! is wrong is refused with `EFAULT` (contexts) or `ENOTSOCK` (sockets) instead of being used.
//! The tag is overwritten when the handle is freed, so a stale pointer to freed memory that has
//! not been reused is caught too. Only this file turns raw pointers into references.

use std::ffi::c_void;

use crate::error::Error;
use crate::msg::{self, Msg};

/// Tag of a live context handle (libzmq uses the same value).
pub(crate) const CTX_TAG: u32 = 0xabad_cafe;
/// Tag of a live socket handle (libzmq uses the same value).
#[allow(dead_code)] // the socket engine (issue 3) hands out socket handles
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

const _: () = assert!(std::mem::size_of::<Msg>() <= std::mem::size_of::<zmq_msg_t>());
const _: () = assert!(std::mem::align_of::<Msg>() <= std::mem::align_of::<zmq_msg_t>());

/// Whether `p` is non-NULL, aligned, and holds a live message (its validity tag is set).
/// Like libzmq's type-byte check this is best effort: it catches NULL, zeroed, closed and
/// most garbage storage, and reports `EFAULT` for them instead of using them.
///
/// # Safety
/// `p` must be NULL or point to 64 readable bytes.
unsafe fn msg_is_live(p: *const zmq_msg_t) -> bool {
    if p.is_null() || !p.is_aligned() {
        return false;
    }
    // SAFETY: `p` points to 64 readable bytes and the tag lies within them (asserted in
    // src/msg.rs); read_unaligned needs no alignment.
    let tag = unsafe {
        p.cast::<u8>()
            .add(msg::TAG_OFFSET)
            .cast::<u16>()
            .read_unaligned()
    };
    tag == msg::LIVE_TAG
}

/// Borrows the message in `p`; `EFAULT` if `p` is NULL or holds no live message.
///
/// # Safety
/// `p` must be NULL or point to a `zmq_msg_t` that nothing else uses for `'a`.
pub(crate) unsafe fn msg_ref<'a>(p: *const zmq_msg_t) -> Result<&'a Msg, Error> {
    // SAFETY: forwarded caller contract.
    if !unsafe { msg_is_live(p) } {
        return Err(Error::Fault);
    }
    // SAFETY: aligned, and the tag says a live Msg was written here by `msg_init`.
    Ok(unsafe { &*p.cast::<Msg>() })
}

/// Borrows the message in `p` mutably; `EFAULT` if `p` is NULL or holds no live message.
///
/// # Safety
/// As [`msg_ref`], and no other reference to the same storage may exist for `'a`.
pub(crate) unsafe fn msg_mut<'a>(p: *mut zmq_msg_t) -> Result<&'a mut Msg, Error> {
    // SAFETY: forwarded caller contract.
    if !unsafe { msg_is_live(p) } {
        return Err(Error::Fault);
    }
    // SAFETY: aligned, live (tag checked), and exclusively ours by the caller's promise.
    Ok(unsafe { &mut *p.cast::<Msg>() })
}

/// Borrows two messages for copy/move: `Ok(None)` when both pointers are the same live
/// message (copying or moving a message onto itself changes nothing); `EFAULT` if either
/// is NULL or holds no live message.
///
/// # Safety
/// As [`msg_mut`] for both pointers.
pub(crate) unsafe fn msg_pair<'a>(
    dst: *mut zmq_msg_t,
    src: *mut zmq_msg_t,
) -> Result<Option<(&'a mut Msg, &'a mut Msg)>, Error> {
    // SAFETY: forwarded caller contract.
    if !unsafe { msg_is_live(src) && msg_is_live(dst) } {
        return Err(Error::Fault);
    }
    if std::ptr::eq(dst, src) {
        return Ok(None);
    }
    // SAFETY: both live and distinct, so the two exclusive borrows do not alias.
    Ok(Some(unsafe {
        (&mut *dst.cast::<Msg>(), &mut *src.cast::<Msg>())
    }))
}

/// Writes the message `make` builds into `p` without reading what was there
/// (`zmq_msg_init*`: the storage is uninitialised, or a message the caller has given up, as
/// in libzmq). The pointer is checked first, so nothing is built (and no foreign buffer is
/// taken over) when it is NULL or misaligned (`EFAULT`).
///
/// # Safety
/// `p` must be NULL or point to 64 writable bytes.
pub(crate) unsafe fn msg_init(
    p: *mut zmq_msg_t,
    make: impl FnOnce() -> Result<Msg, Error>,
) -> Result<(), Error> {
    if p.is_null() || !p.is_aligned() {
        return Err(Error::Fault);
    }
    let m = make()?;
    // SAFETY: non-NULL, aligned, 64 writable bytes, and Msg fits (asserted above).
    unsafe { p.cast::<Msg>().write(m) };
    Ok(())
}

/// Closes the message in `p`: drops it and marks the storage dead, so that a second close
/// (or any other use) gives `EFAULT`, as in libzmq.
///
/// # Safety
/// As [`msg_mut`].
pub(crate) unsafe fn msg_close(p: *mut zmq_msg_t) -> Result<(), Error> {
    // SAFETY: forwarded caller contract; checks that a live Msg is there.
    let m: *mut Msg = unsafe { msg_mut(p)? };
    // Move the message out and mark the storage dead before dropping it, so that the
    // storage never holds a second owner and is dead even if dropping panics.
    // SAFETY: `m` is live (checked), aligned and exclusively ours; once the tag is dead
    // nothing reads it as a Msg again, so the bytes left behind are never used or dropped.
    let taken = unsafe { m.read() };
    // SAFETY: `p` is aligned and live, and the tag lies within the storage.
    unsafe {
        p.cast::<u8>()
            .add(msg::TAG_OFFSET)
            .cast::<u16>()
            .write_unaligned(msg::DEAD_TAG);
    }
    drop(taken);
    Ok(())
}

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
