/**
 * jcstress tests of the descriptor rings' memory-ordering contracts (SPSC, MPSC, MPMC): each test
 * names the interleaving it provokes and which outcomes are acceptable. Small descriptors are
 * encoded as decimal digits ({@link dev.sluice.stress.ring.Digits}) so one result shows an order.
 */
package dev.sluice.stress.ring;
