package dev.sluice.drivers.xdp;

/**
 * A child process for {@link XdpAttachmentCrashTest}: attaches a steering program to the
 * interface {@code args[0]} by {@code args[1]} ("link" or "netlink"), prints
 * {@code ATTACHED <program id>} and waits to be killed. It never closes anything on purpose.
 */
public final class AttachAndHold {
    private AttachAndHold() {
    }

    public static void main(String[] args) {
        XdpProgram program = XdpPrograms.steering(1, 1);
        XdpAttachment attachment = "netlink".equals(args[1])
                ? XdpAttachment.attachNetlink(program, args[0], XdpMode.NATIVE)
                : XdpAttachment.attach(program, args[0], XdpMode.NATIVE);
        System.out.println("ATTACHED " + attachment.programId());
        System.out.flush();
        while (true) { // held until the test kills this process
            java.util.concurrent.locks.LockSupport.park();
        }
    }
}
