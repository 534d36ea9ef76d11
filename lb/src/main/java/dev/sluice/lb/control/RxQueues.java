package dev.sluice.lb.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * How many RX queues of an interface are in use: the queues an AF_XDP socket can bind to. rtnetlink
 * reports the queues the driver allocated ({@code IFLA_NUM_RX_QUEUES}), which may be more: a veth
 * allocates one per possible CPU and uses one until {@code ethtool -L} says otherwise, and binding
 * to an allocated but unused queue fails with EINVAL. The kernel lists the queues in use in sysfs
 * ({@code /sys/class/net/IF/queues/rx-N}); that view belongs to the network namespace sysfs was
 * mounted in ({@code ip netns exec} mounts the namespace's own), so it is used only when its
 * interface has the index this process found, and the allocated count otherwise.
 */
final class RxQueues {
    private RxQueues() {
    }

    static int inUse(String ifname, int ifindex, int allocated) {
        return inUse(Path.of("/sys/class/net"), ifname, ifindex, allocated);
    }

    static int inUse(Path sysClassNet, String ifname, int ifindex, int allocated) {
        Path dir = sysClassNet.resolve(ifname);
        try {
            if (Integer.parseInt(Files.readString(dir.resolve("ifindex")).strip()) != ifindex) {
                return allocated; // another namespace's interface of that name
            }
            try (Stream<Path> queues = Files.list(dir.resolve("queues"))) {
                long n = queues.filter(q -> q.getFileName().toString().startsWith("rx-")).count();
                return n > 0 && n <= allocated ? (int) n : allocated;
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            return allocated;
        }
    }
}
