# SPDX-License-Identifier: MIT
import bisect,re
syms=[]
for l in open('./syms.txt'):
    a,t,n=l.split(); syms.append((int(a,16),n))
addrs=[a for a,_ in syms]
ms=[a for a,n in syms if n=='marker_start'][0]; me=[a for a,n in syms if n=='marker_end'][0]
lines=open('./trace.log').read().splitlines()
from collections import Counter
c=Counter(); on=False; tot=0
for l in lines:
    m=re.search(r'\[[0-9a-f]+/([0-9a-f]+)/',l)
    if not m: continue
    pc=int(m.group(1),16)
    if pc==ms: on=True
    if pc==me and on: break
    if on:
        i=bisect.bisect_right(addrs,pc)-1; c[syms[i][1]]+=1; tot+=1
print("total",tot)
for k,v in c.most_common(): print(v,k)
