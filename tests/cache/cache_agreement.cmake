# Script mode: the simulated L1d miss rate of a particle kernel must agree with cachegrind's within 10%,
# with cachegrind configured with the simulator's geometry. Cachegrind's counts are taken as the
# difference of a run with PASSES kernel passes and one with none, so start-up and set-up cancel out.
# Inputs: -DPROGRAM=<cache_agreement_program> -DVALGRIND=<valgrind> -DLAYOUT=aos|soa -DPASSES=<n>
function(run_checked out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " cmd)
    message(FATAL_ERROR "failed (exit ${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

# cachegrind_counts(<passes> <refs_var> <misses_var>): "D refs" and "D1 misses" of one run.
function(cachegrind_counts passes refs_var misses_var)
  run_checked(text ${VALGRIND} --tool=cachegrind --cache-sim=yes --D1=${D1} --LL=${LL}
    --cachegrind-out-file=/dev/null ${PROGRAM} run ${LAYOUT} ${passes})
  string(REGEX MATCH "D +refs: +([0-9,]+)" _ "${text}")
  string(REPLACE "," "" refs "${CMAKE_MATCH_1}")
  string(REGEX MATCH "D1 +misses: +([0-9,]+)" _ "${text}")
  string(REPLACE "," "" misses "${CMAKE_MATCH_1}")
  if(refs STREQUAL "" OR misses STREQUAL "")
    message(FATAL_ERROR "no D refs / D1 misses in cachegrind's output:\n${text}")
  endif()
  set(${refs_var} ${refs} PARENT_SCOPE)
  set(${misses_var} ${misses} PARENT_SCOPE)
endfunction()

run_checked(geometry ${PROGRAM} geometry)
string(REGEX MATCH "D1=([0-9,]+) LL=([0-9,]+)" _ "${geometry}")
set(D1 ${CMAKE_MATCH_1})
set(LL ${CMAKE_MATCH_2})

cachegrind_counts(${PASSES} refs_with misses_with)
cachegrind_counts(0 refs_without misses_without)
math(EXPR cg_refs "${refs_with} - ${refs_without}")
math(EXPR cg_misses "${misses_with} - ${misses_without}")

run_checked(simulated ${PROGRAM} simulate ${LAYOUT} ${PASSES})
string(REGEX MATCH "refs ([0-9]+) misses ([0-9]+)" _ "${simulated}")
set(sim_refs ${CMAKE_MATCH_1})
set(sim_misses ${CMAKE_MATCH_2})

# Rates compared as cross products: |sim_misses/sim_refs - cg_misses/cg_refs| <= 10% of cg's rate.
math(EXPR lhs "${sim_misses} * ${cg_refs} - ${cg_misses} * ${sim_refs}")
if(lhs LESS 0)
  math(EXPR lhs "0 - ${lhs}")
endif()
math(EXPR rhs "${cg_misses} * ${sim_refs} / 10")
math(EXPR cg_rate_ppm "${cg_misses} * 1000000 / ${cg_refs}")
math(EXPR sim_rate_ppm "${sim_misses} * 1000000 / ${sim_refs}")
string(CONCAT summary "${LAYOUT}, ${PASSES} passes, D1=${D1}: cachegrind ${cg_misses} misses / ${cg_refs} refs "
  "(${cg_rate_ppm} ppm), simulator ${sim_misses} / ${sim_refs} (${sim_rate_ppm} ppm)")
if(lhs GREATER rhs)
  message(FATAL_ERROR "L1d miss rates disagree by more than 10%: ${summary}")
endif()
message(STATUS "L1d miss rates agree within 10%: ${summary}")
