#!/usr/bin/env python3
"""Connections for the NetworkPolicy lab test (PolicyIT), run inside a pod's network namespace.

  policy-probe.py serve PORT...            TCP and UDP servers on each PORT: every line or datagram gets "ok PORT"
  policy-probe.py probe SECONDS TARGET...  TARGET is ADDRESS:PORT/tcp|udp; one new connection each, side by side;
                                           prints "TARGET yes" when answered within SECONDS, else "TARGET no"
  policy-probe.py hold ADDRESS PORT SECONDS  one TCP connection kept open: prints "connected", then sends a line
                                           every 0.2 s for SECONDS and prints "answered N of M"
"""
import socket
import sys
import threading
import time


def serve(ports):
    def tcp_client(conn, port):
        with conn:
            for _ in conn.makefile("rb"):
                conn.sendall(b"ok %d\n" % port)

    def tcp(port):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", port))
        server.listen(128)
        while True:
            conn, _ = server.accept()
            threading.Thread(target=tcp_client, args=(conn, port), daemon=True).start()

    def udp(port):
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("0.0.0.0", port))
        while True:
            _, peer = server.recvfrom(2048)
            server.sendto(b"ok %d\n" % port, peer)

    for port in ports:
        threading.Thread(target=tcp, args=(port,), daemon=True).start()
        threading.Thread(target=udp, args=(port,), daemon=True).start()
    print("serving", flush=True)
    threading.Event().wait()


def probe_one(seconds, target, results):
    address, rest = target.rsplit(":", 1)
    port, protocol = rest.split("/")
    answered = False
    try:
        if protocol == "tcp":
            with socket.create_connection((address, int(port)), timeout=seconds) as conn:
                conn.settimeout(seconds)
                conn.sendall(b"hi\n")
                answered = conn.recv(64).startswith(b"ok")
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as conn:
                conn.settimeout(seconds)
                conn.sendto(b"hi\n", (address, int(port)))
                answered = conn.recv(64).startswith(b"ok")
    except OSError:
        answered = False
    results[target] = answered


def probe(seconds, targets):
    results = {}
    threads = [threading.Thread(target=probe_one, args=(seconds, t, results)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for target in targets:
        print(target, "yes" if results[target] else "no")


def hold(address, port, seconds):
    conn = socket.create_connection((address, port), timeout=2)
    conn.settimeout(2)
    reader = conn.makefile("rb")
    print("connected", flush=True)
    sent = answered = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sent += 1
        try:
            conn.sendall(b"hold\n")
            if reader.readline().startswith(b"ok"):
                answered += 1
        except OSError:
            pass
        time.sleep(0.2)
    print("answered %d of %d" % (answered, sent), flush=True)


if __name__ == "__main__":
    verb = sys.argv[1]
    if verb == "serve":
        serve([int(p) for p in sys.argv[2:]])
    elif verb == "probe":
        probe(float(sys.argv[2]), sys.argv[3:])
    elif verb == "hold":
        hold(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit("usage: policy-probe.py serve|probe|hold ...")
