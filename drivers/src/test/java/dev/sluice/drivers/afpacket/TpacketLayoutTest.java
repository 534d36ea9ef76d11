package dev.sluice.drivers.afpacket;

import dev.sluice.sys.LibC;
import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static dev.sluice.sys.TpacketDescriptor.*;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins the TPACKET_V3 layouts of {@link dev.sluice.sys.TpacketDescriptor}: each struct of
 * linux/if_packet.h is declared again here field by field, as C lays it out on x86-64 (natural
 * alignment, padding spelled out), and the descriptor's sizes and offsets must match. The running
 * kernel is asked as well where it can tell (PACKET_HDRLEN, PACKET_STATISTICS length).
 */
class TpacketLayoutTest {
    /** struct sockaddr_ll: 2+2+4+2+1+1+8 = 20, alignment 4. */
    static final StructLayout SOCKADDR_LL = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sll_family"), JAVA_SHORT.withName("sll_protocol"), JAVA_INT.withName("sll_ifindex"),
            JAVA_SHORT.withName("sll_hatype"), JAVA_BYTE.withName("sll_pkttype"), JAVA_BYTE.withName("sll_halen"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sll_addr"));

    static final StructLayout REQ3 = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_block_size"), JAVA_INT.withName("tp_block_nr"), JAVA_INT.withName("tp_frame_size"),
            JAVA_INT.withName("tp_frame_nr"), JAVA_INT.withName("tp_retire_blk_tov"), JAVA_INT.withName("tp_sizeof_priv"),
            JAVA_INT.withName("tp_feature_req_word"));

    static final StructLayout STATS_V3 = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_packets"), JAVA_INT.withName("tp_drops"), JAVA_INT.withName("tp_freeze_q_cnt"));

    static final StructLayout MREQ = MemoryLayout.structLayout(
            JAVA_INT.withName("mr_ifindex"), JAVA_SHORT.withName("mr_type"), JAVA_SHORT.withName("mr_alen"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("mr_address"));

    /** struct tpacket_bd_ts { unsigned int ts_sec; union { ts_usec; ts_nsec }; } */
    static final StructLayout BD_TS = MemoryLayout.structLayout(JAVA_INT.withName("ts_sec"), JAVA_INT.withName("ts_nsec"));

    /** struct tpacket_hdr_v1: seq_num is __aligned_u64, so the struct aligns to 8 (size 40). */
    static final StructLayout HDR_V1 = MemoryLayout.structLayout(
            JAVA_INT.withName("block_status"), JAVA_INT.withName("num_pkts"), JAVA_INT.withName("offset_to_first_pkt"),
            JAVA_INT.withName("blk_len"), JAVA_LONG.withName("seq_num"),
            BD_TS.withName("ts_first_pkt"), BD_TS.withName("ts_last_pkt"));

    /** struct tpacket_block_desc { u32 version; u32 offset_to_priv; union tpacket_bd_header_u hdr; } */
    static final StructLayout BLOCK_DESC = MemoryLayout.structLayout(
            JAVA_INT.withName("version"), JAVA_INT.withName("offset_to_priv"), HDR_V1.withName("bh1"));

    /** struct tpacket_hdr_variant1 (12). */
    static final StructLayout HV1 = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_rxhash"), JAVA_INT.withName("tp_vlan_tci"), JAVA_SHORT.withName("tp_vlan_tpid"),
            JAVA_SHORT.withName("tp_padding"));

    /** struct tpacket3_hdr. */
    static final StructLayout TPACKET3_HDR = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_next_offset"), JAVA_INT.withName("tp_sec"), JAVA_INT.withName("tp_nsec"),
            JAVA_INT.withName("tp_snaplen"), JAVA_INT.withName("tp_len"), JAVA_INT.withName("tp_status"),
            JAVA_SHORT.withName("tp_mac"), JAVA_SHORT.withName("tp_net"), HV1.withName("hv1"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("tp_padding"));

