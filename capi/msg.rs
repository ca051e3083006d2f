//! The message functions of `zmq.h` (`zmq_msg_*`), over [`crate::msg::Msg`].
//!
//! Where libzmq checks a message (close, copy, move) an invalid one gives `EFAULT`, as there.
//! Where libzmq does not check and would crash or abort (NULL pointers anywhere; data, size
//! and the getters on a closed or never-initialised message), we check anyway and fail with
//! `EFAULT` (NULL from `zmq_msg_data`, 0 from `zmq_msg_size` and `zmq_msg_routing_id`).

use std::ffi::{c_char, c_int, c_void};

use crate::capi::boundary::{c_bytes, c_str, ffi_boundary};
use crate::capi::handle::{msg_close, msg_init, msg_mut, msg_pair, msg_ref, zmq_msg_t};
use crate::consts::{ZMQ_GROUP_MAX_LENGTH, ZMQ_MORE, ZMQ_SHARED, ZMQ_SRCFD};
use crate::error::Error;
use crate::msg::Msg;

/// `zmq_free_fn`: frees a buffer given to `zmq_msg_init_data`.
#[allow(non_camel_case_types)]
pub type zmq_free_fn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// Initialises an empty message.
///
/// # Safety
/// `msg` must be NULL or point to a writable `zmq_msg_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_init(msg: *mut zmq_msg_t) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| unsafe { msg_init(msg, || Ok(Msg::new())) }.map(|()| 0))
}

/// Initialises a message of `size` bytes; `ENOMEM` if they cannot be allocated. As in
/// libzmq, the contents are unspecified until the caller writes them (no zero-filling).
///
/// # Safety
/// As [`zmq_msg_init`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_init_size(msg: *mut zmq_msg_t, size: usize) -> c_int {
    // SAFETY: forwarded caller contract for `msg`; `msg_init` writes the new message into
    // the caller's `zmq_msg_t` at once, which is the hand-over to C that
    // `Msg::with_size_for_c` requires before its payload is read.
    ffi_boundary(|| unsafe { msg_init(msg, || Msg::with_size_for_c(size)) }.map(|()| 0))
}

/// Initialises a message over the caller's buffer without copying it. `ffn(data, hint)`
/// runs once when the last reference goes, possibly on another thread; without `ffn` the
/// buffer is constant data that is never freed. NULL `data` with a non-zero size is `EFAULT`
/// (libzmq aborts).
///
/// # Safety
/// As [`zmq_msg_init`]; `data` must hold `size` bytes that stay valid until `ffn` runs (or
/// forever without `ffn`), and `ffn` must be callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_init_data(
    msg: *mut zmq_msg_t,
    data: *mut c_void,
    size: usize,
    ffn: Option<zmq_free_fn>,
    hint: *mut c_void,
) -> c_int {
    ffi_boundary(|| {
        if data.is_null() && size != 0 {
            return Err(Error::Fault);
        }
        // SAFETY: forwarded caller contract; the promises about data, size, ffn and hint
        // are the ones from_foreign needs.
        unsafe { msg_init(msg, || Ok(Msg::from_foreign(data, size, ffn, hint))) }.map(|()| 0)
    })
}

/// Initialises a message with a copy of `size` bytes at `buf` (draft). NULL `buf` with a
/// non-zero size is `EFAULT` (libzmq asserts).
///
/// # Safety
/// As [`zmq_msg_init`]; `buf` must hold `size` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_init_buffer(
    msg: *mut zmq_msg_t,
    buf: *const c_void,
    size: usize,
) -> c_int {
    ffi_boundary(|| {
        // SAFETY: the caller promises `size` readable bytes at `buf`.
        let data = unsafe { c_bytes(buf, size)? };
        // SAFETY: forwarded caller contract.
        unsafe { msg_init(msg, || Msg::copy_from_slice(data)) }.map(|()| 0)
    })
}

/// Releases a message; `EFAULT` if it is not a live message (e.g. closed already).
///
/// # Safety
/// `msg` must be NULL or point to a readable, writable `zmq_msg_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_close(msg: *mut zmq_msg_t) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| unsafe { msg_close(msg) }.map(|()| 0))
}

/// Moves `src` into `dest` (which must be a live message; its old content is released) and
/// leaves `src` empty. Moving a message onto itself changes nothing.
///
/// # Safety
/// Both must be NULL or point to readable, writable `zmq_msg_t`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_move(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        if let Some((d, s)) = unsafe { msg_pair(dest, src)? } {
            d.move_from(s);
        }
        Ok(0)
    })
}

/// Copies `src` into `dest` (which must be a live message; its old content is released),
/// sharing a non-inline payload. Copying a message onto itself changes nothing.
///
/// # Safety
/// As [`zmq_msg_move`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_copy(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        if let Some((d, s)) = unsafe { msg_pair(dest, src)? } {
            *d = s.copy();
        }
        Ok(0)
    })
}

/// The payload address.
///
/// # Safety
/// `msg` must be NULL or point to a `zmq_msg_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_data(msg: *mut zmq_msg_t) -> *mut c_void {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| Ok(unsafe { msg_mut(msg)? }.data_ptr().cast()))
}

/// The payload size in bytes.
///
/// # Safety
/// As [`zmq_msg_data`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_size(msg: *const zmq_msg_t) -> usize {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| Ok(unsafe { msg_ref(msg)? }.len()))
}

