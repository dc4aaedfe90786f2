# MempoolBpf.cmake: build eBPF plugin objects for the mempool plugin runtime.
#
#   include(MempoolBpf)        # or find_package(mempool) which includes it
#   mempool_add_bpf_plugin(my_plugins
#     SOURCES count.c report.c          # one object per source: count.o, report.o
#     [OUTPUT_DIR <dir>]                # default: ${CMAKE_CURRENT_BINARY_DIR}
#     [INCLUDE_DIRS <dir>...]
#     [DEFINITIONS <NAME=VALUE>...]
#     [XBGP]                            # xBGP plugins: the xBGP collection's recipe (below)
#     [ALL])                            # build with the default target
#
# creates a custom target `my_plugins` whose property MEMPOOL_BPF_OBJECTS
# lists the objects. Each source is compiled with
#
#   clang -O2 -g0 -target bpf -mcpu=v2 -ffreestanding -nostdinc
#         -isystem <clang resource dir>/include -I<mempool SDK include dir> -c
#
# (-mcpu=v2 keeps the objects loadable by older runtimes; ours also accepts
# v3 and v4 code, and -g, whose line info names the source line in every
# refusal; -nostdinc makes an accidental libc include fail loudly).
#
# With XBGP, sources written against the xBGP plugin API (they include
# "xbgp_compliant_api/xbgp_plugin_api.h" and the system's libc headers) are
# built the way the public xBGP plugin collection's Makefiles build theirs:
#
#   clang -O2 -fno-stack-protector -I<SDK>/mempool -emit-llvm -c x.c -o x.bc
#   llc -O2 -march=bpf -mcpu=v2 -filetype=obj x.bc -o x.o
#
# (clang compiles for the build machine, with its libc headers; llc lowers
# the IR to eBPF). The entry is the function named in the manifest, in .text.
# Variables that may be set beforehand:
#   MEMPOOL_BPF_CLANG       the clang to use (default: clang, clang-14..18)
#   MEMPOOL_PLUGIN_SDK_DIR  the folder holding mempool/plugin_sdk.h
#   MEMPOOL_BPF_LLC         the llc of XBGP builds (default: llc, llc-14..18)
include_guard(GLOBAL)

find_program(MEMPOOL_BPF_CLANG NAMES clang clang-18 clang-17 clang-16 clang-15 clang-14
             DOC "clang used to compile eBPF plugins")
find_program(MEMPOOL_BPF_LLC NAMES llc llc-18 llc-17 llc-16 llc-15 llc-14
             DOC "llc used to lower xBGP plugins to eBPF")

if(NOT MEMPOOL_PLUGIN_SDK_DIR)
  # Installed: included from mempoolConfig.cmake, whose @PACKAGE_INIT@ sets
  # PACKAGE_PREFIX_DIR; or <libdir>/cmake/mempool with libdir one or two
  # levels deep (lib, lib/x86_64-linux-gnu). Source tree: cmake/../include.
  set(candidates "${CMAKE_CURRENT_LIST_DIR}/../include")
  if(DEFINED PACKAGE_PREFIX_DIR)
    list(PREPEND candidates "${PACKAGE_PREFIX_DIR}/include")
  endif()
  list(APPEND candidates "${CMAKE_CURRENT_LIST_DIR}/../../../include" "${CMAKE_CURRENT_LIST_DIR}/../../../../include")
  foreach(candidate IN LISTS candidates)
    if(EXISTS "${candidate}/mempool/plugin_sdk.h")
      get_filename_component(MEMPOOL_PLUGIN_SDK_DIR "${candidate}" ABSOLUTE)
      break()
    endif()
  endforeach()
endif()
set(MEMPOOL_PLUGIN_SDK_DIR "${MEMPOOL_PLUGIN_SDK_DIR}" CACHE PATH "Folder holding mempool/plugin_sdk.h")

