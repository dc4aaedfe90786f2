# Reads 8 bytes at R1+8: refused when the memory is shorter than 16 bytes
ldxdw %r0, [%r1+8]
exit
