/* Uses the installed C API, built with flags from pkg-config. */
#include <mempool/mempool.h>

#include <stdint.h>
#include <stdio.h>

int main(void) {
    mem_pool *mp = new_mempool();
    uint32_t v = 7;
    if (!mp || add_single_mempool(mp, 1, NULL, sizeof v, &v) != 0) return 1;
    if (get_mempool_u64(mp, 1) != 7) return 1;
    delete_mempool(mp);
    puts("consumer (pkg-config, C): ok");
    return 0;
}
