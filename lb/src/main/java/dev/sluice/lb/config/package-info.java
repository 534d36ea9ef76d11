/**
 * The load balancer's configuration: the validated model ({@link dev.sluice.lb.config.LbConfig} and
 * its parts), the YAML loader that builds it ({@link dev.sluice.lb.config.LbConfigLoader}), reporting
 * the file, line, column and key path of every problem as a
 * {@link dev.sluice.lb.config.ConfigException}, and the parsers of literal values
 * ({@link dev.sluice.lb.config.Literals}: addresses without DNS, prefixes, MACs, durations) that
 * command-line tools share with it.
 */
package dev.sluice.lb.config;
