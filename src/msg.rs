//! Messages: one frame of payload with its flags, routing id, group and metadata.
//!
//! A [`Msg`] lives inside the caller's 64-byte `zmq_msg_t`, which C code may copy bytewise and
//! `zmq_msg_move` moves bytewise; so `Msg` is at most 64 bytes, aligned to at most 8, and
//! holds no pointer into itself (compile-time assertions below).
//!
//! The payload takes one of three forms, chosen as libzmq chooses its own:
//! - up to [`INLINE_MAX`] bytes inline (libzmq's "very small message"); a copy copies the bytes;
//! - a larger buffer this library allocated and nobody shares yet (`Owned`), writable in place;
//! - a shared [`Bytes`]: a buffer after its first copy, a buffer handed over by the engine, a
//!   foreign buffer from `zmq_msg_init_data` (its free function runs when the last reference
//!   goes, on whichever thread that is), or constant data (`zmq_send_const`).
//!
//! Copying a non-inline message shares the buffer (a reference count, no data copy) and marks
//! both messages [`SHARED`], which `zmq_msg_get(ZMQ_SHARED)` reports, exactly as libzmq does.
//!
//! The owned buffer ([`Buf`]) may hold bytes nobody has written yet: `zmq_msg_init_size`
//! hands C a buffer as libzmq's `malloc` does (zero-filling it would cost a `memset` and a
//! page fault per fresh page, which libzmq does not pay). Rust-side constructors always
//! initialise it (zeroes or a copy); see [`Msg::with_size_for_c`] for why reading a buffer
//! that was handed to C is sound.
//!
//! Owned buffers of up to [`pool::MAX_POOLED`] bytes are recycled through a bounded pool
//! ([`pool`]) instead of going back to `malloc` at once. A message is typically allocated
//! on one thread and freed on another (inproc, or the I/O thread for tcp): glibc then sees
//! bursts of frees on the receiving side that coalesce with the top of the sender's arena
//! and trims it (`madvise(MADV_DONTNEED)`), and the sender faults the same pages back in a
//! moment later, under the arena lock. Recycling keeps those pages in use: on
//! `inproc_thr 1024` this took us from ~30k page faults and ~35k context switches per
//! million messages to under 1k and ~3-6k (libzmq 4.3.4: ~1-3k, ~10-15k). Large buffers
//! (1 MiB) show the same over tcp, on both sides: the sender's arena trimmed behind the
//! I/O thread's frees, the receiving engine's arena behind the application's.

use std::alloc::{Layout, alloc, alloc_zeroed, dealloc};
use std::ffi::{CStr, c_void};
use std::ptr::NonNull;
use std::sync::Arc;

use bytes::Bytes;

use crate::consts::ZMQ_GROUP_MAX_LENGTH;
use crate::error::{Error, Result};

/// The largest payload stored inline; the same bound as libzmq on 64-bit systems, so that
/// `ZMQ_SHARED` after a copy matches it (inline copies are not shared).
pub const INLINE_MAX: usize = 33;

/// Flag: more frames of the same message follow.
pub const MORE: u8 = 1;
/// Flag: the frame is a ZMTP command, not data.
pub const COMMAND: u8 = 2;
/// Flag: the frame carries the peer's credential (libzmq's value).
pub const CREDENTIAL: u8 = 32;
/// Flag: the frame is a routing id (libzmq's value).
pub const ROUTING_ID: u8 = 64;
/// Flag: the payload is shared with another message or is constant data.
pub const SHARED: u8 = 128;
/// Flag, internal: not a message but a pipe's context item, which carries the metadata of
/// the messages after it (see [`Msg::context`]).
const CONTEXT: u8 = 16;

/// Value of the validity tag in a live message. C code sees `zmq_msg_t` as plain bytes, so
/// the C API reads this tag (at [`TAG_OFFSET`]) before trusting the bytes as a `Msg`, as
/// libzmq checks its type byte: zeroed, closed or garbage storage is refused with `EFAULT`.
pub(crate) const LIVE_TAG: u16 = 0x6d5a;
/// Value written over the tag when the C API closes a message.
pub(crate) const DEAD_TAG: u16 = 0;
/// Byte offset of the validity tag inside `Msg`.
pub(crate) const TAG_OFFSET: usize = std::mem::offset_of!(Msg, tag);

/// A function that frees a foreign buffer: `ffn(data, hint)`, as `zmq_free_fn`.
pub type FreeFn = unsafe extern "C" fn(*mut c_void, *mut c_void);

/// One message frame.
#[repr(C)]
pub struct Msg {
    body: Body,
    metadata: Option<Arc<Metadata>>,
    group: Option<Arc<Group>>,
    routing_id: u32,
    flags: u8,
    tag: u16,
}

const _: () = assert!(std::mem::size_of::<Msg>() <= 64);
const _: () = assert!(std::mem::align_of::<Msg>() <= 8);
const _: () = assert!(TAG_OFFSET + 2 <= 64);

/// Where the payload lives.
enum Body {
    /// Small payloads, in place.
    Inline { len: u8, data: [u8; INLINE_MAX] },
    /// A buffer of this library's that no other message shares: C may write into it.
    Owned(Buf),
    /// A reference-counted buffer, possibly shared, foreign or constant.
    Shared(Bytes),
}

impl Default for Msg {
    fn default() -> Self {
        Msg::new()
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Msg")
            .field("len", &self.len())
            .field("flags", &self.flags)
            .field("routing_id", &self.routing_id)
            .field("group", &self.group())
            .finish_non_exhaustive()
    }
}

impl Msg {
    /// An empty message (`zmq_msg_init`).
    pub fn new() -> Msg {
        Msg::with_body(Body::Inline {
            len: 0,
            data: [0; INLINE_MAX],
        })
    }

    fn with_body(body: Body) -> Msg {
        Msg {
            body,
            metadata: None,
            group: None,
            routing_id: 0,
            flags: 0,
            tag: LIVE_TAG,
        }
    }

    /// A message of `len` zero bytes; `NoMem` if the allocation fails (never an abort).
    pub fn with_size(len: usize) -> Result<Msg> {
        Msg::alloc(len, true)
    }

