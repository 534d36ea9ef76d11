/** Maglev consistent hashing: the table that maps a flow hash to a backend. */
package dev.sluice.lb.maglev;
