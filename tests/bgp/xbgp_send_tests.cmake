# Tests of mempool-bgp's sending-side xBGP points (src/bgp/xbgp/send_points.*)
# with our plugins (plugins/xbgp/send.meta), included from
# tests/bgp/CMakeLists.txt: xbgp_send_test.py exports a real MRT file to the
# three neighbours of docs/export-example.json and checks the UPDATEs sent,
# read back with bgpdump -m, against each plugin's rule, JIT and interpreter.
find_program(MEMPOOL_PYTHON3 python3)
if(TARGET mempool-bgp AND TARGET mempool_xbgp_plugins AND MEMPOOL_PYTHON3)
  foreach(file updates.20020722.2238.gz updates.20071015.1505.gz)
    string(REGEX REPLACE "^updates\\.([0-9]+)\\..*" "\\1" day ${file})
    add_test(NAME bgp_xbgp_send_${day}
      COMMAND ${MEMPOOL_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/xbgp_send_test.py $<TARGET_FILE:mempool-bgp>
              ${PROJECT_BINARY_DIR}/plugins/xbgp ${MEMPOOL_MRT_DATA}/${file}
              ${PROJECT_SOURCE_DIR}/docs/export-example.json --bgpdump ${MEMPOOL_BGPDUMP})
    set_tests_properties(bgp_xbgp_send_${day} PROPERTIES LABELS "bgp;xbgp")
  endforeach()
endif()
