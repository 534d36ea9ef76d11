/**
 * JMH benchmark of what shared-memory port counters cost the data path against plain fields.
 * Figures and their history: {@code benchmarks/README.md}.
 */
package dev.sluice.benchmarks.counters;
