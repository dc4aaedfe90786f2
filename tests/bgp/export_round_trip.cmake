# export_round_trip.cmake: the round trip of docs/export.md through the
# command line: replay INPUT with --export-to CONFIG, writing the UPDATEs
# sent (--updates-out, gzip) and every Adj-RIB-Out (--adj-rib-out); replay
# the UPDATEs with --rib-out; the routes of neighbour NEIGHBOUR (|ip|as|) are
# the same in both, line for line (without the time field).
#   cmake -DTOOL=mempool-bgp -DINPUT=updates.gz -DCONFIG=export-example.json
#         -DNEIGHBOUR=198.51.100.1|64500 -DOUT=dir -P export_round_trip.cmake
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${TOOL} replay --plugins none ${INPUT} --export-to ${CONFIG}
                        --updates-out ${OUT}/sent.mrt.gz --adj-rib-out ${OUT}/adj.txt
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "export failed: ${rc}")
endif()
execute_process(COMMAND ${TOOL} replay --plugins none ${OUT}/sent.mrt.gz --rib-out ${OUT}/replayed.txt
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "replay of the UPDATEs sent failed: ${rc}")
endif()
string(REPLACE "|" "\\|" pattern "|${NEIGHBOUR}|")
foreach(name adj replayed)
  file(STRINGS ${OUT}/${name}.txt lines REGEX "${pattern}")
  set(${name})
  foreach(l IN LISTS lines)
    string(REGEX REPLACE "^TABLE_DUMP2\\|[0-9]+\\|" "" l "${l}")
    list(APPEND ${name} "${l}")
  endforeach()
  list(SORT ${name})
endforeach()
list(LENGTH adj n)
if(n EQUAL 0)
  message(FATAL_ERROR "neighbour ${NEIGHBOUR} has an empty Adj-RIB-Out")
endif()
if(NOT adj STREQUAL replayed)
  message(FATAL_ERROR "the replayed routes of ${NEIGHBOUR} differ from its Adj-RIB-Out")
endif()
message(STATUS "${n} routes of ${NEIGHBOUR}: the same after the round trip")
