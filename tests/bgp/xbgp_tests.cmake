# Tests of mempool-bgp as an xBGP host (src/bgp/xbgp, plugins/xbgp),
# included from tests/bgp/CMakeLists.txt.
#
# bgp_xbgp_host_tests: the data side alone (layouts against the C header,
# wire attributes, structures written into a heap); no runtime needed.
add_executable(bgp_xbgp_host_tests xbgp_host_test.cpp xbgp_layout_probe.c)
target_link_libraries(bgp_xbgp_host_tests PRIVATE mempool_bgp GTest::gtest_main)
target_include_directories(bgp_xbgp_host_tests PRIVATE ${PROJECT_SOURCE_DIR}/include/mempool)
target_compile_options(bgp_xbgp_host_tests PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
gtest_discover_tests(bgp_xbgp_host_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "bgp;xbgp")
