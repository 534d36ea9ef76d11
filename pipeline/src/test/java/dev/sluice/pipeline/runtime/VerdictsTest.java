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

    /** A burst that came from one port and goes back whole is one code: no per-packet verdict is written. */
    @Test
    void aBurstFromOnePortSentBackIsOneCodeUntilAPacketIsSetOnItsOwn() {
        Verdicts v = new Verdicts(4);
        java.util.Arrays.fill(v.receivedOnArray(), 3);
        v.reset(4, 3);
        v.transmitEachBack();
        assertThat(v.uniformCode()).isEqualTo(3);
        v.drop(2);
        assertThat(new int[] {v.code(0), v.code(1), v.code(2), v.code(3)}).containsExactly(3, 3, Verdicts.DROP, 3);
        assertThat(v.uniformCode()).isEqualTo(Verdicts.MIXED);
    }

    @Test
    void aWholeBurstVerdictThenOnePacketsKeepsTheOthers() {
        Verdicts v = Verdicts.forBurst(0, 1, 0);
        v.transmitAll(1);
        v.nextStage(1);
        assertThat(new int[] {v.code(0), v.code(1), v.code(2)}).containsExactly(1, Verdicts.NEXT_STAGE, 1);
        v.transmitEachBack(); // packets from several ports: per packet
        assertThat(new int[] {v.code(0), v.code(1), v.code(2)}).containsExactly(0, 1, 0);
    }

    @Test
    void aResetMakesEveryPacketDropWhateverTheLastBurstWas() {
        Verdicts v = Verdicts.forBurst(0, 0, 0);
        v.transmit(0, 2);
        v.transmit(2, 1);
        v.reset(2, 0);
        assertThat(v.count()).isEqualTo(2);
        assertThat(new int[] {v.code(0), v.code(1)}).containsExactly(Verdicts.DROP, Verdicts.DROP);
        assertThat(v.uniformCode()).isEqualTo(Verdicts.DROP);
    }
}
