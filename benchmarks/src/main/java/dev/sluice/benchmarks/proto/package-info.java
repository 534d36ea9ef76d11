/**
 * JMH benchmarks of the header walk: {@code PacketParserBenchmark}, nanoseconds per frame parsed
 * over a burst of untagged, double-tagged and IPv6 extension-header frames. Figures and how to
 * compare builds: {@code benchmarks/README.md}.
 */
package dev.sluice.benchmarks.proto;
