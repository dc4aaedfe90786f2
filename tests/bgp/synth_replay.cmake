# Writes a synthetic MRT file with `mempool-bgp synth` and replays it: the
# replay must see every peer and no error.
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
