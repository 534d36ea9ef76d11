package dev.sluice.lb.config;

/** A VIP's transport protocol, with its IP protocol number. */
public enum Protocol {
    TCP(6), UDP(17);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }
}
