package dev.sluice.drivers.afxdp;

/** The kernel's counters of one AF_XDP socket (struct xdp_statistics). */
public record XskStatistics(long rxDropped, long rxInvalidDescs, long txInvalidDescs, long rxRingFull,
                            long rxFillRingEmptyDescs, long txRingEmptyDescs) {
    public static final XskStatistics ZERO = new XskStatistics(0, 0, 0, 0, 0, 0);

    public XskStatistics plus(XskStatistics o) {
        return new XskStatistics(rxDropped + o.rxDropped, rxInvalidDescs + o.rxInvalidDescs,
                txInvalidDescs + o.txInvalidDescs, rxRingFull + o.rxRingFull,
                rxFillRingEmptyDescs + o.rxFillRingEmptyDescs, txRingEmptyDescs + o.txRingEmptyDescs);
    }
}
