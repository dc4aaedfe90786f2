# Writes a synthetic MRT file with `mempool-bgp synth` and replays it: the
# replay must see every peer and no error, from the file and from standard
# input.
execute_process(COMMAND ${TOOL} synth -o ${OUT} --peers 5 --prefixes 3000 --updates 500 --seed 7
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "synth failed: ${rc}")
endif()
execute_process(COMMAND ${TOOL} replay --plugins none --json ${OUT} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "replay failed: ${rc}")
endif()
string(JSON n LENGTH "${out}" peers)
string(JSON errors GET "${out}" error_count)
if(NOT n EQUAL 5 OR NOT errors EQUAL 0)
  message(FATAL_ERROR "expected 5 peers and no error, got ${n} peers, ${errors} errors:\n${out}")
endif()

# The same file from standard input ("-"), as `zcat f | mempool-bgp replay -`
# would give it: the same report but for the file's name.
execute_process(COMMAND ${TOOL} replay --plugins none --json - INPUT_FILE ${OUT} OUTPUT_VARIABLE piped
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "replay from standard input failed: ${rc}")
endif()
string(JSON piped SET "${piped}" files "[]")
string(JSON out SET "${out}" files "[]")
if(NOT piped STREQUAL out)
  message(FATAL_ERROR "replay from standard input differs:\n${piped}\nfrom the file's:\n${out}")
endif()