    /// A message of `len` bytes whose contents are left as the allocator returns them, for
    /// `zmq_msg_init_size`: libzmq `malloc`s the buffer and leaves it to the caller, and
    /// programs that never write it (libzmq's `inproc_thr` and `remote_thr`) must not pay
    /// for a `memset` and a page fault per fresh page (a 1 MiB buffer is a fresh `mmap`).
    ///
    /// # Safety
    /// The message must be handed to C (written into the caller's `zmq_msg_t`) before
    /// anything reads the payload; the only caller is `zmq_msg_init_size`, which does that
    /// at once. Why later reads are then sound: the buffer belongs to the C program, which
    /// reaches it through `zmq_msg_t` (its address is in there) and `zmq_msg_data`, and whose
    /// contract (libzmq's) is that the bytes are unspecified until it writes them. Once the
    /// address has crossed the FFI boundary, Rust cannot know, and the compiler cannot
    /// assume, that C left any byte unwritten, so the bytes are treated as initialised, like
    /// every buffer Rust gets from C (`zmq_msg_init_data`, `zmq_send`); every bit pattern is
    /// a valid `u8`. What such a byte holds if C never wrote it is unspecified, exactly as
    /// with libzmq. Rust never forms a `&[u8]` over the buffer before the hand-over.
    pub unsafe fn with_size_for_c(len: usize) -> Result<Msg> {
        Msg::alloc(len, false)
    }

    /// A message of `len` bytes, zeroed or not (see [`Msg::with_size_for_c`] for when not).
    fn alloc(len: usize, zeroed: bool) -> Result<Msg> {
        if len <= INLINE_MAX {
            return Ok(Msg::with_body(Body::Inline {
                len: len as u8,
                data: [0; INLINE_MAX],
            }));
        }
        Ok(Msg::with_body(Body::Owned(Buf::new(len, zeroed)?)))
    }

