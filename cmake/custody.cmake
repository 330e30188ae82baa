# Shared compile settings for every Custody target.
set(CUSTODY_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)

# CUSTODY_WERROR (option in the top-level CMakeLists.txt; tools/test.sh turns
# it on): every target defined after this point — libraries (custody_library),
# tests (custody_test), the custody CLI, the fuzz harnesses and the benches —
# fails to build on any warning it enables. A directory-wide option rather than
# part of CUSTODY_WARNINGS, so that targets without the project warnings
# (fuzz, bench, generated protobuf code) are covered too.
if(CUSTODY_WERROR)
  add_compile_options(-Werror)
  if(CUSTODY_SANITIZE)
    # Under ASan/UBSan, g++ 12 reports false -Wmaybe-uninitialized inside
    # libstdc++ (<regex>/std::function, e.g. in Catch2's main): keep it a
    # warning there. The uninstrumented build treats it as an error.
    add_compile_options(-Wno-error=maybe-uninitialized)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # At -O3 (Release) g++ 12 reports a false -Wrestrict inside libstdc++'s
    # std::string operator+ (GCC bug 105651; crypto/age.cc, vault/ops/copies.cc):
    # keep it a warning so that a -Werror Release build (the benchmarks') builds.
    add_compile_options(-Wno-error=restrict)
  endif()
endif()

if(CUSTODY_SANITIZE)
  # A sanitized build exists to run tests. At -O1 with line tables only
  # (-g1: function names and line numbers, all a sanitizer's report prints)
  # g++ compiles it a third faster than at RelWithDebInfo's -O2 -g
  # (measured on vault/ops/audit.cc and a test file: 22.5 -> 15.6 s and
  # 26.0 -> 12.6 s), which is most of what keeps CI under its hour.
  if(CMAKE_BUILD_TYPE STREQUAL "RelWithDebInfo")
    set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
    set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
  endif()
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# custody_library(NAME SOURCES... DEPS...) — one library target per folder.
function(custody_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${CUSTODY_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()
