package dev.sluice.lb.health;

import dev.sluice.lb.config.HealthConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Passes when a TCP connection to the backend's port opens before the deadline; sends nothing. */
final class TcpProbe implements Probe {
    static final TcpProbe INSTANCE = new TcpProbe();

    private TcpProbe() {
    }

    @Override
    public void run(Socket socket, InetSocketAddress backend, HealthConfig check, long deadlineNanos) throws IOException {
        Probe.connect(socket, backend, deadlineNanos);
    }
}
