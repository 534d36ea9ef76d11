package dev.sluice.lb.config;

import dev.sluice.lb.maglev.MaglevTable;
import dev.sluice.sys.LibC;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads a balancer's YAML file into a validated {@link LbConfig}. The file is composed into
 * SnakeYAML Engine's node tree, which keeps every node's position, and each section is read by one
 * method below; the first problem ends the load with a {@link ConfigException} naming the file, line,
 * column and key path, and what is allowed there. Nothing here touches the network: addresses are
 * literals, and the only question asked of the system is whether the interface exists (replaceable,
 * for tests and tools that check a file meant for another host).
 *
 * <p>Decisions a user may meet: {@code protocol} defaults to tcp, {@code forwarding} to dsr,
 * {@code hash} to 5-tuple, {@code weight} to 100; a VIP whose backends all have weight 0 is accepted
 * (it is drained: established flows stay, new ones are dropped and counted); a backend may not have
 * the address of any VIP; {@code dsr} needs
 * backends of the VIP's family, {@code ipip} and {@code gue} may mix families; {@code mac} is for
 * {@code dsr} backends only and {@code gue-port} for {@code gue} VIPs only; the table size must be a
 * prime larger than the number of backends.
 */
public final class LbConfigLoader {
    /** Largest Maglev table a VIP may ask for (a prime below 2^24: 64 MiB of slots). */
    public static final int MAX_TABLE_SIZE = 16_777_213;
    public static final int MAX_WORKERS = 1024;
    public static final int MIN_CAPACITY = 1024;
    public static final int MAX_CAPACITY = 1 << 26;

    private static final List<String> TOP_KEYS = List.of("interface", "workers", "vips", "connections", "encapsulation");
    private static final List<String> VIP_KEYS = List.of("name", "address", "protocol", "port", "forwarding", "hash",
            "table-size", "gue-port", "backends", "health");
    private static final List<String> BACKEND_KEYS = List.of("address", "weight", "mac");
    private static final List<String> HEALTH_KEYS = List.of("type", "port", "path", "expect", "interval", "timeout",
            "rise", "fall");
    private static final List<String> CONNECTIONS_KEYS = List.of("capacity", "tcp-idle", "udp-idle");
    private static final List<String> ENCAPSULATION_KEYS = List.of("source-prefix-v4", "source-prefix-v6", "next-hop-mac");

    private static final Map<String, Protocol> PROTOCOLS = words(Map.entry("tcp", Protocol.TCP),
            Map.entry("udp", Protocol.UDP));
    private static final Map<String, Forwarding> FORWARDINGS = words(Map.entry("dsr", Forwarding.DSR),
            Map.entry("ipip", Forwarding.IPIP), Map.entry("gue", Forwarding.GUE));
    private static final Map<String, HashFields> HASHES = words(Map.entry("5-tuple", HashFields.FIVE_TUPLE),
            Map.entry("source", HashFields.SOURCE), Map.entry("source-port", HashFields.SOURCE_PORT));
    private static final Map<String, HealthConfig.Type> HEALTH_TYPES = words(Map.entry("tcp", HealthConfig.Type.TCP),
            Map.entry("http", HealthConfig.Type.HTTP));

    private final Path file;
    private final Predicate<String> interfaceExists;
    /** Every backend address read, with its node: none may be a VIP's address. */
    private final List<Map.Entry<InetAddress, ConfigNode>> backendAddresses = new ArrayList<>();

    private LbConfigLoader(Path file, Predicate<String> interfaceExists) {
        this.file = file;
        this.interfaceExists = interfaceExists;
    }

    /** Reads {@code file}; the interface must exist on this host. */
    public static LbConfig load(Path file) {
        return load(file, LbConfigLoader::kernelKnows);
    }

