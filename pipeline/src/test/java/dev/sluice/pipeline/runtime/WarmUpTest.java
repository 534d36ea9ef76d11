package dev.sluice.pipeline.runtime;

import dev.sluice.pipeline.hash.Toeplitz;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class WarmUpTest {
    /** The warm-up runs the caller's pipeline, whatever its shape, over the simulated kernel. */
    @ParameterizedTest(name = "workers={0}")
    @ValueSource(ints = {1, 2})
    void warmUpRunsTheCallersPipelineOverTheSimulatedKernel(int workers) {
        AtomicLong handled = new AtomicLong();
        AtomicLong handlers = new AtomicLong();
        long delivered = WarmUp.overSimulatedKernel(port -> Pipeline.builder().port(port).workers(workers)
                .hashing(workers > 1 ? Toeplitz.symmetric() : null)
                .handler(() -> {
                    handlers.incrementAndGet();
                    return (b, v) -> {
                        handled.addAndGet(b.count());
                        v.transmitEachBack();
                    };
                }), 64, 100);
        assertThat(handlers.get()).isEqualTo(workers);
        assertThat(delivered).isPositive();
        // What the simulated kernel delivered after the last duty cycle stays in the RX ring.
        assertThat(handled.get()).isPositive().isLessThanOrEqualTo(delivered);
    }
}
