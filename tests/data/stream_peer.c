/* A libzmq PAIR peer for tests/stream.rs: `stream_peer bind|connect ENDPOINT`.
 * Prints the endpoint it is bound or connected to on one line, then echoes every message
 * (all parts, in order) until it receives the one-part message "END" or waits 10 s. */
#include <stdio.h>
#include <string.h>
#include <zmq.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_PAIR);
    int timeout = 10000;
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    int rc = strcmp(argv[1], "bind") == 0 ? zmq_bind(s, argv[2]) : zmq_connect(s, argv[2]);
    if (rc != 0) {
        fprintf(stderr, "peer: %s %s: %s\n", argv[1], argv[2], zmq_strerror(zmq_errno()));
        return 1;
    }
    char ep[256];
    size_t len = sizeof ep;
    zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len);
    printf("%s\n", ep);
    fflush(stdout);
    int status = 1;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0)
            break;
        int more = zmq_msg_more(&m);
        if (!more && zmq_msg_size(&m) == 3 && memcmp(zmq_msg_data(&m), "END", 3) == 0) {
            zmq_msg_close(&m);
            status = 0;
            break;
        }
        if (zmq_msg_send(&m, s, more ? ZMQ_SNDMORE : 0) < 0)
            break;
    }
    int linger = 1000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return status;
}
