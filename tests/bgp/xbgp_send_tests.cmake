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

# The public collection's manifests with sending-side points, unchanged, on
# an export of a real file (xbgp_send_collection_test.py says what each does):
# with MEMPOOL_XBGP_PLUGINS (tests/xbgp/CMakeLists.txt), else the project's
# mirror beside the tree when it exists at configure time.
if(TARGET mempool-bgp AND MEMPOOL_PYTHON3)
  set(xbgp_send_collection "${MEMPOOL_XBGP_PLUGINS}")
  set(xbgp_send_mirror "${PROJECT_SOURCE_DIR}/../.mirror/pluginized-protocols+xbgp_plugins/repo")
  if(NOT xbgp_send_collection AND EXISTS "${xbgp_send_mirror}")
    set(xbgp_send_collection "${xbgp_send_mirror}")
  endif()
  if(xbgp_send_collection)
    add_test(NAME bgp_xbgp_send_collection_20071015
      COMMAND ${MEMPOOL_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/xbgp_send_collection_test.py $<TARGET_FILE:mempool-bgp>
              ${xbgp_send_collection} ${MEMPOOL_MRT_DATA}/updates.20071015.1505.gz
              ${PROJECT_SOURCE_DIR}/docs/export-example.json --bgpdump ${MEMPOOL_BGPDUMP})
    set_tests_properties(bgp_xbgp_send_collection_20071015 PROPERTIES LABELS "bgp;xbgp")
  endif()
endif()
