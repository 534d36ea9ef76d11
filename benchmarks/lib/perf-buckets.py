#!/usr/bin/env python3
"""perf-buckets.py PERF.DATA FRAMES_PER_SEC SECONDS

Sorts the samples of a CPU profile taken by lb-vs-nftables.sh --perf (perf record -e cpu-clock
-C 1 -g) into the steps of the path a frame takes, and prints each step's share of the CPU and its
nanoseconds per returned frame (FRAMES_PER_SEC x SECONDS frames came back during the profile).

A sample belongs to the thread that ran: vr's NAPI kthread (napi/vr-*), the contender's worker
(sluice-worker-*), the contender's other JVM threads, idle, or anything else. Within the first two,
its call chain decides the step: the first rule below that matches any frame of the chain wins, so
the order matters (e.g. vg's receive runs inside the worker's sendto and inside nftables' fwd, and
is counted as vg's receive in both).

With a software clock, a sample that falls while interrupts are disabled is taken when they are
enabled again: time under spin_lock_irqsave is charged to the unlock (and so to its caller's step).
"""
import subprocess, sys, collections

data, pps, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
frames = pps * secs
if frames <= 0:
    sys.exit(f'{sys.argv[0]}: no frames came back ({pps} x {secs}): nothing to divide by')
out = subprocess.run(['perf', 'script', '-i', data, '-F', 'comm,pid,tid,period,ip,sym'],
                     capture_output=True, text=True).stdout

samples = []
cur = None
for line in out.split('\n'):
    if not line.strip():
        if cur: samples.append(cur)
        cur = None
        continue
    if not line.startswith('\t') and not line.startswith(' ' * 8):
        # header: comm pid/tid period   (comm may contain spaces)
        parts = line.split()
        period = int(parts[-1]); pt = parts[-2]; comm = ' '.join(parts[:-2])
        pid, tid = pt.split('/')
        cur = [comm, int(pid), int(tid), period, []]
    else:
        f = line.split(None, 1)
        cur[4].append(f[1].strip() if len(f) > 1 else '?')
if cur: samples.append(cur)

# the contender's JVM: the pid that owns a sluice-worker thread; the NAPI kthread: napi/vr-*
jvm = {s[1] for s in samples if s[0].startswith('sluice-worker')}
napi = {s[1] for s in samples if s[0].startswith('napi/vr')}

def has(st, *names):
    for fr in st:
        for n in names:
            if fr.startswith(n):
                return True
    return False

def bucket(comm, pid, tid, st):
    thread = 'napi' if pid in napi else ('worker' if comm.startswith('sluice-worker') else None)
    if comm == 'swapper' or pid == 0:
        return 'idle (CPU 1 halted)'
    if pid in jvm and thread is None:
        return 'contender JVM, other threads (JIT, GC, main)'
    if thread is None:
        return 'other processes / kthreads'
    p = thread + ': '
    if has(st, '__schedule', 'schedule', 'finish_task_switch', 'do_sched_yield', '__x64_sys_sched_yield',
           'pick_next_task', 'yield_task'):
        return p + 'scheduler (context switch / yield)'
    if has(st, 'process_backlog'):
        return p + "vg's receive of the returned frame (backlog, sink drop, skb free)"
    if has(st, 'bpf_prog_'):
        return p + 'XDP program'
    if has(st, 'xsk_rcv', '__xsk_rcv', 'xsk_generic_rcv', '__xsk_map_redirect', 'xdp_do_redirect', 'xsk_flush',
           '__xsk_map_flush', 'xdp_do_flush', 'xp_alloc'):
        return p + 'XDP redirect + copy into the UMEM (xsk_rcv)'
    if has(st, 'veth_xmit', '__dev_queue_xmit', '__dev_direct_xmit', 'dev_hard_start_xmit', 'validate_xmit_skb',
           'nf_do_netdev_egress', 'dev_queue_xmit'):
        return p + 'transmit to vg (dev xmit, veth_xmit, netif_rx)'
    if has(st, '__xsk_generic_xmit', 'xsk_generic_xmit', 'xsk_sendmsg', 'xsk_build_skb', 'sock_alloc_send'):
        return p + 'AF_XDP TX: skb alloc + copy from the UMEM (xsk_generic_xmit)'
    if has(st, 'xsk_destruct_skb', 'sock_wfree'):
        return p + "free of the generator's TX skb (xsk_destruct_skb: completion to vg's XSK)"
    if has(st, 'skb_pp_cow_data', 'veth_convert_skb_to_xdp_buff'):
        return p + 'veth: copy of the skb into a page-pool page for XDP (skb_pp_cow_data)'
    if has(st, 'nft_', 'nf_hook_slow', 'nf_ingress'):
        return p + 'nftables rules (jhash, map, payload set)'
    if has(st, 'gro_receive_skb', 'dev_gro_receive', 'napi_gro', 'gro_'):
        return p + 'GRO'
    if has(st, '__netif_receive_skb', 'netif_receive_skb'):
        return p + 'stack receive (__netif_receive_skb)'
    if has(st, 'veth_poll', 'veth_xdp_rcv', 'napi_threaded_poll', '__napi_poll'):
        return p + 'veth NAPI poll (rest: ptr_ring, skb free, page pool)'
    if has(st, 'recvfrom', '__sys_recvfrom', 'xsk_recvmsg', '__x64_sys_poll', 'do_sys_poll', 'xsk_poll'):
        return p + 'recvfrom/poll syscalls'
    if has(st, 'entry_SYSCALL', 'do_syscall_64', 'syscall_exit'):
        return p + 'syscall entry/exit, other'
    if st and ('clock_gettime' in st[0] or 'javaTimeNanos' in ''.join(st[:2])):
        return p + 'user: clock_gettime (vDSO)'
    if has(st, 'asm_', 'irq', 'sysvec_', 'hrtimer', 'tick_'):
        return p + 'interrupts / timers'
    return p + 'user space (Java) / other'

acc = collections.Counter()
total = 0
for comm, pid, tid, period, st in samples:
    acc[bucket(comm, pid, tid, st)] += period
    total += period
print(f'# {data}: {len(samples)} samples, {total/1e9:.2f} s of CPU 1; {pps:.0f} frames/s x {secs} s = {frames:.0f} frames')
print(f'# {"% of CPU 1":>10}  {"ns/frame":>8}  bucket')
for b, v in sorted(acc.items(), key=lambda kv: -kv[1]):
    print(f'  {100*v/total:9.1f}%  {v/frames:8.0f}  {b}')
contender = sum(v for b, v in acc.items() if b.startswith(('napi', 'worker')))
print(f'  {100*contender/total:9.1f}%  {contender/frames:8.0f}  = NAPI kthread + worker (the contender\'s work, idle polls included)')
