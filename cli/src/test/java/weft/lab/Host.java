package weft.lab;

import java.nio.file.Path;

/**
 * One simulated host of a {@link Lab}: a network namespace whose {@code eth0} sits on the lab's
 * underlay bridge, and a data directory of its own for the router. An immutable value.
 *
 * @param index           1-based, as in the namespace name {@code <prefix>-h<index>}
 * @param netns           the host's network namespace
 * @param underlayAddress the address of its {@code eth0}, {@code 192.168.77.<index>}
 * @param dataDir         the router's data directory ({@code --data-dir}, {@code WEFT_DATA_DIR})
 */
public record Host(int index, String netns, String underlayAddress, Path dataDir) {}