    /// A message holding a copy of `data` (`zmq_msg_init_buffer`, `zmq_send`).
    pub fn copy_from_slice(data: &[u8]) -> Result<Msg> {
        if data.len() <= INLINE_MAX {
            let mut inline = [0; INLINE_MAX];
            inline[..data.len()].copy_from_slice(data);
            return Ok(Msg::with_body(Body::Inline {
                len: data.len() as u8,
                data: inline,
            }));
        }
        // Not zeroed first: the copy initialises every byte.
        let buf = Buf::new(data.len(), false)?;
        // SAFETY: `buf` holds `data.len()` writable bytes of its own, so the two do not
        // overlap; afterwards every byte in use is initialised.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), buf.ptr.as_ptr(), data.len());
        }
        Ok(Msg::with_body(Body::Owned(buf)))
    }

    /// A message holding a copy of `data`, which fits inline: at most [`INLINE_MAX`]
    /// bytes (longer data is cut there; the engine only passes frames that fit).
    pub fn inline(data: &[u8]) -> Msg {
        debug_assert!(data.len() <= INLINE_MAX);
        let len = data.len().min(INLINE_MAX);
        let mut inline = [0; INLINE_MAX];
        inline[..len].copy_from_slice(&data[..len]);
        Msg::with_body(Body::Inline {
            len: len as u8,
            data: inline,
        })
    }

    /// A message over `bytes` without copying it, except that small payloads are copied
    /// inline, as libzmq stores them.
    pub fn from_bytes(bytes: Bytes) -> Msg {
        if bytes.len() <= INLINE_MAX {
            let mut data = [0; INLINE_MAX];
            data[..bytes.len()].copy_from_slice(&bytes);
            return Msg::with_body(Body::Inline {
                len: bytes.len() as u8,
                data,
            });
        }
        Msg::with_body(Body::Shared(bytes))
    }

    /// A message over constant data that is never freed (`zmq_send_const` in Rust terms);
    /// reported as shared, as libzmq reports its constant messages.
    pub fn from_static(data: &'static [u8]) -> Msg {
        let mut m = Msg::with_body(Body::Shared(Bytes::from_static(data)));
        m.flags = SHARED;
        m
    }

    /// A message over a caller's buffer without copying it (`zmq_msg_init_data`).
    ///
    /// With `ffn`, `ffn(data, hint)` runs exactly once, when the last message referring to
    /// the buffer is dropped, on whichever thread drops it. Without, the buffer is constant
    /// data that is never freed (`zmq_send_const`), and the message reports [`SHARED`].
    ///
    /// # Safety
    /// `data` must point to `len` readable bytes (or `len` must be 0) that stay valid and
    /// unchanged until `ffn` runs, or forever when `ffn` is `None`; `ffn` must be safe to call
    /// with `(data, hint)` from any thread.
    pub unsafe fn from_foreign(
        data: *mut c_void,
        len: usize,
        ffn: Option<FreeFn>,
        hint: *mut c_void,
    ) -> Msg {
        let constant = ffn.is_none();
        let owner = ForeignBuffer {
            data,
            len,
            ffn,
            hint,
        };
        let mut m = Msg::with_body(Body::Shared(Bytes::from_owner(owner)));
        if constant {
            m.flags = SHARED;
        }
        m
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        match &self.body {
            Body::Inline { len, data } => &data[..usize::from(*len)],
            Body::Owned(b) => b.as_ref(),
            Body::Shared(b) => b,
        }
    }

    /// The payload, writable, unless it is shared with other messages or foreign.
    pub fn data_mut(&mut self) -> Option<&mut [u8]> {
        match &mut self.body {
            Body::Inline { len, data } => Some(&mut data[..usize::from(*len)]),
            Body::Owned(b) => Some(b.as_mut()),
            Body::Shared(_) => None,
        }
    }

    /// The payload address handed to C by `zmq_msg_data`. C may write through it, as libzmq
    /// allows; for a shared or constant payload, what such writes do to the other holders is
    /// the caller's business, exactly as in libzmq.
    pub fn data_ptr(&mut self) -> *mut u8 {
        match &mut self.body {
            Body::Inline { data, .. } => data.as_mut_ptr(),
            Body::Owned(b) => b.ptr.as_ptr(),
            Body::Shared(b) => b.as_ptr().cast_mut(),
        }
    }

    /// The payload length in bytes.
    pub fn len(&self) -> usize {
        match &self.body {
            Body::Inline { len, .. } => usize::from(*len),
            Body::Owned(b) => b.len,
            Body::Shared(b) => b.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload as `Bytes`, leaving this message empty (flags and the rest stay). No data
    /// is copied except for inline payloads.
    pub fn take_bytes(&mut self) -> Bytes {
        let body = std::mem::replace(
            &mut self.body,
            Body::Inline {
                len: 0,
                data: [0; INLINE_MAX],
            },
        );
        match body {
            Body::Inline { len, data } => Bytes::copy_from_slice(&data[..usize::from(len)]),
            Body::Owned(b) => b.into_bytes(),
            Body::Shared(b) => b,
        }
    }

    /// The payload as `Bytes`, consuming the message (see [`Msg::take_bytes`]).
    pub fn into_bytes(mut self) -> Bytes {
        self.take_bytes()
    }

    /// The payload as `Bytes` without consuming the message: a reference for a shared
    /// buffer (the buffer becomes shared, as after a copy), a copy for an inline one.
    pub fn to_bytes(&mut self) -> Bytes {
        self.share();
        match &self.body {
            Body::Shared(b) => b.clone(),
            _ => Bytes::copy_from_slice(self.data()),
        }
    }

    /// Turns an owned buffer into a shared one and marks it shared; inline stays inline.
    fn share(&mut self) {
        if let Body::Owned(_) = self.body {
            let Body::Owned(b) = std::mem::replace(&mut self.body, Body::Shared(Bytes::new()))
            else {
                unreachable!("matched just above")
            };
            self.body = Body::Shared(b.into_bytes());
        }
        if let Body::Shared(_) = self.body {
            self.flags |= SHARED;
        }
    }

    /// A copy of this message (`zmq_msg_copy`): inline payloads are copied, others shared
    /// by reference count, and then both messages report [`SHARED`]. Flags, routing id,
    /// group and metadata are copied too.
    pub fn copy(&mut self) -> Msg {
        self.share();
        let body = match &self.body {
            Body::Inline { len, data } => Body::Inline {
                len: *len,
                data: *data,
            },
            Body::Shared(b) => Body::Shared(b.clone()),
            Body::Owned(_) => unreachable!("share() leaves no owned buffer"),
        };
        Msg {
            body,
            metadata: self.metadata.clone(),
            group: self.group.clone(),
            routing_id: self.routing_id,
            flags: self.flags,
            tag: LIVE_TAG,
        }
    }

    /// All flag bits (libzmq's values: [`MORE`], [`COMMAND`], [`SHARED`], ...).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Sets the given flag bits.
    pub fn set_flags(&mut self, flags: u8) {
        self.flags |= flags;
    }

    /// Clears the given flag bits.
    pub fn reset_flags(&mut self, flags: u8) {
        self.flags &= !flags;
    }

    /// Whether more frames follow.
    pub fn more(&self) -> bool {
        self.flags & MORE != 0
    }

    /// Sets or clears [`MORE`].
    pub fn set_more(&mut self, more: bool) {
        if more {
            self.flags |= MORE;
        } else {
            self.flags &= !MORE;
        }
    }

    /// Whether the frame is a ZMTP command.
    pub fn is_command(&self) -> bool {
        self.flags & COMMAND != 0
    }

    /// Whether the payload is shared or constant (`zmq_msg_get(ZMQ_SHARED)`).
    pub fn is_shared(&self) -> bool {
        self.flags & SHARED != 0
    }

    /// The routing id (SERVER/PEER); 0 when none.
    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }

    /// Sets the routing id; 0 is not a routing id (`EINVAL`).
    pub fn set_routing_id(&mut self, id: u32) -> Result<()> {
        if id == 0 {
            return Err(Error::Inval);
        }
        self.routing_id = id;
        Ok(())
    }

    /// Clears the routing id.
    pub fn reset_routing_id(&mut self) {
        self.routing_id = 0;
    }

    /// The RADIO/DISH group as a C string; empty when none.
    pub fn group(&self) -> &CStr {
        match &self.group {
            Some(g) => g.as_c_str(),
            None => c"",
        }
    }

    /// Sets the group; more than `ZMQ_GROUP_MAX_LENGTH` (255) bytes is `EINVAL`. A NUL byte
    /// ends the group, as it would in C.
    pub fn set_group(&mut self, group: &[u8]) -> Result<()> {
        if group.len() > ZMQ_GROUP_MAX_LENGTH as usize {
            return Err(Error::Inval);
        }
        let end = group.iter().position(|&b| b == 0).unwrap_or(group.len());
        self.group = match end {
            0 => None,
            _ => Some(Arc::new(Group::new(&group[..end]))),
        };
        Ok(())
    }

    /// The metadata the engine attached, if any.
    pub fn metadata(&self) -> Option<&Arc<Metadata>> {
        self.metadata.as_ref()
    }

    /// Attaches the connection's metadata (shared by every frame from that connection).
    pub fn set_metadata(&mut self, metadata: Arc<Metadata>) {
        self.metadata = Some(metadata);
    }

    /// A pipe's context item ([`crate::pipe::Pipe::write_context`]) for a connection's
    /// metadata: the reading end attaches it to every message after it. A session sends it
    /// once per connection, so that the I/O thread does not touch the metadata's reference
    /// count for each message while the application thread releases it for each message
    /// (the two threads would pass its cache line back and forth every time).
    pub fn context(metadata: Option<Arc<Metadata>>) -> Msg {
        let mut m = Msg::new();
        m.flags = CONTEXT;
        m.metadata = metadata;
        m
    }

    /// A metadata property (`zmq_msg_gets`), `None` when absent.
    pub fn property(&self, name: &[u8]) -> Option<&CStr> {
        self.metadata.as_ref()?.get(name)
    }

    /// The file descriptor of the connection the message came in on (`ZMQ_SRCFD`): the
    /// private `"__fd"` property, as in libzmq; `None` when absent.
    pub fn srcfd(&self) -> Option<i32> {
        let text = self.property(FD_PROPERTY)?.to_str().ok()?;
        Some(text.trim().parse().unwrap_or(0))
    }

    /// Moves `src` into `self` (`zmq_msg_move`), dropping what `self` held; `src` is left
    /// an empty message.
    pub fn move_from(&mut self, src: &mut Msg) {
        *self = std::mem::take(src);
    }
}

/// A heap buffer of this library's: `len` bytes in use out of `cap` allocated (`cap` is
/// `len` rounded up to a pool size class, see [`pool::class`]).
///
/// Invariant: the `len` bytes in use are initialised, either by Rust ([`Msg::with_size`]
/// zeroes, [`Msg::copy_from_slice`] copies) or, for a buffer from
/// [`Msg::with_size_for_c`], the buffer was handed to C, which owns its contents (see
/// there). The accessors rely on it to view the bytes as `[u8]`. Bytes past `len` are
/// never read.
struct Buf {
    ptr: NonNull<u8>,
    len: usize,
    cap: usize,
}

// SAFETY: `Buf` is the only owner of its allocation (like `Box<[u8]>`); it hands out
// references only through `&self`/`&mut self`.
unsafe impl Send for Buf {}
// SAFETY: as for Send; a shared `Buf` is only read.
unsafe impl Sync for Buf {}

