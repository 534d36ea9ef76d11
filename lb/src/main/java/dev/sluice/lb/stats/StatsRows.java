package dev.sluice.lb.stats;

import java.net.InetAddress;

/**
 * Which {@link LbStats} row a VIP or a (VIP, backend) counts in: what the table builder asks for
 * each VIP and backend it puts in the tables. {@link LbMetrics} answers for the configuration it was
 * last {@link LbMetrics#apply applied}; anything it does not know gets {@link LbStats#SINK}.
 */
public interface StatsRows {
    /** The row of VIP {@code vipName}, or {@link LbStats#SINK}. */
    int vipRow(String vipName);

    /** The row of {@code backend} in VIP {@code vipName}, or {@link LbStats#SINK}. */
    int backendRow(String vipName, InetAddress backend);

    /** Every VIP and backend counts in the sink: statistics off. */
    StatsRows NONE = new StatsRows() {
        @Override
        public int vipRow(String vipName) {
            return LbStats.SINK;
        }

        @Override
        public int backendRow(String vipName, InetAddress backend) {
            return LbStats.SINK;
        }

        @Override
        public String toString() {
            return "no statistics rows";
        }
    };
}