function(mempool_add_bpf_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "ALL;XBGP" "OUTPUT_DIR" "SOURCES;INCLUDE_DIRS;DEFINITIONS")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "mempool_add_bpf_plugin(${name}): no SOURCES")
  endif()
  if(NOT MEMPOOL_BPF_CLANG)
    message(FATAL_ERROR "mempool_add_bpf_plugin(${name}): clang not found (set MEMPOOL_BPF_CLANG)")
  endif()
  if(NOT EXISTS "${MEMPOOL_PLUGIN_SDK_DIR}/mempool/plugin_sdk.h")
    message(FATAL_ERROR "mempool_add_bpf_plugin(${name}): mempool/plugin_sdk.h not found (set MEMPOOL_PLUGIN_SDK_DIR)")
  endif()
  if(NOT DEFINED CACHE{MEMPOOL_BPF_CLANG_RESOURCE_DIR})
    execute_process(COMMAND "${MEMPOOL_BPF_CLANG}" -print-resource-dir
                    OUTPUT_VARIABLE resource_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT EXISTS "${resource_dir}/include/stdint.h")
      message(FATAL_ERROR "mempool_add_bpf_plugin: cannot find clang's resource include dir")
    endif()
    set(MEMPOOL_BPF_CLANG_RESOURCE_DIR "${resource_dir}" CACHE INTERNAL "")
  endif()
  if(NOT arg_OUTPUT_DIR)
    set(arg_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()

  if(arg_XBGP)
    if(NOT MEMPOOL_BPF_LLC)
      message(FATAL_ERROR "mempool_add_bpf_plugin(${name} XBGP): llc not found (set MEMPOOL_BPF_LLC)")
    endif()
    set(flags -O2 -fno-stack-protector -Wall -Werror=implicit-function-declaration
              -I "${MEMPOOL_PLUGIN_SDK_DIR}/mempool" -I "${MEMPOOL_PLUGIN_SDK_DIR}")
  else()
    set(flags -O2 -g0 -target bpf -mcpu=v2 -ffreestanding -nostdinc -Wall -Werror=implicit-function-declaration
              -isystem "${MEMPOOL_BPF_CLANG_RESOURCE_DIR}/include" -I "${MEMPOOL_PLUGIN_SDK_DIR}")
  endif()
  foreach(dir IN LISTS arg_INCLUDE_DIRS)
    list(APPEND flags -I "${dir}")
  endforeach()
  foreach(def IN LISTS arg_DEFINITIONS)
    list(APPEND flags "-D${def}")
  endforeach()

  set(objects)
  foreach(src IN LISTS arg_SOURCES)
    get_filename_component(src_abs "${src}" ABSOLUTE)
    get_filename_component(stem "${src}" NAME_WE)
    set(obj "${arg_OUTPUT_DIR}/${stem}.o")
    if(arg_XBGP)
      add_custom_command(
        OUTPUT "${obj}"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${arg_OUTPUT_DIR}"
        COMMAND "${MEMPOOL_BPF_CLANG}" ${flags} -MD -MF "${obj}.d" -MT "${obj}" -emit-llvm -c "${src_abs}" -o "${obj}.bc"
        COMMAND "${MEMPOOL_BPF_LLC}" -O2 -march=bpf -mcpu=v2 -filetype=obj "${obj}.bc" -o "${obj}"
        DEPENDS "${src_abs}"
        DEPFILE "${obj}.d"
        COMMENT "Building xBGP plugin ${stem}.o"
        VERBATIM)
    else()
      add_custom_command(
        OUTPUT "${obj}"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${arg_OUTPUT_DIR}"
        COMMAND "${MEMPOOL_BPF_CLANG}" ${flags} -MD -MF "${obj}.d" -c "${src_abs}" -o "${obj}"
        DEPENDS "${src_abs}"
        DEPFILE "${obj}.d"
        COMMENT "Building eBPF plugin ${stem}.o"
        VERBATIM)
    endif()
    list(APPEND objects "${obj}")
  endforeach()

  if(arg_ALL)
    add_custom_target(${name} ALL DEPENDS ${objects})
  else()
    add_custom_target(${name} DEPENDS ${objects})
  endif()
  set_target_properties(${name} PROPERTIES MEMPOOL_BPF_OBJECTS "${objects}")
endfunction()
