/**
 * Test support shared by the tests of every module, on their test class path only (never shipped):
 * <ul>
 *   <li>{@link dev.sluice.testing.Privileged}: the one policy for tests that need a capability or an
 *       external tool (in CI a missing one fails the test; elsewhere the test is skipped, saying why);</li>
 *   <li>{@link dev.sluice.testing.Await}: waiting on a condition with a deadline, never a sleep;</li>
 *   <li>{@link dev.sluice.testing.FrameBuilder}: the one builder of byte[] frames, with checksums from
 *       {@link dev.sluice.testing.ReferenceChecksum} (independent of the code under test), and
 *       {@link dev.sluice.testing.NumberedPayload} / {@link dev.sluice.testing.RandomFrames};</li>
 *   <li>{@link dev.sluice.testing.NetnsPair}, {@link dev.sluice.testing.VethPair},
 *       {@link dev.sluice.testing.Commands}: throw-away network namespaces and veth pairs;</li>
 *   <li>{@link dev.sluice.testing.UdpFlood}: kernel UDP traffic from inside a namespace.</li>
 * </ul>
 * Depends on {@code sys} only, so that even the lowest modules' tests can use it without a cycle.
 */
package dev.sluice.testing;