    private static long at(StructLayout s, String... path) {
        MemoryLayout.PathElement[] p = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            p[i] = groupElement(path[i]);
        }
        return s.byteOffset(p);
    }

    @Test
    void sockaddrLlMatchesTheHeader() {
        assertThat(SOCKADDR_LL.byteSize()).isEqualTo(SOCKADDR_LL_SIZE).isEqualTo(20);
        assertThat(at(SOCKADDR_LL, "sll_family")).isEqualTo(SLL_FAMILY_OFFSET);
        assertThat(at(SOCKADDR_LL, "sll_protocol")).isEqualTo(SLL_PROTOCOL_OFFSET);
        assertThat(at(SOCKADDR_LL, "sll_ifindex")).isEqualTo(SLL_IFINDEX_OFFSET);
        assertThat(at(SOCKADDR_LL, "sll_hatype")).isEqualTo(SLL_HATYPE_OFFSET);
        assertThat(at(SOCKADDR_LL, "sll_pkttype")).isEqualTo(SLL_PKTTYPE_OFFSET);
        assertThat(at(SOCKADDR_LL, "sll_halen")).isEqualTo(SLL_HALEN_OFFSET);
        assertThat(at(SOCKADDR_LL, "sll_addr")).isEqualTo(SLL_ADDR_OFFSET);
    }

    @Test
    void requestStatisticsAndMembershipMatchTheHeader() {
        assertThat(REQ3.byteSize()).isEqualTo(REQ3_SIZE).isEqualTo(28);
        assertThat(at(REQ3, "tp_block_size")).isEqualTo(REQ3_BLOCK_SIZE_OFFSET);
        assertThat(at(REQ3, "tp_block_nr")).isEqualTo(REQ3_BLOCK_NR_OFFSET);
        assertThat(at(REQ3, "tp_frame_size")).isEqualTo(REQ3_FRAME_SIZE_OFFSET);
        assertThat(at(REQ3, "tp_frame_nr")).isEqualTo(REQ3_FRAME_NR_OFFSET);
        assertThat(at(REQ3, "tp_retire_blk_tov")).isEqualTo(REQ3_RETIRE_BLK_TOV_OFFSET);
        assertThat(at(REQ3, "tp_sizeof_priv")).isEqualTo(REQ3_SIZEOF_PRIV_OFFSET);
        assertThat(at(REQ3, "tp_feature_req_word")).isEqualTo(REQ3_FEATURE_REQ_WORD_OFFSET);

        assertThat(STATS_V3.byteSize()).isEqualTo(STATS_V3_SIZE).isEqualTo(12);
        assertThat(at(STATS_V3, "tp_packets")).isEqualTo(STATS_PACKETS_OFFSET);
        assertThat(at(STATS_V3, "tp_drops")).isEqualTo(STATS_DROPS_OFFSET);
        assertThat(at(STATS_V3, "tp_freeze_q_cnt")).isEqualTo(STATS_FREEZE_Q_CNT_OFFSET);

        assertThat(MREQ.byteSize()).isEqualTo(MREQ_SIZE).isEqualTo(16);
        assertThat(at(MREQ, "mr_ifindex")).isEqualTo(MREQ_IFINDEX_OFFSET);
        assertThat(at(MREQ, "mr_type")).isEqualTo(MREQ_TYPE_OFFSET);
        assertThat(at(MREQ, "mr_alen")).isEqualTo(MREQ_ALEN_OFFSET);
        assertThat(at(MREQ, "mr_address")).isEqualTo(MREQ_ADDRESS_OFFSET);
    }

    @Test
    void blockDescriptorMatchesTheHeader() {
        assertThat(HDR_V1.byteSize()).isEqualTo(40);
        assertThat(HDR_V1.byteAlignment()).isEqualTo(8);
        assertThat(BLOCK_DESC.byteSize()).isEqualTo(BLOCK_DESC_SIZE).isEqualTo(48);
        assertThat(at(BLOCK_DESC, "version")).isEqualTo(BLOCK_VERSION_OFFSET);
        assertThat(at(BLOCK_DESC, "offset_to_priv")).isEqualTo(BLOCK_OFFSET_TO_PRIV_OFFSET);
        assertThat(at(BLOCK_DESC, "bh1", "block_status")).isEqualTo(BLOCK_STATUS_OFFSET);
        assertThat(at(BLOCK_DESC, "bh1", "num_pkts")).isEqualTo(BLOCK_NUM_PKTS_OFFSET);
        assertThat(at(BLOCK_DESC, "bh1", "offset_to_first_pkt")).isEqualTo(BLOCK_OFFSET_TO_FIRST_PKT_OFFSET);
        assertThat(at(BLOCK_DESC, "bh1", "blk_len")).isEqualTo(BLOCK_LEN_OFFSET);
        assertThat(at(BLOCK_DESC, "bh1", "seq_num")).isEqualTo(BLOCK_SEQ_NUM_OFFSET);
        assertThat(at(BLOCK_DESC, "bh1", "ts_first_pkt")).isEqualTo(BLOCK_TS_FIRST_PKT_OFFSET);
        assertThat(at(BLOCK_DESC, "bh1", "ts_last_pkt")).isEqualTo(BLOCK_TS_LAST_PKT_OFFSET);
        // BLK_HDR_LEN = ALIGN(sizeof(struct tpacket_block_desc), V3_ALIGNMENT = 8)
        assertThat((BLOCK_DESC.byteSize() + 7) & ~7L).isEqualTo(BLOCK_HEADER_LENGTH);
    }

    @Test
    void tpacket3HeaderMatchesTheHeader() {
        assertThat(TPACKET3_HDR.byteSize()).isEqualTo(TPACKET3_HDR_SIZE).isEqualTo(48);
        assertThat(at(TPACKET3_HDR, "tp_next_offset")).isEqualTo(TP_NEXT_OFFSET_OFFSET);
        assertThat(at(TPACKET3_HDR, "tp_sec")).isEqualTo(TP_SEC_OFFSET);
        assertThat(at(TPACKET3_HDR, "tp_nsec")).isEqualTo(TP_NSEC_OFFSET);
        assertThat(at(TPACKET3_HDR, "tp_snaplen")).isEqualTo(TP_SNAPLEN_OFFSET);
        assertThat(at(TPACKET3_HDR, "tp_len")).isEqualTo(TP_LEN_OFFSET);
        assertThat(at(TPACKET3_HDR, "tp_status")).isEqualTo(TP_STATUS_OFFSET);
        assertThat(at(TPACKET3_HDR, "tp_mac")).isEqualTo(TP_MAC_OFFSET);
        assertThat(at(TPACKET3_HDR, "tp_net")).isEqualTo(TP_NET_OFFSET);
        assertThat(at(TPACKET3_HDR, "hv1", "tp_rxhash")).isEqualTo(TP_RXHASH_OFFSET);
        assertThat(at(TPACKET3_HDR, "hv1", "tp_vlan_tci")).isEqualTo(TP_VLAN_TCI_OFFSET);
        assertThat(at(TPACKET3_HDR, "hv1", "tp_vlan_tpid")).isEqualTo(TP_VLAN_TPID_OFFSET);
        // TPACKET3_HDRLEN = TPACKET_ALIGN(sizeof(tpacket3_hdr)) + sizeof(sockaddr_ll); TX data at hdrlen - sockaddr_ll.
        assertThat(tpacketAlign((int) TPACKET3_HDR.byteSize()) + (int) SOCKADDR_LL.byteSize()).isEqualTo(TPACKET3_HDRLEN).isEqualTo(68);
        assertThat(TPACKET3_HDRLEN - SOCKADDR_LL_SIZE).isEqualTo(TX_DATA_OFFSET).isEqualTo(48);
    }

    @Test
    void theRunningKernelAgreesOnTheHeaderSizes() {
        Privileged.require("opens AF_PACKET sockets", Privileges.CAP_NET_RAW);
        int fd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW, 0, "socket(AF_PACKET)", "layout test");
        try (Arena arena = Arena.ofConfined()) {
            LibC.setsockoptInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "setsockopt(PACKET_VERSION)", "layout test");
            // PACKET_HDRLEN takes a version in and answers sizeof(its frame header).
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, TPACKET_V3);
            int len = LibC.getsockopt(fd, SOL_PACKET, PACKET_HDRLEN, v, "getsockopt(PACKET_HDRLEN)", "layout test");
            assertThat(len).isEqualTo(4);
            assertThat(v.get(JAVA_INT, 0)).as("sizeof(struct tpacket3_hdr) per the kernel").isEqualTo(TPACKET3_HDR_SIZE);
            // PACKET_STATISTICS on a TPACKET_V3 socket answers struct tpacket_stats_v3, truncated to what we offer.
            MemorySegment big = arena.allocate(64);
            assertThat(LibC.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, big, "getsockopt(PACKET_STATISTICS)", "layout test"))
                    .as("sizeof(struct tpacket_stats_v3) per the kernel").isEqualTo(STATS_V3_SIZE);
        } finally {
            LibC.close(fd);
        }
    }
}
