/** The deterministic 64-bit hash behind flow hashing and Maglev permutations. */
package dev.sluice.lb.hash;
