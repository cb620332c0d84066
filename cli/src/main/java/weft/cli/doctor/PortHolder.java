package weft.cli.doctor;

/**
 * A socket bound to a port Weft uses (listening, for TCP), and who holds it. Immutable.
 *
 * @param protocol {@code tcp} or {@code udp}
 * @param address  the local address it is bound to, as the kernel lists it
 * @param inode    the socket's inode, which {@code /proc/PID/fd} links name ({@code socket:[INODE]})
 * @param pid      the holding process; {@link #KERNEL} for a socket of the kernel's own (a VXLAN device's), {@link #UNKNOWN}
 *                 when no process visible to this user holds it
 * @param command  the holder's command name ({@code /proc/PID/comm}), "" when unknown
 */
record PortHolder(String protocol, String address, int port, long inode, long pid, String command) {
    static final long KERNEL = 0, UNKNOWN = -1;

    /** The same socket, held by {@code pid} running {@code command}. */
    PortHolder heldBy(long pid, String command) {
        return new PortHolder(protocol, address, port, inode, pid, command);
    }

    /** "pid 4242 (java)", "the kernel (a VXLAN device)" or "a process this user cannot see". */
    String holder() {
        if (pid == KERNEL) return "the kernel (a VXLAN or other tunnel device: ip -d link show type vxlan)";
        if (pid == UNKNOWN) return "a process this user cannot see (run weft doctor as root to name it)";
        return "pid " + pid + " (" + command + ")";
    }
}
