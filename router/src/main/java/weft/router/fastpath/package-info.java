/**
 * The kernel fast path: a VXLAN port on the bridge that the router programs over rtnetlink, and heartbeats that
 * travel through it to prove, pair by pair, that it carries full-size frames. The decisions ({@link
 * weft.router.fastpath.FastPathTable}, {@link weft.router.fastpath.PairHealth}) are pure and take the time as an
 * argument; {@link weft.router.fastpath.FastPath} is the edge that sends, receives and programs the kernel.
 */
package weft.router.fastpath;
