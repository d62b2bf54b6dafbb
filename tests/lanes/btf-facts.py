#!/usr/bin/env python3
"""btf-facts.py: the kernel facts dbnetio-kfacts prints, read independently.

A minimal reader of the raw BTF format (include/uapi/linux/btf.h): header,
type records, string section.  Tier 20 compares its answers with
dbnetio-kfacts, which uses libbpf, so a bug in either shows as a mismatch.

USAGE: btf-facts.py [BTF_FILE]   (default /sys/kernel/btf/vmlinux)
"""
import struct
import sys

path = sys.argv[1] if len(sys.argv) > 1 else '/sys/kernel/btf/vmlinux'
data = open(path, 'rb').read()
magic, ver, flags, hlen, toff, tlen, soff, slen = struct.unpack_from('<HBBIIIII', data, 0)
assert magic == 0xeb9f
types = data[hlen + toff: hlen + toff + tlen]
strs = data[hlen + soff: hlen + soff + slen]
def name(off):
    return strs[off:strs.index(b'\0', off)].decode()
# Bytes that follow the 12-byte common record, by kind (BTF_KIND_*).
extra = {1: lambda v: 4, 3: lambda v: 12, 4: lambda v: 12 * v, 5: lambda v: 12 * v,
         6: lambda v: 8 * v, 13: lambda v: 8 * v, 14: lambda v: 4, 15: lambda v: 12 * v,
         17: lambda v: 4, 19: lambda v: 12 * v}
tl = [None]
off = 0
while off < len(types):
    no, info, st = struct.unpack_from('<III', types, off)
    kind, vlen = (info >> 24) & 0x1f, info & 0xffff
    start = off + 12
    off = start + extra.get(kind, lambda v: 0)(vlen)
    tl.append((kind, name(no), st, vlen, start))
funcs = {t[1]: t for t in tl[1:] if t[0] == 12}
def params(fn):
    k, n, st, v, s = tl[funcs[fn][2]]
    return [name(struct.unpack_from('<II', types, s + 8 * i)[0]) for i in range(v)]
print('tcp_sendpage=%d' % ('tcp_sendpage' in funcs))
print('tcp_recvmsg_flags=%d' % params('tcp_recvmsg').index('flags'))
print('tcp_cleanup_rbuf_copied=%d' % params('tcp_cleanup_rbuf').index('copied'))
# struct members: name_off, type, offset (bits, or bitfield-size << 24 | bits
# when the struct's kind_flag is set)
structs = [t for t in tl[1:] if t and t[0] == 4 and t[1] == 'kernfs_node']
k, n, st, v, s = structs[0]
kflag = None
for no, info, _ in [struct.unpack_from('<III', types, s - 12)]:
    kflag = info >> 31
for i in range(v):
    mno, mtype, moff = struct.unpack_from('<III', types, s + 12 * i)
    if name(mno) == 'id':
        print('kernfs_node_id_offset=%d' % (((moff & 0xffffff) if kflag else moff) // 8))
