# Tests of mempool-bgp as an xBGP host (src/bgp/xbgp, plugins/xbgp),
# included from tests/bgp/CMakeLists.txt.
#
# bgp_xbgp_host_tests: the data side alone (layouts against the C header,
# wire attributes, structures written into a heap); no runtime needed.
add_executable(bgp_xbgp_host_tests xbgp_host_test.cpp xbgp_layout_probe.c)
target_link_libraries(bgp_xbgp_host_tests PRIVATE mempool_bgp GTest::gtest_main)
target_include_directories(bgp_xbgp_host_tests PRIVATE ${PROJECT_SOURCE_DIR}/include/mempool)
target_compile_options(bgp_xbgp_host_tests PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
mempool_discover_labelled_tests(bgp_xbgp_host_tests "bgp;xbgp" DISCOVERY_TIMEOUT 60)

# bgp_xbgp_points_tests: the receiving points with the runtime, driven
# event by event, and probe plugins of their own (xbgp_probes/): what
# bgp_decode_attr's result does to the attributes a plugin added, and the
# helper calls that fail, counted by kind.
if(TARGET mempool_bgp_plugins AND TARGET mempool_xbgp_plugins)
  set(xbgp_points_probe_dir ${CMAKE_CURRENT_BINARY_DIR}/xbgp_probes)
  mempool_add_bpf_plugin(bgp_xbgp_points_probes XBGP
    SOURCES xbgp_probes/decode_custom.c xbgp_probes/failing_helpers.c xbgp_probes/vrf.c
    OUTPUT_DIR ${xbgp_points_probe_dir})
  foreach(manifest decode_custom.plugin failing_helpers.plugin vrf.plugin)
    configure_file(xbgp_probes/${manifest} ${xbgp_points_probe_dir}/${manifest} COPYONLY)
  endforeach()
  add_executable(bgp_xbgp_points_tests xbgp_points_test.cpp)
  target_link_libraries(bgp_xbgp_points_tests PRIVATE mempool_bgp_plugins GTest::gtest_main)
  target_compile_options(bgp_xbgp_points_tests PRIVATE -Wall -Wextra)
  target_compile_definitions(bgp_xbgp_points_tests PRIVATE MEMPOOL_XBGP_POINTS_PROBES="${xbgp_points_probe_dir}")
  add_dependencies(bgp_xbgp_points_tests bgp_xbgp_points_probes)
  mempool_discover_labelled_tests(bgp_xbgp_points_tests "bgp;xbgp" DISCOVERY_TIMEOUT 60)
endif()

# Our xBGP plugins (plugins/xbgp) on real MRT files: pass_next (next() at
# every receiving point) changes nothing, under the JIT and the interpreter
# (xbgp_plugins_test.py --pass-next); all.meta's five plugins do exactly what
# bgpdump's view of the file says they must (xbgp_plugins_test.py).
find_program(MEMPOOL_PYTHON3 python3)
if(TARGET mempool-bgp AND TARGET mempool_xbgp_plugins AND MEMPOOL_PYTHON3)
  foreach(file updates.20071015.1505.gz updates.20100722.2015.gz)
    string(REGEX REPLACE "^updates\\.([0-9]+)\\..*" "\\1" day ${file})
    add_test(NAME bgp_xbgp_pass_next_${day}
      COMMAND ${MEMPOOL_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/xbgp_plugins_test.py $<TARGET_FILE:mempool-bgp>
              ${PROJECT_BINARY_DIR}/plugins/xbgp ${MEMPOOL_MRT_DATA}/${file} --pass-next)
    set_tests_properties(bgp_xbgp_pass_next_${day} PROPERTIES LABELS "bgp;xbgp")
    add_test(NAME bgp_xbgp_plugins_${day}
      COMMAND ${MEMPOOL_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/xbgp_plugins_test.py $<TARGET_FILE:mempool-bgp>
              ${PROJECT_BINARY_DIR}/plugins/xbgp ${MEMPOOL_MRT_DATA}/${file} --bgpdump ${MEMPOOL_BGPDUMP})
    set_tests_properties(bgp_xbgp_plugins_${day} PROPERTIES LABELS "bgp;xbgp")
  endforeach()
endif()

# The job plugin rib_census (plugins/xbgp) on the replay's clock: each run's
# walk of the Loc-RIB (routes per family, distinct origin ASes) against
# bgpdump's view of the file up to the run's MRT time, JIT and interpreter
# (xbgp_jobs_test.py). 2002-07-22 spans 899 s: the shipped 300 s schedule
# runs twice; the 2007 and 2010 files span 299 s: every 60 s instead.
if(TARGET mempool-bgp AND TARGET mempool_xbgp_plugins AND MEMPOOL_PYTHON3)
  foreach(case "updates.20020722.2238.gz|300" "updates.20071015.1505.gz|60" "updates.20100722.2015.gz|60")
    string(REPLACE "|" ";" case "${case}")
    list(GET case 0 file)
    list(GET case 1 schedule)
    string(REGEX REPLACE "^updates\\.([0-9]+)\\..*" "\\1" day ${file})
    add_test(NAME bgp_xbgp_jobs_${day}
      COMMAND ${MEMPOOL_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/xbgp_jobs_test.py $<TARGET_FILE:mempool-bgp>
              ${PROJECT_BINARY_DIR}/plugins/xbgp ${MEMPOOL_MRT_DATA}/${file} --bgpdump ${MEMPOOL_BGPDUMP}
              --schedule ${schedule})
    set_tests_properties(bgp_xbgp_jobs_${day} PROPERTIES LABELS "bgp;xbgp")
  endforeach()
  # reschedule_plugin's cases (plugins/xbgp/job_probe): a new interval, a
  # second call in one run, an interval under 1 s, no call.
  add_test(NAME bgp_xbgp_job_probe_20020722
    COMMAND ${MEMPOOL_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/xbgp_jobs_test.py $<TARGET_FILE:mempool-bgp>
            ${PROJECT_BINARY_DIR}/plugins/xbgp ${MEMPOOL_MRT_DATA}/updates.20020722.2238.gz --probe)
  set_tests_properties(bgp_xbgp_job_probe_20020722 PROPERTIES LABELS "bgp;xbgp")
endif()
