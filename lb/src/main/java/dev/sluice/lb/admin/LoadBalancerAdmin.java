package dev.sluice.lb.admin;

import dev.sluice.lb.control.AdminReply;
import dev.sluice.lb.control.LoadBalancer;

import java.net.InetAddress;
import java.nio.file.Path;

/**
 * Answers admin requests with a {@link LoadBalancer}'s control-plane methods: {@code status} as
 * {@link StatusText}, {@code reload} of the file named (or the one it runs), {@code drain} and
 * {@code undrain} of a backend address. The balancer's refusals ({@link AdminReply#ok()} false)
 * are {@code error} replies with its message verbatim.
 */
public final class LoadBalancerAdmin implements AdminHandler {
    private final LoadBalancer lb;

    public LoadBalancerAdmin(LoadBalancer lb) {
        this.lb = lb;
    }

    @Override
    public AdminResponse handle(AdminRequest request) {
        return switch (request.command()) {
            case STATUS -> AdminResponse.ok(StatusText.render(lb.status()));
            case RELOAD -> request.argument() == null ? reload() : reload(request.argument());
            case DRAIN -> backend(request.argument()) instanceof InetAddress a ? of(lb.drain(a)) : notAnAddress(request);
            case UNDRAIN -> backend(request.argument()) instanceof InetAddress a ? of(lb.undrain(a)) : notAnAddress(request);
        };
    }

    /** Reloads the file the balancer runs (what SIGHUP does). */
    public AdminResponse reload() {
        Path source = lb.configSource();
        if (source == null) {
            return AdminResponse.error("the balancer's configuration was not read from a file: name one to reload");
        }
        return of(lb.reload(source));
    }

    private AdminResponse reload(String file) {
        Path path = Path.of(file);
        if (!path.isAbsolute()) {
            return AdminResponse.error("reload needs an absolute path (the balancer's working directory is not the "
                    + "requester's): " + file);
        }
        return of(lb.reload(path));
    }

    private static AdminResponse of(AdminReply reply) {
        return reply.ok() ? AdminResponse.ok(reply.message()) : AdminResponse.error(reply.message());
    }

    private static InetAddress backend(String text) {
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static AdminResponse notAnAddress(AdminRequest r) {
        return AdminResponse.error(r.command().word() + ": '" + r.argument() + "' is not an IP address");
    }
}
