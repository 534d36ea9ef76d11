/**
 * JMH benchmarks of the load balancer's data plane: the connection table alone and the whole
 * handler per packet. Figures and the commands that produced them: {@code benchmarks/README.md}.
 */
package dev.sluice.benchmarks.lb;
