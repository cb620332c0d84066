/**
 * The router's kernel layer: FFM downcalls into libc, TAP devices, network namespaces and an
 * rtnetlink client with its pure netlink codec. No code here forks a tool; every kernel change is a
 * system call or an rtnetlink request, and every failure is a {@link weft.router.kernel.NativeCallException}
 * naming the call, its target and the errno.
 */
package weft.router.kernel;
