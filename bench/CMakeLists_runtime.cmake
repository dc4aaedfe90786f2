# bench_runtime: the plugin runtime's costs (issue 3). Included from
# bench/CMakeLists.txt; needs the runtime (MEMPOOL_BUILD_PLUGINS).
#   build/bench/bench_runtime --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
if(TARGET mempool_runtime)
  add_executable(bench_runtime ${CMAKE_CURRENT_LIST_DIR}/bench_runtime.cpp)
  target_include_directories(bench_runtime PRIVATE ${PROJECT_SOURCE_DIR}/plugins)
  target_compile_definitions(bench_runtime PRIVATE NDEBUG MEMPOOL_PLUGINS_DIR="${PROJECT_BINARY_DIR}/plugins")
  target_compile_options(bench_runtime PRIVATE -O2 -Wall -Wextra)
  target_link_libraries(bench_runtime PRIVATE mempool::runtime benchmark::benchmark)
  add_dependencies(bench_runtime mempool_plugins)
  # The specification's plugin A, as written there (one get, one set).
  mempool_add_bpf_plugin(bench_plugins SOURCES ${PROJECT_SOURCE_DIR}/tests/plugins/probes/spec_plugin_a.c
                         OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/plugins)
  add_dependencies(bench_runtime bench_plugins)
  target_compile_definitions(bench_runtime PRIVATE MEMPOOL_BENCH_PLUGINS_DIR="${CMAKE_CURRENT_BINARY_DIR}/plugins")
endif()