impl Buf {
    /// A buffer of `len > 0` bytes, recycled from the pool when one of its size class is
    /// there, else freshly allocated; zero-filled or left as it comes.
    fn new(len: usize, zeroed: bool) -> Result<Buf> {
        let (cap, class) = match pool::class(len) {
            Some((cap, class)) => (cap, Some(class)),
            None => (len, None),
        };
        if let Some(ptr) = class.and_then(pool::take) {
            if zeroed {
                // SAFETY: a pooled buffer of class `class` has `cap >= len` bytes.
                unsafe { std::ptr::write_bytes(ptr.as_ptr(), 0, len) };
            }
            return Ok(Buf { ptr, len, cap });
        }
        let layout = Layout::array::<u8>(cap).map_err(|_| Error::NoMem)?;
        // SAFETY: `cap >= len > 0`, so the layout has a non-zero size.
        let p = unsafe {
            if zeroed {
                alloc_zeroed(layout)
            } else {
                alloc(layout)
            }
        };
        let ptr = NonNull::new(p).ok_or(Error::NoMem)?;
        Ok(Buf { ptr, len, cap })
    }
}

impl Buf {
    /// The buffer as `Bytes`, without copying: a pooled buffer keeps going back to the pool
    /// when the last reference goes (one small allocation for the owner record), any other
    /// becomes `Bytes`' own (none).
    fn into_bytes(self) -> Bytes {
        if pool::class(self.cap).is_some() {
            return Bytes::from_owner(self);
        }
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `ptr` was allocated by the global allocator with the layout of `cap`
        // bytes, align 1 (`Buf::new`), as `Vec<u8>` with capacity `cap` does; its first
        // `len <= cap` bytes are initialised (the invariant); `this` is not dropped, so
        // the vector is the only owner.
        let v = unsafe { Vec::from_raw_parts(this.ptr.as_ptr(), this.len, this.cap) };
        Bytes::from(v)
    }
}

/// A buffer for one large received frame body, which the I/O engine reads straight into
/// (libzmq's decoder reads a large body into the message the same way). It is filled
/// front to back; [`BodyBuf::into_bytes`] then hands it up without a copy. Buffers up to
/// the pool's limit come from and go back to the message buffer pool.
pub struct BodyBuf {
    /// Invariant: `buf`'s first `filled` bytes are initialised; `buf.len` is the size
    /// asked for, so `Buf`'s own invariant holds only once `filled == buf.len`.
    buf: Buf,
    filled: usize,
}

impl BodyBuf {
    /// A buffer for a body of `len` bytes; `NoMem` if it cannot be allocated.
    pub fn new(len: usize) -> Result<BodyBuf> {
        // An allocation has at least one byte; `len` is what is filled and handed up.
        let mut buf = Buf::new(len.max(1), false)?;
        buf.len = len;
        Ok(BodyBuf { buf, filled: 0 })
    }

    /// How many bytes are still missing.
    pub fn remaining(&self) -> usize {
        self.buf.len - self.filled
    }

    /// Appends a copy of `data` (cut to what is still missing).
    pub fn extend_from_slice(&mut self, data: &[u8]) {
        let n = data.len().min(self.remaining());
        // SAFETY: `n` bytes fit after `filled` in the buffer, which does not overlap
        // `data` (we own it uniquely); afterwards they are initialised.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.buf.ptr.as_ptr().add(self.filled), n);
        }
        self.filled += n;
    }

    /// Where the missing bytes go: `remaining()` writable bytes, for `read(2)`.
    pub fn spare_ptr(&mut self) -> *mut u8 {
        // SAFETY: `filled <= len <= cap`, so the offset stays inside the allocation.
        unsafe { self.buf.ptr.as_ptr().add(self.filled) }
    }

    /// Records that `n` more bytes were written at [`BodyBuf::spare_ptr`].
    ///
    /// # Safety
    /// The first `n` bytes there (`n <= remaining()`) must have been initialised.
    pub unsafe fn advance(&mut self, n: usize) {
        debug_assert!(n <= self.remaining());
        self.filled += n.min(self.remaining());
    }

    /// The body as `Bytes` (only the filled part, if not full).
    pub fn into_bytes(mut self) -> Bytes {
        // The filled bytes are initialised, which is `Buf`'s invariant for that length.
        self.buf.len = self.filled;
        self.buf.into_bytes()
    }
}

impl std::fmt::Debug for BodyBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyBuf")
            .field("len", &self.buf.len)
            .field("filled", &self.filled)
            .finish()
    }
}

impl AsRef<[u8]> for Buf {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr` holds `cap >= len` bytes owned by this buffer, of which the first
        // `len` are initialised (the type's invariant).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl AsMut<[u8]> for Buf {
    fn as_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_ref`, and `&mut self` makes the access unique; writes of `u8`
        // keep every byte initialised.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        if let Some((_, class)) = pool::class(self.cap) {
            pool::give(class, self.ptr, self.cap);
            return;
        }
        // SAFETY: `ptr` was allocated by the global allocator with exactly this layout
        // (`Buf::new`, or a pooled buffer of the same capacity), and nothing else owns it.
        unsafe {
            dealloc(
                self.ptr.as_ptr(),
                Layout::from_size_align_unchecked(self.cap, 1),
            )
        };
    }
}

