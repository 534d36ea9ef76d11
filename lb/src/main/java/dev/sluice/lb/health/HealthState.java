package dev.sluice.lb.health;

/** What the health checks say of a backend: {@link #UP} takes new flows, {@link #DOWN} is left out of its VIPs. */
public enum HealthState {
    UP, DOWN
}
