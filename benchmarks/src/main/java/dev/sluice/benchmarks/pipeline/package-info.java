/**
 * JMH benchmark of the pipeline runtime over in-process memory ports. Figures and their history:
 * {@code benchmarks/README.md}.
 */
package dev.sluice.benchmarks.pipeline;