/// A bounded pool of freed message buffers, per size class.
///
/// Buffers are recycled so that the allocator does not see a message's buffer freed on the
/// receiving thread and a new one allocated on the sending thread for every message (see
/// the module documentation for what that costs with glibc). Each thread keeps a few
/// buffers per class up to 64 KiB of its own ([`LOCAL_BYTES`]); it moves them to
/// and from the shared lists in batches ([`batch`]), so the two threads of a message
/// stream meet at a lock once per batch, not per message. The shared lists hold at most
/// [`CLASS_BYTES`] per class (and [`CLASS_ENTRIES`] buffers) and [`TOTAL_BYTES`] in all.
/// Larger buffers, up to [`MAX_POOLED`], are few per second, so they skip the thread lists
/// and meet at the shared list's lock every time; a class keeps [`LARGE_CLASS_BYTES`] (at
/// least one buffer) and all of them [`LARGE_TOTAL_BYTES`]. Everything beyond goes back to
/// the allocator, as it would without the pool. Sizes are rounded up to four classes per
/// power of two (at most a quarter more than asked for, as allocators do), from 64 bytes
/// to [`MAX_POOLED`].
mod pool {
    use parking_lot::Mutex;
    use std::alloc::{Layout, dealloc};
    use std::cell::RefCell;
    use std::ptr::NonNull;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The largest buffer pooled: 4 MiB. Buffers up to 64 KiB also stay on the
    /// thread that freed them; larger ones go only through the shared lists, under the
    /// separate budget [`LARGE_TOTAL_BYTES`].
    pub(super) const MAX_POOLED: usize = 1 << MAX_POW;
    const MIN_POW: u32 = 6;
    /// The largest buffers kept in a thread's own lists: 64 KiB.
    const LOCAL_POW: u32 = 16;
    const MAX_POW: u32 = 22;
    const CLASSES: usize = 4 * (MAX_POW - MIN_POW + 1) as usize;
    /// The first class above 64 KiB.
    const FIRST_LARGE: usize = 4 * (LOCAL_POW - MIN_POW + 1) as usize;
    /// Bytes kept in a shared list: enough for a window of 1 KiB messages in flight.
    const CLASS_BYTES: usize = 1 << 20;
    /// Buffers kept in a shared list (bounds the small classes).
    const CLASS_ENTRIES: usize = 1024;
    /// Bytes kept in all shared lists of classes up to 64 KiB together.
    const TOTAL_BYTES: usize = 4 << 20;
    /// Bytes kept in a shared list of a larger class, and at least one buffer: the buffer a
    /// stream freed last, for its next message (one of 1 MiB, two of 512 KiB). Keeping more
    /// would hold touched pages away from the allocator for little gain.
    const LARGE_CLASS_BYTES: usize = 1 << 20;
    /// Bytes kept in all shared lists of the larger classes together.
    const LARGE_TOTAL_BYTES: usize = 8 << 20;
    /// Bytes one thread keeps in all its own lists together.
    const LOCAL_BYTES: usize = 256 << 10;
    /// Bytes moved between a thread's list and the shared one at a time (at most
    /// [`MAX_BATCH`] buffers, at least one).
    const BATCH_BYTES: usize = 64 << 10;
    const MAX_BATCH: usize = 32;

    /// A free buffer in the pool.
    struct Free(NonNull<u8>);
    // SAFETY: a pooled buffer is owned by the pool alone; whoever takes it owns it.
    unsafe impl Send for Free {}

    static SHARED: [Mutex<Vec<Free>>; CLASSES] =
        [const { parking_lot::const_mutex(Vec::new()) }; CLASSES];
    /// Bytes in the shared lists of classes up to 64 KiB, and of the larger ones.
    static TOTAL: AtomicUsize = AtomicUsize::new(0);
    static LARGE_TOTAL: AtomicUsize = AtomicUsize::new(0);

    /// The byte count and budget of the shared lists `class` belongs to.
    fn budget(class: usize) -> (&'static AtomicUsize, usize) {
        if class >= FIRST_LARGE {
            (&LARGE_TOTAL, LARGE_TOTAL_BYTES)
        } else {
            (&TOTAL, TOTAL_BYTES)
        }
    }

    /// One thread's own free buffers; handed to the shared lists when the thread ends.
    struct Local {
        lists: Vec<Vec<Free>>,
        bytes: usize,
    }

    impl Drop for Local {
        fn drop(&mut self) {
            for (class, list) in self.lists.iter_mut().enumerate() {
                spill(class, list.drain(..));
            }
        }
    }

    thread_local! {
        static LOCAL: RefCell<Local> = const {
            RefCell::new(Local { lists: Vec::new(), bytes: 0 })
        };
    }

    /// How many buffers of `cap` bytes move between a thread and the shared list at once.
    fn batch(cap: usize) -> usize {
        (BATCH_BYTES / cap).clamp(1, MAX_BATCH)
    }

    /// Runs `f` on this thread's lists; `None` while the thread is being torn down (or on
    /// re-entry, which does not happen: nothing in here drops a message).
    fn with_local<R>(f: impl FnOnce(&mut Vec<Vec<Free>>, &mut usize) -> R) -> Option<R> {
        LOCAL
            .try_with(|l| {
                let mut l = l.try_borrow_mut().ok()?;
                let Local { lists, bytes } = &mut *l;
                if lists.is_empty() {
                    lists.resize_with(FIRST_LARGE, Vec::new);
                }
                Some(f(lists, bytes))
            })
            .ok()
            .flatten()
    }

    /// The capacity and class for a buffer of `len` bytes, `None` if not pooled. A capacity
    /// maps to its own class again, so `class(cap)` finds the class of an allocated buffer.
    pub(super) fn class(len: usize) -> Option<(usize, usize)> {
        if len <= super::INLINE_MAX || len > MAX_POOLED {
            return None;
        }
        let p = len.next_power_of_two().max(1 << MIN_POW);
        let step = p / 8;
        let cap = len.div_ceil(step) * step;
        // p/2 < len <= p, so cap/step is 5, 6, 7 or 8.
        let class = 4 * (p.trailing_zeros() - MIN_POW) as usize + (cap / step - 5);
        Some((cap, class))
    }

    /// A free buffer of `class`, if this thread or the shared list has one.
    pub(super) fn take(class: usize) -> Option<NonNull<u8>> {
        let cap = class_cap(class);
        let local = if class < FIRST_LARGE {
            with_local(|lists, bytes| {
                let list = &mut lists[class];
                if list.is_empty() {
                    let mut shared = SHARED[class].lock();
                    let n = shared.len().min(batch(cap));
                    let from = shared.len() - n;
                    list.extend(shared.drain(from..));
                    drop(shared);
                    TOTAL.fetch_sub(n * cap, Ordering::Relaxed);
                    *bytes += n * cap;
                }
                let free = list.pop()?;
                *bytes -= cap;
                Some(free.0)
            })
        } else {
            None
        };
        match local {
            Some(found) => found,
            // A large class, or this thread is ending: straight from the shared list.
            None => {
                let free = SHARED[class].lock().pop()?;
                budget(class).0.fetch_sub(cap, Ordering::Relaxed);
                Some(free.0)
            }
        }
    }

    /// Keeps `ptr` (a buffer of `cap` bytes, class `class`) for reuse, or frees it if the
    /// pool is full.
    pub(super) fn give(class: usize, ptr: NonNull<u8>, cap: usize) {
        if class >= FIRST_LARGE {
            spill(class, std::iter::once(Free(ptr)));
            return;
        }
        let mut ptr = Some(ptr);
        with_local(|lists, bytes| {
            let list = &mut lists[class];
            let b = batch(cap);
            if list.len() >= 2 * b || *bytes + cap > LOCAL_BYTES {
                // Full here: the oldest batch (or everything) goes to the shared list.
                let n = b.min(list.len());
                spill(class, list.drain(..n));
                *bytes -= n * cap;
                if *bytes + cap > LOCAL_BYTES {
                    return;
                }
            }
            if let Some(p) = ptr.take() {
                list.push(Free(p));
                *bytes += cap;
            }
        });
        if let Some(p) = ptr {
            spill(class, std::iter::once(Free(p)));
        }
    }

