# Byte swap and a large shift: be32 of 0x11223344, shifted by 68 (masked to 4)
mov %r0, 0x11223344
be32 %r0
lsh %r0, 68
exit
