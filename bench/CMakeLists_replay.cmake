# bench_read: mempool-bgp's input path (zlib, libdeflate, the reader thread)
# against the inflaters alone; docs/benchmarks.md, "Replay against
# decompression". Only when the BGP host is built.
#   build/bench/bench_read --rounds 11 /work/shared/data/mrt/bview.20020722.2337.gz
if(TARGET mempool_bgp)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
  add_executable(bench_read bench_read.cpp)
  target_link_libraries(bench_read PRIVATE mempool_bgp PkgConfig::LIBDEFLATE)
  target_compile_options(bench_read PRIVATE -O2 -Wall -Wextra)
endif()
