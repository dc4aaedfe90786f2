# MempoolToolLink.cmake: how the command-line tools (mempool-bgp,
# mempool-plugin) are linked, as MEMPOOL_TOOLS_LINK says.
#
# Why: a replay of a small MRT file is over in about a millisecond, and a
# dynamically linked mempool-bgp spent most of that in the dynamic loader
# (libstdc++, libmempool.so, zlib, bzip2, libdeflate: 2.06 M of 2.9 M
# instructions of a tiny replay were relocation and symbol lookup). Linked
# statically it replays a 108-byte file in 0.6-0.7 ms, as long as `gzip -dc`
# takes to inflate it (1.6 ms before; figures in the commit that added this).
#
#   static   everything in the executable, the C library too: the fastest
#            start-up; the tools use no NSS, dlopen or locale loading, which
#            a static glibc does not serve. Linked -static-pie where the
#            compiler makes position-independent code by default (Debian's
#            does): a plain -static executable gets crtbeginT.o, which
#            registers .eh_frame with libgcc's unwinder, and the first
#            exception thrown (CLI11 throws one for --help) then sorts every
#            FDE of the 5 MB program: 21 M instructions, 1 ms; a static PIE
#            finds FDEs through .eh_frame_hdr as a dynamic program does, and
#            keeps address-space randomisation.
#   bundled  libstdc++ and libgcc (-static-libstdc++ -static-libgcc), the
#            project's own libraries, zlib, bzip2 and libdeflate in the
#            executable; the C library (libc, libm) shared.
#   shared   as the libraries are built: libmempool.so, the system's shared
#            zlib, bzip2, libdeflate and libstdc++.
#
# Link order: in `static` and `bundled`, when the compiler can link with lld,
# the functions listed in tools/link_order.txt (what a replay runs, written by
# tools/link_order.py) are placed first and together in the text. A process
# pays a page fault for each 64 KiB window of code it touches first, 15-28 us
# on a virtual machine; a replay of a small file touched about 40 windows
# linked in the default order and touches about 10 in this one, which with
# the populated buffers took a quarter or more off its wall time
# (docs/benchmarks.md, "Thirteenth session"). Every function is in its own
# section (-ffunction-sections, CMakeLists.txt) so that lld can move it alone.
# Without lld the tools link as before, in the default order.
#
# Sanitizer and fuzzer builds (MEMPOOL_SANITIZE, MEMPOOL_BUILD_FUZZ) always
# link `shared`: ASan wants its own runtime and a dynamic libc. A system
# library without its static archive (libz.a, ...) stays shared, and `static`
# then becomes `bundled` (a -static link cannot take a .so).
#
# How: the project's libraries name `mempool::mempool` (libmempool.so) and the
# system libraries' imported targets in their link interfaces, for every
# consumer. mempool_tool_link(<tool>) rewrites those items, in each static
# library the tool links, into a choice made per consumer:
#
#   mempool::mempool  ->  $<IF:$<BOOL:$<TARGET_PROPERTY:MEMPOOL_TOOL_STATIC>>,mempool::static,mempool::mempool>
#
# and marks the tool MEMPOOL_TOOL_STATIC. Every other consumer (tests,
# benchmarks, the installed package) leaves the property unset and links
# exactly what it linked before; the choice is build-tree only
# ($<BUILD_INTERFACE:>), so the exported targets read as before.
#
# Example (tools/mempool-bgp/CMakeLists.txt):
#   add_executable(mempool-bgp main.cpp)
#   target_link_libraries(mempool-bgp PRIVATE mempool_bgp CLI11::CLI11)
#   mempool_tool_link(mempool-bgp)
include_guard(GLOBAL)
include(CheckCXXSourceCompiles)
include(CheckCXXSourceRuns)

