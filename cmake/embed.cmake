# Turns files into C++ string constants so the binary carries its Lua scripts and web
# assets. For each file F under a listed folder, generated/embedded/<name>.cpp defines
# `extern const std::string_view tc_embedded_<name>` (name = file name with [^a-zA-Z0-9] -> _).
set(TC_EMBEDDED_SOURCES "")
function(tc_embed_dir dir)
  file(GLOB files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*)
  foreach(f ${files})
    get_filename_component(fname ${f} NAME)
    string(MAKE_C_IDENTIFIER ${fname} ident)
    set(out ${CMAKE_BINARY_DIR}/generated/embedded/${ident}.cpp)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -DIN=${f} -DOUT=${out} -DIDENT=${ident} -P ${CMAKE_SOURCE_DIR}/cmake/embed_one.cmake
      DEPENDS ${f} ${CMAKE_SOURCE_DIR}/cmake/embed_one.cmake
      VERBATIM)
    list(APPEND TC_EMBEDDED_SOURCES ${out})
  endforeach()
  set(TC_EMBEDDED_SOURCES ${TC_EMBEDDED_SOURCES} PARENT_SCOPE)
endfunction()

foreach(d src/store/redis/scripts src/web)
  if(EXISTS ${CMAKE_SOURCE_DIR}/${d})
    tc_embed_dir(${d})
  endif()
endforeach()
