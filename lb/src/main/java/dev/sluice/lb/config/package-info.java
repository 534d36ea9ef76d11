/**
 * The load balancer's configuration: the validated model ({@link dev.sluice.lb.config.LbConfig} and
 * its parts) and the YAML loader that builds it, reporting the file, line, column and key path of
 * every problem.
 */
package dev.sluice.lb.config;