# The link mode in effect, once per configure: MEMPOOL_TOOLS_LINK corrected
# for sanitizers, missing static archives and a C library that cannot be
# linked statically. Sets MEMPOOL_TOOLS_LINK_EFFECTIVE and, per system
# library, MEMPOOL_STATIC_<NAME> (the archive's path, or empty).
function(_mempool_tool_link_mode)
  set(mode "${MEMPOOL_TOOLS_LINK}")
  if(NOT mode MATCHES "^(static|bundled|shared)$")
    message(FATAL_ERROR "MEMPOOL_TOOLS_LINK is '${mode}': use static, bundled or shared")
  endif()
  if(MEMPOOL_SANITIZE OR MEMPOOL_BUILD_FUZZ)
    set(mode shared)
  endif()
  if(NOT mode STREQUAL "shared")
    foreach(lib z bz2 deflate)
      find_library(MEMPOOL_STATIC_LIB${lib} NAMES lib${lib}.a DOC "static lib${lib} for the tools (MEMPOOL_TOOLS_LINK)")
      if(NOT MEMPOOL_STATIC_LIB${lib} AND mode STREQUAL "static")
        set(mode bundled)  # lib${lib}.so stays shared
      endif()
    endforeach()
  endif()
  set(static_flag "")
  if(mode STREQUAL "static")
    set(probe "#include <stdexcept>\n#include <string>\n#if !defined(__PIE__)\n#error not PIE by default\n#endif\n\
int main(int c, char**) { try { throw std::runtime_error(std::to_string(c)); } catch (const std::exception& e) { return e.what()[0] == '1' ? 0 : 1; } }")
    set(CMAKE_REQUIRED_LINK_OPTIONS -static-pie)
    check_cxx_source_compiles("${probe}" MEMPOOL_CXX_LINKS_STATIC_PIE)
    if(MEMPOOL_CXX_LINKS_STATIC_PIE)
      set(static_flag -static-pie)
    else()
      string(REPLACE "#if !defined(__PIE__)\n#error not PIE by default\n#endif\n" "" probe "${probe}")
      set(CMAKE_REQUIRED_LINK_OPTIONS -static)
      check_cxx_source_compiles("${probe}" MEMPOOL_CXX_LINKS_STATIC)
      if(MEMPOOL_CXX_LINKS_STATIC)
        set(static_flag -static)
      else()
        set(mode bundled)
      endif()
    endif()
  endif()
  set(order_flags "")
  if(NOT mode STREQUAL "shared")
    set(order_flags -fuse-ld=lld "-Wl,--symbol-ordering-file=${PROJECT_SOURCE_DIR}/tools/link_order.txt"
                    -Wl,--no-warn-symbol-ordering)
    set(CMAKE_REQUIRED_LINK_OPTIONS ${static_flag} ${order_flags})
    check_cxx_source_compiles("int main() { return 0; }" MEMPOOL_CXX_LINKS_WITH_ORDER)
    if(NOT MEMPOOL_CXX_LINKS_WITH_ORDER)
      set(order_flags "")
    endif()
  endif()
  # Relative relocations packed (DT_RELR): a static PIE relocates itself at
  # start-up, and mempool-bgp's 5,600 pointers took 134 KB of RELA entries
  # to read, 2 KB packed (two page faults fewer a run). glibc applies them
  # from 2.36 on; an older one would leave the pointers unrelocated, so the
  # probe (a virtual call and an exception) runs.
  if(static_flag STREQUAL "-static-pie" AND order_flags)
    set(CMAKE_REQUIRED_LINK_OPTIONS ${static_flag} ${order_flags} -Wl,--pack-dyn-relocs=relr)
    check_cxx_source_runs("${probe}" MEMPOOL_CXX_RUNS_PACKED_RELOCS)
    if(MEMPOOL_CXX_RUNS_PACKED_RELOCS)
      list(APPEND static_flag -Wl,--pack-dyn-relocs=relr)
    endif()
  endif()
  set(MEMPOOL_TOOLS_LINK_EFFECTIVE ${mode} PARENT_SCOPE)
  set(MEMPOOL_TOOLS_STATIC_FLAG "${static_flag}" PARENT_SCOPE)
  set(MEMPOOL_TOOLS_ORDER_FLAGS "${order_flags}" PARENT_SCOPE)
endfunction()