    /// Moves buffers of `class` to the shared list; those that do not fit are freed.
    fn spill(class: usize, buffers: impl Iterator<Item = Free>) {
        let cap = class_cap(class);
        let max = if class >= FIRST_LARGE {
            (LARGE_CLASS_BYTES / cap).max(1)
        } else {
            (CLASS_BYTES / cap).clamp(4, CLASS_ENTRIES)
        };
        let (total, limit) = budget(class);
        let mut shared = SHARED[class].lock();
        for free in buffers {
            if shared.len() < max && total.load(Ordering::Relaxed) + cap <= limit {
                if shared.capacity() == 0 {
                    shared.reserve_exact(max);
                }
                shared.push(free);
                total.fetch_add(cap, Ordering::Relaxed);
            } else {
                // SAFETY: pooled buffers of `class` were allocated by the global allocator
                // with `cap` bytes, align 1 (`Buf::new`), and the pool owned this one.
                unsafe { dealloc(free.0.as_ptr(), Layout::from_size_align_unchecked(cap, 1)) };
            }
        }
    }

    /// The capacity of buffers of `class`.
    fn class_cap(class: usize) -> usize {
        let p = 1usize << (class / 4 + MIN_POW as usize);
        p / 8 * (class % 4 + 5)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn classes_round_up_and_map_back() {
            assert_eq!(class(super::super::INLINE_MAX), None);
            assert_eq!(class(34), Some((40, 0)));
            assert_eq!(class(64), Some((64, 3)));
            assert_eq!(class(65), Some((80, 4)));
            assert_eq!(class(1000), Some((1024, 19)));
            assert_eq!(class(1024), Some((1024, 19)));
            assert_eq!(class(1025), Some((1280, 20)));
            assert_eq!(class(MAX_POOLED), Some((MAX_POOLED, CLASSES - 1)));
            assert_eq!(class(MAX_POOLED + 1), None);
            for len in (34..=MAX_POOLED).step_by(7) {
                let (cap, c) = class(len).unwrap();
                assert!(cap >= len && cap - len <= len / 4 + 8, "{len}");
                assert_eq!(class(cap), Some((cap, c)));
                assert_eq!(class_cap(c), cap);
            }
        }

        #[test]
        fn large_buffers_go_through_the_shared_list() {
            // A class no other test uses: 160 KiB buffers, six kept (1 MiB).
            let (cap, c) = class(150 << 10).unwrap();
            assert_eq!(cap, 160 << 10);
            assert!(c >= FIRST_LARGE);
            let alloc = || {
                let layout = std::alloc::Layout::from_size_align(cap, 1).unwrap();
                // SAFETY: non-zero size.
                NonNull::new(unsafe { std::alloc::alloc(layout) })
                    .unwrap()
                    .as_ptr() as usize
            };
            let mut freed: Vec<usize> = (0..7).map(|_| alloc()).collect();
            // Freed on another thread, kept for this one; the seventh does not fit.
            let f = freed.clone();
            std::thread::spawn(move || {
                for p in f {
                    give(c, NonNull::new(p as *mut u8).unwrap(), cap);
                }
            })
            .join()
            .unwrap();
            let mut got: Vec<usize> = std::iter::from_fn(|| take(c))
                .map(|p| p.as_ptr() as usize)
                .collect();
            got.sort_unstable();
            freed.truncate(6);
            freed.sort_unstable();
            assert_eq!(got, freed);
            for p in got {
                give(c, NonNull::new(p as *mut u8).unwrap(), cap);
            }
        }

        #[test]
        fn buffers_come_back_to_the_thread_and_across_threads() {
            // A class no other test uses: 48 KiB buffers (batch of 1, 2 kept per thread).
            let (cap, c) = class(48 << 10).unwrap();
            let alloc = || {
                let layout = std::alloc::Layout::from_size_align(cap, 1).unwrap();
                // SAFETY: non-zero size.
                NonNull::new(unsafe { std::alloc::alloc(layout) }).unwrap()
            };
            let a = alloc();
            give(c, a, cap);
            assert_eq!(take(c), Some(a));
            // Freed on other threads: their lists spill to the shared one, where this
            // thread finds them.
            let freed: Vec<usize> = (0..3)
                .map(|_| {
                    let addr = alloc().as_ptr() as usize;
                    std::thread::spawn(move || {
                        give(c, NonNull::new(addr as *mut u8).unwrap(), cap);
                    })
                    .join()
                    .unwrap();
                    addr
                })
                .collect();
            let mut got: Vec<usize> = (0..3)
                .map(|_| take(c).expect("pooled").as_ptr() as usize)
                .collect();
            got.sort_unstable();
            let mut freed = freed;
            freed.sort_unstable();
            assert_eq!(got, freed);
            for p in got {
                give(c, NonNull::new(p as *mut u8).unwrap(), cap);
            }
        }
    }
}

/// The private metadata property that carries the source file descriptor (`ZMQ_SRCFD`).
pub const FD_PROPERTY: &[u8] = b"__fd";

/// A RADIO/DISH group name, NUL-terminated so C can read it in place.
struct Group(Box<[u8]>);

impl Group {
    fn new(name: &[u8]) -> Group {
        let mut v = Vec::with_capacity(name.len() + 1);
        v.extend_from_slice(name);
        v.push(0);
        Group(v.into_boxed_slice())
    }

    fn as_c_str(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.0).unwrap_or(c"")
    }
}

/// One metadata property: its name, and its value with a NUL byte appended.
type Property = (Box<[u8]>, Box<[u8]>);

/// Connection properties attached to received messages (`zmq_msg_gets`): peer socket type,
/// identity, user id, peer address, ZAP and application properties, `"__fd"`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Names and values; every value ends with a NUL byte so C can read it in place.
    props: Vec<Property>,
}

impl Metadata {
    /// Empty metadata.
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// Adds or replaces a property. C sees the value up to its first NUL byte, as it would
    /// see libzmq's `std::string::c_str()`.
    pub fn insert(&mut self, name: &[u8], value: &[u8]) {
        let mut v = Vec::with_capacity(value.len() + 1);
        v.extend_from_slice(value);
        v.push(0);
        let v = v.into_boxed_slice();
        match self.props.iter_mut().find(|(n, _)| &**n == name) {
            Some(slot) => slot.1 = v,
            None => self.props.push((name.into(), v)),
        }
    }

