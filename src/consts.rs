//! The numeric constants of `zmq.h` (libzmq 4.3.5), defined once.
//!
//! `include/zmq.h` is the C contract; this module is the Rust side of the same facts. The
//! test `tests/header.rs` compiles the header and checks every numeric `ZMQ_*` macro (and the
//! libzmq errno block) against [`STABLE`] and [`DRAFT`], and against the system's libzmq header.
//!
//! Every constant is a `c_int`, as in C. The tables list each name once with its value, in the
//! order the groups appear below.

use std::ffi::c_int;

/// Defines each constant and a table of `(name, value)` pairs for the header check.
macro_rules! constants {
    ($(#[$meta:meta])* $table:ident { $($(#[$doc:meta])* $name:ident = $value:expr;)* }) => {
        $($(#[$doc])* #[allow(missing_docs)] pub const $name: c_int = $value;)*
        $(#[$meta])*
        pub const $table: &[(&str, c_int)] = &[$((stringify!($name), $name)),*];
    };
}

constants! {
    /// The constants `zmq.h` defines in every build.
    STABLE {
        // Version (ZMQ_VERSION is ZMQ_MAKE_VERSION(major, minor, patch))
        ZMQ_VERSION_MAJOR = 4;
        ZMQ_VERSION_MINOR = 3;
        ZMQ_VERSION_PATCH = 5;
        ZMQ_VERSION = ZMQ_VERSION_MAJOR * 10000 + ZMQ_VERSION_MINOR * 100 + ZMQ_VERSION_PATCH;
        // Header feature macros
        ZMQ_DEFINED_STDINT = 1;
        // Error numbers (the POSIX fallbacks of zmq.h are not here: Linux has them all)
        ZMQ_HAUSNUMERO = 156384712;
        EFSM = 156384763;
        ENOCOMPATPROTO = 156384764;
        ETERM = 156384765;
        EMTHREAD = 156384766;
        // Context options and defaults
        ZMQ_THREAD_PRIORITY_DFLT = -1;
        ZMQ_THREAD_SCHED_POLICY_DFLT = -1;
        ZMQ_IO_THREADS = 1;
        ZMQ_IO_THREADS_DFLT = 1;
        ZMQ_MAX_SOCKETS = 2;
        ZMQ_SOCKET_LIMIT = 3;
        ZMQ_THREAD_PRIORITY = 3;
        ZMQ_THREAD_SCHED_POLICY = 4;
        ZMQ_MAX_MSGSZ = 5;
        ZMQ_MSG_T_SIZE = 6;
        ZMQ_THREAD_AFFINITY_CPU_ADD = 7;
        ZMQ_THREAD_AFFINITY_CPU_REMOVE = 8;
        ZMQ_THREAD_NAME_PREFIX = 9;
        ZMQ_MAX_SOCKETS_DFLT = 1023;
        // Socket types (ZMQ_XREQ and ZMQ_XREP are the old names of DEALER and ROUTER)
        ZMQ_PAIR = 0;
        ZMQ_PUB = 1;
        ZMQ_SUB = 2;
        ZMQ_REQ = 3;
        ZMQ_REP = 4;
        ZMQ_DEALER = 5;
        ZMQ_XREQ = 5;
        ZMQ_ROUTER = 6;
        ZMQ_XREP = 6;
        ZMQ_PULL = 7;
        ZMQ_PUSH = 8;
        ZMQ_XPUB = 9;
        ZMQ_XSUB = 10;
        ZMQ_STREAM = 11;
        // Message properties (ZMQ_SRCFD is deprecated)
        ZMQ_MORE = 1;
        ZMQ_SRCFD = 2;
        ZMQ_SHARED = 3;
        // Send/recv flags (ZMQ_NOBLOCK is the old name of ZMQ_DONTWAIT)
        ZMQ_DONTWAIT = 1;
        ZMQ_NOBLOCK = 1;
        ZMQ_SNDMORE = 2;
        // Security mechanisms
        ZMQ_NULL = 0;
        ZMQ_PLAIN = 1;
        ZMQ_CURVE = 2;
        ZMQ_GSSAPI = 3;
        // RADIO/DISH
        ZMQ_GROUP_MAX_LENGTH = 255;
        // GSSAPI name types
        ZMQ_GSSAPI_NT_HOSTBASED = 0;
        ZMQ_GSSAPI_NT_USER_NAME = 1;
        ZMQ_GSSAPI_NT_KRB5_PRINCIPAL = 2;
        // Monitor events (bits of zmq_socket_monitor's mask)
        ZMQ_EVENT_CONNECTED = 1;
        ZMQ_EVENT_CONNECT_DELAYED = 2;
        ZMQ_EVENT_CONNECT_RETRIED = 4;
        ZMQ_EVENT_LISTENING = 8;
        ZMQ_EVENT_BIND_FAILED = 16;
        ZMQ_EVENT_ACCEPTED = 32;
        ZMQ_EVENT_ACCEPT_FAILED = 64;
        ZMQ_EVENT_CLOSED = 128;
        ZMQ_EVENT_CLOSE_FAILED = 256;
        ZMQ_EVENT_DISCONNECTED = 512;
        ZMQ_EVENT_MONITOR_STOPPED = 1024;
        ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL = 2048;
        ZMQ_EVENT_HANDSHAKE_SUCCEEDED = 4096;
        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL = 8192;
        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH = 16384;
        ZMQ_EVENT_ALL = 65535;
        // Protocol error codes (the value of ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED = 268435456;
        ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND = 268435457;
        ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE = 268435458;
        ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE = 268435459;
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED = 268435473;
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE = 268435474;
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO = 268435475;
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE = 268435476;
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR = 268435477;
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY = 268435478;
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME = 268435479;
        ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA = 268435480;
        ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC = 285212673;
        ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH = 285212674;
        ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED = 536870912;
        ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY = 536870913;
        ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID = 536870914;
        ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION = 536870915;
        ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE = 536870916;
        ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA = 536870917;
        ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED = 805306368;
        // Polling
        ZMQ_POLLIN = 1;
        ZMQ_POLLOUT = 2;
        ZMQ_POLLERR = 4;
        ZMQ_POLLPRI = 8;
        ZMQ_POLLITEMS_DFLT = 16;
        // Devices (deprecated)
        ZMQ_STREAMER = 1;
        ZMQ_FORWARDER = 2;
        ZMQ_QUEUE = 3;
        // Capabilities
        ZMQ_HAS_CAPABILITIES = 1;
        // Socket options, with the deprecated ones and the old names of current ones
        ZMQ_AFFINITY = 4;
        ZMQ_IDENTITY = 5;
        ZMQ_ROUTING_ID = 5;
        ZMQ_SUBSCRIBE = 6;
        ZMQ_UNSUBSCRIBE = 7;
        ZMQ_RATE = 8;
        ZMQ_RECOVERY_IVL = 9;
        ZMQ_SNDBUF = 11;
        ZMQ_RCVBUF = 12;
        ZMQ_RCVMORE = 13;
        ZMQ_FD = 14;
        ZMQ_EVENTS = 15;
        ZMQ_TYPE = 16;
        ZMQ_LINGER = 17;
        ZMQ_RECONNECT_IVL = 18;
        ZMQ_BACKLOG = 19;
        ZMQ_RECONNECT_IVL_MAX = 21;
        ZMQ_MAXMSGSIZE = 22;
        ZMQ_SNDHWM = 23;
        ZMQ_RCVHWM = 24;
        ZMQ_MULTICAST_HOPS = 25;
        ZMQ_RCVTIMEO = 27;
        ZMQ_SNDTIMEO = 28;
        ZMQ_IPV4ONLY = 31;
        ZMQ_LAST_ENDPOINT = 32;
        ZMQ_FAIL_UNROUTABLE = 33;
        ZMQ_ROUTER_BEHAVIOR = 33;
        ZMQ_ROUTER_MANDATORY = 33;
        ZMQ_TCP_KEEPALIVE = 34;
        ZMQ_TCP_KEEPALIVE_CNT = 35;
        ZMQ_TCP_KEEPALIVE_IDLE = 36;
        ZMQ_TCP_KEEPALIVE_INTVL = 37;
        ZMQ_TCP_ACCEPT_FILTER = 38;
        ZMQ_DELAY_ATTACH_ON_CONNECT = 39;
        ZMQ_IMMEDIATE = 39;
        ZMQ_XPUB_VERBOSE = 40;
        ZMQ_ROUTER_RAW = 41;
        ZMQ_IPV6 = 42;
        ZMQ_MECHANISM = 43;
        ZMQ_PLAIN_SERVER = 44;
        ZMQ_PLAIN_USERNAME = 45;
        ZMQ_PLAIN_PASSWORD = 46;
        ZMQ_CURVE_SERVER = 47;
        ZMQ_CURVE_PUBLICKEY = 48;
        ZMQ_CURVE_SECRETKEY = 49;
        ZMQ_CURVE_SERVERKEY = 50;
        ZMQ_PROBE_ROUTER = 51;
        ZMQ_REQ_CORRELATE = 52;
        ZMQ_REQ_RELAXED = 53;
        ZMQ_CONFLATE = 54;
        ZMQ_ZAP_DOMAIN = 55;
        ZMQ_ROUTER_HANDOVER = 56;
        ZMQ_TOS = 57;
        ZMQ_IPC_FILTER_PID = 58;
        ZMQ_IPC_FILTER_UID = 59;
        ZMQ_IPC_FILTER_GID = 60;
        ZMQ_CONNECT_RID = 61;
        ZMQ_CONNECT_ROUTING_ID = 61;
        ZMQ_GSSAPI_SERVER = 62;
        ZMQ_GSSAPI_PRINCIPAL = 63;
        ZMQ_GSSAPI_SERVICE_PRINCIPAL = 64;
        ZMQ_GSSAPI_PLAINTEXT = 65;
        ZMQ_HANDSHAKE_IVL = 66;
        ZMQ_SOCKS_PROXY = 68;
        ZMQ_XPUB_NODROP = 69;
        ZMQ_BLOCKY = 70;
        ZMQ_XPUB_MANUAL = 71;
        ZMQ_XPUB_WELCOME_MSG = 72;
        ZMQ_STREAM_NOTIFY = 73;
        ZMQ_INVERT_MATCHING = 74;
        ZMQ_HEARTBEAT_IVL = 75;
        ZMQ_HEARTBEAT_TTL = 76;
        ZMQ_HEARTBEAT_TIMEOUT = 77;
        ZMQ_XPUB_VERBOSER = 78;
        ZMQ_CONNECT_TIMEOUT = 79;
        ZMQ_TCP_MAXRT = 80;
        ZMQ_THREAD_SAFE = 81;
        ZMQ_MULTICAST_MAXTPDU = 84;
        ZMQ_VMCI_BUFFER_SIZE = 85;
        ZMQ_VMCI_BUFFER_MIN_SIZE = 86;
        ZMQ_VMCI_BUFFER_MAX_SIZE = 87;
        ZMQ_VMCI_CONNECT_TIMEOUT = 88;
        ZMQ_USE_FD = 89;
        ZMQ_GSSAPI_PRINCIPAL_NAMETYPE = 90;
        ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = 91;
        ZMQ_BINDTODEVICE = 92;
    }
}

constants! {
    /// The constants `zmq.h` defines only under `ZMQ_BUILD_DRAFT_API`.
    DRAFT {
        // Context options and defaults
        ZMQ_ZERO_COPY_RECV = 10;
        // Socket types
        ZMQ_SERVER = 12;
        ZMQ_CLIENT = 13;
        ZMQ_RADIO = 14;
        ZMQ_DISH = 15;
        ZMQ_GATHER = 16;
        ZMQ_SCATTER = 17;
        ZMQ_DGRAM = 18;
        ZMQ_PEER = 19;
        ZMQ_CHANNEL = 20;
        // ZMQ_RECONNECT_STOP flags (AFTER_DISCONNECT was 3 in 4.3.4, 4 since 4.3.5)
        ZMQ_RECONNECT_STOP_CONN_REFUSED = 1;
        ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED = 2;
        ZMQ_RECONNECT_STOP_AFTER_DISCONNECT = 4;
        // ZMQ_ROUTER_NOTIFY flags
        ZMQ_NOTIFY_CONNECT = 1;
        ZMQ_NOTIFY_DISCONNECT = 2;
        // ZMQ_NORM_MODE values
        ZMQ_NORM_FIXED = 0;
        ZMQ_NORM_CC = 1;
        ZMQ_NORM_CCL = 2;
        ZMQ_NORM_CCE = 3;
        ZMQ_NORM_CCE_ECNONLY = 4;
        // Monitor event versions and events
        ZMQ_CURRENT_EVENT_VERSION = 1;
        ZMQ_CURRENT_EVENT_VERSION_DRAFT = 2;
        ZMQ_EVENT_ALL_V1 = 65535;
        ZMQ_EVENT_PIPES_STATS = 65536;
        ZMQ_EVENT_ALL_V2 = 131071;
        // Socket options (some draft numbers work in every build: see api.md)
        ZMQ_ZAP_ENFORCE_DOMAIN = 93;
        ZMQ_LOOPBACK_FASTPATH = 94;
        ZMQ_METADATA = 95;
        ZMQ_MULTICAST_LOOP = 96;
        ZMQ_ROUTER_NOTIFY = 97;
        ZMQ_XPUB_MANUAL_LAST_VALUE = 98;
        ZMQ_SOCKS_USERNAME = 99;
        ZMQ_SOCKS_PASSWORD = 100;
        ZMQ_IN_BATCH_SIZE = 101;
        ZMQ_OUT_BATCH_SIZE = 102;
        ZMQ_WSS_KEY_PEM = 103;
        ZMQ_WSS_CERT_PEM = 104;
        ZMQ_WSS_TRUST_PEM = 105;
        ZMQ_WSS_HOSTNAME = 106;
        ZMQ_WSS_TRUST_SYSTEM = 107;
        ZMQ_ONLY_FIRST_SUBSCRIBE = 108;
        ZMQ_RECONNECT_STOP = 109;
        ZMQ_HELLO_MSG = 110;
        ZMQ_DISCONNECT_MSG = 111;
        ZMQ_PRIORITY = 112;
        ZMQ_BUSY_POLL = 113;
        ZMQ_HICCUP_MSG = 114;
        ZMQ_XSUB_VERBOSE_UNSUBSCRIBE = 115;
        ZMQ_TOPICS_COUNT = 116;
        ZMQ_NORM_MODE = 117;
        ZMQ_NORM_UNICAST_NACK = 118;
        ZMQ_NORM_BUFFER_SIZE = 119;
        ZMQ_NORM_SEGMENT_SIZE = 120;
        ZMQ_NORM_BLOCK_SIZE = 121;
        ZMQ_NORM_NUM_PARITY = 122;
        ZMQ_NORM_NUM_AUTOPARITY = 123;
        ZMQ_NORM_PUSH = 124;
    }
}