# Rewrites the link interface of `library` (a static library of the project)
# and, recursively, of the static libraries it names, as the header says.
# `seen` is the name of a list of the libraries already rewritten.
function(_mempool_tool_link_rewrite library seen)
  if(NOT TARGET ${library})
    return()
  endif()
  get_target_property(real ${library} ALIASED_TARGET)
  if(real)
    set(library ${real})
  endif()
  get_target_property(type ${library} TYPE)
  get_target_property(imported ${library} IMPORTED)
  if(imported OR NOT type STREQUAL "STATIC_LIBRARY" OR library IN_LIST ${seen})
    return()
  endif()
  list(APPEND ${seen} ${library})
  set(${seen} ${${seen}} PARENT_SCOPE)

  # What each shared item becomes in a tool.
  set(static_of_mempool::mempool mempool::static)
  set(static_of_mempool mempool::static)
  set(static_of_mempool_shared mempool::static)
  set(static_of_ZLIB::ZLIB "${MEMPOOL_STATIC_LIBz}")
  set(static_of_BZip2::BZip2 "${MEMPOOL_STATIC_LIBbz2}")
  set(static_of_PkgConfig::LIBDEFLATE "${MEMPOOL_STATIC_LIBdeflate}")

  get_target_property(items ${library} INTERFACE_LINK_LIBRARIES)
  if(NOT items)
    return()
  endif()
  set(rewritten "")
  set(next "")
  foreach(item IN LISTS items)
    # A private dependency of a static library reads $<LINK_ONLY:name>.
    if(item MATCHES "^\\$<LINK_ONLY:([^<>]+)>$")
      set(name "${CMAKE_MATCH_1}")
      set(wrap_open "$<LINK_ONLY:")
      set(wrap_close ">")
    else()
      set(name "${item}")
      set(wrap_open "")
      set(wrap_close "")
    endif()
    if(DEFINED static_of_${name} AND NOT "${static_of_${name}}" STREQUAL "")
      set(choice "$<IF:$<BOOL:$<TARGET_PROPERTY:MEMPOOL_TOOL_STATIC>>,${static_of_${name}},${name}>")
      list(APPEND rewritten "$<BUILD_INTERFACE:${wrap_open}${choice}${wrap_close}>"
                            "$<INSTALL_INTERFACE:${item}>")
    else()
      list(APPEND rewritten "${item}")
      list(APPEND next "${name}")
    endif()
  endforeach()
  set_property(TARGET ${library} PROPERTY INTERFACE_LINK_LIBRARIES "${rewritten}")
  foreach(name IN LISTS next)
    _mempool_tool_link_rewrite("${name}" ${seen})
  endforeach()
  set(${seen} ${${seen}} PARENT_SCOPE)
endfunction()

# mempool_tool_link(<target>): links the executable <target> as
# MEMPOOL_TOOLS_LINK says. Call it after its target_link_libraries().
function(mempool_tool_link target)
  _mempool_tool_link_mode()
  set(mode ${MEMPOOL_TOOLS_LINK_EFFECTIVE})
  set(order "")
  if(MEMPOOL_TOOLS_ORDER_FLAGS)  # never in `shared`
    set(order " in tools/link_order.txt's order")
  elseif(NOT mode STREQUAL "shared")
    set(order " in the default order (no lld)")
  endif()
  message(STATUS "mempool tools: ${target} linked ${mode}${order} (MEMPOOL_TOOLS_LINK=${MEMPOOL_TOOLS_LINK})")
  if(mode STREQUAL "shared")
    return()
  endif()
  get_target_property(direct ${target} LINK_LIBRARIES)
  set(seen "")
  foreach(library IN LISTS direct)
    _mempool_tool_link_rewrite("${library}" seen)
  endforeach()
  set_property(TARGET ${target} PROPERTY MEMPOOL_TOOL_STATIC ON)
  # No run path: no library of ours is loaded at run time, and glibc's
  # start-up code of a static PIE aborts on one (_dl_relocate_static_pie).
  set_target_properties(${target} PROPERTIES SKIP_BUILD_RPATH ON INSTALL_RPATH "")
  if(mode STREQUAL "static")
    target_link_options(${target} PRIVATE ${MEMPOOL_TOOLS_STATIC_FLAG})
  else()
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
  if(MEMPOOL_TOOLS_ORDER_FLAGS)
    target_link_options(${target} PRIVATE ${MEMPOOL_TOOLS_ORDER_FLAGS})
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${PROJECT_SOURCE_DIR}/tools/link_order.txt")
  endif()
endfunction()
