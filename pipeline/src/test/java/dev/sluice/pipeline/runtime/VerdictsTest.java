package dev.sluice.pipeline.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VerdictsTest {

    @Test
    void aBurstWhoseVerdictsAreAllOneCodeIsUniform() {
        Verdicts v = Verdicts.forBurst(2, 2, 2, 2, 2);
        assertThat(v.uniformCode()).as("every packet DROP after reset").isEqualTo(Verdicts.DROP);
        v.transmitEachBack();
        assertThat(v.uniformCode()).isEqualTo(2);
        v.transmit(4, 1);
        assertThat(v.uniformCode()).as("the last packet differs").isEqualTo(Verdicts.MIXED);
        v.transmitAll(0);
        assertThat(v.uniformCode()).isZero();
        v.nextStage(0);
        assertThat(v.uniformCode()).as("the first packet differs").isEqualTo(Verdicts.MIXED);
    }

    @Test
    void codesThatDifferInAnyBitAreMixed() {
        Verdicts v = Verdicts.forBurst(0, 0);
        v.transmit(0, Verdicts.DROP);
        v.transmit(1, Integer.MAX_VALUE); // DROP is -1: all ones; MAX_VALUE differs only in the sign bit
        assertThat(v.uniformCode()).isEqualTo(Verdicts.MIXED);
        assertThat(Verdicts.forBurst().uniformCode()).as("an empty burst").isEqualTo(Verdicts.MIXED);
    }
}
