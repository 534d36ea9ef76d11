package dev.sluice.drivers.afxdp;

import dev.sluice.ring.XskConsumerRing;
import dev.sluice.ring.XskProducerRing;

/** The four rings of one AF_XDP socket, as user space sees them. */
record XskRings(XskProducerRing fill, XskConsumerRing completion, XskConsumerRing rx, XskProducerRing tx) {
}
