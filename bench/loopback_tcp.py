#!/usr/bin/env python3
"""The loopback TCP ceiling of this machine: what raw sockets move, and the CPU they cost, with no HTTP, parsing
or folding. A receiver process reads into one reused buffer; a sender process writes one 6.65 MB block (a CNN-sized
F32 update) over and over. Prints GB/s and each side's CPU seconds per GB. Usage: loopback_tcp.py [--gb 8] [--chunk-kb 1024]
"""
import argparse, os, socket, time, resource

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=8.0)
    ap.add_argument("--chunk-kb", type=int, default=1024, help="bytes per send/recv call")
    a = ap.parse_args()
    block = os.urandom(6_654_368)
    blocks = max(1, int(a.gb * 1e9) // len(block))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the receiver
        os.close(r)
        conn, _ = listener.accept()
        buf = bytearray(a.chunk_kb * 1024)
        view = memoryview(buf)
        got = 0
        t0 = time.monotonic()
        while True:   # to the sender's end of stream
            n = conn.recv_into(view)
            if n == 0: break
            got += n
        dt = time.monotonic() - t0
        u = resource.getrusage(resource.RUSAGE_SELF)
        os.write(w, f"{got} {dt} {u.ru_utime + u.ru_stime}".encode())
        os._exit(0)
    os.close(w)
    s = socket.create_connection(("127.0.0.1", port))
    view = memoryview(block)
    chunk = a.chunk_kb * 1024
    t0 = time.monotonic()
    for _ in range(blocks):
        for off in range(0, len(block), chunk):
            s.sendall(view[off:off + chunk])
    s.shutdown(socket.SHUT_WR)
    report = os.read(r, 200).decode().split()
    os.waitpid(pid, 0)
    dt = time.monotonic() - t0
    u = resource.getrusage(resource.RUSAGE_SELF)
    got, rdt, rcpu = int(report[0]), float(report[1]), float(report[2])
    gb = got / 1e9
    print(f"loopback TCP, {os.cpu_count()} cores, {a.chunk_kb} KiB per call: {gb / rdt:.2f} GB/s over {gb:.1f} GB; "
          f"CPU s per GB: receiver {rcpu / gb:.3f}, sender {(u.ru_utime + u.ru_stime) / gb:.3f}")

if __name__ == "__main__":
    main()