/// 1 if more frames follow, else 0.
///
/// # Safety
/// As [`zmq_msg_data`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_more(msg: *const zmq_msg_t) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| Ok(c_int::from(unsafe { msg_ref(msg)? }.more())))
}

/// A message property: `ZMQ_MORE` and `ZMQ_SHARED` (0/1), `ZMQ_SRCFD` (the source fd, or
/// -1/`EINVAL` when the message did not come from a connection); others `EINVAL`.
///
/// # Safety
/// As [`zmq_msg_data`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_get(msg: *const zmq_msg_t, property: c_int) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let m = unsafe { msg_ref(msg)? };
        match property {
            ZMQ_MORE => Ok(c_int::from(m.more())),
            ZMQ_SHARED => Ok(c_int::from(m.is_shared())),
            ZMQ_SRCFD => m.srcfd().ok_or(Error::Inval),
            _ => Err(Error::Inval),
        }
    })
}

/// Sets a message property: there are none, so always -1/`EINVAL`, as in libzmq (which
/// does not look at the message either).
///
/// # Safety
/// Any pointer is accepted; it is not used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_set(msg: *mut zmq_msg_t, property: c_int, value: c_int) -> c_int {
    let _ = (msg, property, value);
    ffi_boundary(|| Err(Error::Inval))
}

/// A metadata property as a C string that lives as long as the message; NULL/`EINVAL` when
/// absent (or when `property` is NULL).
///
/// # Safety
/// As [`zmq_msg_data`]; `property` must be NULL or a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_gets(
    msg: *const zmq_msg_t,
    property: *const c_char,
) -> *const c_char {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let m = unsafe { msg_ref(msg)? };
        // SAFETY: the caller promises NULL or a C string.
        let name = unsafe { c_str(property)? };
        m.property(name).map(|v| v.as_ptr()).ok_or(Error::Inval)
    })
}

/// Sets the routing id (draft, SERVER/PEER); 0 is `EINVAL`.
///
/// # Safety
/// As [`zmq_msg_data`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_set_routing_id(msg: *mut zmq_msg_t, routing_id: u32) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let m = unsafe { msg_mut(msg)? };
        m.set_routing_id(routing_id).map(|()| 0)
    })
}

/// The routing id (draft); 0 when none.
///
/// # Safety
/// As [`zmq_msg_data`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_routing_id(msg: *mut zmq_msg_t) -> u32 {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| Ok(unsafe { msg_ref(msg)? }.routing_id()))
}

/// Sets the RADIO/DISH group (draft). Like libzmq, at most `ZMQ_GROUP_MAX_LENGTH` (255)
/// characters are read and a longer name is cut there; NULL is `EINVAL`.
///
/// # Safety
/// As [`zmq_msg_data`]; `group` must be NULL or a C string (or hold at least 255 bytes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_set_group(msg: *mut zmq_msg_t, group: *const c_char) -> c_int {
    ffi_boundary(|| {
        // SAFETY: forwarded caller contract.
        let m = unsafe { msg_mut(msg)? };
        if group.is_null() {
            return Err(Error::Inval);
        }
        let max = ZMQ_GROUP_MAX_LENGTH as usize;
        // SAFETY: a C string or at least `max` readable bytes; strnlen reads no further.
        let len = unsafe { libc::strnlen(group, max) };
        // SAFETY: `len` bytes were just found readable.
        let name = unsafe { c_bytes(group.cast(), len)? };
        m.set_group(name).map(|()| 0)
    })
}

/// The RADIO/DISH group (draft); "" when none. The string lives as long as the message.
///
/// # Safety
/// As [`zmq_msg_data`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn zmq_msg_group(msg: *mut zmq_msg_t) -> *const c_char {
    // SAFETY: forwarded caller contract.
    ffi_boundary(|| Ok(unsafe { msg_ref(msg)? }.group().as_ptr()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::errno;
    use std::mem::MaybeUninit;

    fn storage() -> MaybeUninit<zmq_msg_t> {
        MaybeUninit::zeroed()
    }

    #[test]
    fn lifecycle_and_errors() {
        let mut a = storage();
        let mut b = storage();
        let pa = a.as_mut_ptr();
        let pb = b.as_mut_ptr();
        // SAFETY: pa and pb point to zmq_msg_t storage on this stack frame.
        unsafe {
            // Zeroed storage is not a message.
            assert_eq!(zmq_msg_close(pa), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert_eq!(zmq_msg_init_size(pa, 100), 0);
            assert_eq!(zmq_msg_size(pa), 100);
            assert_eq!(zmq_msg_init(pb), 0);
            assert_eq!(zmq_msg_copy(pb, pa), 0);
            assert_eq!(zmq_msg_get(pb, ZMQ_SHARED), 1);
            assert_eq!(zmq_msg_data(pa), zmq_msg_data(pb));
            assert_eq!(zmq_msg_copy(pa, pa), 0);
            assert_eq!(zmq_msg_size(pa), 100);
            assert_eq!(zmq_msg_close(pa), 0);
            assert_eq!(zmq_msg_close(pa), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert!(zmq_msg_data(pa).is_null());
            assert_eq!(zmq_msg_move(pa, pb), -1);
            assert_eq!(zmq_msg_close(pb), 0);
            assert_eq!(zmq_msg_init(std::ptr::null_mut()), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
            assert_eq!(zmq_msg_set_group(pa, c"g".as_ptr()), -1);
            assert_eq!(errno::get_raw(), libc::EFAULT);
        }
    }
}
