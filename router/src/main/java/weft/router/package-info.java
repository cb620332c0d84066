/** The Weft router daemon and the {@code weft} command line. */
package weft.router;
