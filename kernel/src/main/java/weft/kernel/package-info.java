/**
 * The router's kernel layer: FFM downcalls into libc, TAP devices, network namespaces, an rtnetlink
 * client with its pure netlink codec, and a probe of the kernel's ESP support over xfrm netlink. No
 * code here forks a tool; every kernel change is a system call or a netlink request, and every failure
 * is a {@link weft.kernel.NativeCallException} naming the call, its target and the errno (the
 * probe alone answers instead of throwing, since "cannot tell" is an answer to report).
 *
 * <p>Also {@link weft.kernel.EnumCounters}, the per-thread counters the sockets here and the router's data paths
 * count per-packet facts with: this module is the one both reach, and it depends on nothing but the JDK.
 */
package weft.kernel;