    /// A property's value. `"Identity"` falls back to `"Routing-Id"`, as in libzmq.
    pub fn get(&self, name: &[u8]) -> Option<&CStr> {
        let found = self
            .props
            .iter()
            .find(|(n, _)| &**n == name)
            .and_then(|(_, v)| CStr::from_bytes_until_nul(v).ok());
        match found {
            None if name == b"Identity" => self.get(b"Routing-Id"),
            other => other,
        }
    }

    /// The number of properties.
    pub fn len(&self) -> usize {
        self.props.len()
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> FromIterator<(N, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Metadata {
        let mut m = Metadata::new();
        for (n, v) in iter {
            m.insert(n.as_ref(), v.as_ref());
        }
        m
    }
}

/// A caller's buffer given to `zmq_msg_init_data`, owned by a `Bytes`; dropping the last
/// reference calls the free function once.
struct ForeignBuffer {
    data: *mut c_void,
    len: usize,
    ffn: Option<FreeFn>,
    hint: *mut c_void,
}

// SAFETY: the buffer is only read through shared references, and the constructor's caller
// promised that `ffn(data, hint)` may run on any thread (libzmq makes the same demand: its
// I/O threads free buffers).
unsafe impl Send for ForeignBuffer {}
// SAFETY: as for Send; nothing in it is mutated through a shared reference.
unsafe impl Sync for ForeignBuffer {}

impl AsRef<[u8]> for ForeignBuffer {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 || self.data.is_null() {
            return &[];
        }
        // SAFETY: `from_foreign`'s caller promised `len` readable bytes at `data`, valid
        // until the free function runs, which is after this owner stops being used.
        unsafe { std::slice::from_raw_parts(self.data.cast::<u8>(), self.len) }
    }
}

impl Drop for ForeignBuffer {
    fn drop(&mut self) {
        if let Some(ffn) = self.ffn {
            // SAFETY: the caller of `from_foreign` handed us `ffn` to call once with
            // `(data, hint)`; Drop runs once.
            unsafe { ffn(self.data, self.hint) };
        }
    }
}

impl crate::pipe::PipeItem for Msg {
    fn more(&self) -> bool {
        Msg::more(self)
    }

    /// The routing-id notification a session puts ahead of a peer's messages (libzmq's
    /// `routing_id` flag) is not a message of the peer's and does not count against the HWM.
    fn uncounted(&self) -> bool {
        self.flags() & ROUTING_ID != 0
    }

    fn is_context(&self) -> bool {
        self.flags & CONTEXT != 0
    }