    /** Reads {@code file}; {@code interfaceExists} answers whether the interface name is known. */
    public static LbConfig load(Path file, Predicate<String> interfaceExists) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, 0, "", "no such file");
        } catch (AccessDeniedException e) {
            throw new ConfigException(file, 0, 0, "", "permission denied");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, 0, 0, "", "not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(file, 0, 0, "", "cannot be read: " + e.getMessage());
        }
        return parse(yaml, file, interfaceExists);
    }

    /** Parses {@code yaml}, naming {@code nameForMessages} in errors; the interface must exist on this host. */
    public static LbConfig parse(String yaml, Path nameForMessages) {
        return parse(yaml, nameForMessages, LbConfigLoader::kernelKnows);
    }

    /** Parses {@code yaml}, naming {@code nameForMessages} in errors and as {@link LbConfig#source()}. */
    public static LbConfig parse(String yaml, Path nameForMessages, Predicate<String> interfaceExists) {
        LbConfigLoader loader = new LbConfigLoader(nameForMessages, interfaceExists);
        return loader.config(new ConfigNode(nameForMessages, loader.compose(yaml), ""));
    }

    /** The default interface check: the kernel has an interface of that name (in this network namespace). */
    public static boolean kernelKnows(String interfaceName) {
        return LibC.ifNameToIndex(interfaceName) != 0;
    }

    private Node compose(String yaml) {
        LoadSettings settings = LoadSettings.builder().setLabel(file.toString())
                .setAllowNonScalarKeys(true) // so that the walk, not the parser, reports them with a position
                .build();
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(yaml);
        } catch (MarkedYamlEngineException e) {
            String context = e.getContext() == null || e.getContext().isBlank() ? "" : " (" + e.getContext() + ")";
            throw ConfigNode.error(file, e.getProblemMark().or(e::getContextMark).orElse(null), "",
                    "YAML syntax error: " + e.getProblem() + context);
        } catch (ReaderException e) {
            int[] at = lineAndColumn(yaml, e.getPosition());
            throw new ConfigException(file, at[0], at[1], "", "YAML syntax error: " + e.getMessage()
                    + String.format(" (U+%04X; YAML allows tab and line breaks, no other control characters)",
                    e.getCodePoint()));
        } catch (YamlEngineException e) {
            throw new ConfigException(file, 0, 0, "", "YAML error: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return root.orElseThrow(() -> new ConfigException(file, 1, 1, "",
                "the file is empty (it needs at least interface and vips)"));
    }

    /** 1-based line and column of the code point at {@code index} (lines end at \n, \r\n or \r, as in YAML). */
    private static int[] lineAndColumn(String text, int index) {
        int line = 1;
        int column = 1;
        int[] cps = text.codePoints().limit(index).toArray();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] == '\n' || cps[i] == '\r' && (i + 1 >= cps.length || cps[i + 1] != '\n')) {
                line++;
                column = 1;
            } else if (cps[i] != '\r') {
                column++;
            }
        }
        return new int[] {line, column};
    }

    private LbConfig config(ConfigNode root) {
        ConfigNode.Fields f = root.fields("a mapping with the keys " + String.join(", ", TOP_KEYS), TOP_KEYS);
        String interfaceName = interfaceName(f.required("interface"));
        int workers = f.has("workers") ? f.get("workers").integer(0, MAX_WORKERS, "0 = one per RX queue") : 0;
        List<VipConfig> vips = vips(f.required("vips"));
        ConnectionsConfig connections = f.has("connections") ? connections(f.get("connections"))
                : ConnectionsConfig.defaults();
        EncapsulationConfig encapsulation = f.has("encapsulation") ? encapsulation(f.get("encapsulation"))
                : EncapsulationConfig.defaults();
        return new LbConfig(file, interfaceName, workers, vips, connections, encapsulation);
    }

    private String interfaceName(ConfigNode n) {
        String name = n.literal("an interface name", Literals::interfaceName);
        if (!interfaceExists.test(name)) {
            throw n.error("no interface '" + name + "' on this host ('ip link' lists them)");
        }
        return name;
    }

    private List<VipConfig> vips(ConfigNode n) {
        List<VipConfig> vips = new ArrayList<>();
        Map<String, ConfigNode> names = new HashMap<>();
        Map<String, ConfigNode> services = new HashMap<>();
        Map<InetAddress, String> vipAddresses = new HashMap<>();
        for (ConfigNode item : n.items("a list of VIPs")) {
            ConfigNode.Fields f = item.fields("a VIP (a mapping with name, address, port and backends)", VIP_KEYS);
            VipConfig vip = vip(f);
            ConfigNode first = names.putIfAbsent(vip.name(), f.get("name"));
            if (first != null) {
                throw f.get("name").error("VIP name '" + vip.name() + "' given twice (first at " + first.path()
                        + ", line " + first.line() + "; names must be unique)");
            }
            String service = (vip.protocol() == Protocol.TCP ? "tcp " : "udp ") + Literals.text(vip.address())
                    + " port " + vip.port();
            first = services.putIfAbsent(service, item);
            if (first != null) {
                throw f.get("address").error("another VIP has " + service + " (" + first.path() + ", line "
                        + first.line() + "; address, protocol and port must be unique)");
            }
            vips.add(vip);
            vipAddresses.putIfAbsent(vip.address(), vip.name());
        }
        for (Map.Entry<InetAddress, ConfigNode> backend : backendAddresses) {
            String vip = vipAddresses.get(backend.getKey());
            if (vip != null) {
                throw backend.getValue().error("is the address of VIP '" + vip + "' (a backend must be another host)");
            }
        }
        return vips;
    }

    private VipConfig vip(ConfigNode.Fields f) {
        String name = f.required("name").literal("a VIP name", LbConfigLoader::vipName);
        InetAddress address = f.required("address").literal("an IP address", Literals::unicastAddress);
        Protocol protocol = f.has("protocol") ? f.get("protocol").choice(PROTOCOLS) : Protocol.TCP;
        int port = f.required("port").integer(0, 65535, "0 = all ports");
        Forwarding forwarding = f.has("forwarding") ? f.get("forwarding").choice(FORWARDINGS) : Forwarding.DSR;
        HashFields hash = f.has("hash") ? f.get("hash").choice(HASHES) : HashFields.FIVE_TUPLE;
        int tableSize = f.has("table-size") ? tableSize(f.get("table-size")) : VipConfig.DEFAULT_TABLE_SIZE;
        int guePort = VipConfig.DEFAULT_GUE_PORT;
        if (f.has("gue-port")) {
            if (forwarding != Forwarding.GUE) {
                throw f.get("gue-port").error("applies only to forwarding: gue");
            }
            guePort = f.get("gue-port").integer(1, 65535, "");
        }
        ConfigNode backendsNode = f.required("backends");
        List<BackendConfig> backends = backends(backendsNode, address, forwarding);
        if (tableSize <= backends.size()) {
            ConfigNode at = f.has("table-size") ? f.get("table-size") : backendsNode;
            throw at.error("table-size " + tableSize + " is not larger than the " + backends.size()
                    + " backends (a prime of 100 x backends or more keeps each backend's share within 1%)");
        }
        HealthConfig health = f.has("health") ? health(f.get("health"), port) : null;
        return new VipConfig(name, address, protocol, port, forwarding, hash, tableSize, guePort, backends, health);
    }

    private static int tableSize(ConfigNode n) {
        int size = n.integer(2, MAX_TABLE_SIZE, "a prime");
        if (!MaglevTable.isValidSize(size)) {
            throw n.error(size + " is not a prime (Maglev tables need a prime size, e.g. 251, 4093, 16381, 65537, "
                    + "655373)");
        }
        return size;
    }

    private List<BackendConfig> backends(ConfigNode n, InetAddress vip, Forwarding forwarding) {
        List<BackendConfig> backends = new ArrayList<>();
        Map<InetAddress, ConfigNode> seen = new HashMap<>();
        for (ConfigNode item : n.items("a list of backends")) {
            ConfigNode.Fields f = item.fields("a backend (a mapping with address and optional weight"
                    + (forwarding == Forwarding.DSR ? " and mac" : "") + ")", BACKEND_KEYS);
            ConfigNode addressNode = f.required("address");
            InetAddress address = addressNode.literal("an IP address", Literals::unicastAddress);
            if (forwarding == Forwarding.DSR && family(address) != family(vip)) {
                throw addressNode.error(family(address) + " backend for the " + family(vip) + " VIP: dsr forwards "
                        + "the packet unchanged, so the families must match (ipip and gue may mix them)");
            }
            backendAddresses.add(Map.entry(address, addressNode));
            ConfigNode first = seen.putIfAbsent(address, item);
            if (first != null) {
                throw addressNode.error("backend " + Literals.text(address) + " given twice in this VIP (first at "
                        + first.path() + ", line " + first.line() + ")");
            }
            int weight = f.has("weight") ? f.get("weight").integer(0, BackendConfig.MAX_WEIGHT, "")
                    : BackendConfig.DEFAULT_WEIGHT;
            long mac = BackendConfig.MAC_FROM_KERNEL;
            if (f.has("mac")) {
                if (forwarding != Forwarding.DSR) {
                    throw f.get("mac").error("applies only to forwarding: dsr (encapsulated packets go to the route's "
                            + "next hop; encapsulation.next-hop-mac overrides it)");
                }
                mac = f.get("mac").literal("a MAC address", Literals::mac);
            }
            backends.add(new BackendConfig(address, weight, mac));
        }
        return backends;
    }

    private static String family(InetAddress a) {
        return a instanceof Inet4Address ? "IPv4" : "IPv6";
    }

    private HealthConfig health(ConfigNode n, int vipPort) {
        ConfigNode.Fields f = n.fields("a health check (a mapping with type, port, interval...)", HEALTH_KEYS);
        HealthConfig.Type type = f.has("type") ? f.get("type").choice(HEALTH_TYPES) : HealthConfig.Type.TCP;
        int port = vipPort;
        if (f.has("port")) {
            port = f.get("port").integer(1, 65535, "");
        } else if (vipPort == 0) {
            throw n.error("missing key 'port' (required when the VIP's port is 0)");
        }
        String path = null;
        int expect = 0;
        if (type == HealthConfig.Type.HTTP) {
            path = f.has("path") ? f.get("path").literal("an HTTP path", LbConfigLoader::httpPath)
                    : HealthConfig.DEFAULT_PATH;
            expect = f.has("expect") ? f.get("expect").integer(100, 599, "an HTTP status") : HealthConfig.DEFAULT_EXPECT;
        } else {
            for (String httpOnly : List.of("path", "expect")) {
                if (f.has(httpOnly)) {
                    throw f.get(httpOnly).error("applies only to type: http");
                }
            }
        }
        Duration interval = f.has("interval")
                ? f.get("interval").duration(HealthConfig.MIN_INTERVAL, HealthConfig.MAX_INTERVAL)
                : HealthConfig.DEFAULT_INTERVAL;
        Duration timeout;
        if (f.has("timeout")) {
            timeout = f.get("timeout").duration(HealthConfig.MIN_TIMEOUT, HealthConfig.MAX_INTERVAL);
            if (timeout.compareTo(interval) > 0) {
                throw f.get("timeout").error(Literals.formatDuration(timeout) + " is longer than the interval "
                        + Literals.formatDuration(interval) + " (a check must end before the next starts)");
            }
        } else {
            timeout = interval.compareTo(HealthConfig.DEFAULT_TIMEOUT) < 0 ? interval : HealthConfig.DEFAULT_TIMEOUT;
        }
        int rise = f.has("rise") ? f.get("rise").integer(1, HealthConfig.MAX_COUNT, "") : HealthConfig.DEFAULT_RISE;
        int fall = f.has("fall") ? f.get("fall").integer(1, HealthConfig.MAX_COUNT, "") : HealthConfig.DEFAULT_FALL;
        return new HealthConfig(type, port, path, expect, interval, timeout, rise, fall);
    }

    private static ConnectionsConfig connections(ConfigNode n) {
        ConfigNode.Fields f = n.fields("a mapping with capacity, tcp-idle, udp-idle", CONNECTIONS_KEYS);
        ConnectionsConfig d = ConnectionsConfig.defaults();
        int capacity = f.has("capacity") ? f.get("capacity").integer(MIN_CAPACITY, MAX_CAPACITY, "flows per worker")
                : d.capacity();
        Duration tcpIdle = f.has("tcp-idle") ? f.get("tcp-idle").duration(ConnectionsConfig.MIN_IDLE,
                ConnectionsConfig.MAX_IDLE) : d.tcpIdle();
        Duration udpIdle = f.has("udp-idle") ? f.get("udp-idle").duration(ConnectionsConfig.MIN_IDLE,
                ConnectionsConfig.MAX_IDLE) : d.udpIdle();
        return new ConnectionsConfig(capacity, tcpIdle, udpIdle);
    }

    private static EncapsulationConfig encapsulation(ConfigNode n) {
        ConfigNode.Fields f = n.fields("a mapping with source-prefix-v4, source-prefix-v6, next-hop-mac",
                ENCAPSULATION_KEYS);
        EncapsulationConfig d = EncapsulationConfig.defaults();
        Inet4Address v4 = d.sourcePrefix4();
        int v4Length = d.sourcePrefix4Length();
        if (f.has("source-prefix-v4")) {
            Literals.Prefix p = prefix(f.get("source-prefix-v4"), Inet4Address.class, "IPv4", "10.255.0.0/16");
            v4 = (Inet4Address) p.address();
            v4Length = p.length();
        }
        Inet6Address v6 = d.sourcePrefix6();
        int v6Length = d.sourcePrefix6Length();
        if (f.has("source-prefix-v6")) {
            Literals.Prefix p = prefix(f.get("source-prefix-v6"), Inet6Address.class, "IPv6", "fd00:1::/64");
            v6 = (Inet6Address) p.address();
            v6Length = p.length();
        }
        long nextHopMac = f.has("next-hop-mac") ? f.get("next-hop-mac").literal("a MAC address", Literals::mac)
                : d.nextHopMac();
        return new EncapsulationConfig(v4, v4Length, v6, v6Length, nextHopMac);
    }

    private static Literals.Prefix prefix(ConfigNode n, Class<? extends InetAddress> family, String familyName,
                                          String example) {
        Literals.Prefix p = n.literal("an " + familyName + " prefix such as " + example, Literals::prefix);
        if (!family.isInstance(p.address())) {
            throw n.error(p + " is not an " + familyName + " prefix (e.g. " + example + ")");
        }
        return p;
    }

    /** A VIP's name: it labels counters and log lines, so letters, digits, '.', '_' and '-', at most 63. */
    private static String vipName(String text) {
        if (!text.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new IllegalArgumentException(Literals.quote(text) + " is not a VIP name (1..63 letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit)");
        }
        return text;
    }

    private static String httpPath(String text) {
        if (!text.startsWith("/") || !text.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new IllegalArgumentException(Literals.quote(text) + " is not an HTTP path (it starts with / and has "
                    + "no spaces, e.g. /healthz)");
        }
        return text;
    }

    /** The YAML words of an enumeration, in the order messages list them. */
    @SafeVarargs
    private static <T> Map<String, T> words(Map.Entry<String, T>... words) {
        Map<String, T> m = new LinkedHashMap<>();
        for (Map.Entry<String, T> w : words) {
            m.put(w.getKey(), w.getValue());
        }
        return m;
    }
}
