//! Lock-free pipes between sockets and sessions (being written).
