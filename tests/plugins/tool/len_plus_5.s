# R0 = R2 + 5: the length of the --memory bytes, plus 5
mov %r0, %r2
add %r0, 5
exit