    /// A message without metadata of its own takes the connection's.
    fn adopt(&mut self, context: &Msg) {
        if self.metadata.is_none() {
            self.metadata.clone_from(&context.metadata);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn layout_fits_zmq_msg_t() {
        assert!(std::mem::size_of::<Msg>() <= 64);
        assert!(std::mem::align_of::<Msg>() <= 8);
        let m = Msg::new();
        // SAFETY: reading the u16 at TAG_OFFSET inside a live Msg.
        let tag = unsafe {
            std::ptr::from_ref(&m)
                .cast::<u8>()
                .add(TAG_OFFSET)
                .cast::<u16>()
                .read_unaligned()
        };
        assert_eq!(tag, LIVE_TAG);
    }

    #[test]
    fn inline_and_shared_boundary() {
        let mut small = Msg::with_size(INLINE_MAX).unwrap();
        assert!(matches!(small.body, Body::Inline { .. }));
        let c = small.copy();
        assert!(!small.is_shared() && !c.is_shared());
        assert_ne!(small.data().as_ptr(), c.data().as_ptr());

        let mut big = Msg::with_size(INLINE_MAX + 1).unwrap();
        assert!(matches!(big.body, Body::Owned(_)));
        assert!(!big.is_shared());
        let c = big.copy();
        assert!(big.is_shared() && c.is_shared());
        assert_eq!(big.data().as_ptr(), c.data().as_ptr());
        assert_eq!(c.len(), INLINE_MAX + 1);

        assert!(matches!(
            Msg::from_bytes(Bytes::from(vec![1; INLINE_MAX])).body,
            Body::Inline { .. }
        ));
        let b = Bytes::from(vec![1; 100]);
        let m = Msg::from_bytes(b.clone());
        assert_eq!(m.data().as_ptr(), b.as_ptr());
    }

    #[test]
    fn sizes_and_payloads() {
        let m = Msg::copy_from_slice(b"hello").unwrap();
        assert_eq!(m.data(), b"hello");
        assert_eq!(m.len(), 5);
        let long = vec![7u8; 1000];
        let m = Msg::copy_from_slice(&long).unwrap();
        assert_eq!(m.data(), &long[..]);
        assert!(Msg::with_size(100).unwrap().data().iter().all(|&b| b == 0));
        assert!(Msg::new().is_empty());
        assert_eq!(Msg::with_size(usize::MAX).err(), Some(Error::NoMem));
        assert_eq!(Msg::with_size(1 << 60).err(), Some(Error::NoMem));
    }

    #[test]
    fn bytes_without_copy() {
        let m = Msg::with_size(100).unwrap();
        let p = m.data().as_ptr();
        let b = m.into_bytes();
        assert_eq!(b.as_ptr(), p);

        let mut m = Msg::with_size(100).unwrap();
        let p = m.data().as_ptr();
        let b = m.to_bytes();
        assert_eq!(b.as_ptr(), p);
        assert!(m.is_shared());
        assert_eq!(m.len(), 100);

        let mut m = Msg::copy_from_slice(b"abc").unwrap();
        assert_eq!(&m.take_bytes()[..], b"abc");
        assert!(m.is_empty());
    }

    #[test]
    fn buffer_for_c_is_written_through_data_ptr() {
        for len in [0, INLINE_MAX, INLINE_MAX + 1, 1024, 1 << 20] {
            // SAFETY: the buffer is written in full through its raw pointer, as C would,
            // before anything reads it.
            let mut m = unsafe { Msg::with_size_for_c(len) }.unwrap();
            assert_eq!(m.len(), len);
            assert!(!m.is_shared());
            let p = m.data_ptr();
            // SAFETY: `p` points to `len` writable bytes owned by `m`.
            unsafe { std::ptr::write_bytes(p, 0xA5, len) };
            assert!(m.data().iter().all(|&b| b == 0xA5));
            let c = m.copy();
            assert_eq!(c.data(), m.data());
            assert_eq!(c.into_bytes().len(), len);
        }
        let long: Vec<u8> = (0..=255).cycle().take(5000).collect();
        assert_eq!(Msg::copy_from_slice(&long).unwrap().data(), &long[..]);
    }

    #[test]
    fn body_buffers_fill_and_hand_up_without_copy() {
        for len in [0, 1, 100, pool::MAX_POOLED, pool::MAX_POOLED + 1, 1 << 20] {
            let want: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut b = BodyBuf::new(len).unwrap();
            let half = len / 2;
            b.extend_from_slice(&want[..half]);
            assert_eq!(b.remaining(), len - half);
            let p = b.spare_ptr();
            // SAFETY: `p` has `remaining()` writable bytes; all of them are written.
            unsafe {
                std::ptr::copy_nonoverlapping(want[half..].as_ptr(), p, len - half);
                b.advance(len - half);
            }
            assert_eq!(b.remaining(), 0);
            let bytes = b.into_bytes();
            assert_eq!(&bytes[..], &want[..]);
            let m = Msg::from_bytes(bytes.clone());
            assert_eq!(m.data(), &want[..]);
        }
        // Not filled: only the filled part is handed up.
        let mut b = BodyBuf::new(1000).unwrap();
        b.extend_from_slice(&[9; 10]);
        assert_eq!(&b.into_bytes()[..], &[9; 10]);
    }

    static FREES: AtomicUsize = AtomicUsize::new(0);
    static LAST_HINT: AtomicUsize = AtomicUsize::new(0);

    unsafe extern "C" fn count_free(data: *mut c_void, hint: *mut c_void) {
        assert!(!data.is_null());
        FREES.fetch_add(1, Ordering::SeqCst);
        LAST_HINT.store(hint as usize, Ordering::SeqCst);
    }

    // One test for everything that counts frees, so the counter is not shared between
    // tests running in parallel.
    #[test]
    fn free_fn_runs_exactly_once() {
        static BUF: [u8; 5] = *b"hello";
        let data = BUF.as_ptr().cast_mut().cast::<c_void>();
        let hint = 0x1234usize as *mut c_void;

        // Dropped directly.
        // SAFETY: BUF is static; count_free only counts.
        let m = unsafe { Msg::from_foreign(data, 5, Some(count_free), hint) };
        assert_eq!(m.data(), b"hello");
        assert_eq!(m.data().as_ptr(), BUF.as_ptr());
        assert!(!m.is_shared());
        drop(m);
        assert_eq!(FREES.load(Ordering::SeqCst), 1);
        assert_eq!(LAST_HINT.load(Ordering::SeqCst), 0x1234);

        // Copies: freed when the last one goes, on another thread.
        // SAFETY: as above.
        let mut m = unsafe { Msg::from_foreign(data, 5, Some(count_free), hint) };
        let c1 = m.copy();
        let c2 = m.copy();
        assert!(m.is_shared() && c1.is_shared());
        drop(m);
        drop(c1);
        assert_eq!(FREES.load(Ordering::SeqCst), 1);
        std::thread::spawn(move || drop(c2)).join().unwrap();
        assert_eq!(FREES.load(Ordering::SeqCst), 2);

        // A bytewise move keeps exactly one owner.
        // SAFETY: as above.
        let m = unsafe { Msg::from_foreign(data, 5, Some(count_free), hint) };
        let mut slot = std::mem::MaybeUninit::<[u64; 8]>::uninit();
        // SAFETY: Msg fits in 64 bytes; we copy its bytes, forget the original, and read it
        // back once, so exactly one Msg owns the buffer.
        let back = unsafe {
            std::ptr::copy_nonoverlapping(
                std::ptr::from_ref(&m).cast::<u8>(),
                slot.as_mut_ptr().cast::<u8>(),
                std::mem::size_of::<Msg>(),
            );
            std::mem::forget(m);
            slot.as_ptr().cast::<Msg>().read()
        };
        assert_eq!(back.data(), b"hello");
        drop(back);
        assert_eq!(FREES.load(Ordering::SeqCst), 3);

        // Constant data: never freed, reported shared.
        // SAFETY: BUF is static; no free function.
        let m = unsafe { Msg::from_foreign(data, 5, None, std::ptr::null_mut()) };
        assert!(m.is_shared());
        drop(m);
        assert_eq!(FREES.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn flags_routing_id_group() {
        let mut m = Msg::new();
        assert!(!m.more() && !m.is_command() && !m.is_shared());
        m.set_more(true);
        assert!(m.more());
        m.set_flags(COMMAND);
        assert!(m.is_command());
        m.reset_flags(COMMAND);
        m.set_more(false);
        assert_eq!(m.flags(), 0);

        assert_eq!(m.routing_id(), 0);
        assert_eq!(m.set_routing_id(0), Err(Error::Inval));
        m.set_routing_id(42).unwrap();
        assert_eq!(m.routing_id(), 42);

        assert_eq!(m.group(), c"");
        m.set_group(b"weather").unwrap();
        assert_eq!(m.group(), c"weather");
        let long = [b'g'; 255];
        m.set_group(&long).unwrap();
        assert_eq!(m.group().to_bytes(), &long[..]);
        assert_eq!(m.set_group(&[b'g'; 256]), Err(Error::Inval));
        assert_eq!(m.group().to_bytes().len(), 255);

        let c = m.copy();
        assert_eq!(c.routing_id(), 42);
        assert_eq!(c.group().to_bytes(), &long[..]);

        let mut dst = Msg::copy_from_slice(b"old").unwrap();
        dst.move_from(&mut m);
        assert_eq!(dst.routing_id(), 42);
        assert_eq!(m.routing_id(), 0);
        assert_eq!(m.group(), c"");
    }

    #[test]
    fn metadata_lookup() {
        let mut m = Msg::copy_from_slice(b"x").unwrap();
        assert_eq!(m.property(b"Socket-Type"), None);
        assert_eq!(m.srcfd(), None);
        let md: Metadata = [
            (&b"Socket-Type"[..], &b"DEALER"[..]),
            (b"Routing-Id", b"abc"),
            (b"__fd", b"17"),
        ]
        .into_iter()
        .collect();
        m.set_metadata(Arc::new(md));
        assert_eq!(m.property(b"Socket-Type"), Some(c"DEALER"));
        assert_eq!(m.property(b"Identity"), Some(c"abc"));
        assert_eq!(m.property(b"User-Id"), None);
        assert_eq!(m.srcfd(), Some(17));
        let c = m.copy();
        assert_eq!(c.property(b"Socket-Type"), Some(c"DEALER"));

        let mut md = Metadata::new();
        md.insert(b"X-Bin", b"a\0b");
        md.insert(b"X-Bin", b"zz");
        assert_eq!(md.len(), 1);
        assert_eq!(md.get(b"X-Bin"), Some(c"zz"));
    }
}
