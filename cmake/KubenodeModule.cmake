# kubenode_module(NAME DEPS...): a static library kubenode_NAME (alias kubenode::NAME) from the .cc files
# in the current directory. Sources are globbed so that adding a file to a module needs no CMake edit.
function(kubenode_module name)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(NOT sources)
    set(sources ${PROJECT_SOURCE_DIR}/cmake/empty.cc)
  endif()
  add_library(kubenode_${name} STATIC ${sources})
  add_library(kubenode::${name} ALIAS kubenode_${name})
  target_include_directories(kubenode_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(kubenode_${name} PUBLIC ${ARGN})
endfunction()

# kubenode_tests(NAME LABEL DEPS...): one gtest binary from the *_test.cc files below the current directory,
# each TEST its own CTest entry carrying LABEL (unit, e2e or netns).
function(kubenode_tests name label)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(NOT sources)
    return()
  endif()
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE ${ARGN} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} PROPERTIES LABELS ${label} DISCOVERY_TIMEOUT 60)
endfunction()
