#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""m4cycles.py -- instructions and estimated Cortex-M4 cycles per function from an exact QEMU trace.

Usage: m4cycles.py ELF TRACE [--region START END] [--top N] [--quiet]

TRACE is the log of `qemu-system-arm ... -singlestep -d exec,nochain -D TRACE -kernel ELF`: with
-singlestep every translation block is one instruction and with nochain every execution is logged,
so the sequence of program counters in the log is the exact instruction stream (an instruction
that touches a device is logged twice under -icount, abandoned once and re-executed: counted once). Each executed
instruction is looked up in `arm-none-eabi-objdump -d ELF` and weighted with the instruction timings
of the Cortex-M4 Technical Reference Manual (section 3.3, and the FPU's chapter 7), assuming
zero-wait-state memory (flash with the ART accelerator hitting, or SRAM):

  * data processing, multiplies and multiply-accumulates (MUL, MLA, SMULL, SMLAL, SMLAD, SXTB16,
    USAT...): 1; IT: 1 (the TRM allows folding it to 0: not assumed);
  * single loads LDR/LDRB/LDRH/LDRSB/LDRSH/VLDR: 2, but 1 when the instruction before was a
    single load or store whose loaded register does not form this one's address ("neighbouring load
    and store single instructions can pipeline"); PC-relative literal loads: 2 always;
    STR/VSTR with an immediate offset: 1; with a register offset: 2 (1 when pipelined);
  * any load or store whose address register was written by the instruction just before (a data
    processing result, no forwarding path): +1;
  * LDRD/STRD: 3; LDM/STM/PUSH/POP/VLDM/VSTM/VPUSH/VPOP: 1 + N registers (D registers count 2);
  * branches B/BL/BX/BLX/CBZ/CBNZ and writes to the PC (POP {pc}, LDR pc, MOV pc): + P = 2 when
    taken (the TRM gives 1..3 for the pipeline refill), conditional branches not taken: 1;
    TBB/TBH: 2 + P;
  * SDIV/UDIV: 12 (the TRM's worst case of 2..12: the trace has no operand values);
  * VADD/VSUB/VMUL/VNMUL/VCVT/VCMP/VABS/VNEG/VMOV/VMRS: 1; VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS: 3;
    VDIV/VSQRT: 14; VMOV of two core registers: 2;
  * an exception (a jump after an instruction that is not a branch): entry 12 + return 10 cycles.

What the model leaves out (so the figure is an estimate, not a measurement): flash wait states
beyond what the ART accelerator hides, bus contention with DMA, the skipped instructions of an IT
block (counted as executed), and the FPU's lazy stacking. Output: per region (the instructions from
the first instruction of START to the next START or END), total instructions and cycles, then the
functions sorted by cycles.
"""
import bisect
import re
import subprocess
import sys
from collections import defaultdict

P = 2  # pipeline refill of a taken branch (TRM: 1..3)
LOADS = {'ldr', 'ldrb', 'ldrh', 'ldrsb', 'ldrsh', 'ldrex', 'vldr'}
STORES = {'str', 'strb', 'strh', 'strex', 'vstr'}
MULTI = {'ldm', 'ldmia', 'ldmfd', 'ldmdb', 'stm', 'stmia', 'stmea', 'stmdb', 'stmfd', 'push', 'pop',
         'vldm', 'vldmia', 'vldmdb', 'vstm', 'vstmia', 'vstmdb', 'vpush', 'vpop'}
BRANCHES = {'b', 'bl', 'bx', 'blx', 'cbz', 'cbnz'}
CONDS = ('eq', 'ne', 'cs', 'cc', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al')
FP3 = {'vmla', 'vmls', 'vnmla', 'vnmls', 'vfma', 'vfms', 'vfnma', 'vfnms'}
FP14 = {'vdiv', 'vsqrt'}
REG_RE = re.compile(r'\b(r1[0-2]|r[0-9]|sl|fp|ip|sp|lr|pc)\b')
ALIAS = {'sl': 'r10', 'fp': 'r11', 'ip': 'r12'}


def regs(text):
    """The core registers named in an operand string (aliases normalised)."""
    return [ALIAS.get(r, r) for r in REG_RE.findall(text)]


def base_mnemonic(m):
    """Mnemonic without width suffix, condition and S flag: 'ldrsb.w' -> 'ldrsb', 'movlt' -> 'mov'."""
    m = m.split('.')[0]
    if m in LOADS or m in STORES or m in MULTI or m in BRANCHES or m in FP3 or m in FP14:
        return m
    for c in CONDS:
        if m.endswith(c) and len(m) > len(c):
            stem = m[:-len(c)]
            if stem in BRANCHES or stem in LOADS or stem in STORES or stem in ('mov', 'add', 'sub', 'str', 'ldr'):
                return stem
            if stem.endswith('s') and stem[:-1] in ('mov', 'add', 'sub', 'orr', 'and', 'eor', 'lsl', 'lsr', 'asr'):
                return stem[:-1]
            return stem
    return m


class Insn:
    """One disassembled instruction: size, mnemonic, operands, and what its timing depends on."""
    __slots__ = ('addr', 'size', 'mn', 'base', 'ops', 'cond_branch', 'kind', 'n', 'dst', 'addr_regs',
                 'writes_pc', 'imm_store', 'literal')

    def __init__(self, addr, size, mn, ops):
        self.addr, self.size, self.mn, self.ops = addr, size, mn, ops
        b = base_mnemonic(mn)
        self.base = b
        raw = mn.split('.')[0]
        self.cond_branch = b == 'b' and raw != 'b' or b in ('cbz', 'cbnz')
        r = regs(ops)
        self.dst = r[0] if r else None
        self.addr_regs = regs(ops[ops.index('['):]) if '[' in ops else []
        self.writes_pc = bool(r) and r[0] == 'pc' and b not in STORES and b not in MULTI and \
            not b.startswith('cmp') and not b.startswith('tst')
        self.imm_store = False
        self.literal = False
        self.n = 0
        if b in LOADS or b in STORES:
            self.kind = 'ls'
            self.literal = '[pc' in ops or (b in LOADS and '[' not in ops)
            self.imm_store = b in STORES and len(self.addr_regs) == 1
            if b == 'vldr' or b == 'vstr':
                self.dst = None
        elif b in ('ldrd', 'strd'):
            self.kind = 'ls2'
        elif b in MULTI:
            self.kind = 'multi'
            lst = ops[ops.index('{') + 1:ops.index('}')] if '{' in ops else ''
            n = 0
            for part in lst.split(','):
                part = part.strip()
                if '-' in part:  # range like s16-s23 or d8-d11
                    a, c = part.split('-')
                    cnt = int(c[1:]) - int(a[1:]) + 1
                    n += cnt * (2 if a.startswith('d') else 1)
                elif part:
                    n += 2 if part.startswith('d') else 1
            self.n = n
            self.writes_pc = b in ('pop', 'ldm', 'ldmia', 'ldmfd') and 'pc' in lst
        elif b in BRANCHES:
            self.kind = 'branch'
        elif b in ('tbb', 'tbh'):
            self.kind = 'table'
        elif b in ('sdiv', 'udiv'):
            self.kind = 'div'
        elif b in FP3:
            self.kind = 'fp3'
        elif b in FP14:
            self.kind = 'fp14'
        elif b == 'vmov' and len(r) == 2 and ops.count(',') >= 2:
            self.kind = 'vmov2'
        else:
            self.kind = 'alu'


def disassemble(elf):
    """Address -> Insn for every instruction in the image, and the sorted function symbols."""
    out = subprocess.run(['arm-none-eabi-objdump', '-d', '--no-show-raw-insn', elf], capture_output=True,
                         text=True, check=True).stdout
    insns = {}
    line_re = re.compile(r'^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$')
    prev = None
    for line in out.splitlines():
        m = line_re.match(line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        mn, ops = m.group(2), m.group(3).split(';')[0].split('@')[0].strip()
        if mn.startswith('.'):
            continue
        insns[addr] = [addr, 0, mn, ops]
        if prev is not None and insns[prev][1] == 0:
            insns[prev][1] = addr - prev
        prev = addr
    res = {}
    for a, (addr, size, mn, ops) in insns.items():
        if size == 0 or size > 4:
            size = 4 if re.match(r'.*\.w$', mn) else 2
        res[a] = Insn(addr, size, mn, ops)
    syms = []
    nm = subprocess.run(['arm-none-eabi-nm', '-n', elf], capture_output=True, text=True, check=True).stdout
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'tTwW':
            syms.append((int(parts[0], 16) & ~1, parts[2]))
    return res, syms


def cycles_of(ins, prev, next_pc):
    """Estimated cycles of one executed instruction, given the one before and the next PC."""
    taken = not ins.cond_branch or (next_pc is not None and next_pc != ins.addr + ins.size)
    k = ins.kind
    if k == 'ls':
        c = 2
        if ins.literal:
            c = 2
        elif ins.imm_store:
            c = 1
        elif prev is not None and prev.kind == 'ls' and not prev.literal and \
                not (prev.base in LOADS and prev.dst in ins.addr_regs):
            c = 1
        if ins.writes_pc:
            c += P + 1
    elif k == 'ls2':
        c = 3
    elif k == 'multi':
        c = 1 + ins.n + (P if ins.writes_pc else 0)
    elif k == 'branch':
        c = 1 + P if taken else 1
    elif k == 'table':
        c = 2 + P
    elif k == 'div':
        c = 12
    elif k == 'fp3':
        c = 3
    elif k == 'fp14':
        c = 14
    elif k == 'vmov2':
        c = 2
    else:
        c = 1 + (P if ins.writes_pc and taken else 0)
    # address generated from the result of the data-processing instruction just before
    if k in ('ls', 'ls2', 'multi') and prev is not None and prev.kind == 'alu' and prev.dst in ins.addr_regs \
            and ins.base not in ('push', 'pop', 'vpush', 'vpop'):
        c += 1
    return c


def run(elf, trace, start=None, end=None):
    """Per region: [instructions, cycles, {function: [instructions, cycles]}]."""
    insns, syms = disassemble(elf)
    addrs = [a for a, _ in syms]
    start_a = next((a for a, n in syms if n == start), None) if start else None
    end_a = next((a for a, n in syms if n == end), None) if end else None
    if start and start_a is None:
        sys.exit(f'm4cycles: no symbol {start} in {elf}')
    if end and end_a is None:
        sys.exit(f'm4cycles: no symbol {end} in {elf}')
    pc_re = re.compile(r'\[[0-9a-f]+/([0-9a-f]+)/')

    def stream():
        with open(trace, errors='replace') as f:  # may be a FIFO: read once, in order
            for line in f:
                m = pc_re.search(line)
                if m:
                    yield int(m.group(1), 16)
    regions = []
    cur = None if start else [0, 0, defaultdict(lambda: [0, 0])]
    if cur is not None:
        regions.append(cur)
    prev = None
    unknown = total = 0
    it = stream()
    pc = next(it, None)
    while pc is not None:
        nxt = next(it, None)
        total += 1
        if start_a is not None and pc == start_a:
            cur = [0, 0, defaultdict(lambda: [0, 0])]
            regions.append(cur)
        elif end_a is not None and pc == end_a:
            cur = None
        ins = insns.get(pc)
        if ins is None:
            unknown += 1
            prev = None
            pc = nxt
            continue
        if nxt == pc and ins.kind != 'branch':
            # under -icount an instruction touching a device is abandoned and executed again in a
            # block of its own: the log shows it twice, the CPU runs it once
            total -= 1
            pc = nxt
            continue
        c = cycles_of(ins, prev, nxt)
        if nxt is not None and nxt != pc + ins.size and ins.kind not in ('branch', 'table') and \
                not ins.writes_pc and ins.base not in ('bkpt', 'svc', 'wfi', 'wfe'):
            c += 22  # an exception: entry 12, return 10
        prev = ins
        if cur is not None:
            j = bisect.bisect_right(addrs, pc) - 1
            fn = syms[j][1] if j >= 0 else '?'
            cur[0] += 1
            cur[1] += c
            cur[2][fn][0] += 1
            cur[2][fn][1] += c
        pc = nxt
    return regions, unknown, total


def main(argv):
    args = argv[1:]
    start = end = None
    top, quiet = 12, False
    pos = []
    i = 0
    while i < len(args):
        if args[i] == '--region':
            start, end = args[i + 1], args[i + 2]
            i += 3
        elif args[i] == '--top':
            top = int(args[i + 1])
            i += 2
        elif args[i] == '--quiet':
            quiet = True
            i += 1
        else:
            pos.append(args[i])
            i += 1
    if len(pos) != 2:
        sys.exit(__doc__.split('\n\n')[1])
    regions, unknown, total = run(pos[0], pos[1], start, end)
    if total == 0:
        sys.exit(f'm4cycles: no executed instructions in {pos[1]} (run QEMU with -singlestep -d exec,nochain)')
    for k, (n, c, fns) in enumerate(regions):
        print(f'region {k + 1}: {n} instructions, {c} cycles (estimated, zero wait states), {c / max(n, 1):.3f} CPI')
        if quiet:
            continue
        for fn, (fi, fc) in sorted(fns.items(), key=lambda kv: -kv[1][1])[:top]:
            print(f'  {fn:32s} {fi:9d} insn {fc:9d} cycles  {fc / max(fi, 1):.2f} CPI')
    if unknown:
        print(f'note: {unknown} executed addresses not in the disassembly (not counted)',
              file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv)
